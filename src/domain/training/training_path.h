/* Employment-training paths (parcours emploi-formation): each contract's modules (title, training organisation,
 * hours planned and done, dates, certification aimed at), planned → in progress → completed | abandoned. When a
 * contract has no module yet, its job profile's template is proposed and can be applied; the structure and the
 * pole of the contract's region then add, edit, remove and reorder modules. Attendance at training sessions
 * (domain/training_session.c) fills a module's hours and completes it.
 *
 * Who sees a path: the young person, their tutor and sponsor, the structure's staff, the pole of the contract's
 * region, the national delegation and admins. The structure and the pole change it. */
#ifndef TR_DOMAIN_TRAINING_PATH_H
#define TR_DOMAIN_TRAINING_PATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "domain/kernel/workflow.h"

struct arena;

/* The modules a job profile's template TEXT proposes (one a line: "Title (35 h)" gives hours 35 and the title
 * without the parenthesis; "Title (4 mois)" keeps the title whole, hours 0, and dates over those months), the
 * first starting on START (may be NULL), as a new JSON array of {title, hours_planned, starts_on, ends_on,
 * certifying}. Lines are trimmed; empty ones are skipped. */
json_t *training_template_parse(struct arena *a, const char *text, const char *start);

/* The path of contract ID: {contract: {id, candidate_name, organisation_name, tutor_name, job_profile_title,
 * programme_name, start_on, end_on, state, …}, modules: [{…, state_label, late, late_reason, actions}],
 * progress: {hours_planned, hours_done, percent, modules_total, modules_completed, modules_late}, late:
 * [modules], template: [proposed modules] (only while the path is empty), registrations: [the young person's
 * sessions], can_edit}. TR_FORBIDDEN outside the readers above; TR_NOT_FOUND. The caller owns *OUT. */
TR_MUST_USE tr_err training_path_get(struct ctx *ctx, int64_t contract_id, json_t **out);

/* Creates the modules of the job profile's template on an empty path (structure, pole). *CREATED receives their
 * number. TR_CONFLICT when the path already has modules or the profile has no template. Journaled. */
TR_MUST_USE tr_err training_path_apply_template(struct ctx *ctx, int64_t contract_id, int64_t *created);

/* Adds a module (entity_path_module fields IN) at the end of the path. TR_INVALID with fields. Journaled. */
TR_MUST_USE tr_err training_module_create(struct ctx *ctx, int64_t contract_id, json_t *in, int64_t *id);

/* Module ID as its path shows it (with contract_id, state_label, actions), for its readers. */
TR_MUST_USE tr_err training_module_get(struct ctx *ctx, int64_t id, json_t **out);

/* Replaces the fields of module ID at VERSION (TR_CONFLICT when stale). Journaled with before and after. */
TR_MUST_USE tr_err training_module_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Removes module ID at VERSION (registrations that named it keep their seat, without the module). A completed
 * module is kept: TR_CONFLICT. Journaled. */
TR_MUST_USE tr_err training_module_remove(struct ctx *ctx, int64_t id, int64_t version);

/* ACTION on module ID at VERSION: start, complete, abandon (payload reason), resume, reopen, move_up,
 * move_down. TR_CONFLICT when stale or not possible from the state; TR_FORBIDDEN. */
TR_MUST_USE tr_err training_module_act(struct ctx *ctx, int64_t id, const char *action, int64_t version,
    json_t *payload, int64_t *new_version, int64_t *new_id);

/* Inside the caller's transaction (attendance): sets module ID's hours done to the hours present in the sessions
 * whose registrations name it, moves a planned module with hours to in progress, and completes it when the hours
 * done reach the hours planned or, for a module of 0 hours planned, when SESSION_DONE (every day of the session
 * recorded present). Completed and abandoned modules keep their state. Journaled. */
TR_MUST_USE tr_err training_module_sync(struct ctx *ctx, int64_t module_id, bool session_done);

/* The lifecycle of a path's module on the engine (domain/kernel/workflow.h). */
extern const struct workflow module_workflow;

#endif
