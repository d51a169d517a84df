/* Places one at a time: reading (with merge redirects), creating, editing, and the likely duplicates. */
#include "domain/place.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "domain/authz.h"
#include "domain/common.h"
#include "domain/journal.h"
#include "domain/place_int.h"

#define MERGE_HOPS_MAX 8
#define DUPLICATE_METRES 50.0
#define EARTH_METRES 6371008.8
#define NETWORK_CODE_MAX 40
#define NETWORK_LABEL_MAX 120

/* ---- a small string map ---------------------------------------------------------------------------- */

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void
strmap_init(struct strmap *m, struct arena *a, size_t hint)
{
	m->a = a;
	m->n = 0;
	for (m->cap = 16; m->cap < hint * 2; m->cap *= 2)
		;
	m->slots = arena_alloc(a, m->cap * sizeof(*m->slots));
}

static struct strmap_entry *
strmap_slot(const struct strmap *m, const char *key, uint64_t h)
{
	size_t i = (h ^ (h >> 29)) & (m->cap - 1);

	while (m->slots[i].key != NULL && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	return m->cap ? strmap_slot(m, key, hash_str(key))->value : NULL;
}

void *
strmap_put(struct strmap *m, const char *key, void *value)
{
	struct strmap_entry *e;
	uint64_t h = hash_str(key);
	void *old;

	if ((m->n + 1) * 2 > m->cap) {
		struct strmap_entry *old_slots = m->slots;
		size_t old_cap = m->cap;
		m->cap *= 2;
		m->slots = arena_alloc(m->a, m->cap * sizeof(*m->slots));
		for (size_t i = 0; i < old_cap; i++)
			if (old_slots[i].key != NULL)
				*strmap_slot(m, old_slots[i].key, old_slots[i].hash) = old_slots[i];
	}
	e = strmap_slot(m, key, h);
	old = e->value;
	if (e->key == NULL) {
		e->key = arena_strdup(m->a, key);
		e->hash = h;
		m->n++;
	}
	e->value = value;
	return old;
}

/* ---- SQL column lists, built once from the field table ------------------------------------------------ */

static char select_columns[2048], write_columns[2048];
static pthread_once_t columns_once = PTHREAD_ONCE_INIT;

static void
build_columns(void)
{
	size_t n = 0, w = 0;

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		n += (size_t)snprintf(select_columns + n, sizeof(select_columns) - n, "%s, ", place_fields[i].name);
		w += (size_t)snprintf(write_columns + w, sizeof(write_columns) - w, "%s, ", place_fields[i].name);
	}
	snprintf(select_columns + n, sizeof(select_columns) - n,
	    "organisation_id, (SELECT o.name FROM organisations o WHERE o.id = places.organisation_id), netpublic, "
	    "listed_national, networks, coords_approx, departement_code, region_code, version, merged_into");
	snprintf(write_columns + w, sizeof(write_columns) - w,
	    "organisation_id, netpublic, listed_national, networks, coords_approx, departement_code, region_code, "
	    "search_key, name_key, address_key, fingerprint, updated_at, created_at");
}

static const char *
select_cols(void)
{
	pthread_once(&columns_once, build_columns);
	return select_columns;
}

static const char *
write_cols(void)
{
	pthread_once(&columns_once, build_columns);
	return write_columns;
}

const char *
place_sql_select(void)
{
	return select_cols();
}

const char *
place_sql_write(void)
{
	return write_cols();
}

/* ---- rows ---------------------------------------------------------------------------------------------- */

struct place *
place_from_cells(struct arena *a, const struct db_val *c)
{
	struct place *p = arena_alloc(a, sizeof(*p));
	const int x = PLACE_NFIELDS;

	p->coords_approx = db_int(&c[x + 5]) != 0;
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		if (place_fields[i].type == PLACE_NUMBER)
			p->v[i] = db_isnull(&c[i]) || p->coords_approx ? "" : place_number_text(a, db_real(&c[i]));
		else
			p->v[i] = db_isnull(&c[i]) ? "" : arena_strdup(a, db_text(&c[i]));
	}
	p->has_coords = !db_isnull(&c[PLACE_F_LATITUDE]) && !db_isnull(&c[PLACE_F_LONGITUDE]);
	p->latitude = db_real(&c[PLACE_F_LATITUDE]);
	p->longitude = db_real(&c[PLACE_F_LONGITUDE]);
	p->organisation_id = db_int(&c[x]);
	p->organisation_name = db_isnull(&c[x + 1]) ? "" : arena_strdup(a, db_text(&c[x + 1]));
	p->netpublic = db_int(&c[x + 2]) != 0;
	p->listed_national = db_int(&c[x + 3]) != 0;
	p->networks = arena_strdup(a, db_isnull(&c[x + 4]) ? "" : db_text(&c[x + 4]));
	p->departement_code = arena_strdup(a, db_isnull(&c[x + 6]) ? "" : db_text(&c[x + 6]));
	p->region_code = arena_strdup(a, db_isnull(&c[x + 7]) ? "" : db_text(&c[x + 7]));
	p->version = db_int(&c[x + 8]);
	return p;
}

