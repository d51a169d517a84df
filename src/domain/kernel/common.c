/* Transactions, row conversion and the SQL of field tables for the domain modules. */
#include "domain/kernel/common.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/refsnap.h"
#include "domain/kernel/journal.h"

json_t *
row_json(const struct db_rows *r, size_t row)
{
	json_t *o = json_object();

	for (size_t c = 0; c < r->ncols; c++) {
		const struct db_val *v = db_cell(r, row, c);
		json_t *j;

		switch (v->type) {
		case DBV_INT: j = json_integer(v->i); break;
		case DBV_REAL: j = json_real(v->r); break;
		case DBV_TEXT: j = json_stringn(v->s.p, v->s.n); break;
		default: j = json_null(); break;
		}
		json_object_set_new(o, r->names[c], j ? j : json_null());
	}
	return o;
}

json_t *
rows_json(const struct db_rows *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(a, row_json(r, i));
	return a;
}

tr_err
ctx_storage_error(struct ctx *ctx, tr_err err)
{
	if (ctx->message == NULL) {
		if (err == TR_UNAVAILABLE)
			ctx->message = "La base de données ne répond pas. Réessayez dans un instant.";
		else if (err == TR_CONFLICT)
			ctx->message = "Cette modification entre en conflit avec une donnée existante.";
		else if (err == TR_INTERNAL)
			ctx->message = "Une erreur interne est survenue ; rien n'a été enregistré.";
	}
	return err;
}

tr_err
tx_begin(struct ctx *ctx)
{
	tr_err err = db_begin(ctx->db);

	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

tr_err
tx_end(struct ctx *ctx, tr_err err)
{
	if (err != TR_OK) {
		db_rollback(ctx->db);
		refsnap_tx_ended(ctx, false);
		return err;
	}
	err = db_commit(ctx->db);
	if (err != TR_OK) {
		db_rollback(ctx->db);
		refsnap_tx_ended(ctx, false);
		return ctx_storage_error(ctx, err);
	}
	refsnap_tx_ended(ctx, true);
	return TR_OK;
}

const char *
json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

tr_err
load_row(struct ctx *ctx, const char *sql, int64_t id, const char *missing, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, sql, &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, missing);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	return TR_OK;
}

tr_err
load_readable_row(struct ctx *ctx, const char *sql, int64_t id, bool (*can_read)(struct ctx *ctx, json_t *row),
    const char *missing, const char *forbidden, json_t **out)
{
	tr_err err = load_row(ctx, sql, id, missing, out);

	if (err != TR_OK)
		return err;
	if (!can_read(ctx, *out)) {
		json_decref(*out);
		*out = NULL;
		return ctx_fail(ctx, TR_FORBIDDEN, forbidden);
	}
	return TR_OK;
}

/* ---- Rows from field tables ---- */

/* Bound parameters of one statement: the entity's fields and the caller's, well below any engine's limit. */
#define RECORD_PARAMS_MAX 128

struct db_val
record_value(const struct field *f, json_t *o)
{
	json_t *v = json_object_get(o, f->name);
	long long i;

	switch (f->type) {
	case FT_INT:
	case FT_REF:
	case FT_CENTI:
		if (json_is_integer(v))
			return DB_I64(json_integer_value(v));
		if (json_is_string(v) && str_to_i64((struct str){ json_string_value(v), json_string_length(v) }, &i))
			return DB_I64(i);
		return f->flags & FF_ZERO ? DB_I64(0) : DB_NULLV;
	case FT_BOOL: return DB_BOOL(json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0));
	case FT_NUMBER: return json_is_number(v) ? DB_REAL(json_number_value(v)) : DB_NULLV;
	default:
		return json_is_string(v) ? DB_STR(((struct str){ json_string_value(v), json_string_length(v) }))
		                         : DB_NULLV;
	}
}

/* Appends to SQL the writable columns of E, each followed by SUFFIX and separated by ", ", and binds
 * their values from VALUES into PARAMS (*N counts them). */
static void
columns(struct buf *sql, const struct entity *e, const char *suffix, json_t *values, struct db_val *params, size_t *n)
{
	bool first = true;

	for (size_t i = 0; i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		if (f->flags & FF_READONLY)
			continue;
		if (*n == RECORD_PARAMS_MAX ||
		    buf_printf(sql, "%s%s%s", first ? "" : ", ", field_column(f), suffix) != TR_OK)
			tr_oom("record SQL");
		params[(*n)++] = record_value(f, values);
		first = false;
	}
}

static void
add_extra(struct db_val *params, size_t *n, const struct db_val *extra, size_t nextra)
{
	if (*n + nextra > RECORD_PARAMS_MAX)
		tr_oom("record SQL");
	memcpy(params + *n, extra, nextra * sizeof(*extra));
	*n += nextra;
}

/* The text of SQL in the arena, the buffer freed. */
static const char *
sql_text(struct ctx *ctx, struct buf *sql)
{
	const char *s = arena_strndup(ctx->arena, sql->p, sql->n);

	buf_free(sql);
	return s;
}

tr_err
record_update(struct ctx *ctx, const struct entity *e, const char *table, json_t *values, const char *tail,
    const struct db_val *extra, size_t nextra, int64_t *changed)
{
	struct db_val params[RECORD_PARAMS_MAX];
	struct buf sql = BUF_INIT(0);
	size_t n = 0;

	if (buf_printf(&sql, "UPDATE %s SET ", table) != TR_OK)
		tr_oom("record SQL");
	columns(&sql, e, " = ?", values, params, &n);
	if (buf_printf(&sql, ", %s", tail) != TR_OK)
		tr_oom("record SQL");
	add_extra(params, &n, extra, nextra);
	return db_exec(ctx->db, sql_text(ctx, &sql), params, n, changed);
}

