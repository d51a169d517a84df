/* The activity report's field table and the families of its vocabularies. */
#include "model/activity/activity.h"

#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CODES(n) .type = FT_TEXT, .max_len = (n), .pattern = "[a-z0-9_]+(\\|[a-z0-9_]+)*"

static const struct field activity_fields[] = {
	{ .name = "session_on", .label = "Date de la séance", .type = FT_DATE, .required = true },
	{ .name = "type", .label = "Type de séance", .required = true, CODES(40) },
	{ .name = "place_kind", .label = "Lieu de la séance", .required = true, CODES(40) },
	{ .name = "place_id", .label = "Lieu de l'annuaire", .type = FT_PLACE, .max_len = 128 },
	{ .name = "commune_code", .label = "Commune de la séance", .type = FT_COMMUNE, .max_len = 5 },
	{ .name = "duration_min",
	    .label = "Durée (minutes)",
	    .type = FT_INT,
	    .required = true,
	    .min = 1,
	    .max = ACTIVITY_DURATION_MAX },
	{ .name = "participants",
	    .label = "Nombre de participants",
	    .type = FT_INT,
	    .required = true,
	    .min = 1,
	    .max = ACTIVITY_PARTICIPANTS_MAX },
	{ .name = "already",
	    .label = "Dont déjà accompagnés",
	    .type = FT_INT,
	    .min = 0,
	    .max = ACTIVITY_PARTICIPANTS_MAX,
	    .flags = FF_ZERO },
	{ .name = "themes", .label = "Thèmes", .required = true, CODES(2000), .flags = FF_MULTI },
	{ .name = "equipment", .label = "Matériel utilisé", CODES(400), .flags = FF_MULTI },
	{ .name = "autonomy", .label = "Niveau d'autonomie", CODES(40) },
	{ .name = "workshop_title", .label = "Titre de l'atelier", .type = FT_TEXT, .max_len = 200 },
	{ .name = "workshop_level", .label = "Niveau de l'atelier", CODES(40) },
	{ .name = "followups", .label = "Suite de l'accompagnement", CODES(200), .flags = FF_MULTI },
	{ .name = "redirect_kind", .label = "Type de structure de redirection", CODES(60) },
	{ .name = "redirect_body", .label = "Organisme de redirection", .type = FT_TEXT, .max_len = 200 },
	{ .name = "notes", .label = "Notes (privées)", .type = FT_TEXTAREA, .max_len = 2000 },
};

const struct entity entity_activity = { "activity", "Compte rendu d'activité", activity_fields,
	ARRAY_LEN(activity_fields) };

const struct activity_family activity_families[] = {
	{ "type", "Type de séance", "type", false, false },
	{ "place", "Lieu", "place_kind", false, false },
	{ "duration", "Durée", NULL, false, false },
	{ "theme", "Thèmes", "themes", true, false },
	{ "equipment", "Matériel", "equipment", true, false },
	{ "autonomy", "Autonomie", "autonomy", false, false },
	{ "level", "Niveau de l'atelier", "workshop_level", false, false },
	{ "followup", "Suites", "followups", true, false },
	{ "redirect", "Redirections", "redirect_kind", false, false },
	{ "gender", "Genre", NULL, false, true },
	{ "age", "Âge", NULL, false, true },
	{ "status", "Statut", NULL, false, true },
	{ "age_h", "Âge (grille harmonisée)", NULL, false, true },
};
const size_t activity_nfamilies = ARRAY_LEN(activity_families);

const struct activity_breakdown activity_breakdowns[3] = {
	{ "gender", "genders", "Répartition par genre" },
	{ "age", "ages", "Répartition par âge" },
	{ "status", "statuses", "Répartition par statut" },
};

const int activity_duration_presets[6] = { 15, 30, 45, 60, 90, 120 };

const struct activity_family *
activity_family(const char *code)
{
	for (size_t i = 0; code && i < activity_nfamilies; i++)
		if (strcmp(activity_families[i].code, code) == 0)
			return &activity_families[i];
	return NULL;
}
