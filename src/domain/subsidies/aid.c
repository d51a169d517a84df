/* Aid decisions on contracts (hourly aid on the SMIC) and their schedules in versions: created by an officer,
 * changed by periods, an early end, unmet commitments or a correction; each change recomputes the schedule
 * (schedule.c) as a new version where the lines held by a request or a recovery are kept as they are. */
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/recruitment/contract.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy.h"
#include "domain/subsidies/subsidy_int.h"
#include "model/subsidies/subsidy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define SUBSIDY_RULES(t)                                                                                               \
	{ "national reach and steering", SUB_NATIONAL | ROLE_BIT(ROLE_VIEWER), "1 = 1", NULL },                        \
	    { "the employer", ROLE_BIT(ROLE_EMPLOYER), t ".organisation_id IN " SCOPE_ORGS("employer"), NULL },        \
	    { "the regional officer", ROLE_BIT(ROLE_REGIONAL), t ".region_code IN " SCOPE_REGIONS("regional"), NULL }, \
	    { "the pole of the region", ROLE_BIT(ROLE_POLE), t ".region_code IN " SCOPE_REGIONS("pole"), NULL },       \
	{                                                                                                              \
		"the paying agency of the programme", ROLE_BIT(ROLE_PAYER), t ".programme_id IN " SCOPE_PAYER, NULL    \
	}

static const struct scope_rule decision_rules[] = { SUBSIDY_RULES("d") };
const struct scope aid_decision_scope = { "aid_decision", "aid_decisions d", "d.id", decision_rules,
	ARRAY_LEN(decision_rules) };

static const struct scope_rule ledger_rules[] = { SUBSIDY_RULES("l") };
const struct scope ledger_scope = { "schedule_line", "schedule_lines l", "l.id", ledger_rules,
	ARRAY_LEN(ledger_rules) };

#define DECISION_SELECT                                                                                               \
	"SELECT d.id, d.contract_id, d.organisation_id, o.name AS organisation_name, d.programme_id, p.code AS "      \
	"programme_code, p.name AS programme_name, d.region_code, d.rule_id, r.code AS rule_code, r.label AS "        \
	"rule_label, r.max_months, r.cap_weekly_centih, d.territory, d.rate_bp, d.weekly_centih, d.aid_start, "       \
	"d.aid_end, d.contract_end, d.ended_on, d.end_reason, d.commitments_unmet_on, d.schedule_version, "           \
	"c.contract_type, d.created_at, d.updated_at, d.version FROM aid_decisions d JOIN organisations o ON o.id = " \
	"d.organisation_id JOIN programmes p ON p.id = d.programme_id JOIN aid_rules r ON r.id = d.rule_id JOIN "     \
	"contracts c ON c.id = d.contract_id "

static const char MISSING[] = "Cette décision d'aide n'existe pas.";
static const char STALE[] = "Cette décision d'aide a changé depuis votre lecture : rechargez la page.";

int64_t
sub_day(const char *iso)
{
	int y, m, d;

	return iso != NULL && date_parse(iso, strlen(iso), &y, &m, &d) ? date_days(y, m, d) : 0;
}

char *
sub_iso(struct ctx *ctx, int64_t d)
{
	int y, m, dd;

	date_civil(d, &y, &m, &dd);
	return arena_printf(ctx->arena, "%04d-%02d-%02d", y, m, dd);
}

int64_t
sub_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

bool
sub_officer_of(struct ctx *ctx, json_t *row)
{
	return actor_has_any(ctx->actor, SUB_NATIONAL) ||
	       actor_covers_region(ctx->actor, ROLE_REGIONAL, json_str(row, "region_code"));
}

tr_err
sub_decision_row(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, DECISION_SELECT "WHERE d.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, MISSING);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	return TR_OK;
}

/* The engine's field names as the decision's. */
static const char *
field_of(const char *engine)
{
	static const struct {
		const char *from, *to;
	} map[] = { { "end_on", "aid_end" }, { "period", "from_on" }, { "paid_share", "paid_share" },
		{ "smic", "territory" }, { "ended_on", "ended_on" } };

	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (strcmp(map[i].from, engine) == 0)
			return map[i].to;
	return engine;
}

static const char *
kind_code(enum sched_kind k)
{
	static const char *const codes[] = { "aid", "instalment", "bonus", "adjustment" };

	return codes[k];
}

