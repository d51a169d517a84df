/* /api/v1/programmes and /api/v1/job-profiles: programmes as data, read by anyone, edited by the national
 * delegation; and the small helpers the API handlers of programmes and dossiers share. */
#include "api/api.h"

#include <stdlib.h>

#include "core/arena.h"
#include "domain/programmes/programme.h"

bool
api_version(struct request *req, json_t *in, int64_t *version)
{
	json_t *v = json_object_get(in, "version");

	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*version = json_integer_value(v);
		return true;
	}
	field_errors_add(&req->ctx.errors, "version",
	    "« version » est obligatoire : la version de la fiche que vous avez lue (champ version de la réponse "
	    "GET).");
	return false;
}

void
api_reply(struct request *req, tr_err err, int status, json_t *out)
{
	if (err != TR_OK) {
		json_decref(out);
		api_error(req, err);
		return;
	}
	resp_json(req, status, out);
}

/* PATCH semantics (RFC 7396 for flat objects): the record read with GET, overlaid with the members sent;
 * *OUT is a new reference. */
static tr_err
patched(
    struct request *req, tr_err (*get)(struct ctx *, int64_t, json_t **), json_t *patch, int64_t *version, json_t **out)
{
	tr_err err;

	if (!api_version(req, patch, version))
		return TR_INVALID;
	if ((err = get(&req->ctx, req->params[0], out)) != TR_OK)
		return err;
	json_object_update(*out, patch);
	return TR_OK;
}

void
api_programmes(struct request *req)
{
	json_t *out = NULL;
	tr_err err = programme_list(&req->ctx, &out);

	api_reply(req, err, 200, out);
}

void
api_programme(struct request *req)
{
	json_t *out = NULL;
	tr_err err = programme_get(&req->ctx, req->params[0], &out);

	api_reply(req, err, 200, out);
}

void
api_programme_create(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = programme_create(&req->ctx, in, &id);
	if (err == TR_OK)
		err = programme_get(&req->ctx, id, &out);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/programmes/%lld", (long long)id));
	api_reply(req, err, 201, out);
}

void
api_programme_update(struct request *req)
{
	json_t *in = api_body(req), *out = NULL, *merged = NULL;
	int64_t version = 0;
	tr_err err;

	if (in == NULL)
		return;
	if ((err = patched(req, programme_rules, in, &version, &merged)) == TR_OK)
		err = programme_update(&req->ctx, req->params[0], version, merged);
	json_decref(merged);
	if (err == TR_OK)
		err = programme_get(&req->ctx, req->params[0], &out);
	api_reply(req, err, 200, out);
}

void
api_programme_quotas(struct request *req)
{
	json_t *out = NULL;
	tr_err err = programme_quotas(&req->ctx, req->params[0], &out);

	api_reply(req, err, 200, out);
}

void
api_job_profile_create(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = job_profile_create(&req->ctx, req->params[0], in, &id);
	if (err == TR_OK)
		err = job_profile_get(&req->ctx, id, &out);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/job-profiles/%lld", (long long)id));
	api_reply(req, err, 201, out);
}

void
api_job_profile(struct request *req)
{
	json_t *out = NULL;
	tr_err err = job_profile_get(&req->ctx, req->params[0], &out);

	api_reply(req, err, 200, out);
}

void
api_job_profile_update(struct request *req)
{
	json_t *in = api_body(req), *out = NULL, *merged = NULL;
	int64_t version = 0;
	tr_err err;

	if (in == NULL)
		return;
	if ((err = patched(req, job_profile_get, in, &version, &merged)) == TR_OK)
		err = job_profile_update(&req->ctx, req->params[0], version, merged);
	json_decref(merged);
	if (err == TR_OK)
		err = job_profile_get(&req->ctx, req->params[0], &out);
	api_reply(req, err, 200, out);
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
