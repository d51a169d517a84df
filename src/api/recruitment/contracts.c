/* /api/v1 contracts: the lists, one contract, and the lifecycle's actions with the version read (renew answers
 * the new contract's id). The domain decides who sees and does what. */
#include "api/api.h"

#include <string.h>

#include "core/arena.h"
#include "domain/recruitment/contract.h"
#include "model/recruitment/contract.h"

#define LIST_MAX 500

static const struct api_param contract_params[] = {
	API_PARAM(struct contract_filter, organisation_id, AP_ID),
	API_PARAM(struct contract_filter, candidate_id, AP_ID),
	API_PARAM(struct contract_filter, dossier_id, AP_ID),
	API_PARAM(struct contract_filter, page, AP_ID, .max = 100000),
	API_PARAM(struct contract_filter, per_page, AP_ID, .max = LIST_MAX),
	API_PARAM(struct contract_filter, state, AP_CHOICE, .vocab = &vocab_contract_state),
};

static tr_err
run_list(struct ctx *ctx, const void *f, json_t **out)
{
	return contract_list(ctx, f, out);
}

void
api_contracts(struct request *req)
{
	struct contract_filter f = { .page = 1, .per_page = 50 };

	api_list_query(req, contract_params, sizeof(contract_params) / sizeof(contract_params[0]), &f, run_list);
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
	api_act(req, contract_act, contract_get, "new_contract_id");
}
