/* The skills grid of a contract (/contrats/{id}/grille): the levels over time, self beside tutor, as a
 * chart and as a table of the same figures; the assessment form; the CSV exports; the competences
 * (/competences) that national officers edit. */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/training/skills.h"
#include "model/training/skills.h"

static const struct vocab_item level_items[] = {
	{ "1", "Niveau 1" },
	{ "2", "Niveau 2" },
	{ "3", "Niveau 3" },
	{ "4", "Niveau 4" },
	{ "5", "Niveau 5" },
	{ "6", "Niveau 6" },
	{ "7", "Niveau 7" },
	{ "8", "Niveau 8" },
};
static const struct vocab vocab_level = { "level", level_items, 8 };

/* The chart of one competence: its width, and a point per assessment of each series. */
#define CHART_W 240
#define CHART_H 72
#define CHART_PAD 8

/* The assessment form: the fields of entity_assessment, then one level per competence of the grid
 * ("levels.<id>"), drawn by web_form from a table made for this grid. */
static json_t *
assessment_form(struct request *req, int64_t contract, json_t *competences, json_t *values)
{
	size_t n = json_array_size(competences), i;
	struct field *fields = arena_alloc(req->arena, sizeof(struct field) * (entity_assessment.nfields + n));
	struct entity *e = arena_alloc(req->arena, sizeof(*e));
	json_t *c;

	memcpy(fields, entity_assessment.fields, sizeof(struct field) * entity_assessment.nfields);
	json_array_foreach(competences, i, c)
	{
		struct field *f = &fields[entity_assessment.nfields + i];
		memset(f, 0, sizeof(*f));
		f->name =
		    arena_printf(req->arena, "levels.%lld", (long long)json_integer_value(json_object_get(c, "id")));
		f->label = arena_printf(req->arena, "%s %s", json_string_value(json_object_get(c, "code")),
		    json_string_value(json_object_get(c, "title")));
		f->hint = json_string_value(json_object_get(c, "domain"));
		f->type = FT_CHOICE;
		f->vocab = &vocab_level;
	}
	*e = (struct entity){ "assessment", "Évaluation", fields, entity_assessment.nfields + n };
	return web_form(req, e, values, arena_printf(req->arena, "/contrats/%lld/grille", (long long)contract),
	    "Enregistrer l'évaluation", NULL, NULL);
}

/* The points of SERIES ([{assessment_id, level}]) placed on the columns of ASSESSMENTS: *LINE receives them
 * as a polyline's "x,y x,y", and the result lists them as [{x, y}] for the dots (a single assessment draws
 * no line). */
static json_t *
points(struct request *req, json_t *series, json_t *assessments, const char **line)
{
	size_t na = json_array_size(assessments), i, k;
	json_t *dots = json_array(), *p, *a;

	*line = "";
	json_array_foreach(series, i, p)
	{
		int64_t aid = json_integer_value(json_object_get(p, "assessment_id"));
		int64_t level = json_integer_value(json_object_get(p, "level"));
		int x, y;
		json_array_foreach(assessments, k, a) if (json_integer_value(json_object_get(a, "id")) == aid) break;
		x = CHART_PAD +
		    (na > 1 ? (int)(k * (CHART_W - 2 * CHART_PAD) / (na - 1)) : (CHART_W - 2 * CHART_PAD) / 2);
		y = CHART_H - CHART_PAD - (int)((level - 1) * (CHART_H - 2 * CHART_PAD) / 7);
		*line = arena_printf(req->arena, "%s%s%d,%d", *line, **line ? " " : "", x, y);
		json_array_append_new(dots, json_pack("{s:i, s:i}", "x", x, "y", y));
	}
	return dots;
}

/* "3, 4 puis 6": the levels of a series, for the chart's text alternative. */
static const char *
spoken(struct request *req, json_t *series)
{
	const char *out = "";
	size_t i, n = json_array_size(series);
	json_t *p;

	if (n == 0)
		return "aucune évaluation";
	json_array_foreach(series, i, p) out = arena_printf(req->arena, "%s%s%lld", out,
	    i == 0       ? ""
	    : i + 1 == n ? " puis "
	                 : ", ",
	    (long long)json_integer_value(json_object_get(p, "level")));
	return out;
}

