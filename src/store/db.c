/* The engine-independent half of the store: URL dispatch, the statement cache, transaction rules,
 * result materialisation, PostgreSQL placeholder translation and the cell accessors. */
#include "store/db_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"

/* Longest SQL text quoted in a log line. */
#define DB_LOG_SQL_MAX 2000

void
db_init(struct db *db, const struct db_ops *ops)
{
	db->ops = ops;
	db->errmsg[0] = '\0';
}

void
db_oneline(char *dst, size_t n, const char *msg)
{
	size_t i = 0;

	if (n == 0)
		return;
	for (; msg != NULL && *msg != '\0' && i + 1 < n; msg++)
		dst[i++] = (*msg == '\n' || *msg == '\r' || *msg == '\t') ? ' ' : *msg;
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	dst[i] = '\0';
}

tr_err
db_fail(struct db *db, tr_err err, const char *sql, const char *fmt, ...)
{
	char msg[DB_ERRMSG_MAX], line[DB_LOG_SQL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	db_oneline(db->errmsg, sizeof(db->errmsg), msg);
	db_oneline(line, sizeof(line), sql ? sql : "-");
	switch (err) {
	case TR_INTERNAL: log_error("db %s: %s; sql: %s", db->ops->name, db->errmsg, line); break;
	case TR_UNAVAILABLE: log_warn("db %s: %s; sql: %s", db->ops->name, db->errmsg, line); break;
	default: log_debug("db %s: %s (%s); sql: %s", db->ops->name, db->errmsg, tr_err_name(err), line); break;
	}
	return err;
}

/* Writes a one-line reason into ERRBUF (may be NULL). */
static void __attribute__((format(printf, 3, 4))) db_errbuf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	char msg[DB_ERRMSG_MAX];
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	db_oneline(errbuf, errlen, msg);
}

/* Opens a connection: "sqlite:PATH", "postgresql://…" or "postgres://…". */
tr_err
db_open(const char *url, struct db **out, char *errbuf, size_t errlen)
{
	struct str u = str_c(url);

	*out = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (url == NULL || *url == '\0') {
		db_errbuf(errbuf, errlen, "no database URL");
		return TR_INVALID;
	}
	if (str_starts(u, STR("sqlite:")))
		return db_sqlite_open(url + 7, out, errbuf, errlen);
	if (str_starts(u, STR("postgresql://")) || str_starts(u, STR("postgres://")))
		return db_pg_open(url, out, errbuf, errlen);
	db_errbuf(errbuf, errlen, "unknown database URL scheme (expected sqlite:PATH or postgresql://...)");
	return TR_INVALID;
}

/* Closes the connection: cached statements first, then the engine's handle. */
void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_cache_clear(db);
	free(db->cache.slots);
	free(db->row);
	free(db->names);
	db->ops->close(db);
}

/* Which engine serves this connection. */
enum db_engine
db_engine(const struct db *db)
{
	return db->ops->engine;
}

/* "sqlite" or "postgresql". */
const char *
db_engine_name(const struct db *db)
{
	return db->ops->name;
}

/* The last error message, "" when none. */
const char *
db_errmsg(const struct db *db)
{
	return db->errmsg;
}

/* Number of statements in the connection's cache. */
uint64_t
db_query_count(const struct db *db)
{
	return db->queries;
}

size_t
db_cached_statements(const struct db *db)
{
	return db->cache.n;
}

/* ---- statement cache ---- */

static uint64_t
db_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void *
db_cache_get(struct db *db, const char *sql)
{
	struct db_cache *c = &db->cache;
	uint64_t h;
	size_t i;

	if (c->n == 0)
		return NULL;
	h = db_hash(sql);
	for (i = h & (c->cap - 1); c->slots[i].sql != NULL; i = (i + 1) & (c->cap - 1))
		if (c->slots[i].hash == h && strcmp(c->slots[i].sql, sql) == 0)
			return c->slots[i].stmt;
	return NULL;
}

