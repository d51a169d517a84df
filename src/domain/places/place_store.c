/* Writing places: the row's columns in one order, derived values, one statement for inserts and one for updates,
 * and what every write adds in its transaction (journal entry, likely duplicates, places_version). */
#include "domain/places/place_store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/strmap.h"
#include "core/utf8.h"
#include "domain/kernel/journal.h"
#include "store/db.h"

#define DUPLICATE_METRES 50.0
#define EARTH_METRES 6371008.8
#define FINGERPRINT_STACK 16384

/* ---- the columns written, built once from the field table ------------------------------------------------ */

/* The columns in the order row_bind fills them: the standard's, then the extras and derived values,
 * created_at last. */
#define PLACE_WRITE_COLS (PLACE_NFIELDS + 13)

/* The columns, the UPDATE of every column but created_at, and one row of VALUES: "(?, ?, …)". */
static char write_columns[2048], update_sql[4096], values_group[PLACE_WRITE_COLS * 3 + 2];
static pthread_once_t columns_once = PTHREAD_ONCE_INIT;

static void
build_columns(void)
{
	static const char *const extras[] = { "organisation_id", "netpublic", "listed_national", "networks",
		"coords_approx", "departement_code", "region_code", "search_key", "name_key", "address_key",
		"fingerprint", "updated_at", "created_at" };
	size_t w = 0, g = 0, u = (size_t)snprintf(update_sql, sizeof(update_sql), "UPDATE places SET ");

	for (int i = 0; i < PLACE_WRITE_COLS; i++) {
		const char *name = i < PLACE_NFIELDS ? place_fields[i].name : extras[i - PLACE_NFIELDS];
		g += (size_t)snprintf(values_group + g, sizeof(values_group) - g, "%s", i ? ", ?" : "(?");
		w += (size_t)snprintf(write_columns + w, sizeof(write_columns) - w, "%s%s", i ? ", " : "", name);
		if (i < PLACE_WRITE_COLS - 1) /* an update leaves created_at */
			u += (size_t)snprintf(update_sql + u, sizeof(update_sql) - u, "%s%s = ?", i ? ", " : "", name);
	}
	snprintf(update_sql + u, sizeof(update_sql) - u, ", version = version + 1 WHERE id = ? AND version = ?");
	snprintf(values_group + g, sizeof(values_group) - g, ")");
}

/* The values of R in the order of write_columns. */
static void
row_bind(const struct place_row *r, int64_t now, struct db_val *out)
{
	const struct place *p = &r->p;
	int k = 0;

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		if (i == PLACE_F_LATITUDE)
			out[k++] = p->has_coords ? DB_REAL(p->latitude) : DB_NULLV;
		else if (i == PLACE_F_LONGITUDE)
			out[k++] = p->has_coords ? DB_REAL(p->longitude) : DB_NULLV;
		else
			out[k++] = *p->v[i] ? DB_TEXT(p->v[i]) : DB_NULLV;
	}
	out[k++] = p->organisation_id ? DB_I64(p->organisation_id) : DB_NULLV;
	out[k++] = DB_BOOL(p->netpublic);
	out[k++] = DB_BOOL(p->listed_national);
	out[k++] = DB_TEXT(p->networks ? p->networks : "");
	out[k++] = DB_BOOL(p->coords_approx);
	out[k++] = *p->departement_code ? DB_TEXT(p->departement_code) : DB_NULLV;
	out[k++] = *p->region_code ? DB_TEXT(p->region_code) : DB_NULLV;
	out[k++] = DB_TEXT(p->search_key);
	out[k++] = DB_TEXT(r->name_key);
	out[k++] = DB_TEXT(r->address_key);
	out[k++] = DB_TEXT(r->fingerprint);
	out[k++] = DB_I64(now);
	out[k++] = DB_I64(now);
}

