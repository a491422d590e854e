/*
 * What scripts/stack refuses before it starts anything, each attack planted for real in a state
 * directory of a second stack (own directory, ports and, where one starts, cluster): a state
 * directory someone else owns or can write, or below a directory someone else controls; links
 * where logs, pid files, markers and directories belong (pointing at files this test made
 * outside, which must not change); pid files that name no process of the stack (-1 and the like,
 * inside a PID namespace of its own so that a mistake can signal nothing else); a listening
 * socket planted where a worker's belongs; the development tokens off loopback. And the demo
 * data is loaded into the embedded cluster by default, into a database of one's own only when
 * asked for; PANEL_BIND is where lighttpd listens, whatever address it names.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

static char tmp[64]; /* this suite's directory: victims and second stacks live here */

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/panel-state-e2e.%ld", (long)getpid());
	/* 0711: the second stacks' service user and cluster owner must pass through. */
	return shell("rm -rf %s && mkdir -m 711 %s", tmp, tmp);
}

static int teardown(void **state)
{
	(void)state;
	/* A case that failed half-way may have left its second stack running. */
	shell(
	    "for r in $(find %s -maxdepth 3 -name run -type d); do PANEL_STATE_DIR=\"${r%%/run}\" "
	    "scripts/stack stop; done >/dev/null 2>&1",
	    tmp);
	return shell("rm -rf %s", tmp);
}

/*
 * Runs scripts/stack CMD for a second stack in dir (under tmp), with env's arguments to env(1)
 * (-u NAME, then NAME=value) first; its stderr goes to tmp/stack.err. It chooses its own
 * ports (run/ports); the suites' DATABASE_URL and PANEL_SEED are not its. Returns the exit
 * status.
 */
static int stack(const char *dir, const char *env, const char *cmd)
{
	return shell("env -u DATABASE_URL -u PANEL_SEED %s PANEL_STATE_DIR=%s/%s PROJECT_PORT=0 "
	             "PANEL_PG_PORT=54329 PANEL_PG_FSYNC=off scripts/stack %s 2>%s/stack.err",
	             env, tmp, dir, cmd, tmp);
}

/* Whether the second stack's last stderr says text. */
static bool said(const char *text)
{
	return shell("grep -qF -- '%s' %s/stack.err", text, tmp) == 0;
}

static void refused_saying(const char *dir, const char *env, const char *cmd, const char *text)
{
	int status = stack(dir, env, cmd);
	if (status != 1 || !said(text)) {
		shell("cat %s/stack.err >&2", tmp);
		fail_msg("scripts/stack %s in %s: status %d, expected 1 saying '%s'", cmd, dir,
		         status, text);
	}
	/* Nothing of that stack runs: no process has its state directory in its environment. */
	if (shell("grep -lsaz 'PANEL_STATE_DIR=%s/%s$' /proc/[0-9]*/environ | grep -v "
	          "/proc/self/ >&2",
	          tmp, dir) == 0)
		fail_msg("a process of the refused stack in %s runs", dir);
}

/* The victim: a file (and a directory with a file) outside every state directory. */
static void make_victims(void)
{
	assert_int_equal(shell("printf 'victim\\n' >%s/victim && chmod 600 %s/victim && "
	                       "mkdir -p %s/victim.d && printf 'kept\\n' >%s/victim.d/kept && "
	                       "touch -d 2001-01-01 %s/victim %s/victim.d/kept %s/victim.d",
	                       tmp, tmp, tmp, tmp, tmp, tmp, tmp),
	                 0);
}

/* The victims are exactly as made: content, size, mode, owner, times; nothing added. */
static void victims_untouched(void)
{
	assert_int_equal(
	    shell("cd %s && [ \"$(cat victim)\" = victim ] && "
	          "[ \"$(stat -c '%%s %%a %%u %%Y' victim)\" = \"7 600 $(id -u) "
	          "$(date -d 2001-01-01 +%%s)\" ] && [ \"$(ls -A victim.d)\" = kept ] && "
	          "[ \"$(cat victim.d/kept)\" = kept ] && "
	          "[ \"$(stat -c %%Y victim.d victim.d/kept | sort -u)\" = "
	          "\"$(date -d 2001-01-01 +%%s)\" ]",
	          tmp),
	    0);
}

