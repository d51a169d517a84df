/* Tests of domain/privacy, on SQLite and PostgreSQL: which candidates the two-year rule selects (a day either side of
 * the period, and each kind of activity that keeps an account), that the job anonymises them through the one
 * anonymisation and journals the count, the notes rule at its edges, and the refusals of an erasure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/embed.h"
#include "core/log.h"
#include "core/time.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/journal.h"
#include "domain/privacy/privacy.h"
#include "domain/privacy/retention.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define DAY 86400

struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
	int64_t now;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char url[800];
	int applied = 0;

	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "p");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	fx->a = arena_new();
	config_defaults(&fx->cfg);
	/* The job never acts past the real clock: the tests count from it. */
	fx->now = clock_now();
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .now = fx->now, .ip = "test" };
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	db_close(fx->db);
	arena_free(fx->a);
	free(fx);
	return 0;
}

static int64_t
count(struct fx *fx, const char *sql)
{
	struct db_rows *r;

	assert_int_equal(db_query(fx->db, fx->a, sql, NULL, 0, &r), TR_OK);
	return db_int(db_cell(r, 0, 0));
}

/* A candidate whose account, profile and last sign-in all date from AT (seconds); its id. */
static int64_t
candidate(struct fx *fx, const char *email, int64_t at)
{
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a,
	                     "INSERT INTO people (email, name, password_hash, created_at, updated_at, last_login_at, "
	                     "confirmed_at) VALUES (?, ?, 'x', ?, ?, ?, ?) RETURNING id",
	                     &r, DB_TEXT(email), DB_TEXT(email), DB_I64(at), DB_I64(at), DB_I64(at), DB_I64(at)),
	    TR_OK);
	int64_t id = db_int(db_cell(r, 0, 0));
	assert_int_equal(
	    db_execv(fx->db, "INSERT INTO memberships (person_id, role, created_at) VALUES (?, 'candidate', ?)", NULL,
	        DB_I64(id), DB_I64(at)),
	    TR_OK);
	assert_int_equal(
	    db_execv(fx->db,
	        "INSERT INTO candidates (person_id, birth_date, rqth, cv, cv_name, cv_size, cv_sha256, cv_at, "
	        "created_at, updated_at) VALUES (?, '2001-01-01', 1, ?, 'cv.pdf', 4, 'h', ?, ?, ?)",
	        NULL, DB_I64(id), DB_BLOB("%PDF", 4), DB_I64(at), DB_I64(at), DB_I64(at)),
	    TR_OK);
	return id;
}

static const struct retention_rule *
rule(const char *name)
{
	for (size_t i = 0; i < retention_nrules; i++)
		if (strcmp(retention_rules[i].name, name) == 0)
			return &retention_rules[i];
	fail_msg("no rule %s", name);
	return NULL;
}

