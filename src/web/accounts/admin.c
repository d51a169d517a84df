/* Administration: people, their roles, organisations, the journal. */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "domain/accounts/account.h"
#include "domain/kernel/journal.h"
#include "domain/accounts/org.h"
#include "domain/accounts/session.h"
#include "domain/home/history.h"
#include "model/accounts/account.h"

/* A select field of organisations for the membership forms (ID selected). */
static json_t *
org_select(struct request *req, json_t *selected)
{
	json_t *list = NULL, *opts = json_array(), *field;
	int64_t sel = json_is_integer(selected) ? json_integer_value(selected) : 0;
	const char *err = field_errors_get(&req->ctx.errors, "organisation_id");

	if (json_is_string(selected))
		sel = strtoll(json_string_value(selected), NULL, 10);
	json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", "", "label", "Aucune", "selected", sel == 0));
	if (org_list(&req->ctx, NULL, NULL, 1, &list) == TR_OK) {
		json_t *items = json_object_get(list, "items");
		for (size_t i = 0; i < json_array_size(items); i++) {
			json_t *o = json_array_get(items, i);
			int64_t id = json_integer_value(json_object_get(o, "id"));
			json_array_append_new(
			    opts, json_pack("{s:s, s:s, s:b}", "value", arena_printf(req->arena, "%lld", (long long)id),
			              "label",
			              arena_printf(req->arena, "%s (%s)", json_string_value(json_object_get(o, "name")),
			                  vocab_label(&vocab_org_kind, json_string_value(json_object_get(o, "kind")))),
			              "selected", id == sel));
		}
	}
	json_decref(list);
	field = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:o}",
	    "id", "organisation_id", "name", "organisation_id", "label", "Structure", "hint",
	    "Obligatoire pour les rôles de structure, de pôle, de prescripteur, de formation et de parrain.", "type",
	    "text", "required", 0, "error", err ? err : "", "autocomplete", "", "maxlength", 0, "value", "", "is_text",
	    0, "is_password", 0, "is_textarea", 0, "is_select", 1, "is_checkbox", 0, "is_radio", 0, "checked", 0,
	    "options", opts);
	return field;
}

/* Replaces the organisation_id field of FORM by the select of organisations. */
static void
use_org_select(struct request *req, json_t *form, json_t *values)
{
	json_t *fields = json_object_get(form, "fields");

	for (size_t i = 0; i < json_array_size(fields); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(fields, i), "name")), "organisation_id") ==
		    0)
			json_array_set_new(fields, i, org_select(req, json_object_get(values, "organisation_id")));
}

void
web_admin_home(struct request *req)
{
	resp_redirect(req, 302, "/admin/personnes");
}

/* Page links for a list of TOTAL items, PER_PAGE a page, keeping BASE's query. */
static json_t *
pager(struct request *req, const char *base, int64_t page, int64_t total, int64_t per_page)
{
	json_t *p = json_object();
	int64_t pages = (total + per_page - 1) / per_page;

	if (page > 1)
		json_object_set_new(
		    p, "prev", json_string(arena_printf(req->arena, "%s&page=%lld", base, (long long)(page - 1))));
	if (page < pages)
		json_object_set_new(
		    p, "next", json_string(arena_printf(req->arena, "%s&page=%lld", base, (long long)(page + 1))));
	json_object_set_new(p, "page", json_integer(page));
	json_object_set_new(p, "pages", json_integer(pages ? pages : 1));
	return p;
}

void
web_admin_people(struct request *req)
{
	const char *q = req_query(req, "q");
	int64_t page = req_page(req);
	json_t *list;
	tr_err err = account_list(&req->ctx, q, page, &list);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(list, "q", json_string(q ? q : ""));
	json_object_set_new(list, "pager",
	    pager(req, arena_printf(req->arena, "/admin/personnes?q=%s", url_encode(req->arena, q ? q : "")), page,
	        json_integer_value(json_object_get(list, "total")), 50));
	web_page(req, 200, "admin_people.html", "Personnes", list);
}

