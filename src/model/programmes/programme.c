/* The field tables of programmes, job profiles, dossiers and the payloads of the dossier's actions. */
#include "model/programmes/programme.h"

#include <string.h>

#include "core/utf8.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item employer_category_items[] = {
	{ "collectivite", "Collectivité territoriale ou groupement de collectivités" },
	{ "gip", "Groupement d'intérêt public (GIP)" },
	{ "association", "Association" },
	{ "etablissement_public", "Établissement public (CCAS, bibliothèque, EHPAD public…)" },
	{ "entreprise", "Structure privée (entreprise, société coopérative…)" },
};
const struct vocab vocab_employer_category = { "employer_category", employer_category_items,
	ARRAY_LEN(employer_category_items) };

static const struct vocab_item opinion_items[] = {
	{ "favourable", "Favorable" },
	{ "favourable_reserves", "Favorable avec réserves" },
	{ "unfavourable", "Défavorable" },
};
const struct vocab vocab_opinion = { "opinion", opinion_items, ARRAY_LEN(opinion_items) };

static const struct vocab_item dossier_state_items[] = {
	{ "draft", "Brouillon" },
	{ "regional_review", "En attente de l'avis régional" },
	{ "national_review", "En attente de la décision nationale" },
	{ "changes_requested", "Compléments demandés" },
	{ "validated", "Validé" },
	{ "refused", "Refusé" },
	{ "withdrawn", "Retiré par la structure" },
};
const struct vocab vocab_dossier_state = { "dossier_state", dossier_state_items, ARRAY_LEN(dossier_state_items) };

size_t
text_lines(const char *text, size_t width)
{
	size_t lines = 0;
	const char *p = text;

	if (text == NULL || *text == '\0')
		return 0;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p), chars;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		chars = utf8_length(p, n);
		lines += chars == 0 ? 1 : (chars + width - 1) / width;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return lines;
}

