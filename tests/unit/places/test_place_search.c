/* Tests of the directory's search on SQLite and PostgreSQL (TREMPLIN_TEST_PG): the index built from a small known
 * set of places, radius searches against distances computed by hand (haversine, R = 6371.0088 km), each filter,
 * text search with accents, pagination, open now at fixed times, the parameters refused, the thread's index
 * following places_version, and one place as its page shows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/form.h"
#include "core/log.h"
#include "domain/kernel/ctx.h"
#include "domain/places/place_search.h"
#include "domain/places/place_view.h"
#include "domain/geo/refdata.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define TUE_1105 1795514700 /* Tuesday 24 November 2026, 11:05 in Paris */
#define TUE_1330 1795523400 /* the same day, 13:30 */
#define SAT_1100 1795860000 /* Saturday 28 November 2026, 11:00 */

/* The suite's database (one for the whole group) and the index built once from the fixture places. */
static struct {
	struct db *db;
	struct config cfg;
	struct place_index *idx;
} suite;

/* The known places, around the point (45, 5). */
struct fixture {
	const char *id, *nom, *commune, *cp, *insee, *dep, *reg;
	bool has_point;
	double lat, lon;
	const char *horaires, *services, *publics, *resume;
	int netpublic;
	const char *merged_into;
};

static const struct fixture places[] = {
	{ "p-center", "Médiathèque Jean Macé", "Saint-Étienne", "42000", "42218", "42", "84", true, 45.0, 5.0,
	    "Mo-Fr 09:00-12:00", "Aide aux démarches administratives|Loisirs et créations numériques", "Seniors",
	    "Ateliers d'initiation à l'informatique", 1, NULL },
	{ "p-west", "Tiers-lieu de l'Ouest", "Lyon", "69001", "69381", "69", "84", true, 45.0, 4.9, "", "", "",
	    "Le \"tiers\\lieu\"\n\tdu quartier\x01 €", 0, NULL },
	{ "p-n1", "Espace numérique du Parc", "Lyon", "69001", "69381", "69", "84", true, 45.1, 5.0, "Sa 10:00-12:00",
	    "Accès internet et matériel informatique", "Jeunes", "", 0, NULL },
	{ "p-n2", "Cyber-base des Écoles", "Vienne", "38200", "38544", "38", "84", true, 45.2, 5.0, "lundi matin",
	    "Aide aux démarches administratives", "", "", 0, NULL },
	{ "p-n3", "Point numérique Œuvre", "Vienne", "38200", "38544", "38", "84", true, 45.3, 5.0, "24/7", "", "", "",
	    0, NULL },
	{ "p-far", "Fab lab du Vieux-Port", "Marseille", "13001", "13201", "13", "93", true, 43.3, 5.4, "",
	    "Loisirs et créations numériques", "", "", 0, NULL },
	{ "p-nocoord", "Atelier sans coordonnées", "Paris", "75001", "75101", "75", "11", false, 0, 0, "", "", "", "",
	    0, NULL },
	{ "p-merged", "Médiathèque Jean Macé (doublon)", "Saint-Étienne", "42000", "42218", "42", "84", true, 45.0, 5.0,
	    "", "", "", "", 0, "p-center" },
};

/* ---- databases ---- */

static tr_err
insert_place(struct db *db, const struct fixture *f)
{
	return db_execv(db,
	    "INSERT INTO places (id, pivot, nom, commune, code_postal, code_insee, adresse, latitude, longitude, "
	    "horaires, "
	    "services, publics_specifiquement_adresses, presentation_resume, date_maj, netpublic, departement_code, "
	    "region_code, merged_into, created_at, updated_at) VALUES (?, '123456789', ?, ?, ?, ?, '1 rue de la Paix', "
	    "?, ?, ?, ?, ?, ?, '2026-01-15', ?, ?, ?, ?, 0, 0)",
	    NULL, DB_TEXT(f->id), DB_TEXT(f->nom), DB_TEXT(f->commune), DB_TEXT(f->cp), DB_TEXT(f->insee),
	    f->has_point ? DB_REAL(f->lat) : DB_NULLV, f->has_point ? DB_REAL(f->lon) : DB_NULLV,
	    *f->horaires ? DB_TEXT(f->horaires) : DB_NULLV, *f->services ? DB_TEXT(f->services) : DB_NULLV,
	    *f->publics ? DB_TEXT(f->publics) : DB_NULLV, *f->resume ? DB_TEXT(f->resume) : DB_NULLV,
	    DB_I64(f->netpublic), DB_TEXT(f->dep), DB_TEXT(f->reg), DB_TEXT(f->merged_into));
}

