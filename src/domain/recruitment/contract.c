/* Contracts with double tutoring: creation from an accepted application, lifecycle, outcome, follow-up,
 * renewal. */
#include "domain/recruitment/contract.h"

#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/candidates/candidate.h"
#include "domain/kernel/common.h"
#include "domain/candidates/eligibility.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/kernel/scope.h"
#include "domain/recruitment/offer.h"
#include "domain/programmes/programme.h"
#include "domain/kernel/workflow.h"
#include "model/recruitment/contract.h"

/* The parties of a contract, as the workflow's "who". */
enum {
	P_STRUCTURE = 1 << 0,
	P_POLE = 1 << 1,
	P_CANDIDATE = 1 << 2,
};

#define ENDED (WF_BIT(CONTRACT_COMPLETED) | WF_BIT(CONTRACT_ENDED_EARLY))

static tr_err guard_eligible(struct wf_call *c);
static tr_err guard_completed_on(struct wf_call *c);
static tr_err guard_ended_early_on(struct wf_call *c);
static tr_err guard_not_renewed(struct wf_call *c);
static tr_err effect_suspend(struct wf_call *c);
static tr_err effect_complete(struct wf_call *c);
static tr_err effect_end_early(struct wf_call *c);
static tr_err effect_outcome(struct wf_call *c);
static tr_err effect_followup(struct wf_call *c);
static tr_err effect_renew(struct wf_call *c);
static tr_err tell_recruit_and_tutor(struct wf_call *c);

static const struct wf_transition contract_rows[] = {
	{ "start", "Démarrer le contrat", WF_BIT(CONTRACT_PLANNED), CONTRACT_ACTIVE, P_STRUCTURE, NULL, false,
	    guard_eligible, NULL, tell_recruit_and_tutor, WF_PRIMARY, NULL, "Le contrat n° {n} a démarré.", "start_on",
	    "date de début du contrat" },
	{ "suspend", "Suspendre le contrat", WF_BIT(CONTRACT_ACTIVE), CONTRACT_SUSPENDED, P_STRUCTURE,
	    &entity_contract_reason, false, NULL, effect_suspend, tell_recruit_and_tutor, WF_SECONDARY, NULL,
	    "Le contrat n° {n} est suspendu.", NULL, NULL },
	{ "resume", "Reprendre le contrat", WF_BIT(CONTRACT_SUSPENDED), CONTRACT_ACTIVE, P_STRUCTURE, NULL, false, NULL,
	    NULL, tell_recruit_and_tutor, WF_PRIMARY, NULL, "Le contrat n° {n} a repris.", NULL, NULL },
	{ "complete", "Clore le contrat à son terme", WF_BIT(CONTRACT_ACTIVE) | WF_BIT(CONTRACT_SUSPENDED),
	    CONTRACT_COMPLETED, P_STRUCTURE, NULL, false, guard_completed_on, effect_complete, tell_recruit_and_tutor,
	    WF_PRIMARY,
	    "Clore ce contrat à son terme ? Il sera terminé à sa date de fin ; cela ne peut pas être annulé.",
	    "Le contrat n° {n} est clos à son terme ; la situation à la sortie est à enregistrer.", "end_on",
	    "date de fin du contrat" },
	{ "end_early", "Rompre le contrat avant son terme",
	    WF_BIT(CONTRACT_PLANNED) | WF_BIT(CONTRACT_ACTIVE) | WF_BIT(CONTRACT_SUSPENDED), CONTRACT_ENDED_EARLY,
	    P_STRUCTURE, &entity_contract_end, false, guard_ended_early_on, effect_end_early, tell_recruit_and_tutor,
	    WF_DANGER,
	    "Rompre ce contrat avant son terme ? La rupture sera enregistrée à la date donnée, la personne et son "
	    "tuteur prévenus ; elle ne peut pas être annulée.",
	    "Le contrat n° {n} est rompu avant son terme.", NULL, NULL },
	{ "record_outcome", "Enregistrer la situation à la sortie", ENDED, -1, P_STRUCTURE, &entity_outcome, false,
	    NULL, effect_outcome, tell_recruit_and_tutor, WF_SECONDARY, NULL,
	    "La situation à la sortie du contrat n° {n} est enregistrée.", NULL, NULL },
	{ "record_followup", "Enregistrer le suivi à six mois", ENDED, -1, P_STRUCTURE | P_POLE, &entity_followup,
	    false, NULL, effect_followup, tell_recruit_and_tutor, WF_SECONDARY, NULL,
	    "Le suivi à six mois du contrat n° {n} est enregistré.", NULL, NULL },
	{ "renew", "Renouveler le contrat", WF_BIT(CONTRACT_COMPLETED), -1, P_STRUCTURE, &entity_renewal, false,
	    guard_not_renewed, effect_renew, tell_recruit_and_tutor, WF_PRIMARY, NULL,
	    "Le contrat n° {n} est renouvelé : le nouveau contrat est établi.", NULL, NULL },
};

