/* OpenStreetMap opening_hours: a recursive-descent parser over a cursor, an evaluation of one minute at a time
 * (a range past midnight is looked up from the previous day), the French text, and France's public holidays. */
#include "core/hours.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "core/time.h"
#include "core/utf8.h"

#define DAY_MINUTES 1440
#define MAX_END_MINUTES (2 * DAY_MINUTES) /* "48:00", the latest end the specification allows */
#define N_ELEMS(t) (sizeof(t) / sizeof((t)[0]))

enum rule_sep { SEP_NORMAL, SEP_ADDITIONAL, SEP_FALLBACK };
enum rule_mode { MODE_OPEN, MODE_CLOSED, MODE_UNKNOWN };

/* Months M1..M2, or month days (M1 D1)..(M2 D2); wraps over the year end when the start is after the end. */
struct date_range {
	uint8_t m1, d1, m2, d2; /* months 1-12; for whole months d1 = 1 and d2 = 31 */
	bool has_days;
};

/* ISO weeks FROM..TO every STEP weeks; wraps over the year end when FROM > TO (then STEP is 1). */
struct week_range {
	uint8_t from, to, step;
};

/* Weekdays FROM..TO (0 = Monday, wrapping: Sa-Mo), or the public holidays. */
struct weekday_item {
	bool ph;
	uint8_t from, to;
};

/* Minutes from the day's midnight; END may pass midnight (up to MAX_END_MINUTES); START < END. */
struct span {
	uint16_t start, end;
};

struct rule {
	enum rule_sep sep; /* how it joins the rule before it */
	enum rule_mode mode;
	bool has_modifier; /* "open", "off", ... was written */
	bool all_week;     /* 24/7 */
	struct date_range *dates;
	size_t n_dates, cap_dates;
	struct week_range *weeks;
	size_t n_weeks, cap_weeks;
	struct weekday_item *days; /* none: every day */
	size_t n_days, cap_days;
	uint8_t day_mask;   /* bit W set when weekday W is named */
	bool ph;            /* "PH" is named */
	struct span *spans; /* none: the whole day */
	size_t n_spans, cap_spans;
	const char *comment; /* NULL when none */
};

struct hours {
	struct rule *rules;
	size_t n, cap;
	bool has_ph;
};

static const char *const wd_names[7] = { "mo", "tu", "we", "th", "fr", "sa", "su" };
static const char *const month_names[12] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
	"nov", "dec" };
static const uint8_t month_max_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
static const char *const modifier_names[] = { "open", "closed", "off", "unknown" };
static const enum rule_mode modifier_modes[] = { MODE_OPEN, MODE_CLOSED, MODE_CLOSED, MODE_UNKNOWN };

/* Words of the full specification that this parser knows it does not support, and why. */
static const struct {
	const char *word;
	const char *why;
} unsupported_words[] = {
	{ "sh", "school holidays (SH) are not supported" },
	{ "easter", "easter is not supported" },
	{ "sunrise", "variable times are not supported" },
	{ "sunset", "variable times are not supported" },
	{ "dawn", "variable times are not supported" },
	{ "dusk", "variable times are not supported" },
};

/* ---- growable arrays in the arena ---- */

/* Returns ITEMS (N elements of SIZE bytes, capacity *CAP), moved to a larger block of A when full, so that one
 * more element fits. The old block stays in the arena until it is freed. */
static void *
grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
	void *p;

	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 4;
	p = arena_alloc(a, *cap * size);
	if (n > 0)
		memcpy(p, items, n * size);
	return p;
}

/* ---- the cursor ---- */

