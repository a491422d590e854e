/*
 * Route tables and the dispatcher. A service's routes are data: one row per endpoint. The
 * dispatcher alone decides 404, 405 (with Allow), 400 for bad path ids and query strings,
 * 415 for bodies that are not JSON, and parses JSON bodies; handlers assume all that passed.
 */
#ifndef PANEL_ROUTE_H
#define PANEL_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct req;
struct resp;

typedef enum err (*route_handler)(struct req *req, struct resp *resp);

enum route_flags {
	ROUTE_BODY_OPTIONAL = 1 << 0, /* a body, when sent, must be a JSON object; req->json */
	ROUTE_BODY_REQUIRED = 1 << 1, /* the body must be a JSON object; req->json is set */
};

/*
 * One endpoint. pattern segments in braces are positive 64-bit ids, named for the error
 * message: "/projects/{project}/deployment" answers 400 "project id must be a positive integer"
 * for /projects/x/deployment. params lists the query parameters the route accepts,
 * comma-separated; any other is 400 (a typo in a filter must not silently match everything).
 */
struct route {
	const char *method;
	const char *pattern;
	route_handler handler;
	unsigned flags;
	const char *params;
};

/*
 * Finds the route for req, checks what the table promises and runs its handler. Always leaves a
 * complete answer in resp (an error answer included) and returns its outcome: an answer whose
 * body or headers did not fit (buf failed) becomes a 500, never a truncated one.
 */
enum err route_dispatch(const struct route *routes, size_t n, struct req *req, struct resp *resp);

/*
 * Matches path against pattern; on success stores the ids in order and returns 1. Returns 0
 * when the shape differs, and -1 when the shape matches but an id is not a positive 64-bit
 * integer; then *bad_name and *bad_name_len name the pattern's id (borrowed from pattern).
 */
int route_match(const char *pattern, const char *path, int64_t *ids, size_t max_ids,
                const char **bad_name, size_t *bad_name_len);

#endif
