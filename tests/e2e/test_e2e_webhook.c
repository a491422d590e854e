/*
 * POST /deployment/webhook end to end: the order of its checks (body, deployment, secret,
 * transition), every pair of statuses, deployedIn, the project URL assigned exactly once, the
 * events of each delivery (one per change, none otherwise), and concurrent deliveries.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "deploy.h"

static const char *const statuses[] = {"pending", "building", "deploying",
                                       "done",    "failed",   "cancelled"};

static struct reply raw(const char *authorization, const char *content_type, const char *body)
{
	return http(PROJECT, "POST", "/deployment/webhook", authorization, content_type, body,
	            NULL);
}

/* Copies tmpl into out with its '@', if any, replaced by id. */
static void fill(char *out, size_t size, const char *tmpl, int64_t id)
{
	const char *at = strchr(tmpl, '@');
	if (!at)
		snprintf(out, size, "%s", tmpl);
	else
		snprintf(out, size, "%.*s%" PRId64 "%s", (int)(at - tmpl), tmpl, id, at + 1);
}

static void malformed_bodies_are_400_before_anything_else(void **state)
{
	(void)state;
	struct fixture_project p;
	char body[256];

	int64_t id = fixture_deployment(&p);
	/* An unknown status is 400 even for a deployment that does not exist, without a secret. */
	const char *bodies[] = {
	    "{",
	    "{\"id\": 1, \"id\": 2, \"status\": \"done\"}",
	    "[]",
	    "{}",
	    "{\"status\": \"done\"}",
	    "{\"id\": null, \"status\": \"done\"}",
	    "{\"id\": \"@\", \"status\": \"done\"}",
	    "{\"id\": @.5, \"status\": \"done\"}",
	    "{\"id\": 1e3, \"status\": \"done\"}",
	    "{\"id\": 0, \"status\": \"done\"}",
	    "{\"id\": -1, \"status\": \"done\"}",
	    "{\"id\": 9223372036854775808, \"status\": \"done\"}",
	    "{\"id\": true, \"status\": \"done\"}",
	    "{\"id\": @}",
	    "{\"id\": @, \"status\": null}",
	    "{\"id\": @, \"status\": \"finished\"}",
	    "{\"id\": @, \"status\": \"DONE\"}",
	    "{\"id\": @, \"status\": 3}",
	    "{\"id\": @, \"status\": \"\"}",
	    "{\"id\": 9223372036854775807, \"status\": \"shipped\"}",
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		fill(body, sizeof(body), bodies[i], id);
		for (int with_secret = 0; with_secret < 2; with_secret++) {
			struct reply r = raw(with_secret ? p.secret : AUTH_NONE, NULL, body);
			if (r.status != 400)
				fail_msg("%s: %ld %s", body, r.status, r.body);
			assert_error(&r, 400, "BadRequest");
			reply_free(&r);
		}
	}
	/* No body at all, and a body that is not JSON. */
	struct reply r = raw(p.secret, NULL, NULL);
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
	snprintf(body, sizeof(body), "{\"id\": %" PRId64 ", \"status\": \"done\"}", id);
	r = raw(p.secret, "text/plain", body);
	assert_error(&r, 415, "UnsupportedMediaType");
	reply_free(&r);
	/* The webhook takes no query parameters. */
	r = http(PROJECT, "POST", "/deployment/webhook?debug=1", p.secret, NULL, body, NULL);
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);

	assert_int_equal(deployment_events(id, NULL), 1); /* its creation only */
	assert_int_equal(sql_int("SELECT count(*) FROM deployments WHERE id = %" PRId64
	                         " AND status = 'pending'",
	                         id),
	                 1);
}

static void unknown_deployment_is_404_before_the_secret(void **state)
{
	(void)state;
	struct fixture_project p;

	fixture_project(&p);
	const char *auths[] = {AUTH_NONE, "wrong", p.secret};
	for (size_t i = 0; i < 3; i++) {
		struct reply r = webhook(auths[i], INT64_MAX, "done");
		assert_error(&r, 404, "NotFound");
		assert_non_null(strstr(str(r.json, "message"), "9223372036854775807"));
		reply_free(&r);
	}
}

