/* CSV and XLSX exports of list pages. Both formats read each cell once into a struct cell, so that
 * they agree on what a value shows. */
#include "core/export.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/csv.h"
#include "core/str.h"
#include "core/time.h"
#include "core/utf8.h"

/* Widest XLSX column, in characters: one long comment should not push the other columns off screen. */
#define EXPORT_WIDTH_MAX 60

/* Width of a date shown dd/mm/yyyy. */
#define EXPORT_WIDTH_DATE 10

/* One cell as both formats see it. */
struct cell {
	enum { CELL_EMPTY, CELL_TEXT, CELL_NUMBER, CELL_DATE } type;
	const char *s; /* the text shown, NUL-terminated (numbers too: CSV and column widths use it) */
	size_t n;
	bool guard;        /* text from the data that a spreadsheet would take for a formula */
	double num;        /* CELL_NUMBER */
	lxw_datetime date; /* CELL_DATE */
	char tmp[32];      /* the text of a number */
};

static void
cell_text(struct cell *c, const char *s)
{
	*c = (struct cell){ .type = CELL_TEXT, .s = s, .n = strlen(s) };
}

static void
cell_int(struct cell *c, long long v)
{
	c->type = CELL_NUMBER;
	c->num = (double)v;
	c->s = c->tmp;
	c->n = (size_t)snprintf(c->tmp, sizeof c->tmp, "%lld", v);
}

static void
cell_real(struct cell *c, double v)
{
	c->type = CELL_NUMBER;
	c->num = v;
	c->s = c->tmp;
	/* 15 significant digits: what a spreadsheet keeps, without binary noise (0.1 stays "0.1"). */
	c->n = (size_t)snprintf(c->tmp, sizeof c->tmp, "%.15g", v);
}

/* Reads member COL->key of ROW into C; TR_INTERNAL for a value no cell can show (array, object). */
static tr_err
cell_read(const struct export_column *col, json_t *row, struct cell *c)
{
	json_t *v = json_object_get(row, col->key);
	long long i;
	int y, m, d;

	*c = (struct cell){ .type = CELL_EMPTY, .s = "" };
	if (v == NULL || json_is_null(v))
		return TR_OK;
	if (json_is_boolean(v))
		cell_text(c, json_is_true(v) ? "Oui" : "Non");
	else if (json_is_integer(v) && col->kind == EXPORT_BOOL)
		cell_text(c, json_integer_value(v) != 0 ? "Oui" : "Non");
	else if (json_is_integer(v))
		cell_int(c, (long long)json_integer_value(v));
	else if (json_is_real(v))
		cell_real(c, json_real_value(v));
	else if (!json_is_string(v))
		return TR_INTERNAL;
	else if (col->kind == EXPORT_INT && str_to_i64((struct str){ json_string_value(v), json_string_length(v) }, &i))
		cell_int(c, i); /* a number, never guarded: "-5" is no formula */
	else if (col->kind == EXPORT_DATE && date_parse(json_string_value(v), json_string_length(v), &y, &m, &d) &&
	         y >= 1900) { /* Excel has no date before 1900: such a date stays text */
		c->type = CELL_DATE;
		c->s = json_string_value(v);
		c->n = json_string_length(v);
		c->date = (lxw_datetime){ .year = y, .month = m, .day = d };
	} else {
		c->type = CELL_TEXT;
		c->s = json_string_value(v);
		c->n = json_string_length(v);
		c->guard = csv_needs_guard(c->s, c->n);
	}
	return TR_OK;
}

/* Checks what both formats need; rows are checked to be objects as they are read. */
static bool
input_ok(size_t ncols, json_t *rows)
{
	return ncols > 0 && ncols <= LXW_COL_MAX && json_is_array(rows);
}

/* ---- CSV ---- */

/* Appends one line: the labels when ROW is NULL, else the cells of ROW. */
static tr_err
csv_line(struct buf *out, const struct export_column *cols, size_t ncols, json_t *row, char sep)
{
	struct cell c;
	tr_err err = TR_OK;

	for (size_t j = 0; j < ncols && err == TR_OK; j++) {
		if (row == NULL)
			cell_text(&c, cols[j].label);
		else
			err = cell_read(&cols[j], row, &c);
		if (err == TR_OK && j > 0)
			err = buf_putc(out, sep);
		if (err == TR_OK)
			err = csv_cell_sep(out, c.s, c.n, c.guard, sep);
	}
	return err == TR_OK ? buf_puts(out, "\r\n") : err;
}

tr_err
export_csv(const struct export_column *cols, size_t ncols, json_t *rows, struct buf *out)
{
	return export_csv_sep(cols, ncols, rows, CSV_SEP_COMMA, out);
}

tr_err
export_csv_sep(const struct export_column *cols, size_t ncols, json_t *rows, char sep, struct buf *out)
{
	json_t *row;
	tr_err err;

	if (!input_ok(ncols, rows))
		return TR_INTERNAL;
	/* The BOM: without it, Excel reads the file in the Windows code page and mangles accents. */
	err = buf_puts(out, "\xEF\xBB\xBF");
	if (err == TR_OK)
		err = csv_line(out, cols, ncols, NULL, sep);
	for (size_t i = 0; i < json_array_size(rows) && err == TR_OK; i++) {
		row = json_array_get(rows, i);
		err = json_is_object(row) ? csv_line(out, cols, ncols, row, sep) : TR_INTERNAL;
	}
	return err;
}

/* ---- XLSX ---- */

