/*
 * The dispatcher: path matching, method checks, query and body checks, then the handler.
 * Everything a handler may take for granted is established here, once, for every route.
 */
#include "route.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "req.h"
#include "resp.h"

int route_match(const char *pattern, const char *path, int64_t *ids, size_t max_ids,
                const char **bad_name, size_t *bad_name_len)
{
	size_t nids = 0;
	int bad = 0;

	while (*pattern && *path) {
		if (*pattern != '/' || *path != '/')
			return 0;
		pattern++, path++;
		size_t plen = strcspn(pattern, "/"), slen = strcspn(path, "/");
		if (pattern[0] == '{') {
			int64_t id;
			if (slen == 0 || nids == max_ids)
				return 0;
			if (parse_id(path, slen, &id)) {
				if (!bad) {
					*bad_name = pattern + 1;
					*bad_name_len = plen - 2;
				}
				bad = 1;
			} else {
				ids[nids] = id;
			}
			nids++;
		} else if (plen != slen || memcmp(pattern, path, plen) != 0) {
			return 0;
		}
		pattern += plen, path += slen;
	}
	if (*pattern || *path)
		return 0;
	return bad ? -1 : 1;
}

/* application/json, any case, optionally with a charset parameter naming UTF-8. */
static bool is_json_media_type(const char *ct)
{
	static const char type[] = "application/json";
	size_t n = sizeof(type) - 1;

	if (strncasecmp(ct, type, n) != 0)
		return false;
	ct += n;
	ct += strspn(ct, " \t");
	if (!*ct)
		return true;
	if (*ct != ';')
		return false;
	ct++;
	ct += strspn(ct, " \t");
	if (strncasecmp(ct, "charset=", 8) != 0)
		return false;
	ct += 8;
	if (*ct == '"')
		return strcasecmp(ct, "\"utf-8\"") == 0;
	return strcasecmp(ct, "utf-8") == 0;
}

static enum err check_body(const struct route *r, struct req *req, struct resp *resp)
{
	json_error_t jerr;

	if (req->body_len == 0) {
		if (r->flags & ROUTE_BODY_REQUIRED)
			return resp_error(resp, ERR_BAD_REQUEST,
			                  "request body must be a JSON object");
		return ERR_OK;
	}
	if (!req->content_type || !is_json_media_type(req->content_type))
		return resp_error(resp, ERR_UNSUPPORTED_MEDIA_TYPE,
		                  "request body must be application/json");
	if (!(r->flags & (ROUTE_BODY_OPTIONAL | ROUTE_BODY_REQUIRED)))
		return ERR_OK;
	req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->json)
		return resp_error(resp, ERR_BAD_REQUEST, "malformed JSON body: %s at position %d",
		                  jerr.text, jerr.position);
	if (!json_is_object(req->json))
		return resp_error(resp, ERR_BAD_REQUEST, "request body must be a JSON object");
	return ERR_OK;
}

/* True when key is one of the comma-separated names in list. */
static bool listed(const char *list, const char *key)
{
	size_t n = strlen(key);
	while (list && *list) {
		size_t len = strcspn(list, ",");
		if (len == n && memcmp(list, key, n) == 0)
			return true;
		list += len + (list[len] == ',');
	}
	return false;
}

static enum err check_query(const struct route *r, struct req *req, struct resp *resp)
{
	const char *dup = NULL;

	switch (parse_query(req->query_string, req->arena, &req->query, &dup)) {
	case QUERY_OK:
		for (size_t i = 0; i < req->query.n; i++)
			if (!listed(r->params, req->query.params[i].key))
				return resp_error(resp, ERR_BAD_REQUEST,
				                  "unknown query parameter '%.64s'",
				                  req->query.params[i].key);
		return ERR_OK;
	case QUERY_MALFORMED: return resp_error(resp, ERR_BAD_REQUEST, "malformed query string");
	case QUERY_TOO_MANY: return resp_error(resp, ERR_BAD_REQUEST, "too many query parameters");
	case QUERY_DUPLICATE:
		return resp_error(resp, ERR_BAD_REQUEST, "query parameter '%.64s' is given twice",
		                  dup);
	}
	return ERR_INTERNAL;
}

/* Finds the route, or answers 404/405/400 in resp and returns NULL. */
static const struct route *find_route(const struct route *routes, size_t n, struct req *req,
                                      struct resp *resp, enum err *rc)
{
	char allow[128] = "";
	const char *bad_name = NULL;
	size_t bad_len = 0;
	int bad_id = 0, shape_matched = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t ids[REQ_MAX_PATH_IDS];
		const char *bn;
		size_t bl;
		int m = route_match(routes[i].pattern, req->path, ids, REQ_MAX_PATH_IDS, &bn, &bl);
		if (m == 0)
			continue;
		shape_matched = 1;
		if (strcmp(routes[i].method, req->method) != 0) {
			size_t len = strlen(allow);
			snprintf(allow + len, sizeof(allow) - len, "%s%s%s", len ? ", " : "",
			         routes[i].method,
			         strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
			continue;
		}
		if (m < 0) {
			bad_id = 1, bad_name = bn, bad_len = bl;
			continue;
		}
		memcpy(req->ids, ids, sizeof(ids));
		return &routes[i];
	}
	if (bad_id) {
		*rc = resp_error(resp, ERR_BAD_REQUEST, "%.*s id must be a positive integer",
		                 (int)bad_len, bad_name);
	} else if (shape_matched) {
		*rc = resp_header(resp, "Allow", "%s", allow);
		if (!*rc)
			*rc = resp_error(resp, ERR_METHOD_NOT_ALLOWED,
			                 "%s is not allowed on %s (allowed: %s)",
			                 req->head ? "HEAD" : req->method, req->path, allow);
	} else {
		*rc = resp_error(resp, ERR_NOT_FOUND, "no resource at %.200s", req->path);
	}
	return NULL;
}

enum err route_dispatch(const struct route *routes, size_t n, struct req *req, struct resp *resp)
{
	enum err rc = ERR_OK;
	const struct route *r = find_route(routes, n, req, resp, &rc);

	req->route = r;
	if (r && !(rc = check_query(r, req, resp)) && !(rc = check_body(r, req, resp)))
		rc = r->handler(req, resp);
	/* Whatever a handler missed: an answer that did not fit is never sent truncated. */
	if (!rc && (resp->body.failed || resp->headers.failed))
		rc = resp_error(resp, ERR_INTERNAL, "the answer does not fit its buffers");
	if (rc) {
		if (rc == ERR_INTERNAL || rc == ERR_UNAVAILABLE)
			log_error("%s %s: %s", req->method, req->path, resp->message);
		resp_render_error(resp, rc);
	} else if (!resp->status) {
		log_error("%s %s: handler gave no answer", req->method, req->path);
		resp_render_error(resp, resp_error(resp, ERR_INTERNAL, "internal error"));
	}
	json_decref(req->json);
	req->json = NULL;
	return rc;
}
