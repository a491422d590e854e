/*
 * JSON-lines logger. Writes each line with a single write(2) so lines from the workers that
 * share lighttpd's stderr never interleave. Allocates nothing: it must work when memory is out.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_service = "panel";
static char log_request_id[72];
static char log_actor[260];
static enum log_level log_min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *service)
{
	const char *level = getenv("LOG_LEVEL");

	log_service = service;
	log_min_level = LOG_INFO;
	for (size_t i = 0; level && i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(level, level_names[i]) == 0)
			log_min_level = (enum log_level)i;
}

void log_set_request_id(const char *request_id)
{
	if (!request_id) {
		log_request_id[0] = '\0';
		return;
	}
	snprintf(log_request_id, sizeof(log_request_id), "%s", request_id);
}

void log_set_actor(const char *actor)
{
	snprintf(log_actor, sizeof(log_actor), "%s", actor ? actor : "");
}

/* Appends s to out as the inside of a JSON string, truncating rather than overflowing. */
static size_t put_escaped(char *out, size_t pos, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s && pos + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char)c;
		} else if (c == '\n') {
			out[pos++] = '\\';
			out[pos++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a line, not a string */
			memcpy(out + pos, "\\u00", 4);
			out[pos + 4] = hex[c >> 4];
			out[pos + 5] = hex[c & 15];
			pos += 6;
		} else {
			out[pos++] = (char)c;
		}
	}
	return pos;
}

static size_t put_raw(char *out, size_t pos, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (pos + 1 >= cap)
		return pos;
	if (n > cap - pos - 1)
		n = cap - pos - 1;
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a line, not a string */
	memcpy(out + pos, s, n);
	return pos + n;
}

void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
{
	char msg[2048], src[128], ts[40], out[4096];
	struct timespec now;
	struct tm tm;
	va_list ap;
	size_t pos = 0;

	if (level < log_min_level)
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ldZ", now.tv_nsec / 1000000);

	const char *base = strrchr(file, '/');
	snprintf(src, sizeof(src), "%s:%d", base ? base + 1 : file, line);

	pos = put_raw(out, pos, sizeof(out), "{\"ts\":\"");
	pos = put_raw(out, pos, sizeof(out), ts);
	pos = put_raw(out, pos, sizeof(out), "\",\"level\":\"");
	pos = put_raw(out, pos, sizeof(out), level_names[level]);
	pos = put_raw(out, pos, sizeof(out), "\",\"service\":\"");
	pos = put_escaped(out, pos, sizeof(out), log_service);
	pos += (size_t)snprintf(out + pos, sizeof(out) - pos, "\",\"pid\":%ld", (long)getpid());
	pos = put_raw(out, pos, sizeof(out), ",\"requestId\":");
	if (log_request_id[0]) {
		pos = put_raw(out, pos, sizeof(out), "\"");
		pos = put_escaped(out, pos, sizeof(out), log_request_id);
		pos = put_raw(out, pos, sizeof(out), "\"");
	} else {
		pos = put_raw(out, pos, sizeof(out), "null");
	}
	if (log_actor[0]) {
		pos = put_raw(out, pos, sizeof(out), ",\"actor\":\"");
		pos = put_escaped(out, pos, sizeof(out), log_actor);
		pos = put_raw(out, pos, sizeof(out), "\"");
	}
	pos = put_raw(out, pos, sizeof(out), ",\"src\":\"");
	pos = put_escaped(out, pos, sizeof(out), src);
	pos = put_raw(out, pos, sizeof(out), "\",\"msg\":\"");
	pos = put_escaped(out, pos, sizeof(out) - 3, msg);
	pos = put_raw(out, pos, sizeof(out), "\"}\n");

	/* One write per line; a short write on a pipe of this size does not happen. */
	if (write(STDERR_FILENO, out, pos) < 0)
		return;
}
