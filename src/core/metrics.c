/* Per-thread counters, summed on read. */
#include "core/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

const int64_t metrics_bucket_micros[METRICS_BUCKETS] = { 1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000 };

static const int statuses[METRICS_STATUSES] = { 200, 201, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 413,
	414, 415, 422, 429, 431, 500, 503, 0 };

/* One thread's counters. Only that thread writes them. */
struct slot {
	struct slot *next;
	_Atomic uint64_t counters[METRIC_COUNTERS];
	_Atomic(_Atomic uint64_t *) requests; /* [route][status], then [route][bucket], then [route] micros; on the
	                                          thread's first request */
	_Atomic uint64_t job_runs[METRICS_JOBS_MAX][2];
	_Atomic uint64_t job_micros[METRICS_JOBS_MAX];
};

static struct {
	pthread_mutex_t lock; /* taken once per thread (its first count) and by readers */
	struct slot *head;
	size_t nroutes, njobs; /* set by metrics_init */
	bool ready;
	_Atomic int64_t gauges[METRIC_GAUGES];
} m = { .lock = PTHREAD_MUTEX_INITIALIZER };

static _Thread_local struct slot *mine;

void
metrics_init(size_t nroutes, size_t njobs)
{
	pthread_mutex_lock(&m.lock);
	if (!m.ready) {
		m.nroutes = nroutes + 1; /* the last row: no route matched */
		m.njobs = njobs < METRICS_JOBS_MAX ? njobs : METRICS_JOBS_MAX;
		m.ready = true;
	}
	pthread_mutex_unlock(&m.lock);
}

static struct slot *
slot(void)
{
	if (mine == NULL) {
		struct slot *s = calloc(1, sizeof(*s));
		if (s == NULL)
			tr_oom("metrics slot");
		pthread_mutex_lock(&m.lock);
		s->next = m.head;
		m.head = s;
		pthread_mutex_unlock(&m.lock);
		mine = s;
	}
	return mine;
}

/* Adds N to a counter only this thread writes: no read-modify-write needed. */
static inline void
bump(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

void
metrics_add(enum metric_counter c, uint64_t n)
{
	bump(&slot()->counters[c], n);
}

void
metrics_set(enum metric_gauge g, int64_t v)
{
	atomic_store_explicit(&m.gauges[g], v, memory_order_relaxed);
}

int
metrics_status_at(size_t i)
{
	return i < METRICS_STATUSES ? statuses[i] : 0;
}

static size_t
status_index(int status)
{
	for (size_t i = 0; i < METRICS_STATUS_OTHER; i++)
		if (statuses[i] == status)
			return i;
	return METRICS_STATUS_OTHER;
}

/* Cells of one slot's request table. */
static size_t
table_cells(size_t nroutes)
{
	return nroutes * (METRICS_STATUSES + METRICS_BUCKETS + 1 + 1);
}

void
metrics_request(size_t route, int status, int64_t micros)
{
	struct slot *s;
	_Atomic uint64_t *t;
	size_t n = m.nroutes, b = 0;

	if (!m.ready || n == 0)
		return;
	s = slot();
	t = atomic_load_explicit(&s->requests, memory_order_acquire);
	if (t == NULL) {
		t = calloc(table_cells(n), sizeof(*t));
		if (t == NULL)
			tr_oom("metrics table");
		atomic_store_explicit(&s->requests, t, memory_order_release);
	}
	if (route >= n)
		route = n - 1;
	if (micros < 0)
		micros = 0;
	while (b < METRICS_BUCKETS && micros > metrics_bucket_micros[b])
		b++;
	bump(&t[route * METRICS_STATUSES + status_index(status)], 1);
	bump(&t[n * METRICS_STATUSES + route * (METRICS_BUCKETS + 1) + b], 1);
	bump(&t[n * (METRICS_STATUSES + METRICS_BUCKETS + 1) + route], (uint64_t)micros);
}

void
metrics_job(size_t job, bool ok, int64_t micros)
{
	struct slot *s;

	if (job >= METRICS_JOBS_MAX)
		return;
	s = slot();
	bump(&s->job_runs[job][ok ? 1 : 0], 1);
	bump(&s->job_micros[job], micros > 0 ? (uint64_t)micros : 0);
}

static uint64_t
load(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void
metrics_read(struct metrics_sum *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&m.lock);
	n = out->nroutes = m.nroutes;
	out->njobs = m.njobs;
	out->requests = calloc(n * METRICS_STATUSES + 1, sizeof(uint64_t));
	out->buckets = calloc(n * (METRICS_BUCKETS + 1) + 1, sizeof(uint64_t));
	out->micros = calloc(n + 1, sizeof(uint64_t));
	if (out->requests == NULL || out->buckets == NULL || out->micros == NULL)
		tr_oom("metrics sums");
	for (struct slot *s = m.head; s != NULL; s = s->next) {
		_Atomic uint64_t *t = atomic_load_explicit(&s->requests, memory_order_acquire);
		for (size_t i = 0; i < METRIC_COUNTERS; i++)
			out->counters[i] += load(&s->counters[i]);
		for (size_t j = 0; j < METRICS_JOBS_MAX; j++) {
			out->job_runs[j][0] += load(&s->job_runs[j][0]);
			out->job_runs[j][1] += load(&s->job_runs[j][1]);
			out->job_micros[j] += load(&s->job_micros[j]);
		}
		if (t == NULL)
			continue;
		for (size_t i = 0; i < n * METRICS_STATUSES; i++)
			out->requests[i] += load(&t[i]);
		for (size_t i = 0; i < n * (METRICS_BUCKETS + 1); i++)
			out->buckets[i] += load(&t[n * METRICS_STATUSES + i]);
		for (size_t i = 0; i < n; i++)
			out->micros[i] += load(&t[n * (METRICS_STATUSES + METRICS_BUCKETS + 1) + i]);
	}
	pthread_mutex_unlock(&m.lock);
	for (size_t i = 0; i < METRIC_GAUGES; i++)
		out->gauges[i] = atomic_load_explicit(&m.gauges[i], memory_order_relaxed);
}

void
metrics_sum_free(struct metrics_sum *s)
{
	free(s->requests);
	free(s->buckets);
	free(s->micros);
	memset(s, 0, sizeof(*s));
}
