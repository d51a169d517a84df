#!/usr/bin/env bash
# Builds every libFuzzer driver (fuzz/fuzz_*.c) with clang, ASan and UBSan, and runs each for SECONDS
# (default 30) on a copy of its corpus (fuzz/corpus/NAME), so that the repository is never written.
# Usage: fuzz/run.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-30}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 1; }
work=$(mktemp -d /tmp/tremplin-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
core="src/core/arena.c src/core/buf.c src/core/err.c src/core/str.c src/core/utf8.c src/core/form.c src/core/tmpl.c src/core/hours.c src/core/time.c"
# The places validator and the field table generated from the standard's schema.
python3 tools/schema2c.py data/standards/schema.json "$work/place_schema.c"
model="src/model/places/place.c src/model/kernel/entity.c src/model/accounts/role.c $work/place_schema.c"
status=0
for driver in fuzz/fuzz_*.c; do
  name=$(basename "$driver" .c)
  corpus=fuzz/corpus/${name#fuzz_}
  clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc "$driver" $core $model -ljansson -lutf8proc -o "$work/$name"
  mkdir -p "$work/corpus-$name"
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus-$name/"
  echo "fuzz: $name for ${seconds}s"
  if ! "$work/$name" -max_total_time="$seconds" -print_final_stats=1 "$work/corpus-$name" 2>"$work/$name.log"; then
    tail -n 40 "$work/$name.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|Done" "$work/$name.log" | tail -n 2
done
exit $status
