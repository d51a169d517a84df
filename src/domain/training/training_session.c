/* Training organisations, sessions and registrations with their waiting list (two transition tables on the
 * lifecycle engine), attendance, the scheduled cancellation of sessions under their minimum, the sessions at
 * risk, and the tutors' training record. */
#include "domain/training/training_session.h"

#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/scope.h"
#include "domain/recruitment/contract.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/training/training_path.h"
#include "domain/kernel/workflow.h"
#include "model/training/training.h"

#define NATIONAL_REACH (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL))
/* The most region codes a caller asks the sessions at risk for. */
#define REGIONS_ASKED_MAX 32
/* The most days a session's attendance sheet lists (a year and a bit). */
#define DAYS_MAX 400
/* How far ahead a session under its minimum is "at risk". */
#define RISK_DAYS 7

/* The parties of a session and of a registration, as the workflows' "who". */
enum {
	S_RUNNER = 1 << 0,    /* its trainers, the pole for a tutor training, national officers, admins */
	S_SYSTEM = 1 << 1,    /* the scheduled job, the waiting list moving up */
	S_CONCERNED = 1 << 2, /* a registration's person, who made it, their structure */
};

#define NOT_CANCELLED (WF_BIT(SESSION_OPEN) | WF_BIT(SESSION_CONFIRMED))

static tr_err effect_cancel(struct wf_call *c);
static tr_err tell_cancelled(struct wf_call *c);
static tr_err guard_session_live(struct wf_call *c);
static tr_err tell_registrant(struct wf_call *c);
static tr_err tell_promoted(struct wf_call *c);

static const struct wf_transition session_rows[] = {
	{ "cancel", "Annuler la session", NOT_CANCELLED, SESSION_CANCELLED, S_RUNNER, &entity_session_cancel, false,
	    NULL, effect_cancel, tell_cancelled, WF_DANGER,
	    "Annuler cette session ? Tous les inscrits et leurs structures seront prévenus par courriel ; une session "
	    "annulée ne peut pas être rétablie.",
	    "La session n° {n} est annulée ; les inscrits et leurs structures sont prévenus par courriel.", NULL,
	    NULL },
	{ "cancel_under_minimum", "Annuler la session faute d'inscrits", WF_BIT(SESSION_OPEN), SESSION_CANCELLED,
	    S_SYSTEM, NULL, false, NULL, effect_cancel, tell_cancelled, WF_DANGER, NULL,
	    "La session n° {n} est annulée faute d'inscrits.", NULL, NULL },
	{ "confirm", "Confirmer la session", WF_BIT(SESSION_OPEN), SESSION_CONFIRMED, S_SYSTEM, NULL, false, NULL, NULL,
	    NULL, WF_PRIMARY, NULL, "La session n° {n} est confirmée.", NULL, NULL },
};

static const struct wf_transition registration_rows[] = {
	{ "cancel", "Annuler l'inscription", WF_BIT(REGISTRATION_REGISTERED) | WF_BIT(REGISTRATION_WAITING),
	    REGISTRATION_CANCELLED, S_RUNNER | S_CONCERNED, NULL, false, guard_session_live, NULL, tell_registrant,
	    WF_DANGER, "Annuler cette inscription ? La place sera donnée à la première personne en liste d'attente.",
	    "L'inscription n° {n} est annulée ; si quelqu'un attendait, la place lui est donnée.", NULL, NULL },
	{ "promote", "Passer de la liste d'attente à une place", WF_BIT(REGISTRATION_WAITING), REGISTRATION_REGISTERED,
	    S_SYSTEM, NULL, false, NULL, NULL, tell_promoted, WF_PRIMARY, NULL,
	    "L'inscription n° {n} passe de la liste d'attente à une place.", NULL, NULL },
};

#define COUNT_SQL(state) \
	"(SELECT COUNT(*) FROM session_registrations g WHERE g.session_id = s.id AND g.state = '" state "')"

#define SESSION_SQL                                                                                                    \
	"SELECT s.id, s.programme_id, pr.name AS programme_name, s.audience, s.title, s.description, "                 \
	"s.training_org_id, o.name AS training_org_name, s.pole_id, po.name AS pole_name, s.place_id, pl.nom AS "      \
	"place_nom, pl.commune AS place_commune, s.remote, s.region_code, rg.name AS region_name, s.starts_on, "       \
	"s.ends_on, s.hours, s.capacity, s.min_registrants, s.registration_deadline, s.state, s.state_since, "         \
	"s.cancel_reason, s.created_by, s.created_at, s.updated_at, s.version, " COUNT_SQL(                            \
	    "registered") " AS registered, " COUNT_SQL("waiting") " AS waiting FROM training_sessions s LEFT JOIN "    \
	                                                          "programmes pr ON pr.id = s.programme_id LEFT JOIN " \
	                                                          "organisations o ON o.id = s.training_org_id LEFT "  \
	                                                          "JOIN poles po ON po.id = s.pole_id LEFT JOIN "      \
	                                                          "places "                                            \
	                                                          "pl ON pl.id = s.place_id LEFT JOIN regions rg ON "  \
	                                                          "rg.code = s.region_code "

#define REG_SQL                                                                                                      \
	"SELECT g.id, g.session_id, g.person_id, p.name AS person_name, p.email AS person_email, g.contract_id, "    \
	"c.organisation_id, o.name AS organisation_name, g.path_module_id, m.title AS module_title, g.state, "       \
	"g.registered_by, g.created_at, g.version, (SELECT MIN(x.organisation_id) FROM memberships x WHERE "         \
	"x.person_id = g.person_id AND x.role = 'employer') AS staff_org_id FROM session_registrations g JOIN "      \
	"people p ON p.id = g.person_id LEFT JOIN contracts c ON c.id = g.contract_id LEFT JOIN organisations o ON " \
	"o.id = c.organisation_id LEFT JOIN path_modules m ON m.id = g.path_module_id "

static int64_t
int_of(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static bool
is_national(const struct ctx *ctx)
{
	return actor_has_any(ctx->actor, NATIONAL_REACH);
}

static const char *
today_of(struct ctx *ctx)
{
	return date_iso(ctx->arena, ctx->now);
}

/* ================================================================================================
 * Training organisations
 */

#define ORG_SQL                                                                                                    \
	"SELECT o.id, o.name, o.siret, o.address, o.commune_code, cm.name AS commune_name, o.version, "            \
	"t.accreditation, t.accredited_from, t.accredited_until, t.updated_at AS accreditation_updated_at FROM "   \
	"organisations o LEFT JOIN training_organisations t ON t.organisation_id = o.id LEFT JOIN communes cm ON " \
	"cm.code = o.commune_code WHERE o.kind = 'trainer' "

/* Adds to each organisation of ITEMS its trainers and whether it is accredited today. */
static tr_err
orgs_decorate(struct ctx *ctx, json_t *items)
{
	const char *today = today_of(ctx);
	bool editor = is_national(ctx);
	struct db_rows *r;
	json_t *o;
	size_t i;
	tr_err err;

	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT m.organisation_id, p.id, p.name, p.email FROM memberships m JOIN people p ON p.id = "
	         "m.person_id JOIN organisations o ON o.id = m.organisation_id WHERE m.role = ? AND o.kind = 'trainer' "
	         "AND p.active = 1 ORDER BY p.name, p.id",
	         &r, DB_TEXT("trainer"))) != TR_OK)
		return ctx_storage_error(ctx, err);
	json_array_foreach(items, i, o)
	{
		const char *from = json_str(o, "accredited_from"), *until = json_str(o, "accredited_until");
		json_t *trainers = json_array();
		for (size_t k = 0; k < r->nrows; k++)
			if (db_int(db_cell(r, k, 0)) == int_of(o, "id"))
				json_array_append_new(trainers,
				    json_pack("{s:I, s:s, s:s?}", "id", (json_int_t)db_int(db_cell(r, k, 1)), "name",
				        db_cell(r, k, 2)->s.p, "email", editor ? db_cell(r, k, 3)->s.p : NULL));
		json_object_set_new(o, "trainers", trainers);
		json_object_set_new(o, "accredited",
		    json_boolean(json_str(o, "accreditation") && (!from || strcmp(from, today) <= 0) &&
		                 (!until || strcmp(today, until) <= 0)));
		json_object_set_new(o, "can_edit", json_boolean(editor));
	}
	return TR_OK;
}

tr_err
training_org_list(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *items;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = db_query(ctx->db, ctx->arena, ORG_SQL "ORDER BY o.name, o.id", NULL, 0, &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	if ((err = orgs_decorate(ctx, items)) != TR_OK) {
		json_decref(items);
		return err;
	}
	*out = json_pack("{s:o, s:b}", "items", items, "can_edit", is_national(ctx));
	return TR_OK;
}

tr_err
training_org_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	json_t *items;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, ORG_SQL "AND o.id = ?", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cet organisme de formation n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	if ((err = orgs_decorate(ctx, items)) == TR_OK)
		*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return err;
}

static const char *const org_columns[] = { "name", "siret", "accreditation", "accredited_from", "accredited_until" };

