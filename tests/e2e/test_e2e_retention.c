/*
 * Events by month, end to end (the events_by_month migration, panelctl maintain, the
 * drain's hourly run): the migration from the unpartitioned table keeps every event, id and
 * counter and rolls back to the very schema it came from; retention drops whole months, with
 * their keys and their share of the counters, so every X-Total-Count stays exact and a dropped
 * event is 404; the drain runs it as the aggregator's role, one run at a time; and a kept
 * event's eventId stays taken whatever month holds it. Events are placed in old months with
 * created_at set by hand and maintain's clock (--now).
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "otherdb.h"
#include "outbox.h"

/* The advisory lock of events_maintain (one run at a time). */
enum { MAINTAIN_LOCK = 72951012 };

/* Runs panelctl maintain on the suite's database; extra: arguments, or "". */
static int maintain(const char *extra)
{
	return shell("unset EVENTS_RETENTION_DAYS; \"$PANEL_BIN_DIR\"/panelctl maintain %s "
	             ">>\"$PANEL_STATE_DIR\"/log/maintain.log 2>&1",
	             extra);
}

/* A timestamp computed by the database (its clock), as text for --now and for SQL. */
static const char *db_time(char out[64], const char *expr)
{
	json_t *rows = sql("SELECT (%s)::timestamptz::text AS t", expr);
	snprintf(out, 64, "%s", json_string_value(json_object_get(json_array_get(rows, 0), "t")));
	json_decref(rows);
	return out;
}

