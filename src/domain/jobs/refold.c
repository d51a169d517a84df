/* Stored search keys recomputed with the present rules of utf8_fold_key. */
#include "domain/jobs/refold.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/utf8.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TEXTS_MAX 4

/* Each stored key: its table, the column that names a row, the key's column, and the columns whose text, joined
 * by spaces, it folds (as the module that writes it does: refdata.c, place_store.c and place_search_key,
 * resource.c, partner.c). */
static const struct folded_key {
	const char *table, *id, *key;
	const char *texts[TEXTS_MAX];
} folded_keys[] = {
	{ "regions", "code", "name_key", { "name" } },
	{ "departements", "code", "name_key", { "name" } },
	{ "communes", "code", "name_key", { "name" } },
	{ "places", "id", "name_key", { "nom" } },
	{ "places", "id", "address_key", { "adresse" } },
	{ "places", "id", "search_key", { "nom", "presentation_resume", "presentation_detail", "commune" } },
	{ "resources", "id", "search_key", { "title", "description" } },
	{ "partner_companies", "id", "name_key", { "name", "activity" } },
};

/* The present key of row I of R (id, key, texts...), in A. */
static const char *
refolded(struct arena *a, const struct db_rows *r, size_t i)
{
	size_t total = 1, k = 0;
	char *text;

	for (size_t c = 2; c < r->ncols; c++)
		total += db_cell(r, i, c)->s.n + 1;
	text = arena_alloc(a, total);
	for (size_t c = 2; c < r->ncols; c++) {
		const struct db_val *v = db_cell(r, i, c);
		if (v->type == DBV_TEXT && v->s.n > 0) {
			memcpy(text + k, v->s.p, v->s.n);
			k += v->s.n;
		}
		text[k++] = ' ';
	}
	return utf8_fold_key(a, text, k);
}

static tr_err
refold_one(struct db *db, struct arena *a, const struct folded_key *f, int64_t *changed)
{
	const char *cols = "";
	struct db_rows *r;
	tr_err err;

	for (size_t t = 0; t < TEXTS_MAX && f->texts[t] != NULL; t++)
		cols = arena_printf(a, "%s, %s", cols, f->texts[t]);
	/* Only names from the table above reach the SQL. */
	err = db_query(db, a, arena_printf(a, "SELECT %s, %s%s FROM %s", f->id, f->key, cols, f->table), NULL, 0, &r);
	if (err != TR_OK)
		return err;
	for (size_t i = 0; i < r->nrows; i++) {
		const char *key = refolded(a, r, i), *stored = db_text(db_cell(r, i, 1));
		if (stored != NULL && strcmp(stored, key) == 0)
			continue;
		err = db_execv(db, arena_printf(a, "UPDATE %s SET %s = ? WHERE %s = ?", f->table, f->key, f->id), NULL,
		    DB_TEXT(key), *db_cell(r, i, 0));
		if (err != TR_OK)
			return err;
		(*changed)++;
	}
	return TR_OK;
}

tr_err
keys_refold(struct db *db, struct arena *a, bool force, int64_t *changed)
{
	char version[24];
	const char *stored = NULL;
	int64_t n = 0, places = 0;
	struct db_rows *r;
	tr_err err;

	snprintf(version, sizeof(version), "%d", UTF8_FOLD_VERSION);
	if (changed != NULL)
		*changed = 0;
	err = db_onev(db, a, "SELECT value FROM settings WHERE key = ?", &r, DB_TEXT("fold_version"));
	if (err == TR_OK)
		stored = db_text(db_cell(r, 0, 0));
	else if (err != TR_NOT_FOUND)
		return err;
	if (!force && stored != NULL && strcmp(stored, version) == 0)
		return TR_OK;
	if ((err = db_begin(db)) != TR_OK)
		return err;
	for (size_t i = 0; i < ARRAY_LEN(folded_keys) && err == TR_OK; i++) {
		int64_t before = n;
		err = refold_one(db, a, &folded_keys[i], &n);
		if (strcmp(folded_keys[i].table, "places") == 0)
			places += n - before;
	}
	/* The servers' in-memory index of places reloads when this moves (place_search.c). */
	if (err == TR_OK && places > 0)
		err = db_execv(db,
		    "UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'places_version'",
		    NULL);
	if (err == TR_OK)
		err = db_execv(db,
		    "INSERT INTO settings (key, value) VALUES ('fold_version', ?) ON CONFLICT (key) DO UPDATE SET "
		    "value = "
		    "excluded.value",
		    NULL, DB_TEXT(version));
	if (err != TR_OK) {
		db_rollback(db);
		return err;
	}
	if ((err = db_commit(db)) != TR_OK)
		return err;
	if (n > 0)
		log_info("search keys: %lld recomputed (fold version %s)", (long long)n, version);
	if (changed != NULL)
		*changed = n;
	return TR_OK;
}
