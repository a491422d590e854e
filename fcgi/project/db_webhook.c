/*
 * The SQL the webhook runs before it may change anything: the deployment with its project's
 * app secret, name and URL, the database's clock, and whether a signed delivery's id is
 * remembered, with the answer the first delivery under it was given. The secret is selected
 * here and nowhere else, and only to be compared or used as a key in C; the change itself is
 * db_deployments_transition().
 */
#include "db_rows.h"

/* clang-format off */
static struct db_stmt webhook_get_stmt = DB_STMT("webhook_get",
	"SELECT p.app_secret, p.name, p.url, " DB_DEPLOYMENT_COLUMNS("d") ", "
	"       floor(extract(epoch FROM now()))::bigint, " DB_DEPLOYMENT_COLUMNS_AS("r", "w") " "
	"FROM deployments d JOIN projects p ON p.id = d.project_id "
	"LEFT JOIN webhook_deliveries w "
	"       ON w.project_id = p.id AND w.webhook_id = $2 AND w.expires_at > now() "
	"LEFT JOIN deployments r ON r.id = w.deployment_id "
	"WHERE d.id = $1",
	true);

/* A new statement, so a snapshot taken after a concurrent copy of the delivery committed. */
static struct db_stmt remembered_stmt = DB_STMT("webhook_remembered",
	"SELECT " DB_DEPLOYMENT_COLUMNS_AS("r", "w") " FROM webhook_deliveries w "
	"JOIN deployments r ON r.id = w.deployment_id "
	"WHERE w.project_id = $1 AND w.webhook_id = $2 AND w.expires_at > now()",
	true);
/* clang-format on */

enum err db_webhook_get(struct db *db, struct arena *a, int64_t deployment_id,
                        const char *webhook_id, struct webhook_target *out, bool *found)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, deployment_id), webhook_id};
	PGresult *res;
	enum err rc = db_exec(db, &webhook_get_stmt, 2, params, &res, NULL);

	*found = false;
	if (rc)
		return rc;
	/* 0 secret, 1 name, 2 url, 3..9 the deployment, 10 now, 11..17 the remembered one */
	if (db_ntuples(res) == 1) {
		out->app_secret = db_arena_str(a, res, 0, 0);
		out->project_name = db_arena_str(a, res, 0, 1);
		out->project_url = db_arena_str(a, res, 0, 2);
		out->now = db_int64(res, 0, 10);
		rc = db_deployment_read(a, res, 0, 3, &out->deployment, found);
		if (!rc)
			rc = db_deployment_read(a, res, 0, 11, &out->first, &out->remembered);
	}
	db_result_free(res);
	return rc;
}

enum err db_webhook_remembered(struct db *db, struct arena *a, int64_t project_id,
                               const char *webhook_id, struct deployment_row *out, bool *found)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, project_id), webhook_id};
	return db_deployment_one(db, a, &remembered_stmt, 2, params, out, found);
}
