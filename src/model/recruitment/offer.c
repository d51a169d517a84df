/* The field table and vocabularies of job offers (the kinds of contract are model/contract.c's). */
#include "model/recruitment/offer.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item offer_state_items[] = {
	[OFFER_OPEN] = { "open", "Ouverte" },
	[OFFER_FILLED] = { "filled", "Pourvue" },
	[OFFER_CLOSED] = { "closed", "Fermée" },
};
const struct vocab vocab_offer_state = { "offer_state", offer_state_items, ARRAY_LEN(offer_state_items) };

static const struct field offer_fields[] = {
	{ .name = "title",
	    .label = "Intitulé de l'offre",
	    .hint = "Par exemple « Médiateur numérique (emploi d'avenir) ».",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 200 },
	{ .name = "job_profile_id",
	    .label = "Métier",
	    .hint = "Une fiche métier du dispositif ; celle du dossier si vous n'en choisissez pas.",
	    .type = FT_REF },
	{ .name = "place_id",
	    .label = "Lieu de travail",
	    .hint = "Un lieu de l'annuaire géré par votre structure ; celui du dossier si vous n'en choisissez pas.",
	    .type = FT_TEXT,
	    .max_len = 128 },
	{ .name = "start_on",
	    .label = "Date de prise de poste",
	    .hint = "Format AAAA-MM-JJ.",
	    .type = FT_DATE,
	    .required = true },
	{ .name = "contract_type",
	    .label = "Type de contrat",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_contract_type },
	{ .name = "duration_months",
	    .label = "Durée du contrat (mois)",
	    .hint = "Obligatoire pour un CDD, dans les bornes du dispositif ; sans objet pour un CDI.",
	    .type = FT_INT,
	    .min = 1,
	    .max = 120 },
	{ .name = "weekly_hours",
	    .label = "Durée hebdomadaire (heures)",
	    .hint = "Celle du dispositif si vous la laissez vide.",
	    .type = FT_INT,
	    .min = 1,
	    .max = 48 },
	{ .name = "posts",
	    .label = "Nombre de postes",
	    .hint = "Une offre peut couvrir plusieurs postes accordés au dossier ; 1 si vous le laissez vide.",
	    .type = FT_INT,
	    .min = 1,
	    .max = 100 },
	{ .name = "description",
	    .label = "Description du poste",
	    .hint = "Missions, publics accompagnés, équipe, conditions de travail.",
	    .type = FT_TEXTAREA,
	    .required = true,
	    .max_len = 8000 },
	{ .name = "how_to_apply",
	    .label = "Comment candidater",
	    .hint = "Pièces attendues, personne à contacter, date limite.",
	    .type = FT_TEXTAREA,
	    .max_len = 2000 },
};
const struct entity entity_offer = { "offer", "Offre d'emploi", offer_fields, ARRAY_LEN(offer_fields) };

static const struct field offer_close_fields[] = {
	{ .name = "reason",
	    .label = "Motif de la fermeture",
	    .hint = "Par exemple : poste pourvu hors de la plateforme, projet abandonné.",
	    .type = FT_TEXTAREA,
	    .required = true,
	    .max_len = 2000 },
};
const struct entity entity_offer_close = { "offer_close", "Fermeture de l'offre", offer_close_fields,
	ARRAY_LEN(offer_close_fields) };
