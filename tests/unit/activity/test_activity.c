/* Tests of domain/activity, on SQLite and PostgreSQL: the rollups equal their recomputation from the raw reports
 * after a random mix of entries, edits, deletions and imports (property test), and a tampered rollup is found; a
 * batch with one bad line writes nothing and names it; the same batch twice changes nothing; percentages by largest
 * remainder sum to 100; the statistics read the rollups in the actor's scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/embed.h"
#include "core/log.h"
#include "core/time.h"
#include "domain/activity/activity.h"
#include "domain/activity/activity_stats.h"
#include "domain/kernel/ctx.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define T0 1795514700 /* 2026-11-24T10:05:00Z */
#define ADVISERS 3

struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct actor advisers[ADVISERS];
	unsigned seed;
};

static const char *const communes[] = { "26362", "26108", "69123", "75056" };

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char url[800];
	int applied = 0;

	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "a");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	fx->a = arena_new();
	assert_int_equal(
	    db_exec_script(fx->db,
	        "INSERT INTO regions (code, name, name_key) VALUES ('84', 'Auvergne-Rhône-Alpes', 'auvergne'), ('11', "
	        "'Île-de-France', 'ile');"
	        "INSERT INTO departements (code, region_code, name, name_key) VALUES ('75', '11', 'Paris', 'paris');"
	        "INSERT INTO communes (code, name, name_key, departement_code, region_code) VALUES ('75056', 'Paris', "
	        "'paris', '75', '11');"
	        "INSERT INTO departements (code, region_code, name, name_key) VALUES ('26', '84', 'Drôme', 'drome'), "
	        "('69', '84', 'Rhône', 'rhone');"
	        "INSERT INTO communes (code, name, name_key, departement_code, region_code) VALUES ('26362', "
	        "'Valence', "
	        "'valence', '26', '84'), ('26108', 'Crest', 'crest', '26', '84'), ('69123', 'Lyon', 'lyon', '69', "
	        "'84');"
	        "INSERT INTO organisations (name, kind, commune_code, created_at, updated_at) VALUES ('S1', "
	        "'employer', "
	        "'26108', 0, 0), ('S2', 'employer', '69123', 0, 0);"
	        "INSERT INTO people (email, name, created_at, updated_at) VALUES ('a1@x.fr', 'A1', 0, 0), ('a2@x.fr', "
	        "'A2', 0, 0), ('a3@x.fr', 'A3', 0, 0), ('n@x.fr', 'N', 0, 0), ('p@x.fr', 'P', 0, 0);"
	        "INSERT INTO memberships (person_id, role, created_at) SELECT id, 'pole', 0 FROM people WHERE email = "
	        "'p@x.fr';"
	        "INSERT INTO membership_regions (membership_id, region_code) SELECT id, '11' FROM memberships WHERE "
	        "role = 'pole';"),
	    TR_OK);
	for (int i = 0; i < ADVISERS; i++) {
		struct db_rows *r;
		assert_int_equal(db_onev(fx->db, fx->a, "SELECT id FROM people WHERE email = ?", &r,
		                     DB_TEXT(i == 0   ? "a1@x.fr"
		                             : i == 1 ? "a2@x.fr"
		                                      : "a3@x.fr")),
		    TR_OK);
		fx->advisers[i].person_id = db_int(db_cell(r, 0, 0));
		fx->advisers[i].roles[0].role = ROLE_CANDIDATE;
		fx->advisers[i].nroles = 1;
		fx->advisers[i].role_mask = ROLE_BIT(ROLE_CANDIDATE);
		fx->advisers[i].name = i == 0 ? "A1" : i == 1 ? "A2" : "A3";
		fx->advisers[i].email = i == 0 ? "a1@x.fr" : i == 1 ? "a2@x.fr" : "a3@x.fr";
		assert_int_equal(db_execv(fx->db,
		                     "INSERT INTO activity_mediators (organisation_id, person_id, since_on, "
		                     "created_at) VALUES ((SELECT "
		                     "id FROM organisations WHERE name = ?), ?, '2026-01-01', 0)",
		                     NULL, DB_TEXT(i == 2 ? "S2" : "S1"), DB_I64(fx->advisers[i].person_id)),
		    TR_OK);
	}
	config_defaults(&fx->cfg);
	fx->seed = 12345;
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

