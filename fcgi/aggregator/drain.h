/*
 * The drain worker (bin/aggregator-drain): moves events from the outbox (event_queue) into
 * events exactly once. drain.c holds the main loop, drain_policy.c the pure decisions (retry
 * delays, when to give up on a row, which errors are a row's fault), db_drain.c its SQL and
 * the libpq calls of its wait (socket, notifications). Nothing here is part of the FastCGI app.
 */
#ifndef DRAIN_H
#define DRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* Read from the environment once at start-up (see drain_config_load). */
struct drain_config {
	long batch_size;      /* DRAIN_BATCH_SIZE [10000]: queue rows moved per statement */
	long max_attempts;    /* DRAIN_MAX_ATTEMPTS [5]: failed stores before a row is parked */
	long backoff_base_ms; /* DRAIN_BACKOFF_BASE_MS [1000]: delay after the first failure */
	long backoff_max_ms;  /* DRAIN_BACKOFF_MAX_MS [300000]: the longest delay */
	/*
	 * DRAIN_POLL_MS [50]: longest wait without a notification, and how often a claim looks
	 * at the whole queue (see struct drain_cursor). Producers notify only a sleeping drain
	 * (migration 0015), so a lost notification or a row committed far out of order waits for
	 * this poll.
	 */
	long poll_ms;
	/*
	 * DRAIN_MAINTAIN_SECONDS [3600]: how often the worker runs the events' maintenance
	 * (partitions ahead, expired months dropped); at start-up too. Runs of all drains are
	 * serialized by the database, so with several drains it runs more often, never at once.
	 */
	long maintain_s;
};

/* Fills cfg from the environment; exits with a log line on an invalid value. */
void drain_config_load(struct drain_config *cfg);

/*
 * The delay before a row that has failed `attempts` times (1 or more) is tried again:
 * backoff_base_ms doubled for each further failure, capped at backoff_max_ms.
 */
long drain_backoff_ms(const struct drain_config *cfg, long attempts);

/* True when a row that has now failed `attempts` times goes to events_dead. */
bool drain_should_park(const struct drain_config *cfg, long attempts);

/*
 * True when a failed store is the row's own fault and will fail again however often it is
 * tried (a data exception or an integrity violation: SQLSTATE classes 22 and 23). Anything
 * else (a lost connection, a timeout, a missing privilege) is not held against the row.
 */
bool drain_row_fault(const char *sqlstate);

/* The pause before reconnection attempt `failures` (1 or more): 100 ms doubling to 2 s. */
long drain_retry_delay_ms(long failures);

/*
 * Seconds until the next maintenance after one that succeeded (or found another under way):
 * maintain_s; after one that failed: a minute, or maintain_s when that is shorter.
 */
long drain_maintain_delay_s(const struct drain_config *cfg, bool succeeded);

/*
 * Writes the error kept in event_queue.last_error and events_dead.last_error: the SQLSTATE
 * and the first line of the server's message without its "ERROR:" prefix (the DETAIL line,
 * which repeats the row, is left out).
 */
void drain_error_text(const char *sqlstate, const char *message, char *out, size_t size);

/*
 * Where the drain's claims start. A claim scans event_queue's primary key from its lower bound,
 * and every row the drain deleted since the last vacuum is still a dead entry of that index,
 * below the rows waiting. So a claim starts DRAIN_WINDOW ids below the highest id claimed so far
 * (rows committed out of order within that window are seen at once), and a full claim, from
 * the first id, which also finds rows committed further out of order and rows whose retry has
 * come due, is made at least every poll_ms and again for as long as full claims come back full.
 */
enum { DRAIN_WINDOW = 1000 };
struct drain_cursor {
	int64_t highest;     /* the highest queue id claimed so far, 0 before any */
	int64_t full_due_ms; /* when the next claim must be full (CLOCK_MONOTONIC ms) */
	bool again;          /* the last full claim came back full */
};

/* The lower bound of the next claim at now_ms (0: a full claim, which it then schedules). */
int64_t drain_claim_from(struct drain_cursor *c, const struct drain_config *cfg, int64_t now_ms);

