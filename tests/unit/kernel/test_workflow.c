/* Tests of the lifecycle engine driven by the tables themselves, on SQLite and PostgreSQL (TREMPLIN_TEST_PG): for
 * every lifecycle (dossier, offer, application, contract, path module, session, registration), every state ×
 * action × party gives the transition, 403 or 409 as its table says, a stale version changes nothing, and the
 * state and version in the database are those expected after each call. The cases are generated from the rows;
 * the guards, effects and notifications are left out of the matrix (the HTTP suites drive them), and separate
 * cases check that a refusing guard or a failing effect changes nothing and that a cascade runs inside its
 * caller's transaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/embed.h"
#include "core/log.h"
#include "core/time.h"
#include "demo/demo.h"
#include "domain/dossiers/dossier.h"
#include "domain/geo/refdata.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/common.h"
#include "domain/kernel/workflow.h"
#include "domain/programmes/programme.h"
#include "domain/recruitment/application.h"
#include "domain/recruitment/contract.h"
#include "domain/recruitment/offer.h"
#include "domain/training/skills.h"
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define T0 1795514700 /* 2026-11-24T10:05:00Z */
#define ROWS_MAX 32
#define SEEN 10 /* the version every case starts from */

/* One database per half, migrated and seeded with the demo story (a dossier, an offer, an application, a
 * contract and its path), plus a training session with one registration. */
static struct {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
	struct actor actor;
	char url[700];
} fx;

static const struct workflow *const lifecycles[] = { &dossier_workflow, &offer_workflow, &application_workflow,
	&contract_workflow, &module_workflow, &session_workflow, &registration_workflow };

/* ---- the database ---- */

static int64_t
one_int(const char *sql)
{
	struct db_rows *r;

	assert_int_equal(db_queryv(fx.db, fx.a, sql, &r), TR_OK);
	assert_int_equal(r->nrows, 1);
	return db_int(db_cell(r, 0, 0));
}

static void
ctx_reset(void)
{
	fx.ctx.errors.n = 0;
	fx.ctx.message = NULL;
}

static int
seed(void)
{
	struct db_rows *r;
	json_t *logins = NULL;
	int64_t n, session;
	int applied = 0;
	tr_err err;

	if ((fx.db = testdb_open(fx.url)) == NULL)
		return -1;
	fx.a = arena_new();
	config_defaults(&fx.cfg);
	fx.ctx = (struct ctx){ .arena = fx.a, .db = fx.db, .cfg = &fx.cfg, .now = T0 };
	if ((err = db_migrate(fx.db, embedded_migrations, &applied)) != TR_OK ||
	    (err = refdata_seed(&fx.ctx, &n)) != TR_OK || (err = programme_seed(&fx.ctx, &n)) != TR_OK ||
	    (err = skills_seed(&fx.ctx, &n)) != TR_OK || (err = demo_seed(&fx.ctx, &logins)) != TR_OK) {
		print_error(
		    "seed: %s (%s; %s)\n", tr_err_name(err), fx.ctx.message ? fx.ctx.message : "", db_errmsg(fx.db));
		return -1;
	}
	json_decref(logins);
	if (db_onev(fx.db, fx.a,
	        "INSERT INTO training_sessions (audience, title, starts_on, ends_on, capacity, registration_deadline, "
	        "state, state_since, created_at, updated_at) VALUES ('tutors', 'Session d''essai', '2026-12-07', "
	        "'2026-12-08', 10, '2026-12-01', 'open', ?, ?, ?) RETURNING id",
	        &r, DB_I64(T0), DB_I64(T0), DB_I64(T0)) != TR_OK)
		return -1;
	session = db_int(db_cell(r, 0, 0));
	if (db_onev(fx.db, fx.a,
	        "INSERT INTO session_registrations (session_id, person_id, state, created_at, updated_at) VALUES (?, "
	        "(SELECT MIN(id) FROM people), 'registered', ?, ?) RETURNING id",
	        &r, DB_I64(session), DB_I64(T0), DB_I64(T0)) != TR_OK)
		return -1;
	/* Someone signed in: the engine asks for an actor; the matrix gives the parties itself. */
	if (db_onev(fx.db, fx.a, "SELECT id, email, name FROM people ORDER BY id LIMIT 1", &r) != TR_OK)
		return -1;
	fx.actor = (struct actor){ .person_id = db_int(db_cell(r, 0, 0)),
		.email = arena_strdup(fx.a, db_text(db_cell(r, 0, 1))),
		.name = arena_strdup(fx.a, db_text(db_cell(r, 0, 2))),
		.nroles = 1,
		.role_mask = ROLE_BIT(ROLE_ADMIN) };
	fx.actor.roles[0] = (struct actor_role){ .role = ROLE_ADMIN };
	return 0;
}

