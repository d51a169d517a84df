/* The job offers' pages: the public job board (/offres, a GET form and a paginated list), its Atom feed
 * (/offres.atom), one offer (/offres/{id}); the structure's side (/structure/offres, publishing on a validated
 * dossier, editing, closing and reopening, the candidates matched to an offer); and the offers suggested to a
 * candidate (/candidat/offres-suggerees). */
#include "web/web.h"

#include <math.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "core/tmpl.h"
#include "domain/kernel/authz.h"
#include "domain/recruitment/matching.h"
#include "domain/recruitment/offer.h"
#include "domain/geo/refdata.h"
#include "model/recruitment/contract.h"
#include "model/recruitment/offer.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* Entries of the Atom feed: the latest changes first. */
#define FEED_ENTRIES 100
#define FEED_SUMMARY_CHARS 400

static const char *const radius_choices[] = { "5", "10", "20", "30", "50", "100", "200" };

static const char *const field_kinds[] = { "is_text", "is_password", "is_textarea", "is_select", "is_checkbox",
	"is_radio" };

static const char *
str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void
set_kind(json_t *f, const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(field_kinds); i++)
		json_object_set_new(f, field_kinds[i], json_boolean(strcmp(field_kinds[i], kind) == 0));
}

static void
add_option(json_t *f, const char *value, const char *label)
{
	const char *current = str_of(f, "value");

	json_array_append_new(json_object_get(f, "options"),
	    json_pack("{s:s, s:s, s:b}", "value", value, "label", label, "selected", strcmp(current, value) == 0));
}

/* A field object of field.html for the query parameter NAME (every key set), its error the request's. */
static json_t *
query_field(struct request *req, const char *name, const char *label, const char *hint, const char *kind)
{
	const char *err = field_errors_get(&req->ctx.errors, name), *value = req_query(req, name);
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:[]}", "id", name, "name", name,
	    "label", label, "hint", hint, "type", "text", "value", value ? value : "", "required", 0, "error",
	    err ? err : "", "autocomplete", "", "maxlength", 0, "checked", 0, "options");

	set_kind(f, kind);
	return f;
}

static int64_t
form_version(struct request *req)
{
	struct str v = form_get(&req->form, "version");
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) ? n : 0;
}

/* "1,2 km", "35 km" */
static const char *
distance_text(struct request *req, json_t *km)
{
	char *s, *dot;

	if (!json_is_number(km))
		return "";
	s = arena_printf(req->arena, json_number_value(km) < 10 ? "%.1f km" : "%.0f km", json_number_value(km));
	if ((dot = strchr(s, '.')) != NULL)
		*dot = ',';
	return s;
}

/* "CDD de 12 mois, 35 h par semaine" */
static const char *
contract_text(struct request *req, json_t *o)
{
	const char *type = str_of(o, "contract_type");
	json_t *hours = json_object_get(o, "weekly_hours");
	const char *h = json_is_integer(hours)
	                    ? arena_printf(req->arena, ", %lld h par semaine", (long long)json_integer_value(hours))
	                    : "";

	if (strcmp(type, "CDD") == 0 && json_is_integer(json_object_get(o, "duration_months")))
		return arena_printf(req->arena, "CDD de %lld mois%s", (long long)web_int(o, "duration_months"), h);
	return arena_printf(req->arena, "%s%s", type, h);
}

/* ---- the job board ---- */

/* Adds to the select F an option for each item of ITEMS: value its VALUE_KEY, label its LABEL_KEY (with " — "
 * and PREFIX_KEY's value before it when PREFIX_KEY is not NULL). */
static void
options_from(
    struct request *req, json_t *f, json_t *items, const char *value_key, const char *label_key, const char *prefix_key)
{
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it)
	{
		json_t *v = json_object_get(it, value_key);
		const char *value = json_is_integer(v)
		                        ? arena_printf(req->arena, "%lld", (long long)json_integer_value(v))
		                        : str_of(it, value_key);
		const char *label =
		    prefix_key ? arena_printf(req->arena, "%s — %s", str_of(it, prefix_key), str_of(it, label_key))
		               : str_of(it, label_key);
		add_option(f, value, label);
	}
}

