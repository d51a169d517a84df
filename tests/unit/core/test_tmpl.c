/* Tests of the template engine: tables of (template, data, expected output) and of load errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include <cmocka.h>

#include "core/tmpl.h"

/* Partials every render case may use, next to the case's own "t.html". */
#define PARTIAL_ITEM "<li>{{.}}</li>\n"
#define PARTIAL_SELF "{{#child}}({{name}}{{> self.html}}){{/child}}"

struct render_case {
	const char *tmpl;
	const char *json;
	const char *want;
};

static const struct render_case render_cases[] = {
	/* variables */
	{ "Hello {{name}}!", "{\"name\":\"World\"}", "Hello World!" },
	{ "{{ name }}", "{\"name\":\"spaced\"}", "spaced" },
	{ "{{s}}", "{\"s\":\"<a href=\\\"x\\\">'&'</a>\"}", "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;" },
	{ "{{{s}}}", "{\"s\":\"<b>&</b>\"}", "<b>&</b>" },
	{ "{{& s}}", "{\"s\":\"<b>&</b>\"}", "<b>&</b>" },
	{ "{{s}}", "{\"s\":\"\xc3\xa9\xe2\x82\xac\"}", "\xc3\xa9\xe2\x82\xac" },
	{ "{{n}}", "{\"n\":-42}", "-42" },
	{ "{{n}}", "{\"n\":9007199254740993}", "9007199254740993" },
	{ "{{r}}", "{\"r\":2.5}", "2.5" },
	{ "{{r}}", "{\"r\":0.1}", "0.1" },
	{ "{{r}}", "{\"r\":3.0}", "3" },
	{ "{{r}}", "{\"r\":0.3333333333333333}", "0.3333333333333333" },
	{ "{{r}}", "{\"r\":1e300}", "1e+300" },
	{ "[{{t}}|{{f}}|{{z}}|{{missing}}]", "{\"t\":true,\"f\":false,\"z\":null}", "[true|||]" },
	{ "[{{o}}|{{a}}]", "{\"o\":{\"x\":1},\"a\":[1]}", "[|]" },
	{ "{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep" },
	{ "[{{a.x.c}}|{{a.b.c.d}}]", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "[|]" },
	{ "{{a}}}", "{\"a\":\"x\"}", "x}" },
	{ "a { b } c }} d", "{}", "a { b } c }} d" },
	{ "a{{! hidden }}b", "{}", "ab" },
	{ "a{{! two\nlines }}b", "{}", "ab" },
	/* filters */
	{ "{{d|date}}", "{\"d\":\"2027-01-15\"}", "15 janvier 2027" },
	{ "{{ d | date }}", "{\"d\":\"2027-05-01T08:00:00Z\"}", "1er mai 2027" },
	{ "{{d|date}}", "{\"d\":\"2027-02-30\"}", "2027-02-30" },
	{ "[{{d|date}}]", "{\"d\":null}", "[]" },
	{ "{{t|date}}", "{\"t\":1800000000}", "15 janvier 2027" },
	{ "{{d|datetime}}", "{\"d\":\"2027-01-15\"}", "15 janvier 2027" },
	{ "{{n|plural:poste demandé:postes demandés}}", "{\"n\":1}", "1 poste demandé" },
	{ "{{n|plural:poste demandé:postes demandés}}", "{\"n\":0}", "0 poste demandé" },
	{ "{{n|plural:poste demandé:postes demandés}}", "{\"n\":2}", "2 postes demandés" },
	{ "{{n|plural:inscrit:inscrits}}", "{\"n\":\"12\"}", "12 inscrits" },
	{ "{{n}} {{n|agree:a été:ont été}}", "{\"n\":3}", "3 ont été" },
	{ "{{n|plural:<b>:<i>}}", "{\"n\":3}", "3 &lt;i&gt;" },
	{ "{{p|phone}}", "{\"p\":\"+33612345678\"}", "06 12 34 56 78" },
	{ "{{p|phone}}", "{\"p\":\"+442079460958\"}", "+442079460958" },
	/* sections */
	{ "{{#l}}{{.}},{{/l}}", "{\"l\":[1,\"a\",true]}", "1,a,true," },
	{ "{{#l}}{{n}}{{/l}}", "{\"l\":[{\"n\":1},{\"n\":2}]}", "12" },
	{ "[{{#l}}x{{/l}}]", "{\"l\":[]}", "[]" },
	{ "{{#o}}{{x}}{{/o}}", "{\"o\":{\"x\":\"in\"},\"x\":\"out\"}", "in" },
	{ "{{#o}}{{y}}{{/o}}", "{\"o\":{\"x\":1},\"y\":\"outer\"}", "outer" },
	{ "{{#s}}[{{x}}]{{/s}}", "{\"s\":\"yes\",\"x\":1}", "[1]" },
	{ "{{#l}}{{o.x}}{{/l}}", "{\"l\":[1],\"o\":{\"x\":\"z\"}}", "z" },
	{ "[{{#o}}{{a.b}}{{/o}}]", "{\"o\":{\"a\":{}},\"a\":{\"b\":\"outer\"}}", "[]" },
	{ "{{#a.b}}{{c}}{{/a.b}}", "{\"a\":{\"b\":{\"c\":\"C\"}}}", "C" },
	{ "{{# l }}x{{/ l }}", "{\"l\":[1,2]}", "xx" },
	{ "{{#a}}{{#b}}{{x}}{{/b}}{{/a}}", "{\"a\":{\"x\":1,\"b\":{\"y\":2}}}", "1" },
	/* falsy values render the inverted section, truthy ones the section */
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{}", "Y" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":null}", "Y" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":false}", "Y" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":\"\"}", "Y" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":0}", "Y" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":0.0}", "Y" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":[]}", "Y" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":true}", "X" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":1}", "X" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":0.5}", "X" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":\"0\"}", "X" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":{}}", "X" },
	{ "{{#v}}X{{/v}}{{^v}}Y{{/v}}", "{\"v\":[0]}", "X" },
	/* array positions */
	{ "{{#l}}{{@index}}:{{@number}} {{/l}}", "{\"l\":[\"a\",\"b\",\"c\"]}", "0:1 1:2 2:3 " },
	{ "{{#l}}{{#@first}}[{{/@first}}{{.}}{{^@last}},{{/@last}}{{#@last}}]{{/@last}}{{/l}}", "{\"l\":[1,2,3]}",
	    "[1,2,3]" },
	{ "{{#l}}{{#@first}}{{#@last}}only {{.}}{{/@last}}{{/@first}}{{/l}}", "{\"l\":[7]}", "only 7" },
	{ "{{#a}}{{#b}}{{@index}}{{/b}}|{{/a}}", "{\"a\":[{\"b\":[1,2]},{\"b\":[3]}]}", "01|0|" },
	{ "{{#l}}{{#o}}{{@index}}{{/o}}{{/l}}", "{\"l\":[{\"o\":{}},{\"o\":{}}]}", "01" },
	{ "[{{@index}}{{#@first}}x{{/@first}}{{^@last}}y{{/@last}}]", "{}", "[y]" },
	/* standalone lines */
	{ "<ul>\n  {{#l}}\n  <li>{{.}}</li>\n  {{/l}}\n</ul>\n", "{\"l\":[1,2]}",
	    "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n" },
	{ "a\n  {{! note }}  \nb", "{}", "a\nb" },
	{ "a\n\t{{^l}}\n\tnone\n\t{{/l}}\nb", "{\"l\":[]}", "a\n\tnone\nb" },
	{ "a\r\n{{#t}}\r\nb\r\n{{/t}}\r\n", "{\"t\":true}", "a\r\nb\r\n" },
	{ "a\n{{#t}}b\n{{/t}}", "{\"t\":true}", "a\nb\n" },
	{ " {{#t}}x{{/t}} \n", "{\"t\":true}", " x \n" },
	{ "  {{x}}\n", "{\"x\":\"v\"}", "  v\n" },
	{ "{{#t}}\n{{/t}}x\n", "{\"t\":true}", "x\n" },
	{ "{{! a\nb }}\nc", "{}", "c" },
	/* partials */
	{ "<ul>{{#l}}{{> item.html}}{{/l}}</ul>", "{\"l\":[1,2]}", "<ul><li>1</li>\n<li>2</li>\n</ul>" },
	{ "<ul>\n  {{> item.html}}\n</ul>", "{}", "<ul>\n<li></li>\n</ul>" },
	{ "{{> self.html}}", "{\"child\":{\"name\":\"a\",\"child\":{\"name\":\"b\",\"child\":null}}}", "(a(b))" },
};