tr_err
training_org_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *old = NULL, *clean = NULL, *before = NULL, *after = NULL, *detail;
	const char *from, *until, *siret;
	struct db_rows *r;
	int64_t changed = 0;
	tr_err err;

	if ((err = authz_require(ctx, NATIONAL_REACH)) != TR_OK)
		return err != TR_FORBIDDEN ? err
		                           : ctx_fail(ctx, err,
		                                 "Seuls la délégation nationale et les administrateurs modifient les "
		                                 "organismes de formation.");
	if ((err = training_org_get(ctx, id, &old)) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_training_org, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	from = json_str(clean, "accredited_from");
	until = json_str(clean, "accredited_until");
	siret = json_str(clean, "siret");
	if (from && until && strcmp(until, from) < 0)
		field_errors_add(&ctx->errors, "accredited_until",
		    "« Habilité jusqu'au » ne peut pas précéder « Habilité depuis le ».");
	if (siret && db_onev(ctx->db, ctx->arena, "SELECT id FROM organisations WHERE siret = ? AND id <> ?", &r,
	                 DB_TEXT(siret), DB_I64(id)) == TR_OK)
		field_errors_add(&ctx->errors, "siret", "« SIRET » : une autre structure porte déjà ce SIRET.");
	if (ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	before = json_object();
	after = json_object();
	for (size_t i = 0; i < sizeof(org_columns) / sizeof(org_columns[0]); i++) {
		json_t *was = json_object_get(old, org_columns[i]), *now = json_object_get(clean, org_columns[i]);
		was = was ? was : json_null();
		now = now ? now : json_null();
		if (!json_equal(was, now)) {
			json_object_set(before, org_columns[i], was);
			json_object_set(after, org_columns[i], now);
		}
	}
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE organisations SET name = ?, siret = ?, updated_at = ?, version = version + 1 WHERE id = ? AND kind "
	    "= "
	    "'trainer' AND version = ?",
	    &changed, DB_TEXT(json_str(clean, "name")), DB_TEXT(siret), DB_I64(ctx->now), DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cet organisme a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	TRY(db_execv(ctx->db,
	    "INSERT INTO training_organisations (organisation_id, accreditation, accredited_from, accredited_until, "
	    "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (organisation_id) DO UPDATE SET accreditation = "
	    "excluded.accreditation, accredited_from = excluded.accredited_from, accredited_until = "
	    "excluded.accredited_until, updated_at = excluded.updated_at, version = training_organisations.version + 1",
	    NULL, DB_I64(id), DB_TEXT(json_str(clean, "accreditation")), DB_TEXT(from), DB_TEXT(until),
	    DB_I64(ctx->now)));
	detail = json_pack("{s:O, s:O, s:I}", "before", before, "after", after, "version", (json_int_t)version + 1);
	err = journal_append(ctx, "training_organisation", id, "update", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(old);
	json_decref(clean);
	json_decref(before);
	json_decref(after);
	return err;
}

/* ================================================================================================
 * Sessions: who
 */

/* True when the actor runs session S: national reach, a trainer of its organisation, the pole of its region for
 * a tutor training. */
static bool
runs(const struct ctx *ctx, json_t *s)
{
	const char *audience = json_str(s, "audience");

	return is_national(ctx) || actor_in_org(ctx->actor, ROLE_TRAINER, int_of(s, "training_org_id")) ||
	       (audience && strcmp(audience, "tutors") == 0 &&
	           actor_covers_region(ctx->actor, ROLE_POLE, json_str(s, "region_code")));
}

/* True when the actor sees every registrant of S: those who run it and the pole of its region. */
static bool
oversees(const struct ctx *ctx, json_t *s)
{
	return runs(ctx, s) || actor_covers_region(ctx->actor, ROLE_POLE, json_str(s, "region_code"));
}

/* True when registration G is the actor's business: their own, one they made, one of their structure's recruits or
 * staff. */
static bool
reg_concerns(const struct ctx *ctx, json_t *g)
{
	const struct actor *a = ctx->actor;

	return a != NULL &&
	       (a->person_id == int_of(g, "person_id") || a->person_id == int_of(g, "registered_by") ||
	           actor_in_org(a, ROLE_EMPLOYER, int_of(g, "organisation_id")) ||
	           (int_of(g, "contract_id") == 0 && actor_in_org(a, ROLE_EMPLOYER, int_of(g, "staff_org_id"))));
}

static unsigned
session_parties(struct ctx *ctx, json_t *s)
{
	return runs(ctx, s) ? S_RUNNER : 0;
}

/* The badges of the states: open, confirmed, cancelled. */
static const enum wf_state_tone session_tones[] = { WF_INFO, WF_SUCCESS, WF_ERROR };

const struct workflow session_workflow = {
	.entity = "training_session",
	.table = "training_sessions",
	.state_since = true,
	.states = &vocab_session_state,
	.tones = session_tones,
	.rows = session_rows,
	.nrows = sizeof(session_rows) / sizeof(session_rows[0]),
	.select = SESSION_SQL "WHERE s.id = ?",
	.parties = session_parties,
	.missing = "Cette session n'existe pas.",
	.stale = "Cette session a changé depuis votre lecture : rechargez la page.",
};

/* A registration with what its parties and its messages need of the session (runs() reads audience,
 * training_org_id and region_code). */
#define REG_WF_SQL                                                                                                   \
	"SELECT g.id, g.session_id, g.person_id, p.name AS person_name, g.contract_id, c.organisation_id, g.state, " \
	"g.registered_by, g.version, (SELECT MIN(x.organisation_id) FROM memberships x WHERE x.person_id = "         \
	"g.person_id AND x.role = 'employer') AS staff_org_id, s.audience, s.training_org_id, s.region_code, "       \
	"s.title, s.starts_on, s.ends_on, s.state AS session_state FROM session_registrations g JOIN people p ON "   \
	"p.id = g.person_id JOIN training_sessions s ON s.id = g.session_id LEFT JOIN contracts c ON c.id = "        \
	"g.contract_id WHERE g.id = ?"

static unsigned
registration_parties(struct ctx *ctx, json_t *g)
{
	return (runs(ctx, g) ? S_RUNNER : 0) | (reg_concerns(ctx, g) ? S_CONCERNED : 0);
}

/* The badges of the states: registered, waiting, cancelled. */
static const enum wf_state_tone registration_tones[] = { WF_SUCCESS, WF_WARNING, WF_ERROR };

const struct workflow registration_workflow = {
	.entity = "registration",
	.table = "session_registrations",
	.state_since = false,
	.states = &vocab_registration_state,
	.tones = registration_tones,
	.rows = registration_rows,
	.nrows = sizeof(registration_rows) / sizeof(registration_rows[0]),
	.select = REG_WF_SQL,
	/* Registrations to one session are counted one after the other: the session's row first. */
	.lock_first = "UPDATE training_sessions SET updated_at = updated_at WHERE id = (SELECT session_id FROM "
	              "session_registrations WHERE id = ?)",
	.parties = registration_parties,
	.missing = "Cette inscription n'existe pas.",
	.stale = "Cette inscription a changé depuis votre lecture : rechargez la page.",
};

/* ================================================================================================
 * Sessions: reading
 */

static bool
at_risk(json_t *s, const char *today, const char *horizon)
{
	const char *deadline = json_str(s, "registration_deadline"), *state = json_str(s, "state");

	return state && strcmp(state, "open") == 0 && deadline && strcmp(deadline, today) >= 0 &&
	       strcmp(deadline, horizon) <= 0 && int_of(s, "registered") < int_of(s, "min_registrants");
}

static void
decorate_session(struct ctx *ctx, json_t *s, const char *today, const char *horizon)
{
	const char *state = json_str(s, "state"), *deadline = json_str(s, "registration_deadline");
	int64_t left = int_of(s, "capacity") - int_of(s, "registered");
	bool passed = deadline && strcmp(today, deadline) > 0;

	json_object_set_new(s, "remote", json_boolean(int_of(s, "remote") != 0));
	wf_decorate(&session_workflow, s);
	json_object_set_new(
	    s, "audience_label", json_string(vocab_label(&vocab_session_audience, json_str(s, "audience"))));
	json_object_set_new(s, "seats_left", json_integer(left > 0 ? left : 0));
	json_object_set_new(s, "at_risk", json_boolean(at_risk(s, today, horizon)));
	json_object_set_new(s, "deadline_passed", json_boolean(passed));
	json_object_set_new(s, "registration_open", json_boolean(state && strcmp(state, "open") == 0 && !passed));
	json_object_set_new(s, "can_edit", json_boolean(runs(ctx, s) && state && strcmp(state, "cancelled") != 0));
	json_object_set_new(s, "can_attend", json_boolean(runs(ctx, s) && state && strcmp(state, "cancelled") != 0));
}

static tr_err
load_session(struct ctx *ctx, int64_t id, json_t **s)
{
	struct db_rows *r;
	tr_err err;

	*s = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, SESSION_SQL "WHERE s.id = ?", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette session n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*s = row_json(r, 0);
	return TR_OK;
}

/* Every signed-in person sees the catalogue of sessions. */
static const struct scope_rule session_rules[] = {
	{ "any signed-in person", 0, "1 = 1", NULL },
};

static const struct scope session_scope = { "session", "training_sessions s", "s.id", session_rules, 1 };

/* "Mine": the sessions the actor created, runs (their training organisation), is registered to (or a recruit
 * of their structure is), or oversees as the pole of the session's region. */
static const struct scope_rule session_mine_rules[] = {
	{ "its author", 0, "s.created_by = ?", NULL },
	{ "its training organisation", ROLE_BIT(ROLE_TRAINER), "s.training_org_id IN " SCOPE_ORGS("trainer"), NULL },
	{ "a registrant, or the structure of a registered recruit", 0,
	    "EXISTS (SELECT 1 FROM session_registrations g LEFT JOIN contracts c ON c.id = g.contract_id WHERE "
	    "g.session_id = s.id AND g.state <> 'cancelled' AND (g.person_id = ? OR c.organisation_id IN " SCOPE_ORGS(
	        "employer") "))",
	    NULL },
	{ "the pole of its region", ROLE_BIT(ROLE_POLE), "s.region_code IN " SCOPE_REGIONS("pole"), NULL },
};

const struct scope session_mine_scope = { "session", "training_sessions s", "s.id", session_mine_rules,
	sizeof(session_mine_rules) / sizeof(session_mine_rules[0]) };

static const struct list_sort session_sorts[] = {
	{ "start", "s.starts_on, s.id" },
};

static const struct list_spec session_list_spec = {
	.scope = &session_scope, .select = SESSION_SQL, .sorts = session_sorts, .nsorts = 1
};
static const struct list_spec session_mine_spec = {
	.scope = &session_mine_scope, .select = SESSION_SQL, .sorts = session_sorts, .nsorts = 1
};

static const struct list_filter session_filters[] = {
	LIST_ID(struct session_filter, programme_id, "s.programme_id = ?"),
	LIST_ID(struct session_filter, training_org_id, "s.training_org_id = ?"),
	LIST_TEXT(struct session_filter, audience, "s.audience = ?"),
	LIST_TEXT(struct session_filter, state, "s.state = ?"),
	LIST_TEXT(struct session_filter, region, "s.region_code = ?"),
};

tr_err
training_session_list(struct ctx *ctx, const struct session_filter *f, json_t **out)
{
	const char *today = today_of(ctx), *horizon = date_add(ctx->arena, today, 0, RISK_DAYS);
	struct sqlw w;
	size_t i;
	json_t *s;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	scope_where(ctx, f->mine ? &session_mine_scope : &session_scope, &w);
	list_filter_where(&w, session_filters, sizeof(session_filters) / sizeof(session_filters[0]), f);
	if (f->at_risk) {
		sqlw_and(&w, "s.state = 'open' AND s.registration_deadline >= ?", DB_TEXT(today));
		sqlw_and(&w, "s.registration_deadline <= ? AND " COUNT_SQL("registered") " < s.min_registrants",
		    DB_TEXT(horizon));
	}
	if ((err = list_run(
	         ctx, f->mine ? &session_mine_spec : &session_list_spec, &w, NULL, f->page, f->per_page, out)) != TR_OK)
		return err;
	json_array_foreach(json_object_get(*out, "items"), i, s) decorate_session(ctx, s, today, horizon);
	json_object_set_new(*out, "can_create",
	    json_boolean(actor_has_any(ctx->actor, NATIONAL_REACH | ROLE_BIT(ROLE_TRAINER) | ROLE_BIT(ROLE_POLE))));
	return TR_OK;
}

/* True when the actor may register themself to a tutor training: the tutor of a live contract, or staff of a
 * structure. */
static tr_err
tutor_eligible(struct ctx *ctx, bool *ok)
{
	struct db_rows *r;
	tr_err err;

	*ok = actor_has(ctx->actor, ROLE_EMPLOYER);
	if (*ok)
		return TR_OK;
	err =
	    db_onev(ctx->db, ctx->arena, "SELECT id FROM contracts WHERE tutor_id = ? AND state IN " CONTRACT_LIVE_SQL,
	        &r, DB_I64(ctx->actor->person_id));
	*ok = err == TR_OK;
	return err == TR_NOT_FOUND ? TR_OK : err;
}

/* The live contracts of the actor's structures a recruits' session may take, each with its open modules. */
static tr_err
registrable_contracts(struct ctx *ctx, json_t *s, json_t **out)
{
	struct db_rows *r, *m;
	json_t *c;
	size_t i;
	tr_err err;

	*out = json_array();
	if (!actor_has(ctx->actor, ROLE_EMPLOYER))
		return TR_OK;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT c.id, p.name AS candidate_name, c.organisation_id FROM contracts c JOIN people p ON p.id = "
	         "c.candidate_id WHERE c.state IN " CONTRACT_LIVE_SQL " AND c.organisation_id IN (SELECT "
	         "x.organisation_id FROM memberships x WHERE x.person_id = ? AND x.role = 'employer') AND (CAST(? AS "
	         "BIGINT) = 0 OR c.programme_id = ?) AND NOT EXISTS (SELECT 1 FROM session_registrations g WHERE "
	         "g.session_id = ? AND g.person_id = c.candidate_id AND g.state <> 'cancelled') ORDER BY p.name, c.id",
	         &r, DB_I64(ctx->actor->person_id), DB_I64(int_of(s, "programme_id")),
	         DB_I64(int_of(s, "programme_id")), DB_I64(int_of(s, "id")))) != TR_OK)
		return err;
	/* The open modules of all these contracts, in one query. */
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT m.contract_id, m.id, m.title, m.state FROM path_modules m JOIN contracts c ON c.id = "
	         "m.contract_id WHERE m.state IN ('planned', 'in_progress') AND c.state IN " CONTRACT_LIVE_SQL
	         " AND c.organisation_id IN " SCOPE_ORGS("employer") " ORDER BY m.contract_id, m.position, m.id",
	         &m, DB_I64(ctx->actor->person_id))) != TR_OK)
		return err;
	json_decref(*out);
	*out = rows_json(r);
	json_array_foreach(*out, i, c)
	{
		json_t *mods = json_array();
		for (size_t k = 0; k < m->nrows; k++)
			if (db_int(db_cell(m, k, 0)) == int_of(c, "id"))
				json_array_append_new(
				    mods, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)db_int(db_cell(m, k, 1)),
				              "title", db_text(db_cell(m, k, 2)), "state", db_text(db_cell(m, k, 3))));
		json_object_set_new(c, "modules", mods);
	}
	return TR_OK;
}