static void
person_new_page(struct request *req, int status, json_t *values)
{
	json_t *form = web_form(req, &entity_person, values, "/admin/personnes/nouvelle", "Créer et inviter",
	    "/admin/personnes", (const char *const[]){ "active", NULL });
	json_t *mform = web_form(req, &entity_membership, values, "", "", NULL, NULL);

	/* One form: the person's fields, then the first role. */
	json_array_extend(json_object_get(form, "fields"), json_object_get(mform, "fields"));
	json_decref(mform);
	use_org_select(req, form, values);
	web_page(req, status, "admin_form.html", req->ctx.errors.n ? "Erreur : nouvelle personne" : "Nouvelle personne",
	    json_pack("{s:s, s:s, s:o}", "heading", "Nouvelle personne", "lead",
	        "La personne reçoit par courriel un lien pour choisir son mot de passe (valable sept jours).", "form",
	        form));
}

void
web_admin_person_new_form(struct request *req)
{
	person_new_page(req, 200, NULL);
}

void
web_admin_person_new(struct request *req)
{
	json_t *in = req_form_object(req, &entity_person);
	json_t *m = req_form_object(req, &entity_membership);
	int64_t id;
	tr_err err;

	json_object_update(in, m);
	json_decref(m);
	err = account_create(&req->ctx, in, NULL, &id);
	if (err == TR_INVALID)
		person_new_page(req, 422, in);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/admin/personnes/%lld", (long long)id), "invited");
	json_decref(in);
}

static void
person_page(struct request *req, int status, json_t *values)
{
	int64_t id = req->params[0];
	json_t *person = NULL, *tokens = NULL, *form, *mform, *memberships;
	tr_err err;

	if ((err = account_get(&req->ctx, id, &person)) != TR_OK ||
	    (err = apitoken_list(&req->ctx, id, &tokens)) != TR_OK) {
		json_decref(person);
		resp_error(req, err, NULL);
		return;
	}
	form = web_form(req, &entity_person_edit, values ? values : person,
	    arena_printf(req->arena, "/admin/personnes/%lld", (long long)id), "Enregistrer", "/admin/personnes", NULL);
	mform = web_form(req, &entity_membership, values,
	    arena_printf(req->arena, "/admin/personnes/%lld/roles", (long long)id), "Ajouter le rôle", NULL, NULL);
	use_org_select(req, mform, values);
	memberships = json_object_get(person, "memberships");
	for (size_t i = 0; i < json_array_size(memberships); i++) {
		json_t *m = json_array_get(memberships, i);
		const char *code = json_string_value(json_object_get(m, "role"));
		json_object_set_new(m, "role_label", json_string(role_label(role_from_code(code, strlen(code)))));
		json_object_set_new(m, "remove_action",
		    json_string(arena_printf(req->arena, "/admin/personnes/%lld/roles/%lld/retirer", (long long)id,
		        (long long)json_integer_value(json_object_get(m, "id")))));
	}
	web_tokens_json(req, tokens, arena_printf(req->arena, "/admin/personnes/%lld/jetons", (long long)id));
	json_object_set_new(
	    person, "last_login", json_string(date_fr_json(req, json_object_get(person, "last_login_at"))));
	web_page(req, status, "admin_person.html", json_string_value(json_object_get(person, "name")),
	    json_pack("{s:o, s:o, s:o, s:o, s:s, s:I}", "person", person, "tokens", tokens, "form", form,
	        "membership_form", mform, "invite_action",
	        arena_printf(req->arena, "/admin/personnes/%lld/inviter", (long long)id), "version",
	        json_integer_value(json_object_get(person, "version"))));
}

void
web_admin_person(struct request *req)
{
	person_page(req, 200, NULL);
}

static int64_t
form_version(struct request *req)
{
	struct str v = form_get(&req->form, "version");
	long long n = 0;

	return v.p && str_to_i64(v, &n) ? n : 0;
}

void
web_admin_person_update(struct request *req)
{
	json_t *in = req_form_object(req, &entity_person_edit);
	tr_err err = account_update(&req->ctx, req->params[0], form_version(req), in);

	if (err == TR_INVALID)
		person_page(req, 422, in);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(
		    req, arena_printf(req->arena, "/admin/personnes/%lld", (long long)req->params[0]), "person_saved");
	json_decref(in);
}

void
web_admin_person_invite(struct request *req)
{
	tr_err err = account_reinvite(&req->ctx, req->params[0]);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/admin/personnes/%lld", (long long)req->params[0]), "invited");
}

