/* Payment requests on the lifecycle engine (requested → approved | rejected → ordered → paid), payment orders
 * for the paying agency, the ledger, and recoveries (notified → repaid | cancelled). A request holds the
 * schedule lines of its month: a recomputation never rewrites them. */
#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/kernel/outbox.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy.h"
#include "domain/subsidies/subsidy_int.h"
#include "model/subsidies/subsidy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum {
	P_EMPLOYER = 1u << 0,
	P_CHECKER = 1u << 1, /* the regional officer of the region, the paying agency, national officers */
	P_NATIONAL = 1u << 2,
	P_SYSTEM = 1u << 3,
};

static const struct scope_rule payreq_rules[] = {
	{ "national reach and steering", SUB_NATIONAL | ROLE_BIT(ROLE_VIEWER), "1 = 1", NULL },
	{ "the employer", ROLE_BIT(ROLE_EMPLOYER), "r.organisation_id IN " SCOPE_ORGS("employer"), NULL },
	{ "the regional officer", ROLE_BIT(ROLE_REGIONAL), "r.region_code IN " SCOPE_REGIONS("regional"), NULL },
	{ "the pole of the region", ROLE_BIT(ROLE_POLE), "r.region_code IN " SCOPE_REGIONS("pole"), NULL },
	{ "the paying agency of the programme", ROLE_BIT(ROLE_PAYER), "r.programme_id IN " SCOPE_PAYER, NULL },
};
const struct scope payreq_scope = { "payment_request", "payment_requests r", "r.id", payreq_rules,
	ARRAY_LEN(payreq_rules) };

static const struct scope_rule recovery_rules[] = {
	{ "national reach and steering", SUB_NATIONAL | ROLE_BIT(ROLE_VIEWER), "1 = 1", NULL },
	{ "the employer", ROLE_BIT(ROLE_EMPLOYER), "v.organisation_id IN " SCOPE_ORGS("employer"), NULL },
	{ "the regional officer", ROLE_BIT(ROLE_REGIONAL), "v.region_code IN " SCOPE_REGIONS("regional"), NULL },
	{ "the pole of the region", ROLE_BIT(ROLE_POLE), "v.region_code IN " SCOPE_REGIONS("pole"), NULL },
	{ "the paying agency of the programme", ROLE_BIT(ROLE_PAYER), "v.programme_id IN " SCOPE_PAYER, NULL },
};
const struct scope recovery_scope = { "recovery", "recoveries v", "v.id", recovery_rules, ARRAY_LEN(recovery_rules) };

/* Orders are the paying agency's and national officers'. */
static const struct scope_rule order_rules[] = {
	{ "national reach", SUB_NATIONAL, "1 = 1", NULL },
	{ "the paying agency of the programme", ROLE_BIT(ROLE_PAYER), "po.programme_id IN " SCOPE_PAYER, NULL },
};
static const struct scope order_scope = { "payment_order", "payment_orders po", "po.id", order_rules,
	ARRAY_LEN(order_rules) };

#define PAYREQ_SELECT                                                                                                 \
	"SELECT r.id, r.subject, r.subject_id, r.organisation_id, o.name AS organisation_name, r.programme_id, "      \
	"p.name AS programme_name, r.region_code, r.month, r.period_from, r.period_to, r.hours_centi, "               \
	"r.amount_cents, r.reference, r.rejection_reason, r.order_id, po.reference AS order_reference, r.paid_on, "   \
	"r.state, r.state_since, r.created_at, r.updated_at, r.version FROM payment_requests r JOIN organisations o " \
	"ON o.id = r.organisation_id JOIN programmes p ON p.id = r.programme_id LEFT JOIN payment_orders po ON "      \
	"po.id = r.order_id "

static unsigned
payreq_parties(struct ctx *ctx, json_t *row)
{
	const struct actor *a = ctx->actor;
	unsigned p = 0;

	if (actor_in_org(a, ROLE_EMPLOYER, sub_int(row, "organisation_id")))
		p |= P_EMPLOYER;
	if (actor_has_any(a, SUB_NATIONAL))
		p |= P_CHECKER | P_NATIONAL;
	/* The scope already limits a payer to the programmes of its organisation. */
	if (actor_covers_region(a, ROLE_REGIONAL, json_str(row, "region_code")) || actor_has(a, ROLE_PAYER))
		p |= P_CHECKER;
	return p;
}

