/* Candidates as tables: the fields of a candidate's profile and of the account that self-registration
 * creates, the eligibility diagnosis a prescriber records, and their vocabularies (qualification levels of
 * the 2019 national nomenclature with the older scale beside, priority areas as declared). */
#ifndef TR_MODEL_CANDIDATE_H
#define TR_MODEL_CANDIDATE_H

#include "model/kernel/entity.h"
#include "model/kernel/vocab.h"

/* Qualification levels: "none" (no diploma, below level 3), then "3" to "8", in order. */
extern const struct vocab vocab_qualification_level;
/* Priority areas as the candidate declares them: none, qpv, zrr, outre_mer. */
extern const struct vocab vocab_priority_area;
extern const struct vocab vocab_sex;
/* What the prescriber concludes: confirm the evaluation, or override it (with a comment). */
extern const struct vocab vocab_diagnosis_decision;

/* The rank of a qualification level for comparisons: 0 for "none", 3 to 8 for the levels; -1 for NULL or
 * an unknown code. */
int qualification_rank(const char *code);

/* Travel distance bounds (km) and the default; the CV's cap. */
#define CANDIDATE_DISTANCE_MIN 1
#define CANDIDATE_DISTANCE_MAX 200
#define CANDIDATE_DISTANCE_DEFAULT 30
#define CANDIDATE_CV_MAX (5u * 1024 * 1024)

/* The profile (everything but the wished job profiles, a checkbox group the domain checks against the
 * active job profiles, and the CV, an upload). */
extern const struct entity entity_candidate;
/* The account of a self-registration: email and name (as entity_person); the password and its confirmation
 * (drawn in the form, checked by the domain without trimming). */
extern const struct entity entity_candidate_account;
extern const struct entity entity_candidate_password;
/* An eligibility diagnosis: programme_id, decision, comment. */
extern const struct entity entity_diagnosis;

#endif