/* X-Total-Count of GET path on the aggregator. */
static int64_t total(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t total(const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	struct reply r = get(AGGREGATOR, path);
	if (r.status != 200)
		fail_msg("GET %s: %ld %s", path, r.status, r.body);
	int64_t n = strtoll(reply_header(&r, "X-Total-Count"), NULL, 10);
	reply_free(&r);
	return n;
}

/* The status of GET /events/{id} on the aggregator. */
static long event_status(int64_t id)
{
	char path[64];

	snprintf(path, sizeof(path), "/events/%" PRId64, id);
	struct reply r = get(AGGREGATOR, path);
	long status = r.status;
	reply_free(&r);
	return status;
}

/* The value of a metric without labels in the aggregator's /metrics. */
static int64_t metric(const char *name)
{
	struct reply r = get(AGGREGATOR, "/metrics");
	char needle[128];

	assert_int_equal(r.status, 200);
	snprintf(needle, sizeof(needle), "\n%s ", name);
	const char *at = strstr(r.body, needle);
	if (!at)
		fail_msg("no %s in /metrics", name);
	int64_t v = strtoll(at + strlen(needle), NULL, 10);
	reply_free(&r);
	return v;
}

/*
 * Every counter of events (by project and name, the totals over all) against a count of the
 * rows themselves: the number of keys on which they differ.
 */
static int64_t counter_mismatches(void)
{
	return sql_int(
	    "WITH actual AS ("
	    "  SELECT k.project_id, k.name, count(*) AS n FROM events e "
	    "  CROSS JOIN LATERAL (VALUES (0::bigint, ''), (0, e.name), (e.project_id, ''), "
	    "                             (e.project_id, e.name)) k (project_id, name) "
	    "  WHERE k.project_id IS NOT NULL GROUP BY 1, 2), "
	    "counted AS (SELECT project_id, name, sum(n) AS n FROM event_counts "
	    "            WHERE project_id >= 0 GROUP BY 1, 2) "
	    "SELECT count(*) FROM counted c FULL JOIN actual a USING (project_id, name) "
	    "WHERE coalesce(c.n, 0) <> coalesce(a.n, 0)");
}

/*
 * Stores n events of project project named name with created_at = at (SQL) + i seconds, as the
 * drain stores them (an eventId in the column and the payload); returns the smallest id.
 */
static int64_t place(const char *name, int64_t project, const char *at, int n)
{
	return sql_int("WITH x AS (INSERT INTO events (event_id, name, payload, enqueued_at, "
	               "                                 created_at) "
	               "  SELECT u, '%s', jsonb_build_object('eventId', u, 'projectId', %" PRId64
	               ", 'i', i), (%s) + i * interval '1 second', (%s) + i * interval '1 second' "
	               "  FROM (SELECT gen_random_uuid() AS u, i FROM generate_series(1, %d) i) s "
	               "  RETURNING id) SELECT min(id) FROM x",
	               name, project, at, at, n);
}

/* A project id no other test uses (events know projects only by the payload's projectId). */
static int64_t fresh_project(void)
{
	return sql_int("SELECT 7000000000000 + (random() * 1e12)::bigint");
}

static const char *partition_of(char out[64], const char *table, const char *at)
{
	json_t *rows =
	    sql("SELECT '%s_' || to_char((%s) AT TIME ZONE 'UTC', 'YYYY_MM') AS p", table, at);
	snprintf(out, 64, "%s", json_string_value(json_object_get(json_array_get(rows, 0), "p")));
	json_decref(rows);
	return out;
}

static bool exists(const char *table)
{
	return sql_int("SELECT (to_regclass('%s') IS NOT NULL)::int", table) != 0;
}

/* --- the migration, on a database of its own -------------------------------------------- */

/* Digests of everything the migration must keep: rows, ids, counters, the next id. */
struct digest {
	char events[40], counts[40], dead[40], next_id[24];
};

static void digest(struct other_db *o, struct digest *d)
{
	other_value(
	    o, d->events, sizeof(d->events),
	    "SELECT md5(string_agg(concat_ws('|', id, event_id, idempotency_key, name, "
	    "payload, project_id, enqueued_at, created_at), E'\\n' ORDER BY id)) FROM events");
	other_value(o, d->counts, sizeof(d->counts),
	            "SELECT md5(string_agg(concat_ws('|', project_id, name, s), E'\\n' "
	            "                      ORDER BY project_id, name)) "
	            "FROM (SELECT project_id, name, sum(n) s FROM event_counts GROUP BY 1, 2) c");
	other_value(o, d->dead, sizeof(d->dead),
	            "SELECT md5(string_agg(concat_ws('|', queue_id, event_id, name, payload, "
	            "enqueued_at, attempts, last_error, parked_at), E'\\n' ORDER BY queue_id)) "
	            "FROM events_dead");
	other_value(o, d->next_id, sizeof(d->next_id),
	            "SELECT last_value + is_called::int FROM events_id_seq");
}

static void assert_same_digest(const struct digest *a, const struct digest *b)
{
	assert_string_equal(a->events, b->events);
	assert_string_equal(a->counts, b->counts);
	assert_string_equal(a->dead, b->dead);
	assert_string_equal(a->next_id, b->next_id);
}

/* panelctl on the other database; dir: the migrations it reads. */
static int other_panelctl(struct other_db *o, const char *dir, const char *command)
{
	return shell("DATABASE_URL='%s' PANEL_MIGRATIONS='%s' \"$PANEL_BIN_DIR\"/panelctl %s "
	             ">>\"$PANEL_STATE_DIR\"/log/migrate-test.log 2>&1",
	             o->conninfo, dir, command);
}

static void schema_dump(struct other_db *o, const char *file)
{
	/* pg_dump's \restrict lines carry a random key. */
	assert_int_equal(
	    shell("pg_dump --schema-only '%s' | grep -v '^\\\\\\(un\\)\\?restrict' >%s",
	          o->conninfo, file),
	    0);
}

static void the_migration_keeps_every_event_and_id_and_rolls_back(void **state)
{
	(void)state;
	struct other_db o;
	struct digest before, after, back;
	char old_dir[256], dump_old[300], dump_back[300], v[64];
	const char *dir = getenv("PANEL_STATE_DIR");

	/* The migrations before this one: the schema an existing installation has. */
	snprintf(old_dir, sizeof(old_dir), "%s/migrations-before-partitioning", dir);
	assert_int_equal(shell("mkdir -p %s && for f in migrations/*.sql; do "
	                       "case $f in *_events_by_month.*) break;; esac; cp $f %s/; done",
	                       old_dir, old_dir),
	                 0);
	other_open(&o, "e2e_migrate");
	assert_int_equal(other_panelctl(&o, old_dir, "migrate"), 0);
	snprintf(dump_old, sizeof(dump_old), "%s/schema-before.sql", dir);
	schema_dump(&o, dump_old);

	/*
	 * Events of three years, drained and posted, with and without keys, a 19-digit project
	 * id, an id the sequence gave and no row took, and dead letters of two months.
	 */
	PQclear(other_exec(
	    &o, "INSERT INTO events (event_id, name, payload, enqueued_at, created_at) "
	        "SELECT u, 'deployment.' || (ARRAY['created', 'status_changed'])[1 + i %% 2], "
	        "       jsonb_build_object('eventId', u, 'projectId', 1 + i %% 7, 'i', i), "
	        "       now() - i * interval '37 hours' - interval '5 ms', "
	        "       now() - i * interval '37 hours' "
	        "FROM (SELECT gen_random_uuid() AS u, i FROM generate_series(1, 700) i) s"));
	PQclear(other_exec(
	    &o,
	    "INSERT INTO events (event_id, idempotency_key, name, payload, created_at) VALUES "
	    "(NULL, 'key-1', 'billing.paid', '{\"amount\": 12.10}', now() - interval '2 years'), "
	    "(gen_random_uuid(), 'key-2', 'billing.paid', '{\"projectId\": 3}', now()), "
	    "(NULL, NULL, 'signup', '{\"projectId\": 9223372036854775807}', now()), "
	    "(NULL, NULL, 'signup', '{}', now() - interval '1000 days')"));
	PQclear(other_exec(&o, "SELECT nextval('events_id_seq')"));
	PQclear(other_exec(
	    &o,
	    "INSERT INTO events_dead (queue_id, event_id, name, payload, enqueued_at, attempts, "
	    "                         last_error, parked_at) "
	    "SELECT i, gen_random_uuid(), 'x', '[]', now() - i * interval '20 days', 5, "
	    "       '23514: new row violates check constraint', now() - i * interval '20 days' "
	    "FROM generate_series(1, 3) i"));
	digest(&o, &before);

	assert_int_equal(other_panelctl(&o, "migrations", "migrate"), 0);
	digest(&o, &after);
	assert_same_digest(&before, &after);
	/* Each row in its month's partition (none waits in the default one), keys registered. */
	assert_string_equal(other_value(&o, v, sizeof(v),
	                                "SELECT count(*) FROM events_default UNION ALL "
	                                "SELECT count(*) FROM events_dead_default"),
	                    "0");
	assert_string_equal(
	    other_value(&o, v, sizeof(v),
	                "SELECT count(DISTINCT tableoid) = count(DISTINCT month_start(created_at)) "
	                "FROM events"),
	    "t");
	assert_string_equal(other_value(&o, v, sizeof(v), "SELECT count(*) FROM event_keys"),
	                    "702");
	/* The next event takes the id the old table would have given. */
	snprintf(v, sizeof(v), "%s", after.next_id);
	char next[64];
	assert_string_equal(other_value(&o, next, sizeof(next),
	                                "INSERT INTO events (name, payload) "
	                                "VALUES ('after', '{}') RETURNING id"),
	                    v);
	PQclear(other_exec(&o, "DELETE FROM events WHERE name = 'after'; "
	                       "UPDATE event_counts SET n = n - 1 WHERE project_id = 0 "
	                       "AND name IN ('', 'after') AND n > 0; "
	                       "DELETE FROM event_counts WHERE name = 'after' AND n = 0"));

	/* A kept eventId is taken: inserting it again stores nothing. */
	assert_string_equal(other_value(&o, v, sizeof(v),
	                                "WITH i AS (INSERT INTO events (event_id, name, payload) "
	                                "  SELECT event_id, name, payload FROM events "
	                                "  WHERE event_id IS NOT NULL ORDER BY id LIMIT 1 "
	                                "  RETURNING 1) SELECT count(*) FROM i"),
	                    "0");
	/* Back: every migration from this one on, then the very schema and rows of before. */
	for (int i = 0; i < 20; i++) {
		PGresult *res = other_exec(&o, "SELECT count(*) FROM schema_migrations "
		                               "WHERE name = 'events_by_month'");
		bool applied = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
		PQclear(res);
		if (!applied)
			break;
		assert_int_equal(other_panelctl(&o, "migrations", "rollback"), 0);
	}
	snprintf(dump_back, sizeof(dump_back), "%s/schema-back.sql", dir);
	schema_dump(&o, dump_back);
	assert_int_equal(shell("cmp -s %s %s", dump_old, dump_back), 0);
	PQclear(other_exec(&o, "SELECT setval('events_id_seq', %s, false)", before.next_id));
	digest(&o, &back);
	assert_same_digest(&before, &back);
	assert_int_equal(other_panelctl(&o, "migrations", "migrate"), 0);
	other_close(&o);
}

/* --- retention --------------------------------------------------------------------------- */

static void retention_drops_whole_months_and_every_total_stays_exact(void **state)
{
	(void)state;
	const char *name = unique("aged");
	int64_t project = fresh_project();
	char old[64], arg[128], p1[64], p2[64], p3[64];

	/* Two months past any retention of 400 days, with partitions made by maintain's clock. */
	db_time(old, "month_start(now()) - interval '24 months' + interval '1 day'");
	snprintf(arg, sizeof(arg), "--now '%s'", old);
	assert_int_equal(maintain(arg), 0);
	partition_of(p1, "events", "month_start(now()) - interval '24 months'");
	partition_of(p2, "events", "month_start(now()) - interval '23 months'");
	assert_true(exists(p1) && exists(p2));
	int64_t dropped_id = place(name, project, "month_start(now()) - interval '24 months'", 30);
	place(name, project, "month_start(now()) - interval '23 months'", 30);
	/* Older still, where no partition is: the default partition takes them. */
	partition_of(p3, "events", "month_start(now()) - interval '30 months'");
	assert_false(exists(p3));
	place(name, project, "month_start(now()) - interval '30 months'", 10);
	/* Kept: 100 days old (in the default partition until maintain makes its month's). */
	int64_t kept_id = place(name, project, "now() - interval '100 days'", 5);
	char payload[256];
	snprintf(payload, sizeof(payload), "{\"projectId\": %" PRId64 "}", project);
	char body[512];
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": %s}", name, payload);
	for (int i = 0; i < 3; i++) {
		struct reply r = post(AGGREGATOR, "/events", body);
		assert_int_equal(r.status, 201);
		reply_free(&r);
	}

	assert_int_equal(total("/events?projectId=%" PRId64, project), 78);
	assert_int_equal(total("/projects/%" PRId64 "/activity", project), 78);
	assert_int_equal(total("/events?name=%s", name), 78);
	assert_int_equal(event_status(dropped_id), 200);
	int64_t everything = total("/events");
	int64_t stored = metric("panel_events_stored_total");
	int64_t expired = metric("panel_events_expired_total");
	assert_int_equal(counter_mismatches(), 0);
	char dropped_uuid[40], kept_payload[256];
	json_t *rows =
	    sql("SELECT (SELECT event_id::text FROM events WHERE id = %" PRId64 ") AS d, "
	        "       payload::text AS p "
	        "FROM events WHERE id = %" PRId64,
	        dropped_id, kept_id);
	json_t *row = json_array_get(rows, 0);
	snprintf(dropped_uuid, sizeof(dropped_uuid), "%s",
	         json_string_value(json_object_get(row, "d")));
	snprintf(kept_payload, sizeof(kept_payload), "%s",
	         json_string_value(json_object_get(row, "p")));
	json_decref(rows);

	assert_int_equal(maintain(""), 0);

	/* Whole months went, the default partition was emptied into its months. */
	assert_false(exists(p1));
	assert_false(exists(p2));
	assert_false(exists(p3));
	assert_int_equal(sql_int("SELECT count(*) FROM events_default"), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE id = %" PRId64, kept_id), 1);
	/* Every total exact, from the counters. */
	assert_int_equal(total("/events?projectId=%" PRId64, project), 8);
	assert_int_equal(total("/projects/%" PRId64 "/activity", project), 8);
	assert_int_equal(total("/events?name=%s", name), 8);
	assert_int_equal(total("/events"), everything - 70);
	assert_int_equal(total("/events"), sql_int("SELECT count(*) FROM events"));
	assert_int_equal(counter_mismatches(), 0);
	assert_int_equal(event_status(dropped_id), 404);
	assert_int_equal(event_status(kept_id), 200);
	/* Stored stays a counter; the expired ones are counted. */
	assert_int_equal(metric("panel_events_stored_total"), stored);
	assert_int_equal(metric("panel_events_expired_total"), expired + 70);
	/* Their keys went with them: a dropped event's eventId is free again; a kept one's not. */
	assert_int_equal(
	    sql_int("SELECT count(*) FROM event_keys WHERE event_id = '%s'", dropped_uuid), 0);
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": {\"eventId\": \"%s\"}}", name,
	         dropped_uuid);
	struct reply r = post(AGGREGATOR, "/events", body);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": %s}", name, kept_payload);
	r = post(AGGREGATOR, "/events", body);
	assert_int_equal(r.status, 200);
	char location[64];
	snprintf(location, sizeof(location), "/events/%" PRId64, kept_id);
	assert_string_equal(reply_header(&r, "Location"), location);
	reply_free(&r);

	/* Nothing left to do. */
	int64_t n = sql_int("SELECT count(*) FROM events");
	assert_int_equal(maintain(""), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM events"), n);
}

