/* The contracts' pages: the list of the contracts the reader sees, one contract with its terms, the tutor and the
 * sponsor (double tutoring), the pole, the state, the outcome and the six-month follow-up, the renewals it is
 * linked to, its timeline and a form per action the reader may take now. The domain decides who may see and do
 * what; these pages only show it. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/recruitment/application.h"
#include "domain/recruitment/contract.h"
#include "model/recruitment/contract.h"

#define PER_PAGE 20
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* "du 4 janvier 2027 au 3 janvier 2028", or "à partir du …" for a contract without end. */
static const char *
period(struct request *req, json_t *c)
{
	if (web_opt_text(c, "end_on"))
		return arena_printf(req->arena, "du %s au %s", web_day_fr(req, web_opt_text(c, "start_on")),
		    web_day_fr(req, web_opt_text(c, "end_on")));
	return arena_printf(req->arena, "à partir du %s", web_day_fr(req, web_opt_text(c, "start_on")));
}

/* ---- the list ---- */

/* The heading and lead of the list, by the reader's role. */
static const struct web_heading headings[] = {
	{ ROLE_CANDIDATE, ROLE_EMPLOYER, "Mon contrat",
	    "Vos contrats dans le dispositif, avec votre tuteur et votre parrain." },
	{ ROLE_EMPLOYER, ROLE_NONE, "Contrats de la structure",
	    "Les contrats des jeunes recrutés par votre structure, et ceux dont vous êtes le tuteur." },
	{ ROLE_SPONSOR, ROLE_NONE, "Jeunes parrainés", "Les contrats des jeunes dont vous êtes le parrain." },
	{ ROLE_NONE, ROLE_NONE, "Contrats", "Les contrats de votre périmètre, le plus récent d'abord." },
};

static json_t *
state_filter(struct request *req, const char *state)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:[]}", "id", "etat", "name",
	    "etat", "label", "État", "hint", "", "type", "text", "value", "", "required", 0, "error", "",
	    "autocomplete", "", "maxlength", 0, "checked", 0, "options");

	web_field_kind(f, "is_select");
	for (size_t i = 0; i < vocab_contract_state.n; i++)
		web_field_option(f, vocab_contract_state.items[i].code, vocab_contract_state.items[i].label,
		    state && strcmp(state, vocab_contract_state.items[i].code) == 0);
	return f;
}

void
web_contracts(struct request *req)
{
	struct contract_filter f = { .page = req_page(req), .per_page = PER_PAGE };
	const char *state = req_query(req, "etat"), *heading, *lead, *query = "";
	json_t *list = NULL, *it, *data;
	json_int_t total, pages;
	size_t i;
	tr_err err;

	f.state = state && vocab_label(&vocab_contract_state, state) ? state : NULL;
	if (f.state)
		query = arena_printf(req->arena, "etat=%s&", f.state);
	if ((err = contract_list(&req->ctx, &f, &list)) != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		json_object_set_new(
		    it, "href", json_string(arena_printf(req->arena, "/contrats/%lld", (long long)web_int(it, "id"))));
		json_object_set_new(it, "badge", json_string(web_badge(req, it)));
		json_object_set_new(it, "period", json_string(period(req, it)));
	}
	total = web_int(list, "total");
	pages = total ? (total + PER_PAGE - 1) / PER_PAGE : 1;
	heading = web_heading_for(req, headings)->heading;
	lead = web_heading_for(req, headings)->lead;
	data = json_pack("{s:s, s:s, s:O, s:s, s:o}", "heading", heading, "lead", lead, "items",
	    json_object_get(list, "items"), "total_text",
	    total == 0   ? "Aucun contrat"
	    : total == 1 ? "1 contrat"
	                 : arena_printf(req->arena, "%lld contrats", (long long)total),
	    "filter", state_filter(req, f.state));
	web_pager(req, data, f.page, pages, web_prefix_href, arena_printf(req->arena, "/contrats?%s", query));
	json_decref(list);
	web_page(req, 200, "contracts.html", heading, data);
}

/* ---- one contract ---- */

