/* Employment-training paths: the modules of a contract, the job profile's template, progress and lateness, and
 * the modules' lifecycle (a transition table) including completion from attendance. */
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"

#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/workflow.h"
#include "domain/recruitment/contract.h"
#include "model/training/training.h"

/* The parties of a path, as the workflow's "who". */
enum {
	P_STRUCTURE = 1 << 0,
	P_POLE = 1 << 1,
	P_SYSTEM = 1 << 2, /* attendance recorded by a session's trainers */
};

#define LIVE (WF_BIT(MODULE_PLANNED) | WF_BIT(MODULE_IN_PROGRESS))
#define ANY_STATE (LIVE | WF_BIT(MODULE_COMPLETED) | WF_BIT(MODULE_ABANDONED))
#define EDITORS (P_STRUCTURE | P_POLE)

static tr_err effect_move_up(struct wf_call *c);
static tr_err effect_move_down(struct wf_call *c);

static const struct wf_transition module_rows[] = {
	{ "start", "Démarrer le module", WF_BIT(MODULE_PLANNED), MODULE_IN_PROGRESS, EDITORS | P_SYSTEM, NULL, false,
	    NULL, NULL, NULL, WF_PRIMARY, NULL, "Le module est démarré.", NULL, NULL },
	{ "complete", "Marquer le module terminé", LIVE, MODULE_COMPLETED, EDITORS | P_SYSTEM, NULL, false, NULL, NULL,
	    NULL, WF_PRIMARY, NULL, "Le module est marqué terminé.", NULL, NULL },
	{ "abandon", "Abandonner le module", LIVE, MODULE_ABANDONED, EDITORS, &entity_module_reason, false, NULL, NULL,
	    NULL, WF_DANGER,
	    "Abandonner ce module ? Les heures déjà faites restent comptées ; vous pourrez le reprendre plus tard.",
	    "Le module est abandonné.", NULL, NULL },
	{ "resume", "Reprendre le module", WF_BIT(MODULE_ABANDONED), MODULE_PLANNED, EDITORS, NULL, false, NULL, NULL,
	    NULL, WF_SECONDARY, NULL, "Le module est repris : il est de nouveau prévu.", NULL, NULL },
	{ "reopen", "Rouvrir le module", WF_BIT(MODULE_COMPLETED), MODULE_IN_PROGRESS, EDITORS, NULL, false, NULL, NULL,
	    NULL, WF_SECONDARY, NULL, "Le module est rouvert.", NULL, NULL },
	{ "move_up", "Monter", ANY_STATE, -1, EDITORS, NULL, false, NULL, effect_move_up, NULL, WF_SECONDARY, NULL,
	    "Le module est monté d'un rang dans le parcours.", NULL, NULL },
	{ "move_down", "Descendre", ANY_STATE, -1, EDITORS, NULL, false, NULL, effect_move_down, NULL, WF_SECONDARY,
	    NULL, "Le module est descendu d'un rang dans le parcours.", NULL, NULL },
};

#define CONTRACT_SQL                                                                                                 \
	"SELECT c.id, c.organisation_id, c.candidate_id, c.tutor_id, c.sponsor_id, c.region_code, c.pole_id, "       \
	"c.programme_id, c.start_on, c.end_on, c.state, c.weekly_hours, o.name AS organisation_name, cand.name AS "  \
	"candidate_name, t.name AS tutor_name, s.name AS sponsor_account_name, c.sponsor_name, j.title AS "          \
	"job_profile_title, j.training_template, p.name AS programme_name FROM contracts c JOIN organisations o "    \
	"ON o.id = c.organisation_id JOIN people cand ON cand.id = c.candidate_id JOIN people t ON t.id = "          \
	"c.tutor_id LEFT JOIN people s ON s.id = c.sponsor_id JOIN offers f ON f.id = c.offer_id JOIN job_profiles " \
	"j ON j.id = f.job_profile_id JOIN programmes p ON p.id = c.programme_id WHERE c.id = ?"

