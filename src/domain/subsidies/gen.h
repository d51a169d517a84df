/* A national-size synthetic data set for the subsidies (`tremplin gen contracts`) and the recomputation of every
 * schedule (`tremplin aid recompute`): for measuring, never for real use. */
#ifndef TR_DOMAIN_SUBSIDY_GEN_H
#define TR_DOMAIN_SUBSIDY_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

struct sub_gen {
	int64_t contracts;   /* Emplois d'avenir contracts, each with its hourly aid decision */
	int64_t conventions; /* Conseillers numériques conventions of one to three posts, one employer each */
	int64_t requests;    /* approved payment requests of hourly aid, waiting for a payment order */
	uint64_t seed;       /* 0: 1 */
};

/* What was made (or recomputed). */
struct sub_gen_stats {
	int64_t employers, contracts, periods, ended, conventions, posts, filled, returned, requests;
	int64_t lines, total_cents; /* the current schedule lines made and their sum */
};

/* Adds G's data set: employers (a SIRET, a commune, valid bank details), and for the hourly aid of the Emplois
 * d'avenir programme a validated dossier and an offer for each, candidates and their contracts (2013–2017, full or
 * part time, CDD or CDI, some suspended, partly paid or ended early for every reason), their aid decisions at the
 * rate of the employer's sector (75 %, 35 %, 47 %: the rules' rows); for the lump sums of Conseillers numériques,
 * conventions under every rule (both waves, public and private, overseas variants, bonuses) with their posts
 * vacant, filled or returned. The rows are bulk inserts (bound parameters) in batches of one transaction each; every
 * schedule is then computed and stored by the domain's own path (sub_recompute, sub_post_compute: versions,
 * journal). Last, G->requests approved payment requests each hold the lines of a month of a decision (as
 * payreq_create then the approval would), ready for payorder_create. Needs `tremplin seed` (programmes, rules,
 * communes). A batch failing leaves the batches before it. */
TR_MUST_USE tr_err sub_generate(struct ctx *ctx, const struct sub_gen *g, struct sub_gen_stats *st);

/* Recomputes the current schedule of every aid decision and every filled post as the engine gives it today; with
 * PERSIST, stores each as a new version (paid and held lines kept, adjustments and recoveries as for any change,
 * journaled), in one transaction, with national reach (ctx's actor must be national or the operator); without it,
 * writes nothing (the engine and its reads alone). ST counts the schedules (contracts: decisions, posts) and
 * their lines. */
TR_MUST_USE tr_err sub_recompute_all(struct ctx *ctx, bool persist, struct sub_gen_stats *st);

#endif
