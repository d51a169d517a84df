/* Programmes (dispositifs) as data: their rules, job profiles, resource poles and regional targets;
 * loading the shipped ones, editing by national officers, and the posts requested, granted and aimed
 * at per region. */
#ifndef TR_DOMAIN_PROGRAMME_H
#define TR_DOMAIN_PROGRAMME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* Inserts the programmes of data/programmes.json (compiled in) whose code is absent, with their job
 * profiles and poles; programmes already there are left as national officers edited them. *ADDED
 * receives the number of programmes inserted. Runs in its own transaction. */
TR_MUST_USE tr_err programme_seed(struct ctx *ctx, int64_t *added);

/* Every programme, active first then by name: {items: [{id, code, name, target_posts, active, …}]}.
 * Public. */
TR_MUST_USE tr_err programme_list(struct ctx *ctx, json_t **out);

/* Programme ID with its job_profiles (active first), poles (with region names), region_targets and
 * quotas (see programme_quotas). Public, like the circular. TR_NOT_FOUND. */
TR_MUST_USE tr_err programme_get(struct ctx *ctx, int64_t id, json_t **out);

/* Creates or updates a programme (national officers and admins). employer_categories is a '|'-joined
 * list of vocab_employer_category codes (or a JSON array); contract bounds must be ordered. Updates check
 * VERSION (TR_CONFLICT when stale). Journaled. */
TR_MUST_USE tr_err programme_create(struct ctx *ctx, json_t *in, int64_t *id);
TR_MUST_USE tr_err programme_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Job profiles of a programme (national officers and admins). The code is unique within the programme. */
TR_MUST_USE tr_err job_profile_create(struct ctx *ctx, int64_t programme_id, json_t *in, int64_t *id);
TR_MUST_USE tr_err job_profile_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);
/* A job profile with its programme id, or TR_NOT_FOUND. Public. */
TR_MUST_USE tr_err job_profile_get(struct ctx *ctx, int64_t id, json_t **out);

/* Removes job profile ID: deleted when no dossier names it, otherwise deactivated (*DEACTIVATED true),
 * never deleted. */
TR_MUST_USE tr_err job_profile_remove(struct ctx *ctx, int64_t id, int64_t version, bool *deactivated);

/* Per region of programme ID: posts requested (dossiers under review or validated), granted (validated)
 * and the region's target (null when none), plus the totals and the programme's target:
 * {target, requested, granted, regions: [{region_code, region_name, requested, granted, target}]}. */
TR_MUST_USE tr_err programme_quotas(struct ctx *ctx, int64_t id, json_t **out);

/* Sets the share of programme ID's target given to REGION (an INSEE region code) to TARGET posts, or removes it
 * when TARGET < 0 (national officers and admins; journaled). A validation past it needs an override. */
TR_MUST_USE tr_err programme_set_region_target(struct ctx *ctx, int64_t id, const char *region, int64_t target);

/* The programme row as JSON (its rules), or TR_NOT_FOUND. For the domain's own checks. */
TR_MUST_USE tr_err programme_rules(struct ctx *ctx, int64_t id, json_t **out);

#endif
