/* /api/v1/programmes and /api/v1/job-profiles: programmes as data, read by anyone, edited by the national
 * delegation. */
#include "api/api.h"

#include <stdlib.h>

#include "core/arena.h"
#include "domain/programmes/programme.h"

void
api_programmes(struct request *req)
{
	api_list(req, programme_list);
}

void
api_programme(struct request *req)
{
	api_get(req, programme_get);
}

void
api_programme_create(struct request *req)
{
	api_create(req, programme_create, programme_get, "/api/v1/programmes");
}

void
api_programme_update(struct request *req)
{
	api_patch(req, programme_rules, programme_update, programme_get);
}

void
api_programme_quotas(struct request *req)
{
	api_get(req, programme_quotas);
}

void
api_job_profile_create(struct request *req)
{
	api_create_in(req, job_profile_create, job_profile_get, "/api/v1/job-profiles");
}

void
api_job_profile(struct request *req)
{
	api_get(req, job_profile_get);
}

void
api_job_profile_update(struct request *req)
{
	api_patch(req, job_profile_get, job_profile_update, job_profile_get);
}

/* DELETE takes the version read from a JSON body or from ?version=. */
void
api_job_profile_remove(struct request *req)
{
	const char *q = req_query(req, "version");
	json_t *in = json_is_object(req->json) ? req->json : json_object();
	int64_t version = 0;
	bool deactivated = false;
	tr_err err;

	if (q != NULL && json_object_get(in, "version") == NULL) {
		char *end;
		long long v = strtoll(q, &end, 10);
		if (*q != '\0' && *end == '\0')
			json_object_set_new(in, "version", json_integer(v));
	}
	err = api_version(req, in, &version) ? job_profile_remove(&req->ctx, req->params[0], version, &deactivated)
	                                     : TR_INVALID;
	if (in != req->json)
		json_decref(in);
	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "deactivated", deactivated) : NULL);
}

/* PUT /api/v1/programmes/{id}/region-targets/{region}: {"target_posts": N}, or null to remove the target. */
void
api_programme_region_target(struct request *req)
{
	json_t *in = api_body(req), *v, *out = NULL;
	tr_err err;

	if (in == NULL)
		return;
	v = json_object_get(in, "target_posts");
	if (!json_is_null(v) && !(json_is_integer(v) && json_integer_value(v) >= 0)) {
		field_errors_add(&req->ctx.errors, "target_posts",
		    "« target_posts » doit être un nombre entier positif ou nul, ou null pour retirer l'objectif.");
		api_reply(req, TR_INVALID, 0, NULL);
		return;
	}
	err = programme_set_region_target(
	    &req->ctx, req->params[0], req->sparams[0], json_is_null(v) ? -1 : json_integer_value(v));
	if (err == TR_OK)
		err = programme_quotas(&req->ctx, req->params[0], &out);
	api_reply(req, err, 200, out);
}
