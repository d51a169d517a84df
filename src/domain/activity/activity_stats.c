/* Statistics of the activity reports, from the rollups. */
#include "domain/activity/activity_stats.h"

#include <stdlib.h>
#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/activity/activity.h"
#include "domain/activity/activity_int.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/scope.h"
#include "model/activity/activity.h"

void
activity_largest_remainder(const int64_t *n, size_t k, int64_t *pct)
{
	int64_t total = 0, given = 0;
	int64_t *rem;

	for (size_t i = 0; i < k; i++)
		total += n[i] > 0 ? n[i] : 0;
	if (total == 0 || k == 0) {
		for (size_t i = 0; i < k; i++)
			pct[i] = 0;
		return;
	}
	rem = calloc(k, sizeof(*rem));
	if (rem == NULL)
		abort();
	for (size_t i = 0; i < k; i++) {
		int64_t v = n[i] > 0 ? n[i] : 0;
		pct[i] = 100 * v / total;
		rem[i] = 100 * v % total;
		given += pct[i];
	}
	while (given < 100) {
		size_t best = 0;
		for (size_t i = 1; i < k; i++)
			if (rem[i] > rem[best])
				best = i;
		pct[best]++;
		rem[best] = -1;
		given++;
	}
	free(rem);
}

/* The days from A to B inclusive (dates YYYY-MM-DD). */
static int64_t
day_number(const char *d)
{
	int y, m, dd;

	return date_parse(d, strlen(d), &y, &m, &dd) ? date_days(y, m, dd) : 0;
}

static bool
valid_date(const char *d)
{
	int y, m, dd;

	return d && date_parse(d, strlen(d), &y, &m, &dd);
}

/* The date N days after D (N may be negative), in A. */
static const char *
shift(struct arena *a, const char *d, int64_t n)
{
	return date_add(a, d, 0, (int)n);
}

/* The WHERE of the query's scope and level over alias "a" of a rollup table, into W. */
static void
where_of(struct ctx *ctx, const struct scope *s, const struct activity_query *q, bool employer, struct sqlw *w)
{
	scope_where(ctx, s, w);
	if (strcmp(q->level, "region") == 0)
		sqlw_and(w, employer ? "a.org_region_code = ?" : "a.region_code = ?", DB_TEXT(q->code));
	else if (strcmp(q->level, "departement") == 0)
		sqlw_and(w, employer ? "a.org_departement_code = ?" : "a.departement_code = ?", DB_TEXT(q->code));
	else if (strcmp(q->level, "structure") == 0)
		sqlw_and(w, "a.organisation_id = ?", DB_I64(q->id));
	else if (strcmp(q->level, "adviser") == 0)
		sqlw_and(w, "a.adviser_id = ?", DB_I64(q->id));
}

/* Whether the reader reads the territorial levels of the rollups: national reach, or only poles and regional
 * officers (their scope is a set of régions, which those levels hold). */
static bool
territorial_reader(const struct ctx *ctx)
{
	unsigned regional = ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL);

	return actor_has_any(ctx->actor, ACTIVITY_NATIONAL) ||
	       (ctx->actor && ctx->actor->role_mask && (ctx->actor->role_mask & ~regional) == 0);
}

/* The level of the rollups that answers Q for this reader (the coarsest that holds its filter): national for a
 * national query with national reach; the département level for a national, régional or départemental query of a
 * territorial reader; else the adviser level, filtered by the reader's scope. */
static int
level_of(const struct ctx *ctx, const struct activity_query *q)
{
	bool national = strcmp(q->level, "national") == 0;

	if (!territorial_reader(ctx) ||
	    !(national || strcmp(q->level, "region") == 0 || strcmp(q->level, "departement") == 0))
		return ACTIVITY_LEVEL_ADVISER;
	return national && actor_has_any(ctx->actor, ACTIVITY_NATIONAL) ? ACTIVITY_LEVEL_NATIONAL : ACTIVITY_LEVEL_DEP;
}

/* The WHERE of the reader's scope and of Q's territory over alias "a" of the département level, into W. A région
 * is the range of each of its départements. */
