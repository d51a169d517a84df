/* Pages that change the directory: the import of a file (/lieux/import), the form of a place drawn from the
 * standard's field table, to edit one (/lieux/{id}/modifier) or create one (/lieux/nouveau), and the likely
 * duplicates (/admin/doublons). */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/accounts/org.h"
#include "domain/places/place.h"
#include "http/router.h"

/* The marker the edit form sends, so that unchecked checkboxes mean "none" only when the form was shown. */
#define FORM_MARKER "formulaire_complet"
#define VALUES_MAX 64

/* Help under the fields that need it. */
static const struct {
	const char *field, *hint;
} place_hints[] = {
	{ "pivot", "SIRET, RNA ou RIDET de la structure : de 9 à 14 lettres ou chiffres." },
	{ "code_postal", "5 chiffres." },
	{ "code_insee", "5 caractères, par exemple 51454 ; il situe le lieu dans sa commune." },
	{ "latitude",
	    "Degrés décimaux (WGS 84), par exemple 49.2583. Vide : la position de la commune, approximative." },
	{ "longitude", "Degrés décimaux (WGS 84), par exemple 4.0317." },
	{ "telephone", "Format international sans espace, par exemple +33180059880." },
	{ "courriels", "Plusieurs adresses séparées par « | »." },
	{ "site_web", "Adresses commençant par https://, plusieurs séparées par « | »." },
	{ "horaires", "Syntaxe OpenStreetMap, par exemple Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00." },
	{ "typologie", "Codes séparés par « | », par exemple TIERS_LIEUX|ASSO." },
	{ "fiche_acces_libre", "Adresse de la fiche du lieu sur acceslibre.beta.gouv.fr." },
	{ "prise_rdv", "Adresse de la prise de rendez-vous en ligne." },
};

static const char *
place_hint(const char *name)
{
	for (size_t i = 0; i < sizeof(place_hints) / sizeof(place_hints[0]); i++)
		if (strcmp(place_hints[i].field, name) == 0)
			return place_hints[i].hint;
	return "";
}

/* One field object for field.html and the checkbox groups of place_edit.html: every key set. */
static json_t *
field_object(struct request *req, const char *name, const char *label, const char *hint, const char *value)
{
	const char *err = field_errors_get(&req->ctx.errors, name);

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:[], s:b, s:b, s:b, s:b, s:b, s:b, "
	                 "s:b}",
	    "id", name, "name", name, "label", label, "hint", hint ? hint : "", "type", "text", "value",
	    value ? value : "", "required", 0, "error", err ? err : "", "autocomplete", "", "maxlength", 0, "checked",
	    0, "options", "is_text", 1, "is_password", 0, "is_textarea", 0, "is_select", 0, "is_checkbox", 0,
	    "is_radio", 0, "is_group", 0);
}

static void
set_kind(json_t *f, const char *kind)
{
	static const char *const kinds[] = { "is_text", "is_textarea", "is_select", "is_checkbox", "is_group" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		json_object_set_new(f, kinds[i], json_boolean(strcmp(kinds[i], kind) == 0));
}

/* A checkbox group of CODES (with LABELS, or the codes themselves), those in the '|'-joined SELECTED checked. */
static json_t *
group_field(struct request *req, const char *name, const char *label, const char *hint, const struct vocab_item *items,
    size_t n, const char *selected)
{
	json_t *f = field_object(req, name, label, hint, ""), *opts = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    opts, json_pack("{s:s, s:s, s:b}", "value", items[i].code, "label", items[i].label, "selected",
		              str_list_has(selected, items[i].code, strlen(items[i].code))));
	json_object_set_new(f, "options", opts);
	json_object_set_new(f, "group_hint", json_string(hint ? hint : ""));
	set_kind(f, "is_group");
	return f;
}

