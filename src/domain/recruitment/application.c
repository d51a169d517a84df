/* Applications: the transition table on the lifecycle engine (acceptance makes the contract and closes the
 * candidate's other applications), creation, reading, lists and the 60-day expiry. */
#include "domain/recruitment/application.h"

#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/candidates/candidate.h"
#include "domain/kernel/common.h"
#include "domain/recruitment/contract.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/notify.h"
#include "domain/kernel/workflow.h"
#include "model/recruitment/contract.h"

enum {
	P_CANDIDATE = 1 << 0,
	P_STRUCTURE = 1 << 1,
	P_SYSTEM = 1 << 2, /* the 60-day expiry, and the recruitment of the candidate elsewhere */
};

#define PENDING (WF_BIT(APP_NEW) | WF_BIT(APP_PROCESSING) | WF_BIT(APP_INTERVIEW))
#define PENDING_SQL "('proposed', 'new', 'processing', 'interview')"

static tr_err effect_message(struct wf_call *c);
static tr_err effect_accept(struct wf_call *c);
static tr_err effect_refuse(struct wf_call *c);
static tr_err tell_other_side(struct wf_call *c);
static tr_err tell_obsolete(struct wf_call *c);

static const struct wf_transition application_rows[] = {
	{ "accept_proposal", "Accepter la mise en relation", WF_BIT(APP_PROPOSED), APP_NEW, P_CANDIDATE,
	    &entity_application, true, NULL, effect_message, tell_other_side, WF_PRIMARY, NULL },
	{ "decline_proposal", "Décliner la mise en relation", WF_BIT(APP_PROPOSED), APP_DECLINED, P_CANDIDATE, NULL,
	    false, NULL, NULL, tell_other_side, WF_DANGER, NULL },
	{ "process", "Examiner la candidature", WF_BIT(APP_NEW), APP_PROCESSING, P_STRUCTURE, NULL, false, NULL, NULL,
	    tell_other_side, WF_PRIMARY, NULL },
	{ "interview", "Proposer un entretien", WF_BIT(APP_NEW) | WF_BIT(APP_PROCESSING), APP_INTERVIEW, P_STRUCTURE,
	    NULL, false, NULL, NULL, tell_other_side, WF_SECONDARY, NULL },
	{ "accept", "Retenir la candidature et établir le contrat", PENDING, APP_ACCEPTED, P_STRUCTURE,
	    &entity_contract, false, NULL, effect_accept, tell_other_side, WF_PRIMARY, NULL },
	{ "refuse", "Ne pas retenir la candidature", PENDING, APP_REFUSED, P_STRUCTURE, &entity_refusal, false, NULL,
	    effect_refuse, tell_other_side, WF_DANGER, NULL },
	{ "withdraw", "Retirer ma candidature", PENDING | WF_BIT(APP_PROPOSED), APP_WITHDRAWN, P_CANDIDATE, NULL, false,
	    NULL, NULL, tell_other_side, WF_DANGER, "Retirer votre candidature ? Elle sera close." },
	{ "obsolete", "Clore la candidature", PENDING | WF_BIT(APP_PROPOSED), APP_OBSOLETE, P_SYSTEM, NULL, false, NULL,
	    NULL, tell_obsolete, WF_SECONDARY, NULL },
};

/* An application with what its readers and the contract need: the offer's terms and place, the dossier's
 * parties (defaults of the contract), the candidate. */
