/*
 * libFuzzer target: the seed loader's parsing and validation (no database). Properties: never
 * crashes or leaks, and what it accepts is an array of objects.
 */
#include <jansson.h>

#include "fuzz.h"
#include "panelctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *users = seed_parse_users("users.json", (const char *)data, size);
	json_t *projects = seed_parse_projects("projects.json", (const char *)data, size);
	FUZZ_ASSERT(!users || json_is_array(users));
	FUZZ_ASSERT(!projects || json_is_array(projects));
	json_decref(users);
	json_decref(projects);
	return 0;
}