void
place_fingerprint(const struct place *p, char out[SEC_SHA256_HEX])
{
	struct buf b = BUF_INIT(0);

	for (int i = 0; i < PLACE_NFIELDS; i++)
		if (buf_puts(&b, p->v[i]) != TR_OK || buf_putc(&b, '\x1f') != TR_OK)
			tr_oom("place fingerprint");
	sec_sha256_hex(b.p, b.n, out);
	buf_free(&b);
}

void
place_row_bind(const struct place_row *r, int64_t now, struct db_val *out)
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
	out[k++] = DB_TEXT(r->search_key);
	out[k++] = DB_TEXT(r->name_key);
	out[k++] = DB_TEXT(r->address_key);
	out[k++] = DB_TEXT(r->fingerprint);
	out[k++] = DB_I64(now);
	out[k++] = DB_I64(now);
}

/* ---- communes ------------------------------------------------------------------------------------------ */

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

struct geo_load {
	struct arena *a;
	struct geo_cache *cache;
};

static int
geo_load_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct geo_load *st = ud;
	struct commune_geo *g = geo_from_cells(st->a, c);
	const char *postal = db_text(&c[6]), *name_key = db_text(&c[5]);

	(void)ncols;
	(void)names;
	strmap_put(&st->cache->by_code, g->code, g);
	while (postal && *postal) {
		size_t n = strcspn(postal, "|");
		const char *key = arena_printf(st->a, "%.*s|%s", (int)n, postal, name_key);
		/* A commune keeps its own postal codes; arrondissements come after their city in code order. */
		if (strmap_get(&st->cache->by_postal_name, key) == NULL)
			strmap_put(&st->cache->by_postal_name, key, g);
		postal += n + (postal[n] == '|');
	}
	return 0;
}

tr_err
geo_cache_load(struct ctx *ctx, struct geo_cache *cache)
{
	struct geo_load st = { ctx->arena, cache };
	tr_err err;

	strmap_init(&cache->by_code, ctx->arena, 40000);
	strmap_init(&cache->by_postal_name, ctx->arena, 45000);
	err = db_each(ctx->db,
	    "SELECT code, departement_code, region_code, latitude, longitude, name_key, postal_codes FROM communes "
	    "ORDER BY code",
	    NULL, 0, geo_load_row, &st);
	cache->loaded = err == TR_OK;
	return err;
}

static tr_err
geo_find(struct ctx *ctx, struct geo_cache *cache, const struct place *p, struct commune_geo **out)
{
	const char *name_key = utf8_fold_key(ctx->arena, p->v[PLACE_F_COMMUNE], strlen(p->v[PLACE_F_COMMUNE]));
	struct db_rows *r;
	tr_err err;

	*out = NULL;
	if (cache && cache->loaded) {
		if (*p->v[PLACE_F_CODE_INSEE])
			*out = strmap_get(&cache->by_code, p->v[PLACE_F_CODE_INSEE]);
		if (*out == NULL)
			*out = strmap_get(&cache->by_postal_name,
			    arena_printf(ctx->arena, "%s|%s", p->v[PLACE_F_CODE_POSTAL], name_key));
		return TR_OK;
	}
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT code, departement_code, region_code, latitude, longitude FROM communes WHERE code = ?", &r,
	    DB_TEXT(p->v[PLACE_F_CODE_INSEE]));
	if (err == TR_NOT_FOUND)
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT c.code, c.departement_code, c.region_code, c.latitude, c.longitude FROM communes c "
		    "JOIN commune_postal_codes pc ON pc.commune_code = c.code WHERE pc.postal_code = ? AND "
		    "c.name_key = ? ORDER BY c.code",
		    &r, DB_TEXT(p->v[PLACE_F_CODE_POSTAL]), DB_TEXT(name_key));
	if (err == TR_NOT_FOUND)
		return TR_OK;
	if (err != TR_OK)
		return err;
	*out = geo_from_cells(ctx->arena, db_cell(r, 0, 0));
	return TR_OK;
}

static const char *
fold(struct arena *a, const char *s)
{
	return utf8_fold_key(a, s, strlen(s));
}

