/*
 * The foundation, end to end: the token gate in lighttpd on both ports, its exemptions, the
 * dispatcher's 404/405, lighttpd's body limit, /health, migrations and the seeder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static const enum service services[] = {PROJECT, AGGREGATOR};
static const char *const realms[] = {"project", "aggregator"};

/* Every refusal is 401 with the JSON error and the realm's challenge. */
static void assert_unauthorized(struct reply *r, enum service svc, bool invalid_token)
{
	char want[128];

	assert_error(r, 401, "Unauthorized");
	snprintf(want, sizeof(want), "Bearer realm=\"%s\"%s", realms[svc],
	         invalid_token ? ", error=\"invalid_token\"" : "");
	assert_string_equal(reply_header(r, "WWW-Authenticate"), want);
}

static void token_matrix(void **state)
{
	(void)state;
	char header[256];

	for (size_t i = 0; i < 2; i++) {
		enum service svc = services[i], other = services[1 - i];
		const char *path = svc == PROJECT ? "/projects" : "/events";

		struct reply r = http(svc, "GET", path, AUTH_NONE, NULL, NULL, NULL);
		assert_unauthorized(&r, svc, false);
		reply_free(&r);

		r = http(svc, "GET", path, "Bearer not-the-token", NULL, NULL, NULL);
		assert_unauthorized(&r, svc, true);
		reply_free(&r);

		snprintf(header, sizeof(header), "Bearer %s", service_token(other));
		r = http(svc, "GET", path, header, NULL, NULL, NULL);
		assert_unauthorized(&r, svc, true);
		reply_free(&r);

		/* The token with one character more or less is as wrong as any other. */
		snprintf(header, sizeof(header), "Bearer %sx", service_token(svc));
		r = http(svc, "GET", path, header, NULL, NULL, NULL);
		assert_unauthorized(&r, svc, true);
		reply_free(&r);
		snprintf(header, sizeof(header), "Bearer %.*s", (int)strlen(service_token(svc)) - 1,
		         service_token(svc));
		r = http(svc, "GET", path, header, NULL, NULL, NULL);
		assert_unauthorized(&r, svc, true);
		reply_free(&r);

		snprintf(header, sizeof(header), "Basic %s", service_token(svc));
		r = http(svc, "GET", path, header, NULL, NULL, NULL);
		assert_unauthorized(&r, svc, false);
		reply_free(&r);

		/* The scheme is case-insensitive. */
		snprintf(header, sizeof(header), "bEaReR %s", service_token(svc));
		r = http(svc, "GET", svc == PROJECT ? "/projects" : "/health", header, NULL, NULL,
		         NULL);
		assert_int_equal(r.status, 200);
		reply_free(&r);

		/* Unknown paths and other methods need the token too. */
		r = http(svc, "DELETE", "/no/such/path", AUTH_NONE, NULL, NULL, NULL);
		assert_unauthorized(&r, svc, false);
		reply_free(&r);
		r = http(svc, "POST", "/health", AUTH_NONE, NULL, "{}", NULL);
		assert_unauthorized(&r, svc, false);
		reply_free(&r);
	}
}

static bool log_has(const char *needle)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "grep -qF -- '%s' \"$PANEL_STATE_DIR\"/log/lighttpd.log",
	         needle);
	return shell("%s", cmd) == 0;
}

