/* Tests of the ID token checks of the OpenID Connect client (domain/sso/oidc.h): signatures against a key set (RSA
 * and EC keys made and tokens signed here with libcjose), the algorithms refused (none, HMAC, a key of the wrong
 * type), the unknown key id that asks for the set again, and each claim check with its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <cjose/cjose.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/sso/oidc.h"

#define NOW 1800000000

static cjose_jwk_t *rsa, *ec, *rsa_other;
static char *jwks; /* rsa ("r1") and ec ("e1") */

static cjose_jwk_t *
with_kid(cjose_jwk_t *k, const char *kid)
{
	cjose_err err;

	assert_non_null(k);
	assert_true(cjose_jwk_set_kid(k, kid, strlen(kid), &err));
	return k;
}

static int
setup(void **state)
{
	static const uint8_t e[] = { 1, 0, 1 };
	cjose_err err;
	char *a, *b;

	(void)state;
	rsa = with_kid(cjose_jwk_create_RSA_random(2048, e, sizeof(e), &err), "r1");
	rsa_other = with_kid(cjose_jwk_create_RSA_random(2048, e, sizeof(e), &err), "r1");
	ec = with_kid(cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err), "e1");
	a = cjose_jwk_to_json(rsa, false, &err);
	b = cjose_jwk_to_json(ec, false, &err);
	jwks = malloc(strlen(a) + strlen(b) + 32);
	snprintf(jwks, strlen(a) + strlen(b) + 32, "{\"keys\":[%s,%s]}", a, b);
	free(a);
	free(b);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cjose_jwk_release(rsa);
	cjose_jwk_release(rsa_other);
	cjose_jwk_release(ec);
	free(jwks);
	return 0;
}

/* A compact JWS of PAYLOAD signed by KEY with ALG and KID (NULL: none in the header); the caller frees it. */
static char *
sign(cjose_jwk_t *key, const char *alg, const char *kid, const char *payload)
{
	cjose_err err;
	cjose_header_t *h = cjose_header_new(&err);
	cjose_jws_t *jws;
	const char *compact;
	char *out;

	cjose_header_set(h, CJOSE_HDR_ALG, alg, &err);
	if (kid != NULL)
		cjose_header_set(h, CJOSE_HDR_KID, kid, &err);
	jws = cjose_jws_sign(key, h, (const uint8_t *)payload, strlen(payload), &err);
	assert_non_null(jws);
	assert_true(cjose_jws_export(jws, &compact, &err));
	out = strdup(compact);
	cjose_jws_release(jws);
	cjose_header_release(h);
	return out;
}

struct fixture {
	struct arena *arena;
	struct ctx ctx;
};

static void
fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->arena = arena_new();
	f->ctx.arena = f->arena;
	f->ctx.now = NOW;
}

static tr_err
verify(const char *token, bool *unknown, json_t **payload)
{
	struct fixture f;
	tr_err err;

	fx_init(&f);
	err = oidc_jws_verify(&f.ctx, token, jwks, payload, unknown);
	arena_free(f.arena);
	return err;
}

static void
test_signatures(void **state)
{
	json_t *p = NULL;
	bool unknown;
	char *t;

	(void)state;
	t = sign(rsa, CJOSE_HDR_ALG_RS256, "r1", "{\"sub\":\"abc\"}");
	assert_int_equal(verify(t, &unknown, &p), TR_OK);
	assert_string_equal(json_string_value(json_object_get(p, "sub")), "abc");
	json_decref(p);
	free(t);

	t = sign(ec, CJOSE_HDR_ALG_ES256, "e1", "{\"sub\":\"ec\"}");
	assert_int_equal(verify(t, &unknown, &p), TR_OK);
	json_decref(p);
	free(t);

	/* Another key with the same kid: a bad signature, not an unknown key. */
	t = sign(rsa_other, CJOSE_HDR_ALG_RS256, "r1", "{\"sub\":\"abc\"}");
	assert_int_equal(verify(t, &unknown, &p), TR_FORBIDDEN);
	assert_false(unknown);
	assert_null(p);
	free(t);

	/* A key id the set does not have: the caller reads the set again. */
	t = sign(rsa, CJOSE_HDR_ALG_RS256, "r2", "{\"sub\":\"abc\"}");
	assert_int_equal(verify(t, &unknown, &p), TR_FORBIDDEN);
	assert_true(unknown);
	free(t);

	/* Without a kid, the one key of the algorithm's type is used. */
	t = sign(rsa, CJOSE_HDR_ALG_RS256, NULL, "{\"sub\":\"abc\"}");
	assert_int_equal(verify(t, &unknown, &p), TR_OK);
	json_decref(p);
	free(t);
}

