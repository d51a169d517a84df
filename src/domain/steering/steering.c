/* The steering figures: the table of indicators, the scope of each actor (a scope table read by scope_where), the
 * sources they are computed from, and the one engine that runs them over a period and the previous one.
 *
 * Why sources and tallies rather than one query per indicator and period: the dashboard shows 34 figures, each
 * beside its previous period; one query each made some 70 queries a request, most of them reading the same
 * contracts, dossiers or journal rows again with another GROUP BY (about 0.5 s at p50 on the national-size set).
 * Each table is now read once per request, over the span of both periods, within the reader's scope (the
 * scope table below is applied to every source, so a figure never reaches a row its reader may not see), and each
 * indicator's tallies sort its fact rows in C, period by period. The figures stay live (no copy, no batch: the
 * rows are those of the request's snapshot); rollups kept in the same transaction as the writes were the other
 * way, but every write of contracts, dossiers, offers, applications and the journal would have had to keep
 * them, and a new indicator would have needed a migration. The activity figures read the activity rollups
 * (activity_rollup: day × adviser × structure × commune), never the raw reports. */
#include "domain/steering/steering.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/export.h"
#include "core/time.h"
#include "domain/activity/activity_stats.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/scope.h"
#include "model/candidates/candidate.h"
#include "model/programmes/programme.h"
#include "model/recruitment/contract.h"
#include "model/steering/steering.h"
#include "model/training/training.h"

/* Whose figures an actor sees, as a scope table over the rows x of every source (x.region_code,
 * x.organisation_id). A row outside every region (the programme's national target, the national envelope)
 * reaches only national reach. */
static const struct scope_rule steer_rules[] = {
	{ "national reach", STEER_NATIONAL, "1 = 1", NULL },
	{ "regions of a regional officer", ROLE_BIT(ROLE_REGIONAL), "x.region_code IN " SCOPE_REGIONS("regional"),
	    NULL },
	{ "regions of a pole", ROLE_BIT(ROLE_POLE), "x.region_code IN " SCOPE_REGIONS("pole"), NULL },
	{ "own organisation", ROLE_BIT(ROLE_EMPLOYER), "x.organisation_id IN " SCOPE_ORGS("employer"), NULL },
};
static const struct scope steer_scope = { "steering", NULL, NULL, steer_rules,
	sizeof(steer_rules) / sizeof(steer_rules[0]) };

const struct steer_section steer_sections[] = {
	{ "posts", "Postes" },
	{ "pipeline", "Instruction des dossiers" },
	{ "recruitment", "Recrutement" },
	{ "training", "Formation" },
	{ "outcomes", "Sorties" },
	{ "money", "Financement" },
	{ "activity", "Activité des conseillers" },
};
const size_t steer_sections_count = sizeof(steer_sections) / sizeof(steer_sections[0]);

/* ---- Sources ---- */

/* A source: one query yielding region_code, organisation_id (what the scope reads) then its own columns; its '?'
 * are bound in the order of PARAMS: 'p' the programme id; for the period asked 'f' and 't' its first and last
 * day, 'a' and 'b' the period as epoch seconds [a, b), 'w' the day ACTIVITY_ACTIVE_DAYS before its last day,
 * 'y' the year of its last day; 'F', 'T', 'A', 'B', 'W' the same of the previous period, 'Y' the year of the
 * previous period's first day (so that "year BETWEEN Y AND y" covers both). It is read once
 * per request (both periods: the previous period ends the day before the period begins). */
struct steer_source {
	const char *id;
	const char *sql;
	const char *params;
	const char *order; /* NULL, or the ORDER BY over x the tallies rely on */
	/* NULL, or what is summed once the scope has kept its rows: the select list over x (region_code and
	 * organisation_id first, NULL when not grouped by) and its GROUP BY; the tallies read these columns. */
	const char *outer, *group;
};

/* Contracts that may count in either period (in force, started, ended or followed up in it, or signed in it),
 * with what the figures read of their recruit, offer, place, dossier, region, path, tutor and eligibility. The
 * latest diagnosis decided on or before the start is the eligibility's. */
enum {
	K_ID = 2,
	K_STATE,
	K_START,
	K_ENDED,
	K_OUTCOME,
	K_FOLLOWUP_DUE,
	K_FOLLOWUP,
	K_ENDED_BY,
	K_BREAK,
	K_CREATED,
	K_OFFER_CREATED,
	K_BIRTH,
	K_LEVEL,
	K_AREA,
	K_SEX,
	K_JP,
	K_JP_TITLE,
	K_DEP,
	K_DEP_NAME,
	K_NETWORKS,
	K_CATEGORY,
	K_REGION_NAME,
	K_TUTOR,
	K_MODULES,
	K_MODULES_STARTED,
	K_MODULES_DONE,
	K_LATE,
	K_LATE_PREV,
	K_TUTOR_TRAINED_ON,
	K_DIAG_OVERRIDDEN,
	K_DIAG_CRITERIA,
	K_RQTH,
	K_DIAG_ON,
	K_CANDIDATE,
	K_HAS_CANDIDATE,
	K_HAS_DOSSIER,
};
static const struct steer_source src_contracts = { "contracts",
	"SELECT c.region_code, c.organisation_id, c.id, c.state, c.start_on, c.ended_on, c.outcome, c.followup_due_on, "
	"c.followup_outcome, c.ended_by, c.break_reason, c.created_at, f.created_at AS offer_created, n.birth_date, "
	"n.qualification_level, n.priority_area, n.sex, CAST(f.job_profile_id AS TEXT) AS jp, jp.title, "
	"f.departement_code, de.name AS dep_name, pl.networks, d.employer_category, rg.name AS region_name, "
	"c.tutor_id, COALESCE(pm.n, 0) AS modules, COALESCE(pm.started, 0) AS started, COALESCE(pm.done, 0) AS "
	"done, COALESCE(pm.late, 0) AS late, COALESCE(pm.late_prev, 0) AS late_prev, (SELECT MIN(s.starts_on) FROM "
	"session_registrations g JOIN training_sessions s ON s.id = g.session_id WHERE g.person_id = c.tutor_id AND "
	"g.state = 'registered' AND s.audience = 'tutors' AND s.state <> 'cancelled') AS tutor_trained_on, "
	"e.overridden, e.criteria, n.rqth, e.decided_on, c.candidate_id, CASE WHEN n.person_id IS NULL THEN 0 ELSE "
	"1 END AS has_candidate, CASE WHEN d.id IS NULL THEN 0 ELSE 1 END AS has_dossier FROM (SELECT c0.*, (SELECT "
	"e0.id FROM eligibility_diagnoses e0 WHERE e0.candidate_id = c0.candidate_id AND e0.programme_id = "
	"c0.programme_id AND e0.decided_on <= c0.start_on ORDER BY e0.decided_on DESC, e0.id DESC LIMIT 1) AS "
	"diagnosis_id FROM contracts c0 WHERE c0.programme_id = ? AND ((c0.state <> 'planned' AND c0.start_on <= ? "
	"AND (c0.ended_on IS NULL OR c0.ended_on >= ?)) OR (c0.followup_due_on >= ? AND c0.followup_due_on <= ?) OR "
	"(c0.created_at >= ? AND c0.created_at < ?))) c LEFT JOIN candidates n ON n.person_id = c.candidate_id LEFT "
	"JOIN offers f ON f.id = c.offer_id LEFT JOIN job_profiles jp ON jp.id = f.job_profile_id LEFT JOIN "
	"departements de ON de.code = f.departement_code LEFT JOIN places pl ON pl.id = f.place_id LEFT JOIN "
	"dossiers d ON d.id = c.dossier_id LEFT JOIN regions rg ON rg.code = c.region_code LEFT JOIN "
	"eligibility_diagnoses e ON e.id = c.diagnosis_id LEFT JOIN (SELECT m.contract_id, COUNT(*) AS n, SUM(CASE "
	"WHEN m.state IN ('in_progress', 'completed') THEN 1 ELSE 0 END) AS started, SUM(CASE WHEN m.state = "
	"'completed' THEN 1 ELSE 0 END) AS done, SUM(CASE WHEN m.state IN ('planned', 'in_progress') AND m.ends_on "
	"< ? THEN 1 ELSE 0 END) AS late, SUM(CASE WHEN m.state IN ('planned', 'in_progress') AND m.ends_on < ? THEN "
	"1 ELSE 0 END) AS late_prev FROM path_modules m GROUP BY m.contract_id) pm ON pm.contract_id = c.id",
	"ptFFtAbtT", NULL, NULL, NULL };

/* Dossiers created before the end of the period, with their place's département and networks, their job
 * profile and region. */
enum {
	D_STATE = 2,
	D_CREATED,
	D_DECISION_AT,
	D_POSTS,
	D_OPINION,
	D_OPINION_AT,
	D_REASON,
	D_CATEGORY,
	D_DEP,
	D_DEP_NAME,
	D_JP,
	D_JP_TITLE,
	D_NETWORKS,
	D_REGION_NAME,
	D_HAS_PLACE,
};
static const struct steer_source src_dossiers = { "dossiers",
	"SELECT d.region_code, d.organisation_id, d.state, d.created_at, d.decision_at, d.posts_granted, d.opinion, "
	"d.opinion_at, d.decision_reason, d.employer_category, pl.departement_code, de.name AS dep_name, "
	"CAST(d.job_profile_id AS TEXT) AS jp, jp.title, pl.networks, rg.name AS region_name, CASE WHEN pl.id IS "
	"NULL THEN 0 ELSE 1 END AS has_place FROM dossiers d LEFT JOIN places pl ON pl.id = d.place_id LEFT JOIN "
	"departements de ON de.code = pl.departement_code LEFT JOIN job_profiles jp ON jp.id = d.job_profile_id "
	"LEFT JOIN regions rg ON rg.code = d.region_code WHERE d.programme_id = ? AND d.created_at < ?",
	"pb", NULL, NULL, NULL };

/* Offers created in either period or closed in it, with the contracts signed on the closed ones. */
enum { O_CREATED = 2, O_POSTS, O_STATE, O_UPDATED, O_CONTRACTS };
static const struct steer_source src_offers = { "offers",
	"SELECT f.region_code, f.organisation_id, f.created_at, f.posts, f.state, f.updated_at, CASE WHEN f.state = "
	"'closed' THEN (SELECT COUNT(*) FROM contracts c2 WHERE c2.offer_id = f.id) ELSE 0 END AS contracts FROM "
	"offers f WHERE f.programme_id = ? AND ((f.created_at >= ? AND f.created_at < ?) OR (f.state = 'closed' AND "
	"f.updated_at >= ? AND f.updated_at < ?))",
	"pAbAb", NULL, NULL, NULL };

