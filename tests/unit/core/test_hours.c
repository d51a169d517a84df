/* Tests of core/hours: opening_hours in French, "open now?" at given times, invalid inputs, every prefix of
 * valid inputs, and France's public holidays for 2024-2027. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/hours.h"
#include "core/time.h"
#include "core/utf8.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define EXAMPLE "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00" /* exemple-valide.csv, column horaires */

/* Parses IN (N bytes) from a heap copy of exactly N bytes, so that ASan sees any read past N. */
static tr_err
parse_exact(struct arena *a, const char *in, size_t n, struct hours **h, const char **why)
{
	char *copy = malloc(n > 0 ? n : 1);
	tr_err err;

	assert_non_null(copy);
	if (n > 0)
		memcpy(copy, in, n);
	err = hours_parse(a, copy, n, h, why);
	free(copy);
	return err;
}

static struct hours *
parse_ok(struct arena *a, const char *in)
{
	struct hours *h;
	const char *why;

	if (parse_exact(a, in, strlen(in), &h, &why) != TR_OK)
		fail_msg("\"%s\": %s", in, why);
	assert_non_null(h);
	return h;
}

/* ---- French ---- */

struct french_case {
	const char *in;
	const char *out;
};

static const struct french_case french_cases[] = {
	{ EXAMPLE, "du lundi au vendredi de 9 h à 12 h et de 14 h à 18 h 30 ; le samedi de 8 h 30 à 12 h" },
	{ "24/7", "ouvert 24 h sur 24, 7 jours sur 7" },
	{ "24/7; PH off", "ouvert 24 h sur 24, 7 jours sur 7 ; fermé les jours fériés" },
	{ "Mo 09:00-12:00", "le lundi de 9 h à 12 h" },
	{ "Mo,We,Fr 10:00-12:00", "les lundis, mercredis et vendredis de 10 h à 12 h" },
	{ "Sa,Su 10:00-12:00", "les samedis et dimanches de 10 h à 12 h" },
	{ "Mo-We,Fr 10:00-12:00", "du lundi au mercredi et le vendredi de 10 h à 12 h" },
	{ "Sa-Mo 10:00-18:00", "du samedi au lundi de 10 h à 18 h" },
	{ "Tu-Mo 10:00-12:00", "tous les jours de 10 h à 12 h" },
	{ "Mo-Su 08:00-20:00", "tous les jours de 8 h à 20 h" },
	{ "PH off", "fermé les jours fériés" },
	{ "PH,Sa 10:00-12:00", "les samedis et jours fériés de 10 h à 12 h" },
	{ "Mo-Fr,PH 10:00-12:00", "du lundi au vendredi et les jours fériés de 10 h à 12 h" },
	{ "Mo-Fr 09:00-17:00; We off", "du lundi au vendredi de 9 h à 17 h ; fermé le mercredi" },
	{ "Mo 12:00-14:00 off", "fermé le lundi de 12 h à 14 h" },
	{ "off", "fermé" },
	{ "10:00-18:00", "tous les jours de 10 h à 18 h" },
	{ "Mo-Fr", "du lundi au vendredi 24 h sur 24" },
	{ "Mo 00:00-24:00", "le lundi 24 h sur 24" },
	{ "Mo 08:05-09:00", "le lundi de 8 h 05 à 9 h" },
	{ "Fr 22:00-02:00", "le vendredi de 22 h à 2 h le lendemain" },
	{ "Fr 18:00-26:00", "le vendredi de 18 h à 2 h le lendemain" },
	{ "Sa 20:00-24:00", "le samedi de 20 h à minuit" },
	{ "Sa 20:00-00:00", "le samedi de 20 h à minuit" },
	{ "Mo-Fr 08:00-12:00,13:00-15:00,16:00-18:00",
	    "du lundi au vendredi de 8 h à 12 h, de 13 h à 15 h et de 16 h à 18 h" },
	{ "Jan-Mar Mo-Fr 09:00-12:00", "de janvier à mars, du lundi au vendredi de 9 h à 12 h" },
	{ "Nov-Feb Sa 10:00-12:00", "de novembre à février, le samedi de 10 h à 12 h" },
	{ "Apr-Jun 09:00-12:00", "d'avril à juin, tous les jours de 9 h à 12 h" },
	{ "Jan,Jul-Aug: Sa 10:00-12:00", "en janvier et de juillet à août, le samedi de 10 h à 12 h" },
	{ "Aug off", "fermé en août" },
	{ "Jan-Mar off \"travaux\"", "fermé de janvier à mars (travaux)" },
	{ "Dec 25 off", "fermé le 25 décembre" },
	{ "Jan 01 off", "fermé le 1er janvier" },
	{ "Dec 25,31 off", "fermé le 25 décembre et le 31 décembre" },
	{ "Dec 24-26 off", "fermé du 24 au 26 décembre" },
	{ "Aug 01-15 off", "fermé du 1er au 15 août" },
	{ "Jul 14-Aug 15 off", "fermé du 14 juillet au 15 août" },
	{ "week 1-26 Mo 10:00-12:00", "semaines 1 à 26, le lundi de 10 h à 12 h" },
	{ "week 2-52/2 We 14:00-16:00", "semaines 2 à 52 (une semaine sur deux), le mercredi de 14 h à 16 h" },
	{ "week 5 off", "fermé semaine 5" },
	{ "Jan-Mar week 1-10 Mo off", "de janvier à mars, semaines 1 à 10, fermé le lundi" },
	{ "Mo-Fr 09:00-12:00 \"sur rendez-vous\"", "du lundi au vendredi de 9 h à 12 h (sur rendez-vous)" },
	{ "\"sur rendez-vous\"", "sur rendez-vous" },
	{ "Sa \"sur rendez-vous\"", "le samedi : sur rendez-vous" },
	{ "Mo 14:00-16:00 \"accès libre, café offert\"", "le lundi de 14 h à 16 h (accès libre, café offert)" },
	{ "Mo unknown", "le lundi : horaires non précisés" },
	{ "Mo-Fr 09:00-18:00 || \"sur rendez-vous\"", "du lundi au vendredi de 9 h à 18 h ; sinon sur rendez-vous" },
	{ "Mo-Fr 08:00-12:00, We 14:00-18:00", "du lundi au vendredi de 8 h à 12 h, le mercredi de 14 h à 18 h" },
	{ "Mo-Fr, Sa 10:00-12:00", "du lundi au vendredi et le samedi de 10 h à 12 h" },
	{ "Dec 25 off, Mo 10:00-12:00", "fermé le 25 décembre, le lundi de 10 h à 12 h" },
	{ "mo-fr 9:00-12:00", "du lundi au vendredi de 9 h à 12 h" },
	{ "  Mo - Fr\t09:00 - 12:00 , 14:00-17:00 ;  ", "du lundi au vendredi de 9 h à 12 h et de 14 h à 17 h" },
};

