/* tremplin's command line: serve, migrate, seed, user add, token create, journal verify, backup, restore,
 * check-config… (the table `commands`; docs/man/tremplin.1.scd says the same). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/totp.h"
#include "core/embed.h"
#include "core/log.h"
#include "core/time.h"
#include "domain/accounts/account.h"
#include "domain/kernel/common.h"
#include "demo/demo.h"
#include "domain/programmes/programme.h"
#include "domain/jobs/jobs.h"
#include "model/accounts/role.h"
#include "domain/jobs/refold.h"
#include "domain/activity/activity.h"
#include "domain/activity/activity_gen.h"
#include "model/activity/activity.h"
#include "domain/kernel/journal.h"
#include "domain/places/place.h"
#include "domain/places/place_geocode.h"
#include "domain/geo/refdata.h"
#include "domain/accounts/session.h"
#include "domain/steering/annual_report.h"
#include "domain/steering/gen.h"
#include "domain/subsidies/gen.h"
#include "domain/subsidies/schedule.h"
#include "domain/training/skills.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/migrate.h"

#define EXIT_USAGE 2

struct command {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(struct config *cfg, int argc, char **argv);
};

static const char common_options[] =
    "Common options:\n"
    "  --database URL   sqlite:PATH or postgresql://… (also TREMPLIN_DATABASE; default sqlite:var/tremplin.db)\n"
    "  --listen HOST:PORT  address to serve (also TREMPLIN_LISTEN; default 127.0.0.1:8080)\n"
    "  --config FILE    an INI file of settings ([server], [database], [mail], [webhooks],\n"
    "                   [geocoder])\n"
    "  --help           this help\n"
    "Exit status: 0 success, 1 failure, 2 usage error (see man tremplin).\n";

/* Opens the database and applies the migrations; prints the reason and returns NULL on failure. */
static struct db *
open_migrated(const struct config *cfg)
{
	struct db *db;
	struct arena *a;
	char why[256];
	int applied = 0;
	tr_err err;

	if (db_open(cfg->database, &db, why, sizeof(why)) != TR_OK) {
		fprintf(stderr, "tremplin: database: %s\n", why);
		return NULL;
	}
	if (db_migrate(db, embedded_migrations, &applied) != TR_OK) {
		fprintf(stderr, "tremplin: migrations failed: %s\n", db_errmsg(db));
		db_close(db);
		return NULL;
	}
	if (applied > 0)
		log_info("%d migration(s) applied", applied);
	/* Keys folded by older rules of utf8_fold_key are recomputed once, before anything reads them. */
	a = arena_new();
	err = keys_refold(db, a, false, NULL);
	arena_free(a);
	if (err != TR_OK) {
		fprintf(stderr, "tremplin: recomputing the search keys failed: %s\n", db_errmsg(db));
		db_close(db);
		return NULL;
	}
	return db;
}

static void
ctx_init(struct ctx *ctx, struct config *cfg, struct db *db)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->arena = arena_new();
	ctx->db = db;
	ctx->cfg = cfg;
	ctx->now = clock_now();
	ctx->ip = "cli";
}

static void
print_errors(struct ctx *ctx, tr_err err)
{
	for (size_t i = 0; i < ctx->errors.n; i++)
		fprintf(stderr, "tremplin: %s: %s\n", ctx->errors.items[i].field, ctx->errors.items[i].message);
	if (ctx->message)
		fprintf(stderr, "tremplin: %s\n", ctx->message);
	if (ctx->errors.n == 0 && ctx->message == NULL)
		fprintf(stderr, "tremplin: failed (%s)\n", tr_err_name(err));
}

/* Refuses any argument left after the common options: one line naming it, exit status 2. */
static int
no_arguments(const char *command, int argc, char **argv)
{
	if (argc <= 1)
		return 0;
	fprintf(stderr, "tremplin %s: unknown argument %s (see tremplin %s --help)\n", command, argv[1], command);
	return EXIT_USAGE;
}

