/* The subsidies' vocabularies and field tables. */
#include "model/subsidies/subsidy.h"

#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item territory_items[] = {
	{ "metropole", "France métropolitaine et départements d'outre-mer hors Mayotte" },
	{ "mayotte", "Mayotte" },
};
const struct vocab vocab_territory = { "territory", territory_items, ARRAY_LEN(territory_items) };

static const struct vocab_item aid_sector_items[] = {
	{ "non_market", "Secteur non marchand (CAE)" },
	{ "market", "Secteur marchand (CIE)" },
	{ "geiq", "GEIQ et structures d'insertion éligibles au CIE" },
};
const struct vocab vocab_aid_sector = { "aid_sector", aid_sector_items, ARRAY_LEN(aid_sector_items) };

/* The reasons of an early end (Code du travail, R5134-166 and the arrêté of 31 October 2012). */
static const struct vocab_item end_reason_items[] = {
	{ "faute_grave", "Faute grave du salarié" },
	{ "force_majeure", "Force majeure" },
	{ "periode_essai", "Rupture pendant la période d'essai" },
	{ "inaptitude", "Licenciement pour inaptitude médicalement constatée" },
	{ "eco_redressement", "Licenciement économique en redressement ou liquidation judiciaire" },
	{ "rupture_conventionnelle", "Rupture conventionnelle" },
	{ "accord_commun", "Rupture d'un commun accord (CDD)" },
	{ "licenciement", "Autre licenciement à l'initiative de l'employeur" },
	{ "demission", "Démission du salarié" },
	{ "autre", "Autre motif" },
};
const struct vocab vocab_aid_end_reason = { "aid_end_reason", end_reason_items, ARRAY_LEN(end_reason_items) };

/* The reasons that keep the days worked due, for a CDI and for a CDD (REFERENCE.md, "Subsidies"); any other
 * reason claims everything back. */
static const struct {
	const char *code;
	bool cdi, cdd;
} exempt_reasons[] = {
	{ "faute_grave", true, true },
	{ "force_majeure", true, true },
	{ "periode_essai", true, true },
	{ "inaptitude", true, false },
	{ "eco_redressement", true, false },
	{ "rupture_conventionnelle", true, false },
	{ "accord_commun", false, true },
};

bool
aid_end_exempt(const char *reason, const char *contract_type)
{
	bool cdi = contract_type != NULL && strcmp(contract_type, "CDI") == 0;

	for (size_t i = 0; reason != NULL && i < ARRAY_LEN(exempt_reasons); i++)
		if (strcmp(exempt_reasons[i].code, reason) == 0)
			return cdi ? exempt_reasons[i].cdi : exempt_reasons[i].cdd;
	return false;
}

static const struct vocab_item line_kind_items[] = {
	{ "aid", "Aide du mois" },
	{ "instalment", "Versement" },
	{ "bonus", "Bonification" },
	{ "adjustment", "Régularisation" },
};
const struct vocab vocab_line_kind = { "line_kind", line_kind_items, ARRAY_LEN(line_kind_items) };

static const struct vocab_item payreq_state_items[] = {
	[PAYREQ_REQUESTED] = { "requested", "Demandée, à vérifier" },
	[PAYREQ_APPROVED] = { "approved", "Approuvée, à mettre en paiement" },
	[PAYREQ_REJECTED] = { "rejected", "Rejetée" },
	[PAYREQ_ORDERED] = { "ordered", "Mise en paiement (ordre émis)" },
	[PAYREQ_PAID] = { "paid", "Payée" },
};
const struct vocab vocab_payreq_state = { "payreq_state", payreq_state_items, ARRAY_LEN(payreq_state_items) };

static const struct vocab_item recovery_state_items[] = {
	[RECOVERY_NOTIFIED] = { "notified", "Notifié, en attente du reversement" },
	[RECOVERY_REPAID] = { "repaid", "Reversé" },
	[RECOVERY_CANCELLED] = { "cancelled", "Annulé" },
};
const struct vocab vocab_recovery_state = { "recovery_state", recovery_state_items, ARRAY_LEN(recovery_state_items) };

