/* Tests of src/core: arenas, capped buffers, integer parsing, configuration, dates and the clock,
 * secrets, field errors and the tables of embedded files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/embed.h"
#include "core/err.h"
#include "core/metrics.h"
#include "core/str.h"
#include "core/time.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

/* ---- arena ---- */

static void
test_arena_alloc_zeroed_aligned(void **state)
{
	static const size_t sizes[] = { 1, 3, 7, 16, 17, 100, 1000, 4095, 8000 };
	struct arena *a = arena_new();

	(void)state;
	assert_int_equal(arena_used(a), 0);
	for (size_t i = 0; i < N_ELEMS(sizes); i++) {
		unsigned char *p = arena_alloc(a, sizes[i]);
		assert_non_null(p);
		if ((uintptr_t)p % _Alignof(max_align_t) != 0)
			fail_msg("size %zu: %p is not aligned for max_align_t", sizes[i], (void *)p);
		for (size_t k = 0; k < sizes[i]; k++)
			if (p[k] != 0)
				fail_msg("size %zu: byte %zu is not zero", sizes[i], k);
		/* The whole block is ours: writing it must not upset the sanitizer or the next block. */
		memset(p, 0xAB, sizes[i]);
	}
	arena_free(a);
	arena_free(NULL);
}

static void
test_arena_used(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	(void)arena_alloc(a, 32);
	assert_int_equal(arena_used(a), 32);
	(void)arena_alloc(a, 64);
	assert_int_equal(arena_used(a), 96);
	/* An odd size still counts at least its bytes. */
	(void)arena_alloc(a, 5);
	assert_true(arena_used(a) >= 101);
	arena_free(a);
}

static void
test_arena_large_blocks(void **state)
{
	struct arena *a = arena_new();
	unsigned char *small1, *big, *small2, *huge;

	(void)state;
	small1 = arena_alloc(a, 10);
	memcpy(small1, "012345678", 10);
	big = arena_alloc(a, 100000);
	for (size_t k = 0; k < 100000; k++)
		if (big[k] != 0)
			fail_msg("large block byte %zu is not zero", k);
	memset(big, 0x5A, 100000);
	small2 = arena_alloc(a, 10);
	memcpy(small2, "abcdefghi", 10);
	huge = arena_alloc(a, 3 * 1024 * 1024);
	huge[0] = 1;
	huge[3 * 1024 * 1024 - 1] = 2;
	/* Earlier blocks are intact. */
	assert_string_equal((char *)small1, "012345678");
	assert_string_equal((char *)small2, "abcdefghi");
	assert_int_equal(big[0], 0x5A);
	assert_int_equal(big[99999], 0x5A);
	assert_true(arena_used(a) >= 10 + 100000 + 10 + 3 * 1024 * 1024);
	arena_free(a);
}

static void
test_arena_strings(void **state)
{
	struct arena *a = arena_new();
	const char src[] = "héllo world";
	char *s, *big;

	(void)state;
	s = arena_strdup(a, src);
	assert_string_equal(s, src);
	assert_ptr_not_equal(s, src);
	assert_null(arena_strdup(a, NULL));
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_string_equal(arena_strndup(a, NULL, 0), "");
	assert_string_equal(arena_str(a, STR("xyz")), "xyz");
	assert_string_equal(arena_str(a, STR_NULL), "");
	assert_string_equal(arena_str(a, ((struct str){ "abcdef" + 2, 2 })), "cd");
	assert_string_equal(arena_printf(a, "%d-%s-%05.1f", 42, "x", 3.14159), "42-x-003.1");
	assert_string_equal(arena_printf(a, "%s", ""), "");
	/* A formatted string larger than a chunk. */
	big = arena_printf(a, "<%0*d>", 20000, 7);
	assert_int_equal(strlen(big), 20002);
	assert_int_equal(big[0], '<');
	assert_int_equal(big[1], '0');
	assert_int_equal(big[20000], '7');
	assert_int_equal(big[20001], '>');
	arena_free(a);
}

/* ---- buf ---- */

static void
test_buf_append_and_printf(void **state)
{
	struct buf b = BUF_INIT(0);
	struct str s;

	(void)state;
	s = buf_str(&b);
	assert_string_equal(s.p, "");
	assert_int_equal(s.n, 0);
	assert_int_equal(buf_puts(&b, "abc"), TR_OK);
	assert_int_equal(buf_putc(&b, '-'), TR_OK);
	assert_int_equal(buf_append(&b, "xyz!", 3), TR_OK);
	assert_int_equal(buf_printf(&b, "[%d|%s]", -12, "é"), TR_OK);
	assert_int_equal(buf_append(&b, NULL, 0), TR_OK);
	assert_string_equal(b.p, "abc-xyz[-12|é]");
	assert_int_equal(b.n, strlen("abc-xyz[-12|é]"));
	s = buf_str(&b);
	assert_true(str_eq_c(s, "abc-xyz[-12|é]"));
	/* Growth over many appends keeps every byte. */
	buf_reset(&b);
	assert_int_equal(b.n, 0);
	assert_string_equal(b.p, "");
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_printf(&b, "%04d", i), TR_OK);
	assert_int_equal(b.n, 40000);
	assert_memory_equal(b.p + 4 * 9999, "9999", 4);
	assert_memory_equal(b.p + 4 * 1234, "1234", 4);
	assert_int_equal(b.p[b.n], '\0');
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.n, 0);
}