static int
cmd_serve(struct config *cfg, int argc, char **argv)
{
	struct db *db;
	char why[256];

	if (no_arguments("serve", argc, argv) != 0)
		return EXIT_USAGE;
	if (config_check(cfg, why, sizeof(why)) != TR_OK) {
		fprintf(stderr, "tremplin: configuration: %s\n", why);
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	db_close(db);
	return app_serve(cfg);
}

static int
cmd_migrate(struct config *cfg, int argc, char **argv)
{
	struct db *db;
	int64_t version = 0;

	if (no_arguments("migrate", argc, argv) != 0)
		return EXIT_USAGE;
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	if (db_schema_version(db, &version) == TR_OK)
		printf("schema version %lld\n", (long long)version);
	db_close(db);
	return 0;
}

static int
cmd_seed(struct config *cfg, int argc, char **argv)
{
	struct db *db;
	struct ctx ctx;
	json_t *logins = NULL;
	int64_t communes = 0, programmes = 0, competences = 0;
	bool demo = false;
	tr_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--demo") == 0)
			demo = true;
		else {
			fprintf(stderr, "tremplin seed: unknown argument %s\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	err = refdata_seed(&ctx, &communes);
	if (err == TR_OK)
		printf("reference data: %lld communes\n", (long long)communes);
	if (err == TR_OK && (err = programme_seed(&ctx, &programmes)) == TR_OK)
		printf("programmes: %lld added\n", (long long)programmes);
	if (err == TR_OK && (err = skills_seed(&ctx, &competences)) == TR_OK)
		printf("competences: %lld added\n", (long long)competences);
	if (err == TR_OK && demo && (err = demo_seed(&ctx, &logins)) == TR_OK) {
		printf("demo accounts (password: %s):\n", DEMO_PASSWORD);
		for (size_t i = 0; i < json_array_size(logins); i++) {
			json_t *l = json_array_get(logins, i);
			printf("  %-32s %s\n", json_string_value(json_object_get(l, "email")),
			    json_string_value(json_object_get(l, "label")));
		}
		json_decref(logins);
	}
	if (err != TR_OK)
		print_errors(&ctx, err);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : 1;
}

/* Reads the password from standard input (one line, without its newline). */
static char *
read_password(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static int
cmd_user_add(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "org", required_argument, NULL, 'o' },
		{ "region", required_argument, NULL, 'g' },
		{ "name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = NULL, *org = NULL, *region = NULL, *name = NULL;
	char *password = NULL;
	bool pw_stdin = false;
	struct db *db;
	struct ctx ctx;
	json_t *in;
	int64_t id = 0;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': role = optarg; break;
		case 'o': org = optarg; break;
		case 'g': region = optarg; break;
		case 'n': name = optarg; break;
		case 'p': pw_stdin = true; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || role == NULL) {
		fprintf(stderr,
		    "tremplin user add: usage: tremplin user add EMAIL --role ROLE [--org ID] [--region CODE] "
		    "[--name NAME] --password-stdin\n");
		return EXIT_USAGE;
	}
	if (pw_stdin && (password = read_password()) == NULL) {
		fprintf(stderr, "tremplin user add: no password on standard input\n");
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL) {
		free(password);
		return 1;
	}
	ctx_init(&ctx, cfg, db);
	in = json_pack("{s:s, s:s, s:s}", "email", argv[optind], "name", name ? name : argv[optind], "role", role);
	if (org)
		json_object_set_new(in, "organisation_id", json_string(org));
	if (region)
		json_object_set_new(in, "regions", json_string(region));
	err = account_create(&ctx, in, password, &id);
	json_decref(in);
	if (err == TR_OK)
		printf("account %lld created for %s%s\n", (long long)id, argv[optind],
		    password ? "" : " (invitation queued)");
	else
		print_errors(&ctx, err);
	free(password);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : (err == TR_INVALID ? EXIT_USAGE : 1);
}

static int
cmd_token_create(struct config *cfg, int argc, char **argv)
{
	struct db *db;
	struct ctx ctx;
	struct db_rows *r;
	struct actor *actor = NULL;
	const char *raw = NULL;
	int64_t id;
	tr_err err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "tremplin token create: usage: tremplin token create EMAIL [NAME]\n");
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	err = db_onev(db, ctx.arena, "SELECT id FROM people WHERE email = LOWER(?)", &r, DB_TEXT(argv[1]));
	if (err == TR_NOT_FOUND)
		ctx.message = "no account has this email";
	if (err == TR_OK && (err = actor_load(&ctx, db_int(db_cell(r, 0, 0)), &actor)) == TR_OK) {
		ctx.actor = actor;
		err = apitoken_create(&ctx, 0, argc == 3 ? argv[2] : "ligne de commande", &raw, &id);
	}
	if (err == TR_OK)
		printf("%s\n", raw);
	else
		print_errors(&ctx, err);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : (err == TR_NOT_FOUND ? EXIT_USAGE : 1);
}

/* "2026-03-01" or "2026-03-01T08:00" (Paris time is not needed here: a job compares whole days), as epoch
 * seconds; false when unreadable. */
static bool
parse_moment(const char *s, int64_t *out)
{
	int y, m, d, hh = 0, mm = 0;
	size_t n = strlen(s);

	if (n < 10 || !date_parse(s, 10, &y, &m, &d))
		return false;
	if (n > 10 && (sscanf(s + 10, "T%d:%d", &hh, &mm) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59))
		return false;
	*out = date_days(y, m, d) * 86400 + hh * 3600 + mm * 60;
	return true;
}

static int
cmd_jobs_run(struct config *cfg, int argc, char **argv)
{
	struct db *db;
	int64_t now = clock_now();
	tr_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
			if (!parse_moment(argv[++i], &now)) {
				fprintf(stderr, "tremplin jobs run: --now: \"%s\" is not a date YYYY-MM-DD[THH:MM]\n",
				    argv[i]);
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr,
			    "tremplin jobs run: unknown or malformed argument %s (expected --now YYYY-MM-DD[THH:MM])\n",
			    argv[i]);
			return EXIT_USAGE;
		}
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	err = jobs_run(db, cfg, now, true);
	db_close(db);
	if (err != TR_OK) {
		fprintf(stderr, "tremplin jobs run: a job failed (%s)\n", tr_err_name(err));
		return 1;
	}
	printf("jobs: done\n");
	return 0;
}

/* Reads the whole file PATH (at most MAX bytes) into *DATA (malloc'ed); prints why on failure. */
static int read_file(const char *path, size_t max, char **data, size_t *n);

static int
cmd_journal_verify(struct config *cfg, int argc, char **argv)
{
	struct db *db;
	struct arena *a;
	int64_t checked = 0, bad = 0, seq = 0;
	const char *why = NULL, *against = NULL;
	char hash[65];
	tr_err err;

	if (argc == 3 && strcmp(argv[1], "--against") == 0)
		against = argv[2];
	else if (no_arguments("journal verify", argc, argv) != 0)
		return EXIT_USAGE;
	if (against != NULL) {
		char *text;
		size_t n;
		if (read_file(against, 1 << 16, &text, &n) != 0)
			return 1;
		bool ok = journal_witness_parse(text, n, &seq, hash);
		free(text);
		if (!ok) {
			fprintf(stderr, "journal: %s is not a published head (/journal/YYYY-MM-DD.txt)\n", against);
			return 1;
		}
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	a = arena_new();
	err = against ? journal_verify_against(db, a, seq, hash, &checked, &bad, &why)
	              : journal_verify(db, a, &checked, &bad, &why);
	if (err == TR_OK && against)
		printf("journal: %lld entries, chain intact, entry %lld matches the published head\n",
		    (long long)checked, (long long)seq);
	else if (err == TR_OK)
		printf("journal: %lld entries, chain intact\n", (long long)checked);
	else if (err == TR_CONFLICT)
		fprintf(stderr, "journal: broken at entry %lld: %s (%lld entries verified before it)\n", (long long)bad,
		    why, (long long)checked);
	else
		fprintf(stderr, "journal: cannot read it: %s\n", db_errmsg(db));
	arena_free(a);
	db_close(db);
	return err == TR_OK ? 0 : 1;
}

static int
cmd_activity_verify(struct config *cfg, int argc, char **argv)
{
	struct db *db;
	struct ctx ctx;
	json_t *out = NULL;
	int64_t n = 0;
	tr_err err;

	if (no_arguments("activity verify", argc, argv) != 0)
		return EXIT_USAGE;
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	err = activity_verify(&ctx, &out);
	if (err == TR_OK) {
		n = json_integer_value(json_object_get(out, "ndifferences"));
		printf("activity: %lld reports, %lld rollup rows, %lld difference(s)\n",
		    (long long)json_integer_value(json_object_get(out, "reports")),
		    (long long)json_integer_value(json_object_get(out, "cells")), (long long)n);
		if (n) {
			char *s = json_dumps(json_object_get(out, "differences"), JSON_INDENT(1));
			fprintf(stderr, "%s\n", s ? s : "");
			free(s);
		}
	} else {
		print_errors(&ctx, err);
	}
	json_decref(out);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK && n == 0 ? 0 : 1;
}

/* Reads the whole file PATH (at most MAX bytes) into *DATA (malloc'ed); prints why on failure. */
static int
read_file(const char *path, size_t max, char **data, size_t *n)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "tremplin: %s: cannot read it\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	if ((size_t)size > max) {
		fprintf(stderr, "tremplin: %s: Fichier refusé : il dépasse %zu Mo.\n", path, max >> 20);
		fclose(f);
		return 1;
	}
	*data = xmalloc((size_t)size + 1);
	*n = fread(*data, 1, (size_t)size, f);
	fclose(f);
	return 0;
}

