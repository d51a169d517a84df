/* The evaluation of a programme's eligibility criteria (data) against a profile, and the diagnoses
 * prescribers record. */
#include "domain/candidates/eligibility.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/candidates/candidate.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "model/candidates/candidate.h"

#define DETAIL_MAX 1024
#define AGE_MAX 150
#define MONTHS_MAX 1200

/* ---- evaluation ---------------------------------------------------------------------------------------- */

/* A bounded text being built (details and labels). */
struct line {
	char s[DETAIL_MAX];
	size_t n;
};

static void __attribute__((format(printf, 2, 3))) line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (l->n >= sizeof(l->s) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(l->s + l->n, sizeof(l->s) - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n = l->n + (size_t)k < sizeof(l->s) ? l->n + (size_t)k : sizeof(l->s) - 1;
}

/* "24/11/2026" from "2026-11-24" (as given when it is not a date). */
static void
day_text(const char *ymd, char out[16])
{
	int y, m, d;

	if (ymd != NULL && date_parse(ymd, strlen(ymd), &y, &m, &d))
		snprintf(out, 16, "%02d/%02d/%04d", d, m, y);
	else
		snprintf(out, 16, "%.15s", ymd ? ymd : "");
}

/* Member KEY of O as an integer within [0, MAX]: 1 when present and valid (in *V), 0 when absent, -1 when
 * present but not such an integer. */
static int
bounded_int(json_t *o, const char *key, json_int_t max, json_int_t *v)
{
	json_t *x = json_object_get(o, key);

	if (x == NULL || json_is_null(x))
		return 0;
	if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > max)
		return -1;
	*v = json_integer_value(x);
	return 1;
}

static json_t *
criterion(const char *code, const char *label, bool met, const char *detail)
{
	return json_pack("{s:s, s:s, s:b, s:s}", "code", code, "label", label, "met", met, "detail", detail);
}

/* The age criterion; false when AGE is malformed. */
static bool
eval_age(json_t *age, const struct candidate_facts *f, const char *on_date, json_t *out, bool *met)
{
	json_int_t min = 0, max = AGE_MAX, rqth_max = 0;
	int has_min = bounded_int(age, "min", AGE_MAX, &min), has_max = bounded_int(age, "max", AGE_MAX, &max);
	int has_rqth = bounded_int(age, "max_with_rqth", AGE_MAX, &rqth_max);
	struct line label = { .n = 0 }, detail = { .n = 0 };
	char day[16];

	if (!json_is_object(age) || has_min < 0 || has_max < 0 || has_rqth < 0)
		return false;
	if (has_min && has_max)
		line_add(&label, "Âge : de %lld à %lld ans", (long long)min, (long long)max);
	else if (has_min)
		line_add(&label, "Âge : %lld ans au moins", (long long)min);
	else if (has_max)
		line_add(&label, "Âge : %lld ans au plus", (long long)max);
	else
		line_add(&label, "Âge");
	if (has_rqth)
		line_add(&label, " (jusqu'à %lld ans avec une RQTH)", (long long)rqth_max);
	if (f->rqth && has_rqth)
		max = rqth_max;
	day_text(on_date, day);
	*met = false;
	if (f->birth_date == NULL || *f->birth_date == '\0') {
		line_add(&detail, "Date de naissance non renseignée.");
	} else {
		int months = date_months_between(f->birth_date, on_date);
		if (months == INT32_MIN) {
			line_add(&detail, "Date de naissance invalide.");
		} else if (months < 0) {
			line_add(&detail, "Date de naissance postérieure au %s.", day);
		} else {
			int years = months / 12;
			*met = years >= min && years <= max;
			line_add(&detail, "%d ans au %s%s.", years, day, f->rqth && has_rqth ? ", avec une RQTH" : "");
		}
	}
	json_array_append_new(out, criterion("age", label.s, *met, detail.s));
	return true;
}

static const char *
level_short(const char *code)
{
	int r = qualification_rank(code);
	static const char *const names[] = { "sans diplôme", "", "", "niveau 3", "niveau 4", "niveau 5", "niveau 6",
		"niveau 7", "niveau 8" };

	return r < 0 ? "non renseigné" : names[r];
}

