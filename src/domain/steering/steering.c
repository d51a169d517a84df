/* The steering figures: the table of indicators, the scope of each actor (a scope table read by scope_where), and
 * the one engine that runs an indicator's query over a period and the previous one. */
#include "domain/steering/steering.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/export.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/scope.h"
#include "model/candidates/candidate.h"
#include "model/programmes/programme.h"
#include "model/recruitment/contract.h"
#include "model/steering/steering.h"
#include "model/training/training.h"

/* Whose figures an actor sees, as a scope table over the rows x of every indicator (x.region_code,
 * x.organisation_id). A row outside every region (the programme's national target) reaches only national
 * reach. */
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
};
const size_t steer_sections_count = sizeof(steer_sections) / sizeof(steer_sections[0]);

/* ---- The conditions the indicators share (written once). ---- */

/* Posts granted at the end of the period: validated dossiers decided before its end (params: p, b). */
#define GRANTED_FROM "dossiers d WHERE d.programme_id = ? AND d.state = 'validated' AND d.decision_at < ?"
/* Posts filled on the last day of the period: contracts started by then and not ended before it (params: p, t, t);
 * a contract ended on the last day still counts. */
#define FILLED_WHERE                                                                               \
	"c.programme_id = ? AND c.state <> 'planned' AND c.start_on <= ? AND (c.ended_on IS NULL " \
	"OR c.ended_on >= ?)"
/* Contracts in force at some day of the period (params: p, t, f). */
#define IN_FORCE_WHERE                                                                             \
	"c.programme_id = ? AND c.state <> 'planned' AND c.start_on <= ? AND (c.ended_on IS NULL " \
	"OR c.ended_on >= ?)"
/* The targets: the regions' rows and the programme's (national reach only: no region) (params: p, p). */
#define TARGET_ROWS                                                                                                 \
	"SELECT t.region_code, CAST(NULL AS BIGINT) AS organisation_id, 'target' AS k, '' AS l, t.target_posts AS " \
	"v1, "                                                                                                      \
	"0 AS v2, 0 AS v3 FROM programme_region_targets t WHERE t.programme_id = ? UNION ALL SELECT CAST(NULL AS "  \
	"TEXT), "                                                                                                   \
	"CAST(NULL AS BIGINT), 'target_national', '', "                                                             \
	"g.target_posts, 0, 0 FROM programmes g WHERE g.id = ?"
/* A recruit's age in whole years on the first day of the contract. */
#define AGE_SQL                                                                                                 \
	"(CAST(SUBSTR(c.start_on, 1, 4) AS INTEGER) - CAST(SUBSTR(n.birth_date, 1, 4) AS INTEGER) - CASE WHEN " \
	"SUBSTR(c.start_on, 6, 5) < SUBSTR(n.birth_date, 6, 5) THEN 1 ELSE 0 END)"
/* Recruits: contracts that started in the period (params: p, f, t). */
#define RECRUITS_FROM                                                                                            \
	"contracts c JOIN candidates n ON n.person_id = c.candidate_id WHERE c.programme_id = ? AND c.state <> " \
	"'planned' AND c.start_on >= ? AND c.start_on <= ?"
/* Posts by a dimension: the target (when the dimension is the region), the posts granted and filled. */
#define BY_DIM(gk, gl, gjoin, ck, cl, cjoin)                                                                          \
	"SELECT d.region_code, d.organisation_id, " gk " AS k, " gl " AS l, d.posts_granted AS v1, 0 AS v2, 0 AS v3 " \
	"FROM dossiers d " gjoin " WHERE d.programme_id = ? AND d.state = 'validated' AND d.decision_at < ? UNION "   \
	"ALL SELECT c.region_code, c.organisation_id, " ck ", " cl ", 0, 1, 0 FROM contracts c " cjoin                \
	" WHERE " FILLED_WHERE

struct steer_calc {
	struct ctx *ctx;
	const struct indicator *ind;
	json_t *rows;                     /* [{key, label, values}] */
	int64_t from, to;                 /* the period as epoch seconds [from, to) */
	const char *first_day, *last_day; /* and as days */
};

/* ---- Finish functions ---- */

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

/* The target a scope sees: the programme's own for national reach (its row has no region), else the sum of the
 * regions' targets in scope. Removes the rows of both and returns it. */
