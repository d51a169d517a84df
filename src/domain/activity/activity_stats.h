/* Statistics of the activity reports, read from the rollups only (never from the raw reports): for the nation, a
 * région, a département, a structure or an adviser, any period, beside the previous period and the same period a
 * year before; shares with percentages by largest remainder (summing to 100); curves by day, week or month;
 * territory tables with the place of the session and the employer's side by side; advisers in post and active
 * (one definition: at least one report in the last 30 days). */
#ifndef TR_DOMAIN_ACTIVITY_STATS_H
#define TR_DOMAIN_ACTIVITY_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* An adviser is active with at least one report in this many days before today. */
#define ACTIVITY_ACTIVE_DAYS 30

struct activity_query {
	const char *level;     /* "national" (default), "region", "departement", "structure", "adviser" */
	const char *code;      /* the région's or département's code */
	int64_t id;            /* the structure's or adviser's id */
	const char *side;      /* "session" (default: where the session took place) or "employer" */
	const char *from, *to; /* YYYY-MM-DD inclusive; default: the last 365 days to today */
	const char *curve;     /* "day", "week", "month" (default: day up to 92 days, else month) */
};

/* The figures Q asks for, within the actor's scope: {level, code, id, name, side, from, to, curve_unit, periods:
 * {current, previous, year_before} each {from, to, sessions, by_type {code: n}, accompaniments, workshops,
 * workshop_participants, workshop_mean (one decimal, text), new, already, hours}, shares: [{family, label, base,
 * total, items: [{code, label, n, pct}]}], curve: [{bucket, label, sessions, participants}], territories:
 * {level, items: [{code, name, sessions, participants, employer_sessions, employer_participants}]}, advisers:
 * {in_post, active, activation_pct, per_active_month (one decimal, text)}, active_definition}. Field errors on
 * the query's members (from, to, level, code, id, side, curve). */
TR_MUST_USE tr_err activity_stats(struct ctx *ctx, const struct activity_query *q, json_t **out);

/* Percentages of N[0..K) (integers summing to 100 when the total is positive, else all 0) by largest remainder:
 * each gets the floor of its exact share, then the largest remainders get one more (the earlier first on a
 * tie). */
void activity_largest_remainder(const int64_t *n, size_t k, int64_t *pct);

#endif
