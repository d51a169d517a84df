/* Role and organisation-kind vocabularies, and the scope each role needs. */
#include "model/accounts/role.h"

#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_item role_items[] = {
	{ "admin", "Administrateur de la plateforme" },
	{ "national", "Délégation nationale" },
	{ "regional", "Chargé de mission régional (SGAR)" },
	{ "pole", "Pôle de ressources interrégional" },
	{ "employer", "Structure employeuse" },
	{ "prescriber", "Prescripteur (Mission locale, France Travail, Cap emploi)" },
	{ "trainer", "Organisme de formation" },
	{ "candidate", "Candidat ou recruté" },
	{ "sponsor", "Parrain d'entreprise" },
	{ "viewer", "Membre du comité de pilotage" },
	{ "payer", "Organisme payeur (ASP, Caisse des dépôts)" },
};
_Static_assert(ARRAY_LEN(role_items) == ROLE_COUNT_ - 1, "one vocabulary item per role");
const struct vocab vocab_role = { "role", role_items, ARRAY_LEN(role_items) };

const struct role_rule role_rules[ROLE_COUNT_] = {
	[ROLE_REGIONAL] = { SCOPE_REGIONS, NULL },
	[ROLE_POLE] = { SCOPE_ORG_REGIONS, "pole" },
	[ROLE_EMPLOYER] = { SCOPE_ORG, "employer" },
	[ROLE_PRESCRIBER] = { SCOPE_ORG, "prescriber" },
	[ROLE_TRAINER] = { SCOPE_ORG, "trainer" },
	[ROLE_SPONSOR] = { SCOPE_ORG, "company" },
	[ROLE_PAYER] = { SCOPE_ORG, "payer" },
};

static const struct vocab_item org_kind_items[] = {
	{ "national", "Administration centrale" },
	{ "regional", "Services de l'État en région (SGAR, DREETS)" },
	{ "pole", "Pôle de ressources interrégional" },
	{ "employer", "Structure employeuse (collectivité, GIP, association)" },
	{ "prescriber", "Prescripteur (Mission locale, France Travail, Cap emploi)" },
	{ "trainer", "Organisme de formation" },
	{ "company", "Entreprise (marraine, partenaire)" },
	{ "payer", "Organisme payeur (ASP, Caisse des dépôts)" },
};
const struct vocab vocab_org_kind = { "org_kind", org_kind_items, ARRAY_LEN(org_kind_items) };

const char *
vocab_label(const struct vocab *v, const char *code)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i].code, code) == 0)
			return v->items[i].label;
	return NULL;
}

enum role
role_from_code(const char *code, size_t n)
{
	for (size_t i = 0; i < vocab_role.n; i++)
		if (strlen(role_items[i].code) == n && memcmp(role_items[i].code, code, n) == 0)
			return (enum role)(i + 1);
	return ROLE_NONE;
}

const char *
role_code(enum role r)
{
	return r > ROLE_NONE && r < ROLE_COUNT_ ? role_items[r - 1].code : NULL;
}

const char *
role_label(enum role r)
{
	return r > ROLE_NONE && r < ROLE_COUNT_ ? role_items[r - 1].label : NULL;
}