/* Records a claim from `from` that took `moved` rows, the highest of them `highest`. */
void drain_claimed(struct drain_cursor *c, const struct drain_config *cfg, int64_t from, long moved,
                   int64_t highest);

/*
 * How long to wait before looking at the queue again after an empty claim when a producer is
 * mid-transaction (the drain could not take its sleep lock, and the producer sent nothing):
 * 1 ms, doubling with each such try since the drain last took the lock, up to DRAIN_BUSY_MAX_MS,
 * the least DRAIN_POLL_MS (another drain that sleeps holds the lock for as long as it sleeps,
 * and this one looks meanwhile every DRAIN_BUSY_MAX_MS). Claims that move rows do not start the
 * doubling again, so under steady load each empty claim waits the whole cap, and a row
 * committed meanwhile waits with it: the cap bounds most of the drain's lag, and sets how many
 * events a batch gathers at live rates (a smaller cap, smaller batches, more Postgres time an
 * event: docs/BENCHMARKS.md, "Creates at live rates").
 */
enum { DRAIN_BUSY_MAX_MS = 10 };
long drain_busy_wait_ms(long tries);

/* A row claimed by the fallback: its queue id and how often storing it has failed. */
struct drain_row {
	int64_t id;
	long attempts;
};

/* The drain's SQL (db_drain.c). Each returns ERR_OK or the outcome of the failure. */
/*
 * Sets up the current connection: the session's settings (DRAIN_SESSION_SQL: no sequential
 * or bitmap scans), then LISTEN event_queue.
 */
enum err db_drain_listen(struct db *db);
/*
 * The happy path, one statement: claims up to limit due rows from id `from` on (FOR UPDATE SKIP
 * LOCKED, by id), deletes them and inserts and counts their events (drain_batch(), migration
 * 0021); with wake, first gives up the sleep lock (db_drain_try_sleep). *moved is the number
 * of queue rows taken, *stored of events inserted (fewer when an event_id was already stored),
 * *highest the highest id taken (0 for none). sqlstate receives the failure's.
 */
enum err db_drain_batch(struct db *db, long limit, int64_t from, bool wake, long *moved,
                        long *stored, int64_t *highest, char sqlstate[6]);
/*
 * Takes the sleep lock if no producer is mid-transaction (see migration 0015): *asleep tells.
 * Held by the session until the next db_drain_batch() with wake, or until the connection ends.
 */
enum err db_drain_try_sleep(struct db *db, bool *asleep);
/*
 * The fallback, row by row in one transaction: begin, claim (rows filled up to max, *n set),
 * then for each row a savepoint, the move, and a release or a rollback to the savepoint
 * followed by a retry_later or a park; commit at the end, rollback on any other failure.
 */
enum err db_drain_begin(struct db *db);
enum err db_drain_claim(struct db *db, long limit, struct drain_row *rows, size_t max, size_t *n);
enum err db_drain_savepoint(struct db *db);
enum err db_drain_release(struct db *db);
enum err db_drain_rollback_to_savepoint(struct db *db);
/* Moves one claimed row; on failure, error receives drain_error_text() of it. */
enum err db_drain_move_one(struct db *db, int64_t id, char sqlstate[6], char *error,
                           size_t error_size);
enum err db_drain_retry_later(struct db *db, int64_t id, const char *error, long delay_ms);
enum err db_drain_park(struct db *db, int64_t id, const char *error);
enum err db_drain_commit(struct db *db);
/*
 * The events' maintenance in a transaction of its own (events_maintain_now(), with a longer
 * statement_timeout); report is called for each thing it did: its action ("created",
 * "dropped" or "busy"), the partition ("" for none) and the rows concerned.
 */
enum err db_drain_maintain(struct db *db,
                           void (*report)(const char *action, const char *part, int64_t rows));
/* Rolls back whatever transaction is open; harmless when none is. */
void db_drain_rollback(struct db *db);

/* The connection's socket, or -1 without a connection. */
int db_drain_socket(struct db *db);
/*
 * Reads what the server sent (without blocking) and empties the notification queue. Returns
 * ERR_OK and whether a notification had arrived, or ERR_UNAVAILABLE when the connection is
 * gone (it is then closed, so the next db_connect() opens a new one).
 */
enum err db_drain_consume(struct db *db, bool *notified);

#endif
