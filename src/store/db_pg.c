/* The PostgreSQL engine (libpq): statements prepared once per connection as s1, s2… and cached by SQL
 * text; parameters and results in text format except bytea; one PQreset after a lost connection. */
#include "store/db_int.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"

/* Type OIDs of pg_type (catalog/pg_type_d.h is a server header). */
enum {
	PG_BOOLOID = 16,
	PG_BYTEAOID = 17,
	PG_INT8OID = 20,
	PG_INT2OID = 21,
	PG_INT4OID = 23,
	PG_FLOAT4OID = 700,
	PG_FLOAT8OID = 701,
	PG_NUMERICOID = 1700,
};

#define PG_MAX_PARAMS 65535
#define PG_CONNECT_TIMEOUT "5"
#define PG_STATEMENT_TIMEOUT_MS 30000 /* without a deadline */
#define PG_SESSION_OPTIONS "-c statement_timeout=30000"

struct pg_stmt {
	char name[16];
	size_t nparams;
};

struct db_pg {
	struct db base; /* first: a struct db * is a struct db_pg * */
	PGconn *conn;
	bool need_reset;    /* the connection was lost: PQreset before the next statement */
	int64_t timeout_ms; /* the session's statement_timeout */
	unsigned next_stmt;
	/* Parameter scratch: values, lengths, formats, text offsets into ptext. */
	const char **pv;
	int *pl, *pf;
	size_t *poff;
	size_t pcap;
	struct buf ptext;
	/* bytea cells decoded for the current row, freed after the callback */
	unsigned char **decoded;
	size_t ndecoded, decoded_cap;
};

/* Maps a SQLSTATE (NULL when there is none) to our codes; notes lost connections. */
static tr_err
pg_code(struct db_pg *pg, const char *state)
{
	if (PQstatus(pg->conn) == CONNECTION_BAD) {
		pg->need_reset = true;
		return TR_UNAVAILABLE;
	}
	if (state == NULL)
		return TR_INTERNAL;
	if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0)
		return TR_CONFLICT; /* unique, foreign key */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return TR_CONFLICT; /* serialization failure, deadlock: retry */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0) {
		pg->need_reset = true; /* connection exception, server shutting down */
		return TR_UNAVAILABLE;
	}
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
		return TR_UNAVAILABLE; /* statement timeout, lock not available */
	return TR_INTERNAL;
}

/* Records the error of RES (NULL: of the connection). */
static tr_err
pg_fail(struct db_pg *pg, const PGresult *res, const char *sql)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(pg->conn);
	if ((msg == NULL || *msg == '\0') && res != NULL)
		msg = PQresStatus(PQresultStatus(res));
	return db_fail(&pg->base, pg_code(pg, state), sql, "%s%s%s%s%s", state ? state : "", state ? ": " : "", msg,
	    detail ? ". " : "", detail ? detail : "");
}

/* Reconnects once if the connection was lost; the server's prepared statements went with it. */
static tr_err
pg_ready(struct db_pg *pg, const char *sql)
{
	if (!pg->need_reset && PQstatus(pg->conn) == CONNECTION_OK)
		return TR_OK;
	db_cache_clear(&pg->base);
	pg->next_stmt = 0;
	PQreset(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		pg->need_reset = true;
		return db_fail(&pg->base, TR_UNAVAILABLE, sql, "reconnection failed: %s", PQerrorMessage(pg->conn));
	}
	pg->need_reset = false;
	pg->timeout_ms = PG_STATEMENT_TIMEOUT_MS; /* a new session: the options of the connection string */
	log_info("db postgresql: connection re-established");
	return TR_OK;
}

/* Finds or prepares the statement for SQL. *OUT is NULL when the cache is full: TEXT then holds the
 * translated SQL, to run unnamed. */
