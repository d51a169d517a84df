/* /api/v1 training: the paths of contracts and their modules, training sessions with their registrations and
 * attendance, training organisations, tutors and the sessions at risk. The domain decides who sees and does what;
 * these handlers only parse and answer. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"
#include "model/training/training.h"

/* ---- paths ---- */

void
api_contract_path(struct request *req)
{
	api_get(req, training_path_get);
}

void
api_contract_path_template(struct request *req)
{
	json_t *out = NULL;
	int64_t created = 0;
	tr_err err = training_path_apply_template(&req->ctx, req->params[0], &created);

	if (err == TR_OK)
		err = training_path_get(&req->ctx, req->params[0], &out);
	if (err == TR_OK)
		json_object_set_new(out, "created", json_integer(created));
	api_reply(req, err, 201, out);
}

void
api_path_module_create(struct request *req)
{
	api_create_in(req, training_module_create, training_module_get, "/api/v1/path-modules");
}

void
api_path_module(struct request *req)
{
	api_get(req, training_module_get);
}

void
api_path_module_update(struct request *req)
{
	api_patch(req, training_module_get, training_module_update, training_module_get);
}

/* DELETE ?version=N: 200 {removed: true}. */
void
api_path_module_remove(struct request *req)
{
	int64_t version = 0;
	tr_err err;

	api_query_int(req, "version", INT64_MAX, &version);
	if (version == 0 && req->ctx.errors.n == 0)
		field_errors_add(&req->ctx.errors, "version", "« version » est obligatoire : la version du module lu.");
	if (api_query_errors(req))
		return;
	err = training_module_remove(&req->ctx, req->params[0], version);
	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "removed", 1) : NULL);
}

void
api_path_module_act(struct request *req)
{
	api_act(req, training_module_act, training_module_get, NULL);
}

/* ---- training organisations ---- */

void
api_training_orgs(struct request *req)
{
	api_list(req, training_org_list);
}

void
api_training_org(struct request *req)
{
	api_get(req, training_org_get);
}

void
api_training_org_update(struct request *req)
{
	api_patch(req, training_org_get, training_org_update, training_org_get);
}

/* ---- sessions ---- */

static const struct api_param session_params[] = {
	API_PARAM(struct session_filter, programme_id, AP_ID),
	API_PARAM(struct session_filter, training_org_id, AP_ID),
	API_PARAM(struct session_filter, page, AP_ID, .max = 100000),
	API_PARAM(struct session_filter, per_page, AP_ID, .max = 200),
	API_PARAM(struct session_filter, audience, AP_CHOICE, .vocab = &vocab_session_audience),
	API_PARAM(struct session_filter, state, AP_CHOICE, .vocab = &vocab_session_state),
	API_PARAM(struct session_filter, region, AP_TEXT),
	API_PARAM(struct session_filter, at_risk, AP_FLAG),
	API_PARAM(struct session_filter, mine, AP_FLAG),
};

static tr_err
run_sessions(struct ctx *ctx, const void *f, json_t **out)
{
	return training_session_list(ctx, f, out);
}

void
api_sessions(struct request *req)
{
	struct session_filter f = { .page = 1, .per_page = 50 };

	api_list_query(req, session_params, sizeof(session_params) / sizeof(session_params[0]), &f, run_sessions);
}

void
api_sessions_at_risk(struct request *req)
{
	json_t *items = NULL;
	tr_err err = training_sessions_at_risk(&req->ctx, req_query(req, "regions"), &items);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_session_create(struct request *req)
{
	api_create(req, training_session_create, training_session_get, "/api/v1/sessions");
}

void
api_session(struct request *req)
{
	api_get(req, training_session_get);
}

void
api_session_update(struct request *req)
{
	api_patch(req, training_session_get, training_session_update, training_session_get);
}

void
api_session_act(struct request *req)
{
	api_act(req, training_session_act, training_session_get, NULL);
}

/* {contract_id, path_module_id} for a recruit, {} for oneself: 201 {id, state, session}. */
void
api_session_register(struct request *req)
{
	json_t *in = api_body(req), *session = NULL;
	int64_t id = 0;
	const char *state = NULL;
	tr_err err;

	if (in == NULL)
		return;
	err = training_register(&req->ctx, req->params[0], in, &id, &state);
	if (err == TR_OK)
		err = training_session_get(&req->ctx, req->params[0], &session);
	api_reply(req, err, 201,
	    err == TR_OK ? json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "state", state, "session", session)
	                 : NULL);
}

/* POST /api/v1/registrations/{id}/actions/cancel: 200 with the session after the cancellation. */
void
api_registration_act(struct request *req)
{
	json_t *out = NULL;
	int64_t session_id = 0;
	tr_err err;

	if (strcmp(req->sparams[0], "cancel") != 0) {
		req->ctx.message = "Cette action n'existe pas : la seule action d'une inscription est cancel.";
		api_error(req, TR_NOT_FOUND);
		return;
	}
	err = training_registration_cancel(&req->ctx, req->params[0], &session_id);
	if (err == TR_OK)
		err = training_session_get(&req->ctx, session_id, &out);
	api_reply(req, err, 200, out);
}

/* GET ?day=YYYY-MM-DD */
void
api_session_attendance(struct request *req)
{
	json_t *out = NULL;
	tr_err err = training_attendance_get(&req->ctx, req->params[0], req_query(req, "day"), &out);

	api_reply(req, err, 200, out);
}

/* POST {entries: [{person_id, day, present, hours}]}: 200 with the sheet of the first day sent. */
void
api_session_attendance_record(struct request *req)
{
	json_t *in = api_body(req), *entries, *out = NULL;
	tr_err err;

	if (in == NULL)
		return;
	entries = json_object_get(in, "entries");
	err = training_attendance_record(&req->ctx, req->params[0], entries);
	if (err == TR_OK)
		err = training_attendance_get(&req->ctx, req->params[0],
		    json_string_value(json_object_get(json_array_get(entries, 0), "day")), &out);
	api_reply(req, err, 200, out);
}

/* ---- tutors ---- */

void
api_tutors(struct request *req)
{
	json_t *out = NULL;
	tr_err err = training_tutor_list(&req->ctx, api_query_flag(req, "without_training"), &out);

	api_reply(req, err, 200, out);
}

void
api_tutor(struct request *req)
{
	api_get(req, training_tutor_get);
}
