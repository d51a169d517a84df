/* Tests of store/db and store/migrate. Every case runs on SQLite (a temporary file per case) and on
 * PostgreSQL (a database of this suite's own, created at the URL in TREMPLIN_TEST_PG). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/time.h"
#include "store/db.h"
#include "store/db_int.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define MIG(name, sql)                         \
	{                                      \
		(name), (sql), sizeof(sql) - 1 \
	}

#define MIG_ITEM                                                                                                 \
	MIG("0001_item.sql", "CREATE TABLE item (id @ID@, name TEXT NOT NULL UNIQUE, n BIGINT, small INTEGER,\n" \
	                     "  x @REAL@, data @BLOB@, flag INTEGER NOT NULL DEFAULT 0);\n"                      \
	                     "-- a comment with a ? and an @ sign\n")
#define MIG_CHILD                                                                                            \
	MIG("0002_child.sql", "CREATE TABLE child (id @ID@, item_id BIGINT NOT NULL REFERENCES item (id),\n" \
	                      "  label TEXT);\nCREATE INDEX child_item ON child (item_id);\n")

static const struct embedded_file test_migrations[] = { MIG_CHILD, MIG_ITEM, { NULL, NULL, 0 } };

static const struct embedded_file failing_migrations[] = {
	MIG_ITEM,
	MIG_CHILD,
	MIG("0003_bad.sql", "CREATE TABLE doomed (id @ID@);\nINSERT INTO doomed (id) VALUES (1);\nTHIS IS NOT SQL;\n"),
	MIG("0004_after.sql", "CREATE TABLE after_bad (id @ID@);\n"),
	{ NULL, NULL, 0 },
};

static const char drop_all[] = "DROP TABLE IF EXISTS child; DROP TABLE IF EXISTS item; DROP TABLE IF EXISTS doomed;"
                               " DROP TABLE IF EXISTS after_bad; DROP TABLE IF EXISTS schema_migrations;";

static const char utf8_text[] = "Île-de-France — « ça marche » ✓ 🚀";
static const unsigned char blob_bytes[] = { 'a', 0, 'b', 0, 0xff, 0x00, '\\', 'x', 0 };

struct fx {
	char url[700];
	struct db *db;
	struct arena *a;
};

/* A new file on SQLite, the suite's database on PostgreSQL. */
static void
fx_url(char *dst, size_t n)
{
	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(dst, n, "t");
	else
		snprintf(dst, n, "%s", testdb.pg_url);
}

/* A fresh schema: a new file on SQLite, the tables dropped on PostgreSQL; then the test migrations. */
static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	int applied = 0;

	fx_url(fx->url, sizeof(fx->url));
	if ((fx->db = testdb_open(fx->url)) == NULL)
		return -1;
	if (db_exec_script(fx->db, drop_all) != TR_OK || db_migrate(fx->db, test_migrations, &applied) != TR_OK ||
	    applied != 2) {
		print_error("setup failed: %s\n", db_errmsg(fx->db));
		return -1;
	}
	fx->a = arena_new();
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	db_close(fx->db);
	arena_free(fx->a);
	free(fx);
	return 0;
}

/* ---- helpers ---- */

static int64_t
count_rows(struct fx *fx, const char *sql)
{
	struct db_rows *r;

	assert_int_equal(db_query(fx->db, fx->a, sql, NULL, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 1);
	assert_int_equal(db_cell(r, 0, 0)->type, DBV_INT);
	return db_int(db_cell(r, 0, 0));
}

static bool
table_exists(struct fx *fx, const char *name)
{
	const char *sql =
	    db_engine(fx->db) == DB_SQLITE
	        ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	        : "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?";
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_TEXT(name)), TR_OK);
	return db_int(db_cell(r, 0, 0)) > 0;
}

static void
insert_item(struct fx *fx, const char *name, int64_t n)
{
	int64_t changes = -1;

	assert_int_equal(
	    db_execv(fx->db, "INSERT INTO item (name, n) VALUES (?, ?)", &changes, DB_TEXT(name), DB_I64(n)), TR_OK);
	assert_int_equal(changes, 1);
}

/* ---- placeholder translation (no database) ---- */

struct translate_case {
	const char *in, *out;
	size_t n;
};

static const struct translate_case translate_cases[] = {
	{ "", "", 0 },
	{ "SELECT 1", "SELECT 1", 0 },
	{ "?", "$1", 1 },
	{ "a = ? AND b = ?", "a = $1 AND b = $2", 2 },
	{ "VALUES (?,?,?,?,?,?,?,?,?,?,?)", "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", 11 },
	{ "name = '?' AND n = ?", "name = '?' AND n = $1", 1 },
	{ "'it''s ?' || ?", "'it''s ?' || $1", 1 },
	{ "'' = ?", "'' = $1", 1 },
	{ "'\\' = ?", "'\\' = $1", 1 },
	{ "E'\\'?' = ?", "E'\\'?' = $1", 1 },
	{ "x = e'\\\\' AND y = ?", "x = e'\\\\' AND y = $1", 1 },
	{ "\"odd?name\" = ?", "\"odd?name\" = $1", 1 },
	{ "\"a\"\"?\" = ?", "\"a\"\"?\" = $1", 1 },
	{ "x = ? -- why?\nAND y = ?", "x = $1 -- why?\nAND y = $2", 2 },
	{ "x = ? -- trailing?", "x = $1 -- trailing?", 1 },
	{ "x - ? - -?", "x - $1 - -$2", 2 },
	{ "a / ? / b", "a / $1 / b", 1 },
	{ "/* ? */ ?", "/* ? */ $1", 1 },
	{ "/* a /* nested ? */ still ? */ ?", "/* a /* nested ? */ still ? */ $1", 1 },
	{ "$$ ? $$ = ?", "$$ ? $$ = $1", 1 },
	{ "$tag$ it's ? $tag$ || ?", "$tag$ it's ? $tag$ || $1", 1 },
	{ "a$b = ?", "a$b = $1", 1 },
	{ "Île = ? AND 'é?' = ?", "Île = $1 AND 'é?' = $2", 2 },
	{ "'unterminated ?", "'unterminated ?", 0 },
	{ "\"unterminated ?", "\"unterminated ?", 0 },
	{ "/* unterminated ?", "/* unterminated ?", 0 },
};

