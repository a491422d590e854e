/*
 * The project service: its context, the rows its SQL returns, the JSON of its resources and
 * its handlers. Handlers live in one file per resource (projects.c, deployments.c, webhook.c,
 * stats.c, health.c); all SQL lives in the db_*.c files.
 */
#ifndef PROJECT_H
#define PROJECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "err.h"

struct req;
struct resp;

struct project_app {
	struct db db;
	const char *public_url_domain; /* PUBLIC_URL_DOMAIN */
	struct buf openapi;            /* docs/project-api.yaml, read at start-up */
};

/* A project as the API shows it; strings are borrowed from the database result. */
struct project_row {
	int64_t id;
	const char *name;
	const char *url; /* NULL until assigned */
	int64_t owner_id;
	const char *created_at;
	bool has_ongoing, has_live;
	int64_t latest_id; /* 0 when the project has no deployment */
	const char *latest_status;
	const char *latest_created_at;
};

/* New reference. */
json_t *project_to_json(const struct project_row *p);

/* Handlers (see routes.c). */
enum err health_get(struct req *req, struct resp *resp);
enum err openapi_get(struct req *req, struct resp *resp);
enum err projects_list(struct req *req, struct resp *resp);
enum err projects_get(struct req *req, struct resp *resp);

/* Database (db_projects.c). Results belong to the caller (db_result_free). */
enum err db_health(struct db *db);
/* One row per project of the page, each with the total in column 0; one row of NULLs but the
 * total when the page is past the end. */
enum err db_projects_page(struct db *db, int64_t offset, PGresult **res);
/* Zero or one row. */
enum err db_projects_get(struct db *db, int64_t id, PGresult **res);
/* Reads a row of either result; false when the row is the empty page's placeholder. */
bool db_project_row(const PGresult *res, int row, struct project_row *out);
int64_t db_page_total(const PGresult *res);

#endif
