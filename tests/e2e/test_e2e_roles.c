/*
 * Least privilege in the database, proven from each service's own connection: made exactly as
 * the service makes it (its URL variable through config_service_database_url, db_connect, and
 * as root the stack's service user), never the owner's. Each role is logged in as itself, owns
 * nothing, belongs to no role, cannot become the owner (RESET ROLE, SET ROLE, SET SESSION
 * AUTHORIZATION), cannot touch the other service's tables nor change the schema, and has its
 * timeouts from login on, as the running services show under a lock. panelctl migrate gives
 * the roles the passwords the service URLs carry. The cluster's log keeps no parameter.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "client.h"
#include "config.h"
#include "db.h"
#include "outbox.h"

static const char *const url_var[] = {"PROJECT_DATABASE_URL", "AGGREGATOR_DATABASE_URL"};
static const char *const role_of[] = {"panel_project", "panel_aggregator"};

/* What one statement gave: its SQLSTATE ("" on success) and its first value. */
struct outcome {
	char state[6];
	char value[250];
};

/* In the child: become the service user (as root), then connect as the service does. */
static void run_as_service(enum service svc, const char *const *stmts, size_t n, int out)
{
	const char *user = getenv("PANEL_USER");
	struct passwd *pw = user && getuid() == 0 ? getpwnam(user) : NULL;

	if (pw && (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)))
		_exit(3);
	/* A worker's environment has no owner URL (lighttpd.conf passes on its own one only). */
	unsetenv("DATABASE_URL");
	struct db db = {.url = config_service_database_url(url_var[svc], role_of[svc]),
	                .role = role_of[svc],
	                .app_name = "e2e-roles"};
	if (db_connect(&db))
		_exit(4);
	FILE *f = fdopen(out, "w");
	for (size_t i = 0; i < n; i++) {
		PGresult *res = PQexec(db.conn, stmts[i]);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *value = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0
		                        ? PQgetvalue(res, 0, 0)
		                        : "";
		fprintf(f, "%.5s\t%.240s\n", state ? state : "", value);
		PQclear(res);
	}
	fclose(f);
	db_close(&db);
	_exit(0);
}

/* Runs each statement, in order, on one new connection of the service; fills out[i]. */
static void as_service(enum service svc, const char *const *stmts, size_t n, struct outcome *out)
{
	int fds[2], status;
	char line[512];

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		run_as_service(svc, stmts, n, fds[1]);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	size_t i = 0;
	while (i < n && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		snprintf(out[i].state, sizeof(out[i].state), "%.5s", line);
		snprintf(out[i].value, sizeof(out[i].value), "%.240s", tab + 1);
		i++;
	}
	fclose(f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s's connection could not be made (child status %d)", role_of[svc],
		         status);
	assert_int_equal(i, n);
}

/* Each statement must fail with insufficient_privilege (42501) on the service's connection. */
static void refused(enum service svc, const char *const *stmts, size_t n)
{
	struct outcome out[64];

	assert_true(n <= 64);
	as_service(svc, stmts, n, out);
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i].state, "42501") != 0)
			fail_msg("%s: %s: expected insufficient_privilege (42501), got '%s'",
			         role_of[svc], stmts[i], out[i].state);
}

#define REFUSED(svc, ...)                                                                          \
	do {                                                                                       \
		const char *const stmts_[] = {__VA_ARGS__};                                        \
		refused(svc, stmts_, sizeof(stmts_) / sizeof(stmts_[0]));                          \
	} while (0)

/* The first value of a query on the service's connection (asserting it succeeded). */
static void value_as(enum service svc, const char *stmt, char *value, size_t size)
{
	struct outcome out;
	as_service(svc, &stmt, 1, &out);
	if (out.state[0])
		fail_msg("%s: %s: expected success, got %s", role_of[svc], stmt, out.state);
	snprintf(value, size, "%s", out.value);
}

