/* The directory's public pages: the search (/lieux: a GET form, a paginated list, a map as an enhancement) and
 * one place (/lieux/{id}). */
#include "web/web.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/places/place_search.h"
#include "domain/places/place_view.h"
#include "domain/geo/refdata.h"
#include "domain/home/history.h"

#define MAP_ATTRIBUTION "© les contributeurs d’OpenStreetMap"

/* What a tel: or mailto: link may hold as it is; anything else is percent-encoded. */
#define URI_PLAIN "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.@_+-"

static const char *const radius_choices[] = { "2", "5", "10", "20", "50", "100" };

/* ---- the search form ---- */

/* A field object of field.html for the query parameter NAME (every key set: see field.html). */
static json_t *
query_field(struct request *req, const char *name, const char *label, const char *hint, const char *kind)
{
	const char *err = field_errors_get(&req->ctx.errors, name), *value = req_query(req, name);
	bool checkbox = strcmp(kind, "checkbox") == 0, select = strcmp(kind, "select") == 0;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i}", "id", name, "name", name, "label",
	    label, "hint", hint, "type", checkbox || select ? "text" : kind, "value", value ? value : "", "required", 0,
	    "error", err ? err : "", "autocomplete", "", "maxlength", 0);

	json_object_set_new(o, "is_text", json_boolean(!checkbox && !select));
	json_object_set_new(o, "is_password", json_false());
	json_object_set_new(o, "is_textarea", json_false());
	json_object_set_new(o, "is_select", json_boolean(select));
	json_object_set_new(o, "is_checkbox", json_boolean(checkbox));
	json_object_set_new(o, "is_radio", json_false());
	json_object_set_new(o, "checked",
	    json_boolean(value != NULL && (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 ||
	                                      strcmp(value, "on") == 0 || strcmp(value, "oui") == 0)));
	json_object_set_new(o, "options", json_array());
	return o;
}

/* Sets the options of the select field F to the shared options WHICH of the reference data. */
static tr_err
select_options(struct request *req, json_t *f, enum web_ref_options which)
{
	json_t *opts;
	tr_err err = web_ref_options(req, which, json_string_value(json_object_get(f, "value")), &opts);

	if (err == TR_OK)
		json_object_set_new(f, "options", opts);
	return err;
}

static tr_err
form_fields(struct request *req, json_t **out)
{
	json_t *fields = json_object(), *radius;
	tr_err err;

	json_object_set_new(fields, "q",
	    query_field(req, "q", "Mots-clés", "Le nom du lieu, un service, un mot de sa présentation", "search"));
	json_object_set_new(fields, "near_commune",
	    query_field(req, "near_commune", "Près de", "Une commune : les lieux les plus proches d'abord", "text"));
	radius = query_field(req, "radius_km", "Dans un rayon de", "", "select");
	for (size_t i = 0; i < sizeof(radius_choices) / sizeof(radius_choices[0]); i++)
		json_array_append_new(json_object_get(radius, "options"),
		    json_pack("{s:s, s:s, s:b}", "value", radius_choices[i], "label",
		        arena_printf(req->arena, "%s km", radius_choices[i]), "selected",
		        strcmp(json_string_value(json_object_get(radius, "value")), radius_choices[i]) == 0));
	json_object_set_new(fields, "radius_km", radius);
	json_object_set_new(fields, "commune",
	    query_field(
	        req, "commune", "Commune", "Son nom, par exemple Valence : les lieux de cette commune", "text"));
	json_object_set_new(
	    fields, "code_postal", query_field(req, "code_postal", "Code postal", "5 chiffres", "text"));
	json_object_set_new(fields, "departement", query_field(req, "departement", "Département", "", "select"));
	json_object_set_new(fields, "region", query_field(req, "region", "Région", "", "select"));
	json_object_set_new(fields, "open_now", query_field(req, "open_now", "Ouvert maintenant", "", "checkbox"));
	json_object_set_new(fields, "netpublic", query_field(req, "netpublic", "Labellisé NetPublic", "", "checkbox"));
	err = select_options(req, json_object_get(fields, "departement"), WEB_REF_DEPARTEMENTS_CODED);
	if (err == TR_OK)
		err = select_options(req, json_object_get(fields, "region"), WEB_REF_REGIONS_CODED);
	if (err != TR_OK) {
		json_decref(fields);
		return err;
	}
	*out = fields;
	return TR_OK;
}

