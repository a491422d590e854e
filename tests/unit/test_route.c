/* common/route.c: matching, 404/405/400 decisions, query and body checks before handlers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"
#include "resp.h"
#include "route.h"
#include "unit.h"

static int calls;

static enum err ok_handler(struct req *req, struct resp *resp)
{
	calls++;
	return resp_json(resp, 200, json_pack("{s:I}", "id", (json_int_t)req->ids[0]));
}

static enum err body_handler(struct req *req, struct resp *resp)
{
	calls++;
	assert_true(json_is_object(req->json));
	return resp_json(resp, 201, json_incref(req->json));
}

static enum err silent_handler(struct req *req, struct resp *resp)
{
	(void)req;
	(void)resp;
	return ERR_OK; /* forgets to answer: the dispatcher must not send an empty 200 */
}

/* Writes more than the answer holds and ignores the failures, as a careless handler might. */
static enum err overflowing_handler(struct req *req, struct resp *resp)
{
	(void)req;
	buf_puts(&resp->headers, "Link: <...>\r\n");
	for (int i = 0; i < 100; i++)
		buf_puts(i < 50 ? &resp->body : &resp->headers, "[1,2,3,4,5,6,7,8,9,10]");
	resp->status = 200;
	return ERR_OK;
}

static const struct route routes[] = {
    {"GET",  "/things",                  ok_handler,          0,                   "page"},
    {"GET",  "/things/{thing}",          ok_handler,          0,                   NULL  },
    {"POST", "/things/{thing}/parts",    body_handler,        ROUTE_BODY_REQUIRED, NULL  },
    {"POST", "/things/{thing}/optional", ok_handler,          ROUTE_BODY_OPTIONAL, NULL  },
    {"GET",  "/silent",                  silent_handler,      0,                   NULL  },
    {"GET",  "/overflowing",             overflowing_handler, 0,                   NULL  },
};

struct fixture {
	struct arena arena;
	struct req req;
	struct resp resp;
};

static enum err dispatch(struct fixture *f, const char *method, const char *path, const char *query,
                         const char *ctype, const char *body)
{
	memset(&f->req, 0, sizeof(f->req));
	resp_reset(&f->resp);
	f->req.arena = &f->arena;
	f->req.method = method;
	f->req.path = path;
	f->req.query_string = query ? query : "";
	f->req.content_type = ctype;
	f->req.body = body;
	f->req.body_len = body ? strlen(body) : 0;
	f->req.request_id = "test";
	return route_dispatch(routes, sizeof(routes) / sizeof(routes[0]), &f->req, &f->resp);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->resp.headers = (struct buf)BUF_INIT(0);
	f->resp.body = (struct buf)BUF_INIT(0);
	*state = f;
	calls = 0;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	buf_free(&f->resp.headers);
	buf_free(&f->resp.body);
	arena_free(&f->arena);
	free(f);
	return 0;
}

static void assert_body_has(struct fixture *f, const char *needle)
{
	if (!strstr(f->resp.body.data, needle))
		fail_msg("body %s lacks %s", f->resp.body.data, needle);
}

static void matches_ids_in_order(void **state)
{
	(void)state;
	int64_t ids[2];
	const char *bad;
	size_t badlen;
	assert_int_equal(route_match("/a/{x}/b/{y}", "/a/12/b/34", ids, 2, &bad, &badlen), 1);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[1], 34);
	assert_int_equal(route_match("/a/{x}", "/a/12/", ids, 2, &bad, &badlen), 0);
	assert_int_equal(route_match("/a/{x}", "/a/", ids, 2, &bad, &badlen), 0);
	assert_int_equal(route_match("/a/{x}", "//a/1", ids, 2, &bad, &badlen), 0);
	assert_int_equal(route_match("/a", "/a/", ids, 2, &bad, &badlen), 0);
	assert_int_equal(route_match("/a/{x}/b/{y}", "/a/1/b/0", ids, 2, &bad, &badlen), -1);
	assert_memory_equal(bad, "y", badlen);
}

static void dispatches_to_the_handler_with_ids(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(dispatch(f, "GET", "/things/7", NULL, NULL, NULL), ERR_OK);
	assert_int_equal(f->resp.status, 200);
	assert_string_equal(f->resp.body.data, "{\"id\":7}");
	assert_int_equal(calls, 1);
}

static void unknown_paths_are_404(void **state)
{
	struct fixture *f = *state;
	const char *paths[] = {"/nope", "/things/7/", "/things/7/x", "/", "", "/things/../things"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(dispatch(f, "GET", paths[i], NULL, NULL, NULL), ERR_NOT_FOUND);
		assert_int_equal(f->resp.status, 404);
		assert_body_has(f, "\"name\":\"NotFound\"");
	}
	/* Paths are matched as sent: an encoded id is not an id. */
	assert_int_equal(dispatch(f, "GET", "/things/%37", NULL, NULL, NULL), ERR_BAD_REQUEST);
	assert_int_equal(calls, 0);
}

