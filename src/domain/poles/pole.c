/* The resource poles: poles as data, what their staff sees of their regions, and the preliminary diagnoses of
 * EPN attached to dossiers. */
#include "domain/poles/pole.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/dossiers/dossier.h"
#include "domain/kernel/journal.h"
#include "model/poles/pole.h"

#define VIEWERS (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
#define EDITORS (ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
/* A pole covers at most the 18 regions (and a few spare). */
#define REGIONS_MAX 24

#define POLE_SELECT                                                                                            \
	"SELECT p.id, p.programme_id, g.name AS programme_name, p.code, p.name, p.organisation_id, o.name AS " \
	"organisation_name, p.version FROM poles p JOIN programmes g ON g.id = p.programme_id LEFT "           \
	"JOIN organisations o ON o.id = p.organisation_id "
/* The regions of every pole, as rows (rows_joined_into), and of one (rows_joined). */
#define POLE_REGIONS_SQL "SELECT pole_id, region_code FROM pole_regions ORDER BY pole_id, position"
#define ONE_POLE_REGIONS_SQL "SELECT region_code FROM pole_regions WHERE pole_id = ? ORDER BY position"

bool
pole_codes_has(const char *list, const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (list == NULL || n == 0)
		return false;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, "|");
		if (len == n && memcmp(p, code, n) == 0)
			return true;
		p += len + (p[len] == '|');
	}
	return false;
}

/* The '|'-joined LIST split into at most MAX codes of the arena; returns how many. */
static size_t
codes_split(struct arena *a, const char *list, const char **codes, size_t max)
{
	size_t k = 0;

	for (const char *p = list ? list : ""; *p && k < max;) {
		size_t len = strcspn(p, "|");
		if (len > 0)
			codes[k++] = arena_strndup(a, p, len);
		p += len + (p[len] == '|');
	}
	return k;
}

bool
pole_actor_covers_any(const struct actor *a, const char *regions)
{
	for (const char *p = regions ? regions : ""; *p;) {
		size_t len = strcspn(p, "|");
		char code[16];
		if (len > 0 && len < sizeof(code)) {
			memcpy(code, p, len);
			code[len] = '\0';
			if (actor_covers_region(a, ROLE_POLE, code))
				return true;
		}
		p += len + (p[len] == '|');
	}
	return false;
}

/* Every region's name by code: a JSON object the caller owns. */
static tr_err
region_map(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena, "SELECT code, name FROM regions ORDER BY code", &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_object();
	for (size_t i = 0; i < r->nrows; i++)
		json_object_set_new(*out, db_cell(r, i, 0)->s.p, json_string(db_cell(r, i, 1)->s.p));
	return TR_OK;
}

/* The names of the '|'-joined CODES, in their order (a code without a region stays as it is). */
static json_t *
names_of(struct ctx *ctx, json_t *map, const char *codes)
{
	const char *c[REGIONS_MAX];
	size_t n = codes_split(ctx->arena, codes, c, REGIONS_MAX);
	json_t *names = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *name = json_object_get(map, c[i]);
		json_array_append_new(names, json_string(name ? json_string_value(name) : c[i]));
	}
	return names;
}

static bool
sees_whole(const struct ctx *ctx)
{
	return actor_has_any(ctx->actor, EDITORS);
}

static bool
sees_whole_row(const struct ctx *ctx, json_t *p)
{
	(void)p;
	return sees_whole(ctx);
}

static bool
covers_pole(const struct ctx *ctx, json_t *p)
{
	return pole_actor_covers_any(ctx->actor, json_str(p, "regions"));
}

/* Who sees a pole: the national delegation and admins, and the pole staff of one of its regions. */
static const struct scope_rule pole_rules[] = {
	{ "national reach", EDITORS, "1 = 1", sees_whole_row },
	{ "the pole staff of one of its regions", ROLE_BIT(ROLE_POLE),
	    "p.id IN (SELECT pr.pole_id FROM pole_regions pr WHERE pr.region_code IN " SCOPE_REGIONS("pole") ")",
	    covers_pole },
};

const struct scope pole_scope = { "pole", "poles p", "p.id", pole_rules, sizeof(pole_rules) / sizeof(pole_rules[0]) };