/* The checkboxes of each vocabulary filter, unchecked, built once (the vocabularies are the standard's) and shared
 * between requests. */
static json_t *filter_options[PLACE_FILTERS];
static pthread_once_t filter_options_once = PTHREAD_ONCE_INIT;

static void
filter_options_build(void)
{
	char id[96];

	for (int k = 0; k < PLACE_FILTERS; k++) {
		const struct place_filter *pf = &place_filters[k];
		const struct field *f = &place_fields[pf->field];
		filter_options[k] = json_array();
		for (size_t i = 0; i < place_nvalues(f); i++) {
			snprintf(id, sizeof(id), "%s-%zu", pf->param, i + 1);
			json_array_append_new(filter_options[k],
			    json_pack("{s:s, s:s, s:b}", "id", id, "value", place_value(f, i), "checked", 0));
		}
	}
}

/* The vocabulary filters as fieldsets of checkboxes; *ANY_SET tells whether one is checked or in error. */
static json_t *
form_filters(struct request *req, bool *any_set)
{
	json_t *filters = json_array();
	struct str given[64];

	pthread_once(&filter_options_once, filter_options_build);
	*any_set = false;
	for (int k = 0; k < PLACE_FILTERS; k++) {
		const struct place_filter *pf = &place_filters[k];
		const struct field *f = &place_fields[pf->field];
		const char *err = field_errors_get(&req->ctx.errors, pf->param);
		size_t n = form_get_all(&req->query, pf->param, given, 64);
		json_t *opts = json_array();

		for (size_t i = 0; i < place_nvalues(f); i++) {
			bool checked = false;
			for (size_t g = 0; g < n && g < 64 && !checked; g++)
				checked = str_eq_c(given[g], place_value(f, i));
			*any_set = *any_set || checked;
			json_array_append_new(
			    opts, web_shared_marked(json_array_get(filter_options[k], i), "checked", checked));
		}
		*any_set = *any_set || err != NULL;
		json_array_append_new(filters, json_pack("{s:s, s:s, s:s, s:o}", "param", pf->param, "legend", f->label,
		                                   "error", err ? err : "", "options", opts));
	}
	return filters;
}

/* The errors of the search, each linked to its field when the form has it (lat, lon, page and per_page come
 * from addresses only). */
static json_t *
errors_summary(struct request *req, json_t *fields)
{
	json_t *summary = json_array();

	for (size_t i = 0; i < req->ctx.errors.n; i++) {
		const char *field = req->ctx.errors.items[i].field;
		bool in_form = json_object_get(fields, field) != NULL;
		for (int k = 0; k < PLACE_FILTERS && !in_form; k++)
			in_form = strcmp(place_filters[k].param, field) == 0;
		json_array_append_new(summary, json_pack("{s:s, s:s}", "field_id", in_form ? field : "", "message",
		                                   req->ctx.errors.items[i].message));
	}
	return summary;
}

/* ---- the results ---- */

/* "1,2 km" */
static const char *
distance_text(struct request *req, double km)
{
	char *s = arena_printf(req->arena, km < 10 ? "%.1f km" : "%.0f km", km), *dot = strchr(s, '.');

	if (dot != NULL)
		*dot = ',';
	return s;
}

/* The values of a '|'-separated list joined with ", ". */
static const char *
list_text(struct request *req, const char *s)
{
	char *out = arena_strdup(req->arena, s ? s : "");
	struct buf b = BUF_INIT(0);

	for (const char *p = out; *p != '\0';) {
		size_t n = strcspn(p, "|");
		if ((b.n > 0 && buf_puts(&b, ", ") != TR_OK) || buf_append(&b, p, n) != TR_OK)
			break;
		p += n + (p[n] == '|');
	}
	return b.n ? buf_to_arena(&b, req->arena) : (buf_free(&b), "");
}