static void
grid_page(struct request *req, int status, json_t *values)
{
	int64_t id = req->params[0];
	json_t *g, *comps, *assessments, *c;
	size_t i;
	tr_err err = skills_grid(&req->ctx, id, &g);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	comps = json_object_get(g, "competences");
	assessments = json_object_get(g, "assessments");
	/* Each competence gets its row of the table (a cell per assessment) and its chart. */
	json_array_foreach(comps, i, c)
	{
		json_t *cells = json_array(), *a;
		size_t k;
		json_array_foreach(assessments, k, a)
		{
			const char *role = json_string_value(json_object_get(a, "assessor_role"));
			json_t *series = json_object_get(c, role), *p;
			size_t m;
			const char *level = "—";
			json_array_foreach(series, m, p) if (json_integer_value(json_object_get(p, "assessment_id")) ==
			                                     json_integer_value(json_object_get(a, "id"))) level =
			    arena_printf(
			        req->arena, "%lld", (long long)json_integer_value(json_object_get(p, "level")));
			json_array_append_new(cells, json_pack("{s:s}", "level", level));
		}
		json_object_set_new(c, "cells", cells);
		{
			const char *line;
			json_object_set_new(
			    c, "self_dots", points(req, json_object_get(c, "self"), assessments, &line));
			json_object_set_new(c, "self_points", json_string(line));
			json_object_set_new(
			    c, "tutor_dots", points(req, json_object_get(c, "tutor"), assessments, &line));
			json_object_set_new(c, "tutor_points", json_string(line));
		}
		json_object_set_new(c, "chart_text",
		    json_string(arena_printf(req->arena, "%s : autodiagnostic %s ; évaluation du tuteur %s.",
		        json_string_value(json_object_get(c, "title")), spoken(req, json_object_get(c, "self")),
		        spoken(req, json_object_get(c, "tutor")))));
	}
	json_object_set_new(g, "has_assessments", json_boolean(json_array_size(assessments) > 0));
	json_object_set_new(g, "chart_w", json_integer(CHART_W));
	json_object_set_new(g, "chart_h", json_integer(CHART_H));
	if (json_object_get(g, "can_assess_as") && !json_is_null(json_object_get(g, "can_assess_as")))
		json_object_set_new(g, "form", assessment_form(req, id, comps, values));
	json_object_set_new(
	    g, "csv_href", json_string(arena_printf(req->arena, "/contrats/%lld/grille.csv", (long long)id)));
	web_page(req, status, "skills.html",
	    req->ctx.errors.n ? "Erreur : grille d'autodiagnostic" : "Grille d'autodiagnostic", g);
}

void
web_skills_grid(struct request *req)
{
	grid_page(req, 200, NULL);
}

void
web_skills_assess(struct request *req)
{
	json_t *g, *in, *levels;
	int64_t id = req->params[0], aid;
	size_t i;
	json_t *c;
	tr_err err;

	/* The levels come as "levels.<competence id>" fields: gathered into one object for the domain. */
	if ((err = skills_grid(&req->ctx, id, &g)) != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	in = json_pack("{s:s?, s:s?, s:s?}", "moment", req_form(req, "moment"), "assessed_on",
	    req_form(req, "assessed_on"), "comment", req_form(req, "comment"));
	levels = json_object();
	json_array_foreach(json_object_get(g, "competences"), i, c)
	{
		long long cid = (long long)json_integer_value(json_object_get(c, "id"));
		const char *v = req_form(req, arena_printf(req->arena, "levels.%lld", cid));
		if (v && *v)
			json_object_set_new(levels, arena_printf(req->arena, "%lld", cid), json_string(v));
		if (v)
			json_object_set_new(in, arena_printf(req->arena, "levels.%lld", cid), json_string(v));
	}
	json_object_set_new(in, "levels", levels);
	err = skills_assess(&req->ctx, id, in, &aid);
	if (err == TR_INVALID) {
		/* "No level at all" is told on the first level's field, so that the error summary links to a control. */
		json_t *first = json_array_get(json_object_get(g, "competences"), 0);
		for (size_t k = 0; first && k < req->ctx.errors.n; k++)
			if (strcmp(req->ctx.errors.items[k].field, "levels") == 0)
				req->ctx.errors.items[k].field = arena_printf(req->arena, "levels.%lld",
				    (long long)json_integer_value(json_object_get(first, "id")));
		grid_page(req, 422, in);
	} else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/contrats/%lld/grille", (long long)id), "assessment_saved");
	json_decref(in);
	json_decref(g);
}

static void
send_csv(struct request *req, int64_t contract, const char *filename)
{
	struct buf csv = BUF_INIT(64u << 20);
	tr_err err = skills_export_csv(&req->ctx, contract, &csv);

	if (err != TR_OK) {
		buf_free(&csv);
		resp_error(req, err, NULL);
		return;
	}
	req->status = 200;
	req->content_type_out = "text/csv; charset=utf-8";
	resp_header(req, "Content-Disposition", arena_printf(req->arena, "attachment; filename=\"%s\"", filename));
	if (buf_append(&req->body, csv.p ? csv.p : "", csv.n) != TR_OK)
		resp_error(req, TR_TOO_LARGE, NULL);
	buf_free(&csv);
}

void
web_skills_grid_csv(struct request *req)
{
	send_csv(req, req->params[0], arena_printf(req->arena, "grille-contrat-%lld.csv", (long long)req->params[0]));
}

void
web_skills_all_csv(struct request *req)
{
	send_csv(req, 0, "grilles-autodiagnostic.csv");
}

/* /competences: the framework's and each job profile's; national officers add and edit. */
static void
competences_page(struct request *req, int status, json_t *values)
{
	json_t *data;
	bool editor = actor_has_any(req->ctx.actor, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN));
	tr_err err = skills_catalogue(&req->ctx, &data);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(data, "editor", json_boolean(editor));
	if (editor) {
		json_t *defaults = values ? json_incref(values) : json_pack("{s:b}", "active", 1);
		json_object_set_new(data, "form",
		    web_form(req, &entity_competence, defaults, "/competences", "Ajouter la compétence", NULL, NULL));
		json_decref(defaults);
	}
	web_page(req, status, "competences.html",
	    req->ctx.errors.n ? "Erreur : compétences" : "Compétences de la grille", data);
}

void
web_competences(struct request *req)
{
	competences_page(req, 200, NULL);
}

void
web_competence_create(struct request *req)
{
	json_t *in = req_form_object(req, &entity_competence);
	int64_t id;
	tr_err err = skills_competence_create(&req->ctx, in, &id);

	if (err == TR_INVALID)
		competences_page(req, 422, in);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/competences", "competence_created");
	json_decref(in);
}
