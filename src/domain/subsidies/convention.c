/* Conventions (lump sums per post): a national officer grants N posts to an employer under a rule (and a bonus);
 * each post is vacant, occupied or returned on the lifecycle engine, and its schedule (instalments, bonus) is
 * computed from the day its first holder started; a returned post keeps the sum justified by the days it was
 * held, the rest is claimed back. A post left vacant past the refill delay (data) is returned by the system.
 * Amendments (avenants) add or return posts: requested by the employer, opinion of the regional officer,
 * decision of the national delegation. */
#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy.h"
#include "domain/subsidies/subsidy_int.h"
#include "model/subsidies/subsidy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum {
	P_EMPLOYER = 1u << 0,
	P_REGIONAL = 1u << 1,
	P_NATIONAL = 1u << 2,
	P_SYSTEM = 1u << 3,
};

static const struct scope_rule convention_rules[] = {
	{ "national reach and steering", SUB_NATIONAL | ROLE_BIT(ROLE_VIEWER), "1 = 1", NULL },
	{ "the employer", ROLE_BIT(ROLE_EMPLOYER), "cv.organisation_id IN " SCOPE_ORGS("employer"), NULL },
	{ "the regional officer", ROLE_BIT(ROLE_REGIONAL), "cv.region_code IN " SCOPE_REGIONS("regional"), NULL },
	{ "the pole of the region", ROLE_BIT(ROLE_POLE), "cv.region_code IN " SCOPE_REGIONS("pole"), NULL },
	{ "the paying agency of the programme", ROLE_BIT(ROLE_PAYER), "cv.programme_id IN " SCOPE_PAYER, NULL },
};
const struct scope convention_scope = { "convention", "conventions cv", "cv.id", convention_rules,
	ARRAY_LEN(convention_rules) };

/* A post's row with its convention's (the scope's alias cv). */
const struct scope post_scope = { "convention_post",
	"convention_posts cp JOIN conventions cv ON cv.id = cp.convention_id", "cp.id", convention_rules,
	ARRAY_LEN(convention_rules) };
static const struct scope amendment_scope = { "amendment",
	"amendments am JOIN conventions cv ON cv.id = am.convention_id", "am.id", convention_rules,
	ARRAY_LEN(convention_rules) };

#define CONVENTION_SELECT                                                                                             \
	"SELECT cv.id, cv.reference, cv.organisation_id, o.name AS organisation_name, cv.programme_id, p.name AS "    \
	"programme_name, cv.region_code, cv.rule_id, r.label AS rule_label, cv.bonus_id, b.label AS bonus_label, "    \
	"cv.posts_granted, cv.signed_on, cv.state, cv.created_at, cv.version FROM conventions cv JOIN organisations " \
	"o ON o.id = cv.organisation_id JOIN programmes p ON p.id = cv.programme_id JOIN aid_rules r ON r.id = "      \
	"cv.rule_id LEFT JOIN aid_bonuses b ON b.id = cv.bonus_id "

#define POST_SELECT                                                                                                   \
	"SELECT cp.id, cp.convention_id, cp.seq, cp.state, cp.holder_name, cp.started_on, cp.vacant_since, "          \
	"cp.returned_on, cp.schedule_version, cp.version, cv.organisation_id, cv.programme_id, cv.region_code, "      \
	"cv.rule_id, cv.bonus_id, cv.signed_on, cv.reference AS convention_reference, p.code AS programme_code FROM " \
	"convention_posts cp JOIN conventions cv ON cv.id = cp.convention_id JOIN programmes p ON p.id = "            \
	"cv.programme_id "

static const char CONVENTION_MISSING[] = "Cette convention n'existe pas.";

/* ---- Posts ---- */

static unsigned
post_parties(struct ctx *ctx, json_t *row)
{
	unsigned p = 0;

	if (actor_in_org(ctx->actor, ROLE_EMPLOYER, sub_int(row, "organisation_id")))
		p |= P_EMPLOYER;
	if (actor_has_any(ctx->actor, SUB_NATIONAL))
		p |= P_NATIONAL | P_REGIONAL;
	if (actor_covers_region(ctx->actor, ROLE_REGIONAL, json_str(row, "region_code")))
		p |= P_REGIONAL;
	return p;
}

