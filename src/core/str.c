/* Helpers over length-delimited strings. */
#include "core/str.h"

#include <limits.h>

bool
str_eq_nocase(struct str a, struct str b)
{
	if (a.n != b.n)
		return false;
	for (size_t i = 0; i < a.n; i++) {
		unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return true;
}

struct str
str_trim(struct str s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

bool
str_to_i64(struct str s, long long *out)
{
	size_t i = 0;
	bool neg = false;
	unsigned long long v = 0;

	if (s.n == 0)
		return false;
	if (s.p[0] == '-') {
		neg = true;
		i = 1;
		if (s.n == 1)
			return false;
	}
	if (s.n - i > 19)
		return false;
	for (; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s.p[i] - '0');
	}
	if (neg ? v > (unsigned long long)LLONG_MAX + 1 : v > (unsigned long long)LLONG_MAX)
		return false;
	*out = neg ? (long long)(0 - v) : (long long)v;
	return true;
}

bool
str_list_has(const char *list, const char *code, size_t n)
{
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, "|");
		if (len == n && n > 0 && memcmp(p, code, n) == 0)
			return true;
		p += len + (p[len] == '|');
	}
	return false;
}
