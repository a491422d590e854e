/*
 * Field-by-field reading of JSON request bodies, and small builders for answers. Every reader
 * names the field in its error and answers 400 through resp_error(); none accepts a value of the
 * wrong type silently. Builders return new references.
 */
#ifndef PANEL_JSON_H
#define PANEL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct resp;

/*
 * Makes jansson allocate through xmalloc (mem.h), so that running out of memory aborts with a
 * log line like everywhere else, and containers (json_object(), json_array()) are never NULL.
 * Called once by every program before it builds any JSON.
 */
void json_init(void);

enum json_need { JSON_OPTIONAL, JSON_REQUIRED };

/*
 * Reads obj[key] as a string of 1 to max_len characters (Unicode code points). Absent or null
 * is *out = NULL (400 when required). The string is borrowed from obj.
 */
enum err json_field_string(const json_t *obj, const char *key, size_t max_len, enum json_need need,
                           const char **out, struct resp *resp);

/* Reads obj[key] as an integer in [min, max]; absent or null is 400 when required, else *found=false. */
enum err json_field_int64(const json_t *obj, const char *key, int64_t min, int64_t max,
                          enum json_need need, int64_t *out, bool *found, struct resp *resp);

/* A JSON string, or null when s is NULL (new reference). */
json_t *json_string_or_null(const char *s);

/*
 * Appends item to array, stealing the reference. When item is NULL (it could not be built) or
 * the append fails, array is released and NULL returned, so a list is built whole or not at
 * all: `list = json_array_add(list, thing_to_json(&rows[i]))` in a loop, then one NULL check.
 */
json_t *json_array_add(json_t *array, json_t *item);

/* Parses text known to be JSON (from the database); NULL on failure (new reference). */
json_t *json_from_db(const char *text);

/*
 * Appends value to b as compact JSON, byte for byte what json_dumps(value, JSON_COMPACT |
 * JSON_ENCODE_ANY) writes (keys in insertion order, the same escapes), without its per-call
 * cost: json_dump_callback() sets up a hash table to detect cycles and hashes every object
 * and array it meets, and calls back for every token (a third of a worker's instructions for a
 * GET /projects/{id}, callgrind). Answers are trees the handlers build, never cyclic. Returns 0,
 * or -1 when b's cap is reached (b->failed is set). value is borrowed.
 */
int json_render(struct buf *b, const json_t *value);

#endif
