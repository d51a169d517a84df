/* The skills grid: competences, assessments, the grid of a contract and its export. */
#include "domain/training/skills.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/embed.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/recruitment/contract.h"
#include "domain/kernel/journal.h"
#include "model/training/skills.h"

#define EDITORS (ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
#define COMPETENCE_COLUMNS "c.id, c.code, c.domain, c.title, c.job_profile_id, c.position, c.active, c.version"

static tr_err
insert_competence(struct ctx *ctx, const char *code, const char *domain, const char *title, int64_t profile,
    int64_t position, int64_t *added)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT id FROM competences WHERE code = ? AND COALESCE(job_profile_id, 0) = ?", &r, DB_TEXT(code),
	    DB_I64(profile));

	if (err != TR_NOT_FOUND)
		return err;
	(*added)++;
	return db_execv(ctx->db,
	    "INSERT INTO competences (code, domain, title, job_profile_id, position, created_at, updated_at) VALUES "
	    "(?, ?, "
	    "?, ?, ?, ?, ?)",
	    NULL, DB_TEXT(code), DB_TEXT(domain), DB_TEXT(title), profile > 0 ? DB_I64(profile) : DB_NULLV,
	    DB_I64(position), DB_I64(ctx->now), DB_I64(ctx->now));
}

tr_err
skills_seed(struct ctx *ctx, int64_t *added)
{
	const struct embedded_file *f = embedded_find(embedded_refdata, "competences.json");
	json_error_t jerr;
	json_t *doc, *x, *skills;
	const char *code;
	size_t i;
	tr_err err = TR_OK;

	*added = 0;
	if (f == NULL || (doc = json_loadb(f->data, f->size, 0, &jerr)) == NULL)
		return ctx_fail(
		    ctx, TR_INTERNAL, "Le référentiel de compétences (data/competences.json) manque au programme.");
	TRY(tx_begin(ctx));
	json_array_foreach(json_object_get(doc, "framework"), i, x) TRY(insert_competence(
	    ctx, json_str(x, "code"), json_str(x, "domain"), json_str(x, "title"), 0, (int64_t)i + 1, added));
	/* A job profile's skills are numbered after its code's initials: FN-1, FN-2 for forgeur-numerique. */
	json_object_foreach(json_object_get(doc, "job_profiles"), code, skills)
	{
		struct db_rows *r;
		char initials[8] = { 0 };
		size_t n = 0;
		json_t *s;
		for (const char *p = code; *p && n < sizeof(initials) - 1; p++)
			if (p == code || p[-1] == '-')
				initials[n++] = (char)(*p - 'a' + 'A');
		TRY(db_queryv(
		    ctx->db, ctx->arena, "SELECT id, title FROM job_profiles WHERE code = ?", &r, DB_TEXT(code)));
		for (size_t k = 0; k < r->nrows; k++)
			json_array_foreach(skills, i, s)
			    TRY(insert_competence(ctx, arena_printf(ctx->arena, "%s-%zu", initials, i + 1),
			        arena_printf(ctx->arena, "Métier : %s", db_cell(r, k, 1)->s.p), json_string_value(s),
			        db_int(db_cell(r, k, 0)), 100 + (int64_t)i, added));
	}
out:
	json_decref(doc);
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

tr_err
skills_competences(struct ctx *ctx, int64_t job_profile_id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    "SELECT " COMPETENCE_COLUMNS
	    ", j.title AS job_profile_title FROM competences c LEFT JOIN job_profiles j ON j.id "
	    "= c.job_profile_id WHERE COALESCE(c.job_profile_id, 0) = ? ORDER BY c.position, c.code",
	    &r, DB_I64(job_profile_id));

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	{
		size_t i;
		json_t *x;
		json_array_foreach(*out, i, x)
		    json_object_set_new(x, "active", json_boolean(json_integer_value(json_object_get(x, "active"))));
	}
	return TR_OK;
}

