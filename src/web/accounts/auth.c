/* Signing in and out, forgotten passwords, invitation and reset links. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "domain/accounts/account.h"
#include "domain/accounts/session.h"
#include "domain/sso/sso.h"
#include "model/accounts/account.h"
#include "web/sso/sso.h"

/* A local path to go back to after signing in; "/" for anything else (no open redirect). */
static const char *
safe_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 2000)
		return "/";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "/";
	return next;
}

static void
login_page(struct request *req, int status, const char *email, const char *next)
{
	json_t *data = json_pack("{s:s, s:s}", "email", email ? email : "", "next", safe_next(next));
	json_t *summary = json_array();

	for (size_t i = 0; i < req->ctx.errors.n; i++) {
		json_array_append_new(summary, json_pack("{s:s, s:s}", "field_id", req->ctx.errors.items[i].field,
		                                   "message", req->ctx.errors.items[i].message));
		json_object_set_new(data, arena_printf(req->arena, "%s_error", req->ctx.errors.items[i].field),
		    json_string(req->ctx.errors.items[i].message));
	}
	json_object_set_new(data, "errors_summary", summary);
	web_sso_buttons(req, data);
	web_page(
	    req, status, "login.html", summary && json_array_size(summary) ? "Erreur : connexion" : "Connexion", data);
}

void
web_login_form(struct request *req)
{
	if (req->ctx.actor) {
		resp_redirect(req, 303, safe_next(req_query(req, "suivant")));
		return;
	}
	login_page(req, 200, "", req_query(req, "suivant"));
}

void
web_login(struct request *req)
{
	const char *email = req_form(req, "email"), *next = req_form(req, "next");
	struct str device = form_get(&req->cookies, DEVICE_COOKIE);
	struct session_new s;
	tr_err err;

	err = session_login(&req->ctx, email, req_form(req, "password"), arena_str(req->arena, req->user_agent),
	    device.p ? arena_str(req->arena, device) : NULL, &s);
	if (err == TR_INVALID) {
		login_page(req, 422, email, next);
		return;
	}
	if (err == TR_RATE_LIMITED) {
		web_rate_limited(req, "email");
		login_page(req, 429, email, next);
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_cookie(req, SESSION_COOKIE, s.token, session_cookie_seconds(&req->ctx));
	if (s.device != NULL)
		resp_cookie(req, DEVICE_COOKIE, s.device, DEVICE_SECONDS);
	if (s.second_factor_due) {
		/* The password was right; the session is partial until the second step. */
		resp_redirect(req, 303,
		    arena_printf(
		        req->arena, "/connexion/second-facteur?suivant=%s", url_encode(req->arena, safe_next(next))));
		return;
	}
	web_done(req, safe_next(next), "logged_in");
}

/* Signs out here and, for a session opened through a provider, sends the browser to the provider's sign-out, which
 * comes back to /oidc/NAME/deconnexion. */
void
web_logout(struct request *req)
{
	const char *provider_logout;
	tr_err err = sso_logout(&req->ctx, req->session_token, &provider_logout);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_cookie(req, SESSION_COOKIE, "", -1);
	if (provider_logout != NULL)
		resp_redirect(req, 303, provider_logout);
	else
		web_done(req, "/", "logged_out");
}

static const struct field email_field = { .name = "email",
	.label = "Adresse électronique",
	.type = FT_EMAIL,
	.required = true,
	.max_len = 254,
	.autocomplete = "email" };
static const struct entity email_entity = { "reset", "Réinitialisation", &email_field, 1 };

static void
forgot_page(struct request *req, int status, bool sent, const char *email)
{
	json_t *values = json_pack("{s:s}", "email", email ? email : "");
	json_t *form =
	    web_form(req, &email_entity, values, "/mot-de-passe-oublie", "Recevoir un lien", "/connexion", NULL);

	json_decref(values);
	web_page(req, status, "forgot.html", req->ctx.errors.n ? "Erreur : mot de passe oublié" : "Mot de passe oublié",
	    json_pack("{s:b, s:o}", "sent", sent, "form", form));
}

void
web_forgot_form(struct request *req)
{
	forgot_page(req, 200, false, "");
}

void
web_forgot(struct request *req)
{
	const char *email = req_form(req, "email");
	tr_err err = account_request_reset(&req->ctx, email);

	if (err == TR_INVALID) {
		forgot_page(req, 422, false, email);
		return;
	}
	if (err == TR_RATE_LIMITED) {
		web_rate_limited(req, "email");
		forgot_page(req, 429, false, email);
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	forgot_page(req, 200, true, "");
}

static void
link_page(struct request *req, int status, const char *email)
{
	bool invite = str_starts(req->path, STR("/invitation/"));
	const char *action =
	    arena_printf(req->arena, "%s/%s", invite ? "/invitation" : "/mot-de-passe", req->sparams[0]);
	json_t *form = web_form(req, &entity_password, NULL, action, "Enregistrer le mot de passe", NULL, NULL);

	web_page(req, status, "password_set.html",
	    req->ctx.errors.n ? "Erreur : choisir un mot de passe" : "Choisir un mot de passe",
	    json_pack("{s:s, s:o, s:b}", "email", email, "form", form, "invite", invite));
}

void
web_link_form(struct request *req)
{
	const char *email;
	tr_err err = account_link_email(&req->ctx, req->sparams[0], &email);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	link_page(req, 200, email);
}

void
web_link_set(struct request *req)
{
	const char *email;
	tr_err err = account_link_email(&req->ctx, req->sparams[0], &email);

	if (err == TR_OK)
		err = account_link_set_password(
		    &req->ctx, req->sparams[0], req_form(req, "password"), req_form(req, "password_confirm"));
	if (err == TR_INVALID) {
		link_page(req, 422, email);
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_done(req, "/connexion", str_starts(req->path, STR("/invitation/")) ? "password_set" : "password_reset");
}

void
web_confirm_form(struct request *req)
{
	const char *email;
	tr_err err = account_confirm_email(&req->ctx, req->sparams[0], &email);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_page(req, 200, "confirm.html", "Activer mon compte",
	    json_pack("{s:b, s:s, s:s}", "sent", false, "email", email, "action",
	        arena_printf(req->arena, "/inscription/confirmer/%s", req->sparams[0])));
}

void
web_confirm(struct request *req)
{
	struct session_new s;
	tr_err err = account_confirm(&req->ctx, req->sparams[0], arena_str(req->arena, req->user_agent), &s);

	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	resp_cookie(req, SESSION_COOKIE, s.token, session_cookie_seconds(&req->ctx));
	web_done(req, "/candidat", "registered");
}
