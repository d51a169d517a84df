/* The pages of the resource poles: the poles (/poles, /poles/{id} with what the staff sees of its regions, the form
 * national officers use), the preliminary diagnosis of a dossier's EPN (/dossiers/{id}/diagnostic-prealable, and
 * the block of the dossier page), the resources library (/ressources) and the vivier of partner companies
 * (/vivier). */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/dossiers/dossier.h"
#include "domain/poles/partner.h"
#include "domain/poles/pole.h"
#include "domain/programmes/programme.h"
#include "domain/geo/refdata.h"
#include "domain/poles/resource.h"
#include "model/recruitment/contract.h"
#include "model/poles/pole.h"
#include "model/programmes/programme.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small helpers ---- */

/* The positive integer of the query or form value S, 0 otherwise. */
static int64_t
positive(struct str s)
{
	long long n = 0;

	return s.p != NULL && str_to_i64(s, &n) && n > 0 ? n : 0;
}

static int64_t
form_version(struct request *req)
{
	return positive(form_get(&req->form, "version"));
}

/* The strings of the JSON array A joined by SEP. */
static const char *
joined(struct request *req, json_t *a, const char *sep)
{
	const char *s = "";
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x) s = arena_printf(req->arena, "%s%s%s", s, i ? sep : "", json_string_value(x));
	return s;
}

/* The label of CODE in V, the code itself when unknown, "" for NULL. */
static const char *
label_of(const struct vocab *v, const char *code)
{
	const char *l = code ? vocab_label(v, code) : NULL;

	return l ? l : code ? code : "";
}

static json_t *
crumbs(const char *mid_href, const char *mid_label, const char *last)
{
	if (mid_href == NULL)
		return json_pack("[{s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "label", last);
	return json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", mid_href, "label",
	    mid_label, "label", last);
}

/* An option of a select or checkbox group. */
static json_t *
option(const char *value, const char *label, bool selected)
{
	return json_pack("{s:s, s:s, s:b}", "value", value, "label", label, "selected", selected);
}

/* The pager of a list answered as {total, page, per_page}, or nothing on a single page. */
static void
add_pager(struct request *req, json_t *list)
{
	int64_t total = web_int(list, "total"), page = web_int(list, "page"), per = web_int(list, "per_page");
	int64_t pages = per > 0 && total > 0 ? (total + per - 1) / per : 1;

	web_pager(req, list, page, pages, web_query_href, arena_strndup(req->arena, req->path.p, req->path.n));
}

/* Every field of FORM gets is_group (false); the one named NAME is returned (NULL when absent). */
static json_t *
form_field(json_t *form, const char *name)
{
	json_t *f, *found = NULL;
	size_t i;

	json_array_foreach(json_object_get(form, "fields"), i, f)
	{
		if (json_object_get(f, "is_group") == NULL)
			json_object_set_new(f, "is_group", json_false());
		if (strcmp(web_text(f, "name"), name) == 0)
			found = f;
	}
	return found;
}

/* Turns field F into a select (GROUP false) or a checkbox group (GROUP true) of OPTIONS (stolen). */
static void
make_choice(json_t *f, json_t *options, bool group)
{
	json_object_set_new(f, "options", options);
	json_object_set_new(f, "is_text", json_false());
	json_object_set_new(f, "is_select", json_boolean(!group));
	json_object_set_new(f, "is_group", json_boolean(group));
}

/* True when ID is among V: a '|'-joined string, or an array of integers, strings or {id} objects. */
static bool
has_id(json_t *v, int64_t id)
{
	size_t i;
	json_t *x;

	if (json_is_string(v)) {
		for (const char *p = json_string_value(v); *p;) {
			size_t n = strcspn(p, "|,");
			long long k = 0;
			if (str_to_i64((struct str){ p, n }, &k) && k == id)
				return true;
			p += n + (p[n] != '\0');
		}
		return false;
	}
	json_array_foreach(v, i, x)
	{
		json_t *e = json_is_object(x) ? json_object_get(x, "id") : x;
		long long k = 0;
		if ((json_is_integer(e) && json_integer_value(e) == id) ||
		    (json_is_string(e) && str_to_i64(str_c(json_string_value(e)), &k) && k == id))
			return true;
	}
	return false;
}

/* The values of the checkbox group NAME joined by '|'. */
static const char *
form_group(struct request *req, const char *name)
{
	struct str vals[128];
	size_t n = form_get_all(&req->form, name, vals, ARRAY_LEN(vals));
	const char *s = "";

	for (size_t i = 0; i < n && i < ARRAY_LEN(vals); i++)
		s = arena_printf(req->arena, "%s%s%.*s", s, *s ? "|" : "", (int)vals[i].n, vals[i].p);
	return s;
}

/* A form page with checkbox groups (programme_form.html, the one such page). */
static void
group_form_page(struct request *req, int status, const char *heading, const char *lead, json_t *form,
    const char *conflict, const char *reload)
{
	web_page(req, status, "programme_form.html",
	    req->ctx.errors.n || conflict ? arena_printf(req->arena, "Erreur : %s", heading) : heading,
	    json_pack("{s:s, s:s, s:o, s:s?, s:s?}", "heading", heading, "lead", lead ? lead : "", "form", form,
	        "conflict", conflict, "reload_href", reload));
}

/* ---- poles ---- */