static const char *
area_short(const char *code)
{
	if (code == NULL)
		return "non renseignée";
	if (strcmp(code, "qpv") == 0)
		return "QPV";
	if (strcmp(code, "zrr") == 0)
		return "ZRR";
	if (strcmp(code, "outre_mer") == 0)
		return "outre-mer";
	return "aucune";
}

/* True when the JSON array AREAS holds CODE. */
static bool
areas_have(json_t *areas, const char *code)
{
	size_t i;
	json_t *a;

	json_array_foreach(
	    areas, i, a) if (code && json_is_string(a) && strcmp(json_string_value(a), code) == 0) return true;
	return false;
}

/* One path, criterion "path_N"; false when PATH is malformed. */
static bool
eval_path(json_t *path, size_t index, const struct candidate_facts *f, const char *on_date, json_t *out, bool *met)
{
	json_t *max_level = json_object_get(path, "max_level"), *areas = json_object_get(path, "areas"),
	       *label = json_object_get(path, "label");
	json_int_t months_needed = 0;
	int has_months = bounded_int(path, "seeking_months", MONTHS_MAX, &months_needed);
	struct line detail = { .n = 0 }, name = { .n = 0 };
	char code[32];
	size_t i;
	json_t *a;

	if (!json_is_object(path) || has_months < 0 || (label && !json_is_string(label)) ||
	    (max_level && (!json_is_string(max_level) || qualification_rank(json_string_value(max_level)) < 0)) ||
	    (areas && !json_is_array(areas)))
		return false;
	json_array_foreach(areas, i,
	    a) if (!json_is_string(a) || vocab_label(&vocab_priority_area, json_string_value(a)) == NULL) return false;
	*met = true;
	if (max_level) {
		int have = qualification_rank(f->qualification_level),
		    limit = qualification_rank(json_string_value(max_level));
		bool ok = have >= 0 && have <= limit;
		line_add(&detail, "niveau de qualification : %s (au plus %s) : %s", level_short(f->qualification_level),
		    level_short(json_string_value(max_level)), ok ? "rempli" : "non rempli");
		*met = *met && ok;
	}
	if (has_months) {
		int months =
		    f->seeking_since && *f->seeking_since ? date_months_between(f->seeking_since, on_date) : -1;
		bool ok = months >= 0 && months >= months_needed;
		if (detail.n)
			line_add(&detail, " ; ");
		if (months < 0)
			line_add(&detail, "recherche d'emploi : non déclarée (%lld mois au moins) : non rempli",
			    (long long)months_needed);
		else
			line_add(&detail, "recherche d'emploi : %d mois (%lld au moins) : %s", months,
			    (long long)months_needed, ok ? "rempli" : "non rempli");
		*met = *met && ok;
	}
	if (areas) {
		bool ok = areas_have(areas, f->priority_area);
		if (detail.n)
			line_add(&detail, " ; ");
		line_add(&detail, "zone prioritaire : %s (", area_short(f->priority_area));
		json_array_foreach(areas, i, a)
		    line_add(&detail, "%s%s", i ? ", " : "", area_short(json_string_value(a)));
		line_add(&detail, ") : %s", ok ? "rempli" : "non rempli");
		*met = *met && ok;
	}
	if (detail.n == 0)
		line_add(&detail, "Aucune condition.");
	else
		line_add(&detail, ".");
	snprintf(code, sizeof(code), "path_%zu", index + 1);
	if (label)
		line_add(&name, "%s", json_string_value(label));
	else
		line_add(&name, "Parcours %zu", index + 1);
	json_array_append_new(out, criterion(code, name.s, *met, detail.s));
	return true;
}