static void each_service_logs_in_as_its_own_role_that_owns_nothing(void **state)
{
	(void)state;
	char v[256], expect[256];

	for (enum service svc = PROJECT; svc <= AGGREGATOR; svc++) {
		const char *r = role_of[svc];
		value_as(svc, "SELECT session_user || ' ' || current_user", v, sizeof(v));
		snprintf(expect, sizeof(expect), "%s %s", r, r);
		assert_string_equal(v, expect);
		value_as(
		    svc,
		    "SELECT concat_ws(',', rolsuper, rolcreaterole, rolcreatedb, rolreplication, "
		    "rolbypassrls) FROM pg_roles WHERE rolname = current_user",
		    v, sizeof(v));
		assert_string_equal(v, "f,f,f,f,f");
		/* A member of no role, and no owner of anything, in any database. */
		value_as(
		    svc,
		    "SELECT count(*) FROM pg_auth_members WHERE member = current_user::regrole", v,
		    sizeof(v));
		assert_string_equal(v, "0");
		value_as(svc,
		         "SELECT count(*) FROM pg_shdepend WHERE refobjid = current_user::regrole "
		         "AND deptype = 'o'",
		         v, sizeof(v));
		assert_string_equal(v, "0");
		value_as(svc,
		         "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole", v,
		         sizeof(v));
		assert_string_equal(v, "0");
	}
	/* And the owner is no member of theirs either (migration 0010 took 0003's grant back). */
	assert_int_equal(sql_int("SELECT count(*) FROM pg_auth_members WHERE roleid IN "
	                         "('panel_project'::regrole, 'panel_aggregator'::regrole)"),
	                 0);
}

static void no_way_to_the_owners_rights(void **state)
{
	(void)state;
	char set_owner[96], set_auth[96], set_other[2][96];
	const char *owner = "panel";

	snprintf(set_owner, sizeof(set_owner), "SET ROLE %s", owner);
	snprintf(set_auth, sizeof(set_auth), "SET SESSION AUTHORIZATION %s", owner);
	snprintf(set_other[PROJECT], sizeof(set_other[0]), "SET ROLE panel_aggregator");
	snprintf(set_other[AGGREGATOR], sizeof(set_other[0]), "SET ROLE panel_project");
	for (enum service svc = PROJECT; svc <= AGGREGATOR; svc++) {
		REFUSED(svc, set_owner, "SET ROLE postgres", set_auth, set_other[svc],
		        "SET SESSION AUTHORIZATION postgres", "GRANT panel TO CURRENT_USER",
		        "ALTER ROLE CURRENT_USER SUPERUSER", "ALTER ROLE panel PASSWORD 'x'",
		        "CREATE ROLE e2e_escape LOGIN SUPERUSER");
		/* RESET ROLE goes back to the session's user, which is the service's role itself. */
		char v[256];
		value_as(svc, "RESET ROLE; SELECT current_user", v, sizeof(v));
		assert_string_equal(v, role_of[svc]);
		struct outcome out[2];
		const char *after_reset[] = {"RESET ROLE", svc == PROJECT
		                                               ? "SELECT count(*) FROM events"
		                                               : "SELECT count(*) FROM projects"};
		as_service(svc, after_reset, 2, out);
		assert_string_equal(out[0].state, "");
		assert_string_equal(out[1].state, "42501");
	}
}

static void the_project_role_cannot_touch_events(void **state)
{
	(void)state;
	REFUSED(PROJECT, "INSERT INTO events (name, payload) VALUES ('e2e.role', '{}')",
	        "SELECT count(*) FROM events", "UPDATE events SET name = name",
	        "DELETE FROM events", "SELECT count(*) FROM events_dead",
	        "INSERT INTO events_dead (queue_id, event_id, name, payload, enqueued_at, "
	        "attempts, last_error) VALUES (1, gen_random_uuid(), 'x', '{}', now(), 1, 'x')",
	        "SELECT count(*) FROM event_counts", "SELECT count(*) FROM event_keys",
	        "SELECT * FROM events_maintain_now()",
	        /* It only writes to the outbox: it can neither read nor take rows out of it. */
	        "SELECT count(*) FROM event_queue", "DELETE FROM event_queue");
	/* The control: the role works, it is the privilege that is missing. */
	char v[64];
	value_as(PROJECT, "SELECT count(*) >= 0 FROM projects", v, sizeof(v));
	assert_string_equal(v, "t");
	value_as(PROJECT, "SELECT count(*) >= 0 FROM deployments", v, sizeof(v));
	assert_string_equal(v, "t");
	/* It keeps the webhook's remembered deliveries, collecting the expired ones itself. */
	value_as(PROJECT,
	         "WITH d AS (DELETE FROM webhook_deliveries WHERE false RETURNING 1) "
	         "SELECT count(*) = 0 FROM d",
	         v, sizeof(v));
	assert_string_equal(v, "t");
}

