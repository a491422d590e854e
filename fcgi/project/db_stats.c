/*
 * The SQL of a user's deployment statistics: one statement over the user's projects, using
 * projects_owner_id and deployments_project_created. Weeks are ISO weeks (Monday, UTC) from the
 * week of the first deployment to the current one, both included.
 */
#include "db_query.h"
#include "project.h"

/* clang-format off */
static struct db_stmt stats_stmt = DB_STMT("stats_user",
	"WITH s AS (SELECT count(*) AS total, "
	"                  count(*) FILTER (WHERE d.status = " DEPLOYMENT_SQL_LIVE ") AS done, "
	"                  min(d.created_at) AS first "
	"           FROM projects p JOIN deployments d ON d.project_id = p.id "
	"           WHERE p.owner_id = $1), "
	"w AS (SELECT s.total, s.done, "
	"             CASE WHEN s.first IS NULL THEN 0 ELSE greatest(1, "
	"                 (date_trunc('week', now() AT TIME ZONE 'UTC')::date "
	"                  - date_trunc('week', s.first AT TIME ZONE 'UTC')::date) / 7 + 1) "
	"             END AS weeks "
	"      FROM s) "
	"SELECT w.weeks, w.total, w.done, "
	"       CASE WHEN w.weeks = 0 THEN 0 ELSE w.total::float8 / w.weeks END, "
	"       CASE WHEN w.weeks = 0 THEN 0 ELSE w.done::float8 / w.weeks END "
	"FROM users u CROSS JOIN w WHERE u.id = $1",
	true);
/* clang-format on */

enum err db_stats_user(struct db *db, int64_t user_id, struct user_stats *out, bool *found)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, user_id)};
	PGresult *res;
	enum err rc = db_exec(db, &stats_stmt, 1, params, &res, NULL);

	*found = false;
	if (rc)
		return rc;
	/* No row for an unknown user; else 0 weeks, 1 deployments, 2 done, 3 and 4 the averages. */
	if (db_ntuples(res) == 1) {
		*found = true;
		out->weeks = db_int64(res, 0, 0);
		out->deployments = db_int64(res, 0, 1);
		out->successful = db_int64(res, 0, 2);
		out->average = db_double(res, 0, 3);
		out->average_successful = db_double(res, 0, 4);
	}
	db_result_free(res);
	return ERR_OK;
}
