/*
 * fcgi/project/webhook.c, without Postgres (fake_project_db.c answers for the database): the
 * contract's order of checks (body, deployment, secret, transition), the no-op repeat, the
 * refused transitions, the URL a deployment going live gives its project, a concurrent
 * delivery that moved the deployment first, and signed deliveries: which are judged signed in
 * each WEBHOOK_AUTH mode, the window on the database's clock, and remembered webhook-ids.
 */
#include "call.h"
#include "fake_project_db.h"
#include "signature.h"

static struct project_app app = {.public_url_domain = "test.example"};
static struct call c;

/* A deployment 5 of project "My App" (secret s3cret), in status from. */
static void deployment_in(enum deployment_status from, const char *project_url)
{
	fake_db_reset();
	fake_db.found = true;
	fake_db.target = (struct webhook_target){
	    .app_secret = "s3cret",
	    .project_name = "My App",
	    .project_url = project_url,
	    .deployment = {.id = 5,
	                   .project_id = 2,
	                   .status = from,
	                   .meta = "{\"trigger\": \"api\"}",
	                   .created_at = "2024-01-31T12:00:00.123Z",
	                   .updated_at = "2024-01-31T12:00:00.123Z"},
	};
	/* What the guarded statement answers unless a test says otherwise: it changed. */
	fake_db.transition.found = true;
	fake_db.transition.changed = true;
	fake_db.transition.to = fake_db.target.deployment;
}

/* The handler with the Authorization and webhook-* headers a test chose (NULL for none). */
static const char *authorization, *webhook_id, *webhook_timestamp, *webhook_signature;
static enum err with_authorization(struct req *req, struct resp *resp)
{
	req->authorization = authorization;
	req->webhook_id = webhook_id;
	req->webhook_timestamp = webhook_timestamp;
	req->webhook_signature = webhook_signature;
	req->actor =
	    "api-token"; /* even were lighttpd to name one, the webhook's events have none */
	return webhook_post(req, resp);
}

/* POSTs {"id": 5, "status": status} with Authorization auth. */
static enum err deliver_as(const char *status, const char *auth)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"id\": 5, \"status\": \"%s\"}", status);
	authorization = auth;
	return call(&c, &app, with_authorization, "POST", "/deployment/webhook", NULL, body, 0);
}

/*
 * POSTs {"id": 5, "status": status} as a signed delivery msg_1 signed at 1700000000 with
 * secret, with Authorization auth (NULL for none).
 */
static enum err deliver_signed(const char *status, const char *secret, const char *auth)
{
	static char body[128], sig[SIGNATURE_LEN + 4];
	snprintf(body, sizeof(body), "{\"id\": 5, \"status\": \"%s\"}", status);
	memcpy(sig, "v1,", 3);
	assert_true(signature_compute(secret, strlen(secret), "msg_1", "1700000000", body,
	                              strlen(body), sig + 3));
	authorization = auth;
	webhook_id = "msg_1";
	webhook_timestamp = "1700000000";
	webhook_signature = sig;
	enum err rc =
	    call(&c, &app, with_authorization, "POST", "/deployment/webhook", NULL, body, 0);
	webhook_id = webhook_timestamp = webhook_signature = NULL;
	return rc;
}

static void the_body_is_checked_before_anything_else(void **state)
{
	(void)state;
	const char *bad[] = {"{\"status\": \"done\"}", "{\"id\": \"5\", \"status\": \"done\"}",
	                     "{\"id\": 0, \"status\": \"done\"}", "{\"id\": 5}",
	                     "{\"id\": 5, \"status\": \"Done\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		deployment_in(DEPLOYMENT_PENDING, NULL);
		authorization = "Bearer s3cret";
		assert_int_equal(call(&c, &app, with_authorization, "POST", "/deployment/webhook",
		                      NULL, bad[i], 0),
		                 ERR_BAD_REQUEST);
		assert_int_equal(fake_db.calls, 0);
	}
	assert_string_equal(c.resp.message, "field 'status' must be one of pending, building, "
	                                    "deploying, done, failed, cancelled");
}