/* The string member KEY of O, or "". */
static const char *
json_text(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* The fields of the edit form: the standard's (but the id and the date, which the platform keeps), then the
 * extras. VALUES is a place (place_json) or the form sent back. */
static json_t *
edit_fields(struct request *req, json_t *values, json_t *networks, json_t *orgs)
{
	json_t *fields = json_array(), *f;

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const struct field *pf = &place_fields[i];
		const char *value = json_text(values, pf->name);
		if (i == PLACE_F_ID || i == PLACE_F_DATE_MAJ)
			continue;
		if (pf->type == FT_NUMBER && json_is_number(json_object_get(values, pf->name)))
			value = arena_printf(req->arena, "%.15g", json_number_value(json_object_get(values, pf->name)));
		if (place_nvalues(pf) > 0) {
			json_array_append_new(
			    fields, group_field(req, pf->name, pf->label, "", pf->vocab->items, pf->vocab->n, value));
			continue;
		}
		f = field_object(req, pf->name, pf->label, place_hint(pf->name), value);
		json_object_set_new(f, "required", json_boolean(pf->required));
		json_object_set_new(
		    f, "maxlength", json_integer(pf->max_len ? (json_int_t)pf->max_len : PLACE_MAX_CHARS));
		if (i == PLACE_F_TELEPHONE)
			json_object_set_new(f, "type", json_string("tel"));
		if (pf->flags & FF_MULTILINE)
			set_kind(f, "is_textarea");
		json_array_append_new(fields, f);
	}
	if (orgs) {
		json_t *opts = json_array();
		json_int_t sel = json_integer_value(json_object_get(values, "organisation_id"));
		if (json_is_string(json_object_get(values, "organisation_id")))
			sel = strtoll(json_text(values, "organisation_id"), NULL, 10);
		for (size_t i = 0; i < json_array_size(orgs); i++) {
			json_t *o = json_array_get(orgs, i);
			json_int_t id = json_integer_value(json_object_get(o, "id"));
			json_array_append_new(
			    opts, json_pack("{s:s, s:s, s:b}", "value", arena_printf(req->arena, "%lld", (long long)id),
			              "label", json_text(o, "name"), "selected", id == sel));
		}
		f = field_object(
		    req, "organisation_id", "Structure gestionnaire", "La structure employeuse qui gère ce lieu.", "");
		json_object_set_new(f, "options", opts);
		set_kind(f, "is_select");
		json_array_append_new(fields, f);
	}
	f = field_object(req, "netpublic", "Labellisé NetPublic", "", "1");
	json_object_set_new(f, "checked", json_boolean(json_is_true(json_object_get(values, "netpublic"))));
	set_kind(f, "is_checkbox");
	json_array_append_new(fields, f);
	f = field_object(req, "listed_national", "Référencé dans l'annuaire national géolocalisé", "", "1");
	json_object_set_new(f, "checked", json_boolean(json_is_true(json_object_get(values, "listed_national"))));
	set_kind(f, "is_checkbox");
	json_array_append_new(fields, f);
	{
		struct vocab_item items[VALUES_MAX];
		const char *selected = "";
		size_t n = 0;
		json_t *sel = json_object_get(values, "networks");
		if (json_is_array(sel)) {
			for (size_t i = 0; i < json_array_size(sel); i++)
				selected = arena_printf(req->arena, "%s%s%s", selected, *selected ? "|" : "",
				    json_string_value(json_array_get(sel, i)));
		} else if (json_is_string(sel)) {
			selected = json_string_value(sel);
		}
		for (size_t i = 0; i < json_array_size(networks) && n < VALUES_MAX; i++, n++) {
			items[n].code = json_text(json_array_get(networks, i), "code");
			items[n].label = json_text(json_array_get(networks, i), "label");
		}
		json_array_append_new(fields, group_field(req, "networks", "Réseaux", "", items, n, selected));
	}
	return fields;
}

static json_t *
errors_summary(struct request *req)
{
	json_t *summary = json_array();

	for (size_t i = 0; i < req->ctx.errors.n; i++)
		json_array_append_new(summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field,
		                                   "message", req->ctx.errors.items[i].message));
	return summary;
}

/* The form page of place P, or of a new place when P is NULL (VALUES: what to show, P's own values or the form
 * sent back). */
