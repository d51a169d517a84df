/* Tests of src/core/export: CSV bytes as Excel and RFC 4180 want them, and the parts of the XLSX
 * package (read back with Python's zipfile) holding the expected cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/csv.h"
#include "core/export.h"
#include "core/json.h"

#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

static const struct export_column cols[] = {
	{ "nom", "Nom", EXPORT_TEXT },
	{ "places", "Places", EXPORT_INT },
	{ "ouverture", "Date d'ouverture", EXPORT_DATE },
	{ "actif", "Actif", EXPORT_BOOL },
};

static json_t *
rows_of(const char *text)
{
	json_error_t e;
	json_t *rows = json_loads(text, 0, &e);

	if (rows == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return rows;
}

/* Exports TEXT as CSV with COLS and compares the whole output, BOM included. */
static void
check_csv(const struct export_column *c, size_t n, const char *text, const char *want)
{
	json_t *rows = rows_of(text);
	struct buf out = BUF_INIT(0);

	assert_int_equal(export_csv(c, n, rows, &out), TR_OK);
	assert_string_equal(out.p, want);
	buf_free(&out);
	json_decref(rows);
}

/* ---- CSV ---- */

static void
test_csv_table(void **state)
{
	(void)state;
	/* BOM, labels, CRLF; accents as they are; booleans, 0/1 booleans, nulls and missing members. */
	check_csv(cols, N_ELEMS(cols),
	    "[{\"nom\": \"Crèche Étoile\", \"places\": 42, \"ouverture\": \"2024-03-01\", \"actif\": true},"
	    " {\"nom\": null, \"places\": \"7\", \"actif\": 0},"
	    " {\"nom\": \"Œuvre\", \"places\": null, \"ouverture\": \"bientôt\", \"actif\": false},"
	    " {\"nom\": 3.5, \"actif\": 1}]",
	    "\xEF\xBB\xBFNom,Places,Date d'ouverture,Actif\r\n"
	    "Crèche Étoile,42,2024-03-01,Oui\r\n"
	    ",7,,Non\r\n"
	    "Œuvre,,bientôt,Non\r\n"
	    "3.5,,,Oui\r\n");
	/* No rows: the header alone. */
	check_csv(cols, 1, "[]", "\xEF\xBB\xBFNom\r\n");
}

static void
test_csv_quoting(void **state)
{
	static const struct export_column two[] = {
		{ "a", "A, puis \"B\"", EXPORT_TEXT },
		{ "b", "B", EXPORT_TEXT },
	};

	(void)state;
	check_csv(two, 2,
	    "[{\"a\": \"1, rue \\\"Haute\\\"\", \"b\": \"ligne 1\\nligne 2\"},"
	    " {\"a\": \"retour\\r\", \"b\": \"\\\"\"},"
	    " {\"a\": \"sans rien; à part\", \"b\": \"\"}]",
	    "\xEF\xBB\xBF\"A, puis \"\"B\"\"\",B\r\n"
	    "\"1, rue \"\"Haute\"\"\",\"ligne 1\nligne 2\"\r\n"
	    "\"retour\r\",\"\"\"\"\r\n"
	    "sans rien; à part,\r\n");
}

/* The file for people: semicolons; a cell with a semicolon is quoted, a comma is not. */
static void
test_csv_people(void **state)
{
	static const struct export_column two[] = {
		{ "a", "Adresse", EXPORT_TEXT },
		{ "b", "Montant; net", EXPORT_TEXT },
	};
	json_t *rows = rows_of("[{\"a\": \"1, rue Haute\", \"b\": \"12,50\"}, {\"a\": \"a;b\", \"b\": \"=1\"}]");
	struct buf out = BUF_INIT(0);

	(void)state;
	assert_int_equal(export_csv_sep(two, 2, rows, CSV_SEP_PEOPLE, &out), TR_OK);
	assert_string_equal(out.p, "\xEF\xBB\xBF"
	                           "Adresse;\"Montant; net\"\r\n"
	                           "1, rue Haute;12,50\r\n"
	                           "\"a;b\";'=1\r\n");
	buf_free(&out);
	json_decref(rows);
}

