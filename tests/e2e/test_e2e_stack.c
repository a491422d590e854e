/*
 * The stack runner itself (scripts/stack, what make run is and what the Docker image runs): a
 * Ctrl-C in its terminal stops everything it started, whether it comes once the stack is
 * serving or in the middle of starting it; and a lighttpd that dies, or a worker pool it cannot
 * bring back, ends the runner with status 1 (for a restart policy to start it again) and
 * nothing left behind; and pools larger than 200 connections fit its embedded cluster. Each
 * case runs a second stack of its own (own state directory, cluster and ports) under a
 * pseudo-terminal, and types Ctrl-C as a user would.
 */
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"

struct run {
	pid_t pid; /* the runner; 0 once reaped */
	int pty;
	char state[64];
	int pg_port;      /* the embedded cluster's (it names the socket: no TCP) */
	int status;       /* the runner's wait status, once reaped */
	bool quick_watch; /* the runner checks its pools every second (PANEL_WATCH_SECONDS=1) */
	const char *project_workers; /* PROJECT_WORKERS, with one read worker; NULL: the defaults */
};

static struct run current; /* the case's runner, for the teardown */

/*
 * Starts scripts/stack run in a pseudo-terminal, on a state directory of its own; the runner
 * chooses lighttpd's ports (PROJECT_PORT=0) and writes them to run/ports.
 */
static void run_start(struct run *r)
{
	snprintf(r->state, sizeof(r->state), "/tmp/panel-stack.%ld", (long)getpid());
	r->pg_port = 10000 + (int)(getpid() % 50000);
	assert_int_equal(
	    shell("rm -rf %s && mkdir -p %s && chmod 755 %s", r->state, r->state, r->state), 0);
	r->pid = forkpty(&r->pty, NULL, NULL, NULL);
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		/* A terminal's defaults, whatever this test inherited: a shell that started it in the
		 * background (nohup, &) passes SIGINT, SIGQUIT and SIGHUP ignored, and an ignored
		 * signal can be neither trapped nor reset by the runner. SIGPIPE is this test's own. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		setenv("PANEL_STATE_DIR", r->state, 1);
		char pg_port[16];
		snprintf(pg_port, sizeof(pg_port), "%d", r->pg_port);
		setenv("PROJECT_PORT", "0", 1);
		setenv("PANEL_PG_PORT", pg_port, 1);
		setenv("PANEL_PG_FSYNC", "off", 1);
		unsetenv("DATABASE_URL");
		if (r->quick_watch)
			setenv("PANEL_WATCH_SECONDS", "1", 1);
		if (r->project_workers) {
			setenv("PROJECT_WORKERS", r->project_workers, 1);
			setenv("PROJECT_READ_WORKERS", "1", 1);
		}
		execl("scripts/stack", "scripts/stack", "run", (char *)NULL);
		_exit(127);
	}
}

/*
 * Reads (and drops) what the terminal has shown so far, so the runner never blocks on a full
 * terminal. It returns at once, also once the terminal has hung up (every read fails then):
 * waiting is wait_until's job, which counts time, not calls.
 */
static void drain_pty(const struct run *r)
{
	char buf[4096];
	struct pollfd p = {.fd = r->pty, .events = POLLIN};
	while (poll(&p, 1, 0) > 0 && read(r->pty, buf, sizeof(buf)) > 0)
		;
}

/* The project service's port (or with aggregator, the aggregator's) once chosen, else 0. */
static int port_of(const struct run *r, bool aggregator)
{
	char path[96];
	int ports[2] = {0, 0};
	snprintf(path, sizeof(path), "%s/run/ports", r->state);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d %d", &ports[0], &ports[1]) != 2)
			ports[0] = ports[1] = 0;
		fclose(f);
	}
	return ports[aggregator];
}

static int project_port(const struct run *r)
{
	return port_of(r, false);
}

static bool answers(int port)
{
	return port != 0 && shell("curl -fs -o /dev/null http://127.0.0.1:%d/health", port) == 0;
}

static bool serving(void *arg)
{
	const struct run *r = arg;
	drain_pty(r);
	return answers(project_port(r)) && answers(port_of(r, true));
}

/* The postmaster listens on its socket: the cluster runs (initdb's own backend has none). */
static bool postgres_listening(void *arg)
{
	const struct run *r = arg;
	char sock[128];
	drain_pty(r);
	snprintf(sock, sizeof(sock), "%s/pgsock/.s.PGSQL.%d", r->state, r->pg_port);
	return access(sock, F_OK) == 0;
}

static bool exited(void *arg)
{
	struct run *r = arg;
	drain_pty(r);
	if (waitpid(r->pid, &r->status, WNOHANG) != r->pid)
		return false;
	r->pid = 0;
	return true;
}

/* Checks that the runner exits with want_status and leaves no process and no port behind. */
static void exits_leaving_nothing(struct run *r, int want_status)
{
	/* The terminal hangs up as the runner exits, a moment before it can be reaped. */
	assert_true(wait_until(exited, r, 60000));
	assert_true(WIFEXITED(r->status));
	assert_int_equal(WEXITSTATUS(r->status), want_status);
	close(r->pty);
	r->pty = -1;
	/* No process of this stack: none has its state directory in its environment (lighttpd,
	 * workers, drains) or on its command line (Postgres). */
	if (shell("for p in $(grep -lsa 'PANEL_STATE_DIR=%s' /proc/[0-9]*/environ | cut -d/ -f3); "
	          "do ps -o pid=,args= -p $p; done | grep . >&2",
	          r->state) == 0)
		fail_msg("processes of the stack in %s are left", r->state);
	/* [p]: pgrep's pattern must not match the shell that runs pgrep. */
	if (shell("pgrep -af '[%c]%s' >&2", r->state[0], r->state + 1) == 0)
		fail_msg("processes naming %s are left", r->state);
	assert_false(answers(project_port(r)));
}