static struct ctx
ctx_of(struct fx *fx, const struct actor *who)
{
	struct ctx c = { .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .actor = who, .now = T0 };
	return c;
}

static int
rnd(struct fx *fx, int n)
{
	return (int)(rand_r(&fx->seed) % (unsigned)n);
}

static const char *const themes[] = { "email", "sante", "bureautique", "logement", "securite_numerique" };
static const char *const places[] = { "lieu_activite", "domicile", "a_distance", "autre" };
static const char *const ages[] = { "moins_12", "18_24", "40_59", "70_plus" };

/* A random valid report (with SOURCE_ID when not NULL). */
static json_t *
random_report(struct fx *fx, const char *source_id)
{
	int p = 1 + rnd(fx, 12), f = rnd(fx, p + 1), a = rnd(fx, p + 1);
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:{s:i, s:i}, s:{s:i, s:i}, s:[s, s], s:s}", "session_on",
	        date_iso(fx->a, T0 - 86400 * (int64_t)rnd(fx, 80)), "type", rnd(fx, 3) ? "individuel" : "collectif",
	        "place_kind", places[rnd(fx, 4)], "commune_code", communes[rnd(fx, (int)N_ELEMS(communes))],
	        "duration_min", 15 * (1 + rnd(fx, 12)), "participants", p, "already", rnd(fx, p + 1), "genders",
	        "feminin", f, "masculin", p - f, "ages", ages[rnd(fx, 4)], a, "non_communique", p - a, "themes",
	        themes[rnd(fx, 5)], themes[rnd(fx, 5)], "equipment", rnd(fx, 2) ? "ordinateur|telephone" : "tablette");
	if (strcmp(json_string_value(json_array_get(json_object_get(o, "themes"), 0)),
	        json_string_value(json_array_get(json_object_get(o, "themes"), 1))) == 0)
		json_array_remove(json_object_get(o, "themes"), 1);
	if (rnd(fx, 2))
		json_object_set_new(o, "autonomy", json_string("autonome"));
	if (rnd(fx, 3) == 0)
		json_object_set_new(o, "followups", json_string("redirige"));
	if (source_id)
		json_object_set_new(o, "source_id", json_string(source_id));
	return o;
}

static void
assert_verified(struct fx *fx)
{
	struct ctx c = ctx_of(fx, NULL);
	json_t *out = NULL;

	assert_int_equal(activity_verify(&c, &out), TR_OK);
	if (json_integer_value(json_object_get(out, "ndifferences")) != 0) {
		char *s = json_dumps(out, JSON_INDENT(1));
		fail_msg("rollups differ: %s", s);
	}
	json_decref(out);
}

static int64_t
count(struct fx *fx, const char *sql)
{
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_I64(1)), TR_OK);
	return db_int(db_cell(r, 0, 0));
}

/* One random batch of N lines from ADVISER's tool, some lines sent before; as NDJSON into B. */
static void
random_batch(struct fx *fx, int n, int *next_sid, struct buf *b)
{
	buf_reset(b);
	for (int i = 0; i < n; i++) {
		int sid = *next_sid > 0 && rnd(fx, 4) == 0 ? rnd(fx, *next_sid) : (*next_sid)++;
		json_t *o = random_report(fx, arena_printf(fx->a, "tool-%d", sid));
		char *s;
		json_object_set_new(o, "adviser_id", json_integer(fx->advisers[rnd(fx, ADVISERS)].person_id));
		s = json_dumps(o, JSON_COMPACT);
		assert_int_equal(buf_puts(b, s), TR_OK);
		assert_int_equal(buf_putc(b, '\n'), TR_OK);
		free(s);
		json_decref(o);
	}
}

