/* Entities as tables: each field's name, SQL column, type, limits, vocabulary, French label and flags.
 * One table drives validation (forms and JSON alike), the INSERT and UPDATE of the entity's columns
 * (domain/kernel/record.h), the journal's before/after diff, the French labels of vocabulary codes, and
 * the CSV and JSON rows of exports; the web layer renders forms from the same rows. The places standard's
 * table is of the same kind, generated from its schema (model/places/place_schema.c). */
#ifndef TR_MODEL_ENTITY_H
#define TR_MODEL_ENTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model/kernel/vocab.h"

struct arena;
struct buf;

enum field_type {
	FT_TEXT = 1,
	FT_TEXTAREA,
	FT_EMAIL,
	FT_PASSWORD,
	FT_INT,
	FT_BOOL,
	FT_DATE,    /* YYYY-MM-DD */
	FT_CHOICE,  /* one code of the field's vocabulary */
	FT_SIRET,   /* 14 digits with the Luhn key */
	FT_RNA,     /* W and 9 digits */
	FT_REF,     /* the id of another entity (a positive integer) */
	FT_NUMBER,  /* a decimal number as the places standard writes it ("-12.5", "1e3") */
	FT_CENTI,   /* a decimal with at most two decimals ("17,5", "1325.19", 75), kept as an integer of hundredths
	              (cents, basis points, hundredths of an hour); min and max in hundredths */
	FT_IBAN,    /* an IBAN: its ISO 13616 mod-97 key checked; kept without spaces, upper case */
	FT_BIC,     /* a BIC (ISO 9362): 4 letters, the country, 2 letters or digits, optionally 3 more; upper case */
	FT_PHONE,   /* a telephone number as people write it ("06 12 34 56 78"), kept in E.164 ("+33612345678") */
	FT_COMMUNE, /* a commune's INSEE code ("26108", "2A004"); pages let people type its name (web_pickers_resolve) */
	FT_REGION,  /* a région's INSEE code ("84"); pages offer the list of régions */
	FT_REGIONS, /* région codes separated by '|' (or ',' ';' spaces, read as '|'); pages offer checkboxes */
	FT_PLACE,   /* a place of the directory by its id (the standard's id: any one-line text; that it exists is the
	               domain's check); pages let people type its name (web_pickers_resolve) and suggest their own places */
};

/* What a field is beside its value. */
enum field_flag {
	FF_READONLY = 1 << 0,  /* validated and shown, never written by the generic INSERT or UPDATE */
	FF_LISTED = 1 << 1,    /* a column of the list (its rows' table, entity_export's columns with FF_EXPORTED) */
	FF_EXPORTED = 1 << 2,  /* a column of the entity's CSV, XLSX and JSON exports (entity_export) */
	FF_MULTI = 1 << 3,     /* several codes of the vocabulary, '|'-separated */
	FF_UNIQUE = 1 << 4,    /* unique within a file (the places standard's id) */
	FF_MULTILINE = 1 << 5, /* text that may hold line breaks and tabs (FT_TEXTAREA implies it) */
	FF_ZERO = 1 << 6       /* an absent FT_INT is written 0 (a NOT NULL column), not NULL */
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
	const char *column;  /* the SQL column; NULL: the name */
	unsigned flags;      /* enum field_flag */
	const char *pattern; /* POSIX ERE the whole value matches, or NULL */
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

/* The SQL column of F: its column, else its name. */
const char *field_column(const struct field *f);

/* True when S (N bytes) holds a control character: C0 (but tab and line breaks when MULTILINE), DEL, or
 * C1 (U+0080-U+009F). The one rule for every text field, of entities and of the places standard alike. */
bool field_has_controls(const char *s, size_t n, bool multiline);

/* {"before": {...}, "after": {...}} of E's fields whose values differ between BEFORE and AFTER (JSON
 * objects; absent and "" read as null, but as 0 for an FF_ZERO integer; an FT_BOOL stored as 0/1 is the
 * boolean); both empty when nothing differs. New
 * reference, the caller's. */
json_t *entity_diff(const struct entity *e, json_t *before, json_t *after);

/* Adds to O, for each field of E with a vocabulary whose member is a known code, a member NAME_label
 * holding the French label ('|'-separated codes of an FF_MULTI field give their labels joined with
 * ", ", allocated in A; with A NULL, FF_MULTI fields are passed over). Unknown codes get no label. */
void entity_decorate(const struct entity *e, json_t *o, struct arena *a);

/* Appends to OUT the export of ROWS (a JSON array of objects, each member named as a field): one column per
 * FF_EXPORTED field of E in the table's order, headed by its label; FT_INT and FT_REF as numbers, FT_DATE as dates,
 * FT_BOOL as Oui/Non, the rest as text (core/export.h). With SHEET NULL a CSV file, else an XLSX workbook of one
 * sheet so named; the CSV is for people: semicolons and a BOM (export_csv_sep with CSV_SEP_PEOPLE). Errors as
 * export_csv and export_xlsx (TR_INTERNAL when E exports no field). */
TR_MUST_USE tr_err entity_export(const struct entity *e, const char *sheet, json_t *rows, struct buf *out);

/* True when S is 14 digits with a valid Luhn key (and La Poste's SIRET rule). */
bool siret_valid(const char *s, size_t n);

/* True when S is an IBAN (spaces allowed, any case) whose ISO 13616 key (mod 97) holds; its compact upper-case
 * form into OUT (35 bytes at least) when OUT is not NULL. */
bool iban_valid(const char *s, size_t n, char *out);

/* True when S is a BIC of 8 or 11 characters (any case): bank (4 letters), country (2 letters), location
 * (2 letters or digits), branch (3, optional). */
bool bic_valid(const char *s, size_t n);

/* Parses a decimal with at most two decimals ('.' or ',', optional sign, spaces between groups of digits) into
 * hundredths; false when S is not one, or when it is too large to be held in hundredths (more than INT64_MAX / 100
 * hundredths: a longer number is refused, never wrapped around). */
bool centi_parse(const char *s, size_t n, int64_t *out);

/* "17,5" or "1 325,19" of hundredths V (no trailing zero decimals), in A. */
char *centi_text(struct arena *a, int64_t v);

/* True for a plausible email address: one @, a dot in the domain, no spaces or control characters. */
bool email_valid(const char *s, size_t n);

#endif
