/* Activity reports around the reports: the vocabularies and settings national officers edit, the mediators a
 * structure declares, the advisers without a report and their reminders. */
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/activity/activity.h"
#include "domain/activity/activity_int.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "model/activity/activity.h"

/* ---- Vocabularies ---- */

tr_err
activity_vocab_list(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *families;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	/* in_use: set by the first report that used the code (activity_acc_flush). */
	err = db_query(ctx->db, ctx->arena,
	    "SELECT v.family, v.code, v.label, v.grp, v.harmonised, v.valid_from, v.valid_to, v.in_use FROM "
	    "activity_vocab v ORDER BY v.family, v.position, v.code",
	    NULL, 0, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	families = json_array();
	for (size_t f = 0; f < activity_nfamilies; f++) {
		json_t *items = json_array();
		for (size_t i = 0; i < r->nrows; i++) {
			json_t *o;
			if (strcmp(db_text(db_cell(r, i, 0)), activity_families[f].code) != 0)
				continue;
			o = row_json(r, i);
			json_object_del(o, "family");
			json_object_set_new(o, "in_use", json_boolean(db_int(db_cell(r, i, 7))));
			json_array_append_new(items, o);
		}
		json_array_append_new(families, json_pack("{s:s, s:s, s:o}", "family", activity_families[f].code,
		                                    "label", activity_families[f].label, "items", items));
	}
	*out = families;
	return TR_OK;
}

static bool
date_ok(const char *s)
{
	int y, m, d;

	return s == NULL || date_parse(s, strlen(s), &y, &m, &d);
}

static bool
code_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 60)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

