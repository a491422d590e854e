/*
 * The one list of outcomes. Each row gives the enum, the HTTP status and the `name` of the
 * {"name", "message"} body, so a new error is one line here and nowhere else.
 * Functions that can fail return enum err; ERR_OK is zero, so `rc = f(); if (rc) return rc;`.
 */
#ifndef PANEL_ERR_H
#define PANEL_ERR_H

#define ERR_LIST(X)                                                                                \
	X(OK, 200, "OK")                                                                           \
	X(BAD_REQUEST, 400, "BadRequest")                                                          \
	X(UNAUTHORIZED, 401, "Unauthorized")                                                       \
	X(NOT_FOUND, 404, "NotFound")                                                              \
	X(METHOD_NOT_ALLOWED, 405, "MethodNotAllowed")                                             \
	X(CONFLICT, 409, "Conflict")                                                               \
	X(PAYLOAD_TOO_LARGE, 413, "PayloadTooLarge")                                               \
	X(UNSUPPORTED_MEDIA_TYPE, 415, "UnsupportedMediaType")                                     \
	X(INTERNAL, 500, "InternalServerError")                                                    \
	X(UNAVAILABLE, 503, "ServiceUnavailable")

enum err {
#define ERR_ENUM(e, status, name) ERR_##e,
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

#endif
