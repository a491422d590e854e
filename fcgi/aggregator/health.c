/*
 * GET /health (with the outbox's depth and age) and GET /openapi.yaml: the routes anyone may
 * call without a token.
 */
#include "aggregator.h"
#include "http.h"
#include "metrics.h"

enum err health_get(struct req *req, struct resp *resp)
{
	struct aggregator_app *app = req->app;
	struct outbox_stats st;

	enum err rc = db_outbox_stats(&app->db, &st);
	return resp_health(resp, rc,
	                   rc ? NULL
	                      : json_pack("{s:{s:I, s:f}}", "queue", "depth", (json_int_t)st.depth,
	                                  "oldestAgeSeconds", st.oldest_age));
}

enum err openapi_get(struct req *req, struct resp *resp)
{
	struct aggregator_app *app = req->app;
	return resp_document(resp, &app->openapi);
}

enum err metrics_get(struct req *req, struct resp *resp)
{
	struct aggregator_app *app = req->app;
	struct outbox_stats st;
	enum err rc = db_outbox_stats(&app->db, &st);

	if (rc)
		return rc;
	metrics_render(&resp->body);
	metrics_render_value(&resp->body, "panel_outbox_queue_depth", "gauge",
	                     "Events waiting in the outbox for the drain worker.",
	                     (double)st.depth);
	metrics_render_value(&resp->body, "panel_outbox_oldest_age_seconds", "gauge",
	                     "How long the oldest queued event has waited.", st.oldest_age);
	metrics_render_value(&resp->body, "panel_events_drained_total", "counter",
	                     "Events moved from the outbox into the events table; its rate is the "
	                     "drain rate.",
	                     (double)st.drained);
	metrics_render_value(&resp->body, "panel_events_stored_total", "counter",
	                     "Events stored, drained or posted to /events.", (double)st.stored);
	metrics_render_value(&resp->body, "panel_events_dead_letters", "gauge",
	                     "Events parked in events_dead after failing every attempt.",
	                     (double)st.dead);
	resp->content_type = METRICS_CONTENT_TYPE;
	resp->status = 200;
	return ERR_OK;
}
