/* The scheduled jobs and their claims, and the schedule of the server's background work. */
#include "domain/candidates/candidate.h"
#include "domain/jobs/jobs.h"

#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "domain/accounts/session.h"
#include "domain/activity/activity.h"
#include "domain/kernel/ctx.h"
#include "domain/kernel/journal.h"
#include "domain/privacy/privacy.h"
#include "domain/privacy/retention.h"
#include "domain/kernel/outbox.h"
#include "domain/integrations/webhook.h"
#include "domain/news/news.h"
#include "domain/recruitment/application.h"
#include "domain/sso/oidc.h"
#include "domain/recruitment/contract.h"
#include "domain/subsidies/subsidy.h"
#include "domain/training/training_session.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OUTBOX_BATCH 50  /* messages sent per tick */
#define WEBHOOK_BATCH 20 /* events dispatched, and deliveries made, per tick */

struct job {
	const char *name;
	int64_t period; /* seconds between runs */
	tr_err (*run)(struct ctx *ctx, int64_t *count);
};

static const struct job jobs[] = {
	{ "applications_expire", 3600, application_expire },
	{ "contracts_followup_reminders", 6 * 3600, contract_followup_reminders },
	{ "sessions_cancel_under_minimum", 3600, training_sessions_cancel_under_minimum },
	{ "accounts_purge_unconfirmed", 6 * 3600, privacy_purge_unconfirmed },
	{ "posts_return_unfilled", 6 * 3600, posts_expire },
	{ "activity_reminders", 6 * 3600, activity_remind },
	/* Once a day in effect: the hourly runs after the first of a day find its head published already. */
	{ "journal_publish", 3600, journal_publish },
	/* Personal data kept no longer than the rules of domain/privacy/retention.c say. */
	{ "retention_apply", 3600, retention_apply },
	/* The network's weekly news digest: each subscriber at most once in NEWS_DIGEST_GAP. */
	{ "news_digest", 3600, news_digest_send },
};

size_t
jobs_count(void)
{
	return ARRAY_LEN(jobs);
}

const char *
jobs_name(size_t i)
{
	return i < ARRAY_LEN(jobs) ? jobs[i].name : NULL;
}

/* Takes the job for 10 minutes when it is due (or FORCE) and nobody holds it. */
static tr_err
claim(struct db *db, const struct job *j, int64_t now, bool force, bool *mine)
{
	int64_t changed = 0;
	tr_err err = db_execv(db,
	    "INSERT INTO job_runs (name, next_run_at, claimed_until) VALUES (?, ?, 0) ON CONFLICT (name) DO NOTHING",
	    NULL, DB_TEXT(j->name), DB_I64(now));

	if (err != TR_OK)
		return err;
	err = db_execv(db,
	    "UPDATE job_runs SET claimed_until = ? WHERE name = ? AND (next_run_at <= ? OR 1 = ?) AND claimed_until < "
	    "?",
	    &changed, DB_I64(now + 600), DB_TEXT(j->name), DB_I64(now), DB_BOOL(force), DB_I64(now));
	*mine = changed == 1;
	return err;
}