#define MODULE_SQL                                                                                               \
	"SELECT m.id, m.contract_id, m.position, m.title, m.training_org_id, o.name AS training_org_name, "      \
	"m.hours_planned, m.hours_done, m.starts_on, m.ends_on, m.certifying, m.certification, m.state, "        \
	"m.state_since, m.created_at, m.updated_at, m.version FROM path_modules m LEFT JOIN organisations o ON " \
	"o.id = m.training_org_id "

static int64_t
int_of(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* ---- the template ---- */

/* "35 h" → hours 35; "4 mois" → months 4; false for anything else. */
static bool
duration(const char *s, size_t n, int64_t *hours, int *months)
{
	size_t i = 0;
	int64_t v = 0;

	while (i < n && s[i] == ' ')
		i++;
	if (i == n || s[i] < '0' || s[i] > '9')
		return false;
	for (; i < n && s[i] >= '0' && s[i] <= '9' && v < 100000; i++)
		v = v * 10 + (s[i] - '0');
	while (i < n && s[i] == ' ')
		i++;
	if (n - i == 1 && s[i] == 'h') {
		*hours = v;
		return true;
	}
	if (n - i == 4 && memcmp(s + i, "mois", 4) == 0) {
		*months = (int)v;
		return true;
	}
	return false;
}

/* True when the line names a certification ("certifiante", "certification"). */
static bool
names_certification(const char *s, size_t n)
{
	for (size_t i = 0; i + 7 <= n; i++)
		if (strncmp(s + i, "ertifi", 6) == 0 && i > 0 && (s[i - 1] == 'c' || s[i - 1] == 'C'))
			return true;
	return false;
}

json_t *
training_template_parse(struct arena *a, const char *text, const char *start)
{
	json_t *out = json_array();
	const char *next = start;

	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n"), k = n, b = 0;
		const char *line = p, *open;
		int64_t hours = 0;
		int months = 0;
		json_t *m;

		p += n + (p[n] == '\n');
		while (b < k && (line[b] == ' ' || line[b] == '\t'))
			b++;
		while (k > b && (line[k - 1] == '\r' || line[k - 1] == ' ' || line[k - 1] == '\t'))
			k--;
		if (k == b)
			continue;
		line += b;
		k -= b;
		m = json_object();
		open = k > 0 && line[k - 1] == ')' ? memchr(line, '(', k) : NULL;
		for (const char *q = open; q && (q = memchr(q + 1, '(', (size_t)(line + k - q - 1))) != NULL;)
			open = q; /* the last parenthesis */
		if (open && duration(open + 1, (size_t)(line + k - 1 - (open + 1)), &hours, &months) && months == 0) {
			size_t t = (size_t)(open - line);
			while (t > 0 && line[t - 1] == ' ')
				t--;
			json_object_set_new(m, "title", json_stringn(line, t ? t : k));
		} else {
			json_object_set_new(m, "title", json_stringn(line, k));
		}
		json_object_set_new(m, "hours_planned", json_integer(hours));
		json_object_set_new(m, "certifying", json_boolean(names_certification(line, k)));
		if (next) {
			json_object_set_new(m, "starts_on", json_string(next));
			if (months > 0) {
				const char *end = date_add(a, next, months, -1);
				json_object_set_new(m, "ends_on", end ? json_string(end) : json_null());
				next = end ? date_add(a, end, 0, 1) : NULL;
			} else {
				next = NULL; /* the structure sets the dates of the next module with the pole */
			}
		}
		json_array_append_new(out, m);
	}
	return out;
}

/* ---- who ---- */

static unsigned
parties_of(const struct ctx *ctx, json_t *c)
{
	unsigned p = 0;

	if (actor_in_org(ctx->actor, ROLE_EMPLOYER, int_of(c, "organisation_id")))
		p |= P_STRUCTURE;
	if (actor_covers_region(ctx->actor, ROLE_POLE, json_str(c, "region_code")))
		p |= P_POLE;
	return p;
}

