/* The pages of the activity reports: the adviser's list and entry form (keyboard only, no script needed,
 * duration presets, « dupliquer le dernier »), edit and delete within the window, the statistics (figures,
 * a curve drawn by the server as SVG with its table, shares, territories; CSV and XLSX of what is shown), the
 * vocabularies national officers edit, the advisers without a report. */
#include "web/activity/activity.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/export.h"
#include "core/time.h"
#include "domain/activity/activity.h"
#include "domain/activity/activity_stats.h"
#include "domain/kernel/authz.h"
#include "model/activity/activity.h"
#include "web/web.h"

#define EXPORT_MAX (16u << 20)

/* ---- The form ---- */

/* A field object of field.html / group_field.html with every key set. KIND: "text", "number", "date",
 * "radio", "group", "select", "textarea". */
static json_t *
field(struct request *req, const char *name, const char *label, const char *hint, const char *kind, const char *value,
    bool required, json_t *options)
{
	const char *err = field_errors_get(&req->ctx.errors, name);
	bool text = strcmp(kind, "text") == 0 || strcmp(kind, "number") == 0 || strcmp(kind, "date") == 0;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:o, s:b, s:b, s:b, s:b, s:b, s:b, "
	                 "s:b, s:s}",
	    "id", name, "name", name, "label", label, "hint", hint ? hint : "", "type", text ? kind : "text", "value",
	    value ? value : "", "required", required, "error", err ? err : "", "autocomplete", "", "maxlength", 0,
	    "checked", false, "options", options ? options : json_array(), "is_text", text, "is_password", false,
	    "is_textarea", strcmp(kind, "textarea") == 0, "is_select", strcmp(kind, "select") == 0, "is_checkbox",
	    false, "is_radio", strcmp(kind, "radio") == 0, "is_group", strcmp(kind, "group") == 0, "group_hint",
	    hint ? hint : "");
}

/* Whether CODE is one of the '|'-joined LIST. */
static bool
in_list(const char *list, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = list ? list : ""; *p;) {
		size_t k = strcspn(p, "|");
		if (k == n && strncmp(p, code, n) == 0)
			return true;
		p += k + (p[k] == '|');
	}
	return false;
}

/* The options of FAMILY valid on TODAY (GROUP: only that grp, NULL: any), selected from the '|'-joined
 * SELECTED. */
static json_t *
options(json_t *vocab, const char *family, const char *group, const char *today, const char *selected)
{
	json_t *out = json_array(), *fam, *it;
	size_t i, j;

	json_array_foreach(vocab, i, fam)
	{
		if (strcmp(web_text(fam, "family"), family) != 0)
			continue;
		json_array_foreach(json_object_get(fam, "items"), j, it)
		{
			const char *to = web_opt_text(it, "valid_to"), *code = web_text(it, "code");
			if ((to && strcmp(to, today) < 0 && !in_list(selected, code)) ||
			    (group && strcmp(web_text(it, "grp"), group) != 0))
				continue;
			json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "value", code, "label",
			                               web_text(it, "label"), "selected", in_list(selected, code)));
		}
	}
	return out;
}

static const char *
int_text(struct request *req, json_t *v)
{
	if (json_is_integer(v))
		return arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
	return json_is_string(v) ? json_string_value(v) : "";
}