tr_err
jobs_run(struct db *db, const struct config *cfg, int64_t now, bool force)
{
	tr_err first = TR_OK;

	for (size_t i = 0; i < ARRAY_LEN(jobs); i++) {
		const struct job *j = &jobs[i];
		struct ctx ctx = { .db = db, .cfg = cfg, .now = now, .ip = "job" };
		int64_t count = 0, next = (now < clock_now() ? now : clock_now()) + j->period;
		bool mine = false;
		tr_err err = claim(db, j, now, force, &mine);

		if (err == TR_OK && mine) {
			int64_t started = clock_mono_us();
			ctx.arena = arena_new();
			err = j->run(&ctx, &count);
			metrics_job(i, err == TR_OK, clock_mono_us() - started);
			if (err != TR_OK)
				log_warn("job %s failed: %s", j->name, ctx.message ? ctx.message : db_errmsg(db));
			else if (count > 0)
				log_info("job %s: %lld done", j->name, (long long)count);
			arena_free(ctx.arena);
			/* Released whatever happened: a failure is retried at the next period, not in a loop. A run
			 * at another moment than the present (jobs run --now) never moves the server's own schedule:
			 * the period counts from the present at the latest, and a next run already planned later
			 * stays (a run dated in the past would otherwise make the job due again at once). */
			if (db_execv(db,
			        "UPDATE job_runs SET claimed_until = 0, next_run_at = CASE WHEN next_run_at > ? THEN "
			        "next_run_at ELSE ? END, last_run_at = ? WHERE name = ?",
			        NULL, DB_I64(next), DB_I64(next), DB_I64(now), DB_TEXT(j->name)) != TR_OK &&
			    err == TR_OK)
				err = TR_UNAVAILABLE;
		}
		if (err != TR_OK && first == TR_OK)
			first = err;
	}
	return first;
}

/* The tasks of the schedule; each returns true when work is left waiting. */
static bool
task_outbox(struct db *db, const struct config *cfg, int64_t now)
{
	int sent = 0;

	if (outbox_deliver(db, cfg, now, OUTBOX_BATCH, &sent) != TR_OK)
		log_warn("worker: outbox delivery interrupted: %s", db_errmsg(db));
	else if (sent > 0)
		log_info("worker: %d message(s) sent", sent);
	return sent == OUTBOX_BATCH;
}

/* The webhooks: the events queued since the last tick dispatched by scope, then the due deliveries sent. */
static bool
task_webhooks(struct db *db, const struct config *cfg, int64_t now)
{
	int dispatched = 0, sent = 0;

	if (webhook_dispatch(db, cfg, now, WEBHOOK_BATCH, &dispatched) != TR_OK)
		log_warn("worker: webhook dispatch interrupted: %s", db_errmsg(db));
	if (webhook_deliver(db, cfg, now, WEBHOOK_BATCH, &sent) != TR_OK)
		log_warn("worker: webhook delivery interrupted: %s", db_errmsg(db));
	else if (sent > 0)
		log_info("worker: %d webhook delivery(ies) made", sent);
	return dispatched == WEBHOOK_BATCH || sent == WEBHOOK_BATCH;
}

static bool
task_jobs(struct db *db, const struct config *cfg, int64_t now)
{
	if (jobs_run(db, cfg, now, false) != TR_OK)
		log_warn("worker: a scheduled job failed: %s", db_errmsg(db));
	return false;
}

static bool
task_housekeeping(struct db *db, const struct config *cfg, int64_t now)
{
	if (session_housekeeping(db, now) != TR_OK || oidc_housekeeping(db, now) != TR_OK)
		log_warn("worker: housekeeping failed: %s", db_errmsg(db));
	return false;
}

struct task {
	const char *name;
	int64_t period; /* seconds between two runs; 0: at every tick */
	bool (*run)(struct db *db, const struct config *cfg, int64_t now);
};

static const struct task schedule[] = {
	{ "outbox", 0, task_outbox },
	{ "jobs", 60, task_jobs },
	{ "housekeeping", 600, task_housekeeping },
	{ "webhooks", 0, task_webhooks },
};
_Static_assert(ARRAY_LEN(schedule) <= JOBS_TASKS_MAX, "struct jobs_clock has a slot per task");

bool
jobs_tick(struct db *db, const struct config *cfg, int64_t now, struct jobs_clock *clock)
{
	bool more = false;

	for (size_t i = 0; i < ARRAY_LEN(schedule); i++) {
		if (schedule[i].period > 0 && clock->last[i] != 0 && now - clock->last[i] < schedule[i].period)
			continue;
		if (schedule[i].run(db, cfg, now))
			more = true;
		clock->last[i] = now;
	}
	return more;
}
