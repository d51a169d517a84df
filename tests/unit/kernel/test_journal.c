/* Tests of domain/journal: appends, verification and tampering, entries keyed by text, on SQLite (a file per case)
 * and PostgreSQL (TREMPLIN_TEST_PG: a database of this suite's own, its schema recreated for each case). */
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
#include "domain/kernel/ctx.h"
#include "domain/kernel/journal.h"
#include "domain/privacy/retention.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define T0 1795514700 /* 2026-11-24T10:05:00Z */
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* One fresh database with the schema, and a context over it. */
struct fx {
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
};

static struct fx *
fx_open(void)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char url[800];
	int applied = 0;

	if (testdb.engine == DB_SQLITE)
		testdb_sqlite_url(url, sizeof(url), "j");
	else
		snprintf(url, sizeof(url), "%s", testdb.pg_url);
	if ((fx->db = testdb_open(url)) == NULL)
		fail_msg("cannot open %s", url);
	if (testdb.engine == DB_POSTGRES)
		assert_int_equal(db_exec_script(fx->db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), TR_OK);
	assert_int_equal(db_migrate(fx->db, embedded_migrations, &applied), TR_OK);
	assert_true(applied >= 1);
	fx->a = arena_new();
	config_defaults(&fx->cfg);
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .actor = NULL, .now = T0 };
	return fx;
}

static void
fx_close(struct fx *fx)
{
	db_close(fx->db);
	arena_free(fx->a);
	free(fx);
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
	fx_close(*state);
	return 0;
}