static void secret_is_the_projects_own(void **state)
{
	(void)state;
	struct fixture_project p, other;
	char header[256];

	fixture_project(&p);
	fixture_project(&other);
	int64_t id = deploy(p.id, NULL);
	int64_t done = deploy(p.id, NULL);
	move(&p, done, "done");

	snprintf(header, sizeof(header), "Bearer %s", service_token(PROJECT));
	char longer[128], shorter[128], basic[128], other_bearer[128];
	snprintf(longer, sizeof(longer), "%sx", p.secret);
	snprintf(shorter, sizeof(shorter), "%.*s", (int)strlen(p.secret) - 1, p.secret);
	snprintf(basic, sizeof(basic), "Basic %s", p.secret);
	snprintf(other_bearer, sizeof(other_bearer), "Bearer %s", other.secret);
	const char *refused[] = {AUTH_NONE,    "",           "Bearer", "Bearer ", header,
	                         other.secret, other_bearer, longer,   shorter,   basic};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct reply r = webhook(refused[i], id, "building");
		assert_error(&r, 401, "Unauthorized");
		assert_string_equal(reply_header(&r, "WWW-Authenticate"),
		                    "Bearer realm=\"webhook\"");
		reply_free(&r);
		/* The secret is checked before the transition: no 409 leaks without it. */
		r = webhook(refused[i], done, "building");
		assert_error(&r, 401, "Unauthorized");
		reply_free(&r);
	}
	assert_int_equal(deployment_events(id, NULL), 1);

	/* The secret alone, or as a bearer credential (scheme in any case). */
	char bearer[128], lower[128];
	snprintf(bearer, sizeof(bearer), "Bearer %s", p.secret);
	snprintf(lower, sizeof(lower), "bearer %s", p.secret);
	const char *accepted[][2] = {
	    {p.secret, "building" },
            {bearer,   "deploying"},
            {lower,    "done"     }
        };
	for (size_t i = 0; i < 3; i++) {
		struct reply r = webhook(accepted[i][0], id, accepted[i][1]);
		assert_int_equal(r.status, 200);
		assert_string_equal(str(r.json, "status"), accepted[i][1]);
		reply_free(&r);
	}
	assert_int_equal(deployment_events(id, "deployment.status_changed"), 3);

	/* Unknown extra fields are ignored. */
	int64_t extra = deploy(p.id, NULL);
	char body[256];
	snprintf(body, sizeof(body),
	         "{\"id\": %" PRId64 ", \"status\": \"failed\", \"reason\": \"oom\", "
	         "\"log\": {\"lines\": [1, 2]}}",
	         extra);
	struct reply r = raw(p.secret, "application/json; charset=UTF-8", body);
	assert_int_equal(r.status, 200);
	assert_string_equal(str(r.json, "status"), "failed");
	reply_free(&r);
}

/* Brings a new deployment of p to status (pending needs nothing). */
static int64_t deployment_in(const struct fixture_project *p, const char *status)
{
	int64_t id = deploy(p->id, NULL);
	if (strcmp(status, "pending") != 0)
		move(p, id, status);
	return id;
}