/* The sections of the entry form for VALUES (a report as the domain shows it, or the form sent back). */
static json_t *
form_sections(struct request *req, json_t *vocab, json_t *values)
{
	const char *today = date_iso(req->arena, req->ctx.now);
	json_t *sections = json_array(), *f, *durations = json_array(), *b;
	const char *duration = int_text(req, json_object_get(values, "duration_min"));
	bool preset = false;

	for (size_t i = 0; i < 6; i++) {
		const char *v = arena_printf(req->arena, "%d", activity_duration_presets[i]);
		bool sel = strcmp(v, duration) == 0;
		preset = preset || sel;
		json_array_append_new(
		    durations, json_pack("{s:s, s:s, s:b}", "value", v, "label",
		                   activity_duration_presets[i] < 60
		                       ? arena_printf(req->arena, "%d min", activity_duration_presets[i])
		                       : arena_printf(req->arena, "%d h%s", activity_duration_presets[i] / 60,
		                             activity_duration_presets[i] % 60 ? " 30" : ""),
		                   "selected", sel));
	}
	f = json_array();
	json_array_append_new(
	    f, field(req, "session_on", "Date de la séance", "Format : AAAA-MM-JJ", "date",
	           web_opt_text(values, "session_on") ? web_text(values, "session_on") : today, true, NULL));
	json_array_append_new(f, field(req, "type", "Type de séance", NULL, "radio", NULL, true,
	                             options(vocab, "type", NULL, today, web_text(values, "type"))));
	json_array_append_new(f, field(req, "place_kind", "Lieu de la séance", NULL, "radio", NULL, true,
	                             options(vocab, "place", NULL, today, web_text(values, "place_kind"))));
	{
		/* The commune typed by its name (the picker of FT_COMMUNE fields). */
		json_t *c = field(req, "commune_code", "Commune de la séance",
		    "Tapez son nom, par exemple Valence ; laissez vide pour un lieu de l'annuaire.", "text",
		    web_text(values, "commune_code"), false, NULL);
		web_picker_field(
		    req, entity_field(&entity_activity, "commune_code"), c, web_text(values, "commune_code"));
		json_array_append_new(f, c);
	}
	{
		/* The place typed by its name, the employer's places suggested (the picker of FT_PLACE fields). */
		json_t *c = field(req, "place_id", "Lieu de l'annuaire",
		    "Pour une séance dans un lieu de l'annuaire : tapez son nom, vos lieux sont proposés.", "text",
		    web_text(values, "place_id"), false, NULL);
		web_picker_field(req, entity_field(&entity_activity, "place_id"), c, web_text(values, "place_id"));
		json_array_append_new(f, c);
	}
	json_array_append_new(sections, json_pack("{s:s, s:o}", "title", "La séance", "fields", f));
	f = json_array();
	json_array_append_new(f, field(req, "duration_min", "Durée", NULL, "radio", NULL, false, durations));
	json_array_append_new(f, field(req, "duration_other", "Autre durée (minutes)", "De 1 à 480 minutes.", "number",
	                             preset ? "" : duration, false, NULL));
	json_array_append_new(f, field(req, "participants", "Nombre de participants", "De 1 à 100.", "number",
	                             *int_text(req, json_object_get(values, "participants"))
	                                 ? int_text(req, json_object_get(values, "participants"))
	                                 : "1",
	                             true, NULL));
	json_array_append_new(f, field(req, "already", "Dont déjà accompagnés", NULL, "number",
	                             int_text(req, json_object_get(values, "already")), false, NULL));
	json_array_append_new(sections, json_pack("{s:s, s:o}", "title", "Durée et participants", "fields", f));
	/* The breakdowns: one number a code; what is left blank counts as « non communiqué ». */
	for (size_t k = 0; k < 3; k++) {
		const struct activity_breakdown *bd = &activity_breakdowns[k];
		json_t *opts =
		    options(vocab, bd->family, strcmp(bd->family, "age") == 0 ? "actuelle" : NULL, today, "");
		json_t *it;
		size_t i;
		b = json_object_get(values, bd->member);
		f = json_array();
		json_array_foreach(opts, i, it)
		{
			const char *code = web_text(it, "value");
			json_t *v = json_is_object(b) ? json_object_get(b, code) : NULL;
			if (strcmp(code, ACTIVITY_NOT_GIVEN) == 0)
				continue;
			json_array_append_new(
			    f, field(req, arena_printf(req->arena, "%s_%s", bd->family, code), web_text(it, "label"),
			           NULL, "number", v && json_integer_value(v) ? int_text(req, v) : "", false, NULL));
		}
		json_decref(opts);
		json_array_append_new(sections,
		    json_pack("{s:s, s:s, s:o}", "title", bd->label, "hint",
		        "Facultatif : les participants non comptés ici sont « non communiqués ».", "fields", f));
	}
	f = json_array();
	json_array_append_new(f, field(req, "themes", "Thèmes", "Un ou plusieurs.", "group", NULL, true,
	                             options(vocab, "theme", "numerique", today, web_text(values, "themes"))));
	json_array_append_new(f, field(req, "themes_admin", "Démarches administratives", NULL, "group", NULL, false,
	                             options(vocab, "theme", "administratif", today, web_text(values, "themes"))));
	json_object_set_new(json_array_get(f, 1), "name", json_string("themes"));
	json_array_append_new(f, field(req, "equipment", "Matériel utilisé", NULL, "group", NULL, false,
	                             options(vocab, "equipment", NULL, today, web_text(values, "equipment"))));
	json_array_append_new(f, field(req, "autonomy", "Niveau d'autonomie", NULL, "radio", NULL, false,
	                             options(vocab, "autonomy", NULL, today, web_text(values, "autonomy"))));
	json_array_append_new(sections, json_pack("{s:s, s:o}", "title", "Contenu", "fields", f));
	f = json_array();
	json_array_append_new(f, field(req, "workshop_title", "Titre de l'atelier", NULL, "text",
	                             web_text(values, "workshop_title"), false, NULL));
	json_array_append_new(f, field(req, "workshop_level", "Niveau de l'atelier", NULL, "select", NULL, false,
	                             options(vocab, "level", NULL, today, web_text(values, "workshop_level"))));
	json_array_append_new(sections, json_pack("{s:s, s:o}", "title", "Atelier collectif", "fields", f));
	f = json_array();
	json_array_append_new(
	    f, field(req, "followups", "L'accompagnement va-t-il être poursuivi ?", NULL, "group", NULL, false,
	           options(vocab, "followup", NULL, today, web_text(values, "followups"))));
	json_array_append_new(
	    f, field(req, "redirect_kind", "Type de structure de redirection", NULL, "select", NULL, false,
	           options(vocab, "redirect", NULL, today, web_text(values, "redirect_kind"))));
	json_array_append_new(f, field(req, "redirect_body", "Organisme de redirection",
	                             "Par exemple : CAF, France Services, Mission locale.", "text",
	                             web_text(values, "redirect_body"), false, NULL));
	json_array_append_new(f, field(req, "notes", "Notes (privées)", "Visibles de vous seul, jamais exportées.",
	                             "textarea", web_text(values, "notes"), false, NULL));
	json_array_append_new(sections, json_pack("{s:s, s:o}", "title", "Suites et notes", "fields", f));
	return sections;
}

