/* Tests of domain/subsidies/schedule: hourly aid on the edge dates issue 12 lists (a start on the 31st, the
 * 29th of February, a SMIC change in the middle of a month, a suspension across two months, part time at 50 %,
 * the weekly cap, an early end with an exempt reason and without, unmet commitments, a renewal), lump sums
 * with each variant and the bonus, the rounding, and a recomputation after a payment. The expected cents were
 * computed apart with exact fractions (Python's Fraction, rounded half to even). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/subsidies/schedule.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

static int64_t
day(const char *s)
{
	int y, m, d;

	assert_true(date_parse(s, strlen(s), &y, &m, &d));
	return date_days(y, m, d);
}

/* The metropolitan SMIC from 2023 (REFERENCE.md), cents. */
static struct smic_value smic_metro[4];

static void
init_smic(void)
{
	smic_metro[0] = (struct smic_value){ day("2023-05-01"), 1152 };
	smic_metro[1] = (struct smic_value){ day("2024-01-01"), 1165 };
	smic_metro[2] = (struct smic_value){ day("2024-11-01"), 1188 };
	smic_metro[3] = (struct smic_value){ day("2026-01-01"), 1202 };
}

static struct sched_hourly
base(const char *start, const char *end)
{
	init_smic();
	return (struct sched_hourly){ .start = day(start),
		.end = day(end),
		.max_months = 60,
		.rate_bp = 7500,
		.weekly_centih = 3500,
		.cap_weekly_centih = 3500,
		.smic = smic_metro,
		.nsmic = N_ELEMS(smic_metro) };
}

static void
check_sum(const struct sched *s)
{
	int64_t sum = 0;

	for (size_t i = 0; i < s->n; i++) {
		sum += s->lines[i].amount;
		assert_non_null(s->lines[i].explain);
		assert_true(strlen(s->lines[i].explain) > 20);
		if (i > 0 && s->lines[i].kind == SCHED_AID)
			assert_int_equal(s->lines[i].from, s->lines[i - 1].to + 1); /* no day lost or counted twice */
	}
	assert_int_equal(sum, s->total);
}

static void
test_round_half_even(void **state)
{
	(void)state;
	assert_int_equal(sched_round(5, 2), 2);
	assert_int_equal(sched_round(7, 2), 4);
	assert_int_equal(sched_round(-5, 2), -2);
	assert_int_equal(sched_round(-7, 2), -4);
	assert_int_equal(sched_round(25, 10), 2);
	assert_int_equal(sched_round(35, 10), 4);
	assert_int_equal(sched_round(26, 10), 3);
	assert_int_equal(sched_round(24, 10), 2);
	assert_int_equal(sched_round(0, 7), 0);
}

static void
test_euros(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	assert_string_equal(sched_euros(a, 132519), "1 325,19 €");
	assert_string_equal(sched_euros(a, -5), "-0,05 €");
	assert_string_equal(sched_euros(a, 5000000), "50 000,00 €");
	assert_string_equal(sched_euros(a, 0), "0,00 €");
	assert_string_equal(sched_euros(a, 123456789), "1 234 567,89 €");
	assert_string_equal(sched_euros(a, -132519), "-1 325,19 €");
	assert_string_equal(sched_euros(a, 100), "1,00 €");
	arena_free(a);
}

static void
test_full_month(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	struct sched_hourly in = base("2024-01-01", "2024-01-31");

	(void)state;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.lines[0].amount, 132519);
	assert_int_equal(s.lines[0].hours_centi, 15167);
	assert_int_equal(s.lines[0].smic_cents, 1165);
	assert_non_null(strstr(s.lines[0].explain, "75 % × SMIC horaire brut 11,65 €"));
	assert_non_null(strstr(s.lines[0].explain, "1 325,19 €"));
	check_sum(&s);
	arena_free(a);
}

