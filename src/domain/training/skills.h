/* The skills self-assessment grid: the national framework's 16 competences plus the skills of the recruit's
 * job profile; the young person assesses themself and the tutor assesses them (at the start, mid-term and
 * end of the contract, and whenever they wish), each assessment dated and kept; the grid shows, per
 * competence, the levels over time, self beside tutor. */
#ifndef TR_DOMAIN_SKILLS_H
#define TR_DOMAIN_SKILLS_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "domain/kernel/ctx.h"

/* Inserts the competences of data/competences.json whose code is absent (framework, and the skills of the
 * job profiles that exist). *ADDED receives the number inserted. Its own transaction. */
TR_MUST_USE tr_err skills_seed(struct ctx *ctx, int64_t *added);

/* Competences: the framework's (job_profile_id 0) or a job profile's. Public list; national officers and
 * admins create and edit (journaled, version-checked). */
TR_MUST_USE tr_err skills_competences(struct ctx *ctx, int64_t job_profile_id, json_t **out);
/* Every competence, for the catalogue page: {framework: […], profiles: [{title, programme, competences}]}
 * (the job profiles that have skills). Public. */
TR_MUST_USE tr_err skills_catalogue(struct ctx *ctx, json_t **out);
TR_MUST_USE tr_err skills_competence_create(struct ctx *ctx, json_t *in, int64_t *id);
TR_MUST_USE tr_err skills_competence_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* The grid of contract CONTRACT_ID (readers of the contract): {contract, competences: [{id, code, domain,
 * title, self: [{assessment_id, on, level}], tutor: […]}], assessments: [{id, on, moment, assessor_role,
 * assessor_name}], can_assess_as: "self" | "tutor" | null}. */
TR_MUST_USE tr_err skills_grid(struct ctx *ctx, int64_t contract_id, json_t **out);

/* Records an assessment by the actor, who must be the young person of the contract (self) or its tutor
 * (tutor). IN: moment, assessed_on, comment, levels: {"<competence id>": 1–8, …} (at least one; each a
 * competence of the grid). Field errors name "levels.<id>". */
TR_MUST_USE tr_err skills_assess(struct ctx *ctx, int64_t contract_id, json_t *in, int64_t *id);

/* CSV of every level of the grids the actor may read: one contract (CONTRACT_ID > 0) or, for pole staff,
 * regional and national officers and admins, every contract in their scope (CONTRACT_ID 0). Columns:
 * contract, person, structure, competence code and title, date, moment, assessor role, level. */
TR_MUST_USE tr_err skills_export_csv(struct ctx *ctx, int64_t contract_id, struct buf *out);

#endif