#define APPLICATION_SELECT                                                                                             \
	"SELECT a.id, a.offer_id, a.candidate_id, a.state, a.origin, a.message, a.refusal_reason, a.created_at, "      \
	"a.updated_at, a.state_since, a.version, f.title AS offer_title, f.state AS offer_state, f.dossier_id, "       \
	"f.organisation_id, f.programme_id, f.region_code, f.job_profile_id, f.contract_type AS offer_contract_type, " \
	"f.start_on AS "                                                                                               \
	"offer_start_on, f.duration_months AS offer_duration_months, f.weekly_hours AS offer_weekly_hours, "           \
	"f.place_id, o.name AS organisation_name, p.name AS candidate_name, p.email AS candidate_email, "              \
	"d.pole_id AS dossier_pole_id, d.sponsor_name AS dossier_sponsor_name, d.company_name AS "                     \
	"dossier_company_name, "                                                                                       \
	"d.company_siret AS dossier_company_siret, d.company_activity AS dossier_company_activity, "                   \
	"(SELECT c.id FROM contracts c WHERE c.application_id = a.id) AS contract_id "                                 \
	"FROM applications a JOIN offers f ON f.id = a.offer_id JOIN organisations o ON o.id = f.organisation_id "     \
	"JOIN dossiers d ON d.id = f.dossier_id JOIN people p ON p.id = a.candidate_id "

static const char *
str_of(json_t *o, const char *k)
{
	return json_str(o, k);
}

static int64_t
int_of(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static unsigned
parties_of(struct ctx *ctx, json_t *a)
{
	unsigned p = 0;

	if (ctx->actor && ctx->actor->person_id == int_of(a, "candidate_id"))
		p |= P_CANDIDATE;
	if (actor_in_org(ctx->actor, ROLE_EMPLOYER, int_of(a, "organisation_id")))
		p |= P_STRUCTURE;
	return p;
}

static bool
can_read(struct ctx *ctx, json_t *app)
{
	const struct actor *a = ctx->actor;
	int64_t org;

	if (a == NULL)
		return false;
	if (parties_of(ctx, app) || actor_has_any(a, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL)) ||
	    actor_covers_region(a, ROLE_POLE, str_of(app, "region_code")) ||
	    actor_covers_region(a, ROLE_REGIONAL, str_of(app, "region_code")))
		return true;
	/* Prescribers of an organisation that follows the person. */
	return actor_has(a, ROLE_PRESCRIBER) && candidate_follower_org(ctx, int_of(app, "candidate_id"), &org) == TR_OK;
}

const struct workflow application_workflow = {
	.entity = "application",
	.table = "applications",
	.state_since = true,
	.states = &vocab_application_state,
	.rows = application_rows,
	.nrows = sizeof(application_rows) / sizeof(application_rows[0]),
	.select = APPLICATION_SELECT "WHERE a.id = ?",
	/* The candidate's row first: accepting one application closes the others, so that two structures accepting
	 * the same person at once take their turns instead of each holding one application the other needs. */
	.lock_first = "UPDATE candidates SET updated_at = updated_at WHERE person_id = (SELECT candidate_id FROM "
	              "applications WHERE id = ?)",
	.can_read = can_read,
	.parties = parties_of,
	.missing = "Cette candidature n'existe pas.",
	.forbidden = "Cette candidature n'est pas dans votre périmètre.",
	.stale = "Cette candidature a changé depuis votre lecture : rechargez la page.",
};

static tr_err
load(struct ctx *ctx, int64_t id, json_t **out)
{
	return load_readable_row(ctx, APPLICATION_SELECT "WHERE a.id = ?", id, can_read,
	    "Cette candidature n'existe pas.", "Cette candidature n'est pas dans votre périmètre.", out);
}

static void
decorate(struct ctx *ctx, json_t *a)
{
	const char *state = str_of(a, "state");

	json_object_set_new(a, "state_label", json_string(vocab_label(&vocab_application_state, state)));
	entity_decorate(&entity_refusal, a, ctx->arena);
	json_object_set_new(a, "days_waiting", json_integer((ctx->now - int_of(a, "state_since")) / 86400));
	json_object_set_new(a, "actions",
	    wf_actions(&application_workflow, wf_state(&application_workflow, state), parties_of(ctx, a)));
}

tr_err
application_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err = load(ctx, id, out);

	if (err == TR_OK)
		decorate(ctx, *out);
	return err;
}