/* A random mix of entries, edits, deletions and imports keeps the rollups equal to the raw recomputation. */
static void
t_rollups_follow_every_write(void **state)
{
	struct fx *fx = *state;
	struct buf b = BUF_INIT(1 << 20);
	int next_sid = 0, ops[4] = { 0 };
	int64_t first = 0;

	for (int step = 0; step < 160; step++) {
		int k = rnd(fx, ADVISERS), op = rnd(fx, 4);
		struct ctx c = ctx_of(fx, &fx->advisers[k]);
		struct db_rows *r;
		json_t *in, *out = NULL;
		int64_t id;

		if (op == 0) {
			in = random_report(fx, NULL);
			assert_int_equal(activity_create(&c, in, &id), TR_OK);
			json_decref(in);
		} else if (op == 1 || op == 2) {
			if (db_onev(fx->db, fx->a,
			        "SELECT id, version FROM activity_reports WHERE adviser_id = ? AND deleted_at IS NULL "
			        "ORDER BY "
			        "id DESC LIMIT 1 OFFSET ?",
			        &r, DB_I64(fx->advisers[k].person_id), DB_I64(rnd(fx, 3))) != TR_OK)
				continue;
			if (op == 1) {
				in = random_report(fx, NULL);
				assert_int_equal(
				    activity_update(&c, db_int(db_cell(r, 0, 0)), db_int(db_cell(r, 0, 1)), in), TR_OK);
				json_decref(in);
			} else {
				assert_int_equal(
				    activity_delete(&c, db_int(db_cell(r, 0, 0)), db_int(db_cell(r, 0, 1))), TR_OK);
			}
		} else {
			struct ctx sys = ctx_of(fx, NULL);
			random_batch(fx, 1 + rnd(fx, 20), &next_sid, &b);
			tr_err e = activity_ingest(&sys, "api", buf_str(&b).p, buf_str(&b).n, false, &out);
			if (e != TR_OK)
				fail_msg("ingest: %d %s %s", e, sys.message ? sys.message : "",
				    out ? json_dumps(out, 0) : "");
			assert_int_equal(json_integer_value(json_object_get(out, "rejected")), 0);
			json_decref(out);
		}
		ops[op]++;
		if (step % 40 == 39)
			assert_verified(fx);
	}
	assert_verified(fx);
	for (int i = 0; i < 4; i++)
		assert_true(ops[i] > 10);
	assert_true(count(fx, "SELECT COUNT(*) FROM activity_reports WHERE deleted_at IS NOT NULL AND 1 = ?") > 0);
	assert_int_equal(count(fx, "SELECT SUM(reports) FROM activity_rollup WHERE 1 = ?"),
	    count(fx, "SELECT COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND 1 = ?"));
	/* The check is not blind: one rollup cell moved by hand is found. */
	assert_int_equal(db_execv(fx->db,
	                     "UPDATE activity_rollup_counts SET n = n + 1 WHERE 1 = ? AND dim = 'theme' AND code = "
	                     "(SELECT MIN(code) "
	                     "FROM activity_rollup_counts WHERE dim = 'theme')",
	                     NULL, DB_I64(1)),
	    TR_OK);
	{
		struct ctx c = ctx_of(fx, NULL);
		json_t *out = NULL;
		assert_int_equal(activity_verify(&c, &out), TR_OK);
		first = json_integer_value(json_object_get(out, "ndifferences"));
		assert_true(first > 0);
		json_decref(out);
	}
	/* Put back: none again. */
	assert_int_equal(db_execv(fx->db,
	                     "UPDATE activity_rollup_counts SET n = n - 1 WHERE 1 = ? AND dim = 'theme' AND code = "
	                     "(SELECT MIN(code) FROM activity_rollup_counts WHERE dim = 'theme')",
	                     NULL, DB_I64(1)),
	    TR_OK);
	assert_verified(fx);
	first = 0;
	/* And so is one row of every other level's tables, each named. */
	{
		/* Each moves one row: the first of the table in its key's order. */
		static const struct {
			const char *table, *set, *key;
		} tamper[] = {
			{ "activity_rollup_national", "minutes = minutes + 1", "day, type" },
			{ "activity_rollup_national_counts", "n = n + 1", "day, type, dim, code" },
			{ "activity_rollup_dep", "participants = participants + 1",
			    "departement_code, day, type, org_departement_code" },
			{ "activity_rollup_dep_counts", "n = n + 2",
			    "departement_code, day, type, org_departement_code, dim, code" },
			{ "activity_rollup_region", "reports = reports + 1",
			    "day, type, region_code, org_region_code" },
			{ "activity_rollup_national_month", "already = already + 1", "month, type" },
			{ "activity_rollup_national_month_counts", "n = n + 1", "month, type, dim, code" },
			{ "activity_rollup_region_month", "minutes = minutes + 1",
			    "month, type, region_code, org_region_code" },
		};
		int64_t raw = count(fx, "SELECT COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND 1 = ?");
		/* Before: every level adds up to the raw reports. */
		assert_int_equal(count(fx, "SELECT SUM(reports) FROM activity_rollup_dep WHERE 1 = ?"), raw);
		assert_int_equal(count(fx, "SELECT SUM(reports) FROM activity_rollup_region WHERE 1 = ?"), raw);
		assert_int_equal(count(fx, "SELECT SUM(reports) FROM activity_rollup_national WHERE 1 = ?"), raw);
		assert_int_equal(count(fx, "SELECT SUM(reports) FROM activity_rollup_national_month WHERE 1 = ?"), raw);
		assert_int_equal(count(fx, "SELECT SUM(reports) FROM activity_rollup_region_month WHERE 1 = ?"), raw);
		for (size_t t = 0; t < sizeof(tamper) / sizeof(tamper[0]); t++) {
			struct ctx c = ctx_of(fx, NULL);
			json_t *out = NULL, *d;
			size_t i;
			bool named = false;
			int64_t changed = 0;
			assert_int_equal(
			    db_execv(fx->db,
			        arena_printf(fx->a,
			            "UPDATE %s SET %s WHERE 1 = ? AND (%s) IN (SELECT %s FROM %s ORDER BY %s LIMIT 1)",
			            tamper[t].table, tamper[t].set, tamper[t].key, tamper[t].key, tamper[t].table,
			            tamper[t].key),
			        &changed, DB_I64(1)),
			    TR_OK);
			assert_int_equal(changed, 1);
			assert_int_equal(activity_verify(&c, &out), TR_OK);
			assert_int_equal(
			    json_integer_value(json_object_get(out, "ndifferences")), first + 1 + (int64_t)t);
			json_array_foreach(json_object_get(out, "differences"), i, d) named |=
			    strcmp(json_string_value(json_object_get(d, "table")), tamper[t].table) == 0;
			if (!named)
				fail_msg("%s not named: %s", tamper[t].table, json_dumps(out, 0));
			json_decref(out);
		}
	}
	buf_free(&b);
}