static const char *
str_or_empty(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *
result_item(struct request *req, const struct place_hit *h, bool has_distance, json_t *map_places)
{
	const struct place_entry *e = h->place;
	const char *nom = place_entry_text(e, PLACE_F_NOM, req->arena);
	const char *href = arena_printf(req->arena, "/lieux/%s", url_encode(req->arena, e->id));
	const char *adresse = place_entry_text(e, PLACE_F_ADRESSE, req->arena);
	const char *complement = place_entry_text(e, PLACE_F_COMPLEMENT_ADRESSE, req->arena);
	json_t *item;

	nom = nom ? nom : e->id;
	if (complement != NULL && *complement != '\0')
		adresse = arena_printf(req->arena, "%s, %s", adresse ? adresse : "", complement);
	item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s}", "href", href, "nom", nom, "adresse",
	    adresse ? adresse : "", "commune_line",
	    arena_printf(req->arena, "%s %s", place_entry_text(e, PLACE_F_CODE_POSTAL, req->arena),
	        place_entry_text(e, PLACE_F_COMMUNE, req->arena)),
	    "distance", has_distance ? distance_text(req, h->distance_km) : "", "open",
	    place_open_state(e->hours, req->ctx.now) == HOURS_OPEN, "approx", e->coords_approx, "services",
	    list_text(req, place_entry_text(e, PLACE_F_SERVICES, req->arena)));
	json_object_set_new(item, "badges",
	    json_boolean(
	        json_is_true(json_object_get(item, "open")) || *json_string_value(json_object_get(item, "distance"))));
	if (e->has_point)
		json_array_append_new(
		    map_places, json_pack("{s:s, s:s, s:f, s:f, s:s, s:b}", "id", e->id, "nom", nom, "lat", e->lat,
		                    "lon", e->lon, "href", href, "approx", e->coords_approx));
	return item;
}

static json_t *
results_json(struct request *req, const struct place_results *r)
{
	json_t *items = json_array(), *map_places = json_array(), *out;
	int64_t pages = r->total ? (int64_t)((r->total + (size_t)r->per_page - 1) / (size_t)r->per_page) : 1;
	char *places;

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(items, result_item(req, &r->items[i], r->has_distance, map_places));
	out = json_pack("{s:s, s:o}", "total_text",
	    r->total == 0   ? "Aucun lieu trouvé"
	    : r->total == 1 ? "1 lieu trouvé"
	                    : arena_printf(req->arena, "%zu lieux trouvés", r->total),
	    "items", items);
	if (json_array_size(map_places) > 0 &&
	    (places = json_dumps(map_places, JSON_COMPACT | JSON_REAL_PRECISION(15))) != NULL) {
		json_object_set_new(out, "map",
		    json_pack("{s:s, s:s, s:s}", "places", places, "tile_url", req->ctx.cfg->tile_url, "attribution",
		        MAP_ATTRIBUTION));
		free(places);
	}
	json_decref(map_places);
	web_pager(req, out, r->page, pages, web_query_href, "/lieux");
	return out;
}