/* Types Ctrl-C: the runner stops everything and exits 0. */
static void interrupt_and_check(struct run *r)
{
	assert_int_equal(write(r->pty, "\x03", 1), 1);
	exits_leaving_nothing(r, 0);
}

/* Whatever a failed case left: the runner is killed, its stack stopped, its state removed. */
static int teardown(void **state)
{
	(void)state;
	struct run *r = &current;
	if (r->pid > 0 && (kill(r->pid, SIGTERM) != 0 || !wait_until(exited, r, 60000))) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	if (r->pty >= 0)
		close(r->pty);
	if (r->state[0] != '\0')
		shell("PANEL_STATE_DIR=%s scripts/stack stop >/dev/null 2>&1; rm -rf %s", r->state,
		      r->state);
	*r = (struct run){.pty = -1};
	return 0;
}

static void ctrl_c_once_serving_stops_everything(void **state)
{
	(void)state;
	run_start(&current);
	assert_true(wait_until(serving, &current, 120000));
	interrupt_and_check(&current);
}

static void ctrl_c_during_start_up_stops_what_was_started(void **state)
{
	(void)state;
	run_start(&current);
	/* The cluster is up but lighttpd is not yet: the middle of start-up. (postmaster.pid
	 * would not do: initdb's bootstrap backend writes one too, long before a cluster runs.) */
	assert_true(wait_until(postgres_listening, &current, 120000));
	interrupt_and_check(&current);
}

/* lighttpd killed: the runner stops the rest (the drains, the cluster, the orphaned workers). */
static void lighttpd_dying_ends_run_with_status_1(void **state)
{
	(void)state;
	run_start(&current);
	assert_true(wait_until(serving, &current, 120000));
	assert_int_equal(shell("kill -KILL $(cat %s/run/lighttpd.pid)", current.state), 0);
	exits_leaving_nothing(&current, 1);
}

/*
 * A pool lighttpd cannot bring back (its program gone, its workers killed): lighttpd keeps
 * running and answers 503 itself, so only the runner's check of /health can end it.
 */
static void a_pool_that_cannot_come_back_ends_run(void **state)
{
	(void)state;
	current.quick_watch = true;
	run_start(&current);
	assert_true(wait_until(serving, &current, 120000));
	/* The workers run from the stack's runtime copy of the programs (app/bin). */
	assert_int_equal(
	    shell("rm %s/app/bin/project-fcgi && pkill -KILL -f '^%s/app/bin/project-fcgi'",
	          current.state, current.state),
	    0);
	exits_leaving_nothing(&current, 1);
}

/* restart-web replaces lighttpd under a running runner, which takes the new one as its own. */
static void restart_web_under_run_keeps_serving(void **state)
{
	(void)state;
	run_start(&current);
	assert_true(wait_until(serving, &current, 120000));
	assert_int_equal(
	    shell("env -u DATABASE_URL -u PROJECT_DATABASE_URL -u AGGREGATOR_DATABASE_URL "
	          "PANEL_STATE_DIR=%s PANEL_PG_PORT=%d scripts/stack restart-web "
	          ">/dev/null 2>&1",
	          current.state, current.pg_port),
	    0);
	/* Longer than the runner's grace for a new lighttpd: it is still running, and serving. */
	assert_false(wait_until(exited, &current, 10000));
	assert_true(serving(&current));
	interrupt_and_check(&current);
}

/*
 * The embedded cluster starts with room for the stack's pools beside 200 connections for
 * anything else, so pools past 200 all get theirs and the stack serves (the default pools, 6 a
 * core and 1, would not fit in 200 from 33 cores on; before, such a start failed a minute later
 * with the cause only in lighttpd's log).
 */
static void pools_past_200_connections_each_get_theirs(void **state)
{
	(void)state;
	current.project_workers = "200";
	run_start(&current);
	assert_true(wait_until(serving, &current, 120000));
	assert_int_equal(shell("for _ in $(seq 300); do n=$(PANEL_STATE_DIR=%s PANEL_PG_PORT=%d "
	                       "scripts/pg-cluster psql -qAtX -c \"SELECT count(*) FROM "
	                       "pg_stat_activity WHERE application_name = 'project-fcgi'\"); "
	                       "[ \"$n\" = 201 ] && exit 0; sleep 0.1; done; "
	                       "echo \"$n project workers connected, not 201\" >&2; exit 1",
	                       current.state, current.pg_port),
	                 0);
	interrupt_and_check(&current);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	current.pty = -1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(ctrl_c_once_serving_stops_everything, teardown),
	    cmocka_unit_test_teardown(ctrl_c_during_start_up_stops_what_was_started, teardown),
	    cmocka_unit_test_teardown(lighttpd_dying_ends_run_with_status_1, teardown),
	    cmocka_unit_test_teardown(a_pool_that_cannot_come_back_ends_run, teardown),
	    cmocka_unit_test_teardown(restart_web_under_run_keeps_serving, teardown),
	    cmocka_unit_test_teardown(pools_past_200_connections_each_get_theirs, teardown),
	};
	return cmocka_run_group_tests_name("e2e: the stack runner", tests, NULL, NULL);
}