static void
test_french(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(french_cases); i++) {
		const struct french_case *c = &french_cases[i];
		struct arena *a = arena_new();
		struct buf b = BUF_INIT(4096);

		assert_int_equal(hours_french(parse_ok(a, c->in), &b), TR_OK);
		if (strcmp(b.p ? b.p : "", c->out) != 0)
			fail_msg(
			    "case %zu \"%s\":\n got      \"%s\"\n expected \"%s\"", i, c->in, b.p ? b.p : "", c->out);
		assert_true(utf8_valid(b.p, b.n));
		buf_free(&b);
		arena_free(a);
	}
}

/* hours_french appends, and fails on its buffer's cap. */
static void
test_french_buffer(void **state)
{
	struct arena *a = arena_new();
	struct hours *h = parse_ok(a, EXAMPLE);
	struct buf b = BUF_INIT(4096), small = BUF_INIT(10);

	(void)state;
	assert_int_equal(buf_puts(&b, "Horaires : "), TR_OK);
	assert_int_equal(hours_french(h, &b), TR_OK);
	assert_true(strncmp(b.p, "Horaires : du lundi", 19) == 0);
	assert_int_equal(hours_french(h, &small), TR_TOO_LARGE);
	assert_true(small.n <= 10);
	buf_free(&b);
	buf_free(&small);
	arena_free(a);
}

/* ---- state ---- */

#define O HOURS_OPEN
#define C HOURS_CLOSED
#define U HOURS_UNKNOWN

