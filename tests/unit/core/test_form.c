/* Tests of core/form: url-decoding, urlencoded and multipart bodies, cookies, lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/form.h"

#define BYTES(lit) (lit), sizeof(lit) - 1
#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

/* The form as "name=value|…", a file as "name<filename,content type>=bytes". */
static void
form_repr(const struct form *f, struct buf *b)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct form_field *x = &f->items[i];
		if (i > 0)
			assert_int_equal(buf_putc(b, '|'), TR_OK);
		assert_int_equal(buf_append(b, x->name.p, x->name.n), TR_OK);
		if (x->is_file) {
			assert_int_equal(buf_putc(b, '<'), TR_OK);
			assert_int_equal(buf_append(b, x->filename.p, x->filename.n), TR_OK);
			assert_int_equal(buf_putc(b, ','), TR_OK);
			assert_int_equal(buf_append(b, x->content_type.p, x->content_type.n), TR_OK);
			assert_int_equal(buf_putc(b, '>'), TR_OK);
		}
		assert_int_equal(buf_putc(b, '='), TR_OK);
		assert_int_equal(buf_append(b, x->value.p, x->value.n), TR_OK);
	}
}

static void
assert_form(size_t i, const struct form *f, const char *want, size_t want_n)
{
	struct buf b = BUF_INIT(0);

	form_repr(f, &b);
	if (b.n != want_n || (want_n > 0 && memcmp(b.p, want, want_n) != 0))
		fail_msg("case %zu: got \"%.*s\", expected \"%.*s\"", i, (int)b.n, b.p ? b.p : "", (int)want_n, want);
	buf_free(&b);
}

struct decode_case {
	const char *in;
	size_t in_n;
	bool plus_space;
	tr_err err;
	const char *out;
	size_t out_n;
};

static const struct decode_case decode_cases[] = {
	{ BYTES(""), true, TR_OK, BYTES("") },
	{ BYTES("abc"), true, TR_OK, BYTES("abc") },
	{ BYTES("a%20b"), true, TR_OK, BYTES("a b") },
	{ BYTES("a+b"), true, TR_OK, BYTES("a b") },
	{ BYTES("a+b"), false, TR_OK, BYTES("a+b") },
	{ BYTES("%2B"), true, TR_OK, BYTES("+") },
	{ BYTES("%2b%2B"), false, TR_OK, BYTES("++") },
	{ BYTES("%41%4a%4A"), true, TR_OK, BYTES("AJJ") },
	{ BYTES("caf%C3%A9"), true, TR_OK, BYTES("caf\xC3\xA9") },
	{ BYTES("%E9"), true, TR_OK, BYTES("\xE9") }, /* bytes: UTF-8 is the caller's check */
	{ BYTES("100%25"), true, TR_OK, BYTES("100%") },
	{ BYTES("%2525"), true, TR_OK, BYTES("%25") }, /* decoded once */
	{ BYTES("%zz"), true, TR_INVALID, NULL, 0 },
	{ BYTES("%"), true, TR_INVALID, NULL, 0 },
	{ BYTES("abc%"), true, TR_INVALID, NULL, 0 },
	{ BYTES("%2"), true, TR_INVALID, NULL, 0 },
	{ BYTES("a%2"), true, TR_INVALID, NULL, 0 },
	{ BYTES("%2g"), true, TR_INVALID, NULL, 0 },
	{ BYTES("%g2"), true, TR_INVALID, NULL, 0 },
	{ BYTES("%%41"), true, TR_INVALID, NULL, 0 },
	{ BYTES("%-1"), true, TR_INVALID, NULL, 0 },
	{ BYTES("%00"), true, TR_INVALID, NULL, 0 },
	{ BYTES("a\0b"), true, TR_INVALID, NULL, 0 },
};

static void
test_url_decode(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		struct str out = STR("untouched");
		tr_err err = url_decode(a, (struct str){ c->in, c->in_n }, c->plus_space, &out);

		if (err != c->err)
			fail_msg("case %zu \"%s\": %s", i, c->in, tr_err_name(err));
		if (err != TR_OK) {
			assert_true(str_eq_c(out, "untouched"));
			continue;
		}
		if (out.n != c->out_n || memcmp(out.p, c->out, out.n) != 0)
			fail_msg("case %zu \"%s\": got \"%.*s\"", i, c->in, (int)out.n, out.p);
		assert_int_equal(out.p[out.n], '\0');
	}
	arena_free(a);
}

