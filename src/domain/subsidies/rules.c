/* The SMIC table and the aid rules: data every signed-in person reads and national officers edit, each change
 * journaled; a new SMIC value recomputes the schedules it reaches in the same transaction. */
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy.h"
#include "domain/subsidies/subsidy_int.h"
#include "model/subsidies/subsidy.h"

tr_err
smic_list(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *items;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, territory, valid_from, hourly_cents, version FROM smic_rates ORDER BY territory, "
	         "valid_from",
	         &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *it = json_array_get(items, i);
		json_object_set_new(it, "hourly", json_string(sched_euros(ctx->arena, db_int(db_cell(r, i, 3)))));
		json_object_set_new(
		    it, "territory_label", json_string(vocab_label(&vocab_territory, db_text(db_cell(r, i, 1)))));
	}
	*out = json_pack("{s:o}", "items", items);
	return TR_OK;
}

tr_err
smic_save(struct ctx *ctx, json_t *in, int64_t *id)
{
	json_t *clean = NULL, *detail = NULL;
	struct db_rows *r, *ds;
	tr_err err;

	if ((err = authz_require(ctx, SUB_NATIONAL)) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_smic_rate, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK) {
		json_decref(clean);
		return err;
	}
	const char *territory = json_str(clean, "territory"), *from = json_str(clean, "valid_from");
	int64_t cents = sub_int(clean, "hourly");
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT id, hourly_cents FROM smic_rates WHERE territory = ? AND valid_from = ?", &r, DB_TEXT(territory),
	    DB_TEXT(from));
	if (err == TR_OK) {
		*id = db_int(db_cell(r, 0, 0));
		detail = json_pack("{s:s, s:s, s:I, s:I}", "territory", territory, "valid_from", from, "before",
		    (json_int_t)db_int(db_cell(r, 0, 1)), "after", (json_int_t)cents);
		TRY(db_execv(ctx->db,
		    "UPDATE smic_rates SET hourly_cents = ?, updated_at = ?, version = version + 1 WHERE id = ?", NULL,
		    DB_I64(cents), DB_I64(ctx->now), DB_I64(*id)));
	} else if (err == TR_NOT_FOUND) {
		TRY(db_onev(ctx->db, ctx->arena,
		    "INSERT INTO smic_rates (territory, valid_from, hourly_cents, created_at, updated_at) VALUES (?, "
		    "?, ?, ?, "
		    "?) RETURNING id",
		    &r, DB_TEXT(territory), DB_TEXT(from), DB_I64(cents), DB_I64(ctx->now), DB_I64(ctx->now)));
		*id = db_int(db_cell(r, 0, 0));
		detail = json_pack("{s:s, s:s, s:n, s:I}", "territory", territory, "valid_from", from, "before",
		    "after", (json_int_t)cents);
	} else {
		goto out;
	}
	TRY(journal_append(ctx, "smic_rate", *id, "save", detail));
	/* The schedules running past that date on that territory take the new value. */
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT id FROM aid_decisions WHERE territory = ? AND aid_end >= ? AND (ended_on IS NULL OR ended_on >= ?) "
	    "ORDER BY id",
	    &ds, DB_TEXT(territory), DB_TEXT(from), DB_TEXT(from)));
	for (size_t i = 0; i < ds->nrows; i++) {
		json_t *d = NULL;
		TRY(sub_decision_row(ctx, db_int(db_cell(ds, i, 0)), &d));
		err = sub_recompute(ctx, d);
		json_decref(d);
		TRY(err);
	}
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	json_decref(clean);
	json_decref(detail);
	return err;
}

#define RULE_SELECT                                                                                                  \
	"SELECT r.id, r.programme_code, r.code, r.label, r.kind, r.sector, r.rate_bp, r.cap_weekly_centih, "         \
	"r.min_months, r.max_months, r.duration_months, r.employer_kind, r.regions, r.wave, r.cap_cents, r.version " \
	"FROM aid_rules r "

static tr_err
rule_extras(struct ctx *ctx, json_t *rule)
{
	struct db_rows *i, *b;
	tr_err err;
	int64_t id = sub_int(rule, "id"), total = 0;

	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT seq, amount_cents, due_months, condition FROM aid_instalments WHERE rule_id = ? ORDER BY seq",
	         &i, DB_I64(id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, code, label, amount_cents FROM aid_bonuses WHERE rule_id = ? ORDER BY amount_cents, id",
	         &b, DB_I64(id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t k = 0; k < i->nrows; k++)
		total += db_int(db_cell(i, k, 1));
	json_object_set_new(rule, "instalments", rows_json(i));
	json_object_set_new(rule, "bonuses", rows_json(b));
	json_object_set_new(rule, "rate", json_string(centi_text(ctx->arena, sub_int(rule, "rate_bp"))));
	if (i->nrows) {
		json_object_set_new(rule, "total_cents", json_integer(total));
		json_object_set_new(rule, "total", json_string(sched_euros(ctx->arena, total)));
	}
	return TR_OK;
}

tr_err
aid_rule_list(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *items;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena, RULE_SELECT "ORDER BY r.programme_code, r.id", &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	for (size_t k = 0; k < r->nrows; k++)
		if ((err = rule_extras(ctx, json_array_get(items, k))) != TR_OK) {
			json_decref(items);
			return err;
		}
	*out = json_pack("{s:o}", "items", items);
	return TR_OK;
}

tr_err
aid_rule_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, RULE_SELECT "WHERE r.id = ?", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette règle d'aide n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	if ((err = rule_extras(ctx, *out)) != TR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

tr_err
aid_rule_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *before = NULL, *after = NULL, *clean = NULL, *diff = NULL;
	int64_t changed = 0;
	tr_err err;

	if ((err = authz_require(ctx, SUB_NATIONAL)) != TR_OK)
		return err;
	if ((err = aid_rule_get(ctx, id, &before)) != TR_OK)
		return err;
	/* The rule as the field table names its columns, then the body over it. */
	after = json_pack("{s:O, s:s, s:s, s:I, s:I, s:s}", "label", json_object_get(before, "label"), "rate",
	    centi_text(ctx->arena, sub_int(before, "rate_bp")), "cap_weekly_hours",
	    centi_text(ctx->arena, sub_int(before, "cap_weekly_centih")), "max_months",
	    (json_int_t)sub_int(before, "max_months"), "duration_months",
	    (json_int_t)sub_int(before, "duration_months"), "cap",
	    centi_text(ctx->arena, sub_int(before, "cap_cents")));
	json_t *old = NULL;
	struct field_errors ignored = { 0 };
	if (entity_validate(&entity_aid_rule, after, false, ctx->arena, &ignored, &old) != TR_OK)
		log_error("aid rule %lld: stored values out of bounds", (long long)id);
	json_object_update_existing(after, in);
	err = entity_validate(&entity_aid_rule, after, false, ctx->arena, &ctx->errors, &clean);
	if (err != TR_OK) {
		json_decref(old);
		goto out_nodb;
	}
	diff = entity_diff(&entity_aid_rule, old, clean);
	json_decref(old);
	TRY(tx_begin(ctx));
	TRY(record_updatev(ctx, &entity_aid_rule, "aid_rules", clean,
	    "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?", &changed, DB_I64(ctx->now),
	    DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette règle a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	TRY(journal_append(ctx, "aid_rule", id, "update", diff));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(before);
	json_decref(after);
	json_decref(clean);
	json_decref(diff);
	return err;
}
