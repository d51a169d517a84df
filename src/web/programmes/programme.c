/* The programmes' pages: the public list (/programmes) and page of a programme (its rules, job profiles, resource
 * poles and posts per region), and the forms national officers and admins use to create and edit programmes and
 * job profiles, and to withdraw a job profile. */
#include "web/web.h"

#include <string.h>

#include "core/fr.h"
#include "core/arena.h"
#include "core/time.h"
#include "domain/kernel/authz.h"
#include "domain/programmes/programme.h"
#include "domain/geo/refdata.h"
#include "model/programmes/programme.h"

#define EDITORS (ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
/* U+202F, the narrow no-break space French puts between thousands. */
#define THIN_NBSP "\xe2\x80\xaf"

json_t *
web_lines(const char *text)
{
	json_t *lines = json_array();

	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		size_t k = n;
		while (k > 0 && (p[k - 1] == '\r' || p[k - 1] == ' '))
			k--;
		if (k > 0)
			json_array_append_new(lines, json_stringn(p, k));
		p += n + (p[n] == '\n');
	}
	return lines;
}

const char *
web_day_fr(struct request *req, const char *ymd)
{
	return fr_date(req->arena, ymd);
}

/* "2 000 000": the integer N with its thousands apart. */
static const char *
int_fr(struct request *req, json_int_t n)
{
	char *digits = arena_printf(req->arena, "%lld", (long long)(n < 0 ? -n : n));
	size_t len = strlen(digits);
	const char *out = n < 0 ? "-" : "";

	for (size_t i = 0; i < len; i++)
		out = arena_printf(req->arena, "%s%s%c", out, i > 0 && (len - i) % 3 == 0 ? THIN_NBSP : "", digits[i]);
	return out;
}

static json_int_t
int_member(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
text_member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* The string member KEY of O, or NULL. */

static bool
is_editor(struct request *req)
{
	return actor_has_any(req->ctx.actor, EDITORS);
}

/* "du 14 septembre 2013 au 31 décembre 2016", "depuis le …", "jusqu'au …", or "". */
static const char *
period_text(struct request *req, json_t *p)
{
	const char *from = web_opt_text(p, "starts_on"), *to = web_opt_text(p, "ends_on");

	if (from && to)
		return arena_printf(req->arena, "du %s au %s", web_day_fr(req, from), web_day_fr(req, to));
	if (from)
		return arena_printf(req->arena, "depuis le %s", web_day_fr(req, from));
	if (to)
		return arena_printf(req->arena, "jusqu'au %s", web_day_fr(req, to));
	return "";
}

/* The labels of the '|'-joined codes of employer categories. */
static json_t *
category_labels(const char *codes)
{
	json_t *out = json_array();

	for (const char *s = codes; s && *s;) {
		size_t n = strcspn(s, "|");
		for (size_t i = 0; i < vocab_employer_category.n; i++)
			if (strlen(vocab_employer_category.items[i].code) == n &&
			    memcmp(vocab_employer_category.items[i].code, s, n) == 0)
				json_array_append_new(out, json_string(vocab_employer_category.items[i].label));
		s += n + (s[n] == '|');
	}
	return out;
}

/* ---- the list ---- */

void
web_programmes(struct request *req)
{
	json_t *list = NULL, *items, *it;
	size_t i;
	tr_err err = programme_list(&req->ctx, &list);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	items = json_object_get(list, "items");
	json_array_foreach(items, i, it)
	{
		json_t *q = NULL;
		json_int_t id = int_member(it, "id");
		if ((err = programme_quotas(&req->ctx, id, &q)) != TR_OK) {
			json_decref(list);
			resp_error(req, err, NULL);
			return;
		}
		json_object_set_new(
		    it, "href", json_string(arena_printf(req->arena, "/programmes/%lld", (long long)id)));
		json_object_set_new(it, "period", json_string(period_text(req, it)));
		json_object_set_new(it, "target_text", json_string(int_fr(req, int_member(it, "target_posts"))));
		json_object_set_new(it, "granted_text", json_string(int_fr(req, int_member(q, "granted"))));
		json_object_set_new(it, "requested_text", json_string(int_fr(req, int_member(q, "requested"))));
		json_decref(q);
	}
	json_object_set_new(list, "can_create", json_boolean(is_editor(req)));
	json_object_set_new(list, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "label", "Dispositifs"));
	web_page(req, 200, "programmes.html", "Dispositifs", list);
}

