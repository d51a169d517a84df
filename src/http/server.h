/* The HTTP server: libh2o event loops on worker threads sharing the port, the route table, static files,
 * the outbox worker, and a clean stop on SIGTERM. */
#ifndef TR_HTTP_SERVER_H
#define TR_HTTP_SERVER_H

#include "core/config.h"

/* Serves until SIGTERM or SIGINT: stops accepting, finishes the requests in flight, closes the databases.
 * Returns the process exit status (0 after a clean stop, 1 when it could not start, with the reason
 * logged). */
int server_run(const struct config *cfg);

#endif
