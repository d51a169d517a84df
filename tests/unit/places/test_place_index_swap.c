/* The background builder (domain/snapshots) on SQLite and PostgreSQL (TREMPLIN_TEST_PG): searches hammered from
 * several threads while the places change and places_version moves never see a torn index (every page comes whole
 * from one version: the names of one generation, the total of that generation), each thread's versions only move
 * forward, the reference data snapshot a writer commits is there for its next read, and an index read in two
 * halves at once is the one read in one. Run under ThreadSanitizer
 * as well: see docs/SNAPSHOTS.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/log.h"
#include "domain/kernel/common.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/refsnap.h"
#include "domain/places/place_search.h"
#include "domain/snapshots/snapshots.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define PLACES 300    /* places of every generation */
#define EXTRA 40      /* more places in the odd generations */
#define GENERATIONS 8 /* versions written while the readers search */
#define READERS 4     /* threads searching */
#define WAIT_MS 30000 /* the longest wait for the builder to catch up (a failure past it, not a timing) */

static struct {
	char url[700];
	struct db *db; /* the writer's connection */
	struct config cfg;
	int64_t version0; /* places_version of generation 0 */
	atomic_int done;
} suite;

/* ---- databases ---- */

static tr_err
exec(const char *sql)
{
	return db_exec(suite.db, sql, NULL, 0, NULL);
}

static int
group_setup(void **state)
{
	int applied = 0;
	tr_err err = TR_UNAVAILABLE;

	if (testdb.engine == DB_SQLITE) {
		if (testdb_sqlite_setup(state) != 0)
			return -1;
		testdb_sqlite_url(suite.url, sizeof(suite.url), "swap");
	} else {
		if (testdb_pg_setup(state) != 0)
			return -1;
		snprintf(suite.url, sizeof(suite.url), "%s", testdb.pg_url);
	}
	config_defaults(&suite.cfg);
	if ((suite.db = testdb_open(suite.url)) != NULL &&
	    (err = db_migrate(suite.db, embedded_migrations, &applied)) != TR_OK)
		print_error("setup: %s (%s)\n", tr_err_name(err), db_errmsg(suite.db));
	return err == TR_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	snapshots_stop();
	place_index_reset();
	refsnap_shutdown();
	db_close(suite.db);
	suite.db = NULL;
	return testdb.engine == DB_SQLITE ? testdb_sqlite_teardown(state) : testdb_pg_teardown(state);
}

/* Generation G of the places, in one transaction with the bump of places_version: PLACES places named
 * "Lieu gG n", and EXTRA more when G is odd, all within a few km of (45, 5). */