#define CONTRACT_SELECT                                                                                                \
	"SELECT c.id, c.application_id, c.offer_id, c.dossier_id, c.organisation_id, c.programme_id, c.candidate_id, " \
	"c.region_code, c.contract_type, c.start_on, c.end_on, c.weekly_hours, c.tutor_id, c.tutor_experience, "       \
	"c.sponsor_name, c.sponsor_contact, c.sponsor_id, c.company_name, c.company_siret, c.company_activity, "       \
	"c.pole_id, c.state, c.end_reason, c.ended_on, c.ended_by, c.break_reason, c.outcome, c.followup_due_on, "     \
	"c.followup_outcome, "                                                                                         \
	"c.renewed_from, c.created_at, c.updated_at, c.version, o.name AS organisation_name, p.name AS "               \
	"programme_name, p.code AS programme_code, cand.name AS candidate_name, cand.email AS candidate_email, "       \
	"t.name AS tutor_name, t.email AS tutor_email, s.name AS sponsor_account_name, po.name AS pole_name, "         \
	"f.title AS offer_title, j.title AS job_profile_title, f.place_id, pl.nom AS place_nom, pl.commune AS "        \
	"place_commune, (SELECT n.id FROM contracts n WHERE n.renewed_from = c.id) AS renewed_by "                     \
	"FROM contracts c JOIN organisations o ON o.id = c.organisation_id JOIN programmes p ON p.id = "               \
	"c.programme_id JOIN people cand ON cand.id = c.candidate_id JOIN people t ON t.id = c.tutor_id LEFT JOIN "    \
	"people s ON s.id = c.sponsor_id LEFT JOIN poles po ON po.id = c.pole_id JOIN offers f ON f.id = c.offer_id "  \
	"JOIN job_profiles j ON j.id = f.job_profile_id LEFT JOIN places pl ON pl.id = f.place_id "

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

static void
not_eligible(struct ctx *ctx, const char *date)
{
	field_errors_add(&ctx->errors, "start_on",
	    arena_printf(ctx->arena,
	        "« Date de début » : le candidat n'a pas de diagnostic d'éligibilité valide au %s pour ce dispositif ; "
	        "un prescripteur (Mission locale, France Travail, Cap emploi) doit l'établir avant le début du "
	        "contrat.",
	        fr_date(ctx->arena, date)));
}

/* Checks the dates against the programme's bounds; *MONTHS receives the duration (0 for a CDI). */
static void
check_dates(struct ctx *ctx, json_t *rules, const char *type, const char *start, const char *end, int *months)
{
	int64_t lo = int_of(rules, "contract_min_months"), hi = int_of(rules, "contract_max_months");

	*months = 0;
	if (strcmp(type, "CDI") == 0)
		return;
	if (end == NULL) {
		field_errors_add(&ctx->errors, "end_on", "« Date de fin » est obligatoire pour un CDD.");
		return;
	}
	if (strcmp(end, start) <= 0) {
		field_errors_add(&ctx->errors, "end_on", "« Date de fin » doit suivre la date de début.");
		return;
	}
	/* A contract of 12 months runs from 1 January to 31 December: count to the day after its end. */
	*months = date_months_between(start, date_add(ctx->arena, end, 0, 1));
	if (*months < lo || *months > hi)
		field_errors_add(&ctx->errors, "end_on",
		    arena_printf(ctx->arena,
		        "« Date de fin » : le contrat durerait %d mois ; le dispositif demande de %lld à %lld mois.",
		        *months, (long long)lo, (long long)hi));
}

