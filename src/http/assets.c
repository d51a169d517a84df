/* The table of fingerprints: path → address, sorted by path, built once at start and only read afterwards (by
 * every thread, without locks). Only the files the pages name are hashed (a few, in a few milliseconds), not the
 * whole directory (some 1,500 files, most of them icons reached from the stylesheets). */
#include "http/assets.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/time.h"

/* Past this size a file is not fingerprinted (none of ours comes close). */
#define ASSET_FILE_MAX (8u << 20)

struct asset {
	char *rel; /* "dsfr/dsfr.min.css" */
	char *url; /* "/static/v/0123456789abcdef/dsfr/dsfr.min.css" */
};

static struct {
	struct asset *v;
	size_t n, cap;
} assets;

static int
asset_cmp(const void *a, const void *b)
{
	return strcmp(((const struct asset *)a)->rel, ((const struct asset *)b)->rel);
}

/* The files the pages name (assets_want), before assets_load. */
static struct {
	const char **v;
	size_t n, cap;
} wanted;

void
assets_want(const char *rel)
{
	if (wanted.n == wanted.cap) {
		wanted.cap = wanted.cap ? wanted.cap * 2 : 16;
		wanted.v = xrealloc(wanted.v, wanted.cap * sizeof(*wanted.v));
	}
	wanted.v[wanted.n++] = rel;
}

/* Reads the file at PATH whole; NULL when it cannot (or is too large). */
static char *
read_file(const char *path, size_t *n)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *p = NULL;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= ASSET_FILE_MAX) {
		*n = (size_t)st.st_size;
		p = xmalloc(*n ? *n : 1);
		if (fread(p, 1, *n, f) != *n) {
			free(p);
			p = NULL;
		}
	}
	fclose(f);
	return p;
}

static void
add(const char *dir, const char *rel)
{
	char hex[SEC_SHA256_HEX], path[PATH_MAX], *data;
	size_t n = 0, urllen;

	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path) ||
	    (data = read_file(path, &n)) == NULL) {
		log_warn("static files: cannot read %s: served under its plain address", path);
		return;
	}
	sec_sha256_hex(data, n, hex);
	free(data);
	if (assets.n == assets.cap) {
		assets.cap = assets.cap ? assets.cap * 2 : 16;
		assets.v = xrealloc(assets.v, assets.cap * sizeof(*assets.v));
	}
	urllen = strlen(ASSET_PREFIX) + ASSET_HASH_LEN + 1 + strlen(rel) + 1;
	assets.v[assets.n].rel = xstrdup(rel);
	assets.v[assets.n].url = xmalloc(urllen);
	snprintf(assets.v[assets.n].url, urllen, "%s%.*s/%s", ASSET_PREFIX, ASSET_HASH_LEN, hex, rel);
	assets.n++;
}

void
assets_load(const char *dir)
{
	int64_t t0 = clock_mono_ms();

	assets_free();
	for (size_t i = 0; i < wanted.n; i++)
		add(dir, wanted.v[i]);
	if (assets.n > 1)
		qsort(assets.v, assets.n, sizeof(*assets.v), asset_cmp);
	log_info("static files: %zu fingerprinted in %lld ms", assets.n, (long long)(clock_mono_ms() - t0));
}

void
assets_free(void)
{
	for (size_t i = 0; i < assets.n; i++) {
		free(assets.v[i].rel);
		free(assets.v[i].url);
	}
	free(assets.v);
	memset(&assets, 0, sizeof(assets));
}

static const struct asset *
find(const char *rel, size_t n)
{
	size_t lo = 0, hi = assets.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(assets.v[mid].rel, rel, n);

		if (c == 0 && assets.v[mid].rel[n] != '\0')
			c = 1;
		if (c == 0)
			return &assets.v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
asset_url(struct arena *a, const char *rel)
{
	const struct asset *f = find(rel, strlen(rel));

	return f != NULL ? f->url : arena_printf(a, "/static/%s", rel);
}

bool
asset_is_current(const char *rel, size_t reln, const char *hash, size_t n)
{
	const struct asset *a = find(rel, reln);

	return a != NULL && n == ASSET_HASH_LEN && memcmp(a->url + strlen(ASSET_PREFIX), hash, n) == 0;
}
