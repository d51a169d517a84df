/* The OpenID Connect relying party: discovery and JWKS cached per process, the flows in oidc_flows, the JOSE
 * objects through libcjose, the network through libcurl. */
#include "domain/sso/oidc.h"

#include <cjose/cjose.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/form.h"
#include "core/log.h"
#include "domain/kernel/common.h"
#include "store/db.h"

#define CONNECT_SECONDS 5L
#define ANSWER_SECONDS 10L
#define ANSWER_MAX (512 * 1024)
#define DISCOVERY_SECONDS 3600
#define TOKEN_MAX 16384

static const char *const labels[OIDC_PROVIDERS] = { "ProConnect", "FranceConnect" };

/* The discovery document and key set of each provider, shared by the worker threads (heap strings under the lock;
 * readers take arena copies). */
static struct {
	pthread_mutex_t lock;
	char *issuer;    /* the issuer they were read for */
	char *discovery; /* JSON text */
	int64_t discovery_at;
	char *jwks; /* JSON text */
} cache[OIDC_PROVIDERS] = { { .lock = PTHREAD_MUTEX_INITIALIZER }, { .lock = PTHREAD_MUTEX_INITIALIZER } };

bool
oidc_configured(const struct config *cfg, enum config_oidc_provider p)
{
	return p < OIDC_PROVIDERS && cfg->oidc[p].issuer[0] != '\0';
}

bool
oidc_provider_named(const struct config *cfg, const char *name, enum config_oidc_provider *p)
{
	for (int i = 0; i < OIDC_PROVIDERS; i++)
		if (name != NULL && strcmp(name, config_oidc_name((enum config_oidc_provider)i)) == 0 &&
		    oidc_configured(cfg, (enum config_oidc_provider)i)) {
			*p = (enum config_oidc_provider)i;
			return true;
		}
	return false;
}

const char *
oidc_label(enum config_oidc_provider p)
{
	return p < OIDC_PROVIDERS ? labels[p] : "";
}

static tr_err
fail(struct ctx *ctx, enum config_oidc_provider p, const char *why)
{
	log_warn("oidc %s: %s", config_oidc_name(p), why);
	return ctx_fail(ctx, TR_FORBIDDEN,
	    arena_printf(ctx->arena, "La connexion avec %s a échoué : %s Recommencez depuis la page de connexion.",
	        oidc_label(p), why));
}

/* ---- the network ------------------------------------------------------------------------------------------ */

static size_t
take_answer(char *data, size_t size, size_t n, void *ud)
{
	return buf_append(ud, data, size * n) == TR_OK ? size * n : 0;
}

struct answer {
	long status;
	const char *body;
	const char *content_type; /* lower-case media type without parameters, "" when none */
};

/* GET URL, or POST FORM (urlencoded) to it, with BEARER or BASIC (user:password) credentials when not NULL. The
 * answer in the arena. TR_UNAVAILABLE (message set) when the provider cannot be reached. */
