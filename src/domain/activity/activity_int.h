/* What the files of domain/activity share (and the unit tests reach): the vocabularies loaded for one call,
 * the per-call caches, the checks of one report and the accumulator of rollup deltas. */
#ifndef TR_DOMAIN_ACTIVITY_INT_H
#define TR_DOMAIN_ACTIVITY_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/strmap.h"
#include "domain/kernel/ctx.h"
#include "store/db.h"

/* One code of activity_vocab. */
struct activity_vrow {
	const char *family, *code, *label, *grp, *harmonised, *valid_from, *valid_to;
	bool in_use;
};

/* The vocabularies, read once for a call: rows in order, and a map "family\x1fcode" → struct activity_vrow. */
struct activity_vocab {
	struct db_rows *rows;
	struct strmap map;
};

/* Lookups of one call: communes, advisers' structures, today, the settings. */
struct activity_cache {
	struct strmap communes, advisers;
	json_t *owned;
	const char *today, *first_day;
	int64_t window_days;
};

/* The levels of the rollups, finest first, each with its tables (docs/SCALING.md): adviser (day × adviser ×
 * structure × commune of the session × type × commune of the structure), département (département of the session ×
 * day × type × département of the structure), région (day × type × région of the session × région of the
 * structure; no counts), national (day × type), and by month the national and région levels (a year is twelve
 * months of rows). */
enum {
	ACTIVITY_LEVEL_ADVISER,
	ACTIVITY_LEVEL_DEP,
	ACTIVITY_LEVEL_REGION,
	ACTIVITY_LEVEL_NATIONAL,
	ACTIVITY_LEVEL_NATIONAL_MONTH,
	ACTIVITY_LEVEL_REGION_MONTH,
	ACTIVITY_LEVELS
};

/* Deltas of the rollups gathered over the reports of one transaction, at every level, written once each by
 * activity_acc_flush. All in the call's arena. */
struct activity_acc {
	struct arena *arena;
	const struct activity_vocab *vocab; /* of the last activity_acc_add: its codes not yet in use are marked */
	struct strmap cells[ACTIVITY_LEVELS], counts[ACTIVITY_LEVELS];
};

TR_MUST_USE tr_err activity_vocab_load(struct ctx *ctx, struct activity_vocab *v);
const struct activity_vrow *activity_vocab_find(
    struct ctx *ctx, const struct activity_vocab *v, const char *family, const char *code);
const char *activity_duration_range(const struct activity_vocab *v, int64_t minutes);

void activity_cache_init(struct ctx *ctx, struct activity_cache *c);
void activity_cache_free(struct activity_cache *c);
TR_MUST_USE tr_err activity_settings_load(struct ctx *ctx, struct activity_cache *c);

/* Checks report IN into *CLEAN (the entity's fields, breakdowns as canonical text, the session's territory),
 * errors into FE. TR_INVALID with *CLEAN possibly set (the caller releases it). */
TR_MUST_USE tr_err activity_check(struct ctx *ctx, const struct activity_vocab *v, struct activity_cache *cache,
    json_t *in, struct field_errors *fe, json_t **clean);

/* Inserts checked report C (with adviser_id, organisation_id, org_* members); TR_NOT_FOUND when (SOURCE,
 * SOURCE_ID) is stored already. */
TR_MUST_USE tr_err activity_insert(struct ctx *ctx, json_t *c, const char *source, const char *source_id,
    const char *raw, int64_t batch_id, int64_t *id);

void activity_decorate(struct ctx *ctx, const struct activity_vocab *v, const struct activity_cache *cache, json_t *o);

void activity_acc_init(struct ctx *ctx, struct activity_acc *acc);
/* Adds SIGN (1 or -1) × report R (a row of activity_reports as JSON) to the deltas. */
void activity_acc_add(struct activity_acc *acc, const struct activity_vocab *v, json_t *r, int64_t sign);
/* Writes the deltas (upserts in key order; rows back at zero removed), inside the caller's transaction. */
TR_MUST_USE tr_err activity_acc_flush(struct ctx *ctx, struct activity_acc *acc);

#endif