static void
db_cache_insert(struct db_cache *c, uint64_t h, char *sql, void *stmt)
{
	size_t i = h & (c->cap - 1);

	while (c->slots[i].sql != NULL)
		i = (i + 1) & (c->cap - 1);
	c->slots[i] = (struct db_cache_slot){ h, sql, stmt };
	c->n++;
}

static void
db_cache_grow(struct db_cache *c)
{
	struct db_cache_slot *old = c->slots;
	size_t oldcap = c->cap;

	c->cap = oldcap ? oldcap * 2 : 64;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	c->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].sql != NULL)
			db_cache_insert(c, old[i].hash, old[i].sql, old[i].stmt);
	free(old);
}

bool
db_cache_put(struct db *db, const char *sql, void *stmt)
{
	struct db_cache *c = &db->cache;

	if (c->n >= DB_CACHE_MAX) {
		if (!c->warned)
			log_warn("db %s: statement cache full (%d); is SQL being built at run time? last: %.200s",
			    db->ops->name, DB_CACHE_MAX, sql);
		c->warned = true;
		return false;
	}
	if ((c->n + 1) * 2 > c->cap)
		db_cache_grow(c);
	db_cache_insert(c, db_hash(sql), xstrdup(sql), stmt);
	return true;
}

void
db_cache_clear(struct db *db)
{
	struct db_cache *c = &db->cache;

	for (size_t i = 0; i < c->cap; i++) {
		if (c->slots[i].sql == NULL)
			continue;
		db->ops->stmt_free(db, c->slots[i].stmt);
		free(c->slots[i].sql);
		c->slots[i].sql = NULL;
	}
	c->n = 0;
}

void
db_row_reserve(struct db *db, size_t ncols)
{
	if (ncols <= db->row_cap)
		return;
	db->row = xrealloc(db->row, ncols * sizeof(*db->row));
	db->names = xrealloc(db->names, ncols * sizeof(*db->names));
	db->row_cap = ncols;
}

/* ---- running statements ---- */

bool
db_deadline_check(struct db *db)
{
	if (db->deadline == 0 || clock_mono_ms() < db->deadline)
		return false;
	db->deadline_hit = true;
	return true;
}

void
db_set_deadline(struct db *db, int64_t budget_ms)
{
	db->deadline = budget_ms > 0 ? clock_mono_ms() + budget_ms : 0;
	db->deadline_hit = false;
	if (db->ops->set_timeout != NULL)
		db->ops->set_timeout(db, budget_ms > 0 ? budget_ms : 0);
}

bool
db_deadline_hit(const struct db *db)
{
	return db->deadline_hit;
}

/* Refuses to run on a connection that is streaming, whose transaction has failed or whose time is spent. */
static tr_err
db_usable(struct db *db, const char *sql)
{
	if (sql == NULL)
		return db_fail(db, TR_INTERNAL, NULL, "no SQL given");
	if (db_deadline_check(db))
		return db_fail(db, TR_UNAVAILABLE, sql, "time budget of the request spent");
	if (db->busy)
		return db_fail(db, TR_INTERNAL, sql, "connection used inside a db_each callback");
	if (db->tx_failed)
		return db_fail(db, TR_INTERNAL, sql,
		    "current transaction is aborted by an earlier error; only db_rollback is allowed");
	return TR_OK;
}

static tr_err
db_check_params(struct db *db, const char *sql, const struct db_val *params, size_t nparams)
{
	if (nparams > 0 && params == NULL)
		return db_fail(db, TR_INTERNAL, sql, "%zu parameters announced, none given", nparams);
	for (size_t i = 0; i < nparams; i++) {
		const struct db_val *v = &params[i];

		switch (v->type) {
		case DBV_NULL:
		case DBV_INT:
		case DBV_REAL: break;
		case DBV_TEXT:
			if (v->s.n > 0 && v->s.p == NULL)
				return db_fail(db, TR_INTERNAL, sql, "parameter %zu: text without bytes", i + 1);
			if (v->s.n > 0 && memchr(v->s.p, '\0', v->s.n) != NULL)
				return db_fail(db, TR_INVALID, sql, "parameter %zu: text holds a NUL byte", i + 1);
			break;
		case DBV_BLOB:
			if (v->s.n > 0 && v->s.p == NULL)
				return db_fail(db, TR_INTERNAL, sql, "parameter %zu: blob without bytes", i + 1);
			break;
		default: return db_fail(db, TR_INTERNAL, sql, "parameter %zu: unknown type %d", i + 1, (int)v->type);
		}
	}
	return TR_OK;
}

