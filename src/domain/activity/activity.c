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

#define RULE_NATIONAL                                                     \
	{                                                                 \
		"national reach", ACTIVITY_NATIONAL, "1 = 1", is_national \
	}
#define RULE_REGIONS                                                                                            \
	{                                                                                                       \
		"the pole or regional officer of either region", ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL), \
		    "(a.region_code IN " SCOPE_REGIONS("pole") " OR a.region_code IN " SCOPE_REGIONS(           \
		        "regional") " OR a.org_region_code IN " SCOPE_REGIONS("pole") " OR a.org_region_code "  \
		                                                                      "IN " SCOPE_REGIONS(      \
		                                                                          "regional") ")",      \
		    covers                                                                                      \
	}

static const struct scope_rule activity_rules[] = {
	RULE_NATIONAL,
	{ "the adviser", 0, "a.adviser_id = ?", is_own },
	{ "the employing structure", ROLE_BIT(ROLE_EMPLOYER), "a.organisation_id IN " SCOPE_ORGS("employer"),
	    is_employer },
	RULE_REGIONS,
};

/* The territorial levels of the rollups hold no adviser nor structure: only the readers by territory read them. */
static const struct scope_rule territory_rules[] = { RULE_NATIONAL, RULE_REGIONS };

#define NRULES (sizeof(activity_rules) / sizeof(activity_rules[0]))
#define NTERRITORY_RULES (sizeof(territory_rules) / sizeof(territory_rules[0]))

const struct scope activity_scope = { "activity", "activity_reports a", "a.id", activity_rules, NRULES };
const struct scope activity_rollup_scope = { "activity_rollup", "activity_rollup a", "a.adviser_id", activity_rules,
	NRULES };
const struct scope activity_rollup_counts_scope = { "activity_rollup_counts", "activity_rollup_counts a",
	"a.adviser_id", activity_rules, NRULES };
const struct scope activity_rollup_dep_scope = { "activity_rollup_dep", "activity_rollup_dep a", "a.departement_code",
	territory_rules, NTERRITORY_RULES };
const struct scope activity_rollup_dep_counts_scope = { "activity_rollup_dep_counts", "activity_rollup_dep_counts a",
	"a.departement_code", territory_rules, NTERRITORY_RULES };

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

/* Caches ADVISER's structure ORG and its territory (commune, département, région). */
static json_t *
adviser_put(struct activity_cache *cache, const char *key, int64_t adviser, int64_t org, const char *commune,
    const char *dep, const char *region)
{
	json_t *hit = json_pack("{s:I, s:I, s:s, s:s, s:s}", "adviser_id", (json_int_t)adviser, "organisation_id",
	    (json_int_t)org, "org_commune_code", commune, "org_departement_code", dep, "org_region_code", region);

	strmap_put(&cache->advisers, key, hit);
	if (cache->owned == NULL)
		cache->owned = json_array();
	json_array_append_new(cache->owned, hit);
	return hit;
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
		hit = adviser_put(cache, key, adviser, org, db_text(db_cell(r, 0, 0)), db_text(db_cell(r, 0, 1)),
		    db_text(db_cell(r, 0, 2)));
	}
	json_object_update(c, hit);
	return TR_OK;
}

/* "?, ?, …" K times, in A. */
static const char *
in_list(struct arena *a, size_t k)
{
	char *s = arena_alloc(a, 3 * k + 1), *p = s;

	for (size_t i = 0; i < k; i++) {
		if (i) {
			*p++ = ',';
			*p++ = ' ';
		}
		*p++ = '?';
	}
	*p = '\0';
	return s;
}

/* Fills the caches for the N advisers IDS and the N communes CODES (NULL entries skipped) of a batch, in a few
 * queries: the structure of each adviser as activity_adviser_org chooses it (the latest live contract, else the
 * first structure that declared them a mediator). Those not found are left to the checks, which name them. */