static void
dep_where_of(struct ctx *ctx, bool counts, const struct activity_query *q, bool employer, struct sqlw *w)
{
	scope_where(ctx, counts ? &activity_rollup_dep_counts_scope : &activity_rollup_dep_scope, w);
	if (strcmp(q->level, "region") == 0)
		sqlw_and(w,
		    employer ? "a.org_departement_code IN (SELECT code FROM departements WHERE region_code = ?)"
		             : "a.departement_code IN (SELECT code FROM departements WHERE region_code = ?)",
		    DB_TEXT(q->code));
	else if (strcmp(q->level, "departement") == 0)
		sqlw_and(w, employer ? "a.org_departement_code = ?" : "a.departement_code = ?", DB_TEXT(q->code));
}

/* Level tables DAYS (by day) and MONTHS (by month) over FROM..TO as a subquery of columns COLS (alias a), with its
 * parameters in W: the whole months from MONTHS, the days before and after them from DAYS, so that a year reads
 * twelve months of rows. */
static const char *
span_of(struct ctx *ctx, const char *days, const char *months, const char *cols, const char *from, const char *to,
    struct sqlw *w)
{
	const char *first, *last, *after = date_add(ctx->arena, to, 0, 1);

	memset(w, 0, sizeof(*w));
	w->arena = ctx->arena;
	w->sql = "1 = 1";
	/* FIRST: the first day of the first whole month; LAST: the last day of the last one. */
	first =
	    strcmp(from + 8, "01") == 0 ? from : date_add(ctx->arena, arena_printf(ctx->arena, "%.7s-01", from), 1, 0);
	last = strcmp(after + 8, "01") == 0 ? to : date_add(ctx->arena, arena_printf(ctx->arena, "%.7s-01", to), 0, -1);
	if (strcmp(first, last) > 0) {
		sqlw_param(w, DB_TEXT(from));
		sqlw_param(w, DB_TEXT(to));
		return arena_printf(ctx->arena, "(SELECT %s FROM %s WHERE day >= ? AND day <= ?) a", cols, days);
	}
	sqlw_param(w, DB_TEXT(from));
	sqlw_param(w, DB_TEXT(first));
	sqlw_param(w, DB_TEXT(arena_printf(ctx->arena, "%.7s", first)));
	sqlw_param(w, DB_TEXT(arena_printf(ctx->arena, "%.7s", last)));
	sqlw_param(w, DB_TEXT(last));
	sqlw_param(w, DB_TEXT(to));
	return arena_printf(ctx->arena,
	    "(SELECT %s FROM %s WHERE day >= ? AND day < ? UNION ALL SELECT %s FROM %s WHERE month >= ? AND month <= ? "
	    "UNION ALL SELECT %s FROM %s WHERE day > ? AND day <= ?) a",
	    cols, days, cols, months, cols, days);
}

/* What a figure of Q over FROM..TO reads (its counts with COUNTS; by day with BY_DAY), as a FROM item with alias a,
 * with its WHERE, the period included, in W (level_of). */
static const char *
source_of(struct ctx *ctx, const struct activity_query *q, bool employer, bool counts, bool by_day, const char *from,
    const char *to, struct sqlw *w)
{
	const char *table;

	switch (level_of(ctx, q)) {
	case ACTIVITY_LEVEL_NATIONAL:
		if (!by_day)
			return counts ? span_of(ctx, "activity_rollup_national_counts",
			                    "activity_rollup_national_month_counts", "type, dim, code, n", from, to, w)
			              : span_of(ctx, "activity_rollup_national", "activity_rollup_national_month",
			                    "type, reports, participants, already, minutes", from, to, w);
		memset(w, 0, sizeof(*w));
		w->arena = ctx->arena;
		w->sql = "1 = 1";
		table = counts ? "activity_rollup_national_counts" : "activity_rollup_national";
		break;
	case ACTIVITY_LEVEL_DEP:
		dep_where_of(ctx, counts, q, employer, w);
		table = counts ? "activity_rollup_dep_counts" : "activity_rollup_dep";
		break;
	default:
		where_of(ctx, counts ? &activity_rollup_counts_scope : &activity_rollup_scope, q, employer, w);
		table = counts ? "activity_rollup_counts" : "activity_rollup";
	}
	sqlw_and(w, "a.day >= ?", DB_TEXT(from));
	sqlw_and(w, "a.day <= ?", DB_TEXT(to));
	return arena_printf(ctx->arena, "%s a", table);
}

static tr_err
run(struct ctx *ctx, const char *sql, struct sqlw *w, struct db_rows **r)
{
	tr_err err = db_query(ctx->db, ctx->arena, sql, w->p, w->n, r);

	return err == TR_OK ? TR_OK : ctx_storage_error(ctx, err);
}