tr_err
skills_catalogue(struct ctx *ctx, json_t **out)
{
	json_t *framework, *profiles;
	struct db_rows *r;
	tr_err err;

	if ((err = skills_competences(ctx, 0, &framework)) != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT j.id, j.title, p.name FROM job_profiles j JOIN programmes p ON p.id = j.programme_id WHERE "
	         "EXISTS "
	         "(SELECT 1 FROM competences c WHERE c.job_profile_id = j.id) ORDER BY p.name, j.title",
	         &r)) != TR_OK) {
		json_decref(framework);
		return ctx_storage_error(ctx, err);
	}
	profiles = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		json_t *skills;
		if ((err = skills_competences(ctx, db_int(db_cell(r, i, 0)), &skills)) != TR_OK) {
			json_decref(profiles);
			json_decref(framework);
			return err;
		}
		json_array_append_new(profiles, json_pack("{s:s, s:s, s:o}", "title", db_cell(r, i, 1)->s.p,
		                                    "programme", db_cell(r, i, 2)->s.p, "competences", skills));
	}
	*out = json_pack("{s:o, s:o}", "framework", framework, "profiles", profiles);
	return TR_OK;
}

static tr_err
competence_check(struct ctx *ctx, json_t *in, json_t **clean)
{
	tr_err err = entity_validate(&entity_competence, in, false, ctx->arena, &ctx->errors, clean);
	int64_t jp = json_integer_value(json_object_get(*clean, "job_profile_id"));
	struct db_rows *r;

	if (jp > 0 &&
	    db_onev(ctx->db, ctx->arena, "SELECT id FROM job_profiles WHERE id = ?", &r, DB_I64(jp)) != TR_OK) {
		field_errors_add(&ctx->errors, "job_profile_id", "« Fiche métier » ne désigne aucune fiche métier.");
		err = TR_INVALID;
	}
	if (json_object_get(in, "active") == NULL)
		json_object_set_new(*clean, "active", json_true());
	return err;
}

/* Another competence of the same grid (framework or job profile) with the same code. */
static bool
code_taken(struct ctx *ctx, json_t *c, int64_t self)
{
	struct db_rows *r;

	return db_onev(ctx->db, ctx->arena,
	           "SELECT id FROM competences WHERE code = ? AND COALESCE(job_profile_id, 0) = ? AND id <> ?", &r,
	           DB_TEXT(json_str(c, "code")), DB_I64(json_integer_value(json_object_get(c, "job_profile_id"))),
	           DB_I64(self)) == TR_OK;
}

tr_err
skills_competence_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	json_t *c = NULL;
	struct db_rows *r;
	int64_t jp;
	tr_err err;

	if ((err = authz_require(ctx, EDITORS)) != TR_OK)
		return err;
	if ((err = competence_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	jp = json_integer_value(json_object_get(c, "job_profile_id"));
	TRY(tx_begin(ctx));
	if (code_taken(ctx, c, 0)) {
		field_errors_add(&ctx->errors, "code", "« Code » : une compétence de cette grille porte déjà ce code.");
		err = TR_INVALID;
		goto out;
	}
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO competences (code, domain, title, job_profile_id, position, active, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM competences), ?, ?, ?) RETURNING id",
	    &r, DB_TEXT(json_str(c, "code")), DB_TEXT(json_str(c, "domain")), DB_TEXT(json_str(c, "title")),
	    jp > 0 ? DB_I64(jp) : DB_NULLV, DB_BOOL(json_is_true(json_object_get(c, "active"))), DB_I64(ctx->now),
	    DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	TRY(journal_append(ctx, "competence", *id, "create", c));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	return err;
}