static void a_state_directory_someone_else_controls_is_refused(void **state)
{
	(void)state;
	make_victims();
	/* Writable by others. */
	assert_int_equal(shell("mkdir -m 777 %s/open && chmod 777 %s/open", tmp, tmp), 0);
	refused_saying("open", "", "start", "can be written by others (mode 777)");
	/* Below a directory others can write that is not sticky: it could be swapped. */
	assert_int_equal(shell("mkdir -m 777 %s/shared && chmod 777 %s/shared", tmp, tmp), 0);
	refused_saying("shared/state", "", "start", "can be written by others and is not sticky");
	assert_int_equal(shell("test ! -e %s/shared/state", tmp), 0);
	if (getuid() == 0) {
		/*
		 * Made by another user before ours first start, with a link where our log goes (the
		 * issue's /var/tmp/panel-0/log/panelctl.log -> /etc/shadow, pointed at our victim).
		 */
		assert_int_equal(shell("cd %s && mkdir -p theirs/log && ln -s %s/victim "
		                       "theirs/log/panelctl.log && chown -hR nobody theirs && "
		                       "find theirs | sort >theirs.before",
		                       tmp, tmp),
		                 0);
		refused_saying("theirs", "", "start", "theirs belongs to nobody, not to root");
		refused_saying("theirs", "", "stop", "theirs belongs to nobody, not to root");
		assert_int_equal(shell("cd %s && find theirs | sort | cmp -s - theirs.before", tmp),
		                 0);
		/* Below a directory another user owns. */
		assert_int_equal(shell("mkdir %s/other && chown nobody %s/other", tmp, tmp), 0);
		refused_saying("other/state", "", "start", "other belongs to uid");
	}
	victims_untouched();
}

/* A link where a file or directory of the stack belongs: refused, never followed. */
static void links_where_files_belong_are_refused_and_never_followed(void **state)
{
	(void)state;
	static const char *const files[] = {
	    "log/panelctl.log", "log/lighttpd.log", "log/drain.log",   "log/access.log",
	    "run/lighttpd.pid", "run/drain-1.pid",  "run/embedded-db", "initdb.log",
	};
	static const char *const dirs[] = {"log", "run",    "app",   "app.new",
	                                   "srv", "pgdata", "pgsock"};
	char dir[64];

	make_victims();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(dir, sizeof(dir), "file%zu", i);
		assert_int_equal(shell("cd %s && mkdir -m 700 -p %s/log %s/run && ln -s %s/victim "
		                       "%s/%s",
		                       tmp, dir, dir, tmp, dir, files[i]),
		                 0);
		refused_saying(dir, "", "start", "is a symbolic link (to");
		if (strncmp(files[i], "run/", 4) == 0)
			refused_saying(dir, "", "stop", "is a symbolic link (to");
		assert_int_equal(shell("test -L %s/%s/%s", tmp, dir, files[i]), 0);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "dir%zu", i);
		assert_int_equal(shell("cd %s && mkdir -m 700 %s && ln -s %s/victim.d %s/%s", tmp,
		                       dir, tmp, dir, dirs[i]),
		                 0);
		refused_saying(dir, "", "start", "is a symbolic link (to");
	}
	victims_untouched();
}

/*
 * Runs script (sh) in a PID namespace of its own, as its init, with a /proc of that namespace
 * (in a mount namespace of its own): whatever scripts/stack signals there (kill -1 included),
 * nothing outside can be hit, and what it reads in /proc is what its signals reach. The
 * propagation of / is left as it is (util-linux makes only /proc private before mounting its
 * own): a chroot, such as the fresh-machine check, has no mount at its /, and changing it
 * fails there. Its last line's status is the result.
 */
