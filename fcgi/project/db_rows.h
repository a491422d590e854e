/*
 * What the project service's db_*.c files share, and nothing else includes: the columns of a
 * deployment and the reading of them into a typed row.
 */
#ifndef PROJECT_DB_ROWS_H
#define PROJECT_DB_ROWS_H

#include "db_query.h"
#include "project.h"

/*
 * The columns db_deployment_read() reads, of a deployments row aliased a. The timestamps come
 * as the server writes them and are formatted here (db_arena_time).
 */
#define DB_DEPLOYMENT_COLUMNS(a) DB_DEPLOYMENT_COLUMNS_AS(a, a)

/*
 * The same with the columns a transition changes (status, deployed_in, updated_at) taken from
 * s instead: a remembered webhook delivery (webhook_deliveries) keeps them as its answer gave
 * them, so that a copy is answered as the first one was, not with the deployment as it is now.
 */
#define DB_DEPLOYMENT_COLUMNS_AS(a, s)                                                             \
	a ".id, " a ".project_id, " s ".status, " s ".deployed_in, " a ".meta, " a                 \
	  ".created_at, " s ".updated_at"

/*
 * Reads the deployment at columns col.. of a row (DB_DEPLOYMENT_COLUMNS); *present is false
 * when its id is NULL (no deployment). ERR_INTERNAL (logged) for a status or a timestamp the
 * API does not know.
 */
enum err db_deployment_read(struct arena *a, const PGresult *res, int row, int col,
                            struct deployment_row *out, bool *present);

/*
 * Runs a statement that returns zero or one row, the deployment from its first column on;
 * *found is false when there is no row.
 */
enum err db_deployment_one(struct db *db, struct arena *a, struct db_stmt *stmt, int nparams,
                           const char *const *params, struct deployment_row *out, bool *found);

/* Reads a status column; ERR_INTERNAL (logged) for a name the API does not know. */
enum err db_status_read(const PGresult *res, int row, int col, enum deployment_status *out);

#endif
