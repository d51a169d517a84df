/* Signing in and out: sessions stored in the database (they survive restarts and are shared by several
 * servers), API tokens, and the throttling of failed sign-ins per account and per address. */
#ifndef TR_DOMAIN_SESSION_H
#define TR_DOMAIN_SESSION_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

#define SESSION_COOKIE "tremplin_session"
#define DEVICE_COOKIE "tremplin_device"
#define DEVICE_SECONDS (180 * 86400)

/* Throttling, shared by every server: each attempt is a row of login_failures under a key ("email:…",
 * "ip:…", "reset-email:…"…). Past FREE attempts within WINDOW seconds, the next one must wait: with CAP > 0,
 * STEP × 2^(n - FREE) seconds after the last attempt, at most CAP (a progressive delay, never a lock: the right
 * password is accepted once the wait is over); with CAP == 0, until the oldest attempt leaves the window
 * (a plain quota, for messages sent by email). */
struct throttle_rule {
	int64_t window, free, step, cap;
};

/* Failed sign-ins per account, from any address: 5 s after the fifth, doubling, one minute at most. */
extern const struct throttle_rule throttle_signin_account;
/* Failed sign-ins per address, on any account: 5 s after the thirtieth, doubling, fifteen minutes at most. */
extern const struct throttle_rule throttle_signin_address;

/* How many seconds the attempt under KEY must still wait by RULE (0: go ahead), in *WAIT. */
TR_MUST_USE tr_err throttle_wait(struct ctx *ctx, const char *key, const struct throttle_rule *rule, int64_t *wait);

/* Records one attempt under KEY (inside or outside a transaction). */
TR_MUST_USE tr_err throttle_note(struct ctx *ctx, const char *key);

/* The throttling key of ctx->ip with PREFIX ("ip:", "reset-ip:"…): an IPv6 address counts by its /64, the
 * block one subscriber usually holds. In the arena. */
const char *throttle_address_key(struct ctx *ctx, const char *prefix);

struct session_new {
	const char *token; /* the cookie value, shown once; only its hash is stored */
	const char *csrf;
	int64_t expires_at;
	const char *device;     /* after a sign-in: a new DEVICE_COOKIE value to set (NULL: keep the one sent) */
	bool second_factor_due; /* after a sign-in: the session is partial until the second factor is given */
};

/* Checks EMAIL and PASSWORD and opens a new session (a new id each time: no fixation). Wrong
 * credentials, or an account whose address is not confirmed yet: TR_INVALID with a field error on "email"
 * that does not tell which was wrong (an unconfirmed account with the right password is sent a new
 * confirmation link). While the account or ctx->ip must wait after recent failures (throttle_signin_*):
 * TR_RATE_LIMITED with a French message giving the wait, ctx->retry_after set, and the password not even
 * checked; once the wait is over the right password signs in. DEVICE (may be NULL) is the DEVICE_COOKIE the
 * browser sent: when it signed in to this account before, the account's wait does not apply to it (failures
 * made elsewhere do not slow the owner's browser down); its own failures count under its own key. After a
 * sign-in from a browser not known yet, OUT->device is the new cookie value to set. */
TR_MUST_USE tr_err session_login(struct ctx *ctx, const char *email, const char *password, const char *user_agent,
    const char *device, struct session_new *out);

/* Opens a new session for PERSON_ID inside the caller's transaction (after a sign-in, or a confirmation link
 * that proved the address). */
TR_MUST_USE tr_err session_open(struct ctx *ctx, int64_t person_id, const char *user_agent, struct session_new *out);

/* The actor of a session cookie value, with the state of its second factor (second_factor, second_factor_at,
 * second_factor_due: a partial session); TR_UNAUTHORIZED when unknown, idle past server.session_hours, or
 * older than server.session_max_hours (the absolute lifetime). Refreshes last_seen and the idle expiry at
 * most every five minutes, never past the absolute lifetime. */
TR_MUST_USE tr_err session_resolve(struct ctx *ctx, const char *token, struct actor **out);

/* Ends the session of TOKEN (nothing when unknown). */
TR_MUST_USE tr_err session_logout(struct ctx *ctx, const char *token);

/* Loads a person and their memberships as an actor; TR_UNAUTHORIZED when the account is inactive or gone. */
TR_MUST_USE tr_err actor_load(struct ctx *ctx, int64_t person_id, struct actor **out);

/* Creates an API token named NAME for the signed-in actor (or, for an admin, for PERSON_ID when non-zero) with
 * the SCOPES given (space-separated "AREA:read" / "AREA:write", or "*" for the owner's whole reach; NULL: "*")
 * until the end of EXPIRES_ON ("YYYY-MM-DD", after today and within a year; NULL or "": in 90 days); *RAW
 * receives the token, shown once. Only a "*" token makes tokens (TR_FORBIDDEN for a narrower one). Bad input: TR_INVALID on "name",
 * "scopes" or "expires_on". Journaled (never the token). */
TR_MUST_USE tr_err apitoken_create_scoped(struct ctx *ctx, int64_t person_id, const char *name, const char *scopes,
    const char *expires_on, const char **raw, int64_t *id);

/* apitoken_create_scoped with every scope ("*") and the default expiry. */
TR_MUST_USE tr_err apitoken_create(struct ctx *ctx, int64_t person_id, const char *name, const char **raw, int64_t *id);

/* The actor of a bearer token, with the token's scopes; TR_UNAUTHORIZED when unknown or revoked, or expired (with
 * a French message giving the date). */
TR_MUST_USE tr_err apitoken_resolve(struct ctx *ctx, const char *raw, struct actor **out);

/* The tokens of PERSON_ID (the actor's own, or any for an admin): id, name, prefix, dates. */
TR_MUST_USE tr_err apitoken_list(struct ctx *ctx, int64_t person_id, json_t **out);

/* Revokes a token of the actor's own (any for an admin). Journaled. */
TR_MUST_USE tr_err apitoken_revoke(struct ctx *ctx, int64_t token_id);

/* Revokes every live token of PERSON_ID for REASON ("password_change", "password_reset"), inside the
 * caller's transaction; *N receives how many. */
TR_MUST_USE tr_err apitoken_revoke_all(struct ctx *ctx, int64_t person_id, const char *reason, int64_t *n);

/* The seconds a session opened at NOW may last: the idle expiry, bounded by the absolute lifetime. */
int64_t session_cookie_seconds(const struct ctx *ctx);

/* The sessions not expired at NOW, into *N (the metrics' active sessions). Storage errors as they are. */
TR_MUST_USE tr_err session_count_active(struct db *db, struct arena *a, int64_t now, int64_t *n);

/* Removes expired sessions, old failure rows and browsers not seen signing in for DEVICE_SECONDS. */
TR_MUST_USE tr_err session_housekeeping(struct db *db, int64_t now);

#endif