/* Runs one statement through the engine; a failure inside a transaction aborts it. */
static tr_err
db_run(struct db *db, const char *sql, const struct db_val *params, size_t nparams, db_row_fn fn, void *ud, bool stream,
    int64_t *changes)
{
	tr_err err;

	if (changes != NULL)
		*changes = 0;
	if ((err = db_usable(db, sql)) != TR_OK)
		return err;
	err = db_check_params(db, sql, params, nparams);
	if (err == TR_OK) {
		int64_t started = clock_mono_us();
		db->queries++;
		db->busy = true;
		err = db->ops->run(db, sql, params, nparams, fn, ud, stream, changes);
		db->busy = false;
		metrics_add(METRIC_DB_STATEMENTS, 1);
		metrics_add(METRIC_DB_MICROS, (uint64_t)(clock_mono_us() - started));
		if (err != TR_OK)
			db_deadline_check(db); /* interrupted by the engine for the deadline */
	}
	if (err != TR_OK && db->in_tx)
		db->tx_failed = true;
	return err;
}

/* Runs one statement, discarding rows. */
tr_err
db_exec(struct db *db, const char *sql, const struct db_val *params, size_t nparams, int64_t *changes)
{
	return db_run(db, sql, params, nparams, NULL, NULL, false, changes);
}

/* Rows copied into an arena as they come; cells grow in the heap and move to the arena at the end. */
struct db_collect {
	struct arena *a;
	size_t limit; /* 0: all rows */
	size_t nrows, ncols;
	const char **names;
	struct db_val *cells;
	size_t cap;
};

static int
db_collect_row(void *ud, const struct db_val *cells, size_t ncols, const char **names)
{
	struct db_collect *c = ud;
	struct db_val *dst;

	if (c->nrows == 0) {
		c->ncols = ncols;
		c->names = arena_alloc(c->a, (ncols ? ncols : 1) * sizeof(*c->names));
		for (size_t i = 0; i < ncols; i++)
			c->names[i] = arena_strdup(c->a, names[i] ? names[i] : "");
	}
	if ((c->nrows + 1) * ncols > c->cap) {
		c->cap = c->cap ? c->cap * 2 : ncols * 16;
		c->cells = xrealloc(c->cells, c->cap * sizeof(*c->cells));
	}
	dst = c->cells + c->nrows * ncols;
	for (size_t i = 0; i < ncols; i++) {
		dst[i] = cells[i];
		if (cells[i].type == DBV_TEXT || cells[i].type == DBV_BLOB)
			dst[i].s.p = arena_strndup(c->a, cells[i].s.p ? cells[i].s.p : "", cells[i].s.n);
	}
	c->nrows++;
	return c->limit != 0 && c->nrows >= c->limit;
}

static tr_err
db_collect(struct db *db, struct arena *a, const char *sql, const struct db_val *params, size_t nparams, size_t limit,
    struct db_rows **out)
{
	struct db_collect c = { .a = a, .limit = limit };
	struct db_rows *rows;
	tr_err err;

	*out = NULL;
	err = db_run(db, sql, params, nparams, db_collect_row, &c, false, NULL);
	if (err != TR_OK)
		goto out;
	rows = arena_alloc(a, sizeof(*rows));
	rows->nrows = c.nrows;
	rows->ncols = c.nrows ? c.ncols : 0;
	rows->names = c.nrows ? c.names : NULL;
	rows->cells = arena_alloc(a, c.nrows * c.ncols * sizeof(*rows->cells));
	if (c.nrows * c.ncols > 0)
		memcpy(rows->cells, c.cells, c.nrows * c.ncols * sizeof(*rows->cells));
	*out = rows;
out:
	free(c.cells);
	return err;
}

