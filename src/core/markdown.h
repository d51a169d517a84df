/* A small, safe subset of Markdown rendered to HTML by the server (the network's news): paragraphs (blank-line
 * separated), emphasis (*em* or _em_, **strong**), links [text](http(s)://…) and lists ("- ", "* ", "+ " or
 * "1. " items). Everything else is text, HTML-escaped: no raw HTML, no image, no other scheme than http(s), so
 * that the output is always well formed and safe to place in a page as it is. */
#ifndef TR_CORE_MARKDOWN_H
#define TR_CORE_MARKDOWN_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Inline constructs nested deeper than this are text. */
#define MD_MAX_DEPTH 4

/* Appends the HTML of the N bytes of SRC (UTF-8; a NUL byte ends nothing, it is escaped as U+FFFD) to OUT.
 * TR_TOO_LARGE at OUT's cap (OUT then holds a prefix the caller discards). */
TR_MUST_USE tr_err md_render(const char *src, size_t n, struct buf *out);

#endif
