/*
 * Deployments end to end: creation (meta body, Idempotency-Key), the two lists with their
 * pages, filters, time windows and headers, one deployment, cancellation, the events each
 * action writes (exactly one, or none when it fails), and concurrent creations.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "deploy.h"

/* Runs SQL whose result is not needed. */
#define sql_exec(...) json_decref(sql(__VA_ARGS__))

static const char *const bad_ids[] = {"0", "-1", "abc", "9223372036854775808", "1.5", "01"};

static void assert_deployment_shape(const json_t *d, int64_t project_id, const char *status)
{
	assert_int_equal(json_object_size(d), 7);
	assert_true(num(d, "id") > 0);
	assert_int_equal(num(d, "projectId"), project_id);
	assert_string_equal(str(d, "status"), status);
	assert_true(json_is_object(json_object_get(d, "meta")));
	assert_true(matches(str(d, "createdAt"), RFC3339_MS));
	assert_true(matches(str(d, "updatedAt"), RFC3339_MS));
	if (strcmp(status, "done") == 0)
		assert_true(json_is_integer(json_object_get(d, "deployedIn")));
	else
		assert_true(json_is_null(json_object_get(d, "deployedIn")));
}

static void create_answers_201_with_location_and_writes_one_event(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[64], location[64];

	fixture_project(&p);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", p.id);
	struct reply r = post(PROJECT, path, NULL);
	assert_int_equal(r.status, 201);
	assert_deployment_shape(r.json, p.id, "pending");
	int64_t id = num(r.json, "id");
	snprintf(location, sizeof(location), "/deployments/%" PRId64, id);
	assert_string_equal(reply_header(&r, "Location"), location);
	assert_string_equal(reply_header(&r, "Content-Type"), "application/json");
	assert_string_equal(str(r.json, "createdAt"), str(r.json, "updatedAt"));
	json_t *meta = json_object_get(r.json, "meta");
	assert_int_equal(json_object_size(meta), 1);
	assert_string_equal(str(meta, "trigger"), "api");

	/* The Location answers the same deployment. */
	struct reply g = get(PROJECT, location);
	assert_int_equal(g.status, 200);
	assert_true(json_equal(g.json, r.json));
	reply_free(&g);

	/* Exactly one event, carrying every field of the contract. */
	assert_int_equal(deployment_events(id, NULL), 1);
	json_t *e = the_event(id, "deployment.created");
	const char *const keys[] = {"eventId",    "occurredAt",   "projectId", "projectName",
	                            "ownerId",    "deploymentId", "status",    "previousStatus",
	                            "deployedIn", "source",       "meta"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_object_get(e, keys[i]))
			fail_msg("event payload lacks %s", keys[i]);
	assert_true(matches(str(e, "eventId"), UUID_RE));
	assert_true(matches(str(e, "occurredAt"), RFC3339_MS));
	assert_int_equal(num(e, "projectId"), p.id);
	assert_string_equal(str(e, "projectName"), p.name);
	assert_int_equal(num(e, "ownerId"), p.owner_id);
	assert_int_equal(num(e, "deploymentId"), id);
	assert_string_equal(str(e, "status"), "pending");
	assert_true(json_is_null(json_object_get(e, "previousStatus")));
	assert_true(json_is_null(json_object_get(e, "deployedIn")));
	assert_string_equal(str(e, "source"), "api");
	assert_true(json_equal(json_object_get(e, "meta"), meta));
	json_decref(e);
	reply_free(&r);
}

static void create_keeps_the_meta_that_was_sent(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[64];

	fixture_project(&p);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", p.id);
	struct reply r = post(PROJECT, path,
	                      "{\"commitSha\": \"9fceb02\", \"branch\": \"main\", "
	                      "\"commitMessage\": \"Fix the \\\"login\\\" page \\u00e9\", "
	                      "\"trigger\": \"git\"}");
	assert_int_equal(r.status, 201);
	json_t *want =
	    json_pack("{s:s, s:s, s:s, s:s}", "commitSha", "9fceb02", "branch", "main",
	              "commitMessage", "Fix the \"login\" page \xc3\xa9", "trigger", "git");
	assert_true(json_equal(json_object_get(r.json, "meta"), want));
	json_t *e = the_event(num(r.json, "id"), "deployment.created");
	assert_true(json_equal(json_object_get(e, "meta"), want));
	json_decref(e);
	json_decref(want);
	reply_free(&r);

	/* Only what was sent, plus the default trigger; a charset parameter is fine. */
	r = http(PROJECT, "POST", path, AUTH_TOKEN, "application/json; charset=utf-8",
	         "{\"branch\": \"release/1.2\"}", NULL);
	assert_int_equal(r.status, 201);
	want = json_pack("{s:s, s:s}", "branch", "release/1.2", "trigger", "api");
	assert_true(json_equal(json_object_get(r.json, "meta"), want));
	json_decref(want);
	reply_free(&r);

	/* 1000 characters is the limit, counted as characters. */
	char body[4096] = "{\"commitMessage\": \"";
	size_t n = strlen(body);
	for (int i = 0; i < 1000; i++, n += 2)
		memcpy(body + n, "\xc3\xa9", 2);
	memcpy(body + n, "\"}", 3);
	r = post(PROJECT, path, body);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_int_equal(project_events(p.id, "deployment.created"), 3);
}

