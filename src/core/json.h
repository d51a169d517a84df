/* The one hand-written JSON escaper, for the paths that stream JSON text without building a jansson tree
 * (the places exports and the search index's ready-made entries). */
#ifndef TR_CORE_JSON_H
#define TR_CORE_JSON_H

#include "core/buf.h"
#include "core/err.h"

/* Appends the NUL-terminated UTF-8 S as a JSON string: quotes around, UTF-8 kept as it is, quote,
 * backslash and control characters escaped (\b \f \n \r \t, else \u00XX). TR_TOO_LARGE at OUT's cap. */
TR_MUST_USE tr_err json_put_string(struct buf *out, const char *s);

#endif