static void
test_buf_cap(void **state)
{
	struct buf b = BUF_INIT(10);

	(void)state;
	assert_int_equal(buf_puts(&b, "hello"), TR_OK);
	assert_int_equal(buf_printf(&b, "%d", 12345), TR_OK); /* exactly at the cap */
	assert_int_equal(b.n, 10);
	assert_int_equal(b.toobig, 0);
	assert_int_equal(buf_putc(&b, 'x'), TR_TOO_LARGE);
	assert_int_equal(b.toobig, 1);
	/* Sticky: even an empty append fails now, and the content is left as it was. */
	assert_int_equal(buf_append(&b, "", 0), TR_TOO_LARGE);
	assert_int_equal(buf_puts(&b, ""), TR_TOO_LARGE);
	assert_int_equal(buf_printf(&b, "%s", ""), TR_TOO_LARGE);
	assert_string_equal(b.p, "hello12345");
	assert_int_equal(b.n, 10);
	/* Reset clears the flag and keeps the cap. */
	buf_reset(&b);
	assert_int_equal(b.toobig, 0);
	assert_int_equal(b.max, 10);
	assert_int_equal(buf_puts(&b, "0123456789"), TR_OK);
	assert_int_equal(buf_puts(&b, "a"), TR_TOO_LARGE);
	buf_free(&b);

	/* A printf that would go past the cap writes nothing. */
	b = BUF_INIT(4);
	assert_int_equal(buf_printf(&b, "%s", "hello"), TR_TOO_LARGE);
	assert_int_equal(b.n, 0);
	assert_int_equal(buf_str(&b).n, 0);
	assert_int_equal(buf_puts(&b, "ab"), TR_TOO_LARGE);
	buf_free(&b);

	/* One huge append on a small cap. */
	b = BUF_INIT(1000);
	{
		char *big = calloc(1, 5000);
		memset(big, 'z', 4999);
		assert_int_equal(buf_append(&b, big, 4999), TR_TOO_LARGE);
		free(big);
	}
	assert_int_equal(b.n, 0);
	buf_free(&b);
}

static void
test_buf_to_arena(void **state)
{
	struct arena *a = arena_new();
	struct buf b = BUF_INIT(0);
	char *s;

	(void)state;
	assert_int_equal(buf_printf(&b, "id=%d name=%s", 7, "Zoé"), TR_OK);
	s = buf_to_arena(&b, a);
	assert_string_equal(s, "id=7 name=Zoé");
	assert_null(b.p);
	assert_int_equal(b.n, 0);
	/* An empty buffer that never allocated gives "". */
	b = BUF_INIT(0);
	s = buf_to_arena(&b, a);
	assert_string_equal(s, "");
	arena_free(a);
}

/* ---- str ---- */

struct i64_case {
	const char *in;
	bool ok;
	long long value;
};

static const struct i64_case i64_cases[] = {
	{ "0", true, 0 }, { "-0", true, 0 }, { "7", true, 7 }, { "42", true, 42 }, { "-42", true, -42 },
	{ "007", true, 7 }, { "9223372036854775807", true, LLONG_MAX }, { "-9223372036854775808", true, LLONG_MIN },
	{ "9223372036854775808", false, 0 }, { "-9223372036854775809", false, 0 }, { "9999999999999999999", false, 0 },
	{ "18446744073709551616", false, 0 }, { "99999999999999999999", false, 0 }, { "", false, 0 }, { "-", false, 0 },
	{ "--1", false, 0 }, { "+1", false, 0 }, { "+", false, 0 }, { " 1", false, 0 }, { "1 ", false, 0 },
	{ "1 2", false, 0 }, { "\t1", false, 0 }, { "1-", false, 0 }, { "12a", false, 0 }, { "0x10", false, 0 },
	{ "1.0", false, 0 }, { "1e3", false, 0 },
	{ "١", false, 0 }, /* an Arabic-Indic digit is not a decimal digit here */
};

/* Items of '|'-joined lists: whole items only, never the empty code. */
static void
test_str_list_has(void **state)
{
	(void)state;
	assert_true(str_list_has("a|bb|c", "bb", 2));
	assert_true(str_list_has("a|bb|c", "a", 1));
	assert_true(str_list_has("a|bb|c", "c", 1));
	assert_false(str_list_has("a|bb|c", "b", 1));
	assert_false(str_list_has("a||c", "", 0));
	assert_false(str_list_has(NULL, "a", 1));
	assert_false(str_list_has("", "a", 1));
}

static void
test_str_to_i64(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(i64_cases); i++) {
		const struct i64_case *c = &i64_cases[i];
		long long v = 12345;
		bool ok = str_to_i64(str_c(c->in), &v);
		if (ok != c->ok)
			fail_msg("str_to_i64(\"%s\"): expected %s", c->in, c->ok ? "success" : "failure");
		if (ok && v != c->value)
			fail_msg("str_to_i64(\"%s\") = %lld, expected %lld", c->in, v, c->value);
		if (!ok && v != 12345)
			fail_msg("str_to_i64(\"%s\") failed but wrote its output", c->in);
	}
}

static void
test_str_helpers(void **state)
{
	const char digits[] = "123456";
	long long v = 0;

	(void)state;
	/* Length-delimited: only the first three bytes count. */
	assert_true(str_to_i64((struct str){ digits, 3 }, &v));
	assert_int_equal(v, 123);
	assert_false(str_to_i64(STR_NULL, &v));
	assert_true(str_eq(str_trim(STR(" \t a b \t ")), STR("a b")));
	assert_int_equal(str_trim(STR(" \t ")).n, 0);
	assert_true(str_eq_nocase(STR("Content-Type"), STR("content-TYPE")));
	assert_false(str_eq_nocase(STR("abc"), STR("abd")));
	assert_false(str_eq_nocase(STR("abc"), STR("ab")));
	assert_true(str_starts(STR("postgresql://x"), STR("postgresql://")));
	assert_false(str_starts(STR("pg"), STR("postgresql://")));
	assert_true(str_eq(STR(""), STR_NULL));
}

/* ---- config ---- */

static void
test_config_defaults(void **state)
{
	struct config cfg;
	char err[256] = "";

	(void)state;
	memset(&cfg, 0x55, sizeof(cfg));
	config_defaults(&cfg);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_string_equal(cfg.database, "sqlite:var/tremplin.db");
	assert_string_equal(cfg.base_url, "http://127.0.0.1:8080");
	assert_string_equal(cfg.smtp_url, "");
	assert_int_equal(cfg.threads, 0);
	assert_int_equal(cfg.session_hours, 12);
	assert_int_equal(cfg.max_body_kb, 1024);
	assert_int_equal(cfg.max_upload_kb, 10 * 1024);
	assert_int_equal(cfg.mail_retry_seconds, 60);
	assert_false(cfg.behind_tls);
	assert_true(cfg.access_log);
	assert_false(cfg.test_mode);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), TR_OK);
}

struct set_case {
	const char *key, *value;
	tr_err expect;
	const char *err_has; /* a piece of the error message, when an error is expected */
};

