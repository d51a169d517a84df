/* Tests of the SQL built from field tables (record_insert, record_update in domain/kernel/common.h) and of the
 * journal diff, on SQLite (a file per case) and PostgreSQL (TREMPLIN_TEST_PG: this suite's own database). */
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
#include "core/embed.h"
#include "core/log.h"
#include "domain/kernel/common.h"
#include "domain/kernel/ctx.h"
#include "model/accounts/account.h"
#include "model/kernel/entity.h"
#include "model/programmes/programme.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1795514700

struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
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
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .now = T0 };
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

static json_t *
row(struct fx *fx, const char *sql, int64_t id)
{
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_I64(id)), TR_OK);
	return row_json(r, 0);
}

/* Every writable field reaches its column, typed; the caller's columns follow; an update rewrites them all. */
static void
t_insert_update_organisation(void **state)
{
	struct fx *fx = *state;
	json_t *v = json_pack("{s:s, s:s, s:s}", "name", "Les Ateliers", "kind", "association", "rna", "W123456789");
	json_t *got;
	int64_t id = 0, changed = 0, version;

	assert_int_equal(record_insertv(&fx->ctx, &entity_organisation, "organisations", v, "created_at, updated_at",
	                     "?, ?", NULL, &id, DB_I64(T0), DB_I64(T0)),
	    TR_OK);
	assert_true(id > 0);
	got = row(
	    fx, "SELECT name, kind, siret, rna, address, commune_code, version FROM organisations WHERE id = ?", id);
	assert_string_equal(json_string_value(json_object_get(got, "name")), "Les Ateliers");
	assert_string_equal(json_string_value(json_object_get(got, "rna")), "W123456789");
	assert_true(json_is_null(json_object_get(got, "siret")));
	assert_true(json_is_null(json_object_get(got, "address")));
	version = json_integer_value(json_object_get(got, "version"));
	json_decref(got);

	json_object_set_new(v, "address", json_string("1 place de la Mairie"));
	json_object_del(v, "rna");
	assert_int_equal(record_updatev(&fx->ctx, &entity_organisation, "organisations", v,
	                     "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?", &changed,
	                     DB_I64(T0 + 1), DB_I64(id), DB_I64(version)),
	    TR_OK);
	assert_int_equal(changed, 1);
	got = row(fx, "SELECT rna, address, version FROM organisations WHERE id = ?", id);
	assert_true(json_is_null(json_object_get(got, "rna"))); /* a field not sent is written NULL: the whole row */
	assert_string_equal(json_string_value(json_object_get(got, "address")), "1 place de la Mairie");
	assert_int_equal(json_integer_value(json_object_get(got, "version")), version + 1);
	json_decref(got);
	/* A stale version changes nothing. */
	assert_int_equal(record_updatev(&fx->ctx, &entity_organisation, "organisations", v,
	                     "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?", &changed,
	                     DB_I64(T0 + 2), DB_I64(id), DB_I64(version)),
	    TR_OK);
	assert_int_equal(changed, 0);
	json_decref(v);
}

