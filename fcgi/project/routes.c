/*
 * The project service's routes: one row per endpoint of the contract. The dispatcher
 * (common/route.c) enforces what each row promises before a handler runs.
 */
#include "project.h"
#include "route.h"

#include "routes.h"

#define LIST     "page,cursor"
#define WINDOW   "page,cursor,createdAfter,createdBefore"
#define FILTERS  "page,cursor,projectId,status,createdAfter,createdBefore"
#define BODY_OPT ROUTE_BODY_OPTIONAL
#define BODY_REQ ROUTE_BODY_REQUIRED

/* clang-format off */
const struct route project_routes[] = {
	/* method pattern                             handler                   flags     params */
	{"GET",  "/health",                           health_get,               0,        NULL},
	{"GET",  "/openapi.yaml",                     openapi_get,              0,        NULL},
	{"GET",  "/metrics",                          metrics_get,              0,        NULL},
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

const size_t project_nroutes = sizeof(project_routes) / sizeof(project_routes[0]);