static tr_err
board_fields(struct request *req, json_t **out)
{
	json_t *fields = json_object(), *f, *choices = NULL, *deps = NULL, *regions = NULL;
	tr_err err;

	if ((err = offer_filter_choices(&req->ctx, &choices)) != TR_OK ||
	    (err = web_ref_options(req, WEB_REF_DEPARTEMENTS_CODED, req_query(req, "departement"), &deps)) != TR_OK ||
	    (err = web_ref_options(req, WEB_REF_REGIONS, req_query(req, "region"), &regions)) != TR_OK) {
		json_decref(choices);
		json_decref(deps);
		json_decref(fields);
		return err;
	}
	json_object_set_new(fields, "commune",
	    query_field(req, "commune", "Près de", "Une commune, par son nom : les offres les plus proches d'abord",
	        "is_text"));
	f = query_field(req, "radius_km", "Dans un rayon de", "", "is_select");
	for (size_t i = 0; i < ARRAY_LEN(radius_choices); i++)
		add_option(f, radius_choices[i], arena_printf(req->arena, "%s km", radius_choices[i]));
	json_object_set_new(fields, "radius_km", f);
	f = query_field(req, "job_profile_id", "Métier", "", "is_select");
	options_from(req, f, json_object_get(choices, "job_profiles"), "id", "title", "programme_name");
	json_object_set_new(fields, "job_profile_id", f);
	f = query_field(req, "programme_id", "Dispositif", "", "is_select");
	options_from(req, f, json_object_get(choices, "programmes"), "id", "name", NULL);
	json_object_set_new(fields, "programme_id", f);
	f = query_field(req, "departement", "Département", "", "is_select");
	json_object_set_new(f, "options", deps);
	json_object_set_new(fields, "departement", f);
	f = query_field(req, "region", "Région", "", "is_select");
	json_object_set_new(f, "options", regions);
	json_object_set_new(fields, "region", f);
	json_decref(choices);
	*out = fields;
	return TR_OK;
}

/* The search's errors, each linked to its field when the form has it (lat, lon, page come from addresses). */
static json_t *
board_errors(struct request *req, json_t *fields)
{
	json_t *summary = json_array();

	for (size_t i = 0; i < req->ctx.errors.n; i++) {
		const char *field = req->ctx.errors.items[i].field;
		json_array_append_new(
		    summary, json_pack("{s:s, s:s}", "field_id", json_object_get(fields, field) ? field : "", "message",
		                 req->ctx.errors.items[i].message));
	}
	return summary;
}

/* A search item as the board and the suggestions show it. */
static json_t *
card_json(struct request *req, json_t *it, int64_t id)
{
	const char *commune = str_of(it, "commune_name"), *dep = str_of(it, "departement_code");
	const char *where = *commune ? (*dep ? arena_printf(req->arena, "%s (%s)", commune, dep) : commune) : "";

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "href",
	    arena_printf(req->arena, "/offres/%lld", (long long)id), "title", str_of(it, "title"), "organisation",
	    str_of(it, "organisation_name"), "place", str_of(it, "place_nom"), "where", where, "contract",
	    contract_text(req, it), "start", web_day_fr(req, json_string_value(json_object_get(it, "start_on"))),
	    "job_profile", str_of(it, "job_profile_title"), "distance",
	    distance_text(req, json_object_get(it, "distance_km")));
}

static json_t *
board_results(struct request *req, json_t *found)
{
	json_t *items = json_array(), *it;
	int64_t total = web_int(found, "total"), per = web_int(found, "per_page"), page = web_int(found, "page");
	int64_t pages = total > 0 ? (total + per - 1) / per : 1;
	json_t *out;
	size_t i;

	json_array_foreach(json_object_get(found, "items"), i, it)
	{
		json_array_append_new(items, card_json(req, it, web_int(it, "id")));
	}
	out = json_pack("{s:s, s:o}", "total_text",
	    total == 0   ? "Aucune offre trouvée"
	    : total == 1 ? "1 offre trouvée"
	                 : arena_printf(req->arena, "%lld offres trouvées", (long long)total),
	    "items", items);
	web_pager(req, out, page, pages, web_query_href, "/offres");
	return out;
}

