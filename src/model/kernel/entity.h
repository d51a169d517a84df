/* Entities as tables: each field's name, type, limits, vocabulary and French label. One generic
 * validator serves every entity, for forms and JSON alike; the web layer renders forms from the same
 * rows. */
#ifndef TR_MODEL_ENTITY_H
#define TR_MODEL_ENTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/kernel/vocab.h"

struct arena;

enum field_type {
	FT_TEXT = 1,
	FT_TEXTAREA,
	FT_EMAIL,
	FT_PASSWORD,
	FT_INT,
	FT_BOOL,
	FT_DATE,   /* YYYY-MM-DD */
	FT_CHOICE, /* one code of the field's vocabulary */
	FT_SIRET,  /* 14 digits with the Luhn key */
	FT_RNA,    /* W and 9 digits */
	FT_REF,    /* the id of another entity (a positive integer) */
};

struct field {
	const char *name;  /* as in forms, JSON and (usually) SQL */
	const char *label; /* French, shown to people and named in errors */
	const char *hint;  /* French, may be NULL */
	enum field_type type;
	bool required;
	size_t max_len;   /* characters, for text types (0: 200) */
	int64_t min, max; /* for FT_INT */
	const struct vocab *vocab;
	const char *autocomplete;
};

struct entity {
	const char *name;
	const char *label;
	const struct field *fields;
	size_t nfields;
};

/* Validates and normalises IN (a JSON object of the entity's fields; strings, numbers or booleans as
 * sent) into *OUT, a new JSON object the caller owns (json_decref), holding only known fields: text
 * trimmed (empty becomes absent), FT_INT as integers, FT_BOOL as booleans. Each problem is added to FE
 * with a French message that names the field; unknown keys are ignored. Returns TR_OK or TR_INVALID
 * (with *OUT still set, for re-rendering the form). When PARTIAL is true, missing required fields are
 * not errors (drafts and PATCH). Strings for messages are allocated in A. */
TR_MUST_USE tr_err entity_validate(
    const struct entity *e, json_t *in, bool partial, struct arena *a, struct field_errors *fe, json_t **out);

/* The field named NAME, or NULL. */
const struct field *entity_field(const struct entity *e, const char *name);

/* True when S is 14 digits with a valid Luhn key (and La Poste's SIRET rule). */
bool siret_valid(const char *s, size_t n);

/* True for a plausible email address: one @, a dot in the domain, no spaces or control characters. */
bool email_valid(const char *s, size_t n);

#endif