static tr_err
write_generation(int g)
{
	tr_err err = db_begin(suite.db);
	char id[16], nom[32];

	if (err == TR_OK)
		err = exec("DELETE FROM places");
	for (int i = 0; i < PLACES + (g % 2 ? EXTRA : 0) && err == TR_OK; i++) {
		snprintf(id, sizeof(id), "s-%04d", i);
		snprintf(nom, sizeof(nom), "Lieu g%d n%d", g, i);
		err = db_execv(suite.db,
		    "INSERT INTO places (id, pivot, nom, commune, code_postal, code_insee, adresse, latitude, "
		    "longitude, "
		    "date_maj, departement_code, region_code, created_at, updated_at) VALUES (?, '123456789', ?, "
		    "'Lyon', "
		    "'69001', '69381', '1 rue de la Paix', ?, ?, '2026-01-15', '69', '84', 0, 0)",
		    NULL, DB_TEXT(id), DB_TEXT(nom), DB_REAL(45.0 + (i % 17) * 0.01), DB_REAL(5.0 + (i % 23) * 0.01));
	}
	if (err == TR_OK)
		err = exec("UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = "
		           "'places_version'");
	if (err == TR_OK)
		return db_commit(suite.db);
	db_rollback(suite.db);
	return err;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the calling thread's index is of VERSION (the builder polls every SNAPSHOTS_POLL_MS). */
static const struct place_index *
wait_for_version(struct ctx *ctx, int64_t version)
{
	const struct place_index *idx = NULL;
	int64_t until = mono_ms() + WAIT_MS;

	while (mono_ms() < until) {
		assert_int_equal(place_index_get(ctx, &idx), TR_OK);
		if (place_index_version(idx) >= version)
			return idx;
		nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
	}
	fail_msg("the index did not reach version %lld", (long long)version);
	return NULL;
}

/* ---- the readers ---- */

struct reader {
	pthread_t tid;
	long searches, versions_seen;
	char failure[256]; /* empty: none */
};

/* One search: the places around (45, 5), a page of 100 by distance, checked whole against one generation. */
static bool
search_once(struct reader *r, struct arena *a, int64_t *last_version)
{
	struct ctx ctx = { .arena = a, .cfg = &suite.cfg, .now = 1795514700 };
	struct place_query q = {
		.has_point = true, .lat = 45.0, .lon = 5.0, .radius_km = 50, .netpublic = -1, .page = 2, .per_page = 100
	};
	const struct place_index *idx;
	struct place_results res;
	struct buf b = BUF_INIT(0);
	json_t *j, *items;
	int64_t version;
	int g;

	if (place_index_get(&ctx, &idx) != TR_OK || idx == NULL) {
		snprintf(r->failure, sizeof(r->failure), "no index");
		return false;
	}
	version = place_index_version(idx);
	if (version < *last_version) {
		snprintf(r->failure, sizeof(r->failure), "version %lld after %lld", (long long)version,
		    (long long)*last_version);
		return false;
	}
	r->versions_seen += version != *last_version;
	*last_version = version;
	g = (int)(version - suite.version0);
	if (place_search(&ctx, idx, &q, &res) != TR_OK || place_results_json(&res, &b) != TR_OK) {
		snprintf(r->failure, sizeof(r->failure), "search failed");
		buf_free(&b);
		return false;
	}
	j = json_loadb(b.p, b.n, 0, NULL);
	buf_free(&b);
	items = json_object_get(j, "items");
	if (json_integer_value(json_object_get(j, "total")) != PLACES + (g % 2 ? EXTRA : 0) ||
	    json_array_size(items) != 100 || res.total != place_index_count(idx))
		snprintf(r->failure, sizeof(r->failure), "version %lld (generation %d): total %lld, %zu items",
		    (long long)version, g, (long long)json_integer_value(json_object_get(j, "total")),
		    json_array_size(items));
	for (size_t i = 0; i < json_array_size(items) && r->failure[0] == '\0'; i++) {
		const char *nom = json_string_value(json_object_get(json_array_get(items, i), "nom"));
		char want[32];
		snprintf(want, sizeof(want), "Lieu g%d n", g);
		if (nom == NULL || strncmp(nom, want, strlen(want)) != 0)
			snprintf(r->failure, sizeof(r->failure),
			    "version %lld: item %zu is \"%s\", not of generation %d", (long long)version, i,
			    nom ? nom : "(none)", g);
	}
	json_decref(j);
	place_index_done(); /* as a request ends: the next search takes the current index again */
	r->searches++;
	return r->failure[0] == '\0';
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	int64_t last = 0;

	while (!atomic_load(&suite.done)) {
		struct arena *a = arena_new();
		bool ok = search_once(r, a, &last);
		arena_free(a);
		if (!ok)
			break;
	}
	return NULL;
}

/* ---- the tests ---- */

/* The index swapped under searches: every page whole from one version, versions only forward. */
static void
t_swap_under_searches(void **state)
{
	struct arena *a = arena_new();
	struct ctx ctx = { .arena = a, .db = suite.db, .cfg = &suite.cfg };
	struct reader readers[READERS];
	const struct place_index *idx;
	long searches = 0, swaps = 0;

	(void)state;
	assert_int_equal(write_generation(0), TR_OK);
	snapshots_start(suite.url);
	assert_int_equal(place_index_get(&ctx, &idx), TR_OK); /* built before snapshots_start returned */
	suite.version0 = place_index_version(idx);
	assert_int_equal(place_index_count(idx), PLACES);
	atomic_store(&suite.done, 0);
	memset(readers, 0, sizeof(readers));
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&readers[i].tid, NULL, reader_main, &readers[i]), 0);
	for (int g = 1; g <= GENERATIONS; g++) {
		assert_int_equal(write_generation(g), TR_OK);
		idx = wait_for_version(&ctx, suite.version0 + g);
		assert_int_equal(place_index_count(idx), PLACES + (g % 2 ? EXTRA : 0));
	}
	atomic_store(&suite.done, 1);
	for (int i = 0; i < READERS; i++) {
		pthread_join(readers[i].tid, NULL);
		if (readers[i].failure[0] != '\0')
			fail_msg("reader %d: %s", i, readers[i].failure);
		searches += readers[i].searches;
		swaps += readers[i].versions_seen;
	}
	print_message("%ld searches, %ld index changes seen by the readers\n", searches, swaps);
	assert_true(searches > 0);
	assert_true(swaps >= READERS); /* each saw at least its first index */
	arena_free(a);
}

/* A writer's commit that bumps refdata_version publishes the new snapshot before tx_end returns; a rollback does
 * not; readers take the current one without a query. */
static void
t_refsnap_after_commit(void **state)
{
	struct arena *a = arena_new();
	struct ctx ctx = { .arena = a, .db = suite.db, .cfg = &suite.cfg };
	const struct refsnap *before, *after;
	size_t n;

	(void)state;
	snapshots_start(suite.url); /* nothing when it runs already */
	assert_int_equal(refsnap_acquire(&ctx, &before), TR_OK);
	n = before->nprogrammes;
	assert_int_equal(tx_begin(&ctx), TR_OK);
	assert_int_equal(exec("INSERT INTO programmes (code, name, contract_min_months, contract_max_months, "
	                      "created_at, updated_at) VALUES ('swap-a', 'Programme A', 12, 36, 0, 0)"),
	    TR_OK);
	assert_int_equal(refsnap_bump(&ctx), TR_OK);
	assert_int_equal(tx_end(&ctx, TR_OK), TR_OK);
	assert_int_equal(refsnap_acquire(&ctx, &after), TR_OK);
	assert_int_equal(after->nprogrammes, n + 1);
	assert_true(after->version > before->version);
	refsnap_release(after);
	refsnap_release(before);

	assert_int_equal(tx_begin(&ctx), TR_OK);
	assert_int_equal(exec("INSERT INTO programmes (code, name, contract_min_months, contract_max_months, "
	                      "created_at, updated_at) VALUES ('swap-b', 'Programme B', 12, 36, 0, 0)"),
	    TR_OK);
	assert_int_equal(refsnap_bump(&ctx), TR_OK);
	assert_int_equal(tx_end(&ctx, TR_INVALID), TR_INVALID); /* rolled back */
	assert_int_equal(refsnap_acquire(&ctx, &after), TR_OK);
	assert_int_equal(after->nprogrammes, n + 1);
	refsnap_release(after);
	arena_free(a);
}

