/* The append-only journal: who did what, when, to which entity; each entry carries the SHA-256 of the
 * previous one, so that an altered or removed row is found by journal_verify. */
#ifndef TR_DOMAIN_JOURNAL_H
#define TR_DOMAIN_JOURNAL_H

#include <jansson.h>
#include <stdint.h>

#include "domain/ctx.h"

/* Appends an entry inside the caller's open transaction (TR_INTERNAL when none is open). DETAIL may be
 * NULL; it is borrowed. The actor is ctx->actor (NULL: the command line, "système"). */
TR_MUST_USE tr_err journal_append(
    struct ctx *ctx, const char *entity, int64_t entity_id, const char *action, json_t *detail);

/* Checks the whole chain. *CHECKED receives the number of entries read. On a break returns TR_CONFLICT
 * with *BAD_ID the first entry that does not fit and *WHY an English reason (in A); TR_OK otherwise. */
TR_MUST_USE tr_err journal_verify(struct db *db, struct arena *a, int64_t *checked, int64_t *bad_id, const char **why);

/* The entries of ENTITY/ENTITY_ID, newest first, as a JSON array (at, actor_label, action, detail). */
TR_MUST_USE tr_err journal_list(struct ctx *ctx, const char *entity, int64_t entity_id, json_t **out);

/* The latest entries of the whole journal, page of 50, newest first: {items, total}. Admins only. */
TR_MUST_USE tr_err journal_recent(struct ctx *ctx, int64_t page, json_t **out);

#endif
