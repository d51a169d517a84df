/* Subsidies to employers (issue 12), over the schedule engine (schedule.h): the SMIC table and the aid rules as
 * data, aid decisions on contracts and their schedules in versions, payment requests on the lifecycle engine,
 * payment orders and their exports, bank details, recoveries and budget envelopes. Who sees what is the scope
 * tables below; every write journals and tells the people concerned. */
#ifndef TR_DOMAIN_SUBSIDY_H
#define TR_DOMAIN_SUBSIDY_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"
#include "domain/kernel/workflow.h"

/* Who reads a subsidy row (an aid decision, a payment request, a recovery, a schedule line): the employer
 * (its organisation), the regional officer and the pole of its region, the paying agency of its programme,
 * national officers and steering members, the operator. */
extern const struct scope aid_decision_scope;
extern const struct scope payreq_scope;
extern const struct scope recovery_scope;
extern const struct scope ledger_scope;

extern const struct scope convention_scope;
extern const struct scope post_scope;

extern const struct workflow payreq_workflow;
extern const struct workflow post_workflow;
extern const struct workflow amendment_workflow;
extern const struct workflow recovery_workflow;

/* ---- The SMIC table and the aid rules (rules.c) ---- */

/* Every SMIC value, by territory then date: {items}. Anyone signed in. */
TR_MUST_USE tr_err smic_list(struct ctx *ctx, json_t **out);

/* Records a SMIC value (territory, valid_from, hourly), or corrects the one of that territory and date;
 * national officers. Journaled with the value before; the aid decisions of the territory running past that date
 * are recomputed in the same transaction. *ID: the row. */
TR_MUST_USE tr_err smic_save(struct ctx *ctx, json_t *in, int64_t *id);

/* The aid rules with their instalments and bonuses: {items}. Anyone signed in. */
TR_MUST_USE tr_err aid_rule_list(struct ctx *ctx, json_t **out);
TR_MUST_USE tr_err aid_rule_get(struct ctx *ctx, int64_t id, json_t **out);

/* Changes rule ID's editable columns (national officers), at VERSION; journaled with the difference. */
TR_MUST_USE tr_err aid_rule_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* ---- Aid decisions and their schedules (aid.c) ---- */

/* Creates the aid decision of contract CONTRACT_ID (the regional officer of its region, national officers):
 * the rule (an hourly rule of the contract's programme), the rate and hours it states (defaults: the rule's and
 * the contract's), the aid period within the contract; computes schedule version 1. TR_INVALID naming the
 * field, nothing written; TR_CONFLICT when the contract has one already. */
TR_MUST_USE tr_err aid_decision_create(struct ctx *ctx, int64_t contract_id, json_t *in, int64_t *id);

/* The decision with its current schedule (lines, total, paid, requested, each line explained), its periods and
 * its recoveries; TR_NOT_FOUND outside the actor's scope. */
TR_MUST_USE tr_err aid_decision_get(struct ctx *ctx, int64_t id, json_t **out);

/* The lines of version VERSION of decision ID's schedule: {version, items, total}. */
TR_MUST_USE tr_err aid_schedule_version(struct ctx *ctx, int64_t id, int64_t version, json_t **out);

/* The filters of the subsidies' lists (each list reads those it names): 0 or NULL for unset. */
struct sub_filter {
	int64_t programme_id, organisation_id, decision_id;
	const char *region_code, *state;
	const char *from, *to; /* the ledger's period, YYYY-MM-DD */
};

/* The decisions in the actor's scope, filtered by FILTERS ({programme_id, organisation_id, region_code}),
 * sorted by SORT, paged: {items, total, page, per_page}. */
TR_MUST_USE tr_err aid_decision_list(
    struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out);

/* Corrects the decision (rate, hours, aid period: a renewal extends aid_end) at VERSION: officers. Recomputes. */
TR_MUST_USE tr_err aid_decision_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Declares a period (unpaid suspension, partly paid, other hours) at VERSION: the employer or officers.
 * Recomputes. */
