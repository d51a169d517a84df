/* The server's counters for GET /metrics: each thread counts into its own slot (allocated on its first count and
 * linked once into a list), so the hot path takes no lock and shares no cache line; a scrape sums the slots. A
 * slot's counters are written by its thread only (a relaxed load and store, no read-modify-write) and read by
 * the scraper with relaxed loads: a scrape sees each counter as it was at some recent moment. */
#ifndef TR_CORE_METRICS_H
#define TR_CORE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Plain counters of the process. */
enum metric_counter {
	METRIC_DB_STATEMENTS = 0, /* statements run by the database layer */
	METRIC_DB_MICROS,         /* their time, in microseconds */
	METRIC_OUTBOX_SENT,       /* messages the outbox handed to the SMTP server */
	METRIC_OUTBOX_FAILED,     /* attempts that failed (the message is retried, or given up) */
	METRIC_INDEX_BUILDS,      /* builds of the places search index */
	METRIC_RELOADS,           /* configurations read again (SIGHUP), applied or refused */
	METRIC_RELOAD_FAILURES,   /* of which refused (an unreadable or invalid file) */
	METRIC_COUNTERS
};

/* Values of the moment, written by one thread (the last write wins). */
enum metric_gauge {
	METRIC_INDEX_BUILD_MICROS = 0, /* the last build of the places search index */
	METRIC_INDEX_ENTRIES,          /* the places in the index now */
	METRIC_INDEX_BYTES,            /* the size of its ready-made entries */
	METRIC_GAUGES
};

/* The statuses counted one by one; any other counts as METRICS_STATUS_OTHER. */
#define METRICS_STATUSES 22
#define METRICS_STATUS_OTHER (METRICS_STATUSES - 1)
/* The upper bounds of the latency buckets, in microseconds (the last bucket, +Inf, is implied). */
#define METRICS_BUCKETS 12
extern const int64_t metrics_bucket_micros[METRICS_BUCKETS];
#define METRICS_JOBS_MAX 32

/* Sizes the per-thread request tables: NROUTES routes (a request no route matched counts as route NROUTES) and
 * NJOBS scheduled jobs (at most METRICS_JOBS_MAX). Called once before any thread counts; a later call is
 * ignored. */
void metrics_init(size_t nroutes, size_t njobs);

/* Adds N to counter C of the calling thread. */
void metrics_add(enum metric_counter c, uint64_t n);

/* Sets gauge G. */
void metrics_set(enum metric_gauge g, int64_t v);

/* One request answered: its route (see metrics_init), HTTP status and time from arrival to answer. */
void metrics_request(size_t route, int status, int64_t micros);

/* One run of scheduled job JOB (its index in the jobs table): whether it succeeded and how long it took. */
void metrics_job(size_t job, bool ok, int64_t micros);

/* The status counted at index I (0 for METRICS_STATUS_OTHER). */
int metrics_status_at(size_t i);

/* The sums over every thread's slot, filled by metrics_read. Arrays are sized by metrics_init; the caller
 * frees them with metrics_sum_free. */
struct metrics_sum {
	uint64_t counters[METRIC_COUNTERS];
	int64_t gauges[METRIC_GAUGES];
	size_t nroutes;     /* rows of the request tables: the routes, and the row of unmatched requests */
	uint64_t *requests; /* [route][status index]: nroutes * METRICS_STATUSES */
	uint64_t *buckets;  /* [route][bucket]: cumulative-free counts of each bucket, nroutes * (METRICS_BUCKETS+1) */
	uint64_t *micros;   /* [route]: the sum of the latencies */
	size_t njobs;
	uint64_t job_runs[METRICS_JOBS_MAX][2]; /* [job][0: failed, 1: succeeded] */
	uint64_t job_micros[METRICS_JOBS_MAX];
};

/* Sums every slot into OUT (allocated here). */
void metrics_read(struct metrics_sum *out);
void metrics_sum_free(struct metrics_sum *s);

#endif