/* The report the form sent, as the domain takes it. */
static json_t *
form_input(struct request *req, json_t *vocab)
{
	static const char *const plain[] = { "session_on", "type", "place_kind", "commune_code", "place_id",
		"participants", "already", "autonomy", "workshop_title", "workshop_level", "redirect_kind",
		"redirect_body", "notes" };
	static const char *const multi[] = { "themes", "equipment", "followups" };
	json_t *in = json_object();
	const char *other = req_form(req, "duration_other"), *preset = req_form(req, "duration_min");
	long long participants = 0;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const char *v = req_form(req, plain[i]);
		if (v && *v)
			json_object_set_new(in, plain[i], json_string(v));
	}
	if (other && *other)
		json_object_set_new(in, "duration_min", json_string(other));
	else if (preset && *preset)
		json_object_set_new(in, "duration_min", json_string(preset));
	for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		const char *list = "";
		for (size_t k = 0; k < req->form.n; k++)
			if (str_eq_c(req->form.items[k].name, multi[i]) && req->form.items[k].value.n)
				list = arena_printf(req->arena, "%s%s%.*s", list, *list ? "|" : "",
				    (int)req->form.items[k].value.n, req->form.items[k].value.p);
		if (*list)
			json_object_set_new(in, multi[i], json_string(list));
	}
	web_pickers_resolve(req, &entity_activity, in);
	(void)str_to_i64(str_c(web_text(in, "participants")), &participants);
	/* Breakdowns: the numbers typed, the rest « non communiqué ». */
	for (size_t k = 0; k < 3; k++) {
		const struct activity_breakdown *bd = &activity_breakdowns[k];
		json_t *o = json_object(), *fam, *it;
		long long sum = 0;
		size_t i, j;
		json_array_foreach(vocab, i, fam)
		{
			if (strcmp(web_text(fam, "family"), bd->family) != 0)
				continue;
			json_array_foreach(json_object_get(fam, "items"), j, it)
			{
				const char *v =
				    req_form(req, arena_printf(req->arena, "%s_%s", bd->family, web_text(it, "code")));
				long long n;
				if (v && *v) {
					if (str_to_i64(str_c(v), &n)) {
						json_object_set_new(o, web_text(it, "code"), json_integer(n));
						sum += n;
					} else {
						json_object_set_new(o, web_text(it, "code"), json_string(v));
					}
				}
			}
		}
		if (json_object_size(o) && participants > sum && json_object_get(o, ACTIVITY_NOT_GIVEN) == NULL)
			json_object_set_new(o, ACTIVITY_NOT_GIVEN, json_integer(participants - sum));
		json_object_set_new(in, bd->member, o);
	}
	return in;
}

