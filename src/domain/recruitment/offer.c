/* Job offers: publishing on a validated dossier within its posts, editing, closing and reopening and the
 * automatic filled state (a small transition table on the lifecycle engine), reading, the public search with
 * distances, and the structure's overview. */
#include "domain/recruitment/offer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/common.h"
#include "domain/kernel/scope.h"
#include "domain/recruitment/contract.h"
#include "domain/kernel/journal.h"
#include "domain/kernel/outbox.h"
#include "domain/places/place.h"
#include "domain/geo/refdata.h"
#include "domain/kernel/workflow.h"
#include "domain/dossiers/dossier.h"
#include "model/recruitment/offer.h"
#include "model/programmes/programme.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define EARTH_RADIUS_KM 6371.0088
#define DEG (M_PI / 180)
/* The most rows a search with a point reads (every open offer of France is far fewer). */
#define OFFER_SCAN_MAX 50000

/* ---- distances ---- */

double
offer_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * DEG, p2 = lat2 * DEG, dp = sin((p2 - p1) / 2), dl = sin((lon2 - lon1) * DEG / 2);
	double a = dp * dp + cos(p1) * cos(p2) * dl * dl;

	return 2 * EARTH_RADIUS_KM * asin(sqrt(a < 1 ? a : 1));
}

void
offer_bbox(double lat, double lon, double radius_km, double *lat_min, double *lat_max, double *lon_min, double *lon_max,
    bool *has_lon)
{
	/* A little wider than exact, so that rounding never leaves out a point on the circle. */
	double angle = radius_km / EARTH_RADIUS_KM * (1 + 1e-9) + 1e-12, dlat = angle / DEG, dlon;

	*lat_min = lat - dlat;
	*lat_max = lat + dlat;
	*lon_min = -180;
	*lon_max = 180;
	*has_lon = false;
	if (*lat_min <= -90 || *lat_max >= 90)
		return;
	/* The circle's widest longitude is reached off its centre's parallel: asin(sin(angle) / cos(lat)). */
	dlon = asin(fmin(1, sin(angle) / cos(lat * DEG))) / DEG;
	if (lon - dlon < -180 || lon + dlon > 180)
		return;
	*lon_min = lon - dlon;
	*lon_max = lon + dlon;
	*has_lon = true;
}

/* ---- the transition table ---- */

/* The parties of an offer: its structure's staff, and the system (the posts filled by contracts). */
enum {
	PARTY_STAFF = 1 << 0,
	PARTY_SYSTEM = 1 << 1,
};

static tr_err effect_close(struct wf_call *c);
static tr_err effect_reopen(struct wf_call *c);

static const struct wf_transition rows[] = {
	{ "close", "Fermer l'offre", WF_BIT(OFFER_OPEN) | WF_BIT(OFFER_FILLED), OFFER_CLOSED, PARTY_STAFF,
	    &entity_offer_close, false, NULL, effect_close, NULL, WF_DANGER,
	    "Fermer cette offre ? Elle ne sera plus publiée et n'acceptera plus de candidatures ; vous pourrez la "
	    "rouvrir.",
	    "L'offre n° {n} est fermée : elle n'est plus publiée.", NULL, NULL },
	{ "reopen", "Rouvrir l'offre", WF_BIT(OFFER_CLOSED), OFFER_OPEN, PARTY_STAFF, NULL, false, NULL, effect_reopen,
	    NULL, WF_SECONDARY, NULL, "L'offre n° {n} est rouverte et publiée.", NULL, NULL },
	{ "fill", "Offre pourvue", WF_BIT(OFFER_OPEN), OFFER_FILLED, PARTY_SYSTEM, NULL, false, NULL, NULL, NULL,
	    WF_SECONDARY, NULL, "L'offre n° {n} est pourvue.", NULL, NULL },
	{ "unfill", "Offre de nouveau ouverte", WF_BIT(OFFER_FILLED), OFFER_OPEN, PARTY_SYSTEM, NULL, false, NULL, NULL,
	    NULL, WF_SECONDARY, NULL, "L'offre n° {n} est de nouveau ouverte.", NULL, NULL },
};

const char *const offer_actions[] = { "close", "reopen", NULL };

/* ---- reading rows ---- */

/* The posts of an offer held by its contracts: a post is held while a contract on it is live (planned,
 * active, suspended), as contract_create counts them; a renewal holds the post its first contract held, and
 * a contract ended (early or at its term) frees it for a new recruitment. */
#define POSTS_FILLED_SQL \
	"(SELECT COUNT(*) FROM contracts k WHERE k.offer_id = o.id AND k.state IN " CONTRACT_LIVE_SQL ")"

#define OFFER_SELECT                                                                                                \
	"SELECT o.id, o.dossier_id, o.organisation_id, o.programme_id, o.job_profile_id, o.place_id, "              \
	"o.commune_code, o.departement_code, o.region_code, o.latitude, o.longitude, o.title, o.start_on, "         \
	"o.contract_type, o.duration_months, o.weekly_hours, o.description, o.how_to_apply, o.posts, o.state, "     \
	"o.closed_reason, o.created_by, o.created_at, o.updated_at, o.version, org.name AS organisation_name, "     \
	"p.name AS programme_name, p.code AS programme_code, j.title AS job_profile_title, pl.nom AS place_nom, "   \
	"pl.adresse AS place_adresse, pl.code_postal AS place_code_postal, pl.commune AS place_commune, c.name "    \
	"AS commune_name, dep.name AS departement_name, reg.name AS region_name, " POSTS_FILLED_SQL                 \
	" AS posts_filled FROM offers o JOIN organisations org ON org.id = o.organisation_id JOIN programmes p ON " \
	"p.id = o.programme_id JOIN job_profiles j ON j.id = o.job_profile_id LEFT JOIN places pl ON pl.id = "      \
	"o.place_id LEFT JOIN communes c ON c.code = o.commune_code LEFT JOIN departements dep ON dep.code = "      \
	"o.departement_code LEFT JOIN regions reg ON reg.code = o.region_code "

static int64_t
int_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
str_of(json_t *o, const char *key)
{
	return json_str(o, key);
}

/* Reads offer ID (no access check). */
static tr_err
load(struct ctx *ctx, int64_t id, json_t **out)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena, OFFER_SELECT "WHERE o.id = ?", &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette offre n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = row_json(r, 0);
	return TR_OK;
}

