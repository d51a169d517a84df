/* A growable byte buffer with a cap chosen per use (body, CSV row, HTML page); going past the cap is
 * an error of its own (TR_TOO_LARGE), never a silent truncation. The bytes live in the heap; the
 * owner calls buf_free, or buf_to_arena to hand them to an arena. */
#ifndef TR_CORE_BUF_H
#define TR_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"

struct arena;

struct buf {
	char *p;    /* always NUL-terminated when not NULL */
	size_t n;   /* bytes used, NUL excluded */
	size_t cap; /* bytes allocated */
	size_t max; /* the cap for this use; 0 means SIZE_MAX */
	int toobig; /* set once an append failed on the cap; later appends fail too */
};

#define BUF_INIT(maxbytes) ((struct buf){ NULL, 0, 0, (maxbytes), 0 })

TR_MUST_USE tr_err buf_append(struct buf *b, const void *p, size_t n);
TR_MUST_USE tr_err buf_puts(struct buf *b, const char *s);
TR_MUST_USE tr_err buf_putc(struct buf *b, char c);
TR_MUST_USE tr_err buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
TR_MUST_USE tr_err buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Makes room for N more bytes at once (a caller that knows about how much it will write saves the doublings);
 * TR_TOO_LARGE past the cap. */
TR_MUST_USE tr_err buf_grow(struct buf *b, size_t n);

/* Empties the buffer, keeping its memory and its cap. */
void buf_reset(struct buf *b);

/* The content as a str (valid until the next append). */
static inline struct str
buf_str(const struct buf *b)
{
	return (struct str){ b->p ? b->p : "", b->n };
}

/* Copies the content into the arena (NUL-terminated) and frees the buffer. */
char *buf_to_arena(struct buf *b, struct arena *a);

void buf_free(struct buf *b);

#endif