/* An index read in two halves on two connections (a large directory) is the one read in one: the same entries in
 * the same order, the same JSON, the same searches. */
static void
t_two_halves(void **state)
{
	struct arena *a = arena_new();
	struct ctx ctx = { .arena = a, .cfg = &suite.cfg, .now = 1795514700 };
	struct place_index *one, *two;
	struct db *db2 = testdb_open(suite.url);
	struct place_query q = {
		.has_point = true, .lat = 45.0, .lon = 5.0, .radius_km = 30, .netpublic = -1, .page = 3, .per_page = 50
	};
	struct place_results r1, r2;
	struct buf b1 = BUF_INIT(0), b2 = BUF_INIT(0);
	tr_err err;
	char id[16], nom[48];

	(void)state;
	assert_non_null(db2);
	assert_int_equal(db_begin(suite.db), TR_OK);
	assert_int_equal(exec("DELETE FROM places"), TR_OK);
	for (int i = 0; i < 5000; i++) { /* ids and names in different orders, some names alike */
		snprintf(id, sizeof(id), "h-%05d", (i * 7919) % 5000);
		snprintf(nom, sizeof(nom), "Lieu %c%d", 'A' + (i * 31) % 26, i % 700);
		err = db_execv(suite.db,
		    "INSERT INTO places (id, pivot, nom, commune, code_postal, code_insee, adresse, latitude, "
		    "longitude, "
		    "horaires, date_maj, departement_code, region_code, created_at, updated_at) VALUES (?, "
		    "'123456789', ?, "
		    "?, '69001', '69381', '1 rue de la Paix', ?, ?, ?, '2026-01-15', '69', '84', 0, 0)",
		    NULL, DB_TEXT(id), DB_TEXT(nom), DB_TEXT(i % 3 ? "Lyon" : "Vienne"),
		    DB_REAL(45.0 + (i % 97) * 0.003), DB_REAL(5.0 + (i % 89) * 0.003),
		    DB_TEXT(i % 2 ? "Mo-Fr 09:00-12:00" : "24/7"));
		assert_int_equal(err, TR_OK);
	}
	assert_int_equal(db_commit(suite.db), TR_OK);
	assert_int_equal(place_index_build(suite.db, 1, &one), TR_OK);
	assert_int_equal(place_index_build2(suite.db, db2, 1, &two), TR_OK);
	assert_int_equal(place_index_count(one), 5000);
	assert_int_equal(place_index_count(two), 5000);
	assert_int_equal(place_search(&ctx, one, &q, &r1), TR_OK);
	assert_int_equal(place_search(&ctx, two, &q, &r2), TR_OK);
	assert_int_equal(r1.total, r2.total);
	assert_int_equal(r1.n, 50);
	assert_int_equal(place_results_json(&r1, &b1), TR_OK);
	assert_int_equal(place_results_json(&r2, &b2), TR_OK);
	assert_int_equal(b1.n, b2.n);
	assert_memory_equal(b1.p, b2.p, b1.n);
	buf_reset(&b1);
	buf_reset(&b2);
	q = (struct place_query){ .netpublic = -1, .page = 1, .per_page = 100 };
	for (q.page = 1; q.page <= 50; q.page++) { /* every entry, in the index's order */
		assert_int_equal(place_search(&ctx, one, &q, &r1), TR_OK);
		assert_int_equal(place_search(&ctx, two, &q, &r2), TR_OK);
		assert_int_equal(place_results_json(&r1, &b1), TR_OK);
		assert_int_equal(place_results_json(&r2, &b2), TR_OK);
	}
	assert_int_equal(b1.n, b2.n);
	assert_memory_equal(b1.p, b2.p, b1.n);
	buf_free(&b1);
	buf_free(&b2);
	place_index_release(one);
	place_index_release(two);
	db_close(db2);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_swap_under_searches),
		cmocka_unit_test(t_refsnap_after_commit),
		cmocka_unit_test(t_two_halves),
	};
	const struct testdb_fixtures fixtures = { group_setup, group_teardown, group_setup, group_teardown };
	int failed;

	log_set_level(LOG_WARN);
	failed = testdb_run("place_index_swap", tests, N_ELEMS(tests), &fixtures);
	return failed == 0 ? 0 : 1;
}
