/* /api/v1 contracts: the lists, one contract, and the lifecycle's actions with the version read (renew answers
 * the new contract's id). The domain decides who sees and does what. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/recruitment/contract.h"
#include "model/recruitment/contract.h"

#define LIST_MAX 500

void
api_contracts(struct request *req)
{
	struct contract_filter f = { .page = 1, .per_page = 50 };
	json_t *out = NULL;
	tr_err err;

	api_query_int(req, "organisation_id", INT64_MAX, &f.organisation_id);
	api_query_int(req, "candidate_id", INT64_MAX, &f.candidate_id);
	api_query_int(req, "dossier_id", INT64_MAX, &f.dossier_id);
	api_query_int(req, "page", 100000, &f.page);
	api_query_int(req, "per_page", LIST_MAX, &f.per_page);
	f.state = req_query(req, "state");
	if (f.state != NULL && *f.state && vocab_label(&vocab_contract_state, f.state) == NULL)
		field_errors_add(&req->ctx.errors, "state",
		    "« state » doit être planned, active, suspended, completed ou ended_early.");
	if (api_query_errors(req))
		return;
	err = contract_list(&req->ctx, &f, &out);
	api_reply(req, err, 200, out);
}

void
api_contract(struct request *req)
{
	api_get(req, contract_get);
}

/* {version, …payload}: 200 with the contract after the move; renew adds new_contract_id. */
void
api_contract_act(struct request *req)
{
	json_t *in = api_body(req), *out = NULL;
	int64_t version = 0, new_id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = api_version(req, in, &version)
	          ? contract_act(&req->ctx, req->params[0], req->sparams[0], version, in, NULL, &new_id)
	          : TR_INVALID;
	if (err == TR_OK)
		err = contract_get(&req->ctx, req->params[0], &out);
	if (err == TR_OK && new_id > 0)
		json_object_set_new(out, "new_contract_id", json_integer(new_id));
	api_reply(req, err, 200, out);
}
