/*
 * What the aggregator adds to the routes every service shares (common/service.c): the
 * outbox's state on GET /health, and the outbox and event counters on GET /metrics.
 */
#include "aggregator.h"
#include "metrics.h"

enum err aggregator_health(struct app *app, json_t **details)
{
	struct outbox_health st;
	enum err rc = db_outbox_health(&app->db, &st);

	if (rc)
		return rc;
	*details = json_pack("{s:{s:I, s:f}}", "queue", "depth", (json_int_t)st.depth,
	                     "oldestAgeSeconds", st.oldest_age);
	return *details ? ERR_OK : ERR_INTERNAL;
}

enum err aggregator_metrics(struct app *app, struct buf *out)
{
	struct outbox_stats st;
	enum err rc = db_outbox_stats(&app->db, &st);

	if (rc)
		return rc;
	metrics_render_value(out, "panel_outbox_queue_depth", "gauge",
	                     "Events waiting in the outbox for the drain worker.",
	                     (double)st.depth);
	metrics_render_value(out, "panel_outbox_oldest_age_seconds", "gauge",
	                     "How long the oldest queued event has waited.", st.oldest_age);
	metrics_render_value(out, "panel_events_drained_total", "counter",
	                     "Events moved from the outbox into the events table; its rate is the "
	                     "drain rate.",
	                     (double)st.drained);
	metrics_render_value(out, "panel_events_stored_total", "counter",
	                     "Events stored, drained or posted to /events.", (double)st.stored);
	metrics_render_value(out, "panel_events_expired_total", "counter",
	                     "Events removed by the retention, a month at a time.",
	                     (double)st.expired);
	metrics_render_value(out, "panel_events_dead_letters", "gauge",
	                     "Events parked in events_dead after failing every attempt.",
	                     (double)st.dead);
	return ERR_OK;
}
