/* The vocabularies of the steering figures. */
#include "model/steering/steering.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item posts_items[] = {
	{ "target", "Objectif" },
	{ "granted", "Postes accordés" },
	{ "filled", "Postes pourvus" },
	{ "vacant", "Postes vacants" },
	{ "returned", "Postes rendus" },
};
const struct vocab vocab_steer_posts = { "steer_posts", posts_items, ARRAY_LEN(posts_items) };

static const struct vocab_item decision_items[] = {
	{ "validate", "Dossiers validés" },
	{ "refuse", "Dossiers refusés" },
	{ "reopen", "Dossiers rouverts" },
};
const struct vocab vocab_steer_decisions = { "steer_decisions", decision_items, ARRAY_LEN(decision_items) };

static const struct vocab_item review_items[] = {
	{ "regional_review", "Instruction régionale (avis)" },
	{ "national_review", "Instruction nationale (décision)" },
};
const struct vocab vocab_steer_review = { "steer_review", review_items, ARRAY_LEN(review_items) };

static const struct vocab_item recruitment_items[] = {
	{ "offers", "Offres publiées" },
	{ "posts", "Postes offerts" },
	{ "applications", "Candidatures reçues" },
	{ "recruitments", "Recrutements (contrats signés)" },
};
const struct vocab vocab_steer_recruitment = { "steer_recruitment", recruitment_items, ARRAY_LEN(recruitment_items) };

static const struct vocab_item age_items[] = {
	{ "a_u18", "Moins de 18 ans" },
	{ "b_18_21", "18 à 21 ans" },
	{ "c_22_25", "22 à 25 ans" },
	{ "d_26_30", "26 à 30 ans" },
	{ "e_31", "31 ans et plus" },
};
const struct vocab vocab_steer_age = { "steer_age", age_items, ARRAY_LEN(age_items) };

static const struct vocab_item breaks_items[] = {
	{ "in_force", "Contrats en cours pendant la période" },
	{ "ended_early", "Ruptures avant le terme" },
	{ "rate", "Taux de rupture (%)" },
};
const struct vocab vocab_steer_breaks = { "steer_breaks", breaks_items, ARRAY_LEN(breaks_items) };

static const struct vocab_item paths_items[] = {
	{ "contracts", "Contrats en cours pendant la période" },
	{ "started", "Parcours commencés" },
	{ "completed", "Parcours achevés" },
	{ "modules_late", "Modules en retard" },
};
const struct vocab vocab_steer_paths = { "steer_paths", paths_items, ARRAY_LEN(paths_items) };

static const struct vocab_item tutors_items[] = {
	{ "trained", "Tuteurs formés" },
	{ "untrained", "Tuteurs sans formation suivie" },
};
const struct vocab vocab_steer_tutors = { "steer_tutors", tutors_items, ARRAY_LEN(tutors_items) };

static const struct vocab_item time_items[] = {
	{ "all", "Toutes les offres pourvues" },
};
const struct vocab vocab_steer_time = { "steer_time", time_items, ARRAY_LEN(time_items) };

static const struct vocab_item money_items[] = {
	{ "committed", "Engagé (échéances de la période)" },
	{ "paid", "Versé" },
	{ "to_pay", "Reste à verser" },
	{ "recovered", "Ordres de reversement émis" },
	{ "repaid", "Reversements encaissés" },
};
const struct vocab vocab_steer_money = { "steer_money", money_items, ARRAY_LEN(money_items) };

static const struct vocab_item envelope_items[] = {
	{ "commitments", "Autorisations d'engagement" },
	{ "payments", "Crédits de paiement" },
};
const struct vocab vocab_steer_envelope = { "steer_envelope", envelope_items, ARRAY_LEN(envelope_items) };

/* The kinds of activity reports (REFERENCE: the two platforms' codes and labels). */
static const struct vocab_item activity_type_items[] = {
	{ "individuel", "Accompagnement individuel" },
	{ "collectif", "Atelier collectif" },
	{ "ponctuel", "Demande ponctuelle" },
};
const struct vocab vocab_steer_activity_types = { "steer_activity_types", activity_type_items,
	ARRAY_LEN(activity_type_items) };

static const struct vocab_item advisers_items[] = {
	{ "granted", "Postes accordés" },
	{ "in_post", "Conseillers en poste" },
	{ "active", "Conseillers actifs" },
	{ "activation_rate", "Taux d'activation (en poste ÷ accordés, %)" },
	{ "activity_rate", "Taux d'activité (actifs ÷ en poste, %)" },
};
const struct vocab vocab_steer_advisers = { "steer_advisers", advisers_items, ARRAY_LEN(advisers_items) };
