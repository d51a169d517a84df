/* GET /api/v1/places (the search), GET /api/v1/places/{id} and POST /api/v1/places (a new place). */
#include "api/api.h"

#include "core/arena.h"
#include "domain/places/place_search.h"
#include "domain/places/place_view.h"

void
api_places(struct request *req)
{
	const struct place_index *idx;
	struct place_query q;
	struct place_results r;
	tr_err err = place_query_parse(&req->ctx, &req->query, &q);

	if (err == TR_OK)
		err = place_index_get(&req->ctx, &idx);
	if (err == TR_OK)
		err = place_search(&req->ctx, idx, &q, &r);
	if (err == TR_OK) {
		buf_reset(&req->body);
		err = place_results_json(&r, &req->body);
	}
	place_index_done();
	if (err != TR_OK) {
		api_error(req, err);
		return;
	}
	req->status = 200;
	req->content_type_out = "application/json; charset=utf-8";
}

void
api_place(struct request *req)
{
	const char *moved = NULL;
	json_t *out = NULL;
	tr_err err = place_view(&req->ctx, req->sparams[0], &out, NULL, &moved);

	if (err != TR_OK) {
		api_error(req, err);
		return;
	}
	if (moved != NULL) {
		resp_redirect(req, 301, arena_printf(req->arena, "/api/v1/places/%s", url_encode(req->arena, moved)));
		return;
	}
	resp_json(req, 200, out);
}

/* A place from the standard's field names and the extras (place_create); 201 with Location, the place as GET
 * /api/v1/places/{id} answers it, and likely_duplicates: [{id, nom, commune, reason}] the places it resembles. */
void
api_place_create(struct request *req)
{
	json_t *in = api_body(req), *out = NULL, *dups = NULL;
	const char *id = NULL, *moved = NULL;
	tr_err err;

	if (in == NULL)
		return;
	err = place_create(&req->ctx, in, &id);
	if (err == TR_OK)
		err = place_view(&req->ctx, id, &out, NULL, &moved);
	if (err == TR_OK)
		err = place_duplicates_of(&req->ctx, id, &dups);
	if (err != TR_OK) {
		json_decref(out);
		api_error(req, err);
		return;
	}
	json_object_set_new(out, "likely_duplicates", dups);
	resp_header(req, "location", arena_printf(req->arena, "/api/v1/places/%s", url_encode(req->arena, id)));
	resp_json(req, 201, out);
}
