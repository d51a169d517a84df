/* Applications: the transition table on the lifecycle engine (acceptance makes the contract and closes the
 * candidate's other applications), creation, reading, lists and the 60-day expiry. */
#include "domain/recruitment/application.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "core/time.h"
#include "domain/candidates/candidate.h"
#include "domain/candidates/eligibility.h"
#include "domain/kernel/common.h"
#include "domain/recruitment/contract.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/kernel/outbox.h"
#include "domain/kernel/scope.h"
#include "domain/kernel/workflow.h"
#include "domain/recruitment/matching.h"
#include "model/recruitment/contract.h"

enum {
	P_CANDIDATE = 1 << 0,
	P_STRUCTURE = 1 << 1,
	P_SYSTEM = 1 << 2, /* the 60-day expiry, and the recruitment of the candidate elsewhere */
};

#define PENDING (WF_BIT(APP_NEW) | WF_BIT(APP_PROCESSING) | WF_BIT(APP_INTERVIEW))
#define PENDING_SQL "('proposed', 'new', 'processing', 'interview')"

static tr_err effect_consent(struct wf_call *c);
static tr_err guard_offer_open(struct wf_call *c);
static tr_err guard_interview_day(struct wf_call *c);
static tr_err guard_interview_pending(struct wf_call *c);
static tr_err effect_interview(struct wf_call *c);
static tr_err effect_interview_accepted(struct wf_call *c);
static tr_err effect_interview_other(struct wf_call *c);
static tr_err effect_accept(struct wf_call *c);
static tr_err effect_refuse(struct wf_call *c);
static tr_err tell_other_side(struct wf_call *c);
static tr_err tell_obsolete(struct wf_call *c);

static const struct wf_transition application_rows[] = {
	{ "accept_proposal", "Accepter la mise en relation", WF_BIT(APP_PROPOSED), APP_NEW, P_CANDIDATE,
	    &entity_application, true, NULL, effect_consent, tell_other_side, WF_PRIMARY, NULL,
	    "Vous avez accepté la mise en relation : la structure voit maintenant votre candidature n° {n}.", NULL,
	    NULL },
	{ "decline_proposal", "Décliner la mise en relation", WF_BIT(APP_PROPOSED), APP_DECLINED, P_CANDIDATE, NULL,
	    false, NULL, NULL, tell_other_side, WF_DANGER,
	    "Décliner cette mise en relation ? La structure ne verra pas votre profil.",
	    "Vous avez décliné la mise en relation.", NULL, NULL },
	{ "process", "Examiner la candidature", WF_BIT(APP_NEW), APP_PROCESSING, P_STRUCTURE, NULL, false, NULL, NULL,
	    tell_other_side, WF_PRIMARY, NULL,
	    "La candidature n° {n} est en cours d'examen ; le candidat en est informé.", NULL, NULL },
	{ "interview", "Proposer un entretien", WF_BIT(APP_NEW) | WF_BIT(APP_PROCESSING) | WF_BIT(APP_INTERVIEW),
	    APP_INTERVIEW, P_STRUCTURE, &entity_interview, false, guard_interview_day, effect_interview,
	    tell_other_side, WF_SECONDARY, NULL, "L'entretien est proposé au candidat pour la candidature n° {n}.",
	    NULL, NULL },
	{ "accept_interview", "Accepter l'entretien", WF_BIT(APP_INTERVIEW), -1, P_CANDIDATE, NULL, false,
	    guard_interview_pending, effect_interview_accepted, tell_other_side, WF_PRIMARY, NULL,
	    "Vous avez accepté l'entretien : la structure en est informée.", NULL, NULL },
	{ "ask_other_interview", "Demander un autre créneau", WF_BIT(APP_INTERVIEW), -1, P_CANDIDATE,
	    &entity_interview_reply, false, guard_interview_pending, effect_interview_other, tell_other_side,
	    WF_SECONDARY, NULL, "Votre demande d'un autre créneau est transmise à la structure.", NULL, NULL },
	{ "accept", "Retenir la candidature et établir le contrat", PENDING, APP_ACCEPTED, P_STRUCTURE,
	    &entity_contract, false, NULL, effect_accept, tell_other_side, WF_PRIMARY,
	    "Retenir cette candidature et établir le contrat ? Les autres candidatures en cours de la personne seront "
	    "closes.",
	    "La candidature n° {n} est retenue : le contrat est établi.", NULL, NULL },
	{ "refuse", "Ne pas retenir la candidature", PENDING, APP_REFUSED, P_STRUCTURE, &entity_refusal, false, NULL,
	    effect_refuse, tell_other_side, WF_DANGER,
	    "Ne pas retenir cette candidature ? Le candidat en sera informé par courriel avec le motif.",
	    "La candidature n° {n} n'est pas retenue ; le candidat en est informé.", NULL, NULL },
	{ "withdraw", "Retirer ma candidature", PENDING | WF_BIT(APP_PROPOSED), APP_WITHDRAWN, P_CANDIDATE, NULL, false,
	    NULL, NULL, tell_other_side, WF_DANGER,
	    "Retirer votre candidature ? La structure en sera informée ; vous pourrez candidater à nouveau tant que "
	    "l'offre est ouverte.",
	    "Votre candidature n° {n} est retirée ; la structure en est informée.", NULL, NULL },
	{ "reapply", "Candidater à nouveau", WF_BIT(APP_WITHDRAWN), APP_NEW, P_CANDIDATE, &entity_application, true,
	    guard_offer_open, effect_consent, tell_other_side, WF_PRIMARY, NULL,
	    "Vous avez candidaté à nouveau : votre candidature n° {n} est transmise à la structure.", NULL, NULL },
	{ "obsolete", "Clore la candidature", PENDING | WF_BIT(APP_PROPOSED), APP_OBSOLETE, P_SYSTEM, NULL, false, NULL,
	    NULL, tell_obsolete, WF_SECONDARY, NULL, "La candidature n° {n} est close.", NULL, NULL },
};

