/* libFuzzer driver for multipart/form-data bodies (core/form's form_parse_multipart), as http/server.c parses an
 * upload: the input's first line is the Content-Type header (its boundary chosen by the input), the rest the body.
 * Checks the promises of core/form.h: on error nothing is kept; at most the cap of parts; each part has a
 * non-empty name in valid UTF-8; values and file bytes lie inside the body; names, filenames, content types and
 * non-file values are valid UTF-8; a part with a filename is a file; every lookup of a name agrees with the parts;
 * and the body parsed again gives the same parts. Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "core/utf8.h"

#define FUZZ_MAX_FIELDS 32

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

static bool
fuzz_utf8(struct str s)
{
	return utf8_valid(s.p, s.n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct str in = { (const char *)data, size };
	const char *nl = memchr(in.p, '\n', in.n);
	struct str ct = { in.p, nl ? (size_t)(nl - in.p) : in.n };
	struct str body = nl ? (struct str){ nl + 1, in.n - ct.n - 1 } : STR("");
	struct form f = { 0 }, again = { 0 };
	tr_err err = form_parse_multipart(a, body, ct, FUZZ_MAX_FIELDS, &f);

	fuzz_check(err == TR_OK || err == TR_INVALID || err == TR_TOO_LARGE);
	fuzz_check(form_parse_multipart(a, body, ct, FUZZ_MAX_FIELDS, &again) == err && again.n == f.n);
	if (err != TR_OK) {
		fuzz_check(f.n == 0);
		goto out;
	}
	fuzz_check(f.n <= FUZZ_MAX_FIELDS);
	for (size_t i = 0; i < f.n; i++) {
		const struct form_field *x = &f.items[i];
		const char *name = arena_strndup(a, x->name.p, x->name.n);
		fuzz_check(x->name.n > 0 && fuzz_utf8(x->name) && fuzz_utf8(x->filename) && fuzz_utf8(x->content_type));
		fuzz_check(fuzz_inside(x->value, body));
		fuzz_check(x->is_file || fuzz_utf8(x->value));
		fuzz_check(x->filename.n == 0 || x->is_file);
		fuzz_check(str_eq(again.items[i].name, x->name) && str_eq(again.items[i].value, x->value) &&
		           again.items[i].is_file == x->is_file);
		if (memchr(name, '\0', x->name.n) == NULL) {
			fuzz_check(form_has(&f, name));
			fuzz_check(!x->is_file || form_file(&f, name) != NULL || form_get(&f, name).p != NULL);
		}
	}
out:
	arena_free(a);
	return 0;
}