/* The post's lump sum as the engine takes it (its rule's instalments, its convention's bonus). */
static tr_err
lump_input(struct ctx *ctx, json_t *post, struct sched_lump *in)
{
	struct db_rows *r, *i, *b;
	tr_err err;

	memset(in, 0, sizeof *in);
	if ((err = db_onev(ctx->db, ctx->arena, "SELECT duration_months, cap_cents FROM aid_rules WHERE id = ?", &r,
	         DB_I64(sub_int(post, "rule_id")))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT seq, amount_cents, due_months, condition FROM aid_instalments WHERE rule_id = ? ORDER BY seq",
	         &i, DB_I64(sub_int(post, "rule_id")))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena, "SELECT amount_cents FROM aid_bonuses WHERE id = ?", &b,
	         DB_I64(sub_int(post, "bonus_id")))) != TR_OK)
		return ctx_storage_error(ctx, err);
	struct sched_instalment *inst = arena_alloc(ctx->arena, (i->nrows + 1) * sizeof *inst);
	for (size_t k = 0; k < i->nrows; k++)
		inst[k] = (struct sched_instalment){ (int32_t)db_int(db_cell(i, k, 0)), db_int(db_cell(i, k, 1)),
			(int32_t)db_int(db_cell(i, k, 2)), arena_strdup(ctx->arena, db_text(db_cell(i, k, 3))) };
	in->start = sub_day(json_str(post, "started_on"));
	in->duration_months = (int32_t)db_int(db_cell(r, 0, 0));
	in->inst = inst;
	in->ninst = i->nrows;
	in->bonus = b->nrows ? db_int(db_cell(b, 0, 0)) : 0;
	in->cap = db_int(db_cell(r, 0, 1));
	in->returned_on = sub_day(json_str(post, "returned_on"));
	return TR_OK;
}

