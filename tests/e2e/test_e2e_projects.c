/*
 * Projects end to end: the list by id in pages of 8 with its headers, one project, and the
 * fields computed from its deployments (hasOngoingDeployment, hasLiveDeployment,
 * latestDeployment) as deployments come and go. The app secret never appears.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "deploy.h"

static json_t *project(const struct fixture_project *p)
{
	char path[64];
	snprintf(path, sizeof(path), "/projects/%" PRId64, p->id);
	struct reply r = get(PROJECT, path);
	if (r.status != 200)
		fail_msg("GET %s: %ld %s", path, r.status, r.body);
	assert_null(strstr(r.body, p->secret));
	json_t *body = json_incref(r.json);
	reply_free(&r);
	return body;
}

static void assert_flags(const json_t *j, bool ongoing, bool live)
{
	assert_true(json_is_boolean(json_object_get(j, "hasOngoingDeployment")));
	assert_true(json_is_boolean(json_object_get(j, "hasLiveDeployment")));
	assert_int_equal(json_is_true(json_object_get(j, "hasOngoingDeployment")), ongoing);
	assert_int_equal(json_is_true(json_object_get(j, "hasLiveDeployment")), live);
}

/* latestDeployment is {id, status, createdAt} of the given deployment. */
static void assert_latest(const json_t *j, int64_t id, const char *status)
{
	char path[64];
	json_t *latest = json_object_get(j, "latestDeployment");
	assert_int_equal(json_object_size(latest), 3);
	assert_int_equal(num(latest, "id"), id);
	assert_string_equal(str(latest, "status"), status);
	snprintf(path, sizeof(path), "/deployments/%" PRId64, id);
	struct reply r = get(PROJECT, path);
	assert_string_equal(str(latest, "createdAt"), str(r.json, "createdAt"));
	reply_free(&r);
}

static void flags_and_latest_deployment_follow_the_deployments(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[64];

	fixture_project(&p);
	json_t *j = project(&p);
	const char *const keys[] = {"id",
	                            "name",
	                            "url",
	                            "ownerId",
	                            "createdAt",
	                            "hasOngoingDeployment",
	                            "hasLiveDeployment",
	                            "latestDeployment"};
	assert_int_equal(json_object_size(j), 8);
	for (size_t i = 0; i < 8; i++)
		assert_non_null(json_object_get(j, keys[i]));
	assert_int_equal(num(j, "id"), p.id);
	assert_string_equal(str(j, "name"), p.name);
	assert_int_equal(num(j, "ownerId"), p.owner_id);
	assert_true(matches(str(j, "createdAt"), RFC3339_MS));
	assert_true(json_is_null(json_object_get(j, "url")));
	assert_true(json_is_null(json_object_get(j, "latestDeployment")));
	assert_flags(j, false, false);
	json_decref(j);

	int64_t first = deploy(p.id, NULL);
	j = project(&p);
	assert_flags(j, true, false);
	assert_latest(j, first, "pending");
	json_decref(j);

	move(&p, first, "building");
	j = project(&p);
	assert_flags(j, true, false);
	assert_latest(j, first, "building");
	json_decref(j);

	move(&p, first, "done");
	j = project(&p);
	assert_flags(j, false, true);
	assert_latest(j, first, "done");
	assert_true(json_is_string(json_object_get(j, "url")));
	json_decref(j);

	int64_t second = deploy(p.id, NULL);
	j = project(&p);
	assert_flags(j, true, true);
	assert_latest(j, second, "pending");
	json_decref(j);

	snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", second);
	struct reply r = post(PROJECT, path, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	j = project(&p);
	assert_flags(j, false, true);
	assert_latest(j, second, "cancelled");
	json_decref(j);

	/* A project whose only deployment failed has neither. */
	struct fixture_project f;
	int64_t failed = fixture_deployment(&f);
	move(&f, failed, "failed");
	j = project(&f);
	assert_flags(j, false, false);
	assert_latest(j, failed, "failed");
	assert_true(json_is_null(json_object_get(j, "url")));
	json_decref(j);
}

static void list_is_by_id_in_pages_of_8(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[64], link[512], count[32];

	fixture_project(&p);
	deploy(p.id, NULL);
	int64_t total = sql_int("SELECT count(*) FROM projects");
	int64_t last = (total + 7) / 8;
	snprintf(count, sizeof(count), "%" PRId64, total);

	struct reply r = get(PROJECT, "/projects");
	assert_int_equal(r.status, 200);
	assert_string_equal(reply_header(&r, "X-Total-Count"), count);
	snprintf(link, sizeof(link),
	         "</projects?page=1>; rel=\"first\", </projects?page=2>; rel=\"next\", "
	         "</projects?page=%" PRId64 ">; rel=\"last\"",
	         last);
	assert_string_equal(reply_header(&r, "Link"), link);
	assert_int_equal(json_array_size(r.json), 8);
	json_t *rows = sql("SELECT id FROM projects ORDER BY id LIMIT 8");
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(num(json_array_get(r.json, i), "id"),
		                 strtoll(str(json_array_get(rows, i), "id"), NULL, 10));
	json_decref(rows);
	reply_free(&r);

	/* The fixture on its page looks as it does alone. */
	int64_t rank = sql_int("SELECT count(*) FROM projects WHERE id <= %" PRId64, p.id);
	snprintf(path, sizeof(path), "/projects?page=%" PRId64, (rank + 7) / 8);
	r = get(PROJECT, path);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, p.secret));
	json_t *mine = json_array_get(r.json, (size_t)((rank - 1) % 8));
	json_t *alone = project(&p);
	assert_true(json_equal(mine, alone));
	json_decref(alone);
	reply_free(&r);

	snprintf(path, sizeof(path), "/projects?page=%" PRId64, last + 1);
	r = get(PROJECT, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 0);
	assert_string_equal(reply_header(&r, "X-Total-Count"), count);
	reply_free(&r);

	const char *bad[] = {"page=0", "page=-1", "page=x", "page=1000000001", "page=", "name=x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/projects?%s", bad[i]);
		r = get(PROJECT, path);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
}

static void one_project_errors(void **state)
{
	(void)state;
	char path[64];
	struct reply r = get(PROJECT, "/projects/9223372036854775807");
	assert_error(&r, 404, "NotFound");
	assert_string_equal(str(r.json, "message"), "project 9223372036854775807 does not exist");
	reply_free(&r);
	const char *bad[] = {"0", "-1", "abc", "9223372036854775808"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/projects/%s", bad[i]);
		r = get(PROJECT, path);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	r = http(PROJECT, "DELETE", "/projects/1", AUTH_TOKEN, NULL, NULL, NULL);
	assert_error(&r, 405, "MethodNotAllowed");
	assert_string_equal(reply_header(&r, "Allow"), "GET, HEAD");
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(flags_and_latest_deployment_follow_the_deployments),
	    cmocka_unit_test(list_is_by_id_in_pages_of_8),
	    cmocka_unit_test(one_project_errors),
	};
	return cmocka_run_group_tests_name("e2e: projects", tests, NULL, NULL);
}
