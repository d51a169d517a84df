/* The national geography: regions, départements and communes, loaded by `seed` from the data compiled
 * into the binary; a commune is found by name (accents and case ignored), INSEE code or postal code. */
#ifndef TR_DOMAIN_REFDATA_H
#define TR_DOMAIN_REFDATA_H

#include <jansson.h>
#include <stdint.h>

#include "domain/ctx.h"

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

#endif