void
web_offers(struct request *req)
{
	struct offer_query q;
	json_t *data = json_object(), *fields = NULL, *found = NULL;
	tr_err err = offer_query_parse(&req->ctx, &req->query, &q), search = err;

	if (err == TR_OK)
		err = offer_search(&req->ctx, &q, &found);
	if ((err != TR_OK && err != TR_INVALID) || (err = board_fields(req, &fields)) != TR_OK) {
		json_decref(data);
		json_decref(found);
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(data, "errors_summary", board_errors(req, fields));
	json_object_set_new(data, "fields", fields);
	json_object_set_new(data, "feed_href", json_string(web_query_href(req, "/offres.atom", 0)));
	if (search == TR_OK) {
		json_object_set_new(data, "results", board_results(req, found));
		if (q.commune_name)
			json_object_set_new(data, "near", json_string(q.commune_name));
	}
	json_decref(found);
	web_page(req, search == TR_OK ? 200 : 422, "offers.html",
	    search == TR_OK ? "Offres d'emploi" : "Erreur : recherche d'offres d'emploi", data);
}

/* ---- the Atom feed ---- */

/* The host of base_url ("http://host:port/…"), lowercased: the authority of the entries' tag URIs. */
static const char *
feed_host(struct request *req)
{
	const char *base = req->ctx.cfg ? req->ctx.cfg->base_url : "", *p = strstr(base, "://");
	char *host;

	p = p ? p + 3 : base;
	host = arena_strndup(req->arena, p, strcspn(p, ":/?#"));
	for (char *c = host; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	return *host ? host : "localhost";
}

/* The first FEED_SUMMARY_CHARS characters of S, cut at a character boundary, with "…" when cut. */
static const char *
excerpt(struct request *req, const char *s)
{
	size_t n = 0, chars = 0;

	for (; s[n] != '\0'; n++)
		if (((unsigned char)s[n] & 0xC0) != 0x80 && chars++ == FEED_SUMMARY_CHARS)
			break;
	return s[n] == '\0' ? s : arena_printf(req->arena, "%.*s…", (int)n, s);
}

static json_t *
feed_entry(struct request *req, json_t *it, const char *base, const char *host)
{
	int64_t id = web_int(it, "id"), created = web_int(it, "created_at");
	const char *where = str_of(it, "commune_name");
	const char *summary = arena_printf(req->arena, "%s%s%s. %s, à partir du %s. %s",
	    str_of(it, "organisation_name"), *where ? ", " : "", where, contract_text(req, it),
	    web_day_fr(req, str_of(it, "start_on")), excerpt(req, str_of(it, "description")));

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
	    arena_printf(req->arena, "tag:%s,%s:offres/%lld", host, date_iso(req->arena, created), (long long)id),
	    "title", str_of(it, "title"), "updated", time_iso(req->arena, web_int(it, "updated_at")), "published",
	    time_iso(req->arena, created), "href", arena_printf(req->arena, "%s/offres/%lld", base, (long long)id),
	    "summary", summary, "author", str_of(it, "organisation_name"), "category", str_of(it, "job_profile_title"));
}

void
web_offers_feed(struct request *req)
{
	struct offer_query q;
	json_t *found = NULL, *entries = json_array(), *data, *it;
	const char *base = req->ctx.cfg ? req->ctx.cfg->base_url : "", *host = feed_host(req);
	const char *self = web_query_href(req, "/offres.atom", 0), *alt = web_query_href(req, "/offres", 0);
	int64_t updated = 0;
	struct buf out = BUF_INIT(8u << 20);
	size_t i;
	tr_err err = offer_query_parse(&req->ctx, &req->query, &q);

	q.newest_changes_first = true;
	if (!form_has(&req->query, "per_page"))
		q.per_page = FEED_ENTRIES;
	if (err == TR_OK)
		err = offer_search(&req->ctx, &q, &found);
	if (err != TR_OK) {
		json_decref(entries);
		resp_error(req, err, err == TR_INVALID ? req->ctx.errors.items[0].message : NULL);
		return;
	}
	json_array_foreach(json_object_get(found, "items"), i, it)
	{
		if (web_int(it, "updated_at") > updated)
			updated = web_int(it, "updated_at");
		json_array_append_new(entries, feed_entry(req, it, base, host));
	}
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", arena_printf(req->arena, "%s%s", base, self), "title",
	    q.commune_name ? arena_printf(req->arena, "Offres d'emploi près de %s — %s", q.commune_name, SERVICE_NAME)
	                   : "Offres d'emploi — " SERVICE_NAME,
	    "updated", time_iso(req->arena, updated ? updated : req->ctx.now), "self",
	    arena_printf(req->arena, "%s%s", base, self), "alternate", arena_printf(req->arena, "%s%s", base, alt),
	    "entries", entries);
	json_decref(found);
	err = tmpl_render(req->tmpl, "offers_atom.html", data, &out);
	json_decref(data);
	buf_reset(&req->body);
	if (err != TR_OK || buf_append(&req->body, out.p, out.n) != TR_OK) {
		buf_free(&out);
		resp_status(req, 500, "Le flux n'a pas pu être produit.");
		return;
	}
	buf_free(&out);
	req->status = 200;
	req->content_type_out = "application/atom+xml; charset=utf-8";
}