/* Booleans as 0/1, FF_ZERO integers 0 when absent, ON CONFLICT giving TR_NOT_FOUND. */
static void
t_insert_programme_types_and_conflict(void **state)
{
	struct fx *fx = *state;
	json_t *v = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:s, s:b, s:b}", "code", "TEST-1", "name", "Essai",
	    "target_posts", 10, "contract_min_months", 12, "contract_max_months", 36, "weekly_hours", 35,
	    "employer_categories", "association", "requires_tutor", 1, "active", 1);
	json_object_set_new(v, "eligibility", json_string(""));
	json_t *got;
	int64_t id = 0, again = 0;

	assert_int_equal(record_insertv(&fx->ctx, &entity_programme, "programmes", v, "created_at, updated_at", "?, ?",
	                     "ON CONFLICT (code) DO NOTHING", &id, DB_I64(T0), DB_I64(T0)),
	    TR_OK);
	got = row(fx,
	    "SELECT requires_tutor, requires_sponsor, active, budget_euros, training_months, target_posts FROM "
	    "programmes "
	    "WHERE id = ?",
	    id);
	assert_int_equal(json_integer_value(json_object_get(got, "requires_tutor")), 1);
	assert_int_equal(json_integer_value(json_object_get(got, "requires_sponsor")), 0);
	assert_int_equal(json_integer_value(json_object_get(got, "budget_euros")), 0);
	assert_int_equal(json_integer_value(json_object_get(got, "training_months")), 0);
	assert_int_equal(json_integer_value(json_object_get(got, "target_posts")), 10);
	json_decref(got);
	assert_int_equal(record_insertv(&fx->ctx, &entity_programme, "programmes", v, "created_at, updated_at", "?, ?",
	                     "ON CONFLICT (code) DO NOTHING", &again, DB_I64(T0), DB_I64(T0)),
	    TR_NOT_FOUND);
	json_decref(v);
}

/* record_value reads each type, and FF_READONLY fields are never written. */
static void
t_record_value(void **state)
{
	static const struct field f_int = { .name = "n", .type = FT_INT };
	static const struct field f_zero = { .name = "z", .type = FT_INT, .flags = FF_ZERO };
	static const struct field f_bool = { .name = "b", .type = FT_BOOL };
	static const struct field f_text = { .name = "t", .type = FT_TEXT };
	json_t *o = json_pack("{s:s, s:i, s:s}", "n", "42", "b", 1, "t", "x");
	struct db_val v;

	(void)state;
	v = record_value(&f_int, o);
	assert_int_equal(v.type, DBV_INT);
	assert_int_equal(v.i, 42);
	assert_int_equal(record_value(&f_zero, o).type, DBV_INT);
	assert_int_equal(record_value(&f_bool, o).i, 1);
	v = record_value(&f_text, o);
	assert_int_equal(v.type, DBV_TEXT);
	assert_int_equal(v.s.n, 1);
	json_object_set_new(o, "t", json_integer(3));
	assert_int_equal(record_value(&f_text, o).type, DBV_NULL);
	json_object_del(o, "n");
	assert_int_equal(record_value(&f_int, o).type, DBV_NULL);
	json_decref(o);
}

/* The migrations before 0010 (lists as rows), for a database of the older schema. */
static struct embedded_file before_0010[64];

/* setup, on the schema before migration 0010. */
static int
setup_before_0010(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char url[800];
	int applied = 0;
	size_t n = 0;

	for (const struct embedded_file *m = embedded_migrations; m->name != NULL && n + 1 < N_ELEMS(before_0010); m++)
		if (strncmp(m->name, "0010", 4) < 0)
			before_0010[n++] = *m;
	before_0010[n] = (struct embedded_file){ NULL, NULL, 0 };
	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "m");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, before_0010, &applied), TR_OK);
	fx->a = arena_new();
	config_defaults(&fx->cfg);
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .now = T0 };
	*state = fx;
	return 0;
}

/* The '|'-joined text of SQL's rows for ID. */
static const char *
joined(struct fx *fx, const char *sql, int64_t id)
{
	const char *s = NULL;

	assert_int_equal(rows_joined(&fx->ctx, sql, id, &s), TR_OK);
	return s;
}

/* Migration 0010 turns the regions of poles and the wished profiles of candidates into rows, keeping every value
 * and the order the regions were given in; the lists read back as the same text. */
