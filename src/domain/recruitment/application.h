/* Applications to job offers: a candidate applies (new), or a structure proposes a contact that the
 * candidate accepts (→ new) or declines; the structure examines, interviews, accepts (which creates the
 * contract and makes the candidate's other pending applications obsolete) or refuses with a reason; the
 * candidate may withdraw; left without an answer for 60 days an application becomes obsolete (a scheduled
 * job) and the candidate is told. Each move is a row of the transition table, journaled, with an email to
 * the other party. */
#ifndef TR_DOMAIN_APPLICATION_H
#define TR_DOMAIN_APPLICATION_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"
#include "domain/kernel/workflow.h"

/* Days without an answer after which a pending application becomes obsolete. */
#define APPLICATION_STALE_DAYS 60

/* The candidate (the actor) applies to open offer OFFER_ID with IN's message. TR_CONFLICT when they already
 * applied; TR_INVALID when they have no profile yet. */
TR_MUST_USE tr_err application_create(struct ctx *ctx, int64_t offer_id, json_t *in, int64_t *id);

/* Employer staff of the offer's organisation propose a contact to candidate CANDIDATE_ID (not hidden). */
TR_MUST_USE tr_err application_propose(
    struct ctx *ctx, int64_t offer_id, int64_t candidate_id, json_t *in, int64_t *id);

/* The application with the offer, the candidate's name and email (for the structure), and the actions the
 * actor may take now. The candidate, the structure, prescribers following the candidate, the pole and
 * regional officers of the offer's region, national officers and admins. */
TR_MUST_USE tr_err application_get(struct ctx *ctx, int64_t id, json_t **out);

/* What the structure needs to decide on application ID (whoever reads it): {profile (candidate_get's, or null
 * when the candidate's consent does not reach the reader or there is none), eligibility {required, valid, on:
 * the day it is judged, the offer's start or today}, missing [French sentences: what a contract still lacks —
 * consent, profile, a valid eligibility diagnosis, no other live contract, a free post], pending (the
 * application still waits for an answer; eligibility and missing are empty otherwise)}, owned by the caller. */
TR_MUST_USE tr_err application_readiness(struct ctx *ctx, int64_t id, json_t **out);

/* Who reads an application (the home's waiting items count through it). */
extern const struct scope application_scope;

/* What the page of a candidate applying to offer OFFER_ID shows: {offer_id, title, state, organisation_name,
 * place_nom, place_commune, start_on, contract_type, has_profile (the actor has a candidate profile),
 * application_id (the actor's application to it, or null)}. Any signed-in person; TR_NOT_FOUND. */
TR_MUST_USE tr_err application_offer_info(struct ctx *ctx, int64_t offer_id, json_t **out);

/* ACTION: accept_proposal, decline_proposal, process, interview, accept (PAYLOAD: entity_contract's fields;
 * *CONTRACT_ID receives the contract), refuse (refusal_reason, comment), withdraw. */
TR_MUST_USE tr_err application_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *contract_id);

struct application_filter {
	int64_t offer_id, candidate_id; /* 0: any */
	const char *state;
	int64_t page, per_page;
};

/* The applications the actor may see, newest first: {items, total, page, per_page, offers}; offers lists the
 * offers of those applications (before the filters), [{id, title}], for a filter. */
TR_MUST_USE tr_err application_list(struct ctx *ctx, const struct application_filter *f, json_t **out);

/* Scheduled: every pending application whose state has not moved for APPLICATION_STALE_DAYS becomes
 * obsolete; the candidate and the structure are told. *COUNT receives how many. Its own transaction. */
TR_MUST_USE tr_err application_expire(struct ctx *ctx, int64_t *count);

/* The application's lifecycle on the engine (domain/kernel/workflow.h). */
extern const struct workflow application_workflow;

#endif
