/* The national standard of digital-mediation places (data/standards/schema.json) as data: its 32 fields
 * in order, rows of the one field table (struct field, model/kernel/entity.h) generated at build time by
 * tools/schema2c.py, and the validator of one record against them. */
#ifndef TR_MODEL_PLACE_H
#define TR_MODEL_PLACE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"
#include "model/kernel/entity.h"

struct arena;

/* A column of the standard is a struct field: FT_TEXT, FT_NUMBER or FT_DATE; the schema's title is its label;
 * a controlled vocabulary (codes are their own labels) is '|'-separated multi-valued in files (FF_MULTI); a
 * pattern is POSIX ERE translated from the schema; the id is FF_UNIQUE; every column is FF_EXPORTED. */

/* Indices in the standard's order; the generated table checks them at compile time. */
enum place_field_index {
	PLACE_F_ID,
	PLACE_F_PIVOT,
	PLACE_F_NOM,
	PLACE_F_COMMUNE,
	PLACE_F_CODE_POSTAL,
	PLACE_F_CODE_INSEE,
	PLACE_F_ADRESSE,
	PLACE_F_COMPLEMENT_ADRESSE,
	PLACE_F_LATITUDE,
	PLACE_F_LONGITUDE,
	PLACE_F_TYPOLOGIE,
	PLACE_F_TELEPHONE,
	PLACE_F_COURRIELS,
	PLACE_F_SITE_WEB,
	PLACE_F_HORAIRES,
	PLACE_F_PRESENTATION_RESUME,
	PLACE_F_PRESENTATION_DETAIL,
	PLACE_F_SOURCE,
	PLACE_F_ITINERANCE,
	PLACE_F_STRUCTURE_PARENTE,
	PLACE_F_DATE_MAJ,
	PLACE_F_SERVICES,
	PLACE_F_PUBLICS_SPECIFIQUEMENT_ADRESSES,
	PLACE_F_PRISE_EN_CHARGE_SPECIFIQUE,
	PLACE_F_FRAIS_A_CHARGE,
	PLACE_F_DISPOSITIF_PROGRAMMES_NATIONAUX,
	PLACE_F_FORMATIONS_LABELS,
	PLACE_F_AUTRES_FORMATIONS_LABELS,
	PLACE_F_MODALITES_ACCES,
	PLACE_F_MODALITES_ACCOMPAGNEMENT,
	PLACE_F_FICHE_ACCES_LIBRE,
	PLACE_F_PRISE_RDV,
	PLACE_NFIELDS
};

/* The longest value of a field without its own maxLength, in characters. */
#define PLACE_MAX_CHARS 10000

extern const struct field place_fields[PLACE_NFIELDS];
extern const struct entity entity_place;  /* the same rows */
extern const char place_schema_version[]; /* "v1.0.2" */

/* Compiles the patterns once (thread-safe, idempotent). Aborts on a pattern regcomp refuses, which the
 * generator should have caught. Called by place_validate; call it at startup to fail early. */
void place_schema_init(void);

/* The index of the column NAME (N bytes), or -1. */
int place_field_index(const char *name, size_t n);

/* True when CODE (N bytes) is a value of field F's vocabulary. */
bool place_vocab_has(const struct field *f, const char *code, size_t n);

/* The number of codes of F's vocabulary (0: none), and the I-th. */
static inline size_t
place_nvalues(const struct field *f)
{
	return f->vocab ? f->vocab->n : 0;
}
static inline const char *
place_value(const struct field *f, size_t i)
{
	return f->vocab->items[i].code;
}

/* Checks one record: VALUES holds the PLACE_NFIELDS values in the standard's order, trimmed, empty
 * (n == 0) when absent. Each problem is added to FE under the field's name with a French message naming
 * the field's title, the value and the reason (« Code postal » : « 5100 » doit contenir 5 chiffres.),
 * allocated in A. Returns TR_OK or TR_INVALID. Uniqueness of the id across records is the caller's. */
TR_MUST_USE tr_err place_validate(const struct str *values, struct arena *a, struct field_errors *fe);

/* Parses a number as the standard writes it ("-12.5", "43.52609", "1e3"), the whole of S; false for
 * anything else, NaN and infinities included. */
bool place_number_parse(const char *s, size_t n, double *out);

/* The canonical text of a number read from a file or the database ("%.15g"), in A. */
char *place_number_text(struct arena *a, double v);

/* The canonical text (place_number_text) of the number S (N > 0 bytes) as place_number_parse reads it, in A; S
 * copied as it is when it is not a number. */
const char *place_number_canonical(struct arena *a, const char *s, size_t n);

/* True for an http:// or https:// URL with a host and no space or control character. */
bool place_url_valid(const char *s, size_t n);

#endif
