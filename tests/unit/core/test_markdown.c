/* The news' Markdown subset: each construct, what stays text, and that the output is always well formed and
 * escaped (cases as data: input, expected HTML). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/markdown.h"

static const struct {
	const char *in, *html;
} cases[] = {
	{ "", "" },
	{ "Bonjour", "<p>Bonjour</p>\n" },
	{ "Un\ndeux\n\nTrois", "<p>Un\ndeux</p>\n<p>Trois</p>\n" },
	{ "Un\r\n\r\nDeux\r\n", "<p>Un</p>\n<p>Deux</p>\n" },
	{ "*vite* et **fort**", "<p><em>vite</em> et <strong>fort</strong></p>\n" },
	{ "_souligné_ mais snake_case_name", "<p><em>souligné</em> mais snake_case_name</p>\n" },
	{ "**gras *et italique***", "<p><strong>gras <em>et italique</em></strong></p>\n" },
	{ "2 * 3 * 4", "<p>2 * 3 * 4</p>\n" },
	{ "**pas fermé", "<p>**pas fermé</p>\n" },
	{ "\\*littéral\\*", "<p>*littéral*</p>\n" },
	{ "[le site](https://www.example.org/a?b=1&c=2)",
	    "<p><a href=\"https://www.example.org/a?b=1&amp;c=2\">le site</a></p>\n" },
	{ "[**gras**](http://example.org)", "<p><a href=\"http://example.org\"><strong>gras</strong></a></p>\n" },
	{ "[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n" },
	{ "[x](data:text/html,<b>)", "<p>[x](data:text/html,&lt;b&gt;)</p>\n" },
	{ "[x](https://a.org/\"onmouseover=\"x)",
	    "<p><a href=\"https://a.org/&quot;onmouseover=&quot;x\">x</a></p>\n" },
	{ "[[x](https://a.org)](https://b.org)", "<p><a href=\"https://a.org\">[x</a>](https://b.org)</p>\n" },
	{ "<script>alert('x')</script>", "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>\n" },
	{ "# Titre", "<p># Titre</p>\n" },
	{ "![img](https://a.org/i.png)", "<p>!<a href=\"https://a.org/i.png\">img</a></p>\n" },
	{ "- un\n- deux\n* trois", "<ul>\n<li>un</li>\n<li>deux</li>\n<li>trois</li>\n</ul>\n" },
	{ "1. un\n2. deux\n\nFin", "<ol>\n<li>un</li>\n<li>deux</li>\n</ol>\n<p>Fin</p>\n" },
	{ "Avant\n- un\n  suite\n1. autre",
	    "<p>Avant</p>\n<ul>\n<li>un\nsuite</li>\n</ul>\n<ol>\n<li>autre</li>\n</ol>\n" },
	{ "-pas une liste", "<p>-pas une liste</p>\n" },
	{ "a\0b", "<p>a\xEF\xBF\xBD"
	          "b</p>\n" },
};

/* OUT's bytes as a C string (a NUL appended). */
static const char *
cstr(struct buf *out)
{
	assert_int_equal(buf_putc(out, '\0'), TR_OK);
	return out->p;
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT(0);
		size_t n = strlen(cases[i].in);
		if (i == sizeof(cases) / sizeof(cases[0]) - 1)
			n = 3; /* the NUL byte inside */
		assert_int_equal(md_render(cases[i].in, n, &out), TR_OK);
		if (strcmp(cstr(&out), cases[i].html) != 0)
			fail_msg("case %zu: %s\n  gave %s\n  want %s", i, cases[i].in, out.p, cases[i].html);
		buf_free(&out);
	}
}

static void
test_cap_and_depth(void **state)
{
	struct buf out = BUF_INIT(16);
	char deep[64] = "";

	(void)state;
	assert_int_equal(md_render("Un paragraphe bien trop long pour ce tampon", 44, &out), TR_TOO_LARGE);
	buf_free(&out);
	/* Nesting past MD_MAX_DEPTH stays text: the tags always balance. */
	for (int i = 0; i < 6; i++)
		strcat(deep, "**a ");
	for (int i = 0; i < 6; i++)
		strcat(deep, "b**");
	out = BUF_INIT(0);
	assert_int_equal(md_render(deep, strlen(deep), &out), TR_OK);
	{
		int open = 0;
		const char *html = cstr(&out);
		for (const char *p = html; (p = strstr(p, "<strong>")) != NULL; p++)
			open++;
		for (const char *p = html; (p = strstr(p, "</strong>")) != NULL; p++)
			open--;
		assert_int_equal(open, 0);
	}
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_cap_and_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
