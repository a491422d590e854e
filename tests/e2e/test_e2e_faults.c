/*
 * The services under load while things break: Postgres restarts, every service backend is
 * killed, FastCGI workers are killed with SIGKILL. Requests during the trouble get a clean 503
 * (or, for the request a dying worker held, lighttpd's 5xx), never a crash, a hang or a half
 * write; afterwards the services serve again by themselves, and every deployment that exists
 * has exactly one deployment.created event. Reads after their workers' backends were
 * terminated are answered, not refused. Also: a worker's memory stays flat over 100,000
 * requests, and the project's reads and writes have pools of their own (one stopped, the other
 * still answers).
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

enum { LOAD_THREADS = 6 };

/* What one load thread saw. */
struct tally {
	long ok, unavailable, other;
	char other_example[256];
};

struct load;

struct load_thread {
	struct load *load;
	struct tally tally;
	pthread_t thread;
};

struct load {
	int64_t project_id;
	volatile int stop;
	long limit;       /* stop after this many requests in all (0: until told) */
	long write_every; /* one request in this many creates a deployment */
	long sent;
	struct load_thread threads[LOAD_THREADS];
};

/* Creates, reads and lists in a loop, sorting the answers. */
static void *load_run(void *arg)
{
	struct load_thread *self = arg;
	struct load *l = self->load;
	struct tally *t = &self->tally;
	struct buf body = BUF_INIT(0);
	char path[96];
	CURL *c = curl_easy_init();

	for (long i = 0; !l->stop; i++) {
		if (l->limit && __atomic_add_fetch(&l->sent, 1, __ATOMIC_RELAXED) > l->limit)
			break;
		enum service svc = i % 3 == 2 ? AGGREGATOR : PROJECT;
		const char *method = i % 3 == 0 ? "POST" : "GET";
		if (i % 3 == 0)
			snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment",
			         l->project_id);
		else if (i % 3 == 1)
			snprintf(path, sizeof(path), "/projects/%" PRId64, l->project_id);
		else
			snprintf(path, sizeof(path), "/events?projectId=%" PRId64, l->project_id);
		long status = keepalive_request(c, svc, method, path, NULL, NULL, &body);
		if (status == 200 || status == 201) {
			t->ok++;
		} else if (status == 503 && strstr(body.data, "\"name\":\"ServiceUnavailable\"")) {
			t->unavailable++;
		} else {
			t->other++;
			snprintf(t->other_example, sizeof(t->other_example), "%s %s -> %ld %.120s",
			         method, path, status, body.data);
		}
	}
	curl_easy_cleanup(c);
	buf_free(&body);
	return NULL;
}

static void load_start(struct load *l, int64_t project_id, long limit, long write_every)
{
	memset(l, 0, sizeof(*l));
	l->project_id = project_id;
	l->limit = limit;
	l->write_every = write_every;
	for (int i = 0; i < LOAD_THREADS; i++) {
		l->threads[i].load = l;
		pthread_create(&l->threads[i].thread, NULL, load_run, &l->threads[i]);
	}
}

/* Waits for the threads (telling them to stop first unless a limit ends them) and sums up. */
static struct tally load_stop(struct load *l)
{
	struct tally sum = {0};
	if (!l->limit)
		l->stop = 1;
	for (int i = 0; i < LOAD_THREADS; i++) {
		const struct tally *t = &l->threads[i].tally;
		pthread_join(l->threads[i].thread, NULL);
		sum.ok += t->ok;
		sum.unavailable += t->unavailable;
		sum.other += t->other;
		if (t->other)
			snprintf(sum.other_example, sizeof(sum.other_example), "%s",
			         t->other_example);
	}
	return sum;
}

static bool serving(void *arg)
{
	int64_t project_id = *(int64_t *)arg;
	char path[64];
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", project_id);
	struct reply a = post(PROJECT, path, NULL);
	struct reply b = get(AGGREGATOR, "/events");
	bool ok = a.status == 201 && b.status == 200;
	reply_free(&a);
	reply_free(&b);
	return ok;
}

/* Every deployment of the project has exactly one deployment.created event, and no more. */
static void assert_no_half_writes(int64_t project_id)
{
	assert_int_equal(
	    sql_int("SELECT count(*) FROM deployments d LEFT JOIN ("
	            "  SELECT (ev.payload->>'deploymentId')::bigint AS id, count(*) AS n"
	            "  FROM " ALL_EVENTS " WHERE ev.name = 'deployment.created' "
	            "  AND ev.payload->>'projectId' = '%" PRId64 "' GROUP BY 1) e "
	            "ON e.id = d.id WHERE d.project_id = %" PRId64 " AND e.n IS DISTINCT FROM 1",
	            project_id, project_id),
	    0);
	assert_int_equal(
	    sql_int("SELECT count(*) FROM " ALL_EVENTS " WHERE ev.name = "
	            "'deployment.created' AND ev.payload->>'projectId' = '%" PRId64 "'",
	            project_id),
	    sql_int("SELECT count(*) FROM deployments WHERE project_id = %" PRId64, project_id));
}

