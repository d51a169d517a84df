// Turns the national geography of @etalab/decoupage-administratif (regions, départements, communes and
// the municipal arrondissements of Paris, Lyon and Marseille) into data/geo.tsv's format, one record a
// line: R code name | D code region name | C code name departement region population postcodes(|).
// Usage: node tools/refdata.mjs OUT.tsv
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve('@etalab/decoupage-administratif/package.json')), 'data');
const load = (name) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const clean = (s) => String(s).replace(/[\t\n\r]/g, ' ');

const out = [];
for (const r of load('regions.json')) out.push(['R', r.code, clean(r.nom)].join('\t'));
for (const d of load('departements.json')) out.push(['D', d.code, d.region, clean(d.nom)].join('\t'));
for (const c of load('communes.json')) {
  if (c.type !== 'commune-actuelle' && c.type !== 'arrondissement-municipal') continue;
  if (!c.departement || !c.region) continue;
  out.push(['C', c.code, clean(c.nom), c.departement, c.region, c.population ?? 0,
    (c.codesPostaux ?? []).join('|')].join('\t'));
}
writeFileSync(process.argv[2], out.join('\n') + '\n');
console.log(`refdata: ${out.length} records written to ${process.argv[2]}`);
