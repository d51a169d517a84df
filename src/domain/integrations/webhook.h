/* Webhooks for integrators: subscriptions of a URL to event types within their owner's scope, the dispatch of the
 * events the lifecycle engine (and a few other changes) queued in the outbox to the subscriptions whose owner may
 * read the row, and their delivery over HTTPS, signed as Standard Webhooks say (webhook-id, webhook-timestamp,
 * webhook-signature = "v1," base64 HMAC-SHA256 of "id.timestamp.body"), retried with backoff, replayable; a
 * subscription failing too often in a row is paused and its owner told. */
#ifndef TR_DOMAIN_WEBHOOK_H
#define TR_DOMAIN_WEBHOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "domain/kernel/ctx.h"
#include "model/accounts/role.h"
#include "store/db.h"

struct sockaddr;

/* Who may subscribe: admins, national officers, and the staff of an organisation or a region (the scope of the
 * events they receive is their own). */
#define WEBHOOK_OWNERS                                                                                    \
	(ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_POLE) | \
	    ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_PAYER))

/* A delivery is tried this many times before it is marked failed (it can still be replayed). */
#define WEBHOOK_MAX_ATTEMPTS 8

/* The event families one may subscribe to, as [{code, label, actions: [string]}] (caller's). */
json_t *webhook_catalogue(void);

/* Creates a subscription of the signed-in actor from IN {url, description, events: [string] or '|'-joined}:
 * TR_INVALID with the fields (a URL that is not https, or names a private, loopback or link-local address; an
 * unknown event type); *ID the new row's, *SECRET (arena) its signing secret "whsec_…". Journaled. */
TR_MUST_USE tr_err webhook_create(struct ctx *ctx, json_t *in, int64_t *id, const char **secret);

/* The subscriptions the actor owns (every one for an admin): {items, total, page, per_page}. */
TR_MUST_USE tr_err webhook_list(struct ctx *ctx, int64_t page, json_t **out);

/* One subscription of the actor's with its secret ("whsec_…") and its last deliveries (deliveries: {items,
 * total, page, per_page}, page PAGE); TR_NOT_FOUND for a row the actor does not own. */
TR_MUST_USE tr_err webhook_get(struct ctx *ctx, int64_t id, int64_t page, json_t **out);

/* Pauses (ACTIVE false) or resumes a subscription of the actor's (resuming forgets its failures). Journaled. */
TR_MUST_USE tr_err webhook_set_active(struct ctx *ctx, int64_t id, bool active);

/* Deletes a subscription of the actor's and its deliveries. Journaled. */
TR_MUST_USE tr_err webhook_delete(struct ctx *ctx, int64_t id);

/* Queues delivery DELIVERY_ID of subscription ID again, at once, its attempts counted from zero (the same
 * webhook-id: receivers recognise a message they already had). Journaled. */
TR_MUST_USE tr_err webhook_replay(struct ctx *ctx, int64_t id, int64_t delivery_id);

/* Dispatches up to MAX queued events: one delivery for each active subscription of the event's type whose owner
 * may read the row (the entity's scope table, as the owner), in one transaction per event. *COUNT the events. */
TR_MUST_USE tr_err webhook_dispatch(struct db *db, const struct config *cfg, int64_t now, int max, int *count);

/* Sends up to MAX due deliveries with libcurl (claimed first, so that several servers never send one twice):
 * 2xx marks it delivered; anything else (a status, a timeout, a refused address) schedules a retry after
 * webhooks.retry_seconds × 2^n, or fails it after WEBHOOK_MAX_ATTEMPTS; webhooks.pause_after failures in a row
 * pause the subscription and email its owner. *SENT the deliveries made. */
TR_MUST_USE tr_err webhook_deliver(struct db *db, const struct config *cfg, int64_t now, int max, int *sent);

/* Whether a connection to SA may be made: never to a private, shared, link-local, multicast, reserved or
 * unspecified address; to loopback only when ALLOW_LOOPBACK. */
bool webhook_addr_allowed(const struct sockaddr *sa, bool allow_loopback);

/* Checks URL for a subscription: https (or http to loopback when ALLOW_LOOPBACK), a host, no credentials, an IP
 * literal host allowed by webhook_addr_allowed. NULL when good, else a French reason (a literal). */
const char *webhook_url_problem(const char *url, bool allow_loopback);

/* The Standard Webhooks signature "v1,<base64>" of BODY for message ID at TIMESTAMP with the secret SECRET
 * ("whsec_<base64 key>" or the base64 key), in the arena; NULL when the secret is not valid base64. */
const char *webhook_sign(struct arena *a, const char *secret, const char *id, int64_t timestamp, const char *body);

#endif