tr_err
contract_create(struct ctx *ctx, json_t *app, json_t *c, int64_t *id)
{
	json_t *rules = NULL;
	const char *type = str_of(c, "contract_type") ? str_of(c, "contract_type") : str_of(app, "offer_contract_type");
	const char *start = str_of(c, "start_on"), *end = str_of(c, "end_on");
	int64_t org = int_of(app, "organisation_id"), dossier = int_of(app, "dossier_id"), live, granted;
	int64_t hours = int_of(c, "weekly_hours") ? int_of(c, "weekly_hours") : int_of(app, "offer_weekly_hours");
	int64_t pole = int_of(c, "pole_id") ? int_of(c, "pole_id") : int_of(app, "dossier_pole_id");
	const char *sponsor =
	    str_of(c, "sponsor_name") ? str_of(c, "sponsor_name") : str_of(app, "dossier_sponsor_name");
	const char *company =
	    str_of(c, "company_name") ? str_of(c, "company_name") : str_of(app, "dossier_company_name");
	const char *siret =
	    str_of(c, "company_siret") ? str_of(c, "company_siret") : str_of(app, "dossier_company_siret");
	const char *activity =
	    str_of(c, "company_activity") ? str_of(c, "company_activity") : str_of(app, "dossier_company_activity");
	struct db_rows *r;
	int months;
	bool ok;
	tr_err err;

	if ((err = programme_rules(ctx, int_of(app, "programme_id"), &rules)) != TR_OK)
		return err;
	/* A renewal is one more contract on the same post: the lower bound of a single contract does not apply,
	 * the total bound (checked by renew) does. */
	if (int_of(app, "renewed_from") > 0)
		json_object_set_new(rules, "contract_min_months", json_integer(1));
	check_dates(ctx, rules, type, start, end, &months);
	if (db_onev(ctx->db, ctx->arena,
	        "SELECT m.id FROM memberships m WHERE m.person_id = ? AND m.role = 'employer' AND m.organisation_id = "
	        "?",
	        &r, DB_I64(int_of(c, "tutor_id")), DB_I64(org)) != TR_OK)
		field_errors_add(
		    &ctx->errors, "tutor_id", "« Tuteur » doit être un membre de la structure employeuse.");
	if (int_of(c, "sponsor_id") > 0 &&
	    db_onev(ctx->db, ctx->arena, "SELECT id FROM memberships WHERE person_id = ? AND role = 'sponsor'", &r,
	        DB_I64(int_of(c, "sponsor_id"))) != TR_OK)
		field_errors_add(&ctx->errors, "sponsor_id",
		    "« Compte du parrain sur la plateforme » doit désigner une personne qui a le rôle de parrain.");
	if (json_is_true(json_object_get(rules, "requires_sponsor")) && sponsor == NULL)
		field_errors_add(
		    &ctx->errors, "sponsor_name", "« Nom du parrain » est obligatoire dans ce dispositif.");
	if (json_is_true(json_object_get(rules, "requires_company")) && (company == NULL || siret == NULL))
		field_errors_add(&ctx->errors, company == NULL ? "company_name" : "company_siret",
		    "L'entreprise marraine (nom et SIRET) est obligatoire dans ce dispositif.");
	if (json_is_true(json_object_get(rules, "requires_pole")) && pole <= 0)
		field_errors_add(&ctx->errors, "pole_id", "« Pôle de ressources » est obligatoire dans ce dispositif.");
	if (pole > 0 && db_onev(ctx->db, ctx->arena, "SELECT id FROM poles WHERE id = ? AND programme_id = ?", &r,
	                    DB_I64(pole), DB_I64(int_of(rules, "id"))) != TR_OK)
		field_errors_add(&ctx->errors, "pole_id", "« Pôle de ressources » n'est pas un pôle de ce dispositif.");
	if (start &&
	    (err = eligibility_valid(ctx, int_of(app, "candidate_id"), int_of(rules, "id"), start, &ok)) != TR_OK)
		goto out;
	if (start && !ok)
		not_eligible(ctx, start);
	if (ctx->errors.n) {
		err = TR_INVALID;
		goto out;
	}
	/* The dossier's row is taken first, so that two acceptances on the same dossier count posts one after
	 * the other. */
	if ((err = db_lock_row(ctx, "dossiers", dossier)) != TR_OK ||
	    (err = db_onev(ctx->db, ctx->arena,
	         "SELECT d.posts_granted, (SELECT COUNT(*) FROM contracts x WHERE x.dossier_id = d.id AND x.state "
	         "IN " CONTRACT_LIVE_SQL ") FROM dossiers d WHERE d.id = ?",
	         &r, DB_I64(dossier))) != TR_OK)
		goto out;
	granted = db_int(db_cell(r, 0, 0));
	live = db_int(db_cell(r, 0, 1));
	if (live >= granted) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    arena_printf(ctx->arena, "Tous les postes accordés à ce dossier sont pourvus : %s pour %s.",
		        fr_count(ctx->arena, live, "contrat en cours ou prévu", "contrats en cours ou prévus"),
		        fr_count(ctx->arena, granted, "poste accordé", "postes accordés")));
		goto out;
	}
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO contracts (application_id, offer_id, dossier_id, organisation_id, programme_id, candidate_id, "
	    "region_code, contract_type, start_on, end_on, weekly_hours, tutor_id, tutor_experience, sponsor_name, "
	    "sponsor_contact, sponsor_id, company_name, company_siret, company_activity, pole_id, state, state_since, "
	    "renewed_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "'planned', ?, ?, ?, ?) RETURNING id",
	    &r, int_of(app, "id") ? DB_I64(int_of(app, "id")) : DB_NULLV, DB_I64(int_of(app, "offer_id")),
	    DB_I64(dossier), DB_I64(org), DB_I64(int_of(rules, "id")), DB_I64(int_of(app, "candidate_id")),
	    DB_TEXT(str_of(app, "region_code")), DB_TEXT(type), DB_TEXT(start),
	    DB_TEXT(strcmp(type, "CDI") == 0 ? NULL : end), DB_I64(hours ? hours : int_of(rules, "weekly_hours")),
	    DB_I64(int_of(c, "tutor_id")), DB_TEXT(str_of(c, "tutor_experience")), DB_TEXT(sponsor),
	    DB_TEXT(str_of(c, "sponsor_contact")),
	    int_of(c, "sponsor_id") > 0 ? DB_I64(int_of(c, "sponsor_id")) : DB_NULLV, DB_TEXT(company), DB_TEXT(siret),
	    DB_TEXT(activity), pole > 0 ? DB_I64(pole) : DB_NULLV, DB_I64(ctx->now),
	    int_of(app, "renewed_from") ? DB_I64(int_of(app, "renewed_from")) : DB_NULLV, DB_I64(ctx->now),
	    DB_I64(ctx->now));
	if (err == TR_CONFLICT) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    "Ce candidat a déjà un contrat en cours ou prévu : il vient peut-être d'être recruté par une autre "
		    "structure.");
		goto out;
	}
	if (err != TR_OK)
		goto out;
	*id = db_int(db_cell(r, 0, 0));
	/* An offer whose posts are all held by contracts is filled (the offers' rule, journaled there). */
	if ((err = offer_refresh_state(ctx, int_of(app, "offer_id"))) != TR_OK)
		goto out;
	{
		json_t *detail = json_deep_copy(c);
		json_object_set_new(detail, "application_id", json_integer(int_of(app, "id")));
		json_object_set_new(detail, "months", json_integer(months));
		err = journal_append(ctx, "contract", *id, "create", detail);
		json_decref(detail);
	}
	if (err == TR_OK)
		err = notify_person(ctx, int_of(c, "tutor_id"),
		    arena_printf(ctx->arena, "Vous êtes tuteur de %s", str_of(app, "candidate_name")),
		    notify_text(ctx,
		        arena_printf(ctx->arena, "Vous êtes désigné tuteur de %s, dont le contrat commence le %s.",
		            str_of(app, "candidate_name"), fr_date(ctx->arena, start)),
		        arena_printf(ctx->arena, "/contrats/%lld", (long long)*id)));
