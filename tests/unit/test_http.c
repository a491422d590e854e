/* common/http.c: requests from a FastCGI environment, request ids, and answers. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "unit.h"

static void requests_are_built_from_the_environment(void **state)
{
	(void)state;
	struct arena a = {0};
	struct req req;
	const char *env[] = {"REQUEST_METHOD=POST",
	                     "REQUEST_URI=/things/1?page=2&x=%20",
	                     "CONTENT_TYPE=application/json",
	                     "HTTP_AUTHORIZATION=Bearer t",
	                     "HTTP_IDEMPOTENCY_KEY=k1",
	                     "HTTP_IF_NONE_MATCH=\"abc\"",
	                     "HTTP_X_REQUEST_ID=client-id_1.2",
	                     NULL};

	http_req_from_env(&req, env, &a);
	assert_string_equal(req.method, "POST");
	assert_false(req.head);
	assert_string_equal(req.path, "/things/1");
	assert_string_equal(req.query_string, "page=2&x=%20");
	assert_string_equal(req.content_type, "application/json");
	assert_string_equal(req.authorization, "Bearer t");
	assert_string_equal(req.idempotency_key, "k1");
	assert_string_equal(req.if_none_match, "\"abc\"");
	assert_string_equal(req.request_id, "client-id_1.2");
	arena_free(&a);
}

/* Outside lighttpd (no PATH_INFO), the request line's path and query are taken as they are. */
static void without_path_info_the_raw_path_is_used(void **state)
{
	(void)state;
	struct arena a = {0};
	struct req req;
	const char *env[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/things/%31?page=2", NULL};

	http_req_from_env(&req, env, &a);
	assert_string_equal(req.path, "/things/%31");
	assert_string_equal(req.query_string, "page=2");
	arena_free(&a);
}

static void head_is_served_as_get_without_a_body(void **state)
{
	(void)state;
	struct arena a = {0};
	struct req req;
	const char *env[] = {"REQUEST_METHOD=HEAD", "REQUEST_URI=/health", NULL};

	http_req_from_env(&req, env, &a);
	assert_string_equal(req.method, "GET");
	assert_true(req.head);
	assert_string_equal(req.query_string, "");
	assert_null(req.authorization);
	arena_free(&a);
}

static void insane_request_ids_are_replaced(void **state)
{
	(void)state;
	struct arena a = {0};
	struct req req;
	char long_id[100];
	memset(long_id, 'a', sizeof(long_id));
	memcpy(long_id, "HTTP_X_REQUEST_ID=", 18);
	long_id[18 + 65] = '\0';
	const char *envs[][3] = {
	    {"REQUEST_URI=/", "HTTP_X_REQUEST_ID=has space", NULL},
	    {"REQUEST_URI=/", "HTTP_X_REQUEST_ID=",          NULL},
	    {"REQUEST_URI=/", "HTTP_X_REQUEST_ID=new\nline", NULL},
	    {"REQUEST_URI=/", long_id,                       NULL},
	    {"REQUEST_URI=/", NULL,                          NULL},
	};
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		http_req_from_env(&req, envs[i], &a);
		assert_int_equal(strlen(req.request_id), 32);
		assert_true(http_request_id_valid(req.request_id));
	}
	long_id[18 + 64] = '\0';
	assert_true(http_request_id_valid(long_id + 18));

	char a1[HTTP_REQUEST_ID_MAX + 1], a2[HTTP_REQUEST_ID_MAX + 1];
	http_request_id_new(a1);
	http_request_id_new(a2);
	assert_string_not_equal(a1, a2);
	arena_free(&a);
}

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

static enum err key_check(const char *key)
{
	struct req req = {.idempotency_key = key};
	struct resp resp = {0};
	const char *out;
	enum err rc = http_idempotency_key(&req, &out, &resp);
	if (!rc)
		assert_ptr_equal(out, key);
	return rc;
}

static void idempotency_keys_are_1_to_255_visible_ascii(void **state)
{
	(void)state;
	char key[300];

	assert_int_equal(key_check(NULL), ERR_OK);
	assert_int_equal(key_check("0b1c7e5e-3f0a-4ad6-9a7e-0c6c2b8a4f11"), ERR_OK);
	for (int c = 0x21; c <= 0x7e; c++) {
		key[0] = (char)c, key[1] = '\0';
		assert_int_equal(key_check(key), ERR_OK);
	}
	memset(key, 'k', 255);
	key[255] = '\0';
	assert_int_equal(key_check(key), ERR_OK);
	key[255] = 'k', key[256] = '\0';
	assert_int_equal(key_check(key), ERR_BAD_REQUEST);
	const char *bad[] = {"", " ", "a b", "a\tb", "\x7f", "caf\xc3\xa9", "\x1f", "key\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(key_check(bad[i]), ERR_BAD_REQUEST);
}

static void etags_match_as_rfc_9110_says(void **state)
{
	(void)state;
	const char *tag = "\"abc\"";
	assert_true(http_etag_matches("\"abc\"", tag));
	assert_true(http_etag_matches("W/\"abc\"", tag));
	assert_true(http_etag_matches("\"x\", \"abc\"", tag));
	assert_true(http_etag_matches("*", tag));
	assert_false(http_etag_matches("\"abcd\"", tag));
	assert_false(http_etag_matches("\"ab\"", tag));
	assert_false(http_etag_matches("abc", tag));
	assert_false(http_etag_matches("\"abc", tag));
	assert_false(http_etag_matches("", tag));
	assert_false(http_etag_matches(NULL, tag));
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
	resp_conditional(&req, &resp);
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
	resp_conditional(&post, &resp);
	assert_int_equal(resp.headers.len, 0);
	buf_free(&resp.headers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(requests_are_built_from_the_environment),
	    cmocka_unit_test(without_path_info_the_raw_path_is_used),
	    cmocka_unit_test(head_is_served_as_get_without_a_body),
	    cmocka_unit_test(insane_request_ids_are_replaced),
	    cmocka_unit_test(errors_render_as_the_contract_says),
	    cmocka_unit_test(json_and_text_answers),
	    cmocka_unit_test(idempotency_keys_are_1_to_255_visible_ascii),
	    cmocka_unit_test(etags_match_as_rfc_9110_says),
	    cmocka_unit_test(etags_cover_headers_and_body_and_turn_into_304),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
