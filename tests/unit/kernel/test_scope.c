/* Tests of domain/kernel/scope: one table of rules gives the list filter and the one-row check, and both agree for
 * every actor and row; the list helper's count, sorts and cap; the row lock. On SQLite and PostgreSQL. */
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
#include "domain/accounts/session.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/scope.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define T0 1795514700

struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
};

/* Two regions, three organisations (A and C in Crest, region 84; B in Paris, 11), four people: an admin, staff of
 * A, a regional officer of 84 (a region as a row of membership_regions), a candidate. */
static const char *const fixture_sql[] = {
	"INSERT INTO regions (code, name, name_key) VALUES ('84', 'Auvergne-Rhône-Alpes', 'auvergne rhone alpes'), "
	"('11', 'Île-de-France', 'ile de france')",
	"INSERT INTO departements (code, region_code, name, name_key) VALUES ('26', '84', 'Drôme', 'drome'), ('75', "
	"'11', 'Paris', 'paris')",
	"INSERT INTO communes (code, name, name_key, departement_code, region_code) VALUES ('26108', 'Crest', 'crest', "
	"'26', '84'), ('75056', 'Paris', 'paris', '75', '11')",
	"INSERT INTO organisations (name, kind, commune_code, created_at, updated_at) VALUES ('A', 'employer', "
	"'26108', 0, 0), ('B', 'employer', '75056', 0, 0), ('C', 'employer', '26108', 0, 0)",
	"INSERT INTO people (email, name, created_at, updated_at) VALUES ('admin@x.fr', 'Admin', 0, 0), "
	"('a@x.fr', 'Staff A', 0, 0), ('r84@x.fr', 'Regional 84', 0, 0), ('c@x.fr', 'Candidate', 0, 0)",
	"INSERT INTO memberships (person_id, role, organisation_id, created_at) SELECT p.id, 'admin', NULL, 0 FROM "
	"people p WHERE p.email = 'admin@x.fr'",
	"INSERT INTO memberships (person_id, role, organisation_id, created_at) SELECT p.id, 'employer', o.id, 0 FROM "
	"people p, organisations o WHERE p.email = 'a@x.fr' AND o.name = 'A'",
	"INSERT INTO memberships (person_id, role, organisation_id, created_at) SELECT p.id, 'regional', NULL, 0 FROM "
	"people p WHERE p.email = 'r84@x.fr'",
	"INSERT INTO membership_regions (membership_id, region_code) SELECT m.id, '84' FROM memberships m WHERE m.role "
	"= 'regional'",
	"INSERT INTO memberships (person_id, role, organisation_id, created_at) SELECT p.id, 'candidate', NULL, 0 FROM "
	"people p WHERE p.email = 'c@x.fr'",
};

static struct fx *
fx_open(void)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char url[800];
	int applied = 0;

	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "s");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	for (size_t i = 0; i < N_ELEMS(fixture_sql); i++)
		assert_int_equal(db_exec(fx->db, fixture_sql[i], NULL, 0, NULL), TR_OK);
	fx->a = arena_new();
	config_defaults(&fx->cfg);
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .actor = NULL, .now = T0 };
	return fx;
}

