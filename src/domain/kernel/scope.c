/* The scope tables' builder (list filter and one-row check from the same rules), the list helper and the row
 * lock. */
#include "domain/kernel/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"

static void
add_param(struct sqlw *w, struct db_val v)
{
	if (w->n >= SCOPE_PARAMS_MAX) {
		fprintf(stderr, "tremplin: scope: more than %d parameters\n", SCOPE_PARAMS_MAX);
		abort();
	}
	w->p[w->n++] = v;
}

/* True when the actor may use rule R (holds one of its roles, or R asks none). */
static bool
applies(const struct actor *a, const struct scope_rule *r)
{
	return a != NULL && (r->roles == 0 || actor_has_any(a, r->roles));
}

/* Appends to W the rule's predicate, each '?' bound to the actor's person id. */
static const char *
rule_sql(struct sqlw *w, const struct actor *a, const struct scope_rule *r)
{
	for (const char *q = strchr(r->sql, '?'); q != NULL; q = strchr(q + 1, '?'))
		add_param(w, DB_I64(a->person_id));
	return r->sql;
}

/* The OR of the rules of S the actor may use, skipping those with a C check when SKIP_CHECKED; NULL when none. */
static const char *
rules_or(struct ctx *ctx, const struct scope *s, struct sqlw *w, bool skip_checked)
{
	const char *sql = NULL;

	for (size_t i = 0; i < s->nrules; i++) {
		const struct scope_rule *r = &s->rules[i];
		if (!applies(ctx->actor, r) || (skip_checked && r->check != NULL))
			continue;
		sql = sql ? arena_printf(ctx->arena, "%s OR (%s)", sql, rule_sql(w, ctx->actor, r))
		          : arena_printf(ctx->arena, "(%s)", rule_sql(w, ctx->actor, r));
	}
	return sql;
}

void
scope_where(struct ctx *ctx, const struct scope *s, struct sqlw *w)
{
	const char *sql;

	w->arena = ctx->arena;
	w->n = 0;
	sql = rules_or(ctx, s, w, false);
	w->sql = sql ? arena_printf(ctx->arena, "(%s)", sql) : "(1 = 0)";
}

void
sqlw_and(struct sqlw *w, const char *cond, struct db_val v)
{
	w->sql = arena_printf(w->arena, "%s AND %s", w->sql, cond);
	add_param(w, v);
}

void
sqlw_and_literal(struct sqlw *w, const char *cond)
{
	w->sql = arena_printf(w->arena, "%s AND %s", w->sql, cond);
}

void
sqlw_param(struct sqlw *w, struct db_val v)
{
	add_param(w, v);
}

tr_err
scope_check(struct ctx *ctx, const struct scope *s, json_t *row, int64_t id, bool *ok)
{
	struct sqlw w = { .arena = ctx->arena };
	const char *sql;
	struct db_rows *r;
	tr_err err;

	*ok = false;
	for (size_t i = 0; i < s->nrules; i++)
		if (applies(ctx->actor, &s->rules[i]) && s->rules[i].check != NULL && s->rules[i].check(ctx, row)) {
			*ok = true;
			return TR_OK;
		}
	if ((sql = rules_or(ctx, s, &w, true)) == NULL)
		return TR_OK;
	add_param(&w, DB_I64(id));
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "SELECT 1 FROM %s WHERE (%s) AND %s = ? LIMIT 1", s->from, sql, s->key), w.p, w.n,
	    &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*ok = r->nrows > 0;
	return TR_OK;
}

tr_err
scope_reaches(struct ctx *ctx, const struct scope *s, int64_t id, bool *ok)
{
	struct sqlw w;
	struct db_rows *r;
	tr_err err;

	*ok = false;
	if (ctx->actor == NULL)
		return TR_OK;
	scope_where(ctx, s, &w);
	add_param(&w, DB_I64(id));
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "SELECT 1 FROM %s WHERE %s AND %s = ? LIMIT 1", s->from, w.sql, s->key), w.p, w.n,
	    &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*ok = r->nrows > 0;
	return TR_OK;
}

tr_err
scope_load(struct ctx *ctx, const struct scope *s, const char *sql, int64_t id, const char *missing, json_t **out)
{
	bool ok = false;
	tr_err err = load_row(ctx, sql, id, missing, out);

	if (err != TR_OK)
		return err;
	if ((err = scope_check(ctx, s, *out, id, &ok)) != TR_OK || !ok) {
		json_decref(*out);
		*out = NULL;
		return err != TR_OK ? err : ctx_fail(ctx, TR_NOT_FOUND, missing);
	}
	return TR_OK;
}

/* True when C may start or continue an SQL identifier. */
static bool
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* True when the N bytes at NAME are a table or an alias that S's FROM declares ("dossiers d", "applications a
 * JOIN offers f ON f.id = a.offer_id": dossiers, d, applications, a, offers, f). */
