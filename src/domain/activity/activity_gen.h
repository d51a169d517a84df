/* Realistic activity reports for the benchmark (`tremplin gen activity`) and the demo. */
#ifndef TR_DOMAIN_ACTIVITY_GEN_H
#define TR_DOMAIN_ACTIVITY_GEN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

struct arena;

struct activity_gen {
	int64_t count;      /* reports */
	int64_t advisers;   /* advisers, four to a structure (made once: conseiller-NNNNN@gen.tremplin.invalid) */
	int64_t days;       /* the sessions fall in the DAYS days before today */
	int64_t batch;      /* lines a batch */
	uint64_t seed;      /* 0: a fixed default */
	const char *prefix; /* of the source ids: PREFIX-N */
};

/* Called with each batch of NDJSON lines (N bytes); returns TR_OK to go on. */
typedef tr_err (*activity_gen_write_fn)(void *ud, const char *lines, size_t n);

/* Makes G's advisers (their structures on the most populated communes) if they are missing, then hands G->count
 * reports to WRITE in batches of G->batch lines, each with its source_id and adviser_id. Deterministic for a seed. */
TR_MUST_USE tr_err activity_generate(
    struct ctx *ctx, const struct activity_gen *g, activity_gen_write_fn write, void *ud);

/* One report of a session on DATE (YYYY-MM-DD) at COMMUNE (OTHER_COMMUNE for « autre lieu »), drawn from S with the
 * usual frequencies; strings in A. The caller owns the result. */
json_t *activity_gen_report(
    uint64_t *s, struct arena *a, const char *date, const char *commune, const char *other_commune);

#endif
