/* API token scopes: the areas, the API paths of each, and the token form's fields. */
#include "model/accounts/token_scope.h"

#include <string.h>

#include "model/kernel/vocab.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct token_area token_areas[] = {
	{ "accounts", "Comptes et structures" },
	{ "places", "Lieux (annuaire)" },
	{ "programmes", "Programmes et métiers" },
	{ "dossiers", "Dossiers (protocoles d'adhésion)" },
	{ "candidates", "Candidats et éligibilité" },
	{ "recruitment", "Offres, candidatures et contrats" },
	{ "training", "Parcours, sessions et tuteurs" },
	{ "poles", "Pôles, ressources et vivier" },
	{ "subsidies", "Aides et paiements" },
	{ "activity", "Comptes rendus d'activité" },
	{ "steering", "Pilotage" },
};
const size_t token_areas_count = ARRAY_LEN(token_areas);

/* API path prefixes and their area, the first match winning (sub-resources of another area's objects first). */
static const struct {
	const char *prefix, *area;
} area_paths[] = {
	{ "/api/v1/me", NULL },
	{ "/api/v1/organisations/{id}/bank-details", "subsidies" },
	{ "/api/v1/organisations/{id}/paid-programmes", "subsidies" },
	{ "/api/v1/organisations/{id}/mediators", "activity" },
	{ "/api/v1/contracts/{id}/path", "training" },
	{ "/api/v1/contracts/{id}/aid", "subsidies" },
	{ "/api/v1/dossiers/{id}/diagnoses", "poles" },
	{ "/api/v1/people", "accounts" },
	{ "/api/v1/memberships", "accounts" },
	{ "/api/v1/organisations", "accounts" },
	{ "/api/v1/tokens", "accounts" },
	{ "/api/v1/communes", "places" },
	{ "/api/v1/regions", "places" },
	{ "/api/v1/places", "places" },
	{ "/api/v1/programmes", "programmes" },
	{ "/api/v1/job-profiles", "programmes" },
	{ "/api/v1/dossiers", "dossiers" },
	{ "/api/v1/candidates", "candidates" },
	{ "/api/v1/eligibility", "candidates" },
	{ "/api/v1/prescriber", "candidates" },
	{ "/api/v1/offers", "recruitment" },
	{ "/api/v1/applications", "recruitment" },
	{ "/api/v1/contracts", "recruitment" },
	{ "/api/v1/path-modules", "training" },
	{ "/api/v1/sessions", "training" },
	{ "/api/v1/registrations", "training" },
	{ "/api/v1/training-organisations", "training" },
	{ "/api/v1/tutors", "training" },
	{ "/api/v1/competences", "training" },
	{ "/api/v1/skills", "training" },
	{ "/api/v1/poles", "poles" },
	{ "/api/v1/diagnoses", "poles" },
	{ "/api/v1/resources", "poles" },
	{ "/api/v1/partners", "poles" },
	{ "/api/v1/smic", "subsidies" },
	{ "/api/v1/aid-rules", "subsidies" },
	{ "/api/v1/aid-decisions", "subsidies" },
	{ "/api/v1/payment-requests", "subsidies" },
	{ "/api/v1/payment-orders", "subsidies" },
	{ "/api/v1/ledger", "subsidies" },
	{ "/api/v1/recoveries", "subsidies" },
	{ "/api/v1/budget-envelopes", "subsidies" },
	{ "/api/v1/conventions", "subsidies" },
	{ "/api/v1/posts", "subsidies" },
	{ "/api/v1/amendments", "subsidies" },
	{ "/api/v1/activity", "activity" },
	{ "/api/v1/steering", "steering" },
};

const char *
token_area_of(const char *pattern)
{
	for (size_t i = 0; i < ARRAY_LEN(area_paths); i++) {
		size_t n = strlen(area_paths[i].prefix);
		if (strncmp(pattern, area_paths[i].prefix, n) == 0 &&
		    (pattern[n] == '\0' || pattern[n] == '/' || pattern[n] == '.'))
			return area_paths[i].area;
	}
	return "";
}

bool
token_scopes_allow(const char *scopes, const char *area, bool write)
{
	size_t an;

	if (area == NULL)
		return true;
	an = strlen(area);
	for (const char *p = scopes ? scopes : ""; *p;) {
		size_t n = strcspn(p, " ");
		if (n == 1 && *p == '*')
			return true;
		if (an > 0 && n > an && strncmp(p, area, an) == 0 && p[an] == ':') {
			const char *acc = p + an + 1;
			size_t m = n - an - 1;
			if ((m == 5 && strncmp(acc, "write", 5) == 0) ||
			    (!write && m == 4 && strncmp(acc, "read", 4) == 0))
				return true;
		}
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

bool
token_scope_valid(const char *scope, size_t n)
{
	if (n == 1 && *scope == '*')
		return true;
	for (size_t i = 0; i < token_areas_count; i++) {
		size_t an = strlen(token_areas[i].code);
		if (n > an && strncmp(scope, token_areas[i].code, an) == 0 && scope[an] == ':' &&
		    ((n - an - 1 == 4 && strncmp(scope + an + 1, "read", 4) == 0) ||
		        (n - an - 1 == 5 && strncmp(scope + an + 1, "write", 5) == 0)))
			return true;
	}
	return false;
}

static const struct vocab_item access_items[] = {
	{ "read", "Lecture seule" },
	{ "write", "Lecture et écriture" },
};
static const struct vocab vocab_token_access = { "token_access", access_items, ARRAY_LEN(access_items) };

#define AREA_FIELD(code_, label_)                                                                        \
	{                                                                                                \
		.name = "scope_" code_, .label = label_, .type = FT_CHOICE, .vocab = &vocab_token_access \
	}

static const struct field token_fields[] = {
	{ .name = "name",
	    .label = "Nom du jeton",
	    .hint = "Pour vous rappeler à quoi il sert, par exemple « export mensuel ».",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 100 },
	{ .name = "expires_on",
	    .label = "Date d'expiration",
	    .hint = "Au plus un an ; sans date, le jeton expire dans 90 jours.",
	    .type = FT_DATE },
	{ .name = "full",
	    .label = "Accès complet (tout ce que mon compte permet)",
	    .hint = "Sinon, choisissez ci-dessous les domaines et l'accès de chacun.",
	    .type = FT_BOOL },
	AREA_FIELD("accounts", "Comptes et structures"),
	AREA_FIELD("places", "Lieux (annuaire)"),
	AREA_FIELD("programmes", "Programmes et métiers"),
	AREA_FIELD("dossiers", "Dossiers (protocoles d'adhésion)"),
	AREA_FIELD("candidates", "Candidats et éligibilité"),
	AREA_FIELD("recruitment", "Offres, candidatures et contrats"),
	AREA_FIELD("training", "Parcours, sessions et tuteurs"),
	AREA_FIELD("poles", "Pôles, ressources et vivier"),
	AREA_FIELD("subsidies", "Aides et paiements"),
	AREA_FIELD("activity", "Comptes rendus d'activité"),
	AREA_FIELD("steering", "Pilotage"),
};
_Static_assert(ARRAY_LEN(token_fields) == 3 + ARRAY_LEN(token_areas), "one field per area");
const struct entity entity_token = { "token", "Jeton", token_fields, ARRAY_LEN(token_fields) };
