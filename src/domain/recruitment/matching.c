/* Matching: the candidates of an offer and the offers of a candidate, filtered by distance over a bounding box
 * read from the database, then scored and sorted in C by the keys of matching.h. */
#include "domain/recruitment/matching.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/scope.h"
#include "domain/recruitment/offer.h"
#include "model/recruitment/offer.h"

/* One pair under the ranking keys. eligible: 1 yes, 0 no, -1 not required (passes). */
struct match {
	size_t row;
	int64_t id;
	double km;
	bool wished, available;
	int eligible;
};

static int
match_cmp(const void *pa, const void *pb)
{
	const struct match *a = pa, *b = pb;
	int ea = a->eligible != 0, eb = b->eligible != 0;

	if (ea != eb)
		return eb - ea;
	if (a->wished != b->wished)
		return a->wished ? -1 : 1;
	if (a->available != b->available)
		return a->available ? -1 : 1;
	if (a->km != b->km)
		return a->km < b->km ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The later of the date START ("YYYY-MM-DD") and today. */
static const char *
reference_date(struct ctx *ctx, const char *start)
{
	const char *today = date_iso(ctx->arena, ctx->now);

	return start != NULL && strcmp(start, today) > 0 ? start : today;
}

static json_t *
reasons(json_t *item, const struct match *m, int64_t rank)
{
	json_object_set_new(item, "rank", json_integer(rank));
	json_object_set_new(item, "distance_km", json_real(round(m->km * 100) / 100));
	json_object_set_new(item, "wished", json_boolean(m->wished));
	json_object_set_new(item, "available", json_boolean(m->available));
	json_object_set_new(item, "eligible", m->eligible < 0 ? json_null() : json_boolean(m->eligible));
	return item;
}

/* The condition and parameters of a bounding box around (LAT, LON) of RADIUS km on columns PREFIX.latitude and
 * PREFIX.longitude, appended to P. */
static const char *
bbox_sql(struct ctx *ctx, const char *prefix, double lat, double lon, double radius, struct db_val *p, size_t *np)
{
	double la0, la1, lo0, lo1;
	bool has_lon;

	offer_bbox(lat, lon, radius, &la0, &la1, &lo0, &lo1, &has_lon);
	p[(*np)++] = DB_REAL(la0);
	p[(*np)++] = DB_REAL(la1);
	if (!has_lon)
		return arena_printf(
		    ctx->arena, "%s.latitude BETWEEN ? AND ? AND %s.longitude IS NOT NULL", prefix, prefix);
	p[(*np)++] = DB_REAL(lo0);
	p[(*np)++] = DB_REAL(lo1);
	return arena_printf(ctx->arena, "%s.latitude BETWEEN ? AND ? AND %s.longitude BETWEEN ? AND ?", prefix, prefix);
}

/* ---- the candidates of an offer ---- */

#define CAND_ID 0
#define CAND_LAT 4
#define CAND_LON 5
#define CAND_MAX 6
#define CAND_AVAILABLE 7
#define CAND_WISHED 8
#define CAND_ELIGIBLE 9
#define CAND_RELATION 10

tr_err
matching_for_offer(struct ctx *ctx, int64_t offer_id, json_t **out)
{
	struct db_rows *o, *m, *r;
	struct db_val p[8];
	size_t np = 0, n = 0;
	const char *start, *ref, *box;
	double lat, lon;
	bool required;
	struct match *ms;
	json_t *items;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT o.organisation_id, o.programme_id, o.job_profile_id, o.start_on, o.latitude, o.longitude, "
	    "p.requires_eligibility FROM offers o JOIN programmes p ON p.id = o.programme_id WHERE o.id = ?",
	    &o, DB_I64(offer_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette offre n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	if (!actor_has(ctx->actor, ROLE_ADMIN) && !actor_has(ctx->actor, ROLE_NATIONAL) &&
	    !actor_in_org(ctx->actor, ROLE_EMPLOYER, db_int(db_cell(o, 0, 0))))
		return ctx_fail(ctx, TR_FORBIDDEN, "Les candidats d'une offre ne sont montrés qu'à sa structure.");
	start = db_text(db_cell(o, 0, 3));
	ref = reference_date(ctx, start);
	required = db_int(db_cell(o, 0, 6)) == 1;
	*out = json_pack("{s:I, s:s, s:b, s:I}", "offer_id", (json_int_t)offer_id, "reference_date", ref,
	    "eligibility_required", required, "total", (json_int_t)0);
	if (db_isnull(db_cell(o, 0, 4)) || db_isnull(db_cell(o, 0, 5))) {
		json_object_set_new(*out, "items", json_array());
		json_object_set_new(*out, "note",
		    json_string("Le lieu de cette offre n'a pas de position : aucune distance ne peut être calculée."));
		return TR_OK;
	}
	lat = db_real(db_cell(o, 0, 4));
	lon = db_real(db_cell(o, 0, 5));
	/* The box reaches as far as the most travelling candidate goes; each one's own limit is checked below. */
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT COALESCE(MAX(max_distance_km), 0) FROM candidates WHERE hidden = 0 AND latitude IS NOT NULL",
	         &m)) != TR_OK)
		goto fail;
	p[np++] = DB_I64(db_int(db_cell(o, 0, 2)));
	p[np++] = DB_I64(db_int(db_cell(o, 0, 1)));
	p[np++] = DB_TEXT(ref);
	p[np++] = DB_I64(offer_id);
	/* The box's parameters are appended before np is read (arguments have no evaluation order). */
	box = bbox_sql(ctx, "c", lat, lon, (double)db_int(db_cell(m, 0, 0)), p, &np);
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena,
	        "SELECT c.person_id, pe.name, c.commune_code, cm.name AS commune_name, c.latitude, c.longitude, "
	        "c.max_distance_km, c.available_from, CASE WHEN EXISTS (SELECT 1 FROM candidate_wished_profiles w "
	        "WHERE "
	        "w.candidate_id = c.person_id AND w.job_profile_id = ?) THEN 1 ELSE 0 END AS wished, (SELECT "
	        "e.eligible FROM eligibility_diagnoses "
	        "e WHERE e.candidate_id = c.person_id AND e.programme_id = ? AND e.valid_until >= ? ORDER BY "
	        "e.decided_on DESC, e.id DESC LIMIT 1) AS eligible, (SELECT a.state FROM applications a WHERE "
	        "a.offer_id = ? AND a.candidate_id = c.person_id) AS relation FROM candidates c JOIN people pe ON "
	        "pe.id = "
	        "c.person_id LEFT JOIN communes cm ON cm.code = c.commune_code WHERE c.hidden = 0 AND pe.active = 1 "
	        "AND "
	        "%s",
	        box),
	    p, np, &r);
	if (err != TR_OK)
		goto fail;
	ms = arena_alloc(ctx->arena, (r->nrows ? r->nrows : 1) * sizeof(*ms));
	for (size_t i = 0; i < r->nrows; i++) {
		const char *from = db_text(db_cell(r, i, CAND_AVAILABLE));
		double km =
		    offer_distance_km(lat, lon, db_real(db_cell(r, i, CAND_LAT)), db_real(db_cell(r, i, CAND_LON)));
		if (!(km <= (double)db_int(db_cell(r, i, CAND_MAX))))
			continue;
		ms[n++] = (struct match){ .row = i,
			.id = db_int(db_cell(r, i, CAND_ID)),
			.km = km,
			.wished = db_int(db_cell(r, i, CAND_WISHED)) != 0,
			.available = from == NULL || *from == '\0' || strcmp(from, start) <= 0,
			.eligible = !required ? -1 : db_int(db_cell(r, i, CAND_ELIGIBLE)) == 1 };
	}
	qsort(ms, n, sizeof(*ms), match_cmp);
	items = json_array();
	for (size_t i = 0; i < n && i < MATCHING_MAX; i++) {
		json_t *it = json_pack("{s:I, s:s, s:s?, s:s?, s:I, s:s?, s:s?}", "candidate_id", (json_int_t)ms[i].id,
		    "name", db_text(db_cell(r, ms[i].row, 1)), "commune_code", db_text(db_cell(r, ms[i].row, 2)),
		    "commune_name", db_text(db_cell(r, ms[i].row, 3)), "max_distance_km",
		    (json_int_t)db_int(db_cell(r, ms[i].row, CAND_MAX)), "available_from",
		    db_text(db_cell(r, ms[i].row, CAND_AVAILABLE)), "relation",
		    db_text(db_cell(r, ms[i].row, CAND_RELATION)));
		json_array_append_new(items, reasons(it, &ms[i], (int64_t)i + 1));
	}
	json_object_set_new(*out, "items", items);
	json_object_set_new(*out, "total", json_integer((json_int_t)n));
	return TR_OK;
