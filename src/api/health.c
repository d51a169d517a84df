/* GET /healthz: a real query on the database. */
#include "api/api.h"

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