static void an_unknown_deployment_is_404_before_the_secret(void **state)
{
	(void)state;
	deployment_in(DEPLOYMENT_PENDING, NULL);
	fake_db.found = false;
	assert_int_equal(deliver_as("building", NULL), ERR_NOT_FOUND);
	assert_string_equal(c.resp.message, "deployment 5 does not exist");
}

static void the_projects_own_secret_is_required(void **state)
{
	(void)state;
	const char *wrong[] = {NULL, "Bearer other", "s3cre", "Bearer s3cretx", "Basic s3cret"};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		deployment_in(DEPLOYMENT_PENDING, NULL);
		assert_int_equal(deliver_as("building", wrong[i]), ERR_UNAUTHORIZED);
		assert_string_equal(call_header(&c, "WWW-Authenticate"),
		                    "Bearer realm=\"webhook\"");
		assert_int_equal(fake_db.calls, 1); /* the read, never the transition */
	}
	const char *right[] = {"s3cret", "Bearer s3cret", "bearer  s3cret"};
	for (size_t i = 0; i < sizeof(right) / sizeof(right[0]); i++) {
		deployment_in(DEPLOYMENT_PENDING, NULL);
		assert_int_equal(deliver_as("building", right[i]), ERR_OK);
	}
}

static void the_same_status_again_changes_nothing(void **state)
{
	(void)state;
	deployment_in(DEPLOYMENT_BUILDING, NULL);
	assert_int_equal(deliver_as("building", "s3cret"), ERR_OK);
	assert_int_equal(c.resp.status, 200);
	assert_int_equal(fake_db.calls, 1);
	assert_string_equal(fake_db.last, "db_webhook_get");
	json_t *d = call_json(&c);
	assert_string_equal(json_string_value(json_object_get(d, "status")), "building");
	json_decref(d);
}

static void backwards_and_out_of_final_statuses_are_409(void **state)
{
	(void)state;
	deployment_in(DEPLOYMENT_DEPLOYING, NULL);
	assert_int_equal(deliver_as("building", "s3cret"), ERR_CONFLICT);
	assert_string_equal(c.resp.message,
	                    "deployment 5 is already deploying and cannot go back to building");
	assert_int_equal(fake_db.calls, 1);

	deployment_in(DEPLOYMENT_FAILED, NULL);
	assert_int_equal(deliver_as("done", "s3cret"), ERR_CONFLICT);
	assert_string_equal(c.resp.message, "deployment 5 is already failed");
}

static void going_live_gives_a_project_without_one_its_url(void **state)
{
	(void)state;
	deployment_in(DEPLOYMENT_DEPLOYING, NULL);
	assert_int_equal(deliver_as("done", "s3cret"), ERR_OK);
	assert_string_equal(fake_db.last, "db_deployments_transition");
	assert_int_equal(fake_db.id, 5);
	assert_int_equal(fake_db.status, DEPLOYMENT_DONE);
	assert_int_equal(fake_db.source, TRANSITION_WEBHOOK);
	assert_null(fake_db.actor);
	assert_non_null(fake_db.url);
	assert_int_equal(strncmp(fake_db.url, "https://my-app-", 15), 0);
	assert_string_equal(fake_db.url + 15 + 8, ".test.example");

	/* A project with a URL keeps it; other statuses never ask for one. */
	deployment_in(DEPLOYMENT_DEPLOYING, "https://my-app-00000000.test.example");
	assert_int_equal(deliver_as("done", "s3cret"), ERR_OK);
	assert_null(fake_db.url);
	deployment_in(DEPLOYMENT_PENDING, NULL);
	assert_int_equal(deliver_as("failed", "s3cret"), ERR_OK);
	assert_string_equal(fake_db.last, "db_deployments_transition");
	assert_null(fake_db.url);
}

