/* common/etag.c: strong ETags over headers and body, and If-None-Match. */
#include <stdio.h>
#include <string.h>

#include "etag.h"
#include "req.h"
#include "resp.h"
#include "unit.h"

static void etags_match_as_rfc_9110_says(void **state)
{
	(void)state;
	const char *tag = "\"abc\"";
	assert_true(etag_matches("\"abc\"", tag));
	assert_true(etag_matches("W/\"abc\"", tag));
	assert_true(etag_matches("\"x\", \"abc\"", tag));
	assert_true(etag_matches("*", tag));
	assert_false(etag_matches("\"abcd\"", tag));
	assert_false(etag_matches("\"ab\"", tag));
	assert_false(etag_matches("abc", tag));
	assert_false(etag_matches("\"abc", tag));
	assert_false(etag_matches("", tag));
	assert_false(etag_matches(NULL, tag));
}

/* Renders a 200 answer for GET with the given header block and body; returns its ETag line. */
static char *etag_of(const char *headers, const char *body, const char *if_none_match, int *status)
{
	static char line[128];
	struct resp resp = {.headers = BUF_INIT(0), .body = BUF_INIT(0)};
	struct req req = {.method = "GET", .if_none_match = if_none_match};

	buf_puts(&resp.headers, headers);
	buf_puts(&resp.body, body);
	resp.status = 200;
	etag_apply(&req, &resp);
	const char *e = strstr(resp.headers.data, "ETag: ");
	assert_non_null(e);
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(e + 6, "\r"), e + 6);
	*status = resp.status;
	if (resp.status == 304)
		assert_int_equal(resp.body.len, 0);
	buf_free(&resp.headers);
	buf_free(&resp.body);
	return line;
}

static void etags_cover_headers_and_body_and_turn_into_304(void **state)
{
	(void)state;
	char a[128], b[128], c[128];
	int status;
	snprintf(a, sizeof(a), "%s", etag_of("X-Total-Count: 9\r\n", "[1,2]", NULL, &status));
	assert_int_equal(status, 200);
	assert_int_equal(strlen(a), 34);
	snprintf(b, sizeof(b), "%s", etag_of("X-Total-Count: 10\r\n", "[1,2]", NULL, &status));
	snprintf(c, sizeof(c), "%s", etag_of("X-Total-Count: 9\r\n", "[1,3]", NULL, &status));
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_equal(etag_of("X-Total-Count: 9\r\n", "[1,2]", NULL, &status), a);

	etag_of("X-Total-Count: 9\r\n", "[1,2]", a, &status);
	assert_int_equal(status, 304);
	etag_of("X-Total-Count: 10\r\n", "[1,2]", a, &status);
	assert_int_equal(status, 200);

	/* Only successful GETs get one. */
	struct resp resp = {.headers = BUF_INIT(0), .body = BUF_INIT(0)};
	struct req post = {.method = "POST"};
	resp.status = 201;
	assert_int_equal(etag_apply(&post, &resp), 0);
	assert_int_equal(resp.headers.len, 0);
	buf_free(&resp.headers);
}

/* A tag that does not fit the answer's headers is a failure, and the answer stays as it was. */
static void a_tag_that_does_not_fit_is_a_failure(void **state)
{
	(void)state;
	struct resp resp = {.headers = BUF_INIT(40), .body = BUF_INIT(0)};
	struct req get = {.method = "GET", .if_none_match = "*"};
	buf_puts(&resp.headers, "X-Total-Count: 9\r\n");
	buf_puts(&resp.body, "[1,2]");
	resp.status = 200;
	assert_int_equal(etag_apply(&get, &resp), -1);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.headers.data, "X-Total-Count: 9\r\n");
	assert_string_equal(resp.body.data, "[1,2]");
	buf_free(&resp.headers);
	buf_free(&resp.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(etags_match_as_rfc_9110_says),
	    cmocka_unit_test(etags_cover_headers_and_body_and_turn_into_304),
	    cmocka_unit_test(a_tag_that_does_not_fit_is_a_failure),
	};
	return cmocka_run_group_tests_name("etag", tests, NULL, NULL);
}
