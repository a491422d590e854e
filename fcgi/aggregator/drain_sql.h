/*
 * The drain's session settings and batch call, in a header of their own so that test_e2e_drain
 * and bench/run set up a session as the drain does.
 */
#ifndef DRAIN_SQL_H
#define DRAIN_SQL_H

/*
 * The advisory lock a drain holds while it sleeps, which producers try to take shared (the
 * WHEN clause of the event_queue_notify trigger, migrations/0015_drain_sleep_lock.up.sql) and
 * drain_batch() gives up when asked to (migration 0021, which writes the number out too).
 */
#define DRAIN_SLEEP_LOCK "72951015"

/*
 * The settings of the drain's session. The first two are about the queue, whose statistics seldom
 * say what it holds (autovacuum sees it drained empty most of the time). enable_seqscan off: when
 * a vacuum truncates the queue to no pages, the cached generic plan of the batch turns to a Seq
 * Scan and a Sort for the claim and a Seq Scan on ctids for the delete, which at live rates cost
 * each batch the whole heap the queue has grown back to (docs/BENCHMARKS.md, "The drain at live
 * rates"). enable_bitmapscan off: when autovacuum analyzes the drained queue, which leaves it
 * pages and no rows in them, the claim turns to a Bitmap Heap Scan of every row from its first id
 * and a Sort of them all, so that each batch of a backlog reads the whole backlog
 * (docs/BENCHMARKS.md, "The claim reads the queue in order"). Every statement of the drain has an
 * index to walk; the maintenance, which scans partitions whole, turns both back on. work_mem 32MB:
 * a batch of 10,000 (DRAIN_BATCH_SIZE) holds its moved rows, their sort and the stored rows in
 * memory, about 7 MB each with the bench's payloads, and at the default 8 MB wrote some 10 MB a
 * batch to temporary files (docs/BENCHMARKS.md, "Batches of 10,000").
 */
#define DRAIN_SESSION_SQL                                                                          \
	"SELECT set_config('enable_seqscan', 'off', false), "                                      \
	"set_config('enable_bitmapscan', 'off', false), set_config('work_mem', '32MB', false)"

/*
 * The happy path in one round trip and one transaction: drain_batch() (migration 0021) claims
 * up to $1 due rows from queue id $2 on, having given up the sleep lock first when $3, and
 * stores, registers and counts them as events. It runs as the schema's owner, whose insert the
 * events' row triggers leave to it. Its result: rows moved, events stored, the highest id
 * moved, and whether the lock was given up.
 */
#define DRAIN_BATCH_SQL                                                                            \
	"SELECT rows_moved, events_stored, highest_id, lock_given_up FROM drain_batch($1, $2, $3)"

#endif