tr_err
sub_post_compute(struct ctx *ctx, int64_t id, bool persist, struct sched *fresh)
{
	struct db_rows *r;
	struct sched_lump in;
	struct field_errors fe = { 0 };
	json_t *p;
	tr_err err;

	fresh->n = 0;
	fresh->total = 0;
	if ((err = db_onev(ctx->db, ctx->arena, POST_SELECT "WHERE cp.id = ?", &r, DB_I64(id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	p = row_json(r, 0);
	if (json_str(p, "started_on") == NULL) {
		json_decref(p);
		return TR_OK;
	}
	if ((err = lump_input(ctx, p, &in)) == TR_OK) {
		if (sched_lump(ctx->arena, &in, &fe, fresh) != TR_OK) {
			for (size_t k = 0; k < fe.n; k++)
				field_errors_add(&ctx->errors, fe.items[k].field, fe.items[k].message);
			err = TR_INVALID;
		} else if (persist) {
			err = sub_persist(ctx, "post", p, fresh);
		}
	}
	json_decref(p);
	return err;
}

/* Recomputes post P's schedule (nothing before its first holder started). */
static tr_err
post_recompute(struct ctx *ctx, int64_t id)
{
	struct sched fresh;

	return sub_post_compute(ctx, id, true, &fresh);
}

static tr_err
guard_dates(struct wf_call *call)
{
	const char *keys[] = { "started_on", "vacant_since", "returned_on" };

	for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
		const char *v = json_str(call->clean, keys[k]);
		if (v && strcmp(v, json_str(call->row, "signed_on")) < 0) {
			field_errors_add(&call->ctx->errors, keys[k], "La date précède la signature de la convention.");
			return TR_INVALID;
		}
		if (v && json_str(call->row, "started_on") && strcmp(keys[k], "started_on") != 0 &&
		    strcmp(v, json_str(call->row, "started_on")) < 0) {
			field_errors_add(
			    &call->ctx->errors, keys[k], "La date précède l'arrivée de la première personne.");
			return TR_INVALID;
		}
	}
	return TR_OK;
}

static tr_err
effect_fill(struct wf_call *call)
{
	bool first = json_str(call->row, "started_on") == NULL;
	tr_err err = db_execv(call->ctx->db,
	    "UPDATE convention_posts SET holder_name = ?, started_on = COALESCE(started_on, ?), vacant_since = NULL "
	    "WHERE "
	    "id = ?",
	    NULL, DB_TEXT(json_str(call->clean, "holder_name")), DB_TEXT(json_str(call->clean, "started_on")),
	    DB_I64(call->id));

	if (err != TR_OK)
		return ctx_storage_error(call->ctx, err);
	return first ? post_recompute(call->ctx, call->id) : TR_OK;
}

static tr_err
effect_vacate(struct wf_call *call)
{
	tr_err err =
	    db_execv(call->ctx->db, "UPDATE convention_posts SET holder_name = NULL, vacant_since = ? WHERE id = ?",
	        NULL, DB_TEXT(json_str(call->clean, "vacant_since")), DB_I64(call->id));

	return err != TR_OK ? ctx_storage_error(call->ctx, err) : TR_OK;
}

static tr_err
effect_return(struct wf_call *call)
{
	const char *on = json_str(call->clean, "returned_on");
	tr_err err = db_execv(call->ctx->db, "UPDATE convention_posts SET returned_on = ? WHERE id = ?", NULL,
	    DB_TEXT(on ? on : json_str(call->detail, "returned_on")), DB_I64(call->id));

	if (err != TR_OK)
		return ctx_storage_error(call->ctx, err);
	return post_recompute(call->ctx, call->id);
}

static tr_err
tell_post(struct wf_call *call)
{
	return notify_org(call->ctx, sub_int(call->row, "organisation_id"), ROLE_EMPLOYER,
	    arena_printf(call->ctx->arena, "Convention %s : poste n° %lld %s",
	        json_str(call->row, "convention_reference"), (long long)sub_int(call->row, "seq"),
	        vocab_post_state.items[call->to].label),
	    notify_text(call->ctx,
	        arena_printf(call->ctx->arena, "Le poste n° %lld de la convention %s est maintenant : %s.",
	            (long long)sub_int(call->row, "seq"), json_str(call->row, "convention_reference"),
	            vocab_post_state.items[call->to].label),
	        arena_printf(
	            call->ctx->arena, "/api/v1/conventions/%lld", (long long)sub_int(call->row, "convention_id"))));
}

static const struct wf_transition post_rows[] = {
	{ "fill", "Recruter sur le poste", WF_BIT(POST_VACANT), POST_OCCUPIED, P_EMPLOYER | P_NATIONAL,
	    &entity_post_fill, false, guard_dates, effect_fill, NULL, WF_PRIMARY, NULL, "Le poste n° {n} est pourvu.",
	    NULL, NULL },
	{ "vacate", "Déclarer le départ de la personne", WF_BIT(POST_OCCUPIED), POST_VACANT, P_EMPLOYER | P_NATIONAL,
	    &entity_post_vacate, false, guard_dates, effect_vacate, NULL, WF_SECONDARY, NULL,
	    "Le départ de la personne est enregistré : le poste n° {n} est vacant.", NULL, NULL },
	{ "give_back", "Rendre le poste", WF_BIT(POST_VACANT) | WF_BIT(POST_OCCUPIED), POST_RETURNED,
	    P_EMPLOYER | P_NATIONAL, &entity_post_return, false, guard_dates, effect_return, tell_post, WF_DANGER,
	    "Rendre ce poste ? Il sera retiré de la convention et les sommes non justifiées seront à reverser ; cela "
	    "ne peut pas être annulé.",
	    "Le poste n° {n} est rendu.", NULL, NULL },
	{ "expire", "Rendre le poste resté vacant au-delà du délai", WF_BIT(POST_VACANT), POST_RETURNED, P_SYSTEM, NULL,
	    false, NULL, effect_return, tell_post, WF_DANGER, NULL,
	    "Le poste n° {n} resté vacant au-delà du délai est rendu.", NULL, NULL },
};

const struct workflow post_workflow = {
	.entity = "convention_post",
	.table = "convention_posts",
	.state_since = false,
	.states = &vocab_post_state,
	.rows = post_rows,
	.nrows = ARRAY_LEN(post_rows),
	.select = POST_SELECT "WHERE cp.id = ?",
	.scope = &post_scope,
	.parties = post_parties,
	.missing = "Ce poste n'existe pas.",
	.stale = "Ce poste a changé depuis votre lecture : rechargez la page.",
};

tr_err
post_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *new_id)
{
	return wf_take(ctx, &post_workflow, id, action, version, payload, new_version, new_id);
}

tr_err
post_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err = scope_load(ctx, &post_scope, POST_SELECT "WHERE cp.id = ?", id, post_workflow.missing, out);

	if (err == TR_OK)
		wf_present(ctx, &post_workflow, *out);
	return err;
}

tr_err
post_convention(struct ctx *ctx, int64_t post_id, int64_t *convention_id)
{
	json_t *p = NULL;
	tr_err err = scope_load(ctx, &post_scope, POST_SELECT "WHERE cp.id = ?", post_id, post_workflow.missing, &p);

	if (err == TR_OK)
		*convention_id = sub_int(p, "convention_id");
	json_decref(p);
	return err;
}

tr_err
posts_expire(struct ctx *ctx, int64_t *returned)
{
	const char *today = date_iso(ctx->arena, ctx->now);
	struct db_rows *r;
	tr_err err;

	*returned = 0;
	/* The delay in force on the day the post fell vacant (the latest row not after it). */
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT cp.id, cp.vacant_since, (SELECT d.months FROM post_refill_delays d WHERE d.programme_code = p.code "
	    "AND "
	    "d.valid_from <= cp.vacant_since ORDER BY d.valid_from DESC LIMIT 1) AS months FROM convention_posts cp "
	    "JOIN "
	    "conventions cv ON cv.id = cp.convention_id JOIN programmes p ON p.id = cv.programme_id WHERE cp.state = "
	    "'vacant' AND cp.vacant_since IS NOT NULL ORDER BY cp.id",
	    &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < r->nrows; i++) {
		if (db_isnull(db_cell(r, i, 2)))
			continue;
		const char *deadline =
		    date_add(ctx->arena, db_text(db_cell(r, i, 1)), (int)db_int(db_cell(r, i, 2)), 0);
		if (strcmp(deadline, today) > 0)
			continue;
		json_t *detail = json_pack("{s:s, s:s}", "returned_on", deadline, "reason", "refill delay passed");
		TRY(tx_begin(ctx));
		err = wf_system(ctx, &post_workflow, db_int(db_cell(r, i, 0)), "expire", P_SYSTEM, detail);
		json_decref(detail);
		err = tx_end(ctx, err);
		if (err != TR_OK)
			return err;
		(*returned)++;
	}
	return TR_OK;
out:
	return err;
}

/* ---- Conventions ---- */

tr_err
convention_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	json_t *clean = NULL, *detail = NULL;
	struct db_rows *r, *o;
	tr_err err;

	if ((err = authz_require(ctx, SUB_NATIONAL)) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_convention, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT p.id FROM aid_rules r JOIN programmes p ON p.code = r.programme_code WHERE r.id = ? AND r.kind = "
	    "'lump_sum'",
	    &r, DB_I64(sub_int(clean, "rule_id")));
	if (err == TR_NOT_FOUND)
		field_errors_add(
		    &ctx->errors, "rule_id", "« Règle d'aide » ne désigne aucune règle de forfait par poste.");
	else if (err != TR_OK)
		goto out_nodb;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT o.kind, d.region_code FROM organisations o LEFT JOIN communes c ON c.code = o.commune_code LEFT "
	    "JOIN "
	    "departements d ON d.code = c.departement_code WHERE o.id = ?",
	    &o, DB_I64(sub_int(clean, "organisation_id")));
	if (err == TR_NOT_FOUND || (err == TR_OK && strcmp(db_text(db_cell(o, 0, 0)), "employer") != 0))
		field_errors_add(
		    &ctx->errors, "organisation_id", "« Structure employeuse » ne désigne aucun employeur.");
	else if (err != TR_OK)
		goto out_nodb;
	if (sub_int(clean, "bonus_id")) {
		struct db_rows *b;
		if (db_onev(ctx->db, ctx->arena, "SELECT id FROM aid_bonuses WHERE id = ? AND rule_id = ?", &b,
		        DB_I64(sub_int(clean, "bonus_id")), DB_I64(sub_int(clean, "rule_id"))) != TR_OK)
			field_errors_add(
			    &ctx->errors, "bonus_id", "« Bonification » n'est pas une bonification de cette règle.");
	}
	if (ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO conventions (organisation_id, programme_id, region_code, rule_id, bonus_id, reference, "
	    "posts_granted, signed_on, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '', ?, ?, 'validated', ?, "
	    "?) RETURNING id",
	    &r, DB_I64(sub_int(clean, "organisation_id")), DB_I64(db_int(db_cell(r, 0, 0))),
	    DB_TEXT(db_text(db_cell(o, 0, 1))), DB_I64(sub_int(clean, "rule_id")),
	    sub_int(clean, "bonus_id") ? DB_I64(sub_int(clean, "bonus_id")) : DB_NULLV,
	    DB_I64(sub_int(clean, "posts_granted")), DB_TEXT(json_str(clean, "signed_on")), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	TRY(db_execv(ctx->db, "UPDATE conventions SET reference = ? WHERE id = ?", NULL,
	    DB_TEXT(arena_printf(ctx->arena, "CV-%06lld", (long long)*id)), DB_I64(*id)));
	for (int64_t k = 1; k <= sub_int(clean, "posts_granted"); k++)
		TRY(db_execv(ctx->db,
		    "INSERT INTO convention_posts (convention_id, seq, state, created_at, updated_at) VALUES (?, ?, "
		    "'vacant', "
		    "?, ?)",
		    NULL, DB_I64(*id), DB_I64(k), DB_I64(ctx->now), DB_I64(ctx->now)));
	TRY(journal_append(ctx, "convention", *id, "create", clean));
	TRY(notify_org(ctx, sub_int(clean, "organisation_id"), ROLE_EMPLOYER, "Convention signée",
	    notify_text(ctx,
	        arena_printf(ctx->arena, "Votre convention accorde %s.",
	            fr_count(ctx->arena, sub_int(clean, "posts_granted"), "poste", "postes")),
	        arena_printf(ctx->arena, "/api/v1/conventions/%lld", (long long)*id))));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	if (err != TR_OK && err != TR_INVALID)
		err = ctx_storage_error(ctx, err);
	json_decref(clean);
	json_decref(detail);
	return err;
}

tr_err
convention_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *p, *l, *a;
	json_t *posts;
	tr_err err =
	    scope_load(ctx, &convention_scope, CONVENTION_SELECT "WHERE cv.id = ?", id, CONVENTION_MISSING, out);

	if (err != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena, POST_SELECT "WHERE cp.convention_id = ? ORDER BY cp.seq", &p,
	         DB_I64(id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT l.id, l.subject_id, l.kind, l.period_from, l.seq, l.condition, l.amount_cents, l.explain, "
	         "l.request_id, l.recovery_id, l.paid FROM schedule_lines l JOIN convention_posts cp ON cp.id = "
	         "l.subject_id WHERE l.subject = 'post' AND cp.convention_id = ? AND l.version_to IS NULL ORDER BY "
	         "l.subject_id, l.period_from, l.id",
	         &l, DB_I64(id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, posts_delta, motive, opinion, state, version FROM amendments WHERE convention_id = ? "
	         "ORDER BY "
	         "id",
	         &a, DB_I64(id))) != TR_OK) {
		json_decref(*out);
		*out = NULL;
		return ctx_storage_error(ctx, err);
	}
	posts = rows_json(p);
	for (size_t i = 0; i < p->nrows; i++) {
		json_t *post = json_array_get(posts, i), *lines = json_array();
		int64_t total = 0;
		for (size_t k = 0; k < l->nrows; k++)
			if (db_int(db_cell(l, k, 1)) == db_int(db_cell(p, i, 0))) {
				json_array_append_new(lines, row_json(l, k));
				total += db_int(db_cell(l, k, 6));
			}
		json_object_set_new(post, "lines", lines);
		json_object_set_new(post, "total_cents", json_integer(total));
		json_object_set_new(post, "total", json_string(sched_euros(ctx->arena, total)));
		wf_present(ctx, &post_workflow, post);
	}
	json_object_set_new(*out, "posts", posts);
	json_object_set_new(*out, "amendments", rows_json(a));
	return TR_OK;
}

