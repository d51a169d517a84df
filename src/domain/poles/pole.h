/* The interregional resource poles: poles as data (national officers edit their name, organisation and
 * regions), what a pole's staff sees of its regions (its staff, the dossiers, contracts, tutors and training
 * sessions there), and the preliminary diagnoses of EPN that pole staff record on dossiers.
 *
 * Scope: a pole person sees a pole when they hold the pole role for one of its regions, and then only what
 * lies in the regions they cover; national officers and admins see every pole whole. */
#ifndef TR_DOMAIN_POLE_H
#define TR_DOMAIN_POLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* True when the '|'-joined LIST holds CODE. */
bool pole_codes_has(const char *list, const char *code);

/* True when the actor holds the pole role for one of the '|'-joined REGIONS. */
bool pole_actor_covers_any(const struct actor *a, const char *regions);

/* Who sees a pole (its page, its staff, what happens in its regions): a scope table (domain/kernel/scope.h). */
extern const struct scope pole_scope;

/* Every programme's poles, by programme then name: {items: [{id, programme_id, programme_name, code, name,
 * organisation_id, organisation_name, regions, region_names [string], version, can_view, can_edit}]}.
 * Pole staff, national officers and admins (TR_FORBIDDEN otherwise). */
TR_MUST_USE tr_err pole_list(struct ctx *ctx, json_t **out);

/* The poles whose staff the actor is (admins: every pole), for choosing the pole of a resource:
 * [{id, name, programme_name}]. */
TR_MUST_USE tr_err pole_mine(struct ctx *ctx, json_t **out);

/* Pole ID as its reader sees it: the pole's fields and region_names, can_edit, regions_seen [{code, name}],
 * and staff, dossiers, contracts, tutors, sessions (arrays of rows, 500 each at most) of the regions seen.
 * TR_NOT_FOUND; TR_FORBIDDEN for a pole person covering none of its regions and for other roles. */
TR_MUST_USE tr_err pole_get(struct ctx *ctx, int64_t id, json_t **out);

/* The pole row for its form (id, programme_id, code, name, organisation_id, regions, version). National
 * officers and admins. */
TR_MUST_USE tr_err pole_read(struct ctx *ctx, int64_t id, json_t **out);

/* Edits pole ID seen at VERSION: name, organisation_id (an organisation of kind pole, or none) and regions
 * ('|'- or comma-joined INSEE codes, or a JSON array; each must exist). National officers and admins.
 * TR_CONFLICT when stale. Journaled with the values before and after. */
TR_MUST_USE tr_err pole_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* The organisations of kind pole, by name: [{id, name}], for the pole form. */
TR_MUST_USE tr_err pole_organisations(struct ctx *ctx, json_t **out);

/* ---- Preliminary diagnoses ---- */

/* The diagnoses of dossier DOSSIER_ID, for whoever may read the dossier (the structure, its reviewers, the
 * pole of its region): {items: [{id, pole_id, pole_name, dossier_id, place_id, place_name, job_profile_id,
 * job_profile_title, checklist [{code, label, ok, comment}], conclusion, conclusion_label, recommendations,
 * author_name, created_at, updated_at, version}], can_write}. can_write: the actor may record one (pole staff
 * of the dossier's region, admins). TR_NOT_FOUND, TR_FORBIDDEN as dossier_get. */
TR_MUST_USE tr_err pole_diagnoses_of_dossier(struct ctx *ctx, int64_t dossier_id, json_t **out);

/* One diagnosis (same shape as an item above), for the readers of its dossier. */
TR_MUST_USE tr_err pole_diagnosis_get(struct ctx *ctx, int64_t id, json_t **out);

/* Records the diagnosis of dossier DOSSIER_ID for a job profile of its programme (job_profile_id; the
 * dossier's by default) from IN: checklist (an array [{code, ok, comment}] or an object {code: {ok,
 * comment}}; every item of vocab_diagnosis_item needs ok true or false), conclusion, recommendations. The
 * place is the dossier's; the pole is the dossier's or the programme's pole of its region. Pole staff of
 * the dossier's region and admins. One diagnosis per job profile: TR_CONFLICT when it exists. */
TR_MUST_USE tr_err pole_diagnosis_create(struct ctx *ctx, int64_t dossier_id, json_t *in, int64_t *id);

/* Edits diagnosis ID seen at VERSION (the job profile stays). TR_CONFLICT when stale. Journaled. */
TR_MUST_USE tr_err pole_diagnosis_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

#endif
