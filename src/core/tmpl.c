/* The template engine: compiles Mustache-subset text into a flat list of operations once, then
 * renders that list against a stack of jansson values, without parsing or allocating per render. */
#include "core/tmpl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/fr.h"
#include "core/time.h"

/* Longest part of a name quoted in an error message. */
#define TMPL_QUOTE_MAX 64
#define TMPL_QUOTE(s) (int)((s).n > TMPL_QUOTE_MAX ? TMPL_QUOTE_MAX : (s).n), (s).p

enum tmpl_op_kind {
	TMPL_OP_TEXT,
	TMPL_OP_VAR, /* escaped */
	TMPL_OP_RAW,
	TMPL_OP_SECTION,
	TMPL_OP_INVERTED,
	TMPL_OP_PARTIAL,
};

/* Names that are not looked up in the data but describe the innermost array section. */
enum tmpl_special {
	TMPL_SPECIAL_NONE,
	TMPL_SPECIAL_INDEX,
	TMPL_SPECIAL_NUMBER,
	TMPL_SPECIAL_FIRST,
	TMPL_SPECIAL_LAST,
};

static const struct {
	const char *name;
	enum tmpl_special special;
} tmpl_specials[] = {
	{ "@index", TMPL_SPECIAL_INDEX },
	{ "@number", TMPL_SPECIAL_NUMBER },
	{ "@first", TMPL_SPECIAL_FIRST },
	{ "@last", TMPL_SPECIAL_LAST },
};

/* Filters of a variable, written {{name|filter}} or {{name|filter:arg:arg}} (core/tmpl.h). */
enum tmpl_filter {
	TMPL_FILTER_NONE,
	TMPL_FILTER_DATE,     /* "YYYY-MM-DD…" or epoch seconds: "15 janvier 2027" */
	TMPL_FILTER_DATETIME, /* epoch seconds: "15 janvier 2027 à 9 h 30"; a date string as date */
	TMPL_FILTER_PLURAL,   /* an integer: "2 postes demandés" (args: singular, plural) */
	TMPL_FILTER_AGREE,    /* an integer: only the word that agrees with it (args: singular, plural) */
	TMPL_FILTER_PHONE,    /* E.164: "06 12 34 56 78" for a French number */
};

static const struct {
	const char *name;
	enum tmpl_filter filter;
	unsigned nargs;
} tmpl_filters[] = {
	{ "date", TMPL_FILTER_DATE, 0 },
	{ "datetime", TMPL_FILTER_DATETIME, 0 },
	{ "plural", TMPL_FILTER_PLURAL, 2 },
	{ "agree", TMPL_FILTER_AGREE, 2 },
	{ "phone", TMPL_FILTER_PHONE, 0 },
};

struct tmpl;

/* A name split at its dots, each segment NUL-terminated for json_object_get; "." has none. */
struct tmpl_path {
	const char **segs;
	size_t n;
};

struct tmpl_op {
	enum tmpl_op_kind kind;
	enum tmpl_special special;
	unsigned line;
	size_t end;      /* sections: index of the first op after the body; text while compiling: offset */
	struct str name; /* sections and partials: the name as written, NUL-terminated */
	enum tmpl_filter filter;
	const char *args[2]; /* the filter's arguments, NUL-terminated */
	union {
		struct str text;
		struct tmpl_path path;
		const struct tmpl *partial;
	} u;
};

struct tmpl {
	const char *name;
	struct tmpl_op *ops;
	size_t nops;
};

struct tmpl_set {
	struct arena *arena;
	struct tmpl *tmpls; /* sorted by name */
	size_t n;
};

/* ---- compiling ---- */

struct tmpl_tag {
	char sigil; /* 0 for a variable, else one of # ^ / > ! & */
	struct str name;
	struct str filter; /* variables: what follows the first '|', else empty */
	size_t start, end; /* offsets of the first "{{" and past the last "}}" */
};