tr_err
eligibility_evaluate(json_t *criteria, const struct candidate_facts *f, const char *on_date, json_t **result)
{
	json_t *list = json_array(), *age, *paths, *p;
	bool eligible = true, any_path = false, met;
	int y, m, d;
	size_t i;

	*result = NULL;
	if (on_date == NULL || !date_parse(on_date, strlen(on_date), &y, &m, &d) ||
	    (criteria != NULL && !json_is_object(criteria)))
		goto bad;
	age = json_object_get(criteria, "age");
	paths = json_object_get(criteria, "paths");
	if (age != NULL) {
		if (!eval_age(age, f, on_date, list, &met))
			goto bad;
		eligible = eligible && met;
	}
	if (paths != NULL) {
		if (!json_is_array(paths))
			goto bad;
		json_array_foreach(paths, i, p)
		{
			if (!eval_path(p, i, f, on_date, list, &met))
				goto bad;
			any_path = any_path || met;
		}
		if (json_array_size(paths) > 0)
			eligible = eligible && any_path;
	}
	*result = json_pack("{s:b, s:o}", "eligible", eligible, "criteria", list);
	return TR_OK;
bad:
	json_decref(list);
	return TR_INVALID;
}

/* ---- diagnoses ----------------------------------------------------------------------------------------- */

/* The facts of candidate ID's profile, strings in the arena; TR_NOT_FOUND with a message. */
static tr_err
load_facts(struct ctx *ctx, int64_t id, struct candidate_facts *f)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT birth_date, rqth, qualification_level, seeking_since, priority_area FROM candidates WHERE "
	    "person_id = ?",
	    &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce candidat n'a pas encore rempli son profil.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	f->birth_date = db_text(db_cell(r, 0, 0));
	f->rqth = db_int(db_cell(r, 0, 1)) != 0;
	f->qualification_level = db_text(db_cell(r, 0, 2));
	f->seeking_since = db_text(db_cell(r, 0, 3));
	f->priority_area = db_text(db_cell(r, 0, 4));
	return TR_OK;
}

/* Evaluates the criteria text CRITERIA_TEXT (a programme's eligibility column); a malformed column is a
 * data error of the programme (TR_INTERNAL with a message). */
static tr_err
evaluate_text(
    struct ctx *ctx, const char *criteria_text, const struct candidate_facts *f, const char *on_date, json_t **result)
{
	json_error_t jerr;
	json_t *criteria = json_loads(criteria_text ? criteria_text : "{}", 0, &jerr);
	tr_err err;

	if (criteria == NULL)
		return ctx_fail(ctx, TR_INTERNAL, "Les critères d'éligibilité de ce dispositif sont mal formés.");
	err = eligibility_evaluate(criteria, f, on_date, result);
	json_decref(criteria);
	if (err != TR_OK)
		return ctx_fail(ctx, TR_INTERNAL, "Les critères d'éligibilité de ce dispositif sont mal formés.");
	return TR_OK;
}

/* A diagnosis row as JSON: flags as booleans, criteria parsed, whether it is valid on TODAY. */
static json_t *
diagnosis_json(const struct db_rows *r, size_t i, const char *today)
{
	json_t *o = row_json(r, i), *crit;
	const char *criteria = json_str(o, "criteria"), *from = json_str(o, "decided_on"),
	           *to = json_str(o, "valid_until");
	bool eligible = json_integer_value(json_object_get(o, "eligible")) != 0;

	crit = criteria ? json_loads(criteria, 0, NULL) : NULL;
	json_object_set_new(o, "criteria", crit ? crit : json_array());
	json_object_set_new(o, "eligible", json_boolean(eligible));
	json_object_set_new(
	    o, "computed_eligible", json_boolean(json_integer_value(json_object_get(o, "computed_eligible")) != 0));
	json_object_set_new(o, "overridden", json_boolean(json_integer_value(json_object_get(o, "overridden")) != 0));
	json_object_set_new(
	    o, "valid", json_boolean(eligible && from && to && strcmp(from, today) <= 0 && strcmp(today, to) <= 0));
	return o;
}

