/* The subsidies' pages (issue 12): the aid decisions in the reader's scope and each schedule line by line with
 * its explanation, the payment requests (the employer asks, the regional officer or the paying agency approves
 * or rejects), the recoveries, the employer's bank details, the SMIC table and the aid rules. One template,
 * subsidy.html; the domain decides who sees and does what; lists link to their CSV and XLSX (the API's). */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy.h"
#include "model/subsidies/subsidy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PER_PAGE 50

static json_t *
cell(const char *text, const char *href, const char *sub)
{
	return json_pack("{s:s, s:s, s:s}", "text", text ? text : "", "href", href ? href : "", "sub", sub ? sub : "");
}

static json_t *
table(const char *caption, const char *const *heads, json_t *items, const char *empty)
{
	json_t *h = json_array();

	for (size_t i = 0; heads[i]; i++)
		json_array_append_new(h, json_string(heads[i]));
	return json_pack("{s:s, s:o, s:o, s:s}", "caption", caption, "heads", h, "items", items, "empty", empty);
}

static void
row(json_t *rows, const char *label, const char *value)
{
	json_array_append_new(rows, json_pack("{s:s, s:s}", "label", label, "value", value && *value ? value : "—"));
}

static json_t *
link(const char *href, const char *label)
{
	return json_pack("{s:s, s:s}", "href", href, "label", label);
}

static const char *
euros(struct request *req, json_t *o, const char *key)
{
	return sched_euros(req->arena, web_int(o, key));
}

/* The page's title, "Erreur : …" when the form it shows has errors. */
static const char *
title_of(struct request *req, int status, const char *title)
{
	return status == 422 ? arena_printf(req->arena, "Erreur : %s", title) : title;
}

static json_t *
page(const char *heading, const char *lead)
{
	return json_pack("{s:s, s:s, s:[], s:[], s:[]}", "heading", heading, "lead", lead, "links", "rows", "tables");
}

static int64_t
query_page(struct request *req)
{
	const char *p = req_query(req, "page");
	long long n = 0;

	return p && str_to_i64(str_c(p), &n) && n > 0 && n < 1000000 ? n : 1;
}

static void
pager(struct request *req, json_t *data, json_t *list, const char *path)
{
	int64_t total = web_int(list, "total"), pages = (total + PER_PAGE - 1) / PER_PAGE;

	web_pager(req, data, web_int(list, "page"), pages ? pages : 1, web_prefix_href,
	    arena_printf(req->arena, "%s?", path));
}

static void
nav_links(struct request *req, json_t *data, const char *api)
{
	json_t *l = json_object_get(data, "links");

	json_array_append_new(l, link("/aides", "Décisions d'aide"));
	json_array_append_new(l, link("/aides/demandes", "Demandes de paiement"));
	json_array_append_new(l, link("/aides/reversements", "Reversements"));
	json_array_append_new(l, link("/aides/smic", "SMIC et règles"));
	if (api) {
		const char *sep = strchr(api, '?') ? "&" : "?";
		json_array_append_new(
		    l, link(arena_printf(req->arena, "%s%sformat=csv", api, sep), "Télécharger en CSV"));
		json_array_append_new(
		    l, link(arena_printf(req->arena, "%s%sformat=xlsx", api, sep), "Télécharger en XLSX"));
	}
}

static const char *
href_of(struct request *req, const char *prefix, json_t *o)
{
	return arena_printf(req->arena, "%s/%lld", prefix, (long long)web_int(o, "id"));
}

/* ---- Aid decisions ---- */

