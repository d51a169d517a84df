/* The field tables and vocabularies of the resource poles, their diagnoses, library and vivier. */
#include "model/poles/pole.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item diagnosis_item_items[] = {
	{ "equipment", "Équipement" },
	{ "space", "Espace" },
	{ "public", "Public" },
	{ "partners", "Partenaires" },
	{ "tutor", "Disponibilité du tuteur" },
};
const struct vocab vocab_diagnosis_item = { "diagnosis_item", diagnosis_item_items, ARRAY_LEN(diagnosis_item_items) };

static const struct vocab_item diagnosis_conclusion_items[] = {
	{ "favourable", "Favorable" },
	{ "favourable_conditions", "Favorable sous conditions" },
	{ "unfavourable", "Défavorable" },
};
const struct vocab vocab_diagnosis_conclusion = { "diagnosis_conclusion", diagnosis_conclusion_items,
	ARRAY_LEN(diagnosis_conclusion_items) };

static const struct vocab_item resource_kind_items[] = {
	{ "file", "Document (PDF, ODT, PNG ou JPEG)" },
	{ "link", "Lien vers une page web" },
};
const struct vocab vocab_resource_kind = { "resource_kind", resource_kind_items, ARRAY_LEN(resource_kind_items) };

static const struct field pole_fields[] = {
	{ .name = "name", .label = "Nom du pôle", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "organisation_id",
	    .label = "Structure porteuse",
	    .hint = "Une structure de type « pôle de ressources » ; ses membres sont l'équipe du pôle.",
	    .type = FT_REF },
	{ .name = "regions", .label = "Régions couvertes", .type = FT_REGIONS, .required = true, .max_len = 200 },
};
const struct entity entity_pole = { "pole", "Pôle de ressources", pole_fields, ARRAY_LEN(pole_fields) };

static const struct field pole_diagnosis_fields[] = {
	{ .name = "job_profile_id", .label = "Métier", .type = FT_REF },
	{ .name = "conclusion",
	    .label = "Conclusion",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_diagnosis_conclusion },
	{ .name = "recommendations", .label = "Recommandations", .type = FT_TEXTAREA, .max_len = 4000 },
};
const struct entity entity_pole_diagnosis = { "pole_diagnosis", "Diagnostic préalable", pole_diagnosis_fields,
	ARRAY_LEN(pole_diagnosis_fields) };

static const struct field diagnosis_comment_fields[] = {
	{ .name = "comment", .label = "Commentaire", .type = FT_TEXTAREA, .max_len = 1000 },
};
const struct entity entity_diagnosis_comment = { "diagnosis_comment", "Commentaire", diagnosis_comment_fields,
	ARRAY_LEN(diagnosis_comment_fields) };

static const struct field resource_fields[] = {
	{ .name = "kind", .label = "Type de ressource", .type = FT_CHOICE, .vocab = &vocab_resource_kind },
	{ .name = "title", .label = "Titre", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "description", .label = "Description", .type = FT_TEXTAREA, .max_len = 4000 },
	{ .name = "url",
	    .label = "Adresse du lien",
	    .hint = "Une adresse sécurisée, commençant par https://.",
	    .type = FT_TEXT,
	    .max_len = 2000 },
	{ .name = "tags",
	    .label = "Mots-clés",
	    .hint = "Séparés par des virgules, par exemple « tutorat, fablab ».",
	    .type = FT_TEXT,
	    .max_len = 400 },
	{ .name = "pole_id", .label = "Pôle", .type = FT_REF },
};
const struct entity entity_resource = { "resource", "Ressource", resource_fields, ARRAY_LEN(resource_fields) };

static const struct field partner_fields[] = {
	{ .name = "name", .label = "Raison sociale", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "siret", .label = "SIRET", .hint = "14 chiffres, sans espace.", .type = FT_SIRET, .required = true },
	{ .name = "activity",
	    .label = "Activité",
	    .hint = "Par exemple « Services informatiques ».",
	    .type = FT_TEXT,
	    .max_len = 300 },
	{ .name = "commune_code",
	    .label = "Commune",
	    .hint = "Tapez son nom, par exemple Valence, et choisissez-la.",
	    .type = FT_COMMUNE,
	    .required = true,
	    .max_len = 5 },
	{ .name = "contact_name", .label = "Personne à contacter", .type = FT_TEXT, .max_len = 200 },
	{ .name = "contact_email", .label = "Courriel du contact", .type = FT_EMAIL, .max_len = 254 },
	{ .name = "contact_phone", .label = "Téléphone du contact", .type = FT_PHONE, .max_len = 30 },
};
const struct entity entity_partner = { "partner", "Entreprise partenaire", partner_fields, ARRAY_LEN(partner_fields) };
