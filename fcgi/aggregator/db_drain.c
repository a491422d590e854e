/*
 * The drain worker's SQL, and the libpq calls its wait loop needs (the socket to poll and the
 * notifications to read). Queue rows leave event_queue only in the same statement or
 * transaction that stores them in events or events_dead, so a crash at any point loses
 * nothing; an event whose eventId a kept event holds is skipped (its key is taken in
 * event_keys, migrations 0012 and 0021), so a row can never be stored twice either.
 */
#include <libpq-fe.h>

#include "db_query.h"
#include "drain.h"
#include "drain_sql.h"

static struct db_stmt listen_stmt = DB_STMT("drain_listen", "LISTEN event_queue", true);

/*
 * The session's settings (DRAIN_SESSION_SQL). Without them (a batch retried by db_exec on a new
 * connection, before drain.c sets that one up) the batch stores the same, with the plans the
 * queue's statistics give.
 */
static struct db_stmt session_stmt = DB_STMT("drain_session", DRAIN_SESSION_SQL, true);

static struct db_stmt batch_stmt = DB_STMT("drain_batch", DRAIN_BATCH_SQL, true);

/* Taken only when no producer holds it shared, that is, is between its insert and its end. */
static struct db_stmt sleep_stmt =
    DB_STMT("drain_sleep", "SELECT pg_try_advisory_lock(" DRAIN_SLEEP_LOCK ")", false);

/* The fallback: the same rows, one by one, each under a savepoint (see drain.c). */
static struct db_stmt begin_stmt = DB_STMT("drain_begin", "BEGIN", false);
static struct db_stmt commit_stmt = DB_STMT("drain_commit", "COMMIT", false);
static struct db_stmt rollback_stmt = DB_STMT("drain_rollback", "ROLLBACK", false);
static struct db_stmt savepoint_stmt = DB_STMT("drain_savepoint", "SAVEPOINT drain_row", false);
static struct db_stmt release_stmt = DB_STMT("drain_release", "RELEASE SAVEPOINT drain_row", false);
static struct db_stmt rollback_to_stmt =
    DB_STMT("drain_rollback_to", "ROLLBACK TO SAVEPOINT drain_row", false);

static struct db_stmt claim_stmt =
    DB_STMT("drain_claim",
            "SELECT id, attempts FROM event_queue WHERE next_attempt_at <= now() "
            "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            false);

/*
 * One claimed row of the fallback: deleted, and stored unless a kept event already holds its
 * eventId. This insert is not drain_batch()'s, so the events' row triggers register its key,
 * skipping the row when the key is taken, and count it (migration 0021).
 */
static struct db_stmt move_one_stmt =
    DB_STMT("drain_move_one",
            "WITH moved AS (DELETE FROM event_queue WHERE id = $1 "
            "               RETURNING event_id, name, payload, enqueued_at), "
            "stored AS (INSERT INTO events (event_id, name, payload, enqueued_at) "
            "           SELECT event_id, name, payload, enqueued_at FROM moved RETURNING 1) "
            "SELECT count(*) FROM stored",
            false);

static struct db_stmt retry_later_stmt =
    DB_STMT("drain_retry_later",
            "UPDATE event_queue SET attempts = attempts + 1, last_error = $2, "
            "       next_attempt_at = now() + $3::bigint * interval '1 millisecond' "
            "WHERE id = $1",
            false);

/* A row is parked by the statement that deletes it from the queue, so at most once. */
static struct db_stmt park_stmt =
    DB_STMT("drain_park",
            "WITH gone AS (DELETE FROM event_queue WHERE id = $1 "
            "              RETURNING id, event_id, name, payload, enqueued_at, attempts) "
            "INSERT INTO events_dead (queue_id, event_id, name, payload, enqueued_at, attempts, "
            "                         last_error) "
            "SELECT id, event_id, name, payload, enqueued_at, attempts + 1, $2 FROM gone",
            false);

/*
 * The events' maintenance (partitions ahead, expired ones dropped with their share of the
 * counters), run as the owner by a function the aggregator's role may only call: the database's
 * clock and the retention panelctl recorded. A run that finds another running returns 'busy'.
 * Dropping a month of events takes longer than the role's statement_timeout allows a request,
 * and its scans of whole partitions want the sequential and bitmap scans the drain's session
 * turns off.
 */
static struct db_stmt maintain_settings_stmt =
    DB_STMT("drain_maintain_settings",
            "SELECT set_config('statement_timeout', '10min', true), "
            "set_config('enable_seqscan', 'on', true), "
            "set_config('enable_bitmapscan', 'on', true)",
            false);
static struct db_stmt maintain_stmt = DB_STMT(
    "drain_maintain",
    "SELECT action, coalesce(part, ''), coalesce(events, 0) FROM events_maintain_now()", false);

enum err db_drain_listen(struct db *db)
{
	enum err rc = db_run(db, &session_stmt, 0, NULL, NULL);

	return rc ? rc : db_run(db, &listen_stmt, 0, NULL, NULL);
}

enum err db_drain_batch(struct db *db, long limit, int64_t from, bool wake, long *moved,
                        long *stored, int64_t *highest, char sqlstate[6])
{
	char lim[DB_INT64_LEN], fromtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(lim, limit), db_param_int64(fromtext, from),
	                        wake ? "true" : "false"};
	PGresult *res;
	enum err rc = db_exec(db, &batch_stmt, 3, params, &res, sqlstate);

	*moved = *stored = 0;
	*highest = 0;
	if (rc)
		return rc;
	*moved = (long)db_int64(res, 0, 0);
	*stored = (long)db_int64(res, 0, 1);
	*highest = db_int64(res, 0, 2);
	PQclear(res);
	return ERR_OK;
}