/* An application with what its readers and the contract need: the offer's terms and place, the dossier's
 * parties (defaults of the contract), the candidate. */
#define APPLICATION_SELECT                                                                                             \
	"SELECT a.id, a.offer_id, a.candidate_id, a.state, a.origin, a.message, a.refusal_reason, a.created_at, "      \
	"a.updated_at, a.state_since, a.version, a.consented_at, a.interview_on, a.interview_time, "                   \
	"a.interview_place, a.interview_note, a.interview_answer, a.interview_reply, f.title AS offer_title, f.state " \
	"AS offer_state, "                                                                                             \
	"f.dossier_id, "                                                                                               \
	"f.organisation_id, f.programme_id, f.region_code, f.job_profile_id, f.contract_type AS offer_contract_type, " \
	"f.start_on AS "                                                                                               \
	"offer_start_on, f.duration_months AS offer_duration_months, f.weekly_hours AS offer_weekly_hours, "           \
	"f.place_id, o.name AS organisation_name, p.name AS candidate_name, p.email AS candidate_email, "              \
	"d.pole_id AS dossier_pole_id, d.sponsor_name AS dossier_sponsor_name, d.company_name AS "                     \
	"dossier_company_name, "                                                                                       \
	"d.company_siret AS dossier_company_siret, d.company_activity AS dossier_company_activity, "                   \
	"(SELECT c.id FROM contracts c WHERE c.application_id = a.id) AS contract_id "                                 \
	"FROM applications a JOIN offers f ON f.id = a.offer_id JOIN organisations o ON o.id = f.organisation_id "     \
	"JOIN dossiers d ON d.id = f.dossier_id JOIN people p ON p.id = a.candidate_id "

static const char *
str_of(json_t *o, const char *k)
{
	return json_str(o, k);
}

static int64_t
int_of(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static unsigned
parties_of(struct ctx *ctx, json_t *a)
{
	unsigned p = 0;

	if (ctx->actor && ctx->actor->person_id == int_of(a, "candidate_id"))
		p |= P_CANDIDATE;
	if (actor_in_org(ctx->actor, ROLE_EMPLOYER, int_of(a, "organisation_id")))
		p |= P_STRUCTURE;
	return p;
}

/* ---- who reads an application ---- */

static bool
is_admin(const struct ctx *ctx, json_t *app)
{
	(void)app;
	return actor_has(ctx->actor, ROLE_ADMIN);
}

static bool
is_candidate(const struct ctx *ctx, json_t *app)
{
	return ctx->actor->person_id == int_of(app, "candidate_id");
}

static bool
is_structure(const struct ctx *ctx, json_t *app)
{
	return actor_in_org(ctx->actor, ROLE_EMPLOYER, int_of(app, "organisation_id"));
}

static const struct scope_rule application_rules[] = {
	{ "admin (the platform's operator)", ROLE_BIT(ROLE_ADMIN), "1 = 1", is_admin },
	{ "the candidate", 0, "a.candidate_id = ?", is_candidate },
	/* Its own offer's applications and proposals; the candidate's personal data stays behind consent
	 * (candidate_scope), and a proposal not accepted shows no email (decorate). */
	{ "the structure of the offer", ROLE_BIT(ROLE_EMPLOYER), "f.organisation_id IN " SCOPE_ORGS("employer"),
	    is_structure },
	/* Officers and poles see a person's application once it became a contract of their scope. */
	{ "a national officer, once it made a contract", ROLE_BIT(ROLE_NATIONAL),
	    "EXISTS (SELECT 1 FROM contracts sk WHERE sk.application_id = a.id)", NULL },
	{ "the pole or regional officer of the contract's region", ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL),
	    "EXISTS (SELECT 1 FROM contracts sk WHERE sk.application_id = a.id AND (sk.region_code IN " SCOPE_REGIONS(
	        "pole") " OR sk.region_code IN " SCOPE_REGIONS("regional") "))",
	    NULL },
	{ "a prescriber the candidate accepted", ROLE_BIT(ROLE_PRESCRIBER), "a.candidate_id IN " SCOPE_FOLLOWED, NULL },
};