static tr_err
http_call(struct ctx *ctx, enum config_oidc_provider p, const char *url, const char *form, const char *bearer,
    const char *basic, struct answer *out)
{
	struct buf body = BUF_INIT(ANSWER_MAX);
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *ct = NULL;
	CURL *curl = curl_easy_init();
	CURLcode rc;

	if (curl == NULL)
		return ctx_fail(ctx, TR_UNAVAILABLE, "Le service de connexion ne peut pas être appelé (libcurl).");
	headers = curl_slist_append(headers, "Accept: application/json, application/jwt");
	if (bearer != NULL)
		headers = curl_slist_append(headers, arena_printf(ctx->arena, "Authorization: Bearer %s", bearer));
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, strncmp(url, "https://", 8) == 0 ? "https" : "http");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	if (form != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
	if (basic != NULL) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERPWD, basic);
	}
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, take_answer);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "tremplin");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_SECONDS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, ANSWER_SECONDS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
	out->content_type = arena_strdup(ctx->arena, ct ? ct : "");
	for (char *c = (char *)out->content_type; *c; c++) {
		if (*c == ';' || *c == ' ') {
			*c = '\0';
			break;
		}
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	out->body = buf_to_arena(&body, ctx->arena);
	if (out->body == NULL)
		out->body = "";
	if (rc != CURLE_OK) {
		log_warn("oidc %s: %s: %s", config_oidc_name(p), url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return ctx_fail(ctx, TR_UNAVAILABLE,
		    arena_printf(ctx->arena, "%s ne répond pas pour le moment : réessayez dans quelques minutes.",
		        oidc_label(p)));
	}
	return TR_OK;
}

/* An endpoint of the discovery document: an https URL (http only for a provider on http, the tests' loopback). */
static const char *
endpoint(json_t *d, const char *name, const char *issuer)
{
	const char *u = json_string_value(json_object_get(d, name));
	bool plain = strncmp(issuer, "http://", 7) == 0;

	if (u == NULL || strlen(u) > 2000)
		return NULL;
	if (strncmp(u, "https://", 8) == 0 || (plain && strncmp(u, "http://", 7) == 0))
		return u;
	return NULL;
}

struct provider_view {
	const struct config_oidc *cfg;
	json_t *discovery; /* the caller's */
	const char *jwks;  /* arena text */
	const char *authorization, *token, *userinfo, *jwks_uri, *end_session;
	bool basic; /* the token endpoint wants client_secret_basic */
};

/* Reads (or takes from the cache) the discovery document and the key set of P; with REFRESH_JWKS, reads the key
 * set again. */
static tr_err
provider_load(struct ctx *ctx, enum config_oidc_provider p, bool refresh_jwks, struct provider_view *v)
{
	const struct config_oidc *c = &ctx->cfg->oidc[p];
	char *disc = NULL, *jwks = NULL;
	bool fetched = false; /* the discovery document was read now (and so is the key set) */
	struct answer a;
	json_t *methods;
	tr_err err;

	memset(v, 0, sizeof(*v));
	v->cfg = c;
	pthread_mutex_lock(&cache[p].lock);
	if (cache[p].issuer != NULL && strcmp(cache[p].issuer, c->issuer) == 0 &&
	    ctx->now - cache[p].discovery_at < DISCOVERY_SECONDS) {
		disc = arena_strdup(ctx->arena, cache[p].discovery);
		if (!refresh_jwks && cache[p].jwks != NULL)
			jwks = arena_strdup(ctx->arena, cache[p].jwks);
	}
	pthread_mutex_unlock(&cache[p].lock);

	if (disc == NULL) {
		const char *url = arena_printf(ctx->arena, "%s%s.well-known/openid-configuration", c->issuer,
		    c->issuer[strlen(c->issuer) - 1] == '/' ? "" : "/");
		if ((err = http_call(ctx, p, url, NULL, NULL, NULL, &a)) != TR_OK)
			return err;
		if (a.status != 200)
			return fail(ctx, p, "le document de découverte du fournisseur est illisible.");
		disc = (char *)a.body;
		fetched = true;
	}
	v->discovery = json_loads(disc, 0, NULL);
	if (!json_is_object(v->discovery) || strcmp(json_string_value(json_object_get(v->discovery, "issuer"))
	                                                ? json_string_value(json_object_get(v->discovery, "issuer"))
	                                                : "",
	                                         c->issuer) != 0) {
		json_decref(v->discovery);
		v->discovery = NULL;
		return fail(ctx, p, "le document de découverte ne nomme pas l'émetteur attendu.");
	}
	v->authorization = endpoint(v->discovery, "authorization_endpoint", c->issuer);
	v->token = endpoint(v->discovery, "token_endpoint", c->issuer);
	v->userinfo = endpoint(v->discovery, "userinfo_endpoint", c->issuer);
	v->jwks_uri = endpoint(v->discovery, "jwks_uri", c->issuer);
	v->end_session = endpoint(v->discovery, "end_session_endpoint", c->issuer);
	if (v->authorization == NULL || v->token == NULL || v->jwks_uri == NULL) {
		json_decref(v->discovery);
		v->discovery = NULL;
		return fail(ctx, p, "le document de découverte n'a pas les adresses attendues.");
	}
	methods = json_object_get(v->discovery, "token_endpoint_auth_methods_supported");
	if (json_is_array(methods)) {
		bool post = false, basic = false;
		size_t i;
		json_t *m;
		json_array_foreach(methods, i, m)
		{
			post |= json_is_string(m) && strcmp(json_string_value(m), "client_secret_post") == 0;
			basic |= json_is_string(m) && strcmp(json_string_value(m), "client_secret_basic") == 0;
		}
		v->basic = basic && !post;
	}
	if (jwks == NULL) {
		if ((err = http_call(ctx, p, v->jwks_uri, NULL, NULL, NULL, &a)) != TR_OK) {
			json_decref(v->discovery);
			v->discovery = NULL;
			return err;
		}
		if (a.status != 200) {
			json_decref(v->discovery);
			v->discovery = NULL;
			return fail(ctx, p, "les clés du fournisseur sont illisibles.");
		}
		jwks = (char *)a.body;
		pthread_mutex_lock(&cache[p].lock);
		if (fetched) {
			free(cache[p].issuer);
			free(cache[p].discovery);
			cache[p].issuer = strdup(c->issuer);
			cache[p].discovery = strdup(disc);
			cache[p].discovery_at = ctx->now;
		}
		free(cache[p].jwks);
		cache[p].jwks = strdup(jwks);
		if (cache[p].issuer == NULL || cache[p].discovery == NULL || cache[p].jwks == NULL)
			abort(); /* out of memory: decided once */
		pthread_mutex_unlock(&cache[p].lock);
	}
	v->jwks = jwks;
	return TR_OK;
}

/* ---- JOSE ------------------------------------------------------------------------------------------------- */

/* The key type an algorithm needs ("RSA", "EC"), or NULL for an algorithm refused (none, HS*, anything else). */
static const char *
kty_for_alg(const char *alg)
{
	static const char *const rsa[] = { "RS256", "RS384", "RS512", "PS256", "PS384", "PS512" };
	static const char *const ec[] = { "ES256", "ES384", "ES512" };

	if (alg == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++)
		if (strcmp(alg, rsa[i]) == 0)
			return "RSA";
	for (size_t i = 0; i < sizeof(ec) / sizeof(ec[0]); i++)
		if (strcmp(alg, ec[i]) == 0)
			return "EC";
	return NULL;
}

/* True when S (N bytes) is unpadded base64url whose length a decoder accepts (never 1 modulo 4): libcjose's decoder
 * asserts on such input, so nothing reaches it unchecked. */
static bool
b64url_ok(const char *s, size_t n)
{
	if (n % 4 == 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		        s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* A compact JWS: three base64url segments separated by dots. */
static bool
compact_ok(const char *t)
{
	const char *d1 = strchr(t, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;

	return d2 != NULL && strchr(d2 + 1, '.') == NULL && d1 > t && b64url_ok(t, (size_t)(d1 - t)) &&
	       b64url_ok(d1 + 1, (size_t)(d2 - d1 - 1)) && b64url_ok(d2 + 1, strlen(d2 + 1));
}

/* The members of a JWK that libcjose decodes as base64url are such. */
static bool
jwk_ok(json_t *key)
{
	static const char *const members[] = { "n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "k" };

	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		json_t *v = json_object_get(key, members[i]);
		if (v != NULL && (!json_is_string(v) || !b64url_ok(json_string_value(v), json_string_length(v))))
			return false;
	}
	return true;
}

tr_err
oidc_jws_verify(struct ctx *ctx, const char *token, const char *jwks, json_t **payload, bool *unknown_kid)
{
	cjose_err cerr;
	cjose_jws_t *jws = NULL;
	cjose_header_t *hdr;
	const char *alg, *kid, *kty;
	json_t *set = NULL, *keys, *key, *chosen = NULL;
	uint8_t *plain = NULL;
	size_t plain_len = 0, i, candidates = 0;
	tr_err err = TR_FORBIDDEN;

	*payload = NULL;
	*unknown_kid = false;
	if (token == NULL || strlen(token) > TOKEN_MAX)
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton est absent ou trop long.");
	if (!compact_ok(token))
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton n'est pas un JWS compact lisible.");
	jws = cjose_jws_import(token, strlen(token), &cerr);
	if (jws == NULL)
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton n'est pas un JWS compact lisible.");
	hdr = cjose_jws_get_protected(jws);
	alg = hdr ? cjose_header_get(hdr, CJOSE_HDR_ALG, &cerr) : NULL;
	kid = hdr ? cjose_header_get(hdr, CJOSE_HDR_KID, &cerr) : NULL;
	kty = kty_for_alg(alg);
	if (kty == NULL) {
		ctx->message = "l'algorithme de signature du jeton n'est pas accepté.";
		goto out;
	}
	set = json_loads(jwks ? jwks : "", 0, NULL);
	keys = json_object_get(set, "keys");
	if (!json_is_array(keys)) {
		ctx->message = "les clés du fournisseur sont illisibles.";
		goto out;
	}
	json_array_foreach(keys, i, key)
	{
		const char *k_kid = json_string_value(json_object_get(key, "kid"));
		const char *k_kty = json_string_value(json_object_get(key, "kty"));
		const char *k_use = json_string_value(json_object_get(key, "use"));
		const char *k_alg = json_string_value(json_object_get(key, "alg"));
		if (k_kty == NULL || strcmp(k_kty, kty) != 0 || (k_use != NULL && strcmp(k_use, "sig") != 0) ||
		    (k_alg != NULL && strcmp(k_alg, alg) != 0) || !jwk_ok(key))
			continue;
		if (kid != NULL ? (k_kid != NULL && strcmp(k_kid, kid) == 0) : true) {
			chosen = key;
			candidates++;
		}
	}
	if (chosen == NULL || candidates != 1) {
		/* Without a key id the set must hold exactly one key that fits. */
		*unknown_kid = chosen == NULL;
		ctx->message = "la clé qui a signé le jeton est inconnue.";
		goto out;
	}
	{
		char *text = json_dumps(chosen, JSON_COMPACT);
		cjose_jwk_t *jwk = text ? cjose_jwk_import(text, strlen(text), &cerr) : NULL;
		bool ok;
		free(text);
		if (jwk == NULL) {
			ctx->message = "une clé du fournisseur est illisible.";
			goto out;
		}
		ok = cjose_jws_verify(jws, jwk, &cerr);
		cjose_jwk_release(jwk);
		if (!ok) {
			ctx->message = "la signature du jeton est invalide.";
			goto out;
		}
	}
	if (cjose_jws_get_plaintext(jws, &plain, &plain_len, &cerr))
		*payload = json_loadb((const char *)plain, plain_len, 0, NULL); /* json_is_object evaluates twice */
	if (!json_is_object(*payload)) {
		json_decref(*payload);
		*payload = NULL;
		ctx->message = "le contenu du jeton n'est pas un objet JSON.";
		goto out;
	}
	err = TR_OK;
out:
	json_decref(set);
	cjose_jws_release(jws);
	return err;
}

/* True when WORD is one of the space-separated LIST. */
static bool
in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; *p;) {
		size_t k = strcspn(p, " ");
		if (k == n && strncmp(p, word, n) == 0)
			return true;
		p += k;
		p += strspn(p, " ");
	}
	return false;
}

tr_err
oidc_check_claims(struct ctx *ctx, json_t *c, const struct oidc_expect *e)
{
	json_t *aud = json_object_get(c, "aud"), *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat");
	const char *iss = json_string_value(json_object_get(c, "iss"));
	const char *azp = json_string_value(json_object_get(c, "azp"));
	const char *nonce = json_string_value(json_object_get(c, "nonce"));
	const char *acr = json_string_value(json_object_get(c, "acr"));
	const char *sub = json_string_value(json_object_get(c, "sub"));
	bool aud_ok = false;
	size_t i;
	json_t *a;

	if (iss == NULL || strcmp(iss, e->issuer) != 0)
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton ne vient pas de l'émetteur attendu (iss).");
	if (json_is_string(aud))
		aud_ok = strcmp(json_string_value(aud), e->client_id) == 0;
	else if (json_is_array(aud))
		json_array_foreach(aud, i, a) aud_ok |=
		    json_is_string(a) && strcmp(json_string_value(a), e->client_id) == 0;
	if (!aud_ok)
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton n'est pas destiné à ce service (aud).");
	if ((json_is_array(aud) && json_array_size(aud) > 1 && azp == NULL) ||
	    (azp != NULL && strcmp(azp, e->client_id) != 0))
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton a été délivré à un autre service (azp).");
	if (!json_is_integer(exp) || json_integer_value(exp) + OIDC_LEEWAY_SECONDS < e->now)
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton a expiré (exp).");
	if (!json_is_integer(iat) || json_integer_value(iat) > e->now + OIDC_LEEWAY_SECONDS)
		return ctx_fail(ctx, TR_FORBIDDEN, "la date d'émission du jeton est invalide (iat).");
	if (e->nonce != NULL && (nonce == NULL || !sec_equal(nonce, e->nonce)))
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton ne correspond pas à cette connexion (nonce).");
	if (e->acr_values != NULL && e->acr_values[0] != '\0' && (acr == NULL || !in_list(e->acr_values, acr)))
		return ctx_fail(ctx, TR_FORBIDDEN, "le niveau d'authentification n'est pas celui demandé (acr).");
	if (sub == NULL || *sub == '\0' || strlen(sub) > 255)
		return ctx_fail(ctx, TR_FORBIDDEN, "le jeton ne nomme pas la personne (sub).");
	return TR_OK;
}

/* Verifies TOKEN against the provider's keys, reading the set again once when the key id is unknown (rotation). */
static tr_err
verify_with_rotation(
    struct ctx *ctx, enum config_oidc_provider p, struct provider_view *v, const char *token, json_t **payload)
{
	bool unknown;
	tr_err err = oidc_jws_verify(ctx, token, v->jwks, payload, &unknown);

	if (err == TR_FORBIDDEN && unknown) {
		struct provider_view again;
		if ((err = provider_load(ctx, p, true, &again)) != TR_OK)
			return err;
		json_decref(again.discovery);
		v->jwks = again.jwks;
		err = oidc_jws_verify(ctx, token, v->jwks, payload, &unknown);
	}
	return err == TR_OK ? TR_OK : fail(ctx, p, ctx->message);
}

/* ---- the flow --------------------------------------------------------------------------------------------- */

static const char *
hash_of(struct arena *a, const char *s)
{
	char *h = arena_alloc(a, SEC_SHA256_HEX);

	sec_sha256_hex(s, strlen(s), h);
	return h;
}

static const char *
redirect_uri(struct ctx *ctx, enum config_oidc_provider p, const char *what)
{
	const char *base = ctx->cfg->base_url;
	size_t n = strlen(base);

	return arena_printf(
	    ctx->arena, "%.*s/oidc/%s/%s", (int)(n && base[n - 1] == '/' ? n - 1 : n), base, config_oidc_name(p), what);
}

/* A browser cookie value as oidc_begin makes them (43 base64url characters). */
static bool
browser_ok(const char *b)
{
	size_t n = b ? strlen(b) : 0;

	if (n < 32 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= '0' && b[i] <= '9') ||
		        b[i] == '-' || b[i] == '_'))
			return false;
	return true;
}

