/* The SQLite engine: one connection per thread (NOMUTEX), WAL, statements prepared once (PERSISTENT)
 * and cached by SQL text. */
#include "store/db_int.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/time.h"

/* How long a statement waits for the write lock (never past the connection's deadline). Since the HTTP
 * handlers run on the worker threads, that wait happens there, never on an event loop. */
#define SQLITE_BUSY_MS 5000
/* Virtual-machine steps between two looks at the clock while a deadline is set. */
#define SQLITE_PROGRESS_STEPS 1000

struct db_sqlite {
	struct db base; /* first: a struct db * is a struct db_sqlite * */
	sqlite3 *h;
	int64_t busy_since; /* when the current wait for the lock began */
};

static tr_err
sqlite_code(int code)
{
	switch (code) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_ROWID:
	case SQLITE_CONSTRAINT_FOREIGNKEY: return TR_CONFLICT;
	default: break;
	}
	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_INTERRUPT: return TR_UNAVAILABLE;
	/* The disk full: the statement is rolled back and the database stays intact; the service is unavailable for
	 * writes until there is room, which is not a fault of the program (503, not 500). */
	case SQLITE_FULL: return TR_UNAVAILABLE;
	default: return TR_INTERNAL;
	}
}

/* Records the connection's last error. */
static tr_err
sqlite_fail(struct db_sqlite *s, const char *sql)
{
	int code = sqlite3_extended_errcode(s->h);

	return db_fail(&s->base, sqlite_code(code), sql, "%s (sqlite code %d)", sqlite3_errmsg(s->h), code);
}

/* Finds or prepares the statement for SQL; *CACHED tells whether the cache owns it. */
static tr_err
sqlite_prepare(struct db_sqlite *s, const char *sql, sqlite3_stmt **out, bool *cached)
{
	sqlite3_stmt *st = db_cache_get(&s->base, sql);
	const char *tail = NULL;

	*out = NULL;
	*cached = false;
	if (st != NULL) {
		*out = st;
		*cached = true;
		return TR_OK;
	}
	if (sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail) != SQLITE_OK)
		return sqlite_fail(s, sql);
	if (st == NULL)
		return db_fail(&s->base, TR_INTERNAL, sql, "empty statement");
	if (tail != NULL && tail[strspn(tail, " \t\r\n;")] != '\0') {
		sqlite3_finalize(st);
		return db_fail(&s->base, TR_INTERNAL, sql, "several statements given: use db_exec_script");
	}
	*cached = db_cache_put(&s->base, sql, st);
	*out = st;
	return TR_OK;
}

static tr_err
sqlite_bind(struct db_sqlite *s, sqlite3_stmt *st, const char *sql, const struct db_val *params, size_t nparams)
{
	int want = sqlite3_bind_parameter_count(st);
	int rc = SQLITE_OK;

	if (want < 0 || (size_t)want != nparams)
		return db_fail(&s->base, TR_INTERNAL, sql, "%d placeholders but %zu parameters", want, nparams);
	for (size_t i = 0; i < nparams && rc == SQLITE_OK; i++) {
		const struct db_val *v = &params[i];
		int k = (int)i + 1;

		switch (v->type) {
		case DBV_INT: rc = sqlite3_bind_int64(st, k, v->i); break;
		case DBV_REAL: rc = sqlite3_bind_double(st, k, v->r); break;
		case DBV_TEXT:
			rc = sqlite3_bind_text64(st, k, v->s.p ? v->s.p : "", v->s.n, SQLITE_STATIC, SQLITE_UTF8);
			break;
		case DBV_BLOB: rc = sqlite3_bind_blob64(st, k, v->s.p ? v->s.p : "", v->s.n, SQLITE_STATIC); break;
		default: rc = sqlite3_bind_null(st, k); break;
		}
	}
	return rc == SQLITE_OK ? TR_OK : sqlite_fail(s, sql);
}

