/* The subsidies' vocabularies and field tables (issue 12): territories of the SMIC, employer sectors, the
 * reasons an aided contract ends early (and whether each keeps the days worked due), the states of payment
 * requests, orders, recoveries, posts and amendments, and the payloads of their actions. */
#ifndef TR_MODEL_SUBSIDY_H
#define TR_MODEL_SUBSIDY_H

#include <stdbool.h>

#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

extern const struct vocab vocab_territory;
extern const struct vocab vocab_aid_sector;
extern const struct vocab vocab_aid_end_reason;
extern const struct vocab vocab_line_kind;

/* Whether the early end for REASON (a code of vocab_aid_end_reason) of a CONTRACT_TYPE ("CDI", "CDD") contract
 * keeps the days worked due (the law's exempt reasons); false for an unknown code. */
bool aid_end_exempt(const char *reason, const char *contract_type);

enum payreq_state {
	PAYREQ_REQUESTED = 0,
	PAYREQ_APPROVED,
	PAYREQ_REJECTED,
	PAYREQ_ORDERED,
	PAYREQ_PAID,
};
extern const struct vocab vocab_payreq_state;

enum recovery_state {
	RECOVERY_NOTIFIED = 0,
	RECOVERY_REPAID,
	RECOVERY_CANCELLED,
};
extern const struct vocab vocab_recovery_state;

enum amendment_state {
	AMENDMENT_REQUESTED = 0,
	AMENDMENT_NATIONAL_REVIEW,
	AMENDMENT_GRANTED,
	AMENDMENT_REFUSED,
};
extern const struct vocab vocab_amendment_state;
extern const struct vocab vocab_post_state;

extern const struct entity entity_smic_rate;       /* territory, valid_from, hourly (cents) */
extern const struct entity entity_aid_rule;        /* label, rate, cap hours, months (the editable columns) */
extern const struct entity entity_aid_decision;    /* rule_id, territory, rate, weekly_hours, aid_start, aid_end */
extern const struct entity entity_aid_period;      /* from_on, to_on, paid_share, weekly_hours, reason */
extern const struct entity entity_aid_end;         /* ended_on, end_reason */
extern const struct entity entity_payreq;          /* month, hours (hourly aid) or seq (instalment) */
extern const struct entity entity_payreq_reason;   /* rejection_reason */
extern const struct entity entity_bank_details;    /* holder, iban, bic */
extern const struct entity entity_order_paid;      /* paid_on, paid_reference */
extern const struct entity entity_recovery_repaid; /* repaid_on */
extern const struct entity entity_recovery_cancel; /* cancel_reason */
extern const struct entity entity_envelope;
extern const struct entity entity_convention;         /* organisation_id, rule_id, bonus_id, posts_granted, signed_on */
extern const struct entity entity_post_fill;          /* holder_name, started_on */
extern const struct entity entity_post_vacate;        /* vacant_since */
extern const struct entity entity_post_return;        /* returned_on */
extern const struct entity entity_amendment;          /* posts_delta, motive */
extern const struct entity entity_amendment_opinion;  /* opinion, opinion_comment */
extern const struct entity entity_amendment_decision; /* decision_reason */

enum post_state {
	POST_VACANT = 0,
	POST_OCCUPIED,
	POST_RETURNED,
}; /* commitments, payments (cents) */

#endif