static void
t_translate(void **state)
{
	struct buf b = BUF_INIT(0);

	(void)state;
	for (size_t i = 0; i < N_ELEMS(translate_cases); i++) {
		const struct translate_case *c = &translate_cases[i];
		size_t n = 99;

		assert_int_equal(db_pg_placeholders(c->in, &b, &n), TR_OK);
		if (strcmp(buf_str(&b).p, c->out) != 0 || n != c->n)
			fail_msg("case %zu [%s]: got [%s] (%zu), expected [%s] (%zu)", i, c->in, buf_str(&b).p, n,
			    c->out, c->n);
	}
	buf_free(&b);
}

/* ---- open ---- */

static void
t_open_errors(void **state)
{
	struct fx *fx = *state;
	char err[256];
	struct db *db = (struct db *)1;

	assert_int_equal(db_open("mysql://localhost/x", &db, err, sizeof(err)), TR_INVALID);
	assert_null(db);
	assert_true(err[0] != '\0');
	assert_int_equal(db_open("", &db, err, sizeof(err)), TR_INVALID);
	assert_int_equal(db_open(NULL, &db, NULL, 0), TR_INVALID);
	assert_int_equal(db_open("sqlite:", &db, err, sizeof(err)), TR_INVALID);
	assert_int_equal(db_open("postgresql://localhost/x?no_such_option=1", &db, err, sizeof(err)), TR_INVALID);
	assert_non_null(strstr(err, "no_such_option"));

	assert_int_equal(db_open("sqlite:/nonexistent-tremplin-dir/sub/a.db", &db, err, sizeof(err)), TR_UNAVAILABLE);
	assert_null(db);
	assert_non_null(strstr(err, "/nonexistent-tremplin-dir/sub"));

	assert_int_equal(db_open("postgresql://postgres@127.0.0.1:1/tremplin", &db, err, sizeof(err)), TR_UNAVAILABLE);
	assert_null(db);
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));

	assert_int_equal(db_engine(fx->db), testdb.engine);
	assert_string_equal(db_engine_name(fx->db), testdb.engine == DB_SQLITE ? "sqlite" : "postgresql");
	assert_int_equal(db_ping(fx->db), TR_OK);
	db_close(NULL);
}

static const char *
show(struct fx *fx, const char *sql)
{
	struct db_rows *r;

	assert_int_equal(db_one(fx->db, fx->a, sql, NULL, 0, &r), TR_OK);
	return db_cell(r, 0, 0)->type == DBV_INT ? arena_printf(fx->a, "%lld", (long long)db_cell(r, 0, 0)->i)
	                                         : db_text(db_cell(r, 0, 0));
}

/* The URL's own PostgreSQL options are kept; the statement timeout is added to them. */
static void
check_url_options(struct fx *fx)
{
	char url[800];
	struct db *db;
	struct db_rows *r;

	snprintf(url, sizeof(url), "%s&options=-c%%20work_mem%%3D5MB", fx->url);
	assert_non_null(db = testdb_open(url));
	assert_int_equal(db_one(db, fx->a, "SHOW work_mem", NULL, 0, &r), TR_OK);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "5MB");
	assert_int_equal(db_one(db, fx->a, "SHOW statement_timeout", NULL, 0, &r), TR_OK);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "30s");
	db_close(db);
}

/* The connection settings the design asks for. */
static void
t_settings(void **state)
{
	struct fx *fx = *state;

	if (db_engine(fx->db) == DB_SQLITE) {
		assert_string_equal(show(fx, "PRAGMA journal_mode"), "wal");
		assert_string_equal(show(fx, "PRAGMA foreign_keys"), "1");
		assert_string_equal(show(fx, "PRAGMA synchronous"), "1"); /* NORMAL */
		/* The wait for the write lock is the store's own busy handler (up to 5 s, never past the deadline:
		 * t_deadline_lock_wait), which replaces sqlite3_busy_timeout's. */
		assert_string_equal(show(fx, "PRAGMA busy_timeout"), "0");
		return;
	}
	assert_string_equal(show(fx, "SHOW statement_timeout"), "30s");
	assert_string_equal(show(fx, "SHOW client_encoding"), "UTF8");
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_string_equal(show(fx, "SHOW transaction_isolation"), "read committed");
	db_rollback(fx->db);
	check_url_options(fx);
}

/* ---- values ---- */

static void
check_full_row(const struct db_val *c, const char **names)
{
	assert_string_equal(names[1], "name");
	assert_string_equal(names[5], "data");
	assert_int_equal(c[0].type, DBV_INT);
	assert_int_equal(c[0].i, 1);
	assert_int_equal(c[1].type, DBV_TEXT);
	assert_string_equal(c[1].s.p, utf8_text);
	assert_int_equal(c[1].s.n, strlen(utf8_text));
	assert_int_equal(c[2].type, DBV_INT);
	assert_int_equal(c[2].i, INT64_C(1099511627776000));
	assert_int_equal(c[3].type, DBV_INT);
	assert_int_equal(c[3].i, -7);
	assert_int_equal(c[4].type, DBV_REAL);
	assert_true(c[4].r == 3.25);
	assert_int_equal(c[5].type, DBV_BLOB);
	assert_int_equal(c[5].s.n, sizeof(blob_bytes));
	assert_memory_equal(c[5].s.p, blob_bytes, sizeof(blob_bytes));
	assert_int_equal(c[6].type, DBV_INT);
	assert_int_equal(c[6].i, 1);
}

static void
check_null_row(const struct db_val *c)
{
	assert_int_equal(c[1].type, DBV_TEXT);
	assert_string_equal(c[1].s.p, "");
	for (int i = 2; i < 5; i++) {
		assert_int_equal(c[i].type, DBV_NULL);
		assert_true(db_isnull(&c[i]));
		assert_int_equal(db_int(&c[i]), 0);
		assert_null(db_text(&c[i]));
	}
	assert_int_equal(c[5].type, DBV_BLOB); /* empty, not NULL */
	assert_int_equal(c[5].s.n, 0);
	assert_int_equal(c[6].type, DBV_INT);
	assert_int_equal(c[6].i, 0);
}

