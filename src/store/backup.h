/* Backups of the whole database, taken while the server runs, and their restore into an empty database.
 * SQLite: the online backup API, one snapshot, into a SQLite file. PostgreSQL: pg_dump's custom format (one
 * REPEATABLE READ transaction, hence one snapshot), checked with pg_restore --list; restored with pg_restore
 * in one transaction. */
#ifndef TR_STORE_BACKUP_H
#define TR_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Writes a consistent copy of the database at URL into FILE, which must not exist (a failed backup leaves no
 * FILE). PostgreSQL runs `pg_dump --format=custom --no-owner --no-privileges --file=FILE --dbname=URL`, then
 * `pg_restore --list FILE`, and requires the archive to hold the data of schema_migrations. SQLite copies the
 * pages (the database file must exist) and runs PRAGMA integrity_check on the copy. The reason of a failure
 * goes into ERRBUF: TR_INVALID (FILE exists, no SQLite database at URL), TR_UNAVAILABLE (the database or a tool
 * cannot be reached), TR_INTERNAL. */
TR_MUST_USE tr_err db_backup(const char *url, const char *file, char *errbuf, size_t errlen);

/* Loads the backup FILE (made by db_backup for the same engine) into the database at URL, which must hold no
 * table (TR_CONFLICT otherwise: nothing is written). PostgreSQL: `pg_restore --no-owner --no-privileges
 * --exit-on-error --single-transaction --dbname=URL FILE`. SQLite: the backup API from FILE. Then reads back
 * the schema version into *VERSION. */
TR_MUST_USE tr_err db_restore(const char *url, const char *file, int64_t *version, char *errbuf, size_t errlen);

#endif