tr_err
oidc_begin(struct ctx *ctx, enum config_oidc_provider p, const char *browser, const char *next, const char **url,
    const char **browser_out)
{
	const struct config_oidc *c = &ctx->cfg->oidc[p];
	struct provider_view v;
	const char *state, *nonce, *verifier;
	tr_err err;

	*browser_out = NULL;
	if (!oidc_configured(ctx->cfg, p))
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce service de connexion n'est pas proposé.");
	if ((err = provider_load(ctx, p, false, &v)) != TR_OK)
		return err;
	if (!browser_ok(browser))
		browser = *browser_out = sec_random_token(ctx->arena, 32);
	state = sec_random_token(ctx->arena, 32);
	nonce = sec_random_token(ctx->arena, 32);
	verifier = sec_random_token(ctx->arena, 48);
	err = db_execv(ctx->db,
	    "INSERT INTO oidc_flows (state_hash, browser_hash, provider, nonce, code_verifier, next, created_at, "
	    "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    NULL, DB_TEXT(hash_of(ctx->arena, state)), DB_TEXT(hash_of(ctx->arena, browser)),
	    DB_TEXT(config_oidc_name(p)), DB_TEXT(nonce), DB_TEXT(verifier), DB_TEXT(next ? next : "/"),
	    DB_I64(ctx->now), DB_I64(ctx->now + OIDC_FLOW_SECONDS));
	if (err != TR_OK) {
		json_decref(v.discovery);
		return ctx_storage_error(ctx, err);
	}
	*url = arena_printf(ctx->arena,
	    "%s%cresponse_type=code&client_id=%s&redirect_uri=%s&scope=%s&state=%s&nonce=%s&code_challenge=%s&"
	    "code_challenge_method=S256%s%s",
	    v.authorization, strchr(v.authorization, '?') ? '&' : '?', url_encode(ctx->arena, c->client_id),
	    url_encode(ctx->arena, redirect_uri(ctx, p, "retour")), url_encode(ctx->arena, c->scopes), state, nonce,
	    sec_sha256_b64url(ctx->arena, verifier, strlen(verifier)), c->acr_values[0] ? "&acr_values=" : "",
	    c->acr_values[0] ? url_encode(ctx->arena, c->acr_values) : "");
	json_decref(v.discovery);
	return TR_OK;
}