static const char *
decimal1(struct arena *a, int64_t num, int64_t den)
{
	int64_t tenths;

	if (den <= 0)
		return "0";
	tenths = (num * 10 + den / 2) / den;
	return arena_printf(a, "%lld,%lld", (long long)(tenths / 10), (long long)(tenths % 10));
}

/* The totals of one period. */
static tr_err
period(struct ctx *ctx, const struct activity_query *q, bool employer, const char *from, const char *to, json_t **out)
{
	const char *table;
	struct sqlw w;
	struct db_rows *r;
	json_t *by_type = json_object();
	int64_t sessions = 0, participants = 0, already = 0, minutes = 0, workshops = 0, workshop_p = 0;
	tr_err err;

	table = source_of(ctx, q, employer, false, false, from, to, &w);
	err = run(ctx,
	    arena_printf(ctx->arena,
	        "SELECT a.type, SUM(a.reports), SUM(a.participants), SUM(a.already), SUM(a.minutes) FROM %s WHERE %s "
	        "GROUP BY a.type ORDER BY a.type",
	        table, w.sql),
	    &w, &r);
	if (err != TR_OK) {
		json_decref(by_type);
		return err;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t n = db_int(db_cell(r, i, 1)), p = db_int(db_cell(r, i, 2));
		json_object_set_new(by_type, db_text(db_cell(r, i, 0)), json_integer(n));
		sessions += n;
		participants += p;
		already += db_int(db_cell(r, i, 3));
		minutes += db_int(db_cell(r, i, 4));
		if (strcmp(db_text(db_cell(r, i, 0)), "collectif") == 0) {
			workshops += n;
			workshop_p += p;
		}
	}
	*out = json_pack("{s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:s, s:I, s:I, s:I}", "from", from, "to", to, "sessions",
	    (json_int_t)sessions, "by_type", by_type, "accompaniments", (json_int_t)participants, "workshops",
	    (json_int_t)workshops, "workshop_participants", (json_int_t)workshop_p, "workshop_mean",
	    decimal1(ctx->arena, workshop_p, workshops), "new", (json_int_t)(participants - already), "already",
	    (json_int_t)already, "hours", (json_int_t)((minutes + 30) / 60));
	return TR_OK;
}

/* The shares of every family over the period, ages on the harmonised grid. */
static tr_err
shares(struct ctx *ctx, const struct activity_vocab *v, const struct activity_query *q, bool employer, json_t **out)
{
	static const char *const order[] = { "theme", "place", "duration", "equipment", "autonomy", "gender", "age_h",
		"status", "followup", "redirect", "level" };
	const char *table;
	struct sqlw w;
	struct db_rows *r;
	tr_err err;

	table = source_of(ctx, q, employer, true, false, q->from, q->to, &w);
	if ((err = run(ctx,
	         arena_printf(ctx->arena, "SELECT a.dim, a.code, SUM(a.n) FROM %s WHERE %s GROUP BY a.dim, a.code",
	             table, w.sql),
	         &w, &r)) != TR_OK)
		return err;
	*out = json_array();
	for (size_t f = 0; f < sizeof(order) / sizeof(order[0]); f++) {
		const struct activity_family *fam = activity_family(order[f]);
		bool harmonised = strcmp(order[f], "age_h") == 0;
		size_t k = 0;
		int64_t *n, *pct, total = 0;
		const char **codes, **labels;
		json_t *items = json_array();

		for (size_t i = 0; i < v->rows->nrows; i++)
			k += strcmp(db_text(db_cell(v->rows, i, 0)), order[f]) == 0;
		n = arena_alloc(ctx->arena, (k + 1) * sizeof(*n));
		pct = arena_alloc(ctx->arena, (k + 1) * sizeof(*pct));
		codes = arena_alloc(ctx->arena, (k + 1) * sizeof(*codes));
		labels = arena_alloc(ctx->arena, (k + 1) * sizeof(*labels));
		k = 0;
		for (size_t i = 0; i < v->rows->nrows; i++)
			if (strcmp(db_text(db_cell(v->rows, i, 0)), order[f]) == 0) {
				codes[k] = db_text(db_cell(v->rows, i, 1));
				labels[k] = db_text(db_cell(v->rows, i, 2));
				n[k++] = 0;
			}
		for (size_t i = 0; i < r->nrows; i++) {
			const char *dim = db_text(db_cell(r, i, 0)), *code = db_text(db_cell(r, i, 1));
			if (harmonised) {
				const struct activity_vrow *x;
				if (strcmp(dim, "age") != 0 || (x = activity_vocab_find(ctx, v, "age", code)) == NULL)
					continue;
				code = x->harmonised;
			} else if (strcmp(dim, order[f]) != 0) {
				continue;
			}
			for (size_t j = 0; j < k; j++)
				if (strcmp(codes[j], code) == 0) {
					n[j] += db_int(db_cell(r, i, 2));
					total += db_int(db_cell(r, i, 2));
				}
		}
		activity_largest_remainder(n, k, pct);
		for (size_t j = 0; j < k; j++)
			json_array_append_new(items, json_pack("{s:s, s:s, s:I, s:I}", "code", codes[j], "label",
			                                 labels[j], "n", (json_int_t)n[j], "pct", (json_int_t)pct[j]));
		json_array_append_new(*out,
		    json_pack("{s:s, s:s, s:s, s:I, s:o}", "family", order[f], "label", fam ? fam->label : order[f],
		        "base", fam && fam->participants ? "participants" : "séances", "total", (json_int_t)total,
		        "items", items));
	}
	return TR_OK;
}

