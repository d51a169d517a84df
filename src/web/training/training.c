/* The training pages: training organisations and their accreditation, each contract's path (progress, what is late,
 * the job profile's template, the modules and their actions), training sessions (the catalogue, the sessions at
 * risk, the form, one session with its registrations and waiting list, attendance per day) and the tutors' training
 * record. The domain decides who sees and does what; these pages only show it. */
#include "web/web.h"

#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/geo/refdata.h"
#include "domain/recruitment/contract.h"
#include "domain/training/training_path.h"
#include "domain/training/training_session.h"
#include "model/training/training.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* U+202F, the narrow no-break space French puts before « : » and inside figures. */
#define NNBSP "\xe2\x80\xaf"

/* ---- small helpers ---- */

static int64_t
form_version(struct request *req)
{
	struct str v = form_get(&req->form, "version");
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) ? n : 0;
}

static json_t *
crumbs(const char *label1, const char *href1, const char *label2, const char *href2, const char *current)
{
	json_t *b = json_pack("[{s:s, s:s}]", "href", "/", "label", "Accueil");

	if (label1)
		json_array_append_new(b, json_pack("{s:s, s:s}", "href", href1, "label", label1));
	if (label2)
		json_array_append_new(b, json_pack("{s:s, s:s}", "href", href2, "label", label2));
	json_array_append_new(b, json_pack("{s:s}", "label", current));
	return b;
}

/* "du 3 mars 2026 au 7 mars 2026", "le 3 mars 2026", "à partir du …", "jusqu'au …" or "". */
static const char *
period_fr(struct request *req, const char *from, const char *to)
{
	if (from && to && strcmp(from, to) == 0)
		return arena_printf(req->arena, "le %s", web_day_fr(req, from));
	if (from && to)
		return arena_printf(req->arena, "du %s au %s", web_day_fr(req, from), web_day_fr(req, to));
	if (from)
		return arena_printf(req->arena, "à partir du %s", web_day_fr(req, from));
	if (to)
		return arena_printf(req->arena, "jusqu'au %s", web_day_fr(req, to));
	return "";
}

static const char *
hours_fr(struct request *req, json_int_t h)
{
	return arena_printf(req->arena, "%lld" NNBSP "h", (long long)h);
}

/* Turns field NAME of FORM (from web_form) into a select of ITEMS ({ID_KEY, LABEL_KEY}), the value of VALUES
 * selected. */
static void
to_select(struct request *req, json_t *form, const char *name, json_t *items, const char *id_key, const char *label_key,
    json_t *values)
{
	json_t *f, *it, *v = json_object_get(values, name);
	const char *cur = json_is_string(v)    ? json_string_value(v)
	                  : json_is_integer(v) ? arena_printf(req->arena, "%lld", (long long)json_integer_value(v))
	                                       : "";
	size_t i, k;

	json_array_foreach(json_object_get(form, "fields"), i, f)
	{
		json_t *opts;
		if (strcmp(web_text(f, "name"), name) != 0)
			continue;
		opts = json_array();
		json_array_foreach(items, k, it)
		{
			json_t *id = json_object_get(it, id_key);
			const char *value = json_is_string(id)
			                        ? json_string_value(id)
			                        : arena_printf(req->arena, "%lld", (long long)json_integer_value(id));
			json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", value, "label",
			                                web_text(it, label_key), "selected", strcmp(value, cur) == 0));
		}
		json_object_set_new(f, "options", opts);
		json_object_set_new(f, "is_text", json_false());
		json_object_set_new(f, "is_select", json_true());
	}
}