/* Applications made in either period, counted by state and period in SQL (tens of thousands of rows). */
enum { A_STATE = 2, A_CURRENT, A_N };
static const struct steer_source src_applications = { "applications",
	"SELECT f.region_code, f.organisation_id, a.state, CASE WHEN a.created_at >= ? THEN 1 ELSE 0 END AS cur FROM "
	"applications a JOIN offers f ON f.id = a.offer_id WHERE f.programme_id = ? AND a.created_at >= ? AND "
	"a.created_at < ?",
	"apAb", NULL, "NULL, NULL, x.state, x.cur, COUNT(*)", "x.state, x.cur" };

/* The journal of the dossiers up to the end of the period, dossier by dossier in the order written. */
enum { J_DOSSIER = 2, J_ID, J_ACTION, J_AT, J_DETAIL };
static const struct steer_source src_journal = { "journal",
	"SELECT d.region_code, d.organisation_id, j.entity_id, j.id, j.action, j.at, j.detail FROM journal j JOIN "
	"dossiers d ON d.id = j.entity_id WHERE j.entity = 'dossier' AND d.programme_id = ? AND j.at < ?",
	"pb", "x.entity_id, x.id", NULL, NULL };

/* The targets: the regions' rows, and the programme's own (no region: national reach only). */
enum { G_TARGET = 2, G_NAME };
static const struct steer_source src_targets = { "targets",
	"SELECT t.region_code, CAST(NULL AS BIGINT) AS organisation_id, t.target_posts, rg.name FROM "
	"programme_region_targets t LEFT JOIN regions rg ON rg.code = t.region_code WHERE t.programme_id = ? UNION "
	"ALL SELECT CAST(NULL AS TEXT), CAST(NULL AS BIGINT), g.target_posts, CAST(NULL AS TEXT) FROM programmes g "
	"WHERE g.id = ?",
	"pp", NULL, NULL, NULL };

/* Training sessions whose registration deadline falls in either period; whether the scheduled job cancelled
 * them under their minimum of registrants (the journal's cancel_under_minimum). */
enum { S_AUDIENCE = 2, S_STATE, S_DEADLINE, S_UNDER_MIN };
static const struct steer_source src_sessions = { "sessions",
	"SELECT s.region_code, CAST(NULL AS BIGINT) AS organisation_id, s.audience, s.state, s.registration_deadline, "
	"CASE WHEN EXISTS (SELECT 1 FROM journal j WHERE j.entity = 'training_session' AND j.entity_id = s.id AND "
	"j.action = 'cancel_under_minimum') THEN 1 ELSE 0 END AS under_min FROM training_sessions s WHERE "
	"s.programme_id = ? AND s.registration_deadline >= ? AND s.registration_deadline <= ?",
	"pFt", NULL, NULL, NULL };

/* The current schedule lines whose period begins in either period (what the budget pages call committed), and
 * what was paid of them, summed by structure in SQL. */
enum { L_CURRENT = 2, L_AMOUNT, L_PAID };
static const struct steer_source src_lines = { "schedule_lines",
	"SELECT l.region_code, l.organisation_id, CASE WHEN l.period_from >= ? THEN 1 ELSE 0 END AS cur, "
	"l.amount_cents, CASE WHEN l.paid = 1 THEN l.amount_cents ELSE 0 END AS paid FROM schedule_lines l WHERE "
	"l.programme_id = ? AND l.period_from >= ? AND l.period_from <= ? AND l.version_to IS NULL",
	"fpFt", NULL, "x.region_code, NULL, x.cur, SUM(x.amount_cents), SUM(x.paid)", "x.region_code, x.cur" };

/* Recoveries notified in either period, or repaid in it. */
enum { R_AMOUNT = 2, R_STATE, R_CREATED, R_REPAID_ON };
static const struct steer_source src_recoveries = { "recoveries",
	"SELECT r.region_code, r.organisation_id, r.amount_cents, r.state, r.created_at, r.repaid_on FROM recoveries r "
	"WHERE r.programme_id = ? AND ((r.created_at >= ? AND r.created_at < ?) OR (r.repaid_on >= ? AND r.repaid_on "
	"<= ?))",
	"pAbFt", NULL, NULL, NULL };

/* The budget envelopes of the years either period touches; the national one ('' region) has no region. */
enum { E_YEAR = 2, E_COMMITMENTS, E_PAYMENTS };
static const struct steer_source src_envelopes = { "budget_envelopes",
	"SELECT CASE WHEN e.region_code = '' THEN CAST(NULL AS TEXT) ELSE e.region_code END AS region_code, CAST(NULL "
	"AS BIGINT) AS organisation_id, e.year, e.commitments_cents, e.payments_cents FROM budget_envelopes e WHERE "
	"e.programme_id = ? AND e.year >= ? AND e.year <= ?",
	"pYy", NULL, NULL, NULL };

/* The activity of the programme's recruits, from the rollups (day × adviser × structure × commune of the
 * session; region_code: where the session took place), summed by structure, type and period in SQL. */
enum { V_TYPE = 2, V_CURRENT, V_REPORTS, V_PARTICIPANTS };
static const struct steer_source src_activity = { "activity_rollup",
	"SELECT a.region_code, a.organisation_id, a.type, CASE WHEN a.day >= ? THEN 1 ELSE 0 END AS cur, a.reports, "
	"a.participants FROM activity_rollup a WHERE a.day >= ? AND a.day <= ? AND a.adviser_id IN (SELECT "
	"k.candidate_id FROM contracts k WHERE k.programme_id = ?)",
	"fFtp", NULL, "NULL, NULL, x.type, x.cur, SUM(x.reports), SUM(x.participants)", "x.type, x.cur" };

/* The recruits of the programme with a report in the ACTIVITY_ACTIVE_DAYS days up to the last day of either
 * period (the activity issue's one definition of an active adviser), from the rollups. */
enum { W_ADVISER = 2, W_CURRENT };
static const struct steer_source src_active = { "activity_active",
	"SELECT a.region_code, a.organisation_id, a.adviser_id, 1 AS cur FROM activity_rollup a WHERE a.day > ? AND "
	"a.day <= ? AND a.adviser_id IN (SELECT k.candidate_id FROM contracts k WHERE k.programme_id = ?) UNION ALL "
	"SELECT a.region_code, a.organisation_id, a.adviser_id, 0 FROM activity_rollup a WHERE a.day > ? AND a.day <= "
	"? AND a.adviser_id IN (SELECT k.candidate_id FROM contracts k WHERE k.programme_id = ?)",
	"wtpWTp", NULL, "NULL, NULL, x.adviser_id, x.cur", "x.adviser_id, x.cur" };

static const struct steer_source *const steer_sources[] = { &src_contracts, &src_dossiers, &src_offers,
	&src_applications, &src_journal, &src_targets, &src_sessions, &src_lines, &src_recoveries, &src_envelopes,
	&src_activity, &src_active };
#define NSOURCES (sizeof(steer_sources) / sizeof(steer_sources[0]))

/* ---- The request: its sources read once, and what every tally shares ---- */

/* A path of the programme's eligibility criteria (its code path_N and label). */
struct steer_path {
	const char *code, *label;
};

struct steer_run {
	struct ctx *ctx;
	const struct steer_query *q;
	const char *pfrom, *pto;
	struct db_rows *rows[NSOURCES]; /* NULL until read */
	bool loaded;                    /* the programme's paths and the networks' labels */
	struct steer_path *paths;
	size_t npaths;
	int64_t age_max; /* the criteria's maximum age without RQTH (0: none) */
	struct db_rows *networks;
};

/* One row of a table being made. */
struct steer_acc {
	const char *key, *label;
	int64_t v[3];
	int64_t *vals; /* STEER_DIST: the values; distinct counts: the ids */
	size_t nvals, cap;
};

struct steer_calc {
	struct ctx *ctx;
	struct steer_run *run;
	const struct indicator *ind;
	bool current;                     /* the period asked (false: the previous one) */
	int64_t from, to;                 /* the period as epoch seconds [from, to) */
	const char *first_day, *last_day; /* and as days */
	struct steer_acc *acc;
	size_t nacc, capacc;
	int64_t seq, entered[2]; /* the review tally's walk through a dossier's journal */
	json_t *rows;            /* [{key, label, values}] once tallied */
};

static const char *
cell(const struct db_rows *r, size_t i, size_t col)
{
	return db_isnull(db_cell(r, i, col)) ? NULL : db_text(db_cell(r, i, col));
}

static int64_t
num(const struct db_rows *r, size_t i, size_t col)
{
	return db_int(db_cell(r, i, col));
}

static bool
is(const char *s, const char *v)
{
	return s && strcmp(s, v) == 0;
}

/* The row KEY of C's table (made with LABEL when new). */
static struct steer_acc *
acc_row(struct steer_calc *c, const char *key, const char *label)
{
	for (size_t i = 0; i < c->nacc; i++)
		if (strcmp(c->acc[i].key, key) == 0)
			return &c->acc[i];
	if (c->nacc == c->capacc) {
		size_t cap = c->capacc ? c->capacc * 2 : 16;
		struct steer_acc *n = arena_alloc(c->ctx->arena, sizeof(*n) * cap);
		if (c->nacc)
			memcpy(n, c->acc, sizeof(*n) * c->nacc);
		c->acc = n;
		c->capacc = cap;
	}
	c->acc[c->nacc] = (struct steer_acc){ .key = arena_strdup(c->ctx->arena, key),
		.label = arena_strdup(c->ctx->arena, label ? label : "") };
	return &c->acc[c->nacc++];
}

static void
add(struct steer_calc *c, const char *key, const char *label, size_t col, int64_t n)
{
	acc_row(c, key, label)->v[col] += n;
}

