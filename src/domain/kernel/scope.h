/* Who sees what, as data: per entity, a table of rules {who, SQL predicate, C predicate}. The same rows give
 * the filter of every list and the one-row check, so that a list never shows a row its page refuses, and a
 * relationship (an application, an accepted proposal, an approved follower) is one more row, not code.
 * Also: the one list helper (count, sort from a whitelist, page, one cap) and a row lock. */
#ifndef TR_DOMAIN_SCOPE_H
#define TR_DOMAIN_SCOPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"
#include "store/db.h"

/* SQL fragments for the predicates. Each '?' of a predicate is bound to the actor's person id; the scope of a
 * membership (its organisation, its regions) is read in SQL from the same rows the actor was built from. */
#define SCOPE_ORGS(role) \
	"(SELECT sm.organisation_id FROM memberships sm WHERE sm.person_id = ? AND sm.role = '" role "')"
#define SCOPE_REGIONS(role)                                                                                  \
	"(SELECT sr.region_code FROM membership_regions sr JOIN memberships sm ON sm.id = sr.membership_id " \
	"WHERE sm.person_id = ? AND sm.role = '" role "')"
/* The candidates who accepted (or invited) a prescriber organisation of the actor. */
#define SCOPE_FOLLOWED                                                                                     \
	"(SELECT sf.candidate_id FROM candidate_followers sf JOIN memberships sm ON sm.organisation_id = " \
	"sf.organisation_id AND sm.role = 'prescriber' WHERE sm.person_id = ? AND sf.state = 'accepted')"

/* A rule: an actor holding one of ROLES (0: any signed-in person) reaches the rows where SQL holds. CHECK says
 * the same of one loaded row (its columns as JSON) without a query; NULL when the rule needs the database (a
 * relationship), and then the one-row check asks SQL. */
struct scope_rule {
	const char *who; /* what the rule is, in English: "own organisation", "accepted proposal"… */
	unsigned roles;
	const char *sql;
	bool (*check)(const struct ctx *ctx, json_t *row);
};

/* An entity's scope: its rows (FROM, with the aliases the rules use) and its key column. */
struct scope {
	const char *entity;
	const char *from; /* "applications a JOIN offers f ON f.id = a.offer_id" */
	const char *key;  /* "a.id" */
	const struct scope_rule *rules;
	size_t nrules;
};

#define SCOPE_PARAMS_MAX 64

/* A WHERE clause being built, with its bound parameters (all in the arena of the ctx given to scope_where). */
struct sqlw {
	struct arena *arena;
	const char *sql;
	struct db_val p[SCOPE_PARAMS_MAX];
	size_t n;
};

/* Starts W with the condition of S for the actor of CTX: the rules whose roles the actor holds, joined by OR
 * ("1 = 0" for an actor no rule reaches, or anonymous). */
void scope_where(struct ctx *ctx, const struct scope *s, struct sqlw *w);

/* Appends " AND COND" to W with the one parameter V (COND has one '?'). Aborts past SCOPE_PARAMS_MAX (a
 * programming error). */
void sqlw_and(struct sqlw *w, const char *cond, struct db_val v);

/* Appends " AND COND" to W, COND having no parameter: a condition a partial index must see as written (a bound
 * value hides it from the planner). */
void sqlw_and_literal(struct sqlw *w, const char *cond);

/* Appends the parameter V of a '?' the caller writes after W's clause. */
void sqlw_param(struct sqlw *w, struct db_val v);

/* True in *OK when the actor reaches row ROW (its columns as JSON; ID its key) of S: the rules with a C check
 * are tried first, the others in one query. A storage error is returned (with its message set). */
TR_MUST_USE tr_err scope_check(struct ctx *ctx, const struct scope *s, json_t *row, int64_t id, bool *ok);

/* True in *OK when the actor reaches row ID of S, by the rules' SQL alone (no row needs loading): what a page asks
 * before drawing a link to another entity's page. False for anonymous. A storage error is returned. */
TR_MUST_USE tr_err scope_reaches(struct ctx *ctx, const struct scope *s, int64_t id, bool *ok);

/* Reads the one row SQL selects for ID as JSON into *OUT when the actor reaches it through S; TR_NOT_FOUND
 * with MISSING both when there is no such row and when the actor may not see it (what one may not see does
 * not exist for them); TR_UNAUTHORIZED when anonymous. */
TR_MUST_USE tr_err scope_load(
    struct ctx *ctx, const struct scope *s, const char *sql, int64_t id, const char *missing, json_t **out);

/* A sort a list offers: the name a caller asks for, and the ORDER BY it means (ending with a unique key). */
struct list_sort {
	const char *name;
	const char *order_by;
};

/* One page never holds more rows than this (a CSV export asks for its whole list as one page). */
#define LIST_PER_PAGE_MAX 10000
#define LIST_PER_PAGE_DEFAULT 50

/* A filter of a list, as a row: the member at OFFSET of the caller's filter struct (an int64_t, 0 for unset; or
 * with TEXT a const char *, NULL or "" for unset) narrows the list by SQL, whose one '?' takes its value. */
struct list_filter {
	size_t offset;
	bool text;
	const char *sql;
};
#define LIST_ID(type, member, sql)                   \
	{                                            \
		offsetof(type, member), false, (sql) \
	}
#define LIST_TEXT(type, member, sql)                \
	{                                           \
		offsetof(type, member), true, (sql) \
	}

/* Adds to W the SQL of each of the NFILTERS FILTERS whose member is set in F. */
void list_filter_where(struct sqlw *w, const struct list_filter *filters, size_t nfilters, const void *f);

/* A list: the scope it is filtered by, the SELECT (columns and joins, with the scope's aliases) placed before
 * WHERE, and the sorts it offers (the first is the default). When the SELECT has '?' of its own, their
 * SELECT_PARAMS values come first in the list's WHERE (the COUNT leaves them out). FILTERS are the narrowing
 * its filter struct offers (list_query), DECORATE what each item gets once read (may be NULL). */
struct list_spec {
	const struct scope *scope;
	const char *select;
	const struct list_sort *sorts;
	size_t nsorts;
	size_t select_params;
	const struct list_filter *filters;
	size_t nfilters;
	void (*decorate)(struct ctx *ctx, json_t *item);
};

/* A list for a signed-in actor, the one way: the rows of SPEC's scope, narrowed by its filters set in F (see
 * list_filter_where), sorted by SORT, paged (list_run), each item through SPEC's decorate. */
TR_MUST_USE tr_err list_query(struct ctx *ctx, const struct list_spec *spec, const void *f, const char *sort,
    int64_t page, int64_t per_page, json_t **out);

/* Runs the list: COUNT(*) over the scope's FROM with W, then SELECT … WHERE W ORDER BY (SORT when it names one
 * of the spec's sorts, else the first) LIMIT/OFFSET for PAGE (from 1) and PER_PAGE (capped at
 * LIST_PER_PAGE_MAX; 0 means the default). *OUT: {items (rows as JSON), total, page, per_page}, owned by the
 * caller. */
TR_MUST_USE tr_err list_run(struct ctx *ctx, const struct list_spec *spec, struct sqlw *w, const char *sort,
    int64_t page, int64_t per_page, json_t **out);

/* Locks row ID of TABLE (a literal name) until the end of the transaction: SELECT … FOR UPDATE on PostgreSQL;
 * nothing on SQLite, where BEGIN IMMEDIATE already holds the database's write lock. TR_NOT_FOUND when there is
 * no such row. Inside a transaction only. */
TR_MUST_USE tr_err db_lock_row(struct ctx *ctx, const char *table, int64_t id);

#endif