static void
form_page(struct request *req, int status, const char *title, const char *action, json_t *values, int64_t version,
    bool duplicated)
{
	json_t *vocab = NULL, *data, *summary = json_array();
	tr_err err = activity_vocab_list(&req->ctx, &vocab);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	for (size_t i = 0; i < req->ctx.errors.n; i++)
		json_array_append_new(summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field,
		                                   "message", req->ctx.errors.items[i].message));
	data = json_pack("{s:s, s:s, s:o, s:o, s:I, s:b, s:b}", "title", title, "action", action, "sections",
	    form_sections(req, vocab, values), "errors_summary", summary, "version", (json_int_t)version, "is_edit",
	    version > 0, "duplicated", duplicated);
	if (req->ctx.message)
		json_object_set_new(data, "message", json_string(req->ctx.message));
	json_decref(vocab);
	web_page(req, status, "activity_report_form.html",
	    req->ctx.errors.n ? arena_printf(req->arena, "Erreur : %s", title) : title, data);
}

void
web_activity_new_form(struct request *req)
{
	json_t *last = NULL;
	const char *dup = req_query(req, "dupliquer");
	bool duplicated = false;

	if (dup && strcmp(dup, "1") == 0 && activity_last(&req->ctx, &last) == TR_OK) {
		json_object_del(last, "session_on");
		json_object_del(last, "notes");
		duplicated = true;
	}
	req->ctx.message = NULL;
	form_page(req, 200, "Nouveau compte rendu d'activité", "/activite/nouveau", last, 0, duplicated);
	json_decref(last);
}

static int64_t
form_version(struct request *req)
{
	long long v = 0;
	const char *s = req_form(req, "version");

	return s && str_to_i64(str_c(s), &v) && v > 0 ? v : 0;
}

/* POST of the report's form: a new report, or (EDITING) the changes to report req->params[0] at the version
 * sent; the form again with 422 (its errors) or, for a change, 409 (changed meanwhile). */
static void
submit(struct request *req, bool editing)
{
	json_t *vocab = NULL, *in;
	int64_t id = 0, version = editing ? form_version(req) : 0;
	const char *title = editing ? "Modifier le compte rendu" : "Nouveau compte rendu d'activité";
	const char *path = editing ? arena_printf(req->arena, "/activite/%lld/modifier", (long long)req->params[0])
	                           : "/activite/nouveau";
	tr_err err = activity_vocab_list(&req->ctx, &vocab);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	in = form_input(req, vocab);
	json_decref(vocab);
	err = editing ? activity_update(&req->ctx, req->params[0], version, in) : activity_create(&req->ctx, in, &id);
	if (err == TR_OK) {
		json_decref(in);
		web_done(req, "/activite", "activity_saved");
		return;
	}
	if (err != TR_INVALID && !(editing && err == TR_CONFLICT)) {
		json_decref(in);
		resp_error(req, err, NULL);
		return;
	}
	form_page(req, err == TR_CONFLICT ? 409 : 422, title, path, in, version, false);
	json_decref(in);
}

void
web_activity_new(struct request *req)
{
	submit(req, false);
}

void
web_activity_edit_form(struct request *req)
{
	json_t *r = NULL;
	tr_err err = activity_get(&req->ctx, req->params[0], &r);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	if (!json_is_true(json_object_get(r, "can_edit"))) {
		json_decref(r);
		resp_error(req, TR_FORBIDDEN, "Ce compte rendu ne peut plus être modifié.");
		return;
	}
	form_page(req, 200, "Modifier le compte rendu",
	    arena_printf(req->arena, "/activite/%lld/modifier", (long long)req->params[0]), r, web_int(r, "version"),
	    false);
	json_decref(r);
}

void
web_activity_edit(struct request *req)
{
	submit(req, true);
}

void
web_activity_delete(struct request *req)
{
	tr_err err = activity_delete(&req->ctx, req->params[0], form_version(req));

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_done(req, "/activite", "activity_deleted");
}

/* ---- The list ---- */

