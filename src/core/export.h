/* Exports what a list page shows (rows of JSON objects, columns chosen by the page) as a CSV file or
 * an XLSX workbook, for people who open it in a spreadsheet. */
#ifndef TR_CORE_EXPORT_H
#define TR_CORE_EXPORT_H

#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/err.h"

/* How a column's values are written. Whatever the kind, a JSON boolean reads "Oui" or "Non" and
 * null or a missing member gives an empty cell. */
enum export_kind {
	EXPORT_TEXT,
	EXPORT_INT,  /* an integer, or a string holding one: a number cell, never guarded against formulas */
	EXPORT_DATE, /* "YYYY-MM-DD": kept as is in CSV, a date cell shown dd/mm/yyyy in XLSX */
	EXPORT_BOOL, /* true, false or 0/1 (booleans as the database stores them): "Oui" or "Non" */
};

/* One column: the member read in each row, the French header. */
struct export_column {
	const char *key;
	const char *label;
	enum export_kind kind;
};

/* Appends to OUT the CSV of ROWS (a JSON array of objects; members may be strings, integers, reals,
 * booleans or null) under a header row of the labels: a UTF-8 BOM first (so that Excel reads accents
 * right), commas, CRLF, RFC 4180 quoting. A string starting with = + - @ tab or CR gets a leading
 * apostrophe, so that a spreadsheet never runs it as a formula. Returns TR_TOO_LARGE at OUT's cap,
 * TR_INTERNAL when ROWS is not an array of objects, a member is an array or an object, or NCOLS is 0
 * or more than a sheet holds; on error OUT holds a prefix that the caller discards. */
TR_MUST_USE tr_err export_csv(const struct export_column *cols, size_t ncols, json_t *rows, struct buf *out);

/* export_csv with the separator SEP (core/csv.h): CSV_SEP_PEOPLE for files that people open in a French
 * spreadsheet (the pages' exports), CSV_SEP_COMMA for programs (the API's). */
TR_MUST_USE tr_err export_csv_sep(
    const struct export_column *cols, size_t ncols, json_t *rows, char sep, struct buf *out);

/* Appends to OUT an XLSX workbook of one sheet named SHEET_NAME (forbidden characters replaced,
 * cut to 31 characters) holding the same table: bold header row, frozen, with an autofilter;
 * integers as numbers, dates as date cells, everything else as text (never as a formula); column
 * widths from the longest value, capped. Returns TR_TOO_LARGE at OUT's cap and TR_INTERNAL on bad
 * input (as export_csv) or when libxlsxwriter or the temporary file fails; on error OUT holds a
 * prefix that the caller discards. No temporary file is left behind. */
TR_MUST_USE tr_err export_xlsx(
    const char *sheet_name, const struct export_column *cols, size_t ncols, json_t *rows, struct buf *out);

#endif
