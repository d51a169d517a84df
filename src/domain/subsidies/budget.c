/* Budget envelopes per programme × year × region, set by national officers, and what the schedules say of them:
 * committed (the current lines of that year), paid, still to pay, and the forecast to the programme's end. */
#include <string.h>

#include "core/arena.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy.h"
#include "domain/subsidies/subsidy_int.h"
#include "model/subsidies/subsidy.h"

tr_err
envelope_set(struct ctx *ctx, int64_t programme_id, int64_t year, const char *region, json_t *in)
{
	json_t *clean = NULL, *detail = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, SUB_NATIONAL)) != TR_OK)
		return err;
	if (year < 2012 || year > 2100)
		field_errors_add(&ctx->errors, "year", "« Année » doit être comprise entre 2012 et 2100.");
	if (region == NULL)
		region = "";
	if ((err = entity_validate(&entity_envelope, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK ||
	    ctx->errors.n) {
		json_decref(clean);
		return TR_INVALID;
	}
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE id = ?", &r, DB_I64(programme_id));
	if (err == TR_NOT_FOUND)
		err = ctx_fail(ctx, err, "Ce dispositif n'existe pas.");
	TRY(err);
	if (*region) {
		err = db_onev(ctx->db, ctx->arena, "SELECT code FROM regions WHERE code = ?", &r, DB_TEXT(region));
		if (err == TR_NOT_FOUND)
			err = ctx_fail(ctx, err, "Cette région n'existe pas.");
		TRY(err);
	}
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO budget_envelopes (programme_id, year, region_code, commitments_cents, payments_cents, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (programme_id, year, region_code) DO UPDATE SET "
	    "commitments_cents = excluded.commitments_cents, payments_cents = excluded.payments_cents, updated_at = "
	    "excluded.updated_at, version = budget_envelopes.version + 1 RETURNING id",
	    &r, DB_I64(programme_id), DB_I64(year), DB_TEXT(region), DB_I64(sub_int(clean, "commitments")),
	    DB_I64(sub_int(clean, "payments")), DB_I64(ctx->now)));
	detail = json_pack("{s:I, s:I, s:s, s:O}", "programme_id", (json_int_t)programme_id, "year", (json_int_t)year,
	    "region_code", region, "after", clean);
	TRY(journal_append(ctx, "budget_envelope", db_int(db_cell(r, 0, 0)), "set", detail));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	json_decref(clean);
	json_decref(detail);
	return err;
}

/* Sums over the current lines of the envelope's region ('' : every region) that meet EXTRA. */
#define LINES_OF(extra)                                                                                        \
	"(SELECT COALESCE(SUM(l.amount_cents), 0) FROM schedule_lines l WHERE l.programme_id = e.programme_id" \
	" AND l.version_to IS NULL AND (e.region_code = '' OR l.region_code = e.region_code) AND " extra ")"
#define FROM_YEAR "l.period_from >= CAST(e.year AS TEXT) || '-01-01'"
#define IN_YEAR FROM_YEAR " AND l.period_from <= CAST(e.year AS TEXT) || '-12-31'"

/* The envelopes of a programme (0: all) and year (0: all), with what their year's lines commit, what was paid of
 * it, and the forecast from that year on; columns 6 to 9 are read by position below. */
/* clang-format off */
static const char ENVELOPE_SELECT[] =
    "SELECT e.id, e.programme_id, p.name AS programme_name, e.year, e.region_code, g.name AS region_name,"
    " e.commitments_cents, e.payments_cents,"
    " " LINES_OF(IN_YEAR) " AS committed_cents,"
    " " LINES_OF("l.paid = 1 AND " IN_YEAR) " AS paid_cents,"
    " " LINES_OF(FROM_YEAR) " AS forecast_cents, e.version"
    " FROM budget_envelopes e JOIN programmes p ON p.id = e.programme_id"
    " LEFT JOIN regions g ON g.code = e.region_code"
    " WHERE (CAST(? AS BIGINT) = 0 OR e.programme_id = ?) AND (CAST(? AS BIGINT) = 0 OR e.year = ?)"
    " ORDER BY e.programme_id, e.year, e.region_code";
/* clang-format on */
#undef IN_YEAR
#undef FROM_YEAR
#undef LINES_OF

tr_err
envelope_list(struct ctx *ctx, int64_t programme_id, int64_t year, json_t **out)
{
	struct db_rows *r;
	json_t *items;
	tr_err err;

	if ((err = authz_require(ctx, SUB_PAYERS | ROLE_BIT(ROLE_VIEWER) | ROLE_BIT(ROLE_REGIONAL))) != TR_OK)
		return err;
	err = db_queryv(ctx->db, ctx->arena, ENVELOPE_SELECT, &r, DB_I64(programme_id), DB_I64(programme_id),
	    DB_I64(year), DB_I64(year));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *it = json_array_get(items, i);
		int64_t committed = db_int(db_cell(r, i, 8)), paid = db_int(db_cell(r, i, 9));
		int64_t ae = db_int(db_cell(r, i, 6)), cp = db_int(db_cell(r, i, 7));

		json_object_set_new(it, "to_pay_cents", json_integer(committed - paid));
		json_object_set_new(it, "commitments_left_cents", json_integer(ae - committed));
		json_object_set_new(it, "payments_left_cents", json_integer(cp - paid));
		json_object_set_new(it, "committed", json_string(sched_euros(ctx->arena, committed)));
		json_object_set_new(it, "paid", json_string(sched_euros(ctx->arena, paid)));
		json_object_set_new(it, "commitments_left", json_string(sched_euros(ctx->arena, ae - committed)));
	}
	*out = json_pack("{s:o}", "items", items);
	return TR_OK;
}
