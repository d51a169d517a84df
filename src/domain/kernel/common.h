/* Helpers shared by the domain modules: transactions and rows as JSON. */
#ifndef TR_DOMAIN_COMMON_H
#define TR_DOMAIN_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "model/kernel/entity.h"
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

/* Reads the one row SQL selects for ID (its one parameter) as JSON into *OUT (the caller's) for a signed-in actor:
 * TR_UNAUTHORIZED when anonymous, TR_NOT_FOUND with MISSING (French) when there is no such row. */
TR_MUST_USE tr_err load_row(struct ctx *ctx, const char *sql, int64_t id, const char *missing, json_t **out);

/* Reads the one row SQL selects for ID (its one parameter) as JSON into *OUT, for a signed-in actor whom
 * CAN_READ lets see it: TR_NOT_FOUND with MISSING, TR_FORBIDDEN with FORBIDDEN (French messages). */
TR_MUST_USE tr_err load_readable_row(struct ctx *ctx, const char *sql, int64_t id,
    bool (*can_read)(struct ctx *ctx, json_t *row), const char *missing, const char *forbidden, json_t **out);

/* The string member KEY of OBJ, or NULL. */
const char *json_str(json_t *obj, const char *key);

/* A French message for a storage failure, set on ctx when none is set yet. */
tr_err ctx_storage_error(struct ctx *ctx, tr_err err);

/* ---- Rows from field tables: the INSERT and the UPDATE of the fields an entity writes (struct field), each
 * bound from a JSON object by the field's type. Statements are made of the table's constant names only (never
 * of input), so each call site always sends the same text and the prepared-statement cache serves it. ---- */

/* The value of field F in O as a bound parameter: FT_INT and FT_REF an integer (a string holding one
 * too), FT_BOOL 0/1 (absent: 0), FT_NUMBER a real, text types a string; absent, null or of another type:
 * NULL. Strings point into O. */
struct db_val record_value(const struct field *f, json_t *o);

/* Runs "UPDATE TABLE SET c1 = ?, …, cN = ?, TAIL" where c1…cN are the columns of E's fields that are not
 * FF_READONLY, in the table's order, bound from VALUES, then the NEXTRA parameters EXTRA that TAIL's
 * placeholders take (for example "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?").
 * *CHANGED (may be NULL) as db_exec. Returns db_exec's result; the SQL is built in ctx->arena. */
TR_MUST_USE tr_err record_update(struct ctx *ctx, const struct entity *e, const char *table, json_t *values,
    const char *tail, const struct db_val *extra, size_t nextra, int64_t *changed);
#define record_updatev(ctx, e, table, values, tail, changed, ...) \
	record_update((ctx), (e), (table), (values), (tail), DB_PARAMS(__VA_ARGS__), DB_NPARAMS(__VA_ARGS__), (changed))

/* Runs "INSERT INTO TABLE (c1, …, cN, EXTRA_COLUMNS) VALUES (?, …, ?, EXTRA_VALUES) ON_CONFLICT RETURNING
 * id" with the columns of E's writable fields bound from VALUES, then the NEXTRA parameters EXTRA that
 * EXTRA_VALUES takes (EXTRA_COLUMNS and EXTRA_VALUES may hold literals, such as 'open'; ON_CONFLICT may be
 * NULL, or "ON CONFLICT (code) DO NOTHING"). Sets *ID to the new row's id. Returns db_one's result:
 * TR_NOT_FOUND when ON_CONFLICT skipped the row, TR_CONFLICT on a unique constraint. */
TR_MUST_USE tr_err record_insert(struct ctx *ctx, const struct entity *e, const char *table, json_t *values,
    const char *extra_columns, const char *extra_values, const char *on_conflict, const struct db_val *extra,
    size_t nextra, int64_t *id);
/* For multi-row inserts (db_exec_rows): the writable columns of E joined by ", " in record_insert's order, in the
 * arena, their number in *N; and the values of VALUES for them, into PARAMS (room for *N), as record_insert binds
 * them. */
const char *record_columns(struct ctx *ctx, const struct entity *e, size_t *n);
void record_values(const struct entity *e, json_t *values, struct db_val *params);

#define record_insertv(ctx, e, table, values, extra_columns, extra_values, on_conflict, id, ...)     \
	record_insert((ctx), (e), (table), (values), (extra_columns), (extra_values), (on_conflict), \
	    DB_PARAMS(__VA_ARGS__), DB_NPARAMS(__VA_ARGS__), (id))

/* ---- Lists as rows: a record's codes or ids held in a table of (owner, value) rows, read and written as the
 * '|'-joined text its JSON and forms carry. ---- */

/* The values of the rows SQL returns for ID (its one parameter; one text or integer column, in the order SQL
 * gives), '|'-joined in the arena, "" for none. */
TR_MUST_USE tr_err rows_joined(struct ctx *ctx, const char *sql, int64_t id, const char **out);

/* Sets on each object of ITEMS the member KEY: the '|'-joined values (second column) of the rows SQL returns (no
 * parameter) whose first column is the object's "id", "" when none. One query, whatever the number of ITEMS. */
TR_MUST_USE tr_err rows_joined_into(struct ctx *ctx, json_t *items, const char *key, const char *sql);

/* Replaces owner ID's rows inside the caller's transaction: DELETE_SQL (its one parameter ID), then INSERT_SQL
 * (ID, value, position from 0) for each value of the '|'-joined LIST (bound as integers when AS_INT; INSERT_SQL
 * may leave the position out: "VALUES (?, ?)"). */
TR_MUST_USE tr_err rows_replace(
    struct ctx *ctx, const char *delete_sql, const char *insert_sql, int64_t id, const char *list, bool as_int);

/* The versioned UPDATE of an editable record, inside the caller's transaction: record_update of VALUES with the
 * tail "updated_at = now, version = version + 1 WHERE id = ID AND version = VERSION"; when no row moved (stale
 * version, or the row is gone), TR_CONFLICT with STALE (French) as ctx->message; else the journal entry
 * KIND/ID "update" holding entity_diff(E, BEFORE, VALUES) (plus "version": VERSION + 1 when WITH_VERSION).
 * A unique constraint's TR_CONFLICT is returned as is, with ctx->message left NULL. */
TR_MUST_USE tr_err record_update_journal(struct ctx *ctx, const struct entity *e, const char *table, const char *kind,
    int64_t id, int64_t version, json_t *before, json_t *values, const char *stale, bool with_version);

#endif