static tr_err
pg_statement(struct db_pg *pg, const char *sql, size_t nparams, struct pg_stmt **out, struct buf *text)
{
	struct pg_stmt *st = db_cache_get(&pg->base, sql);
	PGresult *res;
	size_t count;
	tr_err err;

	*out = NULL;
	if (st != NULL) {
		if (st->nparams != nparams)
			return db_fail(
			    &pg->base, TR_INTERNAL, sql, "%zu placeholders but %zu parameters", st->nparams, nparams);
		*out = st;
		return TR_OK;
	}
	if ((err = db_pg_placeholders(sql, text, &count)) != TR_OK)
		return db_fail(&pg->base, err, sql, "SQL too large");
	if (count != nparams)
		return db_fail(&pg->base, TR_INTERNAL, sql, "%zu placeholders but %zu parameters", count, nparams);
	if (count > PG_MAX_PARAMS)
		return db_fail(&pg->base, TR_INTERNAL, sql, "more than %d parameters", PG_MAX_PARAMS);
	if (db_cached_statements(&pg->base) >= DB_CACHE_MAX) {
		(void)db_cache_put(&pg->base, sql, NULL); /* only warns, once */
		return TR_OK;
	}
	st = xcalloc(1, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "s%u", ++pg->next_stmt);
	st->nparams = count;
	res = PQprepare(pg->conn, st->name, buf_str(text).p, (int)count, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err = pg_fail(pg, res, sql);
		PQclear(res);
		free(st);
		return err;
	}
	PQclear(res);
	(void)db_cache_put(&pg->base, sql, st);
	*out = st;
	return TR_OK;
}

static void
pg_reserve_params(struct db_pg *pg, size_t n)
{
	if (n <= pg->pcap)
		return;
	pg->pv = xrealloc(pg->pv, n * sizeof(*pg->pv));
	pg->pl = xrealloc(pg->pl, n * sizeof(*pg->pl));
	pg->pf = xrealloc(pg->pf, n * sizeof(*pg->pf));
	pg->poff = xrealloc(pg->poff, n * sizeof(*pg->poff));
	pg->pcap = n;
}

/* Text form of one value into ptext, NUL-terminated. */
static tr_err
pg_param_text(struct db_pg *pg, const struct db_val *v)
{
	tr_err err;

	switch (v->type) {
	case DBV_INT: err = buf_printf(&pg->ptext, "%" PRId64, v->i); break;
	case DBV_REAL:
		if (isnan(v->r))
			err = buf_puts(&pg->ptext, "NaN");
		else if (isinf(v->r))
			err = buf_puts(&pg->ptext, v->r > 0 ? "Infinity" : "-Infinity");
		else
			err = buf_printf(&pg->ptext, "%.17g", v->r);
		break;
	default: err = buf_append(&pg->ptext, v->s.p ? v->s.p : "", v->s.n); break;
	}
	return err == TR_OK ? buf_putc(&pg->ptext, '\0') : err;
}

/* Fills pv/pl/pf: text for all but BLOB, sent binary. */
static tr_err
pg_bind(struct db_pg *pg, const char *sql, const struct db_val *params, size_t nparams)
{
	tr_err err;

	pg_reserve_params(pg, nparams);
	buf_reset(&pg->ptext);
	for (size_t i = 0; i < nparams; i++) {
		const struct db_val *v = &params[i];

		pg->pv[i] = NULL;
		pg->pl[i] = 0;
		pg->pf[i] = 0;
		pg->poff[i] = SIZE_MAX;
		if (v->type == DBV_NULL)
			continue;
		if (v->type == DBV_BLOB) {
			if (v->s.n > INT_MAX)
				return db_fail(&pg->base, TR_TOO_LARGE, sql, "parameter %zu: blob too large", i + 1);
			pg->pv[i] = v->s.p ? v->s.p : "";
			pg->pl[i] = (int)v->s.n;
			pg->pf[i] = 1;
			continue;
		}
		pg->poff[i] = pg->ptext.n;
		if ((err = pg_param_text(pg, v)) != TR_OK)
			return db_fail(&pg->base, err, sql, "parameters too large");
	}
	for (size_t i = 0; i < nparams; i++)
		if (pg->poff[i] != SIZE_MAX)
			pg->pv[i] = pg->ptext.p + pg->poff[i];
	return TR_OK;
}

