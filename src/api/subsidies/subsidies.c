/* /api/v1 subsidies: the SMIC table and the aid rules, aid decisions and their schedules (each version), payment
 * requests and their actions, payment orders and their files for the paying agency, the ledger, recoveries,
 * bank details and budget envelopes. Lists take filters, a sort, paging, and format=csv or xlsx for what they
 * show. The domain decides who sees and does what. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/subsidies/subsidy.h"
#include "model/subsidies/subsidy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PER_PAGE_MAX 500

/* The list query: page, per_page, sort, format (csv, xlsx or JSON), and the filters of the list's table. */
struct list_q {
	int64_t page, per_page;
	const char *sort, *format;
	struct sub_filter f;
};

static const struct vocab_item format_items[] = { { "csv", "CSV" }, { "xlsx", "XLSX" } };
static const struct vocab format_vocab = { "format", format_items, ARRAY_LEN(format_items) };

#define LIST_PARAMS                                                                                                  \
	API_PARAM(struct list_q, page, AP_ID, .max = 1000000),                                                       \
	    API_PARAM(struct list_q, per_page, AP_ID, .max = PER_PAGE_MAX), API_PARAM(struct list_q, sort, AP_TEXT), \
	    API_PARAM(struct list_q, format, AP_CHOICE, .vocab = &format_vocab)
/* A filter of the list: member M of struct sub_filter. */
#define FILTER(m, k)                                                                                           \
	{                                                                                                      \
		.name = #m, .kind = (k), .offset = offsetof(struct list_q, f) + offsetof(struct sub_filter, m) \
	}

typedef tr_err (*list_fn)(
    struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out);

/* GET of a subsidies list: PARAMS read (LIST_PARAMS and its FILTERs), LIST's answer as JSON, or its items (the
 * first LIST_PER_PAGE_MAX) as the file NAME.csv or .xlsx of the columns COLS. */
static void
list_reply(struct request *req, const struct api_param *params, size_t nparams, list_fn list, const char *name,
    const char *sheet, const struct export_column *cols, size_t ncols)
{
	struct list_q q = { .page = 1, .per_page = LIST_PER_PAGE_DEFAULT };
	json_t *out = NULL;
	tr_err err;

	if (!api_query_params(req, params, nparams, &q))
		return;
	if (q.format) {
		q.page = 1;
		q.per_page = LIST_PER_PAGE_MAX;
	}
	err = list(&req->ctx, &q.f, q.sort, q.page, q.per_page, &out);
	if (err != TR_OK || q.format == NULL) {
		api_reply(req, err, 200, out);
		return;
	}
	json_t *items = json_incref(json_object_get(out, "items"));
	json_decref(out);
	api_send_table(req, name, sheet, cols, ncols, items, strcmp(q.format, "xlsx") == 0);
}

/* The lists paged only. */
struct page_q {
	int64_t page, per_page;
};
static const struct api_param page_params[] = {
	API_PARAM(struct page_q, page, AP_ID, .max = 1000000),
	API_PARAM(struct page_q, per_page, AP_ID, .max = PER_PAGE_MAX),
};

/* ---- SMIC and rules ---- */

void
api_smic_list(struct request *req)
{
	api_list(req, smic_list);
}

void
api_smic_save(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = smic_save(&req->ctx, in, &id);
	if (err == TR_OK)
		err = smic_list(&req->ctx, &out);
	if (err == TR_OK)
		json_object_set_new(out, "id", json_integer(id));
	api_reply(req, err, 200, out);
}

void
api_aid_rules(struct request *req)
{
	api_list(req, aid_rule_list);
}

void
api_aid_rule(struct request *req)
{
	api_get(req, aid_rule_get);
}

void
api_aid_rule_update(struct request *req)
{
	api_patch(req, NULL, aid_rule_update, aid_rule_get);
}

/* ---- Aid decisions ---- */

void
api_aid_decision_create(struct request *req)
{
	api_create_in(req, aid_decision_create, aid_decision_get, "/api/v1/aid-decisions");
}