/* --- the drain's run: as the aggregator's role, one at a time ---------------------------- */

static bool partition_gone(void *table)
{
	return !exists(table);
}

/*
 * The drain workers run the maintenance when they start (and hourly): restarted, they drop an
 * expired month, with the recorded retention, through the one function their role may call.
 */
static void the_drain_runs_it_as_its_role(void **state)
{
	(void)state;
	const char *name = unique("drain-aged");
	int64_t project = fresh_project();
	char old[64], arg[128], part[64], line[128];

	db_time(old, "month_start(now()) - interval '20 months' + interval '1 day'");
	snprintf(arg, sizeof(arg), "--now '%s'", old);
	assert_int_equal(maintain(arg), 0);
	partition_of(part, "events", "month_start(now()) - interval '20 months'");
	assert_true(exists(part));
	place(name, project, "month_start(now()) - interval '20 months'", 12);
	assert_int_equal(total("/events?projectId=%" PRId64, project), 12);
	sql_exec("UPDATE events_retention SET maintained_at = NULL");

	wait_for_drains();
	assert_true(signal_drain(1, "TERM"));
	assert_true(signal_drain(2, "TERM"));
	assert_true(wait_until(partition_gone, part, OUTBOX_DEADLINE_MS));
	/* The drain says so once it has committed: its line may come a moment after. */
	snprintf(line, sizeof(line), "events maintenance: dropped %s (12 rows", part);
	for (int waited = 0; drain_log_count(line) == 0; waited += 50) {
		assert_true(waited < OUTBOX_DEADLINE_MS);
		usleep(50 * 1000);
	}
	assert_int_equal(drain_log_count(line), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM events_retention "
	                         "WHERE maintained_at > now() - interval '1 minute'"),
	                 1);
	assert_int_equal(total("/events?projectId=%" PRId64, project), 0);
	assert_int_equal(counter_mismatches(), 0);
	wait_for_drains();
}

