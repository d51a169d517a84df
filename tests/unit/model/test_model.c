/* Tests of src/model: the generic entity validator over the foundation's tables, SIRET and email
 * checks, and the role and organisation-kind vocabularies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "model/accounts/account.h"
#include "model/kernel/entity.h"
#include "model/programmes/programme.h"
#include "model/accounts/role.h"
#include "model/subsidies/subsidy.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

/* A local entity for the field types the foundation's tables do not use. */
static const struct field sample_fields[] = {
	{ .name = "count", .label = "Nombre de postes", .type = FT_INT, .min = 1, .max = 10 },
	{ .name = "start", .label = "Date de début", .type = FT_DATE },
	{ .name = "notes", .label = "Remarques", .type = FT_TEXTAREA, .max_len = 20 },
	{ .name = "title", .label = "Intitulé", .type = FT_TEXT }, /* max_len 0: 200 */
	{ .name = "big", .label = "Grand nombre", .type = FT_INT, .min = INT64_MIN, .max = INT64_MAX },
};
static const struct entity entity_sample = { "sample", "Exemple", sample_fields, N_ELEMS(sample_fields) };

struct vcase {
	const struct entity *e;
	const char *in; /* JSON text */
	bool partial;
	tr_err expect;
	const char *errs; /* the fields with an error, in order, space-separated ("" for none) */
	const char *out;  /* the normalised object as JSON text; NULL: not checked */
};

