/* What place.c (one place at a time, duplicates) and place_io.c (import, export) share: a place as it is
 * written, the commune lookup, the SQL column lists. Not for other modules. */
#ifndef TR_DOMAIN_PLACE_INT_H
#define TR_DOMAIN_PLACE_INT_H

#include "core/crypto.h"
#include "domain/place.h"
#include "store/db.h"

/* A place as it is written: its values, and what is derived from them. */
struct place_row {
	struct place p;
	const char *name_key, *address_key, *search_key;
	char fingerprint[SEC_SHA256_HEX];
};

/* The communes by INSEE code and by "postal code|folded name", loaded at once for an import, or looked up
 * one by one (loaded false). */
struct commune_geo {
	const char *code, *departement_code, *region_code;
	double latitude, longitude;
	bool located;
};

struct strmap_entry {
	const char *key;
	void *value;
	uint64_t hash;
};

/* A string-keyed hash table in an arena (open addressing, grows by doubling). */
struct strmap {
	struct arena *a;
	struct strmap_entry *slots;
	size_t cap, n;
};

void strmap_init(struct strmap *m, struct arena *a, size_t hint);
void *strmap_get(const struct strmap *m, const char *key);
/* Sets KEY (copied) to VALUE; returns the previous value or NULL. */
void *strmap_put(struct strmap *m, const char *key, void *value);

struct geo_cache {
	bool loaded;
	struct strmap by_code, by_postal_name;
};

/* Loads every commune into CACHE (ctx's arena). */
TR_MUST_USE tr_err geo_cache_load(struct ctx *ctx, struct geo_cache *cache);

/* Fills the derived values of R from its standard values: commune (département, région, and coordinates
 * when the file gave none: coords_approx), folded keys, fingerprint. CACHE may be unloaded (one query). */
TR_MUST_USE tr_err place_row_derive(struct ctx *ctx, struct geo_cache *cache, struct place_row *r);

/* The fingerprint of the standard values of P. */
void place_fingerprint(const struct place *p, char out[SEC_SHA256_HEX]);

/* The columns written for a place ("id, pivot, …, updated_at, created_at"), in the order place_row_bind
 * fills them: PLACE_WRITE_COLS values, created_at last. */
#define PLACE_WRITE_COLS 45
const char *place_sql_write(void);
void place_row_bind(const struct place_row *r, int64_t now, struct db_val *out);

/* The columns place_from_cells reads, for "SELECT %s FROM places": PLACE_SELECT_NCOLS of them, the last
 * one merged_into. */
#define PLACE_SELECT_NCOLS (PLACE_NFIELDS + 10)
const char *place_sql_select(void);
struct place *place_from_cells(struct arena *a, const struct db_val *cells);

/* Checks the extras of P (organisation exists, network codes known) into ctx's field errors. */
TR_MUST_USE tr_err place_check_extras(struct ctx *ctx, const struct place *p);

/* Adds to place_duplicates the likely duplicates of place ID, or of every place written at ctx->now when
 * ID is NULL. */
TR_MUST_USE tr_err place_find_duplicates(struct ctx *ctx, const char *id);

/* The values of P as a JSON object for the journal: every non-empty one, or with DIFF only those that
 * differ from DIFF's. The caller owns it. */
json_t *place_journal_values(const struct place *p, const struct place *diff);

/* Appends a journal entry about place ID: {id, before, after} (BEFORE and AFTER stolen, may be NULL). */
TR_MUST_USE tr_err place_journal(struct ctx *ctx, const char *action, const char *id, json_t *before, json_t *after);

/* Bumps settings.places_version (inside the caller's transaction). */
TR_MUST_USE tr_err place_bump_version(struct ctx *ctx);

/* Today's date in Paris, YYYY-MM-DD, from ctx->now. */
const char *place_today(struct ctx *ctx);

/* True when the actor may import, merge and add networks: admins and national officers (or no actor). */
bool place_is_manager(const struct ctx *ctx);

#endif