tr_err
training_session_get(struct ctx *ctx, int64_t id, json_t **out)
{
	const char *today = today_of(ctx), *horizon = date_add(ctx->arena, today, 0, RISK_DAYS);
	json_t *s = NULL, *regs, *shown, *g, *mine = NULL, *contracts = NULL;
	bool all, self_ok = false, open;
	int64_t rank = 0;
	struct db_rows *r;
	size_t i;
	tr_err err;

	*out = NULL;
	if ((err = load_session(ctx, id, &s)) != TR_OK)
		return err;
	decorate_session(ctx, s, today, horizon);
	all = oversees(ctx, s);
	if ((err = db_queryv(ctx->db, ctx->arena, REG_SQL "WHERE g.session_id = ? ORDER BY g.id", &r, DB_I64(id))) !=
	    TR_OK) {
		json_decref(s);
		return ctx_storage_error(ctx, err);
	}
	regs = rows_json(r);
	shown = json_array();
	json_array_foreach(regs, i, g)
	{
		const char *state = json_str(g, "state");
		bool live = strcmp(state, "cancelled") != 0;
		rank += strcmp(state, "waiting") == 0;
		json_object_set_new(g, "rank", strcmp(state, "waiting") == 0 ? json_integer(rank) : json_null());
		wf_decorate(&registration_workflow, g);
		json_object_set_new(g, "can_cancel",
		    json_boolean(live && strcmp(json_str(s, "state"), "cancelled") != 0 &&
		                 (runs(ctx, s) || reg_concerns(ctx, g))));
		if (int_of(g, "person_id") == ctx->actor->person_id && live)
			mine = json_incref(g);
		if (all || reg_concerns(ctx, g)) {
			if (!all)
				json_object_del(g, "person_email");
			json_array_append(shown, g);
		}
	}
	json_decref(regs);
	open = json_is_true(json_object_get(s, "registration_open"));
	if (open && strcmp(json_str(s, "audience"), "tutors") == 0 && mine == NULL)
		err = tutor_eligible(ctx, &self_ok);
	if (err == TR_OK && open && strcmp(json_str(s, "audience"), "recruits") == 0)
		err = registrable_contracts(ctx, s, &contracts);
	if (err != TR_OK) {
		json_decref(s);
		json_decref(shown);
		json_decref(mine);
		json_decref(contracts);
		return ctx_storage_error(ctx, err);
	}
	json_object_set_new(s, "registrations", shown);
	json_object_set_new(s, "sees_all", json_boolean(all));
	json_object_set_new(s, "mine", mine ? mine : json_null());
	json_object_set_new(s, "can_register_self", json_boolean(self_ok));
	json_object_set_new(s, "contracts", contracts ? contracts : json_array());
	json_object_set_new(s, "actions",
	    wf_actions(
	        &session_workflow, wf_state(&session_workflow, json_str(s, "state")), runs(ctx, s) ? S_RUNNER : 0));
	*out = s;
	return TR_OK;
}

/* ================================================================================================
 * Sessions: creating and editing
 */

