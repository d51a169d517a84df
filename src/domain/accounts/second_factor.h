/* The second factor: TOTP (RFC 6238) enrolment and checks, ten single-use recovery codes, and the fresh check
 * the most sensitive actions ask for. Required for admins, national officers and payers when
 * [auth] require_second_factor (the default); optional for the others, and once enrolled asked of them too. */
#ifndef TR_DOMAIN_SECOND_FACTOR_H
#define TR_DOMAIN_SECOND_FACTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

#define SECOND_FACTOR_FRESH_SECONDS 600 /* a sensitive action asks for a code again past this */
#define RECOVERY_CODES 10

/* Whether ACTOR must have a second factor: one of their roles requires it and the setting is on. */
bool second_factor_required(const struct ctx *ctx, const struct actor *actor);

/* Whether a sensitive action of ctx->actor must first be confirmed with a code: signed in with a session, a
 * second factor enrolled, and its last check older than SECOND_FACTOR_FRESH_SECONDS. */
bool second_factor_stale(const struct ctx *ctx);

struct second_factor_enrolment {
	bool enrolled;      /* a confirmed second factor already exists: nothing else is set */
	const char *secret; /* base32, for typing into an app by hand */
	const char *uri;    /* otpauth://totp/… */
	const char *qr_svg; /* the URI's QR code as SVG, with a title */
	int64_t recovery_left;
};

/* The actor's enrolment: when not enrolled, a pending secret (made and stored sealed on the first call, the same
 * on the next ones until confirmed) with its URI and QR code. In the arena. */
TR_MUST_USE tr_err second_factor_enrolment(struct ctx *ctx, struct second_factor_enrolment *out);

/* Confirms the pending secret with CODE (the app's 6 digits): the second factor is on, the session of
 * SESSION_TOKEN (may be NULL) counts as checked now, and *CODES receives RECOVERY_CODES recovery codes, shown
 * once (only their hashes are kept). A wrong code: TR_INVALID on "code"; throttled as sign-ins are
 * (TR_RATE_LIMITED with ctx->retry_after). Journaled (without any secret). */
TR_MUST_USE tr_err second_factor_confirm(
    struct ctx *ctx, const char *session_token, const char *code, const char *const **codes);

/* Checks CODE (6 digits from the app, or one recovery code, which is then used up) for the actor, as the
 * second step of a sign-in or before a sensitive action; the session of SESSION_TOKEN counts as checked now. A
 * code already accepted once (same time step) is refused. Wrong: TR_INVALID on "code", counted; past the
 * throttle: TR_RATE_LIMITED, the code not even read. */
TR_MUST_USE tr_err second_factor_verify(struct ctx *ctx, const char *session_token, const char *code);

/* Replaces the actor's recovery codes with RECOVERY_CODES new ones into *CODES (shown once). Journaled. */
TR_MUST_USE tr_err second_factor_new_codes(struct ctx *ctx, const char *const **codes);

/* Removes the actor's second factor and recovery codes; TR_FORBIDDEN when their roles require one. Journaled. */
TR_MUST_USE tr_err second_factor_remove(struct ctx *ctx);

/* Enrols PERSON_ID with the raw SECRET (N bytes), confirmed, inside or outside a transaction: the demo's
 * accounts, whose secret is documented. */
TR_MUST_USE tr_err second_factor_set(struct ctx *ctx, int64_t person_id, const void *secret, size_t n);

#endif