static const struct vcase vcases[] = {
	/* Organisation: required fields, one error each. */
	{ &entity_organisation, "{}", false, TR_INVALID, "name kind", "{}" },
	{ &entity_organisation, "{}", true, TR_OK, "", "{}" },
	{ &entity_organisation, "{\"name\": \"Les Ateliers\"}", true, TR_OK, "", "{\"name\": \"Les Ateliers\"}" },
	{ &entity_organisation, "{\"name\": \"Les Ateliers\"}", false, TR_INVALID, "kind", NULL },
	{ &entity_organisation, "{\"name\": null, \"kind\": \"\"}", false, TR_INVALID, "name kind", NULL },
	{ &entity_organisation, "{\"name\": \"   \", \"kind\": \" \\t \"}", false, TR_INVALID, "name kind", NULL },
	/* Trimming, empty optional fields dropped, unknown keys ignored. */
	{ &entity_organisation,
	    "{\"name\": \"  Les Ateliers \\t\", \"kind\": \" employer \", \"address\": \"\", \"rna\": \"  \", "
	    "\"evil\": \"x\"}",
	    false, TR_OK, "", "{\"name\": \"Les Ateliers\", \"kind\": \"employer\"}" },
	{ &entity_organisation, "{\"name\": \"\\r\\n Les Ateliers \\n\", \"kind\": \"pole\"}", false, TR_OK, "",
	    "{\"name\": \"Les Ateliers\", \"kind\": \"pole\"}" },
	{ &entity_organisation, "{\"name\": \" \\n\\tLes Ateliers\\t\\n \", \"kind\": \"pole\"}", false, TR_OK, "",
	    "{\"name\": \"Les Ateliers\", \"kind\": \"pole\"}" },
	/* FT_CHOICE outside the vocabulary. */
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"bakery\"}", false, TR_INVALID, "kind", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"Employer\"}", false, TR_INVALID, "kind", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"admin\"}", false, TR_INVALID, "kind", NULL },
	/* FT_SIRET. */
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \"73282932000074\"}", false, TR_OK,
	    "", "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \"73282932000074\"}" },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \" 73282932000074 \"}", false,
	    TR_OK, "", "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \"73282932000074\"}" },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"company\", \"siret\": 73282932000074}", false, TR_OK, "",
	    "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \"73282932000074\"}" },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \"73282932000075\"}", false,
	    TR_INVALID, "siret", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \"732 829 320 00074\"}", false,
	    TR_INVALID, "siret", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"company\", \"siret\": \"35600000000048\"}", false, TR_OK,
	    "", NULL },
	/* FT_RNA. */
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"rna\": \"W123456789\"}", false, TR_OK, "",
	    "{\"name\": \"X\", \"kind\": \"employer\", \"rna\": \"W123456789\"}" },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"rna\": \"w123456789\"}", false, TR_INVALID,
	    "rna", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"rna\": \"W12345678\"}", false, TR_INVALID,
	    "rna", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"rna\": \"W1234567890\"}", false,
	    TR_INVALID, "rna", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"rna\": \"W12345678a\"}", false, TR_INVALID,
	    "rna", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"rna\": \"X123456789\"}", false, TR_INVALID,
	    "rna", NULL },
	/* max_len of a short field; several errors at once, in table order. */
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"commune_code\": \"750560\"}", false,
	    TR_INVALID, "commune_code", NULL },
	{ &entity_organisation, "{\"kind\": \"nope\", \"siret\": \"1\", \"rna\": \"2\", \"commune_code\": \"123456\"}",
	    false, TR_INVALID, "name kind siret rna commune_code", NULL },
	/* Control characters in a one-line text. */
	{ &entity_organisation, "{\"name\": \"a\\u0001b\", \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": \"a\\u001bb\", \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": \"a\\nb\", \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": \"a\\tb\", \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": \"a\\u007fb\", \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": \"a\\u0085b\", \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	/* Values of the wrong type. */
	{ &entity_organisation, "{\"name\": [\"X\"], \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": {\"a\": 1}, \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": 1.5, \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": true, \"kind\": \"pole\"}", false, TR_INVALID, "name", NULL },
	{ &entity_organisation, "{\"name\": 42, \"kind\": \"pole\"}", false, TR_OK, "",
	    "{\"name\": \"42\", \"kind\": \"pole\"}" },

	/* Person: email normalised to lower case, FT_BOOL spellings. */
	{ &entity_person, "{}", false, TR_INVALID, "email name", "{\"active\": false}" },
	{ &entity_person, "{}", true, TR_OK, "", "{}" },
	{ &entity_person, "{\"email\": \" Camille.Dupont@Example.FR \", \"name\": \"Camille Dupont\"}", false, TR_OK,
	    "", "{\"email\": \"camille.dupont@example.fr\", \"name\": \"Camille Dupont\", \"active\": false}" },
	{ &entity_person, "{\"email\": \"ÉLODIE@Example.fr\", \"name\": \"É\"}", false, TR_OK, "",
	    "{\"email\": \"Élodie@example.fr\", \"name\": \"É\", \"active\": false}" },
	{ &entity_person, "{\"email\": \"camille\", \"name\": \"C\"}", false, TR_INVALID, "email", NULL },
	{ &entity_person, "{\"email\": \"camille@example\", \"name\": \"C\"}", false, TR_INVALID, "email", NULL },
	{ &entity_person, "{\"email\": \"a b@example.fr\", \"name\": \"C\"}", false, TR_INVALID, "email", NULL },
	{ &entity_person, "{\"active\": \"1\"}", true, TR_OK, "", "{\"active\": true}" },
	{ &entity_person, "{\"active\": \"on\"}", true, TR_OK, "", "{\"active\": true}" },
	{ &entity_person, "{\"active\": \"true\"}", true, TR_OK, "", "{\"active\": true}" },
	{ &entity_person, "{\"active\": \"oui\"}", true, TR_OK, "", "{\"active\": true}" },
	{ &entity_person, "{\"active\": \" oui \"}", true, TR_OK, "", "{\"active\": true}" },
	{ &entity_person, "{\"active\": true}", true, TR_OK, "", "{\"active\": true}" },
	{ &entity_person, "{\"active\": 1}", true, TR_OK, "", "{\"active\": true}" },
	{ &entity_person, "{\"active\": \"0\"}", true, TR_OK, "", "{\"active\": false}" },
	{ &entity_person, "{\"active\": \"\"}", true, TR_OK, "", "{\"active\": false}" },
	{ &entity_person, "{\"active\": \"false\"}", true, TR_OK, "", "{\"active\": false}" },
	{ &entity_person, "{\"active\": \"non\"}", true, TR_OK, "", "{\"active\": false}" },
	{ &entity_person, "{\"active\": false}", true, TR_OK, "", "{\"active\": false}" },
	{ &entity_person, "{\"active\": 0}", true, TR_OK, "", "{\"active\": false}" },
	{ &entity_person, "{\"active\": null}", true, TR_OK, "", "{}" },
	{ &entity_person, "{\"active\": null, \"email\": \"a@b.fr\", \"name\": \"N\"}", false, TR_OK, "",
	    "{\"email\": \"a@b.fr\", \"name\": \"N\", \"active\": false}" },
	{ &entity_person, "{\"active\": \"peut-être\"}", true, TR_INVALID, "active", "{}" },
	{ &entity_person, "{\"active\": \"2\"}", true, TR_INVALID, "active", NULL },
	/* A list or a real number is no boolean: refused like any other wrong type, never read as false. */
	{ &entity_person, "{\"active\": [true]}", true, TR_INVALID, "active", NULL },
	{ &entity_person, "{\"active\": 1.0}", true, TR_INVALID, "active", NULL },
	{ &entity_person_edit, "{\"email\": \"x\", \"name\": \"N\"}", false, TR_OK, "",
	    "{\"name\": \"N\", \"active\": false}" },

	/* Membership: FT_CHOICE on roles, FT_REF. */
	{ &entity_membership, "{}", false, TR_INVALID, "role", "{}" },
	{ &entity_membership, "{\"role\": \"regional\", \"regions\": \"84, 93\"}", false, TR_OK, "",
	    "{\"role\": \"regional\", \"regions\": \"84|93\"}" },
	/* FT_REGIONS: separators read as '|'; anything but codes refused; FT_COMMUNE and FT_PHONE normalised. */
	{ &entity_membership, "{\"role\": \"regional\", \"regions\": \"|27;; 84|\"}", false, TR_OK, "",
	    "{\"role\": \"regional\", \"regions\": \"27|84\"}" },
	{ &entity_membership, "{\"role\": \"regional\", \"regions\": \"84,Bretagne\"}", false, TR_INVALID, "regions",
	    NULL },
	{ &entity_membership, "{\"role\": \"regional\", \"regions\": \"8\"}", false, TR_INVALID, "regions", NULL },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"commune_code\": \"2A004\"}", false, TR_OK,
	    "", "{\"name\": \"X\", \"kind\": \"employer\", \"commune_code\": \"2A004\"}" },
	{ &entity_organisation, "{\"name\": \"X\", \"kind\": \"employer\", \"commune_code\": \"Crest\"}", false,
	    TR_INVALID, "commune_code", NULL },
	{ &entity_membership, "{\"role\": \"employer\", \"organisation_id\": \"12\"}", false, TR_OK, "",
	    "{\"role\": \"employer\", \"organisation_id\": 12}" },
	{ &entity_membership, "{\"role\": \"employer\", \"organisation_id\": 12}", false, TR_OK, "",
	    "{\"role\": \"employer\", \"organisation_id\": 12}" },
	{ &entity_membership, "{\"role\": \"employer\", \"organisation_id\": \"\"}", false, TR_OK, "",
	    "{\"role\": \"employer\"}" },
	{ &entity_membership, "{\"role\": \"employer\", \"organisation_id\": 0}", false, TR_INVALID, "organisation_id",
	    NULL },
	{ &entity_membership, "{\"role\": \"employer\", \"organisation_id\": \"-3\"}", false, TR_INVALID,
	    "organisation_id", NULL },
	{ &entity_membership, "{\"role\": \"employer\", \"organisation_id\": \"abc\"}", false, TR_INVALID,
	    "organisation_id", NULL },
	{ &entity_membership, "{\"role\": \"employer\", \"organisation_id\": 1.5}", false, TR_INVALID,
	    "organisation_id", NULL },
	{ &entity_membership, "{\"role\": \"king\"}", false, TR_INVALID, "role", NULL },
	{ &entity_membership, "{\"role\": \"ADMIN\"}", false, TR_INVALID, "role", NULL },

	/* Password: both fields required. */
	{ &entity_password, "{}", false, TR_INVALID, "password password_confirm", "{}" },
	{ &entity_password, "{\"password\": \"0123456789ab\", \"password_confirm\": \"0123456789ab\"}", false, TR_OK,
	    "", "{\"password\": \"0123456789ab\", \"password_confirm\": \"0123456789ab\"}" },
	{ &entity_password_change, "{}", false, TR_INVALID, "current_password password password_confirm", "{}" },

	/* FT_INT bounds, FT_DATE, FT_TEXTAREA. */
	{ &entity_sample, "{\"count\": \"5\"}", false, TR_OK, "", "{\"count\": 5}" },
	{ &entity_sample, "{\"count\": 5}", false, TR_OK, "", "{\"count\": 5}" },
	{ &entity_sample, "{\"count\": \" 7 \"}", false, TR_OK, "", "{\"count\": 7}" },
	{ &entity_sample, "{\"count\": 1}", false, TR_OK, "", "{\"count\": 1}" },
	{ &entity_sample, "{\"count\": 10}", false, TR_OK, "", "{\"count\": 10}" },
	{ &entity_sample, "{\"count\": 0}", false, TR_INVALID, "count", "{}" },
	{ &entity_sample, "{\"count\": \"11\"}", false, TR_INVALID, "count", NULL },
	{ &entity_sample, "{\"count\": -1}", false, TR_INVALID, "count", NULL },
	{ &entity_sample, "{\"count\": \"+7\"}", false, TR_INVALID, "count", NULL },
	{ &entity_sample, "{\"count\": \"1.5\"}", false, TR_INVALID, "count", NULL },
	{ &entity_sample, "{\"count\": 1.5}", false, TR_INVALID, "count", NULL },
	{ &entity_sample, "{\"count\": \"9223372036854775808\"}", false, TR_INVALID, "count", NULL },
	{ &entity_sample, "{\"big\": \"-9223372036854775808\"}", false, TR_OK, "", "{\"big\": -9223372036854775808}" },
	{ &entity_sample, "{\"big\": 9223372036854775807}", false, TR_OK, "", "{\"big\": 9223372036854775807}" },
	{ &entity_sample, "{\"start\": \"2024-02-29\"}", false, TR_OK, "", "{\"start\": \"2024-02-29\"}" },
	{ &entity_sample, "{\"start\": \"2023-02-29\"}", false, TR_INVALID, "start", NULL },
	{ &entity_sample, "{\"start\": \"29/02/2024\"}", false, TR_INVALID, "start", NULL },
	{ &entity_sample, "{\"notes\": \"ligne 1\\nligne 2\\tfin\"}", false, TR_OK, "",
	    "{\"notes\": \"ligne 1\\nligne 2\\tfin\"}" },
	{ &entity_sample, "{\"notes\": \"a\\u0001b\"}", false, TR_INVALID, "notes", NULL },
	{ &entity_sample, "{\"notes\": \"exactement vingt car\"}", false, TR_OK, "", NULL },
	{ &entity_sample, "{\"notes\": \"exactement vingt cars\"}", false, TR_INVALID, "notes", NULL },
};

