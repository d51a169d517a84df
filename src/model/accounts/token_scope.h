/* The areas an API token's scopes name (read-only or read-write each), which API paths belong to each, and the
 * field table of the token form. A scope is "AREA:read" or "AREA:write" (write includes read); "*" is the owner's
 * whole reach. */
#ifndef TR_MODEL_TOKEN_SCOPE_H
#define TR_MODEL_TOKEN_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/kernel/entity.h"

struct token_area {
	const char *code;  /* "dossiers" */
	const char *label; /* French: « Dossiers (protocoles d'adhésion) » */
};

extern const struct token_area token_areas[];
extern const size_t token_areas_count;

/* The area of an API route's PATTERN ("/api/v1/dossiers/{id}"), NULL for a path every token may call (GET
 * /api/v1/me) and "" for a path outside the API (only a "*" token reaches pages). */
const char *token_area_of(const char *pattern);

/* Whether SCOPES (space-separated, as stored) allow AREA (from token_area_of) for a call that changes state
 * (WRITE) or reads. */
bool token_scopes_allow(const char *scopes, const char *area, bool write);

/* Whether SCOPE (N bytes) is "*" or a known "AREA:read" / "AREA:write". */
bool token_scope_valid(const char *scope, size_t n);

/* The token form: its name, its expiry, and one choice per area (none, read, read and write). */
extern const struct entity entity_token;

#endif