static const struct set_case set_cases[] = {
	{ "listen", "0.0.0.0:9000", TR_OK, NULL },
	{ "server.listen", "[::1]:8443", TR_OK, NULL },
	{ "database", "postgresql://u@db/tremplin", TR_OK, NULL },
	{ "database.url", "sqlite:/tmp/x.db", TR_OK, NULL },
	{ "base-url", "https://tremplin.example.fr", TR_OK, NULL },
	{ "server.threads", "8", TR_OK, NULL },
	{ "server.threads", "0", TR_OK, NULL },
	{ "server.threads", "64", TR_OK, NULL },
	{ "server.threads", "65", TR_INVALID, "server.threads" },
	{ "server.threads", "-1", TR_INVALID, "server.threads" },
	{ "server.threads", "", TR_INVALID, "server.threads" },
	{ "server.threads", "abc", TR_INVALID, "\"abc\"" },
	{ "server.threads", "8x", TR_INVALID, "server.threads" },
	{ "server.threads", "99999999999999999999999", TR_INVALID, "server.threads" },
	{ "server.session_hours", "0", TR_INVALID, "server.session_hours" },
	{ "server.behind_tls", "true", TR_OK, NULL },
	{ "server.behind_tls", "yes", TR_OK, NULL },
	{ "server.behind_tls", "1", TR_OK, NULL },
	{ "server.access_log", "false", TR_OK, NULL },
	{ "server.access_log", "no", TR_OK, NULL },
	{ "server.access_log", "0", TR_OK, NULL },
	{ "server.behind_tls", "maybe", TR_INVALID, "server.behind_tls" },
	{ "server.behind_tls", "", TR_INVALID, "server.behind_tls" },
	{ "mail.retry_seconds", "0", TR_INVALID, "mail.retry_seconds" },
	{ "nope", "1", TR_INVALID, "nope" },
	{ "threads", "4", TR_INVALID, "threads" }, /* no short name */
	{ "server.nope", "1", TR_INVALID, "server.nope" },
	{ "serve.listen", "1.2.3.4:5", TR_INVALID, "serve.listen" },
	{ "server.listen.x", "1.2.3.4:5", TR_INVALID, "server.listen.x" },
	{ "", "x", TR_INVALID, "unknown" },
};

static void
test_config_set(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(set_cases); i++) {
		const struct set_case *c = &set_cases[i];
		struct config cfg;
		char err[512] = "";
		tr_err got;

		config_defaults(&cfg);
		got = config_set(&cfg, c->key, c->value, err, sizeof(err));
		if (got != c->expect)
			fail_msg("config_set(%s, \"%s\") = %s, expected %s (%s)", c->key, c->value, tr_err_name(got),
			    tr_err_name(c->expect), err);
		if (c->err_has != NULL && strstr(err, c->err_has) == NULL)
			fail_msg("config_set(%s, \"%s\"): message \"%s\" does not name \"%s\"", c->key, c->value, err,
			    c->err_has);
	}
}

static void
test_config_set_values(void **state)
{
	struct config cfg;
	char err[512] = "", longval[CONFIG_STR_MAX + 10];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "listen", "0.0.0.0:9000", err, sizeof(err)), TR_OK);
	assert_string_equal(cfg.listen, "0.0.0.0:9000");
	assert_int_equal(config_set(&cfg, "database", "postgresql://u@db/t", err, sizeof(err)), TR_OK);
	assert_string_equal(cfg.database, "postgresql://u@db/t");
	assert_int_equal(config_set(&cfg, "server.threads", "8", err, sizeof(err)), TR_OK);
	assert_int_equal(cfg.threads, 8);
	assert_int_equal(config_set(&cfg, "server.behind_tls", "yes", err, sizeof(err)), TR_OK);
	assert_true(cfg.behind_tls);
	assert_int_equal(config_set(&cfg, "server.access_log", "0", err, sizeof(err)), TR_OK);
	assert_false(cfg.access_log);
	/* A refused value leaves the setting alone. */
	assert_int_equal(config_set(&cfg, "server.threads", "65", err, sizeof(err)), TR_INVALID);
	assert_int_equal(cfg.threads, 8);
	assert_int_equal(config_set(&cfg, "server.behind_tls", "peut-être", err, sizeof(err)), TR_INVALID);
	assert_true(cfg.behind_tls);
	/* Strings longer than the field are refused, never truncated. */
	memset(longval, 'a', sizeof(longval) - 1);
	longval[sizeof(longval) - 1] = '\0';
	assert_int_equal(config_set(&cfg, "base-url", longval, err, sizeof(err)), TR_INVALID);
	assert_string_equal(cfg.base_url, "http://127.0.0.1:8080");
	longval[CONFIG_STR_MAX - 1] = '\0'; /* 511 bytes: fits */
	assert_int_equal(config_set(&cfg, "base-url", longval, err, sizeof(err)), TR_OK);
	assert_int_equal(strlen(cfg.base_url), CONFIG_STR_MAX - 1);
}

/* The OpenID Connect providers' settings: sections with a dot, an https issuer (http on the loopback only), the
 * client's id and secret required with an issuer, scopes starting with openid. */
static void
test_config_oidc(void **state)
{
	struct config cfg;
	char err[512] = "";

	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.oidc[OIDC_PROCONNECT].issuer, "");
	assert_true(strncmp(cfg.oidc[OIDC_FRANCECONNECT].scopes, "openid ", 7) == 0);
	assert_string_equal(config_oidc_name(OIDC_FRANCECONNECT), "franceconnect");
	assert_int_equal(
	    config_set(&cfg, "oidc.proconnect.issuer", "https://idp.example/api/v2", err, sizeof(err)), TR_OK);
	assert_string_equal(cfg.oidc[OIDC_PROCONNECT].issuer, "https://idp.example/api/v2");
	assert_int_equal(config_check(&cfg, err, sizeof(err)), TR_INVALID);
	assert_non_null(strstr(err, "oidc.proconnect"));
	assert_int_equal(config_set(&cfg, "oidc.proconnect.client_id", "c", err, sizeof(err)), TR_OK);
	assert_int_equal(config_set(&cfg, "oidc.proconnect.client_secret", "s", err, sizeof(err)), TR_OK);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), TR_OK);
	assert_int_equal(config_set(&cfg, "oidc.proconnect.scopes", "email openid", err, sizeof(err)), TR_OK);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), TR_INVALID);
	assert_non_null(strstr(err, "oidc.proconnect.scopes"));
	assert_int_equal(config_set(&cfg, "oidc.proconnect.scopes", "openid", err, sizeof(err)), TR_OK);
	assert_int_equal(config_set(&cfg, "oidc.proconnect.issuer", "http://idp.example", err, sizeof(err)), TR_OK);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), TR_INVALID);
	assert_int_equal(config_set(&cfg, "oidc.proconnect.issuer", "http://127.0.0.1:9000", err, sizeof(err)), TR_OK);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), TR_OK);
	assert_int_equal(config_set(&cfg, "oidc.nobody.issuer", "https://x", err, sizeof(err)), TR_INVALID);
}