/* One result cell, typed by its column. */
static void
pg_cell(struct db_pg *pg, const PGresult *res, int row, int col, struct db_val *v)
{
	const char *s;
	long long n;
	size_t len;
	unsigned char *b;

	*v = (struct db_val){ .type = DBV_NULL };
	if (PQgetisnull(res, row, col))
		return;
	s = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case PG_INT2OID:
	case PG_INT4OID:
	case PG_INT8OID:
		if (str_to_i64(str_c(s), &n)) {
			v->type = DBV_INT;
			v->i = n;
			return;
		}
		break;
	case PG_BOOLOID:
		v->type = DBV_INT;
		v->i = s[0] == 't';
		return;
	case PG_FLOAT4OID:
	case PG_FLOAT8OID:
	case PG_NUMERICOID:
		v->type = DBV_REAL;
		v->r = strtod(s, NULL);
		return;
	case PG_BYTEAOID:
		b = PQunescapeBytea((const unsigned char *)s, &len);
		if (b == NULL)
			tr_oom("PQunescapeBytea");
		pg->decoded[pg->ndecoded++] = b;
		v->type = DBV_BLOB;
		v->s = (struct str){ (const char *)b, len };
		return;
	default: break;
	}
	v->type = DBV_TEXT;
	v->s = (struct str){ s, (size_t)PQgetlength(res, row, col) };
}

/* Hands every row of RES to FN; returns non-zero when FN asked to stop. */
static int
pg_rows(struct db_pg *pg, const PGresult *res, db_row_fn fn, void *ud)
{
	struct db *db = &pg->base;
	int nrows = PQntuples(res), ncols = PQnfields(res), stop = 0;

	if (nrows == 0)
		return 0;
	db_row_reserve(db, (size_t)ncols);
	if ((size_t)ncols > pg->decoded_cap) {
		pg->decoded = xrealloc(pg->decoded, (size_t)ncols * sizeof(*pg->decoded));
		pg->decoded_cap = (size_t)ncols;
	}
	for (int c = 0; c < ncols; c++)
		db->names[c] = PQfname(res, c);
	for (int r = 0; r < nrows && !stop; r++) {
		for (int c = 0; c < ncols; c++)
			pg_cell(pg, res, r, c, &db->row[c]);
		stop = fn(ud, db->row, (size_t)ncols, db->names);
		for (size_t i = 0; i < pg->ndecoded; i++)
			PQfreemem(pg->decoded[i]);
		pg->ndecoded = 0;
	}
	return stop;
}

/* Rows changed by a command ("UPDATE 3" → 3; SELECT changes nothing). */
static int64_t
pg_changes(const PGresult *res)
{
	long long n;

	if (strncmp(PQcmdStatus((PGresult *)res), "SELECT", 6) == 0)
		return 0;
	return str_to_i64(str_c(PQcmdTuples((PGresult *)res)), &n) ? (int64_t)n : 0;
}

static tr_err
pg_result(struct db_pg *pg, const PGresult *res, const char *sql, db_row_fn fn, void *ud, int64_t *changes)
{
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		if (fn != NULL)
			(void)pg_rows(pg, res, fn, ud);
		break;
	case PGRES_COMMAND_OK: break;
	default: return pg_fail(pg, res, sql);
	}
	if (changes != NULL)
		*changes = pg_changes(res);
	/* COMMIT of a transaction the server had aborted answers ROLLBACK, not an error. */
	if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus((PGresult *)res), "ROLLBACK") == 0)
		return db_fail(&pg->base, TR_INTERNAL, sql, "the server rolled the transaction back");
	return TR_OK;
}

