/* The applications' pages: a candidate applies to an offer (or is sent to their profile first), a structure
 * proposes a contact, the list of the applications the reader sees (with the structure's filters), one
 * application with its timeline and a form per action the reader may take now — accepting is the contract's
 * form, with the offer's terms as defaults and the tutor chosen among the structure's staff. The domain decides
 * who may see and do what; these pages only show it. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/recruitment/application.h"
#include "domain/poles/partner.h"
#include "domain/kernel/authz.h"
#include "domain/accounts/org.h"
#include "domain/programmes/programme.h"
#include "model/recruitment/contract.h"

#define PER_PAGE 20
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the list ---- */

/* The positive integer of query parameter NAME, or 0. */
static int64_t
query_id(struct request *req, const char *name)
{
	struct str v = form_get(&req->query, name);
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) && n > 0 ? n : 0;
}

/* A select of the list's filter form, every key of field.html set. */
static json_t *
select_field(const char *name, const char *label)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:[]}", "id", name, "name", name,
	    "label", label, "hint", "", "type", "text", "value", "", "required", 0, "error", "", "autocomplete", "",
	    "maxlength", 0, "checked", 0, "options");

	web_field_kind(f, "is_select");
	return f;
}

static json_t *
filter_fields(struct request *req, json_t *list, const struct application_filter *f)
{
	json_t *fo = select_field("offre", "Offre"), *fs = select_field("etat", "État"), *it;
	size_t i;

	json_array_foreach(json_object_get(list, "offers"), i, it)
	    web_field_option(fo, arena_printf(req->arena, "%lld", (long long)web_int(it, "id")), web_text(it, "title"),
	        web_int(it, "id") == f->offer_id);
	for (i = 0; i < vocab_application_state.n; i++)
		web_field_option(fs, vocab_application_state.items[i].code, vocab_application_state.items[i].label,
		    f->state && strcmp(f->state, vocab_application_state.items[i].code) == 0);
	return json_pack("[o, o]", fo, fs);
}

/* The heading and lead of the list, by the reader's role. */
static const struct web_heading headings[] = {
	{ ROLE_EMPLOYER, ROLE_NONE, "Candidatures reçues",
	    "Les candidatures aux offres de votre structure et les mises en relation que vous avez proposées." },
	{ ROLE_CANDIDATE, ROLE_NONE, "Mes candidatures",
	    "Les offres auxquelles vous avez candidaté et les mises en relation que des structures vous proposent." },
	{ ROLE_PRESCRIBER, ROLE_NONE, "Candidatures des personnes suivies",
	    "Les candidatures des candidats que suit votre structure." },
	{ ROLE_NONE, ROLE_NONE, "Candidatures", "Les candidatures de votre périmètre." },
};

void
web_applications(struct request *req)
{
	struct application_filter f = { .page = req_page(req), .per_page = PER_PAGE };
	const char *state = req_query(req, "etat"), *heading, *lead, *query = "";
	json_t *list = NULL, *it, *data;
	json_int_t total, pages;
	size_t i;
	tr_err err;

	f.offer_id = query_id(req, "offre");
	f.state = state && vocab_label(&vocab_application_state, state) ? state : NULL;
	if (f.offer_id)
		query = arena_printf(req->arena, "offre=%lld&", (long long)f.offer_id);
	if (f.state)
		query = arena_printf(req->arena, "%setat=%s&", query, f.state);
	if ((err = application_list(&req->ctx, &f, &list)) != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		json_object_set_new(it, "href",
		    json_string(arena_printf(req->arena, "/candidatures/%lld", (long long)web_int(it, "id"))));
		json_object_set_new(it, "badge", json_string(web_badge(req, it)));
		json_object_set_new(it, "received", json_string(date_fr(req->arena, web_int(it, "created_at"))));
	}
	total = web_int(list, "total");
	pages = total ? (total + PER_PAGE - 1) / PER_PAGE : 1;
	heading = web_heading_for(req, headings)->heading;
	lead = web_heading_for(req, headings)->lead;
	data = json_pack("{s:s, s:s, s:O, s:s, s:b}", "heading", heading, "lead", lead, "items",
	    json_object_get(list, "items"), "total_text",
	    total == 0   ? "Aucune candidature"
	    : total == 1 ? "1 candidature"
	                 : arena_printf(req->arena, "%lld candidatures", (long long)total),
	    "show_candidate", !actor_has(req->ctx.actor, ROLE_CANDIDATE) || actor_has(req->ctx.actor, ROLE_EMPLOYER));
	if (json_array_size(json_object_get(list, "offers")) > 1 || f.offer_id || f.state)
		json_object_set_new(data, "filters", filter_fields(req, list, &f));
	web_pager(req, data, f.page, pages, web_prefix_href, arena_printf(req->arena, "/candidatures?%s", query));
	json_decref(list);
	web_page(req, 200, "applications.html", heading, data);
}