static int64_t
count(struct fx *fx, const char *sql)
{
	struct db_rows *r;

	assert_int_equal(db_query(fx->db, fx->a, sql, NULL, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 1);
	return db_int(db_cell(r, 0, 0));
}

/* Appends N entries "organisation"/FIRST_ID.. "create" with detail {"n": i}, in one transaction. */
static void
append_entries(struct fx *fx, int n, int first_id)
{
	assert_int_equal(db_begin(fx->db), TR_OK);
	for (int i = 0; i < n; i++) {
		json_t *detail = json_pack("{s:i}", "n", first_id + i);
		tr_err err = journal_append(&fx->ctx, "organisation", first_id + i, "create", detail);
		json_decref(detail);
		assert_int_equal(err, TR_OK);
	}
	assert_int_equal(db_commit(fx->db), TR_OK);
}

/* Appends N entries "place"/"p-FIRST".. "update" keyed by text, with detail {"n": i}, in one transaction. */
static void
append_keyed_entries(struct fx *fx, int n, int first)
{
	assert_int_equal(db_begin(fx->db), TR_OK);
	for (int i = 0; i < n; i++) {
		json_t *detail = json_pack("{s:i}", "n", first + i);
		char key[32];
		tr_err err;
		snprintf(key, sizeof(key), "p-%d", first + i);
		err = journal_append_key(&fx->ctx, "place", key, "update", detail);
		json_decref(detail);
		assert_int_equal(err, TR_OK);
	}
	assert_int_equal(db_commit(fx->db), TR_OK);
}

static void
assert_verified(struct fx *fx, int64_t want)
{
	int64_t checked = -1, bad = -1;
	const char *why = NULL;
	tr_err err = journal_verify(fx->db, fx->a, &checked, &bad, &why);

	if (err != TR_OK)
		fail_msg("journal_verify: %s, bad id %lld: %s", tr_err_name(err), (long long)bad, why ? why : "");
	assert_int_equal(checked, want);
}

/* ---- cases ---- */

static void
t_empty(void **state)
{
	struct fx *fx = *state;

	assert_verified(fx, 0);
	assert_int_equal(count(fx, "SELECT seq FROM journal_head"), 0);
}

static void
t_append_verify(void **state)
{
	struct fx *fx = *state;
	struct actor camille = { .person_id = 42, .email = "camille@example.fr", .name = "Camille" };
	struct db_rows *r;
	json_t *detail;

	append_entries(fx, 5, 1);
	assert_verified(fx, 5);

	/* A second transaction, by a person, with a detail holding accents and nested values. */
	fx->ctx.actor = &camille;
	fx->ctx.now = T0 + 60;
	detail = json_pack("{s:s, s:[i,i], s:{s:b}}", "name", "Élodie « Zoé »", "list", 1, 2, "obj", "ok", 1);
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(journal_append(&fx->ctx, "person", 42, "update", detail), TR_OK);
	assert_int_equal(journal_append(&fx->ctx, "person", 42, "archive", NULL), TR_OK);
	assert_int_equal(db_commit(fx->db), TR_OK);
	/* DETAIL is borrowed, not stolen. */
	assert_int_equal(detail->refcount, 1);
	json_decref(detail);
	assert_verified(fx, 7);

	/* The chain: ids 1..7, each prev_hash the hash before it, the head on the last one. */
	assert_int_equal(
	    db_query(fx->db, fx->a,
	        "SELECT id, prev_hash, hash, actor_id, actor_label, at, detail FROM journal ORDER BY id", NULL, 0, &r),
	    TR_OK);
	assert_int_equal(r->nrows, 7);
	for (size_t i = 0; i < r->nrows; i++) {
		const char *prev = db_text(db_cell(r, i, 1)), *hash = db_text(db_cell(r, i, 2));
		assert_int_equal(db_int(db_cell(r, i, 0)), (int64_t)i + 1);
		assert_string_equal(prev, i == 0 ? ZERO_HASH : db_text(db_cell(r, i - 1, 2)));
		assert_int_equal(strlen(hash), 64);
		assert_int_equal(strspn(hash, "0123456789abcdef"), 64);
		assert_string_not_equal(hash, prev);
	}
	assert_true(db_isnull(db_cell(r, 0, 3)));
	assert_string_equal(db_text(db_cell(r, 0, 4)), "système");
	assert_int_equal(db_int(db_cell(r, 0, 5)), T0);
	assert_string_equal(db_text(db_cell(r, 0, 6)), "{\"n\":1}");
	assert_int_equal(db_int(db_cell(r, 5, 3)), 42);
	assert_string_equal(db_text(db_cell(r, 5, 4)), "camille@example.fr");
	assert_int_equal(db_int(db_cell(r, 5, 5)), T0 + 60);
	assert_string_equal(db_text(db_cell(r, 6, 6)), "{}");
	assert_int_equal(count(fx, "SELECT seq FROM journal_head"), 7);
	{
		struct db_rows *h;
		assert_int_equal(db_query(fx->db, fx->a, "SELECT hash FROM journal_head", NULL, 0, &h), TR_OK);
		assert_string_equal(db_text(db_cell(h, 0, 0)), db_text(db_cell(r, 6, 2)));
	}
}

static void
t_append_outside_tx(void **state)
{
	struct fx *fx = *state;
	json_t *detail = json_pack("{s:i}", "n", 1);

	assert_int_equal(journal_append(&fx->ctx, "organisation", 1, "create", detail), TR_INTERNAL);
	assert_int_equal(journal_append(&fx->ctx, "organisation", 1, "create", NULL), TR_INTERNAL);
	json_decref(detail);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal"), 0);
	assert_int_equal(count(fx, "SELECT seq FROM journal_head"), 0);
	assert_verified(fx, 0);
}

static void
t_rollback_leaves_no_trace(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(journal_append(&fx->ctx, "organisation", 1, "create", NULL), TR_OK);
	assert_int_equal(journal_append(&fx->ctx, "organisation", 1, "update", NULL), TR_OK);
	db_rollback(fx->db);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal"), 0);
	assert_int_equal(count(fx, "SELECT seq FROM journal_head"), 0);
	append_entries(fx, 1, 9);
	assert_int_equal(count(fx, "SELECT MAX(id) FROM journal"), 1);
	assert_verified(fx, 1);
}

/* Entries keyed by text and entries named by an integer in one chain; the key is stored, hashed, listed. */
static void
t_keyed_entries(void **state)
{
	struct fx *fx = *state;
	json_t *list = NULL;
	struct db_rows *r;

	append_entries(fx, 1, 1);
	append_keyed_entries(fx, 2, 1);
	assert_int_equal(db_begin(fx->db), TR_OK);
	assert_int_equal(journal_append_key(&fx->ctx, "place", "p-1", "merge", NULL), TR_OK);
	assert_int_equal(journal_append_key(&fx->ctx, "place", NULL, "merge", NULL), TR_INTERNAL);
	assert_int_equal(db_commit(fx->db), TR_OK);
	append_entries(fx, 1, 2);
	assert_verified(fx, 5);

	assert_int_equal(
	    db_query(fx->db, fx->a, "SELECT entity_id, entity_key FROM journal ORDER BY id", NULL, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 5);
	assert_int_equal(db_int(db_cell(r, 0, 0)), 1);
	assert_true(db_isnull(db_cell(r, 0, 1)));
	assert_true(db_isnull(db_cell(r, 1, 0)));
	assert_string_equal(db_text(db_cell(r, 1, 1)), "p-1");
	assert_string_equal(db_text(db_cell(r, 3, 1)), "p-1");
	assert_true(db_isnull(db_cell(r, 4, 1)));

	assert_int_equal(journal_list_key(&fx->ctx, "place", "p-1", &list), TR_OK);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "action")), "merge");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1), "id")), 2);
	json_decref(list);
	assert_int_equal(journal_list_key(&fx->ctx, "place", "p-9", &list), TR_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	assert_int_equal(journal_list_key(&fx->ctx, "organisation", "p-1", &list), TR_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

/* An entry without a key is hashed as before keys existed: entries written then verify unchanged. */
static void
t_hash_without_key_unchanged(void **state)
{
	struct fx *fx = *state;
	const char *bytes = ZERO_HASH "\n1\n1795514700\n0\nsystème\norganisation\n1\ncreate\n{\"n\":1}";
	char want[SEC_SHA256_HEX];
	struct db_rows *r;

	append_entries(fx, 1, 1);
	sec_sha256_hex(bytes, strlen(bytes), want);
	assert_int_equal(db_query(fx->db, fx->a, "SELECT hash FROM journal WHERE id = 1", NULL, 0, &r), TR_OK);
	assert_string_equal(db_text(db_cell(r, 0, 0)), want);
}

struct tamper_case {
	const char *name;
	const char *sql;
	int64_t bad_id;
};

static const struct tamper_case tamper_cases[] = {
	{ "detail of entry 2", "UPDATE journal SET detail = '{\"n\":99}' WHERE id = 2", 2 },
	{ "middle entry deleted", "DELETE FROM journal WHERE id = 2", 2 },
	{ "first entry deleted", "DELETE FROM journal WHERE id = 1", 1 },
	{ "last entry deleted", "DELETE FROM journal WHERE id = 3", 3 },
	{ "every entry deleted", "DELETE FROM journal", 3 },
	{ "hash of entry 2", "UPDATE journal SET hash = '" ZERO_HASH "' WHERE id = 2", 2 },
	{ "hash of the last entry",
	    "UPDATE journal SET hash = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' WHERE id = 3",
	    3 },
	{ "prev_hash of entry 3", "UPDATE journal SET prev_hash = '" ZERO_HASH "' WHERE id = 3", 3 },
	{ "time of entry 1", "UPDATE journal SET at = at + 1 WHERE id = 1", 1 },
	{ "actor of entry 2", "UPDATE journal SET actor_label = 'mallory@example.fr' WHERE id = 2", 2 },
	{ "actor id of entry 2", "UPDATE journal SET actor_id = 7 WHERE id = 2", 2 },
	{ "entity of entry 1", "UPDATE journal SET entity = 'person' WHERE id = 1", 1 },
	{ "entity id of entry 3", "UPDATE journal SET entity_id = 99 WHERE id = 3", 3 },
	{ "action of entry 2", "UPDATE journal SET action = 'delete' WHERE id = 2", 2 },
	/* Swapping the details of two entries changes both. */
	{ "entries 1 and 2 swapped",
	    "UPDATE journal SET detail = CASE id WHEN 1 THEN '{\"n\":2}' ELSE '{\"n\":1}' END WHERE id IN (1, 2)", 1 },
	{ "head moved on", "UPDATE journal_head SET seq = seq + 1", 4 },
	{ "key added to entry 2", "UPDATE journal SET entity_key = 'p-2' WHERE id = 2", 2 },
};

/* The same, on three entries keyed by text ("p-1".."p-3"). */
static const struct tamper_case keyed_tamper_cases[] = {
	{ "key of entry 2", "UPDATE journal SET entity_key = 'p-9' WHERE id = 2", 2 },
	{ "key of entry 3 removed", "UPDATE journal SET entity_key = NULL WHERE id = 3", 3 },
	{ "keys of entries 1 and 2 swapped",
	    "UPDATE journal SET entity_key = CASE id WHEN 1 THEN 'p-2' ELSE 'p-1' END WHERE id IN (1, 2)", 1 },
	{ "detail of keyed entry 1", "UPDATE journal SET detail = '{}' WHERE id = 1", 1 },
	{ "entity id given to keyed entry 2", "UPDATE journal SET entity_id = 2 WHERE id = 2", 2 },
};

/* Runs each of the N CASES on a fresh chain of three entries, keyed by text when KEYED. */
static void
run_tamper_cases(const struct tamper_case *cases, size_t n, bool keyed)
{
	for (size_t i = 0; i < n; i++) {
		const struct tamper_case *c = &cases[i];
		struct fx *fx = fx_open();
		int64_t checked = -1, bad = -1;
		const char *why = NULL;
		tr_err err;

		if (keyed)
			append_keyed_entries(fx, 3, 1);
		else
			append_entries(fx, 3, 1);
		assert_verified(fx, 3);
		assert_int_equal(db_exec_script(fx->db, c->sql), TR_OK);
		err = journal_verify(fx->db, fx->a, &checked, &bad, &why);
		if (err != TR_CONFLICT || bad != c->bad_id || why == NULL || *why == '\0') {
			fail_msg("%s: got %s, bad id %lld (expected %lld): %s", c->name, tr_err_name(err),
			    (long long)bad, (long long)c->bad_id, why ? why : "(no reason)");
		}
		assert_true(checked < 3 || c->bad_id > 3);
		fx_close(fx);
	}
}

static void
t_tamper(void **state)
{
	(void)state;
	run_tamper_cases(tamper_cases, N_ELEMS(tamper_cases), false);
	run_tamper_cases(keyed_tamper_cases, N_ELEMS(keyed_tamper_cases), true);
}

static void
t_list_newest_first(void **state)
{
	struct fx *fx = *state;
	struct actor camille = { .person_id = 42, .email = "camille@example.fr", .name = "Camille" };
	static const char *actions[] = { "create", "update", "archive" };
	json_t *list = NULL, *detail;

	assert_int_equal(db_begin(fx->db), TR_OK);
	for (size_t i = 0; i < N_ELEMS(actions); i++) {
		fx->ctx.now = T0 + (int64_t)i * 10;
		fx->ctx.actor = i == 2 ? &camille : NULL;
		detail = json_pack("{s:i, s:s}", "step", (int)i, "a", "x"); /* keys stored sorted */
		assert_int_equal(journal_append(&fx->ctx, "organisation", 7, actions[i], detail), TR_OK);
		json_decref(detail);
	}
	assert_int_equal(journal_append(&fx->ctx, "organisation", 8, "create", NULL), TR_OK);
	assert_int_equal(journal_append(&fx->ctx, "person", 7, "create", NULL), TR_OK);
	assert_int_equal(db_commit(fx->db), TR_OK);

	assert_int_equal(journal_list(&fx->ctx, "organisation", 7, &list), TR_OK);
	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *item = json_array_get(list, i);
		size_t step = 2 - i;
		assert_string_equal(json_string_value(json_object_get(item, "action")), actions[step]);
		assert_int_equal(json_integer_value(json_object_get(item, "at")), T0 + (int64_t)step * 10);
		assert_int_equal(json_integer_value(json_object_get(item, "id")), (json_int_t)step + 1);
	}
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list, 0), "actor_label")), "camille@example.fr");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "actor_label")), "système");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list, 2), "detail")), "{\"a\":\"x\",\"step\":0}");
	json_decref(list);

	assert_int_equal(journal_list(&fx->ctx, "organisation", 9, &list), TR_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	assert_int_equal(journal_list(&fx->ctx, "person", 7, &list), TR_OK);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	assert_verified(fx, 5);
}

