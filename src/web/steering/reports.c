/* The annual reports' page (/pilotage/bilans): the versions kept, a form to generate one, each PDF. */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "domain/geo/refdata.h"
#include "domain/kernel/authz.h"
#include "domain/steering/annual_report.h"
#include "domain/steering/steering.h"
#include "http/request.h"
#include "web/web.h"

static int64_t
int_param(const char *s)
{
	long long v = 0;

	return s && sscanf(s, "%lld", &v) == 1 ? v : 0;
}

/* The page: the versions, then the form (with the errors of a refused generation when STATUS is 422). */
static void
reports_page(struct request *req, int status, int64_t programme_id, int64_t year, const char *region)
{
	json_t *list = NULL, *programmes = NULL, *regions = NULL, *it, *errors = json_array();
	size_t i;
	tr_err err = annual_report_list(&req->ctx, programme_id, req_page(req), &list);

	if (err == TR_OK)
		err = steer_programmes(&req->ctx, &programmes);
	if (err == TR_OK)
		err = region_list(&req->ctx, &regions);
	if (err != TR_OK) {
		json_decref(list);
		json_decref(programmes);
		json_decref(regions);
		json_decref(errors);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		json_object_set_new(it, "href",
		    json_string(arena_printf(req->arena, "/pilotage/bilans/%lld/pdf", (long long)web_int(it, "id"))));
		json_object_set_new(it, "data_text", json_string(date_fr_json(req, json_object_get(it, "data_at"))));
		json_object_set_new(
		    it, "created_text", json_string(date_fr_json(req, json_object_get(it, "created_at"))));
	}
	json_array_foreach(programmes, i, it)
	{
		if (web_int(it, "id") == programme_id)
			json_object_set_new(it, "selected", json_true());
	}
	json_array_foreach(regions, i, it)
	{
		if (region && strcmp(web_text(it, "code"), region) == 0)
			json_object_set_new(it, "selected", json_true());
	}
	for (size_t e = 0; e < req->ctx.errors.n; e++)
		json_array_append_new(errors, json_pack("{s:s}", "message", req->ctx.errors.items[e].message));
	if (req->ctx.message && json_array_size(errors) == 0 && status != 200)
		json_array_append_new(errors, json_pack("{s:s}", "message", req->ctx.message));
	web_page(req, status, "reports.html", "Bilans annuels",
	    json_pack("{s:o, s:o, s:o, s:I, s:o, s:b}", "list", list, "programmes", programmes, "regions", regions,
	        "year", (json_int_t)(year ? year : int_param(date_iso(req->arena, req->ctx.now)) - 1), "errors", errors,
	        "can_generate",
	        actor_has_any(req->ctx.actor,
	            ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_REGIONAL) | ROLE_BIT(ROLE_POLE))));
}

void
web_steering_reports(struct request *req)
{
	reports_page(req, 200, int_param(req_query(req, "programme")), 0, NULL);
}

void
web_steering_report_new(struct request *req)
{
	int64_t programme = int_param(req_form(req, "programme")), year = int_param(req_form(req, "year")), id = 0;
	const char *region = req_form(req, "region");
	tr_err err = annual_report_generate(&req->ctx, programme, year, region, &id);

	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/pilotage/bilans?programme=%lld", (long long)programme),
		    "report_created");
	else if (err == TR_INVALID)
		reports_page(req, 422, programme, year, region);
	else
		resp_error(req, err, NULL);
}

void
web_steering_report_pdf(struct request *req)
{
	json_t *meta = NULL;
	tr_err err;

	req->body.max = 0;
	buf_reset(&req->body);
	err = annual_report_get(&req->ctx, req->params[0], &meta, &req->body);
	if (!web_pdf(req, err, NULL))
		return;
	resp_header(req, "content-disposition",
	    arena_printf(req->arena, "attachment; filename=\"bilan-%lld-%s-v%lld.pdf\"",
	        (long long)web_int(meta, "year"),
	        web_opt_text(meta, "region_code") ? web_text(meta, "region_code") : "national",
	        (long long)web_int(meta, "id")));
	resp_header(req, "x-content-sha256", arena_strdup(req->arena, web_text(meta, "sha256")));
	json_decref(meta);
}
