/* The waiting items of each role, as one table counted through the entities' scope tables. */
#include "domain/home/waiting.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/candidates/candidate.h"
#include "domain/dossiers/dossier.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/recruitment/application.h"
#include "domain/recruitment/contract.h"
#include "domain/subsidies/subsidy.h"
#include "domain/training/training_session.h"
#include "model/accounts/role.h"

#define R(role) ROLE_BIT(ROLE_##role)
#define EMPLOYER_ORGS SCOPE_ORGS("employer")

const struct waiting_item waiting_items[] = {
	/* The regional officer: opinions to give, payment requests to check in their regions. */
	{ "dossiers_opinion", R(REGIONAL), &dossier_scope,
	    "d.state = 'regional_review' AND d.region_code IN " SCOPE_REGIONS("regional"), "p",
	    "1 dossier attend votre avis régional.", "{n} dossiers attendent votre avis régional.",
	    "/dossiers?etat=regional_review" },
	{ "payreqs_region", R(REGIONAL), &payreq_scope,
	    "r.state = 'requested' AND r.region_code IN " SCOPE_REGIONS("regional"), "p",
	    "1 demande de versement de votre région est à vérifier.",
	    "{n} demandes de versement de votre région sont à vérifier.", "/aides/demandes?etat=requested" },
	/* The national delegation: decisions to take. */
	{ "dossiers_decision", R(NATIONAL), &dossier_scope, "d.state = 'national_review'", "",
	    "1 dossier attend la décision nationale.", "{n} dossiers attendent la décision nationale.",
	    "/dossiers?etat=national_review" },
	/* The pole: the dossiers being reviewed in its regions, the sessions at risk of cancellation. */
	{ "dossiers_pole", R(POLE), &dossier_scope,
	    "d.state IN ('regional_review', 'national_review') AND d.region_code IN " SCOPE_REGIONS("pole"), "p",
	    "1 dossier de vos régions est en instruction.", "{n} dossiers de vos régions sont en instruction.",
	    "/dossiers" },
	{ "sessions_at_risk", R(POLE), &session_mine_scope,
	    "s.state = 'open' AND s.region_code IN " SCOPE_REGIONS(
	        "pole") " AND s.registration_deadline <= ? AND (SELECT COUNT(*) FROM session_registrations g WHERE "
	                "g.session_id = s.id AND g.state = 'registered') < s.min_registrants",
	    "pw", "1 session de vos régions risque d'être annulée faute d'inscrits.",
	    "{n} sessions de vos régions risquent d'être annulées faute d'inscrits.", "/sessions/a-risque" },
	/* The structure: its dossiers, the applications to its offers, its contracts. */
	{ "dossiers_changes", R(EMPLOYER), &dossier_scope,
	    "d.state = 'changes_requested' AND d.organisation_id IN " EMPLOYER_ORGS, "p",
	    "1 dossier attend les compléments demandés.", "{n} dossiers attendent les compléments demandés.",
	    "/dossiers?etat=changes_requested" },
	{ "dossiers_drafts", R(EMPLOYER), &dossier_scope, "d.state = 'draft' AND d.organisation_id IN " EMPLOYER_ORGS,
	    "p", "1 brouillon de dossier reste à déposer.", "{n} brouillons de dossier restent à déposer.",
	    "/dossiers?etat=draft" },
	{ "applications_new", R(EMPLOYER), &application_scope,
	    "a.state = 'new' AND f.organisation_id IN " EMPLOYER_ORGS, "p",
	    "1 nouvelle candidature attend votre réponse.", "{n} nouvelles candidatures attendent votre réponse.",
	    "/candidatures?etat=new" },
	{ "applications_interview", R(EMPLOYER), &application_scope,
	    "a.state IN ('processing', 'interview') AND f.organisation_id IN " EMPLOYER_ORGS, "p",
	    "1 candidature est en cours d'examen ou d'entretien : décidez de la suite.",
	    "{n} candidatures sont en cours d'examen ou d'entretien : décidez de la suite.", "/candidatures" },
	{ "contracts_start", R(EMPLOYER), &contract_scope,
	    "c.state = 'planned' AND c.start_on <= ? AND c.organisation_id IN " EMPLOYER_ORGS, "dp",
	    "1 contrat a atteint sa date de début : démarrez-le.",
	    "{n} contrats ont atteint leur date de début : démarrez-les.", "/contrats" },
	{ "contracts_followup", R(EMPLOYER), &contract_scope,
	    "c.followup_due_on IS NOT NULL AND c.followup_due_on <= ? AND c.followup_outcome IS NULL AND "
	    "c.organisation_id IN " EMPLOYER_ORGS,
	    "dp", "1 suivi à six mois est à enregistrer.", "{n} suivis à six mois sont à enregistrer.", "/contrats" },
	/* The candidate, then the recruit. */
	{ "proposals", R(CANDIDATE), &application_scope, "a.state = 'proposed' AND a.candidate_id = ?", "p",
	    "1 structure vous propose une mise en relation : acceptez-la ou déclinez-la.",
	    "{n} structures vous proposent une mise en relation : acceptez-les ou déclinez-les.",
	    "/candidatures?etat=proposed" },
	{ "interviews", R(CANDIDATE), &application_scope, "a.state = 'interview' AND a.candidate_id = ?", "p",
	    "1 de vos candidatures en est à l'entretien.", "{n} de vos candidatures en sont à l'entretien.",
	    "/candidatures?etat=interview" },
	{ "follow_requests", R(CANDIDATE), &candidate_scope,
	    "c.person_id = ? AND EXISTS (SELECT 1 FROM candidate_followers w WHERE w.candidate_id = c.person_id AND "
	    "w.state = 'requested')",
	    "p", "Une structure demande à suivre votre profil : acceptez-la ou refusez-la.",
	    "Des structures demandent à suivre votre profil : acceptez-les ou refusez-les.", "/candidat" },
	{ "activity_reports", R(CANDIDATE), &contract_scope,
	    "c.candidate_id = ? AND c.state = 'active' AND NOT EXISTS (SELECT 1 FROM activity_reports w WHERE "
	    "w.adviser_id = c.candidate_id AND w.session_on >= ?)",
	    "pm", "Aucun compte rendu d'activité depuis 30 jours : saisissez vos accompagnements.",
	    "Aucun compte rendu d'activité depuis 30 jours : saisissez vos accompagnements.", "/activite/nouveau" },
	/* The prescriber: the followed candidates without a valid diagnosis. */
	{ "diagnoses", R(PRESCRIBER), &candidate_scope,
	    "c.person_id IN " SCOPE_FOLLOWED " AND NOT EXISTS (SELECT 1 FROM eligibility_diagnoses e WHERE "
	    "e.candidate_id = c.person_id AND e.valid_until >= ?)",
	    "pd", "1 candidat suivi n'a pas de diagnostic d'éligibilité valide.",
	    "{n} candidats suivis n'ont pas de diagnostic d'éligibilité valide.", "/prescripteur" },
	/* The training organisation: sessions begun whose attendance is not recorded. */
	{ "sessions_to_mark", R(TRAINER), &session_mine_scope,
	    "s.training_org_id IN " SCOPE_ORGS(
	        "trainer") " AND s.state = 'confirmed' AND s.starts_on <= ? AND NOT "
	                   "EXISTS (SELECT 1 FROM attendance t WHERE t.session_id = s.id)",
	    "pd", "1 session commencée attend ses présences.", "{n} sessions commencées attendent leurs présences.",
	    "/sessions" },
	/* The sponsor: the young people they sponsor. */
	{ "sponsored", R(SPONSOR), &contract_scope,
	    "c.sponsor_id = ? AND c.state IN ('planned', 'active', 'suspended')", "p",
	    "Vous parrainez 1 jeune en contrat.", "Vous parrainez {n} jeunes en contrat.", "/contrats" },
	/* The paying agency: requests to check, then to put into payment. */
	{ "payreqs_check", R(PAYER), &payreq_scope, "r.state = 'requested'", "",
	    "1 demande de versement attend votre vérification.",
	    "{n} demandes de versement attendent votre vérification.", "/aides/demandes?etat=requested" },
	{ "payreqs_order", R(PAYER), &payreq_scope, "r.state = 'approved'", "",
	    "1 demande approuvée attend sa mise en paiement.",
	    "{n} demandes approuvées attendent leur mise en paiement.", "/aides/demandes?etat=approved" },
};
const size_t waiting_nitems = sizeof(waiting_items) / sizeof(waiting_items[0]);

