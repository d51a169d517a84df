/* A string-keyed hash table in an arena (open addressing, FNV-1a, grows by doubling): lookups for the import of
 * places, the search index and the commune cache. Nothing is ever removed; the arena frees it all. */
#ifndef TR_CORE_STRMAP_H
#define TR_CORE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct arena;

struct strmap_entry {
	const char *key;
	size_t len;
	void *value;
	uint64_t hash;
};

struct strmap {
	struct arena *a;
	struct strmap_entry *slots;
	size_t cap, n;
};

/* Makes M empty, its slots in A, sized for HINT keys without growing. */
void strmap_init(struct strmap *m, struct arena *a, size_t hint);

/* The value of KEY (N bytes), or NULL. */
void *strmap_getn(const struct strmap *m, const char *key, size_t n);

/* The value of the NUL-terminated KEY, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);

/* Sets KEY (N bytes, copied into the map's arena) to VALUE; returns the previous value or NULL. */
void *strmap_putn(struct strmap *m, const char *key, size_t n, void *value);

/* strmap_putn for a NUL-terminated KEY. */
void *strmap_put(struct strmap *m, const char *key, void *value);

/* Sets KEY (N bytes) to VALUE without copying KEY, which must outlive the map (bytes of the same arena, say).
 * Returns the previous value or NULL. */
void *strmap_put_borrowed(struct strmap *m, const char *key, size_t n, void *value);

#endif
