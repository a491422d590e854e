/*
 * The SQL of projects. The flags and the latest deployment come from the project's row of
 * project_deployments (its deployments counted by status and the newest of them, kept by
 * triggers in the transaction of every change: migrations/0016_project_deployments.up.sql),
 * joined in the same statement as the page, never with a query per project.
 */
#include "db_rows.h"

/*
 * The columns of a project, in the order project_read() reads them. The flags add up the
 * summary's columns of the unfinished statuses and of the live one, named as the statuses of
 * project.h's one list. A project without deployments may have no summary row yet.
 */
#define SUMMARY_COLUMN(e, name) "s." name
#define PROJECT_COLUMNS                                                                            \
	"p.id, p.name, p.url, p.owner_id, p.created_at, "                                          \
	"coalesce(" DEPLOYMENT_UNFINISHED(                                                         \
	    SUMMARY_COLUMN,                                                                        \
	    " + ") " > 0, false), "                                                                \
	           "coalesce(" DEPLOYMENT_LIVE(                                                    \
	               SUMMARY_COLUMN, ) " > 0, false), "                                          \
	                                 "s.latest_id, s.latest_status, s.latest_created_at "
#define PROJECT_SUMMARY "LEFT JOIN project_deployments s ON s.project_id = p.id "

/*
 * $1 the offset; $2 NULL, or a cursor's id: only the projects after it. The projects of
 * the page are chosen first, so the flags and latest deployment of skipped ones are never
 * computed. Column 0 is the total; past the end, one row of NULLs but the total.
 */
/* clang-format off */
static struct db_stmt page_stmt = DB_STMT("projects_page",
	"SELECT t.total, page.* "
	"FROM (SELECT count(*) AS total FROM projects) t "
	"LEFT JOIN LATERAL (SELECT " PROJECT_COLUMNS
	"                   FROM (SELECT * FROM projects "
	"                         WHERE id > coalesce($2::bigint, 0) "
	"                         ORDER BY id " DB_SQL_PAGE("$1") ") p "
	PROJECT_SUMMARY
	"                   ORDER BY p.id) page ON true",
	true);
/* clang-format on */

static struct db_stmt get_stmt = DB_STMT(
    "projects_get",
    "SELECT 0, " PROJECT_COLUMNS "FROM projects p " PROJECT_SUMMARY "WHERE p.id = $1", true);

/* Reads the project of a row of either statement; *present is false for the empty page's row. */
static enum err project_read(struct arena *a, const PGresult *res, int row, struct project_row *out,
                             bool *present)
{
	*present = !db_isnull(res, row, 1);
	if (!*present)
		return ERR_OK;
	out->id = db_int64(res, row, 1);
	out->name = db_arena_str(a, res, row, 2);
	out->url = db_arena_str(a, res, row, 3);
	out->owner_id = db_int64(res, row, 4);
	out->has_ongoing = db_bool(res, row, 6);
	out->has_live = db_bool(res, row, 7);
	out->latest_id = db_int64(res, row, 8);
	out->latest_status = DEPLOYMENT_PENDING;
	enum err rc = db_arena_time(a, res, row, 5, &out->created_at, NULL);
	if (!rc)
		rc = db_arena_time(a, res, row, 10, &out->latest_created_at, NULL);
	return !rc && out->latest_id ? db_status_read(res, row, 9, &out->latest_status) : rc;
}

enum err db_projects_page(struct db *db, struct arena *a, int64_t offset, const int64_t *after,
                          struct project_page *out)
{
	char off[DB_INT64_LEN], last_id[DB_INT64_LEN];
	const char *params[] = {db_param_int64(off, offset),
	                        after ? db_param_int64(last_id, *after) : NULL};
	PGresult *res;
	enum err rc = db_exec(db, &page_stmt, 2, params, &res, NULL);

	out->total = 0;
	out->n = 0;
	if (rc)
		return rc;
	out->total = db_ntuples(res) ? db_int64(res, 0, 0) : 0;
	for (int i = 0; !rc && i < db_ntuples(res) && out->n < PAGE_SIZE; i++) {
		bool present;
		rc = project_read(a, res, i, &out->rows[out->n], &present);
		out->n += present;
	}
	db_result_free(res);
	return rc;
}

enum err db_projects_get(struct db *db, struct arena *a, int64_t id, struct project_row *out,
                         bool *found)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id)};
	PGresult *res;
	enum err rc = db_exec(db, &get_stmt, 1, params, &res, NULL);

	*found = false;
	if (rc)
		return rc;
	if (db_ntuples(res) == 1)
		rc = project_read(a, res, 0, out, found);
	db_result_free(res);
	return rc;
}
