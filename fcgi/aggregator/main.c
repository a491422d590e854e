/*
 * The aggregator's FastCGI worker: configuration, then the accept loop. lighttpd spawns a pool
 * of these; each holds one database connection taken under the panel_aggregator role.
 */
#include "aggregator.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "routes.h"

int main(void)
{
	static struct aggregator_app app;

	log_init("aggregator");
	app.db.url = config_database_url();
	app.db.role = "panel_aggregator";
	app.db.app_name = "aggregator-fcgi";
	http_document_load(&app.openapi, "aggregator-api.yaml");

	/* Connect now so the first request does not pay for it; a failure is retried per request. */
	db_connect(&app.db);

	struct service svc = {"aggregator", aggregator_routes, aggregator_nroutes, &app};
	return http_serve(&svc);
}