/* Writes CONTENT to a new temporary file; its path goes into PATH. */
static void
write_temp(char *path, size_t n, const char *content)
{
	FILE *f;
	int fd;

	snprintf(path, n, "/tmp/test_core_XXXXXX.ini");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

struct reload_notes {
	char text[2048];
};

static void
note_into(void *ud, const char *name, const char *old_value, const char *new_value, bool live)
{
	struct reload_notes *n = ud;
	size_t k = strlen(n->text);

	snprintf(n->text + k, sizeof(n->text) - k, "%s %s %s %s;", live ? "live" : "restart", name,
	    old_value ? old_value : "(secret)", new_value ? new_value : "(secret)");
}

/* A reload (SIGHUP) takes the live settings from the file again, keeps the others and the command line's, and
 * changes nothing when the file is wrong. */
static void
test_config_reload(void **state)
{
	char path[64], err[512] = "";
	struct config cfg, out;
	struct reload_notes notes = { "" };
	FILE *f;

	(void)state;
	write_temp(path, sizeof(path),
	    "[server]\nthreads = 2\ndeadline_ms = 500\n[log]\nformat = json\n[metrics]\nallow = 127.0.0.1\n");
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), TR_OK);
	assert_int_equal(config_set(&cfg, "listen", "127.0.0.1:9100", err, sizeof(err)), TR_OK);
	snprintf(cfg.config_file, sizeof(cfg.config_file), "%s", path);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[server]\nthreads = 3\ndeadline_ms = 800\nlisten = 127.0.0.1:9200\n[log]\nformat = text\nlevel = "
	      "warn\n[metrics]\nallow = 10.0.0.0/8, ::1\n[mail]\nsmtp_url = smtp://u:secret@relay:25\n",
	    f);
	fclose(f);
	assert_int_equal(config_reload(&cfg, &out, note_into, &notes, err, sizeof(err)), TR_OK);
	assert_int_equal(out.deadline_ms, 800);
	assert_string_equal(out.log_format, "text");
	assert_string_equal(out.log_level, "warn");
	assert_string_equal(out.metrics_allow, "10.0.0.0/8, ::1");
	assert_string_equal(out.smtp_url, "smtp://u:secret@relay:25");
	assert_int_equal(out.threads, 2);                  /* needs a restart: kept */
	assert_string_equal(out.listen, "127.0.0.1:9100"); /* the command line's */
	assert_string_equal(out.config_file, cfg.config_file);
	assert_non_null(strstr(notes.text, "restart server.threads 2 3;"));
	assert_non_null(strstr(notes.text, "live server.deadline_ms 500 800;"));
	assert_non_null(strstr(notes.text, "live mail.smtp_url (secret) (secret);"));
	assert_null(strstr(notes.text, "secret@"));
	assert_null(strstr(notes.text, "listen"));

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[metrics]\nallow = nowhere\n", f);
	fclose(f);
	assert_int_equal(config_reload(&out, &cfg, NULL, NULL, err, sizeof(err)), TR_INVALID);
	assert_non_null(strstr(err, "metrics.allow"));
	assert_string_equal(cfg.metrics_allow, "10.0.0.0/8, ::1"); /* unchanged */
	unlink(path);
}

static void
test_config_address_in(void **state)
{
	(void)state;
	assert_true(config_address_in("127.0.0.1, ::1", "127.0.0.1"));
	assert_true(config_address_in("127.0.0.1, ::1", "::1"));
	assert_true(config_address_in("10.0.0.0/8", "10.200.3.4"));
	assert_true(config_address_in("10.0.0.0/8", "::ffff:10.1.2.3"));
	assert_false(config_address_in("10.0.0.0/8", "11.0.0.1"));
	assert_false(config_address_in("", "127.0.0.1"));
	assert_false(config_address_in("127.0.0.1", ""));
	assert_false(config_address_in("127.0.0.1", "127.0.0.1, 10.0.0.1"));
}

#define METRIC_THREADS 4
#define METRIC_COUNTS 10000

static void *
count_requests(void *arg)
{
	(void)arg;
	for (int i = 0; i < METRIC_COUNTS; i++) {
		metrics_request((size_t)(i % 3), i % 2 ? 200 : 404, i % 2 ? 500 : 2000000);
		metrics_add(METRIC_DB_STATEMENTS, 1);
	}
	metrics_job(1, true, 250);
	return NULL;
}

/* Each thread counts into its own slot; a read sums them. */
static void
test_metrics_per_thread_summed(void **state)
{
	pthread_t t[METRIC_THREADS];
	struct metrics_sum s;
	uint64_t total = 0, route0 = 0;

	(void)state;
	metrics_init(3, 2);
	for (int i = 0; i < METRIC_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, count_requests, NULL), 0);
	for (int i = 0; i < METRIC_THREADS; i++)
		pthread_join(t[i], NULL);
	metrics_read(&s);
	assert_int_equal(s.nroutes, 4); /* and the row of unmatched requests */
	for (size_t i = 0; i < s.nroutes * METRICS_STATUSES; i++)
		total += s.requests[i];
	assert_int_equal(total, METRIC_THREADS * METRIC_COUNTS);
	for (size_t k = 0; k <= METRICS_BUCKETS; k++)
		route0 += s.buckets[k];
	assert_int_equal(route0, s.requests[0 * METRICS_STATUSES + 0] + s.requests[0 * METRICS_STATUSES + 10]);
	assert_int_equal(metrics_status_at(0), 200);
	assert_int_equal(metrics_status_at(10), 404);
	assert_int_equal(s.counters[METRIC_DB_STATEMENTS], METRIC_THREADS * METRIC_COUNTS);
	assert_int_equal(s.job_runs[1][1], METRIC_THREADS);
	assert_int_equal(s.job_micros[1], 250 * METRIC_THREADS);
	/* 0.5 ms in the first bucket (1 ms), 2 s in the one of 2.5 s */
	assert_true(s.buckets[0] > 0 && s.buckets[8] == 0 && s.buckets[9] > 0);
	metrics_sum_free(&s);
}