enum err db_drain_try_sleep(struct db *db, bool *asleep)
{
	PGresult *res;
	enum err rc = db_exec(db, &sleep_stmt, 0, NULL, &res, NULL);

	*asleep = false;
	if (rc)
		return rc;
	*asleep = db_bool(res, 0, 0);
	PQclear(res);
	return ERR_OK;
}

enum err db_drain_begin(struct db *db)
{
	return db_run(db, &begin_stmt, 0, NULL, NULL);
}

enum err db_drain_claim(struct db *db, long limit, struct drain_row *rows, size_t max, size_t *n)
{
	char lim[DB_INT64_LEN];
	const char *params[] = {db_param_int64(lim, limit)};
	PGresult *res;
	enum err rc = db_exec(db, &claim_stmt, 1, params, &res, NULL);

	*n = 0;
	if (rc)
		return rc;
	for (int i = 0; i < PQntuples(res) && *n < max; i++, (*n)++) {
		rows[*n].id = db_int64(res, i, 0);
		rows[*n].attempts = (long)db_int64(res, i, 1);
	}
	PQclear(res);
	return ERR_OK;
}

enum err db_drain_savepoint(struct db *db)
{
	return db_run(db, &savepoint_stmt, 0, NULL, NULL);
}

enum err db_drain_release(struct db *db)
{
	return db_run(db, &release_stmt, 0, NULL, NULL);
}

enum err db_drain_rollback_to_savepoint(struct db *db)
{
	return db_run(db, &rollback_to_stmt, 0, NULL, NULL);
}

enum err db_drain_move_one(struct db *db, int64_t id, char sqlstate[6], char *error,
                           size_t error_size)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id)};
	enum err rc = db_run(db, &move_one_stmt, 1, params, sqlstate);

	/* libpq keeps the failed statement's message on the connection. */
	if (rc)
		drain_error_text(sqlstate, db->conn ? PQerrorMessage(db->conn) : NULL, error,
		                 error_size);
	return rc;
}

enum err db_drain_retry_later(struct db *db, int64_t id, const char *error, long delay_ms)
{
	char idtext[DB_INT64_LEN], delay[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id), error, db_param_int64(delay, delay_ms)};
	return db_run(db, &retry_later_stmt, 3, params, NULL);
}

enum err db_drain_park(struct db *db, int64_t id, const char *error)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id), error};
	return db_run(db, &park_stmt, 2, params, NULL);
}

enum err db_drain_maintain(struct db *db, void (*report)(const char *, const char *, int64_t))
{
	PGresult *res = NULL;
	enum err rc = db_drain_begin(db);
	unsigned gen = db->gen;

	if (!rc)
		rc = db_run(db, &maintain_settings_stmt, 0, NULL, NULL);
	if (!rc)
		rc = db_exec(db, &maintain_stmt, 0, NULL, &res, NULL);
	if (!rc)
		rc = db_drain_commit(db);
	/* A reconnection on the way would have run the rest outside the transaction. */
	if (!rc && db->gen != gen)
		rc = ERR_UNAVAILABLE;
	if (rc) {
		PQclear(res);
		db_drain_rollback(db);
		return rc;
	}
	for (int i = 0; i < PQntuples(res); i++)
		report(db_str(res, i, 0), db_str(res, i, 1), db_int64(res, i, 2));
	PQclear(res);
	return ERR_OK;
}

enum err db_drain_commit(struct db *db)
{
	return db_run(db, &commit_stmt, 0, NULL, NULL);
}

void db_drain_rollback(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		db_run(db, &rollback_stmt, 0, NULL, NULL);
}

int db_drain_socket(struct db *db)
{
	return db->conn ? PQsocket(db->conn) : -1;
}

enum err db_drain_consume(struct db *db, bool *notified)
{
	PGnotify *n;

	*notified = false;
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK || !PQconsumeInput(db->conn) ||
	    PQstatus(db->conn) != CONNECTION_OK) {
		db_close(db);
		return ERR_UNAVAILABLE;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		*notified = true;
		PQfreemem(n);
	}
	return ERR_OK;
}
