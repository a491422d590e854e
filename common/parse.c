/*
 * Parsers for untrusted input. Pure functions over bytes: no I/O, no globals.
 */
#include "parse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mem.h"

int parse_int64(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	bool negative = false;
	uint64_t limit, value = 0;
	size_t i = 0;

	if (n > 0 && s[0] == '-' && min < 0) {
		negative = true;
		i = 1;
	}
	if (i == n || n - i > 19)
		return -1;
	if (s[i] == '0' && n - i > 1)
		return -1;
	limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		if (value > (limit - d) / 10)
			return -1;
		value = value * 10 + d;
	}
	int64_t v;
	if (negative)
		v = value == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)value;
	else
		v = (int64_t)value;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_id(const char *s, size_t n, int64_t *out)
{
	return parse_int64(s, n, 1, INT64_MAX, out);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void parse_utf8_scrub(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n = strlen(s);

	while (*p) {
		size_t len = utf8_seq_len(p, n);
		if (len == 0) {
			*p = '?';
			len = 1;
		}
		p += len;
		n -= len;
	}
}

bool parse_utf8_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
		size_t len = utf8_seq_len(p, (size_t)(end - p));
		if (len == 0)
			return false;
		p += len;
	}
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes n bytes of a query component into the arena; NULL when malformed. */
static const char *query_decode(const char *s, size_t n, struct arena *a)
{
	char *out = arena_alloc(a, n + 1);
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[len++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			out[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[len++] = s[i];
		}
	}
	out[len] = '\0';
	return parse_utf8_text(out, len) ? out : NULL;
}

enum query_status parse_query(const char *qs, struct arena *a, struct query *q,
                              const char **bad_key)
{
	q->n = 0;
	if (!qs)
		return QUERY_OK;
	while (*qs) {
		size_t seg = strcspn(qs, "&");
		const char *eq = memchr(qs, '=', seg);
		size_t klen = eq ? (size_t)(eq - qs) : seg;

		if (seg > 0) {
			const char *key = query_decode(qs, klen, a);
			const char *value = eq ? query_decode(eq + 1, seg - klen - 1, a) : "";
			if (!key || !value)
				return QUERY_MALFORMED;
			if (query_get(q, key)) {
				*bad_key = key;
				return QUERY_DUPLICATE;
			}
			if (q->n == QUERY_MAX_PARAMS)
				return QUERY_TOO_MANY;
			q->params[q->n].key = key;
			q->params[q->n].value = value;
			q->n++;
		}
		qs += seg;
		if (*qs == '&')
			qs++;
	}
	return QUERY_OK;
}

const char *query_get(const struct query *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->params[i].key, key) == 0)
			return q->params[i].value;
	return NULL;
}

/* Reads exactly `digits` decimal digits at *p into *out and advances *p. */
static int take_digits(const char **p, int digits, int *out)
{
	int v = 0;
	for (int i = 0; i < digits; i++) {
		unsigned d = (unsigned char)(*p)[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + (int)d;
	}
	*p += digits;
	*out = v;
	return 0;
}

static int take_char(const char **p, const char *allowed)
{
	if (!**p || !strchr(allowed, **p))
		return -1;
	(*p)++;
	return 0;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t parse_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int parse_rfc3339(const char *s, int64_t *usec)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t frac = 0;
	const char *p = s;

	if (take_digits(&p, 4, &y) || take_char(&p, "-") || take_digits(&p, 2, &mo) ||
	    take_char(&p, "-") || take_digits(&p, 2, &d) || take_char(&p, "Tt ") ||
	    take_digits(&p, 2, &h) || take_char(&p, ":") || take_digits(&p, 2, &mi) ||
	    take_char(&p, ":") || take_digits(&p, 2, &sec))
		return -1;
	if (*p == '.') {
		int ndigits = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (ndigits < 6)
				frac = frac * 10 + (*p - '0');
			ndigits++;
			p++;
		}
		if (ndigits == 0 || ndigits > 9)
			return -1;
		for (int i = ndigits; i < 6; i++)
			frac *= 10;
	}
	int sign = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (take_digits(&p, 2, &oh) || take_char(&p, ":") || take_digits(&p, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60 || oh > 23 ||
	    om > 59)
		return -1;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return -1;
	if (sec == 60) /* a leap second is read as the last instant of its minute */
		sec = 59, frac = 999999;

	int64_t secs = parse_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	secs -= sign * (oh * 3600 + om * 60);
	*usec = secs * 1000000 + frac;
	return 0;
}

void format_rfc3339_ms(int64_t usec, char out[32])
{
	int64_t secs = usec >= 0 ? usec / 1000000 : -((-usec + 999999) / 1000000);
	int64_t ms = (usec - secs * 1000000) / 1000;
	time_t t = (time_t)secs;
	struct tm tm;

	char tmp[96];

	gmtime_r(&t, &tm);
	/* Four-digit years always (strftime's %Y would print 223 for 0223). */
	int n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
	if (n < 0 || n > 31)
		n = 0;
	memcpy(out, tmp, (size_t)n);
	out[n] = '\0';
}