tr_err
application_offer_info(struct ctx *ctx, int64_t offer_id, json_t **out)
{
	struct db_rows *r, *c;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT f.id AS offer_id, f.title, f.state, f.start_on, f.contract_type, o.name AS organisation_name, "
	    "pl.nom AS place_nom, pl.commune AS place_commune, (SELECT a.id FROM applications a WHERE a.offer_id = "
	    "f.id AND a.candidate_id = ?) AS application_id FROM offers f JOIN organisations o ON o.id = "
	    "f.organisation_id LEFT JOIN places pl ON pl.id = f.place_id WHERE f.id = ?",
	    &r, DB_I64(ctx->actor->person_id), DB_I64(offer_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette offre n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	err = db_onev(ctx->db, ctx->arena, "SELECT person_id FROM candidates WHERE person_id = ?", &c,
	    DB_I64(ctx->actor->person_id));
	if (err != TR_OK && err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	json_object_set_new(*out, "has_profile", json_boolean(err == TR_OK));
	return TR_OK;
}

/* Inserts an application of CANDIDATE to open offer OFFER in STATE, journaled, the other side told. */
static tr_err
insert(struct ctx *ctx, int64_t offer, int64_t candidate, const char *state, const char *origin, json_t *clean,
    int64_t *id)
{
	struct db_rows *r, *f;
	tr_err err;

	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT f.organisation_id, f.title, f.state, o.name FROM offers f JOIN organisations o ON o.id = "
	    "f.organisation_id WHERE f.id = ?",
	    &f, DB_I64(offer));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Cette offre n'existe pas.");
		goto out;
	}
	TRY(err);
	if (strcmp(db_cell(f, 0, 2)->s.p, "open") != 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette offre n'est plus ouverte aux candidatures.");
		goto out;
	}
	if (strcmp(origin, "structure") == 0 && !actor_in_org(ctx->actor, ROLE_EMPLOYER, db_int(db_cell(f, 0, 0)))) {
		err = ctx_fail(
		    ctx, TR_FORBIDDEN, "Seule la structure qui publie l'offre peut proposer une mise en relation.");
		goto out;
	}
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO applications (offer_id, candidate_id, state, origin, message, created_at, updated_at, "
	    "state_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (offer_id, candidate_id) DO NOTHING RETURNING id",
	    &r, DB_I64(offer), DB_I64(candidate), DB_TEXT(state), DB_TEXT(origin), DB_TEXT(str_of(clean, "message")),
	    DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(ctx->now));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_CONFLICT,
		    strcmp(origin, "candidate") == 0 ? "Vous avez déjà candidaté à cette offre."
		                                     : "Ce candidat est déjà en relation avec cette offre.");
		goto out;
	}
	TRY(err);
	*id = db_int(db_cell(r, 0, 0));
	TRY(journal_append(ctx, "application", *id, strcmp(origin, "candidate") == 0 ? "apply" : "propose", clean));
	{
		const char *path = arena_printf(ctx->arena, "/candidatures/%lld", (long long)*id);
		if (strcmp(origin, "candidate") == 0)
			TRY(notify_org(ctx, db_int(db_cell(f, 0, 0)), ROLE_EMPLOYER,
			    arena_printf(ctx->arena, "Nouvelle candidature : %s", db_cell(f, 0, 1)->s.p),
			    notify_text(ctx,
			        arena_printf(ctx->arena, "%s a candidaté à votre offre « %s ».", ctx->actor->name,
			            db_cell(f, 0, 1)->s.p),
			        path)));
		else
			TRY(notify_person(ctx, candidate,
			    arena_printf(ctx->arena, "Une structure vous propose un poste : %s", db_cell(f, 0, 1)->s.p),
			    notify_text(ctx,
			        arena_printf(ctx->arena,
			            "%s vous propose une mise en relation pour l'offre « %s ». Acceptez-la ou "
			            "déclinez-la.",
			            db_cell(f, 0, 3)->s.p, db_cell(f, 0, 1)->s.p),
			        path)));
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
application_create(struct ctx *ctx, int64_t offer_id, json_t *in, int64_t *id)
{
	json_t *clean = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_CANDIDATE))) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_application, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out;
	err = db_onev(ctx->db, ctx->arena, "SELECT person_id FROM candidates WHERE person_id = ?", &r,
	    DB_I64(ctx->actor->person_id));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_INVALID, "Complétez d'abord votre profil de candidat, puis candidatez.");
		goto out;
	}
	if (err != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out;
	}
	err = insert(ctx, offer_id, ctx->actor->person_id, "new", "candidate", clean, id);