static tr_err
tell_employer(struct wf_call *call)
{
	const char *label = vocab_label(&vocab_payreq_state, vocab_payreq_state.items[call->to].code);

	return notify_org(call->ctx, sub_int(call->row, "organisation_id"), ROLE_EMPLOYER,
	    arena_printf(call->ctx->arena, "Demande de paiement %s : %s", json_str(call->row, "reference"), label),
	    notify_text(call->ctx,
	        arena_printf(call->ctx->arena, "Votre demande de paiement %s (%s, %s) est maintenant : %s.",
	            json_str(call->row, "reference"), json_str(call->row, "month"),
	            sched_euros(call->ctx->arena, sub_int(call->row, "amount_cents")), label),
	        arena_printf(call->ctx->arena, "/aides/demandes/%lld", (long long)call->id)));
}

static tr_err
effect_reject(struct wf_call *call)
{
	tr_err err;

	if ((err = db_execv(call->ctx->db, "UPDATE payment_requests SET rejection_reason = ? WHERE id = ?", NULL,
	         DB_TEXT(json_str(call->clean, "rejection_reason")), DB_I64(call->id))) != TR_OK ||
	    (err = db_execv(call->ctx->db, "UPDATE schedule_lines SET request_id = NULL WHERE request_id = ?", NULL,
	         DB_I64(call->id))) != TR_OK)
		return ctx_storage_error(call->ctx, err);
	return TR_OK;
}

static tr_err
effect_pay(struct wf_call *call)
{
	tr_err err;

	if ((err = db_execv(call->ctx->db, "UPDATE schedule_lines SET paid = 1 WHERE request_id = ?", NULL,
	         DB_I64(call->id))) != TR_OK)
		return ctx_storage_error(call->ctx, err);
	return TR_OK;
}

static const struct wf_transition payreq_rows[] = {
	{ "approve", "Approuver la demande", WF_BIT(PAYREQ_REQUESTED), PAYREQ_APPROVED, P_CHECKER, NULL, false, NULL,
	    NULL, tell_employer, WF_PRIMARY, NULL,
	    "La demande de paiement n° {n} est approuvée : elle sera mise en paiement.", NULL, NULL },
	{ "reject", "Rejeter la demande", WF_BIT(PAYREQ_REQUESTED) | WF_BIT(PAYREQ_APPROVED), PAYREQ_REJECTED,
	    P_CHECKER, &entity_payreq_reason, false, NULL, effect_reject, tell_employer, WF_DANGER,
	    "Rejeter cette demande de paiement ? L'employeur en sera informé avec le motif et devra faire une nouvelle "
	    "demande.",
	    "La demande de paiement n° {n} est rejetée ; l'employeur en est informé.", NULL, NULL },
	{ "order", "Mettre en paiement", WF_BIT(PAYREQ_APPROVED), PAYREQ_ORDERED, P_SYSTEM, NULL, false, NULL, NULL,
	    NULL, WF_PRIMARY, NULL, "La demande de paiement n° {n} est mise en paiement.", NULL, NULL },
	{ "pay", "Payer", WF_BIT(PAYREQ_ORDERED), PAYREQ_PAID, P_SYSTEM, NULL, false, NULL, effect_pay, tell_employer,
	    WF_PRIMARY, NULL, "La demande de paiement n° {n} est payée.", NULL, NULL },
};

const struct workflow payreq_workflow = {
	.entity = "payment_request",
	.table = "payment_requests",
	.state_since = true,
	.states = &vocab_payreq_state,
	.rows = payreq_rows,
	.nrows = ARRAY_LEN(payreq_rows),
	.select = PAYREQ_SELECT "WHERE r.id = ?",
	.scope = &payreq_scope,
	.parties = payreq_parties,
	.missing = "Cette demande de paiement n'existe pas.",
	.stale = "Cette demande de paiement a changé depuis votre lecture : rechargez la page.",
};

static void
payreq_decorate(struct ctx *ctx, json_t *r)
{
	wf_present(ctx, &payreq_workflow, r);
	json_object_set_new(r, "amount", json_string(sched_euros(ctx->arena, sub_int(r, "amount_cents"))));
	json_object_set_new(r, "hours", json_string(centi_text(ctx->arena, sub_int(r, "hours_centi"))));
}

tr_err
payreq_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *l;
	tr_err err = scope_load(ctx, &payreq_scope, PAYREQ_SELECT "WHERE r.id = ?", id, payreq_workflow.missing, out);

	if (err != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, kind, period_from, period_to, hours_centi, amount_cents, explain, paid FROM "
	         "schedule_lines "
	         "WHERE request_id = ? ORDER BY period_from, id",
	         &l, DB_I64(id))) != TR_OK) {
		json_decref(*out);
		return ctx_storage_error(ctx, err);
	}
	payreq_decorate(ctx, *out);
	json_object_set_new(*out, "lines", rows_json(l));
	return TR_OK;
}