out:
	json_decref(rules);
	return err;
}

/* Which parties of contract C the actor is. */
static unsigned
parties_of(struct ctx *ctx, json_t *c)
{
	unsigned p = 0;

	if (actor_in_org(ctx->actor, ROLE_EMPLOYER, int_of(c, "organisation_id")))
		p |= P_STRUCTURE;
	if (actor_covers_region(ctx->actor, ROLE_POLE, str_of(c, "region_code")))
		p |= P_POLE;
	if (ctx->actor && ctx->actor->person_id == int_of(c, "candidate_id"))
		p |= P_CANDIDATE;
	return p;
}

/* ---- who reads a contract ---- */

static bool
is_national(const struct ctx *ctx, json_t *c)
{
	(void)c;
	return actor_has_any(ctx->actor, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL));
}

static bool
is_party(const struct ctx *ctx, json_t *c)
{
	int64_t me = ctx->actor->person_id;

	return me == int_of(c, "candidate_id") || me == int_of(c, "tutor_id") || me == int_of(c, "sponsor_id");
}

static bool
is_structure(const struct ctx *ctx, json_t *c)
{
	return actor_in_org(ctx->actor, ROLE_EMPLOYER, int_of(c, "organisation_id"));
}

static bool
covers_region(const struct ctx *ctx, json_t *c)
{
	return actor_covers_region(ctx->actor, ROLE_POLE, str_of(c, "region_code")) ||
	       actor_covers_region(ctx->actor, ROLE_REGIONAL, str_of(c, "region_code"));
}