/* The page holding one form (training_form.html). */
static void
form_page(struct request *req, int status, const char *heading, const char *lead, json_t *form, json_t *breadcrumb)
{
	json_t *data = json_pack("{s:s, s:s, s:o, s:o}", "heading", heading, "lead", lead ? lead : "", "form", form,
	    "breadcrumb", breadcrumb);

	web_page(req, status, "training_form.html",
	    req->ctx.errors.n ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

/* ================================================================================================
 * Training organisations
 */

void
web_training_orgs(struct request *req)
{
	json_t *out = NULL, *o;
	size_t i;
	tr_err err = training_org_list(&req->ctx, &out);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(out, "items"), i, o)
	{
		const char *names = "";
		json_t *t;
		size_t k;
		json_array_foreach(json_object_get(o, "trainers"), k, t) names =
		    arena_printf(req->arena, "%s%s%s", names, k ? ", " : "", web_text(t, "name"));
		json_object_set_new(o, "trainers_text", json_string(*names ? names : "—"));
		json_object_set_new(o, "period",
		    json_string(
		        period_fr(req, web_opt_text(o, "accredited_from"), web_opt_text(o, "accredited_until"))));
		json_object_set_new(o, "edit_href",
		    json_string(
		        arena_printf(req->arena, "/organismes-formation/%lld/modifier", (long long)web_int(o, "id"))));
	}
	json_object_set_new(out, "breadcrumb", crumbs(NULL, NULL, NULL, NULL, "Organismes de formation"));
	web_page(req, 200, "training_orgs.html", "Organismes de formation", out);
}

static void
org_form_page(struct request *req, int status, json_t *values, int64_t version)
{
	int64_t id = req->params[0];
	json_t *form = web_form(req, &entity_training_org, values,
	    arena_printf(req->arena, "/organismes-formation/%lld/modifier", (long long)id), "Enregistrer",
	    "/organismes-formation", NULL);

	json_object_set_new(form, "version", json_integer(version));
	form_page(req, status, arena_printf(req->arena, "Modifier l'organisme « %s »", web_text(values, "name")),
	    "Le nom, le SIRET et l'habilitation de l'organisme de formation ; ses formateurs sont les personnes qui "
	    "ont le rôle de formateur dans cet organisme.",
	    form, crumbs("Organismes de formation", "/organismes-formation", NULL, NULL, "Modifier"));
}

void
web_training_org_edit_form(struct request *req)
{
	json_t *o = NULL;
	tr_err err = training_org_get(&req->ctx, req->params[0], &o);

	if (err == TR_OK && !json_is_true(json_object_get(o, "can_edit")))
		err = ctx_fail(&req->ctx, TR_FORBIDDEN,
		    "Seuls la délégation nationale et les administrateurs modifient les organismes de formation.");
	if (err != TR_OK) {
		json_decref(o);
		resp_error(req, err, NULL);
		return;
	}
	org_form_page(req, 200, o, web_int(o, "version"));
	json_decref(o);
}

void
web_training_org_edit(struct request *req)
{
	json_t *in = req_form_object(req, &entity_training_org);
	tr_err err = training_org_update(&req->ctx, req->params[0], form_version(req), in);

	if (err == TR_OK)
		web_done(req, "/organismes-formation", "training_org_saved");
	else if (err == TR_INVALID)
		org_form_page(req, 422, in, form_version(req));
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

/* ================================================================================================
 * Paths
 */

static const char *
module_href(struct request *req, json_int_t contract, json_int_t module, const char *tail)
{
	return arena_printf(
	    req->arena, "/contrats/%lld/parcours/modules/%lld%s", (long long)contract, (long long)module, tail);
}

void
web_path(struct request *req)
{
	int64_t cid = req->params[0];
	json_t *p = NULL, *c, *m, *prog, *g;
	size_t i;
	tr_err err = training_path_get(&req->ctx, cid, &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	c = json_object_get(p, "contract");
	prog = json_object_get(p, "progress");
	json_array_foreach(json_object_get(p, "modules"), i, m)
	{
		json_object_set_new(m, "number", json_integer((json_int_t)i + 1));
		json_object_set_new(m, "badge", json_string(web_badge(req, m)));
		json_object_set_new(
		    m, "period", json_string(period_fr(req, web_opt_text(m, "starts_on"), web_opt_text(m, "ends_on"))));
		json_object_set_new(m, "hours_text",
		    json_string(arena_printf(req->arena, "%s sur %s", hours_fr(req, web_int(m, "hours_done")),
		        web_int(m, "hours_planned") ? hours_fr(req, web_int(m, "hours_planned")) : "—")));
		json_object_set_new(
		    m, "manage_href", json_string(module_href(req, cid, web_int(m, "id"), "/modifier")));
	}
	json_array_foreach(json_object_get(p, "template"), i, m)
	{
		json_object_set_new(
		    m, "period", json_string(period_fr(req, web_opt_text(m, "starts_on"), web_opt_text(m, "ends_on"))));
		json_object_set_new(m, "hours_text",
		    json_string(web_int(m, "hours_planned") ? hours_fr(req, web_int(m, "hours_planned")) : "—"));
	}
	json_array_foreach(json_object_get(p, "registrations"), i, g)
	{
		json_object_set_new(g, "href",
		    json_string(arena_printf(req->arena, "/sessions/%lld", (long long)web_int(g, "session_id"))));
		json_object_set_new(
		    g, "period", json_string(period_fr(req, web_opt_text(g, "starts_on"), web_opt_text(g, "ends_on"))));
		json_object_set_new(g, "badge", json_string(web_badge(req, g)));
	}
	json_object_set_new(p, "heading",
	    json_string(arena_printf(req->arena, "Parcours emploi-formation de %s", web_text(c, "candidate_name"))));
	json_object_set_new(p, "lead",
	    json_string(arena_printf(req->arena, "%s — %s, contrat %s.", web_text(c, "job_profile_title"),
	        web_text(c, "organisation_name"),
	        period_fr(req, web_opt_text(c, "start_on"), web_opt_text(c, "end_on")))));
	json_object_set_new(prog, "summary",
	    json_string(arena_printf(req->arena, "%s effectuées sur %s prévues (%lld" NNBSP "%%).",
	        hours_fr(req, web_int(prog, "hours_done")), hours_fr(req, web_int(prog, "hours_planned")),
	        (long long)web_int(prog, "percent"))));
	json_object_set_new(prog, "modules_text",
	    json_string(arena_printf(req->arena, "%s sur %lld.",
	        fr_count(req->arena, web_int(prog, "modules_completed"), "module terminé", "modules terminés"),
	        (long long)web_int(prog, "modules_total"))));
	json_object_set_new(prog, "has_hours", json_boolean(web_int(prog, "hours_planned") > 0));
	json_object_set_new(
	    prog, "stepper", json_boolean(web_int(prog, "modules_total") >= 1 && web_int(prog, "modules_total") <= 8));
	json_object_set_new(p, "template_action",
	    json_string(arena_printf(req->arena, "/contrats/%lld/parcours/modele", (long long)cid)));
	json_object_set_new(p, "new_module_href",
	    json_string(arena_printf(req->arena, "/contrats/%lld/parcours/modules/nouveau", (long long)cid)));
	{
		const char *tutor = arena_printf(req->arena, "/tuteurs/%lld", (long long)web_int(c, "tutor_id"));
		json_object_set_new(p, "tutor_href", json_string(web_may_open(req, tutor) ? tutor : ""));
	}
	json_object_set_new(
	    p, "contract_href", json_string(arena_printf(req->arena, "/contrats/%lld", (long long)cid)));
	json_object_set_new(p, "breadcrumb",
	    crumbs(arena_printf(req->arena, "Contrat n° %lld", (long long)cid),
	        arena_printf(req->arena, "/contrats/%lld", (long long)cid), NULL, NULL, "Parcours emploi-formation"));
	web_page(req, 200, "path.html", web_text(p, "heading"), p);
}

void
web_path_template(struct request *req)
{
	int64_t created = 0;
	tr_err err = training_path_apply_template(&req->ctx, req->params[0], &created);

	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/contrats/%lld/parcours", (long long)req->params[0]),
		    "training_template");
	else
		resp_error(req, err, NULL);
}

/* The form of a module: FT_REF training_org_id as a select of the training organisations. */
static void
module_form_page(struct request *req, int status, const char *action, const char *heading, json_t *values,
    int64_t version, json_t *module)
{
	int64_t cid = req->params[0];
	json_t *orgs = NULL, *form, *data;
	const char *path = arena_printf(req->arena, "/contrats/%lld/parcours", (long long)cid);
	tr_err err = training_org_list(&req->ctx, &orgs);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	form = web_form(req, &entity_path_module, values, action, "Enregistrer le module", path, NULL);
	to_select(req, form, "training_org_id", json_object_get(orgs, "items"), "id", "name", values);
	json_decref(orgs);
	if (version > 0)
		json_object_set_new(form, "version", json_integer(version));
	data = json_pack("{s:s, s:o, s:o}", "heading", heading, "form", form, "breadcrumb",
	    crumbs("Parcours emploi-formation", path, NULL, NULL, heading));
	if (module) {
		json_t *acts = json_array(), *a;
		size_t i;
		json_int_t mid = web_int(module, "id");
		json_array_foreach(json_object_get(module, "actions"), i, a)
		{
			const char *code = web_text(a, "action");
			json_array_append_new(
			    acts, json_pack("{s:s, s:s, s:s, s:b}", "code", code, "label", web_text(a, "label"), "href",
			              module_href(req, cid, mid, arena_printf(req->arena, "/actions/%s", code)),
			              "reason", strcmp(code, "abandon") == 0));
		}
		json_object_set_new(data, "module",
		    json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:b}", "version", (json_int_t)web_int(module, "version"),
		        "state_label", web_text(module, "state_label"), "badge", web_badge(req, module), "late_reason",
		        web_text(module, "late_reason"), "actions", acts, "remove_action",
		        module_href(req, cid, mid, "/retirer"), "removable",
		        strcmp(web_text(module, "state"), "completed") != 0));
		if (req->ctx.message && status == 409)
			json_object_set_new(data, "conflict", json_string(req->ctx.message));
	}
	web_page(req, status, "path_module.html",
	    req->ctx.errors.n || status == 409 ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

void
web_path_module_new_form(struct request *req)
{
	json_t *p = NULL;
	tr_err err = training_path_get(&req->ctx, req->params[0], &p);

	if (err == TR_OK && !json_is_true(json_object_get(p, "can_edit")))
		err = ctx_fail(&req->ctx, TR_FORBIDDEN,
		    "Seuls la structure employeuse et le pôle de ressources de la région modifient le parcours.");
	json_decref(p);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	module_form_page(req, 200,
	    arena_printf(req->arena, "/contrats/%lld/parcours/modules/nouveau", (long long)req->params[0]),
	    "Ajouter un module", NULL, 0, NULL);
}

void
web_path_module_new(struct request *req)
{
	json_t *in = req_form_object(req, &entity_path_module);
	int64_t id = 0;
	tr_err err = training_module_create(&req->ctx, req->params[0], in, &id);

	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/contrats/%lld/parcours", (long long)req->params[0]),
		    "module_created");
	else if (err == TR_INVALID)
		module_form_page(req, 422,
		    arena_printf(req->arena, "/contrats/%lld/parcours/modules/nouveau", (long long)req->params[0]),
		    "Ajouter un module", in, 0, NULL);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

/* Module req->params[1] of contract req->params[0] (TR_NOT_FOUND when it belongs to another contract). */
static tr_err
path_module(struct request *req, json_t **m)
{
	tr_err err = training_module_get(&req->ctx, req->params[1], m);

	if (err == TR_OK && web_int(*m, "contract_id") != req->params[0]) {
		json_decref(*m);
		*m = NULL;
		return ctx_fail(&req->ctx, TR_NOT_FOUND, "Ce module n'est pas dans ce parcours.");
	}
	return err;
}

/* The page of a module: its form, its actions; STATUS 422 re-renders SENT with errors, 409 the current values. */
static void
module_page(struct request *req, int status, json_t *sent)
{
	json_t *m = NULL;
	tr_err err = path_module(req, &m);

	if (err == TR_OK && !json_is_true(json_object_get(m, "can_edit")))
		err = ctx_fail(&req->ctx, TR_FORBIDDEN,
		    "Seuls la structure employeuse et le pôle de ressources de la région modifient le parcours.");
	if (err != TR_OK) {
		json_decref(m);
		resp_error(req, err, NULL);
		return;
	}
	module_form_page(req, status, module_href(req, req->params[0], req->params[1], "/modifier"),
	    arena_printf(req->arena, "Module « %s »", web_text(m, "title")), sent ? sent : m,
	    sent ? form_version(req) : web_int(m, "version"), m);
	json_decref(m);
}

void
web_path_module(struct request *req)
{
	module_page(req, 200, NULL);
}

void
web_path_module_edit(struct request *req)
{
	json_t *m = NULL, *in = req_form_object(req, &entity_path_module);
	tr_err err = path_module(req, &m);

	json_decref(m);
	if (err == TR_OK)
		err = training_module_update(&req->ctx, req->params[1], form_version(req), in);
	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/contrats/%lld/parcours", (long long)req->params[0]),
		    "module_saved");
	else if (err == TR_INVALID)
		module_page(req, 422, in);
	else if (err == TR_CONFLICT)
		module_page(req, 409, NULL);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_path_module_remove(struct request *req)
{
	json_t *m = NULL;
	tr_err err = path_module(req, &m);

	json_decref(m);
	if (err == TR_OK)
		err = training_module_remove(&req->ctx, req->params[1], form_version(req));
	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/contrats/%lld/parcours", (long long)req->params[0]),
		    "training_module_removed");
	else if (err == TR_CONFLICT)
		module_page(req, 409, NULL);
	else
		resp_error(req, err, NULL);
}

void
web_path_module_act(struct request *req)
{
	json_t *m = NULL, *payload = json_object();
	const char *reason = req_form(req, "reason");
	const char *back = arena_printf(req->arena, "/contrats/%lld/parcours", (long long)req->params[0]);
	tr_err err = path_module(req, &m);

	json_decref(m);
	if (err == TR_OK &&
	    web_confirm_action(req, &module_workflow, req->sparams[0], training_module_get, req->params[1], back)) {
		json_decref(payload);
		return;
	}
	if (reason)
		json_object_set_new(payload, "reason", json_string(reason));
	if (err == TR_OK)
		err = training_module_act(
		    &req->ctx, req->params[1], req->sparams[0], form_version(req), payload, NULL, NULL);
	if (err == TR_OK)
		web_done_action(req, back, &module_workflow, req->sparams[0], req->params[1]);
	else if (err == TR_INVALID || err == TR_CONFLICT) {
		if (err == TR_INVALID && req->ctx.message == NULL)
			req->ctx.message = field_errors_get(&req->ctx.errors, "reason");
		req->ctx.errors.n = 0;
		module_page(req, 409, NULL);
	} else
		resp_error(req, err, NULL);
	json_decref(payload);
}

/* ================================================================================================
 * Sessions
 */

static const char *
session_href(struct request *req, json_int_t id, const char *tail)
{
	return arena_printf(req->arena, "/sessions/%lld%s", (long long)id, tail);
}

/* Adds to session S what the list and the page show: href, period, place text, seats text, badge. */
static void
session_view(struct request *req, json_t *s)
{
	json_int_t id = web_int(s, "id");
	const char *place = web_opt_text(s, "place_nom")
	                        ? arena_printf(req->arena, "%s%s%s", web_text(s, "place_nom"),
	                              web_opt_text(s, "place_commune") ? ", " : "", web_text(s, "place_commune"))
	                        : "";

	if (json_is_true(json_object_get(s, "remote")))
		place = *place ? arena_printf(req->arena, "%s, ou à distance", place) : "À distance";
	json_object_set_new(s, "href", json_string(session_href(req, id, "")));
	json_object_set_new(
	    s, "period", json_string(period_fr(req, web_opt_text(s, "starts_on"), web_opt_text(s, "ends_on"))));
	json_object_set_new(s, "deadline_text", json_string(web_day_fr(req, web_opt_text(s, "registration_deadline"))));
	json_object_set_new(s, "place_text", json_string(*place ? place : "—"));
	json_object_set_new(s, "seats_text",
	    json_string(arena_printf(req->arena, "%s sur %s%s",
	        fr_count(req->arena, web_int(s, "registered"), "inscrit", "inscrits"),
	        fr_count(req->arena, web_int(s, "capacity"), "place", "places"),
	        web_int(s, "waiting") ? arena_printf(req->arena, ", %lld en attente", (long long)web_int(s, "waiting"))
	                              : "")));
	json_object_set_new(s, "badge", json_string(web_badge(req, s)));
	json_object_set_new(s, "full", json_boolean(web_int(s, "seats_left") == 0));
	json_object_set_new(s, "runner",
	    json_string(web_opt_text(s, "training_org_name") ? web_text(s, "training_org_name")
	                : web_opt_text(s, "pole_name")       ? web_text(s, "pole_name")
	                                                     : "—"));
}

/* A select field object of field.html for a GET filter, every key set. */
static json_t *
filter_select(struct request *req, const char *name, const char *label, json_t *options)
{
	const char *cur = req_query(req, name);
	json_t *o;
	size_t i;

	json_array_foreach(options, i, o)
	    json_object_set_new(o, "selected", json_boolean(cur && strcmp(cur, web_text(o, "value")) == 0));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:o, s:b, s:b, s:b, s:b, s:b, s:b}",
	    "id", name, "name", name, "label", label, "hint", "", "type", "text", "value", cur ? cur : "", "required",
	    0, "error", "", "autocomplete", "", "maxlength", 0, "checked", 0, "options", options, "is_text", 0,
	    "is_password", 0, "is_textarea", 0, "is_select", 1, "is_checkbox", 0, "is_radio", 0);
}

