/* Scheduled jobs, as a table: name, period, function. The server's worker runs those due; each run is
 * claimed in job_runs first, so that with several servers a job runs once. `tremplin jobs run --now T`
 * runs them all at a chosen moment (the injectable clock of the tests). */
#ifndef TR_DOMAIN_JOBS_H
#define TR_DOMAIN_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "store/db.h"

/* Runs the jobs whose time has come at NOW (all of them when FORCE), each in its own context and
 * transaction. Returns TR_OK, or the first failure (the other jobs still run). Writes one log line per job
 * that did something. */
TR_MUST_USE tr_err jobs_run(struct db *db, const struct config *cfg, int64_t now, bool force);

#endif