static const struct scope_rule contract_rules[] = {
	{ "national reach", ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL), "1 = 1", is_national },
	{ "the recruit, their tutor or sponsor", 0, "(c.candidate_id = ? OR c.tutor_id = ? OR c.sponsor_id = ?)",
	    is_party },
	{ "the employing structure", ROLE_BIT(ROLE_EMPLOYER), "c.organisation_id IN " SCOPE_ORGS("employer"),
	    is_structure },
	{ "the pole or regional officer of its region", ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL),
	    "(c.region_code IN " SCOPE_REGIONS("pole") " OR c.region_code IN " SCOPE_REGIONS("regional") ")",
	    covers_region },
	{ "a prescriber the recruit accepted", ROLE_BIT(ROLE_PRESCRIBER), "c.candidate_id IN " SCOPE_FOLLOWED, NULL },
};

const struct scope contract_scope = { "contract", "contracts c", "c.id", contract_rules,
	sizeof(contract_rules) / sizeof(contract_rules[0]) };

/* The badges of the states: planned, active, suspended, completed, ended_early. */
static const enum wf_state_tone contract_tones[] = { WF_NEW, WF_SUCCESS, WF_WARNING, WF_INFO, WF_ERROR };

const struct workflow contract_workflow = {
	.entity = "contract",
	.table = "contracts",
	.state_since = true,
	.states = &vocab_contract_state,
	.tones = contract_tones,
	.rows = contract_rows,
	.nrows = sizeof(contract_rows) / sizeof(contract_rows[0]),
	.select = CONTRACT_SELECT "WHERE c.id = ?",
	.scope = &contract_scope,
	.parties = parties_of,
	.missing = "Ce contrat n'existe pas.",
	.stale = "Ce contrat a changé depuis votre lecture : rechargez la page.",
};

static tr_err
load(struct ctx *ctx, int64_t id, json_t **out)
{
	return scope_load(ctx, &contract_scope, CONTRACT_SELECT "WHERE c.id = ?", id, "Ce contrat n'existe pas.", out);
}

