/* The arena hash table of core/strmap.h. */
#include "core/strmap.h"

#include <stdbool.h>
#include <string.h>

#include "core/arena.h"

static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

void
strmap_init(struct strmap *m, struct arena *a, size_t hint)
{
	m->a = a;
	m->n = 0;
	for (m->cap = 16; m->cap < hint * 2; m->cap *= 2)
		;
	m->slots = arena_alloc(a, m->cap * sizeof(*m->slots));
}

static struct strmap_entry *
slot_of(const struct strmap *m, const char *key, size_t n, uint64_t h)
{
	size_t i = (h ^ (h >> 29)) & (m->cap - 1);

	while (m->slots[i].key != NULL &&
	       (m->slots[i].hash != h || m->slots[i].len != n || memcmp(m->slots[i].key, key, n) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

void *
strmap_getn(const struct strmap *m, const char *key, size_t n)
{
	return m->cap ? slot_of(m, key, n, hash_bytes(key, n))->value : NULL;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	return strmap_getn(m, key, strlen(key));
}

static void
grow(struct strmap *m)
{
	struct strmap_entry *old = m->slots;
	size_t old_cap = m->cap;

	m->cap *= 2;
	m->slots = arena_alloc(m->a, m->cap * sizeof(*m->slots));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key != NULL)
			*slot_of(m, old[i].key, old[i].len, old[i].hash) = old[i];
}

static void *
put(struct strmap *m, const char *key, size_t n, void *value, bool copy)
{
	uint64_t h = hash_bytes(key, n);
	struct strmap_entry *e;
	void *old;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	e = slot_of(m, key, n, h);
	old = e->value;
	if (e->key == NULL) {
		e->key = copy ? arena_strndup(m->a, key, n) : key;
		e->len = n;
		e->hash = h;
		m->n++;
	}
	e->value = value;
	return old;
}

void *
strmap_putn(struct strmap *m, const char *key, size_t n, void *value)
{
	return put(m, key, n, value, true);
}

void *
strmap_put(struct strmap *m, const char *key, void *value)
{
	return put(m, key, strlen(key), value, true);
}

void *
strmap_put_borrowed(struct strmap *m, const char *key, size_t n, void *value)
{
	return put(m, key, n, value, false);
}
