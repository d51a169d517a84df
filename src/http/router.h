/* The shape of a route table (method, path pattern, handler, who may call it, whether it changes state) and
 * its matching. The table itself is the application's (app/routes.c), handed to server_run. */
#ifndef TR_HTTP_ROUTER_H
#define TR_HTTP_ROUTER_H

#include <stddef.h>

#include "core/str.h"
#include "http/request.h"

typedef void (*handler_fn)(struct request *req);

enum route_flags {
	ROUTE_API = 1 << 0,     /* JSON in and out; errors as problem+json */
	ROUTE_CHANGES = 1 << 1, /* changes state: a CSRF token is required unless signed in with a bearer token */
	ROUTE_UPLOAD = 1 << 2,  /* accepts multipart bodies up to the upload cap */
	ROUTE_HEALTH = 1 << 3,  /* answers without a database connection and without a session */
	ROUTE_RAW = 1 << 4,     /* also takes a text body (NDJSON, CSV) up to the upload cap, kept whole in raw_body */
};

#define ROLES_PUBLIC 0u
#define ROLES_SIGNED_IN (~0u)

struct route {
	const char *method; /* "GET", "POST", "PATCH", "DELETE" (GET also answers HEAD) */
	const char *pattern; /* "/admin/personnes/{id}": {id} is a positive integer, {token} 1–128 of [A-Za-z0-9_.:-] */
	handler_fn handler;
	unsigned roles; /* ROLE_BIT mask of who may call it; ROLES_PUBLIC; ROLES_SIGNED_IN */
	unsigned flags;
};

enum router_result {
	ROUTER_FOUND = 0,
	ROUTER_NOT_FOUND,
	ROUTER_METHOD_NOT_ALLOWED,
};

/* Finds the route for METHOD and PATH, filling req->params and req->sparams; with
 * ROUTER_METHOD_NOT_ALLOWED, *ALLOW receives the methods the path accepts ("GET, POST", in the arena). */
enum router_result router_match(const struct route *table, size_t n, struct str method, struct str path,
    struct request *req, const struct route **out, const char **allow);

#endif