static const struct export_column decision_columns[] = {
	{ "id", "Décision", EXPORT_INT },
	{ "contract_id", "Contrat", EXPORT_INT },
	{ "organisation_name", "Employeur", EXPORT_TEXT },
	{ "programme_name", "Dispositif", EXPORT_TEXT },
	{ "region_code", "Région", EXPORT_TEXT },
	{ "rate", "Taux (%)", EXPORT_TEXT },
	{ "weekly_hours", "Heures par semaine", EXPORT_TEXT },
	{ "aid_start", "Début de l'aide", EXPORT_DATE },
	{ "aid_end", "Fin de l'aide", EXPORT_DATE },
	{ "ended_on", "Rupture le", EXPORT_DATE },
	{ "schedule_version", "Version de l'échéancier", EXPORT_INT },
	{ "total_cents", "Total (centimes)", EXPORT_INT },
	{ "paid_cents", "Payé (centimes)", EXPORT_INT },
};

void
api_aid_decisions(struct request *req)
{
	static const struct api_param params[] = {
		LIST_PARAMS,
		FILTER(programme_id, AP_ID),
		FILTER(organisation_id, AP_ID),
		FILTER(region_code, AP_TEXT),
	};

	list_reply(req, params, ARRAY_LEN(params), aid_decision_list, "aides", "Aides", decision_columns,
	    ARRAY_LEN(decision_columns));
}

void
api_aid_decision(struct request *req)
{
	api_get(req, aid_decision_get);
}

void
api_aid_schedule_version(struct request *req)
{
	json_t *out = NULL;

	tr_err err = aid_schedule_version(&req->ctx, req->params[0], req->params[1], &out);

	api_reply(req, err, 200, out);
}

/* {version, …}: CHANGE, then the decision as it is now. */
static void
decision_change(struct request *req, tr_err (*change)(struct ctx *, int64_t, int64_t, json_t *))
{
	api_patch(req, NULL, change, aid_decision_get);
}

void
api_aid_decision_update(struct request *req)
{
	decision_change(req, aid_decision_update);
}

void
api_aid_period_add(struct request *req)
{
	decision_change(req, aid_period_add);
}

void
api_aid_decision_end(struct request *req)
{
	decision_change(req, aid_decision_end);
}

void
api_aid_commitments_unmet(struct request *req)
{
	decision_change(req, aid_commitments_unmet);
}

/* ---- Payment requests ---- */

void
api_payreq_create(struct request *req)
{
	api_create_in(req, payreq_create, payreq_get, "/api/v1/payment-requests");
}

static const struct export_column payreq_columns[] = {
	{ "reference", "Référence", EXPORT_TEXT },
	{ "organisation_siret", "SIRET", EXPORT_TEXT },
	{ "organisation_name", "Employeur", EXPORT_TEXT },
	{ "programme_name", "Dispositif", EXPORT_TEXT },
	{ "region_code", "Région", EXPORT_TEXT },
	{ "month", "Mois", EXPORT_TEXT },
	{ "amount_cents", "Montant (centimes)", EXPORT_INT },
	{ "state_label", "État", EXPORT_TEXT },
	{ "paid_on", "Payée le", EXPORT_DATE },
};

void
api_payreqs(struct request *req)
{
	static const struct api_param params[] = {
		LIST_PARAMS,
		FILTER(programme_id, AP_ID),
		FILTER(organisation_id, AP_ID),
		FILTER(decision_id, AP_ID),
		FILTER(region_code, AP_TEXT),
		FILTER(state, AP_TEXT),
	};

	list_reply(req, params, ARRAY_LEN(params), payreq_list, "demandes-de-paiement", "Demandes", payreq_columns,
	    ARRAY_LEN(payreq_columns));
}

void
api_payreq(struct request *req)
{
	api_get(req, payreq_get);
}

void
api_payreq_act(struct request *req)
{
	api_act(req, payreq_act, payreq_get, NULL);
}

/* ---- Payment orders and the ledger ---- */

void
api_payorder_create(struct request *req)
{
	json_t *in = api_body(req);
	json_t *p;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	p = json_object_get(in, "programme_id");
	if (!json_is_integer(p) || json_integer_value(p) < 1) {
		field_errors_add(&req->ctx.errors, "programme_id", "« Dispositif » est obligatoire.");
		api_error(req, TR_INVALID);
		return;
	}
	err = payorder_create(&req->ctx, json_integer_value(p), &id);
	api_created(req, err, id, payorder_get, "/api/v1/payment-orders");
}

static tr_err
run_payorder_list(struct ctx *ctx, const void *f, json_t **out)
{
	const struct page_q *q = f;

	return payorder_list(ctx, q->page, q->per_page, out);
}