static void
push(struct steer_calc *c, const char *key, int64_t x)
{
	struct steer_acc *a = acc_row(c, key, NULL);

	if (a->nvals == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		int64_t *n = arena_alloc(c->ctx->arena, sizeof(*n) * cap);
		if (a->nvals)
			memcpy(n, a->vals, sizeof(*n) * a->nvals);
		a->vals = n;
		a->cap = cap;
	}
	a->vals[a->nvals++] = x;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The number of distinct values pushed to row KEY. */
static int64_t
distinct(struct steer_calc *c, const char *key)
{
	struct steer_acc *a = acc_row(c, key, NULL);
	int64_t n = 0;

	if (a->nvals > 1)
		qsort(a->vals, a->nvals, sizeof(*a->vals), cmp_i64);
	for (size_t i = 0; i < a->nvals; i++)
		n += i == 0 || a->vals[i] != a->vals[i - 1];
	return n;
}

static json_t *
dist_values(int64_t *v, size_t n)
{
	if (n == 0)
		return json_pack("[i, n, n]", 0);
	qsort(v, n, sizeof(*v), cmp_i64);
	/* Nearest rank: the value at rank ⌈p·n⌉. */
	return json_pack(
	    "[I, I, I]", (json_int_t)n, (json_int_t)v[(n + 1) / 2 - 1], (json_int_t)v[(9 * n + 9) / 10 - 1]);
}

/* ---- Who counts in a period ---- */

static bool
day_in(const struct steer_calc *c, const char *day)
{
	return day && strcmp(day, c->first_day) >= 0 && strcmp(day, c->last_day) <= 0;
}

static bool
time_in(const struct steer_calc *c, int64_t t)
{
	return t >= c->from && t < c->to;
}

static bool
signed_(const struct db_rows *r, size_t i)
{
	return !is(cell(r, i, K_STATE), "planned");
}

/* Filled on the last day: started by then and not ended before it (a contract ended on the last day counts). */
static bool
filled(const struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *ended = cell(r, i, K_ENDED);

	return signed_(r, i) && strcmp(cell(r, i, K_START), c->last_day) <= 0 &&
	       (ended == NULL || strcmp(ended, c->last_day) >= 0);
}

/* In force on one day of the period at least. */
static bool
in_force(const struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *ended = cell(r, i, K_ENDED);

	return signed_(r, i) && strcmp(cell(r, i, K_START), c->last_day) <= 0 &&
	       (ended == NULL || strcmp(ended, c->first_day) >= 0);
}

/* Started in the period. */
static bool
recruited(const struct steer_calc *c, const struct db_rows *r, size_t i)
{
	return signed_(r, i) && day_in(c, cell(r, i, K_START));
}

/* Ended (at its term or before) in the period. */
static bool
ended_in(const struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *state = cell(r, i, K_STATE);

	return (is(state, "completed") || is(state, "ended_early")) && day_in(c, cell(r, i, K_ENDED));
}

static bool
granted(const struct steer_calc *c, const struct db_rows *r, size_t i)
{
	return is(cell(r, i, D_STATE), "validated") && !db_isnull(db_cell(r, i, D_DECISION_AT)) &&
	       num(r, i, D_DECISION_AT) < c->to;
}

static const char *
or_unknown(const char *s)
{
	return s ? s : "unknown";
}

/* ---- Tallies ---- */

/* The targets: the programme's own (national reach) or the sum of the regions' in scope; see take_target. */
static void
t_target(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	add(c, cell(r, i, 0) ? "target" : "target_national", "", 0, num(r, i, G_TARGET));
}

static void
t_granted(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (granted(c, r, i))
		add(c, "granted", "", 0, num(r, i, D_POSTS));
}

static void
t_filled(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (filled(c, r, i))
		add(c, "filled", "", 0, 1);
}

/* Posts returned: of the offers closed in the period, the posts no contract filled. */
static void
t_returned(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	int64_t left = num(r, i, O_POSTS) - num(r, i, O_CONTRACTS);

	if (is(cell(r, i, O_STATE), "closed") && time_in(c, num(r, i, O_UPDATED)))
		add(c, "returned", "", 0, left > 0 ? left : 0);
}

static void
t_cumulative(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (recruited(c, r, i)) {
		const char *month = arena_strndup(c->ctx->arena, cell(r, i, K_START), 7);
		add(c, month, month, 0, 1);
	}
}

/* Posts by a dimension: granted (column 0) from the dossiers, filled (column 1) from the contracts. */
static void
t_region_target(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (cell(r, i, 0) && cell(r, i, G_NAME))
		add(c, cell(r, i, 0), cell(r, i, G_NAME), 2, num(r, i, G_TARGET));
}

static void
t_region_granted(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (granted(c, r, i) && cell(r, i, D_REGION_NAME))
		add(c, cell(r, i, 0), cell(r, i, D_REGION_NAME), 0, num(r, i, D_POSTS));
}

static void
t_region_filled(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (filled(c, r, i) && cell(r, i, K_REGION_NAME))
		add(c, cell(r, i, 0), cell(r, i, K_REGION_NAME), 1, 1);
}

static void
t_dep_granted(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (granted(c, r, i) && cell(r, i, D_DEP_NAME))
		add(c, cell(r, i, D_DEP), cell(r, i, D_DEP_NAME), 0, num(r, i, D_POSTS));
}

static void
t_dep_filled(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (filled(c, r, i) && cell(r, i, K_DEP_NAME))
		add(c, cell(r, i, K_DEP), cell(r, i, K_DEP_NAME), 1, 1);
}

static void
t_jp_granted(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (granted(c, r, i) && cell(r, i, D_JP_TITLE))
		add(c, cell(r, i, D_JP), cell(r, i, D_JP_TITLE), 0, num(r, i, D_POSTS));
}

static void
t_jp_filled(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (filled(c, r, i) && cell(r, i, K_JP_TITLE))
		add(c, cell(r, i, K_JP), cell(r, i, K_JP_TITLE), 1, 1);
}

/* Each network of NETWORKS ("a|b") that the reference table knows gets N in column COL. */
static void
add_networks(struct steer_calc *c, const char *networks, size_t col, int64_t n)
{
	const struct db_rows *nets = c->run->networks;

	for (size_t k = 0; networks && nets && k < nets->nrows; k++) {
		const char *code = cell(nets, k, 0), *p = networks;
		size_t len = strlen(code);
		while ((p = strstr(p, code)) != NULL) {
			if ((p == networks || p[-1] == '|') && (p[len] == '\0' || p[len] == '|')) {
				add(c, code, cell(nets, k, 1), col, n);
				break;
			}
			p += len;
		}
	}
}

static void
t_network_granted(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (granted(c, r, i))
		add_networks(c, cell(r, i, D_NETWORKS), 0, num(r, i, D_POSTS));
}

static void
t_network_filled(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (filled(c, r, i))
		add_networks(c, cell(r, i, K_NETWORKS), 1, 1);
}

static void
t_kind_granted(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (granted(c, r, i))
		add(c, or_unknown(cell(r, i, D_CATEGORY)), "", 0, num(r, i, D_POSTS));
}

static void
t_kind_filled(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (filled(c, r, i) && num(r, i, K_HAS_DOSSIER))
		add(c, or_unknown(cell(r, i, K_CATEGORY)), "", 1, 1);
}

static void
t_dossier_state(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (num(r, i, D_CREATED) < c->to)
		add(c, cell(r, i, D_STATE), "", 0, 1);
}

static void
t_opinion(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (cell(r, i, D_OPINION) && !db_isnull(db_cell(r, i, D_OPINION_AT)) && time_in(c, num(r, i, D_OPINION_AT)))
		add(c, cell(r, i, D_OPINION), "", 0, 1);
}

static void
t_refusal(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *reason = cell(r, i, D_REASON);

	if (is(cell(r, i, D_STATE), "refused") && !db_isnull(db_cell(r, i, D_DECISION_AT)) &&
	    time_in(c, num(r, i, D_DECISION_AT)))
		add(c, reason ? reason : "", reason ? reason : "", 0, 1);
}

/* The value of member NAME in a journal detail written by jansson ({"from": "…", "to": "…"}), in the arena;
 * NULL when absent. The states are plain codes (no escapes). */
static const char *
detail_member(struct arena *a, const char *detail, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = detail; p && (p = strchr(p, '"')) != NULL; p++) {
		if (strncmp(p + 1, name, n) != 0 || p[n + 1] != '"')
			continue;
		p += n + 2;
		while (*p == ' ' || *p == ':')
			p++;
		if (*p != '"')
			return NULL;
		p++;
		return arena_strndup(a, p, strcspn(p, "\""));
	}
	return NULL;
}

/* Days in review: every passage through regional or national review that ended in the period is one value (a
 * dossier reopened goes through national review twice). The rows come dossier by dossier in the order
 * written. */
static void
t_review(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	static const char *const stage[2] = { "regional_review", "national_review" };
	const char *detail = cell(r, i, J_DETAIL), *from, *to;
	int64_t dossier = num(r, i, J_DOSSIER), at = num(r, i, J_AT);

	if (c->nacc == 0) {
		acc_row(c, stage[0], NULL);
		acc_row(c, stage[1], NULL);
		c->seq = -1;
	}
	if (at >= c->to)
		return;
	if (dossier != c->seq)
		c->entered[0] = c->entered[1] = -1;
	c->seq = dossier;
	from = detail_member(c->ctx->arena, detail, "from");
	to = detail_member(c->ctx->arena, detail, "to");
	for (int s = 0; s < 2 && from && to; s++) {
		if (strcmp(from, stage[s]) == 0 && c->entered[s] >= 0) {
			if (time_in(c, at))
				push(c, stage[s], (at - c->entered[s]) / 86400);
			c->entered[s] = -1;
		}
		if (strcmp(to, stage[s]) == 0)
			c->entered[s] = at;
	}
}

static void
t_decision(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *action = cell(r, i, J_ACTION);

	if ((is(action, "validate") || is(action, "refuse") || is(action, "reopen")) && time_in(c, num(r, i, J_AT)))
		add(c, action, "", 0, 1);
}

static void
t_offers(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (time_in(c, num(r, i, O_CREATED))) {
		add(c, "offers", "", 0, 1);
		add(c, "posts", "", 0, num(r, i, O_POSTS));
	}
}

static void
t_applications(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if ((num(r, i, A_CURRENT) != 0) == c->current)
		add(c, "applications", "", 0, num(r, i, A_N));
}

static void
t_recruitments(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (recruited(c, r, i))
		add(c, "recruitments", "", 0, 1);
}

static void
t_application_state(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if ((num(r, i, A_CURRENT) != 0) == c->current)
		add(c, cell(r, i, A_STATE), "", 0, num(r, i, A_N));
}