tr_err
place_rows_insert(struct ctx *ctx, struct place_row *const *rows, size_t n, int64_t *inserted)
{
	struct buf sql = BUF_INIT(0);
	struct db_val *vals;
	tr_err err;

	if (n == 0) {
		if (inserted)
			*inserted = 0;
		return TR_OK;
	}
	pthread_once(&columns_once, build_columns);
	/* Not in the arena: an import calls this for every batch, and the values die with the statement. */
	vals = xmalloc(n * PLACE_WRITE_COLS * sizeof(*vals));
	err = buf_printf(&sql, "INSERT INTO places (%s) VALUES ", write_columns);
	for (size_t i = 0; i < n && err == TR_OK; i++) {
		if (i > 0)
			err = buf_puts(&sql, ", ");
		if (err == TR_OK)
			err = buf_puts(&sql, values_group);
		row_bind(rows[i], ctx->now, vals + i * PLACE_WRITE_COLS);
	}
	if (err == TR_OK)
		err = buf_puts(&sql, " ON CONFLICT (id) DO NOTHING");
	if (err != TR_OK)
		tr_oom("place insert");
	err = db_exec(ctx->db, sql.p, vals, n * PLACE_WRITE_COLS, inserted);
	buf_free(&sql);
	free(vals);
	return err;
}

tr_err
place_row_update(struct ctx *ctx, const struct place_row *r, int64_t version, int64_t *changed)
{
	struct db_val vals[PLACE_WRITE_COLS + 1];

	pthread_once(&columns_once, build_columns);
	row_bind(r, ctx->now, vals);
	/* created_at, last of the bind order, is not updated: its place takes the id, then the version. */
	vals[PLACE_WRITE_COLS - 1] = DB_TEXT(r->p.v[PLACE_F_ID]);
	vals[PLACE_WRITE_COLS] = DB_I64(version);
	return db_exec(ctx->db, update_sql, vals, PLACE_WRITE_COLS + 1, changed);
}

/* ---- derived values ------------------------------------------------------------------------------------- */

/* The SHA-256 of the standard values of P, each followed by a unit separator. */
static void
fingerprint(const struct place *p, char out[SEC_SHA256_HEX])
{
	char stack[FINGERPRINT_STACK];
	size_t len[PLACE_NFIELDS], total = 0, k = 0;
	char *bytes = stack;

	for (int i = 0; i < PLACE_NFIELDS; i++)
		total += (len[i] = strlen(p->v[i])) + 1;
	if (total > sizeof(stack))
		bytes = xmalloc(total);
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		memcpy(bytes + k, p->v[i], len[i]);
		k += len[i];
		bytes[k++] = '\x1f';
	}
	sec_sha256_hex(bytes, total, out);
	if (bytes != stack)
		free(bytes);
}

static const char *
fold(struct arena *a, const char *s)
{
	return utf8_fold_key(a, s, strlen(s));
}

tr_err
place_row_derive(struct ctx *ctx, const struct commune_cache *cache, struct place_row *r)
{
	struct place *p = &r->p;
	const struct commune_geo *g;
	double lat, lon;
	tr_err err;

	err =
	    commune_locate(ctx, cache, p->v[PLACE_F_CODE_INSEE], p->v[PLACE_F_CODE_POSTAL], p->v[PLACE_F_COMMUNE], &g);
	if (err != TR_OK)
		return err;
	p->departement_code = g ? g->departement_code : "";
	p->region_code = g ? g->region_code : "";
	if (place_number_parse(p->v[PLACE_F_LATITUDE], strlen(p->v[PLACE_F_LATITUDE]), &lat) &&
	    place_number_parse(p->v[PLACE_F_LONGITUDE], strlen(p->v[PLACE_F_LONGITUDE]), &lon)) {
		p->latitude = lat;
		p->longitude = lon;
		p->has_coords = true;
		p->coords_approx = false;
	} else if (g && g->located) {
		p->latitude = g->latitude;
		p->longitude = g->longitude;
		p->has_coords = true;
		p->coords_approx = true;
	} else {
		p->has_coords = p->coords_approx = false;
	}
	r->name_key = fold(ctx->arena, p->v[PLACE_F_NOM]);
	r->address_key = fold(ctx->arena, p->v[PLACE_F_ADRESSE]);
	p->search_key = place_search_key(ctx->arena, p);
	fingerprint(p, r->fingerprint);
	return TR_OK;
}

/* ---- what every write adds --------------------------------------------------------------------------------- */

const char *
place_today(struct ctx *ctx)
{
	time_t t = (time_t)ctx->now;
	struct tm tm;
	char day[16];

	localtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	return arena_strdup(ctx->arena, day);
}

tr_err
place_bump_version(struct ctx *ctx)
{
	return db_exec(ctx->db,
	    "UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'places_version'", NULL, 0,
	    NULL);
}