void
web_activity_home(struct request *req)
{
	struct activity_filter f = { .from = req_query(req, "du"), .to = req_query(req, "au"), .page = req_page(req) };
	json_t *list = NULL, *it, *data;
	int64_t org = 0;
	bool adviser;
	size_t i;
	tr_err err;

	adviser = activity_adviser_org(&req->ctx, req->ctx.actor->person_id, &org) == TR_OK;
	req->ctx.message = NULL;
	f.mine = adviser;
	f.per_page = 50;
	if ((err = activity_list(&req->ctx, &f, &list)) != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		json_object_set_new(it, "edit_href",
		    json_string(json_is_true(json_object_get(it, "can_edit"))
		                    ? arena_printf(req->arena, "/activite/%lld/modifier", (long long)web_int(it, "id"))
		                    : ""));
		json_object_set_new(it, "delete_action",
		    json_string(json_is_true(json_object_get(it, "can_edit"))
		                    ? arena_printf(req->arena, "/activite/%lld/supprimer", (long long)web_int(it, "id"))
		                    : ""));
	}
	data = json_pack("{s:O, s:I, s:b, s:b}", "items", json_object_get(list, "items"), "total",
	    (json_int_t)web_int(list, "total"), "is_adviser", adviser, "sees_reminders",
	    actor_has_any(req->ctx.actor,
	        ACTIVITY_NATIONAL | ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_REGIONAL)));
	json_object_set_new(data, "is_editor", json_boolean(actor_has_any(req->ctx.actor, ACTIVITY_EDITORS)));
	json_decref(list);
	web_page(req, 200, "activity_home.html",
	    adviser ? "Mes comptes rendus d'activité" : "Comptes rendus d'activité", data);
}

void
web_activity_export_csv(struct request *req)
{
	tr_err err;

	req->body.max = EXPORT_MAX;
	buf_reset(&req->body);
	if ((err = activity_export_csv(&req->ctx, &req->body)) != TR_OK) {
		buf_reset(&req->body);
		resp_error(req, err, NULL);
		return;
	}
	req->status = 200;
	req->content_type_out = "text/csv; charset=utf-8";
	resp_header(req, "content-disposition", "attachment; filename=\"mes-comptes-rendus.csv\"");
}

/* ---- Statistics ---- */

#define CHART_W 720
#define CHART_H 240
#define CHART_PAD 30

/* The curve as bars: {chart_w, chart_h, bars: [{x, y, w, h, label, sessions}], max}. */
static json_t *
chart(struct request *req, json_t *curve)
{
	size_t n = json_array_size(curve), i;
	int64_t max = 1;
	json_t *bars = json_array(), *pt;
	double w;

	json_array_foreach(curve, i, pt) if (web_int(pt, "sessions") > max) max = web_int(pt, "sessions");
	w = n ? (double)(CHART_W - 2 * CHART_PAD) / (double)n : 0;
	json_array_foreach(curve, i, pt)
	{
		int64_t h = web_int(pt, "sessions") * (CHART_H - 2 * CHART_PAD) / max;
		json_array_append_new(bars,
		    json_pack("{s:s, s:s, s:s, s:I}", "x", arena_printf(req->arena, "%.1f", CHART_PAD + w * (double)i),
		        "w", arena_printf(req->arena, "%.1f", w > 2 ? w - 1 : w), "y",
		        arena_printf(req->arena, "%lld", (long long)(CHART_H - CHART_PAD - h)), "h", (json_int_t)h));
	}
	return json_pack("{s:i, s:i, s:o, s:I, s:i, s:i}", "chart_w", CHART_W, "chart_h", CHART_H, "bars", bars, "max",
	    (json_int_t)max, "base_y", CHART_H - CHART_PAD, "pad", CHART_PAD);
}

static const struct export_column stats_columns[] = {
	{ "section", "Rubrique", EXPORT_TEXT },
	{ "label", "Libellé", EXPORT_TEXT },
	{ "value", "Valeur", EXPORT_INT },
	{ "pct", "Part (%)", EXPORT_INT },
	{ "previous", "Période précédente", EXPORT_INT },
	{ "year_before", "Un an avant", EXPORT_INT },
};

static void
row(json_t *rows, const char *section, const char *label, json_t *value, json_t *pct, json_t *prev, json_t *year)
{
	json_array_append_new(
	    rows, json_pack("{s:s, s:s, s:O, s:O, s:O, s:O}", "section", section, "label", label, "value",
	              value ? value : json_null(), "pct", pct ? pct : json_null(), "previous",
	              prev ? prev : json_null(), "year_before", year ? year : json_null()));
}

