/* libFuzzer driver for the NDJSON batches of activity reports (POST /api/v1/activity/batch: domain/activity's
 * activity_ingest) on an in-memory SQLite database with two structures and three advisers, sent on behalf of
 * advisers (no actor: each line names its adviser_id). The last byte of the input picks a partial batch. Checks the
 * promises of domain/activity/activity.h: TR_OK, TR_INVALID (with *OUT) or TR_TOO_LARGE; no transaction left open;
 * the counts add up (inserted + unchanged + rejected at most the lines, each rejected line named in errors with a
 * line number within the batch and a French message in valid UTF-8); a refused batch (not partial) writes nothing;
 * the reports written are the inserted lines; and the same batch sent again inserts nothing. The database is made
 * anew every few hundred inputs. Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/activity/activity.h"
#include "domain/kernel/ctx.h"
#include "store/db.h"
#include "store/migrate.h"

#define FUZZ_FRESH_EVERY 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config fuzz_cfg;
static struct db *fuzz_db;
static int fuzz_runs;

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static void
fuzz_fresh(void)
{
	char why[256];
	int applied;

	if (fuzz_db)
		db_close(fuzz_db);
	config_defaults(&fuzz_cfg);
	fuzz_check(db_open("sqlite::memory:", &fuzz_db, why, sizeof(why)) == TR_OK);
	fuzz_check(db_migrate(fuzz_db, embedded_migrations, &applied) == TR_OK);
	fuzz_check(db_exec_script(fuzz_db,
	               "INSERT INTO regions (code, name, name_key) VALUES ('84', 'Auvergne-Rhône-Alpes', 'auvergne');"
	               "INSERT INTO departements (code, region_code, name, name_key) VALUES ('26', '84', 'Drôme', "
	               "'drome');"
	               "INSERT INTO communes (code, name, name_key, departement_code, region_code) VALUES ('26108', "
	               "'Crest', 'crest', '26', '84'), ('26362', 'Valence', 'valence', '26', '84');"
	               "INSERT INTO organisations (name, kind, commune_code, created_at, updated_at) VALUES ('S1', "
	               "'employer', '26108', 0, 0), ('S2', 'employer', '26362', 0, 0);"
	               "INSERT INTO people (email, name, created_at, updated_at) VALUES ('a1@x.fr', 'A1', 0, 0), "
	               "('a2@x.fr', 'A2', 0, 0), ('a3@x.fr', 'A3', 0, 0);"
	               "INSERT INTO activity_mediators (organisation_id, person_id, since_on, created_at) SELECT o.id, "
	               "p.id, '2026-01-01', 0 FROM organisations o JOIN people p ON (o.name = 'S1' AND p.email <> "
	               "'a3@x.fr') OR (o.name = 'S2' AND p.email = 'a3@x.fr');") == TR_OK);
}

static int64_t
fuzz_reports(struct arena *a)
{
	struct db_rows *r;

	fuzz_check(db_one(fuzz_db, a, "SELECT COUNT(*) FROM activity_reports", NULL, 0, &r) == TR_OK);
	return db_int(db_cell(r, 0, 0));
}

static int64_t
fuzz_int(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	fuzz_check(json_is_integer(v));
	return json_integer_value(v);
}

/* Ingests BODY once; checks what every batch promises. Returns the error; *INSERTED the lines written. */
static tr_err
fuzz_ingest(const char *body, size_t n, bool partial, int64_t nlines, int64_t *inserted)
{
	struct ctx ctx = { .arena = arena_new(), .db = fuzz_db, .cfg = &fuzz_cfg, .now = clock_now() };
	int64_t before = fuzz_reports(ctx.arena), rejected, unchanged;
	json_t *out = NULL, *e;
	size_t i;
	tr_err err = activity_ingest(&ctx, "api", body, n, partial, &out);

	*inserted = 0;
	fuzz_check(err == TR_OK || err == TR_INVALID || err == TR_TOO_LARGE);
	fuzz_check(!db_in_tx(fuzz_db));
	fuzz_check(err == TR_OK || (ctx.message != NULL && utf8_valid(ctx.message, strlen(ctx.message))));
	if (err == TR_TOO_LARGE) {
		fuzz_check(out == NULL && fuzz_reports(ctx.arena) == before);
		goto out;
	}
	fuzz_check(json_is_object(out));
	fuzz_check(fuzz_int(out, "lines") == nlines);
	*inserted = err == TR_OK ? fuzz_int(out, "inserted") : 0;
	unchanged = fuzz_int(out, "unchanged");
	rejected = fuzz_int(out, "rejected");
	fuzz_check(*inserted >= 0 && unchanged >= 0 && rejected >= 0 && *inserted + unchanged + rejected <= nlines);
	fuzz_check((err == TR_INVALID) == (rejected > 0 && !partial));
	fuzz_check((size_t)rejected <= json_array_size(json_object_get(out, "errors")));
	json_array_foreach(json_object_get(out, "errors"), i, e)
	{
		const char *m = json_string_value(json_object_get(e, "message"));
		int64_t line = fuzz_int(e, "line");
		fuzz_check(line >= 1 && line <= nlines && m != NULL && utf8_valid(m, strlen(m)) && m[0] != '\0');
		fuzz_check(json_is_string(json_object_get(e, "field")));
	}
	fuzz_check(fuzz_reports(ctx.arena) == before + *inserted);
out:
	json_decref(out);
	arena_free(ctx.arena);
	return err;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool partial = size > 0 && (data[size - 1] & 1);
	int64_t nlines = 0, inserted, again;
	tr_err err;

	if (fuzz_db == NULL || ++fuzz_runs % FUZZ_FRESH_EVERY == 0)
		fuzz_fresh();
	/* The lines as activity_ingest counts them: each '\n' ends one, and a last one without it counts. */
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	nlines += size > 0 && data[size - 1] != '\n';
	err = fuzz_ingest((const char *)data, size, partial, nlines, &inserted);
	if (err == TR_OK) {
		fuzz_check(fuzz_ingest((const char *)data, size, partial, nlines, &again) == TR_OK);
		fuzz_check(again == 0); /* idempotent: every line of the batch is stored already */
	}
	return 0;
}