static json_t *
vocab_options(const struct vocab *v)
{
	json_t *o = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(
		    o, json_pack("{s:s, s:s}", "value", v->items[i].code, "label", v->items[i].label));
	return o;
}

static bool
query_on(struct request *req, const char *name)
{
	const char *v = req_query(req, name);

	return v && (strcmp(v, "1") == 0 || strcmp(v, "on") == 0);
}

/* "/sessions?page=N" then the filters Q ("&public=…"). */
static const char *
sessions_page_href(struct request *req, const char *q, int64_t page)
{
	return arena_printf(req->arena, "/sessions?page=%lld%s", (long long)page, q);
}

void
web_sessions(struct request *req)
{
	struct session_filter f = { .page = req_page(req), .per_page = 50 };
	const struct actor *a = req->ctx.actor;
	json_t *out = NULL, *regions = NULL, *s, *ropts, *r;
	size_t i;
	tr_err err;

	f.audience = req_query(req, "public");
	f.state = req_query(req, "etat");
	f.region = req_query(req, "region");
	f.at_risk = query_on(req, "a_risque");
	f.mine = query_on(req, "les_miennes");
	if (f.audience && vocab_label(&vocab_session_audience, f.audience) == NULL)
		f.audience = NULL;
	if (f.state && vocab_label(&vocab_session_state, f.state) == NULL)
		f.state = NULL;
	err = training_session_list(&req->ctx, &f, &out);
	if (err == TR_OK)
		err = region_list(&req->ctx, &regions);
	if (err != TR_OK) {
		json_decref(out);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(out, "items"), i, s) session_view(req, s);
	ropts = json_array();
	json_array_foreach(regions, i, r) json_array_append_new(
	    ropts, json_pack("{s:s, s:s}", "value", web_text(r, "code"), "label", web_text(r, "name")));
	json_decref(regions);
	json_object_set_new(out, "filters",
	    json_pack("{s:o, s:o, s:o, s:b, s:b}", "audience",
	        filter_select(req, "public", "Public", vocab_options(&vocab_session_audience)), "state",
	        filter_select(req, "etat", "État", vocab_options(&vocab_session_state)), "region",
	        filter_select(req, "region", "Région", ropts), "at_risk", f.at_risk, "mine", f.mine));
	json_object_set_new(
	    out, "total_text", json_string(fr_count(req->arena, web_int(out, "total"), "session", "sessions")));
	json_object_set_new(out, "sees_risk",
	    json_boolean(actor_has_any(a, ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))));
	json_object_set_new(out, "sees_tutors",
	    json_boolean(actor_has_any(a, ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))));
	json_object_set_new(
	    out, "sees_orgs", json_boolean(actor_has_any(a, ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))));
	{
		int64_t pages = (web_int(out, "total") + 49) / 50, page = web_int(out, "page");
		const char *q = "";
		if (f.audience)
			q = arena_printf(req->arena, "%s&public=%s", q, url_encode(req->arena, f.audience));
		if (f.state)
			q = arena_printf(req->arena, "%s&etat=%s", q, url_encode(req->arena, f.state));
		if (f.region && *f.region)
			q = arena_printf(req->arena, "%s&region=%s", q, url_encode(req->arena, f.region));
		if (f.at_risk)
			q = arena_printf(req->arena, "%s&a_risque=1", q);
		if (f.mine)
			q = arena_printf(req->arena, "%s&les_miennes=1", q);
		web_pager(req, out, page, pages, sessions_page_href, q);
	}
	json_object_set_new(out, "heading", json_string(f.at_risk ? "Sessions à risque" : "Sessions de formation"));
	json_object_set_new(out, "breadcrumb", crumbs(NULL, NULL, NULL, NULL, "Sessions de formation"));
	web_page(req, 200, "sessions.html", f.at_risk ? "Sessions à risque" : "Sessions de formation", out);
}