/* Fills the scratch row from the current result row. */
static void
sqlite_row(struct db *db, sqlite3_stmt *st, int ncols)
{
	for (int i = 0; i < ncols; i++) {
		struct db_val *v = &db->row[i];

		*v = (struct db_val){ .type = DBV_NULL };
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v->type = DBV_INT;
			v->i = sqlite3_column_int64(st, i);
			break;
		case SQLITE_FLOAT:
			v->type = DBV_REAL;
			v->r = sqlite3_column_double(st, i);
			break;
		case SQLITE_TEXT:
			v->type = DBV_TEXT;
			v->s.p = (const char *)sqlite3_column_text(st, i);
			v->s.n = (size_t)sqlite3_column_bytes(st, i);
			if (v->s.p == NULL)
				tr_oom("sqlite3_column_text");
			break;
		case SQLITE_BLOB:
			v->type = DBV_BLOB;
			v->s.p = sqlite3_column_blob(st, i);
			v->s.n = (size_t)sqlite3_column_bytes(st, i);
			if (v->s.p == NULL)
				v->s.p = "";
			break;
		default: break;
		}
	}
}

/* Points db->names at the statement's column names; returns their number. */
static int
sqlite_names(struct db *db, sqlite3_stmt *st)
{
	int ncols = sqlite3_column_count(st);

	db_row_reserve(db, (size_t)ncols);
	for (int i = 0; i < ncols; i++) {
		db->names[i] = sqlite3_column_name(st, i);
		if (db->names[i] == NULL)
			tr_oom("sqlite3_column_name");
	}
	return ncols;
}

static tr_err
sqlite_run(struct db *db, const char *sql, const struct db_val *params, size_t nparams, db_row_fn fn, void *ud,
    bool stream, int64_t *changes)
{
	struct db_sqlite *s = (struct db_sqlite *)db;
	sqlite3_stmt *st;
	sqlite3_int64 before;
	bool cached;
	int rc, ncols = 0;
	tr_err err;

	(void)stream; /* stepping is always streaming */
	if ((err = sqlite_prepare(s, sql, &st, &cached)) != TR_OK)
		return err;
	if ((err = sqlite_bind(s, st, sql, params, nparams)) != TR_OK)
		goto out;
	before = sqlite3_total_changes64(s->h);
	for (bool first = true; (rc = sqlite3_step(st)) == SQLITE_ROW; first = false) {
		if (fn == NULL)
			continue;
		/* Only now: a schema change re-prepares the statement inside the first step, freeing the
		 * names read before it. */
		if (first)
			ncols = sqlite_names(db, st);
		sqlite_row(db, st, ncols);
		if (fn(ud, db->row, (size_t)ncols, db->names) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		err = sqlite_fail(s, sql);
		goto out;
	}
	/* sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE: trust it only if this one
	 * changed something. */
	if (changes != NULL)
		*changes = sqlite3_total_changes64(s->h) == before ? 0 : sqlite3_changes64(s->h);
out:
	if (cached) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
	return err;
}

static tr_err
sqlite_script(struct db *db, const char *sql)
{
	struct db_sqlite *s = (struct db_sqlite *)db;
	char *msg = NULL;
	tr_err err = TR_OK;

	if (sqlite3_exec(s->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_extended_errcode(s->h);

		err =
		    db_fail(db, sqlite_code(code), sql, "%s (sqlite code %d)", msg ? msg : sqlite3_errmsg(s->h), code);
	}
	sqlite3_free(msg);
	return err;
}

static void
sqlite_rollback(struct db *db)
{
	struct db_sqlite *s = (struct db_sqlite *)db;

	/* SQLite may have rolled back already (some I/O and busy errors do). */
	if (!sqlite3_get_autocommit(s->h))
		sqlite3_exec(s->h, "ROLLBACK", NULL, NULL, NULL);
}

static void
sqlite_stmt_free(struct db *db, void *stmt)
{
	(void)db;
	sqlite3_finalize(stmt);
}

static void
sqlite_close(struct db *db)
{
	struct db_sqlite *s = (struct db_sqlite *)db;

	sqlite3_close_v2(s->h);
	free(s);
}

/* Interrupts the statement running (SQLITE_INTERRUPT) once the connection's deadline has passed. */
static int
sqlite_progress(void *ud)
{
	struct db_sqlite *s = ud;

	return db_deadline_check(&s->base) ? 1 : 0;
}

/* Waits for the write lock: short sleeps up to SQLITE_BUSY_MS, or until the deadline. */
static int
sqlite_busy(void *ud, int count)
{
	static const int delays_ms[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 };
	struct db_sqlite *s = ud;
	int64_t now = clock_mono_ms(), left;
	int ms = delays_ms[count < 12 ? count : 11];
	struct timespec ts;

	if (count == 0)
		s->busy_since = now;
	if (db_deadline_check(&s->base))
		return 0;
	left = SQLITE_BUSY_MS - (now - s->busy_since);
	if (s->base.deadline != 0 && s->base.deadline - now < left)
		left = s->base.deadline - now;
	if (left <= 0)
		return 0;
	if (ms > left)
		ms = (int)left;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)ms * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

static const struct db_ops sqlite_ops = {
	.engine = DB_SQLITE,
	.name = "sqlite",
	.begin_sql = "BEGIN IMMEDIATE",
	.begin_read_sql = "BEGIN DEFERRED",
	.run = sqlite_run,
	.script = sqlite_script,
	.rollback = sqlite_rollback,
	.stmt_free = sqlite_stmt_free,
	.close = sqlite_close,
};

/* SQLite creates the file, not its directory: say which directory is missing. */
static tr_err
sqlite_check_dir(const char *path, char *errbuf, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	size_t len;

	if (slash == NULL)
		return TR_OK;
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= sizeof(dir)) {
		snprintf(errbuf, errlen, "sqlite: path too long: %.200s", path);
		return TR_INVALID;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "sqlite: directory %s does not exist (database %s)", dir, path);
		return TR_UNAVAILABLE;
	}
	return TR_OK;
}