static bool
selected(struct fx *fx, int64_t id)
{
	int64_t *ids;
	size_t n;

	assert_int_equal(retention_select(&fx->ctx, rule("candidates_inactive"), fx->now, &ids, &n), TR_OK);
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Two years minus a day: kept; plus a day: anonymised. Any one activity inside the period keeps the account. */
static void
t_inactive_edges(void **state)
{
	struct fx *fx = *state;
	const int64_t period = RETENTION_INACTIVE_SECONDS, now = fx->now;
	int64_t kept = candidate(fx, "kept@exemple.fr", now - period + DAY);
	int64_t gone = candidate(fx, "gone@exemple.fr", now - period - DAY);
	int64_t signed_in = candidate(fx, "login@exemple.fr", now - period - DAY);
	int64_t changed = candidate(fx, "changed@exemple.fr", now - period - DAY);
	int64_t cv = candidate(fx, "cv@exemple.fr", now - period - DAY);
	int64_t staff = candidate(fx, "staff@exemple.fr", now - period - DAY);

	assert_int_equal(db_execv(fx->db, "UPDATE people SET last_login_at = ? WHERE id = ?", NULL,
	                     DB_I64(now - period + DAY), DB_I64(signed_in)),
	    TR_OK);
	assert_int_equal(db_execv(fx->db, "UPDATE candidates SET updated_at = ? WHERE person_id = ?", NULL,
	                     DB_I64(now - 10 * DAY), DB_I64(changed)),
	    TR_OK);
	assert_int_equal(db_execv(fx->db, "UPDATE candidates SET cv_at = ? WHERE person_id = ?", NULL,
	                     DB_I64(now - period + DAY), DB_I64(cv)),
	    TR_OK);
	assert_int_equal(
	    db_execv(fx->db, "INSERT INTO memberships (person_id, role, created_at) VALUES (?, 'national', 0)", NULL,
	        DB_I64(staff)),
	    TR_OK);
	assert_false(selected(fx, kept));
	assert_true(selected(fx, gone));
	assert_false(selected(fx, signed_in));
	assert_false(selected(fx, changed));
	assert_false(selected(fx, cv));
	assert_false(selected(fx, staff));
}

/* The job anonymises through privacy_anonymise: the row stays (statistics), what identifies goes, the account is
 * disabled, and the journal has the person's entry and the job's count; a second run finds nothing. */
static void
t_job_anonymises(void **state)
{
	struct fx *fx = *state;
	const int64_t now = fx->now;
	int64_t gone = candidate(fx, "gone@exemple.fr", now - RETENTION_INACTIVE_SECONDS - DAY);
	int64_t kept = candidate(fx, "kept@exemple.fr", now - RETENTION_INACTIVE_SECONDS + DAY);
	int64_t n = 0, checked = 0, bad = 0;
	const char *why = NULL;
	struct db_rows *r;
	char sql[512];

	assert_int_equal(retention_apply(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, 1);
	snprintf(sql, sizeof(sql),
	    "SELECT COUNT(*) FROM people p JOIN candidates c ON c.person_id = p.id WHERE p.id = %lld AND p.active = 0 "
	    "AND "
	    "p.anonymised_at IS NOT NULL AND p.email LIKE '%%.invalid' AND p.name <> 'gone@exemple.fr' AND "
	    "p.password_hash IS NULL AND c.birth_date IS NULL AND c.cv IS NULL AND c.rqth = 0",
	    (long long)gone);
	assert_int_equal(count(fx, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM memberships WHERE person_id = %lld", (long long)gone);
	assert_int_equal(count(fx, sql), 0);
	snprintf(sql, sizeof(sql),
	    "SELECT COUNT(*) FROM people WHERE id = %lld AND active = 1 AND email = 'kept@exemple.fr'",
	    (long long)kept);
	assert_int_equal(count(fx, sql), 1);
	assert_int_equal(
	    db_query(fx->db, fx->a, "SELECT detail FROM journal WHERE entity = 'retention'", NULL, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "{\"candidates_inactive\":1}");
	snprintf(sql, sizeof(sql),
	    "SELECT COUNT(*) FROM journal WHERE entity = 'candidate' AND entity_id = %lld AND action = "
	    "'retention_inactive'",
	    (long long)gone);
	assert_int_equal(count(fx, sql), 1);
	assert_int_equal(retention_apply(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(journal_verify(fx->db, fx->a, &checked, &bad, &why), TR_OK);
}

/* Notes of an activity report: a year minus a day kept, plus a day cleared; the figures stay. */
static void
t_notes_edges(void **state)
{
	struct fx *fx = *state;
	const int64_t now = fx->now, period = RETENTION_NOTES_SECONDS;
	int64_t adviser = candidate(fx, "adviser@exemple.fr", now), n = 0;

	assert_int_equal(
	    db_exec_script(fx->db,
	        "INSERT INTO regions (code, name, name_key) VALUES ('84', 'AURA', 'aura');"
	        "INSERT INTO departements (code, region_code, name, name_key) VALUES ('26', '84', 'Drôme', "
	        "'drome');"
	        "INSERT INTO communes (code, name, name_key, departement_code, region_code) VALUES "
	        "('26108', 'Crest', 'crest', '26', '84');"
	        "INSERT INTO organisations (name, kind, created_at, updated_at) VALUES ('EPN', 'employer', 0, "
	        "0);"),
	    TR_OK);
	for (int k = 0; k < 2; k++)
		assert_int_equal(
		    db_execv(fx->db,
		        "INSERT INTO activity_reports (adviser_id, organisation_id, source, raw, session_on, type, "
		        "place_kind, commune_code, departement_code, region_code, duration_min, participants, "
		        "themes, notes, created_at, updated_at) SELECT ?, id, 'entry', '{}', '2026-01-15', "
		        "'individuel', 'epn', '26108', '26', '84', 30, 1, 'email', ?, ?, ? FROM organisations",
		        NULL, DB_I64(adviser), DB_TEXT(k ? "recent" : "old"), DB_I64(now - period + (k ? DAY : -DAY)),
		        DB_I64(now)),
		    TR_OK);
	assert_int_equal(retention_apply(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_reports WHERE notes IS NULL AND raw IS NULL AND "
	                           "participants = 1"),
	    1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_reports WHERE notes = 'recent'"), 1);
}

/* An erasure is refused while the person is a party of a live contract: the refusal names it, and the retention rule
 * leaves such a person alone too (one rule for both). Without it, nothing is refused. */
static void
t_refusals(void **state)
{
	struct fx *fx = *state;
	int64_t id = candidate(fx, "free@exemple.fr", fx->now - RETENTION_INACTIVE_SECONDS - DAY);
	json_t *out = NULL;

	assert_int_equal(privacy_refusals(&fx->ctx, id, &out), TR_OK);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	/* Every refusal says what holds and on which legal basis. */
	for (size_t i = 0; i < erasure_nrefusals; i++)
		assert_true(
		    erasure_refusals[i].reason[0] && erasure_refusals[i].basis[0] && erasure_refusals[i].sql[0]);
	/* Every rule says what, how long, which action, why and on which basis (the register). */
	for (size_t i = 0; i < retention_nrules; i++)
		assert_true(retention_rules[i].what[0] && retention_rules[i].after[0] && retention_rules[i].why[0] &&
		            retention_rules[i].basis[0] && retention_rules[i].seconds >= 0 &&
		            retention_action_label(retention_rules[i].action)[0]);
	/* Anonymising twice: the second finds nothing. */
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(privacy_anonymise(&fx->ctx, id, "erasure"), TR_OK);
	assert_int_equal(privacy_anonymise(&fx->ctx, id, "erasure"), TR_NOT_FOUND);
	assert_int_equal(db_commit(fx->db), TR_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_inactive_edges),
		T(t_job_anonymises),
		T(t_notes_edges),
		T(t_refusals),
	};

	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	return testdb_run("privacy", tests, N_ELEMS(tests), NULL) == 0 ? 0 : 1;
}