/* A progress bar on standard error. */
static void
import_progress(void *ud, size_t done, size_t total)
{
	int pct = total ? (int)(done * 100 / total) : 100, width = 40, fill = pct * width / 100;

	(void)ud;
	fprintf(stderr, "\rimport [%.*s%*s] %3d %%", fill, "########################################", width - fill, "",
	    pct);
	if (pct >= 100)
		fputc('\n', stderr);
	fflush(stderr);
}

static int
cmd_places_import(struct config *cfg, int argc, char **argv)
{
	struct place_import_opts opts = { 0 };
	struct place_report rep;
	const char *path = NULL;
	struct buf text = BUF_INIT(0);
	struct db *db;
	struct ctx ctx;
	char *data = NULL;
	size_t n = 0;
	int64_t started;
	tr_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--skip-invalid") == 0)
			opts.skip_invalid = true;
		else if (path == NULL && argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "tremplin places import: unknown argument %s\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "tremplin places import: usage: tremplin places import FILE [--skip-invalid]\n");
		return EXIT_USAGE;
	}
	if (read_file(path, PLACE_FILE_MAX, &data, &n) != 0)
		return 1;
	if ((db = open_migrated(cfg)) == NULL) {
		free(data);
		return 1;
	}
	ctx_init(&ctx, cfg, db);
	opts.filename = path;
	if (isatty(STDERR_FILENO))
		opts.progress = import_progress;
	started = clock_mono_ms();
	err = place_import(&ctx, data, n, &opts, &rep);
	if (err == TR_OK || err == TR_INVALID) {
		if (place_report_text(&rep, &text) != TR_OK)
			tr_oom("report");
		fputs(text.p, err == TR_OK && rep.nproblems == 0 ? stdout : stderr);
		if (err == TR_OK)
			printf("import: %s en %.2f s\n", path, (double)(clock_mono_ms() - started) / 1000.0);
	} else {
		print_errors(&ctx, err);
	}
	buf_free(&text);
	free(data);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : 1;
}

/* Writes to the FILE of the command. */
static int
write_stream(void *ud, const char *p, size_t n)
{
	return fwrite(p, 1, n, ud) == n ? 0 : 1;
}

/* Opens --output FILE (or standard output). */
static FILE *
open_output(const char *command, const char *path)
{
	FILE *f = path ? fopen(path, "wb") : stdout;

	if (f == NULL)
		fprintf(stderr, "tremplin %s: %s: cannot write it\n", command, path);
	return f;
}

