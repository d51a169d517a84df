/* The integrators' pages: webhook subscriptions (/webhooks), each with its deliveries and their replay. */
#ifndef TR_WEB_WEBHOOKS_H
#define TR_WEB_WEBHOOKS_H

#include "http/request.h"

void web_webhooks(struct request *req);
void web_webhook_create(struct request *req);
void web_webhook(struct request *req);
void web_webhook_pause(struct request *req);
void web_webhook_resume(struct request *req);
void web_webhook_delete(struct request *req);
void web_webhook_replay(struct request *req);

#endif
