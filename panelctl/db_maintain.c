/*
 * The SQL of panelctl maintain: one call of events_maintain (the events_by_month migration) as
 * the owner, with the clock and the retention given, waiting for a run under way. What to print
 * is maintain.c.
 */
#include "db_query.h"
#include "panelctl.h"

static const char maintain_sql[] =
    "SELECT action, coalesce(part, ''), coalesce(events, 0) "
    "FROM events_maintain(coalesce($1::timestamptz, now()), $2::integer, true)";

enum err db_maintain(struct db *db, const char *now, long retention_days,
                     void (*report)(const char *action, const char *part, int64_t rows),
                     char *errbuf, size_t size)
{
	char days[DB_INT64_LEN];
	const char *params[] = {now, db_param_int64(days, retention_days)};
	PGresult *res;
	enum err rc = db_query(db, maintain_sql, 2, params, &res, errbuf, size);

	if (rc)
		return rc;
	for (int i = 0; i < db_ntuples(res); i++)
		report(db_str(res, i, 0), db_str(res, i, 1), db_int64(res, i, 2));
	db_result_free(res);
	return ERR_OK;
}
