/* /api/v1/webhooks: subscriptions (the secret is in each answer to the owner), deliveries, replay. */
#include "api/integrations/webhooks.h"

#include "api/api.h"
#include "domain/integrations/webhook.h"

void
api_webhook_events(struct request *req)
{
	resp_json(req, 200, json_pack("{s:o}", "items", webhook_catalogue()));
}

void
api_webhooks(struct request *req)
{
	json_t *out = NULL;
	tr_err err = webhook_list(&req->ctx, req_page(req), &out);

	api_reply(req, err, 200, out);
}

static tr_err
get_first_page(struct ctx *ctx, int64_t id, json_t **out)
{
	return webhook_get(ctx, id, 1, out);
}

void
api_webhook_create(struct request *req)
{
	json_t *in = api_body(req);
	const char *secret = NULL;
	int64_t id = 0;
	tr_err err;

	if (in == NULL)
		return;
	err = webhook_create(&req->ctx, in, &id, &secret);
	api_created(req, err, id, get_first_page, "/api/v1/webhooks");
}

void
api_webhook(struct request *req)
{
	json_t *out = NULL;
	tr_err err = webhook_get(&req->ctx, req->params[0], req_page(req), &out);

	api_reply(req, err, 200, out);
}

/* Answers the subscription after CHANGE (or the error). */
static void
changed(struct request *req, tr_err err)
{
	json_t *out = NULL;

	if (err == TR_OK)
		err = webhook_get(&req->ctx, req->params[0], 1, &out);
	api_reply(req, err, 200, out);
}

void
api_webhook_pause(struct request *req)
{
	changed(req, webhook_set_active(&req->ctx, req->params[0], false));
}

void
api_webhook_resume(struct request *req)
{
	changed(req, webhook_set_active(&req->ctx, req->params[0], true));
}

void
api_webhook_replay(struct request *req)
{
	changed(req, webhook_replay(&req->ctx, req->params[0], req->params[1]));
}

void
api_webhook_delete(struct request *req)
{
	tr_err err = webhook_delete(&req->ctx, req->params[0]);

	if (err != TR_OK) {
		api_error(req, err);
		return;
	}
	req->status = 204;
}
