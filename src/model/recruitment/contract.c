/* The field tables of applications and contracts. */
#include "model/recruitment/contract.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item application_state_items[] = {
	[APP_PROPOSED] = { "proposed", "Mise en relation proposée" },
	[APP_NEW] = { "new", "Nouvelle" },
	[APP_PROCESSING] = { "processing", "En cours d'examen" },
	[APP_INTERVIEW] = { "interview", "Entretien" },
	[APP_ACCEPTED] = { "accepted", "Retenue" },
	[APP_REFUSED] = { "refused", "Non retenue" },
	[APP_WITHDRAWN] = { "withdrawn", "Retirée par le candidat" },
	[APP_DECLINED] = { "declined", "Mise en relation déclinée" },
	[APP_OBSOLETE] = { "obsolete", "Close sans suite" },
};
const struct vocab vocab_application_state = { "application_state", application_state_items,
	ARRAY_LEN(application_state_items) };

static const struct vocab_item refusal_reason_items[] = {
	{ "profile", "Le profil ne correspond pas au poste" },
	{ "eligibility", "Le candidat n'est pas éligible au dispositif" },
	{ "filled", "Le poste est pourvu" },
	{ "distance", "Le lieu de travail est trop éloigné" },
	{ "availability", "Les disponibilités ne correspondent pas" },
	{ "interview", "L'entretien n'a pas été concluant" },
	{ "other", "Autre motif" },
};
const struct vocab vocab_refusal_reason = { "refusal_reason", refusal_reason_items, ARRAY_LEN(refusal_reason_items) };

static const struct vocab_item contract_state_items[] = {
	[CONTRACT_PLANNED] = { "planned", "Prévu" },
	[CONTRACT_ACTIVE] = { "active", "En cours" },
	[CONTRACT_SUSPENDED] = { "suspended", "Suspendu" },
	[CONTRACT_COMPLETED] = { "completed", "Terminé à son terme" },
	[CONTRACT_ENDED_EARLY] = { "ended_early", "Rompu avant son terme" },
};
const struct vocab vocab_contract_state = { "contract_state", contract_state_items, ARRAY_LEN(contract_state_items) };

static const struct vocab_item contract_type_items[] = {
	{ "CDD", "Contrat à durée déterminée (CDD)" },
	{ "CDI", "Contrat à durée indéterminée (CDI)" },
};
const struct vocab vocab_contract_type = { "contract_type", contract_type_items, ARRAY_LEN(contract_type_items) };

static const struct vocab_item outcome_items[] = {
	{ "lasting_cdi", "Emploi durable : CDI" },
	{ "lasting_cdd", "Emploi durable : CDD de 6 mois ou plus" },
	{ "lasting_business", "Emploi durable : création d'entreprise" },
	{ "transition", "Emploi de transition (CDD de moins de 6 mois, intérim)" },
	{ "training", "Formation" },
	{ "job_seeker", "Demandeur d'emploi" },
	{ "inactive", "Inactif" },
	{ "unknown", "Situation inconnue" },
};
const struct vocab vocab_outcome = { "outcome", outcome_items, ARRAY_LEN(outcome_items) };

/* Who ended a contract before its term, and why (the early breaks the steering figures count). */
static const struct vocab_item ended_by_items[] = {
	{ "employer", "L'employeur" },
	{ "employee", "Le salarié" },
	{ "mutual", "D'un commun accord" },
};
const struct vocab vocab_ended_by = { "ended_by", ended_by_items, ARRAY_LEN(ended_by_items) };

static const struct vocab_item break_reason_items[] = {
	{ "trial", "Fin de la période d'essai" },
	{ "job", "Embauche sur un autre emploi" },
	{ "training", "Entrée en formation" },
	{ "dismissal", "Licenciement" },
	{ "resignation", "Démission pour un autre motif" },
	{ "agreement", "Rupture conventionnelle ou d'un commun accord" },
	{ "other", "Autre motif" },
};
const struct vocab vocab_break_reason = { "break_reason", break_reason_items, ARRAY_LEN(break_reason_items) };

static const struct field application_fields[] = {
	{ .name = "message",
	    .label = "Message",
	    .hint = "Présentez-vous et dites pourquoi ce poste vous intéresse.",
	    .type = FT_TEXTAREA,
	    .max_len = 4000 },
};
const struct entity entity_application = { "application", "Candidature", application_fields,
	ARRAY_LEN(application_fields) };

static const struct field interview_fields[] = {
	{ .name = "interview_on", .label = "Date de l'entretien", .type = FT_DATE, .required = true },
	{ .name = "interview_time",
	    .label = "Heure",
	    .hint = "Par exemple 14:30.",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 5 },
	{ .name = "interview_place",
	    .label = "Lieu",
	    .hint = "L'adresse, ou « en visioconférence » avec le lien envoyé par courriel.",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 300 },
	{ .name = "interview_note", .label = "Précisions pour le candidat", .type = FT_TEXTAREA, .max_len = 2000 },
};
const struct entity entity_interview = { "interview", "Entretien", interview_fields, ARRAY_LEN(interview_fields) };

