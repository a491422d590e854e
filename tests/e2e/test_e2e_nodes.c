/*
 * Several nodes, one Postgres: two complete stacks, each its own lighttpd, both worker pools
 * and a drain worker, its own ports and state directory, started at once with scripts/stack
 * start as make start starts one, on a database of their own in the suite's cluster. Clients
 * send creates (with Idempotency-Keys), webhook walks and events (with Idempotency-Keys) to
 * both. Each node's /metrics counts exactly its own requests, and both drains take events from
 * the one queue. Then every process of one node is killed with SIGKILL in the middle of the
 * load: the other keeps answering, the only requests that fail are the ones the dead node held
 * or was sent afterwards, and a client retries those on the live node with the same key. In
 * the end every accepted create has exactly one event, every step of every walk one, every
 * posted key one event, no event is stored twice and none is left queued or parked. The dead
 * node then starts again from its stale state directory.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "otherdb.h"

enum { A, B, NODES };
/*
 * Clients per node; rounds (a create, its walk, an event) per client: ROUNDS in the first
 * phase; in the second, until the test stops the load (at most KILL_ROUNDS), so that the
 * clients of the killed node are still sending when it dies, however fast the machine is.
 */
enum { WORKERS_PER_NODE = 3, PROJECTS = 6, ROUNDS = 25, KILL_ROUNDS = 2000 };
enum kind { CREATE, WEBHOOK, EVENT, KINDS };

struct node {
	char state[300];                  /* its PANEL_STATE_DIR */
	char project[64], aggregator[64]; /* its base URLs */
	bool killed;                      /* by the test, and not started again */
};

static struct node nodes[NODES];
static struct other_db db;
static char project_auth[300], aggregator_auth[300];
static struct {
	int64_t id;
	char auth[160]; /* Authorization: Bearer <its app secret> */
} projects[PROJECTS];

/* A request as the client saw it. */
struct call {
	int node;
	enum kind kind;
	long status;       /* 0: no answer (refused, reset) */
	bool retry;        /* the same request again, after no answer from the other node */
	double start, end; /* CLOCK_MONOTONIC seconds */
};

/* At most per client: both phases' rounds of five requests, and one retry. */
enum { MAX_CALLS = (ROUNDS + KILL_ROUNDS) * 5 + 2 };

/*
 * One client: its home node, what it sent and what it learnt. The main thread reads node and
 * the calls while the client runs: calls has room for them all (never moves) and ncalls is
 * published after each call is written.
 */
struct client {
	int home, index, phase, rounds;
	int node; /* where it sends now: home, until home stops answering (atomic) */
	struct call calls[MAX_CALLS];
	size_t ncalls;          /* atomic */
	struct buf deployments; /* ids of accepted creates, "1,2,3" */
	struct buf keys;        /* accepted event keys, "'k1','k2'" */
};

static volatile int stop_load;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --- the nodes ------------------------------------------------------------------------- */

static void node_env(int i, char *out, size_t size)
{
	char project_url[512], aggregator_url[512];

	other_conninfo(&db, "panel_project", project_url, sizeof(project_url));
	other_conninfo(&db, "panel_aggregator", aggregator_url, sizeof(aggregator_url));
	snprintf(out, size,
	         "env -u AGGREGATOR_PORT PANEL_STATE_DIR='%s' PROJECT_PORT=0 DATABASE_URL='%s' "
	         "PROJECT_DATABASE_URL='%s' AGGREGATOR_DATABASE_URL='%s' PANEL_SEED=0 "
	         "DRAIN_WORKERS=1 PROJECT_WORKERS=2 PROJECT_READ_WORKERS=1 AGGREGATOR_WORKERS=2",
	         nodes[i].state, db.conninfo, project_url, aggregator_url);
}

/* Reads the ports a started node chose. */
static void node_ports(int i)
{
	char path[400];
	int project = 0, aggregator = 0;

	snprintf(path, sizeof(path), "%s/run/ports", nodes[i].state);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d %d", &project, &aggregator), 2);
	fclose(f);
	snprintf(nodes[i].project, sizeof(nodes[i].project), "http://127.0.0.1:%d", project);
	snprintf(nodes[i].aggregator, sizeof(nodes[i].aggregator), "http://127.0.0.1:%d",
	         aggregator);
}