/* ---- one offer ---- */

/* "2 postes, dont 1 pourvu" */
static const char *
posts_text(struct request *req, int64_t posts, int64_t filled)
{
	return arena_printf(req->arena, "%lld poste%s, dont %lld pourvu%s", (long long)posts, posts > 1 ? "s" : "",
	    (long long)filled, filled > 1 ? "s" : "");
}

/* The page of offer req->params[0] with STATUS; MESSAGE (may be NULL) is shown as an alert, the request's error on
 * "reason" under the close form. */
static void
offer_page(struct request *req, int status, const char *message)
{
	json_t *o = NULL, *data, *actions;
	const char *err_reason = field_errors_get(&req->ctx.errors, "reason");
	bool staff, reviewer;
	int64_t id = req->params[0];
	size_t i;
	json_t *a;
	tr_err err = offer_get(&req->ctx, id, &o);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	actions = json_object_get(o, "actions");
	staff = json_array_size(actions) > 0;
	reviewer = actor_has_any(req->ctx.actor, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_NATIONAL));
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:I}", "title", str_of(o, "title"),
	    "organisation", str_of(o, "organisation_name"), "programme", str_of(o, "programme_name"), "job_profile",
	    str_of(o, "job_profile_title"), "contract", contract_text(req, o), "start",
	    web_day_fr(req, str_of(o, "start_on")), "state_label", str_of(o, "state_label"), "state_badge",
	    web_badge(req, o), "description", web_lines(str_of(o, "description")), "how_to_apply",
	    web_lines(str_of(o, "how_to_apply")), "posts_text",
	    posts_text(req, web_int(o, "posts"), web_int(o, "posts_filled")), "version",
	    (json_int_t)web_int(o, "version"));
	json_object_set_new(data, "place",
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "nom", str_of(o, "place_nom"), "adresse", str_of(o, "place_adresse"),
	        "code_postal", str_of(o, "place_code_postal"), "commune",
	        *str_of(o, "place_commune") ? str_of(o, "place_commune") : str_of(o, "commune_name"), "href",
	        arena_printf(req->arena, "/lieux/%s", url_encode(req->arena, str_of(o, "place_id")))));
	json_object_set_new(data, "area",
	    json_string(*str_of(o, "departement_name")
	                    ? arena_printf(req->arena, "%s (%s), %s", str_of(o, "departement_name"),
	                          str_of(o, "departement_code"), str_of(o, "region_name"))
	                    : ""));
	/* Applying is for candidates (an anonymous visitor is sent to sign in first); other roles see no button
	 * they could not use. */
	if (strcmp(str_of(o, "state"), "open") == 0 &&
	    (req->ctx.actor == NULL || actor_has(req->ctx.actor, ROLE_CANDIDATE)))
		json_object_set_new(data, "apply_href",
		    json_string(arena_printf(req->arena, "/offres/%lld/candidater", (long long)id)));
	if (staff || reviewer)
		json_object_set_new(data, "matches_href",
		    json_string(arena_printf(req->arena, "/offres/%lld/candidats", (long long)id)));
	if (json_is_true(json_object_get(o, "can_edit")))
		json_object_set_new(
		    data, "edit_href", json_string(arena_printf(req->arena, "/offres/%lld/modifier", (long long)id)));
	json_array_foreach(actions, i, a)
	{
		bool close = strcmp(str_of(a, "action"), "close") == 0;
		json_object_set_new(data, close ? "close" : "reopen",
		    json_pack("{s:s, s:s, s:s}", "action",
		        arena_printf(req->arena, "/offres/%lld/%s", (long long)id, close ? "fermer" : "rouvrir"),
		        "label", str_of(a, "label"), "error", err_reason ? err_reason : ""));
	}
	if (staff && *str_of(o, "closed_reason") && strcmp(str_of(o, "state"), "closed") == 0)
		json_object_set_new(data, "closed_reason", web_lines(str_of(o, "closed_reason")));
	if (message)
		json_object_set_new(data, "alert", json_string(message));
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", "/offres", "label",
	        "Offres d'emploi", "label", str_of(o, "title")));
	web_page(req, status, "offer.html", str_of(o, "title"), data);
	json_decref(o);
}

