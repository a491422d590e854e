/*
 * The drain's batch statement, in a header of its own so that test_e2e_drain can EXPLAIN the
 * very text the drain runs: its plan must hold no join whatever the planner believes of
 * event_queue (see DRAIN_BATCH_SQL).
 */
#ifndef DRAIN_SQL_H
#define DRAIN_SQL_H

/*
 * The advisory lock a drain holds while it sleeps, which producers try to take shared (the
 * WHEN clause of the event_queue_notify trigger, migrations/0015_drain_sleep_lock.up.sql).
 */
#define DRAIN_SLEEP_LOCK "72951015"

/*
 * The settings of the drain's session. panel.event_keys: the drain registers its events' keys
 * itself (the row trigger of migration 0018 leaves them to it). enable_seqscan off: the queue
 * is drained empty most of the time, and when a vacuum truncates it to no pages the cached
 * generic plan of the batch turns to a Seq Scan and a Sort for the claim and a Seq Scan on
 * ctids for the delete, which at live rates cost each batch the whole heap the queue has grown
 * back to (docs/BENCHMARKS.md, "The drain at live rates"). Every statement of the drain has an
 * index to use; the maintenance, which scans partitions whole, turns them back on.
 */
#define DRAIN_SESSION_SQL                                                                          \
	"SELECT set_config('panel.event_keys', 'statement', false), "                              \
	"set_config('enable_seqscan', 'off', false)"

/* The start of an insert of events whose ids the drain took from events_id_seq itself. */
#define DRAIN_INSERT_EVENTS                                                                        \
	"INSERT INTO events (id, event_id, name, payload, enqueued_at, created_at) "               \
	"OVERRIDING SYSTEM VALUE "

/*
 * The happy path in one round trip and one transaction, with parameters $1 (bigint, the most
 * rows), $2 (bigint, the least queue id) and $3 (boolean, give up the sleep lock first): claim
 * the oldest due rows from id $2 on (rows another worker holds are skipped, so workers share
 * the queue), delete them, register their eventIds in event_keys and store them as events,
 * each with the id and time numbered gave it, in queue order. Running it again is harmless:
 * it moves the next rows. Its result: rows moved, events stored, the highest id moved, and
 * whether the lock was given up.
 *
 * No step joins two row sets, so its cost cannot depend on what the planner guesses of them.
 * The queue is empty most of the time, and autovacuum often analyzes it so: with statistics
 * that say empty while the table has pages, every row count here is guessed at one, and the
 * former join of the keys the insert kept with the rows moved was a nested loop, 5,000 x 5,000
 * comparisons a batch (docs/BENCHMARKS.md, "The drain's plan"). The price: an eventId that a
 * kept event or an earlier row of the batch holds makes event_keys' insert fail, and the drain
 * stores that batch one row at a time instead (drain.c), where the first by id is kept and
 * the others are dropped. The service's eventIds are version 7 UUIDs with 74 random bits
 * (event_id_new(), migration 0019), so that happens only to rows written by hand.
 *
 * The claimed rows are deleted by their ctid, a Tid Scan whatever the planner guesses of the
 * claim; the rows are locked, so their versions stay where the claim found them. A row a
 * concurrent update moved after this statement's snapshot is not deleted, so not stored, and
 * waits for a later claim. The main query reads keyed, not stored, so the keys are in before
 * the events are (an unread data-modifying CTE runs last): without panel.event_keys set (a
 * batch retried on a new connection), the row trigger of migration 0018 then finds each key
 * already given to its event instead of taking it first, which would fail the batch.
 */
#define DRAIN_BATCH_SQL                                                                            \
	"WITH awake AS ("                                                                          \
	"    SELECT CASE WHEN $3 THEN pg_advisory_unlock(" DRAIN_SLEEP_LOCK ") END AS unlocked), " \
	"claimed AS ("                                                                             \
	"    SELECT ctid FROM event_queue WHERE id >= $2 AND next_attempt_at <= now() "            \
	"    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED), "                                       \
	"moved AS ("                                                                               \
	"    DELETE FROM event_queue q WHERE q.ctid = ANY (ARRAY(SELECT ctid FROM claimed)) "      \
	"    RETURNING q.id, q.event_id, q.name, q.payload, q.enqueued_at), "                      \
	"numbered AS ("                                                                            \
	"    SELECT m.*, nextval('events_id_seq') AS event_no, clock_timestamp() AS at "           \
	"    FROM (SELECT * FROM moved ORDER BY id) m), "                                          \
	"keyed AS ("                                                                               \
	"    INSERT INTO event_keys (event_id, id, created_at) "                                   \
	"    SELECT event_id, event_no, at FROM numbered RETURNING 1), "                           \
	"stored AS (" DRAIN_INSERT_EVENTS                                                          \
	"    SELECT event_no, event_id, name, payload, enqueued_at, at FROM numbered) "            \
	"SELECT m.n, (SELECT count(*) FROM keyed), m.highest, (SELECT unlocked FROM awake) "       \
	"FROM (SELECT count(*) AS n, coalesce(max(id), 0) AS highest FROM moved) m"

#endif
