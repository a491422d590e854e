/*
 * Helpers of the drain worker's suites: enqueueing events the way the project service does
 * (straight into event_queue, with the same uuid in payload.eventId), remembering which ids were
 * enqueued, waiting for them with generous deadlines, and reaching the drain processes through
 * the pid files of scripts/stack. Header-only (static inline), for the suites that include it.
 */
#ifndef E2E_OUTBOX_H
#define E2E_OUTBOX_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* Runs SQL whose result is not needed (sql() returns one to free). */
#define sql_exec(...) json_decref(sql(__VA_ARGS__))

/* Generous, never tight: a loaded CI machine under the sanitizers is slow. */
enum { OUTBOX_DEADLINE_MS = 10000, OUTBOX_LONG_DEADLINE_MS = 90000 };

/*
 * The ids every enqueue of these suites wrote, by tag, committed in the same statement as the
 * queue rows: what was enqueued is exactly what this table says, even across a restart.
 */
static inline void outbox_init(void)
{
	sql_exec(
	    "SET client_min_messages = warning; "
	    "CREATE TABLE IF NOT EXISTS e2e_enqueued (tag text NOT NULL, event_id uuid NOT NULL); "
	    "CREATE INDEX IF NOT EXISTS e2e_enqueued_tag ON e2e_enqueued (tag); "
	    "RESET client_min_messages");
}

/* Enqueues n events named name in one statement (one transaction), recorded under name. */
static inline void enqueue(const char *name, int n)
{
	sql_exec(
	    "WITH q AS (INSERT INTO event_queue (event_id, name, payload) "
	    "           SELECT u, '%s', jsonb_build_object('eventId', u, 'projectId', 1 + i %% 7, "
	    "                                              'seq', i) "
	    "           FROM (SELECT gen_random_uuid() AS u, i FROM generate_series(1, %d) i) s "
	    "           RETURNING event_id) "
	    "INSERT INTO e2e_enqueued (tag, event_id) SELECT '%s', event_id FROM q",
	    name, n, name);
}

/*
 * Stores n events named name as the drain would have at the time at (SQL), recorded under
 * name like enqueued ones, so that the same eventIds can be enqueued again (requeue()).
 */
static inline void store_before(const char *name, int n, const char *at)
{
	sql_exec("WITH e AS (INSERT INTO events (event_id, name, payload, enqueued_at, created_at) "
	         "           SELECT u, '%s', jsonb_build_object('eventId', u, 'seq', i), "
	         "                  (%s) + i * interval '1 ms', (%s) + i * interval '1 ms' "
	         "           FROM (SELECT gen_random_uuid() AS u, i "
	         "                 FROM generate_series(1, %d) i) s "
	         "           RETURNING event_id) "
	         "INSERT INTO e2e_enqueued (tag, event_id) SELECT '%s', event_id FROM e",
	         name, at, at, n, name);
}

/* Enqueues again n of the events store_before() stored under name, from the offset-th. */
static inline void requeue(const char *name, int offset, int n)
{
	sql_exec("INSERT INTO event_queue (event_id, name, payload) "
	         "SELECT event_id, name, payload FROM events WHERE name = '%s' "
	         "ORDER BY event_id OFFSET %d LIMIT %d",
	         name, offset, n);
}

/*
 * Asserts that the events store_before() stored under name are each there once, still the
 * ones stored before (created_at < before), with nothing left queued or parked; returns
 * how many there are.
 */