/* Single-row mode: one PGresult per row; the result is always read to its end. */
static tr_err
pg_stream(struct db_pg *pg, const char *sql, const struct pg_stmt *st, const char *text, size_t nparams, db_row_fn fn,
    void *ud)
{
	PGresult *res;
	tr_err err = TR_OK;
	int sent, stop = 0;

	if (st != NULL)
		sent = PQsendQueryPrepared(pg->conn, st->name, (int)nparams, pg->pv, pg->pl, pg->pf, 0);
	else
		sent = PQsendQueryParams(pg->conn, text, (int)nparams, NULL, pg->pv, pg->pl, pg->pf, 0);
	if (!sent)
		return pg_fail(pg, NULL, sql);
	(void)PQsetSingleRowMode(pg->conn); /* on failure rows come in one result: still correct */
	while ((res = PQgetResult(pg->conn)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			if (err == TR_OK && !stop)
				stop = pg_rows(pg, res, fn, ud);
			break;
		case PGRES_COMMAND_OK: break;
		default:
			if (err == TR_OK)
				err = pg_fail(pg, res, sql);
			break;
		}
		PQclear(res);
	}
	return err;
}

static tr_err
pg_run(struct db *db, const char *sql, const struct db_val *params, size_t nparams, db_row_fn fn, void *ud, bool stream,
    int64_t *changes)
{
	struct db_pg *pg = (struct db_pg *)db;
	struct buf text = BUF_INIT(0);
	struct pg_stmt *st;
	PGresult *res = NULL;
	tr_err err;

	if ((err = pg_ready(pg, sql)) != TR_OK)
		return err;
	if ((err = pg_statement(pg, sql, nparams, &st, &text)) != TR_OK)
		goto out;
	if ((err = pg_bind(pg, sql, params, nparams)) != TR_OK)
		goto out;
	if (stream) {
		err = pg_stream(pg, sql, st, buf_str(&text).p, nparams, fn, ud);
		goto out;
	}
	if (st != NULL)
		res = PQexecPrepared(pg->conn, st->name, (int)nparams, pg->pv, pg->pl, pg->pf, 0);
	else
		res = PQexecParams(pg->conn, buf_str(&text).p, (int)nparams, NULL, pg->pv, pg->pl, pg->pf, 0);
	err = res ? pg_result(pg, res, sql, fn, ud, changes) : pg_fail(pg, NULL, sql);
out:
	PQclear(res);
	buf_free(&text);
	return err;
}

static tr_err
pg_script(struct db *db, const char *sql)
{
	struct db_pg *pg = (struct db_pg *)db;
	PGresult *res;
	tr_err err;

	if ((err = pg_ready(pg, sql)) != TR_OK)
		return err;
	res = PQexec(pg->conn, sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY: break;
	default: err = pg_fail(pg, res, sql); break;
	}
	PQclear(res);
	return err;
}

static void
pg_rollback(struct db *db)
{
	struct db_pg *pg = (struct db_pg *)db;

	/* A lost connection took its transaction with it. */
	if (pg->need_reset || PQstatus(pg->conn) != CONNECTION_OK || PQtransactionStatus(pg->conn) == PQTRANS_IDLE)
		return;
	PQclear(PQexec(pg->conn, "ROLLBACK"));
	if (PQstatus(pg->conn) != CONNECTION_OK)
		pg->need_reset = true;
}

static void
pg_stmt_free(struct db *db, void *stmt)
{
	(void)db;
	free(stmt); /* the server's copy dies with the session, or after PQreset */
}

static void
pg_close(struct db *db)
{
	struct db_pg *pg = (struct db_pg *)db;

	PQfinish(pg->conn);
	free(pg->pv);
	free(pg->pl);
	free(pg->pf);
	free(pg->poff);
	buf_free(&pg->ptext);
	free(pg->decoded);
	free(pg);
}

