/* Organisations: structures, services of the State, poles, prescribers, training bodies, companies. */
#ifndef TR_DOMAIN_ORG_H
#define TR_DOMAIN_ORG_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* Creates an organisation from IN (entity_organisation). Admin (or the command line). Journaled. A SIRET
 * or RNA already registered is a field error. */
TR_MUST_USE tr_err org_create(struct ctx *ctx, json_t *in, int64_t *id);

/* Updates organisation ID at VERSION; TR_CONFLICT when stale. Journaled with before and after. */
TR_MUST_USE tr_err org_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* One organisation with its commune's name and its members (signed-in people). */
TR_MUST_USE tr_err org_get(struct ctx *ctx, int64_t id, json_t **out);

/* Organisations matching Q (name, SIRET or RNA) and KIND (either may be NULL), page of 50: {items, total}. */
TR_MUST_USE tr_err org_list(struct ctx *ctx, const char *q, const char *kind, int64_t page, json_t **out);

#endif