/* A path is read by whoever reads its contract: the contract's scope table, on the contract's columns of C (a
 * contract, or a module with its contract's columns) and its id CONTRACT_ID. */
static bool
can_read(struct ctx *ctx, json_t *c, int64_t contract_id)
{
	bool ok = false;

	return ctx->actor != NULL && scope_check(ctx, &contract_scope, c, contract_id, &ok) == TR_OK && ok;
}

/* The contract ID for a reader of its path (*C owned by the caller). */
static tr_err
load_contract(struct ctx *ctx, int64_t id, json_t **c)
{
	struct db_rows *r;
	tr_err err;

	*c = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, CONTRACT_SQL, &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Ce contrat n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*c = row_json(r, 0);
	if (!can_read(ctx, *c, id)) { /* what the caller may not see does not exist for them (not 403) */
		json_decref(*c);
		*c = NULL;
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce contrat n'existe pas.");
	}
	return TR_OK;
}

static tr_err
load_contract_editor(struct ctx *ctx, int64_t id, json_t **c)
{
	tr_err err = load_contract(ctx, id, c);

	if (err == TR_OK && !(parties_of(ctx, *c) & EDITORS)) {
		json_decref(*c);
		*c = NULL;
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Seuls la structure employeuse et le pôle de ressources de la région modifient le parcours.");
	}
	return err;
}

/* ---- the workflow ---- */

static bool
module_can_read(struct ctx *ctx, json_t *m)
{
	return can_read(ctx, m, int_of(m, "contract_id"));
}

static unsigned
module_parties(struct ctx *ctx, json_t *m)
{
	return parties_of(ctx, m);
}

/* A module with the parties of its contract. */
/* The badges of the states: planned, in_progress, completed, abandoned. */
static const enum wf_state_tone module_tones[] = { WF_INFO, WF_NEW, WF_SUCCESS, WF_ERROR };

const struct workflow module_workflow = {
	.entity = "path_module",
	.table = "path_modules",
	.state_since = true,
	.states = &vocab_module_state,
	.tones = module_tones,
	.rows = module_rows,
	.nrows = sizeof(module_rows) / sizeof(module_rows[0]),
	.select =
	    "SELECT m.id, m.contract_id, m.position, m.state, m.version, c.organisation_id, c.region_code, "
	    "c.candidate_id, c.tutor_id, c.sponsor_id FROM path_modules m JOIN contracts c ON c.id = m.contract_id "
	    "WHERE m.id = ?",
	/* The contract's row first: moving a module renumbers its siblings, which another move may be taking. */
	.lock_first = "UPDATE contracts SET updated_at = updated_at WHERE id = (SELECT contract_id FROM path_modules "
	              "WHERE id = ?)",
	.can_read = module_can_read,
	.parties = module_parties,
	.missing = "Ce module n'existe pas.",
	.stale = "Ce module a changé depuis votre lecture : rechargez la page.",
};

/* ---- modules ---- */

/* Adds to module M its labels, whether it is late on TODAY and why, and the actions PARTIES may take. */
static void
decorate_module(json_t *m, const char *today, unsigned parties)
{
	const char *state = json_str(m, "state"), *starts = json_str(m, "starts_on"), *ends = json_str(m, "ends_on");
	const char *why = NULL;
	bool live = state && (strcmp(state, "planned") == 0 || strcmp(state, "in_progress") == 0);

	json_object_set_new(m, "certifying", json_boolean(int_of(m, "certifying") != 0));
	wf_decorate(&module_workflow, m);
	if (live && ends && strcmp(ends, today) < 0)
		why = "La date de fin est passée et le module n'est pas terminé.";
	else if (state && strcmp(state, "planned") == 0 && starts && strcmp(starts, today) < 0)
		why = "La date de début est passée et le module n'a pas commencé.";
	json_object_set_new(m, "late", json_boolean(why != NULL));
	json_object_set_new(m, "late_reason", why ? json_string(why) : json_null());
	json_object_set_new(m, "actions", wf_actions(&module_workflow, wf_state(&module_workflow, state), parties));
}