static inline int64_t assert_stored_before_only(const char *name, const char *before)
{
	int64_t stored = sql_int("SELECT count(*) FROM e2e_enqueued WHERE tag = '%s'", name);
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE name = '%s'", name), stored);
	assert_int_equal(sql_int("SELECT count(DISTINCT event_id) FROM events WHERE name = '%s' "
	                         "AND created_at < %s",
	                         name, before),
	                 stored);
	assert_int_equal(sql_int("SELECT count(*) FROM event_queue WHERE name = '%s'", name), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM events_dead WHERE name = '%s'", name), 0);
	return stored;
}

static inline int64_t stored_count(const char *name)
{
	return sql_int("SELECT count(*) FROM events WHERE name = '%s'", name);
}

static inline int64_t queued_count(const char *name)
{
	return sql_int("SELECT count(*) FROM event_queue WHERE name = '%s'", name);
}

/* For wait_until: true when the SQL query (a string of one value: a count or a boolean) holds. */
static inline bool sql_holds(void *query)
{
	return sql_int("SELECT (%s)::int", (const char *)query) != 0;
}

/* Waits until every event enqueued under name is in events and none is left in the queue. */
static inline bool all_drained(const char *name, int timeout_ms)
{
	char query[512];
	snprintf(
	    query, sizeof(query),
	    "SELECT (SELECT count(*) FROM e2e_enqueued q JOIN events e USING (event_id) "
	    "        WHERE q.tag = '%s') = (SELECT count(*) FROM e2e_enqueued WHERE tag = '%s') "
	    "   AND NOT EXISTS (SELECT 1 FROM event_queue WHERE name = '%s')",
	    name, name, name);
	return wait_until(sql_holds, query, timeout_ms);
}

/*
 * Asserts that the counters behind the events' totals (event_counts, over all projects) hold
 * as many events named name as events does: each stored event counted once, whichever path
 * stored it (the drain's batch, its one-row fallback, POST /events, a hand-written insert).
 */
static inline void assert_counted_once(const char *name)
{
	assert_int_equal(sql_int("SELECT coalesce(sum(n), 0) FROM event_counts "
	                         "WHERE project_id = 0 AND name = '%s'",
	                         name),
	                 sql_int("SELECT count(*) FROM events WHERE name = '%s'", name));
}

/*
 * Asserts that events holds exactly the ids enqueued under name, each once and counted once,
 * with nothing left in the queue or parked; returns how many there are.
 */
static inline int64_t assert_exactly_once(const char *name)
{
	int64_t enqueued = sql_int("SELECT count(*) FROM e2e_enqueued WHERE tag = '%s'", name);
	assert_int_equal(
	    sql_int("SELECT count(DISTINCT event_id) FROM e2e_enqueued WHERE tag = '%s'", name),
	    enqueued);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM e2e_enqueued q JOIN events e USING (event_id) "
	            "WHERE q.tag = '%s'",
	            name),
	    enqueued);
	assert_int_equal(stored_count(name), enqueued);
	assert_int_equal(
	    sql_int("SELECT count(DISTINCT event_id) FROM events WHERE name = '%s'", name),
	    enqueued);
	/* Each event kept what the producer wrote. */
	assert_int_equal(
	    sql_int("SELECT count(*) FROM events WHERE name = '%s' "
	            "AND (payload->>'eventId')::uuid = event_id AND enqueued_at IS NOT NULL",
	            name),
	    enqueued);
	assert_int_equal(queued_count(name), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM events_dead WHERE name = '%s'", name), 0);
	assert_counted_once(name);
	return enqueued;
}

/*
 * Waits until no event named name is left queued, then asserts that the event uuid is stored
 * and counted once and that none of its copies was parked in events_dead (parked copies would
 * leave the queue just the same).
 */
static inline void assert_drained_once(const char *name, const char *uuid)
{
	char query[256];
	snprintf(query, sizeof(query),
	         "SELECT NOT EXISTS (SELECT 1 FROM event_queue WHERE name = '%s') "
	         "AND EXISTS (SELECT 1 FROM events WHERE name = '%s')",
	         name, name);
	assert_true(wait_until(sql_holds, query, OUTBOX_DEADLINE_MS));
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE event_id = '%s'", uuid), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM events_dead WHERE event_id = '%s'", uuid),
	                 0);
	assert_counted_once(name);
}

/* The drain backends connected now. */
static inline int64_t drain_backends(void)
{
	return sql_int("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
	               "'aggregator-drain'");
}

/* How many drain workers scripts/stack started (pid files run/drain-N.pid). */
static inline int drain_workers(void)
{
	int n = 0;
	while (shell("test -f \"$PANEL_STATE_DIR\"/run/drain-%d.pid", n + 1) == 0)
		n++;
	return n;
}

/* Waits until both drain workers scripts/stack started are (again) connected. */
static inline void wait_for_drains(void)
{
	char query[] = "SELECT count(*) = 2 FROM pg_stat_activity "
	               "WHERE application_name = 'aggregator-drain'";
	assert_int_equal(drain_workers(), 2);
	assert_true(wait_until(sql_holds, query, OUTBOX_DEADLINE_MS));
}

/* Sends sig to drain worker i's process (not its supervisor); true when one was running. */
static inline bool signal_drain(int i, const char *sig)
{
	return shell("pkill -%s -P \"$(cat \"$PANEL_STATE_DIR\"/run/drain-%d.pid)\" -f "
	             "aggregator-drain",
	             sig, i) == 0;
}

/* Lines of the drain workers' log (scripts/stack's log/drain.log) that contain text. */
static inline int64_t drain_log_count(const char *text)
{
	char path[4096], line[8192];
	int64_t n = 0;

	snprintf(path, sizeof(path), "%s/log/drain.log", getenv("PANEL_STATE_DIR"));
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

/*
 * After Postgres went away and came back, the suite's own connection is dead: one failed
 * statement marks it so, and the next one reconnects.
 */
static inline void reconnect_sql(void)
{
	char state[6];
	sql_state(state, "SELECT 1");
	sql_state(state, "SELECT 1");
}

#endif
