/* Backup and restore of the whole database (backup.h): SQLite's backup API, PostgreSQL's pg_dump and
 * pg_restore. */
#include "store/backup.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/db_int.h"
#include "store/migrate.h"

extern char **environ;

/* Runs ARGV (found on PATH) and waits for it; its standard output goes into OUT when not NULL (else it is
 * inherited, as is standard error). TR_UNAVAILABLE when the program cannot be started, TR_INTERNAL when it
 * exits with a failure. */
static tr_err
backup_run(char *const argv[], struct buf *out, char *errbuf, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status = 0, rc;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (out != NULL) {
		if (pipe(pipefd) != 0) {
			snprintf(errbuf, errlen, "%s: cannot make a pipe: %s", argv[0], strerror(errno));
			posix_spawn_file_actions_destroy(&fa);
			return TR_INTERNAL;
		}
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
		posix_spawn_file_actions_addclose(&fa, pipefd[0]);
		posix_spawn_file_actions_addclose(&fa, pipefd[1]);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (out != NULL)
		close(pipefd[1]);
	if (rc != 0) {
		snprintf(
		    errbuf, errlen, "%s: cannot run it (%s; is postgresql-client installed?)", argv[0], strerror(rc));
		if (out != NULL)
			close(pipefd[0]);
		return TR_UNAVAILABLE;
	}
	if (out != NULL) {
		char chunk[8192];
		ssize_t n;
		while ((n = read(pipefd[0], chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0 && buf_append(out, chunk, (size_t)n) != TR_OK)
				tr_oom("pg_restore --list");
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(errbuf, errlen, "%s: cannot wait for it: %s", argv[0], strerror(errno));
			return TR_INTERNAL;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(errbuf, errlen, "%s failed (exit status %d)", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return TR_INTERNAL;
	}
	return TR_OK;
}

/* The number of tables of the database (SQLite: the whole file; PostgreSQL: the schema public). */
static tr_err
backup_tables(struct db *db, int64_t *n)
{
	struct arena *a = arena_new();
	struct db_rows *r;
	tr_err err = db_query(db, a,
	    db_engine(db) == DB_POSTGRES ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"
	                                 : "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
	    NULL, 0, &r);

	*n = err == TR_OK && r->nrows == 1 ? db_int(db_cell(r, 0, 0)) : 0;
	arena_free(a);
	return err;
}

static tr_err
backup_pg(const char *url, const char *file, char *errbuf, size_t errlen)
{
	struct buf list = BUF_INIT(0);
	char *dump_file = NULL, *dump_db = NULL;
	tr_err err;

	if (asprintf(&dump_file, "--file=%s", file) < 0 || asprintf(&dump_db, "--dbname=%s", url) < 0)
		tr_oom("pg_dump");
	{
		char *dump[] = { "pg_dump", "--format=custom", "--no-owner", "--no-privileges", dump_file, dump_db,
			NULL };
		char *check[] = { "pg_restore", "--list", (char *)file, NULL };
		err = backup_run(dump, NULL, errbuf, errlen);
		if (err == TR_OK)
			err = backup_run(check, &list, errbuf, errlen);
		if (err == TR_OK && strstr(buf_str(&list).p, "TABLE DATA public schema_migrations") == NULL) {
			snprintf(errbuf, errlen,
			    "%s: the archive holds no data of schema_migrations (not a tremplin database?)", file);
			err = TR_INTERNAL;
		}
	}
	buf_free(&list);
	free(dump_file);
	free(dump_db);
	return err;
}

static tr_err
backup_sqlite(const char *url, const char *file, char *errbuf, size_t errlen)
{
	struct db *db = NULL;
	struct stat st;
	tr_err err;

	/* db_open would make an empty database where a path is mistyped. */
	if (stat(url + 7, &st) != 0) {
		snprintf(errbuf, errlen, "%s: no database there", url + 7);
		return TR_INVALID;
	}
	if ((err = db_open(url, &db, errbuf, errlen)) != TR_OK)
		return err;
	err = db_sqlite_copy(db, file, true, errbuf, errlen);
	db_close(db);
	return err;
}

tr_err
db_backup(const char *url, const char *file, char *errbuf, size_t errlen)
{
	struct stat st;
	bool pg = strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
	tr_err err;

	if (stat(file, &st) == 0) {
		snprintf(errbuf, errlen, "%s exists already: a backup never overwrites a file", file);
		return TR_INVALID;
	}
	if (!pg && strncmp(url, "sqlite:", 7) != 0) {
		snprintf(errbuf, errlen, "unknown database URL scheme (expected sqlite:PATH or postgresql://...)");
		return TR_INVALID;
	}
	err = pg ? backup_pg(url, file, errbuf, errlen) : backup_sqlite(url, file, errbuf, errlen);
	if (err != TR_OK) {
		unlink(file);
		if (!pg) {
			char side[4096];
			snprintf(side, sizeof(side), "%s-wal", file);
			unlink(side);
			snprintf(side, sizeof(side), "%s-shm", file);
			unlink(side);
		}
	}
	return err;
}

tr_err
db_restore(const char *url, const char *file, int64_t *version, char *errbuf, size_t errlen)
{
	struct db *db = NULL;
	int64_t tables = 0;
	tr_err err;

	*version = 0;
	if (access(file, R_OK) != 0) {
		snprintf(errbuf, errlen, "%s: cannot read it", file);
		return TR_INVALID;
	}
	if ((err = db_open(url, &db, errbuf, errlen)) != TR_OK)
		return err;
	if ((err = backup_tables(db, &tables)) != TR_OK) {
		snprintf(errbuf, errlen, "%s", db_errmsg(db));
		goto out;
	}
	if (tables > 0) {
		snprintf(errbuf, errlen, "the database holds %lld table(s): a restore goes into an empty database only",
		    (long long)tables);
		err = TR_CONFLICT;
		goto out;
	}
	if (db_engine(db) == DB_POSTGRES) {
		char *restore_db = NULL;
		if (asprintf(&restore_db, "--dbname=%s", url) < 0)
			tr_oom("pg_restore");
		char *argv[] = { "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
			"--single-transaction", restore_db, (char *)file, NULL };
		err = backup_run(argv, NULL, errbuf, errlen);
		free(restore_db);
	} else {
		err = db_sqlite_copy(db, file, false, errbuf, errlen);
	}
	if (err == TR_OK && (err = db_schema_version(db, version)) != TR_OK)
		snprintf(errbuf, errlen, "%s", db_errmsg(db));
	if (err == TR_OK && *version == 0) {
		snprintf(
		    errbuf, errlen, "%s: no schema_migrations in the restored database (not a tremplin backup?)", file);
		err = TR_INVALID;
	}
out:
	db_close(db);
	return err;
}
