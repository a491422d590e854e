/* common/json.c: reading body fields strictly, building answers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "req.h"
#include "resp.h"
#include "json.h"
#include "unit.h"

static void strings_are_checked_for_type_length_and_presence(void **state)
{
	(void)state;
	struct resp resp = {0};
	const char *s;
	json_t *o = json_pack("{s:s, s:s, s:i, s:n, s:s}", "ok", "héllo", "empty", "", "num", 5,
	                      "nul", "long", "ééééé");

	assert_int_equal(json_field_string(o, "ok", 5, JSON_REQUIRED, &s, &resp), ERR_OK);
	assert_string_equal(s, "héllo");
	/* Lengths are in characters, not bytes. */
	assert_int_equal(json_field_string(o, "long", 5, JSON_REQUIRED, &s, &resp), ERR_OK);
	assert_int_equal(json_field_string(o, "long", 4, JSON_REQUIRED, &s, &resp),
	                 ERR_BAD_REQUEST);
	assert_non_null(strstr(resp.message, "'long'"));
	assert_int_equal(json_field_string(o, "empty", 5, JSON_OPTIONAL, &s, &resp),
	                 ERR_BAD_REQUEST);
	assert_int_equal(json_field_string(o, "num", 5, JSON_OPTIONAL, &s, &resp), ERR_BAD_REQUEST);
	assert_non_null(strstr(resp.message, "must be a string"));
	assert_int_equal(json_field_string(o, "nul", 5, JSON_OPTIONAL, &s, &resp), ERR_OK);
	assert_null(s);
	assert_int_equal(json_field_string(o, "missing", 5, JSON_OPTIONAL, &s, &resp), ERR_OK);
	assert_null(s);
	assert_int_equal(json_field_string(o, "missing", 5, JSON_REQUIRED, &s, &resp),
	                 ERR_BAD_REQUEST);
	assert_non_null(strstr(resp.message, "'missing' is required"));
	json_decref(o);
}

static void integers_are_checked_for_type_and_range(void **state)
{
	(void)state;
	struct resp resp = {0};
	int64_t v;
	bool found;
	json_t *o = json_loads("{\"id\": 7, \"real\": 7.0, \"str\": \"7\", \"neg\": -1, "
	                       "\"big\": 9223372036854775807}",
	                       0, NULL);

	assert_int_equal(json_field_int64(o, "id", 1, INT64_MAX, JSON_REQUIRED, &v, &found, &resp),
	                 ERR_OK);
	assert_true(found);
	assert_int_equal(v, 7);
	assert_int_equal(json_field_int64(o, "big", 1, INT64_MAX, JSON_REQUIRED, &v, &found, &resp),
	                 ERR_OK);
	assert_int_equal(v, INT64_MAX);
	assert_int_equal(
	    json_field_int64(o, "real", 1, INT64_MAX, JSON_REQUIRED, &v, &found, &resp),
	    ERR_BAD_REQUEST);
	assert_int_equal(json_field_int64(o, "str", 1, INT64_MAX, JSON_REQUIRED, &v, &found, &resp),
	                 ERR_BAD_REQUEST);
	assert_int_equal(json_field_int64(o, "neg", 1, INT64_MAX, JSON_REQUIRED, &v, &found, &resp),
	                 ERR_BAD_REQUEST);
	assert_int_equal(json_field_int64(o, "none", 1, 9, JSON_OPTIONAL, &v, &found, &resp),
	                 ERR_OK);
	assert_false(found);
	json_decref(o);
}

static void builders(void **state)
{
	(void)state;
	json_t *n = json_string_or_null(NULL), *s = json_string_or_null("x");
	assert_true(json_is_null(n));
	assert_string_equal(json_string_value(s), "x");
	json_decref(n);
	json_decref(s);
	json_t *parsed = json_from_db("{\"trigger\":\"api\"}");
	assert_string_equal(json_string_value(json_object_get(parsed, "trigger")), "api");
	json_decref(parsed);
	assert_null(json_from_db("{broken"));
}

/* What jansson itself writes for value, compact. */
static void assert_renders_as_jansson(json_t *value)
{
	struct buf b = BUF_INIT(0);
	char *expected = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(expected);
	assert_int_equal(json_render(&b, value), 0);
	assert_string_equal(b.data, expected);
	free(expected);
	buf_free(&b);
	json_decref(value);
}

static void rendering_matches_jansson_byte_for_byte(void **state)
{
	(void)state;
	char controls[33];

	for (int c = 1; c < 32; c++)
		controls[c - 1] = (char)c;
	controls[31] = '\x7f';
	controls[32] = '\0';
	assert_renders_as_jansson(json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:b, s:b, s:n, s:[], s:{}}",
	    "plain", "deployment", "escaped", "quote \" backslash \\ slash / end", "controls",
	    controls, "utf-8", "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x9a\x80", "zero", (json_int_t)0,
	    "min", (json_int_t)INT64_MIN, "max", (json_int_t)INT64_MAX, "tenth", 0.1, "whole", 3.0,
	    "huge", 1e300, "yes", 1, "no", 0, "none", "empty list", "empty object"));
	/* A NUL inside a string, keys that need escaping, nesting, order kept as built. */
	json_t *nested = json_object();
	json_object_set_new(nested, "z\"\n", json_stringn("a\0b", 3));
	json_object_set_new(nested, "a", json_pack("[i, [s, {s:i}], n]", -7, "x", "y", 2));
	assert_renders_as_jansson(nested);
	assert_renders_as_jansson(json_pack("[]"));
	assert_renders_as_jansson(json_string("alone"));
	assert_renders_as_jansson(json_integer(-42));

	/* Past the buffer's cap: -1 and the failure kept. */
	struct buf small = BUF_INIT(8);
	json_t *long_one = json_string("more than eight bytes");
	assert_int_equal(json_render(&small, long_one), -1);
	assert_true(small.failed);
	json_decref(long_one);
	buf_free(&small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rendering_matches_jansson_byte_for_byte),
	    cmocka_unit_test(strings_are_checked_for_type_length_and_presence),
	    cmocka_unit_test(integers_are_checked_for_type_and_range),
	    cmocka_unit_test(builders),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