static bool
is_staff(const struct ctx *ctx, json_t *o)
{
	return actor_in_org(ctx->actor, ROLE_EMPLOYER, int_of(o, "organisation_id"));
}

static unsigned
parties_of(struct ctx *ctx, json_t *o)
{
	return is_staff(ctx, o) ? PARTY_STAFF : 0;
}

/* The badges of the states: open, filled, closed. */
static const enum wf_state_tone offer_tones[] = { WF_SUCCESS, WF_INFO, WF_NEUTRAL };

const struct workflow offer_workflow = {
	.entity = "offer",
	.table = "offers",
	.state_since = false,
	.states = &vocab_offer_state,
	.tones = offer_tones,
	.rows = rows,
	.nrows = ARRAY_LEN(rows),
	.select = OFFER_SELECT "WHERE o.id = ?",
	/* The dossier's row first, as publishing and recruiting take it: its posts are counted one at a time. */
	.lock_first =
	    "UPDATE dossiers SET posts_granted = posts_granted WHERE id = (SELECT dossier_id FROM offers WHERE "
	    "id = ?)",
	.parties = parties_of,
	.missing = "Cette offre n'existe pas.",
	.stale = "Cette offre a changé depuis votre lecture : rechargez la page.",
};

const char *
offer_action_label(const char *action)
{
	return wf_action_label(&offer_workflow, action);
}

/* Open and filled offers are public; a closed one stays in the sight of its structure and its reviewers. */
static bool
can_read(const struct ctx *ctx, json_t *o)
{
	const char *region = str_of(o, "region_code");

	if (strcmp(str_of(o, "state"), "closed") != 0)
		return true;
	return ctx->actor != NULL && (actor_has(ctx->actor, ROLE_ADMIN) || actor_has(ctx->actor, ROLE_NATIONAL) ||
	                                 is_staff(ctx, o) || actor_covers_region(ctx->actor, ROLE_REGIONAL, region) ||
	                                 actor_covers_region(ctx->actor, ROLE_POLE, region));
}

/* Loads offer ID for its structure's staff: TR_FORBIDDEN for anyone else (TR_UNAUTHORIZED when anonymous). */
static tr_err
load_for_staff(struct ctx *ctx, int64_t id, json_t **out)
{
	tr_err err;

	*out = NULL;
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = load(ctx, id, out)) != TR_OK)
		return err;
	if (!is_staff(ctx, *out)) {
		json_decref(*out);
		*out = NULL;
		return ctx_fail(
		    ctx, TR_FORBIDDEN, "Cette offre n'est pas dans votre périmètre : seule sa structure la gère.");
	}
	return TR_OK;
}

/* What an offer needs of its dossier. */
struct dossier_info {
	int64_t id, org_id, programme_id, job_profile_id, posts_granted;
	const char *state, *place_id, *programme_name, *organisation_name;
};

static tr_err
dossier_info(struct ctx *ctx, int64_t id, struct dossier_info *d)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT d.id, d.organisation_id, d.programme_id, d.job_profile_id, d.posts_granted, d.state, d.place_id, "
	    "p.name, o.name FROM dossiers d JOIN programmes p ON p.id = d.programme_id JOIN organisations o ON o.id = "
	    "d.organisation_id WHERE d.id = ?",
	    &r, DB_I64(id));

	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Ce dossier n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	d->id = db_int(db_cell(r, 0, 0));
	d->org_id = db_int(db_cell(r, 0, 1));
	d->programme_id = db_int(db_cell(r, 0, 2));
	d->job_profile_id = db_int(db_cell(r, 0, 3));
	d->posts_granted = db_int(db_cell(r, 0, 4));
	d->state = db_text(db_cell(r, 0, 5));
	d->place_id = db_text(db_cell(r, 0, 6));
	d->programme_name = db_text(db_cell(r, 0, 7));
	d->organisation_name = db_text(db_cell(r, 0, 8));
	return TR_OK;
}

/* The refusal for one who is not dossier ID's structure: TR_FORBIDDEN with WHY when they see the dossier,
 * TR_NOT_FOUND when they do not (what one may not see does not exist for them). */
static tr_err
not_its_structure(struct ctx *ctx, int64_t id, const char *why)
{
	json_t *d = NULL;
	tr_err err = dossier_get(ctx, id, &d);

	json_decref(d);
	return err != TR_OK ? err : ctx_fail(ctx, TR_FORBIDDEN, why);
}

/* ---- the posts quota ---- */

struct quota {
	int64_t granted, offered, filled_closed;
};

/* The posts of dossier DOSSIER_ID counted against its grant, offer EXCEPT (0: none) left out: those of its
 * offers that are not closed, and the contracts of its closed offers. */
static tr_err
quota_read(struct ctx *ctx, int64_t dossier_id, int64_t except, struct quota *q)
{
	struct db_rows *r;
	tr_err err = db_onev(ctx->db, ctx->arena,
	    "SELECT d.posts_granted, (SELECT COALESCE(SUM(o.posts), 0) FROM offers o WHERE o.dossier_id = d.id AND "
	    "o.state <> 'closed' AND o.id <> ?), (SELECT COUNT(*) FROM contracts k JOIN offers o ON o.id = "
	    "k.offer_id WHERE o.dossier_id = d.id AND o.state = 'closed' AND o.id <> ? AND k.state "
	    "IN " CONTRACT_LIVE_SQL ") FROM dossiers d WHERE d.id = ?",
	    &r, DB_I64(except), DB_I64(except), DB_I64(dossier_id));

	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	q->granted = db_int(db_cell(r, 0, 0));
	q->offered = db_int(db_cell(r, 0, 1));
	q->filled_closed = db_int(db_cell(r, 0, 2));
	return TR_OK;
}

static int64_t
quota_free(const struct quota *q)
{
	int64_t n = q->granted - q->offered - q->filled_closed;

	return n > 0 ? n : 0;
}

/* The French explanation of a quota that ASKED posts would exceed. */
static const char *
quota_message(struct ctx *ctx, const struct quota *q, int64_t asked)
{
	return arena_printf(ctx->arena,
	    "Le dossier a %lld poste%s accordé%s : %lld déjà proposé%s par ses offres ouvertes ou pourvues, %lld "
	    "pourvu%s par les contrats de ses offres fermées. Il en reste %lld ; cette offre en demande %lld.",
	    (long long)q->granted, q->granted > 1 ? "s" : "", q->granted > 1 ? "s" : "", (long long)q->offered,
	    q->offered > 1 ? "s" : "", (long long)q->filled_closed, q->filled_closed > 1 ? "s" : "",
	    (long long)quota_free(q), (long long)asked);
}

