/* /api/v1: the same domain functions as the pages, in JSON. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/accounts/account.h"
#include "domain/accounts/org.h"
#include "domain/geo/refdata.h"
#include "domain/accounts/session.h"

void
api_error(struct request *req, tr_err err)
{
	if (err == TR_INVALID) {
		resp_problem(req, 422, "Données invalides",
		    req->ctx.message ? req->ctx.message
		                     : "Certaines données envoyées ne sont pas valides : voir « errors ».");
		return;
	}
	resp_error(req, err, NULL);
}

/* The JSON body, or a 400 problem when there is none. */
static json_t *
body(struct request *req)
{
	if (req->json == NULL || !json_is_object(req->json)) {
		resp_problem(req, 400, "Requête invalide",
		    "Le corps de la requête doit être un objet JSON (Content-Type: application/json).");
		return NULL;
	}
	return req->json;
}

json_t *
api_body(struct request *req)
{
	return body(req);
}

static int64_t
version_of(json_t *in)
{
	json_t *v = json_object_get(in, "version");

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* PATCH semantics (RFC 7396 for flat objects): the current record of req->params[0], read with GET,
 * overlaid with the members of PATCH; *OUT is a new reference. */
static tr_err
merged_with_current(struct request *req, tr_err (*get)(struct ctx *, int64_t, json_t **), json_t *patch, json_t **out)
{
	json_t *current = NULL;
	tr_err err;

	if (!json_is_integer(json_object_get(patch, "version"))) {
		field_errors_add(&req->ctx.errors, "version",
		    "« version » est obligatoire : la version de la fiche que vous avez lue (champ version de la "
		    "réponse GET).");
		return TR_INVALID;
	}
	if ((err = get(&req->ctx, req->params[0], &current)) != TR_OK)
		return err;
	json_object_update(current, patch);
	*out = current;
	return TR_OK;
}

/* Answers OUT (stolen) or the error. */
static void
reply(struct request *req, tr_err err, int status, json_t *out)
{
	if (err != TR_OK) {
		json_decref(out);
		api_error(req, err);
		return;
	}
	resp_json(req, status, out);
}

void
api_me(struct request *req)
{
	json_t *out = NULL;

	tr_err err = account_get(&req->ctx, req->ctx.actor->person_id, &out);

	reply(req, err, 200, out);
}

void
api_communes(struct request *req)
{
	const char *limit = req_query(req, "limit");
	json_t *items = NULL;
	tr_err err = commune_search(&req->ctx, req_query(req, "q"), limit ? strtoll(limit, NULL, 10) : 20, &items);

	reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_regions(struct request *req)
{
	json_t *items = NULL;
	tr_err err = region_list(&req->ctx, &items);

	reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_people(struct request *req)
{
	json_t *out = NULL;

	tr_err err = account_list(&req->ctx, req_query(req, "q"), req_page(req), &out);

	reply(req, err, 200, out);
}

void
api_person_create(struct request *req)
{
	json_t *in = body(req), *out = NULL;
	const char *password;
	int64_t id;
	tr_err err;

	if (in == NULL)
		return;
	password =
	    json_is_string(json_object_get(in, "password")) ? json_string_value(json_object_get(in, "password")) : NULL;
	err = account_create(&req->ctx, in, password, &id);
	if (err == TR_OK)
		err = account_get(&req->ctx, id, &out);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/people/%lld", (long long)id));
	reply(req, err, 201, out);
}

void
api_person(struct request *req)
{
	json_t *out = NULL;

	tr_err err = account_get(&req->ctx, req->params[0], &out);

	reply(req, err, 200, out);
}

void
api_person_update(struct request *req)
{
	json_t *in = body(req), *out = NULL, *merged;
	tr_err err;

	if (in == NULL)
		return;
	if ((err = merged_with_current(req, account_get, in, &merged)) == TR_OK) {
		err = account_update(&req->ctx, req->params[0], version_of(in), merged);
		json_decref(merged);
	}
	if (err == TR_OK)
		err = account_get(&req->ctx, req->params[0], &out);
	reply(req, err, 200, out);
}

void
api_membership_add(struct request *req)
{
	json_t *in = body(req), *out = NULL;
	int64_t id;
	tr_err err;

	if (in == NULL)
		return;
	err = membership_add(&req->ctx, req->params[0], in, &id);
	if (err == TR_OK)
		err = account_get(&req->ctx, req->params[0], &out);
	reply(req, err, 201, out);
}

void
api_membership_remove(struct request *req)
{
	tr_err err = membership_remove(&req->ctx, 0, req->params[0]);

	reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "removed", 1) : NULL);
}

void
api_orgs(struct request *req)
{
	json_t *out = NULL;

	tr_err err = org_list(&req->ctx, req_query(req, "q"), req_query(req, "kind"), req_page(req), &out);

	reply(req, err, 200, out);
}

void
api_org_create(struct request *req)
{
	json_t *in = body(req), *out = NULL;
	int64_t id;
	tr_err err;

	if (in == NULL)
		return;
	err = org_create(&req->ctx, in, &id);
	if (err == TR_OK)
		err = org_get(&req->ctx, id, &out);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/organisations/%lld", (long long)id));
	reply(req, err, 201, out);
}

void
api_org(struct request *req)
{
	json_t *out = NULL;

	tr_err err = org_get(&req->ctx, req->params[0], &out);

	reply(req, err, 200, out);
}

void
api_org_update(struct request *req)
{
	json_t *in = body(req), *out = NULL, *merged;
	tr_err err;

	if (in == NULL)
		return;
	if ((err = merged_with_current(req, org_get, in, &merged)) == TR_OK) {
		err = org_update(&req->ctx, req->params[0], version_of(in), merged);
		json_decref(merged);
	}
	if (err == TR_OK)
		err = org_get(&req->ctx, req->params[0], &out);
	reply(req, err, 200, out);
}

void
api_tokens(struct request *req)
{
	json_t *items = NULL;
	tr_err err = apitoken_list(&req->ctx, 0, &items);

	reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_token_create(struct request *req)
{
	json_t *in = body(req);
	const char *raw = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = apitoken_create(&req->ctx, 0,
	    json_is_string(json_object_get(in, "name")) ? json_string_value(json_object_get(in, "name")) : NULL, &raw,
	    &id);
	reply(req, err, 201, err == TR_OK ? json_pack("{s:I, s:s}", "id", (json_int_t)id, "token", raw) : NULL);
}

void
api_token_revoke(struct request *req)
{
	tr_err err = apitoken_revoke(&req->ctx, req->params[0]);

	reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "revoked", 1) : NULL);
}