/* The engine's input for decision D, with its periods and the SMIC of its territory, in ctx's arena. */
static tr_err
hourly_input(struct ctx *ctx, json_t *d, struct sched_hourly *in)
{
	struct db_rows *p, *s;
	tr_err err;

	memset(in, 0, sizeof *in);
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT from_on, to_on, paid_bp, weekly_centih FROM aid_periods WHERE decision_id = ? ORDER BY "
	         "from_on, id",
	         &p, DB_I64(sub_int(d, "id")))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT valid_from, hourly_cents FROM smic_rates WHERE territory = ? ORDER BY valid_from", &s,
	         DB_TEXT(json_str(d, "territory")))) != TR_OK)
		return ctx_storage_error(ctx, err);
	struct sched_period *per = arena_alloc(ctx->arena, (p->nrows + 1) * sizeof *per);
	struct smic_value *sv = arena_alloc(ctx->arena, (s->nrows + 1) * sizeof *sv);
	for (size_t i = 0; i < p->nrows; i++)
		per[i] = (struct sched_period){ sub_day(db_text(db_cell(p, i, 0))), sub_day(db_text(db_cell(p, i, 1))),
			(int32_t)db_int(db_cell(p, i, 2)), (int32_t)db_int(db_cell(p, i, 3)) };
	for (size_t i = 0; i < s->nrows; i++)
		sv[i] = (struct smic_value){ sub_day(db_text(db_cell(s, i, 0))), db_int(db_cell(s, i, 1)) };
	in->start = sub_day(json_str(d, "aid_start"));
	in->end = sub_day(json_str(d, "aid_end"));
	in->contract_end = sub_day(json_str(d, "contract_end"));
	in->max_months = (int32_t)sub_int(d, "max_months");
	in->rate_bp = (int32_t)sub_int(d, "rate_bp");
	in->weekly_centih = (int32_t)sub_int(d, "weekly_centih");
	in->cap_weekly_centih = (int32_t)sub_int(d, "cap_weekly_centih");
	in->periods = per;
	in->nperiods = p->nrows;
	in->ended_on = sub_day(json_str(d, "ended_on"));
	in->end_exempt = aid_end_exempt(json_str(d, "end_reason"), json_str(d, "contract_type"));
	in->commitments_unmet_on = sub_day(json_str(d, "commitments_unmet_on"));
	in->smic = sv;
	in->nsmic = s->nrows;
	return TR_OK;
}

static char *
month_of(struct ctx *ctx, int64_t day)
{
	int y, m, dd;

	date_civil(day, &y, &m, &dd);
	return arena_printf(ctx->arena, "%04d-%02d", y, m);
}

/* A recovery of AMOUNT for SUBJECT row D, holding the lines IDS; notified to every employer of the organisation. */
static tr_err
open_recovery(
    struct ctx *ctx, const char *subject, json_t *d, int64_t version, int64_t amount, const int64_t *ids, size_t n)
{
	struct db_rows *r;
	int64_t rid;
	tr_err err;
	const char *motive = arena_printf(ctx->arena,
	    "Recalcul de l'échéancier (version %lld) : les sommes versées dépassent l'aide due de %s.",
	    (long long)version, sched_euros(ctx->arena, amount));

	if ((err = db_onev(ctx->db, ctx->arena,
	         "INSERT INTO recoveries (subject, subject_id, organisation_id, programme_id, region_code, "
	         "amount_cents, "
	         "motive, reference, state, state_since, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', "
	         "'notified', ?, ?, ?) RETURNING id",
	         &r, DB_TEXT(subject), DB_I64(sub_int(d, "id")), DB_I64(sub_int(d, "organisation_id")),
	         DB_I64(sub_int(d, "programme_id")), DB_TEXT(json_str(d, "region_code")), DB_I64(amount),
	         DB_TEXT(motive), DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(ctx->now))) != TR_OK)
		return ctx_storage_error(ctx, err);
	rid = db_int(db_cell(r, 0, 0));
	if ((err = db_execv(ctx->db, "UPDATE recoveries SET reference = ? WHERE id = ?", NULL,
	         DB_TEXT(arena_printf(ctx->arena, "OR-%06lld", (long long)rid)), DB_I64(rid))) != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < n; i++)
		if ((err = db_execv(ctx->db, "UPDATE schedule_lines SET recovery_id = ? WHERE id = ?", NULL,
		         DB_I64(rid), DB_I64(ids[i]))) != TR_OK)
			return ctx_storage_error(ctx, err);
	json_t *detail = json_pack("{s:s, s:I, s:I, s:I}", "subject", subject, "subject_id",
	    (json_int_t)sub_int(d, "id"), "amount_cents", (json_int_t)amount, "schedule_version", (json_int_t)version);
	err = journal_append(ctx, "recovery", rid, "create", detail);
	json_decref(detail);
	if (err != TR_OK)
		return err;
	return sub_tell_employers(ctx, sub_int(d, "organisation_id"), "Ordre de reversement d'une aide",
	    notify_text(ctx,
	        arena_printf(ctx->arena, "Un ordre de reversement de %s a été émis : %s",
	            sched_euros(ctx->arena, amount), motive),
	        arena_printf(ctx->arena, "/aides/reversements/%lld", (long long)rid)));
}

/* HEAD, then N times UNIT separated by ", ", then TAIL, in A: the SQL of a statement over N rows or values. */
static char *
sql_repeat(struct arena *a, const char *head, const char *unit, size_t n, const char *tail)
{
	size_t lh = strlen(head), lu = strlen(unit), lt = strlen(tail);
	char *s = arena_alloc(a, lh + n * (lu + 2) + lt + 1), *p = s;

	memcpy(p, head, lh);
	p += lh;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		memcpy(p, unit, lu);
		p += lu;
	}
	memcpy(p, tail, lt + 1);
	return s;
}