tr_err
skills_competence_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *c = NULL;
	int64_t changed = 0, jp;
	tr_err err;

	if ((err = authz_require(ctx, EDITORS)) != TR_OK)
		return err;
	if ((err = competence_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	jp = json_integer_value(json_object_get(c, "job_profile_id"));
	TRY(tx_begin(ctx));
	if (code_taken(ctx, c, id)) {
		field_errors_add(&ctx->errors, "code", "« Code » : une compétence de cette grille porte déjà ce code.");
		err = TR_INVALID;
		goto out;
	}
	TRY(db_execv(ctx->db,
	    "UPDATE competences SET code = ?, domain = ?, title = ?, job_profile_id = ?, active = ?, updated_at = ?, "
	    "version "
	    "= version + 1 WHERE id = ? AND version = ?",
	    &changed, DB_TEXT(json_str(c, "code")), DB_TEXT(json_str(c, "domain")), DB_TEXT(json_str(c, "title")),
	    jp > 0 ? DB_I64(jp) : DB_NULLV, DB_BOOL(json_is_true(json_object_get(c, "active"))), DB_I64(ctx->now),
	    DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		struct db_rows *r;
		err = db_onev(ctx->db, ctx->arena, "SELECT id FROM competences WHERE id = ?", &r, DB_I64(id)) ==
		              TR_NOT_FOUND
		          ? ctx_fail(ctx, TR_NOT_FOUND, "Cette compétence n'existe pas.")
		          : ctx_fail(ctx, TR_CONFLICT,
		                "Cette compétence a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	TRY(journal_append(ctx, "competence", id, "update", c));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	return err;
}

/* The competences of a contract's grid: the framework's and those of its job profile, active ones. */
static tr_err
grid_competences(struct ctx *ctx, int64_t contract_id, struct db_rows **out)
{
	return db_queryv(ctx->db, ctx->arena,
	    "SELECT c.id, c.code, c.domain, c.title FROM competences c WHERE c.active = 1 AND (c.job_profile_id IS "
	    "NULL OR "
	    "c.job_profile_id = (SELECT f.job_profile_id FROM contracts k JOIN offers f ON f.id = k.offer_id WHERE "
	    "k.id = "
	    "?)) ORDER BY CASE WHEN c.job_profile_id IS NULL THEN 0 ELSE 1 END, c.position, c.code",
	    out, DB_I64(contract_id));
}

/* "self" when the actor is the young person of contract K, "tutor" when its tutor, NULL otherwise. */
static const char *
assessor_role(const struct ctx *ctx, json_t *k)
{
	int64_t me = ctx->actor ? ctx->actor->person_id : 0;

	if (me != 0 && me == json_integer_value(json_object_get(k, "candidate_id")))
		return "self";
	if (me != 0 && me == json_integer_value(json_object_get(k, "tutor_id")))
		return "tutor";
	return NULL;
}

tr_err
skills_grid(struct ctx *ctx, int64_t contract_id, json_t **out)
{
	json_t *k = NULL, *comps, *assessments, *idx;
	struct db_rows *c, *a, *l;
	const char *role;
	tr_err err;

	if ((err = contract_get(ctx, contract_id, &k)) != TR_OK)
		return err;
	if ((err = grid_competences(ctx, contract_id, &c)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT a.id, a.assessed_on AS on_date, a.moment, a.assessor_role, p.name AS assessor_name, a.comment "
	         "FROM "
	         "assessments a JOIN people p ON p.id = a.assessor_id WHERE a.contract_id = ? ORDER BY a.assessed_on, "
	         "a.id",
	         &a, DB_I64(contract_id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT l.competence_id, l.assessment_id, l.level, a.assessor_role, a.assessed_on FROM "
	         "assessment_levels l "
	         "JOIN assessments a ON a.id = l.assessment_id WHERE a.contract_id = ? ORDER BY a.assessed_on, a.id",
	         &l, DB_I64(contract_id))) != TR_OK) {
		json_decref(k);
		return ctx_storage_error(ctx, err);
	}
	comps = json_array();
	idx = json_object(); /* competence id → its object, to place the levels */
	for (size_t i = 0; i < c->nrows; i++) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:[], s:[]}", "id", (json_int_t)db_int(db_cell(c, i, 0)),
		    "code", db_cell(c, i, 1)->s.p, "domain", db_cell(c, i, 2)->s.p, "title", db_cell(c, i, 3)->s.p,
		    "self", "tutor");
		json_array_append_new(comps, o);
		json_object_set(idx, arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(c, i, 0))), o);
	}
	for (size_t i = 0; i < l->nrows; i++) {
		json_t *o = json_object_get(idx, arena_printf(ctx->arena, "%lld", (long long)db_int(db_cell(l, i, 0))));
		if (o != NULL)
			json_array_append_new(json_object_get(o, db_cell(l, i, 3)->s.p),
			    json_pack("{s:I, s:s, s:I}", "assessment_id", (json_int_t)db_int(db_cell(l, i, 1)), "on",
			        db_cell(l, i, 4)->s.p, "level", (json_int_t)db_int(db_cell(l, i, 2))));
	}
	json_decref(idx);
	assessments = rows_json(a);
	{
		size_t i;
		json_t *x;
		json_array_foreach(assessments, i, x)
		{
			json_object_set_new(x, "moment_label",
			    json_string(vocab_label(&vocab_assessment_moment, json_str(x, "moment"))));
			json_object_set_new(x, "assessor_role_label",
			    json_string(vocab_label(&vocab_assessor_role, json_str(x, "assessor_role"))));
		}
	}
	role = assessor_role(ctx, k);
	*out = json_pack("{s:o, s:o, s:o, s:s?}", "contract", k, "competences", comps, "assessments", assessments,
	    "can_assess_as", role);
	return TR_OK;
}

