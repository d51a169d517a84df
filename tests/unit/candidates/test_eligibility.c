/* Tests of domain/eligibility: the evaluation of a programme's criteria on the edges the issue lists (age the
 * day before and the day of a birthday, RQTH, six months of job search exactly, levels, priority areas),
 * malformed criteria, and eligibility_valid over stored diagnoses on SQLite and PostgreSQL
 * (TREMPLIN_TEST_PG). */
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
#include "domain/kernel/ctx.h"
#include "domain/candidates/eligibility.h"
#include "model/candidates/candidate.h"
#include "store/db.h"
#include "store/migrate.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

/* The criteria of "2000 Emplois d'Avenir en EPN", as data/programmes.json ships them. */
static const char EAV[] =
    "{\"age\": {\"min\": 16, \"max\": 25, \"max_with_rqth\": 30}, \"paths\": ["
    "{\"label\": \"Sans diplôme ou CAP/BEP\", \"max_level\": \"3\", \"seeking_months\": 6},"
    "{\"label\": \"QPV, ZRR ou outre-mer\", \"areas\": [\"qpv\", \"zrr\", \"outre_mer\"], \"max_level\": \"5\","
    " \"seeking_months\": 12}]}";

struct ecase {
	const char *name;
	const char *criteria; /* JSON text; NULL: no criteria */
	struct candidate_facts f;
	const char *on;
	bool eligible;
	const char *met;        /* the criteria met, in order: "age path_1", "" for none */
	const char *detail_has; /* a piece of the details (NULL: not checked) */
};

static const struct ecase cases[] = {
	/* Age: 25 the day before the 26th birthday, 26 on it. */
	{ "day before 26th birthday", EAV, { "2000-11-25", false, "3", "2026-05-24", "none" }, "2026-11-24", true,
	    "age path_1", "25 ans au 24/11/2026" },
	{ "26th birthday", EAV, { "2000-11-24", false, "3", "2026-05-24", "none" }, "2026-11-24", false, "path_1",
	    "26 ans" },
	{ "16th birthday", EAV, { "2010-11-24", false, "none", "2026-05-24", "none" }, "2026-11-24", true, "age path_1",
	    "16 ans" },
	{ "day before 16th birthday", EAV, { "2010-11-25", false, "none", "2026-05-24", "none" }, "2026-11-24", false,
	    "path_1", "15 ans" },
	/* RQTH: up to 30. */
	{ "RQTH, 30 the day before the 31st birthday", EAV, { "1995-11-25", true, "3", "2026-01-01", "none" },
	    "2026-11-24", true, "age path_1", "30 ans au 24/11/2026, avec une RQTH" },
	{ "RQTH, 31st birthday", EAV, { "1995-11-24", true, "3", "2026-01-01", "none" }, "2026-11-24", false, "path_1",
	    "31 ans" },
	{ "no RQTH, 26 to 30 refused", EAV, { "1998-01-01", false, "3", "2026-01-01", "none" }, "2026-11-24", false,
	    "path_1", "28 ans" },
	/* Born on 29 February: the birthday falls on 28 February in other years. */
	{ "29 February, day before", EAV, { "2004-02-29", false, "3", "2029-01-01", "none" }, "2030-02-27", true,
	    "age path_1", "25 ans" },
	{ "29 February, 28 February", EAV, { "2004-02-29", false, "3", "2029-01-01", "none" }, "2030-02-28", false,
	    "path_1", "26 ans" },
	/* Six months of job search, exactly; a day short is five. */
	{ "6 months exactly", EAV, { "2004-01-01", false, "3", "2026-05-24", "none" }, "2026-11-24", true, "age path_1",
	    "recherche d'emploi : 6 mois (6 au moins) : rempli" },
	{ "a day short of 6 months", EAV, { "2004-01-01", false, "3", "2026-05-25", "none" }, "2026-11-24", false,
	    "age", "recherche d'emploi : 5 mois" },
	{ "6 months ending on a short month", EAV, { "2004-01-01", false, "3", "2026-08-31", "none" }, "2027-02-28",
	    true, "age path_1", "6 mois" },
	{ "not looking for work", EAV, { "2004-01-01", false, "none", NULL, "none" }, "2026-11-24", false, "age",
	    "non déclarée" },
	/* Levels: none < 3 < 4 < 5 < 6. */
	{ "no diploma", EAV, { "2004-01-01", false, "none", "2026-01-01", "none" }, "2026-11-24", true, "age path_1",
	    "sans diplôme (au plus niveau 3)" },
	{ "bac, outside priority areas", EAV, { "2004-01-01", false, "4", "2024-01-01", "none" }, "2026-11-24", false,
	    "age", "niveau 4 (au plus niveau 3) : non rempli" },
	{ "level not given", EAV, { "2004-01-01", false, NULL, "2024-01-01", "none" }, "2026-11-24", false, "age",
	    "non renseigné" },
	/* Priority areas: up to bac + 2 with 12 of the last 18 months. */
	{ "QPV, bac + 2, 12 months exactly", EAV, { "2004-01-01", false, "5", "2025-11-24", "qpv" }, "2026-11-24", true,
	    "age path_2", "zone prioritaire : QPV" },
	{ "QPV, bac + 2, 11 months", EAV, { "2004-01-01", false, "5", "2025-11-25", "qpv" }, "2026-11-24", false, "age",
	    NULL },
	{ "ZRR, licence", EAV, { "2004-01-01", false, "6", "2024-01-01", "zrr" }, "2026-11-24", false, "age", NULL },
	{ "overseas, bac", EAV, { "2004-01-01", false, "4", "2024-01-01", "outre_mer" }, "2026-11-24", true,
	    "age path_2", "outre-mer" },
	{ "ZRR, CAP, 12 months: both paths", EAV, { "2004-01-01", false, "3", "2025-01-01", "zrr" }, "2026-11-24", true,
	    "age path_1 path_2", NULL },
	{ "bac + 2 without priority area", EAV, { "2004-01-01", false, "5", "2024-01-01", "none" }, "2026-11-24", false,
	    "age", "zone prioritaire : aucune" },
	/* Missing facts. */
	{ "no birth date", EAV, { NULL, false, "3", "2026-01-01", "none" }, "2026-11-24", false, "path_1",
	    "Date de naissance non renseignée" },
	{ "born after the date", EAV, { "2027-01-01", false, "3", "2026-01-01", "none" }, "2026-11-24", false, "path_1",
	    "postérieure" },
	/* No criteria: everyone. */
	{ "empty criteria", "{}", { NULL, false, NULL, NULL, NULL }, "2026-11-24", true, "", NULL },
	{ "no criteria", NULL, { NULL, false, NULL, NULL, NULL }, "2026-11-24", true, "", NULL },
	{ "paths only, none met", "{\"paths\": [{\"max_level\": \"none\"}]}", { NULL, false, "3", NULL, NULL },
	    "2026-11-24", false, "", NULL },
	{ "age only", "{\"age\": {\"min\": 18}}", { "2008-11-24", false, NULL, NULL, NULL }, "2026-11-24", true, "age",
	    "18 ans" },
};

