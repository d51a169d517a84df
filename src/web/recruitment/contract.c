/* The contracts' pages: the list of the contracts the reader sees, one contract with its terms, the tutor and the
 * sponsor (double tutoring), the pole, the state, the outcome and the six-month follow-up, the renewals it is
 * linked to, its timeline and a form per action the reader may take now. The domain decides who may see and do
 * what; these pages only show it. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/recruitment/contract.h"
#include "domain/kernel/journal.h"
#include "model/recruitment/contract.h"

#define PER_PAGE 20
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The DSFR badge of a contract's state. */
static const char *
state_badge(const char *state)
{
	static const struct {
		const char *state, *badge;
	} badges[] = {
		{ "planned", "fr-badge--new" },
		{ "active", "fr-badge--success" },
		{ "suspended", "fr-badge--warning" },
		{ "completed", "fr-badge--info" },
		{ "ended_early", "fr-badge--error" },
	};

	for (size_t i = 0; state && i < ARRAY_LEN(badges); i++)
		if (strcmp(badges[i].state, state) == 0)
			return badges[i].badge;
	return "";
}

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
		json_object_set_new(it, "badge", json_string(state_badge(web_text(it, "state"))));
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

static const struct entity *
payload_entity(const char *name)
{
	static const struct entity *const payloads[] = { &entity_contract_reason, &entity_contract_end, &entity_outcome,
		&entity_followup, &entity_renewal };

	for (size_t i = 0; name && i < ARRAY_LEN(payloads); i++)
		if (strcmp(payloads[i]->name, name) == 0)
			return payloads[i];
	return NULL;
}

/* The entity of the payload of action FAILED among those of C (NULL: none, or no such action). */
static const struct entity *
failed_entity(json_t *c, const char *failed)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(c, "actions"), i,
	    x) if (failed &&
	           strcmp(web_text(x, "action"), failed) == 0) return payload_entity(web_opt_text(x, "payload"));
	return NULL;
}

static json_t *
action_forms(struct request *req, json_t *c, const char *failed, json_t *sent)
{
	json_t *out = json_array(), *x;
	size_t i;

	json_array_foreach(json_object_get(c, "actions"), i, x)
	{
		const char *code = web_text(x, "action");
		const struct entity *e = payload_entity(web_opt_text(x, "payload"));
		bool is_failed = failed && strcmp(failed, code) == 0;
		json_t *fields =
		    e ? web_action_fields(req, e, code, is_failed, is_failed ? sent : NULL, false) : json_array();
		json_array_append_new(out,
		    json_pack("{s:s, s:s, s:s, s:o, s:I, s:b}", "code", code, "label", web_text(x, "label"), "href",
		        arena_printf(req->arena, "/contrats/%lld/actions/%s", (long long)web_int(c, "id"), code),
		        "fields", fields, "version", (json_int_t)web_int(c, "version"), "secondary",
		        strcmp(code, "end_early") == 0 || strcmp(code, "suspend") == 0));
	}
	return out;
}

/* One {label, value, lines, href} row of the page's description lists; VALUE "" shows "Non renseigné". */
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
	if (web_int(c, "application_id") > 0)
		row(rows, "Candidature d'origine",
		    arena_printf(req->arena, "Candidature n° %lld", (long long)web_int(c, "application_id")),
		    arena_printf(req->arena, "/candidatures/%lld", (long long)web_int(c, "application_id")), NULL);
	return rows;
}

static void
contract_page(struct request *req, int status, const char *failed, json_t *sent, const char *conflict)
{
	int64_t id = req->params[0];
	json_t *c = NULL, *journal = NULL, *data;
	const char *heading, *others = NULL;
	tr_err err = contract_get(&req->ctx, id, &c);

	if (err == TR_OK && (err = journal_list(&req->ctx, "contract", id, &journal)) != TR_OK)
		json_decref(c);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	heading = arena_printf(req->arena, "Contrat de %s", web_text(c, "candidate_name"));
	data = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "heading", heading, "state_label",
	    web_text(c, "state_label"), "badge", state_badge(web_text(c, "state")), "since",
	    date_fr(req->arena, web_int(c, "updated_at")), "terms", terms_rows(req, c), "tutor", tutor_rows(req, c),
	    "sponsor", sponsor_rows(req, c), "end", end_rows(req, c), "actions", action_forms(req, c, failed, sent),
	    "timeline", web_timeline(req, journal, &vocab_contract_state, journal_label), "errors_summary",
	    web_action_summary(req, failed, failed_entity(c, failed), &others));
	if (conflict == NULL)
		conflict = others;
	if (conflict)
		json_object_set_new(data, "conflict", json_string(conflict));
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", "/contrats", "label",
	        "Contrats", "label", heading));
	json_decref(c);
	json_decref(journal);
	web_page(req, status, "contract.html",
	    req->ctx.errors.n || conflict ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

void
web_contract(struct request *req)
{
	contract_page(req, 200, NULL, NULL, NULL);
}

void
web_contract_act(struct request *req)
{
	const char *action = req->sparams[0];
	json_t *payload = web_action_payload(req);
	int64_t new_id = 0;
	tr_err err = contract_act(&req->ctx, req->params[0], action, web_form_version(req), payload, NULL, &new_id);

	if (err == TR_OK)
		web_done(req,
		    arena_printf(req->arena, "/contrats/%lld", (long long)(new_id > 0 ? new_id : req->params[0])),
		    new_id > 0 ? "created" : "saved");
	else if (err == TR_INVALID)
		contract_page(req, 422, action, payload, req->ctx.errors.n ? NULL : req->ctx.message);
	else if (err == TR_CONFLICT)
		contract_page(req, 409, NULL, NULL, req->ctx.message);
	else
		resp_error(req, err, NULL);
	json_decref(payload);
}
