/* UTF-8 validation, code point counts and French search keys. */
#include "core/utf8.h"

#include <stdint.h>

#include "core/arena.h"

/* What one code point becomes in a search key: ASCII letters or digits, "" (dropped, it does not
 * separate words) or " " (a word separator). Sorted, not overlapping. */
struct utf8_fold {
	uint32_t first, last;
	const char *to;
};

static const struct utf8_fold utf8_folds[] = {
	/* Latin-1 Supplement: punctuation and symbols, ordinals, superscripts */
	{ 0x00A0, 0x00A9, " " },
	{ 0x00AA, 0x00AA, "a" },
	{ 0x00AB, 0x00AC, " " },
	{ 0x00AD, 0x00AD, "" },
	{ 0x00AE, 0x00B1, " " },
	{ 0x00B2, 0x00B2, "2" },
	{ 0x00B3, 0x00B3, "3" },
	{ 0x00B4, 0x00B4, " " },
	{ 0x00B6, 0x00B8, " " },
	{ 0x00B9, 0x00B9, "1" },
	{ 0x00BA, 0x00BA, "o" },
	{ 0x00BB, 0x00BB, " " },
	{ 0x00BF, 0x00BF, " " },
	/* Latin-1 Supplement: letters */
	{ 0x00C0, 0x00C5, "a" },
	{ 0x00C6, 0x00C6, "ae" },
	{ 0x00C7, 0x00C7, "c" },
	{ 0x00C8, 0x00CB, "e" },
	{ 0x00CC, 0x00CF, "i" },
	{ 0x00D0, 0x00D0, "d" },
	{ 0x00D1, 0x00D1, "n" },
	{ 0x00D2, 0x00D6, "o" },
	{ 0x00D7, 0x00D7, " " },
	{ 0x00D8, 0x00D8, "o" },
	{ 0x00D9, 0x00DC, "u" },
	{ 0x00DD, 0x00DD, "y" },
	{ 0x00DE, 0x00DE, "th" },
	{ 0x00DF, 0x00DF, "ss" },
	{ 0x00E0, 0x00E5, "a" },
	{ 0x00E6, 0x00E6, "ae" },
	{ 0x00E7, 0x00E7, "c" },
	{ 0x00E8, 0x00EB, "e" },
	{ 0x00EC, 0x00EF, "i" },
	{ 0x00F0, 0x00F0, "d" },
	{ 0x00F1, 0x00F1, "n" },
	{ 0x00F2, 0x00F6, "o" },
	{ 0x00F7, 0x00F7, " " },
	{ 0x00F8, 0x00F8, "o" },
	{ 0x00F9, 0x00FC, "u" },
	{ 0x00FD, 0x00FD, "y" },
	{ 0x00FE, 0x00FE, "th" },
	{ 0x00FF, 0x00FF, "y" },
	/* Latin Extended-A */
	{ 0x0100, 0x0105, "a" },
	{ 0x0106, 0x010D, "c" },
	{ 0x010E, 0x0111, "d" },
	{ 0x0112, 0x011B, "e" },
	{ 0x011C, 0x0123, "g" },
	{ 0x0124, 0x0127, "h" },
	{ 0x0128, 0x0131, "i" },
	{ 0x0132, 0x0133, "ij" },
	{ 0x0134, 0x0135, "j" },
	{ 0x0136, 0x0138, "k" },
	{ 0x0139, 0x0142, "l" },
	{ 0x0143, 0x014B, "n" },
	{ 0x014C, 0x0151, "o" },
	{ 0x0152, 0x0153, "oe" },
	{ 0x0154, 0x0159, "r" },
	{ 0x015A, 0x0161, "s" },
	{ 0x0162, 0x0167, "t" },
	{ 0x0168, 0x0173, "u" },
	{ 0x0174, 0x0175, "w" },
	{ 0x0176, 0x0178, "y" },
	{ 0x0179, 0x017E, "z" },
	{ 0x017F, 0x017F, "s" },
	/* Latin Extended-B: Romanian comma below */
	{ 0x0218, 0x0219, "s" },
	{ 0x021A, 0x021B, "t" },
	/* modifier letter apostrophe, combining accents of decomposed text */
	{ 0x02BC, 0x02BC, " " },
	{ 0x0300, 0x036F, "" },
	/* General Punctuation: spaces, zero-width and direction marks, dashes, quotes (’), ellipsis */
	{ 0x2000, 0x200A, " " },
	{ 0x200B, 0x200F, "" },
	{ 0x2010, 0x2029, " " },
	{ 0x202A, 0x202E, "" },
	{ 0x202F, 0x205F, " " },
	{ 0x2060, 0x206F, "" },
	{ 0x2212, 0x2212, " " },
	{ 0x3000, 0x3000, " " },
	{ 0xFEFF, 0xFEFF, "" },
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

size_t
utf8_length(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/* The fold of CP, or NULL when it is kept as it is. */
static const char *
utf8_fold_find(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(utf8_folds) / sizeof(utf8_folds[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < utf8_folds[mid].first)
			hi = mid;
		else if (cp > utf8_folds[mid].last)
			lo = mid + 1;
		else
			return utf8_folds[mid].to;
	}
	return NULL;
}

/* Lowercase of CP where it is a simple offset (Greek and Cyrillic capitals), else CP. */
static uint32_t
utf8_lower(uint32_t cp)
{
	if ((cp >= 0x0391 && cp <= 0x03A1) || (cp >= 0x03A3 && cp <= 0x03AB))
		return cp + 0x20;
	if (cp >= 0x0410 && cp <= 0x042F)
		return cp + 0x20;
	if (cp >= 0x0400 && cp <= 0x040F)
		return cp + 0x50;
	return cp;
}

/* The key being written: at most CAP bytes, a space owed before the next word character. */
struct utf8_key {
	char *p;
	size_t n, cap;
	bool space;
};

static void
utf8_key_put(struct utf8_key *k, const char *s, size_t n)
{
	size_t need = n + (k->space && k->n > 0);

	if (need > k->cap - k->n)
		return; /* cannot happen: a key is never longer than its text */
	if (k->space && k->n > 0)
		k->p[k->n++] = ' ';
	k->space = false;
	for (size_t i = 0; i < n; i++)
		k->p[k->n++] = s[i];
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

/* Adds the ASCII character C: letters lowercased, digits kept, anything else separates words. */
static void
utf8_key_ascii(struct utf8_key *k, char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		utf8_key_put(k, &c, 1);
	else
		k->space = true;
}

/* Adds CP, which the fold table leaves alone, encoded again after lowercasing (same length). */
static void
utf8_key_other(struct utf8_key *k, uint32_t cp, const char *s, size_t len)
{
	uint32_t low = utf8_lower(cp);
	char enc[2];

	if (low == cp || low >= 0x800 || len != 2) {
		utf8_key_put(k, s, len);
		return;
	}
	enc[0] = (char)(0xC0 | (low >> 6));
	enc[1] = (char)(0x80 | (low & 0x3F));
	utf8_key_put(k, enc, 2);
}

char *
utf8_fold_key(struct arena *a, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct utf8_key k = { arena_alloc(a, n + 1), 0, n, false };
	size_t i = 0, len;
	uint32_t cp;
	const char *to;

	while (i < n) {
		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			i++; /* invalid byte: dropped */
			continue;
		}
		if (cp < 0x80)
			utf8_key_ascii(&k, (char)cp);
		else if ((to = utf8_fold_find(cp)) != NULL)
			utf8_key_fold(&k, to);
		else
			utf8_key_other(&k, cp, s + i, len);
		i += len;
	}
	k.p[k.n] = '\0';
	return k.p;
}
