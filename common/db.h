/*
 * The only generic libpq code: one persistent connection per process, logged in as the
 * process's own role, with statements prepared once per connection (and again after a
 * reconnect), and SQLSTATEs mapped to outcomes in one table. No SQL about projects or events
 * lives here.
 */
#ifndef PANEL_DB_H
#define PANEL_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct pg_conn PGconn;
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

struct db {
	PGconn *conn;         /* NULL until connected */
	const char *url;      /* borrowed: a libpq connection string or URI */
	const char *role;     /* the role it must log in as (a service's); NULL: anyone (tools) */
	const char *app_name; /* application_name, for pg_stat_activity */
	unsigned gen;         /* bumped on every new connection */
};

/*
 * Makes sure db->conn is a live connection: connects (bounded by connect_timeout) when it is
 * not, and refuses (closes) a connection logged in as anyone but db->role or as a superuser.
 * The role's settings (statement_timeout and friends) apply at login (ALTER ROLE ... SET).
 * Returns ERR_OK or ERR_UNAVAILABLE (logged).
 */
enum err db_connect(struct db *db);

/* Closes the connection; the next db_connect() opens a new one. */
void db_close(struct db *db);

/* Proves the database answers (one trivial statement): ERR_OK, or the failure's outcome. */
enum err db_ping(struct db *db);

/*
 * Runs a prepared statement with text parameters (NULL for SQL NULL). On success *out is the
 * result (caller frees with PQclear). A statement marked retry_safe is retried once on a fresh
 * connection when the old one turns out to be dead. Errors are logged with the SQLSTATE and
 * mapped through the SQLSTATE table; *sqlstate (when not NULL) receives it ("" if none).
 */
enum err db_exec(struct db *db, struct db_stmt *stmt, int nparams, const char *const *params,
                 PGresult **out, char sqlstate[6]);

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

/*
 * Copies the user and the password a connection string or URI names into user and password
 * ("" for what it does not name). Returns false when url does not parse.
 */
bool db_url_credentials(const char *url, char *user, size_t user_size, char *password,
                        size_t password_size);

/*
 * Gives role a password, for tools: libpq computes its verifier (SCRAM-SHA-256 unless the
 * server says otherwise), so the password itself never reaches the server or its logs.
 * A failure is described in errbuf.
 */
enum err db_set_password(struct db *db, const char *role, const char *password, char *errbuf,
                         size_t errbuf_size);

/* Frees a result (NULL allowed). */
void db_result_free(PGresult *res);

/* The outcome for a SQLSTATE (NULL or "" meaning the connection was lost). */
enum err db_sqlstate_err(const char *sqlstate);

/* Formats v as a text parameter into buf and returns buf. */
enum { DB_INT64_LEN = 24 };
const char *db_param_int64(char buf[DB_INT64_LEN], int64_t v);

/* Typed column access; values are borrowed from res. */
bool db_isnull(const PGresult *res, int row, int col);
const char *db_str(const PGresult *res, int row, int col); /* NULL for SQL NULL */
int64_t db_int64(const PGresult *res, int row, int col);   /* 0 for SQL NULL */
bool db_bool(const PGresult *res, int row, int col);
int db_ntuples(const PGresult *res);
long db_rows_affected(const PGresult *res); /* of an INSERT, UPDATE or DELETE */

#endif
