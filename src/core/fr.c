/* French for people: plurals, dates in words, telephone numbers (core/fr.h). */
#include "core/fr.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"

const char *
fr_plural(long long n, const char *one, const char *many)
{
	return n >= -1 && n <= 1 ? one : many;
}

char *
fr_count(struct arena *a, long long n, const char *one, const char *many)
{
	return arena_printf(a, "%lld %s", n, fr_plural(n, one, many));
}

static const char *const fr_months[] = { "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	"septembre", "octobre", "novembre", "décembre" };

bool
fr_date_write(const char *s, size_t n, char *out, size_t outlen)
{
	int y, m, d, w;

	if (outlen > 0)
		out[0] = '\0';
	if (s == NULL || n < 10 || (n > 10 && s[10] != 'T' && s[10] != ' '))
		return false;
	if (!date_parse(s, 10, &y, &m, &d))
		return false;
	w = snprintf(out, outlen, "%d%s %s %d", d, d == 1 ? "er" : "", fr_months[m - 1], y);
	if (w < 0 || (size_t)w >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return false;
	}
	return true;
}

char *
fr_date(struct arena *a, const char *s)
{
	char tmp[32];

	if (s == NULL)
		return arena_strdup(a, "");
	if (!fr_date_write(s, strlen(s), tmp, sizeof(tmp)))
		return arena_strdup(a, s);
	return arena_strdup(a, tmp);
}

/* Overseas départements: their national prefix (after the 0) and their country code. */
static const struct {
	const char *prefix, *code;
} fr_overseas[] = {
	{ "262", "262" },
	{ "692", "262" },
	{ "693", "262" },
	{ "269", "262" },
	{ "639", "262" },
	{ "590", "590" },
	{ "690", "590" },
	{ "691", "590" },
	{ "594", "594" },
	{ "694", "594" },
	{ "596", "596" },
	{ "696", "596" },
	{ "697", "596" },
};

bool
fr_phone_e164(const char *s, size_t n, char *out)
{
	char digits[32];
	size_t nd = 0, i = 0;
	bool plus = false, intl = false;

	out[0] = '\0';
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '+') {
		plus = true;
		i++;
	}
	for (; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (nd == sizeof(digits) - 1)
				return false;
			digits[nd++] = c;
		} else if (c == '(' && i + 2 < n && s[i + 1] == '0' && s[i + 2] == ')' && plus && nd > 0) {
			i += 2; /* "+33 (0)6…": the trunk 0 in brackets is dropped */
		} else if (strchr(" .-/()\t", c) == NULL) {
			return false;
		}
	}
	digits[nd] = '\0';
	if (!plus && nd > 2 && digits[0] == '0' && digits[1] == '0') {
		memmove(digits, digits + 2, nd - 1); /* "0033…": the international prefix */
		nd -= 2;
		plus = true;
	}
	if (plus) {
		intl = true;
	} else if (nd == 10 && digits[0] == '0' && digits[1] != '0') {
		for (i = 0; i < sizeof(fr_overseas) / sizeof(fr_overseas[0]); i++) {
			if (memcmp(digits + 1, fr_overseas[i].prefix, 3) == 0) {
				memcpy(out, "+", 1);
				memcpy(out + 1, fr_overseas[i].code, 3);
				memcpy(out + 4, digits + 1, 10); /* nine digits and the NUL */
				return true;
			}
		}
		memcpy(out, "+33", 3);
		memcpy(out + 3, digits + 1, 10);
		return true;
	} else {
		return false;
	}
	/* An international number: a country code (no leading 0), 9 to 15 digits in all; +33 takes 9 after it. */
	if (!intl || nd < 9 || nd > 15 || digits[0] == '0')
		return false;
	if (digits[0] == '3' && digits[1] == '3' && (nd != 11 || digits[2] == '0'))
		return false;
	out[0] = '+';
	memcpy(out + 1, digits, nd + 1);
	return true;
}

bool
fr_phone_display_write(const char *s, char *out, size_t outlen)
{
	if (s == NULL || strlen(s) != 12 || strncmp(s, "+33", 3) != 0 || strspn(s + 3, "0123456789") != 9 ||
	    outlen < 15)
		return false;
	snprintf(out, outlen, "0%c %.2s %.2s %.2s %.2s", s[3], s + 4, s + 6, s + 8, s + 10);
	return true;
}

char *
fr_phone_display(struct arena *a, const char *s)
{
	char tmp[20];

	if (s == NULL)
		return arena_strdup(a, "");
	return arena_strdup(a, fr_phone_display_write(s, tmp, sizeof(tmp)) ? tmp : s);
}
