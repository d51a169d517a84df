/* The vivier of partner companies: validation, territory from the commune, search and suggestions. */
#include "domain/poles/partner.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "core/utf8.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/journal.h"
#include "domain/poles/pole.h"
#include "model/poles/pole.h"

#define PER_PAGE 20
#define PER_PAGE_MAX 200
#define WORDS_MAX 8
/* Ids a company lists: programmes and job profiles. */
#define IDS_MAX 64

#define PARTNER_SELECT                                                                                            \
	"SELECT c.id, c.name, c.siret, c.activity, c.commune_code, cm.name AS commune_name, c.departement_code, " \
	"dp.name AS departement_name, c.region_code, g.name AS region_name, c.contact_name, c.contact_email, "    \
	"c.contact_phone, c.programmes, c.job_profiles, c.pole_id, c.version FROM partner_companies c LEFT JOIN " \
	"communes cm ON cm.code = c.commune_code LEFT JOIN departements dp ON dp.code = c.departement_code LEFT " \
	"JOIN regions g ON g.code = c.region_code "

static bool
may_edit_region(const struct ctx *ctx, const char *region)
{
	return actor_has_any(ctx->actor, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN)) ||
	       actor_covers_region(ctx->actor, ROLE_POLE, region);
}

/* The ids of the '|'-joined LIST as a JSON array of {id, label} read with SQL (one ? for the id). */
static json_t *
named_ids(struct ctx *ctx, const char *list, const char *sql)
{
	json_t *a = json_array();

	for (const char *p = list ? list : ""; *p;) {
		size_t n = strcspn(p, "|");
		long long id = 0;
		struct db_rows *r;
		if (n && str_to_i64((struct str){ p, n }, &id) &&
		    db_onev(ctx->db, ctx->arena, sql, &r, DB_I64(id)) == TR_OK)
			json_array_append_new(a, row_json(r, 0));
		p += n + (p[n] == '|');
	}
	return a;
}

/* A row of PARTNER_SELECT as the API shows it. */
static json_t *
partner_json(struct ctx *ctx, const struct db_rows *r, size_t i)
{
	json_t *o = row_json(r, i);

	json_object_set_new(
	    o, "programmes", named_ids(ctx, json_str(o, "programmes"), "SELECT id, name FROM programmes WHERE id = ?"));
	json_object_set_new(o, "job_profiles",
	    named_ids(
	        ctx, json_str(o, "job_profiles"), "SELECT id, title, programme_id FROM job_profiles WHERE id = ?"));
	json_object_set_new(o, "can_edit", json_boolean(may_edit_region(ctx, json_str(o, "region_code"))));
	return o;
}

/* "%|ID|%": the LIKE pattern of one id in a '|'-joined list wrapped in bars. */
static struct db_val
id_pattern(struct ctx *ctx, int64_t id)
{
	return DB_TEXT(arena_printf(ctx->arena, "%%|%lld|%%", (long long)id));
}

tr_err
partner_list(struct ctx *ctx, const struct partner_filter *f, json_t **out)
{
	struct db_val p[WORDS_MAX + 8];
	size_t np = 0, nwords = 0;
	const char *where = "1 = 1";
	int64_t page = f->page > 0 ? f->page : 1, per = f->per_page > 0 ? f->per_page : PER_PAGE;
	struct db_rows *r, *c;
	json_t *items;
	tr_err err;

	if ((err = authz_require(ctx, PARTNER_READERS)) != TR_OK)
		return err;
	if (per > PER_PAGE_MAX)
		per = PER_PAGE_MAX;
	if (f->region && *f->region) {
		where = arena_printf(ctx->arena, "%s AND c.region_code = ?", where);
		p[np++] = DB_TEXT(f->region);
	}
	if (f->departement && *f->departement) {
		where = arena_printf(ctx->arena, "%s AND c.departement_code = ?", where);
		p[np++] = DB_TEXT(f->departement);
	}
	if (f->commune && *f->commune) {
		where = arena_printf(ctx->arena, "%s AND c.commune_code = ?", where);
		p[np++] = DB_TEXT(f->commune);
	}
	if (f->programme_id > 0) {
		where = arena_printf(ctx->arena, "%s AND ('|' || c.programmes || '|') LIKE ?", where);
		p[np++] = id_pattern(ctx, f->programme_id);
	}
	if (f->job_profile_id > 0) {
		where = arena_printf(ctx->arena, "%s AND ('|' || c.job_profiles || '|') LIKE ?", where);
		p[np++] = id_pattern(ctx, f->job_profile_id);
	}
	if (f->q && *f->q) {
		size_t n = strlen(f->q);
		char *key = utf8_fold_key(ctx->arena, f->q, utf8_valid(f->q, n) ? n : 0);
		for (char *save = NULL, *w = strtok_r(key, " ", &save); w && nwords < WORDS_MAX;
		     w = strtok_r(NULL, " ", &save), nwords++) {
			where = arena_printf(ctx->arena, "%s AND c.name_key LIKE ?", where);
			p[np++] = DB_TEXT(arena_printf(ctx->arena, "%%%s%%", w));
		}
	}
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena, "SELECT COUNT(*) FROM partner_companies c WHERE %s", where), p, np, &c)) !=
	    TR_OK)
		return ctx_storage_error(ctx, err);
	p[np++] = DB_I64(per);
	p[np++] = DB_I64((page - 1) * per);
	if ((err = db_query(ctx->db, ctx->arena,
	         arena_printf(ctx->arena, PARTNER_SELECT "WHERE %s ORDER BY c.name, c.id LIMIT ? OFFSET ?", where), p,
	         np, &r)) != TR_OK)
		return ctx_storage_error(ctx, err);
	items = json_array();
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(items, partner_json(ctx, r, i));
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)db_int(db_cell(c, 0, 0)), "page",
	    (json_int_t)page, "per_page", (json_int_t)per);
	return TR_OK;
}