void
web_offer(struct request *req)
{
	offer_page(req, 200, NULL);
}

static void
act(struct request *req, const char *action)
{
	json_t *payload = json_object();
	struct str reason = form_get(&req->form, "reason");
	tr_err err;

	if (web_confirm_action(req, &offer_workflow, action, offer_get, req->params[0],
	        arena_printf(req->arena, "/offres/%lld", (long long)req->params[0]))) {
		json_decref(payload);
		return;
	}
	if (reason.p != NULL)
		json_object_set_new(payload, "reason", json_stringn(reason.p, reason.n));
	err = offer_act(&req->ctx, req->params[0], action, form_version(req), payload, NULL, NULL);
	json_decref(payload);
	if (err == TR_OK)
		web_done_action(req, arena_printf(req->arena, "/offres/%lld", (long long)req->params[0]),
		    &offer_workflow, action, req->params[0]);
	else if (err == TR_INVALID)
		offer_page(req, 422, "La fermeture n'a pas été enregistrée : indiquez son motif.");
	else if (err == TR_CONFLICT)
		offer_page(req, 409, req->ctx.message);
	else
		resp_error(req, err, NULL);
}

void
web_offer_close(struct request *req)
{
	act(req, "close");
}

void
web_offer_reopen(struct request *req)
{
	act(req, "reopen");
}

/* ---- the form of an offer ---- */

static json_t *
field_named(json_t *fields, const char *name)
{
	size_t i;
	json_t *f;

	json_array_foreach(fields, i, f)
	{
		if (strcmp(str_of(f, "name"), name) == 0)
			return f;
	}
	return NULL;
}

/* Turns the field NAME of FIELDS into a select of ITEMS: values VALUE_KEY, labels LABEL_KEY (" — " EXTRA_KEY's
 * value after it when EXTRA_KEY is not NULL and the value not empty). */
static void
make_select(struct request *req, json_t *fields, const char *name, json_t *items, const char *value_key,
    const char *label_key, const char *extra_key)
{
	json_t *f = field_named(fields, name), *it;
	size_t k;

	if (f == NULL)
		return;
	set_kind(f, "is_select");
	json_object_set_new(f, "options", json_array());
	json_array_foreach(items, k, it)
	{
		json_t *v = json_object_get(it, value_key);
		const char *value = json_is_integer(v)
		                        ? arena_printf(req->arena, "%lld", (long long)json_integer_value(v))
		                        : str_of(it, value_key);
		const char *label =
		    extra_key && *str_of(it, extra_key)
		        ? arena_printf(req->arena, "%s — %s", str_of(it, label_key), str_of(it, extra_key))
		        : str_of(it, label_key);
		add_option(f, value, label);
	}
}

