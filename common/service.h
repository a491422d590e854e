/*
 * A FastCGI service described as data: its name, database role, OpenAPI document, route table
 * and the few hooks where the two services differ. Also the routes every service shares
 * (GET /health, /openapi.yaml and /metrics) and the context every handler receives. No
 * FastCGI here (common/http.c runs the loop) and no SQL (the hooks run the services' own).
 */
#ifndef PANEL_SERVICE_H
#define PANEL_SERVICE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "db.h"
#include "err.h"

struct req;
struct resp;
struct route;

/*
 * What every handler finds at req->app. A service that needs more settings makes this the first
 * member of its own context (so req->app points at both) and gives its size in app_size.
 */
struct app {
	const struct service *service;
	struct db db;
	struct buf openapi; /* docs/<service->openapi>, read at start-up */
};

struct service {
	const char *name;           /* "project": logs, metrics, application_name project-fcgi */
	const char *db_role;        /* the role it logs in as (never the schema's owner) */
	const char *db_url_env;     /* the variable holding that login's URL */
	const char *openapi;        /* the document under docs/ that GET /openapi.yaml serves */
	const struct route *routes; /* the route table */
	size_t nroutes;
	size_t app_size; /* sizeof the service's context; 0 for a bare struct app */
	/* Reads the service's own settings into its context once at start-up; may be NULL. */
	void (*init)(struct app *app);
	/*
	 * The service's own facts for GET /health (a new reference in *details, or NULL), which
	 * also prove the database answers; NULL when a ping of the database is all there is.
	 */
	enum err (*health)(struct app *app, json_t **details);
	/* Appends the service's own series to GET /metrics; may be NULL. */
	enum err (*metrics)(struct app *app, struct buf *out);
};

/* The service a FastCGI program serves: each fcgi/<service>/routes.c defines it. */
extern const struct service panel_service;

/*
 * Makes the context of svc: logging named after it, its database settings (connected once, so
 * the first request does not pay for it; a failure is retried per request), its document and
 * its own settings. Exits with a log line on an invalid setting. Free with service_free().
 */
struct app *service_start(const struct service *svc);
void service_free(struct app *app);

/*
 * GET /health: 200 {"status": "ok", "database": "ok", ...the service's details} when the
 * database answers, else 503 {"status": "unavailable", "database": "down", "name", "message"}.
 */
enum err service_health(struct req *req, struct resp *resp);
/* GET /openapi.yaml: the service's document as application/yaml. */
enum err service_openapi(struct req *req, struct resp *resp);
/* GET /metrics: every pool's request counters, then the service's own series. */
enum err service_metrics(struct req *req, struct resp *resp);

#endif