static void
test_evaluate_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const struct ecase *c = &cases[i];
		json_t *criteria = c->criteria ? json_loads(c->criteria, 0, NULL) : NULL, *res = NULL, *x;
		char met[200] = "", details[4096] = "";
		size_t k;

		if (c->criteria)
			assert_non_null(criteria);
		if (eligibility_evaluate(criteria, &c->f, c->on, &res) != TR_OK)
			fail_msg("case %s: evaluation failed", c->name);
		json_array_foreach(json_object_get(res, "criteria"), k, x)
		{
			assert_true(json_is_string(json_object_get(x, "label")));
			if (json_is_true(json_object_get(x, "met")))
				snprintf(met + strlen(met), sizeof(met) - strlen(met), "%s%s", *met ? " " : "",
				    json_string_value(json_object_get(x, "code")));
			snprintf(details + strlen(details), sizeof(details) - strlen(details), "%s | ",
			    json_string_value(json_object_get(x, "detail")));
		}
		if (json_is_true(json_object_get(res, "eligible")) != c->eligible)
			fail_msg("case %s: eligible is %d, expected %d (%s)", c->name,
			    json_is_true(json_object_get(res, "eligible")), c->eligible, details);
		if (strcmp(met, c->met) != 0)
			fail_msg("case %s: met \"%s\", expected \"%s\" (%s)", c->name, met, c->met, details);
		if (c->detail_has && strstr(details, c->detail_has) == NULL)
			fail_msg("case %s: details \"%s\" lack \"%s\"", c->name, details, c->detail_has);
		json_decref(res);
		json_decref(criteria);
	}
}

