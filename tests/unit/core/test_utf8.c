/* Tests of core/utf8: validation edge cases, code point counts, search keys (French, Vietnamese, Greek, ligatures,
 * full-width forms, combining marks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/utf8.h"

#define BYTES(lit) (lit), sizeof(lit) - 1

struct valid_case {
	const char *s;
	size_t n;
	bool valid;
};

static const struct valid_case valid_cases[] = {
	{ BYTES(""), true }, { BYTES("abc"), true }, { BYTES("\xC3\xA9"), true }, /* é */
	{ BYTES("\xE2\x82\xAC"), true },                                          /* € */
	{ BYTES("\xF0\x9F\x98\x80"), true },                                      /* U+1F600 */
	{ BYTES("\xC2\x80"), true },                                              /* U+0080, smallest 2-byte */
	{ BYTES("\xDF\xBF"), true },                                              /* U+07FF */
	{ BYTES("\xE0\xA0\x80"), true },                                          /* U+0800, smallest 3-byte */
	{ BYTES("\xED\x9F\xBF"), true },                      /* U+D7FF, just before the surrogates */
	{ BYTES("\xEE\x80\x80"), true },                      /* U+E000, just after */
	{ BYTES("\xEF\xBF\xBF"), true },                      /* U+FFFF */
	{ BYTES("\xF0\x90\x80\x80"), true },                  /* U+10000, smallest 4-byte */
	{ BYTES("\xF4\x8F\xBF\xBF"), true },                  /* U+10FFFF, the last one */
	{ BYTES("\x7F"), true }, { BYTES("a\0b"), false },    /* NUL */
	{ BYTES("\0"), false }, { BYTES("\xC0\x80"), false }, /* overlong NUL */
	{ BYTES("\xC1\xBF"), false },                         /* overlong U+007F */
	{ BYTES("\xE0\x80\x80"), false },                     /* overlong */
	{ BYTES("\xE0\x9F\xBF"), false },                     /* overlong U+07FF */
	{ BYTES("\xF0\x8F\xBF\xBF"), false },                 /* overlong U+FFFF */
	{ BYTES("\xED\xA0\x80"), false },                     /* U+D800 */
	{ BYTES("\xED\xBF\xBF"), false },                     /* U+DFFF */
	{ BYTES("\xED\xA0\xBD\xED\xB8\x80"), false },         /* CESU-8 surrogate pair */
	{ BYTES("\xF4\x90\x80\x80"), false },                 /* U+110000 */
	{ BYTES("\xF5\x80\x80\x80"), false }, { BYTES("\xF8\x88\x80\x80\x80"), false }, /* old 5-byte form */
	{ BYTES("\xFE"), false }, { BYTES("\xFF"), false }, { BYTES("\x80"), false },   /* lone continuation */
	{ BYTES("a\xBF"), false }, { BYTES("\xC3"), false },                            /* truncated */
	{ BYTES("a\xC3"), false }, { BYTES("\xE2\x82"), false }, { BYTES("\xF0\x9F\x98"), false },
	{ BYTES("\xC3\x28"), false }, /* bad continuation */
	{ BYTES("\xE2\x28\xA1"), false }, { BYTES("\xF0\x9F\x28\x80"), false },
	{ BYTES("\xF0\x9F\x98\x80\x80"), false }, /* one continuation too many */
};

static void
test_utf8_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];
		if (utf8_valid(c->s, c->n) != c->valid)
			fail_msg("case %zu: expected %s", i, c->valid ? "valid" : "invalid");
	}
}

struct length_case {
	const char *s;
	size_t n;
	size_t length;
};

static const struct length_case length_cases[] = {
	{ BYTES(""), 0 },
	{ BYTES("abc"), 3 },
	{ BYTES("\xC3\xA9"), 1 },
	{ BYTES("Saint-\xC3\x89tienne"), 13 },
	{ BYTES("\xC5\x93uf"), 3 },
	{ BYTES("\xE2\x82\xAC 5"), 3 },
	{ BYTES("\xF0\x9F\x98\x80"), 1 },
};

static void
test_utf8_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		const struct length_case *c = &length_cases[i];
		if (utf8_length(c->s, c->n) != c->length)
			fail_msg("case %zu: %zu code points, expected %zu", i, utf8_length(c->s, c->n), c->length);
	}
}

struct fold_case {
	const char *in;
	const char *key;
};