static int
sqlite_group_setup(void **state)
{
	if (testdb_sqlite_setup(state) != 0)
		return -1;
	testdb_sqlite_url(fx.url, sizeof(fx.url), "wf");
	return seed();
}

static int
pg_group_setup(void **state)
{
	if (testdb_pg_setup(state) != 0)
		return -1;
	snprintf(fx.url, sizeof(fx.url), "%s", testdb.pg_url);
	return seed();
}

static int
close_db(void)
{
	db_close(fx.db);
	arena_free(fx.a);
	fx.db = NULL;
	fx.a = NULL;
	return 0;
}

static int
sqlite_group_teardown(void **state)
{
	close_db();
	return testdb_sqlite_teardown(state);
}

static int
pg_group_teardown(void **state)
{
	close_db();
	return testdb_pg_teardown(state);
}

/* ---- the rows under test ---- */

/* The first row of WF's table. */
static int64_t
row_of(const struct workflow *wf)
{
	return one_int(arena_printf(fx.a, "SELECT MIN(id) FROM %s", wf->table));
}

/* Puts row ID of WF at STATE and VERSION, as a case starts. */
static void
put(const struct workflow *wf, int64_t id, int state, int64_t version)
{
	int64_t changed = 0;

	assert_int_equal(
	    db_execv(fx.db, arena_printf(fx.a, "UPDATE %s SET state = ?, version = ? WHERE id = ?", wf->table),
	        &changed, DB_TEXT(wf->states->items[state].code), DB_I64(version), DB_I64(id)),
	    TR_OK);
	assert_int_equal(changed, 1);
}

struct seen {
	int state;
	int64_t version, journal;
};

/* What the database holds of row ID: its state, version and number of journal entries. */
static struct seen
look(const struct workflow *wf, int64_t id)
{
	struct db_rows *r;
	struct seen s;

	assert_int_equal(
	    db_queryv(fx.db, fx.a, arena_printf(fx.a, "SELECT state, version FROM %s WHERE id = ?", wf->table), &r,
	        DB_I64(id)),
	    TR_OK);
	assert_int_equal(r->nrows, 1);
	s.state = wf_state(wf, db_text(db_cell(r, 0, 0)));
	s.version = db_int(db_cell(r, 0, 1));
	assert_int_equal(db_queryv(fx.db, fx.a, "SELECT COUNT(*) FROM journal WHERE entity = ? AND entity_id = ?", &r,
	                     DB_TEXT(wf->entity), DB_I64(id)),
	    TR_OK);
	s.journal = db_int(db_cell(r, 0, 0));
	return s;
}

/* A payload the entity E accepts, made from its fields: a valid value of each field's type. */
static json_t *
sample(const struct entity *e)
{
	json_t *o = json_object();

	for (size_t i = 0; e && i < e->nfields; i++) {
		const struct field *f = &e->fields[i];
		json_t *v;
		switch (f->type) {
		case FT_EMAIL: v = json_string("essai@example.org"); break;
		case FT_PASSWORD: v = json_string("correct horse battery staple"); break;
		case FT_INT: v = json_integer(f->min < 1 && f->max >= 1 ? 1 : f->min); break;
		case FT_REF: v = json_integer(1); break;
		case FT_BOOL: v = json_true(); break;
		case FT_DATE: v = json_string("2026-11-24"); break;
		case FT_CHOICE: v = json_string(f->vocab->items[0].code); break;
		case FT_SIRET: v = json_string("44306184100047"); break;
		case FT_RNA: v = json_string("W261000123"); break;
		default:
			/* A time of day is asked as one. */
			v = json_string(strcmp(f->name, "interview_time") == 0 ? "14:30" : "Texte d'essai");
			break;
		}
		json_object_set_new(o, f->name, v);
	}
	return o;
}