static void
decorate(struct ctx *ctx, json_t *c)
{
	const char *state = str_of(c, "state");

	wf_decorate(&contract_workflow, c);
	entity_decorate(&entity_contract, c, ctx->arena);
	entity_decorate(&entity_outcome, c, ctx->arena);
	entity_decorate(&entity_followup, c, ctx->arena);
	json_object_set_new(
	    c, "actions", wf_actions(&contract_workflow, wf_state(&contract_workflow, state), parties_of(ctx, c)));
}

tr_err
contract_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err = load(ctx, id, out);

	if (err == TR_OK)
		decorate(ctx, *out);
	return err;
}

/* The months worked in the chain of renewals that ends with contract C. */
static tr_err
chain_months(struct ctx *ctx, json_t *c, int *months)
{
	int64_t prev = int_of(c, "renewed_from");
	struct db_rows *r;
	tr_err err;

	*months = date_months_between(str_of(c, "start_on"), date_add(ctx->arena, str_of(c, "ended_on"), 0, 1));
	for (int guard = 0; prev > 0 && guard < 50; guard++) {
		if ((err = db_onev(ctx->db, ctx->arena,
		         "SELECT start_on, COALESCE(ended_on, end_on), renewed_from FROM contracts WHERE id = ?", &r,
		         DB_I64(prev))) != TR_OK)
			return err;
		*months +=
		    date_months_between(db_cell(r, 0, 0)->s.p, date_add(ctx->arena, db_cell(r, 0, 1)->s.p, 0, 1));
		prev = db_cell(r, 0, 2)->type == DBV_NULL ? 0 : db_int(db_cell(r, 0, 2));
	}
	return TR_OK;
}

/* The new contract of a renewal: the same parties, from the day after the end, within the total bound. */
static tr_err
renew(struct ctx *ctx, json_t *c, json_t *clean, int64_t *new_id)
{
	json_t *rules = NULL, *app, *terms;
	const char *start = date_add(ctx->arena, str_of(c, "ended_on"), 0, 1), *end = str_of(clean, "end_on");
	int done, more;
	tr_err err;

	if ((err = programme_rules(ctx, int_of(c, "programme_id"), &rules)) != TR_OK)
		return err;
	if ((err = chain_months(ctx, c, &done)) != TR_OK)
		goto out;
	more = end && strcmp(end, start) >= 0 ? date_months_between(start, date_add(ctx->arena, end, 0, 1)) : -1;
	if (more < 1) {
		field_errors_add(&ctx->errors, "end_on",
		    arena_printf(ctx->arena, "« Date de fin du renouvellement » doit suivre le %s d'au moins un mois.",
		        fr_date(ctx->arena, start)));
		err = TR_INVALID;
		goto out;
	}
	if (done + more > int_of(rules, "total_max_months")) {
		field_errors_add(&ctx->errors, "end_on",
		    arena_printf(ctx->arena,
		        "« Date de fin du renouvellement » : %d mois déjà effectués plus %d mois dépasseraient les "
		        "%lld mois "
		        "permis par le dispositif.",
		        done, more, (long long)int_of(rules, "total_max_months")));
		err = TR_INVALID;
		goto out;
	}
	app = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s?, s:s, s:I, s:I}", "offer_id", (json_int_t)int_of(c, "offer_id"),
	    "dossier_id", (json_int_t)int_of(c, "dossier_id"), "organisation_id",
	    (json_int_t)int_of(c, "organisation_id"), "programme_id", (json_int_t)int_of(c, "programme_id"),
	    "candidate_id", (json_int_t)int_of(c, "candidate_id"), "region_code", str_of(c, "region_code"),
	    "candidate_name", str_of(c, "candidate_name"), "renewed_from", (json_int_t)int_of(c, "id"),
	    "offer_weekly_hours", (json_int_t)int_of(c, "weekly_hours"));
	terms = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "contract_type", "CDD",
	    "start_on", start, "end_on", end, "weekly_hours", (json_int_t)int_of(c, "weekly_hours"), "tutor_id",
	    (json_int_t)int_of(c, "tutor_id"), "tutor_experience", str_of(c, "tutor_experience"), "sponsor_name",
	    str_of(c, "sponsor_name"), "sponsor_contact", str_of(c, "sponsor_contact"), "company_name",
	    str_of(c, "company_name"), "company_siret", str_of(c, "company_siret"), "company_activity",
	    str_of(c, "company_activity"));
	if (int_of(c, "sponsor_id"))
		json_object_set_new(terms, "sponsor_id", json_integer(int_of(c, "sponsor_id")));
	if (int_of(c, "pole_id"))
		json_object_set_new(terms, "pole_id", json_integer(int_of(c, "pole_id")));
	err = contract_create(ctx, app, terms, new_id);
	json_decref(app);
	json_decref(terms);