#define CHUNK_MAX 64

/* The rows of the next statement over LEFT rows: the largest power of two not above LEFT nor CHUNK_MAX. */
static size_t
chunk(size_t left)
{
	size_t n = 1;

	while (n * 2 <= left && n * 2 <= CHUNK_MAX)
		n *= 2;
	return n;
}

/* The 18 values of line L of SUBJECT row D (ID) at version V, into PV (the INSERT's column order). */
static void
line_params(struct ctx *ctx, const char *subject, int64_t id, json_t *d, int64_t v, const struct sched_line *l,
    struct db_val *pv)
{
	size_t k = 0;

	pv[k++] = DB_TEXT(subject);
	pv[k++] = DB_I64(id);
	pv[k++] = DB_I64(sub_int(d, "organisation_id"));
	pv[k++] = DB_I64(sub_int(d, "programme_id"));
	pv[k++] = DB_TEXT(json_str(d, "region_code"));
	pv[k++] = DB_I64(v);
	pv[k++] = DB_TEXT(kind_code(l->kind));
	pv[k++] = DB_TEXT(sub_iso(ctx, l->from));
	pv[k++] = DB_TEXT(sub_iso(ctx, l->to));
	pv[k++] = DB_TEXT(month_of(ctx, l->from));
	pv[k++] = DB_I64(l->hours_centi);
	pv[k++] = DB_I64(l->rate_bp);
	pv[k++] = DB_I64(l->smic_cents);
	pv[k++] = DB_I64(l->seq);
	pv[k++] = DB_TEXT(l->condition);
	pv[k++] = DB_I64(l->amount);
	pv[k++] = DB_TEXT(l->explain);
	pv[k++] = DB_I64(ctx->now);
}

/* True when stored line R of FZ (its columns as sub_persist selects them) is line L. */
static bool
same_line(struct db_rows *fz, size_t r, const struct sched_line *l)
{
	const char *cond = db_isnull(db_cell(fz, r, 9)) ? NULL : db_text(db_cell(fz, r, 9));

	return db_int(db_cell(fz, r, 3)) == l->amount && sub_day(db_text(db_cell(fz, r, 1))) == l->from &&
	       sub_day(db_text(db_cell(fz, r, 2))) == l->to &&
	       strcmp(db_text(db_cell(fz, r, 4)), kind_code(l->kind)) == 0 &&
	       db_int(db_cell(fz, r, 5)) == l->hours_centi && db_int(db_cell(fz, r, 6)) == l->rate_bp &&
	       db_int(db_cell(fz, r, 7)) == l->smic_cents && db_int(db_cell(fz, r, 8)) == l->seq &&
	       ((cond == NULL && l->condition == NULL) ||
	           (cond != NULL && l->condition != NULL && strcmp(cond, l->condition) == 0)) &&
	       strcmp(db_text(db_cell(fz, r, 10)), l->explain) == 0;
}