/* One bad line: nothing written, the line and field named; with partial, the good lines go in. The same batch twice
 * changes nothing. */
static void
t_batch_all_or_nothing_and_idempotent(void **state)
{
	struct fx *fx = *state;
	struct ctx c = ctx_of(fx, &fx->advisers[0]);
	struct buf b = BUF_INIT(1 << 20);
	json_t *o, *out = NULL, *e;
	char *s;

	for (int i = 0; i < 3; i++) {
		o = random_report(fx, arena_printf(fx->a, "b-%d", i));
		if (i == 1)
			json_object_set_new(o, "duration_min", json_integer(600));
		s = json_dumps(o, JSON_COMPACT);
		assert_int_equal(buf_puts(&b, s), TR_OK);
		assert_int_equal(buf_putc(&b, '\n'), TR_OK);
		free(s);
		json_decref(o);
	}
	assert_int_equal(activity_ingest(&c, "api", buf_str(&b).p, buf_str(&b).n, false, &out), TR_INVALID);
	assert_int_equal(json_integer_value(json_object_get(out, "rejected")), 1);
	e = json_array_get(json_object_get(out, "errors"), 0);
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 2);
	assert_string_equal(json_string_value(json_object_get(e, "field")), "duration_min");
	assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "Durée"));
	json_decref(out);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_reports WHERE 1 = ?"), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_rollup WHERE 1 = ?"), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_batches WHERE 1 = ?"), 0);

	c = ctx_of(fx, &fx->advisers[0]);
	assert_int_equal(activity_ingest(&c, "api", buf_str(&b).p, buf_str(&b).n, true, &out), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "inserted")), 2);
	json_decref(out);
	c = ctx_of(fx, &fx->advisers[0]);
	assert_int_equal(activity_ingest(&c, "api", buf_str(&b).p, buf_str(&b).n, true, &out), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "inserted")), 0);
	assert_int_equal(json_integer_value(json_object_get(out, "unchanged")), 2);
	json_decref(out);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_reports WHERE 1 = ?"), 2);
	assert_int_equal(count(fx, "SELECT SUM(reports) FROM activity_rollup WHERE 1 = ?"), 2);
	/* Each batch is one journal entry with the SHA-256 of its content. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal WHERE entity = 'activity_batch' AND 1 = ?"), 2);
	/* One source id twice in a batch (a new one, then one stored already, each twice): the first line of the new one
	 * is written, the others change nothing. */
	buf_reset(&b);
	for (int i = 0; i < 4; i++) {
		o = random_report(fx, i < 2 ? "b-twice" : "b-0");
		s = json_dumps(o, JSON_COMPACT);
		assert_int_equal(buf_puts(&b, s), TR_OK);
		assert_int_equal(buf_putc(&b, '\n'), TR_OK);
		free(s);
		json_decref(o);
	}
	c = ctx_of(fx, &fx->advisers[0]);
	assert_int_equal(activity_ingest(&c, "api", buf_str(&b).p, buf_str(&b).n, false, &out), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "inserted")), 1);
	assert_int_equal(json_integer_value(json_object_get(out, "unchanged")), 3);
	json_decref(out);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_reports WHERE source_id = 'b-twice' AND 1 = ?"), 1);
	assert_verified(fx);
	buf_free(&b);
}