struct tmpl_compiler {
	struct arena *arena;
	const char *name;
	const char *src;
	size_t len;
	struct tmpl_op *ops;
	size_t nops, capops;
	size_t text_barrier; /* a text op before this index is in a closed section: do not extend it */
	struct buf text;     /* all literal text, op by op */
	size_t *open;        /* indexes of the sections not closed yet */
	size_t nopen, capopen;
	size_t line_pos; /* lines are counted up to this offset */
	unsigned line;
	char *errbuf;
	size_t errlen;
};

static tr_err compiler_fail(struct tmpl_compiler *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static tr_err
compiler_fail(struct tmpl_compiler *c, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->errlen == 0)
		return TR_INVALID;
	n = snprintf(c->errbuf, c->errlen, "%s:%u: ", c->name, line);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->errbuf + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return TR_INVALID;
}

/* Line of offset POS; offsets asked for never go backwards. */
static unsigned
compiler_line_at(struct tmpl_compiler *c, size_t pos)
{
	for (; c->line_pos < pos; c->line_pos++)
		if (c->src[c->line_pos] == '\n')
			c->line++;
	return c->line;
}

static struct tmpl_op *
compiler_push(struct tmpl_compiler *c, enum tmpl_op_kind kind, unsigned line)
{
	struct tmpl_op *op;

	if (c->nops == c->capops) {
		c->capops = c->capops ? c->capops * 2 : 32;
		c->ops = xrealloc(c->ops, c->capops * sizeof(*c->ops));
	}
	op = &c->ops[c->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->line = line;
	return op;
}

static tr_err
compiler_text(struct tmpl_compiler *c, size_t from, size_t to)
{
	struct tmpl_op *last = c->nops > c->text_barrier ? &c->ops[c->nops - 1] : NULL;
	size_t n = to - from;

	if (n == 0)
		return TR_OK;
	if (last == NULL || last->kind != TMPL_OP_TEXT) {
		last = compiler_push(c, TMPL_OP_TEXT, compiler_line_at(c, from));
		last->end = c->text.n;
	}
	last->u.text.n += n;
	if (buf_append(&c->text, c->src + from, n) != TR_OK)
		return compiler_fail(c, compiler_line_at(c, from), "template too large");
	return TR_OK;
}

static struct str
tmpl_trim(struct str s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r' || s.p[s.n - 1] == '\n'))
		s.n--;
	return s;
}

static bool
tmpl_name_valid(struct str name)
{
	for (size_t i = 0; i < name.n; i++) {
		unsigned char ch = (unsigned char)name.p[i];
		if (ch <= ' ' || ch == 0x7f || ch == '{' || ch == '}')
			return false;
	}
	return name.n > 0;
}

/* Reads the tag starting at the "{{" at offset OPEN. */
static tr_err
compiler_tag(struct tmpl_compiler *c, size_t open, struct tmpl_tag *tag)
{
	size_t p = open + 2;
	bool triple = p < c->len && c->src[p] == '{';
	const char *close;
	struct str body;

	if (triple)
		p++;
	close = memmem(c->src + p, c->len - p, triple ? "}}}" : "}}", triple ? 3 : 2);
	if (close == NULL)
		return compiler_fail(c, compiler_line_at(c, open), "tag not closed");
	tag->start = open;
	tag->end = (size_t)(close - c->src) + (triple ? 3 : 2);
	body = tmpl_trim((struct str){ c->src + p, (size_t)(close - c->src) - p });
	tag->sigil = triple ? '&' : 0;
	if (!triple && body.n > 0 && body.p[0] != '\0' && strchr("#^/>!&=", body.p[0]) != NULL) {
		tag->sigil = body.p[0];
		body = tmpl_trim((struct str){ body.p + 1, body.n - 1 });
	}
	tag->name = body;
	tag->filter = (struct str){ NULL, 0 };
	if (tag->sigil == '!')
		return TR_OK;
	if (tag->sigil == 0 || tag->sigil == '&') {
		const char *bar = memchr(body.p, '|', body.n);
		if (bar != NULL) {
			tag->name = tmpl_trim((struct str){ body.p, (size_t)(bar - body.p) });
			tag->filter = tmpl_trim((struct str){ bar + 1, body.n - (size_t)(bar - body.p) - 1 });
			body = tag->name;
			if (tag->filter.n == 0)
				return compiler_fail(
				    c, compiler_line_at(c, open), "empty filter after '%.*s'", TMPL_QUOTE(body));
		}
	}
	if (tag->sigil == '=')
		return compiler_fail(c, compiler_line_at(c, open), "delimiter changes are not supported");
	if (body.n == 0)
		return compiler_fail(c, compiler_line_at(c, open), "empty tag name");
	if (!tmpl_name_valid(body))
		return compiler_fail(c, compiler_line_at(c, open), "invalid name '%.*s'", TMPL_QUOTE(body));
	return TR_OK;
}

/* When TAG is alone on its line, sets *FROM and *TO to the whole line, its newline included. */
static bool
compiler_standalone(const struct tmpl_compiler *c, const struct tmpl_tag *tag, size_t *from, size_t *to)
{
	size_t a = tag->start, b = tag->end;

	switch (tag->sigil) {
	case '#':
	case '^':
	case '/':
	case '>':
	case '!': break;
	default: return false;
	}
	while (a > 0 && (c->src[a - 1] == ' ' || c->src[a - 1] == '\t'))
		a--;
	if (a > 0 && c->src[a - 1] != '\n')
		return false;
	while (b < c->len && (c->src[b] == ' ' || c->src[b] == '\t'))
		b++;
	if (b < c->len && c->src[b] == '\n')
		b++;
	else if (b + 1 < c->len && c->src[b] == '\r' && c->src[b + 1] == '\n')
		b += 2;
	else if (b < c->len)
		return false;
	*from = a;
	*to = b;
	return true;
}

static tr_err
compiler_path(struct tmpl_compiler *c, struct tmpl_op *op, struct str name)
{
	size_t i, start, n = 1;

	if (str_eq(name, STR(".")))
		return TR_OK;
	if (name.p[0] == '@') {
		for (i = 0; i < sizeof(tmpl_specials) / sizeof(tmpl_specials[0]); i++) {
			if (str_eq_c(name, tmpl_specials[i].name)) {
				op->special = tmpl_specials[i].special;
				return TR_OK;
			}
		}
		return compiler_fail(c, op->line, "unknown name '%.*s'", TMPL_QUOTE(name));
	}
	for (i = 0; i < name.n; i++)
		n += name.p[i] == '.';
	op->u.path.segs = arena_alloc(c->arena, n * sizeof(char *));
	for (i = start = 0; i <= name.n; i++) {
		if (i < name.n && name.p[i] != '.')
			continue;
		if (i == start)
			return compiler_fail(c, op->line, "empty part in name '%.*s'", TMPL_QUOTE(name));
		op->u.path.segs[op->u.path.n++] = arena_strndup(c->arena, name.p + start, i - start);
		start = i + 1;
	}
	return TR_OK;
}

/* Reads FILTER ("name" or "name:arg:arg") into OP. */
static tr_err
compiler_filter(struct tmpl_compiler *c, struct tmpl_op *op, struct str filter)
{
	struct str part[3];
	size_t nparts = 0, i, start = 0;

	for (i = 0; i <= filter.n; i++) {
		if (i < filter.n && filter.p[i] != ':')
			continue;
		if (nparts == 3)
			return compiler_fail(c, op->line, "too many arguments in filter '%.*s'", TMPL_QUOTE(filter));
		part[nparts++] = (struct str){ filter.p + start, i - start };
		start = i + 1;
	}
	part[0] = tmpl_trim(part[0]);
	for (i = 0; i < sizeof(tmpl_filters) / sizeof(tmpl_filters[0]); i++)
		if (str_eq_c(part[0], tmpl_filters[i].name))
			break;
	if (i == sizeof(tmpl_filters) / sizeof(tmpl_filters[0]))
		return compiler_fail(c, op->line, "unknown filter '%.*s'", TMPL_QUOTE(part[0]));
	if (nparts - 1 != tmpl_filters[i].nargs)
		return compiler_fail(
		    c, op->line, "filter '%s' takes %u arguments", tmpl_filters[i].name, tmpl_filters[i].nargs);
	op->filter = tmpl_filters[i].filter;
	for (size_t k = 1; k < nparts; k++)
		op->args[k - 1] = arena_strndup(c->arena, part[k].p, part[k].n);
	return TR_OK;
}

static tr_err
compiler_close(struct tmpl_compiler *c, const struct tmpl_tag *tag, unsigned line)
{
	struct tmpl_op *sec;

	if (c->nopen == 0)
		return compiler_fail(c, line, "'/%.*s' closes no section", TMPL_QUOTE(tag->name));
	sec = &c->ops[c->open[--c->nopen]];
	if (!str_eq(sec->name, tag->name))
		return compiler_fail(c, line, "section '%.*s' (line %u) closed by '/%.*s'", TMPL_QUOTE(sec->name),
		    sec->line, TMPL_QUOTE(tag->name));
	sec->end = c->nops;
	c->text_barrier = c->nops;
	return TR_OK;
}

/* Turns TAG into an op, or opens or closes a section. */
static tr_err
compiler_op(struct tmpl_compiler *c, const struct tmpl_tag *tag)
{
	unsigned line = compiler_line_at(c, tag->start);
	struct tmpl_op *op;

	switch (tag->sigil) {
	case '!': return TR_OK;
	case '/': return compiler_close(c, tag, line);
	case '>':
		op = compiler_push(c, TMPL_OP_PARTIAL, line);
		op->name = (struct str){ arena_str(c->arena, tag->name), tag->name.n };
		return TR_OK;
	case '#':
	case '^':
		if (c->nopen == c->capopen) {
			c->capopen = c->capopen ? c->capopen * 2 : 16;
			c->open = xrealloc(c->open, c->capopen * sizeof(*c->open));
		}
		c->open[c->nopen++] = c->nops;
		op = compiler_push(c, tag->sigil == '#' ? TMPL_OP_SECTION : TMPL_OP_INVERTED, line);
		op->name = (struct str){ arena_str(c->arena, tag->name), tag->name.n };
		return compiler_path(c, op, tag->name);
	default:
		op = compiler_push(c, tag->sigil == '&' ? TMPL_OP_RAW : TMPL_OP_VAR, line);
		if (tag->filter.n > 0) {
			tr_err err = compiler_filter(c, op, tag->filter);
			if (err != TR_OK)
				return err;
		}
		return compiler_path(c, op, tag->name);
	}
}

static tr_err
compiler_run(struct tmpl_compiler *c)
{
	struct tmpl_tag tag = { 0 };
	size_t pos = 0, text_end, next;
	const char *open;
	tr_err err;

	while ((open = memmem(c->src + pos, c->len - pos, "{{", 2)) != NULL) {
		if ((err = compiler_tag(c, (size_t)(open - c->src), &tag)) != TR_OK)
			return err;
		text_end = tag.start;
		next = tag.end;
		compiler_standalone(c, &tag, &text_end, &next);
		if ((err = compiler_text(c, pos, text_end)) != TR_OK)
			return err;
		if ((err = compiler_op(c, &tag)) != TR_OK)
			return err;
		pos = next;
	}
	if ((err = compiler_text(c, pos, c->len)) != TR_OK)
		return err;
	if (c->nopen > 0) {
		const struct tmpl_op *sec = &c->ops[c->open[c->nopen - 1]];
		return compiler_fail(c, sec->line, "section '%.*s' not closed", TMPL_QUOTE(sec->name));
	}
	return TR_OK;
}

/* Compiles FILE into T, everything kept in ARENA. */
static tr_err
tmpl_compile(struct arena *arena, const struct embedded_file *file, struct tmpl *t, char *errbuf, size_t errlen)
{
	struct tmpl_compiler c = {
		.arena = arena,
		.name = file->name,
		.src = file->data ? file->data : "",
		.len = file->data ? file->size : 0,
		.text = BUF_INIT(0),
		.line = 1,
		.errbuf = errbuf,
		.errlen = errlen,
	};
	const char *text;
	tr_err err;

	if ((err = compiler_run(&c)) != TR_OK)
		goto out;
	text = arena_strndup(arena, c.text.p ? c.text.p : "", c.text.n);
	t->name = arena_strdup(arena, file->name);
	t->nops = c.nops;
	t->ops = arena_alloc(arena, c.nops * sizeof(*t->ops));
	for (size_t i = 0; i < c.nops; i++) {
		t->ops[i] = c.ops[i];
		if (t->ops[i].kind == TMPL_OP_TEXT)
			t->ops[i].u.text.p = text + t->ops[i].end;
	}
out:
	free(c.ops);
	free(c.open);
	buf_free(&c.text);
	return err;
}

static int
tmpl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name, ((const struct tmpl *)b)->name);
}