/* True when the actor reaches pole P (a row with its "regions") through pole_scope. */
static bool
pole_visible(struct ctx *ctx, json_t *p)
{
	bool ok = false;

	return scope_check(ctx, &pole_scope, p, json_integer_value(json_object_get(p, "id")), &ok) == TR_OK && ok;
}

tr_err
pole_list(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *items, *map = NULL, *it;
	size_t i;
	tr_err err;

	if ((err = authz_require(ctx, VIEWERS)) != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena, POLE_SELECT "ORDER BY g.name, p.name", &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = region_map(ctx, &map)) != TR_OK)
		return err;
	items = rows_json(r);
	if ((err = rows_joined_into(ctx, items, "regions", POLE_REGIONS_SQL)) != TR_OK) {
		json_decref(items);
		json_decref(map);
		return ctx_storage_error(ctx, err);
	}
	json_array_foreach(items, i, it)
	{
		const char *regions = json_str(it, "regions");
		json_object_set_new(it, "region_names", names_of(ctx, map, regions));
		json_object_set_new(it, "can_view", json_boolean(pole_visible(ctx, it)));
		json_object_set_new(it, "can_edit", json_boolean(sees_whole(ctx)));
	}
	json_decref(map);
	*out = json_pack("{s:o}", "items", items);
	return TR_OK;
}

tr_err
pole_mine(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *rows, *row;
	size_t i;
	tr_err err = db_queryv(ctx->db, ctx->arena, POLE_SELECT "ORDER BY g.name, p.name", &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	rows = rows_json(r);
	if ((err = rows_joined_into(ctx, rows, "regions", POLE_REGIONS_SQL)) != TR_OK) {
		json_decref(rows);
		return ctx_storage_error(ctx, err);
	}
	*out = json_array();
	json_array_foreach(rows, i, row)
	{
		if (actor_has(ctx->actor, ROLE_ADMIN) || pole_actor_covers_any(ctx->actor, json_str(row, "regions")))
			json_array_append_new(*out, json_pack("{s:O, s:O, s:O}", "id", json_object_get(row, "id"),
			                                "name", json_object_get(row, "name"), "programme_name",
			                                json_object_get(row, "programme_name")));
	}
	json_decref(rows);
	return TR_OK;
}

/* Pole ID's row as JSON, or TR_NOT_FOUND with a message. */
static tr_err
load_pole(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	const char *regions = NULL;
	tr_err err = db_onev(ctx->db, ctx->arena, POLE_SELECT "WHERE p.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Ce pôle de ressources n'existe pas.");
	if (err == TR_OK)
		err = rows_joined(ctx, ONE_POLE_REGIONS_SQL, id, &regions);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	json_object_set_new(*out, "regions", json_string(regions));
	return TR_OK;
}

/* "?, ?, ?" for the N codes of C, their values appended to P from *NP. */
static const char *
in_list(struct ctx *ctx, const char *const *c, size_t n, struct db_val *p, size_t *np)
{
	const char *s = "";

	for (size_t i = 0; i < n; i++) {
		s = arena_printf(ctx->arena, "%s%s?", s, i ? ", " : "");
		p[(*np)++] = DB_TEXT(c[i]);
	}
	return s;
}

/* Runs SQL (a format with one %s for the list of regions seen, LIMIT 500 in each view) with PRE (a parameter before the list, may be
 * NULL) and the regions; the rows as a JSON array in *OUT. */
static tr_err
view_rows(
    struct ctx *ctx, const char *sql, const struct db_val *pre, const char *const *seen, size_t nseen, json_t **out)
{
	struct db_val p[REGIONS_MAX + 2];
	size_t np = 0;
	struct db_rows *r;
	const char *list, *hole;
	tr_err err;

	if (nseen == 0) {
		*out = json_array();
		return TR_OK;
	}
	if (pre)
		p[np++] = *pre;
	list = in_list(ctx, seen, nseen, p, &np);
	hole = strstr(sql, "%s");
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "%.*s%s%s", (int)(hole - sql), sql, list, hole + 2), p, np, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

/* The people holding the pole role for the pole P: members of its organisation or covering one of its
 * regions, with the names of the regions they cover. */
static tr_err
staff_of(struct ctx *ctx, json_t *p, json_t *map, json_t **out)
{
	struct db_rows *r;
	int64_t org = json_integer_value(json_object_get(p, "organisation_id"));
	const char *c[REGIONS_MAX];
	size_t n = codes_split(ctx->arena, json_str(p, "regions"), c, REGIONS_MAX);
	/* One row per membership and region it covers (a NULL region when none), grouped below. */
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    "SELECT pe.id, pe.name, pe.email, m.organisation_id, m.id, mr.region_code FROM memberships m JOIN people "
	    "pe "
	    "ON pe.id = m.person_id LEFT JOIN membership_regions mr ON mr.membership_id = m.id WHERE m.role = 'pole' "
	    "AND pe.active = 1 ORDER BY pe.name, pe.id, m.id, mr.region_code",
	    &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_array();
	for (size_t i = 0, j; i < r->nrows; i = j) {
		const char *regions = "";
		bool member = org > 0 && db_int(db_cell(r, i, 3)) == org;
		json_t *row;
		for (j = i; j < r->nrows && db_int(db_cell(r, j, 4)) == db_int(db_cell(r, i, 4)); j++) {
			const char *code = db_text(db_cell(r, j, 5));
			if (code == NULL)
				continue;
			regions = arena_printf(ctx->arena, "%s%s%s", regions, *regions ? "|" : "", code);
			for (size_t k = 0; k < n && !member; k++)
				member = strcmp(code, c[k]) == 0;
		}
		if (!member)
			continue;
		row = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)db_int(db_cell(r, i, 0)), "name",
		    db_text(db_cell(r, i, 1)), "email", db_text(db_cell(r, i, 2)), "organisation_id",
		    (json_int_t)db_int(db_cell(r, i, 3)));
		json_object_set_new(row, "region_names", names_of(ctx, map, regions));
		json_array_append_new(*out, row);
	}
	return TR_OK;
}