/* Checks every error of FE against the space-separated list WANT (fields in order, one error each) and that
 * each message names its field's label in guillemets. Prints what differs; returns the number of problems. */
static int
check_errors(size_t idx, const struct entity *e, const struct field_errors *fe, const char *want)
{
	char buf[256], *save = NULL, *tok;
	size_t k = 0;
	int bad = 0;

	snprintf(buf, sizeof(buf), "%s", want);
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save), k++) {
		const struct field *f = entity_field(e, tok);
		char quoted[256];

		assert_non_null(f);
		if (k >= fe->n) {
			print_error("case %zu: %zu errors, expected one on \"%s\"\n", idx, fe->n, tok);
			return bad + 1;
		}
		if (strcmp(fe->items[k].field, tok) != 0) {
			print_error("case %zu: error %zu is on \"%s\" (%s), expected \"%s\"\n", idx, k,
			    fe->items[k].field, fe->items[k].message, tok);
			bad++;
		}
		snprintf(quoted, sizeof(quoted), "« %s »", f->label);
		if (strstr(fe->items[k].message, quoted) == NULL) {
			print_error("case %zu: message \"%s\" does not name %s\n", idx, fe->items[k].message, quoted);
			bad++;
		}
	}
	if (fe->n != k) {
		print_error("case %zu: %zu errors, expected %zu (first extra: %s: %s)\n", idx, fe->n, k,
		    fe->items[k].field, fe->items[k].message);
		bad++;
	}
	return bad;
}

/* Runs case C; prints what differs and returns the number of problems. */
static int
run_vcase(size_t i, const struct vcase *c)
{
	struct field_errors fe = { .n = 0 };
	struct arena *a = arena_new();
	json_error_t jerr;
	json_t *in = json_loads(c->in, JSON_DECODE_ANY, &jerr), *out = NULL, *want = NULL;
	tr_err got;
	int bad = 0;

	if (in == NULL)
		fail_msg("case %zu: bad JSON in the test: %s", i, jerr.text);
	got = entity_validate(c->e, in, c->partial, a, &fe, &out);
	if (got != c->expect) {
		print_error("case %zu (%s %s): got %s, expected %s; first error: %s\n", i, c->e->name, c->in,
		    tr_err_name(got), tr_err_name(c->expect), fe.n ? fe.items[0].message : "none");
		bad++;
	}
	bad += check_errors(i, c->e, &fe, c->errs);
	if (out == NULL || !json_is_object(out)) {
		print_error("case %zu: *out is not an object\n", i);
		bad++;
	} else if (c->out != NULL) {
		want = json_loads(c->out, 0, &jerr);
		if (want == NULL)
			fail_msg("case %zu: bad expected JSON in the test: %s", i, jerr.text);
		if (!json_equal(out, want)) {
			char *s = json_dumps(out, JSON_SORT_KEYS | JSON_ENSURE_ASCII);
			print_error("case %zu (%s %s): out is %s, expected %s\n", i, c->e->name, c->in, s, c->out);
			free(s);
			bad++;
		}
	}
	json_decref(want);
	json_decref(out);
	json_decref(in);
	arena_free(a);
	return bad;
}

static void
test_entity_validate_table(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(vcases); i++)
		bad += run_vcase(i, &vcases[i]);
	if (bad > 0)
		fail_msg("%d problem(s) over %zu cases", bad, N_ELEMS(vcases));
}