static void
test_config_load_good_file(void **state)
{
	char path[64], err[512] = "";
	struct config cfg;
	tr_err got;

	(void)state;
	write_temp(path, sizeof(path),
	    "; tremplin settings\n"
	    "[server]\n"
	    "listen = 0.0.0.0:9090\n"
	    "base_url = https://tremplin.example.fr\n"
	    "threads = 4\n"
	    "behind_tls = true\n"
	    "access_log = false\n"
	    "\n"
	    "[database]\n"
	    "url = postgresql://tremplin@db.example/tremplin\n"
	    "[mail]\n"
	    "smtp_url = smtp://mail.example:25\n"
	    "from = Tremplin <ne-pas-repondre@example.fr>\n"
	    "retry_seconds = 120\n");
	config_defaults(&cfg);
	got = config_load_file(&cfg, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(got, TR_OK);
	assert_string_equal(cfg.listen, "0.0.0.0:9090");
	assert_string_equal(cfg.base_url, "https://tremplin.example.fr");
	assert_int_equal(cfg.threads, 4);
	assert_true(cfg.behind_tls);
	assert_false(cfg.access_log);
	assert_string_equal(cfg.database, "postgresql://tremplin@db.example/tremplin");
	assert_string_equal(cfg.smtp_url, "smtp://mail.example:25");
	assert_string_equal(cfg.mail_from, "Tremplin <ne-pas-repondre@example.fr>");
	assert_int_equal(cfg.mail_retry_seconds, 120);
	/* Untouched keys keep their defaults. */
	assert_int_equal(cfg.session_hours, 12);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), TR_OK);
}

struct file_case {
	const char *content;
	const char *has1, *has2; /* pieces the message must hold besides the file name */
};

static const struct file_case bad_files[] = {
	{ "[server]\nlisten = 1.2.3.4:80\n[cache]\nsize = 10\n", "[cache]", "size" },
	{ "[server]\nthreads = 2\nnope = 1\n", "nope", "server" },
	{ "[server]\nthreads = lots\n", "server.threads", "\"lots\"" },
	{ "[server]\nbehind_tls = perhaps\n", "server.behind_tls", "perhaps" },
	{ "url = sqlite:x.db\n", "url", "unknown" }, /* a key before any section */
	{ "[server]\nthis line has no equals sign\n", ":2", "syntax" },
};

static void
test_config_load_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(bad_files); i++) {
		const struct file_case *c = &bad_files[i];
		char path[64], err[512] = "";
		struct config cfg;
		tr_err got;

		write_temp(path, sizeof(path), c->content);
		config_defaults(&cfg);
		got = config_load_file(&cfg, path, err, sizeof(err));
		unlink(path);
		if (got != TR_INVALID)
			fail_msg("case %zu: got %s, expected invalid", i, tr_err_name(got));
		if (strstr(err, path) == NULL || strstr(err, c->has1) == NULL || strstr(err, c->has2) == NULL)
			fail_msg("case %zu: message \"%s\" should name %s, \"%s\" and \"%s\"", i, err, path, c->has1,
			    c->has2);
	}
}

/* config.h promises a message "naming the file, line and key": the line of an unknown key. */
static void
test_config_load_error_names_line(void **state)
{
	char path[64], err[512] = "";
	struct config cfg;

	(void)state;
	write_temp(path, sizeof(path), "[server]\nthreads = 2\nnope = 1\n");
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), TR_INVALID);
	unlink(path);
	if (strstr(err, ":3") == NULL)
		fail_msg("message \"%s\" does not name line 3", err);
}

static void
test_config_load_missing_file(void **state)
{
	char err[512] = "";
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, "/nonexistent/tremplin.ini", err, sizeof(err)), TR_INVALID);
	assert_non_null(strstr(err, "/nonexistent/tremplin.ini"));
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
}

struct check_case {
	const char *key, *value;
	const char *err_prefix; /* NULL: valid */
};

static const struct check_case check_cases[] = {
	{ "listen", "0.0.0.0:80", NULL },
	{ "listen", "[::1]:8080", NULL },
	{ "listen", "localhost", "listen" },
	{ "listen", "localhost:0", "listen" },
	{ "listen", "", "listen" },
	{ "database", "postgres://u@h/d", NULL },
	{ "database", "postgresql://u@h/d", NULL },
	{ "database", "sqlite::memory:", NULL },
	{ "database", "mysql://u@h/d", "database" },
	{ "database", "var/tremplin.db", "database" },
	{ "database", "", "database" },
	{ "base-url", "https://tremplin.example.fr", NULL },
	{ "base-url", "ftp://tremplin.example.fr", "base_url" },
	{ "base-url", "tremplin.example.fr", "base_url" },
	{ "smtp-url", "smtps://mail:465", NULL },
	{ "smtp-url", "http://mail", "mail.smtp_url" },
};

static void
test_config_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(check_cases); i++) {
		const struct check_case *c = &check_cases[i];
		struct config cfg;
		char err[512] = "";
		tr_err got;

		config_defaults(&cfg);
		assert_int_equal(config_set(&cfg, c->key, c->value, err, sizeof(err)), TR_OK);
		got = config_check(&cfg, err, sizeof(err));
		if (got != (c->err_prefix ? TR_INVALID : TR_OK))
			fail_msg("config_check with %s = \"%s\": got %s (%s)", c->key, c->value, tr_err_name(got), err);
		if (c->err_prefix && strncmp(err, c->err_prefix, strlen(c->err_prefix)) != 0)
			fail_msg("config_check with %s = \"%s\": message \"%s\" should start with %s", c->key, c->value,
			    err, c->err_prefix);
	}
}

struct listen_case {
	const char *in;
	bool ok;
	const char *host;
	int port;
};

