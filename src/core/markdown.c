/* The news' Markdown subset: blocks by lines, then inline emphasis and links, every other byte escaped. */
#include "core/markdown.h"

#include <stdbool.h>
#include <string.h>

#include "core/tmpl.h"

/* What a span's searches already know is absent after some point: a failed search for a closer from I fails
 * from any later opener too, so that a run of unmatched openers costs one scan, not one each. */
struct memo {
	size_t no_strong, no_em_star, no_em_under, no_bracket;
};

static tr_err inline_span(const char *s, size_t n, struct buf *out, int depth, bool links);

static tr_err
text(struct buf *out, const char *s, size_t n)
{
	tr_err err = TR_OK;
	size_t start = 0;

	for (size_t i = 0; i < n && err == TR_OK; i++)
		if (s[i] == '\0') {
			err = tmpl_escape(out, s + start, i - start);
			if (err == TR_OK)
				err = buf_puts(out, "\xEF\xBF\xBD");
			start = i + 1;
		}
	return err == TR_OK ? tmpl_escape(out, s + start, n - start) : err;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static bool
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}

/* The index of the closer of an emphasis opened at I (MARK once, or twice when DOUBLE) in S[0, N): the next MARK
 * run not preceded by a space, with something between; N when none. */
static size_t
closer(const char *s, size_t n, size_t i, char mark, bool dbl)
{
	size_t w = dbl ? 2 : 1;

	for (size_t j = i + w + 1; j + w <= n; j++) {
		if (s[j] != mark || is_space(s[j - 1]))
			continue;
		if (dbl && s[j + 1] == mark) {
			while (j + 2 < n && s[j + 2] == mark)
				j++; /* "***" closes the inner emphasis first, then this */
			return j;
		}
		if (!dbl && (j + 1 >= n || s[j + 1] != mark) && s[j - 1] != mark)
			return j;
	}
	return n;
}

/* A link at I: "[text](http(s)://url)", the text's end in *TEND, the URL's bounds in *U0, *U1, the whole's end in
 * *END. False when it is not one. */
static bool
link_at(const char *s, size_t n, size_t i, struct memo *m, size_t *tend, size_t *u0, size_t *u1, size_t *end)
{
	size_t j, k;

	if (i >= m->no_bracket)
		return false;
	for (j = i + 1; j < n && s[j] != ']'; j++)
		;
	if (j >= n) {
		m->no_bracket = i;
		return false;
	}
	if (j + 1 >= n || s[j + 1] != '(')
		return false;
	for (k = j + 2; k < n && s[k] != ')' && !is_space(s[k]); k++)
		;
	if (k >= n || s[k] != ')')
		return false;
	if (!((k - (j + 2) > 7 && strncmp(s + j + 2, "http://", 7) == 0) ||
	        (k - (j + 2) > 8 && strncmp(s + j + 2, "https://", 8) == 0)))
		return false;
	*tend = j;
	*u0 = j + 2;
	*u1 = k;
	*end = k + 1;
	return true;
}

static tr_err
inline_span(const char *s, size_t n, struct buf *out, int depth, bool links)
{
	struct memo m = { n, n, n, n };
	size_t start = 0, i = 0;
	tr_err err = TR_OK;

#define FLUSH()                                                       \
	do {                                                          \
		if ((err = text(out, s + start, i - start)) != TR_OK) \
			return err;                                   \
	} while (0)

	while (i < n) {
		char c = s[i];
		size_t j, tend, u0, u1, end;

		if (c == '\\' && i + 1 < n && strchr("\\*_[]()", s[i + 1]) != NULL && s[i + 1] != '\0') {
			FLUSH();
			start = i + 1; /* the escaped character is text */
			i += 2;
			continue;
		}
		if (depth < MD_MAX_DEPTH && c == '*' && i + 1 < n && s[i + 1] == '*' && i + 2 < n &&
		    !is_space(s[i + 2]) && i < m.no_strong) {
			if ((j = closer(s, n, i, '*', true)) < n) {
				FLUSH();
				if ((err = buf_puts(out, "<strong>")) != TR_OK ||
				    (err = inline_span(s + i + 2, j - i - 2, out, depth + 1, links)) != TR_OK ||
				    (err = buf_puts(out, "</strong>")) != TR_OK)
					return err;
				i = start = j + 2;
				continue;
			}
			m.no_strong = i;
		}
		if (depth < MD_MAX_DEPTH && (c == '*' || c == '_') && i + 1 < n && !is_space(s[i + 1]) &&
		    s[i + 1] != c && i < (c == '*' ? m.no_em_star : m.no_em_under) &&
		    (c == '*' || i == 0 || !is_word(s[i - 1]))) {
			j = closer(s, n, i, c, false);
			if (j < n && (c == '*' || j + 1 >= n || !is_word(s[j + 1]))) {
				FLUSH();
				if ((err = buf_puts(out, "<em>")) != TR_OK ||
				    (err = inline_span(s + i + 1, j - i - 1, out, depth + 1, links)) != TR_OK ||
				    (err = buf_puts(out, "</em>")) != TR_OK)
					return err;
				i = start = j + 1;
				continue;
			}
			if (j >= n)
				*(c == '*' ? &m.no_em_star : &m.no_em_under) = i;
		}
		if (links && depth < MD_MAX_DEPTH && c == '[' && link_at(s, n, i, &m, &tend, &u0, &u1, &end)) {
			FLUSH();
			if ((err = buf_puts(out, "<a href=\"")) != TR_OK ||
			    (err = text(out, s + u0, u1 - u0)) != TR_OK || (err = buf_puts(out, "\">")) != TR_OK ||
			    (err = inline_span(s + i + 1, tend - i - 1, out, depth + 1, false)) != TR_OK ||
			    (err = buf_puts(out, "</a>")) != TR_OK)
				return err;
			i = start = end;
			continue;
		}
		i++;
	}
	FLUSH();
	return TR_OK;
#undef FLUSH
}

