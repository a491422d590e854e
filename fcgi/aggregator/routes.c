/*
 * The aggregator's routes: one row per endpoint of the contract. The dispatcher
 * (common/route.c) enforces what each row promises before a handler runs.
 */
#include "aggregator.h"
#include "routes.h"

#define EVENT_LIST_PARAMS "page,cursor,name,projectId,createdAfter,createdBefore"
#define ACTIVITY_PARAMS   "page,cursor,createdAfter,createdBefore"

/* One aligned row per endpoint reads as a table. */
/* clang-format off */
const struct route aggregator_routes[] = {
	/* method  pattern                         handler        flags                query parameters */
	{"GET",   "/health",                      health_get,    0,                   NULL},
	{"GET",   "/openapi.yaml",                openapi_get,   0,                   NULL},
	{"GET",   "/metrics",                     metrics_get,   0,                   NULL},
	{"POST",  "/events",                      events_create, ROUTE_BODY_REQUIRED, NULL},
	{"GET",   "/events",                      events_list,   0,                   EVENT_LIST_PARAMS},
	{"GET",   "/events/{event}",              events_get,    0,                   NULL},
	{"GET",   "/projects/{project}/activity", activity_list, 0,                   ACTIVITY_PARAMS},
};
/* clang-format on */

const size_t aggregator_nroutes = sizeof(aggregator_routes) / sizeof(aggregator_routes[0]);
