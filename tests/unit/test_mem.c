/* common/mem.c: the per-request arena, and allocators that never return NULL. */
#include <signal.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem.h"
#include "unit.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

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
	/* A reset keeps the first block and starts over in it: the next request reuses it. */
	assert_ptr_equal(arena_alloc(&a, 16), big);
	char *copy = arena_strndup(&a, "hello world", 5);
	assert_string_equal(copy, "hello");
	assert_ptr_equal(copy, big + alignof(max_align_t));
	arena_free(&a);
	assert_null(a.head);
	arena_reset(&a); /* harmless on an empty arena */
	assert_null(a.head);
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
}

/* Out of memory never comes back as NULL: the process aborts, saying so in the log. */
static void out_of_memory_aborts_with_a_log_line(void **state)
{
	(void)state;
	int fds[2], status;
	char out[512] = "";

	assert_int_equal(pipe(fds), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		dup2(fds[1], 2);
		volatile char *p = xmalloc(SIZE_MAX / 2);
		_exit(p ? 0 : 3); /* xmalloc returned: the test fails either way */
	}
	close(fds[1]);
	ssize_t n = read(fds[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_false(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3));
#ifndef UNDER_ASAN /* ASan reports the allocation itself, before malloc could fail */
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	assert_non_null(strstr(out, "out of memory allocating"));
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(allocations_are_aligned_and_distinct),
	    cmocka_unit_test(large_allocations_and_reset),
	    cmocka_unit_test(x_allocators),
	    cmocka_unit_test(out_of_memory_aborts_with_a_log_line),
	};
	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