static tr_err
cache_prefetch(struct ctx *ctx, struct activity_cache *cache, const int64_t *ids, const char *const *codes, size_t n)
{
	struct db_val *p = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*p));
	size_t np = 0;
	struct db_rows *r;
	struct strmap asked;
	tr_err err = TR_OK;

	strmap_init(&asked, ctx->arena, 2 * n + 16);
	for (size_t i = 0; i < n; i++) {
		const char *key = arena_printf(ctx->arena, "%lld", (long long)ids[i]);
		if (ids[i] > 0 && strmap_get(&cache->advisers, key) == NULL && strmap_get(&asked, key) == NULL) {
			strmap_put(&asked, key, &asked);
			p[np++] = DB_I64(ids[i]);
		}
	}
	for (size_t i = 0; i < np && err == TR_OK;) {
		size_t k = DB_ROWS_CHUNK;
		while (k > np - i)
			k /= 2;
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena,
		        "SELECT p.id, o.id, COALESCE(o.commune_code, ''), COALESCE(c.departement_code, ''), "
		        "COALESCE(c.region_code, '') FROM people p JOIN organisations o ON o.id = COALESCE((SELECT "
		        "ct.organisation_id FROM contracts ct WHERE ct.candidate_id = p.id AND ct.state IN ('planned', "
		        "'active', 'suspended') ORDER BY ct.id DESC LIMIT 1), (SELECT m.organisation_id FROM "
		        "activity_mediators m WHERE m.person_id = p.id ORDER BY m.organisation_id LIMIT 1)) LEFT JOIN "
		        "communes c ON c.code = o.commune_code WHERE p.id IN (%s)",
		        in_list(ctx->arena, k)),
		    p + i, k, &r);
		for (size_t j = 0; err == TR_OK && j < r->nrows; j++)
			adviser_put(cache, arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(r, j, 0))),
			    db_int(db_cell(r, j, 0)), db_int(db_cell(r, j, 1)), db_text(db_cell(r, j, 2)),
			    db_text(db_cell(r, j, 3)), db_text(db_cell(r, j, 4)));
		i += k;
	}
	np = 0;
	for (size_t i = 0; i < n && err == TR_OK; i++)
		if (codes[i] && strmap_get(&cache->communes, codes[i]) == NULL &&
		    strmap_get(&asked, arena_printf(ctx->arena, "c%s", codes[i])) == NULL) {
			strmap_put(&asked, arena_printf(ctx->arena, "c%s", codes[i]), &asked);
			p[np++] = DB_TEXT(codes[i]);
		}
	for (size_t i = 0; i < np && err == TR_OK;) {
		size_t k = DB_ROWS_CHUNK;
		while (k > np - i)
			k /= 2;
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena,
		        "SELECT code, departement_code, region_code FROM communes WHERE code IN (%s)",
		        in_list(ctx->arena, k)),
		    p + i, k, &r);
		for (size_t j = 0; err == TR_OK && j < r->nrows; j++) {
			const char **hit = arena_alloc(ctx->arena, 2 * sizeof(*hit));
			hit[0] = db_text(db_cell(r, j, 1));
			hit[1] = db_text(db_cell(r, j, 2));
			strmap_put(&cache->communes, db_text(db_cell(r, j, 0)), hit);
		}
		i += k;
	}
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

void
activity_cache_free(struct activity_cache *c)
{
	json_decref(c->owned);
	c->owned = NULL;
}

/* ---- Rollups ---- */

/* The columns of a rollup key, as a report gives them. */
enum rcol {
	RC_DAY,
	RC_ADVISER,
	RC_ORG,
	RC_COMMUNE,
	RC_TYPE,
	RC_ORG_COMMUNE,
	RC_DEP,
	RC_REGION,
	RC_ORG_DEP,
	RC_ORG_REGION,
	RC_MONTH,
	RC_N
};

static const char *const rcol_names[RC_N] = { "day", "adviser_id", "organisation_id", "commune_code", "type",
	"org_commune_code", "departement_code", "region_code", "org_departement_code", "org_region_code", "month" };

/* One level of the rollups: its tables (COUNTS NULL: none), its columns (the first NKEYS are the primary key, in
 * its order; the others are copied, each a function of the key). */
struct level {
	const char *table, *counts;
	const enum rcol *cols;
	size_t nkeys, ncols;
};

static const enum rcol adviser_cols[] = { RC_ADVISER, RC_DAY, RC_ORG, RC_COMMUNE, RC_TYPE, RC_ORG_COMMUNE, RC_DEP,
	RC_REGION, RC_ORG_DEP, RC_ORG_REGION };
static const enum rcol dep_cols[] = { RC_DEP, RC_DAY, RC_TYPE, RC_ORG_DEP, RC_REGION, RC_ORG_REGION };
static const enum rcol region_cols[] = { RC_DAY, RC_TYPE, RC_REGION, RC_ORG_REGION };
static const enum rcol national_cols[] = { RC_DAY, RC_TYPE };
static const enum rcol national_month_cols[] = { RC_MONTH, RC_TYPE };
static const enum rcol region_month_cols[] = { RC_MONTH, RC_TYPE, RC_REGION, RC_ORG_REGION };