static void
edit_page(struct request *req, int status, struct place *p, json_t *values)
{
	json_t *networks = NULL, *orgs = NULL, *list = NULL, *data;
	const char *id = p ? url_encode(req->arena, p->v[PLACE_F_ID]) : NULL;
	const char *heading = p ? arena_printf(req->arena, "Modifier « %s »", p->v[PLACE_F_NOM]) : "Nouveau lieu";

	if (place_networks(&req->ctx, &networks) != TR_OK)
		networks = json_array();
	/* Admins choose the managing organisation among all; others keep it (or get theirs, for a new place). */
	if (actor_has_any(req->ctx.actor, ROLE_BIT(ROLE_ADMIN)) && org_list(&req->ctx, NULL, NULL, 1, &list) == TR_OK)
		orgs = json_incref(json_object_get(list, "items"));
	json_decref(list);
	data = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "heading", heading, "action",
	    p ? arena_printf(req->arena, "/lieux/%s/modifier", id) : "/lieux/nouveau", "fields",
	    edit_fields(req, values, networks, orgs), "errors_summary", errors_summary(req), "cancel_href",
	    p ? arena_printf(req->arena, "/lieux/%s", id) : "/lieux", "marker", FORM_MARKER);
	if (p != NULL)
		json_object_set_new(data, "place",
		    json_pack("{s:s, s:I, s:s}", "id", p->v[PLACE_F_ID], "version", (json_int_t)p->version, "date_maj",
		        p->v[PLACE_F_DATE_MAJ]));
	json_decref(networks);
	json_decref(orgs);
	web_page(req, status, "place_edit.html",
	    arena_printf(req->arena, "%s%s", req->ctx.errors.n ? "Erreur : " : "", heading), data);
}

/* Reads the place of the path; answers the error, or a redirect to the place that absorbed it. */
static struct place *
path_place(struct request *req)
{
	struct place *p;
	tr_err err = place_get(&req->ctx, req->sparams[0], &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return NULL;
	}
	if (strcmp(p->v[PLACE_F_ID], req->sparams[0]) != 0) {
		resp_redirect(
		    req, 302, arena_printf(req->arena, "/lieux/%s/modifier", url_encode(req->arena, p->v[PLACE_F_ID])));
		return NULL;
	}
	if (!place_can_edit(&req->ctx, p)) {
		resp_error(req, TR_FORBIDDEN, "Vous ne pouvez modifier que les lieux de votre structure.");
		return NULL;
	}
	return p;
}

void
web_place_edit_form(struct request *req)
{
	struct place *p = path_place(req);
	json_t *values;

	if (p == NULL)
		return;
	values = place_json(p);
	edit_page(req, 200, p, values);
	json_decref(values);
}

/* '|'-joins the checked values of the group NAME. */
static const char *
form_group(struct request *req, const char *name)
{
	struct str vals[VALUES_MAX];
	size_t n = form_get_all(&req->form, name, vals, VALUES_MAX);
	const char *out = "";

	for (size_t i = 0; i < n && i < VALUES_MAX; i++)
		out = arena_printf(req->arena, "%s%s%.*s", out, *out ? "|" : "", (int)vals[i].n, vals[i].p);
	return out;
}

/* The place the form sent, as place_create and place_update read it: the fields sent, and when the form was
 * shown whole, the checkbox groups and boxes left unchecked. The caller owns it. */
static json_t *
form_input(struct request *req)
{
	bool complete = form_has(&req->form, FORM_MARKER);
	json_t *in = json_object();
	struct str v;

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const struct field *pf = &place_fields[i];
		if (place_nvalues(pf) > 0) {
			if (complete)
				json_object_set_new(in, pf->name, json_string(form_group(req, pf->name)));
		} else if ((v = form_get(&req->form, pf->name)).p != NULL) {
			json_object_set_new(in, pf->name, json_stringn(v.p, v.n));
		}
	}
	if ((v = form_get(&req->form, "organisation_id")).p != NULL)
		json_object_set_new(in, "organisation_id", json_stringn(v.p, v.n));
	if (complete || form_has(&req->form, "netpublic"))
		json_object_set_new(in, "netpublic", json_boolean(form_has(&req->form, "netpublic")));
	if (complete || form_has(&req->form, "listed_national"))
		json_object_set_new(in, "listed_national", json_boolean(form_has(&req->form, "listed_national")));
	if (complete || form_has(&req->form, "networks"))
		json_object_set_new(in, "networks", json_string(form_group(req, "networks")));
	return in;
}

