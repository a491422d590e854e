/*
 * GET /users/{id}/stats: deployment statistics of a user's projects. Everything is computed by
 * one statement (db_stats.c); this only shapes the answer.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "req.h"
#include "resp.h"
#include "project.h"

enum err stats_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	int64_t id = req->ids[0];
	PGresult *res;
	enum err rc = db_stats_user(&app->app.db, id, &res);

	if (rc)
		return rc;
	if (db_ntuples(res) == 0) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "user %" PRId64 " does not exist", id);
	}
	/* clang-format off */
	json_t *body = json_pack("{s:I, s:I, s:I, s:I, s:f, s:f}",
				 "userId", (json_int_t)id,
				 "weeks", (json_int_t)db_int64(res, 0, 0),
				 "deployments", (json_int_t)db_int64(res, 0, 1),
				 "successfulDeployments", (json_int_t)db_int64(res, 0, 2),
				 "averageWeeklyDeployments", strtod(db_str(res, 0, 3), NULL),
				 "averageWeeklySuccessfulDeployments", strtod(db_str(res, 0, 4), NULL));
	/* clang-format on */
	db_result_free(res);
	return resp_json(resp, 200, body);
}