/* url_encode keeps the unreserved characters and "/", escapes every other byte; decoding gives the text back. */
static void
test_url_encode(void **state)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "/lieux/abc-1_2.3~", "/lieux/abc-1_2.3~" },
		{ "/dossiers?page=2&q=a b", "/dossiers%3Fpage%3D2%26q%3Da%20b" },
		{ "Saint-\xC3\x89tienne", "Saint-%C3%89tienne" },
		{ "a+b%c:d", "a%2Bb%25c%3Ad" },
	};
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char *enc = url_encode(a, cases[i][0]);
		struct str back;

		assert_string_equal(enc, cases[i][1]);
		assert_int_equal(url_decode(a, (struct str){ enc, strlen(enc) }, false, &back), TR_OK);
		assert_true(str_eq_c(back, cases[i][0]));
	}
	arena_free(a);
}

struct urlencoded_case {
	const char *body;
	size_t max;
	tr_err err;
	const char *want;
};

static const struct urlencoded_case urlencoded_cases[] = {
	{ "", 0, TR_OK, "" },
	{ "&&&", 0, TR_OK, "" },
	{ "a=1&b=x+y&c", 0, TR_OK, "a=1|b=x y|c=" },
	{ "&&a=1&&", 0, TR_OK, "a=1" },
	{ "a=1&a=2", 0, TR_OK, "a=1|a=2" },
	{ "=x", 0, TR_OK, "=x" },
	{ "a==b", 0, TR_OK, "a==b" },
	{ "a=", 0, TR_OK, "a=" },
	{ "a+b=c+d%2B", 0, TR_OK, "a b=c d+" },
	{ "a=1;b=2", 0, TR_OK, "a=1;b=2" },
	{ "q=caf%C3%A9&ville=Saint-%C3%89tienne", 0, TR_OK, "q=caf\xC3\xA9|ville=Saint-\xC3\x89tienne" },
	{ "q=caf\xC3\xA9", 0, TR_OK, "q=caf\xC3\xA9" },
	{ "q=%E9", 0, TR_INVALID, "" }, /* Latin-1, not UTF-8 */
	{ "q=\xE9", 0, TR_INVALID, "" },
	{ "%FF=1", 0, TR_INVALID, "" },
	{ "q=%ED%A0%80", 0, TR_INVALID, "" }, /* surrogate */
	{ "q=%00", 0, TR_INVALID, "" },
	{ "a=1&q=%zz", 0, TR_INVALID, "" },
	{ "q=50%", 0, TR_INVALID, "" },
	{ "a=1&b=2", 2, TR_OK, "a=1|b=2" },
	{ "a=1&&b=2&", 2, TR_OK, "a=1|b=2" },
	{ "a=1&b=2&c=3", 2, TR_TOO_LARGE, "" },
	{ "a&b&c", 1, TR_TOO_LARGE, "" },
};

static void
test_form_urlencoded(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(urlencoded_cases); i++) {
		const struct urlencoded_case *c = &urlencoded_cases[i];
		struct form f;
		tr_err err = form_parse_urlencoded(a, str_c(c->body), c->max, &f);

		if (err != c->err)
			fail_msg("case %zu \"%s\": %s", i, c->body, tr_err_name(err));
		if (err != TR_OK)
			assert_int_equal(f.n, 0);
		assert_form(i, &f, c->want, strlen(c->want));
	}
	arena_free(a);
}

/* A max of 0 means FORM_MAX_FIELDS. */
static void
test_form_urlencoded_default_cap(void **state)
{
	struct arena *a = arena_new();
	struct buf b = BUF_INIT(0);
	struct form f;

	(void)state;
	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		assert_int_equal(buf_printf(&b, "k%d=v&", i), TR_OK);
	assert_int_equal(form_parse_urlencoded(a, buf_str(&b), 0, &f), TR_OK);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	assert_int_equal(buf_puts(&b, "one=more"), TR_OK);
	assert_int_equal(form_parse_urlencoded(a, buf_str(&b), 0, &f), TR_TOO_LARGE);
	assert_int_equal(f.n, 0);
	buf_free(&b);
	arena_free(a);
}