/* Days from the offer's publication to the contract's signature, for the contracts signed in the period. */
static void
t_time_to_recruit(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (!db_isnull(db_cell(r, i, K_OFFER_CREATED)) && time_in(c, num(r, i, K_CREATED)))
		push(c, "all", (num(r, i, K_CREATED) - num(r, i, K_OFFER_CREATED)) / 86400);
}

/* Whole years from BIRTH to ON ("YYYY-MM-DD" both); -1 when BIRTH is missing or malformed. */
static int
age_on(const char *birth, const char *on)
{
	if (birth == NULL || strlen(birth) < 10 || on == NULL || strlen(on) < 10)
		return -1;
	return atoi(on) - atoi(birth) - (strncmp(on + 5, birth + 5, 5) < 0 ? 1 : 0);
}

static void
t_age(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	int age;

	if (!recruited(c, r, i) || !num(r, i, K_HAS_CANDIDATE))
		return;
	age = age_on(cell(r, i, K_BIRTH), cell(r, i, K_START));
	add(c,
	    age < 0     ? "unknown"
	    : age < 18  ? "a_u18"
	    : age <= 21 ? "b_18_21"
	    : age <= 25 ? "c_22_25"
	    : age <= 30 ? "d_26_30"
	                : "e_31",
	    "", 0, 1);
}

static void
t_qualification(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (recruited(c, r, i) && num(r, i, K_HAS_CANDIDATE))
		add(c, or_unknown(cell(r, i, K_LEVEL)), "", 0, 1);
}

static void
t_area(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (recruited(c, r, i) && num(r, i, K_HAS_CANDIDATE))
		add(c, or_unknown(cell(r, i, K_AREA)), "", 0, 1);
}

static void
t_sex(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (recruited(c, r, i) && num(r, i, K_HAS_CANDIDATE))
		add(c, or_unknown(cell(r, i, K_SEX)), "", 0, 1);
}

/* The eligibility path of a recruit: none without a diagnosis; the prescriber's override; else the first of the
 * programme's paths the diagnosis found met (in the programme's order: the general path before the
 * exceptions), or "computed" when the criteria have no path (age alone). Column 1: those whose age was met only
 * through the RQTH (older than the criteria's maximum on the day of the diagnosis). */
static void
t_eligibility(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *key = "none", *criteria;
	json_t *list, *x;
	size_t k;
	int age;

	if (!recruited(c, r, i) || !num(r, i, K_HAS_CANDIDATE))
		return;
	criteria = cell(r, i, K_DIAG_CRITERIA);
	if (criteria && num(r, i, K_DIAG_OVERRIDDEN))
		key = "override";
	else if (criteria) {
		key = "computed";
		list = json_loads(criteria, 0, NULL);
		json_array_foreach(list, k, x)
		{
			const char *code = json_string_value(json_object_get(x, "code"));
			if (code && strncmp(code, "path_", 5) == 0 && json_is_true(json_object_get(x, "met"))) {
				key = arena_strdup(c->ctx->arena, code);
				break;
			}
		}
		json_decref(list);
	}
	add(c, key, "", 0, 1);
	age = age_on(cell(r, i, K_BIRTH), cell(r, i, K_DIAG_ON));
	if (criteria && num(r, i, K_RQTH) && c->run->age_max > 0 && age > c->run->age_max)
		add(c, key, "", 1, 1);
}

static void
t_in_force(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (in_force(c, r, i))
		add(c, "in_force", "", 0, 1);
}

static void
t_ended_early(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (is(cell(r, i, K_STATE), "ended_early") && day_in(c, cell(r, i, K_ENDED)))
		add(c, "ended_early", "", 0, 1);
}

static void
t_broken_by(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (is(cell(r, i, K_STATE), "ended_early") && day_in(c, cell(r, i, K_ENDED)))
		add(c, or_unknown(cell(r, i, K_ENDED_BY)), "", 0, 1);
}

static void
t_break_reason(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (is(cell(r, i, K_STATE), "ended_early") && day_in(c, cell(r, i, K_ENDED)))
		add(c, or_unknown(cell(r, i, K_BREAK)), "", 0, 1);
}

/* Paths: of the contracts in force, started (a module in progress or completed), completed (every module
 * completed, one at least); modules late on the last day (not completed, due before it). */
static void
t_paths(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	int64_t modules = num(r, i, K_MODULES);

	if (!in_force(c, r, i))
		return;
	add(c, "contracts", "", 0, 1);
	if (num(r, i, K_MODULES_STARTED) > 0)
		add(c, "started", "", 0, 1);
	if (modules > 0 && num(r, i, K_MODULES_DONE) == modules)
		add(c, "completed", "", 0, 1);
	add(c, "modules_late", "", 0, num(r, i, c->current ? K_LATE : K_LATE_PREV));
}

/* Tutors of the contracts in force, each once: trained when registered to a tutors' session (not cancelled)
 * that began by the last day. */
static void
t_tutors(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *on = cell(r, i, K_TUTOR_TRAINED_ON);

	if (in_force(c, r, i) && !db_isnull(db_cell(r, i, K_TUTOR)))
		push(c, on && strcmp(on, c->last_day) <= 0 ? "trained" : "untrained", num(r, i, K_TUTOR));
}

static void
t_outcome(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *o = cell(r, i, K_OUTCOME);

	if (ended_in(c, r, i))
		add(c, o ? o : "pending", "", 0, 1);
}

static void
t_followup(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *o = cell(r, i, K_FOLLOWUP);

	if (day_in(c, cell(r, i, K_FOLLOWUP_DUE)))
		add(c, o ? o : "pending", "", 0, 1);
}

static void
t_outcome_region(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *o = cell(r, i, K_OUTCOME);

	if (ended_in(c, r, i) && cell(r, i, K_REGION_NAME)) {
		add(c, cell(r, i, 0), cell(r, i, K_REGION_NAME), 0, 1);
		add(c, cell(r, i, 0), "", 1, o && strncmp(o, "lasting", 7) == 0);
	}
}

/* Sessions by audience: cancelled by the scheduled job under their minimum (column 0), cancelled otherwise (by
 * their organiser: column 1), all (column 2). */
static void
t_sessions(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *audience = cell(r, i, S_AUDIENCE);
	bool cancelled = is(cell(r, i, S_STATE), "cancelled");

	if (!day_in(c, cell(r, i, S_DEADLINE)))
		return;
	add(c, audience, "", 0, cancelled && num(r, i, S_UNDER_MIN));
	add(c, audience, "", 1, cancelled && !num(r, i, S_UNDER_MIN));
	add(c, audience, "", 2, 1);
}

/* Money: cents in column 0 while tallying, whole euros once finished (finish_money). */
static void
t_lines(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if ((num(r, i, L_CURRENT) != 0) != c->current)
		return;
	add(c, "committed", "", 0, num(r, i, L_AMOUNT));
	add(c, "paid", "", 0, num(r, i, L_PAID));
}

static void
t_recoveries(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	const char *state = cell(r, i, R_STATE), *repaid_on = cell(r, i, R_REPAID_ON);

	if (time_in(c, num(r, i, R_CREATED)) && !is(state, "cancelled"))
		add(c, "recovered", "", 0, num(r, i, R_AMOUNT));
	if (is(state, "repaid") && day_in(c, repaid_on))
		add(c, "repaid", "", 0, num(r, i, R_AMOUNT));
}

/* Envelopes of the years the period touches: column 0 the envelope; the national one apart (take_envelope). */
static void
t_envelopes(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	int64_t year = num(r, i, E_YEAR);
	bool national = cell(r, i, 0) == NULL;

	if (year < atoi(c->first_day) || year > atoi(c->last_day))
		return;
	add(c, national ? "commitments_national" : "commitments", "", 0, num(r, i, E_COMMITMENTS));
	add(c, national ? "payments_national" : "payments", "", 0, num(r, i, E_PAYMENTS));
}

static void
t_envelope_lines(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if ((num(r, i, L_CURRENT) != 0) != c->current)
		return;
	add(c, "commitments", "", 1, num(r, i, L_AMOUNT));
	add(c, "payments", "", 1, num(r, i, L_PAID));
}

static void
t_money_region(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if ((num(r, i, L_CURRENT) != 0) != c->current || cell(r, i, 0) == NULL)
		return;
	add(c, cell(r, i, 0), "", 0, num(r, i, L_AMOUNT));
	add(c, cell(r, i, 0), "", 1, num(r, i, L_PAID));
}

static void
t_activity(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if ((num(r, i, V_CURRENT) != 0) != c->current)
		return;
	add(c, cell(r, i, V_TYPE), "", 0, num(r, i, V_REPORTS));
	add(c, cell(r, i, V_TYPE), "", 1, num(r, i, V_PARTICIPANTS));
}

static void
t_adv_granted(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (granted(c, r, i))
		add(c, "granted", "", 0, num(r, i, D_POSTS));
}

static void
t_adv_in_post(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if (filled(c, r, i))
		add(c, "in_post", "", 0, 1);
}

static void
t_adv_active(struct steer_calc *c, const struct db_rows *r, size_t i)
{
	if ((num(r, i, W_CURRENT) != 0) == c->current)
		push(c, "active", num(r, i, W_ADVISER));
}

/* ---- Finish functions (on the table's JSON rows) ---- */

static json_t *
row_find(json_t *rows, const char *key, size_t *index)
{
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
	{
		if (strcmp(json_string_value(json_object_get(r, "key")), key) == 0) {
			if (index)
				*index = i;
			return r;
		}
	}
	return NULL;
}

static json_int_t
row_value(json_t *rows, const char *key, size_t col)
{
	json_t *r = row_find(rows, key, NULL);

	return r ? json_integer_value(json_array_get(json_object_get(r, "values"), col)) : 0;
}

static void
row_set(json_t *rows, const char *key, size_t col, json_t *v)
{
	json_t *r = row_find(rows, key, NULL);

	if (r == NULL) {
		r = json_pack("{s:s, s:s, s:[]}", "key", key, "label", "", "values");
		json_array_append_new(rows, r);
	}
	while (json_array_size(json_object_get(r, "values")) <= col)
		json_array_append_new(json_object_get(r, "values"), json_integer(0));
	json_array_set_new(json_object_get(r, "values"), col, v);
}