static const struct list_sort convention_sorts[] = { { "recent", "cv.created_at DESC, cv.id DESC" } };
static const struct list_spec convention_list_spec = {
	&convention_scope,
	CONVENTION_SELECT,
	convention_sorts,
	ARRAY_LEN(convention_sorts),
	0,
	.filters = NULL,
};

tr_err
convention_list(struct ctx *ctx, int64_t page, int64_t per_page, json_t **out)
{
	struct sqlw w;

	scope_where(ctx, &convention_scope, &w);
	return list_run(ctx, &convention_list_spec, &w, NULL, page, per_page, out);
}

/* ---- Amendments ---- */

#define AMENDMENT_SELECT                                                                                              \
	"SELECT am.id, am.convention_id, cv.reference AS convention_reference, am.organisation_id, cv.programme_id, " \
	"am.region_code, am.posts_delta, am.motive, am.opinion, am.opinion_comment, am.decision_reason, am.state, "   \
	"am.state_since, am.created_at, am.version, cv.rule_id FROM amendments am JOIN conventions cv ON cv.id = "    \
	"am.convention_id "

static unsigned
amendment_parties(struct ctx *ctx, json_t *row)
{
	return post_parties(ctx, row);
}

static tr_err
effect_opinion(struct wf_call *call)
{
	tr_err err = db_execv(call->ctx->db, "UPDATE amendments SET opinion = ?, opinion_comment = ? WHERE id = ?",
	    NULL, DB_TEXT(json_str(call->clean, "opinion")), DB_TEXT(json_str(call->clean, "opinion_comment")),
	    DB_I64(call->id));

	return err != TR_OK ? ctx_storage_error(call->ctx, err) : TR_OK;
}

