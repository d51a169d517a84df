/* HTML templates: a Mustache subset over jansson values, compiled once at startup and rendered
 * concurrently from any thread (rendering reads the set and the data, never writes them). */
#ifndef TR_CORE_TMPL_H
#define TR_CORE_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/embed.h"
#include "core/err.h"

/* Nesting of sections and partials allowed while rendering; deeper is TR_INVALID. */
#define TMPL_MAX_DEPTH 64

/* Operations one render may execute (text, variables, section entries, partials): a runaway
 * recursive partial is stopped with TR_INVALID even when it writes nothing. */
#define TMPL_MAX_STEPS (1u << 24)

struct tmpl_set;

/* Compiles every file of FILES (a table ended by a NULL name) into a new set, owned by the caller
 * and freed with tmpl_set_free; the set copies what it needs, FILES may go away afterwards. On a
 * syntax error, a duplicate name or a partial naming no template, returns TR_INVALID, sets *OUT to
 * NULL and writes "name:line: reason" into ERRBUF (ERRLEN bytes, may be 0). */
TR_MUST_USE tr_err tmpl_set_load(const struct embedded_file *files, struct tmpl_set **out, char *errbuf, size_t errlen);

/* Frees the set and all its templates. NULL is allowed. */
void tmpl_set_free(struct tmpl_set *set);

/* Renders template NAME with DATA (NULL means an empty object) appending to OUT. Returns
 * TR_NOT_FOUND for an unknown name, TR_TOO_LARGE when OUT's cap is reached and TR_INVALID past
 * TMPL_MAX_DEPTH or TMPL_MAX_STEPS; on error OUT holds a prefix that the caller discards. */
TR_MUST_USE tr_err tmpl_render(const struct tmpl_set *set, const char *name, json_t *data, struct buf *out);

/* As tmpl_render, with the variable SLOT (a plain name) standing for the N bytes at TEXT, inserted as they are
 * by {{{SLOT}}} and escaped by {{SLOT}}, without a copy into DATA: a layout wraps a rendered page this way. */
TR_MUST_USE tr_err tmpl_render_slot(const struct tmpl_set *set, const char *name, json_t *data, const char *slot,
    const char *text, size_t n, struct buf *out);

/* Appends the N bytes of S to OUT HTML-escaped (& < > " ' as &amp; &lt; &gt; &quot; &#39;).
 * Returns TR_TOO_LARGE at OUT's cap. */
TR_MUST_USE tr_err tmpl_escape(struct buf *out, const char *s, size_t n);

/* True when the set has a template named NAME. */
bool tmpl_exists(const struct tmpl_set *set, const char *name);

#endif