struct each_state {
	int rows;
	bool stop_after_one;
};

static int
each_check(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	struct each_state *st = ud;

	assert_int_equal(ncols, 7);
	if (st->rows == 0)
		check_full_row(cells, names);
	else
		check_null_row(cells);
	st->rows++;
	return st->stop_after_one;
}

static void
t_types(void **state)
{
	struct fx *fx = *state;
	const char *sel = "SELECT id, name, n, small, x, data, flag FROM item ORDER BY id";
	struct each_state st = { 0 };
	struct db_rows *r;
	int64_t changes = 0;

	assert_int_equal(db_execv(fx->db, "INSERT INTO item (name, n, small, x, data, flag) VALUES (?, ?, ?, ?, ?, ?)",
	                     &changes, DB_TEXT(utf8_text), DB_I64(INT64_C(1099511627776000)), DB_I64(-7), DB_REAL(3.25),
	                     DB_BLOB(blob_bytes, sizeof(blob_bytes)), DB_BOOL(true)),
	    TR_OK);
	assert_int_equal(changes, 1);
	assert_int_equal(db_execv(fx->db, "INSERT INTO item (name, n, small, x, data) VALUES (?, ?, ?, ?, ?)", NULL,
	                     DB_TEXT(""), DB_NULLV, DB_TEXT(NULL), DB_NULLV, DB_BLOB("", 0)),
	    TR_OK);

	assert_int_equal(db_query(fx->db, fx->a, sel, NULL, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->ncols, 7);
	check_full_row(db_cell(r, 0, 0), r->names);
	check_null_row(db_cell(r, 1, 0));
	assert_string_equal(db_text(db_cell(r, 0, 1)), utf8_text);
	assert_null(db_text(db_cell(r, 0, 2)));
	assert_true(db_real(db_cell(r, 0, 4)) == 3.25);

	assert_int_equal(db_each(fx->db, sel, NULL, 0, each_check, &st), TR_OK);
	assert_int_equal(st.rows, 2);

	/* Bound integers compare with BIGINT and INTEGER columns; reals with REAL; booleans are 0/1. */
	assert_int_equal(
	    db_onev(fx->db, fx->a, "SELECT count(*) FROM item WHERE n = ? AND small = ? AND x > ? AND flag = ?", &r,
	        DB_I64(INT64_C(1099511627776000)), DB_I64(-7), DB_REAL(3.0), DB_BOOL(true)),
	    TR_OK);
	assert_int_equal(db_cell(r, 0, 0)->type, DBV_INT);
	assert_int_equal(db_cell(r, 0, 0)->i, 1);

	/* A slice of a longer string binds only its N bytes. */
	assert_int_equal(db_execv(fx->db, "UPDATE item SET name = ? WHERE name = ?", &changes,
	                     DB_STR(((struct str){ "abcdef", 3 })), DB_TEXT("")),
	    TR_OK);
	assert_int_equal(changes, 1);
	assert_int_equal(db_onev(fx->db, fx->a, "SELECT name FROM item WHERE name = ?", &r, DB_TEXT("abc")), TR_OK);

	/* Expressions: comparison results are INT 0/1; sum() reads as an integer on both engines. */
	assert_int_equal(
	    db_onev(fx->db, fx->a,
	        "SELECT (1 = 1) AS yes, sum(n) AS total, CAST(? AS BIGINT) AS p, CAST(? AS TEXT) AS t FROM item", &r,
	        DB_I64(42), DB_TEXT("x")),
	    TR_OK);
	assert_string_equal(r->names[0], "yes");
	assert_int_equal(db_cell(r, 0, 0)->type, DBV_INT);
	assert_int_equal(db_int(db_cell(r, 0, 0)), 1);
	assert_int_equal(db_int(db_cell(r, 0, 1)), INT64_C(1099511627776000));
	assert_int_equal(db_cell(r, 0, 2)->type, DBV_INT);
	assert_int_equal(db_cell(r, 0, 2)->i, 42);
	assert_string_equal(db_text(db_cell(r, 0, 3)), "x");

	/* Text holding a NUL cannot be stored the same way on both engines. */
	assert_int_equal(
	    db_execv(fx->db, "UPDATE item SET name = ?", NULL, DB_STR(((struct str){ "a\0b", 3 }))), TR_INVALID);
}

static void
t_each(void **state)
{
	struct fx *fx = *state;
	struct each_state st = { .stop_after_one = true };
	struct db_rows *r;

	assert_int_equal(db_execv(fx->db, "INSERT INTO item (name, n, small, x, data, flag) VALUES (?, ?, ?, ?, ?, ?)",
	                     NULL, DB_TEXT(utf8_text), DB_I64(INT64_C(1099511627776000)), DB_I64(-7), DB_REAL(3.25),
	                     DB_BLOB(blob_bytes, sizeof(blob_bytes)), DB_I64(1)),
	    TR_OK);
	for (int i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof(name), "row%d", i);
		insert_item(fx, name, i);
	}
	/* Stopping early is TR_OK and leaves the connection usable. */
	assert_int_equal(
	    db_each(fx->db, "SELECT id, name, n, small, x, data, flag FROM item ORDER BY id", NULL, 0, each_check, &st),
	    TR_OK);
	assert_int_equal(st.rows, 1);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 51);

	/* No rows: the function is not called. */
	st.rows = 0;
	assert_int_equal(db_each(fx->db, "SELECT id, name, n, small, x, data, flag FROM item WHERE n = ?",
	                     DB_PARAMS(DB_I64(-1)), 1, each_check, &st),
	    TR_OK);
	assert_int_equal(st.rows, 0);
	assert_int_equal(db_queryv(fx->db, fx->a, "SELECT id FROM item WHERE n = ?", &r, DB_I64(-1)), TR_OK);
	assert_int_equal(r->nrows, 0);
	assert_int_equal(db_each(fx->db, "SELECT 1", NULL, 0, NULL, NULL), TR_INTERNAL);
}