tr_err
training_session_choices(struct ctx *ctx, json_t **out)
{
	const struct actor *a = ctx->actor;
	bool national = is_national(ctx);
	struct db_rows *pr, *o, *po;
	json_t *aud = json_array();
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK) {
		json_decref(aud);
		return err;
	}
	if ((err = db_query(ctx->db, ctx->arena, "SELECT id, name FROM programmes ORDER BY active DESC, name", NULL, 0,
	         &pr)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT o.id, o.name FROM organisations o WHERE o.kind = 'trainer' AND (CAST(? AS BIGINT) = 1 OR o.id "
	         "IN "
	         "(SELECT x.organisation_id FROM memberships x WHERE x.person_id = ? AND x.role IN ('trainer')) OR "
	         "CAST(? AS BIGINT) = 1) ORDER BY o.name",
	         &o, DB_BOOL(national), DB_I64(a->person_id), DB_BOOL(actor_has(a, ROLE_POLE)))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT po.id, po.name, po.programme_id FROM poles po WHERE CAST(? AS BIGINT) = 1 OR "
	         "po.organisation_id IN (SELECT x.organisation_id FROM memberships x WHERE x.person_id = ? AND x.role "
	         "= "
	         "'pole') ORDER BY po.name",
	         &po, DB_BOOL(national || actor_has(a, ROLE_TRAINER)), DB_I64(a->person_id))) != TR_OK) {
		json_decref(aud);
		return ctx_storage_error(ctx, err);
	}
	if (national || actor_has(a, ROLE_TRAINER))
		json_array_append_new(aud, json_string("recruits"));
	if (national || actor_has(a, ROLE_POLE))
		json_array_append_new(aud, json_string("tutors"));
	*out = json_pack("{s:o, s:o, s:o, s:o}", "programmes", rows_json(pr), "training_orgs", rows_json(o), "poles",
	    rows_json(po), "audiences", aud);
	if ((err = rows_joined_into(ctx, json_object_get(*out, "poles"), "regions",
	         "SELECT pole_id, region_code FROM pole_regions ORDER BY pole_id, position")) != TR_OK) {
		json_decref(*out);
		*out = NULL;
		return ctx_storage_error(ctx, err);
	}
	return TR_OK;
}

/* The actor's rights over the session described by CLEAN in REGION. Creating: trainers, sessions of their
 * organisation for recruits; pole staff, tutor trainings in their regions (national officers and admins, anything).
 * Editing: whoever runs the session must still run it afterwards. Field errors, or TR_FORBIDDEN on ctx->message. */
static tr_err
check_rights(struct ctx *ctx, json_t *clean, const char *region, bool creating)
{
	const struct actor *a = ctx->actor;
	const char *audience = json_str(clean, "audience");
	int64_t org = int_of(clean, "training_org_id");
	bool recruits = audience && strcmp(audience, "recruits") == 0,
	     tutors = audience && strcmp(audience, "tutors") == 0;
	json_t *after;
	bool ok;

	if (!creating) {
		after = json_pack("{s:s?, s:I, s:s?}", "audience", audience, "training_org_id", (json_int_t)org,
		    "region_code", region);
		ok = runs(ctx, after);
		json_decref(after);
		if (!ok)
			field_errors_add(&ctx->errors, actor_has(a, ROLE_TRAINER) ? "training_org_id" : "region_code",
			    "Après cette modification, vous n'organiseriez plus cette session : gardez votre organisme "
			    "de "
			    "formation, ou une région de votre pôle.");
		return TR_OK;
	}
	if ((recruits && actor_in_org(a, ROLE_TRAINER, org)) || (tutors && actor_covers_region(a, ROLE_POLE, region)))
		return TR_OK;
	if (recruits && actor_has(a, ROLE_TRAINER))
		field_errors_add(&ctx->errors, "training_org_id",
		    "« Organisme de formation » : choisissez votre organisme de formation.");
	else if (tutors && actor_has(a, ROLE_POLE))
		field_errors_add(&ctx->errors, "region_code",
		    "« Région » : la session doit se tenir dans une région de votre pôle (lieu ou code de région).");
	else
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Les formateurs créent les sessions destinées aux jeunes recrutés, les pôles de ressources les "
		    "formations de tuteurs de leurs régions.");
	return TR_OK;
}

/* Validates IN into *CLEAN and checks the cross-field rules and the actor's rights (CREATING a session, or editing
 * one with REGISTERED people); *REGION receives the session's region. */
static tr_err
check_session(struct ctx *ctx, json_t *in, int64_t registered, bool creating, json_t **clean, const char **region)
{
	const char *from, *to, *deadline, *place, *given, *cap;
	int64_t org, pole, programme;
	struct db_rows *r;
	tr_err err;

	*region = NULL;
	if ((err = entity_validate(&entity_session, in, false, ctx->arena, &ctx->errors, clean)) != TR_OK)
		return err;
	from = json_str(*clean, "starts_on");
	to = json_str(*clean, "ends_on");
	deadline = json_str(*clean, "registration_deadline");
	place = json_str(*clean, "place_id");
	given = json_str(*clean, "region_code");
	org = int_of(*clean, "training_org_id");
	pole = int_of(*clean, "pole_id");
	programme = int_of(*clean, "programme_id");
	if (db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE id = ?", &r, DB_I64(programme)) != TR_OK)
		field_errors_add(&ctx->errors, "programme_id", "« Dispositif » doit désigner un dispositif existant.");
	if (org > 0 && db_onev(ctx->db, ctx->arena, "SELECT id FROM organisations WHERE id = ? AND kind = 'trainer'",
	                   &r, DB_I64(org)) != TR_OK)
		field_errors_add(&ctx->errors, "training_org_id",
		    "« Organisme de formation » doit désigner un organisme de formation.");
	if (pole > 0 && db_onev(ctx->db, ctx->arena, "SELECT id FROM poles WHERE id = ? AND programme_id = ?", &r,
	                    DB_I64(pole), DB_I64(programme)) != TR_OK)
		field_errors_add(
		    &ctx->errors, "pole_id", "« Pôle de ressources » doit désigner un pôle de ce dispositif.");
	cap = date_add(ctx->arena, from, 0, DAYS_MAX);
	if (strcmp(to, from) < 0)
		field_errors_add(&ctx->errors, "ends_on", "« Dernier jour » ne peut pas précéder le premier jour.");
	else if (cap && strcmp(to, cap) > 0)
		field_errors_add(&ctx->errors, "ends_on", "« Dernier jour » : une session dure au plus 400 jours.");
	if (strcmp(deadline, to) > 0)
		field_errors_add(&ctx->errors, "registration_deadline",
		    "« Date limite d'inscription » ne peut pas suivre le dernier jour de la session.");
	if (int_of(*clean, "min_registrants") > int_of(*clean, "capacity"))
		field_errors_add(&ctx->errors, "min_registrants",
		    "« Nombre minimum d'inscrits » ne peut pas dépasser le nombre de places.");
	if (registered > int_of(*clean, "capacity"))
		field_errors_add(&ctx->errors, "capacity",
		    arena_printf(ctx->arena, "« Places » ne peut pas être inférieur au nombre d'inscrits (%lld).",
		        (long long)registered));
	if (place) {
		if (db_onev(ctx->db, ctx->arena, "SELECT region_code FROM places WHERE id = ?", &r, DB_TEXT(place)) !=
		    TR_OK)
			field_errors_add(
			    &ctx->errors, "place_id", "« Lieu » : aucun lieu de l'annuaire ne porte cet identifiant.");
		else
			*region = db_text(db_cell(r, 0, 0));
	} else if (!json_is_true(json_object_get(*clean, "remote"))) {
		field_errors_add(&ctx->errors, "place_id",
		    "« Lieu » : indiquez un lieu de l'annuaire, ou cochez « À distance » pour une session en ligne.");
	}
	if (*region == NULL && given) {
		if (db_onev(ctx->db, ctx->arena, "SELECT code FROM regions WHERE code = ?", &r, DB_TEXT(given)) !=
		    TR_OK)
			field_errors_add(
			    &ctx->errors, "region_code", "« Région » doit être le code INSEE d'une région.");
		else
			*region = given;
	}
	if (*region == NULL && org > 0 &&
	    db_onev(ctx->db, ctx->arena,
	        "SELECT cm.region_code FROM organisations o JOIN communes cm ON cm.code = o.commune_code WHERE o.id = "
	        "?",
	        &r, DB_I64(org)) == TR_OK)
		*region = db_text(db_cell(r, 0, 0));
	if (!is_national(ctx) && (err = check_rights(ctx, *clean, *region, creating)) != TR_OK && ctx->errors.n == 0)
		return err;
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

tr_err
training_session_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	json_t *clean = NULL;
	const char *region;
	tr_err err;

	if ((err = authz_require(ctx, NATIONAL_REACH | ROLE_BIT(ROLE_TRAINER) | ROLE_BIT(ROLE_POLE))) != TR_OK)
		return err;
	if ((err = check_session(ctx, in, 0, true, &clean, &region)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	json_object_set_new(clean, "region_code", region ? json_string(region) : json_null());
	TRY(record_insertv(ctx, &entity_session, "training_sessions", clean,
	    "state, state_since, created_by, created_at, updated_at", "'open', ?, ?, ?, ?", NULL, id, DB_I64(ctx->now),
	    DB_I64(ctx->actor->person_id), DB_I64(ctx->now), DB_I64(ctx->now)));
	TRY(journal_append(ctx, "training_session", *id, "create", clean));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	return err;
}

/* Inside the transaction: gives the free seats of session S to the waiting list, in order, telling each person
 * (and, for a recruit, their structure). *PROMOTED receives how many. */
static tr_err
promote(struct ctx *ctx, json_t *s, int64_t *promoted)
{
	int64_t id = int_of(s, "id");
	struct db_rows *n, *w;
	int64_t free_seats;
	tr_err err;

	*promoted = 0;
	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT s.capacity - " COUNT_SQL("registered") " FROM training_sessions s WHERE s.id = ?", &n,
	         DB_I64(id))) != TR_OK)
		return err;
	free_seats = db_int(db_cell(n, 0, 0));
	if (free_seats <= 0)
		return TR_OK;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT g.id FROM session_registrations g WHERE g.session_id = ? AND g.state = 'waiting' ORDER BY "
	         "g.id "
	         "LIMIT ?",
	         &w, DB_I64(id), DB_I64(free_seats))) != TR_OK)
		return err;
	for (size_t i = 0; i < w->nrows; i++) {
		json_t *detail = json_pack("{s:I}", "session_id", (json_int_t)id);
		err = wf_system(ctx, &registration_workflow, db_int(db_cell(w, i, 0)), "promote", S_SYSTEM, detail);
		json_decref(detail);
		if (err != TR_OK)
			return err;
		(*promoted)++;
	}
	return TR_OK;
}