const struct scope application_scope = { "application", "applications a JOIN offers f ON f.id = a.offer_id", "a.id",
	application_rules, sizeof(application_rules) / sizeof(application_rules[0]) };

/* The badges of the states: proposed, new, processing, interview, accepted, refused, withdrawn, declined, obsolete. */
static const enum wf_state_tone application_tones[] = { WF_NEW, WF_NEW, WF_INFO, WF_INFO, WF_SUCCESS, WF_ERROR,
	WF_NEUTRAL, WF_NEUTRAL, WF_WARNING };

const struct workflow application_workflow = {
	.entity = "application",
	.table = "applications",
	.state_since = true,
	.states = &vocab_application_state,
	.tones = application_tones,
	.rows = application_rows,
	.nrows = sizeof(application_rows) / sizeof(application_rows[0]),
	.select = APPLICATION_SELECT "WHERE a.id = ?",
	/* The candidate's row first: accepting one application closes the others, so that two structures accepting
	 * the same person at once take their turns instead of each holding one application the other needs. */
	.lock_first = "UPDATE candidates SET updated_at = updated_at WHERE person_id = (SELECT candidate_id FROM "
	              "applications WHERE id = ?)",
	.scope = &application_scope,
	.parties = parties_of,
	.missing = "Cette candidature n'existe pas.",
	.stale = "Cette candidature a changé depuis votre lecture : rechargez la page.",
};

static tr_err
load(struct ctx *ctx, int64_t id, json_t **out)
{
	return scope_load(
	    ctx, &application_scope, APPLICATION_SELECT "WHERE a.id = ?", id, "Cette candidature n'existe pas.", out);
}

static void
decorate(struct ctx *ctx, json_t *a)
{
	const char *state = str_of(a, "state");

	wf_decorate(&application_workflow, a);
	entity_decorate(&entity_refusal, a, ctx->arena);
	json_object_set_new(a, "days_waiting", json_integer((ctx->now - int_of(a, "state_since")) / 86400));
	/* Until the candidate accepts a proposal, the structure knows them by the name matching showed. */
	if (json_is_null(json_object_get(a, "consented_at")) && !is_candidate(ctx, a))
		json_object_set_new(a, "candidate_email", json_null());
	json_object_set_new(a, "actions",
	    wf_actions(&application_workflow, wf_state(&application_workflow, state), parties_of(ctx, a)));
}

/* What the structure must know before the contract step, while it can still act on it: the eligibility the
 * programme requires is missing on the offer's planned start (or today, when that is past). Set as
 * "action_notes": {"accept": French text} (none when nothing is missing). */
static tr_err
notes_before_contract(struct ctx *ctx, json_t *a)
{
	const char *today = date_iso(ctx->arena, ctx->now), *on = str_of(a, "offer_start_on");
	bool ok = true;
	tr_err err;

	if (!(parties_of(ctx, a) & P_STRUCTURE) ||
	    !(WF_BIT(wf_state(&application_workflow, str_of(a, "state"))) & PENDING))
		return TR_OK;
	if (on == NULL || strcmp(on, today) < 0)
		on = today;
	if ((err = eligibility_valid(ctx, int_of(a, "candidate_id"), int_of(a, "programme_id"), on, &ok)) != TR_OK)
		return err;
	if (!ok)
		json_object_set_new(a, "action_notes",
		    json_pack("{s:s}", "accept",
		        arena_printf(ctx->arena,
		            "Avant le contrat : %s n'a pas de diagnostic d'éligibilité valide au %s pour ce "
		            "dispositif. Le "
		            "contrat sera refusé tant qu'un prescripteur (Mission locale, France Travail, Cap emploi) "
		            "ne l'a "
		            "pas établi ; demandez-le au candidat ou à son prescripteur.",
		            str_of(a, "candidate_name"), date_ymd_fr(ctx->arena, on))));
	return TR_OK;
}

