/* Activity reports: checks against the vocabularies (data), writes with their rollups in the same
 * transaction, bulk ingestion, the export's cursor, CSV, and the verification of the rollups. */
#include "domain/activity/activity.h"

#include <stdlib.h>
#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/csv.h"
#include "core/export.h"
#include "core/str.h"
#include "core/strmap.h"
#include "core/time.h"
#include "domain/activity/activity_int.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "domain/places/place.h"
#include "model/activity/activity.h"

/* ---- Scope ---- */

static bool
is_national(const struct ctx *ctx, json_t *row)
{
	(void)row;
	return actor_has_any(ctx->actor, ACTIVITY_NATIONAL);
}

static bool
is_own(const struct ctx *ctx, json_t *row)
{
	return ctx->actor && json_integer_value(json_object_get(row, "adviser_id")) == ctx->actor->person_id;
}

static bool
is_employer(const struct ctx *ctx, json_t *row)
{
	return actor_in_org(ctx->actor, ROLE_EMPLOYER, json_integer_value(json_object_get(row, "organisation_id")));
}

static bool
covers(const struct ctx *ctx, json_t *row)
{
	const char *r1 = json_str(row, "region_code"), *r2 = json_str(row, "org_region_code");

	return actor_covers_region(ctx->actor, ROLE_POLE, r1) || actor_covers_region(ctx->actor, ROLE_REGIONAL, r1) ||
	       actor_covers_region(ctx->actor, ROLE_POLE, r2) || actor_covers_region(ctx->actor, ROLE_REGIONAL, r2);
}

static const struct scope_rule activity_rules[] = {
	{ "national reach", ACTIVITY_NATIONAL, "1 = 1", is_national },
	{ "the adviser", 0, "a.adviser_id = ?", is_own },
	{ "the employing structure", ROLE_BIT(ROLE_EMPLOYER), "a.organisation_id IN " SCOPE_ORGS("employer"),
	    is_employer },
	{ "the pole or regional officer of either region", ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL),
	    "(a.region_code IN " SCOPE_REGIONS("pole") " OR a.region_code IN " SCOPE_REGIONS(
	        "regional") " OR a.org_region_code IN " SCOPE_REGIONS("pole") " OR a.org_region_code "
	                                                                      "IN " SCOPE_REGIONS("regional") ")",
	    covers },
};

#define NRULES (sizeof(activity_rules) / sizeof(activity_rules[0]))

const struct scope activity_scope = { "activity", "activity_reports a", "a.id", activity_rules, NRULES };
const struct scope activity_rollup_scope = { "activity_rollup", "activity_rollup a", "a.adviser_id", activity_rules,
	NRULES };
const struct scope activity_rollup_counts_scope = { "activity_rollup_counts", "activity_rollup_counts a",
	"a.adviser_id", activity_rules, NRULES };

/* ---- Vocabularies in memory (one query a call) ---- */

static const char *
vkey(struct arena *a, const char *family, const char *code)
{
	return arena_printf(a, "%s\x1f%s", family, code);
}

tr_err
activity_vocab_load(struct ctx *ctx, struct activity_vocab *v)
{
	struct db_rows *r;
	tr_err err = db_query(ctx->db, ctx->arena,
	    "SELECT family, code, label, grp, harmonised, valid_from, valid_to, in_use FROM activity_vocab ORDER BY "
	    "family, position, code",
	    NULL, 0, &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	strmap_init(&v->map, ctx->arena, r->nrows * 2 + 16);
	v->rows = r;
	for (size_t i = 0; i < r->nrows; i++) {
		struct activity_vrow *x = arena_alloc(ctx->arena, sizeof(*x));
		x->family = db_text(db_cell(r, i, 0));
		x->code = db_text(db_cell(r, i, 1));
		x->label = db_text(db_cell(r, i, 2));
		x->grp = db_text(db_cell(r, i, 3));
		x->harmonised = db_text(db_cell(r, i, 4));
		x->valid_from = db_text(db_cell(r, i, 5));
		x->valid_to = db_text(db_cell(r, i, 6));
		x->in_use = db_int(db_cell(r, i, 7)) != 0;
		strmap_put(&v->map, vkey(ctx->arena, x->family, x->code), x);
	}
	return TR_OK;
}

const struct activity_vrow *
activity_vocab_find(struct ctx *ctx, const struct activity_vocab *v, const char *family, const char *code)
{
	return code ? strmap_get(&v->map, vkey(ctx->arena, family, code)) : NULL;
}

/* The duration range (family "duration": grp is its lower bound in minutes) of MINUTES. */
const char *
activity_duration_range(const struct activity_vocab *v, int64_t minutes)
{
	const char *best = NULL;
	long long best_lo = -1;

	for (size_t i = 0; i < v->rows->nrows; i++) {
		long long lo;
		if (strcmp(db_text(db_cell(v->rows, i, 0)), "duration") != 0 ||
		    !str_to_i64(str_c(db_text(db_cell(v->rows, i, 3))), &lo))
			continue;
		if (lo <= minutes && lo > best_lo) {
			best_lo = lo;
			best = db_text(db_cell(v->rows, i, 1));
		}
	}
	return best ? best : "";
}

/* ---- Checks ---- */

/* The value of member KEY of IN as '|'-joined codes (from an array of strings or a string), or NULL. */
static const char *
codes_text(struct arena *a, json_t *v)
{
	const char *s = "";
	size_t i;
	json_t *x;

	if (json_is_string(v))
		return json_string_value(v);
	if (!json_is_array(v))
		return NULL;
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x))
			return "?";
		s = arena_printf(a, "%s%s%s", s, i ? "|" : "", json_string_value(x));
	}
	return s;
}

/* Checks each '|'-joined code of LIST against FAMILY on DATE; MULTI false allows one. */
static void
check_codes(struct ctx *ctx, const struct activity_vocab *v, struct field_errors *fe, const char *field,
    const char *family, const char *list, const char *date, bool multi)
{
	const struct field *f = entity_field(&entity_activity, field);
	int count = 0;

	if (list == NULL)
		return;
	for (char *save = NULL, *s = arena_strdup(ctx->arena, list), *c = strtok_r(s, "|", &save); c;
	     c = strtok_r(NULL, "|", &save), count++) {
		const struct activity_vrow *x = activity_vocab_find(ctx, v, family, c);
		if (x == NULL) {
			field_errors_add(fe, field,
			    arena_printf(ctx->arena, "« %s » : « %s » n'est pas un code connu.", f->label, c));
			return;
		}
		if (date && ((x->valid_from && strcmp(date, x->valid_from) < 0) ||
		                (x->valid_to && strcmp(date, x->valid_to) > 0))) {
			field_errors_add(fe, field,
			    arena_printf(ctx->arena, "« %s » : le code « %s » (%s) n'est pas en vigueur le %s.",
			        f->label, c, x->label, fr_date(ctx->arena, date)));
			return;
		}
	}
	if (!multi && count > 1)
		field_errors_add(fe, field, arena_printf(ctx->arena, "« %s » : un seul code est attendu.", f->label));
}

/* The breakdown B of IN (an object {code: n}, or "code:n|code:n") checked against PARTICIPANTS, as the
 * canonical "code:n|…" text (codes in vocabulary order, zeros left out) or NULL after an error. Absent: all
 * participants « not given ». */
static const char *
check_breakdown(struct ctx *ctx, const struct activity_vocab *v, struct field_errors *fe,
    const struct activity_breakdown *b, json_t *in, int64_t participants, const char *date)
{
	json_t *val = json_object_get(in, b->member), *obj;
	int64_t sum = 0;
	const char *out = "", *k;
	json_t *x;
	bool own = false;

	if (val == NULL || json_is_null(val) || (json_is_string(val) && *json_string_value(val) == '\0') ||
	    (json_is_object(val) && json_object_size(val) == 0))
		return arena_printf(ctx->arena, "%s:%lld", ACTIVITY_NOT_GIVEN, (long long)participants);
	if (json_is_string(val)) {
		obj = json_object();
		own = true;
		for (char *save = NULL, *s = arena_strdup(ctx->arena, json_string_value(val)),
		          *t = strtok_r(s, "|", &save);
		     t; t = strtok_r(NULL, "|", &save)) {
			char *colon = strchr(t, ':');
			long long n = -1;
			if (colon == NULL || !str_to_i64(str_c(colon + 1), &n)) {
				field_errors_add(fe, b->member,
				    arena_printf(
				        ctx->arena, "« %s » : « %s » n'est pas de la forme code:nombre.", b->label, t));
				json_decref(obj);
				return NULL;
			}
			*colon = '\0';
			json_object_set_new(obj, t, json_integer(n));
		}
	} else if (json_is_object(val)) {
		obj = val;
	} else {
		field_errors_add(
		    fe, b->member, arena_printf(ctx->arena, "« %s » doit être un objet {code: nombre}.", b->label));
		return NULL;
	}
	json_object_foreach(obj, k, x)
	{
		const struct activity_vrow *r = activity_vocab_find(ctx, v, b->family, k);
		json_int_t n = json_is_integer(x) ? json_integer_value(x) : -1;
		if (r == NULL) {
			field_errors_add(fe, b->member,
			    arena_printf(ctx->arena, "« %s » : « %s » n'est pas un code connu.", b->label, k));
			goto fail;
		}
		if ((r->valid_from && strcmp(date, r->valid_from) < 0) ||
		    (r->valid_to && strcmp(date, r->valid_to) > 0)) {
			field_errors_add(fe, b->member,
			    arena_printf(ctx->arena, "« %s » : le code « %s » n'est pas en vigueur le %s.", b->label, k,
			        fr_date(ctx->arena, date)));
			goto fail;
		}
		if (n < 0 || n > ACTIVITY_PARTICIPANTS_MAX) {
			field_errors_add(fe, b->member,
			    arena_printf(ctx->arena, "« %s » : le nombre pour « %s » doit être un entier de 0 à %d.",
			        b->label, k, ACTIVITY_PARTICIPANTS_MAX));
			goto fail;
		}
		sum += n;
	}
	if (sum != participants) {
		field_errors_add(fe, b->member,
		    arena_printf(ctx->arena,
		        "« %s » : la somme (%lld) doit être égale au nombre de participants (%lld) ; comptez le reste "
		        "dans « Non communiqué ».",
		        b->label, (long long)sum, (long long)participants));
		goto fail;
	}
	for (size_t i = 0; i < v->rows->nrows; i++) {
		const char *code = db_text(db_cell(v->rows, i, 1));
		json_t *n;
		if (strcmp(db_text(db_cell(v->rows, i, 0)), b->family) != 0)
			continue;
		n = json_object_get(obj, code);
		if (n && json_integer_value(n) > 0)
			out = arena_printf(
			    ctx->arena, "%s%s%s:%lld", out, *out ? "|" : "", code, (long long)json_integer_value(n));
	}
	if (own)
		json_decref(obj);
	return out;
fail:
	if (own)
		json_decref(obj);
	return NULL;
}