/* ---- one programme ---- */

static json_t *
rule(const char *label, const char *value)
{
	return json_pack("{s:s, s:s}", "label", label, "value", value);
}

/* The rules of programme P as [{label, value}], in the order of the circular. */
static json_t *
rules_json(struct request *req, json_t *p)
{
	json_t *rules = json_array(), *parties = json_array();
	const char *period = period_text(req, p), *cats = "";
	json_t *labels = category_labels(text_member(p, "employer_categories"));
	size_t i;
	json_t *l;

	json_array_append_new(rules, rule("Code", text_member(p, "code")));
	if (*period)
		json_array_append_new(rules, rule("Période", period));
	json_array_append_new(
	    rules, rule("Objectif", arena_printf(req->arena, "%s postes", int_fr(req, int_member(p, "target_posts")))));
	if (int_member(p, "budget_euros") > 0)
		json_array_append_new(rules,
		    rule("Enveloppe budgétaire",
		        arena_printf(req->arena, "%s" THIN_NBSP "€", int_fr(req, int_member(p, "budget_euros")))));
	json_array_append_new(rules,
	    rule("Durée des contrats",
	        int_member(p, "contract_min_months") == int_member(p, "contract_max_months")
	            ? arena_printf(req->arena, "%lld mois", (long long)int_member(p, "contract_min_months"))
	            : arena_printf(req->arena, "de %lld à %lld mois", (long long)int_member(p, "contract_min_months"),
	                  (long long)int_member(p, "contract_max_months"))));
	json_array_append_new(rules, rule("Durée hebdomadaire", arena_printf(req->arena, "%lld heures",
	                                                            (long long)int_member(p, "weekly_hours"))));
	if (int_member(p, "training_months") > 0)
		json_array_append_new(
		    rules, rule("Formation initiale",
		               arena_printf(req->arena, "%lld mois", (long long)int_member(p, "training_months"))));
	json_array_foreach(labels, i, l) cats =
	    arena_printf(req->arena, "%s%s%s", cats, i ? " ; " : "", json_string_value(l));
	json_decref(labels);
	json_array_append_new(rules, rule("Employeurs éligibles", cats));
	if (json_is_true(json_object_get(p, "requires_tutor")))
		json_array_append_new(parties, json_string("un tuteur"));
	if (json_is_true(json_object_get(p, "requires_sponsor")))
		json_array_append_new(parties, json_string("un parrain"));
	if (json_is_true(json_object_get(p, "requires_company")))
		json_array_append_new(parties, json_string("une entreprise marraine"));
	if (json_is_true(json_object_get(p, "requires_pole")))
		json_array_append_new(parties, json_string("un pôle de ressources"));
	{
		const char *s = "";
		json_array_foreach(parties, i, l) s = arena_printf(req->arena, "%s%s%s", s,
		    i == 0 ? "" : (i + 1 == json_array_size(parties) ? " et " : ", "), json_string_value(l));
		json_array_append_new(rules, rule("Le dossier nomme", *s ? s : "aucune partie obligatoire"));
	}
	json_decref(parties);
	return rules;
}

