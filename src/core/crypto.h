/* Secrets: random tokens, SHA-256, constant-time comparison and password hashing (argon2id), all through
 * libsodium. */
#ifndef TR_CORE_CRYPTO_H
#define TR_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct arena;

#define SEC_SHA256_HEX 65         /* 64 hex digits and a NUL */
#define SEC_PASSWORD_HASH_MAX 128 /* libsodium's crypto_pwhash_STRBYTES */

/* Initialises libsodium; call once before any thread starts. TR_INTERNAL when it cannot. */
TR_MUST_USE tr_err sec_init(void);

/* A random token of NBYTES bytes of entropy, in unpadded base64url, allocated in the arena. */
char *sec_random_token(struct arena *a, size_t nbytes);

/* Lower-case hex SHA-256 of DATA into OUT (SEC_SHA256_HEX bytes). */
void sec_sha256_hex(const void *data, size_t n, char out[SEC_SHA256_HEX]);

/* The SHA-256 of DATA in unpadded base64url, in the arena (a PKCE S256 code challenge, RFC 7636). */
char *sec_sha256_b64url(struct arena *a, const void *data, size_t n);

/* Constant-time equality of two NUL-terminated strings (false when lengths differ). */
bool sec_equal(const char *a, const char *b);

/* Hashes PASSWORD with argon2id (libsodium's interactive limits) into OUT. TR_INTERNAL when memory for
 * the hash cannot be had. */
TR_MUST_USE tr_err sec_password_hash(const char *password, size_t n, char out[SEC_PASSWORD_HASH_MAX]);

/* True when PASSWORD matches HASH (a string made by sec_password_hash). */
bool sec_password_verify(const char *hash, const char *password, size_t n);

/* Spends the same time as a failed sec_password_verify, so that an unknown account and a wrong password
 * cannot be told apart by timing. */
void sec_password_dummy_verify(const char *password, size_t n);

#define SEC_KEY_BYTES 32 /* a secretbox key */

/* Fills OUT with N random bytes. */
void sec_random_bytes(void *out, size_t n);

/* Seals DATA (N bytes) under KEY (SEC_KEY_BYTES) with a fresh nonce: base64url(nonce || box), in the arena. */
char *sec_seal(struct arena *a, const unsigned char *key, const void *data, size_t n);

/* Opens what sec_seal made: the plain bytes into OUT (at most MAX), their count into *N. False when SEALED is
 * not a box of KEY (tampered, or another key). */
bool sec_unseal(const unsigned char *key, const char *sealed, void *out, size_t max, size_t *n);

/* Standard base64 (with padding) of DATA (N bytes), in the arena: for data: URIs. */
char *sec_base64(struct arena *a, const void *data, size_t n);

/* The bytes of HEX (2 × N lower- or upper-case digits) into OUT; false on anything else. */
bool sec_hex_decode(const char *hex, unsigned char *out, size_t n);

#endif
