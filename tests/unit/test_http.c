/* common/http.c: requests from a FastCGI environment and request ids. */
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
	                     "HTTP_WEBHOOK_ID=msg_1",
	                     "HTTP_WEBHOOK_TIMESTAMP=1700000000",
	                     "HTTP_WEBHOOK_SIGNATURE=v1,x v1,y",
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
	assert_null(req.actor);
	assert_string_equal(req.webhook_id, "msg_1");
	assert_string_equal(req.webhook_timestamp, "1700000000");
	assert_string_equal(req.webhook_signature, "v1,x v1,y");
	arena_free(&a);
}

/*
 * What lighttpd sets itself (REMOTE_USER, from auth.lua or the authorizer) is read by its exact
 * name; a client's headers arrive as HTTP_* and never stand in for it.
 */
static void lighttpd_variables_are_read_by_their_exact_name(void **state)
{
	(void)state;
	struct arena a = {0};
	struct req req;
	const char *forged[] = {"REQUEST_URI=/", "HTTP_REMOTE_USER=auth0|admin",
	                        "REMOTE_USERX=auth0|admin", "HTTP_PANEL_PASSED=1", NULL};
	http_req_from_env(&req, forged, &a);
	assert_null(req.actor);
	assert_null(http_req_param(&req, "PANEL_PASSED"));
	assert_null(http_req_param(&req, "REMOTE_USE"));

	const char *set[] = {"REQUEST_URI=/", "HTTP_REMOTE_USER=auth0|admin",
	                     "REMOTE_USER=auth0|alice", "PANEL_PASSED=1", NULL};
	http_req_from_env(&req, set, &a);
	assert_string_equal(req.actor, "auth0|alice");
	assert_string_equal(http_req_param(&req, "PANEL_PASSED"), "1");
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

	char a1[REQ_ID_MAX + 1], a2[REQ_ID_MAX + 1];
	http_request_id_new(a1);
	http_request_id_new(a2);
	assert_string_not_equal(a1, a2);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(requests_are_built_from_the_environment),
	    cmocka_unit_test(lighttpd_variables_are_read_by_their_exact_name),
	    cmocka_unit_test(without_path_info_the_raw_path_is_used),
	    cmocka_unit_test(head_is_served_as_get_without_a_body),
	    cmocka_unit_test(insane_request_ids_are_replaced),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