/* Takes the dossier's row for the rest of the transaction (PostgreSQL; SQLite's write lock is the database's), so
 * that two offers published at once on one dossier count each other's posts. */
static tr_err
lock_dossier(struct ctx *ctx, int64_t dossier_id)
{
	return db_lock_row(ctx, "dossiers", dossier_id);
}

/* ---- checking an offer ---- */

static void
fail_field(struct ctx *ctx, const char *field, const char *message)
{
	field_errors_add(&ctx->errors, field, message);
}

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static bool
has_error(struct ctx *ctx, const char *field)
{
	return field_errors_get(&ctx->errors, field) != NULL;
}

/* The job profile JP is one of the dossier's programme, active unless the offer CURRENT already had it. */
static tr_err
check_job_profile(struct ctx *ctx, const struct dossier_info *d, int64_t jp, json_t *current)
{
	struct db_rows *r;
	tr_err err;

	if (has_error(ctx, "job_profile_id"))
		return TR_OK;
	if (jp <= 0) {
		fail_field(ctx, "job_profile_id", "« Métier » est obligatoire : le dossier n'en nomme pas.");
		return TR_OK;
	}
	err = db_onev(ctx->db, ctx->arena, "SELECT active FROM job_profiles WHERE id = ? AND programme_id = ?", &r,
	    DB_I64(jp), DB_I64(d->programme_id));
	if (err == TR_NOT_FOUND)
		fail_field(ctx, "job_profile_id", "« Métier » n'est pas une fiche métier du dispositif de ce dossier.");
	else if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	else if (db_int(db_cell(r, 0, 0)) != 1 && (current == NULL || int_of(current, "job_profile_id") != jp))
		fail_field(
		    ctx, "job_profile_id", "« Métier » n'est plus proposé par le dispositif : choisissez-en un autre.");
	return TR_OK;
}

/* The place of C is in the directory (merged places followed) and run by the dossier's structure, or is the
 * dossier's own; *PLACE receives it (NULL otherwise). */
static void
check_place(struct ctx *ctx, const struct dossier_info *d, json_t *c, struct place **place)
{
	const char *id = str_of(c, "place_id");
	struct ctx sub = *ctx;

	*place = NULL;
	if (has_error(ctx, "place_id"))
		return;
	if (id == NULL) {
		fail_field(ctx, "place_id", "« Lieu de travail » est obligatoire : le dossier n'en nomme pas.");
		return;
	}
	if (place_get(&sub, id, place) != TR_OK) {
		*place = NULL;
		fail_field(ctx, "place_id", "« Lieu de travail » ne désigne aucun lieu de l'annuaire.");
		return;
	}
	if ((*place)->organisation_id != d->org_id &&
	    !(nonempty(d->place_id) && strcmp((*place)->v[PLACE_F_ID], d->place_id) == 0)) {
		*place = NULL;
		fail_field(ctx, "place_id",
		    "« Lieu de travail » doit être un lieu de l'annuaire géré par la structure du dossier.");
		return;
	}
	json_object_set_new(c, "place_id", json_string((*place)->v[PLACE_F_ID]));
}

/* A CDD lasts MIN to MAX months; a CDI has no duration (one sent is dropped). */
static void
check_duration(struct ctx *ctx, json_t *c, int64_t min, int64_t max)
{
	const char *type = str_of(c, "contract_type");
	json_t *v = json_object_get(c, "duration_months");

	if (type == NULL || has_error(ctx, "duration_months"))
		return;
	if (strcmp(type, "CDD") != 0)
		json_object_del(c, "duration_months");
	else if (v == NULL)
		fail_field(ctx, "duration_months",
		    arena_printf(ctx->arena,
		        "« Durée du contrat (mois) » est obligatoire pour un CDD : de %lld à %lld mois dans ce "
		        "dispositif.",
		        (long long)min, (long long)max));
	else if (json_integer_value(v) < min || json_integer_value(v) > max)
		fail_field(ctx, "duration_months",
		    arena_printf(ctx->arena,
		        "« Durée du contrat (mois) » doit être comprise entre %lld et %lld mois dans ce dispositif "
		        "(%lld "
		        "demandés).",
		        (long long)min, (long long)max, (long long)json_integer_value(v)));
}

/* Validates IN for dossier D into *CLEAN (the caller's, also on TR_INVALID for the form): the entity's rules,
 * the defaults, then the references and the programme's bounds, every problem at once (each field once). CURRENT
 * is the offer being edited (NULL when creating): a start date or an inactive job profile it already had is kept.
 * *PLACE receives the place. */
static tr_err
check_offer(
    struct ctx *ctx, const struct dossier_info *d, json_t *in, json_t *current, json_t **clean, struct place **place)
{
	struct db_rows *r;
	json_t *c;
	const char *start;
	tr_err err;