static bool
scope_declares(const struct scope *s, const char *name, size_t n)
{
	const char *p = s->from;
	bool table_next = true, alias_next = false;

	while (*p != '\0') {
		const char *t;
		size_t tn;
		while (*p == ' ')
			p++;
		t = p;
		while (*p != '\0' && *p != ' ')
			p++;
		tn = (size_t)(p - t);
		if (tn == 0)
			break;
		if ((table_next || alias_next) && tn == n && memcmp(t, name, n) == 0)
			return true;
		alias_next = table_next;
		table_next = tn == 4 && strncasecmp(t, "JOIN", 4) == 0;
	}
	return false;
}

/* True when every column ORDER names ("d.state_since ASC, d.id ASC") is qualified by a table or an alias of S's
 * FROM: the sort can then run on the scope's tables alone. */
static bool
order_on_scope(const struct scope *s, const char *order)
{
	for (const char *p = order; *p != '\0';) {
		const char *t = p;
		if (!ident_char(*p)) {
			p++;
			continue;
		}
		while (ident_char(*p))
			p++;
		if (*p == '.') {
			if (!scope_declares(s, t, (size_t)(p - t)))
				return false;
			p++;
			while (ident_char(*p))
				p++;
		} else {
			static const char *const words[] = { "ASC", "DESC", "NULLS", "FIRST", "LAST" };
			size_t n = (size_t)(p - t), k = 0;
			while (k < sizeof(words) / sizeof(words[0]) &&
			       !(strlen(words[k]) == n && strncasecmp(t, words[k], n) == 0))
				k++;
			if (k == sizeof(words) / sizeof(words[0]))
				return false; /* an unqualified name: perhaps a column of the SELECT */
		}
	}
	return true;
}

tr_err
list_run(struct ctx *ctx, const struct list_spec *spec, struct sqlw *w, const char *sort, int64_t page,
    int64_t per_page, json_t **out)
{
	const char *order = spec->sorts[0].order_by;
	struct db_rows *n, *r;
	size_t np;
	tr_err err;

	*out = NULL;
	if (page < 1)
		page = 1;
	if (per_page <= 0)
		per_page = LIST_PER_PAGE_DEFAULT;
	if (per_page > LIST_PER_PAGE_MAX)
		per_page = LIST_PER_PAGE_MAX;
	for (size_t i = 0; sort != NULL && i < spec->nsorts; i++)
		if (strcmp(sort, spec->sorts[i].name) == 0)
			order = spec->sorts[i].order_by;
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena, "SELECT COUNT(*) FROM %s WHERE %s", spec->scope->from, w->sql),
	         w->p + spec->select_params, w->n - spec->select_params, &n)) != TR_OK)
		return ctx_storage_error(ctx, err);
	np = w->n;
	add_param(w, DB_I64(per_page));
	add_param(w, DB_I64((page - 1) * per_page));
	/* A sort on the scope's own tables picks the page's keys first, over those tables alone, and joins only
	 * that page: the engines would otherwise join every row of the list before sorting it. */
	if (order_on_scope(spec->scope, order))
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena,
		        "%s WHERE %s IN (SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT ? OFFSET ?) ORDER BY %s",
		        spec->select, spec->scope->key, spec->scope->key, spec->scope->from, w->sql, order, order),
		    w->p, w->n, &r);
	else
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena, "%s WHERE %s ORDER BY %s LIMIT ? OFFSET ?", spec->select, w->sql, order),
		    w->p, w->n, &r);
	w->n = np;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", rows_json(r), "total", (json_int_t)db_int(db_cell(n, 0, 0)),
	    "page", (json_int_t)page, "per_page", (json_int_t)per_page);
	return TR_OK;
}

tr_err
db_lock_row(struct ctx *ctx, const char *table, int64_t id)
{
	struct db_rows *r;

	return db_onev(ctx->db, ctx->arena,
	    arena_printf(ctx->arena, "SELECT id FROM %s WHERE id = ?%s", table,
	        db_engine(ctx->db) == DB_POSTGRES ? " FOR UPDATE" : ""),
	    &r, DB_I64(id));
}

void
list_filter_where(struct sqlw *w, const struct list_filter *filters, size_t nfilters, const void *f)
{
	for (size_t i = 0; i < nfilters; i++) {
		const void *member = (const char *)f + filters[i].offset;
		if (filters[i].text) {
			const char *v = *(const char *const *)member;
			if (v != NULL && *v != '\0')
				sqlw_and(w, filters[i].sql, DB_TEXT(v));
		} else if (*(const int64_t *)member > 0) {
			sqlw_and(w, filters[i].sql, DB_I64(*(const int64_t *)member));
		}
	}
}

tr_err
list_query(struct ctx *ctx, const struct list_spec *spec, const void *f, const char *sort, int64_t page,
    int64_t per_page, json_t **out)
{
	struct sqlw w;
	json_t *it;
	size_t i;
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	scope_where(ctx, spec->scope, &w);
	list_filter_where(&w, spec->filters, spec->nfilters, f);
	if ((err = list_run(ctx, spec, &w, sort, page, per_page, out)) != TR_OK)
		return err;
	if (spec->decorate != NULL)
		json_array_foreach(json_object_get(*out, "items"), i, it) spec->decorate(ctx, it);
	return TR_OK;
}
