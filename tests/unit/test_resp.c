/* common/resp.c: answers, and the contract's error body. */
#include <string.h>

#include "resp.h"
#include "unit.h"

static void errors_render_as_the_contract_says(void **state)
{
	(void)state;
	struct resp resp = {.headers = BUF_INIT(0), .body = BUF_INIT(0)};

	enum err e = resp_error(&resp, ERR_NOT_FOUND, "project %d does not exist", 42);
	assert_int_equal(e, ERR_NOT_FOUND);
	resp_render_error(&resp, e);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.body.data,
	                    "{\"name\":\"NotFound\",\"message\":\"project 42 does not exist\"}");

	/* A message echoing invalid UTF-8 still renders as valid JSON. */
	resp_reset(&resp);
	resp_render_error(&resp, resp_error(&resp, ERR_BAD_REQUEST, "bad '%s'", "\xff\xfe"));
	assert_string_equal(resp.body.data, "{\"name\":\"BadRequest\",\"message\":\"bad '\?\?'\"}");

	/* Without a message, a default one that says nothing internal. */
	resp_reset(&resp);
	resp_render_error(&resp, ERR_UNAVAILABLE);
	assert_int_equal(resp.status, 503);
	assert_non_null(strstr(resp.body.data, "ServiceUnavailable"));
	buf_free(&resp.headers);
	buf_free(&resp.body);
}

static void json_and_text_answers(void **state)
{
	(void)state;
	struct resp resp = {.headers = BUF_INIT(0), .body = BUF_INIT(0)};

	assert_int_equal(resp_json(&resp, 201, json_pack("{s:s}", "a", "é")), ERR_OK);
	assert_int_equal(resp.status, 201);
	assert_string_equal(resp.body.data, "{\"a\":\"é\"}");
	assert_null(resp.content_type);

	resp_reset(&resp);
	assert_int_equal(resp_text(&resp, 200, "application/yaml", "a: 1\n", 5), ERR_OK);
	assert_string_equal(resp.content_type, "application/yaml");
	resp_header(&resp, "Location", "/things/%d", 5);
	assert_string_equal(resp.headers.data, "Location: /things/5\r\n");
	buf_free(&resp.headers);
	buf_free(&resp.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(errors_render_as_the_contract_says),
	    cmocka_unit_test(json_and_text_answers),
	};
	return cmocka_run_group_tests_name("resp", tests, NULL, NULL);
}
