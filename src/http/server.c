/* libh2o glue: listeners, loops, the request pipeline (caps, routing, session, CSRF, body, access), the pool
 * of worker threads that runs the handlers using storage, static files, compression, security headers, access
 * log, the background worker (driving domain/jobs) and the graceful stop.
 *
 * The loops never wait on storage. A loop parses a request, checks its caps, routes it and reads its body;
 * a route that touches storage (all but ROUTE_LOOP) is then handed as a job to a bounded FIFO served by the
 * worker threads, each with its own database connection and statement cache (nginx's thread pools: a
 * mutex-and-condition queue to the workers). The worker runs the session, the checks and the handler
 * under the route's time budget, then posts the job back to the loop it came from through that loop's
 * libh2o multithread queue (h2o_multithread_send_message), and the loop sends the response. A full queue
 * answers 503 with Retry-After at once; a job whose client left before it started is not run. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <h2o.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/embed.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/service.h"
#include "core/time.h"
#include "core/tmpl.h"
#include "core/utf8.h"
#include "domain/accounts/second_factor.h"
#include "domain/accounts/session.h"
#include "domain/jobs/jobs.h"
#include "domain/kernel/authz.h"
#include "domain/snapshots/snapshots.h"
#include "http/assets.h"
#include "http/router.h"
#include "model/accounts/token_scope.h"
#include "store/db.h"

#define URL_MAX 8192
#define HEADERS_MAX_BYTES (32 * 1024)
#define RESPONSE_MAX (16u << 20)
#define CSRF_COOKIE "tremplin_csrf"
#define STOP_GRACE_MS 10000
#define THREADS_MAX 64
#define WORKERS_MIN 4
#define WORKERS_MAX 256
#define QUEUE_PER_WORKER 16
#define QUEUE_MIN 64
/* Dynamic HTML and JSON responses from this size on are compressed when the client accepts it. */
#define COMPRESS_MIN 1024
#define RETRY_AFTER_BUSY "2"
#define RETRY_AFTER_DEADLINE "5"

struct loop_thread {
	pthread_t tid;
	h2o_evloop_t *loop;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	h2o_socket_t *listener;
	h2o_multithread_queue_t *queue;      /* where the workers post the jobs they finished */
	h2o_multithread_receiver_t receiver; /* this loop's end of it */
	atomic_int inflight;
};

/* A request handed to the worker pool: what the handler needs, copied out of h2o's request (which only the
 * loop touches), and the response it fills, which the loop it came from sends. */
struct job {
	h2o_multithread_message_t super; /* first: the way back to the loop */
	struct job *next;                /* the pool's FIFO */
	struct loop_thread *origin;
	h2o_req_t *hreq;       /* on the origin loop only; NULL once h2o disposed of the request */
	struct req_link *link; /* the request's end of the link (valid while hreq is not NULL) */
	struct request req;
	int64_t started;    /* clock_mono_ms() when the loop received it */
	int64_t started_us; /* the same in microseconds, for the latency metrics */
	int fd;             /* the HTTP/1 connection's socket, to see whether the client left; -1 otherwise */
	atomic_bool gone;   /* h2o disposed of the request (HTTP/2 stream reset, connection closed) */
	bool cancelled;     /* not run: the client left before its turn */
	int body_status;    /* what parse_body found (0: fine), answered after the session as before */
	const char *body_why;
	struct str auth;          /* Authorization */
	struct str csrf_header;   /* X-CSRF-Token */
	struct str second_factor; /* X-Second-Factor: the code of a step-up through the API */
};

/* Lives in h2o's request pool: counts the request in flight on its loop, and tells a job in the pool that
 * h2o disposed of the request (the client left). */
struct req_link {
	struct loop_thread *loop;
	struct job *job;
};

/* The worker pool: a bounded FIFO of jobs and the threads that serve it. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *head, *tail;
	size_t jobs;    /* waiting or running */
	size_t running; /* taken by a worker */
	size_t cap;     /* jobs that may wait for a free worker */
	bool stop;
	pthread_t *tids;
	int n;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* A configuration the server ran with: the one of the start, then one per reload (SIGHUP). The current one is
 * published by an atomic pointer; a request takes it once, at its start, and keeps it to its end. Replaced ones are
 * kept until the server stops, so that a request or thread still reading one never reads freed memory. */
struct config_gen {
	struct config cfg;
	struct config_gen *older;
};

static struct {
	_Atomic(const struct config *) cfg; /* the settings in force (cfg_now) */
	struct config_gen *gens;            /* the reloads' configurations, newest first (freed at the end) */
	const struct route *routes;         /* the table served */
	size_t nroutes;
	h2o_globalconf_t h2o;
	struct tmpl_set *tmpl;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	atomic_int stopping;
	h2o_access_log_filehandle_t *static_log;
	h2o_mimemap_t *mime; /* of the static files */
	pthread_mutex_t worker_lock;
	pthread_cond_t worker_wake;
} srv = { .worker_lock = PTHREAD_MUTEX_INITIALIZER, .worker_wake = PTHREAD_COND_INITIALIZER };

static _Thread_local struct loop_thread *self;

/* The settings in force. */
static const struct config *
cfg_now(void)
{
	return atomic_load_explicit(&srv.cfg, memory_order_acquire);
}

#define CSP_VALUE                                                                                                 \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; font-src 'self'; " \
	"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"

#define HSTS_VALUE "max-age=63072000; includeSubDomains"

/* Security headers, on every response (dynamic and static); HSTS too when behind_tls. */
static const struct {
	const char *name, *value;
} security_headers[] = {
	{ "content-security-policy", CSP_VALUE },
	{ "x-content-type-options", "nosniff" },
	{ "referrer-policy", "strict-origin-when-cross-origin" },
	{ "x-frame-options", "DENY" },
	{ "cross-origin-opener-policy", "same-origin" },
	{ "permissions-policy", "camera=(), microphone=(), payment=(), usb=()" },
};

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "OK";
	}
}

static void
on_link_dispose(void *p)
{
	struct req_link *l = p;

	if (l->job != NULL) {
		l->job->hreq = NULL;
		atomic_store(&l->job->gone, true);
	}
	atomic_fetch_sub(&l->loop->inflight, 1);
}

/* Whether a dynamic response of this type is compressed (the rest go as they are). */
static bool
compressible(const char *content_type)
{
	return content_type != NULL &&
	       (strncmp(content_type, "text/html", 9) == 0 || strncmp(content_type, "application/json", 16) == 0 ||
	           strncmp(content_type, "application/problem+json", 24) == 0);
}

static void
add_header(h2o_req_t *hreq, const char *name, const char *value)
{
	h2o_iovec_t v = h2o_strdup(&hreq->pool, value, strlen(value));

	h2o_add_header_by_str(&hreq->pool, &hreq->res.headers, name, strlen(name), 1, NULL, v.base, v.len);
}

