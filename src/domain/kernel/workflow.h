/* The generic lifecycle engine (DESIGN.md, "Workflows are tables"): an entity's transitions as rows
 * {action, from, to, who, payload, effect}; one function picks the row that applies to the actor and the
 * state (or says why none does), one applies it inside the caller's transaction with the optimistic
 * version check and the journal entry. Applications, contracts and training sessions use it. */
#ifndef TR_DOMAIN_WORKFLOW_H
#define TR_DOMAIN_WORKFLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

#define WF_BIT(state) (1u << (state))

struct wf_transition {
	const char *action;
	const char *label; /* French, the button */
	unsigned from;     /* WF_BIT of each state (index in the workflow's vocabulary) it starts from */
	int to;            /* the state after; -1: the state does not change (a record on the entity) */
	unsigned who;      /* the parties (bits the entity's module defines) who may take it */
	const struct entity *payload;
	bool payload_optional; /* the payload's required fields may be left out */
};

struct workflow {
	const char *entity;         /* journal entity name, e.g. "application" */
	const char *table;          /* SQL table with id, state, version, updated_at and state_since */
	const struct vocab *states; /* state codes in index order */
	const struct wf_transition *rows;
	size_t nrows;
};

/* The state index of CODE, or -1. */
int wf_state(const struct workflow *wf, const char *code);

/* Picks the transition for ACTION from STATE for an actor who is the parties PARTIES. TR_NOT_FOUND when no
 * row names ACTION, TR_FORBIDDEN when none is the actor's to take, TR_CONFLICT when the actor's rows do not
 * start from STATE; each with a French message on ctx. */
TR_MUST_USE tr_err wf_pick(struct ctx *ctx, const struct workflow *wf, const char *action, int state, unsigned parties,
    const struct wf_transition **out);

/* Validates PAYLOAD against the transition's entity (NULL payload: an empty object) into *CLEAN (NULL when
 * the row has none). TR_INVALID with the fields. */
TR_MUST_USE tr_err wf_payload(struct ctx *ctx, const struct wf_transition *t, json_t *payload, json_t **clean);

/* Inside the caller's transaction: moves row ID from FROM to the transition's state if it is still at
 * VERSION and FROM (TR_CONFLICT "… a changé depuis votre lecture" otherwise), bumps the version, and
 * journals ACTION with {from, to, version, payload, …DETAIL}. DETAIL (may be NULL) is borrowed. */
TR_MUST_USE tr_err wf_apply(struct ctx *ctx, const struct workflow *wf, int64_t id, int64_t version, int from,
    const struct wf_transition *t, json_t *clean, json_t *detail);

/* The transitions PARTIES may take from STATE, as [{action, label, payload}] (one per action). */
json_t *wf_actions(const struct workflow *wf, int state, unsigned parties);

/* The French label of ACTION, or NULL. */
const char *wf_action_label(const struct workflow *wf, const char *action);

#endif
