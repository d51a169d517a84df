/* What every domain function receives: the arena and connection of the request or job, who acts, the
 * time, and where field errors and a French message for people are left. */
#ifndef TR_DOMAIN_CTX_H
#define TR_DOMAIN_CTX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "model/accounts/role.h"

struct arena;
struct db;

#define ACTOR_ROLES_MAX 16

struct actor_role {
	enum role role;
	int64_t org_id;             /* 0 when the role names no organisation */
	const char *const *regions; /* the membership's region codes (rows of membership_regions) */
	size_t nregions;
};

/* A signed-in person and the roles they hold (from their memberships). */
struct actor {
	int64_t person_id;
	const char *email;
	const char *name;
	struct actor_role roles[ACTOR_ROLES_MAX];
	size_t nroles;
	unsigned role_mask; /* ROLE_BIT of each role held */
	const char *csrf;   /* the session's CSRF token; NULL when signed in with an API token */
	const char *scopes; /* signed in with an API token: its scopes (model/accounts/token_scope.h); else NULL */
	/* Signed in with a session: the person has a confirmed second factor; when the session last passed it (0:
	 * not yet); whether the session is partial (the person needs one and has not given it yet). */
	bool second_factor;
	int64_t second_factor_at;
	bool second_factor_due;
};

struct ctx {
	struct arena *arena;
	struct db *db;
	const struct config *cfg;
	const struct actor *actor; /* NULL: anonymous */
	int64_t now;
	const char *ip;
	struct field_errors errors;
	const char *message; /* French, for an error that is not about one field */
	int64_t retry_after; /* seconds, with TR_RATE_LIMITED: when to try again (Retry-After) */
};

/* Sets ctx->message (a literal or arena string) and returns ERR, for one-line error returns. */
static inline tr_err
ctx_fail(struct ctx *ctx, tr_err err, const char *message)
{
	ctx->message = message;
	return err;
}

#endif
