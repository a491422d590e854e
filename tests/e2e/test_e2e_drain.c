/*
 * The drain worker end to end, with its two workers of the test stack: queued events reach
 * events once each; duplicates in the queue are stored once; uncommitted and rolled-back
 * producer rows are handled by visibility, also when committed after more than a claim
 * window of later rows; a row that can never be stored is parked in events_dead while the rows
 * around it arrive; producers notify only a sleeping drain, which holds the sleep lock; and a
 * lost notification or a killed listening connection delays events only until the next poll.
 * Deadlines are generous.
 */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "drain_sql.h"
#include "outbox.h"

static int setup(void **state)
{
	(void)state;
	outbox_init();
	return 0;
}

/*
 * A second connection, for a producer transaction held open while the suite goes on; closed
 * by the teardown even when a test fails, so an open transaction never outlives its test.
 */
static PGconn *producer_conn;

static PGconn *producer(void)
{
	producer_conn = PQconnectdb(getenv("DATABASE_URL"));
	if (PQstatus(producer_conn) != CONNECTION_OK)
		fail_msg("producer connection: %s", PQerrorMessage(producer_conn));
	return producer_conn;
}

static int close_producer(void **state)
{
	(void)state;
	if (producer_conn)
		PQfinish(producer_conn);
	producer_conn = NULL;
	return 0;
}

static void producer_exec(PGconn *c, const char *query)
{
	PGresult *res = PQexec(c, query);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("producer: %s: %s", query, PQresultErrorMessage(res));
	PQclear(res);
}

/* Opens a transaction on c that holds one queued row named name, uncommitted. */
static void begin_with_queued_row(PGconn *c, const char *name)
{
	char query[256];

	producer_exec(c, "BEGIN");
	snprintf(query, sizeof(query),
	         "INSERT INTO event_queue (event_id, name, payload) SELECT u, '%s', "
	         "jsonb_build_object('eventId', u) FROM gen_random_uuid() u",
	         name);
	producer_exec(c, query);
}

/* The advisory lock a sleeping drain holds (migrations/0015_drain_sleep_lock.up.sql). */
#define SLEEP_LOCK "72951015"

/*
 * Connections of the test's own that outlive a statement (one listening, one holding the
 * sleep lock), closed by the teardown even when a test fails.
 */
static PGconn *listener_conn, *locker_conn;

static int close_conns(void **state)
{
	close_producer(state);
	if (listener_conn)
		PQfinish(listener_conn);
	if (locker_conn)
		PQfinish(locker_conn);
	listener_conn = locker_conn = NULL;
	return 0;
}

static PGconn *connect_db(void)
{
	PGconn *c = PQconnectdb(getenv("DATABASE_URL"));
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connection: %s", PQerrorMessage(c));
	return c;
}

/* Notifications on event_queue that reach c within ms (all of them are read). */
static int notifications(PGconn *c, int ms)
{
	int n = 0;
	for (int waited = 0; waited <= ms; waited += 10) {
		struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
		if (poll(&p, 1, 10) < 0 || !PQconsumeInput(c))
			fail_msg("listener: %s", PQerrorMessage(c));
		for (PGnotify *note; (note = PQnotifies(c)) != NULL; n++)
			PQfreemem(note);
	}
	return n;
}

static void both_workers_run_side_by_side(void **state)
{
	(void)state;
	wait_for_drains();
}

static void queued_events_arrive_once_each(void **state)
{
	(void)state;
	const char *name = unique("drained");

	enqueue(name, 2500);
	assert_true(all_drained(name, OUTBOX_DEADLINE_MS));
	assert_int_equal(assert_exactly_once(name), 2500);
	/* They are the API's events, counted and filtered like any other. */
	char path[160];
	snprintf(path, sizeof(path), "/events?name=%s", name);
	struct reply r = get(AGGREGATOR, path);
	assert_int_equal(r.status, 200);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "2500");
	assert_int_equal(json_array_size(r.json), 8);
	reply_free(&r);
}