tr_err
activity_vocab_put(struct ctx *ctx, const char *family, const char *code, json_t *in)
{
	const char *label = json_str(in, "label"), *from = json_str(in, "valid_from"), *to = json_str(in, "valid_to");
	const char *grp = json_str(in, "grp"), *harmonised = json_str(in, "harmonised");
	struct db_rows *r;
	json_t *detail;
	tr_err err;

	if ((err = authz_require(ctx, ACTIVITY_EDITORS)) != TR_OK)
		return err;
	if (activity_family(family) == NULL)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce vocabulaire n'existe pas.");
	if (!code_ok(code))
		field_errors_add(&ctx->errors, "code",
		    "« Code » : de 1 à 60 caractères parmi les minuscules sans accent, les chiffres et « _ ».");
	if (label == NULL || *label == '\0' || strlen(label) > 200 || field_has_controls(label, strlen(label), false))
		field_errors_add(&ctx->errors, "label", "« Libellé » est obligatoire (200 caractères au plus).");
	if (!date_ok(from))
		field_errors_add(&ctx->errors, "valid_from", "« En vigueur à partir du » : une date AAAA-MM-JJ.");
	if (!date_ok(to))
		field_errors_add(&ctx->errors, "valid_to", "« En vigueur jusqu'au » : une date AAAA-MM-JJ.");
	if (ctx->errors.n)
		return TR_INVALID;
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT label, grp, harmonised, valid_from, valid_to FROM activity_vocab WHERE family = ? AND code = ?", &r,
	    DB_TEXT(family), DB_TEXT(code));
	if (err == TR_NOT_FOUND) {
		TRY(db_execv(ctx->db,
		    "INSERT INTO activity_vocab (family, code, label, grp, harmonised, valid_from, valid_to, position, "
		    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM "
		    "activity_vocab "
		    "WHERE family = ?), ?)",
		    NULL, DB_TEXT(family), DB_TEXT(code), DB_TEXT(label), DB_TEXT(grp ? grp : ""),
		    DB_TEXT(harmonised ? harmonised : ""), DB_TEXT(from), DB_TEXT(to), DB_TEXT(family),
		    DB_I64(ctx->now)));
		detail = json_pack("{s:s, s:s, s:s}", "family", family, "code", code, "label", label);
		err = journal_append_key(
		    ctx, "activity_vocab", arena_printf(ctx->arena, "%s/%s", family, code), "add", detail);
	} else {
		TRY(err);
		TRY(db_execv(ctx->db,
		    "UPDATE activity_vocab SET label = ?, grp = COALESCE(CAST(? AS TEXT), grp), harmonised = "
		    "COALESCE(CAST(? AS TEXT), harmonised), valid_from = ?, valid_to = ?, updated_at = ? WHERE family "
		    "= ? "
		    "AND code = ?",
		    NULL, DB_TEXT(label), DB_TEXT(grp), DB_TEXT(harmonised), DB_TEXT(from), DB_TEXT(to),
		    DB_I64(ctx->now), DB_TEXT(family), DB_TEXT(code)));
		detail = json_pack(
		    "{s:{s:s}, s:{s:s}}", "before", "label", db_text(db_cell(r, 0, 0)), "after", "label", label);
		err = journal_append_key(
		    ctx, "activity_vocab", arena_printf(ctx->arena, "%s/%s", family, code), "relabel", detail);
	}
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
activity_vocab_retire(struct ctx *ctx, const char *family, const char *code, const char *on, bool remove)
{
	const char *day = on && *on ? on : date_iso(ctx->arena, ctx->now);
	struct db_rows *r;
	int64_t changed = 0;
	tr_err err;

	if ((err = authz_require(ctx, ACTIVITY_EDITORS)) != TR_OK)
		return err;
	if (!date_ok(day)) {
		field_errors_add(&ctx->errors, "valid_to", "« En vigueur jusqu'au » : une date AAAA-MM-JJ.");
		return TR_INVALID;
	}
	TRY(tx_begin(ctx));
	if (remove) {
		/* A code in use is never deleted: the first report that used it marked it (activity_vocab.in_use). */
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT 1 FROM activity_vocab WHERE family = ? AND code = ? AND in_use = 1", &r, DB_TEXT(family),
		    DB_TEXT(code));
		if (err == TR_OK) {
			err = ctx_fail(ctx, TR_CONFLICT,
			    "Ce code est utilisé par des comptes rendus : il ne peut pas être supprimé, seulement "
			    "retiré.");
			goto out;
		}
		if (err != TR_NOT_FOUND)
			goto out;
		TRY(db_execv(ctx->db, "DELETE FROM activity_vocab WHERE family = ? AND code = ?", &changed,
		    DB_TEXT(family), DB_TEXT(code)));
	} else {
		TRY(db_execv(ctx->db,
		    "UPDATE activity_vocab SET valid_to = ?, updated_at = ? WHERE family = ? AND code = ?", &changed,
		    DB_TEXT(day), DB_I64(ctx->now), DB_TEXT(family), DB_TEXT(code)));
	}
	if (changed == 0) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Ce code n'existe pas.");
		goto out;
	}
	{
		json_t *detail = json_pack("{s:s}", "valid_to", day);
		err = journal_append_key(ctx, "activity_vocab", arena_printf(ctx->arena, "%s/%s", family, code),
		    remove ? "remove" : "retire", detail);
		json_decref(detail);
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- Settings ---- */

tr_err
activity_settings(struct ctx *ctx, json_t **out)
{
	struct activity_cache c;
	tr_err err;

	activity_cache_init(ctx, &c);
	if ((err = activity_settings_load(ctx, &c)) != TR_OK)
		return err;
	*out = json_pack("{s:I, s:s}", "edit_window_days", (json_int_t)c.window_days, "first_day", c.first_day);
	return TR_OK;
}

tr_err
activity_settings_put(struct ctx *ctx, json_t *in)
{
	json_t *w = json_object_get(in, "edit_window_days"), *detail;
	const char *first = json_str(in, "first_day");
	long long days = -1;
	tr_err err;

	if ((err = authz_require(ctx, ACTIVITY_EDITORS)) != TR_OK)
		return err;
	if (w && !(json_is_integer(w) && (days = json_integer_value(w)) >= 0 && days <= 3660) &&
	    !(json_is_string(w) && str_to_i64(str_c(json_string_value(w)), &days) && days >= 0 && days <= 3660))
		field_errors_add(&ctx->errors, "edit_window_days",
		    "« Délai de modification (jours) » : un nombre entier de 0 à 3660.");
	if (first && !date_ok(first))
		field_errors_add(
		    &ctx->errors, "first_day", "« Premier jour des comptes rendus » : une date AAAA-MM-JJ.");
	if (ctx->errors.n)
		return TR_INVALID;
	TRY(tx_begin(ctx));
	if (w)
		TRY(db_execv(ctx->db, "UPDATE settings SET value = ? WHERE key = 'activity_edit_window_days'", NULL,
		    DB_TEXT(arena_printf(ctx->arena, "%lld", days))));
	if (first)
		TRY(db_execv(
		    ctx->db, "UPDATE settings SET value = ? WHERE key = 'activity_first_day'", NULL, DB_TEXT(first)));
	detail = json_deep_copy(in);
	err = journal_append_key(ctx, "settings", "activity", "update", detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- Mediators ---- */

tr_err
activity_mediator_allowed(struct ctx *ctx, int64_t org_id)
{
	if (ctx->actor == NULL)
		return TR_UNAUTHORIZED;
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, org_id) && !actor_has(ctx->actor, ROLE_ADMIN))
		return ctx_fail(ctx, TR_FORBIDDEN, "Seule la structure déclare ses médiateurs.");
	return TR_OK;
}

tr_err
activity_mediator_set(struct ctx *ctx, int64_t org_id, int64_t person_id, bool on)
{
	struct db_rows *r;
	tr_err err;

	if ((err = activity_mediator_allowed(ctx, org_id)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT 1 FROM memberships WHERE person_id = ? AND organisation_id = ? AND role = 'employer'", &r,
	    DB_I64(person_id), DB_I64(org_id));
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "person_id",
		    "« Personne » : seul un membre de la structure peut être déclaré médiateur.");
		return TR_INVALID;
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(tx_begin(ctx));
	if (on)
		TRY(db_execv(ctx->db,
		    "INSERT INTO activity_mediators (organisation_id, person_id, since_on, created_at) VALUES (?, ?, "
		    "?, ?) ON "
		    "CONFLICT (organisation_id, person_id) DO NOTHING",
		    NULL, DB_I64(org_id), DB_I64(person_id), DB_TEXT(date_iso(ctx->arena, ctx->now)),
		    DB_I64(ctx->now)));
	else
		TRY(db_execv(ctx->db, "DELETE FROM activity_mediators WHERE organisation_id = ? AND person_id = ?",
		    NULL, DB_I64(org_id), DB_I64(person_id)));
	{
		json_t *detail = json_pack("{s:I}", "person_id", (json_int_t)person_id);
		err = journal_append(ctx, "organisation", org_id, on ? "mediator_add" : "mediator_remove", detail);
		json_decref(detail);
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- Advisers without a report ---- */

/* Every adviser (live contract or mediator) with their structure and last report: the FROM of the lists. */
#define ADVISERS                                                                                                 \
	"(SELECT c.candidate_id AS person_id, c.organisation_id, c.start_on AS since_on FROM contracts c WHERE " \
	"c.state IN ('planned', 'active', 'suspended') UNION SELECT m.person_id, m.organisation_id, m.since_on " \
	"FROM activity_mediators m) ad JOIN people p ON p.id = ad.person_id JOIN organisations o ON o.id = "     \
	"ad.organisation_id LEFT JOIN communes cm ON cm.code = o.commune_code "
#define LAST_REPORT                                                                                                \
	"(SELECT MAX(x.session_on) FROM activity_reports x WHERE x.adviser_id = ad.person_id AND x.deleted_at IS " \
	"NULL)"

tr_err
activity_silent(struct ctx *ctx, json_t **out)
{
	const char *since = date_add(ctx->arena, date_iso(ctx->arena, ctx->now), 0, -30);
	const char *where = "1 = 0";
	struct db_val p[8];
	size_t np = 0;
	struct db_rows *r;
	json_t *items;
	tr_err err;

	if ((err = authz_require(ctx,
	         ACTIVITY_NATIONAL | ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL))) != TR_OK)
		return err;
	if (actor_has_any(ctx->actor, ACTIVITY_NATIONAL))
		where = "1 = 1";
	else {
		where = "(ad.organisation_id IN " SCOPE_ORGS("employer") " OR cm.region_code IN " SCOPE_REGIONS(
		    "pole") " OR cm.region_code IN " SCOPE_REGIONS("regional") ")";
		p[np++] = DB_I64(ctx->actor->person_id);
		p[np++] = DB_I64(ctx->actor->person_id);
		p[np++] = DB_I64(ctx->actor->person_id);
	}
	p[np++] = DB_TEXT(since);
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena,
	        "SELECT ad.person_id AS id, p.name, p.email, ad.organisation_id, o.name AS "
	        "organisation_name, " LAST_REPORT " AS last_on FROM " ADVISERS "WHERE %s AND COALESCE(" LAST_REPORT
	        ", '') < ? ORDER BY last_on, p.name, ad.person_id LIMIT 1000",
	        where),
	    p, np, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	items = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *o = row_json(r, i);
		const char *last = json_str(o, "last_on");
		int y, m, d, y2, m2, d2;
		if (last && date_parse(last, strlen(last), &y, &m, &d) &&
		    date_parse(date_iso(ctx->arena, ctx->now), 10, &y2, &m2, &d2))
			json_object_set_new(o, "days", json_integer(date_days(y2, m2, d2) - date_days(y, m, d)));
		else
			json_object_set_new(o, "days", json_null());
		json_array_append_new(items, o);
	}
	*out = items;
	return TR_OK;
}