json_t *
place_journal_values(const struct place *p, const struct place *diff)
{
	json_t *o = json_object();

	for (int i = 0; i < PLACE_NFIELDS; i++)
		if (diff == NULL ? *p->v[i] != '\0' : strcmp(p->v[i], diff->v[i]) != 0)
			json_object_set_new(o, place_fields[i].name, json_string(p->v[i]));
	if (diff == NULL || p->organisation_id != diff->organisation_id)
		json_object_set_new(
		    o, "organisation_id", p->organisation_id ? json_integer(p->organisation_id) : json_null());
	if (diff == NULL || p->netpublic != diff->netpublic)
		json_object_set_new(o, "netpublic", json_boolean(p->netpublic));
	if (diff == NULL || p->listed_national != diff->listed_national)
		json_object_set_new(o, "listed_national", json_boolean(p->listed_national));
	if (diff == NULL || strcmp(p->networks, diff->networks) != 0)
		json_object_set_new(o, "networks", json_string(p->networks));
	return o;
}

tr_err
place_journal(struct ctx *ctx, const char *action, const char *id, json_t *before, json_t *after)
{
	json_t *detail = json_pack("{s:s}", "id", id);
	tr_err err;

	if (before)
		json_object_set_new(detail, "before", before);
	if (after)
		json_object_set_new(detail, "after", after);
	err = journal_append_key(ctx, "place", id, action, detail);
	json_decref(detail);
	return err;
}

/* ---- likely duplicates ------------------------------------------------------------------------------------ */

static double
distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180, dp = p2 - p1, dl = (lon2 - lon1) * M_PI / 180;
	double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	return 2 * EARTH_METRES * asin(sqrt(h));
}

/* The likely duplicates of the places just written, found in memory over one scan of the directory: the same
 * folded name or address within a postal code, or a grid of cells about 50 m wide for the distance (each place
 * looks at its cell and the eight around it). */
#define GRID_LAT 0.00046 /* degrees of latitude in 50 m */
#define GRID_LON 0.0014  /* degrees of longitude in 50 m, up to 70° of latitude */

enum dup_reason { DUP_NAME, DUP_ADDRESS, DUP_NEAR, DUP_REASONS };

static const char *const dup_reasons[DUP_REASONS] = {
	"même commune et nom semblable",
	"même adresse",
	"à moins de 50 m",
};

/* A key of the scan: text ("postal|folded name") or a grid cell (two integers), as bytes. */
struct dup_key {
	const char *p;
	size_t n;
};

struct dup_place {
	const char *id;
	double lat, lon;
	bool located, fresh;
	struct dup_key key[DUP_ADDRESS + 1]; /* its name and address keys, p NULL when it has none */
	struct dup_place *next[DUP_REASONS]; /* the chain of places sharing the same key */
};

struct dup_scan {
	struct arena *a;
	int64_t now;
	const char *only; /* one place's id, or NULL: every place written at NOW */
	struct strmap keys[DUP_REASONS];
	struct dup_place **fresh;
	size_t nfresh, cap;
};

/* The key of the grid cell of (LAT, LON) moved by (DLAT, DLON) cells, into CELL. */
static struct dup_key
grid_key(int64_t cell[2], double lat, double lon, int dlat, int dlon)
{
	cell[0] = (int64_t)floor(lat / GRID_LAT) + dlat;
	cell[1] = (int64_t)floor(lon / GRID_LON) + dlon;
	return (struct dup_key){ (const char *)cell, 2 * sizeof(int64_t) };
}

/* "POSTAL|VALUE" in A. */
static struct dup_key
text_key(struct arena *a, const char *postal, const char *value)
{
	size_t np = strlen(postal), nv = strlen(value);
	char *k = arena_alloc(a, np + nv + 2);

	memcpy(k, postal, np);
	k[np] = '|';
	memcpy(k + np + 1, value, nv);
	return (struct dup_key){ k, np + 1 + nv };
}

/* Chains D under KEY for rule K; a text key lives in the scan's arena, a cell key is copied. */
static void
dup_chain(struct dup_scan *st, enum dup_reason k, struct dup_key key, struct dup_place *d)
{
	d->next[k] = k == DUP_NEAR ? strmap_putn(&st->keys[k], key.p, key.n, d)
	                           : strmap_put_borrowed(&st->keys[k], key.p, key.n, d);
}