void
web_places(struct request *req)
{
	const struct place_index *idx;
	struct place_query q;
	struct place_results r;
	json_t *data = json_object(), *fields = NULL;
	bool filters_open;
	tr_err err = place_query_parse(&req->ctx, &req->query, &q), search = err;

	if (err == TR_OK && (err = place_index_get(&req->ctx, &idx)) == TR_OK)
		err = place_search(&req->ctx, idx, &q, &r);
	if ((err != TR_OK && err != TR_INVALID) || (err = form_fields(req, &fields)) != TR_OK) {
		place_index_done();
		json_decref(data);
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(data, "errors_summary", errors_summary(req, fields));
	json_object_set_new(data, "fields", fields);
	json_object_set_new(data, "filters", form_filters(req, &filters_open));
	json_object_set_new(data, "filters_open", json_boolean(filters_open));
	if (search == TR_OK)
		json_object_set_new(data, "results", results_json(req, &r));
	place_index_done(); /* the results are copied out of the index */
	if (req->ctx.actor != NULL && place_can_create(&req->ctx))
		json_object_set_new(data, "create_href", json_string("/lieux/nouveau"));
	json_object_set_new(data, "page_styles", json_pack("[s]", "/static/leaflet/leaflet.css"));
	json_object_set_new(data, "page_scripts", json_pack("[s]", "/static/app/places.js"));
	web_page(req, search == TR_OK ? 200 : 422, "places.html",
	    search == TR_OK ? "Lieux de médiation numérique" : "Erreur : recherche de lieux", data);
}

/* ---- one place ---- */

/* An http(s) URL is a link; anything else is shown as text. */
static json_t *
link_json(struct request *req, const char *url, const char *text)
{
	bool web = strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;

	(void)req;
	return json_pack("{s:s, s:s}", "href", web ? url : "", "text", text ? text : url);
}

/* Each value of the '|'-separated S as a link made by PREFIX + value ("mailto:", "tel:", "" for URLs). */
static json_t *
links_json(struct request *req, const char *s, const char *prefix)
{
	json_t *out = json_array();

	for (const char *p = s; *p != '\0';) {
		size_t n = strcspn(p, "|");
		char *v = arena_strndup(req->arena, p, n);
		p += n + (p[n] == '|');
		if (*v == '\0')
			continue;
		if (*prefix != '\0')
			json_array_append_new(
			    out, json_pack("{s:s, s:s}", "href",
			             arena_printf(req->arena, "%s%s", prefix,
			                 v[strspn(v, URI_PLAIN)] == '\0' ? v : url_encode(req->arena, v)),
			             "text", strcmp(prefix, "tel:") == 0 ? fr_phone_display(req->arena, v) : v));
		else
			json_array_append_new(out, link_json(req, v, NULL));
	}
	return out;
}

/* The lists shown under their headings: each of the standard's multi-valued fields with a value. */
static const enum place_field_index listed_fields[] = { PLACE_F_SERVICES, PLACE_F_PUBLICS_SPECIFIQUEMENT_ADRESSES,
	PLACE_F_PRISE_EN_CHARGE_SPECIFIQUE, PLACE_F_MODALITES_ACCES, PLACE_F_MODALITES_ACCOMPAGNEMENT,
	PLACE_F_FRAIS_A_CHARGE, PLACE_F_DISPOSITIF_PROGRAMMES_NATIONAUX, PLACE_F_FORMATIONS_LABELS,
	PLACE_F_AUTRES_FORMATIONS_LABELS, PLACE_F_ITINERANCE, PLACE_F_TYPOLOGIE };

static json_t *
lists_json(struct request *req, const struct place *p)
{
	json_t *lists = json_array();

	for (size_t k = 0; k < sizeof(listed_fields) / sizeof(listed_fields[0]); k++) {
		const char *s = p->v[listed_fields[k]];
		json_t *items = json_array();
		for (const char *c = s; *c != '\0';) {
			size_t n = strcspn(c, "|");
			if (n > 0)
				json_array_append_new(items, json_stringn(c, n));
			c += n + (c[n] == '|');
		}
		if (json_array_size(items) > 0)
			json_array_append_new(
			    lists, json_pack("{s:s, s:s, s:o}", "id",
			               arena_printf(req->arena, "liste-%s", place_fields[listed_fields[k]].name),
			               "heading", place_fields[listed_fields[k]].label, "items", items));
		else
			json_decref(items);
	}
	return lists;
}

/* The labels of the networks of P. */
static tr_err
networks_json(struct request *req, const struct place *p, json_t **out)
{
	json_t *all = NULL;
	tr_err err;

	*out = json_array();
	if (p->networks == NULL || *p->networks == '\0')
		return TR_OK;
	if ((err = place_networks(&req->ctx, &all)) != TR_OK)
		return err;
	for (const char *s = p->networks; *s != '\0';) {
		size_t n = strcspn(s, "|");
		const char *label = arena_strndup(req->arena, s, n);
		for (size_t i = 0; i < json_array_size(all); i++) {
			const char *code = json_string_value(json_object_get(json_array_get(all, i), "code"));
			if (code != NULL && strlen(code) == n && memcmp(code, s, n) == 0)
				label = json_string_value(json_object_get(json_array_get(all, i), "label"));
		}
		if (n > 0)
			json_array_append_new(*out, json_string(label));
		s += n + (s[n] == '|');
	}
	json_decref(all);
	return TR_OK;
}

/* "2 avril 2024" from "2024-04-02" (as written when not a date). */
static const char *
date_text(struct request *req, const char *ymd)
{
	int y, m, d;

	if (!date_parse(ymd, strlen(ymd), &y, &m, &d))
		return ymd;
	return date_fr(req->arena, date_days(y, m, d) * 86400 + 43200);
}

/* ---- what those who may edit a place see of it: its likely duplicates, its timeline ---- */

static const struct {
	const char *action, *label;
} history_actions[] = {
	{ "create", "Création" },
	{ "update", "Modification" },
	{ "geocode", "Coordonnées trouvées par le géocodeur" },
	{ "merge", "Fusion avec un doublon" },
	{ "duplicate_merged", "Doublon fusionné" },
	{ "duplicate_distinct", "Doublon écarté : lieux distincts" },
};

static const struct {
	const char *name, *title;
} history_extras[] = {
	{ "organisation_id", "Structure gestionnaire" },
	{ "netpublic", "Labellisé NetPublic" },
	{ "listed_national", "Référencé dans l'annuaire national" },
	{ "networks", "Réseaux" },
	{ "absorbed", "Lieu absorbé" },
	{ "a", "Premier lieu de la paire" },
	{ "b", "Second lieu de la paire" },
	{ "kept", "Lieu gardé" },
};

/* The French name of a member of a journal detail: a field of the standard or an extra. */
static const char *
history_title(const char *name)
{
	int f = place_field_index(name, strlen(name));

	if (f >= 0)
		return place_fields[f].label;
	for (size_t i = 0; i < sizeof(history_extras) / sizeof(history_extras[0]); i++)
		if (strcmp(history_extras[i].name, name) == 0)
			return history_extras[i].title;
	return name;
}

/* Value V of member NAME as people read it (domain/home/history.h: the name behind an id, dates in French). */
static const char *
change_value(struct request *req, const char *name, json_t *v)
{
	return history_value(&req->ctx, name, NULL, v);
}

/* The changes of one journal entry: [{label, before, after}] from its detail's before and after. */
static json_t *
history_changes(struct request *req, json_t *detail)
{
	json_t *before = json_object_get(detail, "before"), *after = json_object_get(detail, "after"), *v;
	json_t *changes = json_array();
	const char *key;

	json_object_foreach(after, key, v)
	{
		json_array_append_new(changes, json_pack("{s:s, s:s, s:s}", "label", history_title(key), "before",
		                                   before ? change_value(req, key, json_object_get(before, key)) : "",
		                                   "after", change_value(req, key, v)));
	}
	return changes;
}

/* The journal entries of a place as its page lists them: [{when, actor, action, changes}]. */
static json_t *
history_json(struct request *req, json_t *entries)
{
	json_t *out = json_array();

	for (size_t i = 0; i < json_array_size(entries); i++) {
		json_t *e = json_array_get(entries, i);
		const char *action = json_string_value(json_object_get(e, "action"));
		json_t *detail = json_loads(json_string_value(json_object_get(e, "detail")), 0, NULL);
		const char *label = action ? action : "";

		for (size_t k = 0; k < sizeof(history_actions) / sizeof(history_actions[0]); k++)
			if (action && strcmp(history_actions[k].action, action) == 0)
				label = history_actions[k].label;
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:s, s:o, s:b}", "when", date_fr_json(req, json_object_get(e, "at")),
		             "actor", str_or_empty(json_object_get(e, "actor_label")), "action", label, "changes",
		             history_changes(req, detail), "has_before", json_object_get(detail, "before") != NULL));
		json_decref(detail);
	}
	return out;
}

