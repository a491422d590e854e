/*
 * make soak: mixed traffic for SOAK_SECONDS (default 600) on a throwaway stack (run through
 * tests/e2e/run), every answer the expected one, then every accepted action's event in the
 * aggregator exactly once. Then a Postgres restart under the same traffic: the services serve
 * again by themselves, at 90 % or more of their throughput before it.
 *
 * Each thread walks deployments of its own project (create, read, webhook or cancel, list,
 * post an event, read the feed), so every answer is predictable: anything else is a failure.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "deploy.h"
#include "keepalive.h"

enum { THREADS = 8 };

/* Actions accepted (each owes events) and answers seen, by one thread. */
struct counts {
	long requests, failed, unavailable;
	long created, changed, cancelled, posted;
	char failure[256];
};

struct walker {
	struct fixture_project project;
	struct counts counts;
	volatile int *stop;
	pthread_t thread;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sends one request and files its answer: expected, a clean 503, or a failure. */
static bool expect(struct walker *w, CURL *c, struct buf *out, long want, enum service svc,
                   const char *method, const char *path, const char *auth, const char *json)
{
	struct counts *n = &w->counts;
	long status = keepalive_request(c, svc, method, path, auth, json, out);

	n->requests++;
	if (status == want)
		return true;
	if (status == 503 && strstr(out->data, "\"ServiceUnavailable\"")) {
		n->unavailable++;
		return false;
	}
	n->failed++;
	snprintf(n->failure, sizeof(n->failure), "%s %s -> %ld (want %ld) %.120s", method, path,
	         status, want, out->data);
	return false;
}

/* The id in an answer's JSON body (0 when absent). */
static int64_t answer_id(const struct buf *out)
{
	const char *p = strstr(out->data, "\"id\":");
	return p ? strtoll(p + 5, NULL, 10) : 0;
}

static void *walk(void *arg)
{
	struct walker *w = arg;
	struct counts *n = &w->counts;
	struct buf out = BUF_INIT(0);
	char path[160], body[256], secret[96];
	const char *steps[] = {"building", "deploying"};
	CURL *c = curl_easy_init();
	int64_t pid = w->project.id;

	snprintf(secret, sizeof(secret), "Bearer %s", w->project.secret);
	for (long i = 0; !*w->stop; i++) {
		snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", pid);
		if (!expect(
		        w, c, &out, 201, PROJECT, "POST", path, NULL,
		        "{\"commitSha\": \"5fe1a3c\", \"branch\": \"main\", \"trigger\": \"git\"}"))
			continue;
		n->created++;
		int64_t id = answer_id(&out);

		snprintf(path, sizeof(path), "/projects/%" PRId64, pid);
		expect(w, c, &out, 200, PROJECT, "GET", path, NULL, NULL);
		if (i % 6 == 5) {
			snprintf(path, sizeof(path), "/deployments/%" PRId64 "/cancel", id);
			if (expect(w, c, &out, 200, PROJECT, "POST", path, NULL, NULL))
				n->cancelled++;
		} else {
			for (size_t s = 0; s < 3; s++) {
				const char *status = s < 2        ? steps[s]
				                     : i % 6 == 4 ? "failed"
				                                  : "done";
				snprintf(body, sizeof(body),
				         "{\"id\": %" PRId64 ", \"status\": \"%s\"}", id, status);
				if (!expect(w, c, &out, 200, PROJECT, "POST", "/deployment/webhook",
				            secret, body))
					break;
				n->changed++;
			}
		}
		snprintf(path, sizeof(path),
		         "/deployments?projectId=%" PRId64 "&status=done,failed", pid);
		expect(w, c, &out, 200, PROJECT, "GET", path, NULL, NULL);
		snprintf(body, sizeof(body),
		         "{\"name\": \"soak.note\", \"payload\": {\"projectId\": %" PRId64
		         ", \"n\": %ld}}",
		         pid, i);
		if (expect(w, c, &out, 201, AGGREGATOR, "POST", "/events", NULL, body))
			n->posted++;
		snprintf(path, sizeof(path), "/projects/%" PRId64 "/activity", pid);
		expect(w, c, &out, 200, PROJECT, "GET", path, NULL, NULL);
		snprintf(path, sizeof(path), "/events?projectId=%" PRId64, pid);
		expect(w, c, &out, 200, AGGREGATOR, "GET", path, NULL, NULL);
	}
	curl_easy_cleanup(c);
	buf_free(&out);
	return NULL;
}

struct run {
	struct walker walkers[THREADS];
	volatile int stop;
};

static void run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < THREADS; i++) {
		fixture_project(&r->walkers[i].project);
		r->walkers[i].stop = &r->stop;
		pthread_create(&r->walkers[i].thread, NULL, walk, &r->walkers[i]);
	}
}

static long requests_so_far(const struct run *r)
{
	long sum = 0;
	for (int i = 0; i < THREADS; i++)
		sum += __atomic_load_n(&r->walkers[i].counts.requests, __ATOMIC_RELAXED);
	return sum;
}

