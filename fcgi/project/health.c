/*
 * GET /health and GET /openapi.yaml, the two routes anyone may call without a token, and
 * GET /metrics (with the token): the workers' shared request counters.
 */
#include "http.h"
#include "metrics.h"
#include "project.h"

enum err health_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;

	if (db_health(&app->db))
		return resp_json(resp, 503,
		                 json_pack("{s:s, s:s, s:s, s:s}", "status", "unavailable",
		                           "database", "down", "name", err_name(ERR_UNAVAILABLE),
		                           "message", err_default_message(ERR_UNAVAILABLE)));
	return resp_json(resp, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
}

enum err openapi_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	return resp_text(resp, 200, "application/yaml", app->openapi.data, app->openapi.len);
}

enum err metrics_get(struct req *req, struct resp *resp)
{
	(void)req;
	metrics_render(&resp->body);
	resp->content_type = METRICS_CONTENT_TYPE;
	resp->status = 200;
	return ERR_OK;
}
