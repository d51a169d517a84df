/* Arenas: every request and every job owns one; what it allocates dies with it, no free on those paths.
 * Out of memory aborts the process with a message (decided once, as in h2o and Redis). */
#ifndef TR_CORE_ARENA_H
#define TR_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "core/str.h"

struct arena;

/* Returns a new empty arena; free it with arena_free. */
struct arena *arena_new(void);

/* Frees the arena and everything allocated in it. NULL is allowed. */
void arena_free(struct arena *a);

/* Returns N bytes aligned for any type, zeroed. */
void *arena_alloc(struct arena *a, size_t n);

/* Copies S (N bytes) and adds a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Copies the NUL-terminated S; NULL gives NULL. */
char *arena_strdup(struct arena *a, const char *s);

/* Copies a str into a NUL-terminated string. */
char *arena_str(struct arena *a, struct str s);

/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Bytes handed out so far (for tests and limits). */
size_t arena_used(const struct arena *a);

/* Aborts with MSG: the program's out-of-memory policy. */
_Noreturn void tr_oom(const char *what);

/* malloc/calloc/realloc that abort on failure (for long-lived, non-arena memory). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
