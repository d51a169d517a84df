/* Transactions and row conversion for the domain modules. */
#include "domain/kernel/common.h"

#include "domain/kernel/authz.h"

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
		return err;
	}
	err = db_commit(ctx->db);
	if (err != TR_OK) {
		db_rollback(ctx->db);
		return ctx_storage_error(ctx, err);
	}
	return TR_OK;
}

const char *
json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

tr_err
load_readable_row(struct ctx *ctx, const char *sql, int64_t id, bool (*can_read)(struct ctx *ctx, json_t *row),
    const char *missing, const char *forbidden, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, sql, &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, missing);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	if (!can_read(ctx, *out)) {
		json_decref(*out);
		*out = NULL;
		return ctx_fail(ctx, TR_FORBIDDEN, forbidden);
	}
	return TR_OK;
}