static const struct fold_case fold_cases[] = {
	{ "", "" }, { "Paris", "paris" }, { "Saint-\xC3\x89tienne", "saint etienne" },
	{ "L'Ha\xC3\xBF-les-Roses", "l hay les roses" },
	{ "L\xE2\x80\x99Ha\xC3\xBF-les-Roses", "l hay les roses" }, /* ’ */
	{ "L\xCA\xBCHa\xC3\xBF-les-Roses", "l hay les roses" },     /* modifier apostrophe */
	{ "  Aix-en-Provence  ", "aix en provence" }, { "Ch\xC3\xA2lons-en-Champagne", "chalons en champagne" },
	{ "\xC3\x8Ele-de-France", "ile de france" }, { "Pointe-\xC3\xA0-Pitre", "pointe a pitre" },
	{ "\xC3\x89vry-Courcouronnes", "evry courcouronnes" },
	{ "L\xE2\x80\x99\xC3\x8Ele-Saint-Denis", "l ile saint denis" },
	{ "Saint_Martin--d\xE2\x80\x99H\xC3\xA8res", "saint martin d heres" },
	{ "Saint-Denis (La R\xC3\xA9union)", "saint denis la reunion" }, { "Hauts-de-Seine (92)", "hauts de seine 92" },
	{ "\xC3\x87"
	  "A VA",
	    "ca va" },
	{ "\xC5\x92uvre", "oeuvre" }, { "c\xC5\x93ur", "coeur" }, { "L\xC3\xA6titia", "laetitia" },
	{ "\xC3\x86sop", "aesop" },
	{ "Stra\xC3\x9F"
	  "e",
	    "strasse" },
	{ "\xC5\x81\xC3\xB3"
	  "d\xC5\xBA",
	    "lodz" },
	{ "\xC5\xB8", "y" }, { "\xC4\xB2sselmonde", "ijsselmonde" }, { "Bra\xC8\x99ov", "brasov" },
	{ "E\xCC\x81vry", "evry" },                   /* decomposed é */
	{ "Saint\xC2\xA0Malo", "saint malo" },        /* no-break space */
	{ "Quoi\xE2\x80\xAF?", "quoi" },              /* narrow no-break space */
	{ "Mont\xC2\xADpellier", "montpellier" },     /* soft hyphen */
	{ "Mont\xE2\x80\x8Bpellier", "montpellier" }, /* zero-width space */
	{ "\xC2\xAB Le Havre \xC2\xBB", "le havre" },
	{ "Bar\xE2\x80\x94le\xE2\x80\x93"
	  "Duc\xE2\x80\xA6",
	    "bar le duc" },
	{ "N\xC2\xB0 12", "n 12" }, { "1\xE1\xB5\x89r", "1er" }, /* ᵉ: a compatibility form of e */
	{ "A\tB\nC\r\n", "a b c" }, { "---", "" }, { " \xE2\x80\x99 ", "" },
	{ "\xCE\x91\xCE\x98\xCE\x97\xCE\x9D\xCE\x91", "\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1" }, /* ΑΘΗΝΑ */
	{ "\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90", "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0" },
	{ "\xD0\x81lka", "\xD0\xB5lka" },                           /* Ё: е without its diaeresis */
	{ "\xE6\x9D\xB1\xE4\xBA\xAC", "\xE6\x9D\xB1\xE4\xBA\xAC" }, /* 東京 kept */
	{ "Paris \xF0\x9F\x97\xBC", "paris" },                      /* a symbol separates words */
	/* Vietnamese: stacked accents, the horn, đ. */
	{ "Nguy\xE1\xBB\x85n", "nguyen" },                                        /* Nguyễn */
	{ "NGUY\xE1\xBB\x84N", "nguyen" },                                        /* NGUYỄN */
	{ "\xC4\x90\xE1\xBA\xB7ng Th\xE1\xBB\x8B \xC3\x81nh", "dang thi anh" },   /* Đặng Thị Ánh */
	{ "Tr\xE1\xBA\xA7n H\xC6\xB0ng \xC4\x90\xE1\xBA\xA1o", "tran hung dao" }, /* Trần Hưng Đạo */
	{ "Nguye\xCC\x82\xCC\x83n", "nguyen" },                                   /* decomposed ễ */
	/* Greek: accents and breathings removed, capitals and the final sigma folded to σ. */
	{ "\xE1\xBC\x88\xCE\xB8\xE1\xBF\x86\xCE\xBD\xCE\xB1\xCE\xB9",
	    "\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1\xCE\xB9" }, /* Ἀθῆναι */
	{ "\xCE\x95\xCE\xBB\xCE\xBB\xCE\xAC\xCE\xB4\xCE\xB1",
	    "\xCE\xB5\xCE\xBB\xCE\xBB\xCE\xB1\xCE\xB4\xCE\xB1" }, /* Ελλάδα */
	{ "\xCE\x9F\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x8D\xCF\x82",
	    "\xCE\xBF\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x85\xCF\x83" }, /* Οδυσσεύς */
	/* Ligatures and ß. */
	{ "\xC5\x92\xC3\x86", "oeae" },             /* ŒÆ */
	{ "\xEF\xAC\x81n \xEF\xAC\x80", "fin ff" }, /* ﬁn ﬀ */
	{ "GRO\xE1\xBA\x9E", "gross" },             /* capital ẞ */
	{ "\xC3\x98rsted \xC3\x9E\xC3\xB3r", "orsted thor" },
	/* Full-width forms and the ideographic space. */
	{ "\xEF\xBC\xB0\xEF\xBC\xA1\xEF\xBC\xB2\xEF\xBC\xA9\xEF\xBC\xB3\xE3\x80\x80\xEF\xBC\x91\xEF\xBC\x92",
	    "paris 12" },
	{ "\xEF\xBD\x83\xEF\xBD\x81\xEF\xBC\x8D\xEF\xBD\x96\xEF\xBD\x81", "ca va" }, /* ｃａ－ｖａ */
	/* Combining marks of every kind, on any base. */
	{ "A\xCC\x8A"
	  "a\xCC\xA7\xCC\x81",
	    "aa" },
	{ "Z\xCD\x91\xCD\x97"
	  "a\xCC\xB4lgo",
	    "zalgo" },
	/* A compatibility character may be longer than its text. */
	{ "\xE3\x8D\xBF", "\xE6\xA0\xAA\xE5\xBC\x8F\xE4\xBC\x9A\xE7\xA4\xBE" }, /* ㍿ → 株式会社 */
};

