/* The one CSV writer: RFC 4180 cells and records, with the guard that keeps a spreadsheet from running a
 * cell as a formula. Every CSV the program writes (list exports, the places standard, the geocoder's
 * request) goes through it; reading CSV is libcsv's. */
#ifndef TR_CORE_CSV_H
#define TR_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* True when a spreadsheet would take S (N bytes) for a formula once opened: it starts with one of OWASP's
 * characters = + - @ tab CR, or with an apostrophe before such a start (so that csv_unguard is exact), unless
 * it is made of digits, spaces and + - . , ( ) / only (numbers, phone numbers, dates: nothing a spreadsheet can run). */
bool csv_needs_guard(const char *s, size_t n);

/* The separators: the comma of RFC 4180 (the API, the places standard, open data), and the semicolon that
 * French spreadsheets expect (files for people: list exports, with a UTF-8 BOM, core/export.h). */
#define CSV_SEP_COMMA ','
#define CSV_SEP_PEOPLE ';'

/* Appends S (N bytes) as one cell: quoted only when RFC 4180 requires it (comma, quote, CR, LF; quotes
 * doubled), after an apostrophe when GUARD and csv_needs_guard(S). Returns TR_TOO_LARGE at OUT's cap. */
TR_MUST_USE tr_err csv_cell(struct buf *out, const char *s, size_t n, bool guard);

/* csv_cell for a file whose separator is SEP (CSV_SEP_COMMA or CSV_SEP_PEOPLE): a cell holding SEP is quoted. */
TR_MUST_USE tr_err csv_cell_sep(struct buf *out, const char *s, size_t n, bool guard, char sep);

/* Appends the N NUL-terminated CELLS (NULL reads as empty) separated by commas, then CRLF; each cell
 * guarded when GUARD (a GUARD of NULL guards none, else GUARD[i] for cell i). TR_TOO_LARGE at OUT's cap. */
TR_MUST_USE tr_err csv_record(struct buf *out, const char *const *cells, size_t n, const bool *guard);

/* The length of the leading apostrophe csv_cell added to a guarded cell S (N bytes): 1 when S is an
 * apostrophe before a cell that needs the guard, else 0. Readers of files the program wrote skip it. */
size_t csv_unguard(const char *s, size_t n);

#endif