/* The Unix time in milliseconds of a version 7 UUID: its first 48 bits. */
static int64_t uuid_v7_ms(const char *uuid)
{
	char hex[13];

	memcpy(hex, uuid, 8);
	memcpy(hex + 8, uuid + 9, 4);
	hex[12] = '\0';
	return strtoll(hex, NULL, 16);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Every eventId the service makes is a version 7 UUID (migration 0019): its first 48 bits are
 * the time it was made, so ids made later sort later, and the drain's inserts into the unique
 * index of event_keys land at its newest end instead of on a random leaf. The time is the
 * database's; the tests run on the same machine, so it is checked against this clock with a
 * minute either way.
 */
static void event_ids_are_version_7_uuids_in_time_order(void **state)
{
	(void)state;
	struct fixture_project p;
	const char *names[] = {"deployment.created", "deployment.created", "deployment.cancelled"};
	int64_t ids[3], at[3];
	char path[96], event_ids[3][37];

	fixture_project(&p);
	int64_t before = now_ms();
	ids[0] = deploy(p.id, NULL);
	ids[1] = deploy(p.id, NULL);
	ids[2] = ids[1];
	snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", ids[2]);
	struct reply r = post(PROJECT, path, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	int64_t after = now_ms();
	for (size_t i = 0; i < 3; i++) {
		json_t *e = the_event(ids[i], names[i]);
		const char *id = str(e, "eventId");
		if (!matches(id, UUID_V7_RE))
			fail_msg("%s of deployment %" PRId64 ": eventId %s is not a version 7 UUID",
			         names[i], ids[i], id);
		snprintf(event_ids[i], sizeof(event_ids[i]), "%s", id);
		at[i] = uuid_v7_ms(id);
		json_decref(e);
		assert_in_range(at[i], before - 60000, after + 60000);
		if (i > 0) {
			assert_true(at[i] >= at[i - 1]);
			assert_string_not_equal(event_ids[i], event_ids[i - 1]);
		}
	}
}

static void refused_creations_write_nothing(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[96], big[2048];

	fixture_project(&p);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", p.id);
	snprintf(big, sizeof(big), "{\"commitSha\": \"%01001d\"}", 0);
	/* clang-format off */
	const struct {
		const char *body, *content_type;
		long status;
		const char *needle;
	} cases[] = {
		{"{\"commitSha\": \"a\", \"author\": \"me\"}", NULL, 400, "author"},
		{"{\"trigger\": \"cron\"}",                NULL, 400, "trigger"},
		{"{\"branch\": 42}",                       NULL, 400, "branch"},
		{"{\"branch\": \"\"}",                     NULL, 400, "branch"},
		{big,                                      NULL, 400, "commitSha"},
		{"{\"branch\": \"main\"",                  NULL, 400, "JSON"},
		{"{\"branch\": \"a\", \"branch\": \"b\"}", NULL, 400, "JSON"},
		{"[]",                                     NULL, 400, "object"},
		{"\"main\"",                               NULL, 400, "JSON"},
		{"42",                                     NULL, 400, "JSON"},
		{"{\"branch\": \"main\"}", "text/plain",                        415, "application/json"},
		{"{\"branch\": \"main\"}", "application/x-www-form-urlencoded", 415, "json"},
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r = http(PROJECT, "POST", path, AUTH_TOKEN, cases[i].content_type,
		                      cases[i].body, NULL);
		assert_error(&r, cases[i].status,
		             cases[i].status == 400 ? "BadRequest" : "UnsupportedMediaType");
		if (!strstr(str(r.json, "message"), cases[i].needle))
			fail_msg("%s: message '%s' lacks '%s'", cases[i].body,
			         str(r.json, "message"), cases[i].needle);
		reply_free(&r);
	}
	/* A project that does not exist, and ids that are not ids. */
	struct reply r = post(PROJECT, "/projects/9223372036854775807/deployment", NULL);
	assert_error(&r, 404, "NotFound");
	assert_non_null(strstr(str(r.json, "message"), "9223372036854775807"));
	reply_free(&r);
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		snprintf(path, sizeof(path), "/projects/%s/deployment", bad_ids[i]);
		r = post(PROJECT, path, NULL);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, p.id), 0);
	assert_int_equal(project_events(p.id, NULL), 0);
}

static void wrong_methods_are_405_with_allow(void **state)
{
	(void)state;
	int64_t ids[1];
	char path[96];
	assert_true(seeded_project_ids(ids, 1) == 1);

	/* The path is head, then the id and tail when tail is not NULL. */
	const struct {
		const char *method, *head, *tail, *allow;
	} cases[] = {
	    {"GET",    "/projects/",          "/deployment",  "POST"     },
	    {"DELETE", "/projects/",          "/deployment",  "POST"     },
	    {"POST",   "/projects/",          "/deployments", "GET, HEAD"},
	    {"PUT",    "/deployments",        NULL,           "GET, HEAD"},
	    {"POST",   "/deployments",        NULL,           "GET, HEAD"},
	    {"DELETE", "/deployments/",       "",             "GET, HEAD"},
	    {"PATCH",  "/deployments/",       "",             "GET, HEAD"},
	    {"GET",    "/deployments/",       "/cancel",      "POST"     },
	    {"PUT",    "/deployment/webhook", NULL,           "POST"     },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].tail)
			snprintf(path, sizeof(path), "%s%" PRId64 "%s", cases[i].head, ids[0],
			         cases[i].tail);
		else
			snprintf(path, sizeof(path), "%s", cases[i].head);
		struct reply r = http(PROJECT, cases[i].method, path, AUTH_TOKEN, NULL, NULL, NULL);
		assert_error(&r, 405, "MethodNotAllowed");
		assert_string_equal(reply_header(&r, "Allow"), cases[i].allow);
		reply_free(&r);
	}
}

