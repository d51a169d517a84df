/* Signing in with ProConnect and FranceConnect: the buttons of the sign-in page, the way to the provider and back,
 * the link to confirm, the accounts waiting for approval, and the return from the provider's sign-out. */
#include "web/sso/sso.h"

#include <string.h>

#include "core/arena.h"
#include "domain/kernel/authz.h"
#include "domain/sso/sso.h"
#include "web/web.h"

/* A local path to go back to (no open redirect); "/" for anything else. */
static const char *
local_path(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 2000)
		return "/";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "/";
	return next;
}

void
web_sso_buttons(struct request *req, json_t *data)
{
	static const struct {
		enum config_oidc_provider p;
		bool pro;
		const char *about, *audience;
	} buttons[] = {
		{ OIDC_PROCONNECT, true, "https://proconnect.gouv.fr/", "Agents publics, structures, prescripteurs" },
		{ OIDC_FRANCECONNECT, false, "https://franceconnect.gouv.fr/", "Candidats" },
	};
	json_t *list = json_array();

	for (size_t i = 0; i < sizeof(buttons) / sizeof(buttons[0]); i++)
		if (oidc_configured(req->ctx.cfg, buttons[i].p))
			json_array_append_new(
			    list, json_pack("{s:s, s:s, s:b, s:s, s:s}", "name", config_oidc_name(buttons[i].p),
			              "label", oidc_label(buttons[i].p), "pro", buttons[i].pro, "about_url",
			              buttons[i].about, "audience", buttons[i].audience));
	json_object_set_new(data, "has_providers", json_boolean(json_array_size(list) > 0));
	json_object_set_new(data, "providers", list);
}

/* The provider the route's {token} names, configured; else a 404 is sent and false returned. */
static bool
route_provider(struct request *req, enum config_oidc_provider *p)
{
	if (oidc_provider_named(req->ctx.cfg, req->sparams[0], p))
		return true;
	resp_error(req, TR_NOT_FOUND, "Ce service de connexion n'est pas proposé.");
	return false;
}

static const char *
browser_cookie(struct request *req)
{
	struct str b = form_get(&req->cookies, OIDC_BROWSER_COOKIE);

	return b.p ? arena_str(req->arena, b) : NULL;
}

void
web_oidc_begin(struct request *req)
{
	enum config_oidc_provider p;
	const char *url, *browser_new;
	tr_err err;

	if (!route_provider(req, &p))
		return;
	err = oidc_begin(&req->ctx, p, browser_cookie(req), local_path(req_form(req, "next")), &url, &browser_new);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	if (browser_new != NULL)
		resp_cookie(req, OIDC_BROWSER_COOKIE, browser_new, OIDC_FLOW_SECONDS + 3600);
	resp_redirect(req, 303, url);
}

void
web_oidc_callback(struct request *req)
{
	const char *browser = browser_cookie(req);
	struct oidc_identity id;
	struct sso_result res;
	enum config_oidc_provider p;
	tr_err err;

	if (!route_provider(req, &p))
		return;
	err = oidc_finish(
	    &req->ctx, p, browser, req_query(req, "state"), req_query(req, "code"), req_query(req, "error"), &id);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	err = sso_signin(&req->ctx, &id, browser, arena_str(req->arena, req->user_agent), &res);
	json_decref(id.claims);
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	switch (res.outcome) {
	case SSO_SIGNED_IN:
		resp_cookie(req, SESSION_COOKIE, res.session.token, session_cookie_seconds(&req->ctx));
		web_done(req, local_path(id.next), "logged_in");
		return;
	case SSO_CONFIRM_LINK: resp_redirect(req, 303, "/oidc/liaison"); return;
	case SSO_PENDING:
		web_page(req, 200, "waiting.html", "Demande de compte en attente",
		    json_pack("{s:s, s:s}", "provider_label", oidc_label(p), "email", res.email ? res.email : ""));
		return;
	}
}

void
web_oidc_logged_out(struct request *req)
{
	enum config_oidc_provider p;

	if (!route_provider(req, &p))
		return;
	web_done(req, "/", "logged_out");
}

/* The link confirmation page: by the browser's cookie (TOKEN NULL), or by the emailed TOKEN. SENT: the email just
 * went. */