static tr_err
bump_version(struct db *db)
{
	return db_execv(db, "UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = ?", NULL,
	    DB_TEXT("places_version"));
}

/* Migrates, seeds the geography, inserts the fixture places and builds the index. */
static int
group_setup(void **state)
{
	struct arena *a;
	struct ctx ctx;
	char url[700];
	int64_t communes = 0;
	int applied = 0;
	tr_err err = TR_UNAVAILABLE;

	if (testdb.engine == DB_SQLITE) {
		if (testdb_sqlite_setup(state) != 0)
			return -1;
		testdb_sqlite_url(url, sizeof(url), "search");
	} else {
		if (testdb_pg_setup(state) != 0)
			return -1;
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	}
	a = arena_new();
	config_defaults(&suite.cfg);
	if ((suite.db = testdb_open(url)) != NULL) {
		ctx = (struct ctx){ .arena = a, .db = suite.db, .cfg = &suite.cfg, .now = TUE_1105 };
		err = db_migrate(suite.db, embedded_migrations, &applied);
		if (err == TR_OK)
			err = refdata_seed(&ctx, &communes);
		for (size_t i = 0; i < N_ELEMS(places) && err == TR_OK; i++)
			err = insert_place(suite.db, &places[i]);
		if (err == TR_OK)
			err = place_index_build(suite.db, 42, &suite.idx);
		if (err != TR_OK)
			print_error("setup: %s (%s)\n", tr_err_name(err), db_errmsg(suite.db));
	}
	arena_free(a);
	return err == TR_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	place_index_release(suite.idx);
	suite.idx = NULL;
	place_index_reset();
	db_close(suite.db);
	suite.db = NULL;
	return testdb.engine == DB_SQLITE ? testdb_sqlite_teardown(state) : testdb_pg_teardown(state);
}

/* ---- helpers ---- */

struct fx {
	struct arena *a;
	struct ctx ctx;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->a = arena_new();
	fx->ctx = (struct ctx){ .arena = fx->a, .db = suite.db, .cfg = &suite.cfg, .now = TUE_1105 };
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	arena_free(fx->a);
	free(fx);
	return 0;
}

/* Parses QUERY (a query string) into *Q; returns what place_query_parse returned. */
static tr_err
parse(struct fx *fx, const char *query, struct place_query *q)
{
	struct form f;

	fx->ctx.errors.n = 0;
	fx->ctx.message = NULL;
	assert_int_equal(form_parse_urlencoded(fx->a, str_c(query), 0, &f), TR_OK);
	return place_query_parse(&fx->ctx, &f, q);
}

/* Runs QUERY on the suite's index; fails the test on a parse error. */
static struct place_results
search(struct fx *fx, const char *query)
{
	struct place_query q;
	struct place_results r;
	tr_err err = parse(fx, query, &q);

	if (err != TR_OK)
		fail_msg("\"%s\": %s, first error %s: %s", query, tr_err_name(err),
		    fx->ctx.errors.n ? fx->ctx.errors.items[0].field : "-",
		    fx->ctx.errors.n ? fx->ctx.errors.items[0].message : "-");
	assert_int_equal(place_search(&fx->ctx, suite.idx, &q, &r), TR_OK);
	return r;
}