/* Rates by sector are data: 35 % (market) and 47 % (GEIQ). */
static void
test_sector_rates(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	struct sched_hourly in = base("2024-01-01", "2024-01-31");

	(void)state;
	in.rate_bp = 3500;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.lines[0].amount, 61842);
	in.rate_bp = 4700;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.lines[0].amount, 83045);
	arena_free(a);
}

static void
test_start_on_31st(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	/* Twelve months from 31 January 2024: to 30 January 2025 (the SMIC changes on 1 November 2024). */
	struct sched_hourly in = base("2024-01-31", "2025-01-30");

	(void)state;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 13);
	assert_int_equal(s.lines[0].from, day("2024-01-31"));
	assert_int_equal(s.lines[0].to, day("2024-01-31"));
	assert_int_equal(s.lines[0].amount, 4275); /* 1/31 of the month */
	assert_int_equal(s.lines[1].from, day("2024-02-01"));
	assert_int_equal(s.lines[1].to, day("2024-02-29"));
	assert_int_equal(s.lines[1].amount, 132519);    /* a whole month is 52/12 weeks, whatever its days */
	assert_int_equal(s.lines[10].smic_cents, 1188); /* November 2024 */
	assert_int_equal(s.lines[12].to, day("2025-01-30"));
	assert_int_equal(s.lines[12].amount, 130776); /* 30/31 at 11,88 € */
	check_sum(&s);
	arena_free(a);
}

static void
test_29_february(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	struct sched_hourly in = base("2024-02-29", "2025-02-28");

	(void)state;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 13);
	assert_int_equal(s.lines[0].amount, 4570); /* 1/29 */
	assert_non_null(strstr(s.lines[0].explain, "1/29 jours"));
	assert_int_equal(s.lines[12].from, day("2025-02-01"));
	assert_int_equal(s.lines[12].to, day("2025-02-28"));
	assert_non_null(strstr(s.lines[12].explain, "28/28 jours"));
	check_sum(&s);
	arena_free(a);
}

static void
test_smic_change_mid_month(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	struct smic_value smic[] = { { day("2024-01-01"), 1165 }, { day("2024-06-15"), 1200 } };
	struct sched_hourly in = base("2024-06-01", "2024-06-30");

	(void)state;
	in.smic = smic;
	in.nsmic = N_ELEMS(smic);
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.lines[0].to, day("2024-06-14"));
	assert_int_equal(s.lines[0].amount, 61842); /* 14/30 at 11,65 € */
	assert_int_equal(s.lines[1].from, day("2024-06-15"));
	assert_int_equal(s.lines[1].amount, 72800); /* 16/30 at 12,00 € */
	assert_non_null(strstr(s.lines[1].explain, "en vigueur depuis le 15/06/2024"));
	check_sum(&s);
	arena_free(a);
}

static void
test_suspension_across_months(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	struct sched_period p[] = { { day("2024-03-20"), day("2024-04-10"), 0, 0 } };
	struct sched_hourly in = base("2024-03-01", "2024-04-30");

	(void)state;
	in.periods = p;
	in.nperiods = 1;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.lines[0].amount, 81221); /* 1-19 March */
	assert_int_equal(s.lines[1].amount, 0);     /* 20-31 March */
	assert_non_null(strstr(s.lines[1].explain, "Suspension sans rémunération"));
	assert_int_equal(s.lines[2].amount, 0);     /* 1-10 April */
	assert_int_equal(s.lines[3].amount, 88346); /* 11-30 April */
	assert_int_equal(s.total, 81221 + 88346);
	check_sum(&s);
	arena_free(a);
}

static void
test_part_time_and_partial_pay(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	struct sched_hourly in = base("2024-01-01", "2024-01-31");
	struct sched_period p[] = { { day("2024-04-01"), day("2024-04-30"), 5000, 0 } };

	(void)state;
	in.weekly_centih = 1750; /* half time */
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.lines[0].amount, 66259);
	assert_non_null(strstr(s.lines[0].explain, "17,50 h par semaine"));
	/* Hours above 35 a week are not aided. */
	in.weekly_centih = 3900;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.lines[0].amount, 132519);
	assert_non_null(strstr(s.lines[0].explain, "plafonnées à 35,00 h"));
	/* A month paid at 50 %: the aid is prorated. */
	in = base("2024-04-01", "2024-04-30");
	in.periods = p;
	in.nperiods = 1;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.lines[0].amount, 66259);
	assert_non_null(strstr(s.lines[0].explain, "50 % de la rémunération maintenue"));
	arena_free(a);
}