void
web_aid_decisions(struct request *req)
{
	static const char *const heads[] = { "Décision", "Employeur", "Dispositif", "Période d'aide", "Taux", "Total",
		"Payé", NULL };
	json_t *list = NULL, *items = json_array(), *it, *data;
	size_t i;
	tr_err err = aid_decision_list(&req->ctx, NULL, "recent", query_page(req), PER_PAGE, &list);

	if (err != TR_OK) {
		json_decref(items);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		json_array_append_new(items,
		    json_pack("{s:[o, o, o, o, o, o, o]}", "cells",
		        cell(arena_printf(req->arena, "Aide n° %lld", (long long)web_int(it, "id")),
		            href_of(req, "/aides", it),
		            arena_printf(req->arena, "contrat n° %lld", (long long)web_int(it, "contract_id"))),
		        cell(web_text(it, "organisation_name"), NULL, NULL),
		        cell(web_text(it, "programme_name"), NULL, NULL),
		        cell(arena_printf(req->arena, "du %s au %s", web_day_fr(req, web_text(it, "aid_start")),
		                 web_day_fr(req, web_text(it, "aid_end"))),
		            NULL,
		            web_opt_text(it, "ended_on")
		                ? arena_printf(req->arena, "rompu le %s", web_day_fr(req, web_text(it, "ended_on")))
		                : NULL),
		        cell(arena_printf(req->arena, "%s %%", web_text(it, "rate")), NULL, NULL),
		        cell(euros(req, it, "total_cents"), NULL,
		            arena_printf(req->arena, "version %lld", (long long)web_int(it, "schedule_version"))),
		        cell(euros(req, it, "paid_cents"), NULL, NULL)));
	}
	data = page("Aides aux employeurs", "Les aides des contrats que vous suivez : chaque échéancier est calculé "
	                                    "mois par mois sur le SMIC, au centime, "
	                                    "et chaque ligne dit comment elle a été calculée.");
	nav_links(req, data, "/api/v1/aid-decisions?per_page=500");
	json_array_append_new(json_object_get(data, "tables"),
	    table("Décisions d'aide", heads, items, "Aucune décision d'aide ne vous concerne pour l'instant."));
	pager(req, data, list, "/aides");
	json_decref(list);
	web_page(req, 200, "subsidy.html", "Aides aux employeurs", data);
}

static json_t *
line_items(struct request *req, json_t *lines)
{
	json_t *items = json_array(), *x;
	size_t i;

	json_array_foreach(lines, i, x)
	{
		const char *state = web_int(x, "paid")                                 ? "payée"
		                    : !json_is_null(json_object_get(x, "recovery_id")) ? "à reverser"
		                    : !json_is_null(json_object_get(x, "request_id"))  ? "demandée"
		                                                                       : "à venir";
		json_array_append_new(
		    items, json_pack("{s:[o, o, o, o, o]}", "cells",
		               cell(arena_printf(req->arena, "du %s au %s", web_day_fr(req, web_text(x, "period_from")),
		                        web_day_fr(req, web_text(x, "period_to"))),
		                   NULL, NULL),
		               cell(web_text(x, "kind_label"), NULL,
		                   arena_printf(req->arena, "version %lld", (long long)web_int(x, "version_from"))),
		               cell(web_text(x, "amount"), NULL, NULL), cell(state, NULL, NULL),
		               cell(web_text(x, "explain"), NULL, NULL)));
	}
	return items;
}