/* The page of programme ID with STATUS; CONFLICT (may be NULL) is shown as an error at the top. */
/* The form that sets a region's target (national officers): the regions as a select, the number of posts. */
static json_t *
region_target_form(struct request *req, int64_t id)
{
	json_t *regions = NULL, *r;
	struct vocab_item *items;
	struct vocab *v = arena_alloc(req->arena, sizeof(*v));
	struct field *f = arena_alloc(req->arena, 2 * sizeof(*f));
	struct entity *e = arena_alloc(req->arena, sizeof(*e));
	size_t i, n;
	json_t *values, *form;

	if (region_list(&req->ctx, &regions) != TR_OK)
		regions = json_array();
	n = json_array_size(regions);
	items = arena_alloc(req->arena, (n ? n : 1) * sizeof(*items));
	json_array_foreach(regions, i, r)
	{
		items[i].code = arena_strdup(req->arena, text_member(r, "code"));
		items[i].label = arena_strdup(req->arena, text_member(r, "name"));
	}
	json_decref(regions);
	*v = (struct vocab){ "region", items, n };
	f[0] = (struct field){ .name = "region", .label = "Région", .type = FT_CHOICE, .required = true, .vocab = v };
	f[1] = (struct field){ .name = "target_posts",
		.label = "Objectif régional (postes)",
		.hint = "Vide : la région n'a plus d'objectif propre.",
		.type = FT_INT,
		.min = 0,
		.max = 1000000 };
	*e = (struct entity){ "region_target", "Objectif régional", f, 2 };
	values =
	    json_pack("{s:s?, s:s?}", "region", req_form(req, "region"), "target_posts", req_form(req, "target_posts"));
	form = web_form(req, e, values, arena_printf(req->arena, "/programmes/%lld/objectifs", (long long)id),
	    "Fixer l'objectif", NULL, NULL);
	json_decref(values);
	return form;
}

static void
programme_page(struct request *req, int status, int64_t id, const char *conflict)
{
	json_t *p = NULL, *it, *q;
	size_t i;
	bool editor = is_editor(req);
	tr_err err = programme_get(&req->ctx, id, &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(p, "rules", rules_json(req, p));
	json_object_set_new(p, "legal_lines", web_lines(web_opt_text(p, "legal_basis")));
	json_array_foreach(json_object_get(p, "job_profiles"), i, it)
	{
		json_int_t jid = int_member(it, "id");
		json_object_set_new(it, "anchor", json_string(arena_printf(req->arena, "metier-%lld", (long long)jid)));
		json_object_set_new(it, "summary_lines", web_lines(web_opt_text(it, "summary")));
		json_object_set_new(it, "missions_lines", web_lines(web_opt_text(it, "missions")));
		json_object_set_new(it, "competences_lines", web_lines(web_opt_text(it, "competences")));
		json_object_set_new(it, "training_lines", web_lines(web_opt_text(it, "training_template")));
		json_object_set_new(it, "edit_href",
		    json_string(editor ? arena_printf(req->arena, "/metiers/%lld/modifier", (long long)jid) : ""));
		json_object_set_new(it, "remove_action",
		    json_string(editor ? arena_printf(req->arena, "/metiers/%lld/retirer", (long long)jid) : ""));
	}
	json_array_foreach(json_object_get(p, "poles"), i, it)
	{
		const char *names = "";
		size_t k;
		json_t *n;
		json_array_foreach(json_object_get(it, "region_names"), k, n) names =
		    arena_printf(req->arena, "%s%s%s", names, k ? ", " : "", json_string_value(n));
		json_object_set_new(it, "regions_text", json_string(names));
		if (!json_is_string(json_object_get(it, "organisation_name")))
			json_object_set_new(it, "organisation_name", json_string("—"));
	}
	q = json_object_get(p, "quotas");
	json_array_foreach(json_object_get(q, "regions"), i, it)
	{
		json_t *t = json_object_get(it, "target");
		json_object_set_new(
		    it, "target_text", json_string(json_is_integer(t) ? int_fr(req, json_integer_value(t)) : "—"));
		json_object_set_new(it, "requested_text", json_string(int_fr(req, int_member(it, "requested"))));
		json_object_set_new(it, "granted_text", json_string(int_fr(req, int_member(it, "granted"))));
	}
	json_object_set_new(q, "target_text", json_string(int_fr(req, int_member(q, "target"))));
	json_object_set_new(q, "requested_text", json_string(int_fr(req, int_member(q, "requested"))));
	json_object_set_new(q, "granted_text", json_string(int_fr(req, int_member(q, "granted"))));
	json_object_set_new(p, "editor", json_boolean(editor));
	json_object_set_new(
	    p, "edit_href", json_string(arena_printf(req->arena, "/programmes/%lld/modifier", (long long)id)));
	json_object_set_new(p, "new_profile_href",
	    json_string(arena_printf(req->arena, "/programmes/%lld/metiers/nouveau", (long long)id)));
	if (editor)
		json_object_set_new(p, "target_form", region_target_form(req, id));
	if (conflict)
		json_object_set_new(p, "conflict", json_string(conflict));
	json_object_set_new(p, "breadcrumb",
	    json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s}]", "href", "/", "label", "Accueil", "href", "/programmes",
	        "label", "Dispositifs", "label", text_member(p, "name")));
	web_page(req, status, "programme.html",
	    conflict ? arena_printf(req->arena, "Erreur : %s", text_member(p, "name")) : text_member(p, "name"), p);
}

