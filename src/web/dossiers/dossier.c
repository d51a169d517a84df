/* The dossiers' pages: the lists (a structure's own dossiers, the regional and national queues) with their CSV
 * and XLSX exports, the Annex I form (new and edit), one dossier with its opinion and decision, the actions the
 * reader may take, the message thread and the timeline, and the protocol as a PDF. The domain decides who may
 * see and do what; these pages only show it. */
#include "web/web.h"

#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/home/history.h"
#include "domain/kernel/authz.h"
#include "domain/kernel/refsnap.h"
#include "domain/dossiers/dossier.h"
#include "domain/poles/partner.h"
#include "domain/programmes/programme.h"
#include "domain/subsidies/schedule.h"
#include "domain/subsidies/subsidy.h"
#include "domain/geo/refdata.h"
#include "model/programmes/programme.h"

/* The marker the Annex I form sends, so that unticked checkboxes mean "no" only when the form was shown. */
#define FORM_MARKER "formulaire_complet"
#define PER_PAGE 20
/* An export of every dossier a national officer sees. */
#define EXPORT_MAX (64u << 20)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small helpers ---- */

/* The value of NAME in VALUES as text: a string, an integer, or "". */
static const char *
value_text(struct request *req, json_t *values, const char *name)
{
	json_t *v = json_object_get(values, name);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
	return "";
}

static int64_t
form_version(struct request *req)
{
	struct str v = form_get(&req->form, "version");
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) ? n : 0;
}

/* The positive integer of query parameter NAME, or 0. */
static int64_t
query_id(struct request *req, const char *name)
{
	struct str v = form_get(&req->query, name);
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) && n > 0 ? n : 0;
}

static const char *const field_kinds[] = { "is_text", "is_password", "is_textarea", "is_select", "is_checkbox",
	"is_radio", "is_project" };

static void
set_kind(json_t *f, const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(field_kinds); i++)
		json_object_set_new(f, field_kinds[i], json_boolean(strcmp(field_kinds[i], kind) == 0));
}

/* A field object of field.html with every key set; KIND is one of field_kinds. Its error is the request's for
 * NAME. */
static json_t *
field_new(
    struct request *req, const char *name, const char *label, const char *hint, const char *value, const char *kind)
{
	const char *err = field_errors_get(&req->ctx.errors, name);
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:b, s:[]}", "id", name, "name", name,
	    "label", label, "hint", hint ? hint : "", "type", "text", "value", value ? value : "", "required", 0,
	    "error", err ? err : "", "autocomplete", "", "maxlength", 0, "checked", 0, "options");

	set_kind(f, kind);
	return f;
}

static void
add_option(json_t *f, const char *value, const char *label, bool selected)
{
	json_array_append_new(json_object_get(f, "options"),
	    json_pack("{s:s, s:s, s:b}", "value", value, "label", label, "selected", selected));
}

/* The states a dossier waits in (days are counted there only). */
static bool
state_pending(const char *state)
{
	return state && (strcmp(state, "regional_review") == 0 || strcmp(state, "national_review") == 0 ||
	                    strcmp(state, "changes_requested") == 0);
}

/* ---- the lists ---- */

/* The list's filters from the query; *QUERY receives them as "dispositif=1&region=84&" for links. */
static void
list_filter(struct request *req, struct dossier_filter *f, const char **query)
{
	const char *region = req_query(req, "region"), *state = req_query(req, "etat");

	memset(f, 0, sizeof(*f));
	f->programme_id = query_id(req, "dispositif");
	f->job_profile_id = query_id(req, "metier");
	f->region = region && *region && strlen(region) <= 3 ? region : NULL;
	f->state = state && vocab_label(&vocab_dossier_state, state) ? state : NULL;
	f->page = req_page(req);
	f->per_page = PER_PAGE;
	*query = "";
	if (f->programme_id)
		*query = arena_printf(req->arena, "%sdispositif=%lld&", *query, (long long)f->programme_id);
	if (f->region)
		*query = arena_printf(req->arena, "%sregion=%s&", *query, url_encode(req->arena, f->region));
	if (f->state)
		*query = arena_printf(req->arena, "%setat=%s&", *query, f->state);
	if (f->job_profile_id)
		*query = arena_printf(req->arena, "%smetier=%lld&", *query, (long long)f->job_profile_id);
}

/* PATH with the filters of QUERY ("dispositif=1&" …, as list_filter makes it). */
static const char *
filtered_href(struct request *req, const char *path, const char *query)
{
	size_t n = strlen(query);

	return n ? arena_printf(req->arena, "%s?%.*s", path, (int)(n - 1), query) : path;
}

/* What the list and the exports show of dossier IT, added to it. */
static void
list_row(struct request *req, json_t *it)
{
	const char *state = web_text(it, "state");
	bool pending = state_pending(state);

	json_object_set_new(
	    it, "href", json_string(arena_printf(req->arena, "/dossiers/%lld", (long long)web_int(it, "id"))));
	json_object_set_new(it, "badge", json_string(web_badge(req, it)));
	json_object_set_new(it, "waiting", pending ? json_integer(web_int(it, "days_waiting")) : json_null());
	json_object_set_new(it, "waiting_text",
	    json_string(pending ? arena_printf(req->arena, "%lld", (long long)web_int(it, "days_waiting")) : "—"));
	json_object_set_new(it, "updated_on", json_string(date_iso(req->arena, web_int(it, "updated_at"))));
	json_object_set_new(it, "updated_text", json_string(date_fr(req->arena, web_int(it, "updated_at"))));
	json_object_set_new(it, "requested_text", json_string(value_text(req, it, "posts_requested")));
	if (!json_is_string(json_object_get(it, "place_nom")))
		json_object_set_new(it, "place_nom", json_string(""));
}

