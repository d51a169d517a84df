/* Length-delimited strings: a pointer and a length, never owning. */
#ifndef TR_CORE_STR_H
#define TR_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct str {
	const char *p;
	size_t n;
};

#define STR(lit) ((struct str){ (lit), sizeof(lit) - 1 })
#define STR_NULL ((struct str){ NULL, 0 })

static inline struct str
str_c(const char *s)
{
	return (struct str){ s, s ? strlen(s) : 0 };
}

static inline bool
str_eq(struct str a, struct str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline bool
str_eq_c(struct str a, const char *b)
{
	return str_eq(a, str_c(b));
}

/* True when A starts with PREFIX. */
static inline bool
str_starts(struct str a, struct str prefix)
{
	return a.n >= prefix.n && memcmp(a.p, prefix.p, prefix.n) == 0;
}

/* ASCII case-insensitive equality (header names, tokens). */
bool str_eq_nocase(struct str a, struct str b);

/* Strips ASCII spaces and tabs at both ends. */
struct str str_trim(struct str s);

/* Parses a whole decimal integer (optional leading '-') into *OUT; false on anything else or overflow. */
bool str_to_i64(struct str s, long long *out);

/* True when the '|'-joined LIST (NUL-terminated, may be NULL) holds CODE (N > 0 bytes) as one of its items. */
bool str_list_has(const char *list, const char *code, size_t n);

#endif
