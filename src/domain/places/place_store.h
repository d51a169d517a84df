/* A place as the database holds it: reading one row as stored, writing rows (every column, in one order), the
 * values derived when a place is written (its commune, folded keys, fingerprint), and the steps every write of the
 * directory takes in its transaction (journal entry, likely duplicates, places_version). For the domain modules
 * that write places: place.c (one at a time), place_io.c (import) and place_geocode.c (coordinates); readers use
 * place_get and place_each (place.h). */
#ifndef TR_DOMAIN_PLACE_STORE_H
#define TR_DOMAIN_PLACE_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "domain/places/place.h"
#include "domain/geo/refdata.h"

/* A place as it is written: its values (p.search_key included), and the keys derived from them. */
struct place_row {
	struct place p;
	const char *name_key, *address_key;
	char fingerprint[SEC_SHA256_HEX];
};

/* Reads place ID as it is stored (no merge redirect: *OUT's merged_into tells), in ctx's arena. TR_NOT_FOUND, or a
 * storage error, with no message set. */
TR_MUST_USE tr_err place_load(struct ctx *ctx, const char *id, struct place **out);

/* Fills the derived values of R from its standard values: the commune (département, région, and the commune's
 * coordinates, flagged coords_approx, when the place has none of its own), the folded name, address and search
 * keys, the fingerprint of the standard values. CACHE may be NULL (one query per lookup). Storage errors as they
 * are. */
TR_MUST_USE tr_err place_row_derive(struct ctx *ctx, const struct commune_cache *cache, struct place_row *r);

/* Inserts the N rows ROWS (derived) in one statement, created and updated at ctx->now; a row whose id exists is left
 * out. *INSERTED (may be NULL) receives the number of rows inserted. Storage errors as they are. */
TR_MUST_USE tr_err place_rows_insert(struct ctx *ctx, struct place_row *const *rows, size_t n, int64_t *inserted);

/* Writes R (derived) over the stored place of the same id if its version is still VERSION: every column but
 * created_at, updated_at = ctx->now, the version bumped. *CHANGED receives 0 when VERSION is stale (or the place
 * is gone), 1 otherwise. Storage errors as they are. */
TR_MUST_USE tr_err place_row_update(struct ctx *ctx, const struct place_row *r, int64_t version, int64_t *changed);

/* The values of P as a JSON object for the journal: every non-empty one, or with DIFF only those that differ from
 * DIFF's (extras included). The caller owns it. */
json_t *place_journal_values(const struct place *p, const struct place *diff);

/* Appends, in the caller's transaction, a journal entry about place ID (its key: the place's timeline) with the
 * detail {id, before, after}; BEFORE and AFTER (each may be NULL) are stolen. Storage errors as they are. */
TR_MUST_USE tr_err place_journal(struct ctx *ctx, const char *action, const char *id, json_t *before, json_t *after);

/* Records, in the caller's transaction, the likely duplicates of place ID, or with ID NULL of every place written
 * at ctx->now: same postal code and folded name, same postal code and folded address, or within 50 m (one scan of
 * the directory, in memory). A pair already recorded (open or decided) is left as it is. Storage errors as they
 * are. */
TR_MUST_USE tr_err place_find_duplicates(struct ctx *ctx, const char *id);

/* Bumps settings.places_version in the caller's transaction, so that each server rebuilds its search index. */
TR_MUST_USE tr_err place_bump_version(struct ctx *ctx);

/* Today's date in Paris (the process's time zone) at ctx->now, YYYY-MM-DD, in ctx's arena. */
const char *place_today(struct ctx *ctx);

#endif
