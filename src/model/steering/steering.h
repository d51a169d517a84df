/* The vocabularies of the steering figures: the rows of the fixed tables (the posts' summary, the decisions, the
 * age bands of recruits, the training and break counts) with their French labels. */
#ifndef TR_MODEL_STEERING_H
#define TR_MODEL_STEERING_H

#include "model/kernel/vocab.h"

extern const struct vocab vocab_steer_posts;
extern const struct vocab vocab_steer_decisions;
extern const struct vocab vocab_steer_review;
extern const struct vocab vocab_steer_recruitment;
extern const struct vocab vocab_steer_age;
extern const struct vocab vocab_steer_breaks;
extern const struct vocab vocab_steer_paths;
extern const struct vocab vocab_steer_tutors;
extern const struct vocab vocab_steer_time;
extern const struct vocab vocab_steer_money;
extern const struct vocab vocab_steer_envelope;
extern const struct vocab vocab_steer_activity_types;
extern const struct vocab vocab_steer_advisers;

/* The label of a row whose code is missing from the data ("unknown"), and of one not recorded yet ("pending"). */
#define STEER_UNKNOWN_LABEL "Non renseigné"
#define STEER_PENDING_LABEL "Pas encore enregistrée"

#endif