/* Runs a query; rows, names and values are copied into A. */
tr_err
db_query(
    struct db *db, struct arena *a, const char *sql, const struct db_val *params, size_t nparams, struct db_rows **out)
{
	return db_collect(db, a, sql, params, nparams, 0, out);
}

/* Runs a query for its first row (others are not read); TR_NOT_FOUND when there is none. */
tr_err
db_one(
    struct db *db, struct arena *a, const char *sql, const struct db_val *params, size_t nparams, struct db_rows **out)
{
	tr_err err = db_collect(db, a, sql, params, nparams, 1, out);

	if (err == TR_OK && (*out)->nrows == 0) {
		*out = NULL;
		return TR_NOT_FOUND;
	}
	return err;
}

/* Streams the rows of a query to FN. */
tr_err
db_each(struct db *db, const char *sql, const struct db_val *params, size_t nparams, db_row_fn fn, void *ud)
{
	if (fn == NULL)
		return db_fail(db, TR_INTERNAL, sql, "db_each without a row function");
	return db_run(db, sql, params, nparams, fn, ud, true, NULL);
}

/* ---- multi-row statements ---- */

/* Rows of one chunk at most for NCOLS columns: DB_ROWS_CHUNK, within both engines' limits on parameters. */
static size_t
db_rows_max(size_t ncols)
{
	size_t k = DB_ROWS_CHUNK;

	while (k > 1 && k * ncols > 32000)
		k /= 2;
	return k;
}

/* HEAD VALUES (…) × K TAIL, in A. */
static const char *
db_rows_sql(struct arena *a, const char *head, const char *tail, size_t ncols, size_t k)
{
	size_t row = 2 + ncols * 3, n = strlen(head) + 8 + k * row + (tail ? strlen(tail) : 0) + 2;
	char *sql = arena_alloc(a, n), *p = sql;

	p += snprintf(p, n, "%s VALUES ", head);
	for (size_t r = 0; r < k; r++) {
		if (r)
			*p++ = ',';
		*p++ = '(';
		for (size_t c = 0; c < ncols; c++) {
			if (c)
				*p++ = ',';
			*p++ = '?';
		}
		*p++ = ')';
	}
	*p = '\0';
	if (tail && *tail)
		snprintf(p, n - (size_t)(p - sql), " %s", tail);
	return sql;
}

/* Runs the chunks; RESULT non-NULL collects their rows. */
static tr_err
db_rows_run(struct db *db, struct arena *a, const char *head, const char *tail, const struct db_val *params,
    size_t ncols, size_t nrows, int64_t *changes, struct db_collect *result)
{
	size_t max = db_rows_max(ncols);
	int64_t total = 0;
	tr_err err = TR_OK;

	if (changes)
		*changes = 0;
	if (head == NULL || ncols == 0)
		return db_fail(db, TR_INTERNAL, head, "multi-row statement without columns");
	for (size_t i = 0; i < nrows && err == TR_OK;) {
		size_t k = max;
		int64_t n = 0;
		while (k > nrows - i)
			k /= 2;
		err = db_run(db, db_rows_sql(a, head, tail, ncols, k), params + i * ncols, k * ncols,
		    result ? db_collect_row : NULL, result, false, &n);
		total += n;
		i += k;
	}
	if (changes)
		*changes = total;
	return err;
}

tr_err
db_exec_rows(struct db *db, struct arena *a, const char *head, const char *tail, const struct db_val *params,
    size_t ncols, size_t nrows, int64_t *changes)
{
	return db_rows_run(db, a, head, tail, params, ncols, nrows, changes, NULL);
}