static const struct listen_case listen_cases[] = {
	{ "127.0.0.1:8080", true, "127.0.0.1", 8080 },
	{ "0.0.0.0:1", true, "0.0.0.0", 1 },
	{ "localhost:65535", true, "localhost", 65535 },
	{ "[::1]:80", true, "::1", 80 },
	{ "[::]:8443", true, "::", 8443 },
	{ "127.0.0.1", false, NULL, 0 },
	{ "127.0.0.1:", false, NULL, 0 },
	{ ":8080", false, NULL, 0 },
	{ "[]:80", false, NULL, 0 },
	{ "[::1]", false, NULL, 0 },
	{ "[::1]:", false, NULL, 0 },
	{ "127.0.0.1:0", false, NULL, 0 },
	{ "127.0.0.1:65536", false, NULL, 0 },
	{ "127.0.0.1:99999999999999999999", false, NULL, 0 },
	{ "127.0.0.1:-80", false, NULL, 0 },
	{ "127.0.0.1:80x", false, NULL, 0 },
	{ "127.0.0.1:http", false, NULL, 0 },
	{ "127.0.0.1: 80", false, NULL, 0 },
	{ "127.0.0.1:+80", false, NULL, 0 },
	{ "", false, NULL, 0 },
};

static void
test_config_split_listen(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(listen_cases); i++) {
		const struct listen_case *c = &listen_cases[i];
		char host[64] = "";
		int port = -1;
		bool ok = config_split_listen(c->in, host, sizeof(host), &port);

		if (ok != c->ok)
			fail_msg("config_split_listen(\"%s\"): expected %s, got host \"%s\" port %d", c->in,
			    c->ok ? "success" : "failure", host, port);
		if (ok && (strcmp(host, c->host) != 0 || port != c->port))
			fail_msg("config_split_listen(\"%s\") = \"%s\" %d, expected \"%s\" %d", c->in, host, port,
			    c->host, c->port);
	}
}

static void
test_config_split_listen_small_buffer(void **state)
{
	char host[4];
	int port = 0;

	(void)state;
	assert_false(config_split_listen("localhost:80", host, sizeof(host), &port));
	assert_true(config_split_listen("abc:80", host, sizeof(host), &port));
	assert_string_equal(host, "abc");
	assert_int_equal(port, 80);
}

/* ---- time ---- */

struct date_case {
	const char *in;
	bool ok;
	int y, m, d;
};

static const struct date_case date_cases[] = {
	{ "2024-02-29", true, 2024, 2, 29 },
	{ "2023-02-29", false, 0, 0, 0 },
	{ "1900-02-29", false, 0, 0, 0 },
	{ "2000-02-29", true, 2000, 2, 29 },
	{ "2100-02-29", false, 0, 0, 0 },
	{ "2023-02-28", true, 2023, 2, 28 },
	{ "2026-01-01", true, 2026, 1, 1 },
	{ "2026-12-31", true, 2026, 12, 31 },
	{ "2026-04-30", true, 2026, 4, 30 },
	{ "2026-04-31", false, 0, 0, 0 },
	{ "2026-06-31", false, 0, 0, 0 },
	{ "2026-11-31", false, 0, 0, 0 },
	{ "2026-01-32", false, 0, 0, 0 },
	{ "2026-01-00", false, 0, 0, 0 },
	{ "2026-00-10", false, 0, 0, 0 },
	{ "2026-13-01", false, 0, 0, 0 },
	{ "0000-01-01", false, 0, 0, 0 },
	{ "0001-01-01", true, 1, 1, 1 },
	{ "9999-12-31", true, 9999, 12, 31 },
	{ "2026-4-1", false, 0, 0, 0 },
	{ "2026-04-1", false, 0, 0, 0 },
	{ "26-04-2026", false, 0, 0, 0 },
	{ "2026/04/01", false, 0, 0, 0 },
	{ "2026-04-01T", false, 0, 0, 0 },
	{ " 2026-04-01", false, 0, 0, 0 },
	{ "2026-04-0a", false, 0, 0, 0 },
	{ "+026-04-01", false, 0, 0, 0 },
	{ "2026--4-01", false, 0, 0, 0 },
	{ "20260401", false, 0, 0, 0 },
	{ "", false, 0, 0, 0 },
};

static void
test_date_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(date_cases); i++) {
		const struct date_case *c = &date_cases[i];
		int y = -1, m = -1, d = -1;
		bool ok = date_parse(c->in, strlen(c->in), &y, &m, &d);

		if (ok != c->ok)
			fail_msg("date_parse(\"%s\"): expected %s", c->in, c->ok ? "valid" : "invalid");
		if (ok && (y != c->y || m != c->m || d != c->d))
			fail_msg("date_parse(\"%s\") = %d-%d-%d", c->in, y, m, d);
	}
	/* Length-delimited: the first ten bytes of a longer string. */
	{
		int y, m, d;
		assert_true(date_parse("2026-11-24T10:05:00Z", 10, &y, &m, &d));
		assert_int_equal(y * 10000 + m * 100 + d, 20261124);
	}
}

struct days_case {
	int y, m, d;
	int64_t days;
};

static const struct days_case days_cases[] = {
	{ 1970, 1, 1, 0 },
	{ 1969, 12, 31, -1 },
	{ 1970, 1, 2, 1 },
	{ 2000, 1, 1, 10957 },
	{ 2000, 3, 1, 11017 },
	{ 2024, 2, 29, 19782 },
	{ 2026, 11, 24, 20781 },
	{ 1900, 3, 1, -25508 },
	{ 1, 1, 1, -719162 },
};

static void
test_date_days(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(days_cases); i++) {
		const struct days_case *c = &days_cases[i];
		int64_t got = date_days(c->y, c->m, c->d);
		if (got != c->days)
			fail_msg("date_days(%d-%d-%d) = %lld, expected %lld", c->y, c->m, c->d, (long long)got,
			    (long long)c->days);
	}
	/* Consecutive days across a leap day and a year end. */
	assert_int_equal(date_days(2024, 3, 1) - date_days(2024, 2, 28), 2);
	assert_int_equal(date_days(2023, 3, 1) - date_days(2023, 2, 28), 1);
	assert_int_equal(date_days(2027, 1, 1) - date_days(2026, 12, 31), 1);
}

struct fr_case {
	int64_t t;
	const char *date, *time;
};

