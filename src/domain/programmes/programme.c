/* Programmes as data: the shipped ones, editing, job profiles, poles and quotas. */
#include "domain/programmes/programme.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/embed.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/candidates/eligibility.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/refsnap.h"
#include "model/programmes/programme.h"

#define EDITORS (ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))

/* The states whose posts count as requested. */
#define REQUESTED_STATES "('regional_review', 'national_review', 'changes_requested', 'validated')"

#define PROGRAMME_COLUMNS                                                                                              \
	"id, code, name, legal_basis, decided_by, opinion_authority, starts_on, ends_on, target_posts, budget_euros, " \
	"contract_min_months, "                                                                                        \
	"contract_max_months, weekly_hours, training_months, employer_categories, requires_tutor, "                    \
	"requires_sponsor, requires_company, requires_pole, active, version, requires_eligibility, eligibility, "      \
	"eligibility_valid_months, total_max_months"

static tr_err
require_editor(struct ctx *ctx)
{
	return ctx->actor == NULL ? TR_OK : authz_require(ctx, EDITORS);
}

/* Booleans of a row come back as 0/1 integers: make them JSON booleans. */
static void
bools(json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(o, *keys);
		if (v != NULL)
			json_object_set_new(o, *keys, json_boolean(json_integer_value(v) != 0));
	}
}

static const char *const programme_bools[] = { "requires_tutor", "requires_sponsor", "requires_company",
	"requires_pole", "active", "requires_eligibility", NULL };
static const char *const profile_bools[] = { "active", NULL };

/* Turns employer_categories (a JSON array or a '|'-joined string) into the canonical '|'-joined string,
 * each code checked against the vocabulary; field errors name the first unknown one. */
static const char *
categories_of(struct ctx *ctx, json_t *v)
{
	const char *out = "";
	char *s = NULL;

	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		s = "";
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x)) {
				s = NULL;
				break;
			}
			s = arena_printf(ctx->arena, "%s|%s", s, json_string_value(x));
		}
	} else if (json_is_string(v)) {
		s = arena_strdup(ctx->arena, json_string_value(v));
	}
	if (s == NULL) {
		field_errors_add(&ctx->errors, "employer_categories",
		    "« Employeurs éligibles » doit être une liste de codes séparés par « | ».");
		return NULL;
	}
	for (char *save = NULL, *tok = strtok_r(s, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		while (*tok == ' ')
			tok++;
		for (char *e = tok + strlen(tok); e > tok && e[-1] == ' '; e--)
			e[-1] = '\0';
		if (*tok == '\0')
			continue;
		if (vocab_label(&vocab_employer_category, tok) == NULL) {
			field_errors_add(&ctx->errors, "employer_categories",
			    arena_printf(ctx->arena,
			        "« Employeurs éligibles » : « %s » n'est pas une catégorie connue (collectivite, gip, "
			        "association, etablissement_public, entreprise).",
			        tok));
			return NULL;
		}
		out = arena_printf(ctx->arena, "%s%s%s", out, *out ? "|" : "", tok);
	}
	if (*out == '\0') {
		field_errors_add(&ctx->errors, "employer_categories",
		    "« Employeurs éligibles » doit nommer au moins une catégorie.");
		return NULL;
	}
	return out;
}

/* J as compact JSON text in ctx's arena. */
static const char *
arena_adopt_json(struct ctx *ctx, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	const char *out = arena_strdup(ctx->arena, text ? text : "{}");

	free(text);
	return out;
}

