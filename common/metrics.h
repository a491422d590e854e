/*
 * Request counts and latency histograms per route and status, shared by every worker process
 * of a service through a file mapped MAP_SHARED in $PANEL_STATE_DIR/srv, and rendered in the
 * Prometheus text format. Counters only grow (atomic adds), so a worker that dies loses nothing
 * it counted, and any worker can answer /metrics for all of them.
 */
#ifndef PANEL_METRICS_H
#define PANEL_METRICS_H

#include <stddef.h>

struct buf;
struct route;

/*
 * Maps (creating if needed) the shared counters of service for its route table. Falls back to
 * counters of this process alone, with a warning, when the file cannot be used (a link where
 * it belongs is never followed).
 */
void metrics_open(const char *service, const struct route *routes, size_t nroutes);

/* Counts one answered request; route is its row in the table, or NULL when none matched. */
void metrics_observe(const struct route *route, int status, double seconds);

/*
 * Appends the counters of every service of this stack (each file in the shared directory) in
 * the Prometheus text exposition format (version 0.0.4).
 */
void metrics_render(struct buf *out);

/* The media type of that format. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Appends one gauge or counter with its HELP and TYPE lines (type: "gauge" or "counter"). */
void metrics_render_value(struct buf *out, const char *name, const char *type, const char *help,
                          double value);

#endif
