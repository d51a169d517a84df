/* Who is told: emails queued (outbox, in the caller's transaction) to a person, to the members of an
 * organisation holding a role, or to the holders of a role covering a region. The actor is never told of
 * their own action. */
#ifndef TR_DOMAIN_NOTIFY_H
#define TR_DOMAIN_NOTIFY_H

#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "model/accounts/role.h"

TR_MUST_USE tr_err notify_person(struct ctx *ctx, int64_t person_id, const char *subject, const char *body);
TR_MUST_USE tr_err notify_org(struct ctx *ctx, int64_t org_id, enum role role, const char *subject, const char *body);
TR_MUST_USE tr_err notify_region(
    struct ctx *ctx, enum role role, const char *region, const char *subject, const char *body);

/* "Bonjour,\n\n" BODY "\n\nLien : BASE_URL PATH\n\n— tremplin\n", the shape of every message. */
const char *notify_text(struct ctx *ctx, const char *body, const char *path);

#endif