tr_err
application_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err = load(ctx, id, out);

	if (err == TR_OK)
		decorate(ctx, *out);
	if (err == TR_OK && (err = notes_before_contract(ctx, *out)) != TR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

/* "15 janvier 2027" for "2027-01-15". */
static const char *
day_fr(struct ctx *ctx, const char *ymd)
{
	int y, m, d;

	if (!date_parse(ymd, strlen(ymd), &y, &m, &d))
		return ymd;
	return date_fr(ctx->arena, date_days(y, m, d) * 86400 + 12 * 3600);
}

/* The things a contract needs that application A (loaded, scope checked) still lacks, in French, into MISSING;
 * the eligibility's outcome into ELIG. */
static tr_err
readiness_missing(struct ctx *ctx, json_t *a, bool has_profile, json_t *missing, json_t *elig)
{
	const char *today = date_iso(ctx->arena, ctx->now), *start = str_of(a, "offer_start_on");
	int64_t cand = int_of(a, "candidate_id");
	struct db_rows *r;
	bool required, valid = false;
	tr_err err;

	if (start == NULL || strcmp(start, today) < 0)
		start = today;
	if (json_is_null(json_object_get(a, "consented_at")))
		json_array_append_new(
		    missing, json_string("L'accord du candidat : il n'a pas encore accepté la mise en relation."));
	else if (!has_profile)
		json_array_append_new(missing, json_string("Le profil du candidat : il ne l'a pas encore rempli."));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT p.requires_eligibility, (SELECT COUNT(*) FROM contracts k WHERE k.candidate_id = ? AND k.state "
	    "IN " CONTRACT_LIVE_SQL
	    " AND (k.application_id IS NULL OR k.application_id <> ?)), f.state, f.posts - (SELECT COUNT(*) FROM "
	    "contracts k WHERE k.offer_id = f.id AND k.state IN " CONTRACT_LIVE_SQL
	    ") FROM offers f JOIN programmes p ON p.id = f.programme_id WHERE f.id = ?",
	    &r, DB_I64(cand), DB_I64(int_of(a, "id")), DB_I64(int_of(a, "offer_id")));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	required = db_int(db_cell(r, 0, 0)) == 1;
	if (required && (err = eligibility_valid(ctx, cand, int_of(a, "programme_id"), start, &valid)) != TR_OK)
		return err;
	json_object_set_new(elig, "required", json_boolean(required));
	json_object_set_new(elig, "valid", json_boolean(!required || valid));
	json_object_set_new(elig, "on", json_string(start));
	if (required && !valid)
		json_array_append_new(missing,
		    json_string(arena_printf(ctx->arena,
		        "Un diagnostic d'éligibilité au dispositif valide le %s : le candidat l'obtient auprès d'un "
		        "prescripteur (mission locale, France Travail, Cap emploi).",
		        day_fr(ctx, start))));
	if (db_int(db_cell(r, 0, 1)) > 0)
		json_array_append_new(missing,
		    json_string(
		        "Le candidat a déjà un contrat en cours ailleurs : une personne n'a qu'un contrat à la fois."));
	if (strcmp(db_text(db_cell(r, 0, 2)), "open") != 0 || db_int(db_cell(r, 0, 3)) <= 0)
		json_array_append_new(missing,
		    json_string("Un poste libre sur l'offre : tous ses postes sont pourvus ou elle est close."));
	return TR_OK;
}

tr_err
application_readiness(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *a = NULL, *profile = NULL, *missing = json_array(), *elig = json_object();
	bool pending;
	tr_err err;

	*out = NULL;
	if ((err = load(ctx, id, &a)) != TR_OK)
		goto fail;
	/* The profile only as the candidate's consent allows (candidate_scope): a proposal not yet accepted shows
	 * none. */
	if (candidate_get(ctx, int_of(a, "candidate_id"), &profile) != TR_OK)
		profile = NULL;
	ctx->message = NULL;
	pending = strstr(PENDING_SQL, arena_printf(ctx->arena, "'%s'", str_of(a, "state"))) != NULL ||
	          strcmp(str_of(a, "state"), "proposed") == 0;
	if (pending && (err = readiness_missing(ctx, a, profile != NULL, missing, elig)) != TR_OK)
		goto fail;
	*out = json_pack("{s:o, s:o, s:o, s:b}", "profile", profile ? profile : json_null(), "eligibility", elig,
	    "missing", missing, "pending", pending);
	json_decref(a);
	return TR_OK;
fail:
	json_decref(a);
	json_decref(profile);
	json_decref(missing);
	json_decref(elig);
	return err;
}

tr_err
application_offer_info(struct ctx *ctx, int64_t offer_id, json_t **out)
{
	struct db_rows *r, *c;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT f.id AS offer_id, f.title, f.state, f.start_on, f.contract_type, o.name AS organisation_name, "
	    "pl.nom AS place_nom, pl.commune AS place_commune, (SELECT a.id FROM applications a WHERE a.offer_id = "
	    "f.id AND a.candidate_id = ?) AS application_id FROM offers f JOIN organisations o ON o.id = "
	    "f.organisation_id LEFT JOIN places pl ON pl.id = f.place_id WHERE f.id = ?",
	    &r, DB_I64(ctx->actor->person_id), DB_I64(offer_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette offre n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	err = db_onev(ctx->db, ctx->arena, "SELECT person_id FROM candidates WHERE person_id = ?", &c,
	    DB_I64(ctx->actor->person_id));
	if (err != TR_OK && err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	json_object_set_new(*out, "has_profile", json_boolean(err == TR_OK));
	return TR_OK;
}

/* Inserts an application of CANDIDATE to open offer OFFER in STATE, journaled, the other side told. */
static tr_err
insert(struct ctx *ctx, int64_t offer, int64_t candidate, const char *state, const char *origin, json_t *clean,
    int64_t *id)
{
	struct db_rows *r, *f;
	tr_err err;

	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT f.organisation_id, f.title, f.state, o.name FROM offers f JOIN organisations o ON o.id = "
	    "f.organisation_id WHERE f.id = ?",
	    &f, DB_I64(offer));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Cette offre n'existe pas.");
		goto out;
	}
	TRY(err);
	if (strcmp(db_cell(f, 0, 2)->s.p, "open") != 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette offre n'est plus ouverte aux candidatures.");
		goto out;
	}
	if (strcmp(origin, "structure") == 0 && !actor_in_org(ctx->actor, ROLE_EMPLOYER, db_int(db_cell(f, 0, 0)))) {
		err = ctx_fail(
		    ctx, TR_FORBIDDEN, "Seule la structure qui publie l'offre peut proposer une mise en relation.");
		goto out;
	}
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO applications (offer_id, candidate_id, state, origin, message, created_at, updated_at, "
	    "state_since, consented_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (offer_id, candidate_id) DO "
	    "NOTHING RETURNING id",
	    &r, DB_I64(offer), DB_I64(candidate), DB_TEXT(state), DB_TEXT(origin), DB_TEXT(str_of(clean, "message")),
	    DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(ctx->now),
	    strcmp(origin, "candidate") == 0 ? DB_I64(ctx->now) : DB_NULLV);
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    strcmp(origin, "candidate") == 0 ? "Vous avez déjà candidaté à cette offre."
		                                     : "Ce candidat est déjà en relation avec cette offre.");
		goto out;
	}
	TRY(err);
	*id = db_int(db_cell(r, 0, 0));
	TRY(journal_append(ctx, "application", *id, strcmp(origin, "candidate") == 0 ? "apply" : "propose", clean));
	{
		const char *action = strcmp(origin, "candidate") == 0 ? "apply" : "propose";
		json_t *ev = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)*id, "action", action, "to",
		    strcmp(origin, "candidate") == 0 ? "new" : "proposed");
		err = outbox_event(ctx, "application", *id, action, ev);
		json_decref(ev);
		TRY(err);
	}
	{
		const char *path = arena_printf(ctx->arena, "/candidatures/%lld", (long long)*id);
		if (strcmp(origin, "candidate") == 0)
			TRY(notify_org(ctx, db_int(db_cell(f, 0, 0)), ROLE_EMPLOYER,
			    arena_printf(ctx->arena, "Nouvelle candidature : %s", db_cell(f, 0, 1)->s.p),
			    notify_text(ctx,
			        arena_printf(ctx->arena, "%s a candidaté à votre offre « %s ».", ctx->actor->name,
			            db_cell(f, 0, 1)->s.p),
			        path)));
		else
			TRY(notify_person(ctx, candidate,
			    arena_printf(ctx->arena, "Une structure vous propose un poste : %s", db_cell(f, 0, 1)->s.p),
			    notify_text(ctx,
			        arena_printf(ctx->arena,
			            "%s vous propose une mise en relation pour l'offre « %s ». Acceptez-la ou "
			            "déclinez-la.",
			            db_cell(f, 0, 3)->s.p, db_cell(f, 0, 1)->s.p),
			        path)));
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
application_create(struct ctx *ctx, int64_t offer_id, json_t *in, int64_t *id)
{
	json_t *clean = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_CANDIDATE))) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_application, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out;
	err = db_onev(ctx->db, ctx->arena, "SELECT person_id FROM candidates WHERE person_id = ?", &r,
	    DB_I64(ctx->actor->person_id));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_INVALID, "Complétez d'abord votre profil de candidat, puis candidatez.");
		goto out;
	}
	if (err != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out;
	}
	/* Applying again after a withdrawal takes the withdrawn application up again (its history goes on). */
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id, version FROM applications WHERE offer_id = ? AND candidate_id = ? AND state = 'withdrawn'", &r,
	    DB_I64(offer_id), DB_I64(ctx->actor->person_id));
	if (err == TR_OK) {
		*id = db_int(db_cell(r, 0, 0));
		err = wf_take(ctx, &application_workflow, *id, "reapply", db_int(db_cell(r, 0, 1)), in, NULL, NULL);
		goto out;
	}
	if (err != TR_NOT_FOUND) {
		err = ctx_storage_error(ctx, err);
		goto out;
	}
	err = insert(ctx, offer_id, ctx->actor->person_id, "new", "candidate", clean, id);