#define CD "Content-Disposition: form-data; "

struct multipart_case {
	const char *content_type;
	const char *body;
	size_t body_n;
	size_t max;
	tr_err err;
	const char *want;
	size_t want_n;
};

static const struct multipart_case multipart_cases[] = {
	/* browser-like: quoted boundary, a text field, a binary file with CRLF and near-delimiters */
	{ "multipart/form-data; boundary=\"----WebKitFormBoundaryX\"",
	    BYTES("------WebKitFormBoundaryX\r\n" CD "name=\"title\"\r\n"
	          "\r\n"
	          "Bonjour \xC3\xA9t\xC3\xA9\r\n"
	          "------WebKitFormBoundaryX\r\n" CD "name=\"cv\"; filename=\"cv.pdf\"\r\n"
	          "Content-Type: application/pdf\r\n"
	          "\r\n"
	          "%PDF\x00\xFF\r\n--\r\n------WebKitFormBoundaryXY\r\n------WebKitFormBoundar\r\n\r\n"
	          "------WebKitFormBoundaryX--\r\n"),
	    0, TR_OK,
	    BYTES("title=Bonjour \xC3\xA9t\xC3\xA9|cv<cv.pdf,application/pdf>="
	          "%PDF\x00\xFF\r\n--\r\n------WebKitFormBoundaryXY\r\n------WebKitFormBoundar\r\n") },
	/* unquoted boundary and name, no line end after the close */
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=a\r\n\r\n1\r\n--abc--"), 0, TR_OK,
	    BYTES("a=1") },
	/* type and parameter names are case-insensitive, other parameters ignored */
	{ "Multipart/Form-Data; charset=utf-8; BOUNDARY=abc",
	    BYTES("--abc\r\n" CD "name=\"a\"\r\n\r\n1\r\n--abc--\r\n"), 0, TR_OK, BYTES("a=1") },
	/* preamble and epilogue */
	{ "multipart/form-data; boundary=abc",
	    BYTES("preamble --abc\r\n\r\n--abc\r\n" CD "name=\"a\"\r\n\r\nx\r\n--abc--\r\nepilogue\r\n--abc\r\n"), 0,
	    TR_OK, BYTES("a=x") },
	/* bare LF line endings */
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\n" CD "name=\"a\"\n\nx\n--abc\n" CD "name=\"b\"\n\ny\ny\n--abc--\n"), 0, TR_OK,
	    BYTES("a=x|b=y\ny") },
	/* transport padding after a delimiter */
	{ "multipart/form-data; boundary=abc", BYTES("--abc \t\r\n" CD "name=\"a\"\r\n\r\n1\r\n--abc--"), 0, TR_OK,
	    BYTES("a=1") },
	/* the delimiter counts only at the start of a line */
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\n\r\nfoo --abc bar\r\n--abc--"), 0,
	    TR_OK, BYTES("a=foo --abc bar") },
	/* no parts at all */
	{ "multipart/form-data; boundary=abc", BYTES("--abc--\r\n"), 0, TR_OK, BYTES("") },
	/* empty value, empty file, unknown headers ignored, filename* ignored */
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\r\n" CD "name=\"a\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\r\n"
	          "--abc\r\n" CD "name=\"f\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
	          "--abc\r\n" CD "name=\"g\"; filename*=UTF-8''%C3%A9.txt\r\n\r\nz\r\n--abc--"),
	    0, TR_OK, BYTES("a=|f<,application/octet-stream>=|g=z") },
	/* escapes and separators inside quoted strings */
	{ "multipart/form-data; boundary=\"a\\\"b\"",
	    BYTES("--a\"b\r\n" CD "name=\"x\\\"y\"; filename=\"c\\\\d;e.txt\"\r\n\r\n1\r\n--a\"b--"), 0, TR_INVALID,
	    BYTES("") }, /* '"' is not a boundary character */
	{ "multipart/form-data; boundary=\"a b\"",
	    BYTES("--a b\r\n" CD "name=\"x\\\"y\"; filename=\"c\\\\d;e.txt\"\r\n\r\n1\r\n--a b--"), 0, TR_OK,
	    BYTES("x\"y<c\\d;e.txt,>=1") },
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\r\ncontent-disposition:FORM-DATA;NAME=\"a\";FileName=\"b.txt\"\r\n\r\n\xFF\r\n--abc--"), 0,
	    TR_OK, BYTES("a<b.txt,>=\xFF") },
	/* text values must be UTF-8, files need not */
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\n\r\n\xFF\r\n--abc--"), 0, TR_INVALID,
	    BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\n\r\nx\x00y\r\n--abc--"), 0,
	    TR_INVALID, BYTES("") },
	/* fuzz_multipart: name="" names nothing, a part without a name */
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"\"\r\n\r\nx\r\n--abc--"), 0, TR_INVALID,
	    BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"\xFF\"\r\n\r\nx\r\n--abc--"), 0, TR_INVALID,
	    BYTES("") },
	/* missing closing delimiter */
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\n\r\n1\r\n"), 0, TR_INVALID,
	    BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\n\r\n1\r\n--abc\r\n"), 0, TR_INVALID,
	    BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\n\r\n1\r\n--abc"), 0, TR_INVALID,
	    BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES(""), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("no delimiter"), 0, TR_INVALID, BYTES("") },
	/* bad content types */
	{ "multipart/form-data", BYTES("--abc--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=", BYTES("----"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=\"\"", BYTES("----"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=\"abc", BYTES("--abc--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc; boundary=abd", BYTES("--abc--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=a<b", BYTES("--a<b--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary", BYTES("--abc--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/mixed; boundary=abc", BYTES("--abc--"), 0, TR_INVALID, BYTES("") },
	{ "text/plain; boundary=abc", BYTES("--abc--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=0123456789012345678901234567890123456789012345678901234567890123456789",
	    BYTES("--0123456789012345678901234567890123456789012345678901234567890123456789--"), 0, TR_OK,
	    BYTES("") }, /* 70 characters */
	{ "multipart/form-data; boundary=01234567890123456789012345678901234567890123456789012345678901234567890",
	    BYTES("--01234567890123456789012345678901234567890123456789012345678901234567890--"), 0, TR_INVALID,
	    BYTES("") }, /* 71 */
	/* parts without a name, malformed headers */
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "filename=\"x\"\r\n\r\n1\r\n--abc--"), 0,
	    TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\nContent-Type: text/plain\r\n\r\n1\r\n--abc--"), 0,
	    TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--abc--"), 0, TR_INVALID,
	    BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"; name=\"b\"\r\n\r\n1\r\n--abc--"), 0,
	    TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\r\n" CD "name=\"a\"\r\n" CD "name=\"b\"\r\n\r\n1\r\n--abc--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\r\n\r\n1\r\n--abc--"), 0, TR_INVALID,
	    BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\nno colon\r\n\r\n1\r\n--abc--"), 0,
	    TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\r\n" CD "name=\"a\"\r\n filename=\"x\"\r\n\r\n1\r\n--abc--"), 0, TR_INVALID, BYTES("") },
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n" CD "name=\"a\"\r\n--abc--"), 0, TR_INVALID,
	    BYTES("") }, /* no empty line */
	{ "multipart/form-data; boundary=abc", BYTES("--abc\r\n\r\n--abc--"), 0, TR_INVALID, BYTES("") },
	/* part count cap */
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\r\n" CD "name=a\r\n\r\n1\r\n--abc\r\n" CD "name=b\r\n\r\n2\r\n--abc--"), 2, TR_OK,
	    BYTES("a=1|b=2") },
	{ "multipart/form-data; boundary=abc",
	    BYTES("--abc\r\n" CD "name=a\r\n\r\n1\r\n--abc\r\n" CD "name=b\r\n\r\n2\r\n--abc\r\n" CD
	          "name=c\r\n\r\n3\r\n--abc--"),
	    2, TR_TOO_LARGE, BYTES("") },
};