tr_err
pole_get(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *p = NULL, *map = NULL, *seen_json, *v;
	const char *c[REGIONS_MAX], *seen[REGIONS_MAX];
	size_t n, nseen = 0;
	struct db_val pid = DB_I64(id);
	tr_err err;

	if ((err = authz_require(ctx, VIEWERS)) != TR_OK)
		return err;
	if ((err = load_pole(ctx, id, &p)) != TR_OK)
		return err;
	if (!pole_visible(ctx, p)) {
		json_decref(p);
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Ce pôle n'est pas dans votre périmètre : vous ne voyez que le pôle des régions que vous couvrez.");
	}
	if ((err = region_map(ctx, &map)) != TR_OK) {
		json_decref(p);
		return err;
	}
	n = codes_split(ctx->arena, json_str(p, "regions"), c, REGIONS_MAX);
	seen_json = json_array();
	for (size_t i = 0; i < n; i++)
		if (sees_whole(ctx) || actor_covers_region(ctx->actor, ROLE_POLE, c[i])) {
			json_t *name = json_object_get(map, c[i]);
			seen[nseen++] = c[i];
			json_array_append_new(seen_json,
			    json_pack("{s:s, s:s}", "code", c[i], "name", name ? json_string_value(name) : c[i]));
		}
	json_object_set_new(p, "region_names", names_of(ctx, map, json_str(p, "regions")));
	json_object_set_new(p, "regions_seen", seen_json);
	json_object_set_new(p, "can_edit", json_boolean(sees_whole(ctx)));
	TRY(staff_of(ctx, p, map, &v));
	json_object_set_new(p, "staff", v);
	TRY(view_rows(ctx,
	    "SELECT d.id, d.state, d.region_code, g.name AS region_name, o.name AS organisation_name, pr.name AS "
	    "programme_name, pl.nom AS place_name, d.posts_requested, d.posts_granted, d.submitted_at FROM dossiers d "
	    "JOIN organisations o ON o.id = d.organisation_id JOIN programmes pr ON pr.id = d.programme_id LEFT JOIN "
	    "regions g ON g.code = d.region_code LEFT JOIN places pl ON pl.id = d.place_id WHERE d.submitted_at IS "
	    "NOT NULL AND d.region_code IN (%s) ORDER BY d.id DESC LIMIT 500",
	    NULL, seen, nseen, &v));
	json_object_set_new(p, "dossiers", v);
	TRY(view_rows(ctx,
	    "SELECT c.id, c.state, c.region_code, g.name AS region_name, o.name AS organisation_name, pe.name AS "
	    "candidate_name, t.name AS tutor_name, c.start_on, c.end_on, pr.name AS programme_name FROM contracts c "
	    "JOIN organisations o ON o.id = c.organisation_id JOIN people pe ON pe.id = c.candidate_id JOIN people t "
	    "ON t.id = c.tutor_id JOIN programmes pr ON pr.id = c.programme_id LEFT JOIN regions g ON g.code = "
	    "c.region_code WHERE c.region_code IN (%s) ORDER BY c.start_on DESC, c.id DESC LIMIT 500",
	    NULL, seen, nseen, &v));
	json_object_set_new(p, "contracts", v);
	TRY(view_rows(ctx,
	    "SELECT t.id, t.name, t.email, COUNT(*) AS contracts, COUNT(CASE WHEN c.state IN ('planned', 'active', "
	    "'suspended') THEN 1 END) AS live_contracts, MIN(o.name) AS organisation_name FROM contracts c JOIN people "
	    "t ON t.id = c.tutor_id JOIN organisations o ON o.id = c.organisation_id WHERE c.region_code IN (%s) "
	    "GROUP BY t.id, t.name, t.email ORDER BY t.name, t.id LIMIT 500",
	    NULL, seen, nseen, &v));
	json_object_set_new(p, "tutors", v);
	/* A session of the pole without a region (remote) is the pole's; any other is seen by its region. */
	TRY(view_rows(ctx,
	    "SELECT s.id, s.title, s.audience, s.starts_on, s.ends_on, s.region_code, g.name AS region_name, "
	    "s.remote, s.state, s.capacity, s.min_registrants, s.registration_deadline, (SELECT COUNT(*) FROM "
	    "session_registrations r WHERE r.session_id = s.id AND r.state = 'registered') AS registered FROM "
	    "training_sessions s LEFT JOIN regions g ON g.code = s.region_code WHERE (s.pole_id = ? AND s.region_code "
	    "IS NULL) OR s.region_code IN (%s) ORDER BY s.starts_on DESC, s.id DESC LIMIT 500",
	    &pid, seen, nseen, &v));
	json_object_set_new(p, "sessions", v);
out:
	json_decref(map);
	if (err != TR_OK) {
		json_decref(p);
		return err;
	}
	*out = p;
	return TR_OK;
}