static bool file_exists(void *path)
{
	return access(path, F_OK) == 0;
}

static bool panelctl_waits_on_the_lock(void *unused)
{
	(void)unused;
	return sql_int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'panelctl' "
	               "AND wait_event = 'advisory'") == 1;
}

/*
 * A run under way (its lock held here): the aggregator's role gets 'busy' at once from the
 * function the drain calls, a drain that starts meanwhile drains without waiting for it, and
 * panelctl maintain waits for the lock, then runs.
 */
static void one_run_at_a_time(void **state)
{
	(void)state;
	const char *name = unique("while-busy");
	char rc_file[300], lock[64];
	PGconn *holder = PQconnectdb(getenv("DATABASE_URL"));
	PGconn *aggregator = connect_to(NULL, "panel_aggregator");

	assert_int_equal(PQstatus(holder), CONNECTION_OK);
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%d)", MAINTAIN_LOCK);
	PQclear(PQexec(holder, lock));

	/* It must not wait: a run that did would be cut short by this timeout. */
	PGresult *res = PQexec(aggregator, "SET statement_timeout = '5s'; "
	                                   "SELECT action FROM events_maintain_now()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("events_maintain_now(): %s", PQresultErrorMessage(res));
	assert_int_equal(PQntuples(res), 1);
	assert_string_equal(PQgetvalue(res, 0, 0), "busy");
	PQclear(res);
	PQfinish(aggregator);

	int64_t busy = drain_log_count("events maintenance: another run is under way");
	wait_for_drains();
	assert_true(signal_drain(1, "TERM"));
	for (int waited = 0;
	     drain_log_count("events maintenance: another run is under way") <= busy;
	     waited += 50) {
		assert_true(waited < OUTBOX_DEADLINE_MS);
		usleep(50 * 1000);
	}
	enqueue(name, 100);
	assert_true(all_drained(name, OUTBOX_DEADLINE_MS));

	snprintf(rc_file, sizeof(rc_file), "%s/maintain-wait.rc", getenv("PANEL_STATE_DIR"));
	unlink(rc_file);
	assert_int_equal(shell("(unset EVENTS_RETENTION_DAYS; \"$PANEL_BIN_DIR\"/panelctl maintain "
	                       ">>\"$PANEL_STATE_DIR\"/log/maintain.log 2>&1; echo $? >%s) &",
	                       rc_file),
	                 0);
	assert_true(wait_until(panelctl_waits_on_the_lock, NULL, OUTBOX_DEADLINE_MS));
	assert_false(file_exists(rc_file));

	snprintf(lock, sizeof(lock), "SELECT pg_advisory_unlock(%d)", MAINTAIN_LOCK);
	PQclear(PQexec(holder, lock));
	PQfinish(holder);
	assert_true(wait_until(file_exists, rc_file, OUTBOX_DEADLINE_MS));
	assert_int_equal(shell("grep -qx 0 %s", rc_file), 0);
	wait_for_drains();
}