/*
 * A producer that enqueued one event several times, and an event already posted: stored once,
 * and no copy becomes a dead letter.
 */
static void duplicates_in_the_queue_are_stored_once(void **state)
{
	(void)state;
	const char *name = unique("twice");
	char body[256], uuid[40];

	json_t *rows = sql("SELECT gen_random_uuid()::text AS u");
	snprintf(uuid, sizeof(uuid), "%s",
	         json_string_value(json_object_get(json_array_get(rows, 0), "u")));
	json_decref(rows);
	sql_exec("INSERT INTO event_queue (event_id, name, payload) "
	         "SELECT '%s', '%s', jsonb_build_object('eventId', '%s'::uuid) "
	         "FROM generate_series(1, 3)",
	         uuid, name, uuid);
	sql_exec("INSERT INTO event_queue (event_id, name, payload) "
	         "SELECT '%s', '%s', jsonb_build_object('eventId', '%s'::uuid)",
	         uuid, name, uuid);
	/* The copies were dropped, not parked as dead letters. */
	assert_drained_once(name, uuid);

	/* Posted first through the API with its eventId, then queued: still one event. */
	const char *posted = unique("posted");
	rows = sql("SELECT gen_random_uuid()::text AS u");
	snprintf(uuid, sizeof(uuid), "%s",
	         json_string_value(json_object_get(json_array_get(rows, 0), "u")));
	json_decref(rows);
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": {\"eventId\": \"%s\"}}",
	         posted, uuid);
	struct reply r = post(AGGREGATOR, "/events", body);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	sql_exec("INSERT INTO event_queue (event_id, name, payload) "
	         "VALUES ('%s', '%s', jsonb_build_object('eventId', '%s'::uuid))",
	         uuid, posted, uuid);
	assert_drained_once(posted, uuid);
}

/*
 * Every writer but the drain's batch has its events' keys registered and its events counted by
 * the events' row triggers (migration 0021): a second event with a taken eventId is skipped,
 * and each stored one is counted once under each of its keys. One that registered its keys
 * first (as the batch does) stores its events, not skipping them as repeats. The aggregator's
 * role cannot pass for the batch (test_e2e_roles).
 */
static void events_are_keyed_and_counted_once_whoever_inserts(void **state)
{
	(void)state;
	const char *by_hand = unique("by-hand"), *registered = unique("registered");

	assert_int_equal(sql_int("WITH u AS (SELECT gen_random_uuid() AS u), "
	                         "e AS (INSERT INTO events (event_id, name, payload) "
	                         "      SELECT u, '%s', jsonb_build_object('projectId', 424242) "
	                         "      FROM u, generate_series(1, 2) RETURNING 1) "
	                         "SELECT count(*) FROM e",
	                         by_hand),
	                 1);
	assert_counted_once(by_hand);
	assert_int_equal(sql_int("SELECT coalesce(sum(n), 0) FROM event_counts "
	                         "WHERE project_id = 424242 AND name = '%s'",
	                         by_hand),
	                 1);

	assert_int_equal(
	    sql_int("WITH k AS (INSERT INTO event_keys (event_id, id, created_at) "
	            "           SELECT gen_random_uuid(), nextval('events_id_seq'), "
	            "                  clock_timestamp() "
	            "           FROM generate_series(1, 3) RETURNING event_id, id, created_at), "
	            "e AS (INSERT INTO events (id, event_id, name, payload, created_at) "
	            "      OVERRIDING SYSTEM VALUE "
	            "      SELECT id, event_id, '%s', '{}', created_at FROM k RETURNING 1) "
	            "SELECT count(*) FROM e",
	            registered),
	    3);
	assert_int_equal(sql_int("SELECT count(*) FROM events e JOIN event_keys k "
	                         "ON k.id = e.id AND k.event_id = e.event_id "
	                         "AND k.created_at = e.created_at WHERE e.name = '%s'",
	                         registered),
	                 3);
	assert_counted_once(registered);
}

