/* common/metrics.c: counts shared between processes, rendered in the Prometheus format. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "metrics.h"
#include "route.h"
#include "unit.h"
#include "victim.h"

static enum err none(struct req *req, struct resp *resp)
{
	(void)req;
	(void)resp;
	return ERR_OK;
}

static const struct route routes[] = {
    {"GET",  "/things",         none, 0, NULL},
    {"POST", "/things/{thing}", none, 0, NULL},
};

static void counts_from_another_process_are_shared(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_metrics.XXXXXX", srv[64];
	assert_non_null(mkdtemp(dir));
	snprintf(srv, sizeof(srv), "%s/srv", dir);
	assert_int_equal(mkdir(srv, 0700), 0);
	setenv("PANEL_STATE_DIR", dir, 1);
	metrics_open("unit", routes, 2);

	pid_t child = fork();
	if (child == 0) {
		/* Another worker: it maps the same file and counts there. */
		metrics_open("unit", routes, 2);
		metrics_observe(&routes[1], 201, 0.003);
		metrics_observe(&routes[1], 201, 0.003);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	child = fork();
	if (child == 0) {
		/* A worker of another service of the stack, with a table of its own. */
		metrics_open("other", &routes[1], 1);
		metrics_observe(&routes[1], 200, 0.001);
		_exit(0);
	}
	waitpid(child, &status, 0);
	metrics_observe(&routes[0], 200, 0.0001);
	metrics_observe(&routes[0], 599, 7.0);
	metrics_observe(NULL, 404, 0.0002);

	struct buf out = BUF_INIT(0);
	metrics_render(&out);
	const char *want[] = {
	    "# TYPE panel_http_requests_total counter\n",
	    "panel_http_requests_total{service=\"unit\",method=\"POST\",route=\"/things/{thing}\","
	    "status=\"201\"} 2\n",
	    "panel_http_requests_total{service=\"unit\",method=\"GET\",route=\"/things\","
	    "status=\"200\"} 1\n",
	    "panel_http_requests_total{service=\"unit\",method=\"GET\",route=\"/things\","
	    "status=\"other\"} 1\n",
	    "panel_http_requests_total{service=\"unit\",method=\"\",route=\"unmatched\","
	    "status=\"404\"} 1\n",
	    "# TYPE panel_http_request_duration_seconds histogram\n",
	    "panel_http_request_duration_seconds_bucket{service=\"unit\",method=\"POST\","
	    "route=\"/things/{thing}\",le=\"0.0025\"} 0\n",
	    "panel_http_request_duration_seconds_bucket{service=\"unit\",method=\"POST\","
	    "route=\"/things/{thing}\",le=\"0.005\"} 2\n",
	    "panel_http_request_duration_seconds_bucket{service=\"unit\",method=\"GET\","
	    "route=\"/things\",le=\"2.5\"} 1\n",
	    "panel_http_request_duration_seconds_bucket{service=\"unit\",method=\"GET\","
	    "route=\"/things\",le=\"+Inf\"} 2\n",
	    "panel_http_request_duration_seconds_count{service=\"unit\",method=\"GET\","
	    "route=\"/things\"} 2\n",
	    /* Every service's counters are in any worker's answer. */
	    "panel_http_requests_total{service=\"other\",method=\"POST\",route=\"/things/{thing}\","
	    "status=\"200\"} 1\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(out.data, want[i]))
			fail_msg("missing: %s\nin:\n%s", want[i], out.data);
	buf_free(&out);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Runs metrics_open (and one count) in a child process, as a new worker would. */
static int worker_opens(const char *dir)
{
	int status;
	pid_t child = fork();
	if (child == 0) {
		setenv("PANEL_STATE_DIR", dir, 1);
		metrics_open("unit", routes, 2);
		metrics_observe(&routes[0], 200, 0.001);
		struct buf out = BUF_INIT(0);
		metrics_render(&out);
		_exit(strstr(out.data, "route=\"/things\",status=\"200\"} 1\n") ? 0 : 1);
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * A link planted where the shared file belongs (pointing at a file outside) is never followed:
 * the target is neither grown nor written, the link stays, and the worker counts on its own.
 */
static void a_planted_link_is_never_followed(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_metrics.XXXXXX", srv[64], victim[96], file[512] = "";
	static const char content[] = "not a metrics file\n";

	assert_non_null(mkdtemp(dir));
	snprintf(srv, sizeof(srv), "%s/srv", dir);
	assert_int_equal(mkdir(srv, 0700), 0);
	/* Where the service's file goes: where a first worker made it. */
	assert_int_equal(worker_opens(dir), 0);
	DIR *d = opendir(srv);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, "metrics-unit-", 13) == 0)
			snprintf(file, sizeof(file), "%s/%s", srv, e->d_name);
	closedir(d);
	assert_true(file[0]);

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	victim_write(victim, content);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(symlink(victim, file), 0);

	assert_int_equal(worker_opens(dir), 0);
	assert_victim_intact(victim, content, file);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(counts_from_another_process_are_shared),
	    cmocka_unit_test(a_planted_link_is_never_followed),
	};
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
