/*
 * The project service's routes: one row per endpoint of the contract. The dispatcher
 * (common/route.c) enforces what each row promises before a handler runs.
 */
#include "project.h"
#include "route.h"

#include "routes.h"

#define LIST_PARAMS "page"

const struct route project_routes[] = {
	/* method  pattern                  handler        flags  query parameters */
	{"GET",   "/health",               health_get,    0,     NULL},
	{"GET",   "/openapi.yaml",         openapi_get,   0,     NULL},
	{"GET",   "/projects",             projects_list, 0,     LIST_PARAMS},
	{"GET",   "/projects/{project}",   projects_get,  0,     NULL},
};

const size_t project_nroutes = sizeof(project_routes) / sizeof(project_routes[0]);