	*place = NULL;
	/* The entity's errors are in ctx->errors; the checks go on so that the form shows them all. */
	if (entity_validate(&entity_offer, in, false, ctx->arena, &ctx->errors, clean) != TR_OK && *clean == NULL)
		return TR_INVALID;
	c = *clean;
	if ((err = db_onev(ctx->db, ctx->arena,
	         "SELECT contract_min_months, contract_max_months, weekly_hours FROM programmes WHERE id = ?", &r,
	         DB_I64(d->programme_id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (json_object_get(c, "job_profile_id") == NULL && d->job_profile_id > 0 && !has_error(ctx, "job_profile_id"))
		json_object_set_new(c, "job_profile_id", json_integer(d->job_profile_id));
	if (json_object_get(c, "place_id") == NULL && nonempty(d->place_id) && !has_error(ctx, "place_id"))
		json_object_set_new(c, "place_id", json_string(d->place_id));
	if (json_object_get(c, "weekly_hours") == NULL && !has_error(ctx, "weekly_hours"))
		json_object_set_new(c, "weekly_hours", json_integer(db_int(db_cell(r, 0, 2))));
	if (json_object_get(c, "posts") == NULL && !has_error(ctx, "posts"))
		json_object_set_new(c, "posts", json_integer(1));
	if ((err = check_job_profile(ctx, d, int_of(c, "job_profile_id"), current)) != TR_OK)
		return err;
	check_place(ctx, d, c, place);
	check_duration(ctx, c, db_int(db_cell(r, 0, 0)), db_int(db_cell(r, 0, 1)));
	start = str_of(c, "start_on");
	if (start != NULL && strcmp(start, date_iso(ctx->arena, ctx->now)) < 0 &&
	    (current == NULL || strcmp(start, str_of(current, "start_on")) != 0))
		fail_field(ctx, "start_on", "« Date de prise de poste » ne peut pas être dans le passé.");
	return ctx->errors.n > 0 ? TR_INVALID : TR_OK;
}

/* The columns copied from the place: its commune, département, région and coordinates. */
/* The columns an offer copies from its place, and their values. */
#define PLACE_GEO_COLUMNS "commune_code, departement_code, region_code, latitude, longitude"
#define PLACE_GEO(p)                                                                                  \
	DB_TEXT(nonempty((p)->v[PLACE_F_CODE_INSEE])), DB_TEXT(nonempty((p)->departement_code)),      \
	    DB_TEXT(nonempty((p)->region_code)), (p)->has_coords ? DB_REAL((p)->latitude) : DB_NULLV, \
	    (p)->has_coords ? DB_REAL((p)->longitude) : DB_NULLV

/* ---- creating ---- */

tr_err
offer_create(struct ctx *ctx, int64_t dossier_id, json_t *in, int64_t *id)
{
	struct dossier_info d;
	struct place *p;
	struct quota q;
	json_t *c = NULL;
	int64_t posts;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = dossier_info(ctx, dossier_id, &d)) != TR_OK)
		return err;
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, d.org_id))
		return not_its_structure(ctx, dossier_id,
		    "Seule la structure du dossier peut publier ses offres : ce dossier n'est pas dans votre "
		    "périmètre.");
	if (strcmp(d.state, "validated") != 0)
		return ctx_fail(ctx, TR_CONFLICT, "Seul un dossier validé ouvre des postes : celui-ci ne l'est pas.");
	if ((err = check_offer(ctx, &d, in, NULL, &c, &p)) != TR_OK)
		goto out_nodb;
	posts = int_of(c, "posts");
	TRY(tx_begin(ctx));
	TRY(lock_dossier(ctx, dossier_id));
	TRY(quota_read(ctx, dossier_id, 0, &q));
	if (q.offered + q.filled_closed + posts > q.granted) {
		fail_field(ctx, "posts", quota_message(ctx, &q, posts));
		err = TR_INVALID;
		goto out;
	}
	TRY(record_insertv(ctx, &entity_offer, "offers", c,
	    "dossier_id, organisation_id, programme_id, " PLACE_GEO_COLUMNS
	    ", state, created_by, created_at, updated_at",
	    "?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?", NULL, id, DB_I64(dossier_id), DB_I64(d.org_id),
	    DB_I64(d.programme_id), PLACE_GEO(p), DB_I64(ctx->actor->person_id), DB_I64(ctx->now), DB_I64(ctx->now)));
	json_object_set_new(c, "dossier_id", json_integer(dossier_id));
	TRY(journal_append(ctx, "offer", *id, "create", c));
	{
		json_t *ev = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)*id, "action", "publish", "to", "open");
		err = outbox_event(ctx, "offer", *id, "publish", ev);
		json_decref(ev);
		TRY(err);
	}
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(c);
	return err;
}

/* ---- editing ---- */

/* The entity's fields of offer O, as entity_validate takes them. */
static json_t *
offer_values(json_t *o)
{
	json_t *v = json_object();

	for (size_t i = 0; i < entity_offer.nfields; i++) {
		json_t *x = json_object_get(o, entity_offer.fields[i].name);
		if (x != NULL && !json_is_null(x))
			json_object_set(v, entity_offer.fields[i].name, x);
	}
	return v;
}

static tr_err
stale(struct ctx *ctx)
{
	return ctx_fail(ctx, TR_CONFLICT, "Cette offre a changé depuis votre lecture : rechargez la page.");
}

tr_err
offer_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in)
{
	json_t *o = NULL, *before = NULL, *merged = NULL, *c = NULL;
	struct dossier_info d;
	struct place *p;
	struct quota q;
	int64_t posts, changed = 0;
	tr_err err;

	if ((err = load_for_staff(ctx, id, &o)) != TR_OK)
		return err;
	if (strcmp(str_of(o, "state"), "closed") == 0) {
		err = ctx_fail(ctx, TR_CONFLICT, "Cette offre est fermée : rouvrez-la pour la modifier.");
		goto out_nodb;
	}
	if (int_of(o, "version") != version) {
		err = stale(ctx);
		goto out_nodb;
	}
	if ((err = dossier_info(ctx, int_of(o, "dossier_id"), &d)) != TR_OK)
		goto out_nodb;
	before = offer_values(o);
	merged = json_deep_copy(before);
	if (json_is_object(in))
		json_object_update(merged, in);
	if ((err = check_offer(ctx, &d, merged, o, &c, &p)) != TR_OK)
		goto out_nodb;
	posts = int_of(c, "posts");
	if (posts < int_of(o, "posts_filled")) {
		fail_field(ctx, "posts",
		    arena_printf(ctx->arena,
		        "« Nombre de postes » ne peut pas être inférieur aux %lld contrats déjà signés sur cette "
		        "offre.",
		        (long long)int_of(o, "posts_filled")));
		err = TR_INVALID;
		goto out_nodb;
	}
	TRY(tx_begin(ctx));
	if (posts > int_of(o, "posts")) {
		if (strcmp(d.state, "validated") != 0) {
			err = ctx_fail(ctx, TR_CONFLICT,
			    "Le dossier de cette offre n'est plus validé : le nombre de postes ne peut pas augmenter.");
			goto out;
		}
		TRY(lock_dossier(ctx, d.id));
		TRY(quota_read(ctx, d.id, id, &q));
		if (q.offered + q.filled_closed + posts > q.granted) {
			fail_field(ctx, "posts", quota_message(ctx, &q, posts));
			err = TR_INVALID;
			goto out;
		}
	}
	TRY(record_updatev(ctx, &entity_offer, "offers", c,
	    "commune_code = ?, departement_code = ?, region_code = ?, latitude = ?, longitude = ?, updated_at = ?, "
	    "version = version + 1 WHERE id = ? AND version = ? AND state <> 'closed'",
	    &changed, PLACE_GEO(p), DB_I64(ctx->now), DB_I64(id), DB_I64(version)));
	if (changed == 0) {
		err = stale(ctx);
		goto out;
	}
	{
		json_t *detail = entity_diff(&entity_offer, before, c);
		json_object_set_new(detail, "version", json_integer(version + 1));
		err = journal_append(ctx, "offer", id, "update", detail);
		json_decref(detail);
		if (err != TR_OK)
			goto out;
	}
	TRY(offer_refresh_state(ctx, id));
out:
	err = tx_end(ctx, ctx_storage_error(ctx, err));
out_nodb:
	json_decref(o);
	json_decref(before);
	json_decref(merged);
	json_decref(c);
	return err;
}