static int
tmpl_cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tmpl *)elem)->name);
}

static const struct tmpl *
tmpl_find(const struct tmpl_set *set, const char *name)
{
	if (set == NULL || name == NULL || set->n == 0)
		return NULL;
	return bsearch(name, set->tmpls, set->n, sizeof(*set->tmpls), tmpl_cmp_key);
}

static void
tmpl_set_error(char *errbuf, size_t errlen, const char *name, unsigned line, const char *what, const char *arg)
{
	if (errlen > 0)
		snprintf(errbuf, errlen, "%s:%u: %s '%.*s'", name, line, what, TMPL_QUOTE_MAX, arg);
}

/* Points every partial op at its template; names of the set are sorted and unique by now. */
static tr_err
tmpl_link(struct tmpl_set *set, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++) {
		struct tmpl *t = &set->tmpls[i];
		for (size_t k = 0; k < t->nops; k++) {
			struct tmpl_op *op = &t->ops[k];
			if (op->kind != TMPL_OP_PARTIAL)
				continue;
			op->u.partial = tmpl_find(set, op->name.p);
			if (op->u.partial == NULL) {
				tmpl_set_error(errbuf, errlen, t->name, op->line, "unknown partial", op->name.p);
				return TR_INVALID;
			}
		}
	}
	return TR_OK;
}