static void one_deployment_by_id(void **state)
{
	(void)state;
	char path[96];
	struct reply r = get(PROJECT, "/deployments/9223372036854775807");
	assert_error(&r, 404, "NotFound");
	reply_free(&r);
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		snprintf(path, sizeof(path), "/deployments/%s", bad_ids[i]);
		r = get(PROJECT, path);
		assert_error(&r, 400, "BadRequest");
		assert_non_null(strstr(str(r.json, "message"), "deployment id"));
		reply_free(&r);
		snprintf(path, sizeof(path), "/deployments/%s/cancel", bad_ids[i]);
		r = post(PROJECT, path, NULL);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	/* Unknown query parameters are refused rather than ignored. */
	r = get(PROJECT, "/deployments/1?expand=project");
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
}

/* The ids of a list answer, comma-separated. */
static char *ids_of(const json_t *list)
{
	static char out[1024];
	size_t i, n = 0;
	json_t *d;

	out[0] = '\0';
	json_array_foreach(list, i, d)
	{
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%" PRId64, i ? "," : "",
		                      num(d, "id"));
	}
	return out;
}

/* The same, computed by the database. */
static char *ids_sql(const char *where, int64_t offset)
{
	static char out[1024];
	json_t *rows =
	    sql("SELECT coalesce(string_agg(id::text, ',' ORDER BY created_at DESC, id DESC), "
	        "'') AS ids FROM (SELECT id, created_at FROM deployments WHERE %s "
	        "ORDER BY created_at DESC, id DESC LIMIT 8 OFFSET %" PRId64 ") s",
	        where, offset);
	snprintf(out, sizeof(out), "%s", str(json_array_get(rows, 0), "ids"));
	json_decref(rows);
	return out;
}

static void assert_page(const char *path, const char *where, int64_t page, int64_t total,
                        const char *link)
{
	struct reply r = get(PROJECT, path);
	if (r.status != 200)
		fail_msg("GET %s: %ld %s", path, r.status, r.body);
	assert_true(json_is_array(r.json));
	assert_string_equal(ids_of(r.json), ids_sql(where, (page - 1) * 8));
	char count[32];
	snprintf(count, sizeof(count), "%" PRId64, total);
	assert_string_equal(reply_header(&r, "X-Total-Count"), count);
	if (link)
		assert_string_equal(reply_header(&r, "Link"), link);
	reply_free(&r);
}

static void project_list_is_newest_first_in_pages_of_8(void **state)
{
	(void)state;
	struct fixture_project p, empty;
	char path[128], where[64], link[512];
	int64_t ids[19];

	fixture_project(&p);
	fixture_project(&empty);
	for (int i = 0; i < 19; i++)
		ids[i] = deploy(p.id, NULL);
	/* Ties on creation time are broken by id, descending. */
	json_decref(sql(
	    "UPDATE deployments SET created_at = (SELECT created_at FROM deployments WHERE id = "
	    "%" PRId64 ") WHERE id IN (%" PRId64 ", %" PRId64 ", %" PRId64 ")",
	    ids[10], ids[3], ids[10], ids[15]));
	snprintf(where, sizeof(where), "project_id = %" PRId64, p.id);

	char b[64];
	snprintf(b, sizeof(b), "/projects/%" PRId64 "/deployments", p.id);
	snprintf(path, sizeof(path), "%s", b);
	snprintf(link, sizeof(link),
	         "<%s?page=1>; rel=\"first\", <%s?page=2>; rel=\"next\", <%s?page=3>; rel=\"last\"",
	         b, b, b);
	assert_page(path, where, 1, 19, link);
	struct reply r = get(PROJECT, path);
	json_t *first = json_array_get(r.json, 0);
	assert_int_equal(num(first, "id"), ids[18]);
	assert_int_equal(json_array_size(r.json), 8);
	reply_free(&r);

	snprintf(path, sizeof(path), "%s?page=2", b);
	snprintf(
	    link, sizeof(link),
	    "<%s?page=1>; rel=\"first\", <%s?page=1>; rel=\"prev\", <%s?page=3>; rel=\"next\", "
	    "<%s?page=3>; rel=\"last\"",
	    b, b, b, b);
	assert_page(path, where, 2, 19, link);
	snprintf(path, sizeof(path), "%s?page=3", b);
	snprintf(link, sizeof(link),
	         "<%s?page=1>; rel=\"first\", <%s?page=2>; rel=\"prev\", <%s?page=3>; rel=\"last\"",
	         b, b, b);
	assert_page(path, where, 3, 19, link);
	r = get(PROJECT, path);
	assert_int_equal(json_array_size(r.json), 3);
	reply_free(&r);
	/* Past the end: an empty page, still with the total and links. */
	snprintf(path, sizeof(path), "%s?page=4", b);
	snprintf(link, sizeof(link),
	         "<%s?page=1>; rel=\"first\", <%s?page=3>; rel=\"prev\", <%s?page=3>; rel=\"last\"",
	         b, b, b);
	assert_page(path, where, 4, 19, link);
	snprintf(path, sizeof(path), "%s?page=1000000000", b);
	r = get(PROJECT, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 0);
	reply_free(&r);

	const char *bad_pages[] = {"0", "-1", "x", "1000000001", "", "1.0", "%201"};
	for (size_t i = 0; i < sizeof(bad_pages) / sizeof(bad_pages[0]); i++) {
		snprintf(path, sizeof(path), "%s?page=%s", b, bad_pages[i]);
		r = get(PROJECT, path);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	/* The project list takes no status filter; a typo is refused, not ignored. */
	snprintf(path, sizeof(path), "%s?status=done", b);
	r = get(PROJECT, path);
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
	snprintf(path, sizeof(path), "%s?pgae=2", b);
	r = get(PROJECT, path);
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);

	/* A project without deployments, and one that does not exist. */
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployments", empty.id);
	snprintf(link, sizeof(link), "<%s?page=1>; rel=\"first\", <%s?page=1>; rel=\"last\"", path,
	         path);
	snprintf(where, sizeof(where), "project_id = %" PRId64, empty.id);
	assert_page(path, where, 1, 0, link);
	r = get(PROJECT, "/projects/9223372036854775807/deployments");
	assert_error(&r, 404, "NotFound");
	reply_free(&r);
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		snprintf(path, sizeof(path), "/projects/%s/deployments", bad_ids[i]);
		r = get(PROJECT, path);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
}

