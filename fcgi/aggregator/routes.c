/*
 * The aggregator as data: one route per endpoint of the contract (the dispatcher,
 * common/route.c, enforces what each row promises before a handler runs), and what the common
 * worker (common/service.c, common/http.c) needs to know of it.
 */
#include "aggregator.h"
#include "route.h"

#define EVENT_LIST_PARAMS "page,cursor,name,projectId,createdAfter,createdBefore"
#define ACTIVITY_PARAMS   "page,cursor,createdAfter,createdBefore"

/* One aligned row per endpoint reads as a table. */
/* clang-format off */
static const struct route aggregator_routes[] = {
	/* method  pattern                         handler        flags                query parameters */
	{"GET",   "/health",                      service_health,  0,                 NULL},
	{"GET",   "/openapi.yaml",                service_openapi, 0,                 NULL},
	{"GET",   "/metrics",                     service_metrics, 0,                 NULL},
	{"POST",  "/events",                      events_create, ROUTE_BODY_REQUIRED, NULL},
	{"GET",   "/events",                      events_list,   0,                   EVENT_LIST_PARAMS},
	{"GET",   "/events/{event}",              events_get,    0,                   NULL},
	{"GET",   "/projects/{project}/activity", activity_list, 0,                   ACTIVITY_PARAMS},
};
/* clang-format on */

const struct service panel_service = {
    .name = "aggregator",
    .db_role = "panel_aggregator",
    .db_url_env = "AGGREGATOR_DATABASE_URL",
    .openapi = "aggregator-api.yaml",
    .routes = aggregator_routes,
    .nroutes = sizeof(aggregator_routes) / sizeof(aggregator_routes[0]),
    .health = aggregator_health,
    .metrics = aggregator_metrics,
};