tr_err
tmpl_set_load(const struct embedded_file *files, struct tmpl_set **out, char *errbuf, size_t errlen)
{
	struct tmpl_set *set = xcalloc(1, sizeof(*set));
	size_t n = 0;
	tr_err err = TR_OK;

	if (errlen > 0)
		errbuf[0] = '\0';
	while (files[n].name != NULL)
		n++;
	set->arena = arena_new();
	set->tmpls = arena_alloc(set->arena, (n ? n : 1) * sizeof(*set->tmpls));
	for (set->n = 0; set->n < n; set->n++) {
		if ((err = tmpl_compile(set->arena, &files[set->n], &set->tmpls[set->n], errbuf, errlen)) != TR_OK)
			goto out;
	}
	if (n > 0)
		qsort(set->tmpls, n, sizeof(*set->tmpls), tmpl_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(set->tmpls[i - 1].name, set->tmpls[i].name) == 0) {
			tmpl_set_error(errbuf, errlen, set->tmpls[i].name, 1, "duplicate template", set->tmpls[i].name);
			err = TR_INVALID;
			goto out;
		}
	}
	err = tmpl_link(set, errbuf, errlen);
out:
	if (err != TR_OK) {
		tmpl_set_free(set);
		set = NULL;
	}
	*out = set;
	return err;
}

