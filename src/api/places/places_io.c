/* The directory in the standard's formats: GET /api/v1/places.csv, .json and .geojson (public). */
#include "api/api.h"

#include "domain/places/place.h"

/* A full export is larger than an ordinary response (about 1 KB a place). */
#define EXPORT_RESPONSE_MAX (256u << 20)

static int
append_body(void *ud, const char *p, size_t n)
{
	return buf_append(ud, p, n) == TR_OK ? 0 : 1;
}

static void export(struct request *req, enum place_format format, const char *content_type)
{
	tr_err err;

	req->body.max = EXPORT_RESPONSE_MAX;
	err = place_export(&req->ctx, format, append_body, &req->body);
	if (err != TR_OK) {
		buf_reset(&req->body);
		api_error(req, err);
		return;
	}
	req->status = 200;
	req->content_type_out = content_type;
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
