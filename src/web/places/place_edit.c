/* Pages that change the directory: the import of a file (/lieux/import), the form of a place drawn from the
 * standard's field table, to edit one (/lieux/{id}/modifier) or create one (/lieux/nouveau), and the likely
 * duplicates (/admin/doublons). */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/hours.h"
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
	{ "telephone", "Par exemple 01 80 05 98 80." },
	{ "courriels", "Une adresse par ligne." },
	{ "site_web", "Adresses commençant par https://, une par ligne." },
	{ "horaires",
	    "Saisie experte, syntaxe OpenStreetMap (par exemple Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00) : "
	    "elle prime sur les jours ci-dessus quand vous la modifiez." },
	{ "typologie", "Un code par ligne, par exemple TIERS_LIEUX puis ASSO à la ligne." },
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
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:[], s:b, s:b, s:b, s:b, s:b, s:b, "
	              "s:b}",
	    "id", name, "name", name, "label", label, "hint", hint ? hint : "", "type", "text", "value",
	    value ? value : "", "required", 0, "error", err ? err : "", "autocomplete", "", "maxlength", 0, "checked",
	    0, "options", "is_text", 1, "is_password", 0, "is_textarea", 0, "is_select", 0, "is_checkbox", 0,
	    "is_radio", 0, "is_group", 0);
	json_object_set_new(o, "is_hours", json_false());
	return o;
}