static const char *const months_fr[] = { "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
	"oct.", "nov.", "déc." };

/* The bucket of day D for UNIT, and its French label. */
static const char *
bucket_of(struct arena *a, const char *d, const char *unit, const char **label)
{
	int y, m, dd;

	if (!date_parse(d, strlen(d), &y, &m, &dd))
		return d;
	if (strcmp(unit, "month") == 0) {
		*label = arena_printf(a, "%s %d", months_fr[m - 1], y);
		return arena_printf(a, "%04d-%02d", y, m);
	}
	if (strcmp(unit, "week") == 0) {
		/* The Monday of its week (1970-01-05 was a Monday). */
		int64_t days = date_days(y, m, dd), monday = days - (((days - 4) % 7) + 7) % 7;
		const char *mon = date_iso(a, monday * 86400);
		*label = arena_printf(a, "semaine du %s", fr_date(a, mon));
		return mon;
	}
	*label = d;
	return d;
}

static tr_err
curve(struct ctx *ctx, const struct activity_query *q, bool employer, json_t **out)
{
	const char *table;
	struct sqlw w;
	struct db_rows *r;
	tr_err err;

	table = source_of(ctx, q, employer, false, true, q->from, q->to, &w);
	if ((err = run(ctx,
	         arena_printf(ctx->arena,
	             "SELECT a.day, SUM(a.reports), SUM(a.participants) FROM %s WHERE %s GROUP BY a.day "
	             "ORDER BY a.day",
	             table, w.sql),
	         &w, &r)) != TR_OK)
		return err;
	*out = json_array();
	/* Every bucket of the period, empty ones included, so that the curve does not skip silent days. */
	for (int64_t d = day_number(q->from), end = day_number(q->to), row = 0; d <= end; d++) {
		const char *day = date_iso(ctx->arena, d * 86400), *label = day;
		const char *b = bucket_of(ctx->arena, day, q->curve, &label);
		size_t last = json_array_size(*out);
		json_t *pt = last ? json_array_get(*out, last - 1) : NULL;
		if (pt == NULL || strcmp(json_str(pt, "bucket"), b) != 0) {
			pt = json_pack("{s:s, s:s, s:I, s:I}", "bucket", b, "label", label, "sessions", (json_int_t)0,
			    "participants", (json_int_t)0);
			json_array_append_new(*out, pt);
		}
		while ((size_t)row < r->nrows && strcmp(db_text(db_cell(r, (size_t)row, 0)), day) <= 0) {
			if (strcmp(db_text(db_cell(r, (size_t)row, 0)), day) == 0) {
				json_object_set_new(pt, "sessions",
				    json_integer(json_integer_value(json_object_get(pt, "sessions")) +
				                 db_int(db_cell(r, (size_t)row, 1))));
				json_object_set_new(pt, "participants",
				    json_integer(json_integer_value(json_object_get(pt, "participants")) +
				                 db_int(db_cell(r, (size_t)row, 2))));
			}
			row++;
		}
	}
	return TR_OK;
}

