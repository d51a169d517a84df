/* Signing in and out: sessions stored in the database (they survive restarts and are shared by several
 * servers), API tokens, and the throttling of failed sign-ins per account and per address. */
#ifndef TR_DOMAIN_SESSION_H
#define TR_DOMAIN_SESSION_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

#define SESSION_COOKIE "tremplin_session"
#define THROTTLE_WINDOW_SECONDS (15 * 60)
#define THROTTLE_MAX_PER_ACCOUNT 5
#define THROTTLE_MAX_PER_ADDRESS 30

struct session_new {
	const char *token; /* the cookie value, shown once; only its hash is stored */
	const char *csrf;
	int64_t expires_at;
};

/* Checks EMAIL and PASSWORD and opens a new session (a new id each time: no fixation). Wrong
 * credentials: TR_INVALID with a field error on "email" that does not tell which was wrong; too many
 * recent failures for the account or for ctx->ip: TR_RATE_LIMITED with a French message. */
TR_MUST_USE tr_err session_login(
    struct ctx *ctx, const char *email, const char *password, const char *user_agent, struct session_new *out);

/* The actor of a session cookie value; TR_UNAUTHORIZED when unknown or expired. Refreshes last_seen at
 * most every five minutes. */
TR_MUST_USE tr_err session_resolve(struct ctx *ctx, const char *token, struct actor **out);

/* Ends the session of TOKEN (nothing when unknown). */
TR_MUST_USE tr_err session_logout(struct ctx *ctx, const char *token);

/* Loads a person and their memberships as an actor; TR_UNAUTHORIZED when the account is inactive or gone. */
TR_MUST_USE tr_err actor_load(struct ctx *ctx, int64_t person_id, struct actor **out);

/* Creates an API token named NAME for the signed-in actor (or, for an admin, for PERSON_ID when non-zero);
 * *RAW receives the token, shown once. Journaled. */
TR_MUST_USE tr_err apitoken_create(struct ctx *ctx, int64_t person_id, const char *name, const char **raw, int64_t *id);

/* The actor of a bearer token; TR_UNAUTHORIZED when unknown or revoked. */
TR_MUST_USE tr_err apitoken_resolve(struct ctx *ctx, const char *raw, struct actor **out);

/* The tokens of PERSON_ID (the actor's own, or any for an admin): id, name, prefix, dates. */
TR_MUST_USE tr_err apitoken_list(struct ctx *ctx, int64_t person_id, json_t **out);

/* Revokes a token of the actor's own (any for an admin). Journaled. */
TR_MUST_USE tr_err apitoken_revoke(struct ctx *ctx, int64_t token_id);

/* Removes expired sessions and old failure rows. */
TR_MUST_USE tr_err session_housekeeping(struct db *db, int64_t now);

#endif
