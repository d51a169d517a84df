/* Open data aggregates with statistical secrecy (primary: cells under 5; secondary: no secret cell of a table
 * with its margins is determined by the published cells, alone or combined), their TableSchema and the DCAT-AP
 * catalogue. */
#include "domain/steering/opendata.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"

const struct opendata_measure opendata_measures[] = {
	{ "postes_accordes", "Postes accordés (dossiers validés dans l'année)" },
	{ "recrutements", "Recrutements (contrats commencés dans l'année)" },
	{ "sorties", "Sorties (contrats terminés dans l'année)" },
	{ "sorties_emploi_durable", "Sorties en emploi durable (CDI, CDD de six mois ou plus, création d'entreprise)" },
};
const size_t opendata_measures_count = sizeof(opendata_measures) / sizeof(opendata_measures[0]);
#define NM (sizeof(opendata_measures) / sizeof(opendata_measures[0]))

/* The suppressed cells of line L (a row when ROW, else a column) of the (r+1) × (c+1) matrix, and the cell to
 * suppress next when exactly one is: the smallest unsuppressed inner cell, else the margin. */
static bool
fix_line(const long long *v, bool *s, size_t r, size_t c, size_t l, bool row)
{
	size_t n = row ? c + 1 : r + 1, count = 0, best = (size_t)-1;

	for (size_t k = 0; k < n; k++) {
		size_t at = row ? l * (c + 1) + k : k * (c + 1) + l;
		if (s[at])
			count++;
	}
	if (count != 1)
		return false;
	for (size_t k = 0; k + 1 < n; k++) { /* inner cells first (the last is the margin) */
		size_t at = row ? l * (c + 1) + k : k * (c + 1) + l;
		if (!s[at] && (best == (size_t)-1 || v[at] < v[best]))
			best = at;
	}
	if (best == (size_t)-1)
		best = row ? l * (c + 1) + c : r * (c + 1) + l;
	s[best] = true;
	return true;
}

/* Whether secret cell AT of the table can change by DIR (+1 or -1) while every published cell stays as it is and
 * every cell stays a count (>= 0): a cycle through it of secret cells alternating along its row and its column.
 * Signs: with the margins counted negatively and the grand total positively, every row and every column of the
 * (r+1) × (c+1) array sums to zero, so adding +1, -1, +1… around such a cycle keeps every sum. Breadth-first from
 * the cell's column to its row; the arrays hold (r+1) + (c+1) nodes. */
static int
sign_of(size_t at, size_t r, size_t c)
{
	size_t i = at / (c + 1), j = at % (c + 1);

	return (i == r) == (j == c) ? 1 : -1;
}

static bool
movable(const long long *v, const bool *s, size_t r, size_t c, size_t at, int dir)
{
	size_t nodes = (r + 1) + (c + 1), head = 0, tail = 0;
	size_t *queue = calloc(nodes, sizeof(*queue));
	bool *seen = calloc(nodes, sizeof(*seen)), found = false;
	/* The change of the cell in the signed array; arcs column → row carry -d, row → column +d. */
	int d = dir * sign_of(at, r, c);

	if (queue == NULL || seen == NULL)
		abort();
	if (v[at] + dir < 0) {
		free(queue);
		free(seen);
		return false;
	}
	/* Rows are nodes 0..r, columns r+1..r+1+c. */
	queue[tail++] = r + 1 + at % (c + 1);
	seen[queue[0]] = true;
	while (head < tail && !found) {
		size_t n = queue[head++];
		bool is_col = n > r;
		size_t count = is_col ? r + 1 : c + 1;
		for (size_t k = 0; k < count; k++) {
			size_t cell = is_col ? k * (c + 1) + (n - r - 1) : n * (c + 1) + k;
			size_t next = is_col ? k : r + 1 + k;
			int change = (is_col ? -d : d) * sign_of(cell, r, c); /* the change of the count */
			if (cell == at || !s[cell] || seen[next] || v[cell] + change < 0)
				continue;
			if (is_col && next == at / (c + 1)) {
				found = true;
				break;
			}
			seen[next] = true;
			queue[tail++] = next;
		}
	}
	free(queue);
	free(seen);
	return found;
}

