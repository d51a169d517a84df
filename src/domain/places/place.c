/* Places one at a time: reading (with merge redirects, or all of them streamed), creating, editing, who may, the
 * likely duplicates and their decisions, the networks, a place's timeline. */
#include "domain/places/place.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/fr.h"
#include "core/json.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/places/place_store.h"
#include "store/db.h"

#define MERGE_HOPS_MAX 8
#define NETWORK_CODE_MAX 40
#define NETWORK_LABEL_MAX 120
#define EACH_SCRATCH_ROWS 500

/* ---- reading rows ------------------------------------------------------------------------------------------ */

/* The columns place_from_cells reads: the standard's, then the extras. */
#define PLACE_SELECT_NCOLS (PLACE_NFIELDS + 11)

/* The columns, one place by id, and every place not merged away (in storage order, by id). */
static char select_columns[2048], select_by_id[2200], select_each[2][2200], select_split[2][2200];
static pthread_once_t columns_once = PTHREAD_ONCE_INIT;

static void
build_columns(void)
{
	size_t n = 0;

	for (int i = 0; i < PLACE_NFIELDS; i++)
		n += (size_t)snprintf(select_columns + n, sizeof(select_columns) - n, "%s, ", place_fields[i].name);
	snprintf(select_columns + n, sizeof(select_columns) - n,
	    "organisation_id, (SELECT o.name FROM organisations o WHERE o.id = places.organisation_id), netpublic, "
	    "listed_national, networks, coords_approx, departement_code, region_code, version, merged_into, "
	    "search_key");
	snprintf(select_by_id, sizeof(select_by_id), "SELECT %s FROM places WHERE id = ?", select_columns);
	for (int by_id = 0; by_id < 2; by_id++)
		snprintf(select_each[by_id], sizeof(select_each[by_id]),
		    "SELECT %s FROM places WHERE merged_into IS NULL%s", select_columns, by_id ? " ORDER BY id" : "");
	for (int upper = 0; upper < 2; upper++)
		snprintf(select_split[upper], sizeof(select_split[upper]),
		    "SELECT %s FROM places WHERE merged_into IS NULL AND id %s ?", select_columns, upper ? ">=" : "<");
}

/* The text of C copied into A, or DFLT when NULL; with A NULL, C's own text (borrowed: valid as long as C). */
static const char *
text_or(struct arena *a, const struct db_val *c, const char *dflt)
{
	return db_isnull(c) ? dflt : a == NULL ? db_text(c) : arena_strdup(a, db_text(c));
}

/* The place of the PLACE_SELECT_NCOLS cells C, in A; with BORROW, its texts are the cells' own (P lives as long
 * as C: the rows of a scan, during their callback). */
static struct place *
place_from_cells(struct arena *a, const struct db_val *c, bool borrow)
{
	struct arena *texts = borrow ? NULL : a;
	struct place *p = arena_alloc(a, sizeof(*p));
	const int x = PLACE_NFIELDS;

	p->coords_approx = db_int(&c[x + 5]) != 0;
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		if (place_fields[i].type == FT_NUMBER)
			p->v[i] = db_isnull(&c[i]) || p->coords_approx ? "" : place_number_text(a, db_real(&c[i]));
		else
			p->v[i] = text_or(texts, &c[i], "");
	}
	p->has_coords = !db_isnull(&c[PLACE_F_LATITUDE]) && !db_isnull(&c[PLACE_F_LONGITUDE]);
	p->latitude = db_real(&c[PLACE_F_LATITUDE]);
	p->longitude = db_real(&c[PLACE_F_LONGITUDE]);
	p->organisation_id = db_int(&c[x]);
	p->organisation_name = text_or(texts, &c[x + 1], "");
	p->netpublic = db_int(&c[x + 2]) != 0;
	p->listed_national = db_int(&c[x + 3]) != 0;
	p->networks = text_or(texts, &c[x + 4], "");
	p->departement_code = text_or(texts, &c[x + 6], "");
	p->region_code = text_or(texts, &c[x + 7], "");
	p->version = db_int(&c[x + 8]);
	p->merged_into = text_or(texts, &c[x + 9], NULL);
	p->search_key = text_or(texts, &c[x + 10], "");
	return p;
}

tr_err
place_load(struct ctx *ctx, const char *id, struct place **out)
{
	struct db_rows *r;
	tr_err err;

	pthread_once(&columns_once, build_columns);
	if ((err = db_onev(ctx->db, ctx->arena, select_by_id, &r, DB_TEXT(id))) != TR_OK)
		return err;
	*out = place_from_cells(ctx->arena, db_cell(r, 0, 0), false);
	return TR_OK;
}