out:
	json_decref(rules);
	return err;
}

/* The recruit has a valid eligibility diagnosis on the day the contract starts. */
static tr_err
guard_eligible(struct wf_call *c)
{
	json_t *rules;
	bool ok;
	tr_err err;

	if ((err = programme_rules(c->ctx, int_of(c->row, "programme_id"), &rules)) != TR_OK)
		return err;
	err = eligibility_valid(
	    c->ctx, int_of(c->row, "candidate_id"), int_of(rules, "id"), str_of(c->row, "start_on"), &ok);
	json_decref(rules);
	if (err != TR_OK)
		return err;
	if (ok)
		return TR_OK;
	not_eligible(c->ctx, str_of(c->row, "start_on"));
	return TR_INVALID;
}

/* The day a contract completed at its term ends: its planned end, else today (a CDI). */
static const char *
term_of(struct wf_call *c)
{
	return str_of(c->row, "end_on") ? str_of(c->row, "end_on") : date_iso(c->ctx->arena, c->ctx->now);
}

/* A contract does not end before it starts. */
static tr_err
check_ended_on(struct wf_call *c, const char *ended)
{
	if (strcmp(ended, str_of(c->row, "start_on")) >= 0)
		return TR_OK;
	field_errors_add(
	    &c->ctx->errors, "ended_on", "« Date de fin effective » ne peut pas précéder le début du contrat.");
	return TR_INVALID;
}

static tr_err
guard_completed_on(struct wf_call *c)
{
	return check_ended_on(c, term_of(c));
}

static tr_err
guard_ended_early_on(struct wf_call *c)
{
	return check_ended_on(c, str_of(c->clean, "ended_on"));
}

static tr_err
guard_not_renewed(struct wf_call *c)
{
	return int_of(c->row, "renewed_by") > 0 ? ctx_fail(c->ctx, TR_CONFLICT, "Ce contrat a déjà été renouvelé.")
	                                        : TR_OK;
}

static tr_err
effect_suspend(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE contracts SET end_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "reason")), DB_I64(c->id));
}

/* The end's day ENDED and reason, and the follow-up due six months later. */
static tr_err
record_end(struct wf_call *c, const char *ended)
{
	return db_execv(c->ctx->db,
	    "UPDATE contracts SET ended_on = ?, end_reason = ?, followup_due_on = ? WHERE id = ?", NULL, DB_TEXT(ended),
	    DB_TEXT(str_of(c->clean, "reason")), DB_TEXT(date_add(c->ctx->arena, ended, 6, 0)), DB_I64(c->id));
}

static tr_err
effect_complete(struct wf_call *c)
{
	return record_end(c, term_of(c));
}

static tr_err
effect_end_early(struct wf_call *c)
{
	tr_err err = record_end(c, str_of(c->clean, "ended_on"));

	if (err != TR_OK)
		return err;
	return db_execv(c->ctx->db, "UPDATE contracts SET ended_by = ?, break_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "ended_by")), DB_TEXT(str_of(c->clean, "break_reason")), DB_I64(c->id));
}

static tr_err
effect_outcome(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE contracts SET outcome = ?, outcome_on = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "outcome")), DB_TEXT(date_iso(c->ctx->arena, c->ctx->now)), DB_I64(c->id));
}

static tr_err
effect_followup(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE contracts SET followup_outcome = ?, followup_on = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "followup_outcome")), DB_TEXT(date_iso(c->ctx->arena, c->ctx->now)),
	    DB_I64(c->id));
}

