/*
 * Connection management, lazy statement preparation and SQLSTATE mapping over libpq. Holds no
 * SQL of the services: they pass their statements in.
 */
#include "db_query.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mem.h"
#include "parse.h"

static const struct {
	const char *prefix; /* a full SQLSTATE or its two-character class */
	enum err err;
} sqlstate_table[] = {
    {"08",    ERR_UNAVAILABLE}, /* connection exception */
    {"53",    ERR_UNAVAILABLE}, /* insufficient resources */
    {"57P01", ERR_UNAVAILABLE}, /* admin shutdown: the backend was terminated */
    {"57P02", ERR_UNAVAILABLE}, /* crash shutdown */
    {"57P03", ERR_UNAVAILABLE}, /* cannot connect now: starting up */
    {"57014", ERR_UNAVAILABLE}, /* statement_timeout */
    {"55P03", ERR_UNAVAILABLE}, /* lock_timeout */
    {"25P03", ERR_UNAVAILABLE}, /* idle_in_transaction_session_timeout */
    {"40001", ERR_UNAVAILABLE}, /* serialization failure: safe to retry */
    {"40P01", ERR_UNAVAILABLE}, /* deadlock detected: safe to retry */
    {"23505", ERR_CONFLICT   }, /* unique violation */
    {"23503", ERR_CONFLICT   }, /* foreign key violation */
    {"23514", ERR_BAD_REQUEST}, /* check violation */
    {"22",    ERR_BAD_REQUEST}, /* data exception */
};

enum err db_sqlstate_err(const char *sqlstate)
{
	if (!sqlstate || !*sqlstate)
		return ERR_UNAVAILABLE;
	for (size_t i = 0; i < sizeof(sqlstate_table) / sizeof(sqlstate_table[0]); i++)
		if (strncmp(sqlstate, sqlstate_table[i].prefix, strlen(sqlstate_table[i].prefix)) ==
		    0)
			return sqlstate_table[i].err;
	return ERR_INTERNAL;
}

void db_close(struct db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
}

/* True when the connection is known dead; reads what the server may have sent while idle. */
static bool conn_dead(PGconn *conn)
{
	if (!conn)
		return true;
	if (PQstatus(conn) != CONNECTION_OK)
		return true;
	/*
	 * A terminated backend leaves its FATAL message and then EOF on the socket. One read may
	 * take only the message (libpq reports it as a notice), so read while the socket stays
	 * readable, a few times at most, until the EOF shows. An idle connection that is fine has
	 * nothing to read: one poll() tells, where a read first cost a second system call on
	 * every statement.
	 */
	for (int i = 0; i < 4; i++) {
		struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};
		if (poll(&p, 1, 0) <= 0)
			break;
		if (!PQconsumeInput(conn))
			return true;
	}
	return PQstatus(conn) != CONNECTION_OK;
}

/*
 * A service's connection must be its own role's and nothing more: logged in as db->role (the
 * server reports the session's user), never as a superuser. A URL that names the owner is
 * refused here rather than served with the owner's rights.
 */
static enum err check_session(struct db *db)
{
	const char *user = PQparameterStatus(db->conn, "session_authorization");
	const char *super = PQparameterStatus(db->conn, "is_superuser");

	if (!db->role)
		return ERR_OK;
	if (!user || strcmp(user, db->role) != 0 || !super || strcmp(super, "off") != 0) {
		log_error("database: logged in as %s%s, not as %s; refusing this connection",
		          user ? user : "an unknown user",
		          super && strcmp(super, "off") != 0 ? " (a superuser)" : "", db->role);
		return ERR_UNAVAILABLE;
	}
	return ERR_OK;
}

/* Server notices (NOTICE, WARNING) go to the log instead of raw stderr. */
static void on_notice(void *arg, const PGresult *res)
{
	(void)arg;
	log_debug("database notice: %s", PQresultErrorMessage(res));
}

enum err db_connect(struct db *db)
{
	/* UTC and ISO: the timestamps' text that db_time_api() reads, whatever the server says. */
	static const char *const keys[] = {"dbname", "connect_timeout", "application_name",
	                                   "options", NULL};
	const char *values[] = {db->url, "3", db->app_name ? db->app_name : "panel",
	                        "-c TimeZone=UTC -c DateStyle=ISO", NULL};

	if (!conn_dead(db->conn))
		return ERR_OK;
	db_close(db);
	db->conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_error("database: connection failed: %s", PQerrorMessage(db->conn));
		db_close(db);
		return ERR_UNAVAILABLE;
	}
	PQsetNoticeReceiver(db->conn, on_notice, NULL);
	enum err rc = check_session(db);
	if (rc) {
		db_close(db);
		return rc;
	}
	db->gen++;
	return ERR_OK;
}