static void
t_migration_0010_keeps_the_lists(void **state)
{
	struct fx *fx = *state;
	int applied = 0;
	json_t *poles;

	assert_int_equal(
	    db_exec_script(fx->db,
	        "INSERT INTO regions (code, name, name_key) VALUES ('11', 'Île-de-France', 'ile de france'), "
	        "('27', 'Bourgogne', 'bourgogne'), ('84', 'Auvergne', 'auvergne');"
	        "INSERT INTO programmes (id, code, name, contract_min_months, contract_max_months, created_at, "
	        "updated_at) VALUES (1, 'P', 'P', 12, 36, 0, 0);"
	        "INSERT INTO job_profiles (id, programme_id, code, title, created_at, updated_at) VALUES "
	        "(3, 1, 'a', 'A', 0, 0), (12, 1, 'b', 'B', 0, 0), (31, 1, 'c', 'C', 0, 0);"
	        "INSERT INTO poles (id, programme_id, code, name, regions, created_at, updated_at) VALUES "
	        "(1, 1, 'n', 'N', '84|11|27', 0, 0), (2, 1, 's', 'S', '27', 0, 0), (3, 1, 'e', 'E', '', 0, 0);"
	        "INSERT INTO people (id, email, name, created_at, updated_at) VALUES (7, 'c@x.fr', 'C', 0, 0), "
	        "(8, 'd@x.fr', 'D', 0, 0);"
	        "INSERT INTO candidates (person_id, wished_profiles, created_at, updated_at) VALUES "
	        "(7, '3|12', 0, 0), (8, '', 0, 0);"),
	    TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	assert_true(applied >= 1);
	assert_string_equal(
	    joined(fx, "SELECT region_code FROM pole_regions WHERE pole_id = ? ORDER BY position", 1), "84|11|27");
	assert_string_equal(
	    joined(fx, "SELECT region_code FROM pole_regions WHERE pole_id = ? ORDER BY position", 2), "27");
	assert_string_equal(
	    joined(fx, "SELECT region_code FROM pole_regions WHERE pole_id = ? ORDER BY position", 3), "");
	assert_string_equal(joined(fx,
	                        "SELECT job_profile_id FROM candidate_wished_profiles WHERE candidate_id = ? ORDER BY "
	                        "job_profile_id",
	                        7),
	    "3|12"); /* not 31: no LIKE on a prefix */
	assert_string_equal(
	    joined(fx, "SELECT job_profile_id FROM candidate_wished_profiles WHERE candidate_id = ?", 8), "");
	/* Every pole's list in one query; a rewrite keeps the new order. */
	poles = json_pack("[{s:i}, {s:i}, {s:i}]", "id", 1, "id", 2, "id", 3);
	assert_int_equal(rows_joined_into(&fx->ctx, poles, "regions",
	                     "SELECT pole_id, region_code FROM pole_regions ORDER BY pole_id, position"),
	    TR_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(poles, 0), "regions")), "84|11|27");
	assert_string_equal(json_string_value(json_object_get(json_array_get(poles, 2), "regions")), "");
	json_decref(poles);
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(
	    rows_replace(&fx->ctx, "DELETE FROM pole_regions WHERE pole_id = ?",
	        "INSERT INTO pole_regions (pole_id, region_code, position) VALUES (?, ?, ?)", 1, "27|84", false),
	    TR_OK);
	assert_int_equal(
	    rows_replace(&fx->ctx, "DELETE FROM candidate_wished_profiles WHERE candidate_id = ?",
	        "INSERT INTO candidate_wished_profiles (candidate_id, job_profile_id) VALUES (?, ?)", 8, "31|3", true),
	    TR_OK);
	assert_int_equal(db_commit(fx->db), TR_OK);
	assert_string_equal(
	    joined(fx, "SELECT region_code FROM pole_regions WHERE pole_id = ? ORDER BY position", 1), "27|84");
	assert_string_equal(joined(fx,
	                        "SELECT job_profile_id FROM candidate_wished_profiles WHERE candidate_id = ? ORDER BY "
	                        "job_profile_id",
	                        8),
	    "3|31");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_insert_update_organisation),
		T(t_insert_programme_types_and_conflict),
		cmocka_unit_test(t_record_value),
		cmocka_unit_test_setup_teardown(t_migration_0010_keeps_the_lists, setup_before_0010, teardown),
	};
	int failed;

	log_set_level(LOG_WARN);
	failed = testdb_run("record", tests, N_ELEMS(tests), NULL);
	return failed == 0 ? 0 : 1;
}
