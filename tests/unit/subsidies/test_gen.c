/* Tests of `tremplin gen contracts` (domain/subsidies/gen.c): what it makes holds the subsidies' invariants. Every
 * schedule sums exactly to what the engine gives and stays inside its aid period; each lump sum is its rule's
 * instalments plus its bonus; the rates are the sectors' rows; each approved request holds exactly its month's lines;
 * the bank details pass their checks; a recomputation of everything keeps every total and every held line; the
 * journal chain holds. On SQLite and PostgreSQL. */
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
#include "domain/geo/refdata.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/journal.h"
#include "domain/programmes/programme.h"
#include "domain/subsidies/gen.h"
#include "model/accounts/role.h"
#include "model/kernel/entity.h"
#include "model/subsidies/subsidy.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

static const struct actor operator_actor = { .person_id = 0,
	.email = "ligne de commande",
	.name = "ligne de commande",
	.roles = { { .role = ROLE_ADMIN } },
	.nroles = 1,
	.role_mask = ROLE_BIT(ROLE_ADMIN) };

struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
	struct sub_gen_stats st;
};

/* The one integer of a query. */
static int64_t
one(struct fx *fx, const char *sql)
{
	struct db_rows *r;

	if (db_query(fx->db, fx->a, sql, NULL, 0, &r) != TR_OK)
		fail_msg("%s: %s", sql, db_errmsg(fx->db));
	assert_int_equal(r->nrows, 1);
	return db_isnull(db_cell(r, 0, 0)) ? 0 : db_int(db_cell(r, 0, 0));
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct sub_gen g = { .contracts = 60, .conventions = 80, .requests = 80, .seed = 7 };
	char url[800];
	int64_t n;
	int applied = 0;

	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "g");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	fx->a = arena_new();
	config_defaults(&fx->cfg);
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .actor = NULL, .now = clock_now() };
	assert_int_equal(refdata_seed(&fx->ctx, &n), TR_OK);
	assert_int_equal(programme_seed(&fx->ctx, &n), TR_OK);
	/* Nobody but national reach generates (here: nobody signed in). */
	assert_int_equal(sub_generate(&fx->ctx, &g, &fx->st), TR_UNAUTHORIZED);
	fx->ctx.actor = &operator_actor;
	if (sub_generate(&fx->ctx, &g, &fx->st) != TR_OK)
		fail_msg("sub_generate: %s (%s)", fx->ctx.message ? fx->ctx.message : "?", db_errmsg(fx->db));
	fx->a = fx->ctx.arena;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	if (fx == NULL)
		return 0;
	db_close(fx->db);
	arena_free(fx->ctx.arena);
	free(fx);
	return 0;
}

/* What was asked was made, and the counts agree with the rows. */
static void
t_counts(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fx->st.contracts, 60);
	assert_int_equal(fx->st.conventions, 80);
	assert_int_equal(fx->st.requests, 80);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_decisions"), 60);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM contracts"), 60);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM conventions"), 80);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM convention_posts"), fx->st.posts);
	assert_true(fx->st.posts >= 80 && fx->st.posts <= 240);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM payment_requests WHERE state = 'approved'"), 80);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_periods"), fx->st.periods);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_decisions WHERE ended_on IS NOT NULL"), fx->st.ended);
	assert_true(fx->st.periods > 0 && fx->st.ended > 0 && fx->st.returned > 0);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM schedule_lines WHERE version_to IS NULL"), fx->st.lines);
	assert_int_equal(one(fx, "SELECT COALESCE(SUM(amount_cents), 0) FROM schedule_lines WHERE version_to IS NULL"),
	    fx->st.total_cents);
	/* Every decision and every filled post has a schedule (version 1); a vacant post none. */
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_decisions WHERE schedule_version <> 1"), 0);
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM convention_posts WHERE started_on IS NOT NULL AND schedule_version <> 1"), 0);
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM convention_posts WHERE started_on IS NULL AND schedule_version <> 0"), 0);
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM schedule_lines l JOIN convention_posts cp ON cp.id = l.subject_id "
	            "WHERE l.subject = 'post' AND cp.started_on IS NULL"),
	    0);
}

/* Both programmes' rules as rows: the rate of each decision is its sector's, all three sectors occur; the lump
 * sums use both waves, public and private, and a bonus. */