void
tmpl_set_free(struct tmpl_set *set)
{
	if (set == NULL)
		return;
	arena_free(set->arena);
	free(set);
}

bool
tmpl_exists(const struct tmpl_set *set, const char *name)
{
	return tmpl_find(set, name) != NULL;
}

/* ---- rendering ---- */

struct tmpl_frame {
	json_t *value;
	size_t index, count; /* position in the array being iterated, when ITEM */
	bool item;
};

struct tmpl_render {
	struct buf *out;
	struct tmpl_frame stack[TMPL_MAX_DEPTH + 1]; /* at most one frame per level, plus the data */
	size_t nframes;
	unsigned depth;
	size_t steps;
	const char *slot; /* tmpl_render_slot's variable, or NULL */
	struct str slot_text;
};

static tr_err render_ops(struct tmpl_render *r, const struct tmpl_op *ops, size_t begin, size_t end);

/* The entity of each byte that HTML escaping replaces, NULL for the others. */
static const char *const tmpl_entities[256] = {
	['&'] = "&amp;",
	['<'] = "&lt;",
	['>'] = "&gt;",
	['"'] = "&quot;",
	['\''] = "&#39;",
};

tr_err
tmpl_escape(struct buf *out, const char *s, size_t n)
{
	size_t run = 0;
	const char *rep;
	tr_err err;

	if (s == NULL)
		s = "";
	for (size_t i = 0; i < n; i++) {
		if ((rep = tmpl_entities[(unsigned char)s[i]]) == NULL)
			continue;
		if ((err = buf_append(out, s + run, i - run)) != TR_OK || (err = buf_puts(out, rep)) != TR_OK)
			return err;
		run = i + 1;
	}
	return buf_append(out, s + run, n - run);
}