tr_err
pole_read(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err;

	if ((err = authz_require(ctx, EDITORS)) != TR_OK)
		return err;
	return load_pole(ctx, id, out);
}

tr_err
pole_organisations(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_queryv(
	    ctx->db, ctx->arena, "SELECT id, name FROM organisations WHERE kind = 'pole' ORDER BY name, id", &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

/* The regions of IN (a JSON array of codes, or a string joined by '|', ',' or spaces) as the canonical
 * '|'-joined string of known codes without repeats; NULL after a field error. */
static const char *
regions_of(struct ctx *ctx, json_t *v)
{
	const char *out = "", *text = NULL;
	size_t i;
	json_t *x;

	if (json_is_array(v)) {
		text = "";
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x)) {
				text = NULL;
				break;
			}
			text = arena_printf(ctx->arena, "%s|%s", text, json_string_value(x));
		}
	} else if (json_is_string(v)) {
		text = json_string_value(v);
	}
	if (text == NULL) {
		field_errors_add(
		    &ctx->errors, "regions", "« Régions couvertes » doit être une liste de codes de régions.");
		return NULL;
	}
	for (char *save = NULL, *s = arena_strdup(ctx->arena, text), *tok = strtok_r(s, "|, \t", &save); tok;
	     tok = strtok_r(NULL, "|, \t", &save)) {
		struct db_rows *r;
		tr_err err = db_onev(ctx->db, ctx->arena, "SELECT code FROM regions WHERE code = ?", &r, DB_TEXT(tok));
		if (err == TR_NOT_FOUND || utf8_length(tok, strlen(tok)) > 3) {
			field_errors_add(&ctx->errors, "regions",
			    arena_printf(
			        ctx->arena, "« Régions couvertes » : « %s » n'est pas un code de région connu.", tok));
			return NULL;
		}
		if (err != TR_OK) {
			ctx_storage_error(ctx, err);
			return NULL;
		}
		if (!pole_codes_has(out, tok))
			out = arena_printf(ctx->arena, "%s%s%s", out, *out ? "|" : "", tok);
	}
	if (*out == '\0') {
		field_errors_add(&ctx->errors, "regions", "« Régions couvertes » doit nommer au moins une région.");
		return NULL;
	}
	return out;
}