void
web_programme(struct request *req)
{
	programme_page(req, 200, req->params[0], NULL);
}

/* ---- the forms ---- */

/* The version sent back by a form, 0 when absent or not a number. */
static int64_t
form_version(struct request *req)
{
	struct str v = form_get(&req->form, "version");
	long long n = 0;

	return v.p != NULL && str_to_i64(v, &n) ? n : 0;
}

/* Turns the employer_categories field of FIELDS into a checkbox group of the vocabulary, those in VALUES'
 * '|'-joined string checked; every field gets is_group. */
static void
categories_group(json_t *fields, json_t *values)
{
	json_t *f;
	size_t i;
	const char *sel = text_member(values, "employer_categories");

	json_array_foreach(fields, i, f)
	{
		bool group = strcmp(text_member(f, "name"), "employer_categories") == 0;
		json_object_set_new(f, "is_group", json_boolean(group));
		if (!group)
			continue;
		json_t *opts = json_array();
		for (size_t k = 0; k < vocab_employer_category.n; k++) {
			const char *code = vocab_employer_category.items[k].code;
			size_t n = strlen(code);
			bool on = false;
			for (const char *s = sel; *s && !on;) {
				size_t len = strcspn(s, "|");
				on = len == n && memcmp(s, code, n) == 0;
				s += len + (s[len] == '|');
			}
			json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", code, "label",
			                                vocab_employer_category.items[k].label, "selected", on));
		}
		json_object_set_new(f, "options", opts);
		json_object_set_new(f, "is_text", json_false());
		json_object_set_new(f, "hint", json_string(""));
	}
}

/* A form page (programme_form.html) for entity E. VERSION 0: a creation. CONFLICT (may be NULL): the message
 * of a stale edit, with a link to RELOAD. */
static void
form_page(struct request *req, int status, const char *heading, const char *lead, const struct entity *e,
    json_t *values, const char *action, const char *cancel, int64_t version, const char *conflict, const char *reload)
{
	json_t *form = web_form(req, e, values, action, "Enregistrer", cancel, NULL);

	categories_group(json_object_get(form, "fields"), values);
	if (version > 0)
		json_object_set_new(form, "version", json_integer(version));
	web_page(req, status, "programme_form.html",
	    req->ctx.errors.n || conflict ? arena_printf(req->arena, "Erreur : %s", heading) : heading,
	    json_pack("{s:s, s:s, s:o, s:s?, s:s?}", "heading", heading, "lead", lead ? lead : "", "form", form,
	        "conflict", conflict, "reload_href", reload));
}