tr_err
place_get(struct ctx *ctx, const char *id, struct place **out)
{
	tr_err err;

	for (int hop = 0; hop < MERGE_HOPS_MAX; hop++) {
		err = place_load(ctx, id, out);
		if (err == TR_NOT_FOUND)
			break;
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		if ((*out)->merged_into == NULL)
			return TR_OK;
		id = (*out)->merged_into;
	}
	return ctx_fail(ctx, TR_NOT_FOUND, "Ce lieu n'existe pas.");
}

struct each {
	place_each_fn fn;
	void *ud;
	struct arena *scratch; /* renewed every EACH_SCRATCH_ROWS rows */
	size_t rows;
	bool stopped;
};

static int
each_row(void *ud, const struct db_val *c, size_t ncols, const char **names)
{
	struct each *st = ud;

	(void)ncols;
	(void)names;
	if (++st->rows % EACH_SCRATCH_ROWS == 0) {
		arena_free(st->scratch);
		st->scratch = arena_new();
	}
	st->stopped = st->fn(st->ud, place_from_cells(st->scratch, c, true)) != 0;
	return st->stopped;
}

tr_err
place_each(struct db *db, bool by_id, place_each_fn fn, void *ud)
{
	struct each st = { .fn = fn, .ud = ud, .scratch = arena_new() };
	tr_err err;

	pthread_once(&columns_once, build_columns);
	err = db_each(db, select_each[by_id], NULL, 0, each_row, &st);
	arena_free(st.scratch);
	return err;
}

tr_err
place_each_split(struct db *db, const char *mid, bool upper, place_each_fn fn, void *ud)
{
	struct each st = { .fn = fn, .ud = ud, .scratch = arena_new() };
	struct db_val param = DB_TEXT(mid);
	tr_err err;

	pthread_once(&columns_once, build_columns);
	err = db_each(db, select_split[upper], &param, 1, each_row, &st);
	arena_free(st.scratch);
	return err;
}

json_t *
place_json(const struct place *p)
{
	json_t *o = json_object(), *nets = json_array();

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		double d;
		if (place_fields[i].type == FT_NUMBER)
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

tr_err
place_json_text(struct buf *b, const struct place *p)
{
	tr_err err = TR_OK;
	bool first = true;

	for (int i = 0; i < PLACE_NFIELDS && err == TR_OK; i++) {
		const char *v = p->v[i];
		if (!(place_fields[i].flags & FF_EXPORTED))
			continue;
		err = buf_putc(b, first ? '{' : ',');
		first = false;
		if (err == TR_OK)
			err = json_put_string(b, place_fields[i].name);
		if (err == TR_OK)
			err = buf_putc(b, ':');
		if (err == TR_OK && place_fields[i].type != FT_NUMBER)
			err = json_put_string(b, v);
		else if (err == TR_OK && *v == '\0')
			err = buf_puts(b, "null");
		else if (err == TR_OK && (err = buf_puts(b, v)) == TR_OK && v[strcspn(v, ".eE")] == '\0')
			err = buf_puts(b, ".0"); /* canonical text (place_number_text), a real as place_json makes it */
	}
	if (err == TR_OK && first)
		err = buf_putc(b, '{');
	return err == TR_OK ? buf_putc(b, '}') : err;
}

const char *
place_search_key(struct arena *a, const struct place *p)
{
	static const enum place_field_index parts[] = { PLACE_F_NOM, PLACE_F_PRESENTATION_RESUME,
		PLACE_F_PRESENTATION_DETAIL, PLACE_F_COMMUNE };
	size_t len[4], total = 0, k = 0;
	char *text;

	for (int i = 0; i < 4; i++)
		total += (len[i] = strlen(p->v[parts[i]])) + 1;
	text = arena_alloc(a, total);
	for (int i = 0; i < 4; i++) {
		memcpy(text + k, p->v[parts[i]], len[i]);
		k += len[i];
		text[k++] = ' ';
	}
	return utf8_fold_key(a, text, total - 1);
}

/* ---- who may ----------------------------------------------------------------------------------------------- */

bool
place_is_manager(const struct ctx *ctx)
{
	return ctx->actor == NULL || actor_has_any(ctx->actor, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL));
}

#define PLACE_CREATORS (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_EMPLOYER))

bool
place_can_create(const struct ctx *ctx)
{
	return ctx->actor == NULL || actor_has_any(ctx->actor, PLACE_CREATORS);
}

bool
place_can_edit(const struct ctx *ctx, const struct place *p)
{
	return place_is_manager(ctx) || actor_in_org(ctx->actor, ROLE_EMPLOYER, p->organisation_id);
}