static void
row_remove(json_t *rows, const char *key)
{
	size_t i;

	if (row_find(rows, key, &i))
		json_array_remove(rows, i);
}

/* The national row's value when there is one (national reach), else the regions' sum; both rows removed. */
static json_int_t
take_national(json_t *rows, const char *regions_key, const char *national_key, size_t col)
{
	json_int_t national = row_value(rows, national_key, col), regions = row_value(rows, regions_key, col);
	bool has_national = row_find(rows, national_key, NULL) != NULL;

	row_remove(rows, national_key);
	row_remove(rows, regions_key);
	return has_national ? national : regions;
}

/* The target a scope sees: the programme's own for national reach (its row has no region), else the sum of the
 * regions' targets in scope. */
static json_int_t
take_target(json_t *rows)
{
	return take_national(rows, "target", "target_national", 0);
}

/* The posts' summary: the target, vacant = granted − filled (never below 0). */
static void
finish_posts(struct steer_calc *c)
{
	json_int_t target = take_target(c->rows), granted, filled;
	json_t *t = json_pack("{s:s, s:s, s:[I]}", "key", "target", "label", vocab_label(&vocab_steer_posts, "target"),
	    "values", (json_int_t)target);

	json_array_insert_new(c->rows, 0, t);
	granted = row_value(c->rows, "granted", 0);
	filled = row_value(c->rows, "filled", 0);
	row_set(c->rows, "vacant", 0, json_integer(granted > filled ? granted - filled : 0));
}

/* The cumulative curve: one row per month of the period (months without recruitment included), the recruits
 * cumulated, the target beside each. */
static void
finish_cumulative(struct steer_calc *c)
{
	json_int_t target = take_target(c->rows), total = 0;
	json_t *out = json_array();
	const char *m = arena_printf(c->ctx->arena, "%.7s-01", c->first_day);

	for (int guard = 0; strncmp(m, c->last_day, 7) <= 0 && guard < 1200; guard++) {
		const char *key = arena_printf(c->ctx->arena, "%.7s", m);
		total += row_value(c->rows, key, 0);
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:[I, I]}", "key", key, "label", key, "values", total, target));
		m = date_add(c->ctx->arena, m, 1, 0);
	}
	json_array_clear(c->rows);
	json_array_extend(c->rows, out);
	json_decref(out);
}

/* The share of PART in WHOLE, in % with one decimal. */
static double
percent(json_int_t part, json_int_t whole)
{
	return whole > 0 ? round(1000.0 * (double)part / (double)whole) / 10.0 : 0.0;
}

static void
finish_breaks(struct steer_calc *c)
{
	row_set(c->rows, "rate", 0,
	    json_real(percent(row_value(c->rows, "ended_early", 0), row_value(c->rows, "in_force", 0))));
}

/* Per row, the share of column 1 in column 0 as column 2. */
static void
finish_rates(struct steer_calc *c)
{
	size_t i;
	json_t *r;

	json_array_foreach(c->rows, i, r)
	{
		json_t *v = json_object_get(r, "values");
		json_array_set_new(v, 2,
		    json_real(
		        percent(json_integer_value(json_array_get(v, 1)), json_integer_value(json_array_get(v, 0)))));
	}
}

/* Tutors: each counted once per row. */
static void
finish_tutors(struct steer_calc *c)
{
	row_set(c->rows, "trained", 0, json_integer(distinct(c, "trained")));
	row_set(c->rows, "untrained", 0, json_integer(distinct(c, "untrained")));
}

/* Whole euros, half up, from a positive or negative number of cents. */
static json_int_t
euros(json_int_t cents)
{
	return cents >= 0 ? (cents + 50) / 100 : -((-cents + 50) / 100);
}

static void
rows_to_euros(json_t *rows, size_t ncols)
{
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
	{
		for (size_t m = 0; m < ncols; m++) {
			json_t *v = json_array_get(json_object_get(r, "values"), m);
			if (json_is_integer(v))
				json_array_set_new(
				    json_object_get(r, "values"), m, json_integer(euros(json_integer_value(v))));
		}
	}
}

/* Committed, paid, left to pay (from the exact cents), recovered, repaid; in whole euros. */
static void
finish_money(struct steer_calc *c)
{
	row_set(c->rows, "to_pay", 0, json_integer(row_value(c->rows, "committed", 0) - row_value(c->rows, "paid", 0)));
	rows_to_euros(c->rows, 1);
}

/* Envelopes: the national one for national reach, else the regions' in scope; what was consumed, its share. */
static void
finish_envelopes(struct steer_calc *c)
{
	static const char *const keys[2] = { "commitments", "payments" };

	for (int k = 0; k < 2; k++) {
		json_int_t used = row_value(c->rows, keys[k], 1),
		           envelope =
		               take_national(c->rows, keys[k], arena_printf(c->ctx->arena, "%s_national", keys[k]), 0);
		json_array_append_new(c->rows, json_pack("{s:s, s:s, s:[I, I, f]}", "key", keys[k], "label", "",
		                                   "values", euros(envelope), euros(used), percent(used, envelope)));
	}
}

static void
finish_money_region(struct steer_calc *c)
{
	rows_to_euros(c->rows, 2);
}

/* Advisers: active ones counted once; activation = in post ÷ granted, activity = active ÷ in post. */
static void
finish_advisers(struct steer_calc *c)
{
	json_int_t granted = row_value(c->rows, "granted", 0), in_post = row_value(c->rows, "in_post", 0),
	           active = distinct(c, "active");

	row_set(c->rows, "active", 0, json_integer(active));
	row_set(c->rows, "activation_rate", 0, json_real(percent(in_post, granted)));
	row_set(c->rows, "activity_rate", 0, json_real(percent(active, in_post)));
}

/* The eligibility paths: every path of the programme's criteria (labels from them), then the criteria met
 * without a path, the prescriber's override, no diagnosis; each shown, 0 when absent. */
static void
finish_eligibility(struct steer_calc *c)
{
	struct steer_run *run = c->run;
	json_t *out = json_array(), *r;
	static const struct {
		const char *key, *label;
	} tail[] = {
		{ "computed", "Critères du dispositif remplis (sans voie particulière)" },
		{ "override", "Dérogation du prescripteur" },
		{ "none", "Sans diagnostic" },
	};

	for (size_t k = 0; k < run->npaths + 3; k++) {
		const char *key = k < run->npaths ? run->paths[k].code : tail[k - run->npaths].key;
		const char *label = k < run->npaths ? run->paths[k].label : tail[k - run->npaths].label;
		size_t at;
		if ((r = row_find(c->rows, key, &at)) != NULL) {
			json_incref(r);
			json_array_remove(c->rows, at);
		} else {
			r = json_pack("{s:s, s:s, s:[i, i]}", "key", key, "label", "", "values", 0, 0);
		}
		json_object_set_new(r, "label", json_string(label));
		json_array_append_new(out, r);
	}
	/* A path the criteria no longer have (changed since the diagnosis). */
	json_array_extend(out, c->rows);
	json_array_clear(c->rows);
	json_array_extend(c->rows, out);
	json_decref(out);
}

#define TALLY(s, f)       \
	{                 \
		&(s), (f) \
	}

/* ---- The table ---- */