/* The programme form's input: the fields as sent, the categories' checkboxes '|'-joined. */
static json_t *
programme_input(struct request *req)
{
	json_t *in = req_form_object(req, &entity_programme);
	struct str vals[16];
	size_t n = form_get_all(&req->form, "employer_categories", vals, 16);
	const char *cats = "";

	for (size_t i = 0; i < n && i < 16; i++)
		cats = arena_printf(req->arena, "%s%s%.*s", cats, *cats ? "|" : "", (int)vals[i].n, vals[i].p);
	json_object_set_new(in, "employer_categories", json_string(cats));
	return in;
}

static const char *const programme_lead =
    "Un dispositif est une donnée : ses règles, ses fiches métiers et ses pôles s'appliquent aux dossiers sans "
    "changement du logiciel.";

void
web_programme_new_form(struct request *req)
{
	json_t *values = json_pack("{s:b, s:b, s:i}", "active", 1, "requires_tutor", 1, "weekly_hours", 35);

	form_page(req, 200, "Nouveau dispositif", programme_lead, &entity_programme, values, "/programmes/nouveau",
	    "/programmes", 0, NULL, NULL);
	json_decref(values);
}

void
web_programme_new(struct request *req)
{
	json_t *in = programme_input(req);
	int64_t id = 0;
	tr_err err = programme_create(&req->ctx, in, &id);

	if (err == TR_INVALID)
		form_page(req, 422, "Nouveau dispositif", programme_lead, &entity_programme, in, "/programmes/nouveau",
		    "/programmes", 0, NULL, NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/programmes/%lld", (long long)id), "programme_created");
	json_decref(in);
}

void
web_programme_edit_form(struct request *req)
{
	int64_t id = req->params[0];
	json_t *p = NULL;
	tr_err err = programme_rules(&req->ctx, id, &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	form_page(req, 200, arena_printf(req->arena, "Modifier « %s »", text_member(p, "name")), NULL,
	    &entity_programme, p, arena_printf(req->arena, "/programmes/%lld/modifier", (long long)id),
	    arena_printf(req->arena, "/programmes/%lld", (long long)id), int_member(p, "version"), NULL, NULL);
	json_decref(p);
}

void
web_programme_edit(struct request *req)
{
	int64_t id = req->params[0], version = form_version(req);
	const char *self = arena_printf(req->arena, "/programmes/%lld/modifier", (long long)id);
	const char *back = arena_printf(req->arena, "/programmes/%lld", (long long)id);
	json_t *p = NULL, *in;
	tr_err err = programme_rules(&req->ctx, id, &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	in = programme_input(req);
	err = programme_update(&req->ctx, id, version, in);
	if (err == TR_INVALID || err == TR_CONFLICT)
		form_page(req, err == TR_INVALID ? 422 : 409,
		    arena_printf(req->arena, "Modifier « %s »", text_member(p, "name")), NULL, &entity_programme, in,
		    self, back, version ? version : int_member(p, "version"),
		    err == TR_CONFLICT ? req->ctx.message : NULL, self);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, back, "programme_saved");
	json_decref(in);
	json_decref(p);
}

/* ---- job profiles ---- */

void
web_job_profile_new_form(struct request *req)
{
	int64_t pid = req->params[0];
	json_t *p = NULL, *values;
	tr_err err = programme_rules(&req->ctx, pid, &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	values = json_pack("{s:b}", "active", 1);
	form_page(req, 200, "Nouvelle fiche métier",
	    arena_printf(
	        req->arena, "Dispositif « %s ». Le métier sera proposé aux nouveaux dossiers.", text_member(p, "name")),
	    &entity_job_profile, values, arena_printf(req->arena, "/programmes/%lld/metiers/nouveau", (long long)pid),
	    arena_printf(req->arena, "/programmes/%lld#metiers", (long long)pid), 0, NULL, NULL);
	json_decref(values);
	json_decref(p);
}

void
web_job_profile_new(struct request *req)
{
	int64_t pid = req->params[0], id = 0;
	json_t *p = NULL, *in;
	tr_err err = programme_rules(&req->ctx, pid, &p);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	in = req_form_object(req, &entity_job_profile);
	err = job_profile_create(&req->ctx, pid, in, &id);
	if (err == TR_INVALID)
		form_page(req, 422, "Nouvelle fiche métier",
		    arena_printf(req->arena, "Dispositif « %s ».", text_member(p, "name")), &entity_job_profile, in,
		    arena_printf(req->arena, "/programmes/%lld/metiers/nouveau", (long long)pid),
		    arena_printf(req->arena, "/programmes/%lld#metiers", (long long)pid), 0, NULL, NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/programmes/%lld#metier-%lld", (long long)pid, (long long)id),
		    "profile_created");
	json_decref(in);
	json_decref(p);
}

static void
profile_form(struct request *req, int status, json_t *jp, json_t *values, int64_t version, const char *conflict)
{
	int64_t id = int_member(jp, "id"), pid = int_member(jp, "programme_id");
	const char *self = arena_printf(req->arena, "/metiers/%lld/modifier", (long long)id);

	form_page(req, status, arena_printf(req->arena, "Modifier la fiche « %s »", text_member(jp, "title")),
	    arena_printf(req->arena, "Dispositif « %s ».", text_member(jp, "programme_name")), &entity_job_profile,
	    values, self, arena_printf(req->arena, "/programmes/%lld#metier-%lld", (long long)pid, (long long)id),
	    version, conflict, conflict ? self : NULL);
}

void
web_job_profile_edit_form(struct request *req)
{
	json_t *jp = NULL;
	tr_err err = job_profile_get(&req->ctx, req->params[0], &jp);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	profile_form(req, 200, jp, jp, int_member(jp, "version"), NULL);
	json_decref(jp);
}

void
web_job_profile_edit(struct request *req)
{
	json_t *jp = NULL, *in;
	int64_t version = form_version(req);
	tr_err err = job_profile_get(&req->ctx, req->params[0], &jp);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	in = req_form_object(req, &entity_job_profile);
	err = job_profile_update(&req->ctx, req->params[0], version, in);
	if (err == TR_INVALID || err == TR_CONFLICT)
		profile_form(req, err == TR_INVALID ? 422 : 409, jp, in, version ? version : int_member(jp, "version"),
		    err == TR_CONFLICT ? req->ctx.message : NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req,
		    arena_printf(req->arena, "/programmes/%lld#metier-%lld", (long long)int_member(jp, "programme_id"),
		        (long long)req->params[0]),
		    "profile_saved");
	json_decref(in);
	json_decref(jp);
}

void
web_job_profile_remove(struct request *req)
{
	json_t *jp = NULL;
	bool deactivated = false;
	int64_t pid;
	tr_err err = job_profile_get(&req->ctx, req->params[0], &jp);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	pid = int_member(jp, "programme_id");
	json_decref(jp);
	err = job_profile_remove(&req->ctx, req->params[0], form_version(req), &deactivated);
	if (err == TR_CONFLICT)
		programme_page(req, 409, pid, req->ctx.message);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/programmes/%lld#metiers", (long long)pid),
		    deactivated ? "profile_deactivated" : "profile_deleted");
}

void
web_programme_region_target(struct request *req)
{
	const char *region = req_form(req, "region"), *target = req_form(req, "target_posts");
	long long n = -1;
	tr_err err = TR_OK;

	if (region == NULL || *region == '\0') {
		field_errors_add(&req->ctx.errors, "region", "« Région » est obligatoire.");
		err = TR_INVALID;
	} else if (target && *target && (!str_to_i64(str_c(target), &n) || n < 0)) {
		field_errors_add(&req->ctx.errors, "target_posts",
		    "« Objectif régional (postes) » doit être un nombre entier positif ou nul.");
		err = TR_INVALID;
	}
	if (err == TR_OK)
		err = programme_set_region_target(&req->ctx, req->params[0], region, n);
	if (err == TR_INVALID)
		programme_page(
		    req, 422, req->params[0], "L'objectif régional n'a pas été enregistré : voyez le formulaire.");
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/programmes/%lld#postes", (long long)req->params[0]),
		    "target_saved");
}
