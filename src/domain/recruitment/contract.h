/* Contracts: created when a structure accepts an application (within the programme's bounds, the posts
 * granted to the dossier and, where the programme asks, a valid eligibility diagnosis; one live contract
 * per person), then planned → active ⇄ suspended → completed | ended early, with the exit outcome, the
 * six-month follow-up and renewals (a new linked contract within the programme's total bound).
 *
 * Who sees a contract: the structure's staff, the young person, their tutor and sponsor, the prescribers
 * following them, the pole and regional officers of its region, the national delegation, admins. */
#ifndef TR_DOMAIN_CONTRACT_H
#define TR_DOMAIN_CONTRACT_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/workflow.h"
#include "domain/kernel/scope.h"

/* Who reads a contract (its rows: national reach, the recruit, tutor and sponsor, the structure, the pole and
 * regional officers of its region, the prescribers the recruit accepted): the filter of contract_list and the
 * check of contract_get; the training path and the skills grid read through it. */
extern const struct scope contract_scope;

/* Inside the caller's transaction: creates the contract of application APP (a row of application_row:
 * ids of offer, dossier, organisation, programme and candidate, the offer's terms and the dossier's
 * parties as defaults) from the validated entity_contract fields C. TR_INVALID with fields, TR_CONFLICT
 * when the person already has a live contract or the dossier's posts are all taken. */
TR_MUST_USE tr_err contract_create(struct ctx *ctx, json_t *app, json_t *c, int64_t *id);

TR_MUST_USE tr_err contract_get(struct ctx *ctx, int64_t id, json_t **out);

/* ACTION: start, suspend, resume, complete, end_early, record_outcome, record_followup, renew. For renew,
 * *NEW_ID (may be NULL) receives the new contract. */
TR_MUST_USE tr_err contract_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

struct contract_filter {
	int64_t organisation_id, candidate_id, dossier_id; /* 0: any */
	const char *state;
	int64_t page, per_page;
};

/* The contracts the actor may see: {items, total}. */
TR_MUST_USE tr_err contract_list(struct ctx *ctx, const struct contract_filter *f, json_t **out);

/* Scheduled: reminds the structure and the pole of each follow-up due (six months after the end) and not
 * recorded, once. *COUNT receives the number of contracts reminded. Runs its own transaction. */
TR_MUST_USE tr_err contract_followup_reminders(struct ctx *ctx, int64_t *count);

/* The live states, as SQL: contracts that hold a post. */
#define CONTRACT_LIVE_SQL "('planned', 'active', 'suspended')"

/* The contract's lifecycle on the engine (domain/kernel/workflow.h). */
extern const struct workflow contract_workflow;

#endif
