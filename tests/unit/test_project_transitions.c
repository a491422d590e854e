/* fcgi/project/transitions.c: statuses, the transition table and the status filter. */
#include <stdio.h>
#include <string.h>

#include "project.h"
#include "unit.h"

static const char *const names[] = {"pending", "building", "deploying",
                                    "done",    "failed",   "cancelled"};

/* The contract's rules, written out pair by pair rather than derived from the table. */
static const char *const allowed_pairs[] = {
    "pending>building",   "pending>deploying",  "pending>done",     "pending>failed",
    "pending>cancelled",  "building>deploying", "building>done",    "building>failed",
    "building>cancelled", "deploying>done",     "deploying>failed", "deploying>cancelled",
};

static bool expected(const char *from, const char *to)
{
	char pair[32];
	snprintf(pair, sizeof(pair), "%s>%s", from, to);
	for (size_t i = 0; i < sizeof(allowed_pairs) / sizeof(allowed_pairs[0]); i++)
		if (strcmp(allowed_pairs[i], pair) == 0)
			return true;
	return false;
}

static void every_pair_is_allowed_or_refused_as_the_contract_says(void **state)
{
	(void)state;
	size_t allowed = 0;

	for (size_t f = 0; f < 6; f++)
		for (size_t t = 0; t < 6; t++) {
			enum deployment_status from, to;
			assert_true(deployment_status_parse(names[f], &from));
			assert_true(deployment_status_parse(names[t], &to));
			bool got = transition_allowed(from, to);
			if (got != expected(names[f], names[t]))
				fail_msg("%s -> %s: got %d", names[f], names[t], got);
			allowed += got;
		}
	assert_int_equal(allowed, 12);
}

static void the_same_status_is_never_a_transition(void **state)
{
	(void)state;
	for (int s = 0; s < DEPLOYMENT_NSTATUSES; s++)
		assert_false(
		    transition_allowed((enum deployment_status)s, (enum deployment_status)s));
}

static void out_of_range_statuses_are_refused(void **state)
{
	(void)state;
	assert_false(transition_allowed(DEPLOYMENT_NSTATUSES, DEPLOYMENT_DONE));
	assert_false(transition_allowed(DEPLOYMENT_PENDING, DEPLOYMENT_NSTATUSES));
	assert_false(transition_allowed((enum deployment_status) - 1, DEPLOYMENT_DONE));
}

/* The sets the guarded UPDATE receives. */
static void sources_are_the_table_read_by_column(void **state)
{
	(void)state;
	static const char *const want[] = {
	    "",                           /* pending: nothing goes back to it */
	    "pending",                    /* building */
	    "pending,building",           /* deploying */
	    "pending,building,deploying", /* done */
	    "pending,building,deploying", /* failed */
	    "pending,building,deploying", /* cancelled */
	};
	for (int to = 0; to < DEPLOYMENT_NSTATUSES; to++) {
		enum deployment_status from[DEPLOYMENT_NSTATUSES];
		char got[128] = "";
		size_t n = transition_sources((enum deployment_status)to, from), len = 0;
		for (size_t i = 0; i < n; i++)
			len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s", i ? "," : "",
			                        deployment_status_name(from[i]));
		assert_string_equal(got, want[to]);
	}
}

static void names_round_trip_and_nothing_else_parses(void **state)
{
	(void)state;
	enum deployment_status s;

	for (int i = 0; i < DEPLOYMENT_NSTATUSES; i++) {
		assert_string_equal(deployment_status_name((enum deployment_status)i), names[i]);
		assert_true(deployment_status_parse(names[i], &s));
		assert_int_equal(s, i);
	}
	const char *bad[] = {"",         "Done",   "DONE",     "done ",   " done",
	                     "complete", "cancel", "canceled", "pendingx"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(deployment_status_parse(bad[i], &s));
	assert_string_equal(deployment_status_name(DEPLOYMENT_NSTATUSES), "unknown");
}

static void final_statuses_are_done_failed_and_cancelled(void **state)
{
	(void)state;
	assert_false(deployment_status_final(DEPLOYMENT_PENDING));
	assert_false(deployment_status_final(DEPLOYMENT_BUILDING));
	assert_false(deployment_status_final(DEPLOYMENT_DEPLOYING));
	assert_true(deployment_status_final(DEPLOYMENT_DONE));
	assert_true(deployment_status_final(DEPLOYMENT_FAILED));
	assert_true(deployment_status_final(DEPLOYMENT_CANCELLED));
}

static void status_filter_takes_one_or_several_names(void **state)
{
	(void)state;
	bool want[DEPLOYMENT_NSTATUSES];

	assert_true(deployment_status_list_parse("done", want));
	for (int s = 0; s < DEPLOYMENT_NSTATUSES; s++)
		assert_int_equal(want[s], s == DEPLOYMENT_DONE);
	assert_true(deployment_status_list_parse("failed,pending,failed", want));
	for (int s = 0; s < DEPLOYMENT_NSTATUSES; s++)
		assert_int_equal(want[s], s == DEPLOYMENT_FAILED || s == DEPLOYMENT_PENDING);
	assert_true(
	    deployment_status_list_parse("pending,building,deploying,done,failed,cancelled", want));
	for (int s = 0; s < DEPLOYMENT_NSTATUSES; s++)
		assert_true(want[s]);

	const char *bad[] = {
	    "",     ",",           "done,",       ",done", "done,,failed",
	    "Done", "done failed", "done;failed", "nope",  "cancelledcancelledcancelled"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (deployment_status_list_parse(bad[i], want))
			fail_msg("'%s' parsed", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_pair_is_allowed_or_refused_as_the_contract_says),
	    cmocka_unit_test(the_same_status_is_never_a_transition),
	    cmocka_unit_test(out_of_range_statuses_are_refused),
	    cmocka_unit_test(sources_are_the_table_read_by_column),
	    cmocka_unit_test(names_round_trip_and_nothing_else_parses),
	    cmocka_unit_test(final_statuses_are_done_failed_and_cancelled),
	    cmocka_unit_test(status_filter_takes_one_or_several_names),
	};
	return cmocka_run_group_tests_name("project: transitions", tests, NULL, NULL);
}