static void all_deployments_filter_by_project_and_statuses(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[256], where[256], link[1024];
	int64_t ids[12];

	fixture_project(&p);
	for (int i = 0; i < 12; i++)
		ids[i] = deploy(p.id, NULL);
	for (int i = 0; i < 4; i++)
		move(&p, ids[i], "done");
	move(&p, ids[4], "building");
	move(&p, ids[5], "failed");
	for (int i = 6; i < 9; i++) {
		snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", ids[i]);
		struct reply r = post(PROJECT, path, NULL);
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}

	/* Without filters the total is every deployment (from the counters). */
	assert_page("/deployments", "true", 1, sql_int("SELECT count(*) FROM deployments"), NULL);
	snprintf(path, sizeof(path), "/deployments?projectId=%" PRId64, p.id);
	snprintf(where, sizeof(where), "project_id = %" PRId64, p.id);
	snprintf(link, sizeof(link),
	         "</deployments?projectId=%" PRId64 "&page=1>; rel=\"first\", "
	         "</deployments?projectId=%" PRId64 "&page=2>; rel=\"next\", "
	         "</deployments?projectId=%" PRId64 "&page=2>; rel=\"last\"",
	         p.id, p.id, p.id);
	assert_page(path, where, 1, 12, link);

	/* One status, several, and the filters kept in every link, in the order sent. */
	snprintf(path, sizeof(path), "/deployments?status=done&projectId=%" PRId64, p.id);
	snprintf(where, sizeof(where), "project_id = %" PRId64 " AND status = 'done'", p.id);
	assert_page(path, where, 1, 4, NULL);
	snprintf(path, sizeof(path),
	         "/deployments?projectId=%" PRId64 "&status=done,cancelled,failed&page=2", p.id);
	snprintf(where, sizeof(where),
	         "project_id = %" PRId64 " AND status IN ('done', 'cancelled', 'failed')", p.id);
	snprintf(link, sizeof(link),
	         "</deployments?projectId=%" PRId64 "&status=done%%2Ccancelled%%2Cfailed&page=1>; "
	         "rel=\"first\", "
	         "</deployments?projectId=%" PRId64 "&status=done%%2Ccancelled%%2Cfailed&page=1>; "
	         "rel=\"prev\", "
	         "</deployments?projectId=%" PRId64 "&status=done%%2Ccancelled%%2Cfailed&page=1>; "
	         "rel=\"last\"",
	         p.id, p.id, p.id);
	assert_page(path, where, 2, 8, link);
	/* Every project, by status: totals from the counters agree with a count. */
	assert_page(
	    "/deployments?status=building,deploying", "status IN ('building', 'deploying')", 1,
	    sql_int("SELECT count(*) FROM deployments WHERE status IN ('building', 'deploying')"),
	    NULL);
	assert_page("/deployments?status=pending", "status = 'pending'", 1,
	            sql_int("SELECT count(*) FROM deployments WHERE status = 'pending'"), NULL);

	/* Filters that match nothing, and a project that does not exist. */
	snprintf(path, sizeof(path), "/deployments?projectId=%" PRId64 "&status=deploying", p.id);
	snprintf(where, sizeof(where), "project_id = %" PRId64 " AND status = 'deploying'", p.id);
	assert_page(path, where, 1, 0, NULL);
	assert_page("/deployments?projectId=9223372036854775807", "false", 1, 0, NULL);

	const char *bad[] = {"projectId=0",
	                     "projectId=-1",
	                     "projectId=abc",
	                     "projectId=",
	                     "status=",
	                     "status=nope",
	                     "status=done,",
	                     "status=,done",
	                     "status=Done",
	                     "status=done%20",
	                     "createdAfter=yesterday",
	                     "createdBefore=2024-13-01T00:00:00Z",
	                     "createdAfter=2024-01-01",
	                     "page=0",
	                     "sort=id",
	                     "projectId=1&projectId=2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/deployments?%s", bad[i]);
		struct reply r = get(PROJECT, path);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
}