static void
decision_page(struct request *req, int status, json_t *failed_form)
{
	static const char *const heads[] = { "Période", "Nature", "Montant", "État", "Calcul", NULL };
	static const char *const rq_heads[] = { "Demande", "Mois", "Montant", "État", NULL };
	static const char *const rc_heads[] = { "Ordre de reversement", "Montant", "Motif", "État", NULL };
	json_t *d = NULL, *data, *rows, *filters, *rq = NULL, *items, *x;
	size_t i;
	tr_err err = aid_decision_get(&req->ctx, req->params[0], &d);

	if (err != TR_OK) {
		json_decref(failed_form);
		resp_error(req, err, NULL);
		return;
	}
	json_t *s = json_object_get(d, "schedule");
	data = page(arena_printf(
	                req->arena, "Aide n° %lld — %s", (long long)web_int(d, "id"), web_text(d, "organisation_name")),
	    "Échéancier en centimes entiers ; chaque ligne est arrondie une seule fois (au centime, au pair le plus "
	    "proche) et le total est la somme exacte des lignes. Une ligne déjà demandée ou payée n'est jamais "
	    "réécrite : "
	    "un recalcul ajoute une ligne de régularisation.");
	nav_links(req, data, NULL);
	rows = json_object_get(data, "rows");
	row(rows, "Dispositif", web_text(d, "programme_name"));
	row(rows, "Règle", web_text(d, "rule_label"));
	row(rows, "Contrat",
	    arena_printf(
	        req->arena, "n° %lld (%s)", (long long)web_int(d, "contract_id"), web_text(d, "contract_type")));
	row(rows, "Taux d'aide",
	    arena_printf(
	        req->arena, "%s %% du SMIC horaire brut (%s)", web_text(d, "rate"), web_text(d, "territory_label")));
	row(rows, "Heures hebdomadaires", arena_printf(req->arena, "%s h", web_text(d, "weekly_hours")));
	row(rows, "Période d'aide",
	    arena_printf(req->arena, "du %s au %s", web_day_fr(req, web_text(d, "aid_start")),
	        web_day_fr(req, web_text(d, "aid_end"))));
	if (web_opt_text(d, "ended_on"))
		row(rows, "Rupture anticipée",
		    arena_printf(req->arena, "le %s : %s (%s)", web_day_fr(req, web_text(d, "ended_on")),
		        web_text(d, "end_reason_label"),
		        json_is_true(json_object_get(d, "end_exempt"))
		            ? "motif exonéré : les jours travaillés restent dus"
		            : "tout est reversé"));
	row(rows, "Version de l'échéancier", arena_printf(req->arena, "%lld", (long long)web_int(s, "version")));
	row(rows, "Total de l'échéancier", web_text(s, "total"));
	row(rows, "Déjà payé", euros(req, s, "paid_cents"));
	json_array_append_new(json_object_get(data, "tables"),
	    table("Échéancier en vigueur", heads, line_items(req, json_object_get(s, "lines")), "Aucune ligne."));
	filters = json_pack("{s:I}", "decision_id", (json_int_t)web_int(d, "id"));
	items = json_array();
	if (payreq_list(&req->ctx, filters, "oldest", 1, LIST_PER_PAGE_MAX, &rq) == TR_OK)
		json_array_foreach(json_object_get(rq, "items"), i, x) json_array_append_new(
		    items, json_pack("{s:[o, o, o, o]}", "cells",
		               cell(web_text(x, "reference"), href_of(req, "/aides/demandes", x), NULL),
		               cell(web_text(x, "month"), NULL, NULL), cell(web_text(x, "amount"), NULL, NULL),
		               cell(web_text(x, "state_label"), NULL, NULL)));
	json_decref(rq);
	json_decref(filters);
	json_array_append_new(json_object_get(data, "tables"),
	    table("Demandes de paiement", rq_heads, items, "Aucune demande de paiement."));
	items = json_array();
	json_array_foreach(json_object_get(d, "recoveries"), i, x) json_array_append_new(
	    items, json_pack("{s:[o, o, o, o]}", "cells",
	               cell(web_text(x, "reference"), href_of(req, "/aides/reversements", x), NULL),
	               cell(euros(req, x, "amount_cents"), NULL, NULL), cell(web_text(x, "motive"), NULL, NULL),
	               cell(vocab_label(&vocab_recovery_state, web_text(x, "state")), NULL, NULL)));
	json_array_append_new(json_object_get(data, "tables"),
	    table("Ordres de reversement", rc_heads, items, "Aucun ordre de reversement."));
	if (actor_in_org(req->ctx.actor, ROLE_EMPLOYER, web_int(d, "organisation_id"))) {
		json_t *form = web_form(req, &entity_payreq, failed_form,
		    arena_printf(req->arena, "/aides/%lld/demandes", (long long)web_int(d, "id")),
		    "Demander le paiement", NULL, NULL);
		json_object_set_new(form, "title", json_string("Demander le paiement d'un mois"));
		json_object_set_new(data, "form", form);
	}
	json_decref(failed_form);
	web_page(req, status, "subsidy.html", title_of(req, status, web_text(data, "heading")), data);
	json_decref(d);
}

void
web_aid_decision(struct request *req)
{
	decision_page(req, 200, NULL);
}

void
web_payreq_create(struct request *req)
{
	json_t *in = req_form_object(req, &entity_payreq);
	int64_t id = 0;
	tr_err err = payreq_create(&req->ctx, req->params[0], in, &id);

	if (err == TR_OK) {
		json_decref(in);
		web_done(req, arena_printf(req->arena, "/aides/demandes/%lld", (long long)id), "created");
	} else if (err == TR_INVALID || err == TR_CONFLICT) {
		if (req->ctx.errors.n == 0)
			field_errors_add(
			    &req->ctx.errors, "month", req->ctx.message ? req->ctx.message : "Demande impossible.");
		decision_page(req, err == TR_INVALID ? 422 : 409, in);
	} else {
		json_decref(in);
		resp_error(req, err, NULL);
	}
}

/* ---- Payment requests ---- */