tr_err
sub_persist(struct ctx *ctx, const char *subject, json_t *d, const struct sched *fresh)
{
	struct sched out;
	struct db_rows *fz;
	int64_t id = sub_int(d, "id"), v = sub_int(d, "schedule_version") + 1, negative = 0, inserted = 0, kept = 0;
	int64_t *neg_ids;
	size_t nneg = 0, nheld = 0;
	bool decision = strcmp(subject, "aid_decision") == 0;
	tr_err err;

	/* The current lines: held ones (by a request or a recovery) first, then the free ones. */
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, period_from, period_to, amount_cents, kind, hours_centi, rate_bp, smic_cents, seq, "
	         "condition, explain, CASE WHEN request_id IS NOT NULL OR recovery_id IS NOT NULL THEN 1 ELSE 0 END AS "
	         "held FROM schedule_lines WHERE subject = ? AND subject_id = ? AND version_to IS NULL ORDER BY 12 "
	         "DESC, "
	         "period_from, id",
	         &fz, DB_TEXT(subject), DB_I64(id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	while (nheld < fz->nrows && db_int(db_cell(fz, nheld, 11)) == 1)
		nheld++;
	struct sched_line *held = arena_alloc(ctx->arena, (nheld + 1) * sizeof *held);
	for (size_t i = 0; i < nheld; i++)
		held[i] = (struct sched_line){ .from = sub_day(db_text(db_cell(fz, i, 1))),
			.to = sub_day(db_text(db_cell(fz, i, 2))),
			.amount = db_int(db_cell(fz, i, 3)) };
	sched_reconcile(ctx->arena, fresh, held, nheld, &out);
	/* A free line identical to a new one stays as it is (it belongs to the new version too); the other free
	 * lines are closed, the other new ones inserted. So a recomputation that changes nothing writes no line. */
	bool *keep_free = arena_alloc(ctx->arena, (fz->nrows - nheld + 1) * sizeof *keep_free);
	bool *keep_new = arena_alloc(ctx->arena, (out.n + 1) * sizeof *keep_new);
	memset(keep_free, 0, (fz->nrows - nheld + 1) * sizeof *keep_free);
	memset(keep_new, 0, (out.n + 1) * sizeof *keep_new);
	for (size_t i = 0; i < out.n; i++)
		for (size_t r = nheld; r < fz->nrows; r++)
			if (!keep_free[r - nheld] && same_line(fz, r, &out.lines[i])) {
				keep_free[r - nheld] = keep_new[i] = true;
				kept++;
				break;
			}
	if (kept == 0) {
		if ((err = db_execv(ctx->db,
		         "UPDATE schedule_lines SET version_to = ? WHERE subject = ? AND subject_id = ? AND version_to "
		         "IS "
		         "NULL AND request_id IS NULL AND recovery_id IS NULL",
		         NULL, DB_I64(v), DB_TEXT(subject), DB_I64(id))) != TR_OK)
			return ctx_storage_error(ctx, err);
	} else if (fz->nrows - nheld > (size_t)kept) {
		/* The free lines not kept, closed by one statement per power of two of them (the statements stay few
		 * and cached). */
		size_t nclose = fz->nrows - nheld - (size_t)kept, k = 0;
		int64_t *ids = arena_alloc(ctx->arena, nclose * sizeof *ids);
		struct db_val *pv = arena_alloc(ctx->arena, (CHUNK_MAX + 1) * sizeof *pv);

		for (size_t r = nheld; r < fz->nrows; r++)
			if (!keep_free[r - nheld])
				ids[k++] = db_int(db_cell(fz, r, 0));
		for (size_t at = 0, n; at < nclose; at += n) {
			n = chunk(nclose - at);
			pv[0] = DB_I64(v);
			for (size_t j = 0; j < n; j++)
				pv[1 + j] = DB_I64(ids[at + j]);
			if ((err = db_exec(ctx->db,
			         sql_repeat(
			             ctx->arena, "UPDATE schedule_lines SET version_to = ? WHERE id IN (", "?", n, ")"),
			         pv, n + 1, NULL)) != TR_OK)
				return ctx_storage_error(ctx, err);
		}
	}
	/* The new lines: each negative adjustment alone (a recovery will hold it: its id is needed), the others by
	 * statements of a power of two of rows each. */
	const char *insert = "INSERT INTO schedule_lines (subject, subject_id, organisation_id, programme_id, "
	                     "region_code, version_from, kind, period_from, period_to, month, hours_centi, rate_bp, "
	                     "smic_cents, seq, condition, amount_cents, explain, created_at) VALUES ";
	const char *row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	enum { INSERT_COLS = 18 };
	struct db_val *pv = arena_alloc(ctx->arena, INSERT_COLS * CHUNK_MAX * sizeof *pv);
	size_t *todo = arena_alloc(ctx->arena, (out.n + 1) * sizeof *todo), ntodo = 0;
	neg_ids = arena_alloc(ctx->arena, (out.n + 1) * sizeof *neg_ids);
	for (size_t i = 0; i < out.n; i++) {
		const struct sched_line *l = &out.lines[i];
		struct db_rows *r;

		if (keep_new[i])
			continue;
		if (!(l->kind == SCHED_ADJUSTMENT && l->amount < 0)) {
			todo[ntodo++] = i;
			continue;
		}
		line_params(ctx, subject, id, d, v, l, pv);
		if ((err = db_query(ctx->db, ctx->arena, sql_repeat(ctx->arena, insert, row, 1, " RETURNING id"), pv,
		         INSERT_COLS, &r)) != TR_OK)
			return ctx_storage_error(ctx, err);
		negative -= l->amount;
		neg_ids[nneg++] = db_int(db_cell(r, 0, 0));
		inserted++;
	}
	for (size_t at = 0, n; at < ntodo; at += n) {
		n = chunk(ntodo - at);
		for (size_t j = 0; j < n; j++)
			line_params(ctx, subject, id, d, v, &out.lines[todo[at + j]], pv + j * INSERT_COLS);
		if ((err = db_exec(ctx->db, sql_repeat(ctx->arena, insert, row, n, ""), pv, n * INSERT_COLS, NULL)) !=
		    TR_OK)
			return ctx_storage_error(ctx, err);
		inserted += (int64_t)n;
	}
	err = db_execv(ctx->db,
	    decision ? "UPDATE aid_decisions SET schedule_version = ?, updated_at = ? WHERE id = ?"
	             : "UPDATE convention_posts SET schedule_version = ?, updated_at = ? WHERE id = ?",
	    NULL, DB_I64(v), DB_I64(ctx->now), DB_I64(id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	json_object_set_new(d, "schedule_version", json_integer(v));
	json_t *detail = json_pack("{s:I, s:I, s:I, s:I, s:I}", "schedule_version", (json_int_t)v, "total_cents",
	    (json_int_t)fresh->total, "held_lines", (json_int_t)nheld, "new_lines", (json_int_t)inserted, "kept_lines",
	    (json_int_t)kept);
	err = journal_append(ctx, decision ? "aid_decision" : "convention_post", id, "recompute", detail);
	json_decref(detail);
	if (err == TR_OK && negative > 0)
		err = open_recovery(ctx, subject, d, v, negative, neg_ids, nneg);
	return err;
}

tr_err
sub_decision_compute(struct ctx *ctx, json_t *d, struct sched *fresh)
{
	struct sched_hourly in;
	struct field_errors fe = { 0 };
	tr_err err;

	if ((err = hourly_input(ctx, d, &in)) != TR_OK)
		return err;
	if (sched_hourly(ctx->arena, &in, &fe, fresh) != TR_OK) {
		for (size_t i = 0; i < fe.n; i++)
			field_errors_add(&ctx->errors, field_of(fe.items[i].field), fe.items[i].message);
		return TR_INVALID;
	}
	return TR_OK;
}

tr_err
sub_recompute(struct ctx *ctx, json_t *d)
{
	struct sched fresh;
	tr_err err = sub_decision_compute(ctx, d, &fresh);

	return err != TR_OK ? err : sub_persist(ctx, "aid_decision", d, &fresh);
}

tr_err
aid_decision_create(struct ctx *ctx, int64_t contract_id, json_t *in, int64_t *id)
{
	json_t *c = NULL, *clean = NULL, *d = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, SUB_OFFICERS)) != TR_OK)
		return err;
	if ((err = contract_get(ctx, contract_id, &c)) != TR_OK)
		return err;
	if (!sub_officer_of(ctx, c)) {
		err = ctx_fail(
		    ctx, TR_FORBIDDEN, "Seuls les chargés de mission de la région du contrat décident de son aide.");
		goto out_nodb;
	}
	if ((err = entity_validate(&entity_aid_decision, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT r.rate_bp FROM aid_rules r JOIN programmes p ON p.code = r.programme_code WHERE r.id = ? AND p.id "
	    "= "
	    "? AND r.kind = 'hourly'",
	    &r, DB_I64(sub_int(clean, "rule_id")), DB_I64(sub_int(c, "programme_id")));
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "rule_id",
		    "« Règle d'aide » ne désigne aucune règle d'aide horaire du dispositif de ce contrat.");
		err = TR_INVALID;
		goto out_nodb;
	}
	if (err != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out_nodb;
	}
	int64_t rate = json_object_get(clean, "rate") ? sub_int(clean, "rate") : db_int(db_cell(r, 0, 0));
	int64_t weekly =
	    json_object_get(clean, "weekly_hours") ? sub_int(clean, "weekly_hours") : sub_int(c, "weekly_hours") * 100;
	const char *start = json_str(clean, "aid_start") ? json_str(clean, "aid_start") : json_str(c, "start_on");
	const char *end = json_str(clean, "aid_end") ? json_str(clean, "aid_end") : json_str(c, "end_on");
	const char *territory = json_str(clean, "territory") ? json_str(clean, "territory") : "metropole";

	if (end == NULL)
		field_errors_add(
		    &ctx->errors, "aid_end", "« Fin de l'aide » est obligatoire pour un contrat sans terme.");
	if (sub_day(start) < sub_day(json_str(c, "start_on")))
		field_errors_add(&ctx->errors, "aid_start", "« Début de l'aide » précède le début du contrat.");
	if (ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO aid_decisions (contract_id, organisation_id, programme_id, region_code, rule_id, territory, "
	    "rate_bp, weekly_centih, aid_start, aid_end, contract_end, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
	    "?, "
	    "?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(contract_id), DB_I64(sub_int(c, "organisation_id")), DB_I64(sub_int(c, "programme_id")),
	    DB_TEXT(json_str(c, "region_code")), DB_I64(sub_int(clean, "rule_id")), DB_TEXT(territory), DB_I64(rate),
	    DB_I64(weekly), DB_TEXT(start), DB_TEXT(end), DB_TEXT(json_str(c, "end_on")), DB_I64(ctx->now),
	    DB_I64(ctx->now));
	if (err == TR_CONFLICT)
		err = ctx_fail(ctx, err, "Ce contrat a déjà une décision d'aide.");
	TRY(err);
	*id = db_int(db_cell(r, 0, 0));
	TRY(sub_decision_row(ctx, *id, &d));
	TRY(sub_recompute(ctx, d));
	TRY(journal_append(ctx, "aid_decision", *id, "create", d));
	TRY(notify_org(ctx, sub_int(c, "organisation_id"), ROLE_EMPLOYER, "Décision d'aide",
	    notify_text(ctx,
	        arena_printf(ctx->arena, "L'aide du contrat n° %lld est décidée : son échéancier est en ligne.",
	            (long long)contract_id),
	        arena_printf(ctx->arena, "/aides/%lld", (long long)*id))));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(clean);
	json_decref(d);
	return err;
}

/* The lines of version V of decision ID (V ≤ 0: the current ones) as JSON, and their total. */
static tr_err
lines_of(struct ctx *ctx, int64_t id, int64_t v, json_t **items, int64_t *total, int64_t *paid, int64_t *held)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    "SELECT l.id, l.version_from, l.kind, l.period_from, l.period_to, l.month, l.hours_centi, l.rate_bp, "
	    "l.smic_cents, l.seq, l.condition, l.amount_cents, l.explain, l.request_id, l.recovery_id, l.paid FROM "
	    "schedule_lines l WHERE l.subject = 'aid_decision' AND l.subject_id = ? AND (CAST(? AS BIGINT) <= 0 AND "
	    "l.version_to IS NULL OR CAST(? AS BIGINT) > 0 AND l.version_from <= ? AND (l.version_to IS NULL OR "
	    "l.version_to > ?)) ORDER BY l.period_from, l.id",
	    &r, DB_I64(id), DB_I64(v), DB_I64(v), DB_I64(v), DB_I64(v));

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*items = rows_json(r);
	*total = *paid = *held = 0;
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t a = db_int(db_cell(r, i, 11));
		json_t *it = json_array_get(*items, i);

		*total += a;
		if (db_int(db_cell(r, i, 15)))
			*paid += a;
		if (!db_isnull(db_cell(r, i, 13)) || !db_isnull(db_cell(r, i, 14)))
			*held += a;
		json_object_set_new(
		    it, "kind_label", json_string(vocab_label(&vocab_line_kind, db_text(db_cell(r, i, 2)))));
		json_object_set_new(it, "amount", json_string(sched_euros(ctx->arena, a)));
	}
	return TR_OK;
}