static void every_pair_of_statuses(void **state)
{
	(void)state;
	struct fixture_project p;
	/* The contract, pair by pair: forward (skipping allowed), or to failed/cancelled. */
	const char *allowed = " pending>building pending>deploying pending>done pending>failed "
	                      "pending>cancelled building>deploying building>done building>failed "
	                      "building>cancelled deploying>done deploying>failed "
	                      "deploying>cancelled ";

	fixture_project(&p);
	for (size_t f = 0; f < 6; f++)
		for (size_t t = 0; t < 6; t++) {
			char pair[40];
			snprintf(pair, sizeof(pair), " %s>%s ", statuses[f], statuses[t]);
			int64_t id = deployment_in(&p, statuses[f]);
			char path[64];
			snprintf(path, sizeof(path), "/deployments/%" PRId64, id);
			struct reply was = get(PROJECT, path);
			int64_t events = deployment_events(id, "deployment.status_changed");

			struct reply r = webhook(p.secret, id, statuses[t]);
			if (f == t) {
				/* A repeated delivery: 200 with the deployment unchanged. */
				if (r.status != 200)
					fail_msg("%s: %ld %s", pair, r.status, r.body);
				assert_true(json_equal(r.json, was.json));
				assert_int_equal(deployment_events(id, "deployment.status_changed"),
				                 events);
			} else if (strstr(allowed, pair)) {
				if (r.status != 200)
					fail_msg("%s: %ld %s", pair, r.status, r.body);
				assert_string_equal(str(r.json, "status"), statuses[t]);
				assert_int_equal(num(r.json, "id"), id);
				assert_int_equal(deployment_events(id, "deployment.status_changed"),
				                 events + 1);
				json_t *rows = sql("SELECT payload::text AS p FROM " ALL_EVENTS
				                   " WHERE name = 'deployment.status_changed' AND "
				                   "payload->>'deploymentId' = '%" PRId64 "' AND "
				                   "payload->>'status' = '%s'",
				                   id, statuses[t]);
				assert_int_equal(json_array_size(rows), 1);
				json_t *e = json_loads(str(json_array_get(rows, 0), "p"), 0, NULL);
				assert_string_equal(str(e, "previousStatus"), statuses[f]);
				assert_string_equal(str(e, "source"), "webhook");
				assert_int_equal(num(e, "projectId"), p.id);
				assert_string_equal(str(e, "projectName"), p.name);
				assert_int_equal(num(e, "ownerId"), p.owner_id);
				assert_true(matches(str(e, "eventId"), UUID_RE));
				assert_true(json_equal(json_object_get(e, "deployedIn"),
				                       json_object_get(r.json, "deployedIn")));
				json_decref(e);
				json_decref(rows);
			} else {
				if (r.status != 409)
					fail_msg("%s: %ld %s", pair, r.status, r.body);
				assert_error(&r, 409, "Conflict");
				char want[64];
				snprintf(want, sizeof(want), "is already %s", statuses[f]);
				if (!strstr(str(r.json, "message"), want))
					fail_msg("%s: '%s'", pair, str(r.json, "message"));
				assert_int_equal(deployment_events(id, "deployment.status_changed"),
				                 events);
				struct reply now = get(PROJECT, path);
				assert_true(json_equal(now.json, was.json));
				reply_free(&now);
			}
			reply_free(&was);
			reply_free(&r);
		}
}

static void done_sets_deployed_in_in_whole_seconds(void **state)
{
	(void)state;
	struct fixture_project p;

	int64_t id = fixture_deployment(&p);
	move(&p, id, "building");
	json_decref(sql(
	    "UPDATE deployments SET created_at = created_at - interval '90.7 seconds' WHERE id = "
	    "%" PRId64,
	    id));
	struct reply r = webhook(p.secret, id, "done");
	assert_int_equal(r.status, 200);
	int64_t deployed_in = num(r.json, "deployedIn");
	assert_true(json_is_integer(json_object_get(r.json, "deployedIn")));
	assert_true(deployed_in >= 90);
	/* Rounded down, from creation to the moment it went done (its updatedAt). */
	assert_int_equal(deployed_in, sql_int("SELECT floor(extract(epoch FROM updated_at - "
	                                      "created_at)) FROM deployments WHERE id = %" PRId64,
	                                      id));
	/* The event carries it too. */
	assert_int_equal(sql_int("SELECT count(*) FROM " ALL_EVENTS
	                         " WHERE name = 'deployment.status_changed' AND "
	                         "payload->>'deploymentId' = '%" PRId64
	                         "' AND payload->>'status' = "
	                         "'done' AND payload->>'deployedIn' = '%" PRId64 "'",
	                         id, deployed_in),
	                 1);
	reply_free(&r);
	/* Statuses other than done leave it null. */
	id = deploy(p.id, NULL);
	r = webhook(p.secret, id, "failed");
	assert_true(json_is_null(json_object_get(r.json, "deployedIn")));
	reply_free(&r);
}

