/* Job offers: a validated dossier opens as many posts as were granted; its structure publishes offers for one
 * post or several, edits them (version-checked, journaled), closes them by hand or sees them filled when their
 * contracts reach their posts, and reopens them. The public job board searches the open ones (by distance to a
 * point, job profile, département, région, programme).
 *
 * The posts quota of a dossier: the posts of its offers that are not closed, plus the posts already filled by
 * contracts of its closed offers, never exceed posts_granted. A post is filled by a contract that is not
 * cancelled and is not the renewal of another (a renewal keeps the same post).
 *
 * Who sees an offer: everybody while it is open or filled; once closed, the staff of its structure, the admins,
 * the national delegation and the regional officers and pole of its region. Who changes it: the employer staff of
 * its organisation. */
#ifndef TR_DOMAIN_OFFER_H
#define TR_DOMAIN_OFFER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/form.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/workflow.h"

#define OFFER_PER_PAGE 20
#define OFFER_PER_PAGE_MAX 200
#define OFFER_RADIUS_MAX_KM 500
#define OFFER_PAGE_MAX 100000

/* Creates an offer on dossier DOSSIER_ID (which must be validated) from IN (entity_offer's fields; left out:
 * the dossier's job profile and place, the programme's weekly hours, one post). The place's commune,
 * département, région and coordinates are copied into the offer. Employer staff of the dossier's organisation.
 * *ID receives the new id. TR_INVALID with the fields (the quota is a field error on posts, with the counts),
 * TR_FORBIDDEN, TR_NOT_FOUND, TR_CONFLICT when the dossier is not validated. */
TR_MUST_USE tr_err offer_create(struct ctx *ctx, int64_t dossier_id, json_t *in, int64_t *id);

/* Edits offer ID seen at VERSION from IN (absent members keep their value; null clears an optional one). Not
 * once closed (reopen it first). The posts stay within the quota and at least the contracts signed on it; the
 * state follows (open/filled). Journaled with the values before and after. TR_CONFLICT when VERSION is stale. */
TR_MUST_USE tr_err offer_update(struct ctx *ctx, int64_t id, int64_t version, json_t *in);

/* Applies ACTION to offer ID seen at VERSION: "close" (open or filled → closed; PAYLOAD {reason} required) or
 * "reopen" (closed → open, or filled when its contracts already fill it; within the quota, on a dossier still
 * validated). *NEW_VERSION (may be NULL) receives the version after. TR_NOT_FOUND for an unknown action,
 * TR_FORBIDDEN, TR_CONFLICT (stale, wrong state, quota), TR_INVALID (payload). */
TR_MUST_USE tr_err offer_act(struct ctx *ctx, int64_t id, const char *action, int64_t version, json_t *payload,
    int64_t *new_version, int64_t *new_id);

/* The action codes, NULL-terminated, and the French label of one (NULL when unknown). */
extern const char *const offer_actions[];
const char *offer_action_label(const char *action);

/* Inside the caller's open transaction (TR_INTERNAL otherwise): moves offer ID to filled when the contracts on
 * it that are not cancelled (renewals not counted) reach its posts, back to open when they fall below; a closed
 * offer stays closed. Bumps the version and journals the move; does nothing when the state is right. For the
 * contracts code, in the transaction that creates or cancels a contract. */
TR_MUST_USE tr_err offer_refresh_state(struct ctx *ctx, int64_t offer_id);

/* Offer ID as its reader may see it: its columns, labels (state, contract type, programme, job profile,
 * organisation, place, commune, département, région), posts_filled, can_edit and the actions the actor may take
 * ([{action, label, payload}]). TR_NOT_FOUND (also for a closed offer out of the reader's sight). Public. */
TR_MUST_USE tr_err offer_get(struct ctx *ctx, int64_t id, json_t **out);

/* The journal entries of offer ID, newest first; for those who may edit it. */
TR_MUST_USE tr_err offer_journal(struct ctx *ctx, int64_t id, json_t **out);

