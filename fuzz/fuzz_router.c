/* libFuzzer driver for the first steps of every request (what http/server.c's dispatch does before the
 * handler): the target is split at '?', the path percent-decoded (url_decode, no '+') and checked as UTF-8,
 * the query parsed (form_parse_urlencoded), and the path matched (router_match) against the route patterns of
 * src/app/routes.c (fuzz/run.sh extracts them into routes.inc). The first byte picks the method. Checks the
 * promises of the headers: a decoded path has no NUL, re-encodes and decodes to itself; a found route has the
 * method asked (or GET for HEAD) and positive ids and tokens of [A-Za-z0-9_.:-]; a 405 lists its methods.
 * Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/form.h"
#include "core/utf8.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct route fuzz_routes[] = {
#include "routes.inc"
};
static const char *const fuzz_methods[] = { "GET", "HEAD", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "get" };

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static bool
fuzz_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.' || c == ':';
}

static void
fuzz_found(const struct route *r, struct str method, const struct request *req)
{
	size_t nid = 0, ntok = 0;

	fuzz_check(str_eq_c(method, r->method) || (str_eq_c(method, "HEAD") && strcmp(r->method, "GET") == 0));
	for (const char *p = r->pattern; (p = strchr(p, '{')) != NULL; p++) {
		if (strncmp(p, "{id}", 4) == 0)
			fuzz_check(req->params[nid++] >= 1);
		else if (strncmp(p, "{token}", 7) == 0) {
			const char *t = req->sparams[ntok++];
			fuzz_check(t != NULL && t[0] != '\0' && strlen(t) <= 128);
			for (; *t; t++)
				fuzz_check(fuzz_token_char(*t));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request req = { 0 };
	struct str method, raw, path, again;
	const struct route *route = NULL;
	const char *allow = NULL, *q;
	char *enc;

	if (size == 0)
		return 0;
	method = str_c(fuzz_methods[data[0] % (sizeof(fuzz_methods) / sizeof(fuzz_methods[0]))]);
	raw = (struct str){ (const char *)data + 1, size - 1 };
	req.arena = arena_new();
	q = memchr(raw.p, '?', raw.n);
	if (q != NULL) {
		struct str qs = { q + 1, raw.n - (size_t)(q + 1 - raw.p) };
		if (form_parse_urlencoded(req.arena, qs, FORM_MAX_FIELDS, &req.query) == TR_OK)
			for (size_t i = 0; i < req.query.n; i++)
				fuzz_check(utf8_valid(req.query.items[i].name.p, req.query.items[i].name.n) &&
				           utf8_valid(req.query.items[i].value.p, req.query.items[i].value.n));
		raw.n = (size_t)(q - raw.p);
	}
	if (url_decode(req.arena, raw, false, &path) != TR_OK || !utf8_valid(path.p, path.n))
		goto done;
	fuzz_check(path.p[path.n] == '\0' && memchr(path.p, '\0', path.n) == NULL);
	enc = url_encode(req.arena, path.p);
	fuzz_check(enc != NULL && url_decode(req.arena, str_c(enc), false, &again) == TR_OK && str_eq(again, path));
	req.path = path;
	req.method = method;
	switch (router_match(
	    fuzz_routes, sizeof(fuzz_routes) / sizeof(fuzz_routes[0]), method, path, &req, &route, &allow)) {
	case ROUTER_FOUND: fuzz_found(route, method, &req); break;
	case ROUTER_METHOD_NOT_ALLOWED:
		fuzz_check(allow != NULL && allow[0] != '\0' && strstr(allow, method.p) == NULL);
		break;
	case ROUTER_NOT_FOUND: fuzz_check(route == NULL); break;
	}
done:
	arena_free(req.arena);
	return 0;
}
