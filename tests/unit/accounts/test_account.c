/* Tests of accounts, sessions, API tokens, email links, organisations, geography and demo data, on SQLite and
 * PostgreSQL (TREMPLIN_TEST_PG); each case gets a copy of a template database migrated and seeded once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <liboath/oath.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/embed.h"
#include "core/log.h"
#include "core/totp.h"
#include "domain/accounts/account.h"
#include "domain/kernel/ctx.h"
#include "demo/demo.h"
#include "domain/kernel/journal.h"
#include "domain/accounts/org.h"
#include "domain/programmes/programme.h"
#include "domain/geo/refdata.h"
#include "domain/accounts/second_factor.h"
#include "domain/accounts/session.h"
#include "domain/training/skills.h"
#include "store/db.h"
#include "store/migrate.h"
#include "testdb.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))
#define T0 1795514700 /* 2026-11-24T10:05:00Z */
#define PW "correct horse battery staple"
#define PW2 "un autre mot de passe, plus long"
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static char template_path[600]; /* SQLite: the template every case copies */
static int64_t seeded_communes; /* what refdata_seed reported for the template */

struct fx {
	char url[800];
	char pg_name[80]; /* PostgreSQL: this case's database, dropped at the end */
	struct db *db;
	struct arena *a;
	struct config cfg;
	struct ctx ctx;
};

/* ---- databases: each case gets a copy of the template (the suite's database on PostgreSQL) ---- */

static tr_err
copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;
	tr_err err = in && out ? TR_OK : TR_INTERNAL;

	while (err == TR_OK && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			err = TR_INTERNAL;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		err = TR_INTERNAL;
	return err;
}

/* Migrates and seeds the geography at URL: the template every case starts from. */
static int
build_template(const char *url)
{
	struct db *db = testdb_open(url);
	struct arena *a = arena_new();
	struct config cfg;
	struct ctx ctx;
	int applied = 0;
	tr_err err = TR_UNAVAILABLE;

	config_defaults(&cfg);
	if (db != NULL) {
		ctx = (struct ctx){ .arena = a, .db = db, .cfg = &cfg, .now = T0 };
		err = db_migrate(db, embedded_migrations, &applied);
		if (err == TR_OK)
			err = refdata_seed(&ctx, &seeded_communes);
		/* Everything into the main file before it is copied. */
		if (err == TR_OK && testdb.engine == DB_SQLITE)
			err = db_exec_script(db, "PRAGMA wal_checkpoint(TRUNCATE);");
		if (err != TR_OK)
			print_error("template: %s (%s)\n", tr_err_name(err), db_errmsg(db));
	}
	db_close(db);
	arena_free(a);
	return err == TR_OK ? 0 : -1;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (testdb.engine == DB_SQLITE) {
		testdb_sqlite_url(fx->url, sizeof(fx->url), "a");
		if (copy_file(template_path, fx->url + strlen("sqlite:")) != TR_OK) {
			print_error("cannot copy %s to %s\n", template_path, fx->url);
			free(fx);
			return -1;
		}
	} else {
		snprintf(fx->pg_name, sizeof(fx->pg_name), "%s_%d", testdb.pg_name, ++testdb.seq);
		if (testdb_pg_create(fx->pg_name, testdb.pg_name) != TR_OK) {
			free(fx);
			return -1;
		}
		testdb_pg_url(fx->url, sizeof(fx->url), fx->pg_name);
	}
	if ((fx->db = testdb_open(fx->url)) == NULL) {
		free(fx);
		return -1;
	}
	fx->a = arena_new();
	config_defaults(&fx->cfg);
	fx->ctx = (struct ctx){ .arena = fx->a, .db = fx->db, .cfg = &fx->cfg, .actor = NULL, .now = T0 };
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	int rc = 0;

	db_close(fx->db);
	arena_free(fx->a);
	if (fx->pg_name[0] != '\0' && testdb_pg_drop(fx->pg_name) != TR_OK)
		rc = -1;
	free(fx);
	return rc;
}

/* ---- helpers ---- */

/* Clears the field errors and message before the next domain call. */
static void
ctx_reset(struct fx *fx)
{
	fx->ctx.errors.n = 0;
	fx->ctx.message = NULL;
}

/* The integer in the first cell of SQL with one text parameter (or none when P is NULL). */
static int64_t
count(struct fx *fx, const char *sql, const char *p)
{
	struct db_rows *r;

	if (p != NULL)
		assert_int_equal(db_queryv(fx->db, fx->a, sql, &r, DB_TEXT(p)), TR_OK);
	else
		assert_int_equal(db_query(fx->db, fx->a, sql, NULL, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 1);
	return db_int(db_cell(r, 0, 0));
}

/* Asserts ERR is TR_INVALID with an error on FIELD, and only there. */
static void
expect_field(struct fx *fx, tr_err err, const char *field)
{
	if (err != TR_INVALID)
		fail_msg("expected invalid with an error on \"%s\", got %s (%s)", field, tr_err_name(err),
		    fx->ctx.message ? fx->ctx.message : "");
	if (field_errors_get(&fx->ctx.errors, field) == NULL)
		fail_msg("no error on \"%s\"; first error: %s: %s", field,
		    fx->ctx.errors.n ? fx->ctx.errors.items[0].field : "none",
		    fx->ctx.errors.n ? fx->ctx.errors.items[0].message : "");
	if (fx->ctx.errors.n != 1)
		fail_msg("%zu errors, expected one on \"%s\" (second: %s: %s)", fx->ctx.errors.n, field,
		    fx->ctx.errors.items[1].field, fx->ctx.errors.items[1].message);
}

static void
assert_journal_ok(struct fx *fx)
{
	int64_t checked = -1, bad = -1;
	const char *why = NULL;
	tr_err err = journal_verify(fx->db, fx->a, &checked, &bad, &why);

	if (err != TR_OK)
		fail_msg("journal_verify: %s at %lld: %s", tr_err_name(err), (long long)bad, why ? why : "");
	assert_int_equal(checked, count(fx, "SELECT COUNT(*) FROM journal", NULL));
}

/* Creates an account from the command line (no actor); PASSWORD NULL sends an invitation. */
static int64_t
make_account(struct fx *fx, const char *email, const char *role, const char *password, int64_t org, const char *regions)
{
	const struct actor *saved = fx->ctx.actor;
	json_t *in = json_pack("{s:s, s:s, s:s}", "email", email, "name", "Personne de test", "role", role);
	int64_t id = 0;
	tr_err err;

	if (org)
		json_object_set_new(in, "organisation_id", json_integer(org));
	if (regions)
		json_object_set_new(in, "regions", json_string(regions));
	ctx_reset(fx);
	fx->ctx.actor = NULL;
	err = account_create(&fx->ctx, in, password, &id);
	fx->ctx.actor = saved;
	json_decref(in);
	if (err != TR_OK)
		fail_msg("account_create(%s, %s): %s, %s", email, role, tr_err_name(err),
		    fx->ctx.errors.n ? fx->ctx.errors.items[0].message : (fx->ctx.message ? fx->ctx.message : ""));
	assert_true(id > 0);
	return id;
}

static int64_t
make_org(struct fx *fx, const char *name, const char *kind, const char *siret)
{
	json_t *in = json_pack("{s:s, s:s}", "name", name, "kind", kind);
	int64_t id = 0;
	tr_err err;

	if (siret)
		json_object_set_new(in, "siret", json_string(siret));
	ctx_reset(fx);
	err = org_create(&fx->ctx, in, &id);
	json_decref(in);
	if (err != TR_OK)
		fail_msg("org_create(%s): %s", name, tr_err_name(err));
	return id;
}

static const struct actor *
load_actor(struct fx *fx, int64_t person_id)
{
	struct actor *a = NULL;

	assert_int_equal(actor_load(&fx->ctx, person_id, &a), TR_OK);
	return a;
}

/* The token in the newest outbox message, after MARKER ("/invitation/"), in the arena. */
static const char *
link_token(struct fx *fx, const char *marker)
{
	struct db_rows *r;
	const char *body, *p;
	size_t n;

	assert_int_equal(
	    db_query(fx->db, fx->a, "SELECT body FROM outbox ORDER BY id DESC LIMIT 1", NULL, 0, &r), TR_OK);
	assert_int_equal(r->nrows, 1);
	body = db_text(db_cell(r, 0, 0));
	p = strstr(body, marker);
	if (p == NULL)
		fail_msg("no %s in the message: %s", marker, body);
	p += strlen(marker);
	n = strspn(p, B64URL);
	assert_int_equal(n, 43);
	return arena_strndup(fx->a, p, n);
}

static tr_err
login(struct fx *fx, const char *email, const char *password, struct session_new *s)
{
	ctx_reset(fx);
	memset(s, 0, sizeof(*s));
	return session_login(&fx->ctx, email, password, "cmocka", NULL, s);
}

static tr_err
resolve(struct fx *fx, const char *token, struct actor **out)
{
	ctx_reset(fx);
	*out = NULL;
	return session_resolve(&fx->ctx, token, out);
}

/* ---- accounts and sessions ---- */

static void
t_create_and_login(void **state)
{
	struct fx *fx = *state;
	struct session_new s1, s2;
	const char *msg_wrong;
	char hash[SEC_SHA256_HEX];
	int64_t id;

	id = make_account(fx, "Camille.Admin@Example.fr", "admin", PW, 0, NULL);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE email = ? AND password_hash IS NOT NULL",
	                     "camille.admin@example.fr"),
	    1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM memberships WHERE role = ?", "admin"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox", NULL), 0);

	assert_int_equal(login(fx, "camille.admin@example.fr", PW, &s1), TR_OK);
	assert_non_null(s1.token);
	assert_non_null(s1.csrf);
	assert_int_equal(strlen(s1.token), 43);
	assert_int_equal(strlen(s1.csrf), 43);
	assert_string_not_equal(s1.token, s1.csrf);
	assert_int_equal(s1.expires_at, T0 + 12 * 3600);
	/* Only the hash of the token is stored. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions WHERE id_hash = ?", s1.token), 0);
	sec_sha256_hex(s1.token, strlen(s1.token), hash);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions WHERE id_hash = ?", hash), 1);
	assert_int_equal(count(fx, "SELECT last_login_at FROM people WHERE email = ?", "camille.admin@example.fr"), T0);

	/* The address is compared without case; every sign-in opens a new session. */
	assert_int_equal(login(fx, "CAMILLE.ADMIN@example.FR", PW, &s2), TR_OK);
	assert_string_not_equal(s1.token, s2.token);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions", NULL), 2);

	/* A wrong password and an unknown address give the same answer, on "email". */
	expect_field(fx, login(fx, "camille.admin@example.fr", "wrong password!", &s1), "email");
	msg_wrong = field_errors_get(&fx->ctx.errors, "email");
	expect_field(fx, login(fx, "nobody@example.fr", PW, &s1), "email");
	assert_string_equal(field_errors_get(&fx->ctx.errors, "email"), msg_wrong);
	assert_null(s1.token);
	/* Missing fields. */
	expect_field(fx, login(fx, "camille.admin@example.fr", "", &s1), "password");
	expect_field(fx, login(fx, "", PW, &s1), "email");
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions", NULL), 2);
	(void)id;
	assert_journal_ok(fx);
}