static void
test_form_multipart(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(multipart_cases); i++) {
		const struct multipart_case *c = &multipart_cases[i];
		struct form f;
		tr_err err =
		    form_parse_multipart(a, (struct str){ c->body, c->body_n }, str_c(c->content_type), c->max, &f);

		if (err != c->err)
			fail_msg("case %zu: %s, expected %s", i, tr_err_name(err), tr_err_name(c->err));
		if (err != TR_OK)
			assert_int_equal(f.n, 0);
		assert_form(i, &f, c->want, c->want_n);
	}
	arena_free(a);
}

/* Values point into the body, not copies. */
static void
test_form_multipart_no_copy(void **state)
{
	static const char body[] = "--abc\r\n" CD "name=\"a\"\r\n\r\nvalue\r\n--abc--";
	struct arena *a = arena_new();
	struct form f;

	(void)state;
	assert_int_equal(form_parse_multipart(a, STR(body), STR("multipart/form-data; boundary=abc"), 0, &f), TR_OK);
	assert_int_equal(f.n, 1);
	assert_ptr_equal(f.items[0].value.p, strstr(body, "value"));
	assert_ptr_equal(f.items[0].name.p, strstr(body, "a\""));
	arena_free(a);
}

/* Header lines up to FORM_MAX_HEADER_LINE bytes, not one more. */
static void
test_form_multipart_header_line(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (size_t extra = 0; extra <= 1; extra++) {
		struct buf b = BUF_INIT(0);
		struct form f;
		size_t pad = FORM_MAX_HEADER_LINE - strlen("X-Pad: ") + extra;

		assert_int_equal(buf_puts(&b, "--abc\r\n" CD "name=\"a\"\r\nX-Pad: "), TR_OK);
		for (size_t i = 0; i < pad; i++)
			assert_int_equal(buf_putc(&b, 'x'), TR_OK);
		assert_int_equal(buf_puts(&b, "\r\n\r\n1\r\n--abc--"), TR_OK);
		assert_int_equal(form_parse_multipart(a, buf_str(&b), STR("multipart/form-data; boundary=abc"), 0, &f),
		    extra ? TR_INVALID : TR_OK);
		buf_free(&b);
	}
	arena_free(a);
}