struct state_case {
	const char *in;
	int year, month, day, hour, minute;
	int is_holiday;
	enum hours_state want;
};

static const struct state_case state_cases[] = {
	/* 2026-01-05 is a Monday, 2026-01-10 a Saturday */
	{ EXAMPLE, 2026, 1, 5, 8, 59, 0, C },
	{ EXAMPLE, 2026, 1, 5, 9, 0, 0, O },
	{ EXAMPLE, 2026, 1, 5, 11, 59, 0, O },
	{ EXAMPLE, 2026, 1, 5, 12, 0, 0, C }, /* the minute a range ends is closed */
	{ EXAMPLE, 2026, 1, 5, 13, 59, 0, C },
	{ EXAMPLE, 2026, 1, 5, 14, 0, 0, O },
	{ EXAMPLE, 2026, 1, 5, 18, 29, 0, O },
	{ EXAMPLE, 2026, 1, 5, 18, 30, 0, C },
	{ EXAMPLE, 2026, 1, 10, 8, 30, 0, O },
	{ EXAMPLE, 2026, 1, 10, 12, 0, 0, C },
	{ EXAMPLE, 2026, 1, 11, 10, 0, 0, C },
	{ EXAMPLE, 2026, 1, 5, 10, 0, -1, O }, /* no PH rule: the holiday does not matter */
	{ "Mo-Fr 09:00-17:00; We off", 2026, 1, 7, 10, 0, 0, C },
	{ "Mo-Fr 09:00-17:00; We off", 2026, 1, 6, 10, 0, 0, O },
	{ "Mo-Fr 09:00-17:00; We 12:00-14:00 off", 2026, 1, 7, 10, 0, 0, C }, /* ";" replaces the whole day */
	{ "Mo-Fr 08:00-18:00, We 12:00-14:00 off", 2026, 1, 7, 11, 0, 0, O }, /* ", " only adds */
	{ "Mo-Fr 08:00-18:00, We 12:00-14:00 off", 2026, 1, 7, 13, 0, 0, C },
	{ "Mo-Fr 08:00-12:00, We 14:00-18:00", 2026, 1, 7, 10, 0, 0, O },
	{ "Mo-Fr 08:00-12:00, We 14:00-18:00", 2026, 1, 7, 15, 0, 0, O },
	{ "Mo-Fr 08:00-12:00; We 14:00-18:00", 2026, 1, 7, 10, 0, 0, C },
	/* 14 July 2025 is a Monday */
	{ "Mo-Fr 09:00-17:00; PH off", 2025, 7, 14, 10, 0, 1, C },
	{ "Mo-Fr 09:00-17:00; PH off", 2025, 7, 14, 10, 0, 0, O },
	{ "Mo-Fr 09:00-17:00; PH off", 2025, 7, 14, 10, 0, -1, U },
	{ "Mo-Fr 09:00-17:00; PH off", 2025, 7, 12, 10, 0, -1, C }, /* a Saturday: closed either way */
	{ "PH 10:00-12:00", 2025, 7, 14, 11, 0, 1, O },
	{ "PH 10:00-12:00", 2025, 7, 14, 11, 0, 0, C },
	{ "PH,Sa 10:00-12:00", 2025, 7, 12, 11, 0, -1, O },
	{ "24/7", 2026, 1, 5, 0, 0, 0, O },
	{ "24/7", 2026, 1, 5, 23, 59, -1, O },
	{ "24/7; PH off", 2025, 7, 14, 10, 0, 1, C },
	{ "24/7; PH off", 2025, 7, 14, 10, 0, -1, U },
	/* past midnight: 2026-01-09 is a Friday */
	{ "Fr 22:00-02:00", 2026, 1, 9, 21, 59, 0, C },
	{ "Fr 22:00-02:00", 2026, 1, 9, 23, 0, 0, O },
	{ "Fr 22:00-02:00", 2026, 1, 10, 1, 59, 0, O },
	{ "Fr 22:00-02:00", 2026, 1, 10, 2, 0, 0, C },
	{ "Fr 22:00-02:00", 2026, 1, 9, 1, 0, 0, C }, /* Thursday night is not Friday night */
	{ "Fr 18:00-26:00", 2026, 1, 10, 1, 59, 0, O },
	{ "Sa 20:00-24:00", 2026, 1, 10, 23, 59, 0, O },
	{ "Sa 20:00-24:00", 2026, 1, 11, 0, 0, 0, C },
	{ "Mo-Su 18:00-02:00; Tu off", 2026, 1, 5, 1, 0, 0, O }, /* Sunday night */
	{ "Mo-Su 18:00-02:00; Tu off", 2026, 1, 6, 1, 0, 0, U }, /* Monday night, cut by "Tu off" */
	{ "Mo-Su 18:00-02:00; Tu off", 2026, 1, 7, 1, 0, 0, C }, /* no Tuesday night */
	{ "Mo-Su 18:00-02:00, Tu off", 2026, 1, 6, 1, 0, 0, C }, /* "Tu off" added later covers it */
	{ "Tu off; Mo-Su 18:00-02:00", 2026, 1, 6, 1, 0, 0, O }, /* the later rule wins */
	{ "We 22:00-02:00", 2026, 1, 1, 1, 0, 0, O },            /* across the year end */
	{ "Dec 31 22:00-02:00", 2026, 1, 1, 1, 0, 0, O },
	{ "Dec 31 22:00-02:00", 2026, 1, 2, 1, 0, 0, C },
	/* months */
	{ "Jan-Mar Mo-Fr 09:00-12:00", 2026, 1, 5, 10, 0, 0, O },
	{ "Jan-Mar Mo-Fr 09:00-12:00", 2026, 4, 6, 10, 0, 0, C },
	{ "Nov-Feb Sa 10:00-12:00", 2026, 2, 28, 11, 0, 0, O },
	{ "Nov-Feb Sa 10:00-12:00", 2025, 11, 1, 11, 0, 0, O },
	{ "Nov-Feb Sa 10:00-12:00", 2026, 3, 7, 11, 0, 0, C },
	{ "Mo-Fr 09:00-17:00; Aug off", 2025, 8, 4, 10, 0, 0, C },
	{ "Mo-Fr 09:00-17:00; Aug off", 2025, 7, 31, 10, 0, 0, O },
	{ "Mo-Fr 09:00-17:00; Dec 24-26 off", 2025, 12, 24, 10, 0, 0, C },
	{ "Mo-Fr 09:00-17:00; Dec 24-26 off", 2025, 12, 23, 10, 0, 0, O },
	{ "Mo-Fr 09:00-17:00; Dec 25-Jan 01 off", 2026, 1, 1, 10, 0, 0, C },
	{ "Mo-Fr 09:00-17:00; Dec 25-Jan 01 off", 2026, 1, 2, 10, 0, 0, O },
	/* weeks: 2026-01-07 is in ISO week 2, 2026-01-14 in week 3, 2026-06-22 in 26, 2026-06-29 in 27 */
	{ "week 2-52/2 We 14:00-16:00", 2026, 1, 7, 15, 0, 0, O },
	{ "week 2-52/2 We 14:00-16:00", 2026, 1, 14, 15, 0, 0, C },
	{ "week 1-26 Mo 10:00-12:00", 2026, 6, 22, 11, 0, 0, O },
	{ "week 1-26 Mo 10:00-12:00", 2026, 6, 29, 11, 0, 0, C },
	{ "week 53 Fr 10:00-12:00", 2027, 1, 1, 11, 0, 0, O }, /* Friday 1 January 2027 is in week 53 of 2026 */
	{ "week 52-2 Mo 10:00-12:00", 2027, 1, 4, 11, 0, 0, O },
	/* comments, unknown, fallbacks */
	{ "\"sur rendez-vous\"", 2026, 1, 5, 10, 0, 0, U },
	{ "Sa \"sur rendez-vous\"", 2026, 1, 10, 10, 0, 0, U },
	{ "Sa \"sur rendez-vous\"", 2026, 1, 5, 10, 0, 0, C },
	{ "Mo 14:00-16:00 \"sur rendez-vous\"", 2026, 1, 5, 15, 0, 0, O },
	{ "Mo unknown", 2026, 1, 5, 10, 0, 0, U },
	{ "Mo unknown", 2026, 1, 6, 10, 0, 0, C },
	{ "Mo-Fr 09:00-18:00 || \"sur rendez-vous\"", 2026, 1, 5, 10, 0, 0, O },
	{ "Mo-Fr 09:00-18:00 || \"sur rendez-vous\"", 2026, 1, 5, 19, 0, 0, U },
	{ "Mo-Fr 09:00-18:00 || \"sur rendez-vous\"", 2026, 1, 10, 10, 0, 0, U },
	{ "Mo-Fr 09:00-18:00; Sa off || \"sur rendez-vous\"", 2026, 1, 10, 10, 0, 0, C },
	{ "Sa-Mo 10:00-12:00", 2026, 1, 11, 11, 0, 0, O },
	{ "Sa-Mo 10:00-12:00", 2026, 1, 6, 11, 0, 0, C },
	{ "10:00-18:00", 2026, 1, 11, 11, 0, 0, O },
	{ "Mo-Fr", 2026, 1, 5, 3, 0, 0, O },
	{ "off", 2026, 1, 5, 10, 0, 0, C },
};