void
api_payorders(struct request *req)
{
	struct page_q q = { .page = 1, .per_page = LIST_PER_PAGE_DEFAULT };

	api_list_query(req, page_params, ARRAY_LEN(page_params), &q, run_payorder_list);
}

void
api_payorder(struct request *req)
{
	api_get(req, payorder_get);
}

void
api_payorder_paid(struct request *req)
{
	api_patch(req, NULL, payorder_paid, payorder_get);
}

/* The paying agency's format of an order: one line per employer's request. */
static const struct export_column order_columns[] = {
	{ "siret", "SIRET", EXPORT_TEXT },
	{ "name", "Raison sociale", EXPORT_TEXT },
	{ "holder", "Titulaire du compte", EXPORT_TEXT },
	{ "iban", "IBAN", EXPORT_TEXT },
	{ "bic", "BIC", EXPORT_TEXT },
	{ "amount", "Montant (€)", EXPORT_TEXT },
	{ "reference", "Référence", EXPORT_TEXT },
	{ "period", "Période", EXPORT_TEXT },
	{ "programme", "Dispositif", EXPORT_TEXT },
};

static void
order_file(struct request *req, bool xlsx)
{
	json_t *out = NULL;
	tr_err err = payorder_lines(&req->ctx, req->params[0], &out);

	if (err != TR_OK) {
		api_reply(req, err, 200, out);
		return;
	}
	json_t *items = json_incref(json_object_get(out, "items"));
	json_decref(out);
	api_send_table(req, arena_printf(req->arena, "ordre-de-paiement-%lld", (long long)req->params[0]),
	    "Ordre de paiement", order_columns, ARRAY_LEN(order_columns), items, xlsx);
}

void
api_payorder_csv(struct request *req)
{
	order_file(req, false);
}

void
api_payorder_xlsx(struct request *req)
{
	order_file(req, true);
}

static const struct export_column ledger_columns[] = {
	{ "period_from", "Du", EXPORT_DATE },
	{ "period_to", "Au", EXPORT_DATE },
	{ "organisation_siret", "SIRET", EXPORT_TEXT },
	{ "organisation_name", "Employeur", EXPORT_TEXT },
	{ "programme", "Dispositif", EXPORT_TEXT },
	{ "region_code", "Région", EXPORT_TEXT },
	{ "kind", "Nature", EXPORT_TEXT },
	{ "amount_cents", "Montant (centimes)", EXPORT_INT },
	{ "request_reference", "Demande de paiement", EXPORT_TEXT },
	{ "paid_on", "Payé le", EXPORT_DATE },
	{ "recovery_reference", "Ordre de reversement", EXPORT_TEXT },
	{ "recovery_state", "État du reversement", EXPORT_TEXT },
};

/* The ledger has one order. */
static tr_err
ledger_sorted(
    struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out)
{
	(void)sort;
	return ledger_list(ctx, f, page, per_page, out);
}

void
api_ledger(struct request *req)
{
	static const struct api_param params[] = {
		LIST_PARAMS,
		FILTER(programme_id, AP_ID),
		FILTER(from, AP_TEXT),
		FILTER(to, AP_TEXT),
	};

	list_reply(req, params, ARRAY_LEN(params), ledger_sorted, "grand-livre", "Grand livre", ledger_columns,
	    ARRAY_LEN(ledger_columns));
}

/* ---- Recoveries ---- */

static const struct export_column recovery_columns[] = {
	{ "reference", "Référence", EXPORT_TEXT },
	{ "organisation_name", "Employeur", EXPORT_TEXT },
	{ "amount_cents", "Montant (centimes)", EXPORT_INT },
	{ "motive", "Motif", EXPORT_TEXT },
	{ "state_label", "État", EXPORT_TEXT },
	{ "repaid_on", "Reversé le", EXPORT_DATE },
};

void
api_recoveries(struct request *req)
{
	static const struct api_param params[] = {
		LIST_PARAMS,
		FILTER(organisation_id, AP_ID),
		FILTER(state, AP_TEXT),
	};

	list_reply(req, params, ARRAY_LEN(params), recovery_list, "reversements", "Reversements", recovery_columns,
	    ARRAY_LEN(recovery_columns));
}

void
api_recovery(struct request *req)
{
	api_get(req, recovery_get);
}

void
api_recovery_act(struct request *req)
{
	api_act(req, recovery_act, recovery_get, NULL);
}

/* ---- Bank details ---- */

void
api_bank_get(struct request *req)
{
	api_get(req, bank_get);
}

