/* The directory in the standard's formats: GET /api/v1/places.csv, .json and .geojson (public). A full export
 * is a file built once per places_version (domain/places: place_export_file) and streamed from it; at most
 * server.export_concurrency are sent at once, past which 503 with Retry-After. */
#include "api/api.h"

#include <stdatomic.h>

#include "domain/places/place.h"

static atomic_int exports_in_flight;

static void
export_done(void *ud)
{
	(void)ud;
	atomic_fetch_sub(&exports_in_flight, 1);
}

static void export(struct request *req, enum place_format format, const char *content_type)
{
	const char *path;
	tr_err err;

	if (atomic_fetch_add(&exports_in_flight, 1) >= req->ctx.cfg->export_concurrency) {
		atomic_fetch_sub(&exports_in_flight, 1);
		resp_header(req, "retry-after", "30");
		resp_status(req, 503,
		    "Trop d'exports complets de l'annuaire sont en cours : réessayez dans une trentaine de secondes.");
		return;
	}
	/* Released when the last byte is sent, or on error right away. */
	req->on_done = export_done;
	err = place_export_file(&req->ctx, format, &path);
	if (err != TR_OK) {
		api_error(req, err);
		return;
	}
	req->status = 200;
	req->content_type_out = content_type;
	req->body_file = path;
}

void
api_places_csv(struct request *req)
{
	export(req, PLACE_CSV, "text/csv; charset=utf-8");
}

void
api_places_json(struct request *req)
{
	export(req, PLACE_JSON, "application/json");
}

void
api_places_geojson(struct request *req)
{
	export(req, PLACE_GEOJSON, "application/geo+json");
}
