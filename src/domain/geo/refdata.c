/* Loading and searching the national geography. */
#include "domain/geo/refdata.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/embed.h"
#include "core/utf8.h"
#include "domain/kernel/common.h"
#include "domain/kernel/refsnap.h"
#include "model/places/place.h"

#define COMMUNE_BATCH 100
#define COMMUNE_COLS 9
#define FIELDS_MAX 10

/* Splits LINE (N bytes) at tabs into at most FIELDS_MAX strs; returns the count. */
static size_t
split_tabs(const char *line, size_t n, struct str *f)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n && k < FIELDS_MAX; i++)
		if (i == n || line[i] == '\t') {
			f[k++] = (struct str){ line + start, i - start };
			start = i + 1;
		}
	return k;
}

static tr_err
flush_communes(struct ctx *ctx, struct db_val *vals, size_t rows)
{
	struct buf sql = BUF_INIT(0);
	tr_err err =
	    buf_puts(&sql, "INSERT INTO communes (code, name, name_key, departement_code, region_code, population, "
	                   "postal_codes, latitude, longitude) VALUES ");

	for (size_t i = 0; i < rows && err == TR_OK; i++)
		err = buf_puts(&sql, i ? ", (?, ?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (err == TR_OK)
		err = buf_puts(&sql,
		    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, "
		    "departement_code = excluded.departement_code, region_code = excluded.region_code, "
		    "population = excluded.population, postal_codes = excluded.postal_codes, latitude = "
		    "excluded.latitude, "
		    "longitude = excluded.longitude");
	if (err == TR_OK)
		err = db_exec(ctx->db, sql.p, vals, rows * COMMUNE_COLS, NULL);
	buf_free(&sql);
	return err;
}

static tr_err
seed_postal_codes(struct ctx *ctx, struct str code, struct str codes)
{
	const char *p = codes.p, *end = codes.p + codes.n;
	tr_err err = TR_OK;

	while (p < end && err == TR_OK) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t n = bar ? (size_t)(bar - p) : (size_t)(end - p);
		if (n > 0)
			err = db_execv(ctx->db,
			    "INSERT INTO commune_postal_codes (postal_code, commune_code) VALUES (?, ?) ON CONFLICT DO "
			    "NOTHING",
			    NULL, DB_STR(((struct str){ p, n })), DB_STR(code));
		p += n + 1;
	}
	return err;
}

