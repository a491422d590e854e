/*
 * The aggregator's routes: one row per endpoint of the contract. The dispatcher
 * (common/route.c) enforces what each row promises before a handler runs.
 */
#include "aggregator.h"
#include "routes.h"

const struct route aggregator_routes[] = {
	/* method  pattern                  handler        flags  query parameters */
	{"GET",   "/health",               health_get,    0,     NULL},
	{"GET",   "/openapi.yaml",         openapi_get,   0,     NULL},
};

const size_t aggregator_nroutes = sizeof(aggregator_routes) / sizeof(aggregator_routes[0]);