enum block { B_NONE, B_PARA, B_UL, B_OL };

/* The list item that line L[0, N) opens: its kind and where its text starts; B_NONE when it opens none. */
static enum block
item_of(const char *l, size_t n, size_t *text_at)
{
	size_t i = 0, d;

	while (i < n && i < 3 && l[i] == ' ')
		i++;
	if (i + 1 < n && (l[i] == '-' || l[i] == '*' || l[i] == '+') && l[i + 1] == ' ') {
		*text_at = i + 2;
		return B_UL;
	}
	for (d = i; d < n && d - i < 9 && l[d] >= '0' && l[d] <= '9'; d++)
		;
	if (d > i && d + 1 < n && l[d] == '.' && l[d + 1] == ' ') {
		*text_at = d + 2;
		return B_OL;
	}
	return B_NONE;
}

static const char *const open_tag[] = { "", "<p>", "<ul>\n<li>", "<ol>\n<li>" };
static const char *const close_tag[] = { "", "</p>\n", "</li>\n</ul>\n", "</li>\n</ol>\n" };

/* Renders the gathered text of the current block (ACC) inline, then emptied. */
static tr_err
flush_block(struct buf *acc, struct buf *out)
{
	tr_err err = inline_span(acc->p ? acc->p : "", acc->n, out, 0, true);

	buf_reset(acc);
	return err;
}

tr_err
md_render(const char *src, size_t n, struct buf *out)
{
	enum block cur = B_NONE;
	struct buf acc = BUF_INIT(0);
	tr_err err = TR_OK;

	/* Each block's text is gathered (its lines joined by "\n") then rendered inline at once, so that emphasis
	 * and links may cross a line break within a paragraph or an item. */
	for (size_t p = 0; p < n && err == TR_OK;) {
		size_t e = p, ln, t = 0;
		const char *l = src + p, *span;
		bool blank = true;
		enum block kind;

		while (e < n && src[e] != '\n')
			e++;
		ln = e - p;
		if (ln > 0 && l[ln - 1] == '\r')
			ln--;
		for (size_t k = 0; k < ln; k++)
			blank &= l[k] == ' ' || l[k] == '\t';
		kind = blank ? B_NONE : item_of(l, ln, &t);
		p = e + 1;
		/* A blank line, or a line opening an item, ends the current paragraph or item. */
		if (cur != B_NONE && (blank || kind != B_NONE)) {
			err = flush_block(&acc, out);
			if (err == TR_OK && kind == cur) { /* another item of the same list */
				err = buf_puts(out, "</li>\n<li>");
				goto add;
			}
			if (err == TR_OK)
				err = buf_puts(out, close_tag[cur]);
			cur = B_NONE;
		}
		if (blank || err != TR_OK)
			continue;
		if (cur == B_NONE) {
			cur = kind == B_NONE ? B_PARA : kind;
			if ((err = buf_puts(out, open_tag[cur])) != TR_OK)
				continue;
		}
	add:
		if (err != TR_OK)
			continue;
		span = kind == B_NONE ? l : l + t;
		ln = kind == B_NONE ? ln : ln - t;
		while (kind == B_NONE && ln > 0 && (*span == ' ' || *span == '\t'))
			span++, ln--; /* a continuation line's indent */
		if (acc.n > 0)
			err = buf_putc(&acc, '\n');
		if (err == TR_OK)
			err = buf_append(&acc, span, ln);
	}
	if (err == TR_OK && cur != B_NONE && (err = flush_block(&acc, out)) == TR_OK)
		err = buf_puts(out, close_tag[cur]);
	buf_free(&acc);
	return err;
}