/* Validates a pole's fields into *CLEAN (regions canonical, the organisation of kind pole). */
static tr_err
pole_check(struct ctx *ctx, json_t *in, json_t **clean)
{
	json_t *copy = json_deep_copy(in ? in : json_object());
	json_t *regions = json_object_get(copy, "regions");
	const char *canon = NULL;
	int64_t org;
	tr_err err;

	/* The validator wants text: the regions are checked here and passed on canonical ("-" after an error, so
	 * that the field is not also said to be missing). */
	if (regions != NULL && !json_is_null(regions)) {
		canon = regions_of(ctx, regions);
		json_object_set_new(copy, "regions", json_string(canon ? canon : "-"));
	}
	err = entity_validate(&entity_pole, copy, false, ctx->arena, &ctx->errors, clean);
	json_decref(copy);
	org = json_integer_value(json_object_get(*clean, "organisation_id"));
	if (org > 0) {
		struct db_rows *r;
		tr_err e = db_onev(ctx->db, ctx->arena, "SELECT kind FROM organisations WHERE id = ?", &r, DB_I64(org));
		if (e != TR_OK && e != TR_NOT_FOUND)
			return ctx_storage_error(ctx, e);
		if (e == TR_NOT_FOUND || strcmp(db_cell(r, 0, 0)->s.p, "pole") != 0)
			field_errors_add(&ctx->errors, "organisation_id",
			    "« Structure porteuse » doit être une structure de type pôle de ressources.");
	}
	return ctx->errors.n ? TR_INVALID : err;
}

