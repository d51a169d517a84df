/* Response helpers shared by every handler: status mapping, error pages, problems, pages in the layout. */
#include "http/request.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "model/kernel/entity.h"

/* The renderer of the HTML error pages, set once at start (web_start) before any request. */
static error_page_fn error_page;

void
http_set_error_page(error_page_fn fn)
{
	error_page = fn;
}

/* The renderer of the step-up page, set once at start. */
static step_up_page_fn step_up_page;

void
http_set_step_up_page(step_up_page_fn fn)
{
	step_up_page = fn;
}

void
resp_step_up(struct request *req, int status)
{
	const char *message = req->ctx.message;

	if (message == NULL && req->ctx.errors.n > 0)
		message = req->ctx.errors.items[0].message;
	if (message == NULL)
		message =
		    "Cette action est sensible : confirmez-la avec le code de votre application d'authentification "
		    "(en-tête X-Second-Factor pour l'API).";
	if (status == 429 && req->ctx.retry_after > 0)
		resp_header(req, "retry-after", arena_printf(req->arena, "%lld", (long long)req->ctx.retry_after));
	if (req->is_api || step_up_page == NULL) {
		resp_problem(req, status, "Double authentification requise", message);
		return;
	}
	req->ctx.message = message;
	step_up_page(req, status);
}

void
resp_header(struct request *req, const char *name, const char *value)
{
	if (req->nheaders >= REQ_MAX_HEADERS) {
		log_error("too many response headers for %.*s", (int)req->path.n, req->path.p);
		return;
	}
	req->headers[req->nheaders].name = name;
	req->headers[req->nheaders].value = value;
	req->nheaders++;
}

void
resp_cookie(struct request *req, const char *name, const char *value, int64_t max_age)
{
	resp_header(req, "set-cookie",
	    arena_printf(req->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s; Max-Age=%lld", name,
	        max_age < 0 ? "" : value, req->ctx.cfg->behind_tls ? "; Secure" : "",
	        (long long)(max_age < 0 ? 0 : max_age)));
}

static void
set_body(struct request *req, const char *content_type, const char *s, size_t n)
{
	buf_reset(&req->body);
	req->content_type_out = content_type;
	if (buf_append(&req->body, s, n) != TR_OK)
		log_error("response body over its cap for %.*s", (int)req->path.n, req->path.p);
}

void
resp_json(struct request *req, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)); /* 45.764, not 45.764000000000003 */

	req->status = status;
	set_body(req, "application/json; charset=utf-8", s ? s : "null", s ? strlen(s) : 4);
	free(s);
	json_decref(j);
}

void
resp_redirect(struct request *req, int status, const char *location)
{
	req->status = status;
	resp_header(req, "location", location);
	set_body(req, "text/plain; charset=utf-8", "", 0);
}

int
http_status_of(tr_err err)
{
	switch (err) {
	case TR_OK: return 200;
	case TR_INVALID: return 422;
	case TR_NOT_FOUND: return 404;
	case TR_FORBIDDEN: return 403;
	case TR_UNAUTHORIZED: return 401;
	case TR_CONFLICT: return 409;
	case TR_TOO_LARGE: return 413;
	case TR_RATE_LIMITED: return 429;
	case TR_UNAVAILABLE: return 503;
	case TR_INTERNAL: return 500;
	}
	return 500;
}

struct status_text {
	int status;
	const char *title;   /* French */
	const char *message; /* French, the default explanation */
};

static const struct status_text status_texts[] = {
	{ 400, "Requête invalide", "La requête envoyée n'est pas valide." },
	{ 401, "Connexion requise", "Connectez-vous pour accéder à ce contenu." },
	{ 403, "Accès refusé", "Votre compte n'a pas les droits nécessaires pour accéder à cette page." },
	{ 404, "Page non trouvée", "La page que vous cherchez est introuvable. Vérifiez l'adresse saisie." },
	{ 405, "Méthode non autorisée", "Cette adresse n'accepte pas cette méthode." },
	{ 409, "Conflit", "Cette modification entre en conflit avec l'état actuel des données." },
	{ 413, "Contenu trop volumineux", "Le contenu envoyé dépasse la taille autorisée." },
	{ 414, "Adresse trop longue", "L'adresse demandée dépasse la longueur autorisée." },
	{ 415, "Type de contenu non pris en charge", "Le type de contenu envoyé n'est pas accepté ici." },
	{ 422, "Données invalides", "Certaines données envoyées ne sont pas valides." },
	{ 429, "Trop de requêtes", "Trop de tentatives en peu de temps. Réessayez plus tard." },
	{ 431, "En-têtes trop volumineux", "Les en-têtes de la requête dépassent la taille autorisée." },
	{ 500, "Erreur inattendue",
	    "Une erreur est survenue de notre côté ; rien n'a été enregistré. Réessayez dans un instant." },
	{ 503, "Service indisponible", "Le service est momentanément indisponible. Réessayez dans un instant." },
};

