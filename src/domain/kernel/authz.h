/* Authorization, decided here whoever calls: what the actor holds and what they may reach. */
#ifndef TR_DOMAIN_AUTHZ_H
#define TR_DOMAIN_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* True when the actor holds ROLE (any scope). NULL actor: false. */
bool actor_has(const struct actor *a, enum role role);

/* True when the actor holds any role of MASK (ROLE_BIT values). */
bool actor_has_any(const struct actor *a, unsigned mask);

/* True when the actor holds ROLE for region REGION (a regional officer of that region, or a pole
 * covering it). */
bool actor_covers_region(const struct actor *a, enum role role, const char *region);

/* True when the actor holds ROLE in organisation ORG_ID. */
bool actor_in_org(const struct actor *a, enum role role, int64_t org_id);

/* TR_OK when the actor holds a role of MASK; TR_UNAUTHORIZED when anonymous; TR_FORBIDDEN with a French
 * message otherwise. */
TR_MUST_USE tr_err authz_require(struct ctx *ctx, unsigned mask);

/* Roles with national reach over people and organisations. */
#define AUTHZ_ADMINS ROLE_BIT(ROLE_ADMIN)

#endif