static void
t_rules(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_decisions d JOIN aid_rules r ON r.id = d.rule_id WHERE "
	                         "r.kind <> 'hourly' OR d.rate_bp <> r.rate_bp"),
	    0);
	assert_int_equal(one(fx, "SELECT COUNT(DISTINCT d.rate_bp) FROM aid_decisions d"), 3);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_decisions WHERE rate_bp NOT IN (7500, 3500, 4700)"), 0);
	assert_true(one(fx, "SELECT COUNT(DISTINCT rule_id) FROM conventions") >= 4);
	assert_true(one(fx, "SELECT COUNT(*) FROM conventions WHERE bonus_id IS NOT NULL") >= 1);
	/* Every employer of a decision or a convention has bank details that pass their checks. */
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM organisations o WHERE o.kind = 'employer' AND NOT EXISTS (SELECT "
	            "1 FROM bank_details b WHERE b.organisation_id = o.id)"),
	    0);
	struct db_rows *r;
	assert_int_equal(db_query(fx->db, fx->a, "SELECT holder, iban, bic FROM bank_details", NULL, 0, &r), TR_OK);
	assert_true(r->nrows > 0);
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *in = json_pack("{s:s, s:s, s:s}", "holder", db_text(db_cell(r, i, 0)), "iban",
		    db_text(db_cell(r, i, 1)), "bic", db_text(db_cell(r, i, 2)));
		json_t *clean = NULL;
		struct field_errors fe = { 0 };
		if (entity_validate(&entity_bank_details, in, false, fx->a, &fe, &clean) != TR_OK)
			fail_msg("%s: %s", db_text(db_cell(r, i, 1)), fe.n ? fe.items[0].message : "?");
		json_decref(in);
		json_decref(clean);
	}
}

/* Each schedule: the lines of an hourly aid fall inside its aid period, one month each; a lump sum is its rule's
 * instalments plus its convention's bonus (within the rule's cap) unless the post was returned. */
static void
t_schedules(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM schedule_lines l JOIN aid_decisions d ON d.id = l.subject_id WHERE "
	            "l.subject = 'aid_decision' AND l.version_to IS NULL AND (l.period_from < d.aid_start OR "
	            "l.period_to > d.aid_end OR l.month <> SUBSTR(l.period_from, 1, 7) OR l.period_to < "
	            "l.period_from)"),
	    0);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM schedule_lines WHERE subject = 'aid_decision' AND version_to IS "
	                         "NULL AND kind = 'aid' AND (amount_cents < 0 OR rate_bp NOT IN (7500, 3500, 4700) OR "
	                         "smic_cents <= 0)"),
	    0);
	/* A decision never ended nor suspended, at full time, is due every month of its aid period. */
	assert_int_equal(
	    one(fx,
	        "SELECT COUNT(*) FROM aid_decisions d WHERE d.ended_on IS NULL AND d.commitments_unmet_on IS NULL AND "
	        "NOT EXISTS (SELECT 1 FROM aid_periods p WHERE p.decision_id = d.id) AND NOT EXISTS (SELECT 1 FROM "
	        "schedule_lines l WHERE l.subject = 'aid_decision' AND l.subject_id = d.id AND l.version_to IS NULL "
	        "AND l.kind = 'aid' AND l.amount_cents > 0)"),
	    0);
	const char *lump =
	    "SELECT COUNT(*) FROM convention_posts cp JOIN conventions cv ON cv.id = cp.convention_id "
	    "JOIN aid_rules r ON r.id = cv.rule_id WHERE cp.started_on IS NOT NULL AND cp.returned_on IS "
	    "NULL AND (SELECT SUM(l.amount_cents) FROM schedule_lines l WHERE l.subject = 'post' AND "
	    "l.subject_id = cp.id AND l.version_to IS NULL) <> (SELECT SUM(i.amount_cents) FROM "
	    "aid_instalments i WHERE i.rule_id = r.id) + COALESCE((SELECT b.amount_cents FROM aid_bonuses b "
	    "WHERE b.id = cv.bonus_id), 0) - CASE WHEN r.cap_cents > 0 AND (SELECT SUM(i.amount_cents) "
	    "FROM aid_instalments i WHERE i.rule_id = r.id) + COALESCE((SELECT b.amount_cents FROM "
	    "aid_bonuses b WHERE b.id = cv.bonus_id), 0) > r.cap_cents THEN (SELECT SUM(i.amount_cents) "
	    "FROM aid_instalments i WHERE i.rule_id = r.id) + COALESCE((SELECT b.amount_cents FROM "
	    "aid_bonuses b WHERE b.id = cv.bonus_id), 0) - r.cap_cents ELSE 0 END";
	assert_int_equal(one(fx, lump), 0);
	assert_true(one(fx, "SELECT COUNT(*) FROM convention_posts WHERE started_on IS NOT NULL AND returned_on IS "
	                    "NULL") > 0);
	/* A returned post never keeps more than an unreturned one of its rule would. */
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM convention_posts cp JOIN conventions cv ON cv.id = "
	            "cp.convention_id WHERE cp.returned_on IS NOT NULL AND (SELECT SUM(l.amount_cents) FROM "
	            "schedule_lines l WHERE l.subject = 'post' AND l.subject_id = cp.id AND l.version_to IS "
	            "NULL) > (SELECT SUM(i.amount_cents) FROM aid_instalments i WHERE i.rule_id = cv.rule_id) "
	            "+ COALESCE((SELECT b.amount_cents FROM aid_bonuses b WHERE b.id = cv.bonus_id), 0)"),
	    0);
}