static void
set_hint(json_t *fields, const char *name, const char *hint)
{
	json_t *f = field_named(fields, name);

	if (f != NULL)
		json_object_set_new(f, "hint", json_string(hint));
}

/* The form page of an offer on the dossier described by CHOICES (offer_form_choices): a new one (VERSION 0) or
 * offer ID's. */
static void
form_page(struct request *req, int status, json_t *choices, json_t *values, int64_t id, int64_t version)
{
	json_t *dossier = json_object_get(choices, "dossier"), *form, *fields, *data;
	const char *action =
	    id ? arena_printf(req->arena, "/offres/%lld/modifier", (long long)id)
	       : arena_printf(req->arena, "/dossiers/%lld/offres/nouvelle", (long long)web_int(dossier, "id"));
	const char *cancel = id ? arena_printf(req->arena, "/offres/%lld", (long long)id) : "/structure/offres";
	const char *heading = id ? "Modifier l'offre" : "Publier une offre";

	form = web_form(req, &entity_offer, values, action, id ? "Enregistrer" : "Publier l'offre", cancel, NULL);
	fields = json_object_get(form, "fields");
	make_select(req, fields, "job_profile_id", json_object_get(choices, "job_profiles"), "id", "title", NULL);
	make_select(req, fields, "place_id", json_object_get(choices, "places"), "id", "nom", "commune");
	set_hint(fields, "duration_months",
	    arena_printf(req->arena,
	        "Obligatoire pour un CDD : de %lld à %lld mois dans ce dispositif. Sans objet pour un CDI.",
	        (long long)web_int(choices, "contract_min_months"),
	        (long long)web_int(choices, "contract_max_months")));
	if (version > 0)
		json_object_set_new(form, "version", json_integer(version));
	data = json_pack("{s:s, s:s, s:o}", "heading", heading, "lead",
	    arena_printf(req->arena,
	        "Dossier n° %lld, %s, pour %s : %lld poste%s accordé%s, %lld encore disponible%s pour de nouvelles "
	        "offres.",
	        (long long)web_int(dossier, "id"), str_of(dossier, "programme_name"),
	        str_of(dossier, "organisation_name"), (long long)web_int(dossier, "posts_granted"),
	        web_int(dossier, "posts_granted") > 1 ? "s" : "", web_int(dossier, "posts_granted") > 1 ? "s" : "",
	        (long long)web_int(dossier, "posts_free"), web_int(dossier, "posts_free") > 1 ? "s" : ""),
	    "form", form);
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", "/structure/offres",
	        "label", "Mes offres", "label", heading));
	web_page(req, status, "offer_form.html",
	    req->ctx.errors.n ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

void
web_offer_new_form(struct request *req)
{
	json_t *choices = NULL, *values;
	tr_err err = offer_form_choices(&req->ctx, req->params[0], &choices);

	if (err == TR_OK && !json_is_true(json_object_get(json_object_get(choices, "dossier"), "validated"))) {
		json_decref(choices);
		resp_error(req, TR_CONFLICT, "Seul un dossier validé ouvre des postes : celui-ci ne l'est pas.");
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	values = json_deep_copy(json_object_get(choices, "defaults"));
	json_object_set_new(values, "contract_type", json_string("CDD"));
	form_page(req, 200, choices, values, 0, 0);
	json_decref(values);
	json_decref(choices);
}

void
web_offer_new(struct request *req)
{
	json_t *in = req_form_object(req, &entity_offer), *choices = NULL;
	int64_t id = 0;
	tr_err err = offer_create(&req->ctx, req->params[0], in, &id);

	if (err == TR_OK)
		web_done_id(req, arena_printf(req->arena, "/offres/%lld", (long long)id), "offer_created", id);
	else if (err == TR_INVALID && offer_form_choices(&req->ctx, req->params[0], &choices) == TR_OK)
		form_page(req, 422, choices, in, 0, 0);
	else
		resp_error(req, err, NULL);
	json_decref(choices);
	json_decref(in);
}

/* Offer ID for its edit form: TR_CONFLICT once closed. */
static tr_err
editable(struct request *req, json_t **o, json_t **choices)
{
	tr_err err = offer_get(&req->ctx, req->params[0], o);

	*choices = NULL;
	if (err != TR_OK)
		return err;
	if ((err = offer_form_choices(&req->ctx, web_int(*o, "dossier_id"), choices)) != TR_OK)
		return err;
	if (!json_is_true(json_object_get(*o, "can_edit")))
		return ctx_fail(&req->ctx, TR_CONFLICT, "Cette offre est fermée : rouvrez-la pour la modifier.");
	return TR_OK;
}

void
web_offer_edit_form(struct request *req)
{
	json_t *o = NULL, *choices = NULL;
	tr_err err = editable(req, &o, &choices);

	if (err == TR_OK)
		form_page(req, 200, choices, o, req->params[0], web_int(o, "version"));
	else
		resp_error(req, err, NULL);
	json_decref(o);
	json_decref(choices);
}

void
web_offer_edit(struct request *req)
{
	json_t *in = req_form_object(req, &entity_offer), *o = NULL, *choices = NULL;
	int64_t version = form_version(req);
	tr_err err = offer_update(&req->ctx, req->params[0], version, in);

	if (err == TR_OK) {
		web_done_id(req, arena_printf(req->arena, "/offres/%lld", (long long)req->params[0]), "offer_saved",
		    req->params[0]);
	} else if (err == TR_INVALID && editable(req, &o, &choices) == TR_OK) {
		form_page(req, 422, choices, in, req->params[0], version);
	} else {
		resp_error(req, err, NULL);
	}
	json_decref(o);
	json_decref(choices);
	json_decref(in);
}

/* ---- matching ---- */

static const char *
yes_no(json_t *v, const char *yes, const char *no, const char *none)
{
	return v == NULL || json_is_null(v) ? none : json_is_true(v) ? yes : no;
}

void
web_offer_candidates(struct request *req)
{
	json_t *o = NULL, *m = NULL, *items = json_array(), *it, *data;
	int64_t id = req->params[0];
	bool staff, open;
	size_t i;
	tr_err err = offer_get(&req->ctx, id, &o);

	if (err == TR_OK)
		err = matching_for_offer(&req->ctx, id, &m);
	if (err != TR_OK) {
		json_decref(o);
		json_decref(items);
		resp_error(req, err, NULL);
		return;
	}
	staff = actor_in_org(req->ctx.actor, ROLE_EMPLOYER, web_int(o, "organisation_id"));
	open = strcmp(str_of(o, "state"), "open") == 0;
	json_array_foreach(json_object_get(m, "items"), i, it)
	{
		json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "rank", (json_int_t)web_int(it, "rank"),
		    "name", str_of(it, "name"), "commune", str_of(it, "commune_name"), "distance",
		    distance_text(req, json_object_get(it, "distance_km")), "wished",
		    yes_no(json_object_get(it, "wished"), "Oui", "Non", "—"), "available",
		    json_is_true(json_object_get(it, "available"))
		        ? (*str_of(it, "available_from") ? arena_printf(req->arena, "Oui (dès le %s)",
		                                               web_day_fr(req, str_of(it, "available_from")))
		                                         : "Oui")
		        : arena_printf(req->arena, "Non (dès le %s)", web_day_fr(req, str_of(it, "available_from"))),
		    "eligible",
		    yes_no(json_object_get(it, "eligible"), "Oui", "Non ou sans diagnostic valide", "Non requis"));
		/* A proposal only where it can be made: an open offer, a person not yet in relation with it (else
		 * the page says how they are, rather than a button ending on a conflict). */
		if (*str_of(it, "relation"))
			json_object_set_new(row, "relation",
			    json_string(arena_printf(req->arena, "Déjà en relation : %s",
			        vocab_label(&vocab_application_state, str_of(it, "relation")))));
		else if (staff && open)
			json_object_set_new(row, "propose_action",
			    json_string(arena_printf(req->arena, "/offres/%lld/candidats/%lld/proposer", (long long)id,
			        (long long)web_int(it, "candidate_id"))));
		json_array_append_new(items, row);
	}
	data = json_pack("{s:s, s:s, s:s, s:b, s:I, s:o}", "offer_title", str_of(o, "title"), "offer_href",
	    arena_printf(req->arena, "/offres/%lld", (long long)id), "reference_date",
	    web_day_fr(req, str_of(m, "reference_date")), "eligibility_required",
	    json_is_true(json_object_get(m, "eligibility_required")), "total", (json_int_t)web_int(m, "total"), "items",
	    items);
	if (*str_of(m, "note"))
		json_object_set_new(data, "note", json_string(str_of(m, "note")));
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", "/offres",
	        "label", "Offres d'emploi", "href", arena_printf(req->arena, "/offres/%lld", (long long)id), "label",
	        str_of(o, "title"), "label", "Candidats suggérés"));
	web_page(req, 200, "offer_matches.html",
	    arena_printf(req->arena, "Candidats suggérés : %s", str_of(o, "title")), data);
	json_decref(o);
	json_decref(m);
}