static void time_windows_are_exclusive_at_the_shown_precision(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[256], where[256], link[1024];
	int64_t ids[5];

	fixture_project(&p);
	for (int i = 0; i < 5; i++) {
		ids[i] = deploy(p.id, NULL);
		/* Microseconds the API does not show: 2021-03-0{1..5}T10:00:00.500123Z. */
		json_decref(sql(
		    "UPDATE deployments SET created_at = '2021-03-0%d 10:00:00.500123+00' WHERE id = "
		    "%" PRId64,
		    i + 1, ids[i]));
	}
	struct reply r;
	snprintf(path, sizeof(path), "/deployments/%" PRId64, ids[1]);
	r = get(PROJECT, path);
	assert_string_equal(str(r.json, "createdAt"), "2021-03-02T10:00:00.500Z");
	reply_free(&r);

	/* Both bounds exclusive, even given as the createdAt the API showed. */
	snprintf(path, sizeof(path),
	         "/projects/%" PRId64 "/deployments?createdAfter=2021-03-02T10:00:00.500Z"
	         "&createdBefore=2021-03-04T10:00:00.500Z",
	         p.id);
	snprintf(where, sizeof(where), "id = %" PRId64, ids[2]);
	snprintf(link, sizeof(link),
	         "</projects/%" PRId64 "/deployments?createdAfter=2021-03-02T10%%3A00%%3A00.500Z"
	         "&createdBefore=2021-03-04T10%%3A00%%3A00.500Z&page=1>; rel=\"first\", "
	         "</projects/%" PRId64 "/deployments?createdAfter=2021-03-02T10%%3A00%%3A00.500Z"
	         "&createdBefore=2021-03-04T10%%3A00%%3A00.500Z&page=1>; rel=\"last\"",
	         p.id, p.id);
	assert_page(path, where, 1, 1, link);
	/* A millisecond earlier takes the bound's deployment in. */
	snprintf(path, sizeof(path),
	         "/deployments?projectId=%" PRId64 "&createdAfter=2021-03-02T10:00:00.499Z", p.id);
	snprintf(where, sizeof(where), "project_id = %" PRId64 " AND id <> %" PRId64, p.id, ids[0]);
	assert_page(path, where, 1, 4, NULL);
	/* Offsets are instants: 11:00+01:00 is 10:00Z. */
	snprintf(path, sizeof(path),
	         "/deployments?projectId=%" PRId64
	         "&createdBefore=2021-03-03T11:00:00.501%%2B01:00&status=pending",
	         p.id);
	snprintf(where, sizeof(where), "id IN (%" PRId64 ", %" PRId64 ", %" PRId64 ")", ids[0],
	         ids[1], ids[2]);
	assert_page(path, where, 1, 3, NULL);
	/* An empty window, and the window on every project (an exact count). */
	snprintf(path, sizeof(path),
	         "/projects/%" PRId64 "/deployments?createdAfter=2021-03-03T00:00:00Z"
	         "&createdBefore=2021-03-03T00:00:00Z",
	         p.id);
	assert_page(path, "false", 1, 0, NULL);
	assert_page(
	    "/deployments?createdBefore=2021-03-03T10:00:00.501Z&createdAfter=2000-01-01T00:00:00Z",
	    "created_at < '2021-03-03T10:00:00.501Z' AND created_at >= '2000-01-01T00:00:00.001Z'",
	    1,
	    sql_int("SELECT count(*) FROM deployments WHERE created_at < "
	            "'2021-03-03T10:00:00.501Z' AND created_at >= '2000-01-01T00:00:00.001Z'"),
	    NULL);
}

/* Cancel takes no options; a body, when one is sent, is still checked like any other. */
static void cancel_refuses_a_malformed_body(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[96];

	int64_t id = fixture_deployment(&p);
	snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", id);
	struct reply r = post(PROJECT, path, "nope");
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
	r = http(PROJECT, "POST", path, AUTH_TOKEN, "text/plain", "please", NULL);
	assert_error(&r, 415, "UnsupportedMediaType");
	reply_free(&r);
	assert_int_equal(deployment_events(id, "deployment.cancelled"), 0);
	r = post(PROJECT, path, "{}");
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

static void cancel_moves_unfinished_deployments_to_cancelled(void **state)
{
	(void)state;
	struct fixture_project p;
	const char *unfinished[] = {"pending", "building", "deploying"};
	const char *finished[] = {"done", "failed", "cancelled"};
	char path[96];

	fixture_project(&p);
	for (size_t i = 0; i < 3; i++) {
		int64_t id = deploy(p.id, "{\"trigger\": \"manual\"}");
		if (i > 0)
			move(&p, id, unfinished[i]);
		int64_t before = deployment_events(id, NULL);
		snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", id);
		struct reply r = post(PROJECT, path, NULL);
		assert_int_equal(r.status, 200);
		assert_deployment_shape(r.json, p.id, "cancelled");
		assert_int_equal(num(r.json, "id"), id);
		assert_string_equal(str(json_object_get(r.json, "meta"), "trigger"), "manual");
		reply_free(&r);
		assert_int_equal(deployment_events(id, NULL), before + 1);
		json_t *e = the_event(id, "deployment.cancelled");
		assert_string_equal(str(e, "status"), "cancelled");
		assert_string_equal(str(e, "previousStatus"), unfinished[i]);
		assert_string_equal(str(e, "source"), "api");
		assert_int_equal(num(e, "projectId"), p.id);
		assert_string_equal(str(json_object_get(e, "meta"), "trigger"), "manual");
		json_decref(e);
		snprintf(path, sizeof(path), "/deployments/%" PRId64, id);
		r = get(PROJECT, path);
		assert_string_equal(str(r.json, "status"), "cancelled");
		reply_free(&r);
	}
	/* A finished deployment refuses, naming its status, and nothing is written. */
	for (size_t i = 0; i < 3; i++) {
		int64_t id = deploy(p.id, NULL);
		if (strcmp(finished[i], "cancelled") == 0) {
			snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", id);
			struct reply r = post(PROJECT, path, NULL);
			assert_int_equal(r.status, 200);
			reply_free(&r);
		} else {
			move(&p, id, finished[i]);
		}
		int64_t before = deployment_events(id, NULL);
		snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", id);
		struct reply r = post(PROJECT, path, NULL);
		assert_error(&r, 409, "Conflict");
		char want[96];
		snprintf(want, sizeof(want), "deployment %" PRId64 " is already %s", id,
		         finished[i]);
		assert_string_equal(str(r.json, "message"), want);
		reply_free(&r);
		assert_int_equal(deployment_events(id, NULL), before);
		snprintf(path, sizeof(path), "/deployments/%" PRId64, id);
		r = get(PROJECT, path);
		assert_string_equal(str(r.json, "status"), finished[i]);
		reply_free(&r);
	}
	struct reply r = post(PROJECT, "/deployments/9223372036854775807/cancel", NULL);
	assert_error(&r, 404, "NotFound");
	reply_free(&r);
}

static struct reply create_keyed(int64_t project_id, const char *key, const char *body)
{
	char path[64], header[512];
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", project_id);
	snprintf(header, sizeof(header), "Idempotency-Key: %s", key);
	const char *const extra[] = {header, NULL};
	return http(PROJECT, "POST", path, AUTH_TOKEN, NULL, body, extra);
}

static void idempotency_key_makes_a_retry_return_the_first(void **state)
{
	(void)state;
	struct fixture_project p, other;
	char key[128];

	fixture_project(&p);
	fixture_project(&other);
	snprintf(key, sizeof(key), "%s", unique("key"));
	struct reply first =
	    create_keyed(p.id, key, "{\"branch\": \"main\", \"trigger\": \"git\"}");
	assert_int_equal(first.status, 201);
	int64_t id = num(first.json, "id");

	/* The same request again, members in another order: 200, same Location, nothing new. */
	struct reply again =
	    create_keyed(p.id, key, "{\"trigger\": \"git\", \"branch\": \"main\"}");
	assert_int_equal(again.status, 200);
	assert_string_equal(reply_header(&again, "Location"), reply_header(&first, "Location"));
	assert_true(json_equal(again.json, first.json));
	reply_free(&again);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, p.id), 1);
	assert_int_equal(deployment_events(id, NULL), 1);

	/* The retry shows the deployment as it is now. */
	move(&p, id, "building");
	again = create_keyed(p.id, key, "{\"branch\": \"main\", \"trigger\": \"git\"}");
	assert_int_equal(again.status, 200);
	assert_string_equal(str(again.json, "status"), "building");
	reply_free(&again);

	/* The same key for another project or other meta is a conflict. */
	struct reply r =
	    create_keyed(other.id, key, "{\"branch\": \"main\", \"trigger\": \"git\"}");
	assert_error(&r, 409, "Conflict");
	reply_free(&r);
	r = create_keyed(p.id, key, "{\"branch\": \"dev\", \"trigger\": \"git\"}");
	assert_error(&r, 409, "Conflict");
	reply_free(&r);
	r = create_keyed(p.id, key, NULL);
	assert_error(&r, 409, "Conflict");
	reply_free(&r);
	/* A missing project is 404 and does not take the key. */
	char fresh[128];
	snprintf(fresh, sizeof(fresh), "%s", unique("key"));
	r = create_keyed(INT64_MAX, fresh, NULL);
	assert_error(&r, 404, "NotFound");
	reply_free(&r);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployment_requests WHERE idempotency_key = '%s'", fresh),
	    0);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, other.id), 0);
	assert_int_equal(project_events(p.id, NULL), 2); /* created, building */
	assert_int_equal(project_events(other.id, NULL), 0);

	/* No body and {"trigger": "api"} are the same request. */
	snprintf(fresh, sizeof(fresh), "%s", unique("key"));
	r = create_keyed(other.id, fresh, NULL);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	r = create_keyed(other.id, fresh, "{\"trigger\": \"api\"}");
	assert_int_equal(r.status, 200);
	reply_free(&r);

	/* After 24 hours the key may be used again, for a new deployment. */
	json_decref(
	    sql("UPDATE deployment_requests SET created_at = now() - interval '24 hours 1 second' "
	        "WHERE idempotency_key = '%s'",
	        key));
	r = create_keyed(other.id, key, NULL);
	assert_int_equal(r.status, 201);
	int64_t second = num(r.json, "id");
	assert_true(second != id);
	reply_free(&r);
	assert_int_equal(deployment_events(second, "deployment.created"), 1);
	r = create_keyed(other.id, key, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(num(r.json, "id"), second);
	reply_free(&r);
	reply_free(&first);
}

