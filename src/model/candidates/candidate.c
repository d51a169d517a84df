/* The field tables and vocabularies of candidates and eligibility diagnoses. */
#include "model/candidates/candidate.h"

#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The 2019 nomenclature (décret n° 2019-14), with the 1969 scale the 2013 texts use. */
static const struct vocab_item qualification_level_items[] = {
	{ "none", "Sans diplôme : infra 3 (ancien niveau VI ou V bis)" },
	{ "3", "Niveau 3 : CAP, BEP (ancien niveau V)" },
	{ "4", "Niveau 4 : baccalauréat (ancien niveau IV)" },
	{ "5", "Niveau 5 : bac + 2, BTS, DUT (ancien niveau III)" },
	{ "6", "Niveau 6 : licence, bac + 3 (ancien niveau II)" },
	{ "7", "Niveau 7 : master, bac + 5 (ancien niveau I)" },
	{ "8", "Niveau 8 : doctorat (ancien niveau I)" },
};
const struct vocab vocab_qualification_level = { "qualification_level", qualification_level_items,
	ARRAY_LEN(qualification_level_items) };

static const struct vocab_item priority_area_items[] = {
	{ "none", "Aucune de ces zones" },
	{ "qpv", "QPV (anciennement ZUS) : quartier prioritaire de la politique de la ville" },
	{ "zrr", "ZRR : zone de revitalisation rurale" },
	{ "outre_mer", "Outre-mer : département ou région d'outre-mer" },
};
const struct vocab vocab_priority_area = { "priority_area", priority_area_items, ARRAY_LEN(priority_area_items) };

/* Asked for the steering figures only (the profile of recruits), never required. */
static const struct vocab_item sex_items[] = {
	{ "F", "Femme" },
	{ "M", "Homme" },
};
const struct vocab vocab_sex = { "sex", sex_items, ARRAY_LEN(sex_items) };

static const struct vocab_item diagnosis_decision_items[] = {
	{ "confirm", "Confirmer le résultat de l'évaluation" },
	{ "override", "Conclure autrement que l'évaluation (commentaire obligatoire)" },
};
const struct vocab vocab_diagnosis_decision = { "diagnosis_decision", diagnosis_decision_items,
	ARRAY_LEN(diagnosis_decision_items) };

int
qualification_rank(const char *code)
{
	if (code == NULL)
		return -1;
	if (strcmp(code, "none") == 0)
		return 0;
	if (code[0] >= '3' && code[0] <= '8' && code[1] == '\0')
		return code[0] - '0';
	return -1;
}

static const struct field candidate_fields[] = {
	{ .name = "birth_date",
	    .label = "Date de naissance",
	    .hint = "Format AAAA-MM-JJ.",
	    .type = FT_DATE,
	    .required = true,
	    .autocomplete = "bday" },
	{ .name = "sex",
	    .label = "Sexe",
	    .hint = "Facultatif : sert seulement aux statistiques du dispositif.",
	    .type = FT_CHOICE,
	    .vocab = &vocab_sex },
	{ .name = "commune_code",
	    .label = "Commune de résidence",
	    .hint = "Tapez son nom, par exemple Crest, et choisissez-la.",
	    .type = FT_COMMUNE,
	    .required = true,
	    .max_len = 5 },
	{ .name = "qualification_level",
	    .label = "Niveau de qualification",
	    .hint = "Le plus haut diplôme obtenu, selon la nomenclature nationale de 2019 (ancien niveau entre "
	            "parenthèses).",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_qualification_level },
	{ .name = "digital_diploma", .label = "Je suis diplômé de la médiation numérique", .type = FT_BOOL },
	{ .name = "rqth",
	    .label = "Je bénéficie d'une reconnaissance de la qualité de travailleur handicapé (RQTH)",
	    .type = FT_BOOL },
	{ .name = "seeking_since",
	    .label = "En recherche d'emploi depuis le",
	    .hint = "Format AAAA-MM-JJ ; laissez vide si vous n'êtes pas en recherche d'emploi.",
	    .type = FT_DATE },
	{ .name = "priority_area",
	    .label = "Zone prioritaire de résidence",
	    .hint = "Telle que vous la déclarez ; le prescripteur la vérifiera.",
	    .type = FT_CHOICE,
	    .vocab = &vocab_priority_area },
	{ .name = "max_distance_km",
	    .label = "Distance maximale de déplacement (km)",
	    .hint = "Entre 1 et 200 km autour de votre commune.",
	    .type = FT_INT,
	    .min = CANDIDATE_DISTANCE_MIN,
	    .max = CANDIDATE_DISTANCE_MAX },
	{ .name = "available_from", .label = "Disponible à partir du", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
	{ .name = "hidden",
	    .label = "Ne pas apparaître dans les mises en relation",
	    .hint = "Les structures ne vous verront pas dans leurs propositions, et un prescripteur ne pourra pas "
	            "vous retrouver par votre adresse électronique.",
	    .type = FT_BOOL },
};
const struct entity entity_candidate = { "candidate", "Profil de candidat", candidate_fields,
	ARRAY_LEN(candidate_fields) };

static const struct field candidate_account_fields[] = {
	{ .name = "email",
	    .label = "Adresse électronique",
	    .hint = "Elle servira à vous connecter.",
	    .type = FT_EMAIL,
	    .required = true,
	    .max_len = 254,
	    .autocomplete = "email" },
	{ .name = "name",
	    .label = "Prénom et nom",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 200,
	    .autocomplete = "name" },
	{ .name = "password",
	    .label = "Mot de passe",
	    .hint = "12 caractères au moins.",
	    .type = FT_PASSWORD,
	    .required = true,
	    .max_len = 1024,
	    .autocomplete = "new-password" },
	{ .name = "password_confirm",
	    .label = "Confirmation du mot de passe",
	    .type = FT_PASSWORD,
	    .required = true,
	    .max_len = 1024,
	    .autocomplete = "new-password" },
};
/* Email and name are validated by entity_validate; the password is checked apart (never trimmed). */
const struct entity entity_candidate_account = { "candidate_account", "Compte", candidate_account_fields, 2 };
const struct entity entity_candidate_password = { "candidate_password", "Mot de passe", candidate_account_fields + 2,
	ARRAY_LEN(candidate_account_fields) - 2 };

static const struct field diagnosis_fields[] = {
	{ .name = "programme_id", .label = "Dispositif", .type = FT_REF, .required = true },
	{ .name = "decision",
	    .label = "Conclusion",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_diagnosis_decision },
	{ .name = "comment",
	    .label = "Commentaire",
	    .hint = "Obligatoire pour conclure autrement que l'évaluation : dites ce que vous avez vérifié.",
	    .type = FT_TEXTAREA,
	    .max_len = 2000 },
};
const struct entity entity_diagnosis = { "diagnosis", "Diagnostic d'éligibilité", diagnosis_fields,
	ARRAY_LEN(diagnosis_fields) };