/* Notifies the paying agencies of the programme. */
static tr_err
tell_payers(struct ctx *ctx, int64_t programme_id, const char *subject, const char *body)
{
	return sub_mail_each(ctx,
	    "SELECT DISTINCT pe.email FROM payer_programmes pp JOIN memberships m ON m.organisation_id = "
	    "pp.organisation_id AND m.role = 'payer' JOIN people pe ON pe.id = m.person_id WHERE pp.programme_id = ? "
	    "AND pe.active = 1 ORDER BY pe.email",
	    programme_id, subject, body);
}

/* Requests the free lines of MONTH of SUBJECT row D ({id, organisation_id, programme_id, region_code, aid_start,
 * aid_end}); HOURS < 0 for lump sums (no attendance statement). */
static tr_err
request_month(struct ctx *ctx, const char *subject, json_t *d, const char *month, int64_t hours_declared, int64_t *id)
{
	struct db_rows *l, *r;
	int64_t amount = 0, hours = 0, sid = sub_int(d, "id");
	bool hourly = strcmp(subject, "aid_decision") == 0;
	tr_err err;

	TRY(tx_begin(ctx));
	TRY(db_lock_row(ctx, hourly ? "aid_decisions" : "convention_posts", sid));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT id, kind, period_from, period_to, hours_centi, amount_cents FROM schedule_lines WHERE subject = ? "
	    "AND "
	    "subject_id = ? AND month = ? AND version_to IS NULL AND request_id IS NULL AND recovery_id IS NULL ORDER "
	    "BY "
	    "period_from, id",
	    &l, DB_TEXT(subject), DB_I64(sid), DB_TEXT(month)));
	for (size_t i = 0; i < l->nrows; i++) {
		amount += db_int(db_cell(l, i, 5));
		if (strcmp(db_text(db_cell(l, i, 1)), "aid") == 0)
			hours += db_int(db_cell(l, i, 4));
	}
	if (l->nrows == 0) {
		struct db_rows *any;
		TRY(db_queryv(ctx->db, ctx->arena,
		    "SELECT COUNT(*) FROM schedule_lines WHERE subject = ? AND subject_id = ? AND month = ? AND "
		    "version_to IS "
		    "NULL",
		    &any, DB_TEXT(subject), DB_I64(sid), DB_TEXT(month)));
		if (db_int(db_cell(any, 0, 0)) > 0)
			err = ctx_fail(ctx, TR_CONFLICT, "Ce mois fait déjà l'objet d'une demande de paiement.");
		else {
			field_errors_add(&ctx->errors, "month",
			    hourly ? arena_printf(ctx->arena,
			                 "« Mois » est hors de la période d'aide du contrat (du %s au %s).",
			                 fr_date(ctx->arena, json_str(d, "aid_start")),
			                 fr_date(ctx->arena, json_str(d, "aid_end")))
			           : "« Mois » : aucun versement de ce poste n'échoit ce mois-là.");
			err = TR_INVALID;
		}
		goto out;
	}
	if (sub_day(db_text(db_cell(l, l->nrows - 1, 3))) >=
	    sub_day(date_iso(ctx->arena, ctx->now)) + (hourly ? 0 : 1)) {
		field_errors_add(&ctx->errors, "month",
		    hourly ? "« Mois » n'est pas encore écoulé : l'aide se demande sur l'état de présence du mois fini."
		           : "« Mois » : ce versement n'est pas encore échu.");
		err = TR_INVALID;
		goto out;
	}
	if (hourly && hours_declared < hours) {
		field_errors_add(&ctx->errors, "hours",
		    arena_printf(ctx->arena,
		        "« Heures rémunérées dans le mois » : %s h déclarées pour %s h prévues à l'échéancier ; "
		        "déclarez "
		        "d'abord la suspension, le temps partiel ou la rémunération partielle du mois.",
		        centi_text(ctx->arena, hours_declared), centi_text(ctx->arena, hours)));
		err = TR_INVALID;
		goto out;
	}
	if (amount <= 0) {
		field_errors_add(&ctx->errors, "month", "« Mois » : aucune aide n'est due pour ce mois.");
		err = TR_INVALID;
		goto out;
	}
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO payment_requests (subject, subject_id, organisation_id, programme_id, region_code, month, "
	    "period_from, period_to, hours_centi, amount_cents, reference, requested_by, state, state_since, "
	    "created_at, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, 'requested', ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(subject), DB_I64(sid), DB_I64(sub_int(d, "organisation_id")),
	    DB_I64(sub_int(d, "programme_id")), DB_TEXT(json_str(d, "region_code")), DB_TEXT(month),
	    DB_TEXT(db_text(db_cell(l, 0, 2))), DB_TEXT(db_text(db_cell(l, l->nrows - 1, 3))),
	    DB_I64(hourly ? hours_declared : 0), DB_I64(amount), DB_I64(ctx->actor->person_id), DB_I64(ctx->now),
	    DB_I64(ctx->now), DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	const char *ref = arena_printf(ctx->arena, "DP-%06lld", (long long)*id);
	TRY(db_execv(
	    ctx->db, "UPDATE payment_requests SET reference = ? WHERE id = ?", NULL, DB_TEXT(ref), DB_I64(*id)));
	for (size_t i = 0; i < l->nrows; i++)
		TRY(db_execv(ctx->db, "UPDATE schedule_lines SET request_id = ? WHERE id = ?", NULL, DB_I64(*id),
		    DB_I64(db_int(db_cell(l, i, 0)))));
	json_t *detail =
	    json_pack("{s:s, s:I, s:s, s:I, s:I}", "subject", subject, "subject_id", (json_int_t)sid, "month", month,
	        "hours_centi", (json_int_t)(hourly ? hours_declared : 0), "amount_cents", (json_int_t)amount);
	err = journal_append(ctx, "payment_request", *id, "create", detail);
	json_decref(detail);
	TRY(err);
	const char *body = notify_text(ctx,
	    arena_printf(ctx->arena, "Une demande de paiement (%s, %s) attend votre vérification.", month,
	        sched_euros(ctx->arena, amount)),
	    arena_printf(ctx->arena, "/aides/demandes/%lld", (long long)*id));
	TRY(notify_region(ctx, ROLE_REGIONAL, json_str(d, "region_code"), "Demande de paiement à vérifier", body));
	TRY(tell_payers(ctx, sub_int(d, "programme_id"), "Demande de paiement à vérifier", body));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
payreq_create(struct ctx *ctx, int64_t decision_id, json_t *in, int64_t *id)
{
	json_t *d = NULL, *clean = NULL;
	tr_err err;

	if ((err = scope_load(ctx, &aid_decision_scope,
	         "SELECT d.id, d.organisation_id, d.programme_id, d.region_code, d.aid_start, d.aid_end FROM "
	         "aid_decisions d WHERE d.id = ?",
	         decision_id, "Cette décision d'aide n'existe pas.", &d)) != TR_OK)
		return err;
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, sub_int(d, "organisation_id"))) {
		json_decref(d);
		return ctx_fail(ctx, TR_FORBIDDEN, "Seul l'employeur demande le paiement de son aide.");
	}
	if ((err = entity_validate(&entity_payreq, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out;
	const char *month = json_str(clean, "month");
	if (!json_object_get(clean, "hours"))
		field_errors_add(
		    &ctx->errors, "hours", "« Heures rémunérées dans le mois » est obligatoire pour une aide horaire.");
	else if (sub_int(clean, "hours") < 0)
		field_errors_add(
		    &ctx->errors, "hours", "« Heures rémunérées dans le mois » ne peuvent pas être négatives.");
	if (strlen(month) != 7)
		field_errors_add(&ctx->errors, "month", "« Mois » doit s'écrire AAAA-MM.");
	if (ctx->errors.n) {
		err = TR_INVALID;
		goto out;
	}
	err = request_month(ctx, "aid_decision", d, month, sub_int(clean, "hours"), id);
out:
	json_decref(d);
	json_decref(clean);
	return err;
}

tr_err
payreq_create_post(struct ctx *ctx, int64_t post_id, json_t *in, int64_t *id)
{
	json_t *d = NULL, *clean = NULL;
	tr_err err;

	if ((err = scope_load(ctx, &post_scope,
	         "SELECT cp.id, cv.organisation_id, cv.programme_id, cv.region_code FROM convention_posts cp JOIN "
	         "conventions cv ON cv.id = cp.convention_id WHERE cp.id = ?",
	         post_id, "Ce poste n'existe pas.", &d)) != TR_OK)
		return err;
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, sub_int(d, "organisation_id"))) {
		json_decref(d);
		return ctx_fail(ctx, TR_FORBIDDEN, "Seul l'employeur demande le paiement de son aide.");
	}
	if ((err = entity_validate(&entity_payreq, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out;
	if (strlen(json_str(clean, "month")) != 7) {
		field_errors_add(&ctx->errors, "month", "« Mois » doit s'écrire AAAA-MM.");
		err = TR_INVALID;
		goto out;
	}
	err = request_month(ctx, "post", d, json_str(clean, "month"), -1, id);
out:
	json_decref(d);
	json_decref(clean);
	return err;
}

tr_err
payreq_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *new_id)
{
	return wf_take(ctx, &payreq_workflow, id, action, version, payload, new_version, new_id);
}

static const struct list_sort payreq_sorts[] = {
	{ "oldest", "r.created_at, r.id" },
	{ "recent", "r.created_at DESC, r.id DESC" },
	{ "amount", "r.amount_cents DESC, r.id" },
	{ "organisation", "o.name, r.id" },
};

static const struct list_spec payreq_list_spec = {
	&payreq_scope,
	"SELECT r.id, r.reference, r.organisation_id, o.name AS organisation_name, o.siret AS organisation_siret, "
	"r.programme_id, p.name AS programme_name, r.region_code, r.month, r.period_from, r.period_to, r.hours_centi, "
	"r.amount_cents, r.state, r.order_id, r.paid_on, r.created_at, r.version FROM payment_requests r JOIN "
	"organisations o ON o.id = r.organisation_id JOIN programmes p ON p.id = r.programme_id",
	payreq_sorts,
	ARRAY_LEN(payreq_sorts),
	0,
	.filters = NULL,
};

static const struct list_filter payreq_filters[] = {
	LIST_TEXT(struct sub_filter, state, "r.state = ?"),
	LIST_ID(struct sub_filter, programme_id, "r.programme_id = ?"),
	LIST_ID(struct sub_filter, organisation_id, "r.organisation_id = ?"),
	LIST_TEXT(struct sub_filter, region_code, "r.region_code = ?"),
	LIST_ID(struct sub_filter, decision_id, "r.subject = 'aid_decision' AND r.subject_id = ?"),
};

tr_err
payreq_list(struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out)
{
	struct sqlw w;
	json_t *items;
	tr_err err;

	scope_where(ctx, &payreq_scope, &w);
	list_filter_where(&w, payreq_filters, ARRAY_LEN(payreq_filters), f);
	if ((err = list_run(ctx, &payreq_list_spec, &w, sort, page, per_page, out)) != TR_OK)
		return err;
	items = json_object_get(*out, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		json_object_set_new(
		    it, "state_label", json_string(vocab_label(&vocab_payreq_state, json_str(it, "state"))));
		json_object_set_new(it, "amount", json_string(sched_euros(ctx->arena, sub_int(it, "amount_cents"))));
	}
	return TR_OK;
}

/* ---- Payment orders ---- */

#define ORDER_SELECT                                                                                                  \
	"SELECT po.id, po.programme_id, p.code AS programme_code, p.name AS programme_name, po.reference, po.state, " \
	"po.total_cents, po.paid_on, po.paid_reference, po.created_at, po.updated_at, po.version, (SELECT COUNT(*) "  \
	"FROM payment_requests r WHERE r.order_id = po.id) AS requests FROM payment_orders po JOIN programmes p ON "  \
	"p.id = po.programme_id "

static const char ORDER_MISSING[] = "Cet ordre de paiement n'existe pas.";

tr_err
payorder_create(struct ctx *ctx, int64_t programme_id, int64_t *id)
{
	struct db_rows *r, *o;
	int64_t total = 0;
	tr_err err;

	if ((err = authz_require(ctx, SUB_PAYERS)) != TR_OK)
		return err;
	if (!actor_has_any(ctx->actor, SUB_NATIONAL)) {
		struct db_rows *pp;
		if ((err = db_queryv(ctx->db, ctx->arena,
		         "SELECT COUNT(*) FROM payer_programmes pp JOIN memberships m ON m.organisation_id = "
		         "pp.organisation_id "
		         "AND m.role = 'payer' WHERE m.person_id = ? AND pp.programme_id = ?",
		         &pp, DB_I64(ctx->actor->person_id), DB_I64(programme_id))) != TR_OK)
			return ctx_storage_error(ctx, err);
		if (db_int(db_cell(pp, 0, 0)) == 0)
			return ctx_fail(ctx, TR_FORBIDDEN, "Votre organisme ne paie pas ce dispositif.");
	}
	TRY(tx_begin(ctx));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT r.id, r.amount_cents, b.holder, b.iban, b.bic FROM payment_requests r JOIN bank_details b ON "
	    "b.organisation_id = r.organisation_id WHERE r.programme_id = ? AND r.state = 'approved' ORDER BY r.id",
	    &r, DB_I64(programme_id)));
	if (r->nrows == 0) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    "Aucune demande approuvée de ce dispositif n'attend d'être mise en paiement (les employeurs sans "
		    "coordonnées bancaires attendent).");
		goto out;
	}
	for (size_t i = 0; i < r->nrows; i++)
		total += db_int(db_cell(r, i, 1));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO payment_orders (programme_id, reference, state, total_cents, created_by, created_at, "
	    "updated_at) "
	    "VALUES (?, '', 'issued', ?, ?, ?, ?) RETURNING id",
	    &o, DB_I64(programme_id), DB_I64(total), DB_I64(ctx->actor->person_id), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	*id = db_int(db_cell(o, 0, 0));
	TRY(db_execv(ctx->db, "UPDATE payment_orders SET reference = ? WHERE id = ?", NULL,
	    DB_TEXT(arena_printf(ctx->arena, "OP-%06lld", (long long)*id)), DB_I64(*id)));
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t rid = db_int(db_cell(r, i, 0));
		TRY(db_execv(ctx->db,
		    "UPDATE payment_requests SET order_id = ?, holder = ?, iban = ?, bic = ? WHERE id = ?", NULL,
		    DB_I64(*id), DB_TEXT(db_text(db_cell(r, i, 2))), DB_TEXT(db_text(db_cell(r, i, 3))),
		    DB_TEXT(db_text(db_cell(r, i, 4))), DB_I64(rid)));
		TRY(wf_system(ctx, &payreq_workflow, rid, "order", P_SYSTEM, NULL));
	}
	json_t *detail = json_pack("{s:I, s:I, s:I}", "programme_id", (json_int_t)programme_id, "requests",
	    (json_int_t)r->nrows, "total_cents", (json_int_t)total);
	err = journal_append(ctx, "payment_order", *id, "create", detail);
	json_decref(detail);
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
payorder_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err = scope_load(ctx, &order_scope, ORDER_SELECT "WHERE po.id = ?", id, ORDER_MISSING, out);

	if (err == TR_OK)
		json_object_set_new(*out, "total", json_string(sched_euros(ctx->arena, sub_int(*out, "total_cents"))));
	return err;
}

