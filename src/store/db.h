/* One interface over SQLite (WAL) and PostgreSQL (libpq). SQL is written once, with '?' placeholders
 * (translated to $1, $2… for PostgreSQL outside string literals); values are always bound, never
 * spliced. A connection belongs to one thread; prepared statements are cached per connection.
 *
 * Portable SQL, the rules both engines are tested against:
 * - Plain '?' only (no ?NNN, :name, $1). One statement per call (db_exec_script for several).
 * - PostgreSQL receives parameters as untyped text and infers each type from its context: `col = ?`,
 *   `VALUES (?)`, `LIMIT ?` are fine. Where there is no context — `SELECT ?`, `? IS NULL`,
 *   `COALESCE(?, …)`, `CASE WHEN ? …`, `? || ?`, arithmetic between two parameters — the SQL carries
 *   a cast, which SQLite accepts too: CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION).
 *   Without it PostgreSQL fails ("could not determine data type") or returns the value as text.
 *   `? + 1` is typed INTEGER (32 bits) by PostgreSQL: cast when the value may be larger.
 * - Booleans are INTEGER 0/1 columns (DB_BOOL), never BOOLEAN; test `flag = 1`, not `flag`.
 * - Ids come from INSERT … RETURNING id (both engines); never insert explicit ids into an @ID@ column
 *   (PostgreSQL's identity would not move past them).
 * - Upserts: INSERT … ON CONFLICT (cols) DO UPDATE SET x = excluded.x / DO NOTHING.
 * - sum() of integers is NUMERIC on PostgreSQL, hence a DBV_REAL cell: read it with db_int or cast.
 *   LIKE is case-sensitive on PostgreSQL, case-insensitive (ASCII) on SQLite: compare lower(col).
 * - An error inside a transaction aborts it on both engines (PostgreSQL's rule, enforced on SQLite
 *   too): every later statement fails until db_rollback. Use ON CONFLICT rather than catching
 *   TR_CONFLICT and going on in the same transaction. */
#ifndef TR_STORE_DB_H
#define TR_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

struct arena;
struct db;

enum db_engine {
	DB_SQLITE = 1,
	DB_POSTGRES = 2,
};

enum db_type {
	DBV_NULL = 0,
	DBV_INT,  /* int64 */
	DBV_REAL, /* double */
	DBV_TEXT, /* UTF-8 text, s (not necessarily NUL-terminated when bound; NUL-terminated in results) */
	DBV_BLOB, /* bytes, s (bytea in PostgreSQL) */
};

/* A bound parameter or a result cell. */
struct db_val {
	enum db_type type;
	int64_t i;
	double r;
	struct str s;
};

#define DB_NULLV ((struct db_val){ .type = DBV_NULL })
#define DB_I64(v) ((struct db_val){ .type = DBV_INT, .i = (int64_t)(v) })
#define DB_REAL(v) ((struct db_val){ .type = DBV_REAL, .r = (double)(v) })
#define DB_STR(v) ((struct db_val){ .type = DBV_TEXT, .s = (v) })
#define DB_TEXT(cstr) db_text_val(cstr)
#define DB_BLOB(ptr, len) ((struct db_val){ .type = DBV_BLOB, .s = { (const char *)(ptr), (len) } })
#define DB_BOOL(v) DB_I64((v) ? 1 : 0)

/* A NUL-terminated text parameter; NULL binds SQL NULL. */
static inline struct db_val
db_text_val(const char *s)
{
	struct db_val v = { .type = s ? DBV_TEXT : DBV_NULL, .s = str_c(s) };
	return v;
}

/* A materialised result: rows × cols cells, row-major; names of the columns. All in the arena given to
 * the query. TEXT and BLOB cells are NUL-terminated copies. With no rows, ncols is 0 and names NULL. */
struct db_rows {
	size_t nrows, ncols;
	const char **names;
	struct db_val *cells;
};

static inline const struct db_val *
db_cell(const struct db_rows *r, size_t row, size_t col)
{
	return &r->cells[row * r->ncols + col];
}

/* Opens a connection from a URL: "sqlite:PATH" (":memory:" allowed) or "postgresql://…" /
 * "postgres://…". On failure returns TR_UNAVAILABLE (or TR_INVALID for a malformed URL) and writes a
 * French-free, one-line English reason into ERRBUF. SQLite: WAL, foreign keys on, busy timeout 5 s,
 * synchronous=NORMAL. */
TR_MUST_USE tr_err db_open(const char *url, struct db **out, char *errbuf, size_t errlen);

/* Closes the connection and its cached statements. NULL is allowed. */
void db_close(struct db *db);

enum db_engine db_engine(const struct db *db);

/* "sqlite" or "postgresql". */
const char *db_engine_name(const struct db *db);

/* The last error message of this connection (English, for logs). Never NULL. */
const char *db_errmsg(const struct db *db);

/* Runs one statement with parameters, discarding any rows; *CHANGES (may be NULL) receives the number of
 * rows changed. Unique or foreign-key violations give TR_CONFLICT; a lost connection or a busy database
 * TR_UNAVAILABLE; other failures TR_INTERNAL (logged with the SQL). */
TR_MUST_USE tr_err db_exec(
    struct db *db, const char *sql, const struct db_val *params, size_t nparams, int64_t *changes);

/* Runs one query and copies every row into the arena. */
TR_MUST_USE tr_err db_query(
    struct db *db, struct arena *a, const char *sql, const struct db_val *params, size_t nparams, struct db_rows **out);