/* The flow of STATE, used up: deleted whatever follows, so that a code or a state is never played twice. */
static tr_err
take_flow(struct ctx *ctx, enum config_oidc_provider p, const char *browser, const char *state, const char **nonce,
    const char **verifier, const char **next)
{
	struct db_rows *r;
	const char *h;
	int64_t changes = 0;
	tr_err err;

	if (state == NULL || *state == '\0' || strlen(state) > 128)
		return fail(ctx, p, "la réponse du fournisseur n'a pas de paramètre state.");
	h = hash_of(ctx->arena, state);
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT browser_hash, provider, nonce, code_verifier, next, expires_at FROM oidc_flows WHERE state_hash = "
	    "?",
	    &r, DB_TEXT(h));
	if (err == TR_NOT_FOUND)
		return fail(ctx, p, "cette connexion est inconnue ou a déjà servi.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = db_execv(ctx->db, "DELETE FROM oidc_flows WHERE state_hash = ?", &changes, DB_TEXT(h))) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (changes != 1)
		return fail(ctx, p, "cette connexion a déjà servi.");
	if (!browser_ok(browser) || !sec_equal(hash_of(ctx->arena, browser), db_text(db_cell(r, 0, 0))))
		return fail(ctx, p, "cette connexion a été commencée dans un autre navigateur.");
	if (strcmp(db_text(db_cell(r, 0, 1)), config_oidc_name(p)) != 0)
		return fail(ctx, p, "cette connexion a été commencée avec un autre fournisseur.");
	if (db_int(db_cell(r, 0, 5)) < ctx->now)
		return fail(ctx, p, "cette connexion a expiré.");
	*nonce = db_text(db_cell(r, 0, 2));
	*verifier = db_text(db_cell(r, 0, 3));
	*next = db_text(db_cell(r, 0, 4));
	return TR_OK;
}