tr_err
pole_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *c = NULL, *before = NULL, *detail;
	int64_t changed = 0, org;
	tr_err err;

	if ((err = authz_require(ctx, EDITORS)) != TR_OK)
		return err;
	if ((err = load_pole(ctx, id, &before)) != TR_OK)
		return err;
	if ((err = pole_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	org = json_integer_value(json_object_get(c, "organisation_id"));
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE poles SET name = ?, organisation_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
	    "version = ?",
	    &changed, DB_TEXT(json_str(c, "name")), org > 0 ? DB_I64(org) : DB_NULLV, DB_I64(ctx->now), DB_I64(id),
	    DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce pôle a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	TRY(rows_replace(ctx, "DELETE FROM pole_regions WHERE pole_id = ?",
	    "INSERT INTO pole_regions (pole_id, region_code, position) VALUES (?, ?, ?)", id, json_str(c, "regions"),
	    false));
	detail = entity_diff(&entity_pole, before, c);
	err = journal_append(ctx, "pole", id, "update", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(before);
	return err;
}

/* ---- Preliminary diagnoses ---- */

#define DIAGNOSIS_SELECT                                                                                         \
	"SELECT pd.id, pd.pole_id, po.name AS pole_name, pd.dossier_id, pd.place_id, pl.nom AS place_name, "     \
	"pd.job_profile_id, j.title AS job_profile_title, pd.checklist, pd.conclusion, pd.recommendations, "     \
	"pe.name AS author_name, pd.created_at, pd.updated_at, pd.version FROM pole_diagnoses pd JOIN poles po " \
	"ON po.id = pd.pole_id LEFT JOIN places pl ON pl.id = pd.place_id LEFT JOIN job_profiles j ON j.id = "   \
	"pd.job_profile_id LEFT JOIN people pe ON pe.id = pd.author_id "

/* Row I of R as a diagnosis: the checklist decoded, the conclusion's label. */
static json_t *
diagnosis_json(const struct db_rows *r, size_t i)
{
	json_t *o = row_json(r, i), *list;
	const char *text = json_str(o, "checklist"), *conclusion = json_str(o, "conclusion");
	const char *label = conclusion ? vocab_label(&vocab_diagnosis_conclusion, conclusion) : NULL;

	list = text ? json_loads(text, 0, NULL) : NULL;
	json_object_set_new(o, "checklist", json_is_array(list) ? list : json_array());
	if (list != NULL && !json_is_array(list))
		json_decref(list);
	json_object_set_new(o, "conclusion_label", json_string(label ? label : ""));
	return o;
}

/* Whether the actor is who diagnoses dossier D: an admin, or the pole covering its region. */
static bool
may_diagnose(const struct ctx *ctx, json_t *d)
{
	return actor_has(ctx->actor, ROLE_ADMIN) ||
	       actor_covers_region(ctx->actor, ROLE_POLE, json_str(d, "region_code"));
}

/* Whether the actor may write D's diagnosis now: theirs, and before the national decision. */
static bool
can_diagnose(const struct ctx *ctx, json_t *d)
{
	return may_diagnose(ctx, d) && !dossier_decided(d);
}

tr_err
pole_diagnoses_of_dossier(struct ctx *ctx, int64_t dossier_id, json_t **out)
{
	json_t *d = NULL, *items;
	struct db_rows *r;
	tr_err err;

	if ((err = dossier_get(ctx, dossier_id, &d)) != TR_OK)
		return err;
	err = db_queryv(
	    ctx->db, ctx->arena, DIAGNOSIS_SELECT "WHERE pd.dossier_id = ? ORDER BY pd.id", &r, DB_I64(dossier_id));
	if (err != TR_OK) {
		json_decref(d);
		return ctx_storage_error(ctx, err);
	}
	items = json_array();
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(items, diagnosis_json(r, i));
	*out = json_pack("{s:o, s:b}", "items", items, "can_write", can_diagnose(ctx, d));
	json_decref(d);
	return TR_OK;
}

/* Diagnosis ID (no access check). */
static tr_err
load_diagnosis(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, DIAGNOSIS_SELECT "WHERE pd.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Ce diagnostic n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = diagnosis_json(r, 0);
	return TR_OK;
}

tr_err
pole_diagnosis_get(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *g = NULL, *d = NULL;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = load_diagnosis(ctx, id, &g)) != TR_OK)
		return err;
	if ((err = dossier_get(ctx, json_integer_value(json_object_get(g, "dossier_id")), &d)) != TR_OK) {
		json_decref(g);
		return err;
	}
	json_object_set_new(g, "can_write", json_boolean(can_diagnose(ctx, d)));
	json_decref(d);
	*out = g;
	return TR_OK;
}

/* The value of "ok" as a boolean: JSON true/false or the words forms send. -1 when neither. */
static int
yes_no(json_t *v)
{
	static const char *const yes[] = { "1", "true", "oui", "on", NULL }, *const no[] = { "0", "false", "non",
		NULL };
	const char *s;

	if (json_is_boolean(v))
		return json_is_true(v);
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	for (size_t i = 0; yes[i]; i++)
		if (strcmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; no[i]; i++)
		if (strcmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* The entry of item CODE in the checklist V: an array of {code, …} or an object keyed by code. */
static json_t *
item_in(json_t *v, const char *code)
{
	size_t i;
	json_t *x;

	if (json_is_object(v))
		return json_object_get(v, code);
	json_array_foreach(
	    v, i, x) if (json_is_object(x) && json_str(x, "code") && strcmp(json_str(x, "code"), code) == 0) return x;
	return NULL;
}

/* The checklist of IN in the stored shape [{code, label, ok, comment}], every item of the vocabulary in its
 * order; field errors name item_CODE (the yes/no) and item_CODE_comment. */
static json_t *
checklist_of(struct ctx *ctx, json_t *in)
{
	json_t *v = json_object_get(in, "checklist"), *out = json_array();

	if (v != NULL && !json_is_array(v) && !json_is_object(v)) {
		field_errors_add(
		    &ctx->errors, "checklist", "« Points vérifiés » doit être une liste d'objets {code, ok, comment}.");
		return out;
	}
	for (size_t i = 0; i < vocab_diagnosis_item.n; i++) {
		const struct vocab_item *item = &vocab_diagnosis_item.items[i];
		json_t *e = item_in(v, item->code), *c = NULL, *one;
		int ok = e ? yes_no(json_object_get(e, "ok")) : -1;
		struct field_errors fe = { .n = 0 };
		const char *comment = NULL;

		if (ok < 0)
			field_errors_add(&ctx->errors, arena_printf(ctx->arena, "item_%s", item->code),
			    arena_printf(ctx->arena, "« %s » : indiquez si ce point est satisfaisant (oui ou non).",
			        item->label));
		one = json_pack("{s:O?}", "comment", e ? json_object_get(e, "comment") : NULL);
		if (entity_validate(&entity_diagnosis_comment, one, true, ctx->arena, &fe, &c) != TR_OK)
			field_errors_add(&ctx->errors, arena_printf(ctx->arena, "item_%s_comment", item->code),
			    arena_printf(ctx->arena, "« %s » : %s", item->label, fe.items[0].message));
		else
			comment = json_str(c, "comment");
		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:s?}", "code", item->code, "label", item->label,
		                               "ok", ok == 1, "comment", comment));
		json_decref(one);
		json_decref(c);
	}
	return out;
}