static int
close_output(FILE *f, int rc)
{
	if (f != stdout && fclose(f) != 0)
		return 1;
	if (f == stdout && fflush(f) != 0)
		return 1;
	return rc;
}

static int
cmd_places_export(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	enum place_format format = PLACE_CSV;
	const char *output = NULL;
	struct db *db;
	struct ctx ctx;
	FILE *f;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f' && (format = place_format_of(optarg)) != 0)
			continue;
		if (c == 'o') {
			output = optarg;
			continue;
		}
		fprintf(stderr, "tremplin places export: usage: tremplin places export --format csv|json|geojson "
		                "[--output FILE]\n");
		return EXIT_USAGE;
	}
	if (optind != argc)
		return no_arguments("places export", argc - optind + 1, argv + optind - 1);
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	if ((f = open_output("places export", output)) == NULL) {
		db_close(db);
		return 1;
	}
	ctx_init(&ctx, cfg, db);
	if ((err = place_export(&ctx, format, write_stream, f)) != TR_OK)
		print_errors(&ctx, err);
	arena_free(ctx.arena);
	db_close(db);
	return close_output(f, err == TR_OK ? 0 : 1);
}

static int
cmd_gen_places(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	long long count = 0, seed = 1;
	struct db *db;
	struct ctx ctx;
	FILE *f;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c != 's' || !str_to_i64(str_c(optarg), &seed))
			return EXIT_USAGE;
	}
	if (optind != argc - 1 || !str_to_i64(str_c(argv[optind]), &count) || count < 0 || count > 10000000) {
		fprintf(stderr, "tremplin gen places: usage: tremplin gen places N [--output FILE] [--seed S]\n");
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	if ((f = open_output("gen places", output)) == NULL) {
		db_close(db);
		return 1;
	}
	ctx_init(&ctx, cfg, db);
	if ((err = place_generate(&ctx, count, (uint64_t)seed, write_stream, f)) != TR_OK)
		print_errors(&ctx, err);
	arena_free(ctx.arena);
	db_close(db);
	return close_output(f, err == TR_OK ? 0 : 1);
}

/* gen activity: each batch written to the file, or ingested through the bulk API's domain path. */
struct gen_sink {
	FILE *f;
	struct config *cfg;
	struct db *db;
	int64_t inserted;
};

static tr_err
gen_write(void *ud, const char *lines, size_t n)
{
	struct gen_sink *k = ud;
	struct ctx ctx;
	json_t *out = NULL;
	tr_err err;

	if (k->f)
		return fwrite(lines, 1, n, k->f) == n ? TR_OK : TR_UNAVAILABLE;
	ctx_init(&ctx, k->cfg, k->db);
	err = activity_ingest(&ctx, "import", lines, n, false, &out);
	if (err == TR_OK)
		k->inserted += json_integer_value(json_object_get(out, "inserted"));
	else
		print_errors(&ctx, err);
	json_decref(out);
	arena_free(ctx.arena);
	return err;
}

static int
cmd_gen_activity(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "advisers", required_argument, NULL, 'a' },
		{ "days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	long long count = 0, seed = 1, nadv = 4000, days = 3 * 365;
	struct gen_sink sink = { .cfg = cfg };
	struct activity_gen g;
	struct ctx ctx;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (!((c == 's' && str_to_i64(str_c(optarg), &seed)) ||
		             (c == 'a' && str_to_i64(str_c(optarg), &nadv) && nadv > 0 && nadv <= 100000) ||
		             (c == 'd' && str_to_i64(str_c(optarg), &days) && days > 0 && days <= 3660)))
			return EXIT_USAGE;
	}
	if (optind != argc - 1 || !str_to_i64(str_c(argv[optind]), &count) || count < 0 || count > 100000000) {
		fprintf(stderr, "tremplin gen activity: usage: tremplin gen activity N [--output FILE] [--seed S] "
		                "[--advisers A] [--days D]\n");
		return EXIT_USAGE;
	}
	if ((sink.db = open_migrated(cfg)) == NULL)
		return 1;
	if (output && (sink.f = open_output("gen activity", output)) == NULL) {
		db_close(sink.db);
		return 1;
	}
	g = (struct activity_gen){ .count = count,
		.advisers = nadv,
		.days = days,
		.batch = ACTIVITY_BATCH_LINES_MAX,
		.seed = (uint64_t)seed,
		.prefix = NULL };
	ctx_init(&ctx, cfg, sink.db);
	g.prefix = arena_printf(ctx.arena, "gen%lld", seed);
	if ((err = activity_generate(&ctx, &g, gen_write, &sink)) != TR_OK)
		print_errors(&ctx, err);
	else if (!sink.f)
		printf("activity: %lld reports stored\n", (long long)sink.inserted);
	arena_free(ctx.arena);
	db_close(sink.db);
	return sink.f ? close_output(sink.f, err == TR_OK ? 0 : 1) : err == TR_OK ? 0 : 1;
}