static int
each_nested(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	struct db *db = ud;

	(void)cells;
	(void)ncols;
	(void)names;
	assert_int_equal(db_ping(db), TR_INTERNAL);
	return 0;
}

static void
t_each_nested_refused(void **state)
{
	struct fx *fx = *state;

	insert_item(fx, "a", 1);
	insert_item(fx, "b", 2);
	assert_int_equal(db_each(fx->db, "SELECT name FROM item", NULL, 0, each_nested, fx->db), TR_OK);
	assert_int_equal(db_ping(fx->db), TR_OK);
}

static void
t_one(void **state)
{
	struct fx *fx = *state;
	struct db_rows *r = (struct db_rows *)1;

	assert_int_equal(db_onev(fx->db, fx->a, "SELECT name FROM item WHERE n = ?", &r, DB_I64(5)), TR_NOT_FOUND);
	assert_null(r);
	insert_item(fx, "b", 5);
	insert_item(fx, "a", 5);
	assert_int_equal(
	    db_onev(fx->db, fx->a, "SELECT name FROM item WHERE n = ? ORDER BY name", &r, DB_I64(5)), TR_OK);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "a");
}

static void
t_returning(void **state)
{
	struct fx *fx = *state;
	struct db_rows *r;
	int64_t changes = 0;

	for (int64_t want = 1; want <= 3; want++) {
		char name[8];

		snprintf(name, sizeof(name), "n%d", (int)want);
		assert_int_equal(
		    db_onev(fx->db, fx->a, "INSERT INTO item (name) VALUES (?) RETURNING id", &r, DB_TEXT(name)),
		    TR_OK);
		assert_int_equal(db_cell(r, 0, 0)->type, DBV_INT);
		assert_int_equal(db_cell(r, 0, 0)->i, want);
	}
	assert_int_equal(db_execv(fx->db, "INSERT INTO child (item_id, label) VALUES (?, ?) RETURNING id", &changes,
	                     DB_I64(2), DB_TEXT("c")),
	    TR_OK);
	assert_int_equal(changes, 1);
	assert_int_equal(
	    db_onev(fx->db, fx->a, "UPDATE item SET n = ? WHERE id >= ? RETURNING id, n", &r, DB_I64(9), DB_I64(2)),
	    TR_OK);
	assert_int_equal(db_int(db_cell(r, 0, 1)), 9);
	assert_int_equal(
	    db_queryv(fx->db, fx->a, "DELETE FROM item WHERE id = ? RETURNING name", &r, DB_I64(3)), TR_OK);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "n3");
}

static void
t_placeholders(void **state)
{
	struct fx *fx = *state;
	struct db_rows *r;

	assert_int_equal(
	    db_execv(fx->db, "INSERT INTO item (name, n) VALUES ('what?', ?) -- why?", NULL, DB_I64(7)), TR_OK);
	assert_int_equal(
	    db_onev(fx->db, fx->a,
	        "SELECT n, 'it''s ?' AS q FROM item /* a ? here */ WHERE name = 'what?' AND \"n\" = ?", &r, DB_I64(7)),
	    TR_OK);
	assert_int_equal(db_int(db_cell(r, 0, 0)), 7);
	assert_string_equal(db_text(db_cell(r, 0, 1)), "it's ?");
	/* Placeholders and parameters must agree in number, on both engines. */
	assert_int_equal(
	    db_execv(fx->db, "UPDATE item SET n = ? WHERE name = '?'", NULL, DB_I64(1), DB_TEXT("x")), TR_INTERNAL);
	assert_int_equal(db_exec(fx->db, "UPDATE item SET n = ?", NULL, 0, NULL), TR_INTERNAL);
	/* One statement per call. */
	assert_int_equal(db_exec(fx->db, "UPDATE item SET n = 1; UPDATE item SET n = 2", NULL, 0, NULL), TR_INTERNAL);
	assert_true(db_errmsg(fx->db)[0] != '\0');
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item WHERE n = 7"), 1);
}

/* ---- errors and transactions ---- */

static void
t_conflict(void **state)
{
	struct fx *fx = *state;
	int64_t changes = 5;

	insert_item(fx, "a", 1);
	assert_int_equal(
	    db_execv(fx->db, "INSERT INTO item (name, n) VALUES (?, ?)", &changes, DB_TEXT("a"), DB_I64(2)),
	    TR_CONFLICT);
	assert_int_equal(changes, 0);
	assert_true(db_errmsg(fx->db)[0] != '\0');
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 1);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item WHERE n = 2"), 0);
	/* Foreign key. */
	assert_int_equal(db_execv(fx->db, "INSERT INTO child (item_id) VALUES (?)", NULL, DB_I64(999)), TR_CONFLICT);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM child"), 0);
	/* Other constraints are internal errors. */
	assert_int_equal(db_execv(fx->db, "INSERT INTO item (name) VALUES (?)", NULL, DB_NULLV), TR_INTERNAL);
}

static void
t_tx_aborted(void **state)
{
	struct fx *fx = *state;

	insert_item(fx, "a", 1);
	assert_int_equal(db_begin(fx->db), TR_OK);
	insert_item(fx, "b", 2);
	assert_int_equal(db_execv(fx->db, "INSERT INTO item (name) VALUES (?)", NULL, DB_TEXT("a")), TR_CONFLICT);
	assert_true(db_in_tx(fx->db));
	/* Both engines refuse to go on in a failed transaction. */
	assert_int_equal(db_execv(fx->db, "INSERT INTO item (name) VALUES (?)", NULL, DB_TEXT("c")), TR_INTERNAL);
	assert_int_equal(db_commit(fx->db), TR_INTERNAL);
	assert_false(db_in_tx(fx->db));
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 1);
	/* The same, rolled back explicitly. */
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(db_exec(fx->db, "SELECT no_such_column FROM item", NULL, 0, NULL), TR_INTERNAL);
	db_rollback(fx->db);
	assert_false(db_in_tx(fx->db));
	insert_item(fx, "d", 4);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 2);
}