/* Weekday of a date, 0 = Monday, from the days since 1970-01-01 (a Thursday). */
static int
weekday(int year, int month, int day)
{
	return (int)((date_days(year, month, day) % 7 + 7 + 3) % 7);
}

static void
test_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(state_cases); i++) {
		const struct state_case *c = &state_cases[i];
		struct arena *a = arena_new();
		struct hours *h = parse_ok(a, c->in);
		enum hours_state got = hours_state_at(h, c->year, c->month, c->day, weekday(c->year, c->month, c->day),
		    c->hour * 60 + c->minute, c->is_holiday);

		if (got != c->want)
			fail_msg("case %zu \"%s\" at %04d-%02d-%02d %02d:%02d (holiday %d): got %d, expected %d", i,
			    c->in, c->year, c->month, c->day, c->hour, c->minute, c->is_holiday, got, c->want);
		arena_free(a);
	}
}

/* Arguments out of range, or a weekday that is not the date's, give HOURS_UNKNOWN. */
static void
test_state_bad_arguments(void **state)
{
	struct arena *a = arena_new();
	struct hours *h = parse_ok(a, "24/7");

	(void)state;
	assert_int_equal(hours_state_at(h, 2026, 1, 5, 0, 600, 0), HOURS_OPEN);
	assert_int_equal(hours_state_at(NULL, 2026, 1, 5, 0, 600, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 2026, 1, 5, 1, 600, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 2026, 1, 5, 7, 600, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 2026, 1, 5, -1, 600, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 2026, 1, 5, 0, 1440, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 2026, 1, 5, 0, -1, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 2026, 13, 5, 0, 600, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 2026, 2, 29, 6, 600, 0), HOURS_UNKNOWN);
	assert_int_equal(hours_state_at(h, 0, 1, 1, 0, 600, 0), HOURS_UNKNOWN);
	arena_free(a);
}

