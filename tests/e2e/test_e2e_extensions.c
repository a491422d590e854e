/*
 * The extensions that cut across both services: strong ETags with 304s, /metrics shared by
 * every worker of a service, and X-Request-Id carried through lighttpd, the workers and the
 * access log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "deploy.h"
#include "outbox.h"

static char *etag_of(struct reply *r)
{
	const char *e = reply_header(r, "ETag");
	assert_non_null(e);
	assert_int_equal(strlen(e), 34);
	assert_int_equal(e[0], '"');
	return strdup(e);
}

static struct reply get_if_none_match(enum service svc, const char *path, const char *tag)
{
	char h[128];
	snprintf(h, sizeof(h), "If-None-Match: %s", tag);
	const char *const extra[] = {h, NULL};
	return http(svc, "GET", path, AUTH_TOKEN, NULL, NULL, extra);
}

/* A project's tag changes when its flags do, though nothing of the project row changed. */
static void a_single_resource_revalidates_until_it_changes(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[64];
	fixture_project(&p);
	snprintf(path, sizeof(path), "/projects/%" PRId64, p.id);

	struct reply r = get(PROJECT, path);
	assert_int_equal(r.status, 200);
	char *tag = etag_of(&r);
	assert_string_equal(reply_header(&r, "Cache-Control"), "no-cache");
	reply_free(&r);

	r = get_if_none_match(PROJECT, path, tag);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.len, 0);
	assert_string_equal(reply_header(&r, "ETag"), tag);
	reply_free(&r);

	char weak[64];
	snprintf(weak, sizeof(weak), "\"other\", W/%s", tag);
	r = get_if_none_match(PROJECT, path, weak);
	assert_int_equal(r.status, 304);
	reply_free(&r);

	deploy(p.id, NULL);
	r = get_if_none_match(PROJECT, path, tag);
	assert_int_equal(r.status, 200);
	assert_true(json_is_true(json_object_get(r.json, "hasOngoingDeployment")));
	char *changed = etag_of(&r);
	assert_string_not_equal(changed, tag);
	reply_free(&r);
	free(tag);
	free(changed);
}

/* A page past the end stays [], but its X-Total-Count moves: so must its tag. */
static void a_list_tag_follows_its_headers_too(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[96];
	fixture_project(&p);
	deploy(p.id, NULL);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployments?page=9", p.id);

	struct reply r = get(PROJECT, path);
	assert_string_equal(r.body, "[]");
	char *tag = etag_of(&r);
	reply_free(&r);

	deploy(p.id, NULL);
	r = get_if_none_match(PROJECT, path, tag);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "[]");
	assert_string_equal(reply_header(&r, "X-Total-Count"), "2");
	reply_free(&r);
	free(tag);

	/* The aggregator's lists too, once the drain has stored every queued event (those of the
	 * deployments above included): a list that changes between the two requests is rightly 200. */
	char drained[] = "SELECT NOT EXISTS (SELECT 1 FROM event_queue)";
	assert_true(wait_until(sql_holds, drained, OUTBOX_LONG_DEADLINE_MS));
	r = get(AGGREGATOR, "/events");
	tag = etag_of(&r);
	reply_free(&r);
	r = get_if_none_match(AGGREGATOR, "/events", tag);
	assert_int_equal(r.status, 304);
	reply_free(&r);
	free(tag);
}

/* The value of one sample line of a Prometheus answer, or -1 when it is absent. */
static long long sample(const char *text, const char *series)
{
	const char *p = strstr(text, series);
	if (!p)
		return -1;
	return strtoll(p + strlen(series) + 1, NULL, 10);
}

