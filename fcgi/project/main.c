/*
 * The project service's FastCGI worker: configuration, then the accept loop. lighttpd spawns a
 * pool of these; each holds one database connection taken under the panel_project role.
 */
#include "config.h"
#include "http.h"
#include "log.h"
#include "project.h"
#include "routes.h"

int main(void)
{
	static struct project_app app;

	log_init("project");
	app.db.url = config_database_url();
	app.db.role = "panel_project";
	app.db.app_name = "project-fcgi";
	app.public_url_domain = config_str("PUBLIC_URL_DOMAIN", "example.app");
	http_document_load(&app.openapi, "project-api.yaml");

	/* Connect now so the first request does not pay for it; a failure is retried per request. */
	db_connect(&app.db);

	struct service svc = {"project", project_routes, project_nroutes, &app};
	return http_serve(&svc);
}
