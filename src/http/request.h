/* One HTTP request as the handlers of web/ and api/ see it: parsed input, the domain context, and the
 * response being built. Nothing here depends on libh2o; server.c fills it and sends what it holds. */
#ifndef TR_HTTP_REQUEST_H
#define TR_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/form.h"
#include "core/str.h"
#include "domain/kernel/ctx.h"

struct route;
struct tmpl_set;

#define REQ_MAX_PARAMS 4
#define REQ_MAX_HEADERS 16

struct resp_header {
	const char *name;
	const char *value;
};

struct request {
	struct arena *arena;
	struct ctx ctx;              /* the domain context: db, actor, now, field errors */
	const struct tmpl_set *tmpl; /* the compiled templates */

	/* Input. */
	struct str method;
	struct str path;     /* decoded, valid UTF-8 */
	struct str raw_path; /* as sent, without the query */
	struct str query_string;
	struct form query;
	struct form form;    /* urlencoded or multipart body */
	json_t *json;        /* JSON body of API calls (owned; freed with the request) */
	struct str raw_body; /* a ROUTE_RAW route's text body (application/x-ndjson, text/csv, text/plain), as sent */
	struct form cookies;
	struct str content_type;
	struct str user_agent;
	struct str accept;
	int64_t params[REQ_MAX_PARAMS];      /* {id} segments of the route, in order */
	const char *sparams[REQ_MAX_PARAMS]; /* {token} segments of the route, in order */
	const struct route *route;
	const struct route *routes; /* the whole table served (the API description lists it) */
	size_t nroutes;
	const char *session_token; /* the session cookie's value, when it opened a session */
	const char *csrf;          /* the token forms must carry: the session's, or the visitor cookie's */
	const char *request_id;    /* generated, or a trusted proxy's X-Request-Id: in the logs, X-Request-Id and
	                              the error pages */
	bool is_api;               /* errors as problem+json */
	bool via_bearer;

	/* Output. */
	int status;
	const char *content_type_out;
	struct buf body;
	struct resp_header headers[REQ_MAX_HEADERS];
	size_t nheaders;
	const char *body_file;     /* when set, the body is this file, streamed (with ETag and ranges) */
	void (*on_done)(void *ud); /* when set, called once the response is sent or abandoned */
	void *on_done_ud;
};

/* Adds a response header; NAME and VALUE must live as long as the request (literals or arena). */
void resp_header(struct request *req, const char *name, const char *value);

/* Sets a cookie: HttpOnly, SameSite=Lax, Path=/, Secure when behind TLS; MAX_AGE < 0 deletes it. */
void resp_cookie(struct request *req, const char *name, const char *value, int64_t max_age);

/* A JSON response; J is stolen. */
void resp_json(struct request *req, int status, json_t *j);

/* A redirect (303 after a form, 302 otherwise) to a local path. */
void resp_redirect(struct request *req, int status, const char *location);

/* An RFC 9457 problem: {type, title, status, detail, errors:[{field, message}]} from ctx's field errors. */
void resp_problem(struct request *req, int status, const char *title, const char *detail);

/* The HTTP status of an error code (the one mapping of the program). */
int http_status_of(tr_err err);

/* Answers ERR as it should be for this request: problem+json for the API, the French error page
 * otherwise; an anonymous visitor of a page is sent to /connexion and back. MESSAGE may be NULL (then
 * ctx.message or a default). */
void resp_error(struct request *req, tr_err err, const char *message);

/* The error page for STATUS (HTML) or problem (API), with a French title and MESSAGE. */
void resp_status(struct request *req, int status, const char *message);

/* What answers an error on an HTML route: fills REQ's response with the page for STATUS, its French TITLE
 * and MESSAGE. The web layer sets it at start (web_start); until then an error is plain text. */
typedef void (*error_page_fn)(struct request *req, int status, const char *title, const char *message);

/* Sets the renderer of the HTML error pages; called once, before the server starts. */
void http_set_error_page(error_page_fn fn);

/* What answers a sensitive action whose second factor is stale (router.h, ROUTE_STEP_UP): a page asking for the
 * code that posts the request's form again with it (field SECOND_FACTOR_FIELD), with STATUS and the field error
 * or message of req->ctx. Set by the web layer at start. */
typedef void (*step_up_page_fn)(struct request *req, int status);
void http_set_step_up_page(step_up_page_fn fn);

/* The form field (pages) and the header (API) that carry the code of a step-up. */
#define SECOND_FACTOR_FIELD "second_factor_code"
#define SECOND_FACTOR_HEADER "x-second-factor"

/* Answers that the route needs a fresh second factor: problem+json for the API (STATUS, the message of
 * req->ctx), the step-up page otherwise. */
void resp_step_up(struct request *req, int status);

/* Query or form value NAME as a NUL-terminated string in the arena, or NULL when absent. */
const char *req_query(struct request *req, const char *name);
const char *req_form(struct request *req, const char *name);

/* Query parameter NAME as a positive page number (1 when absent or invalid). */
int64_t req_page(struct request *req);

/* The form's values for the fields of an entity table as a JSON object (strings; checkboxes present
 * as "1"), ready for entity_validate. */
struct entity;
json_t *req_form_object(struct request *req, const struct entity *e);

#endif
