/* UTF-8 text: validation of what comes in, code point counts for length limits, and the folded
 * search key of French text (lowercase ASCII words separated by single spaces). */
#ifndef TR_CORE_UTF8_H
#define TR_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* True when S (N bytes) is well-formed UTF-8: no overlongs, no surrogates, nothing above U+10FFFF;
 * NUL bytes are refused too (they never belong in text we accept). N == 0 is valid. */
bool utf8_valid(const char *s, size_t n);

/* Search key of a French text, NUL-terminated in the arena A (never NULL, at most N bytes):
 * lowercase; accents and ligatures of Latin-1 Supplement and Latin Extended-A folded to ASCII
 * (é→e, É→e, ç→c, œ→oe, æ→ae, ß→ss); combining accents (decomposed input), soft hyphens and
 * zero-width characters removed; apostrophes (' ’), hyphens, underscores, other punctuation,
 * symbols and spaces turned into one space between words; trimmed. Other non-ASCII characters are
 * kept, Greek and Cyrillic capitals lowercased. "Saint-Étienne" → "saint etienne". Input must be
 * valid UTF-8 (the caller checks); invalid bytes are dropped, never read past N. */
char *utf8_fold_key(struct arena *a, const char *s, size_t n);

/* Number of code points in S (N bytes), for length limits expressed in characters. On invalid
 * input, every byte that is not a continuation byte counts as one. */
size_t utf8_length(const char *s, size_t n);

#endif