/* ---- applying and proposing ---- */

/* The page of the application form for offer ID: STATUS 200, 422 (errors) or 409 (CONFLICT). */
static void
apply_page(struct request *req, int status, json_t *values, const char *conflict)
{
	int64_t id = req->params[0];
	json_t *info = NULL, *data, *form;
	const char *title;
	tr_err err = application_offer_info(&req->ctx, id, &info);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	title = arena_printf(req->arena, "Candidater : %s", web_text(info, "title"));
	form = web_form(req, &entity_application, values,
	    arena_printf(req->arena, "/offres/%lld/candidater", (long long)id), "Envoyer ma candidature",
	    arena_printf(req->arena, "/offres/%lld", (long long)id), NULL);
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o}", "heading", title, "offer_title",
	    web_text(info, "title"), "offer_href", arena_printf(req->arena, "/offres/%lld", (long long)id),
	    "organisation_name", web_text(info, "organisation_name"), "place",
	    *web_text(info, "place_commune")
	        ? arena_printf(req->arena, "%s, %s", web_text(info, "place_nom"), web_text(info, "place_commune"))
	        : web_text(info, "place_nom"),
	    "start_on", web_day_fr(req, web_opt_text(info, "start_on")), "contract_type",
	    vocab_label(&vocab_contract_type, web_text(info, "contract_type"))
	        ? vocab_label(&vocab_contract_type, web_text(info, "contract_type"))
	        : web_text(info, "contract_type"),
	    "has_profile", json_is_true(json_object_get(info, "has_profile")), "open",
	    strcmp(web_text(info, "state"), "open") == 0, "form", form);
	if (json_is_integer(json_object_get(info, "application_id")))
		json_object_set_new(data, "application_href",
		    json_string(
		        arena_printf(req->arena, "/candidatures/%lld", (long long)web_int(info, "application_id"))));
	if (conflict)
		json_object_set_new(data, "conflict", json_string(conflict));
	json_decref(info);
	web_page(req, status, "application_new.html",
	    req->ctx.errors.n || conflict ? arena_printf(req->arena, "Erreur : %s", title) : title, data);
}

void
web_application_new_form(struct request *req)
{
	apply_page(req, 200, NULL, NULL);
}