/* Builds {"name": N copies of UNIT, "kind": "pole"}. */
static json_t *
org_with_name(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *s = malloc(u * n + 1);
	json_t *o;

	for (size_t i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[u * n] = '\0';
	o = json_pack("{s:s, s:s}", "name", s, "kind", "pole");
	free(s);
	return o;
}

static void
test_entity_max_len_in_characters(void **state)
{
	static const struct {
		const char *unit;
		size_t n;
		bool ok;
	} cases[] = {
		{ "é", 200, true }, /* 400 bytes, 200 characters */
		{ "é", 201, false },
		{ "a", 200, true },
		{ "a", 201, false },
		{ "€", 200, true },                /* 600 bytes */
		{ "\xF0\x9F\x9A\x80", 200, true }, /* 800 bytes of rockets */
		{ "\xF0\x9F\x9A\x80", 201, false },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct field_errors fe = { .n = 0 };
		struct arena *a = arena_new();
		json_t *in = org_with_name(cases[i].unit, cases[i].n), *out = NULL;
		tr_err got = entity_validate(&entity_organisation, in, false, a, &fe, &out);

		if ((got == TR_OK) != cases[i].ok)
			fail_msg("%zu × \"%s\": got %s", cases[i].n, cases[i].unit, tr_err_name(got));
		if (!cases[i].ok) {
			assert_int_equal(fe.n, 1);
			assert_string_equal(fe.items[0].field, "name");
			assert_non_null(strstr(fe.items[0].message, "« Nom »"));
			assert_non_null(strstr(fe.items[0].message, "200 caractères"));
		} else {
			assert_int_equal(strlen(json_string_value(json_object_get(out, "name"))),
			    strlen(cases[i].unit) * cases[i].n);
		}
		json_decref(out);
		json_decref(in);
		arena_free(a);
	}
	/* The default maximum (max_len 0) is 200 characters too. */
	{
		struct field_errors fe = { .n = 0 };
		struct arena *a = arena_new();
		json_t *in = json_object(), *out = NULL;
		char title[202];

		memset(title, 'x', 201);
		title[201] = '\0';
		json_object_set_new(in, "title", json_string(title));
		assert_int_equal(entity_validate(&entity_sample, in, false, a, &fe, &out), TR_INVALID);
		assert_string_equal(fe.items[0].field, "title");
		json_decref(out);
		out = NULL;
		fe.n = 0;
		title[200] = '\0';
		json_object_set_new(in, "title", json_string(title));
		assert_int_equal(entity_validate(&entity_sample, in, false, a, &fe, &out), TR_OK);
		json_decref(out);
		json_decref(in);
		arena_free(a);
	}
}

static void
test_entity_invalid_utf8(void **state)
{
	struct field_errors fe = { .n = 0 };
	struct arena *a = arena_new();
	json_t *in = json_pack("{s:o, s:s}", "name", json_string_nocheck("caf\xC3"), "kind", "pole"), *out = NULL;

	(void)state;
	assert_int_equal(entity_validate(&entity_organisation, in, false, a, &fe, &out), TR_INVALID);
	assert_int_equal(fe.n, 1);
	assert_string_equal(fe.items[0].field, "name");
	assert_non_null(strstr(fe.items[0].message, "« Nom »"));
	assert_null(json_object_get(out, "name"));
	json_decref(out);
	json_decref(in);
	arena_free(a);
}

/* Bidirectional controls are refused in text fields, with a message naming the field; the marks U+200E/U+200F
 * pass where right-to-left letters need them. */
static void
test_entity_bidi_controls(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "Mairie \xE2\x80\xAE"
		  "etnaV\xE2\x80\xAC",
		    false }, /* U+202E … U+202C: "Mairie Vante" shown reversed */
		{ "Espace \xE2\x81\xA6num\xC3\xA9rique\xE2\x81\xA9", false }, /* U+2066 … U+2069 */
		{ "Tiers-lieu\xE2\x80\x8F", false },                          /* U+200F with no right-to-left text */
		{ "Association \xD8\xA7\xD9\x84\xD9\x86\xD9\x88\xD8\xB1\xE2\x80\x8E 2", true }, /* Arabic + U+200E */
		{ "Médiathèque François-Mitterrand", true },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct field_errors fe = { .n = 0 };
		struct arena *a = arena_new();
		json_t *in = json_pack("{s:s, s:s}", "name", cases[i].name, "kind", "pole"), *out = NULL;

		assert_int_equal(
		    entity_validate(&entity_organisation, in, false, a, &fe, &out), cases[i].ok ? TR_OK : TR_INVALID);
		if (!cases[i].ok) {
			assert_int_equal(fe.n, 1);
			assert_string_equal(fe.items[0].field, "name");
			assert_non_null(strstr(fe.items[0].message, "« Nom »"));
			assert_non_null(strstr(fe.items[0].message, "sens de lecture"));
		}
		json_decref(out);
		json_decref(in);
		arena_free(a);
	}
}

static void
test_entity_non_object(void **state)
{
	static const char *inputs[] = { "[]", "[{\"name\": \"X\"}]", "\"name\"", "42", "null", "true" };

	(void)state;
	for (size_t i = 0; i <= N_ELEMS(inputs); i++) {
		struct field_errors fe = { .n = 0 };
		struct arena *a = arena_new();
		json_t *in = i < N_ELEMS(inputs) ? json_loads(inputs[i], JSON_DECODE_ANY, NULL) : NULL, *out = NULL;

		assert_int_equal(entity_validate(&entity_organisation, in, false, a, &fe, &out), TR_INVALID);
		assert_int_equal(fe.n, 1);
		assert_non_null(fe.items[0].message);
		/* *OUT is still an (empty) object the caller owns. */
		assert_true(json_is_object(out));
		assert_int_equal(json_object_size(out), 0);
		json_decref(out);
		json_decref(in);
		arena_free(a);
	}
}