bool db_wait_ready(const struct db *db, int seconds)
{
	static const char *const keys[] = {"dbname", "connect_timeout", NULL};
	const char *values[] = {db->url, "3", NULL};
	struct timespec start, now, pause = {.tv_nsec = 500 * 1000 * 1000};

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (bool told = false;; told = true) {
		PGPing ping = PQpingParams(keys, values, 1);
		if (ping == PQPING_OK || ping == PQPING_NO_ATTEMPT)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (long)seconds * 1000)
			return false;
		if (!told)
			log_info("database: %s; waiting up to %d s for it",
			         ping == PQPING_REJECT ? "starting up" : "not answering", seconds);
		nanosleep(&pause, NULL);
	}
}

static enum err result_err(PGresult *res, const char *what, char sqlstate[6])
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	enum err rc = db_sqlstate_err(state);

	if (sqlstate)
		snprintf(sqlstate, 6, "%s", state ? state : "");
	if (rc == ERR_CONFLICT || rc == ERR_BAD_REQUEST)
		log_info("database: %s: %s %s", what, state ? state : "",
		         PQresultErrorMessage(res));
	else
		log_error("database: %s: %s %s", what, state ? state : "",
		          res ? PQresultErrorMessage(res) : "no result");
	return rc;
}

static bool result_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

static enum err prepare(struct db *db, struct db_stmt *stmt, char sqlstate[6])
{
	if (stmt->prepared_gen == db->gen)
		return ERR_OK;
	PGresult *res = PQprepare(db->conn, stmt->name, stmt->sql, 0, NULL);
	if (!result_ok(res)) {
		enum err rc = result_err(res, stmt->name, sqlstate);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	stmt->prepared_gen = db->gen;
	return ERR_OK;
}

enum err db_exec(struct db *db, struct db_stmt *stmt, int nparams, const char *const *params,
                 PGresult **out, char sqlstate[6])
{
	*out = NULL;
	if (sqlstate)
		sqlstate[0] = '\0';
	for (int attempt = 0;; attempt++) {
		/*
		 * A statement that may run twice, outside a transaction, skips db_connect()'s poll
		 * for a dead connection: on a dead one it fails and runs again on a new connection
		 * (below), so that poll would only cost every such statement a system call.
		 */
		bool unchecked = attempt == 0 && stmt->retry_safe && db->conn &&
		                 PQstatus(db->conn) == CONNECTION_OK &&
		                 PQtransactionStatus(db->conn) == PQTRANS_IDLE;
		enum err rc = unchecked ? ERR_OK : db_connect(db);
		if (rc)
			return rc;
		rc = prepare(db, stmt, sqlstate);
		if (!rc) {
			PGresult *res =
			    PQexecPrepared(db->conn, stmt->name, nparams, params, NULL, NULL, 0);
			if (result_ok(res)) {
				*out = res;
				return ERR_OK;
			}
			rc = result_err(res, stmt->name, sqlstate);
			PQclear(res);
		}
		/* A lost connection is retried once, and only where running twice is harmless. */
		if (rc != ERR_UNAVAILABLE || PQstatus(db->conn) == CONNECTION_OK ||
		    !stmt->retry_safe || attempt > 0)
			return rc;
		log_warn("database: connection lost during %s; retrying on a new one", stmt->name);
	}
}

/* Describes a failed result in errbuf when the caller asked, else logs it; returns its outcome. */
static enum err report(PGresult *res, const char *what, char *errbuf, size_t errbuf_size)
{
	if (!errbuf || !errbuf_size)
		return result_err(res, what, NULL);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	if (!primary)
		primary = res ? PQresultErrorMessage(res) : "no result";
	snprintf(errbuf, errbuf_size, "%s%s%s", primary, detail ? " " : "", detail ? detail : "");
	return db_sqlstate_err(state);
}

enum err db_exec_script(struct db *db, const char *sql, char *errbuf, size_t errbuf_size)
{
	enum err rc = db_connect(db);
	if (rc)
		return rc;
	PGresult *res = PQexec(db->conn, sql);
	if (!result_ok(res))
		rc = report(res, "script", errbuf, errbuf_size);
	PQclear(res);
	return rc;
}

enum err db_query(struct db *db, const char *sql, int nparams, const char *const *params,
                  PGresult **out, char *errbuf, size_t errbuf_size)
{
	enum err rc = db_connect(db);

	*out = NULL;
	if (rc)
		return rc;
	PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (result_ok(res)) {
		*out = res;
		return ERR_OK;
	}
	rc = report(res, "query", errbuf, errbuf_size);
	PQclear(res);
	return rc;
}

enum err db_run(struct db *db, struct db_stmt *stmt, int nparams, const char *const *params,
                char sqlstate[6])
{
	PGresult *res;
	enum err rc = db_exec(db, stmt, nparams, params, &res, sqlstate);

	PQclear(res);
	return rc;
}

bool db_url_credentials(const char *url, char *user, size_t user_size, char *password,
                        size_t password_size)
{
	char *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &errmsg);