/* The value of parameter letter C for the actor of CTX. */
static struct db_val
param_of(struct ctx *ctx, char c)
{
	switch (c) {
	case 'p': return DB_I64(ctx->actor->person_id);
	case 'd': return DB_TEXT(date_iso(ctx->arena, ctx->now));
	case 'w': return DB_TEXT(date_iso(ctx->arena, ctx->now + 7 * 86400));
	default: return DB_TEXT(date_iso(ctx->arena, ctx->now - 30 * 86400)); /* 'm' */
	}
}

/* TEXT with its "{n}" replaced by N. */
static const char *
with_count(struct ctx *ctx, const char *text, int64_t n)
{
	const char *at = strstr(text, "{n}");

	return at == NULL ? text : arena_printf(ctx->arena, "%.*s%lld%s", (int)(at - text), text, (long long)n, at + 3);
}

static tr_err
count_one(struct ctx *ctx, const struct waiting_item *it, int64_t *n)
{
	struct sqlw w;
	struct db_rows *r;
	tr_err err;

	scope_where(ctx, it->scope, &w);
	for (const char *c = it->params; *c; c++)
		sqlw_param(&w, param_of(ctx, *c));
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "SELECT COUNT(*) FROM %s WHERE %s AND (%s)", it->scope->from, w.sql, it->cond),
	    w.p, w.n, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*n = db_int(db_cell(r, 0, 0));
	return TR_OK;
}

tr_err
waiting_list(struct ctx *ctx, json_t **out)
{
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	*out = json_array();
	for (size_t i = 0; i < waiting_nitems; i++) {
		const struct waiting_item *it = &waiting_items[i];
		int64_t n = 0;
		if (!actor_has_any(ctx->actor, it->roles))
			continue;
		if ((err = count_one(ctx, it, &n)) != TR_OK) {
			json_decref(*out);
			*out = NULL;
			return err;
		}
		if (n > 0)
			json_array_append_new(
			    *out, json_pack("{s:s, s:I, s:s, s:s}", "key", it->key, "count", (json_int_t)n, "text",
			              n == 1 ? it->one : with_count(ctx, it->many, n), "href", it->href));
	}
	return TR_OK;
}
