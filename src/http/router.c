/* Matching a request against the route table, segment by segment. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

#define TOKEN_MAX 128

static bool
is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.' || c == ':';
}

/* Matches PATH against PATTERN; fills the parameters of REQ when it does (REQ may be NULL: only the answer). */
static bool
match(const char *pattern, struct str path, struct request *req)
{
	const char *p = pattern;
	size_t i = 0, nid = 0, ntok = 0;
	int64_t ids[REQ_MAX_PARAMS];
	const char *toks[REQ_MAX_PARAMS];

	while (*p != '\0') {
		if (*p == '{' && (strncmp(p, "{id}", 4) == 0 || strncmp(p, "{token}", 7) == 0)) {
			bool is_id = p[1] == 'i';
			size_t start = i;
			while (i < path.n && path.p[i] != '/')
				i++;
			if (i == start || i - start > TOKEN_MAX)
				return false;
			for (size_t k = start; k < i; k++)
				if (is_id ? !(path.p[k] >= '0' && path.p[k] <= '9') : !is_token_char(path.p[k]))
					return false;
			if (is_id) {
				long long v;
				if (nid >= REQ_MAX_PARAMS ||
				    !str_to_i64((struct str){ path.p + start, i - start }, &v) || v < 1)
					return false;
				ids[nid++] = v;
			} else {
				if (ntok >= REQ_MAX_PARAMS)
					return false;
				toks[ntok++] = req ? arena_strndup(req->arena, path.p + start, i - start) : NULL;
			}
			p += is_id ? 4 : 7;
			continue;
		}
		if (i >= path.n || path.p[i] != *p)
			return false;
		p++;
		i++;
	}
	if (i != path.n)
		return false;
	if (req == NULL)
		return true;
	memcpy(req->params, ids, nid * sizeof(ids[0]));
	memcpy(req->sparams, toks, ntok * sizeof(toks[0]));
	return true;
}

enum router_result
router_match(const struct route *table, size_t n, struct str method, struct str path, struct request *req,
    const struct route **out, const char **allow)
{
	struct buf methods = BUF_INIT(256);
	bool head = str_eq_c(method, "HEAD");
	bool path_known = false;

	for (size_t i = 0; i < n; i++) {
		/* Most patterns differ from the path at their first letter: not worth a call. */
		char first = table[i].pattern[0] == '/' ? table[i].pattern[1] : '{';
		if (first != '{' && first != '\0' && (path.n < 2 || path.p[1] != first))
			continue;
		if (!match(table[i].pattern, path, req))
			continue;
		if (str_eq_c(method, table[i].method) || (head && strcmp(table[i].method, "GET") == 0)) {
			buf_free(&methods);
			*out = &table[i];
			return ROUTER_FOUND;
		}
		if (!path_known || strstr(methods.p, table[i].method) == NULL) {
			if ((methods.n && buf_puts(&methods, ", ") != TR_OK) ||
			    buf_puts(&methods, table[i].method) != TR_OK)
				break;
			if (strcmp(table[i].method, "GET") == 0 && buf_puts(&methods, ", HEAD") != TR_OK)
				break;
		}
		path_known = true;
	}
	if (!path_known) {
		buf_free(&methods);
		return ROUTER_NOT_FOUND;
	}
	*allow = buf_to_arena(&methods, req->arena);
	return ROUTER_METHOD_NOT_ALLOWED;
}

const struct route *
router_find(const struct route *table, size_t n, const char *method, struct str path)
{
	size_t q = 0;

	while (q < path.n && path.p[q] != '?')
		q++;
	path.n = q;
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].method, method) == 0 && match(table[i].pattern, path, NULL))
			return &table[i];
	return NULL;
}

static const char *const access_codes[ACCESS_COUNT_] = {
	[ACCESS_PUBLIC] = "public",
	[ACCESS_ROLE] = "role",
	[ACCESS_SELF] = "self",
	[ACCESS_ORG] = "org",
	[ACCESS_ORG_STAFF] = "org_staff",
	[ACCESS_PARTY] = "party",
	[ACCESS_CONSENT] = "consent",
	[ACCESS_FOLLOWED] = "followed",
	[ACCESS_LIST] = "list",
};

const char *
router_access_code(enum route_access a)
{
	return (unsigned)a < ACCESS_COUNT_ ? access_codes[a] : NULL;
}

size_t
router_check(const struct route *table, size_t n, char *why, size_t whylen)
{
	for (size_t i = 0; i < n; i++) {
		const struct route *r = &table[i];
		bool names = strstr(r->pattern, "{id}") != NULL || strstr(r->pattern, "{token}") != NULL;
		if (router_access_code(r->access) == NULL) {
			snprintf(why, whylen,
			    "%s %s declares no access class (see docs/SECURITY.md, Authorization matrix)", r->method,
			    r->pattern);
			return i;
		}
		if (names && (r->object == NULL || r->object[0] == '\0')) {
			snprintf(
			    why, whylen, "%s %s names an object but does not declare its kind", r->method, r->pattern);
			return i;
		}
		if (r->access == ACCESS_PUBLIC && r->roles != ROLES_PUBLIC) {
			snprintf(why, whylen, "%s %s is public but asks for roles", r->method, r->pattern);
			return i;
		}
	}
	return n;
}