void
web_poles(struct request *req)
{
	json_t *list = NULL, *it;
	size_t i;
	tr_err err = pole_list(&req->ctx, &list);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		int64_t id = web_int(it, "id");
		json_object_set_new(
		    it, "regions_text", json_string(joined(req, json_object_get(it, "region_names"), ", ")));
		json_object_set_new(it, "href",
		    json_string(json_is_true(json_object_get(it, "can_view"))
		                    ? arena_printf(req->arena, "/poles/%lld", (long long)id)
		                    : ""));
		json_object_set_new(it, "edit_href",
		    json_string(json_is_true(json_object_get(it, "can_edit"))
		                    ? arena_printf(req->arena, "/poles/%lld/modifier", (long long)id)
		                    : ""));
		if (!web_opt_text(it, "organisation_name"))
			json_object_set_new(it, "organisation_name", json_string("—"));
	}
	json_object_set_new(list, "breadcrumb", crumbs(NULL, NULL, "Pôles de ressources"));
	web_page(req, 200, "poles.html", "Pôles de ressources", list);
}

/* "du 1 septembre 2025 au 31 août 2026", "à partir du …", or "". */
static const char *
period(struct request *req, const char *from, const char *to)
{
	if (from && to)
		return arena_printf(req->arena, "du %s au %s", web_day_fr(req, from), web_day_fr(req, to));
	if (from)
		return arena_printf(req->arena, "à partir du %s", web_day_fr(req, from));
	return "";
}

static const char *
session_state_label(const char *s)
{
	static const struct vocab_item items[] = {
		{ "open", "Inscriptions ouvertes" },
		{ "full", "Complète" },
		{ "closed", "Inscriptions closes" },
		{ "cancelled", "Annulée" },
		{ "done", "Terminée" },
		{ "completed", "Terminée" },
	};
	static const struct vocab v = { "session_state", items, ARRAY_LEN(items) };

	return label_of(&v, s);
}

static const char *
audience_label(const char *s)
{
	static const struct vocab_item items[] = {
		{ "tutor", "Tuteurs" },
		{ "tutors", "Tuteurs" },
		{ "recruit", "Jeunes recrutés" },
		{ "recruits", "Jeunes recrutés" },
		{ "module", "Jeunes recrutés" },
	};
	static const struct vocab v = { "audience", items, ARRAY_LEN(items) };

	return label_of(&v, s);
}

