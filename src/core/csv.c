/* RFC 4180 writing with the formula guard. */
#include "core/csv.h"

#include <string.h>

/* OWASP's list of the first characters that make a spreadsheet evaluate a cell. */
static bool
formula_start(char c)
{
	return c != '\0' && strchr("=+-@\t\r", c) != NULL;
}

/* A number, a phone number or a date ("-1.55", "+33 1 23 45 67 89", "(0)4/12"): a spreadsheet may read it as a
 * sum, but with no letter it names no function and no other cell, so it cannot run anything. Left as it is, so
 * that the open-data files keep the national standard's values (phones, coordinates). */
static bool
numeric_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("0123456789 +-.,()/", s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

bool
csv_needs_guard(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == '\'')
		i++;
	return i < n && formula_start(s[i]) && !numeric_text(s + i, n - i);
}

size_t
csv_unguard(const char *s, size_t n)
{
	return n > 1 && s[0] == '\'' && csv_needs_guard(s + 1, n - 1) ? 1 : 0;
}

tr_err
csv_cell(struct buf *out, const char *s, size_t n, bool guard)
{
	return csv_cell_sep(out, s, n, guard, CSV_SEP_COMMA);
}

tr_err
csv_cell_sep(struct buf *out, const char *s, size_t n, bool guard, char sep)
{
	const char *end = s + n, *q;
	bool quote = false;
	tr_err err = TR_OK;

	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote)
		err = buf_putc(out, '"');
	if (err == TR_OK && guard && csv_needs_guard(s, n))
		err = buf_putc(out, '\'');
	/* Copies runs up to and including each quote, then doubles that quote. */
	while (err == TR_OK && s < end) {
		q = memchr(s, '"', (size_t)(end - s));
		q = q ? q + 1 : end;
		err = buf_append(out, s, (size_t)(q - s));
		if (err == TR_OK && q[-1] == '"')
			err = buf_putc(out, '"');
		s = q;
	}
	if (err == TR_OK && quote)
		err = buf_putc(out, '"');
	return err;
}

tr_err
csv_record(struct buf *out, const char *const *cells, size_t n, const bool *guard)
{
	tr_err err = TR_OK;

	for (size_t i = 0; i < n && err == TR_OK; i++) {
		const char *s = cells[i] ? cells[i] : "";
		if (i > 0)
			err = buf_putc(out, ',');
		if (err == TR_OK)
			err = csv_cell(out, s, strlen(s), guard != NULL && guard[i]);
	}
	return err == TR_OK ? buf_puts(out, "\r\n") : err;
}