out:
	json_decref(clean);
	return err;
}

/* TR_OK when the matching of offer OFFER_ID (as its structure sees it) returns candidate CANDIDATE_ID: a structure
 * proposes only to the people its offer's matching shows it, never to an id it guessed. TR_NOT_FOUND otherwise. */
static tr_err
matched(struct ctx *ctx, int64_t offer_id, int64_t candidate_id)
{
	json_t *m = NULL, *it;
	bool found = false;
	size_t i;
	tr_err err = matching_for_offer(ctx, offer_id, &m);

	if (err != TR_OK)
		return err;
	json_array_foreach(json_object_get(m, "items"), i, it) found |=
	    json_integer_value(json_object_get(it, "candidate_id")) == candidate_id;
	json_decref(m);
	return found
	           ? TR_OK
	           : ctx_fail(ctx, TR_NOT_FOUND,
	                 "Ce candidat ne figure pas parmi les candidats de cette offre (il a pu masquer son profil ou "
	                 "être trop loin).");
}

tr_err
application_propose(struct ctx *ctx, int64_t offer_id, int64_t candidate_id, json_t *in, int64_t *id)
{
	json_t *clean = NULL;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_EMPLOYER))) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_application, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out;
	if ((err = matched(ctx, offer_id, candidate_id)) != TR_OK)
		goto out;
	err = insert(ctx, offer_id, candidate_id, "proposed", "structure", clean, id);