void
web_payreqs(struct request *req)
{
	static const char *const heads[] = { "Demande", "Employeur", "Mois", "Montant", "État", NULL };
	json_t *list = NULL, *items = json_array(), *it, *data, *filters = json_object();
	const char *state = req_query(req, "etat");
	size_t i;
	tr_err err;

	if (state && vocab_label(&vocab_payreq_state, state))
		json_object_set_new(filters, "state", json_string(state));
	err = payreq_list(&req->ctx, filters, "oldest", query_page(req), PER_PAGE, &list);
	json_decref(filters);
	if (err != TR_OK) {
		json_decref(items);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it) json_array_append_new(
	    items, json_pack("{s:[o, o, o, o, o]}", "cells",
	               cell(web_text(it, "reference"), href_of(req, "/aides/demandes", it), NULL),
	               cell(web_text(it, "organisation_name"), NULL, NULL), cell(web_text(it, "month"), NULL, NULL),
	               cell(web_text(it, "amount"), NULL, NULL), cell(web_text(it, "state_label"), NULL, NULL)));
	data = page("Demandes de paiement",
	    "Les plus anciennes d'abord. Filtrez par état : ?etat=requested, approved, rejected, ordered ou paid.");
	nav_links(req, data, "/api/v1/payment-requests?per_page=500");
	json_array_append_new(json_object_get(data, "tables"),
	    table("Demandes de paiement", heads, items, "Aucune demande de paiement."));
	pager(req, data, list, "/aides/demandes");
	json_decref(list);
	web_page(req, 200, "subsidy.html", "Demandes de paiement", data);
}

static json_t *
action_forms(struct request *req, json_t *o, const char *prefix, const char *failed, json_t *sent)
{
	json_t *out = json_array(), *x;
	size_t i;

	json_array_foreach(json_object_get(o, "actions"), i, x)
	{
		const char *code = web_text(x, "action");
		const char *payload = web_opt_text(x, "payload");
		const struct entity *e = payload == NULL                                     ? NULL
		                         : strcmp(payload, entity_payreq_reason.name) == 0   ? &entity_payreq_reason
		                         : strcmp(payload, entity_recovery_repaid.name) == 0 ? &entity_recovery_repaid
		                         : strcmp(payload, entity_recovery_cancel.name) == 0 ? &entity_recovery_cancel
		                                                                             : NULL;
		bool is_failed = failed && strcmp(failed, code) == 0;
		json_array_append_new(out,
		    json_pack("{s:s, s:s, s:s, s:o, s:I, s:b}", "code", code, "label", web_text(x, "label"), "href",
		        arena_printf(req->arena, "%s/%lld/actions/%s", prefix, (long long)web_int(o, "id"), code),
		        "fields",
		        e ? web_action_fields(req, e, code, is_failed, is_failed ? sent : NULL, false) : json_array(),
		        "version", (json_int_t)web_int(o, "version"), "secondary",
		        strcmp(web_text(x, "tone"), "primary") != 0));
	}
	return out;
}

static void
payreq_page(struct request *req, int status, const char *failed, json_t *sent)
{
	json_t *r = NULL, *data, *rows;
	tr_err err = payreq_get(&req->ctx, req->params[0], &r);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	data = page(arena_printf(req->arena, "Demande de paiement %s", web_text(r, "reference")), "");
	nav_links(req, data, NULL);
	rows = json_object_get(data, "rows");
	row(rows, "Employeur", web_text(r, "organisation_name"));
	row(rows, "Dispositif", web_text(r, "programme_name"));
	row(rows, "Période",
	    arena_printf(req->arena, "du %s au %s", web_day_fr(req, web_text(r, "period_from")),
	        web_day_fr(req, web_text(r, "period_to"))));
	row(rows, "Heures rémunérées déclarées", arena_printf(req->arena, "%s h", web_text(r, "hours")));
	row(rows, "Montant", web_text(r, "amount"));
	row(rows, "État", web_text(r, "state_label"));
	if (web_opt_text(r, "rejection_reason"))
		row(rows, "Motif du rejet", web_text(r, "rejection_reason"));
	if (web_opt_text(r, "order_reference"))
		row(rows, "Ordre de paiement", web_text(r, "order_reference"));
	if (web_opt_text(r, "paid_on"))
		row(rows, "Payée le", web_day_fr(req, web_text(r, "paid_on")));
	row(rows, "Décision d'aide", arena_printf(req->arena, "n° %lld", (long long)web_int(r, "subject_id")));
	json_object_set_new(data, "actions", action_forms(req, r, "/aides/demandes", failed, sent));
	web_page(req, status, "subsidy.html", title_of(req, status, web_text(data, "heading")), data);
	json_decref(r);
}

