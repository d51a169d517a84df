/* TOTP through liboath; the QR code through libqrencode. */
#include "core/totp.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

tr_err
totp_init(void)
{
	return oath_init() == OATH_OK ? TR_OK : TR_INTERNAL;
}

tr_err
totp_code(const void *secret, size_t n, int64_t t, unsigned digits, char *out)
{
	return oath_totp_generate((const char *)secret, n, (time_t)t, TOTP_STEP, 0, digits, out) == OATH_OK
	           ? TR_OK
	           : TR_INTERNAL;
}

bool
totp_check(const void *secret, size_t n, int64_t now, const char *code, int64_t *step)
{
	char digits[TOTP_DIGITS + 1];
	size_t k = 0;
	uint64_t counter = 0;
	int pos = 0, rc;

	if (code == NULL)
		return false;
	for (const char *p = code; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p < '0' || *p > '9' || k == TOTP_DIGITS)
			return false;
		digits[k++] = *p;
	}
	if (k != TOTP_DIGITS)
		return false;
	digits[k] = '\0';
	rc = oath_totp_validate3((const char *)secret, n, (time_t)now, TOTP_STEP, 0, 1, &pos, &counter, digits);
	if (rc < 0)
		return false;
	*step = (int64_t)counter;
	return true;
}

char *
totp_base32(struct arena *a, const void *data, size_t n)
{
	char *out = NULL, *copy;
	size_t len = 0;

	if (oath_base32_encode((const char *)data, n, &out, &len) != OATH_OK)
		return NULL;
	while (len > 0 && out[len - 1] == '=')
		len--;
	copy = arena_strndup(a, out, len);
	free(out);
	return copy;
}

char *
totp_qr_svg(struct arena *a, const char *text, const char *title)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	struct buf b = BUF_INIT(1 << 20);
	int margin = 4, w;
	bool bad = false;

	if (qr == NULL)
		return NULL;
	w = qr->width + 2 * margin;
	bad |= buf_printf(&b,
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	           "role=\"img\" aria-labelledby=\"qr-titre\"><title id=\"qr-titre\">",
	           w, w, w * 6, w * 6) != TR_OK;
	for (const char *p = title; *p; p++)
		bad |= (*p == '<'      ? buf_puts(&b, "&lt;")
		           : *p == '&' ? buf_puts(&b, "&amp;")
		                       : buf_putc(&b, *p)) != TR_OK;
	bad |= buf_printf(&b, "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"", w,
	           w) != TR_OK;
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				bad |= buf_printf(&b, "M%d %dh1v1h-1z", x + margin, y + margin) != TR_OK;
	bad |= buf_puts(&b, "\"/></svg>") != TR_OK;
	QRcode_free(qr);
	if (bad) {
		buf_free(&b);
		return NULL;
	}
	return buf_to_arena(&b, a);
}
