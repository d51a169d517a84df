/* The HTTP server: libh2o event loops on worker threads sharing the port, the route table, static files,
 * the outbox worker, and a clean stop on SIGTERM. */
#ifndef TR_HTTP_SERVER_H
#define TR_HTTP_SERVER_H

#include <stddef.h>

#include "core/config.h"
#include "http/router.h"

/* Serves the route table ROUTES (NROUTES rows, matched in order; it must outlive the server) until SIGTERM
 * or SIGINT: stops accepting, finishes the requests in flight, closes the databases. Meanwhile a worker
 * thread drives jobs_tick (domain/jobs) once a second. Returns the process exit status (0 after a clean
 * stop, 1 when it could not start, with the reason logged). */
int server_run(const struct config *cfg, const struct route *routes, size_t nroutes);

/* The worker pool at this moment: requests waiting for a worker, being served, the queue's capacity and the
 * number of workers (for the metrics). */
struct server_pool_state {
	size_t waiting, running, capacity, workers;
};
void server_pool_state(struct server_pool_state *out);

#endif