static void
link_page(struct request *req, int status, const char *token, bool sent)
{
	json_t *data = NULL, *summary = json_array();
	tr_err err = token ? sso_link_token_pending(&req->ctx, token, &data)
	                   : sso_link_pending(&req->ctx, browser_cookie(req), &data);

	if (err != TR_OK && err != TR_NOT_FOUND) {
		json_decref(summary);
		resp_error(req, err, NULL);
		return;
	}
	if (data == NULL)
		data = json_object();
	if (token != NULL && err == TR_NOT_FOUND) {
		json_decref(summary);
		json_decref(data);
		resp_error(req, err, NULL);
		return;
	}
	json_object_set_new(data, "found", json_boolean(err == TR_OK));
	json_object_set_new(data, "sent", json_boolean(sent));
	json_object_set_new(data, "by_email", json_boolean(token != NULL));
	json_object_set_new(
	    data, "action", json_string(token ? arena_printf(req->arena, "/oidc/liaison/%s", token) : "/oidc/liaison"));
	for (size_t i = 0; i < req->ctx.errors.n; i++) {
		json_array_append_new(summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field,
		                                   "message", req->ctx.errors.items[i].message));
		json_object_set_new(data, arena_printf(req->arena, "%s_error", req->ctx.errors.items[i].field),
		    json_string(req->ctx.errors.items[i].message));
	}
	json_object_set_new(data, "errors_summary", summary);
	web_page(req, status, "link.html",
	    req->ctx.errors.n ? "Erreur : rattacher votre identité" : "Rattacher votre identité", data);
}

void
web_oidc_link_form(struct request *req)
{
	link_page(req, 200, NULL, false);
}

void
web_oidc_link_send(struct request *req)
{
	tr_err err = sso_link_send(&req->ctx, browser_cookie(req));

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	link_page(req, 200, NULL, true);
}

void
web_oidc_link_token_form(struct request *req)
{
	link_page(req, 200, req->sparams[0], false);
}

void
web_oidc_link_token(struct request *req)
{
	struct session_new s;
	tr_err err = sso_link_token_confirm(&req->ctx, req->sparams[0], arena_str(req->arena, req->user_agent), &s);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_cookie(req, SESSION_COOKIE, s.token, session_cookie_seconds(&req->ctx));
	web_done(req, "/", "oidc_linked");
}

void
web_oidc_link(struct request *req)
{
	struct session_new s;
	tr_err err = sso_link_confirm(
	    &req->ctx, browser_cookie(req), req_form(req, "password"), arena_str(req->arena, req->user_agent), &s);

	if (err == TR_INVALID) {
		link_page(req, 422, NULL, false);
		return;
	}
	if (err == TR_RATE_LIMITED) {
		web_rate_limited(req, "password");
		link_page(req, 429, NULL, false);
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_cookie(req, SESSION_COOKIE, s.token, session_cookie_seconds(&req->ctx));
	web_done(req, "/", "oidc_linked");
}

void
web_sso_pending(struct request *req)
{
	json_t *items;
	size_t i;
	json_t *it;
	tr_err err = sso_pending_list(&req->ctx, &items);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	json_array_foreach(items, i, it)
	    json_object_set_new(it, "created", json_string(date_fr_json(req, json_object_get(it, "created_at"))));
	web_page(req, 200, "pending.html", "Comptes en attente d'approbation",
	    json_pack("{s:o, s:b}", "items", items, "has_items", json_array_size(items) > 0));
}

static void
decide(struct request *req, bool approve)
{
	int64_t person_id = 0;
	tr_err err = sso_pending_decide(&req->ctx, req->params[0], approve, &person_id);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	if (approve && actor_has(req->ctx.actor, ROLE_ADMIN))
		web_done(req, arena_printf(req->arena, "/admin/personnes/%lld", (long long)person_id), "oidc_approved");
	else
		web_done(req, "/comptes-en-attente", approve ? "oidc_approved" : "oidc_refused");
}

void
web_sso_pending_approve(struct request *req)
{
	decide(req, true);
}

void
web_sso_pending_refuse(struct request *req)
{
	decide(req, false);
}