void
web_admin_membership_add(struct request *req)
{
	const char *back = arena_printf(req->arena, "/admin/personnes/%lld", (long long)req->params[0]);
	json_t *in;
	int64_t id;
	tr_err err;

	if (str_eq_c(form_get(&req->form, "role"), "admin") &&
	    web_confirm_first(req, "Donner le rôle d'administrateur",
	        "Donner le rôle d'administrateur à cette personne ? Elle pourra tout lire et tout modifier sur la "
	        "plateforme, comptes et rôles des autres compris.",
	        back))
		return;
	in = req_form_object(req, &entity_membership);
	err = membership_add(&req->ctx, req->params[0], in, &id);

	if (err == TR_INVALID)
		person_page(req, 422, in);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(
		    req, arena_printf(req->arena, "/admin/personnes/%lld", (long long)req->params[0]), "role_added");
	json_decref(in);
}

/* The question before removing membership req->params[1] of person req->params[0], naming the role and the person;
 * NULL when there is nothing to ask (no such role of that person, or one's own admin role, which the domain
 * refuses). */
static const char *
removal_question(struct request *req)
{
	json_t *p = NULL, *m;
	const char *q = NULL;
	size_t i;

	if (account_get(&req->ctx, req->params[0], &p) != TR_OK) {
		req->ctx.message = NULL;
		return NULL;
	}
	json_array_foreach(json_object_get(p, "memberships"), i, m)
	{
		const char *role = web_text(m, "role");
		if (web_int(m, "id") != req->params[1] ||
		    (req->params[0] == req->ctx.actor->person_id && strcmp(role, "admin") == 0))
			continue;
		q = arena_printf(req->arena,
		    "Retirer le rôle « %s » à %s ? Cette personne perd aussitôt l'accès à ce qu'il lui ouvrait ; vous "
		    "pourrez le lui redonner.",
		    vocab_label(&vocab_role, role), web_text(p, "name"));
	}
	json_decref(p);
	return q;
}

void
web_admin_membership_remove(struct request *req)
{
	const char *question = removal_question(req);
	tr_err err;

	if (question && web_confirm_first(req, "Retirer ce rôle", question,
	                    arena_printf(req->arena, "/admin/personnes/%lld", (long long)req->params[0])))
		return;
	err = membership_remove(&req->ctx, req->params[0], req->params[1]);
	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(
		    req, arena_printf(req->arena, "/admin/personnes/%lld", (long long)req->params[0]), "role_removed");
}

void
web_admin_token_revoke(struct request *req)
{
	tr_err err = apitoken_revoke(&req->ctx, req->params[1]);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/admin/personnes/%lld", (long long)req->params[0]), "revoked");
}

void
web_admin_orgs(struct request *req)
{
	const char *q = req_query(req, "q");
	int64_t page = req_page(req);
	json_t *list;
	tr_err err = org_list(&req->ctx, q, req_query(req, "kind"), page, &list);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	for (size_t i = 0; i < json_array_size(json_object_get(list, "items")); i++) {
		json_t *o = json_array_get(json_object_get(list, "items"), i);
		json_object_set_new(o, "kind_label",
		    json_string(vocab_label(&vocab_org_kind, json_string_value(json_object_get(o, "kind")))));
	}
	json_object_set_new(list, "q", json_string(q ? q : ""));
	json_object_set_new(list, "pager",
	    pager(req, arena_printf(req->arena, "/admin/structures?q=%s", url_encode(req->arena, q ? q : "")), page,
	        json_integer_value(json_object_get(list, "total")), 50));
	web_page(req, 200, "admin_orgs.html", "Structures", list);
}

