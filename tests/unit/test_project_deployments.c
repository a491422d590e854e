/*
 * fcgi/project/deployments.c: what a deployment creation may carry (meta body, Idempotency-Key),
 * the JSON of a deployment, and the handlers without Postgres (fake_project_db.c answers for
 * the database): each outcome of a creation, a list page whole or not at all, cancellation.
 */
#include <string.h>

#include "call.h"
#include "fake_project_db.h"
#include "project.h"

/* Runs deployment_meta_from_body on body text (NULL for no body); returns the meta as text. */
static char *meta_of(const char *body_text, enum err *rc, char message[512])
{
	struct resp resp = {0};
	json_t *body = body_text ? json_loads(body_text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *meta = NULL;
	char *text = NULL;

	if (body_text)
		assert_non_null(body);
	*rc = deployment_meta_from_body(body, &meta, &resp);
	snprintf(message, 512, "%s", resp.message);
	if (*rc == ERR_OK) {
		assert_non_null(meta);
		text = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
	} else {
		assert_null(meta);
	}
	json_decref(meta);
	json_decref(body);
	return text;
}

static void assert_meta(const char *body, const char *want)
{
	char message[512];
	enum err rc;
	char *got = meta_of(body, &rc, message);

	if (rc != ERR_OK)
		fail_msg("%s: refused: %s", body ? body : "(no body)", message);
	assert_string_equal(got, want);
	free(got);
}

static void assert_refused(const char *body, const char *needle)
{
	char message[512];
	enum err rc;
	char *got = meta_of(body, &rc, message);

	if (rc != ERR_BAD_REQUEST)
		fail_msg("%s: accepted as %s", body, got ? got : "?");
	if (!strstr(message, needle))
		fail_msg("%s: message '%s' does not name '%s'", body, message, needle);
}

static void meta_is_what_was_sent_plus_trigger(void **state)
{
	(void)state;
	assert_meta(NULL, "{\"trigger\":\"api\"}");
	assert_meta("{}", "{\"trigger\":\"api\"}");
	assert_meta("{\"commitSha\":\"abc123\"}", "{\"commitSha\":\"abc123\",\"trigger\":\"api\"}");
	assert_meta("{\"commitSha\":\"a\",\"branch\":\"main\",\"commitMessage\":\"fix: x\","
	            "\"trigger\":\"rollback\"}",
	            "{\"branch\":\"main\",\"commitMessage\":\"fix: x\",\"commitSha\":\"a\","
	            "\"trigger\":\"rollback\"}");
	assert_meta("{\"trigger\":\"git\"}", "{\"trigger\":\"git\"}");
	assert_meta("{\"trigger\":\"manual\"}", "{\"trigger\":\"manual\"}");
	assert_meta("{\"trigger\":\"api\"}", "{\"trigger\":\"api\"}");
	/* null is the same as absent. */
	assert_meta("{\"branch\":null,\"trigger\":null}", "{\"trigger\":\"api\"}");
}

static void meta_refuses_unknown_fields_naming_them(void **state)
{
	(void)state;
	assert_refused("{\"commitSHA\":\"abc\"}", "commitSHA");
	assert_refused("{\"branch\":\"main\",\"author\":\"me\"}", "author");
	assert_refused("{\"\":\"x\"}", "unknown field");
}

static void meta_fields_are_bounded_strings(void **state)
{
	(void)state;
	char body[8192];
	char value[4096];

	assert_refused("{\"branch\":5}", "branch");
	assert_refused("{\"commitMessage\":[\"x\"]}", "commitMessage");
	assert_refused("{\"commitSha\":true}", "commitSha");
	assert_refused("{\"trigger\":\"cron\"}", "trigger");
	assert_refused("{\"trigger\":\"API\"}", "trigger");
	assert_refused("{\"trigger\":1}", "trigger");

	/* 1000 characters, counted as code points, are accepted; 1001 are not. */
	memset(value, 'm', 1000);
	value[1000] = '\0';
	snprintf(body, sizeof(body), "{\"commitMessage\":\"%s\"}", value);
	char message[512];
	enum err rc;
	char *got = meta_of(body, &rc, message);
	assert_int_equal(rc, ERR_OK);
	free(got);
	for (int i = 0; i < 1000; i++)
		memcpy(value + 2 * i, "\xc3\xa9", 3);
	snprintf(body, sizeof(body), "{\"branch\":\"%s\"}", value);
	got = meta_of(body, &rc, message);
	assert_int_equal(rc, ERR_OK);
	free(got);
	memset(value, 'm', 1001);
	value[1001] = '\0';
	snprintf(body, sizeof(body), "{\"commitSha\":\"%s\"}", value);
	assert_refused(body, "commitSha");
}

static void deployment_json_has_every_field_in_order(void **state)
{
	(void)state;
	struct deployment_row d = {
	    .id = 42,
	    .project_id = 7,
	    .status = DEPLOYMENT_PENDING,
	    .has_deployed_in = false,
	    .meta = "{\"trigger\": \"git\", \"branch\": \"main\"}",
	    .created_at = "2024-01-31T12:00:00.123Z",
	    .updated_at = "2024-01-31T12:00:01.000Z",
	};
	json_t *j = deployment_to_json(&d);
	char *text = json_dumps(j, JSON_COMPACT);
	assert_string_equal(text,
	                    "{\"id\":42,\"projectId\":7,\"status\":\"pending\",\"deployedIn\":null,"
	                    "\"meta\":{\"trigger\":\"git\",\"branch\":\"main\"},"
	                    "\"createdAt\":\"2024-01-31T12:00:00.123Z\","
	                    "\"updatedAt\":\"2024-01-31T12:00:01.000Z\"}");
	free(text);
	json_decref(j);

	d.status = DEPLOYMENT_DONE;
	d.has_deployed_in = true;
	d.deployed_in = 0;
	j = deployment_to_json(&d);
	assert_true(json_is_integer(json_object_get(j, "deployedIn")));
	assert_int_equal(json_integer_value(json_object_get(j, "deployedIn")), 0);
	assert_int_equal(json_object_size(j), 7);
	json_decref(j);

	d.meta = "not json";
	assert_null(deployment_to_json(&d));
}

static struct project_app app;
static struct call c;

static struct deployment_row deployment(int64_t id)
{
	return (struct deployment_row){.id = id,
	                               .project_id = 2,
	                               .status = DEPLOYMENT_PENDING,
	                               .meta = "{\"trigger\": \"api\"}",
	                               .created_at = "2024-01-31T12:00:00.123Z",
	                               .updated_at = "2024-01-31T12:00:00.123Z"};
}

/* The handler with the Idempotency-Key a test chose (NULL for none). */
static const char *idempotency_key;
static enum err create_with_key(struct req *req, struct resp *resp)
{
	req->idempotency_key = idempotency_key;
	return deployments_create(req, resp);
}

static enum err create(const char *body, const char *key)
{
	idempotency_key = key;
	return call(&c, &app, create_with_key, "POST", "/projects/2/deployment", NULL, body, 2);
}

static void each_outcome_of_a_creation_has_its_answer(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.deployment = deployment(11);
	fake_db.created = DEPLOYMENT_NEW;
	assert_int_equal(create("{\"branch\": \"main\"}", "k1"), ERR_OK);
	assert_int_equal(c.resp.status, 201);
	assert_string_equal(call_header(&c, "Location"), "/deployments/11");
	assert_int_equal(fake_db.id, 2);
	assert_string_equal(fake_db.key, "k1");
	assert_string_equal(fake_db.meta, "{\"branch\":\"main\",\"trigger\":\"api\"}");

	fake_db.created = DEPLOYMENT_REPEAT;
	assert_int_equal(create(NULL, "k1"), ERR_OK);
	assert_int_equal(c.resp.status, 200);
	assert_string_equal(call_header(&c, "Location"), "/deployments/11");

	fake_db.created = DEPLOYMENT_KEY_TAKEN;
	assert_int_equal(create(NULL, "k1"), ERR_CONFLICT);
	assert_string_equal(c.resp.message, "Idempotency-Key was already used for deployment 11 "
	                                    "with another project or other meta");
	fake_db.created = DEPLOYMENT_KEY_UNSEEN;
	assert_int_equal(create(NULL, "k1"), ERR_UNAVAILABLE);
	fake_db.created = DEPLOYMENT_NO_PROJECT;
	assert_int_equal(create(NULL, NULL), ERR_NOT_FOUND);
	assert_string_equal(c.resp.message, "project 2 does not exist");
	assert_null(fake_db.key);

	/* A bad key or body never reaches the database. */
	fake_db_reset();
	assert_int_equal(create(NULL, "two words"), ERR_BAD_REQUEST);
	assert_int_equal(create("{\"trigger\": \"cron\"}", NULL), ERR_BAD_REQUEST);
	assert_int_equal(fake_db.calls, 0);
}

/* X-Total-Count counts every row, so a row whose meta is not JSON fails the page. */
static void a_page_is_rendered_whole_or_not_at_all(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.deployments.total = 9;
	fake_db.deployments.project_found = true;
	fake_db.deployments.n = 3;
	for (int i = 0; i < 3; i++)
		fake_db.deployments.rows[i] = deployment(30 - i);
	fake_db.deployments.last_key[0] = INT64_C(1706702400123000);
	fake_db.deployments.last_key[1] = 28;
	assert_int_equal(call(&c, &app, deployments_list, "GET", "/deployments",
	                      "status=done%2Cfailed&cursor=", NULL, 0),
	                 ERR_OK);
	assert_non_null(fake_db.want);
	json_t *list = call_json(&c);
	assert_int_equal(json_array_size(list), 3);
	json_decref(list);
	assert_string_equal(call_header(&c, "X-Total-Count"), "9");
	/* A short page ends the walk: no next. */
	assert_string_equal(call_header(&c, "Link"),
	                    "</deployments?status=done%2Cfailed&cursor=>; rel=\"first\"");

	fake_db.deployments.rows[1].meta = "{\"trigger\": ";
	assert_int_equal(call(&c, &app, deployments_list, "GET", "/deployments", NULL, NULL, 0),
	                 ERR_INTERNAL);
	assert_int_equal(c.resp.status, 0);

	/* The project's own list is 404 for a project that does not exist. */
	fake_db.deployments.project_found = false;
	assert_int_equal(call(&c, &app, deployments_list_project, "GET", "/projects/4/deployments",
	                      NULL, NULL, 4),
	                 ERR_NOT_FOUND);
	assert_int_equal(fake_db.id, 4);
}

static void only_an_unfinished_deployment_can_be_cancelled(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.transition = (struct deployment_transition){.found = true, .changed = true};
	fake_db.transition.to = deployment(12);
	fake_db.transition.to.status = DEPLOYMENT_CANCELLED;
	assert_int_equal(
	    call(&c, &app, deployments_cancel, "POST", "/deployments/12/cancel", NULL, NULL, 12),
	    ERR_OK);
	assert_int_equal(fake_db.status, DEPLOYMENT_CANCELLED);
	assert_int_equal(fake_db.source, TRANSITION_API);
	assert_null(fake_db.url);

	fake_db.transition.changed = false;
	fake_db.transition.to.status = DEPLOYMENT_DONE;
	assert_int_equal(
	    call(&c, &app, deployments_cancel, "POST", "/deployments/12/cancel", NULL, NULL, 12),
	    ERR_CONFLICT);
	assert_string_equal(c.resp.message, "deployment 12 is already done");
	fake_db.transition.found = false;
	assert_int_equal(
	    call(&c, &app, deployments_cancel, "POST", "/deployments/12/cancel", NULL, NULL, 12),
	    ERR_NOT_FOUND);
	call_reset(&c);
}

/* The caller lighttpd named (REMOTE_USER) is the actor of the events a creation or cancel writes. */
static const char *actor;
static enum err create_as(struct req *req, struct resp *resp)
{
	req->actor = actor;
	return deployments_create(req, resp);
}
static enum err cancel_as(struct req *req, struct resp *resp)
{
	req->actor = actor;
	return deployments_cancel(req, resp);
}

static void the_caller_is_the_actor_of_the_events(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.deployment = deployment(11);
	fake_db.created = DEPLOYMENT_NEW;
	actor = "auth0|alice";
	assert_int_equal(call(&c, &app, create_as, "POST", "/projects/2/deployment", NULL, NULL, 2),
	                 ERR_OK);
	assert_string_equal(fake_db.actor, "auth0|alice");
	fake_db.transition = (struct deployment_transition){.found = true, .changed = true};
	fake_db.transition.to = deployment(11);
	actor = "api-token";
	assert_int_equal(
	    call(&c, &app, cancel_as, "POST", "/deployments/11/cancel", NULL, NULL, 11), ERR_OK);
	assert_string_equal(fake_db.actor, "api-token");
	call_reset(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_outcome_of_a_creation_has_its_answer),
	    cmocka_unit_test(a_page_is_rendered_whole_or_not_at_all),
	    cmocka_unit_test(only_an_unfinished_deployment_can_be_cancelled),
	    cmocka_unit_test(the_caller_is_the_actor_of_the_events),
	    cmocka_unit_test(meta_is_what_was_sent_plus_trigger),
	    cmocka_unit_test(meta_refuses_unknown_fields_naming_them),
	    cmocka_unit_test(meta_fields_are_bounded_strings),
	    cmocka_unit_test(deployment_json_has_every_field_in_order),
	};
	return cmocka_run_group_tests_name("project: deployments", tests, NULL, NULL);
}
