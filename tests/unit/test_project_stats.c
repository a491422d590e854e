/*
 * fcgi/project/stats.c, without Postgres (fake_project_db.c answers for the database): the
 * answer's fields and numbers, and the 404 of an unknown user.
 */
#include "call.h"
#include "fake_project_db.h"

static struct project_app app;
static struct call c;

static void the_statistics_are_plain_json_numbers(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.found = true;
	fake_db.stats = (struct user_stats){.weeks = 3,
	                                    .deployments = 7,
	                                    .successful = 2,
	                                    .average = 7.0 / 3,
	                                    .average_successful = 2.0 / 3};
	assert_int_equal(call(&c, &app, stats_get, "GET", "/users/4/stats", NULL, NULL, 4), ERR_OK);
	assert_int_equal(fake_db.id, 4);
	assert_int_equal(c.resp.status, 200);
	json_t *s = call_json(&c);
	assert_int_equal(json_object_size(s), 6);
	assert_int_equal(json_integer_value(json_object_get(s, "userId")), 4);
	assert_int_equal(json_integer_value(json_object_get(s, "weeks")), 3);
	assert_int_equal(json_integer_value(json_object_get(s, "deployments")), 7);
	assert_int_equal(json_integer_value(json_object_get(s, "successfulDeployments")), 2);
	/* Not rounded: the doubles as computed. */
	assert_true(json_real_value(json_object_get(s, "averageWeeklyDeployments")) == 7.0 / 3);
	assert_true(json_real_value(json_object_get(s, "averageWeeklySuccessfulDeployments")) ==
	            2.0 / 3);
	json_decref(s);

	/* A user without deployments: zeros everywhere, the averages still numbers. */
	fake_db.stats = (struct user_stats){0};
	assert_int_equal(call(&c, &app, stats_get, "GET", "/users/4/stats", NULL, NULL, 4), ERR_OK);
	assert_string_equal(
	    c.resp.body.data,
	    "{\"userId\":4,\"weeks\":0,\"deployments\":0,\"successfulDeployments\":0,"
	    "\"averageWeeklyDeployments\":0.0,"
	    "\"averageWeeklySuccessfulDeployments\":0.0}");
}

static void an_unknown_user_is_404(void **state)
{
	(void)state;
	fake_db_reset();
	assert_int_equal(call(&c, &app, stats_get, "GET", "/users/9/stats", NULL, NULL, 9),
	                 ERR_NOT_FOUND);
	assert_string_equal(c.resp.message, "user 9 does not exist");

	fake_db.rc = ERR_UNAVAILABLE;
	assert_int_equal(call(&c, &app, stats_get, "GET", "/users/9/stats", NULL, NULL, 9),
	                 ERR_UNAVAILABLE);
	call_reset(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_statistics_are_plain_json_numbers),
	    cmocka_unit_test(an_unknown_user_is_404),
	};
	return cmocka_run_group_tests_name("project: stats", tests, NULL, NULL);
}
