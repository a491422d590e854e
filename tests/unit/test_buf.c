/* common/buf.c: growth, the size cap, formatting, URL encoding and reading files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "unit.h"

static void appends_grow_and_stay_terminated(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(b.len, 3000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 2997, "abc", 3);
	buf_free(&b);
	assert_null(b.data);
}

static void cap_refuses_and_leaves_the_buffer_unchanged(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(5);
	assert_int_equal(buf_puts(&b, "abcd"), 0);
	assert_false(b.failed);
	assert_int_equal(buf_puts(&b, "ef"), -1);
	assert_string_equal(b.data, "abcd");
	/* A refused append is remembered, even when later ones fit. */
	assert_true(b.failed);
	assert_int_equal(buf_puts(&b, "e"), 0);
	assert_true(b.failed);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	assert_string_equal(b.data, "abcde");
	buf_reset(&b);
	assert_false(b.failed);
	assert_int_equal(buf_put_urlencoded(&b, "a  b"), -1); /* "a%20%20b" is 8 bytes */
	assert_true(b.failed);
	buf_free(&b);
	assert_false(b.failed);
}

static void printf_handles_long_output(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_printf(&b, "<%s|%d>", big, 42), 0);
	assert_int_equal(b.len, 999 + 5);
	assert_memory_equal(b.data + b.len - 4, "|42>", 4);
	buf_free(&b);
}

static void urlencoding_keeps_only_unreserved(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	buf_put_urlencoded(&b, "a-Z_0.9~ &=/?é");
	assert_string_equal(b.data, "a-Z_0.9~%20%26%3D%2F%3F%C3%A9");
	buf_free(&b);
}

static void reset_keeps_memory(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	buf_puts(&b, "hello");
	char *data = b.data;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_puts(&b, "hi");
	assert_ptr_equal(b.data, data);
	buf_free(&b);
}

static void reads_whole_files_within_the_cap(void **state)
{
	(void)state;
	char path[] = "/tmp/test_buf.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);

	struct buf b = BUF_INIT(0);
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_string_equal(b.data, "0123456789");
	buf_free(&b);

	struct buf small = BUF_INIT(4);
	assert_int_equal(buf_read_file(&small, path), -1);
	buf_free(&small);

	unlink(path);
	assert_int_equal(buf_read_file(&b, path), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(appends_grow_and_stay_terminated),
	    cmocka_unit_test(cap_refuses_and_leaves_the_buffer_unchanged),
	    cmocka_unit_test(printf_handles_long_output),
	    cmocka_unit_test(urlencoding_keeps_only_unreserved),
	    cmocka_unit_test(reset_keeps_memory),
	    cmocka_unit_test(reads_whole_files_within_the_cap),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