/* Like db_query, for exactly one row: TR_NOT_FOUND when there is none (more rows: the first one). */
TR_MUST_USE tr_err db_one(
    struct db *db, struct arena *a, const char *sql, const struct db_val *params, size_t nparams, struct db_rows **out);

/* Calls FN for each row without materialising them all (exports, large scans). The row is valid only
 * during the call. FN returning non-zero stops the scan (the result is then TR_OK; PostgreSQL still
 * reads the rest of the result off the wire). FN must not use DB: such a call fails with TR_INTERNAL
 * (PostgreSQL's connection is busy streaming); collect what you need and act after the scan. */
typedef int (*db_row_fn)(void *ud, const struct db_val *cells, size_t ncols, const char **names);
TR_MUST_USE tr_err db_each(
    struct db *db, const char *sql, const struct db_val *params, size_t nparams, db_row_fn fn, void *ud);

/* Multi-row statements: HEAD, then "VALUES (?, …), (?, …)" for a chunk of rows, then TAIL (may be NULL or ""), e.g.
 * HEAD "INSERT INTO t (a, b)", TAIL "ON CONFLICT (a) DO UPDATE SET b = t.b + excluded.b". PARAMS holds NROWS rows
 * of NCOLS values, row after row. The rows go in chunks of DB_ROWS_CHUNK, DB_ROWS_CHUNK / 2, … 1 rows (fewer when
 * NCOLS is large), so that one call site has a handful of statement texts in the cache, each prepared once per
 * connection. The chunk texts are built in A. db_exec_rows: *CHANGES (may be NULL) receives the rows changed in
 * all. db_query_rows: for a statement with RETURNING, the rows of every chunk in one result in A (in the order of
 * the chunks). The first failure stops (errors as db_exec); inside a transaction the caller rolls back. */
#define DB_ROWS_CHUNK 64
TR_MUST_USE tr_err db_exec_rows(struct db *db, struct arena *a, const char *head, const char *tail,
    const struct db_val *params, size_t ncols, size_t nrows, int64_t *changes);
TR_MUST_USE tr_err db_query_rows(struct db *db, struct arena *a, const char *head, const char *tail,
    const struct db_val *params, size_t ncols, size_t nrows, struct db_rows **out);

/* Runs a script of several statements without parameters (migrations). No '?' translation. */
TR_MUST_USE tr_err db_exec_script(struct db *db, const char *sql);

/* Transactions. db_begin takes the write lock at once on SQLite (BEGIN IMMEDIATE); PostgreSQL runs READ
 * COMMITTED. Nesting is an error (TR_INTERNAL). After a failed statement the transaction only accepts
 * db_rollback; db_commit then fails (TR_INTERNAL) and rolls back. A failed db_commit has rolled back.
 * db_rollback is safe to call when no transaction is open. */
TR_MUST_USE tr_err db_begin(struct db *db);
/* A read-only snapshot, for a page made of several reads that must agree (ended by db_commit or db_rollback): on
 * SQLite a deferred transaction (the snapshot is taken by its first read, no lock is held against writers); on
 * PostgreSQL REPEATABLE READ READ ONLY. */
TR_MUST_USE tr_err db_begin_read(struct db *db);
TR_MUST_USE tr_err db_commit(struct db *db);
void db_rollback(struct db *db);
bool db_in_tx(const struct db *db);

/* A time budget for what follows on this connection: BUDGET_MS milliseconds from now (0 removes it). Past it the
 * statement running is interrupted (a progress handler on SQLite, statement_timeout on PostgreSQL, also while
 * waiting for SQLite's write lock) and every later one is refused with TR_UNAVAILABLE, so that the caller's
 * transaction rolls back; db_deadline_hit then says so, until the next db_set_deadline. */
void db_set_deadline(struct db *db, int64_t budget_ms);
bool db_deadline_hit(const struct db *db);

/* A cheap round trip (SELECT 1), for health checks. */
TR_MUST_USE tr_err db_ping(struct db *db);

/* Variadic conveniences: db_execv(db, sql, &changes, DB_I64(1), DB_TEXT("x")) */
#define DB_PARAMS(...) ((const struct db_val[]){ DB_NULLV, __VA_ARGS__ } + 1)
#define DB_NPARAMS(...) (sizeof((const struct db_val[]){ __VA_ARGS__ }) / sizeof(struct db_val))
#define db_execv(db, sql, changes, ...) db_exec((db), (sql), DB_PARAMS(__VA_ARGS__), DB_NPARAMS(__VA_ARGS__), (changes))
#define db_queryv(db, a, sql, out, ...) \
	db_query((db), (a), (sql), DB_PARAMS(__VA_ARGS__), DB_NPARAMS(__VA_ARGS__), (out))
#define db_onev(db, a, sql, out, ...) db_one((db), (a), (sql), DB_PARAMS(__VA_ARGS__), DB_NPARAMS(__VA_ARGS__), (out))

/* Cell accessors with conversions: integer of an INT/TEXT/REAL cell (REAL truncated toward zero; 0 for
 * NULL, BLOB or text that is not an integer); text of a TEXT/BLOB cell (NULL for NULL and for INT/REAL
 * cells: use db_int/db_real); whether the cell is NULL. */
int64_t db_int(const struct db_val *v);
const char *db_text(const struct db_val *v);
bool db_isnull(const struct db_val *v);

/* Real of a REAL/INT/TEXT cell (0 for NULL, BLOB or text that is not a number). */
double db_real(const struct db_val *v);

/* Number of statements run on this connection since it opened (the tests bound the queries of a page with it). */
uint64_t db_query_count(const struct db *db);

/* Number of prepared statements this connection holds in its cache (tests, metrics). */
size_t db_cached_statements(const struct db *db);

#endif
