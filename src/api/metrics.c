/* GET /metrics: the server's counters in the Prometheus text format (version 0.0.4), for the addresses of
 * [metrics] allow only; any other client gets the 404 of a page that does not exist. The client's address is the
 * one the throttling uses (the peer, or X-Forwarded-For from a trusted proxy only, config_client_address), so a
 * client cannot name itself an allowed address. */
#include "api/api.h"

#include <stdarg.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/metrics.h"
#include "domain/accounts/session.h"
#include "domain/jobs/jobs.h"
#include "domain/kernel/outbox.h"
#include "http/router.h"
#include "http/server.h"
#include "store/db.h"

struct out {
	struct buf *b;
	tr_err err; /* the first failure (the body's cap): the answer is then a 503 */
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	tr_err err;

	va_start(ap, fmt);
	err = buf_vprintf(o->b, fmt, ap);
	va_end(ap);
	if (o->err == TR_OK)
		o->err = err;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* S as a label value: backslash, quote and line feed escaped. */
static const char *
label(struct arena *a, const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out = arena_alloc(a, 2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"' || s[i] == '\n')
			out[k++] = '\\';
		out[k++] = s[i] == '\n' ? 'n' : s[i];
	}
	out[k] = '\0';
	return out;
}

/* {method="GET",route="/x/{id}"} of row I of the request tables (the last row: requests no route matched). */
static const char *
route_labels(struct request *req, size_t i)
{
	if (i >= req->nroutes)
		return "method=\"\",route=\"(none)\"";
	return arena_printf(req->arena, "method=\"%s\",route=\"%s\"", label(req->arena, req->routes[i].method),
	    label(req->arena, req->routes[i].pattern));
}

static void
requests(struct request *req, struct out *o, const struct metrics_sum *s)
{
	family(o, "tremplin_http_requests_total", "counter", "Requests answered, by route and HTTP status.");
	for (size_t i = 0; i < s->nroutes; i++)
		for (size_t k = 0; k < METRICS_STATUSES; k++) {
			uint64_t v = s->requests[i * METRICS_STATUSES + k];
			int status = metrics_status_at(k);
			if (v == 0)
				continue;
			if (status == 0)
				put(o, "tremplin_http_requests_total{%s,code=\"other\"} %llu\n", route_labels(req, i),
				    (unsigned long long)v);
			else
				put(o, "tremplin_http_requests_total{%s,code=\"%d\"} %llu\n", route_labels(req, i),
				    status, (unsigned long long)v);
		}
	family(o, "tremplin_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival to its answer, by route.");
	for (size_t i = 0; i < s->nroutes; i++) {
		const uint64_t *b = &s->buckets[i * (METRICS_BUCKETS + 1)];
		const char *l = route_labels(req, i);
		uint64_t total = 0;
		for (size_t k = 0; k <= METRICS_BUCKETS; k++)
			total += b[k];
		if (total == 0)
			continue;
		total = 0;
		for (size_t k = 0; k < METRICS_BUCKETS; k++) {
			total += b[k];
			put(o, "tremplin_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n", l,
			    (double)metrics_bucket_micros[k] / 1e6, (unsigned long long)total);
		}
		total += b[METRICS_BUCKETS];
		put(o, "tremplin_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", l,
		    (unsigned long long)total);
		put(o, "tremplin_http_request_duration_seconds_sum{%s} %.6f\n", l, (double)s->micros[i] / 1e6);
		put(o, "tremplin_http_request_duration_seconds_count{%s} %llu\n", l, (unsigned long long)total);
	}
}

static void
gauge(struct out *o, const char *name, const char *help, double v)
{
	family(o, name, "gauge", help);
	put(o, "%s %.15g\n", name, v);
}

static void
counter(struct out *o, const char *name, const char *help, double v)
{
	family(o, name, "counter", help);
	put(o, "%s %.15g\n", name, v);
}

static void
jobs(struct out *o, const struct metrics_sum *s)
{
	family(o, "tremplin_job_runs_total", "counter", "Runs of the scheduled jobs by this server, by result.");
	for (size_t j = 0; j < s->njobs; j++) {
		put(o, "tremplin_job_runs_total{job=\"%s\",result=\"ok\"} %llu\n", jobs_name(j),
		    (unsigned long long)s->job_runs[j][1]);
		put(o, "tremplin_job_runs_total{job=\"%s\",result=\"failed\"} %llu\n", jobs_name(j),
		    (unsigned long long)s->job_runs[j][0]);
	}
	family(o, "tremplin_job_duration_seconds", "summary", "Time the scheduled jobs' runs took on this server.");
	for (size_t j = 0; j < s->njobs; j++) {
		put(o, "tremplin_job_duration_seconds_sum{job=\"%s\"} %.6f\n", jobs_name(j),
		    (double)s->job_micros[j] / 1e6);
		put(o, "tremplin_job_duration_seconds_count{job=\"%s\"} %llu\n", jobs_name(j),
		    (unsigned long long)(s->job_runs[j][0] + s->job_runs[j][1]));
	}
}

/* The figures read from the database (shared by every server): the outbox's backlog, the sessions. Left out when
 * the database does not answer. */
static void
stored(struct request *req, struct out *o)
{
	int64_t pending, failed, sessions;

	if (req->ctx.db == NULL)
		return;
	if (outbox_counts(req->ctx.db, req->arena, &pending, &failed) == TR_OK) {
		gauge(o, "tremplin_outbox_pending", "Messages waiting to be sent (all servers).", (double)pending);
		gauge(o, "tremplin_outbox_failed", "Messages given up after every attempt (all servers).",
		    (double)failed);
	}
	if (session_count_active(req->ctx.db, req->arena, req->ctx.now, &sessions) == TR_OK)
		gauge(o, "tremplin_sessions_active", "Sessions not expired (all servers).", (double)sessions);
}

void
api_metrics(struct request *req)
{
	struct metrics_sum s;
	struct server_pool_state pool;
	struct out o = { &req->body, TR_OK };

	if (req->ctx.cfg == NULL || !config_address_in(req->ctx.cfg->metrics_allow, req->ctx.ip ? req->ctx.ip : "")) {
		resp_status(req, 404, NULL);
		return;
	}
	metrics_read(&s);
	server_pool_state(&pool);
	requests(req, &o, &s);
	gauge(&o, "tremplin_worker_queue_depth", "Requests waiting for a worker.", (double)pool.waiting);
	gauge(&o, "tremplin_worker_busy", "Requests being served by a worker.", (double)pool.running);
	gauge(&o, "tremplin_worker_queue_capacity", "Requests that may wait before the server answers 503.",
	    (double)pool.capacity);
	gauge(&o, "tremplin_workers", "Worker threads.", (double)pool.workers);
	counter(&o, "tremplin_db_statements_total", "SQL statements run.", (double)s.counters[METRIC_DB_STATEMENTS]);
	counter(&o, "tremplin_db_seconds_total", "Time spent in SQL statements.",
	    (double)s.counters[METRIC_DB_MICROS] / 1e6);
	counter(&o, "tremplin_outbox_sent_total", "Messages this server handed to the SMTP server.",
	    (double)s.counters[METRIC_OUTBOX_SENT]);
	counter(&o, "tremplin_outbox_send_failures_total",
	    "Attempts of this server that the SMTP server refused or missed.",
	    (double)s.counters[METRIC_OUTBOX_FAILED]);
	stored(req, &o);
	jobs(&o, &s);
	counter(&o, "tremplin_search_index_builds_total", "Builds of the places search index.",
	    (double)s.counters[METRIC_INDEX_BUILDS]);
	gauge(&o, "tremplin_search_index_build_seconds", "Time the last build of the places search index took.",
	    (double)s.gauges[METRIC_INDEX_BUILD_MICROS] / 1e6);
	gauge(
	    &o, "tremplin_search_index_places", "Places in the search index.", (double)s.gauges[METRIC_INDEX_ENTRIES]);
	gauge(
	    &o, "tremplin_search_index_bytes", "Memory the search index takes.", (double)s.gauges[METRIC_INDEX_BYTES]);
	counter(&o, "tremplin_config_reloads_total", "Configurations read again (SIGHUP).",
	    (double)s.counters[METRIC_RELOADS]);
	counter(&o, "tremplin_config_reload_failures_total", "Reloads refused (unreadable or invalid file).",
	    (double)s.counters[METRIC_RELOAD_FAILURES]);
	metrics_sum_free(&s);
	if (o.err != TR_OK) {
		buf_reset(&req->body);
		resp_status(req, 503, NULL);
		return;
	}
	req->status = 200;
	req->content_type_out = "text/plain; version=0.0.4; charset=utf-8";
}