static void
t_rollback(void **state)
{
	struct fx *fx = *state;

	db_rollback(fx->db); /* none open: no effect */
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_true(db_in_tx(fx->db));
	insert_item(fx, "a", 1);
	assert_int_equal(db_execv(fx->db, "INSERT INTO child (item_id) VALUES (?)", NULL, DB_I64(1)), TR_OK);
	db_rollback(fx->db);
	assert_false(db_in_tx(fx->db));
	db_rollback(fx->db);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 0);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM child"), 0);
}

static void
t_commit(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(db_commit(fx->db), TR_INTERNAL); /* none open */
	assert_int_equal(db_begin(fx->db), TR_OK);
	insert_item(fx, "a", 1);
	insert_item(fx, "b", 2);
	assert_int_equal(db_commit(fx->db), TR_OK);
	assert_false(db_in_tx(fx->db));
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 2);
}

static void
t_nested_begin(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(db_begin(fx->db), TR_OK);
	insert_item(fx, "a", 1);
	assert_int_equal(db_begin(fx->db), TR_INTERNAL);
	assert_true(db_in_tx(fx->db));
	db_rollback(fx->db);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 0);
}

static void
t_upsert(void **state)
{
	struct fx *fx = *state;
	const char *up = "INSERT INTO item (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = excluded.n";
	const char *keep = "INSERT INTO item (name, n) VALUES (?, ?) ON CONFLICT (name) DO NOTHING";
	struct db_rows *r;
	int64_t changes = 0;

	assert_int_equal(db_execv(fx->db, up, &changes, DB_TEXT("k"), DB_I64(1)), TR_OK);
	assert_int_equal(changes, 1);
	assert_int_equal(db_execv(fx->db, up, &changes, DB_TEXT("k"), DB_I64(2)), TR_OK);
	assert_int_equal(changes, 1);
	assert_int_equal(db_execv(fx->db, keep, &changes, DB_TEXT("k"), DB_I64(3)), TR_OK);
	assert_int_equal(changes, 0);
	assert_int_equal(db_onev(fx->db, fx->a, "SELECT count(*), max(n) FROM item", &r), TR_OK);
	assert_int_equal(db_int(db_cell(r, 0, 0)), 1);
	assert_int_equal(db_int(db_cell(r, 0, 1)), 2);
}

static void
t_changes(void **state)
{
	struct fx *fx = *state;
	int64_t changes = -1;

	insert_item(fx, "a", 1);
	insert_item(fx, "b", 1);
	insert_item(fx, "c", 2);
	assert_int_equal(
	    db_execv(fx->db, "UPDATE item SET small = ? WHERE n = ?", &changes, DB_I64(5), DB_I64(1)), TR_OK);
	assert_int_equal(changes, 2);
	assert_int_equal(db_exec(fx->db, "SELECT * FROM item", NULL, 0, &changes), TR_OK);
	assert_int_equal(changes, 0);
	assert_int_equal(db_execv(fx->db, "DELETE FROM item WHERE n = ?", &changes, DB_I64(99)), TR_OK);
	assert_int_equal(changes, 0);
	assert_int_equal(db_exec(fx->db, "CREATE INDEX item_small ON item (small)", NULL, 0, &changes), TR_OK);
	assert_int_equal(changes, 0);
	assert_int_equal(db_execv(fx->db, "DELETE FROM item WHERE n = ?", &changes, DB_I64(1)), TR_OK);
	assert_int_equal(changes, 2);
}

static void
t_script(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(db_exec_script(fx->db, "INSERT INTO item (name) VALUES ('s1');\n"
	                                        "INSERT INTO item (name) VALUES ('s?');\n-- done\n"),
	    TR_OK);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 2);
	assert_int_equal(db_exec_script(fx->db, "INSERT INTO item (name) VALUES ('s3'); NOT SQL"), TR_INTERNAL);
	assert_int_equal(db_exec_script(fx->db, "INSERT INTO item (name) VALUES ('s1')"), TR_CONFLICT);
}

/* ---- cache, ping, reconnection ---- */

static void
t_cache(void **state)
{
	struct fx *fx = *state;
	const char *sql = "SELECT name, n FROM item WHERE n = ?";
	struct db_rows *r;
	size_t before;

	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		insert_item(fx, name, i);
	}
	before = db_cached_statements(fx->db);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_I64(i % 20)), TR_OK);
		assert_int_equal(db_int(db_cell(r, 0, 1)), i % 20);
	}
	assert_int_equal(db_cached_statements(fx->db), before + 1);
	/* Each distinct text is one more statement; the same text with a space more is another. */
	assert_int_equal(db_onev(fx->db, fx->a, "SELECT name, n FROM item WHERE n = ? ", &r, DB_I64(3)), TR_OK);
	assert_int_equal(db_cached_statements(fx->db), before + 2);
}

struct count_state {
	int64_t rows;
};

static int
count_each(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	(void)cells;
	(void)ncols;
	(void)names;
	((struct count_state *)ud)->rows++;
	return 0;
}

/* SQL built at run time fills the cache; past its cap statements still run, uncached. */
static void
t_cache_full(void **state)
{
	struct fx *fx = *state;
	struct db_rows *r;
	char sql[96];

	insert_item(fx, "a", 1);
	insert_item(fx, "b", 1);
	for (int i = 0; i < DB_CACHE_MAX + 20; i++) {
		struct count_state st = { 0 };

		snprintf(sql, sizeof(sql), "SELECT name FROM item WHERE n = ? ORDER BY name -- %d", i);
		assert_int_equal(db_queryv(fx->db, fx->a, sql, &r, DB_I64(1)), TR_OK);
		assert_int_equal(r->nrows, 2);
		assert_string_equal(db_text(db_cell(r, 1, 0)), "b");
		assert_int_equal(db_each(fx->db, sql, DB_PARAMS(DB_I64(1)), 1, count_each, &st), TR_OK);
		assert_int_equal(st.rows, 2);
	}
	assert_int_equal(db_cached_statements(fx->db), DB_CACHE_MAX);
	assert_int_equal(
	    db_execv(fx->db, "UPDATE item SET n = ? WHERE n = ? -- uncached", NULL, DB_I64(2), DB_I64(1)), TR_OK);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item WHERE n = 2"), 2);
}

