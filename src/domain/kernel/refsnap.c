/* The reference data snapshot: built from five queries, swapped whole under a mutex, released by refcount. */
#include "domain/kernel/refsnap.h"

#include <pthread.h>
#include <string.h>

#include "core/arena.h"
#include "domain/kernel/common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct refsnap *current;
static enum db_engine current_engine;

static tr_err
read_version(struct ctx *ctx, int64_t *version)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, "SELECT value FROM settings WHERE key = 'refdata_version'", &r);

	*version = err == TR_OK ? db_int(db_cell(r, 0, 0)) : 0;
	return err == TR_NOT_FOUND ? TR_OK : err;
}

static const char *
dup(struct arena *a, const struct db_val *v)
{
	return arena_strdup(a, db_text(v) ? db_text(v) : "");
}

/* Builds the snapshot of VERSION into *OUT (its own arena). */
static tr_err
build(struct ctx *ctx, int64_t version, struct refsnap **out)
{
	struct db_rows *g, *d, *p, *j;
	struct refsnap *s;
	struct ref_region *rg;
	struct ref_departement *dp;
	struct ref_programme *pr;
	struct ref_job_profile *jp;
	struct arena *a;
	tr_err err;

	if ((err = db_queryv(ctx->db, ctx->arena, "SELECT code, name FROM regions ORDER BY name_key, code", &g)) !=
	        TR_OK ||
	    (err = db_queryv(
	         ctx->db, ctx->arena, "SELECT code, name, region_code FROM departements ORDER BY code", &d)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, code, name, active FROM programmes ORDER BY active DESC, name, id", &p)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
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

tr_err
refsnap_acquire(struct ctx *ctx, const struct refsnap **out)
{
	struct refsnap *fresh = NULL;
	int64_t version;
	tr_err err;

	*out = NULL;
	/* One cheap read of the version (so that another server's write shows at once), outside the lock. */
	if ((err = read_version(ctx, &version)) != TR_OK)
		return ctx_storage_error(ctx, err);
	pthread_mutex_lock(&lock);
	if (current == NULL || current->version != version || current_engine != db_engine(ctx->db)) {
		if ((err = build(ctx, version, &fresh)) == TR_OK) {
			refsnap_release(current);
			current = fresh;
			current_engine = db_engine(ctx->db);
		}
	}
	if (err == TR_OK) {
		atomic_fetch_add(&current->refs, 1);
		*out = current;
	}
	pthread_mutex_unlock(&lock);
	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
refsnap_bump(struct ctx *ctx)
{
	return db_exec(ctx->db,
	    "INSERT INTO settings (key, value) VALUES ('refdata_version', '1') ON CONFLICT (key) DO UPDATE SET value = "
	    "CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
	    NULL, 0, NULL);
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