static const struct level levels[ACTIVITY_LEVELS] = {
	[ACTIVITY_LEVEL_ADVISER] = { "activity_rollup", "activity_rollup_counts", adviser_cols, 6, 10 },
	[ACTIVITY_LEVEL_DEP] = { "activity_rollup_dep", "activity_rollup_dep_counts", dep_cols, 4, 6 },
	[ACTIVITY_LEVEL_REGION] = { "activity_rollup_region", NULL, region_cols, 4, 4 },
	[ACTIVITY_LEVEL_NATIONAL] = { "activity_rollup_national", "activity_rollup_national_counts", national_cols, 2,
	    2 },
	[ACTIVITY_LEVEL_NATIONAL_MONTH] = { "activity_rollup_national_month", "activity_rollup_national_month_counts",
	    national_month_cols, 2, 2 },
	[ACTIVITY_LEVEL_REGION_MONTH] = { "activity_rollup_region_month", NULL, region_month_cols, 4, 4 },
};

struct cell {
	const char *key;      /* the level's key values joined by \x1f */
	const char *const *v; /* RC_N values (of the first report of the cell) */
	int64_t adviser, org; /* RC_ADVISER and RC_ORG as integers */
	int64_t reports, participants, already, minutes;
	bool seen; /* activity_verify: found in the table */
};

struct count {
	const char *key;
	struct cell *cell;
	const char *dim, *code;
	int64_t n;
	bool seen;
};

/* One breakdown count of a report: family DIM, code CODE (CLEN bytes), N. */
struct report_count {
	const char *dim, *code;
	size_t clen;
	int64_t n;
};

/* Counts of one report at most: every code of every family (about 90 today) with room for the vocabularies to grow;
 * the checks accept only known codes. */
#define REPORT_COUNTS_MAX 1024
/* Longest key of a cell or count. */
#define KEY_MAX 512