static void
decorate(struct ctx *ctx, json_t *d)
{
	const char *reason = json_str(d, "end_reason");

	json_object_set_new(d, "rate", json_string(centi_text(ctx->arena, sub_int(d, "rate_bp"))));
	json_object_set_new(d, "weekly_hours", json_string(centi_text(ctx->arena, sub_int(d, "weekly_centih"))));
	if (json_str(d, "territory"))
		json_object_set_new(
		    d, "territory_label", json_string(vocab_label(&vocab_territory, json_str(d, "territory"))));
	if (reason) {
		json_object_set_new(d, "end_reason_label", json_string(vocab_label(&vocab_aid_end_reason, reason)));
		json_object_set_new(
		    d, "end_exempt", json_boolean(aid_end_exempt(reason, json_str(d, "contract_type"))));
	}
}

tr_err
aid_decision_get(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *d = NULL, *lines;
	struct db_rows *p, *rc;
	int64_t total, paid, held;
	tr_err err;

	if ((err = scope_load(ctx, &aid_decision_scope, DECISION_SELECT "WHERE d.id = ?", id, MISSING, &d)) != TR_OK)
		return err;
	if ((err = lines_of(ctx, id, 0, &lines, &total, &paid, &held)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, from_on, to_on, paid_bp, weekly_centih, reason FROM aid_periods WHERE decision_id = ? "
	         "ORDER "
	         "BY from_on, id",
	         &p, DB_I64(id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, reference, amount_cents, motive, state, version FROM recoveries WHERE subject = "
	         "'aid_decision' AND subject_id = ? ORDER BY id",
	         &rc, DB_I64(id))) != TR_OK) {
		json_decref(d);
		return ctx_storage_error(ctx, err);
	}
	decorate(ctx, d);
	json_object_set_new(d, "schedule",
	    json_pack("{s:I, s:o, s:I, s:s, s:I, s:I}", "version", (json_int_t)sub_int(d, "schedule_version"), "lines",
	        lines, "total_cents", (json_int_t)total, "total", sched_euros(ctx->arena, total), "paid_cents",
	        (json_int_t)paid, "held_cents", (json_int_t)held));
	json_object_set_new(d, "periods", rows_json(p));
	json_object_set_new(d, "recoveries", rows_json(rc));
	*out = d;
	return TR_OK;
}

