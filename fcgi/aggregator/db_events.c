/*
 * The SQL of events. Lists read their total from the event_counts counters in the same
 * statement as the page (an exact count(*) only under a time window, which no counter covers),
 * and every filter shape has its own statement, served by an index of
 * the events_by_month migration (one per monthly partition: a page merges the
 * partitions' index scans, newest first).
 */
#include "aggregator.h"
#include "db_query.h"
#include "log.h"

/*
 * The columns event_read() reads, after one leading column of each statement's own: the id,
 * and the whole event as JSON rendered here, so the payload comes back with its numbers as
 * stored (jsonb keeps their digits; a double in C would not).
 */
#define EVENT_COLUMNS                                                                              \
	"e.id, json_build_object('id', e.id, 'name', e.name, 'payload', e.payload, "               \
	"                        'createdAt', api_time(e.created_at))::text"

/*
 * A page of events of one shape (which filters narrow the rows) and kind (with a time window or
 * without), so that each gets a generic plan that walks its own index newest first: the primary
 * key, events_name or events_project. (One statement for both kinds would let the window's
 * range tempt the planner into events_created and a sort of every event.) The parameters are
 * the same for all: $1 the name and $2 the project (NULL for any), $3 and $4 the window
 * [from, to) (both NULL in the statements without one), $5 the offset, $6 a cursor's id (only
 * older events; NULL for none: a bound of the same index scan, so a cursor page costs what
 * page 1 costs). The total is the sum of the counter shards for that name and project ('' and
 * 0 standing for any), or an exact count under a window. The events of the page are
 * chosen first and only they are rendered. Row t also names the filters with their types, for
 * the shapes that do not use them otherwise.
 */
#define WINDOW    DB_SQL_WINDOW("e.created_at", "$3", "$4")
#define NO_WINDOW "$3::timestamptz IS NULL AND $4::timestamptz IS NULL"
#define COUNTED_TOTAL                                                                              \
	"(SELECT coalesce(sum(c.n), 0)::bigint FROM event_counts c "                               \
	" WHERE c.project_id = coalesce($2::bigint, 0) AND c.name = coalesce($1::text, ''))"
/* clang-format off */
#define PAGE_SQL(shape, window, total)                                                             \
	"SELECT t.total, page.* "                                                                  \
	"FROM (SELECT " total " AS total, $1::text AS name, $2::bigint AS project_id) t "          \
	"LEFT JOIN LATERAL (SELECT " EVENT_COLUMNS                                                 \
	"                   FROM (SELECT * FROM events e "                                         \
	"                         WHERE " shape " AND " window                                     \
	"                           AND e.id < coalesce($6::bigint, 9223372036854775807) "         \
	"                         ORDER BY e.id DESC " DB_SQL_PAGE("$5") ") e "                    \
	"                   ORDER BY e.id DESC) page ON true"
/* clang-format on */
#define PAGE(shape) PAGE_SQL(shape, NO_WINDOW, COUNTED_TOTAL)
#define PAGE_IN_WINDOW(shape)                                                                      \
	PAGE_SQL(shape, WINDOW, "(SELECT count(*) FROM events e WHERE " shape " AND " WINDOW ")")

/* [in a window][by project][by name] */
static struct db_stmt page_stmts[2][2][2] = {
    {{DB_STMT("events_page_all", PAGE("true"), true),
      DB_STMT("events_page_name", PAGE("e.name = $1"), true)},
     {DB_STMT("events_page_project", PAGE("e.project_id = $2"), true),
      DB_STMT("events_page_project_name", PAGE("e.project_id = $2 AND e.name = $1"), true)}},
    {{DB_STMT("events_window_all", PAGE_IN_WINDOW("true"), true),
      DB_STMT("events_window_name", PAGE_IN_WINDOW("e.name = $1"), true)},
     {DB_STMT("events_window_project", PAGE_IN_WINDOW("e.project_id = $2"), true),
      DB_STMT("events_window_project_name", PAGE_IN_WINDOW("e.project_id = $2 AND e.name = $1"),
              true)}                                                                       },
};

static struct db_stmt get_stmt =
    DB_STMT("events_get", "SELECT 0, " EVENT_COLUMNS " FROM events e WHERE e.id = $1", true);

/*
 * $4 is the whole request body: Postgres takes its "payload" member itself, so the stored
 * payload keeps every digit that was sent (jansson would turn every number into a double); it
 * is stored as jsonb, which normalises spacing and key order. A payload whose stored text is
 * longer than $5 bytes is not inserted. An eventId or Idempotency-Key that a kept event holds
 * makes the insert skip the row (the trigger of the events_by_month migration, waiting like a
 * unique index for a concurrent holder to finish): it is a retry, resolved by existing_stmt.
 * One row: 0 the payload's size as stored, 1.. the new event (NULL when none was inserted).
 * Not retry_safe: without a key, running it twice would store the event twice.
 */