/* Failed sign-ins slow down the next attempts, per account and per address, and never lock: once the wait
 * is over the right password signs in. */
static void
t_throttle(void **state)
{
	struct fx *fx = *state;
	struct session_new s;
	const struct throttle_rule *acct = &throttle_signin_account;

	fx->ctx.ip = "192.0.2.10";
	(void)make_account(fx, "throttle@example.fr", "admin", PW, 0, NULL);
	/* Failures within the free allowance, then a success that clears them. */
	for (int i = 0; i < acct->free - 1; i++)
		expect_field(fx, login(fx, "throttle@example.fr", "wrong password!", &s), "email");
	assert_int_equal(login(fx, "throttle@example.fr", PW, &s), TR_OK);
	/* FREE failures in a row: the next attempt must wait STEP seconds, even the right one, unread. */
	for (int i = 0; i < acct->free; i++)
		expect_field(fx, login(fx, "throttle@example.fr", "wrong password!", &s), "email");
	assert_int_equal(login(fx, "throttle@example.fr", PW, &s), TR_RATE_LIMITED);
	assert_int_equal(fx->ctx.retry_after, acct->step);
	assert_non_null(strstr(fx->ctx.message, "patientez 5 secondes"));
	assert_non_null(strstr(fx->ctx.message, "n'est pas bloqué"));
	assert_null(s.token);
	assert_int_equal(login(fx, "THROTTLE@example.fr", PW, &s), TR_RATE_LIMITED);
	/* Refused attempts are not counted: the wait does not grow while one waits. */
	assert_int_equal(
	    count(fx, "SELECT COUNT(*) FROM login_failures WHERE key = ?", "email:throttle@example.fr"), acct->free);
	fx->ctx.now += acct->step - 1;
	assert_int_equal(login(fx, "throttle@example.fr", PW, &s), TR_RATE_LIMITED);
	assert_int_equal(fx->ctx.retry_after, 1);
	/* Each new failure doubles the wait... */
	fx->ctx.now += 1;
	expect_field(fx, login(fx, "throttle@example.fr", "wrong password!", &s), "email");
	assert_int_equal(login(fx, "throttle@example.fr", PW, &s), TR_RATE_LIMITED);
	assert_int_equal(fx->ctx.retry_after, 2 * acct->step);
	for (int i = 0; i < 6; i++) {
		fx->ctx.now += fx->ctx.retry_after;
		expect_field(fx, login(fx, "throttle@example.fr", "wrong password!", &s), "email");
		assert_int_equal(login(fx, "throttle@example.fr", PW, &s), TR_RATE_LIMITED);
	}
	/* ... up to the cap, a minute: then the right password signs in. */
	assert_int_equal(fx->ctx.retry_after, acct->cap);
	assert_non_null(strstr(fx->ctx.message, "60 secondes"));
	fx->ctx.now += acct->cap - 1;
	assert_int_equal(login(fx, "throttle@example.fr", PW, &s), TR_RATE_LIMITED);
	assert_int_equal(fx->ctx.retry_after, 1);
	fx->ctx.now += 1;
	assert_int_equal(login(fx, "throttle@example.fr", PW, &s), TR_OK);
	assert_non_null(s.token);
	/* Another account from the same address is not held back. */
	(void)make_account(fx, "other@example.fr", "admin", PW2, 0, NULL);
	assert_int_equal(login(fx, "other@example.fr", PW2, &s), TR_OK);
	assert_journal_ok(fx);
}

/* The owner's browser (a device cookie from an earlier sign-in) is not held back by failures made elsewhere on the
 * account; a cookie of another account, or a made-up one, is no help. */
static void
t_throttle_device(void **state)
{
	struct fx *fx = *state;
	struct session_new s, first;
	const char *mine;

	(void)make_account(fx, "owner@example.fr", "admin", PW, 0, NULL);
	(void)make_account(fx, "someone@example.fr", "admin", PW2, 0, NULL);
	fx->ctx.ip = "192.0.2.20";
	assert_int_equal(login(fx, "owner@example.fr", PW, &first), TR_OK);
	assert_non_null(first.device);
	mine = first.device;
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM login_devices", NULL), 1);
	/* An attacker, from many addresses, keeps the account at its longest wait. */
	for (int i = 0; i < 20; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "203.0.113.%d", i + 1);
		fx->ctx.ip = arena_strdup(fx->a, ip);
		fx->ctx.now += 61;
		expect_field(fx, login(fx, "owner@example.fr", "wrong password!", &s), "email");
	}
	fx->ctx.ip = "192.0.2.20";
	assert_int_equal(login(fx, "owner@example.fr", PW, &s), TR_RATE_LIMITED);
	assert_int_equal(fx->ctx.retry_after, throttle_signin_account.cap);
	ctx_reset(fx);
	assert_int_equal(session_login(&fx->ctx, "owner@example.fr", "wrong password!", "cmocka",
	                     "made-up-device-cookie-AAAAAAAAAAAAAAAAAAAAAAAAAAA", &s),
	    TR_RATE_LIMITED);
	/* The owner's browser signs in at once, and keeps its cookie. */
	ctx_reset(fx);
	assert_int_equal(session_login(&fx->ctx, "owner@example.fr", PW, "cmocka", mine, &s), TR_OK);
	assert_null(s.device);
	/* The cookie opens no door to another account: it is the account's own wait that is skipped. */
	ctx_reset(fx);
	assert_int_equal(session_login(&fx->ctx, "someone@example.fr", PW2, "cmocka", mine, &s), TR_OK);
	assert_non_null(s.device);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM login_devices", NULL), 2);
	/* Housekeeping forgets browsers not seen for DEVICE_SECONDS. */
	assert_int_equal(session_housekeeping(fx->db, fx->ctx.now + DEVICE_SECONDS + 1), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM login_devices", NULL), 0);
	assert_journal_ok(fx);
}

/* Past thirty failures from one address, on any accounts, that address waits; another address does not, and an
 * IPv6 address counts by its /64. */
static void
t_throttle_address(void **state)
{
	struct fx *fx = *state;
	struct session_new s;
	char email[64];

	(void)make_account(fx, "victim@example.fr", "admin", PW, 0, NULL);
	fx->ctx.ip = "2001:db8:1:2:aaaa::1";
	for (int i = 0; i < throttle_signin_address.free; i++) {
		snprintf(email, sizeof(email), "guess%d@example.fr", i);
		expect_field(fx, login(fx, email, "wrong password!", &s), "email");
	}
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM login_failures WHERE key = ?", "ip:2001:db8:1:2::/64"),
	    throttle_signin_address.free);
	fx->ctx.ip = "2001:db8:1:2:bbbb::7"; /* the same /64 */
	assert_int_equal(login(fx, "victim@example.fr", PW, &s), TR_RATE_LIMITED);
	assert_int_equal(fx->ctx.retry_after, throttle_signin_address.step);
	fx->ctx.ip = "198.51.100.4"; /* the owner, elsewhere */
	assert_int_equal(login(fx, "victim@example.fr", PW, &s), TR_OK);
	assert_journal_ok(fx);
}