/* The département and region of commune CODE, cached in C. */
static tr_err
commune_of(struct ctx *ctx, struct activity_cache *c, const char *code, const char **dep, const char **region)
{
	const char **hit = strmap_get(&c->communes, code);
	struct db_rows *r;
	tr_err err;

	if (hit == NULL) {
		err = db_onev(ctx->db, ctx->arena, "SELECT departement_code, region_code FROM communes WHERE code = ?",
		    &r, DB_TEXT(code));
		if (err == TR_NOT_FOUND)
			return err;
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		hit = arena_alloc(ctx->arena, 2 * sizeof(*hit));
		hit[0] = db_text(db_cell(r, 0, 0));
		hit[1] = db_text(db_cell(r, 0, 1));
		strmap_put(&c->communes, code, hit);
	}
	*dep = hit[0];
	*region = hit[1];
	return TR_OK;
}

void
activity_cache_init(struct ctx *ctx, struct activity_cache *c)
{
	strmap_init(&c->communes, ctx->arena, 64);
	strmap_init(&c->advisers, ctx->arena, 16);
	c->today = date_iso(ctx->arena, ctx->now);
	c->first_day = "2013-09-14";
	c->window_days = 90;
	c->owned = NULL;
}

tr_err
activity_settings_load(struct ctx *ctx, struct activity_cache *c)
{
	struct db_rows *r;
	tr_err err = db_query(ctx->db, ctx->arena,
	    "SELECT key, value FROM settings WHERE key IN ('activity_edit_window_days', 'activity_first_day')", NULL, 0,
	    &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < r->nrows; i++) {
		long long n;
		if (strcmp(db_text(db_cell(r, i, 0)), "activity_first_day") == 0)
			c->first_day = db_text(db_cell(r, i, 1));
		else if (str_to_i64(str_c(db_text(db_cell(r, i, 1))), &n))
			c->window_days = n;
	}
	return TR_OK;
}

tr_err
activity_check(struct ctx *ctx, const struct activity_vocab *v, struct activity_cache *cache, json_t *in,
    struct field_errors *fe, json_t **clean)
{
	json_t *norm = json_deep_copy(in), *c = NULL;
	static const char *const multi[] = { "themes", "equipment", "followups" };
	const char *date, *place_id, *commune, *dep = NULL, *region = NULL;
	int64_t participants, already;
	tr_err err;

	*clean = NULL;
	if (!json_is_object(in)) {
		json_decref(norm);
		field_errors_add(fe, "", "Chaque compte rendu doit être un objet JSON.");
		return TR_INVALID;
	}
	for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		json_t *x = json_object_get(in, multi[i]);
		if (json_is_array(x))
			json_object_set_new(norm, multi[i], json_string(codes_text(ctx->arena, x)));
	}
	if (entity_validate(&entity_activity, norm, false, ctx->arena, fe, &c) != TR_OK && fe->n == 0)
		field_errors_add(fe, "", "Ce compte rendu n'est pas valide.");
	json_decref(norm);
	date = json_str(c, "session_on");
	if (date && strcmp(date, cache->today) > 0)
		field_errors_add(fe, "session_on",
		    arena_printf(
		        ctx->arena, "« Date de la séance » : le %s est dans le futur.", fr_date(ctx->arena, date)));
	else if (date && strcmp(date, cache->first_day) < 0)
		field_errors_add(fe, "session_on",
		    arena_printf(ctx->arena, "« Date de la séance » : le %s précède le début du dispositif (%s).",
		        fr_date(ctx->arena, date), fr_date(ctx->arena, cache->first_day)));
	if (fe->n) {
		*clean = c;
		return TR_INVALID;
	}
	check_codes(ctx, v, fe, "type", "type", json_str(c, "type"), date, false);
	check_codes(ctx, v, fe, "place_kind", "place", json_str(c, "place_kind"), date, false);
	check_codes(ctx, v, fe, "themes", "theme", json_str(c, "themes"), date, true);
	check_codes(ctx, v, fe, "equipment", "equipment", json_str(c, "equipment"), date, true);
	check_codes(ctx, v, fe, "autonomy", "autonomy", json_str(c, "autonomy"), date, false);
	check_codes(ctx, v, fe, "workshop_level", "level", json_str(c, "workshop_level"), date, false);
	check_codes(ctx, v, fe, "followups", "followup", json_str(c, "followups"), date, true);
	check_codes(ctx, v, fe, "redirect_kind", "redirect", json_str(c, "redirect_kind"), date, false);
	participants = json_integer_value(json_object_get(c, "participants"));
	already = json_integer_value(json_object_get(c, "already"));
	if (already > participants)
		field_errors_add(fe, "already",
		    arena_printf(ctx->arena,
		        "« Dont déjà accompagnés » (%lld) ne peut pas dépasser le nombre de participants (%lld).",
		        (long long)already, (long long)participants));
	for (size_t i = 0; i < 3; i++) {
		const char *t = check_breakdown(ctx, v, fe, &activity_breakdowns[i], in, participants, date);
		if (t)
			json_object_set_new(c, activity_breakdowns[i].member, json_string(t));
	}
	/* Where the session took place: a place of the directory gives its commune; else the commune given. */
	place_id = json_str(c, "place_id");
	commune = json_str(c, "commune_code");
	if (place_id) {
		struct db_rows *r;
		err = db_onev(ctx->db, ctx->arena, "SELECT code_insee FROM places WHERE id = ?", &r, DB_TEXT(place_id));
		if (err == TR_NOT_FOUND)
			field_errors_add(fe, "place_id",
			    arena_printf(ctx->arena, "« Lieu de l'annuaire » : « %s » n'est pas un lieu de l'annuaire.",
			        place_id));
		else if (err != TR_OK)
			goto fail;
		else if (!commune && db_text(db_cell(r, 0, 0)))
			commune = db_text(db_cell(r, 0, 0));
	}
	if (commune == NULL && !fe->n)
		field_errors_add(fe, "commune_code",
		    "« Commune de la séance (code INSEE) » est obligatoire quand la séance n'a pas lieu dans un lieu "
		    "de "
		    "l'annuaire.");
	else if (commune) {
		err = commune_of(ctx, cache, commune, &dep, &region);
		if (err == TR_NOT_FOUND)
			field_errors_add(fe, "commune_code",
			    arena_printf(ctx->arena,
			        "« Commune de la séance (code INSEE) » : « %s » n'est pas le code d'une commune.",
			        commune));
		else if (err != TR_OK)
			goto fail;
		else {
			json_object_set_new(c, "commune_code", json_string(commune));
			json_object_set_new(c, "departement_code", json_string(dep));
			json_object_set_new(c, "region_code", json_string(region));
		}
	}
	*clean = c;
	return fe->n ? TR_INVALID : TR_OK;
fail:
	json_decref(c);
	return ctx_storage_error(ctx, err);
}

/* ---- Advisers ---- */