static int
cmd_gen_steering(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "contracts", required_argument, NULL, 'c' },
		{ "employers", required_argument, NULL, 'e' },
		{ "applications", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct steer_gen g = { 3000, 4000, 50000, 1 };
	long long v = 0;
	struct db *db;
	struct ctx ctx;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (!str_to_i64(str_c(optarg), &v) || v < 1 || v > 10000000)
			return EXIT_USAGE;
		if (c == 'c')
			g.contracts = v;
		else if (c == 'e')
			g.employers = v;
		else if (c == 'a')
			g.applications = v;
		else if (c == 's')
			g.seed = (uint64_t)v;
		else
			return EXIT_USAGE;
	}
	if (optind != argc || g.contracts > g.applications) {
		fprintf(stderr, "tremplin gen steering: usage: tremplin gen steering [--contracts N] [--employers N] "
		                "[--applications N] [--seed S] (contracts <= applications)\n");
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	err = steer_generate(&ctx, &g);
	if (err != TR_OK)
		print_errors(&ctx, err);
	else
		printf("pilotage : %lld structures, %lld contrats, jusqu'à %lld candidatures ajoutées\n",
		    (long long)g.employers, (long long)g.contracts, (long long)g.applications);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : 1;
}

/* The subsidies' commands act with national reach, journaled as "ligne de commande". */
static const struct actor subsidies_cli = { .person_id = 0,
	.email = "ligne de commande",
	.name = "ligne de commande",
	.roles = { { .role = ROLE_ADMIN } },
	.nroles = 1,
	.role_mask = ROLE_BIT(ROLE_ADMIN) };

static int
cmd_gen_contracts(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conventions", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	long long count = 0, conventions = -1, requests = 0, seed = 1;
	struct sub_gen_stats st;
	struct sub_gen g;
	struct db *db;
	struct ctx ctx;
	int64_t t0;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (!((c == 'c' && str_to_i64(str_c(optarg), &conventions) && conventions >= 0 &&
		          conventions <= 10000000) ||
		        (c == 'r' && str_to_i64(str_c(optarg), &requests) && requests >= 0 && requests <= 10000000) ||
		        (c == 's' && str_to_i64(str_c(optarg), &seed) && seed > 0)))
			return EXIT_USAGE;
	}
	if (optind != argc - 1 || !str_to_i64(str_c(argv[optind]), &count) || count < 0 || count > 10000000) {
		fprintf(stderr,
		    "tremplin gen contracts: usage: tremplin gen contracts N [--conventions M] [--requests R] "
		    "[--seed S]\n");
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	ctx.actor = &subsidies_cli;
	g = (struct sub_gen){ .contracts = count,
		.conventions = conventions >= 0 ? conventions : count * 2 / 5,
		.requests = requests,
		.seed = (uint64_t)seed };
	t0 = clock_mono_ms();
	err = sub_generate(&ctx, &g, &st);
	if (err != TR_OK)
		print_errors(&ctx, err);
	else
		printf("aides : %lld employeurs ; %lld contrats d'emploi d'avenir (%lld avec une période, %lld finis "
		       "avant "
		       "terme) ; %lld conventions, %lld postes (%lld pourvus, dont %lld rendus) ; %lld demandes "
		       "approuvées ; "
		       "%lld lignes d'échéancier en cours, %s ; en %lld ms\n",
		    (long long)st.employers, (long long)st.contracts, (long long)st.periods, (long long)st.ended,
		    (long long)st.conventions, (long long)st.posts, (long long)st.filled, (long long)st.returned,
		    (long long)st.requests, (long long)st.lines, sched_euros(ctx.arena, st.total_cents),
		    (long long)(clock_mono_ms() - t0));
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : 1;
}

static int
cmd_aid_recompute(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	bool persist = true;
	struct sub_gen_stats st;
	struct db *db;
	struct ctx ctx;
	int64_t t0, us;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return EXIT_USAGE;
		persist = false;
	}
	if (optind != argc)
		return no_arguments("aid recompute", argc - optind + 1, argv + optind - 1);
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	ctx.actor = &subsidies_cli;
	t0 = clock_mono_us();
	err = sub_recompute_all(&ctx, persist, &st);
	us = clock_mono_us() - t0;
	if (err != TR_OK)
		print_errors(&ctx, err);
	else
		printf(
		    "échéanciers %s : %lld (%lld décisions d'aide horaire, %lld postes) ; %lld lignes, %s ; en %.1f ms "
		    "(%.1f µs par échéancier)\n",
		    persist ? "recalculés" : "calculés sans rien écrire", (long long)(st.contracts + st.posts),
		    (long long)st.contracts, (long long)st.posts, (long long)st.lines,
		    sched_euros(ctx.arena, st.total_cents), (double)us / 1000.0,
		    st.contracts + st.posts ? (double)us / (double)(st.contracts + st.posts) : 0.0);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : 1;
}