/* Keyed creations collect expired keys as they go; live keys stay. */
static void expired_keys_are_collected_by_later_creations(void **state)
{
	(void)state;
	struct fixture_project p;
	char key[96];

	int64_t d = fixture_deployment(&p);
	const char *tag = unique("expired");
	for (int i = 0; i < 15; i++)
		json_decref(
		    sql("INSERT INTO deployment_requests (idempotency_key, project_id, meta, "
		        "deployment_id, created_at) VALUES ('%s-%d', %" PRId64 ", '{}', %" PRId64
		        ", now() - interval '2 days')",
		        tag, i, p.id, d));
	json_decref(sql("INSERT INTO deployment_requests (idempotency_key, project_id, meta, "
	                "deployment_id) VALUES ('%s-live', %" PRId64 ", '{}', %" PRId64 ")",
	                tag, p.id, d));
	int64_t expired = sql_int("SELECT count(*) FROM deployment_requests "
	                          "WHERE created_at < now() - interval '24 hours'");

	snprintf(key, sizeof(key), "%s-new", tag);
	struct reply r = create_keyed(p.id, key, NULL);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_int_equal(sql_int("SELECT count(*) FROM deployment_requests "
	                         "WHERE created_at < now() - interval '24 hours'"),
	                 expired - 10);
	assert_int_equal(sql_int("SELECT count(*) FROM deployment_requests WHERE idempotency_key "
	                         "IN ('%s-live', '%s')",
	                         tag, key),
	                 2);
}

static void idempotency_key_must_be_1_to_255_visible_ascii(void **state)
{
	(void)state;
	struct fixture_project p;
	char key[300];

	fixture_project(&p);
	int n = snprintf(key, sizeof(key), "%s", unique("long"));
	memset(key + n, 'k', (size_t)(255 - n));
	key[255] = '\0';
	struct reply r = create_keyed(p.id, key, NULL);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	memset(key, 'k', 256);
	key[256] = '\0';
	const char *bad[] = {key, "two words", "caf\xc3\xa9", "tab\there"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = create_keyed(p.id, bad[i], NULL);
		assert_error(&r, 400, "BadRequest");
		assert_non_null(strstr(str(r.json, "message"), "Idempotency-Key"));
		reply_free(&r);
	}
	/*
	 * An empty header never reaches the application (lighttpd passes no empty header to
	 * FastCGI), so it is the same as none; the unit test covers the empty key itself.
	 */
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, p.id), 1);
}

