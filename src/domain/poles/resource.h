/* The poles' resources library (mutualisation): documents (PDF, ODT, PNG, JPEG, their type checked by content,
 * 10 Mo at most) and https links, with tags and a description, added by each pole's staff and read by every pole
 * and structure, searched on a folded key of title and description (accents and case ignored). */
#ifndef TR_DOMAIN_RESOURCE_H
#define TR_DOMAIN_RESOURCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/kernel/ctx.h"

/* Who reads the library: pole staff, structures (employer staff), national officers, admins. */
#define RESOURCE_READERS \
	(ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_EMPLOYER) | ROLE_BIT(ROLE_NATIONAL) | ROLE_BIT(ROLE_ADMIN))
/* Who adds to it (the domain checks the pole): pole staff, admins. */
#define RESOURCE_WRITERS (ROLE_BIT(ROLE_POLE) | ROLE_BIT(ROLE_ADMIN))

/* A document's type found from its first bytes: the MIME type, the file extension and a French label. */
struct resource_type {
	const char *mime, *ext, *label;
};

/* The type of the N bytes at P, or NULL when they are none of PDF ("%PDF-"), ODT (a zip whose first, stored
 * entry is "mimetype" holding application/vnd.oasis.opendocument.text), PNG (its 8-byte signature) or JPEG
 * (FF D8 FF). */
const struct resource_type *resource_sniff(const void *p, size_t n);

/* The download name of a document: NAME (as sent, may be NULL) folded to lowercase ASCII words joined by
 * dashes, 80 characters at most, with the extension of TYPE; "document.EXT" when nothing is left. In A. */
char *resource_file_name(struct arena *a, const char *name, const struct resource_type *type);

struct resource_filter {
	const char *q;   /* words searched in titles and descriptions (folded); NULL or "": any */
	const char *tag; /* one tag, as stored; NULL or "": any */
	int64_t pole_id; /* 0: any */
	int64_t page, per_page;
};

/* The resources matching F, newest first: {items: [{id, pole_id, pole_name, kind, title, description, url,
 * tags [string], file_name, file_type, file_size, author_name, created_at, version}], total, page, per_page,
 * tags (every tag in use, sorted), poles [{id, name}]}. Readers only. */
TR_MUST_USE tr_err resource_list(struct ctx *ctx, const struct resource_filter *f, json_t **out);

/* One resource (an item as above). Readers only; TR_NOT_FOUND. */
TR_MUST_USE tr_err resource_get(struct ctx *ctx, int64_t id, json_t **out);

/* An uploaded document: its bytes (borrowed) and the name it was sent with (may be NULL). */
struct resource_upload {
	const void *data;
	size_t size;
	const char *name;
};

/* Adds a resource to the library from IN (entity_resource: kind, title, description, url, tags as a
 * comma-separated string or an array, pole_id) and FILE (NULL for a link). kind "file" needs FILE, "link" an
 * https url; absent, it follows from what was sent. The pole defaults to the actor's only pole; the actor must
 * be its staff (admins: any pole). A file of another type or over 10 Mo is a field error on "file". Journaled. */
TR_MUST_USE tr_err resource_create(struct ctx *ctx, json_t *in, const struct resource_upload *file, int64_t *id);

/* The document of resource ID for download: bytes in the arena. Readers only; TR_NOT_FOUND for a link. */
struct resource_file {
	const char *name, *type;
	const void *data;
	size_t size;
};
TR_MUST_USE tr_err resource_file(struct ctx *ctx, int64_t id, struct resource_file *out);

#endif