static void
test_csv_formula_guard(void **state)
{
	static const struct export_column two[] = {
		{ "t", "Texte", EXPORT_TEXT },
		{ "n", "Nombre", EXPORT_INT },
	};

	(void)state;
	check_csv(two, 2,
	    "[{\"t\": \"=1+1\", \"n\": -5},"
	    " {\"t\": \"+33 1 23 45 67 89\", \"n\": \"-12\"},"
	    " {\"t\": \"-x\", \"n\": \"-x\"},"
	    " {\"t\": \"@SUM(A1)\", \"n\": \"=2\"},"
	    " {\"t\": \"\\tcmd\", \"n\": 0},"
	    " {\"t\": \"\\r=1\", \"n\": 1},"
	    " {\"t\": \"=a,b\", \"n\": 2},"
	    " {\"t\": -5, \"n\": 3},"
	    " {\"t\": \"a=1\", \"n\": 4}]",
	    "\xEF\xBB\xBFTexte,Nombre\r\n"
	    "'=1+1,-5\r\n"
	    "+33 1 23 45 67 89,-12\r\n" /* a phone number names no function: kept */
	    "'-x,'-x\r\n"
	    "'@SUM(A1),'=2\r\n"
	    "'\tcmd,0\r\n"
	    "\"'\r=1\",1\r\n"
	    "\"'=a,b\",2\r\n"
	    "-5,3\r\n"
	    "a=1,4\r\n");
}

/* The one writer's cells and records, and the exact inverse the importer of places uses. */
static void
test_csv_writer_and_unguard(void **state)
{
	static const char *const cells[] = { "=cmd", "'=x", "''@y", "'plain", "-1.5", "a,\"b\"", NULL, "" };
	static const bool guard[] = { true, true, true, true, false, true, true, true };
	struct buf out = BUF_INIT(0);

	(void)state;
	assert_int_equal(csv_record(&out, cells, 8, guard), TR_OK);
	assert_int_equal(csv_record(&out, cells, 2, NULL), TR_OK);
	assert_string_equal(out.p, "'=cmd,''=x,'''@y,'plain,-1.5,\"a,\"\"b\"\"\",,\r\n=cmd,'=x\r\n");
	assert_true(csv_needs_guard("+cmd|' /C calc'!A0", 19));
	assert_true(csv_needs_guard("-2+3+cmd", 8));
	assert_true(csv_needs_guard("+33 1 HYPERLINK", 15));
	/* Numbers, phone numbers and coordinates name no function: kept as the standard writes them. */
	assert_false(csv_needs_guard("+33", 3));
	assert_false(csv_needs_guard("+33 1 23 45 67 89", 17));
	assert_false(csv_needs_guard("-1.553", 6));
	assert_false(csv_needs_guard("+33 (0)4 12", 11));
	assert_int_equal(csv_unguard("'+33 4", 6), 0);
	assert_true(csv_needs_guard("'\t", 2));
	assert_false(csv_needs_guard("'", 1));
	assert_false(csv_needs_guard("", 0));
	assert_false(csv_needs_guard("a=1", 3));
	/* Unguarding what was guarded gives the value back; what was not guarded is kept whole. */
	assert_int_equal(csv_unguard("'=cmd", 5), 1);
	assert_int_equal(csv_unguard("''=x", 4), 1);
	assert_int_equal(csv_unguard("'plain", 6), 0);
	assert_int_equal(csv_unguard("'", 1), 0);
	assert_int_equal(csv_unguard("=cmd", 4), 0);
	buf_free(&out);
}

static void
test_json_put_string(void **state)
{
	struct buf out = BUF_INIT(0);

	(void)state;
	assert_int_equal(json_put_string(&out, "a\"b\\c\n\t\x01"
	                                       "é"),
	    TR_OK);
	assert_string_equal(out.p, "\"a\\\"b\\\\c\\n\\t\\u0001é\"");
	buf_free(&out);
}