struct create_call {
	int64_t project_id;
	const char *key; /* NULL for none */
	long status;
	int64_t id;
	char location[64];
};

static void *create_thread(void *arg)
{
	struct create_call *c = arg;
	char path[64];
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", c->project_id);
	struct reply r = c->key ? create_keyed(c->project_id, c->key, "{\"trigger\": \"git\"}")
	                        : post(PROJECT, path, NULL);
	c->status = r.status;
	c->id = json_integer_value(json_object_get(r.json, "id"));
	const char *loc = reply_header(&r, "Location");
	snprintf(c->location, sizeof(c->location), "%s", loc ? loc : "");
	reply_free(&r);
	return NULL;
}

static void parallel_creations_each_get_their_deployment_and_event(void **state)
{
	(void)state;
	struct fixture_project p;
	struct create_call calls[24] = {{0}};

	fixture_project(&p);
	for (int i = 0; i < 24; i++)
		calls[i].project_id = p.id;
	run_threads(24, create_thread, calls, sizeof(calls[0]));
	for (int i = 0; i < 24; i++) {
		assert_int_equal(calls[i].status, 201);
		for (int j = 0; j < i; j++)
			assert_true(calls[i].id != calls[j].id);
		assert_int_equal(deployment_events(calls[i].id, "deployment.created"), 1);
	}
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, p.id), 24);
	assert_int_equal(project_events(p.id, NULL), 24);
	/* The counters behind X-Total-Count kept up with concurrent writers. */
	char path[96];
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployments", p.id);
	struct reply r = get(PROJECT, path);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "24");
	reply_free(&r);
}

/* A webhook delivery of a thread: deployment id to status, with the project's secret. */
struct move_call {
	const struct fixture_project *p;
	int64_t id;
	const char *status;
};

static void *move_thread(void *arg)
{
	const struct move_call *m = arg;
	move(m->p, m->id, m->status);
	return NULL;
}

/*
 * Rows of project_deployments for the projects in `ids` (a SQL list) that differ from a recount
 * of deployments, either way; and total counters that differ from a count over all projects.
 */
static int64_t summary_drift(const char *ids)
{
	return sql_int(
	    "WITH now_kept AS (SELECT project_id, pending, building, deploying, done, failed, "
	    "                         cancelled, latest_id, latest_status, latest_created_at "
	    "                  FROM project_deployments WHERE project_id IN (%s)), "
	    "recount AS (SELECT c.*, l.id, l.status, l.created_at "
	    "            FROM (SELECT project_id, "
	    "                         count(*) FILTER (WHERE status = 'pending'), "
	    "                         count(*) FILTER (WHERE status = 'building'), "
	    "                         count(*) FILTER (WHERE status = 'deploying'), "
	    "                         count(*) FILTER (WHERE status = 'done'), "
	    "                         count(*) FILTER (WHERE status = 'failed'), "
	    "                         count(*) FILTER (WHERE status = 'cancelled') "
	    "                  FROM deployments WHERE project_id IN (%s) GROUP BY project_id) c "
	    "            JOIN (SELECT DISTINCT ON (project_id) project_id, id, status, created_at "
	    "                  FROM deployments WHERE project_id IN (%s) "
	    "                  ORDER BY project_id, created_at DESC, id DESC) l USING (project_id)), "
	    "totals AS (SELECT status, sum(n) FROM deployment_counts WHERE project_id = 0 "
	    "           GROUP BY status HAVING sum(n) <> 0), "
	    "counted AS (SELECT status, count(*) FROM deployments GROUP BY status) "
	    "SELECT (SELECT count(*) FROM ((TABLE now_kept EXCEPT TABLE recount) "
	    "                              UNION ALL (TABLE recount EXCEPT TABLE now_kept)) x) "
	    "     + (SELECT count(*) FROM ((TABLE totals EXCEPT TABLE counted) "
	    "                              UNION ALL (TABLE counted EXCEPT TABLE totals)) y)",
	    ids, ids, ids);
}

/*
 * Each project's summary (its deployments counted by status and the newest of them, behind its
 * flags, its latestDeployment and the per-project X-Total-Count) and the totals over all
 * projects stay what a recount says through every kind of write: concurrent creations (with
 * and without a key) and deliveries, a cancel, and by hand a row inserted, one made newest, one
 * moved to another project and one deleted.
 */
