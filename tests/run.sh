#!/usr/bin/env bash
# Runs every suite — style, layers (tools/layers.py and its tests), ops (manual pages, Debian package), fuzz (fuzz/run.sh), unit (cmocka),
# HTTP end-to-end (pytest) and browser (playwright + axe) — the last two on SQLite and on a throwaway PostgreSQL 15, and ends with one line
# "N passed, N failed". A suite that runs no test, or whose counts cannot be read, counts as failed.
# Usage: tests/run.sh BUILD_DIR   (a build made with -Db_sanitize=address,undefined)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build-test}" && pwd)
cd "$root"
work=$(mktemp -d /tmp/tremplin-test.XXXXXX)
chmod 755 "$work"
pass=0
fail=0
failed_suites=()

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TREMPLIN_BIN=$build/src/tremplin
export TREMPLIN_STATIC_DIR=$build/static

# Each suite's line says how long it took (seconds since the previous line, or the time its job reported), so that
# the 30-minute budget of make test is watched suite by suite.
last=$SECONDS
count() { # NAME PASSED FAILED [SECONDS]
  local p=${2:-0} f=${3:-0} took=${4:-$((SECONDS - last))}
  last=$SECONDS
  case "$p$f" in *[!0-9]*) p=0 f=1 ;; esac # counts that could not be read
  if [ $((p + f)) -eq 0 ]; then
    echo "tests: suite \"$1\" ran no test" >&2
    f=1
  fi
  pass=$((pass + p))
  fail=$((fail + f))
  [ "$f" -eq 0 ] || failed_suites+=("$1")
  printf '== %-28s %d passed, %d failed (%d s)\n' "$1" "$p" "$f" "$took"
}

pgdir=$work/pg
port=$((20000 + RANDOM % 20000))
if ! pgurl=$(tests/pg.sh start "$pgdir" "$port"); then
  echo "tests: PostgreSQL could not be started" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
trap 'tests/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"' EXIT

# A database of its own for each suite and engine.
newdb() { tests/pg.sh createdb "$pgdir" "$1"; }

# Style: clang-format over the C sources.
if clang-format --dry-run -Werror $(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'fuzz/*.c') >"$work/format.log" 2>&1; then
  count "style (clang-format)" 1 0
else
  head -n 20 "$work/format.log"
  count "style (clang-format)" 0 1
fi

junit_counts() { # FILE -> "passed failed" (skipped tests count as failed; an unreadable FILE is one failure)
  /usr/bin/python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1); sys.exit()
suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
t = sum(int(s.get('tests', 0)) for s in suites)
f = sum(int(s.get('failures', 0)) + int(s.get('errors', 0)) for s in suites)
sk = sum(int(s.get('skipped', 0)) for s in suites)
print(t - f - sk, f + sk)  # a skipped test is not a pass
PY
}

# Layers: no include points up the layers, no cycle between capability folders (tools/layers.py), and the
# check's own tests (it fails on a tree with a bad include, passes on a good one).
if /usr/bin/python3 tools/layers.py src >"$work/layers.log" 2>&1; then lp=1 lf=0; else lp=0 lf=1; fi
[ "$lf" -eq 0 ] || cat "$work/layers.log"
/usr/bin/python3 -m pytest tests/tools -q -p no:cacheprovider --junitxml="$work/layers.xml" >"$work/layers-tests.log" 2>&1
read -r p f < <(junit_counts "$work/layers.xml")
[ "$f" -eq 0 ] || tail -n 40 "$work/layers-tests.log"
count "layers" $((lp + p)) $((lf + f))

# Operating: the manual pages against --help and the settings table, and the Debian package built with Debian's
# tools (dpkg-buildpackage, lintian, systemd-analyze; about 2 minutes on two cores). A missing tool fails.
/usr/bin/python3 -m pytest tests/ops -q -p no:cacheprovider --junitxml="$work/ops.xml" >"$work/ops.log" 2>&1
read -r p f < <(junit_counts "$work/ops.xml")
[ "$f" -eq 0 ] || tail -n 60 "$work/ops.log"
count "ops (manual, package)" "$p" "$f"

# Fuzzing: every libFuzzer driver of fuzz/ (each parser: router and paths, query strings, cookies, urlencoded and
# multipart bodies, JSON bodies against every entity table, places imports in CSV and JSON, opening hours,
# templates, NDJSON activity batches, Markdown, OpenID answers) built with clang, ASan and UBSan, and run
# FUZZ_SECONDS (9) each on its committed corpus. Missing clang fails. About 3 minutes (the build, then 9 s for each of 13 drivers).
# A driver keeps one core busy: it runs beside the unit tests (which mostly wait on their databases), and is
# counted after them.
fuzz_t0=$SECONDS
(fuzz/run.sh "${FUZZ_SECONDS:-9}" >"$work/fuzz.log" 2>&1; echo $((SECONDS - fuzz_t0)) >"$work/fuzz.took") &
fuzz_job=$!

