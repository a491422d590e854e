/*
 * What every end-to-end suite needs: HTTP against the running stack (libcurl), SQL against its
 * database (libpq, as the database owner, to check what was written), and waiting for things
 * that happen asynchronously. tests/e2e/run sets the environment this reads.
 * Every function asserts on infrastructure failures itself, so tests read as what they prove.
 */
#ifndef E2E_CLIENT_H
#define E2E_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs these before its header. */
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

enum service { PROJECT, AGGREGATOR };

struct reply {
	long status;
	char *body; /* NUL-terminated; owned */
	size_t len;
	json_t *json;      /* the parsed body, NULL when it is not JSON; owned */
	json_t *headers;   /* lower-case name → value of the final response; owned */
	const char *error; /* http_to(): why no answer came (status 0); NULL when one did */
};

/* The Authorization value to send: the service's token, none, or a literal header value. */
#define AUTH_TOKEN ((const char *)1) /* "Bearer <the service's token>" */
#define AUTH_NONE  ((const char *)0)

/*
 * Sends one request to a service and returns its answer (free with reply_free). body may be
 * NULL (no body, Content-Length: 0 for POST); content_type NULL means application/json when a
 * body is given. extra is a NULL-terminated list of "Name: value" header lines, or NULL.
 */
struct reply http(enum service svc, const char *method, const char *path, const char *auth,
                  const char *content_type, const char *body, const char *const *extra);

/*
 * The same to any server: base is its URL ("http://127.0.0.1:3000"), authorization the whole
 * Authorization value (NULL for none). A transport failure (refused, reset, timed out) is no
 * test failure here: status 0 and error say what happened, for the suites that kill servers.
 */
struct reply http_to(const char *base, const char *method, const char *path,
                     const char *authorization, const char *body, const char *const *extra);

/* Shorthands with the service's token. */
struct reply get(enum service svc, const char *path);
struct reply post(enum service svc, const char *path, const char *json_body);

void reply_free(struct reply *r);

/* The value of a response header (case-insensitive name), or NULL; owned by the reply. */
const char *reply_header(const struct reply *r, const char *name);

/* Asserts the status and that the body is the contract's error of that name. */
void assert_error(struct reply *r, long status, const char *name);

/* The service's token and base URL. */
const char *service_token(enum service svc);
const char *service_url(enum service svc);

/*
 * SQL as the database owner, on the calling thread's own connection. sql() asserts success
 * and returns the result as a JSON array of row objects (column name → text or null), owned by
 * the caller. sql_int() returns the first column of the first row as an integer (asserting
 * there is one).
 */
json_t *sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t sql_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Closes this thread's connection: a thread that used sql() calls it before it ends. */
void sql_close(void);
/* Runs a statement and returns its SQLSTATE ("" on success): for proving refusals. */
void sql_state(char state[6], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A new project (and owner) made directly in the database; fills id and secret. */
struct fixture_project {
	int64_t id;
	int64_t owner_id;
	char name[96];
	char secret[64];
};
void fixture_project(struct fixture_project *p);

/* The ids of the seeded projects, ascending (the generated seed files; not chosen by tests). */
size_t seeded_project_ids(int64_t *ids, size_t max);

/* Polls cond(arg) every 50 ms until it holds or timeout_ms passes; returns whether it held. */
bool wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

/* Runs a shell command from the repository root; returns its exit status. */
int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A string unique to this process and call, for names and request ids. */
const char *unique(const char *prefix);

#endif
