/* The days of a training session (training_session_days): weekdays, and the weekend a session starts or ends in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "domain/training/training_session.h"

/* The days from FROM to TO, joined by spaces. */
static char *
days(struct arena *a, const char *from, const char *to)
{
	json_t *d = training_session_days(a, from, to), *v;
	char *out = arena_strdup(a, "");
	size_t i;

	json_array_foreach(d, i, v) out = arena_printf(a, "%s%s%s", out, i ? " " : "", json_string_value(v));
	json_decref(d);
	return out;
}

static void
t_days(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	/* Monday to Friday: five days. */
	assert_string_equal(
	    days(a, "2027-01-04", "2027-01-08"), "2027-01-04 2027-01-05 2027-01-06 2027-01-07 2027-01-08");
	/* Friday to Sunday: the Saturday too, not only the last day (the bug: Saturday skipped, Sunday listed). */
	assert_string_equal(days(a, "2027-01-08", "2027-01-10"), "2027-01-08 2027-01-09 2027-01-10");
	/* Saturday to Tuesday: the whole first weekend. */
	assert_string_equal(days(a, "2027-01-09", "2027-01-12"), "2027-01-09 2027-01-10 2027-01-11 2027-01-12");
	/* Thursday to the next Tuesday: the weekend it only spans is skipped. */
	assert_string_equal(days(a, "2027-01-07", "2027-01-12"), "2027-01-07 2027-01-08 2027-01-11 2027-01-12");
	/* One Sunday. */
	assert_string_equal(days(a, "2027-01-10", "2027-01-10"), "2027-01-10");
	/* Saturday to the Sunday of the next week: both weekends, not the days between them that are not weekdays. */
	assert_string_equal(days(a, "2027-01-09", "2027-01-17"),
	    "2027-01-09 2027-01-10 2027-01-11 2027-01-12 2027-01-13 2027-01-14 2027-01-15 2027-01-16 2027-01-17");
	/* Across a month's end, a leap year's February. */
	assert_string_equal(days(a, "2028-02-28", "2028-03-01"), "2028-02-28 2028-02-29 2028-03-01");
	/* Not dates, or the wrong way round: none. */
	assert_string_equal(days(a, "2027-02-30", "2027-03-02"), "");
	assert_string_equal(days(a, "2027-01-08", "2027-01-04"), "");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
