/* The append-only journal: who did what, when, to which entity (named by an integer id, or by a text key for
 * entities whose ids are text, such as places); each entry carries the SHA-256 of the previous one, so that an
 * altered or removed row is found by journal_verify. */
#ifndef TR_DOMAIN_JOURNAL_H
#define TR_DOMAIN_JOURNAL_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* Appends an entry inside the caller's open transaction (TR_INTERNAL when none is open). DETAIL may be
 * NULL; it is borrowed. The actor is ctx->actor (NULL: the command line, "système"). */
TR_MUST_USE tr_err journal_append(
    struct ctx *ctx, const char *entity, int64_t entity_id, const char *action, json_t *detail);

/* journal_append for an entity named by the text KEY (stored in entity_key, entity_id NULL). */
TR_MUST_USE tr_err journal_append_key(
    struct ctx *ctx, const char *entity, const char *key, const char *action, json_t *detail);

/* Checks the whole chain. *CHECKED receives the number of entries read. On a break returns TR_CONFLICT
 * with *BAD_ID the first entry that does not fit and *WHY an English reason (in A); TR_OK otherwise. */
TR_MUST_USE tr_err journal_verify(struct db *db, struct arena *a, int64_t *checked, int64_t *bad_id, const char **why);

/* The entries of ENTITY/ENTITY_ID, newest first (200 at most), as a JSON array (id, at, actor_label, action,
 * detail). The caller decides who may read them. */
TR_MUST_USE tr_err journal_list(struct ctx *ctx, const char *entity, int64_t entity_id, json_t **out);

/* journal_list for the entries appended with journal_append_key under KEY. */
TR_MUST_USE tr_err journal_list_key(struct ctx *ctx, const char *entity, const char *key, json_t **out);

/* The latest entries of the whole journal, page of 50, newest first: {items, total}. Admins only. */
TR_MUST_USE tr_err journal_recent(struct ctx *ctx, int64_t page, json_t **out);

#endif
