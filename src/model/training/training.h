/* Training as tables: the states of a path's modules, of training sessions and of registrations, the audiences
 * of a session, and the fields of training organisations, path modules, sessions, registrations and the
 * payloads of their actions. */
#ifndef TR_MODEL_TRAINING_H
#define TR_MODEL_TRAINING_H

#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

/* Module states in workflow order (domain/training_path.c indexes them). */
enum module_state {
	MODULE_PLANNED = 0,
	MODULE_IN_PROGRESS,
	MODULE_COMPLETED,
	MODULE_ABANDONED,
};
extern const struct vocab vocab_module_state;

/* Session states in workflow order (domain/training_session.c indexes them): open for registration, confirmed
 * (the deadline passed with enough registrants), cancelled. */
enum session_state {
	SESSION_OPEN = 0,
	SESSION_CONFIRMED,
	SESSION_CANCELLED,
};
extern const struct vocab vocab_session_state;

/* recruits (a module of the young people's paths), tutors (tutor training). */
extern const struct vocab vocab_session_audience;

/* Registration states in workflow order (domain/training_session.c indexes them): registered (a seat), waiting
 * (the waiting list, in id order), cancelled. */
enum registration_state {
	REGISTRATION_REGISTERED = 0,
	REGISTRATION_WAITING,
	REGISTRATION_CANCELLED,
};
extern const struct vocab vocab_registration_state;

extern const struct entity entity_training_org;   /* name, siret, accreditation and its dates */
extern const struct entity entity_path_module;    /* title, organisation, hours, dates, certification */
extern const struct entity entity_module_reason;  /* reason (abandoning a module) */
extern const struct entity entity_session;        /* programme, audience, title, where, when, seats, deadline */
extern const struct entity entity_session_cancel; /* cancel_reason */
extern const struct entity entity_registration;   /* contract_id, path_module_id (recruits) */

#endif
