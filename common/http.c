/*
 * The FastCGI side of a worker: the accept loop, turning FastCGI params and stdin into a
 * struct req, and writing a struct resp back. The only file that includes fcgiapp.h. It knows
 * no route and no table: it hands every request to route_dispatch().
 */
#include "http.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>

#include "etag.h"
#include "log.h"
#include "metrics.h"
#include "resp.h"
#include "route.h"
#include "service.h"

static volatile sig_atomic_t http_stopping;

static const char *env_get(const char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* The FastCGI params a request is made of, found in one pass over them (env_read). */
struct env {
	const char *uri, *method, *script, *path_info, *query, *request_id, *content_type,
	    *content_length, *authorization, *if_none_match, *idempotency_key, *webhook_id,
	    *webhook_timestamp, *webhook_signature, *remote_user;
};

/*
 * One pass over the params (lighttpd sends some forty), each compared only with the names of
 * its length: a dozen scans of the whole list, one per name, were a tenth of a worker's
 * instructions for a GET (callgrind).
 */
static void env_read(const char *const *envp, struct env *e)
{
	static const struct {
		const char *name;
		size_t len;
		size_t field;
	} names[] = {
#define ENV_NAME(name, field) {name, sizeof(name) - 1, offsetof(struct env, field)}
	    ENV_NAME("REQUEST_URI", uri),
	    ENV_NAME("REQUEST_METHOD", method),
	    ENV_NAME("SCRIPT_NAME", script),
	    ENV_NAME("PATH_INFO", path_info),
	    ENV_NAME("QUERY_STRING", query),
	    ENV_NAME("HTTP_X_REQUEST_ID", request_id),
	    ENV_NAME("CONTENT_TYPE", content_type),
	    ENV_NAME("CONTENT_LENGTH", content_length),
	    ENV_NAME("HTTP_AUTHORIZATION", authorization),
	    ENV_NAME("HTTP_IF_NONE_MATCH", if_none_match),
	    ENV_NAME("HTTP_IDEMPOTENCY_KEY", idempotency_key),
	    ENV_NAME("HTTP_WEBHOOK_ID", webhook_id),
	    ENV_NAME("HTTP_WEBHOOK_TIMESTAMP", webhook_timestamp),
	    ENV_NAME("HTTP_WEBHOOK_SIGNATURE", webhook_signature),
	    ENV_NAME("REMOTE_USER", remote_user),
#undef ENV_NAME
	};

	memset(e, 0, sizeof(*e));
	for (; *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		if (!eq)
			continue;
		size_t len = (size_t)(eq - *envp);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const char **field = (const char **)((char *)e + names[i].field);
			/* The first of a name wins, as a scan from the start would have found it. */
			if (names[i].len == len && !*field &&
			    memcmp(*envp, names[i].name, len) == 0) {
				*field = eq + 1;
				break;
			}
		}
	}
}

bool http_request_id_valid(const char *id)
{
	size_t n = 0;
	if (!id)
		return false;
	for (; id[n]; n++) {
		char c = id[n];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
		if (n == REQ_ID_MAX)
			return false;
	}
	return n > 0;
}

void http_request_id_new(char out[REQ_ID_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16] = {0};

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		log_warn("getrandom failed; request id is not random");
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * sizeof(raw)] = '\0';
}

const char *http_req_param(const struct req *req, const char *name)
{
	return req->envp ? env_get(req->envp, name) : NULL;
}

void http_req_from_env(struct req *req, const char *const *envp, struct arena *arena)
{
	struct env e;

	env_read(envp, &e);
	const char *uri = e.uri, *method = e.method, *script = e.script, *path_info = e.path_info,
	           *query = e.query, *rid = e.request_id;

	memset(req, 0, sizeof(*req));
	req->arena = arena;
	req->envp = envp;
	req->method = method ? method : "GET";
	if (strcmp(req->method, "HEAD") == 0) {
		req->method = "GET";
		req->head = true;
	}
	/*
	 * The path lighttpd routed by, decoded and normalised (dot segments resolved): the very
	 * path its token gate judged, so no spelling of a path reaches a worker as another one.
	 * Without those variables (not lighttpd), the raw path of the request line.
	 */
	if (path_info) {
		size_t slen = script ? strlen(script) : 0, plen = strlen(path_info);
		char *path = arena_alloc(arena, slen + plen + 1);
		memcpy(path, script ? script : "", slen);
		memcpy(path + slen, path_info, plen + 1);
		req->path = path;
	} else {
		const char *raw = uri ? uri : "/";
		const char *q = strchr(raw, '?');
		req->path = q ? arena_strndup(arena, raw, (size_t)(q - raw)) : raw;
		if (!query && q)
			query = q + 1;
	}
	req->query_string = query ? query : "";
	req->content_type = e.content_type;
	req->content_length = e.content_length;
	req->authorization = e.authorization;
	req->if_none_match = e.if_none_match;
	req->idempotency_key = e.idempotency_key;
	req->webhook_id = e.webhook_id;
	req->webhook_timestamp = e.webhook_timestamp;
	req->webhook_signature = e.webhook_signature;
	req->actor = e.remote_user;
	if (http_request_id_valid(rid))
		snprintf(req->request_id_buf, sizeof(req->request_id_buf), "%s", rid);
	else
		http_request_id_new(req->request_id_buf);
	req->request_id = req->request_id_buf;
}