void
web_pole(struct request *req)
{
	json_t *p = NULL, *it;
	size_t i;
	tr_err err = pole_get(&req->ctx, req->params[0], &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(p, "regions_text", json_string(joined(req, json_object_get(p, "region_names"), ", ")));
	if (json_array_size(json_object_get(p, "regions_seen")) < json_array_size(json_object_get(p, "region_names"))) {
		const char *seen = "";
		json_array_foreach(json_object_get(p, "regions_seen"), i, it) seen =
		    arena_printf(req->arena, "%s%s%s", seen, i ? ", " : "", web_text(it, "name"));
		json_object_set_new(p, "partial", json_string(seen));
	}
	if (!web_opt_text(p, "organisation_name"))
		json_object_set_new(p, "organisation_name", json_string("—"));
	if (json_is_true(json_object_get(p, "can_edit")))
		json_object_set_new(p, "edit_href",
		    json_string(arena_printf(req->arena, "/poles/%lld/modifier", (long long)req->params[0])));
	json_array_foreach(json_object_get(p, "staff"), i, it) json_object_set_new(
	    it, "regions_text", json_string(joined(req, json_object_get(it, "region_names"), ", ")));
	json_array_foreach(json_object_get(p, "dossiers"), i, it)
	{
		json_object_set_new(
		    it, "href", json_string(arena_printf(req->arena, "/dossiers/%lld", (long long)web_int(it, "id"))));
		json_object_set_new(
		    it, "state_label", json_string(label_of(&vocab_dossier_state, web_opt_text(it, "state"))));
		json_object_set_new(
		    it, "submitted", json_string(date_fr_json(req, json_object_get(it, "submitted_at"))));
		if (!web_opt_text(it, "place_name"))
			json_object_set_new(it, "place_name", json_string("—"));
	}
	json_array_foreach(json_object_get(p, "contracts"), i, it)
	{
		json_object_set_new(
		    it, "state_label", json_string(label_of(&vocab_contract_state, web_opt_text(it, "state"))));
		json_object_set_new(
		    it, "period", json_string(period(req, web_opt_text(it, "start_on"), web_opt_text(it, "end_on"))));
	}
	json_array_foreach(json_object_get(p, "sessions"), i, it)
	{
		json_object_set_new(it, "state_label", json_string(session_state_label(web_opt_text(it, "state"))));
		json_object_set_new(it, "audience_label", json_string(audience_label(web_opt_text(it, "audience"))));
		json_object_set_new(
		    it, "period", json_string(period(req, web_opt_text(it, "starts_on"), web_opt_text(it, "ends_on"))));
		json_object_set_new(it, "where",
		    json_string(web_int(it, "remote")             ? "À distance"
		                : web_opt_text(it, "region_name") ? web_text(it, "region_name")
		                                                  : "—"));
	}
	json_object_set_new(p, "breadcrumb", crumbs("/poles", "Pôles de ressources", web_text(p, "name")));
	web_page(req, 200, "pole.html", web_text(p, "name"), p);
}

/* The pole form: the organisation chosen among the poles' organisations, the regions as a checkbox group. */
static void
pole_form(struct request *req, int status, json_t *pole, json_t *values, int64_t version, const char *conflict)
{
	int64_t id = web_int(pole, "id");
	const char *self = arena_printf(req->arena, "/poles/%lld/modifier", (long long)id);
	json_t *form = web_form(req, &entity_pole, values, self, "Enregistrer",
	    arena_printf(req->arena, "/poles/%lld", (long long)id), NULL);
	json_t *orgs = NULL, *regions = NULL, *opts, *x;
	int64_t org = web_int(values, "organisation_id");
	const char *sel = web_text(values, "regions");
	size_t i;

	if (pole_organisations(&req->ctx, &orgs) != TR_OK || region_list(&req->ctx, &regions) != TR_OK) {
		json_decref(form);
		json_decref(orgs);
		resp_error(req, TR_UNAVAILABLE, NULL);
		return;
	}
	opts = json_array();
	json_array_foreach(orgs, i, x)
	    json_array_append_new(opts, option(arena_printf(req->arena, "%lld", (long long)web_int(x, "id")),
	                                    web_text(x, "name"), web_int(x, "id") == org));
	make_choice(form_field(form, "organisation_id"), opts, false);
	opts = json_array();
	json_array_foreach(regions, i, x) json_array_append_new(
	    opts, option(web_text(x, "code"), web_text(x, "name"), pole_codes_has(sel, web_text(x, "code"))));
	make_choice(form_field(form, "regions"), opts, true);
	json_decref(orgs);
	json_decref(regions);
	if (version > 0)
		json_object_set_new(form, "version", json_integer(version));
	group_form_page(req, status, arena_printf(req->arena, "Modifier « %s »", web_text(pole, "name")),
	    arena_printf(req->arena,
	        "Pôle du dispositif « %s ». Son équipe est formée des personnes de sa structure porteuse et de celles "
	        "qui "
	        "couvrent ses régions.",
	        web_text(pole, "programme_name")),
	    form, conflict, conflict ? self : NULL);
}

void
web_pole_edit_form(struct request *req)
{
	json_t *p = NULL;
	tr_err err = pole_read(&req->ctx, req->params[0], &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	pole_form(req, 200, p, p, web_int(p, "version"), NULL);
	json_decref(p);
}

void
web_pole_edit(struct request *req)
{
	json_t *p = NULL, *in;
	int64_t version = form_version(req);
	tr_err err = pole_read(&req->ctx, req->params[0], &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	in = req_form_object(req, &entity_pole);
	json_object_set_new(in, "regions", json_string(form_group(req, "regions")));
	err = pole_update(&req->ctx, req->params[0], version, in);
	if (err == TR_INVALID || err == TR_CONFLICT)
		pole_form(req, err == TR_INVALID ? 422 : 409, p, err == TR_CONFLICT ? p : in,
		    err == TR_CONFLICT ? web_int(p, "version") : version, err == TR_CONFLICT ? req->ctx.message : NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/poles/%lld", (long long)req->params[0]), "pole_saved");
	json_decref(in);
	json_decref(p);
}

/* ---- preliminary diagnoses ---- */

static const char *
conclusion_badge(const char *c)
{
	if (c == NULL)
		return "";
	if (strcmp(c, "favourable") == 0)
		return "fr-badge--success";
	if (strcmp(c, "favourable_conditions") == 0)
		return "fr-badge--warning";
	return "fr-badge--error";
}

/* The diagnoses of G (pole_diagnoses_of_dossier) as pole_diagnoses.html shows them; every key set. */
static json_t *
diagnoses_view(struct request *req, json_t *g, int64_t dossier_id)
{
	json_t *items = json_array(), *it, *c;
	size_t i, k;

	json_array_foreach(json_object_get(g, "items"), i, it)
	{
		json_t *list = json_array();
		json_array_foreach(json_object_get(it, "checklist"), k, c) json_array_append_new(
		    list, json_pack("{s:s, s:b, s:s}", "label", web_text(c, "label"), "ok",
		              json_is_true(json_object_get(c, "ok")), "comment", web_text(c, "comment")));
		json_array_append_new(items,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "anchor",
		        arena_printf(req->arena, "diagnostic-%lld", (long long)web_int(it, "id")), "job_profile_title",
		        web_opt_text(it, "job_profile_title") ? web_text(it, "job_profile_title")
		                                              : "Métier non précisé",
		        "conclusion_label", web_text(it, "conclusion_label"), "badge",
		        conclusion_badge(web_opt_text(it, "conclusion")), "pole_name", web_text(it, "pole_name"),
		        "place_name", web_opt_text(it, "place_name") ? web_text(it, "place_name") : "—", "author_name",
		        web_opt_text(it, "author_name") ? web_text(it, "author_name") : "—", "updated",
		        date_fr_json(req, json_object_get(it, "updated_at")), "checklist", list,
		        "recommendations_lines", web_lines(web_opt_text(it, "recommendations"))));
	}
	return json_pack("{s:o, s:b, s:s}", "items", items, "can_write", json_is_true(json_object_get(g, "can_write")),
	    "href", arena_printf(req->arena, "/dossiers/%lld/diagnostic-prealable", (long long)dossier_id));
}

void
web_pole_diagnoses_block(struct request *req, int64_t dossier_id, json_t *data)
{
	json_t *g = NULL;
	const char *message = req->ctx.message;

	if (pole_diagnoses_of_dossier(&req->ctx, dossier_id, &g) != TR_OK) {
		req->ctx.message = message; /* the dossier page shows what it shows; the block is left out */
		return;
	}
	if (json_array_size(json_object_get(g, "items")) > 0 || json_is_true(json_object_get(g, "can_write")))
		json_object_set_new(data, "diagnoses", diagnoses_view(req, g, dossier_id));
	json_decref(g);
}

/* ITEM's yes/no as sent or stored: 1, 0, or -1 when not given. */
static int
item_answer(json_t *item)
{
	json_t *v = json_object_get(item, "ok");
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (json_is_boolean(v))
		return json_is_true(v);
	if (s && (strcmp(s, "1") == 0 || strcmp(s, "true") == 0))
		return 1;
	if (s && (strcmp(s, "0") == 0 || strcmp(s, "false") == 0))
		return 0;
	return -1;
}

/* A field object of field.html with every key set. */
static json_t *
blank_field(struct request *req, const char *name, const char *label, const char *hint)
{
	const char *err = field_errors_get(&req->ctx.errors, name);

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:[], s:b, s:b, s:b, s:b, s:b, s:b}",
	    "id", name, "name", name, "label", label, "hint", hint ? hint : "", "type", "text", "value", "", "required",
	    0, "error", err ? err : "", "autocomplete", "", "maxlength", 0, "checked", 0, "options", "is_text", 0,
	    "is_password", 0, "is_textarea", 0, "is_select", 0, "is_checkbox", 0, "is_radio", 0);
}

/* The checklist items of the form, from VALUES' checklist (stored or as sent). */
static json_t *
checklist_fields(struct request *req, json_t *values)
{
	json_t *out = json_array(), *list = json_object_get(values, "checklist");

	for (size_t i = 0; i < vocab_diagnosis_item.n; i++) {
		const struct vocab_item *item = &vocab_diagnosis_item.items[i];
		json_t *e = NULL, *x, *yes, *comment;
		size_t k;
		int answer;
		json_array_foreach(list, k, x) if (strcmp(web_text(x, "code"), item->code) == 0) e = x;
		answer = item_answer(e);
		yes = blank_field(req, arena_printf(req->arena, "item_%s", item->code), item->label,
		    "Le point est-il satisfaisant pour ce métier ?");
		json_object_set_new(yes, "required", json_true());
		json_object_set_new(yes, "is_radio", json_true());
		json_object_set_new(yes, "options",
		    json_pack("[o, o]", option("1", "Oui", answer == 1), option("0", "Non", answer == 0)));
		comment = blank_field(req, arena_printf(req->arena, "item_%s_comment", item->code),
		    arena_printf(req->arena, "Commentaire sur « %s »", item->label), NULL);
		json_object_set_new(comment, "is_textarea", json_true());
		json_object_set_new(comment, "maxlength", json_integer(1000));
		json_object_set_new(comment, "value", json_string(web_text(e, "comment")));
		json_array_append_new(
		    out, json_pack("{s:s, s:o, s:o}", "label", item->label, "answer", yes, "comment", comment));
	}
	return out;
}

/* The form's input in the shape of the API: {job_profile_id, checklist [{code, ok, comment}], conclusion,
 * recommendations}. */
static json_t *
diagnosis_input(struct request *req)
{
	json_t *in = req_form_object(req, &entity_pole_diagnosis), *list = json_array();

	for (size_t i = 0; i < vocab_diagnosis_item.n; i++) {
		const char *code = vocab_diagnosis_item.items[i].code;
		const char *ok = req_form(req, arena_printf(req->arena, "item_%s", code));
		const char *comment = req_form(req, arena_printf(req->arena, "item_%s_comment", code));
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s?}", "code", code, "ok", ok, "comment", comment));
	}
	json_object_set_new(in, "checklist", list);
	return in;
}

