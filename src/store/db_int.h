/* Private to the store layer: the engine vtable, the common part of a connection, the statement cache
 * and the helpers the two engines share (SQLite's btreeInt.h habit). */
#ifndef TR_STORE_DB_INT_H
#define TR_STORE_DB_INT_H

#include <stdarg.h>

#include "core/buf.h"
#include "store/db.h"

/* Statements cached per connection; past this, SQL (likely built at run time) runs uncached. */
#define DB_CACHE_MAX 512
#define DB_ERRMSG_MAX 512

/* What an engine provides. RUN executes one statement: rows go to FN when it is not NULL (FN returning
 * non-zero stops the scan), STREAM asks for rows one at a time (PostgreSQL single-row mode), *CHANGES
 * (may be NULL) receives the rows changed. The common code has already checked that the connection is
 * usable (not inside db_each, transaction not aborted) and that text parameters hold no NUL. */
struct db_ops {
	enum db_engine engine;
	const char *name;
	const char *begin_sql;
	const char *begin_read_sql;
	tr_err (*run)(struct db *db, const char *sql, const struct db_val *params, size_t nparams, db_row_fn fn,
	    void *ud, bool stream, int64_t *changes);
	tr_err (*script)(struct db *db, const char *sql);
	/* Ends the open transaction, ignoring errors (the connection may be gone). */
	void (*rollback)(struct db *db);
	/* Frees one cached statement. */
	void (*stmt_free)(struct db *db, void *stmt);
	/* Frees the engine's part of the connection, cache already emptied. */
	void (*close)(struct db *db);
	/* Applies a time budget of MS milliseconds to each statement that follows (0: the engine's default);
	 * NULL when the engine watches db->deadline by itself (SQLite's progress handler). */
	void (*set_timeout)(struct db *db, int64_t ms);
};

struct db_cache_slot {
	uint64_t hash;
	char *sql; /* owned copy, NULL when the slot is free */
	void *stmt;
};

/* Open addressing, linear probing; the table is only ever emptied whole. */
struct db_cache {
	struct db_cache_slot *slots;
	size_t cap, n;
	bool warned;
};

/* The common part of a connection; each engine embeds it first in its own struct. */
struct db {
	const struct db_ops *ops;
	struct db_cache cache;
	bool in_tx;        /* between db_begin and db_commit/db_rollback */
	bool tx_failed;    /* a statement of the open transaction failed: only rollback is allowed */
	bool busy;         /* inside a db_each callback: the connection must not be used */
	uint64_t queries;  /* statements run on this connection (db_query_count) */
	int64_t deadline;  /* clock_mono_ms() past which statements are interrupted and refused; 0: none */
	bool deadline_hit; /* a statement was interrupted or refused for the deadline (db_deadline_hit) */
	/* Scratch row handed to callbacks, grown to the widest result. */
	struct db_val *row;
	const char **names;
	size_t row_cap;
	char errmsg[DB_ERRMSG_MAX];
};

/* Notes a deadline that has passed (true) on the connection; false while there is time left or none. */
bool db_deadline_check(struct db *db);

/* Sets up the common part. */
void db_init(struct db *db, const struct db_ops *ops);

/* Returns the statement cached for SQL, or NULL. */
void *db_cache_get(struct db *db, const char *sql);

/* Caches STMT under SQL (copied); false when the cache is full, the caller then owns STMT. */
bool db_cache_put(struct db *db, const char *sql, void *stmt);

/* Frees every cached statement through ops->stmt_free. */
void db_cache_clear(struct db *db);

/* Makes room for a result row of NCOLS in db->row and db->names. */
void db_row_reserve(struct db *db, size_t ncols);

/* Records an error: formats db->errmsg, logs it (TR_INTERNAL: log_error with SQL when not NULL;
 * TR_UNAVAILABLE: log_warn; others: log_debug) and returns ERR. */
tr_err db_fail(struct db *db, tr_err err, const char *sql, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Copies MSG into DST (capacity N) on one line: newlines become spaces, trailing spaces go. */
void db_oneline(char *dst, size_t n, const char *msg);

/* PostgreSQL placeholders: copies SQL into OUT with each '?' outside string literals ('…', E'…',
 * $tag$…$tag$), quoted identifiers ("…") and comments (-- …, nested slash-star) replaced by $1, $2…;
 * *NPARAMS receives their number. Unterminated literals are copied as they are (the server reports
 * them). Errors: only OUT's cap (TR_TOO_LARGE). */
TR_MUST_USE tr_err db_pg_placeholders(const char *sql, struct buf *out, size_t *nparams);

/* The engines' constructors, called by db_open with the part of the URL they own. */
TR_MUST_USE tr_err db_sqlite_open(const char *path, struct db **out, char *errbuf, size_t errlen);
TR_MUST_USE tr_err db_pg_open(const char *url, struct db **out, char *errbuf, size_t errlen);

/* SQLite's online backup API between the connection DB and the file FILE: into FILE (created) when TO_FILE,
 * else from FILE (opened read-only) over DB's database. The whole copy is one step, hence one snapshot of the
 * source; a copy into FILE is then turned to a rollback journal (no -wal beside it) and passes PRAGMA
 * integrity_check. TR_UNAVAILABLE when FILE cannot be opened, TR_INTERNAL otherwise; the reason in ERRBUF. */
TR_MUST_USE tr_err db_sqlite_copy(struct db *db, const char *file, bool to_file, char *errbuf, size_t errlen);

#endif