static const char *
journal_label(const char *action)
{
	static const struct {
		const char *code, *label;
	} labels[] = {
		{ "create", "Contrat établi" },
		{ "start", "Contrat démarré" },
		{ "suspend", "Contrat suspendu" },
		{ "resume", "Contrat repris" },
		{ "complete", "Contrat terminé à son terme" },
		{ "end_early", "Contrat rompu avant son terme" },
		{ "record_outcome", "Situation à la sortie enregistrée" },
		{ "record_followup", "Suivi à six mois enregistré" },
		{ "renew", "Contrat renouvelé" },
		{ "followup_reminder", "Rappel du suivi à six mois envoyé" },
	};

	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		if (strcmp(labels[i].code, action) == 0)
			return labels[i].label;
	return NULL;
}

/* One {label, value, lines, href} row of the page's description lists; VALUE "" shows "Non renseigné". */
/* True when the reader may open application ID (the scope of applications decides: a sponsor reads the contract,
 * not the application it came from). */
static bool
application_readable(struct request *req, int64_t id)
{
	json_t *a = NULL;
	bool ok = application_get(&req->ctx, id, &a) == TR_OK;

	json_decref(a);
	req->ctx.message = NULL;
	return ok;
}

static void
row(json_t *rows, const char *label, const char *value, const char *href, json_t *lines)
{
	json_array_append_new(
	    rows, json_pack("{s:s, s:s, s:s, s:o, s:b}", "label", label, "value", value ? value : "", "href",
	              href ? href : "", "lines", lines ? lines : json_array(), "missing",
	              (value == NULL || *value == '\0') && (lines == NULL || json_array_size(lines) == 0)));
}

static json_t *
terms_rows(struct request *req, json_t *c)
{
	json_t *rows = json_array();

	row(rows, "Type de contrat", web_text(c, "contract_type_label"), NULL, NULL);
	row(rows, "Période", period(req, c), NULL, NULL);
	row(rows, "Durée hebdomadaire", arena_printf(req->arena, "%lld heures", (long long)web_int(c, "weekly_hours")),
	    NULL, NULL);
	row(rows, "Poste", web_text(c, "offer_title"),
	    arena_printf(req->arena, "/offres/%lld", (long long)web_int(c, "offer_id")), NULL);
	row(rows, "Métier", web_text(c, "job_profile_title"), NULL, NULL);
	row(rows, "Lieu de travail",
	    *web_text(c, "place_commune")
	        ? arena_printf(req->arena, "%s, %s", web_text(c, "place_nom"), web_text(c, "place_commune"))
	        : web_text(c, "place_nom"),
	    web_opt_text(c, "place_id")
	        ? arena_printf(req->arena, "/lieux/%s", url_encode(req->arena, web_text(c, "place_id")))
	        : NULL,
	    NULL);
	row(rows, "Structure employeuse", web_text(c, "organisation_name"), NULL, NULL);
	row(rows, "Dispositif", web_text(c, "programme_name"),
	    arena_printf(req->arena, "/programmes/%lld", (long long)web_int(c, "programme_id")), NULL);
	row(rows, "Jeune recruté", web_text(c, "candidate_name"), NULL, NULL);
	row(rows, "Pôle de ressources", web_text(c, "pole_name"), NULL, NULL);
	return rows;
}

static json_t *
tutor_rows(struct request *req, json_t *c)
{
	json_t *rows = json_array();

	row(rows, "Tuteur", web_text(c, "tutor_name"), NULL, NULL);
	row(rows, "Courriel du tuteur", web_text(c, "tutor_email"), NULL, NULL);
	row(rows, "Expérience du tuteur", NULL, NULL, web_lines(web_opt_text(c, "tutor_experience")));
	return rows;
}

static json_t *
sponsor_rows(struct request *req, json_t *c)
{
	json_t *rows = json_array();

	row(rows, "Parrain", web_text(c, "sponsor_name"), NULL, NULL);
	row(rows, "Coordonnées du parrain", web_text(c, "sponsor_contact"), NULL, NULL);
	if (web_opt_text(c, "sponsor_account_name"))
		row(rows, "Compte du parrain sur la plateforme", web_text(c, "sponsor_account_name"), NULL, NULL);
	row(rows, "Entreprise marraine", web_text(c, "company_name"), NULL, NULL);
	row(rows, "SIRET de l'entreprise marraine", web_text(c, "company_siret"), NULL, NULL);
	row(rows, "Activité de l'entreprise marraine", web_text(c, "company_activity"), NULL, NULL);
	return rows;
}