static void
test_utf8_fold_key(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < sizeof(fold_cases) / sizeof(fold_cases[0]); i++) {
		const struct fold_case *c = &fold_cases[i];
		size_t n = strlen(c->in);
		char *key = utf8_fold_key(a, c->in, n);
		char *again = utf8_fold_key(a, key, strlen(key));

		if (strcmp(key, c->key) != 0)
			fail_msg("case %zu \"%s\": got \"%s\", expected \"%s\"", i, c->in, key, c->key);
		assert_true(utf8_valid(key, strlen(key)));
		assert_string_equal(again, key); /* folding is idempotent */
	}
	arena_free(a);
}

/* Every letter of Latin-1 Supplement and Latin Extended-A folds to lowercase ASCII letters. */
static void
test_utf8_fold_latin(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	for (uint32_t cp = 0xC0; cp <= 0x17F; cp++) {
		char in[2] = { (char)(0xC0 | (cp >> 6)), (char)(0x80 | (cp & 0x3F)) };
		char *key = utf8_fold_key(a, in, 2);

		if (cp == 0xD7 || cp == 0xF7) { /* × ÷ */
			assert_string_equal(key, "");
			continue;
		}
		if (key[0] == '\0')
			fail_msg("U+%04X folds to nothing", (unsigned)cp);
		for (const char *k = key; *k != '\0'; k++)
			if (*k < 'a' || *k > 'z')
				fail_msg("U+%04X folds to \"%s\"", (unsigned)cp, key);
	}
	arena_free(a);
}