struct cookie_case {
	const char *header;
	size_t header_n;
	const char *want;
};

static const struct cookie_case cookie_cases[] = {
	{ BYTES(""), "" },
	{ BYTES("a=1; b=2"), "a=1|b=2" },
	{ BYTES("a=1;b=2"), "a=1|b=2" },
	{ BYTES("  a = 1 ;  "), "a=1" },
	{ BYTES("a=1;;; b=2;"), "a=1|b=2" },
	{ BYTES("sid=\"abc\""), "sid=abc" },
	{ BYTES("a=\"\""), "a=" },
	{ BYTES("a=\""), "a=\"" },
	{ BYTES("a="), "a=" },
	{ BYTES("a=x=y"), "a=x=y" },
	{ BYTES("tr_session=abc%20def"), "tr_session=abc%20def" },
	{ BYTES("x"), "" },
	{ BYTES("x; a=1"), "a=1" },
	{ BYTES("=v; a=1"), "a=1" },
	{ BYTES("a b=1; c=2"), "c=2" },
	{ BYTES("a\"=1; c=2"), "c=2" },
	{ BYTES("a=\x01; b=2"), "b=2" },
	{ BYTES("a=\xFF; b=2"), "b=2" },
	{ BYTES("a=1\0; b=2"), "b=2" },
	{ BYTES("a=1, b=2"), "a=1, b=2" },
	{ BYTES("a=caf\xC3\xA9"), "a=caf\xC3\xA9" },
};

static void
test_cookie_parse(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cookie_cases); i++) {
		const struct cookie_case *c = &cookie_cases[i];
		struct form f = { 0 };

		cookie_parse(a, (struct str){ c->header, c->header_n }, &f);
		assert_form(i, &f, c->want, strlen(c->want));
	}
	arena_free(a);
}