static void
t_recent_admins_only(void **state)
{
	struct fx *fx = *state;
	struct actor admin = { .person_id = 1, .email = "admin@example.fr", .nroles = 1 };
	struct actor candidate = { .person_id = 2, .email = "candidat@example.fr", .nroles = 1 };
	json_t *page = NULL, *items;

	admin.roles[0].role = ROLE_ADMIN;
	admin.role_mask = ROLE_BIT(ROLE_ADMIN);
	candidate.roles[0].role = ROLE_CANDIDATE;
	candidate.role_mask = ROLE_BIT(ROLE_CANDIDATE);
	append_entries(fx, 55, 1);

	assert_int_equal(journal_recent(&fx->ctx, NULL, 1, &page), TR_UNAUTHORIZED);
	fx->ctx.actor = &candidate;
	assert_int_equal(journal_recent(&fx->ctx, NULL, 1, &page), TR_FORBIDDEN);
	assert_non_null(fx->ctx.message);
	fx->ctx.actor = &admin;
	assert_int_equal(journal_recent(&fx->ctx, NULL, 1, &page), TR_OK);
	items = json_object_get(page, "items");
	assert_int_equal(json_integer_value(json_object_get(page, "total")), 55);
	assert_int_equal(json_array_size(items), 50);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), 55);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 49), "id")), 6);
	json_decref(page);
	assert_int_equal(journal_recent(&fx->ctx, NULL, 2, &page), TR_OK);
	items = json_object_get(page, "items");
	assert_int_equal(json_array_size(items), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 4), "id")), 1);
	json_decref(page);
	/* Page 0 is page 1. */
	assert_int_equal(journal_recent(&fx->ctx, NULL, 0, &page), TR_OK);
	assert_int_equal(json_array_size(json_object_get(page, "items")), 50);
	json_decref(page);
	assert_verified(fx, 55);
}