void
web_sessions_at_risk(struct request *req)
{
	json_t *items = NULL, *s, *data;
	size_t i;
	tr_err err = training_sessions_at_risk(&req->ctx, NULL, &items);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(items, i, s)
	{
		json_object_set_new(s, "href", json_string(session_href(req, web_int(s, "id"), "")));
		json_object_set_new(
		    s, "deadline_text", json_string(web_day_fr(req, web_opt_text(s, "registration_deadline"))));
		json_object_set_new(s, "starts_text", json_string(web_day_fr(req, web_opt_text(s, "starts_on"))));
		json_object_set_new(
		    s, "audience_label", json_string(vocab_label(&vocab_session_audience, web_text(s, "audience"))));
		json_object_set_new(
		    s, "missing", json_integer(web_int(s, "min_registrants") - web_int(s, "registered")));
	}
	data = json_pack("{s:o, s:o}", "items", items, "breadcrumb",
	    crumbs("Sessions de formation", "/sessions", NULL, NULL, "Sessions à risque"));
	web_page(req, 200, "sessions_at_risk.html", "Sessions à risque", data);
}

/* The session form: references as selects of what the actor may choose. */
static void
session_form_page(struct request *req, int status, const char *action, const char *heading, json_t *values,
    int64_t version, const char *cancel)
{
	json_t *ch = NULL, *regions = NULL, *form, *aud, *a;
	size_t i;
	tr_err err = training_session_choices(&req->ctx, &ch);

	if (err == TR_OK)
		err = region_list(&req->ctx, &regions);
	if (err != TR_OK) {
		json_decref(ch);
		resp_error(req, err, NULL);
		return;
	}
	form = web_form(req, &entity_session, values, action, "Enregistrer la session", cancel, NULL);
	to_select(req, form, "programme_id", json_object_get(ch, "programmes"), "id", "name", values);
	to_select(req, form, "training_org_id", json_object_get(ch, "training_orgs"), "id", "name", values);
	to_select(req, form, "pole_id", json_object_get(ch, "poles"), "id", "name", values);
	to_select(req, form, "region_code", regions, "code", "name", values);
	/* The place: a picker of the directory (web_picker_field, FT_PLACE), the actor's own places suggested. */
	aud = json_array();
	json_array_foreach(json_object_get(ch, "audiences"), i, a)
	    json_array_append_new(aud, json_pack("{s:s, s:s}", "code", json_string_value(a), "label",
	                                   vocab_label(&vocab_session_audience, json_string_value(a))));
	to_select(req, form, "audience", aud, "code", "label", values);
	json_decref(aud);
	json_decref(regions);
	json_decref(ch);
	if (version > 0)
		json_object_set_new(form, "version", json_integer(version));
	form_page(req, status, heading,
	    "Les formateurs proposent les modules des parcours des jeunes ; les pôles de ressources organisent la "
	    "formation des tuteurs. Sous le minimum d'inscrits à la date limite, la session est annulée et chacun est "
	    "prévenu.",
	    form, crumbs("Sessions de formation", "/sessions", NULL, NULL, heading));
}

