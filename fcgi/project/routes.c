/*
 * The project service as data: one route per endpoint of the contract (the dispatcher,
 * common/route.c, enforces what each row promises before a handler runs), and what the common
 * worker (common/service.c, common/http.c) needs to know of it.
 */
#include "config.h"
#include "project.h"
#include "route.h"

#define LIST     "page,cursor"
#define WINDOW   "page,cursor,createdAfter,createdBefore"
#define FILTERS  "page,cursor,projectId,status,createdAfter,createdBefore"
#define BODY_OPT ROUTE_BODY_OPTIONAL
#define BODY_REQ ROUTE_BODY_REQUIRED

/* clang-format off */
static const struct route project_routes[] = {
	/* method pattern                             handler                   flags     params */
	{"GET",  "/health",                           service_health,           0,        NULL},
	{"GET",  "/openapi.yaml",                     service_openapi,          0,        NULL},
	{"GET",  "/metrics",                          service_metrics,          0,        NULL},
	{"GET",  "/projects",                         projects_list,            0,        LIST},
	{"GET",  "/projects/{project}",               projects_get,             0,        NULL},
	{"POST", "/projects/{project}/deployment",    deployments_create,       BODY_OPT, NULL},
	{"GET",  "/projects/{project}/deployments",   deployments_list_project, 0,        WINDOW},
	{"GET",  "/deployments",                      deployments_list,         0,        FILTERS},
	{"GET",  "/deployments/{deployment}",         deployments_get,          0,        NULL},
	{"POST", "/deployments/{deployment}/cancel",  deployments_cancel,       BODY_OPT, NULL},
	{"POST", "/deployment/webhook",               webhook_post,             BODY_REQ, NULL},
	{"GET",  "/users/{user}/stats",               stats_get,                0,        NULL},
};
/* clang-format on */

static void project_init(struct app *app)
{
	struct project_app *project = (struct project_app *)app;
	project->public_url_domain = config_str("PUBLIC_URL_DOMAIN", "example.app");
	/* An unknown mode stops the worker here, so a typo never serves with the wrong one. */
	project->webhook_auth = (enum webhook_auth)config_choice("WEBHOOK_AUTH", webhook_auth_names,
	                                                         3, WEBHOOK_AUTH_EITHER);
}

const struct service panel_service = {
    .name = "project",
    .db_role = "panel_project",
    .db_url_env = "PROJECT_DATABASE_URL",
    .openapi = "project-api.yaml",
    .routes = project_routes,
    .nroutes = sizeof(project_routes) / sizeof(project_routes[0]),
    .app_size = sizeof(struct project_app),
    .init = project_init,
};