void
web_candidate_offers(struct request *req)
{
	json_t *m = NULL, *items = json_array(), *it, *data = json_object();
	size_t i;
	tr_err err = matching_for_candidate(&req->ctx, req->ctx.actor ? req->ctx.actor->person_id : 0, &m);

	if (err == TR_NOT_FOUND) {
		json_object_set_new(data, "no_profile", json_true());
	} else if (err != TR_OK) {
		json_decref(items);
		json_decref(data);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(m, "items"), i, it)
	{
		json_t *card = card_json(req, it, web_int(it, "offer_id"));
		json_t *reasons = json_array();
		json_object_set_new(card, "where", json_string(str_of(it, "commune_name")));
		if (json_is_true(json_object_get(it, "wished")))
			json_array_append_new(reasons, json_string("Métier souhaité"));
		if (json_is_true(json_object_get(it, "available")))
			json_array_append_new(reasons, json_string("Disponible à temps"));
		if (json_is_true(json_object_get(it, "eligible")))
			json_array_append_new(reasons, json_string("Éligibilité vérifiée"));
		else if (json_is_false(json_object_get(it, "eligible")))
			json_array_append_new(reasons, json_string("Diagnostic d'éligibilité à faire"));
		json_object_set_new(card, "reasons", reasons);
		json_array_append_new(items, card);
	}
	json_object_set_new(data, "items", items);
	json_object_set_new(data, "total", json_integer(web_int(m, "total")));
	if (*str_of(m, "note"))
		json_object_set_new(data, "note", json_string(str_of(m, "note")));
	json_decref(m);
	web_page(req, 200, "offers_suggested.html", "Offres suggérées", data);
}

