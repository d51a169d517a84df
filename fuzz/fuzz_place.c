/* libFuzzer driver for model/place: the input, split at 0x1f into the 32 values of a record (missing ones empty),
 * goes through place_validate. Checks the promises of the header: TR_OK or TR_INVALID, TR_INVALID exactly when
 * there are field errors, each naming a field of the standard with a message in valid UTF-8 that starts with
 * the field's title; and the canonical text of each value that is a number is the one place_number_text prints.
 * Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "model/places/place.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str v[PLACE_NFIELDS];
	struct field_errors fe = { .n = 0 };
	struct arena *a = arena_new();
	const char *p = (const char *)data, *end = p + size;
	tr_err err;

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const char *sep = p < end ? memchr(p, 0x1f, (size_t)(end - p)) : NULL;
		size_t n = p < end ? (sep ? (size_t)(sep - p) : (size_t)(end - p)) : 0;
		v[i] = (struct str){ p < end ? p : "", n };
		p = sep ? sep + 1 : end;
	}
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		double d;
		if (v[i].n > 0 && place_number_parse(v[i].p, v[i].n, &d) &&
		    strcmp(place_number_canonical(a, v[i].p, v[i].n), place_number_text(a, d)) != 0)
			abort();
	}
	err = place_validate(v, a, &fe);
	if (err != TR_OK && err != TR_INVALID)
		abort();
	if ((err == TR_INVALID) != (fe.n > 0))
		abort();
	for (size_t i = 0; i < fe.n; i++) {
		int f = place_field_index(fe.items[i].field, strlen(fe.items[i].field));
		const char *m = fe.items[i].message;
		if (f < 0 || !utf8_valid(m, strlen(m)))
			abort();
		if (strncmp(m, "« ", strlen("« ")) != 0 ||
		    strncmp(m + strlen("« "), place_fields[f].label, strlen(place_fields[f].label)) != 0)
			abort();
	}
	arena_free(a);
	return 0;
}
