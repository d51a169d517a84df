/* UTF-8 validation, code point counts and search keys (folded with utf8proc). */
#include "core/utf8.h"

#include <stdint.h>

#include <utf8proc.h>

#include "core/arena.h"
#include "core/buf.h"

/* Search keys: utf8proc decomposes each code point (NFKD: compatibility forms such as full-width letters,
 * ligatures ﬁ and ĳ, superscripts), folds its case (ß → ss) and drops its marks (accents of any script) and
 * the default-ignorable ones (soft hyphen, zero-width, direction marks). What is left is classified by its
 * Unicode category: letters and digits are kept, marks and format characters dropped, anything else
 * separates words. */
#define FOLD_OPTIONS (UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)
#define FOLD_MAX 32 /* code points of one decomposition (the longest, U+FDFA, has 18) */

/* The Latin letters Unicode does not decompose (a stroke or a ligature is not a mark), after case folding,
 * and the modifier apostrophe (a letter for Unicode, an apostrophe in French text). Sorted by code point. */
static const struct {
	uint32_t cp;
	const char *to; /* ASCII letters, or " " for a word separator */
} utf8_letters[] = {
	{ 0x00E6, "ae" }, /* æ */
	{ 0x00F0, "d" },  /* ð */
	{ 0x00F8, "o" },  /* ø */
	{ 0x00FE, "th" }, /* þ */
	{ 0x0111, "d" },  /* đ (Vietnamese, Croatian) */
	{ 0x0127, "h" },  /* ħ */
	{ 0x0131, "i" },  /* ı */
	{ 0x0138, "k" },  /* ĸ */
	{ 0x0142, "l" },  /* ł */
	{ 0x014B, "n" },  /* ŋ */
	{ 0x0153, "oe" }, /* œ */
	{ 0x0167, "t" },  /* ŧ */
	{ 0x02BC, " " },  /* ʼ */
};

/* Decodes the code point at S (N > 0 bytes left) into *CP; returns its length, or 0 when the
 * sequence is ill-formed or truncated. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	if (s[0] < 0xE0) {
		len = 2;
		*cp = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		len = 3;
		*cp = s[0] & 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0; /* overlong */
		else if (s[0] == 0xED)
			hi = 0x9F; /* surrogates */
	} else {
		len = 4;
		*cp = s[0] & 0x07;
		if (s[0] == 0xF0)
			lo = 0x90; /* overlong */
		else if (s[0] == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	return len;
}

bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0 || cp == 0)
			return false;
		i += len;
	}
	return true;
}

/* Letters written right to left: Hebrew, Arabic, Syriac, Thaana, N'Ko… and their presentation forms. */
static bool
utf8_rtl_letter(uint32_t cp)
{
	return (cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF) ||
	       (cp >= 0x10800 && cp <= 0x10FFF) || (cp >= 0x1E800 && cp <= 0x1EFFF);
}

bool
utf8_has_bidi_controls(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	bool marks = false, rtl = false;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = utf8_decode(p + i, n - i, &cp)) == 0) {
			i++;
			continue;
		}
		if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
			return true;
		marks |= cp == 0x200E || cp == 0x200F;
		rtl |= utf8_rtl_letter(cp);
		i += len;
	}
	return marks && !rtl;
}

size_t
utf8_length(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/* The ASCII fold of a letter utf8proc leaves alone (utf8_letters), or NULL. */
static const char *
utf8_letter_find(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(utf8_letters) / sizeof(utf8_letters[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < utf8_letters[mid].cp)
			hi = mid;
		else if (cp > utf8_letters[mid].cp)
			lo = mid + 1;
		else
			return utf8_letters[mid].to;
	}
	return NULL;
}

/* The key being written, in a buffer; a space owed before the next word character. */
struct utf8_key {
	struct buf b;
	bool space;
};

static void
utf8_key_put(struct utf8_key *k, const char *s, size_t n)
{
	if (k->space && k->b.n > 0 && buf_putc(&k->b, ' ') != TR_OK)
		return; /* over the cap: the key stops there */
	k->space = false;
	if (buf_append(&k->b, s, n) != TR_OK)
		return; /* idem */
}

/* Adds the fold TO: ASCII word characters, with ' ' standing for a separator. */
static void
utf8_key_fold(struct utf8_key *k, const char *to)
{
	for (; *to != '\0'; to++) {
		if (*to == ' ')
			k->space = true;
		else
			utf8_key_put(k, to, 1);
	}
}

/* Adds CP, already decomposed, case-folded and without marks. */
static void
utf8_key_char(struct utf8_key *k, int32_t cp)
{
	const char *to = utf8_letter_find((uint32_t)cp);
	utf8proc_uint8_t enc[4];

	if (to != NULL) {
		utf8_key_fold(k, to);
		return;
	}
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO: utf8_key_put(k, (const char *)enc, (size_t)utf8proc_encode_char(cp, enc)); return;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_CF: return; /* a mark or a format character: inside the word */
	default: k->space = true;          /* punctuation, symbols, spaces, controls */
	}
}

char *
utf8_fold_key(struct arena *a, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct utf8_key k = { BUF_INIT(16 * n + 16), false };
	utf8proc_int32_t out[FOLD_MAX];
	utf8proc_ssize_t m;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			i++; /* invalid byte: dropped */
			continue;
		}
		i += len;
		m = utf8proc_decompose_char((utf8proc_int32_t)cp, out, FOLD_MAX, FOLD_OPTIONS, NULL);
		if (m < 0 || m > FOLD_MAX) {
			k.space = true;
			continue;
		}
		for (utf8proc_ssize_t j = 0; j < m; j++)
			utf8_key_char(&k, out[j]);
	}
	return buf_to_arena(&k.b, a);
}

const char *
utf8_scrub(struct arena *a, const char *s, size_t n)
{
	struct buf b = BUF_INIT(0);
	size_t i = 0;

	if (utf8_valid(s, n) && s[n] == '\0')
		return s;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t len =
		    utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
		tr_err err;
		if (len <= 0 || cp == 0) {
			err = buf_puts(&b, "\xEF\xBF\xBD");
			i++;
		} else {
			err = buf_append(&b, s + i, (size_t)len);
			i += (size_t)len;
		}
		if (err != TR_OK)
			tr_oom("utf8_scrub");
	}
	return b.p ? buf_to_arena(&b, a) : arena_strdup(a, "");
}

size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}
