/*
 * Keyset pagination end to end: on every list, a walk that starts at `cursor=` and follows
 * Link rel="next" sees exactly the items, in the order, that the page-numbered walk sees, with
 * the same exact X-Total-Count, ties on creation time included; and a cursor is refused when it
 * is malformed or sent with `page`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "deploy.h"

#define sql_exec(...) json_decref(sql(__VA_ARGS__))

/* The target of the Link header's link of relation rel, or "" when there is none. */
static void link_target(const struct reply *r, const char *rel, char *out, size_t size)
{
	char needle[32];
	const char *link = reply_header(r, "Link"), *end, *start;

	out[0] = '\0';
	assert_non_null(link);
	snprintf(needle, sizeof(needle), ">; rel=\"%s\"", rel);
	end = strstr(link, needle);
	if (!end)
		return;
	for (start = end; start > link && start[-1] != '<'; start--)
		;
	assert_true((size_t)(end - start) < size);
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
}

/* The ids of a list walked from path (which already has a '?') by page, and their total. */
static json_t *walk_pages(enum service svc, const char *path, int64_t *total)
{
	json_t *ids = json_array();
	char url[512];

	for (int page = 1;; page++) {
		snprintf(url, sizeof(url), "%spage=%d", path, page);
		struct reply r = get(svc, url);
		if (r.status != 200)
			fail_msg("GET %s: %ld %s", url, r.status, r.body);
		*total = strtoll(reply_header(&r, "X-Total-Count"), NULL, 10);
		size_t n = json_array_size(r.json);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(ids,
			                      json_integer(num(json_array_get(r.json, i), "id")));
		reply_free(&r);
		if (n == 0)
			return ids;
	}
}

/* The same list walked by cursor from path: every page at most 8 items, with the same total. */
static json_t *walk_cursor(enum service svc, const char *path, int64_t total)
{
	json_t *ids = json_array();
	char url[512];
	int pages = 0;

	snprintf(url, sizeof(url), "%scursor=", path);
	while (url[0]) {
		struct reply r = get(svc, url);
		if (r.status != 200)
			fail_msg("GET %s: %ld %s", url, r.status, r.body);
		assert_int_equal(strtoll(reply_header(&r, "X-Total-Count"), NULL, 10), total);
		size_t n = json_array_size(r.json);
		assert_true(n <= 8);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(ids,
			                      json_integer(num(json_array_get(r.json, i), "id")));
		/* No page links in a keyset walk, and next only after a full page. */
		assert_null(strstr(reply_header(&r, "Link"), "page="));
		link_target(&r, "next", url, sizeof(url));
		assert_int_equal(url[0] != '\0', n == 8);
		reply_free(&r);
		assert_true(++pages < 100);
	}
	return ids;
}

/* Walks path both ways and asserts they agree; returns how many items there were. */
static size_t assert_walks_agree(enum service svc, const char *path)
{
	int64_t total = -1;
	json_t *by_page = walk_pages(svc, path, &total);
	json_t *by_cursor = walk_cursor(svc, path, total);

	assert_int_equal(json_array_size(by_page), total);
	if (!json_equal(by_page, by_cursor)) {
		char *a = json_dumps(by_page, JSON_COMPACT),
		     *b = json_dumps(by_cursor, JSON_COMPACT);
		fail_msg("%s: by page %s, by cursor %s", path, a, b);
	}
	size_t n = json_array_size(by_page);
	json_decref(by_page);
	json_decref(by_cursor);
	return n;
}

static void deployment_lists_walk_alike_by_cursor_and_by_page(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[128];

	fixture_project(&p);
	for (int i = 0; i < 5; i++)
		deploy(p.id, NULL);
	/* Eleven deployments created in the same microsecond: only the id orders them. */
	sql_exec("INSERT INTO deployments (project_id, status, created_at) "
	         "SELECT %" PRId64 ", CASE WHEN i %% 2 = 0 THEN 'failed' ELSE 'pending' END, "
	         "       '2024-03-01T10:00:00.123456Z' FROM generate_series(1, 11) i",
	         p.id);
	sql_exec("INSERT INTO deployments (project_id, status, created_at) "
	         "SELECT %" PRId64
	         ", 'failed', timestamptz '1969-07-20T20:17:40.5Z' - i * interval '1 second' "
	         "FROM generate_series(1, 3) i",
	         p.id);

	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployments?", p.id);
	assert_int_equal(assert_walks_agree(PROJECT, path), 19);
	snprintf(path, sizeof(path), "/deployments?projectId=%" PRId64 "&", p.id);
	assert_int_equal(assert_walks_agree(PROJECT, path), 19);
	snprintf(path, sizeof(path), "/deployments?projectId=%" PRId64 "&status=failed&", p.id);
	assert_int_equal(assert_walks_agree(PROJECT, path), 8);
	snprintf(path, sizeof(path),
	         "/deployments?projectId=%" PRId64 "&createdBefore=2024-03-01T10:00:00.200Z&",
	         p.id);
	assert_int_equal(assert_walks_agree(PROJECT, path), 14);
	assert_walks_agree(PROJECT, "/deployments?status=failed&");
	assert_walks_agree(PROJECT, "/deployments?");
}

static void projects_walk_alike_by_cursor_and_by_page(void **state)
{
	(void)state;
	struct fixture_project p;

	for (int i = 0; i < 9; i++)
		fixture_project(&p);
	assert_true(assert_walks_agree(PROJECT, "/projects?") >= 9);
}

static void event_lists_walk_alike_by_cursor_and_by_page(void **state)
{
	(void)state;
	char path[128], body[256];
	int64_t project = 900000000 + (int64_t)(rand() % 1000000);

	for (int i = 0; i < 17; i++) {
		snprintf(body, sizeof(body),
		         "{\"name\": \"%s\", \"payload\": {\"projectId\": %" PRId64 ", \"n\": %d}}",
		         i % 3 ? "cursor.a" : "cursor.b", project, i);
		struct reply r = post(AGGREGATOR, "/events", body);
		assert_int_equal(r.status, 201);
		reply_free(&r);
	}
	snprintf(path, sizeof(path), "/events?projectId=%" PRId64 "&", project);
	assert_int_equal(assert_walks_agree(AGGREGATOR, path), 17);
	snprintf(path, sizeof(path), "/events?projectId=%" PRId64 "&name=cursor.a&", project);
	assert_int_equal(assert_walks_agree(AGGREGATOR, path), 11);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/activity?", project);
	assert_int_equal(assert_walks_agree(AGGREGATOR, path), 17);
	assert_walks_agree(AGGREGATOR, "/events?name=cursor.b&");
}

static void bad_cursors_are_400(void **state)
{
	(void)state;
	const char *paths[] = {
	    "/deployments?cursor=abc",
	    "/deployments?cursor=12",
	    "/deployments?page=2&cursor=",
	    "/projects?cursor=1.2",
	    "/projects/1/deployments?cursor=1.2.3",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct reply r = get(PROJECT, paths[i]);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	struct reply r = get(AGGREGATOR, "/events?cursor=x");
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
	r = get(AGGREGATOR, "/projects/1/activity?cursor=&page=1");
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(deployment_lists_walk_alike_by_cursor_and_by_page),
	    cmocka_unit_test(projects_walk_alike_by_cursor_and_by_page),
	    cmocka_unit_test(event_lists_walk_alike_by_cursor_and_by_page),
	    cmocka_unit_test(bad_cursors_are_400),
	};
	return cmocka_run_group_tests_name("e2e cursor", tests, NULL, NULL);
}