/* The filter form's fields: programme, region, state, job profile (the chosen programme's, or every one). */
static tr_err
filter_fields(struct request *req, const struct dossier_filter *f, json_t **out)
{
	const struct refsnap *snap;
	json_t *fp, *fr, *fs, *fj;
	size_t i;
	tr_err err;

	/* The programmes, job profiles and regions come from the reference data in memory: no query a programme. */
	if ((err = refsnap_acquire(&req->ctx, &snap)) != TR_OK)
		return err;
	fp = field_new(req, "dispositif", "Dispositif", NULL, "", "is_select");
	fr = field_new(req, "region", "Région", NULL, f->region, "is_select");
	fs = field_new(req, "etat", "État", NULL, f->state, "is_select");
	fj = field_new(req, "metier", "Métier", NULL, "", "is_select");
	for (i = 0; i < snap->nprogrammes; i++) {
		const struct ref_programme *p = &snap->programmes[i];
		add_option(fp, arena_printf(req->arena, "%lld", (long long)p->id), p->name, p->id == f->programme_id);
		if (f->programme_id && p->id != f->programme_id)
			continue;
		for (size_t k = 0; k < snap->njob_profiles; k++) {
			const struct ref_job_profile *jp = &snap->job_profiles[k];
			if (jp->programme_id != p->id)
				continue;
			add_option(fj, arena_printf(req->arena, "%lld", (long long)jp->id),
			    f->programme_id ? jp->title : arena_printf(req->arena, "%s (%s)", jp->title, p->code),
			    jp->id == f->job_profile_id);
		}
	}
	for (i = 0; i < snap->nregions; i++)
		add_option(fr, snap->regions[i].code, snap->regions[i].name,
		    f->region && strcmp(f->region, snap->regions[i].code) == 0);
	refsnap_release(snap);
	for (i = 0; i < vocab_dossier_state.n; i++)
		add_option(fs, vocab_dossier_state.items[i].code, vocab_dossier_state.items[i].label,
		    f->state && strcmp(f->state, vocab_dossier_state.items[i].code) == 0);
	*out = json_pack("{s:o, s:o, s:o, s:o}", "programme", fp, "region", fr, "state", fs, "job_profile", fj);
	return TR_OK;
}

/* The heading and lead of the list, by the reader's widest role. */
static const struct web_heading headings[] = {
	{ ROLE_ADMIN, ROLE_NONE, "Tous les dossiers",
	    "Les dossiers de toutes les structures, brouillons compris ; le plus ancien en attente d'abord." },
	{ ROLE_NATIONAL, ROLE_NONE, "File nationale", "Les dossiers déposés, le plus ancien en attente d'abord." },
	{ ROLE_REGIONAL, ROLE_NONE, "File régionale",
	    "Les dossiers déposés dans votre région, le plus ancien en attente d'abord, avec le nombre de jours "
	    "d'attente." },
	{ ROLE_POLE, ROLE_NONE, "Dossiers des régions du pôle",
	    "Les dossiers déposés dans les régions que couvre votre pôle de ressources." },
	{ ROLE_NONE, ROLE_NONE, "Mes dossiers",
	    "Les protocoles d'adhésion de votre structure, le dernier modifié d'abord." },
};

void
web_dossiers(struct request *req)
{
	struct dossier_filter f;
	const char *query, *heading, *lead;
	json_t *list = NULL, *fields = NULL, *it, *data;
	json_int_t total, pages;
	size_t i;
	tr_err err;

	list_filter(req, &f, &query);
	if ((err = dossier_list(&req->ctx, &f, &list)) != TR_OK || (err = filter_fields(req, &f, &fields)) != TR_OK) {
		json_decref(list);
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, it) list_row(req, it);
	total = web_int(list, "total");
	pages = total ? (total + PER_PAGE - 1) / PER_PAGE : 1;
	heading = web_heading_for(req, headings)->heading;
	lead = web_heading_for(req, headings)->lead;
	data = json_pack("{s:s, s:s, s:o, s:O, s:s, s:s, s:s, s:b}", "heading", heading, "lead", lead, "fields", fields,
	    "items", json_object_get(list, "items"), "total_text",
	    total == 0   ? "Aucun dossier"
	    : total == 1 ? "1 dossier"
	                 : arena_printf(req->arena, "%lld dossiers", (long long)total),
	    "csv_href", filtered_href(req, "/dossiers.csv", query), "xlsx_href",
	    filtered_href(req, "/dossiers.xlsx", query), "can_create", actor_has(req->ctx.actor, ROLE_EMPLOYER));
	web_pager(req, data, f.page, pages, web_prefix_href, arena_printf(req->arena, "/dossiers?%s", query));
	json_decref(list);
	json_object_set_new(data, "columns", web_list_columns(&entity_dossier_row));
	web_page(req, 200, "dossiers.html", heading, data);
}

/* Every page of the list with the query's filters, as export rows. */
static tr_err
export_rows(struct request *req, json_t **out)
{
	struct dossier_filter f;
	const char *query;
	json_t *rows = json_array();
	tr_err err = TR_OK;

	list_filter(req, &f, &query);
	f.per_page = DOSSIER_LIST_MAX;
	for (f.page = 1;; f.page++) {
		json_t *list = NULL, *it;
		size_t i, n, total;
		if ((err = dossier_list(&req->ctx, &f, &list)) != TR_OK)
			break;
		json_array_foreach(json_object_get(list, "items"), i, it)
		{
			list_row(req, it);
			json_array_append(rows, it);
		}
		n = json_array_size(json_object_get(list, "items"));
		total = (size_t)web_int(list, "total");
		json_decref(list);
		if (n < (size_t)f.per_page || json_array_size(rows) >= total)
			break;
	}
	if (err != TR_OK) {
		json_decref(rows);
		return err;
	}
	*out = rows;
	return TR_OK;
}