tr_err
activity_adviser_org(struct ctx *ctx, int64_t person_id, int64_t *org_id)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT organisation_id FROM contracts WHERE candidate_id = ? AND state IN ('planned', 'active', "
	    "'suspended') ORDER BY id DESC LIMIT 1",
	    &r, DB_I64(person_id));

	if (err == TR_NOT_FOUND)
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT organisation_id FROM activity_mediators WHERE person_id = ? ORDER BY organisation_id LIMIT "
		    "1",
		    &r, DB_I64(person_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Seuls les conseillers (une recrue sous contrat, ou un membre d'une structure déclaré médiateur) "
		    "rédigent des comptes rendus d'activité.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*org_id = db_int(db_cell(r, 0, 0));
	return TR_OK;
}

/* The adviser's structure and its territory, cached: sets organisation_id and org_* members of C. */
static tr_err
adviser_fill(struct ctx *ctx, struct activity_cache *cache, int64_t adviser, json_t *c)
{
	const char *key = arena_printf(ctx->arena, "%lld", (long long)adviser);
	json_t *hit = strmap_get(&cache->advisers, key);
	int64_t org = 0;
	struct db_rows *r;
	tr_err err;

	if (hit == NULL) {
		if ((err = activity_adviser_org(ctx, adviser, &org)) != TR_OK)
			return err;
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT COALESCE(o.commune_code, ''), COALESCE(c.departement_code, ''), COALESCE(c.region_code, "
		    "'') "
		    "FROM organisations o LEFT JOIN communes c ON c.code = o.commune_code WHERE o.id = ?",
		    &r, DB_I64(org));
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		hit = json_pack("{s:I, s:I, s:s, s:s, s:s}", "adviser_id", (json_int_t)adviser, "organisation_id",
		    (json_int_t)org, "org_commune_code", db_text(db_cell(r, 0, 0)), "org_departement_code",
		    db_text(db_cell(r, 0, 1)), "org_region_code", db_text(db_cell(r, 0, 2)));
		strmap_put(&cache->advisers, key, hit);
		if (cache->owned == NULL)
			cache->owned = json_array();
		json_array_append_new(cache->owned, hit);
	}
	json_object_update(c, hit);
	return TR_OK;
}

void
activity_cache_free(struct activity_cache *c)
{
	json_decref(c->owned);
	c->owned = NULL;
}

/* ---- Rollups ---- */

struct cell {
	const char *key; /* the primary key's values joined by \x1f */
	json_t *row;     /* the key's and territories' columns */
	int64_t reports, participants, already, minutes;
};

struct count {
	const char *key;
	struct cell *cell;
	const char *dim, *code;
	int64_t n;
};

void
activity_acc_init(struct ctx *ctx, struct activity_acc *acc)
{
	acc->arena = ctx->arena;
	strmap_init(&acc->cells, ctx->arena, 64);
	strmap_init(&acc->counts, ctx->arena, 256);
	acc->rows = json_array();
}

void
activity_acc_free(struct activity_acc *acc)
{
	json_decref(acc->rows);
	acc->rows = NULL;
}

static const char *
s_of(json_t *o, const char *k)
{
	const char *s = json_str(o, k);
	return s ? s : "";
}

static int64_t
i_of(json_t *o, const char *k)
{
	json_t *x = json_object_get(o, k);
	long long n = 0;

	if (json_is_integer(x))
		return json_integer_value(x);
	if (json_is_string(x) && str_to_i64(str_c(json_string_value(x)), &n))
		return n;
	return 0;
}

static void
count_add(struct activity_acc *acc, struct cell *cell, const char *dim, const char *code, int64_t n)
{
	const char *key;
	struct count *x;

	if (n == 0 || code == NULL || *code == '\0')
		return;
	key = arena_printf(acc->arena, "%s\x1f%s\x1f%s", cell->key, dim, code);
	x = strmap_get(&acc->counts, key);
	if (x == NULL) {
		x = arena_alloc(acc->arena, sizeof(*x));
		memset(x, 0, sizeof(*x));
		x->key = key;
		x->cell = cell;
		x->dim = arena_strdup(acc->arena, dim);
		x->code = arena_strdup(acc->arena, code);
		strmap_put(&acc->counts, key, x);
	}
	x->n += n;
}

/* Adds SIGN × each code of the '|'-joined LIST to DIM. */
static void
codes_add(struct activity_acc *acc, struct cell *cell, const char *dim, const char *list, int64_t sign)
{
	if (list == NULL || *list == '\0')
		return;
	for (char *save = NULL, *s = arena_strdup(acc->arena, list), *c = strtok_r(s, "|", &save); c;
	     c = strtok_r(NULL, "|", &save))
		count_add(acc, cell, dim, c, sign);
}

/* Adds SIGN × the "code:n|…" breakdown LIST to DIM. */
static void
breakdown_add(struct activity_acc *acc, struct cell *cell, const char *dim, const char *list, int64_t sign)
{
	if (list == NULL || *list == '\0')
		return;
	for (char *save = NULL, *s = arena_strdup(acc->arena, list), *c = strtok_r(s, "|", &save); c;
	     c = strtok_r(NULL, "|", &save)) {
		char *colon = strchr(c, ':');
		long long n = 0;
		if (colon && str_to_i64(str_c(colon + 1), &n)) {
			*colon = '\0';
			count_add(acc, cell, dim, c, sign * n);
		}
	}
}

void
activity_acc_add(struct activity_acc *acc, const struct activity_vocab *v, json_t *r, int64_t sign)
{
	const char *key = arena_printf(acc->arena, "%s\x1f%lld\x1f%lld\x1f%s\x1f%s\x1f%s", s_of(r, "session_on"),
	    (long long)i_of(r, "adviser_id"), (long long)i_of(r, "organisation_id"), s_of(r, "commune_code"),
	    s_of(r, "type"), s_of(r, "org_commune_code"));
	struct cell *cell = strmap_get(&acc->cells, key);

	acc->vocab = v;
	if (cell == NULL) {
		cell = arena_alloc(acc->arena, sizeof(*cell));
		memset(cell, 0, sizeof(*cell));
		cell->key = key;
		cell->row = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "day",
		    s_of(r, "session_on"), "adviser_id", (json_int_t)i_of(r, "adviser_id"), "organisation_id",
		    (json_int_t)i_of(r, "organisation_id"), "commune_code", s_of(r, "commune_code"), "type",
		    s_of(r, "type"), "org_commune_code", s_of(r, "org_commune_code"), "departement_code",
		    s_of(r, "departement_code"), "region_code", s_of(r, "region_code"), "org_departement_code",
		    s_of(r, "org_departement_code"), "org_region_code", s_of(r, "org_region_code"));
		json_array_append_new(acc->rows, cell->row);
		strmap_put(&acc->cells, key, cell);
	}
	cell->reports += sign;
	cell->participants += sign * i_of(r, "participants");
	cell->already += sign * i_of(r, "already");
	cell->minutes += sign * i_of(r, "duration_min");
	breakdown_add(acc, cell, "gender", s_of(r, "genders"), sign);
	breakdown_add(acc, cell, "age", s_of(r, "ages"), sign);
	breakdown_add(acc, cell, "status", s_of(r, "statuses"), sign);
	codes_add(acc, cell, "theme", s_of(r, "themes"), sign);
	codes_add(acc, cell, "equipment", s_of(r, "equipment"), sign);
	codes_add(acc, cell, "followup", s_of(r, "followups"), sign);
	count_add(acc, cell, "place", s_of(r, "place_kind"), sign);
	count_add(acc, cell, "autonomy", s_of(r, "autonomy"), sign);
	count_add(acc, cell, "level", s_of(r, "workshop_level"), sign);
	count_add(acc, cell, "redirect", s_of(r, "redirect_kind"), sign);
	count_add(acc, cell, "duration", activity_duration_range(v, i_of(r, "duration_min")), sign);
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

/* The values of M sorted by their key (each value starts with its key pointer), in A. */
static void **
sorted_values(struct arena *a, const struct strmap *m, size_t *n)
{
	void **out = arena_alloc(a, (m->n ? m->n : 1) * sizeof(*out));

	*n = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			out[(*n)++] = m->slots[i].value;
	qsort(out, *n, sizeof(*out), cmp_key);
	return out;
}

#define CELL_KEY_PARAMS(c)                                                                                       \
	DB_TEXT(json_str((c)->row, "day")), DB_I64(json_integer_value(json_object_get((c)->row, "adviser_id"))), \
	    DB_I64(json_integer_value(json_object_get((c)->row, "organisation_id"))),                            \
	    DB_TEXT(json_str((c)->row, "commune_code")), DB_TEXT(json_str((c)->row, "type")),                    \
	    DB_TEXT(json_str((c)->row, "org_commune_code"))
#define CELL_TERRITORY_PARAMS(c)                                                                     \
	DB_TEXT(json_str((c)->row, "departement_code")), DB_TEXT(json_str((c)->row, "region_code")), \
	    DB_TEXT(json_str((c)->row, "org_departement_code")), DB_TEXT(json_str((c)->row, "org_region_code"))
#define CELL_WHERE                                                                                                     \
	"day = ? AND adviser_id = ? AND organisation_id = ? AND commune_code = ? AND type = ? AND org_commune_code = " \
	"?"

#define CELL_COLUMNS                                                                                              \
	"day, adviser_id, organisation_id, commune_code, type, org_commune_code, departement_code, region_code, " \
	"org_departement_code, org_region_code"
#define CELL_CONFLICT "ON CONFLICT (day, adviser_id, organisation_id, commune_code, type, org_commune_code) "
#define CELL_NCOLS 14
#define COUNT_NCOLS 13
/* Rows a multi-row upsert writes at most: chunks of 64, 32, … 1, so that each table has seven statement texts. */
#define CHUNK_MAX 64

/* "(?, …, ?), (…)": K rows of NCOLS placeholders, in A. */
static const char *
placeholders(struct arena *a, size_t k, size_t ncols)
{
	struct buf b = BUF_INIT(0);
	const char *out;

	for (size_t r = 0; r < k; r++) {
		if (buf_puts(&b, r ? ", (" : "(") != TR_OK)
			break;
		for (size_t c = 0; c < ncols; c++)
			if (buf_puts(&b, c ? ", ?" : "?") != TR_OK)
				break;
		if (buf_putc(&b, ')') != TR_OK)
			break;
	}
	out = arena_strndup(a, buf_str(&b).p, buf_str(&b).n);
	buf_free(&b);
	return out;
}

static void
cell_params(struct db_val *p, const struct cell *c)
{
	const struct db_val v[] = { CELL_KEY_PARAMS(c), CELL_TERRITORY_PARAMS(c) };

	memcpy(p, v, sizeof(v));
}

/* The largest chunk (a power of two up to CHUNK_MAX) not over N. */
static size_t
chunk_of(size_t n)
{
	size_t k = CHUNK_MAX;

	while (k > n)
		k /= 2;
	return k;
}

/* The national level of ACC's deltas: cells summed by day × type ("day\x1ftype" → struct cell with only day and
 * type), counts by day × type × family × code (→ struct count whose cell is the national cell). */
static void
national_of(struct arena *a, struct activity_acc *acc, struct strmap *cells, struct strmap *counts)
{
	strmap_init(cells, a, 64);
	strmap_init(counts, a, 256);
	for (size_t i = 0; i < acc->cells.cap; i++) {
		struct cell *c = acc->cells.slots[i].value, *x;
		const char *key;
		if (acc->cells.slots[i].key == NULL)
			continue;
		key = arena_printf(a, "%s\x1f%s", json_str(c->row, "day"), json_str(c->row, "type"));
		if ((x = strmap_get(cells, key)) == NULL) {
			x = arena_alloc(a, sizeof(*x));
			memset(x, 0, sizeof(*x));
			x->key = key;
			x->row = c->row; /* day and type are read from it */
			strmap_put(cells, key, x);
		}
		x->reports += c->reports;
		x->participants += c->participants;
		x->already += c->already;
		x->minutes += c->minutes;
	}
	for (size_t i = 0; i < acc->counts.cap; i++) {
		struct count *c = acc->counts.slots[i].value, *x;
		const char *ck, *key;
		if (acc->counts.slots[i].key == NULL)
			continue;
		ck = arena_printf(a, "%s\x1f%s", json_str(c->cell->row, "day"), json_str(c->cell->row, "type"));
		key = arena_printf(a, "%s\x1f%s\x1f%s", ck, c->dim, c->code);
		if ((x = strmap_get(counts, key)) == NULL) {
			x = arena_alloc(a, sizeof(*x));
			memset(x, 0, sizeof(*x));
			x->key = key;
			x->cell = strmap_get(cells, ck);
			x->dim = c->dim;
			x->code = c->code;
			strmap_put(counts, key, x);
		}
		x->n += c->n;
	}
}

/* Writes the national level of ACC's deltas. */
static tr_err
national_flush(struct ctx *ctx, struct activity_acc *acc)
{
	struct strmap cells, counts;
	struct db_val p[CHUNK_MAX * 6];
	void **all;
	size_t n, live = 0;
	tr_err err = TR_OK;

	national_of(ctx->arena, acc, &cells, &counts);
	all = sorted_values(ctx->arena, &cells, &n);
	for (size_t i = 0; i < n; i++)
		if (((struct cell *)all[i])->reports || ((struct cell *)all[i])->participants ||
		    ((struct cell *)all[i])->minutes || ((struct cell *)all[i])->already)
			all[live++] = all[i];
	for (size_t i = 0; i < live && err == TR_OK;) {
		size_t k = chunk_of(live - i), np = 0;
		for (size_t r = 0; r < k; r++, i++) {
			struct cell *c = all[i];
			p[np++] = DB_TEXT(json_str(c->row, "day"));
			p[np++] = DB_TEXT(json_str(c->row, "type"));
			p[np++] = DB_I64(c->reports);
			p[np++] = DB_I64(c->participants);
			p[np++] = DB_I64(c->already);
			p[np++] = DB_I64(c->minutes);
		}
		err = db_exec(ctx->db,
		    arena_printf(ctx->arena,
		        "INSERT INTO activity_rollup_national (day, type, reports, participants, already, minutes) "
		        "VALUES %s "
		        "ON CONFLICT (day, type) DO UPDATE SET reports = activity_rollup_national.reports + "
		        "excluded.reports, "
		        "participants = activity_rollup_national.participants + excluded.participants, already = "
		        "activity_rollup_national.already + excluded.already, minutes = "
		        "activity_rollup_national.minutes + "
		        "excluded.minutes",
		        placeholders(ctx->arena, k, 6)),
		    p, np, NULL);
	}
	for (size_t i = 0; i < live && err == TR_OK; i++)
		if (((struct cell *)all[i])->reports < 0)
			err = db_execv(ctx->db,
			    "DELETE FROM activity_rollup_national WHERE day = ? AND type = ? AND reports = 0", NULL,
			    DB_TEXT(json_str(((struct cell *)all[i])->row, "day")),
			    DB_TEXT(json_str(((struct cell *)all[i])->row, "type")));
	all = sorted_values(ctx->arena, &counts, &n);
	live = 0;
	for (size_t i = 0; i < n; i++)
		if (((struct count *)all[i])->n != 0)
			all[live++] = all[i];
	for (size_t i = 0; i < live && err == TR_OK;) {
		size_t k = chunk_of(live - i), np = 0;
		for (size_t r = 0; r < k; r++, i++) {
			struct count *c = all[i];
			p[np++] = DB_TEXT(json_str(c->cell->row, "day"));
			p[np++] = DB_TEXT(json_str(c->cell->row, "type"));
			p[np++] = DB_TEXT(c->dim);
			p[np++] = DB_TEXT(c->code);
			p[np++] = DB_I64(c->n);
		}
		err = db_exec(ctx->db,
		    arena_printf(ctx->arena,
		        "INSERT INTO activity_rollup_national_counts (day, type, dim, code, n) VALUES %s ON CONFLICT "
		        "(day, "
		        "type, dim, code) DO UPDATE SET n = activity_rollup_national_counts.n + excluded.n",
		        placeholders(ctx->arena, k, 5)),
		    p, np, NULL);
	}
	for (size_t i = 0; i < live && err == TR_OK; i++) {
		struct count *c = all[i];
		if (c->n < 0)
			err = db_execv(ctx->db,
			    "DELETE FROM activity_rollup_national_counts WHERE day = ? AND type = ? AND dim = ? AND "
			    "code = ? AND "
			    "n = 0",
			    NULL, DB_TEXT(json_str(c->cell->row, "day")), DB_TEXT(json_str(c->cell->row, "type")),
			    DB_TEXT(c->dim), DB_TEXT(c->code));
	}
	return err;
}

/* Marks code CODE of FAMILY in use when the vocabulary read for this call says it is not yet. */
static tr_err
mark_in_use(struct ctx *ctx, struct activity_acc *acc, const char *family, const char *code)
{
	struct activity_vrow *x;

	if (acc->vocab == NULL || code == NULL)
		return TR_OK;
	x = strmap_get(&acc->vocab->map, arena_printf(ctx->arena, "%s\x1f%s", family, code));
	if (x == NULL || x->in_use)
		return TR_OK;
	x->in_use = true;
	return db_execv(ctx->db, "UPDATE activity_vocab SET in_use = 1 WHERE family = ? AND code = ? AND in_use = 0",
	    NULL, DB_TEXT(family), DB_TEXT(code));
}

tr_err
activity_acc_flush(struct ctx *ctx, struct activity_acc *acc)
{
	struct db_val p[CHUNK_MAX * CELL_NCOLS];
	size_t n, live = 0, ncells;
	void **all = sorted_values(ctx->arena, &acc->cells, &n);
	struct cell **cells = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*cells));
	struct count **counts;
	tr_err err = TR_OK;

	/* Keys in one order in every transaction, so that two batches on PostgreSQL never wait on each other in a
	 * cycle; several rows a statement. */
	for (size_t i = 0; i < n; i++) {
		struct cell *c = all[i];
		if (c->reports || c->participants || c->already || c->minutes)
			cells[live++] = c;
	}
	for (size_t i = 0; i < live && err == TR_OK;) {
		size_t k = chunk_of(live - i), np = 0;
		for (size_t r = 0; r < k; r++, i++) {
			cell_params(&p[np], cells[i]);
			np += 10;
			p[np++] = DB_I64(cells[i]->reports);
			p[np++] = DB_I64(cells[i]->participants);
			p[np++] = DB_I64(cells[i]->already);
			p[np++] = DB_I64(cells[i]->minutes);
		}
		err = db_exec(ctx->db,
		    arena_printf(ctx->arena,
		        "INSERT INTO activity_rollup (" CELL_COLUMNS
		        ", reports, participants, already, minutes) VALUES "
		        "%s " CELL_CONFLICT "DO UPDATE SET reports = activity_rollup.reports + excluded.reports, "
		        "participants = activity_rollup.participants + excluded.participants, already = "
		        "activity_rollup.already + excluded.already, minutes = activity_rollup.minutes + "
		        "excluded.minutes",
		        placeholders(ctx->arena, k, CELL_NCOLS)),
		    p, np, NULL);
	}
	for (size_t i = 0; i < live && err == TR_OK; i++)
		if (cells[i]->reports < 0)
			err = db_execv(ctx->db, "DELETE FROM activity_rollup WHERE " CELL_WHERE " AND reports = 0",
			    NULL, CELL_KEY_PARAMS(cells[i]));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	ncells = live;
	all = sorted_values(ctx->arena, &acc->counts, &n);
	counts = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*counts));
	live = 0;
	for (size_t i = 0; i < n; i++)
		if (((struct count *)all[i])->n != 0)
			counts[live++] = all[i];
	for (size_t i = 0; i < live && err == TR_OK;) {
		size_t k = chunk_of(live - i), np = 0;
		for (size_t r = 0; r < k; r++, i++) {
			cell_params(&p[np], counts[i]->cell);
			np += 10;
			p[np++] = DB_TEXT(counts[i]->dim);
			p[np++] = DB_TEXT(counts[i]->code);
			p[np++] = DB_I64(counts[i]->n);
		}
		err = db_exec(ctx->db,
		    arena_printf(ctx->arena,
		        "INSERT INTO activity_rollup_counts (" CELL_COLUMNS
		        ", dim, code, n) VALUES %s ON CONFLICT (day, "
		        "adviser_id, organisation_id, commune_code, type, org_commune_code, dim, code) DO UPDATE SET n "
		        "= "
		        "activity_rollup_counts.n + excluded.n",
		        placeholders(ctx->arena, k, COUNT_NCOLS)),
		    p, np, NULL);
	}
	for (size_t i = 0; i < live && err == TR_OK; i++)
		if (counts[i]->n < 0)
			err = db_execv(ctx->db,
			    "DELETE FROM activity_rollup_counts WHERE " CELL_WHERE
			    " AND dim = ? AND code = ? AND n = 0",
			    NULL, CELL_KEY_PARAMS(counts[i]->cell), DB_TEXT(counts[i]->dim), DB_TEXT(counts[i]->code));
	if (err == TR_OK)
		err = national_flush(ctx, acc);
	/* The codes used for the first time are marked in use (never deleted from then on). */
	for (size_t i = 0; i < live && err == TR_OK; i++)
		if (counts[i]->n > 0)
			err = mark_in_use(ctx, acc, counts[i]->dim, counts[i]->code);
	for (size_t i = 0; i < ncells && err == TR_OK; i++)
		if (cells[i]->reports > 0)
			err = mark_in_use(ctx, acc, "type", json_str(cells[i]->row, "type"));
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