static int
dup_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct dup_scan *st = ud;
	struct dup_place *d = arena_alloc(st->a, sizeof(*d));
	const char *postal = db_text(&c[1]), *name = db_text(&c[2]), *address = db_text(&c[3]);
	int64_t cell[2];

	(void)ncols;
	(void)names;
	d->id = arena_strdup(st->a, db_text(&c[0]));
	d->located = !db_isnull(&c[4]) && !db_isnull(&c[5]) && db_int(&c[6]) == 0;
	d->lat = db_real(&c[4]);
	d->lon = db_real(&c[5]);
	d->fresh = st->only ? strcmp(d->id, st->only) == 0 : db_int(&c[7]) == st->now;
	if (name && *name)
		dup_chain(st, DUP_NAME, d->key[DUP_NAME] = text_key(st->a, postal ? postal : "", name), d);
	if (address && *address)
		dup_chain(st, DUP_ADDRESS, d->key[DUP_ADDRESS] = text_key(st->a, postal ? postal : "", address), d);
	if (d->located)
		dup_chain(st, DUP_NEAR, grid_key(cell, d->lat, d->lon, 0, 0), d);
	if (d->fresh) {
		if (st->nfresh == st->cap) {
			struct dup_place **grown;
			st->cap = st->cap ? st->cap * 2 : 256;
			grown = arena_alloc(st->a, st->cap * sizeof(*grown));
			if (st->nfresh)
				memcpy(grown, st->fresh, st->nfresh * sizeof(*grown));
			st->fresh = grown;
		}
		st->fresh[st->nfresh++] = d;
	}
	return 0;
}

static tr_err
dup_record(struct ctx *ctx, const char *a, const char *b, enum dup_reason k)
{
	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b;
		b = t;
	}
	return db_execv(ctx->db,
	    "INSERT INTO place_duplicates (a, b, reason, status, created_at) VALUES (?, ?, ?, 'open', ?) "
	    "ON CONFLICT (a, b) DO NOTHING",
	    NULL, DB_TEXT(a), DB_TEXT(b), DB_TEXT(dup_reasons[k]), DB_I64(ctx->now));
}

/* Records the pairs of D with the places chained under KEY for rule K. */
static tr_err
dup_pairs(struct ctx *ctx, struct dup_scan *st, struct dup_place *d, enum dup_reason k, struct dup_key key)
{
	tr_err err = TR_OK;

	for (struct dup_place *o = strmap_getn(&st->keys[k], key.p, key.n); o && err == TR_OK; o = o->next[k]) {
		if (o == d || (o->fresh && strcmp(o->id, d->id) < 0))
			continue; /* itself, or a pair the other fresh place records */
		if (k == DUP_NEAR && distance_m(d->lat, d->lon, o->lat, o->lon) > DUPLICATE_METRES)
			continue;
		err = dup_record(ctx, d->id, o->id, k);
	}
	return err;
}

tr_err
place_find_duplicates(struct ctx *ctx, const char *id)
{
	struct dup_scan st = { .a = arena_new(), .now = ctx->now, .only = id };
	struct db_rows *count;
	int64_t cell[2];
	tr_err err;

	/* The maps sized once for the whole directory rather than grown step by step. */
	if ((err = db_query(ctx->db, st.a, "SELECT COUNT(*) FROM places", NULL, 0, &count)) != TR_OK) {
		arena_free(st.a);
		return err;
	}
	for (int k = 0; k < DUP_REASONS; k++)
		strmap_init(&st.keys[k], st.a, (size_t)db_int(db_cell(count, 0, 0)));
	err = db_each(ctx->db,
	    "SELECT id, code_postal, name_key, address_key, latitude, longitude, coords_approx, updated_at FROM places "
	    "WHERE merged_into IS NULL",
	    NULL, 0, dup_row, &st);
	for (size_t i = 0; i < st.nfresh && err == TR_OK; i++) {
		struct dup_place *d = st.fresh[i];
		if (d->key[DUP_NAME].p)
			err = dup_pairs(ctx, &st, d, DUP_NAME, d->key[DUP_NAME]);
		if (err == TR_OK && d->key[DUP_ADDRESS].p)
			err = dup_pairs(ctx, &st, d, DUP_ADDRESS, d->key[DUP_ADDRESS]);
		for (int dl = -1; dl <= 1 && err == TR_OK && d->located; dl++)
			for (int dn = -1; dn <= 1 && err == TR_OK; dn++)
				err = dup_pairs(ctx, &st, d, DUP_NEAR, grid_key(cell, d->lat, d->lon, dl, dn));
	}
	arena_free(st.a);
	return err;
}