#define DIAGNOSIS_SELECT                                                                                       \
	"SELECT d.id, d.candidate_id, d.programme_id, p.code AS programme_code, p.name AS programme_name, "    \
	"d.organisation_id, o.name AS organisation_name, pe.name AS prescriber_name, d.criteria, "             \
	"d.computed_eligible, d.eligible, d.overridden, d.comment, d.decided_on, d.valid_until, d.created_at " \
	"FROM eligibility_diagnoses d JOIN programmes p ON p.id = d.programme_id "                             \
	"LEFT JOIN organisations o ON o.id = d.organisation_id LEFT JOIN people pe ON pe.id = d.prescriber_id "

tr_err
eligibility_diagnoses(struct ctx *ctx, int64_t candidate_id, json_t **out)
{
	const char *today = date_iso(ctx->arena, ctx->now);
	struct db_rows *r;
	tr_err err;

	if ((err = candidate_can_read(ctx, candidate_id)) != TR_OK)
		return err;
	err = db_queryv(ctx->db, ctx->arena,
	    DIAGNOSIS_SELECT "WHERE d.candidate_id = ? ORDER BY d.decided_on DESC, d.id DESC", &r,
	    DB_I64(candidate_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_array();
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(*out, diagnosis_json(r, i, today));
	return TR_OK;
}

tr_err
eligibility_diagnosis_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, DIAGNOSIS_SELECT "WHERE d.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce diagnostic n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if ((err = candidate_can_read(ctx, db_int(db_cell(r, 0, 1)))) != TR_OK)
		return err;
	*out = diagnosis_json(r, 0, date_iso(ctx->arena, ctx->now));
	return TR_OK;
}

tr_err
eligibility_overview(struct ctx *ctx, int64_t candidate_id, const char *on_date, json_t **out)
{
	struct candidate_facts f;
	json_t *evaluations, *diagnoses = NULL;
	struct db_rows *r;
	int y, m, d;
	tr_err err;

	if ((err = candidate_can_read(ctx, candidate_id)) != TR_OK)
		return err;
	if (on_date == NULL || *on_date == '\0')
		on_date = date_iso(ctx->arena, ctx->now);
	else if (!date_parse(on_date, strlen(on_date), &y, &m, &d)) {
		field_errors_add(
		    &ctx->errors, "on", "« Date d'évaluation » doit être une date valide au format AAAA-MM-JJ.");
		return TR_INVALID;
	}
	if ((err = load_facts(ctx, candidate_id, &f)) != TR_OK)
		return err;
	err = db_query(ctx->db, ctx->arena,
	    "SELECT id, code, name, eligibility, requires_eligibility, eligibility_valid_months FROM programmes "
	    "ORDER BY active DESC, name",
	    NULL, 0, &r);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	evaluations = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *res;
		if ((err = evaluate_text(ctx, db_text(db_cell(r, i, 3)), &f, on_date, &res)) != TR_OK) {
			json_decref(evaluations);
			return err;
		}
		json_object_set_new(res, "programme_id", json_integer(db_int(db_cell(r, i, 0))));
		json_object_set_new(res, "programme_code", json_string(db_text(db_cell(r, i, 1))));
		json_object_set_new(res, "programme_name", json_string(db_text(db_cell(r, i, 2))));
		json_object_set_new(res, "requires_eligibility", json_boolean(db_int(db_cell(r, i, 4)) != 0));
		json_object_set_new(res, "valid_months", json_integer(db_int(db_cell(r, i, 5))));
		json_array_append_new(evaluations, res);
	}
	if ((err = eligibility_diagnoses(ctx, candidate_id, &diagnoses)) != TR_OK) {
		json_decref(evaluations);
		return err;
	}
	*out = json_pack("{s:s, s:o, s:o}", "on_date", on_date, "evaluations", evaluations, "diagnoses", diagnoses);
	return TR_OK;
}