/* Validates a programme: the field table, the categories, the ordered bounds and dates. */
static tr_err
programme_check(struct ctx *ctx, json_t *in, json_t **clean)
{
	tr_err err;
	json_t *cats = json_object_get(in, "employer_categories");
	const char *canon = NULL;
	json_t *copy = json_deep_copy(in);

	/* The validator wants text: an array is checked here and passed on as its canonical string. */
	if (cats != NULL && !json_is_null(cats)) {
		canon = categories_of(ctx, cats);
		json_object_set_new(copy, "employer_categories", canon ? json_string(canon) : json_null());
	}
	/* The criteria may come as a JSON object (API) or as its text (form): stored as text, checked by
	 * evaluating them once. */
	{
		json_t *crit = json_object_get(in, "eligibility");
		if (json_is_object(crit))
			json_object_set_new(copy, "eligibility", json_string(arena_adopt_json(ctx, crit)));
	}
	err = entity_validate(&entity_programme, copy, false, ctx->arena, &ctx->errors, clean);
	json_decref(copy);
	{
		const char *text = json_str(*clean, "eligibility");
		json_t *crit = text ? json_loads(text, 0, NULL) : json_object(), *res = NULL;
		struct candidate_facts none = { 0 };
		if (!json_is_object(crit) || eligibility_evaluate(crit, &none, "2000-01-01", &res) != TR_OK)
			field_errors_add(&ctx->errors, "eligibility",
			    "« Critères d'éligibilité des candidats » doit être un objet JSON au format décrit (age, "
			    "paths).");
		else
			json_object_set_new(*clean, "eligibility", json_string(arena_adopt_json(ctx, crit)));
		json_decref(crit);
		json_decref(res);
	}
	if (json_integer_value(json_object_get(*clean, "eligibility_valid_months")) == 0)
		json_object_set_new(*clean, "eligibility_valid_months", json_integer(6));
	if (json_integer_value(json_object_get(*clean, "total_max_months")) == 0)
		json_object_set_new(*clean, "total_max_months",
		    json_integer(json_integer_value(json_object_get(*clean, "contract_max_months"))));
	if (json_integer_value(json_object_get(*clean, "contract_min_months")) >
	    json_integer_value(json_object_get(*clean, "contract_max_months"))) {
		field_errors_add(&ctx->errors, "contract_max_months",
		    "« Durée maximale des contrats (mois) » doit être au moins égale à la durée minimale.");
		err = TR_INVALID;
	}
	{
		const char *from = json_str(*clean, "starts_on"), *to = json_str(*clean, "ends_on");
		if (from && to && strcmp(from, to) > 0) {
			field_errors_add(&ctx->errors, "ends_on", "« Date de fin » doit suivre la date de début.");
			err = TR_INVALID;
		}
	}
	if (ctx->errors.n)
		err = TR_INVALID;
	/* Booleans absent from a form (unticked boxes) are false; the active flag defaults to true. */
	if (json_object_get(in, "active") == NULL)
		json_object_set_new(*clean, "active", json_true());
	return err;
}

#define T(o, k) DB_TEXT(json_str((o), (k)))

/* Inserts the validated programme C unless its code exists (TR_NOT_FOUND then); *ID receives its id. */
static tr_err
insert_programme(struct ctx *ctx, json_t *c, int64_t *id)
{
	return record_insertv(ctx, &entity_programme, "programmes", c, "created_at, updated_at", "?, ?",
	    "ON CONFLICT (code) DO NOTHING", id, DB_I64(ctx->now), DB_I64(ctx->now));
}

tr_err
programme_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	json_t *c = NULL;
	tr_err err;

	if ((err = require_editor(ctx)) != TR_OK)
		return err;
	if ((err = programme_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	err = insert_programme(ctx, c, id);
	if (err == TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "code", "« Code » : un dispositif porte déjà ce code.");
		err = TR_INVALID;
		goto out;
	}
	TRY(err);
	TRY(refsnap_bump(ctx));
	TRY(journal_append(ctx, "programme", *id, "create", c));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	return err;
}

tr_err
programme_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *c = NULL, *before = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = require_editor(ctx)) != TR_OK)
		return err;
	if ((err = programme_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	TRY(load_row(ctx, "SELECT " PROGRAMME_COLUMNS " FROM programmes WHERE id = ?", id,
	    "Ce dispositif n'existe pas.", &before));
	if (db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE code = ? AND id <> ?", &r, T(c, "code"),
	        DB_I64(id)) == TR_OK) {
		field_errors_add(&ctx->errors, "code", "« Code » : un dispositif porte déjà ce code.");
		err = TR_INVALID;
		goto out;
	}
	TRY(record_update_journal(ctx, &entity_programme, "programmes", "programme", id, version, before, c,
	    "Ce dispositif a changé depuis votre lecture : rechargez la page.", false));
	err = refsnap_bump(ctx);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(before);
	return err;
}