out:
	json_decref(clean);
	return err;
}

/* Moves application ID to obsolete as the system, BECAUSE (recruited: by application APP_ID). */
static tr_err
make_obsolete(struct ctx *ctx, int64_t id, const char *because, int64_t app_id)
{
	json_t *detail = json_pack("{s:s}", "because", because);
	tr_err err;

	if (app_id > 0)
		json_object_set_new(detail, "application_id", json_integer(app_id));
	err = wf_system(ctx, &application_workflow, id, "obsolete", P_SYSTEM, detail);
	json_decref(detail);
	return err;
}

/* Accepting one application closes the candidate's other pending ones: they are told. */
static tr_err
obsolete_others(struct ctx *ctx, json_t *a)
{
	struct db_rows *r;
	tr_err err;

	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT a.id FROM applications a WHERE a.candidate_id = ? AND a.id <> ? AND a.state IN " PENDING_SQL
	         " ORDER BY a.id",
	         &r, DB_I64(int_of(a, "candidate_id")), DB_I64(int_of(a, "id")))) != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows; i++)
		if ((err = make_obsolete(ctx, db_int(db_cell(r, i, 0)), "recruited", int_of(a, "id"))) != TR_OK)
			return err;
	return TR_OK;
}

/* The candidate's consent to a proposal (from now on the structure reads their profile: candidate_scope), with
 * their message when they wrote one. */
/* A withdrawn application is made again only while its offer takes applications. */
static tr_err
guard_offer_open(struct wf_call *c)
{
	return strcmp(str_of(c->row, "offer_state"), "open") == 0
	           ? TR_OK
	           : ctx_fail(c->ctx, TR_CONFLICT,
	                 "Cette offre n'est plus ouverte aux candidatures : vous ne pouvez plus y candidater à "
	                 "nouveau.");
}

/* "14:30" or "14h30" (a time of day) into "14:30" in the arena; NULL otherwise. */
static const char *
time_of_day(struct arena *a, const char *s)
{
	if (s == NULL || strlen(s) != 5 || (s[2] != ':' && s[2] != 'h') || strspn(s, "0123456789") != 2 ||
	    strspn(s + 3, "0123456789") != 2 || (s[0] - '0') * 10 + (s[1] - '0') > 23 || s[3] > '5')
		return NULL;
	return arena_printf(a, "%.2s:%.2s", s, s + 3);
}