/* A search of the open offers, as offer_query_parse reads it. Strings live in the request's arena. */
struct offer_query {
	bool has_point; /* commune, or lat + lon */
	double lat, lon;
	double radius_km;          /* 0: none (with a point: every offer, nearest first, those without position last) */
	const char *commune_code;  /* the commune of the point, when given by `commune` */
	const char *commune_name;  /* its name */
	const char *departement;   /* NULL: any */
	const char *region;        /* NULL: any */
	int64_t job_profile_id;    /* 0: any */
	int64_t programme_id;      /* 0: any */
	int64_t organisation_id;   /* 0: any */
	bool newest_changes_first; /* without a point: by last change (feeds) rather than by publication */
	int64_t page, per_page;
};

/* Reads the search from PARAMS (a query string): commune (a name or an INSEE code: the point is its position),
 * lat and lon, radius_km (needs a point; up to OFFER_RADIUS_MAX_KM), job_profile_id, programme_id, departement,
 * region, page, per_page (up to OFFER_PER_PAGE_MAX). Empty values count as absent, unknown parameters are
 * ignored. TR_INVALID with a French field error named after each bad parameter. */
TR_MUST_USE tr_err offer_query_parse(struct ctx *ctx, const struct form *params, struct offer_query *q);

/* The open offers matching Q: {items, total, page, per_page}. With a point, each item has distance_km and they
 * come nearest first (the haversine distance in C over a bounding box read from the database); otherwise newest
 * first. Items: id, title, start_on, contract_type (+ _label), duration_months, weekly_hours, posts, place_id,
 * place_nom, commune_code, commune_name, departement_code, region_code, latitude, longitude, programme_id,
 * programme_name, job_profile_id, job_profile_title, organisation_id, organisation_name, description,
 * how_to_apply, created_at, updated_at. Public. */
TR_MUST_USE tr_err offer_search(struct ctx *ctx, const struct offer_query *q, json_t **out);

/* The structure's side: for each dossier of the actor's employer organisations that is validated or has
 * offers, {id, programme_name, state, state_label, place_nom, posts_granted, posts_offered (open and filled
 * offers), posts_filled (contracts), posts_free, can_publish, offers: [{id, title, state, state_label, posts,
 * posts_filled, start_on, contract_type}]}, newest dossier first. TR_FORBIDDEN for anyone but employer staff. */
TR_MUST_USE tr_err offer_structure_overview(struct ctx *ctx, json_t **out);

/* What the form of an offer on dossier DOSSIER_ID offers to choose, for its employer staff: {dossier: {id,
 * programme_name, posts_granted, posts_free}, defaults: {job_profile_id, place_id, weekly_hours, posts},
 * job_profiles: [{id, title}] (active ones of the programme), places: [{id, nom, commune}] (the organisation's),
 * contract_min_months, contract_max_months}. TR_FORBIDDEN, TR_NOT_FOUND. */
TR_MUST_USE tr_err offer_form_choices(struct ctx *ctx, int64_t dossier_id, json_t **out);

/* What the job board's form offers to filter on: {programmes: [{id, name}], job_profiles: [{id, title,
 * programme_id, programme_name}]} (active job profiles, by programme then title). Public. */
TR_MUST_USE tr_err offer_filter_choices(struct ctx *ctx, json_t **out);

/* The great-circle distance in km between two points in degrees (haversine, mean Earth radius). */
double offer_distance_km(double lat1, double lon1, double lat2, double lon2);

/* The bounding box (degrees) of the circle of RADIUS_KM around (LAT, LON): *HAS_LON false when the circle
 * reaches a pole or the antimeridian, so that only latitudes can be bounded. */
void offer_bbox(double lat, double lon, double radius_km, double *lat_min, double *lat_max, double *lon_min,
    double *lon_max, bool *has_lon);

/* The offer's lifecycle on the engine (domain/kernel/workflow.h). */
extern const struct workflow offer_workflow;

#endif