/* tremplin report annual: the command line acts with national reach, journaled as "ligne de commande". */
static int
cmd_report_annual(struct config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "programme", required_argument, NULL, 'p' },
		{ "year", required_argument, NULL, 'y' },
		{ "region", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct actor cli = { .person_id = 0,
		.email = "ligne de commande",
		.name = "ligne de commande",
		.roles = { { .role = ROLE_ADMIN } },
		.nroles = 1,
		.role_mask = ROLE_BIT(ROLE_ADMIN) };
	const char *output = NULL, *region = NULL;
	long long programme = 0, year = 0;
	struct buf pdf = BUF_INIT(0);
	json_t *meta = NULL;
	int64_t id = 0;
	struct db *db;
	struct ctx ctx;
	FILE *f;
	int c;
	tr_err err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p' && str_to_i64(str_c(optarg), &programme))
			continue;
		if (c == 'y' && str_to_i64(str_c(optarg), &year))
			continue;
		if (c == 'r')
			region = optarg;
		else if (c == 'o')
			output = strcmp(optarg, "-") == 0 ? NULL : optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc || programme <= 0 || year <= 0) {
		fprintf(stderr,
		    "tremplin report annual: usage: tremplin report annual --programme ID --year Y [--region "
		    "CODE] [--output FILE]\n");
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	ctx.actor = &cli;
	err = annual_report_generate(&ctx, programme, year, region, &id);
	if (err == TR_OK)
		err = annual_report_get(&ctx, id, &meta, &pdf);
	if (err != TR_OK) {
		print_errors(&ctx, err);
		buf_free(&pdf);
		arena_free(ctx.arena);
		db_close(db);
		return 1;
	}
	fprintf(stderr, "bilan n° %lld, %zu octets, SHA-256 %s\n", (long long)id, pdf.n,
	    json_string_value(json_object_get(meta, "sha256")));
	json_decref(meta);
	if ((f = open_output("report annual", output)) == NULL) {
		buf_free(&pdf);
		arena_free(ctx.arena);
		db_close(db);
		return 1;
	}
	c = fwrite(pdf.p, 1, pdf.n, f) == pdf.n ? 0 : 1;
	buf_free(&pdf);
	arena_free(ctx.arena);
	db_close(db);
	return close_output(f, c);
}

static int
cmd_places_geocode(struct config *cfg, int argc, char **argv)
{
	struct place_geocode_report rep;
	long long limit = 0;
	struct db *db;
	struct ctx ctx;
	tr_err err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc && str_to_i64(str_c(argv[i + 1]), &limit) &&
		    limit > 0) {
			i++;
			continue;
		}
		fprintf(stderr, "tremplin places geocode: usage: tremplin places geocode [--limit N] (N > 0), not %s\n",
		    argv[i]);
		return EXIT_USAGE;
	}
	if (cfg->geocoder_url[0] == '\0') {
		fprintf(stderr, "tremplin places geocode: no geocoder configured (set [geocoder] url)\n");
		return EXIT_USAGE;
	}
	if ((db = open_migrated(cfg)) == NULL)
		return 1;
	ctx_init(&ctx, cfg, db);
	err = place_geocode(&ctx, limit, &rep);
	printf("géocodage : %lld lieux envoyés, %lld localisés, %lld inchangés, %lld modifiés entre-temps\n",
	    (long long)rep.sent, (long long)rep.located, (long long)rep.kept, (long long)rep.skipped);
	if (err != TR_OK)
		print_errors(&ctx, err);
	arena_free(ctx.arena);
	db_close(db);
	return err == TR_OK ? 0 : 1;
}

static int
cmd_backup(struct config *cfg, int argc, char **argv)
{
	char why[512];
	tr_err err;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "tremplin backup: usage: tremplin backup FILE\n");
		return EXIT_USAGE;
	}
	err = db_backup(cfg->database, argv[1], why, sizeof(why));
	if (err != TR_OK) {
		fprintf(stderr, "tremplin backup: %s\n", why);
		return err == TR_INVALID ? EXIT_USAGE : 1;
	}
	printf("backup: %s written and checked\n", argv[1]);
	return 0;
}

static int
cmd_restore(struct config *cfg, int argc, char **argv)
{
	char why[512];
	int64_t version = 0;
	tr_err err;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "tremplin restore: usage: tremplin restore FILE\n");
		return EXIT_USAGE;
	}
	err = db_restore(cfg->database, argv[1], &version, why, sizeof(why));
	if (err != TR_OK) {
		fprintf(stderr, "tremplin restore: %s\n", why);
		return err == TR_INVALID || err == TR_CONFLICT ? EXIT_USAGE : 1;
	}
	printf("restore: %s loaded, schema version %lld\n", argv[1], (long long)version);
	return 0;
}

static int
cmd_check_config(struct config *cfg, int argc, char **argv)
{
	char why[256];

	if (no_arguments("check-config", argc, argv) != 0)
		return EXIT_USAGE;
	if (config_check(cfg, why, sizeof(why)) != TR_OK) {
		fprintf(stderr, "tremplin: configuration: %s\n", why);
		return EXIT_USAGE;
	}
	printf("configuration ok: listen %s, database %s, base_url %s, static_dir %s, smtp %s\n", cfg->listen,
	    strncmp(cfg->database, "sqlite:", 7) == 0 ? cfg->database : "postgresql://…", cfg->base_url,
	    cfg->static_dir, cfg->smtp_url[0] ? cfg->smtp_url : "(none: messages stay in the outbox)");
	return 0;
}

/* The route table as JSON, one object a route (method, pattern, roles, flags, access, object), for the
 * authorization matrix test; exits 1 naming the first row that declares no access class. */