tr_err
skills_assess(struct ctx *ctx, int64_t contract_id, json_t *in, int64_t *id)
{
	json_t *k = NULL, *clean = NULL, *levels, *v;
	struct db_rows *c, *r;
	const char *role, *key;
	size_t n = 0;
	tr_err err;

	if ((err = contract_get(ctx, contract_id, &k)) != TR_OK)
		return err;
	if ((role = assessor_role(ctx, k)) == NULL) {
		json_decref(k);
		return ctx_fail(ctx, TR_FORBIDDEN, "Seuls le jeune recruté et son tuteur remplissent la grille.");
	}
	err = entity_validate(&entity_assessment, in, false, ctx->arena, &ctx->errors, &clean);
	if ((err = grid_competences(ctx, contract_id, &c)) != TR_OK) {
		err = ctx_storage_error(ctx, err);
		goto out_nodb;
	}
	levels = json_object_get(in, "levels");
	if (!json_is_object(levels) || json_object_size(levels) == 0)
		field_errors_add(&ctx->errors, "levels", "Indiquez le niveau d'au moins une compétence (de 1 à 8).");
	else
		json_object_foreach(levels, key, v)
		{
			const char *field = arena_printf(ctx->arena, "levels.%s", key);
			bool known = false;
			long long lv = json_is_integer(v)  ? json_integer_value(v)
			               : json_is_string(v) ? atoll(json_string_value(v))
			                                   : 0;
			for (size_t i = 0; i < c->nrows; i++)
				known |= strcmp(key, arena_printf(
				                         ctx->arena, "%lld", (long long)db_int(db_cell(c, i, 0)))) == 0;
			if (!known)
				field_errors_add(&ctx->errors, field,
				    "Cette compétence ne fait pas partie de la grille de ce contrat.");
			else if (json_is_string(v) && json_string_length(v) == 0)
				continue; /* a competence left blank is not assessed this time */
			else if (lv < SKILL_LEVEL_MIN || lv > SKILL_LEVEL_MAX)
				field_errors_add(&ctx->errors, field, "Le niveau doit être un nombre de 1 à 8.");
			else
				n++;
		}
	if (!ctx->errors.n && n == 0)
		field_errors_add(&ctx->errors, "levels", "Indiquez le niveau d'au moins une compétence (de 1 à 8).");
	if (err != TR_OK || ctx->errors.n) {
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	TRY(db_onev(ctx->db, ctx->arena,
	    "INSERT INTO assessments (contract_id, person_id, assessor_id, assessor_role, moment, assessed_on, "
	    "comment, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &r, DB_I64(contract_id), DB_I64(json_integer_value(json_object_get(k, "candidate_id"))),
	    DB_I64(ctx->actor->person_id), DB_TEXT(role), DB_TEXT(json_str(clean, "moment")),
	    DB_TEXT(json_str(clean, "assessed_on")), DB_TEXT(json_str(clean, "comment")), DB_I64(ctx->now)));
	*id = db_int(db_cell(r, 0, 0));
	json_object_foreach(levels, key, v)
	{
		long long lv = json_is_integer(v) ? json_integer_value(v) : atoll(json_string_value(v));
		if (lv == 0)
			continue;
		TRY(db_execv(ctx->db,
		    "INSERT INTO assessment_levels (assessment_id, competence_id, level) VALUES (?, ?, ?)", NULL,
		    DB_I64(*id), DB_I64(atoll(key)), DB_I64(lv)));
	}
	json_object_set_new(clean, "assessor_role", json_string(role));
	json_object_set(clean, "levels", levels);
	TRY(journal_append(ctx, "contract", contract_id, "assess", clean));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(k);
	json_decref(clean);
	return err;
}

/* Appends to ROWS every level of contract ID. */
static tr_err
grid_rows(struct ctx *ctx, int64_t id, json_t *rows)
{
	struct db_rows *r;
	tr_err err = db_queryv(ctx->db, ctx->arena,
	    "SELECT a.contract_id, p.name, o.name, c.code, c.title, a.assessed_on, a.moment, a.assessor_role, l.level "
	    "FROM "
	    "assessment_levels l JOIN assessments a ON a.id = l.assessment_id JOIN competences c ON c.id = "
	    "l.competence_id "
	    "JOIN contracts k ON k.id = a.contract_id JOIN people p ON p.id = a.person_id JOIN organisations o ON o.id "
	    "= "
	    "k.organisation_id WHERE a.contract_id = ? ORDER BY a.assessed_on, a.id, c.position, c.code",
	    &r, DB_I64(id));

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(
		    rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "contract_id",
		              (json_int_t)db_int(db_cell(r, i, 0)), "person", db_cell(r, i, 1)->s.p, "organisation",
		              db_cell(r, i, 2)->s.p, "code", db_cell(r, i, 3)->s.p, "competence", db_cell(r, i, 4)->s.p,
		              "assessed_on", db_cell(r, i, 5)->s.p, "moment",
		              vocab_label(&vocab_assessment_moment, db_cell(r, i, 6)->s.p), "assessor_role",
		              vocab_label(&vocab_assessor_role, db_cell(r, i, 7)->s.p), "level",
		              (json_int_t)db_int(db_cell(r, i, 8))));
	return TR_OK;
}