/* An interview is proposed for today or a later day, at a time of day. */
static tr_err
guard_interview_day(struct wf_call *c)
{
	const char *day = str_of(c->clean, "interview_on");

	if (day && strcmp(day, date_iso(c->ctx->arena, c->ctx->now)) < 0)
		field_errors_add(&c->ctx->errors, "interview_on",
		    "« Date de l'entretien » est passée : proposez aujourd'hui ou un jour à venir.");
	if (time_of_day(c->ctx->arena, str_of(c->clean, "interview_time")) == NULL)
		field_errors_add(&c->ctx->errors, "interview_time",
		    "« Heure » doit être une heure de la journée, par exemple 14:30 ou 14h30.");
	return c->ctx->errors.n ? TR_INVALID : TR_OK;
}

/* The candidate answers the interview proposed, once. */
static tr_err
guard_interview_pending(struct wf_call *c)
{
	const char *answer = str_of(c->row, "interview_answer");

	return answer == NULL || strcmp(answer, "pending") == 0
	           ? TR_OK
	           : ctx_fail(c->ctx, TR_CONFLICT,
	                 "Vous avez déjà répondu à cet entretien : attendez que la structure en propose un autre.");
}

/* The interview's day, time ("14h30" kept as "14:30") and place, waiting for the candidate's answer. */
static tr_err
effect_interview(struct wf_call *c)
{
	const char *time = time_of_day(c->ctx->arena, str_of(c->clean, "interview_time"));

	json_object_set_new(c->clean, "interview_time", json_string(time));
	return db_execv(c->ctx->db,
	    "UPDATE applications SET interview_on = ?, interview_time = ?, interview_place = ?, interview_note = ?, "
	    "interview_answer = 'pending', interview_reply = NULL WHERE id = ?",
	    NULL, DB_TEXT(str_of(c->clean, "interview_on")), DB_TEXT(time),
	    DB_TEXT(str_of(c->clean, "interview_place")), DB_TEXT(str_of(c->clean, "interview_note")), DB_I64(c->id));
}

static tr_err
effect_interview_accepted(struct wf_call *c)
{
	return db_execv(
	    c->ctx->db, "UPDATE applications SET interview_answer = 'accepted' WHERE id = ?", NULL, DB_I64(c->id));
}

static tr_err
effect_interview_other(struct wf_call *c)
{
	return db_execv(c->ctx->db,
	    "UPDATE applications SET interview_answer = 'other', interview_reply = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "interview_reply")), DB_I64(c->id));
}

static tr_err
effect_consent(struct wf_call *c)
{
	return db_execv(c->ctx->db,
	    "UPDATE applications SET message = COALESCE(?, message), consented_at = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "message")), DB_I64(c->ctx->now), DB_I64(c->id));
}

/* The contract from the payload's terms (its id to the caller, through call->out), and the candidate's other
 * pending applications closed. */
static tr_err
effect_accept(struct wf_call *c)
{
	int64_t cid = 0;
	tr_err err;

	if ((err = contract_create(c->ctx, c->row, c->clean, &cid)) != TR_OK)
		return err;
	json_object_set_new(c->detail, "contract_id", json_integer(cid));
	if (c->out)
		*(int64_t *)c->out = cid;
	return obsolete_others(c->ctx, c->row);
}

static tr_err
effect_refuse(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE applications SET refusal_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "refusal_reason")), DB_I64(c->id));
}

/* The structure hears of the candidate's moves, the candidate of the structure's. */
static tr_err
tell_other_side(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *a = c->row, *clean = c->clean;
	const char *path = arena_printf(ctx->arena, "/candidatures/%lld", (long long)c->id);
	const char *subject = arena_printf(
	    ctx->arena, "Candidature « %s » : %s", str_of(a, "offer_title"), c->wf->states->items[c->to].label);
	const char *extra = str_of(clean, "refusal_reason")
	                        ? arena_printf(ctx->arena, "\nMotif : %s\n%s",
	                              vocab_label(&vocab_refusal_reason, str_of(clean, "refusal_reason")),
	                              str_of(clean, "comment") ? str_of(clean, "comment") : "")
	                        : "";
	const char *day = str_of(clean, "interview_on");
	const char *body;

	if (day)
		extra = arena_printf(ctx->arena, "\nEntretien le %s à %s, lieu : %s.%s%s", date_ymd_fr(ctx->arena, day),
		    str_of(clean, "interview_time"), str_of(clean, "interview_place"),
		    str_of(clean, "interview_note") ? "\n" : "",
		    str_of(clean, "interview_note") ? str_of(clean, "interview_note") : "");
	else if (str_of(clean, "interview_reply"))
		extra = arena_printf(ctx->arena, "\nDisponibilités : %s", str_of(clean, "interview_reply"));
	body = notify_text(ctx,
	    arena_printf(ctx->arena, "%s : « %s » pour la candidature de %s à l'offre « %s » (%s).%s", ctx->actor->name,
	        c->t->label, str_of(a, "candidate_name"), str_of(a, "offer_title"), str_of(a, "organisation_name"),
	        extra),
	    path);

	if (c->parties & P_CANDIDATE)
		return notify_org(ctx, int_of(a, "organisation_id"), ROLE_EMPLOYER, subject, body);
	return notify_person(ctx, int_of(a, "candidate_id"), subject, body);
}