void
web_application_new(struct request *req)
{
	json_t *in = req_form_object(req, &entity_application);
	int64_t id = 0;
	tr_err err = application_create(&req->ctx, req->params[0], in, &id);

	if (err == TR_OK)
		web_done_id(
		    req, arena_printf(req->arena, "/candidatures/%lld", (long long)id), "application_created", id);
	else if (err == TR_INVALID && req->ctx.errors.n)
		apply_page(req, 422, in, NULL);
	else if (err == TR_INVALID || err == TR_CONFLICT)
		apply_page(req, err == TR_INVALID ? 422 : 409, in, req->ctx.message);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_application_propose(struct request *req)
{
	json_t *in = req_form_object(req, &entity_application);
	int64_t id = 0;
	tr_err err = application_propose(&req->ctx, req->params[0], req->params[1], in, &id);

	if (err == TR_OK)
		web_done_id(req, arena_printf(req->arena, "/candidatures/%lld", (long long)id), "proposal_created", id);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

/* ---- one application ---- */

/* What happened, in French, for the timeline. */
static const char *
journal_label(const char *action)
{
	static const struct {
		const char *code, *label;
	} labels[] = {
		{ "apply", "Candidature envoyée" },
		{ "propose", "Mise en relation proposée" },
		{ "accept_proposal", "Mise en relation acceptée" },
		{ "decline_proposal", "Mise en relation déclinée" },
		{ "process", "Candidature examinée" },
		{ "interview", "Entretien proposé" },
		{ "accept_interview", "Entretien accepté" },
		{ "ask_other_interview", "Autre créneau demandé" },
		{ "reapply", "Nouvelle candidature après un retrait" },
		{ "accept", "Candidature retenue, contrat établi" },
		{ "refuse", "Candidature non retenue" },
		{ "withdraw", "Candidature retirée" },
		{ "obsolete", "Candidature close sans suite" },
	};

	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		if (strcmp(labels[i].code, action) == 0)
			return labels[i].label;
	return NULL;
}

/* The end of a contract of MONTHS months from START: the day before the same date MONTHS later. */
static const char *
default_end(struct request *req, const char *start, json_int_t months)
{
	const char *next = start && months > 0 ? date_add(req->arena, start, (int)months, 0) : NULL;

	return next ? date_add(req->arena, next, 0, -1) : "";
}

/* The accept form's values: the offer's terms and the dossier's parties, or what was sent back. */
static json_t *
contract_defaults(struct request *req, json_t *a)
{
	const char *type = web_text(a, "offer_contract_type"), *start = web_opt_text(a, "offer_start_on");
	json_t *v =
	    json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "contract_type", type, "start_on", start ? start : "",
	        "end_on", strcmp(type, "CDD") == 0 ? default_end(req, start, web_int(a, "offer_duration_months")) : "",
	        "sponsor_name", web_opt_text(a, "dossier_sponsor_name"), "company_name",
	        web_opt_text(a, "dossier_company_name"), "company_siret", web_opt_text(a, "dossier_company_siret"),
	        "company_activity", web_opt_text(a, "dossier_company_activity"));

	if (json_is_integer(json_object_get(a, "offer_weekly_hours")))
		json_object_set(v, "weekly_hours", json_object_get(a, "offer_weekly_hours"));
	if (json_is_integer(json_object_get(a, "dossier_pole_id")))
		json_object_set(v, "pole_id", json_object_get(a, "dossier_pole_id"));
	if (req->ctx.actor)
		json_object_set_new(v, "tutor_id", json_integer(req->ctx.actor->person_id));
	return v;
}

/* The accept form: entity_contract's fields, the tutor chosen among the structure's employer staff, the pole
 * among the programme's. */
static json_t *
contract_fields(struct request *req, json_t *a, bool failed, json_t *sent)
{
	json_t *values = failed ? json_incref(sent) : contract_defaults(req, a);
	json_t *fields = web_action_fields(req, &entity_contract, "accept", failed, values, false), *f, *org = NULL,
	       *prog = NULL, *it;
	const char *cur;
	size_t i, k;

	json_array_foreach(fields, i, f)
	{
		const char *name = web_text(f, "name");
		cur = web_text(f, "value");
		if (strcmp(name, "tutor_id") == 0 && org_get(&req->ctx, web_int(a, "organisation_id"), &org) == TR_OK) {
			web_field_kind(f, "is_select");
			json_array_foreach(
			    json_object_get(org, "members"), k, it) if (strcmp(web_text(it, "role"), "employer") == 0)
			{
				const char *id = arena_printf(req->arena, "%lld", (long long)web_int(it, "person_id"));
				web_field_option(f, id, web_text(it, "name"), strcmp(id, cur) == 0);
			}
		} else if (strcmp(name, "pole_id") == 0 &&
		           programme_get(&req->ctx, web_int(a, "programme_id"), &prog) == TR_OK) {
			web_field_kind(f, "is_select");
			json_array_foreach(json_object_get(prog, "poles"), k, it)
			{
				const char *id = arena_printf(req->arena, "%lld", (long long)web_int(it, "id"));
				web_field_option(f, id, web_text(it, "name"), strcmp(id, cur) == 0);
			}
		} else if (strcmp(name, "contract_type") == 0) {
			json_object_set_new(f, "required", json_true());
		}
	}
	req->ctx.message = NULL;
	json_decref(org);
	json_decref(prog);
	json_decref(values);
	return fields;
}

/* The partner companies (vivier) of the offer's region able to sponsor its job profile, offered beside the
 * contract's sponsor fields; every key set, so that none is looked up in the page around. */
static json_t *
vivier(struct request *req, json_t *a)
{
	static const char *const keys[] = { "name", "siret", "activity", "commune_name", "contact_name" };
	json_t *partners = NULL, *co;
	size_t i;

	if (web_opt_text(a, "region_code") == NULL || partner_suggest(&req->ctx, web_opt_text(a, "region_code"),
	                                                  web_int(a, "job_profile_id"), &partners) != TR_OK)
		return json_array();
	json_array_foreach(partners, i, co)
	{
		for (size_t j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
			json_object_set_new(co, keys[j], json_string(web_text(co, keys[j])));
	}
	return partners;
}

/* The accept form is the contract's, with the vivier beside it; the other actions' forms are their payloads'. */
static json_t *
action_fields(struct request *req, json_t *a, const char *code, bool failed, json_t *sent, json_t *form)
{
	if (strcmp(code, "accept") != 0)
		return NULL;
	json_object_set_new(form, "partners", vivier(req, a));
	return contract_fields(req, a, failed, sent);
}

/* For the structure (and whoever else reads application A but the candidate): the candidate's profile and CV as
 * their consent allows, their eligibility, and what a contract still lacks. */
static void
readiness(struct request *req, json_t *a, json_t *data)
{
	json_t *r = NULL, *profile, *elig, *missing;
	int64_t id = web_int(a, "id");

	if (application_readiness(&req->ctx, id, &r) != TR_OK) {
		req->ctx.message = NULL;
		return;
	}
	profile = json_object_get(r, "profile");
	elig = json_object_get(r, "eligibility");
	missing = json_object_get(r, "missing");
	if (json_is_object(profile)) {
		json_object_set_new(data, "profile_rows", web_candidate_rows(req, profile));
		if (json_is_object(json_object_get(profile, "cv")))
			json_object_set_new(data, "cv_href",
			    json_string(arena_printf(req->arena, "/candidatures/%lld/cv", (long long)id)));
	} else {
		json_object_set_new(data, "profile_hidden", json_true());
	}
	if (json_is_true(json_object_get(r, "pending"))) {
		const char *on = web_day_fr(req, web_text(elig, "on"));
		json_object_set_new(data, "eligibility_text",
		    json_string(!json_is_true(json_object_get(elig, "required"))
		                    ? "Le dispositif de l'offre ne demande pas de diagnostic d'éligibilité."
		                : json_is_true(json_object_get(elig, "valid"))
		                    ? arena_printf(
		                          req->arena, "Éligible au dispositif le %s : un diagnostic valide existe.", on)
		                    : arena_printf(req->arena, "Pas de diagnostic d'éligibilité valide le %s.", on)));
		json_object_set_new(data, "missing", json_incref(missing));
		json_object_set_new(data, "ready", json_boolean(json_array_size(missing) == 0));
	}
	json_decref(r);
}

void
web_application_cv(struct request *req)
{
	json_t *a = NULL;
	tr_err err = application_get(&req->ctx, req->params[0], &a);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_candidate_cv_send(req, web_int(a, "candidate_id"));
	json_decref(a);
}

/* What the page of application A shows besides its lifecycle. */
static const char *
fill(struct request *req, const struct web_lifecycle *lc, json_t *a, json_t *data)
{
	const char *state = web_text(a, "state");
	json_t *own = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "offer_title", web_text(a, "offer_title"),
	    "offer_href", arena_printf(req->arena, "/offres/%lld", (long long)web_int(a, "offer_id")),
	    "organisation_name", web_text(a, "organisation_name"), "candidate_name", web_text(a, "candidate_name"),
	    "received", date_fr(req->arena, web_int(a, "created_at")), "origin",
	    strcmp(web_text(a, "origin"), "structure") == 0 ? "Mise en relation proposée par la structure"
	                                                    : "Candidature spontanée",
	    "message", web_lines(web_opt_text(a, "message")));

	json_object_update(data, own);
	json_decref(own);
	if (req->ctx.actor && req->ctx.actor->person_id != web_int(a, "candidate_id"))
		json_object_set_new(data, "candidate_email", json_string(web_text(a, "candidate_email")));
	if (web_opt_text(a, "refusal_reason_label"))
		json_object_set_new(data, "refusal", json_string(web_text(a, "refusal_reason_label")));
	if (web_opt_text(a, "interview_on"))
		json_object_set_new(data, "interview",
		    json_pack("{s:s, s:s, s:o, s:s}", "when",
		        arena_printf(req->arena, "le %s à %s", web_day_fr(req, web_text(a, "interview_on")),
		            web_text(a, "interview_time")),
		        "place", web_text(a, "interview_place"), "note", web_lines(web_opt_text(a, "interview_note")),
		        "answer",
		        strcmp(web_text(a, "interview_answer"), "accepted") == 0 ? "Accepté par le candidat."
		        : strcmp(web_text(a, "interview_answer"), "other") == 0
		            ? arena_printf(req->arena, "Le candidat demande un autre créneau : %s",
		                  web_text(a, "interview_reply"))
		            : "En attente de la réponse du candidat."));
	if (json_is_integer(json_object_get(a, "contract_id")))
		json_object_set_new(data, "contract_href",
		    json_string(arena_printf(req->arena, "/contrats/%lld", (long long)web_int(a, "contract_id"))));
	if (!strcmp(state, "new") || !strcmp(state, "processing") || !strcmp(state, "interview") ||
	    !strcmp(state, "proposed"))
		json_object_set_new(data, "waiting",
		    json_string(web_int(a, "days_waiting") <= 0   ? "depuis aujourd'hui"
		                : web_int(a, "days_waiting") == 1 ? "depuis 1 jour"
		                                                  : arena_printf(req->arena, "depuis %lld jours",
		                                                        (long long)web_int(a, "days_waiting"))));
	if (req->ctx.actor && req->ctx.actor->person_id != web_int(a, "candidate_id"))
		readiness(req, a, data);
	return arena_printf(req->arena, "Candidature de %s", web_text(a, "candidate_name"));
}

const struct web_lifecycle web_application_page = {
	.wf = &application_workflow,
	.path = "/candidatures",
	.list_label = "Candidatures",
	.created_path = "/contrats",
	.template = "application.html",
	.conflict_note = "La candidature est affichée telle qu'elle est maintenant.",
	.get = application_get,
	.act = application_act,
	.journal_label = journal_label,
	.fill = fill,
	.action_fields = action_fields,
};