/* ---- states ---- */

tr_err
offer_refresh_state(struct ctx *ctx, int64_t offer_id)
{
	struct db_rows *r;
	const char *from, *action;
	int64_t posts, filled;
	json_t *detail;
	tr_err err;

	if (!db_in_tx(ctx->db))
		return ctx_fail(ctx, TR_INTERNAL, "offer_refresh_state demande une transaction ouverte.");
	err = db_onev(ctx->db, ctx->arena, "SELECT o.state, o.posts, " POSTS_FILLED_SQL " FROM offers o WHERE o.id = ?",
	    &r, DB_I64(offer_id));
	if (err == TR_NOT_FOUND)
		return ctx_fail(ctx, err, "Cette offre n'existe pas.");
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	from = db_text(db_cell(r, 0, 0));
	posts = db_int(db_cell(r, 0, 1));
	filled = db_int(db_cell(r, 0, 2));
	if (strcmp(from, "open") == 0 && filled >= posts)
		action = "fill";
	else if (strcmp(from, "filled") == 0 && filled < posts)
		action = "unfill";
	else
		return TR_OK;
	detail = json_pack("{s:I, s:I}", "posts", (json_int_t)posts, "posts_filled", (json_int_t)filled);
	err = wf_system(ctx, &offer_workflow, offer_id, action, PARTY_SYSTEM, detail);
	json_decref(detail);
	return err;
}

/* The reason, on the offer and in the journal entry. */
static tr_err
effect_close(struct wf_call *c)
{
	if (str_of(c->clean, "reason"))
		json_object_set_new(c->detail, "reason", json_string(str_of(c->clean, "reason")));
	return db_execv(c->ctx->db, "UPDATE offers SET closed_reason = ? WHERE id = ?", NULL,
	    DB_TEXT(str_of(c->clean, "reason")), DB_I64(c->id));
}

/* An offer reopens on a dossier still validated, within its posts. */
static tr_err
effect_reopen(struct wf_call *c)
{
	struct ctx *ctx = c->ctx;
	int64_t posts = int_of(c->row, "posts");
	struct dossier_info d;
	struct quota q;
	tr_err err;

	if ((err = dossier_info(ctx, int_of(c->row, "dossier_id"), &d)) != TR_OK)
		return err;
	if (strcmp(d.state, "validated") != 0)
		return ctx_fail(
		    ctx, TR_CONFLICT, "Le dossier de cette offre n'est plus validé : elle ne peut pas rouvrir.");
	if ((err = lock_dossier(ctx, d.id)) != TR_OK || (err = quota_read(ctx, d.id, c->id, &q)) != TR_OK)
		return err;
	if (q.offered + q.filled_closed + posts > q.granted)
		return ctx_fail(ctx, TR_CONFLICT, quota_message(ctx, &q, posts));
	return db_execv(ctx->db, "UPDATE offers SET closed_reason = NULL WHERE id = ?", NULL, DB_I64(c->id));
}

tr_err
offer_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload, int64_t *new_version,
    int64_t *new_id)
{
	struct wf_act act = { .id = id, .action = action, .version = version, .payload = payload };
	struct db_rows *r;
	tr_err err;

	(void)new_id; /* no action of an offer creates a row */
	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	/* One transaction: the action, then the filled state its contracts may give a reopened offer. */
	TRY(tx_begin(ctx));
	TRY(wf_run(ctx, &offer_workflow, &act));
	TRY(offer_refresh_state(ctx, id));
	TRY(db_onev(ctx->db, ctx->arena, "SELECT version FROM offers WHERE id = ?", &r, DB_I64(id)));
	if (new_version)
		*new_version = db_int(db_cell(r, 0, 0));
out:
	return tx_end(ctx, ctx_storage_error(ctx, err));
}

/* ---- reading ---- */

/* Adds the labels to an offer or a search item. */
static void
labels(json_t *o)
{
	const char *state = str_of(o, "state");

	entity_decorate(&entity_offer, o, NULL);
	if (state)
		wf_decorate(&offer_workflow, o);
}

tr_err
offer_get(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *o = NULL;
	bool staff;
	tr_err err = load(ctx, id, &o);

	if (err != TR_OK)
		return err;
	if (!can_read(ctx, o)) {
		json_decref(o);
		return ctx_fail(ctx, TR_NOT_FOUND, "Cette offre n'existe pas ou n'est plus publiée.");
	}
	staff = is_staff(ctx, o);
	labels(o);
	json_object_set_new(o, "can_edit", json_boolean(staff && strcmp(str_of(o, "state"), "closed") != 0));
	json_object_set_new(o, "actions",
	    wf_actions(&offer_workflow, wf_state(&offer_workflow, str_of(o, "state")), parties_of(ctx, o)));
	if (!staff)
		json_object_del(o, "created_by");
	*out = o;
	return TR_OK;
}

tr_err
offer_journal(struct ctx *ctx, int64_t id, json_t **out)
{
	json_t *o;
	tr_err err = load_for_staff(ctx, id, &o);

	if (err != TR_OK)
		return err;
	json_decref(o);
	return journal_list(ctx, "offer", id, out);
}

/* ---- the search ---- */

static struct str
param(const struct form *f, const char *name)
{
	struct str v = str_trim(form_get(f, name));

	return v.n > 0 ? v : (struct str){ NULL, 0 };
}

static bool
parse_double(struct arena *a, struct str s, double *out)
{
	char *c, *end;

	if (s.n == 0 || s.n >= 32)
		return false;
	c = arena_str(a, s);
	*out = strtod(c, &end);
	return *end == '\0' && isfinite(*out);
}

