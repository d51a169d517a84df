/* Tests of core/fr.h: French plurals, dates in words and telephone numbers as people write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/fr.h"

static void
test_plural(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	assert_string_equal(fr_count(a, 0, "poste demandé", "postes demandés"), "0 poste demandé");
	assert_string_equal(fr_count(a, 1, "poste demandé", "postes demandés"), "1 poste demandé");
	assert_string_equal(fr_count(a, 2, "poste demandé", "postes demandés"), "2 postes demandés");
	assert_string_equal(fr_count(a, 1500, "inscrit", "inscrits"), "1500 inscrits");
	assert_string_equal(fr_plural(-1, "a", "b"), "a");
	assert_string_equal(fr_plural(-2, "a", "b"), "b");
	arena_free(a);
}

static void
test_date(void **state)
{
	struct arena *a = arena_new();
	char out[32];

	(void)state;
	assert_string_equal(fr_date(a, "2027-01-15"), "15 janvier 2027");
	assert_string_equal(fr_date(a, "2027-05-01"), "1er mai 2027");
	assert_string_equal(fr_date(a, "2028-02-29"), "29 février 2028");
	assert_string_equal(fr_date(a, "2027-08-31T10:00:00Z"), "31 août 2027");
	assert_string_equal(fr_date(a, "2027-02-29"), "2027-02-29"); /* not a date: shown as it is */
	assert_string_equal(fr_date(a, "demain"), "demain");
	assert_string_equal(fr_date(a, NULL), "");
	assert_false(fr_date_write("2027-12-25", 10, out, 8)); /* too short a buffer */
	assert_string_equal(out, "");
	assert_false(fr_date_write("2027-12-25x", 11, out, sizeof(out)));
	assert_true(fr_date_write("2027-12-25", 10, out, sizeof(out)));
	assert_string_equal(out, "25 décembre 2027");
	arena_free(a);
}

static const struct {
	const char *in, *want; /* want NULL: refused */
} phone_cases[] = {
	{ "06 12 34 56 78", "+33612345678" },
	{ "0612345678", "+33612345678" },
	{ "06.12.34.56.78", "+33612345678" },
	{ "06-12-34-56-78", "+33612345678" },
	{ "01 80 05 98 80", "+33180059880" },
	{ "+33 6 12 34 56 78", "+33612345678" },
	{ "+33 (0)6 12 34 56 78", "+33612345678" },
	{ "+33612345678", "+33612345678" },
	{ "0033 6 12 34 56 78", "+33612345678" },
	{ " (01) 80 05 98 80 ", "+33180059880" },
	{ "0262 12 34 56", "+262262123456" },
	{ "0692 12 34 56", "+262692123456" },
	{ "0590 12 34 56", "+590590123456" },
	{ "0696 12 34 56", "+596696123456" },
	{ "0594 12 34 56", "+594594123456" },
	{ "+44 20 7946 0958", "+442079460958" },
	{ "+1 (202) 555-0143", "+12025550143" },
	{ "06 12 34 56", NULL },
	{ "06 12 34 56 78 9", NULL },
	{ "+33 06 12 34 56 78", NULL },
	{ "+33 6 12 34 56", NULL },
	{ "00 12 34 56 78", NULL },
	{ "06 12 AB 56 78", NULL },
	{ "+0 123 456 789", NULL },
	{ "", NULL },
	{ "+", NULL },
	{ "1234567890123456789012345678901234567890", NULL },
};

static void
test_phone(void **state)
{
	char out[FR_PHONE_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(phone_cases) / sizeof(phone_cases[0]); i++) {
		bool ok = fr_phone_e164(phone_cases[i].in, strlen(phone_cases[i].in), out);
		if (phone_cases[i].want == NULL && ok)
			fail_msg("\"%s\" gave \"%s\", want a refusal", phone_cases[i].in, out);
		if (phone_cases[i].want != NULL && (!ok || strcmp(out, phone_cases[i].want) != 0))
			fail_msg("\"%s\" gave \"%s\", want \"%s\"", phone_cases[i].in, ok ? out : "(refused)",
			    phone_cases[i].want);
	}
}

static void
test_phone_display(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	assert_string_equal(fr_phone_display(a, "+33612345678"), "06 12 34 56 78");
	assert_string_equal(fr_phone_display(a, "+262262123456"), "+262262123456");
	assert_string_equal(fr_phone_display(a, "01 80"), "01 80");
	assert_string_equal(fr_phone_display(a, NULL), "");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plural),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_phone_display),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