static void
test_csv_errors(void **state)
{
	struct buf out = BUF_INIT(0);
	struct buf small = BUF_INIT(20);
	json_t *rows;

	(void)state;
	rows = rows_of("[{\"nom\": [1]}]");
	assert_int_equal(export_csv(cols, 1, rows, &out), TR_INTERNAL);
	json_decref(rows);
	rows = rows_of("[{\"nom\": \"a\"}, 3]");
	assert_int_equal(export_csv(cols, 1, rows, &out), TR_INTERNAL);
	assert_int_equal(export_csv(cols, 0, rows, &out), TR_INTERNAL);
	json_decref(rows);
	rows = rows_of("{\"nom\": \"a\"}");
	assert_int_equal(export_csv(cols, 1, rows, &out), TR_INTERNAL);
	json_decref(rows);
	/* The buffer's cap is its own error. */
	rows = rows_of("[{\"nom\": \"un nom bien plus long que vingt octets\"}]");
	assert_int_equal(export_csv(cols, 1, rows, &small), TR_TOO_LARGE);
	json_decref(rows);
	buf_free(&out);
	buf_free(&small);
}

/* ---- XLSX ---- */

/* A fresh directory for TMPDIR, so that a forgotten temporary file shows. */
static char tmpdir[] = "/tmp/test_export_XXXXXX";

static int
setup_tmpdir(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return setenv("TMPDIR", tmpdir, 1);
}

static int
teardown_tmpdir(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

static void
assert_tmpdir_empty(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			fail_msg("left behind: %s/%s", tmpdir, e->d_name);
	closedir(d);
}

/* Returns the part NAME of the XLSX package in XLSX, as a malloc'd string. */
static char *
xlsx_part(const struct buf *xlsx, const char *name)
{
	char path[] = "/tmp/test_export_xlsx_XXXXXX";
	char cmd[512], chunk[4096];
	struct buf text = BUF_INIT(0);
	int fd = mkstemp(path);
	FILE *p;
	size_t got;
	char *s;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, xlsx->p, xlsx->n), (ssize_t)xlsx->n);
	close(fd);
	snprintf(cmd, sizeof cmd,
	    "python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "
	    "%s %s",
	    path, name);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((got = fread(chunk, 1, sizeof chunk, p)) > 0)
		assert_int_equal(buf_append(&text, chunk, got), TR_OK);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	s = strdup(text.p ? text.p : "");
	buf_free(&text);
	return s;
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("missing %s in %s", needle, hay);
}

static void
test_xlsx_workbook(void **state)
{
	json_t *rows = rows_of(
	    "[{\"nom\": \"Crèche Étoile\", \"places\": 42, \"ouverture\": \"2024-03-01\", \"actif\": true},"
	    " {\"nom\": \"=HYPERLINK(\\\"x\\\")\", \"places\": \"-7\", \"ouverture\": \"1899-12-31\", \"actif\": 0},"
	    " {\"nom\": null, \"places\": 2.5, \"ouverture\": \"plus tard\"}]");
	struct buf out = BUF_INIT(0);
	char *sheet, *strings, *book, *styles;

	(void)state;
	assert_int_equal(
	    export_xlsx("Lieux : [Île-de-France] / tous ? avec un nom long", cols, N_ELEMS(cols), rows, &out), TR_OK);
	assert_true(out.n > 4);
	assert_memory_equal(out.p, "PK", 2);
	assert_tmpdir_empty();

	strings = xlsx_part(&out, "xl/sharedStrings.xml");
	assert_contains(strings, "<t>Nom</t>");
	assert_contains(strings, "<t>Date d'ouverture</t>");
	assert_contains(strings, "<t>Crèche Étoile</t>");
	assert_contains(strings, "<t>=HYPERLINK(\"x\")</t>");
	assert_contains(strings, "<t>Oui</t>");
	assert_contains(strings, "<t>Non</t>");
	/* Excel has no date before 1900: that one stays text, as do words in a date column. */
	assert_contains(strings, "<t>1899-12-31</t>");
	assert_contains(strings, "<t>plus tard</t>");

	sheet = xlsx_part(&out, "xl/worksheets/sheet1.xml");
	/* Numbers are number cells (no t="s"), strings never formulas, 2024-03-01 is day 45352. */
	assert_contains(sheet, "<c r=\"B2\"><v>42</v></c>");
	assert_contains(sheet, "<c r=\"B3\"><v>-7</v></c>");
	assert_contains(sheet, "<c r=\"B4\"><v>2.5</v></c>");
	assert_contains(sheet, "<c r=\"C2\" s=\"2\"><v>45352</v></c>");
	assert_contains(sheet, "<c r=\"A3\" t=\"s\">");
	assert_null(strstr(sheet, "<f>"));
	/* Nulls write nothing. */
	assert_null(strstr(sheet, "r=\"A4\""));
	assert_null(strstr(sheet, "r=\"D4\""));
	/* Header: bold (style 1), frozen, filtered; widths from the longest value. */
	assert_contains(sheet, "<c r=\"A1\" s=\"1\" t=\"s\">");
	assert_contains(sheet, "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>");
	assert_contains(sheet, "<autoFilter ref=\"A1:D4\"/>");
	assert_contains(
	    sheet, "<col min=\"1\" max=\"1\" width=\"17.7109375\" customWidth=\"1\"/>"); /* =HYPERLINK("x") + 2 */
	assert_contains(sheet, "<col min=\"3\" max=\"3\" width=\"18.7109375\" customWidth=\"1\"/>"); /* the label + 2 */

	styles = xlsx_part(&out, "xl/styles.xml");
	assert_contains(styles, "formatCode=\"dd/mm/yyyy\"");
	assert_contains(styles, "<b/>");

	/* 31 characters, forbidden ones replaced. */
	book = xlsx_part(&out, "xl/workbook.xml");
	assert_contains(book, "<sheet name=\"Lieux _ _Île-de-France_ _ tous \"");

	free(sheet);
	free(strings);
	free(styles);
	free(book);
	buf_free(&out);
	json_decref(rows);
}