static void
test_early_end(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s;
	struct sched_hourly in = base("2024-01-01", "2024-12-31");

	(void)state;
	/* An exempt reason (serious misconduct, force majeure, trial period…): the days worked stay due. */
	in.ended_on = day("2024-05-15");
	in.end_exempt = true;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.lines[4].to, day("2024-05-15"));
	assert_int_equal(s.lines[4].amount, 64122);
	assert_int_equal(s.total, 4 * 132519 + 64122);
	/* Any other reason: the aid stops and everything is claimed back. */
	in.end_exempt = false;
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.total, 0);
	assert_non_null(strstr(s.lines[0].explain, "motif non exonéré"));
	check_sum(&s);
	/* Training commitments unmet at the anniversary: everything back too. */
	in = base("2024-01-01", "2025-12-31");
	in.commitments_unmet_on = day("2025-01-01");
	assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.total, 0);
	assert_non_null(strstr(s.lines[3].explain, "engagements de formation"));
	arena_free(a);
}

static void
test_renewal(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s1, s2, out;
	struct sched_hourly in = base("2024-01-01", "2024-12-31");

	(void)state;
	assert_int_equal(sched_hourly(a, &in, &fe, &s1), TR_OK);
	in.end = day("2025-12-31");
	assert_int_equal(sched_hourly(a, &in, &fe, &s2), TR_OK);
	assert_int_equal(s2.n, 24);
	for (size_t i = 0; i < s1.n; i++)
		assert_int_equal(s1.lines[i].amount, s2.lines[i].amount);
	/* The first year paid: the renewal adds the second year's lines and no adjustment. */
	sched_reconcile(a, &s2, s1.lines, s1.n, &out);
	assert_int_equal(out.n, 12);
	assert_int_equal(s1.total + out.total, s2.total);
	for (size_t i = 0; i < out.n; i++)
		assert_int_equal(out.lines[i].kind, SCHED_AID);
	/* Past 60 months in all, refused. */
	in.end = day("2029-01-01");
	assert_int_equal(sched_hourly(a, &in, &fe, &s2), TR_INVALID);
	assert_string_equal(fe.items[0].field, "end_on");
	arena_free(a);
}

static void
test_bad_input(void **state)
{
	struct arena *a = arena_new();
	struct sched s;
	struct sched_period p[] = { { day("2023-12-20"), day("2024-01-10"), 0, 0 } };
	/* Each case changes one input (the switch below) and names the field of the one error. */
	static const char *const fields[] = { "rate", "weekly_hours", "period", "end_on", "smic" };

	(void)state;
	for (size_t i = 0; i < N_ELEMS(fields); i++) {
		struct field_errors fe = { 0 };
		struct sched_hourly in = base("2024-01-01", "2024-12-31");

		switch (i) {
		case 0: in.rate_bp = 10001; break;
		case 1: in.weekly_centih = -100; break;
		case 2: in.periods = p, in.nperiods = 1; break;
		case 3: in.contract_end = day("2024-06-30"); break;
		case 4: in.start = day("2012-06-01"), in.end = day("2012-12-31"); break;
		}
		assert_int_equal(sched_hourly(a, &in, &fe, &s), TR_INVALID);
		assert_int_equal(fe.n, 1);
		assert_string_equal(fe.items[0].field, fields[i]);
		assert_int_equal(s.n, 0);
	}
	arena_free(a);
}

