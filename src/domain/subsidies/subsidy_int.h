/* What the subsidies' files share: who is who, dates as day numbers, and the recomputation of a schedule. */
#ifndef TR_DOMAIN_SUBSIDY_INT_H
#define TR_DOMAIN_SUBSIDY_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/authz.h"
#include "domain/kernel/ctx.h"
#include "model/accounts/role.h"

#define SUB_NATIONAL (ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
#define SUB_OFFICERS (SUB_NATIONAL | ROLE_BIT(ROLE_REGIONAL))
#define SUB_PAYERS (SUB_NATIONAL | ROLE_BIT(ROLE_PAYER))

/* The programmes a payer's organisation pays; its '?' is the actor. */
#define SCOPE_PAYER                                                                                     \
	"(SELECT pp.programme_id FROM payer_programmes pp JOIN memberships sm ON sm.organisation_id = " \
	"pp.organisation_id WHERE sm.person_id = ? AND sm.role = 'payer')"

/* The day number of "YYYY-MM-DD" (NULL or invalid: 0). */
int64_t sub_day(const char *iso);

/* "YYYY-MM-DD" of day D, in ctx's arena. */
char *sub_iso(struct ctx *ctx, int64_t d);

/* The integer member KEY of O (0 when absent). */
int64_t sub_int(json_t *o, const char *key);

/* Inside the caller's transaction: recomputes the schedule of aid decision D (its row as aid.c selects it) as a
 * new version; lines held by a request or a recovery are kept, the differences become adjustment lines, and
 * the negative ones a recovery (notified). Field errors of the engine are named as the decision's fields. */
TR_MUST_USE tr_err sub_recompute(struct ctx *ctx, json_t *d);

struct sched;

/* The schedule aid decision D would have now (the engine alone, nothing written) into FRESH, in ctx's arena. */
TR_MUST_USE tr_err sub_decision_compute(struct ctx *ctx, json_t *d, struct sched *fresh);

/* The schedule of post ID into FRESH (no line before its first holder started); with PERSIST, inside the caller's
 * transaction, stored as its next version (sub_persist). */
TR_MUST_USE tr_err sub_post_compute(struct ctx *ctx, int64_t id, bool persist, struct sched *fresh);

/* Inside the caller's transaction: stores FRESH as the next version of SUBJECT's ("aid_decision" or "post") row D
 * ({id, organisation_id, programme_id, region_code, schedule_version}): the lines held by a request or a recovery
 * stay, the free ones are closed, the reconciled ones inserted; the negative adjustments become a recovery. */
TR_MUST_USE tr_err sub_persist(struct ctx *ctx, const char *subject, json_t *d, const struct sched *fresh);

/* Reads aid decision ID (no scope check: for the system's moves inside a transaction). */
TR_MUST_USE tr_err sub_decision_row(struct ctx *ctx, int64_t id, json_t **out);

/* Emails every employer of organisation ORG, the author of the change included (bank details, recoveries: formal
 * notices that the actor's own session may not be the employer's). */
/* Emails SUBJECT and BODY to each address the query SQL (one '?', bound to ID) returns in its first column. */
TR_MUST_USE tr_err sub_mail_each(struct ctx *ctx, const char *sql, int64_t id, const char *subject, const char *body);
TR_MUST_USE tr_err sub_tell_employers(struct ctx *ctx, int64_t org, const char *subject, const char *body);

/* True when the actor is an officer of the row's region (regional of its region, or national reach). */
bool sub_officer_of(struct ctx *ctx, json_t *row);

#endif