/* The client address: the peer's, unless the peer is a trusted proxy. */
static void
t_client_address(void **state)
{
	struct fx *fx = *state;
	char out[64], why[200];
	const char *xff = "203.0.113.9, 10.0.0.7, 10.0.0.2";

	(void)fx;
	config_client_address(&fx->cfg, "10.0.0.2", xff, strlen(xff), out, sizeof(out));
	assert_string_equal(out, "10.0.0.2"); /* no proxy trusted: the header is ignored */
	assert_int_equal(config_set(&fx->cfg, "server.trusted_proxies", "10.0.0.0/8, ::1", why, sizeof(why)), TR_OK);
	assert_int_equal(config_check(&fx->cfg, why, sizeof(why)), TR_OK);
	config_client_address(&fx->cfg, "10.0.0.2", xff, strlen(xff), out, sizeof(out));
	assert_string_equal(out, "203.0.113.9"); /* both proxies skipped */
	config_client_address(&fx->cfg, "192.0.2.1", xff, strlen(xff), out, sizeof(out));
	assert_string_equal(out, "192.0.2.1"); /* an untrusted peer cannot choose its address */
	config_client_address(&fx->cfg, "::1", "198.51.100.1", 12, out, sizeof(out));
	assert_string_equal(out, "198.51.100.1");
	/* A dual-stack socket reports an IPv4 proxy as ::ffff:a.b.c.d: the IPv4 entry covers it. */
	config_client_address(&fx->cfg, "::ffff:10.0.0.2", xff, strlen(xff), out, sizeof(out));
	assert_string_equal(out, "203.0.113.9");
	config_client_address(&fx->cfg, "::FFFF:10.0.0.2", "198.51.100.2", 12, out, sizeof(out));
	assert_string_equal(out, "198.51.100.2");
	config_client_address(&fx->cfg, "::ffff:192.0.2.1", xff, strlen(xff), out, sizeof(out));
	assert_string_equal(out, "::ffff:192.0.2.1"); /* mapped, but not trusted */
	config_client_address(&fx->cfg, "::10.0.0.2", xff, strlen(xff), out, sizeof(out));
	assert_string_equal(out, "::10.0.0.2"); /* not a mapped address */
	config_client_address(&fx->cfg, "10.0.0.2", "bad, 10.0.0.3", 13, out, sizeof(out));
	assert_string_equal(out, "10.0.0.3"); /* a forged entry stops the walk at the last trusted hop */
	config_client_address(&fx->cfg, "10.0.0.2", NULL, 0, out, sizeof(out));
	assert_string_equal(out, "10.0.0.2");
	assert_int_equal(config_set(&fx->cfg, "server.trusted_proxies", "10.0.0.0/33", why, sizeof(why)), TR_OK);
	assert_int_equal(config_check(&fx->cfg, why, sizeof(why)), TR_INVALID);
	assert_non_null(strstr(why, "trusted_proxies"));
}

static void
t_resolve_and_logout(void **state)
{
	struct fx *fx = *state;
	struct session_new s;
	struct actor *a;
	int64_t id;

	id = make_account(fx, "resolve@example.fr", "admin", PW, 0, NULL);
	assert_int_equal(login(fx, "resolve@example.fr", PW, &s), TR_OK);
	assert_int_equal(resolve(fx, s.token, &a), TR_OK);
	assert_non_null(a);
	assert_int_equal(a->person_id, id);
	assert_string_equal(a->email, "resolve@example.fr");
	assert_string_equal(a->name, "Personne de test");
	assert_true(a->role_mask & ROLE_BIT(ROLE_ADMIN));
	assert_int_equal(a->role_mask, ROLE_BIT(ROLE_ADMIN));
	assert_int_equal(a->nroles, 1);
	assert_int_equal(a->roles[0].role, ROLE_ADMIN);
	assert_int_equal(a->roles[0].org_id, 0);
	assert_non_null(a->csrf);
	assert_string_equal(a->csrf, s.csrf);

	assert_int_equal(session_logout(&fx->ctx, s.token), TR_OK);
	assert_int_equal(resolve(fx, s.token, &a), TR_UNAUTHORIZED);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions", NULL), 0);
	/* Unknown, empty and absent tokens. */
	assert_int_equal(resolve(fx, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &a), TR_UNAUTHORIZED);
	assert_int_equal(resolve(fx, "", &a), TR_UNAUTHORIZED);
	assert_int_equal(resolve(fx, NULL, &a), TR_UNAUTHORIZED);
	assert_int_equal(session_logout(&fx->ctx, "unknown"), TR_OK);
	assert_int_equal(session_logout(&fx->ctx, NULL), TR_OK);
	assert_journal_ok(fx);
}

static void
t_session_expiry(void **state)
{
	struct fx *fx = *state;
	struct session_new s1, s2;
	struct actor *a;

	fx->cfg.session_max_hours = 48; /* the sliding expiry alone; the absolute lifetime is t_session_lifetime */
	(void)make_account(fx, "expiry@example.fr", "candidate", PW, 0, NULL);
	assert_int_equal(login(fx, "expiry@example.fr", PW, &s1), TR_OK);
	assert_int_equal(login(fx, "expiry@example.fr", PW, &s2), TR_OK);
	assert_int_equal(s1.expires_at, T0 + 12 * 3600);

	fx->ctx.now = T0 + 6 * 3600;
	assert_int_equal(resolve(fx, s2.token, &a), TR_OK); /* slides s2 to T0 + 18 h */
	fx->ctx.now = T0 + 12 * 3600 - 1;
	assert_int_equal(resolve(fx, s1.token, &a), TR_OK); /* slides s1 to T0 + 24 h - 1 */
	fx->ctx.now = T0 + 13 * 3600;
	assert_int_equal(resolve(fx, s2.token, &a), TR_OK); /* past its first expiry, still alive */
	fx->ctx.now = T0 + 24 * 3600 - 1;
	assert_int_equal(resolve(fx, s1.token, &a), TR_UNAUTHORIZED); /* not used for 12 h */
	fx->ctx.now = T0 + 25 * 3600 + 1;
	assert_int_equal(resolve(fx, s2.token, &a), TR_UNAUTHORIZED);

	/* A session never touched expires at its expires_at exactly. */
	assert_int_equal(login(fx, "expiry@example.fr", PW, &s1), TR_OK);
	assert_int_equal(s1.expires_at, fx->ctx.now + 12 * 3600);
	fx->ctx.now = s1.expires_at - 1;
	assert_int_equal(resolve(fx, s2.token, &a), TR_UNAUTHORIZED);
	fx->ctx.now = s1.expires_at;
	assert_int_equal(resolve(fx, s1.token, &a), TR_UNAUTHORIZED);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions", NULL), 3);
	assert_int_equal(session_housekeeping(fx->db, s1.expires_at + 1), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM sessions", NULL), 0);
	assert_journal_ok(fx);
}

/* However active, a session ends server.session_max_hours after it opened. */
static void
t_session_lifetime(void **state)
{
	struct fx *fx = *state;
	struct session_new s;
	struct actor *a;

	fx->cfg.session_hours = 2;
	fx->cfg.session_max_hours = 5;
	(void)make_account(fx, "lifetime@example.fr", "candidate", PW, 0, NULL);
	assert_int_equal(login(fx, "lifetime@example.fr", PW, &s), TR_OK);
	assert_int_equal(s.expires_at, T0 + 2 * 3600);
	for (int h = 1; h < 5; h++) {
		fx->ctx.now = T0 + h * 3600;
		assert_int_equal(resolve(fx, s.token, &a), TR_OK);
	}
	/* The last slide stops at the absolute end. */
	assert_int_equal(count(fx, "SELECT expires_at FROM sessions", NULL), T0 + 5 * 3600);
	fx->ctx.now = T0 + 5 * 3600 - 1;
	assert_int_equal(resolve(fx, s.token, &a), TR_OK);
	fx->ctx.now = T0 + 5 * 3600;
	assert_int_equal(resolve(fx, s.token, &a), TR_UNAUTHORIZED);
	/* The cookie of a new session lasts no longer than either bound. */
	fx->cfg.session_hours = 12;
	fx->ctx.now = T0;
	assert_int_equal(login(fx, "lifetime@example.fr", PW, &s), TR_OK);
	assert_int_equal(s.expires_at, T0 + 5 * 3600);
	assert_int_equal(session_cookie_seconds(&fx->ctx), 5 * 3600);
	assert_journal_ok(fx);
}

static void
t_duplicate_email(void **state)
{
	struct fx *fx = *state;
	json_t *in = json_pack("{s:s, s:s, s:s}", "email", "DUP@Example.fr", "name", "Doublon", "role", "candidate");
	int64_t id = 0;

	(void)make_account(fx, "dup@example.fr", "candidate", PW, 0, NULL);
	ctx_reset(fx);
	expect_field(fx, account_create(&fx->ctx, in, NULL, &id), "email");
	ctx_reset(fx);
	expect_field(fx, account_create(&fx->ctx, in, PW, &id), "email");
	json_decref(in);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people", NULL), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM memberships", NULL), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox", NULL), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens", NULL), 0);
	assert_journal_ok(fx);
}

struct member_case {
	const char *role;
	const char *org;     /* kind of the organisation to point at, "missing" for an unknown id, NULL: none */
	const char *regions; /* as sent */
	const char *field;   /* the field in error, NULL when valid */
	const char *stored;  /* the regions stored (rows of membership_regions, by code), when valid */
};

static const struct member_case member_cases[] = {
	{ "regional", NULL, NULL, "regions", NULL },
	{ "regional", NULL, "", "regions", NULL },
	{ "regional", NULL, " , ", "regions", NULL },
	{ "regional", NULL, "99", "regions", NULL },
	{ "regional", NULL, "84,99", "regions", NULL },
	{ "regional", NULL, "84, 93", NULL, "84|93" },
	{ "regional", NULL, "84;93|11 84", NULL, "11|84|93" },
	{ "employer", NULL, NULL, "organisation_id", NULL },
	{ "employer", "trainer", NULL, "organisation_id", NULL },
	{ "employer", "missing", NULL, "organisation_id", NULL },
	{ "employer", "employer", NULL, NULL, "" },
	{ "prescriber", "prescriber", NULL, NULL, "" },
	{ "prescriber", "company", NULL, "organisation_id", NULL },
	{ "trainer", "trainer", NULL, NULL, "" },
	{ "pole", "pole", NULL, "regions", NULL },
	{ "pole", "pole", "84|27", NULL, "27|84" },
	{ "pole", "employer", "84", "organisation_id", NULL },
	{ "sponsor", "company", NULL, NULL, "" },
	{ "sponsor", "employer", NULL, "organisation_id", NULL },
	{ "national", NULL, NULL, NULL, "" },
	{ "candidate", NULL, NULL, NULL, "" },
	{ "king", NULL, NULL, "role", NULL },
	{ "", NULL, NULL, "role", NULL },
};