static void
test_recompute_after_payment(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched v1, v2, out;
	struct sched_hourly in = base("2024-01-01", "2024-06-30");
	struct sched_period p[] = { { day("2024-02-10"), day("2024-04-05"), 0, 0 } };
	int64_t paid_total = 0;

	(void)state;
	assert_int_equal(sched_hourly(a, &in, &fe, &v1), TR_OK);
	/* January to March paid as first computed; then a suspension from 10 February to 5 April is reported. */
	struct sched_line *paid = v1.lines;
	size_t npaid = 3;
	struct sched_line before[3];
	memcpy(before, paid, sizeof before);
	for (size_t i = 0; i < npaid; i++)
		paid_total += paid[i].amount;
	in.periods = p;
	in.nperiods = 1;
	assert_int_equal(sched_hourly(a, &in, &fe, &v2), TR_OK);
	sched_reconcile(a, &v2, paid, npaid, &out);
	/* The paid lines are untouched. */
	assert_memory_equal(before, paid, sizeof before);
	/* January: no change, no line. February and March: one adjustment each. April: the new lines as such. */
	assert_int_equal(out.lines[0].kind, SCHED_ADJUSTMENT);
	assert_int_equal(out.lines[0].from, day("2024-02-01"));
	assert_int_equal(out.lines[1].kind, SCHED_ADJUSTMENT);
	assert_int_equal(out.lines[1].amount, -132519); /* March was wholly suspended */
	assert_non_null(strstr(out.lines[1].explain, "Régularisation de 03/2024"));
	assert_int_equal(out.lines[2].kind, SCHED_AID);
	assert_int_equal(paid_total + out.total, v2.total);
	/* A recomputation with nothing changed gives only the unpaid months, no adjustment. */
	sched_reconcile(a, &v1, paid, npaid, &out);
	assert_int_equal(out.n, 3);
	assert_int_equal(paid_total + out.total, v1.total);
	/* A non-exempt early end after payments: the adjustments claim back exactly what was paid. */
	in.periods = NULL;
	in.nperiods = 0;
	in.ended_on = day("2024-04-15");
	in.end_exempt = false;
	assert_int_equal(sched_hourly(a, &in, &fe, &v2), TR_OK);
	sched_reconcile(a, &v2, paid, npaid, &out);
	assert_int_equal(out.total, -paid_total);
	arena_free(a);
}