static void
test_xlsx_sheet_names(void **state)
{
	static const struct {
		const char *given, *want;
	} cases[] = {
		{ "'cité'", "<sheet name=\"_cité_\"" },
		{ "", "<sheet name=\"Export\"" },
		{ NULL, "<sheet name=\"Export\"" },
		{ "ééééééééééééééééééééééééééééééééééé", "<sheet name=\"ééééééééééééééééééééééééééééééé\"" },
	};
	json_t *rows = rows_of("[]");

	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct buf out = BUF_INIT(0);
		char *book;

		assert_int_equal(export_xlsx(cases[i].given, cols, 1, rows, &out), TR_OK);
		book = xlsx_part(&out, "xl/workbook.xml");
		assert_contains(book, cases[i].want);
		free(book);
		buf_free(&out);
	}
	json_decref(rows);
}

static void
test_xlsx_errors(void **state)
{
	struct buf out = BUF_INIT(0);
	struct buf small = BUF_INIT(100);
	json_t *rows;

	(void)state;
	/* Bad input fails before or while filling the sheet; the temporary file goes either way. */
	rows = rows_of("[{\"nom\": {\"a\": 1}}]");
	assert_int_equal(export_xlsx("x", cols, 1, rows, &out), TR_INTERNAL);
	assert_int_equal(export_xlsx("x", cols, 0, rows, &out), TR_INTERNAL);
	json_decref(rows);
	rows = rows_of("[1]");
	assert_int_equal(export_xlsx("x", cols, 1, rows, &out), TR_INTERNAL);
	assert_tmpdir_empty();
	/* A workbook larger than the buffer's cap. */
	json_decref(rows);
	rows = rows_of("[{\"nom\": \"a\"}]");
	assert_int_equal(export_xlsx("x", cols, 1, rows, &small), TR_TOO_LARGE);
	assert_tmpdir_empty();
	/* No temporary directory. */
	assert_int_equal(setenv("TMPDIR", "/nonexistent/tremplin", 1), 0);
	assert_int_equal(export_xlsx("x", cols, 1, rows, &out), TR_INTERNAL);
	assert_int_equal(setenv("TMPDIR", tmpdir, 1), 0);
	assert_int_equal(out.n, 0);
	json_decref(rows);
	buf_free(&out);
	buf_free(&small);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_table),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_people),
		cmocka_unit_test(test_csv_formula_guard),
		cmocka_unit_test(test_csv_writer_and_unguard),
		cmocka_unit_test(test_json_put_string),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_xlsx_workbook),
		cmocka_unit_test(test_xlsx_sheet_names),
		cmocka_unit_test(test_xlsx_errors),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