tr_err
eligibility_record(struct ctx *ctx, int64_t candidate_id, json_t *in, int64_t *id)
{
	const char *today = date_iso(ctx->arena, ctx->now), *decision, *comment, *until;
	json_t *clean = NULL, *result = NULL, *detail;
	struct candidate_facts f;
	struct db_rows *p, *r;
	int64_t org_id = 0;
	bool computed, eligible, overridden;
	char *criteria = NULL;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_PRESCRIBER))) != TR_OK)
		return err;
	if ((err = candidate_follower_org(ctx, candidate_id, &org_id)) != TR_OK)
		return err;
	if ((err = entity_validate(&entity_diagnosis, in, false, ctx->arena, &ctx->errors, &clean)) != TR_OK)
		goto out_nodb;
	decision = json_str(clean, "decision");
	comment = json_str(clean, "comment");
	overridden = strcmp(decision, "override") == 0;
	if (overridden && comment == NULL) {
		field_errors_add(&ctx->errors, "comment",
		    "« Commentaire » est obligatoire pour conclure autrement que l'évaluation.");
		err = TR_INVALID;
		goto out_nodb;
	}
	err = db_onev(ctx->db, ctx->arena, "SELECT eligibility, eligibility_valid_months FROM programmes WHERE id = ?",
	    &p, DB_I64(json_integer_value(json_object_get(clean, "programme_id"))));
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "programme_id", "« Dispositif » ne désigne aucun dispositif.");
		err = TR_INVALID;
		goto out_nodb;
	}
	if (err != TR_OK || (err = load_facts(ctx, candidate_id, &f)) != TR_OK ||
	    (err = evaluate_text(ctx, db_text(db_cell(p, 0, 0)), &f, today, &result)) != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out_nodb;
	}
	computed = json_is_true(json_object_get(result, "eligible"));
	eligible = overridden ? !computed : computed;
	until = date_add(ctx->arena, today, (int)db_int(db_cell(p, 0, 1)), 0);
	criteria = json_dumps(json_object_get(result, "criteria"), JSON_COMPACT);
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO eligibility_diagnoses (candidate_id, programme_id, organisation_id, prescriber_id, criteria, "
	    "computed_eligible, eligible, overridden, comment, decided_on, valid_until, created_at) VALUES (?, ?, ?, "
	    "?, "
	    "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(candidate_id), DB_I64(json_integer_value(json_object_get(clean, "programme_id"))),
	    DB_I64(org_id), DB_I64(ctx->actor->person_id), DB_TEXT(criteria), DB_BOOL(computed), DB_BOOL(eligible),
	    DB_BOOL(overridden), DB_TEXT(comment), DB_TEXT(today), DB_TEXT(until), DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	detail = json_pack("{s:I, s:O, s:b, s:b, s:b, s:s}", "candidate_id", (json_int_t)candidate_id, "programme_id",
	    json_object_get(clean, "programme_id"), "computed_eligible", computed, "eligible", eligible, "overridden",
	    overridden, "valid_until", until);
	err = journal_append(ctx, "eligibility_diagnosis", *id, "create", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	free(criteria);
	json_decref(result);
	json_decref(clean);
	return err;
}

tr_err
eligibility_valid(struct ctx *ctx, int64_t candidate_id, int64_t programme_id, const char *on_date, bool *ok)
{
	struct db_rows *r;
	int y, m, d;
	tr_err err;

	*ok = false;
	if (on_date == NULL || !date_parse(on_date, strlen(on_date), &y, &m, &d))
		return ctx_fail(ctx, TR_INVALID, "La date de l'éligibilité doit être au format AAAA-MM-JJ.");
	err = db_onev(
	    ctx->db, ctx->arena, "SELECT requires_eligibility FROM programmes WHERE id = ?", &r, DB_I64(programme_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce dispositif n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (db_int(db_cell(r, 0, 0)) == 0) {
		*ok = true;
		return TR_OK;
	}
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT eligible, valid_until FROM eligibility_diagnoses WHERE candidate_id = ? AND programme_id = ? AND "
	    "decided_on <= ? ORDER BY decided_on DESC, id DESC LIMIT 1",
	    &r, DB_I64(candidate_id), DB_I64(programme_id), DB_TEXT(on_date));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*ok = r->nrows == 1 && db_int(db_cell(r, 0, 0)) == 1 && strcmp(on_date, db_text(db_cell(r, 0, 1))) <= 0;
	return TR_OK;
}
