/* /api/v1/activity: activity reports one by one, in NDJSON batches (idempotent), as CSV, their changes with a
 * cursor, the statistics, the vocabularies and settings, the advisers without a report, the mediators. */
#include "api/activity/activity.h"

#include <string.h>

#include "api/api.h"
#include "core/arena.h"
#include "domain/activity/activity.h"
#include "domain/activity/activity_stats.h"

#define EXPORT_MAX (64u << 20)

static int64_t
query_id(struct request *req, const char *name)
{
	struct str v = form_get(&req->query, name);
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) && n > 0 ? n : 0;
}

void
api_activity_create(struct request *req)
{
	api_create(req, activity_create, activity_get, "/api/v1/activity/reports");
}

void
api_activity_list(struct request *req)
{
	struct activity_filter f = {
		.from = req_query(req, "from"), .to = req_query(req, "to"), .mine = api_query_flag(req, "mine")
	};
	json_t *out = NULL;

	f.adviser_id = query_id(req, "adviser_id");
	f.organisation_id = query_id(req, "organisation_id");
	api_query_int(req, "page", 1000000, &f.page);
	api_query_int(req, "per_page", 10000, &f.per_page);
	if (api_query_errors(req))
		return;
	tr_err err = activity_list(&req->ctx, &f, &out);

	api_reply(req, err, 200, out);
}

void
api_activity_get(struct request *req)
{
	api_get(req, activity_get);
}

void
api_activity_update(struct request *req)
{
	api_patch(req, activity_get, activity_update, activity_get);
}

void
api_activity_delete(struct request *req)
{
	int64_t version = 0;
	tr_err err;

	api_query_int(req, "version", INT64_MAX, &version);
	if (version == 0 && req->json)
		(void)api_version(req, req->json, &version);
	if (version == 0 && req->ctx.errors.n == 0)
		field_errors_add(&req->ctx.errors, "version",
		    "« version » est obligatoire : la version du compte rendu que vous avez lue.");
	if (api_query_errors(req))
		return;
	err = activity_delete(&req->ctx, req->params[0], version);
	if (err != TR_OK) {
		api_error(req, err);
		return;
	}
	req->status = 204;
}

/* The answer of a batch: 200 with its summary, or 422 naming each rejected line (problem+json). */
static void
batch_reply(struct request *req, tr_err err, json_t *out)
{
	if (err == TR_INVALID && out != NULL) {
		json_object_set_new(out, "type", json_string("about:blank"));
		json_object_set_new(out, "title", json_string("Lot refusé"));
		json_object_set_new(out, "status", json_integer(422));
		json_object_set_new(out, "detail", json_string(req->ctx.message ? req->ctx.message : "Lot refusé."));
		resp_json(req, 422, out);
		req->content_type_out = "application/problem+json; charset=utf-8";
		return;
	}
	api_reply(req, err, 200, out);
}

static bool
raw_body(struct request *req, const char *type)
{
	if (req->raw_body.p == NULL) {
		resp_problem(
		    req, 415, "Type de contenu non accepté", arena_printf(req->arena, "Envoyez le lot en %s.", type));
		return false;
	}
	return true;
}

void
api_activity_batch(struct request *req)
{
	json_t *out = NULL;
	tr_err err;

	if (!raw_body(req, "NDJSON (Content-Type: application/x-ndjson), un compte rendu par ligne"))
		return;
	err = activity_ingest(&req->ctx, "api", req->raw_body.p, req->raw_body.n, api_query_flag(req, "partial"), &out);
	batch_reply(req, err, out);
}

void
api_activity_import_csv(struct request *req)
{
	json_t *out = NULL;
	tr_err err;

	if (!raw_body(req, "CSV (Content-Type: text/csv)"))
		return;
	err = activity_import_csv(&req->ctx, req->raw_body.p, req->raw_body.n, api_query_flag(req, "partial"), &out);
	batch_reply(req, err, out);
}

