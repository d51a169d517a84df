/* One error enum for the whole program, and the list of field errors that invalid input carries. */
#ifndef TR_CORE_ERR_H
#define TR_CORE_ERR_H

#include <stddef.h>

typedef enum tr_err {
	TR_OK = 0,
	TR_INVALID = 1, /* invalid input: see the field errors */
	TR_NOT_FOUND = 2,
	TR_FORBIDDEN = 3,    /* signed in, but not allowed */
	TR_UNAUTHORIZED = 4, /* not signed in */
	TR_CONFLICT = 5,     /* stale version, duplicate key */
	TR_TOO_LARGE = 6,    /* a cap was reached */
	TR_RATE_LIMITED = 7,
	TR_UNAVAILABLE = 8, /* the database or another service does not answer */
	TR_INTERNAL = 9,
} tr_err;

#define TR_MUST_USE __attribute__((warn_unused_result))

/* English name of the code, for logs ("invalid", "not_found", ...). Never NULL. */
const char *tr_err_name(tr_err err);

/* One field error: the field's name (as in forms and JSON) and a French message for people. */
struct field_error {
	const char *field;
	const char *message;
};

#define FIELD_ERRORS_MAX 64

/* The field errors of one operation; lives inside its context, strings in its arena. */
struct field_errors {
	struct field_error items[FIELD_ERRORS_MAX];
	size_t n;
};

/* Adds an error for FIELD; both strings must outlive the list (literals or arena). A field keeps its first
 * error (a later one for the same field is dropped: one reason at a time), and errors past FIELD_ERRORS_MAX are
 * dropped, the first ones being the ones shown. */
void field_errors_add(struct field_errors *fe, const char *field, const char *message);

/* Returns the message for FIELD, or NULL. */
const char *field_errors_get(const struct field_errors *fe, const char *field);

#endif
