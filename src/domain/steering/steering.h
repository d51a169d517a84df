/* The steering figures as a table of indicators: each one an id, a title, a note saying how it is computed, a
 * query over the rows of the actor's scope (national reach: everything; regional officers and poles: their
 * regions; employers: their own organisation) and a chart kind. Every figure is computed from the live tables at
 * the request, with the same figure over the previous period beside it. The money (subsidies) and activity
 * figures are more rows of the same table. */
#ifndef TR_DOMAIN_STEERING_H
#define TR_DOMAIN_STEERING_H

#include <jansson.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "model/kernel/vocab.h"

/* Who sees the figures: national officers, steering members (viewer), admins, regional officers and poles
 * (their regions), employers (their organisation). */
#define STEER_ROLES                                                                                         \
	(ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_VIEWER) | ROLE_BIT(ROLE_REGIONAL) | \
	    ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_EMPLOYER))
/* Who reads the national figures and writes the national annual report. */
#define STEER_NATIONAL (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_VIEWER))

enum steer_chart {
	STEER_BARS, /* horizontal bars, one group per row */
	STEER_LINE, /* a curve over the rows (months), the second column dashed (the target) */
};

/* How the tallies of an indicator make its table. */
enum steer_agg {
	STEER_SUM,  /* per key: the sums of the (up to three) values */
	STEER_DIST, /* per key: the number of values, their median and 90th percentile (nearest rank) */
};

struct steer_calc;
struct steer_source;
struct db_rows;

/* What one fact row of a source adds to an indicator's table for one period (the calc says which). */
typedef void (*steer_tally_fn)(struct steer_calc *c, const struct db_rows *r, size_t i);

struct steer_tally {
	const struct steer_source *source;
	steer_tally_fn fn;
};

#define STEER_TALLIES_MAX 4

/* One indicator: a row of the table. Its figures come from sources (domain/steering/steering.c: one query per
 * table, read once per request over the period and the previous one, within the reader's scope) through its
 * tallies: each fact row of a source is offered to the tally of each period, which adds it to rows by key. */
struct indicator {
	const char *id;
	const char *section;
	const char *title;
	const char *note; /* how it is computed, in French */
	enum steer_chart chart;
	const char *key_label;    /* the header of the first column */
	const char *columns[3];   /* the headers of the value columns (NULL-ended) */
	const struct vocab *keys; /* when set, the rows in this order, every one shown (0 when absent); else by key */
	enum steer_agg agg;
	struct steer_tally tally[STEER_TALLIES_MAX];
	void (*finish)(struct steer_calc *c); /* NULL: none; may add, change or remove rows */
	const char *unit;                     /* "" for counts, "jours", "%", "€" */
};

extern const struct indicator steer_indicators[];
extern const size_t steer_indicators_count;

/* The sections of the dashboard, in order: {id, French title}. */
struct steer_section {
	const char *id;
	const char *title;
};
extern const struct steer_section steer_sections[];
extern const size_t steer_sections_count;

/* The indicator whose id is ID, or NULL. */
const struct indicator *steer_indicator(const char *id);

/* What is asked: a programme, a period (first and last day), optionally one region. */
struct steer_query {
	int64_t programme_id;  /* 0: the first programme */
	const char *from, *to; /* NULL: the current calendar year */
	const char *region;    /* NULL: every region of the actor's scope */
};

/* Checks and completes Q for the actor: the programme exists (the first one when 0), the dates are days with
 * FROM <= TO (default: this calendar year), the region is one the actor covers. TR_INVALID with field errors
 * (programme, from, to, region), TR_FORBIDDEN for a role without figures, TR_UNAUTHORIZED when anonymous. */
TR_MUST_USE tr_err steer_query_check(struct ctx *ctx, struct steer_query *q);

/* The figure of indicator IND for Q (checked), over the period and the previous one: {id, section, title, note,
 * chart, unit, key_label, columns [labels], rows [{key, label, values [..], previous [..]}], period {from, to},
 * previous_period {from, to}}. *OUT is owned by the caller. */
TR_MUST_USE tr_err steer_figure(
    struct ctx *ctx, const struct steer_query *q, const struct indicator *ind, json_t **out);

/* Every figure for Q (checked), in the table's order: {programme {id, name, target_posts}, period, previous_period,
 * region, scope (French), sections [{id, title, figures [..]}]}. */
TR_MUST_USE tr_err steer_dashboard(struct ctx *ctx, const struct steer_query *q, json_t **out);

/* The previous period of [FROM, TO]: the same number of whole months before it when the period is whole months,
 * else the same number of days. In the arena. */
void steer_previous(struct ctx *ctx, const char *from, const char *to, const char **pfrom, const char **pto);

/* The programmes the actor may pick (id, name), for the forms. */
TR_MUST_USE tr_err steer_programmes(struct ctx *ctx, json_t **out);

/* The flat rows of a figure for an export: one object per row with "label", "v0".."v2" and "p0".."p2" (the
 * previous period), and the columns to write them with (labels in French), in *COLS (arena). */
struct export_column;
json_t *steer_export_rows(struct ctx *ctx, json_t *figure, const struct export_column **cols, size_t *ncols);

#endif