/* ---- Reports ---- */

#define REPORT_COLUMNS                                                                                       \
	"a.id, a.adviser_id, a.organisation_id, a.source, a.source_id, a.session_on, a.type, a.place_kind, " \
	"a.place_id, a.commune_code, a.departement_code, a.region_code, a.org_commune_code, "                \
	"a.org_departement_code, a.org_region_code, a.duration_min, a.participants, a.already, a.genders, "  \
	"a.ages, a.statuses, a.themes, a.equipment, a.autonomy, a.workshop_title, a.workshop_level, "        \
	"a.followups, a.redirect_kind, a.redirect_body, a.notes, a.deleted_at, a.created_at, a.updated_at, " \
	"a.version"
#define REPORT_SELECT                                                                                              \
	"SELECT " REPORT_COLUMNS ", p.name AS adviser_name, o.name AS organisation_name, cm.name AS commune_name " \
	"FROM activity_reports a JOIN people p ON p.id = a.adviser_id JOIN organisations o ON o.id = "             \
	"a.organisation_id LEFT JOIN communes cm ON cm.code = a.commune_code "

/* The "code:n|…" text S as an object {code: n}. */
static json_t *
breakdown_json(struct arena *a, const char *s)
{
	json_t *o = json_object();

	for (char *save = NULL, *t = strtok_r(arena_strdup(a, s ? s : ""), "|", &save); t;
	     t = strtok_r(NULL, "|", &save)) {
		char *colon = strchr(t, ':');
		long long n = 0;
		if (colon && str_to_i64(str_c(colon + 1), &n)) {
			*colon = '\0';
			json_object_set_new(o, t, json_integer(n));
		}
	}
	return o;
}