/* Company ID's row (no access check). */
static tr_err
load(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, PARTNER_SELECT "WHERE c.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette entreprise n'est pas dans le vivier.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = partner_json(ctx, r, 0);
	return TR_OK;
}

tr_err
partner_get(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err;

	if ((err = authz_require(ctx, PARTNER_READERS)) != TR_OK)
		return err;
	return load(ctx, id, out);
}

/* The ids of V (an array of integers or numeric strings, or a string of ids joined by '|' or ','), at most
 * IDS_MAX, into IDS; returns how many, or -1 after a field error on FIELD (labelled LABEL). */
static int
ids_of(struct ctx *ctx, json_t *v, const char *field, const char *label, int64_t *ids)
{
	const char *text = "";
	size_t i;
	int n = 0;
	json_t *x;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (json_is_integer(x))
				text = arena_printf(ctx->arena, "%s|%lld", text, (long long)json_integer_value(x));
			else if (json_is_string(x))
				text = arena_printf(ctx->arena, "%s|%s", text, json_string_value(x));
			else if (json_is_object(x) && json_is_integer(json_object_get(x, "id")))
				text = arena_printf(ctx->arena, "%s|%lld", text,
				    (long long)json_integer_value(json_object_get(x, "id")));
			else
				text = NULL;
			if (text == NULL)
				break;
		}
	} else if (json_is_string(v)) {
		text = json_string_value(v);
	} else if (json_is_integer(v)) {
		text = arena_printf(ctx->arena, "%lld", (long long)json_integer_value(v));
	} else {
		text = NULL;
	}
	if (text == NULL) {
		field_errors_add(
		    &ctx->errors, field, arena_printf(ctx->arena, "« %s » doit être une liste d'identifiants.", label));
		return -1;
	}
	for (char *save = NULL, *s = arena_strdup(ctx->arena, text), *tok = strtok_r(s, "|, ", &save); tok;
	     tok = strtok_r(NULL, "|, ", &save)) {
		long long id = 0;
		bool seen = false;
		if (!str_to_i64(str_c(tok), &id) || id <= 0) {
			field_errors_add(&ctx->errors, field,
			    arena_printf(ctx->arena, "« %s » : « %s » n'est pas un identifiant.", label, tok));
			return -1;
		}
		for (int k = 0; k < n; k++)
			seen = seen || ids[k] == id;
		if (seen)
			continue;
		if (n == IDS_MAX) {
			field_errors_add(
			    &ctx->errors, field, arena_printf(ctx->arena, "« %s » : %d au plus.", label, IDS_MAX));
			return -1;
		}
		ids[n++] = id;
	}
	return n;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static const char *
ids_text(struct ctx *ctx, int64_t *ids, int n)
{
	const char *s = "";

	qsort(ids, (size_t)n, sizeof(*ids), cmp_id);
	for (int i = 0; i < n; i++)
		s = arena_printf(ctx->arena, "%s%s%lld", s, i ? "|" : "", (long long)ids[i]);
	return s;
}

/* Validates a company into *CLEAN: the fields, the commune (its département and region added), the programmes
 * and job profiles (canonical '|'-joined ids; each job profile's programme added), the name key. */