/* Checks the extras of P (organisation exists, network codes known) into ctx's field errors. */
static tr_err
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
			        ctx->arena, "« %s » n'a pas un type de valeur accepté.", place_fields[i].label));
			bad = false;
		}
		p->v[i] = s ? s : (base ? base->v[i] : "");
	}
	/* A telephone number as people write it ("04 75 00 00 00") is stored as the standard's E.164; anything
	 * else is left for the standard's pattern to refuse with its message. */
	if (p->v[PLACE_F_TELEPHONE][0] != '\0') {
		char e164[FR_PHONE_MAX + 1];
		if (fr_phone_e164(p->v[PLACE_F_TELEPHONE], strlen(p->v[PLACE_F_TELEPHONE]), e164))
			p->v[PLACE_F_TELEPHONE] = arena_strdup(ctx->arena, e164);
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
	struct place_row r, *rows[1] = { &r };
	int64_t inserted = 0;
	tr_err err;

	if (ctx->actor != NULL && (err = authz_require(ctx, PLACE_CREATORS)) != TR_OK)
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
	TRY(place_rows_insert(ctx, rows, 1, &inserted));
	if (inserted == 0) {
		field_errors_add(&ctx->errors, "id",
		    arena_printf(ctx->arena, "« %s » : « %s » est déjà l'identifiant d'un autre lieu.",
		        place_fields[PLACE_F_ID].label, r.p.v[PLACE_F_ID]));
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
	int64_t changed = 0;
	tr_err err;

	if (ctx->actor != NULL && (err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = place_load(ctx, id, &before);
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce lieu n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
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
	TRY(place_row_update(ctx, &r, version, &changed));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce lieu a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	TRY(place_journal(ctx, "update", id, place_journal_values(before, &r.p), place_journal_values(&r.p, before)));
	TRY(place_find_duplicates(ctx, id));
	TRY(place_bump_version(ctx));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- duplicates ---------------------------------------------------------------------------------------- */

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

/* Reads place ID (following redirects) for someone who may edit it. */
static tr_err
editable_place(struct ctx *ctx, const char *id, struct place **p)
{
	tr_err err = place_get(ctx, id, p);

	if (err == TR_OK && !place_can_edit(ctx, *p))
		return ctx_fail(ctx, TR_FORBIDDEN, "Vous ne pouvez consulter ainsi que les lieux de votre structure.");
	return err;
}

tr_err
place_duplicates_of(struct ctx *ctx, const char *id, json_t **out)
{
	struct place *p;
	struct db_rows *r;
	tr_err err;

	if ((err = editable_place(ctx, id, &p)) != TR_OK)
		return err;
	id = p->v[PLACE_F_ID];
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT o.id, o.nom, o.commune, d.reason FROM place_duplicates d JOIN places o ON o.id = CASE WHEN d.a = ? "
	    "THEN d.b ELSE d.a END WHERE d.status = 'open' AND (d.a = ? OR d.b = ?) AND o.merged_into IS NULL "
	    "ORDER BY o.id",
	    &r, DB_TEXT(id), DB_TEXT(id), DB_TEXT(id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

tr_err
place_history(struct ctx *ctx, const char *id, json_t **out)
{
	struct place *p;
	tr_err err;

	if ((err = editable_place(ctx, id, &p)) != TR_OK)
		return err;
	return journal_list_key(ctx, "place", p->v[PLACE_F_ID], out);
}

/* The union of two '|'-joined lists, in the order of VOCAB when given (else A's then B's). */
static const char *
list_union(struct arena *ar, const char *a, const char *b, const struct field *vocab)
{
	struct buf out = BUF_INIT(0);

	if (vocab && place_nvalues(vocab)) {
		for (size_t i = 0; i < place_nvalues(vocab); i++) {
			const char *v = place_value(vocab, i);
			if ((str_list_has(a, v, strlen(v)) || str_list_has(b, v, strlen(v))) &&
			    ((out.n && buf_putc(&out, '|') != TR_OK) || buf_puts(&out, v) != TR_OK))
				tr_oom("list union");
		}
		return buf_to_arena(&out, ar);
	}
	if (buf_puts(&out, a) != TR_OK)
		tr_oom("list union");
	for (const char *s = b; *s;) {
		size_t n = strcspn(s, "|");
		if (!str_list_has(a, s, n) &&
		    ((out.n && buf_putc(&out, '|') != TR_OK) || buf_append(&out, s, n) != TR_OK))
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
		const struct field *f = &place_fields[i];
		if (i == PLACE_F_ID)
			continue;
		if (i == PLACE_F_LATITUDE) { /* the pair goes together */
			if (*keep->v[PLACE_F_LATITUDE] == '\0' && *other->v[PLACE_F_LATITUDE] != '\0') {
				keep->v[PLACE_F_LATITUDE] = other->v[PLACE_F_LATITUDE];
				keep->v[PLACE_F_LONGITUDE] = other->v[PLACE_F_LONGITUDE];
			}
		} else if (i == PLACE_F_LONGITUDE) {
			continue;
		} else if (place_nvalues(f) || i == PLACE_F_COURRIELS || i == PLACE_F_SITE_WEB) {
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
	err = journal_append_key(ctx, "place_network", code, "create", detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
