/* The aggregator's route table (routes.c). */
#ifndef AGGREGATOR_ROUTES_H
#define AGGREGATOR_ROUTES_H

#include <stddef.h>

#include "route.h"

extern const struct route aggregator_routes[];
extern const size_t aggregator_nroutes;

#endif