/* The modules of contract ID in their order. */
static tr_err
modules_of(struct ctx *ctx, int64_t contract_id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena, MODULE_SQL "WHERE m.contract_id = ? ORDER BY m.position, m.id", &r,
	    DB_I64(contract_id));

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

/* Drops the first module's move_up and the last one's move_down. */
static void
trim_moves(json_t *modules)
{
	size_t n = json_array_size(modules);

	for (size_t i = 0; i < n; i++) {
		json_t *acts = json_object_get(json_array_get(modules, i), "actions");
		for (size_t k = json_array_size(acts); k-- > 0;) {
			const char *a = json_str(json_array_get(acts, k), "action");
			if ((i == 0 && strcmp(a, "move_up") == 0) || (i + 1 == n && strcmp(a, "move_down") == 0))
				json_array_remove(acts, k);
		}
	}
}

tr_err
training_path_get(struct ctx *ctx, int64_t contract_id, json_t **out)
{
	const char *today = date_iso(ctx->arena, ctx->now);
	json_t *c = NULL, *modules = NULL, *late, *m, *regs;
	int64_t planned = 0, done = 0, completed = 0, counted = 0;
	unsigned parties;
	struct db_rows *r;
	size_t i;
	tr_err err;

	*out = NULL;
	if ((err = load_contract(ctx, contract_id, &c)) != TR_OK)
		return err;
	if ((err = modules_of(ctx, contract_id, &modules)) != TR_OK) {
		json_decref(c);
		return err;
	}
	parties = parties_of(ctx, c);
	late = json_array();
	json_array_foreach(modules, i, m)
	{
		decorate_module(m, today, parties);
		if (json_is_true(json_object_get(m, "late")))
			json_array_append(late, m);
		if (strcmp(json_str(m, "state"), "abandoned") == 0)
			continue;
		counted++;
		planned += int_of(m, "hours_planned");
		done += int_of(m, "hours_done");
		completed += strcmp(json_str(m, "state"), "completed") == 0;
	}
	trim_moves(modules);
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT r.id, r.session_id, r.path_module_id, r.state, s.title, s.starts_on, s.ends_on, s.state AS "
	    "session_state FROM session_registrations r JOIN training_sessions s ON s.id = r.session_id WHERE "
	    "r.contract_id = ? ORDER BY s.starts_on, r.id",
	    &r, DB_I64(contract_id));
	if (err != TR_OK) {
		json_decref(c);
		json_decref(modules);
		json_decref(late);
		return ctx_storage_error(ctx, err);
	}
	regs = rows_json(r);
	json_array_foreach(regs, i, m)
	{
		wf_decorate(&registration_workflow, m);
		json_object_set_new(m, "session_state_label",
		    json_string(vocab_label(&vocab_session_state, json_str(m, "session_state"))));
	}
	*out = json_pack("{s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:b, s:s}", "contract", c, "modules",
	    modules, "progress", "hours_planned", (json_int_t)planned, "hours_done", (json_int_t)done, "percent",
	    (json_int_t)(planned > 0 ? (done >= planned ? 100 : done * 100 / planned) : 0), "modules_total",
	    (json_int_t)counted, "modules_completed", (json_int_t)completed, "modules_late",
	    (json_int_t)json_array_size(late), "late", late, "registrations", regs, "can_edit",
	    (parties & EDITORS) != 0, "today", today);
	if (json_array_size(modules) == 0)
		json_object_set_new(*out, "template",
		    training_template_parse(ctx->arena, json_str(c, "training_template"), json_str(c, "start_on")));
	return TR_OK;
}