static int
sqlite_mode_cb(void *ud, int ncols, char **vals, char **names)
{
	(void)names;
	if (ncols > 0 && vals[0] != NULL)
		snprintf(ud, 16, "%s", vals[0]);
	return 0;
}

/* Page cache of a connection, grown on demand up to this size: a bulk import (50,000 places in one
 * transaction) then stays in memory instead of spilling pages to the WAL before it commits. */
#define SQLITE_CACHE_KIB "-65536"

/* Applies the connection settings: WAL, foreign keys, busy timeout, synchronous=NORMAL, cache size, and
 * temporary files (statement journals of multi-row inserts, sorts) in memory rather than in /var/tmp. */
static tr_err
sqlite_configure(struct db_sqlite *s, const char *path, char *errbuf, size_t errlen)
{
	char mode[16] = "";
	char *msg = NULL;
	int fk = 0;

	sqlite3_extended_result_codes(s->h, 1);
	sqlite3_busy_handler(s->h, sqlite_busy, s);
	sqlite3_progress_handler(s->h, SQLITE_PROGRESS_STEPS, sqlite_progress, s);
	if (sqlite3_exec(s->h, "PRAGMA journal_mode=WAL", sqlite_mode_cb, mode, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->h, "PRAGMA synchronous=NORMAL", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->h, "PRAGMA cache_size=" SQLITE_CACHE_KIB, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->h, "PRAGMA temp_store=MEMORY", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(errbuf, errlen, "sqlite: cannot configure %s: %s", path, msg ? msg : sqlite3_errmsg(s->h));
		sqlite3_free(msg);
		return TR_UNAVAILABLE;
	}
	if (strcmp(path, ":memory:") != 0 && strcmp(mode, "wal") != 0) {
		snprintf(errbuf, errlen, "sqlite: cannot use WAL on %s (journal mode is %s)", path, mode);
		return TR_UNAVAILABLE;
	}
	if (sqlite3_db_config(s->h, SQLITE_DBCONFIG_ENABLE_FKEY, 1, &fk) != SQLITE_OK || fk != 1) {
		snprintf(errbuf, errlen, "sqlite: cannot enable foreign keys on %s", path);
		return TR_UNAVAILABLE;
	}
	return TR_OK;
}

tr_err
db_sqlite_open(const char *path, struct db **out, char *errbuf, size_t errlen)
{
	struct db_sqlite *s;
	char scratch[1];
	tr_err err;

	if (errbuf == NULL || errlen == 0) {
		errbuf = scratch;
		errlen = sizeof(scratch);
	}
	if (*path == '\0') {
		snprintf(errbuf, errlen, "sqlite: empty path (expected sqlite:PATH)");
		return TR_INVALID;
	}
	if (strcmp(path, ":memory:") != 0 && (err = sqlite_check_dir(path, errbuf, errlen)) != TR_OK)
		return err;
	s = xcalloc(1, sizeof(*s));
	db_init(&s->base, &sqlite_ops);
	if (sqlite3_open_v2(path, &s->h, SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(
		    errbuf, errlen, "sqlite: cannot open %s: %s", path, s->h ? sqlite3_errmsg(s->h) : "out of memory");
		err = TR_UNAVAILABLE;
		goto fail;
	}
	if ((err = sqlite_configure(s, path, errbuf, errlen)) != TR_OK)
		goto fail;
	*out = &s->base;
	return TR_OK;
fail:
	db_close(&s->base);
	return err;
}

tr_err
db_sqlite_copy(struct db *db, const char *file, bool to_file, char *errbuf, size_t errlen)
{
	struct db_sqlite *s = (struct db_sqlite *)db;
	sqlite3 *other = NULL, *src, *dst;
	sqlite3_backup *b;
	int flags = to_file ? SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	int rc;

	if (db->ops != &sqlite_ops || db->in_tx) {
		snprintf(errbuf, errlen, "sqlite: a copy needs a SQLite connection outside any transaction");
		return TR_INTERNAL;
	}
	if (sqlite3_open_v2(file, &other, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "sqlite: cannot open %s: %s", file,
		    other ? sqlite3_errmsg(other) : "out of memory");
		sqlite3_close(other);
		return TR_UNAVAILABLE;
	}
	sqlite3_busy_timeout(other, SQLITE_BUSY_MS);
	src = to_file ? s->h : other;
	dst = to_file ? other : s->h;
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(errbuf, errlen, "sqlite: cannot start the copy: %s", sqlite3_errmsg(dst));
		sqlite3_close(other);
		return TR_INTERNAL;
	}
	/* All pages in one step: the source's read transaction spans the whole copy, so the copy is one
	 * snapshot; in WAL mode the writers of other connections go on meanwhile. A busy source is retried. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(100);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(errbuf, errlen, "sqlite: the copy failed: %s (sqlite code %d)", sqlite3_errstr(rc), rc);
		sqlite3_close(other);
		return TR_INTERNAL;
	}
	/* The copy: a plain file (rollback journal), so that reading it later leaves no -wal or -shm beside it,
	 * and read back whole once. */
	if (to_file) {
		char *msg = NULL;
		char ok[16] = "";
		if (sqlite3_exec(other, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(other, "PRAGMA integrity_check", sqlite_mode_cb, ok, &msg) != SQLITE_OK ||
		    strcmp(ok, "ok") != 0) {
			snprintf(errbuf, errlen, "sqlite: the copy %s fails its check: %s", file, msg ? msg : ok);
			sqlite3_free(msg);
			sqlite3_close(other);
			return TR_INTERNAL;
		}
	}
	if (sqlite3_close(other) != SQLITE_OK) {
		snprintf(errbuf, errlen, "sqlite: cannot close %s", file);
		return TR_INTERNAL;
	}
	return TR_OK;
}
