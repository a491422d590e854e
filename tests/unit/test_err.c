/* common/err.c: the one list of outcomes maps to the contract's statuses and names. */
#include <string.h>

#include "err.h"
#include "unit.h"

static void statuses_and_names_follow_the_contract(void **state)
{
	(void)state;
	static const struct {
		enum err e;
		int status;
		const char *name;
	} want[] = {
	    {ERR_OK,	             200, "OK"                  },
	    {ERR_BAD_REQUEST,            400, "BadRequest"          },
	    {ERR_UNAUTHORIZED,           401, "Unauthorized"        },
	    {ERR_FORBIDDEN,              403, "Forbidden"           },
	    {ERR_NOT_FOUND,              404, "NotFound"            },
	    {ERR_METHOD_NOT_ALLOWED,     405, "MethodNotAllowed"    },
	    {ERR_CONFLICT,               409, "Conflict"            },
	    {ERR_PAYLOAD_TOO_LARGE,      413, "PayloadTooLarge"     },
	    {ERR_UNSUPPORTED_MEDIA_TYPE, 415, "UnsupportedMediaType"},
	    {ERR_INTERNAL,               500, "InternalServerError" },
	    {ERR_UNAVAILABLE,            503, "ServiceUnavailable"  },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(err_status(want[i].e), want[i].status);
		assert_string_equal(err_name(want[i].e), want[i].name);
		assert_string_not_equal(err_reason(want[i].status), "Unknown");
	}
	assert_string_equal(err_reason(403), "Forbidden");
	assert_string_equal(err_reason(404), "Not Found");
	assert_string_equal(err_reason(415), "Unsupported Media Type");
	assert_string_equal(err_reason(304), "Not Modified");
	assert_string_equal(err_reason(201), "Created");
	assert_string_equal(err_reason(299), "Unknown");
	assert_non_null(strstr(err_default_message(ERR_UNAVAILABLE), "unavailable"));
}

/* /metrics counts each of these apart: every outcome's status and the two other successes. */
static void the_statuses_answered_are_the_lists_ascending(void **state)
{
	(void)state;
	static const int want[] = {200, 201, 304, 400, 401, 403, 404, 405, 409, 413, 415, 500, 503};
	assert_int_equal(ERR_NSTATUSES, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < ERR_NSTATUSES; i++)
		assert_int_equal(err_status_at(i), want[i]);
	assert_int_equal(err_status_at(ERR_NSTATUSES), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(statuses_and_names_follow_the_contract),
	    cmocka_unit_test(the_statuses_answered_are_the_lists_ascending),
	};
	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