void
web_payreq(struct request *req)
{
	payreq_page(req, 200, NULL, NULL);
}

void
web_payreq_act(struct request *req)
{
	json_t *payload = web_action_payload(req);
	tr_err err = payreq_act(&req->ctx, req->params[0], req->sparams[0], web_form_version(req), payload, NULL, NULL);

	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/aides/demandes/%lld", (long long)req->params[0]), "saved");
	else if (err == TR_INVALID)
		payreq_page(req, 422, req->sparams[0], payload);
	else
		resp_error(req, err, req->ctx.message);
	json_decref(payload);
}

/* ---- Recoveries ---- */

void
web_recoveries(struct request *req)
{
	static const char *const heads[] = { "Ordre de reversement", "Employeur", "Montant", "Motif", "État", NULL };
	json_t *list = NULL, *items = json_array(), *it, *data;
	size_t i;
	tr_err err = recovery_list(&req->ctx, NULL, "recent", query_page(req), PER_PAGE, &list);

	if (err != TR_OK) {
		json_decref(items);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it) json_array_append_new(
	    items, json_pack("{s:[o, o, o, o, o]}", "cells",
	               cell(web_text(it, "reference"), href_of(req, "/aides/reversements", it), NULL),
	               cell(web_text(it, "organisation_name"), NULL, NULL), cell(web_text(it, "amount"), NULL, NULL),
	               cell(web_text(it, "motive"), NULL, NULL), cell(web_text(it, "state_label"), NULL, NULL)));
	data = page("Ordres de reversement",
	    "Les sommes versées au-delà de l'aide due, réclamées aux employeurs et suivies jusqu'au reversement.");
	nav_links(req, data, "/api/v1/recoveries?per_page=500");
	json_array_append_new(json_object_get(data, "tables"),
	    table("Ordres de reversement", heads, items, "Aucun ordre de reversement."));
	pager(req, data, list, "/aides/reversements");
	json_decref(list);
	web_page(req, 200, "subsidy.html", "Ordres de reversement", data);
}

static void
recovery_page(struct request *req, int status, const char *failed, json_t *sent)
{
	json_t *v = NULL, *data, *rows;
	tr_err err = recovery_get(&req->ctx, req->params[0], &v);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	data = page(arena_printf(req->arena, "Ordre de reversement %s", web_text(v, "reference")), "");
	nav_links(req, data, NULL);
	rows = json_object_get(data, "rows");
	row(rows, "Employeur", web_text(v, "organisation_name"));
	row(rows, "Montant", web_text(v, "amount"));
	row(rows, "Motif", web_text(v, "motive"));
	row(rows, "État", web_text(v, "state_label"));
	if (web_opt_text(v, "repaid_on"))
		row(rows, "Reversé le", web_day_fr(req, web_text(v, "repaid_on")));
	if (web_opt_text(v, "cancel_reason"))
		row(rows, "Motif de l'annulation", web_text(v, "cancel_reason"));
	json_object_set_new(data, "actions", action_forms(req, v, "/aides/reversements", failed, sent));
	web_page(req, status, "subsidy.html", title_of(req, status, web_text(data, "heading")), data);
	json_decref(v);
}

void
web_recovery(struct request *req)
{
	recovery_page(req, 200, NULL, NULL);
}

void
web_recovery_act(struct request *req)
{
	json_t *payload = web_action_payload(req);
	tr_err err =
	    recovery_act(&req->ctx, req->params[0], req->sparams[0], web_form_version(req), payload, NULL, NULL);

	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/aides/reversements/%lld", (long long)req->params[0]), "saved");
	else if (err == TR_INVALID)
		recovery_page(req, 422, req->sparams[0], payload);
	else
		resp_error(req, err, req->ctx.message);
	json_decref(payload);
}

/* ---- Bank details ---- */