/* ---- invalid inputs ---- */

#define BYTES(lit) (lit), sizeof(lit) - 1

struct invalid_case {
	const char *in;
	size_t n;
};

static const struct invalid_case invalid_cases[] = {
	{ BYTES("") },
	{ BYTES("   ") },
	{ BYTES(";") },
	{ BYTES("garbage") },
	{ BYTES("ouvert du lundi au vendredi") },
	{ BYTES("25:00-26:00") },
	{ BYTES("Mo 10:00-49:00") },
	{ BYTES("Mo 10:60-11:00") },
	{ BYTES("Mo 010:00-11:00") },
	{ BYTES("Mo 10:000-11:00") },
	{ BYTES("Mo-Zz 10:00-12:00") },
	{ BYTES("Mon-Fri 9-5") },
	{ BYTES("Mo-Fr 09:") },
	{ BYTES("Mo-Fr 09:00-") },
	{ BYTES("Mo-Fr 09:00-1") },
	{ BYTES("Mo-Fr 9h-12h") },
	{ BYTES("Mo 10:00") },
	{ BYTES("Mo 10:00-10:00") },
	{ BYTES("Mo 10:00+") },
	{ BYTES("Mo 10:00-12:00+") },
	{ BYTES("Mo 10:00-16:00/01:00") },
	{ BYTES("Mo 30:00-26:00") },
	{ BYTES("Mo 12:00-26:00-28:00") },
	{ BYTES("Mo[1] 10:00-12:00") },
	{ BYTES("PH +1 day") },
	{ BYTES("PH-Mo 10:00-12:00") },
	{ BYTES("Mo-PH 10:00-12:00") },
	{ BYTES("SH off") },
	{ BYTES("easter off") },
	{ BYTES("sunrise-sunset") },
	{ BYTES("Mo 08:00-sunset") },
	{ BYTES("2024 Dec 25 off") },
	{ BYTES("Feb 30 off") },
	{ BYTES("Jan 00 off") },
	{ BYTES("Jan 05-Feb off") },
	{ BYTES("Dec 26-24 off") },
	{ BYTES("Jan- Mo") },
	{ BYTES("week 0 Mo") },
	{ BYTES("week 54 Mo") },
	{ BYTES("week 50-2/2 Mo") },
	{ BYTES("week Mo") },
	{ BYTES("Mo 09:00-12:00 Tu 10:00-11:00") },
	{ BYTES("Mo,") },
	{ BYTES("Mo, 10:00-12:00") },
	{ BYTES("Dec 25, Mo 10:00-12:00") },
	{ BYTES("Mo 10:00-12:00,") },
	{ BYTES("Mo 10:00-12:00 ||") },
	{ BYTES("|| Mo") },
	{ BYTES("Mo 10:00-12:00; , Tu") },
	{ BYTES("Mo off off") },
	{ BYTES("\"unterminated") },
	{ BYTES("\"") },
	{ BYTES("\"bad \xff byte\"") },
	{ BYTES("\"two\nlines\"") },
	{ BYTES("\"text\": Mo 10:00-12:00") },
	{ BYTES("Mo 10:00-12:00 \"a\" \"b\"") },
	{ BYTES("Mo\0 10:00-12:00") },
	{ BYTES("24/7 10:00-12:00") },
	{ BYTES("Mo 10:00-12:00 / Tu") },
	{ BYTES("\xc3\xa9t\xc3\xa9") },
};