const struct indicator steer_indicators[] = {
	{ "posts_summary", "posts", "Postes : objectif, accordés, pourvus, vacants, rendus",
	    "Objectif : celui du dispositif (national) ou la somme des objectifs des régions du périmètre. Accordés : "
	    "postes des dossiers validés avant la fin de la période. Pourvus : contrats commencés au plus tard le "
	    "dernier jour de la période et non terminés avant ce jour (un contrat fini le dernier jour compte). "
	    "Vacants : accordés moins pourvus. Rendus : postes des offres fermées par la structure pendant la période "
	    "sans avoir été pourvus.",
	    STEER_BARS, "Indicateur", { "Postes" }, &vocab_steer_posts, STEER_SUM,
	    { TALLY(src_targets, t_target), TALLY(src_dossiers, t_granted), TALLY(src_contracts, t_filled),
	        TALLY(src_offers, t_returned) },
	    finish_posts, "" },
	{ "recruitments_cumulative", "posts", "Recrutements cumulés face à l'objectif",
	    "Contrats commencés pendant la période, cumulés mois par mois (date de début du contrat), face à "
	    "l'objectif du périmètre (ligne en tirets).",
	    STEER_LINE, "Mois", { "Recrutements cumulés", "Objectif" }, NULL, STEER_SUM,
	    { TALLY(src_targets, t_target), TALLY(src_contracts, t_cumulative) }, finish_cumulative, "" },
	{ "posts_by_region", "posts", "Postes par région",
	    "Par région du lieu : objectif régional, postes accordés (dossiers validés avant la fin de la période) et "
	    "pourvus le dernier jour de la période.",
	    STEER_BARS, "Région", { "Accordés", "Pourvus", "Objectif" }, NULL, STEER_SUM,
	    { TALLY(src_targets, t_region_target), TALLY(src_dossiers, t_region_granted),
	        TALLY(src_contracts, t_region_filled) },
	    NULL, "" },
	{ "posts_by_departement", "posts", "Postes par département",
	    "Par département du lieu du dossier (du lieu de l'offre pour les contrats) : postes accordés et pourvus.",
	    STEER_BARS, "Département", { "Accordés", "Pourvus" }, NULL, STEER_SUM,
	    { TALLY(src_dossiers, t_dep_granted), TALLY(src_contracts, t_dep_filled) }, NULL, "" },
	{ "posts_by_job_profile", "posts", "Postes par métier",
	    "Par métier du dossier (de l'offre pour les contrats) : postes accordés et pourvus.", STEER_BARS, "Métier",
	    { "Accordés", "Pourvus" }, NULL, STEER_SUM,
	    { TALLY(src_dossiers, t_jp_granted), TALLY(src_contracts, t_jp_filled) }, NULL, "" },
	{ "posts_by_network", "posts", "Postes par réseau",
	    "Par réseau du lieu (Points Cyb, Cyber-bases…) ; un lieu de plusieurs réseaux compte dans chacun.",
	    STEER_BARS, "Réseau", { "Accordés", "Pourvus" }, NULL, STEER_SUM,
	    { TALLY(src_dossiers, t_network_granted), TALLY(src_contracts, t_network_filled) }, NULL, "" },
	{ "posts_by_employer_kind", "posts", "Postes par catégorie d'employeur",
	    "Par catégorie d'employeur déclarée au dossier : postes accordés et pourvus.", STEER_BARS, "Catégorie",
	    { "Accordés", "Pourvus" }, &vocab_employer_category, STEER_SUM,
	    { TALLY(src_dossiers, t_kind_granted), TALLY(src_contracts, t_kind_filled) }, NULL, "" },

	{ "dossiers_by_state", "pipeline", "Dossiers par état",
	    "Dossiers créés avant la fin de la période, selon leur état d'aujourd'hui.", STEER_BARS, "État",
	    { "Dossiers" }, &vocab_dossier_state, STEER_SUM, { TALLY(src_dossiers, t_dossier_state) }, NULL, "" },
	{ "review_days", "pipeline", "Durée d'instruction (jours)",
	    "D'après le journal : pour chaque passage d'un dossier par l'instruction régionale (en attente d'avis) ou "
	    "nationale (en attente de décision) terminé pendant la période, le nombre de jours entiers écoulés ; un "
	    "dossier rouvert compte pour chaque passage. Médiane et 9e décile au rang le plus proche.",
	    STEER_BARS, "Étape", { "Passages", "Médiane", "9e décile" }, &vocab_steer_review, STEER_DIST,
	    { TALLY(src_journal, t_review) }, NULL, "jours" },
	{ "opinions", "pipeline", "Avis régionaux",
	    "Dossiers dont l'avis régional a été rendu pendant la période, par avis.", STEER_BARS, "Avis",
	    { "Dossiers" }, &vocab_opinion, STEER_SUM, { TALLY(src_dossiers, t_opinion) }, NULL, "" },
	{ "decisions", "pipeline", "Décisions nationales",
	    "D'après le journal : validations, refus et réouvertures prononcés pendant la période (un dossier rouvert "
	    "puis décidé à nouveau compte deux décisions).",
	    STEER_BARS, "Décision", { "Dossiers" }, &vocab_steer_decisions, STEER_SUM,
	    { TALLY(src_journal, t_decision) }, NULL, "" },
	{ "refusal_reasons", "pipeline", "Motifs des refus",
	    "Dossiers refusés (état actuel) dont la décision date de la période, par motif tel qu'il a été écrit.",
	    STEER_BARS, "Motif", { "Dossiers" }, NULL, STEER_SUM, { TALLY(src_dossiers, t_refusal) }, NULL, "" },

	{ "recruitment_summary", "recruitment", "Offres, candidatures et recrutements",
	    "Offres publiées et postes offerts pendant la période (date de création de l'offre), candidatures reçues "
	    "(date de dépôt), contrats commencés pendant la période.",
	    STEER_BARS, "Indicateur", { "Nombre" }, &vocab_steer_recruitment, STEER_SUM,
	    { TALLY(src_offers, t_offers), TALLY(src_applications, t_applications),
	        TALLY(src_contracts, t_recruitments) },
	    NULL, "" },
	{ "applications_by_state", "recruitment", "Candidatures par état",
	    "Candidatures déposées pendant la période, selon leur état d'aujourd'hui.", STEER_BARS, "État",
	    { "Candidatures" }, &vocab_application_state, STEER_SUM, { TALLY(src_applications, t_application_state) },
	    NULL, "" },
	{ "time_to_recruit", "recruitment", "Délai de recrutement (jours)",
	    "Pour chaque contrat signé pendant la période, les jours entiers entre la publication de l'offre et la "
	    "signature du contrat. Médiane et 9e décile au rang le plus proche.",
	    STEER_BARS, "Offres", { "Contrats", "Médiane", "9e décile" }, &vocab_steer_time, STEER_DIST,
	    { TALLY(src_contracts, t_time_to_recruit) }, NULL, "jours" },
	{ "recruits_age", "recruitment", "Âge des recrutés",
	    "Contrats commencés pendant la période, par âge révolu du jeune au premier jour du contrat.", STEER_BARS,
	    "Âge", { "Recrutés" }, &vocab_steer_age, STEER_SUM, { TALLY(src_contracts, t_age) }, NULL, "" },
	{ "recruits_qualification", "recruitment", "Niveau de qualification des recrutés",
	    "Contrats commencés pendant la période, par niveau de qualification déclaré par le jeune.", STEER_BARS,
	    "Niveau", { "Recrutés" }, &vocab_qualification_level, STEER_SUM, { TALLY(src_contracts, t_qualification) },
	    NULL, "" },
	{ "recruits_priority_area", "recruitment", "Recrutés résidant en zone prioritaire",
	    "Contrats commencés pendant la période, par zone de résidence déclarée (QPV, ZRR, outre-mer).", STEER_BARS,
	    "Zone", { "Recrutés" }, &vocab_priority_area, STEER_SUM, { TALLY(src_contracts, t_area) }, NULL, "" },
	{ "recruits_sex", "recruitment", "Sexe des recrutés",
	    "Contrats commencés pendant la période, selon le sexe déclaré (facultatif) par le jeune.", STEER_BARS,
	    "Sexe", { "Recrutés" }, &vocab_sex, STEER_SUM, { TALLY(src_contracts, t_sex) }, NULL, "" },
	{ "recruits_eligibility", "recruitment", "Voies d'éligibilité des recrutés",
	    "Contrats commencés pendant la période, selon le dernier diagnostic d'éligibilité du jeune pour le "
	    "dispositif décidé au plus tard le premier jour du contrat : la première voie des critères du dispositif "
	    "que le diagnostic a trouvée remplie (dans l'ordre des critères : la voie générale avant les voies "
	    "d'exception), les critères remplis sans voie particulière, la dérogation du prescripteur, ou sans "
	    "diagnostic. Seconde colonne : ceux dont l'âge n'était admis que grâce à la RQTH (au-delà de l'âge "
	    "maximal ordinaire le jour du diagnostic).",
	    STEER_BARS, "Voie", { "Recrutés", "dont âge admis par la RQTH" }, NULL, STEER_SUM,
	    { TALLY(src_contracts, t_eligibility) }, finish_eligibility, "" },
	{ "early_breaks", "recruitment", "Ruptures avant le terme",
	    "Contrats en cours à un jour au moins de la période ; parmi eux, ceux rompus avant leur terme avec une "
	    "date "
	    "de fin dans la période ; taux = ruptures ÷ contrats en cours.",
	    STEER_BARS, "Indicateur", { "Nombre" }, &vocab_steer_breaks, STEER_SUM,
	    { TALLY(src_contracts, t_in_force), TALLY(src_contracts, t_ended_early) }, finish_breaks, "" },
	{ "breaks_by_whom", "recruitment", "Ruptures : à l'initiative de qui",
	    "Contrats rompus avant leur terme avec une date de fin dans la période, selon qui a rompu.", STEER_BARS,
	    "Initiative", { "Ruptures" }, &vocab_ended_by, STEER_SUM, { TALLY(src_contracts, t_broken_by) }, NULL, "" },
	{ "breaks_by_reason", "recruitment", "Ruptures : motifs",
	    "Contrats rompus avant leur terme avec une date de fin dans la période, par motif.", STEER_BARS, "Motif",
	    { "Ruptures" }, &vocab_break_reason, STEER_SUM, { TALLY(src_contracts, t_break_reason) }, NULL, "" },

	{ "training_paths", "training", "Parcours de formation",
	    "Contrats en cours à un jour au moins de la période ; parcours commencés : au moins un module en cours ou "
	    "terminé ; achevés : tous les modules terminés ; modules en retard : non terminés à leur date de fin "
	    "prévue, antérieure au dernier jour de la période (états d'aujourd'hui).",
	    STEER_BARS, "Indicateur", { "Nombre" }, &vocab_steer_paths, STEER_SUM, { TALLY(src_contracts, t_paths) },
	    NULL, "" },
	{ "sessions_cancelled", "training", "Sessions annulées faute d'inscrits",
	    "Sessions du dispositif dont la date limite d'inscription tombe dans la période, par public : annulées "
	    "faute d'inscrits (par la tâche planifiée, à la date limite, sous leur minimum d'inscrits), annulées pour "
	    "un autre motif (par leur organisateur), et toutes.",
	    STEER_BARS, "Public", { "Annulées sous leur minimum", "Autres annulations", "Sessions" },
	    &vocab_session_audience, STEER_SUM, { TALLY(src_sessions, t_sessions) }, NULL, "" },
	{ "tutors_trained", "training", "Tuteurs formés",
	    "Tuteurs des contrats en cours pendant la période, chacun une fois : formés s'ils sont inscrits (place "
	    "confirmée) à une session pour tuteurs non annulée commencée au plus tard le dernier jour de la période.",
	    STEER_BARS, "Tuteurs", { "Tuteurs" }, &vocab_steer_tutors, STEER_SUM, { TALLY(src_contracts, t_tutors) },
	    finish_tutors, "" },

	{ "outcomes_at_end", "outcomes", "Situation à la sortie",
	    "Contrats terminés (à leur terme ou avant) avec une date de fin dans la période, selon la situation "
	    "enregistrée à la sortie.",
	    STEER_BARS, "Situation", { "Sortants" }, &vocab_outcome, STEER_SUM, { TALLY(src_contracts, t_outcome) },
	    NULL, "" },
	{ "outcomes_six_months", "outcomes", "Situation six mois après la sortie",
	    "Contrats dont le suivi à six mois tombe dans la période (six mois après la fin), selon la situation "
	    "enregistrée.",
	    STEER_BARS, "Situation", { "Sortants" }, &vocab_outcome, STEER_SUM, { TALLY(src_contracts, t_followup) },
	    NULL, "" },
	{ "outcomes_by_region", "outcomes", "Sorties en emploi durable par région",
	    "Par région : contrats terminés dans la période, ceux dont la situation à la sortie est un emploi durable "
	    "(CDI, CDD de six mois ou plus, création d'entreprise), et leur part.",
	    STEER_BARS, "Région", { "Sortants", "En emploi durable", "Part (%)" }, NULL, STEER_SUM,
	    { TALLY(src_contracts, t_outcome_region) }, finish_rates, "" },

	{ "money_summary", "money", "Aides : engagé, versé, reste à verser, reversements",
	    "En euros arrondis (les totaux sont faits au centime). Engagé : montants des échéances en vigueur des "
	    "aides et des conventions dont la période commence dans la période (comme les enveloppes budgétaires). "
	    "Versé : ceux d'entre eux déjà payés. Reste à verser : engagé moins versé. Ordres de reversement : émis "
	    "pendant la période (hors ordres annulés). Reversements encaissés : ordres remboursés pendant la période.",
	    STEER_BARS, "Montant", { "Euros" }, &vocab_steer_money, STEER_SUM,
	    { TALLY(src_lines, t_lines), TALLY(src_recoveries, t_recoveries) }, finish_money, "€" },
	{ "money_envelopes", "money", "Consommation des enveloppes budgétaires",
	    "En euros arrondis. Enveloppes des années que touche la période : l'enveloppe nationale pour le périmètre "
	    "national, la somme des enveloppes des régions sinon. Consommé : engagé (autorisations d'engagement) et "
	    "versé (crédits de paiement) comme dans la figure précédente ; part consommée de l'enveloppe.",
	    STEER_BARS, "Enveloppe", { "Enveloppe", "Consommé", "Part (%)" }, &vocab_steer_envelope, STEER_SUM,
	    { TALLY(src_envelopes, t_envelopes), TALLY(src_lines, t_envelope_lines) }, finish_envelopes, "€" },
	{ "money_by_region", "money", "Aides par région",
	    "En euros arrondis, par région de l'aide : engagé et versé comme dans la première figure de la section.",
	    STEER_BARS, "Région", { "Engagé", "Versé" }, NULL, STEER_SUM, { TALLY(src_lines, t_money_region) },
	    finish_money_region, "€" },

	{ "activity_sessions", "activity", "Séances et personnes accompagnées",
	    "D'après les agrégats des comptes rendus d'activité (jamais les comptes rendus eux-mêmes) : séances "
	    "saisies par les recrutés du dispositif dont la date tombe dans la période, par type, et personnes "
	    "accompagnées (participants) ; région : celle du lieu de la séance.",
	    STEER_BARS, "Type", { "Séances", "Personnes accompagnées" }, &vocab_steer_activity_types, STEER_SUM,
	    { TALLY(src_activity, t_activity) }, NULL, "" },
	{ "activity_advisers", "activity", "Conseillers en poste et actifs",
	    "Postes accordés et pourvus le dernier jour de la période (comme la figure des postes) ; actifs : "
	    "recrutés du dispositif ayant saisi au moins un compte rendu dans les 30 jours jusqu'au dernier jour de "
	    "la période (la définition unique de l'activité), chacun une fois. Taux d'activation : en poste ÷ "
	    "accordés ; taux d'activité : actifs ÷ en poste.",
	    STEER_BARS, "Indicateur", { "Nombre" }, &vocab_steer_advisers, STEER_SUM,
	    { TALLY(src_dossiers, t_adv_granted), TALLY(src_contracts, t_adv_in_post),
	        TALLY(src_active, t_adv_active) },
	    finish_advisers, "" },
};
const size_t steer_indicators_count = sizeof(steer_indicators) / sizeof(steer_indicators[0]);

