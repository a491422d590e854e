/* common/config.c: environment lookups with defaults, and the database URLs (owner, services). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static void defaults_and_values(void **state)
{
	(void)state;
	unsetenv("PANEL_TEST_X");
	assert_string_equal(config_str("PANEL_TEST_X", "dflt"), "dflt");
	setenv("PANEL_TEST_X", "", 1);
	assert_string_equal(config_str("PANEL_TEST_X", "dflt"), "dflt");
	setenv("PANEL_TEST_X", "v", 1);
	assert_string_equal(config_str("PANEL_TEST_X", "dflt"), "v");

	unsetenv("PANEL_TEST_N");
	assert_int_equal(config_long("PANEL_TEST_N", 5, 1, 10), 5);
	setenv("PANEL_TEST_N", "7", 1);
	assert_int_equal(config_long("PANEL_TEST_N", 5, 1, 10), 7);
}

static void choices_are_exact(void **state)
{
	(void)state;
	static const char *const modes[] = {"secret", "signed", "either"};

	unsetenv("PANEL_TEST_MODE");
	assert_int_equal(config_choice("PANEL_TEST_MODE", modes, 3, 2), 2);
	setenv("PANEL_TEST_MODE", "", 1);
	assert_int_equal(config_choice("PANEL_TEST_MODE", modes, 3, 2), 2);
	setenv("PANEL_TEST_MODE", "secret", 1);
	assert_int_equal(config_choice("PANEL_TEST_MODE", modes, 3, 2), 0);
	setenv("PANEL_TEST_MODE", "signed", 1);
	assert_int_equal(config_choice("PANEL_TEST_MODE", modes, 3, 2), 1);
}

/* Anything else stops the process (exit status 2) with a line naming the choices. */
static void an_unknown_choice_exits(void **state)
{
	(void)state;
	static const char *const modes[] = {"secret", "signed", "either"};
	const char *bad[] = {"Signed", "signed ", "both", "secret,signed"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err[2];
		assert_int_equal(pipe(err), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dup2(err[1], 2);
			setenv("PANEL_TEST_MODE", bad[i], 1);
			config_choice("PANEL_TEST_MODE", modes, 3, 2);
			_exit(0);
		}
		close(err[1]);
		char out[1024] = "";
		ssize_t n, len = 0;
		while ((n = read(err[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
			len += n;
		out[len] = '\0';
		close(err[0]);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 2);
		if (!strstr(out, "PANEL_TEST_MODE must be one of secret, signed, either"))
			fail_msg("'%s': %s", bad[i], out);
	}
}

static void database_url_falls_back_to_the_embedded_cluster(void **state)
{
	(void)state;
	setenv("DATABASE_URL", "postgresql://elsewhere/db", 1);
	assert_string_equal(config_database_url(), "postgresql://elsewhere/db");
	unsetenv("DATABASE_URL");
	setenv("PANEL_STATE_DIR", "/tmp/st", 1);
	setenv("PANEL_PG_PORT", "5555", 1);
	assert_string_equal(config_database_url(),
	                    "postgresql:///panel?host=/tmp/st/pgsock&port=5555&user=panel");
}

static void a_service_url_is_its_own_or_the_embedded_clusters_as_its_role(void **state)
{
	(void)state;
	unsetenv("DATABASE_URL");
	setenv("PANEL_STATE_DIR", "/tmp/st", 1);
	setenv("PANEL_PG_PORT", "5555", 1);
	unsetenv("PROJECT_DATABASE_URL");
	assert_string_equal(config_service_database_url("PROJECT_DATABASE_URL", "panel_project"),
	                    "postgresql:///panel?host=/tmp/st/pgsock&port=5555&user=panel_project");
	setenv("PROJECT_DATABASE_URL", "postgresql://panel_project:pw@db/panel", 1);
	assert_string_equal(config_service_database_url("PROJECT_DATABASE_URL", "panel_project"),
	                    "postgresql://panel_project:pw@db/panel");
	/* With DATABASE_URL set too, the service's own URL still wins (the owner's is ignored). */
	setenv("DATABASE_URL", "postgresql://panel:owner@db/panel", 1);
	assert_string_equal(config_service_database_url("PROJECT_DATABASE_URL", "panel_project"),
	                    "postgresql://panel_project:pw@db/panel");
	unsetenv("DATABASE_URL");
	unsetenv("PROJECT_DATABASE_URL");
}

static void the_state_directory_defaults_outside_tmp(void **state)
{
	(void)state;
	setenv("PANEL_STATE_DIR", "/srv/panel", 1);
	assert_string_equal(config_state_dir(), "/srv/panel");
	unsetenv("PANEL_STATE_DIR");
	setenv("XDG_STATE_HOME", "/home/dev/.state", 1);
	setenv("HOME", "/home/dev", 1);
	assert_string_equal(config_state_dir(),
	                    getuid() == 0 ? "/var/lib/panel" : "/home/dev/.state/panel");
	unsetenv("XDG_STATE_HOME");
	assert_string_equal(config_state_dir(),
	                    getuid() == 0 ? "/var/lib/panel" : "/home/dev/.local/state/panel");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_and_values),
	    cmocka_unit_test(choices_are_exact),
	    cmocka_unit_test(an_unknown_choice_exits),
	    cmocka_unit_test(database_url_falls_back_to_the_embedded_cluster),
	    cmocka_unit_test(a_service_url_is_its_own_or_the_embedded_clusters_as_its_role),
	    cmocka_unit_test(the_state_directory_defaults_outside_tmp),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