static void
test_tampered_and_refused(void **state)
{
	json_t *p = NULL;
	bool unknown;
	char *t, *dot, *forged;
	cjose_err err;
	cjose_jwk_t *oct;

	(void)state;
	/* The payload changed, the signature kept. */
	t = sign(rsa, CJOSE_HDR_ALG_RS256, "r1", "{\"sub\":\"abc\"}");
	dot = strchr(t, '.');
	forged = malloc(strlen(t) + 64);
	snprintf(forged, strlen(t) + 64, "%.*s.eyJzdWIiOiJldmUifQ%s", (int)(dot - t), t, strchr(dot + 1, '.'));
	assert_int_equal(verify(forged, &unknown, &p), TR_FORBIDDEN);
	assert_null(p);
	free(forged);
	free(t);

	/* alg none, and garbage. */
	assert_int_equal(verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUifQ.", &unknown, &p), TR_FORBIDDEN);
	assert_int_equal(verify("not a token", &unknown, &p), TR_FORBIDDEN);
	/* Segments a base64url decoder cannot take (1 modulo 4, or outside the alphabet) never reach libcjose, whose
	 * decoder asserts on them (found by fuzz_oidc). */
	assert_int_equal(verify("eyJhbGciOiJSUzI1NiJ9.x.x", &unknown, &p), TR_FORBIDDEN);
	assert_int_equal(verify("eyJhbGciOiJSUzI1NiJ9=.eyJzdWIiOiJldmUifQ.AAAA", &unknown, &p), TR_FORBIDDEN);
	assert_int_equal(verify("a.b.c.d", &unknown, &p), TR_FORBIDDEN);
	assert_int_equal(verify("", &unknown, &p), TR_FORBIDDEN);
	assert_int_equal(verify(NULL, &unknown, &p), TR_FORBIDDEN);

	/* HMAC (a public key used as a shared secret is the classic confusion): refused by its algorithm. */
	oct = cjose_jwk_create_oct_random(32, &err);
	t = sign(oct, CJOSE_HDR_ALG_HS256, "r1", "{\"sub\":\"abc\"}");
	assert_int_equal(verify(t, &unknown, &p), TR_FORBIDDEN);
	assert_false(unknown);
	free(t);
	cjose_jwk_release(oct);

	/* RS256 naming the EC key's id: no key of that type has it. */
	t = sign(rsa, CJOSE_HDR_ALG_RS256, "e1", "{\"sub\":\"abc\"}");
	assert_int_equal(verify(t, &unknown, &p), TR_FORBIDDEN);
	assert_null(p);
	free(t);
}

static tr_err
check(const char *claims_json, const char *acr_values)
{
	struct fixture f;
	json_t *c = json_loads(claims_json, 0, NULL);
	struct oidc_expect e = { "https://idp.example", "client-1", "n-123", acr_values, NOW };
	tr_err err;

	assert_non_null(c);
	fx_init(&f);
	err = oidc_check_claims(&f.ctx, c, &e);
	if (err != TR_OK)
		assert_non_null(f.ctx.message);
	json_decref(c);
	arena_free(f.arena);
	return err;
}

#define GOOD_ISS "\"iss\":\"https://idp.example\""
#define GOOD_REST "\"sub\":\"s1\",\"nonce\":\"n-123\",\"acr\":\"eidas1\",\"iat\":1800000000,\"exp\":1800000060"

static void
test_claims(void **state)
{
	(void)state;
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-1\"," GOOD_REST "}", "eidas1"), TR_OK);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-1\"," GOOD_REST "}", ""), TR_OK);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-1\"," GOOD_REST "}", "eidas2 eidas1"), TR_OK);
	/* iss, aud, azp. */
	assert_int_equal(
	    check("{\"iss\":\"https://idp.example/\",\"aud\":\"client-1\"," GOOD_REST "}", NULL), TR_FORBIDDEN);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-2\"," GOOD_REST "}", NULL), TR_FORBIDDEN);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":[\"client-1\"]," GOOD_REST "}", NULL), TR_OK);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":[\"client-1\",\"x\"]," GOOD_REST "}", NULL), TR_FORBIDDEN);
	assert_int_equal(
	    check("{" GOOD_ISS ",\"aud\":[\"client-1\",\"x\"],\"azp\":\"client-1\"," GOOD_REST "}", NULL), TR_OK);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-1\",\"azp\":\"x\"," GOOD_REST "}", NULL), TR_FORBIDDEN);
	/* exp: the leeway, not a second more; iat in the future past the leeway. */
	assert_int_equal(
	    check("{" GOOD_ISS ",\"aud\":\"client-1\",\"sub\":\"s1\",\"nonce\":\"n-123\",\"iat\":1799999000,"
	          "\"exp\":1799999940}",
	        NULL),
	    TR_OK);
	assert_int_equal(
	    check("{" GOOD_ISS ",\"aud\":\"client-1\",\"sub\":\"s1\",\"nonce\":\"n-123\",\"iat\":1799999000,"
	          "\"exp\":1799999939}",
	        NULL),
	    TR_FORBIDDEN);
	assert_int_equal(
	    check("{" GOOD_ISS ",\"aud\":\"client-1\",\"sub\":\"s1\",\"nonce\":\"n-123\",\"iat\":1800000061,"
	          "\"exp\":1800000600}",
	        NULL),
	    TR_FORBIDDEN);
	assert_int_equal(
	    check("{" GOOD_ISS ",\"aud\":\"client-1\",\"sub\":\"s1\",\"nonce\":\"n-123\",\"iat\":1800000000}", NULL),
	    TR_FORBIDDEN);
	/* nonce, acr, sub. */
	assert_int_equal(
	    check("{" GOOD_ISS ",\"aud\":\"client-1\",\"sub\":\"s1\",\"nonce\":\"n-124\",\"iat\":1800000000,"
	          "\"exp\":1800000060}",
	        NULL),
	    TR_FORBIDDEN);
	assert_int_equal(
	    check("{" GOOD_ISS ",\"aud\":\"client-1\",\"sub\":\"s1\",\"iat\":1800000000,\"exp\":1800000060}", NULL),
	    TR_FORBIDDEN);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-1\"," GOOD_REST "}", "eidas2"), TR_FORBIDDEN);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-1\"," GOOD_REST "}", "eidas"), TR_FORBIDDEN);
	assert_int_equal(check("{" GOOD_ISS ",\"aud\":\"client-1\",\"sub\":\"\",\"nonce\":\"n-123\",\"iat\":1800000000,"
	                       "\"exp\":1800000060}",
	                     NULL),
	    TR_FORBIDDEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_tampered_and_refused),
		cmocka_unit_test(test_claims),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