tr_err
aid_schedule_version(struct ctx *ctx, int64_t id, int64_t version, json_t **out)
{
	json_t *d = NULL, *lines;
	int64_t total, paid, held;
	tr_err err;

	if ((err = scope_load(ctx, &aid_decision_scope, DECISION_SELECT "WHERE d.id = ?", id, MISSING, &d)) != TR_OK)
		return err;
	if (version < 1 || version > sub_int(d, "schedule_version")) {
		json_decref(d);
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette version de l'échéancier n'existe pas.");
	}
	json_decref(d);
	if ((err = lines_of(ctx, id, version, &lines, &total, &paid, &held)) != TR_OK)
		return err;
	*out = json_pack("{s:I, s:o, s:I, s:s}", "version", (json_int_t)version, "items", lines, "total_cents",
	    (json_int_t)total, "total", sched_euros(ctx->arena, total));
	return TR_OK;
}

static const struct list_sort decision_sorts[] = {
	{ "recent", "d.created_at DESC, d.id DESC" },
	{ "start", "d.aid_start, d.id" },
	{ "organisation", "o.name, d.id" },
};

static const struct list_spec decision_list = {
	&aid_decision_scope,
	"SELECT d.id, d.contract_id, d.organisation_id, o.name AS organisation_name, d.programme_id, p.name AS "
	"programme_name, d.region_code, d.territory, c.contract_type, d.rate_bp, d.weekly_centih, d.aid_start, "
	"d.aid_end, d.ended_on, "
	"d.schedule_version, (SELECT COALESCE(SUM(l.amount_cents), 0) FROM schedule_lines l WHERE l.subject = "
	"'aid_decision' AND l.subject_id = d.id AND l.version_to IS NULL) AS total_cents, (SELECT "
	"COALESCE(SUM(l.amount_cents), 0) FROM schedule_lines l WHERE l.subject = 'aid_decision' AND l.subject_id = "
	"d.id AND l.version_to IS NULL AND l.paid = 1) AS paid_cents, d.version FROM aid_decisions d JOIN "
	"organisations o ON o.id = d.organisation_id JOIN programmes p ON p.id = d.programme_id JOIN contracts c ON "
	"c.id = d.contract_id",
	decision_sorts,
	ARRAY_LEN(decision_sorts),
	0,
	.filters = NULL,
};

