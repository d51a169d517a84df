/* Open data: the aggregates by programme × year × région / département × job profile (posts granted,
 * recruitments, exits, exits into a lasting job), with statistical secrecy: no published cell under 5, and
 * secondary suppression so that no suppressed cell can be recomputed from the totals published beside it. */
#ifndef TR_DOMAIN_OPENDATA_H
#define TR_DOMAIN_OPENDATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/kernel/ctx.h"

/* The smallest count published. */
#define OPENDATA_MIN_CELL 5
/* What a suppressed cell holds in the files. */
#define OPENDATA_SECRET "s"

/* The measures of the aggregates: column names of the CSV, French titles. */
struct opendata_measure {
	const char *name, *title;
};
extern const struct opendata_measure opendata_measures[];
extern const size_t opendata_measures_count;

/* Secondary suppression on a table of R × C cells with their margins, given as an (R + 1) × (C + 1) row-major
 * array V (row R holds the columns' totals, column C the rows' totals, V[R][C] the grand total); SECRET (same
 * shape) is set for every cell under MIN, then for as many more as needed so that no suppressed cell can be
 * recomputed from the published cells of the table, any combination of its rows and columns together, knowing
 * that every cell is a count (>= 0): for each secret cell there is another table of counts that agrees with every
 * published cell and gives it another value (checked exactly: a cycle of secret cells through it along which
 * one unit can move). So no row and no column holds exactly one secret, and two secrets whose sum is known to be
 * 0 are protected too. Cells picked second are the smallest inner ones that protect, a margin only when no inner
 * cell does. Not guaranteed: a secret's range may be narrow (two values); other tables (another year, measure
 * or programme) are not taken into account. */
void opendata_suppress(const long long *v, bool *secret, size_t r, size_t c, long long min);

/* Every aggregate row, suppression applied: {fields [{name, type, title}], rows [{…}]} where each row has
 * dispositif, dispositif_nom, annee, niveau ("departement_metier", "departement", "region_metier", "region"),
 * region_code, region, departement_code, departement, metier_code, metier and the measures (an integer, or "s").
 * Public: no actor needed. */
TR_MUST_USE tr_err opendata_aggregates(struct ctx *ctx, json_t **out);

/* The TableSchema (frictionless) of the aggregates file, and the DCAT-AP catalogue (JSON-LD) of every file under
 * BASE_URL, the daily file dated TODAY. Owned by the caller. */
json_t *opendata_schema(void);
struct arena;
json_t *opendata_catalogue(struct arena *a, const char *base_url, const char *today);

#endif
