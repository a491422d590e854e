/*
 * fcgi/aggregator/drain_policy.c: the drain worker's configuration, retry delays, when a row is
 * parked, which failures are held against a row, and the error text it keeps.
 */
#include <stdlib.h>
#include <string.h>

#include "drain.h"
#include "unit.h"

static const char *const drain_vars[] = {"DRAIN_BATCH_SIZE",      "DRAIN_MAX_ATTEMPTS",
                                         "DRAIN_BACKOFF_BASE_MS", "DRAIN_BACKOFF_MAX_MS",
                                         "DRAIN_POLL_MS",         "DRAIN_MAINTAIN_SECONDS"};

static void clear_env(void)
{
	for (size_t i = 0; i < sizeof(drain_vars) / sizeof(drain_vars[0]); i++)
		unsetenv(drain_vars[i]);
}

static void defaults_and_environment(void **state)
{
	(void)state;
	struct drain_config cfg;

	clear_env();
	drain_config_load(&cfg);
	assert_int_equal(cfg.batch_size, 10000);
	assert_int_equal(cfg.max_attempts, 5);
	assert_int_equal(cfg.backoff_base_ms, 1000);
	assert_int_equal(cfg.backoff_max_ms, 300000);
	assert_int_equal(cfg.poll_ms, 50);
	assert_int_equal(cfg.maintain_s, 3600);

	setenv("DRAIN_BATCH_SIZE", "250", 1);
	setenv("DRAIN_MAX_ATTEMPTS", "3", 1);
	setenv("DRAIN_BACKOFF_BASE_MS", "50", 1);
	setenv("DRAIN_BACKOFF_MAX_MS", "20", 1); /* below the base: the base is the cap */
	setenv("DRAIN_POLL_MS", "200", 1);
	setenv("DRAIN_MAINTAIN_SECONDS", "5", 1);
	drain_config_load(&cfg);
	assert_int_equal(cfg.batch_size, 250);
	assert_int_equal(cfg.max_attempts, 3);
	assert_int_equal(cfg.backoff_base_ms, 50);
	assert_int_equal(cfg.backoff_max_ms, 50);
	assert_int_equal(cfg.poll_ms, 200);
	assert_int_equal(cfg.maintain_s, 5);
	clear_env();
}

static void backoff_doubles_up_to_its_cap(void **state)
{
	(void)state;
	struct drain_config cfg = {.backoff_base_ms = 1000, .backoff_max_ms = 300000};

	assert_int_equal(drain_backoff_ms(&cfg, 1), 1000);
	assert_int_equal(drain_backoff_ms(&cfg, 2), 2000);
	assert_int_equal(drain_backoff_ms(&cfg, 3), 4000);
	assert_int_equal(drain_backoff_ms(&cfg, 9), 256000);
	assert_int_equal(drain_backoff_ms(&cfg, 10), 300000);
	/* However many attempts: the cap, never an overflow. */
	assert_int_equal(drain_backoff_ms(&cfg, 1000000), 300000);
	assert_int_equal(drain_backoff_ms(&cfg, 0), 1000);

	cfg.backoff_base_ms = 86400000;
	cfg.backoff_max_ms = 86400000;
	assert_int_equal(drain_backoff_ms(&cfg, 64), 86400000);
}

static void a_row_is_parked_after_its_last_attempt(void **state)
{
	(void)state;
	struct drain_config cfg = {.max_attempts = 5};

	for (long attempts = 1; attempts < 5; attempts++)
		assert_false(drain_should_park(&cfg, attempts));
	assert_true(drain_should_park(&cfg, 5));
	assert_true(drain_should_park(&cfg, 6));
	cfg.max_attempts = 1;
	assert_true(drain_should_park(&cfg, 1));
}

static void only_data_errors_are_a_rows_fault(void **state)
{
	(void)state;
	assert_true(drain_row_fault("23514")); /* check violation: a name too long */
	assert_true(drain_row_fault("23502")); /* not null violation */
	assert_true(drain_row_fault("22P02")); /* invalid text representation */
	assert_true(drain_row_fault("22001")); /* string data right truncation */
	assert_false(drain_row_fault(""));     /* the connection was lost */
	assert_false(drain_row_fault(NULL));
	assert_false(drain_row_fault("08006")); /* connection failure */
	assert_false(drain_row_fault("57P01")); /* admin shutdown */
	assert_false(drain_row_fault("57014")); /* statement timeout */
	assert_false(drain_row_fault("55P03")); /* lock timeout */
	assert_false(drain_row_fault("40P01")); /* deadlock */
	assert_false(drain_row_fault("42501")); /* a missing privilege is our bug, not the row's */
	assert_false(drain_row_fault("53100")); /* disk full */
}

static void reconnection_pauses_are_short_and_bounded(void **state)
{
	(void)state;
	assert_int_equal(drain_retry_delay_ms(1), 100);
	assert_int_equal(drain_retry_delay_ms(2), 200);
	assert_int_equal(drain_retry_delay_ms(5), 1600);
	assert_int_equal(drain_retry_delay_ms(6), 2000);
	assert_int_equal(drain_retry_delay_ms(1000000), 2000);
}