static const char *project_url(int64_t project_id)
{
	static char out[512];
	json_t *rows = sql("SELECT url FROM projects WHERE id = %" PRId64, project_id);
	const char *url = str(json_array_get(rows, 0), "url");
	snprintf(out, sizeof(out), "%s", url ? url : "");
	json_decref(rows);
	return out;
}

static void first_live_deployment_gives_the_project_its_url(void **state)
{
	(void)state;
	struct fixture_project p;
	char name[256], pattern[512];

	fixture_project(&p);
	snprintf(name, sizeof(name),
	         "My Shop_%s \xc3\x9c"
	         "ber.2024",
	         unique("x"));
	json_decref(sql("UPDATE projects SET name = '%s' WHERE id = %" PRId64, name, p.id));

	/* A failed first deployment gives no URL. */
	int64_t failed = deploy(p.id, NULL);
	move(&p, failed, "failed");
	assert_string_equal(project_url(p.id), "");
	assert_int_equal(project_events(p.id, "project.url_assigned"), 0);

	int64_t live = deploy(p.id, NULL);
	move(&p, live, "done");
	/* The label, derived here independently: lowercase, a hyphen for anything else. */
	char label[256];
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if ((*c & 0xc0) == 0x80)
			continue; /* the rest of a character already written */
		if (*c >= 'A' && *c <= 'Z')
			label[n++] = (char)(*c - 'A' + 'a');
		else if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')
			label[n++] = (char)*c;
		else
			label[n++] = '-';
	}
	label[n] = '\0';
	snprintf(pattern, sizeof(pattern), "^https://%s-[0-9a-f]{8}\\.test\\.example$", label);
	char url[512];
	snprintf(url, sizeof(url), "%s", project_url(p.id));
	if (!matches(url, pattern))
		fail_msg("%s does not match %s", url, pattern);

	/* Exactly one project.url_assigned, from that deployment, carrying the URL. */
	assert_int_equal(project_events(p.id, "project.url_assigned"), 1);
	json_t *e = the_event(live, "project.url_assigned");
	assert_string_equal(str(e, "projectUrl"), url);
	assert_string_equal(str(e, "status"), "done");
	assert_string_equal(str(e, "source"), "webhook");
	json_decref(e);
	e = the_event(live, "deployment.status_changed");
	assert_string_equal(str(e, "projectUrl"), url);
	json_decref(e);

	/* The API shows it; later deployments going live change nothing. */
	char path[64];
	snprintf(path, sizeof(path), "/projects/%" PRId64, p.id);
	struct reply r = get(PROJECT, path);
	assert_string_equal(str(r.json, "url"), url);
	reply_free(&r);
	move(&p, deploy(p.id, NULL), "done");
	assert_string_equal(project_url(p.id), url);
	assert_int_equal(project_events(p.id, "project.url_assigned"), 1);

	/* A long name is cut so that the DNS label fits 63 characters. */
	struct fixture_project longp;
	fixture_project(&longp);
	char longname[201];
	int len = snprintf(longname, sizeof(longname), "%s", unique("LONG"));
	memset(longname + len, 'Q', sizeof(longname) - 1 - (size_t)len);
	longname[200] = '\0';
	json_decref(sql("UPDATE projects SET name = '%s' WHERE id = %" PRId64, longname, longp.id));
	move(&longp, deploy(longp.id, NULL), "done");
	snprintf(url, sizeof(url), "%s", project_url(longp.id));
	const char *host = url + strlen("https://");
	assert_int_equal(strcspn(host, "."), 63);
	assert_true(matches(url, "^https://long-[0-9a-z-]+q-[0-9a-f]{8}\\.test\\.example$"));
}

struct delivery {
	const struct fixture_project *p;
	int64_t id;
	const char *status;
	long result;
};

static void *deliver(void *arg)
{
	struct delivery *d = arg;
	struct reply r = webhook(d->p->secret, d->id, d->status);
	d->result = r.status;
	reply_free(&r);
	return NULL;
}

