/* libFuzzer driver for the query strings of the places search (GET /lieux, /api/v1/places): the input is the query
 * string, parsed as http/server.c parses every query (form_parse_urlencoded with FORM_MAX_FIELDS), then read by
 * place_query_parse (domain/places/place_search.c) on an in-memory SQLite database (near_commune reads the
 * communes, none here: a commune not found). Checks the promises of the headers: the query's names and values are valid UTF-8 and NUL-terminated;
 * the search is TR_OK, or TR_INVALID exactly when it added field errors, each naming a parameter of the query with a
 * message in valid UTF-8; its words are at most PLACE_QUERY_WORDS folded keys; its page and page size within
 * bounds; a point within the Earth's coordinates; and the same query reads the same search again. Any broken promise
 * aborts. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/form.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/kernel/ctx.h"
#include "domain/places/place_search.h"
#include "store/db.h"
#include "store/migrate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config fuzz_cfg;
static struct db *fuzz_db;

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static bool
fuzz_utf8(const char *s)
{
	return s != NULL && utf8_valid(s, strlen(s));
}

static tr_err
fuzz_parse(struct arena *a, const struct form *f, struct place_query *q, struct ctx *ctx)
{
	*ctx = (struct ctx){ .arena = a, .db = fuzz_db, .cfg = &fuzz_cfg, .now = clock_now() };
	return place_query_parse(ctx, f, q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a;
	struct form f = { 0 };
	struct place_query q, q2;
	struct ctx ctx, ctx2;
	char why[256];
	int applied;
	tr_err err;

	if (fuzz_db == NULL) {
		config_defaults(&fuzz_cfg);
		fuzz_check(db_open("sqlite::memory:", &fuzz_db, why, sizeof(why)) == TR_OK);
		fuzz_check(db_migrate(fuzz_db, embedded_migrations, &applied) == TR_OK);
	}
	a = arena_new();
	if (form_parse_urlencoded(a, (struct str){ (const char *)data, size }, FORM_MAX_FIELDS, &f) != TR_OK) {
		fuzz_check(f.n == 0);
		goto out;
	}
	for (size_t i = 0; i < f.n; i++) {
		const struct form_field *x = &f.items[i];
		fuzz_check(utf8_valid(x->name.p, x->name.n) && x->name.p[x->name.n] == '\0');
		fuzz_check(utf8_valid(x->value.p, x->value.n) && x->value.p[x->value.n] == '\0');
	}
	err = fuzz_parse(a, &f, &q, &ctx);
	fuzz_check(err == TR_OK || err == TR_INVALID);
	fuzz_check((err == TR_INVALID) == (ctx.errors.n > 0));
	fuzz_check(err == TR_OK || fuzz_utf8(ctx.message));
	for (size_t i = 0; i < ctx.errors.n; i++) {
		fuzz_check(fuzz_utf8(ctx.errors.items[i].message));
		fuzz_check(
		    form_has(&f, ctx.errors.items[i].field) || (strcmp(ctx.errors.items[i].field, "radius_km") == 0) ||
		    strcmp(ctx.errors.items[i].field, "lat") == 0 || strcmp(ctx.errors.items[i].field, "lon") == 0);
	}
	if (err == TR_OK) {
		fuzz_check(q.nwords <= PLACE_QUERY_WORDS);
		for (size_t i = 0; i < q.nwords; i++) {
			fuzz_check(fuzz_utf8(q.words[i]) && q.words[i][0] != '\0');
			for (const char *p = q.words[i]; *p; p++)
				fuzz_check(*p < 'A' || *p > 'Z');
		}
		fuzz_check(q.page >= 1 && q.page <= PLACE_PAGE_MAX);
		fuzz_check(q.per_page >= 1 && q.per_page <= PLACE_PER_PAGE_MAX);
		fuzz_check(q.radius_km >= 0 && !isnan(q.radius_km));
		fuzz_check(!q.has_point || (q.lat >= -90 && q.lat <= 90 && q.lon >= -180 && q.lon <= 180));
		fuzz_check(q.netpublic >= -1 && q.netpublic <= 1);
	}
	fuzz_check(fuzz_parse(a, &f, &q2, &ctx2) == err && ctx2.errors.n == ctx.errors.n);
	if (err == TR_OK)
		fuzz_check(q2.nwords == q.nwords && q2.page == q.page && q2.per_page == q.per_page &&
		           q2.has_point == q.has_point && memcmp(q2.vocab, q.vocab, sizeof(q.vocab)) == 0);
out:
	arena_free(a);
	return 0;
}