out:
	json_decref(clean);
	return err;
}

tr_err
application_propose(struct ctx *ctx, int64_t offer_id, int64_t candidate_id, json_t *in, int64_t *id)
{
	json_t *clean = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_EMPLOYER))) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_application, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out;
	err = db_onev(ctx->db, ctx->arena, "SELECT person_id FROM candidates WHERE person_id = ? AND hidden = 0", &r,
	    DB_I64(candidate_id));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Ce candidat n'existe pas ou ne souhaite pas être contacté.");
		goto out;
	}
	if (err != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out;
	}
	err = insert(ctx, offer_id, candidate_id, "proposed", "structure", clean, id);
out:
	json_decref(clean);
	return err;
}

/* Moves application ID to obsolete as the system, BECAUSE (recruited: by application APP_ID). */
static tr_err
make_obsolete(struct ctx *ctx, int64_t id, const char *because, int64_t app_id)
{
	json_t *detail = json_pack("{s:s}", "because", because);
	struct wf_act act = { .id = id,
		.action = "obsolete",
		.version = WF_ANY_VERSION,
		.system = true,
		.parties = P_SYSTEM,
		.detail = detail };
	tr_err err;

	if (app_id > 0)
		json_object_set_new(detail, "application_id", json_integer(app_id));
	err = wf_run(ctx, &application_workflow, &act);
	json_decref(detail);
	return err;
}

/* Accepting one application closes the candidate's other pending ones: they are told. */
static tr_err
obsolete_others(struct ctx *ctx, json_t *a)
{
	struct db_rows *r;
	tr_err err;

	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT a.id FROM applications a WHERE a.candidate_id = ? AND a.id <> ? AND a.state IN " PENDING_SQL
	         " ORDER BY a.id",
	         &r, DB_I64(int_of(a, "candidate_id")), DB_I64(int_of(a, "id")))) != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows; i++)
		if ((err = make_obsolete(ctx, db_int(db_cell(r, i, 0)), "recruited", int_of(a, "id"))) != TR_OK)
			return err;
	return TR_OK;
}