/* The page of the diagnoses of dossier ID (the path's). SENT: a form sent back with errors (HTTP 422);
 * CONFLICT: the message of a stale or duplicate edit (HTTP 409). */
static void
diagnosis_page(struct request *req, int status, json_t *sent, const char *conflict)
{
	int64_t id = req->params[0], chosen;
	json_t *d = NULL, *g = NULL, *prog = NULL, *data, *it, *existing = NULL;
	size_t i;
	tr_err err = dossier_get(&req->ctx, id, &d);

	if (err == TR_OK)
		err = pole_diagnoses_of_dossier(&req->ctx, id, &g);
	if (err == TR_OK)
		err = programme_get(&req->ctx, web_int(d, "programme_id"), &prog);
	if (err != TR_OK) {
		json_decref(d);
		json_decref(g);
		resp_error(req, err, NULL);
		return;
	}
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "heading",
	    arena_printf(req->arena, "Diagnostic préalable — dossier n° %lld", (long long)id), "dossier_href",
	    arena_printf(req->arena, "/dossiers/%lld", (long long)id), "organisation_name",
	    web_text(d, "organisation_name"), "place_name",
	    web_opt_text(d, "place_nom") ? web_text(d, "place_nom") : "—", "region_name",
	    web_opt_text(d, "region_name") ? web_text(d, "region_name") : "—", "programme_name",
	    web_text(d, "programme_name"), "job_profile_title",
	    web_opt_text(d, "job_profile_title") ? web_text(d, "job_profile_title") : "—", "diagnoses",
	    diagnoses_view(req, g, id));
	if (conflict)
		json_object_set_new(data, "conflict", json_string(conflict));
	if (json_is_true(json_object_get(g, "can_write"))) {
		json_t *form, *chooser = json_array(), *values;
		const char *title = "";
		chosen = sent ? web_int(sent, "job_profile_id") : positive(form_get(&req->query, "metier"));
		if (chosen <= 0)
			chosen = web_int(d, "job_profile_id");
		json_array_foreach(json_object_get(prog, "job_profiles"), i, it)
		{
			if (chosen <= 0)
				chosen = web_int(it, "id");
			if (web_int(it, "id") == chosen)
				title = web_text(it, "title");
			json_array_append_new(
			    chooser, option(arena_printf(req->arena, "%lld", (long long)web_int(it, "id")),
			                 web_text(it, "title"), web_int(it, "id") == chosen));
		}
		json_array_foreach(json_object_get(g, "items"), i, it) if (web_int(it, "job_profile_id") == chosen)
		    existing = it;
		values = sent ? sent : existing;
		form = web_form(req, &entity_pole_diagnosis, values,
		    arena_printf(req->arena, "/dossiers/%lld/diagnostic-prealable", (long long)id),
		    "Enregistrer le diagnostic", arena_printf(req->arena, "/dossiers/%lld", (long long)id), NULL);
		{
			json_t *conclusion = form_field(form, "conclusion");
			json_object_set_new(conclusion, "is_select", json_false());
			json_object_set_new(conclusion, "is_radio", json_true());
		}
		json_object_set_new(form, "conclusion", json_deep_copy(form_field(form, "conclusion")));
		json_object_set_new(form, "recommendations", json_deep_copy(form_field(form, "recommendations")));
		json_object_set_new(form, "items", checklist_fields(req, values));
		json_object_set_new(form, "job_profile_id", json_integer(chosen));
		json_object_set_new(form, "job_profile_title", json_string(title));
		if (existing) {
			int64_t v = sent && form_version(req) ? form_version(req) : web_int(existing, "version");
			json_object_set_new(form, "diagnosis_id", json_integer(web_int(existing, "id")));
			json_object_set_new(form, "version", json_integer(conflict ? web_int(existing, "version") : v));
		}
		json_object_set_new(data, "form", form);
		json_object_set_new(data, "chooser",
		    json_pack("{s:s, s:o}", "action",
		        arena_printf(req->arena, "/dossiers/%lld/diagnostic-prealable#saisie", (long long)id),
		        "options", chooser));
	}
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href",
	        "/dossiers", "label", "Dossiers", "href", arena_printf(req->arena, "/dossiers/%lld", (long long)id),
	        "label", arena_printf(req->arena, "Dossier n° %lld", (long long)id), "label", "Diagnostic préalable"));
	json_decref(d);
	json_decref(g);
	json_decref(prog);
	web_page(req, status, "pole_diagnosis.html",
	    arena_printf(req->arena, "%sDiagnostic préalable — dossier n° %lld",
	        req->ctx.errors.n || conflict ? "Erreur : " : "", (long long)id),
	    data);
}

