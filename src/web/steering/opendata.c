/* Open data, public: the page /donnees (what is published, the licence, the statistical secrecy), the aggregates
 * in CSV with their TableSchema, the DCAT-AP catalogue, and the directory's daily dated file. */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/csv.h"
#include "core/export.h"
#include "core/time.h"
#include "domain/places/place.h"
#include "domain/steering/opendata.h"
#include "http/request.h"
#include "web/web.h"

#define OPENDATA_MAX (32 * 1024 * 1024)

static const char *
daily_name(struct request *req)
{
	return arena_printf(req->arena, "lieux-%s.csv", date_iso(req->arena, req->ctx.now));
}

void
web_opendata(struct request *req)
{
	json_t *data =
	    json_pack("{s:s, s:s, s:i}", "daily_href", arena_printf(req->arena, "/donnees/%s", daily_name(req)),
	        "daily_name", daily_name(req), "min_cell", OPENDATA_MIN_CELL);

	web_page(req, 200, "opendata.html", "Données ouvertes", data);
}

static void
send_json(struct request *req, json_t *j, const char *type)
{
	char *s = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);

	json_decref(j);
	buf_reset(&req->body);
	if (s == NULL || buf_puts(&req->body, s) != TR_OK) {
		free(s);
		resp_error(req, TR_INTERNAL, NULL);
		return;
	}
	free(s);
	req->status = 200;
	req->content_type_out = type;
}

/* The aggregates as CSV: the schema's columns, each measure an integer or "s". */
static void
send_aggregates(struct request *req)
{
	json_t *agg = NULL, *f;
	struct export_column *cols;
	size_t n, i;
	tr_err err = opendata_aggregates(&req->ctx, &agg);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	n = json_array_size(json_object_get(agg, "fields"));
	cols = arena_alloc(req->arena, sizeof(*cols) * n);
	json_array_foreach(json_object_get(agg, "fields"), i, f)
	{
		const char *name = json_string_value(json_object_get(f, "name"));
		/* Column headers are the field names, as the TableSchema describes them. */
		cols[i] = (struct export_column){ name, name, EXPORT_TEXT };
	}
	req->body.max = OPENDATA_MAX;
	buf_reset(&req->body);
	err = export_csv(cols, n, json_object_get(agg, "rows"), &req->body);
	json_decref(agg);
	if (err != TR_OK) {
		buf_reset(&req->body);
		resp_error(req, err, NULL);
		return;
	}
	req->status = 200;
	req->content_type_out = "text/csv; charset=utf-8";
	resp_header(req, "content-disposition", "attachment; filename=\"agregats.csv\"");
}

void
web_opendata_file(struct request *req)
{
	const char *name = req->sparams[0], *path;
	tr_err err;

	if (strcmp(name, "agregats.csv") == 0) {
		send_aggregates(req);
	} else if (strcmp(name, "agregats.schema.json") == 0) {
		send_json(req, opendata_schema(), "application/schema+json");
	} else if (strcmp(name, "catalogue.jsonld") == 0) {
		send_json(req,
		    opendata_catalogue(req->arena, req->ctx.cfg->base_url, date_iso(req->arena, req->ctx.now)),
		    "application/ld+json");
	} else if (strcmp(name, daily_name(req)) == 0) {
		/* The directory of the day, under its dated name. */
		if ((err = place_export_file(&req->ctx, PLACE_CSV, &path)) != TR_OK) {
			resp_error(req, err, NULL);
			return;
		}
		req->status = 200;
		req->content_type_out = "text/csv; charset=utf-8";
		req->body_file = path;
		resp_header(req, "content-disposition", arena_printf(req->arena, "attachment; filename=\"%s\"", name));
	} else {
		resp_error(req, TR_NOT_FOUND,
		    "Ce fichier n'existe pas : le fichier daté de l'annuaire est celui du jour, les autres sont listés "
		    "sur la "
		    "page des données ouvertes.");
	}
}