fail:
	json_decref(*out);
	*out = NULL;
	return ctx_storage_error(ctx, err);
}

/* ---- the offers of a candidate ---- */

/* TR_OK when the actor may see the suggestions of candidate ID: themself, an admin, or a prescriber of an
 * organisation they accepted; TR_NOT_FOUND otherwise. */
static tr_err
may_see_candidate(struct ctx *ctx, int64_t id)
{
	const struct actor *a = ctx->actor;
	struct db_rows *r;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if (a->person_id == id || actor_has(a, ROLE_ADMIN))
		return TR_OK;
	if (actor_has(a, ROLE_PRESCRIBER)) {
		err = db_onev(ctx->db, ctx->arena,
		    "SELECT 1 FROM candidates c WHERE c.person_id = ? AND c.person_id IN " SCOPE_FOLLOWED, &r,
		    DB_I64(id), DB_I64(a->person_id));
		if (err == TR_OK)
			return TR_OK;
		if (err != TR_NOT_FOUND)
			return ctx_storage_error(ctx, err);
	}
	return ctx_fail(ctx, TR_NOT_FOUND, "Ce candidat n'existe pas.");
}

#define OFF_ID 0
#define OFF_START 6
#define OFF_TYPE 7
#define OFF_JP 8
#define OFF_PROGRAMME 10
#define OFF_REQUIRED 12
#define OFF_LAT 13
#define OFF_LON 14
#define OFF_WISHED 15