/* The guarded statement found the deployment moved by a concurrent delivery. */
static void a_concurrent_delivery_decides_the_answer(void **state)
{
	(void)state;
	deployment_in(DEPLOYMENT_BUILDING, NULL);
	fake_db.transition.changed = false;
	fake_db.transition.to.status = DEPLOYMENT_DEPLOYING;
	assert_int_equal(deliver_as("deploying", "s3cret"), ERR_OK); /* the same change won */
	assert_int_equal(c.resp.status, 200);

	deployment_in(DEPLOYMENT_BUILDING, NULL);
	fake_db.transition.changed = false;
	fake_db.transition.to.status = DEPLOYMENT_CANCELLED;
	assert_int_equal(deliver_as("deploying", "s3cret"), ERR_CONFLICT);
	assert_string_equal(c.resp.message, "deployment 5 is already cancelled");

	deployment_in(DEPLOYMENT_BUILDING, NULL);
	fake_db.transition.found = false;
	assert_int_equal(deliver_as("deploying", "s3cret"), ERR_NOT_FOUND);

	deployment_in(DEPLOYMENT_BUILDING, NULL);
	fake_db.rc = ERR_UNAVAILABLE;
	assert_int_equal(deliver_as("deploying", "s3cret"), ERR_UNAVAILABLE);
	call_reset(&c);
}

/* Each mode decides which deliveries are judged signed, and what a refusal says. */
static void the_mode_decides_how_a_delivery_is_judged(void **state)
{
	(void)state;
	app.webhook_auth = WEBHOOK_AUTH_EITHER;
	deployment_in(DEPLOYMENT_PENDING, NULL);
	fake_db.target.now = 1700000000;
	assert_int_equal(deliver_signed("building", "s3cret", NULL), ERR_OK);
	assert_string_equal(fake_db.webhook_id, "msg_1");
	assert_true(fake_db.signed_delivery);
	assert_string_equal(fake_db.delivery.id, "msg_1");
	assert_int_equal(fake_db.delivery.timestamp, 1700000000);
	/* Any webhook-* header makes it signed: the right secret does not help a partial one. */
	deployment_in(DEPLOYMENT_PENDING, NULL);
	webhook_id = "msg_2";
	assert_int_equal(deliver_as("building", "s3cret"), ERR_UNAUTHORIZED);
	webhook_id = NULL;
	assert_string_equal(c.resp.message,
	                    "a signed delivery is required; missing headers: webhook-timestamp, "
	                    "webhook-signature");
	assert_string_equal(call_header(&c, "WWW-Authenticate"), "Bearer realm=\"webhook\"");
	/* Without any, the bare secret; a wrong one names both ways. */
	deployment_in(DEPLOYMENT_PENDING, NULL);
	assert_int_equal(deliver_as("building", "s3cret"), ERR_OK);
	assert_null(fake_db.webhook_id);
	assert_false(fake_db.signed_delivery);
	assert_int_equal(deliver_as("building", "wrong"), ERR_UNAUTHORIZED);
	assert_string_equal(c.resp.message, "a webhook signature or the app secret of the "
	                                    "deployment's project is required");

	app.webhook_auth = WEBHOOK_AUTH_SIGNED;
	deployment_in(DEPLOYMENT_PENDING, NULL);
	assert_int_equal(deliver_as("building", "s3cret"), ERR_UNAUTHORIZED);
	assert_string_equal(c.resp.message, "a signed delivery is required; missing headers: "
	                                    "webhook-id, webhook-timestamp, webhook-signature");
	assert_int_equal(fake_db.calls, 1); /* the read, never the transition */

	/* Secret mode never looks at a signature, right or wrong. */
	app.webhook_auth = WEBHOOK_AUTH_SECRET;
	deployment_in(DEPLOYMENT_PENDING, NULL);
	assert_int_equal(deliver_signed("building", "not-the-secret", "s3cret"), ERR_OK);
	assert_null(fake_db.webhook_id);
	assert_false(fake_db.signed_delivery);
	deployment_in(DEPLOYMENT_PENDING, NULL);
	assert_int_equal(deliver_signed("building", "s3cret", NULL), ERR_UNAUTHORIZED);
	assert_string_equal(c.resp.message,
	                    "the app secret of the deployment's project is required");
	app.webhook_auth = WEBHOOK_AUTH_SECRET;
}