struct error_case {
	const char *tmpl;
	const char *want;
};

static const struct error_case error_cases[] = {
	{ "abc{{x", "t.html:1: tag not closed" },
	{ "a\nb\n{{{x}}", "t.html:3: tag not closed" },
	{ "{{! comment\n\n", "t.html:1: tag not closed" },
	{ "{{}}", "t.html:1: empty tag name" },
	{ "x\n{{ }}", "t.html:2: empty tag name" },
	{ "{{#}}{{/}}", "t.html:1: empty tag name" },
	{ "{{{}}}", "t.html:1: empty tag name" },
	{ "{{#a}}\n{{/b}}", "t.html:2: section 'a' (line 1) closed by '/b'" },
	{ "\n\n{{#a}}x", "t.html:3: section 'a' not closed" },
	{ "{{#a}}{{#b}}{{/b}}", "t.html:1: section 'a' not closed" },
	{ "{{/a}}", "t.html:1: '/a' closes no section" },
	{ "{{! a\nb }}\n{{/x}}", "t.html:3: '/x' closes no section" },
	{ "\n{{> nope.html}}", "t.html:2: unknown partial 'nope.html'" },
	{ "{{a b}}", "t.html:1: invalid name 'a b'" },
	{ "{{a..b}}", "t.html:1: empty part in name 'a..b'" },
	{ "{{.a}}", "t.html:1: empty part in name '.a'" },
	{ "{{@foo}}", "t.html:1: unknown name '@foo'" },
	{ "{{=<% %>=}}", "t.html:1: delimiter changes are not supported" },
	{ "{{d|}}", "t.html:1: empty filter after 'd'" },
	{ "{{d|when}}", "t.html:1: unknown filter 'when'" },
	{ "{{n|plural:poste}}", "t.html:1: filter 'plural' takes 2 arguments" },
	{ "{{d|date:x}}", "t.html:1: filter 'date' takes 0 arguments" },
	{ "{{n|plural:a:b:c}}", "t.html:1: too many arguments in filter 'plural:a:b:c'" },
};