/*
 * Reads the body into the arena. lighttpd has already refused bodies over its limit and ones
 * shorter than their Content-Length; this is the second line of defence.
 */
static enum err read_body(FCGX_Request *fr, struct req *req, struct resp *resp)
{
	const char *cl = req->content_length;
	int64_t len = 0;

	if (!cl || !*cl)
		return ERR_OK;
	if (parse_int64(cl, strlen(cl), 0, INT64_MAX, &len))
		return resp_error(resp, ERR_BAD_REQUEST, "invalid Content-Length");
	if (len > REQ_MAX_BODY)
		return resp_error(resp, ERR_PAYLOAD_TOO_LARGE,
		                  "request body is larger than %d bytes", REQ_MAX_BODY);
	char *body = arena_alloc(req->arena, (size_t)len + 1);
	int got = len ? FCGX_GetStr(body, (int)len, fr->in) : 0;
	if (got != len)
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "request body is shorter than Content-Length");
	body[len] = '\0';
	req->body = body;
	req->body_len = (size_t)len;
	return ERR_OK;
}

/* Writes the whole answer; headers are rendered here because FCGX_FPrintF knows no %zu. */
static void send_response(FCGX_Request *fr, const struct req *req, const struct resp *resp,
                          struct buf *head)
{
	bool has_body = resp->status != 304;

	buf_reset(head);
	buf_printf(head, "Status: %d %s\r\nX-Request-Id: %s\r\n", resp->status,
	           err_reason(resp->status), req->request_id);
	if (has_body)
		buf_printf(head, "Content-Type: %s\r\nContent-Length: %zu\r\n",
		           resp->content_type ? resp->content_type : "application/json",
		           resp->body.len);
	buf_append(head, resp->headers.data, resp->headers.len);
	buf_puts(head, "\r\n");
	FCGX_PutStr(head->data, (int)head->len, fr->out);
	if (has_body && !req->head && resp->body.len)
		FCGX_PutStr(resp->body.data, (int)resp->body.len, fr->out);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * SIGTERM (lighttpd stopping): accept no more. Installed without SA_RESTART, so an idle worker's
 * accept() fails with EINTR and libfcgi gives up; a busy one finishes the request in hand.
 * Either way the loop ends and the worker exits normally (so sanitizers see its exit too).
 */
static void on_sigterm(int sig)
{
	(void)sig;
	http_stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * The loop of both kinds of worker: a service's (routes dispatched, answers made conditional)
 * or an authorizer's (routes[0] answers everything as it is).
 */
static int serve(const char *name, const struct route *routes, size_t nroutes, void *ctx,
                 bool authorizer)
{
	struct sigaction sa = {.sa_handler = on_sigterm};
	struct arena arena = {0};
	struct resp resp = RESP_INIT;
	struct buf head = BUF_INIT(0);
	struct timespec started;
	struct req req;
	FCGX_Request fr;

	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() || FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR)) {
		log_error("FastCGI initialisation failed");
		return 1;
	}
	metrics_open(name, routes, nroutes);
	log_info("%s worker ready", name);
	while (!http_stopping && FCGX_Accept_r(&fr) >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &started);
		arena_reset(&arena);
		resp_reset(&resp);
		http_req_from_env(&req, (const char *const *)fr.envp, &arena);
		req.app = ctx;
		log_set_request_id(req.request_id);
		log_set_actor(req.actor);

		enum err rc = read_body(&fr, &req, &resp);
		if (!rc && authorizer) {
			req.route = routes;
			rc = routes->handler(&req, &resp);
		} else if (!rc) {
			route_dispatch(routes, nroutes, &req, &resp);
			if (etag_apply(&req, &resp))
				resp_render_error(&resp,
				                  resp_error(&resp, ERR_INTERNAL,
				                             "the ETag does not fit the answer"));
		}
		if (rc)
			resp_render_error(&resp, rc);
		send_response(&fr, &req, &resp, &head);
		metrics_observe(req.route, resp.status, seconds_since(&started));
		log_debug("%s %s -> %d", req.head ? "HEAD" : req.method, req.path, resp.status);
		/*
		 * libfcgi ends a connection gracefully: shutdown(), then a wait until lighttpd has
		 * read the answer and closed its end, then close(). That keeps bytes still unread
		 * in our receive queue from turning the close into a reset; when none are left
		 * (FIONREAD), the plain close of a detached request is as safe, and spares three
		 * system calls and a wait for lighttpd on every request.
		 */
		int unread = 0;
		if (ioctl(fr.ipcFd, FIONREAD, &unread) == 0 && unread == 0)
			FCGX_Detach(&fr);
		/* req points into the FastCGI params, which this frees. */
		FCGX_Finish_r(&fr);
		log_set_request_id(NULL);
		log_set_actor(NULL);
	}
	log_info("%s worker stopping", name);
	arena_free(&arena);
	resp_free(&resp);
	buf_free(&head);
	return 0;
}

int http_serve(struct app *app)
{
	const struct service *svc = app->service;
	return serve(svc->name, svc->routes, svc->nroutes, app, false);
}

int http_serve_authorizer(const char *name, const struct route *routes, void *ctx)
{
	return serve(name, routes, 1, ctx, true);
}