static void
send_export(struct request *req, bool xlsx)
{
	json_t *rows = NULL;
	tr_err err = export_rows(req, &rows);

	if (err == TR_OK) {
		req->body.max = EXPORT_MAX;
		buf_reset(&req->body);
		err = entity_export(&entity_dossier_row, xlsx ? "Dossiers" : NULL, rows, &req->body);
		json_decref(rows);
	}
	if (err != TR_OK) {
		buf_reset(&req->body);
		resp_error(
		    req, err, err == TR_TOO_LARGE ? "L'export dépasse la taille permise : filtrez la liste." : NULL);
		return;
	}
	req->status = 200;
	req->content_type_out =
	    xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8";
	resp_header(req, "content-disposition",
	    xlsx ? "attachment; filename=\"dossiers.xlsx\"" : "attachment; filename=\"dossiers.csv\"");
}

void
web_dossiers_csv(struct request *req)
{
	send_export(req, false);
}

void
web_dossiers_xlsx(struct request *req)
{
	send_export(req, true);
}

/* ---- the Annex I form ---- */

/* The sections of Annex I: the form's fieldsets and the dossier page's blocks, each naming fields of
 * entity_dossier in order. */
static const struct section {
	const char *id, *legend;
	const char *fields[6];
} sections[] = {
	{ "epn", "L'espace public numérique", { "place_id", "netpublic", "listed_national", NULL } },
	{ "employeur", "L'employeur et la personne à contacter",
	    { "employer_category", "contact_name", "contact_email", "contact_phone", NULL } },
	{ "recrutement", "Le projet de recrutement", { "project", "job_profile_id", "posts_requested", NULL } },
	{ "tuteur", "Le tuteur", { "tutor_name", "tutor_qualities", NULL } },
	{ "parrainage", "Le parrain et l'entreprise marraine",
	    { "sponsor_name", "sponsor_qualities", "company_name", "company_siret", "company_activity", NULL } },
	{ "accompagnement", "Le pôle de ressources et le parcours", { "pole_id", "training_path", NULL } },
	{ "developpement", "Le projet de l'EPN", { "development_project", NULL } },
	{ "signature", "La signature", { "signed_on", "signatory", NULL } },
};

/* The EPN: a select of the structure's places and a text field for any other place's id; or the text field
 * alone when the structure runs no place. Returns the extra field (NULL when none). */
static json_t *
place_fields(struct request *req, json_t *f, json_t *values, json_t *places)
{
	const char *cur = value_text(req, values, "place_id");
	bool known = false;
	size_t i;
	json_t *p;

	json_object_set_new(
	    f, "hint", json_string("L'identifiant du lieu dans l'annuaire : il termine l'adresse de la page du lieu."));
	if (json_array_size(places) == 0)
		return NULL;
	set_kind(f, "is_select");
	json_object_set_new(f, "hint", json_string("Les lieux de l'annuaire que gère votre structure."));
	json_array_foreach(places, i, p)
	{
		bool on = strcmp(cur, web_text(p, "id")) == 0;
		known |= on;
		add_option(f, web_text(p, "id"),
		    *web_text(p, "commune")
		        ? arena_printf(req->arena, "%s — %s", web_text(p, "nom"), web_text(p, "commune"))
		        : web_text(p, "nom"),
		    on);
	}
	p = field_new(req, "place_other", "Ou l'identifiant d'un autre lieu de l'annuaire",
	    "Cherchez le lieu dans l'annuaire : son identifiant termine l'adresse de sa page.", known ? "" : cur,
	    "is_text");
	json_object_set_new(p, "maxlength", json_integer(128));
	return p;
}

/* The options of the programme's active job profiles (and the current one), poles, eligible categories. */
static void
programme_choices(struct request *req, json_t *byname, json_t *values, json_t *programme)
{
	json_t *f, *it;
	size_t i;
	const char *cur;

	f = json_object_get(byname, "job_profile_id");
	set_kind(f, "is_select");
	cur = value_text(req, values, "job_profile_id");
	json_array_foreach(json_object_get(programme, "job_profiles"), i, it)
	{
		const char *id = arena_printf(req->arena, "%lld", (long long)web_int(it, "id"));
		if (json_is_true(json_object_get(it, "active")) || strcmp(id, cur) == 0)
			add_option(f, id, web_text(it, "title"), strcmp(id, cur) == 0);
	}
	f = json_object_get(byname, "pole_id");
	set_kind(f, "is_select");
	cur = value_text(req, values, "pole_id");
	json_array_foreach(json_object_get(programme, "poles"), i, it)
	{
		const char *id = arena_printf(req->arena, "%lld", (long long)web_int(it, "id")), *names = "";
		size_t k;
		json_t *n;
		json_array_foreach(json_object_get(it, "region_names"), k, n) names =
		    arena_printf(req->arena, "%s%s%s", names, k ? ", " : "", json_string_value(n));
		add_option(f, id,
		    *names ? arena_printf(req->arena, "%s (%s)", web_text(it, "name"), names) : web_text(it, "name"),
		    strcmp(id, cur) == 0);
	}
	f = json_object_get(byname, "employer_category");
	cur = value_text(req, values, "employer_category");
	json_object_set_new(f, "options", json_array());
	for (i = 0; i < vocab_employer_category.n; i++) {
		const char *code = vocab_employer_category.items[i].code;
		if (str_list_has(web_text(programme, "employer_categories"), code, strlen(code)) ||
		    strcmp(code, cur) == 0)
			add_option(f, code, vocab_employer_category.items[i].label, strcmp(code, cur) == 0);
	}
}

/* The fieldsets of the Annex I form for PROGRAMME (programme_get), with VALUES (a dossier, or the form sent back)
 * and the structure's PLACES: [{id, legend, fields}]. */
