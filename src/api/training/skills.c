/* The skills grid over the API: competences, a contract's grid and its assessments. */
#include "api/api.h"

#include "core/arena.h"
#include "domain/training/skills.h"

void
api_competences(struct request *req)
{
	const char *jp = req_query(req, "job_profile_id");
	long long id = 0;
	json_t *out = NULL;
	tr_err err;

	if (jp && (!str_to_i64(str_c(jp), &id) || id < 0)) {
		field_errors_add(
		    &req->ctx.errors, "job_profile_id", "« job_profile_id » doit être un nombre entier positif.");
		api_reply(req, TR_INVALID, 0, NULL);
		return;
	}
	err = skills_competences(&req->ctx, id, &out);
	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", out) : NULL);
}

void
api_competence_create(struct request *req)
{
	json_t *in = api_body(req);
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = skills_competence_create(&req->ctx, in, &id);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/competences/%lld", (long long)id));
	api_reply(req, err, 201, err == TR_OK ? json_pack("{s:I}", "id", (json_int_t)id) : NULL);
}

void
api_competence_update(struct request *req)
{
	json_t *in = api_body(req);
	int64_t version;
	tr_err err;

	if (in == NULL)
		return;
	err = api_version(req, in, &version) ? skills_competence_update(&req->ctx, req->params[0], version, in)
	                                     : TR_INVALID;
	api_reply(req, err, 200,
	    err == TR_OK ? json_pack("{s:I, s:I}", "id", (json_int_t)req->params[0], "version", (json_int_t)version + 1)
	                 : NULL);
}

void
api_contract_skills(struct request *req)
{
	api_get(req, skills_grid);
}

void
api_contract_assess(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = skills_assess(&req->ctx, req->params[0], in, &id);
	if (err == TR_OK)
		err = skills_grid(&req->ctx, req->params[0], &out);
	if (err == TR_OK)
		json_object_set_new(out, "assessment_id", json_integer(id));
	api_reply(req, err, 201, out);
}