tr_err
activity_remind(struct ctx *ctx, int64_t *count)
{
	static const int thresholds[] = { 45, 30 };
	struct db_rows *r;
	tr_err err = TR_OK;

	*count = 0;
	for (size_t t = 0; t < sizeof(thresholds) / sizeof(thresholds[0]); t++) {
		const char *since = date_add(ctx->arena, date_iso(ctx->arena, ctx->now), 0, -thresholds[t]);
		err = db_queryv(ctx->db, ctx->arena,
		    "SELECT ad.person_id, COALESCE(" LAST_REPORT ", '') AS last_on FROM " ADVISERS
		    "WHERE ad.since_on <= ? AND COALESCE(" LAST_REPORT
		    ", '') < ? AND NOT EXISTS (SELECT 1 FROM activity_reminders rm WHERE "
		    "rm.adviser_id = ad.person_id AND "
		    "rm.days >= ? AND rm.last_on = COALESCE(" LAST_REPORT ", ''))",
		    &r, DB_TEXT(since), DB_TEXT(since), DB_I64(thresholds[t]));
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		for (size_t i = 0; i < r->nrows; i++) {
			int64_t who = db_int(db_cell(r, i, 0));
			const char *last = db_text(db_cell(r, i, 1));
			const char *body = arena_printf(ctx->arena,
			    "Bonjour,\n\nNous n'avons reçu aucun compte rendu d'activité de votre part depuis %d "
			    "jours%s%s.\n"
			    "Pensez à saisir vos séances : cela prend moins de 30 secondes.",
			    thresholds[t], *last ? " (dernier : " : "",
			    *last ? arena_printf(ctx->arena, "%s)", last) : "");
			TRY(tx_begin(ctx));
			TRY(db_execv(ctx->db,
			    "INSERT INTO activity_reminders (adviser_id, days, last_on, sent_at) VALUES (?, ?, ?, ?) "
			    "ON "
			    "CONFLICT (adviser_id, days, last_on) DO NOTHING",
			    NULL, DB_I64(who), DB_I64(thresholds[t]), DB_TEXT(last), DB_I64(ctx->now)));
			TRY(notify_person(
			    ctx, who, "Vos comptes rendus d'activité", notify_text(ctx, body, "/activite/nouveau")));
			err = tx_end(ctx, TR_OK);
			if (err != TR_OK)
				return err;
			(*count)++;
		}
	}
	return TR_OK;
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