static void concurrent_deployments_assign_the_url_once(void **state)
{
	(void)state;
	struct fixture_project p;
	struct delivery d[12];

	fixture_project(&p);
	for (int i = 0; i < 12; i++)
		d[i] = (struct delivery){&p, deploy(p.id, NULL), "done", 0};
	/*
	 * With the project's row held, every delivery in flight sees no URL yet and waits inside
	 * its write; released together, only the database's url IS NULL guard keeps it to one.
	 */
	race_at_row("projects", p.id, 12, deliver, d, sizeof(d[0]));
	for (int i = 0; i < 12; i++) {
		assert_int_equal(d[i].result, 200);
		assert_int_equal(deployment_events(d[i].id, "deployment.status_changed"), 1);
	}
	assert_int_equal(project_events(p.id, "project.url_assigned"), 1);
	assert_int_equal(project_events(p.id, "deployment.status_changed"), 12);
	assert_int_equal(sql_int("SELECT count(*) FROM " ALL_EVENTS
	                         " WHERE name = 'project.url_assigned' AND payload->>'projectId' = "
	                         "'%" PRId64 "' AND payload->>'projectUrl' = (SELECT url FROM "
	                         "projects WHERE id = %" PRId64 ")",
	                         p.id, p.id),
	                 1);
}

static void identical_deliveries_race_to_one_change(void **state)
{
	(void)state;
	struct fixture_project p;
	struct delivery d[8];

	int64_t id = fixture_deployment(&p);
	move(&p, id, "deploying");
	for (int i = 0; i < 8; i++)
		d[i] = (struct delivery){&p, id, "done", 0};
	/* Every delivery in flight reads "deploying" and then waits on the row: one may change it. */
	race_at_row("deployments", id, 8, deliver, d, sizeof(d[0]));
	for (int i = 0; i < 8; i++)
		assert_int_equal(d[i].result, 200);
	assert_int_equal(sql_int("SELECT count(*) FROM " ALL_EVENTS
	                         " WHERE name = 'deployment.status_changed' AND "
	                         "payload->>'deploymentId' = '%" PRId64
	                         "' AND payload->>'status' = "
	                         "'done'",
	                         id),
	                 1);
	assert_int_equal(project_events(p.id, "project.url_assigned"), 1);

	/* Conflicting deliveries: one wins, the others see it and answer 409, one event. */
	id = deploy(p.id, NULL);
	for (int i = 0; i < 8; i++)
		d[i] = (struct delivery){&p, id, i % 2 ? "failed" : "cancelled", 0};
	race_at_row("deployments", id, 8, deliver, d, sizeof(d[0]));
	int ok = 0;
	for (int i = 0; i < 8; i++) {
		if (d[i].result != 200 && d[i].result != 409)
			fail_msg("delivery %d: %ld", i, d[i].result);
		ok += d[i].result == 200;
	}
	json_t *rows = sql("SELECT status FROM deployments WHERE id = %" PRId64, id);
	const char *final = str(json_array_get(rows, 0), "status");
	/* Every delivery of the winning status answers 200 (a no-op after the first). */
	assert_int_equal(ok, 4);
	assert_true(strcmp(final, "failed") == 0 || strcmp(final, "cancelled") == 0);
	json_decref(rows);
	assert_int_equal(deployment_events(id, "deployment.status_changed"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(malformed_bodies_are_400_before_anything_else),
	    cmocka_unit_test(unknown_deployment_is_404_before_the_secret),
	    cmocka_unit_test(secret_is_the_projects_own),
	    cmocka_unit_test(every_pair_of_statuses),
	    cmocka_unit_test(done_sets_deployed_in_in_whole_seconds),
	    cmocka_unit_test(first_live_deployment_gives_the_project_its_url),
	    cmocka_unit_test(concurrent_deployments_assign_the_url_once),
	    cmocka_unit_test(identical_deliveries_race_to_one_change),
	};
	return cmocka_run_group_tests_name("e2e: webhook", tests, NULL, NULL);
}