/* Workers log every request they answer (LOG_LEVEL=debug in the test stack), with its id. */
static void rejected_requests_never_reach_a_worker(void **state)
{
	(void)state;
	char rejected[128], accepted[128], h1[160], h2[160];

	snprintf(rejected, sizeof(rejected), "%s", unique("rejected"));
	snprintf(accepted, sizeof(accepted), "%s", unique("accepted"));
	snprintf(h1, sizeof(h1), "X-Request-Id: %s", rejected);
	snprintf(h2, sizeof(h2), "X-Request-Id: %s", accepted);
	const char *const x1[] = {h1, NULL}, *const x2[] = {h2, NULL};

	struct reply r = http(PROJECT, "GET", "/projects", "Bearer wrong", NULL, NULL, x1);
	assert_int_equal(r.status, 401);
	assert_string_equal(reply_header(&r, "X-Request-Id"), rejected);
	reply_free(&r);
	r = http(PROJECT, "GET", "/projects", AUTH_TOKEN, NULL, NULL, x2);
	assert_int_equal(r.status, 200);
	assert_string_equal(reply_header(&r, "X-Request-Id"), accepted);
	reply_free(&r);

	/* The accepted one is logged by its worker (so the method can see), the other is not. */
	assert_true(log_has(accepted));
	assert_false(log_has(rejected));
}