# Unit tests: one cmocka program per tests/unit/**/test_*.c (a missing program fails), each running its
# PostgreSQL half against a fresh database.
for src in $(git ls-files 'tests/unit/*test_*.c'); do
  name=$(basename "$src" .c)
  t=$build/tests/unit/$name
  if ! [ -x "$t" ] || ! [ -f "$t" ]; then
    echo "tests: $src has no program $t (not listed in tests/unit/meson.build?)" >&2
    count "unit $name" 0 1
    continue
  fi
  TREMPLIN_TEST_PG=$(newdb "u_$name") "$t" >"$work/$name.log" 2>&1
  rc=$?
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$work/$name.log" | awk '{s += $4} END {print s + 0}')
  f=$(grep -Eo '^\[  (FAILED|SKIPPED) \] [0-9]+' "$work/$name.log" | awk '{s += $NF} END {print s + 0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # a crash or a sanitizer report
  [ "$f" -eq 0 ] || tail -n 30 "$work/$name.log"
  count "unit $name" "$p" "$f"
done

wait "$fuzz_job"
read -r p f < <(sed -nE 's/^fuzz: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$work/fuzz.log" | tail -n 1)
p=${p:-0}
f=${f:-1}
[ "$f" -eq 0 ] || tail -n 60 "$work/fuzz.log"
count "fuzz (libFuzzer, ASan, UBSan)" "$p" "$f" "$(cat "$work/fuzz.took" 2>/dev/null || echo 0)"

# The HTTP and browser suites of the two engines, four jobs side by side (each its own server, database, ports and
# folder), then counted in order: together they take about twice the CPU time the machine's two cores give in the
# time of the longest (they mostly wait on the network), so running them one after the other only lost time.
http_suite() { # ENGINE; its counts go to $work/counts-http-ENGINE
  local engine=$1 url p f t0=$SECONDS
  if [ "$engine" = sqlite ]; then url="sqlite:$work/http.db"; else url=$(newdb http); fi
  TREMPLIN_TEST_ENGINE=$engine TREMPLIN_TEST_DATABASE=$url TREMPLIN_TEST_WORK=$work/http-$engine \
    /usr/bin/python3 -m pytest tests/http -q -p no:cacheprovider --junitxml="$work/http-$engine.xml" \
    >"$work/http-$engine.log" 2>&1
  read -r p f < <(junit_counts "$work/http-$engine.xml")
  echo "http ($engine)|$p|$f|http-$engine.log|$((SECONDS - t0))" >"$work/counts-http-$engine"
}
browser_suite() { # ENGINE; its counts go to $work/counts-browser-ENGINE
  local engine=$1 url rc p f t0=$SECONDS
  if [ "$engine" = sqlite ]; then url="sqlite:$work/browser.db"; else url=$(newdb browser); fi
  TREMPLIN_TEST_ENGINE=$engine TREMPLIN_TEST_DATABASE=$url TREMPLIN_TEST_WORK=$work/browser-$engine \
    node tests/browser/run.mjs >"$work/browser-$engine.log" 2>&1
  rc=$?
  read -r p f < <(grep -Eo '^BROWSER [0-9]+ [0-9]+' "$work/browser-$engine.log" | tail -n 1 | awk '{print $2, $3}')
  p=${p:-0}
  f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  echo "browser ($engine)|$p|$f|browser-$engine.log|$((SECONDS - t0))" >"$work/counts-browser-$engine"
}
jobs_=()
for engine in sqlite postgresql; do
  http_suite "$engine" &
  jobs_+=($!)
  browser_suite "$engine" &
  jobs_+=($!)
done
wait "${jobs_[@]}"
for engine in sqlite postgresql; do
  for suite in http browser; do # a suite whose line is missing (its job died) counts as failed, never vanishes
    line=$(cat "$work/counts-$suite-$engine" 2>/dev/null || true)
    if [ -z "$line" ]; then
      count "$suite ($engine)" 0 1
      continue
    fi
    IFS='|' read -r name p f log took <<<"$line"
    [ "$f" = 0 ] || tail -n 60 "$work/$log"
    count "$name" "$p" "$f" "$took"
  done
done

if [ ${#failed_suites[@]} -gt 0 ]; then
  echo "failed suites: ${failed_suites[*]}"
fi
echo "tests: $SECONDS s in all"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