static void
t_ping(void **state)
{
	struct fx *fx = *state;

	for (int i = 0; i < 3; i++)
		assert_int_equal(db_ping(fx->db), TR_OK);
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(db_ping(fx->db), TR_OK);
	assert_int_equal(db_commit(fx->db), TR_OK);
}

/* Kills the connection's server process from a second connection (PostgreSQL only). */
static void
kill_backend(struct fx *fx)
{
	struct db *other = testdb_open(fx->url);
	struct db_rows *r;
	int64_t pid;

	assert_non_null(other);
	assert_int_equal(db_one(fx->db, fx->a, "SELECT pg_backend_pid()", NULL, 0, &r), TR_OK);
	pid = db_int(db_cell(r, 0, 0));
	assert_int_equal(
	    db_onev(other, fx->a, "SELECT pg_terminate_backend(CAST(? AS INTEGER), 5000)", &r, DB_I64(pid)), TR_OK);
	assert_int_equal(db_int(db_cell(r, 0, 0)), 1);
	db_close(other);
}

static void
t_reconnect(void **state)
{
	struct fx *fx = *state;
	const char *sql = "SELECT count(*) FROM item WHERE n = ?";
	struct db_rows *r;

	if (db_engine(fx->db) != DB_POSTGRES)
		return; /* an SQLite file does not go away */
	insert_item(fx, "a", 1);
	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_I64(1)), TR_OK);
	kill_backend(fx);
	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_I64(1)), TR_UNAVAILABLE);
	/* The next call reconnects and prepares again. */
	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_I64(1)), TR_OK);
	assert_int_equal(db_int(db_cell(r, 0, 0)), 1);
	assert_int_equal(db_cached_statements(fx->db), 1);

	/* Inside a transaction: the transaction is lost, and says so until rolled back. */
	assert_int_equal(db_begin(fx->db), TR_OK);
	insert_item(fx, "b", 2);
	kill_backend(fx);
	assert_int_equal(db_execv(fx->db, "INSERT INTO item (name) VALUES (?)", NULL, DB_TEXT("c")), TR_UNAVAILABLE);
	assert_int_equal(db_commit(fx->db), TR_INTERNAL);
	assert_false(db_in_tx(fx->db));
	assert_int_equal(db_ping(fx->db), TR_OK);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 1);
}

/* ---- migrations ---- */

