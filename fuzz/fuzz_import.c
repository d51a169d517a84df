/* libFuzzer driver for the places import (domain/places/place_io.c, CSV and JSON, told apart by the first
 * character) through place_import on an in-memory SQLite database, as an admin: every input either imports
 * or is refused with a French reason, the report's counts add up, every problem names a line within the file
 * and carries a message in valid UTF-8, and the report's text renders. The database is made anew every few
 * hundred inputs so that it stays small. Any broken promise aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/embed.h"
#include "core/time.h"
#include "core/utf8.h"
#include "domain/kernel/ctx.h"
#include "domain/places/place.h"
#include "store/db.h"
#include "store/migrate.h"

#define FUZZ_FRESH_EVERY 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(bool ok)
{
	if (!ok)
		abort();
}

static struct config fuzz_cfg;
static struct db *fuzz_db;
static int fuzz_runs;
static const struct actor fuzz_admin = {
	.person_id = 1,
	.email = "admin@example.org",
	.name = "Admin",
	.roles = { { .role = ROLE_ADMIN } },
	.nroles = 1,
	.role_mask = ROLE_BIT(ROLE_ADMIN),
};

static bool
fuzz_utf8(const char *s)
{
	return s != NULL && utf8_valid(s, strlen(s));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct place_import_opts opts = { .skip_invalid = size > 0 && (data[size - 1] & 1), .filename = "f" };
	struct place_report rep = { 0 };
	struct ctx ctx = { 0 };
	char why[256];
	int applied;
	tr_err err;
	int64_t lines = 1;

	if (fuzz_db == NULL || ++fuzz_runs % FUZZ_FRESH_EVERY == 0) {
		if (fuzz_db)
			db_close(fuzz_db);
		config_defaults(&fuzz_cfg);
		fuzz_check(db_open("sqlite::memory:", &fuzz_db, why, sizeof(why)) == TR_OK);
		fuzz_check(db_migrate(fuzz_db, embedded_migrations, &applied) == TR_OK);
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	ctx.arena = arena_new();
	ctx.db = fuzz_db;
	ctx.cfg = &fuzz_cfg;
	ctx.actor = &fuzz_admin;
	ctx.now = clock_now();
	err = place_import(&ctx, (const char *)data, size, &opts, &rep);
	fuzz_check(err == TR_OK || err == TR_INVALID);
	fuzz_check(!db_in_tx(fuzz_db));
	fuzz_check((err == TR_OK) == rep.imported);
	fuzz_check(err == TR_OK || rep.fatal != NULL || rep.rejected > 0);
	fuzz_check(rep.fatal == NULL || fuzz_utf8(rep.fatal));
	if (err == TR_OK)
		fuzz_check(rep.created + rep.updated + rep.unchanged + rep.rejected == rep.rows);
	for (size_t i = 0; i < rep.nproblems; i++) {
		const struct place_problem *p = &rep.problems[i];
		fuzz_check(fuzz_utf8(p->message) && fuzz_utf8(p->column) && fuzz_utf8(p->value));
		fuzz_check(p->line >= 0 && (rep.json || p->line <= lines));
	}
	struct buf out = BUF_INIT(1 << 20);
	fuzz_check(place_report_text(&rep, &out) == TR_OK);
	fuzz_check(utf8_valid(out.p, out.n));
	buf_free(&out);
	arena_free(ctx.arena);
	return 0;
}