static json_t *
annex_sections(struct request *req, json_t *programme, json_t *values, json_t *places)
{
	json_t *form = web_form(req, &entity_dossier, values, "", "", NULL, NULL);
	json_t *byname = json_object(), *out = json_array(), *f, *other;
	size_t i;

	json_array_foreach(json_object_get(form, "fields"), i, f)
	{
		json_object_set_new(f, "is_project", json_false());
		json_object_set(byname, web_text(f, "name"), f);
	}
	other = place_fields(req, json_object_get(byname, "place_id"), values, places);
	programme_choices(req, byname, values, programme);
	json_object_set_new(json_object_get(byname, "contact_phone"), "type", json_string("tel"));
	set_kind(json_object_get(byname, "development_project"), "is_project");
	for (i = 0; i < ARRAY_LEN(sections); i++) {
		json_t *fields = json_array();
		for (const char *const *n = sections[i].fields; *n; n++) {
			if (!dossier_asks(programme, *n)) /* what the programme does not ask is not shown */
				continue;
			json_array_append(fields, json_object_get(byname, *n));
			if (strcmp(*n, "place_id") == 0 && other)
				json_array_append(fields, other);
		}
		if (json_array_size(fields) == 0) {
			json_decref(fields);
			continue;
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:o, s:b, s:[]}", "id", sections[i].id, "legend",
		                               sections[i].legend, "fields", fields, "epn", i == 0, "partners"));
	}
	/* The register of partner companies (vivier) of the EPN's region offers its sponsors beside the company's
	 * fields, once the region is known (a dossier whose place is chosen). */
	{
		const char *region = web_text(values, "region_code");
		json_t *partners = NULL;
		int64_t profile = json_integer_value(json_object_get(values, "job_profile_id"));
		if (region && *region && partner_suggest(&req->ctx, region, profile, &partners) == TR_OK) {
			json_t *sec, *co;
			size_t k;
			/* Every key set, so that a missing one is not looked up in the dossier around it. */
			json_array_foreach(partners, k, co)
			{
				static const char *const keys[] = { "name", "siret", "activity", "commune_name",
					"contact_name" };
				for (size_t j = 0; j < ARRAY_LEN(keys); j++)
					json_object_set_new(co, keys[j], json_string(web_text(co, keys[j])));
			}
			json_array_foreach(out, i, sec)
			{
				if (strcmp(web_text(sec, "id"), "parrainage") == 0)
					json_object_set(sec, "partners", partners);
			}
			json_decref(partners);
		}
	}
	json_decref(other);
	json_decref(byname);
	json_decref(form);
	return out;
}

/* The request's field errors as the form's summary, each linked to its field on this page. */
static json_t *
form_summary(struct request *req)
{
	json_t *summary = json_array();

	for (size_t i = 0; i < req->ctx.errors.n; i++)
		json_array_append_new(summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field,
		                                   "message", req->ctx.errors.items[i].message));
	return summary;
}