/* Starts the given nodes at once (each `scripts/stack start`), as separate machines would. */
static void nodes_start(const int *which, int n)
{
	struct buf cmd = BUF_INIT(0);
	char env[2048];

	for (int k = 0; k < n; k++) {
		node_env(which[k], env, sizeof(env));
		buf_printf(&cmd, "(%s scripts/stack start >%s.start.log 2>&1; echo $? >%s.rc) & ",
		           env, nodes[which[k]].state, nodes[which[k]].state);
	}
	buf_puts(&cmd, "wait");
	assert_int_equal(shell("%s", cmd.data), 0);
	buf_free(&cmd);
	for (int k = 0; k < n; k++) {
		int i = which[k];
		if (shell("grep -qx 0 %s.rc", nodes[i].state) != 0) {
			shell("cat %s.start.log >&2", nodes[i].state);
			fail_msg("node %c did not start", 'a' + i);
		}
		node_ports(i);
		nodes[i].killed = false;
	}
}

/*
 * The pids of every process of node i: lighttpd with its workers, and the drain's supervisor
 * with the drain; each group was started in a session of its own (scripts/stack's setsid),
 * whose id is the pid in its file.
 */
static size_t node_pids(int i, pid_t *pids, size_t max)
{
	static const char *const files[] = {"lighttpd.pid", "drain-1.pid"};
	char cmd[600], line[64];
	size_t n = 0;

	for (size_t f = 0; f < 2; f++) {
		snprintf(cmd, sizeof(cmd), "ps -o pid= -s \"$(cat %s/run/%s)\"", nodes[i].state,
		         files[f]);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		while (n < max && fgets(line, sizeof(line), p))
			pids[n++] = (pid_t)strtol(line, NULL, 10);
		pclose(p);
	}
	return n;
}

/* True while pid runs (a zombie no longer does, whether or not anyone reaps it). */
static bool running(pid_t pid)
{
	char path[64], stat[256];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool alive = fgets(stat, sizeof(stat), f) && !strstr(stat, ") Z ");
	fclose(f);
	return alive;
}

/* SIGKILL to every process of node i at once; returns when none is left. */
static void node_kill(int i)
{
	pid_t pids[64];
	size_t n = node_pids(i, pids, 64);

	/* lighttpd, the workers of both pools, the supervisor and the drain. */
	assert_true(n >= 6);
	for (size_t k = 0; k < n; k++)
		kill(pids[k], SIGKILL);
	for (int waited = 0;; waited += 10) {
		size_t alive = 0;
		for (size_t k = 0; k < n; k++)
			alive += running(pids[k]);
		if (!alive)
			break;
		assert_true(waited < 10000);
		usleep(10 * 1000);
	}
	nodes[i].killed = true;
}

static void node_stop(int i)
{
	if (!nodes[i].state[0])
		return;
	if (nodes[i].killed) {
		/* Its pid files name processes that are gone: nothing to stop. */
		shell("rm -f %s/run/*.pid", nodes[i].state);
		return;
	}
	shell("PANEL_STATE_DIR='%s' scripts/stack stop >/dev/null 2>&1", nodes[i].state);
}

/* --- the clients ----------------------------------------------------------------------- */

static void record(struct client *c, const struct call *call)
{
	size_t n = __atomic_load_n(&c->ncalls, __ATOMIC_RELAXED);

	assert_true(n < MAX_CALLS);
	c->calls[n] = *call;
	__atomic_store_n(&c->ncalls, n + 1, __ATOMIC_RELEASE);
}

static size_t calls_of(struct client *c)
{
	return __atomic_load_n(&c->ncalls, __ATOMIC_ACQUIRE);
}

/*
 * Sends a request where the client sends now; when no answer comes from its home node, sends
 * it again to the other one (with the same Idempotency-Key, when it has one) and stays there,
 * as a client behind a load balancer would. Returns the answer (status 0 when none came).
 */
static struct reply request(struct client *c, enum kind kind, const char *path,
                            const char *authorization, const char *body, const char *key)
{
	char header[160];
	const char *extra[] = {key ? header : NULL, NULL};

	if (key)
		snprintf(header, sizeof(header), "Idempotency-Key: %s", key);
	for (bool retry = false;; retry = true) {
		const struct node *n = &nodes[c->node];
		struct call call = {
		    .node = c->node, .kind = kind, .retry = retry, .start = now_s()};
		struct reply r = http_to(kind == EVENT ? n->aggregator : n->project, "POST", path,
		                         authorization, body, extra);
		call.end = now_s();
		call.status = r.status;
		record(c, &call);
		if (r.status || retry || c->node != c->home)
			return r;
		reply_free(&r);
		__atomic_store_n(&c->node, 1 - c->home, __ATOMIC_RELEASE);
	}
}