void
web_pole_diagnosis(struct request *req)
{
	diagnosis_page(req, 200, NULL, NULL);
}

void
web_pole_diagnosis_save(struct request *req)
{
	json_t *in = diagnosis_input(req);
	int64_t did = positive(form_get(&req->form, "diagnosis_id")), new_id = 0;
	tr_err err = did > 0 ? pole_diagnosis_update(&req->ctx, did, form_version(req), in)
	                     : pole_diagnosis_create(&req->ctx, req->params[0], in, &new_id);

	if (err == TR_OK)
		web_done(req,
		    arena_printf(req->arena, "/dossiers/%lld/diagnostic-prealable#diagnostic-%lld",
		        (long long)req->params[0], (long long)(did > 0 ? did : new_id)),
		    "diagnosis_saved_pole");
	else if (err == TR_INVALID && req->ctx.errors.n)
		diagnosis_page(req, 422, in, NULL);
	else if (err == TR_CONFLICT)
		diagnosis_page(req, 409, NULL, req->ctx.message);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

/* ---- resources ---- */

static const char *
type_label(const char *mime)
{
	static const struct vocab_item items[] = {
		{ "application/pdf", "PDF" },
		{ "application/vnd.oasis.opendocument.text", "ODT" },
		{ "image/png", "PNG" },
		{ "image/jpeg", "JPEG" },
	};
	static const struct vocab v = { "mime", items, ARRAY_LEN(items) };

	return label_of(&v, mime);
}

/* "850 octets", "12 Ko", "1,4 Mo". */
static const char *
size_text(struct request *req, int64_t n)
{
	if (n < 1024)
		return arena_printf(req->arena, "%lld octets", (long long)n);
	if (n < 1024 * 1024)
		return arena_printf(req->arena, "%lld Ko", (long long)((n + 512) / 1024));
	return arena_printf(req->arena, "%lld,%lld Mo", (long long)(n / (1024 * 1024)),
	    (long long)(n % (1024 * 1024) * 10 / (1024 * 1024)));
}

void
web_resources(struct request *req)
{
	struct resource_filter f = { .q = req_query(req, "q"),
		.tag = req_query(req, "mot_cle"),
		.pole_id = positive(form_get(&req->query, "pole")),
		.page = req_page(req) };
	json_t *list = NULL, *it, *opts, *tags;
	size_t i;
	int64_t total;
	tr_err err = resource_list(&req->ctx, &f, &list);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		bool file = strcmp(web_text(it, "kind"), "file") == 0;
		json_object_set_new(it, "is_file", json_boolean(file));
		json_object_set_new(it, "href",
		    json_string(file
		                    ? arena_printf(req->arena, "/ressources/%lld/fichier", (long long)web_int(it, "id"))
		                    : web_text(it, "url")));
		json_object_set_new(
		    it, "type_label", json_string(file ? type_label(web_opt_text(it, "file_type")) : "Lien"));
		json_object_set_new(it, "size_text", json_string(file ? size_text(req, web_int(it, "file_size")) : ""));
		json_object_set_new(it, "description_lines", web_lines(web_opt_text(it, "description")));
		json_object_set_new(it, "created", json_string(date_fr_json(req, json_object_get(it, "created_at"))));
		if (!web_opt_text(it, "author_name"))
			json_object_set_new(it, "author_name", json_string("—"));
	}
	tags = json_array();
	json_array_foreach(json_object_get(list, "tags"), i, it) json_array_append_new(tags,
	    option(json_string_value(it), json_string_value(it), f.tag && strcmp(f.tag, json_string_value(it)) == 0));
	opts = json_array();
	json_array_foreach(json_object_get(list, "poles"), i, it)
	    json_array_append_new(opts, option(arena_printf(req->arena, "%lld", (long long)web_int(it, "id")),
	                                    web_text(it, "name"), web_int(it, "id") == f.pole_id));
	json_object_set_new(list, "search",
	    json_pack("{s:s, s:s, s:s, s:s, s:[o, o, o]}", "action", "/ressources", "aria_label",
	        "Rechercher une ressource", "add_href",
	        actor_has_any(req->ctx.actor, RESOURCE_WRITERS) ? "/ressources/nouvelle" : "", "add_label",
	        "Ajouter une ressource", "filters",
	        web_search_filter("q", "Mots recherchés",
	            "Dans les titres et les descriptions, sans tenir compte des accents ni des majuscules.", 6,
	            "search", f.q, NULL, NULL),
	        web_search_filter("mot_cle", "Mot-clé", NULL, 3, NULL, NULL, "Tous les mots-clés", tags),
	        web_search_filter("pole", "Pôle", NULL, 3, NULL, NULL, "Tous les pôles", opts)));
	total = web_int(list, "total");
	json_object_set_new(list, "total_text",
	    json_string(total == 0   ? "Aucune ressource trouvée"
	                : total == 1 ? "1 ressource trouvée"
	                             : arena_printf(req->arena, "%lld ressources trouvées", (long long)total)));
	add_pager(req, list);
	json_object_set_new(list, "breadcrumb", crumbs(NULL, NULL, "Ressources"));
	web_page(req, 200, "resources.html", "Ressources des pôles", list);
}