static void the_aggregator_role_cannot_touch_projects_or_deployments(void **state)
{
	(void)state;
	REFUSED(AGGREGATOR, "SELECT count(*) FROM projects",
	        "UPDATE projects SET url = NULL WHERE false",
	        "INSERT INTO projects (name, owner_id, app_secret) VALUES ('x', 1, 'x')",
	        "SELECT app_secret FROM projects", "SELECT count(*) FROM deployments",
	        "UPDATE deployments SET status = status WHERE false",
	        "INSERT INTO deployments (project_id) VALUES (1)",
	        "SELECT count(*) FROM deployment_counts",
	        "SELECT count(*) FROM project_deployments",
	        "SELECT count(*) FROM deployment_requests", "SELECT count(*) FROM users",
	        "SELECT count(*) FROM webhook_deliveries",
	        /* Only the project service enqueues. */
	        "INSERT INTO event_queue (event_id, name, payload) "
	        "VALUES (gen_random_uuid(), 'x', '{}')");
	char v[64];
	value_as(AGGREGATOR, "SELECT count(*) >= 0 FROM events", v, sizeof(v));
	assert_string_equal(v, "t");
	value_as(AGGREGATOR, "SELECT count(*) >= 0 FROM event_queue", v, sizeof(v));
	assert_string_equal(v, "t");
}

/*
 * The events' partitions are the owner's: the aggregator's role runs their maintenance through
 * the one function it may execute (the database's clock, the recorded retention), and can do
 * nothing else of it: not the inner functions, nor drop, detach, delete or read a partition.
 */
static void the_aggregator_role_may_only_run_the_events_maintenance(void **state)
{
	(void)state;
	char v[64];

	value_as(AGGREGATOR, "SELECT count(*) >= 0 FROM events_maintain_now()", v, sizeof(v));
	assert_string_equal(v, "t");
	REFUSED(AGGREGATOR, "SELECT * FROM events_maintain(now(), 1, false)",
	        "SELECT * FROM events_partition_forget('events_default')",
	        "SELECT partition_month('events', now() + interval '5 years')",
	        "DROP TABLE events_default", "ALTER TABLE events DETACH PARTITION events_default",
	        "DELETE FROM events", "UPDATE events SET name = name WHERE false",
	        "DELETE FROM event_keys", "UPDATE events_retention SET days = 1",
	        "SELECT count(*) FROM events_default");
}

/*
 * The events' row triggers, which register every writer's keys and count its events, leave
 * only drain_batch()'s rows to it (migration 0021): a session that says it is the drain
 * (panel.writer = 'drain') but is not the owner has its events registered and counted like
 * anyone's, so it can neither store an eventId twice nor an event the totals miss. The
 * aggregator's role may run the batch, and takes no event ids of its own.
 */
static void the_aggregator_role_cannot_pass_for_the_drain(void **state)
{
	(void)state;
	const char *name = unique("posing");
	char insert[256], again[256];
	struct outcome out[5];

	snprintf(insert, sizeof(insert),
	         "INSERT INTO events (event_id, name, payload) "
	         "VALUES (gen_random_uuid(), '%s', '{\"projectId\": 434343}') RETURNING 1",
	         name);
	snprintf(again, sizeof(again),
	         "INSERT INTO events (event_id, name, payload) "
	         "SELECT event_id, name, payload FROM events WHERE name = '%s' RETURNING 1",
	         name);
	const char *const stmts[] = {"SET panel.writer = 'drain'", insert, again,
	                             "SELECT count(*) FROM drain_batch(0, 0, false)",
	                             "SELECT nextval('events_id_seq')"};
	as_service(AGGREGATOR, stmts, 5, out);
	assert_string_equal(out[1].state, "");
	assert_string_equal(out[1].value, "1");
	assert_string_equal(out[2].state, "");
	assert_string_equal(out[2].value, "");
	assert_string_equal(out[3].state, "");
	assert_string_equal(out[4].state, "42501");
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE name = '%s'", name), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM event_keys k JOIN events e "
	                         "ON e.id = k.id AND e.event_id = k.event_id WHERE e.name = '%s'",
	                         name),
	                 1);
	assert_int_equal(sql_int("SELECT coalesce(sum(n), 0) FROM event_counts "
	                         "WHERE project_id IN (0, 434343) AND name = '%s'",
	                         name),
	                 2);
}

