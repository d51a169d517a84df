/* libFuzzer driver for the Cookie headers of a request (core/form's cookie_parse), as http/server.c reads them: the
 * input is split at '\n' into several Cookie headers parsed into one form, then the cookies the server looks up
 * (the session's, the visitor's CSRF token) are read. Checks the promises of core/form.h: at most FORM_MAX_FIELDS
 * cookies; each name a non-empty token and each value inside its header, valid UTF-8 without control bytes; a lookup finds the first cookie of that name; a header parsed again alone gives the
 * same cookies. Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "core/utf8.h"

#define FUZZ_HEADERS_MAX 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static bool
fuzz_inside(struct str s, struct str in)
{
	return s.n == 0 || (s.p >= in.p && s.n <= in.n && (size_t)(s.p - in.p) <= in.n - s.n);
}

/* The token characters of RFC 9110 (a cookie's name). */
static bool
fuzz_tchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

static void
fuzz_cookie(const struct form_field *x, struct str in)
{
	fuzz_check(x->name.n > 0 && fuzz_inside(x->name, in) && fuzz_inside(x->value, in));
	for (size_t k = 0; k < x->name.n; k++)
		fuzz_check(fuzz_tchar((unsigned char)x->name.p[k]));
	fuzz_check(utf8_valid(x->value.p, x->value.n));
	for (size_t k = 0; k < x->value.n; k++)
		fuzz_check((unsigned char)x->value.p[k] >= 0x20 && x->value.p[k] != 0x7f);
	fuzz_check(!x->is_file);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct str in = { (const char *)data, size }, headers[FUZZ_HEADERS_MAX];
	struct form all = { 0 };
	size_t nh = 0, before;

	for (const char *p = in.p, *end = in.p + in.n; p <= end && nh < FUZZ_HEADERS_MAX;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		headers[nh++] = (struct str){ p, (size_t)((nl ? nl : end) - p) };
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	for (size_t h = 0; h < nh; h++) {
		struct form alone = { 0 };
		before = all.n;
		cookie_parse(a, headers[h], &all);
		fuzz_check(all.n >= before && all.n <= FORM_MAX_FIELDS);
		for (size_t i = before; i < all.n; i++)
			fuzz_cookie(&all.items[i], headers[h]);
		/* Alone, the header gives the same cookies (as many as there was room for). */
		cookie_parse(a, headers[h], &alone);
		fuzz_check(alone.n >= all.n - before);
		for (size_t i = before; i < all.n; i++)
			fuzz_check(str_eq(alone.items[i - before].name, all.items[i].name) &&
			           str_eq(alone.items[i - before].value, all.items[i].value));
	}
	for (size_t i = 0; i < all.n; i++) {
		const char *name = arena_strndup(a, all.items[i].name.p, all.items[i].name.n);
		struct str got = form_get(&all, name);
		size_t first = 0;
		while (!str_eq(all.items[first].name, all.items[i].name))
			first++;
		fuzz_check(got.p == all.items[first].value.p && got.n == all.items[first].value.n);
	}
	fuzz_check(form_get(&all, "tremplin_session").p == NULL || form_has(&all, "tremplin_session"));
	arena_free(a);
	return 0;
}
