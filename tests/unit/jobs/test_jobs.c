/* Tests of domain/jobs, on SQLite and PostgreSQL: the server's schedule (jobs_tick runs each task at its period), and
 * the stored keys (keys stored by older rules of utf8_fold_key are recomputed once, the current ones are left alone,
 * the places' keys agree with the domain's own derivation). */
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
#include "core/utf8.h"
#include "domain/jobs/jobs.h"
#include "domain/jobs/refold.h"
#include "domain/kernel/ctx.h"
#include "domain/places/place.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define T0 1795514700 /* 2026-11-24T10:05:00Z */

struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char url[800];
	int applied = 0;

	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "r");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	fx->a = arena_new();
	config_defaults(&fx->cfg);
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

static const char *
text(struct fx *fx, const char *sql, const char *param)
{
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_TEXT(param)), TR_OK);
	return db_text(db_cell(r, 0, 0));
}

/* When the job NAME last ran (job_runs, where jobs_run claims it). */
static int64_t
last_run(struct fx *fx, const char *name)
{
	struct db_rows *r;

	assert_int_equal(
	    db_onev(fx->db, fx->a, "SELECT last_run_at FROM job_runs WHERE name = ?", &r, DB_TEXT(name)), TR_OK);
	return db_int(db_cell(r, 0, 0));
}

/* The schedule: the outbox at every tick, the jobs every minute, the housekeeping every ten minutes; each job, once
 * run, waits for its own period (an hour at least). Slots of the clock follow the rows of the schedule. */
static void
t_tick_schedule(void **state)
{
	struct fx *fx = *state;
	struct jobs_clock clock = { { 0 } };

	assert_false(jobs_tick(fx->db, &fx->cfg, T0, &clock)); /* no mail waiting */
	assert_int_equal(clock.last[0], T0);
	assert_int_equal(clock.last[1], T0);
	assert_int_equal(clock.last[2], T0);
	assert_int_equal(last_run(fx, "applications_expire"), T0);
	assert_int_equal(last_run(fx, "contracts_followup_reminders"), T0);

	assert_false(jobs_tick(fx->db, &fx->cfg, T0 + 30, &clock));
	assert_int_equal(clock.last[0], T0 + 30);
	assert_int_equal(clock.last[1], T0);
	assert_int_equal(clock.last[2], T0);

	assert_false(jobs_tick(fx->db, &fx->cfg, T0 + 60, &clock));
	assert_int_equal(clock.last[1], T0 + 60);
	assert_int_equal(clock.last[2], T0);
	assert_int_equal(last_run(fx, "applications_expire"), T0); /* looked at, not due */

	assert_false(jobs_tick(fx->db, &fx->cfg, T0 + 600, &clock));
	assert_int_equal(clock.last[2], T0 + 600);
	assert_false(jobs_tick(fx->db, &fx->cfg, T0 + 3600, &clock));
	assert_int_equal(last_run(fx, "applications_expire"), T0 + 3600);   /* due again (hourly) */
	assert_int_equal(last_run(fx, "contracts_followup_reminders"), T0); /* every six hours */
}

/* A run dated in the past (jobs run --now, forced) leaves the server's own schedule: the job is not due again at
 * once, and a run at the present plans the next one a period on. */
static void
t_past_run_keeps_schedule(void **state)
{
	struct fx *fx = *state;
	int64_t now = clock_now(), next;
	struct db_rows *r;

	assert_int_equal(jobs_run(fx->db, &fx->cfg, now, false), TR_OK);
	assert_int_equal(db_onev(fx->db, fx->a, "SELECT next_run_at FROM job_runs WHERE name = ?", &r,
	                     DB_TEXT("activity_reminders")),
	    TR_OK);
	next = db_int(db_cell(r, 0, 0));
	assert_true(next >= now + 6 * 3600);
	assert_int_equal(jobs_run(fx->db, &fx->cfg, now - 30 * 86400, true), TR_OK);
	assert_int_equal(last_run(fx, "activity_reminders"), now - 30 * 86400);
	assert_int_equal(db_onev(fx->db, fx->a, "SELECT next_run_at FROM job_runs WHERE name = ?", &r,
	                     DB_TEXT("activity_reminders")),
	    TR_OK);
	assert_int_equal(db_int(db_cell(r, 0, 0)), next);
}