static void
t_membership_rules(void **state)
{
	static const char *kinds[] = { "employer", "trainer", "pole", "company", "prescriber" };
	struct fx *fx = *state;
	int64_t org_ids[N_ELEMS(kinds)];

	for (size_t k = 0; k < N_ELEMS(kinds); k++)
		org_ids[k] = make_org(fx, kinds[k], kinds[k], NULL);
	for (size_t i = 0; i < N_ELEMS(member_cases); i++) {
		const struct member_case *c = &member_cases[i];
		char email[64];
		json_t *in;
		int64_t id = 0, org = 0;
		tr_err err;

		snprintf(email, sizeof(email), "m%zu@example.fr", i);
		in = json_pack("{s:s, s:s, s:s}", "email", email, "name", "Membre", "role", c->role);
		if (c->org != NULL && strcmp(c->org, "missing") == 0)
			org = 999999;
		for (size_t k = 0; c->org != NULL && k < N_ELEMS(kinds); k++)
			if (strcmp(c->org, kinds[k]) == 0)
				org = org_ids[k];
		if (org)
			json_object_set_new(in, "organisation_id", json_integer(org));
		if (c->regions)
			json_object_set_new(in, "regions", json_string(c->regions));
		ctx_reset(fx);
		err = account_create(&fx->ctx, in, NULL, &id);
		json_decref(in);
		if (c->field != NULL) {
			if (err != TR_INVALID || field_errors_get(&fx->ctx.errors, c->field) == NULL ||
			    fx->ctx.errors.n != 1)
				fail_msg("case %zu (%s): got %s with %zu errors, expected one on \"%s\"", i, c->role,
				    tr_err_name(err), fx->ctx.errors.n, c->field);
			assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE email = ?", email), 0);
		} else {
			struct db_rows *r, *g;
			const char *codes = "";
			if (err != TR_OK)
				fail_msg("case %zu (%s): %s: %s", i, c->role, tr_err_name(err),
				    fx->ctx.errors.n ? fx->ctx.errors.items[0].message : "");
			assert_int_equal(
			    db_queryv(fx->db, fx->a,
			        "SELECT role, COALESCE(organisation_id, 0) FROM memberships WHERE person_id = ?", &r,
			        DB_I64(id)),
			    TR_OK);
			assert_int_equal(
			    db_queryv(fx->db, fx->a,
			        "SELECT mr.region_code FROM membership_regions mr JOIN memberships m ON m.id = "
			        "mr.membership_id WHERE m.person_id = ? ORDER BY mr.region_code",
			        &g, DB_I64(id)),
			    TR_OK);
			for (size_t k = 0; k < g->nrows; k++)
				codes = arena_printf(fx->a, "%s%s%s", codes, k ? "|" : "", db_text(db_cell(g, k, 0)));
			assert_int_equal(r->nrows, 1);
			assert_string_equal(db_text(db_cell(r, 0, 0)), c->role);
			assert_int_equal(db_int(db_cell(r, 0, 1)), org);
			assert_string_equal(codes, c->stored);
		}
	}
	assert_journal_ok(fx);
}

static void
t_invitation(void **state)
{
	struct fx *fx = *state;
	json_t *in =
	    json_pack("{s:s, s:s, s:s}", "email", "Ines@Example.fr", "name", "Inès Invitée", "role", "candidate");
	struct session_new s;
	struct db_rows *r;
	const char *token, *email = NULL;
	int64_t id = 0;

	ctx_reset(fx);
	assert_int_equal(account_create(&fx->ctx, in, NULL, &id), TR_OK);
	json_decref(in);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox", NULL), 1);
	assert_int_equal(
	    db_query(fx->db, fx->a, "SELECT recipient, subject, body, status FROM outbox", NULL, 0, &r), TR_OK);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "ines@example.fr");
	assert_string_equal(db_text(db_cell(r, 0, 3)), "pending");
	assert_non_null(strstr(db_text(db_cell(r, 0, 2)), "/invitation/"));
	assert_non_null(strstr(db_text(db_cell(r, 0, 2)), "http://127.0.0.1:8080/invitation/"));
	assert_non_null(strstr(db_text(db_cell(r, 0, 2)), "Inès Invitée"));
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens WHERE purpose = ?", "invite"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE password_hash IS NULL", NULL), 1);
	/* No password yet: nobody signs in. */
	expect_field(fx, login(fx, "ines@example.fr", "", &s), "password");
	expect_field(fx, login(fx, "ines@example.fr", PW, &s), "email");

	token = link_token(fx, "/invitation/");
	/* The token itself is not stored, only its hash. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens WHERE token_hash = ?", token), 0);
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_OK);
	assert_string_equal(email, "ines@example.fr");
	ctx_reset(fx);
	assert_int_equal(account_link_set_password(&fx->ctx, token, PW, PW), TR_OK);
	assert_int_equal(login(fx, "ines@example.fr", PW, &s), TR_OK);
	ctx_reset(fx);
	assert_int_equal(account_link_set_password(&fx->ctx, token, PW2, PW2), TR_NOT_FOUND);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal WHERE action = ?", "accept_invitation"), 1);
	assert_journal_ok(fx);
}

static void
t_request_reset(void **state)
{
	struct fx *fx = *state;
	struct db_rows *r;

	(void)make_account(fx, "reset@example.fr", "candidate", PW, 0, NULL);
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "unknown@example.fr"), TR_OK);
	assert_int_equal(fx->ctx.errors.n, 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox", NULL), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens", NULL), 0);
	ctx_reset(fx);
	expect_field(fx, account_request_reset(&fx->ctx, "not an address"), "email");
	ctx_reset(fx);
	expect_field(fx, account_request_reset(&fx->ctx, NULL), "email");

	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "Reset@Example.FR"), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox", NULL), 1);
	assert_int_equal(db_query(fx->db, fx->a, "SELECT recipient, body FROM outbox", NULL, 0, &r), TR_OK);
	assert_string_equal(db_text(db_cell(r, 0, 0)), "reset@example.fr");
	assert_non_null(strstr(db_text(db_cell(r, 0, 1)), "http://127.0.0.1:8080/mot-de-passe/"));
	assert_null(strstr(db_text(db_cell(r, 0, 1)), "/invitation/"));
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens WHERE purpose = ?", "reset"), 1);
	assert_int_equal(
	    count(fx, "SELECT expires_at FROM one_time_tokens WHERE purpose = ?", "reset"), T0 + RESET_TTL_SECONDS);
	assert_journal_ok(fx);
}

static void
t_link_flow(void **state)
{
	struct fx *fx = *state;
	struct session_new before, s;
	struct actor *a;
	const char *token, *email = NULL;
	/* Eleven characters of two bytes each (22 bytes): too short; twelve: enough. */
	const char *short_pw = "ééééééééééé", *good_pw = "éééééééééééé";

	(void)make_account(fx, "flow@example.fr", "candidate", PW, 0, NULL);
	assert_int_equal(login(fx, "flow@example.fr", PW, &before), TR_OK);
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "flow@example.fr"), TR_OK);
	token = link_token(fx, "/mot-de-passe/");

	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_OK);
	assert_string_equal(email, "flow@example.fr");
	ctx_reset(fx);
	expect_field(fx, account_link_set_password(&fx->ctx, token, "short", "short"), "password");
	ctx_reset(fx);
	expect_field(fx, account_link_set_password(&fx->ctx, token, short_pw, short_pw), "password");
	ctx_reset(fx);
	expect_field(fx, account_link_set_password(&fx->ctx, token, "", ""), "password");
	ctx_reset(fx);
	expect_field(fx, account_link_set_password(&fx->ctx, token, good_pw, "ééééééééééé!"), "password_confirm");
	ctx_reset(fx);
	expect_field(fx, account_link_set_password(&fx->ctx, token, good_pw, NULL), "password_confirm");
	/* Refused attempts leave the link usable. */
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_OK);
	ctx_reset(fx);
	assert_int_equal(account_link_set_password(&fx->ctx, token, good_pw, good_pw), TR_OK);

	/* Single use. */
	ctx_reset(fx);
	assert_int_equal(account_link_set_password(&fx->ctx, token, PW2, PW2), TR_NOT_FOUND);
	assert_non_null(fx->ctx.message);
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_NOT_FOUND);
	/* The new password works, the old one no longer, and older sessions are closed. */
	assert_int_equal(resolve(fx, before.token, &a), TR_UNAUTHORIZED);
	expect_field(fx, login(fx, "flow@example.fr", PW, &s), "email");
	assert_int_equal(login(fx, "flow@example.fr", good_pw, &s), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal WHERE action = ?", "reset_password"), 1);
	assert_journal_ok(fx);
}

/* A password change or reset revokes every API token of the person, and using one link revokes the others: an
 * older reset link does not outlive a newer one that was used. Reset links are counted per address and email. */
