/*
 * The aggregator service: its context, the rows its SQL returns, the JSON of its resources and
 * its handlers. Handlers live in one file per resource (events.c, activity.c, health.c); all
 * SQL lives in the db_*.c files. The drain worker (drain*.c) is a separate program.
 */
#ifndef AGGREGATOR_H
#define AGGREGATOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "err.h"

struct req;
struct resp;

struct aggregator_app {
	struct db db;
	struct buf openapi; /* docs/aggregator-api.yaml, read at start-up */
};

/* Handlers (see routes.c). */
enum err health_get(struct req *req, struct resp *resp);
enum err openapi_get(struct req *req, struct resp *resp);

/* Database (db_*.c). Results belong to the caller (db_result_free). */
/* Queue depth and the age of the oldest queued event in seconds (0 when empty). */
enum err db_queue_stats(struct db *db, int64_t *depth, double *oldest_age);

#endif