static void
test_entity_errors_accumulate(void **state)
{
	struct field_errors fe = { .n = 0 };
	struct arena *a = arena_new();
	json_t *in = json_object(), *out = NULL;

	(void)state;
	field_errors_add(&fe, "earlier", "an earlier error");
	/* Only the errors this call adds decide its result. */
	assert_int_equal(entity_validate(&entity_person, in, true, a, &fe, &out), TR_OK);
	assert_int_equal(fe.n, 1);
	json_decref(out);
	assert_int_equal(entity_validate(&entity_person, in, false, a, &fe, &out), TR_INVALID);
	assert_int_equal(fe.n, 3);
	assert_string_equal(fe.items[1].field, "email");
	assert_string_equal(fe.items[2].field, "name");
	json_decref(out);
	json_decref(in);
	arena_free(a);
}

static void
test_entity_field(void **state)
{
	const struct field *f;

	(void)state;
	f = entity_field(&entity_person, "email");
	assert_non_null(f);
	assert_int_equal(f->type, FT_EMAIL);
	assert_true(f->required);
	assert_string_equal(f->label, "Adresse électronique");
	assert_null(entity_field(&entity_person, "nope"));
	assert_null(entity_field(&entity_person_edit, "email"));
	assert_non_null(entity_field(&entity_person_edit, "name"));
	f = entity_field(&entity_organisation, "kind");
	assert_ptr_equal(f->vocab, &vocab_org_kind);
	f = entity_field(&entity_membership, "role");
	assert_ptr_equal(f->vocab, &vocab_role);
	assert_int_equal(entity_field(&entity_membership, "organisation_id")->type, FT_REF);
	assert_null(entity_field(&entity_password, "current_password"));
	assert_non_null(entity_field(&entity_password_change, "current_password"));
}

struct siret_case {
	const char *s;
	bool valid;
};

static const struct siret_case siret_cases[] = {
	{ "73282932000074", true },
	{ "73282932000075", false },
	{ "44306184100047", true },
	{ "55208131766522", true },
	{ "35600000000048", true }, /* La Poste, head office */
	{ "35600000049837", true }, /* La Poste: digit sum divisible by 5, Luhn key wrong */
	{ "35600000010000", true },
	{ "35600000010001", false }, /* La Poste, both rules fail */
	{ "7328293200007", false },
	{ "732829320000740", false },
	{ "7328293200007a", false },
	{ "732829320000 4", false },
	{ "73282932O00074", false },
	{ "-3282932000074", false },
	{ "", false },
};

static void
test_siret_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(siret_cases); i++)
		if (siret_valid(siret_cases[i].s, strlen(siret_cases[i].s)) != siret_cases[i].valid)
			fail_msg("siret_valid(\"%s\"): expected %s", siret_cases[i].s,
			    siret_cases[i].valid ? "valid" : "invalid");
	/* Length-delimited: 14 valid digits followed by more bytes. */
	assert_true(siret_valid("73282932000074999", 14));
	assert_false(siret_valid("73282932000074", 13));
}

struct email_case {
	const char *s;
	bool valid;
};

static const struct email_case email_cases[] = {
	{ "a@b.fr", true },
	{ "a@b.c", true },
	{ "camille.dupont@example.fr", true },
	{ "x+tag@sub.domain.org", true },
	{ "Camille@Example.FR", true },
	{ "o'neil@example.ie", true },
	{ "", false },
	{ "a", false },
	{ "ab", false },
	{ "a@b", false },
	{ "camille@example", false },
	{ "@example.fr", false },
	{ "camille@", false },
	{ "camille@.fr", false },
	{ "camille@example.", false },
	{ "camille@@example.fr", false },
	{ "a@b@example.fr", false },
	{ "a b@example.fr", false },
	{ " a@example.fr", false },
	{ "a@example.fr ", false },
	{ "a\t@example.fr", false },
	{ "a@example.fr\n", false },
	{ "a\x7f@example.fr", false },
	{ "<a@example.fr>", false },
	{ "a,b@example.fr", false },
	{ "a;b@example.fr", false },
	{ "\"a\"@example.fr", false },
};

static void
test_email_valid(void **state)
{
	char longest[300];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(email_cases); i++)
		if (email_valid(email_cases[i].s, strlen(email_cases[i].s)) != email_cases[i].valid)
			fail_msg("email_valid(\"%s\"): expected %s", email_cases[i].s,
			    email_cases[i].valid ? "valid" : "invalid");
	/* 254 bytes at most. */
	memset(longest, 'x', sizeof(longest));
	memcpy(longest + 254 - 11, "@example.fr", 11);
	assert_true(email_valid(longest, 254));
	memcpy(longest + 255 - 11, "@example.fr", 11);
	assert_false(email_valid(longest, 255));
	/* A NUL inside is a control character. */
	assert_false(email_valid("a\0b@example.fr", 14));
}

struct role_case {
	enum role role;
	const char *code;
	enum role_scope scope;
	const char *org_kind;
};

static const struct role_case role_cases[] = {
	{ ROLE_ADMIN, "admin", SCOPE_NONE, NULL },
	{ ROLE_NATIONAL, "national", SCOPE_NONE, NULL },
	{ ROLE_REGIONAL, "regional", SCOPE_REGIONS, NULL },
	{ ROLE_POLE, "pole", SCOPE_ORG_REGIONS, "pole" },
	{ ROLE_EMPLOYER, "employer", SCOPE_ORG, "employer" },
	{ ROLE_PRESCRIBER, "prescriber", SCOPE_ORG, "prescriber" },
	{ ROLE_TRAINER, "trainer", SCOPE_ORG, "trainer" },
	{ ROLE_CANDIDATE, "candidate", SCOPE_NONE, NULL },
	{ ROLE_SPONSOR, "sponsor", SCOPE_ORG, "company" },
	{ ROLE_VIEWER, "viewer", SCOPE_NONE, NULL },
	{ ROLE_PAYER, "payer", SCOPE_ORG, "payer" },
};

