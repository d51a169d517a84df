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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_insert_update_organisation),
		T(t_insert_programme_types_and_conflict),
		cmocka_unit_test(t_record_value),
	};
	int failed;

	log_set_level(LOG_WARN);
	failed = testdb_run("record", tests, N_ELEMS(tests), NULL);
	return failed == 0 ? 0 : 1;
}
