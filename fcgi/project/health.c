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
	return resp_health(resp, db_health(&app->db), NULL);
}

enum err openapi_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	return resp_document(resp, &app->openapi);
}

enum err metrics_get(struct req *req, struct resp *resp)
{
	(void)req;
	metrics_render(&resp->body);
	resp->content_type = METRICS_CONTENT_TYPE;
	resp->status = 200;
	return ERR_OK;
}