static void
set_kind(json_t *f, const char *kind)
{
	static const char *const kinds[] = { "is_text", "is_textarea", "is_select", "is_checkbox", "is_group",
		"is_hours" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		json_object_set_new(f, kinds[i], json_boolean(strcmp(kinds[i], kind) == 0));
}

/* The fields whose several values the standard joins with '|', written one per line in the form. */
static bool
lines_field(int i)
{
	return i == PLACE_F_COURRIELS || i == PLACE_F_SITE_WEB || i == PLACE_F_TYPOLOGIE;
}

static const char *const day_names[7] = { "Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche" };
static const char *const day_lower[7] = { "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche" };
static const char *const day_codes[7] = { "lu", "ma", "me", "je", "ve", "sa", "di" };

/* "09:30" of minute M of the day, "" for -1; "24:00" is written "00:00", as a time field shows midnight. */
static const char *
minute_text(struct request *req, int m)
{
	return m < 0 ? "" : arena_printf(req->arena, "%02d:%02d", (m / 60) % 24, m % 60);
}

/* The opening hours' field: a week of day and time fields (prefilled when TEXT is a plain weekly schedule) and the
 * expert's OpenStreetMap text, which wins when changed from ORIGIN (what the form showed). */
static json_t *
hours_field(struct request *req, const char *text, const char *origin, const struct hours_week *sent)
{
	json_t *f = field_object(req, "horaires", "Horaires", place_hint("horaires"), text), *days = json_array();
	struct hours_week w;

	if (sent != NULL)
		w = *sent;
	else if (!hours_week_of(req->arena, text, strlen(text), &w))
		memset(&w, 0xff, sizeof(w));
	for (int d = 0; d < 7; d++) {
		json_t *ranges = json_array();
		for (int k = 0; k < HOURS_DAY_RANGES; k++)
			json_array_append_new(
			    ranges, json_pack("{s:s, s:s, s:s, s:s, s:s}", "from_name",
			                arena_printf(req->arena, "horaires_%s_%d_de", day_codes[d], k + 1), "to_name",
			                arena_printf(req->arena, "horaires_%s_%d_a", day_codes[d], k + 1), "from",
			                minute_text(req, w.range[d][k][0]), "to", minute_text(req, w.range[d][k][1]),
			                "which", k == 0 ? "première plage" : "seconde plage"));
		json_array_append_new(
		    days, json_pack("{s:s, s:s, s:o}", "label", day_names[d], "code", day_codes[d], "ranges", ranges));
	}
	json_object_set_new(f, "days", days);
	json_object_set_new(f, "origin", json_string(origin));
	json_object_set_new(f, "is_hours", json_true());
	set_kind(f, "is_hours");
	return f;
}

/* Reads "HH:MM" of a time field into minutes; -1 when empty; -2 when unreadable. Midnight as an end is 24:00. */
static int
minute_of(struct str v, bool end)
{
	int h, m;

	if (v.n == 0)
		return -1;
	if (v.n != 5 || v.p[2] != ':' || strspn(v.p, "0123456789") != 2 || strspn(v.p + 3, "0123456789") != 2)
		return -2;
	h = (v.p[0] - '0') * 10 + (v.p[1] - '0');
	m = (v.p[3] - '0') * 10 + (v.p[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m > 0))
		return -2;
	return end && h * 60 + m == 0 ? 1440 : h * 60 + m;
}

/* The hours the form sent into *OUT (a string in the arena): the expert's text when changed from what the form
 * showed, else the text of the week's fields. False, with a field error on horaires, when a time is unreadable
 * or a range does not hold. *WEEK receives the fields as sent (to show them again). */
static bool
hours_input(struct request *req, const char **out, struct hours_week *week)
{
	struct str expert = form_get(&req->form, "horaires"), origin = form_get(&req->form, "horaires_origine");
	struct buf b = BUF_INIT(HOURS_MAX_INPUT);
	int bad = -1;
	const char *why = NULL;

	*out = arena_strndup(req->arena, expert.p ? expert.p : "", expert.n);
	memset(week, 0xff, sizeof(*week));
	for (int d = 0; d < 7 && why == NULL; d++)
		for (int k = 0; k < HOURS_DAY_RANGES && why == NULL; k++)
			for (int e = 0; e < 2; e++) {
				const char *name =
				    arena_printf(req->arena, "horaires_%s_%d_%s", day_codes[d], k + 1, e ? "a" : "de");
				int m = minute_of(form_get(&req->form, name), e == 1);
				week->range[d][k][e] = (short)(m == -2 ? -1 : m);
				if (m == -2)
					why = arena_printf(req->arena,
					    "« Horaires » : le %s, une heure n'est pas lisible (HH:MM).", day_lower[d]);
			}
	if (why == NULL && (expert.p == NULL || origin.p == NULL || !str_eq(expert, origin)))
		return true; /* the expert's text (or a form without the week) */
	if (why == NULL && hours_week_text(week, &b, &bad) != TR_OK)
		why = arena_printf(req->arena,
		    "« Horaires » : le %s, chaque plage doit finir après son début, et la seconde suivre la première.",
		    bad >= 0 ? day_lower[bad] : "");
	if (why != NULL) {
		field_errors_add(&req->ctx.errors, "horaires", why);
		buf_free(&b);
		return false;
	}
	*out = buf_to_arena(&b, req->arena);
	return true;
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
 * extras. VALUES is a place (place_json) or the form sent back; WEEK the week's fields as sent, or NULL. */
static json_t *
edit_fields(struct request *req, json_t *values, json_t *networks, json_t *orgs, const struct hours_week *week)
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
		if (i == PLACE_F_HORAIRES) {
			const char *origin = req_form(req, "horaires_origine");
			json_array_append_new(fields, hours_field(req, value, origin ? origin : value, week));
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
		if (lines_field(i)) {
			char *lines = arena_strdup(req->arena, value);
			for (char *c = lines; *c; c++)
				if (*c == '|')
					*c = '\n';
			json_object_set_new(f, "value", json_string(lines));
			set_kind(f, "is_textarea");
		}
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
edit_page(struct request *req, int status, struct place *p, json_t *values, const struct hours_week *week)
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
	    edit_fields(req, values, networks, orgs, week), "errors_summary", errors_summary(req), "cancel_href",
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
	edit_page(req, 200, p, values, NULL);
	json_decref(values);
}

/* The values of a field written one per line (or separated by '|', and for addresses by commas or semicolons),
 * '|'-joined, each trimmed, empty ones dropped. */
static const char *
lines_joined(struct request *req, struct str v, bool emails)
{
	struct buf b = BUF_INIT(0);
	const char *out;
	size_t a = 0;

	for (size_t i = 0; i <= v.n; i++) {
		size_t e = i;
		if (i < v.n && v.p[i] != '\r' && v.p[i] != '\n' && v.p[i] != '|' &&
		    !(emails && (v.p[i] == ',' || v.p[i] == ';')))
			continue;
		while (a < e && (v.p[a] == ' ' || v.p[a] == '\t'))
			a++;
		while (e > a && (v.p[e - 1] == ' ' || v.p[e - 1] == '\t'))
			e--;
		if (e > a && ((b.n > 0 && buf_putc(&b, '|') != TR_OK) || buf_append(&b, v.p + a, e - a) != TR_OK))
			tr_oom("lines");
		a = i + 1;
	}
	out = buf_to_arena(&b, req->arena);
	return out ? out : "";
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
 * shown whole, the checkbox groups and boxes left unchecked; the values written one per line '|'-joined; the
 * opening hours from the week's fields or the expert's text (hours_input). The caller owns it. *OK is false, with
 * the field errors set, when the form cannot be read as a place (the hours' fields); *WEEK the week as sent. */
static json_t *
form_input(struct request *req, bool *ok, struct hours_week *week)
{
	bool complete = form_has(&req->form, FORM_MARKER);
	json_t *in = json_object();
	const char *hours;
	struct str v;

	*ok = hours_input(req, &hours, week);
	for (int i = 0; i < PLACE_NFIELDS; i++) {
		const struct field *pf = &place_fields[i];
		if (place_nvalues(pf) > 0) {
			if (complete)
				json_object_set_new(in, pf->name, json_string(form_group(req, pf->name)));
		} else if (i == PLACE_F_HORAIRES) {
			if (form_has(&req->form, pf->name))
				json_object_set_new(in, pf->name, json_string(hours));
		} else if (lines_field(i) && (v = form_get(&req->form, pf->name)).p != NULL) {
			json_object_set_new(in, pf->name, json_string(lines_joined(req, v, i == PLACE_F_COURRIELS)));
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
	struct hours_week week;
	json_t *in;
	bool ok;
	long long version = 0;
	struct str v;
	tr_err err;

	if (p == NULL)
		return;
	in = form_input(req, &ok, &week);
	v = form_get(&req->form, "version");
	if (v.p == NULL || !str_to_i64(v, &version))
		version = 0;
	err = ok ? place_update(&req->ctx, p->v[PLACE_F_ID], version, in) : TR_INVALID;
	if (err == TR_INVALID) {
		json_t *values = place_json(p);
		json_object_update(values, in);
		edit_page(req, 422, p, values, &week);
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

	edit_page(req, 200, NULL, values, NULL);
	json_decref(values);
}

void
web_place_new(struct request *req)
{
	struct hours_week week;
	bool ok;
	json_t *in = form_input(req, &ok, &week), *dups = NULL;
	const char *id = NULL;
	tr_err err = ok ? place_create(&req->ctx, in, &id) : TR_INVALID;

	if (err == TR_INVALID) {
		edit_page(req, 422, NULL, in, &week);
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
		if (buf_printf(&summary, "%s, %s, %s, %s.", fr_count(req->arena, rep->created, "créé", "créés"),
		        fr_count(req->arena, rep->updated, "mis à jour", "mis à jour"),
		        fr_count(req->arena, rep->unchanged, "inchangé", "inchangés"),
		        fr_count(req->arena, rep->rejected, "rejeté", "rejetés")) != TR_OK)
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