/* ---- the structure's side ---- */

void
web_structure_offers(struct request *req)
{
	json_t *dossiers = NULL, *d, *o;
	size_t i, k;
	tr_err err = offer_structure_overview(&req->ctx, &dossiers);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(dossiers, i, d)
	{
		int64_t id = web_int(d, "id");
		json_object_set_new(d, "href", json_string(arena_printf(req->arena, "/dossiers/%lld", (long long)id)));
		if (json_is_true(json_object_get(d, "can_publish")))
			json_object_set_new(d, "new_offer_href",
			    json_string(arena_printf(req->arena, "/dossiers/%lld/offres/nouvelle", (long long)id)));
		json_array_foreach(json_object_get(d, "offers"), k, o)
		{
			json_object_set_new(o, "href",
			    json_string(arena_printf(req->arena, "/offres/%lld", (long long)web_int(o, "id"))));
			json_object_set_new(o, "matches_href",
			    json_string(
			        arena_printf(req->arena, "/offres/%lld/candidats", (long long)web_int(o, "id"))));
			json_object_set_new(o, "start", json_string(web_day_fr(req, str_of(o, "start_on"))));
			json_object_set_new(o, "badge", json_string(web_badge(req, o)));
		}
	}
	web_page(req, 200, "offers_structure.html", "Mes offres d'emploi", json_pack("{s:o}", "dossiers", dossiers));
}