static void
t_password_revokes(void **state)
{
	struct fx *fx = *state;
	struct session_new s;
	struct actor *a;
	const struct actor *me;
	const char *raw1, *raw2, *old_link, *new_link, *email;
	int64_t id, t1, t2;

	id = make_account(fx, "revoke@example.fr", "candidate", PW, 0, NULL);
	assert_int_equal(login(fx, "revoke@example.fr", PW, &s), TR_OK);
	me = load_actor(fx, id);
	((struct actor *)me)->csrf = s.csrf;
	fx->ctx.actor = me;
	ctx_reset(fx);
	assert_int_equal(apitoken_create(&fx->ctx, 0, "un", &raw1, &t1), TR_OK);
	assert_int_equal(apitoken_create(&fx->ctx, 0, "deux", &raw2, &t2), TR_OK);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw1, &a), TR_OK);

	/* A change of password: both tokens stop working, and say why. */
	ctx_reset(fx);
	assert_int_equal(account_change_password(&fx->ctx, PW, PW2, PW2), TR_OK);
	fx->ctx.actor = NULL;
	assert_int_equal(apitoken_resolve(&fx->ctx, raw1, &a), TR_UNAUTHORIZED);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw2, &a), TR_UNAUTHORIZED);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM api_tokens WHERE revoked_reason = ?", "password_change"), 2);
	assert_int_equal(
	    count(fx, "SELECT COUNT(*) FROM journal WHERE action = ? AND detail = '{\"tokens_revoked\":2}'",
	        "change_password"),
	    1);

	/* Two reset links; the newer is used; the older no longer works. A new token is revoked by the reset. */
	fx->ctx.actor = me;
	ctx_reset(fx);
	assert_int_equal(apitoken_create(&fx->ctx, 0, "trois", &raw1, &t1), TR_OK);
	fx->ctx.actor = NULL;
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "revoke@example.fr"), TR_OK);
	old_link = link_token(fx, "/mot-de-passe/");
	fx->ctx.now += 60;
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "revoke@example.fr"), TR_OK);
	new_link = link_token(fx, "/mot-de-passe/");
	assert_string_not_equal(old_link, new_link);
	ctx_reset(fx);
	assert_int_equal(account_link_set_password(&fx->ctx, new_link, PW, PW), TR_OK);
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, old_link, &email), TR_NOT_FOUND);
	ctx_reset(fx);
	assert_int_equal(
	    account_link_set_password(&fx->ctx, old_link, "encore un autre mot", "encore un autre mot"), TR_NOT_FOUND);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw1, &a), TR_UNAUTHORIZED);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM api_tokens WHERE revoked_reason = ?", "password_reset"), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM one_time_tokens WHERE used_at IS NULL", NULL), 0);
	assert_int_equal(login(fx, "revoke@example.fr", PW, &s), TR_OK);
	/* Links are sensitive messages: their bodies go once sent. Each change of password is told by email. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox WHERE sensitive = 1", NULL), 2);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox WHERE subject = ? AND sensitive = 0",
	                     "Votre mot de passe tremplin a été changé"),
	    2);
	assert_journal_ok(fx);
}

/* Reset links: three an hour for one email (then nothing more is sent, with the same answer), ten requests an
 * hour from one address (then 429). */
static void
t_reset_quota(void **state)
{
	struct fx *fx = *state;
	char email[64];

	(void)make_account(fx, "quota@example.fr", "candidate", PW, 0, NULL);
	fx->ctx.ip = "192.0.2.77";
	for (int i = 0; i < 5; i++) {
		ctx_reset(fx);
		assert_int_equal(account_request_reset(&fx->ctx, "quota@example.fr"), TR_OK);
	}
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox WHERE recipient = ?", "quota@example.fr"), 3);
	/* An unknown address is counted the same way, and answered the same. */
	for (int i = 5; i < 10; i++) {
		ctx_reset(fx);
		snprintf(email, sizeof(email), "inconnu%d@example.fr", i);
		assert_int_equal(account_request_reset(&fx->ctx, email), TR_OK);
	}
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "quota@example.fr"), TR_RATE_LIMITED);
	assert_true(fx->ctx.retry_after > 0 && fx->ctx.retry_after <= 3601);
	assert_non_null(strstr(fx->ctx.message, "réessayez dans"));
	/* Another address may ask, but the email's quota still holds; an hour later it may have one again. */
	fx->ctx.ip = "192.0.2.78";
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "quota@example.fr"), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox WHERE recipient = ?", "quota@example.fr"), 3);
	fx->ctx.now = T0 + 3601;
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "quota@example.fr"), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM outbox WHERE recipient = ?", "quota@example.fr"), 4);
}

static void
t_expired_links(void **state)
{
	struct fx *fx = *state;
	const char *token, *email = NULL;
	char longtok[201];

	(void)make_account(fx, "late@example.fr", "candidate", PW, 0, NULL);
	ctx_reset(fx);
	assert_int_equal(account_request_reset(&fx->ctx, "late@example.fr"), TR_OK);
	token = link_token(fx, "/mot-de-passe/");
	fx->ctx.now = T0 + RESET_TTL_SECONDS - 1;
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_OK);
	fx->ctx.now = T0 + RESET_TTL_SECONDS;
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_NOT_FOUND);
	assert_non_null(fx->ctx.message);
	ctx_reset(fx);
	assert_int_equal(account_link_set_password(&fx->ctx, token, PW2, PW2), TR_NOT_FOUND);

	/* An invitation lasts a week. */
	fx->ctx.now = T0;
	(void)make_account(fx, "late2@example.fr", "candidate", NULL, 0, NULL);
	token = link_token(fx, "/invitation/");
	fx->ctx.now = T0 + INVITE_TTL_SECONDS - 1;
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_OK);
	assert_string_equal(email, "late2@example.fr");
	fx->ctx.now = T0 + INVITE_TTL_SECONDS;
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, token, &email), TR_NOT_FOUND);
	ctx_reset(fx);
	assert_int_equal(account_link_set_password(&fx->ctx, token, PW2, PW2), TR_NOT_FOUND);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE password_hash IS NULL", NULL), 1);

	/* Links that never existed. */
	memset(longtok, 'A', 200);
	longtok[200] = '\0';
	fx->ctx.now = T0;
	ctx_reset(fx);
	assert_int_equal(
	    account_link_email(&fx->ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &email), TR_NOT_FOUND);
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, "", &email), TR_NOT_FOUND);
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, NULL, &email), TR_NOT_FOUND);
	ctx_reset(fx);
	assert_int_equal(account_link_email(&fx->ctx, longtok, &email), TR_NOT_FOUND);
	assert_journal_ok(fx);
}

static void
t_api_tokens(void **state)
{
	struct fx *fx = *state;
	const struct actor *admin, *cand;
	struct actor *got;
	const char *raw = NULL, *raw2 = NULL;
	int64_t admin_id, cand_id, tid = 0, tid2 = 0;
	json_t *list = NULL;

	admin_id = make_account(fx, "admin@example.fr", "admin", PW, 0, NULL);
	cand_id = make_account(fx, "cand@example.fr", "candidate", PW, 0, NULL);
	admin = load_actor(fx, admin_id);
	cand = load_actor(fx, cand_id);

	ctx_reset(fx);
	fx->ctx.actor = NULL;
	assert_int_equal(apitoken_create(&fx->ctx, 0, "ci", &raw, &tid), TR_UNAUTHORIZED);
	fx->ctx.actor = admin;
	ctx_reset(fx);
	expect_field(fx, apitoken_create(&fx->ctx, 0, "", &raw, &tid), "name");
	ctx_reset(fx);
	assert_int_equal(apitoken_create(&fx->ctx, 0, "ci", &raw, &tid), TR_OK);
	assert_non_null(raw);
	assert_true(tid > 0);
	assert_int_equal(strncmp(raw, "trp_", 4), 0);
	assert_int_equal(strlen(raw), 4 + 43);

	fx->ctx.actor = NULL;
	ctx_reset(fx);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw, &got), TR_OK);
	assert_int_equal(got->person_id, admin_id);
	assert_true(got->role_mask & ROLE_BIT(ROLE_ADMIN));
	assert_null(got->csrf);

	fx->ctx.actor = admin;
	ctx_reset(fx);
	assert_int_equal(apitoken_list(&fx->ctx, 0, &list), TR_OK);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "ci");
	assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(list, 0), "prefix"))), 10);
	assert_int_equal(strncmp(json_string_value(json_object_get(json_array_get(list, 0), "prefix")), raw, 10), 0);
	assert_true(json_is_null(json_object_get(json_array_get(list, 0), "revoked_at")));
	json_decref(list);

	/* A candidate manages their own tokens only. */
	fx->ctx.actor = cand;
	ctx_reset(fx);
	assert_int_equal(apitoken_create(&fx->ctx, admin_id, "x", &raw2, &tid2), TR_FORBIDDEN);
	ctx_reset(fx);
	assert_int_equal(apitoken_revoke(&fx->ctx, tid), TR_FORBIDDEN);
	ctx_reset(fx);
	assert_int_equal(apitoken_list(&fx->ctx, admin_id, &list), TR_FORBIDDEN);
	ctx_reset(fx);
	assert_int_equal(apitoken_create(&fx->ctx, 0, "mine", &raw2, &tid2), TR_OK);

	fx->ctx.actor = admin;
	ctx_reset(fx);
	assert_int_equal(apitoken_revoke(&fx->ctx, tid), TR_OK);
	ctx_reset(fx);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw, &got), TR_UNAUTHORIZED);
	ctx_reset(fx);
	assert_int_equal(apitoken_revoke(&fx->ctx, tid), TR_NOT_FOUND);
	/* An admin may revoke anyone's. */
	ctx_reset(fx);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw2, &got), TR_OK);
	assert_int_equal(got->person_id, cand_id);
	ctx_reset(fx);
	assert_int_equal(apitoken_revoke(&fx->ctx, tid2), TR_OK);
	ctx_reset(fx);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw2, &got), TR_UNAUTHORIZED);
	/* Tokens that never were. */
	assert_int_equal(
	    apitoken_resolve(&fx->ctx, "trp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &got), TR_UNAUTHORIZED);
	assert_int_equal(apitoken_resolve(&fx->ctx, "AAAA", &got), TR_UNAUTHORIZED);
	assert_int_equal(apitoken_resolve(&fx->ctx, NULL, &got), TR_UNAUTHORIZED);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal WHERE entity = ?", "api_token"), 4);
	assert_journal_ok(fx);
}

static void
t_authorization(void **state)
{
	struct fx *fx = *state;
	const struct actor *admin, *cand;
	json_t *out = NULL, *in;
	int64_t id = 0;

	admin = load_actor(fx, make_account(fx, "admin@example.fr", "admin", PW, 0, NULL));
	cand = load_actor(fx, make_account(fx, "candidat@example.fr", "candidate", NULL, 0, NULL));

	fx->ctx.actor = NULL;
	ctx_reset(fx);
	assert_int_equal(account_list(&fx->ctx, NULL, 1, &out), TR_UNAUTHORIZED);
	fx->ctx.actor = cand;
	ctx_reset(fx);
	assert_int_equal(account_list(&fx->ctx, NULL, 1, &out), TR_FORBIDDEN);
	assert_non_null(fx->ctx.message);
	in = json_pack("{s:s, s:s, s:s}", "email", "x@example.fr", "name", "X", "role", "admin");
	ctx_reset(fx);
	assert_int_equal(account_create(&fx->ctx, in, PW, &id), TR_FORBIDDEN);
	json_decref(in);
	in = json_pack("{s:s, s:s}", "name", "X", "kind", "employer");
	ctx_reset(fx);
	assert_int_equal(org_create(&fx->ctx, in, &id), TR_FORBIDDEN);
	json_decref(in);
	ctx_reset(fx);
	assert_int_equal(journal_recent(&fx->ctx, NULL, 1, &out), TR_FORBIDDEN);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people", NULL), 2);

	fx->ctx.actor = admin;
	ctx_reset(fx);
	assert_int_equal(account_list(&fx->ctx, NULL, 1, &out), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 2);
	assert_int_equal(json_array_size(json_object_get(out, "items")), 2);
	json_decref(out);
	ctx_reset(fx);
	assert_int_equal(account_list(&fx->ctx, "CANDIDAT@", 1, &out), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(json_object_get(out, "items"), 0), "email")),
	    "candidat@example.fr");
	json_decref(out);
	assert_journal_ok(fx);
}