static const struct list_filter decision_filters[] = {
	LIST_ID(struct sub_filter, programme_id, "d.programme_id = ?"),
	LIST_ID(struct sub_filter, organisation_id, "d.organisation_id = ?"),
	LIST_TEXT(struct sub_filter, region_code, "d.region_code = ?"),
};

tr_err
aid_decision_list(
    struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out)
{
	struct sqlw w;
	json_t *items;
	tr_err err;

	scope_where(ctx, &aid_decision_scope, &w);
	list_filter_where(&w, decision_filters, ARRAY_LEN(decision_filters), f);
	if ((err = list_run(ctx, &decision_list, &w, sort, page, per_page, out)) != TR_OK)
		return err;
	items = json_object_get(*out, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		decorate(ctx, it);
		json_object_set_new(it, "total", json_string(sched_euros(ctx->arena, sub_int(it, "total_cents"))));
		json_object_set_new(it, "paid", json_string(sched_euros(ctx->arena, sub_int(it, "paid_cents"))));
	}
	return TR_OK;
}

/* Whether the actor may change decision ID: 404 out of its scope, 403 in it but not the region's officers' nor
 * (EMPLOYER_TOO) its employer's. Checked before the body is read, so that a body's errors tell nothing of a
 * decision the actor may not change. */
static tr_err
may_change(struct ctx *ctx, int64_t id, bool employer_too)
{
	json_t *d = NULL;
	tr_err err;

	if ((err = scope_load(ctx, &aid_decision_scope, DECISION_SELECT "WHERE d.id = ?", id, MISSING, &d)) != TR_OK)
		return err;
	if (!sub_officer_of(ctx, d) &&
	    !(employer_too && actor_in_org(ctx->actor, ROLE_EMPLOYER, sub_int(d, "organisation_id"))))
		err = ctx_fail(ctx, TR_FORBIDDEN, "Vous ne pouvez pas modifier cette décision d'aide.");
	json_decref(d);
	return err;
}

/* Runs CHANGE on decision ID at VERSION inside one transaction, then recomputes and journals ACTION with
 * DETAIL (borrowed). WHO: the roles allowed besides the region's officers (the employer). */
static tr_err
change(struct ctx *ctx, int64_t id, int64_t version, bool employer_too, const char *action, json_t *detail,
    tr_err (*apply)(struct ctx *ctx, json_t *d, json_t *detail))
{
	json_t *d = NULL;
	int64_t changed = 0;
	tr_err err;

	if ((err = may_change(ctx, id, employer_too)) != TR_OK)
		return err;
	TRY(tx_begin(ctx));
	TRY(db_lock_row(ctx, "aid_decisions", id));
	TRY(db_execv(ctx->db,
	    "UPDATE aid_decisions SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?", &changed,
	    DB_I64(ctx->now), DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, STALE);
		goto out;
	}
	TRY(sub_decision_row(ctx, id, &d));
	TRY(apply(ctx, d, detail));
	json_decref(d);
	TRY(sub_decision_row(ctx, id, &d));
	TRY(sub_recompute(ctx, d));
	TRY(journal_append(ctx, "aid_decision", id, action, detail));
	TRY(notify_org(ctx, sub_int(d, "organisation_id"), ROLE_EMPLOYER, "Échéancier d'aide recalculé",
	    notify_text(ctx,
	        arena_printf(ctx->arena, "L'échéancier de l'aide n° %lld a été recalculé (version %lld).",
	            (long long)id, (long long)sub_int(d, "schedule_version")),
	        arena_printf(ctx->arena, "/aides/%lld", (long long)id))));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	json_decref(d);
	return err;
}

