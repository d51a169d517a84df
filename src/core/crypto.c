/* Thin layer over libsodium. */
#include "core/crypto.h"

#include <sodium.h>
#include <string.h>

#include "core/arena.h"

tr_err
sec_init(void)
{
	return sodium_init() < 0 ? TR_INTERNAL : TR_OK;
}

char *
sec_random_token(struct arena *a, size_t nbytes)
{
	unsigned char raw[64];
	size_t len;
	char *out;

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	randombytes_buf(raw, nbytes);
	len = sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out = arena_alloc(a, len);
	sodium_bin2base64(out, len, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return out;
}

void
sec_sha256_hex(const void *data, size_t n, char out[SEC_SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, n);
	sodium_bin2hex(out, SEC_SHA256_HEX, h, sizeof(h));
}

char *
sec_sha256_b64url(struct arena *a, const void *data, size_t n)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	size_t len = sodium_base64_ENCODED_LEN(sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, len);

	crypto_hash_sha256(h, data, n);
	sodium_bin2base64(out, len, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

bool
sec_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na != nb)
		return false;
	return na == 0 || sodium_memcmp(a, b, na) == 0;
}

tr_err
sec_password_hash(const char *password, size_t n, char out[SEC_PASSWORD_HASH_MAX])
{
	_Static_assert(SEC_PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer");
	if (crypto_pwhash_str_alg(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return TR_INTERNAL;
	return TR_OK;
}

bool
sec_password_verify(const char *hash, const char *password, size_t n)
{
	return crypto_pwhash_str_verify(hash, password, n) == 0;
}

void
sec_password_dummy_verify(const char *password, size_t n)
{
	static char dummy[SEC_PASSWORD_HASH_MAX];
	static int ready;

	/* Benign race: every thread computes the same kind of hash. */
	if (!ready) {
		if (sec_password_hash("tremplin-dummy", 14, dummy) != TR_OK)
			return;
		ready = 1;
	}
	(void)sec_password_verify(dummy, password, n);
}
