/* common/log.c: one valid JSON object per line, with the request id, whatever the message. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

/* Runs the logger with stderr redirected into a temporary file and returns what it wrote. */
static char *capture(void (*emit)(void))
{
	static char out[65536];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);

	dup2(fileno(tmp), STDERR_FILENO);
	emit();
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	size_t n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

/* The line at *text, which must be one JSON object ending in '\n'; *text moves past it. */
static json_t *next_line(char **text)
{
	char *end = strchr(*text, '\n');
	assert_non_null(end);
	*end = '\0';
	json_t *line = json_loads(*text, 0, NULL);
	assert_non_null(line);
	*text = end + 1;
	return line;
}

static void emit_plain(void)
{
	log_init("unit");
	log_set_request_id("req-1");
	log_error("database: %s", "connection \"refused\"\n\ttry again \x01");
	log_set_request_id(NULL);
	log_info("second");
	log_debug("hidden at the default level");
}

static void lines_are_json_objects(void **state)
{
	(void)state;
	char *out = capture(emit_plain);
	json_t *line = next_line(&out);
	assert_string_equal(json_string_value(json_object_get(line, "level")), "error");
	assert_string_equal(json_string_value(json_object_get(line, "service")), "unit");
	assert_string_equal(json_string_value(json_object_get(line, "requestId")), "req-1");
	assert_string_equal(json_string_value(json_object_get(line, "msg")),
	                    "database: connection \"refused\"\n\ttry again \x01");
	assert_non_null(strstr(json_string_value(json_object_get(line, "src")), "test_log.c:"));
	json_decref(line);

	line = next_line(&out);
	assert_true(json_is_null(json_object_get(line, "requestId")));
	json_decref(line);
	assert_string_equal(out, ""); /* nothing at debug */
}

static void emit_huge(void)
{
	char big[10000];
	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_warn("%s", big);
}

static void long_messages_are_cut_but_stay_valid(void **state)
{
	(void)state;
	char *out = capture(emit_huge);
	json_decref(next_line(&out));
	assert_string_equal(out, "");
}

static void emit_at_warn(void)
{
	setenv("LOG_LEVEL", "warn", 1);
	log_init("unit");
	log_info("dropped at warn");
	log_warn("kept at warn");
	unsetenv("LOG_LEVEL");
	log_init("unit");
}

static void log_level_names_the_lowest_level_written(void **state)
{
	(void)state;
	char *out = capture(emit_at_warn);
	assert_null(strstr(out, "dropped at warn"));
	assert_non_null(strstr(out, "kept at warn"));
}

static void emit_with_actor(void)
{
	log_init("unit");
	log_set_request_id("req-2");
	log_set_actor("auth0|a\"b");
	log_info("as someone");
	log_set_actor(NULL);
	log_info("as nobody");
	log_set_request_id(NULL);
}

/* Who made the request is on each of its lines (escaped like the rest); others have none. */
static void lines_name_the_actor(void **state)
{
	(void)state;
	char *out = capture(emit_with_actor);
	json_t *line = next_line(&out);
	assert_string_equal(json_string_value(json_object_get(line, "actor")), "auth0|a\"b");
	json_decref(line);
	line = next_line(&out);
	assert_null(json_object_get(line, "actor"));
	json_decref(line);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lines_are_json_objects),
	    cmocka_unit_test(long_messages_are_cut_but_stay_valid),
	    cmocka_unit_test(log_level_names_the_lowest_level_written),
	    cmocka_unit_test(lines_name_the_actor),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