static void
test_roles_round_trip(void **state)
{
	(void)state;
	assert_int_equal(N_ELEMS(role_cases), ROLE_COUNT_ - 1);
	assert_int_equal(vocab_role.n, ROLE_COUNT_ - 1);
	for (size_t i = 0; i < N_ELEMS(role_cases); i++) {
		const struct role_case *c = &role_cases[i];
		const char *code = role_code(c->role), *label = role_label(c->role);

		assert_non_null(code);
		assert_string_equal(code, c->code);
		assert_int_equal(role_from_code(code, strlen(code)), c->role);
		assert_non_null(label);
		assert_true(strlen(label) > 0);
		assert_string_equal(vocab_label(&vocab_role, code), label);
		assert_string_equal(vocab_role.items[c->role - 1].code, code);
		assert_int_equal(role_rules[c->role].scope, c->scope);
		if (c->org_kind == NULL) {
			assert_null(role_rules[c->role].org_kind);
		} else {
			assert_string_equal(role_rules[c->role].org_kind, c->org_kind);
			/* Every kind a role points at is a code of the kinds' vocabulary. */
			assert_non_null(vocab_label(&vocab_org_kind, c->org_kind));
		}
	}
	assert_string_equal(role_label(ROLE_ADMIN), "Administrateur de la plateforme");
	assert_string_equal(role_label(ROLE_REGIONAL), "Chargé de mission régional (SGAR)");
}

static void
test_roles_unknown(void **state)
{
	static const char *unknown[] = { "", "Admin", "ADMIN", "adm", "admins", "administrateur", " admin", "none",
		"regional ", "employeur" };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(unknown); i++)
		if (role_from_code(unknown[i], strlen(unknown[i])) != ROLE_NONE)
			fail_msg("role_from_code(\"%s\") is not ROLE_NONE", unknown[i]);
	/* Length-delimited: the first five bytes of "adminx" are "admin". */
	assert_int_equal(role_from_code("adminx", 5), ROLE_ADMIN);
	assert_int_equal(role_from_code("employer", 3), ROLE_NONE);
	assert_null(role_code(ROLE_NONE));
	assert_null(role_label(ROLE_NONE));
	assert_null(role_code(ROLE_COUNT_));
	assert_null(role_label(ROLE_COUNT_));
	assert_null(role_code((enum role) - 1));
	assert_int_equal(ROLE_BIT(ROLE_ADMIN), 2u);
}

static void
test_vocab_label(void **state)
{
	static const struct {
		const char *code, *label;
	} kinds[] = {
		{ "national", "Administration centrale" },
		{ "regional", "Services de l'État en région (SGAR, DREETS)" },
		{ "pole", "Pôle de ressources interrégional" },
		{ "employer", "Structure employeuse (collectivité, GIP, association)" },
		{ "prescriber", "Prescripteur (Mission locale, France Travail, Cap emploi)" },
		{ "trainer", "Organisme de formation" },
		{ "company", "Entreprise (marraine, partenaire)" },
		{ "payer", "Organisme payeur (ASP, Caisse des dépôts)" },
	};

	(void)state;
	assert_int_equal(vocab_org_kind.n, N_ELEMS(kinds));
	for (size_t i = 0; i < N_ELEMS(kinds); i++) {
		const char *l = vocab_label(&vocab_org_kind, kinds[i].code);
		assert_non_null(l);
		assert_string_equal(l, kinds[i].label);
	}
	assert_null(vocab_label(&vocab_org_kind, "bakery"));
	assert_null(vocab_label(&vocab_org_kind, ""));
	assert_null(vocab_label(&vocab_org_kind, "Trainer"));
	assert_null(vocab_label(&vocab_role, "company"));
	assert_string_equal(vocab_role.name, "role");
	assert_string_equal(vocab_org_kind.name, "org_kind");
}

/* The development project of a dossier is counted in lines as its text area shows them (80 characters). */
static void
test_text_lines(void **state)
{
	char long_line[200];

	(void)state;
	assert_int_equal(text_lines(NULL, 80), 0);
	assert_int_equal(text_lines("", 80), 0);
	assert_int_equal(text_lines("une ligne", 80), 1);
	assert_int_equal(text_lines("a\nb\r\nc", 80), 3);
	assert_int_equal(text_lines("a\n\nb", 80), 3);
	memset(long_line, 'x', 161);
	long_line[161] = '\0';
	assert_int_equal(text_lines(long_line, 80), 3);
	/* Characters, not bytes: 80 accented letters fill one line. */
	{
		char acc[2 * 80 + 1];
		for (int i = 0; i < 80; i++)
			memcpy(acc + 2 * i, "\xc3\xa9", 2);
		acc[160] = '\0';
		assert_int_equal(text_lines(acc, 80), 1);
	}
	assert_string_equal(vocab_label(&vocab_opinion, "favourable_reserves"), "Favorable avec réserves");
	assert_string_equal(vocab_label(&vocab_dossier_state, "regional_review"), "En attente de l'avis régional");
}

/* The export of a list comes from its field table: the FF_EXPORTED fields in order, under their labels, typed by
 * the field (a number stays a number, a date a date, a boolean Oui/Non, text is guarded against formulas). */
static void
test_entity_export(void **state)
{
	static const struct field f[] = {
		{ .name = "id", .label = "N°", .type = FT_INT, .flags = FF_EXPORTED },
		{ .name = "secret", .label = "Secret", .type = FT_TEXT },
		{ .name = "name", .label = "Nom", .type = FT_TEXT, .flags = FF_LISTED | FF_EXPORTED },
		{ .name = "on", .label = "Le", .type = FT_DATE, .flags = FF_EXPORTED },
		{ .name = "ok", .label = "Actif", .type = FT_BOOL, .flags = FF_EXPORTED },
	};
	static const struct entity e = { "row", "Ligne", f, 5 };
	static const struct entity none = { "none", "Rien", f + 1, 1 };
	json_t *rows = json_pack(
	    "[{s:i, s:s, s:s, s:s, s:i}]", "id", 7, "secret", "x", "name", "=1+1", "on", "2027-01-04", "ok", 1);
	struct buf out = BUF_INIT(1 << 20);

	(void)state;
	assert_int_equal(entity_export(&e, NULL, rows, &out), TR_OK);
	assert_true(out.n > 3);
	assert_memory_equal(out.p, "\xEF\xBB\xBFN°;Nom;Le;Actif\r\n7;'=1+1;2027-01-04;Oui\r\n", out.n);
	buf_reset(&out);
	assert_int_equal(entity_export(&e, "Lignes", rows, &out), TR_OK);
	assert_true(out.n > 4 && memcmp(out.p, "PK", 2) == 0); /* an XLSX workbook is a zip */
	buf_reset(&out);
	assert_int_equal(entity_export(&none, NULL, rows, &out), TR_INTERNAL);
	buf_free(&out);
	json_decref(rows);
}