/* ---- the matrix ---- */

static unsigned forced_parties;

static unsigned
forced(struct ctx *ctx, json_t *row)
{
	(void)ctx;
	(void)row;
	return forced_parties;
}

/* WF with its rows as they are but without their functions, and the parties the case gives. */
struct bare {
	struct workflow wf;
	struct wf_transition rows[ROWS_MAX];
};

static void
bare_of(const struct workflow *wf, struct bare *b)
{
	assert_true(wf->nrows <= ROWS_MAX);
	b->wf = *wf;
	for (size_t i = 0; i < wf->nrows; i++) {
		b->rows[i] = wf->rows[i];
		b->rows[i].guard = b->rows[i].effect = b->rows[i].notify = NULL;
		b->rows[i].not_before = NULL;
	}
	b->wf.rows = b->rows;
	b->wf.can_read = NULL;
	b->wf.parties = forced;
}

/* What the table says of ACTION from STATE for PARTIES: TR_OK with *T, TR_FORBIDDEN when no row of the action is
 * theirs, TR_CONFLICT when theirs do not start from STATE. */
static tr_err
table_says(const struct workflow *wf, const char *action, int state, unsigned parties, const struct wf_transition **t)
{
	bool mine = false;

	*t = NULL;
	for (size_t i = 0; i < wf->nrows; i++) {
		if (strcmp(wf->rows[i].action, action) != 0 || !(wf->rows[i].who & parties))
			continue;
		mine = true;
		if (wf->rows[i].from & WF_BIT(state)) {
			*t = &wf->rows[i];
			return TR_OK;
		}
	}
	return mine ? TR_CONFLICT : TR_FORBIDDEN;
}

/* Runs ACTION on row ID of WF at VERSION for PARTIES. */
static tr_err
act(const struct workflow *wf, int64_t id, const char *action, int64_t version, unsigned parties)
{
	json_t *payload = NULL;
	struct wf_act a = { .id = id, .action = action, .version = version };
	tr_err err;

	for (size_t i = 0; i < wf->nrows; i++)
		if (strcmp(wf->rows[i].action, action) == 0 && wf->rows[i].payload && payload == NULL)
			payload = sample(wf->rows[i].payload);
	a.payload = payload;
	forced_parties = parties;
	ctx_reset();
	err = wf_run(&fx.ctx, wf, &a);
	json_decref(payload);
	if (err == TR_OK)
		assert_int_equal(a.new_version, version + 1);
	return err;
}

