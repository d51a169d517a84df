/* /api/v1 applications: a candidate applies to an offer, a structure proposes a contact, the lists and one
 * application, and the workflow's actions with the version read (accept creates the contract). The domain
 * decides who sees and does what. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/recruitment/application.h"
#include "model/recruitment/contract.h"

#define LIST_MAX 500

void
api_application_create(struct request *req)
{
	api_create_in(req, application_create, application_get, "/api/v1/applications");
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
	api_created(req, err, id, application_get, "/api/v1/applications");
}

static const struct api_param application_params[] = {
	API_PARAM(struct application_filter, offer_id, AP_ID),
	API_PARAM(struct application_filter, candidate_id, AP_ID),
	API_PARAM(struct application_filter, page, AP_ID, .max = 100000),
	API_PARAM(struct application_filter, per_page, AP_ID, .max = LIST_MAX),
	API_PARAM(struct application_filter, state, AP_CHOICE, .vocab = &vocab_application_state),
};

static tr_err
run_list(struct ctx *ctx, const void *f, json_t **out)
{
	return application_list(ctx, f, out);
}

void
api_applications(struct request *req)
{
	struct application_filter f = { .page = 1, .per_page = 50 };

	api_list_query(
	    req, application_params, sizeof(application_params) / sizeof(application_params[0]), &f, run_list);
}

void
api_application(struct request *req)
{
	api_get(req, application_get);
}

/* {version, …payload}: 200 with the application after the move; accept adds contract_id. */
void
api_application_act(struct request *req)
{
	api_act(req, application_act, application_get, "contract_id");
}