static struct counts run_stop(struct run *r)
{
	struct counts sum = {0};
	r->stop = 1;
	for (int i = 0; i < THREADS; i++) {
		const struct counts *n = &r->walkers[i].counts;
		pthread_join(r->walkers[i].thread, NULL);
		sum.requests += n->requests, sum.failed += n->failed;
		sum.unavailable += n->unavailable, sum.created += n->created;
		sum.changed += n->changed, sum.cancelled += n->cancelled, sum.posted += n->posted;
		if (n->failed)
			snprintf(sum.failure, sizeof(sum.failure), "%s", n->failure);
	}
	return sum;
}

/* Requests per second over the next seconds of the run. */
static double throughput(const struct run *r, int seconds)
{
	long before = requests_so_far(r);
	double t0 = now_s();
	sleep((unsigned)seconds);
	return (double)(requests_so_far(r) - before) / (now_s() - t0);
}

/* The soak's projects as an SQL list. */
static const char *project_list(const struct run *r)
{
	static char list[512];
	size_t len = 0;
	for (int i = 0; i < THREADS; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PRId64, i ? "," : "",
		                        r->walkers[i].project.id);
	return list;
}

static bool queue_empty(void *arg)
{
	(void)arg;
	return sql_int("SELECT count(*) FROM event_queue") == 0;
}

/* Stored events of one name for the soak's projects. */
static long stored(const struct run *r, const char *name)
{
	return (long)sql_int("SELECT count(*) FROM events WHERE name = '%s' AND project_id IN (%s)",
	                     name, project_list(r));
}

static void steady_mixed_traffic_loses_nothing(void **state)
{
	(void)state;
	const char *env = getenv("SOAK_SECONDS");
	long seconds = env ? strtol(env, NULL, 10) : 600;
	struct run *r = calloc(1, sizeof(*r));

	printf("soak: %d walkers for %ld s\n", THREADS, seconds);
	run_start(r);
	for (long t = 0; t < seconds; t += 60) {
		int step = seconds - t < 60 ? (int)(seconds - t) : 60;
		printf("soak: %4ld s  %.0f req/s\n", t + step, throughput(r, step));
		fflush(stdout);
	}
	struct counts n = run_stop(r);
	printf("soak: %ld requests, %ld failed; accepted %ld creates, %ld status changes, "
	       "%ld cancels, %ld posted events\n",
	       n.requests, n.failed + n.unavailable, n.created, n.changed, n.cancelled, n.posted);
	if (n.failed || n.unavailable)
		fail_msg("%ld requests failed, %ld were 503, e.g. %s", n.failed, n.unavailable,
		         n.failure);

	/* Every accepted action's event, exactly once, once the queue has drained. */
	assert_true(wait_until(queue_empty, NULL, 120000));
	assert_int_equal(stored(r, "deployment.created"), n.created);
	assert_int_equal(stored(r, "deployment.status_changed"), n.changed);
	assert_int_equal(stored(r, "deployment.cancelled"), n.cancelled);
	assert_int_equal(stored(r, "soak.note"), n.posted);
	assert_int_equal(
	    stored(r, "project.url_assigned"),
	    sql_int("SELECT count(*) FROM projects WHERE url IS NOT NULL AND id IN (%s)",
	            project_list(r)));
	assert_int_equal(sql_int("SELECT count(event_id) - count(DISTINCT event_id) FROM events"),
	                 0);
	assert_int_equal(sql_int("SELECT count(*) FROM events_dead"), 0);
	free(r);
}

static bool serving(void *arg)
{
	struct reply a = get(PROJECT, "/projects"), b = get(AGGREGATOR, "/events");
	bool ok = a.status == 200 && b.status == 200;
	(void)arg;
	reply_free(&a);
	reply_free(&b);
	return ok;
}

static void throughput_recovers_after_a_postgres_restart(void **state)
{
	(void)state;
	struct run *r = calloc(1, sizeof(*r));

	run_start(r);
	sleep(5);
	double before = throughput(r, 30);
	double t0 = now_s();
	assert_int_equal(shell("scripts/pg-cluster restart"), 0);
	assert_true(wait_until(serving, NULL, 30000));
	printf("soak: Postgres restarted; serving again after %.1f s\n", now_s() - t0);
	sleep(5);
	double after = throughput(r, 30);
	struct counts n = run_stop(r);
	printf("soak: throughput %.0f req/s before the restart, %.0f after (%.0f %%); %ld clean "
	       "503s during it\n",
	       before, after, 100 * after / before, n.unavailable);
	if (n.failed)
		fail_msg("%ld answers were neither expected nor a JSON 503, e.g. %s", n.failed,
		         n.failure);
	assert_true(after >= 0.9 * before);
	assert_true(wait_until(queue_empty, NULL, 120000));
	/* Whatever committed has its event: deployments and their deployment.created. */
	assert_int_equal(sql_int("SELECT count(*) FROM deployments d WHERE d.project_id IN (%s) "
	                         "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.name = "
	                         "'deployment.created' AND e.project_id = d.project_id AND "
	                         "(e.payload->>'deploymentId')::bigint = d.id)",
	                         project_list(r)),
	                 0);
	free(r);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(steady_mixed_traffic_loses_nothing),
	    cmocka_unit_test(throughput_recovers_after_a_postgres_restart),
	};
	return cmocka_run_group_tests_name("soak", tests, NULL, NULL);
}