/* The person moved up from the waiting list, and the structure of a recruit, hear of it. */
static tr_err
tell_promoted(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *g = c->row;
	const char *subject = arena_printf(ctx->arena, "Une place s'est libérée : %s", json_str(g, "title"));
	const char *body = notify_text(ctx,
	    arena_printf(ctx->arena,
	        "Une place s'est libérée dans la session « %s » (du %s au %s) : %s, sur la liste d'attente, y a "
	        "maintenant une place.",
	        json_str(g, "title"), fr_date(ctx->arena, json_str(g, "starts_on")),
	        fr_date(ctx->arena, json_str(g, "ends_on")), json_str(g, "person_name")),
	    arena_printf(ctx->arena, "/sessions/%lld", (long long)int_of(g, "session_id")));
	tr_err err;

	if ((err = notify_person(ctx, int_of(g, "person_id"), subject, body)) != TR_OK)
		return err;
	return int_of(g, "organisation_id") > 0
	           ? notify_org(ctx, int_of(g, "organisation_id"), ROLE_EMPLOYER, subject, body)
	           : TR_OK;
}

tr_err
training_session_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *s = NULL, *clean = NULL, *detail = NULL;
	const char *region;
	int64_t changed = 0, promoted = 0;
	tr_err err;

	if ((err = load_session(ctx, id, &s)) != TR_OK)
		return err;
	if (!runs(ctx, s)) {
		err = ctx_fail(ctx, TR_FORBIDDEN, "Seuls ceux qui organisent cette session la modifient.");
		goto out_nodb;
	}
	if (strcmp(json_str(s, "state"), "cancelled") == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette session est annulée : elle ne se modifie plus.");
		goto out_nodb;
	}
	if ((err = check_session(ctx, in, int_of(s, "registered"), false, &clean, &region)) != TR_OK)
		goto out_nodb;
	if (strcmp(json_str(clean, "audience"), json_str(s, "audience")) != 0 &&
	    int_of(s, "registered") + int_of(s, "waiting") > 0) {
		field_errors_add(&ctx->errors, "audience", "« Public » ne change plus : des personnes sont inscrites.");
		err = TR_INVALID;
		goto out_nodb;
	}
	json_object_set_new(clean, "region_code", region ? json_string(region) : json_null());
	json_object_set_new(s, "remote", json_boolean(int_of(s, "remote") != 0));
	detail = entity_diff(&entity_session, s, clean);
	json_object_set_new(detail, "version", json_integer(version + 1));
	TRY(tx_begin(ctx));
	TRY(record_updatev(ctx, &entity_session, "training_sessions", clean,
	    "updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND state <> 'cancelled'", &changed,
	    DB_I64(ctx->now), DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette session a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	err = journal_append(ctx, "training_session", id, "update", detail);
	if (err == TR_OK)
		err = promote(ctx, s, &promoted);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(s);
	json_decref(clean);
	json_decref(detail);
	return err;
}

/* Inside the transaction: tells every registrant of session ID (registered and waiting) and their structures. */
static tr_err
tell_registrants(struct ctx *ctx, int64_t id, const char *subject, const char *body)
{
	struct db_rows *r;
	tr_err err;

	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT person_id FROM session_registrations WHERE session_id = ? AND state IN ('registered', "
	         "'waiting') ORDER BY id",
	         &r, DB_I64(id))) != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows; i++)
		if ((err = notify_person(ctx, db_int(db_cell(r, i, 0)), subject, body)) != TR_OK)
			return err;
	/* Their structures, once each: the employer of a recruit's contract, the structures a tutor works for. */
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT c.organisation_id FROM session_registrations g JOIN contracts c ON c.id = g.contract_id WHERE "
	         "g.session_id = ? AND g.state IN ('registered', 'waiting') UNION SELECT m.organisation_id FROM "
	         "session_registrations g JOIN memberships m ON m.person_id = g.person_id AND m.role = 'employer' "
	         "WHERE "
	         "g.session_id = ? AND g.state IN ('registered', 'waiting') AND g.contract_id IS NULL",
	         &r, DB_I64(id), DB_I64(id))) != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows; i++)
		if (!db_isnull(db_cell(r, i, 0)) &&
		    (err = notify_org(ctx, db_int(db_cell(r, i, 0)), ROLE_EMPLOYER, subject, body)) != TR_OK)
			return err;
	return TR_OK;
}

/* Why session call C is cancelled: the runner's reason, or the job's count at the deadline. */
static const char *
cancel_reason(struct wf_call *c)
{
	json_t *s = c->row;

	if (c->clean && json_str(c->clean, "cancel_reason"))
		return json_str(c->clean, "cancel_reason");
	return arena_printf(c->ctx->arena,
	    "à la date limite d'inscription (%s), %s pour un minimum de %lld : la session ne peut pas se "
	    "tenir.",
	    fr_date(c->ctx->arena, json_str(s, "registration_deadline")),
	    fr_count(c->ctx->arena, int_of(s, "registered"), "inscrit", "inscrits"),
	    (long long)int_of(s, "min_registrants"));
}

static tr_err
effect_cancel(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE training_sessions SET cancel_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(cancel_reason(c)), DB_I64(c->id));
}

/* Every registrant and their structures hear of the cancellation. */
static tr_err
tell_cancelled(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *s = c->row;

	return tell_registrants(ctx, c->id, arena_printf(ctx->arena, "Session annulée : %s", json_str(s, "title")),
	    notify_text(ctx,
	        arena_printf(ctx->arena, "La session « %s » prévue du %s au %s est annulée.\n\nMotif : %s",
	            json_str(s, "title"), fr_date(ctx->arena, json_str(s, "starts_on")),
	            fr_date(ctx->arena, json_str(s, "ends_on")), cancel_reason(c)),
	        arena_printf(ctx->arena, "/sessions/%lld", (long long)c->id)));
}

tr_err
training_session_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id)
{
	return wf_take(ctx, &session_workflow, id, action, version, payload, new_version, new_id);
}

/* ================================================================================================
 * Registrations
 */

/* For a recruits' session: checks the contract and module of IN for the actor; *PERSON receives the young
 * person. */
static tr_err
check_recruit(struct ctx *ctx, json_t *s, json_t *clean, int64_t *person)
{
	int64_t contract = int_of(clean, "contract_id"), module = int_of(clean, "path_module_id");
	struct db_rows *r;
	tr_err err;

	if (contract <= 0) {
		field_errors_add(&ctx->errors, "contract_id", "« Jeune recruté (contrat) » est obligatoire.");
		return TR_INVALID;
	}
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT candidate_id, organisation_id, programme_id, state FROM contracts WHERE id = ?", &r,
	    DB_I64(contract));
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "contract_id", "« Jeune recruté (contrat) » : ce contrat n'existe pas.");
		return TR_INVALID;
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (!is_national(ctx) && !actor_in_org(ctx->actor, ROLE_EMPLOYER, db_int(db_cell(r, 0, 1))))
		return ctx_fail(ctx, TR_FORBIDDEN, "Un jeune recruté est inscrit par sa structure employeuse.");
	if (!str_list_has("planned|active|suspended", db_cell(r, 0, 3)->s.p, db_cell(r, 0, 3)->s.n))
		field_errors_add(&ctx->errors, "contract_id", "« Jeune recruté (contrat) » : ce contrat est terminé.");
	if (int_of(s, "programme_id") > 0 && db_int(db_cell(r, 0, 2)) != int_of(s, "programme_id"))
		field_errors_add(&ctx->errors, "contract_id",
		    "« Jeune recruté (contrat) » : ce contrat relève d'un autre dispositif que la session.");
	*person = db_int(db_cell(r, 0, 0));
	if (module > 0 && db_onev(ctx->db, ctx->arena,
	                      "SELECT id FROM path_modules WHERE id = ? AND contract_id = ? AND state IN ('planned', "
	                      "'in_progress')",
	                      &r, DB_I64(module), DB_I64(contract)) != TR_OK)
		field_errors_add(&ctx->errors, "path_module_id",
		    "« Module du parcours » doit être un module prévu ou en cours du parcours de ce jeune.");
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