static const struct vocab_item amendment_state_items[] = {
	[AMENDMENT_REQUESTED] = { "requested", "Demandé, en attente de l'avis régional" },
	[AMENDMENT_NATIONAL_REVIEW] = { "national_review", "En attente de la décision nationale" },
	[AMENDMENT_GRANTED] = { "granted", "Accordé" },
	[AMENDMENT_REFUSED] = { "refused", "Refusé" },
};
const struct vocab vocab_amendment_state = { "amendment_state", amendment_state_items,
	ARRAY_LEN(amendment_state_items) };

static const struct vocab_item post_state_items[] = {
	{ "vacant", "Vacant" },
	{ "occupied", "Occupé" },
	{ "returned", "Rendu" },
};
const struct vocab vocab_post_state = { "post_state", post_state_items, ARRAY_LEN(post_state_items) };

static const struct field smic_fields[] = {
	{ .name = "territory", .label = "Territoire", .type = FT_CHOICE, .required = true, .vocab = &vocab_territory },
	{ .name = "valid_from", .label = "En vigueur à partir du", .type = FT_DATE, .required = true },
	{ .name = "hourly",
	    .label = "SMIC horaire brut (€)",
	    .hint = "Par exemple 11,88.",
	    .type = FT_CENTI,
	    .required = true,
	    .min = 1,
	    .max = 100000,
	    .column = "hourly_cents" },
};
const struct entity entity_smic_rate = { "smic_rate", "Valeur du SMIC", smic_fields, ARRAY_LEN(smic_fields) };

static const struct field aid_rule_fields[] = {
	{ .name = "label", .label = "Intitulé", .type = FT_TEXT, .required = true, .max_len = 300 },
	{ .name = "rate",
	    .label = "Taux d'aide (%)",
	    .hint = "Part du SMIC horaire brut, aide horaire seulement.",
	    .type = FT_CENTI,
	    .min = 0,
	    .max = 10000,
	    .column = "rate_bp",
	    .flags = FF_ZERO },
	{ .name = "cap_weekly_hours",
	    .label = "Heures aidées par semaine au plus",
	    .type = FT_CENTI,
	    .min = 0,
	    .max = 4800,
	    .column = "cap_weekly_centih",
	    .flags = FF_ZERO },
	{ .name = "max_months",
	    .label = "Durée d'aide au plus (mois, renouvellements compris)",
	    .type = FT_INT,
	    .min = 0,
	    .max = 120,
	    .flags = FF_ZERO },
	{ .name = "duration_months",
	    .label = "Durée de justification d'un poste (mois)",
	    .type = FT_INT,
	    .min = 0,
	    .max = 120,
	    .flags = FF_ZERO },
	{ .name = "cap",
	    .label = "Plafond par poste, bonification comprise (€)",
	    .type = FT_CENTI,
	    .min = 0,
	    .max = 100000000,
	    .column = "cap_cents",
	    .flags = FF_ZERO },
};
const struct entity entity_aid_rule = { "aid_rule", "Règle d'aide", aid_rule_fields, ARRAY_LEN(aid_rule_fields) };

static const struct field aid_decision_fields[] = {
	{ .name = "rule_id", .label = "Règle d'aide", .type = FT_REF, .required = true },
	{ .name = "territory", .label = "Territoire du SMIC", .type = FT_CHOICE, .vocab = &vocab_territory },
	{ .name = "rate",
	    .label = "Taux d'aide (%)",
	    .hint = "Laissé vide : le taux de la règle.",
	    .type = FT_CENTI,
	    .min = 0,
	    .max = 10000,
	    .column = "rate_bp" },
	{ .name = "weekly_hours",
	    .label = "Heures hebdomadaires",
	    .hint = "Laissées vides : celles du contrat.",
	    .type = FT_CENTI,
	    .min = 0,
	    .max = 4800,
	    .column = "weekly_centih" },
	{ .name = "aid_start",
	    .label = "Début de l'aide",
	    .hint = "Laissé vide : le début du contrat.",
	    .type = FT_DATE },
	{ .name = "aid_end", .label = "Fin de l'aide", .hint = "Laissée vide : la fin du contrat.", .type = FT_DATE },
};
const struct entity entity_aid_decision = { "aid_decision", "Décision d'aide", aid_decision_fields,
	ARRAY_LEN(aid_decision_fields) };

