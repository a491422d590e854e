/*
 * Running statements and reading their results: for common/db.c and the db_*.c files of each
 * program alone (make lint checks), so that no handler ever holds a PGresult or a column
 * number. Those files turn results into typed rows, copying text into the request's arena, and
 * free every result themselves.
 */
#ifndef PANEL_DB_QUERY_H
#define PANEL_DB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "page.h"

struct arena;
typedef struct pg_result PGresult;

/* A named statement; statements are static and prepared lazily on each new connection. */
struct db_stmt {
	const char *name;
	const char *sql;
	bool retry_safe;       /* a read, or a write that is harmless to run twice */
	unsigned prepared_gen; /* managed by db.c */
};

/*
 * The SQL starts with a comment naming the statement, so pg_stat_statements, pg_stat_activity
 * and the server log say which statement it is (make bench reads its SQL back from there).
 * name and sql must be string literals.
 */
#define DB_STMT(name, sql, retry_safe)                                                             \
	{                                                                                          \
		name, "/* " name " */ " sql, retry_safe, 0                                         \
	}

/*
 * SQL the lists of both services share. DB_SQL_WINDOW is the window [from, to) of a page_query
 * (page.h) on the timestamp column col, with the parameters that carry its bounds (NULL: open);
 * DB_SQL_PAGE the page's rows after skipping the parameter offset.
 */
#define DB_SQL_WINDOW(col, from, to)                                                               \
	col " >= coalesce(" from "::timestamptz, '-infinity') AND " col " < coalesce(" to          \
	    "::timestamptz, 'infinity')"
#define DB_SQL_STR_(x)      #x
#define DB_SQL_STR(x)       DB_SQL_STR_(x)
#define DB_SQL_PAGE(offset) "LIMIT " DB_SQL_STR(PAGE_SIZE) " OFFSET " offset

/*
 * Runs a prepared statement with text parameters (NULL for SQL NULL). On success *out is the
 * result (caller frees with db_result_free). A statement marked retry_safe is retried once on a
 * fresh connection when the old one turns out to be dead. Errors are logged with the SQLSTATE
 * and mapped through the SQLSTATE table; *sqlstate (when not NULL) receives it ("" if none).
 */
enum err db_exec(struct db *db, struct db_stmt *stmt, int nparams, const char *const *params,
                 PGresult **out, char sqlstate[6]);

/* db_exec() for a statement whose result is not needed. */
enum err db_run(struct db *db, struct db_stmt *stmt, int nparams, const char *const *params,
                char sqlstate[6]);

/*
 * Runs SQL text as a simple query (several statements allowed); for tools, not for requests.
 * With errbuf, a failure is described there instead of being logged.
 */
enum err db_exec_script(struct db *db, const char *sql, char *errbuf, size_t errbuf_size);

/*
 * Runs one SQL statement with text parameters without preparing it; for tools and one-off
 * queries. Same contract as db_exec, without retry. With errbuf, a failure is described there
 * instead of being logged.
 */
enum err db_query(struct db *db, const char *sql, int nparams, const char *const *params,
                  PGresult **out, char *errbuf, size_t errbuf_size);

/* Frees a result (NULL allowed). */
void db_result_free(PGresult *res);

/* Formats v as a text parameter into buf and returns buf. */
enum { DB_INT64_LEN = 24 };
const char *db_param_int64(char buf[DB_INT64_LEN], int64_t v);

/* Typed column access; strings are borrowed from res unless said otherwise. */
bool db_isnull(const PGresult *res, int row, int col);
const char *db_str(const PGresult *res, int row, int col); /* NULL for SQL NULL */
/* A copy of the column owned by the arena, so it outlives res; NULL for SQL NULL. */
const char *db_arena_str(struct arena *a, const PGresult *res, int row, int col);
int64_t db_int64(const PGresult *res, int row, int col); /* 0 for SQL NULL */

/*
 * Timestamps. Every connection runs with TimeZone UTC and DateStyle ISO (db_connect), so a
 * timestamptz column is text like "2023-06-22 06:02:08.597123+00" (the fraction's trailing
 * zeros dropped, no fraction at all on a whole second). db_time_api() turns that into the
 * API's form, RFC 3339 UTC with milliseconds, truncated ("2023-06-22T06:02:08.597Z": what
 * to_char() wrote in api_time(), at a tenth of its cost in the server) and gives the
 * microseconds since the epoch; false for any other text (a year of other than four digits,
 * BC, infinity), which the API never stores.
 */
enum { DB_TIME_LEN = 25 };
bool db_time_api(const char *text, char out[DB_TIME_LEN], int64_t *usec);
/*
 * db_time_api() of a column, copied into the arena (NULL for SQL NULL, *usec then 0; usec may
 * be NULL). ERR_INTERNAL, logged, for text it does not take.
 */
enum err db_arena_time(struct arena *a, const PGresult *res, int row, int col, const char **out,
                       int64_t *usec);
double db_double(const PGresult *res, int row, int col); /* 0 for SQL NULL */
bool db_bool(const PGresult *res, int row, int col);
int db_ntuples(const PGresult *res);
long db_rows_affected(const PGresult *res); /* of an INSERT, UPDATE or DELETE */

#endif
