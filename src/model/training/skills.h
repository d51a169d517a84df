/* The skills self-assessment grid as tables: assessment moments, assessor roles and the fields of a
 * competence. Levels run from 1 to 8, as in the national digital competence framework. */
#ifndef TR_MODEL_SKILLS_H
#define TR_MODEL_SKILLS_H

#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

#define SKILL_LEVEL_MIN 1
#define SKILL_LEVEL_MAX 8

/* start, mid, end, other: the moments of a contract an assessment is taken at. */
extern const struct vocab vocab_assessment_moment;
/* self, tutor. */
extern const struct vocab vocab_assessor_role;

extern const struct entity entity_competence;
/* moment, assessed_on, comment (the levels come beside, one per competence). */
extern const struct entity entity_assessment;
/* A level of the skills grid's export: one row per competence of an assessment (its CSV columns). */
extern const struct entity entity_grid_row;

#endif
