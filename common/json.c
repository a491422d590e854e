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

/* A string's bytes escaped as jansson escapes them: quote, backslash and control characters. */
static int render_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t from = 0;

	if (buf_append(b, "\"", 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		char esc[6] = {'\\', (char)c, '0', '0', hex[c >> 4], hex[c & 15]};
		size_t n = 2;
		switch (c) {
		case '"':
		case '\\': break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default: esc[1] = 'u'; n = 6;
		}
		if (buf_append(b, s + from, i - from) || buf_append(b, esc, n))
			return -1;
		from = i + 1;
	}
	if (buf_append(b, s + from, len - from))
		return -1;
	return buf_append(b, "\"", 1);
}

static int render_integer(struct buf *b, json_int_t v)
{
	char digits[24];
	size_t n = sizeof(digits);
	/* In unsigned arithmetic, so that the most negative value has a magnitude too. */
	unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		digits[--n] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		digits[--n] = '-';
	return buf_append(b, digits + n, sizeof(digits) - n);
}

int json_render(struct buf *b, const json_t *value)
{
	switch (json_typeof(value)) {
	case JSON_OBJECT: {
		json_t *object = (json_t *)value; /* iterating changes nothing */
		if (buf_append(b, "{", 1))
			return -1;
		for (void *it = json_object_iter(object); it;
		     it = json_object_iter_next(object, it)) {
			if ((it != json_object_iter(object) && buf_append(b, ",", 1)) ||
			    render_string(b, json_object_iter_key(it),
			                  json_object_iter_key_len(it)) ||
			    buf_append(b, ":", 1) || json_render(b, json_object_iter_value(it)))
				return -1;
		}
		return buf_append(b, "}", 1);
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *item;
		if (buf_append(b, "[", 1))
			return -1;
		json_array_foreach(value, i, item)
		{
			if ((i && buf_append(b, ",", 1)) || json_render(b, item))
				return -1;
		}
		return buf_append(b, "]", 1);
	}
	case JSON_STRING:
		return render_string(b, json_string_value(value), json_string_length(value));
	case JSON_INTEGER: return render_integer(b, json_integer_value(value));
	case JSON_REAL: {
		/* Rare (the statistics' averages): jansson's own shortest round-trip form. */
		char text[64];
		size_t n = json_dumpb(value, text, sizeof(text), JSON_ENCODE_ANY);
		return n && n < sizeof(text) ? buf_append(b, text, n) : -1;
	}
	case JSON_TRUE: return buf_append(b, "true", 4);
	case JSON_FALSE: return buf_append(b, "false", 5);
	case JSON_NULL: return buf_append(b, "null", 4);
	}
	return -1;
}