/* A secret cell is protected when another table of counts, equal to the published one on every published cell,
 * gives it another value: a cycle in one direction or the other (the constraint matrix of a table with its
 * margins is a network matrix, so any other solution decomposes into such cycles). */
static bool
protected_cell(const long long *v, const bool *s, size_t r, size_t c, size_t at)
{
	return movable(v, s, r, c, at, 1) || movable(v, s, r, c, at, -1);
}

void
opendata_suppress(const long long *v, bool *secret, size_t r, size_t c, long long min)
{
	size_t n = (r + 1) * (c + 1);
	bool changed = true;

	for (size_t i = 0; i < n; i++)
		secret[i] = v[i] < min;
	while (changed) {
		changed = false;
		for (size_t i = 0; i <= r; i++)
			changed |= fix_line(v, secret, r, c, i, true);
		for (size_t j = 0; j <= c; j++)
			changed |= fix_line(v, secret, r, c, j, false);
		/* Combinations of lines: a secret cell every completion gives the same value (a row of two secrets whose
		 * sum is known to be 0, say) gets company: the published cell that protects it and is the smallest
		 * (inner cells before margins), else any published cell. */
		for (size_t at = 0; at < n && !changed; at++) {
			size_t best = n;
			if (!secret[at] || protected_cell(v, secret, r, c, at))
				continue;
			for (int pass = 0; pass < 2 && best == n; pass++) {
				for (size_t k = 0; k < n; k++) {
					bool margin = k / (c + 1) == r || k % (c + 1) == c;
					if (secret[k] || margin != (pass == 1) || (best < n && v[k] >= v[best]))
						continue;
					secret[k] = true;
					if (protected_cell(v, secret, r, c, at))
						best = k;
					secret[k] = false;
				}
			}
			if (best == n) /* nothing alone protects it: suppress its row's and column's margins */
				for (size_t k = 0; k < n && best == n; k++)
					if (!secret[k] && (k / (c + 1) == at / (c + 1) || k % (c + 1) == at % (c + 1)))
						best = k;
			if (best < n) {
				secret[best] = true;
				changed = true;
			}
		}
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted keys of object O, in the arena. */
static const char **
sorted_keys(struct arena *a, json_t *o, size_t *n)
{
	const char **k = arena_alloc(a, sizeof(*k) * (json_object_size(o) + 1));
	const char *key;
	json_t *v;

	*n = 0;
	json_object_foreach(o, key, v) k[(*n)++] = key;
	qsort(k, *n, sizeof(*k), cmp_str);
	return k;
}

static const char *
name_of(json_t *names, const char *code)
{
	const char *s = json_string_value(json_object_get(names, code));

	return s ? s : "";
}

/* Emits one row of the file. */
static void
emit(json_t *rows, json_t *t, const char *level, const char *dept, const char *jp, json_t *names, json_t *values)
{
	json_t *row = json_pack("{s:O, s:O, s:O, s:s, s:O, s:s, s:s, s:s, s:s, s:s}", "dispositif",
	    json_object_get(t, "programme"), "dispositif_nom", json_object_get(t, "programme_name"), "annee",
	    json_object_get(t, "year"), "niveau", level, "region_code", json_object_get(t, "region"), "region",
	    name_of(json_object_get(names, "regions"), json_string_value(json_object_get(t, "region"))),
	    "departement_code", dept ? dept : "", "departement",
	    dept ? name_of(json_object_get(names, "departements"), dept) : "", "metier_code",
	    jp ? name_of(json_object_get(names, "jp_codes"), jp) : "", "metier",
	    jp ? name_of(json_object_get(names, "jp_titles"), jp) : "");

	json_object_update(row, values);
	json_array_append_new(rows, row);
}

/* One table (a programme, a year, a région): départements × job profiles with their margins, each measure
 * suppressed on its own; the rows appended to ROWS. */
static void
table_rows(struct arena *a, json_t *t, json_t *names, json_t *rows)
{
	json_t *cells = json_object_get(t, "cells"), *jps = json_object();
	size_t nd, nj, i, j, d;
	const char **depts = sorted_keys(a, cells, &nd), **profiles;
	const char *key;
	json_t *dv, *tmp;
	long long *v[NM];
	bool *s[NM];

	json_object_foreach(cells, key, dv)
	{
		const char *jk;
		json_object_foreach(dv, jk, tmp) json_object_set_new(jps, jk, json_true());
	}
	profiles = sorted_keys(a, jps, &nj);
	for (size_t m = 0; m < NM; m++) {
		v[m] = arena_alloc(a, sizeof(long long) * (nd + 1) * (nj + 1));
		s[m] = arena_alloc(a, sizeof(bool) * (nd + 1) * (nj + 1));
		memset(v[m], 0, sizeof(long long) * (nd + 1) * (nj + 1));
		for (d = 0; d < nd; d++)
			for (j = 0; j < nj; j++) {
				json_t *c = json_object_get(json_object_get(cells, depts[d]), profiles[j]);
				long long x = c ? json_integer_value(json_array_get(c, m)) : 0;
				v[m][d * (nj + 1) + j] = x;
				v[m][d * (nj + 1) + nj] += x;
				v[m][nd * (nj + 1) + j] += x;
				v[m][nd * (nj + 1) + nj] += x;
			}
		opendata_suppress(v[m], s[m], nd, nj, OPENDATA_MIN_CELL);
	}
	for (i = 0; i <= nd; i++) {
		for (j = 0; j <= nj; j++) {
			json_t *values = json_object();
			const char *level = i < nd ? (j < nj ? "departement_metier" : "departement")
			                           : (j < nj ? "region_metier" : "region");
			for (size_t m = 0; m < NM; m++) {
				size_t at = i * (nj + 1) + j;
				json_object_set_new(values, opendata_measures[m].name,
				    s[m][at] ? json_string(OPENDATA_SECRET) : json_integer(v[m][at]));
			}
			emit(rows, t, level, i < nd ? depts[i] : NULL, j < nj ? profiles[j] : NULL, names, values);
			json_decref(values);
		}
	}
	json_decref(jps);
}

#define AGG_SQL                                                                                                      \
	"SELECT d.programme_id, d.decision_at AS at, NULL AS day, d.region_code, pl.departement_code, "              \
	"d.job_profile_id, "                                                                                         \
	"0 AS m, d.posts_granted AS v FROM dossiers d JOIN places pl ON pl.id = d.place_id WHERE d.state = "         \
	"'validated' "                                                                                               \
	"AND d.decision_at IS NOT NULL AND d.job_profile_id IS NOT NULL UNION ALL SELECT c.programme_id, NULL, "     \
	"c.start_on, f.region_code, f.departement_code, f.job_profile_id, 1, 1 FROM contracts c JOIN offers f ON "   \
	"f.id = "                                                                                                    \
	"c.offer_id WHERE c.state <> 'planned' UNION ALL SELECT c.programme_id, NULL, c.ended_on, f.region_code, "   \
	"f.departement_code, f.job_profile_id, 2, 1 FROM contracts c JOIN offers f ON f.id = c.offer_id WHERE "      \
	"c.state "                                                                                                   \
	"IN ('completed', 'ended_early') AND c.ended_on IS NOT NULL UNION ALL SELECT c.programme_id, NULL, "         \
	"c.ended_on, "                                                                                               \
	"f.region_code, f.departement_code, f.job_profile_id, 3, CASE WHEN c.outcome LIKE 'lasting%' THEN 1 ELSE 0 " \
	"END "                                                                                                       \
	"FROM contracts c JOIN offers f ON f.id = c.offer_id WHERE c.state IN ('completed', 'ended_early') AND "     \
	"c.ended_on IS NOT NULL"

static tr_err
load_names(struct ctx *ctx, json_t *names)
{
	static const struct {
		const char *key, *sql;
	} lists[] = {
		{ "regions", "SELECT code, name FROM regions" },
		{ "departements", "SELECT code, name FROM departements" },
		{ "jp_codes", "SELECT CAST(id AS TEXT), code FROM job_profiles" },
		{ "jp_titles", "SELECT CAST(id AS TEXT), title FROM job_profiles" },
		{ "programmes", "SELECT CAST(id AS TEXT), code FROM programmes" },
		{ "programme_names", "SELECT CAST(id AS TEXT), name FROM programmes" },
	};
	struct db_rows *r;
	tr_err err;

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		json_t *o = json_object();
		if ((err = db_query(ctx->db, ctx->arena, lists[l].sql, NULL, 0, &r)) != TR_OK) {
			json_decref(o);
			return ctx_storage_error(ctx, err);
		}
		for (size_t i = 0; i < r->nrows; i++)
			json_object_set_new(o, db_text(db_cell(r, i, 0)), json_string(db_text(db_cell(r, i, 1))));
		json_object_set_new(names, lists[l].key, o);
	}
	return TR_OK;
}

tr_err
opendata_aggregates(struct ctx *ctx, json_t **out)
{
	json_t *names = json_object(), *tables = json_object(), *rows = json_array(), *t;
	struct db_rows *r;
	size_t nt;
	const char **keys;
	tr_err err;

	*out = NULL;
	if ((err = load_names(ctx, names)) != TR_OK)
		goto fail;
	if ((err = db_query(ctx->db, ctx->arena, AGG_SQL, NULL, 0, &r)) != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto fail;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		const char *pid = arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(r, i, 0)));
		const char *day = db_isnull(db_cell(r, i, 2)) ? date_iso(ctx->arena, db_int(db_cell(r, i, 1)))
		                                              : db_text(db_cell(r, i, 2));
		const char *region = db_isnull(db_cell(r, i, 3)) ? "" : db_text(db_cell(r, i, 3));
		const char *dept = db_isnull(db_cell(r, i, 4)) ? "" : db_text(db_cell(r, i, 4));
		const char *jp = arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(r, i, 5)));
		const char *key = arena_printf(ctx->arena, "%s|%.4s|%s", pid, day, region);
		json_t *cell, *dcells;
		int m = (int)db_int(db_cell(r, i, 6));

		if (*region == '\0' || *dept == '\0')
			continue; /* a row outside every territory has no cell to go to */
		if ((t = json_object_get(tables, key)) == NULL) {
			t = json_pack("{s:s, s:s, s:i, s:s, s:{}}", "programme",
			    name_of(json_object_get(names, "programmes"), pid), "programme_name",
			    name_of(json_object_get(names, "programme_names"), pid), "year",
			    atoi(arena_printf(ctx->arena, "%.4s", day)), "region", region, "cells");
			json_object_set_new(tables, key, t);
		}
		if ((dcells = json_object_get(json_object_get(t, "cells"), dept)) == NULL) {
			dcells = json_object();
			json_object_set_new(json_object_get(t, "cells"), dept, dcells);
		}
		if ((cell = json_object_get(dcells, jp)) == NULL) {
			cell = json_pack("[i, i, i, i]", 0, 0, 0, 0);
			json_object_set_new(dcells, jp, cell);
		}
		json_array_set_new(cell, (size_t)m,
		    json_integer(json_integer_value(json_array_get(cell, (size_t)m)) + db_int(db_cell(r, i, 7))));
	}
	keys = sorted_keys(ctx->arena, tables, &nt);
	for (size_t i = 0; i < nt; i++)
		table_rows(ctx->arena, json_object_get(tables, keys[i]), names, rows);
	json_decref(names);
	json_decref(tables);
	t = opendata_schema();
	*out = json_pack("{s:O, s:o}", "fields", json_object_get(t, "fields"), "rows", rows);
	json_decref(t);
	return TR_OK;