/*
 * A producer transaction that stays open does not hold back later events, and its row, with a
 * smaller id, still arrives once it commits: the drain follows visibility, not an id cursor.
 * A rolled-back one is never drained.
 */
static void open_and_rolled_back_producer_transactions(void **state)
{
	(void)state;
	const char *slow = unique("slow"), *later = unique("later"), *undone = unique("undone");
	char query[256];
	PGconn *c = producer();

	begin_with_queued_row(c, slow);

	enqueue(later, 3);
	assert_true(all_drained(later, OUTBOX_DEADLINE_MS));
	assert_int_equal(stored_count(slow), 0);

	producer_exec(c, "COMMIT");
	snprintf(query, sizeof(query), "SELECT count(*) FROM events WHERE name = '%s'", slow);
	assert_true(wait_until(sql_holds, query, OUTBOX_DEADLINE_MS));
	assert_true(sql_int("SELECT min(e.id) FROM events e WHERE e.name = '%s'", later) <
	            sql_int("SELECT id FROM events WHERE name = '%s'", slow));

	/* Rolled back: its row and its notification vanish; later events still come. */
	begin_with_queued_row(c, undone);
	producer_exec(c, "ROLLBACK");
	close_producer(NULL);
	const char *after = unique("after-rollback");
	enqueue(after, 2);
	assert_true(all_drained(after, OUTBOX_DEADLINE_MS));
	assert_int_equal(stored_count(undone), 0);
	assert_int_equal(queued_count(undone), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM events_dead WHERE name = '%s'", undone), 0);
}

/*
 * A row committed after more than the drain's claim window (1,000 ids) of later rows came and
 * went: the claims that start below the highest id claimed do not reach it, the full claim a
 * poll later does.
 */
static void a_row_committed_far_out_of_order_is_drained(void **state)
{
	(void)state;
	const char *slow = unique("far-slow"), *later = unique("far-later");
	char query[256];
	PGconn *c = producer();

	begin_with_queued_row(c, slow);
	for (int i = 0; i < 3; i++)
		enqueue(later, 1000);
	assert_true(all_drained(later, OUTBOX_DEADLINE_MS));
	producer_exec(c, "COMMIT");
	close_producer(NULL);
	snprintf(query, sizeof(query), "SELECT count(*) FROM events WHERE name = '%s'", slow);
	assert_true(wait_until(sql_holds, query, OUTBOX_DEADLINE_MS));
	assert_int_equal(stored_count(slow), 1);
}

/*
 * An idle drain sleeps holding the sleep lock exclusively. A producer that cannot take it
 * shared notifies; one that can (no drain sleeps: here the test holds it shared, so no drain
 * can sleep) sends nothing, and the drains, which cannot sleep either, keep draining.
 */
static void producers_notify_only_a_sleeping_drain(void **state)
{
	(void)state;
	const char *woken = unique("woken"), *silent = unique("unnotified");
	char held[] = "SELECT count(*) = 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
	              "WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = " SLEEP_LOCK
	              " AND l.mode = 'ExclusiveLock' AND l.granted "
	              "AND a.application_name = 'aggregator-drain'";

	assert_true(wait_until(sql_holds, held, OUTBOX_DEADLINE_MS));
	listener_conn = connect_db();
	producer_exec(listener_conn, "LISTEN event_queue");
	locker_conn = connect_db();

	/* The test holds the lock as a sleeping drain would (taken when the drain wakes up). */
	producer_exec(locker_conn, "SELECT pg_advisory_lock(" SLEEP_LOCK ")");
	notifications(listener_conn, 0);
	enqueue(woken, 1);
	assert_true(notifications(listener_conn, OUTBOX_DEADLINE_MS) > 0);
	assert_true(all_drained(woken, OUTBOX_DEADLINE_MS));

	/* Held shared: a producer finds every drain awake. */
	producer_exec(locker_conn, "SELECT pg_advisory_unlock(" SLEEP_LOCK ")");
	producer_exec(locker_conn, "SELECT pg_advisory_lock_shared(" SLEEP_LOCK ")");
	notifications(listener_conn, 0);
	enqueue(silent, 3);
	assert_true(all_drained(silent, OUTBOX_DEADLINE_MS));
	assert_int_equal(notifications(listener_conn, 200), 0);
	assert_int_equal(assert_exactly_once(silent), 3);
	producer_exec(locker_conn, "SELECT pg_advisory_unlock_shared(" SLEEP_LOCK ")");
	close_conns(NULL);
	assert_true(wait_until(sql_holds, held, OUTBOX_DEADLINE_MS));
}

/*
 * Rows the events table refuses (a name of 300 characters, an empty name, a payload that is
 * not an object), queued between good ones: the good ones arrive, the bad ones are tried
 * DRAIN_MAX_ATTEMPTS times and parked in events_dead with their error.
 */
static void unstorable_rows_are_parked_with_their_error(void **state)
{
	(void)state;
	const char *good = unique("good"), *bad = unique("bad");
	long attempts =
	    strtol(getenv("DRAIN_MAX_ATTEMPTS") ? getenv("DRAIN_MAX_ATTEMPTS") : "5", NULL, 10);

	sql_exec("INSERT INTO event_queue (event_id, name, payload) "
	         "SELECT gen_random_uuid(), n, p FROM (VALUES "
	         "  (1, '%s', '{\"i\": 1}'::jsonb), "
	         "  (2, repeat('x', 300), '{\"tag\": \"%s\", \"why\": \"long name\"}'), "
	         "  (3, '%s', '{\"i\": 2}'), "
	         "  (4, '', '{\"tag\": \"%s\", \"why\": \"empty name\"}'), "
	         "  (5, '%s', '{\"i\": 3}'), "
	         "  (6, '%s', '[\"%s\", \"not an object\"]'), "
	         "  (7, '%s', '{\"i\": 4}')"
	         ") v (k, n, p) ORDER BY k",
	         good, bad, good, bad, good, bad, bad, good);

	char query[512];
	snprintf(query, sizeof(query), "SELECT count(*) = 4 FROM events WHERE name = '%s'", good);
	assert_true(wait_until(sql_holds, query, OUTBOX_DEADLINE_MS));
	snprintf(query, sizeof(query),
	         "SELECT count(*) = 3 FROM events_dead WHERE payload::text LIKE '%%%s%%'", bad);
	assert_true(wait_until(sql_holds, query, 3 * OUTBOX_DEADLINE_MS));

	assert_int_equal(
	    sql_int("SELECT count(*) FROM event_queue WHERE payload::text LIKE '%%%s%%'", bad), 0);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM events WHERE payload::text LIKE '%%%s%%'", bad), 0);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM events_dead WHERE payload::text LIKE '%%%s%%' "
	            "AND attempts = %ld AND last_error LIKE '23514: %%check constraint%%'",
	            bad, attempts),
	    3);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM events_dead WHERE payload::text LIKE '%%%s%%' "
	            "AND last_error LIKE '%%events_name_check%%'",
	            bad),
	    2);
	assert_int_equal(sql_int("SELECT count(*) FROM events_dead WHERE name = '%s' "
	                         "AND jsonb_typeof(payload) = 'array' "
	                         "AND last_error LIKE '%%events_payload_check%%'",
	                         bad),
	                 1);
	/* The dead letters keep what was queued: the event id, the queue id, when it came. */
	assert_int_equal(
	    sql_int("SELECT count(*) FROM events_dead WHERE payload::text LIKE '%%%s%%' "
	            "AND event_id IS NOT NULL AND queue_id > 0 AND enqueued_at <= parked_at",
	            bad),
	    3);
	assert_int_equal(stored_count(good), 4);
}