/* The number of criteria: the age, then one per path, codes in order. */
static void
test_evaluate_shape(void **state)
{
	struct candidate_facts f = { "2004-01-01", false, "3", "2026-01-01", "none" };
	json_t *criteria = json_loads(EAV, 0, NULL), *res = NULL, *list;

	(void)state;
	assert_int_equal(eligibility_evaluate(criteria, &f, "2026-11-24", &res), TR_OK);
	list = json_object_get(res, "criteria");
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "code")), "age");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "label")),
	    "Âge : de 16 à 25 ans (jusqu'à 30 ans avec une RQTH)");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "code")), "path_1");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list, 1), "label")), "Sans diplôme ou CAP/BEP");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "code")), "path_2");
	json_decref(res);
	json_decref(criteria);
}

static void
test_evaluate_malformed(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"age\": 5}",
		"{\"age\": {\"max\": \"25\"}}",
		"{\"age\": {\"min\": -1}}",
		"{\"paths\": {}}",
		"{\"paths\": [3]}",
		"{\"paths\": [{\"max_level\": \"9\"}]}",
		"{\"paths\": [{\"max_level\": 3}]}",
		"{\"paths\": [{\"areas\": [\"mars\"]}]}",
		"{\"paths\": [{\"areas\": \"qpv\"}]}",
		"{\"paths\": [{\"seeking_months\": 1.5}]}",
		"{\"paths\": [{\"label\": 7}]}",
	};
	struct candidate_facts f = { "2004-01-01", false, "3", "2026-01-01", "none" };
	json_t *res = (json_t *)1;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		json_t *c = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_non_null(c);
		if (eligibility_evaluate(c, &f, "2026-11-24", &res) != TR_INVALID)
			fail_msg("criteria %s accepted", bad[i]);
		assert_null(res);
		json_decref(c);
	}
	assert_int_equal(eligibility_evaluate(NULL, &f, "2026-02-30", &res), TR_INVALID);
	assert_int_equal(eligibility_evaluate(NULL, &f, NULL, &res), TR_INVALID);
	assert_int_equal(eligibility_evaluate(NULL, &f, "24/11/2026", &res), TR_INVALID);
}

static void
test_qualification_rank(void **state)
{
	(void)state;
	assert_int_equal(qualification_rank("none"), 0);
	for (int l = 3; l <= 8; l++) {
		char code[2] = { (char)('0' + l), 0 };
		assert_int_equal(qualification_rank(code), l);
		assert_non_null(vocab_label(&vocab_qualification_level, code));
	}
	assert_int_equal(qualification_rank("2"), -1);
	assert_int_equal(qualification_rank("9"), -1);
	assert_int_equal(qualification_rank("33"), -1);
	assert_int_equal(qualification_rank(""), -1);
	assert_int_equal(qualification_rank(NULL), -1);
	/* The older scale is shown beside the 2019 levels. */
	assert_non_null(strstr(vocab_label(&vocab_qualification_level, "none"), "VI"));
	assert_non_null(strstr(vocab_label(&vocab_qualification_level, "3"), "ancien niveau V)"));
	assert_non_null(strstr(vocab_label(&vocab_priority_area, "qpv"), "QPV (anciennement ZUS)"));
}

/* ---- eligibility_valid over stored diagnoses ---- */