void
api_activity_export_csv(struct request *req)
{
	tr_err err;

	req->body.max = EXPORT_MAX;
	buf_reset(&req->body);
	err = activity_export_csv(&req->ctx, &req->body);
	if (err != TR_OK) {
		buf_reset(&req->body);
		api_error(req, err);
		return;
	}
	req->status = 200;
	req->content_type_out = "text/csv; charset=utf-8";
	resp_header(req, "content-disposition", "attachment; filename=\"comptes-rendus.csv\"");
}

void
api_activity_changes(struct request *req)
{
	int64_t limit = 1000;
	json_t *out = NULL;

	api_query_int(req, "limit", 10000, &limit);
	if (api_query_errors(req))
		return;
	tr_err err = activity_changes(&req->ctx, req_query(req, "cursor"), limit, &out);

	api_reply(req, err, 200, out);
}

void
api_activity_verify(struct request *req)
{
	json_t *out = NULL;

	tr_err err = activity_verify(&req->ctx, &out);

	api_reply(req, err, 200, out);
}

void
api_activity_stats(struct request *req)
{
	struct activity_query q = { .level = req_query(req, "level"),
		.code = req_query(req, "code"),
		.side = req_query(req, "side"),
		.from = req_query(req, "from"),
		.to = req_query(req, "to"),
		.curve = req_query(req, "curve") };
	json_t *out = NULL;

	q.id = query_id(req, "id");
	tr_err err = activity_stats(&req->ctx, &q, &out);

	api_reply(req, err, 200, out);
}

void
api_activity_vocab(struct request *req)
{
	json_t *out = NULL;

	tr_err err = activity_vocab_list(&req->ctx, &out);

	api_reply(req, err, 200, out);
}

void
api_activity_vocab_put(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	tr_err err;

	if (in == NULL)
		return;
	err = activity_vocab_put(&req->ctx, req->sparams[0], req->sparams[1], in);
	if (err == TR_OK)
		err = activity_vocab_list(&req->ctx, &out);
	api_reply(req, err, 200, out);
}

void
api_activity_vocab_retire(struct request *req)
{
	json_t *in = req->json, *out = NULL;
	json_t *remove = in ? json_object_get(in, "remove") : NULL;
	tr_err err = activity_vocab_retire(&req->ctx, req->sparams[0], req->sparams[1],
	    in ? json_string_value(json_object_get(in, "valid_to")) : NULL, json_is_true(remove));

	if (err == TR_OK)
		err = activity_vocab_list(&req->ctx, &out);
	api_reply(req, err, 200, out);
}

void
api_activity_settings(struct request *req)
{
	json_t *out = NULL;

	tr_err err = activity_settings(&req->ctx, &out);

	api_reply(req, err, 200, out);
}

void
api_activity_settings_put(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	tr_err err;

	if (in == NULL)
		return;
	err = activity_settings_put(&req->ctx, in);
	if (err == TR_OK)
		err = activity_settings(&req->ctx, &out);
	api_reply(req, err, 200, out);
}

void
api_activity_silent(struct request *req)
{
	json_t *out = NULL;

	tr_err err = activity_silent(&req->ctx, &out);

	api_reply(req, err, 200, out);
}

void
api_activity_mediator(struct request *req)
{
	json_t *in = api_body(req);
	json_t *person, *on;
	tr_err err;

	if (in == NULL)
		return;
	if ((err = activity_mediator_allowed(&req->ctx, req->params[0])) != TR_OK) {
		api_error(req, err);
		return;
	}
	person = json_object_get(in, "person_id");
	on = json_object_get(in, "mediator");
	if (!json_is_integer(person))
		field_errors_add(&req->ctx.errors, "person_id", "« person_id » est obligatoire (un identifiant).");
	if (on && !json_is_boolean(on))
		field_errors_add(&req->ctx.errors, "mediator", "« mediator » : true ou false.");
	if (req->ctx.errors.n) {
		api_error(req, TR_INVALID);
		return;
	}
	err = activity_mediator_set(
	    &req->ctx, req->params[0], json_integer_value(person), on == NULL || json_is_true(on));
	api_reply(req, err, 200,
	    err == TR_OK ? json_pack("{s:I, s:b}", "person_id", json_integer_value(person), "mediator",
	                       on == NULL || json_is_true(on))
	                 : NULL);
}
