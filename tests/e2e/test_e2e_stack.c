/*
 * The stack runner itself (scripts/stack, what make run is): a Ctrl-C in its terminal stops
 * everything it started, whether it comes once the stack is serving or in the middle of
 * starting it. Each case runs a second stack of its own (own state directory, cluster and
 * ports) under a pseudo-terminal, and types Ctrl-C as a user would.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"

/* A port nothing listens on now (the kernel's choice). */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

struct run {
	pid_t pid;
	int pty;
	char state[64];
	int port;
};

/* Starts scripts/stack run in a pseudo-terminal, on a state directory and ports of its own. */
static void run_start(struct run *r)
{
	char ports[3][16];

	snprintf(r->state, sizeof(r->state), "/tmp/panel-stack.%ld", (long)getpid());
	r->port = free_port();
	snprintf(ports[0], sizeof(ports[0]), "%d", r->port);
	snprintf(ports[1], sizeof(ports[1]), "%d", free_port());
	snprintf(ports[2], sizeof(ports[2]), "%d", free_port());
	assert_int_equal(
	    shell("rm -rf %s && mkdir -p %s && chmod 755 %s", r->state, r->state, r->state), 0);
	r->pid = forkpty(&r->pty, NULL, NULL, NULL);
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		setenv("PANEL_STATE_DIR", r->state, 1);
		setenv("PROJECT_PORT", ports[0], 1);
		setenv("AGGREGATOR_PORT", ports[1], 1);
		setenv("PANEL_PG_PORT", ports[2], 1);
		setenv("PANEL_PG_FSYNC", "off", 1);
		unsetenv("DATABASE_URL");
		execl("scripts/stack", "scripts/stack", "run", (char *)NULL);
		_exit(127);
	}
}

/* Reads (and drops) what the terminal shows, for up to ms. */
static void drain_pty(const struct run *r, int ms)
{
	char buf[4096];
	struct pollfd p = {.fd = r->pty, .events = POLLIN};
	while (poll(&p, 1, ms) > 0 && read(r->pty, buf, sizeof(buf)) > 0)
		;
}

static bool serving(void *arg)
{
	const struct run *r = arg;
	drain_pty(r, 0);
	return shell("curl -fs -o /dev/null http://127.0.0.1:%d/health", r->port) == 0;
}

/* Types Ctrl-C and checks that the runner exits and leaves no process and no port behind. */
static void interrupt_and_check(struct run *r)
{
	int status = 0;
	assert_int_equal(write(r->pty, "\x03", 1), 1);
	for (int i = 0; i < 600 && waitpid(r->pid, &status, WNOHANG) == 0; i++)
		drain_pty(r, 100);
	assert_int_equal(waitpid(r->pid, &status, WNOHANG), -1); /* reaped: it exited */
	close(r->pty);
	/* No process of this stack: none has its state directory in its environment (lighttpd,
	 * workers, drains) or on its command line (Postgres). */
	if (shell("for p in $(grep -lsa 'PANEL_STATE_DIR=%s' /proc/[0-9]*/environ | cut -d/ -f3); "
	          "do ps -o pid=,args= -p $p; done | grep . >&2",
	          r->state) == 0)
		fail_msg("processes of the stack in %s are left", r->state);
	/* [p]: pgrep's pattern must not match the shell that runs pgrep. */
	if (shell("pgrep -af '[%c]%s' >&2", r->state[0], r->state + 1) == 0)
		fail_msg("processes naming %s are left", r->state);
	assert_int_not_equal(shell("curl -fs -o /dev/null http://127.0.0.1:%d/health", r->port), 0);
	assert_int_equal(shell("rm -rf %s", r->state), 0);
}

static void ctrl_c_once_serving_stops_everything(void **state)
{
	(void)state;
	struct run r;
	run_start(&r);
	assert_true(wait_until(serving, &r, 120000));
	interrupt_and_check(&r);
}

static void ctrl_c_during_start_up_stops_what_was_started(void **state)
{
	(void)state;
	struct run r;
	run_start(&r);
	/* The cluster is up but lighttpd is not yet: the middle of start-up. */
	char pid_file[96];
	snprintf(pid_file, sizeof(pid_file), "%s/pgdata/postmaster.pid", r.state);
	for (int i = 0; i < 600 && access(pid_file, F_OK) != 0; i++)
		drain_pty(&r, 100);
	assert_int_equal(access(pid_file, F_OK), 0);
	interrupt_and_check(&r);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ctrl_c_once_serving_stops_everything),
	    cmocka_unit_test(ctrl_c_during_start_up_stops_what_was_started),
	};
	return cmocka_run_group_tests_name("e2e: the stack runner", tests, NULL, NULL);
}