static const struct fr_case fr_cases[] = {
	{ 1767222000, "1er janvier 2026", "1er janvier 2026 à 0 h 00" },  /* 2025-12-31T23:00:00Z */
	{ 1767221999, "31 décembre 2025", "31 décembre 2025 à 23 h 59" }, /* one second before */
	{ 1795514700, "24 novembre 2026", "24 novembre 2026 à 11 h 05" }, /* winter time, UTC+1 */
	{ 1783981800, "14 juillet 2026", "14 juillet 2026 à 0 h 30" },    /* summer time, UTC+2 */
	{ 1774746000, "29 mars 2026", "29 mars 2026 à 3 h 00" },          /* just after the change */
	{ 1786096800, "7 août 2026", "7 août 2026 à 12 h 00" },           /* 10:00Z */
	{ 1769943600, "1er février 2026", "1er février 2026 à 12 h 00" }, /* 11:00Z */
};

static void
test_time_formats(void **state)
{
	struct arena *a = arena_new();
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	assert_string_equal(time_iso(a, 0), "1970-01-01T00:00:00Z");
	assert_string_equal(time_iso(a, -1), "1969-12-31T23:59:59Z");
	assert_string_equal(time_iso(a, 1795514700), "2026-11-24T10:05:00Z");
	assert_string_equal(time_iso(a, 951782400), "2000-02-29T00:00:00Z");

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	for (size_t i = 0; i < N_ELEMS(fr_cases); i++) {
		const struct fr_case *c = &fr_cases[i];
		const char *d = date_fr(a, c->t), *t = time_fr(a, c->t);
		if (strcmp(d, c->date) != 0)
			fail_msg("date_fr(%lld) = \"%s\", expected \"%s\"", (long long)c->t, d, c->date);
		if (strcmp(t, c->time) != 0)
			fail_msg("time_fr(%lld) = \"%s\", expected \"%s\"", (long long)c->t, t, c->time);
	}
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else
		unsetenv("TZ");
	tzset();
	arena_free(a);
}

static void
test_clock(void **state)
{
	int64_t before, now, m1, m2;

	(void)state;
	clock_set_offset(0);
	assert_int_equal(clock_offset(), 0);
	before = clock_now();
	assert_true(before >= (int64_t)time(NULL) - 1 && before <= (int64_t)time(NULL));
	clock_set_offset(86400);
	assert_int_equal(clock_offset(), 86400);
	now = clock_now();
	assert_true(now - before >= 86400 && now - before <= 86402);
	clock_set_offset(-3600);
	now = clock_now();
	assert_true(before - now >= 3598 && before - now <= 3600);
	clock_set_offset(0);
	assert_true(clock_now() - before <= 2);
	m1 = clock_mono_ms();
	m2 = clock_mono_ms();
	assert_true(m2 >= m1);
}

/* ---- crypto ---- */

