/* common/json.c: reading body fields strictly, building answers. */
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strings_are_checked_for_type_length_and_presence),
	    cmocka_unit_test(integers_are_checked_for_type_and_range),
	    cmocka_unit_test(builders),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