/* Neither role changes the schema: no table, schema, function, index or truncation. */
static void neither_role_can_change_the_schema(void **state)
{
	(void)state;
	for (enum service svc = PROJECT; svc <= AGGREGATOR; svc++)
		REFUSED(svc, "CREATE TABLE e2e_ddl (a int)", "CREATE TABLE public.e2e_ddl (a int)",
		        "CREATE SCHEMA e2e_ddl",
		        "CREATE FUNCTION public.e2e_ddl() RETURNS int LANGUAGE sql AS 'SELECT 1'",
		        "CREATE VIEW public.e2e_ddl AS SELECT 1",
		        "ALTER TABLE deployments ADD COLUMN e2e_ddl int",
		        "ALTER TABLE events ADD COLUMN e2e_ddl int", "DROP TABLE event_queue",
		        "DROP TABLE projects", "CREATE INDEX ON deployments (updated_at)",
		        "CREATE INDEX ON event_queue (enqueued_at)", "TRUNCATE deployments",
		        "TRUNCATE event_queue", "ALTER TABLE event_queue DISABLE TRIGGER ALL",
		        "COPY (SELECT 1) TO PROGRAM 'true'");
}

/*
 * The timeouts of migration 0003 are the session's from login on, with no SET ROLE: what the
 * service's connection shows is what pg_db_role_setting holds for its role, and none is 0.
 */
static void the_timeouts_apply_at_login(void **state)
{
	(void)state;
	static const char *const settings[] = {"statement_timeout", "lock_timeout",
	                                       "idle_in_transaction_session_timeout"};
	char shown[256], stmt[128];

	for (enum service svc = PROJECT; svc <= AGGREGATOR; svc++)
		for (size_t s = 0; s < 3; s++) {
			json_t *rows =
			    sql("SELECT split_part(c, '=', 2) AS v FROM pg_db_role_setting "
			        "d, unnest(d.setconfig) c WHERE d.setrole = '%s'::regrole "
			        "AND d.setdatabase = (SELECT oid FROM pg_database WHERE "
			        "datname = current_database()) AND c LIKE '%s=%%'",
			        role_of[svc], settings[s]);
			const char *configured =
			    json_string_value(json_object_get(json_array_get(rows, 0), "v"));
			if (!configured)
				fail_msg("%s has no %s configured", role_of[svc], settings[s]);
			snprintf(stmt, sizeof(stmt), "SHOW %s", settings[s]);
			value_as(svc, stmt, shown, sizeof(shown));
			if (strcmp(shown, configured) != 0 || strcmp(shown, "0") == 0)
				fail_msg("%s: %s is '%s' at login, configured '%s'", role_of[svc],
				         settings[s], shown, configured);
			json_decref(rows);
		}
}

/*
 * A statement slower than log_min_duration_statement is logged with its text but not its
 * parameters, which may be app secrets (the webhook's) or tokens: the cluster's server log
 * lies outside the logs tests/e2e/run scans, so the test reads it itself.
 */