/* Shortest of %.15g, %.16g, %.17g that reads back as D: 2.5 is "2.5", 0.1 is "0.1". */
static tr_err
render_real(struct buf *out, double d)
{
	char tmp[40];
	char *comma;

	for (int prec = 15;; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (prec == 17 || strtod(tmp, NULL) == d)
			break;
	}
	if ((comma = strchr(tmp, ',')) != NULL) /* a locale with a decimal comma */
		*comma = '.';
	return buf_puts(out, tmp);
}

static tr_err
render_value(struct buf *out, const json_t *v, bool escape)
{
	char tmp[32];

	if (v == NULL)
		return TR_OK;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			return tmpl_escape(out, json_string_value(v), json_string_length(v));
		return buf_append(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf_puts(out, tmp);
	case JSON_REAL: return render_real(out, json_real_value(v));
	case JSON_TRUE: return buf_append(out, "true", 4);
	default: return TR_OK;
	}
}

/* The integer V holds (an integer, or a string of one); false otherwise. */
static bool
render_int(const json_t *v, long long *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (json_is_string(v))
		return str_to_i64((struct str){ json_string_value(v), json_string_length(v) }, out);
	return false;
}

/* Renders V through OP's filter; a value the filter does not apply to is rendered as it is. */
static tr_err
render_filtered(struct buf *out, const struct tmpl_op *op, const json_t *v, bool escape)
{
	char tmp[80];
	long long n;
	const char *text = NULL;

	switch (op->filter) {
	case TMPL_FILTER_DATE:
	case TMPL_FILTER_DATETIME:
		if (json_is_integer(v)) {
			time_fr_write(json_integer_value(v), op->filter == TMPL_FILTER_DATETIME, tmp, sizeof(tmp));
			text = tmp;
		} else if (json_is_string(v) &&
		           fr_date_write(json_string_value(v), json_string_length(v), tmp, sizeof(tmp))) {
			text = tmp;
		}
		break;
	case TMPL_FILTER_PLURAL:
	case TMPL_FILTER_AGREE:
		if (!render_int(v, &n))
			break;
		if (op->filter == TMPL_FILTER_AGREE) {
			text = fr_plural(n, op->args[0], op->args[1]);
		} else {
			tr_err err = buf_printf(out, "%lld ", n);
			if (err != TR_OK)
				return err;
			text = fr_plural(n, op->args[0], op->args[1]);
		}
		break;
	case TMPL_FILTER_PHONE:
		if (json_is_string(v) && fr_phone_display_write(json_string_value(v), tmp, sizeof(tmp)))
			text = tmp;
		break;
	default: break;
	}
	if (text == NULL)
		return render_value(out, v, escape);
	return escape ? tmpl_escape(out, text, strlen(text)) : buf_puts(out, text);
}

