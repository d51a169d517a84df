/* Training organisations and training sessions: the organisations' accreditation and trainers; sessions (a module
 * for recruits or a tutor training) with their seats, minimum and deadline; registrations with a waiting list
 * promoted in order; the scheduled cancellation of sessions under their minimum at the deadline and the sessions
 * at risk a week ahead; attendance per day, which fills and completes path modules; the tutors' training record.
 *
 * Who does what: national officers and admins everything; a training organisation's trainers create sessions for
 * recruits with their organisation and run (edit, cancel, record attendance of) their organisation's sessions;
 * pole staff create and run tutor trainings in their regions and see every session of their regions; a structure
 * registers its recruits (contracts) and its staff; a tutor registers themself. Every signed-in person reads the
 * catalogue of sessions; registrants are shown to those who run the session, the pole of its region, and each
 * structure or person for their own. */
#ifndef TR_DOMAIN_TRAINING_SESSION_H
#define TR_DOMAIN_TRAINING_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"
#include "domain/kernel/workflow.h"

/* ---- training organisations ---- */

/* Every organisation of kind "trainer" with its accreditation (accreditation, accredited_from, accredited_until,
 * accredited: whether today is within the dates) and its trainers [{id, name, email}]: {items}. Any signed-in
 * person; can_edit for national officers and admins. */
TR_MUST_USE tr_err training_org_list(struct ctx *ctx, json_t **out);

/* One training organisation as listed. TR_NOT_FOUND when ID is not an organisation of kind "trainer". */
TR_MUST_USE tr_err training_org_get(struct ctx *ctx, int64_t id, json_t **out);

/* Updates the name, SIRET and accreditation of training organisation ID at VERSION (the organisation's version;
 * TR_CONFLICT when stale). National officers and admins. Journaled with before and after. */
TR_MUST_USE tr_err training_org_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* ---- sessions ---- */

struct session_filter {
	int64_t programme_id, training_org_id; /* 0: any */
	const char *audience, *state, *region; /* NULL or "": any */
	bool at_risk;                          /* open, deadline within 7 days, fewer registered than the minimum */
	bool mine;                             /* the sessions the actor runs or is registered to */
	int64_t page, per_page;
};

/* The sessions matching F, soonest first: {items: [{…, registered, waiting, seats_left, at_risk, state_label,
 * audience_label}], total, page, per_page}. Any signed-in person. */
TR_MUST_USE tr_err training_session_list(struct ctx *ctx, const struct session_filter *f, json_t **out);

/* Session ID with its counts, the registrations the reader may see (registrations: [{id, person_id,
 * person_name, contract_id, path_module_id, module_title, organisation_name, state, state_label, rank,
 * can_cancel}]), the reader's own (mine), whether registration is open, what the reader may do (can_edit,
 * can_attend, actions, can_register_self, contracts: the recruits a structure may register with their modules).
 * TR_NOT_FOUND. */
TR_MUST_USE tr_err training_session_get(struct ctx *ctx, int64_t id, json_t **out);

/* Creates a session from entity_session fields IN, within the actor's rights (see above); the region comes from
 * the place when there is one. TR_INVALID with fields; TR_FORBIDDEN. Journaled. */
TR_MUST_USE tr_err training_session_create(struct ctx *ctx, json_t *in, int64_t *id);

/* Replaces the fields of session ID at VERSION (TR_CONFLICT when stale or cancelled). More seats promote the
 * waiting list in order. Journaled with before and after. */
TR_MUST_USE tr_err training_session_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* ACTION on session ID at VERSION: cancel (payload cancel_reason; every registrant and their structure are told).
 */
TR_MUST_USE tr_err training_session_act(struct ctx *ctx, int64_t id, const char *action, int64_t version,
    json_t *payload, int64_t *new_version, int64_t *new_id);

/* What the session form offers the actor: {programmes: [{id, name}], training_orgs: [{id, name}], poles: [{id,
 * name, programme_id}], audiences: [codes the actor may create]}. The place is a picker of the directory
 * (domain/places/place_pick.h). */
TR_MUST_USE tr_err training_session_choices(struct ctx *ctx, json_t **out);

