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
	ROUTE_HEALTH = 1 << 3,  /* answers without a session (and without failing when the database is down) */
	ROUTE_LOOP = 1 << 4,    /* never touches storage: served on the event loop, without a session */
	ROUTE_LONG = 1 << 5,    /* an export or a report: the long time budget (server.long_deadline_ms) */
	ROUTE_RAW = 1 << 6,     /* also takes a text body (NDJSON, CSV) up to the upload cap, kept whole in raw_body */
	ROUTE_PARTIAL =
	    1 << 7, /* open to a session still waiting for its second factor (that step, enrolment, logout) */
	ROUTE_STEP_UP = 1 << 8, /* a sensitive action: a session whose second factor is older than 10 minutes gives a
	                         * code again (form field or X-Second-Factor header) before the handler runs */
};

#define ROLES_PUBLIC 0u
#define ROLES_SIGNED_IN (~0u)

/* Who may reach what a route names: every row declares it (docs/SECURITY.md, "Authorization matrix"). The
 * roles mask says which roles get past the router (the others: 403; anonymous: sign-in); the access class says
 * which of those the handler lets reach the object its first {id} or {token} names (the others: 404). The matrix
 * test (tests/http/kernel/test_matrix.py) reads the table with `tremplin routes --json` and checks every route
 * for every actor against it. The zero value is "undeclared": router_check refuses it, so does `tremplin
 * serve`. */
enum route_access {
	ACCESS_UNDECLARED = 0,
	ACCESS_PUBLIC, /* anyone, anonymous included */
	ACCESS_ROLE,   /* the roles mask alone decides: nothing of one tenant is named or listed unfiltered */
	ACCESS_SELF,   /* the caller's own account, tokens, profile: never another person's */
	ACCESS_ORG,    /* an organisation's object: its staff, the officers and pole of its region, national, admin */
	ACCESS_ORG_STAFF, /* an organisation's object changed by its own staff (and national, admin) only */
	ACCESS_PARTY,     /* an application or contract: its parties, and the oversight of its region once a contract */
	ACCESS_CONSENT,   /* a candidate's personal data: themselves, a prescriber they invited or accepted, a
	                   * structure they applied to or whose proposal they accepted, the oversight of the region
	                   * of their contract, admin */
	ACCESS_FOLLOWED, /* what a prescriber does for a candidate: the candidate, the prescribers they accepted, admin */
	ACCESS_LIST,     /* a list or export filtered to the caller's scope (the matrix greps it for other tenants) */
	ACCESS_COUNT_
};

struct route {
	const char *method; /* "GET", "POST", "PATCH", "DELETE" (GET also answers HEAD) */
	const char *pattern; /* "/admin/personnes/{id}": {id} is a positive integer, {token} 1–128 of [A-Za-z0-9_.:-] */
	handler_fn handler;
	unsigned roles; /* ROLE_BIT mask of who may call it; ROLES_PUBLIC; ROLES_SIGNED_IN */
	unsigned flags;
	enum route_access access; /* who reaches the object: never left ACCESS_UNDECLARED */
	const char *object;       /* the kind the first {id}/{token} names ("dossier", "offer"…); NULL without one */
	const void *data;         /* what a generic handler serves (a struct web_lifecycle…); NULL for the others */
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

/* The row of TABLE that METHOD and PATH (a query string after '?' is ignored) would reach, or NULL; nothing of a
 * request is touched (pages ask it before drawing a link). */
const struct route *router_find(const struct route *table, size_t n, const char *method, struct str path);

/* The code of an access class ("org"), NULL for ACCESS_UNDECLARED or out of range. */
const char *router_access_code(enum route_access a);

/* Checks that every row of TABLE declares its access class, and its object kind when its pattern names one;
 * returns the index of the first row that does not (writing why into WHY), or N when all do. */
size_t router_check(const struct route *table, size_t n, char *why, size_t whylen);

#endif