tr_err
programme_set_region_target(struct ctx *ctx, int64_t id, const char *region, int64_t target)
{
	struct db_rows *r;
	tr_err err;

	if ((err = require_editor(ctx)) != TR_OK)
		return err;
	if (target > 1000000) {
		field_errors_add(
		    &ctx->errors, "target_posts", "« Objectif régional » doit être compris entre 0 et 1000000.");
		return TR_INVALID;
	}
	TRY(tx_begin(ctx));
	if ((err = db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE id = ?", &r, DB_I64(id))) ==
	    TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Ce dispositif n'existe pas.");
		goto out;
	}
	TRY(err);
	if ((err = db_onev(ctx->db, ctx->arena, "SELECT code FROM regions WHERE code = ?", &r, DB_TEXT(region))) ==
	    TR_NOT_FOUND) {
		field_errors_add(&ctx->errors, "region", "« Région » ne désigne aucune région connue (code INSEE).");
		err = TR_INVALID;
		goto out;
	}
	TRY(err);
	if (target < 0)
		TRY(db_execv(ctx->db, "DELETE FROM programme_region_targets WHERE programme_id = ? AND region_code = ?",
		    NULL, DB_I64(id), DB_TEXT(region)));
	else
		TRY(db_execv(ctx->db,
		    "INSERT INTO programme_region_targets (programme_id, region_code, target_posts) VALUES (?, ?, ?) "
		    "ON "
		    "CONFLICT (programme_id, region_code) DO UPDATE SET target_posts = excluded.target_posts",
		    NULL, DB_I64(id), DB_TEXT(region), DB_I64(target)));
	{
		json_t *detail = json_pack(
		    "{s:s, s:o}", "region", region, "target_posts", target < 0 ? json_null() : json_integer(target));
		err = journal_append(ctx, "programme", id, "region_target", detail);
		json_decref(detail);
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* Sets on programme O "open" (it takes new dossiers today: active, and today within its period) and, when it does
 * not, "closed_reason", in French. */
static void
decorate_open(struct ctx *ctx, json_t *o)
{
	const char *today = date_iso(ctx->arena, ctx->now), *from = json_str(o, "starts_on"),
	           *to = json_str(o, "ends_on");
	const char *name = json_str(o, "name") ? json_str(o, "name") : "";
	const char *why = NULL;

	if (!json_is_true(json_object_get(o, "active")))
		why = arena_printf(ctx->arena, "Le dispositif « %s » n'accepte plus de nouveaux dossiers.", name);
	else if (to && strcmp(today, to) > 0)
		why = arena_printf(ctx->arena,
		    "Le dispositif « %s » a pris fin le %s : il n'accepte plus de nouveaux dossiers.", name,
		    date_ymd_fr(ctx->arena, to) ? date_ymd_fr(ctx->arena, to) : to);
	else if (from && strcmp(today, from) < 0)
		why = arena_printf(ctx->arena,
		    "Le dispositif « %s » n'ouvre que le %s : il n'accepte pas encore de dossiers.", name,
		    date_ymd_fr(ctx->arena, from) ? date_ymd_fr(ctx->arena, from) : from);
	json_object_set_new(o, "open", json_boolean(why == NULL));
	json_object_set_new(o, "closed_reason", why ? json_string(why) : json_null());
}

tr_err
programme_rules(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err =
	    db_onev(ctx->db, ctx->arena, "SELECT " PROGRAMME_COLUMNS " FROM programmes WHERE id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, TR_NOT_FOUND, "Ce dispositif n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	bools(*out, programme_bools);
	decorate_open(ctx, *out);
	return TR_OK;
}

tr_err
programme_list(struct ctx *ctx, json_t **out)
{
	struct db_rows *r;
	json_t *items;
	size_t i;
	json_t *it;
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    "SELECT " PROGRAMME_COLUMNS
	    ", (SELECT COUNT(*) FROM job_profiles j WHERE j.programme_id = programmes.id AND j.active = 1) AS "
	    "job_profiles_active FROM programmes ORDER BY active DESC, name",
	    &r);

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	items = rows_json(r);
	json_array_foreach(items, i, it)
	{
		bools(it, programme_bools);
		decorate_open(ctx, it);
	}
	*out = json_pack("{s:o}", "items", items);
	return TR_OK;
}

tr_err
programme_quotas(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r, *p;
	json_t *regions = json_array();
	int64_t requested = 0, granted = 0;
	tr_err err;

	if ((err = db_onev(ctx->db, ctx->arena, "SELECT target_posts FROM programmes WHERE id = ?", &p, DB_I64(id))) !=
	    TR_OK) {
		json_decref(regions);
		return err == TR_NOT_FOUND ? ctx_fail(ctx, err, "Ce dispositif n'existe pas.")
		                           : ctx_storage_error(ctx, err);
	}
	/* Every region with a target or a dossier, so that an officer sees both the gaps and the surplus. */
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT g.code AS region_code, g.name AS region_name, "
	    "COALESCE((SELECT SUM(d.posts_requested) FROM dossiers d WHERE d.programme_id = ? AND d.region_code = "
	    "g.code AND d.state IN " REQUESTED_STATES "), 0) AS requested, "
	    "COALESCE((SELECT SUM(d.posts_granted) FROM dossiers d WHERE d.programme_id = ? AND d.region_code = "
	    "g.code AND d.state = 'validated'), 0) AS granted, "
	    "t.target_posts AS target "
	    "FROM regions g LEFT JOIN programme_region_targets t ON t.region_code = g.code AND t.programme_id = ? "
	    "WHERE t.target_posts IS NOT NULL OR EXISTS (SELECT 1 FROM dossiers d WHERE d.programme_id = ? AND "
	    "d.region_code = g.code AND d.state <> 'draft') ORDER BY g.name",
	    &r, DB_I64(id), DB_I64(id), DB_I64(id), DB_I64(id));
	if (err != TR_OK) {
		json_decref(regions);
		return ctx_storage_error(ctx, err);
	}
	for (size_t i = 0; i < r->nrows; i++) {
		int64_t rq = db_int(db_cell(r, i, 2)), gr = db_int(db_cell(r, i, 3));
		const struct db_val *t = db_cell(r, i, 4);
		requested += rq;
		granted += gr;
		json_array_append_new(
		    regions, json_pack("{s:s, s:s, s:I, s:I, s:o}", "region_code", db_cell(r, i, 0)->s.p, "region_name",
		                 db_cell(r, i, 1)->s.p, "requested", (json_int_t)rq, "granted", (json_int_t)gr,
		                 "target", t->type == DBV_NULL ? json_null() : json_integer(db_int(t))));
	}
	*out = json_pack("{s:I, s:I, s:I, s:o}", "target", (json_int_t)db_int(db_cell(p, 0, 0)), "requested",
	    (json_int_t)requested, "granted", (json_int_t)granted, "regions", regions);
	return TR_OK;
}

tr_err
programme_get(struct ctx *ctx, int64_t id, json_t **out)
{
	const struct refsnap *snap;
	struct db_rows *jp, *po, *tg;
	json_t *o, *poles, *quotas, *it;
	size_t i;
	tr_err err;

	if ((err = programme_rules(ctx, id, &o)) != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, code, title, summary, missions, competences, training_template, active, version FROM "
	         "job_profiles WHERE programme_id = ? ORDER BY active DESC, title",
	         &jp, DB_I64(id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT p.id, p.code, p.name, p.organisation_id, o.name AS organisation_name, p.version "
	         "FROM poles p LEFT JOIN organisations o ON o.id = p.organisation_id WHERE p.programme_id = ? ORDER "
	         "BY p.name",
	         &po, DB_I64(id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT t.region_code, g.name AS region_name, t.target_posts FROM programme_region_targets t JOIN "
	         "regions g ON g.code = t.region_code WHERE t.programme_id = ? ORDER BY g.name",
	         &tg, DB_I64(id))) != TR_OK) {
		json_decref(o);
		return ctx_storage_error(ctx, err);
	}
	json_object_set_new(o, "job_profiles", rows_json(jp));
	json_array_foreach(json_object_get(o, "job_profiles"), i, it) bools(it, profile_bools);
	poles = rows_json(po);
	/* Each pole's regions by name, for people: from the reference data in memory, not one query a region. */
	if ((err = rows_joined_into(ctx, poles, "regions",
	         "SELECT pole_id, region_code FROM pole_regions ORDER BY pole_id, position")) != TR_OK) {
		json_decref(poles);
		json_decref(o);
		return ctx_storage_error(ctx, err);
	}
	if ((err = refsnap_acquire(ctx, &snap)) != TR_OK) {
		json_decref(poles);
		json_decref(o);
		return err;
	}
	json_array_foreach(poles, i, it)
	{
		char *codes = arena_strdup(ctx->arena, json_str(it, "regions") ? json_str(it, "regions") : "");
		json_t *names = json_array();
		for (char *save = NULL, *c = strtok_r(codes, "|", &save); c; c = strtok_r(NULL, "|", &save)) {
			const struct ref_region *g = refsnap_region(snap, c);
			if (g != NULL)
				json_array_append_new(names, json_string(g->name));
		}
		json_object_set_new(it, "region_names", names);
	}
	refsnap_release(snap);
	json_object_set_new(o, "poles", poles);
	json_object_set_new(o, "region_targets", rows_json(tg));
	if ((err = programme_quotas(ctx, id, &quotas)) != TR_OK) {
		json_decref(o);
		return err;
	}
	json_object_set_new(o, "quotas", quotas);
	*out = o;
	return TR_OK;
}

/* Job profile codes: lowercase letters, digits and dashes, so that they read well in URLs and files. */
static bool
code_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static tr_err
profile_check(struct ctx *ctx, json_t *in, json_t **clean)
{
	tr_err err = entity_validate(&entity_job_profile, in, false, ctx->arena, &ctx->errors, clean);
	const char *code = json_str(*clean, "code");

	if (code != NULL && !code_ok(code)) {
		field_errors_add(&ctx->errors, "code",
		    "« Code » ne peut contenir que des lettres minuscules sans accent, des chiffres et des tirets.");
		err = TR_INVALID;
	}
	if (json_object_get(in, "active") == NULL)
		json_object_set_new(*clean, "active", json_true());
	return err;
}

tr_err
job_profile_create(struct ctx *ctx, int64_t programme_id, json_t *in, int64_t *id)
{
	json_t *c = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = require_editor(ctx)) != TR_OK)
		return err;
	if ((err = profile_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE id = ?", &r, DB_I64(programme_id));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Ce dispositif n'existe pas.");
		goto out;
	}
	TRY(err);
	err = record_insertv(ctx, &entity_job_profile, "job_profiles", c, "programme_id, created_at, updated_at",
	    "?, ?, ?", "ON CONFLICT (programme_id, code) DO NOTHING", id, DB_I64(programme_id), DB_I64(ctx->now),
	    DB_I64(ctx->now));
	if (err == TR_NOT_FOUND) {
		field_errors_add(
		    &ctx->errors, "code", "« Code » : une fiche métier de ce dispositif porte déjà ce code.");
		err = TR_INVALID;
		goto out;
	}
	TRY(err);
	json_object_set_new(c, "programme_id", json_integer(programme_id));
	TRY(refsnap_bump(ctx));
	TRY(journal_append(ctx, "job_profile", *id, "create", c));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	return err;
}

