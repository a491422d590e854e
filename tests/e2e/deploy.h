/*
 * Helpers shared by the project service's suites (deployments, webhook, projects, stats):
 * creating deployments, delivering webhooks and reading the events an action wrote. Events are
 * looked up in event_queue and events together, so the checks hold whether or not the drain
 * worker has moved them yet. Header-only (static inline) so that only the suites that include
 * it get it.
 */
#ifndef E2E_DEPLOY_H
#define E2E_DEPLOY_H

#include <inttypes.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* Every event wherever it is now, with its event_id column. */
#define ALL_EVENTS                                                                                 \
	"(SELECT event_id, name, payload FROM event_queue "                                        \
	" UNION ALL SELECT event_id, name, payload FROM events) ev"

/* POST /projects/{id}/deployment with an optional JSON body; asserts 201 and returns the id. */
static inline int64_t deploy(int64_t project_id, const char *body)
{
	char path[64];
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", project_id);
	struct reply r = post(PROJECT, path, body);
	if (r.status != 201)
		fail_msg("POST %s: %ld %s", path, r.status, r.body);
	int64_t id = json_integer_value(json_object_get(r.json, "id"));
	assert_true(id > 0);
	reply_free(&r);
	return id;
}

/* A new project (fixture_project) with one pending deployment; returns the deployment's id. */
static inline int64_t fixture_deployment(struct fixture_project *p)
{
	fixture_project(p);
	return deploy(p->id, NULL);
}

/* POST /deployment/webhook with {"id", "status"} and the given Authorization value. */
static inline struct reply webhook(const char *authorization, int64_t id, const char *status)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"id\": %" PRId64 ", \"status\": \"%s\"}", id, status);
	return http(PROJECT, "POST", "/deployment/webhook", authorization, NULL, body, NULL);
}

/* Delivers a status with the project's secret and asserts 200. */
static inline void move(const struct fixture_project *p, int64_t id, const char *status)
{
	struct reply r = webhook(p->secret, id, status);
	if (r.status != 200)
		fail_msg("webhook %" PRId64 " -> %s: %ld %s", id, status, r.status, r.body);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), status);
	reply_free(&r);
}

/* How many events named name (NULL: any) a deployment has. */
static inline int64_t deployment_events(int64_t deployment_id, const char *name)
{
	return sql_int("SELECT count(*) FROM " ALL_EVENTS " WHERE payload->>'deploymentId' = "
	               "'%" PRId64 "' AND ('%s' = '' OR name = '%s')",
	               deployment_id, name ? name : "", name ? name : "");
}

/* How many events named name (NULL: any) a project has. */
static inline int64_t project_events(int64_t project_id, const char *name)
{
	return sql_int("SELECT count(*) FROM " ALL_EVENTS " WHERE payload->>'projectId' = "
	               "'%" PRId64 "' AND ('%s' = '' OR name = '%s')",
	               project_id, name ? name : "", name ? name : "");
}

/*
 * The only event of that name for a deployment, asserting there is exactly one: its payload
 * (new reference), after checking that the payload's eventId is the row's event_id.
 */
static inline json_t *the_event(int64_t deployment_id, const char *name)
{
	json_t *rows =
	    sql("SELECT event_id::text AS event_id, payload::text AS payload FROM " ALL_EVENTS
	        " WHERE payload->>'deploymentId' = '%" PRId64 "' AND name = '%s'",
	        deployment_id, name);
	if (json_array_size(rows) != 1)
		fail_msg("deployment %" PRId64 ": %zu %s events, expected 1", deployment_id,
		         json_array_size(rows), name);
	json_t *row = json_array_get(rows, 0);
	json_t *payload = json_loads(json_string_value(json_object_get(row, "payload")), 0, NULL);
	assert_non_null(payload);
	assert_string_equal(json_string_value(json_object_get(payload, "eventId")),
	                    json_string_value(json_object_get(row, "event_id")));
	json_decref(rows);
	return payload;
}