/* A report row as the pages and the API show it: breakdowns as objects, labels, can_edit; notes only for
 * the adviser. */
void
activity_decorate(struct ctx *ctx, const struct activity_vocab *v, const struct activity_cache *cache, json_t *o)
{
	bool mine = ctx->actor && i_of(o, "adviser_id") == ctx->actor->person_id;
	const char *date = s_of(o, "session_on");
	static const struct {
		const char *field, *family;
	} labels[] = { { "type", "type" }, { "place_kind", "place" }, { "themes", "theme" },
		{ "equipment", "equipment" }, { "autonomy", "autonomy" }, { "workshop_level", "level" },
		{ "followups", "followup" }, { "redirect_kind", "redirect" } };

	for (size_t i = 0; i < 3; i++)
		json_object_set_new(o, activity_breakdowns[i].member,
		    breakdown_json(ctx->arena, s_of(o, activity_breakdowns[i].member)));
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		const char *list = json_str(o, labels[i].field), *text = "";
		if (list == NULL)
			continue;
		for (char *save = NULL, *t = strtok_r(arena_strdup(ctx->arena, list), "|", &save); t;
		     t = strtok_r(NULL, "|", &save)) {
			const struct activity_vrow *x = activity_vocab_find(ctx, v, labels[i].family, t);
			text = arena_printf(ctx->arena, "%s%s%s", text, *text ? ", " : "", x ? x->label : t);
		}
		json_object_set_new(o, arena_printf(ctx->arena, "%s_label", labels[i].field), json_string(text));
	}
	if (!mine)
		json_object_del(o, "notes");
	json_object_set_new(o, "can_edit",
	    json_boolean(
	        json_is_null(json_object_get(o, "deleted_at")) &&
	        ((mine && strcmp(date, date_add(ctx->arena, cache->today, 0, -(int)cache->window_days)) >= 0) ||
	            actor_has(ctx->actor, ROLE_ADMIN))));
}

/* Loads report ID (deleted or not) through the scope. */
static tr_err
load(struct ctx *ctx, int64_t id, json_t **out)
{
	return scope_load(
	    ctx, &activity_scope, REPORT_SELECT "WHERE a.id = ?", id, "Ce compte rendu d'activité n'existe pas.", out);
}

tr_err
activity_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct activity_vocab v;
	struct activity_cache cache;
	tr_err err;

	activity_cache_init(ctx, &cache);
	if ((err = load(ctx, id, out)) != TR_OK)
		return err;
	if ((err = activity_vocab_load(ctx, &v)) != TR_OK || (err = activity_settings_load(ctx, &cache)) != TR_OK) {
		json_decref(*out);
		*out = NULL;
		return err;
	}
	activity_decorate(ctx, &v, &cache, *out);
	return TR_OK;
}

/* The extra columns of an INSERT after the entity's fields. */
#define INSERT_EXTRA_COLUMNS                                                                                     \
	"adviser_id, organisation_id, source, source_id, raw, departement_code, region_code, org_commune_code, " \
	"org_departement_code, org_region_code, genders, ages, statuses, batch_id, created_at, updated_at"
#define INSERT_EXTRA_VALUES "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

tr_err
activity_insert(struct ctx *ctx, json_t *c, const char *source, const char *source_id, const char *raw,
    int64_t batch_id, int64_t *id)
{
	struct db_rows *r;
	tr_err err;

	if (source_id) {
		err = db_onev(ctx->db, ctx->arena,
		    "INSERT INTO activity_sources (source, source_id, created_at) VALUES (?, ?, ?) ON CONFLICT "
		    "(source, "
		    "source_id) DO NOTHING RETURNING source",
		    &r, DB_TEXT(source), DB_TEXT(source_id), DB_I64(ctx->now));
		if (err != TR_OK)
			return err;
	}
	return record_insertv(ctx, &entity_activity, "activity_reports", c, INSERT_EXTRA_COLUMNS, INSERT_EXTRA_VALUES,
	    NULL, id, DB_I64(i_of(c, "adviser_id")), DB_I64(i_of(c, "organisation_id")), DB_TEXT(source),
	    DB_TEXT(source_id), DB_TEXT(raw), DB_TEXT(json_str(c, "departement_code")),
	    DB_TEXT(json_str(c, "region_code")), DB_TEXT(s_of(c, "org_commune_code")),
	    DB_TEXT(s_of(c, "org_departement_code")), DB_TEXT(s_of(c, "org_region_code")), DB_TEXT(s_of(c, "genders")),
	    DB_TEXT(s_of(c, "ages")), DB_TEXT(s_of(c, "statuses")), batch_id ? DB_I64(batch_id) : DB_NULLV,
	    DB_I64(ctx->now), DB_I64(ctx->now));
}

/* The vocabularies into *V, and *CACHE set up with the settings: what reading or writing reports needs. */
static tr_err
vocab_and_settings(struct ctx *ctx, struct activity_vocab *v, struct activity_cache *cache)
{
	tr_err err;

	activity_cache_init(ctx, cache);
	if ((err = activity_vocab_load(ctx, v)) != TR_OK)
		return err;
	return activity_settings_load(ctx, cache);
}

/* The journal's view of a report: its fields without the private notes. */
static json_t *
journal_view(json_t *c)
{
	json_t *o = json_deep_copy(c);

	json_object_del(o, "notes");
	return o;
}

tr_err
activity_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	struct activity_vocab v;
	struct activity_cache cache;
	struct activity_acc acc = { 0 };
	json_t *c = NULL, *detail = NULL;
	tr_err err;

	if (ctx->actor == NULL)
		return TR_UNAUTHORIZED;
	if ((err = vocab_and_settings(ctx, &v, &cache)) != TR_OK)
		return err;
	{
		json_t *probe = json_object();
		err = adviser_fill(ctx, &cache, ctx->actor->person_id, probe);
		json_decref(probe);
		if (err != TR_OK)
			goto out_nodb;
	}
	if ((err = activity_check(ctx, &v, &cache, in, &ctx->errors, &c)) != TR_OK)
		goto out_nodb;
	TRY(adviser_fill(ctx, &cache, ctx->actor->person_id, c));
	activity_acc_init(ctx, &acc);
	TRY(tx_begin(ctx));
	TRY(activity_insert(ctx, c, "entry", NULL, NULL, 0, id));
	activity_acc_add(&acc, &v, c, 1);
	TRY(activity_acc_flush(ctx, &acc));
	detail = journal_view(c);
	err = journal_append(ctx, "activity", *id, "create", detail);
out:
	if (db_in_tx(ctx->db))
		err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(detail);
	json_decref(c);
	activity_acc_free(&acc);
	activity_cache_free(&cache);
	return err;
}

/* Report ID for a change by the actor: in scope, not deleted, the actor's own (or an admin), within the edit
 * window. Inside the transaction. */