/* ---- organisations ---- */

static void
t_organisations(void **state)
{
	struct fx *fx = *state;
	json_t *in, *out = NULL, *list = NULL;
	int64_t id1 = 0, id2 = 0, id = 0;

	fx->ctx.actor = load_actor(fx, make_account(fx, "admin@example.fr", "admin", PW, 0, NULL));
	in = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", "Les Ateliers numériques", "kind", "employer", "siret",
	    "73282932000074", "commune_code", "26108", "address", "12 rue de la République");
	ctx_reset(fx);
	assert_int_equal(org_create(&fx->ctx, in, &id1), TR_OK);
	ctx_reset(fx);
	assert_int_equal(org_get(&fx->ctx, id1, &out), TR_OK);
	assert_string_equal(json_string_value(json_object_get(out, "name")), "Les Ateliers numériques");
	assert_string_equal(json_string_value(json_object_get(out, "commune_name")), "Crest");
	assert_string_equal(json_string_value(json_object_get(out, "siret")), "73282932000074");
	assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
	assert_int_equal(json_array_size(json_object_get(out, "members")), 0);
	json_decref(out);

	/* Optimistic locking. */
	json_object_set_new(in, "name", json_string("Les Ateliers"));
	ctx_reset(fx);
	assert_int_equal(org_update(&fx->ctx, id1, 1, in), TR_OK);
	json_object_set_new(in, "name", json_string("Écrasé par une vieille copie"));
	ctx_reset(fx);
	assert_int_equal(org_update(&fx->ctx, id1, 1, in), TR_CONFLICT);
	assert_non_null(fx->ctx.message);
	ctx_reset(fx);
	assert_int_equal(org_get(&fx->ctx, id1, &out), TR_OK);
	assert_string_equal(json_string_value(json_object_get(out, "name")), "Les Ateliers");
	assert_int_equal(json_integer_value(json_object_get(out, "version")), 2);
	json_decref(out);
	ctx_reset(fx);
	assert_int_equal(org_update(&fx->ctx, 999999, 1, in), TR_NOT_FOUND);
	json_decref(in);

	/* Duplicates, told on the right field. */
	in = json_pack("{s:s, s:s, s:s}", "name", "Autre", "kind", "company", "siret", "73282932000074");
	ctx_reset(fx);
	expect_field(fx, org_create(&fx->ctx, in, &id), "siret");
	json_decref(in);
	in = json_pack("{s:s, s:s, s:s}", "name", "Association", "kind", "employer", "rna", "W123456789");
	ctx_reset(fx);
	assert_int_equal(org_create(&fx->ctx, in, &id2), TR_OK);
	json_object_set_new(in, "name", json_string("Association bis"));
	ctx_reset(fx);
	expect_field(fx, org_create(&fx->ctx, in, &id), "rna");
	json_object_set_new(in, "siret", json_string("73282932000074"));
	json_object_del(in, "rna");
	ctx_reset(fx);
	expect_field(fx, org_update(&fx->ctx, id2, 1, in), "siret");
	json_decref(in);
	/* Validation. */
	in = json_pack("{s:s, s:s, s:s}", "name", "Nulle part", "kind", "employer", "commune_code", "99999");
	ctx_reset(fx);
	expect_field(fx, org_create(&fx->ctx, in, &id), "commune_code");
	json_decref(in);
	in = json_pack("{s:s}", "kind", "employer");
	ctx_reset(fx);
	expect_field(fx, org_create(&fx->ctx, in, &id), "name");
	json_decref(in);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM organisations", NULL), 2);

	/* The journal holds the create and the update, with before and after of what changed (entity_diff). */
	ctx_reset(fx);
	assert_int_equal(journal_list(&fx->ctx, "organisation", id1, &list), TR_OK);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "action")), "update");
	{
		json_t *detail =
		           json_loads(json_string_value(json_object_get(json_array_get(list, 0), "detail")), 0, NULL),
		       *b = json_object_get(detail, "before"), *a = json_object_get(detail, "after");
		assert_string_equal(json_string_value(json_object_get(b, "name")), "Les Ateliers numériques");
		assert_string_equal(json_string_value(json_object_get(a, "name")), "Les Ateliers");
		assert_int_equal(json_object_size(b), 1); /* the address did not change */
		assert_int_equal(json_object_size(a), 1);
		json_decref(detail);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "action")), "create");
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(org_list(&fx->ctx, NULL, "employer", 1, &list), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 2);
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(org_list(&fx->ctx, "7328293", NULL, 1, &list), TR_OK);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 1);
	json_decref(list);
	assert_journal_ok(fx);
}

/* ---- reference data ---- */

/* Counts the lines of the embedded geo.tsv whose first field is KIND. */
static int64_t
geo_lines(const char *kind)
{
	const struct embedded_file *f = embedded_find(embedded_refdata, "geo.tsv");
	size_t k = strlen(kind);
	int64_t n = 0;

	assert_non_null(f);
	for (const char *p = f->data; p < f->data + f->size;) {
		const char *nl = memchr(p, '\n', (size_t)(f->data + f->size - p));
		if ((size_t)(f->data + f->size - p) > k && memcmp(p, kind, k) == 0 && p[k] == '\t')
			n++;
		p = nl ? nl + 1 : f->data + f->size;
	}
	return n;
}

/* A summary of the geography tables, to compare before and after a second seed. */
static char *
geo_snapshot(struct fx *fx)
{
	struct db_rows *r;

	assert_int_equal(
	    db_query(fx->db, fx->a,
	        "SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM departements), "
	        "(SELECT COUNT(*) FROM communes), (SELECT COUNT(*) FROM commune_postal_codes), "
	        "(SELECT SUM(population) FROM communes), "
	        "(SELECT name || '/' || name_key || '/' || postal_codes FROM communes WHERE code = '42218')",
	        NULL, 0, &r),
	    TR_OK);
	return arena_printf(fx->a, "%lld %lld %lld %lld %lld %s", (long long)db_int(db_cell(r, 0, 0)),
	    (long long)db_int(db_cell(r, 0, 1)), (long long)db_int(db_cell(r, 0, 2)),
	    (long long)db_int(db_cell(r, 0, 3)), (long long)db_int(db_cell(r, 0, 4)), db_text(db_cell(r, 0, 5)));
}

/* The code of item I of a commune_search answer. */
static const char *
item_code(json_t *list, size_t i)
{
	return json_string_value(json_object_get(json_array_get(list, i), "code"));
}

static bool
has_code(json_t *list, const char *code)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (strcmp(item_code(list, i), code) == 0)
			return true;
	return false;
}