/* The form of a new resource, with VALUES (NULL: a blank one). */
static void
resource_form(struct request *req, int status, json_t *values)
{
	json_t *form = web_form(
	    req, &entity_resource, values, "/ressources/nouvelle", "Publier la ressource", "/ressources", NULL);
	json_t *mine = NULL, *opts, *x, *f, *data;
	const char *kind = web_text(values, "kind"), *file_err = field_errors_get(&req->ctx.errors, "file");
	int64_t pole = web_int(values, "pole_id");
	size_t i;

	if (pole_mine(&req->ctx, &mine) != TR_OK) {
		json_decref(form);
		resp_error(req, TR_UNAVAILABLE, NULL);
		return;
	}
	opts = json_array();
	json_array_foreach(mine, i, x) json_array_append_new(
	    opts, option(arena_printf(req->arena, "%lld", (long long)web_int(x, "id")),
	              arena_printf(req->arena, "%s (%s)", web_text(x, "name"), web_text(x, "programme_name")),
	              web_int(x, "id") == pole || (pole <= 0 && json_array_size(mine) == 1)));
	make_choice(f = form_field(form, "pole_id"), opts, false);
	json_object_set_new(f, "required", json_true());
	f = form_field(form, "kind");
	opts = json_array();
	for (i = 0; i < vocab_resource_kind.n; i++)
		json_array_append_new(
		    opts, option(vocab_resource_kind.items[i].code, vocab_resource_kind.items[i].label,
		              strcmp(*kind ? kind : "file", vocab_resource_kind.items[i].code) == 0));
	json_object_set_new(f, "options", opts);
	json_object_set_new(f, "is_select", json_false());
	json_object_set_new(f, "is_radio", json_true());
	json_object_set_new(f, "required", json_true());
	data = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:s}", "pole_field", form_field(form, "pole_id"),
	    "kind_field", form_field(form, "kind"), "url_field", form_field(form, "url"), "title_field",
	    form_field(form, "title"), "description_field", form_field(form, "description"), "tags_field",
	    form_field(form, "tags"), "form", form, "file_error", file_err ? file_err : "");
	json_object_set_new(data, "breadcrumb", crumbs("/ressources", "Ressources", "Nouvelle ressource"));
	json_decref(mine);
	web_page(req, status, "resource_form.html",
	    req->ctx.errors.n ? "Erreur : nouvelle ressource" : "Nouvelle ressource", data);
}

void
web_resource_new_form(struct request *req)
{
	resource_form(req, 200, NULL);
}

