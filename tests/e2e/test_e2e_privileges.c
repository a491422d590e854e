/*
 * Who runs what, and who can reach what, in the running stack (read from /proc, not from the
 * scripts that started it). Started as root, every process of lighttpd's tree and of the drains'
 * runs as the service user with no capability and no way to gain one, the embedded cluster as
 * its own user, and no process of the stack is left running as root. In the state directory the
 * service user can write its own directory and its access log only; another local user can
 * write nothing, read nothing but the public runtime copy, and not reach the database; the
 * service user logs in as the services' roles only, never as the owner or a superuser.
 */
#include <ctype.h>
#include <dirent.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

enum { MAX_PROCS = 512 };

struct proc {
	int pid, ppid;
	char name[32];
	char cmdline[256];
	unsigned uid[4], gid[4];
	char groups[256];
	unsigned long long cap_prm, cap_eff;
	int no_new_privs;
	bool stack_env; /* PANEL_STATE_DIR of this stack in its environment */
};

static struct proc procs[MAX_PROCS];
static size_t nprocs;

static void read_status(struct proc *p)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/status", p->pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "Name:", 5) == 0)
			sscanf(line + 5, "%31s", p->name);
		else if (strncmp(line, "PPid:", 5) == 0)
			sscanf(line + 5, "%d", &p->ppid);
		else if (strncmp(line, "Uid:", 4) == 0)
			sscanf(line + 4, "%u %u %u %u", &p->uid[0], &p->uid[1], &p->uid[2],
			       &p->uid[3]);
		else if (strncmp(line, "Gid:", 4) == 0)
			sscanf(line + 4, "%u %u %u %u", &p->gid[0], &p->gid[1], &p->gid[2],
			       &p->gid[3]);
		else if (strncmp(line, "Groups:", 7) == 0)
			snprintf(p->groups, sizeof(p->groups), " %.250s ", line + 7);
		else if (strncmp(line, "CapPrm:", 7) == 0)
			p->cap_prm = strtoull(line + 7, NULL, 16);
		else if (strncmp(line, "CapEff:", 7) == 0)
			p->cap_eff = strtoull(line + 7, NULL, 16);
		else if (strncmp(line, "NoNewPrivs:", 11) == 0)
			p->no_new_privs = (int)strtol(line + 11, NULL, 10);
	}
	fclose(f);
}

/* Reads a NUL-separated /proc file; returns its length. */
static size_t read_proc(int pid, const char *what, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

/* Every process on the machine, as /proc shows it now. */
static void scan(void)
{
	static char env[1 << 17];
	char want[4200];
	DIR *d = opendir("/proc");
	struct dirent *e;

	snprintf(want, sizeof(want), "PANEL_STATE_DIR=%s", getenv("PANEL_STATE_DIR"));
	nprocs = 0;
	assert_non_null(d);
	while ((e = readdir(d)) && nprocs < MAX_PROCS) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		struct proc *p = &procs[nprocs];
		memset(p, 0, sizeof(*p));
		p->pid = (int)strtol(e->d_name, NULL, 10);
		read_status(p);
		if (!p->name[0])
			continue; /* gone meanwhile */
		size_t n = read_proc(p->pid, "cmdline", p->cmdline, sizeof(p->cmdline));
		for (size_t i = 0; i + 1 < n; i++)
			if (!p->cmdline[i])
				p->cmdline[i] = ' ';
		n = read_proc(p->pid, "environ", env, sizeof(env));
		for (size_t i = 0; i < n; i += strlen(env + i) + 1)
			if (strcmp(env + i, want) == 0)
				p->stack_env = true;
		nprocs++;
	}
	closedir(d);
}

