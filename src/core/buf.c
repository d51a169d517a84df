/* Growable buffers with a cap. */
#include "core/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

static tr_err
buf_reserve(struct buf *b, size_t extra)
{
	size_t max = b->max ? b->max : SIZE_MAX - 1;
	size_t want, cap;

	if (b->toobig)
		return TR_TOO_LARGE;
	if (extra > max || b->n > max - extra) {
		b->toobig = 1;
		return TR_TOO_LARGE;
	}
	want = b->n + extra + 1;
	if (want <= b->cap)
		return TR_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
	return TR_OK;
}

tr_err
buf_grow(struct buf *b, size_t n)
{
	return buf_reserve(b, n);
}

tr_err
buf_append(struct buf *b, const void *p, size_t n)
{
	tr_err err = buf_reserve(b, n);
	if (err != TR_OK)
		return err;
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return TR_OK;
}

tr_err
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

tr_err
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

tr_err
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	tr_err err;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return TR_INTERNAL;
	if ((err = buf_reserve(b, (size_t)n)) != TR_OK)
		return err;
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	b->n += (size_t)n;
	return TR_OK;
}

tr_err
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	tr_err err;

	va_start(ap, fmt);
	err = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

void
buf_reset(struct buf *b)
{
	b->n = 0;
	b->toobig = 0;
	if (b->p)
		b->p[0] = '\0';
}

char *
buf_to_arena(struct buf *b, struct arena *a)
{
	char *p = arena_strndup(a, b->p ? b->p : "", b->n);
	buf_free(b);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
	b->toobig = 0;
}
