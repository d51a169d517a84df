/* libFuzzer driver for the JSON bodies of the API: the input after its first byte is read as http/server.c
 * reads a body (json_loadb with JSON_REJECT_DUPLICATES) and, when it is an object, validated by
 * entity_validate against one of the entity tables of src/model (fuzz/run.sh lists them into
 * entities.inc; the first byte picks the table and, with its low bit, a full or a partial validation).
 * Checks the promises of model/kernel/entity.h: TR_OK or TR_INVALID, TR_INVALID exactly when there are field
 * errors, each naming a field of the table with a message in valid UTF-8; the output holds only the table's
 * fields, with no empty text; and it validates again to itself once its FT_CENTI members, which the validator gives
 * in hundredths, are written back as a person writes them (centi_text: "17,5" for 1750), as the domain does before
 * validating a stored row again (domain/subsidies/rules.c). Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "model/kernel/entity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ENTITY(name) extern const struct entity name;
#include "entities.inc"
#undef FUZZ_ENTITY
#define FUZZ_ENTITY(name) &name,
static const struct entity *const fuzz_entities[] = {
#include "entities.inc"
};

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

/* OUT with its FT_CENTI integers (hundredths) as text in units, the form the validator reads: a new reference. */
static json_t *
fuzz_as_input(const struct entity *e, json_t *out, struct arena *a)
{
	json_t *in = json_deep_copy(out);

	for (size_t i = 0; i < e->nfields; i++) {
		json_t *v = json_object_get(in, e->fields[i].name);
		if (e->fields[i].type == FT_CENTI && json_is_integer(v))
			json_object_set_new(
			    in, e->fields[i].name, json_string(centi_text(a, (int64_t)json_integer_value(v))));
	}
	return in;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct entity *e;
	struct field_errors fe = { .n = 0 }, fe2 = { .n = 0 };
	struct arena *a;
	json_t *in, *out = NULL, *out2 = NULL, *v;
	json_error_t jerr;
	const char *key;
	bool partial;
	tr_err err;

	if (size == 0)
		return 0;
	e = fuzz_entities[data[0] % (sizeof(fuzz_entities) / sizeof(fuzz_entities[0]))];
	partial = data[0] & 1;
	in = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(in)) {
		json_decref(in);
		return 0;
	}
	a = arena_new();
	err = entity_validate(e, in, partial, a, &fe, &out);
	fuzz_check(err == TR_OK || err == TR_INVALID);
	fuzz_check((err == TR_INVALID) == (fe.n > 0));
	fuzz_check(json_is_object(out));
	for (size_t i = 0; i < fe.n; i++) {
		fuzz_check(entity_field(e, fe.items[i].field) != NULL);
		fuzz_check(utf8_valid(fe.items[i].message, strlen(fe.items[i].message)));
	}
	json_object_foreach(out, key, v)
	{
		fuzz_check(entity_field(e, key) != NULL);
		fuzz_check(!json_is_string(v) || json_string_length(v) > 0);
		fuzz_check(!json_is_string(v) || utf8_valid(json_string_value(v), json_string_length(v)));
	}
	if (err == TR_OK) {
		json_t *again = fuzz_as_input(e, out, a);
		fuzz_check(entity_validate(e, again, partial, a, &fe2, &out2) == TR_OK);
		fuzz_check(json_equal(out, out2));
		json_decref(again);
	}
	json_decref(out2);
	json_decref(out);
	json_decref(in);
	arena_free(a);
	return 0;
}