/* Runs load, breaks something with cmd, and checks the answers and the aftermath. */
static void survive(const char *cmd, bool expect_unavailable)
{
	struct fixture_project p;
	struct load l;

	fixture_project(&p);
	load_start(&l, p.id, 0, 3);
	sleep(2);
	assert_int_equal(shell("%s", cmd), 0);
	sleep(2);
	struct tally t = load_stop(&l);
	if (t.other)
		fail_msg("%ld answers were neither 2xx nor a JSON 503, e.g. %s", t.other,
		         t.other_example);
	assert_true(t.ok > 0);
	if (expect_unavailable)
		assert_true(t.unavailable > 0);
	/* Back by itself, well within 30 s. */
	assert_true(wait_until(serving, &p.id, 30000));
	assert_no_half_writes(p.id);
}

/*
 * A shell command terminating the backends of the programs named in APPS (SQL string literals),
 * as a superuser: the services' backends belong to their own roles, not to the owner.
 */
#define TERMINATE_BACKENDS(apps)                                                                   \
	"psql -qAt \"$(scripts/pg-cluster url postgres)\" -c \"SELECT "                            \
	"count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name IN (" apps  \
	")\" >/dev/null"

static void postgres_restart_under_load(void **state)
{
	(void)state;
	survive("scripts/pg-cluster restart", true);
}

static void every_service_backend_killed_under_load(void **state)
{
	(void)state;
	survive(TERMINATE_BACKENDS("'project-fcgi', 'aggregator-fcgi'"), false);
}

/* True once the project's workers (both pools) have no backend left. */
static bool project_backends_gone(void *arg)
{
	(void)arg;
	return sql_int("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
	               "'project-fcgi'") == 0;
}

/*
 * Reads whose workers' backends were terminated while idle are answered, not refused: a read
 * does not look for a dead connection before its statement (db_exec), so its statement fails
 * on the dead one and runs again on a new connection. The backends are gone before the reads.
 */
