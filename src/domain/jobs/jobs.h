/* The background work, as tables. The scheduled jobs (name, period, function): each run is claimed in
 * job_runs first, so that with several servers a job runs once; `tremplin jobs run --now T` runs them all at
 * a chosen moment (the injectable clock of the tests). Around them, the schedule of a running server (the
 * outbox, the jobs, the housekeeping, the webhooks' dispatch and deliveries, each with its period), which the
 * server's worker only drives by calling jobs_tick. */
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

/* The number of scheduled jobs, and the name of the I-th (NULL past the end): the labels of their metrics. */
size_t jobs_count(void);
const char *jobs_name(size_t i);

#define JOBS_TASKS_MAX 8

/* What the server's worker keeps between two ticks: when each task of the schedule last ran (zeroed at
 * start: everything is due at the first tick). */
struct jobs_clock {
	int64_t last[JOBS_TASKS_MAX];
};

/* Runs the tasks of the schedule due at NOW with DB — the outbox and the webhooks at every tick, the jobs above
 * every minute, the sessions' housekeeping every ten minutes — and notes in CLOCK when each ran. A failure is logged and
 * retried at the task's next period. Returns true when work is left waiting (a full batch of mail), so that
 * the caller ticks again at once instead of after its pause. */
bool jobs_tick(struct db *db, const struct config *cfg, int64_t now, struct jobs_clock *clock);

#endif