/* True when s matches the extended regular expression pattern. */
static inline bool matches(const char *s, const char *pattern)
{
	regex_t re;
	if (!s || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

#define RFC3339_MS "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"
#define UUID_RE    "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
/* A version 7 UUID (RFC 9562): version 7, variant 10. */
#define UUID_V7_RE "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"

/* The string field key of obj (NULL when absent or not a string). */
static inline const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The integer field key of obj (0 when absent). */
static inline int64_t num(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

struct threads {
	pthread_t t[64];
	int n;
};

/* Starts n threads of fn(args + i * size). */
static inline void threads_start(struct threads *ts, int n, void *(*fn)(void *), void *args,
                                 size_t size)
{
	assert_true(n <= 64);
	ts->n = n;
	for (int i = 0; i < n; i++)
		assert_int_equal(
		    pthread_create(&ts->t[i], NULL, fn, (char *)args + (size_t)i * size), 0);
}

static inline void threads_join(struct threads *ts)
{
	for (int i = 0; i < ts->n; i++)
		pthread_join(ts->t[i], NULL);
}

/* Runs n threads of fn(args + i * size) and waits for them all. */
static inline void run_threads(int n, void *(*fn)(void *), void *args, size_t size)
{
	struct threads ts;
	threads_start(&ts, n, fn, args, size);
	threads_join(&ts);
}

/*
 * Forcing a race: lock_hold() opens a transaction on this thread's connection that takes a row
 * lock (lock_sql, a SELECT ... FOR UPDATE); requests started meanwhile read freely but queue up
 * behind the lock inside their writes. lock_release() waits for at least `waiters` backends to
 * wait for a lock (lock_waiters), commits, and returns how many were waiting, so that the
 * writes then run truly concurrently.
 */
static inline void lock_hold(const char *lock_sql)
{
	json_decref(sql("BEGIN"));
	json_decref(sql("%s", lock_sql));
}

/*
 * Waits until at least n backends wait for a lock, and returns how many do: for the first as
 * long as it takes a request to get there (up to a minute, whatever the machine's load), then
 * until the others arrive or the one that has waited longest has waited 2.5 s, by the
 * database's clock: just under the project role's 3 s lock_timeout, past which it would give
 * up (503).
 */
static inline int64_t lock_waiters(int64_t n)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		json_t *rows = sql("SELECT count(*) AS n, coalesce(max(extract(epoch FROM "
		                   "clock_timestamp() - waitstart)) * 1000, 0)::bigint AS longest "
		                   "FROM pg_locks WHERE NOT granted");
		int64_t count = strtoll(str(json_array_get(rows, 0), "n"), NULL, 10);
		int64_t longest = strtoll(str(json_array_get(rows, 0), "longest"), NULL, 10);
		json_decref(rows);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (count >= n || (count > 0 && longest >= 2500) ||
		    (count == 0 && now.tv_sec - start.tv_sec >= 60))
			return count;
		usleep(10 * 1000);
	}
}

static inline int64_t lock_release(int64_t waiters)
{
	int64_t n = lock_waiters(waiters);
	json_decref(sql("COMMIT"));
	return n;
}

/* lock_hold() of the row of table (projects or deployments) with that id. */
static inline void lock_hold_row(const char *table, int64_t id)
{
	json_decref(sql("BEGIN"));
	json_decref(sql("SELECT 1 FROM %s WHERE id = %" PRId64 " FOR UPDATE", table, id));
}

/*
 * A race at one row: runs n threads of fn(args + i * size) while the row of table with that id
 * is held, lets it go once at least two of them wait behind it, and waits for them all.
 */
static inline void race_at_row(const char *table, int64_t id, int n, void *(*fn)(void *),
                               void *args, size_t size)
{
	struct threads ts;
	lock_hold_row(table, id);
	threads_start(&ts, n, fn, args, size);
	assert_true(lock_release(2) >= 2);
	threads_join(&ts);
}

#endif
