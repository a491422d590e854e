/*
 * fcgi/aggregator/health.c, without Postgres (fake_aggregator_db.c answers for the database):
 * GET /health, which anyone may call, reads only the cheap outbox facts; GET /metrics, behind
 * the token, the exact figures.
 */
#include "call.h"
#include "fake_aggregator_db.h"
#include "route.h"

static struct app app = {.service = &panel_service};
static struct call c;

static void health_answers_from_the_cheap_facts_only(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.health =
	    (struct outbox_health){.depth = OUTBOX_HEALTH_DEPTH_MAX, .oldest_age = 2.5};
	fake_db.stats = (struct outbox_stats){.depth = 123456};
	assert_int_equal(call(&c, &app, service_health, "GET", "/health", NULL, NULL, 0), ERR_OK);
	assert_int_equal(fake_db.calls, 1);
	assert_string_equal(fake_db.last, "db_outbox_health");
	assert_string_equal(c.resp.body.data, "{\"status\":\"ok\",\"database\":\"ok\",\"queue\":"
	                                      "{\"depth\":1000,\"oldestAgeSeconds\":2.5}}");

	fake_db.rc = ERR_UNAVAILABLE;
	assert_int_equal(call(&c, &app, service_health, "GET", "/health", NULL, NULL, 0), ERR_OK);
	assert_int_equal(c.resp.status, 503);
}

static void metrics_report_the_exact_figures(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.stats = (struct outbox_stats){
	    .depth = 123456, .oldest_age = 7, .drained = 10, .stored = 12, .dead = 1};
	assert_int_equal(call(&c, &app, service_metrics, "GET", "/metrics", NULL, NULL, 0), ERR_OK);
	assert_string_equal(fake_db.last, "db_outbox_stats");
	const char *want[] = {
	    "\npanel_outbox_queue_depth 123456\n", "\npanel_outbox_oldest_age_seconds 7\n",
	    "\npanel_events_drained_total 10\n", "\npanel_events_stored_total 12\n",
	    "\npanel_events_dead_letters 1\n"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(c.resp.body.data, want[i]))
			fail_msg("/metrics lacks %s", want[i]);
	call_reset(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(health_answers_from_the_cheap_facts_only),
	    cmocka_unit_test(metrics_report_the_exact_figures),
	};
	return cmocka_run_group_tests_name("aggregator: health", tests, NULL, NULL);
}
