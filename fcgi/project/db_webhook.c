/*
 * The SQL the webhook runs before it may change anything: the deployment with its project's
 * app secret, name and URL. The secret is selected here and nowhere else, and only to be
 * compared in C; the change itself is db_deployments_transition().
 */
#include "db_rows.h"

/* clang-format off */
static struct db_stmt webhook_get_stmt = DB_STMT("webhook_get",
	"SELECT p.app_secret, p.name, p.url, " DB_DEPLOYMENT_COLUMNS("d") " "
	"FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.id = $1",
	true);
/* clang-format on */

enum err db_webhook_get(struct db *db, struct arena *a, int64_t deployment_id,
                        struct webhook_target *out, bool *found)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, deployment_id)};
	PGresult *res;
	enum err rc = db_exec(db, &webhook_get_stmt, 1, params, &res, NULL);

	*found = false;
	if (rc)
		return rc;
	if (db_ntuples(res) == 1) {
		out->app_secret = db_arena_str(a, res, 0, 0);
		out->project_name = db_arena_str(a, res, 0, 1);
		out->project_url = db_arena_str(a, res, 0, 2);
		rc = db_deployment_read(a, res, 0, 3, &out->deployment, found);
	}
	db_result_free(res);
	return rc;
}