static const struct field programme_fields[] = {
	{ .name = "code",
	    .label = "Code",
	    .hint = "Court et stable, par exemple EAV-EPN-2013.",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 40 },
	{ .name = "name", .label = "Nom du dispositif", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "legal_basis", .label = "Base juridique", .type = FT_TEXTAREA, .max_len = 2000 },
	{ .name = "decided_by",
	    .label = "Autorité qui décide",
	    .hint = "Qui prend la décision nationale sur les dossiers, comme le protocole la nomme : par exemple "
	            "« Agence nationale de la cohésion des territoires (ANCT) ».",
	    .type = FT_TEXT,
	    .max_len = 200 },
	{ .name = "opinion_authority",
	    .label = "Qui donne l'avis régional",
	    .hint = "Comme le protocole le nomme : par exemple « Chargé de mission TIC du SGAR ».",
	    .type = FT_TEXT,
	    .max_len = 200 },
	{ .name = "starts_on", .label = "Date de début", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
	{ .name = "ends_on", .label = "Date de fin", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
	{ .name = "target_posts",
	    .label = "Objectif de postes",
	    .type = FT_INT,
	    .required = true,
	    .min = 0,
	    .max = 1000000 },
	{ .name = "budget_euros",
	    .label = "Enveloppe budgétaire (euros)",
	    .type = FT_INT,
	    .flags = FF_ZERO,
	    .min = 0,
	    .max = 100000000000 },
	{ .name = "contract_min_months",
	    .label = "Durée minimale des contrats (mois)",
	    .type = FT_INT,
	    .required = true,
	    .min = 1,
	    .max = 120 },
	{ .name = "contract_max_months",
	    .label = "Durée maximale des contrats (mois)",
	    .type = FT_INT,
	    .required = true,
	    .min = 1,
	    .max = 120 },
	{ .name = "weekly_hours",
	    .label = "Durée hebdomadaire (heures)",
	    .type = FT_INT,
	    .required = true,
	    .min = 1,
	    .max = 48 },
	{ .name = "training_months",
	    .label = "Formation initiale (mois)",
	    .type = FT_INT,
	    .min = 0,
	    .max = 36,
	    .flags = FF_ZERO },
	{ .name = "employer_categories",
	    .label = "Employeurs éligibles",
	    .hint = "Codes séparés par « | » : collectivite, gip, association, etablissement_public, entreprise.",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 200 },
	{ .name = "requires_tutor", .label = "Le dossier nomme un tuteur", .type = FT_BOOL },
	{ .name = "requires_sponsor", .label = "Le dossier nomme un parrain", .type = FT_BOOL },
	{ .name = "requires_company", .label = "Le dossier nomme une entreprise marraine", .type = FT_BOOL },
	{ .name = "requires_pole", .label = "Le dossier nomme un pôle de ressources", .type = FT_BOOL },
	{ .name = "requires_eligibility",
	    .label = "Un diagnostic d'éligibilité est exigé avant le contrat",
	    .type = FT_BOOL },
	{ .name = "eligibility",
	    .label = "Critères d'éligibilité des candidats",
	    .hint = "En JSON, par exemple {\"age\": {\"min\": 16, \"max\": 25, \"max_with_rqth\": 30}, \"paths\": "
	            "[{\"label\": \"…\", \"max_level\": \"3\", \"seeking_months\": 6}]} ; vide : aucun critère.",
	    .type = FT_TEXTAREA,
	    .max_len = 4000 },
	{ .name = "eligibility_valid_months",
	    .label = "Durée de validité d'un diagnostic (mois)",
	    .type = FT_INT,
	    .flags = FF_ZERO,
	    .min = 1,
	    .max = 36 },
	{ .name = "total_max_months",
	    .label = "Durée totale maximale, renouvellements compris (mois)",
	    .type = FT_INT,
	    .flags = FF_ZERO,
	    .min = 1,
	    .max = 120 },
	{ .name = "active", .label = "Dispositif ouvert aux nouveaux dossiers", .type = FT_BOOL },
};
const struct entity entity_programme = { "programme", "Dispositif", programme_fields, ARRAY_LEN(programme_fields) };

static const struct field job_profile_fields[] = {
	{ .name = "code",
	    .label = "Code",
	    .hint = "Lettres minuscules, chiffres et tirets.",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 60 },
	{ .name = "title", .label = "Intitulé du métier", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "summary", .label = "Résumé", .type = FT_TEXTAREA, .max_len = 1000 },
	{ .name = "missions", .label = "Missions", .type = FT_TEXTAREA, .max_len = 4000 },
	{ .name = "competences", .label = "Compétences", .type = FT_TEXTAREA, .max_len = 4000 },
	{ .name = "training_template",
	    .label = "Parcours de formation type",
	    .hint = "Un module par ligne, par exemple « Prise de poste (35 h) ».",
	    .type = FT_TEXTAREA,
	    .max_len = 4000 },
	{ .name = "active", .label = "Métier proposé aux nouveaux dossiers", .type = FT_BOOL },
};
const struct entity entity_job_profile = { "job_profile", "Fiche métier", job_profile_fields,
	ARRAY_LEN(job_profile_fields) };

static const struct field dossier_fields[] = {
	{ .name = "place_id",
	    .label = "Espace public numérique",
	    .hint = "L'identifiant du lieu dans l'annuaire (le lien « Choisir » de la recherche le remplit).",
	    .type = FT_TEXT,
	    .max_len = 128 },
	{ .name = "employer_category",
	    .label = "Catégorie de l'employeur",
	    .type = FT_CHOICE,
	    .vocab = &vocab_employer_category },
	{ .name = "contact_name",
	    .label = "Personne à contacter",
	    .type = FT_TEXT,
	    .max_len = 200,
	    .autocomplete = "name" },
	{ .name = "contact_email",
	    .label = "Courriel de contact",
	    .type = FT_EMAIL,
	    .max_len = 254,
	    .autocomplete = "email" },
	{ .name = "contact_phone",
	    .label = "Téléphone de contact",
	    .hint = "Par exemple 06 12 34 56 78.",
	    .type = FT_PHONE,
	    .max_len = 30,
	    .autocomplete = "tel" },
	{ .name = "project", .label = "Description du projet de recrutement", .type = FT_TEXTAREA, .max_len = 4000 },
	{ .name = "job_profile_id", .label = "Métier", .type = FT_REF },
	{ .name = "netpublic", .label = "L'EPN est labellisé NetPublic", .type = FT_BOOL },
	{ .name = "listed_national",
	    .label = "L'EPN est inscrit dans l'annuaire national géolocalisé",
	    .type = FT_BOOL },
	{ .name = "tutor_name", .label = "Nom du tuteur", .type = FT_TEXT, .max_len = 200 },
	{ .name = "tutor_qualities",
	    .label = "Qualités et expérience du tuteur",
	    .type = FT_TEXTAREA,
	    .max_len = 2000 },
	{ .name = "sponsor_name", .label = "Nom du parrain", .type = FT_TEXT, .max_len = 200 },
	{ .name = "sponsor_qualities", .label = "Qualités du parrain", .type = FT_TEXTAREA, .max_len = 2000 },
	{ .name = "company_name", .label = "Entreprise marraine", .type = FT_TEXT, .max_len = 200 },
	{ .name = "company_siret",
	    .label = "SIRET de l'entreprise marraine",
	    .hint = "14 chiffres, sans espace.",
	    .type = FT_SIRET },
	{ .name = "company_activity", .label = "Activité de l'entreprise marraine", .type = FT_TEXT, .max_len = 300 },
	{ .name = "pole_id", .label = "Pôle de ressources référent", .type = FT_REF },
	{ .name = "training_path",
	    .label = "Parcours emploi-formation envisagé",
	    .type = FT_TEXTAREA,
	    .max_len = 4000 },
	{ .name = "development_project",
	    .label = "Projet de développement ou de redynamisation de l'EPN",
	    .hint = "10 lignes de 80 caractères au plus.",
	    .type = FT_TEXTAREA,
	    .max_len = 2000 },
	{ .name = "posts_requested", .label = "Nombre de postes demandés", .type = FT_INT, .min = 1, .max = 100 },
	{ .name = "signed_on", .label = "Date de signature", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
	{ .name = "signatory", .label = "Nom et qualité du signataire", .type = FT_TEXT, .max_len = 200 },
};
const struct entity entity_dossier = { "dossier", "Protocole d'adhésion", dossier_fields, ARRAY_LEN(dossier_fields) };

#define ROW (FF_READONLY | FF_LISTED | FF_EXPORTED)
static const struct field dossier_row_fields[] = {
	{ .name = "id", .label = "N°", .type = FT_INT, .flags = ROW },
	{ .name = "programme_name", .label = "Dispositif", .type = FT_TEXT, .flags = ROW },
	{ .name = "organisation_name", .label = "Structure", .type = FT_TEXT, .flags = ROW },
	{ .name = "place_nom", .label = "EPN", .type = FT_TEXT, .flags = ROW },
	{ .name = "place_commune",
	    .label = "Commune",
	    .type = FT_TEXT,
	    .flags = FF_READONLY | FF_EXPORTED }, /* under the EPN */
	{ .name = "region_name", .label = "Région", .type = FT_TEXT, .flags = ROW },
	{ .name = "job_profile_title", .label = "Métier", .type = FT_TEXT, .flags = ROW },
	{ .name = "state_label", .label = "État", .type = FT_TEXT, .flags = ROW },
	{ .name = "waiting", .label = "Jours d'attente", .type = FT_INT, .flags = ROW },
	{ .name = "posts_requested", .label = "Postes demandés", .type = FT_INT, .flags = ROW },
	{ .name = "posts_granted",
	    .label = "Postes accordés",
	    .type = FT_INT,
	    .flags = FF_READONLY | FF_EXPORTED }, /* with the posts */
	{ .name = "updated_on", .label = "Dernière mise à jour", .type = FT_DATE, .flags = ROW },
};
#undef ROW
const struct entity entity_dossier_row = { "dossier_row", "Dossier dans la liste", dossier_row_fields,
	ARRAY_LEN(dossier_row_fields) };

static const struct field opinion_fields[] = {
	{ .name = "opinion", .label = "Avis", .type = FT_CHOICE, .required = true, .vocab = &vocab_opinion },
	{ .name = "suggestions", .label = "Suggestions d'amélioration", .type = FT_TEXTAREA, .max_len = 4000 },
	{ .name = "advice", .label = "Conseils à la structure", .type = FT_TEXTAREA, .max_len = 4000 },
};
const struct entity entity_opinion = { "opinion", "Avis régional", opinion_fields, ARRAY_LEN(opinion_fields) };

static const struct field decision_validate_fields[] = {
	{ .name = "posts_granted",
	    .label = "Nombre de postes accordés",
	    .type = FT_INT,
	    .required = true,
	    .min = 1,
	    .max = 100 },
	{ .name = "override_reason",
	    .label = "Motif du dépassement de l'objectif",
	    .hint = "Seulement si cette validation dépasse l'objectif du dispositif ou de la région.",
	    .type = FT_TEXTAREA,
	    .max_len = 2000 },
};
const struct entity entity_decision_validate = { "decision", "Validation", decision_validate_fields,
	ARRAY_LEN(decision_validate_fields) };

static const struct field reason_fields[] = {
	{ .name = "reason", .label = "Motif", .type = FT_TEXTAREA, .required = true, .max_len = 4000 },
};
const struct entity entity_reason = { "reason", "Motif", reason_fields, ARRAY_LEN(reason_fields) };

static const struct field questions_fields[] = {
	{ .name = "questions",
	    .label = "Questions à la structure",
	    .type = FT_TEXTAREA,
	    .required = true,
	    .max_len = 4000 },
};
const struct entity entity_questions = { "questions", "Demande de compléments", questions_fields,
	ARRAY_LEN(questions_fields) };

static const struct field message_fields[] = {
	{ .name = "body", .label = "Message", .type = FT_TEXTAREA, .required = true, .max_len = 4000 },
};
const struct entity entity_message = { "message", "Message", message_fields, ARRAY_LEN(message_fields) };
