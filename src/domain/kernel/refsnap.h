/* Reference data held in memory: regions, départements, programmes and their job profiles, as one immutable
 * snapshot replaced whole when it changes. Every write to those tables bumps settings.refdata_version in its
 * transaction (refsnap_bump); a reader takes the current snapshot (refcounted) after one read of that version,
 * and the first reader to see it move builds the next snapshot (so another server's writes show at once). */
#ifndef TR_DOMAIN_REFSNAP_H
#define TR_DOMAIN_REFSNAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

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

/* The current snapshot in *OUT, to be given back with refsnap_release: one query for the version, four more
 * when the snapshot must be built. Storage errors as they are, with the French message set. */
TR_MUST_USE tr_err refsnap_acquire(struct ctx *ctx, const struct refsnap **out);

/* Gives back a snapshot taken with refsnap_acquire. NULL is allowed. */
void refsnap_release(const struct refsnap *s);

/* Inside the transaction of a write to regions, départements, programmes or job profiles: bumps
 * settings.refdata_version, so that the next reader builds a new snapshot. */
TR_MUST_USE tr_err refsnap_bump(struct ctx *ctx);

/* Lookups in S; NULL when absent. */
const struct ref_region *refsnap_region(const struct refsnap *s, const char *code);
const struct ref_job_profile *refsnap_job_profile(const struct refsnap *s, int64_t id);
const struct ref_programme *refsnap_programme(const struct refsnap *s, int64_t id);

/* Frees the current snapshot at exit (tests, leak checkers); no reader may hold one. */
void refsnap_shutdown(void);

#endif