/* What a person types finds what was stored: the two sides fold to the same key. */
static void
test_utf8_fold_finds(void **state)
{
	static const char *const pairs[][2] = {
		{ "Nguy\xE1\xBB\x85n V\xC4\x83n \xC4\x90\xE1\xBB\xA9"
		  "c",
		    "nguyen van duc" },
		{ "\xC3\x89lodie L\xC5\x93titia", "ELODIE LOETITIA" },
		{ "Stra\xC3\x9F"
		  "e",
		    "STRASSE" },
		{ "\xEF\xBC\xB4\xEF\xBD\x8F\xEF\xBD\x8B\xEF\xBD\x99\xEF\xBD\x8F", "tokyo" }, /* Ｔｏｋｙｏ */
		{ "\xCE\x91\xCE\x98\xCE\x97\xCE\x9D\xCE\x91",
		    "\xCE\xB1\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1" }, /* ΑΘΗΝΑ, αθήνα */
	};
	struct arena *a = arena_new();

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		assert_string_equal(utf8_fold_key(a, pairs[i][0], strlen(pairs[i][0])),
		    utf8_fold_key(a, pairs[i][1], strlen(pairs[i][1])));
	/* The longest decomposition of Unicode (U+FDFA, 18 code points) stays whole and valid. */
	char *k = utf8_fold_key(a, "\xEF\xB7\xBA", 3);
	assert_true(strlen(k) > 18);
	assert_true(utf8_valid(k, strlen(k)));
	arena_free(a);
}

/* Invalid bytes are dropped without reading past the end. */
static void
test_utf8_fold_invalid(void **state)
{
	struct arena *a = arena_new();

	(void)state;
	assert_string_equal(utf8_fold_key(a,
	                        "a\xFF"
	                        "b\xC3",
	                        4),
	    "ab");
	assert_string_equal(utf8_fold_key(a, "\xE2\x80", 2), "");
	arena_free(a);
}

static void
test_utf8_bidi_controls(void **state)
{
	(void)state;
	assert_false(utf8_has_bidi_controls(BYTES("")));
	assert_false(utf8_has_bidi_controls(BYTES("Saint-Étienne, 42000")));
	for (unsigned cp = 0x202A; cp <= 0x202E; cp++) {
		char s[] = { 'a', (char)0xE2, (char)0x80, (char)(0x80 | (cp & 0x3F)), 'b' };
		assert_true(utf8_has_bidi_controls(s, sizeof(s)));
	}
	for (unsigned cp = 0x2066; cp <= 0x2069; cp++) {
		char s[] = { (char)0xE2, (char)0x81, (char)(0x80 | (cp & 0x3F)) };
		assert_true(utf8_has_bidi_controls(s, sizeof(s)));
	}
	/* U+2065 and U+202F (a narrow no-break space, common in French) are not controls. */
	assert_false(utf8_has_bidi_controls(BYTES("\xE2\x81\xA5")));
	assert_false(utf8_has_bidi_controls(BYTES("10\xE2\x80\xAF%")));
	/* The marks: refused alone, accepted beside Hebrew or Arabic. */
	assert_true(utf8_has_bidi_controls(BYTES("abc\xE2\x80\x8E")));
	assert_true(utf8_has_bidi_controls(BYTES("\xE2\x80\x8F"
	                                         "abc")));
	assert_false(utf8_has_bidi_controls(BYTES("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D\xE2\x80\x8E 1")));
	assert_false(utf8_has_bidi_controls(BYTES("\xE2\x80\x8F\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85")));
	/* Even beside right-to-left text, an override is refused. */
	assert_true(utf8_has_bidi_controls(BYTES("\xD7\xA9\xE2\x80\xAE")));
}

/* utf8_scrub: valid text comes back as it is, each stray byte (and NUL) as U+FFFD, the result always valid. */
static void
test_utf8_scrub(void **state)
{
	struct arena *a = arena_new();
	const char *ok = "Crème brûlée";
	(void)state;

	assert_ptr_equal(utf8_scrub(a, ok, strlen(ok)), ok);
	assert_string_equal(utf8_scrub(a,
	                        "pla\xa7"
	                        "e",
	                        5),
	    "pla\xef\xbf\xbd"
	    "e");
	assert_string_equal(utf8_scrub(a, "a\0b", 3), "a\xef\xbf\xbd"
	                                              "b");
	assert_string_equal(utf8_scrub(a, "\xc3", 1), "\xef\xbf\xbd");
	assert_string_equal(utf8_scrub(a, "\xed\xa0\x80", 3), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(utf8_scrub(a, "", 0), "");
	const char *s = utf8_scrub(a, "\xff\xfe\xe2\x82", 4);
	assert_true(utf8_valid(s, strlen(s)));
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_scrub),
		cmocka_unit_test(test_utf8_bidi_controls),
		cmocka_unit_test(test_utf8_length),
		cmocka_unit_test(test_utf8_fold_key),
		cmocka_unit_test(test_utf8_fold_latin),
		cmocka_unit_test(test_utf8_fold_finds),
		cmocka_unit_test(test_utf8_fold_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