/* The end, the outcome and the follow-up: rows only for what is known. */
static json_t *
end_rows(struct request *req, json_t *c)
{
	json_t *rows = json_array();
	const char *state = web_text(c, "state");

	if (web_opt_text(c, "ended_on"))
		row(rows, "Fin effective", web_day_fr(req, web_opt_text(c, "ended_on")), NULL, NULL);
	if (web_opt_text(c, "end_reason"))
		row(rows, strcmp(state, "suspended") == 0 ? "Motif de la suspension" : "Motif", NULL, NULL,
		    web_lines(web_opt_text(c, "end_reason")));
	if (web_opt_text(c, "ended_on"))
		row(rows, "Situation à la sortie", web_text(c, "outcome_label"), NULL, NULL);
	if (web_opt_text(c, "followup_due_on"))
		row(rows, "Suivi à six mois",
		    web_opt_text(c, "followup_outcome_label")
		        ? web_text(c, "followup_outcome_label")
		        : arena_printf(req->arena, "À enregistrer à partir du %s",
		              web_day_fr(req, web_opt_text(c, "followup_due_on"))),
		    NULL, NULL);
	if (web_int(c, "renewed_from") > 0)
		row(rows, "Renouvellement du contrat",
		    arena_printf(req->arena, "Contrat n° %lld", (long long)web_int(c, "renewed_from")),
		    arena_printf(req->arena, "/contrats/%lld", (long long)web_int(c, "renewed_from")), NULL);
	if (web_int(c, "renewed_by") > 0)
		row(rows, "Renouvelé par",
		    arena_printf(req->arena, "Contrat n° %lld", (long long)web_int(c, "renewed_by")),
		    arena_printf(req->arena, "/contrats/%lld", (long long)web_int(c, "renewed_by")), NULL);
	if (web_int(c, "application_id") > 0 && application_readable(req, web_int(c, "application_id")))
		row(rows, "Candidature d'origine",
		    arena_printf(req->arena, "Candidature n° %lld", (long long)web_int(c, "application_id")),
		    arena_printf(req->arena, "/candidatures/%lld", (long long)web_int(c, "application_id")), NULL);
	return rows;
}

/* The contract's own pages: the recruit's training path and skills grid (their readers are the contract's). */
static json_t *
follow_rows(struct request *req, json_t *c)
{
	json_t *rows = json_array();
	int64_t id = web_int(c, "id");

	row(rows, "Parcours de formation", "Les modules du parcours emploi-formation et leurs heures",
	    arena_printf(req->arena, "/contrats/%lld/parcours", (long long)id), NULL);
	row(rows, "Grille de compétences", "Les évaluations du jeune et de son tuteur",
	    arena_printf(req->arena, "/contrats/%lld/grille", (long long)id), NULL);
	return rows;
}

/* What the page of contract C shows besides its lifecycle. */
static const char *
fill(struct request *req, const struct web_lifecycle *lc, json_t *c, json_t *data)
{
	json_t *own = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "since",
	    date_fr(req->arena, web_int(c, "updated_at")), "terms", terms_rows(req, c), "tutor", tutor_rows(req, c),
	    "sponsor", sponsor_rows(req, c), "end", end_rows(req, c), "follow", follow_rows(req, c));

	json_object_update(data, own);
	json_decref(own);
	return arena_printf(req->arena, "Contrat de %s", web_text(c, "candidate_name"));
}

const struct web_lifecycle web_contract_page = {
	.wf = &contract_workflow,
	.path = "/contrats",
	.list_label = "Contrats",
	.created_path = "/contrats",
	.template = "contract.html",
	.conflict_note = "Le contrat est affiché tel qu'il est maintenant.",
	.get = contract_get,
	.act = contract_act,
	.journal_label = journal_label,
	.fill = fill,
};