TR_MUST_USE tr_err aid_period_add(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Declares the early end (last day worked, reason) at VERSION: the employer or officers. Recomputes: an
 * exempt reason keeps the days worked due, any other claims everything back (a recovery). */
TR_MUST_USE tr_err aid_decision_end(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Records that the training commitments were unmet at the anniversary ON (national or regional officers), at
 * VERSION: everything is claimed back. */
TR_MUST_USE tr_err aid_commitments_unmet(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* ---- Conventions, posts, amendments (convention.c) ---- */

/* Grants POSTS_GRANTED posts to an employer under a lump-sum rule (and a bonus of that rule): national
 * officers. The posts are created vacant; the region is the employer's commune's. */
TR_MUST_USE tr_err convention_create(struct ctx *ctx, json_t *in, int64_t *id);

/* The convention with its posts (each with its current schedule lines and the actions the actor may take) and
 * its amendments. */
TR_MUST_USE tr_err convention_get(struct ctx *ctx, int64_t id, json_t **out);
TR_MUST_USE tr_err convention_list(struct ctx *ctx, int64_t page, int64_t per_page, json_t **out);

/* fill (holder_name, started_on: the first fill computes the post's schedule), vacate (vacant_since), give_back
 * (returned_on: the schedule is cut to the sum justified, the excess claimed back) on the lifecycle engine. */
TR_MUST_USE tr_err post_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

/* Post ID with its convention's reference, organisation and rule, its state and the actions the actor may take
 * (TR_NOT_FOUND outside the actor's scope). */
TR_MUST_USE tr_err post_get(struct ctx *ctx, int64_t id, json_t **out);

/* The convention of post POST_ID into *CONVENTION_ID (TR_NOT_FOUND when the actor may not see the post). */
TR_MUST_USE tr_err post_convention(struct ctx *ctx, int64_t post_id, int64_t *convention_id);

/* The job: returns every post left vacant past its refill delay (post_refill_delays, the row in force on the day
 * it fell vacant) as of ctx->now's day, each in its own transaction; *RETURNED counts them. */
TR_MUST_USE tr_err posts_expire(struct ctx *ctx, int64_t *returned);

/* The employer requests an amendment (posts_delta, motive) to convention CONVENTION_ID. */
TR_MUST_USE tr_err amendment_create(struct ctx *ctx, int64_t convention_id, json_t *in, int64_t *id);
TR_MUST_USE tr_err amendment_get(struct ctx *ctx, int64_t id, json_t **out);

/* give_opinion (regional officer), grant or refuse (national: a reason to refuse, and to grant past what the
 * region's envelope has left). */
TR_MUST_USE tr_err amendment_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

/* ---- Payment requests, orders, recoveries (payment.c) ---- */

/* The employer requests the payment of a month of decision DECISION_ID (the hours paid, from the attendance
 * statement). TR_INVALID naming the field (month outside the aid period, negative hours, fewer hours than the
 * schedule's), TR_CONFLICT when that month is already requested; emails the regional officers and the paying
 * agency. */
TR_MUST_USE tr_err payreq_create(struct ctx *ctx, int64_t decision_id, json_t *in, int64_t *id);

/* The employer requests the instalments of post POST_ID due in a month ({month: "YYYY-MM"}), once they are due. */
TR_MUST_USE tr_err payreq_create_post(struct ctx *ctx, int64_t post_id, json_t *in, int64_t *id);
TR_MUST_USE tr_err payreq_get(struct ctx *ctx, int64_t id, json_t **out);
TR_MUST_USE tr_err payreq_list(
    struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out);

/* approve, reject (rejection_reason) on the lifecycle engine. */
TR_MUST_USE tr_err payreq_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

/* Groups the approved requests of programme PROGRAMME_ID the actor may pay (payer of the programme, national
 * officers) whose employer has bank details into a new payment order (their bank details copied into it).
 * TR_CONFLICT when there is none to order. */
TR_MUST_USE tr_err payorder_create(struct ctx *ctx, int64_t programme_id, int64_t *id);
TR_MUST_USE tr_err payorder_get(struct ctx *ctx, int64_t id, json_t **out);
TR_MUST_USE tr_err payorder_list(struct ctx *ctx, int64_t page, int64_t per_page, json_t **out);

/* Records that order ID was paid (paid_on, paid_reference) at VERSION: each request paid, each line paid;
 * emails every employer paid. */
TR_MUST_USE tr_err payorder_paid(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* The lines of order ID for the paying agency: [{siret, name, iban, bic, amount, reference, period, programme}]. */
TR_MUST_USE tr_err payorder_lines(struct ctx *ctx, int64_t id, json_t **out);

/* The ledger: every line paid or claimed back in the actor's scope, filtered by {programme_id, from, to}. */
TR_MUST_USE tr_err ledger_list(
    struct ctx *ctx, const struct sub_filter *f, int64_t page, int64_t per_page, json_t **out);

TR_MUST_USE tr_err recovery_get(struct ctx *ctx, int64_t id, json_t **out);
TR_MUST_USE tr_err recovery_list(
    struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out);

/* repaid (repaid_on: the paying agency or national officers), cancel (cancel_reason: national officers). */
TR_MUST_USE tr_err recovery_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

/* ---- Bank details (bank.c) ---- */

/* The bank details of organisation ORG_ID: its employers, the paying agency, national officers, the operator;
 * TR_NOT_FOUND for anyone else (and when there are none yet). */
TR_MUST_USE tr_err bank_get(struct ctx *ctx, int64_t org_id, json_t **out);

/* Sets them (the organisation's employers, the operator): IBAN and BIC checked, journaled (masked), and every
 * employer of the organisation emailed, the author included. VERSION: the one read, 0 for the first. */
TR_MUST_USE tr_err bank_set(struct ctx *ctx, int64_t org_id, int64_t version, json_t *in);

/* Makes organisation ORG_ID (of kind payer) the paying agency of programme PROGRAMME_ID (national officers);
 * journaled. Idempotent. */
TR_MUST_USE tr_err payer_programme_add(struct ctx *ctx, int64_t org_id, int64_t programme_id);

/* ---- Budget envelopes (budget.c) ---- */

/* Sets the envelope of PROGRAMME_ID × YEAR × REGION ("" : national) (national officers); journaled. */
TR_MUST_USE tr_err envelope_set(struct ctx *ctx, int64_t programme_id, int64_t year, const char *region, json_t *in);

/* The envelopes of PROGRAMME_ID (0: all) for YEAR (0: all) with, for each, what is committed (the current
 * schedules' lines of that year and region), paid, still to pay, and the forecast to the programme's end. */
TR_MUST_USE tr_err envelope_list(struct ctx *ctx, int64_t programme_id, int64_t year, json_t **out);

#endif
