#!/usr/bin/env bash
# Prepares the static files served under /static/: the parts of DSFR the pages use, Leaflet, our own
# assets; text files get a precompressed .gz beside them (served by h2o when the client accepts gzip).
# Usage: tools/static.sh OUTDIR
set -eu
cd "$(dirname "$0")/.."
out=$1
dsfr=node_modules/@gouvfr/dsfr/dist
rm -rf "$out.tmp"
mkdir -p "$out.tmp/dsfr" "$out.tmp/app"
cp "$dsfr"/dsfr.min.css "$dsfr"/dsfr.module.min.js "$dsfr"/dsfr.nomodule.min.js "$out.tmp/dsfr/"
cp -r "$dsfr"/fonts "$dsfr"/favicon "$dsfr"/icons "$out.tmp/dsfr/"
mkdir -p "$out.tmp/dsfr/utility"
cp -r "$dsfr"/utility/icons "$out.tmp/dsfr/utility/"
cp -r assets/. "$out.tmp/app/"
find "$out.tmp" -type f \( -name '*.css' -o -name '*.js' -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' \) \
  -size +1k -exec gzip -9 -k -n {} +
rm -rf "$out"
mv "$out.tmp" "$out"
