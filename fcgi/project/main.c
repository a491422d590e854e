/*
 * The project service's FastCGI worker: configuration, then the accept loop. lighttpd spawns a
 * pool of these; each holds one database connection taken under the panel_project role.
 */
#include <stdio.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "project.h"
#include "routes.h"

int main(void)
{
	static struct project_app app;
	char path[4096];

	log_init("project");
	app.db.url = config_database_url();
	app.db.role = "panel_project";
	app.db.app_name = "project-fcgi";
	app.public_url_domain = config_str("PUBLIC_URL_DOMAIN", "example.app");
	app.openapi = (struct buf)BUF_INIT(4 * 1024 * 1024);
	snprintf(path, sizeof(path), "%s/docs/project-api.yaml", config_str("PANEL_ROOT", "."));
	if (buf_read_file(&app.openapi, path))
		log_warn("cannot read %s; /openapi.yaml will be empty", path);

	/* Connect now so the first request does not pay for it; a failure is retried per request. */
	db_connect(&app.db);

	struct service svc = {"project", project_routes, project_nroutes, &app};
	return http_serve(&svc);
}