static void the_project_summaries_stay_exact(void **state)
{
	(void)state;
	struct fixture_project p, q;
	struct create_call calls[12] = {{0}};
	struct move_call moves[12];
	static const char *const steps[] = {"building", "done", "failed", "deploying"};
	char ids[64], path[96];

	fixture_project(&p);
	fixture_project(&q);
	snprintf(ids, sizeof(ids), "%" PRId64 ", %" PRId64, p.id, q.id);
	for (int i = 0; i < 12; i++) {
		calls[i].project_id = i % 3 ? p.id : q.id;
		calls[i].key = i % 2 ? unique("summary") : NULL;
	}
	run_threads(12, create_thread, calls, sizeof(calls[0]));
	for (int i = 0; i < 12; i++) {
		assert_int_equal(calls[i].status, 201);
		moves[i] = (struct move_call){i % 3 ? &p : &q, calls[i].id, steps[i % 4]};
	}
	assert_int_equal(summary_drift(ids), 0);
	run_threads(12, move_thread, moves, sizeof(moves[0]));
	assert_int_equal(summary_drift(ids), 0);

	snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", calls[3].id);
	struct reply r = post(PROJECT, path, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	/*
	 * By hand: one inserted, the oldest made newest, one moved to the other project, a new
	 * one deleted.
	 */
	sql_exec("INSERT INTO deployments (project_id) VALUES (%" PRId64 ")", q.id);
	sql_exec(
	    "UPDATE deployments SET created_at = now() + interval '1 hour' WHERE id = %" PRId64,
	    calls[1].id);
	sql_exec("UPDATE deployments SET project_id = %" PRId64 " WHERE id = %" PRId64, q.id,
	         calls[2].id);
	int64_t gone = deploy(p.id, NULL);
	sql_exec("DELETE FROM deployments WHERE id = %" PRId64, gone);
	assert_int_equal(summary_drift(ids), 0);

	/* The answers say the same: the newest, the flags, the totals. */
	snprintf(path, sizeof(path), "/projects/%" PRId64, p.id);
	r = get(PROJECT, path);
	assert_int_equal(r.status, 200);
	json_t *latest = json_object_get(r.json, "latestDeployment");
	assert_int_equal(num(latest, "id"), calls[1].id);
	assert_int_equal(
	    json_is_true(json_object_get(r.json, "hasLiveDeployment")),
	    sql_int("SELECT (count(*) > 0)::int FROM deployments WHERE project_id = %" PRId64
	            " AND status = 'done'",
	            p.id));
	assert_int_equal(
	    json_is_true(json_object_get(r.json, "hasOngoingDeployment")),
	    sql_int("SELECT (count(*) > 0)::int FROM deployments WHERE project_id = %" PRId64
	            " AND status IN ('pending', 'building', 'deploying')",
	            p.id));
	reply_free(&r);
	snprintf(path, sizeof(path), "/deployments?projectId=%" PRId64 "&status=done,failed", q.id);
	r = get(PROJECT, path);
	char expected[24];
	snprintf(expected, sizeof(expected), "%" PRId64,
	         sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64
	                 " AND status IN ('done', 'failed')",
	                 q.id));
	assert_string_equal(reply_header(&r, "X-Total-Count"), expected);
	reply_free(&r);
}

/*
 * A deployment's status, meta and deployed_in are checked by their domains (migration 0020),
 * whose constraints a connection reads once, not by table checks read back from text in every
 * statement: the table keeps only its check of two columns, and what the domains refuse is
 * refused as a check violation, as before.
 */
static void deployments_check_their_columns_by_domains(void **state)
{
	(void)state;
	struct fixture_project p;
	char st[6];

	fixture_project(&p);
	assert_int_equal(sql_int("SELECT count(*) FROM pg_constraint "
	                         "WHERE conrelid = 'deployments'::regclass AND contype = 'c'"),
	                 1);
	sql_state(st, "INSERT INTO deployments (project_id, status) VALUES (%" PRId64 ", 'bogus')",
	          p.id);
	assert_string_equal(st, "23514");
	sql_state(st, "INSERT INTO deployments (project_id, meta) VALUES (%" PRId64 ", '[]')",
	          p.id);
	assert_string_equal(st, "23514");
	sql_state(st,
	          "INSERT INTO deployments (project_id, status, deployed_in) "
	          "VALUES (%" PRId64 ", 'done', -1)",
	          p.id);
	assert_string_equal(st, "23514");
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, p.id), 0);
}

static void parallel_retries_of_one_key_create_one_deployment(void **state)
{
	(void)state;
	struct fixture_project p;
	struct create_call calls[20] = {{0}};
	char key[96];

	fixture_project(&p);
	snprintf(key, sizeof(key), "%s", unique("race"));
	for (int i = 0; i < 20; i++)
		calls[i].project_id = p.id, calls[i].key = key;
	/*
	 * With the project's row held, the first creation waits at its foreign key check with the
	 * key taken, and the others wait on the key: released, they find it taken by a transaction
	 * their own statement could not see, and must read the first deployment anew.
	 */
	race_at_row("projects", p.id, 20, create_thread, calls, sizeof(calls[0]));
	int created = 0;
	for (int i = 0; i < 20; i++) {
		if (calls[i].status != 201 && calls[i].status != 200)
			fail_msg("call %d: %ld", i, calls[i].status);
		created += calls[i].status == 201;
		assert_int_equal(calls[i].id, calls[0].id);
		assert_string_equal(calls[i].location, calls[0].location);
	}
	assert_int_equal(created, 1);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, p.id), 1);
	assert_int_equal(project_events(p.id, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_answers_201_with_location_and_writes_one_event),
	    cmocka_unit_test(create_keeps_the_meta_that_was_sent),
	    cmocka_unit_test(event_ids_are_version_7_uuids_in_time_order),
	    cmocka_unit_test(refused_creations_write_nothing),
	    cmocka_unit_test(wrong_methods_are_405_with_allow),
	    cmocka_unit_test(one_deployment_by_id),
	    cmocka_unit_test(project_list_is_newest_first_in_pages_of_8),
	    cmocka_unit_test(all_deployments_filter_by_project_and_statuses),
	    cmocka_unit_test(time_windows_are_exclusive_at_the_shown_precision),
	    cmocka_unit_test(cancel_refuses_a_malformed_body),
	    cmocka_unit_test(cancel_moves_unfinished_deployments_to_cancelled),
	    cmocka_unit_test(idempotency_key_makes_a_retry_return_the_first),
	    cmocka_unit_test(expired_keys_are_collected_by_later_creations),
	    cmocka_unit_test(idempotency_key_must_be_1_to_255_visible_ascii),
	    cmocka_unit_test(parallel_creations_each_get_their_deployment_and_event),
	    cmocka_unit_test(parallel_retries_of_one_key_create_one_deployment),
	    cmocka_unit_test(the_project_summaries_stay_exact),
	    cmocka_unit_test(deployments_check_their_columns_by_domains),
	};
	return cmocka_run_group_tests_name("e2e: deployments", tests, NULL, NULL);
}