static tr_err
load_for_change(struct ctx *ctx, const struct activity_cache *cache, int64_t id, int64_t version, json_t **out)
{
	tr_err err = load(ctx, id, out);
	bool mine;

	if (err != TR_OK)
		return err;
	mine = i_of(*out, "adviser_id") == ctx->actor->person_id;
	if (!json_is_null(json_object_get(*out, "deleted_at")))
		err = ctx_fail(ctx, TR_NOT_FOUND, "Ce compte rendu d'activité a été supprimé.");
	else if (!mine && !actor_has(ctx->actor, ROLE_ADMIN))
		err = ctx_fail(ctx, TR_FORBIDDEN, "Seul son conseiller modifie un compte rendu d'activité.");
	else if (mine && !actor_has(ctx->actor, ROLE_ADMIN) &&
	         strcmp(s_of(*out, "session_on"), date_add(ctx->arena, cache->today, 0, -(int)cache->window_days)) < 0)
		err = ctx_fail(ctx, TR_FORBIDDEN,
		    arena_printf(ctx->arena,
		        "Ce compte rendu date de plus de %lld jours : il ne peut plus être modifié ni supprimé.",
		        (long long)cache->window_days));
	else if (i_of(*out, "version") != version)
		err = ctx_fail(ctx, TR_CONFLICT, "Ce compte rendu a changé depuis votre lecture : rechargez la page.");
	if (err != TR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

tr_err
activity_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	struct activity_vocab v;
	struct activity_cache cache;
	struct activity_acc acc = { 0 };
	json_t *before = NULL, *c = NULL, *detail = NULL, *bv = NULL, *av = NULL;
	int64_t changed = 0;
	tr_err err;

	if (ctx->actor == NULL)
		return TR_UNAUTHORIZED;
	if ((err = vocab_and_settings(ctx, &v, &cache)) != TR_OK)
		return err;
	activity_acc_init(ctx, &acc);
	TRY(tx_begin(ctx));
	TRY(db_lock_row(ctx, "activity_reports", id));
	TRY(load_for_change(ctx, &cache, id, version, &before));
	TRY(activity_check(ctx, &v, &cache, in, &ctx->errors, &c));
	/* The report stays its adviser's and structure's as written then. */
	json_object_set(c, "adviser_id", json_object_get(before, "adviser_id"));
	json_object_set(c, "organisation_id", json_object_get(before, "organisation_id"));
	json_object_set_new(c, "org_commune_code", json_string(s_of(before, "org_commune_code")));
	json_object_set_new(c, "org_departement_code", json_string(s_of(before, "org_departement_code")));
	json_object_set_new(c, "org_region_code", json_string(s_of(before, "org_region_code")));
	TRY(record_updatev(ctx, &entity_activity, "activity_reports", c,
	    "departement_code = ?, region_code = ?, genders = ?, ages = ?, statuses = ?, updated_at = ?, version = "
	    "version + 1 WHERE id = ? AND version = ?",
	    &changed, DB_TEXT(json_str(c, "departement_code")), DB_TEXT(json_str(c, "region_code")),
	    DB_TEXT(s_of(c, "genders")), DB_TEXT(s_of(c, "ages")), DB_TEXT(s_of(c, "statuses")), DB_I64(ctx->now),
	    DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce compte rendu a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	activity_acc_add(&acc, &v, before, -1);
	activity_acc_add(&acc, &v, c, 1);
	TRY(activity_acc_flush(ctx, &acc));
	bv = journal_view(before);
	av = journal_view(c);
	detail = entity_diff(&entity_activity, bv, av);
	err = journal_append(ctx, "activity", id, "update", detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	json_decref(before);
	json_decref(c);
	json_decref(detail);
	json_decref(bv);
	json_decref(av);
	activity_acc_free(&acc);
	return err;
}

tr_err
activity_delete(struct ctx *ctx, int64_t id, int64_t version)
{
	struct activity_vocab v;
	struct activity_cache cache;
	struct activity_acc acc = { 0 };
	json_t *before = NULL, *detail = NULL;
	tr_err err;

	if (ctx->actor == NULL)
		return TR_UNAUTHORIZED;
	if ((err = vocab_and_settings(ctx, &v, &cache)) != TR_OK)
		return err;
	activity_acc_init(ctx, &acc);
	TRY(tx_begin(ctx));
	TRY(db_lock_row(ctx, "activity_reports", id));
	TRY(load_for_change(ctx, &cache, id, version, &before));
	TRY(db_execv(ctx->db,
	    "UPDATE activity_reports SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE id = ?", NULL,
	    DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(id)));
	activity_acc_add(&acc, &v, before, -1);
	TRY(activity_acc_flush(ctx, &acc));
	detail = json_pack("{s:s, s:I}", "session_on", s_of(before, "session_on"), "version", (json_int_t)version);
	err = journal_append(ctx, "activity", id, "delete", detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	json_decref(detail);
	json_decref(before);
	activity_acc_free(&acc);
	return err;
}

tr_err
activity_last(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	if (ctx->actor == NULL)
		return TR_UNAUTHORIZED;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id FROM activity_reports WHERE adviser_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id "
	    "DESC LIMIT 1",
	    &r, DB_I64(ctx->actor->person_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Vous n'avez pas encore de compte rendu.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	return activity_get(ctx, db_int(db_cell(r, 0, 0)), out);
}

static const struct list_sort activity_sorts[] = {
	{ "date", "a.session_on DESC, a.id DESC" },
	{ "date_asc", "a.session_on, a.id" },
};

static const struct list_spec activity_list_spec = { .scope = &activity_scope,
	.select = REPORT_SELECT,
	.sorts = activity_sorts,
	.nsorts = sizeof(activity_sorts) / sizeof(activity_sorts[0]) };

tr_err
activity_list(struct ctx *ctx, const struct activity_filter *f, json_t **out)
{
	struct activity_vocab v;
	struct activity_cache cache;
	struct sqlw w;
	json_t *it;
	size_t i;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = vocab_and_settings(ctx, &v, &cache)) != TR_OK)
		return err;
	scope_where(ctx, &activity_scope, &w);
	sqlw_and(&w, "a.deleted_at IS NULL AND 1 = ?", DB_I64(1));
	if (f->mine)
		sqlw_and(&w, "a.adviser_id = ?", DB_I64(ctx->actor->person_id));
	if (f->adviser_id > 0)
		sqlw_and(&w, "a.adviser_id = ?", DB_I64(f->adviser_id));
	if (f->organisation_id > 0)
		sqlw_and(&w, "a.organisation_id = ?", DB_I64(f->organisation_id));
	if (f->from && *f->from)
		sqlw_and(&w, "a.session_on >= ?", DB_TEXT(f->from));
	if (f->to && *f->to)
		sqlw_and(&w, "a.session_on <= ?", DB_TEXT(f->to));
	if ((err = list_run(ctx, &activity_list_spec, &w, NULL, f->page, f->per_page, out)) != TR_OK)
		return err;
	json_array_foreach(json_object_get(*out, "items"), i, it) activity_decorate(ctx, &v, &cache, it);
	return TR_OK;
}

/* ---- Bulk ingestion ---- */

static void
line_error(struct ctx *ctx, json_t *errors, int64_t line, const char *field, const char *message)
{
	(void)ctx;
	json_array_append_new(errors,
	    json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line, "field", field ? field : "", "message", message));
}

tr_err
activity_ingest(struct ctx *ctx, const char *source, const char *body, size_t n, bool partial, json_t **out)
{
	struct activity_vocab v;
	struct activity_cache cache;
	struct activity_acc acc = { 0 };
	char sha[SEC_SHA256_HEX];
	json_t *errors = json_array(), *lines = json_array(), *detail = NULL;
	int64_t nlines = 0, inserted = 0, unchanged = 0, rejected = 0, batch_id = 0, self = 0;
	bool on_behalf = ctx->actor == NULL || actor_has(ctx->actor, ROLE_ADMIN);
	struct db_rows *r;
	tr_err err = TR_OK;

	*out = NULL;
	if (n > ACTIVITY_BATCH_BYTES_MAX) {
		err = ctx_fail(ctx, TR_TOO_LARGE, "Un lot compte 10 Mo au plus : découpez-le.");
		goto out_nodb;
	}
	sec_sha256_hex(body, n, sha);
	if ((err = vocab_and_settings(ctx, &v, &cache)) != TR_OK)
		goto out_nodb;
	if (!on_behalf) {
		json_t *probe = json_object();
		self = ctx->actor->person_id;
		err = adviser_fill(ctx, &cache, self, probe);
		json_decref(probe);
		if (err != TR_OK)
			goto out_nodb;
	}
	/* First every line is read and checked, without writing. */
	for (const char *p = body, *end = body + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct field_errors fe = { .n = 0 };
		json_error_t jerr;
		json_t *in, *c = NULL;
		int64_t adviser;
		const char *sid;

		p += len + (nl != NULL);
		nlines++;
		if (len == 0 || (len == 1 && *(p - 1 - (nl != NULL)) == '\r'))
			continue;
		if (nlines > ACTIVITY_BATCH_LINES_MAX) {
			err = ctx_fail(ctx, TR_TOO_LARGE, "Un lot compte 10 000 lignes au plus : découpez-le.");
			goto out_nodb;
		}
		in = json_loadb(p - len - (nl != NULL), len, JSON_REJECT_DUPLICATES, &jerr);
		if (in == NULL || !json_is_object(in)) {
			line_error(ctx, errors, nlines, "",
			    in ? "La ligne doit être un objet JSON."
			       : arena_printf(ctx->arena, "JSON mal formé (colonne %d) : %s.", jerr.column, jerr.text));
			json_decref(in);
			rejected++;
			continue;
		}
		sid = json_str(in, "source_id");
		if (sid == NULL || *sid == '\0' || strlen(sid) > 200)
			field_errors_add(&fe, "source_id",
			    "« Identifiant dans la source » (source_id) est obligatoire (200 caractères au plus).");
		adviser = on_behalf ? i_of(in, "adviser_id") : self;
		if (adviser <= 0)
			field_errors_add(&fe, "adviser_id", "« Conseiller » (adviser_id) est obligatoire.");
		if (!fe.n && activity_check(ctx, &v, &cache, in, &fe, &c) == TR_OK) {
			err = adviser_fill(ctx, &cache, adviser, c);
			if (err == TR_FORBIDDEN)
				field_errors_add(&fe, "adviser_id",
				    arena_printf(ctx->arena,
				        "« Conseiller » : la personne n° %lld n'est pas un conseiller.",
				        (long long)adviser));
			else if (err != TR_OK) {
				json_decref(c);
				json_decref(in);
				goto out_nodb;
			}
			err = TR_OK;
			ctx->message = NULL;
		}
		if (fe.n) {
			for (size_t k = 0; k < fe.n; k++)
				line_error(ctx, errors, nlines, fe.items[k].field, fe.items[k].message);
			rejected++;
			json_decref(c);
			json_decref(in);
			continue;
		}
		json_object_set_new(c, "_source_id", json_string(sid));
		json_object_set_new(c, "_raw", json_string(arena_strndup(ctx->arena, p - len - (nl != NULL), len)));
		json_array_append_new(lines, c);
		json_decref(in);
	}
	if (rejected && !partial) {
		*out =
		    json_pack("{s:s, s:I, s:I, s:I, s:I, s:O}", "sha256", sha, "lines", (json_int_t)nlines, "inserted",
		        (json_int_t)0, "unchanged", (json_int_t)0, "rejected", (json_int_t)rejected, "errors", errors);
		err = ctx_fail(ctx, TR_INVALID,
		    arena_printf(ctx->arena, "%s : rien n'a été enregistré.",
		        fr_count(ctx->arena, rejected, "ligne refusée", "lignes refusées")));
		goto out_nodb;
	}
	/* Then one transaction writes the lines, their rollups, the batch and its journal entry. */
	activity_acc_init(ctx, &acc);
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO activity_batches (source, sha256, lines, inserted, unchanged, rejected, person_id, "
	    "created_at) VALUES (?, ?, ?, 0, 0, ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(source), DB_TEXT(sha), DB_I64(nlines), DB_I64(rejected),
	    ctx->actor ? DB_I64(ctx->actor->person_id) : DB_NULLV, DB_I64(ctx->now)));
	batch_id = db_int(db_cell(r, 0, 0));
	for (size_t i = 0; i < json_array_size(lines); i++) {
		json_t *c = json_array_get(lines, i);
		int64_t id = 0;
		err = activity_insert(ctx, c, source, json_str(c, "_source_id"), json_str(c, "_raw"), batch_id, &id);
		if (err == TR_NOT_FOUND) {
			unchanged++;
			continue;
		}
		TRY(err);
		inserted++;
		activity_acc_add(&acc, &v, c, 1);
	}
	err = TR_OK;
	TRY(activity_acc_flush(ctx, &acc));
	TRY(db_execv(ctx->db, "UPDATE activity_batches SET inserted = ?, unchanged = ? WHERE id = ?", NULL,
	    DB_I64(inserted), DB_I64(unchanged), DB_I64(batch_id)));
	detail =
	    json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "source", source, "sha256", sha, "lines", (json_int_t)nlines,
	        "inserted", (json_int_t)inserted, "unchanged", (json_int_t)unchanged, "rejected", (json_int_t)rejected);
	TRY(journal_append(ctx, "activity_batch", batch_id, "ingest", detail));
	json_object_set_new(detail, "id", json_integer(batch_id));
	TRY(outbox_event(ctx, "activity_batch", batch_id, "ingest", detail));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	if (err == TR_OK)
		*out = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:O}", "batch_id", (json_int_t)batch_id, "sha256", sha,
		    "lines", (json_int_t)nlines, "inserted", (json_int_t)inserted, "unchanged", (json_int_t)unchanged,
		    "rejected", (json_int_t)rejected, "errors", errors);