/* --- keys of kept events, in any month ------------------------------------------------- */

struct poster {
	char body[512];
	long status;
	char location[64];
};

static void *post_event(void *arg)
{
	struct poster *p = arg;
	struct reply r = post(AGGREGATOR, "/events", p->body);
	p->status = r.status;
	snprintf(p->location, sizeof(p->location), "%s",
	         reply_header(&r, "Location") ? reply_header(&r, "Location") : "");
	reply_free(&r);
	return NULL;
}

/* body sent by n threads at once; returns how many were answered 201. */
static int post_at_once(const char *body, struct poster *posters, int n)
{
	pthread_t threads[16];
	int created = 0;

	for (int i = 0; i < n; i++) {
		snprintf(posters[i].body, sizeof(posters[i].body), "%s", body);
		assert_int_equal(pthread_create(&threads[i], NULL, post_event, &posters[i]), 0);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(threads[i], NULL);
		if (posters[i].status != 200 && posters[i].status != 201)
			fail_msg("POST /events: %ld", posters[i].status);
		created += posters[i].status == 201;
		assert_string_equal(posters[i].location, posters[0].location);
	}
	return created;
}

/*
 * An event kept in an older month than the current one: posting its eventId again (eight at
 * once) is a retry of it, and queueing it again stores nothing; a new eventId posted eight
 * times at once is one event, whatever the months.
 */