static void
assert_invalid(struct arena *a, const char *in, size_t n, size_t i)
{
	struct hours *h = (struct hours *)1;
	const char *why = NULL;

	if (parse_exact(a, in, n, &h, &why) != TR_INVALID)
		fail_msg("case %zu \"%.*s\" was accepted", i, (int)n, in);
	assert_null(h);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
}

static void
test_invalid(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(invalid_cases); i++)
		assert_invalid(a, invalid_cases[i].in, invalid_cases[i].n, i);
	arena_free(a);
}

/* A reason names what is wrong and where. */
static void
test_invalid_reason(void **state)
{
	struct arena *a = arena_new();
	struct hours *h;
	const char *why;

	(void)state;
	assert_int_equal(hours_parse(a, BYTES("Mo-Zz 10:00-12:00"), &h, &why), TR_INVALID);
	assert_string_equal(why, "unknown weekday at byte 4");
	assert_int_equal(hours_parse(a, BYTES("Mo-Fr 09:"), &h, &why), TR_INVALID);
	assert_string_equal(why, "invalid time at byte 7");
	assert_int_equal(hours_parse(a, BYTES("SH off"), &h, &why), TR_INVALID);
	assert_string_equal(why, "school holidays (SH) are not supported at byte 1");
	assert_int_equal(hours_parse(a, BYTES("\"sur rendez-vous"), &h, &why), TR_INVALID);
	assert_string_equal(why, "unterminated comment at byte 2");
	arena_free(a);
}

/* Longer than HOURS_MAX_INPUT bytes is refused even when well-formed; exactly the limit is accepted. */
static void
test_long_input(void **state)
{
	struct arena *a = arena_new();
	char in[HOURS_MAX_INPUT + 1];
	struct hours *h;
	const char *why;

	(void)state;
	memset(in, ' ', sizeof in);
	memcpy(in, "Mo 10:00-12:00", 14);
	assert_int_equal(parse_exact(a, in, HOURS_MAX_INPUT, &h, &why), TR_OK);
	assert_int_equal(parse_exact(a, in, HOURS_MAX_INPUT + 1, &h, &why), TR_INVALID);
	assert_null(h);
	assert_string_equal(why, "longer than 1000 bytes");
	for (size_t i = 0; i + 3 <= sizeof in; i += 3)
		memcpy(in + i, "Mo;", 3);
	assert_int_equal(parse_exact(a, in, HOURS_MAX_INPUT - 1, &h, &why), TR_OK);
	arena_free(a);
}