out_nodb:
	json_decref(detail);
	json_decref(errors);
	json_decref(lines);
	activity_acc_free(&acc);
	activity_cache_free(&cache);
	return err;
}

/* ---- CSV ---- */

static const struct export_column csv_columns[] = {
	{ "source_id", "source_id", EXPORT_TEXT },
	{ "session_on", "session_on", EXPORT_DATE },
	{ "type", "type", EXPORT_TEXT },
	{ "place_kind", "place_kind", EXPORT_TEXT },
	{ "place_id", "place_id", EXPORT_TEXT },
	{ "commune_code", "commune_code", EXPORT_TEXT },
	{ "duration_min", "duration_min", EXPORT_INT },
	{ "participants", "participants", EXPORT_INT },
	{ "already", "already", EXPORT_INT },
	{ "genders", "genders", EXPORT_TEXT },
	{ "ages", "ages", EXPORT_TEXT },
	{ "statuses", "statuses", EXPORT_TEXT },
	{ "themes", "themes", EXPORT_TEXT },
	{ "equipment", "equipment", EXPORT_TEXT },
	{ "autonomy", "autonomy", EXPORT_TEXT },
	{ "workshop_title", "workshop_title", EXPORT_TEXT },
	{ "workshop_level", "workshop_level", EXPORT_TEXT },
	{ "followups", "followups", EXPORT_TEXT },
	{ "redirect_kind", "redirect_kind", EXPORT_TEXT },
	{ "redirect_body", "redirect_body", EXPORT_TEXT },
};
#define NCSV (sizeof(csv_columns) / sizeof(csv_columns[0]))

tr_err
activity_export_csv(struct ctx *ctx, struct buf *out)
{
	struct db_rows *r;
	json_t *rows;
	tr_err err;

	if (ctx->actor == NULL)
		return TR_UNAUTHORIZED;
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT COALESCE(a.source_id, 'tremplin:' || CAST(a.id AS TEXT)) AS source_id, a.session_on, a.type, "
	    "a.place_kind, a.place_id, a.commune_code, a.duration_min, a.participants, a.already, a.genders, a.ages, "
	    "a.statuses, a.themes, a.equipment, a.autonomy, a.workshop_title, a.workshop_level, a.followups, "
	    "a.redirect_kind, a.redirect_body FROM activity_reports a WHERE a.adviser_id = ? AND a.deleted_at IS NULL "
	    "ORDER BY a.session_on, a.id",
	    &r, DB_I64(ctx->actor->person_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	rows = rows_json(r);
	err = export_csv(csv_columns, NCSV, rows, out);
	json_decref(rows);
	return err;
}

struct csv_import {
	struct ctx *ctx;
	struct buf ndjson;
	const char *names[NCSV];
	int map[64]; /* column of the file → index of csv_columns, -1: ignored */
	size_t ncols;
	bool header_seen;
	tr_err err;
};

static int
csv_row(void *ud, int64_t line, const struct str *fields, size_t n)
{
	struct csv_import *im = ud;
	json_t *o;
	char *text, sha[SEC_SHA256_HEX];
	const char *joined = "";

	(void)line;
	if (!im->header_seen) {
		im->header_seen = true;
		im->ncols = n < 64 ? n : 64;
		for (size_t i = 0; i < im->ncols; i++) {
			im->map[i] = -1;
			for (size_t k = 0; k < NCSV; k++)
				if (str_eq_c(fields[i], csv_columns[k].key))
					im->map[i] = (int)k;
		}
		return 0;
	}
	o = json_object();
	for (size_t i = 0; i < im->ncols && i < n; i++) {
		char *v;
		if (im->map[i] < 0 || fields[i].n == 0)
			continue;
		{
			size_t skip = csv_unguard(fields[i].p, fields[i].n);
			v = arena_strndup(im->ctx->arena, fields[i].p + skip, fields[i].n - skip);
		}
		joined = arena_printf(im->ctx->arena, "%s\x1f%s", joined, v);
		if (csv_columns[im->map[i]].kind == EXPORT_INT) {
			long long x;
			json_object_set_new(o, csv_columns[im->map[i]].key,
			    str_to_i64(str_c(v), &x) ? json_integer(x) : json_string(v));
		} else {
			json_object_set_new(o, csv_columns[im->map[i]].key, json_string(v));
		}
	}
	if (json_str(o, "source_id") == NULL) {
		sec_sha256_hex(joined, strlen(joined), sha);
		json_object_set_new(o, "source_id", json_string(arena_printf(im->ctx->arena, "csv:%s", sha)));
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (buf_puts(&im->ndjson, text) != TR_OK || buf_putc(&im->ndjson, '\n') != TR_OK)
		im->err = TR_TOO_LARGE;
	free(text);
	return im->err != TR_OK;
}

tr_err
activity_import_csv(struct ctx *ctx, const char *body, size_t n, bool partial, json_t **out)
{
	struct csv_import im = { .ctx = ctx, .ndjson = BUF_INIT(ACTIVITY_BATCH_BYTES_MAX * 2) };
	int64_t line = 0;
	tr_err err;

	*out = NULL;
	err = place_csv_parse(body, n, csv_row, &im, &line);
	if (err == TR_OK)
		err = im.err;
	if (err != TR_OK) {
		buf_free(&im.ndjson);
		return ctx_fail(ctx, err == TR_TOO_LARGE ? TR_TOO_LARGE : TR_INVALID,
		    arena_printf(
		        ctx->arena, "Le fichier CSV est mal formé ou trop grand (ligne %lld).", (long long)line));
	}
	err = activity_ingest(ctx, "import", buf_str(&im.ndjson).p, buf_str(&im.ndjson).n, partial, out);
	buf_free(&im.ndjson);
	return err;
}

/* ---- Export with a cursor ---- */

tr_err
activity_changes(struct ctx *ctx, const char *cursor, int64_t limit, json_t **out)
{
	struct activity_vocab v;
	struct activity_cache cache;
	long long at = -1, after = 0;
	struct sqlw w;
	struct db_rows *r;
	json_t *items;
	const char *next = cursor ? cursor : "";
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if (limit <= 0 || limit > LIST_PER_PAGE_MAX)
		limit = 1000;
	if (cursor && *cursor) {
		const char *dot = strchr(cursor, '.');
		if (dot == NULL || !str_to_i64((struct str){ cursor, (size_t)(dot - cursor) }, &at) ||
		    !str_to_i64(str_c(dot + 1), &after)) {
			field_errors_add(
			    &ctx->errors, "cursor", "« cursor » : ce curseur n'a pas été donné par l'export.");
			return TR_INVALID;
		}
	}
	if ((err = vocab_and_settings(ctx, &v, &cache)) != TR_OK)
		return err;
	scope_where(ctx, &activity_scope, &w);
	/* Changes of the current second are left for the next call: a transaction still running may yet commit
	 * one with this time. */
	sqlw_and(&w, "a.updated_at < ?", DB_I64(ctx->now));
	sqlw_and(&w, "(a.updated_at > ?", DB_I64(at));
	w.sql = arena_printf(ctx->arena, "%s OR (a.updated_at = ? AND a.id > ?))", w.sql);
	sqlw_param(&w, DB_I64(at));
	sqlw_param(&w, DB_I64(after));
	sqlw_param(&w, DB_I64(limit));
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, REPORT_SELECT "WHERE %s ORDER BY a.updated_at, a.id LIMIT ?", w.sql), w.p, w.n,
	    &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	items = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *o = row_json(r, i);
		next =
		    arena_printf(ctx->arena, "%lld.%lld", (long long)i_of(o, "updated_at"), (long long)i_of(o, "id"));
		if (!json_is_null(json_object_get(o, "deleted_at"))) {
			json_t *t = json_pack("{s:O, s:O, s:O, s:b, s:O}", "id", json_object_get(o, "id"), "source",
			    json_object_get(o, "source"), "source_id", json_object_get(o, "source_id"), "deleted", 1,
			    "updated_at", json_object_get(o, "updated_at"));
			json_decref(o);
			o = t;
		} else {
			activity_decorate(ctx, &v, &cache, o);
			json_object_del(o, "notes");
		}
		json_array_append_new(items, o);
	}
	*out = json_pack("{s:o, s:s}", "items", items, "next_cursor", next);
	return TR_OK;
}

