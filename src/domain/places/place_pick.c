/* Choosing a place by its name (place_pick.h): read from the places table, by id, by its folded name (name_key, as
 * place_store.c writes it) and by its commune's folded name. */
#include "domain/places/place_pick.h"

#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "domain/kernel/common.h"
#include "domain/kernel/ctx.h"
#include "store/db.h"

#define PICK_SELECT "SELECT id, nom || '" PLACE_PICK_SEP "' || commune AS label FROM places "

/* Rows R as [{id, label}]. */
static json_t *
picks(struct db_rows *r)
{
	json_t *out = json_array();

	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(
		    out, json_pack("{s:s, s:s}", "id", db_text(db_cell(r, i, 0)), "label", db_text(db_cell(r, i, 1))));
	return out;
}

tr_err
place_pick_matches(struct ctx *ctx, const char *typed, size_t limit, json_t **out)
{
	const char *sep = strstr(typed, PLACE_PICK_SEP), *name = typed, *commune = "";
	const char *key, *ckey;
	struct db_rows *r;
	tr_err err;

	*out = NULL;
	err = db_queryv(ctx->db, ctx->arena, PICK_SELECT "WHERE id = ? AND merged_into IS NULL", &r, DB_TEXT(typed));
	if (err == TR_OK && r->nrows == 0) {
		if (sep != NULL) {
			name = arena_strndup(ctx->arena, typed, (size_t)(sep - typed));
			commune = sep + strlen(PLACE_PICK_SEP);
		}
		key = utf8_fold_key(ctx->arena, name, strlen(name));
		ckey = utf8_fold_key(ctx->arena, commune, strlen(commune));
		if (*key == '\0') {
			*out = json_array();
			return TR_OK;
		}
		/* Exact names first; the name's prefix only when no name is exact (the second query). */
		err = db_queryv(ctx->db, ctx->arena,
		    PICK_SELECT "WHERE merged_into IS NULL AND name_key = ? ORDER BY nom, commune, id LIMIT ?", &r,
		    DB_TEXT(key), DB_I64((int64_t)limit * 4));
		if (err == TR_OK && r->nrows == 0)
			err = db_queryv(ctx->db, ctx->arena,
			    PICK_SELECT
			    "WHERE merged_into IS NULL AND substr(name_key, 1, length(?)) = ? ORDER BY nom, "
			    "commune, id LIMIT ?",
			    &r, DB_TEXT(key), DB_TEXT(key), DB_I64((int64_t)limit * 4));
		if (err == TR_OK && *ckey != '\0') { /* « Nom — Commune »: those of that commune */
			size_t kept = 0;
			for (size_t i = 0; i < r->nrows; i++) {
				const char *label = db_text(db_cell(r, i, 1)), *c = strstr(label, PLACE_PICK_SEP);
				c = c ? c + strlen(PLACE_PICK_SEP) : "";
				if (strcmp(utf8_fold_key(ctx->arena, c, strlen(c)), ckey) == 0) {
					memmove(&r->cells[kept * r->ncols], &r->cells[i * r->ncols],
					    r->ncols * sizeof(*r->cells));
					kept++;
				}
			}
			r->nrows = kept;
		}
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (r->nrows > limit)
		r->nrows = limit;
	*out = picks(r);
	return TR_OK;
}

tr_err
place_pick_suggestions(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	int64_t person = ctx->actor ? ctx->actor->person_id : 0;
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    PICK_SELECT
	    "WHERE merged_into IS NULL AND organisation_id IN (SELECT m.organisation_id FROM memberships m "
	    "WHERE m.person_id = ? UNION SELECT c.organisation_id FROM contracts c WHERE c.candidate_id = ? "
	    "AND c.state IN ('planned', 'active', 'suspended')) ORDER BY nom, commune, id LIMIT 500",
	    &r, DB_I64(person), DB_I64(person));

	*out = NULL;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = picks(r);
	return TR_OK;
}