static const struct field aid_period_fields[] = {
	{ .name = "from_on", .label = "Du", .type = FT_DATE, .required = true },
	{ .name = "to_on", .label = "Au", .type = FT_DATE, .required = true },
	{ .name = "paid_share",
	    .label = "Part de la rémunération maintenue (%)",
	    .hint = "0 pour une suspension sans rémunération.",
	    .type = FT_CENTI,
	    .required = true,
	    .min = 0,
	    .max = 10000,
	    .column = "paid_bp" },
	{ .name = "weekly_hours",
	    .label = "Heures hebdomadaires pendant la période",
	    .hint = "Laissées vides : celles de la décision.",
	    .type = FT_CENTI,
	    .min = 0,
	    .max = 4800,
	    .column = "weekly_centih",
	    .flags = FF_ZERO },
	{ .name = "reason", .label = "Motif", .type = FT_TEXT, .required = true, .max_len = 300 },
};
const struct entity entity_aid_period = { "aid_period", "Période", aid_period_fields, ARRAY_LEN(aid_period_fields) };

static const struct field aid_end_fields[] = {
	{ .name = "ended_on", .label = "Dernier jour travaillé", .type = FT_DATE, .required = true },
	{ .name = "end_reason",
	    .label = "Motif de la rupture",
	    .type = FT_CHOICE,
	    .required = true,
	    .vocab = &vocab_aid_end_reason },
};
const struct entity entity_aid_end = { "aid_end", "Rupture anticipée", aid_end_fields, ARRAY_LEN(aid_end_fields) };

static const struct field payreq_fields[] = {
	{ .name = "month",
	    .label = "Mois",
	    .hint = "AAAA-MM, ou la date d'un versement (AAAA-MM-JJ).",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 10,
	    .pattern = "^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$" },
	{ .name = "hours",
	    .label = "Heures rémunérées dans le mois",
	    .hint = "D'après l'état de présence ; aide horaire seulement.",
	    .type = FT_CENTI,
	    .min = -100000,
	    .max = 100000,
	    .column = "hours_centi" },
};
const struct entity entity_payreq = { "payment_request", "Demande de paiement", payreq_fields,
	ARRAY_LEN(payreq_fields) };

static const struct field payreq_reason_fields[] = {
	{ .name = "rejection_reason",
	    .label = "Motif du rejet",
	    .type = FT_TEXTAREA,
	    .required = true,
	    .max_len = 2000 },
};
const struct entity entity_payreq_reason = { "payment_rejection", "Rejet", payreq_reason_fields,
	ARRAY_LEN(payreq_reason_fields) };

static const struct field bank_fields[] = {
	{ .name = "holder", .label = "Titulaire du compte", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "iban",
	    .label = "IBAN",
	    .hint = "Par exemple FR76 3000 6000 0112 3456 7890 189.",
	    .type = FT_IBAN,
	    .required = true,
	    .max_len = 50 },
	{ .name = "bic",
	    .label = "BIC",
	    .hint = "8 ou 11 caractères.",
	    .type = FT_BIC,
	    .required = true,
	    .max_len = 11 },
};
const struct entity entity_bank_details = { "bank_details", "Coordonnées bancaires", bank_fields,
	ARRAY_LEN(bank_fields) };

static const struct field order_paid_fields[] = {
	{ .name = "paid_on", .label = "Date du paiement", .type = FT_DATE, .required = true },
	{ .name = "paid_reference",
	    .label = "Référence du paiement",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 100 },
};
const struct entity entity_order_paid = { "order_paid", "Paiement", order_paid_fields, ARRAY_LEN(order_paid_fields) };

static const struct field recovery_repaid_fields[] = {
	{ .name = "repaid_on", .label = "Date du reversement", .type = FT_DATE, .required = true },
};
const struct entity entity_recovery_repaid = { "recovery_repaid", "Reversement", recovery_repaid_fields,
	ARRAY_LEN(recovery_repaid_fields) };

static const struct field recovery_cancel_fields[] = {
	{ .name = "cancel_reason",
	    .label = "Motif de l'annulation",
	    .type = FT_TEXTAREA,
	    .required = true,
	    .max_len = 2000 },
};
const struct entity entity_recovery_cancel = { "recovery_cancel", "Annulation", recovery_cancel_fields,
	ARRAY_LEN(recovery_cancel_fields) };