struct parser {
	struct arena *a;
	const char *s; /* the input, for the positions in messages */
	const char *p;
	const char *end;
	const char *why; /* the first error */
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
fail(struct parser *ps, const char *what)
{
	if (ps->why == NULL)
		ps->why = ps->p < ps->end ? arena_printf(ps->a, "%s at byte %zu", what, (size_t)(ps->p - ps->s) + 1)
		                          : arena_printf(ps->a, "%s at end", what);
	return false;
}

static void
skip_space(struct parser *ps)
{
	while (ps->p < ps->end && is_space(*ps->p))
		ps->p++;
}

/* The next byte after spaces, or -1 at the end. */
static int
peek(struct parser *ps)
{
	skip_space(ps);
	return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static bool
eat(struct parser *ps, char c)
{
	if (peek(ps) != (unsigned char)c)
		return false;
	ps->p++;
	return true;
}

/* The run of ASCII letters after spaces (possibly empty). */
static struct str
word_at(struct parser *ps)
{
	size_t k = 0;

	skip_space(ps);
	while (ps->p + k < ps->end && is_alpha(ps->p[k]))
		k++;
	return (struct str){ ps->p, k };
}

/* Index in TABLE (N lowercase words) of the whole word after spaces, any case, or -1. */
static int
peek_word(struct parser *ps, const char *const *table, size_t n)
{
	struct str w = word_at(ps);

	for (size_t i = 0; w.n > 0 && i < n; i++)
		if (str_eq_nocase(w, str_c(table[i])))
			return (int)i;
	return -1;
}

/* As peek_word, consuming the word when found. */
static int
eat_word(struct parser *ps, const char *const *table, size_t n)
{
	int i = peek_word(ps, table, n);

	if (i >= 0)
		ps->p += strlen(table[i]);
	return i;
}

static bool
eat_keyword(struct parser *ps, const char *word)
{
	return eat_word(ps, &word, 1) == 0;
}

/* Reads the run of digits after spaces into *VALUE (saturating) and returns its length (0 when none). */
static size_t
read_number(struct parser *ps, int *value)
{
	size_t k = 0;

	skip_space(ps);
	*value = 0;
	while (ps->p < ps->end && is_digit(*ps->p)) {
		if (*value < 100000)
			*value = *value * 10 + (*ps->p - '0');
		ps->p++;
		k++;
	}
	return k;
}

/* True when a time ("9:00", "09:00") starts after spaces: digits then ':'. */
static bool
at_time(struct parser *ps)
{
	const char *q;

	skip_space(ps);
	for (q = ps->p; q < ps->end && is_digit(*q); q++)
		;
	return q > ps->p && q < ps->end && *q == ':';
}

/* True when a day of month starts after spaces: digits not followed by ':'. */
static bool
at_day(struct parser *ps)
{
	skip_space(ps);
	return ps->p < ps->end && is_digit(*ps->p) && !at_time(ps);
}

/* Fails on whatever is at the cursor, naming it. */
static bool
fail_here(struct parser *ps)
{
	struct str w = word_at(ps);
	int c = peek(ps);

	if (c == -1)
		return fail(ps, "unexpected end");
	if (w.n > 0) {
		for (size_t i = 0; i < N_ELEMS(unsupported_words); i++)
			if (str_eq_nocase(w, str_c(unsupported_words[i].word)))
				return fail(ps, unsupported_words[i].why);
		return fail(ps, arena_printf(ps->a, "unexpected word \"%.*s\"", (int)(w.n > 16 ? 16 : w.n), w.p));
	}
	if (is_digit((char)c))
		return fail(ps, "unexpected number");
	if (c >= 0x20 && c < 0x7f)
		return fail(ps, arena_printf(ps->a, "unexpected character '%c'", c));
	return fail(ps, arena_printf(ps->a, "unexpected byte 0x%02X", (unsigned)c));
}

/* ---- selectors ---- */

static bool
parse_month_day(struct parser *ps, int month, uint8_t *out)
{
	const char *at = ps->p;
	int d;
	size_t k = read_number(ps, &d);

	if (k == 0 || k > 2 || d < 1 || d > month_max_days[month - 1]) {
		ps->p = at;
		skip_space(ps);
		return fail(ps, "invalid day of month");
	}
	*out = (uint8_t)d;
	return true;
}

/* "Jan", "Jan-Mar", "Dec 25", "Dec 24-26", "Jul 14-Aug 15"; MONTH, when not 0, is the month of a bare day
 * ("Dec 25,31"). */
static bool
parse_date_item(struct parser *ps, int month, struct date_range *dr)
{
	int m;

	if (month == 0) {
		if ((m = eat_word(ps, month_names, 12)) < 0)
			return fail(ps, "expected a month");
		month = m + 1;
	}
	dr->m1 = dr->m2 = (uint8_t)month;
	if (at_day(ps)) {
		if (!parse_month_day(ps, month, &dr->d1))
			return false;
		dr->has_days = true;
	}
	dr->d2 = dr->d1;
	if (eat(ps, '-')) {
		if ((m = eat_word(ps, month_names, 12)) >= 0) {
			dr->m2 = (uint8_t)(m + 1);
			if (dr->has_days && !at_day(ps))
				return fail(ps, "expected a day of month");
		} else if (!dr->has_days) {
			return fail(ps, "expected a month");
		}
		if (dr->has_days && !parse_month_day(ps, dr->m2, &dr->d2))
			return false;
		if (dr->has_days && dr->m1 == dr->m2 && dr->d2 < dr->d1)
			return fail(ps, "date range goes backwards");
	}
	if (!dr->has_days) {
		dr->d1 = 1;
		dr->d2 = 31;
	}
	return true;
}

static bool
parse_dates(struct parser *ps, struct rule *r)
{
	const char *comma;
	int month = 0;

	for (;;) {
		struct date_range *dr;

		r->dates = grow(ps->a, r->dates, r->n_dates, &r->cap_dates, sizeof *r->dates);
		dr = &r->dates[r->n_dates++];
		if (!parse_date_item(ps, month, dr))
			return false;
		if (peek(ps) != ',')
			return true;
		comma = ps->p++;
		if (peek_word(ps, month_names, 12) >= 0) {
			month = 0;
		} else if (dr->has_days && at_day(ps)) {
			month = dr->m2;
		} else {
			ps->p = comma; /* ", " then something else: an additional rule */
			return true;
		}
	}
}

static bool
parse_week_number(struct parser *ps, int min, uint8_t *out)
{
	const char *at = ps->p;
	int w;
	size_t k = read_number(ps, &w);

	if (k == 0 || w < min || w > 53) {
		ps->p = at;
		skip_space(ps);
		return fail(ps, "invalid week number");
	}
	*out = (uint8_t)w;
	return true;
}

static bool
parse_weeks(struct parser *ps, struct rule *r)
{
	const char *comma;

	if (!eat_keyword(ps, "week"))
		return fail(ps, "expected \"week\"");
	for (;;) {
		struct week_range *w;

		r->weeks = grow(ps->a, r->weeks, r->n_weeks, &r->cap_weeks, sizeof *r->weeks);
		w = &r->weeks[r->n_weeks++];
		if (!parse_week_number(ps, 1, &w->from))
			return false;
		w->to = w->from;
		w->step = 1;
		if (eat(ps, '-')) {
			if (!parse_week_number(ps, 1, &w->to))
				return false;
			if (eat(ps, '/') && !parse_week_number(ps, 1, &w->step))
				return false;
			if (w->from > w->to && w->step > 1)
				return fail(ps, "a week range with a step cannot wrap");
		}
		if (peek(ps) != ',')
			return true;
		comma = ps->p++;
		skip_space(ps);
		if (ps->p == ps->end || !is_digit(*ps->p)) {
			ps->p = comma;
			return true;
		}
	}
}

static bool
parse_weekday_item(struct parser *ps, struct rule *r, struct weekday_item *it)
{
	int a, b;

	if (eat_keyword(ps, "ph")) {
		if (peek(ps) == '+' || peek(ps) == '-')
			return fail(ps, "holiday offsets are not supported");
		it->ph = true;
		r->ph = true;
		return true;
	}
	if ((a = eat_word(ps, wd_names, 7)) < 0)
		return fail_here(ps);
	b = a;
	if (eat(ps, '-') && (b = eat_word(ps, wd_names, 7)) < 0)
		return peek_word(ps, (const char *const[]){ "ph" }, 1) == 0 ? fail(ps, "PH cannot be in a range")
		                                                            : fail(ps, "unknown weekday");
	if (peek(ps) == '[')
		return fail(ps, "nth weekdays (Mo[1]) are not supported");
	it->from = (uint8_t)a;
	it->to = (uint8_t)b;
	for (int d = a;; d = (d + 1) % 7) {
		r->day_mask |= (uint8_t)(1u << d);
		if (d == b)
			break;
	}
	return true;
}

static bool
at_weekday(struct parser *ps)
{
	return peek_word(ps, wd_names, 7) >= 0 || peek_word(ps, (const char *const[]){ "ph" }, 1) == 0;
}

static bool
parse_weekdays(struct parser *ps, struct rule *r)
{
	const char *comma;

	for (;;) {
		r->days = grow(ps->a, r->days, r->n_days, &r->cap_days, sizeof *r->days);
		if (!parse_weekday_item(ps, r, &r->days[r->n_days++]))
			return false;
		if (peek(ps) != ',')
			return true;
		comma = ps->p++;
		if (!at_weekday(ps)) {
			ps->p = comma;
			return true;
		}
	}
}

/* "9:00" or "09:00", at most MAX minutes after midnight. */
static bool
parse_time(struct parser *ps, int max, int *out)
{
	const char *at;
	int h, m;
	size_t k;

	skip_space(ps);
	at = ps->p;
	k = read_number(ps, &h);
	if (k == 4 && !(ps->p < ps->end && *ps->p == ':')) {
		ps->p = at;
		return fail(ps, "years are not supported");
	}
	if (k == 0 || k > 2 || ps->p == ps->end || *ps->p != ':') {
		ps->p = at;
		return fail(ps, "invalid time");
	}
	ps->p++;
	if (ps->end - ps->p < 2 || !is_digit(ps->p[0]) || !is_digit(ps->p[1]) ||
	    (ps->end - ps->p > 2 && is_digit(ps->p[2]))) {
		ps->p = at;
		return fail(ps, "invalid time");
	}
	m = (ps->p[0] - '0') * 10 + (ps->p[1] - '0');
	ps->p += 2;
	if (m > 59 || h * 60 + m > max) {
		ps->p = at;
		return fail(ps, "time out of range");
	}
	*out = h * 60 + m;
	return true;
}

static bool
parse_span(struct parser *ps, struct span *sp)
{
	int start, end;

	if (!parse_time(ps, DAY_MINUTES - 1, &start))
		return false;
	if (!eat(ps, '-'))
		return fail(ps,
		    peek(ps) == '+' ? "open-ended times are not supported" : "a time needs an end (\"09:00-12:00\")");
	if (!parse_time(ps, MAX_END_MINUTES, &end))
		return false;
	if (peek(ps) == '+')
		return fail(ps, "open-ended times are not supported");
	if (peek(ps) == '/')
		return fail(ps, "periodic times are not supported");
	if (end == start)
		return fail(ps, "empty time range");
	if (end < start) {
		if (end >= DAY_MINUTES)
			return fail(ps, "time range goes backwards");
		end += DAY_MINUTES;
	}
	sp->start = (uint16_t)start;
	sp->end = (uint16_t)end;
	return true;
}

static bool
parse_times(struct parser *ps, struct rule *r)
{
	const char *comma;

	for (;;) {
		r->spans = grow(ps->a, r->spans, r->n_spans, &r->cap_spans, sizeof *r->spans);
		if (!parse_span(ps, &r->spans[r->n_spans++]))
			return false;
		if (peek(ps) != ',')
			return true;
		comma = ps->p++;
		if (!at_time(ps)) {
			ps->p = comma;
			return true;
		}
	}
}

static bool
parse_comment(struct parser *ps, struct rule *r)
{
	const char *q;

	ps->p++; /* the opening quote */
	if (ps->p == ps->end)
		return fail(ps, "unterminated comment");
	q = memchr(ps->p, '"', (size_t)(ps->end - ps->p));
	if (q == NULL)
		return fail(ps, "unterminated comment");
	if (!utf8_valid(ps->p, (size_t)(q - ps->p)))
		return fail(ps, "comment is not valid UTF-8");
	for (const char *c = ps->p; c < q; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fail(ps, "control character in comment");
	if (q > ps->p)
		r->comment = arena_strndup(ps->a, ps->p, (size_t)(q - ps->p));
	ps->p = q + 1;
	if (peek(ps) == ':')
		return fail(ps, "comments before selectors are not supported");
	return true;
}

/* One rule: [dates] [weeks] [:] [weekdays] [times] [modifier] [comment], or 24/7 [modifier] [comment]. */
static bool
parse_rule(struct parser *ps, struct rule *r)
{
	bool any = false;
	int c, m;

	skip_space(ps);
	if (ps->end - ps->p >= 4 && memcmp(ps->p, "24/7", 4) == 0) {
		ps->p += 4;
		r->all_week = any = true;
	} else {
		if (peek_word(ps, month_names, 12) >= 0) {
			if (!parse_dates(ps, r))
				return false;
			any = true;
		}
		if (peek_word(ps, (const char *const[]){ "week" }, 1) == 0) {
			if (!parse_weeks(ps, r))
				return false;
			any = true;
		}
		if (any)
			(void)eat(ps, ':');
		if (at_weekday(ps)) {
			if (!parse_weekdays(ps, r))
				return false;
			any = true;
		}
		c = peek(ps);
		if (c != -1 && is_digit((char)c)) {
			if (!parse_times(ps, r))
				return false;
			any = true;
		}
	}
	if ((m = eat_word(ps, modifier_names, N_ELEMS(modifier_names))) >= 0) {
		r->mode = modifier_modes[m];
		r->has_modifier = any = true;
	}
	if (peek(ps) == '"') {
		if (!parse_comment(ps, r))
			return false;
		any = true;
	}
	return any || fail_here(ps);
}

static bool
parse_sequence(struct parser *ps, struct hours *h)
{
	enum rule_sep sep = SEP_NORMAL;
	int c;

	for (;;) {
		struct rule *r;

		c = peek(ps);
		if (c == -1)
			break;
		if (c == ';' && sep == SEP_NORMAL) { /* an empty rule, as in "Mo 09:00-12:00;" */
			ps->p++;
			continue;
		}
		h->rules = grow(ps->a, h->rules, h->n, &h->cap, sizeof *h->rules);
		r = &h->rules[h->n++];
		r->sep = h->n == 1 ? SEP_NORMAL : sep;
		if (!parse_rule(ps, r))
			return false;
		h->has_ph |= r->ph;
		c = peek(ps);
		if (c == -1) {
			sep = SEP_NORMAL;
			break;
		}
		if (c == ';') {
			sep = SEP_NORMAL;
			ps->p++;
		} else if (c == ',') {
			/* "Mo, 10:00-12:00" or "Dec 25, Mo 10:00-12:00" would open the first day all day: a typo */
			if (r->n_spans == 0 && !r->all_week && !r->has_modifier && r->comment == NULL)
				return fail(ps, "ambiguous ',' after a rule without times");
			sep = SEP_ADDITIONAL;
			ps->p++;
		} else if (c == '|' && ps->end - ps->p >= 2 && ps->p[1] == '|') {
			sep = SEP_FALLBACK;
			ps->p += 2;
		} else {
			return fail_here(ps);
		}
	}
	if (h->n == 0)
		return fail(ps, "no rule");
	if (sep != SEP_NORMAL)
		return fail(ps, "missing rule after separator");
	return true;
}

tr_err
hours_parse(struct arena *a, const char *s, size_t n, struct hours **out, const char **why)
{
	struct parser ps = { a, s, s, s + n, NULL };
	struct hours *h;

	*out = NULL;
	*why = NULL;
	if (n > HOURS_MAX_INPUT) {
		*why = arena_printf(a, "longer than %d bytes", HOURS_MAX_INPUT);
		return TR_INVALID;
	}
	if (n == 0) {
		*why = arena_strdup(a, "empty");
		return TR_INVALID;
	}
	h = arena_alloc(a, sizeof *h);
	if (!parse_sequence(&ps, h)) {
		*why = ps.why;
		return TR_INVALID;
	}
	*out = h;
	return TR_OK;
}

/* ---- calendar ---- */

static int
days_in_month(int year, int month)
{
	return (int)(month == 12 ? date_days(year + 1, 1, 1) - date_days(year, 12, 1)
	                         : date_days(year, month + 1, 1) - date_days(year, month, 1));
}

static bool
date_valid(int year, int month, int day)
{
	return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
}

/* 0 = Monday. */
static int
weekday_of(int year, int month, int day)
{
	int64_t d = date_days(year, month, day); /* 1970-01-01 was a Thursday */

	return (int)(((d % 7) + 7 + 3) % 7);
}

static int
iso_weeks_in_year(int year)
{
	int jan1 = weekday_of(year, 1, 1);
	bool leap = date_days(year + 1, 1, 1) - date_days(year, 1, 1) == 366;

	return jan1 == 3 || (leap && jan1 == 2) ? 53 : 52;
}

static int
iso_week(int year, int month, int day)
{
	int ordinal = (int)(date_days(year, month, day) - date_days(year, 1, 1)) + 1;
	int week = (ordinal - (weekday_of(year, month, day) + 1) + 10) / 7;

	if (week < 1)
		return iso_weeks_in_year(year - 1);
	if (week > iso_weeks_in_year(year))
		return 1;
	return week;
}

/* Days since 1970-01-01 of Easter Sunday (anonymous Gregorian algorithm). */
static int64_t
easter_days(int year)
{
	int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
	int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;

	return date_days(year, month, day);
}

bool
hours_is_public_holiday(int year, int month, int day)
{
	static const uint8_t fixed[][2] = { { 1, 1 }, { 5, 1 }, { 5, 8 }, { 7, 14 }, { 8, 15 }, { 11, 1 }, { 11, 11 },
		{ 12, 25 } };
	static const int after_easter[] = { 1, 39, 50 }; /* Easter Monday, Ascension, Whit Monday */
	int64_t t, easter;

	if (year < 1583 || !date_valid(year, month, day))
		return false;
	for (size_t i = 0; i < N_ELEMS(fixed); i++)
		if (fixed[i][0] == month && fixed[i][1] == day)
			return true;
	t = date_days(year, month, day);
	easter = easter_days(year);
	for (size_t i = 0; i < N_ELEMS(after_easter); i++)
		if (t == easter + after_easter[i])
			return true;
	return false;
}

/* ---- evaluation ---- */

struct day {
	int month, day, weekday, week;
	bool holiday;
};

static bool
date_in(const struct date_range *dr, int month, int day)
{
	int x = month * 32 + day, lo = dr->m1 * 32 + dr->d1, hi = dr->m2 * 32 + dr->d2;

	return lo <= hi ? lo <= x && x <= hi : x >= lo || x <= hi;
}

static bool
week_in(const struct week_range *w, int week)
{
	if (w->from <= w->to)
		return week >= w->from && week <= w->to && (week - w->from) % w->step == 0;
	return week >= w->from || week <= w->to;
}

static bool
rule_matches(const struct rule *r, const struct day *d)
{
	bool ok;

	if (r->n_dates > 0) {
		ok = false;
		for (size_t i = 0; i < r->n_dates && !ok; i++)
			ok = date_in(&r->dates[i], d->month, d->day);
		if (!ok)
			return false;
	}
	if (r->n_weeks > 0) {
		ok = false;
		for (size_t i = 0; i < r->n_weeks && !ok; i++)
			ok = week_in(&r->weeks[i], d->week);
		if (!ok)
			return false;
	}
	return r->n_days == 0 || (r->day_mask >> d->weekday & 1) || (r->ph && d->holiday);
}

/* Whether R covers minute T of a day it matches (T >= DAY_MINUTES: after the next midnight). */
static bool
rule_covers(const struct rule *r, int t)
{
	if (r->n_spans == 0)
		return t < DAY_MINUTES;
	for (size_t i = 0; i < r->n_spans; i++)
		if (r->spans[i].start <= t && t < r->spans[i].end)
			return true;
	return false;
}

static enum hours_state
rule_state(const struct rule *r)
{
	if (r->mode == MODE_CLOSED)
		return HOURS_CLOSED;
	if (r->mode == MODE_UNKNOWN || (r->comment != NULL && r->n_spans == 0 && !r->all_week))
		return HOURS_UNKNOWN;
	return HOURS_OPEN;
}

/* What rules FIRST..LAST-1 (one fallback group) say at minute M of day D, whose previous day is P: a state, or
 * -1 when they say nothing. "Own" is what the rules for D say, "spill" what the rules for P say past midnight;
 * a normal rule for a day replaces both of that day, and the latest rule covering M wins. */
static int
eval_group(const struct hours *h, size_t first, size_t last, const struct day *d, const struct day *p, int m)
{
	int own = -1, spill = -1, res;
	size_t own_at = 0, spill_at = 0;
	bool cut = false;

	for (size_t i = first; i < last; i++) {
		const struct rule *r = &h->rules[i];
		bool on_d = rule_matches(r, d), on_p = rule_matches(r, p);
		bool normal = i == first || r->sep != SEP_ADDITIONAL;

		if (normal && on_p)
			spill = -1;
		if (normal && on_d) {
			cut |= spill == HOURS_OPEN || spill == HOURS_UNKNOWN;
			own = spill = -1;
		}
		if (on_d && rule_covers(r, m)) {
			own = rule_state(r);
			own_at = i;
		}
		if (on_p && rule_covers(r, m + DAY_MINUTES)) {
			spill = rule_state(r);
			spill_at = i;
		}
	}
	res = own >= 0 && (spill < 0 || own_at >= spill_at) ? own : spill;
	if (cut && res != HOURS_OPEN)
		return HOURS_UNKNOWN;
	return res;
}

static enum hours_state
eval(const struct hours *h, const struct day *d, const struct day *p, int m)
{
	size_t first = 0;

	while (first < h->n) {
		size_t last = first + 1;
		int st;

		while (last < h->n && h->rules[last].sep != SEP_FALLBACK)
			last++;
		if ((st = eval_group(h, first, last, d, p, m)) >= 0)
			return (enum hours_state)st;
		first = last;
	}
	return HOURS_CLOSED;
}

static void
day_init(struct day *d, int year, int month, int day, int weekday)
{
	d->month = month;
	d->day = day;
	d->weekday = weekday;
	d->week = iso_week(year, month, day);
	d->holiday = false;
}

enum hours_state
hours_state_at(const struct hours *h, int year, int month, int day, int weekday, int minute, int is_holiday)
{
	struct day d, p;
	int py = year, pm = month, pd = day - 1;
	enum hours_state st = HOURS_UNKNOWN;
	bool first = true;

	if (h == NULL || !date_valid(year, month, day) || weekday < 0 || weekday > 6 ||
	    weekday != weekday_of(year, month, day) || minute < 0 || minute >= DAY_MINUTES)
		return HOURS_UNKNOWN;
	if (pd == 0 && --pm == 0) {
		py--;
		pm = 12;
	}
	if (pd == 0)
		pd = days_in_month(py, pm);
	day_init(&d, year, month, day, weekday);
	day_init(&p, py, pm, pd, (weekday + 6) % 7);
	if (!h->has_ph)
		return eval(h, &d, &p, minute);
	/* Every case the holidays leave open (the previous day's is never known) must agree. */
	for (int hd = 0; hd <= 1; hd++) {
		if (is_holiday >= 0 && hd != (is_holiday > 0))
			continue;
		for (int hp = 0; hp <= 1; hp++) {
			enum hours_state s;

			d.holiday = hd;
			p.holiday = hp;
			s = eval(h, &d, &p, minute);
			if (!first && s != st)
				return HOURS_UNKNOWN;
			st = s;
			first = false;
		}
	}
	return st;
}

/* ---- French ---- */

static const char *const fr_day_names[7] = { "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche" };
static const char *const fr_month_names[12] = { "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	"septembre", "octobre", "novembre", "décembre" };
static const char *const fr_numbers[] = { "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit",
	"neuf", "dix" };

/* The output and its first error: later writes are skipped once one failed. */
struct fr {
	struct buf *b;
	tr_err err;
};

static void
fr_puts(struct fr *f, const char *s)
{
	if (f->err == TR_OK)
		f->err = buf_puts(f->b, s);
}

static void fr_printf(struct fr *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fr_printf(struct fr *f, const char *fmt, ...)
{
	va_list ap;

	if (f->err != TR_OK)
		return;
	va_start(ap, fmt);
	f->err = buf_vprintf(f->b, fmt, ap);
	va_end(ap);
}

/* What goes before item I of N in a list: "", ", " or " et ". */
static const char *
list_sep(size_t i, size_t n)
{
	return i == 0 ? "" : i + 1 == n ? " et " : ", ";
}

/* "de " or "d'" before a month's name. */
static const char *
fr_de(int month)
{
	return month == 4 || month == 8 || month == 10 ? "d'" : "de ";
}

/* "1er", "2", ... */
static void
fr_day(struct fr *f, int day)
{
	if (day == 1)
		fr_puts(f, "1er");
	else
		fr_printf(f, "%d", day);
}

static void
fr_month_day(struct fr *f, int day, int month)
{
	fr_day(f, day);
	fr_printf(f, " %s", fr_month_names[month - 1]);
}

static void
fr_dates(struct fr *f, const struct rule *r)
{
	for (size_t i = 0; i < r->n_dates; i++) {
		const struct date_range *dr = &r->dates[i];

		fr_puts(f, list_sep(i, r->n_dates));
		if (!dr->has_days && dr->m1 == dr->m2) {
			fr_printf(f, "en %s", fr_month_names[dr->m1 - 1]);
		} else if (!dr->has_days) {
			fr_printf(
			    f, "%s%s à %s", fr_de(dr->m1), fr_month_names[dr->m1 - 1], fr_month_names[dr->m2 - 1]);
		} else if (dr->m1 == dr->m2 && dr->d1 == dr->d2) {
			fr_puts(f, "le ");
			fr_month_day(f, dr->d1, dr->m1);
		} else if (dr->m1 == dr->m2) {
			fr_puts(f, "du ");
			fr_day(f, dr->d1);
			fr_puts(f, " au ");
			fr_month_day(f, dr->d2, dr->m2);
		} else {
			fr_puts(f, "du ");
			fr_month_day(f, dr->d1, dr->m1);
			fr_puts(f, " au ");
			fr_month_day(f, dr->d2, dr->m2);
		}
	}
}

static void
fr_weeks(struct fr *f, const struct rule *r)
{
	for (size_t i = 0; i < r->n_weeks; i++) {
		const struct week_range *w = &r->weeks[i];

		fr_puts(f, list_sep(i, r->n_weeks));
		if (w->from == w->to) {
			fr_printf(f, "semaine %d", w->from);
			continue;
		}
		fr_printf(f, "semaines %d à %d", w->from, w->to);
		if (w->step > 1 && w->step < N_ELEMS(fr_numbers))
			fr_printf(f, " (une semaine sur %s)", fr_numbers[w->step]);
		else if (w->step > 1)
			fr_printf(f, " (une semaine sur %d)", w->step);
	}
}

/* Dates then weeks, separated by ", ". */
static void
fr_period(struct fr *f, const struct rule *r)
{
	fr_dates(f, r);
	if (r->n_dates > 0 && r->n_weeks > 0)
		fr_puts(f, ", ");
	fr_weeks(f, r);
}

static bool
item_is_week(const struct weekday_item *it)
{
	return !it->ph && (it->to + 1) % 7 == it->from;
}

/* "le samedi", "du lundi au vendredi", "tous les jours", "les lundis, mercredis et jours fériés", "du lundi au
 * mercredi et le vendredi"; the public holidays come last. */
static void
fr_weekdays(struct fr *f, const struct rule *r)
{
	bool singles = r->n_days > 1;
	size_t k = 0;

	for (size_t i = 0; i < r->n_days; i++)
		singles &= r->days[i].ph || r->days[i].from == r->days[i].to;
	if (singles)
		fr_puts(f, "les ");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_days; i++) {
			const struct weekday_item *it = &r->days[i];

			if (it->ph != (pass == 1))
				continue;
			fr_puts(f, list_sep(k++, r->n_days));
			if (it->ph)
				fr_puts(f, singles ? "jours fériés" : "les jours fériés");
			else if (singles)
				fr_printf(f, "%ss", fr_day_names[it->from]);
			else if (it->from == it->to)
				fr_printf(f, "le %s", fr_day_names[it->from]);
			else if (item_is_week(it))
				fr_puts(f, "tous les jours");
			else
				fr_printf(f, "du %s au %s", fr_day_names[it->from], fr_day_names[it->to]);
		}
	}
}

/* "9 h", "18 h 30", "minuit", "2 h le lendemain". */
static void
fr_time(struct fr *f, int t)
{
	if (t % DAY_MINUTES == 0)
		fr_puts(f, "minuit");
	else if (t % 60 == 0)
		fr_printf(f, "%d h", t / 60 % 24);
	else
		fr_printf(f, "%d h %02d", t / 60 % 24, t % 60);
	if (t > DAY_MINUTES)
		fr_puts(f, " le lendemain");
}

static void
fr_times(struct fr *f, const struct rule *r)
{
	if (r->n_spans == 1 && r->spans[0].start == 0 && r->spans[0].end == DAY_MINUTES) {
		fr_puts(f, "24 h sur 24");
		return;
	}
	for (size_t i = 0; i < r->n_spans; i++) {
		fr_puts(f, list_sep(i, r->n_spans));
		fr_puts(f, "de ");
		fr_time(f, r->spans[i].start);
		fr_puts(f, " à ");
		fr_time(f, r->spans[i].end);
	}
}

static void
fr_comment(struct fr *f, const struct rule *r)
{
	if (r->comment != NULL)
		fr_printf(f, " (%s)", r->comment);
}

/* The selectors that are present, separated by ", " after the period and " " between weekdays and times. */
static void
fr_selectors(struct fr *f, const struct rule *r)
{
	bool period = r->n_dates > 0 || r->n_weeks > 0;

	fr_period(f, r);
	if (period && (r->n_days > 0 || r->n_spans > 0))
		fr_puts(f, ", ");
	fr_weekdays(f, r);
	if (r->n_days > 0 && r->n_spans > 0)
		fr_puts(f, " ");
	fr_times(f, r);
}

static void
fr_rule(struct fr *f, const struct rule *r)
{
	bool period = r->n_dates > 0 || r->n_weeks > 0;
	bool selectors = period || r->n_days > 0 || r->n_spans > 0;

	if (r->all_week) {
		fr_puts(f, r->mode == MODE_CLOSED    ? "fermé"
		           : r->mode == MODE_UNKNOWN ? "horaires non précisés"
		                                     : "ouvert 24 h sur 24, 7 jours sur 7");
		fr_comment(f, r);
	} else if (r->mode == MODE_CLOSED) {
		if (period && r->n_days == 0 && r->n_spans == 0) {
			fr_puts(f, "fermé ");
			fr_period(f, r);
		} else {
			fr_period(f, r);
			fr_puts(f, period ? ", fermé" : "fermé");
			if (r->n_days > 0)
				fr_puts(f, " ");
			fr_weekdays(f, r);
			if (r->n_spans > 0)
				fr_puts(f, " ");
			fr_times(f, r);
		}
		fr_comment(f, r);
	} else if (rule_state(r) == HOURS_OPEN) {
		fr_period(f, r);
		if (period)
			fr_puts(f, ", ");
		if (r->n_days > 0)
			fr_weekdays(f, r);
		else
			fr_puts(f, "tous les jours");
		fr_puts(f, " ");
		if (r->n_spans > 0)
			fr_times(f, r);
		else
			fr_puts(f, "24 h sur 24");
		fr_comment(f, r);
	} else {
		fr_selectors(f, r);
		if (selectors)
			fr_puts(f, " : ");
		fr_puts(f, r->comment != NULL ? r->comment : "horaires non précisés");
	}
}

tr_err
hours_french(const struct hours *h, struct buf *out)
{
	static const char *const seps[] = {
		[SEP_NORMAL] = " ; ", [SEP_ADDITIONAL] = ", ", [SEP_FALLBACK] = " ; sinon "
	};
	struct fr f = { out, TR_OK };

	for (size_t i = 0; i < h->n; i++) {
		if (i > 0)
			fr_puts(&f, seps[h->rules[i].sep]);
		fr_rule(&f, &h->rules[i]);
	}
	return f.err;
}

/* ---- the weekly schedule of the places form ---- */

static const char *const week_codes[7] = { "Mo", "Tu", "We", "Th", "Fr", "Sa", "Su" };

static bool
week_day_same(const struct hours_week *w, int a, int b)
{
	return memcmp(w->range[a], w->range[b], sizeof(w->range[a])) == 0;
}

static bool
week_day_valid(const struct hours_week *w, int d)
{
	int prev_end = -1;

	for (int k = 0; k < HOURS_DAY_RANGES; k++) {
		int from = w->range[d][k][0], to = w->range[d][k][1];
		if (from < 0 && to < 0)
			continue;
		if (k > 0 && w->range[d][0][0] < 0)
			return false; /* a second range without a first */
		if (from < 0 || to < 0 || from >= to || to > 1440 || (prev_end >= 0 && from < prev_end))
			return false;
		prev_end = to;
	}
	return true;
}

tr_err
hours_week_text(const struct hours_week *w, struct buf *out, int *day)
{
	struct buf b = BUF_INIT(HOURS_MAX_INPUT);
	tr_err err = TR_OK;

	for (int d = 0; d < 7; d++) {
		if (!week_day_valid(w, d)) {
			*day = d;
			buf_free(&b);
			return TR_INVALID;
		}
	}
	for (int d = 0; d < 7 && err == TR_OK;) {
		int e = d;
		while (e + 1 < 7 && week_day_same(w, d, e + 1))
			e++;
		if (w->range[d][0][0] >= 0) {
			if (b.n > 0)
				err = buf_puts(&b, "; ");
			if (err == TR_OK)
				err = e > d ? buf_printf(&b, "%s-%s ", week_codes[d], week_codes[e])
				            : buf_printf(&b, "%s ", week_codes[d]);
			for (int k = 0; k < HOURS_DAY_RANGES && err == TR_OK && w->range[d][k][0] >= 0; k++)
				err = buf_printf(&b, "%s%02d:%02d-%02d:%02d", k > 0 ? "," : "", w->range[d][k][0] / 60,
				    w->range[d][k][0] % 60, w->range[d][k][1] / 60, w->range[d][k][1] % 60);
		}
		d = e + 1;
	}
	if (err == TR_OK && b.n > 0)
		err = buf_append(out, b.p, b.n);
	buf_free(&b);
	return err;
}

/* S without spaces and tabs, in lower case, in A. */
static char *
week_canon(struct arena *a, const char *s, size_t n)
{
	char *c = arena_alloc(a, n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			c[k++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	c[k] = '\0';
	return c;
}

bool
hours_week_of(struct arena *a, const char *s, size_t n, struct hours_week *w)
{
	struct hours *h;
	const char *why;
	struct buf b = BUF_INIT(HOURS_MAX_INPUT);
	int bad;
	bool same;

	memset(w, 0xff, sizeof(*w)); /* every range -1 */
	if (n == 0 || hours_parse(a, s, n, &h, &why) != TR_OK)
		return false;
	/* The states of a week without a holiday, Monday 6 to Sunday 12 January 2025, minute by minute. */
	for (int d = 0; d < 7; d++) {
		int k = 0, from = -1;
		for (int m = 0; m <= 1440; m++) {
			bool open = m < 1440 && hours_state_at(h, 2025, 1, 6 + d, d, m, 0) == HOURS_OPEN;
			if (open && from < 0) {
				from = m;
			} else if (!open && from >= 0) {
				if (k == HOURS_DAY_RANGES)
					return false;
				w->range[d][k][0] = (short)from;
				w->range[d][k][1] = (short)m;
				k++;
				from = -1;
			}
		}
	}
	if (hours_week_text(w, &b, &bad) != TR_OK) {
		buf_free(&b);
		return false;
	}
	same = strcmp(week_canon(a, b.p ? b.p : "", b.n), week_canon(a, s, n)) == 0;
	buf_free(&b);
	return same;
}
