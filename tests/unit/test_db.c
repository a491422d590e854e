/*
 * common/db.c, the parts that need no server: the SQLSTATE table, parameters and the credentials
 * a URL names. Connections,
 * preparation and reconnection are proven end to end (tests/e2e), against a real Postgres.
 */
#include "db_query.h"
#include "unit.h"

static void sqlstates_map_to_outcomes(void **state)
{
	(void)state;
	assert_int_equal(db_sqlstate_err(NULL), ERR_UNAVAILABLE); /* connection lost */
	assert_int_equal(db_sqlstate_err(""), ERR_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("08006"), ERR_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("57P01"), ERR_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("57014"), ERR_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("40P01"), ERR_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("53300"), ERR_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("23505"), ERR_CONFLICT);
	assert_int_equal(db_sqlstate_err("23503"), ERR_CONFLICT);
	assert_int_equal(db_sqlstate_err("23514"), ERR_BAD_REQUEST);
	assert_int_equal(db_sqlstate_err("22P02"), ERR_BAD_REQUEST);
	assert_int_equal(db_sqlstate_err("42501"), ERR_INTERNAL); /* a privilege bug is ours */
	assert_int_equal(db_sqlstate_err("42P01"), ERR_INTERNAL);
	assert_int_equal(db_sqlstate_err("57P04"), ERR_INTERNAL);
}

static void integer_parameters(void **state)
{
	(void)state;
	char b[DB_INT64_LEN];
	assert_string_equal(db_param_int64(b, INT64_MIN), "-9223372036854775808");
	assert_string_equal(db_param_int64(b, 0), "0");
	assert_string_equal(db_param_int64(b, INT64_MAX), "9223372036854775807");
}

static void credentials_a_url_names(void **state)
{
	(void)state;
	char user[64], password[64];

	assert_true(db_url_credentials("postgresql://panel_project:s%40cret@db:5432/panel", user,
	                               sizeof(user), password, sizeof(password)));
	assert_string_equal(user, "panel_project");
	assert_string_equal(password, "s@cret"); /* percent-decoded, as libpq will send it */
	assert_true(db_url_credentials("host=db user=panel_aggregator password='a b'", user,
	                               sizeof(user), password, sizeof(password)));
	assert_string_equal(user, "panel_aggregator");
	assert_string_equal(password, "a b");
	assert_true(db_url_credentials("postgresql:///panel?host=/run/pg", user, sizeof(user),
	                               password, sizeof(password)));
	assert_string_equal(user, "");
	assert_string_equal(password, "");
	assert_false(db_url_credentials("postgresql://[::1", user, sizeof(user), password,
	                                sizeof(password)));
	assert_false(db_url_credentials("host=db nonsense=1", user, sizeof(user), password,
	                                sizeof(password)));
}

/* A timestamp's text to the API's form and to microseconds: what to_char() and extract() gave. */
static void timestamps_as_the_api_writes_them(void **state)
{
	(void)state;
	char out[DB_TIME_LEN];
	int64_t us;

	assert_true(db_time_api("2023-06-22 06:02:08.597123+00", out, &us));
	assert_string_equal(out, "2023-06-22T06:02:08.597Z");
	assert_int_equal(us, INT64_C(1687413728597123));
	/* Trailing zeros dropped by the server; milliseconds truncated, never rounded. */
	assert_true(db_time_api("2023-06-22 06:02:08.5+00", out, &us));
	assert_string_equal(out, "2023-06-22T06:02:08.500Z");
	assert_int_equal(us, INT64_C(1687413728500000));
	assert_true(db_time_api("2023-06-22 06:02:08.0009+00", out, &us));
	assert_string_equal(out, "2023-06-22T06:02:08.000Z");
	assert_int_equal(us, INT64_C(1687413728000900));
	assert_true(db_time_api("2024-02-29 23:59:59.999999+00", out, &us));
	assert_string_equal(out, "2024-02-29T23:59:59.999Z");
	assert_int_equal(us, INT64_C(1709251199999999));
	/* A whole second has no fraction at all; the epoch and before it. */
	assert_true(db_time_api("1970-01-01 00:00:00+00", out, &us));
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	assert_int_equal(us, 0);
	assert_true(db_time_api("1969-12-31 23:59:59.25+00", out, &us));
	assert_int_equal(us, -750000);
	assert_true(db_time_api("0001-01-01 00:00:00+00", out, NULL));
	assert_string_equal(out, "0001-01-01T00:00:00.000Z");
	/* Anything else is refused, not guessed. */
	const char *refused[] = {"infinity",
	                         "-infinity",
	                         "",
	                         "2023-06-22 06:02:08.597+02",
	                         "2023-06-22T06:02:08.597+00",
	                         "12023-06-22 06:02:08+00",
	                         "0044-03-15 12:00:00+00 BC",
	                         "2023-06-22 06:02:08.+00",
	                         "2023-06-22 06:02:08.1234567+00",
	                         "2023-13-01 00:00:00+00",
	                         "2023-06-22 06:02+00"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_false(db_time_api(refused[i], out, &us));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sqlstates_map_to_outcomes),
	    cmocka_unit_test(timestamps_as_the_api_writes_them),
	    cmocka_unit_test(integer_parameters),
	    cmocka_unit_test(credentials_a_url_names),
	};
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