static void
t_refdata(void **state)
{
	static const char *saint_etienne[] = { "saint etienne", "Saint-Étienne", "SAINT ÉTIENNE", "saint-etienne" };
	struct fx *fx = *state;
	json_t *list = NULL;
	char *before, *after;
	int64_t n = 0;

	assert_true(seeded_communes > 34000);
	assert_int_equal(seeded_communes, geo_lines("C"));
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM communes", NULL), seeded_communes);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM regions", NULL), geo_lines("R"));
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM departements", NULL), geo_lines("D"));
	assert_true(count(fx, "SELECT COUNT(*) FROM commune_postal_codes", NULL) >= seeded_communes);

	/* A second run changes nothing. */
	before = geo_snapshot(fx);
	ctx_reset(fx);
	assert_int_equal(refdata_seed(&fx->ctx, &n), TR_OK);
	assert_int_equal(n, seeded_communes);
	after = geo_snapshot(fx);
	assert_string_equal(before, after);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal", NULL), 0);

	for (size_t i = 0; i < N_ELEMS(saint_etienne); i++) {
		ctx_reset(fx);
		assert_int_equal(commune_search(&fx->ctx, saint_etienne[i], 10, &list), TR_OK);
		if (json_array_size(list) == 0 || strcmp(item_code(list, 0), "42218") != 0)
			fail_msg("commune_search(\"%s\"): first item %s", saint_etienne[i],
			    json_array_size(list) ? item_code(list, 0) : "none");
		assert_true(json_array_size(list) == 10);
		json_decref(list);
	}
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "saint etienne", 10, &list), TR_OK);
	{
		json_t *first = json_array_get(list, 0);
		assert_string_equal(json_string_value(json_object_get(first, "name")), "Saint-Étienne");
		assert_string_equal(json_string_value(json_object_get(first, "departement_code")), "42");
		assert_string_equal(json_string_value(json_object_get(first, "region_code")), "84");
		assert_int_equal(json_integer_value(json_object_get(first, "population")), 173136);
		assert_string_equal(json_string_value(json_object_get(first, "postal_codes")), "42000|42100|42230");
	}
	json_decref(list);

	/* A postal code: every commune it serves, the most populated first. */
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "26400", 20, &list), TR_OK);
	assert_true(has_code(list, "26108"));
	assert_string_equal(item_code(list, 0), "26108");
	assert_int_equal(json_array_size(list), 20);
	for (size_t i = 1; i < json_array_size(list); i++)
		assert_true(json_integer_value(json_object_get(json_array_get(list, i - 1), "population")) >=
		            json_integer_value(json_object_get(json_array_get(list, i), "population")));
	json_decref(list);
	/* An INSEE code. */
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "69123", 20, &list), TR_OK);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(item_code(list, 0), "69123");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "Lyon");
	json_decref(list);
	/* Corsica's codes have letters. */
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "2A004", 20, &list), TR_OK);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "Ajaccio");
	json_decref(list);
	/* Limits and nothing found. */
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "saint", 5, &list), TR_OK);
	assert_int_equal(json_array_size(list), 5);
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "saint", 0, &list), TR_OK);
	assert_int_equal(json_array_size(list), 20);
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "", 10, &list), TR_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, NULL, 10, &list), TR_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "zzqqxx", 10, &list), TR_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "99999", 10, &list), TR_OK);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	/* LIKE wildcards in the query are not wildcards. */
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "saint_etienne", 10, &list), TR_OK);
	assert_string_equal(item_code(list, 0), "42218");
	json_decref(list);
	ctx_reset(fx);
	assert_int_equal(commune_search(&fx->ctx, "l%on", 10, &list), TR_OK);
	assert_false(has_code(list, "69123"));
	json_decref(list);

	ctx_reset(fx);
	assert_int_equal(region_list(&fx->ctx, &list), TR_OK);
	assert_int_equal(json_array_size(list), geo_lines("R"));
	{
		bool found = false;
		for (size_t i = 0; i < json_array_size(list); i++)
			if (strcmp(json_string_value(json_object_get(json_array_get(list, i), "code")), "84") == 0) {
				assert_string_equal(json_string_value(json_object_get(json_array_get(list, i), "name")),
				    "Auvergne-Rhône-Alpes");
				found = true;
			}
		assert_true(found);
	}
	json_decref(list);
}

/* ---- demo data ---- */

static void
t_demo(void **state)
{
	struct fx *fx = *state;
	json_t *logins = NULL, *again = NULL;
	struct session_new s;
	struct actor *a;
	int64_t journal_rows;

	int64_t added;

	/* As `tremplin seed --demo`: the programmes and the competences first, the demo story names them. */
	ctx_reset(fx);
	assert_int_equal(programme_seed(&fx->ctx, &added), TR_OK);
	assert_int_equal(skills_seed(&fx->ctx, &added), TR_OK);
	ctx_reset(fx);
	assert_int_equal(demo_seed(&fx->ctx, &logins), TR_OK);
	assert_true(json_is_array(logins));
	assert_int_equal(json_array_size(logins), 11);
	/* The eleven accounts of the logins, and two former candidates for the retention rules. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people", NULL), 13);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM organisations", NULL), 8);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM memberships", NULL), 13);
	/* The story: a dossier validated in three steps and one waiting, the offer, the recruitment. */
	assert_int_equal(
	    count(fx, "SELECT COUNT(*) FROM dossiers WHERE state = 'validated' AND posts_granted = 2", NULL), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM dossiers WHERE state = 'regional_review'", NULL), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM offers WHERE state = 'filled'", NULL), 1);
	assert_int_equal(
	    count(fx, "SELECT COUNT(*) FROM contracts WHERE state = 'planned' AND sponsor_id IS NOT NULL", NULL), 1);
	assert_true(count(fx, "SELECT COUNT(*) FROM path_modules", NULL) > 0);
	assert_true(count(fx, "SELECT COUNT(*) FROM assessment_levels", NULL) > 0);
	/* The subsidies: the paying agency pays both programmes, the structure's bank details, the contract's aid
	 * decision with its schedule (version 1, each line explained). */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM payer_programmes", NULL), 2);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM bank_details", NULL), 1);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM aid_decisions WHERE schedule_version = 1", NULL), 1);
	assert_true(
	    count(fx, "SELECT COUNT(*) FROM schedule_lines WHERE explain LIKE '%SMIC horaire brut%'", NULL) > 12);
	/* Each step told the people concerned (queued; no mail server in the tests). */
	assert_true(count(fx, "SELECT COUNT(*) FROM outbox WHERE recipient = 'regional@demo.tremplin.fr'", NULL) > 0);
	for (size_t i = 0; i < json_array_size(logins); i++) {
		json_t *l = json_array_get(logins, i);
		const char *email = json_string_value(json_object_get(l, "email"));
		const char *role = json_string_value(json_object_get(l, "role"));
		assert_non_null(email);
		assert_int_equal(count(fx, "SELECT COUNT(*) FROM people WHERE email = ?", email), 1);
		assert_int_equal(role_from_code(role, strlen(role)) != ROLE_NONE, 1);
		assert_string_equal(
		    json_string_value(json_object_get(l, "label")), role_label(role_from_code(role, strlen(role))));
	}
	journal_rows = count(fx, "SELECT COUNT(*) FROM journal", NULL);

	/* Twice: same logins, nothing added. */
	ctx_reset(fx);
	assert_int_equal(demo_seed(&fx->ctx, &again), TR_OK);
	assert_true(json_equal(logins, again));
	/* The eleven accounts of the logins, and two former candidates for the retention rules. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM people", NULL), 13);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM organisations", NULL), 8);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM memberships", NULL), 13);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal", NULL), journal_rows);
	json_decref(again);
	json_decref(logins);

	/* The demo accounts sign in, with the scopes of their roles. */
	assert_int_equal(login(fx, "admin@demo.tremplin.fr", DEMO_PASSWORD, &s), TR_OK);
	assert_int_equal(resolve(fx, s.token, &a), TR_OK);
	assert_int_equal(a->role_mask, ROLE_BIT(ROLE_ADMIN));
	assert_int_equal(login(fx, "pole@demo.tremplin.fr", DEMO_PASSWORD, &s), TR_OK);
	assert_int_equal(resolve(fx, s.token, &a), TR_OK);
	assert_int_equal(a->roles[0].role, ROLE_POLE);
	assert_int_equal(a->roles[0].nregions, 2);
	assert_string_equal(a->roles[0].regions[0], "27");
	assert_string_equal(a->roles[0].regions[1], "84");
	assert_int_equal(a->roles[0].org_id,
	    count(fx, "SELECT id FROM organisations WHERE name = ?", "Pôle de ressources Centre-Est"));
	assert_int_equal(count(fx,
	                     "SELECT COUNT(*) FROM memberships m JOIN organisations o ON o.id = m.organisation_id "
	                     "WHERE m.role = o.kind OR (m.role = 'sponsor' AND o.kind = ?)",
	                     "company"),
	    6);
	assert_journal_ok(fx);
}

/* ---- groups: the template built once for each engine ---- */

static int
sqlite_group_setup(void **state)
{
	char url[700];

	if (testdb_sqlite_setup(state) != 0)
		return -1;
	snprintf(template_path, sizeof(template_path), "%s/template.db", testdb.dir);
	snprintf(url, sizeof(url), "sqlite:%s", template_path);
	return build_template(url);
}

static int
pg_group_setup(void **state)
{
	return testdb_pg_setup(state) != 0 ? -1 : build_template(testdb.pg_url);
}

/* The raw secret of an enrolment's base32 key, into OUT (*N bytes). */
static void
secret_of(const char *b32, char *out, size_t *n)
{
	char *raw = NULL;
	size_t len = 0;

	assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &len), OATH_OK);
	assert_true(len <= 64);
	memcpy(out, raw, len);
	*n = len;
	free(raw);
}

static const char *
code_at(struct fx *fx, const char *secret, size_t n, int64_t t)
{
	char *code = arena_alloc(fx->a, 7);

	assert_int_equal(totp_code(secret, n, t, 6, code), TR_OK);
	return code;
}

/* Enrolment, sign-in codes (each step once), recovery codes (each once), throttling, removal, freshness, and the
 * secret kept sealed: never in clear in its table, never in the journal. */
