/*
 * The SQL of events. Lists read their total from the event_counts counters in the same
 * statement as the page (an exact count(*) only under a time window, which no counter covers),
 * and every filter is served by an index of migrations/0002_events.up.sql; the role plans
 * each execution for its actual parameters (migrations/0006_aggregator_plans.up.sql).
 */
#include <libpq-fe.h>

#include "aggregator.h"

/* The columns db_event_row() reads, after one leading column of each statement's own. */
#define EVENT_COLUMNS "e.id, e.name, e.payload::text, api_time(e.created_at)"

/* The exclusive time bounds, $3 and $4: microseconds since the epoch, exactly. */
#define AFTER_TIME  "(to_timestamp($3 / 1000000) + ($3 % 1000000) * interval '1 microsecond')"
#define BEFORE_TIME "(to_timestamp($4 / 1000000) + ($4 % 1000000) * interval '1 microsecond')"

/* $1 name, $2 project id, $3 and $4 the time bounds; NULL for "any". */
#define EVENT_FILTER                                                                               \
	"($1::text IS NULL OR e.name = $1) "                                                       \
	"AND ($2::bigint IS NULL OR e.project_id = $2) "                                           \
	"AND ($3::bigint IS NULL OR e.created_at > " AFTER_TIME ") "                               \
	"AND ($4::bigint IS NULL OR e.created_at < " BEFORE_TIME ") "

static struct db_stmt page_stmt =
    DB_STMT("events_page",
            "SELECT t.total, page.* "
            "FROM (SELECT CASE WHEN $3::bigint IS NULL AND $4::bigint IS NULL "
            "             THEN (SELECT coalesce(sum(c.n), 0) FROM event_counts c "
            "                   WHERE c.project_id = coalesce($2::bigint, 0) "
            "                     AND c.name = coalesce($1::text, '')) "
            "             ELSE (SELECT count(*) FROM events e WHERE " EVENT_FILTER ") "
            "             END AS total) t "
            "LEFT JOIN LATERAL (SELECT " EVENT_COLUMNS " FROM events e WHERE " EVENT_FILTER
            "                   ORDER BY e.id DESC LIMIT 8 OFFSET $5) page ON true",
            true);

static struct db_stmt get_stmt =
    DB_STMT("events_get", "SELECT 0, " EVENT_COLUMNS " FROM events e WHERE e.id = $1", true);

/*
 * $4 is the whole request body: Postgres takes its "payload" member itself, so the stored
 * payload is exactly what was sent (jansson would turn every number into a double). Any unique
 * key taken (event_id, idempotency_key) makes it a retry, resolved by existing_stmt.
 * Not retry_safe: without a key, running it twice would store the event twice.
 */
static struct db_stmt insert_stmt =
    DB_STMT("events_insert",
            "INSERT INTO events AS e (event_id, idempotency_key, name, payload) "
            "VALUES ($1::uuid, $2::text, $3::text, ($4::jsonb -> 'payload')) "
            "ON CONFLICT DO NOTHING "
            "RETURNING true, " EVENT_COLUMNS,
            false);

static struct db_stmt existing_stmt =
    DB_STMT("events_existing",
            "SELECT e.name = $3::text AND e.payload = ($4::jsonb -> 'payload'), " EVENT_COLUMNS " "
            "FROM events e WHERE e.event_id = $1::uuid OR e.idempotency_key = $2::text "
            "ORDER BY e.id",
            true);

enum err db_events_insert(struct db *db, const struct event_input *in, const char *body,
                          PGresult **res)
{
	const char *params[] = {in->event_id, in->idempotency_key, in->name, body};
	return db_exec(db, &insert_stmt, 4, params, res, NULL);
}

enum err db_events_existing(struct db *db, const struct event_input *in, const char *body,
                            PGresult **res)
{
	const char *params[] = {in->event_id, in->idempotency_key, in->name, body};
	return db_exec(db, &existing_stmt, 4, params, res, NULL);
}

bool db_event_same(const PGresult *res, int row)
{
	return db_bool(res, row, 0);
}

enum err db_events_page(struct db *db, const struct event_filter *f, int64_t offset, PGresult **res)
{
	char project[DB_INT64_LEN], after[DB_INT64_LEN], before[DB_INT64_LEN], off[DB_INT64_LEN];
	const char *params[] = {
	    f->name,
	    f->project_id ? db_param_int64(project, f->project_id) : NULL,
	    f->after_set ? db_param_int64(after, f->after_usec) : NULL,
	    f->before_set ? db_param_int64(before, f->before_usec) : NULL,
	    db_param_int64(off, offset),
	};
	return db_exec(db, &page_stmt, 5, params, res, NULL);
}

enum err db_events_get(struct db *db, int64_t id, PGresult **res)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id)};
	return db_exec(db, &get_stmt, 1, params, res, NULL);
}

bool db_event_row(const PGresult *res, int row, struct event_row *out)
{
	if (db_isnull(res, row, 1))
		return false;
	out->id = db_int64(res, row, 1);
	out->name = db_str(res, row, 2);
	out->payload = db_str(res, row, 3);
	out->created_at = db_str(res, row, 4);
	return true;
}

int64_t db_events_total(const PGresult *res)
{
	return PQntuples(res) ? db_int64(res, 0, 0) : 0;
}