static void
t_migrate_twice(void **state)
{
	struct fx *fx = *state;
	int64_t version = -1;
	int applied = -1;

	assert_int_equal(db_schema_version(fx->db, &version), TR_OK);
	assert_int_equal(version, 2);
	assert_int_equal(db_migrate(fx->db, test_migrations, &applied), TR_OK);
	assert_int_equal(applied, 0);

	assert_int_equal(db_exec_script(fx->db, drop_all), TR_OK);
	assert_int_equal(db_schema_version(fx->db, &version), TR_OK);
	assert_int_equal(version, 0);
	assert_int_equal(db_migrate(fx->db, test_migrations, &applied), TR_OK);
	assert_int_equal(applied, 2);
	assert_int_equal(db_migrate(fx->db, test_migrations, &applied), TR_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(db_schema_version(fx->db, &version), TR_OK);
	assert_int_equal(version, 2);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM schema_migrations"), 2);
	assert_true(table_exists(fx, "child"));

	/* Not inside a transaction. */
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(db_migrate(fx->db, test_migrations, &applied), TR_INTERNAL);
	db_rollback(fx->db);
}

static void
t_migrate_failing(void **state)
{
	struct fx *fx = *state;
	static const struct embedded_file unnumbered[] = { MIG("init.sql", "SELECT 1;"), { NULL, NULL, 0 } };
	int64_t version = -1;
	int applied = -1;

	assert_int_equal(db_migrate(fx->db, failing_migrations, &applied), TR_INTERNAL);
	assert_int_equal(applied, 0);
	assert_false(table_exists(fx, "doomed"));
	assert_false(table_exists(fx, "after_bad"));
	assert_true(table_exists(fx, "item"));
	assert_int_equal(db_schema_version(fx->db, &version), TR_OK);
	assert_int_equal(version, 2);
	assert_false(db_in_tx(fx->db));
	assert_int_equal(db_ping(fx->db), TR_OK);
	assert_int_equal(db_migrate(fx->db, unnumbered, &applied), TR_INTERNAL);
}

/* A file for one engine runs on it only: beside the portable file of its version, in the same migration; alone, as
 * a migration of its own. Two files of one version for one engine are refused. */
static void
t_migrate_engine_files(void **state)
{
	struct fx *fx = *state;
	static const struct embedded_file files[] = {
		MIG_ITEM,
		MIG_CHILD,
		MIG("0003_extra.sql", "CREATE TABLE extra (id @ID@);\n"),
		MIG("0003_extra.pg.sql", "CREATE TABLE extra_pg (id @ID@);\n"),
		MIG("0003_extra.sqlite.sql", "CREATE TABLE extra_lite (id @ID@);\n"),
		MIG("0004_only.pg.sql", "CREATE TABLE only_pg (id @ID@);\n"),
		{ NULL, NULL, 0 },
	};
	static const struct embedded_file twice[] = {
		MIG("0005_a.pg.sql", "SELECT 1;"),
		MIG("0005_b.pg.sql", "SELECT 1;"),
		MIG("0005_a.sqlite.sql", "SELECT 1;"),
		MIG("0005_b.sqlite.sql", "SELECT 1;"),
		{ NULL, NULL, 0 },
	};
	bool pg = testdb.engine == DB_POSTGRES;
	int64_t version = -1;
	int applied = -1;

	assert_int_equal(
	    db_exec_script(fx->db,
	        "DROP TABLE IF EXISTS extra; DROP TABLE IF EXISTS extra_pg; DROP TABLE IF EXISTS extra_lite; "
	        "DROP TABLE IF EXISTS only_pg;"),
	    TR_OK);
	assert_int_equal(db_migrate(fx->db, files, &applied), TR_OK);
	assert_int_equal(applied, pg ? 2 : 1);
	assert_true(table_exists(fx, "extra"));
	assert_true(table_exists(fx, "extra_pg") == pg);
	assert_true(table_exists(fx, "extra_lite") == !pg);
	assert_true(table_exists(fx, "only_pg") == pg);
	assert_int_equal(db_schema_version(fx->db, &version), TR_OK);
	assert_int_equal(version, pg ? 4 : 3);
	assert_int_equal(db_migrate(fx->db, twice, &applied), TR_INTERNAL);
	assert_int_equal(
	    db_exec_script(fx->db,
	        "DROP TABLE IF EXISTS extra; DROP TABLE IF EXISTS extra_pg; DROP TABLE IF EXISTS extra_lite; "
	        "DROP TABLE IF EXISTS only_pg;"),
	    TR_OK);
}

struct migrate_thread {
	const char *url;
	tr_err err;
	int applied;
};

static void *
migrate_thread(void *ud)
{
	struct migrate_thread *t = ud;
	struct db *db = testdb_open(t->url);

	t->err = TR_UNAVAILABLE;
	if (db == NULL)
		return NULL;
	t->err = db_migrate(db, test_migrations, &t->applied);
	db_close(db);
	return NULL;
}

static void
t_migrate_concurrent(void **state)
{
	struct fx *fx = *state;
	struct migrate_thread t[4];
	pthread_t th[4];
	int total = 0;

	for (int round = 0; round < 3; round++) {
		assert_int_equal(db_exec_script(fx->db, drop_all), TR_OK);
		for (int i = 0; i < 4; i++) {
			t[i] = (struct migrate_thread){ .url = fx->url, .applied = -1 };
			assert_int_equal(pthread_create(&th[i], NULL, migrate_thread, &t[i]), 0);
		}
		total = 0;
		for (int i = 0; i < 4; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			assert_int_equal(t[i].err, TR_OK);
			total += t[i].applied;
		}
		assert_int_equal(total, 2);
		assert_int_equal(count_rows(fx, "SELECT count(*) FROM schema_migrations"), 2);
	}
}

/* ---- deadlines ---- */

#define COUNT_SQL                                                                                                      \
	"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < CAST(? AS BIGINT)) SELECT COUNT(*) " \
	"FROM c"

/* A statement past the deadline is interrupted, the transaction rolls back whole, later statements are refused
 * until the next budget, and the connection then serves as usual. */
static void
t_deadline(void **state)
{
	struct fx *fx = *state;
	struct db_rows *r;

	db_set_deadline(fx->db, 10000);
	assert_int_equal(db_begin(fx->db), TR_OK);
	insert_item(fx, "before the deadline", 1);
	db_set_deadline(fx->db, 50);
	assert_false(db_deadline_hit(fx->db));
	/* Far more than 50 ms of work on either engine. */
	assert_int_equal(db_onev(fx->db, fx->a, COUNT_SQL, &r, DB_I64(1000000000)), TR_UNAVAILABLE);
	assert_true(db_deadline_hit(fx->db));
	assert_int_not_equal(db_commit(fx->db), TR_OK);
	assert_false(db_in_tx(fx->db));
	assert_int_equal(db_ping(fx->db), TR_UNAVAILABLE); /* still past it */
	db_set_deadline(fx->db, 0);
	assert_false(db_deadline_hit(fx->db));
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 0);
	db_set_deadline(fx->db, 10000);
	assert_int_equal(db_onev(fx->db, fx->a, COUNT_SQL, &r, DB_I64(1000)), TR_OK);
	assert_int_equal(db_int(db_cell(r, 0, 0)), 1000);
	assert_false(db_deadline_hit(fx->db));
}

/* A wait for a lock another connection holds (SQLite's write lock, a PostgreSQL row lock) ends at the deadline,
 * not after SQLite's busy wait (5 s) or PostgreSQL's default statement_timeout (30 s). */
static void
t_deadline_lock_wait(void **state)
{
	struct fx *fx = *state;
	struct db *other;
	int64_t t0;
	tr_err err;

	insert_item(fx, "locked", 1);
	other = testdb_open(fx->url);
	assert_non_null(other);
	assert_int_equal(db_begin(other), TR_OK);
	assert_int_equal(db_execv(other, "UPDATE item SET n = 2 WHERE name = 'locked'", NULL), TR_OK);
	db_set_deadline(fx->db, 100);
	t0 = clock_mono_ms();
	err = db_begin(fx->db); /* SQLite: BEGIN IMMEDIATE waits here */
	if (err == TR_OK)
		err = db_execv(fx->db, "UPDATE item SET n = 3 WHERE name = 'locked'", NULL); /* PostgreSQL: here */
	assert_int_equal(err, TR_UNAVAILABLE);
	assert_true(db_deadline_hit(fx->db));
	assert_true(clock_mono_ms() - t0 < 4000);
	db_rollback(fx->db);
	db_rollback(other);
	db_close(other);
	db_set_deadline(fx->db, 0);
	assert_int_equal(count_rows(fx, "SELECT n FROM item WHERE name = 'locked'"), 1);
}

/* A read snapshot sees the database as at its first read: a row another connection commits meanwhile appears only
 * after it ends. */
static void
t_read_snapshot(void **state)
{
	struct fx *fx = *state;
	struct db *other;

	insert_item(fx, "before", 1);
	other = testdb_open(fx->url);
	assert_non_null(other);
	assert_int_equal(db_begin_read(fx->db), TR_OK);
	assert_true(db_in_tx(fx->db));
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 1);
	assert_int_equal(db_execv(other, "INSERT INTO item (name, n) VALUES ('during', 2)", NULL), TR_OK);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 1);
	assert_int_equal(db_begin_read(fx->db), TR_INTERNAL); /* no nesting, as db_begin */
	assert_int_equal(db_commit(fx->db), TR_OK);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 2);
	db_close(other);
}