/* Breakdowns must sum to the participants; already accompanied ≤ participants; no future date; an unknown code is
 * named. */
static void
t_checks_name_the_field(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *member, *json, *field;
	} cases[] = {
		{ "genders", "{\"feminin\": 1}", "genders" },
		{ "already", "99", "already" },
		{ "session_on", "\"2031-01-01\"", "session_on" },
		{ "themes", "[\"cuisine\"]", "themes" },
		{ "type", "\"ponctuel\"", "type" }, /* retired after 2024-10-31 */
		{ "commune_code", "\"99999\"", "commune_code" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct ctx c = ctx_of(fx, &fx->advisers[0]);
		json_t *in = random_report(fx, NULL);
		int64_t id = 0;
		json_object_set_new(in, "participants", json_integer(3));
		json_object_set_new(in, "already", json_integer(0));
		json_object_del(in, "genders");
		json_object_del(in, "ages");
		json_object_set_new(in, cases[i].member, json_loads(cases[i].json, JSON_DECODE_ANY, NULL));
		assert_int_equal(activity_create(&c, in, &id), TR_INVALID);
		if (field_errors_get(&c.errors, cases[i].field) == NULL)
			fail_msg("case %zu: no error on %s", i, cases[i].field);
		json_decref(in);
	}
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_reports WHERE 1 = ?"), 0);
}

/* A code is marked in use by the first report naming it, and is never deleted then; one never used can be. */
static void
t_codes_in_use_are_kept(void **state)
{
	struct fx *fx = *state;
	struct actor national = {
		.person_id = 1, .name = "N", .email = "n@x.fr", .nroles = 1, .role_mask = ROLE_BIT(ROLE_NATIONAL)
	};
	struct ctx c;
	json_t *in, *label;
	int64_t id;

	national.roles[0].role = ROLE_NATIONAL;
	c = ctx_of(fx, &national);
	label = json_pack("{s:s}", "label", "Essai");
	assert_int_equal(activity_vocab_put(&c, "theme", "essai", label), TR_OK);
	c = ctx_of(fx, &national);
	assert_int_equal(activity_vocab_put(&c, "theme", "jamais", label), TR_OK);
	json_decref(label);
	assert_int_equal(
	    count(fx, "SELECT in_use FROM activity_vocab WHERE family = 'theme' AND code = 'essai' AND 1 = ?"), 0);
	c = ctx_of(fx, &fx->advisers[0]);
	in = random_report(fx, NULL);
	json_object_set_new(in, "themes", json_string("essai"));
	assert_int_equal(activity_create(&c, in, &id), TR_OK);
	json_decref(in);
	assert_int_equal(
	    count(fx, "SELECT in_use FROM activity_vocab WHERE family = 'theme' AND code = 'essai' AND 1 = ?"), 1);
	assert_int_equal(
	    count(fx, "SELECT in_use FROM activity_vocab WHERE family = 'type' AND code = 'individuel' AND 1 = ?") +
	        count(fx, "SELECT in_use FROM activity_vocab WHERE family = 'type' AND code = 'collectif' AND 1 = ?"),
	    1);
	c = ctx_of(fx, &national);
	assert_int_equal(activity_vocab_retire(&c, "theme", "essai", NULL, true), TR_CONFLICT);
	c = ctx_of(fx, &national);
	assert_int_equal(activity_vocab_retire(&c, "theme", "jamais", NULL, true), TR_OK);
	c = ctx_of(fx, &national);
	assert_int_equal(activity_vocab_retire(&c, "theme", "essai", "2026-11-01", false), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM activity_vocab WHERE family = 'theme' AND code = 'essai' AND "
	                           "valid_to = '2026-11-01' AND 1 = ?"),
	    1);
	/* An adviser may not. */
	c = ctx_of(fx, &fx->advisers[0]);
	assert_int_equal(activity_vocab_retire(&c, "theme", "email", NULL, false), TR_FORBIDDEN);
}