/* Every state × action × party of one lifecycle, and a stale version for every allowed one. */
static void
matrix(const struct workflow *real)
{
	struct bare b;
	const struct workflow *wf = &b.wf;
	unsigned all = 0, parties[ROWS_MAX + 1];
	size_t nparties = 0, ok = 0, refused = 0;
	int64_t id = row_of(real);

	bare_of(real, &b);
	fx.ctx.actor = &fx.actor;
	for (size_t i = 0; i < wf->nrows; i++)
		all |= wf->rows[i].who;
	parties[nparties++] = 0; /* nobody */
	for (unsigned bit = 1; bit != 0 && bit <= all; bit <<= 1)
		if (all & bit)
			parties[nparties++] = bit;
	for (size_t s = 0; s < wf->states->n; s++)
		for (size_t i = 0; i < wf->nrows; i++) {
			const char *action = wf->rows[i].action;
			bool first = true;
			for (size_t k = 0; k < i; k++)
				first &= strcmp(wf->rows[k].action, action) != 0;
			if (!first)
				continue;
			for (size_t p = 0; p < nparties; p++) {
				const struct wf_transition *t;
				tr_err want = table_says(wf, action, (int)s, parties[p], &t), got;
				struct seen before, after;

				put(wf, id, (int)s, SEEN);
				before = look(wf, id);
				got = act(wf, id, action, SEEN, parties[p]);
				after = look(wf, id);
				if (got != want)
					print_error("%s: %s from %s by parties %u: %s, the table says %s (%s)\n",
					    wf->entity, action, wf->states->items[s].code, parties[p], tr_err_name(got),
					    tr_err_name(want), fx.ctx.message ? fx.ctx.message : "");
				assert_int_equal(got, want);
				if (want != TR_OK) {
					assert_non_null(fx.ctx.message);
					assert_int_equal(after.state, before.state);
					assert_int_equal(after.version, before.version);
					assert_int_equal(after.journal, before.journal);
					refused++;
					continue;
				}
				assert_int_equal(after.state, t->to < 0 ? (int)s : t->to);
				assert_int_equal(after.version, SEEN + 1);
				assert_int_equal(after.journal, before.journal + 1);
				ok++;
				/* The same action on a page read before a change: nothing changes. */
				put(wf, id, (int)s, SEEN);
				before = look(wf, id);
				assert_int_equal(act(wf, id, action, SEEN - 1, parties[p]), TR_CONFLICT);
				assert_non_null(strstr(fx.ctx.message, "depuis votre lecture"));
				after = look(wf, id);
				assert_int_equal(after.state, before.state);
				assert_int_equal(after.version, before.version);
				assert_int_equal(after.journal, before.journal);
			}
		}
	/* Every row of the table was taken at least once, and something was refused. */
	assert_true(ok >= wf->nrows);
	assert_true(refused > 0);
}

static void
t_dossier(void **state)
{
	(void)state;
	matrix(&dossier_workflow);
}

static void
t_offer(void **state)
{
	(void)state;
	matrix(&offer_workflow);
}

static void
t_application(void **state)
{
	(void)state;
	matrix(&application_workflow);
}

static void
t_contract(void **state)
{
	(void)state;
	matrix(&contract_workflow);
}

static void
t_module(void **state)
{
	(void)state;
	matrix(&module_workflow);
}

static void
t_session(void **state)
{
	(void)state;
	matrix(&session_workflow);
}

static void
t_registration(void **state)
{
	(void)state;
	matrix(&registration_workflow);
}

/* ---- the engine's other promises ---- */

/* The tables are well formed: states within the vocabulary, a label and a tone for every row, the same payload
 * for every row of one action, and the workflows name their messages. */
static void
t_tables(void **state)
{
	(void)state;
	for (size_t w = 0; w < N_ELEMS(lifecycles); w++) {
		const struct workflow *wf = lifecycles[w];
		assert_non_null(wf->select);
		assert_non_null(wf->parties);
		assert_non_null(wf->missing);
		assert_non_null(wf->stale);
		for (size_t i = 0; i < wf->nrows; i++) {
			const struct wf_transition *t = &wf->rows[i];
			assert_true(t->from != 0 && t->from < WF_BIT(wf->states->n));
			assert_true(t->to >= -1 && t->to < (int)wf->states->n);
			assert_true(t->who != 0);
			assert_non_null(t->label);
			assert_true(t->tone == WF_PRIMARY || t->tone == WF_SECONDARY || t->tone == WF_DANGER);
			for (size_t k = 0; k < i; k++)
				if (strcmp(wf->rows[k].action, t->action) == 0)
					assert_ptr_equal(wf->rows[k].payload, t->payload);
		}
		/* Every state has its badge's tone, and wf_decorate gives it with the label. */
		assert_non_null(wf->tones);
		for (size_t s = 0; s < wf->states->n; s++) {
			json_t *row = json_pack("{s:s}", "state", wf->states->items[s].code);
			assert_true(wf->tones[s] >= WF_NEUTRAL && wf->tones[s] <= WF_ERROR);
			wf_decorate(wf, row);
			assert_string_equal(json_str(row, "state_label"), wf->states->items[s].label);
			assert_true((*json_str(row, "state_tone") == '\0') == (wf->tones[s] == WF_NEUTRAL));
			json_decref(row);
		}
	}
	{
		json_t *row = json_pack("{s:s}", "state", "validated");
		wf_decorate(&dossier_workflow, row);
		assert_string_equal(json_str(row, "state_tone"), "success");
		json_object_set_new(row, "state", json_string("withdrawn"));
		wf_decorate(&dossier_workflow, row);
		assert_string_equal(json_str(row, "state_tone"), "");
		json_object_set_new(row, "state", json_string("nowhere"));
		json_object_del(row, "state_label");
		wf_decorate(&dossier_workflow, row);
		assert_null(json_object_get(row, "state_label"));
		assert_string_equal(json_str(row, "state_tone"), "");
		json_decref(row);
	}
}