static tr_err
partner_check(struct ctx *ctx, json_t *in, json_t **clean)
{
	int64_t progs[IDS_MAX * 2], profs[IDS_MAX];
	int np, nj;
	const char *commune;
	tr_err err = entity_validate(&entity_partner, in, false, ctx->arena, &ctx->errors, clean);

	np = ids_of(ctx, json_object_get(in, "programmes"), "programmes", "Dispositifs", progs);
	nj = ids_of(ctx, json_object_get(in, "job_profiles"), "job_profiles", "Métiers", profs);
	for (int i = 0; i < np; i++) {
		struct db_rows *r;
		tr_err e = db_onev(ctx->db, ctx->arena, "SELECT id FROM programmes WHERE id = ?", &r, DB_I64(progs[i]));
		if (e == TR_NOT_FOUND) {
			field_errors_add(&ctx->errors, "programmes",
			    arena_printf(ctx->arena, "« Dispositifs » : le dispositif n° %lld n'existe pas.",
			        (long long)progs[i]));
			break;
		}
		if (e != TR_OK)
			return ctx_storage_error(ctx, e);
	}
	for (int i = 0; i < nj; i++) {
		struct db_rows *r;
		bool listed = false;
		tr_err e = db_onev(
		    ctx->db, ctx->arena, "SELECT programme_id FROM job_profiles WHERE id = ?", &r, DB_I64(profs[i]));
		if (e == TR_NOT_FOUND) {
			field_errors_add(&ctx->errors, "job_profiles",
			    arena_printf(ctx->arena, "« Métiers » : la fiche métier n° %lld n'existe pas.",
			        (long long)profs[i]));
			break;
		}
		if (e != TR_OK)
			return ctx_storage_error(ctx, e);
		for (int k = 0; k < np; k++)
			listed = listed || progs[k] == db_int(db_cell(r, 0, 0));
		if (!listed && np >= 0)
			progs[np++] = db_int(db_cell(r, 0, 0));
	}
	if (np >= 0)
		json_object_set_new(*clean, "programmes", json_string(ids_text(ctx, progs, np)));
	if (nj >= 0)
		json_object_set_new(*clean, "job_profiles", json_string(ids_text(ctx, profs, nj)));
	commune = json_str(*clean, "commune_code");
	if (commune != NULL) {
		struct db_rows *r;
		tr_err e = db_onev(ctx->db, ctx->arena,
		    "SELECT departement_code, region_code FROM communes WHERE code = ?", &r, DB_TEXT(commune));
		if (e == TR_NOT_FOUND)
			field_errors_add(&ctx->errors, "commune_code",
			    arena_printf(ctx->arena,
			        "« Commune (code INSEE) » : « %s » n'est pas le code d'une commune.", commune));
		else if (e != TR_OK)
			return ctx_storage_error(ctx, e);
		else {
			json_object_set_new(*clean, "departement_code", json_string(db_cell(r, 0, 0)->s.p));
			json_object_set_new(*clean, "region_code", json_string(db_cell(r, 0, 1)->s.p));
		}
	}
	{
		const char *name = json_str(*clean, "name"), *activity = json_str(*clean, "activity");
		const char *both = arena_printf(ctx->arena, "%s %s", name ? name : "", activity ? activity : "");
		json_object_set_new(*clean, "name_key", json_string(utf8_fold_key(ctx->arena, both, strlen(both))));
	}
	return ctx->errors.n ? TR_INVALID : err;
}

/* The first pole covering REGION (the pole that looks after the company), or NULL. */
static struct db_val
pole_of_region(struct ctx *ctx, const char *region)
{
	struct db_rows *r;

	if (region != NULL && db_onev(ctx->db, ctx->arena,
	                          "SELECT pole_id FROM pole_regions WHERE region_code = ? ORDER BY pole_id LIMIT 1", &r,
	                          DB_TEXT(region)) == TR_OK)
		return DB_I64(db_int(db_cell(r, 0, 0)));
	return DB_NULLV;
}

static void
siret_taken(struct ctx *ctx, const char *siret)
{
	struct db_rows *r;

	if (db_onev(ctx->db, ctx->arena, "SELECT name FROM partner_companies WHERE siret = ?", &r, DB_TEXT(siret)) ==
	    TR_OK)
		field_errors_add(&ctx->errors, "siret",
		    arena_printf(ctx->arena, "« SIRET » : l'entreprise « %s » du vivier porte déjà ce SIRET.",
		        db_cell(r, 0, 0)->s.p));
	else
		field_errors_add(&ctx->errors, "siret", "« SIRET » : une entreprise du vivier porte déjà ce SIRET.");
}

#define T(k) DB_TEXT(json_str(c, (k)))