static const struct status_text *
status_text(int status)
{
	for (size_t i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++)
		if (status_texts[i].status == status)
			return &status_texts[i];
	return &status_texts[0];
}

void
resp_problem(struct request *req, int status, const char *title, const char *detail)
{
	json_t *p = json_pack(
	    "{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title, "status", status, "detail", detail);
	json_t *errors = json_array();

	for (size_t i = 0; i < req->ctx.errors.n; i++)
		json_array_append_new(errors, json_pack("{s:s, s:s}", "field", req->ctx.errors.items[i].field,
		                                  "message", req->ctx.errors.items[i].message));
	json_object_set_new(p, "errors", errors);
	resp_json(req, status, p);
	req->content_type_out = "application/problem+json; charset=utf-8";
}

void
resp_status(struct request *req, int status, const char *message)
{
	const struct status_text *t = status_text(status);

	if (message == NULL)
		message = t->message;
	if (req->is_api) {
		resp_problem(req, status, t->title, message);
		return;
	}
	if (error_page != NULL) {
		error_page(req, status, t->title, message);
		return;
	}
	req->status = status;
	set_body(req, "text/plain; charset=utf-8", message, strlen(message));
}

void
resp_error(struct request *req, tr_err err, const char *message)
{
	if (message == NULL)
		message = req->ctx.message;
	if (err == TR_UNAUTHORIZED && !req->is_api) {
		const char *next = req->raw_path.n ? arena_str(req->arena, req->raw_path) : "/";
		resp_redirect(
		    req, 303, arena_printf(req->arena, "/connexion?suivant=%s", url_encode(req->arena, next)));
		return;
	}
	if (err == TR_UNAUTHORIZED)
		resp_header(req, "www-authenticate", "Bearer realm=\"tremplin\"");
	if (err == TR_RATE_LIMITED && req->ctx.retry_after > 0)
		resp_header(req, "retry-after", arena_printf(req->arena, "%lld", (long long)req->ctx.retry_after));
	resp_status(req, http_status_of(err), message);
}

const char *
req_query(struct request *req, const char *name)
{
	struct str v = form_get(&req->query, name);

	return v.p ? arena_str(req->arena, v) : NULL;
}

const char *
req_form(struct request *req, const char *name)
{
	struct str v = form_get(&req->form, name);

	return v.p ? arena_str(req->arena, v) : NULL;
}

int64_t
req_page(struct request *req)
{
	struct str v = form_get(&req->query, "page");
	long long n;

	return v.p && str_to_i64(v, &n) && n >= 1 && n <= 100000 ? n : 1;
}

json_t *
req_form_object(struct request *req, const struct entity *e)
{
	json_t *o = json_object();

	for (size_t i = 0; i < e->nfields; i++) {
		struct str v = form_get(&req->form, e->fields[i].name);
		if (v.p != NULL && e->fields[i].type == FT_REGIONS) {
			/* Checkboxes: every value sent under the name, '|'-joined. */
			struct buf b = BUF_INIT(4096);
			for (size_t k = 0; k < req->form.n; k++) {
				const struct form_field *ff = &req->form.items[k];
				if (ff->is_file || !str_eq_c(ff->name, e->fields[i].name) || ff->value.n == 0)
					continue;
				if ((b.n > 0 && buf_putc(&b, '|') != TR_OK) ||
				    buf_append(&b, ff->value.p, ff->value.n) != TR_OK)
					break;
			}
			json_object_set_new(o, e->fields[i].name, json_stringn(b.p ? b.p : "", b.n));
			buf_free(&b);
		} else if (v.p != NULL)
			json_object_set_new(o, e->fields[i].name, json_stringn(v.p, v.n));
		else if (e->fields[i].type == FT_BOOL)
			json_object_set_new(o, e->fields[i].name, json_false());
	}
	return o;
}
