/* Names of error codes and the field-error list. */
#include "core/err.h"

#include <string.h>

const char *
tr_err_name(tr_err err)
{
	switch (err) {
	case TR_OK: return "ok";
	case TR_INVALID: return "invalid";
	case TR_NOT_FOUND: return "not_found";
	case TR_FORBIDDEN: return "forbidden";
	case TR_UNAUTHORIZED: return "unauthorized";
	case TR_CONFLICT: return "conflict";
	case TR_TOO_LARGE: return "too_large";
	case TR_RATE_LIMITED: return "rate_limited";
	case TR_UNAVAILABLE: return "unavailable";
	case TR_INTERNAL: return "internal";
	}
	return "unknown";
}

void
field_errors_add(struct field_errors *fe, const char *field, const char *message)
{
	if (fe->n >= FIELD_ERRORS_MAX || field_errors_get(fe, field) != NULL)
		return; /* a field says one thing at a time: the first reason found (a picker's before the type's) */
	fe->items[fe->n].field = field;
	fe->items[fe->n].message = message;
	fe->n++;
}

const char *
field_errors_get(const struct field_errors *fe, const char *field)
{
	for (size_t i = 0; i < fe->n; i++)
		if (strcmp(fe->items[i].field, field) == 0)
			return fe->items[i].message;
	return NULL;
}