/* The territories one level down, both sides. */
static tr_err
territories(struct ctx *ctx, const struct activity_query *q, json_t **out)
{
	const char *col, *ecol, *names, *level;
	json_t *items = json_array();
	tr_err err = TR_OK;

	if (strcmp(q->level, "national") == 0) {
		col = "a.region_code", ecol = "a.org_region_code", names = "regions", level = "region";
	} else if (strcmp(q->level, "region") == 0) {
		col = "a.departement_code", ecol = "a.org_departement_code", names = "departements",
		level = "departement";
	} else {
		col = "a.commune_code", ecol = "a.org_commune_code", names = "communes", level = "commune";
	}
	for (int side = 0; side < 2 && err == TR_OK; side++) {
		struct sqlw w;
		struct db_rows *r;
		const char *table;
		/* A national table of régions reads the région level, a régional one of départements the département
		 * level, a table of communes the adviser level. */
		int lv = level_of(ctx, q);
		if (lv == ACTIVITY_LEVEL_NATIONAL) {
			table = span_of(ctx, "activity_rollup_region", "activity_rollup_region_month",
			    "region_code, org_region_code, reports, participants", q->from, q->to, &w);
		} else if (lv == ACTIVITY_LEVEL_DEP && strcmp(q->level, "departement") != 0) {
			table = source_of(ctx, q, side == 1, false, true, q->from, q->to, &w);
		} else {
			table = "activity_rollup a";
			where_of(ctx, &activity_rollup_scope, q, side == 1, &w);
			sqlw_and(&w, "a.day >= ?", DB_TEXT(q->from));
			sqlw_and(&w, "a.day <= ?", DB_TEXT(q->to));
		}
		err = run(ctx,
		    arena_printf(ctx->arena,
		        "SELECT t.code, n.name, t.s, t.p FROM (SELECT %s AS code, SUM(a.reports) AS s, "
		        "SUM(a.participants) AS "
		        "p FROM %s WHERE %s GROUP BY %s) t LEFT JOIN %s n ON n.code = t.code ORDER BY "
		        "t.code",
		        side ? ecol : col, table, w.sql, side ? ecol : col, names),
		    &w, &r);
		for (size_t i = 0; err == TR_OK && i < r->nrows; i++) {
			const char *code = db_text(db_cell(r, i, 0));
			json_t *it = NULL, *x;
			size_t k;
			json_array_foreach(items, k, x) if (strcmp(json_str(x, "code"), code) == 0) it = x;
			if (it == NULL) {
				it = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "code", code, "name",
				    db_text(db_cell(r, i, 1)) ? db_text(db_cell(r, i, 1)) : code, "sessions",
				    (json_int_t)0, "participants", (json_int_t)0, "employer_sessions", (json_int_t)0,
				    "employer_participants", (json_int_t)0);
				json_array_append_new(items, it);
			}
			json_object_set_new(
			    it, side ? "employer_sessions" : "sessions", json_integer(db_int(db_cell(r, i, 2))));
			json_object_set_new(it, side ? "employer_participants" : "participants",
			    json_integer(db_int(db_cell(r, i, 3))));
		}
	}
	if (err != TR_OK) {
		json_decref(items);
		return err;
	}
	*out = json_pack("{s:s, s:o}", "level", level, "items", items);
	return TR_OK;
}

/* Advisers in post in the scope (live contracts and mediators), and the active ones (a report in the last
 * ACTIVITY_ACTIVE_DAYS days, from the rollups). */
