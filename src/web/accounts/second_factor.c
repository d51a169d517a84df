/* Two-factor authentication pages: the second step of a sign-in, the enrolment in « Mon compte » (QR code, the
 * secret as text, the confirming code, the recovery codes shown once), and the step-up page of sensitive
 * actions, which posts the action's form again with the code. */
#include "web/web.h"

#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "domain/accounts/second_factor.h"
#include "domain/accounts/session.h"

#define ENROL_PATH "/compte/double-authentification"
#define CHALLENGE_PATH "/connexion/second-facteur"

/* A local path to go back to (no open redirect): "/" for anything else. */
static const char *
local_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 2000)
		return "/";
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "/";
	return next;
}

/* The code field's error and the summary, for the templates: a wrong code, or the wait after too many (429). */
static void
code_errors(struct request *req, int status, json_t *data)
{
	const char *e = field_errors_get(&req->ctx.errors, "code");

	if (e == NULL && status == 429)
		e = req->ctx.message;
	if (e != NULL) {
		json_object_set_new(data, "code_error", json_string(e));
		json_object_set_new(
		    data, "errors_summary", json_pack("[{s:s, s:s}]", "field_id", "code", "message", e));
	}
}

/* The challenge page: HEADING, the form to ACTION with the HIDDEN fields ([{name, value}], stolen). */
static void
challenge_page(
    struct request *req, int status, const char *heading, const char *intro, const char *action, json_t *hidden)
{
	json_t *data = json_pack("{s:s, s:s, s:s, s:o, s:s}", "heading", heading, "intro", intro, "action", action,
	    "hidden", hidden, "field", SECOND_FACTOR_FIELD);

	code_errors(req, status, data);
	web_page(req, status, "second_factor.html",
	    json_object_get(data, "code_error") ? arena_printf(req->arena, "Erreur : %s", heading) : heading, data);
}

static void
signin_challenge(struct request *req, int status, const char *next)
{
	challenge_page(req, status, "Double authentification",
	    "Saisissez le code à 6 chiffres affiché par votre application d'authentification, ou l'un de vos codes de "
	    "secours.",
	    CHALLENGE_PATH, json_pack("[{s:s, s:s}]", "name", "next", "value", local_next(next)));
}

void
web_second_factor_form(struct request *req)
{
	const char *next = req_query(req, "suivant");

	if (!req->ctx.actor->second_factor_due) {
		resp_redirect(req, 303, local_next(next));
		return;
	}
	if (!req->ctx.actor->second_factor) {
		resp_redirect(req, 303,
		    arena_printf(req->arena, ENROL_PATH "?suivant=%s", url_encode(req->arena, local_next(next))));
		return;
	}
	signin_challenge(req, 200, next);
}

void
web_second_factor(struct request *req)
{
	const char *next = req_form(req, "next");
	tr_err err = second_factor_verify(&req->ctx, req->session_token, req_form(req, SECOND_FACTOR_FIELD));

	if (err == TR_INVALID || err == TR_RATE_LIMITED) {
		if (err == TR_RATE_LIMITED)
			resp_header(
			    req, "retry-after", arena_printf(req->arena, "%lld", (long long)req->ctx.retry_after));
		signin_challenge(req, err == TR_RATE_LIMITED ? 429 : 422, next);
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	web_done(req, local_next(next), "logged_in");
}

/* The step-up page (http_set_step_up_page): the request's form again, hidden, with the code to add. */
static void
step_up_page(struct request *req, int status)
{
	json_t *hidden = json_array();

	for (size_t i = 0; i < req->form.n; i++) {
		const struct form_field *f = &req->form.items[i];
		if (f->is_file || str_eq(f->name, STR(SECOND_FACTOR_FIELD)))
			continue;
		json_array_append_new(
		    hidden, json_pack("{s:s%, s:s%}", "name", f->name.p, f->name.n, "value", f->value.p, f->value.n));
	}
	challenge_page(req, status, "Confirmer avec votre code",
	    "Cette action est sensible et votre dernière saisie de code date de plus de 10 minutes : saisissez le code "
	    "affiché par votre application d'authentification (ou un code de secours) pour la confirmer.",
	    arena_str(req->arena, req->raw_path), hidden);
}

void
web_second_factor_start(void)
{
	http_set_step_up_page(step_up_page);
}

/* The enrolment page: the state, or the QR code and secret with the confirming form; CODES (may be NULL) are
 * new recovery codes, shown once. */
static void
enrol_page(struct request *req, int status, const char *const *codes)
{
	struct second_factor_enrolment e;
	const char *next = req_query(req, "suivant");
	json_t *data, *list;
	tr_err err;

	if (next == NULL)
		next = req_form(req, "next");
	if ((err = second_factor_enrolment(&req->ctx, &e)) != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	data = json_pack("{s:b, s:b, s:I, s:s, s:s, s:b}", "enrolled", e.enrolled, "required",
	    second_factor_required(&req->ctx, req->ctx.actor), "recovery_left", (json_int_t)e.recovery_left, "next",
	    local_next(next), "field", SECOND_FACTOR_FIELD, "partial",
	    req->ctx.actor->second_factor_due && codes == NULL);
	if (!e.enrolled) {
		json_object_set_new(data, "secret", json_string(e.secret));
		json_object_set_new(data, "uri", json_string(e.uri));
		if (e.qr_svg != NULL)
			json_object_set_new(data, "qr_src",
			    json_string(arena_printf(req->arena, "data:image/svg+xml;base64,%s",
			        sec_base64(req->arena, e.qr_svg, strlen(e.qr_svg)))));
	}
	if (codes != NULL) {
		list = json_array();
		for (size_t i = 0; i < RECOVERY_CODES; i++)
			json_array_append_new(list, json_string(codes[i]));
		json_object_set_new(data, "codes", list);
	}
	code_errors(req, status, data);
	web_page(req, status, "enrol.html",
	    json_object_get(data, "code_error") ? "Erreur : double authentification" : "Double authentification", data);
}

void
web_enrol_form(struct request *req)
{
	enrol_page(req, 200, NULL);
}

void
web_enrol(struct request *req)
{
	const char *const *codes = NULL;
	tr_err err = second_factor_confirm(&req->ctx, req->session_token, req_form(req, SECOND_FACTOR_FIELD), &codes);

	if (err == TR_INVALID || err == TR_RATE_LIMITED) {
		if (err == TR_RATE_LIMITED)
			resp_header(
			    req, "retry-after", arena_printf(req->arena, "%lld", (long long)req->ctx.retry_after));
		enrol_page(req, err == TR_RATE_LIMITED ? 429 : 422, NULL);
		return;
	}
	if (err != TR_OK) {
		resp_error(req, err, NULL);
		return;
	}
	/* The session is full now: the page shows the codes once, then goes on to where the person was going. */
	((struct actor *)req->ctx.actor)->second_factor = true;
	((struct actor *)req->ctx.actor)->second_factor_due = false;
	enrol_page(req, 201, codes);
}

void
web_recovery_renew(struct request *req)
{
	const char *const *codes = NULL;
	tr_err err = second_factor_new_codes(&req->ctx, &codes);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		enrol_page(req, 201, codes);
}

void
web_second_factor_remove(struct request *req)
{
	tr_err err = second_factor_remove(&req->ctx);

	if (err != TR_OK)
		resp_error(req, err, NULL);
	else
		web_done(req, "/compte", "second_factor_off");
}