/* Lump sums: the rows of migration 0011, each variant summing to its rule's total. */
static void
test_lump_variants(void **state)
{
	struct arena *a = arena_new();
	struct sched s;
	static const struct sched_instalment w1_public[] = { { 1, 2500000, 0, "recruited" },
		{ 2, 2500000, 12, "activity" } };
	static const struct sched_instalment w1_antilles[] = { { 1, 3500000, 0, "recruited" },
		{ 2, 3500000, 12, "activity" } };
	static const struct sched_instalment w1_reunion[] = { { 1, 3375000, 0, "recruited" },
		{ 2, 3375000, 12, "activity" } };
	static const struct sched_instalment w1_private[] = { { 1, 1600000, 0, "recruited" },
		{ 2, 1600000, 9, "activity" } };
	static const struct sched_instalment w2_public[] = { { 1, 1750000, 0, "recruited" },
		{ 2, 1250000, 12, "activity" }, { 3, 1250000, 24, "activity" } };
	static const struct sched_instalment w2_private[] = { { 1, 2000000, 0, "recruited" },
		{ 2, 1400000, 12, "activity" }, { 3, 1000000, 24, "activity" } };
	struct {
		const struct sched_instalment *inst;
		size_t n;
		int months;
		int64_t bonus, cap, total;
	} cases[] = {
		{ w1_public, 2, 24, 0, 0, 5000000 },
		{ w1_antilles, 2, 24, 0, 0, 7000000 },
		{ w1_reunion, 2, 24, 0, 0, 6750000 },
		{ w1_private, 2, 18, 0, 0, 3200000 },
		{ w2_public, 3, 36, 0, 5000000, 4250000 },
		{ w2_public, 3, 36, 250000, 5000000, 4500000 },
		{ w2_public, 3, 36, 500000, 5000000, 4750000 },
		{ w2_public, 3, 36, 1000000, 5000000, 5000000 }, /* a bonus past the cap is cut to it */
		{ w2_private, 3, 36, 0, 0, 4400000 },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct field_errors fe = { 0 };
		struct sched_lump in = { .start = day("2024-01-31"),
			.duration_months = cases[i].months,
			.inst = cases[i].inst,
			.ninst = cases[i].n,
			.bonus = cases[i].bonus,
			.cap = cases[i].cap };

		assert_int_equal(sched_lump(a, &in, &fe, &s), TR_OK);
		assert_int_equal(s.total, cases[i].total);
		assert_int_equal(s.n, cases[i].n + (cases[i].bonus ? 1 : 0));
		check_sum(&s);
	}
	/* Instalment dates: 31 January + 12 months = 31 January; + 24 months. */
	struct field_errors fe = { 0 };
	struct sched_lump in = { .start = day("2024-01-31"), .duration_months = 36, .inst = w2_public, .ninst = 3 };
	assert_int_equal(sched_lump(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.lines[1].from, day("2025-01-31"));
	assert_int_equal(s.lines[2].from, day("2026-01-31"));
	assert_string_equal(s.lines[0].condition, "recruited");
	arena_free(a);
}

/* A post returned: the sum justified is prorated to the days it was held; the excess is claimed back. */
static void
test_lump_returned(void **state)
{
	struct arena *a = arena_new();
	struct field_errors fe = { 0 };
	struct sched s, out;
	static const struct sched_instalment w1_public[] = { { 1, 2500000, 0, "recruited" },
		{ 2, 2500000, 12, "activity" } };
	struct sched_lump in = { .start = day("2024-01-01"), .duration_months = 24, .inst = w1_public, .ninst = 2 };
	struct sched paid;

	(void)state;
	assert_int_equal(sched_lump(a, &in, &fe, &paid), TR_OK);
	in.returned_on = day("2024-07-01"); /* held 182 days of 731 */
	assert_int_equal(sched_lump(a, &in, &fe, &s), TR_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.lines[1].kind, SCHED_ADJUSTMENT);
	assert_int_equal(s.total, 1244870); /* 50 000 € × 182/731, half to even */
	assert_int_equal(s.lines[1].amount, 1244870 - 2500000);
	assert_non_null(strstr(s.lines[1].explain, "trop-perçu à reverser"));
	/* The first instalment was paid: the recomputation claims back the excess exactly. */
	sched_reconcile(a, &s, paid.lines, 1, &out);
	assert_int_equal(out.total, 1244870 - 2500000);
	in.returned_on = day("2023-12-01");
	assert_int_equal(sched_lump(a, &in, &fe, &s), TR_INVALID);
	assert_string_equal(fe.items[0].field, "returned_on");
	arena_free(a);
}

static void
test_civil_roundtrip(void **state)
{
	(void)state;
	for (int64_t d = day("2012-12-25"); d < day("2030-03-05"); d++) {
		int y, m, dd;

		date_civil(d, &y, &m, &dd);
		assert_int_equal(date_days(y, m, dd), d);
	}
	assert_int_equal(date_month_days(2024, 2), 29);
	assert_int_equal(date_month_days(2100, 2), 28);
	assert_int_equal(date_month_days(2000, 2), 29);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_half_even),
		cmocka_unit_test(test_euros),
		cmocka_unit_test(test_civil_roundtrip),
		cmocka_unit_test(test_full_month),
		cmocka_unit_test(test_sector_rates),
		cmocka_unit_test(test_start_on_31st),
		cmocka_unit_test(test_29_february),
		cmocka_unit_test(test_smic_change_mid_month),
		cmocka_unit_test(test_suspension_across_months),
		cmocka_unit_test(test_part_time_and_partial_pay),
		cmocka_unit_test(test_early_end),
		cmocka_unit_test(test_renewal),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_recompute_after_payment),
		cmocka_unit_test(test_lump_variants),
		cmocka_unit_test(test_lump_returned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
