/* Starting the application: what web lends to http, then the server over the route table. */
#include "app/app.h"

#include "http/server.h"
#include "web/web.h"

int
app_serve(const struct config *cfg)
{
	web_start();
	return server_run(cfg, app_routes, app_routes_count);
}
