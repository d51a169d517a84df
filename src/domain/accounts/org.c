/* Organisations. */
#include "domain/accounts/org.h"

#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "model/accounts/account.h"
#include "model/kernel/entity.h"

#define PAGE_SIZE 50
#define ORG_COLUMNS "o.id, o.name, o.kind, o.siret, o.rna, o.address, o.commune_code, c.name AS commune_name, o.version"

static tr_err
require_admin(struct ctx *ctx)
{
	return ctx->actor == NULL ? TR_OK : authz_require(ctx, AUTHZ_ADMINS);
}

/* Validates IN and checks the commune exists. */
static tr_err
org_check(struct ctx *ctx, json_t *in, json_t **clean)
{
	const char *commune;
	tr_err err = entity_validate(&entity_organisation, in, false, ctx->arena, &ctx->errors, clean);

	if ((commune = json_str(*clean, "commune_code")) != NULL) {
		struct db_rows *r;
		tr_err e =
		    db_onev(ctx->db, ctx->arena, "SELECT code FROM communes WHERE code = ?", &r, DB_TEXT(commune));
		if (e == TR_NOT_FOUND) {
			field_errors_add(
			    &ctx->errors, "commune_code", "« Commune (code INSEE) » ne désigne aucune commune connue.");
			err = TR_INVALID;
		} else if (e != TR_OK)
			return ctx_storage_error(ctx, e);
	}
	return err;
}

/* A unique-index conflict on SIRET or RNA, told on the right field. */
static tr_err
duplicate_error(struct ctx *ctx, json_t *clean, int64_t self)
{
	struct db_rows *r;
	const char *fields[] = { "siret", "rna" };

	for (size_t i = 0; i < 2; i++) {
		const char *v = json_str(clean, fields[i]);
		if (v == NULL)
			continue;
		if (db_onev(ctx->db, ctx->arena,
		        i == 0 ? "SELECT id FROM organisations WHERE siret = ? AND id <> ?"
		               : "SELECT id FROM organisations WHERE rna = ? AND id <> ?",
		        &r, DB_TEXT(v), DB_I64(self)) == TR_OK)
			field_errors_add(&ctx->errors, fields[i],
			    i == 0 ? "Une structure est déjà enregistrée avec ce SIRET."
			           : "Une structure est déjà enregistrée avec ce numéro RNA.");
	}
	return ctx->errors.n ? TR_INVALID : ctx_fail(ctx, TR_CONFLICT, "Cette structure existe déjà.");
}

tr_err
org_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	json_t *clean = NULL;
	tr_err err;

	if ((err = require_admin(ctx)) != TR_OK)
		return err;
	if ((err = org_check(ctx, in, &clean)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	err = record_insertv(ctx, &entity_organisation, "organisations", clean, "created_at, updated_at", "?, ?", NULL,
	    id, DB_I64(ctx->now), DB_I64(ctx->now));
	if (err == TR_CONFLICT) {
		db_rollback(ctx->db);
		err = duplicate_error(ctx, clean, 0);
		goto out_nodb;
	}
	TRY(err);
	TRY(journal_append(ctx, "organisation", *id, "create", clean));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	return err;
}

tr_err
org_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *clean = NULL, *before = NULL;
	tr_err err;

	if ((err = require_admin(ctx)) != TR_OK)
		return err;
	if ((err = org_check(ctx, in, &clean)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	TRY(load_row(ctx, "SELECT name, kind, siret, rna, address, commune_code FROM organisations WHERE id = ?", id,
	    "Cette structure n'existe pas.", &before));
	err = record_update_journal(ctx, &entity_organisation, "organisations", "organisation", id, version, before,
	    clean, "Cette structure a changé depuis votre lecture : rechargez la page.", false);
	if (err == TR_CONFLICT && ctx->message == NULL) { /* a unique constraint, not a stale version */
		db_rollback(ctx->db);
		err = duplicate_error(ctx, clean, id);
		goto out_nodb;
	}
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	json_decref(before);
	return err;
}

/* Admins and the national delegation see every organisation; others only those they belong to. */
static bool
org_visible(struct ctx *ctx, int64_t id)
{
	if (actor_has_any(ctx->actor, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL)))
		return true;
	for (size_t i = 0; i < ctx->actor->nroles; i++)
		if (ctx->actor->roles[i].org_id == id)
			return true;
	return false;
}

tr_err
org_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r, *m;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if (!org_visible(ctx, id))
		return ctx_fail(
		    ctx, TR_FORBIDDEN, "Vous ne pouvez consulter que les structures dont vous êtes membre.");
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT " ORG_COLUMNS
	    " FROM organisations o LEFT JOIN communes c ON c.code = o.commune_code WHERE o.id = ?",
	    &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette structure n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT m.id, m.role, p.id AS person_id, p.name, p.email FROM memberships m JOIN people p ON p.id = "
	    "m.person_id "
	    "WHERE m.organisation_id = ? ORDER BY p.name",
	    &m, DB_I64(id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	json_object_set_new(*out, "members", rows_json(m));
	return TR_OK;
}

tr_err
org_list(struct ctx *ctx, const char *q, const char *kind, int64_t page, json_t **out)
{
	struct db_rows *r, *c;
	const char *like;
	tr_err err;

	if ((err = authz_require(ctx, AUTHZ_ADMINS)) != TR_OK)
		return err;
	if (page < 1)
		page = 1;
	like = arena_printf(ctx->arena, "%%%s%%", q ? q : "");
	kind = kind && *kind ? kind : NULL;
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT " ORG_COLUMNS " FROM organisations o LEFT JOIN communes c ON c.code = o.commune_code "
	    "WHERE (LOWER(o.name) LIKE LOWER(?) OR o.siret LIKE ? OR o.rna LIKE ?) AND (CAST(? AS TEXT) IS NULL OR "
	    "o.kind = ?) "
	    "ORDER BY o.name, o.id LIMIT ? OFFSET ?",
	    &r, DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_TEXT(kind), DB_TEXT(kind), DB_I64(PAGE_SIZE),
	    DB_I64((page - 1) * PAGE_SIZE));
	if (err == TR_OK)
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT COUNT(*) FROM organisations o WHERE (LOWER(o.name) LIKE LOWER(?) OR o.siret LIKE ? OR "
		    "o.rna LIKE ?) "
		    "AND (CAST(? AS TEXT) IS NULL OR o.kind = ?)",
		    &c, DB_TEXT(like), DB_TEXT(like), DB_TEXT(like), DB_TEXT(kind), DB_TEXT(kind));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", rows_json(r), "total", (json_int_t)db_int(db_cell(c, 0, 0)),
	    "page", (json_int_t)page, "per_page", (json_int_t)PAGE_SIZE);
	return TR_OK;
}
