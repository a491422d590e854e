/*
 * Role separation: the project service's role cannot touch events, the aggregator's cannot
 * touch projects or deployments (SQLSTATE 42501), and both take their statement, lock and
 * idle-in-transaction timeouts, both as configured for the role and as applied by the running
 * services' own connections (a lock held here makes them give up after lock_timeout).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "outbox.h"

/* The SQLSTATE of stmt run under role; a success leaves the session's role as it was. */
static void state_as(const char *role, const char *stmt, char state[6])
{
	sql_state(state, "SET ROLE %s; %s; RESET ROLE", role, stmt);
	if (!state[0])
		return;
	/* A failure rolled the implicit transaction back, SET ROLE included. */
	assert_int_equal(sql_int("SELECT (current_user = session_user)::int"), 1);
}

static void refused(const char *role, const char *stmt)
{
	char state[6];
	state_as(role, stmt, state);
	if (strcmp(state, "42501") != 0)
		fail_msg("%s: %s: expected insufficient_privilege (42501), got '%s'", role, stmt,
		         state);
}

static void allowed(const char *role, const char *stmt)
{
	char state[6];
	state_as(role, stmt, state);
	if (state[0])
		fail_msg("%s: %s: expected success, got %s", role, stmt, state);
}

static void the_project_role_cannot_touch_events(void **state)
{
	(void)state;
	const char *r = "panel_project";

	refused(r, "INSERT INTO events (name, payload) VALUES ('e2e.role', '{}')");
	refused(r, "SELECT count(*) FROM events");
	refused(r, "UPDATE events SET name = name");
	refused(r, "DELETE FROM events");
	refused(r, "SELECT count(*) FROM events_dead");
	refused(r, "INSERT INTO events_dead (queue_id, event_id, name, payload, enqueued_at, "
	           "attempts, last_error) VALUES (1, gen_random_uuid(), 'x', '{}', now(), 1, 'x')");
	refused(r, "SELECT count(*) FROM event_counts");
	/* It only writes to the outbox: it can neither read nor take rows out of it. */
	refused(r, "SELECT count(*) FROM event_queue");
	refused(r, "DELETE FROM event_queue");
	/* The control: the role works, it is the privilege that is missing. */
	allowed(r, "SELECT count(*) FROM projects");
	allowed(r, "SELECT count(*) FROM deployments");
}

static void the_aggregator_role_cannot_touch_projects_or_deployments(void **state)
{
	(void)state;
	const char *r = "panel_aggregator";

	refused(r, "SELECT count(*) FROM projects");
	refused(r, "UPDATE projects SET url = NULL WHERE false");
	refused(r, "INSERT INTO projects (name, owner_id, app_secret) VALUES ('x', 1, 'x')");
	refused(r, "SELECT app_secret FROM projects");
	refused(r, "SELECT count(*) FROM deployments");
	refused(r, "UPDATE deployments SET status = status WHERE false");
	refused(r, "INSERT INTO deployments (project_id) VALUES (1)");
	refused(r, "SELECT count(*) FROM deployment_counts");
	refused(r, "SELECT count(*) FROM deployment_requests");
	refused(r, "SELECT count(*) FROM users");
	/* Only the project service enqueues. */
	refused(r, "INSERT INTO event_queue (event_id, name, payload) "
	           "VALUES (gen_random_uuid(), 'x', '{}')");
	allowed(r, "SELECT count(*) FROM events");
	allowed(r, "SELECT count(*) FROM event_queue");
}

/*
 * What common/db.c does after SET ROLE (apply the role's pg_db_role_setting), done here in a
 * transaction that is rolled back: each timeout must be set, and not to 0 (none).
 */
static void both_roles_have_their_timeouts(void **state)
{
	(void)state;
	const char *roles[] = {"panel_project", "panel_aggregator"};
	const char *settings[] = {"statement_timeout", "lock_timeout",
	                          "idle_in_transaction_session_timeout"};

	for (size_t i = 0; i < 2; i++) {
		json_t *rows =
		    sql("BEGIN; SET LOCAL ROLE %s; "
		        "SELECT set_config(split_part(c, '=', 1), "
		        "                  substr(c, strpos(c, '=') + 1), true) "
		        "FROM pg_db_role_setting s, unnest(s.setconfig) c "
		        "WHERE s.setrole = current_role::regrole AND s.setdatabase IN "
		        "(0, (SELECT oid FROM pg_database WHERE datname = current_database()));"
		        "SELECT current_setting('statement_timeout') AS statement_timeout, "
		        "current_setting('lock_timeout') AS lock_timeout, "
		        "current_setting('idle_in_transaction_session_timeout') "
		        "AS idle_in_transaction_session_timeout",
		        roles[i]);
		sql_exec("ROLLBACK");
		json_t *row = json_array_get(rows, 0);
		for (size_t s = 0; s < 3; s++) {
			const char *v = json_string_value(json_object_get(row, settings[s]));
			if (!v || strcmp(v, "0") == 0)
				fail_msg("%s has no %s", roles[i], settings[s]);
		}
		json_decref(rows);
	}
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* GET path while a lock blocks it: a 503 well before the lock is released (never, here). */
static void gives_up_on_the_lock(enum service svc, const char *path)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct reply r = get(svc, path);
	double took = seconds_since(&t0);
	if (r.status != 503)
		fail_msg("GET %s under a lock: %ld %s", path, r.status, r.body);
	assert_error(&r, 503, "ServiceUnavailable");
	reply_free(&r);
	if (took > 20)
		fail_msg("GET %s waited %.1f s for the lock: no lock_timeout", path, took);
}

/*
 * The running services' connections carry the settings: with events locked here, the
 * aggregator's FastCGI workers (both ports) and the drain workers give up after lock_timeout
 * (55P03) instead of waiting for this transaction; with projects locked, the project service.
 */
static void the_running_services_apply_them(void **state)
{
	(void)state;
	int64_t drain_timeouts = drain_log_count("55P03");

	sql_exec("BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
	gives_up_on_the_lock(AGGREGATOR, "/events");
	gives_up_on_the_lock(PROJECT, "/projects/1/activity");
	for (int waited = 0; drain_log_count("55P03") <= drain_timeouts; waited += 100) {
		if (waited > 20000)
			fail_msg("the drain workers never gave up on the lock: no lock_timeout");
		usleep(100 * 1000);
	}
	sql_exec("ROLLBACK");
	struct reply r = get(AGGREGATOR, "/events");
	assert_int_equal(r.status, 200);
	reply_free(&r);

	sql_exec("BEGIN; LOCK TABLE projects IN ACCESS EXCLUSIVE MODE");
	gives_up_on_the_lock(PROJECT, "/projects");
	sql_exec("ROLLBACK");
	r = get(PROJECT, "/projects");
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_project_role_cannot_touch_events),
	    cmocka_unit_test(the_aggregator_role_cannot_touch_projects_or_deployments),
	    cmocka_unit_test(both_roles_have_their_timeouts),
	    cmocka_unit_test(the_running_services_apply_them),
	};
	return cmocka_run_group_tests_name("e2e: roles", tests, NULL, NULL);
}