/* The whole journal's list narrowed by author, entity, action and days. */
static void
t_recent_filters(void **state)
{
	struct fx *fx = *state;
	struct actor admin = { .person_id = 1, .email = "admin@example.fr", .nroles = 1 };
	json_t *page = NULL;
	struct {
		struct journal_filter f;
		int total;
	} cases[] = {
		{ { 0 }, 5 },
		{ { .entity = "place" }, 2 },
		{ { .entity = "place", .action = "create" }, 0 },
		{ { .action = "create" }, 3 },
		{ { .who = "ADMIN@" }, 5 },
		{ { .who = "personne" }, 0 },
		{ { .from = "2026-11-24", .to = "2026-11-24" }, 5 },
		{ { .from = "2026-11-25" }, 0 },
		{ { .to = "2026-11-23" }, 0 },
		{ { .from = "pas une date", .entity = "" }, 5 },
	};

	admin.roles[0].role = ROLE_ADMIN;
	admin.role_mask = ROLE_BIT(ROLE_ADMIN);
	fx->ctx.actor = &admin;
	append_entries(fx, 3, 1);
	append_keyed_entries(fx, 2, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(journal_recent(&fx->ctx, &cases[i].f, 1, &page), TR_OK);
		assert_int_equal(json_integer_value(json_object_get(page, "total")), cases[i].total);
		assert_int_equal(json_array_size(json_object_get(page, "items")), (size_t)cases[i].total);
		json_decref(page);
	}
}

