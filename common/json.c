/*
 * Helpers over jansson for request bodies and answers. Knows no resource: the field names come
 * from the handlers.
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "resp.h"

void json_init(void)
{
	json_set_alloc_funcs(xmalloc, free);
}

/* Code points in a valid UTF-8 string (jansson guarantees validity). */
static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

enum err json_field_string(const json_t *obj, const char *key, size_t max_len, enum json_need need,
                           const char **out, struct resp *resp)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (need == JSON_REQUIRED)
			return resp_error(resp, ERR_BAD_REQUEST, "field '%s' is required", key);
		return ERR_OK;
	}
	if (!json_is_string(v))
		return resp_error(resp, ERR_BAD_REQUEST, "field '%s' must be a string", key);
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return resp_error(resp, ERR_BAD_REQUEST, "field '%s' must not contain NUL", key);
	size_t len = utf8_length(s);
	if (len == 0)
		return resp_error(resp, ERR_BAD_REQUEST, "field '%s' must not be empty", key);
	if (len > max_len)
		return resp_error(resp, ERR_BAD_REQUEST, "field '%s' is longer than %zu characters",
		                  key, max_len);
	*out = s;
	return ERR_OK;
}

enum err json_field_int64(const json_t *obj, const char *key, int64_t min, int64_t max,
                          enum json_need need, int64_t *out, bool *found, struct resp *resp)
{
	const json_t *v = json_object_get(obj, key);

	*found = false;
	if (!v || json_is_null(v)) {
		if (need == JSON_REQUIRED)
			return resp_error(resp, ERR_BAD_REQUEST, "field '%s' is required", key);
		return ERR_OK;
	}
	if (!json_is_integer(v))
		return resp_error(resp, ERR_BAD_REQUEST, "field '%s' must be an integer", key);
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return resp_error(resp, ERR_BAD_REQUEST, "field '%s' is out of range", key);
	*out = i;
	*found = true;
	return ERR_OK;
}

json_t *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *json_array_add(json_t *array, json_t *item)
{
	/* json_array_append_new() releases item even when it fails (array NULL included). */
	if (!item || json_array_append_new(array, item)) {
		json_decref(array);
		return NULL;
	}
	return array;
}

json_t *json_from_db(const char *text)
{
	return json_loads(text, JSON_DECODE_ANY, NULL);
}
