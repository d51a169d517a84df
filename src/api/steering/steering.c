/* The steering figures as JSON (/api/v1/steering/…): the indicators' table, every figure or one, with the same
 * scope rules as the pages; the annual reports (list, generate, PDF). */
#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/steering/annual_report.h"
#include "domain/steering/steering.h"

/* The figures' query (programme, from, to, region) into *Q, checked into *ERR; false after answering 422. */
static bool
query_of(struct request *req, struct steer_query *q, tr_err *err)
{
	int64_t id = 0;

	memset(q, 0, sizeof(*q));
	api_query_int(req, "programme", INT64_MAX, &id);
	q->programme_id = id;
	q->from = req_query(req, "from");
	q->to = req_query(req, "to");
	q->region = req_query(req, "region");
	if (api_query_errors(req))
		return false;
	*err = steer_query_check(&req->ctx, q);
	return true;
}

void
api_steering_indicators(struct request *req)
{
	json_t *items = json_array();
	tr_err err = authz_require(&req->ctx, STEER_ROLES);

	for (size_t i = 0; err == TR_OK && i < steer_indicators_count; i++) {
		const struct indicator *ind = &steer_indicators[i];
		json_t *cols = json_array();
		for (size_t m = 0; m < 3 && ind->columns[m]; m++)
			json_array_append_new(cols, json_string(ind->columns[m]));
		json_array_append_new(items,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", ind->id, "section", ind->section, "title",
		        ind->title, "note", ind->note, "chart", ind->chart == STEER_LINE ? "line" : "bars", "key_label",
		        ind->key_label, "columns", cols));
	}
	if (err != TR_OK) {
		json_decref(items);
		items = NULL;
	}
	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_steering_figures(struct request *req)
{
	struct steer_query q;
	json_t *out = NULL;
	tr_err err;

	if (!query_of(req, &q, &err))
		return;
	if (err == TR_OK)
		err = steer_dashboard(&req->ctx, &q, &out);
	api_reply(req, err, 200, out);
}

void
api_steering_figure(struct request *req)
{
	const struct indicator *ind = steer_indicator(req->sparams[0]);
	struct steer_query q;
	json_t *out = NULL;
	tr_err err;

	if (!query_of(req, &q, &err))
		return;
	if (err == TR_OK && ind == NULL)
		err = ctx_fail(&req->ctx, TR_NOT_FOUND, "Cet indicateur n'existe pas.");
	if (err == TR_OK)
		err = steer_figure(&req->ctx, &q, ind, &out);
	api_reply(req, err, 200, out);
}

void
api_steering_reports(struct request *req)
{
	int64_t programme = 0;
	json_t *out = NULL;
	tr_err err;

	api_query_int(req, "programme", INT64_MAX, &programme);
	if (api_query_errors(req))
		return;
	err = annual_report_list(&req->ctx, programme, req_page(req), &out);
	api_reply(req, err, 200, out);
}

void
api_steering_report_create(struct request *req)
{
	json_t *in = api_body(req), *meta = NULL;
	struct buf pdf = BUF_INIT(0);
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = annual_report_generate(&req->ctx, json_integer_value(json_object_get(in, "programme_id")),
	    json_integer_value(json_object_get(in, "year")), json_string_value(json_object_get(in, "region")), &id);
	if (err == TR_OK)
		err = annual_report_get(&req->ctx, id, &meta, &pdf);
	buf_free(&pdf);
	if (err == TR_OK)
		resp_header(
		    req, "location", arena_printf(req->arena, "/api/v1/steering/reports/%lld/pdf", (long long)id));
	api_reply(req, err, 201, meta);
}

void
api_steering_report_pdf(struct request *req)
{
	json_t *meta = NULL;
	tr_err err;

	buf_reset(&req->body);
	err = annual_report_get(&req->ctx, req->params[0], &meta, &req->body);
	if (err != TR_OK) {
		buf_reset(&req->body);
		api_error(req, err);
		return;
	}
	req->status = 200;
	req->content_type_out = "application/pdf";
	resp_header(
	    req, "x-content-sha256", arena_strdup(req->arena, json_string_value(json_object_get(meta, "sha256"))));
	json_decref(meta);
}
