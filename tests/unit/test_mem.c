/* common/mem.c: the per-request arena. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "unit.h"

static void allocations_are_aligned_and_distinct(void **state)
{
	(void)state;
	struct arena a = {0};
	char *p = arena_alloc(&a, 3), *q = arena_alloc(&a, 5);
	assert_true(((uintptr_t)p % alignof(max_align_t)) == 0);
	assert_true(((uintptr_t)q % alignof(max_align_t)) == 0);
	assert_true(q >= p + 3);
	memset(p, 1, 3);
	memset(q, 2, 5);
	assert_int_equal(p[2], 1);
	arena_free(&a);
}

static void large_allocations_and_reset(void **state)
{
	(void)state;
	struct arena a = {0};
	char *big = arena_alloc(&a, 1 << 20);
	memset(big, 7, 1 << 20);
	for (int i = 0; i < 1000; i++)
		memset(arena_alloc(&a, 100), 1, 100);
	arena_reset(&a);
	/* After a reset one block is kept and reused. */
	char *again = arena_alloc(&a, 16);
	assert_non_null(again);
	char *copy = arena_strndup(&a, "hello world", 5);
	assert_string_equal(copy, "hello");
	arena_free(&a);
	assert_null(a.head);
	arena_reset(&a); /* harmless on an empty arena */
}

static void x_allocators(void **state)
{
	(void)state;
	char *s = xstrdup("abc");
	assert_string_equal(s, "abc");
	s = xrealloc(s, 100);
	assert_string_equal(s, "abc");
	free(s);
	int *z = xcalloc(4, sizeof(int));
	assert_int_equal(z[3], 0);
	free(z);
	free(xmalloc(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(allocations_are_aligned_and_distinct),
	    cmocka_unit_test(large_allocations_and_reset),
	    cmocka_unit_test(x_allocators),
	};
	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