/* The form page of a dossier of PROGRAMME_ID: a new one (ID 0) or dossier ID seen at VERSION. */
static void
annex_page(struct request *req, int status, int64_t programme_id, int64_t id, int64_t version, json_t *values,
    const char *conflict)
{
	json_t *p = NULL, *places = NULL, *data;
	const char *heading;
	tr_err err = programme_get(&req->ctx, programme_id, &p);

	if (err == TR_OK)
		err = dossier_place_choices(&req->ctx, &places);
	if (err != TR_OK) {
		json_decref(p);
		resp_error(req, err, NULL);
		return;
	}
	heading = id ? arena_printf(req->arena, "Modifier le dossier n° %lld", (long long)id) : "Nouveau dossier";
	data = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "heading", heading, "programme_name",
	    web_text(p, "name"), "action",
	    id ? arena_printf(req->arena, "/dossiers/%lld/modifier", (long long)id) : "/dossiers/nouveau", "marker",
	    FORM_MARKER, "sections", annex_sections(req, p, values, places), "errors_summary", form_summary(req),
	    "cancel_href", id ? arena_printf(req->arena, "/dossiers/%lld", (long long)id) : "/dossiers", "lieux_href",
	    "/lieux");
	json_object_set_new(
	    data, "submit_label", json_string(id ? "Enregistrer les modifications" : "Enregistrer le brouillon"));
	if (id)
		json_object_set_new(data, "version", json_integer(version));
	else
		json_object_set_new(data, "programme_id", json_integer(programme_id));
	json_object_set_new(data, "new_place_href", json_string("/lieux/nouveau"));
	if (conflict) {
		json_object_set_new(data, "conflict", json_string(conflict));
		json_object_set_new(data, "reload_href",
		    json_string(arena_printf(req->arena, "/dossiers/%lld/modifier", (long long)id)));
	}
	json_decref(places);
	json_decref(p);
	web_page(req, status, "dossier_form.html",
	    req->ctx.errors.n || conflict ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

/* The Annex I fields of the form sent: text as sent (empty clears), checkboxes as booleans when the whole form
 * was shown, the EPN typed in "place_other" before the one chosen in the list. */
static json_t *
annex_input(struct request *req)
{
	json_t *in = json_object();
	bool complete = form_has(&req->form, FORM_MARKER);
	struct str other = str_trim(form_get(&req->form, "place_other"));

	for (size_t i = 0; i < entity_dossier.nfields; i++) {
		const struct field *f = &entity_dossier.fields[i];
		struct str v;
		if (f->type == FT_BOOL) {
			if (complete || form_has(&req->form, f->name))
				json_object_set_new(in, f->name, json_boolean(form_has(&req->form, f->name)));
		} else if ((v = form_get(&req->form, f->name)).p != NULL) {
			json_object_set_new(in, f->name, json_stringn(v.p, v.n));
		}
	}
	if (other.p != NULL && other.n > 0)
		json_object_set_new(in, "place_id", json_stringn(other.p, other.n));
	return in;
}

/* The first step of a new dossier: the open programmes to choose from. */
static void
choose_page(struct request *req, int status)
{
	json_t *list = NULL, *f, *it;
	size_t i;
	tr_err err = programme_list(&req->ctx, &list);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	f = field_new(req, "dispositif", "Dispositif",
	    "Seuls les dispositifs ouverts aux nouveaux dossiers sont proposés.", "", "is_radio");
	json_object_set_new(f, "required", json_true());
	json_array_foreach(json_object_get(list, "items"), i, it) if (json_is_true(json_object_get(it, "open")))
	    add_option(f, arena_printf(req->arena, "%lld", (long long)web_int(it, "id")), web_text(it, "name"), false);
	json_decref(list);
	web_page(req, status, "dossier_new.html", req->ctx.errors.n ? "Erreur : nouveau dossier" : "Nouveau dossier",
	    json_pack("{s:b, s:o, s:o}", "any_open", json_array_size(json_object_get(f, "options")) > 0, "field", f,
	        "errors_summary", form_summary(req)));
}

/* An open programme of id ID, or 0 with a field error. */
static int64_t
open_programme(struct request *req, int64_t id)
{
	json_t *p = NULL;
	bool open = id > 0 && programme_rules(&req->ctx, id, &p) == TR_OK && json_is_true(json_object_get(p, "open"));

	req->ctx.message = NULL;
	if (!open)
		field_errors_add(&req->ctx.errors, "dispositif",
		    web_opt_text(p, "closed_reason")
		        ? arena_printf(req->arena, "« Dispositif » : %s Choisissez un dispositif ouvert.",
		              web_opt_text(p, "closed_reason"))
		        : "« Dispositif » : choisissez un dispositif ouvert aux nouveaux dossiers.");
	json_decref(p);
	return open ? id : 0;
}

void
web_dossier_new_form(struct request *req)
{
	int64_t pid;

	if (!form_has(&req->query, "dispositif")) {
		choose_page(req, 200);
		return;
	}
	if ((pid = open_programme(req, query_id(req, "dispositif"))) == 0) {
		choose_page(req, 422);
		return;
	}
	annex_page(req, 200, pid, 0, 0, NULL, NULL);
}

void
web_dossier_new(struct request *req)
{
	struct str v = form_get(&req->form, "programme_id");
	long long pid = 0, org = 0;
	int64_t id = 0;
	json_t *in;
	tr_err err;

	if (v.p == NULL || !str_to_i64(v, &pid))
		pid = 0;
	if (open_programme(req, pid) == 0) {
		choose_page(req, 422);
		return;
	}
	v = form_get(&req->form, "organisation_id");
	if (v.p != NULL && !str_to_i64(v, &org))
		org = 0;
	in = annex_input(req);
	err = dossier_create(&req->ctx, pid, org, in, &id);
	if (err == TR_INVALID)
		annex_page(req, 422, pid, 0, 0, in, NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/dossiers/%lld", (long long)id), "draft_saved");
	json_decref(in);
}

/* Dossier ID for its edit form, or NULL after answering (an error, or a dossier that cannot be edited). */
static json_t *
editable(struct request *req, int64_t id)
{
	json_t *d = NULL;
	tr_err err = dossier_get(&req->ctx, id, &d);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return NULL;
	}
	if (!json_is_true(json_object_get(d, "can_edit"))) {
		json_decref(d);
		resp_error(req, TR_FORBIDDEN,
		    "Ce dossier ne peut pas être modifié : seule sa structure le modifie, avant son dépôt ou quand des "
		    "compléments sont demandés.");
		return NULL;
	}
	return d;
}

void
web_dossier_edit_form(struct request *req)
{
	json_t *d = editable(req, req->params[0]);

	if (d == NULL)
		return;
	annex_page(req, 200, web_int(d, "programme_id"), req->params[0], web_int(d, "version"), d, NULL);
	json_decref(d);
}

void
web_dossier_edit(struct request *req)
{
	int64_t id = req->params[0], version = form_version(req);
	json_t *d = editable(req, id), *in;
	tr_err err;

	if (d == NULL)
		return;
	in = annex_input(req);
	err = dossier_update(&req->ctx, id, version, in);
	if (err == TR_INVALID || err == TR_CONFLICT) {
		json_object_update(d, in);
		annex_page(req, err == TR_INVALID ? 422 : 409, web_int(d, "programme_id"), id, version, d,
		    err == TR_CONFLICT ? req->ctx.message : NULL);
	} else if (err != TR_OK) {
		resp_error(req, err, NULL);
	} else {
		web_done_id(req, arena_printf(req->arena, "/dossiers/%lld", (long long)id), "dossier_saved", id);
	}
	json_decref(in);
	json_decref(d);
}

/* ---- one dossier ---- */

/* One row of the dossier's Annex I: {label, value, href, lines, missing}. */
static json_t *
annex_row(struct request *req, json_t *d, const struct field *f)
{
	json_t *v = json_object_get(d, f->name), *lines = json_array();
	const char *value = "", *href = "";

	if (strcmp(f->name, "place_id") == 0 && json_is_string(v)) {
		value = *web_text(d, "place_nom") ? web_text(d, "place_nom") : json_string_value(v);
		href = arena_printf(req->arena, "/lieux/%s", url_encode(req->arena, json_string_value(v)));
		if (*web_text(d, "place_adresse"))
			json_array_append_new(lines, json_string(web_text(d, "place_adresse")));
		json_array_append_new(lines, json_string(arena_printf(req->arena, "%s %s",
		                                 web_text(d, "place_code_postal"), web_text(d, "place_commune"))));
		json_array_append_new(
		    lines, json_string(arena_printf(req->arena, "Identifiant : %s", json_string_value(v))));
	} else if (strcmp(f->name, "employer_category") == 0) {
		value = web_text(d, "employer_category_label");
	} else if (strcmp(f->name, "job_profile_id") == 0) {
		value = web_text(d, "job_profile_title");
	} else if (strcmp(f->name, "pole_id") == 0) {
		value = web_text(d, "pole_name");
	} else if (f->type == FT_BOOL) {
		value = json_is_true(v) ? "Oui" : "Non";
	} else if (f->type == FT_DATE) {
		value = web_day_fr(req, web_opt_text(d, f->name));
	} else if (f->type == FT_PHONE && *web_text(d, f->name)) {
		value = fr_phone_display(req->arena, web_text(d, f->name));
		href = arena_printf(req->arena, "tel:%s", web_text(d, f->name));
	} else if (f->type == FT_TEXTAREA) {
		json_decref(lines);
		lines = web_lines(web_opt_text(d, f->name));
	} else {
		value = value_text(req, d, f->name);
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:b}", "label", f->label, "value", value, "href", href, "lines", lines,
	    "missing", *value == '\0' && json_array_size(lines) == 0);
}

