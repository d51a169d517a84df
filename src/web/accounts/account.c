/* "Mon compte": identity, roles, password change, API tokens. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "domain/accounts/account.h"
#include "domain/accounts/session.h"
#include "domain/accounts/second_factor.h"
#include "model/accounts/account.h"
#include "model/accounts/token_scope.h"

/* Renders the account page; NEW_TOKEN (shown once) may be NULL. */
static void
account_page(struct request *req, int status, const char *new_token)
{
	json_t *person = NULL, *tokens = NULL, *data, *values;
	tr_err err;

	if ((err = account_get(&req->ctx, req->ctx.actor->person_id, &person)) != TR_OK ||
	    (err = apitoken_list(&req->ctx, 0, &tokens)) != TR_OK) {
		json_decref(person);
		resp_error(req, err, NULL);
		return;
	}
	for (size_t i = 0; i < json_array_size(json_object_get(person, "memberships")); i++) {
		json_t *m = json_array_get(json_object_get(person, "memberships"), i);
		const char *code = json_string_value(json_object_get(m, "role"));
		json_object_set_new(m, "role_label", json_string(role_label(role_from_code(code, strlen(code)))));
	}
	web_tokens_json(req, tokens, "/compte/jetons");
	/* The token form keeps what was typed when it is the one refused. */
	values = status == 422 && str_eq(req->path, STR("/compte/jetons")) ? req_form_object(req, &entity_token) : NULL;
	data = json_pack("{s:o, s:o, s:o, s:o}", "person", person, "tokens", tokens, "password_form",
	    web_form(req, &entity_password_change, NULL, "/compte/mot-de-passe", "Changer le mot de passe", NULL, NULL),
	    "token_form", web_form(req, &entity_token, values, "/compte/jetons", "Créer un jeton", NULL, NULL));
	json_decref(values);
	json_object_set_new(data, "second_factor", json_boolean(req->ctx.actor->second_factor));
	json_object_set_new(
	    data, "second_factor_required", json_boolean(second_factor_required(&req->ctx, req->ctx.actor)));
	if (new_token)
		json_object_set_new(data, "new_token", json_string(new_token));
	web_page(req, status, "account.html", req->ctx.errors.n ? "Erreur : mon compte" : "Mon compte", data);
}

void
web_account(struct request *req)
{
	account_page(req, 200, NULL);
}

void
web_account_password(struct request *req)
{
	tr_err err = account_change_password(
	    &req->ctx, req_form(req, "current_password"), req_form(req, "password"), req_form(req, "password_confirm"));

	if (err == TR_INVALID)
		account_page(req, 422, NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/compte", "password");
}

void
web_account_token_create(struct request *req)
{
	const char *raw, *scopes = "";
	int64_t id;
	tr_err err;

	/* « Accès complet », or each area's choice: "AREA:read" / "AREA:write". */
	if (req_form(req, "full") != NULL) {
		scopes = "*";
	} else {
		for (size_t i = 0; i < token_areas_count; i++) {
			const char *v = req_form(req, arena_printf(req->arena, "scope_%s", token_areas[i].code));
			if (v != NULL && *v != '\0')
				scopes = arena_printf(
				    req->arena, "%s%s%s:%s", scopes, *scopes ? " " : "", token_areas[i].code, v);
		}
	}
	err =
	    apitoken_create_scoped(&req->ctx, 0, req_form(req, "name"), scopes, req_form(req, "expires_on"), &raw, &id);
	for (size_t i = 0; i < req->ctx.errors.n; i++) /* the form shows the scopes' error on « Accès complet » */
		if (strcmp(req->ctx.errors.items[i].field, "scopes") == 0)
			req->ctx.errors.items[i].field = "full";

	if (err == TR_INVALID)
		account_page(req, 422, NULL);
	else if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		account_page(req, 201, raw);
}

void
web_account_token_revoke(struct request *req)
{
	tr_err err = apitoken_revoke(&req->ctx, req->params[0]);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/compte", "revoked");
}
