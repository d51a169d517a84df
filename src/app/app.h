/* The application put together: the route table over the handlers of web and api, and the server that
 * serves it. The top of the layers: only src/main.c uses it. */
#ifndef TR_APP_APP_H
#define TR_APP_APP_H

#include <stddef.h>

#include "core/config.h"
#include "http/router.h"

/* Every route of the platform (routes.c), in matching order. */
extern const struct route app_routes[];
extern const size_t app_routes_count;

/* Sets up the HTML side (web_start) and serves app_routes until SIGTERM or SIGINT; the exit status of
 * server_run. */
int app_serve(const struct config *cfg);

#endif