/* The path of the request with {token} segments hidden, for the access log. */
static const char *
log_path(struct request *req)
{
	const char *pat;

	if (req->route == NULL || strstr(req->route->pattern, "{token}") == NULL)
		return arena_str(req->arena, req->raw_path);
	pat = req->route->pattern;
	return arena_strdup(req->arena, pat);
}

struct done_hook {
	void (*fn)(void *ud);
	void *ud;
};

static void
on_response_done(void *p)
{
	struct done_hook *hook = p;

	hook->fn(hook->ud);
}

/* Frees a response body handed to h2o (send_response), with its request. */
static void
on_body_dispose(void *p)
{
	free(*(char **)p);
}

/* Whether the request's If-None-Match names the validator h2o_file_send gives FILE ("mtime-size", as h2o's file
 * cache writes it): then 304 with that ETag and no body. */
static bool
not_modified(h2o_req_t *hreq, const char *file)
{
	ssize_t k = h2o_find_header(&hreq->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
	struct stat st;
	char etag[64];
	int n;

	if (k == -1 || stat(file, &st) != 0)
		return false;
	n = snprintf(etag, sizeof(etag), "\"%08x-%zx\"", (unsigned)st.st_mtime, (size_t)st.st_size);
	if (n <= 0 || (size_t)n >= sizeof(etag) ||
	    memmem(hreq->headers.entries[k].value.base, hreq->headers.entries[k].value.len, etag, (size_t)n) == NULL)
		return false;
	h2o_add_header(&hreq->pool, &hreq->res.headers, H2O_TOKEN_ETAG, NULL,
	    h2o_strdup(&hreq->pool, etag, (size_t)n).base, (size_t)n);
	return true;
}

/* Counts the answer in the metrics: its route (or the row of requests no route matched), status and latency. */
static void
count_request(const struct request *req, int status, int64_t started_us)
{
	size_t route = req->route != NULL && req->route >= srv.routes && req->route < srv.routes + srv.nroutes
	                   ? (size_t)(req->route - srv.routes)
	                   : srv.nroutes;

	metrics_request(route, status, clock_mono_us() - started_us);
}

static void
send_response(h2o_req_t *hreq, struct request *req, int64_t started_us)
{
	static h2o_generator_t generator = { NULL, NULL };
	h2o_iovec_t body;
	bool head = h2o_memis(hreq->method.base, hreq->method.len, H2O_STRLIT("HEAD"));
	int64_t started_ms = started_us / 1000;

	hreq->res.status = req->status ? req->status : 200;
	hreq->res.reason = reason_phrase(hreq->res.status);
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		add_header(hreq, security_headers[i].name, security_headers[i].value);
	if (cfg_now()->behind_tls)
		add_header(hreq, "strict-transport-security", HSTS_VALUE);
	add_header(hreq, "cache-control", req->body_file ? "no-cache" : "no-store");
	if (req->content_type_out && !req->body_file)
		add_header(hreq, "content-type", req->content_type_out);
	for (size_t i = 0; i < req->nheaders; i++)
		add_header(hreq, req->headers[i].name, req->headers[i].value);
	if (req->request_id != NULL)
		add_header(hreq, "x-request-id", req->request_id);
	if (req->on_done) {
		/* Run when h2o releases the request: after the last byte, or when the client went away. */
		struct done_hook *hook = h2o_mem_alloc_shared(&hreq->pool, sizeof(*hook), on_response_done);
		hook->fn = req->on_done;
		hook->ud = req->on_done_ud;
	}
	if (req->body_file && not_modified(hreq, req->body_file)) {
		hreq->res.status = 304;
		hreq->res.reason = reason_phrase(304);
		buf_reset(&req->body);
	} else if (req->body_file) {
		hreq->compress_hint = H2O_COMPRESS_HINT_DISABLE; /* exports keep their length, ETag and ranges */
		if (h2o_file_send(hreq, hreq->res.status, hreq->res.reason, req->body_file,
		        h2o_iovec_init(req->content_type_out, strlen(req->content_type_out)), 0) == 0) {
			count_request(req, hreq->res.status, started_us);
			if (cfg_now()->access_log)
				log_access(hreq->method.base, hreq->method.len, log_path(req), hreq->res.status, -1,
				    clock_mono_ms() - started_ms, req->ctx.ip, req->request_id);
			return;
		}
		/* Replaced by a newer version in the meantime: the client tries again. */
		hreq->res.status = 503;
		hreq->res.reason = reason_phrase(503);
		add_header(hreq, "retry-after", "1");
		buf_reset(&req->body);
	}
	if (req->body.p != NULL) {
		/* The body's bytes go to h2o as they are, freed with its request: no copy of them into its pool. */
		char **held = h2o_mem_alloc_shared(&hreq->pool, sizeof(*held), on_body_dispose);
		*held = req->body.p;
		body = h2o_iovec_init(req->body.p, req->body.n);
		req->body = BUF_INIT(req->body.max);
	} else {
		body = h2o_iovec_init("", 0);
	}
	hreq->res.content_length = body.len;
	/* HTML and JSON from COMPRESS_MIN on: gzip through h2o's compress filter when the client accepts it (the
	 * filter adds Content-Encoding; Vary is said whether or not this client accepts it). */
	if (body.len >= COMPRESS_MIN && compressible(req->content_type_out)) {
		hreq->compress_hint = H2O_COMPRESS_HINT_ENABLE;
		add_header(hreq, "vary", "accept-encoding");
	} else {
		hreq->compress_hint = H2O_COMPRESS_HINT_DISABLE;
	}
	count_request(req, hreq->res.status, started_us);
	if (cfg_now()->access_log)
		log_access(hreq->method.base, hreq->method.len, log_path(req), hreq->res.status, (int64_t)body.len,
		    clock_mono_ms() - started_ms, req->ctx.ip, req->request_id);
	h2o_start_response(hreq, &generator);
	h2o_send(hreq, head ? NULL : &body, head ? 0 : 1, H2O_SEND_STATE_FINAL);
}

static struct str
header_value(h2o_req_t *hreq, const h2o_token_t *token)
{
	ssize_t i = h2o_find_header(&hreq->headers, token, -1);

	if (i < 0)
		return STR_NULL;
	return (struct str){ hreq->headers.entries[i].value.base, hreq->headers.entries[i].value.len };
}

static struct str
header_by_name(h2o_req_t *hreq, const char *name)
{
	ssize_t i = h2o_find_header_by_str(&hreq->headers, name, strlen(name), -1);

	if (i < 0)
		return STR_NULL;
	return (struct str){ hreq->headers.entries[i].value.base, hreq->headers.entries[i].value.len };
}

/* Checks the caps on the URL and the headers; 0 when within them, else the status to answer. */
static int
check_caps(h2o_req_t *hreq)
{
	size_t total = 0;

	if (hreq->path.len > URL_MAX)
		return 414;
	for (size_t i = 0; i < hreq->headers.size; i++)
		total += hreq->headers.entries[i].name->len + hreq->headers.entries[i].value.len + 4;
	return total > HEADERS_MAX_BYTES ? 431 : 0;
}

/* Resolves who is calling: a bearer token, else the session cookie. */
static tr_err
authenticate(struct str auth, struct request *req)
{
	struct str sess = form_get(&req->cookies, SESSION_COOKIE);
	struct actor *actor = NULL;
	tr_err err;

	if (auth.p != NULL) {
		if (auth.n < 8 || !str_eq_nocase((struct str){ auth.p, 7 }, STR("Bearer ")))
			return TR_UNAUTHORIZED;
		err = apitoken_resolve(&req->ctx, arena_strndup(req->arena, auth.p + 7, auth.n - 7), &actor);
		if (err != TR_OK)
			return err;
		req->via_bearer = true;
		req->ctx.actor = actor;
		return TR_OK;
	}
	if (sess.p != NULL) {
		err = session_resolve(&req->ctx, arena_str(req->arena, sess), &actor);
		if (err == TR_OK) {
			req->ctx.actor = actor;
			req->session_token = arena_str(req->arena, sess);
		} else if (err != TR_UNAUTHORIZED) {
			return err;
		} else {
			/* An expired or unknown session: forget the cookie. */
			resp_cookie(req, SESSION_COOKIE, "", -1);
		}
	}
	return TR_OK;
}

/* The token a form must carry: the session's, or the visitor cookie's (set now when missing). */
static void
setup_csrf(struct request *req)
{
	struct str c = form_get(&req->cookies, CSRF_COOKIE);

	if (req->ctx.actor && req->ctx.actor->csrf) {
		req->csrf = req->ctx.actor->csrf;
		return;
	}
	if (c.p != NULL && c.n >= 32 && c.n <= 64) {
		req->csrf = arena_str(req->arena, c);
		return;
	}
	if (req->is_api)
		return; /* API calls send the token of a page's cookie, or a bearer token: no new visitor cookie */
	req->csrf = sec_random_token(req->arena, 32);
	resp_cookie(req, CSRF_COOKIE, req->csrf, 0x7fffffff);
}

static bool
csrf_ok(struct str h, struct request *req)
{
	const char *sent;

	if (req->via_bearer)
		return true;
	sent = h.p ? arena_str(req->arena, h) : req_form(req, "csrf");
	return sent != NULL && req->csrf != NULL && sec_equal(sent, req->csrf);
}

/* Parses the body by its content type. 0 when fine, else the status to answer (message in *WHY). */
static int
parse_body(h2o_req_t *hreq, struct request *req, const char **why)
{
	struct str body = { hreq->entity.base, hreq->entity.len };
	char *copy;
	size_t cap = (size_t)((req->route->flags & (ROUTE_UPLOAD | ROUTE_RAW)) ? cfg_now()->max_upload_kb
	                                                                       : cfg_now()->max_body_kb) *
	             1024;
	struct str ct = req->content_type;
	json_error_t jerr;
	tr_err err;

	if (hreq->entity.base == NULL)
		return 0;
	if (body.n > cap) {
		*why = arena_printf(
		    req->arena, "Le contenu envoyé dépasse la taille autorisée (%zu Kio au plus).", cap / 1024);
		return 413;
	}
	/* A copy in the arena: the handler may run on a worker, which never reads h2o's request. */
	copy = arena_alloc(req->arena, body.n + 1);
	memcpy(copy, body.p, body.n);
	copy[body.n] = '\0';
	body.p = copy;
	/* A route that takes text bodies (ROUTE_RAW) keeps them whole, valid UTF-8, for its handler to read. */
	if ((req->route->flags & ROUTE_RAW) &&
	    (str_starts(ct, STR("application/x-ndjson")) || str_starts(ct, STR("text/csv")) ||
	        str_starts(ct, STR("text/plain")))) {
		if (!utf8_valid(body.p, body.n)) {
			*why = "Le contenu envoyé n'est pas de l'UTF-8 valide.";
			return 400;
		}
		req->raw_body = body;
		return 0;
	}
	/* An API route that takes uploads (ROUTE_UPLOAD) also accepts multipart/form-data. */
	if ((req->route->flags & ROUTE_API) && body.n > 0 && !str_starts(ct, STR("application/json")) &&
	    !str_starts(ct, STR("application/merge-patch+json")) &&
	    !((req->route->flags & ROUTE_UPLOAD) && str_starts(ct, STR("multipart/form-data")))) {
		*why = "Cette adresse de l'API n'accepte que du JSON (Content-Type: application/json).";
		return 415;
	}
	if (str_starts(ct, STR("application/x-www-form-urlencoded"))) {
		err = form_parse_urlencoded(req->arena, body, FORM_MAX_FIELDS, &req->form);
	} else if (str_starts(ct, STR("multipart/form-data"))) {
		err = form_parse_multipart(req->arena, body, ct, FORM_MAX_FIELDS, &req->form);
	} else if (str_starts(ct, STR("application/json")) || str_starts(ct, STR("application/merge-patch+json"))) {
		if (!utf8_valid(body.p, body.n)) {
			*why = "Le contenu JSON n'est pas de l'UTF-8 valide.";
			return 400;
		}
		req->json = json_loadb(body.p, body.n, JSON_REJECT_DUPLICATES, &jerr);
		if (req->json == NULL) {
			*why = arena_printf(req->arena, "Le contenu JSON est mal formé (ligne %d, colonne %d) : %s.",
			    jerr.line, jerr.column, jerr.text);
			return 400;
		}
		return 0;
	} else if (body.n == 0) {
		return 0;
	} else {
		*why = "Ce type de contenu n'est pas accepté : envoyez un formulaire ou du JSON.";
		return 415;
	}
	if (err == TR_TOO_LARGE) {
		*why = "Le formulaire contient trop de champs.";
		return 413;
	}
	if (err != TR_OK) {
		*why = "Le formulaire envoyé est mal formé ou contient des caractères invalides.";
		return 400;
	}
	return 0;
}

/* The loop's half of a request: caps, path, query, route and body. False when the response is already
 * decided (an error), true when the route's handler is to run. */
static bool
prepare(h2o_req_t *hreq, struct job *job)
{
	struct request *req = &job->req;
	const struct route *route = NULL;
	const char *allow = NULL;
	struct str raw = { hreq->path.base, hreq->query_at == SIZE_MAX ? hreq->path.len : hreq->query_at };
	int status;

	raw = (struct str){ arena_strndup(req->arena, raw.p, raw.n), raw.n };
	req->raw_path = raw;
	req->is_api = str_starts(raw, STR("/api/"));
	if ((status = check_caps(hreq)) != 0) {
		resp_status(req, status, NULL);
		return false;
	}
	if (url_decode(req->arena, raw, false, &req->path) != TR_OK || !utf8_valid(req->path.p, req->path.n)) {
		resp_status(req, 400, "L'adresse demandée contient un encodage ou des caractères invalides.");
		return false;
	}
	if (hreq->query_at != SIZE_MAX) {
		size_t n = hreq->path.len - hreq->query_at - 1;

		req->query_string =
		    (struct str){ arena_strndup(req->arena, hreq->path.base + hreq->query_at + 1, n), n };
		if (form_parse_urlencoded(req->arena, req->query_string, FORM_MAX_FIELDS, &req->query) != TR_OK) {
			resp_status(req, 400,
			    "Les paramètres de l'adresse sont mal formés ou contiennent des caractères invalides.");
			return false;
		}
	}
	switch (router_match(srv.routes, srv.nroutes, req->method, req->path, req, &route, &allow)) {
	case ROUTER_NOT_FOUND: resp_status(req, 404, NULL); return false;
	case ROUTER_METHOD_NOT_ALLOWED:
		resp_header(req, "allow", allow);
		resp_status(req, 405, NULL);
		return false;
	case ROUTER_FOUND: break;
	}
	req->route = route;
	req->is_api = (route->flags & ROUTE_API) != 0;
	if (!(route->flags & (ROUTE_HEALTH | ROUTE_LOOP)))
		job->body_status = parse_body(hreq, req, &job->body_why);
	return true;
}

static bool
is_read(const struct request *req)
{
	return str_eq(req->method, STR("GET")) || str_eq(req->method, STR("HEAD"));
}

/* Whether the bearer token's scopes reach the route: an API route's area (model/accounts/token_scope.h), read
 * for GET and HEAD, write otherwise; a page only with "*". */
static bool
token_allows(const struct request *req)
{
	const char *area = (req->route->flags & ROUTE_API) ? token_area_of(req->route->pattern) : "";

	return token_scopes_allow(req->ctx.actor->scopes, area, !is_read(req));
}

/* A bearer token outside its scopes: 403, naming the scope it lacks. */
static void
token_refused(struct request *req)
{
	const char *area = (req->route->flags & ROUTE_API) ? token_area_of(req->route->pattern) : "";

	resp_status(req, 403,
	    area != NULL && *area != '\0'
	        ? arena_printf(req->arena,
	              "Ce jeton d'accès ne permet pas cette opération : il faut la portée « %s:%s » (ou « * »). Créez "
	              "un jeton avec cette portée depuis « Mon compte ».",
	              area, is_read(req) ? "read" : "write")
	        : "Ce jeton d'accès ne permet pas d'ouvrir les pages : il faut un jeton à accès complet (« * »).");
}

/* A partial session (password given, second factor not yet) on a route that needs the full one: a page read is
 * sent to the second step and back, anything else refused. */
static void
second_factor_first(struct request *req)
{
	const char *next = req->raw_path.n ? arena_str(req->arena, req->raw_path) : "/";

	if (!req->is_api && is_read(req)) {
		resp_redirect(req, 303,
		    arena_printf(req->arena, "/connexion/second-facteur?suivant=%s", url_encode(req->arena, next)));
		return;
	}
	req->ctx.message = "Votre connexion n'est pas terminée : saisissez d'abord le code de votre application "
	                   "d'authentification (page /connexion/second-facteur).";
	resp_error(req, TR_FORBIDDEN, NULL);
}

/* A sensitive action (ROUTE_STEP_UP): when the session's second factor is older than ten minutes, the code sent
 * with the request (SECOND_FACTOR_HEADER, or the SECOND_FACTOR_FIELD of the form) is checked first; without one,
 * or a wrong one, the request is answered with the step-up page or problem and false is returned. */
static bool
step_up(struct job *job, struct request *req)
{
	const char *code;
	tr_err err;

	if (!second_factor_stale(&req->ctx))
		return true;
	code = job->second_factor.p ? arena_str(req->arena, job->second_factor) : req_form(req, SECOND_FACTOR_FIELD);
	if (code == NULL) {
		resp_step_up(req, 403);
		return false;
	}
	err = second_factor_verify(&req->ctx, req->session_token, code);
	if (err == TR_OK) {
		((struct actor *)req->ctx.actor)->second_factor_at = req->ctx.now;
		req->ctx.errors.n = 0;
		return true;
	}
	if (err == TR_INVALID || err == TR_RATE_LIMITED || err == TR_CONFLICT)
		resp_step_up(req, err == TR_RATE_LIMITED ? 429 : 403);
	else
		resp_error(req, err, NULL);
	return false;
}

/* Runs the route's handler with the session, the checks and the connection DB (NULL for ROUTE_LOOP, or when
 * the database cannot be reached). */
static void
serve(struct job *job, struct db *db)
{
	struct request *req = &job->req;
	const struct route *route = req->route;
	uint64_t queries;
	tr_err err;

	if (route->flags & (ROUTE_HEALTH | ROUTE_LOOP)) {
		req->ctx.db = db;
		route->handler(req);
		return;
	}
	if (db == NULL) {
		resp_status(req, 503, NULL);
		return;
	}
	req->ctx.db = db;
	queries = db_query_count(db);
	if ((err = authenticate(job->auth, req)) != TR_OK) {
		resp_error(req, err,
		    err == TR_UNAUTHORIZED && req->ctx.message == NULL ? "Ce jeton d'accès n'est pas valable." : NULL);
		return;
	}
	setup_csrf(req);
	if (job->body_status != 0) {
		resp_status(req, job->body_status, job->body_why);
		return;
	}
	if (route->roles != ROLES_PUBLIC) {
		if (req->ctx.actor == NULL) {
			resp_error(req, TR_UNAUTHORIZED, NULL);
			return;
		}
		if (!actor_has_any(req->ctx.actor, route->roles)) {
			resp_status(req, 403, NULL);
			return;
		}
	}
	if (req->ctx.actor && req->ctx.actor->second_factor_due && !(route->flags & ROUTE_PARTIAL)) {
		second_factor_first(req);
		return;
	}
	if (req->via_bearer && route->roles != ROLES_PUBLIC && !token_allows(req)) {
		token_refused(req);
		return;
	}
	if ((route->flags & ROUTE_CHANGES) && !csrf_ok(job->csrf_header, req)) {
		resp_status(req, 403,
		    "Le jeton de sécurité du formulaire est absent ou a expiré : rechargez la page et "
		    "recommencez.");
		return;
	}
	if ((route->flags & ROUTE_STEP_UP) && !step_up(job, req))
		return;
	route->handler(req);
	if (db_in_tx(db)) {
		log_error("handler of %s left a transaction open; rolled back", route->pattern);
		db_rollback(db);
	}
	/* The statements this request ran (who calls included), for the tests that bound them. */
	if (req->ctx.cfg->test_mode)
		resp_header(req, "x-queries",
		    arena_printf(req->arena, "%llu", (unsigned long long)(db_query_count(db) - queries)));
}

/* Forgets the response the handler built and answers STATUS with MESSAGE and Retry-After instead. */
static void
answer_instead(struct request *req, int status, const char *retry_after, const char *message)
{
	req->status = 0;
	req->nheaders = 0;
	req->body_file = NULL;
	req->content_type_out = NULL;
	buf_reset(&req->body);
	resp_header(req, "retry-after", retry_after);
	resp_status(req, status, message);
}

#define MSG_BUSY "Le service est très sollicité en ce moment : réessayez dans quelques secondes."
#define MSG_DEADLINE                                                                                              \
	"Votre demande a pris trop de temps et a été interrompue : ce qui n'était pas terminé n'a pas été " \
	"enregistré. Réessayez dans un moment."

/* The route's time budget, in milliseconds. */
static int64_t
budget_of(const struct route *route)
{
	return (route->flags & ROUTE_LONG) ? cfg_now()->long_deadline_ms : cfg_now()->deadline_ms;
}

/* Whether the client of an HTTP/1 connection closed it (a peek that reads the end of the stream). */
static bool
client_left(int fd)
{
	char c;
	ssize_t n;

	if (fd < 0)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* A worker's turn with JOB; *DB is the worker's connection, opened on first use (and again after a failure). */
static void
run_job(struct job *job, struct db **db)
{
	struct request *req = &job->req;
	int64_t budget = budget_of(req->route);
	char why[256];

	if (atomic_load(&job->gone) || client_left(job->fd)) {
		job->cancelled = true;
		log_info("%.*s %s cancelled: the client left before its turn", (int)req->method.n, req->method.p,
		    arena_str(req->arena, req->raw_path));
		return;
	}
	if (clock_mono_ms() - job->started >= budget) {
		answer_instead(req, 503, RETRY_AFTER_BUSY, MSG_BUSY); /* its budget went by in the queue */
		return;
	}
	if (*db == NULL && db_open(cfg_now()->database, db, why, sizeof(why)) != TR_OK) {
		log_error("database: %s", why);
		*db = NULL;
	}
	if (*db != NULL)
		db_set_deadline(*db, budget);
	serve(job, *db);
	if (*db != NULL && db_deadline_hit(*db)) {
		db_rollback(*db);
		log_warn("%s %s: time budget of %lld ms spent; rolled back", req->route->method, req->route->pattern,
		    (long long)budget);
		answer_instead(req, 503, RETRY_AFTER_DEADLINE, MSG_DEADLINE);
	}
}

/* Appends JOB to the pool's queue; false when the queue is full. */
static bool
pool_push(struct job *job)
{
	bool ok;

	pthread_mutex_lock(&pool.lock);
	ok = pool.jobs < (size_t)pool.n + pool.cap && !pool.stop;
	if (ok) {
		job->next = NULL;
		if (pool.tail != NULL)
			pool.tail->next = job;
		else
			pool.head = job;
		pool.tail = job;
		pool.jobs++;
		pthread_cond_signal(&pool.wake);
	}
	pthread_mutex_unlock(&pool.lock);
	return ok;
}

static void *
pool_main(void *arg)
{
	struct db *db = NULL;

	(void)arg;
	for (;;) {
		struct job *job;

		pthread_mutex_lock(&pool.lock);
		while (pool.head == NULL && !pool.stop)
			pthread_cond_wait(&pool.wake, &pool.lock);
		job = pool.head;
		if (job != NULL) {
			pool.head = job->next;
			if (pool.head == NULL)
				pool.tail = NULL;
			pool.running++;
		}
		pthread_mutex_unlock(&pool.lock);
		if (job == NULL)
			break;
		log_set_request(job->req.request_id);
		run_job(job, &db);
		log_set_request(NULL);
		pthread_mutex_lock(&pool.lock);
		pool.jobs--;
		pool.running--;
		pthread_mutex_unlock(&pool.lock);
		h2o_multithread_send_message(&job->origin->receiver, &job->super);
	}
	db_close(db);
	return NULL;
}

/* The client's address as text ("" when unknown), for throttling: the peer's, or what X-Forwarded-For says
 * when the peer is a trusted proxy (server.trusted_proxies); *PROXIED tells whether it is one. */
static const char *
peer_address(h2o_req_t *hreq, struct arena *a, bool *proxied)
{
	struct sockaddr_storage ss;
	socklen_t len = hreq->conn->callbacks->get_peername(hreq->conn, (void *)&ss);
	char host[INET6_ADDRSTRLEN] = "", client[INET6_ADDRSTRLEN];
	struct str fwd = header_value(hreq, H2O_TOKEN_X_FORWARDED_FOR);

	if (len > 0 && ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	else if (len > 0 && ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	*proxied = host[0] != '\0' && config_address_in(cfg_now()->trusted_proxies, host);
	config_client_address(cfg_now(), host, fwd.p, fwd.n, client, sizeof(client));
	return arena_strdup(a, client);
}

#define REQUEST_ID_MAX 64

/* The request's id: the X-Request-Id a trusted proxy sent (1 to REQUEST_ID_MAX of [A-Za-z0-9._:-], so that it
 * goes into a header, a log line and a page as it is), else a new random one. A client that is not a trusted
 * proxy cannot choose it. */
static const char *
request_id(h2o_req_t *hreq, struct arena *a, bool proxied)
{
	struct str v = header_by_name(hreq, "x-request-id");

	if (proxied && v.p != NULL && v.n > 0 && v.n <= REQUEST_ID_MAX) {
		size_t i = 0;
		while (i < v.n &&
		       (((v.p[i] | 0x20) >= 'a' && (v.p[i] | 0x20) <= 'z') || (v.p[i] >= '0' && v.p[i] <= '9') ||
		           v.p[i] == '-' || v.p[i] == '_' || v.p[i] == '.' || v.p[i] == ':'))
			i++;
		if (i == v.n)
			return arena_strndup(a, v.p, v.n);
	}
	return sec_random_token(a, 12);
}

static struct str
copy_header(struct arena *a, h2o_req_t *hreq, const h2o_token_t *token)
{
	struct str v = header_value(hreq, token);

	return v.p == NULL ? v : (struct str){ arena_strndup(a, v.p, v.n), v.n };
}

static void
job_free(struct job *job)
{
	json_decref(job->req.json);
	buf_free(&job->req.body);
	arena_free(job->req.arena);
	free(job);
}

/* Sends the response of JOB (the loop's side), or lets it go when h2o disposed of the request. */
static void
finish_job(struct job *job)
{
	struct request *req = &job->req;

	if (job->hreq == NULL) {
		if (req->on_done != NULL)
			req->on_done(req->on_done_ud);
		job_free(job);
		return;
	}
	job->link->job = NULL;
	if (job->cancelled) {
		req->status = 503;
		buf_reset(&req->body);
	}
	send_response(job->hreq, req, job->started_us);
	job_free(job);
}

/* The jobs the workers finished for this loop. */
static void
on_jobs_back(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
	(void)receiver;
	while (!h2o_linklist_is_empty(messages)) {
		h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);

		h2o_linklist_unlink(&m->link);
		finish_job((struct job *)m);
	}
}

static int
on_req(h2o_handler_t *h, h2o_req_t *hreq)
{
	struct req_link *link;
	struct job *job;
	struct request *req;
	h2o_socket_t *sock;
	bool proxied;

	(void)h;
	link = h2o_mem_alloc_shared(&hreq->pool, sizeof(*link), on_link_dispose);
	link->loop = self;
	link->job = NULL;
	atomic_fetch_add(&self->inflight, 1);

	job = xcalloc(1, sizeof(*job));
	job->origin = self;
	job->hreq = hreq;
	job->link = link;
	job->started = clock_mono_ms();
	job->started_us = clock_mono_us();
	job->fd = -1;
	if (hreq->version < 0x200 && (sock = hreq->conn->callbacks->get_socket(hreq->conn)) != NULL)
		job->fd = h2o_socket_get_fd(sock);
	req = &job->req;
	req->arena = arena_new();
	req->tmpl = srv.tmpl;
	req->routes = srv.routes;
	req->nroutes = srv.nroutes;
	req->body = BUF_INIT(RESPONSE_MAX);
	req->ctx.arena = req->arena;
	req->ctx.cfg = cfg_now();
	req->ctx.now = clock_now();
	/* Copies: the handler may run on a worker, which never reads h2o's request. */
	req->method = (struct str){ arena_strndup(req->arena, hreq->method.base, hreq->method.len), hreq->method.len };
	req->content_type = copy_header(req->arena, hreq, H2O_TOKEN_CONTENT_TYPE);
	req->user_agent = copy_header(req->arena, hreq, H2O_TOKEN_USER_AGENT);
	req->accept = copy_header(req->arena, hreq, H2O_TOKEN_ACCEPT);
	job->auth = copy_header(req->arena, hreq, H2O_TOKEN_AUTHORIZATION);
	job->second_factor = header_by_name(hreq, SECOND_FACTOR_HEADER);
	if (job->second_factor.p != NULL)
		job->second_factor.p = arena_strndup(req->arena, job->second_factor.p, job->second_factor.n);
	job->csrf_header = header_by_name(hreq, "x-csrf-token");
	if (job->csrf_header.p != NULL)
		job->csrf_header.p = arena_strndup(req->arena, job->csrf_header.p, job->csrf_header.n);
	req->ctx.ip = peer_address(hreq, req->arena, &proxied);
	req->request_id = request_id(hreq, req->arena, proxied);
	log_set_request(req->request_id);
	for (ssize_t i = -1; (i = h2o_find_header(&hreq->headers, H2O_TOKEN_COOKIE, i)) != -1;)
		cookie_parse(req->arena,
		    (struct str){ arena_strndup(req->arena, hreq->headers.entries[i].value.base,
		                      hreq->headers.entries[i].value.len),
		        hreq->headers.entries[i].value.len },
		    &req->cookies);

	if (prepare(hreq, job)) {
		if (req->route->flags & ROUTE_LOOP) {
			serve(job, NULL);
		} else {
			link->job = job;
			if (pool_push(job)) {
				log_set_request(NULL);
				return 0; /* the loop goes on; on_jobs_back sends the response */
			}
			link->job = NULL;
			log_warn("%s %s: the queue of the workers is full (%zu): 503", req->route->method,
			    req->route->pattern, pool.cap);
			answer_instead(req, 503, RETRY_AFTER_BUSY, MSG_BUSY);
		}
	}
	send_response(hreq, req, job->started_us);
	log_set_request(NULL);
	job_free(job);
	return 0;
}

static void
on_accept(h2o_socket_t *listener, const char *err)
{
	h2o_socket_t *sock;

	if (err != NULL)
		return;
	if ((sock = h2o_evloop_socket_accept(listener)) == NULL)
		return;
	h2o_accept(&self->accept_ctx, sock);
}

static int
open_listener(void)
{
	int fd, on = 1;

	if ((fd = socket(srv.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&srv.addr, srv.addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *
loop_main(void *arg)
{
	struct loop_thread *t = arg;
	int64_t deadline;

	self = t;
	h2o_context_init(&t->ctx, t->loop, &srv.h2o);
	t->queue = h2o_multithread_create_queue(t->loop);
	h2o_multithread_register_receiver(t->queue, &t->receiver, on_jobs_back);
	t->accept_ctx.ctx = &t->ctx;
	t->accept_ctx.hosts = srv.h2o.hosts;
	h2o_socket_read_start(t->listener, on_accept);
	while (!atomic_load(&srv.stopping))
		h2o_evloop_run(t->loop, 200);
	/* Stop accepting, ask the connections to close (GOAWAY for HTTP/2, no more keep-alive for HTTP/1),
	 * then let the requests in flight finish. */
	h2o_socket_read_stop(t->listener);
	h2o_socket_close(t->listener);
	t->listener = NULL;
	h2o_context_request_shutdown(&t->ctx);
	deadline = clock_mono_ms() + STOP_GRACE_MS;
	while (atomic_load(&t->inflight) > 0 && clock_mono_ms() < deadline)
		h2o_evloop_run(t->loop, 50);
	/* The context and the loop are not disposed: idle keep-alive connections may still be registered in
	 * them (h2o 2.2 asserts on that), and the process exits right after. */
	return NULL;
}

/* The background thread: it keeps a database open and drives the schedule of domain/jobs once a second
 * (at once again while work is waiting). */
static void *
worker_main(void *arg)
{
	struct jobs_clock clock = { { 0 } };
	struct db *db = NULL;
	char why[256];

	(void)arg;
	while (!atomic_load(&srv.stopping)) {
		struct timespec ts;

		if (db == NULL && db_open(cfg_now()->database, &db, why, sizeof(why)) != TR_OK) {
			log_error("worker: database: %s", why);
			db = NULL;
		}
		if (db != NULL && jobs_tick(db, cfg_now(), clock_now(), &clock))
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_mutex_lock(&srv.worker_lock);
		if (!atomic_load(&srv.stopping))
			pthread_cond_timedwait(&srv.worker_wake, &srv.worker_lock, &ts);
		pthread_mutex_unlock(&srv.worker_lock);
	}
	db_close(db);
	return NULL;
}

static bool
resolve_listen(const char *listen)
{
	char host[256], port[8];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	int p;

	if (!config_split_listen(listen, host, sizeof(host), &p))
		return false;
	snprintf(port, sizeof(port), "%d", p);
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return false;
	memcpy(&srv.addr, res->ai_addr, res->ai_addrlen);
	srv.addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

#define CACHE_STATIC "public, max-age=604800"
#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"

/* GET /static/v/HASH/PATH: the static file PATH, with a year of immutable cache when HASH is its fingerprint
 * (assets.h). A relative address inside a fingerprinted stylesheet (a font, an icon) lands here under the
 * stylesheet's hash: it gets the week of /static. */
static int
on_asset_req(h2o_handler_t *h, h2o_req_t *hreq)
{
	h2o_iovec_t p = hreq->path_normalized;
	size_t pre = strlen(ASSET_PREFIX), reln;
	const char *hash, *slash, *rel, *dot;
	h2o_mimemap_type_t *mime;
	char full[PATH_MAX];
	int n;

	(void)h;
	if (!h2o_memis(hreq->method.base, hreq->method.len, H2O_STRLIT("GET")) &&
	    !h2o_memis(hreq->method.base, hreq->method.len, H2O_STRLIT("HEAD")))
		return -1;
	if (p.len <= pre || memcmp(p.base, ASSET_PREFIX, pre) != 0 ||
	    (slash = memchr(p.base + pre, '/', p.len - pre)) == NULL)
		return -1;
	hash = p.base + pre;
	rel = slash + 1;
	reln = (size_t)(p.base + p.len - rel);
	if (reln == 0 || memmem(rel, reln, "..", 2) != NULL)
		return -1;
	n = snprintf(full, sizeof(full), "%s/%.*s", cfg_now()->static_dir, (int)reln, rel);
	if (n < 0 || (size_t)n >= sizeof(full))
		return -1;
	dot = memrchr(rel, '.', reln);
	mime = h2o_mimemap_get_type_by_extension(
	    srv.mime, dot ? h2o_iovec_init(dot + 1, (size_t)(rel + reln - dot - 1)) : h2o_iovec_init("", 0));
	if (mime == NULL || mime->type != H2O_MIMEMAP_TYPE_MIMETYPE)
		return -1;
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		add_header(hreq, security_headers[i].name, security_headers[i].value);
	if (cfg_now()->behind_tls)
		add_header(hreq, "strict-transport-security", HSTS_VALUE);
	add_header(hreq, "cache-control",
	    asset_is_current(rel, reln, hash, (size_t)(slash - hash)) ? CACHE_IMMUTABLE : CACHE_STATIC);
	if (h2o_file_send(hreq, 200, "OK", full, mime->data.mimetype, H2O_FILE_FLAG_SEND_COMPRESSED) != 0) {
		hreq->res.headers = (h2o_headers_t){ NULL, 0, 0 };
		return -1; /* no such file: 404 */
	}
	return 0;
}

static void
setup_h2o(void)
{
	static const char *no_index[] = { NULL };
	static h2o_headers_command_t static_headers[16];
	static h2o_iovec_t names[16], hsts_name = { H2O_STRLIT("strict-transport-security") };
	h2o_hostconf_t *host;
	h2o_pathconf_t *path;
	h2o_handler_t *handler;
	h2o_mimemap_t *mime;
	size_t k = 0;

	h2o_config_init(&srv.h2o);
	srv.h2o.max_request_entity_size =
	    (size_t)(cfg_now()->max_upload_kb > cfg_now()->max_body_kb ? cfg_now()->max_upload_kb
	                                                               : cfg_now()->max_body_kb) *
	    1024 * 2;
	srv.h2o.server_name = h2o_iovec_init(H2O_STRLIT("tremplin"));
	host = h2o_config_register_host(&srv.h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);

	mime = h2o_mimemap_create();
	h2o_mimemap_define_mimetype(mime, "woff2", "font/woff2", NULL);
	h2o_mimemap_define_mimetype(mime, "woff", "font/woff", NULL);
	h2o_mimemap_define_mimetype(mime, "svg", "image/svg+xml", NULL);
	h2o_mimemap_define_mimetype(mime, "webmanifest", "application/manifest+json", NULL);
	srv.mime = mime; /* kept: on_asset_req reads it */

	/* Fingerprinted static files (first: h2o takes the first path that matches). */
	/* Static files are logged by h2o's logger, in the format of the start ([log] format; a reload keeps it). */
	if (cfg_now()->access_log && strcmp(cfg_now()->log_format, "json") == 0)
		srv.static_log = h2o_access_log_open_handle("/dev/stderr",
		    "{\"time\":\"%{%Y-%m-%dT%H:%M:%S%z}t\",\"level\":\"info\",\"type\":\"access\",\"method\":\"%m\","
		    "\"path\":\"%U\",\"status\":%s,\"bytes\":%b,\"duration_s\":\"%{duration}x\",\"client\":\"%h\"}",
		    H2O_LOGCONF_ESCAPE_JSON);
	else if (cfg_now()->access_log)
		srv.static_log =
		    h2o_access_log_open_handle("/dev/stderr", "%t info access %m %U %s %b %{duration}x", 0);
	path = h2o_config_register_path(host, "/static/v", 0);
	handler = h2o_create_handler(path, sizeof(*handler));
	handler->on_req = on_asset_req;
	if (srv.static_log != NULL)
		h2o_access_log_register(path, srv.static_log);

	/* Static files: ETag, precompressed .gz bodies, a week of cache, the same security headers. */
	path = h2o_config_register_path(host, "/static", 0);
	h2o_file_register(path, cfg_now()->static_dir, no_index, mime, H2O_FILE_FLAG_SEND_COMPRESSED);
	static_headers[k++] = (h2o_headers_command_t){ H2O_HEADERS_CMD_SET,
		(h2o_iovec_t *)&H2O_TOKEN_CACHE_CONTROL->buf, h2o_iovec_init(H2O_STRLIT(CACHE_STATIC)) };
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++) {
		names[i] = h2o_iovec_init(security_headers[i].name, strlen(security_headers[i].name));
		static_headers[k++] = (h2o_headers_command_t){ H2O_HEADERS_CMD_SET, &names[i],
			h2o_iovec_init(security_headers[i].value, strlen(security_headers[i].value)) };
	}
	if (cfg_now()->behind_tls)
		static_headers[k++] =
		    (h2o_headers_command_t){ H2O_HEADERS_CMD_SET, &hsts_name, h2o_iovec_init(H2O_STRLIT(HSTS_VALUE)) };
	static_headers[k] = (h2o_headers_command_t){ H2O_HEADERS_CMD_NULL, NULL, { NULL, 0 } };
	h2o_headers_register(path, static_headers);
	if (srv.static_log != NULL)
		h2o_access_log_register(path, srv.static_log);

	path = h2o_config_register_path(host, "/", 0);
	handler = h2o_create_handler(path, sizeof(*handler));
	handler->on_req = on_req;
	/* gzip for the responses send_response marks (Debian's libh2o 2.2.5 is built without brotli). Quality
	 * 1: most of the gain for little of the loop's time. */
	h2o_compress_register(
	    path, &(h2o_compress_args_t){ .min_size = COMPRESS_MIN, .gzip = { 1 }, .brotli = { -1 } });
}

/* Starts the worker pool: server.workers threads (0: twice the cores, at least WORKERS_MIN) and a queue of
 * server.queue jobs (0: QUEUE_PER_WORKER a worker, at least QUEUE_MIN). */
static bool
pool_start(void)
{
	long n = cfg_now()->workers > 0 ? cfg_now()->workers : 2 * sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = WORKERS_MIN;
	if (cfg_now()->workers <= 0 && n < WORKERS_MIN)
		n = WORKERS_MIN;
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	pool.cap = cfg_now()->queue > 0 ? (size_t)cfg_now()->queue : (size_t)n * QUEUE_PER_WORKER;
	if (cfg_now()->queue <= 0 && pool.cap < QUEUE_MIN)
		pool.cap = QUEUE_MIN;
	pool.tids = xcalloc((size_t)n, sizeof(*pool.tids));
	for (; pool.n < n; pool.n++)
		if (pthread_create(&pool.tids[pool.n], NULL, pool_main, NULL) != 0) {
			log_error("cannot start a worker thread");
			return false;
		}
	return true;
}

/* Stops the pool once the loops are done: the workers finish the queue and close their connections. */
static void
pool_stop(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.stop = true;
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.lock);
	for (int i = 0; i < pool.n; i++)
		pthread_join(pool.tids[i], NULL);
	free(pool.tids);
	pool.tids = NULL;
	pool.n = 0;
}

void
server_pool_state(struct server_pool_state *out)
{
	pthread_mutex_lock(&pool.lock);
	out->waiting = pool.jobs - pool.running;
	out->running = pool.running;
	out->capacity = pool.cap;
	out->workers = (size_t)pool.n;
	pthread_mutex_unlock(&pool.lock);
}

/* Applies the log settings of CFG (checked by config_check). */
static void
apply_log(const struct config *cfg)
{
	enum log_level level = LOG_INFO;
	enum log_format format = LOG_TEXT;

	(void)log_level_parse(cfg->log_level, &level);
	(void)log_format_parse(cfg->log_format, &format);
	log_set_level(level);
	log_set_format(format);
}

/* What a reload changed, one log line per setting. */
static void
note_change(void *ud, const char *name, const char *old_value, const char *new_value, bool live)
{
	(void)ud;
	if (!live)
		log_warn("reload: %s changed in the file; it cannot change while serving: restart to apply it", name);
	else if (old_value == NULL)
		log_info("reload: %s changed", name);
	else
		log_info("reload: %s: \"%s\" -> \"%s\"", name, old_value, new_value);
}

/* SIGHUP: reads the configuration file again and publishes the settings that can change while serving; the
 * others keep their running value (config_reload). A file that cannot be read or is invalid changes nothing. */
static void
reload(void)
{
	struct config_gen *g = xcalloc(1, sizeof(*g));
	char why[512];

	service_reloading();
	metrics_add(METRIC_RELOADS, 1);
	log_info("SIGHUP: reading the configuration again%s%s", cfg_now()->config_file[0] ? " from " : "",
	    cfg_now()->config_file);
	if (config_reload(cfg_now(), &g->cfg, note_change, NULL, why, sizeof(why)) != TR_OK) {
		metrics_add(METRIC_RELOAD_FAILURES, 1);
		log_error("reload: %s; the running configuration is kept", why);
		free(g);
	} else {
		enum log_level level = LOG_INFO;
		enum log_format format = LOG_TEXT;
		g->older = srv.gens;
		srv.gens = g;
		atomic_store_explicit(&srv.cfg, &g->cfg, memory_order_release);
		/* The reload's last line, in the new format, is always written: as a warning when the level of before or
		 * after hides information lines. */
		(void)log_level_parse(g->cfg.log_level, &level);
		(void)log_format_parse(g->cfg.log_format, &format);
		log_set_format(format);
		log_msg(level > LOG_INFO || !log_enabled(LOG_INFO) ? LOG_WARN : LOG_INFO,
		    "reload: done (log level %s, format %s)", g->cfg.log_level, g->cfg.log_format);
		log_set_level(level);
	}
	service_ready(cfg_now()->listen);
}

int
server_run(const struct config *cfg, const struct route *routes, size_t nroutes)
{
	struct loop_thread *threads = NULL;
	pthread_t worker;
	sigset_t sigs;
	char why[256];
	long nthreads;
	int sig = 0, started = 0, status = 1;

	atomic_store(&srv.cfg, cfg);
	srv.routes = routes;
	srv.nroutes = nroutes;
	apply_log(cfg);
	metrics_init(nroutes, jobs_count());
	if (router_check(routes, nroutes, why, sizeof(why)) != nroutes) {
		log_error("route table: %s", why);
		return 1;
	}
	if (tmpl_set_load(embedded_templates, &srv.tmpl, why, sizeof(why)) != TR_OK) {
		log_error("templates: %s", why);
		return 1;
	}
	if (!resolve_listen(cfg->listen)) {
		log_error("listen: cannot resolve \"%s\"", cfg->listen);
		goto out;
	}
	nthreads = cfg->threads > 0 ? cfg->threads : 2 * sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 2;
	if (nthreads > THREADS_MAX)
		nthreads = THREADS_MAX;
	assets_load(cfg->static_dir);
	setup_h2o();

	/* Signals are taken by this thread only, with sigwait. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	snapshots_start(cfg->database); /* the search index and reference data, built before the port opens */
	if (!pool_start())
		goto stop;
	threads = xcalloc((size_t)nthreads, sizeof(*threads));
	for (long i = 0; i < nthreads; i++) {
		int fd = open_listener();
		if (fd == -1) {
			log_error("listen: cannot listen on %s: %s", cfg->listen, strerror(errno));
			goto stop;
		}
		threads[i].loop = h2o_evloop_create();
		threads[i].listener = h2o_evloop_socket_create(threads[i].loop, fd, H2O_SOCKET_FLAG_DONT_READ);
		if (pthread_create(&threads[i].tid, NULL, loop_main, &threads[i]) != 0) {
			log_error("cannot start a loop thread");
			goto stop;
		}
		started++;
	}
	if (pthread_create(&worker, NULL, worker_main, NULL) != 0) {
		log_error("cannot start the worker thread");
		goto stop;
	}
	log_info("tremplin serving http://%s with %d loop threads, %d workers (queue %zu), database %s", cfg->listen,
	    started, pool.n, pool.cap, strncmp(cfg->database, "sqlite:", 7) == 0 ? cfg->database : "postgresql");
	service_ready(cfg->listen);
	/* SIGHUP (systemctl reload): the configuration read again, what may change while serving applied. */
	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		reload();
	service_stopping();
	log_info("signal %d: stopping (finishing the requests in flight)", sig);
	status = 0;
	atomic_store(&srv.stopping, 1);
	pthread_mutex_lock(&srv.worker_lock);
	pthread_cond_broadcast(&srv.worker_wake);
	pthread_mutex_unlock(&srv.worker_lock);
	pthread_join(worker, NULL);
stop:
	atomic_store(&srv.stopping, 1);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i].tid, NULL);
	pool_stop();
	free(threads);
	snapshots_stop();
	if (status == 0)
		log_info("stopped cleanly");
out:
	assets_free();
	tmpl_set_free(srv.tmpl);
	atomic_store(&srv.cfg, cfg);
	while (srv.gens != NULL) {
		struct config_gen *g = srv.gens;
		srv.gens = g->older;
		free(g);
	}
	return status;
}