static struct tmpl_set *
load_case(const char *tmpl)
{
	const struct embedded_file files[] = {
		{ "t.html", tmpl, strlen(tmpl) },
		{ "item.html", PARTIAL_ITEM, sizeof(PARTIAL_ITEM) - 1 },
		{ "self.html", PARTIAL_SELF, sizeof(PARTIAL_SELF) - 1 },
		{ NULL, NULL, 0 },
	};
	struct tmpl_set *set = NULL;
	char errbuf[256];

	if (tmpl_set_load(files, &set, errbuf, sizeof(errbuf)) != TR_OK)
		fail_msg("load of \"%s\": %s", tmpl, errbuf);
	return set;
}

static void
test_render_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
		const struct render_case *rc = &render_cases[i];
		struct tmpl_set *set = load_case(rc->tmpl);
		json_t *data = json_loads(rc->json, 0, NULL);
		struct buf out = BUF_INIT(0);

		if (data == NULL)
			fail_msg("case %zu: bad JSON %s", i, rc->json);
		assert_int_equal(tmpl_render(set, "t.html", data, &out), TR_OK);
		if (strcmp(buf_str(&out).p, rc->want) != 0)
			fail_msg("case %zu: \"%s\" gave \"%s\", want \"%s\"", i, rc->tmpl, buf_str(&out).p, rc->want);
		buf_free(&out);
		json_decref(data);
		tmpl_set_free(set);
	}
}

static void
test_error_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *ec = &error_cases[i];
		const struct embedded_file files[] = {
			{ "t.html", ec->tmpl, strlen(ec->tmpl) },
			{ NULL, NULL, 0 },
		};
		struct tmpl_set *set = (struct tmpl_set *)1;
		char errbuf[256];

		assert_int_equal(tmpl_set_load(files, &set, errbuf, sizeof(errbuf)), TR_INVALID);
		assert_null(set);
		if (strcmp(errbuf, ec->want) != 0)
			fail_msg("case %zu: \"%s\" gave \"%s\", want \"%s\"", i, ec->tmpl, errbuf, ec->want);
	}
}

static void
test_load_edges(void **state)
{
	const struct embedded_file dup[] = {
		{ "a.html", "x", 1 },
		{ "b.html", "y", 1 },
		{ "a.html", "z", 1 },
		{ NULL, NULL, 0 },
	};
	const struct embedded_file bad[] = { { "t.html", "{{#a}}", 6 }, { NULL, NULL, 0 } };
	const struct embedded_file none[] = { { NULL, NULL, 0 } };
	struct tmpl_set *set;
	char errbuf[256], small[8];
	struct buf out = BUF_INIT(0);

	(void)state;
	assert_int_equal(tmpl_set_load(dup, &set, errbuf, sizeof(errbuf)), TR_INVALID);
	assert_string_equal(errbuf, "a.html:1: duplicate template 'a.html'");
	/* a short or absent error buffer is never overrun */
	assert_int_equal(tmpl_set_load(bad, &set, small, sizeof(small)), TR_INVALID);
	assert_string_equal(small, "t.html:");
	assert_int_equal(tmpl_set_load(bad, &set, NULL, 0), TR_INVALID);
	/* an empty set loads and knows no name */
	assert_int_equal(tmpl_set_load(none, &set, errbuf, sizeof(errbuf)), TR_OK);
	assert_false(tmpl_exists(set, "t.html"));
	assert_int_equal(tmpl_render(set, "t.html", NULL, &out), TR_NOT_FOUND);
	tmpl_set_free(set);
	tmpl_set_free(NULL);
}

