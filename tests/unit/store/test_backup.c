/* tremplin backup and restore at the store layer (store/backup.h), on both engines: a backup restores to the same
 * rows, never overwrites a file, and a restore goes into an empty database only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define MIG(name, sql)                         \
	{                                      \
		(name), (sql), sizeof(sql) - 1 \
	}

static const struct embedded_file migrations[] = {
	MIG("0001_item.sql", "CREATE TABLE item (id @ID@, name TEXT NOT NULL UNIQUE, data @BLOB@);\n"),
	MIG("0002_child.sql", "CREATE TABLE child (id @ID@, item_id BIGINT NOT NULL REFERENCES item (id));\n"),
	{ NULL, NULL, 0 },
};

static const unsigned char blob[] = { 'a', 0, 0xff, '\\', 'x' };

/* The PostgreSQL databases a test made, dropped at its end. */
static char made[8][96];
static int nmade;

static void
drop_made(void)
{
	for (int i = 0; i < nmade; i++)
		assert_int_equal(testdb_pg_drop(made[i]), TR_OK);
	nmade = 0;
}

/* A new empty database of the engine: a new SQLite file, or a new PostgreSQL database named NAME. */
static void
empty_url(char *dst, size_t n, const char *name)
{
	if (testdb.engine == DB_SQLITE) {
		testdb_sqlite_url(dst, n, name);
		return;
	}
	char full[96];
	snprintf(full, sizeof(full), "%s_%s", testdb.pg_name, name);
	assert_int_equal(testdb_pg_create(full, NULL), TR_OK);
	assert_true(nmade < 8);
	snprintf(made[nmade++], sizeof(made[0]), "%s", full);
	testdb_pg_url(dst, n, full);
}

static void
backup_file(char *dst, size_t n, const char *name)
{
	snprintf(dst, n, "/tmp/tremplin-test-backup-%d-%s-%s", (int)getpid(), name,
	    testdb.engine == DB_SQLITE ? "sqlite" : "pg");
	unlink(dst);
}

/* "name|length(data)|children" of every item, in id order. */
static char *
summary(const char *url, struct arena *a)
{
	struct db *db = testdb_open(url);
	struct db_rows *r;
	char *out = arena_strdup(a, "");

	assert_non_null(db);
	assert_int_equal(
	    db_query(db, a,
	        "SELECT i.id, i.name, length(i.data), (SELECT count(*) FROM child c WHERE c.item_id = i.id) "
	        "FROM item i ORDER BY i.id",
	        NULL, 0, &r),
	    TR_OK);
	for (size_t i = 0; i < r->nrows; i++)
		out = arena_printf(a, "%s%lld|%s|%lld|%lld\n", out, (long long)db_int(db_cell(r, i, 0)),
		    db_text(db_cell(r, i, 1)), (long long)db_int(db_cell(r, i, 2)),
		    (long long)db_int(db_cell(r, i, 3)));
	db_close(db);
	return out;
}

static void
t_backup_restore(void **state)
{
	struct arena *a = arena_new();
	char src[700], dst[700], other[700], file[256];
	struct db *db;
	int applied = 0;
	int64_t version = 0, id = 0;
	char why[512];

	(void)state;
	empty_url(src, sizeof(src), "src");
	assert_non_null(db = testdb_open(src));
	assert_int_equal(db_migrate(db, migrations, &applied), TR_OK);
	for (int i = 0; i < 50; i++) {
		struct db_rows *r;
		char name[32];
		snprintf(name, sizeof(name), "item %d é", i);
		assert_int_equal(db_onev(db, a, "INSERT INTO item (name, data) VALUES (?, ?) RETURNING id", &r,
		                     DB_TEXT(name), DB_BLOB(blob, sizeof(blob))),
		    TR_OK);
		id = db_int(db_cell(r, 0, 0));
		if (i % 3 == 0)
			assert_int_equal(
			    db_execv(db, "INSERT INTO child (item_id) VALUES (?)", NULL, DB_I64(id)), TR_OK);
	}
	db_close(db);

	backup_file(file, sizeof(file), "a");
	assert_int_equal(db_backup(src, file, why, sizeof(why)), TR_OK);
	/* Never over an existing file, which stays as it was. */
	assert_int_equal(db_backup(src, file, why, sizeof(why)), TR_INVALID);
	assert_non_null(strstr(why, "exists already"));

	empty_url(dst, sizeof(dst), "dst");
	assert_int_equal(db_restore(dst, file, &version, why, sizeof(why)), TR_OK);
	assert_int_equal(version, 2);
	assert_string_equal(summary(dst, a), summary(src, a));

	/* The restored database goes on: a new row gets a new id (PostgreSQL's identity was restored too). */
	assert_non_null(db = testdb_open(dst));
	{
		struct db_rows *r;
		assert_int_equal(
		    db_onev(db, a, "INSERT INTO item (name) VALUES (?) RETURNING id", &r, DB_TEXT("après")), TR_OK);
		assert_true(db_int(db_cell(r, 0, 0)) > id);
	}
	db_close(db);

	/* Into a database that is not empty: refused, nothing written. */
	assert_int_equal(db_restore(src, file, &version, why, sizeof(why)), TR_CONFLICT);
	assert_non_null(strstr(why, "empty database"));
	/* A file that is not there. */
	empty_url(other, sizeof(other), "other");
	assert_int_equal(db_restore(other, "/nonexistent/backup", &version, why, sizeof(why)), TR_INVALID);
	unlink(file);
	arena_free(a);
	drop_made();
}

static void
t_backup_of_a_database_without_schema_fails_and_leaves_no_file(void **state)
{
	char url[700], file[256], why[512];
	struct db *db;

	(void)state;
	empty_url(url, sizeof(url), "bare");
	assert_non_null(db = testdb_open(url));
	assert_int_equal(db_exec_script(db, "CREATE TABLE lonely (x INTEGER)"), TR_OK);
	db_close(db);
	backup_file(file, sizeof(file), "bare");
	if (testdb.engine == DB_POSTGRES) {
		/* pg_dump succeeds, the check of the archive does not: no schema_migrations. */
		assert_int_equal(db_backup(url, file, why, sizeof(why)), TR_INTERNAL);
		assert_non_null(strstr(why, "schema_migrations"));
		assert_int_not_equal(access(file, F_OK), 0);
	} else {
		/* SQLite copies whatever the file holds; a restore of it then finds no schema. */
		int64_t version = -1;
		char dst[700];
		assert_int_equal(db_backup(url, file, why, sizeof(why)), TR_OK);
		empty_url(dst, sizeof(dst), "bare_dst");
		assert_int_equal(db_restore(dst, file, &version, why, sizeof(why)), TR_INVALID);
		assert_int_equal(version, 0);
		unlink(file);
	}
	drop_made();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_backup_restore),
		cmocka_unit_test(t_backup_of_a_database_without_schema_fails_and_leaves_no_file),
	};

	log_set_level(LOG_WARN);
	return testdb_run("backup", tests, sizeof(tests) / sizeof(tests[0]), NULL) == 0 ? 0 : 1;
}