tr_err
db_query_rows(struct db *db, struct arena *a, const char *head, const char *tail, const struct db_val *params,
    size_t ncols, size_t nrows, struct db_rows **out)
{
	struct db_collect c = { .a = a };
	struct db_rows *rows;
	tr_err err;

	*out = NULL;
	err = db_rows_run(db, a, head, tail, params, ncols, nrows, NULL, &c);
	if (err == TR_OK) {
		rows = arena_alloc(a, sizeof(*rows));
		rows->nrows = c.nrows;
		rows->ncols = c.nrows ? c.ncols : 0;
		rows->names = c.nrows ? c.names : NULL;
		rows->cells = arena_alloc(a, c.nrows * c.ncols * sizeof(*rows->cells));
		if (c.nrows * c.ncols > 0)
			memcpy(rows->cells, c.cells, c.nrows * c.ncols * sizeof(*rows->cells));
		*out = rows;
	}
	free(c.cells);
	return err;
}

/* Runs several statements; a failure inside a transaction aborts it. */
tr_err
db_exec_script(struct db *db, const char *sql)
{
	tr_err err;

	if ((err = db_usable(db, sql)) != TR_OK)
		return err;
	db->busy = true;
	err = db->ops->script(db, sql);
	db->busy = false;
	if (err != TR_OK && db->in_tx)
		db->tx_failed = true;
	return err;
}

/* ---- transactions ---- */

static tr_err
begin_with(struct db *db, const char *sql)
{
	tr_err err;

	if (db->in_tx)
		return db_fail(db, TR_INTERNAL, NULL, "nested transaction refused (db_begin inside a transaction)");
	err = db_run(db, sql, NULL, 0, NULL, NULL, false, NULL);
	if (err == TR_OK) {
		db->in_tx = true;
		db->tx_failed = false;
	}
	return err;
}

/* Opens a transaction (BEGIN IMMEDIATE on SQLite, READ COMMITTED on PostgreSQL). */
tr_err
db_begin(struct db *db)
{
	return begin_with(db, db->ops->begin_sql);
}

/* Opens a read-only snapshot (a deferred transaction on SQLite, REPEATABLE READ READ ONLY on PostgreSQL). */
tr_err
db_begin_read(struct db *db)
{
	return begin_with(db, db->ops->begin_read_sql);
}

/* Commits; an aborted or failing transaction is rolled back instead. */
tr_err
db_commit(struct db *db)
{
	tr_err err;

	if (!db->in_tx)
		return db_fail(db, TR_INTERNAL, NULL, "db_commit without a transaction");
	if (db->busy)
		return db_fail(db, TR_INTERNAL, NULL, "connection used inside a db_each callback");
	if (db->tx_failed) {
		db_rollback(db);
		return db_fail(
		    db, TR_INTERNAL, NULL, "commit of a transaction aborted by an earlier error: rolled back");
	}
	err = db_run(db, "COMMIT", NULL, 0, NULL, NULL, false, NULL);
	if (err != TR_OK) {
		db_rollback(db);
		return err;
	}
	db->in_tx = false;
	return TR_OK;
}

/* Rolls back the open transaction, if any; errors are ignored (the connection may be gone). */
void
db_rollback(struct db *db)
{
	if (!db->in_tx)
		return;
	if (db->busy) {
		log_error("db %s: db_rollback inside a db_each callback ignored", db->ops->name);
		return;
	}
	db->ops->rollback(db);
	db->in_tx = false;
	db->tx_failed = false;
}

/* Whether a transaction is open. */
bool
db_in_tx(const struct db *db)
{
	return db->in_tx;
}

/* One round trip. */
tr_err
db_ping(struct db *db)
{
	return db_exec(db, "SELECT 1", NULL, 0, NULL);
}

/* ---- PostgreSQL placeholders ---- */

static bool
db_ident_char(char c)
{
	unsigned char u = (unsigned char)c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u == '$' ||
	       u >= 0x80;
}

/* P is past the opening quote Q; a doubled quote stays inside; BACKSLASH: E'…' escapes. */
static const char *
db_skip_quoted(const char *p, char q, bool backslash)
{
	for (; *p != '\0'; p++) {
		if (backslash && *p == '\\' && p[1] != '\0') {
			p++;
		} else if (*p == q) {
			if (p[1] != q)
				return p + 1;
			p++;
		}
	}
	return p;
}

