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

json_t *
api_body(struct request *req)
{
	if (req->json == NULL || !json_is_object(req->json)) {
		resp_problem(req, 400, "Requête invalide",
		    "Le corps de la requête doit être un objet JSON (Content-Type: application/json).");
		return NULL;
	}
	return req->json;
}

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

void
api_patch(struct request *req, tr_err (*read)(struct ctx *, int64_t, json_t **),
    tr_err (*update)(struct ctx *, int64_t, int64_t, json_t *), tr_err (*answer)(struct ctx *, int64_t, json_t **))
{
	json_t *in = api_body(req), *merged = NULL, *out = NULL;
	int64_t version = 0;
	tr_err err;

	if (in == NULL)
		return;
	if (!api_version(req, in, &version))
		err = TR_INVALID;
	else if (read == NULL) /* the domain overlays the members sent itself */
		err = update(&req->ctx, req->params[0], version, in);
	else if ((err = read(&req->ctx, req->params[0], &merged)) == TR_OK) {
		json_object_update(merged, in);
		err = update(&req->ctx, req->params[0], version, merged);
	}
	json_decref(merged);
	if (err == TR_OK)
		err = answer(&req->ctx, req->params[0], &out);
	api_reply(req, err, 200, out);
}

void
api_act(struct request *req, api_act_fn act, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *new_key)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t version = 0, new_id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = api_version(req, in, &version)
	          ? act(&req->ctx, req->params[0], req->sparams[0], version, in, NULL, &new_id)
	          : TR_INVALID;
	if (err == TR_OK)
		err = get(&req->ctx, req->params[0], &out);
	if (err == TR_OK && new_key != NULL && new_id > 0)
		json_object_set_new(out, new_key, json_integer(new_id));
	api_reply(req, err, 200, out);
}

void
api_list(struct request *req, tr_err (*list)(struct ctx *, json_t **))
{
	json_t *out = NULL;
	tr_err err = list(&req->ctx, &out);

	api_reply(req, err, 200, out);
}

void
api_get(struct request *req, tr_err (*get)(struct ctx *, int64_t, json_t **))
{
	json_t *out = NULL;
	tr_err err = get(&req->ctx, req->params[0], &out);

	api_reply(req, err, 200, out);
}

void
api_created(
    struct request *req, tr_err err, int64_t id, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *prefix)
{
	json_t *out = NULL;

	if (err == TR_OK)
		err = get(&req->ctx, id, &out);
	if (err == TR_OK)
		resp_header(req, "location", arena_printf(req->arena, "%s/%lld", prefix, (long long)id));
	api_reply(req, err, 201, out);
}

void
api_create(
    struct request *req, api_create_fn create, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *prefix)
{
	json_t *in = api_body(req);
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = create(&req->ctx, in, &id); /* before ID is read */
	api_created(req, err, id, get, prefix);
}

void
api_create_in(
    struct request *req, api_create_in_fn create, tr_err (*get)(struct ctx *, int64_t, json_t **), const char *prefix)
{
	json_t *in = api_body(req);
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = create(&req->ctx, req->params[0], in, &id); /* before ID is read */
	api_created(req, err, id, get, prefix);
}

#define API_EXPORT_MAX (64u << 20)

void
api_send_table(struct request *req, const char *name, const char *sheet, const struct export_column *cols, size_t ncols,
    json_t *rows, bool xlsx)
{
	tr_err err;

	req->body.max = API_EXPORT_MAX;
	buf_reset(&req->body);
	err = xlsx ? export_xlsx(sheet, cols, ncols, rows, &req->body) : export_csv(cols, ncols, rows, &req->body);
	json_decref(rows);
	if (err != TR_OK) {
		buf_reset(&req->body);
		resp_error(
		    req, err, err == TR_TOO_LARGE ? "L'export dépasse la taille permise : filtrez la liste." : NULL);
		return;
	}
	req->status = 200;
	req->content_type_out =
	    xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8";
	resp_header(req, "content-disposition",
	    arena_printf(req->arena, "attachment; filename=\"%s.%s\"", name, xlsx ? "xlsx" : "csv"));
}

void
api_query_int(struct request *req, const char *name, int64_t max, int64_t *out)
{
	struct str v = form_get(&req->query, name);
	long long n;

	if (v.p == NULL || v.n == 0)
		return;
	if (str_to_i64(v, &n) && n >= 1 && n <= max) {
		*out = n;
		return;
	}
	field_errors_add(&req->ctx.errors, name,
	    arena_printf(req->arena, "« %s » doit être un nombre entier entre 1 et %lld.", name, (long long)max));
}