/*
 * A queue row written without its notification (the trigger disabled for that transaction)
 * is found by the poll.
 */
static void a_lost_notification_delays_only_until_the_poll(void **state)
{
	(void)state;
	const char *name = unique("silent");
	char query[256];

	sql_exec("BEGIN; SET LOCAL lock_timeout = '10s'; "
	         "ALTER TABLE event_queue DISABLE TRIGGER event_queue_notify; "
	         "INSERT INTO event_queue (event_id, name, payload) SELECT u, '%s', "
	         "jsonb_build_object('eventId', u) FROM gen_random_uuid() u; "
	         "ALTER TABLE event_queue ENABLE TRIGGER event_queue_notify; COMMIT",
	         name);
	snprintf(query, sizeof(query), "SELECT count(*) FROM events WHERE name = '%s'", name);
	assert_true(wait_until(sql_holds, query, OUTBOX_DEADLINE_MS));
	assert_int_equal(stored_count(name), 1);
}

/* Both drain connections terminated: the workers reconnect, listen again and lose nothing. */
static void killed_listening_connections_come_back(void **state)
{
	(void)state;
	const char *name = unique("relisten");
	char query[256];

	assert_int_equal(drain_backends(), 2);
	json_t *old = sql("SELECT string_agg(pid::text, ',') AS pids FROM pg_stat_activity "
	                  "WHERE application_name = 'aggregator-drain'");
	char pids[128];
	snprintf(pids, sizeof(pids), "%s",
	         json_string_value(json_object_get(json_array_get(old, 0), "pids")));
	json_decref(old);
	int64_t listened = drain_log_count("listening on event_queue");

	/* A superuser's connection: the drain's backends belong to panel_aggregator, not the owner. */
	assert_int_equal(shell("psql -qAtX \"$(scripts/pg-cluster url postgres)\" -c \"SELECT "
	                       "count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
	                       "application_name = 'aggregator-drain'\" | grep -qx 2"),
	                 0);
	enqueue(name, 50);
	assert_true(all_drained(name, OUTBOX_DEADLINE_MS));
	assert_int_equal(assert_exactly_once(name), 50);

	/* Two new connections, each of which ran LISTEN again. */
	snprintf(query, sizeof(query),
	         "SELECT count(*) = 2 FROM pg_stat_activity WHERE application_name = "
	         "'aggregator-drain' AND pid NOT IN (%s)",
	         pids);
	assert_true(wait_until(sql_holds, query, OUTBOX_DEADLINE_MS));
	for (int waited = 0; drain_log_count("listening on event_queue") < listened + 2;
	     waited += 50) {
		assert_true(waited < OUTBOX_DEADLINE_MS);
		usleep(50 * 1000);
	}
}