/* The ids of R's items, space-separated. */
static const char *
ids(struct fx *fx, const struct place_results *r)
{
	char *s = arena_strdup(fx->a, "");

	for (size_t i = 0; i < r->n; i++)
		s = arena_printf(fx->a, "%s%s%s", s, i ? " " : "", r->items[i].place->id);
	return s;
}

static void
expect_ids(struct fx *fx, const char *query, const char *expected)
{
	struct place_results r = search(fx, query);

	if (strcmp(ids(fx, &r), expected) != 0)
		fail_msg("\"%s\": got [%s], expected [%s]", query, ids(fx, &r), expected);
	assert_int_equal(r.total, r.n);
}

/* ---- cases ---- */

static void
t_build(void **state)
{
	(void)state;
	assert_int_equal(place_index_count(suite.idx), N_ELEMS(places) - 1); /* the merged one is left out */
	assert_int_equal(place_index_version(suite.idx), 42);
}

static void
t_radius(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *id;
		double km;
	} expected[] = { { "p-center", 0 }, { "p-west", 7.8627 }, { "p-n1", 11.1195 }, { "p-n2", 22.2390 },
		{ "p-n3", 33.3585 }, { "p-far", 191.7059 } };
	struct place_results r = search(fx, "lat=45&lon=5");

	/* A point without a radius: every place with coordinates, by distance. */
	assert_int_equal(r.total, N_ELEMS(expected));
	assert_true(r.has_distance);
	for (size_t i = 0; i < N_ELEMS(expected); i++) {
		assert_string_equal(r.items[i].place->id, expected[i].id);
		if (fabs(r.items[i].distance_km - expected[i].km) > 0.001)
			fail_msg("%s: %.4f km, expected %.4f", expected[i].id, r.items[i].distance_km, expected[i].km);
	}
	expect_ids(fx, "lat=45&lon=5&radius_km=25", "p-center p-west p-n1 p-n2");
	expect_ids(fx, "lat=45&lon=5&radius_km=11.2", "p-center p-west p-n1");
	expect_ids(fx, "lat=45&lon=5&radius_km=11.1", "p-center p-west");
	expect_ids(fx, "lat=45&lon=5&radius_km=200", "p-center p-west p-n1 p-n2 p-n3 p-far");
	expect_ids(fx, "lat=45.3&lon=5.0&radius_km=12", "p-n3 p-n2");
	expect_ids(fx, "lat=43.3&lon=5.4&radius_km=1", "p-far");
	expect_ids(fx, "lat=-45&lon=5&radius_km=200", "");
	/* Filters apply within the radius. */
	expect_ids(fx, "lat=45&lon=5&radius_km=25&services=Aide+aux+d%C3%A9marches+administratives", "p-center p-n2");
}

static void
t_filters(void **state)
{
	struct fx *fx = *state;

	/* Without a point: by name (folded), then id. */
	expect_ids(fx, "services=Aide+aux+d%C3%A9marches+administratives", "p-n2 p-center");
	expect_ids(fx,
	    "services=Aide+aux+d%C3%A9marches+administratives&services=Acc%C3%A8s+internet+et+mat%C3%A9riel+"
	    "informatique",
	    "p-n2 p-n1 p-center");
	expect_ids(fx, "services=Aide+aux+d%C3%A9marches+administratives|Loisirs+et+cr%C3%A9ations+num%C3%A9riques",
	    "p-n2 p-far p-center");
	expect_ids(fx, "services=LOISIRS+ET+CREATIONS+NUMERIQUES", "p-far p-center");
	expect_ids(fx, "publics=seniors", "p-center");
	expect_ids(fx, "publics=Jeunes&services=Aide+aux+d%C3%A9marches+administratives", "");
	expect_ids(fx, "netpublic=true", "p-center");
	expect_ids(fx, "netpublic=0", "p-nocoord p-n2 p-n1 p-far p-n3 p-west");
	expect_ids(fx, "departement=38", "p-n2 p-n3");
	expect_ids(fx, "region=93", "p-far");
	expect_ids(fx, "code_postal=75001", "p-nocoord");
	expect_ids(fx, "commune=42218", "p-center");
	expect_ids(fx, "commune=saint+etienne", "p-center");
	expect_ids(fx, "commune=SAINT-%C3%89TIENNE", "p-center");
	expect_ids(fx, "commune=Lyon&services=Acc%C3%A8s+internet+et+mat%C3%A9riel+informatique", "p-n1");
	/* Empty values are absent values (a GET form sends every field). */
	expect_ids(fx, "q=&commune=&departement=38&region=&services=&netpublic=", "p-n2 p-n3");
}

