/*
 * WEBHOOK_AUTH, the webhook's modes: which of the bare app secret and a signature each accepts.
 * tests/e2e/run runs this suite on the default stack (either) and again on the web tier
 * restarted in each mode below; the suite reads the mode it is given from WEBHOOK_AUTH.
 *
 * e2e-env: WEBHOOK_AUTH=secret
 * e2e-env: WEBHOOK_AUTH=signed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "deploy.h"
#include "signing.h"

static const char *mode(void)
{
	const char *m = getenv("WEBHOOK_AUTH");
	return m && *m ? m : "either";
}

/* Which way of authenticating a delivery, and what it carries. */
enum way {
	BARE_SECRET,        /* Authorization: the app secret, no webhook-* header */
	SIGNED,             /* the three headers, no Authorization */
	SIGNED_AND_SECRET,  /* both, both right */
	BAD_SIG_AND_SECRET, /* a wrong signature with the right secret */
	SIGNED_AND_BAD_KEY, /* the right signature with a wrong secret */
	NWAYS
};

static const char *const way_names[NWAYS] = {"bare secret", "signed", "signed and secret",
                                             "bad signature and secret", "signed and wrong secret"};

/* What each mode answers for each way: the mode's row of the matrix. */
static bool accepted(const char *m, enum way w)
{
	if (strcmp(m, "secret") == 0) /* signatures are not looked at */
		return w == BARE_SECRET || w == SIGNED_AND_SECRET || w == BAD_SIG_AND_SECRET;
	if (strcmp(m, "signed") == 0)
		return w == SIGNED || w == SIGNED_AND_SECRET || w == SIGNED_AND_BAD_KEY;
	/* either: any webhook-* header makes it a signed delivery */
	return w != BAD_SIG_AND_SECRET;
}

/* The message part of the 401 each mode gives for a refused way. */
static const char *refusal(const char *m, enum way w)
{
	if (strcmp(m, "secret") == 0)
		return "the app secret of the deployment's project is required";
	if (w == BARE_SECRET)
		return "missing headers: webhook-id, webhook-timestamp, webhook-signature";
	return "no signature matches";
}

static struct reply deliver(const struct fixture_project *p, enum way w, const char *body)
{
	char ts[24], sig[64];
	const char *id = unique("msg");

	sign_now(ts, sig, w == BAD_SIG_AND_SECRET ? "not-the-secret" : p->secret, id, body);
	switch (w) {
	case BARE_SECRET: return webhook_raw(p->secret, NULL, NULL, NULL, body);
	case SIGNED: return webhook_raw(NULL, id, ts, sig, body);
	case SIGNED_AND_BAD_KEY: return webhook_raw("not-the-secret", id, ts, sig, body);
	default: return webhook_raw(p->secret, id, ts, sig, body);
	}
}

static void the_mode_matrix(void **state)
{
	(void)state;
	const char *m = mode();
	struct fixture_project p;
	char body[128];

	fixture_project(&p);
	for (enum way w = 0; w < NWAYS; w++) {
		int64_t id = deploy(p.id, NULL);
		status_body(body, id, "building");
		struct reply r = deliver(&p, w, body);
		if (accepted(m, w)) {
			if (r.status != 200)
				fail_msg("%s: %s: %ld %s", m, way_names[w], r.status, r.body);
			assert_string_equal(str(r.json, "status"), "building");
			assert_int_equal(deployment_events(id, "deployment.status_changed"), 1);
		} else {
			if (r.status != 401)
				fail_msg("%s: %s: %ld %s", m, way_names[w], r.status, r.body);
			assert_webhook_401(&r, refusal(m, w));
			assert_int_equal(deployment_events(id, NULL), 1);
		}
		reply_free(&r);
	}
}

/*
 * In secret mode a webhook-id means nothing: a repeat is judged by the transition alone. In the
 * other modes it is answered as the first was, although the deployment has moved on.
 */
static void only_signed_deliveries_are_remembered(void **state)
{
	(void)state;
	const char *m = mode();
	struct fixture_project p;
	char body[128], ts[24], sig[64];

	int64_t id = fixture_deployment(&p);
	const char *x = unique("msg");
	status_body(body, id, "building");
	sign_now(ts, sig, p.secret, x, body);
	struct reply first = webhook_raw(p.secret, x, ts, sig, body);
	assert_int_equal(first.status, 200);
	bool secret_mode = strcmp(m, "secret") == 0;
	char done[128];
	status_body(done, id, "done");
	struct reply r = secret_mode ? webhook_raw(p.secret, NULL, NULL, NULL, done)
	                             : webhook_signed(p.secret, unique("msg"), done);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	r = webhook_raw(p.secret, x, ts, sig, body);
	if (secret_mode) {
		assert_error(&r, 409, "Conflict");
	} else {
		assert_int_equal(r.status, 200);
		assert_true(json_equal(r.json, first.json));
		assert_string_equal(str(r.json, "status"), "building");
	}
	reply_free(&r);
	reply_free(&first);
	assert_int_equal(sql_int("SELECT count(*) FROM webhook_deliveries WHERE project_id = %lld "
	                         "AND webhook_id = '%s'",
	                         (long long)p.id, x),
	                 secret_mode ? 0 : 1);
}

/* An unknown mode starts nothing: the stack refuses it, and so does a worker started by hand. */
static void an_unknown_mode_refuses_to_start(void **state)
{
	(void)state;
	if (strcmp(mode(), "either") != 0)
		skip(); /* once is enough */
	assert_int_equal(shell("d=$(mktemp -d) && out=$(WEBHOOK_AUTH=sometimes PANEL_STATE_DIR=$d "
	                       "scripts/stack start 2>&1); s=$?; rmdir $d 2>/dev/null; "
	                       "[ $s = 1 ] && echo \"$out\" | grep -q "
	                       "\"WEBHOOK_AUTH must be one of secret, signed, either (not "
	                       "'sometimes')\""),
	                 0);
	/* A worker started by hand, with a database URL it may use: it stops at its settings. */
	assert_int_equal(shell("out=$(WEBHOOK_AUTH=Signed PROJECT_DATABASE_URL=postgresql:///none "
	                       "\"$PANEL_BIN_DIR\"/project-fcgi </dev/null 2>&1); [ $? = 2 ] && "
	                       "echo \"$out\" | grep -q 'WEBHOOK_AUTH must be one of secret, "
	                       "signed, either'"),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_mode_matrix),
	    cmocka_unit_test(only_signed_deliveries_are_remembered),
	    cmocka_unit_test(an_unknown_mode_refuses_to_start),
	};
	char name[64];
	snprintf(name, sizeof(name), "e2e: webhook modes (WEBHOOK_AUTH=%s)", mode());
	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}