/* clang-format off */
static struct db_stmt insert_stmt = DB_STMT("events_insert",
	"WITH b AS (SELECT $4::jsonb -> 'payload' AS payload), "
	"s AS (SELECT octet_length(b.payload::text) AS size FROM b), "
	"i AS (INSERT INTO events AS e (event_id, idempotency_key, name, payload) "
	"      SELECT $1::uuid, $2::text, $3::text, b.payload FROM b, s WHERE s.size <= $5::int "
	"      RETURNING " EVENT_COLUMNS ") "
	"SELECT s.size, i.* FROM s LEFT JOIN i ON true",
	false);
/* clang-format on */

/* The events holding the keys, each found in its own partition by its key's row. */
static struct db_stmt existing_stmt =
    DB_STMT("events_existing",
            "SELECT e.name = $3::text AND e.payload = ($4::jsonb -> 'payload'), " EVENT_COLUMNS " "
            "FROM event_keys k JOIN events e ON e.id = k.id AND e.created_at = k.created_at "
            "WHERE k.event_id = $1::uuid OR k.idempotency_key = $2::text "
            "ORDER BY e.id",
            true);

/* Reads the event at columns col (id) and col + 1 (its JSON) of a row; false when NULL. */
static bool event_read(struct arena *a, const PGresult *res, int row, int col,
                       struct event_row *out)
{
	if (db_isnull(res, row, col))
		return false;
	out->id = db_int64(res, row, col);
	out->json = db_arena_str(a, res, row, col + 1);
	return true;
}

/* Reads the event a statement must have returned at col of its first row. */
static enum err event_expected(struct arena *a, const PGresult *res, int col, struct event_row *out)
{
	if (db_ntuples(res) > 0 && event_read(a, res, 0, col, out))
		return ERR_OK;
	log_error("an event statement returned no event");
	return ERR_INTERNAL;
}

enum err db_events_insert(struct db *db, struct arena *a, const struct event_input *in,
                          const char *body, enum event_stored *outcome, int64_t *size,
                          struct event_row *out)
{
	char max[DB_INT64_LEN];
	const char *params[] = {in->event_id, in->idempotency_key, in->name, body,
	                        db_param_int64(max, EVENT_PAYLOAD_MAX)};
	PGresult *res;
	enum err rc = db_exec(db, &insert_stmt, 5, params, &res, NULL);

	*outcome = EVENT_KEY_TAKEN;
	*size = 0;
	if (rc)
		return rc;
	*size = db_int64(res, 0, 0);
	if (*size > EVENT_PAYLOAD_MAX)
		*outcome = EVENT_TOO_LARGE;
	else if (event_read(a, res, 0, 1, out))
		*outcome = EVENT_STORED;
	db_result_free(res);
	return ERR_OK;
}

enum err db_events_existing(struct db *db, struct arena *a, const struct event_input *in,
                            const char *body, size_t *n, bool *same, struct event_row *out)
{
	const char *params[] = {in->event_id, in->idempotency_key, in->name, body};
	PGresult *res;
	enum err rc = db_exec(db, &existing_stmt, 4, params, &res, NULL);

	*n = 0;
	*same = false;
	if (rc)
		return rc;
	/* A row per event holding a key: 0 whether it is the same event, 1.. the event. */
	*n = (size_t)db_ntuples(res);
	if (*n) {
		*same = db_bool(res, 0, 0);
		rc = event_expected(a, res, 1, out);
	}
	db_result_free(res);
	return rc;
}

enum err db_events_page(struct db *db, struct arena *a, const struct event_filter *f,
                        const char *from, const char *to, int64_t offset, int64_t after,
                        struct event_page *out)
{
	char project[DB_INT64_LEN], off[DB_INT64_LEN], last_id[DB_INT64_LEN];
	const char *params[] = {
	    f->name,
	    f->project_id ? db_param_int64(project, f->project_id) : NULL,
	    from,
	    to,
	    db_param_int64(off, offset),
	    after ? db_param_int64(last_id, after) : NULL,
	};
	struct db_stmt *shape = &page_stmts[from || to][f->project_id != 0][f->name != NULL];
	PGresult *res;
	enum err rc = db_exec(db, shape, 6, params, &res, NULL);

	out->total = 0;
	out->n = 0;
	if (rc)
		return rc;
	/* 0 the total; 1.. the event, NULL in the one row of a page past the end. */
	out->total = db_ntuples(res) ? db_int64(res, 0, 0) : 0;
	for (int i = 0; i < db_ntuples(res) && out->n < PAGE_SIZE; i++)
		out->n += event_read(a, res, i, 1, &out->rows[out->n]);
	db_result_free(res);
	return ERR_OK;
}

enum err db_events_get(struct db *db, struct arena *a, int64_t id, struct event_row *out,
                       bool *found)
{
	char idtext[DB_INT64_LEN];
	const char *params[] = {db_param_int64(idtext, id)};
	PGresult *res;
	enum err rc = db_exec(db, &get_stmt, 1, params, &res, NULL);

	*found = false;
	if (rc)
		return rc;
	if (db_ntuples(res) == 1)
		*found = event_read(a, res, 0, 1, out);
	db_result_free(res);
	return ERR_OK;
}
