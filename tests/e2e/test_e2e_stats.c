/*
 * GET /users/{id}/stats end to end: counts over all of a user's projects and nobody else's,
 * ISO weeks (Monday, UTC) from the week of the first deployment to this one, plain averages,
 * zeros for a user without deployments, and the errors.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "deploy.h"

static json_t *stats(int64_t user_id)
{
	char path[64];
	snprintf(path, sizeof(path), "/users/%" PRId64 "/stats", user_id);
	struct reply r = get(PROJECT, path);
	if (r.status != 200)
		fail_msg("GET %s: %ld %s", path, r.status, r.body);
	json_t *body = json_incref(r.json);
	reply_free(&r);
	assert_int_equal(json_object_size(body), 6);
	assert_int_equal(num(body, "userId"), user_id);
	return body;
}

static double real(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static void user_without_deployments_gets_zeros(void **state)
{
	(void)state;
	struct fixture_project p;

	fixture_project(&p);
	json_t *s = stats(p.owner_id);
	assert_int_equal(num(s, "weeks"), 0);
	assert_int_equal(num(s, "deployments"), 0);
	assert_int_equal(num(s, "successfulDeployments"), 0);
	assert_true(real(s, "averageWeeklyDeployments") == 0);
	assert_true(real(s, "averageWeeklySuccessfulDeployments") == 0);
	json_decref(s);
}

static void counts_cover_every_project_of_the_user_and_only_theirs(void **state)
{
	(void)state;
	struct fixture_project a, stranger;
	int64_t ids[5];

	fixture_project(&a);
	fixture_project(&stranger);
	/* A second project of the same owner. */
	int64_t b =
	    sql_int("INSERT INTO projects (name, owner_id, app_secret) VALUES ('%s', %" PRId64
	            ", 'secret-b') RETURNING id",
	            unique("second"), a.owner_id);
	for (int i = 0; i < 3; i++)
		ids[i] = deploy(a.id, NULL);
	for (int i = 3; i < 5; i++)
		ids[i] = deploy(b, NULL);
	move(&a, ids[0], "done");
	move(&a, ids[1], "failed");
	char body[96];
	snprintf(body, sizeof(body), "{\"id\": %" PRId64 ", \"status\": \"done\"}", ids[4]);
	struct reply r = http(PROJECT, "POST", "/deployment/webhook", "secret-b", NULL, body, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	/* The stranger's deployments count for the stranger only. */
	for (int i = 0; i < 4; i++)
		move(&stranger, deploy(stranger.id, NULL), "done");

	/* The first deployment exactly two weeks ago: its week, last week and this one. */
	json_decref(sql(
	    "UPDATE deployments SET created_at = now() - interval '14 days' WHERE id = %" PRId64,
	    ids[2]));
	json_t *s = stats(a.owner_id);
	assert_int_equal(num(s, "weeks"), 3);
	assert_int_equal(num(s, "deployments"), 5);
	assert_int_equal(num(s, "successfulDeployments"), 2);
	assert_true(real(s, "averageWeeklyDeployments") == 5.0 / 3.0);
	assert_true(real(s, "averageWeeklySuccessfulDeployments") == 2.0 / 3.0);
	json_decref(s);

	s = stats(stranger.owner_id);
	assert_int_equal(num(s, "weeks"), 1);
	assert_int_equal(num(s, "deployments"), 4);
	assert_int_equal(num(s, "successfulDeployments"), 4);
	assert_true(real(s, "averageWeeklyDeployments") == 4.0);
	assert_true(real(s, "averageWeeklySuccessfulDeployments") == 4.0);
	json_decref(s);
}

/* Weeks start on Monday 00:00 UTC: one microsecond earlier is the week before. */
static void weeks_are_iso_weeks_in_utc(void **state)
{
	(void)state;
	struct fixture_project p;

	fixture_project(&p);
	int64_t id = deploy(p.id, NULL);
	deploy(p.id, NULL);
	json_decref(
	    sql("UPDATE deployments SET created_at = date_trunc('week', now() AT TIME ZONE 'UTC') "
	        "AT TIME ZONE 'UTC' WHERE id = %" PRId64,
	        id));
	json_t *s = stats(p.owner_id);
	assert_int_equal(num(s, "weeks"), 1);
	assert_true(real(s, "averageWeeklyDeployments") == 2.0);
	json_decref(s);

	json_decref(
	    sql("UPDATE deployments SET created_at = date_trunc('week', now() AT TIME ZONE 'UTC') "
	        "AT TIME ZONE 'UTC' - interval '1 microsecond' WHERE id = %" PRId64,
	        id));
	s = stats(p.owner_id);
	assert_int_equal(num(s, "weeks"), 2);
	assert_true(real(s, "averageWeeklyDeployments") == 1.0);
	assert_true(real(s, "averageWeeklySuccessfulDeployments") == 0.0);
	json_decref(s);

	/* A year back: 52 or 53 weeks later, as the calendar says. */
	json_decref(sql(
	    "UPDATE deployments SET created_at = now() - interval '365 days' WHERE id = %" PRId64,
	    id));
	int64_t want = sql_int("SELECT (date_trunc('week', now() AT TIME ZONE 'UTC')::date - "
	                       "date_trunc('week', (now() - interval '365 days') AT TIME ZONE "
	                       "'UTC')::date) / 7 + 1");
	s = stats(p.owner_id);
	assert_int_equal(num(s, "weeks"), want);
	assert_true(real(s, "averageWeeklyDeployments") == 2.0 / (double)want);
	json_decref(s);
}

static void unknown_users_and_bad_ids(void **state)
{
	(void)state;
	char path[64];

	struct reply r = get(PROJECT, "/users/9223372036854775807/stats");
	assert_error(&r, 404, "NotFound");
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "message")), "user"));
	reply_free(&r);
	const char *bad[] = {"0", "-1", "abc", "9223372036854775808"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/users/%s/stats", bad[i]);
		r = get(PROJECT, path);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	r = http(PROJECT, "POST", "/users/1/stats", AUTH_TOKEN, NULL, NULL, NULL);
	assert_error(&r, 405, "MethodNotAllowed");
	assert_string_equal(reply_header(&r, "Allow"), "GET, HEAD");
	reply_free(&r);
	r = get(PROJECT, "/users/1/stats?weeks=4");
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(user_without_deployments_gets_zeros),
	    cmocka_unit_test(counts_cover_every_project_of_the_user_and_only_theirs),
	    cmocka_unit_test(weeks_are_iso_weeks_in_utc),
	    cmocka_unit_test(unknown_users_and_bad_ids),
	};
	return cmocka_run_group_tests_name("e2e: stats", tests, NULL, NULL);
}