static void a_slow_statement_is_logged_without_its_parameters(void **state)
{
	(void)state;
	const char *secret = unique("slow-secret");
	const char *marker = unique("slow-marker");
	char query[160], path[512], line[4096];
	snprintf(query, sizeof(query), "SELECT pg_sleep(1.05), $1::text AS \"%s\"", marker);
	snprintf(path, sizeof(path), "%s/pgdata/server.log", getenv("PANEL_STATE_DIR"));

	PGconn *conn = PQconnectdb(getenv("DATABASE_URL"));
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	const char *values[] = {secret};
	PGresult *res = PQexecParams(conn, query, 1, NULL, values, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	PQfinish(conn);

	int logged = 0, leaked = 0;
	for (int waited = 0; !logged && waited < 30000; waited += 100) {
		FILE *f = fopen(path, "r");
		if (!f)
			fail_msg("cannot read %s", path);
		logged = leaked = 0;
		while (fgets(line, sizeof(line), f)) {
			logged |= strstr(line, marker) != NULL;
			leaked |= strstr(line, secret) != NULL;
		}
		fclose(f);
		if (!logged)
			usleep(100 * 1000);
	}
	if (!logged)
		fail_msg("the slow statement never reached %s", path);
	if (leaked)
		fail_msg("a slow statement's parameter is in %s", path);
}

/* The service's connection code itself refuses to run as the owner. */
static void a_service_refuses_to_log_in_as_the_owner(void **state)
{
	(void)state;
	struct db db = {.url = getenv("DATABASE_URL"), .role = "panel_project", .app_name = "e2e"};
	assert_int_equal(db_connect(&db), ERR_UNAVAILABLE);
	assert_null(db.conn);
	/* The control: the same code, the same URL, for a tool (no role) connects. */
	db.role = NULL;
	assert_int_equal(db_connect(&db), ERR_OK);
	db_close(&db);
	/* With a Postgres elsewhere and no URL of its own, a service does not start at all. */
	assert_int_equal(shell("DATABASE_URL=\"$DATABASE_URL\" AGGREGATOR_DATABASE_URL= "
	                       "\"$PANEL_BIN_DIR\"/aggregator-drain 2>\"$PANEL_STATE_DIR\"/nourl "
	                       "</dev/null; s=$?; grep -q 'AGGREGATOR_DATABASE_URL must be set' "
	                       "\"$PANEL_STATE_DIR\"/nourl && exit $s"),
	                 2);
}

/* panelctl migrate gives each role the password its URL carries, as a SCRAM verifier. */
static void migrate_sets_the_passwords_the_service_urls_carry(void **state)
{
	(void)state;
	const char *password = unique("pw");
	const char *superuser = "psql -qAtX \"$(scripts/pg-cluster url postgres)\" -c";

	assert_int_equal(
	    shell("PROJECT_DATABASE_URL='postgresql://panel_project:%s@db.example/panel' "
	          "AGGREGATOR_DATABASE_URL='host=db.example user=panel_aggregator password=%s-a' "
	          "\"$PANEL_BIN_DIR\"/panelctl migrate >\"$PANEL_STATE_DIR\"/pw.out && grep -c "
	          "'^set the password of' \"$PANEL_STATE_DIR\"/pw.out | grep -qx 2",
	          password, password),
	    0);
	assert_int_equal(shell("%s \"SELECT count(*) FROM pg_authid WHERE rolname IN "
	                       "('panel_project', 'panel_aggregator') AND rolpassword LIKE "
	                       "'SCRAM-SHA-256$%%'\" | grep -qx 2",
	                       superuser),
	                 0);
	/* Only the verifier travelled: the password is in no log of the server. */
	assert_int_not_equal(
	    shell(
	        "grep -rqF -- '%s' \"$PANEL_STATE_DIR\"/pgdata/server.log \"$PANEL_STATE_DIR\"/pw.out",
	        password),
	    0);
	/* A URL that logs in as anyone else is refused, and says why. */
	assert_int_equal(
	    shell("PROJECT_DATABASE_URL='postgresql://panel:x@db.example/panel' "
	          "\"$PANEL_BIN_DIR\"/panelctl migrate >/dev/null 2>\"$PANEL_STATE_DIR\"/pw.err; "
	          "s=$?; grep -q 'PROJECT_DATABASE_URL must log in as panel_project' "
	          "\"$PANEL_STATE_DIR\"/pw.err && exit $s"),
	    1);
	assert_int_equal(shell("%s \"ALTER ROLE panel_project PASSWORD NULL; "
	                       "ALTER ROLE panel_aggregator PASSWORD NULL\"",
	                       superuser),
	                 0);
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
	    cmocka_unit_test(each_service_logs_in_as_its_own_role_that_owns_nothing),
	    cmocka_unit_test(no_way_to_the_owners_rights),
	    cmocka_unit_test(the_project_role_cannot_touch_events),
	    cmocka_unit_test(the_aggregator_role_cannot_touch_projects_or_deployments),
	    cmocka_unit_test(the_aggregator_role_may_only_run_the_events_maintenance),
	    cmocka_unit_test(the_aggregator_role_cannot_pass_for_the_drain),
	    cmocka_unit_test(neither_role_can_change_the_schema),
	    cmocka_unit_test(the_timeouts_apply_at_login),
	    cmocka_unit_test(a_slow_statement_is_logged_without_its_parameters),
	    cmocka_unit_test(a_service_refuses_to_log_in_as_the_owner),
	    cmocka_unit_test(migrate_sets_the_passwords_the_service_urls_carry),
	    cmocka_unit_test(the_running_services_apply_them),
	};
	return cmocka_run_group_tests_name("e2e: roles", tests, NULL, NULL);
}
