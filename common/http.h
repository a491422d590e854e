/*
 * The FastCGI side of a worker: the accept loop, the request built from the FastCGI params and
 * stdin, and the answer written back. The only module that includes fcgiapp.h, so everything
 * else (handlers, the dispatcher, tests) works on plain struct req and struct resp.
 */
#ifndef PANEL_HTTP_H
#define PANEL_HTTP_H

#include <stdbool.h>

#include "req.h"

struct app;
struct route;

/*
 * Fills req from a CGI/FastCGI environment (borrowed: req points into envp, which must outlive
 * it). Does not read the body. Never fails: absent variables become NULL or "".
 */
void http_req_from_env(struct req *req, const char *const *envp, struct arena *arena);

/*
 * The parameter name of the request's environment, or NULL (borrowed). Only names lighttpd
 * sets itself can be trusted: a client's headers arrive as HTTP_* and under no other name.
 */
const char *http_req_param(const struct req *req, const char *name);

/* True for 1 to 64 characters of A-Za-z0-9._- (the ids we accept from clients). */
bool http_request_id_valid(const char *id);

/* Writes a fresh random request id (32 hex characters) into out. */
void http_request_id_new(char out[REQ_ID_MAX + 1]);

/*
 * Runs the FastCGI accept loop of app's service on the socket lighttpd passed as fd 0 until it
 * closes or a SIGTERM arrives: each request is dispatched on the service's route table, made
 * conditional (etag.h), written and counted (metrics.h). Returns the process exit status.
 */
int http_serve(struct app *app);

/*
 * The same loop for a FastCGI authorizer (lighttpd's "mode" => "authorizer"), which has no
 * service context: routes[0]'s handler answers every request as it comes, with ctx as req->app,
 * without the dispatcher's checks, and its 200 is never made conditional (a 304 would go to the
 * client instead of letting the request on). name is for logs and metrics.
 */
int http_serve_authorizer(const char *name, const struct route *routes, void *ctx);

#endif
