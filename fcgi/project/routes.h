/* The project service's route table (routes.c). */
#ifndef PROJECT_ROUTES_H
#define PROJECT_ROUTES_H

#include <stddef.h>

#include "route.h"

extern const struct route project_routes[];
extern const size_t project_nroutes;

#endif