static void
parse_id(struct ctx *ctx, const struct form *f, const char *name, int64_t max, int64_t *out)
{
	struct str v = param(f, name);
	long long n;

	if (v.p == NULL)
		return;
	if (str_to_i64(v, &n) && n >= 1 && n <= max)
		*out = n;
	else
		fail_field(ctx, name,
		    arena_printf(
		        ctx->arena, "« %s » doit être un nombre entier entre 1 et %lld.", name, (long long)max));
}

static bool
digits(struct str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return s.n > 0;
}

/* The point of `commune`: a name (the exact one first, then the most populated) or an INSEE or postal code. */
static tr_err
commune_point(struct ctx *ctx, struct str s, struct offer_query *q)
{
	const struct commune_geo *g = NULL;
	json_t *found = NULL;
	const char *code;
	tr_err err;

	if (s.n > 100 || (err = commune_search(ctx, arena_str(ctx->arena, s), 1, &found)) != TR_OK ||
	    json_array_size(found) == 0) {
		json_decref(found);
		fail_field(ctx, "commune",
		    arena_printf(ctx->arena, "Aucune commune ne s'appelle « %.*s » ni n'a ce code INSEE ou postal.",
		        (int)(s.n > 100 ? 100 : s.n), s.p));
		return TR_OK;
	}
	code = arena_strdup(ctx->arena, json_string_value(json_object_get(json_array_get(found, 0), "code")));
	q->commune_name =
	    arena_strdup(ctx->arena, json_string_value(json_object_get(json_array_get(found, 0), "name")));
	json_decref(found);
	if ((err = commune_locate(ctx, NULL, code, "", "", &g)) != TR_OK)
		return ctx_storage_error(ctx, err);
	if (g == NULL || !g->located) {
		fail_field(
		    ctx, "commune", "La position de cette commune n'est pas connue : donnez une commune voisine.");
		return TR_OK;
	}
	q->commune_code = code;
	q->lat = g->latitude;
	q->lon = g->longitude;
	q->has_point = true;
	return TR_OK;
}

tr_err
offer_query_parse(struct ctx *ctx, const struct form *f, struct offer_query *q)
{
	struct str lat = param(f, "lat"), lon = param(f, "lon"), radius = param(f, "radius_km");
	struct str commune = param(f, "commune"), s;
	bool lat_ok = false, lon_ok = false;
	size_t before = ctx->errors.n;
	tr_err err = TR_OK;

	memset(q, 0, sizeof(*q));
	q->page = 1;
	q->per_page = OFFER_PER_PAGE;
	if (lat.p != NULL && !(lat_ok = parse_double(ctx->arena, lat, &q->lat) && fabs(q->lat) <= 90))
		fail_field(ctx, "lat", "La latitude (lat) doit être un nombre entre -90 et 90.");
	if (lon.p != NULL && !(lon_ok = parse_double(ctx->arena, lon, &q->lon) && fabs(q->lon) <= 180))
		fail_field(ctx, "lon", "La longitude (lon) doit être un nombre entre -180 et 180.");
	if (lat.p != NULL && lon.p == NULL)
		fail_field(ctx, "lon", "La longitude (lon) manque : donnez lat et lon ensemble.");
	if (lon.p != NULL && lat.p == NULL)
		fail_field(ctx, "lat", "La latitude (lat) manque : donnez lat et lon ensemble.");
	q->has_point = lat_ok && lon_ok;
	if (commune.p != NULL && (lat.p != NULL || lon.p != NULL))
		fail_field(ctx, "commune", "Donnez soit une commune, soit une latitude et une longitude.");
	else if (commune.p != NULL)
		err = commune_point(ctx, commune, q);
	if (radius.p != NULL) {
		if (!parse_double(ctx->arena, radius, &q->radius_km) || q->radius_km <= 0 ||
		    q->radius_km > OFFER_RADIUS_MAX_KM)
			fail_field(ctx, "radius_km",
			    arena_printf(ctx->arena,
			        "Le rayon (radius_km) doit être un nombre de kilomètres, plus de 0 et %d au plus.",
			        OFFER_RADIUS_MAX_KM));
		else if (lat.p == NULL && lon.p == NULL && commune.p == NULL)
			fail_field(
			    ctx, "radius_km", "Le rayon (radius_km) demande un point : une commune, ou lat et lon.");
	}
	if ((s = param(f, "departement")).p != NULL) {
		if ((s.n == 2 && (digits(s) || (s.p[0] == '2' && (s.p[1] == 'A' || s.p[1] == 'B')))) ||
		    (s.n == 3 && s.p[0] == '9' && s.p[1] == '7' && digits(s)))
			q->departement = arena_str(ctx->arena, s);
		else
			fail_field(ctx, "departement", "Le code du département doit être de la forme 69, 2A ou 971.");
	}
	if ((s = param(f, "region")).p != NULL) {
		if (s.n == 2 && digits(s))
			q->region = arena_str(ctx->arena, s);
		else
			fail_field(ctx, "region", "Le code de la région doit compter 2 chiffres, par exemple 84.");
	}
	parse_id(ctx, f, "job_profile_id", INT64_MAX, &q->job_profile_id);
	parse_id(ctx, f, "programme_id", INT64_MAX, &q->programme_id);
	parse_id(ctx, f, "page", OFFER_PAGE_MAX, &q->page);
	parse_id(ctx, f, "per_page", OFFER_PER_PAGE_MAX, &q->per_page);
	if (err != TR_OK)
		return err;
	return ctx->errors.n > before ? TR_INVALID : TR_OK;
}

#define SEARCH_COLUMNS                                                                                             \
	"SELECT o.id, o.title, o.start_on, o.contract_type, o.duration_months, o.weekly_hours, o.posts, o.state, " \
	"o.place_id, pl.nom AS place_nom, o.commune_code, c.name AS commune_name, o.departement_code, "            \
	"o.region_code, o.latitude, o.longitude, o.programme_id, p.name AS programme_name, o.job_profile_id, "     \
	"j.title AS job_profile_title, o.organisation_id, org.name AS organisation_name, o.description, "          \
	"o.how_to_apply, o.created_at, o.updated_at FROM offers o JOIN organisations org ON org.id = "             \
	"o.organisation_id JOIN programmes p ON p.id = o.programme_id JOIN job_profiles j ON j.id = "              \
	"o.job_profile_id LEFT JOIN places pl ON pl.id = o.place_id LEFT JOIN communes c ON c.code = "             \
	"o.commune_code "