void
activity_acc_init(struct ctx *ctx, struct activity_acc *acc)
{
	acc->arena = ctx->arena;
	acc->vocab = NULL;
	for (size_t l = 0; l < ACTIVITY_LEVELS; l++) {
		strmap_init(&acc->cells[l], ctx->arena, 64);
		strmap_init(&acc->counts[l], ctx->arena, levels[l].counts ? 256 : 1);
	}
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

/* Appends S (N bytes) and a separator to KEY (length *LEN, capacity KEY_MAX); false when it does not fit. */
static bool
key_put(char *key, size_t *len, const char *s, size_t n, bool sep)
{
	if (*len + n + 2 > KEY_MAX)
		return false;
	if (sep)
		key[(*len)++] = '\x1f';
	memcpy(key + *len, s, n);
	*len += n;
	key[*len] = '\0';
	return true;
}

/* The key of level L for values V into KEY, its length in *LEN. */
static bool
cell_key(const struct level *l, const char *const *v, char *key, size_t *len)
{
	*len = 0;
	key[0] = '\0';
	for (size_t i = 0; i < l->nkeys; i++)
		if (!key_put(key, len, v[l->cols[i]], strlen(v[l->cols[i]]), i > 0))
			return false;
	return true;
}

/* Adds the '|'-joined codes of LIST (1 each, or "code:n" when COUNTED) of family DIM to OUT (*N of them). */
static void
report_counts(const char *dim, const char *list, bool counted, struct report_count *out, size_t *n)
{
	for (const char *p = list; p && *p && *n < REPORT_COUNTS_MAX;) {
		const char *end = strchr(p, '|'), *colon;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		long long k = 1;

		colon = counted ? memchr(p, ':', len) : NULL;
		if (!counted || (colon && str_to_i64((struct str){ colon + 1, len - (size_t)(colon + 1 - p) }, &k)))
			if (len > 0 && k != 0)
				out[(*n)++] = (struct report_count){ dim, p, colon ? (size_t)(colon - p) : len, k };
		p += len + (end != NULL);
	}
}

/* The cell of level L for values V (copied into the arena when new). */
static struct cell *
cell_of(
    struct activity_acc *acc, size_t l, const char *const *v, const char *const **saved, int64_t adviser, int64_t org)
{
	char key[KEY_MAX];
	size_t len;
	struct cell *c;

	if (!cell_key(&levels[l], v, key, &len))
		return NULL;
	if ((c = strmap_getn(&acc->cells[l], key, len)) != NULL)
		return c;
	if (*saved == NULL) {
		const char **copy = arena_alloc(acc->arena, RC_N * sizeof(*copy));
		for (size_t i = 0; i < RC_N; i++)
			copy[i] = arena_strdup(acc->arena, v[i]);
		*saved = copy;
	}
	c = arena_alloc(acc->arena, sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->key = arena_strndup(acc->arena, key, len);
	c->v = *saved;
	c->adviser = adviser;
	c->org = org;
	strmap_put_borrowed(&acc->cells[l], c->key, len, c);
	return c;
}

static void
count_add(struct activity_acc *acc, size_t l, struct cell *cell, const struct report_count *rc)
{
	char key[KEY_MAX];
	size_t len = 0;
	struct count *x;

	if (!key_put(key, &len, cell->key, strlen(cell->key), false) ||
	    !key_put(key, &len, rc->dim, strlen(rc->dim), true) || !key_put(key, &len, rc->code, rc->clen, true))
		return;
	if ((x = strmap_getn(&acc->counts[l], key, len)) == NULL) {
		x = arena_alloc(acc->arena, sizeof(*x));
		memset(x, 0, sizeof(*x));
		x->key = arena_strndup(acc->arena, key, len);
		x->cell = cell;
		x->dim = rc->dim;
		x->code = arena_strndup(acc->arena, rc->code, rc->clen);
		strmap_put_borrowed(&acc->counts[l], x->key, len, x);
	}
	x->n += rc->n;
}

void
activity_acc_add(struct activity_acc *acc, const struct activity_vocab *v, json_t *r, int64_t sign)
{
	char adviser[24], org[24], month[8];
	int64_t adviser_id = i_of(r, "adviser_id"), org_id = i_of(r, "organisation_id");
	const char *vals[RC_N];
	const char *const *saved = NULL;
	struct report_count rc[REPORT_COUNTS_MAX];
	size_t nrc = 0;
	int64_t participants = i_of(r, "participants"), already = i_of(r, "already"), minutes = i_of(r, "duration_min");
	static const struct {
		const char *dim, *member;
		bool counted;
	} lists[] = { { "gender", "genders", true }, { "age", "ages", true }, { "status", "statuses", true },
		{ "theme", "themes", false }, { "equipment", "equipment", false }, { "followup", "followups", false },
		{ "place", "place_kind", false }, { "autonomy", "autonomy", false },
		{ "level", "workshop_level", false }, { "redirect", "redirect_kind", false } };

	acc->vocab = v;
	snprintf(adviser, sizeof(adviser), "%lld", (long long)adviser_id);
	snprintf(org, sizeof(org), "%lld", (long long)org_id);
	vals[RC_DAY] = s_of(r, "session_on");
	vals[RC_ADVISER] = adviser;
	vals[RC_ORG] = org;
	vals[RC_COMMUNE] = s_of(r, "commune_code");
	vals[RC_TYPE] = s_of(r, "type");
	vals[RC_ORG_COMMUNE] = s_of(r, "org_commune_code");
	vals[RC_DEP] = s_of(r, "departement_code");
	vals[RC_REGION] = s_of(r, "region_code");
	vals[RC_ORG_DEP] = s_of(r, "org_departement_code");
	vals[RC_ORG_REGION] = s_of(r, "org_region_code");
	snprintf(month, sizeof(month), "%.7s", vals[RC_DAY]);
	vals[RC_MONTH] = month;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		report_counts(lists[i].dim, s_of(r, lists[i].member), lists[i].counted, rc, &nrc);
	report_counts("duration", activity_duration_range(v, minutes), false, rc, &nrc);
	for (size_t i = 0; i < nrc; i++)
		rc[i].n *= sign;
	for (size_t l = 0; l < ACTIVITY_LEVELS; l++) {
		struct cell *cell = cell_of(acc, l, vals, &saved, adviser_id, org_id);
		if (cell == NULL)
			continue;
		cell->reports += sign;
		cell->participants += sign * participants;
		cell->already += sign * already;
		cell->minutes += sign * minutes;
		for (size_t i = 0; levels[l].counts && i < nrc; i++)
			count_add(acc, l, cell, &rc[i]);
	}
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

/* Column COL of CELL as a parameter. */
static struct db_val
cell_param(const struct cell *c, enum rcol col)
{
	if (col == RC_ADVISER)
		return DB_I64(c->adviser);
	if (col == RC_ORG)
		return DB_I64(c->org);
	return DB_TEXT(c->v[col]);
}

/* The first N column names of L joined by ", " (or, with EQ, as "col = ? AND …"), in A. */
static const char *
columns_of(struct arena *a, const struct level *l, size_t n, bool eq)
{
	const char *s = "";

	for (size_t i = 0; i < n; i++)
		s = arena_printf(
		    a, "%s%s%s%s", s, i ? (eq ? " AND " : ", ") : "", rcol_names[l->cols[i]], eq ? " = ?" : "");
	return s;
}

/* Writes the deltas of level L (its cells, then its counts): multi-row upserts in key order (two transactions never
 * lock the same rows in opposite orders), then the rows a negative delta may have brought to zero are removed. */
static tr_err
level_flush(struct ctx *ctx, struct activity_acc *acc, size_t l)
{
	const struct level *lv = &levels[l];
	const char *cols = columns_of(ctx->arena, lv, lv->ncols, false),
	           *keys = columns_of(ctx->arena, lv, lv->nkeys, false),
	           *where = columns_of(ctx->arena, lv, lv->nkeys, true);
	size_t n, live = 0, w = lv->ncols + 4, np = 0;
	void **all = sorted_values(ctx->arena, &acc->cells[l], &n);
	struct db_val *p = arena_alloc(ctx->arena, (n ? n : 1) * (lv->ncols + 4) * sizeof(*p));
	tr_err err;

	for (size_t i = 0; i < n; i++) {
		struct cell *c = all[i];
		if (!(c->reports || c->participants || c->already || c->minutes))
			continue;
		all[live++] = c;
		for (size_t k = 0; k < lv->ncols; k++)
			p[np++] = cell_param(c, lv->cols[k]);
		p[np++] = DB_I64(c->reports);
		p[np++] = DB_I64(c->participants);
		p[np++] = DB_I64(c->already);
		p[np++] = DB_I64(c->minutes);
	}
	err = db_exec_rows(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "INSERT INTO %s (%s, reports, participants, already, minutes)", lv->table, cols),
	    arena_printf(ctx->arena,
	        "ON CONFLICT (%s) DO UPDATE SET reports = %s.reports + excluded.reports, participants = "
	        "%s.participants + excluded.participants, already = %s.already + excluded.already, minutes = "
	        "%s.minutes + excluded.minutes",
	        keys, lv->table, lv->table, lv->table, lv->table),
	    p, w, live, NULL);
	for (size_t i = 0; i < live && err == TR_OK; i++) {
		struct cell *c = all[i];
		if (c->reports >= 0)
			continue;
		for (size_t k = 0; k < lv->nkeys; k++)
			p[k] = cell_param(c, lv->cols[k]);
		err = db_exec(ctx->db,
		    arena_printf(ctx->arena, "DELETE FROM %s WHERE %s AND reports = 0", lv->table, where), p, lv->nkeys,
		    NULL);
	}
	if (err != TR_OK || lv->counts == NULL)
		return err;
	all = sorted_values(ctx->arena, &acc->counts[l], &n);
	w = lv->ncols + 3;
	p = arena_alloc(ctx->arena, (n ? n : 1) * w * sizeof(*p));
	live = np = 0;
	for (size_t i = 0; i < n; i++) {
		struct count *c = all[i];
		if (c->n == 0)
			continue;
		all[live++] = c;
		for (size_t k = 0; k < lv->ncols; k++)
			p[np++] = cell_param(c->cell, lv->cols[k]);
		p[np++] = DB_TEXT(c->dim);
		p[np++] = DB_TEXT(c->code);
		p[np++] = DB_I64(c->n);
	}
	err = db_exec_rows(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "INSERT INTO %s (%s, dim, code, n)", lv->counts, cols),
	    arena_printf(
	        ctx->arena, "ON CONFLICT (%s, dim, code) DO UPDATE SET n = %s.n + excluded.n", keys, lv->counts),
	    p, w, live, NULL);
	for (size_t i = 0; i < live && err == TR_OK; i++) {
		struct count *c = all[i];
		if (c->n >= 0)
			continue;
		for (size_t k = 0; k < lv->nkeys; k++)
			p[k] = cell_param(c->cell, lv->cols[k]);
		p[lv->nkeys] = DB_TEXT(c->dim);
		p[lv->nkeys + 1] = DB_TEXT(c->code);
		err = db_exec(ctx->db,
		    arena_printf(
		        ctx->arena, "DELETE FROM %s WHERE %s AND dim = ? AND code = ? AND n = 0", lv->counts, where),
		    p, lv->nkeys + 2, NULL);
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
	size_t n;
	void **all;
	tr_err err = TR_OK;

	for (size_t l = 0; l < ACTIVITY_LEVELS && err == TR_OK; l++)
		err = level_flush(ctx, acc, l);
	/* The codes used for the first time are marked in use (never deleted from then on), in key order: every code of
	 * the transaction is in the national counts. */
	all = sorted_values(ctx->arena, &acc->counts[ACTIVITY_LEVEL_NATIONAL], &n);
	for (size_t i = 0; i < n && err == TR_OK; i++)
		if (((struct count *)all[i])->n > 0)
			err = mark_in_use(ctx, acc, ((struct count *)all[i])->dim, ((struct count *)all[i])->code);
	all = sorted_values(ctx->arena, &acc->cells[ACTIVITY_LEVEL_NATIONAL], &n);
	for (size_t i = 0; i < n && err == TR_OK; i++)
		if (((struct cell *)all[i])->reports > 0)
			err = mark_in_use(ctx, acc, "type", ((struct cell *)all[i])->v[RC_TYPE]);
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
	struct activity_acc acc;
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
	struct activity_acc acc;
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
	return err;
}

tr_err
activity_delete(struct ctx *ctx, int64_t id, int64_t version)
{
	struct activity_vocab v;
	struct activity_cache cache;
	struct activity_acc acc;
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

/* A line of a batch as read: its number, its bytes, its JSON or why it is not JSON. */
struct batch_line {
	int64_t no;
	const char *raw;
	size_t len;
	json_t *in;
	const char *error;
};

static void
line_error(struct ctx *ctx, json_t *errors, int64_t line, const char *field, const char *message)
{
	(void)ctx;
	json_array_append_new(errors,
	    json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line, "field", field ? field : "", "message", message));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes the checked LINES of batch BATCH_ID (each with _source_id and _raw) in a few multi-row statements: their
 * source keys claimed first (those stored already, or met earlier in the batch, are left out: the report stays as
 * it is), then the new reports; their rollup deltas go into ACC. *INSERTED: the reports written. */
static tr_err
insert_lines(struct ctx *ctx, const struct activity_vocab *v, struct activity_acc *acc, json_t *lines,
    const char *source, int64_t batch_id, int64_t *inserted)
{
	size_t n = json_array_size(lines), nfields, w, k = 0;
	const char *columns = record_columns(ctx, &entity_activity, &nfields);
	struct db_val *p = arena_alloc(ctx->arena, (n ? n : 1) * 3 * sizeof(*p));
	const char **sids = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*sids));
	struct db_rows *claimed;
	struct strmap fresh;
	tr_err err;

	*inserted = 0;
	/* The keys in one order, so that two batches sharing some never wait on each other in a cycle. */
	for (size_t i = 0; i < n; i++)
		sids[i] = json_str(json_array_get(lines, i), "_source_id");
	qsort(sids, n, sizeof(*sids), cmp_str);
	for (size_t i = 0; i < n; i++) {
		p[3 * i] = DB_TEXT(source);
		p[3 * i + 1] = DB_TEXT(sids[i]);
		p[3 * i + 2] = DB_I64(ctx->now);
	}
	err = db_query_rows(ctx->db, ctx->arena, "INSERT INTO activity_sources (source, source_id, created_at)",
	    "ON CONFLICT (source, source_id) DO NOTHING RETURNING source_id", p, 3, n, &claimed);
	if (err != TR_OK || claimed->nrows == 0)
		return err;
	strmap_init(&fresh, ctx->arena, 2 * claimed->nrows + 16);
	for (size_t i = 0; i < claimed->nrows; i++)
		strmap_put(&fresh, db_text(db_cell(claimed, i, 0)), &fresh);
	w = nfields + 16;
	p = arena_alloc(ctx->arena, claimed->nrows * w * sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(lines, i);
		const char *sid = json_str(c, "_source_id");
		struct db_val *row = p + k * w, extra[] = { DB_I64(i_of(c, "adviser_id")),
			DB_I64(i_of(c, "organisation_id")), DB_TEXT(source), DB_TEXT(sid), DB_TEXT(json_str(c, "_raw")),
			DB_TEXT(json_str(c, "departement_code")), DB_TEXT(json_str(c, "region_code")),
			DB_TEXT(s_of(c, "org_commune_code")), DB_TEXT(s_of(c, "org_departement_code")),
			DB_TEXT(s_of(c, "org_region_code")), DB_TEXT(s_of(c, "genders")), DB_TEXT(s_of(c, "ages")),
			DB_TEXT(s_of(c, "statuses")), DB_I64(batch_id), DB_I64(ctx->now), DB_I64(ctx->now) };
		_Static_assert(sizeof(extra) / sizeof(extra[0]) == 16, "INSERT_EXTRA_COLUMNS");
		/* Only the first line of a source id claimed now is written. */
		if (strmap_get(&fresh, sid) == NULL)
			continue;
		strmap_put(&fresh, sid, NULL);
		record_values(&entity_activity, c, row);
		memcpy(row + nfields, extra, sizeof(extra));
		k++;
		activity_acc_add(acc, v, c, 1);
	}
	*inserted = (int64_t)k;
	return db_exec_rows(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "INSERT INTO activity_reports (%s, " INSERT_EXTRA_COLUMNS ")", columns), NULL, p,
	    w, k, NULL);
}