tr_err
partner_create(struct ctx *ctx, json_t *in, int64_t *id)
{
	json_t *c = NULL;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, PARTNER_EDITORS)) != TR_OK)
		return err;
	if ((err = partner_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	if (!may_edit_region(ctx, json_str(c, "region_code"))) {
		err = ctx_fail(ctx, TR_FORBIDDEN,
		    "Cette commune n'est pas dans les régions de votre pôle : seul le pôle de sa région peut y ajouter "
		    "une "
		    "entreprise.");
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	err = db_onev(ctx->db, ctx->arena,
	    "INSERT INTO partner_companies (name, name_key, siret, activity, commune_code, departement_code, "
	    "region_code, "
	    "contact_name, contact_email, contact_phone, programmes, job_profiles, pole_id, created_at, updated_at) "
	    "VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (siret) DO NOTHING RETURNING id",
	    &r, T("name"), T("name_key"), T("siret"), T("activity"), T("commune_code"), T("departement_code"),
	    T("region_code"), T("contact_name"), T("contact_email"), T("contact_phone"), T("programmes"),
	    T("job_profiles"), pole_of_region(ctx, json_str(c, "region_code")), DB_I64(ctx->now), DB_I64(ctx->now));
	if (err == TR_NOT_FOUND) {
		siret_taken(ctx, json_str(c, "siret"));
		err = TR_INVALID;
		goto out;
	}
	TRY(err);
	*id = db_int(db_cell(r, 0, 0));
	json_object_del(c, "name_key");
	err = journal_append(ctx, "partner", *id, "create", c);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	return err;
}

tr_err
partner_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *c = NULL, *before = NULL, *detail;
	struct db_rows *r;
	int64_t changed = 0;
	tr_err err;

	if ((err = authz_require(ctx, PARTNER_EDITORS)) != TR_OK)
		return err;
	if ((err = load(ctx, id, &before)) != TR_OK)
		return err;
	if (!may_edit_region(ctx, json_str(before, "region_code"))) {
		err = ctx_fail(ctx, TR_FORBIDDEN, "Cette entreprise n'est pas dans les régions de votre pôle.");
		goto out_nodb;
	}
	if ((err = partner_check(ctx, in, &c)) != TR_OK)
		goto out_nodb;
	if (!may_edit_region(ctx, json_str(c, "region_code"))) {
		err = ctx_fail(ctx, TR_FORBIDDEN,
		    "Cette commune n'est pas dans les régions de votre pôle : l'entreprise ne peut pas y être "
		    "déplacée.");
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	if (db_onev(ctx->db, ctx->arena, "SELECT id FROM partner_companies WHERE siret = ? AND id <> ?", &r, T("siret"),
	        DB_I64(id)) == TR_OK) {
		siret_taken(ctx, json_str(c, "siret"));
		err = TR_INVALID;
		goto out;
	}
	TRY(db_execv(ctx->db,
	    "UPDATE partner_companies SET name = ?, name_key = ?, siret = ?, activity = ?, commune_code = ?, "
	    "departement_code = ?, region_code = ?, contact_name = ?, contact_email = ?, contact_phone = ?, programmes "
	    "= "
	    "?, job_profiles = ?, pole_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
	    &changed, T("name"), T("name_key"), T("siret"), T("activity"), T("commune_code"), T("departement_code"),
	    T("region_code"), T("contact_name"), T("contact_email"), T("contact_phone"), T("programmes"),
	    T("job_profiles"), pole_of_region(ctx, json_str(c, "region_code")), DB_I64(ctx->now), DB_I64(id),
	    DB_I64(version)));
	if (changed == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette entreprise a changé depuis votre lecture : rechargez la page.");
		goto out;
	}
	detail = entity_diff(&entity_partner, before, c);
	err = journal_append(ctx, "partner", id, "update", detail);
	json_decref(detail);
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	json_decref(before);
	return err;
}

tr_err
partner_suggest(struct ctx *ctx, const char *region, int64_t job_profile_id, json_t **out)
{
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, PARTNER_READERS)) != TR_OK)
		return err;
	err = db_queryv(ctx->db, ctx->arena,
	    "SELECT c.id, c.name, c.siret, c.activity, cm.name AS commune_name, c.contact_name, c.contact_email, "
	    "c.contact_phone FROM partner_companies c LEFT JOIN communes cm ON cm.code = c.commune_code WHERE "
	    "c.region_code = ? AND ('|' || c.job_profiles || '|') LIKE ? ORDER BY c.name, c.id LIMIT 100",
	    &r, DB_TEXT(region ? region : ""), id_pattern(ctx, job_profile_id));
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = rows_json(r);
	return TR_OK;
}