static int
setup(void **state)
{
	*state = fx_open();
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
id_of(struct fx *fx, const char *sql, const char *key)
{
	struct db_rows *r;

	assert_int_equal(db_onev(fx->db, fx->a, sql, &r, DB_TEXT(key)), TR_OK);
	return db_int(db_cell(r, 0, 0));
}

/* Signs in as the person of EMAIL (their actor built from their memberships), or anonymous for NULL. */
static void
act_as(struct fx *fx, const char *email)
{
	struct actor *a = NULL;

	fx->ctx.actor = NULL;
	if (email == NULL)
		return;
	assert_int_equal(actor_load(&fx->ctx, id_of(fx, "SELECT id FROM people WHERE email = ?", email), &a), TR_OK);
	fx->ctx.actor = a;
}

/* The toy scope: admins see every organisation, staff their own (both checked in C too), a regional officer those
 * of their regions (SQL only, so that the one-row check asks the database). */
static bool
is_admin(const struct ctx *ctx, json_t *row)
{
	(void)row;
	return actor_has(ctx->actor, ROLE_ADMIN);
}

static bool
is_staff(const struct ctx *ctx, json_t *row)
{
	return actor_in_org(ctx->actor, ROLE_EMPLOYER, json_integer_value(json_object_get(row, "id")));
}

static const struct scope_rule org_rules[] = {
	{ "admin", ROLE_BIT(ROLE_ADMIN), "1 = 1", is_admin },
	{ "its staff", ROLE_BIT(ROLE_EMPLOYER), "o.id IN " SCOPE_ORGS("employer"), is_staff },
	{ "the regional officer of its region", ROLE_BIT(ROLE_REGIONAL), "c.region_code IN " SCOPE_REGIONS("regional"),
	    NULL },
};

static const struct scope org_scope = { "organisation",
	"organisations o LEFT JOIN communes c ON c.code = "
	"o.commune_code",
	"o.id", org_rules, N_ELEMS(org_rules) };

static const struct list_sort org_sorts[] = {
	{ "name", "o.name, o.id" },
	{ "name_desc", "o.name DESC, o.id DESC" },
};

static const struct list_spec org_list = { .scope = &org_scope,
	.select = "SELECT o.id, o.name FROM organisations o LEFT JOIN communes c "
	          "ON c.code = o.commune_code",
	.sorts = org_sorts,
	.nsorts = N_ELEMS(org_sorts) };

/* The names the list gives the actor, joined by spaces. */
static const char *
listed(struct fx *fx, const char *sort, int64_t per_page, int64_t *total)
{
	struct sqlw w;
	json_t *out, *it;
	const char *names = "";
	size_t i;

	scope_where(&fx->ctx, &org_scope, &w);
	assert_int_equal(list_run(&fx->ctx, &org_list, &w, sort, 1, per_page, &out), TR_OK);
	json_array_foreach(json_object_get(out, "items"), i, it) names =
	    arena_printf(fx->a, "%s%s%s", names, *names ? " " : "", json_string_value(json_object_get(it, "name")));
	*total = json_integer_value(json_object_get(out, "total"));
	json_decref(out);
	return names;
}

static const struct {
	const char *email; /* NULL: anonymous */
	const char *sees;  /* by name */
} cases[] = {
	{ "admin@x.fr", "A B C" },
	{ "a@x.fr", "A" },
	{ "r84@x.fr", "A C" },
	{ "c@x.fr", "" },
	{ NULL, "" },
};

/* For every actor, the list shows exactly the rows the one-row check lets through. */
static void
t_list_and_check_agree(void **state)
{
	struct fx *fx = *state;
	const char *names[] = { "A", "B", "C" };

	for (size_t k = 0; k < N_ELEMS(cases); k++) {
		int64_t total;
		const char *seen = "";
		act_as(fx, cases[k].email);
		assert_string_equal(listed(fx, NULL, 0, &total), cases[k].sees);
		assert_int_equal(total, (int64_t)(strlen(cases[k].sees) + 1) / 2);
		for (size_t i = 0; i < N_ELEMS(names); i++) {
			int64_t id = id_of(fx, "SELECT id FROM organisations WHERE name = ?", names[i]);
			json_t *row = json_pack("{s:I, s:s}", "id", (json_int_t)id, "name", names[i]);
			bool ok = true;
			assert_int_equal(scope_check(&fx->ctx, &org_scope, row, id, &ok), TR_OK);
			json_decref(row);
			if (ok)
				seen = arena_printf(fx->a, "%s%s%s", seen, *seen ? " " : "", names[i]);
		}
		assert_string_equal(seen, cases[k].sees);
	}
}

/* A sort outside the whitelist falls back to the first; one page never exceeds the cap; filters add to the scope. */
static void
t_list_sorts_pages_filters(void **state)
{
	struct fx *fx = *state;
	struct sqlw w;
	int64_t total;
	json_t *out;

	act_as(fx, "admin@x.fr");
	assert_string_equal(listed(fx, "name_desc", 0, &total), "C B A");
	assert_string_equal(listed(fx, "o.id; DROP TABLE people", 0, &total), "A B C");
	assert_string_equal(listed(fx, NULL, 2, &total), "A B");
	assert_int_equal(total, 3);
	scope_where(&fx->ctx, &org_scope, &w);
	sqlw_and(&w, "o.name <> ?", DB_TEXT("B"));
	assert_int_equal(list_run(&fx->ctx, &org_list, &w, NULL, 1, LIST_PER_PAGE_MAX * 10, &out), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "per_page")), LIST_PER_PAGE_MAX);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 2);
	json_decref(out);
	assert_int_equal(list_run(&fx->ctx, &org_list, &w, NULL, 2, 1, &out), TR_OK);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(json_object_get(out, "items"), 0), "name")), "C");
	json_decref(out);
}

/* A sort on the scope's own tables picks the page's keys over those tables first, then joins that page; a sort on a
 * table only the SELECT joins, or on an expression, runs over the whole join: the same rows and order either way. */
static const struct list_sort wide_sorts[] = {
	{ "commune", "c.name DESC, o.name" },           /* the scope's tables: keys first */
	{ "departement", "dp.name, o.name DESC" },      /* a join of the SELECT only */
	{ "length", "LENGTH(o.name) DESC, o.id DESC" }, /* an expression */
};