/* What the convention's region still has of its envelope for the year (commitments), in cents; *FOUND false when
 * no envelope is set. */
static tr_err
envelope_left(struct ctx *ctx, json_t *row, int64_t *left, bool *found)
{
	json_t *list = NULL;
	int y, m, d;
	tr_err err;

	*found = false;
	date_civil(ctx->now / 86400, &y, &m, &d);
	if ((err = envelope_list(ctx, sub_int(row, "programme_id"), y, &list)) != TR_OK)
		return err;
	for (size_t i = 0; i < json_array_size(json_object_get(list, "items")); i++) {
		json_t *e = json_array_get(json_object_get(list, "items"), i);
		const char *region = json_str(e, "region_code");
		if (region && json_str(row, "region_code") && strcmp(region, json_str(row, "region_code")) == 0) {
			*left = sub_int(e, "commitments_left_cents");
			*found = true;
		}
	}
	json_decref(list);
	return TR_OK;
}

static tr_err
guard_grant(struct wf_call *call)
{
	struct db_rows *r;
	int64_t left = 0, per_post;
	bool found;
	tr_err err;

	if ((err = db_onev(call->ctx->db, call->ctx->arena,
	         "SELECT COALESCE(SUM(amount_cents), 0) FROM aid_instalments WHERE rule_id = ?", &r,
	         DB_I64(sub_int(call->row, "rule_id")))) != TR_OK)
		return ctx_storage_error(call->ctx, err);
	per_post = db_int(db_cell(r, 0, 0));
	if ((err = envelope_left(call->ctx, call->row, &left, &found)) != TR_OK)
		return err;
	json_object_set_new(call->detail, "envelope_left_cents", found ? json_integer(left) : json_null());
	if (found && sub_int(call->row, "posts_delta") * per_post > left &&
	    json_str(call->clean, "decision_reason") == NULL) {
		field_errors_add(&call->ctx->errors, "decision_reason",
		    arena_printf(call->ctx->arena,
		        "« Motif de la décision » est obligatoire : cet avenant (%s) dépasse ce qui reste de "
		        "l'enveloppe de la "
		        "région (%s).",
		        sched_euros(call->ctx->arena, sub_int(call->row, "posts_delta") * per_post),
		        sched_euros(call->ctx->arena, left)));
		return TR_INVALID;
	}
	return TR_OK;
}

