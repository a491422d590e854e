/* common/parse.c: bounded integers, UTF-8, query strings and RFC 3339 timestamps. */
#include <string.h>

#include "mem.h"
#include "parse.h"
#include "unit.h"

static int p64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return parse_int64(s, strlen(s), min, max, out);
}

static void integers_are_strict_and_bounded(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(p64("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(p64("9223372036854775807", 1, INT64_MAX, &v), 0);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(p64("-9223372036854775808", INT64_MIN, 0, &v), 0);
	assert_int_equal(v, INT64_MIN);

	const char *bad[] = {"",
	                     "-",
	                     "+1",
	                     " 1",
	                     "1 ",
	                     "01",
	                     "1.0",
	                     "1e3",
	                     "0x10",
	                     "abc",
	                     "9223372036854775808",
	                     "99999999999999999999",
	                     "-1",
	                     "0",
	                     "101",
	                     "1a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(p64(bad[i], 1, 100, &v), -1);
	/* Exactly the n bytes given: a NUL inside is not a terminator. */
	assert_int_equal(parse_int64("1\0"
	                             "2",
	                             3, 1, 100, &v),
	                 -1);
	assert_int_equal(parse_id("0", 1, &v), -1);
	assert_int_equal(parse_id("7", 1, &v), 0);
}

static void utf8_is_validated(void **state)
{
	(void)state;
	assert_true(parse_utf8_text("héllo ✓ 𝄞", strlen("héllo ✓ 𝄞")));
	assert_true(parse_utf8_text("tab\tnewline\n", 12));
	assert_false(parse_utf8_text("\xc3", 1));             /* truncated */
	assert_false(parse_utf8_text("\xc0\xaf", 2));         /* overlong */
	assert_false(parse_utf8_text("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(parse_utf8_text("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	assert_false(parse_utf8_text("a\0b", 3));             /* NUL */
	assert_false(parse_utf8_text("\x1b[0m", 4));          /* control */

	char s[] = "ok\xff\xc3 end";
	parse_utf8_scrub(s);
	assert_string_equal(s, "ok?? end");
}

static void queries_decode_and_refuse_the_malformed(void **state)
{
	(void)state;
	struct arena a = {0};
	struct query q;
	const char *dup = NULL;

	assert_int_equal(parse_query("page=2&status=done%2Cfailed&name=a+b&&flag", &a, &q, &dup),
	                 QUERY_OK);
	assert_int_equal(q.n, 4);
	assert_string_equal(query_get(&q, "page"), "2");
	assert_string_equal(query_get(&q, "status"), "done,failed");
	assert_string_equal(query_get(&q, "name"), "a b");
	assert_string_equal(query_get(&q, "flag"), "");
	assert_null(query_get(&q, "missing"));

	assert_int_equal(parse_query("", &a, &q, &dup), QUERY_OK);
	assert_int_equal(q.n, 0);
	assert_int_equal(parse_query("a=%zz", &a, &q, &dup), QUERY_MALFORMED);
	assert_int_equal(parse_query("a=%4", &a, &q, &dup), QUERY_MALFORMED);
	assert_int_equal(parse_query("a=%00", &a, &q, &dup), QUERY_MALFORMED);
	assert_int_equal(parse_query("a=%ff", &a, &q, &dup), QUERY_MALFORMED);
	assert_int_equal(parse_query("page=1&page=2", &a, &q, &dup), QUERY_DUPLICATE);
	assert_string_equal(dup, "page");
	assert_int_equal(parse_query("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14"
	                             "&o=15&p=16&q=17",
	                             &a, &q, &dup),
	                 QUERY_TOO_MANY);
	arena_free(&a);
}

static void timestamps_follow_rfc3339(void **state)
{
	(void)state;
	int64_t us;
	char out[32];

	assert_int_equal(parse_rfc3339("2023-06-22T06:02:08.597Z", &us), 0);
	assert_int_equal(us, INT64_C(1687413728597000));
	format_rfc3339_ms(us, out);
	assert_string_equal(out, "2023-06-22T06:02:08.597Z");

	assert_int_equal(parse_rfc3339("1970-01-01T00:00:00Z", &us), 0);
	assert_int_equal(us, 0);
	assert_int_equal(parse_rfc3339("2024-02-29t12:00:00.123456+02:00", &us), 0);
	format_rfc3339_ms(us, out);
	assert_string_equal(out, "2024-02-29T10:00:00.123Z");
	/* Years below 1000 keep four digits (found by fuzz_time). */
	assert_int_equal(parse_rfc3339("0223-06-22T06:02:08.597z", &us), 0);
	format_rfc3339_ms(us, out);
	assert_string_equal(out, "0223-06-22T06:02:08.597Z");
	/* Milliseconds are truncated, not rounded. */
	assert_int_equal(parse_rfc3339("2024-01-01T00:00:00.9999Z", &us), 0);
	format_rfc3339_ms(us, out);
	assert_string_equal(out, "2024-01-01T00:00:00.999Z");

	const char *bad[] = {"",
	                     "2023-06-22",
	                     "2023-06-22T06:02:08",
	                     "2023-02-29T00:00:00Z",
	                     "2023-13-01T00:00:00Z",
	                     "2023-06-22T24:00:00Z",
	                     "2023-06-22T06:02:08.Z",
	                     "2023-06-22T06:02:08Z junk",
	                     "0000-01-01T00:00:00Z",
	                     "2023-06-22T06:02:08+0200",
	                     "yesterday"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_rfc3339(bad[i], &us), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(integers_are_strict_and_bounded),
	    cmocka_unit_test(utf8_is_validated),
	    cmocka_unit_test(queries_decode_and_refuse_the_malformed),
	    cmocka_unit_test(timestamps_follow_rfc3339),
	};
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