static void
t_text(void **state)
{
	struct fx *fx = *state;

	expect_ids(fx, "q=mediatheque", "p-center");
	expect_ids(fx, "q=M%C3%89DIATH%C3%88QUE+mac%C3%A9", "p-center");
	expect_ids(fx, "q=%C3%A9coles+cyber", "p-n2");
	expect_ids(fx, "q=initiation", "p-center");   /* in the summary */
	expect_ids(fx, "q=oeuvre", "p-n3");           /* Œ folded to oe */
	expect_ids(fx, "q=lyon", "p-n1 p-west");      /* the commune is in the key */
	expect_ids(fx, "q=numerique+vienne", "p-n3"); /* every word must appear */
	expect_ids(fx, "q=mediatheque+marseille", "");
	expect_ids(fx, "q=l%27ouest", "p-west"); /* the apostrophe separates words */
	expect_ids(fx, "q=%27%27%21", "p-nocoord p-n2 p-n1 p-far p-center p-n3 p-west"); /* punctuation only */
}

static void
t_pagination(void **state)
{
	struct fx *fx = *state;
	const char *all = "p-nocoord p-n2 p-n1 p-far p-center p-n3 p-west";
	struct place_results r;
	char *joined;

	expect_ids(fx, "", all);
	r = search(fx, "per_page=3");
	assert_int_equal(r.total, 7);
	assert_int_equal(r.per_page, 3);
	joined = arena_strdup(fx->a, ids(fx, &r));
	r = search(fx, "per_page=3&page=2");
	joined = arena_printf(fx->a, "%s %s", joined, ids(fx, &r));
	r = search(fx, "per_page=3&page=3");
	assert_int_equal(r.n, 1);
	joined = arena_printf(fx->a, "%s %s", joined, ids(fx, &r));
	assert_string_equal(joined, all);
	r = search(fx, "per_page=3&page=4");
	assert_int_equal(r.n, 0);
	assert_int_equal(r.total, 7);
	r = search(fx, "per_page=500");
	assert_int_equal(r.per_page, PLACE_PER_PAGE_MAX);
	r = search(fx, "");
	assert_int_equal(r.per_page, PLACE_PER_PAGE);
	assert_int_equal(r.page, 1);
	/* By distance, page after page. */
	r = search(fx, "lat=45&lon=5&per_page=4&page=2");
	assert_string_equal(ids(fx, &r), "p-n3 p-far");
	assert_int_equal(r.total, 6);
}

static void
t_open_now(void **state)
{
	struct fx *fx = *state;

	/* Tuesday 11:05: "Mo-Fr 09:00-12:00" and "24/7" are open; "Sa 10:00-12:00" is closed; "lundi matin" is not
	 * understood, so not known to be open. */
	fx->ctx.now = TUE_1105;
	expect_ids(fx, "open_now=true", "p-center p-n3");
	fx->ctx.now = TUE_1330;
	expect_ids(fx, "open_now=1", "p-n3");
	fx->ctx.now = SAT_1100;
	expect_ids(fx, "open_now=oui", "p-n1 p-n3");
	expect_ids(fx, "open_now=false&departement=38", "p-n2 p-n3");
	assert_int_equal(place_open_state(NULL, SAT_1100), HOURS_UNKNOWN);
}