tr_err
refdata_seed(struct ctx *ctx, int64_t *communes)
{
	const struct embedded_file *geo = embedded_find(embedded_refdata, "geo.tsv");
	struct db_val *vals = arena_alloc(ctx->arena, sizeof(struct db_val) * COMMUNE_BATCH * COMMUNE_COLS);
	struct arena *scratch = arena_new();
	const char *p, *end;
	size_t rows = 0;
	tr_err err;

	*communes = 0;
	if (geo == NULL)
		return ctx_fail(ctx, TR_INTERNAL, "Les données géographiques manquent au programme.");
	TRY(tx_begin(ctx));
	TRY(refsnap_bump(ctx));
	for (p = geo->data, end = geo->data + geo->size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct str f[FIELDS_MAX];
		size_t k = split_tabs(p, n, f);
		long long pop = 0;

		p += n + 1;
		if (k == 3 && str_eq_c(f[0], "R")) {
			TRY(db_execv(ctx->db,
			    "INSERT INTO regions (code, name, name_key) VALUES (?, ?, ?) ON CONFLICT (code) DO "
			    "UPDATE SET name = excluded.name, name_key = excluded.name_key",
			    NULL, DB_STR(f[1]), DB_STR(f[2]), DB_TEXT(utf8_fold_key(ctx->arena, f[2].p, f[2].n))));
		} else if (k == 4 && str_eq_c(f[0], "D")) {
			TRY(db_execv(ctx->db,
			    "INSERT INTO departements (code, region_code, name, name_key) VALUES (?, ?, ?, ?) "
			    "ON CONFLICT (code) DO UPDATE SET region_code = excluded.region_code, name = "
			    "excluded.name, "
			    "name_key = excluded.name_key",
			    NULL, DB_STR(f[1]), DB_STR(f[2]), DB_STR(f[3]),
			    DB_TEXT(utf8_fold_key(ctx->arena, f[3].p, f[3].n))));
		} else if (k == 9 && str_eq_c(f[0], "C")) {
			struct db_val *v = vals + rows * COMMUNE_COLS;
			double lat, lon;
			bool located =
			    place_number_parse(f[7].p, f[7].n, &lat) && place_number_parse(f[8].p, f[8].n, &lon);
			(void)str_to_i64(f[5], &pop);
			v[0] = DB_STR(f[1]);
			v[1] = DB_STR(f[2]);
			v[2] = DB_TEXT(utf8_fold_key(scratch, f[2].p, f[2].n));
			v[3] = DB_STR(f[3]);
			v[4] = DB_STR(f[4]);
			v[5] = DB_I64(pop);
			v[6] = DB_STR(f[6]);
			v[7] = located ? DB_REAL(lat) : DB_NULLV;
			v[8] = located ? DB_REAL(lon) : DB_NULLV;
			(*communes)++;
			if (++rows == COMMUNE_BATCH) {
				TRY(flush_communes(ctx, vals, rows));
				rows = 0;
				arena_free(scratch);
				scratch = arena_new();
			}
		}
	}
	if (rows > 0)
		TRY(flush_communes(ctx, vals, rows));
	/* Postal codes once the communes are in. */
	for (p = geo->data; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct str f[FIELDS_MAX];
		size_t k = split_tabs(p, n, f);

		p += n + 1;
		if (k == 9 && str_eq_c(f[0], "C"))
			TRY(seed_postal_codes(ctx, f[1], f[6]));
	}
out:
	arena_free(scratch);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
commune_search(struct ctx *ctx, const char *q, int64_t limit, json_t **out)
{
	struct db_rows *r;
	size_t n = q ? strlen(q) : 0;
	tr_err err;

	if (limit < 1 || limit > 100)
		limit = 20;
	if (n == 0 || n > 100 || !utf8_valid(q, n)) {
		*out = json_array();
		return TR_OK;
	}
	if (n == 5 && strspn(q, "0123456789AB") == 5) {
		err = db_queryv(ctx->db, ctx->arena,
		    "SELECT code, name, departement_code, region_code, population, postal_codes FROM communes "
		    "WHERE code = ? OR code IN (SELECT commune_code FROM commune_postal_codes WHERE postal_code = ?) "
		    "ORDER BY population DESC, code LIMIT ?",
		    &r, DB_TEXT(q), DB_TEXT(q), DB_I64(limit));
	} else {
		const char *key = utf8_fold_key(ctx->arena, q, n);
		if (*key == '\0') {
			/* Only punctuation: nothing to look for. */
			*out = json_array();
			return TR_OK;
		}
		err = db_queryv(ctx->db, ctx->arena,
		    "SELECT code, name, departement_code, region_code, population, postal_codes FROM communes "
		    "WHERE name_key LIKE ? ORDER BY CASE WHEN name_key = ? THEN 0 ELSE 1 END, population DESC, code "
		    "LIMIT ?",
		    &r, DB_TEXT(arena_printf(ctx->arena, "%s%%", key)), DB_TEXT(key), DB_I64(limit));
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

tr_err
region_list(struct ctx *ctx, json_t **out)
{
	const struct refsnap *snap;
	tr_err err = refsnap_acquire(ctx, &snap);

	if (err != TR_OK)
		return err;
	*out = json_array();
	for (size_t i = 0; i < snap->nregions; i++)
		json_array_append_new(
		    *out, json_pack("{s:s, s:s}", "code", snap->regions[i].code, "name", snap->regions[i].name));
	refsnap_release(snap);
	return TR_OK;
}

tr_err
departement_list(struct ctx *ctx, json_t **out)
{
	const struct refsnap *snap;
	tr_err err = refsnap_acquire(ctx, &snap);

	if (err != TR_OK)
		return err;
	*out = json_array();
	for (size_t i = 0; i < snap->ndepartements; i++)
		json_array_append_new(
		    *out, json_pack("{s:s, s:s, s:s}", "code", snap->departements[i].code, "name",
		              snap->departements[i].name, "region_code", snap->departements[i].region_code));
	refsnap_release(snap);
	return TR_OK;
}

/* ---- locating communes ---------------------------------------------------------------------------------- */

#define COMMUNE_GEO_COLS "code, departement_code, region_code, latitude, longitude"

static struct commune_geo *
geo_from_cells(struct arena *a, const struct db_val *c)
{
	struct commune_geo *g = arena_alloc(a, sizeof(*g));

	g->code = arena_strdup(a, db_text(&c[0]));
	g->departement_code = arena_strdup(a, db_text(&c[1]));
	g->region_code = arena_strdup(a, db_text(&c[2]));
	g->located = !db_isnull(&c[3]) && !db_isnull(&c[4]);
	g->latitude = db_real(&c[3]);
	g->longitude = db_real(&c[4]);
	return g;
}

/* "POSTAL|NAME_KEY" in A. */
static const char *
postal_name_key(struct arena *a, const char *postal, size_t np, const char *name_key, size_t *n)
{
	size_t nk = strlen(name_key);
	char *key = arena_alloc(a, np + nk + 2);

	memcpy(key, postal, np);
	key[np] = '|';
	memcpy(key + np + 1, name_key, nk + 1);
	*n = np + 1 + nk;
	return key;
}

static int
cache_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct commune_cache *cache = ud;
	struct arena *a = cache->by_code.a;
	struct commune_geo *g = geo_from_cells(a, c);
	const char *name_key = db_text(&c[5]), *postal = db_text(&c[6]);

	(void)ncols;
	(void)names;
	strmap_put_borrowed(&cache->by_code, g->code, strlen(g->code), g);
	while (postal && *postal) {
		size_t n = strcspn(postal, "|"), len;
		const char *key = postal_name_key(a, postal, n, name_key, &len);
		/* A commune keeps its own postal codes; arrondissements come after their city in code order. */
		if (strmap_getn(&cache->by_postal_name, key, len) == NULL)
			strmap_put_borrowed(&cache->by_postal_name, key, len, g);
		postal += n + (postal[n] == '|');
	}
	return 0;
}

tr_err
commune_cache_load(struct ctx *ctx, struct commune_cache *cache)
{
	tr_err err;

	strmap_init(&cache->by_code, ctx->arena, 40000);
	strmap_init(&cache->by_postal_name, ctx->arena, 45000);
	err = db_each(ctx->db, "SELECT " COMMUNE_GEO_COLS ", name_key, postal_codes FROM communes ORDER BY code", NULL,
	    0, cache_row, cache);
	cache->loaded = err == TR_OK;
	return err;
}

tr_err
commune_locate(struct ctx *ctx, const struct commune_cache *cache, const char *insee, const char *postal,
    const char *name, const struct commune_geo **out)
{
	const char *name_key;
	struct db_rows *r;
	size_t n;
	tr_err err;

	*out = NULL;
	if (cache != NULL && cache->loaded) {
		if (*insee && (*out = strmap_get(&cache->by_code, insee)) != NULL)
			return TR_OK;
		name_key = postal_name_key(
		    ctx->arena, postal, strlen(postal), utf8_fold_key(ctx->arena, name, strlen(name)), &n);
		*out = strmap_getn(&cache->by_postal_name, name_key, n);
		return TR_OK;
	}
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT " COMMUNE_GEO_COLS " FROM communes WHERE code = ?", &r, DB_TEXT(insee));
	if (err == TR_NOT_FOUND)
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT c.code, c.departement_code, c.region_code, c.latitude, c.longitude FROM communes c "
		    "JOIN commune_postal_codes pc ON pc.commune_code = c.code WHERE pc.postal_code = ? AND "
		    "c.name_key = ? ORDER BY c.code",
		    &r, DB_TEXT(postal), DB_TEXT(utf8_fold_key(ctx->arena, name, strlen(name))));
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err != TR_OK)
		return err;
	*out = geo_from_cells(ctx->arena, db_cell(r, 0, 0));
	return TR_OK;
}