const struct indicator *
steer_indicator(const char *id)
{
	for (size_t i = 0; id && i < steer_indicators_count; i++)
		if (strcmp(steer_indicators[i].id, id) == 0)
			return &steer_indicators[i];
	return NULL;
}

/* ---- Periods ---- */

static int64_t
day_epoch(const char *ymd)
{
	int y, m, d;

	return date_parse(ymd, strlen(ymd), &y, &m, &d) ? date_days(y, m, d) * 86400 : 0;
}

void
steer_previous(struct ctx *ctx, const char *from, const char *to, const char **pfrom, const char **pto)
{
	const char *after = date_add(ctx->arena, to, 0, 1);

	*pto = date_add(ctx->arena, from, 0, -1);
	if (from[8] == '0' && from[9] == '1' && after[8] == '0' && after[9] == '1') {
		int months = date_months_between(from, after);
		*pfrom = date_add(ctx->arena, from, -months, 0);
	} else {
		int64_t days = (day_epoch(to) - day_epoch(from)) / 86400;
		*pfrom = date_add(ctx->arena, *pto, 0, (int)-days);
	}
}

/* ---- The query ---- */

static bool
valid_day(const char *s)
{
	int y, m, d;

	return s && strlen(s) == 10 && date_parse(s, 10, &y, &m, &d);
}

tr_err
steer_query_check(struct ctx *ctx, struct steer_query *q)
{
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, STEER_ROLES)) != TR_OK)
		return err;
	if (q->programme_id == 0) {
		err = db_one(ctx->db, ctx->arena, "SELECT id FROM programmes ORDER BY id LIMIT 1", NULL, 0, &r);
		if (err == TR_NOT_FOUND)
			return ctx_fail(ctx, TR_NOT_FOUND, "Aucun dispositif n'est enregistré.");
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
		q->programme_id = db_int(db_cell(r, 0, 0));
	} else {
		err =
		    db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE id = ?", &r, DB_I64(q->programme_id));
		if (err == TR_NOT_FOUND)
			field_errors_add(&ctx->errors, "programme", "« Dispositif » : ce dispositif n'existe pas.");
		else if (err != TR_OK)
			return ctx_storage_error(ctx, err);
	}
	/* A missing end: the calendar year of the other one, or this year. */
	if (q->from == NULL || *q->from == '\0')
		q->from = arena_printf(
		    ctx->arena, "%.4s-01-01", q->to && strlen(q->to) >= 4 ? q->to : date_iso(ctx->arena, ctx->now));
	if (q->to == NULL || *q->to == '\0')
		q->to = arena_printf(ctx->arena, "%.4s-12-31", q->from);
	if (!valid_day(q->from))
		field_errors_add(&ctx->errors, "from", "« Du » doit être une date au format AAAA-MM-JJ.");
	if (!valid_day(q->to))
		field_errors_add(&ctx->errors, "to", "« Au » doit être une date au format AAAA-MM-JJ.");
	if (valid_day(q->from) && valid_day(q->to) && strcmp(q->from, q->to) > 0)
		field_errors_add(&ctx->errors, "to", "« Au » ne peut pas précéder « Du ».");
	if (q->region && *q->region == '\0')
		q->region = NULL;
	if (q->region) {
		bool covered = actor_has_any(ctx->actor, STEER_NATIONAL) ||
		               actor_covers_region(ctx->actor, ROLE_REGIONAL, q->region) ||
		               actor_covers_region(ctx->actor, ROLE_POLE, q->region) ||
		               actor_has(ctx->actor, ROLE_EMPLOYER);
		if (!covered || db_onev(ctx->db, ctx->arena, "SELECT code FROM regions WHERE code = ?", &r,
		                    DB_TEXT(q->region)) != TR_OK)
			field_errors_add(
			    &ctx->errors, "region", "« Région » : cette région n'est pas dans votre périmètre.");
	}
	if (ctx->errors.n > 0)
		return ctx_fail(ctx, TR_INVALID, "Les critères des indicateurs contiennent des erreurs.");
	return TR_OK;
}

/* ---- The engine ---- */

static size_t
source_index(const struct steer_source *s)
{
	for (size_t k = 0; k < NSOURCES; k++)
		if (steer_sources[k] == s)
			return k;
	abort(); /* a source missing from steer_sources: a programming error */
}

/* What every tally of the request shares: the programme's eligibility paths and maximum age, the networks'
 * labels. Two small queries, once. */
static tr_err
run_load(struct steer_run *run)
{
	struct ctx *ctx = run->ctx;
	struct db_rows *r;
	json_t *criteria, *paths, *p;
	size_t k;
	tr_err err;

	if (run->loaded)
		return TR_OK;
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT eligibility FROM programmes WHERE id = ?", &r, DB_I64(run->q->programme_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	criteria = cell(r, 0, 0) ? json_loads(cell(r, 0, 0), 0, NULL) : NULL;
	paths = json_object_get(criteria, "paths");
	run->npaths = json_is_array(paths) ? json_array_size(paths) : 0;
	run->paths = arena_alloc(ctx->arena, sizeof(*run->paths) * (run->npaths + 1));
	json_array_foreach(paths, k, p)
	{
		const char *label = json_string_value(json_object_get(p, "label"));
		run->paths[k].code = arena_printf(ctx->arena, "path_%zu", k + 1);
		run->paths[k].label =
		    label ? arena_strdup(ctx->arena, label) : arena_printf(ctx->arena, "Parcours %zu", k + 1);
	}
	run->age_max = json_integer_value(json_object_get(json_object_get(criteria, "age"), "max"));
	json_decref(criteria);
	if ((err = db_query(ctx->db, ctx->arena, "SELECT code, label FROM place_networks ORDER BY code", NULL, 0,
	         &run->networks)) != TR_OK)
		return ctx_storage_error(ctx, err);
	run->loaded = true;
	return TR_OK;
}

/* Source S's rows over both periods within the reader's scope (and the région asked), read once. */
static tr_err
run_source(struct steer_run *run, const struct steer_source *s, const struct db_rows **out)
{
	struct ctx *ctx = run->ctx;
	const struct steer_query *q = run->q;
	size_t k = source_index(s), np = 0;
	struct db_val p[SCOPE_PARAMS_MAX + 16];
	struct sqlw w;
	tr_err err;

	if (run->rows[k] == NULL) {
		for (const char *c = s->params; *c; c++) {
			bool prev = *c >= 'A' && *c <= 'Z';
			const char *from = prev ? run->pfrom : q->from, *to = prev ? run->pto : q->to;
			switch (*c | 0x20) {
			case 'p': p[np++] = DB_I64(q->programme_id); break;
			case 'f': p[np++] = DB_TEXT(from); break;
			case 't': p[np++] = DB_TEXT(to); break;
			case 'a': p[np++] = DB_I64(day_epoch(from)); break;
			case 'b': p[np++] = DB_I64(day_epoch(to) + 86400); break;
			case 'w': p[np++] = DB_TEXT(date_add(ctx->arena, to, 0, -ACTIVITY_ACTIVE_DAYS)); break;
			default: p[np++] = DB_I64(atoi(prev ? from : to)); break; /* 'y', 'Y' */
			}
		}
		scope_where(ctx, &steer_scope, &w);
		if (q->region)
			sqlw_and(&w, "x.region_code = ?", DB_TEXT(q->region));
		for (size_t i = 0; i < w.n; i++)
			p[np++] = w.p[i];
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena, "SELECT %s FROM (%s) x WHERE %s%s%s%s%s", s->outer ? s->outer : "x.*",
		        s->sql, w.sql, s->group ? " GROUP BY " : "", s->group ? s->group : "",
		        s->order ? " ORDER BY " : "", s->order ? s->order : ""),
		    p, np, &run->rows[k]);
		if (err != TR_OK)
			return ctx_storage_error(ctx, err);
	}
	*out = run->rows[k];
	return TR_OK;
}

