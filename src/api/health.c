/* GET /healthz: a real query on the database. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "store/db.h"

void
api_health(struct request *req)
{
	const char *engine = strncmp(req->ctx.cfg->database, "sqlite:", 7) == 0 ? "sqlite" : "postgresql";

	if (req->ctx.db == NULL || db_ping(req->ctx.db) != TR_OK) {
		resp_json(req, 503, json_pack("{s:s, s:s}", "status", "unavailable", "database", engine));
		return;
	}
	resp_json(req, 200, json_pack("{s:s, s:s}", "status", "ok", "database", db_engine_name(req->ctx.db)));
}

/* GET /__test/slow?n=N[&write=TAG] — only with server.test_mode: a query that counts to N on the storage (a slow
 * query on purpose), for the benchmark and the tests that show one slow request does not stall the others. With
 * WRITE, the count runs inside a transaction that first writes the setting "test.slow.TAG": the tests of the
 * deadline and of a client that leaves check that it is never half-done. */
void
api_test_slow(struct request *req)
{
	const char *n = req_query(req, "n"), *tag = req_query(req, "write");
	long long count = n ? strtoll(n, NULL, 10) : 1000000;
	struct db_rows *r = NULL;
	tr_err err = TR_OK;

	if (!req->ctx.cfg->test_mode || req->ctx.db == NULL) {
		resp_status(req, 404, NULL);
		return;
	}
	if (count < 1 || count > 1000000000)
		count = 1000000;
	if (tag != NULL && (err = db_begin(req->ctx.db)) == TR_OK)
		err = db_execv(req->ctx.db, "INSERT INTO settings (key, value) VALUES (?, ?)", NULL,
		    DB_TEXT(arena_printf(req->arena, "test.slow.%s", tag)), DB_TEXT(n ? n : ""));
	if (err == TR_OK)
		err = db_onev(req->ctx.db, req->arena,
		    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < CAST(? AS BIGINT)) "
		    "SELECT COUNT(*) FROM c",
		    &r, DB_I64(count));
	if (err == TR_OK && tag != NULL)
		err = db_commit(req->ctx.db);
	if (err != TR_OK) {
		db_rollback(req->ctx.db);
		resp_status(req, 503, NULL);
		return;
	}
	resp_json(req, 200, json_pack("{s:I}", "counted", (json_int_t)db_int(db_cell(r, 0, 0))));
}