static tr_err
apply_update(struct ctx *ctx, json_t *d, json_t *clean)
{
	json_t *before = json_pack("{s:I, s:I, s:s, s:s, s:s}", "rate", (json_int_t)sub_int(d, "rate_bp"),
	    "weekly_hours", (json_int_t)sub_int(d, "weekly_centih"), "aid_start", json_str(d, "aid_start"), "aid_end",
	    json_str(d, "aid_end"), "territory", json_str(d, "territory"));
	json_t *after = json_deep_copy(before);
	json_t *diff;
	tr_err err;

	json_object_update_existing(after, clean);
	diff = entity_diff(&entity_aid_decision, before, after);
	json_object_update(clean, diff);
	err = db_execv(ctx->db,
	    "UPDATE aid_decisions SET rate_bp = ?, weekly_centih = ?, aid_start = ?, aid_end = ?, territory = ? WHERE "
	    "id "
	    "= ?",
	    NULL, DB_I64(sub_int(after, "rate")), DB_I64(sub_int(after, "weekly_hours")),
	    DB_TEXT(json_str(after, "aid_start")), DB_TEXT(json_str(after, "aid_end")),
	    DB_TEXT(json_str(after, "territory")), DB_I64(sub_int(d, "id")));
	json_decref(before);
	json_decref(after);
	json_decref(diff);
	return err != TR_OK ? ctx_storage_error(ctx, err) : TR_OK;
}

tr_err
aid_decision_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *clean = NULL;
	tr_err err;

	if ((err = may_change(ctx, id, false)) == TR_OK &&
	    (err = entity_validate(&entity_aid_decision, in, true, ctx->arena, &ctx->errors, &clean)) == TR_OK)
		err = change(ctx, id, version, false, "update", clean, apply_update);
	json_decref(clean);
	return err;
}

static tr_err
apply_period(struct ctx *ctx, json_t *d, json_t *clean)
{
	tr_err err;

	if (sub_day(json_str(clean, "to_on")) < sub_day(json_str(clean, "from_on"))) {
		field_errors_add(&ctx->errors, "to_on", "« Au » précède « Du ».");
		return TR_INVALID;
	}
	err = db_execv(ctx->db,
	    "INSERT INTO aid_periods (decision_id, from_on, to_on, paid_bp, weekly_centih, reason, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)",
	    NULL, DB_I64(sub_int(d, "id")), DB_TEXT(json_str(clean, "from_on")), DB_TEXT(json_str(clean, "to_on")),
	    DB_I64(sub_int(clean, "paid_share")), DB_I64(sub_int(clean, "weekly_hours")),
	    DB_TEXT(json_str(clean, "reason")), DB_I64(ctx->now));
	return err != TR_OK ? ctx_storage_error(ctx, err) : TR_OK;
}

tr_err
aid_period_add(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *clean = NULL;
	tr_err err;

	if ((err = may_change(ctx, id, true)) == TR_OK &&
	    (err = entity_validate(&entity_aid_period, in, false, ctx->arena, &ctx->errors, &clean)) == TR_OK)
		err = change(ctx, id, version, true, "add_period", clean, apply_period);
	json_decref(clean);
	return err;
}

static tr_err
apply_end(struct ctx *ctx, json_t *d, json_t *clean)
{
	tr_err err;

	if (json_str(d, "ended_on")) {
		ctx->message = "La fin anticipée de cette aide est déjà déclarée.";
		return TR_CONFLICT;
	}
	json_object_set_new(
	    clean, "exempt", json_boolean(aid_end_exempt(json_str(clean, "end_reason"), json_str(d, "contract_type"))));
	err = db_execv(ctx->db, "UPDATE aid_decisions SET ended_on = ?, end_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(json_str(clean, "ended_on")), DB_TEXT(json_str(clean, "end_reason")), DB_I64(sub_int(d, "id")));
	return err != TR_OK ? ctx_storage_error(ctx, err) : TR_OK;
}

tr_err
aid_decision_end(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *clean = NULL;
	tr_err err;

	if ((err = may_change(ctx, id, true)) == TR_OK &&
	    (err = entity_validate(&entity_aid_end, in, false, ctx->arena, &ctx->errors, &clean)) == TR_OK)
		err = change(ctx, id, version, true, "end_early", clean, apply_end);
	json_decref(clean);
	return err;
}

static tr_err
apply_unmet(struct ctx *ctx, json_t *d, json_t *clean)
{
	tr_err err = db_execv(ctx->db, "UPDATE aid_decisions SET commitments_unmet_on = ? WHERE id = ?", NULL,
	    DB_TEXT(json_str(clean, "anniversary_on")), DB_I64(sub_int(d, "id")));

	return err != TR_OK ? ctx_storage_error(ctx, err) : TR_OK;
}

tr_err
aid_commitments_unmet(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	static const struct field f[] = {
		{ .name = "anniversary_on",
		    .label = "Date de l'anniversaire du contrat",
		    .type = FT_DATE,
		    .required = true },
	};
	static const struct entity e = { "aid_unmet", "Engagements non tenus", f, 1 };
	json_t *clean = NULL;
	tr_err err;

	if ((err = may_change(ctx, id, false)) == TR_OK &&
	    (err = entity_validate(&e, in, false, ctx->arena, &ctx->errors, &clean)) == TR_OK)
		err = change(ctx, id, version, false, "commitments_unmet", clean, apply_unmet);
	json_decref(clean);
	return err;
}
