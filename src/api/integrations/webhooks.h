/* /api/v1/webhooks: the integrators' subscriptions, their deliveries and the replay of one. */
#ifndef TR_API_WEBHOOKS_H
#define TR_API_WEBHOOKS_H

#include "http/request.h"

void api_webhook_events(struct request *req);
void api_webhooks(struct request *req);
void api_webhook_create(struct request *req);
void api_webhook(struct request *req);
void api_webhook_delete(struct request *req);
void api_webhook_pause(struct request *req);
void api_webhook_resume(struct request *req);
void api_webhook_replay(struct request *req);

#endif