/* The journal's diff: only what changed, absent as null; nothing changed gives two empty objects. */
static void
test_entity_diff(void **state)
{
	json_t *before = json_pack("{s:s, s:s, s:s, s:i}", "name", "A", "kind", "association", "siret", "x", "id", 1);
	json_t *after = json_pack("{s:s, s:s, s:n, s:i}", "name", "B", "kind", "association", "siret", "id", 2);
	json_t *d = entity_diff(&entity_organisation, before, after);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "before"), "name")), "A");
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "after"), "name")), "B");
	assert_string_equal(json_string_value(json_object_get(json_object_get(d, "before"), "siret")), "x");
	assert_true(json_is_null(json_object_get(json_object_get(d, "after"), "siret")));
	assert_int_equal(json_object_size(json_object_get(d, "before")), 2); /* not kind, not the id (no field) */
	json_decref(d);
	d = entity_diff(&entity_organisation, before, before);
	assert_int_equal(json_object_size(json_object_get(d, "before")), 0);
	assert_int_equal(json_object_size(json_object_get(d, "after")), 0);
	json_decref(d);
	/* An FF_ZERO integer absent on one side is its column's 0: no change. */
	{
		static const struct field zf[] = { { .name = "hours", .type = FT_INT, .flags = FF_ZERO } };
		static const struct entity ze = { "z", "Z", zf, 1 };
		json_t *was = json_pack("{s:i}", "hours", 0), *now = json_object(), *zd = entity_diff(&ze, was, now);
		assert_int_equal(json_object_size(json_object_get(zd, "after")), 0);
		json_decref(zd);
		json_object_set_new(was, "hours", json_integer(5));
		zd = entity_diff(&ze, was, now);
		assert_true(json_is_null(json_object_get(json_object_get(zd, "after"), "hours")));
		json_decref(zd);
		json_decref(was);
		json_decref(now);
	}
	/* A boolean stored as 0/1 and an empty text read as the validator writes them: no change. */
	{
		static const struct field bf[] = { { .name = "active", .type = FT_BOOL },
			{ .name = "note", .type = FT_TEXT } };
		static const struct entity be = { "b", "B", bf, 2 };
		json_t *was = json_pack("{s:i, s:s}", "active", 1, "note", ""), *now = json_pack("{s:b}", "active", 1);
		json_t *bd = entity_diff(&be, was, now);
		assert_int_equal(json_object_size(json_object_get(bd, "after")), 0);
		json_decref(bd);
		json_object_set_new(now, "active", json_false());
		bd = entity_diff(&be, was, now);
		assert_true(json_is_integer(json_object_get(json_object_get(bd, "before"), "active")));
		assert_true(json_is_false(json_object_get(json_object_get(bd, "after"), "active")));
		assert_int_equal(json_object_size(json_object_get(bd, "after")), 1);
		json_decref(bd);
		json_decref(was);
		json_decref(now);
	}
	json_decref(before);
	json_decref(after);
}

/* Labels of vocabulary codes, one or several ('|'), unknown codes left without. */
static void
test_entity_decorate(void **state)
{
	static const struct vocab_item items[] = { { "a", "Premier" }, { "b", "Second" } };
	static const struct vocab v = { "v", items, 2 };
	static const struct field fields[] = {
		{ .name = "one", .type = FT_CHOICE, .vocab = &v },
		{ .name = "many", .type = FT_TEXT, .vocab = &v, .flags = FF_MULTI },
		{ .name = "bad", .type = FT_CHOICE, .vocab = &v },
	};
	static const struct entity e = { "e", "E", fields, 3 };
	struct arena *a = arena_new();
	json_t *o = json_pack("{s:s, s:s, s:s}", "one", "b", "many", "a|b", "bad", "z");

	(void)state;
	entity_decorate(&e, o, a);
	assert_string_equal(json_string_value(json_object_get(o, "one_label")), "Second");
	assert_string_equal(json_string_value(json_object_get(o, "many_label")), "Premier, Second");
	assert_null(json_object_get(o, "bad_label"));
	json_object_del(o, "many_label");
	entity_decorate(&e, o, NULL); /* no arena: the multi-valued field is passed over */
	assert_null(json_object_get(o, "many_label"));
	json_decref(o);
	arena_free(a);
}

/* One rule for control characters: C0 (but line breaks in multi-line text), DEL and C1. */
static void
test_field_has_controls(void **state)
{
	(void)state;
	assert_true(field_has_controls("a\x01", 2, false));
	assert_true(field_has_controls("a\x7f", 2, true));
	assert_true(field_has_controls("a\xc2\x85", 3, true));
	assert_false(field_has_controls("a\nb\tc", 5, true));
	assert_true(field_has_controls("a\nb", 3, false));
	assert_false(field_has_controls("é « »", strlen("é « »"), false));
}