/* Merges userinfo's answer into CLAIMS: plain JSON, or a JWT checked with the provider's keys (iss and aud when
 * present), whose sub must be the ID token's. */
static tr_err
read_userinfo(
    struct ctx *ctx, enum config_oidc_provider p, struct provider_view *v, const char *access_token, json_t *claims)
{
	struct answer a;
	json_t *info = NULL;
	const char *sub;
	tr_err err;

	if (v->userinfo == NULL || access_token == NULL)
		return TR_OK;
	if ((err = http_call(ctx, p, v->userinfo, NULL, access_token, NULL, &a)) != TR_OK)
		return err;
	if (a.status != 200)
		return fail(ctx, p, "les informations sur la personne n'ont pas pu être lues.");
	if (strcmp(a.content_type, "application/jwt") == 0) {
		const char *iss, *aud;
		char *compact = arena_strdup(ctx->arena, a.body);
		compact[strcspn(compact, " \r\n")] = '\0';
		if ((err = verify_with_rotation(ctx, p, v, compact, &info)) != TR_OK)
			return err;
		iss = json_string_value(json_object_get(info, "iss"));
		aud = json_string_value(json_object_get(info, "aud"));
		if ((iss != NULL && strcmp(iss, v->cfg->issuer) != 0) ||
		    (aud != NULL && strcmp(aud, v->cfg->client_id) != 0)) {
			json_decref(info);
			return fail(ctx, p, "les informations sur la personne ne sont pas destinées à ce service.");
		}
	} else {
		info = json_loads(a.body, 0, NULL);
	}
	sub = json_string_value(json_object_get(info, "sub"));
	if (!json_is_object(info) || sub == NULL ||
	    strcmp(sub, json_string_value(json_object_get(claims, "sub"))) != 0) {
		json_decref(info);
		return fail(ctx, p, "les informations sur la personne ne concernent pas la personne connectée.");
	}
	json_object_update(claims, info);
	json_decref(info);
	return TR_OK;
}