/* One round: a create, its walk to done, an event. */
static void round_trip(struct client *c, int round)
{
	char path[96], key[96], body[160];
	int p = (c->index + round) % PROJECTS;

	snprintf(key, sizeof(key), "nodes-%d-%d-%d-%d", c->phase, c->home, c->index, round);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", projects[p].id);
	struct reply r = request(c, CREATE, path, project_auth, NULL, key);
	int64_t id = r.status == 201 || r.status == 200
	                 ? json_integer_value(json_object_get(r.json, "id"))
	                 : 0;
	reply_free(&r);
	if (!id)
		return;
	buf_printf(&c->deployments, "%s%" PRId64, c->deployments.len ? "," : "", id);

	static const char *const steps[] = {"building", "deploying", "done"};
	for (size_t s = 0; s < 3; s++) {
		snprintf(body, sizeof(body), "{\"id\": %" PRId64 ", \"status\": \"%s\"}", id,
		         steps[s]);
		r = request(c, WEBHOOK, "/deployment/webhook", projects[p].auth, body, NULL);
		long status = r.status;
		reply_free(&r);
		if (status != 200)
			return;
	}

	snprintf(key, sizeof(key), "nodes-event-%d-%d-%d-%d", c->phase, c->home, c->index, round);
	snprintf(body, sizeof(body),
	         "{\"name\": \"nodes.checked\", \"payload\": {\"projectId\": %" PRId64
	         ", \"deploymentId\": %" PRId64 "}}",
	         projects[p].id, id);
	r = request(c, EVENT, "/events", aggregator_auth, body, key);
	if (r.status == 201 || r.status == 200)
		buf_printf(&c->keys, "%s'%s'", c->keys.len ? "," : "", key);
	reply_free(&r);
}

static void *client_run(void *arg)
{
	struct client *c = arg;

	for (int round = 0; round < c->rounds && !stop_load; round++)
		round_trip(c, round);
	return NULL;
}

static struct client clients[NODES * WORKERS_PER_NODE];
static pthread_t threads[NODES * WORKERS_PER_NODE];

static void load_start(int phase, int rounds)
{
	stop_load = 0;
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++) {
		struct client *c = &clients[i];
		c->home = c->node = i % NODES;
		c->index = i / NODES;
		c->phase = phase;
		c->rounds = rounds;
		assert_int_equal(pthread_create(&threads[i], NULL, client_run, c), 0);
	}
}

/* Waits for the clients to have done their rounds. */
static void load_stop_after_rounds(void)
{
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++)
		pthread_join(threads[i], NULL);
}

static void load_stop(void)
{
	stop_load = 1;
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++)
		pthread_join(threads[i], NULL);
}

/* The answers with status that node gave to requests of kind sent since then (seconds). */
static int64_t answered_since(int node, enum kind kind, long status, double since)
{
	int64_t n = 0;
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++)
		for (size_t k = 0, calls = calls_of(&clients[i]); k < calls; k++) {
			const struct call *call = &clients[i].calls[k];
			n += call->node == node && call->kind == kind && call->status == status &&
			     call->start >= since;
		}
	return n;
}

/* True when every client sends to node now. */
static bool all_moved_to(int node)
{
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++)
		if (__atomic_load_n(&clients[i].node, __ATOMIC_ACQUIRE) != node)
			return false;
	return true;
}

static int64_t answered(int node, enum kind kind, long status)
{
	return answered_since(node, kind, status, 0);
}

/* Requests node i's workers answered, as its /metrics counts them (-1 when absent). */
static int64_t counted(int i, const char *service, const char *route, long status)
{
	char auth[300], series[256];

	snprintf(auth, sizeof(auth), "%s", project_auth);
	struct reply r = http_to(nodes[i].project, "GET", "/metrics", auth, NULL, NULL);
	assert_int_equal(r.status, 200);
	snprintf(series, sizeof(series),
	         "panel_http_requests_total{service=\"%s\",method=\"POST\",route=\"%s\","
	         "status=\"%ld\"} ",
	         service, route, status);
	const char *at = strstr(r.body, series);
	int64_t n = at ? strtoll(at + strlen(series), NULL, 10) : 0;
	reply_free(&r);
	return n;
}

