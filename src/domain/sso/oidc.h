/* A generic OpenID Connect relying party, configured per provider ([oidc.NAME] of the settings): discovery,
 * authorization code flow with PKCE (S256), state and nonce kept in the database and bound to the browser, the
 * ID token's signature checked with libcjose against the provider's JWKS (read again on an unknown key id), its
 * claims checked, userinfo read as JSON or as a signed JWT, and the provider's end-session URL. The network calls
 * (libcurl) block: they run on the worker threads, with timeouts. */
#ifndef TR_DOMAIN_SSO_OIDC_H
#define TR_DOMAIN_SSO_OIDC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

#define OIDC_BROWSER_COOKIE "tremplin_oidc"
#define OIDC_FLOW_SECONDS 600
/* Clock skew allowed on exp and iat. */
#define OIDC_LEEWAY_SECONDS 60

/* True when provider P has an issuer in the settings. */
bool oidc_configured(const struct config *cfg, enum config_oidc_provider p);

/* The provider named NAME ("proconnect", "franceconnect") that is configured, in *P; false otherwise. */
bool oidc_provider_named(const struct config *cfg, const char *name, enum config_oidc_provider *p);

/* The French name of a provider ("ProConnect", "FranceConnect"). */
const char *oidc_label(enum config_oidc_provider p);

/* Starts a sign-in with P: records the flow (state, nonce, PKCE verifier, NEXT) bound to the browser cookie
 * BROWSER (when NULL or malformed, a new value is made: *BROWSER_OUT, to set as OIDC_BROWSER_COOKIE) and gives
 * the provider's authorization URL in *URL (arena). TR_UNAVAILABLE with a French message when the provider's
 * discovery document cannot be read. */
TR_MUST_USE tr_err oidc_begin(struct ctx *ctx, enum config_oidc_provider p, const char *browser, const char *next,
    const char **url, const char **browser_out);

/* What a finished sign-in proved. */
struct oidc_identity {
	enum config_oidc_provider provider;
	const char *sub;
	json_t *claims;       /* the ID token's claims with userinfo's over them; the caller's (json_decref) */
	const char *id_token; /* as received, for the end-session request */
	const char *next;     /* the local path the flow was started for */
};

/* Ends a sign-in when the browser comes back with STATE and CODE (or ERROR): uses the flow up (whatever
 * follows), checks it belongs to BROWSER and is live, exchanges the code (with the PKCE verifier), checks the ID
 * token (signature against the JWKS, read again once when its key id is unknown; iss, aud, azp, exp, iat, nonce,
 * acr, sub) and reads userinfo (JSON, or a JWT checked the same way, whose sub must be the ID token's). Any
 * failure: TR_FORBIDDEN (TR_UNAVAILABLE when the provider does not answer) with a French message, nothing kept. */
TR_MUST_USE tr_err oidc_finish(struct ctx *ctx, enum config_oidc_provider p, const char *browser, const char *state,
    const char *code, const char *error, struct oidc_identity *out);

/* The provider's end-session URL for ID_TOKEN (id_token_hint, post_logout_redirect_uri, state), in the arena;
 * NULL when the provider has no end_session_endpoint or cannot be read (the sign-out here still happens). */
const char *oidc_logout_url(struct ctx *ctx, enum config_oidc_provider p, const char *id_token);

/* What an ID token must say. */
struct oidc_expect {
	const char *issuer, *client_id, *nonce;
	const char *acr_values; /* space-separated; NULL or "": any */
	int64_t now;
};

/* Checks the signature of the compact JWS TOKEN against the key set JWKS (JSON text) and gives its payload, a JSON
 * object, in *PAYLOAD (the caller's). Only asymmetric algorithms (RS*, PS*, ES*) with a key of the matching type are
 * accepted. *UNKNOWN_KID is set when no key of the set has the token's key id (the caller may read the set again).
 * TR_FORBIDDEN with a French message on any failure. No network, no storage: the unit tests and the fuzz driver call
 * it directly. */
TR_MUST_USE tr_err oidc_jws_verify(
    struct ctx *ctx, const char *token, const char *jwks, json_t **payload, bool *unknown_kid);

/* Checks the claims of an ID token against E (iss, aud and azp, exp, iat, nonce, acr, sub). TR_FORBIDDEN with a
 * French message naming the claim. */
TR_MUST_USE tr_err oidc_check_claims(struct ctx *ctx, json_t *claims, const struct oidc_expect *e);

/* Removes the flows past their expiry. */
TR_MUST_USE tr_err oidc_housekeeping(struct db *db, int64_t now);

#endif