static json_t *
annex_view(struct request *req, json_t *d)
{
	json_t *out = json_array(), *rules = NULL;

	if (programme_rules(&req->ctx, web_int(d, "programme_id"), &rules) != TR_OK)
		req->ctx.message = NULL;
	for (size_t i = 0; i < ARRAY_LEN(sections); i++) {
		json_t *rows = json_array();
		for (const char *const *n = sections[i].fields; *n; n++)
			if (rules == NULL || dossier_asks(rules, *n))
				json_array_append_new(rows, annex_row(req, d, entity_field(&entity_dossier, *n)));
		if (json_array_size(rows) > 0)
			json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "id", sections[i].id, "legend",
			                               sections[i].legend, "rows", rows));
		else
			json_decref(rows);
	}
	json_decref(rules);
	return out;
}

static const char *
date_member_fr(struct request *req, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? date_fr(req->arena, json_integer_value(v)) : "";
}

/* The regional opinion and the national decision blocks (absent when not given). */
static void
review_blocks(struct request *req, json_t *d, json_t *data)
{
	const char *decision = web_opt_text(d, "decision");

	if (web_opt_text(d, "opinion_authority")) /* who gives it, as the programme names them */
		json_object_set_new(data, "opinion_authority", json_string(web_text(d, "opinion_authority")));
	if (web_opt_text(d, "opinion"))
		json_object_set_new(data, "opinion",
		    json_pack("{s:s, s:o, s:o, s:s, s:s}", "label", web_text(d, "opinion_label"), "suggestions",
		        web_lines(web_opt_text(d, "opinion_suggestions")), "advice",
		        web_lines(web_opt_text(d, "opinion_advice")), "by", web_text(d, "opinion_by_name"), "at",
		        date_member_fr(req, d, "opinion_at")));
	if (decision)
		json_object_set_new(data, "decision",
		    json_pack("{s:b, s:I, s:o, s:o, s:s, s:s}", "validated", strcmp(decision, "validated") == 0,
		        "posts_granted", (json_int_t)web_int(d, "posts_granted"), "reason",
		        web_lines(web_opt_text(d, "decision_reason")), "override",
		        web_lines(web_opt_text(d, "quota_override")), "by", web_text(d, "decision_by_name"), "at",
		        date_member_fr(req, d, "decision_at")));
}

/* Before the national decision, what the region's budget envelope of the year still allows (the subsidies'
 * envelopes, set by the national officers): shown to those who decide and may read the envelopes. */
static void
envelope_block(struct request *req, json_t *d, json_t *data)
{
	json_t *list = NULL, *e, *block = NULL;
	size_t i;
	int y, m, day;

	if (strcmp(web_text(d, "state"), "national_review") != 0 || !actor_has(req->ctx.actor, ROLE_NATIONAL))
		return;
	date_civil(req->ctx.now / 86400, &y, &m, &day);
	if (envelope_list(&req->ctx, web_int(d, "programme_id"), y, &list) != TR_OK) {
		req->ctx.errors.n = 0;
		return;
	}
	json_array_foreach(json_object_get(list, "items"), i, e)
	{
		if (block == NULL && strcmp(web_text(e, "region_code"), web_text(d, "region_code")) == 0)
			block = json_pack("{s:s, s:s, s:s, s:s}", "commitments",
			    sched_euros(req->arena, web_int(e, "commitments_cents")), "committed",
			    web_text(e, "committed"), "left", web_text(e, "commitments_left"), "region",
			    web_text(e, "region_name"));
	}
	json_object_set_new(
	    data, "envelope", json_pack("{s:i, s:o}", "year", y, "found", block ? block : json_pack("[]")));
	json_decref(list);
}

/* The entities of the actions' payloads, by the name dossier_get gives. */
static const struct entity *
payload_entity(const char *name)
{
	static const struct entity *const payloads[] = { &entity_opinion, &entity_decision_validate, &entity_reason,
		&entity_questions, &entity_message };

	for (size_t i = 0; name && i < ARRAY_LEN(payloads); i++)
		if (strcmp(payloads[i]->name, name) == 0)
			return payloads[i];
	return NULL;
}

/* The fields of entity E for the form PREFIX ("give_opinion", "message"): ids made unique in the page, the
 * request's errors only when FAILED (the form that was sent), VALUES shown back then. A short choice becomes
 * radio buttons; OPTIONAL fields lose their asterisk. */
static json_t *
payload_fields(
    struct request *req, const struct entity *e, const char *prefix, bool failed, json_t *values, bool optional)
{
	json_t *form = web_form(req, e, failed ? values : NULL, "", "", NULL, NULL);
	json_t *fields = json_incref(json_object_get(form, "fields")), *f;
	size_t i;

	json_decref(form);
	json_array_foreach(fields, i, f)
	{
		const struct field *fd = entity_field(e, web_text(f, "name"));
		json_object_set_new(
		    f, "id", json_string(arena_printf(req->arena, "%s-%s", prefix, web_text(f, "name"))));
		json_object_set_new(f, "is_project", json_false());
		if (!failed)
			json_object_set_new(f, "error", json_string(""));
		if (optional)
			json_object_set_new(f, "required", json_false());
		if (fd && fd->type == FT_CHOICE && fd->vocab && fd->vocab->n <= 5)
			set_kind(f, "is_radio");
	}
	return fields;
}