static void
test_sha256(void **state)
{
	char out[SEC_SHA256_HEX];

	(void)state;
	sec_sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sec_sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sec_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* Only N bytes are hashed. */
	sec_sha256_hex("abcdef", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_sec_equal(void **state)
{
	(void)state;
	assert_true(sec_equal("", ""));
	assert_true(sec_equal("token-abc", "token-abc"));
	assert_false(sec_equal("token-abc", "token-abd"));
	assert_false(sec_equal("token-abc", "token-ab"));
	assert_false(sec_equal("", "a"));
	assert_false(sec_equal("a", ""));
}

/* True when S is made only of base64url characters. */
static bool
is_base64url(const char *s)
{
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(s);
}

static void
test_random_tokens(void **state)
{
	static const struct {
		size_t bytes, chars;
	} lens[] = { { 1, 2 }, { 16, 22 }, { 32, 43 }, { 33, 44 }, { 64, 86 } };
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(lens); i++) {
		char *t1 = sec_random_token(a, lens[i].bytes), *t2 = sec_random_token(a, lens[i].bytes);
		if (strlen(t1) != lens[i].chars)
			fail_msg("%zu bytes: token \"%s\" has %zu characters, expected %zu", lens[i].bytes, t1,
			    strlen(t1), lens[i].chars);
		assert_true(is_base64url(t1));
		assert_true(is_base64url(t2));
		if (lens[i].bytes >= 16)
			assert_string_not_equal(t1, t2);
	}
	/* A hundred tokens of 32 bytes, all different. */
	{
		char *seen[100];
		for (size_t i = 0; i < N_ELEMS(seen); i++) {
			seen[i] = sec_random_token(a, 32);
			for (size_t k = 0; k < i; k++)
				assert_string_not_equal(seen[i], seen[k]);
		}
	}
	arena_free(a);
}

static void
test_password_hash(void **state)
{
	char h1[SEC_PASSWORD_HASH_MAX], h2[SEC_PASSWORD_HASH_MAX];
	const char *pw = "correct horse battery staple";

	(void)state;
	assert_int_equal(sec_password_hash(pw, strlen(pw), h1), TR_OK);
	assert_int_equal(sec_password_hash(pw, strlen(pw), h2), TR_OK);
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_true(strlen(h1) < SEC_PASSWORD_HASH_MAX);
	assert_string_not_equal(h1, h2); /* salted */
	assert_true(sec_password_verify(h1, pw, strlen(pw)));
	assert_true(sec_password_verify(h2, pw, strlen(pw)));
	assert_false(sec_password_verify(h1, "correct horse battery stapl", strlen(pw) - 1));
	assert_false(sec_password_verify(h1, "Correct horse battery staple", strlen(pw)));
	assert_false(sec_password_verify(h1, "", 0));
	assert_false(sec_password_verify("not a hash", pw, strlen(pw)));
	/* Only N bytes count. */
	assert_true(sec_password_verify(h1, "correct horse battery staple and more", strlen(pw)));
	sec_password_dummy_verify(pw, strlen(pw));
}

/* ---- err ---- */

static void
test_field_errors(void **state)
{
	struct field_errors fe = { .n = 0 };
	static char names[FIELD_ERRORS_MAX + 10][16];

	(void)state;
	assert_null(field_errors_get(&fe, "email"));
	field_errors_add(&fe, "email", "first");
	field_errors_add(&fe, "name", "second");
	field_errors_add(&fe, "email", "third"); /* one reason per field: the first stays, this one is dropped */
	assert_int_equal(fe.n, 2);
	assert_string_equal(field_errors_get(&fe, "email"), "first");
	assert_string_equal(field_errors_get(&fe, "name"), "second");
	assert_null(field_errors_get(&fe, "nam"));
	assert_null(field_errors_get(&fe, "names"));

	fe.n = 0;
	for (size_t i = 0; i < N_ELEMS(names); i++) {
		snprintf(names[i], sizeof(names[i]), "f%zu", i);
		field_errors_add(&fe, names[i], names[i]);
	}
	assert_int_equal(fe.n, FIELD_ERRORS_MAX);
	assert_string_equal(field_errors_get(&fe, "f0"), "f0");
	assert_string_equal(field_errors_get(&fe, "f63"), "f63");
	assert_null(field_errors_get(&fe, "f64"));
	assert_null(field_errors_get(&fe, "f73"));
}

static void
test_err_names(void **state)
{
	static const struct {
		tr_err err;
		const char *name;
	} names[] = {
		{ TR_OK, "ok" },
		{ TR_INVALID, "invalid" },
		{ TR_NOT_FOUND, "not_found" },
		{ TR_FORBIDDEN, "forbidden" },
		{ TR_UNAUTHORIZED, "unauthorized" },
		{ TR_CONFLICT, "conflict" },
		{ TR_TOO_LARGE, "too_large" },
		{ TR_RATE_LIMITED, "rate_limited" },
		{ TR_UNAVAILABLE, "unavailable" },
		{ TR_INTERNAL, "internal" },
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMS(names); i++)
		assert_string_equal(tr_err_name(names[i].err), names[i].name);
	assert_non_null(tr_err_name((tr_err)99));
}

/* ---- embed ---- */

static void
test_embedded_find(void **state)
{
	static const struct embedded_file table[] = {
		{ "layout.html", "<html>", 6 },
		{ "0001_init.sql", "CREATE TABLE t (x INT);", 23 },
		{ "layout.htm", "short", 5 },
		{ NULL, NULL, 0 },
	};
	static const struct embedded_file empty[] = { { NULL, NULL, 0 } };
	const struct embedded_file *f;

	(void)state;
	f = embedded_find(table, "0001_init.sql");
	assert_ptr_equal(f, &table[1]);
	assert_int_equal(f->size, 23);
	assert_ptr_equal(embedded_find(table, "layout.html"), &table[0]);
	assert_ptr_equal(embedded_find(table, "layout.htm"), &table[2]);
	assert_null(embedded_find(table, "layout"));
	assert_null(embedded_find(table, "LAYOUT.HTML"));
	assert_null(embedded_find(table, ""));
	assert_null(embedded_find(empty, "layout.html"));
	/* The tables compiled in: the first migration is there and NUL-terminated. */
	f = embedded_find(embedded_migrations, "0001_foundation.sql");
	assert_non_null(f);
	assert_int_equal(strlen(f->data), f->size);
	assert_non_null(embedded_find(embedded_refdata, "geo.tsv"));
}

static int
group_setup(void **state)
{
	(void)state;
	return sec_init() == TR_OK ? 0 : -1;
}

/* Moving dates by months and days, and counting whole months: the bounds of contracts and the eligibility
 * rules rest on them, so the edges are data. */
static void
test_date_arithmetic(void **state)
{
	static const struct {
		const char *date;
		int months, days;
		const char *out;
	} adds[] = {
		{ "2026-01-15", 6, 0, "2026-07-15" },
		{ "2026-01-31", 1, 0, "2026-02-28" },
		{ "2024-01-31", 1, 0, "2024-02-29" },
		{ "2026-12-31", 0, 1, "2027-01-01" },
		{ "2026-03-01", 0, -1, "2026-02-28" },
		{ "2026-05-10", -17, 0, "2024-12-10" },
		{ "2026-01-01", 36, -1, "2028-12-31" },
	};
	static const struct {
		const char *from, *to;
		int months;
	} betweens[] = {
		{ "2026-01-15", "2026-07-15", 6 },
		{ "2026-01-15", "2026-07-14", 5 },
		{ "2026-01-01", "2027-01-01", 12 },
		{ "2026-01-31", "2026-02-28", 1 },
		{ "2026-03-10", "2026-03-10", 0 },
		{ "2026-07-15", "2026-01-15", -6 },
		{ "2026-07-15", "2026-01-16", -5 },
	};
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
		const char *got = date_add(a, adds[i].date, adds[i].months, adds[i].days);
		if (got == NULL || strcmp(got, adds[i].out) != 0)
			fail_msg("date_add(%s, %d, %d): expected %s, got %s", adds[i].date, adds[i].months,
			    adds[i].days, adds[i].out, got ? got : "NULL");
	}
	for (size_t i = 0; i < sizeof(betweens) / sizeof(betweens[0]); i++) {
		int got = date_months_between(betweens[i].from, betweens[i].to);
		if (got != betweens[i].months)
			fail_msg("date_months_between(%s, %s): expected %d, got %d", betweens[i].from, betweens[i].to,
			    betweens[i].months, got);
	}
	assert_null(date_add(a, "2026-02-30", 1, 0));
	assert_int_equal(date_months_between("2026-02-30", "2026-03-01"), INT32_MIN);
	assert_string_equal(date_iso(a, 1780000000), "2026-05-28");
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc_zeroed_aligned),
		cmocka_unit_test(test_arena_used),
		cmocka_unit_test(test_arena_large_blocks),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_buf_append_and_printf),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_to_arena),
		cmocka_unit_test(test_str_to_i64),
		cmocka_unit_test(test_str_list_has),
		cmocka_unit_test(test_str_helpers),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_set),
		cmocka_unit_test(test_config_set_values),
		cmocka_unit_test(test_config_oidc),
		cmocka_unit_test(test_config_load_good_file),
		cmocka_unit_test(test_config_load_bad_files),
		cmocka_unit_test(test_config_load_error_names_line),
		cmocka_unit_test(test_config_load_missing_file),
		cmocka_unit_test(test_config_reload),
		cmocka_unit_test(test_config_address_in),
		cmocka_unit_test(test_metrics_per_thread_summed),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_config_split_listen),
		cmocka_unit_test(test_config_split_listen_small_buffer),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_days),
		cmocka_unit_test(test_time_formats),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_date_arithmetic),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_sec_equal),
		cmocka_unit_test(test_random_tokens),
		cmocka_unit_test(test_password_hash),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_embedded_find),
	};

	return cmocka_run_group_tests_name("core", tests, group_setup, NULL);
}