tr_err
record_insert(struct ctx *ctx, const struct entity *e, const char *table, json_t *values, const char *extra_columns,
    const char *extra_values, const char *on_conflict, const struct db_val *extra, size_t nextra, int64_t *id)
{
	struct db_val params[RECORD_PARAMS_MAX];
	struct buf sql = BUF_INIT(0);
	struct db_rows *r;
	size_t n = 0;
	tr_err err;

	if (buf_printf(&sql, "INSERT INTO %s (", table) != TR_OK)
		tr_oom("record SQL");
	columns(&sql, e, "", values, params, &n);
	if (buf_printf(&sql, ", %s) VALUES (", extra_columns) != TR_OK)
		tr_oom("record SQL");
	for (size_t i = 0; i < n; i++)
		if (buf_puts(&sql, i ? ", ?" : "?") != TR_OK)
			tr_oom("record SQL");
	if (buf_printf(&sql, ", %s)%s%s RETURNING id", extra_values, on_conflict ? " " : "",
	        on_conflict ? on_conflict : "") != TR_OK)
		tr_oom("record SQL");
	add_extra(params, &n, extra, nextra);
	err = db_one(ctx->db, ctx->arena, sql_text(ctx, &sql), params, n, &r);
	if (err == TR_OK)
		*id = db_int(db_cell(r, 0, 0));
	return err;
}

const char *
record_columns(struct ctx *ctx, const struct entity *e, size_t *n)
{
	struct db_val params[RECORD_PARAMS_MAX];
	struct buf sql = BUF_INIT(0);

	*n = 0;
	columns(&sql, e, "", NULL, params, n);
	return sql_text(ctx, &sql);
}

void
record_values(const struct entity *e, json_t *values, struct db_val *params)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nfields; i++)
		if (!(e->fields[i].flags & FF_READONLY))
			params[n++] = record_value(&e->fields[i], values);
}

tr_err
record_update_journal(struct ctx *ctx, const struct entity *e, const char *table, const char *kind, int64_t id,
    int64_t version, json_t *before, json_t *values, const char *stale, bool with_version)
{
	int64_t changed = 0;
	json_t *detail;
	tr_err err;

	err =
	    record_updatev(ctx, e, table, values, "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
	        &changed, DB_I64(ctx->now), DB_I64(id), DB_I64(version));
	if (err != TR_OK)
		return err;
	if (changed == 0)
		return ctx_fail(ctx, TR_CONFLICT, stale);
	detail = entity_diff(e, before, values);
	if (with_version)
		json_object_set_new(detail, "version", json_integer(version + 1));
	err = journal_append(ctx, kind, id, "update", detail);
	json_decref(detail);
	return err;
}

/* Cell V as text in the arena: an integer printed, text as it is, "" otherwise. */
static const char *
cell_text(struct ctx *ctx, const struct db_val *v)
{
	if (v->type == DBV_INT)
		return arena_printf(ctx->arena, "%lld", (long long)v->i);
	return db_text(v) ? db_text(v) : "";
}

tr_err
rows_joined(struct ctx *ctx, const char *sql, int64_t id, const char **out)
{
	struct db_rows *r;
	const char *s = "";
	tr_err err = db_queryv(ctx->db, ctx->arena, sql, &r, DB_I64(id));

	if (err != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows; i++)
		s = arena_printf(ctx->arena, "%s%s%s", s, i ? "|" : "", cell_text(ctx, db_cell(r, i, 0)));
	*out = s;
	return TR_OK;
}

tr_err
rows_joined_into(struct ctx *ctx, json_t *items, const char *key, const char *sql)
{
	struct db_rows *r;
	json_t *it;
	size_t i;
	tr_err err = db_queryv(ctx->db, ctx->arena, sql, &r);

	if (err != TR_OK)
		return err;
	json_array_foreach(items, i, it)
	{
		int64_t id = json_integer_value(json_object_get(it, "id"));
		const char *s = "";
		for (size_t k = 0; k < r->nrows; k++)
			if (db_int(db_cell(r, k, 0)) == id)
				s = arena_printf(
				    ctx->arena, "%s%s%s", s, *s ? "|" : "", cell_text(ctx, db_cell(r, k, 1)));
		json_object_set_new(it, key, json_string(s));
	}
	return TR_OK;
}

tr_err
rows_replace(struct ctx *ctx, const char *delete_sql, const char *insert_sql, int64_t id, const char *list, bool as_int)
{
	bool positioned = strstr(insert_sql, "?, ?, ?") != NULL;
	tr_err err = db_execv(ctx->db, delete_sql, NULL, DB_I64(id));
	int64_t k = 0;

	for (const char *p = list ? list : ""; err == TR_OK && *p != '\0';) {
		size_t n = strcspn(p, "|");
		const char *v = arena_strndup(ctx->arena, p, n);
		struct db_val params[] = { DB_I64(id), as_int ? DB_I64(strtoll(v, NULL, 10)) : DB_TEXT(v), DB_I64(k) };
		if (n > 0) {
			err = db_exec(ctx->db, insert_sql, params, positioned ? 3 : 2, NULL);
			k++;
		}
		p += n + (p[n] == '|');
	}
	return err;
}
