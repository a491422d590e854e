/*
 * The project service: its context, the rows its SQL returns, the JSON of its resources and
 * its handlers. Handlers live in one file per resource (projects.c, deployments.c, webhook.c,
 * stats.c); all SQL lives in the db_*.c files.
 */
#ifndef PROJECT_H
#define PROJECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "service.h"

struct req;
struct resp;

/* The project service's context (req->app): the common one, then its own settings. */
struct project_app {
	struct app app;
	const char *public_url_domain; /* PUBLIC_URL_DOMAIN */
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

/*
 * Deployment statuses and the transition table (transitions.c). The order is the pipeline's:
 * a deployment moves forward only, and done, failed and cancelled are final.
 */
enum deployment_status {
	DEPLOYMENT_PENDING,
	DEPLOYMENT_BUILDING,
	DEPLOYMENT_DEPLOYING,
	DEPLOYMENT_DONE,
	DEPLOYMENT_FAILED,
	DEPLOYMENT_CANCELLED,
	DEPLOYMENT_NSTATUSES
};

/* The API name of a status (static string). */
const char *deployment_status_name(enum deployment_status s);
/* Reads an API name exactly (case-sensitive); false for anything else. */
bool deployment_status_parse(const char *name, enum deployment_status *out);
/* done, failed and cancelled: nothing moves a deployment out of these. */
bool deployment_status_final(enum deployment_status s);
/*
 * Whether a deployment in status from may change to status to. The same status is never a
 * transition (the webhook answers it as a no-op), so transition_allowed(s, s) is false.
 */
bool transition_allowed(enum deployment_status from, enum deployment_status to);
/*
 * The statuses from which to may be reached, in pipeline order, written to out; returns how
 * many. The guarded UPDATE takes this set, so the database applies the same table as C.
 */
size_t transition_sources(enum deployment_status to,
                          enum deployment_status out[DEPLOYMENT_NSTATUSES]);
/*
 * Parses a status filter: one or several comma-separated status names ("done,failed").
 * Sets want[s] for each named status; false for an empty list, an empty element or an unknown
 * name (want is then unspecified).
 */
bool deployment_status_list_parse(const char *text, bool want[DEPLOYMENT_NSTATUSES]);

/*
 * Project URLs (url.c). The DNS label is the project name lowercased, with every character
 * outside a-z0-9- turned into '-', cut to PROJECT_URL_LABEL_MAX characters so that
 * "<label>-<8 hex>" fits the 63 characters of a DNS label. A label may not begin with '-', so
 * leading ones are dropped, and a name with nothing else left is labelled "app".
 */
enum { PROJECT_URL_LABEL_MAX = 63 - 9, PROJECT_URL_MAX = 512 };
/* Writes the label of name into out (NUL-terminated); a character is a UTF-8 code point. */
void project_url_label(const char *name, char out[PROJECT_URL_LABEL_MAX + 1]);
/*
 * Writes "https://<label>-<8 random lowercase hex>.<domain>" into out, the randomness from
 * getrandom(2). Returns ERR_INTERNAL (logged) when the CSPRNG fails or the URL would not fit.
 */
enum err project_url_new(const char *name, const char *domain, char out[PROJECT_URL_MAX]);

/* A deployment as the API shows it; strings are borrowed from the database result. */
struct deployment_row {
	int64_t id;
	int64_t project_id;
	const char *status;
	bool has_deployed_in; /* deployedIn is null until done */
	int64_t deployed_in;
	const char *meta; /* JSON object text */
	const char *created_at;
	const char *updated_at;
};

/* New reference; NULL only when meta is not JSON. */
json_t *deployment_to_json(const struct deployment_row *d);

/* The contract's limits on what a deployment creation may carry. */
enum { DEPLOYMENT_META_MAX = 1000 };

/*
 * The meta of a new deployment from the optional request body (NULL when none was sent): the
 * fields commitSha, branch, commitMessage and trigger that were sent, plus trigger "api" when
 * it was not. Any other field is 400 naming it. On success *meta is a new reference.
 */
enum err deployment_meta_from_body(const json_t *body, json_t **meta, struct resp *resp);

/* Handlers (see routes.c). */
enum err projects_list(struct req *req, struct resp *resp);
enum err projects_get(struct req *req, struct resp *resp);
enum err deployments_create(struct req *req, struct resp *resp);
enum err deployments_list_project(struct req *req, struct resp *resp);
enum err deployments_list(struct req *req, struct resp *resp);
enum err deployments_get(struct req *req, struct resp *resp);
enum err deployments_cancel(struct req *req, struct resp *resp);
enum err webhook_post(struct req *req, struct resp *resp);
enum err stats_get(struct req *req, struct resp *resp);

/* Database (db_projects.c). Results belong to the caller (db_result_free). */
/* One row per project of the page, each with the total in column 0; one row of NULLs but the
 * total when the page is past the end. after: NULL, or a cursor's id (only projects after it). */
enum err db_projects_page(struct db *db, int64_t offset, const int64_t *after, PGresult **res);
/* Zero or one row. */
enum err db_projects_get(struct db *db, int64_t id, PGresult **res);
/* Reads a row of either result; false when the row is the empty page's placeholder. */
bool db_project_row(const PGresult *res, int row, struct project_row *out);
int64_t db_page_total(const PGresult *res);

/*
 * Database (db_deployments.c). Every result carries the deployment's columns from a known
 * column on; db_deployment_row() reads them. Results belong to the caller (db_result_free).
 */
enum { DB_DEPLOYMENT_NCOLS = 7 };
/* Reads the deployment at columns col..col+6; false when they are NULL (no deployment). */
bool db_deployment_row(const PGresult *res, int row, int col, struct deployment_row *out);

/*
 * Creates a deployment of project_id with meta (JSON object text) and its deployment.created
 * event in one statement. With an idempotency key, the key is recorded in the same statement,
 * or, when it is already taken (and younger than 24 hours), nothing is written. One row:
 * 0 project found, 1 created, 2 same request (the key's project and meta match), 3.. the
 * deployment: the new one, or the key's first one when it was visible; NULL when the first one
 * committed while this statement ran (then read it with db_deployments_by_key).
 */
enum err db_deployments_create(struct db *db, int64_t project_id, const char *meta,
                               const char *idempotency_key, PGresult **res);
/* The deployment an idempotency key made: zero or one row, 0 same request, 1.. deployment. */
enum err db_deployments_by_key(struct db *db, const char *idempotency_key, int64_t project_id,
                               const char *meta, PGresult **res);

/*
 * A page of deployments, newest first: project_id 0 for every project; want NULL for every
 * status; from (inclusive) and to (exclusive) timestamps, NULL when not given; after NULL, or
 * the keyset {created_at in microseconds, id} of a cursor: only deployments after it. One row
 * per deployment (or one row of NULLs past the end), each with 0 the total (from the counters,
 * or an exact count when a time window is given) and 1 whether project_id exists; 2..8 the
 * deployment; 9 its cursor.
 */
enum { DEPLOYMENT_CURSOR_COL = 9 };
enum err db_deployments_page(struct db *db, int64_t project_id,
                             const bool want[DEPLOYMENT_NSTATUSES], const char *from,
                             const char *to, int64_t offset, const int64_t *after, PGresult **res);
/* Zero or one row: 0.. the deployment. */
enum err db_deployments_get(struct db *db, int64_t id, PGresult **res);

enum transition_source { TRANSITION_API, TRANSITION_WEBHOOK };
/*
 * Moves deployment id to status to in one guarded statement: the row is locked, updated only
 * when its status is one of transition_sources(to), and the event is written with it
 * (deployment.cancelled from the API, deployment.status_changed from the webhook). On done it
 * sets deployedIn and, when url is not NULL and the project has none yet, gives the project url
 * (and writes project.url_assigned). Zero rows when the deployment does not exist; otherwise
 * one row: 0 changed, 1.. the deployment as it is now (unchanged when 0 is false).
 */
enum err db_deployments_transition(struct db *db, int64_t id, enum deployment_status to,
                                   enum transition_source source, const char *url, PGresult **res);

/*
 * Database (db_webhook.c). What the webhook needs before it may change anything: zero or one
 * row, 0 the project's app secret, 1 its name, 2 its url, 3.. the deployment.
 */
enum err db_webhook_get(struct db *db, int64_t deployment_id, PGresult **res);

/*
 * Database (db_stats.c). Zero rows for an unknown user, else one: 0 weeks, 1 deployments,
 * 2 successful deployments, 3 and 4 their weekly averages (float8 text).
 */
enum err db_stats_user(struct db *db, int64_t user_id, PGresult **res);

#endif