static json_int_t
take_target(json_t *rows)
{
	json_int_t national = row_value(rows, "target_national", 0), regions = row_value(rows, "target", 0);
	bool has_national = row_find(rows, "target_national", NULL) != NULL;

	row_remove(rows, "target_national");
	row_remove(rows, "target");
	return has_national ? national : regions;
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

/* Per row, the share of column 1 in column 0 (one decimal) as column 2. */
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

static void
finish_outcome_rates(struct steer_calc *c)
{
	size_t i;
	json_t *r;

	json_array_foreach(c->rows, i, r)
	{
		json_t *v = json_object_get(r, "values");
		json_int_t ended = json_integer_value(json_array_get(v, 0)),
		           lasting = json_integer_value(json_array_get(v, 1));
		json_array_set_new(v, 2, json_real(percent(lasting, ended)));
	}
}

/* Days spent in regional and in national review, from the journal: every passage through a review state that
 * ended in the period is one value (a dossier reopened goes through national review twice). The rows come as
 * (k = dossier id, l = the entry's detail, v1 = its time, v2 = its id), ordered. */
static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
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

struct review_acc {
	int64_t *v;
	size_t n, cap;
};

static void
acc_push(struct arena *a, struct review_acc *acc, int64_t x)
{
	if (acc->n == acc->cap) {
		int64_t *nv = arena_alloc(a, sizeof(*nv) * (acc->cap ? acc->cap * 2 : 64));
		if (acc->n)
			memcpy(nv, acc->v, sizeof(*nv) * acc->n);
		acc->v = nv;
		acc->cap = acc->cap ? acc->cap * 2 : 64;
	}
	acc->v[acc->n++] = x;
}

static void
finish_review(struct steer_calc *c)
{
	struct review_acc acc[2] = { { 0 } };
	const char *stage[2] = { "regional_review", "national_review" };
	int64_t entered[2] = { -1, -1 }, prev_dossier = -1;
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(c->rows, i, r)
	{
		json_t *detail = json_loads(json_string_value(json_object_get(r, "label")), 0, NULL);
		const char *from = json_str(detail, "from"), *to = json_str(detail, "to");
		int64_t dossier = strtoll(json_string_value(json_object_get(r, "key")), NULL, 10);
		int64_t at = json_integer_value(json_array_get(json_object_get(r, "values"), 0));

		if (dossier != prev_dossier)
			entered[0] = entered[1] = -1;
		prev_dossier = dossier;
		for (int s = 0; s < 2 && from && to; s++) {
			if (strcmp(from, stage[s]) == 0 && entered[s] >= 0) {
				if (at >= c->from && at < c->to)
					acc_push(c->ctx->arena, &acc[s], (at - entered[s]) / 86400);
				entered[s] = -1;
			}
			if (strcmp(to, stage[s]) == 0)
				entered[s] = at;
		}
		json_decref(detail);
	}
	for (int s = 0; s < 2; s++)
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:o}", "key", stage[s], "label",
		             vocab_label(&vocab_steer_review, stage[s]), "values", dist_values(acc[s].v, acc[s].n)));
	json_array_clear(c->rows);
	json_array_extend(c->rows, out);
	json_decref(out);
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
	    TARGET_ROWS
	    " UNION ALL SELECT d.region_code, d.organisation_id, 'granted', '', d.posts_granted, 0, 0 "
	    "FROM " GRANTED_FROM " UNION ALL SELECT c.region_code, c.organisation_id, 'filled', '', 1, 0, 0 FROM "
	    "contracts c WHERE " FILLED_WHERE
	    " UNION ALL SELECT f.region_code, f.organisation_id, 'returned', '', CASE WHEN f.posts > (SELECT "
	    "COUNT(*) FROM contracts c2 WHERE c2.offer_id = f.id) THEN f.posts - (SELECT COUNT(*) FROM "
	    "contracts c2 WHERE c2.offer_id = f.id) ELSE 0 END, 0, 0 FROM offers f WHERE f.programme_id = ? "
	    "AND f.state = 'closed' AND f.updated_at >= ? AND f.updated_at < ?",
	    "pppbpttpab", finish_posts, "" },
	{ "recruitments_cumulative", "posts", "Recrutements cumulés face à l'objectif",
	    "Contrats commencés pendant la période, cumulés mois par mois (date de début du contrat), face à "
	    "l'objectif du périmètre (ligne en tirets).",
	    STEER_LINE, "Mois", { "Recrutements cumulés", "Objectif" }, NULL, STEER_SUM,
	    TARGET_ROWS
	    " UNION ALL SELECT c.region_code, c.organisation_id, SUBSTR(c.start_on, 1, 7), SUBSTR(c.start_on, 1, "
	    "7), 1, 0, 0 FROM contracts c WHERE c.programme_id = ? AND c.state <> 'planned' AND c.start_on >= ? "
	    "AND c.start_on <= ?",
	    "pppft", finish_cumulative, "" },
	{ "posts_by_region", "posts", "Postes par région",
	    "Par région du lieu : objectif régional, postes accordés (dossiers validés avant la fin de la période) et "
	    "pourvus le dernier jour de la période.",
	    STEER_BARS, "Région", { "Accordés", "Pourvus", "Objectif" }, NULL, STEER_SUM,
	    "SELECT t.region_code, CAST(NULL AS BIGINT) AS organisation_id, t.region_code AS k, r.name AS l, 0 AS v1, "
	    "0 AS v2, "
	    "t.target_posts AS v3 FROM programme_region_targets t JOIN regions r ON r.code = t.region_code WHERE "
	    "t.programme_id = ? "
	    "UNION ALL " BY_DIM("d.region_code", "r.name", "JOIN regions r ON r.code = d.region_code", "c.region_code",
	        "r.name", "JOIN regions r ON r.code = c.region_code"),
	    "ppbptt", NULL, "" },
	{ "posts_by_departement", "posts", "Postes par département",
	    "Par département du lieu du dossier (du lieu de l'offre pour les contrats) : postes accordés et pourvus.",
	    STEER_BARS, "Département", { "Accordés", "Pourvus" }, NULL, STEER_SUM,
	    BY_DIM("pl.departement_code", "de.name",
	        "JOIN places pl ON pl.id = d.place_id JOIN departements de ON de.code = pl.departement_code",
	        "f.departement_code", "de.name",
	        "JOIN offers f ON f.id = c.offer_id JOIN departements de ON de.code = f.departement_code"),
	    "pbptt", NULL, "" },
	{ "posts_by_job_profile", "posts", "Postes par métier",
	    "Par métier du dossier (de l'offre pour les contrats) : postes accordés et pourvus.", STEER_BARS, "Métier",
	    { "Accordés", "Pourvus" }, NULL, STEER_SUM,
	    BY_DIM("CAST(d.job_profile_id AS TEXT)", "jp.title", "JOIN job_profiles jp ON jp.id = d.job_profile_id",
	        "CAST(f.job_profile_id AS TEXT)", "jp.title",
	        "JOIN offers f ON f.id = c.offer_id JOIN job_profiles jp ON jp.id = f.job_profile_id"),
	    "pbptt", NULL, "" },
	{ "posts_by_network", "posts", "Postes par réseau",
	    "Par réseau du lieu (Points Cyb, Cyber-bases…) ; un lieu de plusieurs réseaux compte dans chacun.",
	    STEER_BARS, "Réseau", { "Accordés", "Pourvus" }, NULL, STEER_SUM,
	    BY_DIM("n.code", "n.label",
	        "JOIN places pl ON pl.id = d.place_id JOIN place_networks n ON '|' || pl.networks || '|' LIKE '%|' || "
	        "n.code || '|%'",
	        "n.code", "n.label",
	        "JOIN offers f ON f.id = c.offer_id JOIN places pl ON pl.id = f.place_id JOIN place_networks n ON '|' "
	        "|| "
	        "pl.networks || '|' LIKE '%|' || n.code || '|%'"),
	    "pbptt", NULL, "" },
	{ "posts_by_employer_kind", "posts", "Postes par catégorie d'employeur",
	    "Par catégorie d'employeur déclarée au dossier : postes accordés et pourvus.", STEER_BARS, "Catégorie",
	    { "Accordés", "Pourvus" }, &vocab_employer_category, STEER_SUM,
	    BY_DIM("COALESCE(d.employer_category, 'unknown')", "''", "", "COALESCE(d.employer_category, 'unknown')",
	        "''", "JOIN dossiers d ON d.id = c.dossier_id"),
	    "pbptt", NULL, "" },

	{ "dossiers_by_state", "pipeline", "Dossiers par état",
	    "Dossiers créés avant la fin de la période, selon leur état d'aujourd'hui.", STEER_BARS, "État",
	    { "Dossiers" }, &vocab_dossier_state, STEER_SUM,
	    "SELECT d.region_code, d.organisation_id, d.state AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM dossiers d "
	    "WHERE d.programme_id = ? AND d.created_at < ?",
	    "pb", NULL, "" },
	{ "review_days", "pipeline", "Durée d'instruction (jours)",
	    "D'après le journal : pour chaque passage d'un dossier par l'instruction régionale (en attente d'avis) ou "
	    "nationale (en attente de décision) terminé pendant la période, le nombre de jours entiers écoulés ; un "
	    "dossier rouvert compte pour chaque passage. Médiane et 9e décile au rang le plus proche.",
	    STEER_BARS, "Étape", { "Passages", "Médiane", "9e décile" }, NULL, STEER_RAW,
	    "SELECT d.region_code, d.organisation_id, CAST(j.entity_id AS TEXT) AS k, j.detail AS l, j.at AS v1, j.id "
	    "AS "
	    "v2, 0 AS v3 FROM journal j JOIN dossiers d ON d.id = j.entity_id WHERE j.entity = 'dossier' AND "
	    "d.programme_id = ? AND j.at < ?",
	    "pb", finish_review, "jours" },
	{ "opinions", "pipeline", "Avis régionaux",
	    "Dossiers dont l'avis régional a été rendu pendant la période, par avis.", STEER_BARS, "Avis",
	    { "Dossiers" }, &vocab_opinion, STEER_SUM,
	    "SELECT d.region_code, d.organisation_id, d.opinion AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM dossiers "
	    "d "
	    "WHERE d.programme_id = ? AND d.opinion IS NOT NULL AND d.opinion_at >= ? AND d.opinion_at < ?",
	    "pab", NULL, "" },
	{ "decisions", "pipeline", "Décisions nationales",
	    "D'après le journal : validations, refus et réouvertures prononcés pendant la période (un dossier rouvert "
	    "puis décidé à nouveau compte deux décisions).",
	    STEER_BARS, "Décision", { "Dossiers" }, &vocab_steer_decisions, STEER_SUM,
	    "SELECT d.region_code, d.organisation_id, j.action AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM journal j "
	    "JOIN dossiers d ON d.id = j.entity_id WHERE j.entity = 'dossier' AND j.action IN ('validate', 'refuse', "
	    "'reopen') AND d.programme_id = ? AND j.at >= ? AND j.at < ?",
	    "pab", NULL, "" },
	{ "refusal_reasons", "pipeline", "Motifs des refus",
	    "Dossiers refusés (état actuel) dont la décision date de la période, par motif tel qu'il a été écrit.",
	    STEER_BARS, "Motif", { "Dossiers" }, NULL, STEER_SUM,
	    "SELECT d.region_code, d.organisation_id, COALESCE(d.decision_reason, '') AS k, "
	    "COALESCE(d.decision_reason, "
	    "'') AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM dossiers d WHERE d.programme_id = ? AND d.state = 'refused' AND "
	    "d.decision_at >= ? AND d.decision_at < ?",
	    "pab", NULL, "" },

	{ "recruitment_summary", "recruitment", "Offres, candidatures et recrutements",
	    "Offres publiées et postes offerts pendant la période (date de création de l'offre), candidatures reçues "
	    "(date de dépôt), contrats commencés pendant la période.",
	    STEER_BARS, "Indicateur", { "Nombre" }, &vocab_steer_recruitment, STEER_SUM,
	    "SELECT f.region_code, f.organisation_id, 'offers' AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM offers f "
	    "WHERE f.programme_id = ? AND f.created_at >= ? AND f.created_at < ? UNION ALL SELECT f.region_code, "
	    "f.organisation_id, 'posts', '', f.posts, 0, 0 FROM offers f WHERE f.programme_id = ? AND f.created_at >= "
	    "? "
	    "AND f.created_at < ? UNION ALL SELECT f.region_code, f.organisation_id, 'applications', '', 1, 0, 0 FROM "
	    "applications a JOIN offers f ON f.id = a.offer_id WHERE f.programme_id = ? AND a.created_at >= ? AND "
	    "a.created_at < ? UNION ALL SELECT c.region_code, c.organisation_id, 'recruitments', '', 1, 0, 0 FROM "
	    "contracts c WHERE c.programme_id = ? AND c.state <> 'planned' AND c.start_on >= ? AND c.start_on <= ?",
	    "pabpabpabpft", NULL, "" },
	{ "applications_by_state", "recruitment", "Candidatures par état",
	    "Candidatures déposées pendant la période, selon leur état d'aujourd'hui.", STEER_BARS, "État",
	    { "Candidatures" }, &vocab_application_state, STEER_SUM,
	    "SELECT f.region_code, f.organisation_id, a.state AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM "
	    "applications "
	    "a JOIN offers f ON f.id = a.offer_id WHERE f.programme_id = ? AND a.created_at >= ? AND a.created_at < ?",
	    "pab", NULL, "" },
	{ "time_to_recruit", "recruitment", "Délai de recrutement (jours)",
	    "Pour chaque contrat signé pendant la période, les jours entiers entre la publication de l'offre et la "
	    "signature du contrat. Médiane et 9e décile au rang le plus proche.",
	    STEER_BARS, "Offres", { "Contrats", "Médiane", "9e décile" }, &vocab_steer_time, STEER_DIST,
	    "SELECT c.region_code, c.organisation_id, 'all' AS k, '' AS l, (c.created_at - f.created_at) / 86400 AS "
	    "v1, 0 "
	    "AS v2, 0 AS v3 FROM contracts c JOIN offers f ON f.id = c.offer_id WHERE c.programme_id = ? AND "
	    "c.created_at >= ? AND c.created_at < ?",
	    "pab", NULL, "jours" },
	{ "recruits_age", "recruitment", "Âge des recrutés",
	    "Contrats commencés pendant la période, par âge révolu du jeune au premier jour du contrat.", STEER_BARS,
	    "Âge", { "Recrutés" }, &vocab_steer_age, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, CASE WHEN n.birth_date IS NULL THEN 'unknown' WHEN " AGE_SQL
	    " < 18 THEN 'a_u18' WHEN " AGE_SQL " <= 21 THEN 'b_18_21' WHEN " AGE_SQL
	    " <= 25 THEN 'c_22_25' WHEN " AGE_SQL
	    " <= 30 THEN 'd_26_30' ELSE 'e_31' END AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM " RECRUITS_FROM,
	    "pft", NULL, "" },
	{ "recruits_qualification", "recruitment", "Niveau de qualification des recrutés",
	    "Contrats commencés pendant la période, par niveau de qualification déclaré par le jeune.", STEER_BARS,
	    "Niveau", { "Recrutés" }, &vocab_qualification_level, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE(n.qualification_level, 'unknown') AS k, '' AS l, 1 AS "
	    "v1, 0 "
	    "AS v2, 0 AS v3 FROM " RECRUITS_FROM,
	    "pft", NULL, "" },
	{ "recruits_priority_area", "recruitment", "Recrutés résidant en zone prioritaire",
	    "Contrats commencés pendant la période, par zone de résidence déclarée (QPV, ZRR, outre-mer).", STEER_BARS,
	    "Zone", { "Recrutés" }, &vocab_priority_area, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE(n.priority_area, 'unknown') AS k, '' AS l, 1 AS v1, 0 "
	    "AS "
	    "v2, 0 AS v3 FROM " RECRUITS_FROM,
	    "pft", NULL, "" },
	{ "recruits_sex", "recruitment", "Sexe des recrutés",
	    "Contrats commencés pendant la période, selon le sexe déclaré (facultatif) par le jeune.", STEER_BARS,
	    "Sexe", { "Recrutés" }, &vocab_sex, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE(n.sex, 'unknown') AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS "
	    "v3 "
	    "FROM " RECRUITS_FROM,
	    "pft", NULL, "" },
	{ "recruits_eligibility", "recruitment", "Voies d'éligibilité des recrutés",
	    "Contrats commencés pendant la période, selon le dernier diagnostic d'éligibilité du jeune pour le "
	    "dispositif : conclu éligible tel que calculé, éligible sur décision du prescripteur (dérogation), ou sans "
	    "diagnostic.",
	    STEER_BARS, "Voie", { "Recrutés" }, NULL, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE((SELECT CASE WHEN e.overridden = 1 THEN 'override' ELSE "
	    "'computed' END FROM eligibility_diagnoses e WHERE e.candidate_id = c.candidate_id AND e.programme_id = "
	    "c.programme_id AND e.decided_on <= c.start_on ORDER BY e.decided_on DESC, e.id DESC LIMIT 1), 'none') AS "
	    "k, CASE COALESCE((SELECT CASE WHEN e.overridden = 1 THEN 'override' ELSE 'computed' END FROM "
	    "eligibility_diagnoses e WHERE e.candidate_id = c.candidate_id AND e.programme_id = c.programme_id AND "
	    "e.decided_on <= c.start_on ORDER BY e.decided_on DESC, e.id DESC LIMIT 1), 'none') WHEN 'override' THEN "
	    "'Dérogation du prescripteur' WHEN 'computed' THEN 'Critères du dispositif remplis' ELSE 'Sans diagnostic' "
	    "END AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM " RECRUITS_FROM,
	    "pft", NULL, "" },
	{ "early_breaks", "recruitment", "Ruptures avant le terme",
	    "Contrats en cours à un jour au moins de la période ; parmi eux, ceux rompus avant leur terme avec une "
	    "date "
	    "de fin dans la période ; taux = ruptures ÷ contrats en cours.",
	    STEER_BARS, "Indicateur", { "Nombre" }, &vocab_steer_breaks, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, 'in_force' AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM "
	    "contracts c "
	    "WHERE " IN_FORCE_WHERE
	    " UNION ALL SELECT c.region_code, c.organisation_id, 'ended_early', '', 1, 0, 0 FROM "
	    "contracts c WHERE c.programme_id = ? AND c.state = 'ended_early' AND c.ended_on >= ? AND c.ended_on <= ?",
	    "ptfpft", finish_breaks, "" },
	{ "breaks_by_whom", "recruitment", "Ruptures : à l'initiative de qui",
	    "Contrats rompus avant leur terme avec une date de fin dans la période, selon qui a rompu.", STEER_BARS,
	    "Initiative", { "Ruptures" }, &vocab_ended_by, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE(c.ended_by, 'unknown') AS k, '' AS l, 1 AS v1, 0 AS v2, "
	    "0 "
	    "AS v3 FROM contracts c WHERE c.programme_id = ? AND c.state = 'ended_early' AND c.ended_on >= ? AND "
	    "c.ended_on <= ?",
	    "pft", NULL, "" },
	{ "breaks_by_reason", "recruitment", "Ruptures : motifs",
	    "Contrats rompus avant leur terme avec une date de fin dans la période, par motif.", STEER_BARS, "Motif",
	    { "Ruptures" }, &vocab_break_reason, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE(c.break_reason, 'unknown') AS k, '' AS l, 1 AS v1, 0 AS "
	    "v2, "
	    "0 AS v3 FROM contracts c WHERE c.programme_id = ? AND c.state = 'ended_early' AND c.ended_on >= ? AND "
	    "c.ended_on <= ?",
	    "pft", NULL, "" },

	{ "training_paths", "training", "Parcours de formation",
	    "Contrats en cours à un jour au moins de la période ; parcours commencés : au moins un module en cours ou "
	    "terminé ; achevés : tous les modules terminés ; modules en retard : non terminés à leur date de fin "
	    "prévue, antérieure au dernier jour de la période (états d'aujourd'hui).",
	    STEER_BARS, "Indicateur", { "Nombre" }, &vocab_steer_paths, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, 'contracts' AS k, '' AS l, 1 AS v1, 0 AS v2, 0 AS v3 FROM "
	    "contracts "
	    "c WHERE " IN_FORCE_WHERE " UNION ALL SELECT c.region_code, c.organisation_id, 'started', '', 1, 0, 0 FROM "
	    "contracts c WHERE " IN_FORCE_WHERE " AND EXISTS (SELECT 1 FROM path_modules m WHERE m.contract_id = c.id "
	    "AND m.state IN ('in_progress', 'completed')) UNION ALL SELECT c.region_code, c.organisation_id, "
	    "'completed', '', 1, 0, 0 FROM contracts c WHERE " IN_FORCE_WHERE " AND EXISTS (SELECT 1 FROM path_modules "
	    "m WHERE m.contract_id = c.id) AND NOT EXISTS (SELECT 1 FROM path_modules m WHERE m.contract_id = c.id AND "
	    "m.state <> 'completed') UNION ALL SELECT c.region_code, c.organisation_id, 'modules_late', '', 1, 0, 0 "
	    "FROM "
	    "path_modules m JOIN contracts c ON c.id = m.contract_id WHERE " IN_FORCE_WHERE " AND m.state IN "
	    "('planned', 'in_progress') AND m.ends_on < ?",
	    "ptfptfptfptft", NULL, "" },
	{ "sessions_cancelled", "training", "Sessions annulées faute d'inscrits",
	    "Sessions du dispositif dont la date limite d'inscription tombe dans la période : annulées (sous leur "
	    "minimum d'inscrits, ou par leur organisateur), et toutes, par public.",
	    STEER_BARS, "Public", { "Annulées", "Sessions" }, &vocab_session_audience, STEER_SUM,
	    "SELECT s.region_code, CAST(NULL AS BIGINT) AS organisation_id, s.audience AS k, '' AS l, CASE WHEN "
	    "s.state = 'cancelled' "
	    "THEN 1 ELSE 0 END AS v1, 1 AS v2, 0 AS v3 FROM training_sessions s WHERE s.programme_id = ? AND "
	    "s.registration_deadline >= ? AND s.registration_deadline <= ?",
	    "pft", NULL, "" },
	{ "tutors_trained", "training", "Tuteurs formés",
	    "Tuteurs des contrats en cours pendant la période : formés s'ils sont inscrits (place confirmée) à une "
	    "session pour tuteurs non annulée commencée au plus tard le dernier jour de la période.",
	    STEER_BARS, "Tuteurs", { "Tuteurs" }, &vocab_steer_tutors, STEER_SUM,
	    "SELECT DISTINCT c.region_code, c.organisation_id, CASE WHEN EXISTS (SELECT 1 FROM session_registrations g "
	    "JOIN training_sessions s ON s.id = g.session_id WHERE g.person_id = c.tutor_id AND g.state = 'registered' "
	    "AND s.audience = 'tutors' AND s.state <> 'cancelled' AND s.starts_on <= ?) THEN 'trained' ELSE "
	    "'untrained' END AS k, '' AS l, 1 AS v1, 0 AS v2, c.tutor_id AS v3 FROM contracts c WHERE " IN_FORCE_WHERE,
	    "tptf", NULL, "" },

	{ "outcomes_at_end", "outcomes", "Situation à la sortie",
	    "Contrats terminés (à leur terme ou avant) avec une date de fin dans la période, selon la situation "
	    "enregistrée à la sortie.",
	    STEER_BARS, "Situation", { "Sortants" }, &vocab_outcome, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE(c.outcome, 'pending') AS k, '' AS l, 1 AS v1, 0 AS v2, "
	    "0 AS "
	    "v3 FROM contracts c WHERE c.programme_id = ? AND c.state IN ('completed', 'ended_early') AND c.ended_on "
	    ">= ? "
	    "AND c.ended_on <= ?",
	    "pft", NULL, "" },
	{ "outcomes_six_months", "outcomes", "Situation six mois après la sortie",
	    "Contrats dont le suivi à six mois tombe dans la période (six mois après la fin), selon la situation "
	    "enregistrée.",
	    STEER_BARS, "Situation", { "Sortants" }, &vocab_outcome, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, COALESCE(c.followup_outcome, 'pending') AS k, '' AS l, 1 AS v1, "
	    "0 AS "
	    "v2, 0 AS v3 FROM contracts c WHERE c.programme_id = ? AND c.followup_due_on >= ? AND c.followup_due_on <= "
	    "?",
	    "pft", NULL, "" },
	{ "outcomes_by_region", "outcomes", "Sorties en emploi durable par région",
	    "Par région : contrats terminés dans la période, ceux dont la situation à la sortie est un emploi durable "
	    "(CDI, CDD de six mois ou plus, création d'entreprise), et leur part.",
	    STEER_BARS, "Région", { "Sortants", "En emploi durable", "Part (%)" }, NULL, STEER_SUM,
	    "SELECT c.region_code, c.organisation_id, c.region_code AS k, r.name AS l, 1 AS v1, CASE WHEN c.outcome "
	    "LIKE "
	    "'lasting%' THEN 1 ELSE 0 END AS v2, 0 AS v3 FROM contracts c JOIN regions r ON r.code = c.region_code "
	    "WHERE "
	    "c.programme_id = ? AND c.state IN ('completed', 'ended_early') AND c.ended_on >= ? AND c.ended_on <= ?",
	    "pft", finish_outcome_rates, "" },
	/* The money (subsidies) and activity figures are rows here, in sections "money" and "activity" added to
	 * steer_sections: their queries read the subsidies' and the activity reports' tables the same way. */
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

/* Binds the indicator's parameters for the period [FROM, TO] and runs its query over the actor's scope into the
 * rows of C. */
static tr_err
run_period(struct steer_calc *c, const struct steer_query *q, const char *from, const char *to)
{
	struct ctx *ctx = c->ctx;
	const struct indicator *ind = c->ind;
	struct db_val p[SCOPE_PARAMS_MAX * 2];
	struct sqlw w;
	struct db_rows *r;
	const char *sql;
	size_t np = 0;
	tr_err err;

	for (const char *s = ind->params; *s; s++) {
		switch (*s) {
		case 'p': p[np++] = DB_I64(q->programme_id); break;
		case 'f': p[np++] = DB_TEXT(from); break;
		case 't': p[np++] = DB_TEXT(to); break;
		case 'a': p[np++] = DB_I64(day_epoch(from)); break;
		default: p[np++] = DB_I64(day_epoch(to) + 86400); break;
		}
	}
	scope_where(ctx, &steer_scope, &w);
	if (q->region)
		sqlw_and(&w, "x.region_code = ?", DB_TEXT(q->region));
	for (size_t i = 0; i < w.n; i++)
		p[np++] = w.p[i];
	sql = ind->agg == STEER_SUM
	          ? arena_printf(ctx->arena,
	                "SELECT x.k, MIN(x.l), SUM(x.v1), SUM(x.v2), SUM(x.v3) FROM (%s) x WHERE %s GROUP BY x.k ORDER "
	                "BY x.k",
	                ind->sql, w.sql)
	          : arena_printf(ctx->arena, "SELECT x.k, x.l, x.v1, x.v2, x.v3 FROM (%s) x WHERE %s ORDER BY x.k, %s",
	                ind->sql, w.sql, ind->agg == STEER_RAW ? "x.v2" : "x.v1");
	if ((err = db_query(ctx->db, ctx->arena, sql, p, np, &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	c->from = day_epoch(from);
	c->to = day_epoch(to) + 86400;

	c->rows = json_array();
	if (ind->agg == STEER_DIST) {
		for (size_t i = 0; i < r->nrows;) {
			const char *k = db_isnull(db_cell(r, i, 0)) ? "unknown" : db_text(db_cell(r, i, 0));
			size_t j = i, n;
			int64_t *v;
			while (j < r->nrows &&
			       strcmp(db_isnull(db_cell(r, j, 0)) ? "unknown" : db_text(db_cell(r, j, 0)), k) == 0)
				j++;
			n = j - i;
			v = arena_alloc(ctx->arena, sizeof(*v) * n);
			for (size_t m = 0; m < n; m++)
				v[m] = db_int(db_cell(r, i + m, 2));
			json_array_append_new(c->rows, json_pack("{s:s, s:s, s:o}", "key", k, "label",
			                                   db_isnull(db_cell(r, i, 1)) ? "" : db_text(db_cell(r, i, 1)),
			                                   "values", dist_values(v, n)));
			i = j;
		}
	} else {
		size_t ncols = 0;
		while (ncols < 3 && ind->columns[ncols])
			ncols++;
		for (size_t i = 0; i < r->nrows; i++) {
			json_t *values = json_array();
			for (size_t m = 0; m < (ind->agg == STEER_RAW ? 3 : (ncols ? ncols : 1)); m++) {
				/* Columns from the end of v1..v3 when an indicator has fewer than three (BY_DIM fills v1..v3). */
				json_array_append_new(values, json_integer(db_int(db_cell(r, i, 2 + m))));
			}
			json_array_append_new(c->rows,
			    json_pack("{s:s, s:s, s:o}", "key",
			        db_isnull(db_cell(r, i, 0)) ? "unknown" : db_text(db_cell(r, i, 0)), "label",
			        db_isnull(db_cell(r, i, 1)) ? "" : db_text(db_cell(r, i, 1)), "values", values));
		}
	}
	if (ind->finish)
		ind->finish(c);
	return TR_OK;
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
			json_t *zeros = json_array();
			for (size_t m = 0; m < ncols; m++)
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

static tr_err
compute(struct ctx *ctx, const struct steer_query *q, const struct indicator *ind, const char *from, const char *to,
    json_t **rows)
{
	struct steer_calc c = { ctx, ind, NULL, 0, 0, from, to };
	tr_err err = run_period(&c, q, from, to);

	if (err != TR_OK) {
		json_decref(c.rows);
		return err;
	}
	order_rows(&c);
	*rows = c.rows;
	return TR_OK;
}

tr_err
steer_figure(struct ctx *ctx, const struct steer_query *q, const struct indicator *ind, json_t **out)
{
	const char *pfrom, *pto;
	json_t *rows = NULL, *prev = NULL, *cols = json_array(), *r;
	size_t i;
	tr_err err;

	*out = NULL;
	steer_previous(ctx, q->from, q->to, &pfrom, &pto);
	if ((err = compute(ctx, q, ind, q->from, q->to, &rows)) != TR_OK ||
	    (err = compute(ctx, q, ind, pfrom, pto, &prev)) != TR_OK) {
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
	    "rows", rows, "period", "from", q->from, "to", q->to, "previous_period", "from", pfrom, "to", pto);
	return TR_OK;
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
	struct db_rows *r;
	const char *pfrom, *pto;
	tr_err err;

	*out = NULL;
	err = db_onev(ctx->db, ctx->arena, "SELECT id, name, target_posts FROM programmes WHERE id = ?", &r,
	    DB_I64(q->programme_id));
	if (err != TR_OK) {
		json_decref(sections);
		return ctx_storage_error(ctx, err);
	}
	programme = row_json(r, 0);
	for (size_t s = 0; s < steer_sections_count; s++) {
		json_t *figures = json_array();
		for (size_t i = 0; i < steer_indicators_count; i++) {
			json_t *f;
			if (strcmp(steer_indicators[i].section, steer_sections[s].id) != 0)
				continue;
			if ((err = steer_figure(ctx, q, &steer_indicators[i], &f)) != TR_OK) {
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
	steer_previous(ctx, q->from, q->to, &pfrom, &pto);
	*out = json_pack("{s:o, s:{s:s, s:s}, s:{s:s, s:s}, s:s?, s:s, s:o}", "programme", programme, "period", "from",
	    q->from, "to", q->to, "previous_period", "from", pfrom, "to", pto, "region", q->region, "scope",
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