/* An unknown row or action is 404; an anonymous actor is asked to sign in; nothing changes. */
static void
t_unknown(void **state)
{
	int64_t id = row_of(&dossier_workflow);
	struct seen before = look(&dossier_workflow, id), after;
	struct wf_act a = { .id = id, .action = "fly", .version = before.version };
	struct wf_act missing = { .id = id + 100000, .action = "submit", .version = 1 };

	(void)state;
	fx.ctx.actor = &fx.actor;
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &dossier_workflow, &a), TR_NOT_FOUND);
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &dossier_workflow, &missing), TR_NOT_FOUND);
	assert_string_equal(fx.ctx.message, dossier_workflow.missing);
	fx.ctx.actor = NULL;
	a.action = "submit";
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &dossier_workflow, &a), TR_UNAUTHORIZED);
	fx.ctx.actor = &fx.actor;
	after = look(&dossier_workflow, id);
	assert_int_equal(after.version, before.version);
	assert_int_equal(after.journal, before.journal);
}

/* The real parties: the admin is no party of the offer, so closing it is 403 and changes nothing. */
static void
t_real_parties(void **state)
{
	int64_t id = row_of(&offer_workflow);
	struct seen before = look(&offer_workflow, id), after;
	json_t *payload = json_pack("{s:s}", "reason", "Essai");
	struct wf_act a = { .id = id, .action = "close", .version = before.version, .payload = payload };

	(void)state;
	fx.ctx.actor = &fx.actor;
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &offer_workflow, &a), TR_FORBIDDEN);
	json_decref(payload);
	after = look(&offer_workflow, id);
	assert_int_equal(after.state, before.state);
	assert_int_equal(after.version, before.version);
	assert_int_equal(after.journal, before.journal);
}

static tr_err
write_then_fail(struct wf_call *c)
{
	tr_err err =
	    db_execv(c->ctx->db, "UPDATE dossiers SET last_reason = 'écrit' WHERE id = ?", NULL, DB_I64(c->id));

	if (err != TR_OK)
		return err;
	field_errors_add(&c->ctx->errors, "reason", "« Motif » : refusé par l'effet d'essai.");
	return TR_INVALID;
}

static tr_err
refuse_conflict(struct wf_call *c)
{
	return ctx_fail(c->ctx, TR_CONFLICT, "Refusé par la garde d'essai.");
}

static tr_err
journal_more(struct wf_call *c)
{
	json_object_set_new(c->detail, "effect", json_string("ran"));
	return TR_OK;
}

/* A guard that refuses and an effect that writes then fails leave the row, its columns and the journal as
 * they were; an effect's detail reaches the journal entry. */