tr_err
place_row_derive(struct ctx *ctx, struct geo_cache *cache, struct place_row *r)
{
	struct place *p = &r->p;
	struct commune_geo *g;
	double lat, lon;
	tr_err err;

	if ((err = geo_find(ctx, cache, p, &g)) != TR_OK)
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
	r->search_key = fold(
	    ctx->arena, arena_printf(ctx->arena, "%s %s %s %s", p->v[PLACE_F_NOM], p->v[PLACE_F_PRESENTATION_RESUME],
	                    p->v[PLACE_F_PRESENTATION_DETAIL], p->v[PLACE_F_COMMUNE]));
	place_fingerprint(p, r->fingerprint);
	return TR_OK;
}

/* ---- shared checks ------------------------------------------------------------------------------------- */

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

bool
place_is_manager(const struct ctx *ctx)
{
	return ctx->actor == NULL || actor_has_any(ctx->actor, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL));
}

bool
place_can_edit(const struct ctx *ctx, const struct place *p)
{
	return place_is_manager(ctx) || actor_in_org(ctx->actor, ROLE_EMPLOYER, p->organisation_id);
}

/* True when the '|'-joined LIST holds CODE (N bytes). */
static bool
list_has(const char *list, const char *code, size_t n)
{
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, "|");
		if (len == n && memcmp(p, code, n) == 0)
			return true;
		p += len + (p[len] == '|');
	}
	return false;
}

tr_err
place_check_extras(struct ctx *ctx, const struct place *p)
{
	struct db_rows *r;
	tr_err err;

	if (p->organisation_id != 0) {
		err = db_onev(
		    ctx->db, ctx->arena, "SELECT id FROM organisations WHERE id = ?", &r, DB_I64(p->organisation_id));
		if (err == TR_NOT_FOUND)
			field_errors_add(
			    &ctx->errors, "organisation_id", "« Structure gestionnaire » ne désigne aucune structure.");
		else if (err != TR_OK)
			return err;
	}
	for (const char *s = p->networks; s && *s;) {
		size_t n = strcspn(s, "|");
		char *code = arena_strndup(ctx->arena, s, n);
		err = db_onev(ctx->db, ctx->arena, "SELECT code FROM place_networks WHERE code = ?", &r, DB_TEXT(code));
		if (err == TR_NOT_FOUND)
			field_errors_add(&ctx->errors, "networks",
			    arena_printf(ctx->arena, "« Réseaux » : « %s » n'est pas un réseau connu.", code));
		else if (err != TR_OK)
			return err;
		s += n + (s[n] == '|');
	}
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

/* ---- reading ------------------------------------------------------------------------------------------- */

tr_err
place_get(struct ctx *ctx, const char *id, struct place **out)
{
	struct db_rows *r;
	const char *sql = arena_printf(ctx->arena, "SELECT %s FROM places WHERE id = ?", select_cols());
	tr_err err;

	for (int hop = 0; hop < MERGE_HOPS_MAX; hop++) {
		err = db_onev(ctx->db, ctx->arena, sql, &r, DB_TEXT(id));
		if (err == TR_NOT_FOUND)
			return ctx_fail(ctx, TR_NOT_FOUND, "Ce lieu n'existe pas.");
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		if (db_isnull(db_cell(r, 0, PLACE_NFIELDS + 9))) {
			*out = place_from_cells(ctx->arena, db_cell(r, 0, 0));
			return TR_OK;
		}
		id = db_text(db_cell(r, 0, PLACE_NFIELDS + 9));
	}
	return ctx_fail(ctx, TR_NOT_FOUND, "Ce lieu n'existe pas.");
}

json_t *
place_json(const struct place *p)
{
	json_t *o = json_object(), *nets = json_array();

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		double d;
		if (place_fields[i].type == PLACE_NUMBER)
			json_object_set_new(o, place_fields[i].name,
			    place_number_parse(p->v[i], strlen(p->v[i]), &d) ? json_real(d) : json_null());
		else
			json_object_set_new(o, place_fields[i].name, json_string(p->v[i]));
	}
	for (const char *s = p->networks; s && *s;) {
		size_t n = strcspn(s, "|");
		json_array_append_new(nets, json_stringn(s, n));
		s += n + (s[n] == '|');
	}
	json_object_set_new(o, "organisation_id", p->organisation_id ? json_integer(p->organisation_id) : json_null());
	json_object_set_new(o, "organisation_name", json_string(p->organisation_name ? p->organisation_name : ""));
	json_object_set_new(o, "netpublic", json_boolean(p->netpublic));
	json_object_set_new(o, "listed_national", json_boolean(p->listed_national));
	json_object_set_new(o, "networks", nets);
	json_object_set_new(o, "coords_approx", json_boolean(p->coords_approx));
	json_object_set_new(o, "departement_code", json_string(p->departement_code));
	json_object_set_new(o, "region_code", json_string(p->region_code));
	json_object_set_new(o, "version", json_integer(p->version));
	return o;
}