/* A database as the hand table left it: « Nguyễn » kept its accents in the keys, the other keys are current. */
static void
seed_old_keys(struct fx *fx)
{
	assert_int_equal(
	    db_exec_script(fx->db,
	        "INSERT INTO regions (code, name, name_key) VALUES ('84', 'Auvergne-Rhône-Alpes', "
	        "'auvergne rhone alpes');"
	        "INSERT INTO departements (code, region_code, name, name_key) VALUES ('69', '84', 'Rhône', "
	        "'rhone');"
	        "INSERT INTO communes (code, name, name_key, departement_code, region_code) VALUES "
	        "('69123', 'Lyon', 'lyon', '69', '84');"
	        "INSERT INTO partner_companies (name, name_key, activity, created_at, updated_at) VALUES "
	        "('Nguyễn & Fils', 'nguyễn fils ébénisterie', 'Ébénisterie', 0, 0);"
	        "INSERT INTO partner_companies (name, name_key, activity, created_at, updated_at) VALUES "
	        "('Les Ateliers', 'les ateliers', NULL, 0, 0);"
	        "INSERT INTO places (id, pivot, nom, commune, code_postal, adresse, date_maj, "
	        "presentation_resume, search_key, name_key, address_key, created_at, updated_at) VALUES "
	        "('p1', 'p1', 'Espace Nguyễn', 'Lyon', '69001', '3 rue Đặng', '2026-11-24', "
	        "'Café numérique', 'espace nguyễn café numerique lyon', 'espace nguyễn', '3 rue đặng', 0, "
	        "0);"
	        "INSERT INTO settings (key, value) VALUES ('fold_version', '1');"),
	    TR_OK);
}

static void
t_refolds_once(void **state)
{
	struct fx *fx = *state;
	const char *places_version;
	int64_t changed = -1;

	seed_old_keys(fx);
	places_version = text(fx, "SELECT value FROM settings WHERE key = ?", "places_version");
	assert_int_equal(keys_refold(fx->db, fx->a, false, &changed), TR_OK);
	assert_int_equal(changed, 4); /* the partner, and the place's three keys */
	assert_string_equal(text(fx, "SELECT name_key FROM partner_companies WHERE name = ?", "Nguyễn & Fils"),
	    "nguyen fils ebenisterie");
	assert_string_equal(text(fx, "SELECT name_key FROM places WHERE id = ?", "p1"), "espace nguyen");
	assert_string_equal(text(fx, "SELECT address_key FROM places WHERE id = ?", "p1"), "3 rue dang");
	assert_string_equal(
	    text(fx, "SELECT search_key FROM places WHERE id = ?", "p1"), "espace nguyen cafe numerique lyon");
	assert_string_equal(text(fx, "SELECT value FROM settings WHERE key = ?", "fold_version"), "2");
	/* The servers' index of places is told to reload. */
	assert_int_not_equal(
	    atoll(text(fx, "SELECT value FROM settings WHERE key = ?", "places_version")), atoll(places_version));

	/* Current: nothing to do, even when forced. */
	assert_int_equal(keys_refold(fx->db, fx->a, false, &changed), TR_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(keys_refold(fx->db, fx->a, true, &changed), TR_OK);
	assert_int_equal(changed, 0);
}

/* A database that never had a fold version (new, or older than it) is brought to the present one. */
static void
t_new_database(void **state)
{
	struct fx *fx = *state;
	int64_t changed = -1;

	assert_int_equal(keys_refold(fx->db, fx->a, false, &changed), TR_OK);
	assert_int_equal(changed, 0);
	assert_string_equal(text(fx, "SELECT value FROM settings WHERE key = ?", "fold_version"), "2");
}

/* The key refold writes for a place is the one the domain derives (place_search_key), so that the table in
 * refold.c cannot drift from it unseen. */
static void
t_places_agree_with_the_domain(void **state)
{
	struct fx *fx = *state;
	struct ctx ctx = { .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .now = T0 };
	struct place *p;

	seed_old_keys(fx);
	assert_int_equal(keys_refold(fx->db, fx->a, false, NULL), TR_OK);
	assert_int_equal(place_load(&ctx, "p1", &p), TR_OK);
	assert_string_equal(text(fx, "SELECT search_key FROM places WHERE id = ?", "p1"), place_search_key(fx->a, p));
}

/* A count of SQL (one integer cell). */
static int64_t
count(struct fx *fx, const char *sql)
{
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a, sql, &r), TR_OK);
	return db_int(db_cell(r, 0, 0));
}

