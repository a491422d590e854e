/*
 * The SQL of the aggregator's health and metrics answers: the outbox's depth and age, and the
 * event counters kept by the triggers of migrations 0004 and 0006 and by the retention of
 * migration events_by_month (project_id -2: the events it removed, so that "stored" stays a counter).
 */
#include "aggregator.h"
#include "db_query.h"

/*
 * For /health, which needs no token: a bounded count (a scan that stops after the limit) and
 * the age of the queue's first row (one probe of its primary key), never a pass over it all.
 */
/* clang-format off */
static struct db_stmt outbox_health_stmt = DB_STMT("outbox_health",
	"SELECT (SELECT count(*) FROM (SELECT 1 FROM event_queue "
	"                              LIMIT " DB_SQL_STR(OUTBOX_HEALTH_DEPTH_MAX) ") q), "
	"       coalesce((SELECT extract(epoch FROM now() - q.enqueued_at) "
	"                 FROM event_queue q ORDER BY q.id LIMIT 1), 0)",
	true);
/* clang-format on */

enum err db_outbox_health(struct db *db, struct outbox_health *out)
{
	PGresult *res;
	enum err rc = db_exec(db, &outbox_health_stmt, 0, NULL, &res, NULL);

	if (rc)
		return rc;
	out->depth = db_int64(res, 0, 0);
	out->oldest_age = db_double(res, 0, 1);
	db_result_free(res);
	return ERR_OK;
}

static struct db_stmt outbox_stats_stmt =
    DB_STMT("outbox_stats",
            "SELECT q.depth, q.age, "
            "       (SELECT coalesce(sum(n), 0) FROM event_counts WHERE project_id = -1), "
            "       (SELECT coalesce(sum(n), 0) FROM event_counts "
            "        WHERE project_id IN (0, -2) AND name = ''), "
            "       (SELECT count(*) FROM events_dead), "
            "       (SELECT coalesce(sum(n), 0) FROM event_counts WHERE project_id = -2) "
            "FROM (SELECT count(*) AS depth, "
            "             coalesce(extract(epoch FROM now() - min(enqueued_at)), 0) AS age "
            "      FROM event_queue) q",
            true);

enum err db_outbox_stats(struct db *db, struct outbox_stats *out)
{
	PGresult *res;
	enum err rc = db_exec(db, &outbox_stats_stmt, 0, NULL, &res, NULL);

	if (rc)
		return rc;
	out->depth = db_int64(res, 0, 0);
	out->oldest_age = db_double(res, 0, 1);
	out->drained = db_int64(res, 0, 2);
	out->stored = db_int64(res, 0, 3);
	out->dead = db_int64(res, 0, 4);
	out->expired = db_int64(res, 0, 5);
	db_result_free(res);
	return ERR_OK;
}