tr_err
training_register(struct ctx *ctx, int64_t session_id, json_t *in, int64_t *reg_id, const char **state)
{
	json_t *s = NULL, *clean = NULL, *detail = NULL, *input = in ? json_incref(in) : json_object();
	bool recruits, ok;
	int64_t person = 0, taken;
	struct db_rows *r;
	tr_err err;

	*state = NULL;
	if ((err = load_session(ctx, session_id, &s)) != TR_OK)
		goto out_nodb;
	recruits = strcmp(json_str(s, "audience"), "recruits") == 0;
	if (strcmp(json_str(s, "state"), "open") != 0) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    arena_printf(ctx->arena, "Les inscriptions à cette session sont closes (%s).",
		        vocab_label(&vocab_session_state, json_str(s, "state"))));
		goto out_nodb;
	}
	if (strcmp(today_of(ctx), json_str(s, "registration_deadline")) > 0) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    arena_printf(ctx->arena, "La date limite d'inscription (%s) est passée.",
		        json_str(s, "registration_deadline")));
		goto out_nodb;
	}
	if ((err = entity_validate(&entity_registration, input, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	if (recruits) {
		if ((err = check_recruit(ctx, s, clean, &person)) != TR_OK)
			goto out_nodb;
	} else {
		if ((err = tutor_eligible(ctx, &ok)) != TR_OK) {
			err = ctx_storage_error(ctx, err);
			goto out_nodb;
		}
		if (!ok) {
			err = ctx_fail(ctx, TR_FORBIDDEN,
			    "Les formations de tuteurs sont ouvertes aux tuteurs des jeunes recrutés et au personnel "
			    "des "
			    "structures employeuses, qui s'y inscrivent eux-mêmes.");
			goto out_nodb;
		}
		person = ctx->actor->person_id;
		json_object_del(clean, "contract_id");
		json_object_del(clean, "path_module_id");
	}
	TRY(tx_begin(ctx));
	/* The session's row first: registrations to one session are counted one after the other. */
	TRY(db_execv(
	    ctx->db, "UPDATE training_sessions SET updated_at = updated_at WHERE id = ?", NULL, DB_I64(session_id)));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT id, state FROM session_registrations WHERE session_id = ? AND person_id = ?", &r,
	    DB_I64(session_id), DB_I64(person)));
	if (r->nrows > 0 && strcmp(db_cell(r, 0, 1)->s.p, "cancelled") != 0) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    recruits ? "Ce jeune est déjà inscrit à cette session (ou sur sa liste d'attente)."
		             : "Vous êtes déjà inscrit(e) à cette session (ou sur sa liste d'attente).");
		goto out;
	}
	/* A cancelled registration makes way for the new one, which takes its turn at the end of the list. */
	if (r->nrows > 0)
		TRY(db_execv(
		    ctx->db, "DELETE FROM session_registrations WHERE id = ?", NULL, DB_I64(db_int(db_cell(r, 0, 0)))));
	TRY(db_onev(ctx->db, ctx->arena,
	    "SELECT COUNT(*) FROM session_registrations WHERE session_id = ? AND state = 'registered'", &r,
	    DB_I64(session_id)));
	taken = db_int(db_cell(r, 0, 0));
	*state = taken < int_of(s, "capacity") ? "registered" : "waiting";
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO session_registrations (session_id, person_id, contract_id, path_module_id, state, "
	    "registered_by, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(session_id), DB_I64(person),
	    int_of(clean, "contract_id") > 0 ? DB_I64(int_of(clean, "contract_id")) : DB_NULLV,
	    int_of(clean, "path_module_id") > 0 ? DB_I64(int_of(clean, "path_module_id")) : DB_NULLV, DB_TEXT(*state),
	    DB_I64(ctx->actor->person_id), DB_I64(ctx->now), DB_I64(ctx->now)));
	*reg_id = db_int(db_cell(r, 0, 0));
	detail = json_deep_copy(clean);
	json_object_set_new(detail, "session_id", json_integer(session_id));
	json_object_set_new(detail, "person_id", json_integer(person));
	json_object_set_new(detail, "state", json_string(*state));
	TRY(journal_append(ctx, "registration", *reg_id, "create", detail));
	TRY(notify_person(ctx, person,
	    arena_printf(ctx->arena, "%s : %s", strcmp(*state, "registered") == 0 ? "Inscription" : "Liste d'attente",
	        json_str(s, "title")),
	    notify_text(ctx,
	        arena_printf(ctx->arena,
	            strcmp(*state, "registered") == 0
	                ? "Votre inscription à la session « %s », du %s au %s, est enregistrée."
	                : "La session « %s » (du %s au %s) est complète : vous êtes sur sa liste d'attente et nous "
	                  "vous "
	                  "préviendrons si une place se libère.",
	            json_str(s, "title"), fr_date(ctx->arena, json_str(s, "starts_on")),
	            fr_date(ctx->arena, json_str(s, "ends_on"))),
	        arena_printf(ctx->arena, "/sessions/%lld", (long long)session_id))));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	if (err != TR_OK)
		*state = NULL;
out_nodb:
	json_decref(input);
	json_decref(s);
	json_decref(clean);
	json_decref(detail);
	return err;
}

/* A registration is cancelled while its session is not. */
static tr_err
guard_session_live(struct wf_call *c)
{
	return strcmp(json_str(c->row, "session_state"), "cancelled") == 0
	           ? ctx_fail(c->ctx, TR_CONFLICT, "Cette session est annulée.")
	           : TR_OK;
}

/* The person hears of a cancellation made by someone else. */
static tr_err
tell_registrant(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *g = c->row;

	if (ctx->actor == NULL || ctx->actor->person_id == int_of(g, "person_id"))
		return TR_OK;
	return notify_person(ctx, int_of(g, "person_id"),
	    arena_printf(ctx->arena, "Inscription annulée : %s", json_str(g, "title")),
	    notify_text(ctx,
	        arena_printf(ctx->arena, "%s a annulé votre inscription à la session « %s » (du %s au %s).",
	            ctx->actor->name, json_str(g, "title"), fr_date(ctx->arena, json_str(g, "starts_on")),
	            fr_date(ctx->arena, json_str(g, "ends_on"))),
	        arena_printf(ctx->arena, "/sessions/%lld", (long long)int_of(g, "session_id"))));
}