/* Accounts registered by visitors and never confirmed are erased once their link has expired (a week), not before,
 * nor while a newer link is alive; confirmed accounts are never touched. */
static void
t_purge_unconfirmed(void **state)
{
	struct fx *fx = *state;
	char script[2048];
	const long long week = 7 * 86400, old = T0 - week - 86400, recent = T0 - 2 * 86400;

	snprintf(script, sizeof(script),
	    "INSERT INTO people (id, email, name, password_hash, active, created_at, updated_at, confirmed_at) VALUES "
	    "(1, 'expire@exemple.fr', 'Jamais Confirmé', 'x', 1, %lld, %lld, NULL), "
	    "(2, 'relance@exemple.fr', 'Lien Renvoyé', 'x', 1, %lld, %lld, NULL), "
	    "(3, 'recent@exemple.fr', 'Inscrit Récemment', 'x', 1, %lld, %lld, NULL), "
	    "(4, 'confirme@exemple.fr', 'Bien Confirmé', 'x', 1, %lld, %lld, %lld);"
	    "INSERT INTO candidates (person_id, created_at, updated_at) VALUES (1, %lld, %lld), (2, %lld, %lld);"
	    "INSERT INTO one_time_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES "
	    "('h1', 1, 'confirm', %lld, %lld), ('h2', 2, 'confirm', %lld, %lld), ('h3', 3, 'confirm', %lld, %lld);",
	    old, old, old, old, recent, recent, old, old, old,             /* people */
	    old, old, old, old,                                            /* candidates */
	    old, old + week, old, T0 + 86400LL, recent, T0 + 5 * 86400LL); /* links */
	assert_int_equal(db_exec_script(fx->db, script), TR_OK);
	assert_int_equal(jobs_run(fx->db, &fx->cfg, T0, true), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE id = 1 AND active = 0 AND email LIKE "
	                           "'supprime-1-%@compte-supprime.invalid' AND password_hash IS NULL"),
	    1);
	/* The profile row stays for the statistics, emptied (privacy_anonymise, the one anonymisation). */
	assert_int_equal(
	    count(fx, "SELECT COUNT(*) FROM candidates WHERE person_id = 1 AND hidden = 1 AND birth_date IS "
	              "NULL AND cv IS NULL"),
	    1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens WHERE person_id = 1"), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal WHERE entity = 'candidate' AND entity_id = 1 AND "
	                           "action = 'purge_unconfirmed'"),
	    1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE id IN (2, 3, 4) AND active = 1 AND email NOT "
	                           "LIKE 'supprime-%'"),
	    3);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM candidates WHERE person_id = 2"), 1);
	/* A day after the second link expired, its account goes too; the recent one waits for its own week. */
	assert_int_equal(jobs_run(fx->db, &fx->cfg, T0 + 2 * 86400, true), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE id = 2 AND active = 0"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE id IN (3, 4) AND active = 1"), 2);
	assert_int_equal(jobs_run(fx->db, &fx->cfg, T0 + 6 * 86400, true), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE id = 3 AND active = 0"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE id = 4 AND active = 1"), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_tick_schedule),
		T(t_past_run_keeps_schedule),
		T(t_refolds_once),
		T(t_new_database),
		T(t_places_agree_with_the_domain),
		T(t_purge_unconfirmed),
	};

	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	return testdb_run("jobs", tests, N_ELEMS(tests), NULL) == 0 ? 0 : 1;
}