static const struct field envelope_fields[] = {
	{ .name = "commitments",
	    .label = "Autorisations d'engagement (€)",
	    .type = FT_CENTI,
	    .required = true,
	    .min = 0,
	    .max = 1000000000000,
	    .column = "commitments_cents" },
	{ .name = "payments",
	    .label = "Crédits de paiement (€)",
	    .type = FT_CENTI,
	    .required = true,
	    .min = 0,
	    .max = 1000000000000,
	    .column = "payments_cents" },
};
const struct entity entity_envelope = { "budget_envelope", "Enveloppe budgétaire", envelope_fields,
	ARRAY_LEN(envelope_fields) };

static const struct field convention_fields[] = {
	{ .name = "organisation_id", .label = "Structure employeuse", .type = FT_REF, .required = true },
	{ .name = "rule_id", .label = "Règle d'aide", .type = FT_REF, .required = true },
	{ .name = "bonus_id", .label = "Bonification", .type = FT_REF },
	{ .name = "posts_granted",
	    .label = "Postes accordés",
	    .type = FT_INT,
	    .required = true,
	    .min = 1,
	    .max = 1000 },
	{ .name = "signed_on", .label = "Date de signature", .type = FT_DATE, .required = true },
};
const struct entity entity_convention = { "convention", "Convention", convention_fields, ARRAY_LEN(convention_fields) };

static const struct field post_fill_fields[] = {
	{ .name = "holder_name", .label = "Personne recrutée", .type = FT_TEXT, .required = true, .max_len = 200 },
	{ .name = "started_on", .label = "Date d'arrivée", .type = FT_DATE, .required = true },
};
const struct entity entity_post_fill = { "post_fill", "Recrutement sur le poste", post_fill_fields,
	ARRAY_LEN(post_fill_fields) };

static const struct field post_vacate_fields[] = {
	{ .name = "vacant_since", .label = "Poste vacant depuis le", .type = FT_DATE, .required = true },
};
const struct entity entity_post_vacate = { "post_vacate", "Départ de la personne", post_vacate_fields,
	ARRAY_LEN(post_vacate_fields) };

static const struct field post_return_fields[] = {
	{ .name = "returned_on", .label = "Poste rendu le", .type = FT_DATE, .required = true },
};
const struct entity entity_post_return = { "post_return", "Restitution du poste", post_return_fields,
	ARRAY_LEN(post_return_fields) };

static const struct field amendment_fields[] = {
	{ .name = "posts_delta",
	    .label = "Postes ajoutés (ou rendus, en négatif)",
	    .type = FT_INT,
	    .required = true,
	    .min = -100,
	    .max = 100 },
	{ .name = "motive", .label = "Motif de l'avenant", .type = FT_TEXTAREA, .required = true, .max_len = 2000 },
};
const struct entity entity_amendment = { "amendment", "Avenant", amendment_fields, ARRAY_LEN(amendment_fields) };

static const struct vocab_item amendment_opinion_items[] = {
	{ "favourable", "Favorable" },
	{ "unfavourable", "Défavorable" },
};
static const struct vocab vocab_amendment_opinion = { "amendment_opinion", amendment_opinion_items,
	ARRAY_LEN(amendment_opinion_items) };

static const struct field amendment_opinion_fields[] = {
	{ .name = "opinion", .label = "Avis", .type = FT_CHOICE, .required = true, .vocab = &vocab_amendment_opinion },
	{ .name = "opinion_comment", .label = "Commentaire", .type = FT_TEXTAREA, .max_len = 2000 },
};
const struct entity entity_amendment_opinion = { "amendment_opinion", "Avis régional", amendment_opinion_fields,
	ARRAY_LEN(amendment_opinion_fields) };

static const struct field amendment_decision_fields[] = {
	{ .name = "decision_reason",
	    .label = "Motif de la décision",
	    .hint = "Obligatoire pour un refus, et pour accorder au-delà de l'enveloppe.",
	    .type = FT_TEXTAREA,
	    .max_len = 2000 },
};
const struct entity entity_amendment_decision = { "amendment_decision", "Décision nationale", amendment_decision_fields,
	ARRAY_LEN(amendment_decision_fields) };
