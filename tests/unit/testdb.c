/* The databases of the unit tests: see testdb.h. */
#include "testdb.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct testdb testdb;

struct db *
testdb_open(const char *url)
{
	char err[256];
	struct db *db = NULL;

	if (db_open(url, &db, err, sizeof(err)) != TR_OK) {
		print_error("cannot open %s: %s\n", url, err);
		return NULL;
	}
	return db;
}

void
testdb_sqlite_url(char *dst, size_t n, const char *prefix)
{
	snprintf(dst, n, "sqlite:%s/%s%d.db", testdb.dir, prefix, ++testdb.seq);
}

void
testdb_pg_url(char *dst, size_t n, const char *name)
{
	snprintf(dst, n, "%s%sdbname=%s", testdb.pg_base, strchr(testdb.pg_base, '?') ? "&" : "?", name);
}

tr_err
testdb_pg_admin(const char *sql)
{
	struct db *db = testdb_open(testdb.pg_base);
	tr_err err;

	if (db == NULL)
		return TR_UNAVAILABLE;
	err = db_exec_script(db, sql);
	if (err != TR_OK)
		print_error("%s: %s\n", sql, db_errmsg(db));
	db_close(db);
	return err;
}

tr_err
testdb_pg_drop(const char *name)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	return testdb_pg_admin(sql);
}

tr_err
testdb_pg_create(const char *name, const char *template)
{
	char sql[200];
	tr_err err = testdb_pg_drop(name);

	/* CREATE DATABASE cannot run inside a multi-statement script's implicit transaction: one at a time. */
	if (template != NULL)
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s", name, template);
	else
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	return err == TR_OK ? testdb_pg_admin(sql) : err;
}

int
testdb_sqlite_setup(void **state)
{
	(void)state;
	snprintf(testdb.dir, sizeof(testdb.dir), "/tmp/test_%s.XXXXXX", testdb.suite);
	if (mkdtemp(testdb.dir) == NULL) {
		print_error("mkdtemp %s failed\n", testdb.dir);
		return -1;
	}
	return 0;
}

int
testdb_sqlite_teardown(void **state)
{
	DIR *d = opendir(testdb.dir);
	struct dirent *e;
	char path[400];

	(void)state;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", testdb.dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(testdb.dir);
	return 0;
}

int
testdb_pg_setup(void **state)
{
	(void)state;
	return testdb_pg_create(testdb.pg_name, NULL) == TR_OK ? 0 : -1;
}

int
testdb_pg_teardown(void **state)
{
	(void)state;
	return testdb_pg_drop(testdb.pg_name) == TR_OK ? 0 : -1;
}

int
testdb_run(const char *suite, const struct CMUnitTest *tests, size_t n, const struct testdb_fixtures *fix)
{
	static const struct testdb_fixtures none;
	const char *pg = getenv("TREMPLIN_TEST_PG");
	char group[80];
	int failed;

	fix = fix ? fix : &none;
	memset(&testdb, 0, sizeof(testdb));
	testdb.suite = suite;
	testdb.engine = DB_SQLITE;
	snprintf(group, sizeof(group), "%s sqlite", suite);
	failed = _cmocka_run_group_tests(group, tests, n, fix->sqlite_setup ? fix->sqlite_setup : testdb_sqlite_setup,
	    fix->sqlite_teardown ? fix->sqlite_teardown : testdb_sqlite_teardown);
	if (pg == NULL || *pg == '\0') {
		/* Not a pass: the PostgreSQL half did not run (tests/run.sh always gives a server). */
		printf("test_%s: TREMPLIN_TEST_PG is not set: the PostgreSQL half cannot run: FAILED\n", suite);
		return failed + 1;
	}
	testdb.engine = DB_POSTGRES;
	testdb.seq = 0;
	snprintf(testdb.pg_base, sizeof(testdb.pg_base), "%s", pg);
	snprintf(testdb.pg_name, sizeof(testdb.pg_name), "test_%s_%ld", suite, (long)getpid());
	testdb_pg_url(testdb.pg_url, sizeof(testdb.pg_url), testdb.pg_name);
	snprintf(group, sizeof(group), "%s postgresql", suite);
	return failed + _cmocka_run_group_tests(group, tests, n, fix->pg_setup ? fix->pg_setup : testdb_pg_setup,
	                    fix->pg_teardown ? fix->pg_teardown : testdb_pg_teardown);
}
