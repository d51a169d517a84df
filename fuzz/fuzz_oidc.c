/* libFuzzer driver for the ID token checks of the OpenID Connect client (domain/sso/oidc.h): the input is a token, a
 * line feed, then a key set (JSON), as a provider's token endpoint and jwks_uri would answer. oidc_jws_verify must
 * answer TR_OK with a JSON object, or TR_FORBIDDEN with no payload and a French message in valid UTF-8; a payload it
 * accepts then goes through oidc_check_claims, which must answer TR_OK or TR_FORBIDDEN with a message. Any broken
 * promise aborts. The corpus holds a token signed by its set (fuzz/corpus/oidc). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "domain/sso/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct ctx ctx = { 0 };
	struct oidc_expect e = { "https://idp.example", "client-1", "n-123", "eidas1", 1800000000 };
	json_t *payload = (json_t *)1;
	char *token, *jwks;
	bool unknown;
	tr_err err;

	if (nl == NULL || size > 65536)
		return 0;
	ctx.arena = arena_new();
	token = arena_strndup(ctx.arena, (const char *)data, (size_t)(nl - data));
	jwks = arena_strndup(ctx.arena, (const char *)nl + 1, size - (size_t)(nl - data) - 1);
	if (strlen(token) != (size_t)(nl - data)) { /* an embedded NUL: not a token a provider sends as text */
		arena_free(ctx.arena);
		return 0;
	}
	err = oidc_jws_verify(&ctx, token, jwks, &payload, &unknown);
	fuzz_check(err == TR_OK || err == TR_FORBIDDEN);
	if (err == TR_OK) {
		fuzz_check(json_is_object(payload));
		ctx.message = NULL;
		err = oidc_check_claims(&ctx, payload, &e);
		fuzz_check(err == TR_OK || err == TR_FORBIDDEN);
		fuzz_check(err == TR_OK || (ctx.message != NULL && utf8_valid(ctx.message, strlen(ctx.message))));
		json_decref(payload);
	} else {
		fuzz_check(payload == NULL);
		fuzz_check(ctx.message != NULL && utf8_valid(ctx.message, strlen(ctx.message)));
	}
	arena_free(ctx.arena);
	return 0;
}
