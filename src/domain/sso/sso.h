/* Signing in with an OpenID Connect provider: what an identity the provider vouched for becomes here (a session on
 * the account it is linked to; a link to confirm with the account's password; a new candidate account for
 * FranceConnect; an account waiting for approval for ProConnect), the approvals, and the sign-out at the provider. */
#ifndef TR_DOMAIN_SSO_SSO_H
#define TR_DOMAIN_SSO_SSO_H

#include <jansson.h>
#include <stdint.h>

#include "domain/accounts/session.h"
#include "domain/kernel/ctx.h"
#include "domain/sso/oidc.h"

#define SSO_LINK_SECONDS 3600

enum sso_outcome {
	SSO_SIGNED_IN,    /* out->session is open */
	SSO_CONFIRM_LINK, /* an account has the email: its owner confirms with its password (sso_link_confirm) */
	SSO_PENDING,      /* an account waits for an administrator's approval */
};

struct sso_result {
	enum sso_outcome outcome;
	struct session_new session;
	const char *email;
};

/* What the identity ID (from oidc_finish) becomes, for the browser BROWSER (its OIDC_BROWSER_COOKIE): a session
 * when the provider's subject is linked to an active account; SSO_CONFIRM_LINK when an account has the verified
 * email (a link to confirm from this browser within SSO_LINK_SECONDS); otherwise FranceConnect makes a candidate
 * account (linked, identity filled) and opens a session, and ProConnect makes an inactive account waiting for an
 * administrator or, when its SIRET names an organisation, that organisation's staff (SSO_PENDING). FranceConnect
 * fills or refreshes the certified identity of the candidate. Every link and account made is journaled. TR_FORBIDDEN
 * with a French message for an account refused, an identity without email, or a FranceConnect identity whose email
 * is a professional's account. */
TR_MUST_USE tr_err sso_signin(struct ctx *ctx, const struct oidc_identity *id, const char *browser,
    const char *user_agent, struct sso_result *out);

/* The link waiting in BROWSER: {provider, provider_label, email}; TR_NOT_FOUND when none is live. */
TR_MUST_USE tr_err sso_link_pending(struct ctx *ctx, const char *browser, json_t **out);

/* Confirms the link waiting in BROWSER with the account's PASSWORD (throttled as the sign-in is: TR_RATE_LIMITED,
 * ctx->retry_after set); a wrong one is a field error on "password". Then links, journals and opens a session. */
TR_MUST_USE tr_err sso_link_confirm(
    struct ctx *ctx, const char *browser, const char *password, const char *user_agent, struct session_new *out);

/* Sends the link waiting in BROWSER to the account's address, so that its owner confirms it by email instead of the
 * password (the message carries a single-use URL, /oidc/liaison/TOKEN, valid as long as the link). At most 3 an hour
 * for one account: past it nothing is sent, with the same answer. TR_NOT_FOUND when no link waits. */
TR_MUST_USE tr_err sso_link_send(struct ctx *ctx, const char *browser);

/* The link waiting under the emailed TOKEN: {provider, provider_label, email}; TR_NOT_FOUND (French message) when
 * unknown, used or expired. */
TR_MUST_USE tr_err sso_link_token_pending(struct ctx *ctx, const char *token, json_t **out);

/* Confirms the link of the emailed TOKEN (the address is proved): links, journals and opens a session. */
TR_MUST_USE tr_err sso_link_token_confirm(
    struct ctx *ctx, const char *token, const char *user_agent, struct session_new *out);

/* The accounts waiting for approval that the actor may decide: all for an admin, those matched to the actor's
 * organisations (by SIRET) for employers. [{id, provider, email, name, siret, organisation_name, created_at}]. */
TR_MUST_USE tr_err sso_pending_list(struct ctx *ctx, json_t **out);

/* Approves (APPROVE) or refuses waiting account ID: an admin any, an employer those of their organisation (else
 * TR_NOT_FOUND). An approval activates the account and, when it was matched to an organisation, gives it the
 * employer role there; the person is told by email. Journaled. *PERSON_ID receives the account. */
TR_MUST_USE tr_err sso_pending_decide(struct ctx *ctx, int64_t id, bool approve, int64_t *person_id);

/* Ends the session of TOKEN here and gives, when it was opened through a provider, the provider's end-session URL
 * in *LOGOUT_URL (NULL otherwise). */
TR_MUST_USE tr_err sso_logout(struct ctx *ctx, const char *token, const char **logout_url);

/* The certified identity of PERSON_ID ({provider, given_name, family_name, birthdate, gender, birthplace,
 * birthcountry, verified_at}), or NULL in *OUT. */
TR_MUST_USE tr_err sso_identity(struct ctx *ctx, int64_t person_id, json_t **out);

#endif