static void assert_metrics_count_own_traffic(int i)
{
	int64_t creates = answered(i, CREATE, 201), walks = answered(i, WEBHOOK, 200),
	        events = answered(i, EVENT, 201);

	assert_true(creates > 0 && walks > 0 && events > 0);
	assert_int_equal(counted(i, "project", "/projects/{project}/deployment", 201), creates);
	assert_int_equal(counted(i, "project", "/projects/{project}/deployment", 200),
	                 answered(i, CREATE, 200));
	assert_int_equal(counted(i, "project", "/deployment/webhook", 200), walks);
	assert_int_equal(counted(i, "aggregator", "/events", 201), events);
	assert_int_equal(counted(i, "aggregator", "/events", 200), answered(i, EVENT, 200));
}

/* Sums the "stored N events" of node i's drain log lines. */
static int64_t drained_by(int i)
{
	char cmd[600], line[64];

	snprintf(cmd, sizeof(cmd),
	         "sed -n 's/.*\"moved [0-9]* queue rows, stored \\([0-9]*\\) events\".*/\\1/p' "
	         "%s/log/drain.log | awk '{ n += $1 } END { print n + 0 }'",
	         nodes[i].state);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	return strtoll(line, NULL, 10);
}

static bool queue_empty(void *unused)
{
	(void)unused;
	return other_int(&db, "SELECT count(*) FROM event_queue") == 0;
}

/* --- the suite ----------------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	const char *dir = getenv("PANEL_STATE_DIR");

	other_open(&db, "e2e_nodes");
	for (int i = 0; i < NODES; i++)
		snprintf(nodes[i].state, sizeof(nodes[i].state), "%s/node-%c", dir, 'a' + i);
	snprintf(project_auth, sizeof(project_auth), "Bearer %s", service_token(PROJECT));
	snprintf(aggregator_auth, sizeof(aggregator_auth), "Bearer %s", service_token(AGGREGATOR));
	nodes_start((const int[]){A, B}, 2);
	assert_int_equal(shell("DATABASE_URL='%s' \"$PANEL_BIN_DIR\"/panelctl seed --projects "
	                       "\"$PANEL_TEST_SEEDS\"/projects.json --users "
	                       "\"$PANEL_TEST_SEEDS\"/users.json >/dev/null",
	                       db.conninfo),
	                 0);
	PGresult *res =
	    other_exec(&db, "SELECT id, app_secret FROM projects ORDER BY id LIMIT %d", PROJECTS);
	assert_int_equal(PQntuples(res), PROJECTS);
	for (int i = 0; i < PROJECTS; i++) {
		projects[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		snprintf(projects[i].auth, sizeof(projects[i].auth), "Bearer %s",
		         PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NODES; i++)
		node_stop(i);
	other_close(&db);
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++) {
		buf_free(&clients[i].deployments);
		buf_free(&clients[i].keys);
	}
	return 0;
}

/* Both nodes serve and count their own traffic; both drains take events from the one queue. */
static void two_nodes_serve_one_database(void **state)
{
	(void)state;

	load_start(1, ROUNDS);
	load_stop_after_rounds();
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++)
		for (size_t k = 0; k < clients[i].ncalls; k++)
			if (clients[i].calls[k].status != 201 && clients[i].calls[k].status != 200)
				fail_msg("client %d, call %zu: node %c answered %ld", i, k,
				         'a' + clients[i].calls[k].node,
				         clients[i].calls[k].status);
	for (int i = 0; i < NODES; i++)
		assert_metrics_count_own_traffic(i);
	assert_true(wait_until(queue_empty, NULL, 30000));
	for (int i = 0; i < NODES; i++)
		if (drained_by(i) == 0)
			fail_msg("the drain of node %c stored no event", 'a' + i);
}

/*
 * Node b dies whole (SIGKILL to each of its processes) under load: a keeps answering, the
 * failures are b's requests in flight or sent afterwards only, their retries on a succeed,
 * and every accepted action has its event exactly once.
 */