void
web_resource_new(struct request *req)
{
	json_t *in = req_form_object(req, &entity_resource);
	const struct form_field *file = form_file(&req->form, "file");
	struct resource_upload up = { 0 };
	int64_t id = 0;
	tr_err err;

	if (file != NULL && file->value.n > 0)
		up = (struct resource_upload){ file->value.p, file->value.n, arena_str(req->arena, file->filename) };
	err = resource_create(&req->ctx, in, up.size ? &up : NULL, &id);
	if (err == TR_OK)
		web_done(req, "/ressources", "resource_created");
	else if (err == TR_INVALID)
		resource_form(req, 422, in);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_resource_file(struct request *req)
{
	struct resource_file f;
	tr_err err = resource_file(&req->ctx, req->params[0], &f);

	if (err == TR_OK) {
		buf_reset(&req->body);
		err = buf_append(&req->body, f.data, f.size);
	}
	if (err != TR_OK) {
		buf_reset(&req->body);
		resp_error(req, err, NULL);
		return;
	}
	req->status = 200;
	req->content_type_out = f.type ? f.type : "application/octet-stream";
	resp_header(req, "content-disposition",
	    arena_printf(req->arena, "attachment; filename=\"%s\"", f.name ? f.name : "document"));
}

/* ---- the vivier ---- */

/* Every programme and every job profile ("CODE — métier") as options, those of SELECTED's programmes and
 * job_profiles (see has_id; SELECTED may be NULL) checked. */
static tr_err
profile_options(struct request *req, json_t *selected, json_t **programmes, json_t **profiles)
{
	json_t *list = NULL, *p, *jp;
	size_t i, k;
	tr_err err = programme_list(&req->ctx, &list);

	if (err != TR_OK)
		return err;
	*programmes = json_array();
	*profiles = json_array();
	json_array_foreach(json_object_get(list, "items"), i, p)
	{
		json_t *full = NULL;
		int64_t pid = web_int(p, "id");
		json_array_append_new(
		    *programmes, option(arena_printf(req->arena, "%lld", (long long)pid), web_text(p, "name"),
		                     has_id(json_object_get(selected, "programmes"), pid)));
		if ((err = programme_get(&req->ctx, pid, &full)) != TR_OK)
			break;
		json_array_foreach(json_object_get(full, "job_profiles"), k, jp)
		{
			int64_t jid = web_int(jp, "id");
			json_array_append_new(*profiles,
			    option(arena_printf(req->arena, "%lld", (long long)jid),
			        arena_printf(req->arena, "%s — %s", web_text(p, "code"), web_text(jp, "title")),
			        has_id(json_object_get(selected, "job_profiles"), jid)));
		}
		json_decref(full);
	}
	json_decref(list);
	return err;
}

void
web_partners(struct request *req)
{
	struct partner_filter f = { .region = req_query(req, "region"),
		.departement = req_query(req, "departement"),
		.commune = req_query(req, "commune"),
		.q = req_query(req, "activite"),
		.programme_id = positive(form_get(&req->query, "dispositif")),
		.job_profile_id = positive(form_get(&req->query, "metier")),
		.page = req_page(req) };
	const char *commune_in = f.commune;
	json_t *list = NULL, *regions = NULL, *deps = NULL, *progs = NULL, *profs = NULL, *it, *opts, *dopts;
	size_t i;
	int64_t total;
	tr_err err;

	/* A commune may be given by name: its most populated namesake. */
	if (f.commune && *f.commune && !(strlen(f.commune) == 5 && strspn(f.commune, "0123456789AB") == 5)) {
		json_t *found = NULL;
		if (commune_search(&req->ctx, f.commune, 1, &found) == TR_OK && json_array_size(found) == 1)
			f.commune = arena_strdup(req->arena, web_text(json_array_get(found, 0), "code"));
		else
			f.commune = "-";
		json_decref(found);
	}
	err = partner_list(&req->ctx, &f, &list);
	if (err == TR_OK)
		err = region_list(&req->ctx, &regions);
	if (err == TR_OK)
		err = departement_list(&req->ctx, &deps);
	if (err == TR_OK) {
		json_t *sel = json_pack("{s:[I], s:[I]}", "programmes", (json_int_t)f.programme_id, "job_profiles",
		    (json_int_t)f.job_profile_id);
		err = profile_options(req, sel, &progs, &profs);
		json_decref(sel);
	}
	if (err != TR_OK) {
		json_decref(list);
		json_decref(regions);
		json_decref(deps);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		const char *titles = "";
		size_t k;
		json_t *jp;
		json_array_foreach(json_object_get(it, "job_profiles"), k, jp) titles =
		    arena_printf(req->arena, "%s%s%s", titles, k ? ", " : "", web_text(jp, "title"));
		json_object_set_new(it, "profiles_text", json_string(*titles ? titles : "—"));
		json_object_set_new(it, "commune_text",
		    json_string(arena_printf(
		        req->arena, "%s (%s)", web_text(it, "commune_name"), web_text(it, "departement_code"))));
		json_object_set_new(it, "edit_href",
		    json_string(json_is_true(json_object_get(it, "can_edit"))
		                    ? arena_printf(req->arena, "/vivier/%lld/modifier", (long long)web_int(it, "id"))
		                    : ""));
	}
	opts = json_array();
	json_array_foreach(regions, i, it)
	    json_array_append_new(opts, option(web_text(it, "code"), web_text(it, "name"),
	                                    f.region && strcmp(f.region, web_text(it, "code")) == 0));
	dopts = json_array();
	json_array_foreach(deps, i, it) json_array_append_new(
	    dopts, option(web_text(it, "code"),
	               arena_printf(req->arena, "%s — %s", web_text(it, "code"), web_text(it, "name")),
	               f.departement && strcmp(f.departement, web_text(it, "code")) == 0));
	json_object_set_new(list, "search",
	    json_pack("{s:s, s:s, s:s, s:s, s:[o, o, o, o, o, o]}", "action", "/vivier", "aria_label",
	        "Rechercher une entreprise", "add_href",
	        actor_has_any(req->ctx.actor, PARTNER_EDITORS) ? "/vivier/nouveau" : "", "add_label",
	        "Ajouter une entreprise", "filters",
	        web_search_filter("region", "Région", NULL, 4, NULL, NULL, "Toutes les régions", opts),
	        web_search_filter("departement", "Département", NULL, 4, NULL, NULL, "Tous les départements", dopts),
	        web_search_filter(
	            "commune", "Commune", "Son nom, par exemple Valence.", 4, "text", commune_in, NULL, NULL),
	        web_search_filter("activite", "Nom ou activité", "Sans tenir compte des accents ni des majuscules.", 4,
	            "search", f.q, NULL, NULL),
	        web_search_filter("dispositif", "Dispositif", NULL, 4, NULL, NULL, "Tous les dispositifs", progs),
	        web_search_filter("metier", "Métier parrainé", NULL, 4, NULL, NULL, "Tous les métiers", profs)));
	total = web_int(list, "total");
	json_object_set_new(list, "total_text",
	    json_string(total == 0   ? "Aucune entreprise trouvée"
	                : total == 1 ? "1 entreprise trouvée"
	                             : arena_printf(req->arena, "%lld entreprises trouvées", (long long)total)));
	add_pager(req, list);
	json_object_set_new(list, "breadcrumb", crumbs(NULL, NULL, "Vivier d'entreprises"));
	json_decref(regions);
	json_decref(deps);
	web_page(req, 200, "partners.html", "Vivier d'entreprises partenaires", list);
}

/* The company form at ACTION with VALUES; VERSION 0: a creation. */
static void
partner_form(struct request *req, int status, const char *heading, json_t *values, const char *action, int64_t version,
    const char *conflict)
{
	json_t *form = web_form(req, &entity_partner, values, action, "Enregistrer", "/vivier", NULL);
	json_t *progs = NULL, *profs = NULL, *fields = json_object_get(form, "fields");
	const char *e;

	form_field(form, "name"); /* every field gets is_group */
	if (profile_options(req, values, &progs, &profs) != TR_OK) {
		json_decref(form);
		resp_error(req, TR_UNAVAILABLE, NULL);
		return;
	}
	e = field_errors_get(&req->ctx.errors, "programmes");
	json_array_append_new(fields, json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:b}", "id", "programmes", "name",
	                                  "programmes", "label", "Dispositifs dans lesquels elle peut parrainer",
	                                  "required", 0, "error", e ? e : "", "options", progs, "is_group", 1));
	e = field_errors_get(&req->ctx.errors, "job_profiles");
	json_array_append_new(fields,
	    json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:b}", "id", "job_profiles", "name", "job_profiles", "label",
	        "Métiers qu'elle peut parrainer", "required", 0, "error", e ? e : "", "options", profs, "is_group", 1));
	if (version > 0)
		json_object_set_new(form, "version", json_integer(version));
	group_form_page(req, status, heading,
	    "La commune situe l'entreprise : son département et sa région en découlent. Un métier coché ajoute son "
	    "dispositif.",
	    form, conflict, conflict ? action : NULL);
}