static void
t_bad_parameters(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *query, *field;
	} cases[] = {
		{ "lat=91&lon=5", "lat" },
		{ "lat=45&lon=-180.5", "lon" },
		{ "lat=abc&lon=5", "lat" },
		{ "lat=nan&lon=5", "lat" },
		{ "lat=45", "lon" },
		{ "lon=5", "lat" },
		{ "lat=45&lon=5&radius_km=0", "radius_km" },
		{ "lat=45&lon=5&radius_km=200.5", "radius_km" },
		{ "lat=45&lon=5&radius_km=-3", "radius_km" },
		{ "lat=45&lon=5&radius_km=dix", "radius_km" },
		{ "radius_km=10", "radius_km" },
		{ "near_commune=42218&lat=45&lon=5", "near_commune" },
		{ "near_commune=Nullepart-sur-Mer", "near_commune" },
		{ "code_postal=6900", "code_postal" },
		{ "code_postal=6900A", "code_postal" },
		{ "departement=690", "departement" },
		{ "departement=2C", "departement" },
		{ "region=8", "region" },
		{ "services=Cuisine", "services" },
		{ "publics=Seniors&publics=Martiens", "publics" },
		{ "frais=Gratuit|Hors+de+prix", "frais" },
		{ "modalites_acces=Sonner", "modalites_acces" },
		{ "modalites_accompagnement=Seul", "modalites_accompagnement" },
		{ "dispositifs=Rien", "dispositifs" },
		{ "labels=Aucun", "labels" },
		{ "netpublic=peut-etre", "netpublic" },
		{ "open_now=2", "open_now" },
		{ "page=0", "page" },
		{ "page=-1", "page" },
		{ "page=deux", "page" },
		{ "per_page=0", "per_page" },
		{ "per_page=x", "per_page" },
	};
	struct place_query q;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		tr_err err = parse(fx, cases[i].query, &q);
		if (err != TR_INVALID || field_errors_get(&fx->ctx.errors, cases[i].field) == NULL)
			fail_msg("\"%s\": %s, expected an error on %s (first error: %s)", cases[i].query,
			    tr_err_name(err), cases[i].field,
			    fx->ctx.errors.n ? fx->ctx.errors.items[0].field : "none");
	}
	/* A long q, too many words. */
	char *q201 = arena_alloc(fx->a, 210), *words = arena_strdup(fx->a, "q=");
	memcpy(q201, "q=", 2);
	memset(q201 + 2, 'a', 201);
	assert_int_equal(parse(fx, q201, &q), TR_INVALID);
	for (int i = 0; i < 33; i++)
		words = arena_printf(fx->a, "%sw%d+", words, i);
	assert_int_equal(parse(fx, words, &q), TR_INVALID);
	assert_non_null(field_errors_get(&fx->ctx.errors, "q"));
	/* Unknown parameters are ignored. */
	assert_int_equal(parse(fx, "_=123&format=json", &q), TR_OK);
	/* fuzz_query: an unknown filter value is quoted in the message up to 100 bytes, cut between two characters (a
	 * cut inside the « é » made the message invalid UTF-8, and the API's problem lost it). */
	char *long_value = arena_alloc(fx->a, 120);
	memcpy(long_value, "services=", 9);
	memset(long_value + 9, 'a', 99);
	memcpy(long_value + 108, "%C3%A9", 7);
	assert_int_equal(parse(fx, long_value, &q), TR_INVALID);
	const char *m = field_errors_get(&fx->ctx.errors, "services");
	assert_non_null(m);
	assert_true(utf8_valid(m, strlen(m)));
	assert_non_null(strstr(m, "aaa »"));
}