fail:
	json_decref(names);
	json_decref(tables);
	json_decref(rows);
	return err;
}

json_t *
opendata_schema(void)
{
	static const struct {
		const char *name, *type, *title;
	} dims[] = {
		{ "dispositif", "string", "Code du dispositif" },
		{ "dispositif_nom", "string", "Nom du dispositif" },
		{ "annee", "integer", "Année civile" },
		{ "niveau", "string",
		    "Niveau de la ligne : departement_metier (cellule), departement (total du département), "
		    "region_metier "
		    "(total du métier dans la région), region (total de la région)" },
		{ "region_code", "string", "Code INSEE de la région" },
		{ "region", "string", "Nom de la région" },
		{ "departement_code", "string", "Code INSEE du département (vide pour un total régional)" },
		{ "departement", "string", "Nom du département" },
		{ "metier_code", "string", "Code du métier (vide pour un total tous métiers)" },
		{ "metier", "string", "Intitulé du métier" },
	};
	json_t *fields = json_array(), *s;

	for (size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
		json_array_append_new(fields,
		    json_pack("{s:s, s:s, s:s}", "name", dims[i].name, "type", dims[i].type, "title", dims[i].title));
	for (size_t m = 0; m < NM; m++)
		json_array_append_new(
		    fields, json_pack("{s:s, s:s, s:s, s:s, s:{s:i}}", "name", opendata_measures[m].name, "type",
		                "integer", "title", opendata_measures[m].title, "description",
		                "Un nombre, ou « s » (secret statistique) : valeur inférieure à 5, ou masquée pour "
		                "qu'aucune valeur inférieure à 5 ne puisse être recalculée à partir des totaux.",
		                "constraints", "minimum", 0));
	s = json_pack("{s:s, s:o, s:[s], s:s, s:s}", "$schema", "https://frictionlessdata.io/schemas/table-schema.json",
	    "fields", fields, "missingValues", OPENDATA_SECRET, "title",
	    "Postes, recrutements et sorties par dispositif, année, région, département et métier", "licence",
	    "https://www.etalab.gouv.fr/licence-ouverte-open-licence/");
	return s;
}

json_t *
opendata_catalogue(struct arena *a, const char *base, const char *today)
{
	const char *licence = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";
	json_t *datasets = json_array();

	json_array_append_new(datasets,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, "
	              "s:s}, {s:s, s:s, s:s, s:s}]}",
	        "@id", "#lieux", "@type", "dcat:Dataset", "dct:title", "Lieux de médiation numérique",
	        "dct:description", "L'annuaire des lieux, au standard national des lieux de médiation numérique.",
	        "dct:license", licence, "dct:conformsTo",
	        "https://schema.data.gouv.fr/LaMednum/standard-donnees-offre-inclusion-numerique/", "dcat:distribution",
	        "@type", "dcat:Distribution", "dcat:downloadURL", arena_printf(a, "%s/api/v1/places.csv", base),
	        "dcat:mediaType", "text/csv", "dct:title", "CSV", "@type", "dcat:Distribution", "dcat:downloadURL",
	        arena_printf(a, "%s/api/v1/places.json", base), "dcat:mediaType", "application/json", "dct:title",
	        "JSON", "@type", "dcat:Distribution", "dcat:downloadURL",
	        arena_printf(a, "%s/api/v1/places.geojson", base), "dcat:mediaType", "application/geo+json",
	        "dct:title", "GeoJSON", "@type", "dcat:Distribution", "dcat:downloadURL",
	        arena_printf(a, "%s/donnees/lieux-%s.csv", base, today), "dcat:mediaType", "text/csv", "dct:title",
	        "Fichier quotidien daté (CSV)"));
	json_array_append_new(datasets,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s}]}", "@id", "#agregats", "@type",
	        "dcat:Dataset", "dct:title",
	        "Postes, recrutements et sorties des emplois aidés de la médiation numérique", "dct:description",
	        "Agrégats par dispositif, année, région, département et métier ; aucune valeur inférieure à 5 n'est "
	        "publiée "
	        "(secret statistique, avec masquage secondaire).",
	        "dct:license", licence, "dcat:distribution", "@type", "dcat:Distribution", "dcat:downloadURL",
	        arena_printf(a, "%s/donnees/agregats.csv", base), "dcat:mediaType", "text/csv", "dct:conformsTo",
	        arena_printf(a, "%s/donnees/agregats.schema.json", base), "dct:title", "CSV"));
	return json_pack("{s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:o}", "@context", "dcat", "http://www.w3.org/ns/dcat#",
	    "dct", "http://purl.org/dc/terms/", "@type", "dcat:Catalog", "dct:title", "Données ouvertes de tremplin",
	    "dct:license", licence, "dct:issued", today, "dcat:dataset", datasets);
}
