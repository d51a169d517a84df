/* /api/v1/offers: the public search and one offer, publishing on a dossier, editing, closing and reopening, and
 * the matches of an offer or a candidate. The domain decides who may do what. */
#include "api/api.h"

#include "core/arena.h"
#include "domain/recruitment/matching.h"
#include "domain/recruitment/offer.h"

void
api_offers(struct request *req)
{
	struct offer_query q;
	json_t *out = NULL;
	tr_err err = offer_query_parse(&req->ctx, &req->query, &q);

	if (err == TR_INVALID && req->ctx.message == NULL)
		req->ctx.message = "Un paramètre de la requête n'est pas valide : voir « errors ».";
	if (err == TR_OK)
		err = offer_search(&req->ctx, &q, &out);
	api_reply(req, err, 200, out);
}

void
api_offer(struct request *req)
{
	api_get(req, offer_get);
}

/* 201 with the offer and its Location. */
void
api_offer_create(struct request *req)
{
	api_create_in(req, offer_create, offer_get, "/api/v1/offers");
}

/* PATCH: the members sent change, the others keep their value; "version" is the one read. */
void
api_offer_update(struct request *req)
{
	api_patch(req, NULL, offer_update, offer_get);
}

/* POST /api/v1/offers/{id}/actions/{close|reopen} with {version, reason?}. */
void
api_offer_act(struct request *req)
{
	api_act(req, offer_act, offer_get, NULL);
}

void
api_offer_journal(struct request *req)
{
	json_t *items = NULL;
	tr_err err = offer_journal(&req->ctx, req->params[0], &items);

	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:o}", "items", items) : NULL);
}

void
api_offer_matches(struct request *req)
{
	api_get(req, matching_for_offer);
}

void
api_candidate_matches(struct request *req)
{
	api_get(req, matching_for_candidate);
}