/* An application closed by the system: after 60 days without an answer both sides hear of it; when the
 * candidate is recruited elsewhere, the structure. */
static tr_err
tell_obsolete(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *a = c->row;
	const char *title = str_of(a, "offer_title"),
	           *path = arena_printf(ctx->arena, "/candidatures/%lld", (long long)c->id);
	tr_err err;

	if (strcmp(str_of(c->detail, "because"), "recruited") == 0)
		return notify_org(ctx, int_of(a, "organisation_id"), ROLE_EMPLOYER,
		    arena_printf(ctx->arena, "Candidature close : %s", title),
		    notify_text(ctx,
		        arena_printf(ctx->arena,
		            "%s a été recruté(e) sur un autre poste : sa candidature à « %s » est close.",
		            str_of(a, "candidate_name"), title),
		        path));
	if ((err = notify_person(ctx, int_of(a, "candidate_id"),
	         arena_printf(ctx->arena, "Votre candidature à « %s » est close", title),
	         notify_text(ctx,
	             arena_printf(ctx->arena,
	                 "Votre candidature à l'offre « %s » (%s) est restée sans réponse pendant %d jours : elle est "
	                 "close sans suite. D'autres offres vous attendent.",
	                 title, str_of(a, "organisation_name"), APPLICATION_STALE_DAYS),
	             path))) != TR_OK)
		return err;
	return notify_org(ctx, int_of(a, "organisation_id"), ROLE_EMPLOYER,
	    arena_printf(ctx->arena, "Candidature close sans réponse : %s", title),
	    notify_text(ctx,
	        arena_printf(ctx->arena,
	            "Une candidature à votre offre « %s » est restée %d jours sans réponse : elle est close.", title,
	            APPLICATION_STALE_DAYS),
	        path));
}

tr_err
application_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *contract_id)
{
	return wf_take(ctx, &application_workflow, id, action, version, payload, new_version, contract_id);
}

static const struct list_sort application_sorts[] = {
	{ "updated", "a.updated_at DESC, a.id DESC" },
};

static const struct list_filter application_filters[] = {
	LIST_ID(struct application_filter, offer_id, "a.offer_id = ?"),
	LIST_ID(struct application_filter, candidate_id, "a.candidate_id = ?"),
	LIST_TEXT(struct application_filter, state, "a.state = ?"),
};

static const struct list_spec application_list_spec = { .scope = &application_scope,
	.select = APPLICATION_SELECT,
	.sorts = application_sorts,
	.nsorts = sizeof(application_sorts) / sizeof(application_sorts[0]),
	.filters = application_filters,
	.nfilters = sizeof(application_filters) / sizeof(application_filters[0]),
	.decorate = decorate };

tr_err
application_list(struct ctx *ctx, const struct application_filter *f, json_t **out)
{
	struct sqlw w;
	struct db_rows *o;
	tr_err err;

	if ((err = list_query(ctx, &application_list_spec, f, NULL, f->page, f->per_page, out)) != TR_OK)
		return err;
	/* The offers of the list's scope, for its filter. */
	scope_where(ctx, &application_scope, &w);
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena,
	             "SELECT DISTINCT f.id, f.title FROM %s WHERE %s ORDER BY f.title, f.id LIMIT 200",
	             application_scope.from, w.sql),
	         w.p, w.n, &o)) != TR_OK) {
		json_decref(*out);
		*out = NULL;
		return ctx_storage_error(ctx, err);
	}
	json_object_set_new(*out, "offers", rows_json(o));
	return TR_OK;
}

/* The first moment that is not stale at NOW: the job counts whole days (as `jobs run --now DAY` gives them),
 * so that an application of any hour of day D is obsolete from the first moment of day D + 60. */
static int64_t
stale_before(int64_t now)
{
	return (now / 86400 - APPLICATION_STALE_DAYS + 1) * 86400;
}

tr_err
application_expire(struct ctx *ctx, int64_t *count)
{
	struct db_rows *r;
	tr_err err;

	*count = 0;
	TRY(tx_begin(ctx));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT a.id FROM applications a WHERE a.state IN " PENDING_SQL
	    " AND a.state_since < ? ORDER BY a.id LIMIT "
	    "1000",
	    &r, DB_I64(stale_before(ctx->now))));
	for (size_t i = 0; i < r->nrows; i++) {
		TRY(make_obsolete(ctx, db_int(db_cell(r, i, 0)), "no_answer", 0));
		(*count)++;
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
