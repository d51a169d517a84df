/* Choosing a place of the directory by its name, in a form: the places a typed text may mean, and the places a
 * person usually chooses (those of their structures). The pages' picker (web/kernel/pickers.c, field type FT_PLACE)
 * shows a place as « Nom — Commune » and reads that back. */
#ifndef TR_DOMAIN_PLACE_PICK_H
#define TR_DOMAIN_PLACE_PICK_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

struct ctx;

/* The separator between a place's name and its commune in the picker's labels. */
#define PLACE_PICK_SEP " — "

/* The places TYPED may mean, as [{id, label}] (label « Nom — Commune »), at most LIMIT: the place whose id it is;
 * else those named exactly so (folded; within the commune given after PLACE_PICK_SEP), else those whose name starts
 * so. Merged places are left out. *OUT a new array. */
TR_MUST_USE tr_err place_pick_matches(struct ctx *ctx, const char *typed, size_t limit, json_t **out);

/* The places the actor usually chooses, as [{id, label}] by name: those of the organisations they are a member of,
 * and of the employers of their live contracts (an adviser's). At most 500. */
TR_MUST_USE tr_err place_pick_suggestions(struct ctx *ctx, json_t **out);

#endif
