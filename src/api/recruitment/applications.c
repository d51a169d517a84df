/* /api/v1 applications: a candidate applies to an offer, a structure proposes a contact, the lists and one
 * application, and the workflow's actions with the version read (accept creates the contract). The domain
 * decides who sees and does what. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/recruitment/application.h"
#include "model/recruitment/contract.h"

#define LIST_MAX 500

/* The application ID as GET shows it, answered with STATUS (or ERR). */
static void
reply_application(struct request *req, tr_err err, int status, int64_t id, json_t *extra)
{
	json_t *out = NULL;

	if (err == TR_OK)
		err = application_get(&req->ctx, id, &out);
	if (err == TR_OK && extra)
		json_object_update(out, extra);
	json_decref(extra);
	if (err == TR_OK && status == 201)
		resp_header(req, "location", arena_printf(req->arena, "/api/v1/applications/%lld", (long long)id));
	api_reply(req, err, status, out);
}

void
api_application_create(struct request *req)
{
	json_t *in = api_body(req);
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = application_create(&req->ctx, req->params[0], in, &id);
	reply_application(req, err, 201, id, NULL);
}

void
api_application_propose(struct request *req)
{
	json_t *in = api_body(req), *v;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	v = json_object_get(in, "candidate_id");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		field_errors_add(&req->ctx.errors, "candidate_id",
		    "« candidate_id » est obligatoire : l'identifiant (entier) de la personne candidate.");
		api_error(req, TR_INVALID);
		return;
	}
	err = application_propose(&req->ctx, req->params[0], json_integer_value(v), in, &id);
	reply_application(req, err, 201, id, NULL);
}

void
api_applications(struct request *req)
{
	struct application_filter f = { .page = 1, .per_page = 50 };
	json_t *out = NULL;
	tr_err err;

	api_query_int(req, "offer_id", INT64_MAX, &f.offer_id);
	api_query_int(req, "candidate_id", INT64_MAX, &f.candidate_id);
	api_query_int(req, "page", 100000, &f.page);
	api_query_int(req, "per_page", LIST_MAX, &f.per_page);
	f.state = req_query(req, "state");
	if (f.state != NULL && *f.state && vocab_label(&vocab_application_state, f.state) == NULL)
		field_errors_add(&req->ctx.errors, "state",
		    "« state » doit être proposed, new, processing, interview, accepted, refused, withdrawn, declined "
		    "ou obsolete.");
	if (api_query_errors(req))
		return;
	err = application_list(&req->ctx, &f, &out);
	api_reply(req, err, 200, out);
}

void
api_application(struct request *req)
{
	reply_application(req, TR_OK, 200, req->params[0], NULL);
}

/* {version, …payload}: 200 with the application after the move; accept adds contract_id. */
void
api_application_act(struct request *req)
{
	json_t *in = api_body(req);
	int64_t version = 0, contract_id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = api_version(req, in, &version)
	          ? application_act(&req->ctx, req->params[0], req->sparams[0], version, in, NULL, &contract_id)
	          : TR_INVALID;
	reply_application(req, err, 200, req->params[0],
	    err == TR_OK && contract_id > 0 ? json_pack("{s:I}", "contract_id", (json_int_t)contract_id) : NULL);
}