struct hit {
	size_t row;
	double km; /* HUGE_VAL: no position */
	int64_t id;
};

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->km != y->km)
		return x->km < y->km ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static json_t *
search_item(const struct db_rows *r, size_t row, const struct hit *h)
{
	json_t *it = row_json(r, row);

	labels(it);
	json_object_del(it, "state");
	json_object_del(it, "state_label");
	json_object_del(it, "state_tone");
	if (h != NULL)
		json_object_set_new(
		    it, "distance_km", h->km == HUGE_VAL ? json_null() : json_real(round(h->km * 100) / 100));
	return it;
}

tr_err
offer_search(struct ctx *ctx, const struct offer_query *q, json_t **out)
{
	struct db_val p[16];
	size_t np = 0, col_lat = 14, col_lon = 15;
	const char *where = "o.state = 'open'";
	int64_t per = q->per_page > 0 ? q->per_page : OFFER_PER_PAGE, page = q->page > 0 ? q->page : 1, total;
	struct db_rows *r, *c;
	json_t *items = json_array();
	tr_err err;

	if (q->departement) {
		where = arena_printf(ctx->arena, "%s AND o.departement_code = ?", where);
		p[np++] = DB_TEXT(q->departement);
	}
	if (q->region) {
		where = arena_printf(ctx->arena, "%s AND o.region_code = ?", where);
		p[np++] = DB_TEXT(q->region);
	}
	if (q->job_profile_id > 0) {
		where = arena_printf(ctx->arena, "%s AND o.job_profile_id = ?", where);
		p[np++] = DB_I64(q->job_profile_id);
	}
	if (q->programme_id > 0) {
		where = arena_printf(ctx->arena, "%s AND o.programme_id = ?", where);
		p[np++] = DB_I64(q->programme_id);
	}
	if (q->organisation_id > 0) {
		where = arena_printf(ctx->arena, "%s AND o.organisation_id = ?", where);
		p[np++] = DB_I64(q->organisation_id);
	}
	if (!q->has_point) {
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena, "SELECT COUNT(*) FROM offers o WHERE %s", where), p, np, &c);
		if (err != TR_OK)
			goto fail;
		total = db_int(db_cell(c, 0, 0));
		p[np++] = DB_I64(per);
		p[np++] = DB_I64((page - 1) * per);
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena, SEARCH_COLUMNS "WHERE %s ORDER BY %s LIMIT ? OFFSET ?", where,
		        q->newest_changes_first ? "o.updated_at DESC, o.id DESC" : "o.created_at DESC, o.id DESC"),
		    p, np, &r);
		if (err != TR_OK)
			goto fail;
		for (size_t i = 0; i < r->nrows; i++)
			json_array_append_new(items, search_item(r, i, NULL));
	} else {
		struct hit *hits;
		size_t n = 0;
		if (q->radius_km > 0) {
			double la0, la1, lo0, lo1;
			bool has_lon;
			offer_bbox(q->lat, q->lon, q->radius_km, &la0, &la1, &lo0, &lo1, &has_lon);
			where = arena_printf(ctx->arena, "%s AND o.latitude BETWEEN ? AND ?%s", where,
			    has_lon ? " AND o.longitude BETWEEN ? AND ?" : " AND o.longitude IS NOT NULL");
			p[np++] = DB_REAL(la0);
			p[np++] = DB_REAL(la1);
			if (has_lon) {
				p[np++] = DB_REAL(lo0);
				p[np++] = DB_REAL(lo1);
			}
		}
		p[np++] = DB_I64(OFFER_SCAN_MAX);
		err = db_query(
		    ctx->db, ctx->arena, arena_printf(ctx->arena, SEARCH_COLUMNS "WHERE %s LIMIT ?", where), p, np, &r);
		if (err != TR_OK)
			goto fail;
		hits = arena_alloc(ctx->arena, (r->nrows ? r->nrows : 1) * sizeof(*hits));
		for (size_t i = 0; i < r->nrows; i++) {
			const struct db_val *la = db_cell(r, i, col_lat), *lo = db_cell(r, i, col_lon);
			double km = db_isnull(la) || db_isnull(lo)
			                ? HUGE_VAL
			                : offer_distance_km(q->lat, q->lon, db_real(la), db_real(lo));
			if (q->radius_km > 0 && !(km <= q->radius_km))
				continue;
			hits[n++] = (struct hit){ i, km, db_int(db_cell(r, i, 0)) };
		}
		qsort(hits, n, sizeof(*hits), hit_cmp);
		total = (int64_t)n;
		for (int64_t i = (page - 1) * per; i < total && i < page * per; i++)
			json_array_append_new(items, search_item(r, hits[i].row, &hits[i]));
	}
	*out = json_pack("{s:o, s:I, s:I, s:I}", "items", items, "total", (json_int_t)total, "page", (json_int_t)page,
	    "per_page", (json_int_t)per);
	return TR_OK;
fail:
	json_decref(items);
	return ctx_storage_error(ctx, err);
}

/* ---- the structure's side ---- */

/* "o.organisation_id IN (?, ?)" over the actor's employer organisations, with their parameters in P. */
static const char *
orgs_in(struct ctx *ctx, const char *column, struct db_val *p, size_t *np)
{
	const char *in = "";
	const struct actor *a = ctx->actor;

	for (size_t i = 0; a && i < a->nroles && *np < ACTOR_ROLES_MAX; i++)
		if (a->roles[i].role == ROLE_EMPLOYER && a->roles[i].org_id > 0) {
			in = arena_printf(ctx->arena, "%s%s?", in, *in ? ", " : "");
			p[(*np)++] = DB_I64(a->roles[i].org_id);
		}
	return *in ? arena_printf(ctx->arena, "%s IN (%s)", column, in) : NULL;
}