/* The latest diagnosis of programme PROGRAMME still valid on REF, among D (newest first): 1 eligible, 0 not or
 * none. */
static int
eligible_on(const struct db_rows *d, int64_t programme, const char *ref)
{
	for (size_t i = 0; i < d->nrows; i++)
		if (db_int(db_cell(d, i, 0)) == programme && strcmp(db_text(db_cell(d, i, 2)), ref) >= 0)
			return db_int(db_cell(d, i, 1)) == 1;
	return 0;
}

tr_err
matching_for_candidate(struct ctx *ctx, int64_t candidate, json_t **out)
{
	struct db_rows *c, *d, *r;
	struct db_val p[5];
	size_t np = 0, n = 0;
	const char *from, *box;
	double lat, lon, maxd;
	struct match *ms;
	json_t *items;
	tr_err err;

	if ((err = may_see_candidate(ctx, candidate)) != TR_OK)
		return err;
	err = db_onev(ctx->db, ctx->arena,
	    "SELECT latitude, longitude, max_distance_km, available_from FROM candidates WHERE "
	    "person_id = ?",
	    &c, DB_I64(candidate));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Ce candidat n'a pas encore de profil.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:I, s:I}", "candidate_id", (json_int_t)candidate, "total", (json_int_t)0);
	if (db_isnull(db_cell(c, 0, 0)) || db_isnull(db_cell(c, 0, 1))) {
		json_object_set_new(*out, "items", json_array());
		json_object_set_new(*out, "note",
		    json_string(
		        "Le profil n'a pas de position : indiquez votre commune pour recevoir des suggestions."));
		return TR_OK;
	}
	lat = db_real(db_cell(c, 0, 0));
	lon = db_real(db_cell(c, 0, 1));
	maxd = (double)db_int(db_cell(c, 0, 2));
	from = db_text(db_cell(c, 0, 3));
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT programme_id, eligible, valid_until FROM eligibility_diagnoses WHERE candidate_id = ? ORDER "
	         "BY "
	         "decided_on DESC, id DESC",
	         &d, DB_I64(candidate))) != TR_OK)
		goto fail;
	p[np++] = DB_I64(candidate); /* the wished column's */
	box = bbox_sql(ctx, "o", lat, lon, maxd, p, &np);
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena,
	        "SELECT o.id, o.title, org.name AS organisation_name, pl.nom AS place_nom, o.commune_code, cm.name AS "
	        "commune_name, o.start_on, o.contract_type, o.job_profile_id, j.title AS job_profile_title, "
	        "o.programme_id, p.name AS programme_name, p.requires_eligibility, o.latitude, o.longitude, CASE WHEN "
	        "EXISTS (SELECT 1 FROM candidate_wished_profiles w WHERE w.candidate_id = ? AND w.job_profile_id = "
	        "o.job_profile_id) THEN 1 ELSE 0 END AS wished FROM offers "
	        "o "
	        "JOIN organisations org ON org.id = o.organisation_id JOIN programmes p ON p.id = o.programme_id JOIN "
	        "job_profiles j ON j.id = o.job_profile_id LEFT JOIN places pl ON pl.id = o.place_id LEFT JOIN "
	        "communes "
	        "cm ON cm.code = o.commune_code WHERE o.state = 'open' AND %s",
	        box),
	    p, np, &r);
	if (err != TR_OK)
		goto fail;
	ms = arena_alloc(ctx->arena, (r->nrows ? r->nrows : 1) * sizeof(*ms));
	for (size_t i = 0; i < r->nrows; i++) {
		const char *start = db_text(db_cell(r, i, OFF_START));
		double km =
		    offer_distance_km(lat, lon, db_real(db_cell(r, i, OFF_LAT)), db_real(db_cell(r, i, OFF_LON)));
		if (!(km <= maxd))
			continue;
		ms[n++] = (struct match){ .row = i,
			.id = db_int(db_cell(r, i, OFF_ID)),
			.km = km,
			.wished = db_int(db_cell(r, i, OFF_WISHED)) != 0,
			.available = from == NULL || *from == '\0' || strcmp(from, start) <= 0,
			.eligible =
			    db_int(db_cell(r, i, OFF_REQUIRED)) != 1
			        ? -1
			        : eligible_on(d, db_int(db_cell(r, i, OFF_PROGRAMME)), reference_date(ctx, start)) };
	}
	qsort(ms, n, sizeof(*ms), match_cmp);
	items = json_array();
	for (size_t i = 0; i < n && i < MATCHING_MAX; i++) {
		json_t *it = row_json(r, ms[i].row);
		const char *start = db_text(db_cell(r, ms[i].row, OFF_START));
		json_object_set_new(it, "offer_id", json_integer(ms[i].id));
		json_object_del(it, "id");
		json_object_del(it, "latitude");
		json_object_del(it, "longitude");
		json_object_del(it, "requires_eligibility");
		json_object_set_new(it, "contract_type_label",
		    json_string(vocab_label(&vocab_contract_type, db_text(db_cell(r, ms[i].row, OFF_TYPE)))));
		json_object_set_new(it, "reference_date", json_string(reference_date(ctx, start)));
		json_object_set_new(it, "eligibility_required", json_boolean(ms[i].eligible >= 0));
		json_array_append_new(items, reasons(it, &ms[i], (int64_t)i + 1));
	}
	json_object_set_new(*out, "items", items);
	json_object_set_new(*out, "total", json_integer((json_int_t)n));
	return TR_OK;
fail:
	json_decref(*out);
	*out = NULL;
	return ctx_storage_error(ctx, err);
}