static void
t_guard_and_effect(void **state)
{
	struct wf_transition rows[] = {
		{ "guarded", "Garde", ~0u, 0, 1, NULL, false, refuse_conflict, NULL, NULL, WF_PRIMARY, NULL, NULL, NULL,
		    NULL },
		{ "failing", "Effet", ~0u, 1, 1, NULL, false, NULL, write_then_fail, NULL, WF_DANGER, NULL, NULL, NULL,
		    NULL },
		{ "fine", "Effet", ~0u, 1, 1, NULL, false, NULL, journal_more, NULL, WF_PRIMARY, NULL, NULL, NULL,
		    NULL },
	};
	struct workflow wf = dossier_workflow;
	int64_t id = row_of(&dossier_workflow);
	struct wf_act a = { .id = id, .version = SEEN };
	struct seen before, after;
	struct db_rows *r;
	json_t *detail;

	(void)state;
	wf.rows = rows;
	wf.nrows = N_ELEMS(rows);
	wf.can_read = NULL;
	wf.parties = forced;
	forced_parties = 1;
	fx.ctx.actor = &fx.actor;
	assert_int_equal(
	    db_execv(fx.db, "UPDATE dossiers SET last_reason = NULL WHERE id = ?", NULL, DB_I64(id)), TR_OK);
	put(&wf, id, 0, SEEN);
	before = look(&wf, id);
	a.action = "guarded";
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &wf, &a), TR_CONFLICT);
	assert_string_equal(fx.ctx.message, "Refusé par la garde d'essai.");
	a.action = "failing";
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &wf, &a), TR_INVALID);
	assert_int_equal(fx.ctx.errors.n, 1);
	after = look(&wf, id);
	assert_int_equal(after.state, before.state);
	assert_int_equal(after.version, before.version);
	assert_int_equal(after.journal, before.journal);
	assert_int_equal(
	    db_queryv(fx.db, fx.a, "SELECT last_reason FROM dossiers WHERE id = ?", &r, DB_I64(id)), TR_OK);
	assert_true(db_isnull(db_cell(r, 0, 0)));
	a.action = "fine";
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &wf, &a), TR_OK);
	assert_int_equal(
	    db_queryv(fx.db, fx.a,
	        "SELECT action, detail FROM journal WHERE entity = 'dossier' AND entity_id = ? ORDER BY id "
	        "DESC LIMIT 1",
	        &r, DB_I64(id)),
	    TR_OK);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "fine");
	detail = json_loads(db_text(db_cell(r, 0, 1)), 0, NULL);
	assert_non_null(detail);
	assert_string_equal(json_string_value(json_object_get(detail, "effect")), "ran");
	assert_int_equal(json_integer_value(json_object_get(detail, "version")), SEEN + 1);
	assert_string_equal(json_string_value(json_object_get(detail, "from")), "draft");
	assert_string_equal(json_string_value(json_object_get(detail, "to")), "regional_review");
	json_decref(detail);
}

/* A transition with a date bound is refused before the day its column names, with the day and the date's name in
 * French, and writes nothing; on the day itself it runs. The success message names the row's number. */
static void
t_not_before(void **state)
{
	struct wf_transition rows[] = {
		{ "dated", "Avancer", ~0u, 1, 1, NULL, false, NULL, NULL, NULL, WF_PRIMARY, "Avancer ?",
		    "Le dossier n° {n} a avancé.", "signed_on", "date de signature" },
	};
	struct workflow wf = dossier_workflow;
	int64_t id = row_of(&dossier_workflow);
	struct wf_act a = { .id = id, .version = SEEN, .action = "dated" };
	struct seen before, after;
	const char *today = date_iso(fx.a, fx.ctx.now), *tomorrow = date_add(fx.a, today, 0, 1);

	(void)state;
	wf.rows = rows;
	wf.nrows = N_ELEMS(rows);
	wf.can_read = NULL;
	wf.parties = forced;
	forced_parties = 1;
	fx.ctx.actor = &fx.actor;
	assert_int_equal(
	    db_execv(fx.db, "UPDATE dossiers SET signed_on = ? WHERE id = ?", NULL, DB_TEXT(tomorrow), DB_I64(id)),
	    TR_OK);
	put(&wf, id, 0, SEEN);
	before = look(&wf, id);
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &wf, &a), TR_CONFLICT);
	assert_non_null(strstr(fx.ctx.message, "« Avancer » n'est possible qu'à partir du "));
	assert_non_null(strstr(fx.ctx.message, date_ymd_fr(fx.a, tomorrow)));
	assert_non_null(strstr(fx.ctx.message, "date de signature"));
	after = look(&wf, id);
	assert_int_equal(after.state, before.state);
	assert_int_equal(after.version, before.version);
	assert_int_equal(after.journal, before.journal);
	assert_int_equal(
	    db_execv(fx.db, "UPDATE dossiers SET signed_on = ? WHERE id = ?", NULL, DB_TEXT(today), DB_I64(id)), TR_OK);
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &wf, &a), TR_OK);
	assert_int_equal(look(&wf, id).state, 1);
	assert_string_equal(wf_done_message(fx.a, &wf, "dated", 12), "Le dossier n° 12 a avancé.");
	assert_string_equal(wf_confirm_of(&wf, "dated"), "Avancer ?");
	assert_null(wf_done_message(fx.a, &wf, "unknown", 12));
}

