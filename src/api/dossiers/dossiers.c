/* /api/v1/dossiers: the protocole d'adhésion in JSON — lists, drafts, the workflow's actions, the journal,
 * the message thread and the protocol as a PDF. The domain decides who may do what. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/dossiers/dossier.h"
#include "model/programmes/programme.h"

static const struct api_param dossier_params[] = {
	API_PARAM(struct dossier_filter, programme_id, AP_ID),
	API_PARAM(struct dossier_filter, job_profile_id, AP_ID),
	API_PARAM(struct dossier_filter, page, AP_ID, .max = 100000),
	API_PARAM(struct dossier_filter, per_page, AP_ID, .max = DOSSIER_LIST_MAX),
	API_PARAM(struct dossier_filter, state, AP_CHOICE, .vocab = &vocab_dossier_state),
	API_PARAM(struct dossier_filter, region, AP_REGION),
};

static tr_err
run_list(struct ctx *ctx, const void *f, json_t **out)
{
	return dossier_list(ctx, f, out);
}

void
api_dossiers(struct request *req)
{
	struct dossier_filter f = { .page = 1, .per_page = 50 };

	api_list_query(req, dossier_params, sizeof(dossier_params) / sizeof(dossier_params[0]), &f, run_list);
}

/* Member NAME of IN as a positive integer in *OUT (0 when absent); a field error when it is something else. */
static void
body_id(struct request *req, json_t *in, const char *name, int64_t *out)
{
	json_t *v = json_object_get(in, name);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return;
	if (json_is_integer(v) && json_integer_value(v) > 0)
		*out = json_integer_value(v);
	else
		field_errors_add(&req->ctx.errors, name,
		    arena_printf(req->arena, "« %s » doit être l'identifiant (entier) d'un élément existant.", name));
}

void
api_dossier_create(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t programme_id, org_id, id = 0;
	tr_err err;

	if (in == NULL)
		return;
	body_id(req, in, "programme_id", &programme_id);
	body_id(req, in, "organisation_id", &org_id);
	if (req->ctx.errors.n > 0) {
		api_error(req, TR_INVALID);
		return;
	}
	err = dossier_create(&req->ctx, programme_id, org_id, in, &id);
	if (err == TR_OK)
		err = dossier_get(&req->ctx, id, &out);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/dossiers/%lld", (long long)id));
	api_reply(req, err, 201, out);
}

void
api_dossier(struct request *req)
{
	api_get(req, dossier_get);
}

void
api_dossier_update(struct request *req)
{
	api_patch(req, NULL, dossier_update, dossier_get);
}

void
api_dossier_act(struct request *req)
{
	api_act(req, dossier_act, dossier_get, NULL);
}

/* The journal, each entry's detail as the JSON object it was written as (the store keeps its text). */
void
api_dossier_journal(struct request *req)
{
	json_t *items = NULL, *e;
	size_t i;
	tr_err err = dossier_journal(&req->ctx, req->params[0], &items);

	json_array_foreach(items, i, e)
	{
		json_t *detail = json_object_get(e, "detail");
		json_t *parsed = json_is_string(detail) ? json_loads(json_string_value(detail), 0, NULL) : NULL;
		if (parsed != NULL)
			json_object_set_new(e, "detail", parsed);
	}
	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_dossier_messages(struct request *req)
{
	json_t *items = NULL;
	tr_err err = dossier_messages(&req->ctx, req->params[0], &items);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

/* 201 with the message as the thread shows it. */
void
api_dossier_message_add(struct request *req)
{
	json_t *in = api_body(req), *items = NULL, *out = NULL, *m;
	int64_t id = 0;
	size_t i;
	tr_err err;

	if (in == NULL)
		return;
	err = dossier_message_add(&req->ctx, req->params[0], in, &id);
	if (err == TR_OK)
		err = dossier_messages(&req->ctx, req->params[0], &items);
	json_array_foreach(items, i, m) if (json_integer_value(json_object_get(m, "id")) == id) out = json_incref(m);
	json_decref(items);
	if (err == TR_OK && out == NULL)
		out = json_pack("{s:I}", "id", (json_int_t)id);
	if (err == TR_OK)
		resp_header(req, "location",
		    arena_printf(req->arena, "/api/v1/dossiers/%lld/messages", (long long)req->params[0]));
	api_reply(req, err, 201, out);
}

void
api_dossier_protocol(struct request *req)
{
	tr_err err;

	buf_reset(&req->body);
	if ((err = dossier_protocol_pdf(&req->ctx, req->params[0], &req->body)) != TR_OK) {
		buf_reset(&req->body);
		api_error(req, err);
		return;
	}
	req->status = 200;
	req->content_type_out = "application/pdf";
	resp_header(req, "content-disposition",
	    arena_printf(req->arena, "inline; filename=\"protocole-%lld.pdf\"", (long long)req->params[0]));
}