/* The figures as rows of one table: what the page shows, for CSV and XLSX. */
static json_t *
stats_rows(json_t *s)
{
	static const struct {
		const char *key, *label;
	} totals[] = { { "sessions", "Séances" }, { "accompaniments", "Accompagnements" }, { "workshops", "Ateliers" },
		{ "workshop_participants", "Participants aux ateliers" }, { "new", "Nouvelles personnes" },
		{ "already", "Déjà accompagnées" }, { "hours", "Heures" } };
	json_t *rows = json_array(), *p = json_object_get(s, "periods"), *sh, *it;
	json_t *cur = json_object_get(p, "current"), *prev = json_object_get(p, "previous"),
	       *year = json_object_get(p, "year_before");
	size_t i, j;

	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
		row(rows, "Chiffres", totals[i].label, json_object_get(cur, totals[i].key), NULL,
		    json_object_get(prev, totals[i].key), json_object_get(year, totals[i].key));
	json_array_foreach(json_object_get(s, "shares"), i, sh)
	{
		json_array_foreach(json_object_get(sh, "items"), j, it) row(rows, web_text(sh, "label"),
		    web_text(it, "label"), json_object_get(it, "n"), json_object_get(it, "pct"), NULL, NULL);
	}
	json_array_foreach(json_object_get(json_object_get(s, "territories"), "items"), i, it) row(rows,
	    "Territoires (lieu de la séance)", web_text(it, "name"), json_object_get(it, "sessions"), NULL, NULL, NULL);
	json_array_foreach(json_object_get(s, "curve"), i, it)
	    row(rows, "Courbe", web_text(it, "label"), json_object_get(it, "sessions"), NULL, NULL, NULL);
	return rows;
}

static json_t *
select_options(struct request *req, const char *const *values, const char *const *labels, size_t n, const char *cur)
{
	json_t *out = json_array();

	(void)req;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "value", values[i], "label", labels[i],
		                               "selected", cur && strcmp(cur, values[i]) == 0));
	return out;
}

void
web_activity_stats(struct request *req)
{
	static const char *const levels[] = { "national", "region", "departement", "structure", "adviser" };
	static const char *const level_labels[] = { "France entière", "Région", "Département", "Structure",
		"Conseiller" };
	static const char *const sides[] = { "session", "employer" };
	static const char *const side_labels[] = { "Lieu de la séance", "Territoire de la structure employeuse" };
	static const char *const curves[] = { "day", "week", "month" };
	static const char *const curve_labels[] = { "Par jour", "Par semaine", "Par mois" };
	struct activity_query q = { .level = req_query(req, "niveau"),
		.code = req_query(req, "code"),
		.side = req_query(req, "territoire"),
		.from = req_query(req, "du"),
		.to = req_query(req, "au"),
		.curve = req_query(req, "courbe") };
	const char *format = req_query(req, "format"), *id = req_query(req, "id");
	long long n = 0;
	json_t *s = NULL, *data;
	tr_err err;

	if (id && str_to_i64(str_c(id), &n))
		q.id = n;
	err = activity_stats(&req->ctx, &q, &s);
	if (err != TR_OK && err != TR_INVALID) {
		resp_error(req, err, NULL);
		return;
	}
	if (err == TR_OK && format && (strcmp(format, "csv") == 0 || strcmp(format, "xlsx") == 0)) {
		bool xlsx = strcmp(format, "xlsx") == 0;
		json_t *rows = stats_rows(s);
		req->body.max = EXPORT_MAX;
		buf_reset(&req->body);
		err = xlsx ? export_xlsx("Statistiques", stats_columns, 6, rows, &req->body)
		           : export_csv_sep(stats_columns, 6, rows, CSV_SEP_PEOPLE, &req->body);
		json_decref(rows);
		json_decref(s);
		if (err != TR_OK) {
			buf_reset(&req->body);
			resp_error(req, err, NULL);
			return;
		}
		req->status = 200;
		req->content_type_out = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		                             : "text/csv; charset=utf-8";
		resp_header(req, "content-disposition",
		    xlsx ? "attachment; filename=\"statistiques-activite.xlsx\""
		         : "attachment; filename=\"statistiques-activite.csv\"");
		return;
	}
	data = json_object();
	if (s) {
		json_object_set_new(data, "stats", s);
		json_object_set_new(data, "chart", chart(req, json_object_get(s, "curve")));
		json_object_set_new(data, "export_query",
		    json_string(
		        arena_printf(req->arena, "niveau=%s&code=%s&id=%lld&territoire=%s&du=%s&au=%s&courbe=%s",
		            web_text(s, "level"), web_text(s, "code"), (long long)web_int(s, "id"), web_text(s, "side"),
		            web_text(s, "from"), web_text(s, "to"), web_text(s, "curve_unit"))));
	} else {
		json_t *summary = json_array();
		for (size_t i = 0; i < req->ctx.errors.n; i++)
			json_array_append_new(
			    summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field, "message",
			                 req->ctx.errors.items[i].message));
		json_object_set_new(data, "errors_summary", summary);
	}
	json_object_set_new(
	    data, "level_options", select_options(req, levels, level_labels, 5, s ? web_text(s, "level") : q.level));
	json_object_set_new(
	    data, "side_options", select_options(req, sides, side_labels, 2, s ? web_text(s, "side") : q.side));
	json_object_set_new(data, "curve_options",
	    select_options(req, curves, curve_labels, 3, s ? web_text(s, "curve_unit") : q.curve));
	json_object_set_new(data, "code", json_string(q.code ? q.code : ""));
	json_object_set_new(data, "id", json_string(id ? id : ""));
	json_object_set_new(data, "from", json_string(s ? web_text(s, "from") : (q.from ? q.from : "")));
	json_object_set_new(data, "to", json_string(s ? web_text(s, "to") : (q.to ? q.to : "")));
	web_page(req, err == TR_OK ? 200 : 422, "activity_stats.html",
	    err == TR_OK ? "Statistiques d'activité" : "Erreur : statistiques d'activité", data);
}