static void a_node_killed_under_load_loses_only_its_requests(void **state)
{
	(void)state;

	double started = now_s();
	load_start(2, KILL_ROUNDS);
	/* Mid-load: b has answered some requests of this phase and is answering more. */
	for (int waited = 0; answered_since(B, CREATE, 201, started) < 6; waited += 50) {
		assert_true(waited < 30000);
		usleep(50 * 1000);
	}
	double killed_at = now_s();
	node_kill(B);
	/* Every client of b finds it dead; a goes on serving everyone. */
	for (int waited = 0;
	     !all_moved_to(A) || answered_since(A, CREATE, 201, killed_at) < 2 * WORKERS_PER_NODE;
	     waited += 50) {
		if (waited >= 30000) {
			for (int i = 0; i < NODES * WORKERS_PER_NODE; i++) {
				size_t n = calls_of(&clients[i]);
				const struct call *last = n ? &clients[i].calls[n - 1] : NULL;
				print_message(
				    "client %d (home %c): at %c, %zu calls, last %c %d %ld "
				    "%.3f-%.3f (killed at %.3f)\n",
				    i, 'a' + clients[i].home,
				    'a' + __atomic_load_n(&clients[i].node, __ATOMIC_ACQUIRE), n,
				    last ? 'a' + last->node : '-', last ? (int)last->kind : -1,
				    last ? last->status : -1, last ? last->start : 0,
				    last ? last->end : 0, killed_at);
			}
			fail_msg("the clients did not all move to a, or a answered too few");
		}
		usleep(50 * 1000);
	}
	load_stop();

	int in_flight = 0, after = 0;
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++)
		for (size_t k = 0; k < clients[i].ncalls; k++) {
			const struct call *call = &clients[i].calls[k];
			if (call->status == 200 || call->status == 201)
				continue;
			/* No answer, and only from b once it was being killed. */
			if (call->status != 0 || call->node != B || call->end < killed_at)
				fail_msg("client %d, call %zu: node %c answered %ld", i, k,
				         'a' + call->node, call->status);
			in_flight += call->start < killed_at;
			after += call->start >= killed_at;
		}
	/* At most one request in flight per client of b; each client of b found it dead. */
	assert_true(in_flight <= WORKERS_PER_NODE);
	assert_int_equal(in_flight + after, WORKERS_PER_NODE);
	struct reply r = http_to(nodes[A].project, "GET", "/health", NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	r = http_to(nodes[A].aggregator, "GET", "/health", NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	/* a's /metrics still counts exactly what a answered, the retries included. */
	assert_metrics_count_own_traffic(A);

	/* Every event once: a's drain took over the queue b's drain left. */
	assert_true(wait_until(queue_empty, NULL, 30000));
	struct buf ids = BUF_INIT(0), keys = BUF_INIT(0);
	for (int i = 0; i < NODES * WORKERS_PER_NODE; i++) {
		buf_printf(&ids, "%s%s", ids.len && clients[i].deployments.len ? "," : "",
		           clients[i].deployments.len ? clients[i].deployments.data : "");
		buf_printf(&keys, "%s%s", keys.len && clients[i].keys.len ? "," : "",
		           clients[i].keys.len ? clients[i].keys.data : "");
	}
	int64_t accepted =
	    other_int(&db, "SELECT count(DISTINCT d) FROM unnest('{%s}'::bigint[]) d", ids.data);
	assert_true(accepted > 0);
	/* Each accepted create is a deployment with exactly one created event ... */
	assert_int_equal(other_int(&db,
	                           "SELECT count(*) FROM unnest('{%s}'::bigint[]) a (id) "
	                           "WHERE (SELECT count(*) FROM events e WHERE e.name = "
	                           "'deployment.created' AND e.payload->>'deploymentId' = "
	                           "a.id::text) = 1",
	                           ids.data),
	                 other_int(&db, "SELECT count(*) FROM unnest('{%s}'::bigint[])", ids.data));
	/*
	 * ... and there is no other: a create retried on a after b died is the first one again
	 * (its key), never a second deployment no client heard of ...
	 */
	assert_int_equal(other_int(&db, "SELECT count(*) FROM deployments"), accepted);
	/* ... and each has one event per step it took. */
	assert_int_equal(other_int(&db, "SELECT count(*) FROM events "
	                                "WHERE name = 'deployment.created'"),
	                 accepted);
	assert_int_equal(
	    other_int(&db, "SELECT count(*) FROM deployments d WHERE "
	                   "(SELECT count(*) FROM events e WHERE e.name = 'deployment.created' "
	                   " AND e.payload->>'deploymentId' = d.id::text) <> 1 "
	                   "OR (SELECT count(*) FROM events e "
	                   "    WHERE e.name = 'deployment.status_changed' "
	                   "    AND e.payload->>'deploymentId' = d.id::text) <> "
	                   "   array_position(ARRAY['pending', 'building', 'deploying', 'done'], "
	                   "                  d.status) - 1"),
	    0);
	assert_int_equal(other_int(&db, "SELECT count(*) FROM (SELECT 1 FROM events "
	                                "WHERE name = 'deployment.status_changed' "
	                                "GROUP BY payload->>'deploymentId', payload->>'status' "
	                                "HAVING count(*) > 1) x"),
	                 0);
	assert_int_equal(other_int(&db, "SELECT count(*) FROM (SELECT 1 FROM events "
	                                "WHERE name = 'project.url_assigned' "
	                                "GROUP BY payload->>'projectId' HAVING count(*) > 1) x"),
	                 0);
	/* Each accepted event key is one event; no event is there twice; nothing left over. */
	assert_int_equal(
	    other_int(&db, "SELECT count(*) FROM events WHERE idempotency_key IN (%s)", keys.data),
	    other_int(&db, "SELECT count(*) FROM unnest(ARRAY[%s]::text[])", keys.data));
	assert_int_equal(
	    other_int(&db, "SELECT count(*) FROM events WHERE name = 'nodes.checked'"),
	    other_int(&db, "SELECT count(DISTINCT k) FROM unnest(ARRAY[%s]::text[]) k", keys.data));
	assert_int_equal(other_int(&db, "SELECT count(event_id) - count(DISTINCT event_id) "
	                                "FROM events"),
	                 0);
	assert_int_equal(other_int(&db, "SELECT count(*) FROM events_dead"), 0);
	assert_int_equal(shell("! grep -h 'were stored already' %s/log/drain.log %s/log/drain.log",
	                       nodes[A].state, nodes[B].state),
	                 0);
	buf_free(&ids);
	buf_free(&keys);

	/* The dead node starts again from its state directory, stale pid files and all. */
	nodes_start((const int[]){B}, 1);
	r = http_to(nodes[B].project, "GET", "/projects", project_auth, NULL, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

/*
 * A node whose pools need more connections than the database has free refuses to start, says
 * which settings to change, and leaves nothing running and nothing connected: its workers are
 * never started to find no connection slot left (before the check, start-up failed a minute
 * later with the cause in lighttpd's log only).
 */
static void a_node_the_database_has_no_room_for_refuses_to_start(void **state)
{
	(void)state;
	char env[2048], dir[320];
	int64_t max = other_int(&db, "SELECT current_setting('max_connections')::int");
	static const char workers[] =
	    "SELECT count(*) FROM pg_stat_activity WHERE application_name "
	    "IN ('project-fcgi', 'aggregator-fcgi', 'aggregator-drain')";
	int64_t connected = other_int(&db, "%s", workers);

	/* node_env's other pools hold 4: a read worker, two aggregator workers and a drain. */
	node_env(A, env, sizeof(env));
	snprintf(dir, sizeof(dir), "%s.full", nodes[A].state);
	assert_int_equal(shell("out=$(%s PANEL_STATE_DIR='%s' PROJECT_WORKERS=%" PRId64
	                       " scripts/stack start 2>&1); s=$?; echo \"$out\" >&2; [ $s = 1 ] && "
	                       "echo \"$out\" | grep -q 'the pools need %" PRId64
	                       " database connections (PROJECT_WORKERS %" PRId64 " +.* free of "
	                       "max_connections %" PRId64
	                       ": lower the pools or raise max_connections'",
	                       env, dir, max, max + 4, max, max),
	                 0);
	assert_int_equal(shell("! ls %s/run/*.pid 2>/dev/null", dir), 0);
	assert_int_equal(other_int(&db, "%s", workers), connected);
	shell("rm -rf '%s'", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(two_nodes_serve_one_database),
	    cmocka_unit_test(a_node_killed_under_load_loses_only_its_requests),
	    cmocka_unit_test(a_node_the_database_has_no_room_for_refuses_to_start),
	};
	return cmocka_run_group_tests_name("e2e: two nodes, one database", tests, setup, teardown);
}