/* ---- input --------------------------------------------------------------------------------------------- */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* V as trimmed text in the arena: strings, integers and reals; NULL for absent, "" for null. *BAD is set
 * for arrays, objects and booleans. */
static const char *
input_text(struct arena *a, json_t *v, bool *bad)
{
	const char *s;
	size_t n;

	if (v == NULL)
		return NULL;
	if (json_is_null(v))
		return "";
	if (json_is_integer(v))
		return arena_printf(a, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return place_number_text(a, json_real_value(v));
	if (!json_is_string(v)) {
		*bad = true;
		return "";
	}
	s = json_string_value(v);
	n = json_string_length(v);
	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

static bool
input_bool(json_t *v, bool dflt)
{
	const char *s;

	if (v == NULL)
		return dflt;
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	s = json_is_string(v) ? json_string_value(v) : "";
	return strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0 || strcmp(s, "oui") == 0;
}

/* Reads IN over BASE (NULL: an empty place) into P; the values are checked by place_input_check. */
static void
place_input(struct ctx *ctx, json_t *in, const struct place *base, struct place *p)
{
	json_t *v;
	bool bad = false;

	if (base)
		*p = *base;
	else
		memset(p, 0, sizeof(*p));
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const char *s = input_text(ctx->arena, json_object_get(in, place_fields[i].name), &bad);
		if (bad) {
			field_errors_add(&ctx->errors, place_fields[i].name,
			    arena_printf(
			        ctx->arena, "« %s » n'a pas un type de valeur accepté.", place_fields[i].title));
			bad = false;
		}
		p->v[i] = s ? s : (base ? base->v[i] : "");
	}
	/* The canonical text of the coordinates, as exports write them. */
	for (int i = PLACE_F_LATITUDE; i <= PLACE_F_LONGITUDE; i++) {
		double d;
		if (place_number_parse(p->v[i], strlen(p->v[i]), &d))
			p->v[i] = place_number_text(ctx->arena, d);
	}
	if ((v = json_object_get(in, "organisation_id")) != NULL) {
		const char *s = input_text(ctx->arena, v, &bad);
		long long id = 0;
		if (*s && !str_to_i64(str_c(s), &id))
			field_errors_add(
			    &ctx->errors, "organisation_id", "« Structure gestionnaire » ne désigne aucune structure.");
		p->organisation_id = id > 0 ? id : 0;
	}
	p->netpublic = input_bool(json_object_get(in, "netpublic"), base ? base->netpublic : false);
	p->listed_national = input_bool(json_object_get(in, "listed_national"), base ? base->listed_national : false);
	if ((v = json_object_get(in, "networks")) != NULL) {
		struct buf b = BUF_INIT(4096);
		if (json_is_array(v)) {
			for (size_t i = 0; i < json_array_size(v); i++)
				if (json_is_string(json_array_get(v, i)) &&
				    json_string_length(json_array_get(v, i)) > 0 &&
				    ((b.n && buf_putc(&b, '|') != TR_OK) ||
				        buf_puts(&b, json_string_value(json_array_get(v, i))) != TR_OK))
					break;
		} else if (json_is_string(v) && buf_puts(&b, json_string_value(v)) != TR_OK) {
			field_errors_add(&ctx->errors, "networks", "« Réseaux » : trop de réseaux.");
		}
		p->networks = buf_to_arena(&b, ctx->arena);
	} else if (!base) {
		p->networks = "";
	}
	p->organisation_name = base ? base->organisation_name : "";
	p->departement_code = p->departement_code ? p->departement_code : "";
	p->region_code = p->region_code ? p->region_code : "";
}

/* Validates P's standard values and extras. */
static tr_err
place_input_check(struct ctx *ctx, const struct place *p)
{
	struct str vals[PLACE_NFIELDS];
	tr_err err;

	for (int i = 0; i < PLACE_NFIELDS; i++)
		vals[i] = str_c(p->v[i]);
	err = place_validate(vals, ctx->arena, &ctx->errors);
	if ((err = place_check_extras(ctx, p)) != TR_OK && err != TR_INVALID)
		return ctx_storage_error(ctx, err);
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

/* The values of P as a JSON object for the journal: every field (with DIFF, only those differing from
 * DIFF). */
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
	err = journal_append(ctx, "place", 0, action, detail);
	json_decref(detail);
	return err;
}

/* ---- creating and editing ------------------------------------------------------------------------------ */

/* The single organisation the actor is employer staff of, or 0. */
static int64_t
employer_org(const struct ctx *ctx)
{
	int64_t org = 0;

	for (size_t i = 0; ctx->actor && i < ctx->actor->nroles; i++)
		if (ctx->actor->roles[i].role == ROLE_EMPLOYER) {
			if (org != 0 && org != ctx->actor->roles[i].org_id)
				return 0;
			org = ctx->actor->roles[i].org_id;
		}
	return org;
}

tr_err
place_create(struct ctx *ctx, json_t *in, const char **id)
{
	struct place_row r;
	struct db_val vals[PLACE_WRITE_COLS];
	int64_t changed = 0;
	tr_err err;

	if (ctx->actor != NULL && (err = authz_require(ctx, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) |
	                                                        ROLE_BIT(ROLE_EMPLOYER))) != TR_OK)
		return err;
	memset(&r, 0, sizeof(r));
	place_input(ctx, in, NULL, &r.p);
	if (*r.p.v[PLACE_F_ID] == '\0')
		r.p.v[PLACE_F_ID] = arena_printf(ctx->arena, "tremplin-%s", sec_random_token(ctx->arena, 9));
	r.p.v[PLACE_F_DATE_MAJ] = place_today(ctx);
	if (!place_is_manager(ctx)) {
		if (r.p.organisation_id == 0)
			r.p.organisation_id = employer_org(ctx);
		if (!place_can_edit(ctx, &r.p))
			return ctx_fail(ctx, TR_FORBIDDEN, "Vous ne pouvez créer que les lieux de votre structure.");
	}
	if ((err = place_input_check(ctx, &r.p)) != TR_OK)
		return err;
	TRY(tx_begin(ctx));
	TRY(place_row_derive(ctx, NULL, &r));
	place_row_bind(&r, ctx->now, vals);
	TRY(db_exec(ctx->db,
	    arena_printf(ctx->arena,
	        "INSERT INTO places (%s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	        "?, ?, "
	        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
	        write_cols()),
	    vals, PLACE_WRITE_COLS, &changed));
	if (changed == 0) {
		field_errors_add(&ctx->errors, "id",
		    arena_printf(ctx->arena, "« %s » : « %s » est déjà l'identifiant d'un autre lieu.",
		        place_fields[PLACE_F_ID].title, r.p.v[PLACE_F_ID]));
		err = TR_INVALID;
		goto out;
	}
	TRY(place_journal(ctx, "create", r.p.v[PLACE_F_ID], NULL, place_journal_values(&r.p, NULL)));
	TRY(place_find_duplicates(ctx, r.p.v[PLACE_F_ID]));
	TRY(place_bump_version(ctx));
	*id = r.p.v[PLACE_F_ID];
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

static bool
standard_changed(const struct place *a, const struct place *b)
{
	for (int i = 0; i < PLACE_NFIELDS; i++)
		if (i != PLACE_F_DATE_MAJ && strcmp(a->v[i], b->v[i]) != 0)
			return true;
	return false;
}

tr_err
place_update(struct ctx *ctx, const char *id, int64_t version, json_t *in)
{
	struct place *before;
	struct place_row r;
	struct db_val vals[PLACE_WRITE_COLS + 2];
	struct db_rows *rows;
	struct buf sql = BUF_INIT(0);
	int64_t changed = 0;
	tr_err err;

	if (ctx->actor != NULL && (err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "SELECT %s FROM places WHERE id = ?", select_cols()), &rows, DB_TEXT(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lieu n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	before = place_from_cells(ctx->arena, db_cell(rows, 0, 0));
	if (!place_can_edit(ctx, before))
		return ctx_fail(ctx, TR_FORBIDDEN, "Vous ne pouvez modifier que les lieux de votre structure.");
	memset(&r, 0, sizeof(r));
	place_input(ctx, in, before, &r.p);
	r.p.v[PLACE_F_ID] = before->v[PLACE_F_ID];
	if (!place_is_manager(ctx) && r.p.organisation_id != before->organisation_id && !place_can_edit(ctx, &r.p))
		field_errors_add(&ctx->errors, "organisation_id",
		    "« Structure gestionnaire » : vous ne pouvez confier ce lieu qu'à votre structure.");
	if (standard_changed(before, &r.p))
		r.p.v[PLACE_F_DATE_MAJ] = place_today(ctx);
	if ((err = place_input_check(ctx, &r.p)) != TR_OK)
		return err;
	TRY(tx_begin(ctx));
	TRY(place_row_derive(ctx, NULL, &r));
	place_row_bind(&r, ctx->now, vals);
	for (int i = 0; i < PLACE_WRITE_COLS - 1; i++) {
		const char *col = write_cols();
		/* The i-th name of the column list. */
		for (int k = 0; k < i; k++)
			col = strchr(col, ',') + 2;
		if (buf_printf(&sql, "%s%.*s = ?", i ? ", " : "UPDATE places SET ", (int)strcspn(col, ","), col) !=
		    TR_OK)
			tr_oom("place update");
	}
	if (buf_puts(&sql, ", version = version + 1 WHERE id = ? AND version = ?") != TR_OK)
		tr_oom("place update");
	vals[PLACE_WRITE_COLS - 1] = DB_TEXT(id);
	vals[PLACE_WRITE_COLS] = DB_I64(version);
	TRY(db_exec(ctx->db, sql.p, vals, PLACE_WRITE_COLS + 1, &changed));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce lieu a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	TRY(place_journal(ctx, "update", id, place_journal_values(before, &r.p), place_journal_values(&r.p, before)));
	TRY(place_find_duplicates(ctx, id));
	TRY(place_bump_version(ctx));
out:
	buf_free(&sql);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- duplicates ---------------------------------------------------------------------------------------- */

static double
distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180, dp = p2 - p1, dl = (lon2 - lon1) * M_PI / 180;
	double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	return 2 * EARTH_METRES * asin(sqrt(h));
}

/* The likely duplicates of the places just written, found in memory over one scan of the directory: the
 * same folded name or address within a postal code, or a grid of cells about 50 m wide for the distance
 * (each place looks at its cell and the eight around it). */
#define GRID_LAT 0.00046 /* degrees of latitude in 50 m */
#define GRID_LON 0.0014  /* degrees of longitude in 50 m, up to 70° of latitude */

enum dup_reason { DUP_NAME, DUP_ADDRESS, DUP_NEAR, DUP_REASONS };

static const char *const dup_reasons[DUP_REASONS] = {
	"même commune et nom semblable",
	"même adresse",
	"à moins de 50 m",
};

struct dup_place {
	const char *id;
	double lat, lon;
	bool located, fresh;
	const char *key[DUP_REASONS];        /* its key under each rule, NULL when it has none */
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

static const char *
grid_key(struct arena *a, double lat, double lon, int dlat, int dlon)
{
	return arena_printf(
	    a, "%lld:%lld", (long long)floor(lat / GRID_LAT) + dlat, (long long)floor(lon / GRID_LON) + dlon);
}

static void
dup_chain(struct dup_scan *st, enum dup_reason k, const char *key, struct dup_place *d)
{
	d->key[k] = key;
	d->next[k] = strmap_put(&st->keys[k], key, d);
}

static int
dup_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct dup_scan *st = ud;
	struct dup_place *d = arena_alloc(st->a, sizeof(*d));
	const char *postal = db_text(&c[1]), *name = db_text(&c[2]), *address = db_text(&c[3]);

	(void)ncols;
	(void)names;
	d->id = arena_strdup(st->a, db_text(&c[0]));
	d->located = !db_isnull(&c[4]) && !db_isnull(&c[5]) && db_int(&c[6]) == 0;
	d->lat = db_real(&c[4]);
	d->lon = db_real(&c[5]);
	d->fresh = st->only ? strcmp(d->id, st->only) == 0 : db_int(&c[7]) == st->now;
	if (name && *name)
		dup_chain(st, DUP_NAME, arena_printf(st->a, "%s|%s", postal, name), d);
	if (address && *address)
		dup_chain(st, DUP_ADDRESS, arena_printf(st->a, "%s|%s", postal, address), d);
	if (d->located)
		dup_chain(st, DUP_NEAR, grid_key(st->a, d->lat, d->lon, 0, 0), d);
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
dup_pairs(struct ctx *ctx, struct dup_scan *st, struct dup_place *d, enum dup_reason k, const char *key)
{
	tr_err err = TR_OK;

	for (struct dup_place *o = strmap_get(&st->keys[k], key); o && err == TR_OK; o = o->next[k]) {
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
	tr_err err;

	for (int k = 0; k < DUP_REASONS; k++)
		strmap_init(&st.keys[k], st.a, 1024);
	err = db_each(ctx->db,
	    "SELECT id, code_postal, name_key, address_key, latitude, longitude, coords_approx, updated_at FROM places "
	    "WHERE merged_into IS NULL",
	    NULL, 0, dup_row, &st);
	for (size_t i = 0; i < st.nfresh && err == TR_OK; i++) {
		struct dup_place *d = st.fresh[i];
		if (d->key[DUP_NAME])
			err = dup_pairs(ctx, &st, d, DUP_NAME, d->key[DUP_NAME]);
		if (err == TR_OK && d->key[DUP_ADDRESS])
			err = dup_pairs(ctx, &st, d, DUP_ADDRESS, d->key[DUP_ADDRESS]);
		for (int dl = -1; dl <= 1 && err == TR_OK && d->located; dl++)
			for (int dn = -1; dn <= 1 && err == TR_OK; dn++)
				err = dup_pairs(ctx, &st, d, DUP_NEAR, grid_key(st.a, d->lat, d->lon, dl, dn));
	}
	arena_free(st.a);
	return err;
}

static tr_err
require_manager(struct ctx *ctx, unsigned mask)
{
	return ctx->actor == NULL ? TR_OK : authz_require(ctx, mask);
}

tr_err
place_duplicates_open(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	if ((err = require_manager(ctx, ROLE_BIT(ROLE_ADMIN))) != TR_OK)
		return err;
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT d.a, d.b, d.reason FROM place_duplicates d JOIN places pa ON pa.id = d.a JOIN places pb ON pb.id = "
	    "d.b WHERE d.status = 'open' AND pa.merged_into IS NULL AND pb.merged_into IS NULL "
	    "ORDER BY d.created_at DESC, d.a, d.b LIMIT ?",
	    &r, DB_I64(100));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		struct place *a, *b;
		if ((err = place_get(ctx, db_text(db_cell(r, i, 0)), &a)) != TR_OK ||
		    (err = place_get(ctx, db_text(db_cell(r, i, 1)), &b)) != TR_OK) {
			json_decref(*out);
			*out = NULL;
			return err;
		}
		json_array_append_new(*out, json_pack("{s:o, s:o, s:s}", "a", place_json(a), "b", place_json(b),
		                                "reason", db_text(db_cell(r, i, 2))));
	}
	return TR_OK;
}

/* The union of two '|'-joined lists, in the order of VOCAB when given (else A's then B's). */
static const char *
list_union(struct arena *ar, const char *a, const char *b, const struct place_field *vocab)
{
	struct buf out = BUF_INIT(0);

	if (vocab && vocab->nvalues) {
		for (size_t i = 0; i < vocab->nvalues; i++) {
			const char *v = vocab->values[i];
			if ((list_has(a, v, strlen(v)) || list_has(b, v, strlen(v))) &&
			    ((out.n && buf_putc(&out, '|') != TR_OK) || buf_puts(&out, v) != TR_OK))
				tr_oom("list union");
		}
		return buf_to_arena(&out, ar);
	}
	if (buf_puts(&out, a) != TR_OK)
		tr_oom("list union");
	for (const char *s = b; *s;) {
		size_t n = strcspn(s, "|");
		if (!list_has(a, s, n) && ((out.n && buf_putc(&out, '|') != TR_OK) || buf_append(&out, s, n) != TR_OK))
			tr_oom("list union");
		s += n + (s[n] == '|');
	}
	return buf_to_arena(&out, ar);
}

/* KEEP filled with the richest values of KEEP and OTHER. */
static void
merge_values(struct arena *a, struct place *keep, const struct place *other)
{
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const struct place_field *f = &place_fields[i];
		if (i == PLACE_F_ID)
			continue;
		if (i == PLACE_F_LATITUDE) { /* the pair goes together */
			if (*keep->v[PLACE_F_LATITUDE] == '\0' && *other->v[PLACE_F_LATITUDE] != '\0') {
				keep->v[PLACE_F_LATITUDE] = other->v[PLACE_F_LATITUDE];
				keep->v[PLACE_F_LONGITUDE] = other->v[PLACE_F_LONGITUDE];
			}
		} else if (i == PLACE_F_LONGITUDE) {
			continue;
		} else if (f->nvalues || i == PLACE_F_COURRIELS || i == PLACE_F_SITE_WEB) {
			keep->v[i] = list_union(a, keep->v[i], other->v[i], f);
		} else if (i == PLACE_F_DATE_MAJ) {
			if (strcmp(other->v[i], keep->v[i]) > 0)
				keep->v[i] = other->v[i];
		} else if (utf8_length(other->v[i], strlen(other->v[i])) >
		           utf8_length(keep->v[i], strlen(keep->v[i]))) {
			keep->v[i] = other->v[i];
		}
	}
	if (keep->organisation_id == 0)
		keep->organisation_id = other->organisation_id;
	keep->netpublic = keep->netpublic || other->netpublic;
	keep->listed_national = keep->listed_national || other->listed_national;
	keep->networks = list_union(a, keep->networks, other->networks, NULL);
}

static tr_err
merge(struct ctx *ctx, const char *keep_id, const char *other_id)
{
	struct place *keep, *other;
	struct place_row r;
	json_t *in = json_object();
	tr_err err;

	if ((err = place_get(ctx, keep_id, &keep)) != TR_OK || (err = place_get(ctx, other_id, &other)) != TR_OK)
		goto out;
	memset(&r, 0, sizeof(r));
	r.p = *keep;
	merge_values(ctx->arena, &r.p, other);
	for (int i = 0; i < PLACE_NFIELDS; i++)
		json_object_set_new(in, place_fields[i].name, json_string(r.p.v[i]));
	json_object_set_new(
	    in, "organisation_id", r.p.organisation_id ? json_integer(r.p.organisation_id) : json_null());
	json_object_set_new(in, "netpublic", json_boolean(r.p.netpublic));
	json_object_set_new(in, "listed_national", json_boolean(r.p.listed_national));
	json_object_set_new(in, "networks", json_string(r.p.networks));
	/* The update runs its own transaction; the redirect follows in a second one. */
	if ((err = place_update(ctx, keep_id, keep->version, in)) != TR_OK)
		goto out;
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db, "UPDATE places SET merged_into = ?, updated_at = ?, version = version + 1 WHERE id = ?",
	    NULL, DB_TEXT(keep_id), DB_I64(ctx->now), DB_TEXT(other_id)));
	TRY(db_execv(ctx->db, "UPDATE places SET merged_into = ? WHERE merged_into = ?", NULL, DB_TEXT(keep_id),
	    DB_TEXT(other_id)));
	TRY(place_journal(ctx, "merge", keep_id, NULL, json_pack("{s:s}", "absorbed", other_id)));
	TRY(place_bump_version(ctx));
	err = tx_end(ctx, TR_OK);
	goto done;
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
done:
	json_decref(in);
	return err;
}

