/*
 * Bounded parsing of untrusted text: integers, query strings, UTF-8, timestamps.
 * Every function here takes its input from a client, so none trusts a length, a digit count
 * or an encoding. Nothing here knows which service calls it.
 */
#ifndef PANEL_PARSE_H
#define PANEL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/*
 * Parses exactly the n bytes at s as a decimal integer in [min, max]: digits only, an optional
 * leading '-' when min < 0, no sign, space or leading zero otherwise. Returns 0 or -1.
 */
int parse_int64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out);

/* A path id: 1 to INT64_MAX. */
int parse_id(const char *s, size_t n, int64_t *out);

/* True when the n bytes at s are well-formed UTF-8 without NUL or other C0 controls. */
bool parse_utf8_text(const char *s, size_t n);

/* Replaces every byte that is not part of valid UTF-8 with '?', in place. */
void parse_utf8_scrub(char *s);

enum { QUERY_MAX_PARAMS = 16 };

struct query_param {
	const char *key;   /* decoded, NUL-terminated, owned by the arena */
	const char *value; /* decoded, NUL-terminated, owned by the arena; "" when absent */
};

struct query {
	struct query_param params[QUERY_MAX_PARAMS];
	size_t n;
};

enum query_status {
	QUERY_OK,
	QUERY_MALFORMED, /* a bad %-escape, invalid UTF-8 or a control character */
	QUERY_TOO_MANY,  /* more than QUERY_MAX_PARAMS parameters */
	QUERY_DUPLICATE, /* a key given twice; *bad_key names it */
};

/*
 * Splits an application/x-www-form-urlencoded query string ('&' separated, '+' is a space)
 * into decoded pairs allocated from the arena. Empty segments ("a=1&&b=2") are skipped.
 * On QUERY_DUPLICATE, *bad_key points at the repeated key (arena-owned).
 */
enum query_status parse_query(const char *qs, struct arena *a, struct query *q,
                              const char **bad_key);

/* The decoded value of key, or NULL when absent (borrowed from q). */
const char *query_get(const struct query *q, const char *key);

/*
 * Parses an RFC 3339 timestamp ("2023-06-22T06:02:08.597Z", any offset, up to microseconds,
 * 't'/'z'/' ' accepted as the standard allows) into microseconds since the Unix epoch.
 * Returns 0 or -1 (bad syntax, impossible date, year outside 1..9999).
 */
int parse_rfc3339(const char *s, int64_t *usec);

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's method). */
int64_t parse_days_from_civil(int64_t y, int m, int d);

/* Writes usec since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ" (milliseconds truncated). */
void format_rfc3339_ms(int64_t usec, char out[32]);

#endif