/* The reminder job emails each adviser silent for 30 and 45 days once per threshold and last report. */
static void
t_reminders_once(void **state)
{
	struct fx *fx = *state;
	struct ctx c = ctx_of(fx, &fx->advisers[0]);
	json_t *in = random_report(fx, NULL);
	int64_t id, n = 0;

	json_object_set_new(in, "session_on", json_string("2026-11-20"));
	assert_int_equal(activity_create(&c, in, &id), TR_OK);
	json_decref(in);
	c = ctx_of(fx, NULL);
	assert_int_equal(activity_remind(&c, &n), TR_OK);
	/* On T0 (2026-11-24): advisers 2 and 3 never reported since 2026-01-01, adviser 1 did four days ago. */
	assert_int_equal(n, 2);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox WHERE 1 = ?"), 2);
	c = ctx_of(fx, NULL);
	assert_int_equal(activity_remind(&c, &n), TR_OK);
	assert_int_equal(n, 0);
	/* 31 days later adviser 1 is reminded once (30 days), 15 days later again (45 days), then no more. */
	c = ctx_of(fx, NULL);
	c.now = T0 + 27 * 86400;
	assert_int_equal(activity_remind(&c, &n), TR_OK);
	assert_int_equal(n, 1);
	c.now = T0 + 42 * 86400;
	assert_int_equal(activity_remind(&c, &n), TR_OK);
	assert_int_equal(n, 1);
	c.now = T0 + 60 * 86400;
	assert_int_equal(activity_remind(&c, &n), TR_OK);
	assert_int_equal(n, 0);
}

static void
t_largest_remainder(void **state)
{
	unsigned seed = 7;
	(void)state;

	for (int round = 0; round < 2000; round++) {
		int64_t n[12], pct[12], sum = 0, total = 0;
		size_t k = 1 + rand_r(&seed) % 12;
		for (size_t i = 0; i < k; i++) {
			n[i] = rand_r(&seed) % 4 == 0 ? 0 : rand_r(&seed) % 1000;
			total += n[i];
		}
		activity_largest_remainder(n, k, pct);
		for (size_t i = 0; i < k; i++) {
			sum += pct[i];
			/* Each is its exact share rounded down or up. */
			if (total)
				assert_true(
				    pct[i] * total <= 100 * n[i] + total && pct[i] * total >= 100 * n[i] - total);
		}
		assert_int_equal(sum, total ? 100 : 0);
	}
	{
		int64_t n[3] = { 1, 1, 1 }, pct[3];
		activity_largest_remainder(n, 3, pct);
		assert_int_equal(pct[0], 34);
		assert_int_equal(pct[1], 33);
		assert_int_equal(pct[2], 33);
	}
}

/* The statistics read the rollups; an adviser sees only their own figures. */
static void
t_stats_in_scope(void **state)
{
	struct fx *fx = *state;
	struct buf b = BUF_INIT(1 << 20);
	struct ctx c = ctx_of(fx, NULL);
	struct actor national = { 0 };
	struct activity_query q = { .level = "national" };
	json_t *out = NULL, *sh, *it;
	int next = 0;
	size_t i, j;
	int64_t all, own;

	random_batch(fx, 60, &next, &b);
	assert_int_equal(activity_ingest(&c, "api", buf_str(&b).p, buf_str(&b).n, false, &out), TR_OK);
	json_decref(out);
	national.person_id = count(fx, "SELECT id FROM people WHERE email = 'n@x.fr' AND 1 = ?");
	national.roles[0].role = ROLE_NATIONAL;
	national.nroles = 1;
	national.name = "N";
	national.email = "n@x.fr";
	national.role_mask = ROLE_BIT(ROLE_NATIONAL);
	c = ctx_of(fx, &national);
	assert_int_equal(activity_stats(&c, &q, &out), TR_OK);
	all = json_integer_value(
	    json_object_get(json_object_get(json_object_get(out, "periods"), "current"), "sessions"));
	assert_int_equal(all, count(fx, "SELECT COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND 1 = ?"));
	sh = json_object_get(out, "shares");
	json_array_foreach(sh, i, it)
	{
		int64_t sum = 0;
		json_t *x;
		json_array_foreach(json_object_get(it, "items"), j, x) sum +=
		    json_integer_value(json_object_get(x, "pct"));
		assert_int_equal(sum, json_integer_value(json_object_get(it, "total")) ? 100 : 0);
	}
	json_decref(out);
	c = ctx_of(fx, &fx->advisers[1]);
	assert_int_equal(activity_stats(&c, &q, &out), TR_OK);
	own = json_integer_value(
	    json_object_get(json_object_get(json_object_get(out, "periods"), "current"), "sessions"));
	assert_int_equal(
	    own, count(fx, arena_printf(fx->a,
	                       "SELECT COUNT(*) FROM activity_reports WHERE deleted_at IS NULL AND adviser_id = "
	                       "%lld AND 1 = ?",
	                       (long long)fx->advisers[1].person_id)));
	assert_true(own < all);
	json_decref(out);
	buf_free(&b);
}

