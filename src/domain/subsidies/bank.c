/* The employer's bank details: read by its employers, the paying agency, national officers and the operator;
 * written by its employers (or the operator), each change journaled with the IBAN masked and emailed to every
 * employer of the organisation, the author included (the classic fraud is a changed IBAN). */
#include <string.h>

#include "core/arena.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/kernel/outbox.h"
#include "domain/subsidies/subsidy.h"
#include "domain/subsidies/subsidy_int.h"
#include "model/subsidies/subsidy.h"

static const char MISSING[] = "Ces coordonnées bancaires n'existent pas.";

/* Its employers, national officers and the operator; a paying agency only when it pays a programme of one of
 * the organisation's aid decisions or conventions (any storage error: no). */
static bool
may_read(struct ctx *ctx, int64_t org)
{
	struct db_rows *r;

	if (actor_has_any(ctx->actor, SUB_NATIONAL) || actor_in_org(ctx->actor, ROLE_EMPLOYER, org))
		return true;
	if (!actor_has(ctx->actor, ROLE_PAYER))
		return false;
	if (db_onev(ctx->db, ctx->arena,
	        "SELECT COUNT(*) FROM (SELECT d.id FROM aid_decisions d WHERE d.organisation_id = ? AND d.programme_id "
	        "IN " SCOPE_PAYER " UNION ALL SELECT cv.id FROM conventions cv WHERE cv.organisation_id = ? AND "
	        "cv.programme_id IN " SCOPE_PAYER ") x",
	        &r, DB_I64(org), DB_I64(ctx->actor->person_id), DB_I64(org), DB_I64(ctx->actor->person_id)) != TR_OK)
		return false;
	return db_int(db_cell(r, 0, 0)) > 0;
}

/* "FR76 **** … 0189": the country, the key and the last four characters. */
static const char *
masked(struct ctx *ctx, const char *iban)
{
	size_t n = iban ? strlen(iban) : 0;

	if (n < 8)
		return "";
	return arena_printf(ctx->arena, "%.4s … %s", iban, iban + n - 4);
}

tr_err
bank_get(struct ctx *ctx, int64_t org_id, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	if (ctx->actor == NULL)
		return ctx_fail(ctx, TR_UNAUTHORIZED, "Connectez-vous.");
	if (!may_read(ctx, org_id))
		return ctx_fail(ctx, TR_NOT_FOUND, MISSING);
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT b.organisation_id, o.name AS organisation_name, o.siret, b.holder, b.iban, b.bic, b.updated_at, "
	    "pe.name AS updated_by_name, b.version FROM bank_details b JOIN organisations o ON o.id = "
	    "b.organisation_id "
	    "LEFT JOIN people pe ON pe.id = b.updated_by WHERE b.organisation_id = ?",
	    &r, DB_I64(org_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, MISSING);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	return TR_OK;
}

tr_err
sub_tell_employers(struct ctx *ctx, int64_t org, const char *subject, const char *body)
{
	return sub_mail_each(ctx,
	    "SELECT DISTINCT p.email FROM memberships m JOIN people p ON p.id = m.person_id WHERE m.organisation_id = "
	    "? AND m.role = 'employer' AND p.active = 1 ORDER BY p.email",
	    org, subject, body);
}

tr_err
sub_mail_each(struct ctx *ctx, const char *sql, int64_t id, const char *subject, const char *body)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena, sql, &r, DB_I64(id));

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < r->nrows; i++)
		if ((err = outbox_email(ctx, db_text(db_cell(r, i, 0)), subject, body)) != TR_OK)
			return err;
	return TR_OK;
}