/* ---- Vocabularies ---- */

void
web_activity_vocab(struct request *req)
{
	json_t *vocab = NULL, *settings = NULL, *data;
	tr_err err = activity_vocab_list(&req->ctx, &vocab);

	if (err == TR_OK)
		err = activity_settings(&req->ctx, &settings);
	if (err != TR_OK) {
		json_decref(vocab);
		resp_error(req, err, NULL);
		return;
	}
	data = json_pack("{s:o, s:o, s:b}", "families", vocab, "settings", settings, "is_editor",
	    actor_has_any(req->ctx.actor, ACTIVITY_EDITORS));
	web_page(req, 200, "activity_vocab.html", "Vocabulaires des comptes rendus", data);
}

void
web_activity_vocab_post(struct request *req)
{
	const char *action = req_form(req, "action"), *family = req_form(req, "family"), *code = req_form(req, "code");
	json_t *in = json_object();
	tr_err err;

	if (action && strcmp(action, "retire") == 0) {
		err = activity_vocab_retire(
		    &req->ctx, family ? family : "", code ? code : "", req_form(req, "valid_to"), false);
	} else if (action && strcmp(action, "settings") == 0) {
		const char *w = req_form(req, "edit_window_days"), *first = req_form(req, "first_day");
		if (w && *w)
			json_object_set_new(in, "edit_window_days", json_string(w));
		if (first && *first)
			json_object_set_new(in, "first_day", json_string(first));
		err = activity_settings_put(&req->ctx, in);
	} else {
		const char *label = req_form(req, "label");
		if (label)
			json_object_set_new(in, "label", json_string(label));
		err = activity_vocab_put(&req->ctx, family ? family : "", code ? code : "", in);
	}
	json_decref(in);
	if (err != TR_OK) {
		if (err == TR_INVALID && req->ctx.errors.n)
			req->ctx.message = req->ctx.errors.items[0].message;
		resp_error(req, err == TR_INVALID ? TR_INVALID : err, NULL);
		return;
	}
	web_done(req, "/activite/vocabulaires", "activity_vocab_saved");
}

/* ---- Advisers without a report ---- */

void
web_activity_silent(struct request *req)
{
	json_t *items = NULL, *it;
	size_t i;
	tr_err err = activity_silent(&req->ctx, &items);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(items, i, it)
	{
		json_int_t d = web_int(it, "days");
		json_object_set_new(it, "silence",
		    json_string(json_is_null(json_object_get(it, "days")) ? "Aucun compte rendu"
		                : d >= 45 ? arena_printf(req->arena, "%lld jours (45 jours et plus)", (long long)d)
		                          : arena_printf(req->arena, "%lld jours", (long long)d)));
	}
	web_page(req, 200, "activity_silent.html", "Conseillers sans compte rendu", json_pack("{s:o}", "items", items));
}