static void reads_after_their_backends_were_terminated(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[64];

	fixture_project(&p);
	snprintf(path, sizeof(path), "/projects/%" PRId64, p.id);
	for (int i = 0; i < 10; i++) {
		struct reply r = get(PROJECT, path);
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	assert_int_equal(shell(TERMINATE_BACKENDS("'project-fcgi'")), 0);
	assert_true(wait_until(project_backends_gone, NULL, 30000));
	for (int i = 0; i < 10; i++) {
		struct reply r = get(PROJECT, path);
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
}

/* pgrep/pkill arguments that select this stack's project workers (lighttpd's children). */
#define PROJECT_WORKERS "-P \"$(cat \"$PANEL_STATE_DIR\"/run/lighttpd.pid)\" -f '/project-fcgi$'"

/* How many project workers this stack's lighttpd runs. */
static int worker_count(void)
{
	char line[32] = "";
	FILE *f = popen("pgrep -c " PROJECT_WORKERS, "r");
	assert_non_null(f);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	pclose(f);
	return (int)strtol(line, NULL, 10);
}

static bool workers_back(void *arg)
{
	return worker_count() == *(int *)arg;
}

/* SIGKILLed workers: lighttpd starts new ones; only the requests they held fail. */
static void workers_killed_under_load(void **state)
{
	(void)state;
	struct fixture_project p;
	struct load l;
	int workers = worker_count();

	assert_true(workers > 0);
	fixture_project(&p);
	load_start(&l, p.id, 0, 3);
	for (int i = 0; i < 5; i++) {
		usleep(400 * 1000);
		assert_int_equal(
		    shell("pkill -KILL -o -f \"^$PANEL_STATE_DIR/app/bin/project-fcgi$\""), 0);
	}
	sleep(1);
	struct tally t = load_stop(&l);
	/*
	 * Only the requests the killed workers held failed: the one each was answering, and those
	 * lighttpd had already queued on its socket (it spreads six clients over four workers, so
	 * up to two) or sent to it in the instant before it noticed the death.
	 */
	if (t.other + t.unavailable > 3 * 5)
		fail_msg("%ld failures for 5 killed workers (%ld JSON 503s), e.g. %s",
		         t.other + t.unavailable, t.unavailable, t.other_example);
	assert_true(t.ok > 100);
	assert_true(wait_until(workers_back, &workers, 30000));
	assert_true(wait_until(serving, &p.id, 30000));
	assert_no_half_writes(p.id);
}

/*
 * Sends SIGSTOP or SIGCONT to the workers of one project pool of this stack: the project
 * workers whose listening socket (their fd 0, as FastCGI hands it) is one of the pool's
 * (srv/project.sock-N for writes, srv/project-read.sock-N for GET and HEAD), found in
 * /proc/net/unix by its inode. Nonzero when the pool has no worker.
 */
static int pool_signal(const char *pool, const char *sig)
{
	return shell("pids=; for p in $(pgrep " PROJECT_WORKERS "); do "
	             "i=$(readlink /proc/$p/fd/0 | tr -dc 0-9); "
	             "awk -v i=\"$i\" -v s=\"$PANEL_STATE_DIR/srv/%s.sock-\" "
	             "'$7 == i && index($8, s) == 1 { f = 1 } END { exit !f }' /proc/net/unix && "
	             "pids=\"$pids $p\"; done; [ -n \"$pids\" ] && kill -%s $pids",
	             pool, sig);
}

/* curl's exit status for one request with a 3 s limit (28: no answer in time). */
static int request_within_3s(const char *method, const char *path)
{
	return shell("curl -s -o /dev/null --max-time 3 -X %s -H 'Authorization: Bearer %s' "
	             "-H 'Content-Type: application/json' %s '%s%s'",
	             method, service_token(PROJECT), strcmp(method, "POST") == 0 ? "-d '{}'" : "",
	             service_url(PROJECT), path);
}

/*
 * GET and HEAD go to the project's read pool, every other method to its write pool: with either
 * pool stopped, the other one's requests are still answered, and its own wait.
 */
static void reads_and_writes_have_their_own_pools(void **state)
{
	(void)state;
	struct fixture_project p;
	char get_path[64], create_path[64];

	fixture_project(&p);
	snprintf(get_path, sizeof(get_path), "/projects/%" PRId64, p.id);
	snprintf(create_path, sizeof(create_path), "/projects/%" PRId64 "/deployment", p.id);

	assert_int_equal(pool_signal("project-read", "STOP"), 0);
	struct reply created = post(PROJECT, create_path, NULL);
	int read_waited = request_within_3s("GET", get_path);
	assert_int_equal(pool_signal("project-read", "CONT"), 0);
	assert_int_equal(created.status, 201);
	assert_int_equal(read_waited, 28);
	reply_free(&created);

	assert_int_equal(pool_signal("project", "STOP"), 0);
	struct reply read = get(PROJECT, get_path);
	int create_waited = request_within_3s("POST", create_path);
	assert_int_equal(pool_signal("project", "CONT"), 0);
	assert_int_equal(read.status, 200);
	assert_int_equal(create_waited, 28);
	reply_free(&read);

	/* The create that waited is answered once its pool runs again, with its one event. */
	assert_true(wait_until(serving, &p.id, 30000));
	assert_no_half_writes(p.id);
}

/* Resident memory of every worker of this stack's lighttpd, in KiB, by pid order. */
static size_t worker_rss(long *kib, size_t max)
{
	char line[256];
	size_t n = 0;
	FILE *f = popen("for p in $(pgrep -P \"$(cat \"$PANEL_STATE_DIR\"/run/lighttpd.pid)\" "
	                "-f -- '-fcgi$' | sort -n); do awk '/^Rss:/ {print $2}' "
	                "/proc/$p/smaps_rollup; done",
	                "r");
	assert_non_null(f);
	while (n < max && fgets(line, sizeof(line), f))
		kib[n++] = strtol(line, NULL, 10);
	pclose(f);
	return n;
}

/* A long-running worker's memory stays flat: 100,000 more requests add nothing to speak of. */
static void worker_memory_stays_flat(void **state)
{
	(void)state;
	struct fixture_project p;
	struct load l;
	long before[64], after[64];

	/* Sanitized binaries run the same, on fewer requests: they are several times slower. */
	const char *sanitized = getenv("PANEL_SANITIZED");
	bool plain = !sanitized || !*sanitized;
	long requests = plain ? 100000 : 20000;

	fixture_project(&p);
	load_start(&l, p.id, 10000, 10);
	struct tally t = load_stop(&l);
	assert_int_equal(t.other + t.unavailable, 0);
	size_t n = worker_rss(before, 64);
	assert_true(n > 0);

	load_start(&l, p.id, requests, 10);
	t = load_stop(&l);
	assert_int_equal(t.other + t.unavailable, 0);
	assert_int_equal(t.ok, requests);
	assert_int_equal(worker_rss(after, 64), n);
	for (size_t i = 0; i < n; i++) {
		printf("worker %zu: %ld KiB -> %ld KiB\n", i, before[i], after[i]);
		/* Sanitizers hold freed memory in quarantine; the plain build must stay flat. */
		if (plain)
			assert_true(after[i] - before[i] < 512);
	}
	assert_no_half_writes(p.id);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(postgres_restart_under_load),
	    cmocka_unit_test(every_service_backend_killed_under_load),
	    cmocka_unit_test(reads_after_their_backends_were_terminated),
	    cmocka_unit_test(workers_killed_under_load),
	    cmocka_unit_test(reads_and_writes_have_their_own_pools),
	    cmocka_unit_test(worker_memory_stays_flat),
	};
	return cmocka_run_group_tests_name("e2e: faults under load", tests, NULL, NULL);
}