static tr_err
advisers(struct ctx *ctx, const struct activity_query *q, bool employer, int64_t accompaniments, json_t **out)
{
	const char *today = date_iso(ctx->arena, ctx->now);
	struct sqlw w;
	struct db_rows *r;
	int64_t active, in_post, months;
	const char *filter = "1 = 1";
	struct db_val p[2];
	size_t np = 0;
	tr_err err;

	where_of(ctx, &activity_rollup_scope, q, employer, &w);
	sqlw_and(&w, "a.day > ?", DB_TEXT(shift(ctx->arena, today, -ACTIVITY_ACTIVE_DAYS)));
	if ((err = run(ctx,
	         arena_printf(ctx->arena, "SELECT COUNT(DISTINCT a.adviser_id) FROM activity_rollup a WHERE %s", w.sql),
	         &w, &r)) != TR_OK)
		return err;
	active = db_int(db_cell(r, 0, 0));
	/* In post: by the structure's territory (where the adviser works). */
	if (strcmp(q->level, "region") == 0)
		filter = "cm.region_code = ?", p[np++] = DB_TEXT(q->code);
	else if (strcmp(q->level, "departement") == 0)
		filter = "cm.departement_code = ?", p[np++] = DB_TEXT(q->code);
	else if (strcmp(q->level, "structure") == 0)
		filter = "ad.organisation_id = ?", p[np++] = DB_I64(q->id);
	else if (strcmp(q->level, "adviser") == 0)
		filter = "ad.person_id = ?", p[np++] = DB_I64(q->id);
	/* Everywhere: the people alone, without the structures' territory. */
	if (np == 0)
		err = db_query(ctx->db, ctx->arena,
		    "SELECT COUNT(*) FROM (SELECT c.candidate_id FROM contracts c WHERE c.state IN ('planned', "
		    "'active', "
		    "'suspended') UNION SELECT m.person_id FROM activity_mediators m) ad",
		    NULL, 0, &r);
	else
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena,
		        "SELECT COUNT(DISTINCT ad.person_id) FROM (SELECT c.candidate_id AS person_id, "
		        "c.organisation_id "
		        "FROM contracts c WHERE c.state IN ('planned', 'active', 'suspended') UNION SELECT "
		        "m.person_id, "
		        "m.organisation_id FROM activity_mediators m) ad JOIN organisations o ON o.id = "
		        "ad.organisation_id "
		        "LEFT JOIN communes cm ON cm.code = o.commune_code WHERE %s",
		        filter),
		    p, np, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	in_post = db_int(db_cell(r, 0, 0));
	months = (day_number(q->to) - day_number(q->from) + 1 + 15) / 30;
	if (months < 1)
		months = 1;
	*out = json_pack("{s:I, s:I, s:I, s:s}", "in_post", (json_int_t)in_post, "active", (json_int_t)active,
	    "activation_pct", (json_int_t)(in_post ? (active * 100 + in_post / 2) / in_post : 0), "per_active_month",
	    decimal1(ctx->arena, accompaniments, active * months));
	return TR_OK;
}

/* Checks Q, filling its defaults, and names the territory. */
static tr_err
query_check(struct ctx *ctx, struct activity_query *q, const char **name)
{
	const char *today = date_iso(ctx->arena, ctx->now);
	struct db_rows *r;
	tr_err err = TR_OK;

	*name = "France entière";
	if (q->level == NULL || *q->level == '\0')
		q->level = "national";
	if (q->side == NULL || *q->side == '\0')
		q->side = "session";
	if (q->to == NULL || *q->to == '\0')
		q->to = today;
	if (q->from == NULL || *q->from == '\0')
		q->from = valid_date(q->to) ? shift(ctx->arena, q->to, -364) : today;
	if (!valid_date(q->from))
		field_errors_add(&ctx->errors, "from", "« Du » : une date AAAA-MM-JJ.");
	if (!valid_date(q->to))
		field_errors_add(&ctx->errors, "to", "« Au » : une date AAAA-MM-JJ.");
	else if (valid_date(q->from) && strcmp(q->from, q->to) > 0)
		field_errors_add(&ctx->errors, "to", "« Au » doit suivre « Du ».");
	else if (valid_date(q->from) && day_number(q->to) - day_number(q->from) > 3660)
		field_errors_add(&ctx->errors, "from", "« Du » : une période de dix ans au plus.");
	if (strcmp(q->side, "session") != 0 && strcmp(q->side, "employer") != 0)
		field_errors_add(&ctx->errors, "side", "« Territoire » : « session » ou « employer ».");
	if (q->curve == NULL || *q->curve == '\0')
		q->curve = !ctx->errors.n && day_number(q->to) - day_number(q->from) <= 92 ? "day" : "month";
	if (strcmp(q->curve, "day") != 0 && strcmp(q->curve, "week") != 0 && strcmp(q->curve, "month") != 0)
		field_errors_add(&ctx->errors, "curve", "« Courbe » : « day », « week » ou « month ».");
	if (strcmp(q->level, "region") == 0 || strcmp(q->level, "departement") == 0) {
		err = db_onev(ctx->db, ctx->arena,
		    strcmp(q->level, "region") == 0 ? "SELECT name FROM regions WHERE code = ?"
		                                    : "SELECT name FROM departements WHERE code = ?",
		    &r, DB_TEXT(q->code ? q->code : ""));
		if (err == TR_NOT_FOUND)
			field_errors_add(&ctx->errors, "code", "« Territoire » : ce code n'existe pas.");
		else if (err == TR_OK)
			*name = db_text(db_cell(r, 0, 0));
	} else if (strcmp(q->level, "structure") == 0 || strcmp(q->level, "adviser") == 0) {
		err = db_onev(ctx->db, ctx->arena,
		    strcmp(q->level, "structure") == 0 ? "SELECT name FROM organisations WHERE id = ?"
		                                       : "SELECT name FROM people WHERE id = ?",
		    &r, DB_I64(q->id));
		if (err == TR_NOT_FOUND)
			field_errors_add(&ctx->errors, "id", "« Identifiant » : il n'existe pas.");
		else if (err == TR_OK)
			*name = db_text(db_cell(r, 0, 0));
	} else if (strcmp(q->level, "national") != 0) {
		field_errors_add(&ctx->errors, "level",
		    "« Niveau » : « national », « region », « departement », « structure » ou « adviser ».");
	}
	if (err != TR_OK && err != TR_NOT_FOUND)
		return ctx_storage_error(ctx, err);
	return ctx->errors.n ? TR_INVALID : TR_OK;
}

