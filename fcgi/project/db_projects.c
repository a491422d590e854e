/*
 * The SQL of projects. The flags and the latest deployment are computed in the same statement
 * as the page, from indexes (see migrations/0001_core.up.sql), never with a query per project.
 */
#include <libpq-fe.h>

#include "project.h"

/* Columns shared by both statements, in the order db_project_row() reads them. */
#define PROJECT_COLUMNS                                                                            \
	"p.id, p.name, p.url, p.owner_id, api_time(p.created_at), "                                \
	"EXISTS (SELECT 1 FROM deployments d WHERE d.project_id = p.id "                           \
	"        AND d.status IN ('pending', 'building', 'deploying')), "                          \
	"EXISTS (SELECT 1 FROM deployments d WHERE d.project_id = p.id AND d.status = 'done'), "   \
	"l.id, l.status, api_time(l.created_at) "
#define LATEST_DEPLOYMENT                                                                          \
	"LEFT JOIN LATERAL (SELECT d.id, d.status, d.created_at FROM deployments d "               \
	"                   WHERE d.project_id = p.id "                                            \
	"                   ORDER BY d.created_at DESC, d.id DESC LIMIT 1) l ON true "

/*
 * $1 the offset; $2 NULL, or a cursor's id: only the projects after it. The eight projects of
 * the page are chosen first, so the flags and latest deployment of skipped ones are never
 * computed.
 */
static struct db_stmt page_stmt = DB_STMT(
    "projects_page",
    "SELECT t.total, page.* "
    "FROM (SELECT count(*) AS total FROM projects) t "
    "LEFT JOIN LATERAL (SELECT " PROJECT_COLUMNS "                   FROM (SELECT * FROM projects "
    "                         WHERE id > coalesce($2::bigint, 0) "
    "                         ORDER BY id LIMIT 8 OFFSET $1) p " LATEST_DEPLOYMENT
    "                   ORDER BY p.id) page ON true",
    true);

static struct db_stmt get_stmt = DB_STMT(
    "projects_get",
    "SELECT 0, " PROJECT_COLUMNS "FROM projects p " LATEST_DEPLOYMENT "WHERE p.id = $1", true);

enum err db_projects_page(struct db *db, int64_t offset, const int64_t *after, PGresult **res)
{
	char off[DB_INT64_LEN], last_id[DB_INT64_LEN];
	const char *params[] = {db_param_int64(off, offset),
	                        after ? db_param_int64(last_id, *after) : NULL};
	return db_exec(db, &page_stmt, 2, params, res, NULL);
}

enum err db_projects_get(struct db *db, int64_t id, PGresult **res)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id)};
	return db_exec(db, &get_stmt, 1, params, res, NULL);
}

int64_t db_page_total(const PGresult *res)
{
	return PQntuples(res) ? db_int64(res, 0, 0) : 0;
}

bool db_project_row(const PGresult *res, int row, struct project_row *out)
{
	if (db_isnull(res, row, 1))
		return false;
	out->id = db_int64(res, row, 1);
	out->name = db_str(res, row, 2);
	out->url = db_str(res, row, 3);
	out->owner_id = db_int64(res, row, 4);
	out->created_at = db_str(res, row, 5);
	out->has_ongoing = db_bool(res, row, 6);
	out->has_live = db_bool(res, row, 7);
	out->latest_id = db_int64(res, row, 8);
	out->latest_status = db_str(res, row, 9);
	out->latest_created_at = db_str(res, row, 10);
	return true;
}