static tr_err
effect_grant(struct wf_call *call)
{
	struct db_rows *r;
	int64_t delta = sub_int(call->row, "posts_delta"), conv = sub_int(call->row, "convention_id");
	tr_err err;

	if ((err = db_execv(call->ctx->db, "UPDATE amendments SET decision_reason = ? WHERE id = ?", NULL,
	         DB_TEXT(json_str(call->clean, "decision_reason")), DB_I64(call->id))) != TR_OK ||
	    (err = db_execv(call->ctx->db,
	         "UPDATE conventions SET posts_granted = posts_granted + ?, updated_at = ?, "
	         "version = version + 1 WHERE id = ?",
	         NULL, DB_I64(delta), DB_I64(call->ctx->now), DB_I64(conv))) != TR_OK ||
	    (err = db_onev(call->ctx->db, call->ctx->arena,
	         "SELECT COALESCE(MAX(seq), 0) FROM convention_posts WHERE convention_id = ?", &r, DB_I64(conv))) !=
	        TR_OK)
		return ctx_storage_error(call->ctx, err);
	for (int64_t k = 1; k <= delta; k++)
		if ((err = db_execv(call->ctx->db,
		         "INSERT INTO convention_posts (convention_id, seq, state, created_at, updated_at) VALUES (?, "
		         "?, "
		         "'vacant', ?, ?)",
		         NULL, DB_I64(conv), DB_I64(db_int(db_cell(r, 0, 0)) + k), DB_I64(call->ctx->now),
		         DB_I64(call->ctx->now))) != TR_OK)
			return ctx_storage_error(call->ctx, err);
	if (delta < 0) {
		struct db_rows *v;
		if ((err = db_queryv(call->ctx->db, call->ctx->arena,
		         "SELECT id FROM convention_posts WHERE convention_id = ? AND state = 'vacant' ORDER BY seq "
		         "DESC",
		         &v, DB_I64(conv))) != TR_OK)
			return ctx_storage_error(call->ctx, err);
		if ((int64_t)v->nrows < -delta)
			return ctx_fail(
			    call->ctx, TR_CONFLICT, "La convention n'a pas assez de postes vacants à rendre.");
		json_t *detail = json_pack("{s:s, s:I}", "returned_on", date_iso(call->ctx->arena, call->ctx->now),
		    "amendment", (json_int_t)call->id);
		for (int64_t k = 0; k < -delta; k++)
			if ((err = wf_system(call->ctx, &post_workflow, db_int(db_cell(v, (size_t)k, 0)), "expire",
			         P_SYSTEM, detail)) != TR_OK)
				break;
		json_decref(detail);
		if (err != TR_OK)
			return err;
	}
	return TR_OK;
}