static bool
render_truthy(const json_t *v)
{
	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT: return true;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	case JSON_TRUE: return true;
	default: return false;
	}
}

/* The first segment through the stack, innermost first, then the others inside it; NULL if missing. */
static json_t *
render_lookup(const struct tmpl_render *r, const struct tmpl_path *path)
{
	json_t *v = NULL;
	size_t i;

	if (path->n == 0)
		return r->stack[r->nframes - 1].value;
	for (i = r->nframes; i-- > 0 && v == NULL;)
		v = json_object_get(r->stack[i].value, path->segs[0]);
	for (i = 1; i < path->n && v != NULL; i++)
		v = json_object_get(v, path->segs[i]);
	return v;
}

/* The innermost array element being rendered, or NULL outside array sections. */
static const struct tmpl_frame *
render_item(const struct tmpl_render *r)
{
	for (size_t i = r->nframes; i-- > 0;)
		if (r->stack[i].item)
			return &r->stack[i];
	return NULL;
}

static bool
render_special_truthy(const struct tmpl_render *r, enum tmpl_special special)
{
	const struct tmpl_frame *item = render_item(r);

	if (item == NULL)
		return false;
	switch (special) {
	case TMPL_SPECIAL_INDEX: return item->index != 0;
	case TMPL_SPECIAL_NUMBER: return true;
	case TMPL_SPECIAL_FIRST: return item->index == 0;
	case TMPL_SPECIAL_LAST: return item->index + 1 == item->count;
	default: return false;
	}
}

static tr_err
render_special(struct tmpl_render *r, enum tmpl_special special)
{
	const struct tmpl_frame *item = render_item(r);
	char tmp[32];

	if (item == NULL)
		return TR_OK;
	if (special == TMPL_SPECIAL_INDEX || special == TMPL_SPECIAL_NUMBER) {
		snprintf(tmp, sizeof(tmp), "%zu", item->index + (special == TMPL_SPECIAL_NUMBER));
		return buf_puts(r->out, tmp);
	}
	return render_special_truthy(r, special) ? buf_append(r->out, "true", 4) : TR_OK;
}

static bool
render_cond(const struct tmpl_render *r, const struct tmpl_op *op, json_t **value)
{
	if (op->special != TMPL_SPECIAL_NONE) {
		*value = NULL;
		return render_special_truthy(r, op->special);
	}
	*value = render_lookup(r, &op->u.path);
	return render_truthy(*value);
}

/* Renders the body of the section at OPS[I] one level deeper, with FRAME pushed when not NULL. */
static tr_err
render_body(struct tmpl_render *r, const struct tmpl_op *ops, size_t i, const struct tmpl_frame *frame)
{
	tr_err err;

	if (r->depth >= TMPL_MAX_DEPTH)
		return TR_INVALID;
	r->depth++;
	if (frame != NULL)
		r->stack[r->nframes++] = *frame;
	err = render_ops(r, ops, i + 1, ops[i].end);
	if (frame != NULL)
		r->nframes--;
	r->depth--;
	return err;
}