/* Registers to session ID: a recruit by their structure (IN: contract_id, optional path_module_id of that
 * contract), or the actor themself for a tutor training (IN empty). A seat while there is one, else the waiting
 * list; *STATE receives "registered" or "waiting" (a literal). TR_CONFLICT past the deadline, when the session is
 * not open or the person is already registered; TR_INVALID, TR_FORBIDDEN. Journaled; the person is told. */
TR_MUST_USE tr_err training_register(
    struct ctx *ctx, int64_t session_id, json_t *in, int64_t *reg_id, const char **state);

/* Cancels registration ID (the person, their structure, whoever registered them, those who run the session).
 * When it held a seat, the first of the waiting list gets it in the same transaction and is told by email.
 * *SESSION_ID (may be NULL) receives the session. Journaled. */
TR_MUST_USE tr_err training_registration_cancel(struct ctx *ctx, int64_t reg_id, int64_t *session_id);

/* The attendance sheet of session ID for DAY (NULL: the first day not fully recorded, else the first day):
 * {session, day, day_label, days: [{day, label, recorded, current}], rows: [{person_id, person_name, present,
 * hours, recorded}], default_hours}. Those who run the session. */
TR_MUST_USE tr_err training_attendance_get(struct ctx *ctx, int64_t session_id, const char *day, json_t **out);

/* Records ENTRIES [{person_id, day, present, hours}] for session ID (those who run it; days of the session,
 * registered people; absent means 0 hours). In the same transaction, each registration linked to a path module
 * brings the module's hours done up to date and completes it (training_module_sync). Journaled. */
TR_MUST_USE tr_err training_attendance_record(struct ctx *ctx, int64_t session_id, json_t *entries);

/* Scheduled ("sessions_cancel_under_minimum"): each open session whose registration deadline is before today is
 * cancelled when it has fewer registered than its minimum — every registrant (registered and waiting) and their
 * structure are told — and confirmed otherwise. *COUNT receives the number cancelled. Own transaction. */
TR_MUST_USE tr_err training_sessions_cancel_under_minimum(struct ctx *ctx, int64_t *count);

/* The open sessions of REGIONS ('|'-joined region codes; NULL: every region the actor covers, or all for
 * national officers and admins) whose deadline falls within the next 7 days and which have fewer registered than
 * their minimum, deadline first: a new JSON array of {id, title, audience, region_code, starts_on,
 * registration_deadline, registered, min_registrants, capacity, training_org_name, pole_name}. Regions the actor
 * does not cover (as pole or regional officer) are left out unless national or admin. */
TR_MUST_USE tr_err training_sessions_at_risk(struct ctx *ctx, const char *regions, json_t **out);

/* ---- tutors ---- */

/* The record of tutor PERSON_ID: {person: {id, name, email}, contracts: [the contracts they tutor], trainings:
 * [tutor trainings registered to, with days_present, hours_present, followed], followed}. The tutor, their
 * structure, the pole of their regions, national officers and admins. */
TR_MUST_USE tr_err training_tutor_get(struct ctx *ctx, int64_t person_id, json_t **out);

/* The tutors of live contracts in the actor's scope (pole: their regions; structure: their organisation;
 * national, admin: all) with the number of tutor trainings attended: {items: [{id, name, email, contracts,
 * region_code, trainings}]}; WITHOUT_TRAINING keeps those with none. */
TR_MUST_USE tr_err training_tutor_list(struct ctx *ctx, bool without_training, json_t **out);

/* The lifecycle of a training session on the engine (domain/kernel/workflow.h). */
extern const struct workflow session_workflow;

/* "Mine": the sessions the actor created, runs, is registered to (or a recruit of their structure is), or
 * oversees as the pole of its region. */
extern const struct scope session_mine_scope;
/* The lifecycle of a registration to a session on the engine. */
extern const struct workflow registration_workflow;

/* The days of a session from FROM to TO ("YYYY-MM-DD"), as a new JSON array of "YYYY-MM-DD": every weekday, and the
 * Saturday and Sunday of a weekend the session starts or ends in (Friday to Sunday lists Saturday too); the weekends
 * it only spans are skipped. Empty when a date is not one. */
json_t *training_session_days(struct arena *a, const char *from, const char *to);

#endif