/* IBAN (ISO 13616 key), BIC and decimals in hundredths, the types of the subsidies' fields. */
static void
test_iban_bic_centi(void **state)
{
	static const struct field fields[] = {
		{ .name = "iban", .label = "IBAN", .type = FT_IBAN, .required = true },
		{ .name = "bic", .label = "BIC", .type = FT_BIC, .required = true },
		{ .name = "rate", .label = "Taux d'aide", .type = FT_CENTI, .min = 0, .max = 10000 },
	};
	static const struct entity e = { "t", "T", fields, 3 };
	struct arena *a = arena_new();
	char out[35];
	int64_t v;
	json_t *clean;

	(void)state;
	assert_true(iban_valid("FR76 3000 6000 0112 3456 7890 189", 33, out));
	assert_string_equal(out, "FR7630006000011234567890189");
	assert_true(iban_valid("de89370400440532013000", 22, NULL));
	assert_false(iban_valid("FR76 3000 6000 0112 3456 7890 188", 33, NULL)); /* one digit off */
	assert_false(iban_valid("FR7630006000011234567890198", 27, NULL));       /* two digits swapped */
	assert_false(iban_valid("FR76", 4, NULL));
	assert_false(iban_valid("7630006000011234567890189FR", 27, NULL));
	assert_true(bic_valid("AGRIFRPP", 8));
	assert_true(bic_valid("BNPAFRPPXXX", 11));
	assert_false(bic_valid("AGRIFRP", 7));
	assert_false(bic_valid("AGR1FRPP", 8));
	assert_true(centi_parse("17,5", 4, &v) && v == 1750);
	assert_true(centi_parse("1 325.19", 8, &v) && v == 132519);
	assert_true(centi_parse("-3", 2, &v) && v == -300);
	assert_false(centi_parse("1,234", 5, &v));
	assert_false(centi_parse("1,", 2, &v));
	assert_false(centi_parse(",5", 2, &v));
	assert_false(centi_parse("abc", 3, &v));
	assert_string_equal(centi_text(a, 1750), "17,5");
	assert_string_equal(centi_text(a, 132519), "1 325,19");
	assert_string_equal(centi_text(a, 10000), "100");

	struct field_errors fe = { 0 };
	json_t *in =
	    json_pack("{s:s, s:s, s:f}", "iban", "fr76 3000 6000 0112 3456 7890 189", "bic", "agrifrpp", "rate", 47.5);
	assert_int_equal(entity_validate(&e, in, false, a, &fe, &clean), TR_OK);
	assert_string_equal(json_string_value(json_object_get(clean, "iban")), "FR7630006000011234567890189");
	assert_string_equal(json_string_value(json_object_get(clean, "bic")), "AGRIFRPP");
	assert_int_equal(json_integer_value(json_object_get(clean, "rate")), 4750);
	json_decref(in);
	json_decref(clean);
	in = json_pack("{s:s, s:s, s:s}", "iban", "FR7630006000011234567890188", "bic", "AGRI", "rate", "100,01");
	assert_int_equal(entity_validate(&e, in, false, a, &fe, &clean), TR_INVALID);
	assert_int_equal(fe.n, 3);
	assert_non_null(strstr(field_errors_get(&fe, "iban"), "IBAN"));
	assert_non_null(strstr(field_errors_get(&fe, "iban"), "clé de contrôle"));
	assert_non_null(strstr(field_errors_get(&fe, "rate"), "entre 0 et 100"));
	json_decref(in);
	json_decref(clean);
	arena_free(a);
}

/* The inputs of fuzz_json's crash (a CI run of make test): a payment request's hours, FT_CENTI. A number too large
 * for hundredths wrapped around into a small one ("922337203685477589" hours became 8,20); it is refused now. And
 * the validator's output is in hundredths: validated again, it must be written back in units first (centi_text),
 * as the domain does, to give the same value. */
static void
test_centi_fuzz_inputs(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	json_t *in, *clean = NULL, *again, *clean2 = NULL;
	int64_t v;

	(void)state;
	assert_false(centi_parse("922337203685477589", 18, &v));
	assert_false(centi_parse("92233720368547758,9", 19, &v));
	assert_false(centi_parse("-922337203685477589", 19, &v));
	assert_true(centi_parse("922337203685477", 15, &v) && v == 92233720368547700);
	assert_true(centi_parse("-9223372036854,75", 17, &v) && v == -922337203685475);

	in = json_pack("{s:s}", "hours", "922337203685477589");
	assert_int_equal(entity_validate(&entity_payreq, in, true, a, &fe, &clean), TR_INVALID);
	assert_non_null(strstr(field_errors_get(&fe, "hours"), "deux décimales"));
	json_decref(in);
	json_decref(clean);

	fe.n = 0;
	in = json_pack("{s:i, s:s}", "hours", 12, "month", "2026-03");
	assert_int_equal(entity_validate(&entity_payreq, in, true, a, &fe, &clean), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(clean, "hours")), 1200);
	again = json_pack("{s:s, s:O}", "hours", centi_text(a, 1200), "month", json_object_get(clean, "month"));
	assert_int_equal(entity_validate(&entity_payreq, again, true, a, &fe, &clean2), TR_OK);
	assert_true(json_equal(clean, clean2));
	json_decref(in);
	json_decref(again);
	json_decref(clean);
	json_decref(clean2);
	arena_free(a);
}

/* The early-end reasons that keep the days worked due, by contract type (REFERENCE.md, "Subsidies"). */
static void
test_aid_end_exempt(void **state)
{
	static const struct {
		const char *reason;
		bool cdi, cdd;
	} cases[] = {
		{ "faute_grave", true, true },
		{ "force_majeure", true, true },
		{ "periode_essai", true, true },
		{ "inaptitude", true, false },
		{ "eco_redressement", true, false },
		{ "rupture_conventionnelle", true, false },
		{ "accord_commun", false, true },
		{ "licenciement", false, false },
		{ "demission", false, false },
		{ "autre", false, false },
		{ "inconnu", false, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(aid_end_exempt(cases[i].reason, "CDI"), cases[i].cdi);
		assert_int_equal(aid_end_exempt(cases[i].reason, "CDD"), cases[i].cdd);
		if (strcmp(cases[i].reason, "inconnu") != 0)
			assert_non_null(vocab_label(&vocab_aid_end_reason, cases[i].reason));
	}
	assert_false(aid_end_exempt(NULL, "CDI"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entity_validate_table),
		cmocka_unit_test(test_entity_max_len_in_characters),
		cmocka_unit_test(test_entity_invalid_utf8),
		cmocka_unit_test(test_entity_bidi_controls),
		cmocka_unit_test(test_entity_non_object),
		cmocka_unit_test(test_entity_errors_accumulate),
		cmocka_unit_test(test_entity_field),
		cmocka_unit_test(test_siret_valid),
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_roles_round_trip),
		cmocka_unit_test(test_roles_unknown),
		cmocka_unit_test(test_vocab_label),
		cmocka_unit_test(test_text_lines),
		cmocka_unit_test(test_entity_diff),
		cmocka_unit_test(test_entity_export),
		cmocka_unit_test(test_entity_decorate),
		cmocka_unit_test(test_field_has_controls),
		cmocka_unit_test(test_iban_bic_centi),
		cmocka_unit_test(test_centi_fuzz_inputs),
		cmocka_unit_test(test_aid_end_exempt),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
