/* Applications to offers and the contracts they lead to, as tables: states, reasons, outcomes (as
 * employment statistics count them) and the payloads of their actions. */
#ifndef TR_MODEL_CONTRACT_H
#define TR_MODEL_CONTRACT_H

#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

/* Application states in workflow order (domain/application.c indexes them). */
enum app_state {
	APP_PROPOSED = 0, /* the structure proposed a contact; the candidate answers */
	APP_NEW,
	APP_PROCESSING,
	APP_INTERVIEW,
	APP_ACCEPTED,
	APP_REFUSED,
	APP_WITHDRAWN,
	APP_DECLINED,
	APP_OBSOLETE,
};
extern const struct vocab vocab_application_state;
extern const struct vocab vocab_refusal_reason;

enum contract_state {
	CONTRACT_PLANNED = 0,
	CONTRACT_ACTIVE,
	CONTRACT_SUSPENDED,
	CONTRACT_COMPLETED,
	CONTRACT_ENDED_EARLY,
};
extern const struct vocab vocab_contract_state;
extern const struct vocab vocab_contract_type;
/* Exit outcomes: lasting job (CDI, CDD of 6 months or more, business creation), transition job, training,
 * job seeker, inactive, unknown. */
extern const struct vocab vocab_outcome;
extern const struct vocab vocab_ended_by;
extern const struct vocab vocab_break_reason;

extern const struct entity entity_application;     /* message */
extern const struct entity entity_refusal;         /* refusal_reason, comment */
extern const struct entity entity_interview;       /* interview_on, interview_time, interview_place, interview_note */
extern const struct entity entity_interview_reply; /* interview_reply: the candidate's other availability */
extern const struct entity entity_contract;        /* the accept payload: dates, tutor, sponsor, company */
extern const struct entity entity_contract_end;    /* reason, ended_on */
extern const struct entity entity_contract_reason; /* reason */
extern const struct entity entity_outcome;         /* outcome */
extern const struct entity entity_followup;        /* followup_outcome */
extern const struct entity entity_renewal;         /* end_on */

#endif