/* The attacker of issue 17: write access to the database and the hashing rule. Rewrites entry FROM's detail, then
 * recomputes the hash of every entry from FROM on and the head, so that journal_verify alone sees nothing. */
static void
rewrite_chain(struct fx *fx, int64_t from, const char *detail)
{
	struct db_rows *r;
	char prev[SEC_SHA256_HEX], hash[SEC_SHA256_HEX];

	assert_int_equal(
	    db_execv(fx->db, "UPDATE journal SET detail = ? WHERE id = ?", NULL, DB_TEXT(detail), DB_I64(from)), TR_OK);
	assert_int_equal(db_query(fx->db, fx->a,
	                     "SELECT id, at, COALESCE(actor_id, 0), actor_label, entity, COALESCE(entity_id, 0), "
	                     "entity_key, action, detail, prev_hash FROM journal ORDER BY id",
	                     NULL, 0, &r),
	    TR_OK);
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t id = db_int(db_cell(r, i, 0));
		if (id < from) {
			continue;
		}
		if (id == from)
			snprintf(prev, sizeof(prev), "%s", db_text(db_cell(r, i, 9)));
		char *text = arena_printf(fx->a, "%s\n%lld\n%lld\n%lld\n%s\n%s\n%lld\n%s\n%s", prev, (long long)id,
		    (long long)db_int(db_cell(r, i, 1)), (long long)db_int(db_cell(r, i, 2)), db_text(db_cell(r, i, 3)),
		    db_text(db_cell(r, i, 4)), (long long)db_int(db_cell(r, i, 5)), db_text(db_cell(r, i, 7)),
		    db_text(db_cell(r, i, 8)));
		if (!db_isnull(db_cell(r, i, 6)))
			text = arena_printf(fx->a, "%s\n%s", text, db_text(db_cell(r, i, 6)));
		sec_sha256_hex(text, strlen(text), hash);
		assert_int_equal(db_execv(fx->db, "UPDATE journal SET prev_hash = ?, hash = ? WHERE id = ?", NULL,
		                     DB_TEXT(prev), DB_TEXT(hash), DB_I64(id)),
		    TR_OK);
		memcpy(prev, hash, sizeof(prev));
	}
	assert_int_equal(db_execv(fx->db, "UPDATE journal_head SET hash = ? WHERE id = 1", NULL, DB_TEXT(prev)), TR_OK);
}