/* statement_timeout for the statements that follow (set only when it changes: one round trip). */
static void
pg_set_timeout(struct db *db, int64_t ms)
{
	struct db_pg *pg = (struct db_pg *)db;
	char sql[64];

	if (ms <= 0)
		ms = PG_STATEMENT_TIMEOUT_MS;
	if (ms == pg->timeout_ms || db->in_tx || pg_ready(pg, "SET statement_timeout") != TR_OK)
		return;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %lld", (long long)ms);
	if (pg_script(db, sql) == TR_OK)
		pg->timeout_ms = ms;
}

static const struct db_ops pg_ops = {
	.engine = DB_POSTGRES,
	.name = "postgresql",
	.begin_sql = "BEGIN ISOLATION LEVEL READ COMMITTED",
	.begin_read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	.run = pg_run,
	.script = pg_script,
	.rollback = pg_rollback,
	.stmt_free = pg_stmt_free,
	.close = pg_close,
	.set_timeout = pg_set_timeout,
};

/* Server notices (e.g. "relation already exists, skipping") go to the debug log, not to stderr. */
static void
pg_notice(void *arg, const char *message)
{
	char line[DB_ERRMSG_MAX];

	(void)arg;
	db_oneline(line, sizeof(line), message);
	log_debug("db postgresql: %s", line);
}

/* The URL's own "options" with our statement timeout appended (the last -c wins). */
static char *
pg_options(const PQconninfoOption *opts)
{
	struct buf b = BUF_INIT(0);

	for (; opts->keyword != NULL; opts++)
		if (strcmp(opts->keyword, "options") == 0 && opts->val != NULL && *opts->val != '\0')
			if (buf_puts(&b, opts->val) != TR_OK || buf_putc(&b, ' ') != TR_OK)
				tr_oom("pg options");
	if (buf_puts(&b, PG_SESSION_OPTIONS) != TR_OK)
		tr_oom("pg options");
	return b.p;
}

tr_err
db_pg_open(const char *url, struct db **out, char *errbuf, size_t errlen)
{
	/* The URL is expanded from "dbname"; keys before it are defaults the URL may override, keys after
	 * it are forced (and kept by PQreset). */
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname", "client_encoding",
		"options", NULL };
	const char *vals[6];
	PQconninfoOption *opts;
	char *perr = NULL, *options, scratch[1];
	struct db_pg *pg;
	PGconn *conn;

	if (errbuf == NULL || errlen == 0) {
		errbuf = scratch;
		errlen = sizeof(scratch);
	}
	opts = PQconninfoParse(url, &perr);
	if (opts == NULL) {
		char line[DB_ERRMSG_MAX];

		db_oneline(line, sizeof(line), perr ? perr : "out of memory");
		snprintf(errbuf, errlen, "postgresql: malformed URL: %s", line);
		PQfreemem(perr);
		return TR_INVALID;
	}
	options = pg_options(opts);
	PQconninfoFree(opts);
	vals[0] = PG_CONNECT_TIMEOUT;
	vals[1] = "tremplin";
	vals[2] = url;
	vals[3] = "UTF8";
	vals[4] = options;
	vals[5] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	free(options);
	if (conn == NULL)
		tr_oom("PQconnectdbParams");
	if (PQstatus(conn) != CONNECTION_OK) {
		char line[DB_ERRMSG_MAX];

		db_oneline(line, sizeof(line), PQerrorMessage(conn));
		snprintf(errbuf, errlen, "postgresql: cannot connect: %s", line);
		PQfinish(conn);
		return TR_UNAVAILABLE;
	}
	PQsetNoticeProcessor(conn, pg_notice, NULL);
	pg = xcalloc(1, sizeof(*pg));
	db_init(&pg->base, &pg_ops);
	pg->timeout_ms = PG_STATEMENT_TIMEOUT_MS;
	pg->conn = conn;
	pg->ptext = BUF_INIT(0);
	*out = &pg->base;
	return TR_OK;
}