tr_err
bank_set(struct ctx *ctx, int64_t org_id, int64_t version, json_t *in)
{
	json_t *clean = NULL, *detail = NULL;
	struct db_rows *o, *b;
	int64_t changed = 0;
	tr_err err;

	if (ctx->actor == NULL)
		return ctx_fail(ctx, TR_UNAUTHORIZED, "Connectez-vous.");
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, org_id) && !actor_has(ctx->actor, ROLE_ADMIN))
		return may_read(ctx, org_id)
		           ? ctx_fail(ctx, TR_FORBIDDEN,
		                 "Seuls les responsables de la structure modifient ses coordonnées bancaires.")
		           : ctx_fail(ctx, TR_NOT_FOUND, MISSING);
	err = db_onev(ctx->db, ctx->arena, "SELECT name FROM organisations WHERE id = ?", &o, DB_I64(org_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette structure n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = entity_validate(&entity_bank_details, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	const char *iban = json_str(clean, "iban"), *bic = json_str(clean, "bic");
	/* The BIC's country (its 5th and 6th letters) is the IBAN's (Monaco's banks use French BICs). */
	if (strncmp(iban, bic + 4, 2) != 0 && !(strncmp(iban, "MC", 2) == 0 && strncmp(bic + 4, "FR", 2) == 0)) {
		field_errors_add(&ctx->errors, "bic",
		    arena_printf(ctx->arena, "« BIC » désigne une banque d'un autre pays (%.2s) que l'IBAN (%.2s).",
		        bic + 4, iban));
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT holder, iban, bic, version FROM bank_details WHERE organisation_id = ?", &b, DB_I64(org_id));
	if (err == TR_NOT_FOUND) {
		if (version != 0) {
			err = ctx_fail(ctx, TR_CONFLICT, "Ces coordonnées bancaires ont changé depuis votre lecture.");
			goto out;
		}
		TRY(db_execv(ctx->db,
		    "INSERT INTO bank_details (organisation_id, holder, iban, bic, updated_by, created_at, updated_at) "
		    "VALUES "
		    "(?, ?, ?, ?, ?, ?, ?)",
		    NULL, DB_I64(org_id), DB_TEXT(json_str(clean, "holder")), DB_TEXT(iban), DB_TEXT(bic),
		    DB_I64(ctx->actor->person_id), DB_I64(ctx->now), DB_I64(ctx->now)));
		detail = json_pack("{s:n, s:{s:s, s:s, s:s}}", "before", "after", "holder", json_str(clean, "holder"),
		    "iban", masked(ctx, iban), "bic", bic);
	} else {
		TRY(err);
		TRY(db_execv(ctx->db,
		    "UPDATE bank_details SET holder = ?, iban = ?, bic = ?, updated_by = ?, updated_at = ?, version = "
		    "version "
		    "+ 1 WHERE organisation_id = ? AND version = ?",
		    &changed, DB_TEXT(json_str(clean, "holder")), DB_TEXT(iban), DB_TEXT(bic),
		    DB_I64(ctx->actor->person_id), DB_I64(ctx->now), DB_I64(org_id), DB_I64(version)));
		if (changed == 0) {
			err = ctx_fail(ctx, TR_CONFLICT, "Ces coordonnées bancaires ont changé depuis votre lecture.");
			goto out;
		}
		detail =
		    json_pack("{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}", "before", "holder", db_text(db_cell(b, 0, 0)),
		        "iban", masked(ctx, db_text(db_cell(b, 0, 1))), "bic", db_text(db_cell(b, 0, 2)), "after",
		        "holder", json_str(clean, "holder"), "iban", masked(ctx, iban), "bic", bic);
	}
	TRY(journal_append(ctx, "bank_details", org_id, "set", detail));
	TRY(sub_tell_employers(ctx, org_id, "Vos coordonnées bancaires ont été modifiées",
	    notify_text(ctx,
	        arena_printf(ctx->arena,
	            "Les coordonnées bancaires de %s viennent d'être enregistrées par %s : IBAN %s, BIC %s. Les aides "
	            "seront versées sur ce compte. Si vous n'êtes pas à l'origine de ce changement, prévenez sans "
	            "attendre "
	            "la délégation nationale et l'organisme payeur.",
	            db_text(db_cell(o, 0, 0)), ctx->actor->name ? ctx->actor->name : ctx->actor->email,
	            masked(ctx, iban), bic),
	        arena_printf(ctx->arena, "/aides/coordonnees-bancaires/%lld", (long long)org_id))));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(clean);
	json_decref(detail);
	return err;
}

tr_err
payer_programme_add(struct ctx *ctx, int64_t org_id, int64_t programme_id)
{
	struct db_rows *r;
	json_t *detail = NULL;
	tr_err err;

	if ((err = authz_require(ctx, SUB_NATIONAL)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, "SELECT kind FROM organisations WHERE id = ?", &r, DB_I64(org_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette structure n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (strcmp(db_text(db_cell(r, 0, 0)), "payer") != 0) {
		field_errors_add(&ctx->errors, "organisation_id", "« Structure » n'est pas un organisme payeur.");
		return TR_INVALID;
	}
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE id = ?", &r, DB_I64(programme_id));
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "programme_id", "« Dispositif » ne désigne aucun dispositif.");
		return TR_INVALID;
	}
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "INSERT INTO payer_programmes (organisation_id, programme_id) VALUES (?, ?) ON CONFLICT (organisation_id, "
	    "programme_id) DO NOTHING",
	    NULL, DB_I64(org_id), DB_I64(programme_id)));
	detail = json_pack("{s:I}", "programme_id", (json_int_t)programme_id);
	TRY(journal_append(ctx, "organisation", org_id, "pays_programme", detail));
out:
	json_decref(detail);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