static void
exec_ok(struct db *db, const char *sql)
{
	if (db_exec(db, sql, NULL, 0, NULL) != TR_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

static bool
valid_on(struct ctx *ctx, int64_t candidate, int64_t programme, const char *on)
{
	bool ok = false;

	if (eligibility_valid(ctx, candidate, programme, on, &ok) != TR_OK)
		fail_msg("eligibility_valid(%lld, %lld, %s) failed", (long long)candidate, (long long)programme, on);
	return ok;
}

static void
check_valid(const char *url)
{
	struct config cfg;
	struct ctx ctx;
	struct db *db = NULL;
	struct arena *a = arena_new();
	struct db_rows *r;
	char why[256];
	int applied = 0;
	int64_t eav = 0, cnfs = 0, p1 = 0, p2 = 0;
	bool ok = true;

	if (db_open(url, &db, why, sizeof(why)) != TR_OK)
		fail_msg("cannot open %s: %s", url, why);
	assert_int_equal(db_migrate(db, embedded_migrations, &applied), TR_OK);
	config_defaults(&cfg);
	ctx = (struct ctx){ .arena = a, .db = db, .cfg = &cfg, .now = 1795514700 };
	exec_ok(db, "DELETE FROM eligibility_diagnoses");
	exec_ok(db, "DELETE FROM candidates");
	exec_ok(db, "DELETE FROM people WHERE email LIKE '%@test-eligibility.fr'");
	exec_ok(db, "DELETE FROM programmes WHERE code LIKE 'TEST-ELIG-%'");
	assert_int_equal(db_one(db, a,
	                     "INSERT INTO programmes (code, name, contract_min_months, contract_max_months, "
	                     "requires_eligibility, eligibility_valid_months, created_at, updated_at) VALUES "
	                     "('TEST-ELIG-EAV', 'EAV', 12, 36, 1, 6, 0, 0) RETURNING id",
	                     NULL, 0, &r),
	    TR_OK);
	eav = db_int(db_cell(r, 0, 0));
	assert_int_equal(
	    db_one(db, a,
	        "INSERT INTO programmes (code, name, contract_min_months, contract_max_months, "
	        "requires_eligibility, created_at, updated_at) VALUES ('TEST-ELIG-CNFS', 'CNFS', 24, 24, 0, "
	        "0, 0) RETURNING id",
	        NULL, 0, &r),
	    TR_OK);
	cnfs = db_int(db_cell(r, 0, 0));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(db_onev(db, a,
		                     "INSERT INTO people (email, name, created_at, updated_at) VALUES (?, 'X', 0, 0) "
		                     "RETURNING id",
		                     &r, DB_TEXT(i == 0 ? "a@test-eligibility.fr" : "b@test-eligibility.fr")),
		    TR_OK);
		if (i == 0)
			p1 = db_int(db_cell(r, 0, 0));
		else
			p2 = db_int(db_cell(r, 0, 0));
		assert_int_equal(
		    db_execv(db, "INSERT INTO candidates (person_id, created_at, updated_at) VALUES (?, 0, 0)", NULL,
		        DB_I64(db_int(db_cell(r, 0, 0)))),
		    TR_OK);
	}
	/* No diagnosis: refused where the programme requires one, accepted where it does not. */
	assert_false(valid_on(&ctx, p1, eav, "2026-03-01"));
	assert_true(valid_on(&ctx, p1, cnfs, "2026-03-01"));
	/* Eligible on 2026-01-10, valid until 2026-07-10 included. */
	assert_int_equal(
	    db_execv(db,
	        "INSERT INTO eligibility_diagnoses (candidate_id, programme_id, criteria, computed_eligible, "
	        "eligible, decided_on, valid_until, created_at) VALUES (?, ?, '[]', 1, 1, '2026-01-10', "
	        "'2026-07-10', 0)",
	        NULL, DB_I64(p1), DB_I64(eav)),
	    TR_OK);
	assert_false(valid_on(&ctx, p1, eav, "2026-01-09"));
	assert_true(valid_on(&ctx, p1, eav, "2026-01-10"));
	assert_true(valid_on(&ctx, p1, eav, "2026-07-10"));
	assert_false(valid_on(&ctx, p1, eav, "2026-07-11"));
	assert_false(valid_on(&ctx, p2, eav, "2026-03-01"));
	/* A later diagnosis concluding "not eligible" takes over from its date. */
	assert_int_equal(
	    db_execv(db,
	        "INSERT INTO eligibility_diagnoses (candidate_id, programme_id, criteria, computed_eligible, "
	        "eligible, overridden, comment, decided_on, valid_until, created_at) VALUES (?, ?, '[]', 1, 0, "
	        "1, 'situation changed', '2026-03-01', '2026-09-01', 0)",
	        NULL, DB_I64(p1), DB_I64(eav)),
	    TR_OK);
	assert_true(valid_on(&ctx, p1, eav, "2026-02-28"));
	assert_false(valid_on(&ctx, p1, eav, "2026-03-01"));
	/* Errors. */
	assert_int_equal(eligibility_valid(&ctx, p1, eav, "2026-13-01", &ok), TR_INVALID);
	assert_false(ok);
	assert_int_equal(eligibility_valid(&ctx, p1, 999999, "2026-03-01", &ok), TR_NOT_FOUND);
	db_close(db);
	arena_free(a);
}

static void
test_valid_sqlite(void **state)
{
	(void)state;
	check_valid("sqlite::memory:");
}

static void
test_valid_postgresql(void **state)
{
	const char *pg = getenv("TREMPLIN_TEST_PG");

	(void)state;
	if (pg == NULL || *pg == '\0')
		fail_msg("TREMPLIN_TEST_PG is not set: the PostgreSQL half cannot run");
	check_valid(pg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evaluate_cases),
		cmocka_unit_test(test_evaluate_shape),
		cmocka_unit_test(test_evaluate_malformed),
		cmocka_unit_test(test_qualification_rank),
		cmocka_unit_test(test_valid_sqlite),
		cmocka_unit_test(test_valid_postgresql),
	};

	return cmocka_run_group_tests_name("eligibility", tests, NULL, NULL);
}