static void exemptions(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct reply r = http(services[i], "GET", "/health", AUTH_NONE, NULL, NULL, NULL);
		assert_int_equal(r.status, 200);
		assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
		assert_string_equal(json_string_value(json_object_get(r.json, "database")), "ok");
		reply_free(&r);

		r = http(services[i], "GET", "/openapi.yaml", AUTH_NONE, NULL, NULL, NULL);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body, "openapi: 3.1"));
		reply_free(&r);
	}
	/* The webhook is checked by the app (its own secret), so an empty body reaches it. */
	struct reply r = http(PROJECT, "POST", "/deployment/webhook", AUTH_NONE, NULL, "{}", NULL);
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
	/* ... but only on the project port, and only as POST. */
	r = http(AGGREGATOR, "POST", "/deployment/webhook", AUTH_NONE, NULL, "{}", NULL);
	assert_int_equal(r.status, 401);
	reply_free(&r);
	r = http(PROJECT, "GET", "/deployment/webhook", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	reply_free(&r);
	/* Dot segments and encodings do not smuggle a path past the gate. */
	r = http(PROJECT, "GET", "/health/../projects", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	reply_free(&r);
	r = http(PROJECT, "GET", "/admin/../projects", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	reply_free(&r);
	r = http(PROJECT, "GET", "/%61dmin/../projects", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	reply_free(&r);
}

static void not_found_and_method_not_allowed(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct reply r = get(services[i], "/no/such/thing");
		assert_error(&r, 404, "NotFound");
		assert_string_equal(reply_header(&r, "Content-Type"), "application/json");
		reply_free(&r);

		r = http(services[i], "PUT", "/health", AUTH_TOKEN, NULL, "{}", NULL);
		assert_error(&r, 405, "MethodNotAllowed");
		assert_string_equal(reply_header(&r, "Allow"), "GET, HEAD");
		reply_free(&r);

		r = http(services[i], "HEAD", "/health", AUTH_NONE, NULL, NULL, NULL);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.len, 0);
		reply_free(&r);
	}
	struct reply r = http(PROJECT, "DELETE", "/projects", AUTH_TOKEN, NULL, NULL, NULL);
	assert_error(&r, 405, "MethodNotAllowed");
	reply_free(&r);
}

/* A JSON object of exactly n bytes: braces around spaces. Owned by the caller. */
static char *json_of_size(size_t n)
{
	char *body = malloc(n + 1);
	assert_non_null(body);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	body[n] = '\0';
	return body;
}

/* POSTs a body of n bytes to each service under request id rid; returns the statuses. */
static void post_sized(size_t n, const char *rid, long status[2])
{
	char *body = json_of_size(n), h[160];
	snprintf(h, sizeof(h), "X-Request-Id: %s", rid);
	const char *const extra[] = {h, NULL};
	for (size_t i = 0; i < 2; i++) {
		struct reply r = http(services[i], "POST",
		                      services[i] == PROJECT ? "/deployment/webhook" : "/events",
		                      AUTH_TOKEN, NULL, body, extra);
		status[i] = r.status;
		reply_free(&r);
	}
	free(body);
}

/*
 * The contract's limit is 1 MiB: one byte more is lighttpd's 413, and no worker ever sees the
 * request (a worker logs each request it answers, with its id, before the answer leaves). A
 * body of exactly 1 MiB does reach the workers, which shows the log would tell.
 */
static void body_over_the_limit_is_413_before_any_worker(void **state)
{
	(void)state;
	const size_t mib = 1024 * 1024, over[] = {mib + 1, 2 * mib};
	char rid[128];
	long status[2];

	for (size_t k = 0; k < 2; k++) {
		snprintf(rid, sizeof(rid), "%s", unique("big"));
		post_sized(over[k], rid, status);
		assert_int_equal(status[0], 413);
		assert_int_equal(status[1], 413);
		if (log_has(rid))
			fail_msg("a body of %zu bytes reached a worker", over[k]);
	}
	snprintf(rid, sizeof(rid), "%s", unique("mib"));
	post_sized(mib, rid, status);
	assert_int_not_equal(status[0], 413);
	assert_int_not_equal(status[1], 413);
	assert_true(log_has(rid));
}

static void health_reports_the_database(void **state)
{
	(void)state;
	struct reply r = http(AGGREGATOR, "GET", "/health", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	json_t *queue = json_object_get(r.json, "queue");
	assert_true(json_is_integer(json_object_get(queue, "depth")));
	assert_true(json_is_number(json_object_get(queue, "oldestAgeSeconds")));
	reply_free(&r);
}

/*
 * /health needs no token, so it must cost the same however long the queue is: it counts up to
 * 1000 rows and reads the first row's age. /metrics, behind the token, has the exact depth.
 * The rows are due in an hour, so no drain takes them meanwhile.
 */
static void health_counts_the_queue_only_so_far(void **state)
{
	(void)state;
	const char *name = unique("health.depth");

	json_decref(
	    sql("INSERT INTO event_queue (event_id, name, payload, enqueued_at, next_attempt_at) "
	        "SELECT gen_random_uuid(), '%s', '{}', now() - interval '90 seconds', "
	        "       now() + interval '1 hour' FROM generate_series(1, 1500)",
	        name));
	struct reply r = http(AGGREGATOR, "GET", "/health", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	json_t *queue = json_object_get(r.json, "queue");
	assert_int_equal(json_integer_value(json_object_get(queue, "depth")), 1000);
	assert_true(json_number_value(json_object_get(queue, "oldestAgeSeconds")) > 0);
	reply_free(&r);

	r = get(AGGREGATOR, "/metrics");
	assert_int_equal(r.status, 200);
	const char *depth = strstr(r.body, "\npanel_outbox_queue_depth ");
	assert_non_null(depth);
	assert_true(strtoll(depth + strlen("\npanel_outbox_queue_depth "), NULL, 10) >= 1500);
	reply_free(&r);
	json_decref(sql("DELETE FROM event_queue WHERE name = '%s'", name));
}

static int64_t table_fingerprint(void)
{
	return sql_int(
	    "SELECT hashtext((SELECT string_agg(u::text, ',' ORDER BY u.id) FROM users u) "
	    "|| (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM projects p))");
}

static void seeding_is_idempotent_and_keeps_urls(void **state)
{
	(void)state;
	int64_t ids[64];
	assert_true(seeded_project_ids(ids, 64) > 0);
	json_decref(sql("UPDATE projects SET url = 'https://kept.test.example' WHERE id = %lld",
	                (long long)ids[0]));
	int64_t before = table_fingerprint();

	assert_int_equal(shell("\"$PANEL_BIN_DIR\"/panelctl seed --projects \"$PANEL_TEST_SEEDS\"/"
	                       "projects.json --users \"$PANEL_TEST_SEEDS\"/users.json "
	                       ">\"$PANEL_STATE_DIR\"/reseed.out"),
	                 0);
	assert_int_equal(shell("grep -q 'users: 0 of .* inserted; projects: 0 of .* inserted' "
	                       "\"$PANEL_STATE_DIR\"/reseed.out"),
	                 0);
	assert_int_equal(table_fingerprint(), before);
	assert_int_equal(sql_int("SELECT count(*) FROM projects WHERE id = %lld AND "
	                         "url = 'https://kept.test.example'",
	                         (long long)ids[0]),
	                 1);
	json_decref(sql("UPDATE projects SET url = NULL WHERE id = %lld", (long long)ids[0]));
}

/* A file whose last element is bad is refused whole, with file, element and field named. */
static void malformed_seed_file_changes_nothing(void **state)
{
	(void)state;
	int64_t before = table_fingerprint();
	assert_int_equal(
	    shell(
	        "f=\"$PANEL_STATE_DIR\"/bad-projects.json; "
	        "printf '[{\"id\": 990001, \"name\": \"good-one\", \"url\": null, \"user_id\": %lld, "
	        "\"app_secret\": \"x\", \"created_at\": \"2024-01-01T00:00:00.000Z\"}, "
	        "{\"id\": 990002, \"name\": \"bad-one\", \"url\": null, \"user_id\": %lld, "
	        "\"app_secret\": \"x\", \"created_at\": \"yesterday\"}]' >\"$f\"; "
	        "\"$PANEL_BIN_DIR\"/panelctl seed --projects \"$f\" --users "
	        "\"$PANEL_TEST_SEEDS\"/users.json 2>\"$PANEL_STATE_DIR\"/bad.err; s=$?; "
	        "grep -q 'bad-projects.json: element 1: field \"created_at\"' "
	        "\"$PANEL_STATE_DIR\"/bad.err && exit $s",
	        (long long)sql_int("SELECT min(id) FROM users"),
	        (long long)sql_int("SELECT min(id) FROM users")),
	    1);
	assert_int_equal(table_fingerprint(), before);
	assert_int_equal(sql_int("SELECT count(*) FROM projects WHERE id IN (990001, 990002)"), 0);
}

/* A second database in the test cluster, for migrations from nothing. */
static void migrations_serialize_refuse_edits_and_roll_back(void **state)
{
	(void)state;
	const char *env = "u=$(echo \"$DATABASE_URL\" | sed 's|/panel?|/panel_migrations?|'); "
	                  "export DATABASE_URL=$u; ";
	assert_int_equal(shell("psql \"$(echo $DATABASE_URL | sed 's/user=panel/user=postgres/')\" "
	                       "-qc 'CREATE DATABASE panel_migrations OWNER panel' >/dev/null"),
	                 0);
	/* Four runners at once: each migration is applied exactly once. */
	assert_int_equal(
	    shell("%s for i in 1 2 3 4; do \"$PANEL_BIN_DIR\"/panelctl migrate "
	          ">\"$PANEL_STATE_DIR\"/mig-$i.out & done; wait; "
	          "n=$(ls migrations/*.up.sql | wc -l); "
	          "[ $(cat \"$PANEL_STATE_DIR\"/mig-*.out | grep -c '^applied') -eq $n ]",
	          env),
	    0);
	/* An applied file edited afterwards is refused. */
	assert_int_equal(
	    shell("%s d=\"$PANEL_STATE_DIR\"/mig-edited; rm -rf \"$d\"; cp -r migrations "
	          "\"$d\"; echo '-- edited' >>\"$d\"/0001_core.up.sql; "
	          "PANEL_MIGRATIONS=\"$d\" \"$PANEL_BIN_DIR\"/panelctl migrate "
	          "2>\"$PANEL_STATE_DIR\"/edited.err; s=$?; "
	          "grep -q 'was edited after it was applied' \"$PANEL_STATE_DIR\"/edited.err "
	          "&& exit $s",
	          env),
	    1);
	/* Every migration rolls back, and the schema comes back up. */
	assert_int_equal(
	    shell("%s set -e; n=$(ls migrations/*.up.sql | wc -l); "
	          "for i in $(seq $n); do \"$PANEL_BIN_DIR\"/panelctl rollback >/dev/null; "
	          "done; \"$PANEL_BIN_DIR\"/panelctl status | grep -q \"^$n pending\"; "
	          "\"$PANEL_BIN_DIR\"/panelctl migrate >/dev/null; "
	          "\"$PANEL_BIN_DIR\"/panelctl status | grep -q '^0 pending'",
	          env),
	    0);
}

/*
 * panelctl --wait: started before its Postgres (as compose's migrate container is), migrate
 * waits and then migrates; with nothing answering it gives up after its time; and it waits for
 * the server only, never for credentials that will not work.
 */
static void migrate_waits_for_postgres_to_start(void **state)
{
	(void)state;
	/* A cluster of its own (own state directory, so its own socket), made and stopped first
	 * (its database exists, as a real one's does), then started a while after panelctl. */
	const char *late = "s=\"$PANEL_STATE_DIR\"/late; export PANEL_STATE_DIR=$s; ";
	assert_int_equal(
	    shell(
	        "%s rm -rf \"$s\"; mkdir -p \"$s\"; chmod 755 \"$s\"; "
	        "scripts/pg-cluster start >/dev/null && scripts/pg-cluster stop >/dev/null || exit 9; "
	        "DATABASE_URL=$(scripts/pg-cluster url) \"$PANEL_BIN_DIR\"/panelctl migrate "
	        "--wait 120 >\"$s\"/migrate.out 2>&1 & m=$!; sleep 2; "
	        "kill -0 $m 2>/dev/null || { cat \"$s\"/migrate.out >&2; exit 10; }; "
	        "scripts/pg-cluster start >/dev/null; wait $m; st=$?; "
	        "grep -q 'waiting up to 120 s' \"$s\"/migrate.out || st=11; "
	        "n=$(ls migrations/*.up.sql | wc -l); "
	        "[ $(grep -c '^applied' \"$s\"/migrate.out) -eq $n ] || st=12; "
	        "scripts/pg-cluster stop >/dev/null; rm -rf \"$s\"; exit $st",
	        late),
	    0);
	/* Nothing ever answers: exit 1 after the time given, with a clear message. */
	assert_int_equal(shell("%s mkdir -p \"$s\"; DATABASE_URL=$(scripts/pg-cluster url) "
	                       "\"$PANEL_BIN_DIR\"/panelctl migrate --wait 1 2>\"$s\"/err; st=$?; "
	                       "grep -q 'did not accept connections within 1 s' \"$s\"/err || "
	                       "st=11; rm -rf \"$s\"; exit $st",
	                       late),
	                 1);
	/* A server that is up but refuses the login: no waiting, the login error at once. */
	assert_int_equal(
	    shell("timeout 20 env DATABASE_URL=\"$(echo \"$DATABASE_URL\" | "
	          "sed 's/user=panel/user=nobody_here/')\" \"$PANEL_BIN_DIR\"/panelctl "
	          "migrate --wait 600 2>/dev/null"),
	    1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(token_matrix),
	    cmocka_unit_test(rejected_requests_never_reach_a_worker),
	    cmocka_unit_test(exemptions),
	    cmocka_unit_test(not_found_and_method_not_allowed),
	    cmocka_unit_test(body_over_the_limit_is_413_before_any_worker),
	    cmocka_unit_test(health_reports_the_database),
	    cmocka_unit_test(health_counts_the_queue_only_so_far),
	    cmocka_unit_test(seeding_is_idempotent_and_keeps_urls),
	    cmocka_unit_test(malformed_seed_file_changes_nothing),
	    cmocka_unit_test(migrations_serialize_refuse_edits_and_roll_back),
	    cmocka_unit_test(migrate_waits_for_postgres_to_start),
	};
	return cmocka_run_group_tests_name("e2e: foundation", tests, NULL, NULL);
}
