/* The reference data snapshot: built from four queries, swapped whole under a mutex (never held during a build),
 * released by refcount. */
#include "domain/kernel/refsnap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/time.h"
#include "domain/kernel/common.h"

/* The current snapshot: replaced whole under LOCK (held for a pointer copy and a reference count, never during a
 * build); BUILD_LOCK makes one build at a time. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;
static struct refsnap *current;
static enum db_engine current_engine;
static atomic_bool background;    /* refsnap_refresh keeps CURRENT up to date */
static _Thread_local bool bumped; /* this thread's open transaction bumped the version */

static tr_err
read_version(struct db *db, struct arena *a, int64_t *version)
{
	struct db_rows *r;
	tr_err err = db_onev(db, a, "SELECT value FROM settings WHERE key = 'refdata_version'", &r);

	*version = err == TR_OK ? db_int(db_cell(r, 0, 0)) : 0;
	return err == TR_NOT_FOUND ? TR_OK : err;
}

static const char *
dup(struct arena *a, const struct db_val *v)
{
	return arena_strdup(a, db_text(v) ? db_text(v) : "");
}

/* Builds the snapshot of VERSION from DB into *OUT (its own arena; T for the rows read). */
static tr_err
build(struct db *db, struct arena *t, int64_t version, struct refsnap **out)
{
	struct db_rows *g, *d, *p, *j;
	struct refsnap *s;
	struct ref_region *rg;
	struct ref_departement *dp;
	struct ref_programme *pr;
	struct ref_job_profile *jp;
	struct arena *a;
	tr_err err;

	if ((err = db_queryv(db, t, "SELECT code, name FROM regions ORDER BY name_key, code", &g)) != TR_OK ||
	    (err = db_queryv(db, t, "SELECT code, name, region_code FROM departements ORDER BY code", &d)) != TR_OK ||
	    (err = db_queryv(
	         db, t, "SELECT id, code, name, active FROM programmes ORDER BY active DESC, name, id", &p)) != TR_OK ||
	    (err = db_queryv(db, t,
	         "SELECT id, programme_id, code, title, active FROM job_profiles ORDER BY programme_id, active DESC, "
	         "title, id",
	         &j)) != TR_OK)
		return err;
	a = arena_new();
	s = arena_alloc(a, sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->arena = a;
	s->version = version;
	rg = arena_alloc(a, (g->nrows + 1) * sizeof(*rg));
	for (size_t i = 0; i < g->nrows; i++)
		rg[i] = (struct ref_region){ dup(a, db_cell(g, i, 0)), dup(a, db_cell(g, i, 1)) };
	dp = arena_alloc(a, (d->nrows + 1) * sizeof(*dp));
	for (size_t i = 0; i < d->nrows; i++)
		dp[i] = (struct ref_departement){ dup(a, db_cell(d, i, 0)), dup(a, db_cell(d, i, 1)),
			dup(a, db_cell(d, i, 2)) };
	pr = arena_alloc(a, (p->nrows + 1) * sizeof(*pr));
	for (size_t i = 0; i < p->nrows; i++)
		pr[i] = (struct ref_programme){ db_int(db_cell(p, i, 0)), dup(a, db_cell(p, i, 1)),
			dup(a, db_cell(p, i, 2)), db_int(db_cell(p, i, 3)) == 1 };
	jp = arena_alloc(a, (j->nrows + 1) * sizeof(*jp));
	for (size_t i = 0; i < j->nrows; i++)
		jp[i] = (struct ref_job_profile){ db_int(db_cell(j, i, 0)), db_int(db_cell(j, i, 1)),
			dup(a, db_cell(j, i, 2)), dup(a, db_cell(j, i, 3)), db_int(db_cell(j, i, 4)) == 1 };
	s->regions = rg;
	s->nregions = g->nrows;
	s->departements = dp;
	s->ndepartements = d->nrows;
	s->programmes = pr;
	s->nprogrammes = p->nrows;
	s->job_profiles = jp;
	s->njob_profiles = j->nrows;
	atomic_init(&s->refs, 1); /* the reference held as current */
	*out = s;
	return TR_OK;
}

void
refsnap_release(const struct refsnap *cs)
{
	struct refsnap *s = (struct refsnap *)cs;

	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		arena_free(s->arena);
}

/* A new reference to the current snapshot when it is of VERSION (any when VERSION is -1) and of DB's engine,
 * else NULL. */
static struct refsnap *
take(struct db *db, int64_t version)
{
	struct refsnap *s = NULL;

	pthread_mutex_lock(&lock);
	if (current != NULL && (version < 0 || current->version == version) && current_engine == db_engine(db)) {
		atomic_fetch_add(&current->refs, 1);
		s = current;
	}
	pthread_mutex_unlock(&lock);
	return s;
}

/* Makes FRESH the current snapshot, unless the current one is of a later version (a slower build of an older
 * version finishing last). */
static void
publish(struct db *db, struct refsnap *fresh)
{
	struct refsnap *old;

	pthread_mutex_lock(&lock);
	if (current != NULL && current_engine == db_engine(db) && current->version > fresh->version) {
		old = fresh;
	} else {
		old = current;
		current = fresh;
		current_engine = db_engine(db);
	}
	pthread_mutex_unlock(&lock);
	refsnap_release(old);
}

/* Builds and publishes the snapshot of DB's version when the current one is not of it; *OUT (when given) a
 * reference to the current one after that. */
static tr_err
refresh(struct db *db, struct arena *t, bool *built, struct refsnap **out)
{
	struct refsnap *s, *fresh;
	int64_t version, started;
	tr_err err;

	if (built != NULL)
		*built = false;
	if ((err = read_version(db, t, &version)) != TR_OK)
		return err;
	if ((s = take(db, version)) == NULL) {
		pthread_mutex_lock(&build_lock);
		if ((s = take(db, version)) == NULL) {
			started = clock_mono_ms();
			if ((err = build(db, t, version, &fresh)) == TR_OK) {
				atomic_fetch_add(&fresh->refs, 1);
				publish(db, fresh);
				s = fresh;
				if (built != NULL)
					*built = true;
				if (atomic_load(&background))
					log_info("reference data: snapshot of version %lld built in %lld ms",
					    (long long)version, (long long)(clock_mono_ms() - started));
			}
		}
		pthread_mutex_unlock(&build_lock);
	}
	if (out != NULL)
		*out = s;
	else
		refsnap_release(s);
	return err;
}

tr_err
refsnap_refresh(struct db *db, bool *built)
{
	struct arena *t = arena_new();
	tr_err err = refresh(db, t, built, NULL);

	arena_free(t);
	return err;
}

void
refsnap_background(bool on)
{
	atomic_store(&background, on);
}

tr_err
refsnap_acquire(struct ctx *ctx, const struct refsnap **out)
{
	struct refsnap *s;
	tr_err err;

	*out = NULL;
	/* With the background builder: the current snapshot, whatever its version (it follows within a poll). */
	if (atomic_load(&background) && (s = take(ctx->db, -1)) != NULL) {
		*out = s;
		return TR_OK;
	}
	/* Otherwise one cheap read of the version (so that another server's write shows at once), and a build
	 * when it moved. */
	if ((err = refresh(ctx->db, ctx->arena, NULL, &s)) != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = s;
	return TR_OK;
}

tr_err
refsnap_bump(struct ctx *ctx)
{
	tr_err err = db_exec(ctx->db,
	    "INSERT INTO settings (key, value) VALUES ('refdata_version', '1') ON CONFLICT (key) DO UPDATE SET value = "
	    "CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
	    NULL, 0, NULL);

	if (err == TR_OK)
		bumped = true;
	return err;
}

void
refsnap_tx_ended(struct ctx *ctx, bool committed)
{
	bool built;

	if (!bumped)
		return;
	bumped = false;
	/* The writer's own request builds the snapshot of its write, so that its next page shows it; the other
	 * requests go on with the current one meanwhile. */
	if (committed && refsnap_refresh(ctx->db, &built) != TR_OK)
		log_error("reference data: the snapshot could not be rebuilt after a write: %s", db_errmsg(ctx->db));
}

const struct ref_region *
refsnap_region(const struct refsnap *s, const char *code)
{
	for (size_t i = 0; code != NULL && i < s->nregions; i++)
		if (strcmp(s->regions[i].code, code) == 0)
			return &s->regions[i];
	return NULL;
}

const struct ref_job_profile *
refsnap_job_profile(const struct refsnap *s, int64_t id)
{
	for (size_t i = 0; i < s->njob_profiles; i++)
		if (s->job_profiles[i].id == id)
			return &s->job_profiles[i];
	return NULL;
}

const struct ref_programme *
refsnap_programme(const struct refsnap *s, int64_t id)
{
	for (size_t i = 0; i < s->nprogrammes; i++)
		if (s->programmes[i].id == id)
			return &s->programmes[i];
	return NULL;
}

void
refsnap_shutdown(void)
{
	pthread_mutex_lock(&lock);
	refsnap_release(current);
	current = NULL;
	pthread_mutex_unlock(&lock);
}