static json_t *
partner_input(struct request *req)
{
	json_t *in = req_form_object(req, &entity_partner);

	web_pickers_resolve(req, &entity_partner, in);
	json_object_set_new(in, "programmes", json_string(form_group(req, "programmes")));
	json_object_set_new(in, "job_profiles", json_string(form_group(req, "job_profiles")));
	return in;
}

void
web_partner_new_form(struct request *req)
{
	partner_form(req, 200, "Ajouter une entreprise au vivier", NULL, "/vivier/nouveau", 0, NULL);
}

void
web_partner_new(struct request *req)
{
	json_t *in = partner_input(req);
	int64_t id = 0;
	tr_err err = partner_create(&req->ctx, in, &id);

	if (err == TR_OK)
		web_done(req, "/vivier", "partner_created");
	else if (err == TR_INVALID)
		partner_form(req, 422, "Ajouter une entreprise au vivier", in, "/vivier/nouveau", 0, NULL);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_partner_edit_form(struct request *req)
{
	json_t *c = NULL;
	tr_err err = partner_get(&req->ctx, req->params[0], &c);

	if (err == TR_OK && !json_is_true(json_object_get(c, "can_edit")))
		err = TR_FORBIDDEN;
	if (err != TR_OK) {
		json_decref(c);
		resp_error(req, err,
		    err == TR_FORBIDDEN ? "Cette entreprise n'est pas dans les régions de votre pôle." : NULL);
		return;
	}
	partner_form(req, 200, arena_printf(req->arena, "Modifier « %s »", web_text(c, "name")), c,
	    arena_printf(req->arena, "/vivier/%lld/modifier", (long long)req->params[0]), web_int(c, "version"), NULL);
	json_decref(c);
}

void
web_partner_edit(struct request *req)
{
	json_t *c = NULL, *in;
	const char *self = arena_printf(req->arena, "/vivier/%lld/modifier", (long long)req->params[0]);
	int64_t version = form_version(req);
	tr_err err = partner_get(&req->ctx, req->params[0], &c);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	in = partner_input(req);
	err = partner_update(&req->ctx, req->params[0], version, in);
	if (err == TR_OK)
		web_done(req, "/vivier", "partner_saved");
	else if (err == TR_INVALID || err == TR_CONFLICT)
		partner_form(req, err == TR_INVALID ? 422 : 409,
		    arena_printf(req->arena, "Modifier « %s »", web_text(c, "name")), err == TR_CONFLICT ? c : in, self,
		    err == TR_CONFLICT ? web_int(c, "version") : version, err == TR_CONFLICT ? req->ctx.message : NULL);
	else
		resp_error(req, err, NULL);
	json_decref(in);
	json_decref(c);
}
