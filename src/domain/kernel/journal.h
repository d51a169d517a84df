/* The append-only journal: who did what, when, to which entity (named by an integer id, or by a text key for
 * entities whose ids are text, such as places); each entry carries the SHA-256 of the previous one, so that an
 * altered or removed row is found by journal_verify. */
#ifndef TR_DOMAIN_JOURNAL_H
#define TR_DOMAIN_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
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

/* What the whole journal's list is narrowed to (each NULL or "" for any): WHO a part of the author's name
 * (case-insensitive), ENTITY and ACTION exact codes, FROM and TO days (YYYY-MM-DD, both included, UTC). */
struct journal_filter {
	const char *who, *entity, *action, *from, *to;
};

/* The latest entries of the whole journal matching F (NULL: all), page of 50, newest first: {items (id, at,
 * actor_label (as stored: the author's email), actor_name (their name now, or null), entity, entity_id, entity_key,
 * action, detail), total}. Admins only. */
TR_MUST_USE tr_err journal_recent(struct ctx *ctx, const struct journal_filter *f, int64_t page, json_t **out);

/* ---- The journal witnessed from outside ---------------------------------------------------------------------- */

/* The scheduled job: copies the journal's head (its last entry's number and hash) into journal_published under
 * today's date in Paris (ctx->now, the real clock at most), once a day (*COUNT 1 when it did, 0 when today's head was already published). */
TR_MUST_USE tr_err journal_publish(struct ctx *ctx, int64_t *count);

/* The published heads, newest first (at most 60): [{day, seq, hash, at}]. *OUT is the caller's. Public. */
TR_MUST_USE tr_err journal_published(struct ctx *ctx, json_t **out);

/* The text of a published head as /journal/DAY.txt serves it (and journal_witness_parse reads it), in A. */
const char *journal_witness_text(struct arena *a, const char *day, int64_t seq, const char *hash);

/* Reads a published head from TEXT (N bytes): *SEQ and HASH (65 bytes). False when it is not one. */
bool journal_witness_parse(const char *text, size_t n, int64_t *seq, char hash[65]);

/* journal_verify, then checks that entry SEQ still has HASH (SEQ 0: the empty journal's zero hash): TR_CONFLICT
 * with *WHY (English, in A) when the entry was rewritten or removed since the head was published. */
TR_MUST_USE tr_err journal_verify_against(
    struct db *db, struct arena *a, int64_t seq, const char *hash, int64_t *checked, int64_t *bad_id, const char **why);

#endif