/* Writes NAME (LXW_SHEETNAME_MAX * 4 + 1 bytes) as a sheet name Excel accepts: at most 31 characters,
 * none of []:*?/\, no apostrophe at either end. Returns NAME, or "Export" when S has nothing left. */
static const char *
sheet_name_clean(const char *s, char *name)
{
	size_t n = 0, chars = 0;

	for (; s != NULL && *s != '\0' && n < LXW_SHEETNAME_MAX * 4; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80 && chars++ == LXW_SHEETNAME_MAX)
			break;
		name[n++] = strchr("[]:*?/\\", *s) ? '_' : *s;
	}
	name[n] = '\0';
	if (n > 0 && name[0] == '\'')
		name[0] = '_';
	if (n > 0 && name[n - 1] == '\'')
		name[n - 1] = '_';
	return n > 0 ? name : "Export";
}

static lxw_error
xlsx_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t col, struct cell *c, lxw_format *date)
{
	switch (c->type) {
	case CELL_EMPTY: return LXW_NO_ERROR;
	case CELL_NUMBER: return worksheet_write_number(ws, r, col, c->num, NULL);
	case CELL_DATE: return worksheet_write_datetime(ws, r, col, &c->date, date);
	case CELL_TEXT: break;
	}
	/* Never worksheet_write(): text is a string, whatever it starts with. */
	return worksheet_write_string(ws, r, col, c->s, NULL);
}

/* Fills the sheet column by column, so that each column's width is known when it ends. */
static tr_err
xlsx_sheet(
    lxw_worksheet *ws, const struct export_column *cols, size_t ncols, json_t *rows, lxw_format *bold, lxw_format *date)
{
	struct cell c;
	size_t i, width, w;
	json_t *row;

	for (size_t j = 0; j < ncols; j++) {
		width = utf8_length(cols[j].label, strlen(cols[j].label));
		if (worksheet_write_string(ws, 0, (lxw_col_t)j, cols[j].label, bold) != LXW_NO_ERROR)
			return TR_INTERNAL;
		json_array_foreach(rows, i, row)
		{
			if (!json_is_object(row) || cell_read(&cols[j], row, &c) != TR_OK ||
			    xlsx_cell(ws, (lxw_row_t)(i + 1), (lxw_col_t)j, &c, date) != LXW_NO_ERROR)
				return TR_INTERNAL;
			w = c.type == CELL_DATE ? EXPORT_WIDTH_DATE : utf8_length(c.s, c.n);
			width = w > width ? w : width;
		}
		/* Two more characters: the header's filter button, and a margin. */
		width = width + 2 < EXPORT_WIDTH_MAX ? width + 2 : EXPORT_WIDTH_MAX;
		if (worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, (double)width, NULL) != LXW_NO_ERROR)
			return TR_INTERNAL;
	}
	worksheet_freeze_panes(ws, 1, 0);
	if (worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(rows), (lxw_col_t)(ncols - 1)) != LXW_NO_ERROR)
		return TR_INTERNAL;
	return TR_OK;
}

/* Writes the workbook to PATH; libxlsxwriter's own scratch files go to TMPDIR. */
static tr_err
xlsx_write(const char *path, char *tmpdir, const char *sheet_name, const struct export_column *cols, size_t ncols,
    json_t *rows)
{
	lxw_workbook_options opt = { .tmpdir = tmpdir };
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	char name[LXW_SHEETNAME_MAX * 4 + 1];
	lxw_worksheet *ws;
	lxw_format *bold, *date;

	if (wb == NULL)
		return TR_INTERNAL;
	ws = workbook_add_worksheet(wb, sheet_name_clean(sheet_name, name));
	bold = workbook_add_format(wb);
	date = workbook_add_format(wb);
	if (ws == NULL || bold == NULL || date == NULL)
		goto fail;
	format_set_bold(bold);
	format_set_num_format(date, "dd/mm/yyyy");
	if (xlsx_sheet(ws, cols, ncols, rows, bold, date) != TR_OK)
		goto fail;
	/* workbook_close frees the workbook, whether it could write the file or not. */
	return workbook_close(wb) == LXW_NO_ERROR ? TR_OK : TR_INTERNAL;
fail:
	lxw_workbook_free(wb);
	return TR_INTERNAL;
}

/* Appends what is left to read of FD to OUT. */
static tr_err
read_all(int fd, struct buf *out)
{
	char chunk[16384];
	ssize_t got;
	tr_err err = TR_OK;

	while (err == TR_OK && (got = read(fd, chunk, sizeof chunk)) != 0) {
		if (got < 0 && errno != EINTR)
			return TR_INTERNAL;
		if (got > 0)
			err = buf_append(out, chunk, (size_t)got);
	}
	return err;
}

/* libxlsxwriter 1.1.4 can only write to a named file (output_buffer came in 1.2): the workbook goes
 * through a private file made by mkstemp, read back through the descriptor mkstemp opened. */
tr_err
export_xlsx(const char *sheet_name, const struct export_column *cols, size_t ncols, json_t *rows, struct buf *out)
{
	char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;
	tr_err err;

	if (!input_ok(ncols, rows))
		return TR_INTERNAL;
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (snprintf(path, sizeof path, "%s/tremplin-export-XXXXXX", dir) >= (int)sizeof path)
		return TR_INTERNAL;
	fd = mkstemp(path);
	if (fd < 0)
		return TR_INTERNAL;
	err = xlsx_write(path, dir, sheet_name, cols, ncols, rows);
	if (err == TR_OK)
		err = read_all(fd, out);
	unlink(path);
	close(fd);
	return err;
}
