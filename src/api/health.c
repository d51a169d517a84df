/* GET /healthz: a real query on the database. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

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

/* GET /__test/slow?n=N — only with server.test_mode: a query that counts to N on the storage (a slow
 * query on purpose), for the benchmark that shows one slow request does not stall the other loops. */
void
api_test_slow(struct request *req)
{
	const char *n = req_query(req, "n");
	long long count = n ? strtoll(n, NULL, 10) : 1000000;
	struct db_rows *r;

	if (!req->ctx.cfg->test_mode || req->ctx.db == NULL) {
		resp_status(req, 404, NULL);
		return;
	}
	if (count < 1 || count > 100000000)
		count = 1000000;
	if (db_onev(req->ctx.db, req->arena,
	        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < CAST(? AS BIGINT)) SELECT "
	        "COUNT(*) FROM c",
	        &r, DB_I64(count)) != TR_OK) {
		resp_status(req, 503, NULL);
		return;
	}
	resp_json(req, 200, json_pack("{s:I}", "counted", (json_int_t)db_int(db_cell(r, 0, 0))));
}