/* ---- Verification ---- */

struct verify_scan {
	struct activity_acc *acc;
	const struct activity_vocab *v;
	int64_t reports;
};

static json_t *
cells_json(const struct db_val *cells, size_t ncols, const char **names)
{
	json_t *o = json_object();

	for (size_t i = 0; i < ncols; i++) {
		const struct db_val *c = &cells[i];
		if (c->type == DBV_INT)
			json_object_set_new(o, names[i], json_integer(c->i));
		else if (c->type == DBV_REAL)
			json_object_set_new(o, names[i], json_integer((json_int_t)c->r));
		else if (c->type == DBV_TEXT)
			json_object_set_new(o, names[i], json_stringn(c->s.p, c->s.n));
		else
			json_object_set_new(o, names[i], json_null());
	}
	return o;
}

static int
verify_report(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	struct verify_scan *s = ud;
	json_t *o = cells_json(cells, ncols, names);

	activity_acc_add(s->acc, s->v, o, 1);
	json_decref(o);
	s->reports++;
	return 0;
}

struct verify_cmp {
	struct activity_acc *acc;
	json_t *diffs;
	int64_t ndiffs, cells;
	bool counts;
	struct strmap ncells, ncounts; /* the national level expected */
};

static void
diff(struct verify_cmp *c, const char *table, const char *key, int64_t expected, int64_t stored)
{
	c->ndiffs++;
	if (json_array_size(c->diffs) < 100)
		json_array_append_new(c->diffs, json_pack("{s:s, s:s, s:I, s:I}", "table", table, "key", key,
		                                    "expected", (json_int_t)expected, "stored", (json_int_t)stored));
}

static int
verify_cell(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	struct verify_cmp *c = ud;
	const char *key;
	(void)ncols;
	(void)names;

	c->cells++;
	if (!c->counts) {
		struct cell *x;
		key = arena_printf(c->acc->arena, "%s\x1f%lld\x1f%lld\x1f%s\x1f%s\x1f%s", db_text(&cells[0]),
		    (long long)db_int(&cells[1]), (long long)db_int(&cells[2]), db_text(&cells[3]), db_text(&cells[4]),
		    db_text(&cells[5]));
		x = strmap_get(&c->acc->cells, key);
		if (x == NULL) {
			diff(c, "activity_rollup", key, 0, db_int(&cells[6]));
			return 0;
		}
		if (x->reports != db_int(&cells[6]) || x->participants != db_int(&cells[7]) ||
		    x->already != db_int(&cells[8]) || x->minutes != db_int(&cells[9]))
			diff(c, "activity_rollup", key, x->reports, db_int(&cells[6]));
		x->reports = -x->reports - 1; /* seen: marked, restored below */
	} else {
		struct count *x;
		key = arena_printf(c->acc->arena, "%s\x1f%lld\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
		    db_text(&cells[0]), (long long)db_int(&cells[1]), (long long)db_int(&cells[2]), db_text(&cells[3]),
		    db_text(&cells[4]), db_text(&cells[5]), db_text(&cells[6]), db_text(&cells[7]));
		x = strmap_get(&c->acc->counts, key);
		if (x == NULL) {
			diff(c, "activity_rollup_counts", key, 0, db_int(&cells[8]));
			return 0;
		}
		if (x->n != db_int(&cells[8]))
			diff(c, "activity_rollup_counts", key, x->n, db_int(&cells[8]));
		x->n = -x->n - 1;
	}
	return 0;
}

static int
verify_national(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	struct verify_cmp *c = ud;
	const char *key;
	(void)names;

	c->cells++;
	if (ncols == 6) {
		struct cell *x;
		key = arena_printf(c->acc->arena, "%s\x1f%s", db_text(&cells[0]), db_text(&cells[1]));
		x = strmap_get(&c->ncells, key);
		if (x == NULL) {
			diff(c, "activity_rollup_national", key, 0, db_int(&cells[2]));
			return 0;
		}
		if (x->reports != db_int(&cells[2]) || x->participants != db_int(&cells[3]) ||
		    x->already != db_int(&cells[4]) || x->minutes != db_int(&cells[5]))
			diff(c, "activity_rollup_national", key, x->reports, db_int(&cells[2]));
		x->reports = -x->reports - 1;
	} else {
		struct count *x;
		key = arena_printf(c->acc->arena, "%s\x1f%s\x1f%s\x1f%s", db_text(&cells[0]), db_text(&cells[1]),
		    db_text(&cells[2]), db_text(&cells[3]));
		x = strmap_get(&c->ncounts, key);
		if (x == NULL) {
			diff(c, "activity_rollup_national_counts", key, 0, db_int(&cells[4]));
			return 0;
		}
		if (x->n != db_int(&cells[4]))
			diff(c, "activity_rollup_national_counts", key, x->n, db_int(&cells[4]));
		x->n = -x->n - 1;
	}
	return 0;
}

tr_err
activity_verify(struct ctx *ctx, json_t **out)
{
	struct activity_vocab v;
	struct activity_acc acc = { 0 };
	struct verify_scan s = { &acc, &v, 0 };
	struct verify_cmp c = { .acc = &acc, .diffs = json_array() };
	size_t n;
	void **all;
	tr_err err;

	if ((err = activity_vocab_load(ctx, &v)) != TR_OK)
		goto out;
	activity_acc_init(ctx, &acc);
	err = db_each(ctx->db,
	    "SELECT session_on, adviser_id, organisation_id, commune_code, type, org_commune_code, departement_code, "
	    "region_code, org_departement_code, org_region_code, duration_min, participants, already, genders, ages, "
	    "statuses, themes, equipment, autonomy, workshop_level, followups, redirect_kind, place_kind FROM "
	    "activity_reports WHERE deleted_at IS NULL",
	    NULL, 0, verify_report, &s);
	national_of(ctx->arena, &acc, &c.ncells, &c.ncounts);
	if (err == TR_OK)
		err = db_each(ctx->db,
		    "SELECT day, type, reports, participants, already, minutes FROM activity_rollup_national", NULL, 0,
		    verify_national, &c);
	if (err == TR_OK)
		err = db_each(ctx->db, "SELECT day, type, dim, code, n FROM activity_rollup_national_counts", NULL, 0,
		    verify_national, &c);
	if (err == TR_OK)
		err = db_each(ctx->db,
		    "SELECT day, adviser_id, organisation_id, commune_code, type, org_commune_code, reports, "
		    "participants, "
		    "already, minutes FROM activity_rollup",
		    NULL, 0, verify_cell, &c);
	c.counts = true;
	if (err == TR_OK)
		err = db_each(ctx->db,
		    "SELECT day, adviser_id, organisation_id, commune_code, type, org_commune_code, dim, code, n FROM "
		    "activity_rollup_counts",
		    NULL, 0, verify_cell, &c);
	if (err != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out;
	}
	all = sorted_values(ctx->arena, &acc.cells, &n);
	for (size_t i = 0; i < n; i++) {
		struct cell *x = all[i];
		if (x->reports >= 0 && (x->reports || x->participants || x->minutes))
			diff(&c, "activity_rollup", x->key, x->reports, 0);
	}
	all = sorted_values(ctx->arena, &acc.counts, &n);
	for (size_t i = 0; i < n; i++) {
		struct count *x = all[i];
		if (x->n > 0)
			diff(&c, "activity_rollup_counts", x->key, x->n, 0);
	}
	all = sorted_values(ctx->arena, &c.ncells, &n);
	for (size_t i = 0; i < n; i++) {
		struct cell *x = all[i];
		if (x->reports > 0)
			diff(&c, "activity_rollup_national", x->key, x->reports, 0);
	}
	all = sorted_values(ctx->arena, &c.ncounts, &n);
	for (size_t i = 0; i < n; i++) {
		struct count *x = all[i];
		if (x->n > 0)
			diff(&c, "activity_rollup_national_counts", x->key, x->n, 0);
	}
	*out = json_pack("{s:I, s:I, s:I, s:O}", "reports", (json_int_t)s.reports, "cells", (json_int_t)c.cells,
	    "ndifferences", (json_int_t)c.ndiffs, "differences", c.diffs);
out:
	json_decref(c.diffs);
	activity_acc_free(&acc);
	return err;
}
