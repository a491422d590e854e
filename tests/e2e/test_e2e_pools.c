/*
 * The worker pools: as many workers as PROJECT_WORKERS, PROJECT_READ_WORKERS and
 * AGGREGATOR_WORKERS say (the project program runs both of the first two pools), from the
 * start and without any load. lighttpd 1.4 given only max-procs starts 4 of them and spawns the
 * rest one a second while every worker is busy (and ends them after an idle minute); a request
 * it hands to a worker still starting waits for it. tests/e2e/run runs this suite on the
 * default stack (pools of 4 + 2 and 2) and again with every pool larger than lighttpd's 4.
 *
 * e2e-env: PROJECT_WORKERS=6 PROJECT_READ_WORKERS=5 AGGREGATOR_WORKERS=5
 */
#include <stdio.h>
#include <stdlib.h>

#include "client.h"

static const char *size_of(const char *var)
{
	const char *v = getenv(var);
	assert_non_null(v);
	return v;
}

/*
 * Waits (up to 10 s: the workers of a restarted lighttpd may still be starting) until exactly
 * `want` children of lighttpd run `program`; 0 when they do, else says how many there were.
 */
static int pool_is(const char *program, const char *want)
{
	return shell("l=$(cat \"$PANEL_STATE_DIR/run/lighttpd.pid\") || exit 1; n=none; "
	             "for _ in $(seq 100); do n=$(pgrep -c -P \"$l\" -x %s); "
	             "[ $n = %s ] && exit 0; sleep 0.1; done; "
	             "echo \"%s: $n workers running, not %s\" >&2; exit 1",
	             program, want, program, want);
}

static void each_pool_runs_at_its_size_without_load(void **state)
{
	(void)state;
	char project[32];
	snprintf(project, sizeof(project), "%ld",
	         atol(size_of("PROJECT_WORKERS")) + atol(size_of("PROJECT_READ_WORKERS")));
	assert_int_equal(pool_is("project-fcgi", project), 0);
	assert_int_equal(pool_is("aggregator-fcgi", size_of("AGGREGATOR_WORKERS")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_pool_runs_at_its_size_without_load),
	};
	char name[128];
	snprintf(
	    name, sizeof(name),
	    "e2e: worker pools (PROJECT_WORKERS=%s PROJECT_READ_WORKERS=%s AGGREGATOR_WORKERS=%s)",
	    size_of("PROJECT_WORKERS"), size_of("PROJECT_READ_WORKERS"),
	    size_of("AGGREGATOR_WORKERS"));
	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}