static struct proc *find(int pid)
{
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static bool descends_from(const struct proc *p, int ancestor)
{
	for (int hops = 0; p && hops < 64; hops++) {
		if (p->pid == ancestor)
			return true;
		p = find(p->ppid);
	}
	return false;
}

/* The pid a pid file of the stack names (asserting it names one). */
static int pid_file(const char *name)
{
	char path[4200], line[32] = "";
	snprintf(path, sizeof(path), "%s/%s", getenv("PANEL_STATE_DIR"), name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: missing", path);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	int pid = (int)strtol(line, NULL, 10);
	assert_true(pid > 1);
	return pid;
}

/* The uid and gid the server processes must run as: the service user's, as root. */
static void expected_ids(unsigned *uid, unsigned *gid)
{
	if (getuid() != 0) {
		*uid = getuid();
		*gid = getgid();
		return;
	}
	struct passwd *pw = getpwnam(getenv("PANEL_USER"));
	assert_non_null(pw);
	assert_int_not_equal(pw->pw_uid, 0);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
}

static void runs_unprivileged(const struct proc *p, unsigned uid, unsigned gid)
{
	for (int i = 0; i < 4; i++)
		if (p->uid[i] != uid || p->gid[i] != gid)
			fail_msg("%d %s: uid %u/%u/%u/%u gid %u/%u/%u/%u, expected %u and %u",
			         p->pid, p->cmdline, p->uid[0], p->uid[1], p->uid[2], p->uid[3],
			         p->gid[0], p->gid[1], p->gid[2], p->gid[3], uid, gid);
	if (getuid() == 0 && strstr(p->groups, " 0 "))
		fail_msg("%d %s: in group 0 (%s)", p->pid, p->cmdline, p->groups);
	if (p->cap_prm || p->cap_eff)
		fail_msg("%d %s: capabilities %llx/%llx", p->pid, p->cmdline, p->cap_prm,
		         p->cap_eff);
	if (p->no_new_privs != 1)
		fail_msg("%d %s: can gain privileges (no_new_privs is off)", p->pid, p->cmdline);
}

static long env_long(const char *name)
{
	const char *v = getenv(name);
	assert_non_null(v);
	return strtol(v, NULL, 10);
}

static void every_process_of_the_stack_runs_unprivileged(void **state)
{
	(void)state;
	unsigned uid, gid;
	int lighttpd = pid_file("run/lighttpd.pid");
	int drains[8], ndrains = 0, postmaster = pid_file("pgdata/postmaster.pid");
	long project = 0, aggregator = 0, drain = 0, supervise = 0, postgres = 0, lighttpds = 0;
	char name[32];

	expected_ids(&uid, &gid);
	for (int i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "run/drain-%d.pid", i);
		if (shell("test -f \"$PANEL_STATE_DIR\"/%s", name) != 0)
			break;
		drains[ndrains++] = pid_file(name);
	}
	assert_int_equal(ndrains, env_long("DRAIN_WORKERS"));
	scan();
	struct proc *self = find(getpid());
	assert_non_null(self);
	for (size_t i = 0; i < nprocs; i++) {
		struct proc *p = &procs[i];
		bool served = descends_from(p, lighttpd);
		for (int d = 0; d < ndrains; d++)
			served = served || descends_from(p, drains[d]);
		if (served) {
			runs_unprivileged(p, uid, gid);
			lighttpds += strcmp(p->name, "lighttpd") == 0;
			project += strstr(p->cmdline, "/bin/project-fcgi") != NULL;
			aggregator += strstr(p->cmdline, "/bin/aggregator-fcgi") != NULL;
			bool supervisor = strstr(p->cmdline, "/scripts/supervise ") != NULL;
			supervise += supervisor;
			drain += !supervisor && strstr(p->cmdline, "/bin/aggregator-drain") != NULL;
		} else if (descends_from(p, postmaster)) {
			/* The cluster's own user: never root, and never the service user as root. */
			postgres++;
			if (p->uid[0] == 0 || p->uid[1] == 0 || (getuid() == 0 && p->uid[0] == uid))
				fail_msg("%d %s: Postgres runs as uid %u", p->pid, p->cmdline,
				         p->uid[0]);
		} else if (p->stack_env && !descends_from(self, p->pid) &&
		           !descends_from(p, getpid())) {
			/* Neither the stack's trees nor this test and its callers: a stray process. */
			fail_msg("%d %s (uid %u): a process of the stack outside its trees", p->pid,
			         p->cmdline, p->uid[0]);
		}
	}
	printf("lighttpd %ld, project workers %ld, aggregator workers %ld, drains %ld (%ld "
	       "supervisors), postgres %ld, as uid %u\n",
	       lighttpds, project, aggregator, drain, supervise, postgres, uid);
	assert_int_equal(lighttpds, 1);
	/* Two pools of the project program: writes, and GET/HEAD. */
	assert_int_equal(project, env_long("PROJECT_WORKERS") + env_long("PROJECT_READ_WORKERS"));
	assert_int_equal(aggregator, env_long("AGGREGATOR_WORKERS"));
	assert_int_equal(drain, ndrains);
	assert_int_equal(supervise, ndrains);
	assert_true(postgres >= 1);
}

/* Runs a shell command as another user (setpriv, no capabilities); returns its exit status. */
__attribute__((format(printf, 2, 3))) static int as_user(const char *user, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	setenv("E2E_AS_USER_CMD", cmd, 1);
	return shell("setpriv --reuid=%s --regid=\"$(id -g %s)\" --init-groups sh -c "
	             "\"$E2E_AS_USER_CMD\"",
	             user, user);
}

/*
 * Prints (to stderr) each path the stack made in its state directory that user may access as
 * test says (-w, -r), apart from those matching the grep patterns in except; returns grep's
 * status, so 1 means there is none. Root lists the paths; the user tests each one, as far as
 * it reaches. (The suites' own scratch files there are not the stack's.)
 */
static int accessible(const char *user, const char *test, const char *except)
{
	return shell("cd \"$PANEL_STATE_DIR\" && { echo \"$PWD\"; find \"$PWD\"/app \"$PWD\"/run "
	             "\"$PWD\"/log \"$PWD\"/srv \"$PWD\"/pgdata \"$PWD\"/pgsock "
	             "\"$PWD\"/initdb.log; } | setpriv --reuid=%s --regid=\"$(id -g %s)\" "
	             "--init-groups sh -c 'while IFS= read -r f; do [ %s \"$f\" ] && echo \"$f\"; "
	             "done' | grep -v %s >&2",
	             user, user, test, except);
}

/*
 * Puts the embedded cluster's URL for role in E2E_URL, for as_user's commands: read here, as
 * root, since the other user may not enter the checkout (CI clones it under /root).
 */
static void set_role_url(const char *role)
{
	char cmd[128], url[512] = "";

	snprintf(cmd, sizeof(cmd), "scripts/pg-cluster url %s", role);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	if (!fgets(url, sizeof(url), f))
		url[0] = '\0';
	pclose(f);
	url[strcspn(url, "\n")] = '\0';
	assert_true(url[0] != '\0');
	setenv("E2E_URL", url, 1);
}

static void the_service_user_writes_only_its_own_directory(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	/* What it can write: srv/ and what is in it, its access log and the database's socket. */
	assert_int_equal(accessible("\"$PANEL_USER\"", "-w",
	                            "-e \"^$PANEL_STATE_DIR/srv\\(/\\|$\\)\" "
	                            "-e \"^$PANEL_STATE_DIR/log/access.log$\" "
	                            "-e \"^$PANEL_STATE_DIR/pgsock/.s.PGSQL.$PANEL_PG_PORT$\""),
	                 1);
	/* The control: it does write there. */
	assert_int_equal(as_user("\"$PANEL_USER\"", "test -w \"$PANEL_STATE_DIR\"/srv"), 0);
	/* It reaches the database's socket, and none of the cluster's data or the pid files. */
	assert_int_equal(as_user("\"$PANEL_USER\"", "test -x \"$PANEL_STATE_DIR\"/pgsock"), 0);
	assert_int_not_equal(as_user("\"$PANEL_USER\"", "test -x \"$PANEL_STATE_DIR\"/pgdata"), 0);
	assert_int_not_equal(as_user("\"$PANEL_USER\"", "test -x \"$PANEL_STATE_DIR\"/run"), 0);
}

static void another_local_user_reaches_nothing(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	/* Writes nothing; reads nothing but the public runtime copy (binaries, admin page). */
	assert_int_equal(accessible("nobody", "-w", "-e '^$'"), 1);
	assert_int_equal(accessible("nobody", "-r", "-e \"^$PANEL_STATE_DIR/app\\(/\\|$\\)\""), 1);
	/* The database's socket is out of its reach, whatever role it names. */
	assert_int_not_equal(
	    as_user("nobody", "test -e \"$PANEL_STATE_DIR\"/pgsock/.s.PGSQL.$PANEL_PG_PORT"), 0);
	set_role_url("panel_project");
	assert_int_not_equal(as_user("nobody", "psql -qAtX \"$E2E_URL\" -c 'SELECT 1' 2>/dev/null"),
	                     0);
}

/* What the workers' user may log in as: the two service roles, not the owner or a superuser. */
static void the_service_user_logs_in_as_the_services_roles_only(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	const char *roles[] = {"panel_project", "panel_aggregator"};
	for (size_t i = 0; i < 2; i++) {
		set_role_url(roles[i]);
		assert_int_equal(
		    as_user("\"$PANEL_USER\"",
		            "psql -qAtX \"$E2E_URL\" -c 'SELECT current_user' | grep -qx %s",
		            roles[i]),
		    0);
	}
	const char *refused[] = {"panel", "postgres"};
	for (size_t i = 0; i < 2; i++) {
		set_role_url(refused[i]);
		assert_int_equal(as_user("\"$PANEL_USER\"",
		                         "psql -qAtX \"$E2E_URL\" -c 'SELECT 1' 2>&1 | "
		                         "grep -q 'Peer authentication failed'"),
		                 0);
	}
}

/*
 * The API tokens stay with lighttpd, whose Lua gate reads them from its environment: no pool or
 * drain is given them, and lighttpd, having changed its user, is not dumpable, so the service
 * user cannot read its environment (nor its memory). Code running as a worker learns no token.
 */
static void the_service_user_reads_no_api_token(void **state)
{
	(void)state;
	if (getuid() != 0)
		skip();
	unsigned uid, gid;
	int lighttpd = pid_file("run/lighttpd.pid");
	char paths[8192] = "";
	size_t len = 0, served = 0;

	expected_ids(&uid, &gid);
	scan();
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].stack_env && procs[i].uid[0] == uid) {
			len += (size_t)snprintf(paths + len, sizeof(paths) - len,
			                        " /proc/%d/environ", procs[i].pid);
			served++;
			assert_true(len < sizeof(paths));
		}
	assert_true(served > 2);
	/* The control: the tokens are there to be found, in lighttpd's environment as root sees it. */
	assert_int_equal(shell("grep -qaF -e \"$PROJECT_API_TOKEN\" /proc/%d/environ && "
	                       "grep -qaF -e \"$AGGREGATOR_API_TOKEN\" /proc/%d/environ",
	                       lighttpd, lighttpd),
	                 0);
	/* The service user reads its workers' environments, but not lighttpd's. */
	assert_int_equal(
	    as_user("\"$PANEL_USER\"", "cat%s 2>/dev/null | grep -qa PANEL_STATE_DIR=", paths), 0);
	assert_int_not_equal(
	    as_user("\"$PANEL_USER\"", "cat /proc/%d/environ >/dev/null 2>&1", lighttpd), 0);
	/* And no token in anything it can read of them. */
	assert_int_equal(as_user("\"$PANEL_USER\"",
	                         "cat%s 2>/dev/null | grep -qaF -e \"$PROJECT_API_TOKEN\" "
	                         "-e \"$AGGREGATOR_API_TOKEN\"",
	                         paths),
	                 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_process_of_the_stack_runs_unprivileged),
	    cmocka_unit_test(the_service_user_writes_only_its_own_directory),
	    cmocka_unit_test(another_local_user_reaches_nothing),
	    cmocka_unit_test(the_service_user_logs_in_as_the_services_roles_only),
	    cmocka_unit_test(the_service_user_reads_no_api_token),
	};
	return cmocka_run_group_tests_name("e2e: privileges", tests, NULL, NULL);
}
