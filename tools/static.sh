#!/usr/bin/env bash
# Prepares the static files served under /static/: the parts of DSFR the pages use, Leaflet, our own
# assets; text files get a precompressed .gz beside them (served by h2o when the client accepts gzip).
# Usage: tools/static.sh OUTDIR
set -eu
cd "$(dirname "$0")/.."
out=$1
dsfr=node_modules/@gouvfr/dsfr/dist
tmp=$(mktemp -d "$out.XXXXXX")
mkdir -p "$tmp/dsfr" "$tmp/app"
cp "$dsfr"/dsfr.min.css "$dsfr"/dsfr.module.min.js "$dsfr"/dsfr.nomodule.min.js "$tmp/dsfr/"
cp -r "$dsfr"/fonts "$dsfr"/favicon "$dsfr"/icons "$dsfr"/artwork "$tmp/dsfr/"
mkdir -p "$tmp/dsfr/utility"
cp -r "$dsfr"/utility/icons "$dsfr"/utility/colors "$tmp/dsfr/utility/"
# Leaflet (the map of /lieux): the minified script, its stylesheet and the marker images it refers to.
mkdir -p "$tmp/leaflet"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$tmp/leaflet/"
cp -r node_modules/leaflet/dist/images "$tmp/leaflet/"
cp -r assets/. "$tmp/app/"
find "$tmp" -type f \( -name '*.css' -o -name '*.js' -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' \) \
  -size +1k -exec gzip -9 -k -n {} +
chmod 755 "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
