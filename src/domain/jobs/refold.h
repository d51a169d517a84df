/* The search keys stored beside the text they fold (names of the geography, places, resources, partner
 * companies), recomputed when the rules of utf8_fold_key change (UTF8_FOLD_VERSION): every command that
 * opens the database calls keys_refold after the migrations, and it does nothing once the keys are current. */
#ifndef TR_DOMAIN_REFOLD_H
#define TR_DOMAIN_REFOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

struct arena;

/* When the settings row fold_version is not UTF8_FOLD_VERSION (or FORCE), recomputes every stored key in one
 * transaction, writing only those that differ, then records the version; *CHANGED (may be NULL) receives the
 * number of keys rewritten. Scratch memory comes from A. Returns TR_OK or the storage error (nothing is
 * changed then). */
TR_MUST_USE tr_err keys_refold(struct db *db, struct arena *a, bool force, int64_t *changed);

#endif