static int
cmd_routes(struct config *cfg, int argc, char **argv)
{
	json_t *all = json_array();
	char why[256];
	char *text;
	size_t bad = router_check(app_routes, app_routes_count, why, sizeof(why));

	(void)cfg;
	if (argc > 1 && strcmp(argv[1], "--json") != 0)
		return no_arguments("routes", argc, argv);
	for (size_t i = 0; i < app_routes_count; i++) {
		const struct route *r = &app_routes[i];
		json_t *roles = json_array();
		if (r->roles == ROLES_SIGNED_IN)
			json_array_append_new(roles, json_string("*"));
		else
			for (int k = ROLE_ADMIN; k < ROLE_COUNT_; k++)
				if (r->roles & ROLE_BIT(k))
					json_array_append_new(roles, json_string(role_code((enum role)k)));
		json_array_append_new(
		    all, json_pack("{s:s, s:s, s:o, s:b, s:b, s:b, s:s?, s:s?}", "method", r->method, "pattern",
		             r->pattern, "roles", roles, "api", (r->flags & ROUTE_API) != 0, "changes",
		             (r->flags & ROUTE_CHANGES) != 0, "upload", (r->flags & ROUTE_UPLOAD) != 0, "access",
		             router_access_code(r->access), "object", r->object));
	}
	text = json_dumps(all, JSON_INDENT(1));
	json_decref(all);
	if (text == NULL)
		return 1;
	puts(text);
	free(text);
	if (bad != app_routes_count) {
		fprintf(stderr, "tremplin routes: %s\n", why);
		return 1;
	}
	return 0;
}

static const struct command commands[] = {
	{ "serve", "tremplin serve [options]", "Applies the migrations and serves the platform until SIGTERM.",
	    cmd_serve },
	{ "migrate", "tremplin migrate [options]", "Applies the migrations not applied yet (safe to run twice).",
	    cmd_migrate },
	{ "seed", "tremplin seed [--demo] [options]",
	    "Loads the reference data (regions, départements, communes); with --demo, the demo organisations and "
	    "accounts.",
	    cmd_seed },
	{ "user add",
	    "tremplin user add EMAIL --role ROLE [--org ID] [--region CODE] [--name NAME] --password-stdin [options]",
	    "Creates an account with a role (admin, national, regional, pole, employer, prescriber, trainer, "
	    "candidate, sponsor, "
	    "viewer, payer).\nWithout --password-stdin an invitation link is sent by email.",
	    cmd_user_add },
	{ "token create", "tremplin token create EMAIL [NAME] [options]", "Prints a new API token for that account.",
	    cmd_token_create },
	{ "journal verify", "tremplin journal verify [--against FILE] [options]",
	    "Checks the hash chain of the journal; exits 1 naming the first altered or missing entry. With\n"
	    "--against, also that the entry a published head (/journal/YYYY-MM-DD.txt) names still has its hash.",
	    cmd_journal_verify },
	{ "activity verify", "tremplin activity verify [options]",
	    "Recomputes the rollups of the activity reports from the raw reports and compares; exits 1 on any "
	    "difference.",
	    cmd_activity_verify },
	{ "jobs run", "tremplin jobs run [--now YYYY-MM-DD[THH:MM]] [options]",
	    "Runs every scheduled job now, or as if it were the given moment (expired applications, follow-up\n"
	    "reminders, accounts never confirmed); the server runs them by itself when they are due.",
	    cmd_jobs_run },
	{ "places import", "tremplin places import FILE [--skip-invalid] [options]",
	    "Imports places from a CSV or JSON file in the national standard (upsert by id, one transaction).\n"
	    "One invalid row imports nothing, unless --skip-invalid: then the valid rows are imported.",
	    cmd_places_import },
	{ "places geocode", "tremplin places geocode [--limit N] [options]",
	    "Sends the places whose coordinates are approximate (or missing) to the address geocoder\n"
	    "([geocoder] url, the CSV endpoint of api-adresse.data.gouv.fr) and keeps the coordinates it finds\n"
	    "with a score of at least [geocoder] min_score percent (default 60). At most N places with --limit.",
	    cmd_places_geocode },
	{ "places export", "tremplin places export --format csv|json|geojson [--output FILE] [options]",
	    "Writes every place in the standard's columns (standard output without --output).", cmd_places_export },
	{ "gen places", "tremplin gen places N [--output FILE] [--seed S] [options]",
	    "Writes N synthetic places in the standard (CSV), on the communes of the reference data (seed first).",
	    cmd_gen_places },
	{ "gen activity", "tremplin gen activity N [--output FILE] [--seed S] [--advisers A] [--days D] [options]",
	    "Makes N realistic activity reports of A advisers (default 4,000, four to a structure, on the most\n"
	    "populated communes) over the last D days (default three years): stored through the bulk API's path\n"
	    "(rollups included), or written as NDJSON lines for POST /api/v1/activity/batches with --output.",
	    cmd_gen_activity },
	{ "backup", "tremplin backup FILE [options]",
	    "Writes a consistent copy of the database into FILE (which must not exist) while the servers run.\n"
	    "SQLite: the online backup API, then PRAGMA integrity_check on the copy. PostgreSQL: pg_dump\n"
	    "--format=custom --no-owner --no-privileges, then pg_restore --list checks the archive.",
	    cmd_backup },
	{ "restore", "tremplin restore FILE [options]",
	    "Loads a backup made by tremplin backup (same engine) into the database, which must be empty\n"
	    "(PostgreSQL: pg_restore --single-transaction --exit-on-error). Then run tremplin serve or migrate.",
	    cmd_restore },
	{ "routes", "tremplin routes [--json]",
	    "Prints the route table as JSON (method, pattern, roles, flags, access class, object kind); exits 1\n"
	    "naming the first route that declares no access class.",
	    cmd_routes },
	{ "report annual", "tremplin report annual --programme ID --year Y [--region CODE] [--output FILE] [options]",
	    "Generates the annual report of a programme for a year (national, or of one région), keeps it as a new\n"
	    "version with its SHA-256 in the journal, and writes the PDF (standard output without --output).",
	    cmd_report_annual },
	{ "gen steering",
	    "tremplin gen steering [--contracts N] [--employers N] [--applications N] [--seed S] [options]",
	    "Adds a national-size synthetic data set for the steering figures (default: 4,000 contracts, 3,000\n"
	    "employers, 50,000 applications) on the first programme; run `tremplin seed` first.",
	    cmd_gen_steering },
	{ "gen contracts", "tremplin gen contracts N [--conventions M] [--requests R] [--seed S] [options]",
	    "Adds a national-size synthetic data set for the subsidies: N Emplois d'avenir contracts with their\n"
	    "employers and hourly aid decisions (sectors at 75, 35 and 47 %), M Conseillers numériques conventions\n"
	    "(default 2N/5; every rule variant and bonus) with their posts, every schedule computed and stored, and R\n"
	    "approved payment requests waiting for a payment order (default 0); run `tremplin seed` first.",
	    cmd_gen_contracts },
	{ "aid recompute", "tremplin aid recompute [--dry-run] [options]",
	    "Recomputes the schedule of every aid decision and every filled post as a new version, in one\n"
	    "transaction (paid and requested lines kept, differences as adjustments, as for any change); with\n"
	    "--dry-run, computes them and writes nothing. Prints the count, the lines and the time taken.",
	    cmd_aid_recompute },
	{ "check-config", "tremplin check-config [options]", "Checks the configuration and prints it.",
	    cmd_check_config },
};