/* The first node of plan (a node of a JSON plan, and those under it) that found says is one. */
static const char *plan_node(json_t *plan, const char *(*found)(json_t *node))
{
	const char *hit = found(plan);
	size_t i;
	json_t *child;

	json_array_foreach(json_object_get(plan, "Plans"), i, child)
	{
		if (!hit)
			hit = plan_node(child, found);
	}
	return hit;
}

static const char *node_type(json_t *node)
{
	return json_string_value(json_object_get(node, "Node Type"));
}

/* The node type of node's child on that side of it ("Inner" or "Outer"), or NULL. */
static const char *child_type(json_t *node, const char *side)
{
	size_t i;
	json_t *child;

	json_array_foreach(json_object_get(node, "Plans"), i, child)
	{
		const char *rel = json_string_value(json_object_get(child, "Parent Relationship"));
		if (rel && strcmp(rel, side) == 0)
			return node_type(child);
	}
	return NULL;
}

/*
 * A join of two row sets: a hash or merge join, or a nested loop whose inner side is more than
 * the list of keys an event is counted under (the Values Scan event_count_keys() inlines to,
 * a few rows an outer row whatever the statistics say).
 */
static const char *joins(json_t *node)
{
	const char *type = node_type(node), *inner;

	if (strcmp(type, "Hash Join") == 0 || strcmp(type, "Merge Join") == 0)
		return type;
	if (strcmp(type, "Nested Loop") != 0)
		return NULL;
	inner = child_type(node, "Inner");
	return inner && strcmp(inner, "Values Scan") != 0 ? type : NULL;
}

