/* libFuzzer driver for core/form and core/utf8: the first byte picks the parser (urlencoded,
 * multipart with a fixed boundary, cookie, url_decode, utf8_fold_key, multipart whose content type
 * is the input's first line), the rest is its input; results are checked against the promises of
 * the headers and any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "core/utf8.h"

#define FUZZ_MAX_FIELDS 16
#define FUZZ_CONTENT_TYPE "multipart/form-data; boundary=XyZ"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

/* S lies inside IN. */
static bool
fuzz_inside(struct str s, struct str in)
{
	return s.n == 0 || (s.p >= in.p && s.n <= in.n && (size_t)(s.p - in.p) <= in.n - s.n);
}

static void
fuzz_lookups(const struct form *f)
{
	struct str values[2];
	size_t n = form_get_all(f, "a", values, 2);

	fuzz_check((form_get(f, "a").p != NULL) == (n > 0));
	fuzz_check(n == 0 || form_has(f, "a"));
	fuzz_check(form_file(f, "a") == NULL || form_has(f, "a"));
}

static void
fuzz_urlencoded(struct arena *a, struct str in)
{
	struct form f;

	if (form_parse_urlencoded(a, in, FUZZ_MAX_FIELDS, &f) != TR_OK) {
		fuzz_check(f.n == 0);
		return;
	}
	fuzz_check(f.n <= FUZZ_MAX_FIELDS);
	for (size_t i = 0; i < f.n; i++) {
		const struct form_field *x = &f.items[i];
		fuzz_check(utf8_valid(x->name.p, x->name.n) && x->name.p[x->name.n] == '\0');
		fuzz_check(utf8_valid(x->value.p, x->value.n) && x->value.p[x->value.n] == '\0');
		fuzz_check(!x->is_file);
	}
	fuzz_lookups(&f);
}

static void
fuzz_multipart(struct arena *a, struct str in, struct str content_type)
{
	struct form f;

	if (form_parse_multipart(a, in, content_type, FUZZ_MAX_FIELDS, &f) != TR_OK) {
		fuzz_check(f.n == 0);
		return;
	}
	fuzz_check(f.n <= FUZZ_MAX_FIELDS);
	for (size_t i = 0; i < f.n; i++) {
		const struct form_field *x = &f.items[i];
		fuzz_check(fuzz_inside(x->value, in));
		fuzz_check(utf8_valid(x->name.p, x->name.n) && utf8_valid(x->filename.p, x->filename.n));
		fuzz_check(utf8_valid(x->content_type.p, x->content_type.n));
		fuzz_check(x->is_file || utf8_valid(x->value.p, x->value.n));
	}
	fuzz_lookups(&f);
}

/* Multipart whose content type is the first line of IN. */
static void
fuzz_multipart_header(struct arena *a, struct str in)
{
	const char *nl = memchr(in.p, '\n', in.n);
	struct str ct = { in.p, nl ? (size_t)(nl - in.p) : in.n };
	struct str body = nl ? (struct str){ nl + 1, in.n - ct.n - 1 } : STR("");

	fuzz_multipart(a, body, ct);
}

static void
fuzz_cookie(struct arena *a, struct str in)
{
	struct form f = { 0 };

	cookie_parse(a, in, &f);
	fuzz_check(f.n <= FORM_MAX_FIELDS);
	for (size_t i = 0; i < f.n; i++) {
		fuzz_check(f.items[i].name.n > 0 && fuzz_inside(f.items[i].name, in));
		fuzz_check(fuzz_inside(f.items[i].value, in));
		fuzz_check(utf8_valid(f.items[i].value.p, f.items[i].value.n));
	}
	fuzz_lookups(&f);
}

static void
fuzz_url_decode(struct arena *a, struct str in, bool plus_space)
{
	struct str out;

	if (url_decode(a, in, plus_space, &out) != TR_OK)
		return;
	fuzz_check(out.n <= in.n && out.p[out.n] == '\0' && memchr(out.p, '\0', out.n) == NULL);
}

static void
fuzz_fold(struct arena *a, struct str in)
{
	char *key;
	size_t n;

	if (!utf8_valid(in.p, in.n))
		return;
	key = utf8_fold_key(a, in.p, in.n);
	n = strlen(key);
	/* A compatibility character may grow (U+FDFA, 3 bytes, gives 18 letters): 12 times at most, with a separator. */
	fuzz_check(n <= 13 * in.n && utf8_valid(key, n));
	fuzz_check(n == 0 || (key[0] != ' ' && key[n - 1] != ' '));
	fuzz_check(strstr(key, "  ") == NULL);
	for (size_t i = 0; i < n; i++)
		fuzz_check(key[i] < 'A' || key[i] > 'Z');
	fuzz_check(strcmp(utf8_fold_key(a, key, n), key) == 0);
	fuzz_check(utf8_length(key, n) <= utf8_length(in.p, in.n) * 19);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct str in;

	if (size == 0)
		return 0;
	a = arena_new();
	in = (struct str){ (const char *)data + 1, size - 1 };
	switch (data[0] % 6) {
	case 0: fuzz_urlencoded(a, in); break;
	case 1: fuzz_multipart(a, in, STR(FUZZ_CONTENT_TYPE)); break;
	case 2: fuzz_cookie(a, in); break;
	case 3: fuzz_url_decode(a, in, (data[0] / 6) & 1); break;
	case 4: fuzz_fold(a, in); break;
	default: fuzz_multipart_header(a, in); break;
	}
	arena_free(a);
	return 0;
}
