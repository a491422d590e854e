/*
 * A request as handlers see it: a plain struct that common/http.c fills from FastCGI (or a test
 * fills by hand), with the path ids, query and body the dispatcher has already checked. Nothing
 * here knows FastCGI or any service.
 */
#ifndef PANEL_REQ_H
#define PANEL_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mem.h"
#include "parse.h"

struct resp;
struct route;

/* The contract's body limit; lighttpd refuses larger bodies before a worker sees them. */
enum { REQ_MAX_BODY = 1024 * 1024, REQ_MAX_PATH_IDS = 2, REQ_ID_MAX = 64 };

struct req {
	const char *method;         /* as sent, except HEAD, which is reported as "GET" */
	bool head;                  /* the client sent HEAD: the body is computed, not sent */
	const char *path;           /* the path as lighttpd routed it, without the query */
	const char *query_string;   /* raw, "" when absent */
	struct query query;         /* decoded by the dispatcher */
	const char *content_type;   /* NULL when absent; likewise the headers below */
	const char *content_length; /* as lighttpd passed it; http.c reads the body by it */
	const char *authorization;
	const char *if_none_match;
	const char *idempotency_key;
	const char *webhook_id; /* the Standard Webhooks headers, for POST /deployment/webhook */
	const char *webhook_timestamp;
	const char *webhook_signature;
	const char *request_id; /* always set: the client's sane one or a fresh one */
	const char *actor;      /* who is calling: REMOTE_USER, set by lighttpd's gate, or NULL */
	const char *body;
	size_t body_len;
	json_t *json; /* the parsed body on routes that take one; owned by the dispatcher */
	int64_t ids[REQ_MAX_PATH_IDS]; /* the path's ids, in order */
	const struct route *route;     /* the route that matched, set by the dispatcher */
	struct arena *arena;           /* per-request memory, reset before the next request */
	void *app;                     /* the service's context: a struct app and what follows it */
	const char *const *envp;       /* every parameter lighttpd passed (see http_req_param) */
	char request_id_buf[REQ_ID_MAX + 1];
};

/*
 * The request's Idempotency-Key, checked: 1 to 255 printable ASCII characters (0x21-0x7e).
 * *key is NULL when the header is absent (lighttpd drops an empty one); 400 in resp otherwise.
 * The key is borrowed from req.
 */
enum { REQ_IDEMPOTENCY_KEY_MAX = 255 };
enum err req_idempotency_key(const struct req *req, const char **key, struct resp *resp);

#endif