static void a_failed_maintenance_is_tried_again_within_a_minute(void **state)
{
	(void)state;
	struct drain_config cfg = {.maintain_s = 3600};

	assert_int_equal(drain_maintain_delay_s(&cfg, true), 3600);
	assert_int_equal(drain_maintain_delay_s(&cfg, false), 60);
	cfg.maintain_s = 5;
	assert_int_equal(drain_maintain_delay_s(&cfg, true), 5);
	assert_int_equal(drain_maintain_delay_s(&cfg, false), 5);
}

static void the_kept_error_is_one_line_with_its_sqlstate(void **state)
{
	(void)state;
	char out[128];

	drain_error_text(
	    "23514",
	    "ERROR:  new row for relation \"events\" violates check constraint "
	    "\"events_name_check\"\nDETAIL:  Failing row contains (1, secret payload).\n",
	    out, sizeof(out));
	assert_string_equal(out, "23514: new row for relation \"events\" violates check "
	                         "constraint \"events_name_check\"");
	drain_error_text("", "server closed the connection unexpectedly\n", out, sizeof(out));
	assert_string_equal(out, "server closed the connection unexpectedly");
	drain_error_text(NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "unknown error");
	drain_error_text("22P02", "ERROR:  \n", out, sizeof(out));
	assert_string_equal(out, "22P02: unknown error");
	/* A long message is cut to the buffer, still terminated. */
	char small[16];
	drain_error_text("23514", "ERROR:  a very long message indeed", small, sizeof(small));
	assert_string_equal(small, "23514: a very l");
}

static void claims_start_below_the_highest_id_and_look_at_everything_each_poll(void **state)
{
	(void)state;
	struct drain_config cfg = {.batch_size = 1000, .poll_ms = 50};
	struct drain_cursor c = {0};

	/* Nothing claimed yet: the whole queue, and the next full claim a poll later. */
	assert_int_equal(drain_claim_from(&c, &cfg, 10000), 0);
	drain_claimed(&c, &cfg, 0, 10, 5000);
	assert_int_equal(c.highest, 5000);
	/* Within the poll: DRAIN_WINDOW ids below the highest claimed. */
	assert_int_equal(drain_claim_from(&c, &cfg, 10010), 5000 - DRAIN_WINDOW);
	drain_claimed(&c, &cfg, 5000 - DRAIN_WINDOW, 3, 7000);
	assert_int_equal(drain_claim_from(&c, &cfg, 10049), 7000 - DRAIN_WINDOW);
	/* A claim that found only older rows does not move the cursor back. */
	drain_claimed(&c, &cfg, 7000 - DRAIN_WINDOW, 1, 6500);
	assert_int_equal(c.highest, 7000);
	/* A poll later: the whole queue again. */
	assert_int_equal(drain_claim_from(&c, &cfg, 10050), 0);
	assert_int_equal(drain_claim_from(&c, &cfg, 10051), 7000 - DRAIN_WINDOW);
	/* A full claim that came back full: the next claim is full too, until one is not. */
	assert_int_equal(drain_claim_from(&c, &cfg, 10100), 0);
	drain_claimed(&c, &cfg, 0, 1000, 800);
	assert_int_equal(drain_claim_from(&c, &cfg, 10101), 0);
	drain_claimed(&c, &cfg, 0, 999, 1799);
	assert_int_equal(drain_claim_from(&c, &cfg, 10102), 7000 - DRAIN_WINDOW);
	/* The window never starts below the first id. */
	struct drain_cursor young = {.highest = 300, .full_due_ms = 20000};
	assert_int_equal(drain_claim_from(&young, &cfg, 10000), 0);
}

static void a_busy_queue_is_looked_at_again_within_milliseconds(void **state)
{
	(void)state;

	assert_int_equal(drain_busy_wait_ms(1), 1);
	assert_int_equal(drain_busy_wait_ms(2), 2);
	assert_int_equal(drain_busy_wait_ms(4), 8);
	/* However long producers keep the lock busy, an empty claim waits at most 10 ms. */
	assert_int_equal(drain_busy_wait_ms(5), 10);
	assert_int_equal(drain_busy_wait_ms(1000000), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_and_environment),
	    cmocka_unit_test(backoff_doubles_up_to_its_cap),
	    cmocka_unit_test(a_row_is_parked_after_its_last_attempt),
	    cmocka_unit_test(only_data_errors_are_a_rows_fault),
	    cmocka_unit_test(reconnection_pauses_are_short_and_bounded),
	    cmocka_unit_test(a_failed_maintenance_is_tried_again_within_a_minute),
	    cmocka_unit_test(the_kept_error_is_one_line_with_its_sqlstate),
	    cmocka_unit_test(claims_start_below_the_highest_id_and_look_at_everything_each_poll),
	    cmocka_unit_test(a_busy_queue_is_looked_at_again_within_milliseconds),
	};
	return cmocka_run_group_tests_name("aggregator drain policy", tests, NULL, NULL);
}