static int in_pid_namespace(const char *script)
{
	return shell("unshare --pid --fork --mount-proc --propagation unchanged sh -c '%s'",
	             script);
}

static void pid_files_are_checked_before_any_signal(void **state)
{
	(void)state;
	static const char *const junk[] = {"-1", "0", "-42", "abc", "", "12 34", "1e3"};
	char script[2048];

	if (getuid() != 0)
		skip(); /* a PID namespace needs root */
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		assert_int_equal(
		    shell("rm -rf %s/pids && mkdir -m 700 -p %s/pids/run && printf %%s "
		          "'%s' >%s/pids/run/lighttpd.pid",
		          tmp, tmp, junk[i], tmp),
		    0);
		/*
		 * A canary in the namespace: kill(-1) there would take it. The stop must refuse the
		 * file, say so, and leave the canary (and the file, for whoever looks) where it is.
		 */
		snprintf(
		    script, sizeof(script),
		    "sleep 600 & c=$!; env -u DATABASE_URL PANEL_STATE_DIR=%s/pids scripts/stack "
		    "stop 2>%s/stack.err; s=$?; kill -0 $c && kill $c && [ $s = 1 ]",
		    tmp, tmp);
		if (in_pid_namespace(script) != 0) {
			shell("cat %s/stack.err >&2", tmp);
			fail_msg(
			    "stop with run/lighttpd.pid holding '%s' did not refuse, or signalled",
			    junk[i]);
		}
		assert_true(said("not a process id; nothing was signalled"));
		assert_int_equal(shell("test -f %s/pids/run/lighttpd.pid", tmp), 0);
		refused_saying("pids", "", "start", "not a process id; nothing was signalled");
	}
	/*
	 * A live process that is not the stack's (a pid reused, or planted), leading a process group
	 * of its own as each of the stack's does, with a state directory in its environment that
	 * is not this one: neither it nor its group is signalled, and the stale files go.
	 */
	snprintf(script, sizeof(script),
	         "PANEL_STATE_DIR=%s/pids.old setsid sleep 600 & c=$!; for i in $(seq 100); do "
	         "[ \"$(pgrep -g $c)\" = $c ] && break; sleep 0.1; done; echo $c "
	         ">%s/pids/run/lighttpd.pid; echo 1 >%s/pids/run/drain-1.pid; env -u DATABASE_URL "
	         "PANEL_STATE_DIR=%s/pids scripts/stack stop 2>%s/stack.err; s=$?; "
	         "[ \"$(pgrep -g $c)\" = $c ] && kill $c && [ $s = 0 ] && "
	         "[ ! -e %s/pids/run/lighttpd.pid ] && [ ! -e %s/pids/run/drain-1.pid ]",
	         tmp, tmp, tmp, tmp, tmp, tmp, tmp);
	if (in_pid_namespace(script) != 0) {
		shell("cat %s/stack.err >&2", tmp);
		fail_msg("stop signalled a process that is not the stack's, or failed");
	}
}

/* The number of projects in seeds/projects.json (the demo data). */
static size_t demo_projects(void)
{
	json_error_t err;
	json_t *all = json_load_file("seeds/projects.json", 0, &err);
	assert_non_null(all);
	size_t n = json_array_size(all);
	json_decref(all);
	assert_true(n > 0);
	return n;
}

/*
 * X-Total-Count of GET /projects on the lighttpd of the second stack in dir, asked at host (as
 * a URL writes it); -1 when nothing answers there.
 */
static long second_stack_projects(const char *host, const char *dir)
{
	char cmd[512], line[256];
	long total = -1;

	snprintf(cmd, sizeof(cmd),
	         "curl -gfsS -m 20 -D - -o /dev/null -H \"Authorization: Bearer "
	         "$PROJECT_API_TOKEN\" http://%s:$(cut -d' ' -f1 %s/%s/run/ports)/projects",
	         host, tmp, dir);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncasecmp(line, "X-Total-Count:", 14) == 0)
			total = strtol(line + 14, NULL, 10);
	pclose(f);
	return total;
}

