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

void
sec_random_bytes(void *out, size_t n)
{
	randombytes_buf(out, n);
}

char *
sec_seal(struct arena *a, const unsigned char *key, const void *data, size_t n)
{
	size_t raw_n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	unsigned char *raw = arena_alloc(a, raw_n);
	size_t len = sodium_base64_ENCODED_LEN(raw_n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, len);

	randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, data, n, raw, key);
	sodium_bin2base64(out, len, raw, raw_n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

bool
sec_unseal(const unsigned char *key, const char *sealed, void *out, size_t max, size_t *n)
{
	unsigned char raw[512];
	size_t raw_n = 0;

	if (sodium_base642bin(raw, sizeof(raw), sealed, strlen(sealed), NULL, &raw_n, NULL,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    raw_n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES ||
	    raw_n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES > max)
		return false;
	if (crypto_secretbox_open_easy(
	        out, raw + crypto_secretbox_NONCEBYTES, raw_n - crypto_secretbox_NONCEBYTES, raw, key) != 0)
		return false;
	*n = raw_n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	return true;
}

bool
sec_hex_decode(const char *hex, unsigned char *out, size_t n)
{
	size_t got = 0;

	return strlen(hex) == 2 * n && sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) == 0 && got == n;
}

char *
sec_base64(struct arena *a, const void *data, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *out = arena_alloc(a, len);

	sodium_bin2base64(out, len, data, n, sodium_base64_VARIANT_ORIGINAL);
	return out;
}
