/*
 * A database connection as the rest of the program holds it: one persistent connection per
 * process, logged in as the process's own role, and SQLSTATEs mapped to outcomes in one table.
 * Running statements and reading their results is db_query.h, for the db*.c files alone:
 * nothing else sees a libpq type. No SQL about projects or events lives here.
 */
#ifndef PANEL_DB_H
#define PANEL_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct db {
	struct pg_conn *conn; /* libpq's connection, NULL until connected; for db*.c only */
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
 * Waits up to seconds for the server that db->url names to accept connections: while it does
 * not answer, or answers that it is starting up, it is asked again every half second. Does not
 * log in (wrong credentials are db_connect's to report, at once). Returns false when the time
 * ran out; true when the server is ready or the URL cannot even be tried.
 */
bool db_wait_ready(const struct db *db, int seconds);

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

/* The outcome for a SQLSTATE (NULL or "" meaning the connection was lost). */
enum err db_sqlstate_err(const char *sqlstate);

#endif
