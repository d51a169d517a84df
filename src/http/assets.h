/* Fingerprinted addresses of the static files. At start each file the pages name (assets_want) gets a second
 * address holding the start of its SHA-256, /static/v/HASH/PATH, which server.c serves with a year of immutable
 * cache; /static/PATH keeps working (a week of cache, ETag). A page names its assets through asset_url, so that a
 * new version of a file is a new address and browsers never keep a stale one. */
#ifndef TR_HTTP_ASSETS_H
#define TR_HTTP_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

/* Hex digits of the SHA-256 kept in an address. */
#define ASSET_HASH_LEN 16
/* The prefix of the fingerprinted addresses. */
#define ASSET_PREFIX "/static/v/"

/* Names REL ("dsfr/dsfr.min.css", a string that stays) as a file the pages refer to; before assets_load. */
void assets_want(const char *rel);

/* Reads and hashes the files named by assets_want under DIR; called once before serving. A file that cannot be
 * read keeps its plain address. */
void assets_load(const char *dir);

/* Frees the table. */
void assets_free(void);

struct arena;

/* The address of the static file REL ("dsfr/dsfr.min.css"): /static/v/HASH/REL when the file is known (a string
 * of the table, until assets_free), /static/REL in A otherwise. */
const char *asset_url(struct arena *a, const char *rel);

/* Whether HASH (N bytes) is the fingerprint of the file REL (RELN bytes) as loaded. */
bool asset_is_current(const char *rel, size_t reln, const char *hash, size_t n);

#endif