tr_err
training_registration_cancel(struct ctx *ctx, int64_t reg_id, int64_t *session_id)
{
	struct wf_act act = { .id = reg_id, .action = "cancel" };
	json_t *s = NULL;
	struct db_rows *r;
	int64_t promoted = 0;
	bool seat;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	/* Cancelling takes no version: the registration as it stands now. */
	err = db_onev(ctx->db, ctx->arena, "SELECT session_id, version, state FROM session_registrations WHERE id = ?",
	    &r, DB_I64(reg_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette inscription n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (session_id)
		*session_id = db_int(db_cell(r, 0, 0));
	act.version = db_int(db_cell(r, 0, 1));
	seat = strcmp(db_text(db_cell(r, 0, 2)), "registered") == 0;
	/* One transaction: the cancellation, then the seat it frees given to the waiting list. */
	TRY(tx_begin(ctx));
	TRY(wf_run(ctx, &registration_workflow, &act));
	if (seat) {
		TRY(load_session(ctx, db_int(db_cell(r, 0, 0)), &s));
		TRY(promote(ctx, s, &promoted));
	}
out:
	json_decref(s);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ================================================================================================
 * Attendance
 */

/* Day N's (days since 1970-01-01) week, Monday first, and whether it is a Saturday or a Sunday. 1970-01-01 was a
 * Thursday: (N + 3) mod 7 is 0 on Mondays. */
static int64_t
week_of(int64_t n)
{
	int64_t k = n + 3;

	return k >= 0 ? k / 7 : -((-k + 6) / 7);
}

static bool
weekend(int64_t n)
{
	return ((n + 3) % 7 + 7) % 7 >= 5;
}

/* Day number of "YYYY-MM-DD" DAY into *N; false when it is not a date. */
static bool
day_number(const char *day, int64_t *n)
{
	int y, m, d;

	if (day == NULL || !date_parse(day, strlen(day), &y, &m, &d))
		return false;
	*n = date_days(y, m, d);
	return true;
}

json_t *
training_session_days(struct arena *a, const char *from, const char *to)
{
	json_t *days = json_array();
	int64_t first, last;

	if (!day_number(from, &first) || !day_number(to, &last))
		return days;
	for (int64_t n = first; n <= last && json_array_size(days) < DAYS_MAX; n++) {
		int y, m, d;
		/* A weekend day counts when the session starts or ends in that same weekend (a Friday-to-Sunday session
		 * runs on Saturday too); the weekends it only spans are skipped. */
		if (weekend(n) && !(weekend(first) && week_of(first) == week_of(n)) &&
		    !(weekend(last) && week_of(last) == week_of(n)))
			continue;
		date_civil(n, &y, &m, &d);
		json_array_append_new(days, json_string(arena_printf(a, "%04d-%02d-%02d", y, m, d)));
	}
	return days;
}

static json_t *
session_days(struct ctx *ctx, const char *from, const char *to)
{
	return training_session_days(ctx->arena, from, to);
}

static bool
has_day(json_t *days, const char *day)
{
	json_t *v;
	size_t i;

	json_array_foreach(days, i, v) if (day && strcmp(json_string_value(v), day) == 0) return true;
	return false;
}

/* Session ID for one who records its attendance (*S owned by the caller). */
static tr_err
load_for_attendance(struct ctx *ctx, int64_t id, json_t **s)
{
	tr_err err = load_session(ctx, id, s);

	if (err != TR_OK)
		return err;
	if (!runs(ctx, *s))
		err = ctx_fail(ctx, TR_FORBIDDEN,
		    "Les présences sont relevées par les formateurs de la session (le pôle de ressources pour une "
		    "formation de tuteurs).");
	else if (strcmp(json_str(*s, "state"), "cancelled") == 0)
		err = ctx_fail(ctx, TR_CONFLICT, "Cette session est annulée : elle n'a pas de présences.");
	if (err != TR_OK) {
		json_decref(*s);
		*s = NULL;
	}
	return err;
}

tr_err
training_attendance_get(struct ctx *ctx, int64_t session_id, const char *day, json_t **out)
{
	json_t *s = NULL, *days, *list, *v, *rows;
	struct db_rows *r, *rec;
	int64_t hours, ndays, registered;
	const char *chosen = NULL;
	size_t i;
	tr_err err;

	*out = NULL;
	if ((err = load_for_attendance(ctx, session_id, &s)) != TR_OK)
		return err;
	days = session_days(ctx, json_str(s, "starts_on"), json_str(s, "ends_on"));
	if (day && !has_day(days, day)) {
		json_decref(s);
		json_decref(days);
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce jour n'est pas un jour de la session.");
	}
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT day, COUNT(*) FROM attendance WHERE session_id = ? GROUP BY day", &rec, DB_I64(session_id))) !=
	    TR_OK) {
		json_decref(s);
		json_decref(days);
		return ctx_storage_error(ctx, err);
	}
	registered = int_of(s, "registered");
	list = json_array();
	json_array_foreach(days, i, v)
	{
		int64_t n = 0;
		for (size_t k = 0; k < rec->nrows; k++)
			if (strcmp(db_cell(rec, k, 0)->s.p, json_string_value(v)) == 0)
				n = db_int(db_cell(rec, k, 1));
		if (!day && !chosen && n < registered)
			chosen = json_string_value(v);
		json_array_append_new(
		    list, json_pack("{s:s, s:I}", "day", json_string_value(v), "recorded", (json_int_t)n));
	}
	chosen = day ? day : chosen ? chosen : json_string_value(json_array_get(days, 0));
	json_array_foreach(list, i, v)
	    json_object_set_new(v, "current", json_boolean(strcmp(json_str(v, "day"), chosen) == 0));
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT g.person_id, p.name AS person_name, g.path_module_id, COALESCE(a.present, 0) AS present, "
	    "COALESCE(a.hours, 0) AS hours, CASE WHEN a.day IS NULL THEN 0 ELSE 1 END AS recorded FROM "
	    "session_registrations g JOIN people p ON p.id = g.person_id LEFT JOIN attendance a ON a.session_id = "
	    "g.session_id AND a.person_id = g.person_id AND a.day = ? WHERE g.session_id = ? AND g.state = "
	    "'registered' "
	    "ORDER BY p.name, g.id",
	    &r, DB_TEXT(chosen), DB_I64(session_id));
	if (err != TR_OK) {
		json_decref(s);
		json_decref(days);
		json_decref(list);
		return ctx_storage_error(ctx, err);
	}
	rows = rows_json(r);
	json_array_foreach(rows, i, v) json_object_set_new(v, "present", json_boolean(int_of(v, "present") != 0));
	ndays = (int64_t)json_array_size(days);
	hours = int_of(s, "hours") > 0 && ndays > 0 ? (int_of(s, "hours") + ndays - 1) / ndays : 7;
	*out = json_pack("{s:o, s:s, s:o, s:o, s:I}", "session", s, "day", chosen, "days", list, "rows", rows,
	    "default_hours", (json_int_t)(hours > 24 ? 24 : hours));
	json_decref(days);
	return TR_OK;
}

/* The boolean of member KEY of O sent as JSON or a form: true, 1, "1", "true", "on", "oui". */
static bool
truthy(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);

	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0) ||
	       (s && (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0 || strcmp(s, "oui") == 0));
}

/* The integer of member KEY of O (a JSON integer or decimal text); false when it is neither. */
static bool
integer(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	long long n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (json_is_string(v) && str_to_i64(str_c(json_string_value(v)), &n)) {
		*out = n;
		return true;
	}
	return false;
}

tr_err
training_attendance_record(struct ctx *ctx, int64_t session_id, json_t *entries)
{
	json_t *s = NULL, *days = NULL, *e, *done = NULL;
	struct db_rows *regs, *n;
	size_t i;
	tr_err err;

	if ((err = load_for_attendance(ctx, session_id, &s)) != TR_OK)
		return err;
	days = session_days(ctx, json_str(s, "starts_on"), json_str(s, "ends_on"));
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT person_id, path_module_id FROM session_registrations WHERE session_id = ? AND state = "
	         "'registered'",
	         &regs, DB_I64(session_id))) != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out_nodb;
	}
	if (!json_is_array(entries) || json_array_size(entries) == 0 || json_array_size(entries) > 5000) {
		field_errors_add(&ctx->errors, "entries",
		    "« Présences » : envoyez une liste de 1 à 5 000 relevés {person_id, day, present, hours}.");
		err = TR_INVALID;
		goto out_nodb;
	}
	json_array_foreach(entries, i, e)
	{
		int64_t person = 0, hours = 0;
		bool known = false;
		integer(e, "person_id", &person);
		for (size_t k = 0; k < regs->nrows; k++)
			known |= db_int(db_cell(regs, k, 0)) == person;
		if (!known)
			field_errors_add(&ctx->errors, "person_id",
			    arena_printf(
			        ctx->arena, "Relevé %zu : la personne n'est pas inscrite à cette session.", i + 1));
		if (!has_day(days, json_str(e, "day")))
			field_errors_add(&ctx->errors, "day",
			    arena_printf(ctx->arena, "Relevé %zu : « Jour » doit être un jour de la session.", i + 1));
		if (json_object_get(e, "hours") && (!integer(e, "hours", &hours) || hours < 0 || hours > 24))
			field_errors_add(&ctx->errors, arena_printf(ctx->arena, "hours-%lld", (long long)person),
			    arena_printf(
			        ctx->arena, "Relevé %zu : « Heures » doit être un nombre entier de 0 à 24.", i + 1));
		else if (hours > 0 && !truthy(e, "present"))
			/* Hours of presence for someone marked absent: say so rather than drop them. */
			field_errors_add(&ctx->errors, arena_printf(ctx->arena, "hours-%lld", (long long)person),
			    arena_printf(ctx->arena,
			        "Relevé %zu : « Heures de présence » vaut %lld h alors que « Présent(e) » n'est pas "
			        "coché : "
			        "cochez « Présent(e) », ou mettez 0 pour une absence.",
			        i + 1, (long long)hours));
		if (ctx->errors.n > 20)
			break;
	}
	if (ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	done = json_array();
	json_array_foreach(entries, i, e)
	{
		int64_t person = 0, hours = 0;
		bool present = truthy(e, "present");
		integer(e, "person_id", &person);
		integer(e, "hours", &hours);
		TRY(db_execv(ctx->db,
		    "INSERT INTO attendance (session_id, person_id, day, present, hours, recorded_by, recorded_at) "
		    "VALUES (?, "
		    "?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, person_id, day) DO UPDATE SET present = "
		    "excluded.present, "
		    "hours = excluded.hours, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
		    NULL, DB_I64(session_id), DB_I64(person), DB_TEXT(json_str(e, "day")), DB_BOOL(present),
		    DB_I64(hours), DB_I64(ctx->actor->person_id), DB_I64(ctx->now)));
		json_array_append_new(done, json_pack("{s:I, s:s, s:b, s:I}", "person_id", (json_int_t)person, "day",
		                                json_str(e, "day"), "present", present, "hours", (json_int_t)hours));
	}
	{
		json_t *detail = json_pack("{s:O}", "entries", done);
		err = journal_append(ctx, "training_session", session_id, "attendance", detail);
		json_decref(detail);
		TRY(err);
	}
	/* The path modules these registrations fulfil: their hours, and completion. */
	for (size_t k = 0; k < regs->nrows; k++) {
		int64_t person = db_int(db_cell(regs, k, 0));
		bool named = false;
		if (db_isnull(db_cell(regs, k, 1)))
			continue;
		json_array_foreach(entries, i, e)
		{
			int64_t p = 0;
			integer(e, "person_id", &p);
			named |= p == person;
		}
		if (!named)
			continue;
		TRY(db_onev(ctx->db, ctx->arena,
		    "SELECT COUNT(*) FROM attendance WHERE session_id = ? AND person_id = ? AND present = 1", &n,
		    DB_I64(session_id), DB_I64(person)));
		TRY(training_module_sync(
		    ctx, db_int(db_cell(regs, k, 1)), db_int(db_cell(n, 0, 0)) >= (int64_t)json_array_size(days)));
	}
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(s);
	json_decref(days);
	json_decref(done);
	return err;
}

