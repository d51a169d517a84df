/* UTF-8 text: validation of what comes in, code point counts for length limits, and the folded
 * search key of a text (lowercase words without accents, separated by single spaces). */
#ifndef TR_CORE_UTF8_H
#define TR_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* True when S (N bytes) is well-formed UTF-8: no overlongs, no surrogates, nothing above U+10FFFF;
 * NUL bytes are refused too (they never belong in text we accept). N == 0 is valid. */
bool utf8_valid(const char *s, size_t n);

/* S (N bytes) as valid UTF-8, NUL-terminated in the arena A: each byte that does not begin a well-formed
 * character (and each NUL) becomes U+FFFD, so that text read from a file can be quoted back to people (a report, a
 * JSON answer) whatever its encoding. S itself when it is valid and NUL-terminated at N. */
const char *utf8_scrub(struct arena *a, const char *s, size_t n);

/* Search key of a text, NUL-terminated in the arena A (never NULL): compatibility decomposition (NFKD:
 * full-width letters, ligatures ﬁ ĳ, superscripts), case folding (É→e, ß→ss, Σ→σ), marks removed (accents
 * of every script: é→e, ễ→e, ά→α), the Latin letters Unicode does not decompose folded to ASCII (œ→oe,
 * æ→ae, ø→o, ł→l, đ→d, þ→th), soft hyphens, zero-width and format characters removed; apostrophes
 * (' ’ ʼ), hyphens, underscores, other punctuation, symbols and spaces turned into one space between
 * words; trimmed. Other letters and digits are kept (Greek, Cyrillic, CJK), lowercased. "Saint-Étienne"
 * → "saint etienne", "Nguyễn" → "nguyen". Folding a key again gives the same key. Input must be valid
 * UTF-8 (the caller checks); invalid bytes are dropped, never read past N. */
char *utf8_fold_key(struct arena *a, const char *s, size_t n);

/* The version of utf8_fold_key's rules, raised whenever a key may come out different (2: utf8proc); stored keys
 * of another version are recomputed at start (domain/jobs/refold.h). */
#define UTF8_FOLD_VERSION 2

/* True when S (N bytes) holds bidirectional controls that can make text read otherwise than it is stored
 * (an address or a name shown reversed, "Trojan Source"): the embeddings and overrides U+202A–U+202E and
 * the isolates U+2066–U+2069 always; the marks U+200E and U+200F only when S has no right-to-left letter,
 * which is the one place they are needed. */
bool utf8_has_bidi_controls(const char *s, size_t n);

/* Number of code points in S (N bytes), for length limits expressed in characters. On invalid
 * input, every byte that is not a continuation byte counts as one. */
size_t utf8_length(const char *s, size_t n);

/* The length of the longest start of S (N bytes of valid UTF-8) of at most MAX bytes that ends between two
 * characters: where to cut S for a message without splitting a character. */
size_t utf8_cut(const char *s, size_t n, size_t max);

#endif
