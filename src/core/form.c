/* Query strings, urlencoded and multipart bodies, Cookie headers: capped, validated parsers that
 * read only inside the bytes they are given and allocate only in the arena. */
#include "core/form.h"

#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"

/* One parameter of a header value: `; name=token` or `; name="quoted \"string\""`. */
struct form_param {
	struct str name;
	struct str value; /* raw: escapes still in when quoted */
	bool quoted;
};

static size_t
form_cap(size_t max_fields)
{
	return max_fields == 0 ? FORM_MAX_FIELDS : max_fields;
}

/* Cuts the next piece up to SEP off *REST; false once REST is used up. "a&" gives "a" then "". */
static bool
form_split(struct str *rest, char sep, struct str *piece)
{
	const char *end;

	if (rest->p == NULL)
		return false;
	end = memchr(rest->p, sep, rest->n);
	if (end == NULL) {
		*piece = *rest;
		*rest = STR_NULL;
		return true;
	}
	piece->p = rest->p;
	piece->n = (size_t)(end - rest->p);
	rest->n -= piece->n + 1;
	rest->p = end + 1;
	return true;
}

/* Splits S at the first C into *LEFT and *RIGHT (STR_NULL when there is no C); false without C. */
static bool
form_cut(struct str s, char c, struct str *left, struct str *right)
{
	const char *at = s.n > 0 ? memchr(s.p, c, s.n) : NULL;

	if (at == NULL) {
		*left = s;
		*right = STR_NULL;
		return false;
	}
	left->p = s.p;
	left->n = (size_t)(at - s.p);
	right->p = at + 1;
	right->n = s.n - left->n - 1;
	return true;
}

static int
form_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* True when every byte of S is an ASCII letter, a digit or one of EXTRA. */
static bool
form_all_in(struct str s, const char *extra)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
		if (!alnum && (c == '\0' || strchr(extra, c) == NULL))
			return false;
	}
	return true;
}

/* An HTTP token (RFC 9110 tchar), non-empty. */
static bool
form_is_token(struct str s)
{
	return s.n > 0 && form_all_in(s, "!#$%&'*+-.^_`|~");
}

