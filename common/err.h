/*
 * The one list of outcomes. Each row gives the enum, the HTTP status, the `name` of the
 * {"name", "message"} body and the status's reason phrase, so a new error is one line here
 * and nowhere else: the answers, the Status line and the statuses /metrics counts follow.
 * Functions that can fail return enum err; ERR_OK is zero, so `rc = f(); if (rc) return rc;`.
 */
#ifndef PANEL_ERR_H
#define PANEL_ERR_H

#include <stddef.h>

#define ERR_LIST(X)                                                                                \
	X(OK, 200, "OK", "OK")                                                                     \
	X(BAD_REQUEST, 400, "BadRequest", "Bad Request")                                           \
	X(UNAUTHORIZED, 401, "Unauthorized", "Unauthorized")                                       \
	X(FORBIDDEN, 403, "Forbidden", "Forbidden")                                                \
	X(NOT_FOUND, 404, "NotFound", "Not Found")                                                 \
	X(METHOD_NOT_ALLOWED, 405, "MethodNotAllowed", "Method Not Allowed")                       \
	X(CONFLICT, 409, "Conflict", "Conflict")                                                   \
	X(PAYLOAD_TOO_LARGE, 413, "PayloadTooLarge", "Payload Too Large")                          \
	X(UNSUPPORTED_MEDIA_TYPE, 415, "UnsupportedMediaType", "Unsupported Media Type")           \
	X(INTERNAL, 500, "InternalServerError", "Internal Server Error")                           \
	X(UNAVAILABLE, 503, "ServiceUnavailable", "Service Unavailable")

/* The other statuses a worker answers, successes that are no outcome of their own. */
#define ERR_OTHER_STATUSES(X) X(201, "Created") X(304, "Not Modified")

enum err {
#define ERR_ENUM(e, status, name, reason) ERR_##e,
	ERR_LIST(ERR_ENUM)
#undef ERR_ENUM
};

/* The HTTP status of an outcome. */
int err_status(enum err e);
/* The `name` field of its JSON body (static string). */
const char *err_name(enum err e);
/* A message safe for any occurrence of e, for when nothing more precise was said. */
const char *err_default_message(enum err e);
/* The reason phrase of an HTTP status (static string, "Unknown" for statuses we never send). */
const char *err_reason(int status);

/* How many statuses a worker answers (ERR_LIST's and the others), and the i-th, ascending. */
#define ERR_COUNT_OUTCOME(e, status, name, reason) +1
#define ERR_COUNT_OTHER(status, reason)            +1
enum { ERR_NSTATUSES = 0 ERR_LIST(ERR_COUNT_OUTCOME) ERR_OTHER_STATUSES(ERR_COUNT_OTHER) };
int err_status_at(size_t i);

#endif