/* Every prefix of valid inputs parses or is refused without reading past it, and what parses can be used. */
static void
test_prefixes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(french_cases); i++) {
		const char *in = french_cases[i].in;

		for (size_t n = 0; n <= strlen(in); n++) {
			struct arena *a = arena_new();
			struct hours *h;
			const char *why;
			struct buf b = BUF_INIT(4096);

			if (parse_exact(a, in, n, &h, &why) == TR_OK) {
				assert_int_equal(hours_french(h, &b), TR_OK);
				assert_true(utf8_valid(b.p, b.n));
				(void)hours_state_at(h, 2026, 1, 5, 0, 600, -1);
			} else {
				assert_null(h);
				assert_non_null(why);
			}
			buf_free(&b);
			arena_free(a);
		}
	}
}

/* ---- public holidays ---- */

struct date {
	int year, month, day;
};

static const struct date holidays[] = {
	{ 2024, 1, 1 },
	{ 2024, 4, 1 },
	{ 2024, 5, 1 },
	{ 2024, 5, 8 },
	{ 2024, 5, 9 },
	{ 2024, 5, 20 },
	{ 2024, 7, 14 },
	{ 2024, 8, 15 },
	{ 2024, 11, 1 },
	{ 2024, 11, 11 },
	{ 2024, 12, 25 },
	{ 2025, 1, 1 },
	{ 2025, 4, 21 },
	{ 2025, 5, 1 },
	{ 2025, 5, 8 },
	{ 2025, 5, 29 },
	{ 2025, 6, 9 },
	{ 2025, 7, 14 },
	{ 2025, 8, 15 },
	{ 2025, 11, 1 },
	{ 2025, 11, 11 },
	{ 2025, 12, 25 },
	{ 2026, 1, 1 },
	{ 2026, 4, 6 },
	{ 2026, 5, 1 },
	{ 2026, 5, 8 },
	{ 2026, 5, 14 },
	{ 2026, 5, 25 },
	{ 2026, 7, 14 },
	{ 2026, 8, 15 },
	{ 2026, 11, 1 },
	{ 2026, 11, 11 },
	{ 2026, 12, 25 },
	{ 2027, 1, 1 },
	{ 2027, 3, 29 },
	{ 2027, 5, 1 },
	{ 2027, 5, 6 },
	{ 2027, 5, 8 },
	{ 2027, 5, 17 },
	{ 2027, 7, 14 },
	{ 2027, 8, 15 },
	{ 2027, 11, 1 },
	{ 2027, 11, 11 },
	{ 2027, 12, 25 },
};

static bool
in_holidays(int year, int month, int day)
{
	for (size_t i = 0; i < N_ELEMS(holidays); i++)
		if (holidays[i].year == year && holidays[i].month == month && holidays[i].day == day)
			return true;
	return false;
}

/* Every day of 2024-2027: a holiday exactly when it is in the table. */
static void
test_holidays(void **state)
{
	(void)state;
	for (int64_t t = date_days(2024, 1, 1); t < date_days(2028, 1, 1); t++) {
		int y, m, d;

		/* walk the calendar by date_days, which is independent from the module's Easter */
		for (y = 2024; date_days(y + 1, 1, 1) <= t; y++)
			;
		for (m = 1; m < 12 && date_days(y, m + 1, 1) <= t; m++)
			;
		d = (int)(t - date_days(y, m, 1)) + 1;
		if (hours_is_public_holiday(y, m, d) != in_holidays(y, m, d))
			fail_msg("%04d-%02d-%02d: got %d", y, m, d, hours_is_public_holiday(y, m, d));
	}
	assert_true(hours_is_public_holiday(2025, 4, 21));  /* Easter Monday */
	assert_true(hours_is_public_holiday(2026, 5, 14));  /* Ascension */
	assert_true(hours_is_public_holiday(2027, 5, 17));  /* Whit Monday */
	assert_false(hours_is_public_holiday(2025, 4, 20)); /* Easter Sunday is a Sunday, not a holiday of its own */
	assert_false(hours_is_public_holiday(2025, 2, 29));
	assert_false(hours_is_public_holiday(2025, 0, 1));
	assert_false(hours_is_public_holiday(2025, 13, 1));
	assert_false(hours_is_public_holiday(1500, 1, 1));
	assert_true(hours_is_public_holiday(2000, 4, 24)); /* Easter 2000 was 23 April */
}

