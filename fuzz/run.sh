#!/usr/bin/env bash
# Builds every libFuzzer driver (fuzz/fuzz_*.c) with clang, ASan and UBSan, and runs each for SECONDS
# (default 30) on a copy of its corpus (fuzz/corpus/NAME), so that the corpus in the tree is never written.
# Drivers: router (paths, query strings), oidc (ID tokens and the provider's answers), query (the places search's query strings), cookie, form (urlencoded and
# multipart bodies, url_decode, folding), multipart (uploads with any boundary), json (JSON bodies against every entity
# table), import (places CSV and JSON), place, hours (opening hours), tmpl (templates), ndjson (activity batches).
# The sources the drivers reach (core, store, model, the places, geography and activity domain, the router) are
# compiled once, instrumented for coverage, into one archive each driver links against.
# Ends with "fuzz: N passed, N failed" (a driver that does not build, crashes or breaks a promise fails).
# An input that fails (libFuzzer's crash-*, timeout-*, oom-*, leak-*) is kept in fuzz/crashes/DRIVER/ (ignored by
# git) and printed in base64, before the temporary directory goes: turn it into a unit test.
# Usage: fuzz/run.sh [SECONDS] [DRIVER...] [-- LIBFUZZER-OPTION...]   (DRIVER: a fuzz/fuzz_DRIVER.c, e.g. json;
# options such as -seed=42 go to every driver)
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
work=$(mktemp -d /tmp/tremplin-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -Isrc -I$work $(pkg-config --cflags jansson libpq pangocairo)"
libs="$(pkg-config --libs jansson libsodium inih libutf8proc sqlite3 libpq libcurl libsystemd xlsxwriter pangocairo cjose) -lcsv -lm -lpthread"

# Generated sources: the places standard's field table, the migrations (the import driver migrates an in-memory
# SQLite database), an empty reference-data table; the route patterns of src/app/routes.c and the entity tables
# of src/model, so that a new route or entity is fuzzed without editing the drivers.
python3 tools/schema2c.py data/standards/schema.json "$work/place_schema.c"
python3 tools/embed.py "$work/embedded_migrations.c" embedded_migrations migrations/*.sql
python3 tools/embed.py "$work/embedded_refdata.c" embedded_refdata
sed -nE 's/^[[:space:]]*\{ ("[A-Z]+"), ("\/[^"]*"),.*/{ \1, \2, NULL, 0, 0 },/p' src/app/routes.c >"$work/routes.inc"
sed -nE 's/^extern const struct entity ([a-z_0-9]+);.*/FUZZ_ENTITY(\1)/p' src/model/*/*.h >"$work/entities.inc"
# The field names of the entity tables, as a dictionary for the JSON driver (object keys are looked up by hash,
# which libFuzzer cannot trace back to a name).
sed -nE 's/.*\.name = ("[a-z_0-9]+").*/\1/p' src/model/*/*.c | sort -u >"$work/json.dict"
[ -s "$work/routes.inc" ] && [ -s "$work/entities.inc" ] && [ -s "$work/json.dict" ] || { echo "fuzz: no route or entity found" >&2; exit 1; }

sources="src/core/*.c src/store/*.c src/model/*/*.c src/domain/kernel/*.c src/domain/places/*.c src/domain/geo/*.c
  src/domain/activity/*.c src/domain/sso/oidc.c src/http/router.c $work/place_schema.c $work/embedded_migrations.c $work/embedded_refdata.c"
mkdir -p "$work/obj"
# shellcheck disable=SC2086
printf '%s\n' $sources | xargs -P "$(nproc)" -I{} sh -c \
  'o="$1/obj/$(echo "$2" | tr / _).o"; clang $3 -w -c "$2" -o "$o" || { echo "fuzz: $2 does not build" >&2; exit 1; }' \
  _ "$work" {} "$cflags"
ar rcs "$work/libfuzz.a" "$work"/obj/*.o

drivers=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do drivers+=("$1"); shift; done
[ $# -gt 0 ] && shift
options=("$@")
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
  mkdir -p "$work/art-$name"
  dict=()
  [ -f "$work/$name.dict" ] && dict=(-dict="$work/$name.dict")
  [ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
  if "$work/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/art-$name/" \
    "${dict[@]}" "${options[@]}" "$work/corpus-$name" 2>"$work/$name.log"; then
    pass=$((pass + 1))
  else
    tail -n 40 "$work/$name.log"
    fail=$((fail + 1))
  fi
  for c in "$work/art-$name"/*; do
    [ -f "$c" ] || continue
    mkdir -p "fuzz/crashes/$name"
    cp "$c" "fuzz/crashes/$name/"
    echo "fuzz: $name: input that fails kept as fuzz/crashes/$name/$(basename "$c"), base64:"
    base64 -w0 "$c"
    echo
  done
  grep -E "stat::number_of_executed_units|Done" "$work/$name.log" | tail -n 2
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
