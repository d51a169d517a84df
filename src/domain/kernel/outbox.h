/* Messages to people: written to the outbox in the same transaction as the change that causes them,
 * delivered over SMTP by a worker with retries and backoff. */
#ifndef TR_DOMAIN_OUTBOX_H
#define TR_DOMAIN_OUTBOX_H

#include <jansson.h>
#include <stdint.h>

#include "core/config.h"
#include "domain/kernel/ctx.h"

#define OUTBOX_MAX_ATTEMPTS 8

/* Queues an email inside the caller's open transaction. */
TR_MUST_USE tr_err outbox_email(struct ctx *ctx, const char *to, const char *subject, const char *body);

/* The same for a message that carries a secret (a single-use link): once sent, or failed for good, its body
 * is replaced by a note; the row stays. */
TR_MUST_USE tr_err outbox_email_sensitive(struct ctx *ctx, const char *to, const char *subject, const char *body);

/* Delivers up to MAX due messages: claims each (so that several servers never send one twice), sends it
 * with libcurl to cfg->smtp_url, then marks it sent, or schedules a retry after mail_retry_seconds × 2^n,
 * or marks it failed after OUTBOX_MAX_ATTEMPTS. A message waits while an older one to the same recipient is pending:
 * each person receives their messages in order. Does nothing when no smtp_url is set. *SENT receives the
 * number sent. */
TR_MUST_USE tr_err outbox_deliver(struct db *db, const struct config *cfg, int64_t now, int max, int *sent);

/* The messages waiting to be sent (*PENDING) and those given up after OUTBOX_MAX_ATTEMPTS (*FAILED), for the
 * metrics. Storage errors as they are. */
TR_MUST_USE tr_err outbox_counts(struct db *db, struct arena *a, int64_t *pending, int64_t *failed);

/* Builds the RFC 5322 message (headers, CRLF lines) into the arena; exposed for the tests. Its Message-ID depends on
 * the row only (ID and CREATED_AT, never the attempt's time): a message sent again because its sender died between
 * the SMTP answer and the row's update is the same message, which receivers can recognise. */
char *outbox_format(struct arena *a, const char *from, const char *to, const char *subject, const char *body,
    int64_t id, int64_t created_at, int64_t now);

/* Queues the event TYPE ("dossier.validate") about row ID of ENTITY, with DATA (borrowed; the delivery's "data"
 * member) inside the caller's open transaction, for the integrators' webhooks: written only while some
 * subscription is active, then dispatched by domain/integrations to the subscriptions whose owner may read the
 * row, and delivered from the webhooks' outbox. */
TR_MUST_USE tr_err outbox_event(struct ctx *ctx, const char *entity, int64_t id, const char *action, json_t *data);

#endif