static void
t_second_factor(void **state)
{
	struct fx *fx = *state;
	struct second_factor_enrolment e, again;
	const char *const *codes = NULL;
	const struct actor *admin, *cand;
	struct actor fresh;
	char secret[64];
	size_t n = 0;
	int64_t admin_id, cand_id;
	struct db_rows *r;

	admin_id = make_account(fx, "admin2fa@example.fr", "admin", PW, 0, NULL);
	cand_id = make_account(fx, "cand2fa@example.fr", "candidate", PW, 0, NULL);
	admin = load_actor(fx, admin_id);
	cand = load_actor(fx, cand_id);
	assert_true(second_factor_required(&fx->ctx, admin));
	assert_false(second_factor_required(&fx->ctx, cand));
	fx->cfg.require_second_factor = false;
	assert_false(second_factor_required(&fx->ctx, admin));
	fx->cfg.require_second_factor = true;

	fx->ctx.actor = admin;
	ctx_reset(fx);
	assert_int_equal(second_factor_enrolment(&fx->ctx, &e), TR_OK);
	assert_false(e.enrolled);
	assert_int_equal(strlen(e.secret), 32);
	assert_non_null(strstr(e.uri, "otpauth://totp/tremplin:admin2fa%40example.fr?secret="));
	assert_non_null(e.qr_svg);
	/* The same pending secret until it is confirmed (a reload shows the same QR code). */
	assert_int_equal(second_factor_enrolment(&fx->ctx, &again), TR_OK);
	assert_string_equal(again.secret, e.secret);
	secret_of(e.secret, secret, &n);
	assert_int_equal(n, TOTP_SECRET_BYTES);
	/* Sealed: neither the key nor its bytes in the row. */
	assert_int_equal(
	    db_queryv(fx->db, fx->a, "SELECT secret_box FROM second_factors WHERE person_id = ?", &r, DB_I64(admin_id)),
	    TR_OK);
	assert_null(strstr(db_text(db_cell(r, 0, 0)), e.secret));

	/* A wrong code, then the right one: ten recovery codes, shown once. */
	ctx_reset(fx);
	expect_field(fx, second_factor_confirm(&fx->ctx, NULL, "000000", &codes), "code");
	ctx_reset(fx);
	assert_int_equal(second_factor_confirm(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now), &codes), TR_OK);
	for (size_t i = 0; i < RECOVERY_CODES; i++) {
		assert_int_equal(strlen(codes[i]), 11);
		assert_int_equal(codes[i][5], '-');
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(codes[i], codes[k]);
	}
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL", NULL), RECOVERY_CODES);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM recovery_codes WHERE code_hash = ?", codes[0]), 0);
	ctx_reset(fx);
	assert_int_equal(
	    second_factor_confirm(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now), &codes), TR_CONFLICT);

	/* The code of the step just used is refused (RFC 6238, 5.2); the next step's is accepted, once. */
	ctx_reset(fx);
	expect_field(fx, second_factor_verify(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now)), "code");
	fx->ctx.now += 30;
	ctx_reset(fx);
	assert_int_equal(second_factor_verify(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now)), TR_OK);
	ctx_reset(fx);
	expect_field(fx, second_factor_verify(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now)), "code");

	/* A recovery code works once, whatever its case and dashes. */
	ctx_reset(fx);
	{
		char upper[12];
		for (size_t i = 0; i < 12; i++)
			upper[i] = (char)(codes[3][i] >= 'a' && codes[3][i] <= 'z' ? codes[3][i] - 32 : codes[3][i]);
		assert_int_equal(second_factor_verify(&fx->ctx, NULL, upper), TR_OK);
	}
	ctx_reset(fx);
	expect_field(fx, second_factor_verify(&fx->ctx, NULL, codes[3]), "code");
	assert_int_equal(
	    count(fx, "SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL", NULL), RECOVERY_CODES - 1);

	/* Throttled like the password: past five wrong codes in 15 minutes, the next one waits (not even read). */
	fx->ctx.now += 3600;
	for (int i = 0; i < 5; i++) {
		ctx_reset(fx);
		expect_field(fx, second_factor_verify(&fx->ctx, NULL, "999999"), "code");
	}
	ctx_reset(fx);
	assert_int_equal(second_factor_verify(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now)), TR_RATE_LIMITED);
	assert_true(fx->ctx.retry_after > 0);
	fx->ctx.now += 6;
	ctx_reset(fx);
	assert_int_equal(second_factor_verify(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now)), TR_OK);

	/* New recovery codes replace the old ones. */
	ctx_reset(fx);
	{
		const char *old = codes[0];
		assert_int_equal(second_factor_new_codes(&fx->ctx, &codes), TR_OK);
		ctx_reset(fx);
		expect_field(fx, second_factor_verify(&fx->ctx, NULL, old), "code");
	}
	/* An admin cannot remove it; a candidate who enrolled can. */
	ctx_reset(fx);
	assert_int_equal(second_factor_remove(&fx->ctx), TR_FORBIDDEN);
	fx->ctx.actor = cand;
	ctx_reset(fx);
	assert_int_equal(second_factor_enrolment(&fx->ctx, &e), TR_OK);
	secret_of(e.secret, secret, &n);
	assert_int_equal(second_factor_confirm(&fx->ctx, NULL, code_at(fx, secret, n, fx->ctx.now), &codes), TR_OK);
	ctx_reset(fx);
	assert_int_equal(second_factor_remove(&fx->ctx), TR_OK);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM second_factors", NULL), 1);

	/* Freshness of a session's check: ten minutes. */
	fresh = *admin;
	fresh.second_factor = true;
	fresh.second_factor_at = fx->ctx.now - SECOND_FACTOR_FRESH_SECONDS;
	fx->ctx.actor = &fresh;
	assert_false(second_factor_stale(&fx->ctx));
	fresh.second_factor_at = fx->ctx.now - SECOND_FACTOR_FRESH_SECONDS - 1;
	assert_true(second_factor_stale(&fx->ctx));
	fresh.scopes = "*"; /* a bearer token: no step-up */
	assert_false(second_factor_stale(&fx->ctx));

	/* Nothing secret in the journal: the entries name the person and the event only. */
	assert_int_equal(count(fx,
	                     "SELECT COUNT(*) FROM journal WHERE action LIKE 'second_factor%' OR action LIKE "
	                     "'recovery%'",
	                     NULL),
	    5); /* admin on, a recovery code used, codes renewed; candidate on, off */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM journal WHERE detail LIKE '%' || ? || '%'", e.secret), 0);
	assert_journal_ok(fx);
}

/* Tokens with scopes and an expiry: checked at creation, carried by the actor, refused once expired; a token
 * cannot make tokens. */
static void
t_token_scopes(void **state)
{
	struct fx *fx = *state;
	const struct actor *owner;
	struct actor *got = NULL;
	const char *raw = NULL, *raw2 = NULL;
	int64_t id, tid = 0;

	id = make_account(fx, "integrateur@example.fr", "national", PW, 0, NULL);
	owner = load_actor(fx, id);
	fx->ctx.actor = owner;
	ctx_reset(fx);
	expect_field(fx, apitoken_create_scoped(&fx->ctx, 0, "x", "dossiers:admin", NULL, &raw, &tid), "scopes");
	ctx_reset(fx);
	expect_field(fx, apitoken_create_scoped(&fx->ctx, 0, "x", "", NULL, &raw, &tid), "scopes");
	ctx_reset(fx);
	expect_field(
	    fx, apitoken_create_scoped(&fx->ctx, 0, "x", "places:read", "2026-11-24", &raw, &tid), "expires_on");
	ctx_reset(fx);
	expect_field(
	    fx, apitoken_create_scoped(&fx->ctx, 0, "x", "places:read", "2028-01-01", &raw, &tid), "expires_on");
	ctx_reset(fx);
	expect_field(
	    fx, apitoken_create_scoped(&fx->ctx, 0, "x", "places:read", "24/11/2027", &raw, &tid), "expires_on");
	ctx_reset(fx);
	assert_int_equal(
	    apitoken_create_scoped(&fx->ctx, 0, "lecture", "places:read dossiers:write", "2026-11-25", &raw, &tid),
	    TR_OK);

	fx->ctx.actor = NULL;
	ctx_reset(fx);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw, &got), TR_OK);
	assert_string_equal(got->scopes, "places:read dossiers:write");
	assert_false(got->second_factor_due);
	/* A scoped token cannot make another (its scopes would not bind the new one). */
	fx->ctx.actor = got;
	ctx_reset(fx);
	assert_int_equal(apitoken_create_scoped(&fx->ctx, 0, "y", "*", NULL, &raw2, &tid), TR_FORBIDDEN);
	/* Expired at the end of its day (UTC). */
	fx->ctx.actor = NULL;
	fx->ctx.now = 1795651200; /* 2026-11-26T00:00:00Z */
	ctx_reset(fx);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw, &got), TR_UNAUTHORIZED);
	assert_non_null(strstr(fx->ctx.message, "a expiré le 25 novembre 2026"));
	fx->ctx.now = 1795651199;
	ctx_reset(fx);
	assert_int_equal(apitoken_resolve(&fx->ctx, raw, &got), TR_OK);
	/* Without scopes nor a date: the owner's whole reach for 90 days. */
	fx->ctx.actor = owner;
	ctx_reset(fx);
	assert_int_equal(apitoken_create(&fx->ctx, 0, "complet", &raw2, &tid), TR_OK);
	assert_int_equal(
	    count(fx, "SELECT COUNT(*) FROM api_tokens WHERE scopes = '*' AND expires_at IS NOT NULL", NULL), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_create_and_login),
		T(t_throttle),
		T(t_throttle_device),
		T(t_throttle_address),
		T(t_client_address),
		T(t_resolve_and_logout),
		T(t_session_expiry),
		T(t_session_lifetime),
		T(t_duplicate_email),
		T(t_membership_rules),
		T(t_invitation),
		T(t_request_reset),
		T(t_link_flow),
		T(t_password_revokes),
		T(t_reset_quota),
		T(t_expired_links),
		T(t_api_tokens),
		T(t_second_factor),
		T(t_token_scopes),
		T(t_authorization),
		T(t_organisations),
		T(t_refdata),
		T(t_demo),
	};
	const struct testdb_fixtures fixtures = { .sqlite_setup = sqlite_group_setup, .pg_setup = pg_group_setup };
	int failed;

	log_set_level(LOG_WARN);
	if (sec_init() != TR_OK)
		return 1;
	failed = testdb_run("account", tests, N_ELEMS(tests), &fixtures);
	return failed == 0 ? 0 : 1;
}