/* {version (0 for the first), holder, iban, bic}. */
void
api_bank_set(struct request *req)
{
	json_t *in = api_body(req), *out = NULL, *v;
	tr_err err;

	if (in == NULL)
		return;
	v = json_object_get(in, "version");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		field_errors_add(&req->ctx.errors, "version", "« version » doit être un entier positif ou nul.");
		api_error(req, TR_INVALID);
		return;
	}
	err = bank_set(&req->ctx, req->params[0], v ? json_integer_value(v) : 0, in);
	if (err == TR_OK)
		err = bank_get(&req->ctx, req->params[0], &out);
	api_reply(req, err, 200, out);
}

/* {programme_id}: the organisation (a payer) pays that programme. */
void
api_payer_programme_add(struct request *req)
{
	json_t *in = api_body(req), *p;

	if (in == NULL)
		return;
	p = json_object_get(in, "programme_id");
	if (!json_is_integer(p)) {
		field_errors_add(&req->ctx.errors, "programme_id", "« Dispositif » est obligatoire.");
		api_error(req, TR_INVALID);
		return;
	}
	api_reply(req, payer_programme_add(&req->ctx, req->params[0], json_integer_value(p)), 200,
	    json_pack("{s:I, s:I}", "organisation_id", (json_int_t)req->params[0], "programme_id",
	        (json_int_t)json_integer_value(p)));
}

/* ---- Budget envelopes ---- */

void
api_envelopes(struct request *req)
{
	int64_t programme = 0, year = 0;
	json_t *out = NULL;

	api_query_int(req, "programme_id", INT64_MAX, &programme);
	api_query_int(req, "year", 2100, &year);
	if (api_query_errors(req))
		return;
	tr_err err = envelope_list(&req->ctx, programme, year, &out);

	api_reply(req, err, 200, out);
}

/* {programme_id, year, region_code ("" or absent: national), commitments, payments}. */
void
api_envelope_set(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t programme, year;
	tr_err err;

	if (in == NULL)
		return;
	programme = json_is_integer(json_object_get(in, "programme_id"))
	                ? json_integer_value(json_object_get(in, "programme_id"))
	                : 0;
	year = json_is_integer(json_object_get(in, "year")) ? json_integer_value(json_object_get(in, "year")) : 0;
	if (programme < 1)
		field_errors_add(&req->ctx.errors, "programme_id", "« Dispositif » est obligatoire.");
	if (req->ctx.errors.n) {
		api_error(req, TR_INVALID);
		return;
	}
	err = envelope_set(&req->ctx, programme, year, json_string_value(json_object_get(in, "region_code")), in);
	if (err == TR_OK)
		err = envelope_list(&req->ctx, programme, year, &out);
	api_reply(req, err, 200, out);
}

/* ---- Conventions, posts, amendments ---- */

void
api_convention_create(struct request *req)
{
	api_create(req, convention_create, convention_get, "/api/v1/conventions");
}

static tr_err
run_convention_list(struct ctx *ctx, const void *f, json_t **out)
{
	const struct page_q *q = f;

	return convention_list(ctx, q->page, q->per_page, out);
}

void
api_conventions(struct request *req)
{
	struct page_q q = { .page = 1, .per_page = LIST_PER_PAGE_DEFAULT };

	api_list_query(req, page_params, ARRAY_LEN(page_params), &q, run_convention_list);
}

void
api_convention(struct request *req)
{
	api_get(req, convention_get);
}

/* {version, …}: the post's action; answers its convention. */
void
api_post_act(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t version = 0, conv = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = api_version(req, in, &version)
	          ? post_act(&req->ctx, req->params[0], req->sparams[0], version, in, NULL, NULL)
	          : TR_INVALID;
	if (err == TR_OK && (err = post_convention(&req->ctx, req->params[0], &conv)) == TR_OK)
		err = convention_get(&req->ctx, conv, &out);
	api_reply(req, err, 200, out);
}

void
api_post_payreq_create(struct request *req)
{
	api_create_in(req, payreq_create_post, payreq_get, "/api/v1/payment-requests");
}

void
api_amendment_create(struct request *req)
{
	api_create_in(req, amendment_create, amendment_get, "/api/v1/amendments");
}

void
api_amendment(struct request *req)
{
	api_get(req, amendment_get);
}

void
api_amendment_act(struct request *req)
{
	api_act(req, amendment_act, amendment_get, NULL);
}