/* ================================================================================================
 * The scheduled job and the sessions at risk
 */

tr_err
training_sessions_cancel_under_minimum(struct ctx *ctx, int64_t *count)
{
	const char *today = today_of(ctx);
	struct db_rows *r;
	tr_err err;

	*count = 0;
	TRY(tx_begin(ctx));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT s.id, " COUNT_SQL("registered") " AS registered, s.min_registrants FROM training_sessions s WHERE "
	                                            "s.state = 'open' AND s.registration_deadline < ? ORDER BY "
	                                            "s.registration_deadline, s.id LIMIT 500",
	    &r, DB_TEXT(today)));
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t registered = db_int(db_cell(r, i, 1)), min = db_int(db_cell(r, i, 2));
		json_t *detail = registered >= min ? json_pack("{s:I, s:I}", "registered", (json_int_t)registered,
		                                         "min_registrants", (json_int_t)min)
		                                   : NULL;
		err = wf_system(ctx, &session_workflow, db_int(db_cell(r, i, 0)),
		    registered >= min ? "confirm" : "cancel_under_minimum", S_SYSTEM, detail);
		json_decref(detail);
		TRY(err);
		if (registered < min)
			(*count)++;
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
training_sessions_at_risk(struct ctx *ctx, const char *regions, json_t **out)
{
	const struct actor *a = ctx->actor;
	const char *today = today_of(ctx), *horizon = date_add(ctx->arena, today, 0, RISK_DAYS), *where = "1 = 1";
	struct db_val p[REGIONS_ASKED_MAX + 4];
	size_t np = 0;
	struct db_rows *r;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	p[np++] = DB_TEXT(today);
	p[np++] = DB_TEXT(horizon);
	if (regions == NULL && !is_national(ctx)) {
		/* Every region the actor covers as a pole or a regional officer. */
		where =
		    "(s.region_code IN " SCOPE_REGIONS("pole") " OR s.region_code IN " SCOPE_REGIONS("regional") ")";
		p[np++] = DB_I64(a->person_id);
		p[np++] = DB_I64(a->person_id);
	} else if (regions != NULL) {
		/* The regions asked for (a query parameter: codes joined by '|') that the actor covers (all of them for
		 * national reach). */
		where = "s.region_code IN (''";
		for (const char *q = regions; *q && np < REGIONS_ASKED_MAX + 2;) {
			size_t len = strcspn(q, "|");
			char *code = arena_strndup(ctx->arena, q, len);
			if (len > 0 && (is_national(ctx) || actor_covers_region(a, ROLE_POLE, code) ||
			                   actor_covers_region(a, ROLE_REGIONAL, code))) {
				where = arena_printf(ctx->arena, "%s, ?", where);
				p[np++] = DB_TEXT(code);
			}
			q += len + (q[len] == '|');
		}
		where = arena_printf(ctx->arena, "%s)", where);
	}
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena,
	        "SELECT s.id, s.title, s.audience, s.region_code, s.starts_on, s.registration_deadline, " COUNT_SQL(
	            "registered") " AS registered, s.min_registrants, s.capacity, o.name AS training_org_name, po.name "
	                          "AS pole_name FROM training_sessions s LEFT JOIN organisations o ON o.id = "
	                          "s.training_org_id LEFT JOIN poles po ON po.id = s.pole_id WHERE s.state = 'open' "
	                          "AND s.registration_deadline >= ? AND s.registration_deadline <= ? AND " COUNT_SQL(
	                              "registered") " < s.min_registrants AND %s ORDER BY s.registration_deadline, "
	                                            "s.id",
	        where),
	    p, np, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

/* ================================================================================================
 * Tutors
 */

tr_err
training_tutor_get(struct ctx *ctx, int64_t person_id, json_t **out)
{
	const struct actor *a = ctx->actor;
	struct db_rows *p, *c, *t, *staff;
	json_t *contracts, *trainings, *x;
	bool ok;
	int64_t followed = 0;
	size_t i;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, "SELECT id, name, email FROM people WHERE id = ?", &p, DB_I64(person_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette personne n'existe pas.");
	if (err != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT c.id, c.organisation_id, o.name AS organisation_name, c.region_code, c.state, c.start_on, "
	         "c.end_on, cand.name AS candidate_name FROM contracts c JOIN organisations o ON o.id = "
	         "c.organisation_id JOIN people cand ON cand.id = c.candidate_id WHERE c.tutor_id = ? ORDER BY "
	         "c.start_on DESC, c.id DESC",
	         &c, DB_I64(person_id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT organisation_id FROM memberships WHERE person_id = ? AND role = 'employer'", &staff,
	         DB_I64(person_id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	ok = is_national(ctx) || a->person_id == person_id;
	for (size_t k = 0; !ok && k < c->nrows; k++)
		ok = actor_in_org(a, ROLE_EMPLOYER, db_int(db_cell(c, k, 1))) ||
		     actor_covers_region(a, ROLE_POLE, db_text(db_cell(c, k, 3)));
	for (size_t k = 0; !ok && k < staff->nrows; k++)
		ok = actor_in_org(a, ROLE_EMPLOYER, db_int(db_cell(staff, k, 0)));
	if (!ok)
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Le dossier de formation d'un tuteur est vu par le tuteur, sa structure, le pôle de ses régions et "
		    "la "
		    "délégation nationale.");
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT s.id AS session_id, s.title, s.starts_on, s.ends_on, s.hours, s.state AS session_state, "
	         "g.state, "
	         "o.name AS training_org_name, po.name AS pole_name, (SELECT COUNT(*) FROM attendance a WHERE "
	         "a.session_id = s.id AND a.person_id = g.person_id AND a.present = 1) AS days_present, (SELECT "
	         "CAST(COALESCE(SUM(a.hours), 0) AS BIGINT) FROM attendance a WHERE a.session_id = s.id AND "
	         "a.person_id = g.person_id "
	         "AND a.present = 1) AS hours_present FROM session_registrations g JOIN training_sessions s ON s.id = "
	         "g.session_id LEFT JOIN organisations o ON o.id = s.training_org_id LEFT JOIN poles po ON po.id = "
	         "s.pole_id WHERE g.person_id = ? AND s.audience = 'tutors' ORDER BY s.starts_on DESC, s.id DESC",
	         &t, DB_I64(person_id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	contracts = rows_json(c);
	json_array_foreach(contracts, i, x) json_object_set_new(x, "live",
	    json_boolean(str_list_has("planned|active|suspended", json_str(x, "state"), strlen(json_str(x, "state")))));
	trainings = rows_json(t);
	json_array_foreach(trainings, i, x)
	{
		bool f = int_of(x, "days_present") > 0;
		json_object_set_new(x, "followed", json_boolean(f));
		wf_decorate(&registration_workflow, x);
		json_object_set_new(x, "session_state_label",
		    json_string(vocab_label(&vocab_session_state, json_str(x, "session_state"))));
		followed += f;
	}
	*out = json_pack("{s:{s:I, s:s, s:s}, s:o, s:o, s:I}", "person", "id", (json_int_t)person_id, "name",
	    db_cell(p, 0, 1)->s.p, "email", db_cell(p, 0, 2)->s.p, "contracts", contracts, "trainings", trainings,
	    "followed", (json_int_t)followed);
	return TR_OK;
}

/* The tutors of the live contracts the actor oversees: every one for national reach, those of the pole's regions,
 * those of the structure's contracts. */
static const struct scope_rule tutor_rules[] = {
	{ "national reach", NATIONAL_REACH, "1 = 1", NULL },
	{ "the pole of the contract's region", ROLE_BIT(ROLE_POLE), "c.region_code IN " SCOPE_REGIONS("pole"), NULL },
	{ "the employing structure", ROLE_BIT(ROLE_EMPLOYER), "c.organisation_id IN " SCOPE_ORGS("employer"), NULL },
};

static const struct scope tutor_scope = { "tutor", "contracts c", "c.id", tutor_rules,
	sizeof(tutor_rules) / sizeof(tutor_rules[0]) };

tr_err
training_tutor_list(struct ctx *ctx, bool without_training, json_t **out)
{
	struct sqlw w;
	struct db_rows *r;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, NATIONAL_REACH | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_EMPLOYER))) != TR_OK)
		return err;
	scope_where(ctx, &tutor_scope, &w);
	sqlw_param(&w, DB_BOOL(without_training));
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena,
	        "SELECT t.* FROM (SELECT pe.id, pe.name, pe.email, COUNT(DISTINCT c.id) AS contracts, "
	        "MIN(c.region_code) "
	        "AS region_code, (SELECT COUNT(DISTINCT a.session_id) FROM attendance a JOIN training_sessions s ON "
	        "s.id = a.session_id WHERE a.person_id = pe.id AND a.present = 1 AND s.audience = 'tutors') AS "
	        "trainings FROM contracts c JOIN people pe ON pe.id = c.tutor_id WHERE c.state IN " CONTRACT_LIVE_SQL
	        " AND %s GROUP BY pe.id, pe.name, pe.email) t WHERE CAST(? AS BIGINT) = 0 OR t.trainings = 0 ORDER "
	        "BY t.name, t.id",
	        w.sql),
	    w.p, w.n, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:o}", "items", rows_json(r));
	return TR_OK;
}