char *
url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = arena_alloc(a, n * 3 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-_.~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

tr_err
url_decode(struct arena *a, struct str in, bool plus_space, struct str *out)
{
	char *p = arena_alloc(a, in.n + 1);
	size_t o = 0;

	for (size_t i = 0; i < in.n; i++) {
		unsigned char c = (unsigned char)in.p[i];
		if (c == '%') {
			int hi, lo;
			if (in.n - i < 3 || (hi = form_hex((unsigned char)in.p[i + 1])) < 0 ||
			    (lo = form_hex((unsigned char)in.p[i + 2])) < 0)
				return TR_INVALID;
			c = (unsigned char)((hi << 4) | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == '\0')
			return TR_INVALID;
		p[o++] = (char)c;
	}
	p[o] = '\0';
	*out = (struct str){ p, o };
	return TR_OK;
}

/* Decodes one "name=value" piece into *F; TR_INVALID on a bad escape or text that is not UTF-8. */
static tr_err
form_urlencoded_pair(struct arena *a, struct str piece, struct form_field *f)
{
	struct str name, value;
	tr_err err;

	form_cut(piece, '=', &name, &value);
	memset(f, 0, sizeof(*f));
	if ((err = url_decode(a, name, true, &f->name)) != TR_OK)
		return err;
	if ((err = url_decode(a, value, true, &f->value)) != TR_OK)
		return err;
	if (!utf8_valid(f->name.p, f->name.n) || !utf8_valid(f->value.p, f->value.n))
		return TR_INVALID;
	return TR_OK;
}

tr_err
form_parse_urlencoded(struct arena *a, struct str body, size_t max_fields, struct form *out)
{
	struct form f = { NULL, 0 };
	struct str rest = body, piece;
	size_t count = 0;
	tr_err err;

	*out = f;
	max_fields = form_cap(max_fields);
	while (form_split(&rest, '&', &piece))
		if (piece.n > 0 && ++count > max_fields)
			return TR_TOO_LARGE;
	if (count == 0)
		return TR_OK;
	f.items = arena_alloc(a, count * sizeof(*f.items));
	rest = body;
	while (form_split(&rest, '&', &piece)) {
		if (piece.n == 0)
			continue;
		if ((err = form_urlencoded_pair(a, piece, &f.items[f.n])) != TR_OK)
			return err;
		f.n++;
	}
	*out = f;
	return TR_OK;
}

/* Reads the next parameter from *REST, the ';'-separated parameters of a header value.
 * Returns 1 with *P filled, 0 at the end, -1 when malformed (no '=', bad name, open quote). */
static int
form_param_next(struct str *rest, struct form_param *p)
{
	struct str s = *rest;
	size_t i = 0;

	while (i < s.n && (s.p[i] == ';' || s.p[i] == ' ' || s.p[i] == '\t'))
		i++;
	if (i == s.n)
		return 0;
	s.p += i;
	s.n -= i;
	for (i = 0; i < s.n && s.p[i] != '=' && s.p[i] != ';'; i++)
		;
	p->name = str_trim((struct str){ s.p, i });
	if (i == s.n || s.p[i] != '=' || !form_is_token(p->name))
		return -1;
	s.p += i + 1;
	s.n -= i + 1;
	s = str_trim(s);
	p->quoted = s.n > 0 && s.p[0] == '"';
	if (p->quoted) {
		for (i = 1; i < s.n && s.p[i] != '"'; i++)
			if (s.p[i] == '\\')
				i++;
		if (i >= s.n)
			return -1;
		p->value = (struct str){ s.p + 1, i - 1 };
		s.p += i + 1;
		s.n -= i + 1;
		s = str_trim(s);
		if (s.n > 0 && s.p[0] != ';')
			return -1;
	} else {
		for (i = 0; i < s.n && s.p[i] != ';'; i++)
			;
		p->value = str_trim((struct str){ s.p, i });
		s.p += i;
		s.n -= i;
	}
	*rest = s;
	return 1;
}

/* The value of P with its quoted-pair escapes removed; copied into the arena only when it has any. */
static struct str
form_param_value(struct arena *a, const struct form_param *p)
{
	char *q;
	size_t o = 0;

	if (!p->quoted || p->value.n == 0 || memchr(p->value.p, '\\', p->value.n) == NULL)
		return p->value;
	q = arena_alloc(a, p->value.n + 1);
	for (size_t i = 0; i < p->value.n; i++) {
		if (p->value.p[i] == '\\' && i + 1 < p->value.n)
			i++;
		q[o++] = p->value.p[i];
	}
	return (struct str){ q, o };
}

/* Splits a header value "type; params" into its type (trimmed) and what follows the ';'. */
static void
form_header_type(struct str v, struct str *type, struct str *params)
{
	form_cut(v, ';', type, params);
	*type = str_trim(*type);
}

/* An RFC 2046 boundary: 1 to 70 of bchars, not ending with a space. */
static bool
form_boundary_ok(struct str b)
{
	return b.n > 0 && b.n <= 70 && b.p[b.n - 1] != ' ' && form_all_in(b, "'()+_,-./:=? ");
}

/* The delimiter "--boundary" of a multipart/form-data content type, in the arena; TR_INVALID on
 * another type, a missing, repeated or malformed boundary. */
static tr_err
form_delimiter(struct arena *a, struct str content_type, struct str *delim)
{
	struct str type, rest, boundary = STR_NULL;
	struct form_param p;
	bool found = false;
	char *d;
	int r;

	form_header_type(content_type, &type, &rest);
	if (!str_eq_nocase(type, STR("multipart/form-data")))
		return TR_INVALID;
	while ((r = form_param_next(&rest, &p)) > 0) {
		if (!str_eq_nocase(p.name, STR("boundary")))
			continue;
		if (found)
			return TR_INVALID;
		found = true;
		boundary = form_param_value(a, &p);
	}
	if (r < 0 || !found || !form_boundary_ok(boundary))
		return TR_INVALID;
	d = arena_alloc(a, boundary.n + 3);
	memcpy(d, "--", 2);
	memcpy(d + 2, boundary.p, boundary.n);
	*delim = (struct str){ d, boundary.n + 2 };
	return TR_OK;
}

/* Finds the next delimiter line in BODY: DELIM at the start of the body or right after a '\n' that
 * is at or after FROM, followed by "--" (the close) or by optional spaces and a line end. Sets *AT
 * to where DELIM starts, *NEXT past its line (or past the "--"), *CLOSE. False when there is none. */
static bool
form_find_delimiter(struct str body, struct str delim, size_t from, size_t *at, size_t *next, bool *close)
{
	size_t pos = from;
	const char *hit;

	while (pos < body.n && (hit = memmem(body.p + pos, body.n - pos, delim.p, delim.n)) != NULL) {
		size_t h = (size_t)(hit - body.p), e = h + delim.n;
		pos = h + 1;
		if (h != 0 && (h - 1 < from || body.p[h - 1] != '\n'))
			continue;
		if (body.n - e >= 2 && body.p[e] == '-' && body.p[e + 1] == '-') {
			*at = h;
			*next = e + 2;
			*close = true;
			return true;
		}
		while (e < body.n && (body.p[e] == ' ' || body.p[e] == '\t'))
			e++;
		if (e < body.n && body.p[e] == '\r')
			e++;
		if (e < body.n && body.p[e] == '\n') {
			*at = h;
			*next = e + 1;
			*close = false;
			return true;
		}
	}
	return false;
}

/* Reads the Content-Disposition value V of a part into F. */
static tr_err
form_part_disposition(struct arena *a, struct str v, struct form_field *f)
{
	struct str type, rest;
	struct form_param p;
	bool have_name = false;
	int r;

	form_header_type(v, &type, &rest);
	if (!str_eq_nocase(type, STR("form-data")))
		return TR_INVALID;
	while ((r = form_param_next(&rest, &p)) > 0) {
		if (str_eq_nocase(p.name, STR("name"))) {
			if (have_name)
				return TR_INVALID;
			have_name = true;
			f->name = form_param_value(a, &p);
		} else if (str_eq_nocase(p.name, STR("filename"))) {
			if (f->is_file)
				return TR_INVALID;
			f->is_file = true;
			f->filename = form_param_value(a, &p);
		}
	}
	/* name="" names nothing: a part without a name (browsers never send one). */
	if (r < 0 || !have_name || f->name.n == 0 || !utf8_valid(f->name.p, f->name.n) ||
	    !utf8_valid(f->filename.p, f->filename.n))
		return TR_INVALID;
	return TR_OK;
}

/* Reads one header LINE of a part into F; HAVE_CD and HAVE_CT catch repeated headers. */
static tr_err
form_part_header(struct arena *a, struct str line, struct form_field *f, bool *have_cd, bool *have_ct)
{
	struct str name, value;

	if (!form_cut(line, ':', &name, &value) || !form_is_token(name))
		return TR_INVALID;
	value = str_trim(value);
	if (str_eq_nocase(name, STR("Content-Disposition"))) {
		if (*have_cd)
			return TR_INVALID;
		*have_cd = true;
		return form_part_disposition(a, value, f);
	}
	if (str_eq_nocase(name, STR("Content-Type"))) {
		if (*have_ct || !utf8_valid(value.p, value.n))
			return TR_INVALID;
		*have_ct = true;
		f->content_type = value;
	}
	return TR_OK;
}

/* Reads one part, its headers, an empty line, then its bytes, into F. */
static tr_err
form_part(struct arena *a, struct str part, struct form_field *f)
{
	struct str rest = part, line;
	bool have_cd = false, have_ct = false;
	tr_err err;

	memset(f, 0, sizeof(*f));
	for (;;) {
		size_t scan = rest.n < FORM_MAX_HEADER_LINE + 2 ? rest.n : FORM_MAX_HEADER_LINE + 2;
		const char *nl = memchr(rest.p, '\n', scan);
		if (nl == NULL)
			return TR_INVALID; /* line too long, or no empty line before the bytes */
		line = (struct str){ rest.p, (size_t)(nl - rest.p) };
		rest.n -= line.n + 1;
		rest.p = nl + 1;
		if (line.n > 0 && line.p[line.n - 1] == '\r')
			line.n--;
		if (line.n > FORM_MAX_HEADER_LINE)
			return TR_INVALID;
		if (line.n == 0)
			break;
		if ((err = form_part_header(a, line, f, &have_cd, &have_ct)) != TR_OK)
			return err;
	}
	if (!have_cd)
		return TR_INVALID;
	f->value = rest;
	if (!f->is_file && !utf8_valid(f->value.p, f->value.n))
		return TR_INVALID;
	return TR_OK;
}

/* Makes room for one more field in F, whose array holds *CAP, never beyond MAX. */
static void
form_grow(struct arena *a, struct form *f, size_t *cap, size_t max)
{
	struct form_field *items;
	size_t n;

	if (f->n < *cap)
		return;
	n = *cap == 0 ? 8 : *cap * 2;
	if (n > max)
		n = max;
	items = arena_alloc(a, n * sizeof(*items));
	if (f->n > 0)
		memcpy(items, f->items, f->n * sizeof(*items));
	f->items = items;
	*cap = n;
}

tr_err
form_parse_multipart(struct arena *a, struct str body, struct str content_type, size_t max_fields, struct form *out)
{
	struct form f = { NULL, 0 };
	struct str delim;
	size_t at, start, next, end, cap = 0;
	bool close;
	tr_err err;

	*out = f;
	max_fields = form_cap(max_fields);
	if ((err = form_delimiter(a, content_type, &delim)) != TR_OK)
		return err;
	if (!form_find_delimiter(body, delim, 0, &at, &start, &close))
		return TR_INVALID;
	while (!close) {
		if (!form_find_delimiter(body, delim, start, &at, &next, &close))
			return TR_INVALID;
		if (f.n == max_fields)
			return TR_TOO_LARGE;
		form_grow(a, &f, &cap, max_fields);
		/* the line end before the delimiter belongs to it: at - 1 >= start holds that '\n' */
		end = at - 1;
		if (end > start && body.p[end - 1] == '\r')
			end--;
		err = form_part(a, (struct str){ body.p + start, end - start }, &f.items[f.n]);
		if (err != TR_OK)
			return err;
		f.n++;
		start = next;
	}
	*out = f;
	return TR_OK;
}

/* A cookie value: no control bytes, valid UTF-8. */
static bool
form_cookie_value_ok(struct str v)
{
	for (size_t i = 0; i < v.n; i++)
		if ((unsigned char)v.p[i] < 0x20 || v.p[i] == 0x7F)
			return false;
	return utf8_valid(v.p, v.n);
}

void
cookie_parse(struct arena *a, struct str header, struct form *out)
{
	struct form f = *out;
	struct str rest = header, piece, name, value;
	size_t count = out->n;

	while (form_split(&rest, ';', &piece) && count < FORM_MAX_FIELDS)
		if (memchr(piece.p, '=', piece.n) != NULL)
			count++;
	if (count == out->n)
		return;
	f.items = arena_alloc(a, count * sizeof(*f.items));
	if (out->n > 0)
		memcpy(f.items, out->items, out->n * sizeof(*f.items));
	rest = header;
	while (f.n < count && form_split(&rest, ';', &piece)) {
		if (!form_cut(piece, '=', &name, &value))
			continue;
		name = str_trim(name);
		value = str_trim(value);
		if (value.n >= 2 && value.p[0] == '"' && value.p[value.n - 1] == '"') {
			value.p++;
			value.n -= 2;
		}
		if (!form_is_token(name) || !form_cookie_value_ok(value))
			continue;
		f.items[f.n].name = name;
		f.items[f.n].value = value;
		f.n++;
	}
	*out = f;
}

struct str
form_get(const struct form *f, const char *name)
{
	struct str v = STR_NULL;

	return form_get_all(f, name, &v, 1) > 0 ? v : STR_NULL;
}

bool
form_has(const struct form *f, const char *name)
{
	for (size_t i = 0; f != NULL && i < f->n; i++)
		if (str_eq_c(f->items[i].name, name))
			return true;
	return false;
}

size_t
form_get_all(const struct form *f, const char *name, struct str *values, size_t max)
{
	size_t count = 0;

	for (size_t i = 0; f != NULL && i < f->n; i++) {
		if (f->items[i].is_file || !str_eq_c(f->items[i].name, name))
			continue;
		if (count < max)
			values[count] = f->items[i].value;
		count++;
	}
	return count;
}

const struct form_field *
form_file(const struct form *f, const char *name)
{
	for (size_t i = 0; f != NULL && i < f->n; i++)
		if (f->items[i].is_file && str_eq_c(f->items[i].name, name))
			return &f->items[i];
	return NULL;
}
