/*
 * An answer as handlers build it: status, media type, extra headers and body in plain buffers,
 * and the builders that fill them. common/http.c writes it out; nothing here knows FastCGI.
 */
#ifndef PANEL_RESP_H
#define PANEL_RESP_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct resp {
	int status;               /* 0 until a handler or the dispatcher sets it */
	const char *content_type; /* static; NULL means application/json */
	struct buf headers;       /* extra header lines, each ending in "\r\n" */
	struct buf body;
	char message[512]; /* the message of an error answer */
};

/*
 * The caps of a worker's answer. lighttpd takes at most 64 KiB of headers from a worker
 * (its MAX_HTTP_RESPONSE_FIELD_SIZE, else 502), and http.c adds up to 1 KiB of its own (Status,
 * X-Request-Id, Content-Type, Content-Length). An answer that does not fit is a 500
 * (route_dispatch), never a truncated one.
 */
enum { RESP_HEADERS_MAX = 63 * 1024, RESP_BODY_MAX = 16 * 1024 * 1024 };
#define RESP_INIT                                                                                  \
	{                                                                                          \
		.headers = BUF_INIT(RESP_HEADERS_MAX), .body = BUF_INIT(RESP_BODY_MAX)             \
	}

/*
 * Adds a header line "name: value" formatted from fmt; ERR_INTERNAL (with its message) when it
 * does not fit the answer's headers.
 */
enum err resp_header(struct resp *resp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Renders body as the JSON answer with the given status; steals the reference to body. A body
 * that could not be built (NULL) or rendered is ERR_INTERNAL, never a partial answer.
 */
enum err resp_json(struct resp *resp, int status, json_t *body);

/* Answers data (copied) with the given status and media type (a static string); ERR_INTERNAL
 * when it does not fit the answer. */
enum err resp_text(struct resp *resp, int status, const char *content_type, const char *data,
                   size_t len);

/*
 * Records an error message for the dispatcher to render as {"name", "message"}; returns e so a
 * handler can `return resp_error(resp, ERR_NOT_FOUND, "project %" PRId64 " ...", id);`.
 * The message must be safe to show a client.
 */
enum err resp_error(struct resp *resp, enum err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Renders resp->message as the JSON error body of e (used by the dispatcher). */
void resp_render_error(struct resp *resp, enum err e);

/* Clears a response for reuse, keeping its buffers' memory. */
void resp_reset(struct resp *resp);

/* Releases the buffers' memory; the response stays usable (empty). */
void resp_free(struct resp *resp);

#endif
