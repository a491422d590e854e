/*
 * GET /health (with the outbox's depth and age) and GET /openapi.yaml: the routes anyone may
 * call without a token.
 */
#include "aggregator.h"
#include "http.h"

enum err health_get(struct req *req, struct resp *resp)
{
	struct aggregator_app *app = req->app;
	int64_t depth;
	double age;

	if (db_queue_stats(&app->db, &depth, &age))
		return resp_json(resp, 503,
		                 json_pack("{s:s, s:s, s:s, s:s}", "status", "unavailable",
		                           "database", "down", "name", err_name(ERR_UNAVAILABLE),
		                           "message", err_default_message(ERR_UNAVAILABLE)));
	return resp_json(resp, 200,
	                 json_pack("{s:s, s:s, s:{s:I, s:f}}", "status", "ok", "database", "ok",
	                           "queue", "depth", (json_int_t)depth, "oldestAgeSeconds", age));
}

enum err openapi_get(struct req *req, struct resp *resp)
{
	struct aggregator_app *app = req->app;
	return resp_text(resp, 200, "application/yaml", app->openapi.data, app->openapi.len);
}