/* Each approved request holds exactly the lines of its month, and its amount is their sum. */
static void
t_requests(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM payment_requests r WHERE r.amount_cents <= 0 OR r.amount_cents <> "
	            "(SELECT SUM(l.amount_cents) FROM schedule_lines l WHERE l.request_id = r.id) OR EXISTS "
	            "(SELECT 1 FROM schedule_lines l WHERE l.request_id = r.id AND (l.month <> r.month OR "
	            "l.subject_id <> r.subject_id OR l.version_to IS NOT NULL)) OR r.reference <> 'DP-' || "
	            "SUBSTR(CAST(1000000 + r.id AS TEXT), 2)"),
	    0);
	/* No month requested twice; none left free beside a request. */
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM (SELECT subject_id, month FROM payment_requests GROUP BY "
	                         "subject_id, month HAVING COUNT(*) > 1) t"),
	    0);
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM payment_requests r JOIN schedule_lines l ON l.subject = "
	            "'aid_decision' AND l.subject_id = r.subject_id AND l.month = r.month AND l.version_to IS "
	            "NULL AND l.request_id IS NULL"),
	    0);
}

/* Recomputing everything: the engine alone gives the stored totals; stored as new versions, every total and every
 * held line stays, and the journal chain holds. */
static void
t_recompute(void **state)
{
	struct fx *fx = *state;
	struct sub_gen_stats dry, full;
	int64_t held =
	    one(fx, "SELECT COALESCE(SUM(amount_cents), 0) FROM schedule_lines WHERE request_id IS NOT NULL");
	int64_t held_n = one(fx, "SELECT COUNT(*) FROM schedule_lines WHERE request_id IS NOT NULL");
	int64_t checked = 0, bad = 0;
	const char *why = NULL;

	assert_int_equal(sub_recompute_all(&fx->ctx, false, &dry), TR_OK);
	assert_int_equal(dry.contracts, 60);
	assert_int_equal(dry.posts, one(fx, "SELECT COUNT(*) FROM convention_posts WHERE started_on IS NOT NULL"));
	assert_int_equal(dry.total_cents, fx->st.total_cents);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_decisions WHERE schedule_version <> 1"), 0);
	assert_int_equal(sub_recompute_all(&fx->ctx, true, &full), TR_OK);
	assert_int_equal(full.total_cents, fx->st.total_cents);
	assert_int_equal(one(fx, "SELECT COALESCE(SUM(amount_cents), 0) FROM schedule_lines WHERE version_to IS NULL"),
	    fx->st.total_cents);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM aid_decisions WHERE schedule_version <> 2"), 0);
	assert_int_equal(
	    one(fx, "SELECT COALESCE(SUM(amount_cents), 0) FROM schedule_lines WHERE request_id IS NOT NULL "
	            "AND version_to IS NULL"),
	    held);
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM schedule_lines WHERE request_id IS NOT NULL AND version_from = 1 AND "
	            "version_to IS NULL"),
	    held_n);
	/* Nothing changed: no new adjustment, no new recovery. */
	assert_int_equal(
	    one(fx, "SELECT COUNT(*) FROM schedule_lines WHERE version_from = 2 AND kind = 'adjustment'"), 0);
	assert_int_equal(one(fx, "SELECT COUNT(*) FROM recoveries"), fx->st.returned);
	assert_int_equal(journal_verify(fx->db, fx->a, &checked, &bad, &why), TR_OK);
	assert_true(checked > 60 + 80 + 80);
}

/* The data set is made once per engine (the communes' reference data takes a while); the tests read it in order,
 * the recomputation last. */
static int
group_sqlite_setup(void **state)
{
	int r = testdb_sqlite_setup(state);

	return r ? r : setup(state);
}

static int
group_sqlite_teardown(void **state)
{
	teardown(state);
	return testdb_sqlite_teardown(state);
}

static int
group_pg_setup(void **state)
{
	int r = testdb_pg_setup(state);

	return r ? r : setup(state);
}

static int
group_pg_teardown(void **state)
{
	teardown(state);
	return testdb_pg_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_counts),
		cmocka_unit_test(t_rules),
		cmocka_unit_test(t_schedules),
		cmocka_unit_test(t_requests),
		cmocka_unit_test(t_recompute),
	};
	const struct testdb_fixtures fix = { group_sqlite_setup, group_sqlite_teardown, group_pg_setup,
		group_pg_teardown };
	int failed;

	setenv("TZ", "Europe/Paris", 0);
	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	failed = testdb_run("subsidies_gen", tests, N_ELEMS(tests), &fix);
	return failed == 0 ? 0 : 1;
}