/* Validates a diagnosis: its fields into *CLEAN, its checklist as stored text into *CHECKLIST (arena). */
static tr_err
diagnosis_check(struct ctx *ctx, json_t *in, json_t **clean, const char **checklist)
{
	tr_err err = entity_validate(&entity_pole_diagnosis, in, false, ctx->arena, &ctx->errors, clean);
	json_t *list = checklist_of(ctx, in);
	char *text = json_dumps(list, JSON_COMPACT);

	*checklist = arena_strdup(ctx->arena, text);
	free(text);
	json_object_set_new(*clean, "checklist", list);
	return ctx->errors.n ? TR_INVALID : err;
}

/* The pole that diagnoses dossier D: the one it names when that pole covers its region, else the first pole of
 * its programme covering it, else the first pole covering it. */
static tr_err
diagnosis_pole(struct ctx *ctx, json_t *d, int64_t *pole_id)
{
	const char *region = json_str(d, "region_code");
	int64_t named = json_integer_value(json_object_get(d, "pole_id"));
	struct db_rows *r;
	tr_err err;

	if (region == NULL)
		return ctx_fail(ctx, TR_INVALID,
		    "Le lieu de ce dossier n'a pas de région connue : aucun pôle de ressources ne peut le "
		    "diagnostiquer.");
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT p.id, CASE WHEN p.id = ? THEN 0 WHEN p.programme_id = ? THEN 1 ELSE 2 END AS pref FROM poles p "
	    "JOIN pole_regions pr ON pr.pole_id = p.id AND pr.region_code = ? ORDER BY pref, p.id LIMIT 1",
	    &r, DB_I64(named), DB_I64(json_integer_value(json_object_get(d, "programme_id"))), DB_TEXT(region));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_INVALID, "Aucun pôle de ressources ne couvre la région de ce dossier.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*pole_id = db_int(db_cell(r, 0, 0));
	return TR_OK;
}

/* Dossier ID read by the actor, who must be able to diagnose it. */
static tr_err
diagnosable(struct ctx *ctx, int64_t dossier_id, json_t **d)
{
	tr_err err = dossier_get(ctx, dossier_id, d);

	if (err != TR_OK)
		return err;
	if (!may_diagnose(ctx, *d))
		err = ctx_fail(ctx, TR_FORBIDDEN,
		    "Seul le pôle de ressources de la région du dossier peut en faire le diagnostic préalable.");
	else if (dossier_decided(*d))
		err = ctx_fail(ctx, TR_CONFLICT,
		    arena_printf(ctx->arena,
		        "Le diagnostic préalable se fait avant la décision nationale : ce dossier est déjà « %s », le "
		        "diagnostic ne peut plus être enregistré ni modifié.",
		        json_str(*d, "state_label") ? json_str(*d, "state_label") : json_str(*d, "state")));
	if (err != TR_OK) {
		json_decref(*d);
		*d = NULL;
	}
	return err;
}