/* One form per action the reader may take now. FAILED names the one sent back with errors (may be NULL). */
static json_t *
action_forms(struct request *req, json_t *d, const char *failed, json_t *sent)
{
	json_t *out = json_array(), *a;
	json_int_t id = web_int(d, "id");
	size_t i;

	json_array_foreach(json_object_get(d, "actions"), i, a)
	{
		const char *code = web_text(a, "action");
		const struct entity *e = payload_entity(web_opt_text(a, "payload"));
		bool is_failed = failed && strcmp(failed, code) == 0;
		json_t *fields = e ? payload_fields(req, e, code, is_failed, sent,
		                         json_is_true(json_object_get(a, "payload_optional")))
		                   : json_array();
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:s, s:o, s:I, s:b, s:b}", "code", code, "label", web_text(a, "label"),
		             "href", arena_printf(req->arena, "/dossiers/%lld/actions/%s", (long long)id, code),
		             "fields", fields, "version", (json_int_t)web_int(d, "version"), "secondary",
		             strcmp(code, "withdraw") == 0, "no_required_note", 1));
	}
	return out;
}

/* The summary of the errors of the form FAILED, each linked to its field: on this page for an action's or the
 * message's fields, on the edit page for the Annex I fields a submission found missing. */
static json_t *
page_summary(struct request *req, json_t *d, const char *failed)
{
	json_t *out = json_array();
	const char *payload = NULL;
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(d, "actions"), i,
	    a) if (failed && strcmp(web_text(a, "action"), failed) == 0) payload = web_opt_text(a, "payload");
	if (failed && strcmp(failed, "message") == 0)
		payload = entity_message.name;
	for (i = 0; i < req->ctx.errors.n; i++) {
		const char *field = req->ctx.errors.items[i].field, *href = "";
		const struct entity *e = payload_entity(payload);
		if (e && entity_field(e, field))
			href = arena_printf(req->arena, "#%s-%s", failed, field);
		else if (entity_field(&entity_dossier, field) && json_is_true(json_object_get(d, "can_edit")))
			href =
			    arena_printf(req->arena, "/dossiers/%lld/modifier#%s", (long long)web_int(d, "id"), field);
		json_array_append_new(
		    out, json_pack("{s:s, s:s}", "href", href, "message", req->ctx.errors.items[i].message));
	}
	return out;
}

/* What happened, in French, for the timeline. */
static const char *
journal_action(const char *action)
{
	static const struct {
		const char *code, *label;
	} labels[] = {
		{ "create", "Brouillon créé" },
		{ "update", "Dossier modifié" },
		{ "message", "Message" },
		{ "submit", "Dossier déposé" },
		{ "resubmit", "Dossier complété et déposé à nouveau" },
		{ "give_opinion", "Avis régional rendu" },
		{ "validate", "Dossier validé" },
		{ "refuse", "Dossier refusé" },
		{ "request_changes", "Compléments demandés" },
		{ "withdraw", "Dossier retiré" },
		{ "reopen", "Dossier rouvert" },
	};

	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		if (strcmp(labels[i].code, action) == 0)
			return labels[i].label;
	return history_what("dossier", action);
}

/* A note on an entry: the fields an edit changed, the opinion given, the posts granted. */
static const char *
journal_note(struct request *req, const char *action, json_t *detail)
{
	json_t *payload = json_object_get(detail, "payload");
	const char *note = "";

	if (strcmp(action, "update") == 0) {
		const char *key;
		json_t *v;
		json_object_foreach(json_object_get(detail, "after"), key, v)
		{
			const struct field *f = entity_field(&entity_dossier, key);
			note = arena_printf(
			    req->arena, "%s%s%s", note, *note ? ", " : "Champs modifiés : ", f ? f->label : key);
		}
	} else if (web_opt_text(payload, "opinion")) {
		note = arena_printf(
		    req->arena, "Avis : %s", vocab_label(&vocab_opinion, web_opt_text(payload, "opinion")));
	} else if (json_is_integer(json_object_get(payload, "posts_granted"))) {
		note = arena_printf(req->arena, "Postes accordés : %lld", (long long)web_int(payload, "posts_granted"));
	}
	return note;
}

/* The timeline from the journal, oldest first: [{when, who, what, change, note}]. */
static json_t *
timeline(struct request *req, json_t *entries)
{
	json_t *out = json_array();

	for (size_t i = json_array_size(entries); i-- > 0;) {
		json_t *e = json_array_get(entries, i), *detail = NULL;
		const char *raw = web_opt_text(e, "detail"), *action = web_text(e, "action"), *change = "";
		if (raw)
			detail = json_loads(raw, 0, NULL);
		else if (json_is_object(json_object_get(e, "detail")))
			detail = json_incref(json_object_get(e, "detail"));
		if (web_opt_text(detail, "from") && web_opt_text(detail, "to"))
			change = arena_printf(req->arena, "%s → %s",
			    vocab_label(&vocab_dossier_state, web_opt_text(detail, "from")),
			    vocab_label(&vocab_dossier_state, web_opt_text(detail, "to")));
		json_array_append_new(
		    out, json_pack("{s:s, s:s, s:s, s:s, s:s}", "when", date_fr_json(req, json_object_get(e, "at")),
		             "who", *web_text(e, "actor_label") ? web_text(e, "actor_label") : "système", "what",
		             journal_action(action), "change", *change ? change : "—", "note",
		             journal_note(req, action, detail)));
		json_decref(detail);
	}
	return out;
}

static json_t *
messages_view(struct request *req, json_t *messages)
{
	json_t *out = json_array(), *m;
	size_t i;

	json_array_foreach(messages, i, m) json_array_append_new(
	    out, json_pack("{s:s, s:s, s:o}", "author", web_text(m, "author_label"), "when",
	             date_fr_json(req, json_object_get(m, "created_at")), "lines", web_lines(web_opt_text(m, "body"))));
	return out;
}

