/*
 * A database of a suite's own in the stack's cluster, beside the one the stack serves: made by
 * the cluster's superuser for the schema's owner, reached with libpq as the owner (or, as the
 * embedded cluster allows whoever runs the stack, as any role), dropped at the end. For the
 * suites that migrate a database under an older schema or start stacks of their own on it.
 * Header-only (static inline), like outbox.h.
 */
#ifndef E2E_OTHERDB_H
#define E2E_OTHERDB_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "client.h"

struct other_db {
	PGconn *conn;       /* as the owner */
	char name[64];      /* the database's */
	char conninfo[512]; /* the owner's, for panelctl, pg_dump and stacks */
};

/*
 * A connection to database dbname (NULL: the suite's) of the suite's cluster, as user (NULL:
 * the owner).
 */
static inline PGconn *connect_to(const char *dbname, const char *user)
{
	const char *keys[] = {"dbname", dbname ? "dbname" : "user", dbname && user ? "user" : NULL,
	                      NULL};
	const char *values[] = {getenv("DATABASE_URL"), dbname ? dbname : user, user, NULL};
	PGconn *c = PQconnectdbParams(keys, values, 1);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connecting to %s as %s: %s", dbname ? dbname : "the suite's database",
		         user ? user : "the owner", PQerrorMessage(c));
	return c;
}

/* Runs SQL on the other database, asserting success; the result is the caller's (PQclear). */
static inline PGresult *other_exec(struct other_db *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline PGresult *other_vexec(struct other_db *o, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static inline PGresult *other_vexec(struct other_db *o, const char *fmt, va_list ap)
{
	char *query;

	assert_true(vasprintf(&query, fmt, ap) >= 0);
	PGresult *res = PQexec(o->conn, query);
	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s\n%s", o->name, PQresultErrorMessage(res), query);
	free(query);
	return res;
}

static inline PGresult *other_exec(struct other_db *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	PGresult *res = other_vexec(o, fmt, ap);
	va_end(ap);
	return res;
}

/* The first value of the first row ("" for none), into out. */
static inline const char *other_value(struct other_db *o, char *out, size_t size, const char *query)
{
	PGresult *res = other_exec(o, "%s", query);
	snprintf(out, size, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return out;
}

/* The first value of the first row as an integer (asserting there is one). */
static inline int64_t other_int(struct other_db *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline int64_t other_int(struct other_db *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	PGresult *res = other_vexec(o, fmt, ap);
	va_end(ap);
	if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
		fail_msg("%s: no value", o->name);
	int64_t v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

/* The conninfo of the other database as role (NULL: the owner). */
static inline const char *other_conninfo(struct other_db *o, const char *role, char *out,
                                         size_t size)
{
	snprintf(out, size, "host=%s port=%s user=%s dbname=%s", PQhost(o->conn), PQport(o->conn),
	         role ? role : PQuser(o->conn), o->name);
	return out;
}

/* Creates an empty database named prefix_PID owned by the suite's owner, and connects. */
static inline void other_open(struct other_db *o, const char *prefix)
{
	char owner[64], q[256];
	json_t *rows = sql("SELECT current_user::text AS u");

	snprintf(o->name, sizeof(o->name), "%s_%ld", prefix, (long)getpid());
	snprintf(owner, sizeof(owner), "%s",
	         json_string_value(json_object_get(json_array_get(rows, 0), "u")));
	json_decref(rows);
	/* Creating a database takes the cluster's superuser; the owner migrates it. */
	PGconn *su = connect_to("postgres", "postgres");
	snprintf(q, sizeof(q), "CREATE DATABASE %s OWNER %s", o->name, owner);
	PGresult *res = PQexec(su, q);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(su);
	o->conn = connect_to(o->name, NULL);
	other_conninfo(o, NULL, o->conninfo, sizeof(o->conninfo));
}

/* Drops it, with whatever is still connected to it. */
static inline void other_close(struct other_db *o)
{
	char q[256];

	PQfinish(o->conn);
	PGconn *su = connect_to("postgres", "postgres");
	snprintf(q, sizeof(q), "DROP DATABASE %s WITH (FORCE)", o->name);
	PQclear(PQexec(su, q));
	PQfinish(su);
}

#endif
