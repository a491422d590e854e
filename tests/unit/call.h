/*
 * Calling a handler as the dispatcher would, for the unit tests of handlers: a request built by
 * hand (path ids, query, JSON body, headers), a response to look at, and nothing else, so no
 * FastCGI and no database (the handler's db_*.c functions are replaced by a fake).
 */
#ifndef UNIT_CALL_H
#define UNIT_CALL_H

#include <string.h>

#include "req.h"
#include "resp.h"
#include "unit.h"

struct call {
	struct arena arena;
	struct req req;
	struct resp resp;
	enum err rc;
};

/* Releases what the last call held and prepares a new one. */
static inline void call_reset(struct call *c)
{
	json_decref(c->req.json);
	arena_free(&c->arena);
	resp_free(&c->resp);
	memset(c, 0, sizeof(*c));
	c->resp = (struct resp)RESP_INIT;
}

/*
 * Runs handler on method path?query with body (JSON text, or NULL) and the given ids; the
 * query and body must be valid (the dispatcher would have refused them).
 */
static inline enum err call(struct call *c, void *app,
                            enum err (*handler)(struct req *, struct resp *), const char *method,
                            const char *path, const char *query, const char *body, int64_t id)
{
	const char *dup;

	call_reset(c);
	c->req.arena = &c->arena;
	c->req.app = app;
	c->req.method = method;
	c->req.path = path;
	c->req.query_string = query ? query : "";
	c->req.request_id = "unit";
	c->req.ids[0] = id;
	if (parse_query(c->req.query_string, &c->arena, &c->req.query, &dup) != QUERY_OK)
		fail_msg("test query '%s' does not parse", c->req.query_string);
	if (body) {
		c->req.body = body;
		c->req.body_len = strlen(body);
		c->req.json = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
		if (!c->req.json)
			fail_msg("test body does not parse: %s", body);
	}
	c->rc = handler(&c->req, &c->resp);
	return c->rc;
}

/* The value of an extra header of the answer, or NULL; in a static buffer. */
static inline const char *call_header(const struct call *c, const char *name)
{
	static char value[4096];
	const char *h = c->resp.headers.data;
	size_t n = strlen(name);

	for (; h && *h; h = strstr(h, "\r\n") + 2) {
		if (strncmp(h, name, n) == 0 && h[n] == ':') {
			size_t len = strcspn(h + n + 2, "\r");
			snprintf(value, sizeof(value), "%.*s", (int)len, h + n + 2);
			return value;
		}
	}
	return NULL;
}

/* The answer's body parsed (new reference), failing the test when it is not JSON. */
static inline json_t *call_json(const struct call *c)
{
	json_error_t jerr;
	json_t *j =
	    json_loadb(c->resp.body.data ? c->resp.body.data : "", c->resp.body.len, 0, &jerr);
	if (!j)
		fail_msg("answer is not JSON (%s): %s", jerr.text, c->resp.body.data);
	return j;
}

#endif