/* The candidate's message, when accepting a proposal with one. */
static tr_err
effect_message(struct wf_call *c)
{
	if (str_of(c->clean, "message") == NULL)
		return TR_OK;
	return db_execv(c->ctx->db, "UPDATE applications SET message = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "message")), DB_I64(c->id));
}

/* The contract from the payload's terms (its id to the caller, through call->out), and the candidate's other
 * pending applications closed. */
static tr_err
effect_accept(struct wf_call *c)
{
	int64_t cid = 0;
	tr_err err;

	if ((err = contract_create(c->ctx, c->row, c->clean, &cid)) != TR_OK)
		return err;
	json_object_set_new(c->detail, "contract_id", json_integer(cid));
	if (c->out)
		*(int64_t *)c->out = cid;
	return obsolete_others(c->ctx, c->row);
}

static tr_err
effect_refuse(struct wf_call *c)
{
	return db_execv(c->ctx->db, "UPDATE applications SET refusal_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "refusal_reason")), DB_I64(c->id));
}

/* The structure hears of the candidate's moves, the candidate of the structure's. */
static tr_err
tell_other_side(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *a = c->row, *clean = c->clean;
	const char *path = arena_printf(ctx->arena, "/candidatures/%lld", (long long)c->id);
	const char *subject = arena_printf(
	    ctx->arena, "Candidature « %s » : %s", str_of(a, "offer_title"), c->wf->states->items[c->to].label);
	const char *extra = str_of(clean, "refusal_reason")
	                        ? arena_printf(ctx->arena, "\nMotif : %s\n%s",
	                              vocab_label(&vocab_refusal_reason, str_of(clean, "refusal_reason")),
	                              str_of(clean, "comment") ? str_of(clean, "comment") : "")
	                        : "";
	const char *body = notify_text(ctx,
	    arena_printf(ctx->arena, "%s : « %s » pour la candidature de %s à l'offre « %s » (%s).%s", ctx->actor->name,
	        c->t->label, str_of(a, "candidate_name"), str_of(a, "offer_title"), str_of(a, "organisation_name"),
	        extra),
	    path);

	if (c->parties & P_CANDIDATE)
		return notify_org(ctx, int_of(a, "organisation_id"), ROLE_EMPLOYER, subject, body);
	return notify_person(ctx, int_of(a, "candidate_id"), subject, body);
}

/* An application closed by the system: after 60 days without an answer both sides hear of it; when the
 * candidate is recruited elsewhere, the structure. */
static tr_err
tell_obsolete(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	json_t *a = c->row;
	const char *title = str_of(a, "offer_title"),
	           *path = arena_printf(ctx->arena, "/candidatures/%lld", (long long)c->id);
	tr_err err;

	if (strcmp(str_of(c->detail, "because"), "recruited") == 0)
		return notify_org(ctx, int_of(a, "organisation_id"), ROLE_EMPLOYER,
		    arena_printf(ctx->arena, "Candidature close : %s", title),
		    notify_text(ctx,
		        arena_printf(ctx->arena,
		            "%s a été recruté(e) sur un autre poste : sa candidature à « %s » est close.",
		            str_of(a, "candidate_name"), title),
		        path));
	if ((err = notify_person(ctx, int_of(a, "candidate_id"),
	         arena_printf(ctx->arena, "Votre candidature à « %s » est close", title),
	         notify_text(ctx,
	             arena_printf(ctx->arena,
	                 "Votre candidature à l'offre « %s » (%s) est restée sans réponse pendant %d jours : elle est "
	                 "close sans suite. D'autres offres vous attendent.",
	                 title, str_of(a, "organisation_name"), APPLICATION_STALE_DAYS),
	             path))) != TR_OK)
		return err;
	return notify_org(ctx, int_of(a, "organisation_id"), ROLE_EMPLOYER,
	    arena_printf(ctx->arena, "Candidature close sans réponse : %s", title),
	    notify_text(ctx,
	        arena_printf(ctx->arena,
	            "Une candidature à votre offre « %s » est restée %d jours sans réponse : elle est close.", title,
	            APPLICATION_STALE_DAYS),
	        path));
}

tr_err
application_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *contract_id)
{
	int64_t cid = 0;
	struct wf_act act = { .id = id, .action = action, .version = version, .payload = payload, .out = &cid };
	tr_err err = wf_run(ctx, &application_workflow, &act);

	if (err == TR_OK && new_version)
		*new_version = act.new_version;
	if (err == TR_OK && contract_id && cid > 0)
		*contract_id = cid;
	return err;
}

tr_err
application_list(struct ctx *ctx, const struct application_filter *f, json_t **out)
{
	const struct actor *a = ctx->actor;
	struct db_val p[40];
	size_t np = 0;
	const char *where;
	int64_t page = f->page > 0 ? f->page : 1, per = f->per_page > 0 && f->per_page <= 500 ? f->per_page : 50;
	struct db_rows *r, *n, *o;
	json_t *items, *it;
	size_t i;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if (actor_has_any(a, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL)))
		where = "1 = 1";
	else {
		where = "a.candidate_id = ?";
		p[np++] = DB_I64(a->person_id);
		for (size_t k = 0; k < a->nroles && np < 30; k++) {
			const struct actor_role *ar = &a->roles[k];
			if (ar->role == ROLE_EMPLOYER) {
				where = arena_printf(ctx->arena, "%s OR f.organisation_id = ?", where);
				p[np++] = DB_I64(ar->org_id);
			} else if ((ar->role == ROLE_POLE || ar->role == ROLE_REGIONAL) && ar->regions &&
			           *ar->regions) {
				where = arena_printf(ctx->arena,
				    "%s OR ('|' || CAST(? AS TEXT) || '|') LIKE ('%%|' || f.region_code || '|%%')",
				    where);
				p[np++] = DB_TEXT(ar->regions);
			} else if (ar->role == ROLE_PRESCRIBER) {
				where = arena_printf(ctx->arena,
				    "%s OR a.candidate_id IN (SELECT candidate_id FROM candidate_followers WHERE "
				    "organisation_id = ?)",
				    where);
				p[np++] = DB_I64(ar->org_id);
			}
		}
	}
	where = arena_printf(ctx->arena, "(%s)", where);
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena,
	             "SELECT DISTINCT f.id, f.title FROM applications a JOIN offers f ON f.id = a.offer_id WHERE %s "
	             "ORDER BY f.title, f.id LIMIT 200",
	             where),
	         p, np, &o)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (f->offer_id > 0) {
		where = arena_printf(ctx->arena, "%s AND a.offer_id = ?", where);
		p[np++] = DB_I64(f->offer_id);
	}
	if (f->candidate_id > 0) {
		where = arena_printf(ctx->arena, "%s AND a.candidate_id = ?", where);
		p[np++] = DB_I64(f->candidate_id);
	}
	if (f->state && *f->state) {
		where = arena_printf(ctx->arena, "%s AND a.state = ?", where);
		p[np++] = DB_TEXT(f->state);
	}
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena,
	             "SELECT COUNT(*) FROM applications a JOIN offers f ON f.id = a.offer_id WHERE %s", where),
	         p, np, &n)) != TR_OK)
		return ctx_storage_error(ctx, err);
	p[np++] = DB_I64(per);
	p[np++] = DB_I64((page - 1) * per);
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena,
	             APPLICATION_SELECT "WHERE %s ORDER BY a.updated_at DESC, a.id DESC LIMIT ? OFFSET ?", where),
	         p, np, &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	json_array_foreach(items, i, it) decorate(ctx, it);
	*out = json_pack("{s:o, s:I, s:I, s:I, s:o}", "items", items, "total", (json_int_t)db_int(db_cell(n, 0, 0)),
	    "page", (json_int_t)page, "per_page", (json_int_t)per, "offers", rows_json(o));
	return TR_OK;
}

/* The first moment that is not stale at NOW: the job counts whole days (as `jobs run --now DAY` gives them),
 * so that an application of any hour of day D is obsolete from the first moment of day D + 60. */
static int64_t
stale_before(int64_t now)
{
	return (now / 86400 - APPLICATION_STALE_DAYS + 1) * 86400;
}

tr_err
application_expire(struct ctx *ctx, int64_t *count)
{
	struct db_rows *r;
	tr_err err;

	*count = 0;
	TRY(tx_begin(ctx));
	TRY(db_queryv(ctx->db, ctx->arena,
	    "SELECT a.id FROM applications a WHERE a.state IN " PENDING_SQL
	    " AND a.state_since < ? ORDER BY a.id LIMIT "
	    "1000",
	    &r, DB_I64(stale_before(ctx->now))));
	for (size_t i = 0; i < r->nrows; i++) {
		TRY(make_obsolete(ctx, db_int(db_cell(r, i, 0)), "no_answer", 0));
		(*count)++;
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
