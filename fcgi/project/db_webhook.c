/*
 * The SQL the webhook runs before it may change anything: the deployment with its project's
 * app secret, name and URL. The secret is selected here and nowhere else, and only to be
 * compared in C; the change itself is db_deployments_transition().
 */
#include <libpq-fe.h>

#include "project.h"

/* clang-format off */
static struct db_stmt webhook_get_stmt = DB_STMT("webhook_get",
	"SELECT p.app_secret, p.name, p.url, d.id, d.project_id, d.status, d.deployed_in, d.meta, "
	"       api_time(d.created_at), api_time(d.updated_at) "
	"FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.id = $1",
	true);
/* clang-format on */

enum err db_webhook_get(struct db *db, int64_t deployment_id, PGresult **res)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, deployment_id)};
	return db_exec(db, &webhook_get_stmt, 1, params, res, NULL);
}