static void
test_cookie_cap(void **state)
{
	struct arena *a = arena_new();
	struct buf b = BUF_INIT(0);
	struct form f = { 0 };

	(void)state;
	for (int i = 0; i < FORM_MAX_FIELDS + 10; i++)
		assert_int_equal(buf_printf(&b, "c%d=%d; ", i, i), TR_OK);
	cookie_parse(a, buf_str(&b), &f);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	assert_true(str_eq_c(f.items[FORM_MAX_FIELDS - 1].name, "c999"));
	buf_free(&b);
	arena_free(a);
}

/* fuzz_cookie: several Cookie headers (HTTP/2 clients send one a cookie) count as one; a later header no longer
 * replaced the cookies of the earlier ones (the session's was lost when it was not in the last). */
static void
test_cookie_headers_add_up(void **state)
{
	struct arena *a = arena_new();
	struct form f = { 0 };

	(void)state;
	cookie_parse(a, STR("tremplin_session=s3ss; a=1"), &f);
	cookie_parse(a, STR("no-equals"), &f);
	cookie_parse(a, STR("tremplin_csrf=c5rf; a=2"), &f);
	assert_int_equal(f.n, 4);
	assert_true(str_eq_c(form_get(&f, "tremplin_session"), "s3ss"));
	assert_true(str_eq_c(form_get(&f, "tremplin_csrf"), "c5rf"));
	assert_true(str_eq_c(form_get(&f, "a"), "1")); /* the first of a name, as in one header */
	arena_free(a);
}

static void
test_form_lookup(void **state)
{
	static const char body[] = "--abc\r\n" CD "name=\"tag\"\r\n\r\nx\r\n"
	                           "--abc\r\n" CD "name=\"doc\"; filename=\"d.txt\"\r\n\r\n\xFF\r\n"
	                           "--abc\r\n" CD "name=\"tag\"\r\n\r\ny\r\n"
	                           "--abc\r\n" CD "name=\"tag\"\r\n\r\nz\r\n"
	                           "--abc\r\n" CD "name=\"empty\"\r\n\r\n\r\n--abc--";
	struct arena *a = arena_new();
	struct form f, none = { NULL, 0 };
	struct str values[2];
	const struct form_field *file;

	(void)state;
	assert_int_equal(form_parse_multipart(a, STR(body), STR("multipart/form-data; boundary=abc"), 0, &f), TR_OK);
	assert_true(str_eq_c(form_get(&f, "tag"), "x"));
	assert_true(form_get(&f, "nope").p == NULL);
	assert_true(form_get(&f, "doc").p == NULL); /* a file is not a value */
	assert_true(form_get(&f, "empty").p != NULL);
	assert_int_equal(form_get(&f, "empty").n, 0);
	assert_true(form_has(&f, "doc"));
	assert_true(form_has(&f, "empty"));
	assert_false(form_has(&f, "nope"));
	assert_false(form_has(&none, "tag"));
	assert_false(form_has(NULL, "tag"));
	assert_int_equal(form_get_all(&f, "tag", values, 2), 3);
	assert_true(str_eq_c(values[0], "x"));
	assert_true(str_eq_c(values[1], "y"));
	assert_int_equal(form_get_all(&f, "tag", NULL, 0), 3);
	assert_int_equal(form_get_all(&f, "doc", values, 2), 0);
	file = form_file(&f, "doc");
	assert_non_null(file);
	assert_true(str_eq_c(file->filename, "d.txt"));
	assert_true(str_eq_c(file->value, "\xFF"));
	assert_null(form_file(&f, "tag"));
	assert_null(form_file(NULL, "doc"));
	assert_true(form_get(NULL, "tag").p == NULL);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_url_encode),
		cmocka_unit_test(test_form_urlencoded),
		cmocka_unit_test(test_form_urlencoded_default_cap),
		cmocka_unit_test(test_form_multipart),
		cmocka_unit_test(test_form_multipart_no_copy),
		cmocka_unit_test(test_form_multipart_header_line),
		cmocka_unit_test(test_cookie_parse),
		cmocka_unit_test(test_cookie_cap),
		cmocka_unit_test(test_cookie_headers_add_up),
		cmocka_unit_test(test_form_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
