#!/usr/bin/env bash
# Builds every libFuzzer driver (fuzz/fuzz_*.c) with clang, ASan and UBSan, and runs each for SECONDS
# (default 30) on a copy of its corpus (fuzz/corpus/NAME), so that the repository is never written.
# The sources the drivers reach (core, store, model, the places and geography domain, the OpenID Connect client,
# the router) are
# compiled once, instrumented for coverage, into one archive each driver links against.
# Ends with "fuzz: N passed, N failed" (a driver that does not build, crashes or breaks a promise fails).
# Usage: fuzz/run.sh [SECONDS] [DRIVER...]   (DRIVER: form, hours, import, json, oidc, place, router, tmpl)
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
work=$(mktemp -d /tmp/tremplin-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -D_GNU_SOURCE -Isrc -I$work $(pkg-config --cflags jansson libpq pangocairo)"
libs="$(pkg-config --libs jansson libsodium inih libutf8proc sqlite3 libpq libcurl libsystemd xlsxwriter pangocairo cjose) -lcsv -lm -lpthread"

# Generated sources: the places standard's field table, the migrations (the import driver migrates an in-memory
# SQLite database), an empty reference-data table; the route patterns of src/app/routes.c and the entity tables
# of src/model, so that a new route or entity is fuzzed without editing the drivers.
python3 tools/schema2c.py data/standards/schema.json "$work/place_schema.c"
python3 tools/embed.py "$work/embedded_migrations.c" embedded_migrations migrations/*.sql
python3 tools/embed.py "$work/embedded_refdata.c" embedded_refdata
sed -nE 's/^[[:space:]]*\{ ("[A-Z]+"), ("\/[^"]*"),.*/{ \1, \2, NULL, 0, 0 },/p' src/app/routes.c >"$work/routes.inc"
sed -nE 's/^extern const struct entity ([a-z_0-9]+);.*/FUZZ_ENTITY(\1)/p' src/model/*/*.h >"$work/entities.inc"
[ -s "$work/routes.inc" ] && [ -s "$work/entities.inc" ] || { echo "fuzz: no route or entity found" >&2; exit 1; }

sources="src/core/*.c src/store/*.c src/model/*/*.c src/domain/kernel/*.c src/domain/places/*.c src/domain/geo/*.c
  src/domain/sso/oidc.c src/http/router.c $work/place_schema.c $work/embedded_migrations.c $work/embedded_refdata.c"
mkdir -p "$work/obj"
# shellcheck disable=SC2086
printf '%s\n' $sources | xargs -P "$(nproc)" -I{} sh -c \
  'o="$1/obj/$(echo "$2" | tr / _).o"; clang $3 -w -c "$2" -o "$o" || { echo "fuzz: $2 does not build" >&2; exit 1; }' \
  _ "$work" {} "$cflags"
ar rcs "$work/libfuzz.a" "$work"/obj/*.o

drivers=("$@")
[ ${#drivers[@]} -gt 0 ] || drivers=($(ls fuzz/fuzz_*.c | sed -E 's|fuzz/fuzz_(.*)\.c|\1|'))
pass=0
fail=0
for name in "${drivers[@]}"; do
  corpus=fuzz/corpus/$name
  # shellcheck disable=SC2086
  if ! clang $cflags -fsanitize=fuzzer "fuzz/fuzz_$name.c" "$work/libfuzz.a" $libs -o "$work/fuzz_$name"; then
    echo "fuzz: fuzz_$name does not build" >&2
    fail=$((fail + 1))
    continue
  fi
  mkdir -p "$work/corpus-$name"
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus-$name/"
  echo "fuzz: $name for ${seconds}s"
  if "$work/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/crash-$name-" \
    "$work/corpus-$name" 2>"$work/$name.log"; then
    pass=$((pass + 1))
  else
    tail -n 40 "$work/$name.log"
    for c in "$work/crash-$name-"*; do [ -f "$c" ] && { echo "fuzz: input that fails, base64:"; base64 -w0 "$c"; echo; }; done
    fail=$((fail + 1))
  fi
  grep -E "stat::number_of_executed_units|Done" "$work/$name.log" | tail -n 2
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