	PQfreemem(errmsg);
	if (!opts)
		return false;
	user[0] = password[0] = '\0';
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val && strcmp(o->keyword, "user") == 0)
			snprintf(user, user_size, "%s", o->val);
		else if (o->val && strcmp(o->keyword, "password") == 0)
			snprintf(password, password_size, "%s", o->val);
	}
	PQconninfoFree(opts);
	return true;
}

enum err db_set_password(struct db *db, const char *role, const char *password, char *errbuf,
                         size_t errbuf_size)
{
	enum err rc = db_connect(db);
	if (rc)
		return rc;
	/* The verifier is computed here, as the server's password_encryption says. */
	char *verifier = PQencryptPasswordConn(db->conn, password, role, NULL);
	char *ident = PQescapeIdentifier(db->conn, role, strlen(role));
	char *literal = verifier ? PQescapeLiteral(db->conn, verifier, strlen(verifier)) : NULL;
	char sql[1024];

	if (!verifier || !ident || !literal ||
	    snprintf(sql, sizeof(sql), "ALTER ROLE %s PASSWORD %s", ident, literal) >=
	        (int)sizeof(sql)) {
		snprintf(errbuf, errbuf_size, "%s", PQerrorMessage(db->conn));
		rc = ERR_INTERNAL;
	} else {
		rc = db_exec_script(db, sql, errbuf, errbuf_size);
	}
	PQfreemem(literal);
	PQfreemem(ident);
	PQfreemem(verifier);
	return rc;
}

enum err db_ping(struct db *db)
{
	static struct db_stmt ping_stmt = DB_STMT("ping", "SELECT 1", true);
	return db_run(db, &ping_stmt, 0, NULL, NULL);
}

void db_result_free(PGresult *res)
{
	PQclear(res);
}

const char *db_param_int64(char buf[DB_INT64_LEN], int64_t v)
{
	snprintf(buf, DB_INT64_LEN, "%lld", (long long)v);
	return buf;
}

bool db_isnull(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col);
}

const char *db_str(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

const char *db_arena_str(struct arena *a, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return arena_strndup(a, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

int64_t db_int64(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* n digits at s, as a number; -1 when one is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool db_time_api(const char *text, char out[DB_TIME_LEN], int64_t *usec)
{
	/* "YYYY-MM-DD HH:MM:SS", then ".f" to ".ffffff" or nothing, then "+00". */
	if (strlen(text) < sizeof("YYYY-MM-DD HH:MM:SS+00") - 1)
		return false;
	int y = digits(text, 4), mo = digits(text + 5, 2), d = digits(text + 8, 2);
	int h = digits(text + 11, 2), mi = digits(text + 14, 2), s = digits(text + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 60 || text[4] != '-' || text[7] != '-' || text[10] != ' ' ||
	    text[13] != ':' || text[16] != ':')
		return false;
	const char *p = text + 19;
	int64_t micros = 0;
	int n = 0;
	if (*p == '.') {
		for (p++; n < 6 && *p >= '0' && *p <= '9'; p++, n++)
			micros = micros * 10 + (*p - '0');
		if (n == 0)
			return false;
		for (int i = n; i < 6; i++)
			micros *= 10;
	}
	if (strcmp(p, "+00") != 0)
		return false;
	int ms = (int)(micros / 1000);
	memcpy(out, text, 19);
	out[10] = 'T';
	memcpy(out + 19,
	       (char[]){'.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10),
	                (char)('0' + ms % 10), 'Z', '\0'},
	       6);
	if (usec)
		*usec = ((parse_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * INT64_C(60000000) +
		        s * INT64_C(1000000) + micros;
	return true;
}

enum err db_arena_time(struct arena *a, const PGresult *res, int row, int col, const char **out,
                       int64_t *usec)
{
	char api[DB_TIME_LEN];

	*out = NULL;
	if (usec)
		*usec = 0;
	if (PQgetisnull(res, row, col))
		return ERR_OK;
	const char *text = PQgetvalue(res, row, col);
	if (!db_time_api(text, api, usec)) {
		log_error("unexpected timestamp '%.40s'", text);
		return ERR_INTERNAL;
	}
	*out = arena_strndup(a, api, DB_TIME_LEN - 1);
	return ERR_OK;
}

double db_double(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtod(PQgetvalue(res, row, col), NULL);
}

bool db_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

int db_ntuples(const PGresult *res)
{
	return PQntuples(res);
}

long db_rows_affected(const PGresult *res)
{
	return strtol(PQcmdTuples((PGresult *)res), NULL, 10);
}