/* A scan that reads every row it may need before the first comes out, to sort them all. */
static const char *scans(json_t *node)
{
	const char *type = node_type(node);

	return strcmp(type, "Seq Scan") == 0 || strcmp(type, "Bitmap Heap Scan") == 0 ? type : NULL;
}

static const char *tid_scan(json_t *node)
{
	return strcmp(node_type(node), "Tid Scan") == 0 ? "Tid Scan" : NULL;
}

/*
 * A nested loop whose inner side is the keys a row is counted under (the Values Scan of
 * event_count_keys()) and whose outer side is not a group of events: the keys expanded event
 * by event.
 */
static const char *keys_per_event(json_t *node)
{
	const char *inner, *outer;

	if (strcmp(node_type(node), "Nested Loop") != 0)
		return NULL;
	inner = child_type(node, "Inner");
	outer = child_type(node, "Outer");
	if (inner && strcmp(inner, "Values Scan") == 0 && outer && strcmp(outer, "Aggregate") != 0)
		return outer;
	return NULL;
}

/*
 * Plans the drain's own statement (read from drain_batch()'s source), custom and generic, in
 * the open transaction, once the queue's statistics are as stats says (a condition on its
 * pg_class row): the claimed rows must be deleted by a Tid Scan, and no node may be one that
 * banned finds, or the test fails saying that the batch does what.
 */
static void assert_batch_plans(const char *stats, const char *(*banned)(json_t *node),
                               const char *what)
{
	const char *modes[] = {"force_custom_plan", "force_generic_plan"};

	assert_int_equal(
	    sql_int("SELECT (%s)::int FROM pg_class WHERE oid = 'event_queue'::regclass", stats),
	    1);
	json_t *body = sql("SELECT substring(prosrc FROM 'RETURN QUERY\\s+(.*);\\s*PERFORM "
	                   "set_config\\(''panel.writer'', coalesce') AS q "
	                   "FROM pg_proc WHERE proname = 'drain_batch'");
	const char *q = json_string_value(json_object_get(json_array_get(body, 0), "q"));
	assert_non_null(q);
	sql_exec("PREPARE drain_batch_plan (bigint, bigint, boolean) AS %s", q);
	json_decref(body);
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		sql_exec("SET LOCAL plan_cache_mode = %s", modes[i]);
		json_t *rows =
		    sql("EXPLAIN (FORMAT JSON) EXECUTE drain_batch_plan (5000, 0, false)");
		const char *text =
		    json_string_value(json_object_get(json_array_get(rows, 0), "QUERY PLAN"));
		assert_non_null(text);
		json_t *explained = json_loads(text, 0, NULL);
		json_t *plan = json_object_get(json_array_get(explained, 0), "Plan");
		assert_non_null(plan);
		assert_non_null(plan_node(plan, tid_scan));
		const char *hit = plan_node(plan, banned);
		if (hit)
			fail_msg("%s: the batch %s (%s): %s", modes[i], what, hit, text);
		json_decref(explained);
		json_decref(rows);
	}
}

/*
 * In the open transaction, the queue's statistics as autovacuum leaves them when it analyzes a
 * drained queue: pages, and no rows in them, so that every row count of the batch is guessed
 * at one. Its rows were never due.
 */
#define DRAINED_QUEUE "relpages > 0 AND reltuples = 0"
static void drained_queue_statistics(void)
{
	const char *name = unique("stale");

	sql_exec("BEGIN; "
	         "INSERT INTO event_queue (event_id, name, payload, next_attempt_at) "
	         "SELECT gen_random_uuid(), '%s', '{}', now() + interval '1 hour' "
	         "FROM generate_series(1, 2000); "
	         "DELETE FROM event_queue WHERE name = '%s'; "
	         "ANALYZE event_queue",
	         name, name);
}

/*
 * The batch's plan holds no join, custom or generic, even with a drained queue's statistics.
 * Joined back to the rows moved, the keys kept were a nested loop of 5,000 x 5,000 comparisons
 * a batch (docs/BENCHMARKS.md, "The drain's plan"). Planned in a transaction that is rolled
 * back.
 */