static void wrong_methods_are_405_with_allow(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(dispatch(f, "DELETE", "/things", NULL, NULL, NULL),
	                 ERR_METHOD_NOT_ALLOWED);
	assert_int_equal(f->resp.status, 405);
	assert_non_null(strstr(f->resp.headers.data, "Allow: GET, HEAD\r\n"));
	assert_body_has(f, "\"name\":\"MethodNotAllowed\"");
	assert_int_equal(dispatch(f, "GET", "/things/1/parts", NULL, NULL, NULL),
	                 ERR_METHOD_NOT_ALLOWED);
	assert_non_null(strstr(f->resp.headers.data, "Allow: POST\r\n"));
}

static void bad_ids_are_400_naming_them(void **state)
{
	struct fixture *f = *state;
	const char *ids[] = {"0", "-1", "abc", "9223372036854775808", "1.5", "01"};
	char path[64];
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(path, sizeof(path), "/things/%s", ids[i]);
		assert_int_equal(dispatch(f, "GET", path, NULL, NULL, NULL), ERR_BAD_REQUEST);
		assert_body_has(f, "thing id must be a positive integer");
	}
	assert_int_equal(calls, 0);
}

static void unknown_and_repeated_query_parameters_are_400(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(dispatch(f, "GET", "/things", "page=2", NULL, NULL), ERR_OK);
	assert_int_equal(dispatch(f, "GET", "/things", "pgae=2", NULL, NULL), ERR_BAD_REQUEST);
	assert_body_has(f, "unknown query parameter 'pgae'");
	assert_int_equal(dispatch(f, "GET", "/things", "page=1&page=2", NULL, NULL),
	                 ERR_BAD_REQUEST);
	assert_int_equal(dispatch(f, "GET", "/things/1", "page=1", NULL, NULL), ERR_BAD_REQUEST);
	assert_int_equal(dispatch(f, "GET", "/things", "page=%G1", NULL, NULL), ERR_BAD_REQUEST);
	assert_int_equal(calls, 1);
}

static void bodies_must_be_json_objects(void **state)
{
	struct fixture *f = *state;
	const char *json = "application/json";
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, json, "{\"a\":1}"), ERR_OK);
	assert_int_equal(f->resp.status, 201);
	assert_int_equal(
	    dispatch(f, "POST", "/things/1/parts", NULL, "Application/JSON; charset=UTF-8", "{}"),
	    ERR_OK);
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, NULL, NULL), ERR_BAD_REQUEST);
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, "text/plain", "{}"),
	                 ERR_UNSUPPORTED_MEDIA_TYPE);
	assert_int_equal(
	    dispatch(f, "POST", "/things/1/parts", NULL, "application/json; charset=latin1", "{}"),
	    ERR_UNSUPPORTED_MEDIA_TYPE);
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, NULL, "{}"),
	                 ERR_UNSUPPORTED_MEDIA_TYPE);
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, json, "{\"a\":1,\"a\":2}"),
	                 ERR_BAD_REQUEST);
	assert_body_has(f, "duplicate");
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, json, "[1]"),
	                 ERR_BAD_REQUEST);
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, json, "{\"a\":"),
	                 ERR_BAD_REQUEST);
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, json, "{\"a\":\"\\u0000\"}"),
	                 ERR_BAD_REQUEST);
	assert_int_equal(dispatch(f, "POST", "/things/1/parts", NULL, json, "{\"a\":1e999}"),
	                 ERR_BAD_REQUEST);
	assert_int_equal(calls, 2);
	/* An optional body may be absent. */
	assert_int_equal(dispatch(f, "POST", "/things/1/optional", NULL, NULL, NULL), ERR_OK);
	assert_int_equal(calls, 3);
}

static void a_handler_that_answers_nothing_is_a_500(void **state)
{
	struct fixture *f = *state;
	dispatch(f, "GET", "/silent", NULL, NULL, NULL);
	assert_int_equal(f->resp.status, 500);
	assert_body_has(f, "InternalServerError");
}

/* Whatever a handler ignored, an answer that did not fit is a 500, never sent truncated. */
static void an_answer_that_did_not_fit_is_a_500_not_a_truncated_200(void **state)
{
	struct fixture *f = *state;
	f->resp.body = (struct buf)BUF_INIT(256);
	f->resp.headers = (struct buf)BUF_INIT(256);
	assert_int_equal(dispatch(f, "GET", "/overflowing", NULL, NULL, NULL), ERR_INTERNAL);
	assert_int_equal(f->resp.status, 500);
	assert_body_has(f, "InternalServerError");
	assert_int_equal(f->resp.headers.len, 0); /* no header sent in part */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(matches_ids_in_order),
	    cmocka_unit_test_setup_teardown(dispatches_to_the_handler_with_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_paths_are_404, setup, teardown),
	    cmocka_unit_test_setup_teardown(wrong_methods_are_405_with_allow, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_ids_are_400_naming_them, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_and_repeated_query_parameters_are_400, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(bodies_must_be_json_objects, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_handler_that_answers_nothing_is_a_500, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(an_answer_that_did_not_fit_is_a_500_not_a_truncated_200,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
