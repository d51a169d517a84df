/* The field tables of the skills grid. */
#include "model/training/skills.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item moment_items[] = {
	{ "start", "Début du contrat" },
	{ "mid", "Mi-parcours" },
	{ "end", "Fin du contrat" },
	{ "other", "Autre moment" },
};
const struct vocab vocab_assessment_moment = { "assessment_moment", moment_items, ARRAY_LEN(moment_items) };

static const struct vocab_item assessor_items[] = {
	{ "self", "Autodiagnostic" },
	{ "tutor", "Évaluation du tuteur" },
};
const struct vocab vocab_assessor_role = { "assessor_role", assessor_items, ARRAY_LEN(assessor_items) };

static const struct field competence_fields[] = {
	{ .name = "code",
	    .label = "Code",
	    .hint = "Par exemple 1.1, ou FN-1 pour une compétence métier.",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 20 },
	{ .name = "domain", .label = "Domaine", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "title", .label = "Intitulé", .type = FT_TEXT, .required = true, .max_len = 300 },
	{ .name = "job_profile_id",
	    .label = "Fiche métier",
	    .hint = "Vide : une compétence du référentiel national, commune à tous.",
	    .type = FT_REF },
	{ .name = "active", .label = "Compétence proposée dans les grilles", .type = FT_BOOL },
};
const struct entity entity_competence = { "competence", "Compétence", competence_fields, ARRAY_LEN(competence_fields) };

static const struct field assessment_fields[] = {
	{ .name = "moment", .label = "Moment", .type = FT_CHOICE, .required = true, .vocab = &vocab_assessment_moment },
	{ .name = "assessed_on",
	    .label = "Date de l'évaluation",
	    .hint = "Format AAAA-MM-JJ.",
	    .type = FT_DATE,
	    .required = true },
	{ .name = "comment", .label = "Commentaire", .type = FT_TEXTAREA, .max_len = 2000 },
};
const struct entity entity_assessment = { "assessment", "Évaluation", assessment_fields, ARRAY_LEN(assessment_fields) };

#define ROW (FF_READONLY | FF_EXPORTED)
static const struct field grid_row_fields[] = {
	{ .name = "contract_id", .label = "Contrat", .type = FT_INT, .flags = ROW },
	{ .name = "person", .label = "Personne", .type = FT_TEXT, .flags = ROW },
	{ .name = "organisation", .label = "Structure", .type = FT_TEXT, .flags = ROW },
	{ .name = "code", .label = "Code", .type = FT_TEXT, .flags = ROW },
	{ .name = "competence", .label = "Compétence", .type = FT_TEXT, .flags = ROW },
	{ .name = "assessed_on", .label = "Date", .type = FT_DATE, .flags = ROW },
	{ .name = "moment", .label = "Moment", .type = FT_TEXT, .flags = ROW },
	{ .name = "assessor_role", .label = "Évaluation", .type = FT_TEXT, .flags = ROW },
	{ .name = "level", .label = "Niveau", .type = FT_INT, .flags = ROW },
};
#undef ROW
const struct entity entity_grid_row = { "grid_row", "Niveau évalué", grid_row_fields, ARRAY_LEN(grid_row_fields) };
