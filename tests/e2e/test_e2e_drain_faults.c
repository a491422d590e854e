/*
 * Fault tests of the drain worker and the aggregator's FastCGI workers: SIGKILL storms on the
 * drain workers while events are enqueued (new ones, and again ones kept in an older month's
 * partition, which must not be stored twice), a Postgres restart in the middle of a drain, a
 * Postgres outage seen by the FastCGI workers (a clean 503, then 200 once it is back), and
 * SIGTERM in the middle of a drain (exit 0). After each, every enqueued event is in events
 * exactly once. The suite runs from the repository root (tests/e2e/run), so scripts/ is at hand.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "outbox.h"

static int setup(void **state)
{
	(void)state;
	outbox_init();
	return 0;
}

struct poster {
	char body[160];
	long status;
};

static void *post_event(void *arg)
{
	struct poster *p = arg;
	struct reply r = post(AGGREGATOR, "/events", p->body);
	p->status = r.status;
	reply_free(&r);
	return NULL;
}

/*
 * Creates (not retried by the database layer, unlike reads) sent at once, so that every worker
 * of the pool answers one, each on whatever connection it held through the outage.
 */
static void concurrent_creates_succeed(void)
{
	enum { N = 8 };
	static int created;
	struct poster posters[N];
	pthread_t threads[N];

	for (int i = 0; i < N; i++) {
		/* Not unique(): its few buffers hold the names the calling test still uses. */
		snprintf(posters[i].body, sizeof(posters[i].body),
		         "{\"name\": \"create-after-outage-%ld-%d\", \"payload\": {}}",
		         (long)getpid(), created++);
		assert_int_equal(pthread_create(&threads[i], NULL, post_event, &posters[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < N; i++)
		if (posters[i].status != 201)
			fail_msg("create %d after Postgres came back: %ld", i, posters[i].status);
}

/*
 * 10,000 events enqueued in 25 small transactions at random intervals and one of 5,000, while
 * the drain workers are killed with SIGKILL at random moments, at least twelve times in all
 * (each comes back a second later through scripts/supervise). With them, 2,000 events that
 * were stored 45 days ago (another month's partition than the one new events go to) are
 * enqueued again, as a producer retrying would: their eventIds are kept, so none is stored
 * twice (the events_by_month migration: event_keys).
 */
static void sigkill_storm_loses_and_duplicates_nothing(void **state)
{
	(void)state;
	const char *name = unique("storm"), *again = unique("stored-before");
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	int kills = 0, tries = 0;

	assert_int_equal(shell("t=$(psql -qAtX \"$DATABASE_URL\" -c \"SELECT now() - interval "
	                       "'45 days'\") && \"$PANEL_BIN_DIR\"/panelctl maintain --now \"$t\" "
	                       ">/dev/null"),
	                 0);
	store_before(again, 2000, "now() - interval '45 days'");
	wait_for_drains();
	for (int chunk = 0; chunk < 25; chunk++) {
		enqueue(name, 200);
		requeue(again, chunk * 80, 80);
		usleep(1000 * (20 + rand_r(&seed) % 150));
		if (rand_r(&seed) % 2 && signal_drain(1 + (int)(rand_r(&seed) % 2), "KILL"))
			kills++;
	}
	enqueue(name, 5000);
	usleep(1000 * (rand_r(&seed) % 40));
	for (int i = 1; i <= 2; i++)
		kills += signal_drain(i, "KILL");
	while (kills < 12) {
		usleep(1000 * (100 + rand_r(&seed) % 400));
		kills += signal_drain(1 + (int)(rand_r(&seed) % 2), "KILL");
		assert_true(++tries < 400);
	}
	print_message("drain workers killed %d times\n", kills);

	assert_true(all_drained(name, OUTBOX_LONG_DEADLINE_MS));
	assert_int_equal(assert_exactly_once(name), 10000);
	assert_true(all_drained(again, OUTBOX_LONG_DEADLINE_MS));
	assert_int_equal(assert_stored_before_only(again, "now() - interval '40 days'"), 2000);
	assert_true(drain_log_count("aggregator-drain exited with status 137") >= 12);
	wait_for_drains();
}

/* Postgres restarted while a backlog drains: the workers reconnect by themselves. */
static void a_postgres_restart_mid_drain_loses_nothing(void **state)
{
	(void)state;
	const char *name = unique("restart"), *after = unique("after-restart");

	wait_for_drains();
	enqueue(name, 30000);
	assert_true(queued_count(name) > 0); /* the restart lands in the middle of the drain */
	assert_int_equal(shell("scripts/pg-cluster restart"), 0);
	reconnect_sql();
	concurrent_creates_succeed();

	enqueue(after, 100);
	assert_true(all_drained(name, OUTBOX_LONG_DEADLINE_MS));
	assert_true(all_drained(after, OUTBOX_DEADLINE_MS));
	assert_int_equal(assert_exactly_once(name), 30000);
	assert_int_equal(assert_exactly_once(after), 100);
	wait_for_drains();
}

static void assert_unavailable(struct reply *r)
{
	assert_error(r, 503, "ServiceUnavailable");
	assert_string_equal(reply_header(r, "Content-Type"), "application/json");
	reply_free(r);
}

/*
 * Postgres down: every aggregator answer is a clean 503 JSON (on both ports); back up: the
 * next requests answer 200 on the workers' new connections, and the drain resumes.
 */
static void fastcgi_workers_answer_503_during_an_outage_then_recover(void **state)
{
	(void)state;
	const char *name = unique("after-outage");
	char body[128];

	wait_for_drains();
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": {}}", unique("outage"));
	assert_int_equal(shell("scripts/pg-cluster stop"), 0);
	for (int i = 0; i < 4; i++) {
		struct reply r = get(AGGREGATOR, "/events");
		assert_unavailable(&r);
		r = get(AGGREGATOR, "/events/1");
		assert_unavailable(&r);
		r = post(AGGREGATOR, "/events", body);
		assert_unavailable(&r);
		r = get(PROJECT, "/projects/1/activity");
		assert_unavailable(&r);
	}
	struct reply r = http(AGGREGATOR, "GET", "/health", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 503);
	assert_string_equal(json_string_value(json_object_get(r.json, "database")), "down");
	reply_free(&r);

	assert_int_equal(shell("scripts/pg-cluster start"), 0);
	reconnect_sql();
	concurrent_creates_succeed();
	for (int i = 0; i < 6; i++) {
		r = get(AGGREGATOR, "/events");
		if (r.status != 200)
			fail_msg("request %d after the restart: %ld %s", i, r.status, r.body);
		reply_free(&r);
		r = get(PROJECT, "/projects/1/activity");
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	r = post(AGGREGATOR, "/events", body);
	assert_int_equal(r.status, 201);
	reply_free(&r);

	enqueue(name, 100);
	assert_true(all_drained(name, OUTBOX_LONG_DEADLINE_MS));
	assert_int_equal(assert_exactly_once(name), 100);
	wait_for_drains();
}

/* SIGTERM while a backlog drains: each worker finishes or rolls back its batch, exits 0. */
static void sigterm_mid_drain_exits_cleanly(void **state)
{
	(void)state;
	const char *name = unique("sigterm");
	int64_t clean = drain_log_count("aggregator-drain exited with status 0;");
	int64_t stopped = drain_log_count("\"msg\":\"stopped\"");

	wait_for_drains();
	enqueue(name, 20000);
	assert_true(signal_drain(1, "TERM"));
	assert_true(signal_drain(2, "TERM"));
	for (int waited = 0; drain_log_count("aggregator-drain exited with status 0;") < clean + 2;
	     waited += 50) {
		assert_true(waited < OUTBOX_DEADLINE_MS);
		usleep(50 * 1000);
	}
	assert_true(drain_log_count("\"msg\":\"stopped\"") >= stopped + 2);

	assert_true(all_drained(name, OUTBOX_LONG_DEADLINE_MS));
	assert_int_equal(assert_exactly_once(name), 20000);
	wait_for_drains();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sigkill_storm_loses_and_duplicates_nothing),
	    cmocka_unit_test(a_postgres_restart_mid_drain_loses_nothing),
	    cmocka_unit_test(fastcgi_workers_answer_503_during_an_outage_then_recover),
	    cmocka_unit_test(sigterm_mid_drain_exits_cleanly),
	};
	return cmocka_run_group_tests_name("e2e: drain faults", tests, setup, NULL);
}