tr_err
offer_structure_overview(struct ctx *ctx, json_t **out)
{
	struct db_val p[ACTOR_ROLES_MAX], same[ACTOR_ROLES_MAX];
	size_t np = 0, nsame = 0;
	const char *dwhere, *owhere;
	struct db_rows *dr, *orow;
	json_t *dossiers, *offers, *it, *d;
	size_t i, k;
	tr_err err;

	if ((err = authz_require(ctx, ROLE_BIT(ROLE_EMPLOYER))) != TR_OK)
		return err;
	if ((dwhere = orgs_in(ctx, "d.organisation_id", p, &np)) == NULL) {
		*out = json_array();
		return TR_OK;
	}
	/* The same organisations in the same order: the parameters P serve both queries. */
	owhere = orgs_in(ctx, "o.organisation_id", same, &nsame);
	err = db_query(ctx->db, ctx->arena,
	    arena_printf(ctx->arena,
	        "SELECT d.id, d.state, d.posts_granted, d.programme_id, p.name AS programme_name, org.name AS "
	        "organisation_name, pl.nom AS place_nom, (SELECT COALESCE(SUM(x.posts), 0) FROM offers x WHERE "
	        "x.dossier_id = d.id AND x.state <> 'closed') AS posts_offered, (SELECT COUNT(*) FROM contracts k "
	        "WHERE k.dossier_id = d.id AND k.state IN " CONTRACT_LIVE_SQL ") AS posts_filled, "
	        "(SELECT COUNT(*) FROM contracts k JOIN offers x ON x.id = k.offer_id WHERE x.dossier_id = d.id AND "
	        "x.state = 'closed' AND k.state IN " CONTRACT_LIVE_SQL ") AS posts_filled_closed "
	        "FROM dossiers d JOIN programmes p ON p.id = d.programme_id JOIN organisations org ON org.id = "
	        "d.organisation_id LEFT JOIN places pl ON pl.id = d.place_id WHERE %s AND (d.state = 'validated' OR "
	        "EXISTS (SELECT 1 FROM offers x WHERE x.dossier_id = d.id)) ORDER BY d.id DESC",
	        dwhere),
	    p, np, &dr);
	if (err == TR_OK)
		err = db_query(ctx->db, ctx->arena,
		    arena_printf(ctx->arena,
		        "SELECT o.id, o.dossier_id, o.title, o.state, o.posts, o.start_on, o.contract_type, "
		        "o.version, " POSTS_FILLED_SQL " AS posts_filled FROM offers o WHERE %s ORDER BY o.id DESC",
		        owhere),
		    p, np, &orow);
	if (err != TR_OK)
		return ctx_storage_error(ctx, err);
	dossiers = rows_json(dr);
	offers = rows_json(orow);
	json_array_foreach(dossiers, i, d)
	{
		struct quota q = { int_of(d, "posts_granted"), int_of(d, "posts_offered"),
			int_of(d, "posts_filled_closed") };
		json_t *mine = json_array();
		bool validated = strcmp(str_of(d, "state"), "validated") == 0;

		json_object_set_new(
		    d, "state_label", json_string(vocab_label(&vocab_dossier_state, str_of(d, "state"))));
		json_object_set_new(d, "posts_free", json_integer(quota_free(&q)));
		json_object_set_new(d, "can_publish", json_boolean(validated && quota_free(&q) > 0));
		json_array_foreach(offers, k, it)
		{
			if (int_of(it, "dossier_id") != int_of(d, "id"))
				continue;
			labels(it);
			json_array_append(mine, it);
		}
		json_object_set_new(d, "offers", mine);
	}
	json_decref(offers);
	*out = dossiers;
	return TR_OK;
}

tr_err
offer_form_choices(struct ctx *ctx, int64_t dossier_id, json_t **out)
{
	struct dossier_info d;
	struct quota q;
	struct db_rows *jp, *pl, *pr;
	tr_err err;

	if ((err = authz_require(ctx, ~0u)) != TR_OK)
		return err;
	if ((err = dossier_info(ctx, dossier_id, &d)) != TR_OK)
		return err;
	if (!actor_in_org(ctx->actor, ROLE_EMPLOYER, d.org_id))
		return not_its_structure(ctx, dossier_id, "Ce dossier n'est pas dans votre périmètre.");
	if ((err = quota_read(ctx, dossier_id, 0, &q)) != TR_OK)
		return err;
	if ((err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, title FROM job_profiles WHERE programme_id = ? AND active = 1 ORDER BY title", &jp,
	         DB_I64(d.programme_id))) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT id, nom, commune FROM places WHERE (organisation_id = ? OR id = ?) AND merged_into IS NULL "
	         "ORDER BY nom, id LIMIT 500",
	         &pl, DB_I64(d.org_id), DB_TEXT(d.place_id ? d.place_id : ""))) != TR_OK ||
	    (err = db_onev(ctx->db, ctx->arena,
	         "SELECT contract_min_months, contract_max_months, weekly_hours FROM programmes WHERE id = ?", &pr,
	         DB_I64(d.programme_id))) != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:{s:I, s:s, s:s, s:s, s:b, s:I, s:I}, s:{s:I, s:s?, s:I, s:I}, s:o, s:o, s:I, s:I}",
	    "dossier", "id", (json_int_t)d.id, "programme_name", d.programme_name, "organisation_name",
	    d.organisation_name, "state", d.state, "validated", strcmp(d.state, "validated") == 0, "posts_granted",
	    (json_int_t)d.posts_granted, "posts_free", (json_int_t)quota_free(&q), "defaults", "job_profile_id",
	    (json_int_t)d.job_profile_id, "place_id", d.place_id, "weekly_hours", (json_int_t)db_int(db_cell(pr, 0, 2)),
	    "posts", (json_int_t)1, "job_profiles", rows_json(jp), "places", rows_json(pl), "contract_min_months",
	    (json_int_t)db_int(db_cell(pr, 0, 0)), "contract_max_months", (json_int_t)db_int(db_cell(pr, 0, 1)));
	return TR_OK;
}

tr_err
offer_filter_choices(struct ctx *ctx, json_t **out)
{
	struct db_rows *p, *j;
	tr_err err;

	if ((err = db_queryv(
	         ctx->db, ctx->arena, "SELECT id, name FROM programmes ORDER BY active DESC, name, id", &p)) != TR_OK ||
	    (err = db_queryv(ctx->db, ctx->arena,
	         "SELECT j.id, j.title, j.programme_id, p.name AS programme_name FROM job_profiles j JOIN programmes p "
	         "ON "
	         "p.id = j.programme_id WHERE j.active = 1 ORDER BY p.name, j.title, j.id",
	         &j)) != TR_OK)
		return ctx_storage_error(ctx, err);
	*out = json_pack("{s:o, s:o}", "programmes", rows_json(p), "job_profiles", rows_json(j));
	return TR_OK;
}