static void
t_near_commune(void **state)
{
	struct fx *fx = *state;
	struct place_query q;
	struct db_rows *r;

	assert_int_equal(
	    db_onev(suite.db, fx->a, "SELECT latitude, longitude FROM communes WHERE code = ?", &r, DB_TEXT("42218")),
	    TR_OK);
	/* The geography always has coordinates (tools/refdata.mjs, from the locked npm packages). */
	assert_false(db_isnull(db_cell(r, 0, 0)));
	assert_int_equal(parse(fx, "near_commune=42218&radius_km=10", &q), TR_OK);
	assert_true(q.has_point);
	assert_true(fabs(q.lat - db_real(db_cell(r, 0, 0))) < 1e-9);
	assert_true(fabs(q.lon - db_real(db_cell(r, 0, 1))) < 1e-9);
	assert_true(q.radius_km == 10);
	assert_int_equal(parse(fx, "near_commune=saint-%C3%A9tienne", &q), TR_OK);
	assert_true(fabs(q.lat - db_real(db_cell(r, 0, 0))) < 1e-9);
}

static void
t_results_json(void **state)
{
	struct fx *fx = *state;
	struct place_results r = search(fx, "lat=45&lon=5&radius_km=12&per_page=2");
	struct buf b = BUF_INIT(0);
	json_error_t jerr;
	json_t *j, *item;

	assert_int_equal(place_results_json(&r, &b), TR_OK);
	j = json_loadb(b.p, b.n, 0, &jerr);
	buf_free(&b);
	if (j == NULL)
		fail_msg("invalid JSON: %s", jerr.text);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "page")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "per_page")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
	item = json_array_get(json_object_get(j, "items"), 1);
	assert_string_equal(json_string_value(json_object_get(item, "id")), "p-west");
	assert_string_equal(json_string_value(json_object_get(item, "nom")), "Tiers-lieu de l'Ouest");
	assert_true(json_is_real(json_object_get(item, "latitude")));
	assert_true(json_real_value(json_object_get(item, "longitude")) == 4.9);
	assert_true(fabs(json_number_value(json_object_get(item, "distance_km")) - 7.86) < 1e-9);
	assert_int_equal(json_object_size(item), PLACE_NFIELDS + 1);
	json_decref(j);
	/* Without a point, no distance. */
	r = search(fx, "q=mediatheque");
	assert_int_equal(place_results_json(&r, &b), TR_OK);
	j = json_loadb(b.p, b.n, 0, &jerr);
	buf_free(&b);
	assert_non_null(j);
	item = json_array_get(json_object_get(j, "items"), 0);
	assert_null(json_object_get(item, "distance_km"));
	assert_int_equal(json_object_size(item), PLACE_NFIELDS);
	json_decref(j);
}

/* The JSON the index puts together is the standard's part of place_json, for every place; and the text of each
 * field read from the index (place_entry_text) is the place's own. */
static void
t_entry_json(void **state)
{
	struct fx *fx = *state;
	struct place_results r = search(fx, "per_page=100");

	assert_int_equal(r.n, 7);
	for (size_t i = 0; i < r.n; i++) {
		const struct place_entry *e = r.items[i].place;
		struct buf b = BUF_INIT(0);
		json_t *got, *want;
		struct place *p;

		assert_int_equal(place_entry_json(e, &b), TR_OK);
		got = json_loadb(b.p, b.n, 0, NULL);
		buf_free(&b);

		assert_non_null(got);
		assert_int_equal(place_get(&fx->ctx, e->id, &p), TR_OK);
		want = place_json(p);
		assert_int_equal(json_object_size(got), PLACE_NFIELDS);
		for (int f = 0; f < PLACE_NFIELDS; f++) {
			json_t *w = json_object_get(want, place_fields[f].name);
			if (!json_equal(json_object_get(got, place_fields[f].name), w))
				fail_msg("%s: %s differs", e->id, place_fields[f].name);
			/* The text a list reads of the field without the JSON: the same string (escapes decoded). */
			if (json_is_string(w))
				assert_string_equal(place_entry_text(e, f, fx->a), json_string_value(w));
		}
		json_decref(got);
		json_decref(want);
	}
}