/* P is past the opening slash-star; PostgreSQL block comments nest. */
static const char *
db_skip_block_comment(const char *p)
{
	int depth = 1;

	while (*p != '\0') {
		if (p[0] == '/' && p[1] == '*') {
			depth++;
			p += 2;
		} else if (p[0] == '*' && p[1] == '/') {
			p += 2;
			if (--depth == 0)
				return p;
		} else {
			p++;
		}
	}
	return p;
}

/* P is at '$': returns the end of a $tag$…$tag$ literal, or P when none starts here ($1, a$b). */
static const char *
db_skip_dollar(const char *p)
{
	const char *q = p + 1;
	size_t taglen;

	if (*q >= '0' && *q <= '9')
		return p;
	while (*q != '$' && db_ident_char(*q))
		q++;
	if (*q != '$')
		return p;
	taglen = (size_t)(q + 1 - p);
	for (q++; *q != '\0'; q++)
		if (*q == '$' && strncmp(q, p, taglen) == 0)
			return q + taglen;
	return q;
}

/* Returns the end of the literal, identifier or comment that starts at P, or P when none does. */
static const char *
db_skip_token(const char *sql, const char *p)
{
	bool after_ident = p > sql && db_ident_char(p[-1]);

	switch (*p) {
	case '\'': {
		bool e = p > sql && (p[-1] == 'E' || p[-1] == 'e') && !(p - 1 > sql && db_ident_char(p[-2]));
		return db_skip_quoted(p + 1, '\'', e);
	}
	case '"': return db_skip_quoted(p + 1, '"', false);
	case '-': return p[1] == '-' ? p + 2 + strcspn(p + 2, "\n") : p;
	case '/': return p[1] == '*' ? db_skip_block_comment(p + 2) : p;
	case '$': return after_ident ? p : db_skip_dollar(p);
	default: return p;
	}
}

tr_err
db_pg_placeholders(const char *sql, struct buf *out, size_t *nparams)
{
	const char *p = sql, *copied = sql, *end;
	size_t n = 0;
	tr_err err = TR_OK;

	buf_reset(out);
	while (*p != '\0') {
		if (*p == '?') {
			if ((err = buf_append(out, copied, (size_t)(p - copied))) != TR_OK ||
			    (err = buf_printf(out, "$%zu", ++n)) != TR_OK)
				goto out;
			copied = ++p;
			continue;
		}
		end = db_skip_token(sql, p);
		p = end == p ? p + 1 : end;
	}
	err = buf_append(out, copied, (size_t)(p - copied));
out:
	*nparams = n;
	return err;
}

/* ---- cell accessors ---- */

/* Integer of an INT/TEXT/REAL cell, 0 otherwise. */
int64_t
db_int(const struct db_val *v)
{
	long long n;

	switch (v->type) {
	case DBV_INT: return v->i;
	case DBV_REAL: return (isfinite(v->r) && v->r > -9.2e18 && v->r < 9.2e18) ? (int64_t)v->r : 0;
	case DBV_TEXT: return str_to_i64(str_trim(v->s), &n) ? (int64_t)n : 0;
	default: return 0;
	}
}

/* Real of a REAL/INT/TEXT cell, 0 otherwise. */
double
db_real(const struct db_val *v)
{
	char *end;
	double r;

	switch (v->type) {
	case DBV_REAL: return v->r;
	case DBV_INT: return (double)v->i;
	case DBV_TEXT:
		if (v->s.p == NULL)
			return 0;
		r = strtod(v->s.p, &end);
		return end == v->s.p ? 0 : r;
	default: return 0;
	}
}

/* Text of a TEXT/BLOB cell, NULL otherwise. */
const char *
db_text(const struct db_val *v)
{
	return (v->type == DBV_TEXT || v->type == DBV_BLOB) ? (v->s.p ? v->s.p : "") : NULL;
}

/* Whether the cell is NULL. */
bool
db_isnull(const struct db_val *v)
{
	return v->type == DBV_NULL;
}