/* The week of the places form: written from day fields, read back from a text the form can show. */
static void
week_set(struct hours_week *w, int d, int k, int from, int to)
{
	w->range[d][k][0] = (short)from;
	w->range[d][k][1] = (short)to;
}

static void
test_week_text(void **state)
{
	struct hours_week w;
	struct buf b = BUF_INIT(0);
	int day = -1;

	(void)state;
	memset(&w, 0xff, sizeof(w));
	assert_int_equal(hours_week_text(&w, &b, &day), TR_OK);
	assert_int_equal(b.n, 0); /* closed every day: nothing */
	for (int d = 1; d <= 4; d++) {
		week_set(&w, d, 0, 9 * 60, 12 * 60);
		week_set(&w, d, 1, 14 * 60, 18 * 60);
	}
	week_set(&w, 5, 0, 9 * 60, 12 * 60);
	week_set(&w, 0, 0, 13 * 60 + 30, 24 * 60);
	assert_int_equal(hours_week_text(&w, &b, &day), TR_OK);
	assert_string_equal(buf_str(&b).p, "Mo 13:30-24:00; Tu-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00");
	/* An end before its start, overlapping ranges, a second range alone: refused, with the day. */
	buf_reset(&b);
	week_set(&w, 2, 1, 11 * 60, 18 * 60);
	assert_int_equal(hours_week_text(&w, &b, &day), TR_INVALID);
	assert_int_equal(day, 2);
	assert_int_equal(b.n, 0);
	week_set(&w, 2, 1, 14 * 60, 18 * 60);
	week_set(&w, 6, 1, 10 * 60, 11 * 60);
	assert_int_equal(hours_week_text(&w, &b, &day), TR_INVALID);
	assert_int_equal(day, 6);
	week_set(&w, 6, 1, -1, -1);
	week_set(&w, 6, 0, 11 * 60, 10 * 60);
	assert_int_equal(hours_week_text(&w, &b, &day), TR_INVALID);
	buf_free(&b);
}

static void
test_week_of(void **state)
{
	struct arena *a = arena_new();
	struct hours_week w;
	static const char *const plain[] = { "Tu-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00", "mo-fr 09:00-17:30",
		"Mo 08:00-12:00; We 08:00-12:00; Fr 08:00-12:00" };
	static const char *const expert[] = { "Mo-Fr 09:00-12:00; PH off", "Jan-Mar Mo 10:00-12:00",
		"Mo 08:00-10:00,11:00-12:00,14:00-16:00", "Mo-Fr 9:00-12:00", "Mo 22:00-02:00",
		"Mo-Fr 09:00-12:00 \"sur rendez-vous\"", "24/7", "pas des horaires" };

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!hours_week_of(a, plain[i], strlen(plain[i]), &w))
			fail_msg("\"%s\" is a plain week", plain[i]);
	assert_true(hours_week_of(a, plain[0], strlen(plain[0]), &w));
	assert_int_equal(w.range[0][0][0], -1);
	assert_int_equal(w.range[1][1][0], 14 * 60);
	assert_int_equal(w.range[5][0][1], 12 * 60);
	assert_int_equal(w.range[5][1][0], -1);
	for (size_t i = 0; i < sizeof(expert) / sizeof(expert[0]); i++)
		if (hours_week_of(a, expert[i], strlen(expert[i]), &w))
			fail_msg("\"%s\" is not a week the form writes back", expert[i]);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_french),
		cmocka_unit_test(test_french_buffer),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_state_bad_arguments),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_invalid_reason),
		cmocka_unit_test(test_long_input),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_week_text),
		cmocka_unit_test(test_week_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
