/*
 * GET /users/{id}/stats: deployment statistics of a user's projects. Everything is computed by
 * one statement (db_stats.c); this only shapes the answer.
 */
#include <inttypes.h>

#include "project.h"
#include "req.h"
#include "resp.h"

enum err stats_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	int64_t id = req->ids[0];
	struct user_stats s;
	bool found;
	enum err rc = db_stats_user(&app->app.db, id, &s, &found);

	if (rc)
		return rc;
	if (!found)
		return resp_error(resp, ERR_NOT_FOUND, "user %" PRId64 " does not exist", id);
	/* clang-format off */
	return resp_json(resp, 200, json_pack("{s:I, s:I, s:I, s:I, s:f, s:f}",
	                                      "userId", (json_int_t)id,
	                                      "weeks", (json_int_t)s.weeks,
	                                      "deployments", (json_int_t)s.deployments,
	                                      "successfulDeployments", (json_int_t)s.successful,
	                                      "averageWeeklyDeployments", s.average,
	                                      "averageWeeklySuccessfulDeployments",
	                                      s.average_successful));
	/* clang-format on */
}
