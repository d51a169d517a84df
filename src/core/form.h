/* Parsers for what browsers send besides the path: query strings, urlencoded and multipart bodies,
 * the Cookie header (libh2o parses none of them). Every parse is capped and validated, never reads
 * out of bounds, and allocates only in the arena it is given. */
#ifndef TR_CORE_FORM_H
#define TR_CORE_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"

struct arena;

struct form_field {
	struct str name;
	struct str value;        /* decoded; for a file part: its bytes */
	bool is_file;            /* a multipart part with a filename */
	struct str filename;     /* multipart only, as sent (may be empty) */
	struct str content_type; /* multipart only, as sent */
};

struct form {
	struct form_field *items;
	size_t n;
};

/* The usual cap on pairs, parts or cookies; a MAX_FIELDS argument of 0 means this one. */
#define FORM_MAX_FIELDS 1000

/* Longest header line of a multipart part, terminator excluded. */
#define FORM_MAX_HEADER_LINE 8192

/* Percent-decodes IN into *OUT (and '+' → space when PLUS_SPACE), NUL-terminated in the arena
 * (out->p[out->n] == 0). TR_INVALID on a bad % escape (not two hex digits) and on a NUL byte,
 * raw or %00, since the result is also used as a C string; *OUT is then left alone. */
TR_MUST_USE tr_err url_decode(struct arena *a, struct str in, bool plus_space, struct str *out);

/* Percent-encodes S for a path segment or a query value, in the arena: letters, digits and "-_.~/" are
 * kept, every other byte becomes %XX (upper-case hex). */
char *url_encode(struct arena *a, const char *s);

/* Parses an application/x-www-form-urlencoded body or a query string (without '?'), "a=1&b=x+y&c",
 * into *OUT: empty pieces skipped, a key without '=' has an empty value, order and duplicates kept.
 * Names and values are decoded into the arena, NUL-terminated. TR_INVALID on a bad escape or when
 * a name or value is not valid UTF-8 after decoding; TR_TOO_LARGE past MAX_FIELDS pairs. On error
 * *OUT is empty. */
TR_MUST_USE tr_err form_parse_urlencoded(struct arena *a, struct str body, size_t max_fields, struct form *out);

/* Parses a multipart/form-data body (RFC 7578) into *OUT. The boundary comes from CONTENT_TYPE, the
 * whole header value (`multipart/form-data; boundary="abc"` or unquoted). Each part needs
 * Content-Disposition: form-data; name="…" and may have filename="…" (which makes it a file, even
 * when empty) and a Content-Type; quoted strings may use backslash escapes, filename* is ignored.
 * CRLF line endings, bare LF accepted; preamble and epilogue ignored. Values and file bytes point
 * into BODY, which must outlive the form, and are not NUL-terminated; names and filenames are
 * copied only when they hold escapes. Names, filenames, content types and non-file values must be
 * valid UTF-8; file bytes are kept raw. TR_INVALID on a content type that is not multipart/form-data
 * or has no valid boundary, a missing closing delimiter, a part without a name, a malformed or
 * repeated header, a header line over FORM_MAX_HEADER_LINE; TR_TOO_LARGE past MAX_FIELDS parts.
 * On error *OUT is empty. */
TR_MUST_USE tr_err form_parse_multipart(
    struct arena *a, struct str body, struct str content_type, size_t max_fields, struct form *out);

/* Parses a Cookie header, "a=1; b=2", adding its cookies after those *OUT holds (start from an empty form; a
 * request may send several Cookie headers, as HTTP/2 clients do, and they count as one): values not
 * percent-decoded, surrounding double quotes removed, names and values pointing into HEADER. Malformed pieces
 * (no '=', a name that is not a token, control bytes or invalid UTF-8 in the value) are skipped, never an error;
 * cookies past FORM_MAX_FIELDS in all are dropped. Only the item array is allocated in the arena. */
void cookie_parse(struct arena *a, struct str header, struct form *out);

/* First value of the non-file field NAME, or STR_NULL when absent. File parts are not values (they
 * may be any bytes): use form_file. F may be NULL. */
struct str form_get(const struct form *f, const char *name);

/* Whether NAME is present at all, as a value or a file. */
bool form_has(const struct form *f, const char *name);

/* All values of the non-file field NAME, in order (checkbox groups, multi-selects): fills up to MAX
 * of them into VALUES and returns how many there are, which may be more than MAX. */
size_t form_get_all(const struct form *f, const char *name, struct str *values, size_t max);

/* The first file part named NAME, pointing into the form, or NULL. */
const struct form_field *form_file(const struct form *f, const char *name);

#endif
