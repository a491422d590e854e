/*
 * The SQL of events. Lists read their total from the event_counts counters in the same
 * statement as the page (an exact count(*) only under a time window, which no counter covers),
 * and every filter shape has its own statement, served by an index of
 * migrations/0002_events.up.sql.
 */
#include <libpq-fe.h>

#include "aggregator.h"

/*
 * The columns db_event_row() reads, after one leading column of each statement's own: the id,
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
 * 0 standing for any), or an exact count under a window. The eight events of the page are
 * chosen first and only they are rendered. Row t also names the filters with their types, for
 * the shapes that do not use them otherwise.
 */
#define WINDOW                                                                                     \
	"e.created_at >= coalesce($3::timestamptz, '-infinity') "                                  \
	"AND e.created_at < coalesce($4::timestamptz, 'infinity')"
#define NO_WINDOW "$3::timestamptz IS NULL AND $4::timestamptz IS NULL"
#define COUNTED_TOTAL                                                                              \
	"(SELECT coalesce(sum(c.n), 0)::bigint FROM event_counts c "                               \
	" WHERE c.project_id = coalesce($2::bigint, 0) AND c.name = coalesce($1::text, ''))"
#define PAGE_SQL(shape, window, total)                                                             \
	"SELECT t.total, page.* "                                                                  \
	"FROM (SELECT " total " AS total, $1::text AS name, $2::bigint AS project_id) t "          \
	"LEFT JOIN LATERAL (SELECT " EVENT_COLUMNS                                                 \
	"                   FROM (SELECT * FROM events e "                                         \
	"                         WHERE " shape " AND " window                                     \
	"                           AND e.id < coalesce($6::bigint, 9223372036854775807) "         \
	"                         ORDER BY e.id DESC LIMIT 8 OFFSET $5) e "                        \
	"                   ORDER BY e.id DESC) page ON true"
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

enum err db_events_page(struct db *db, const struct event_filter *f, int64_t offset, int64_t after,
                        PGresult **res)
{
	char project[DB_INT64_LEN], off[DB_INT64_LEN], last_id[DB_INT64_LEN];
	const char *params[] = {
	    f->name,
	    f->project_id ? db_param_int64(project, f->project_id) : NULL,
	    f->from,
	    f->to,
	    db_param_int64(off, offset),
	    after ? db_param_int64(last_id, after) : NULL,
	};
	struct db_stmt *shape = &page_stmts[f->from || f->to][f->project_id != 0][f->name != NULL];
	return db_exec(db, shape, 6, params, res, NULL);
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
	out->json = db_str(res, row, 2);
	return true;
}

int64_t db_events_total(const PGresult *res)
{
	return PQntuples(res) ? db_int64(res, 0, 0) : 0;
}