static void a_kept_event_id_is_taken_in_any_month(void **state)
{
	(void)state;
	const char *name = unique("kept");
	int64_t project = fresh_project();
	struct poster posters[8];
	char at[64], arg[128], body[512], location[64];

	db_time(at, "now() - interval '50 days'");
	snprintf(arg, sizeof(arg), "--now '%s'", at);
	assert_int_equal(maintain(arg), 0);
	int64_t id = place(name, project, "now() - interval '50 days'", 1);
	char now_part[64];
	partition_of(now_part, "events", "now()");
	assert_int_equal(sql_int("SELECT (tableoid::regclass::text <> '%s')::int FROM events "
	                         "WHERE id = %" PRId64,
	                         now_part, id),
	                 1);
	json_t *rows = sql("SELECT event_id::text AS u, payload::text AS p FROM events "
	                   "WHERE id = %" PRId64,
	                   id);
	char uuid[40];
	snprintf(uuid, sizeof(uuid), "%s",
	         json_string_value(json_object_get(json_array_get(rows, 0), "u")));
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": %s}", name,
	         json_string_value(json_object_get(json_array_get(rows, 0), "p")));
	json_decref(rows);

	assert_int_equal(post_at_once(body, posters, 8), 0);
	snprintf(location, sizeof(location), "/events/%" PRId64, id);
	assert_string_equal(posters[0].location, location);

	sql_exec("INSERT INTO event_queue (event_id, name, payload) "
	         "SELECT event_id, name, payload FROM events WHERE id = %" PRId64,
	         id);
	assert_drained_once(name, uuid);

	rows = sql("SELECT gen_random_uuid()::text AS u");
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": {\"eventId\": \"%s\"}}", name,
	         json_string_value(json_object_get(json_array_get(rows, 0), "u")));
	json_decref(rows);
	assert_int_equal(post_at_once(body, posters, 8), 1);
	assert_int_equal(total("/events?name=%s", name), 2);
}

static int setup(void **state)
{
	(void)state;
	outbox_init();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_migration_keeps_every_event_and_id_and_rolls_back),
	    cmocka_unit_test(retention_drops_whole_months_and_every_total_stays_exact),
	    cmocka_unit_test(the_drain_runs_it_as_its_role),
	    cmocka_unit_test(one_run_at_a_time),
	    cmocka_unit_test(a_kept_event_id_is_taken_in_any_month),
	};
	return cmocka_run_group_tests_name("e2e: events by month, retention", tests, setup, NULL);
}
