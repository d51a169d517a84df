/* Every person's data in JSON: the download, the erasure request and its confirmation. */
#include "api/api.h"

#include "domain/privacy/privacy.h"

void
api_me_data(struct request *req)
{
	json_t *out = NULL;
	tr_err err = privacy_export(&req->ctx, req->ctx.actor->person_id, &out);

	api_reply(req, err, 200, out);
}

void
api_me_erasure(struct request *req)
{
	json_t *out = NULL;
	tr_err err = privacy_erasure_status(&req->ctx, &out);

	api_reply(req, err, 200, out);
}

void
api_me_erasure_request(struct request *req)
{
	json_t *out = NULL;
	bool refused = false;
	int64_t id = 0;
	tr_err err = privacy_erasure_request(&req->ctx, &id, &refused);

	if (err == TR_OK)
		err = privacy_erasure_status(&req->ctx, &out);
	api_reply(req, err, 201, out);
}

void
api_me_erasure_confirm(struct request *req)
{
	json_t *in = api_body(req);
	tr_err err;

	if (in == NULL)
		return;
	/* The second step says so itself: a body without it changes nothing. */
	if (!json_is_true(json_object_get(in, "confirm"))) {
		field_errors_add(&req->ctx.errors, "confirm",
		    "« confirm » : envoyez true pour confirmer l'effacement de vos données.");
		api_reply(req, TR_INVALID, 200, NULL);
		return;
	}
	err = privacy_erasure_confirm(&req->ctx);
	api_reply(req, err, 200, err == TR_OK ? json_pack("{s:b}", "erased", 1) : NULL);
}