void
web_session_new_form(struct request *req)
{
	json_t *values = json_object();
	const struct actor *a = req->ctx.actor;

	/* What the actor most likely creates: trainers, a module for recruits; pole staff, a tutor training. */
	json_object_set_new(values, "audience",
	    json_string(actor_has(a, ROLE_POLE) && !actor_has(a, ROLE_TRAINER) ? "tutors" : "recruits"));
	for (size_t i = 0; a && i < a->nroles; i++)
		if (a->roles[i].role == ROLE_TRAINER)
			json_object_set_new(values, "training_org_id", json_integer(a->roles[i].org_id));
	session_form_page(req, 200, "/sessions/nouvelle", "Nouvelle session de formation", values, 0, "/sessions");
	json_decref(values);
}

void
web_session_new(struct request *req)
{
	json_t *in = req_form_object(req, &entity_session);
	int64_t id = 0;
	tr_err err =
	    web_pickers_resolve(req, &entity_session, in) ? training_session_create(&req->ctx, in, &id) : TR_INVALID;

	if (err == TR_OK)
		web_done_id(req, session_href(req, id, ""), "session_created", id);
	else if (err == TR_INVALID)
		session_form_page(req, 422, "/sessions/nouvelle", "Nouvelle session de formation", in, 0, "/sessions");
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_session_edit_form(struct request *req)
{
	json_t *s = NULL;
	tr_err err = training_session_get(&req->ctx, req->params[0], &s);

	if (err == TR_OK && !json_is_true(json_object_get(s, "can_edit")))
		err = ctx_fail(&req->ctx, TR_FORBIDDEN, "Seuls ceux qui organisent cette session la modifient.");
	if (err != TR_OK) {
		json_decref(s);
		resp_error(req, err, NULL);
		return;
	}
	session_form_page(req, 200, session_href(req, req->params[0], "/modifier"),
	    arena_printf(req->arena, "Modifier la session « %s »", web_text(s, "title")), s, web_int(s, "version"),
	    session_href(req, req->params[0], ""));
	json_decref(s);
}

void
web_session_edit(struct request *req)
{
	json_t *in = req_form_object(req, &entity_session);
	tr_err err = web_pickers_resolve(req, &entity_session, in)
	                 ? training_session_update(&req->ctx, req->params[0], form_version(req), in)
	                 : TR_INVALID;

	if (err == TR_OK)
		web_done_id(req, session_href(req, req->params[0], ""), "session_saved", req->params[0]);
	else if (err == TR_INVALID)
		session_form_page(req, 422, session_href(req, req->params[0], "/modifier"), "Modifier la session", in,
		    form_version(req), session_href(req, req->params[0], ""));
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

/* The page of session req->params[0]; FAILED names the form sent back with errors ("register", "cancel"), CONFLICT
 * a refusal to show at the top. */
static void
session_page(struct request *req, int status, const char *failed, const char *conflict)
{
	int64_t id = req->params[0];
	json_t *s = NULL, *g, *c, *modules, *m, *summary;
	size_t i, k;
	tr_err err = training_session_get(&req->ctx, id, &s);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	session_view(req, s);
	json_array_foreach(json_object_get(s, "registrations"), i, g)
	{
		json_object_set_new(g, "badge", json_string(web_badge(req, g)));
		json_object_set_new(g, "cancel_action",
		    json_string(arena_printf(req->arena, "/inscriptions/%lld/annuler", (long long)web_int(g, "id"))));
		bool reach = false;
		if (web_int(g, "contract_id") > 0 && web_int(g, "person_id") != req->ctx.actor->person_id &&
		    scope_reaches(&req->ctx, &contract_scope, web_int(g, "contract_id"), &reach) == TR_OK && reach)
			json_object_set_new(g, "path_href",
			    json_string(arena_printf(
			        req->arena, "/contrats/%lld/parcours", (long long)web_int(g, "contract_id"))));
	}
	if (json_is_object(json_object_get(s, "mine"))) {
		g = json_object_get(s, "mine");
		json_object_set_new(
		    g, "state_label", json_string(vocab_label(&vocab_registration_state, web_text(g, "state"))));
		json_object_set_new(g, "cancel_action",
		    json_string(arena_printf(req->arena, "/inscriptions/%lld/annuler", (long long)web_int(g, "id"))));
	}
	/* The register form of a structure: its recruits, and the modules of their paths. */
	modules = json_array();
	json_array_foreach(json_object_get(s, "contracts"), i, c)
	{
		json_object_set_new(
		    c, "value", json_string(arena_printf(req->arena, "%lld", (long long)web_int(c, "id"))));
		json_array_foreach(json_object_get(c, "modules"), k, m) json_array_append_new(modules,
		    json_pack("{s:s, s:s}", "value", arena_printf(req->arena, "%lld", (long long)web_int(m, "id")),
		        "label",
		        arena_printf(req->arena, "%s — %s", web_text(c, "candidate_name"), web_text(m, "title"))));
	}
	json_object_set_new(s, "module_options", modules);
	json_object_set_new(s, "for_recruits", json_boolean(strcmp(web_text(s, "audience"), "recruits") == 0));
	json_object_set_new(s, "register_action", json_string(session_href(req, id, "/inscriptions")));
	json_object_set_new(s, "edit_href", json_string(session_href(req, id, "/modifier")));
	json_object_set_new(s, "attendance_href", json_string(session_href(req, id, "/presences")));
	json_object_set_new(s, "cancel_session_action", json_string(session_href(req, id, "/actions/cancel")));
	json_object_set_new(s, "can_cancel_session", json_false());
	json_array_foreach(json_object_get(s, "actions"), i, g) if (strcmp(web_text(g, "action"), "cancel") == 0)
	    json_object_set_new(s, "can_cancel_session", json_true());
	json_object_set_new(s, "description_lines", web_lines(web_opt_text(s, "description")));
	json_object_set_new(
	    s, "hours_text", json_string(web_int(s, "hours") ? hours_fr(req, web_int(s, "hours")) : "—"));
	summary = json_array();
	for (i = 0; i < req->ctx.errors.n; i++)
		json_array_append_new(summary,
		    json_pack("{s:s, s:s}", "field_id",
		        arena_printf(req->arena, "%s-%s", failed ? failed : "register", req->ctx.errors.items[i].field),
		        "message", req->ctx.errors.items[i].message));
	json_object_set_new(s, "errors_summary", summary);
	json_object_set_new(s, "register_error",
	    json_string(failed && strcmp(failed, "register") == 0 && field_errors_get(&req->ctx.errors, "contract_id")
	                    ? field_errors_get(&req->ctx.errors, "contract_id")
	                    : ""));
	json_object_set_new(s, "module_error",
	    json_string(
	        failed && strcmp(failed, "register") == 0 && field_errors_get(&req->ctx.errors, "path_module_id")
	            ? field_errors_get(&req->ctx.errors, "path_module_id")
	            : ""));
	json_object_set_new(s, "reason_error",
	    json_string(failed && strcmp(failed, "cancel") == 0 && field_errors_get(&req->ctx.errors, "cancel_reason")
	                    ? field_errors_get(&req->ctx.errors, "cancel_reason")
	                    : ""));
	if (conflict)
		json_object_set_new(s, "conflict", json_string(conflict));
	json_object_set_new(
	    s, "breadcrumb", crumbs("Sessions de formation", "/sessions", NULL, NULL, web_text(s, "title")));
	web_page(req, status, "session.html",
	    req->ctx.errors.n || conflict ? arena_printf(req->arena, "Erreur : %s", web_text(s, "title"))
	                                  : web_text(s, "title"),
	    s);
}

void
web_session(struct request *req)
{
	session_page(req, 200, NULL, NULL);
}

void
web_session_act(struct request *req)
{
	json_t *payload;
	tr_err err;

	if (web_confirm_action(req, &session_workflow, req->sparams[0], training_session_get, req->params[0],
	        session_href(req, req->params[0], "")))
		return;
	payload = req_form_object(req, &entity_session_cancel);
	err = training_session_act(&req->ctx, req->params[0], req->sparams[0], form_version(req), payload, NULL, NULL);
	if (err == TR_OK)
		web_done_action(
		    req, session_href(req, req->params[0], ""), &session_workflow, req->sparams[0], req->params[0]);
	else if (err == TR_INVALID)
		session_page(req, 422, "cancel", NULL);
	else if (err == TR_CONFLICT)
		session_page(req, 409, NULL, req->ctx.message);
	else
		resp_error(req, err, NULL);
	json_decref(payload);
}

void
web_session_register(struct request *req)
{
	json_t *in = req_form_object(req, &entity_registration);
	int64_t id = 0;
	const char *state = NULL;
	tr_err err = training_register(&req->ctx, req->params[0], in, &id, &state);

	if (err == TR_OK)
		web_done(req, session_href(req, req->params[0], ""),
		    strcmp(state, "registered") == 0 ? "training_registered" : "training_waiting");
	else if (err == TR_INVALID)
		session_page(req, 422, "register", NULL);
	else if (err == TR_CONFLICT)
		session_page(req, 409, NULL, req->ctx.message);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_registration_cancel(struct request *req)
{
	int64_t session_id = 0;
	tr_err err = training_registration_cancel(&req->ctx, req->params[0], &session_id);

	if (err == TR_OK)
		web_done(req, session_href(req, session_id, ""), "training_reg_cancelled");
	else if (err == TR_CONFLICT && session_id > 0) {
		const char *msg = req->ctx.message;
		req->params[0] = session_id;
		session_page(req, 409, NULL, msg);
	} else
		resp_error(req, err, NULL);
}

/* ---- attendance ---- */

static void
attendance_page(struct request *req, int status, const char *day)
{
	int64_t id = req->params[0];
	json_t *a = NULL, *s, *d, *row, *days;
	size_t i;
	tr_err err = training_attendance_get(&req->ctx, id, day, &a);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	s = json_object_get(a, "session");
	days = json_object_get(a, "days");
	json_array_foreach(days, i, d)
	{
		json_object_set_new(d, "value", json_string(web_text(d, "day")));
		json_object_set_new(d, "label",
		    json_string(arena_printf(req->arena, "%s (%s sur %lld)", web_day_fr(req, web_text(d, "day")),
		        fr_count(req->arena, web_int(d, "recorded"), "relevé", "relevés"),
		        (long long)web_int(s, "registered"))));
		json_object_set(d, "selected", json_object_get(d, "current"));
	}
	json_array_foreach(json_object_get(a, "rows"), i, row)
	{
		json_int_t pid = web_int(row, "person_id");
		const char *err_h =
		    field_errors_get(&req->ctx.errors, arena_printf(req->arena, "hours-%lld", (long long)pid));
		json_object_set_new(
		    row, "present_id", json_string(arena_printf(req->arena, "present-%lld", (long long)pid)));
		json_object_set_new(
		    row, "hours_id", json_string(arena_printf(req->arena, "hours-%lld", (long long)pid)));
		json_object_set_new(row, "hours_value",
		    json_string(arena_printf(req->arena, "%lld",
		        (long long)(web_int(row, "recorded") ? web_int(row, "hours") : web_int(a, "default_hours")))));
		json_object_set_new(row, "checked",
		    json_boolean(web_int(row, "recorded") ? json_is_true(json_object_get(row, "present")) : true));
		json_object_set_new(row, "error", json_string(err_h ? err_h : ""));
	}
	json_object_set_new(a, "day_label", json_string(web_day_fr(req, web_text(a, "day"))));
	json_object_set_new(a, "action", json_string(session_href(req, id, "/presences")));
	json_object_set_new(a, "session_href", json_string(session_href(req, id, "")));
	json_object_set_new(
	    a, "heading", json_string(arena_printf(req->arena, "Présences — %s", web_text(s, "title"))));
	json_object_set_new(a, "breadcrumb",
	    crumbs("Sessions de formation", "/sessions", web_text(s, "title"), session_href(req, id, ""), "Présences"));
	web_page(req, status, "session_attendance.html",
	    req->ctx.errors.n ? arena_printf(req->arena, "Erreur : %s", web_text(a, "heading"))
	                      : web_text(a, "heading"),
	    a);
}

void
web_session_attendance(struct request *req)
{
	attendance_page(req, 200, req_query(req, "jour"));
}

void
web_session_attendance_record(struct request *req)
{
	struct str people[500];
	size_t n = form_get_all(&req->form, "person", people, ARRAY_LEN(people));
	const char *day = req_form(req, "day");
	json_t *entries = json_array();
	tr_err err;

	for (size_t i = 0; i < n; i++) {
		long long pid;
		struct str h;
		if (!str_to_i64(people[i], &pid))
			continue;
		h = form_get(&req->form, arena_printf(req->arena, "hours-%lld", pid));
		if (h.p == NULL || h.n == 0)
			h = str_c("0");
		/* Unticked with the hours the sheet proposed left as they were: an absence. Hours typed for someone
		 * unticked go to the domain, which asks which is right. */
		if (!form_has(&req->form, arena_printf(req->arena, "present-%lld", pid)) &&
		    str_eq(h, form_get(&req->form, arena_printf(req->arena, "hours-%lld-shown", pid))))
			h = str_c("0");
		json_array_append_new(entries,
		    json_pack("{s:I, s:s?, s:b, s:s%}", "person_id", (json_int_t)pid, "day", day, "present",
		        form_has(&req->form, arena_printf(req->arena, "present-%lld", pid)), "hours", h.p, h.n));
	}
	err = training_attendance_record(&req->ctx, req->params[0], entries);
	json_decref(entries);
	if (err == TR_OK)
		web_done(req,
		    arena_printf(req->arena, "/sessions/%lld/presences?jour=%s", (long long)req->params[0],
		        url_encode(req->arena, day ? day : "")),
		    "training_attendance");
	else if (err == TR_INVALID)
		attendance_page(req, 422, day);
	else
		resp_error(req, err, NULL);
}

/* ================================================================================================
 * Tutors
 */

void
web_tutors(struct request *req)
{
	bool without = query_on(req, "sans_formation");
	json_t *out = NULL, *t;
	size_t i;
	tr_err err = training_tutor_list(&req->ctx, without, &out);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(out, "items"), i, t) json_object_set_new(
	    t, "href", json_string(arena_printf(req->arena, "/tuteurs/%lld", (long long)web_int(t, "id"))));
	json_object_set_new(out, "without", json_boolean(without));
	json_object_set_new(out, "heading", json_string(without ? "Tuteurs sans formation" : "Tuteurs"));
	json_object_set_new(out, "total_text",
	    json_string(
	        fr_count(req->arena, (long long)json_array_size(json_object_get(out, "items")), "tuteur", "tuteurs")));
	json_object_set_new(out, "breadcrumb",
	    crumbs("Sessions de formation", "/sessions", NULL, NULL, without ? "Tuteurs sans formation" : "Tuteurs"));
	web_page(req, 200, "training_tutors.html", without ? "Tuteurs sans formation" : "Tuteurs", out);
}

void
web_tutor(struct request *req)
{
	json_t *out = NULL, *x;
	size_t i;
	tr_err err = training_tutor_get(&req->ctx, req->params[0], &out);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(out, "trainings"), i, x)
	{
		json_object_set_new(x, "href",
		    json_string(arena_printf(req->arena, "/sessions/%lld", (long long)web_int(x, "session_id"))));
		json_object_set_new(
		    x, "period", json_string(period_fr(req, web_opt_text(x, "starts_on"), web_opt_text(x, "ends_on"))));
		json_object_set_new(x, "hours_text", json_string(hours_fr(req, web_int(x, "hours_present"))));
		json_object_set_new(x, "badge", json_string(web_badge(req, x)));
	}
	json_array_foreach(json_object_get(out, "contracts"), i, x)
	{
		json_object_set_new(
		    x, "period", json_string(period_fr(req, web_opt_text(x, "start_on"), web_opt_text(x, "end_on"))));
		bool reach = false;
		/* The tutor's contracts the reader oversees may include some whose path is not theirs to open. */
		if (scope_reaches(&req->ctx, &contract_scope, web_int(x, "id"), &reach) != TR_OK)
			reach = false;
		json_object_set_new(x, "path_href",
		    json_string(
		        reach ? arena_printf(req->arena, "/contrats/%lld/parcours", (long long)web_int(x, "id")) : ""));
	}
	json_object_set_new(out, "heading",
	    json_string(
	        arena_printf(req->arena, "Formation du tuteur %s", web_text(json_object_get(out, "person"), "name"))));
	json_object_set_new(out, "breadcrumb",
	    crumbs("Sessions de formation", "/sessions", NULL, NULL, web_text(json_object_get(out, "person"), "name")));
	web_page(req, 200, "training_tutor.html", web_text(out, "heading"), out);
}