tr_err
pole_diagnosis_create(struct ctx *ctx, int64_t dossier_id, json_t *in, int64_t *id)
{
	json_t *d = NULL, *c = NULL, *detail;
	const char *checklist = NULL;
	struct db_rows *r;
	int64_t profile, pole = 0;
	tr_err err;

	if ((err = diagnosable(ctx, dossier_id, &d)) != TR_OK)
		return err;
	if ((err = diagnosis_check(ctx, in, &c, &checklist)) != TR_OK)
		goto out_nodb;
	profile = json_integer_value(json_object_get(c, "job_profile_id"));
	if (profile <= 0)
		profile = json_integer_value(json_object_get(d, "job_profile_id"));
	if (profile <= 0) {
		field_errors_add(
		    &ctx->errors, "job_profile_id", "« Métier » est obligatoire : ce dossier n'en nomme pas.");
		err = TR_INVALID;
		goto out_nodb;
	}
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM job_profiles WHERE id = ? AND programme_id = ?", &r,
	    DB_I64(profile), DB_I64(json_integer_value(json_object_get(d, "programme_id"))));
	if (err == TR_NOT_FOUND) {
		field_errors_add(
		    &ctx->errors, "job_profile_id", "« Métier » n'est pas une fiche métier du dispositif du dossier.");
		err = TR_INVALID;
		goto out_nodb;
	}
	if (err != TR_OK || (err = diagnosis_pole(ctx, d, &pole)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM pole_diagnoses WHERE dossier_id = ? AND job_profile_id = ?",
	    &r, DB_I64(dossier_id), DB_I64(profile));
	if (err == TR_OK) {
		err = ctx_fail(ctx, TR_CONFLICT, "Un diagnostic préalable existe déjà pour ce métier : modifiez-le.");
		goto out;
	}
	if (err != TR_NOT_FOUND)
		goto out;
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO pole_diagnoses (pole_id, dossier_id, place_id, job_profile_id, checklist, conclusion, "
	    "recommendations, author_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(pole), DB_I64(dossier_id), DB_TEXT(json_str(d, "place_id")), DB_I64(profile), DB_TEXT(checklist),
	    DB_TEXT(json_str(c, "conclusion")), DB_TEXT(json_str(c, "recommendations")),
	    ctx->actor ? DB_I64(ctx->actor->person_id) : DB_NULLV, DB_I64(ctx->now), DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	json_object_set_new(c, "dossier_id", json_integer(dossier_id));
	json_object_set_new(c, "job_profile_id", json_integer(profile));
	json_object_set_new(c, "pole_id", json_integer(pole));
	detail = json_pack("{s:O}", "after", c);
	err = journal_append(ctx, "pole_diagnosis", *id, "create", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(d);
	return err;
}

tr_err
pole_diagnosis_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *g = NULL, *d = NULL, *c = NULL, *detail;
	const char *checklist = NULL;
	int64_t changed = 0;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = load_diagnosis(ctx, id, &g)) != TR_OK)
		return err;
	if ((err = diagnosable(ctx, json_integer_value(json_object_get(g, "dossier_id")), &d)) != TR_OK)
		goto out_nodb;
	if ((err = diagnosis_check(ctx, in, &c, &checklist)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE pole_diagnoses SET checklist = ?, conclusion = ?, recommendations = ?, author_id = ?, updated_at = "
	    "?, version = version + 1 WHERE id = ? AND version = ?",
	    &changed, DB_TEXT(checklist), DB_TEXT(json_str(c, "conclusion")), DB_TEXT(json_str(c, "recommendations")),
	    ctx->actor ? DB_I64(ctx->actor->person_id) : DB_NULLV, DB_I64(ctx->now), DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce diagnostic a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	json_object_del(c, "job_profile_id");
	detail = entity_diff(&entity_pole_diagnosis, g, c);
	json_object_set(detail, "dossier_id", json_object_get(g, "dossier_id"));
	{ /* the checklist is no field of the table: compared as the stored JSON */
		json_t *now = json_loads(checklist, 0, NULL);
		if (!json_equal(now, json_object_get(g, "checklist"))) {
			json_object_set(
			    json_object_get(detail, "before"), "checklist", json_object_get(g, "checklist"));
			json_object_set(json_object_get(detail, "after"), "checklist", now);
		}
		json_decref(now);
	}
	err = journal_append(ctx, "pole_diagnosis", id, "update", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(d);
	json_decref(g);
	return err;
}
