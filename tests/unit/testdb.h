/* The databases of the unit tests that touch storage. Every suite runs once on SQLite, with files in a temporary
 * directory of its own, and once more on PostgreSQL when TREMPLIN_TEST_PG names a server, in databases of its own
 * named after the suite and the process, so that suites running at once never meet. */
#ifndef TR_TESTS_TESTDB_H
#define TR_TESTS_TESTDB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"

/* The half that runs, and where its databases are. */
struct testdb {
	enum db_engine engine;
	const char *suite; /* names the groups, the directory and the databases ("journal") */
	char dir[96];      /* SQLite: the suite's temporary directory */
	char pg_base[512]; /* PostgreSQL: the server (TREMPLIN_TEST_PG) */
	char pg_name[64];  /* PostgreSQL: the suite's database, test_SUITE_PID */
	char pg_url[600];  /* and its URL */
	int seq;           /* numbers the databases a suite makes */
};

extern struct testdb testdb;

/* Opens URL; prints why and returns NULL when it cannot. */
struct db *testdb_open(const char *url);

/* The URL of a new SQLite file of the suite's directory ("sqlite:DIR/PREFIX<n>.db"), into DST. */
void testdb_sqlite_url(char *dst, size_t n, const char *prefix);

/* The URL of database NAME on the PostgreSQL server, into DST. */
void testdb_pg_url(char *dst, size_t n, const char *name);

/* Runs SQL (CREATE or DROP DATABASE, one statement) on the server's own database; prints why on failure. */
TR_MUST_USE tr_err testdb_pg_admin(const char *sql);

/* Creates database NAME, dropped first if it exists, as a copy of TEMPLATE when not NULL. */
TR_MUST_USE tr_err testdb_pg_create(const char *name, const char *template);

/* Drops database NAME, closing its connections. */
TR_MUST_USE tr_err testdb_pg_drop(const char *name);

/* cmocka group fixtures. SQLite: the suite's directory is made, then removed with its files. PostgreSQL: the
 * suite's database (testdb.pg_name, testdb.pg_url) is created empty, then dropped. */
int testdb_sqlite_setup(void **state);
int testdb_sqlite_teardown(void **state);
int testdb_pg_setup(void **state);
int testdb_pg_teardown(void **state);

/* The group fixtures of each half; NULL members are the ones above. */
struct testdb_fixtures {
	CMFixtureFunction sqlite_setup, sqlite_teardown, pg_setup, pg_teardown;
};

/* Runs the N TESTS as the group "SUITE sqlite", then "SUITE postgresql" on the server TREMPLIN_TEST_PG names, each
 * between the fixtures of its engine (FIX may be NULL). Returns the number of failures; a missing TREMPLIN_TEST_PG is
 * one (the PostgreSQL half must not pass by not running). */
int testdb_run(const char *suite, const struct CMUnitTest *tests, size_t n, const struct testdb_fixtures *fix);

#endif