/* The figures of Q for WHO: sessions, accompaniments, hours, and the totals of the place (sessions) and gender
 * (participants) shares. */
static void
figures_of(struct fx *fx, const struct actor *who, struct activity_query q, int64_t out[5])
{
	struct ctx c = ctx_of(fx, who);
	json_t *o = NULL, *cur, *it;
	size_t i;

	assert_int_equal(activity_stats(&c, &q, &o), TR_OK);
	cur = json_object_get(json_object_get(o, "periods"), "current");
	out[0] = json_integer_value(json_object_get(cur, "sessions"));
	out[1] = json_integer_value(json_object_get(cur, "accompaniments"));
	out[2] = json_integer_value(json_object_get(cur, "hours"));
	out[3] = out[4] = -1;
	json_array_foreach(json_object_get(o, "shares"), i, it)
	{
		if (strcmp(json_string_value(json_object_get(it, "family")), "place") == 0)
			out[3] = json_integer_value(json_object_get(it, "total"));
		if (strcmp(json_string_value(json_object_get(it, "family")), "gender") == 0)
			out[4] = json_integer_value(json_object_get(it, "total"));
	}
	json_decref(o);
}

/* The same figures from the raw reports matching WHERE. */
static void
raw_figures(struct fx *fx, const char *where, int64_t out[5])
{
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a,
	                     arena_printf(fx->a,
	                         "SELECT COUNT(*), COALESCE(SUM(participants), 0), COALESCE(SUM(duration_min), 0) FROM "
	                         "activity_reports WHERE deleted_at IS NULL AND 1 = ? AND %s",
	                         where),
	                     &r, DB_I64(1)),
	    TR_OK);
	out[0] = db_int(db_cell(r, 0, 0));
	out[1] = db_int(db_cell(r, 0, 1));
	out[2] = (db_int(db_cell(r, 0, 2)) + 30) / 60;
	out[3] = out[0];
	out[4] = out[1];
}

/* Every level of the rollups gives the raw figures: national (national level), régions and départements, either
 * side (département level), a structure (adviser level); a pole officer reads the département level through its
 * scope; the territory tables add up. */