tr_err
place_duplicate_decide(struct ctx *ctx, const char *a, const char *b, bool merge_them, const char *keep)
{
	struct db_rows *r;
	int64_t changed = 0;
	tr_err err;

	if ((err = require_manager(ctx, ROLE_BIT(ROLE_ADMIN))) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, "SELECT status FROM place_duplicates WHERE a = ? AND b = ?", &r, DB_TEXT(a),
	    DB_TEXT(b));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette paire de lieux n'est pas signalée comme doublon.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (strcmp(db_text(db_cell(r, 0, 0)), "open") != 0)
		return ctx_fail(ctx, TR_CONFLICT, "Cette paire a déjà été traitée.");
	if (merge_them) {
		if (keep == NULL || (strcmp(keep, a) != 0 && strcmp(keep, b) != 0)) {
			field_errors_add(&ctx->errors, "keep", "Choisissez le lieu à garder.");
			return TR_INVALID;
		}
		if ((err = merge(ctx, keep, strcmp(keep, a) == 0 ? b : a)) != TR_OK)
			return err;
	}
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE place_duplicates SET status = ?, decided_at = ?, decided_by = ? WHERE a = ? AND b = ? AND status = "
	    "'open'",
	    &changed, DB_TEXT(merge_them ? "merged" : "distinct"), DB_I64(ctx->now),
	    ctx->actor ? DB_I64(ctx->actor->person_id) : DB_NULLV, DB_TEXT(a), DB_TEXT(b)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette paire a déjà été traitée.");
		goto out;
	}
	TRY(place_journal(ctx, merge_them ? "duplicate_merged" : "duplicate_distinct", a, NULL,
	    json_pack("{s:s, s:s, s:s}", "a", a, "b", b, "kept", keep && merge_them ? keep : "")));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- networks ------------------------------------------------------------------------------------------ */