static void
test_names_and_null_data(void **state)
{
	struct tmpl_set *set = load_case("[{{x}}{{#x}}y{{/x}}{{^x}}n{{/x}}{{.}}]");
	struct buf out = BUF_INIT(0);

	(void)state;
	assert_true(tmpl_exists(set, "t.html"));
	assert_true(tmpl_exists(set, "item.html"));
	assert_false(tmpl_exists(set, "nope.html"));
	assert_int_equal(tmpl_render(set, "nope.html", NULL, &out), TR_NOT_FOUND);
	assert_int_equal(tmpl_render(set, "t.html", NULL, &out), TR_OK);
	assert_string_equal(buf_str(&out).p, "[n]");
	buf_free(&out);
	tmpl_set_free(set);
}

/* tmpl_render_slot: the slot's text stands for its variable, raw in {{{ }}} and escaped in {{ }}, over a value of
 * the same name in the data; other names come from the data; tmpl_render has no slot. */
static void
test_render_slot(void **state)
{
	struct tmpl_set *set = load_case("<{{{content}}}|{{content}}|{{x}}|{{content.y}}>");
	json_t *data = json_pack("{s:s, s:s}", "content", "from the data", "x", "1");
	struct buf out = BUF_INIT(0);

	(void)state;
	assert_int_equal(tmpl_render_slot(set, "t.html", data, "content", "<b>é</b>", strlen("<b>é</b>"), &out), TR_OK);
	assert_string_equal(buf_str(&out).p, "<<b>é</b>|&lt;b&gt;é&lt;/b&gt;|1|>");
	buf_reset(&out);
	assert_int_equal(tmpl_render_slot(set, "t.html", data, "content", NULL, 0, &out), TR_OK);
	assert_string_equal(buf_str(&out).p, "<||1|>");
	buf_reset(&out);
	assert_int_equal(tmpl_render(set, "t.html", data, &out), TR_OK);
	assert_string_equal(buf_str(&out).p, "<from the data|from the data|1|>");
	buf_reset(&out);
	assert_int_equal(tmpl_render_slot(set, "nope.html", data, "content", "x", 1, &out), TR_NOT_FOUND);
	buf_free(&out);
	json_decref(data);
	tmpl_set_free(set);
}

/* buf_grow makes room without writing, and keeps to the cap. */
static void
test_buf_grow(void **state)
{
	struct buf b = BUF_INIT(100);

	(void)state;
	assert_int_equal(buf_grow(&b, 64), TR_OK);
	assert_true(b.cap > 64);
	assert_int_equal(b.n, 0);
	assert_int_equal(buf_puts(&b, "abc"), TR_OK);
	assert_string_equal(b.p, "abc");
	assert_int_equal(buf_grow(&b, 101), TR_TOO_LARGE);
	buf_free(&b);
}

/* Returns N nested sections on "o" around "x", in a heap string. */
static char *
nested(int n)
{
	struct buf b = BUF_INIT(0);

	for (int i = 0; i < n; i++)
		assert_int_equal(buf_puts(&b, "{{#o}}"), TR_OK);
	assert_int_equal(buf_puts(&b, "x"), TR_OK);
	for (int i = 0; i < n; i++)
		assert_int_equal(buf_puts(&b, "{{/o}}"), TR_OK);
	return b.p;
}