void
web_place_edit(struct request *req)
{
	struct place *p = path_place(req);
	json_t *in;
	long long version = 0;
	struct str v;
	tr_err err;

	if (p == NULL)
		return;
	in = form_input(req);
	v = form_get(&req->form, "version");
	if (v.p == NULL || !str_to_i64(v, &version))
		version = 0;
	err = place_update(&req->ctx, p->v[PLACE_F_ID], version, in);
	if (err == TR_INVALID) {
		json_t *values = place_json(p);
		json_object_update(values, in);
		edit_page(req, 422, p, values);
		json_decref(values);
	} else if (err != TR_OK) {
		resp_error(req, err, NULL);
	} else {
		web_done(req, arena_printf(req->arena, "/lieux/%s", url_encode(req->arena, p->v[PLACE_F_ID])),
		    "place_saved");
	}
	json_decref(in);
}

/* ---- creation --------------------------------------------------------------------------------------------- */

void
web_place_new_form(struct request *req)
{
	json_t *values = json_object();

	edit_page(req, 200, NULL, values);
	json_decref(values);
}

void
web_place_new(struct request *req)
{
	json_t *in = form_input(req), *dups = NULL;
	const char *id = NULL;
	tr_err err = place_create(&req->ctx, in, &id);

	if (err == TR_INVALID) {
		edit_page(req, 422, NULL, in);
	} else if (err != TR_OK) {
		resp_error(req, err, NULL);
	} else {
		/* The likely duplicates found are on the place's page, for the person who created it. */
		bool similar = place_duplicates_of(&req->ctx, id, &dups) == TR_OK && json_array_size(dups) > 0;
		web_done(req, arena_printf(req->arena, "/lieux/%s", url_encode(req->arena, id)),
		    similar ? "place_created_similar" : "place_created");
		json_decref(dups);
	}
	json_decref(in);
}

/* ---- import ---------------------------------------------------------------------------------------------- */

/* The import page, with the networks places may belong to and the form that adds one. */
static void
import_page(struct request *req, int status, const struct place_report *rep, bool skip_invalid)
{
	json_t *networks = NULL;
	json_t *data = json_pack("{s:b, s:I}", "skip_invalid", skip_invalid, "max_mb",
	    (json_int_t)(req->ctx.cfg->max_upload_kb / 1024 ? req->ctx.cfg->max_upload_kb / 1024 : 1));
	const char *code_err = field_errors_get(&req->ctx.errors, "code"),
	           *label_err = field_errors_get(&req->ctx.errors, "label");

	if (place_networks(&req->ctx, &networks) == TR_OK)
		json_object_set_new(data, "networks", networks);
	json_object_set_new(data, "network_form",
	    json_pack("{s:[o, o]}", "fields",
	        field_object(req, "code", "Code du réseau",
	            "Lettres minuscules sans accent, chiffres et tirets, par exemple epn-drome.",
	            req_form(req, "code")),
	        field_object(req, "label", "Nom du réseau", "", req_form(req, "label"))));
	if (code_err || label_err)
		json_object_set_new(data, "network_errors", json_true());

	if (rep) {
		struct buf summary = BUF_INIT(4096);
		json_t *problems = json_array(), *r;
		for (size_t i = 0; i < rep->nproblems; i++) {
			const struct place_problem *pb = &rep->problems[i];
			json_array_append_new(
			    problems, json_pack("{s:I, s:s, s:s, s:s}", "line", (json_int_t)pb->line, "column",
			                  *pb->column ? pb->column : "—", "value", pb->value, "message", pb->message));
		}
		if (buf_printf(&summary, "%lld créé(s), %lld mis à jour, %lld inchangé(s), %lld rejeté(s).",
		        (long long)rep->created, (long long)rep->updated, (long long)rep->unchanged,
		        (long long)rep->rejected) != TR_OK)
			tr_oom("import summary");
		r = json_pack("{s:b, s:s?, s:s, s:o, s:I, s:s}", "imported", rep->imported, "fatal", rep->fatal,
		    "summary", buf_to_arena(&summary, req->arena), "problems", problems, "more", (json_int_t)rep->more,
		    "unit", rep->json ? "Objet" : "Ligne");
		json_object_set_new(r, "refused", json_boolean(!rep->imported));
		json_object_set_new(data, "report", r);
	}
	web_page(req, status, "place_import.html",
	    rep && !rep->imported ? "Erreur : importer des lieux" : "Importer des lieux", data);
}

