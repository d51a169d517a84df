/* Helpers shared by the domain modules: transactions and rows as JSON. */
#ifndef TR_DOMAIN_COMMON_H
#define TR_DOMAIN_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "store/db.h"

/* Runs EXPR; on failure jumps to `out` with `err` set. */
#define TRY(expr)                 \
	do {                      \
		err = (expr);     \
		if (err != TR_OK) \
			goto out; \
	} while (0)

/* Row ROW of R as a JSON object (integers, reals, strings; NULL as null). The caller owns it. */
json_t *row_json(const struct db_rows *r, size_t row);

/* Every row of R as a JSON array of objects. The caller owns it. */
json_t *rows_json(const struct db_rows *r);

/* Begins a transaction on ctx->db; TR_UNAVAILABLE with a French message when the database refuses. */
TR_MUST_USE tr_err tx_begin(struct ctx *ctx);

/* Commits when ERR is TR_OK (returning the commit's result), else rolls back and returns ERR. */
TR_MUST_USE tr_err tx_end(struct ctx *ctx, tr_err err);

/* Reads the one row SQL selects for ID (its one parameter) as JSON into *OUT, for a signed-in actor whom
 * CAN_READ lets see it: TR_NOT_FOUND with MISSING, TR_FORBIDDEN with FORBIDDEN (French messages). */
TR_MUST_USE tr_err load_readable_row(struct ctx *ctx, const char *sql, int64_t id,
    bool (*can_read)(struct ctx *ctx, json_t *row), const char *missing, const char *forbidden, json_t **out);

/* The string member KEY of OBJ, or NULL. */
const char *json_str(json_t *obj, const char *key);

/* A French message for a storage failure, set on ctx when none is set yet. */
tr_err ctx_storage_error(struct ctx *ctx, tr_err err);

#endif