static const struct field interview_reply_fields[] = {
	{ .name = "interview_reply",
	    .label = "Vos disponibilités",
	    .hint = "Les jours et heures où vous pouvez venir.",
	    .type = FT_TEXTAREA,
	    .required = true,
	    .max_len = 2000 },
};
const struct entity entity_interview_reply = { "interview_reply", "Autre créneau", interview_reply_fields,
	ARRAY_LEN(interview_reply_fields) };

static const struct field refusal_fields[] = {
	{ .name = "refusal_reason",
	    .label = "Motif",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_refusal_reason },
	{ .name = "comment", .label = "Précisions pour le candidat", .type = FT_TEXTAREA, .max_len = 2000 },
};
const struct entity entity_refusal = { "refusal", "Réponse négative", refusal_fields, ARRAY_LEN(refusal_fields) };

static const struct field contract_fields[] = {
	{ .name = "contract_type", .label = "Type de contrat", .type = FT_CHOICE, .vocab = &vocab_contract_type },
	{ .name = "start_on",
	    .label = "Date de début",
	    .hint = "Format AAAA-MM-JJ.",
	    .type = FT_DATE,
	    .required = true },
	{ .name = "end_on",
	    .label = "Date de fin",
	    .hint = "Format AAAA-MM-JJ ; obligatoire pour un CDD.",
	    .type = FT_DATE },
	{ .name = "weekly_hours", .label = "Durée hebdomadaire (heures)", .type = FT_INT, .min = 1, .max = 48 },
	{ .name = "tutor_id",
	    .label = "Tuteur",
	    .hint = "Un membre de la structure.",
	    .type = FT_REF,
	    .required = true },
	{ .name = "tutor_experience", .label = "Expérience du tuteur", .type = FT_TEXTAREA, .max_len = 2000 },
	{ .name = "sponsor_name", .label = "Nom du parrain", .type = FT_TEXT, .max_len = 200 },
	{ .name = "sponsor_contact",
	    .label = "Coordonnées du parrain",
	    .hint = "Courriel ou téléphone.",
	    .type = FT_TEXT,
	    .max_len = 200 },
	{ .name = "sponsor_id",
	    .label = "Compte du parrain sur la plateforme",
	    .hint = "Facultatif : le parrain suit alors le parcours du jeune.",
	    .type = FT_REF },
	{ .name = "company_name", .label = "Entreprise marraine", .type = FT_TEXT, .max_len = 200 },
	{ .name = "company_siret",
	    .label = "SIRET de l'entreprise marraine",
	    .hint = "14 chiffres, sans espace.",
	    .type = FT_SIRET },
	{ .name = "company_activity", .label = "Activité de l'entreprise marraine", .type = FT_TEXT, .max_len = 300 },
	{ .name = "pole_id", .label = "Pôle de ressources", .type = FT_REF },
};
const struct entity entity_contract = { "contract", "Contrat", contract_fields, ARRAY_LEN(contract_fields) };

static const struct field contract_end_fields[] = {
	{ .name = "ended_by",
	    .label = "À l'initiative de",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_ended_by },
	{ .name = "break_reason",
	    .label = "Motif (catégorie)",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_break_reason },
	{ .name = "reason", .label = "Motif de la rupture", .type = FT_TEXTAREA, .required = true, .max_len = 2000 },
	{ .name = "ended_on",
	    .label = "Date de fin effective",
	    .hint = "Format AAAA-MM-JJ.",
	    .type = FT_DATE,
	    .required = true },
};
const struct entity entity_contract_end = { "contract_end", "Rupture", contract_end_fields,
	ARRAY_LEN(contract_end_fields) };

static const struct field contract_reason_fields[] = {
	{ .name = "reason", .label = "Motif", .type = FT_TEXTAREA, .required = true, .max_len = 2000 },
};
const struct entity entity_contract_reason = { "contract_reason", "Motif", contract_reason_fields,
	ARRAY_LEN(contract_reason_fields) };

static const struct field outcome_fields[] = {
	{ .name = "outcome",
	    .label = "Situation à la sortie",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_outcome },
};
const struct entity entity_outcome = { "outcome", "Sortie", outcome_fields, ARRAY_LEN(outcome_fields) };

static const struct field followup_fields[] = {
	{ .name = "followup_outcome",
	    .label = "Situation six mois après la sortie",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_outcome },
};
const struct entity entity_followup = { "followup", "Suivi à six mois", followup_fields, ARRAY_LEN(followup_fields) };

static const struct field renewal_fields[] = {
	{ .name = "end_on",
	    .label = "Date de fin du renouvellement",
	    .hint = "Format AAAA-MM-JJ.",
	    .type = FT_DATE,
	    .required = true },
};
const struct entity entity_renewal = { "renewal", "Renouvellement", renewal_fields, ARRAY_LEN(renewal_fields) };