static const struct list_sort order_sorts[] = { { "recent", "po.created_at DESC, po.id DESC" } };
static const struct list_spec order_list_spec = {
	&order_scope,
	"SELECT po.id, po.programme_id, p.name AS programme_name, po.reference, po.state, po.total_cents, po.paid_on, "
	"po.paid_reference, po.created_at, po.version FROM payment_orders po JOIN programmes p ON p.id = "
	"po.programme_id",
	order_sorts,
	ARRAY_LEN(order_sorts),
	0,
	.filters = NULL,
};

tr_err
payorder_list(struct ctx *ctx, int64_t page, int64_t per_page, json_t **out)
{
	struct sqlw w;
	tr_err err;

	if ((err = authz_require(ctx, SUB_PAYERS)) != TR_OK)
		return err;
	scope_where(ctx, &order_scope, &w);
	return list_run(ctx, &order_list_spec, &w, NULL, page, per_page, out);
}

tr_err
payorder_paid(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *o = NULL, *clean = NULL;
	struct db_rows *r;
	int64_t changed = 0;
	tr_err err;

	if ((err = authz_require(ctx, SUB_PAYERS)) != TR_OK)
		return err;
	if ((err = payorder_get(ctx, id, &o)) != TR_OK)
		return err;
	json_decref(o);
	if ((err = entity_validate(&entity_order_paid, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK) {
		json_decref(clean);
		return err;
	}
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE payment_orders SET state = 'paid', paid_on = ?, paid_reference = ?, updated_at = ?, version = "
	    "version "
	    "+ 1 WHERE id = ? AND version = ? AND state = 'issued'",
	    &changed, DB_TEXT(json_str(clean, "paid_on")), DB_TEXT(json_str(clean, "paid_reference")), DB_I64(ctx->now),
	    DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(
		    ctx, TR_CONFLICT, "Cet ordre de paiement a changé depuis votre lecture (ou il est déjà payé).");
		goto out;
	}
	TRY(db_queryv(
	    ctx->db, ctx->arena, "SELECT id FROM payment_requests WHERE order_id = ? ORDER BY id", &r, DB_I64(id)));
	TRY(db_execv(ctx->db, "UPDATE payment_requests SET paid_on = ? WHERE order_id = ?", NULL,
	    DB_TEXT(json_str(clean, "paid_on")), DB_I64(id)));
	for (size_t i = 0; i < r->nrows; i++)
		TRY(wf_system(ctx, &payreq_workflow, db_int(db_cell(r, i, 0)), "pay", P_SYSTEM, clean));
	TRY(journal_append(ctx, "payment_order", id, "paid", clean));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
	json_decref(clean);
	return err;
}

tr_err
payorder_lines(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *o = NULL, *items;
	struct db_rows *r;
	tr_err err;

	if ((err = payorder_get(ctx, id, &o)) != TR_OK)
		return err;
	json_decref(o);
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT og.siret, og.name, r.holder, r.iban, r.bic, r.amount_cents, r.reference, r.period_from, "
	         "r.period_to, p.code AS programme FROM payment_requests r JOIN organisations og ON og.id = "
	         "r.organisation_id JOIN programmes p ON p.id = r.programme_id WHERE r.order_id = ? ORDER BY r.id",
	         &r, DB_I64(id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *it = json_array_get(items, i);
		int64_t c = db_int(db_cell(r, i, 5));
		json_object_set_new(it, "amount",
		    json_string(arena_printf(ctx->arena, "%lld.%02lld", (long long)(c / 100), (long long)(c % 100))));
		json_object_set_new(it, "period",
		    json_string(
		        arena_printf(ctx->arena, "%s/%s", db_text(db_cell(r, i, 7)), db_text(db_cell(r, i, 8)))));
	}
	*out = json_pack("{s:o}", "items", items);
	return TR_OK;
}

static const struct list_sort ledger_sorts[] = { { "period", "l.period_from, l.id" } };
static const struct list_spec ledger_spec = {
	&ledger_scope,
	"SELECT l.id, l.subject, l.subject_id, l.organisation_id, o.name AS organisation_name, o.siret AS "
	"organisation_siret, l.programme_id, p.code AS programme, l.region_code, l.kind, l.period_from, l.period_to, "
	"l.amount_cents, l.request_id, rq.reference AS request_reference, rq.paid_on, l.recovery_id, rc.reference AS "
	"recovery_reference, rc.state AS recovery_state FROM schedule_lines l JOIN organisations o ON o.id = "
	"l.organisation_id JOIN programmes p ON p.id = l.programme_id LEFT JOIN payment_requests rq ON rq.id = "
	"l.request_id LEFT JOIN recoveries rc ON rc.id = l.recovery_id",
	ledger_sorts,
	ARRAY_LEN(ledger_sorts),
	0,
	.filters = NULL,
};

static const struct list_filter ledger_filters[] = {
	LIST_ID(struct sub_filter, programme_id, "l.programme_id = ?"),
	LIST_TEXT(struct sub_filter, from, "l.period_from >= ?"),
	LIST_TEXT(struct sub_filter, to, "l.period_from <= ?"),
};

tr_err
ledger_list(struct ctx *ctx, const struct sub_filter *f, int64_t page, int64_t per_page, json_t **out)
{
	struct sqlw w;

	scope_where(ctx, &ledger_scope, &w);
	sqlw_and_literal(
	    &w, "(l.paid = 1 OR l.recovery_id IS NOT NULL)"); /* as the partial index schedule_lines_ledger */
	list_filter_where(&w, ledger_filters, ARRAY_LEN(ledger_filters), f);
	return list_run(ctx, &ledger_spec, &w, NULL, page, per_page, out);
}

/* ---- Recoveries ---- */

#define RECOVERY_SELECT                                                                                          \
	"SELECT v.id, v.subject, v.subject_id, v.organisation_id, o.name AS organisation_name, v.programme_id, " \
	"v.region_code, v.amount_cents, v.motive, v.reference, v.repaid_on, v.cancel_reason, v.state, "          \
	"v.state_since, v.created_at, v.updated_at, v.version FROM recoveries v JOIN organisations o ON o.id = " \
	"v.organisation_id "

static unsigned
recovery_parties(struct ctx *ctx, json_t *row)
{
	unsigned p = 0;

	(void)row;
	if (actor_has_any(ctx->actor, SUB_NATIONAL))
		p |= P_CHECKER | P_NATIONAL;
	if (actor_has(ctx->actor, ROLE_PAYER))
		p |= P_CHECKER;
	return p;
}

static tr_err
effect_repaid(struct wf_call *call)
{
	tr_err err = db_execv(call->ctx->db, "UPDATE recoveries SET repaid_on = ? WHERE id = ?", NULL,
	    DB_TEXT(json_str(call->clean, "repaid_on")), DB_I64(call->id));

	return err != TR_OK ? ctx_storage_error(call->ctx, err) : TR_OK;
}

static tr_err
effect_cancel(struct wf_call *call)
{
	tr_err err = db_execv(call->ctx->db, "UPDATE recoveries SET cancel_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(json_str(call->clean, "cancel_reason")), DB_I64(call->id));

	return err != TR_OK ? ctx_storage_error(call->ctx, err) : TR_OK;
}

static tr_err
tell_recovery(struct wf_call *call)
{
	const char *label = vocab_recovery_state.items[call->to].label;

	return notify_org(call->ctx, sub_int(call->row, "organisation_id"), ROLE_EMPLOYER,
	    arena_printf(call->ctx->arena, "Ordre de reversement %s : %s", json_str(call->row, "reference"), label),
	    notify_text(call->ctx,
	        arena_printf(call->ctx->arena, "L'ordre de reversement %s (%s) est maintenant : %s.",
	            json_str(call->row, "reference"), sched_euros(call->ctx->arena, sub_int(call->row, "amount_cents")),
	            label),
	        arena_printf(call->ctx->arena, "/aides/reversements/%lld", (long long)call->id)));
}

static const struct wf_transition recovery_rows[] = {
	{ "repaid", "Enregistrer le reversement", WF_BIT(RECOVERY_NOTIFIED), RECOVERY_REPAID, P_CHECKER,
	    &entity_recovery_repaid, false, NULL, effect_repaid, tell_recovery, WF_PRIMARY, NULL,
	    "Le reversement n° {n} est enregistré.", NULL, NULL },
	{ "cancel", "Annuler l'ordre de reversement", WF_BIT(RECOVERY_NOTIFIED), RECOVERY_CANCELLED, P_NATIONAL,
	    &entity_recovery_cancel, false, NULL, effect_cancel, tell_recovery, WF_DANGER,
	    "Annuler cet ordre de reversement ? L'employeur n'aura plus à reverser ces sommes ; cela ne peut pas être "
	    "annulé.",
	    "L'ordre de reversement n° {n} est annulé.", NULL, NULL },
};

const struct workflow recovery_workflow = {
	.entity = "recovery",
	.table = "recoveries",
	.state_since = true,
	.states = &vocab_recovery_state,
	.rows = recovery_rows,
	.nrows = ARRAY_LEN(recovery_rows),
	.select = RECOVERY_SELECT "WHERE v.id = ?",
	.scope = &recovery_scope,
	.parties = recovery_parties,
	.missing = "Cet ordre de reversement n'existe pas.",
	.stale = "Cet ordre de reversement a changé depuis votre lecture : rechargez la page.",
};

static void
recovery_decorate(struct ctx *ctx, json_t *v)
{
	wf_present(ctx, &recovery_workflow, v);
	json_object_set_new(v, "amount", json_string(sched_euros(ctx->arena, sub_int(v, "amount_cents"))));
}

tr_err
recovery_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err =
	    scope_load(ctx, &recovery_scope, RECOVERY_SELECT "WHERE v.id = ?", id, recovery_workflow.missing, out);

	if (err == TR_OK)
		recovery_decorate(ctx, *out);
	return err;
}

static const struct list_sort recovery_sorts[] = {
	{ "recent", "v.created_at DESC, v.id DESC" },
	{ "amount", "v.amount_cents DESC, v.id" },
};
static const struct list_spec recovery_list_spec = {
	&recovery_scope,
	RECOVERY_SELECT,
	recovery_sorts,
	ARRAY_LEN(recovery_sorts),
	0,
	.filters = NULL,
};

static const struct list_filter recovery_filters[] = {
	LIST_TEXT(struct sub_filter, state, "v.state = ?"),
	LIST_ID(struct sub_filter, organisation_id, "v.organisation_id = ?"),
};

tr_err
recovery_list(
    struct ctx *ctx, const struct sub_filter *f, const char *sort, int64_t page, int64_t per_page, json_t **out)
{
	struct sqlw w;
	json_t *items;
	tr_err err;

	scope_where(ctx, &recovery_scope, &w);
	list_filter_where(&w, recovery_filters, ARRAY_LEN(recovery_filters), f);
	if ((err = list_run(ctx, &recovery_list_spec, &w, sort, page, per_page, out)) != TR_OK)
		return err;
	items = json_object_get(*out, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		recovery_decorate(ctx, json_array_get(items, i));
	return TR_OK;
}

tr_err
recovery_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *new_id)
{
	return wf_take(ctx, &recovery_workflow, id, action, version, payload, new_version, new_id);
}