/* The next contract of the chain; its id to the caller through call->out. */
static tr_err
effect_renew(struct wf_call *c)
{
	int64_t nid = 0;
	tr_err err = renew(c->ctx, c->row, c->clean, &nid);

	if (err != TR_OK)
		return err;
	json_object_set_new(c->detail, "new_contract_id", json_integer(nid));
	if (c->out)
		*(int64_t *)c->out = nid;
	return TR_OK;
}

/* The young person and the tutor hear of every change of their contract. */
static tr_err
tell_recruit_and_tutor(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	const char *body = notify_text(ctx,
	    arena_printf(ctx->arena, "%s : « %s » sur le contrat de %s (%s).",
	        ctx->actor ? ctx->actor->name : "tremplin", c->t->label, str_of(c->row, "candidate_name"),
	        str_of(c->row, "organisation_name")),
	    arena_printf(ctx->arena, "/contrats/%lld", (long long)c->id));
	const char *subject =
	    arena_printf(ctx->arena, "Contrat de %s : %s", str_of(c->row, "candidate_name"), c->t->label);
	tr_err err;

	if ((err = notify_person(ctx, int_of(c->row, "candidate_id"), subject, body)) != TR_OK)
		return err;
	return notify_person(ctx, int_of(c->row, "tutor_id"), subject, body);
}

tr_err
contract_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *new_id)
{
	return wf_take(ctx, &contract_workflow, id, action, version, payload, new_version, new_id);
}

static const struct list_sort contract_sorts[] = {
	{ "start", "c.start_on DESC, c.id DESC" },
};

static const struct list_filter contract_filters[] = {
	LIST_ID(struct contract_filter, organisation_id, "c.organisation_id = ?"),
	LIST_ID(struct contract_filter, candidate_id, "c.candidate_id = ?"),
	LIST_ID(struct contract_filter, dossier_id, "c.dossier_id = ?"),
	LIST_TEXT(struct contract_filter, state, "c.state = ?"),
};

static const struct list_spec contract_list_spec = { .scope = &contract_scope,
	.select = CONTRACT_SELECT,
	.sorts = contract_sorts,
	.nsorts = sizeof(contract_sorts) / sizeof(contract_sorts[0]),
	.filters = contract_filters,
	.nfilters = sizeof(contract_filters) / sizeof(contract_filters[0]),
	.decorate = decorate };

tr_err
contract_list(struct ctx *ctx, const struct contract_filter *f, json_t **out)
{
	return list_query(ctx, &contract_list_spec, f, NULL, f->page, f->per_page, out);
}

tr_err
contract_followup_reminders(struct ctx *ctx, int64_t *count)
{
	const char *today = date_iso(ctx->arena, ctx->now);
	struct db_rows *r;
	tr_err err;

	*count = 0;
	TRY(tx_begin(ctx));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT c.id, c.organisation_id, c.region_code, p.name FROM contracts c JOIN people p ON p.id = "
	    "c.candidate_id "
	    "WHERE c.followup_due_on <= ? AND c.followup_outcome IS NULL AND c.followup_reminded = 0 ORDER BY c.id "
	    "LIMIT "
	    "500",
	    &r, DB_TEXT(today)));
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t id = db_int(db_cell(r, i, 0));
		const char *path = arena_printf(ctx->arena, "/contrats/%lld", (long long)id);
		const char *subject = arena_printf(ctx->arena, "Suivi à six mois de %s", db_cell(r, i, 3)->s.p);
		const char *body = notify_text(ctx,
		    arena_printf(ctx->arena,
		        "Six mois ont passé depuis la fin du contrat de %s : enregistrez sa situation (emploi durable, "
		        "formation, recherche d'emploi…).",
		        db_cell(r, i, 3)->s.p),
		    path);
		TRY(notify_org(ctx, db_int(db_cell(r, i, 1)), ROLE_EMPLOYER, subject, body));
		TRY(notify_region(ctx, ROLE_POLE, db_cell(r, i, 2)->s.p, subject, body));
		TRY(db_execv(ctx->db, "UPDATE contracts SET followup_reminded = 1 WHERE id = ?", NULL, DB_I64(id)));
		TRY(journal_append(ctx, "contract", id, "followup_reminder", NULL));
		(*count)++;
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