bool
api_query_flag(struct request *req, const char *name)
{
	const char *v = req_query(req, name);

	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* The field error of a code that is not one of V's: "« NAME » doit être a, b ou c." */
static const char *
choice_message(struct request *req, const char *name, const struct vocab *v)
{
	const char *s = arena_printf(req->arena, "« %s » doit être", name);

	for (size_t i = 0; i < v->n; i++)
		s = arena_printf(req->arena, "%s%s%s", s,
		    i == 0         ? " "
		    : i + 1 < v->n ? ", "
		                   : " ou ",
		    v->items[i].code);
	return arena_printf(req->arena, "%s.", s);
}

bool
api_query_params(struct request *req, const struct api_param *params, size_t nparams, void *filter)
{
	for (size_t i = 0; i < nparams; i++) {
		const struct api_param *p = &params[i];
		void *member = (char *)filter + p->offset;
		const char *v = p->kind == AP_ID || p->kind == AP_FLAG ? NULL : req_query(req, p->name);
		if (v != NULL && *v == '\0')
			v = NULL;
		switch (p->kind) {
		case AP_ID: api_query_int(req, p->name, p->max ? p->max : INT64_MAX, member); continue;
		case AP_FLAG: *(bool *)member = api_query_flag(req, p->name); continue;
		case AP_CHOICE:
			if (v != NULL && vocab_label(p->vocab, v) == NULL)
				field_errors_add(&req->ctx.errors, p->name, choice_message(req, p->name, p->vocab));
			break;
		case AP_REGION:
			if (v != NULL && (strlen(v) > 3 || strspn(v, "0123456789") != strlen(v)))
				field_errors_add(&req->ctx.errors, p->name,
				    arena_printf(req->arena,
				        "« %s » doit être un code INSEE de région, par exemple 84.", p->name));
			break;
		case AP_TEXT: break;
		}
		*(const char **)member = v;
	}
	return !api_query_errors(req);
}

void
api_list_query(struct request *req, const struct api_param *params, size_t nparams, void *filter,
    tr_err (*run)(struct ctx *, const void *, json_t **))
{
	json_t *out = NULL;
	tr_err err;

	if (!api_query_params(req, params, nparams, filter))
		return;
	err = run(&req->ctx, filter, &out);
	api_reply(req, err, 200, out);
}

bool
api_query_errors(struct request *req)
{
	if (req->ctx.errors.n == 0)
		return false;
	req->ctx.message = "Un paramètre de la requête n'est pas valide : voir « errors ».";
	api_error(req, TR_INVALID);
	return true;
}

void
api_me(struct request *req)
{
	json_t *out = NULL;

	tr_err err = account_get(&req->ctx, req->ctx.actor->person_id, &out);

	api_reply(req, err, 200, out);
}

void
api_communes(struct request *req)
{
	const char *limit = req_query(req, "limit");
	json_t *items = NULL;
	tr_err err = commune_search(&req->ctx, req_query(req, "q"), limit ? strtoll(limit, NULL, 10) : 20, &items);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_regions(struct request *req)
{
	json_t *items = NULL;
	tr_err err = region_list(&req->ctx, &items);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_people(struct request *req)
{
	json_t *out = NULL;

	tr_err err = account_list(&req->ctx, req_query(req, "q"), req_page(req), &out);

	api_reply(req, err, 200, out);
}

void
api_person_create(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
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
	api_reply(req, err, 201, out);
}

void
api_person(struct request *req)
{
	json_t *out = NULL;

	tr_err err = account_get(&req->ctx, req->params[0], &out);

	api_reply(req, err, 200, out);
}

void
api_person_update(struct request *req)
{
	api_patch(req, account_get, account_update, account_get);
}

void
api_membership_add(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t id;
	tr_err err;

	if (in == NULL)
		return;
	err = membership_add(&req->ctx, req->params[0], in, &id);
	if (err == TR_OK)
		err = account_get(&req->ctx, req->params[0], &out);
	api_reply(req, err, 201, out);
}

void
api_membership_remove(struct request *req)
{
	tr_err err = membership_remove(&req->ctx, 0, req->params[0]);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "removed", 1) : NULL);
}

void
api_orgs(struct request *req)
{
	json_t *out = NULL;

	tr_err err = org_list(&req->ctx, req_query(req, "q"), req_query(req, "kind"), req_page(req), &out);

	api_reply(req, err, 200, out);
}

void
api_org_create(struct request *req)
{
	api_create(req, org_create, org_get, "/api/v1/organisations");
}

void
api_org(struct request *req)
{
	json_t *out = NULL;

	tr_err err = org_get(&req->ctx, req->params[0], &out);

	api_reply(req, err, 200, out);
}

void
api_org_update(struct request *req)
{
	api_patch(req, org_get, org_update, org_get);
}

void
api_tokens(struct request *req)
{
	json_t *items = NULL;
	tr_err err = apitoken_list(&req->ctx, 0, &items);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

/* The string member KEY of IN, or NULL. */
static const char *
api_opt_string(json_t *in, const char *key)
{
	json_t *v = json_object_get(in, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void
api_token_create(struct request *req)
{
	json_t *in = api_body(req);
	const char *raw = NULL;
	const char *scopes = NULL;
	int64_t id = 0;
	json_t *sc;
	tr_err err;

	if (in == NULL)
		return;
	/* "scopes": an array of "AREA:read" / "AREA:write" (or "*"), or the same space-separated; absent: "*". */
	sc = json_object_get(in, "scopes");
	if (json_is_string(sc)) {
		scopes = json_string_value(sc);
	} else if (json_is_array(sc)) {
		const char *joined = "";
		size_t i;
		json_t *v;
		json_array_foreach(sc, i, v)
		{
			if (!json_is_string(v) || i >= 50) {
				joined = "?";
				break;
			}
			joined = arena_printf(req->arena, "%s%s%s", joined, *joined ? " " : "", json_string_value(v));
		}
		scopes = joined;
	} else if (sc != NULL && !json_is_null(sc)) {
		scopes = "?";
	}
	err = apitoken_create_scoped(
	    &req->ctx, 0, api_opt_string(in, "name"), scopes, api_opt_string(in, "expires_on"), &raw, &id);
	api_reply(req, err, 201, err == TR_OK ? json_pack("{s:I, s:s}", "id", (json_int_t)id, "token", raw) : NULL);
}

void
api_token_revoke(struct request *req)
{
	tr_err err = apitoken_revoke(&req->ctx, req->params[0]);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "revoked", 1) : NULL);
}