static void
t_levels_agree(void **state)
{
	struct fx *fx = *state;
	struct buf b = BUF_INIT(1 << 20);
	struct ctx c = ctx_of(fx, NULL);
	const char *pole_regions[] = { "11" };
	struct actor national = { .name = "N", .email = "n@x.fr", .nroles = 1, .role_mask = ROLE_BIT(ROLE_NATIONAL) };
	struct actor pole = { .name = "P", .email = "p@x.fr", .nroles = 1, .role_mask = ROLE_BIT(ROLE_POLE) };
	static const struct {
		const char *level, *code, *side, *where, *from, *to;
	} cases[] = {
		{ "national", NULL, NULL, "1 = 1", NULL, NULL },
		/* Whole months only, days only, days around whole months. */
		{ "national", NULL, NULL, "session_on >= '2026-10-01' AND session_on <= '2026-10-31'", "2026-10-01",
		    "2026-10-31" },
		{ "national", NULL, NULL, "session_on >= '2026-09-15' AND session_on <= '2026-10-10'", "2026-09-15",
		    "2026-10-10" },
		{ "national", NULL, NULL, "session_on >= '2026-09-20' AND session_on <= '2026-11-03'", "2026-09-20",
		    "2026-11-03" },
		{ "region", "84", NULL, "region_code = '84'", NULL, NULL },
		{ "region", "11", NULL, "region_code = '11'", NULL, NULL },
		{ "region", "84", "employer", "org_region_code = '84'", NULL, NULL },
		{ "departement", "26", NULL, "departement_code = '26'", NULL, NULL },
		{ "departement", "75", NULL, "departement_code = '75'", NULL, NULL },
		{ "departement", "69", "employer", "org_departement_code = '69'", NULL, NULL },
		{ "structure", NULL, NULL, "organisation_id = (SELECT id FROM organisations WHERE name = 'S1')", NULL,
		    NULL },
	};
	json_t *out = NULL, *it;
	int next = 0;
	int64_t got[5], want[5], sum = 0, esum = 0;
	size_t i;

	national.roles[0].role = ROLE_NATIONAL;
	national.person_id = count(fx, "SELECT id FROM people WHERE email = 'n@x.fr' AND 1 = ?");
	pole.roles[0] = (struct actor_role){ .role = ROLE_POLE, .regions = pole_regions, .nregions = 1 };
	pole.person_id = count(fx, "SELECT id FROM people WHERE email = 'p@x.fr' AND 1 = ?");
	for (int k = 0; k < 3; k++) {
		random_batch(fx, 40, &next, &b);
		assert_int_equal(activity_ingest(&c, "api", buf_str(&b).p, buf_str(&b).n, false, &out), TR_OK);
		json_decref(out);
	}
	/* A deletion moves every level. */
	c = ctx_of(fx, &fx->advisers[0]);
	assert_int_equal(
	    activity_delete(&c,
	        count(fx, arena_printf(fx->a, "SELECT MAX(id) FROM activity_reports WHERE adviser_id = %lld AND 1 = ?",
	                      (long long)fx->advisers[0].person_id)),
	        1),
	    TR_OK);
	for (i = 0; i < N_ELEMS(cases); i++) {
		struct activity_query q = { .level = cases[i].level,
			.code = cases[i].code,
			.side = cases[i].side,
			.from = cases[i].from,
			.to = cases[i].to };
		if (strcmp(cases[i].level, "structure") == 0)
			q.id = count(fx, "SELECT id FROM organisations WHERE name = 'S1' AND 1 = ?");
		figures_of(fx, &national, q, got);
		raw_figures(fx, cases[i].where, want);
		assert_true(want[0] > 0);
		for (int k = 0; k < 5; k++)
			if (got[k] != want[k])
				fail_msg("%s %s %s: figure %d is %lld, raw %lld", cases[i].level,
				    cases[i].code ? cases[i].code : "", cases[i].side ? cases[i].side : "", k,
				    (long long)got[k], (long long)want[k]);
	}
	/* The pole officer of Île-de-France: the sessions there, or of a structure there (none). */
	figures_of(fx, &pole, (struct activity_query){ .level = "national" }, got);
	raw_figures(fx, "(region_code = '11' OR org_region_code = '11')", want);
	assert_memory_equal(got, want, sizeof(got));
	figures_of(fx, &pole, (struct activity_query){ .level = "departement", .code = "26" }, got);
	assert_int_equal(got[0], 0);
	/* The national table of régions adds up to the national figure, on each side. */
	c = ctx_of(fx, &national);
	assert_int_equal(activity_stats(&c, &(struct activity_query){ .level = "national" }, &out), TR_OK);
	json_array_foreach(json_object_get(json_object_get(out, "territories"), "items"), i, it)
	{
		sum += json_integer_value(json_object_get(it, "sessions"));
		esum += json_integer_value(json_object_get(it, "employer_sessions"));
	}
	raw_figures(fx, "1 = 1", want);
	assert_int_equal(sum, want[0]);
	assert_int_equal(esum, want[0]);
	assert_true(json_array_size(json_object_get(json_object_get(out, "territories"), "items")) == 2);
	json_decref(out);
	assert_verified(fx);
	buf_free(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_rollups_follow_every_write),
		T(t_batch_all_or_nothing_and_idempotent),
		T(t_checks_name_the_field),
		T(t_stats_in_scope),
		T(t_levels_agree),
		T(t_codes_in_use_are_kept),
		T(t_reminders_once),
		cmocka_unit_test(t_largest_remainder),
	};

	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	return testdb_run("activity", tests, N_ELEMS(tests), NULL) == 0 ? 0 : 1;
}