static void the_batch_plans_no_join_whatever_the_statistics(void **state)
{
	(void)state;

	drained_queue_statistics();
	assert_batch_plans(DRAINED_QUEUE, joins, "joins");
}

/*
 * With those statistics and the drain's session settings, the claim walks the primary key from
 * its first id and stops at its limit, custom or generic. With bitmap scans allowed, the
 * planner's costs for a Bitmap Heap Scan and a Sort and for the Index Scan differ by a few
 * hundredths here, and which one wins turns on the queue's size: on the bench's queue the
 * bitmap won, which read every row from the claim's first id on and sorted them all, each batch
 * of a backlog of 100,000 (docs/BENCHMARKS.md, "The claim reads the queue in order"). On this
 * test's small queue the Index Scan wins either way, so this guards the setting's effect only.
 */
static void the_claim_reads_the_queue_in_order_whatever_the_statistics(void **state)
{
	(void)state;

	drained_queue_statistics();
	sql_exec("%s", DRAIN_SESSION_SQL);
	assert_batch_plans(DRAINED_QUEUE, scans, "reads the queue whole");
}

/*
 * Nor does it scan the queue whole when a vacuum has truncated the drained queue to no pages:
 * with the drain's session settings the claim keeps to the primary key and the delete to its
 * ctids, custom or generic. Planned so, the generic plan the drain caches took a Seq Scan and
 * a Sort for the claim, which cost each batch the whole heap the queue grew back to at live
 * rates (docs/BENCHMARKS.md, "The drain at live rates").
 */
static void the_batch_plans_no_seq_scan_of_an_emptied_queue(void **state)
{
	(void)state;

	sql_exec("BEGIN; TRUNCATE event_queue; ANALYZE event_queue; %s", DRAIN_SESSION_SQL);
	assert_batch_plans("relpages = 0 AND reltuples = 0", scans, "scans the queue");
}

/*
 * The batch counts its events in groups (migration 0022): the events it stored are grouped by
 * what their counter keys depend on, and each group is expanded into its keys. Expanded event
 * by event, a batch of 5,000 over 1,000 projects prepared and sorted 25,000 key rows
 * (docs/BENCHMARKS.md, "The drain counts its events in groups").
 */
static void the_batch_counts_groups_of_events(void **state)
{
	(void)state;

	sql_exec("BEGIN; %s", DRAIN_SESSION_SQL);
	assert_batch_plans("true", keys_per_event, "expands each event into its keys");
}

static int rollback_plan(void **state)
{
	(void)state;
	sql_exec("ROLLBACK; DEALLOCATE ALL");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(both_workers_run_side_by_side),
	    cmocka_unit_test(queued_events_arrive_once_each),
	    cmocka_unit_test(duplicates_in_the_queue_are_stored_once),
	    cmocka_unit_test(events_are_keyed_and_counted_once_whoever_inserts),
	    cmocka_unit_test_teardown(the_batch_plans_no_join_whatever_the_statistics,
	                              rollback_plan),
	    cmocka_unit_test_teardown(the_claim_reads_the_queue_in_order_whatever_the_statistics,
	                              rollback_plan),
	    cmocka_unit_test_teardown(the_batch_plans_no_seq_scan_of_an_emptied_queue,
	                              rollback_plan),
	    cmocka_unit_test_teardown(the_batch_counts_groups_of_events, rollback_plan),
	    cmocka_unit_test(open_and_rolled_back_producer_transactions),
	    cmocka_unit_test_teardown(a_row_committed_far_out_of_order_is_drained, close_producer),
	    cmocka_unit_test_teardown(producers_notify_only_a_sleeping_drain, close_conns),
	    cmocka_unit_test(unstorable_rows_are_parked_with_their_error),
	    cmocka_unit_test(a_lost_notification_delays_only_until_the_poll),
	    cmocka_unit_test(killed_listening_connections_come_back),
	};
	return cmocka_run_group_tests_name("e2e: drain", tests, setup, NULL);
}