static tr_err
render_section(struct tmpl_render *r, const struct tmpl_op *ops, size_t i)
{
	struct tmpl_frame frame = { 0 };
	json_t *v;
	tr_err err;

	if (!render_cond(r, &ops[i], &v))
		return TR_OK;
	if (json_is_array(v)) {
		frame.item = true;
		frame.count = json_array_size(v);
		for (frame.index = 0; frame.index < frame.count; frame.index++) {
			if (++r->steps > TMPL_MAX_STEPS)
				return TR_INVALID;
			frame.value = json_array_get(v, frame.index);
			if ((err = render_body(r, ops, i, &frame)) != TR_OK)
				return err;
		}
		return TR_OK;
	}
	if (json_is_object(v)) {
		frame.value = v;
		return render_body(r, ops, i, &frame);
	}
	return render_body(r, ops, i, NULL);
}

static tr_err
render_partial(struct tmpl_render *r, const struct tmpl *t)
{
	tr_err err;

	if (r->depth >= TMPL_MAX_DEPTH)
		return TR_INVALID;
	r->depth++;
	err = render_ops(r, t->ops, 0, t->nops);
	r->depth--;
	return err;
}

static tr_err
render_ops(struct tmpl_render *r, const struct tmpl_op *ops, size_t begin, size_t end)
{
	const struct tmpl_op *op;
	json_t *v;
	tr_err err;

	for (size_t i = begin; i < end;) {
		op = &ops[i];
		if (++r->steps > TMPL_MAX_STEPS)
			return TR_INVALID;
		switch (op->kind) {
		case TMPL_OP_TEXT:
			err = buf_append(r->out, op->u.text.p, op->u.text.n);
			i++;
			break;
		case TMPL_OP_VAR:
		case TMPL_OP_RAW:
			if (op->special != TMPL_SPECIAL_NONE)
				err = render_special(r, op->special);
			else if (r->slot != NULL && op->u.path.n == 1 && strcmp(op->u.path.segs[0], r->slot) == 0)
				err = op->kind == TMPL_OP_VAR ? tmpl_escape(r->out, r->slot_text.p, r->slot_text.n)
				                              : buf_append(r->out, r->slot_text.p, r->slot_text.n);
			else if (op->filter != TMPL_FILTER_NONE)
				err =
				    render_filtered(r->out, op, render_lookup(r, &op->u.path), op->kind == TMPL_OP_VAR);
			else
				err = render_value(r->out, render_lookup(r, &op->u.path), op->kind == TMPL_OP_VAR);
			i++;
			break;
		case TMPL_OP_SECTION:
			err = render_section(r, ops, i);
			i = op->end;
			break;
		case TMPL_OP_INVERTED:
			err = render_cond(r, op, &v) ? TR_OK : render_body(r, ops, i, NULL);
			i = op->end;
			break;
		case TMPL_OP_PARTIAL:
			err = render_partial(r, op->u.partial);
			i++;
			break;
		default: err = TR_INTERNAL; break;
		}
		if (err != TR_OK)
			return err;
	}
	return TR_OK;
}

tr_err
tmpl_render_slot(const struct tmpl_set *set, const char *name, json_t *data, const char *slot, const char *text,
    size_t n, struct buf *out)
{
	const struct tmpl *t = tmpl_find(set, name);
	struct tmpl_render r;

	if (t == NULL)
		return TR_NOT_FOUND;
	r.out = out;
	r.stack[0] = (struct tmpl_frame){ .value = data };
	r.nframes = 1;
	r.depth = 0;
	r.steps = 0;
	r.slot = slot;
	r.slot_text = (struct str){ text ? text : "", text ? n : 0 };
	return render_ops(&r, t->ops, 0, t->nops);
}

tr_err
tmpl_render(const struct tmpl_set *set, const char *name, json_t *data, struct buf *out)
{
	return tmpl_render_slot(set, name, data, NULL, NULL, 0, out);
}
