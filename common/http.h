/*
 * Requests and responses as plain structs, and the FastCGI accept loop that fills and sends
 * them. http.c is the only file that includes fcgiapp.h: handlers take a struct req and fill a
 * struct resp, so a unit test can build a request by hand and call a handler directly.
 */
#ifndef PANEL_HTTP_H
#define PANEL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "parse.h"

/* The contract's body limit; lighttpd refuses larger bodies before a worker sees them. */
enum { HTTP_MAX_BODY = 1024 * 1024, HTTP_MAX_PATH_IDS = 2, HTTP_REQUEST_ID_MAX = 64 };

struct req {
	const char *method;       /* as sent, except HEAD, which is reported as "GET" */
	bool head;                /* the client sent HEAD: the body is computed, not sent */
	const char *path;         /* the raw path, without the query */
	const char *query_string; /* raw, "" when absent */
	struct query query;       /* decoded by the dispatcher */
	const char *content_type; /* NULL when absent; likewise the headers below */
	const char *authorization;
	const char *if_none_match;
	const char *idempotency_key;
	const char *request_id; /* always set: the client's sane one or a fresh one */
	const char *body;
	size_t body_len;
	json_t *json; /* the parsed body on routes that take one; owned by the dispatcher */
	int64_t ids[HTTP_MAX_PATH_IDS]; /* the path's ids, in order */
	const struct route *route;      /* the route that matched, set by the dispatcher */
	struct arena *arena;            /* per-request memory, reset before the next request */
	void *app;                      /* the service's own context (its database) */
	char request_id_buf[HTTP_REQUEST_ID_MAX + 1];
};

struct resp {
	int status;               /* 0 until a handler or the dispatcher sets it */
	const char *content_type; /* static; NULL means application/json */
	struct buf headers;       /* extra header lines, each ending in "\r\n" */
	struct buf body;
	char message[512]; /* the message of an error answer */
};

/*
 * Fills req from a CGI/FastCGI environment (borrowed: req points into envp, which must outlive
 * it). Does not read the body. Never fails: absent variables become NULL or "".
 */
void http_req_from_env(struct req *req, const char *const *envp, struct arena *arena);

/* True for 1 to 64 characters of A-Za-z0-9._- (the ids we accept from clients). */
bool http_request_id_valid(const char *id);

/*
 * The request's Idempotency-Key, checked: 1 to 255 printable ASCII characters (0x21-0x7e).
 * *key is NULL when the header is absent (lighttpd drops an empty one); 400 in resp otherwise.
 */
enum { HTTP_IDEMPOTENCY_KEY_MAX = 255 };
enum err http_idempotency_key(const struct req *req, const char **key, struct resp *resp);

/* Writes a fresh random request id (32 hex characters) into out. */
void http_request_id_new(char out[HTTP_REQUEST_ID_MAX + 1]);

/* Adds a header line "name: value" formatted from fmt. */
void resp_header(struct resp *resp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Renders body as the JSON answer with the given status; steals the reference to body. */
enum err resp_json(struct resp *resp, int status, json_t *body);

/* Answers data (copied) with the given status and media type (a static string). */
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

/*
 * The answer of GET /health: 200 {"status": "ok", "database": "ok", ...details} when database is
 * ERR_OK, else 503 {"status": "unavailable", "database": "down", "name", "message"}. Steals
 * details (an object, or NULL).
 */
enum err resp_health(struct resp *resp, enum err database, json_t *details);

/* Reads docs/<name> under $PANEL_ROOT into doc, for GET /openapi.yaml; warns when it cannot. */
void http_document_load(struct buf *doc, const char *name);

/* Answers a document read by http_document_load() as application/yaml. */
enum err resp_document(struct resp *resp, const struct buf *doc);

/* Clears a response for reuse, keeping its buffers' memory. */
void resp_reset(struct resp *resp);

/*
 * Makes a GET answer conditional: a 200 gets a strong ETag derived from every byte that can
 * differ (its extra headers, such as Link and X-Total-Count, and its body), and becomes a 304
 * without a body when req's If-None-Match names that tag. Other answers are left alone.
 */
void resp_conditional(const struct req *req, struct resp *resp);

/* True when an If-None-Match value ("*", or a list of tags, weak or not) names etag. */
bool http_etag_matches(const char *if_none_match, const char *etag);

struct route;

struct service {
	const char *name;           /* for logs */
	const struct route *routes; /* the route table */
	size_t nroutes;
	void *app; /* passed to handlers as req->app */
};

/*
 * Runs the FastCGI accept loop on the socket lighttpd passed as fd 0 until it closes or a
 * SIGTERM arrives. Returns the process exit status.
 */
int http_serve(const struct service *svc);

#endif