tr_err
skills_export_csv(struct ctx *ctx, int64_t contract_id, struct buf *out)
{
	json_t *rows = json_array(), *k;
	tr_err err = TR_OK;

	if (contract_id > 0) {
		if ((err = contract_get(ctx, contract_id, &k)) == TR_OK) {
			json_decref(k);
			err = grid_rows(ctx, contract_id, rows);
		}
	} else if ((err = authz_require(ctx, ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL) | EDITORS)) == TR_OK) {
		/* Every contract in scope, page after page of the contracts list (which applies the scope). */
		for (int64_t page = 1; err == TR_OK; page++) {
			struct contract_filter f = { .page = page, .per_page = 500 };
			json_t *list, *items;
			size_t i;
			if ((err = contract_list(ctx, &f, &list)) != TR_OK)
				break;
			items = json_object_get(list, "items");
			for (i = 0; err == TR_OK && i < json_array_size(items); i++)
				err = grid_rows(
				    ctx, json_integer_value(json_object_get(json_array_get(items, i), "id")), rows);
			i = json_array_size(items);
			json_decref(list);
			if (i < 500)
				break;
		}
	}
	if (err == TR_OK)
		err = entity_export(&entity_grid_row, NULL, rows, out);
	json_decref(rows);
	return err;
}