tr_err
activity_ingest(struct ctx *ctx, const char *source, const char *body, size_t n, bool partial, json_t **out)
{
	struct activity_vocab v;
	struct activity_cache cache;
	struct activity_acc acc;
	char sha[SEC_SHA256_HEX];
	json_t *errors = json_array(), *lines = json_array(), *detail = NULL;
	int64_t nlines = 0, inserted = 0, unchanged = 0, rejected = 0, batch_id = 0, self = 0;
	bool on_behalf = ctx->actor == NULL || actor_has(ctx->actor, ROLE_ADMIN);
	struct batch_line *parsed = NULL;
	size_t nparsed = 0, cap = 0;
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
	/* First every line is read, then the advisers and communes of the batch are looked up at once, then every line
	 * is checked, without writing. */
	for (const char *p = body, *end = body + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct batch_line *l;
		json_error_t jerr;

		p += len + (nl != NULL);
		nlines++;
		if (len == 0 || (len == 1 && *(p - 1 - (nl != NULL)) == '\r'))
			continue;
		if (nlines > ACTIVITY_BATCH_LINES_MAX) {
			err = ctx_fail(ctx, TR_TOO_LARGE, "Un lot compte 10 000 lignes au plus : découpez-le.");
			goto out_nodb;
		}
		if (nparsed == cap) {
			struct batch_line *grown =
			    arena_alloc(ctx->arena, (cap = cap ? 2 * cap : 256) * sizeof(*grown));
			if (nparsed)
				memcpy(grown, parsed, nparsed * sizeof(*grown));
			parsed = grown;
		}
		l = &parsed[nparsed++];
		*l = (struct batch_line){ .no = nlines, .raw = p - len - (nl != NULL), .len = len };
		l->in = json_loadb(l->raw, len, JSON_REJECT_DUPLICATES, &jerr);
		if (l->in == NULL)
			l->error =
			    arena_printf(ctx->arena, "JSON mal formé (colonne %d) : %s.", jerr.column, jerr.text);
		else if (!json_is_object(l->in))
			l->error = "La ligne doit être un objet JSON.";
	}
	{
		int64_t *ids = arena_alloc(ctx->arena, (nparsed ? nparsed : 1) * sizeof(*ids));
		const char **codes = arena_alloc(ctx->arena, (nparsed ? nparsed : 1) * sizeof(*codes));
		for (size_t i = 0; i < nparsed; i++) {
			ids[i] = parsed[i].error || !on_behalf ? 0 : i_of(parsed[i].in, "adviser_id");
			codes[i] = parsed[i].error ? NULL : json_str(parsed[i].in, "commune_code");
		}
		if ((err = cache_prefetch(ctx, &cache, ids, codes, nparsed)) != TR_OK)
			goto out_nodb;
	}
	for (size_t i = 0; i < nparsed; i++) {
		struct batch_line *l = &parsed[i];
		struct field_errors fe = { .n = 0 };
		json_t *in = l->in, *c = NULL;
		int64_t adviser;
		const char *sid;

		if (l->error) {
			line_error(ctx, errors, l->no, "", l->error);
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
				goto out_nodb;
			}
			err = TR_OK;
			ctx->message = NULL;
		}
		if (fe.n) {
			for (size_t k = 0; k < fe.n; k++)
				line_error(ctx, errors, l->no, fe.items[k].field, fe.items[k].message);
			rejected++;
			json_decref(c);
			continue;
		}
		json_object_set_new(c, "_source_id", json_string(sid));
		json_object_set_new(c, "_raw", json_stringn(l->raw, l->len));
		json_array_append_new(lines, c);
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
	TRY(insert_lines(ctx, &v, &acc, lines, source, batch_id, &inserted));
	unchanged = (int64_t)json_array_size(lines) - inserted;
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
	for (size_t i = 0; i < nparsed; i++)
		json_decref(parsed[i].in);
	json_decref(detail);
	json_decref(errors);
	json_decref(lines);
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

/* One table of one level compared with the recomputed deltas. */
struct verify_cmp {
	struct activity_acc *acc;
	size_t level;
	const char *table;
	bool counts;
	json_t *diffs;
	int64_t ndiffs, cells;
};

static void
diff(struct verify_cmp *c, const char *table, const char *key, int64_t expected, int64_t stored)
{
	c->ndiffs++;
	if (json_array_size(c->diffs) < 100)
		json_array_append_new(c->diffs, json_pack("{s:s, s:s, s:I, s:I}", "table", table, "key", key,
		                                    "expected", (json_int_t)expected, "stored", (json_int_t)stored));
}

/* A row of a rollup table: its key columns (and dim, code for counts), then its figures. */
static int
verify_row(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	struct verify_cmp *c = ud;
	size_t nk = levels[c->level].nkeys + (c->counts ? 2 : 0), len = 0;
	char key[KEY_MAX];
	(void)names;

	c->cells++;
	key[0] = '\0';
	for (size_t i = 0; i < nk && i < ncols; i++) {
		char num[24];
		const char *s = num;
		size_t n;
		if (cells[i].type == DBV_INT || cells[i].type == DBV_REAL)
			n = (size_t)snprintf(num, sizeof(num), "%lld", (long long)db_int(&cells[i]));
		else
			s = cells[i].s.p ? cells[i].s.p : "", n = cells[i].s.n;
		if (!key_put(key, &len, s, n, i > 0))
			break;
	}
	if (!c->counts) {
		struct cell *x = strmap_getn(&c->acc->cells[c->level], key, len);
		int64_t stored = db_int(&cells[nk]);
		if (x == NULL)
			diff(c, c->table, key, 0, stored);
		else if (x->reports != stored || x->participants != db_int(&cells[nk + 1]) ||
		         x->already != db_int(&cells[nk + 2]) || x->minutes != db_int(&cells[nk + 3]))
			diff(c, c->table, key, x->reports, stored);
		if (x)
			x->seen = true;
	} else {
		struct count *x = strmap_getn(&c->acc->counts[c->level], key, len);
		int64_t stored = db_int(&cells[nk]);
		if (x == NULL || x->n != stored)
			diff(c, c->table, key, x ? x->n : 0, stored);
		if (x)
			x->seen = true;
	}
	return 0;
}

/* Compares the tables of level L with the recomputed deltas, rows missing from the tables included. */
static tr_err
verify_level(struct ctx *ctx, struct verify_cmp *c, size_t l)
{
	const struct level *lv = &levels[l];
	const char *keys = columns_of(ctx->arena, lv, lv->nkeys, false);
	size_t n;
	void **all;
	tr_err err;

	c->level = l;
	c->counts = false;
	c->table = lv->table;
	err = db_each(ctx->db,
	    arena_printf(ctx->arena, "SELECT %s, reports, participants, already, minutes FROM %s", keys, lv->table),
	    NULL, 0, verify_row, c);
	if (err == TR_OK && lv->counts) {
		c->counts = true;
		c->table = lv->counts;
		err = db_each(ctx->db, arena_printf(ctx->arena, "SELECT %s, dim, code, n FROM %s", keys, lv->counts),
		    NULL, 0, verify_row, c);
	}
	if (err != TR_OK)
		return err;
	all = sorted_values(ctx->arena, &c->acc->cells[l], &n);
	for (size_t i = 0; i < n; i++) {
		struct cell *x = all[i];
		if (!x->seen && (x->reports || x->participants || x->already || x->minutes))
			diff(c, lv->table, x->key, x->reports, 0);
	}
	all = sorted_values(ctx->arena, &c->acc->counts[l], &n);
	for (size_t i = 0; i < n; i++) {
		struct count *x = all[i];
		if (!x->seen && x->n != 0)
			diff(c, lv->counts, x->key, x->n, 0);
	}
	return TR_OK;
}

tr_err
activity_verify(struct ctx *ctx, json_t **out)
{
	struct activity_vocab v;
	struct activity_acc acc;
	struct verify_scan s = { &acc, &v, 0 };
	struct verify_cmp c = { .acc = &acc, .diffs = json_array() };
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
	for (size_t l = 0; l < ACTIVITY_LEVELS && err == TR_OK; l++)
		err = verify_level(ctx, &c, l);
	if (err != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out;
	}
	*out = json_pack("{s:I, s:I, s:I, s:O}", "reports", (json_int_t)s.reports, "cells", (json_int_t)c.cells,
	    "ndifferences", (json_int_t)c.ndiffs, "differences", c.diffs);
out:
	json_decref(c.diffs);
	return err;
}