/* The tallied rows of C as the table's JSON rows: sums, or count, median and 9th decile; without a vocabulary,
 * ordered by key. */
static int
cmp_acc(const void *a, const void *b)
{
	return strcmp(((const struct steer_acc *)a)->key, ((const struct steer_acc *)b)->key);
}

static void
acc_json(struct steer_calc *c)
{
	const struct indicator *ind = c->ind;
	size_t ncols = 0;

	while (ncols < 3 && ind->columns[ncols])
		ncols++;
	if (ind->keys == NULL && c->nacc > 1)
		qsort(c->acc, c->nacc, sizeof(*c->acc), cmp_acc);
	c->rows = json_array();
	for (size_t i = 0; i < c->nacc; i++) {
		struct steer_acc *a = &c->acc[i];
		json_t *values;
		if (ind->agg == STEER_DIST) {
			values = dist_values(a->vals, a->nvals);
		} else {
			values = json_array();
			for (size_t m = 0; m < (ncols ? ncols : 1); m++)
				json_array_append_new(values, json_integer(a->v[m]));
		}
		json_array_append_new(
		    c->rows, json_pack("{s:s, s:s, s:o}", "key", a->key, "label", a->label, "values", values));
	}
}

/* The rows in the order of the indicator's vocabulary (every code shown, zeros where absent), the others
 * (unknown, pending) after them; labels from the vocabulary. */
static void
order_rows(struct steer_calc *c)
{
	const struct indicator *ind = c->ind;
	json_t *out, *r;
	size_t ncols = 0, i;

	while (ncols < 3 && ind->columns[ncols])
		ncols++;
	if (ind->keys == NULL) {
		json_array_foreach(c->rows, i, r)
		{
			if (*json_string_value(json_object_get(r, "label")) == '\0')
				json_object_set_new(r, "label", json_string(STEER_UNKNOWN_LABEL));
		}
		return;
	}
	out = json_array();
	for (i = 0; i < ind->keys->n; i++) {
		const char *code = ind->keys->items[i].code;
		size_t at;
		if ((r = row_find(c->rows, code, &at)) != NULL) {
			json_object_set_new(r, "label", json_string(ind->keys->items[i].label));
			json_array_append(out, r);
			json_array_remove(c->rows, at);
		} else {
			json_t *zeros = ind->agg == STEER_DIST ? dist_values(NULL, 0) : json_array();
			for (size_t m = 0; ind->agg != STEER_DIST && m < ncols; m++)
				json_array_append_new(zeros, json_integer(0));
			json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "key", code, "label",
			                               ind->keys->items[i].label, "values", zeros));
		}
	}
	json_array_foreach(c->rows, i, r)
	{
		const char *k = json_string_value(json_object_get(r, "key"));
		json_object_set_new(
		    r, "label", json_string(strcmp(k, "pending") == 0 ? STEER_PENDING_LABEL : STEER_UNKNOWN_LABEL));
		json_array_append(out, r);
	}
	json_decref(c->rows);
	c->rows = out;
}

/* The table of IND over the period asked (CURRENT) or the previous one, in *ROWS. */
static tr_err
compute(struct steer_run *run, const struct indicator *ind, bool current, json_t **rows)
{
	struct ctx *ctx = run->ctx;
	const char *from = current ? run->q->from : run->pfrom, *to = current ? run->q->to : run->pto;
	struct steer_calc c = { .ctx = ctx,
		.run = run,
		.ind = ind,
		.current = current,
		.from = day_epoch(from),
		.to = day_epoch(to) + 86400,
		.first_day = from,
		.last_day = to };
	tr_err err;

	*rows = NULL;
	if ((err = run_load(run)) != TR_OK)
		return err;
	for (size_t t = 0; t < STEER_TALLIES_MAX && ind->tally[t].source; t++) {
		const struct db_rows *r;
		if ((err = run_source(run, ind->tally[t].source, &r)) != TR_OK)
			return err;
		for (size_t i = 0; i < r->nrows; i++)
			ind->tally[t].fn(&c, r, i);
	}
	acc_json(&c);
	if (ind->finish)
		ind->finish(&c);
	order_rows(&c);
	*rows = c.rows;
	return TR_OK;
}

static tr_err
figure(struct steer_run *run, const struct indicator *ind, json_t **out)
{
	const struct steer_query *q = run->q;
	json_t *rows = NULL, *prev = NULL, *cols = json_array(), *r;
	size_t i;
	tr_err err;

	*out = NULL;
	if ((err = compute(run, ind, true, &rows)) != TR_OK || (err = compute(run, ind, false, &prev)) != TR_OK) {
		json_decref(rows);
		json_decref(cols);
		return err;
	}
	json_array_foreach(rows, i, r)
	{
		json_t *p = row_find(prev, json_string_value(json_object_get(r, "key")), NULL);
		json_object_set(r, "previous", p ? json_object_get(p, "values") : json_null());
	}
	json_decref(prev);
	for (i = 0; i < 3 && ind->columns[i]; i++)
		json_array_append_new(cols, json_string(ind->columns[i]));
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:s}, s:{s:s, s:s}}", "id", ind->id,
	    "section", ind->section, "title", ind->title, "note", ind->note, "chart",
	    ind->chart == STEER_LINE ? "line" : "bars", "unit", ind->unit, "key_label", ind->key_label, "columns", cols,
	    "rows", rows, "period", "from", q->from, "to", q->to, "previous_period", "from", run->pfrom, "to",
	    run->pto);
	return TR_OK;
}

static void
run_init(struct steer_run *run, struct ctx *ctx, const struct steer_query *q)
{
	*run = (struct steer_run){ .ctx = ctx, .q = q };
	steer_previous(ctx, q->from, q->to, &run->pfrom, &run->pto);
}

tr_err
steer_figure(struct ctx *ctx, const struct steer_query *q, const struct indicator *ind, json_t **out)
{
	struct steer_run run;

	run_init(&run, ctx, q);
	return figure(&run, ind, out);
}
/* The actor's scope in French, for the page and the report. */
static const char *
scope_text(struct ctx *ctx, const struct steer_query *q)
{
	if (q->region)
		return arena_printf(ctx->arena, "région %s", q->region);
	if (actor_has_any(ctx->actor, STEER_NATIONAL))
		return "national";
	if (actor_has(ctx->actor, ROLE_REGIONAL) || actor_has(ctx->actor, ROLE_POLE))
		return "vos régions";
	return "votre structure";
}

tr_err
steer_dashboard(struct ctx *ctx, const struct steer_query *q, json_t **out)
{
	json_t *sections = json_array(), *programme;
	struct steer_run run;
	struct db_rows *r;
	tr_err err;

	*out = NULL;
	err = db_onev(ctx->db, ctx->arena, "SELECT id, name, target_posts FROM programmes WHERE id = ?", &r,
	    DB_I64(q->programme_id));
	if (err != TR_OK) {
		json_decref(sections);
		return ctx_storage_error(ctx, err);
	}
	programme = row_json(r, 0);
	/* One run: each source is read once for every figure. */
	run_init(&run, ctx, q);
	for (size_t s = 0; s < steer_sections_count; s++) {
		json_t *figures = json_array();
		for (size_t i = 0; i < steer_indicators_count; i++) {
			json_t *f;
			if (strcmp(steer_indicators[i].section, steer_sections[s].id) != 0)
				continue;
			if ((err = figure(&run, &steer_indicators[i], &f)) != TR_OK) {
				json_decref(figures);
				json_decref(sections);
				json_decref(programme);
				return err;
			}
			json_array_append_new(figures, f);
		}
		json_array_append_new(sections, json_pack("{s:s, s:s, s:o}", "id", steer_sections[s].id, "title",
		                                    steer_sections[s].title, "figures", figures));
	}
	*out = json_pack("{s:o, s:{s:s, s:s}, s:{s:s, s:s}, s:s?, s:s, s:o}", "programme", programme, "period", "from",
	    q->from, "to", q->to, "previous_period", "from", run.pfrom, "to", run.pto, "region", q->region, "scope",
	    scope_text(ctx, q), "sections", sections);
	return TR_OK;
}

tr_err
steer_programmes(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_query(ctx->db, ctx->arena, "SELECT id, name FROM programmes ORDER BY id", NULL, 0, &r);

	*out = NULL;
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}

static const char *const value_keys[] = { "v0", "v1", "v2" };
static const char *const prev_keys[] = { "p0", "p1", "p2" };

json_t *
steer_export_rows(struct ctx *ctx, json_t *figure, const struct export_column **cols, size_t *ncols)
{
	json_t *columns = json_object_get(figure, "columns"), *rows = json_array(), *r;
	size_t n = json_array_size(columns), i;
	struct export_column *c = arena_alloc(ctx->arena, sizeof(*c) * (1 + 2 * n));
	bool real = false;

	json_array_foreach(json_object_get(figure, "rows"), i, r)
	{
		json_t *o = json_pack("{s:O}", "label", json_object_get(r, "label"));
		for (size_t m = 0; m < n; m++) {
			json_t *v = json_array_get(json_object_get(r, "values"), m),
			       *p = json_array_get(json_object_get(r, "previous"), m);
			real = real || json_is_real(v) || json_is_real(p);
			json_object_set(o, value_keys[m], v ? v : json_null());
			json_object_set(o, prev_keys[m], p ? p : json_null());
		}
		json_array_append_new(rows, o);
	}
	c[0] = (struct export_column){ "label", json_string_value(json_object_get(figure, "key_label")), EXPORT_TEXT };
	for (size_t m = 0; m < n; m++) {
		const char *label = json_string_value(json_array_get(columns, m));
		c[1 + m] = (struct export_column){ value_keys[m], label, real ? EXPORT_TEXT : EXPORT_INT };
		c[1 + n + m] = (struct export_column){ prev_keys[m],
			arena_printf(ctx->arena, "%s (période précédente)", label), real ? EXPORT_TEXT : EXPORT_INT };
	}
	*cols = c;
	*ncols = 1 + 2 * n;
	return rows;
}