static void
org_form_page(struct request *req, int status, json_t *values, const char *action, const char *heading, json_t *members)
{
	json_t *form = web_form(req, &entity_organisation, values, action, "Enregistrer", "/admin/structures", NULL);
	json_t *data = json_pack("{s:s, s:s, s:o}", "heading", heading, "lead", "", "form", form);

	if (json_is_integer(json_object_get(values, "version")))
		json_object_set_new(
		    form, "version", json_integer(json_integer_value(json_object_get(values, "version"))));
	if (members)
		json_object_set_new(data, "members", members);
	web_page(req, status, "admin_form.html",
	    req->ctx.errors.n ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

void
web_admin_org_new_form(struct request *req)
{
	org_form_page(req, 200, NULL, "/admin/structures/nouvelle", "Nouvelle structure", NULL);
}

void
web_admin_org_new(struct request *req)
{
	json_t *in = req_form_object(req, &entity_organisation);
	int64_t id = 0;
	tr_err err = web_pickers_resolve(req, &entity_organisation, in) ? TR_OK : TR_INVALID;

	if (err == TR_OK)
		err = org_create(&req->ctx, in, &id);

	if (err == TR_INVALID)
		org_form_page(req, 422, in, "/admin/structures/nouvelle", "Nouvelle structure", NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, arena_printf(req->arena, "/admin/structures/%lld", (long long)id), "org_created");
	json_decref(in);
}

static void
org_page(struct request *req, int status, json_t *values)
{
	json_t *org = NULL;
	tr_err err = org_get(&req->ctx, req->params[0], &org);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	if (values)
		json_object_set_new(
		    values, "version", json_integer(json_integer_value(json_object_get(org, "version"))));
	org_form_page(req, status, values ? values : org,
	    arena_printf(req->arena, "/admin/structures/%lld", (long long)req->params[0]),
	    json_string_value(json_object_get(org, "name")), json_incref(json_object_get(org, "members")));
	json_decref(org);
}

void
web_admin_org(struct request *req)
{
	org_page(req, 200, NULL);
}

void
web_admin_org_update(struct request *req)
{
	json_t *in = req_form_object(req, &entity_organisation);
	tr_err err = web_pickers_resolve(req, &entity_organisation, in) ? TR_OK : TR_INVALID;

	if (err == TR_OK)
		err = org_update(&req->ctx, req->params[0], form_version(req), in);

	if (err == TR_INVALID)
		org_page(req, 422, in);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(
		    req, arena_printf(req->arena, "/admin/structures/%lld", (long long)req->params[0]), "org_saved");
	json_decref(in);
}

/* The value of query parameter NAME, "" when absent (kept in the arena). */
static const char *
query_text(struct request *req, const char *name)
{
	const char *v = req_query(req, name);

	return v ? v : "";
}

void
web_admin_journal(struct request *req)
{
	int64_t page = req_page(req);
	struct journal_filter f = { .who = query_text(req, "qui"),
		.entity = query_text(req, "objet"),
		.action = query_text(req, "action"),
		.from = query_text(req, "du"),
		.to = query_text(req, "au") };
	json_t *list, *kinds, *k, *options = json_array();
	const char *base;
	size_t i;
	tr_err err = journal_recent(&req->ctx, &f, page, &list);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	for (i = 0; i < json_array_size(json_object_get(list, "items")); i++) {
		json_t *e = json_array_get(json_object_get(list, "items"), i);
		json_object_set_new(e, "when", json_string(date_fr_json(req, json_object_get(e, "at"))));
		history_describe(&req->ctx, e);
		json_object_set_new(e, "note", json_string(web_history_note(req, e)));
		json_object_set_new(e, "raw",
		    json_string(
		        arena_printf(req->arena, "%s %s%s → %s : %s", web_text(e, "entity"), web_text(e, "entity_key"),
		            json_is_integer(json_object_get(e, "entity_id"))
		                ? arena_printf(req->arena, "%lld", (long long)web_int(e, "entity_id"))
		                : "",
		            web_text(e, "action"), web_text(e, "detail"))));
	}
	kinds = history_kinds();
	json_array_foreach(kinds, i, k) json_array_append_new(
	    options, json_pack("{s:O, s:O, s:b}", "value", json_object_get(k, "code"), "label",
	                 json_object_get(k, "noun"), "selected", strcmp(f.entity, web_text(k, "code")) == 0));
	json_decref(kinds);
	json_object_set_new(list, "kinds", options);
	json_object_set_new(list, "filter",
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "who", f.who, "entity", f.entity, "action", f.action, "from", f.from,
	        "to", f.to));
	json_object_set_new(list, "plural", json_boolean(json_integer_value(json_object_get(list, "total")) > 1));
	json_object_set_new(list, "filtered", json_boolean(*f.who || *f.entity || *f.action || *f.from || *f.to));
	base = arena_printf(req->arena, "/admin/journal?qui=%s&objet=%s&action=%s&du=%s&au=%s&",
	    url_encode(req->arena, f.who), url_encode(req->arena, f.entity), url_encode(req->arena, f.action),
	    url_encode(req->arena, f.from), url_encode(req->arena, f.to));
	json_object_set_new(
	    list, "pager", pager(req, base, page, json_integer_value(json_object_get(list, "total")), 50));
	web_page(req, 200, "admin_journal.html", "Journal", list);
}