static void
usage(FILE *f)
{
	fprintf(f, "tremplin — the platform of the digital-mediation aided-jobs programmes\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n%s", common_options);
}

/* Removes the common options from ARGV into CFG; returns the new argc, or -1 after printing an error. */
static int
take_common_options(struct config *cfg, int argc, char **argv, bool *help)
{
	const char *config_file = NULL;
	char why[512];
	int out = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *key = strcmp(a, "--database") == 0 ? "database"
		                  : strcmp(a, "--listen") == 0 ? "listen"
		                                               : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = true;
		} else if (strcmp(a, "--config") == 0 || key != NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tremplin: option %s needs a value\n", a);
				return -1;
			}
			if (key == NULL) {
				config_file = argv[++i];
				continue;
			}
			i++;
		} else {
			argv[out++] = argv[i];
		}
	}
	if (config_file && config_load_file(cfg, config_file, why, sizeof(why)) != TR_OK) {
		fprintf(stderr, "tremplin: configuration: %s\n", why);
		return -1;
	}
	if (config_file) {
		/* Kept for a reload (SIGHUP), which reads the same file whatever the working directory then. */
		char *full = realpath(config_file, NULL);
		snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", full ? full : config_file);
		free(full);
	}
	if (config_from_env(cfg, why, sizeof(why)) != TR_OK) {
		fprintf(stderr, "tremplin: environment: %s\n", why);
		return -1;
	}
	return out;
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	char why[512];
	bool help = false;
	int n;

	setenv("TZ", "Europe/Paris", 0);
	tzset();
	config_defaults(&cfg);
	if (sec_init() != TR_OK) {
		fprintf(stderr, "tremplin: libsodium cannot be initialised\n");
		return 1;
	}
	if (totp_init() != TR_OK) {
		fprintf(stderr, "tremplin: liboath cannot be initialised\n");
		return 1;
	}
	place_schema_init(); /* the standard's patterns, compiled once */
	/* Command-line values are applied after the file and the environment: collect them first. */
	{
		const char *db = NULL, *listen = NULL;
		for (int i = 1; i + 1 < argc; i++) {
			if (strcmp(argv[i], "--database") == 0)
				db = argv[i + 1];
			else if (strcmp(argv[i], "--listen") == 0)
				listen = argv[i + 1];
		}
		if ((n = take_common_options(&cfg, argc - 1, argv + 1, &help)) < 0)
			return EXIT_USAGE;
		if ((db && config_set(&cfg, "database", db, why, sizeof(why)) != TR_OK) ||
		    (listen && config_set(&cfg, "listen", listen, why, sizeof(why)) != TR_OK)) {
			fprintf(stderr, "tremplin: %s\n", why);
			return EXIT_USAGE;
		}
	}
	argv++;
	if (n == 0) {
		usage(help ? stdout : stderr);
		return help ? 0 : EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];
		size_t words = strchr(c->name, ' ') ? 2 : 1;
		int consumed;
		if (words == 2 && n >= 2) {
			size_t len = (size_t)(strchr(c->name, ' ') - c->name);
			if (strncmp(argv[0], c->name, len) != 0 || argv[0][len] != '\0' ||
			    strcmp(argv[1], c->name + len + 1) != 0)
				continue;
		} else if (words == 1) {
			if (strcmp(argv[0], c->name) != 0)
				continue;
		} else {
			continue;
		}
		if (help) {
			printf("usage: %s\n\n%s\n\n%s", c->usage, c->help, common_options);
			return 0;
		}
		consumed = (int)words - 1;
		if (strcmp(c->name, "serve") != 0 && strcmp(c->name, "check-config") != 0)
			log_set_level(LOG_WARN);
		return c->run(&cfg, n - consumed, argv + consumed);
	}
	fprintf(stderr, "tremplin: unknown command \"%s\" (see tremplin --help)\n", argv[0]);
	return EXIT_USAGE;
}
