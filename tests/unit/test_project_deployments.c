/*
 * fcgi/project/deployments.c: what a deployment creation may carry (meta body, Idempotency-Key)
 * and the JSON of a deployment.
 */
#include <string.h>

#include "req.h"
#include "resp.h"
#include "project.h"
#include "unit.h"

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
	    .status = "pending",
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

	d.status = "done";
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(meta_is_what_was_sent_plus_trigger),
	    cmocka_unit_test(meta_refuses_unknown_fields_naming_them),
	    cmocka_unit_test(meta_fields_are_bounded_strings),
	    cmocka_unit_test(deployment_json_has_every_field_in_order),
	};
	return cmocka_run_group_tests_name("project: deployments", tests, NULL, NULL);
}
