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
	json_array_append_new(l, link("/aides/conventions", "Conventions"));
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

/* A list page: its table of LIST's rows (filtered by FILTERS, sorted by SORT, a page of PER_PAGE), each row's
 * cells from CELLS, under the heading and lead, with the links to the API's CSV and XLSX of API. */
struct list_page {
	tr_err (*list)(struct ctx *, const struct sub_filter *, const char *, int64_t, int64_t, json_t **);
	const char *sort, *heading, *lead, *api, *caption, *empty, *path;
	const char *const *heads;
	json_t *(*cells)(struct request *req, json_t *it);
};

static void
list_page(struct request *req, const struct list_page *lp, const struct sub_filter *filters)
{
	json_t *list = NULL, *items = json_array(), *it, *data;
	size_t i;
	tr_err err = lp->list(&req->ctx, filters, lp->sort, query_page(req), PER_PAGE, &list);

	if (err != TR_OK) {
		json_decref(items);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	    json_array_append_new(items, json_pack("{s:o}", "cells", lp->cells(req, it)));
	data = page(lp->heading, lp->lead);
	nav_links(req, data, lp->api);
	json_array_append_new(json_object_get(data, "tables"), table(lp->caption, lp->heads, items, lp->empty));
	pager(req, data, list, lp->path);
	json_decref(list);
	web_page(req, 200, "subsidy.html", lp->heading, data);
}

/* The list pages, in one table below (their rows' cells come first). */
enum { LP_DECISIONS, LP_PAYREQS, LP_RECOVERIES, LP_COUNT };
static const struct list_page list_pages[LP_COUNT];

/* ---- Aid decisions ---- */

static json_t *
decision_cells(struct request *req, json_t *it)
{
	return json_pack("[o, o, o, o, o, o, o]",
	    cell(arena_printf(req->arena, "Aide n° %lld", (long long)web_int(it, "id")), href_of(req, "/aides", it),
	        arena_printf(req->arena, "contrat n° %lld", (long long)web_int(it, "contract_id"))),
	    cell(web_text(it, "organisation_name"), NULL, NULL), cell(web_text(it, "programme_name"), NULL, NULL),
	    cell(arena_printf(req->arena, "du %s au %s", web_day_fr(req, web_text(it, "aid_start")),
	             web_day_fr(req, web_text(it, "aid_end"))),
	        NULL,
	        web_opt_text(it, "ended_on")
	            ? arena_printf(req->arena, "rompu le %s", web_day_fr(req, web_text(it, "ended_on")))
	            : NULL),
	    cell(arena_printf(req->arena, "%s %%", web_text(it, "rate")), NULL, NULL),
	    cell(euros(req, it, "total_cents"), NULL,
	        arena_printf(req->arena, "version %lld", (long long)web_int(it, "schedule_version"))),
	    cell(euros(req, it, "paid_cents"), NULL, NULL));
}

void
web_aid_decisions(struct request *req)
{

	list_page(req, &list_pages[LP_DECISIONS], &(struct sub_filter){ 0 });
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
	json_t *d = NULL, *data, *rows, *rq = NULL, *items, *x;
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
	items = json_array();
	if (payreq_list(&req->ctx, &(struct sub_filter){ .decision_id = web_int(d, "id") }, "oldest", 1,
	        LIST_PER_PAGE_MAX, &rq) == TR_OK)
		json_array_foreach(json_object_get(rq, "items"), i, x) json_array_append_new(
		    items, json_pack("{s:[o, o, o, o]}", "cells",
		               cell(web_text(x, "reference"), href_of(req, "/aides/demandes", x), NULL),
		               cell(web_text(x, "month"), NULL, NULL), cell(web_text(x, "amount"), NULL, NULL),
		               cell(web_text(x, "state_label"), NULL, NULL)));
	json_decref(rq);
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
		web_done_id(req, arena_printf(req->arena, "/aides/demandes/%lld", (long long)id), "payreq_created", id);
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

static json_t *
payreq_cells(struct request *req, json_t *it)
{
	return json_pack("[o, o, o, o, o]", cell(web_text(it, "reference"), href_of(req, "/aides/demandes", it), NULL),
	    cell(web_text(it, "organisation_name"), NULL, NULL), cell(web_text(it, "month"), NULL, NULL),
	    cell(web_text(it, "amount"), NULL, NULL), cell(web_text(it, "state_label"), NULL, NULL));
}

void
web_payreqs(struct request *req)
{
	struct sub_filter f = { 0 };
	const char *state = req_query(req, "etat");

	if (state && vocab_label(&vocab_payreq_state, state))
		f.state = state;
	list_page(req, &list_pages[LP_PAYREQS], &f);
}

/* ---- Records with a lifecycle (web/lifecycle.c): payment requests, recoveries, posts, amendments ---- */

/* The members of subsidy_record.html besides the lifecycle's: the links, ROWS's description of R, no table. */
/* A record page of the subsidies (a payment request, a recovery order, a post, an amendment): its rows, its heading
 * (web_fields of the record), and a link back to its convention for those that belong to one. */
struct record_page {
	void (*rows)(struct request *req, json_t *r, json_t *rows);
	const char *heading;
	bool of_convention;
};

static const char *
record_fill(struct request *req, const struct web_lifecycle *lc, json_t *r, json_t *data)
{
	const struct record_page *page = lc->page;

	json_object_set_new(data, "lead", json_string(""));
	json_object_set_new(data, "links", json_array());
	json_object_set_new(data, "rows", json_array());
	json_object_set_new(data, "tables", json_array());
	nav_links(req, data, NULL);
	page->rows(req, r, json_object_get(data, "rows"));
	if (page->of_convention)
		json_array_append_new(json_object_get(data, "links"),
		    link(arena_printf(req->arena, "/aides/conventions/%lld", (long long)web_int(r, "convention_id")),
		        "Voir la convention"));
	return web_fields(req, page->heading, r);
}

static void
payreq_rows(struct request *req, json_t *r, json_t *rows)
{
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
}

const struct web_lifecycle web_payreq_page = {
	.wf = &payreq_workflow,
	.path = "/aides/demandes",
	.list_label = "Demandes de paiement",
	.created_path = "/aides/demandes",
	.template = "subsidy_record.html",
	.conflict_note = "La demande est affichée telle qu'elle est maintenant.",
	.get = payreq_get,
	.act = payreq_act,
	.fill = record_fill,
	.page = &(const struct record_page){ payreq_rows, "Demande de paiement {reference}", false },
};

/* ---- Recoveries ---- */

static json_t *
recovery_cells(struct request *req, json_t *it)
{
	return json_pack("[o, o, o, o, o]",
	    cell(web_text(it, "reference"), href_of(req, "/aides/reversements", it), NULL),
	    cell(web_text(it, "organisation_name"), NULL, NULL), cell(web_text(it, "amount"), NULL, NULL),
	    cell(web_text(it, "motive"), NULL, NULL), cell(web_text(it, "state_label"), NULL, NULL));
}

static const struct list_page list_pages[LP_COUNT] = {
	[LP_DECISIONS] = {
		.list = aid_decision_list,
		.sort = "recent",
		.heading = "Aides aux employeurs",
		.lead = "Les aides des contrats que vous suivez : chaque échéancier est calculé mois par mois sur le "
		        "SMIC, au centime, et chaque ligne dit comment elle a été calculée.",
		.api = "/api/v1/aid-decisions?per_page=500",
		.caption = "Décisions d'aide",
		.empty = "Aucune décision d'aide ne vous concerne pour l'instant.",
		.path = "/aides",
		.heads = (const char *const[]){ "Décision", "Employeur", "Dispositif", "Période d'aide", "Taux", "Total",
		"Payé", NULL },
		.cells = decision_cells,
	},
	[LP_PAYREQS] = {
		.list = payreq_list,
		.sort = "oldest",
		.heading = "Demandes de paiement",
		.lead =
		    "Les plus anciennes d'abord. Filtrez par état : ?etat=requested, approved, rejected, ordered ou "
		    "paid.",
		.api = "/api/v1/payment-requests?per_page=500",
		.caption = "Demandes de paiement",
		.empty = "Aucune demande de paiement.",
		.path = "/aides/demandes",
		.heads = (const char *const[]){ "Demande", "Employeur", "Mois", "Montant", "État", NULL },
		.cells = payreq_cells,
	},
	[LP_RECOVERIES] = {
		.list = recovery_list,
		.sort = "recent",
		.heading = "Ordres de reversement",
		.lead = "Les sommes versées au-delà de l'aide due, réclamées aux employeurs et suivies jusqu'au "
		        "reversement.",
		.api = "/api/v1/recoveries?per_page=500",
		.caption = "Ordres de reversement",
		.empty = "Aucun ordre de reversement.",
		.path = "/aides/reversements",
		.heads = (const char *const[]){ "Ordre de reversement", "Employeur", "Montant", "Motif", "État", NULL },
		.cells = recovery_cells,
	},
};

void
web_recoveries(struct request *req)
{

	list_page(req, &list_pages[LP_RECOVERIES], &(struct sub_filter){ 0 });
}

static void
recovery_rows(struct request *req, json_t *v, json_t *rows)
{
	row(rows, "Employeur", web_text(v, "organisation_name"));
	row(rows, "Montant", web_text(v, "amount"));
	row(rows, "Motif", web_text(v, "motive"));
	row(rows, "État", web_text(v, "state_label"));
	if (web_opt_text(v, "repaid_on"))
		row(rows, "Reversé le", web_day_fr(req, web_text(v, "repaid_on")));
	if (web_opt_text(v, "cancel_reason"))
		row(rows, "Motif de l'annulation", web_text(v, "cancel_reason"));
}

const struct web_lifecycle web_recovery_page = {
	.wf = &recovery_workflow,
	.path = "/aides/reversements",
	.list_label = "Reversements",
	.created_path = "/aides/reversements",
	.template = "subsidy_record.html",
	.conflict_note = "L'ordre de reversement est affiché tel qu'il est maintenant.",
	.get = recovery_get,
	.act = recovery_act,
	.fill = record_fill,
	.page = &(const struct record_page){ recovery_rows, "Ordre de reversement {reference}", false },
};

/* ---- Conventions, their posts and amendments (the lump sums) ---- */

static const char *
posts_text(struct request *req, int64_t n)
{
	return arena_printf(req->arena, n > 1 ? "%lld postes" : "%lld poste", (long long)n);
}

static json_t *
convention_cells(struct request *req, json_t *it)
{
	return json_pack("[o, o, o, o, o]",
	    cell(web_text(it, "reference"), href_of(req, "/aides/conventions", it), NULL),
	    cell(web_text(it, "organisation_name"), NULL, NULL), cell(web_text(it, "programme_name"), NULL, NULL),
	    cell(posts_text(req, web_int(it, "posts_granted")), NULL, NULL),
	    cell(web_day_fr(req, web_text(it, "signed_on")), NULL, NULL));
}

void
web_conventions(struct request *req)
{
	static const char *const heads[] = { "Convention", "Employeur", "Dispositif", "Postes accordés", "Signée le",
		NULL };
	json_t *list = NULL, *items = json_array(), *it, *data;
	size_t i;
	tr_err err = convention_list(&req->ctx, query_page(req), PER_PAGE, &list);

	if (err != TR_OK) {
		json_decref(items);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	    json_array_append_new(items, json_pack("{s:o}", "cells", convention_cells(req, it)));
	data = page("Conventions de subvention",
	    "Chaque convention accorde des postes à un employeur ; chaque poste porte une somme forfaitaire versée par "
	    "échéances, et un avenant change le nombre de postes.");
	nav_links(req, data, "/api/v1/conventions?per_page=500");
	json_array_append_new(json_object_get(data, "tables"),
	    table("Conventions", heads, items, "Aucune convention ne vous concerne pour l'instant."));
	pager(req, data, list, "/aides/conventions");
	json_decref(list);
	web_page(req, 200, "subsidy.html", "Conventions de subvention", data);
}

static void
convention_page(struct request *req, int status, json_t *failed_form)
{
	static const char *const post_heads[] = { "Poste", "Titulaire", "Depuis le", "Total de l'échéancier", "État",
		NULL };
	static const char *const am_heads[] = { "Avenant", "Postes", "Motif", "État", NULL };
	json_t *c = NULL, *data, *rows, *items, *x;
	size_t i;
	tr_err err = convention_get(&req->ctx, req->params[0], &c);

	if (err != TR_OK) {
		json_decref(failed_form);
		resp_error(req, err, NULL);
		return;
	}
	data = page(
	    arena_printf(req->arena, "Convention %s — %s", web_text(c, "reference"), web_text(c, "organisation_name")),
	    "");
	nav_links(req, data, NULL);
	rows = json_object_get(data, "rows");
	row(rows, "Dispositif", web_text(c, "programme_name"));
	row(rows, "Règle", web_text(c, "rule_label"));
	row(rows, "Majoration", web_opt_text(c, "bonus_label"));
	row(rows, "Postes accordés", posts_text(req, web_int(c, "posts_granted")));
	row(rows, "Signée le", web_day_fr(req, web_text(c, "signed_on")));
	items = json_array();
	json_array_foreach(json_object_get(c, "posts"), i, x) json_array_append_new(items,
	    json_pack("{s:[o, o, o, o, o]}", "cells",
	        cell(arena_printf(req->arena, "Poste n° %lld", (long long)web_int(x, "seq")),
	            href_of(req, "/aides/postes", x), NULL),
	        cell(web_opt_text(x, "holder_name") ? web_text(x, "holder_name") : "—", NULL, NULL),
	        cell(web_opt_text(x, "started_on") ? web_day_fr(req, web_text(x, "started_on")) : "—", NULL, NULL),
	        cell(web_text(x, "total"), NULL, NULL), cell(web_text(x, "state_label"), NULL, NULL)));
	json_array_append_new(json_object_get(data, "tables"), table("Postes", post_heads, items, "Aucun poste."));
	items = json_array();
	json_array_foreach(json_object_get(c, "amendments"), i, x) json_array_append_new(
	    items, json_pack("{s:[o, o, o, o]}", "cells",
	               cell(arena_printf(req->arena, "Avenant n° %lld", (long long)web_int(x, "id")),
	                   href_of(req, "/aides/avenants", x), NULL),
	               cell(arena_printf(req->arena, "%+lld", (long long)web_int(x, "posts_delta")), NULL, NULL),
	               cell(web_text(x, "motive"), NULL, NULL),
	               cell(vocab_label(&vocab_amendment_state, web_text(x, "state")), NULL, NULL)));
	json_array_append_new(json_object_get(data, "tables"), table("Avenants", am_heads, items, "Aucun avenant."));
	if (actor_in_org(req->ctx.actor, ROLE_EMPLOYER, web_int(c, "organisation_id"))) {
		json_t *form = web_form(req, &entity_amendment, failed_form,
		    arena_printf(req->arena, "/aides/conventions/%lld/avenants", (long long)web_int(c, "id")),
		    "Demander l'avenant", NULL, NULL);
		json_object_set_new(form, "title", json_string("Demander un avenant"));
		json_object_set_new(data, "form", form);
	}
	json_decref(failed_form);
	web_page(req, status, "subsidy.html", title_of(req, status, web_text(data, "heading")), data);
	json_decref(c);
}

void
web_convention(struct request *req)
{
	convention_page(req, 200, NULL);
}

void
web_amendment_create(struct request *req)
{
	json_t *in = req_form_object(req, &entity_amendment);
	int64_t id = 0;
	tr_err err = amendment_create(&req->ctx, req->params[0], in, &id);

	if (err == TR_OK) {
		json_decref(in);
		web_done_id(
		    req, arena_printf(req->arena, "/aides/avenants/%lld", (long long)id), "amendment_created", id);
	} else if (err == TR_INVALID) {
		convention_page(req, 422, in);
	} else {
		json_decref(in);
		resp_error(req, err, req->ctx.message);
	}
}

static void
post_rows(struct request *req, json_t *p, json_t *rows)
{
	row(rows, "Convention", web_text(p, "convention_reference"));
	row(rows, "État", web_text(p, "state_label"));
	row(rows, "Titulaire", web_opt_text(p, "holder_name"));
	if (web_opt_text(p, "started_on"))
		row(rows, "Pourvu le", web_day_fr(req, web_text(p, "started_on")));
	if (web_opt_text(p, "vacant_since"))
		row(rows, "Vacant depuis le", web_day_fr(req, web_text(p, "vacant_since")));
	if (web_opt_text(p, "returned_on"))
		row(rows, "Rendu le", web_day_fr(req, web_text(p, "returned_on")));
}

const struct web_lifecycle web_post_page = {
	.wf = &post_workflow,
	.path = "/aides/postes",
	.list_label = "Conventions",
	.created_path = "/aides/postes",
	.template = "subsidy_record.html",
	.conflict_note = "Le poste est affiché tel qu'il est maintenant.",
	.get = post_get,
	.act = post_act,
	.fill = record_fill,
	.page =
	    &(const struct record_page){ post_rows, "Poste n° {seq} de la convention {convention_reference}", true },
};

static void
amendment_rows(struct request *req, json_t *a, json_t *rows)
{
	row(rows, "Convention", web_text(a, "convention_reference"));
	row(rows, "Postes", arena_printf(req->arena, "%+lld", (long long)web_int(a, "posts_delta")));
	row(rows, "Motif", web_text(a, "motive"));
	row(rows, "État", web_text(a, "state_label"));
	if (web_opt_text(a, "opinion_comment"))
		row(rows, "Avis régional", web_text(a, "opinion_comment"));
	if (web_opt_text(a, "decision_reason"))
		row(rows, "Motif de la décision", web_text(a, "decision_reason"));
}

const struct web_lifecycle web_amendment_page = {
	.wf = &amendment_workflow,
	.path = "/aides/avenants",
	.list_label = "Conventions",
	.created_path = "/aides/avenants",
	.template = "subsidy_record.html",
	.conflict_note = "L'avenant est affiché tel qu'il est maintenant.",
	.get = amendment_get,
	.act = amendment_act,
	.fill = record_fill,
	.page = &(
	    const struct record_page){ amendment_rows, "Avenant n° {id} à la convention {convention_reference}", true },
};

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
		    "bank_saved");
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