static tr_err
guard_reason(struct wf_call *call)
{
	if (json_str(call->clean, "decision_reason") == NULL) {
		field_errors_add(
		    &call->ctx->errors, "decision_reason", "« Motif de la décision » est obligatoire pour un refus.");
		return TR_INVALID;
	}
	return TR_OK;
}

static tr_err
effect_refuse(struct wf_call *call)
{
	tr_err err = db_execv(call->ctx->db, "UPDATE amendments SET decision_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(json_str(call->clean, "decision_reason")), DB_I64(call->id));

	return err != TR_OK ? ctx_storage_error(call->ctx, err) : TR_OK;
}

static tr_err
tell_amendment(struct wf_call *call)
{
	const char *label = vocab_amendment_state.items[call->to].label;

	return notify_org(call->ctx, sub_int(call->row, "organisation_id"), ROLE_EMPLOYER,
	    arena_printf(call->ctx->arena, "Avenant à la convention %s : %s",
	        json_str(call->row, "convention_reference"), label),
	    notify_text(call->ctx, arena_printf(call->ctx->arena, "Votre avenant est maintenant : %s.", label),
	        arena_printf(call->ctx->arena, "/api/v1/amendments/%lld", (long long)call->id)));
}

static const struct wf_transition amendment_rows[] = {
	{ "give_opinion", "Donner l'avis régional", WF_BIT(AMENDMENT_REQUESTED), AMENDMENT_NATIONAL_REVIEW, P_REGIONAL,
	    &entity_amendment_opinion, false, NULL, effect_opinion, tell_amendment, WF_PRIMARY, NULL,
	    "L'avis régional sur l'avenant n° {n} est donné : il a été transmis à la décision nationale.", NULL, NULL },
	{ "grant", "Accorder l'avenant", WF_BIT(AMENDMENT_NATIONAL_REVIEW), AMENDMENT_GRANTED, P_NATIONAL,
	    &entity_amendment_decision, true, guard_grant, effect_grant, tell_amendment, WF_PRIMARY, NULL,
	    "L'avenant n° {n} est accordé.", NULL, NULL },
	{ "refuse", "Refuser l'avenant", WF_BIT(AMENDMENT_NATIONAL_REVIEW), AMENDMENT_REFUSED, P_NATIONAL,
	    &entity_amendment_decision, true, guard_reason, effect_refuse, tell_amendment, WF_DANGER,
	    "Refuser cet avenant ? L'employeur en sera informé ; la décision est définitive.",
	    "L'avenant n° {n} est refusé.", NULL, NULL },
};

const struct workflow amendment_workflow = {
	.entity = "amendment",
	.table = "amendments",
	.state_since = true,
	.states = &vocab_amendment_state,
	.rows = amendment_rows,
	.nrows = ARRAY_LEN(amendment_rows),
	.select = AMENDMENT_SELECT "WHERE am.id = ?",
	.lock_first = NULL,
	.scope = &amendment_scope,
	.parties = amendment_parties,
	.missing = "Cet avenant n'existe pas.",
	.stale = "Cet avenant a changé depuis votre lecture : rechargez la page.",
};

tr_err
amendment_create(struct ctx *ctx, int64_t convention_id, json_t *in, int64_t *id)
{
	json_t *cv = NULL, *clean = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = scope_load(ctx, &convention_scope, CONVENTION_SELECT "WHERE cv.id = ?", convention_id,
	         CONVENTION_MISSING, &cv)) != TR_OK)
		return err;
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, sub_int(cv, "organisation_id"))) {
		err = ctx_fail(ctx, TR_FORBIDDEN, "Seul l'employeur demande un avenant à sa convention.");
		goto out_nodb;
	}
	if ((err = entity_validate(&entity_amendment, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	if (sub_int(clean, "posts_delta") == 0) {
		field_errors_add(
		    &ctx->errors, "posts_delta", "« Postes ajoutés (ou rendus, en négatif) » ne peut pas être nul.");
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO amendments (convention_id, organisation_id, region_code, posts_delta, motive, state, "
	    "state_since, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'requested', ?, ?, ?) RETURNING id",
	    &r, DB_I64(convention_id), DB_I64(sub_int(cv, "organisation_id")), DB_TEXT(json_str(cv, "region_code")),
	    DB_I64(sub_int(clean, "posts_delta")), DB_TEXT(json_str(clean, "motive")), DB_I64(ctx->now),
	    DB_I64(ctx->now), DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	TRY(journal_append(ctx, "amendment", *id, "create", clean));
	TRY(notify_region(ctx, ROLE_REGIONAL, json_str(cv, "region_code"), "Avenant à examiner",
	    notify_text(ctx, "Un employeur demande un avenant à sa convention : votre avis est attendu.",
	        arena_printf(ctx->arena, "/api/v1/amendments/%lld", (long long)*id))));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(cv);
	json_decref(clean);
	return err;
}

tr_err
amendment_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err =
	    scope_load(ctx, &amendment_scope, AMENDMENT_SELECT "WHERE am.id = ?", id, amendment_workflow.missing, out);

	if (err == TR_OK)
		wf_present(ctx, &amendment_workflow, *out);
	return err;
}

tr_err
amendment_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *new_id)
{
	return wf_take(ctx, &amendment_workflow, id, action, version, payload, new_version, new_id);
}