void
web_place_import_form(struct request *req)
{
	import_page(req, 200, NULL, false);
}

void
web_place_import(struct request *req)
{
	const struct form_field *file = form_file(&req->form, "fichier");
	struct place_import_opts opts = { .skip_invalid = form_has(&req->form, "skip_invalid") };
	struct place_report rep;
	tr_err err;

	if (file == NULL || file->value.n == 0) {
		memset(&rep, 0, sizeof(rep));
		rep.fatal = "Choisissez un fichier CSV ou JSON à importer.";
		import_page(req, 422, &rep, opts.skip_invalid);
		return;
	}
	opts.filename = arena_str(req->arena, file->filename);
	err = place_import(&req->ctx, file->value.p, file->value.n, &opts, &rep);
	if (err == TR_OK || err == TR_INVALID)
		import_page(req, err == TR_OK ? 200 : 422, &rep, opts.skip_invalid);
	else
		resp_error(req, err, NULL);
}

void
web_place_network_add(struct request *req)
{
	tr_err err = place_network_add(&req->ctx, req_form(req, "code"), req_form(req, "label"));

	if (err == TR_INVALID || err == TR_CONFLICT) {
		if (err == TR_CONFLICT)
			field_errors_add(&req->ctx.errors, "code", "« Code du réseau » : ce code existe déjà.");
		import_page(req, err == TR_CONFLICT ? 409 : 422, NULL, false);
	} else if (err != TR_OK) {
		resp_error(req, err, NULL);
	} else {
		web_done(req, "/lieux/import#reseaux", "network_created");
	}
}

/* ---- duplicates ------------------------------------------------------------------------------------------ */

/* The rows of the comparison of places A and B: every field either of them fills. */
static json_t *
compare_rows(json_t *a, json_t *b)
{
	json_t *rows = json_array();

	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const char *name = place_fields[i].name;
		json_t *va = json_object_get(a, name), *vb = json_object_get(b, name);
		char *sa = json_dumps(va, JSON_ENCODE_ANY), *sb = json_dumps(vb, JSON_ENCODE_ANY);
		const char *ta = json_is_string(va) ? json_string_value(va) : (json_is_null(va) ? "" : sa);
		const char *tb = json_is_string(vb) ? json_string_value(vb) : (json_is_null(vb) ? "" : sb);
		if (*ta || *tb)
			json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:b}", "label", place_fields[i].label,
			                                "a", ta, "b", tb, "differ", strcmp(ta, tb) != 0));
		free(sa);
		free(sb);
	}
	return rows;
}

void
web_admin_duplicates(struct request *req)
{
	json_t *pairs = NULL;
	tr_err err = place_duplicates_open(&req->ctx, &pairs);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	for (size_t i = 0; i < json_array_size(pairs); i++) {
		json_t *p = json_array_get(pairs, i), *a = json_object_get(p, "a"), *b = json_object_get(p, "b");
		json_object_set_new(p, "a_id", json_string(json_text(a, "id")));
		json_object_set_new(p, "b_id", json_string(json_text(b, "id")));
		json_object_set_new(p, "a_nom", json_string(json_text(a, "nom")));
		json_object_set_new(p, "b_nom", json_string(json_text(b, "nom")));
		json_object_set_new(p, "rows", compare_rows(a, b));
		json_object_set_new(p, "number", json_integer((json_int_t)i + 1));
	}
	web_page(req, 200, "admin_duplicates.html", "Doublons probables", json_pack("{s:o}", "pairs", pairs));
}

void
web_admin_duplicate_decide(struct request *req)
{
	const char *a = req_form(req, "a"), *b = req_form(req, "b"), *decision = req_form(req, "decision");
	bool merge;
	tr_err err;

	if (a == NULL || b == NULL || decision == NULL ||
	    (strcmp(decision, "a") != 0 && strcmp(decision, "b") != 0 && strcmp(decision, "distinct") != 0)) {
		resp_status(req, 400, "La décision envoyée n'est pas complète.");
		return;
	}
	merge = strcmp(decision, "distinct") != 0;
	err = place_duplicate_decide(&req->ctx, a, b, merge, merge ? (strcmp(decision, "a") == 0 ? a : b) : NULL);
	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/admin/doublons", merge ? "merged" : "distinct");
}