/* Adds to DATA the likely duplicates and the timeline of P, for someone who may edit it. */
static void
editor_json(struct request *req, const struct place *p, json_t *data)
{
	json_t *dups = NULL, *entries = NULL;

	if (place_duplicates_of(&req->ctx, p->v[PLACE_F_ID], &dups) == TR_OK) {
		for (size_t i = 0; i < json_array_size(dups); i++) {
			json_t *d = json_array_get(dups, i);
			json_object_set_new(d, "href",
			    json_string(arena_printf(req->arena, "/lieux/%s",
			        url_encode(req->arena, str_or_empty(json_object_get(d, "id"))))));
		}
		json_object_set_new(data, "duplicates", dups);
	}
	if (place_history(&req->ctx, p->v[PLACE_F_ID], &entries) == TR_OK) {
		json_object_set_new(data, "history", json_pack("{s:o}", "entries", history_json(req, entries)));
		json_decref(entries);
	}
}

static json_t *
place_page_json(struct request *req, const struct place *p, json_t *view)
{
	const char *const *v = p->v;
	json_t *data = json_object(), *networks = NULL;
	bool editable = req->ctx.actor != NULL && place_can_edit(&req->ctx, p);

	json_object_set_new(data, "nom", json_string(v[PLACE_F_NOM]));
	json_object_set_new(data, "resume", json_string(v[PLACE_F_PRESENTATION_RESUME]));
	json_object_set_new(data, "detail", json_string(v[PLACE_F_PRESENTATION_DETAIL]));
	json_object_set_new(data, "adresse", json_string(v[PLACE_F_ADRESSE]));
	json_object_set_new(data, "complement", json_string(v[PLACE_F_COMPLEMENT_ADRESSE]));
	json_object_set_new(data, "code_postal", json_string(v[PLACE_F_CODE_POSTAL]));
	json_object_set_new(data, "commune", json_string(v[PLACE_F_COMMUNE]));
	json_object_set_new(data, "approx", json_boolean(p->coords_approx));
	json_object_set_new(data, "netpublic", json_boolean(p->netpublic));
	json_object_set_new(data, "badges",
	    json_boolean(p->netpublic || *p->networks || json_is_true(json_object_get(view, "ouvert_maintenant"))));
	json_object_set_new(data, "open", json_object_get(view, "ouvert_maintenant"));
	json_incref(json_object_get(view, "ouvert_maintenant"));
	json_object_set_new(data, "hours_fr", json_object_get(view, "horaires_fr"));
	json_incref(json_object_get(view, "horaires_fr"));
	json_object_set_new(data, "horaires", json_string(v[PLACE_F_HORAIRES]));
	json_object_set_new(
	    data, "hours_unrecognised", json_boolean(!json_is_true(json_object_get(view, "horaires_reconnus"))));
	json_object_set_new(data, "no_hours", json_boolean(*v[PLACE_F_HORAIRES] == '\0'));
	json_object_set_new(data, "phones", links_json(req, v[PLACE_F_TELEPHONE], "tel:"));
	json_object_set_new(data, "emails", links_json(req, v[PLACE_F_COURRIELS], "mailto:"));
	json_object_set_new(data, "sites", links_json(req, v[PLACE_F_SITE_WEB], ""));
	json_object_set_new(
	    data, "has_contact", json_boolean(*v[PLACE_F_TELEPHONE] || *v[PLACE_F_COURRIELS] || *v[PLACE_F_SITE_WEB]));
	if (*v[PLACE_F_PRISE_RDV])
		json_object_set_new(data, "rdv", link_json(req, v[PLACE_F_PRISE_RDV], "Prendre rendez-vous en ligne"));
	if (*v[PLACE_F_FICHE_ACCES_LIBRE])
		json_object_set_new(data, "acces_libre",
		    link_json(req, v[PLACE_F_FICHE_ACCES_LIBRE], "Accessibilité du lieu (fiche Acceslibre)"));
	json_object_set_new(data, "lists", lists_json(req, p));
	if (networks_json(req, p, &networks) == TR_OK)
		json_object_set_new(data, "networks", networks);
	else
		json_decref(networks);
	json_object_set_new(data, "date_maj", json_string(date_text(req, v[PLACE_F_DATE_MAJ])));
	json_object_set_new(data, "source", json_string(v[PLACE_F_SOURCE]));
	json_object_set_new(data, "edit_href",
	    json_string(
	        editable ? arena_printf(req->arena, "/lieux/%s/modifier", url_encode(req->arena, v[PLACE_F_ID])) : ""));
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", "/lieux", "label",
	        "Lieux", "label", v[PLACE_F_NOM]));
	if (editable)
		editor_json(req, p, data);
	return data;
}

void
web_place(struct request *req)
{
	const char *moved = NULL;
	struct place *p = NULL;
	json_t *view = NULL;
	tr_err err = place_view(&req->ctx, req->sparams[0], &view, &p, &moved);

	if (err != TR_OK) {
		resp_error(req, err, err == TR_NOT_FOUND ? "Ce lieu n'existe pas ou n'est plus référencé." : NULL);
		return;
	}
	if (moved != NULL) {
		resp_redirect(req, 301, arena_printf(req->arena, "/lieux/%s", url_encode(req->arena, moved)));
		return;
	}
	web_page(req, 200, "place.html", p->v[PLACE_F_NOM], place_page_json(req, p, view));
	json_decref(view);
}