static const struct list_spec wide_list = { .scope = &org_scope,
	.select = "SELECT o.id, o.name, dp.name AS departement FROM organisations o LEFT JOIN communes c ON c.code = "
	          "o.commune_code LEFT JOIN departements dp ON dp.code = c.departement_code",
	.sorts = wide_sorts,
	.nsorts = N_ELEMS(wide_sorts) };

static const char *
wide_names(struct fx *fx, const char *sort, int64_t page, int64_t per_page)
{
	struct sqlw w;
	json_t *out, *it;
	const char *names = "";
	size_t i;

	scope_where(&fx->ctx, &org_scope, &w);
	assert_int_equal(list_run(&fx->ctx, &wide_list, &w, sort, page, per_page, &out), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 3);
	json_array_foreach(json_object_get(out, "items"), i, it)
	{
		names = arena_printf(
		    fx->a, "%s%s%s", names, *names ? " " : "", json_string_value(json_object_get(it, "name")));
		/* the joined columns are there on either path */
		assert_non_null(json_string_value(json_object_get(it, "departement")));
	}
	json_decref(out);
	return names;
}

static void
t_list_keyed_and_joined_sorts(void **state)
{
	struct fx *fx = *state;

	act_as(fx, "admin@x.fr");
	assert_string_equal(wide_names(fx, "commune", 1, 0), "B A C");
	assert_string_equal(wide_names(fx, "commune", 2, 1), "A");
	assert_string_equal(wide_names(fx, "commune", 2, 2), "C");
	assert_string_equal(wide_names(fx, "commune", 3, 2), "");
	assert_string_equal(wide_names(fx, "departement", 1, 0), "C A B");
	assert_string_equal(wide_names(fx, "departement", 2, 2), "B");
	assert_string_equal(wide_names(fx, "length", 1, 2), "C B");
}

/* list_query: the filters set in the caller's struct narrow the scope's rows (unset ones add nothing), and each
 * item goes through the spec's decorate. */
struct org_filter {
	int64_t id;
	const char *name;
};

static const struct list_filter org_filters[] = {
	LIST_ID(struct org_filter, id, "o.id = ?"),
	LIST_TEXT(struct org_filter, name, "o.name = ?"),
};

static void
mark(struct ctx *ctx, json_t *it)
{
	(void)ctx;
	json_object_set_new(it, "seen", json_true());
}

static const char *
queried(struct fx *fx, const struct org_filter *f)
{
	struct list_spec spec = org_list;
	const char *names = "";
	json_t *out, *it;
	size_t i;

	spec.filters = org_filters;
	spec.nfilters = N_ELEMS(org_filters);
	spec.decorate = mark;
	assert_int_equal(list_query(&fx->ctx, &spec, f, NULL, 1, 0, &out), TR_OK);
	json_array_foreach(json_object_get(out, "items"), i, it)
	{
		assert_true(json_is_true(json_object_get(it, "seen")));
		names = arena_printf(
		    fx->a, "%s%s%s", names, *names ? " " : "", json_string_value(json_object_get(it, "name")));
	}
	json_decref(out);
	return names;
}

static void
t_list_query_filters(void **state)
{
	struct fx *fx = *state;
	struct org_filter f = { 0 };

	act_as(fx, "admin@x.fr");
	assert_string_equal(queried(fx, &f), "A B C");
	f.name = "";
	assert_string_equal(queried(fx, &f), "A B C");
	f.name = "B";
	assert_string_equal(queried(fx, &f), "B");
	f.id = id_of(fx, "SELECT id FROM organisations WHERE name = ?", "C");
	assert_string_equal(queried(fx, &f), "");
	f.name = NULL;
	assert_string_equal(queried(fx, &f), "C");
	act_as(fx, "a@x.fr"); /* the scope still holds: A only */
	assert_string_equal(queried(fx, &f), "");
	f.id = 0;
	assert_string_equal(queried(fx, &f), "A");
}

/* The row lock finds the row inside a transaction (FOR UPDATE on PostgreSQL), and says when there is none. */
static void
t_row_lock(void **state)
{
	struct fx *fx = *state;
	int64_t id = id_of(fx, "SELECT id FROM organisations WHERE name = ?", "B");

	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(db_lock_row(&fx->ctx, "organisations", id), TR_OK);
	assert_int_equal(db_lock_row(&fx->ctx, "organisations", id + 1000), TR_NOT_FOUND);
	assert_int_equal(db_commit(fx->db), TR_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_list_and_check_agree),
		T(t_list_sorts_pages_filters),
		T(t_list_keyed_and_joined_sorts),
		T(t_list_query_filters),
		T(t_row_lock),
	};
	int failed;

	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	failed = testdb_run("scope", tests, N_ELEMS(tests), NULL);
	return failed == 0 ? 0 : 1;
}