tr_err
oidc_finish(struct ctx *ctx, enum config_oidc_provider p, const char *browser, const char *state, const char *code,
    const char *error, struct oidc_identity *out)
{
	const struct config_oidc *c = &ctx->cfg->oidc[p];
	const char *nonce = NULL, *verifier = NULL, *next = NULL, *id_token, *access_token, *form;
	struct provider_view v = { 0 };
	struct oidc_expect e;
	struct answer a;
	json_t *tokens = NULL, *claims = NULL;
	tr_err err;

	memset(out, 0, sizeof(*out));
	if (!oidc_configured(ctx->cfg, p))
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce service de connexion n'est pas proposé.");
	if ((err = take_flow(ctx, p, browser, state, &nonce, &verifier, &next)) != TR_OK)
		return err;
	if (error != NULL)
		return fail(ctx, p,
		    strcmp(error, "access_denied") == 0 ? "vous avez annulé la connexion."
		                                        : "le fournisseur a refusé la demande.");
	if (code == NULL || *code == '\0' || strlen(code) > 2048)
		return fail(ctx, p, "la réponse du fournisseur n'a pas de code.");
	if ((err = provider_load(ctx, p, false, &v)) != TR_OK)
		return err;
	form = arena_printf(ctx->arena, "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s",
	    url_encode(ctx->arena, code), url_encode(ctx->arena, redirect_uri(ctx, p, "retour")), verifier);
	if (!v.basic)
		form = arena_printf(ctx->arena, "%s&client_id=%s&client_secret=%s", form,
		    url_encode(ctx->arena, c->client_id), url_encode(ctx->arena, c->client_secret));
	err = http_call(ctx, p, v.token, form, NULL,
	    v.basic ? arena_printf(ctx->arena, "%s:%s", url_encode(ctx->arena, c->client_id),
	                  url_encode(ctx->arena, c->client_secret))
	            : NULL,
	    &a);
	if (err != TR_OK)
		goto out;
	tokens = json_loads(a.body, 0, NULL);
	id_token = json_string_value(json_object_get(tokens, "id_token"));
	access_token = json_string_value(json_object_get(tokens, "access_token"));
	if (a.status != 200 || id_token == NULL) {
		err = fail(ctx, p, "le fournisseur n'a pas délivré de jeton d'identité.");
		goto out;
	}
	if ((err = verify_with_rotation(ctx, p, &v, id_token, &claims)) != TR_OK)
		goto out;
	e = (struct oidc_expect){ c->issuer, c->client_id, nonce, c->acr_values, ctx->now };
	if ((err = oidc_check_claims(ctx, claims, &e)) != TR_OK) {
		err = fail(ctx, p, ctx->message);
		goto out;
	}
	if ((err = read_userinfo(ctx, p, &v, access_token, claims)) != TR_OK)
		goto out;
	out->provider = p;
	out->sub = arena_strdup(ctx->arena, json_string_value(json_object_get(claims, "sub")));
	out->id_token = arena_strdup(ctx->arena, id_token);
	out->next = next;
	out->claims = claims;
	claims = NULL;
out:
	json_decref(claims);
	json_decref(tokens);
	json_decref(v.discovery);
	return err;
}

const char *
oidc_logout_url(struct ctx *ctx, enum config_oidc_provider p, const char *id_token)
{
	struct provider_view v;
	const char *url = NULL;

	if (!oidc_configured(ctx->cfg, p) || id_token == NULL || provider_load(ctx, p, false, &v) != TR_OK)
		return NULL;
	if (v.end_session != NULL)
		url = arena_printf(ctx->arena, "%s%cid_token_hint=%s&post_logout_redirect_uri=%s&state=%s",
		    v.end_session, strchr(v.end_session, '?') ? '&' : '?', id_token,
		    url_encode(ctx->arena, redirect_uri(ctx, p, "deconnexion")), sec_random_token(ctx->arena, 16));
	json_decref(v.discovery);
	return url;
}

tr_err
oidc_housekeeping(struct db *db, int64_t now)
{
	tr_err err = db_execv(db, "DELETE FROM oidc_flows WHERE expires_at < ?", NULL, DB_I64(now));

	/* A link never confirmed is forgotten a day after it expired (the claims it kept with it). */
	if (err == TR_OK)
		err = db_execv(
		    db, "DELETE FROM oidc_pending WHERE kind = 'link' AND expires_at < ?", NULL, DB_I64(now - 86400));
	return err;
}
