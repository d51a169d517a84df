/* The national geography: regions, départements and communes, loaded by `seed` from the data compiled
 * into the binary; a commune is found by name (accents and case ignored), INSEE code or postal code. */
#ifndef TR_DOMAIN_REFDATA_H
#define TR_DOMAIN_REFDATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/strmap.h"
#include "domain/kernel/ctx.h"

/* Inserts or updates every region, département and commune of the embedded geo.tsv, in one transaction.
 * Running it twice changes nothing. *COMMUNES receives the number of communes in the file. */
TR_MUST_USE tr_err refdata_seed(struct ctx *ctx, int64_t *communes);

/* Up to LIMIT communes for Q: a 5-character INSEE code, a 5-digit postal code, or the beginning of a name
 * (accents, case, hyphens and apostrophes ignored), the most populated first. Each item: code, name,
 * departement_code, region_code, population, postal_codes. */
TR_MUST_USE tr_err commune_search(struct ctx *ctx, const char *q, int64_t limit, json_t **out);

/* The regions, by name: code, name. */
TR_MUST_USE tr_err region_list(struct ctx *ctx, json_t **out);

/* The départements, by code: code, name, region_code. */
TR_MUST_USE tr_err departement_list(struct ctx *ctx, json_t **out);

/* Where a commune is: its INSEE code, département and région, and its coordinates when the reference data has
 * them (located). */
struct commune_geo {
	const char *code, *departement_code, *region_code;
	double latitude, longitude;
	bool located;
};

/* Communes looked up many times (an import): every commune loaded at once, by INSEE code and by "postal
 * code|folded name". A cache that is not loaded (zeroed) makes each lookup one query. */
struct commune_cache {
	bool loaded;
	struct strmap by_code, by_postal_name;
};

/* Loads every commune into CACHE, in ctx's arena. Storage errors as they are (CACHE then stays unloaded). */
TR_MUST_USE tr_err commune_cache_load(struct ctx *ctx, struct commune_cache *cache);

/* The commune of INSEE code INSEE, or else the one of postal code POSTAL named NAME (accents and case
 * ignored); *OUT is NULL when none matches. CACHE may be NULL or unloaded (then one or two queries). What *OUT
 * points to lives in ctx's arena (or the cache's). Storage errors as they are. */
TR_MUST_USE tr_err commune_locate(struct ctx *ctx, const struct commune_cache *cache, const char *insee,
    const char *postal, const char *name, const struct commune_geo **out);

#endif