/* The window is judged by the clock the read returns (the database's), five minutes each way. */
static void the_window_is_the_databases_clock(void **state)
{
	(void)state;
	app.webhook_auth = WEBHOOK_AUTH_EITHER;
	const int64_t nows[] = {1700000000 - 300, 1700000000 + 300, 1700000000 - 301,
	                        1700000000 + 301};
	for (size_t i = 0; i < 4; i++) {
		deployment_in(DEPLOYMENT_PENDING, NULL);
		fake_db.target.now = nows[i];
		assert_int_equal(deliver_signed("building", "s3cret", NULL),
		                 i < 2 ? ERR_OK : ERR_UNAUTHORIZED);
	}
	assert_string_equal(c.resp.message,
	                    "timestamp outside the tolerance window (5 minutes either way)");
	deployment_in(DEPLOYMENT_PENDING, NULL);
	fake_db.target.now = 1700000000;
	assert_int_equal(deliver_signed("building", "an0ther", NULL), ERR_UNAUTHORIZED);
	assert_string_equal(c.resp.message, "no signature matches");
	assert_int_equal(fake_db.calls, 1);
	app.webhook_auth = WEBHOOK_AUTH_SECRET;
}

/*
 * A remembered id is answered with the first delivery's answer and nothing is written; a signed
 * repeat of the current status still goes through the statement (which remembers it); a
 * delivery the statement neither changed nor remembered is answered by a copy accepted first,
 * or refused when there is none.
 */
static void remembered_deliveries_answer_as_the_first(void **state)
{
	(void)state;
	app.webhook_auth = WEBHOOK_AUTH_SIGNED;
	deployment_in(DEPLOYMENT_DEPLOYING, NULL);
	fake_db.target.now = 1700000000;
	fake_db.target.remembered = true;
	fake_db.target.first = fake_db.target.deployment;
	fake_db.target.first.id = 4;
	assert_int_equal(deliver_signed("building", "s3cret", NULL), ERR_OK);
	assert_int_equal(fake_db.calls, 1);
	json_t *d = call_json(&c);
	assert_int_equal(json_integer_value(json_object_get(d, "id")), 4);
	json_decref(d);
	/* Not remembered, but remembered wrongly signed: the signature comes first. */
	assert_int_equal(deliver_signed("building", "an0ther", NULL), ERR_UNAUTHORIZED);

	deployment_in(DEPLOYMENT_BUILDING, NULL);
	fake_db.target.now = 1700000000;
	fake_db.transition.changed = false;
	fake_db.transition.remembered = true;
	assert_int_equal(deliver_signed("building", "s3cret", NULL), ERR_OK);
	assert_string_equal(fake_db.last, "db_deployments_transition");

	/* The row moved on (a 409 for a new delivery), but a copy was accepted first. */
	deployment_in(DEPLOYMENT_PENDING, NULL);
	fake_db.target.now = 1700000000;
	fake_db.transition.changed = false;
	fake_db.transition.to.status = DEPLOYMENT_FAILED;
	fake_db.found_remembered = true;
	fake_db.remembered = fake_db.transition.to;
	assert_int_equal(deliver_signed("building", "s3cret", NULL), ERR_OK);
	assert_string_equal(fake_db.last, "db_webhook_remembered");
	assert_int_equal(fake_db.project_id, 2);
	assert_string_equal(fake_db.webhook_id, "msg_1");
	fake_db.found_remembered = false;
	assert_int_equal(deliver_signed("building", "s3cret", NULL), ERR_CONFLICT);
	assert_string_equal(c.resp.message, "deployment 5 is already failed");
	app.webhook_auth = WEBHOOK_AUTH_SECRET;
	call_reset(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_body_is_checked_before_anything_else),
	    cmocka_unit_test(an_unknown_deployment_is_404_before_the_secret),
	    cmocka_unit_test(the_projects_own_secret_is_required),
	    cmocka_unit_test(the_same_status_again_changes_nothing),
	    cmocka_unit_test(backwards_and_out_of_final_statuses_are_409),
	    cmocka_unit_test(going_live_gives_a_project_without_one_its_url),
	    cmocka_unit_test(a_concurrent_delivery_decides_the_answer),
	    cmocka_unit_test(the_mode_decides_how_a_delivery_is_judged),
	    cmocka_unit_test(the_window_is_the_databases_clock),
	    cmocka_unit_test(remembered_deliveries_answer_as_the_first),
	};
	return cmocka_run_group_tests_name("project: webhook", tests, NULL, NULL);
}