static void
bank_page(struct request *req, int status, json_t *failed)
{
	json_t *b = NULL, *data, *rows;
	tr_err err = bank_get(&req->ctx, req->params[0], &b);
	bool writer =
	    actor_in_org(req->ctx.actor, ROLE_EMPLOYER, req->params[0]) || actor_has(req->ctx.actor, ROLE_ADMIN);

	if (err != TR_OK && !(err == TR_NOT_FOUND && writer)) {
		json_decref(failed);
		resp_error(req, err, NULL);
		return;
	}
	req->ctx.message = NULL;
	data = page("Coordonnées bancaires",
	    "Visibles des seuls responsables de la structure, de l'organisme payeur et de la délégation nationale. "
	    "Chaque "
	    "changement est journalisé et annoncé par courriel à tous les responsables de la structure.");
	rows = json_object_get(data, "rows");
	if (b) {
		row(rows, "Structure", web_text(b, "organisation_name"));
		row(rows, "Titulaire", web_text(b, "holder"));
		row(rows, "IBAN", web_text(b, "iban"));
		row(rows, "BIC", web_text(b, "bic"));
		row(rows, "Modifiées par", web_text(b, "updated_by_name"));
	}
	if (writer) {
		json_t *form = web_form(req, &entity_bank_details, failed ? failed : b,
		    arena_printf(req->arena, "/aides/coordonnees-bancaires/%lld", (long long)req->params[0]),
		    "Enregistrer", NULL, NULL);
		json_object_set_new(form, "version", json_integer(b ? web_int(b, "version") : 0));
		json_object_set_new(form, "title",
		    json_string(b ? "Modifier les coordonnées bancaires" : "Enregistrer les coordonnées bancaires"));
		json_object_set_new(data, "form", form);
	}
	json_decref(failed);
	json_decref(b);
	web_page(req, status, "subsidy.html", title_of(req, status, "Coordonnées bancaires"), data);
}

void
web_bank(struct request *req)
{
	bank_page(req, 200, NULL);
}

void
web_bank_set(struct request *req)
{
	json_t *in = req_form_object(req, &entity_bank_details);
	tr_err err = bank_set(&req->ctx, req->params[0], web_form_version(req), in);

	if (err == TR_OK) {
		json_decref(in);
		web_done(req, arena_printf(req->arena, "/aides/coordonnees-bancaires/%lld", (long long)req->params[0]),
		    "saved");
	} else if (err == TR_INVALID) {
		bank_page(req, 422, in);
	} else {
		json_decref(in);
		resp_error(req, err, req->ctx.message);
	}
}

/* ---- The SMIC table and the rules ---- */

void
web_smic(struct request *req)
{
	static const char *const heads[] = { "Territoire", "En vigueur à partir du", "SMIC horaire brut", NULL };
	static const char *const rule_heads[] = { "Dispositif", "Règle", "Taux", "Total par poste", NULL };
	json_t *smic = NULL, *rules = NULL, *items = json_array(), *ritems = json_array(), *it, *data;
	size_t i;
	tr_err err = smic_list(&req->ctx, &smic);

	if (err == TR_OK)
		err = aid_rule_list(&req->ctx, &rules);
	if (err != TR_OK) {
		json_decref(smic);
		json_decref(items);
		json_decref(ritems);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(smic, "items"), i, it) json_array_append_new(
	    items, json_pack("{s:[o, o, o]}", "cells", cell(web_text(it, "territory_label"), NULL, NULL),
	               cell(web_day_fr(req, web_text(it, "valid_from")), NULL, NULL),
	               cell(web_text(it, "hourly"), NULL, NULL)));
	json_array_foreach(json_object_get(rules, "items"), i, it) json_array_append_new(
	    ritems, json_pack("{s:[o, o, o, o]}", "cells", cell(web_text(it, "programme_code"), NULL, NULL),
	                cell(web_text(it, "label"), NULL, NULL),
	                cell(web_int(it, "rate_bp") ? arena_printf(req->arena, "%s %%", web_text(it, "rate")) : "—",
	                    NULL, NULL),
	                cell(web_opt_text(it, "total") ? web_text(it, "total") : "—", NULL, NULL)));
	data =
	    page("SMIC et règles d'aide", "Le SMIC horaire brut par territoire et par date, et les règles d'aide de "
	                                  "chaque dispositif : des données que la délégation nationale tient à jour.");
	nav_links(req, data, NULL);
	json_array_append_new(
	    json_object_get(data, "tables"), table("SMIC horaire brut", heads, items, "Aucune valeur."));
	json_array_append_new(
	    json_object_get(data, "tables"), table("Règles d'aide", rule_heads, ritems, "Aucune règle."));
	json_decref(smic);
	json_decref(rules);
	web_page(req, 200, "subsidy.html", "SMIC et règles d'aide", data);
}