static void metrics_count_every_worker_and_need_the_token(void **state)
{
	(void)state;
	const char *series = "panel_http_requests_total{service=\"project\",method=\"GET\","
	                     "route=\"/users/{user}/stats\",status=\"404\"}";
	struct reply r = http(PROJECT, "GET", "/metrics", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	reply_free(&r);

	r = get(PROJECT, "/metrics");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(reply_header(&r, "Content-Type"), "text/plain; version=0.0.4"));
	long long before = sample(r.body, series);
	reply_free(&r);

	/* Twenty requests land on several workers; one answer counts them all. */
	for (int i = 0; i < 20; i++) {
		r = get(PROJECT, "/users/9223372036854775807/stats");
		assert_int_equal(r.status, 404);
		reply_free(&r);
	}
	r = get(PROJECT, "/metrics");
	assert_int_equal(sample(r.body, series), (before < 0 ? 0 : before) + 20);
	assert_non_null(strstr(r.body, "# TYPE panel_http_request_duration_seconds histogram"));
	reply_free(&r);

	/* The activity feed on this port is answered by the aggregator's pool: counted there, and
	 * reported here too, since either port reports every pool of the stack. */
	const char *feed = "panel_http_requests_total{service=\"aggregator\",method=\"GET\","
	                   "route=\"/projects/{project}/activity\",status=\"200\"}";
	r = get(PROJECT, "/metrics");
	long long feeds = sample(r.body, feed);
	reply_free(&r);
	r = get(PROJECT, "/projects/1/activity");
	assert_int_equal(r.status, 200);
	reply_free(&r);
	r = get(PROJECT, "/metrics");
	assert_int_equal(sample(r.body, feed), (feeds < 0 ? 0 : feeds) + 1);
	reply_free(&r);

	r = get(AGGREGATOR, "/metrics");
	assert_int_equal(r.status, 200);
	const char *gauges[] = {"panel_outbox_queue_depth", "panel_outbox_oldest_age_seconds",
	                        "panel_events_drained_total", "panel_events_stored_total",
	                        "panel_events_dead_letters"};
	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
		char line[96];
		snprintf(line, sizeof(line), "\n%s ", gauges[i]);
		if (!strstr(r.body, line))
			fail_msg("missing %s in\n%s", gauges[i], r.body);
	}
	reply_free(&r);
}

static bool access_logged(void *rid)
{
	return shell("grep -qF '\"requestId\":\"%s\"' \"$PANEL_STATE_DIR\"/log/access.log",
	             (const char *)rid) == 0;
}

static void request_ids_are_carried_end_to_end(void **state)
{
	(void)state;
	char rid[80], h[120];
	snprintf(rid, sizeof(rid), "%s", unique("ticket-4711"));
	snprintf(h, sizeof(h), "X-Request-Id: %s", rid);
	const char *const mine[] = {h, NULL};

	struct reply r = http(PROJECT, "GET", "/projects", AUTH_TOKEN, NULL, NULL, mine);
	assert_string_equal(reply_header(&r, "X-Request-Id"), rid);
	reply_free(&r);
	/* In the worker's log lines and in lighttpd's access log. */
	assert_int_equal(
	    shell("grep -F '\"requestId\":\"%s\"' \"$PANEL_STATE_DIR\"/log/lighttpd.log"
	          " | grep -q '\"service\":\"project\"'",
	          rid),
	    0);
	assert_true(wait_until(access_logged, rid, 15000));

	/* An insane id is replaced, on refusals too. */
	const char *const bad[] = {"X-Request-Id: has spaces and \"quotes\"", NULL};
	r = http(AGGREGATOR, "GET", "/events", AUTH_NONE, NULL, NULL, bad);
	assert_int_equal(r.status, 401);
	const char *fresh = reply_header(&r, "X-Request-Id");
	assert_non_null(fresh);
	assert_int_equal(strlen(fresh), 32);
	reply_free(&r);
	r = http(AGGREGATOR, "GET", "/health", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(strlen(reply_header(&r, "X-Request-Id")), 32);
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_single_resource_revalidates_until_it_changes),
	    cmocka_unit_test(a_list_tag_follows_its_headers_too),
	    cmocka_unit_test(metrics_count_every_worker_and_need_the_token),
	    cmocka_unit_test(request_ids_are_carried_end_to_end),
	};
	return cmocka_run_group_tests_name("e2e: extensions", tests, NULL, NULL);
}