/*
 * A socket someone planted where a project worker's belongs, listening for the requests (and
 * their Authorization headers) lighttpd would send it: the stack makes srv/ anew, so every
 * request is answered by its own workers and the planted socket never sees a connection. The
 * embedded cluster gets the demo data by default.
 */
static void a_planted_socket_receives_nothing(void **state)
{
	(void)state;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char path[sizeof(a.sun_path)];
	struct stat planted, after;

	assert_int_equal(shell("mkdir -m 700 -p %s/sock/srv %s/sock/run", tmp, tmp), 0);
	snprintf(path, sizeof(path), "%s/sock/srv/project.sock-0", tmp);
	memcpy(a.sun_path, path, sizeof(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	/* Anyone may connect to it, and its directory is the service user's, as a real one is. */
	assert_int_equal(chmod(path, 0777), 0);
	if (getuid() == 0)
		assert_int_equal(shell("chown \"$PANEL_USER\" %s/sock/srv", tmp), 0);
	assert_int_equal(stat(path, &planted), 0);

	if (stack("sock", "", "start") != 0) {
		shell("cat %s/stack.err >&2", tmp);
		fail_msg("the second stack did not start");
	}
	for (int i = 0; i < 12; i++)
		assert_int_equal(second_stack_projects("127.0.0.1", "sock"), (long)demo_projects());
	int c = accept(fd, NULL, NULL);
	int err = errno;
	if (c >= 0)
		close(c);
	assert_int_equal(c, -1);
	assert_int_equal(err, EAGAIN);
	/* The path is lighttpd's own socket now, not the planted one. */
	assert_int_equal(stat(path, &after), 0);
	assert_true(after.st_ino != planted.st_ino);
	close(fd);
	assert_int_equal(stack("sock", "", "stop"), 0);
	assert_int_not_equal(shell("grep -lsaz 'PANEL_STATE_DIR=%s/sock$' /proc/[0-9]*/environ | "
	                           "grep -v /proc/self/ >&2",
	                           tmp),
	                     0);
}

/* The demo data goes into a database of one's own only with PANEL_SEED=1. */
static void demo_data_only_when_asked_for(void **state)
{
	(void)state;
	char db[64], urls[1024];
	const char *su = "psql -qAtX \"$(scripts/pg-cluster url postgres)\" -c";

	snprintf(db, sizeof(db), "seed_%ld", (long)getpid());
	assert_int_equal(shell("%s 'CREATE DATABASE %s OWNER panel' >/dev/null", su, db), 0);
	/* The embedded cluster of this run, as a Postgres elsewhere: its socket and roles. */
	snprintf(urls, sizeof(urls),
	         "DATABASE_URL=\"$(scripts/pg-cluster url | sed 's|/panel?|/%s?|')\" "
	         "PROJECT_DATABASE_URL=\"$(scripts/pg-cluster url panel_project | sed "
	         "'s|/panel?|/%s?|')\" AGGREGATOR_DATABASE_URL=\"$(scripts/pg-cluster url "
	         "panel_aggregator | sed 's|/panel?|/%s?|')\"",
	         db, db, db);
	assert_int_equal(stack("own", urls, "start"), 0);
	assert_int_equal(second_stack_projects("127.0.0.1", "own"), 0);
	assert_int_equal(stack("own", urls, "stop"), 0);

	char seeded[1100];
	snprintf(seeded, sizeof(seeded), "PANEL_SEED=1 %s", urls);
	assert_int_equal(stack("own", seeded, "start"), 0);
	assert_int_equal(second_stack_projects("127.0.0.1", "own"), (long)demo_projects());
	assert_int_equal(stack("own", seeded, "stop"), 0);
	assert_int_equal(shell("%s 'DROP DATABASE %s WITH (FORCE)' >/dev/null", su, db), 0);
}

/* Whether this machine has the IPv6 loopback address (a container may not). */
static bool ipv6_loopback(void)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * PANEL_BIND is the one address lighttpd listens on, and where the stack itself asks for
 * /health while it starts: an address other than 127.0.0.1 is served there, and 127.0.0.1
 * is not (against this run's cluster, as a Postgres elsewhere: no cluster of its own starts).
 */
static void the_stack_listens_on_the_address_it_is_given(void **state)
{
	(void)state;
	static const char *const binds[][2] = {
	    {"127.0.0.2", "127.0.0.2"},
            {"::1",       "[::1]"    }
        };
	char env[1024];

	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		if (strchr(binds[i][0], ':') && !ipv6_loopback())
			continue;
		snprintf(env, sizeof(env),
		         "PANEL_BIND=%s DATABASE_URL=\"$(scripts/pg-cluster url)\" "
		         "PROJECT_DATABASE_URL=\"$(scripts/pg-cluster url panel_project)\" "
		         "AGGREGATOR_DATABASE_URL=\"$(scripts/pg-cluster url panel_aggregator)\"",
		         binds[i][0]);
		if (stack("bind", env, "start") != 0) {
			shell("cat %s/stack.err >&2", tmp);
			fail_msg("the second stack on PANEL_BIND=%s did not start", binds[i][0]);
		}
		assert_true(second_stack_projects(binds[i][1], "bind") >= 0);
		assert_int_equal(second_stack_projects("127.0.0.1", "bind"), -1);
		assert_int_equal(stack("bind", env, "stop"), 0);
	}
}

/* With the public development tokens, lighttpd listens on loopback or nothing starts. */
static void the_development_tokens_stay_on_loopback(void **state)
{
	(void)state;
	static const char *const binds[] = {"0.0.0.0",    "::",          "[::]",
	                                    "192.0.2.10", "example.com", "127.0.0.1.example.com",
	                                    "127.0.0.1."};
	static const char *const tokens[] = {
	    "-u PROJECT_API_TOKEN -u AGGREGATOR_API_TOKEN",
	    "PROJECT_API_TOKEN=dev-project-token",
	    "AGGREGATOR_API_TOKEN=dev-aggregator-token",
	};
	char env[256];

	for (size_t b = 0; b < sizeof(binds) / sizeof(binds[0]); b++)
		for (size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++) {
			snprintf(env, sizeof(env), "%s PANEL_BIND=%s", tokens[t], binds[b]);
			refused_saying("tokens", env, "start", "the development tokens are public");
			assert_int_equal(shell("test ! -e %s/tokens", tmp), 0);
		}
	/*
	 * The controls, each stopped later by a state directory others can write: loopback with
	 * the development tokens, and any address with tokens of one's own.
	 */
	assert_int_equal(shell("mkdir -m 777 %s/later && chmod 777 %s/later", tmp, tmp), 0);
	refused_saying("later", "-u PROJECT_API_TOKEN -u AGGREGATOR_API_TOKEN PANEL_BIND=127.0.0.2",
	               "start", "can be written by others");
	refused_saying("later", "PANEL_BIND=0.0.0.0", "start", "can be written by others");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_state_directory_someone_else_controls_is_refused),
	    cmocka_unit_test(links_where_files_belong_are_refused_and_never_followed),
	    cmocka_unit_test(pid_files_are_checked_before_any_signal),
	    cmocka_unit_test(a_planted_socket_receives_nothing),
	    cmocka_unit_test(demo_data_only_when_asked_for),
	    cmocka_unit_test(the_stack_listens_on_the_address_it_is_given),
	    cmocka_unit_test(the_development_tokens_stay_on_loopback),
	};
	return cmocka_run_group_tests_name("e2e: state directory", tests, setup, teardown);
}