/* @WITHOUT_ROWID@: a table that is its primary key on SQLite, a plain table on PostgreSQL; upserts work alike. */
static void
t_without_rowid(void **state)
{
	struct fx *fx = *state;
	static const struct embedded_file with_pair[] = { MIG_CHILD, MIG_ITEM,
		MIG("0003_pair.sql", "CREATE TABLE pair (a TEXT NOT NULL, b BIGINT NOT NULL, n BIGINT NOT NULL,\n"
		                     "  PRIMARY KEY (a, b)) @WITHOUT_ROWID@;\n"),
		{ NULL, NULL, 0 } };
	struct db_rows *r;
	int applied = 0;

	assert_int_equal(db_exec_script(fx->db, "DROP TABLE IF EXISTS pair"), TR_OK);
	assert_int_equal(db_migrate(fx->db, with_pair, &applied), TR_OK);
	assert_int_equal(applied, 1);
	if (db_engine(fx->db) == DB_SQLITE) {
		assert_int_equal(
		    db_onev(fx->db, fx->a, "SELECT sql FROM sqlite_master WHERE name = ?", &r, DB_TEXT("pair")), TR_OK);
		assert_non_null(strstr(db_text(db_cell(r, 0, 0)), "WITHOUT ROWID"));
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    db_execv(fx->db,
		        "INSERT INTO pair (a, b, n) VALUES (?, ?, ?) ON CONFLICT (a, b) DO UPDATE SET n = pair.n + "
		        "excluded.n",
		        NULL, DB_TEXT("x"), DB_I64(1), DB_I64(5)),
		    TR_OK);
	assert_int_equal(count_rows(fx, "SELECT n FROM pair"), 10);
	assert_int_equal(db_exec_script(fx->db, "DROP TABLE pair"), TR_OK);
}

/* Multi-row statements: 100 rows go in chunks (64 + 32 + 4), every row once, the tail applied, RETURNING rows
 * gathered in order; an upsert over the same rows adds; a bad row fails the chunk; no rows, no statement. */
static void
t_rows(void **state)
{
	struct fx *fx = *state;
	struct db_val p[200];
	struct db_rows *r;
	int64_t changes = -1;
	uint64_t before;

	for (size_t i = 0; i < 100; i++) {
		p[2 * i] = DB_TEXT(arena_printf(fx->a, "r%03zu", i));
		p[2 * i + 1] = DB_I64((int64_t)i);
	}
	assert_int_equal(
	    db_query_rows(fx->db, fx->a, "INSERT INTO item (name, n)", "RETURNING name, n", p, 2, 100, &r), TR_OK);
	assert_int_equal(r->nrows, 100);
	assert_int_equal(r->ncols, 2);
	for (size_t i = 0; i < 100; i++) {
		assert_string_equal(db_text(db_cell(r, i, 0)), arena_printf(fx->a, "r%03zu", i));
		assert_int_equal(db_int(db_cell(r, i, 1)), (int64_t)i);
	}
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 100);
	assert_int_equal(db_exec_rows(fx->db, fx->a, "INSERT INTO item (name, n)",
	                     "ON CONFLICT (name) DO UPDATE SET n = item.n + excluded.n", p, 2, 100, &changes),
	    TR_OK);
	assert_int_equal(changes, 100);
	assert_int_equal(count_rows(fx, "SELECT count(*) FROM item"), 100);
	assert_int_equal(count_rows(fx, "SELECT CAST(sum(n) AS BIGINT) FROM item"), 2 * 99 * 100 / 2);
	/* DO NOTHING: RETURNING gives only the rows written. */
	p[0] = DB_TEXT("new");
	assert_int_equal(db_query_rows(fx->db, fx->a, "INSERT INTO item (name, n)",
	                     "ON CONFLICT (name) DO NOTHING RETURNING name", p, 2, 3, &r),
	    TR_OK);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "new");
	/* No rows: nothing run, an empty result. */
	before = db_query_count(fx->db);
	assert_int_equal(db_query_rows(fx->db, fx->a, "INSERT INTO item (name, n)", NULL, p, 2, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 0);
	assert_int_equal(db_exec_rows(fx->db, fx->a, "INSERT INTO item (name, n)", NULL, p, 2, 0, &changes), TR_OK);
	assert_int_equal(changes, 0);
	assert_int_equal(db_query_count(fx->db), before);
	/* A duplicate in a chunk fails it, as db_exec would. */
	p[2] = DB_TEXT("dup");
	p[4] = DB_TEXT("dup");
	assert_int_equal(
	    db_exec_rows(fx->db, fx->a, "INSERT INTO item (name, n)", NULL, p + 2, 2, 2, NULL), TR_CONFLICT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest common[] = {
		cmocka_unit_test(t_translate),
	};
	const struct CMUnitTest tests[] = {
		T(t_open_errors),
		T(t_settings),
		T(t_types),
		T(t_each),
		T(t_each_nested_refused),
		T(t_one),
		T(t_returning),
		T(t_placeholders),
		T(t_conflict),
		T(t_tx_aborted),
		T(t_rollback),
		T(t_commit),
		T(t_nested_begin),
		T(t_upsert),
		T(t_rows),
		T(t_without_rowid),
		T(t_changes),
		T(t_script),
		T(t_cache),
		T(t_cache_full),
		T(t_ping),
		T(t_reconnect),
		T(t_migrate_twice),
		T(t_migrate_failing),
		T(t_migrate_engine_files),
		T(t_migrate_concurrent),
		T(t_deadline),
		T(t_deadline_lock_wait),
		T(t_read_snapshot),
	};
	int failed = 0;

	/* Expected failures are logged at error level; keep the info lines out. */
	log_set_level(LOG_WARN);
	failed += cmocka_run_group_tests_name("db translate", common, NULL, NULL);
	failed += testdb_run("db", tests, sizeof(tests) / sizeof(tests[0]), NULL);
	return failed == 0 ? 0 : 1;
}
