/* Journal entries as people read them: a French sentence for what happened (from the lifecycles' tables and one
 * table of the other actions), the change of state in the workflow's words, and the fields changed with their
 * labels (from the entities' field tables) and their values decoded (vocabulary labels, names for the ids of
 * organisations, people, programmes…, dates in French). Timelines and the admin journal read entries through it. */
#ifndef TR_DOMAIN_HOME_HISTORY_H
#define TR_DOMAIN_HOME_HISTORY_H

#include <jansson.h>

#include "domain/kernel/ctx.h"
#include "model/kernel/entity.h"

/* The French name of what ENTITY (a journal entity: "dossier", "contract"…) is: "Dossier"; ENTITY itself when
 * unknown. */
const char *history_noun(const char *entity);

/* The journal entities the history knows, in the table's order: [{code, noun}] (the caller owns it). */
json_t *history_kinds(void);

/* The sentence for ACTION on ENTITY ("Dossier validé", "Parcours type appliqué"), never NULL: an action no table
 * names reads « Action « code » ». */
const char *history_what(const char *entity, const char *action);

/* Value V of the member NAME of a detail as people read it (F, its field, may be NULL): a vocabulary's label,
 * the name behind an id (organisation_id, tutor_id, programme_id…), « oui »/« non », a date in French, « — »
 * for nothing, text cut at 80 characters. In the arena of CTX; a storage error reads as the raw value. */
const char *history_value(struct ctx *ctx, const char *name, const struct field *f, json_t *v);

/* Adds to journal ENTRY (as journal_list or journal_recent give it: entity, action, detail as text or object)
 * "what" (history_what), "object" ("Dossier n° 12", "Lieu demo-…"), "change" (the state's move, "" when none)
 * and "changes" [{label, before, after}] (the fields an edit or a creation set, decoded; a payload's fields). */
void history_describe(struct ctx *ctx, json_t *entry);

#endif
