/* Who is told: emails queued (outbox, in the caller's transaction) to a person, to the members of an
 * organisation holding a role, or to the holders of a role covering a region. The actor is never told of
 * their own action. */
#ifndef TR_DOMAIN_NOTIFY_H
#define TR_DOMAIN_NOTIFY_H

#include <stdint.h>

#include <jansson.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"
#include "model/accounts/role.h"

TR_MUST_USE tr_err notify_person(struct ctx *ctx, int64_t person_id, const char *subject, const char *body);
TR_MUST_USE tr_err notify_org(struct ctx *ctx, int64_t org_id, enum role role, const char *subject, const char *body);
TR_MUST_USE tr_err notify_region(
    struct ctx *ctx, enum role role, const char *region, const char *subject, const char *body);

/* The in-app copies of those messages (table notifications), each person's own. */
extern const struct scope notification_scope;

/* How many notifications of the actor are unread (0 when anonymous). A storage error with its message. */
TR_MUST_USE tr_err notify_unread(struct ctx *ctx, int64_t *n);

/* The actor's notifications, newest first, PAGE (from 1) of 50: list_run's {items [{id, created_at, subject, path,
 * read_at}], total, page, per_page}, owned by the caller. TR_UNAUTHORIZED when anonymous. */
TR_MUST_USE tr_err notify_list(struct ctx *ctx, int64_t page, json_t **out);

/* Marks every notification of the actor read (a person's own reading state: not journaled). */
TR_MUST_USE tr_err notify_mark_read(struct ctx *ctx);

/* "Bonjour,\n\n" BODY "\n\nLien : BASE_URL PATH\n\n— tremplin\n", the shape of every message. */
const char *notify_text(struct ctx *ctx, const char *body, const char *path);

#endif