static void
t_view(void **state)
{
	struct fx *fx = *state;
	const char *moved;
	struct place *p;
	json_t *v;

	assert_int_equal(place_view(&fx->ctx, "p-center", &v, &p, &moved), TR_OK);
	assert_null(moved);
	assert_string_equal(p->v[PLACE_F_NOM], "Médiathèque Jean Macé");
	assert_string_equal(json_string_value(json_object_get(v, "horaires_fr")), "du lundi au vendredi de 9 h à 12 h");
	assert_true(json_is_true(json_object_get(v, "ouvert_maintenant")));
	assert_true(json_is_true(json_object_get(v, "horaires_reconnus")));
	assert_true(json_is_true(json_object_get(v, "netpublic")));
	json_decref(v);

	fx->ctx.now = TUE_1330;
	assert_int_equal(place_view(&fx->ctx, "p-center", &v, NULL, &moved), TR_OK);
	assert_true(json_is_false(json_object_get(v, "ouvert_maintenant")));
	json_decref(v);

	assert_int_equal(place_view(&fx->ctx, "p-n2", &v, NULL, &moved), TR_OK);
	assert_true(json_is_null(json_object_get(v, "horaires_fr")));
	assert_true(json_is_false(json_object_get(v, "horaires_reconnus")));
	assert_true(json_is_null(json_object_get(v, "ouvert_maintenant")));
	assert_string_equal(json_string_value(json_object_get(v, "horaires")), "lundi matin");
	json_decref(v);

	assert_int_equal(place_view(&fx->ctx, "p-west", &v, NULL, &moved), TR_OK);
	assert_true(json_is_null(json_object_get(v, "horaires_fr")));
	assert_true(json_is_true(json_object_get(v, "horaires_reconnus")));
	assert_true(json_is_null(json_object_get(v, "ouvert_maintenant")));
	json_decref(v);

	assert_int_equal(place_view(&fx->ctx, "p-merged", &v, NULL, &moved), TR_OK);
	assert_null(v);
	assert_string_equal(moved, "p-center");
	assert_int_equal(place_view(&fx->ctx, "p-absent", &v, NULL, &moved), TR_NOT_FOUND);
	assert_null(v);
}

/* The thread's index follows places_version: cached for a second, rechecked on demand, rebuilt on a change. */
static void
t_index_refresh(void **state)
{
	struct fx *fx = *state;
	static const struct fixture extra = { "p-new", "Nouveau lieu", "Lyon", "69001", "69381", "69", "84", true,
		45.05, 5.0, "", "", "", "", 0, NULL };
	const struct place_index *a, *b;
	int64_t version;

	place_index_reset();
	assert_int_equal(place_index_get(&fx->ctx, &a), TR_OK);
	assert_int_equal(place_index_count(a), 7);
	version = place_index_version(a);
	assert_int_equal(insert_place(suite.db, &extra), TR_OK);
	assert_int_equal(bump_version(suite.db), TR_OK);
	assert_int_equal(place_index_get(&fx->ctx, &b), TR_OK);
	assert_ptr_equal(a, b); /* checked less than a second ago */
	place_index_recheck();
	assert_int_equal(place_index_get(&fx->ctx, &b), TR_OK);
	assert_int_equal(place_index_count(b), 8);
	assert_int_equal(place_index_version(b), version + 1); /* A is gone: the thread held the only reference */
	place_index_recheck();
	assert_int_equal(place_index_get(&fx->ctx, &a), TR_OK);
	assert_ptr_equal(a, b); /* same version: same index */
	assert_int_equal(db_execv(suite.db, "DELETE FROM places WHERE id = ?", NULL, DB_TEXT("p-new")), TR_OK);
	assert_int_equal(bump_version(suite.db), TR_OK);
	place_index_recheck();
	assert_int_equal(place_index_get(&fx->ctx, &a), TR_OK);
	assert_int_equal(place_index_count(a), 7);
	place_index_reset();
}

/* A deterministic generator (xorshift64*) for the grid check. */
static uint64_t rng_state = 88172645463325252ull;

