/* The entity tables of accounts: organisations, people, memberships, passwords. */
#include "model/accounts/account.h"

#include "model/accounts/role.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct field organisation_fields[] = {
	{ .name = "name",
	    .label = "Nom",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 200,
	    .autocomplete = "organization" },
	{ .name = "kind", .label = "Type de structure", .type = FT_CHOICE, .required = true, .vocab = &vocab_org_kind },
	{ .name = "siret", .label = "SIRET", .hint = "14 chiffres, sans espace.", .type = FT_SIRET },
	{ .name = "rna",
	    .label = "Numéro RNA",
	    .hint = "Pour une association : W suivi de 9 chiffres.",
	    .type = FT_RNA },
	{ .name = "address", .label = "Adresse", .type = FT_TEXT, .max_len = 300, .autocomplete = "street-address" },
	{ .name = "commune_code",
	    .label = "Commune",
	    .hint = "Tapez son nom, par exemple Paris, et choisissez-la.",
	    .type = FT_COMMUNE,
	    .max_len = 5 },
};
const struct entity entity_organisation = { "organisation", "Structure", organisation_fields,
	ARRAY_LEN(organisation_fields) };

static const struct field person_fields[] = {
	{ .name = "email",
	    .label = "Adresse électronique",
	    .type = FT_EMAIL,
	    .required = true,
	    .max_len = 254,
	    .autocomplete = "email" },
	{ .name = "name",
	    .label = "Nom et prénom",
	    .type = FT_TEXT,
	    .required = true,
	    .max_len = 200,
	    .autocomplete = "name" },
	{ .name = "active", .label = "Compte actif", .type = FT_BOOL },
};
const struct entity entity_person = { "person", "Personne", person_fields, ARRAY_LEN(person_fields) };
/* The same rows without the email, which is the sign-in name and is not edited. */
const struct entity entity_person_edit = { "person", "Personne", person_fields + 1, ARRAY_LEN(person_fields) - 1 };

static const struct field membership_fields[] = {
	{ .name = "role", .label = "Rôle", .type = FT_CHOICE, .required = true, .vocab = &vocab_role },
	{ .name = "organisation_id", .label = "Structure", .type = FT_REF },
	{ .name = "regions",
	    .label = "Régions",
	    .hint = "Pour les rôles régionaux : les régions couvertes.",
	    .type = FT_REGIONS,
	    .max_len = 100 },
};
const struct entity entity_membership = { "membership", "Rôle", membership_fields, ARRAY_LEN(membership_fields) };

static const struct field password_fields[] = {
	{ .name = "current_password",
	    .label = "Mot de passe actuel",
	    .type = FT_PASSWORD,
	    .required = true,
	    .max_len = 1024,
	    .autocomplete = "current-password" },
	{ .name = "password",
	    .label = "Nouveau mot de passe",
	    .hint = "12 caractères au moins.",
	    .type = FT_PASSWORD,
	    .required = true,
	    .max_len = 1024,
	    .autocomplete = "new-password" },
	{ .name = "password_confirm",
	    .label = "Confirmation du mot de passe",
	    .type = FT_PASSWORD,
	    .required = true,
	    .max_len = 1024,
	    .autocomplete = "new-password" },
};
/* A new password chosen through a link; with the current one first when changed from the account page. */
const struct entity entity_password = { "password", "Mot de passe", password_fields + 1,
	ARRAY_LEN(password_fields) - 1 };
const struct entity entity_password_change = { "password", "Mot de passe", password_fields,
	ARRAY_LEN(password_fields) };