static void
test_depth_cap(void **state)
{
	json_t *data = json_pack("{s:b}", "o", 1);
	json_t *obj = json_pack("{s:{}}", "o");
	char *ok = nested(TMPL_MAX_DEPTH), *deep = nested(TMPL_MAX_DEPTH + 1);
	struct tmpl_set *set;
	struct buf out = BUF_INIT(0);

	(void)state;
	set = load_case(ok);
	assert_int_equal(tmpl_render(set, "t.html", data, &out), TR_OK);
	assert_string_equal(buf_str(&out).p, "x");
	buf_reset(&out);
	/* an object pushes one frame per level: the stack holds them all */
	assert_int_equal(tmpl_render(set, "t.html", obj, &out), TR_OK);
	assert_string_equal(buf_str(&out).p, "x");
	tmpl_set_free(set);

	set = load_case(deep);
	assert_int_equal(tmpl_render(set, "t.html", data, &out), TR_INVALID);
	tmpl_set_free(set);

	/* a partial that includes itself stops at the cap */
	set = load_case("a{{> t.html}}");
	assert_int_equal(tmpl_render(set, "t.html", data, &out), TR_INVALID);
	tmpl_set_free(set);

	/* a recursion that ends within the depth cap but branches: 2^30 calls, stopped by the step cap */
	set = load_case("{{#c}}{{> t.html}}{{> t.html}}{{/c}}");
	json_decref(obj);
	obj = json_null();
	for (int i = 0; i < 30; i++)
		obj = json_pack("{s:o}", "c", obj);
	assert_int_equal(tmpl_render(set, "t.html", obj, &out), TR_INVALID);
	tmpl_set_free(set);

	/* a recursive partial whose data never shrinks, through the context stack */
	set = load_case("{{> self.html}}");
	json_decref(obj);
	obj = json_loads("{\"child\":{\"name\":\"a\"}}", 0, NULL);
	assert_int_equal(tmpl_render(set, "t.html", obj, &out), TR_INVALID);
	tmpl_set_free(set);

	buf_free(&out);
	free(ok);
	free(deep);
	json_decref(data);
	json_decref(obj);
}

static void
test_too_large(void **state)
{
	struct tmpl_set *set = load_case("0123456789{{s}}{{#l}}{{.}}{{/l}}");
	json_t *data = json_pack("{s:s,s:[i,i,i]}", "s", "<>", "l", 1, 2, 3);
	struct buf out;
	size_t cap;

	(void)state;
	/* every cap short of the whole output fails, leaving a prefix within the cap */
	for (cap = 1; cap < 21; cap++) {
		out = BUF_INIT(cap);
		assert_int_equal(tmpl_render(set, "t.html", data, &out), TR_TOO_LARGE);
		assert_true(out.n <= cap);
		buf_free(&out);
	}
	out = BUF_INIT(cap);
	assert_int_equal(tmpl_render(set, "t.html", data, &out), TR_OK);
	assert_string_equal(buf_str(&out).p, "0123456789&lt;&gt;123");
	buf_free(&out);
	json_decref(data);
	tmpl_set_free(set);
}

static void
test_escape(void **state)
{
	struct buf out = BUF_INIT(0);
	struct buf small = BUF_INIT(4);

	(void)state;
	assert_int_equal(tmpl_escape(&out, "a&b<c>d\"e'f", 11), TR_OK);
	assert_string_equal(buf_str(&out).p, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	buf_reset(&out);
	assert_int_equal(tmpl_escape(&out, "plain", 5), TR_OK);
	assert_int_equal(tmpl_escape(&out, "<<", 1), TR_OK);
	assert_int_equal(tmpl_escape(&out, NULL, 0), TR_OK);
	assert_string_equal(buf_str(&out).p, "plain&lt;");
	assert_int_equal(tmpl_escape(&small, "&", 1), TR_TOO_LARGE);
	buf_free(&out);
	buf_free(&small);
}

struct thread_arg {
	const struct tmpl_set *set;
	json_t *data;
	int failures;
};

static void *
render_many(void *p)
{
	struct thread_arg *arg = p;
	struct buf out = BUF_INIT(0);

	for (int i = 0; i < 2000; i++) {
		buf_reset(&out);
		if (tmpl_render(arg->set, "t.html", arg->data, &out) != TR_OK ||
		    strcmp(buf_str(&out).p, "<ul><li>a</li>\n<li>&lt;b&gt;</li>\n</ul>") != 0)
			arg->failures++;
	}
	buf_free(&out);
	return NULL;
}

static void
test_concurrent_render(void **state)
{
	struct tmpl_set *set = load_case("<ul>{{#l}}{{> item.html}}{{/l}}</ul>");
	json_t *data = json_pack("{s:[s,s]}", "l", "a", "<b>");
	struct thread_arg args[4];
	pthread_t threads[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ set, data, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, render_many, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	json_decref(data);
	tmpl_set_free(set);
}

int
main(void)
{
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_table),
		cmocka_unit_test(test_error_table),
		cmocka_unit_test(test_load_edges),
		cmocka_unit_test(test_names_and_null_data),
		cmocka_unit_test(test_render_slot),
		cmocka_unit_test(test_buf_grow),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_concurrent_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
