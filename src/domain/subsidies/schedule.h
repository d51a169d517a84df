/* The schedule engine of the subsidies (issue 12): pure computation, no storage. From an aid decision (hourly
 * aid on the SMIC, month by month) or a post's lump sum (instalments, bonus), it gives the lines of a schedule
 * in integer cents, each rounded once (half to even), each explained in French; and it reconciles a fresh
 * computation with the lines already paid (paid lines are never rewritten: a difference becomes an
 * adjustment line). Days are day numbers (core/time.h date_days), periods inclusive. */
#ifndef TR_DOMAIN_SCHEDULE_H
#define TR_DOMAIN_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct arena;

/* One value of the gross hourly SMIC of a territory, in force from day FROM. */
struct smic_value {
	int64_t from;
	int64_t cents;
};

/* A period of the contract that changes the aid: an unpaid suspension (paid_bp 0), a partly paid period
 * (paid_bp < 10000: the share of the pay kept, in basis points), or other weekly hours (weekly_centih,
 * hundredths of an hour; 0: the contract's). */
struct sched_period {
	int64_t from, to;
	int32_t paid_bp;
	int32_t weekly_centih;
};

/* An hourly aid decision (Emplois d'avenir): aid = rate × SMIC × hours paid, month by month. */
struct sched_hourly {
	int64_t start, end;        /* the aid period (end included) */
	int64_t contract_end;      /* the contract's last day; 0: CDI */
	int32_t max_months;        /* the longest aid period in all, renewals included (60); 0: no bound */
	int32_t rate_bp;           /* 7500 = 75 % */
	int32_t weekly_centih;     /* hours a week, hundredths (3500 = 35 h; 1750 = part time at 50 %) */
	int32_t cap_weekly_centih; /* hours a week the aid pays at most (3500); 0: no cap */
	const struct sched_period *periods;
	size_t nperiods;
	int64_t ended_on; /* the last day worked of a contract ended early; 0: not ended */
	bool end_exempt;  /* the reason of the early end is one of the exempt ones: the days worked stay due */
	int64_t commitments_unmet_on;  /* the anniversary where the training commitments were found unmet; 0 */
	const struct smic_value *smic; /* the territory's SMIC, sorted by date */
	size_t nsmic;
};

/* One instalment of a lump sum: due DUE_MONTHS after the post's start, on CONDITION (a code). */
struct sched_instalment {
	int32_t seq;
	int64_t amount;
	int32_t due_months;
	const char *condition;
};

/* A post's lump sum (Conseillers numériques). */
struct sched_lump {
	int64_t start;           /* the post's start (the person recruited) */
	int32_t duration_months; /* over which the sum is justified */
	const struct sched_instalment *inst;
	size_t ninst;
	int64_t bonus;       /* the priority-area bonus, cents (0: none) */
	int64_t cap;         /* the most a post receives, bonus included (0: no cap) */
	int64_t returned_on; /* the day the post was returned; 0: it was not */
};

enum sched_kind {
	SCHED_AID = 0,
	SCHED_INSTALMENT,
	SCHED_BONUS,
	SCHED_ADJUSTMENT,
};

struct sched_line {
	enum sched_kind kind;
	int64_t from, to;
	int64_t hours_centi; /* hours paid in the period, hundredths, rounded for display (0 for lump sums) */
	int32_t rate_bp;
	int64_t smic_cents;
	int32_t seq;           /* the instalment's number (lump sums) */
	const char *condition; /* the instalment's condition (lump sums) */
	int64_t amount;        /* cents */
	const char *explain;   /* French: how the amount was computed */
};

struct sched {
	struct sched_line *lines;
	size_t n;
	int64_t total; /* the exact sum of the lines */
};

/* NUM / DEN (DEN > 0) rounded once, half to even. */
int64_t sched_round(__int128 num, __int128 den);

/* The lines of an hourly aid. TR_INVALID with errors in FE naming the field (rate, weekly_hours, end_on,
 * period, smic) and nothing computed; lines and their texts in A. */
TR_MUST_USE tr_err sched_hourly(
    struct arena *a, const struct sched_hourly *in, struct field_errors *fe, struct sched *out);

/* The lines of a lump sum. TR_INVALID (amount, returned_on) as sched_hourly. */
TR_MUST_USE tr_err sched_lump(struct arena *a, const struct sched_lump *in, struct field_errors *fe, struct sched *out);

/* The new unpaid lines of a schedule recomputed as FRESH when PAID (NPAID lines) were already paid: the fresh
 * lines of every month with no payment, and for each month with payments one adjustment line of the
 * difference (none when equal). So the paid sum plus OUT's total is FRESH's total, to the cent. */
void sched_reconcile(
    struct arena *a, const struct sched *fresh, const struct sched_line *paid, size_t npaid, struct sched *out);

/* "1 325,19 €" (cents, with sign) in A. */
char *sched_euros(struct arena *a, int64_t cents);

/* The month key (year × 12 + month − 1) of day D. */
int64_t sched_month(int64_t d);

#endif
