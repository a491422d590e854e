/*
 * panelctl/migrate.c, without Postgres (fake_panelctl_db.c keeps schema_migrations in memory):
 * which files are migrations, the order they are applied in, what is refused (an applied file
 * edited or gone, two files of one version), a failure stopping the run, rollback, status, and
 * the lock held for each run and released whatever happens.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fake_panelctl_db.h"
#include "unit.h"

static char dir[64];
static struct buf out = BUF_INIT(0);

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A directory of three migrations (0010 without a down file) and files that are not ones. */
static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_panelctl_migrate.XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("0001_core.up.sql", "CREATE TABLE a ();");
	put("0001_core.down.sql", "DROP TABLE a;");
	put("0002_more.up.sql", "CREATE TABLE b ();");
	put("0002_more.down.sql", "DROP TABLE b;");
	put("0010_last.up.sql", "CREATE TABLE c ();");
	put("README", "not a migration");
	put("0003_Bad-Name.up.sql", "ignored: not a migration's name");
	put("0004_x.down.sql", "ignored: no up file");
	fake_db_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	buf_free(&out);
	return 0;
}

/* Runs a command with stdout captured in out. */
static int captured(int (*command)(struct db *, const char *))
{
	char path[] = "/tmp/test_panelctl_out.XXXXXX";
	int fd = mkstemp(path), saved = dup(1);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	int status = command(NULL, dir);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	buf_reset(&out);
	assert_int_equal(buf_read_file(&out, path), 0);
	unlink(path);
	assert_int_equal(fake_db.locks, 0); /* released, whatever happened */
	return status;
}

static void ran(const char *const *want, size_t n)
{
	assert_int_equal(fake_db.nran, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(fake_db.ran[i], want[i]);
}

static void pending_migrations_are_applied_in_order_once(void **state)
{
	(void)state;
	assert_int_equal(captured(migrate_up), 0);
	ran((const char *[]){"up 0001", "up 0002", "up 0010"}, 3);
	assert_string_equal(out.data, "applied 0001_core\napplied 0002_more\napplied 0010_last\n");
	assert_int_equal(fake_db.napplied, 3);
	char sum[65];
	fake_checksum("CREATE TABLE b ();", sum);
	assert_string_equal(fake_db.applied[1].checksum, sum);
	assert_string_equal(fake_db.applied[1].name, "more");

	assert_int_equal(captured(migrate_up), 0);
	assert_int_equal(fake_db.nran, 3);
	assert_string_equal(out.data, "schema is up to date\n");

	assert_int_equal(captured(migrate_status), 0);
	assert_non_null(strstr(out.data, "0002_more                     applied 2024-01-31"));
	assert_non_null(strstr(out.data, "\n0 pending\n"));
}

static void a_failed_migration_stops_the_run(void **state)
{
	(void)state;
	fake_db.fail_version = "0002";
	assert_int_equal(captured(migrate_up), 1);
	ran((const char *[]){"up 0001", "up 0002"}, 2);
	assert_int_equal(fake_db.napplied, 1);
	assert_int_equal(captured(migrate_status), 0);
	assert_non_null(strstr(out.data, "0002_more                     pending"));
	assert_non_null(strstr(out.data, "\n2 pending\n"));
}

/* An applied migration is history: its file edited or gone stops every command but status. */
static void an_applied_file_edited_or_gone_is_refused(void **state)
{
	(void)state;
	assert_int_equal(captured(migrate_up), 0);
	put("0002_more.up.sql", "CREATE TABLE b (x int);");
	put("0011_new.up.sql", "CREATE TABLE d ();");
	assert_int_equal(captured(migrate_up), 1);
	assert_int_equal(captured(migrate_rollback), 1);
	assert_int_equal(fake_db.nran, 3); /* nothing more ran */
	assert_int_equal(captured(migrate_status), 1);
	assert_non_null(
	    strstr(out.data, "0002_more                     applied, file edited since"));

	put("0002_more.up.sql", "CREATE TABLE b ();");
	char path[256];
	snprintf(path, sizeof(path), "%s/0001_core.up.sql", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(captured(migrate_up), 1);
	assert_int_equal(fake_db.nran, 3);
	assert_int_equal(captured(migrate_status), 1);
	assert_non_null(strstr(out.data, "0001_core                     applied, file missing"));
}

static void two_files_of_one_version_are_refused(void **state)
{
	(void)state;
	put("0002_other.up.sql", "CREATE TABLE e ();");
	assert_int_equal(captured(migrate_up), 1);
	assert_int_equal(fake_db.nran, 0);
}

static void rollback_reverts_the_last_applied_only(void **state)
{
	(void)state;
	assert_int_equal(captured(migrate_rollback), 0);
	assert_string_equal(out.data, "nothing to roll back\n");
	assert_int_equal(captured(migrate_up), 0);

	/* 0010 has no down file: refused, nothing run. */
	assert_int_equal(captured(migrate_rollback), 1);
	assert_int_equal(fake_db.nran, 3);
	assert_int_equal(fake_db.napplied, 3);

	put("0010_last.down.sql", "DROP TABLE c;");
	assert_int_equal(captured(migrate_rollback), 0);
	assert_int_equal(captured(migrate_rollback), 0);
	ran((const char *[]){"up 0001", "up 0002", "up 0010", "down 0010", "down 0002"}, 5);
	assert_string_equal(out.data, "rolled back 0002_more\n");
	assert_int_equal(fake_db.napplied, 1);

	fake_db.fail_version = "0001";
	assert_int_equal(captured(migrate_rollback), 1);
	assert_int_equal(fake_db.napplied, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(pending_migrations_are_applied_in_order_once, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(a_failed_migration_stops_the_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(an_applied_file_edited_or_gone_is_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(two_files_of_one_version_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(rollback_reverts_the_last_applied_only, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests_name("panelctl: migrate", tests, NULL, NULL);
}