/* The witness: the daily head published once a day, its text read back, and a rewritten chain caught. */
static void
t_witness(void **state)
{
	struct fx *fx = *state;
	int64_t n = -1, seq = -1, checked = 0, bad = 0;
	const char *why = NULL, *text;
	char hash[65];
	json_t *list;

	append_entries(fx, 3, 100);
	append_keyed_entries(fx, 2, 1);
	assert_int_equal(journal_publish(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(journal_publish(&fx->ctx, &n), TR_OK); /* the same day: once */
	assert_int_equal(n, 0);
	assert_int_equal(journal_published(&fx->ctx, &list), TR_OK);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "day")), "2026-11-24");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "seq")), 5);
	text = journal_witness_text(
	    fx->a, "2026-11-24", 5, json_string_value(json_object_get(json_array_get(list, 0), "hash")));
	json_decref(list);
	assert_true(journal_witness_parse(text, strlen(text), &seq, hash));
	assert_int_equal(seq, 5);
	assert_false(journal_witness_parse("hash: x\n", 8, &seq, hash));

	/* Later entries do not disturb the published head. */
	fx->ctx.now += 86400;
	append_entries(fx, 2, 200);
	assert_int_equal(journal_publish(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(journal_verify_against(fx->db, fx->a, seq, hash, &checked, &bad, &why), TR_OK);
	assert_int_equal(checked, 7);

	/* Entry 2 rewritten with its whole chain: the chain alone verifies, the published head does not. */
	rewrite_chain(fx, 2, "{\"n\":666}");
	assert_verified(fx, 7);
	assert_int_equal(journal_verify_against(fx->db, fx->a, seq, hash, &checked, &bad, &why), TR_CONFLICT);
	assert_int_equal(bad, 5);
	assert_non_null(strstr(why, "rewritten after publication"));
	/* A head of the empty journal is the zero hash; anything else is refused. */
	assert_int_equal(journal_verify_against(fx->db, fx->a, 0, ZERO_HASH, &checked, &bad, &why), TR_OK);
	assert_int_equal(journal_verify_against(fx->db, fx->a, 0, hash, &checked, &bad, &why), TR_CONFLICT);
	/* A published head past the end: the journal was cut back. */
	assert_int_equal(journal_verify_against(fx->db, fx->a, 99, hash, &checked, &bad, &why), TR_CONFLICT);
	assert_non_null(strstr(why, "missing"));
}

/* The retention rules applied by their job: what is past its period goes, the rest stays, and the journal says how
 * many of each went. */
static void
t_retention(void **state)
{
	struct fx *fx = *state;
	int64_t n = -1, now = T0, day = 86400;
	struct db_rows *r;

	assert_int_equal(
	    db_exec_script(fx->db,
	        "INSERT INTO people (id, email, name, created_at, updated_at) VALUES (7, 'r@exemple.fr', 'R', "
	        "0, 0);"),
	    TR_OK);
	assert_int_equal(db_execv(fx->db, "INSERT INTO login_failures (key, at) VALUES ('ip:1', ?), ('ip:1', ?)", NULL,
	                     DB_I64(now - 2 * day), DB_I64(now - 60)),
	    TR_OK);
	assert_int_equal(
	    db_execv(fx->db,
	        "INSERT INTO sessions (id_hash, person_id, csrf, created_at, expires_at, last_seen_at) VALUES "
	        "('old', 7, 'c', 0, ?, 0), ('live', 7, 'c', 0, ?, 0)",
	        NULL, DB_I64(now - 1), DB_I64(now + day)),
	    TR_OK);
	assert_int_equal(
	    db_execv(fx->db,
	        "INSERT INTO one_time_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES "
	        "('t1', 7, 'reset', 0, ?), ('t2', 7, 'reset', 0, ?)",
	        NULL, DB_I64(now - 31 * day), DB_I64(now - day)),
	    TR_OK);
	assert_int_equal(
	    db_execv(fx->db,
	        "INSERT INTO outbox (created_at, recipient, subject, body, status, next_attempt_at, sent_at) "
	        "VALUES (0, 'a@x.fr', 's', 'b', 'sent', 0, ?), (0, 'a@x.fr', 's', 'b', 'sent', 0, ?), "
	        "(?, 'a@x.fr', 's', 'b', 'failed', 0, NULL), (0, 'a@x.fr', 's', 'b', 'pending', 0, NULL)",
	        NULL, DB_I64(now - 91 * day), DB_I64(now - 89 * day), DB_I64(now - 366 * day)),
	    TR_OK);

	assert_int_equal(db_execv(fx->db,
	                     "INSERT INTO notifications (person_id, created_at, subject) VALUES (7, ?, 'ancienne'), "
	                     "(7, ?, 'récente')",
	                     NULL, DB_I64(now - 366 * day), DB_I64(now - day)),
	    TR_OK);

	assert_int_equal(retention_apply(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, 6);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM notifications WHERE subject = 'récente'"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM notifications"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM login_failures"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions WHERE id_hash = 'live'"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox"), 2);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"), 1);
	assert_int_equal(db_query(fx->db, fx->a,
	                     "SELECT detail FROM journal WHERE entity = 'retention' AND action = 'apply'", NULL, 0, &r),
	    TR_OK);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(db_text(db_cell(r, 0, 0)),
	    "{\"emails_failed\":1,\"emails_sent\":1,\"login_failures\":1,\"notifications\":1,\"one_time_links\":1,"
	    "\"sessions_expired\":1}");
	/* Nothing left to remove: nothing journaled. */
	assert_int_equal(retention_apply(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal WHERE entity = 'retention'"), 1);
	assert_verified(fx, 1);
	/* Every rule says what, how long, which action and why (the register of /donnees-personnelles). */
	for (size_t i = 0; i < retention_nrules; i++)
		assert_true(retention_rules[i].what[0] && retention_rules[i].after[0] && retention_rules[i].why[0] &&
		            retention_rules[i].seconds >= 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_empty),
		T(t_append_verify),
		T(t_append_outside_tx),
		T(t_rollback_leaves_no_trace),
		cmocka_unit_test(t_tamper),
		T(t_list_newest_first),
		T(t_keyed_entries),
		T(t_hash_without_key_unchanged),
		T(t_recent_admins_only),
		T(t_recent_filters),
		T(t_witness),
		T(t_retention),
	};
	int failed;

	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	failed = testdb_run("journal", tests, N_ELEMS(tests), NULL);
	return failed == 0 ? 0 : 1;
}