static double
rnd(double lo, double hi)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return lo + (hi - lo) * (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* The grid (a radius search) finds exactly what a scan of every place finds: random places in clusters, near the
 * poles and across ±180° too, and searches of every radius around them. */
static void
t_grid_matches_scan(void **state)
{
	struct fx *fx = *state;
	static const double centres[][2] = { { 45.76, 4.84 }, { 48.85, 2.35 }, { -21.1, 55.5 }, { 0.05, -0.05 },
		{ 89.6, 10 }, { -89.7, -120 }, { 10, 179.95 }, { -10, -179.97 }, { 64, -21 } };
	static const double radii[] = { 0.3, 2, 7.5, 20, 55, 120, 200 };
	struct place_index *idx = NULL, *saved = suite.idx;
	tr_err err = db_begin(suite.db);

	for (int i = 0; i < 1500 && err == TR_OK; i++) {
		const double *c = centres[i % N_ELEMS(centres)];
		double spread = i % 3 == 0 ? 3 : 0.4, lat = fmax(-89.99, fmin(89.99, c[0] + rnd(-spread, spread)));
		double lon = c[1] + rnd(-spread, spread);
		struct fixture f = { arena_printf(fx->a, "g-%d", i), "Lieu aléatoire", "Commune", "00000", "00000",
			"00", "00", true, lat,
			lon > 180    ? lon - 360
			: lon < -180 ? lon + 360
			             : lon,
			"", "", "", "", 0, NULL };
		err = insert_place(suite.db, &f);
	}
	assert_int_equal(err, TR_OK);
	assert_int_equal(db_commit(suite.db), TR_OK);
	assert_int_equal(place_index_build(suite.db, 1, &idx), TR_OK);
	suite.idx = idx;
	for (size_t c = 0; c < N_ELEMS(centres); c++)
		for (size_t k = 0; k < N_ELEMS(radii); k++) {
			double lat = fmax(-90, fmin(90, centres[c][0] + rnd(-0.3, 0.3))),
			       lon = centres[c][1] + rnd(-0.3, 0.3);
			const char *point = arena_printf(fx->a, "lat=%.6f&lon=%.6f", lat,
			    lon > 180    ? lon - 360
			    : lon < -180 ? lon + 360
			                 : lon);
			struct place_results r =
			    search(fx, arena_printf(fx->a, "%s&radius_km=%g&per_page=100", point, radii[k]));
			size_t n = r.total < 100 ? r.total : 100;
			struct place_results all =
			    search(fx, arena_printf(fx->a, "%s&per_page=100&page=%zu", point, r.total / 100 + 1));
			struct place_results first = search(fx, arena_printf(fx->a, "%s&per_page=100", point));
			size_t at = r.total % 100; /* the first place beyond the radius, on page total/100 + 1 */

			for (size_t i = 0; i < n; i++)
				if (first.items[i].place != r.items[i].place)
					fail_msg("%s radius %g: item %zu is %s, the scan has %s", point, radii[k], i,
					    r.items[i].place->id, first.items[i].place->id);
			if (at < all.n && all.items[at].distance_km <= radii[k] - 1e-6)
				fail_msg("%s radius %g: %s at %.6f km is missing (total %zu)", point, radii[k],
				    all.items[at].place->id, all.items[at].distance_km, r.total);
			for (size_t i = 0; i < n; i++)
				assert_true(r.items[i].distance_km <= radii[k] + 1e-6);
		}
	suite.idx = saved;
	place_index_release(idx);
	assert_int_equal(db_execv(suite.db, "DELETE FROM places WHERE id LIKE ?", NULL, DB_TEXT("g-%")), TR_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_build),
		T(t_radius),
		T(t_filters),
		T(t_text),
		T(t_pagination),
		T(t_open_now),
		T(t_bad_parameters),
		T(t_near_commune),
		T(t_results_json),
		T(t_entry_json),
		T(t_view),
		T(t_index_refresh),
		T(t_grid_matches_scan),
	};
	const struct testdb_fixtures fixtures = { group_setup, group_teardown, group_setup, group_teardown };
	int failed;

	log_set_level(LOG_WARN);
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	failed = testdb_run("place_search", tests, N_ELEMS(tests), &fixtures);
	return failed == 0 ? 0 : 1;
}