tr_err
place_networks(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err =
	    db_query(ctx->db, ctx->arena, "SELECT code, label FROM place_networks ORDER BY label, code", NULL, 0, &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

tr_err
place_network_add(struct ctx *ctx, const char *code, const char *label)
{
	size_t cn = code ? strlen(code) : 0, ln = label ? strlen(label) : 0;
	json_t *detail;
	int64_t changed = 0;
	tr_err err;

	if ((err = require_manager(ctx, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL))) != TR_OK)
		return err;
	if (cn == 0 || cn > NETWORK_CODE_MAX || strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-") != cn)
		field_errors_add(&ctx->errors, "code",
		    "« Code du réseau » : de 1 à 40 lettres minuscules sans accent, chiffres ou tirets.");
	if (ln == 0 || !utf8_valid(label, ln) || utf8_length(label, ln) > NETWORK_LABEL_MAX)
		field_errors_add(&ctx->errors, "label", "« Nom du réseau » est obligatoire (120 caractères au plus).");
	if (ctx->errors.n)
		return TR_INVALID;
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "INSERT INTO place_networks (code, label, created_at) VALUES (?, ?, ?) ON CONFLICT (code) DO NOTHING",
	    &changed, DB_TEXT(code), DB_TEXT(label), DB_I64(ctx->now)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce code de réseau existe déjà.");
		goto out;
	}
	detail = json_pack("{s:s, s:s}", "code", code, "label", label);
	err = journal_append(ctx, "place_network", 0, "create", detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