tr_err
activity_stats(struct ctx *ctx, const struct activity_query *in, json_t **out)
{
	struct activity_query q = *in;
	struct activity_vocab v;
	const char *name, *pfrom, *pto, *yfrom, *yto;
	json_t *cur = NULL, *prev = NULL, *year = NULL, *sh = NULL, *cv = NULL, *terr = NULL, *adv = NULL;
	bool employer;
	int64_t len;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = query_check(ctx, &q, &name)) != TR_OK)
		return err;
	if ((err = activity_vocab_load(ctx, &v)) != TR_OK)
		return err;
	employer = strcmp(q.side, "employer") == 0;
	len = day_number(q.to) - day_number(q.from) + 1;
	pto = shift(ctx->arena, q.from, -1);
	pfrom = shift(ctx->arena, pto, -(len - 1));
	yfrom = date_add(ctx->arena, q.from, -12, 0);
	yto = date_add(ctx->arena, q.to, -12, 0);
	if ((err = period(ctx, &q, employer, q.from, q.to, &cur)) != TR_OK ||
	    (err = period(ctx, &q, employer, pfrom, pto, &prev)) != TR_OK ||
	    (err = period(ctx, &q, employer, yfrom, yto, &year)) != TR_OK ||
	    (err = shares(ctx, &v, &q, employer, &sh)) != TR_OK || (err = curve(ctx, &q, employer, &cv)) != TR_OK ||
	    (err = territories(ctx, &q, &terr)) != TR_OK ||
	    (err = advisers(ctx, &q, employer, json_integer_value(json_object_get(cur, "accompaniments")), &adv)) !=
	        TR_OK)
		goto out;
	*out = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:{s:O, s:O, s:O}, s:O, s:O, s:O, s:O, s:s, s:s}",
	    "level", q.level, "code", q.code ? q.code : "", "id", (json_int_t)q.id, "name", name, "side", q.side,
	    "from", q.from, "to", q.to, "curve_unit", q.curve, "periods", "current", cur, "previous", prev,
	    "year_before", year, "shares", sh, "curve", cv, "territories", terr, "advisers", adv, "active_definition",
	    "Un conseiller actif a saisi au moins un compte rendu dans les 30 derniers jours.", "age_grid",
	    "Âges sur la grille harmonisée (moins de 12 ans, 12 à 17 ou 18 ans, 18 à 59 ou 60 ans, 60 ans et plus, non "
	    "communiqué), commune aux deux grilles de saisie.");
	json_object_set_new(*out, "scope_note",
	    json_string(actor_has_any(ctx->actor, ACTIVITY_NATIONAL)
	                    ? ""
	                    : "Ces chiffres ne comptent que les comptes rendus de votre périmètre : les vôtres, ceux "
	                      "des conseillers "
	                      "de votre structure ou ceux de vos régions."));
out:
	json_decref(cur);
	json_decref(prev);
	json_decref(year);
	json_decref(sh);
	json_decref(cv);
	json_decref(terr);
	json_decref(adv);
	return err;
}