/* Checks the cross-field rules of a module: the organisation is a training organisation, the dates in order. */
static tr_err
check_module(struct ctx *ctx, json_t *clean)
{
	const char *from = json_str(clean, "starts_on"), *to = json_str(clean, "ends_on");
	int64_t org = int_of(clean, "training_org_id");
	struct db_rows *r;

	if (org > 0 && db_onev(ctx->db, ctx->arena, "SELECT id FROM organisations WHERE id = ? AND kind = 'trainer'",
	                   &r, DB_I64(org)) != TR_OK)
		field_errors_add(&ctx->errors, "training_org_id",
		    "« Organisme de formation » doit désigner un organisme de formation.");
	if (from && to && strcmp(to, from) < 0)
		field_errors_add(&ctx->errors, "ends_on", "« Date de fin » ne peut pas précéder la date de début.");
	if (json_is_true(json_object_get(clean, "certifying")) && json_str(clean, "certification") == NULL)
		field_errors_add(&ctx->errors, "certification",
		    "« Certification visée » est obligatoire pour un module certifiant.");
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

/* Inside the caller's transaction: inserts module M (validated fields) at the end of the path. */
static tr_err
insert_module(struct ctx *ctx, int64_t contract_id, json_t *m, int64_t *id)
{
	tr_err err = record_insertv(ctx, &entity_path_module, "path_modules", m,
	    "contract_id, position, state, state_since, created_at, updated_at",
	    "?, (SELECT COALESCE(MAX(x.position), 0) + 1 FROM path_modules x WHERE x.contract_id = ?), 'planned', ?, "
	    "?, ?",
	    NULL, id, DB_I64(contract_id), DB_I64(contract_id), DB_I64(ctx->now), DB_I64(ctx->now), DB_I64(ctx->now));

	if (err != TR_OK)
		return err;
	return journal_append(ctx, "path_module", *id, "create", m);
}

tr_err
training_path_apply_template(struct ctx *ctx, int64_t contract_id, int64_t *created)
{
	json_t *c = NULL, *proposed = NULL, *m;
	struct db_rows *r;
	size_t i;
	tr_err err;

	*created = 0;
	if ((err = load_contract_editor(ctx, contract_id, &c)) != TR_OK)
		return err;
	proposed = training_template_parse(ctx->arena, json_str(c, "training_template"), json_str(c, "start_on"));
	if (json_array_size(proposed) == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "La fiche métier de ce contrat n'a pas de parcours type.");
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	/* The contract's row first: two clicks on "apply" create one path. */
	TRY(db_execv(ctx->db, "UPDATE contracts SET updated_at = updated_at WHERE id = ?", NULL, DB_I64(contract_id)));
	TRY(db_queryv(
	    ctx->db, ctx->arena, "SELECT id FROM path_modules WHERE contract_id = ? LIMIT 1", &r, DB_I64(contract_id)));
	if (r->nrows > 0) {
		err = ctx_fail(
		    ctx, TR_CONFLICT, "Ce parcours a déjà des modules : le parcours type n'est proposé qu'au début.");
		goto out;
	}
	json_array_foreach(proposed, i, m)
	{
		int64_t id;
		TRY(insert_module(ctx, contract_id, m, &id));
		(*created)++;
	}
	{
		json_t *detail = json_pack("{s:I}", "modules", (json_int_t)*created);
		err = journal_append(ctx, "contract", contract_id, "path_template", detail);
		json_decref(detail);
	}
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(proposed);
	return err;
}

tr_err
training_module_create(struct ctx *ctx, int64_t contract_id, json_t *in, int64_t *id)
{
	json_t *c = NULL, *clean = NULL;
	tr_err err;

	if ((err = load_contract_editor(ctx, contract_id, &c)) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_path_module, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK ||
	    (err = check_module(ctx, clean)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	TRY(insert_module(ctx, contract_id, clean, id));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(clean);
	return err;
}

/* Module ID and its contract, for a reader; *M and *C owned by the caller. */
static tr_err
load_module(struct ctx *ctx, int64_t id, json_t **m, json_t **c)
{
	struct db_rows *r;
	tr_err err;

	*m = *c = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena, MODULE_SQL "WHERE m.id = ?", &r, DB_I64(id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Ce module n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = load_contract(ctx, db_int(db_cell(r, 0, 1)), c)) != TR_OK)
		return err;
	*m = row_json(r, 0);
	return TR_OK;
}

tr_err
training_module_get(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *c = NULL;
	tr_err err = load_module(ctx, id, out, &c);

	if (err == TR_OK) {
		decorate_module(*out, date_iso(ctx->arena, ctx->now), parties_of(ctx, c));
		json_object_set_new(*out, "candidate_name", json_string(json_str(c, "candidate_name")));
		json_object_set_new(*out, "can_edit", json_boolean((parties_of(ctx, c) & EDITORS) != 0));
	}
	json_decref(c);
	return err;
}

/* Module M and its contract C for an editor (the structure or the pole); both owned by the caller. */
static tr_err
load_module_editor(struct ctx *ctx, int64_t id, json_t **m, json_t **c)
{
	tr_err err = load_module(ctx, id, m, c);

	if (err == TR_OK && !(parties_of(ctx, *c) & EDITORS)) {
		json_decref(*m);
		json_decref(*c);
		*m = *c = NULL;
		return ctx_fail(ctx, TR_FORBIDDEN,
		    "Seuls la structure employeuse et le pôle de ressources de la région modifient le parcours.");
	}
	return err;
}

tr_err
training_module_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *m = NULL, *c = NULL, *clean = NULL;
	tr_err err;

	if ((err = load_module_editor(ctx, id, &m, &c)) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_path_module, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK ||
	    (err = check_module(ctx, clean)) != TR_OK)
		goto out_nodb;
	for (size_t i = 0; i < entity_path_module.nfields; i++) {
		const struct field *f = &entity_path_module.fields[i];
		if (json_object_get(clean, f->name) == NULL) /* a field left empty */
			json_object_set_new(clean, f->name, f->flags & FF_ZERO ? json_integer(0) : json_null());
	}
	TRY(tx_begin(ctx));
	err = record_update_journal(ctx, &entity_path_module, "path_modules", "path_module", id, version, m, clean,
	    "Ce module a changé depuis votre lecture : rechargez la page.", true);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(m);
	json_decref(c);
	json_decref(clean);
	return err;
}

tr_err
training_module_remove(struct ctx *ctx, int64_t id, int64_t version)
{
	json_t *m = NULL, *c = NULL, *detail = NULL;
	int64_t changed = 0;
	tr_err err;

	if ((err = load_module_editor(ctx, id, &m, &c)) != TR_OK)
		return err;
	if (strcmp(json_str(m, "state"), "completed") == 0) {
		err =
		    ctx_fail(ctx, TR_CONFLICT, "Un module terminé reste au parcours : il atteste la formation suivie.");
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	TRY(db_execv(ctx->db,
	    "UPDATE session_registrations SET path_module_id = NULL, updated_at = ? WHERE "
	    "path_module_id = ?",
	    NULL, DB_I64(ctx->now), DB_I64(id)));
	TRY(db_execv(
	    ctx->db, "DELETE FROM path_modules WHERE id = ? AND version = ?", &changed, DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Ce module a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	detail =
	    json_pack("{s:s, s:I}", "title", json_str(m, "title"), "contract_id", (json_int_t)int_of(m, "contract_id"));
	err = journal_append(ctx, "path_module", id, "remove", detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(m);
	json_decref(c);
	json_decref(detail);
	return err;
}

/* Inside the transaction: swaps module M with its neighbour (UP: the one before), numbering the path 1…n. */
static tr_err
move(struct ctx *ctx, json_t *m, bool up)
{
	struct db_rows *r;
	int64_t id = int_of(m, "id");
	size_t at = 0, n;
	tr_err err;

	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id FROM path_modules WHERE contract_id = ? ORDER BY position, id", &r,
	         DB_I64(int_of(m, "contract_id")))) != TR_OK)
		return err;
	n = r->nrows;
	while (at < n && db_int(db_cell(r, at, 0)) != id)
		at++;
	if (at == n || (up && at == 0) || (!up && at + 1 == n))
		return ctx_fail(ctx, TR_CONFLICT,
		    up ? "Ce module est déjà le premier du parcours." : "Ce module est déjà le dernier du parcours.");
	for (size_t i = 0; i < n; i++) {
		size_t pos = i == at ? (up ? at - 1 : at + 1) : (i == (up ? at - 1 : at + 1) ? at : i);
		if ((err = db_execv(ctx->db, "UPDATE path_modules SET position = ? WHERE id = ?", NULL,
		         DB_I64((int64_t)pos + 1), DB_I64(db_int(db_cell(r, i, 0))))) != TR_OK)
			return err;
	}
	return TR_OK;
}

static tr_err
effect_move_up(struct wf_call *c)
{
	return move(c->ctx, c->row, true);
}

static tr_err
effect_move_down(struct wf_call *c)
{
	return move(c->ctx, c->row, false);
}

tr_err
training_module_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id)
{
	return wf_take(ctx, &module_workflow, id, action, version, payload, new_version, new_id);
}

/* Inside the transaction: the system's ACTION on module ID, journaled with DETAIL. */
static tr_err
system_move(struct ctx *ctx, int64_t id, const char *action, json_t *detail)
{
	return wf_system(ctx, &module_workflow, id, action, P_SYSTEM, detail);
}

tr_err
training_module_sync(struct ctx *ctx, int64_t module_id, bool session_done)
{
	struct db_rows *r, *h;
	int64_t version, planned, done;
	json_t *detail;
	int state;
	tr_err err;

	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT state, version, hours_planned, hours_done FROM path_modules WHERE id = ?", &r,
	         DB_I64(module_id))) != TR_OK)
		return err == TR_NOT_FOUND ? TR_OK : err;
	state = wf_state(&module_workflow, db_cell(r, 0, 0)->s.p);
	version = db_int(db_cell(r, 0, 1));
	planned = db_int(db_cell(r, 0, 2));
	if (state == MODULE_ABANDONED)
		return TR_OK;
	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT COALESCE(SUM(a.hours), 0) FROM attendance a JOIN session_registrations g ON g.session_id = "
	         "a.session_id AND g.person_id = a.person_id WHERE g.path_module_id = ? AND g.state = 'registered' AND "
	         "a.present = 1",
	         &h, DB_I64(module_id))) != TR_OK)
		return err;
	done = db_int(db_cell(h, 0, 0));
	detail = json_pack("{s:I, s:I, s:s}", "hours_done", (json_int_t)done, "hours_planned", (json_int_t)planned,
	    "source", "attendance");
	if (done != db_int(db_cell(r, 0, 3))) {
		err = db_execv(ctx->db,
		    "UPDATE path_modules SET hours_done = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
		    "version = ?",
		    NULL, DB_I64(done), DB_I64(ctx->now), DB_I64(module_id), DB_I64(version));
		if (err == TR_OK)
			err = journal_append(ctx, "path_module", module_id, "hours", detail);
		version++;
	}
	if (err == TR_OK && state != MODULE_COMPLETED &&
	    ((planned > 0 && done >= planned) || (planned == 0 && session_done))) {
		err = system_move(ctx, module_id, "complete", detail);
	} else if (err == TR_OK && state == MODULE_PLANNED && done > 0) {
		err = system_move(ctx, module_id, "start", detail);
	}
	json_decref(detail);
	return err;
}
