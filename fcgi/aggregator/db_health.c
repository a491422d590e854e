/*
 * The SQL of the aggregator's health answer: the outbox's depth and age.
 */
#include <libpq-fe.h>
#include <stdlib.h>

#include "aggregator.h"

static struct db_stmt queue_stats_stmt =
    DB_STMT("queue_stats",
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(enqueued_at)), 0) "
            "FROM event_queue",
            true);

enum err db_queue_stats(struct db *db, int64_t *depth, double *oldest_age)
{
	PGresult *res;
	enum err rc = db_exec(db, &queue_stats_stmt, 0, NULL, &res, NULL);

	if (rc)
		return rc;
	*depth = db_int64(res, 0, 0);
	*oldest_age = strtod(db_str(res, 0, 1), NULL);
	PQclear(res);
	return ERR_OK;
}