/* The page of dossier ID (the path's). FAILED names the form sent back with errors ("message" or an action),
 * SENT its values; CONFLICT a stale action's message. */
static void
dossier_page(struct request *req, int status, const char *failed, json_t *sent, const char *conflict)
{
	int64_t id = req->params[0];
	json_t *d = NULL, *journal = NULL, *messages = NULL, *data;
	const char *state;
	tr_err err = dossier_get(&req->ctx, id, &d);

	if (err == TR_OK)
		err = dossier_journal(&req->ctx, id, &journal);
	if (err == TR_OK)
		err = dossier_messages(&req->ctx, id, &messages);
	if (err != TR_OK) {
		json_decref(d);
		json_decref(journal);
		resp_error(req, err, NULL);
		return;
	}
	state = web_text(d, "state");
	data = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)id, "heading",
	    arena_printf(req->arena, "Dossier n° %lld — %s", (long long)id, web_text(d, "organisation_name")),
	    "state_label", web_text(d, "state_label"), "badge", web_badge(req, d), "programme_name",
	    web_text(d, "programme_name"), "programme_href",
	    arena_printf(req->arena, "/programmes/%lld", (long long)web_int(d, "programme_id")), "sections",
	    annex_view(req, d), "actions", action_forms(req, d, failed, sent), "timeline", timeline(req, journal),
	    "messages", messages_view(req, messages));
	json_object_set_new(data, "message_form",
	    json_pack("{s:s, s:o}", "href", arena_printf(req->arena, "/dossiers/%lld/messages", (long long)id),
	        "fields",
	        payload_fields(
	            req, &entity_message, "message", failed && strcmp(failed, "message") == 0, sent, false)));
	json_object_set_new(data, "summary", page_summary(req, d, failed));
	json_object_set_new(
	    data, "pdf_href", json_string(arena_printf(req->arena, "/dossiers/%lld/protocole.pdf", (long long)id)));
	if (json_is_true(json_object_get(d, "can_edit")))
		json_object_set_new(
		    data, "edit_href", json_string(arena_printf(req->arena, "/dossiers/%lld/modifier", (long long)id)));
	if (state_pending(state))
		json_object_set_new(data, "waiting",
		    json_string(web_int(d, "days_waiting") == 0   ? "depuis aujourd'hui"
		                : web_int(d, "days_waiting") == 1 ? "depuis 1 jour"
		                                                  : arena_printf(req->arena, "depuis %lld jours",
		                                                        (long long)web_int(d, "days_waiting"))));
	if (json_is_integer(json_object_get(d, "submitted_at")))
		json_object_set_new(data, "submitted", json_string(date_member_fr(req, d, "submitted_at")));
	if (strcmp(state, "changes_requested") == 0 && web_opt_text(d, "questions"))
		json_object_set_new(data, "questions", web_lines(web_opt_text(d, "questions")));
	if (strcmp(state, "withdrawn") == 0 && web_opt_text(d, "last_reason"))
		json_object_set_new(data, "withdraw_reason", web_lines(web_opt_text(d, "last_reason")));
	review_blocks(req, d, data);
	envelope_block(req, d, data);
	web_pole_diagnoses_block(req, id, data); /* the resource pole's preliminary diagnoses (web/pole.c) */
	if (conflict)
		json_object_set_new(data, "conflict", json_string(conflict));
	json_object_set_new(data, "conflict_note", json_string("Le dossier est affiché tel qu'il est maintenant."));
	json_object_set_new(data, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", "/dossiers", "label",
	        "Dossiers", "label", arena_printf(req->arena, "Dossier n° %lld", (long long)id)));
	json_decref(d);
	json_decref(journal);
	json_decref(messages);
	web_page(req, status, "dossier.html",
	    arena_printf(
	        req->arena, "%sDossier n° %lld", req->ctx.errors.n || conflict ? "Erreur : " : "", (long long)id),
	    data);
}

void
web_dossier(struct request *req)
{
	dossier_page(req, 200, NULL, NULL, NULL);
}

void
web_dossier_act(struct request *req)
{
	const char *action = req->sparams[0],
	           *back = arena_printf(req->arena, "/dossiers/%lld", (long long)req->params[0]);
	json_t *payload;
	tr_err err;

	if (web_confirm_action(req, &dossier_workflow, action, dossier_get, req->params[0], back))
		return;
	/* The action's fields as sent: the domain validates them against the action's entity. */
	payload = web_action_payload(req);
	err = dossier_act(&req->ctx, req->params[0], action, form_version(req), payload, NULL, NULL);
	if (err == TR_OK)
		web_done_action(req, back, &dossier_workflow, action, req->params[0]);
	else if (err == TR_INVALID)
		dossier_page(req, 422, action, payload, NULL);
	else if (err == TR_CONFLICT)
		dossier_page(req, 409, NULL, NULL, req->ctx.message);
	else
		resp_error(req, err, NULL);
	json_decref(payload);
}

void
web_dossier_message(struct request *req)
{
	json_t *in = req_form_object(req, &entity_message);
	int64_t mid = 0;
	tr_err err = dossier_message_add(&req->ctx, req->params[0], in, &mid);

	if (err == TR_OK)
		web_done(req, arena_printf(req->arena, "/dossiers/%lld#messages", (long long)req->params[0]),
		    "message_sent");
	else if (err == TR_INVALID)
		dossier_page(req, 422, "message", in, NULL);
	else
		resp_error(req, err, NULL);
	json_decref(in);
}

void
web_dossier_pdf(struct request *req)
{
	tr_err err;

	buf_reset(&req->body);
	err = dossier_protocol_pdf(&req->ctx, req->params[0], &req->body);
	web_pdf(
	    req, err, arena_printf(req->arena, "inline; filename=\"protocole-%lld.pdf\"", (long long)req->params[0]));
}
