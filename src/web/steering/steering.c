/* The steering pages: the dashboard (/pilotage), each figure drawn as an SVG chart computed here (geometry only;
 * every text goes through the templates' escaping) beside its table, and each figure's CSV and XLSX. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/export.h"
#include "domain/steering/steering.h"
#include "domain/geo/refdata.h"
#include "http/request.h"
#include "web/web.h"

#define CHART_W 560
#define LABEL_W 200
#define BAR_AREA 290
#define BAR_H 12
#define ROW_GAP 10
#define LINE_H 240
#define EXPORT_MAX (8 * 1024 * 1024)

/* The colours of the series (DSFR: blue France, its lighter tint, red Marianne) and their names in words. */
static const char *const series_fill[] = { "#000091", "#6a6af4", "#ce0500" };
static const char *const series_name[] = { "bleu foncé", "bleu clair", "rouge" };

/* A number in French: groups of three digits with a narrow no-break space, one decimal with a comma for a
 * rate; "—" for null. */
static const char *
web_steer_number(struct arena *a, json_t *v)
{
	char digits[32], s[96];
	size_t n, k = 0;

	if (json_is_real(v)) {
		char *t = arena_printf(a, "%.1f", json_real_value(v));
		char *dot = strchr(t, '.');
		if (dot)
			*dot = ',';
		return t;
	}
	if (!json_is_integer(v))
		return "—";
	n = (size_t)snprintf(digits, sizeof(digits), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	for (size_t i = 0; i < n; i++) {
		if (i > (digits[0] == '-') && (n - i) % 3 == 0) {
			memcpy(s + k, "\u202f", 3);
			k += 3;
		}
		s[k++] = digits[i];
	}
	return arena_strndup(a, s, k);
}

static double
num(json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : 0.0;
}

/* Which value columns the chart draws: not a share (%), and for durations not the count before them. */
static bool
charted(json_t *figure, size_t col)
{
	const char *label = json_string_value(json_array_get(json_object_get(figure, "columns"), col));

	if (label && strchr(label, '%'))
		return false;
	return !(strcmp(json_string_value(json_object_get(figure, "unit")), "jours") == 0 && col == 0);
}

/* A row's label as the chart can show it left of the bars (LABEL_W at 11 px): its first CHART_LABEL_MAX characters
 * and an ellipsis when longer (the table beside the chart has it whole). */
#define CHART_LABEL_MAX 32
static const char *
chart_label(struct arena *a, const char *s)
{
	size_t chars = 0, i = 0;

	for (; s[i] && chars < CHART_LABEL_MAX; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			chars++;
	while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
		i++;
	return s[i] ? arena_printf(a, "%.*s…", (int)i, s) : s;
}

/* Horizontal bars: per row its label, then one bar per charted column, its value after it. */
static json_t *
bars_chart(struct request *req, json_t *figure)
{
	json_t *rows = json_object_get(figure, "rows"), *bars = json_array(), *labels = json_array(),
	       *legend = json_array();
	size_t ncols = json_array_size(json_object_get(figure, "columns")), i, nseries = 0;
	double max = 0, y = 4;
	json_t *r;
	const char *text = json_string_value(json_object_get(figure, "title"));

	for (size_t m = 0; m < ncols; m++)
		if (charted(figure, m))
			nseries++;
	json_array_foreach(rows, i, r)
	{
		for (size_t m = 0; m < ncols; m++) {
			json_t *v = json_array_get(json_object_get(r, "values"), m);
			if (charted(figure, m) && json_is_integer(v) && num(v) > max)
				max = num(v);
		}
	}
	json_array_foreach(rows, i, r)
	{
		size_t s = 0;
		bool any = false;
		for (size_t m = 0; m < ncols; m++)
			any = any ||
			      (charted(figure, m) && json_is_integer(json_array_get(json_object_get(r, "values"), m)));
		if (!any)
			continue;
		json_array_append_new(
		    labels, json_pack("{s:f, s:s}", "y", y + BAR_H * (double)nseries / 2 + 4, "text",
		                chart_label(req->arena, json_string_value(json_object_get(r, "label")))));
		for (size_t m = 0; m < ncols; m++) {
			json_t *v = json_array_get(json_object_get(r, "values"), m);
			double w;
			if (!charted(figure, m))
				continue;
			w = max > 0 ? floor(BAR_AREA * num(v) / max) : 0;
			json_array_append_new(
			    bars, json_pack("{s:i, s:f, s:f, s:i, s:s, s:f, s:f, s:s}", "x", LABEL_W, "y", y, "w", w,
			              "h", BAR_H - 2, "fill", series_fill[s % 3], "tx", LABEL_W + w + 4, "ty",
			              y + BAR_H - 3, "value", web_steer_number(req->arena, v)));
			y += BAR_H;
			s++;
		}
		y += ROW_GAP;
	}
	for (size_t m = 0, s = 0; m < ncols; m++) {
		if (!charted(figure, m))
			continue;
		json_array_append_new(
		    legend, json_pack("{s:s, s:s, s:s}", "fill", series_fill[s % 3], "name", series_name[s % 3],
		                "label", json_string_value(json_array_get(json_object_get(figure, "columns"), m))));
		s++;
	}
	return json_pack("{s:b, s:i, s:f, s:o, s:o, s:o, s:s}", "bars_kind", 1, "w", CHART_W, "h", y + 4, "bars", bars,
	    "labels", labels, "legend", legend, "text",
	    arena_printf(req->arena, "Graphique en barres : %s. Les valeurs figurent dans le tableau qui suit.", text));
}

/* The curve of the first column and the dashed line of the second (the target), over the rows (months). */
static json_t *
line_chart(struct request *req, json_t *figure)
{
	json_t *rows = json_object_get(figure, "rows"), *r, *ticks = json_array(), *legend = json_array(), *top_value;
	size_t n = json_array_size(rows), i;
	double max = 1, left = 50, right = CHART_W - 10, top = 10, bottom = LINE_H - 30;
	const char *pts = "", *target = "", *pts_max;

	json_array_foreach(rows, i, r)
	{
		json_t *v = json_object_get(r, "values");
		max = fmax(max, fmax(num(json_array_get(v, 0)), num(json_array_get(v, 1))));
	}
	json_array_foreach(rows, i, r)
	{
		json_t *v = json_object_get(r, "values");
		double x = n > 1 ? left + (right - left) * (double)i / (double)(n - 1) : (left + right) / 2;
		double y0 = bottom - (bottom - top) * num(json_array_get(v, 0)) / max;
		double y1 = bottom - (bottom - top) * num(json_array_get(v, 1)) / max;
		pts = arena_printf(req->arena, "%s%.1f,%.1f ", pts, x, y0);
		target = arena_printf(req->arena, "%s%.1f,%.1f ", target, x, y1);
		if (n <= 12 || i % ((n + 11) / 12) == 0)
			json_array_append_new(ticks, json_pack("{s:f, s:f, s:s}", "x", x, "y", bottom + 16, "text",
			                                 json_string_value(json_object_get(r, "key")) + 5));
	}
	json_array_append_new(
	    legend, json_pack("{s:s, s:s, s:s}", "fill", series_fill[0], "name", "trait plein bleu", "label",
	                json_string_value(json_array_get(json_object_get(figure, "columns"), 0))));
	json_array_append_new(
	    legend, json_pack("{s:s, s:s, s:s}", "fill", series_fill[2], "name", "tirets rouges", "label",
	                json_string_value(json_array_get(json_object_get(figure, "columns"), 1))));
	top_value = json_integer((json_int_t)max);
	pts_max = web_steer_number(req->arena, top_value);
	json_decref(top_value);
	return json_pack("{s:b, s:i, s:i, s:s, s:s, s:o, s:f, s:f, s:f, s:s, s:o, s:s}", "line_kind", 1, "w", CHART_W,
	    "h", LINE_H, "points", pts, "target", target, "ticks", ticks, "left", left, "bottom", bottom, "right",
	    right, "max", pts_max, "legend", legend, "text",
	    arena_printf(req->arena, "Courbe : %s. Les valeurs figurent dans le tableau qui suit.",
	        json_string_value(json_object_get(figure, "title"))));
}

/* Adds to FIGURE what the page shows: the chart, the table's cells in French, the export links. */
static void
decorate(struct request *req, json_t *figure, const char *qs)
{
	json_t *r, *heads = json_array();
	size_t i, ncols = json_array_size(json_object_get(figure, "columns"));
	const char *id = json_string_value(json_object_get(figure, "id"));

	json_object_set_new(figure, "chart_data",
	    strcmp(json_string_value(json_object_get(figure, "chart")), "line") == 0 ? line_chart(req, figure)
	                                                                             : bars_chart(req, figure));
	for (i = 0; i < ncols; i++)
		json_array_append_new(
		    heads, json_pack("{s:O}", "text", json_array_get(json_object_get(figure, "columns"), i)));
	for (i = 0; i < ncols; i++)
		json_array_append_new(
		    heads, json_pack("{s:s}", "text",
		               arena_printf(req->arena, "%s (période précédente)",
		                   json_string_value(json_array_get(json_object_get(figure, "columns"), i)))));
	json_object_set_new(figure, "heads", heads);
	json_array_foreach(json_object_get(figure, "rows"), i, r)
	{
		json_t *cells = json_array();
		for (size_t m = 0; m < ncols; m++)
			json_array_append_new(
			    cells, json_pack("{s:s}", "text",
			               web_steer_number(req->arena, json_array_get(json_object_get(r, "values"), m))));
		for (size_t m = 0; m < ncols; m++)
			json_array_append_new(cells,
			    json_pack("{s:s}", "text",
			        web_steer_number(req->arena, json_array_get(json_object_get(r, "previous"), m))));
		json_object_set_new(r, "cells", cells);
	}
	json_object_set_new(
	    figure, "csv_href", json_string(arena_printf(req->arena, "/pilotage/%s/export.csv%s", id, qs)));
	json_object_set_new(
	    figure, "xlsx_href", json_string(arena_printf(req->arena, "/pilotage/%s/export.xlsx%s", id, qs)));
}

/* The query from the request: programme, du, au, region (web) or programme, from, to, region (API). */
static void
query_of(struct request *req, struct steer_query *q)
{
	const char *p = req_query(req, "programme");
	long long id = 0;

	memset(q, 0, sizeof(*q));
	if (p && *p)
		q->programme_id = sscanf(p, "%lld", &id) == 1 && id > 0 ? id : -1;
	q->from = req_query(req, "du");
	q->to = req_query(req, "au");
	if (q->from && !*q->from)
		q->from = NULL;
	if (q->to && !*q->to)
		q->to = NULL;
	q->region = req_query(req, "region");
}

static const char *
query_string(struct request *req, const struct steer_query *q)
{
	return arena_printf(req->arena, "?programme=%lld&du=%s&au=%s%s%s", (long long)q->programme_id, q->from, q->to,
	    q->region ? "&region=" : "", q->region ? q->region : "");
}

void
web_steering(struct request *req)
{
	struct steer_query q;
	json_t *data = NULL, *programmes = NULL, *regions = NULL, *s, *f, *p;
	size_t i, j;
	const char *qs;
	tr_err err;

	query_of(req, &q);
	err = steer_query_check(&req->ctx, &q);
	if (err == TR_OK)
		err = steer_dashboard(&req->ctx, &q, &data);
	if (err == TR_OK)
		err = steer_programmes(&req->ctx, &programmes);
	if (err == TR_OK)
		err = region_list(&req->ctx, &regions);
	if (err != TR_OK) {
		json_decref(data);
		json_decref(programmes);
		json_decref(regions);
		resp_error(req, err, NULL);
		return;
	}
	qs = query_string(req, &q);
	json_array_foreach(json_object_get(data, "sections"), i, s)
	{
		json_array_foreach(json_object_get(s, "figures"), j, f) decorate(req, f, qs);
	}
	json_array_foreach(programmes, i, p)
	{
		if (json_integer_value(json_object_get(p, "id")) == q.programme_id)
			json_object_set_new(p, "selected", json_true());
	}
	json_array_foreach(regions, i, p)
	{
		const char *code = json_string_value(json_object_get(p, "code"));
		if (q.region && code && strcmp(code, q.region) == 0)
			json_object_set_new(p, "selected", json_true());
	}
	json_object_set_new(data, "programmes", programmes);
	json_object_set_new(data, "regions", regions);
	json_object_set_new(data, "from", json_string(q.from));
	json_object_set_new(data, "to", json_string(q.to));
	json_object_set_new(data, "period_text",
	    json_string(arena_printf(req->arena, "du %s au %s", web_day_fr(req, q.from), web_day_fr(req, q.to))));
	json_object_set_new(data, "previous_text",
	    json_string(arena_printf(req->arena, "du %s au %s",
	        web_day_fr(req, json_string_value(json_object_get(json_object_get(data, "previous_period"), "from"))),
	        web_day_fr(req, json_string_value(json_object_get(json_object_get(data, "previous_period"), "to"))))));
	if (web_may_open(req, "/pilotage/bilans"))
		json_object_set_new(data, "reports_href",
		    json_string(
		        arena_printf(req->arena, "/pilotage/bilans?programme=%lld", (long long)q.programme_id)));
	web_page(req, 200, "dashboard.html", "Pilotage", data);
}

static void
send_figure(struct request *req, bool xlsx)
{
	const struct indicator *ind = steer_indicator(req->sparams[0]);
	const struct export_column *cols;
	struct steer_query q;
	json_t *fig = NULL, *rows;
	size_t ncols;
	tr_err err;

	if (ind == NULL) {
		resp_error(req, TR_NOT_FOUND, "Cet indicateur n'existe pas.");
		return;
	}
	query_of(req, &q);
	err = steer_query_check(&req->ctx, &q);
	if (err == TR_OK)
		err = steer_figure(&req->ctx, &q, ind, &fig);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	rows = steer_export_rows(&req->ctx, fig, &cols, &ncols);
	req->body.max = EXPORT_MAX;
	buf_reset(&req->body);
	err = xlsx ? export_xlsx(ind->title, cols, ncols, rows, &req->body)
	           : export_csv_sep(cols, ncols, rows, CSV_SEP_PEOPLE, &req->body);
	json_decref(rows);
	json_decref(fig);
	if (err != TR_OK) {
		buf_reset(&req->body);
		resp_error(req, err, NULL);
		return;
	}
	req->status = 200;
	req->content_type_out =
	    xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8";
	resp_header(req, "content-disposition",
	    arena_printf(
	        req->arena, "attachment; filename=\"%s_%s_%s.%s\"", ind->id, q.from, q.to, xlsx ? "xlsx" : "csv"));
}

void
web_steering_csv(struct request *req)
{
	send_figure(req, false);
}

void
web_steering_xlsx(struct request *req)
{
	send_figure(req, true);
}