/* Every action a person takes says what it did, and every one that refuses, withdraws or cancels asks first. */
static void
t_messages(void **state)
{
	const struct workflow *all[] = { &dossier_workflow, &offer_workflow, &application_workflow, &contract_workflow,
		&module_workflow, &session_workflow, &registration_workflow };

	(void)state;
	for (size_t w = 0; w < N_ELEMS(all); w++)
		for (size_t i = 0; i < all[w]->nrows; i++) {
			const struct wf_transition *t = &all[w]->rows[i];
			if (t->done == NULL)
				fail_msg("%s.%s has no success message", all[w]->entity, t->action);
			if (t->tone == WF_DANGER && t->confirm == NULL &&
			    strcmp(t->action, "cancel_under_minimum") != 0)
				fail_msg("%s.%s has no confirmation", all[w]->entity, t->action);
		}
}

/* A cascade runs inside its caller's transaction: rolled back with it, or committed with it. */
static void
t_cascade(void **state)
{
	struct bare b;
	int64_t id = row_of(&application_workflow);
	struct wf_act a = { .id = id, .action = "obsolete", .version = WF_ANY_VERSION, .system = true };
	struct seen before, after;
	const struct wf_transition *t;

	(void)state;
	bare_of(&application_workflow, &b);
	assert_int_equal(table_says(&b.wf, "obsolete", 1, ~0u, &t), TR_OK);
	a.parties = t->who;
	fx.ctx.actor = NULL; /* a job: nobody signed in */
	put(&b.wf, id, 1, SEEN);
	before = look(&b.wf, id);
	assert_int_equal(db_begin(fx.db), TR_OK);
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &b.wf, &a), TR_OK);
	assert_true(db_in_tx(fx.db));
	db_rollback(fx.db);
	after = look(&b.wf, id);
	assert_int_equal(after.state, before.state);
	assert_int_equal(after.version, before.version);
	assert_int_equal(after.journal, before.journal);
	assert_int_equal(db_begin(fx.db), TR_OK);
	ctx_reset();
	assert_int_equal(wf_run(&fx.ctx, &b.wf, &a), TR_OK);
	assert_int_equal(db_commit(fx.db), TR_OK);
	after = look(&b.wf, id);
	assert_int_equal(after.state, t->to);
	assert_int_equal(after.version, SEEN + 1);
	assert_int_equal(after.journal, before.journal + 1);
	/* The system's own move is refused to a person. */
	fx.ctx.actor = &fx.actor;
	put(&b.wf, id, 1, SEEN);
	assert_int_equal(act(&b.wf, id, "obsolete", SEEN, ~t->who), TR_FORBIDDEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_tables),
		cmocka_unit_test(t_dossier),
		cmocka_unit_test(t_offer),
		cmocka_unit_test(t_application),
		cmocka_unit_test(t_contract),
		cmocka_unit_test(t_module),
		cmocka_unit_test(t_session),
		cmocka_unit_test(t_registration),
		cmocka_unit_test(t_unknown),
		cmocka_unit_test(t_real_parties),
		cmocka_unit_test(t_guard_and_effect),
		cmocka_unit_test(t_cascade),
		cmocka_unit_test(t_not_before),
		cmocka_unit_test(t_messages),
	};
	const struct testdb_fixtures fixtures = { .sqlite_setup = sqlite_group_setup,
		.sqlite_teardown = sqlite_group_teardown,
		.pg_setup = pg_group_setup,
		.pg_teardown = pg_group_teardown };
	int failed;

	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	failed = testdb_run("workflow", tests, N_ELEMS(tests), &fixtures);
	return failed == 0 ? 0 : 1;
}
