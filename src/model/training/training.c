/* The field tables and vocabularies of training: organisations, paths, sessions, registrations. */
#include "model/training/training.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item module_state_items[] = {
	[MODULE_PLANNED] = { "planned", "Prévu" },
	[MODULE_IN_PROGRESS] = { "in_progress", "En cours" },
	[MODULE_COMPLETED] = { "completed", "Terminé" },
	[MODULE_ABANDONED] = { "abandoned", "Abandonné" },
};
const struct vocab vocab_module_state = { "module_state", module_state_items, ARRAY_LEN(module_state_items) };

static const struct vocab_item session_state_items[] = {
	[SESSION_OPEN] = { "open", "Inscriptions ouvertes" },
	[SESSION_CONFIRMED] = { "confirmed", "Confirmée" },
	[SESSION_CANCELLED] = { "cancelled", "Annulée" },
};
const struct vocab vocab_session_state = { "session_state", session_state_items, ARRAY_LEN(session_state_items) };

static const struct vocab_item session_audience_items[] = {
	{ "recruits", "Jeunes recrutés (module de parcours)" },
	{ "tutors", "Tuteurs (formation des tuteurs)" },
};
const struct vocab vocab_session_audience = { "session_audience", session_audience_items,
	ARRAY_LEN(session_audience_items) };

static const struct vocab_item registration_state_items[] = {
	{ "registered", "Inscrit" },
	{ "waiting", "En liste d'attente" },
	{ "cancelled", "Inscription annulée" },
};
const struct vocab vocab_registration_state = { "registration_state", registration_state_items,
	ARRAY_LEN(registration_state_items) };

static const struct field training_org_fields[] = {
	{ .name = "name",
	    .label = "Nom",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 200,
	    .autocomplete = "organization" },
	{ .name = "siret", .label = "SIRET", .hint = "14 chiffres, sans espace.", .type = FT_SIRET },
	{ .name = "accreditation",
	    .label = "Habilitation",
	    .hint =
	        "Certifications et titres que l'organisme est habilité à préparer, numéro de déclaration d'activité.",
	    .type = FT_TEXTAREA,
	    .max_len = 2000 },
	{ .name = "accredited_from", .label = "Habilité depuis le", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
	{ .name = "accredited_until", .label = "Habilité jusqu'au", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
};
const struct entity entity_training_org = { "training_organisation", "Organisme de formation", training_org_fields,
	ARRAY_LEN(training_org_fields) };

static const struct field path_module_fields[] = {
	{ .name = "title", .label = "Intitulé du module", .type = FT_TEXT, .required = true, .max_len = 300 },
	{ .name = "training_org_id",
	    .label = "Organisme de formation",
	    .hint = "Facultatif : l'organisme qui dispense le module.",
	    .type = FT_REF },
	{ .name = "hours_planned",
	    .label = "Heures prévues",
	    .hint = "0 lorsque la durée est donnée en mois dans l'intitulé.",
	    .type = FT_INT,
	    .min = 0,
	    .flags = FF_ZERO,
	    .max = 5000 },
	{ .name = "hours_done", .label = "Heures effectuées", .type = FT_INT, .min = 0, .max = 5000, .flags = FF_ZERO },
	{ .name = "starts_on", .label = "Date de début", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
	{ .name = "ends_on", .label = "Date de fin", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE },
	{ .name = "certifying", .label = "Module certifiant", .type = FT_BOOL },
	{ .name = "certification",
	    .label = "Certification visée",
	    .hint = "Par exemple : titre professionnel Responsable d'espace de médiation numérique.",
	    .type = FT_TEXT,
	    .max_len = 300 },
};
const struct entity entity_path_module = { "path_module", "Module de parcours", path_module_fields,
	ARRAY_LEN(path_module_fields) };

static const struct field module_reason_fields[] = {
	{ .name = "reason", .label = "Motif de l'abandon", .type = FT_TEXTAREA, .required = true, .max_len = 2000 },
};
const struct entity entity_module_reason = { "module_reason", "Abandon", module_reason_fields,
	ARRAY_LEN(module_reason_fields) };

static const struct field session_fields[] = {
	{ .name = "programme_id", .label = "Dispositif", .type = FT_REF, .required = true },
	{ .name = "audience",
	    .label = "Public",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_session_audience },
	{ .name = "title", .label = "Intitulé", .type = FT_TEXT, .required = true, .max_len = 300 },
	{ .name = "description", .label = "Description", .type = FT_TEXTAREA, .max_len = 4000 },
	{ .name = "training_org_id", .label = "Organisme de formation", .type = FT_REF },
	{ .name = "pole_id", .label = "Pôle de ressources", .type = FT_REF },
	{ .name = "place_id",
	    .label = "Lieu",
	    .hint = "Un lieu de l'annuaire : tapez son nom (vos lieux sont proposés) ; aucun pour une session à "
	            "distance.",
	    .type = FT_PLACE,
	    .max_len = 128 },
	{ .name = "remote", .label = "À distance", .type = FT_BOOL },
	{ .name = "region_code",
	    .label = "Région",
	    .hint = "Déduite du lieu lorsqu'il est donné.",
	    .type = FT_REGION,
	    .max_len = 3 },
	{ .name = "starts_on",
	    .label = "Premier jour",
	    .hint = "Format AAAA-MM-JJ.",
	    .type = FT_DATE,
	    .required = true },
	{ .name = "ends_on", .label = "Dernier jour", .hint = "Format AAAA-MM-JJ.", .type = FT_DATE, .required = true },
	{ .name = "hours", .label = "Durée totale (heures)", .type = FT_INT, .min = 0, .max = 2000, .flags = FF_ZERO },
	{ .name = "capacity", .label = "Places", .type = FT_INT, .required = true, .min = 1, .max = 1000 },
	{ .name = "min_registrants",
	    .label = "Nombre minimum d'inscrits",
	    .hint = "Sous ce nombre à la date limite, la session est annulée et les inscrits prévenus.",
	    .type = FT_INT,
	    .min = 0,
	    .flags = FF_ZERO,
	    .max = 1000 },
	{ .name = "registration_deadline",
	    .label = "Date limite d'inscription",
	    .hint = "Format AAAA-MM-JJ ; au plus tard le premier jour.",
	    .type = FT_DATE,
	    .required = true },
};
const struct entity entity_session = { "session", "Session de formation", session_fields, ARRAY_LEN(session_fields) };

static const struct field session_cancel_fields[] = {
	{ .name = "cancel_reason",
	    .label = "Motif de l'annulation",
	    .type = FT_TEXTAREA,
	    .required = true,
	    .max_len = 2000 },
};
const struct entity entity_session_cancel = { "session_cancel", "Annulation", session_cancel_fields,
	ARRAY_LEN(session_cancel_fields) };

static const struct field registration_fields[] = {
	{ .name = "contract_id",
	    .label = "Jeune recruté (contrat)",
	    .hint = "Pour une session destinée aux jeunes : le contrat du jeune que la structure inscrit.",
	    .type = FT_REF },
	{ .name = "path_module_id",
	    .label = "Module du parcours",
	    .hint = "Facultatif : le module du parcours que la session réalise ; ses heures seront comptées.",
	    .type = FT_REF },
};
const struct entity entity_registration = { "registration", "Inscription", registration_fields,
	ARRAY_LEN(registration_fields) };
