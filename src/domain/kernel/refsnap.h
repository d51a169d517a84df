/* Reference data held in memory: regions, départements, programmes and their job profiles, as one immutable
 * snapshot replaced whole when it changes. Every write to those tables bumps settings.refdata_version in its
 * transaction (refsnap_bump). In the server, a background thread (domain/snapshots) rebuilds the snapshot when the
 * version moves and the writer's own request rebuilds it after its commit; readers only take a reference to the
 * current one. Elsewhere (tests, commands) a reader reads the version and the first to see it move builds. */
#ifndef TR_DOMAIN_REFSNAP_H
#define TR_DOMAIN_REFSNAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

struct db;

struct ref_region {
	const char *code, *name;
};

struct ref_departement {
	const char *code, *name, *region_code;
};

struct ref_programme {
	int64_t id;
	const char *code, *name;
	bool active;
};

struct ref_job_profile {
	int64_t id, programme_id;
	const char *code, *title;
	bool active;
};

/* One version of the reference data. Never changed once built; lives until its last reader releases it. */
struct refsnap {
	int64_t version;
	const struct ref_region *regions; /* by name (accents and case folded) */
	size_t nregions;
	const struct ref_departement *departements; /* by code */
	size_t ndepartements;
	const struct ref_programme *programmes; /* active first, then by name */
	size_t nprogrammes;
	const struct ref_job_profile *job_profiles; /* by programme, active first, then title */
	size_t njob_profiles;
	struct arena *arena; /* owns all of the above */
	atomic_long refs;
};

/* The current snapshot in *OUT, to be given back with refsnap_release. With the background builder
 * (refsnap_background): the one it last built, without a query. Otherwise: one query for the version, four more
 * when the snapshot must be built. Storage errors as they are, with the French message set. */
TR_MUST_USE tr_err refsnap_acquire(struct ctx *ctx, const struct refsnap **out);

/* Gives back a snapshot taken with refsnap_acquire. NULL is allowed. */
void refsnap_release(const struct refsnap *s);

/* Inside the transaction of a write to regions, départements, programmes or job profiles: bumps
 * settings.refdata_version, so that the next snapshot is built (by tx_end's refsnap_tx_ended once the transaction
 * commits, by the background builder for the writes of other servers). */
TR_MUST_USE tr_err refsnap_bump(struct ctx *ctx);

/* Called by tx_end when a transaction ends: when it committed a refsnap_bump, the snapshot of the new version is
 * built on this thread (the writer's request) and published. */
void refsnap_tx_ended(struct ctx *ctx, bool committed);

/* Reads settings.refdata_version on DB and, when the current snapshot is not of it, builds and publishes the new
 * one (*BUILT, when given, tells whether it did). Readers go on with the previous snapshot meanwhile. Called by the
 * background builder (domain/snapshots). Storage errors as they are. */
TR_MUST_USE tr_err refsnap_refresh(struct db *db, bool *built);

/* ON: refsnap_acquire takes the current snapshot without reading the version (the background builder follows
 * it); OFF (the default): it reads the version on each call. */
void refsnap_background(bool on);

/* Lookups in S; NULL when absent. */
const struct ref_region *refsnap_region(const struct refsnap *s, const char *code);
const struct ref_job_profile *refsnap_job_profile(const struct refsnap *s, int64_t id);
const struct ref_programme *refsnap_programme(const struct refsnap *s, int64_t id);

/* Frees the current snapshot at exit (tests, leak checkers); no reader may hold one. */
void refsnap_shutdown(void);

#endif
