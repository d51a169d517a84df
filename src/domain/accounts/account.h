/* People and their passwords: creation by an admin, invitation and password-reset links sent by email
 * (single use, with an expiry), change of password from the account page. */
#ifndef TR_DOMAIN_ACCOUNT_H
#define TR_DOMAIN_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

#define PASSWORD_MIN_CHARS 12
#define INVITE_TTL_SECONDS (7 * 86400)
#define RESET_TTL_SECONDS 3600

/* Creates a person from IN (entity_person: email, name) with a role from IN ("role", "organisation_id",
 * "regions" as in entity_membership) and, when PASSWORD is not NULL, that password; otherwise sends an
 * invitation link by email. Admin only, except from the command line (ctx->actor NULL). Journaled.
 * A duplicate email is a field error on "email". */
TR_MUST_USE tr_err account_create(struct ctx *ctx, json_t *in, const char *password, int64_t *id);

/* Updates name and active flag of person ID at VERSION (TR_CONFLICT when stale). Admin only. */
TR_MUST_USE tr_err account_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* One person with their memberships (admins, or the person themself). */
TR_MUST_USE tr_err account_get(struct ctx *ctx, int64_t id, json_t **out);

/* People matching Q (name or email, may be NULL), PAGE from 1, 50 a page: {items [{id, email, name, active,
 * last_login_at, roles (a count), role_names ("Structure employeuse (Les Ateliers…), Candidat")}], total}. Admin
 * only. */
TR_MUST_USE tr_err account_list(struct ctx *ctx, const char *q, int64_t page, json_t **out);

/* Checks a new password and its confirmation; field errors on "password" / "password_confirm". */
TR_MUST_USE tr_err account_password_check(struct ctx *ctx, const char *password, const char *confirm);

/* Sends a new invitation link to person ID (admin). */
TR_MUST_USE tr_err account_reinvite(struct ctx *ctx, int64_t id);

struct session_new;

/* Asks for a reset link for EMAIL. Always TR_OK for an unknown address (no account enumeration). At most 3
 * links an hour go to one address, past which nothing is sent, with the same answer; at most 10 requests an
 * hour come from one client address, past which TR_RATE_LIMITED (ctx->retry_after set). */
TR_MUST_USE tr_err account_request_reset(struct ctx *ctx, const char *email);

/* The email of the person a valid link TOKEN belongs to; TR_NOT_FOUND with a French message when the
 * link is unknown, used or expired. */
TR_MUST_USE tr_err account_link_email(struct ctx *ctx, const char *token, const char **email);

/* Self-registration's gate, before anything is created for EMAIL (lowercase): at most 20 registrations an
 * hour from one client address (TR_RATE_LIMITED past it) and 3 an hour for one email (past it, nothing is
 * done). When the email has an account, its owner is told by email (sign in or reset; or, for an account
 * never confirmed, a new confirmation link) and *PROCEED is false; *PROCEED is true when the caller should
 * create the account, unconfirmed, and call account_send_confirmation. The caller answers the same in every
 * case. */
TR_MUST_USE tr_err account_signup_gate(struct ctx *ctx, const char *email, bool *proceed);

/* Queues the confirmation link of a new self-registered account, inside the caller's transaction. */
TR_MUST_USE tr_err account_send_confirmation(struct ctx *ctx, int64_t person_id, const char *email, const char *name);

/* Sends a new confirmation link to an account not confirmed yet (after a sign-in with its right password),
 * within the per-email quota of account_signup_gate. Its own transaction. */
TR_MUST_USE tr_err account_resend_confirmation(struct ctx *ctx, int64_t person_id, const char *email, const char *name);

/* The email of a live confirmation link TOKEN; TR_NOT_FOUND (French message) otherwise. */
TR_MUST_USE tr_err account_confirm_email(struct ctx *ctx, const char *token, const char **email);

/* Confirms the address through link TOKEN: uses it up (and every other live link of the person), marks the
 * account confirmed, journals it and opens a session (*OUT). */
TR_MUST_USE tr_err account_confirm(struct ctx *ctx, const char *token, const char *user_agent, struct session_new *out);

/* Sets the password through a link (invitation or reset), uses the link up with every other live link of
 * the person, closes the person's sessions and revokes their API tokens. */
TR_MUST_USE tr_err account_link_set_password(
    struct ctx *ctx, const char *token, const char *password, const char *confirm);

/* Changes the signed-in actor's password after checking the current one; closes their other sessions and
 * revokes their API tokens (listed as revoked on the account page). */
TR_MUST_USE tr_err account_change_password(
    struct ctx *ctx, const char *current, const char *password, const char *confirm);

/* The roles a membership may carry, validated from IN (role, organisation_id, regions) for person ID.
 * Admin only. Journaled. */
TR_MUST_USE tr_err membership_add(struct ctx *ctx, int64_t person_id, json_t *in, int64_t *id);
/* Removes membership MEMBERSHIP_ID; when PERSON_ID is not 0 it must belong to that person (else
 * TR_NOT_FOUND). */
TR_MUST_USE tr_err membership_remove(struct ctx *ctx, int64_t person_id, int64_t membership_id);

#endif