tr_err
job_profile_get(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT j.id, j.programme_id, p.name AS programme_name, j.code, j.title, j.summary, j.missions, "
	    "j.competences, j.training_template, j.active, j.version, (SELECT COUNT(*) FROM dossiers d WHERE "
	    "d.job_profile_id = j.id) AS dossiers FROM job_profiles j JOIN programmes p ON p.id = j.programme_id "
	    "WHERE j.id = ?",
	    &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette fiche métier n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	bools(*out, profile_bools);
	return TR_OK;
}

tr_err
job_profile_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *c = NULL, *before = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = require_editor(ctx)) != TR_OK)
		return err;
	if ((err = profile_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	TRY(tx_begin(ctx));
	TRY(load_row(ctx,
	    "SELECT programme_id, code, title, summary, missions, competences, training_template, active FROM "
	    "job_profiles WHERE id = ?",
	    id, "Cette fiche métier n'existe pas.", &before));
	if (db_onev(ctx->db, ctx->arena, "SELECT id FROM job_profiles WHERE programme_id = ? AND code = ? AND id <> ?",
	        &r, DB_I64(json_integer_value(json_object_get(before, "programme_id"))), T(c, "code"),
	        DB_I64(id)) == TR_OK) {
		field_errors_add(
		    &ctx->errors, "code", "« Code » : une fiche métier de ce dispositif porte déjà ce code.");
		err = TR_INVALID;
		goto out;
	}
	TRY(record_update_journal(ctx, &entity_job_profile, "job_profiles", "job_profile", id, version, before, c,
	    "Cette fiche métier a changé depuis votre lecture : rechargez la page.", false));
	err = refsnap_bump(ctx);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(before);
	return err;
}

tr_err
job_profile_remove(struct ctx *ctx, int64_t id, int64_t version, bool *deactivated)
{
	struct db_rows *r;
	int64_t changed = 0, used;
	tr_err err;

	*deactivated = false;
	if ((err = require_editor(ctx)) != TR_OK)
		return err;
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT version, (SELECT COUNT(*) FROM dossiers d WHERE d.job_profile_id = j.id) FROM job_profiles j "
	    "WHERE id = ?",
	    &r, DB_I64(id));
	if (err == TR_NOT_FOUND) {
		err = ctx_fail(ctx, TR_NOT_FOUND, "Cette fiche métier n'existe pas.");
		goto out;
	}
	TRY(err);
	if (db_int(db_cell(r, 0, 0)) != version) {
		err =
		    ctx_fail(ctx, TR_CONFLICT, "Cette fiche métier a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	used = db_int(db_cell(r, 0, 1));
	if (used > 0) {
		/* A profile named by dossiers stays, so that they keep their meaning: it is only withdrawn from new
		 * ones. */
		TRY(db_execv(ctx->db,
		    "UPDATE job_profiles SET active = 0, updated_at = ?, version = version + 1 WHERE id = ? AND "
		    "version = ?",
		    &changed, DB_I64(ctx->now), DB_I64(id), DB_I64(version)));
		*deactivated = true;
		TRY(refsnap_bump(ctx));
		TRY(journal_append(ctx, "job_profile", id, "deactivate", NULL));
	} else {
		TRY(db_execv(ctx->db, "DELETE FROM job_profiles WHERE id = ? AND version = ?", &changed, DB_I64(id),
		    DB_I64(version)));
		TRY(refsnap_bump(ctx));
		TRY(journal_append(ctx, "job_profile", id, "delete", NULL));
	}
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* Inserts one shipped programme with its profiles and poles; nothing when its code exists. */
static tr_err
seed_one(struct ctx *ctx, json_t *p, int64_t *added)
{
	json_t *x, *c = NULL;
	size_t i;
	int64_t id;
	tr_err err;

	if ((err = programme_check(ctx, p, &c)) != TR_OK) {
		json_decref(c);
		return ctx_fail(ctx, TR_INTERNAL, "data/programmes.json : un dispositif ne respecte pas le modèle.");
	}
	err = insert_programme(ctx, c, &id);
	if (err == TR_NOT_FOUND) {
		json_decref(c);
		return TR_OK;
	}
	if (err != TR_OK)
		goto out;
	(*added)++;
	json_array_foreach(json_object_get(p, "job_profiles"), i, x)
	{
		json_t *jc = NULL;
		if ((err = profile_check(ctx, x, &jc)) != TR_OK) {
			json_decref(jc);
			err = ctx_fail(
			    ctx, TR_INTERNAL, "data/programmes.json : une fiche métier ne respecte pas le modèle.");
			goto out;
		}
		err = db_execv(ctx->db,
		    "INSERT INTO job_profiles (programme_id, code, title, summary, missions, competences, "
		    "training_template, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
		    NULL, DB_I64(id), T(jc, "code"), T(jc, "title"), T(jc, "summary"), T(jc, "missions"),
		    T(jc, "competences"), T(jc, "training_template"), DB_I64(ctx->now), DB_I64(ctx->now));
		json_decref(jc);
		if (err != TR_OK)
			goto out;
	}
	json_array_foreach(json_object_get(p, "poles"), i, x)
	{
		struct db_rows *pr;
		size_t k;
		json_t *g;
		err = db_onev(ctx->db, ctx->arena,
		    "INSERT INTO poles (programme_id, code, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
		    "RETURNING id",
		    &pr, DB_I64(id), T(x, "code"), T(x, "name"), DB_I64(ctx->now), DB_I64(ctx->now));
		json_array_foreach(json_object_get(x, "regions"), k, g) if (err == TR_OK) err =
		    db_execv(ctx->db, "INSERT INTO pole_regions (pole_id, region_code, position) VALUES (?, ?, ?)",
		        NULL, DB_I64(db_int(db_cell(pr, 0, 0))), DB_TEXT(json_string_value(g)), DB_I64((int64_t)k));
		if (err != TR_OK)
			goto out;
	}
	TRY(refsnap_bump(ctx));
	err = journal_append(ctx, "programme", id, "seed", c);
out:
	json_decref(c);
	return err;
}

tr_err
programme_seed(struct ctx *ctx, int64_t *added)
{
	const struct embedded_file *f = embedded_find(embedded_refdata, "programmes.json");
	json_error_t jerr;
	json_t *doc, *p;
	size_t i;
	tr_err err = TR_OK;

	*added = 0;
	if (f == NULL || (doc = json_loadb(f->data, f->size, 0, &jerr)) == NULL)
		return ctx_fail(ctx, TR_INTERNAL, "Les dispositifs (data/programmes.json) manquent au programme.");
	TRY(tx_begin(ctx));
	json_array_foreach(json_object_get(doc, "programmes"), i, p) TRY(seed_one(ctx, p, added));
out:
	json_decref(doc);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}
