/* Time-based one-time passwords (RFC 6238, HMAC-SHA-1, 30-second steps) through Debian's liboath, and the
 * enrolment's QR code (libqrencode) drawn as SVG. */
#ifndef TR_CORE_TOTP_H
#define TR_CORE_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct arena;

#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */

/* Initialises liboath; call once before any thread starts. TR_INTERNAL when it cannot. */
TR_MUST_USE tr_err totp_init(void);

/* The DIGITS-digit code (6, 7 or 8) of the raw SECRET (N bytes) at time T (seconds since the epoch) into OUT
 * (DIGITS + 1 bytes). TR_INTERNAL when liboath refuses. */
TR_MUST_USE tr_err totp_code(const void *secret, size_t n, int64_t t, unsigned digits, char *out);

/* Whether CODE (TOTP_DIGITS digits; spaces are ignored) is the code of SECRET at NOW or one step either side.
 * On a match, *STEP is the time step (T / TOTP_STEP) it belongs to, so that the caller can refuse a code of a
 * step already used (RFC 6238, 5.2). */
bool totp_check(const void *secret, size_t n, int64_t now, const char *code, int64_t *step);

/* The unpadded RFC 4648 base32 of DATA (N bytes) in the arena, as authenticator apps take secrets. */
char *totp_base32(struct arena *a, const void *data, size_t n);

/* An SVG drawing (with a title for screen readers) of the QR code of TEXT, in the arena; NULL when the text
 * does not fit a QR code. */
char *totp_qr_svg(struct arena *a, const char *text, const char *title);

#endif
