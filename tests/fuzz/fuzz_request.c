/*
 * libFuzzer target: a whole request through the dispatcher, as http.c would hand it over.
 * The input is split on newlines into method, path, query, content type and body. Properties:
 * never crashes, and every answer has a status and a JSON body that parses.
 */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "req.h"
#include "resp.h"
#include "route.h"

static enum err answer(struct req *req, struct resp *resp)
{
	json_t *echo = req->json ? json_incref(req->json) : json_object();
	return resp_json(resp, 200, echo);
}

static const struct route routes[] = {
    {"GET",  "/projects",                      answer, 0,                   "page,status"},
    {"GET",  "/projects/{project}",            answer, 0,                   NULL         },
    {"POST", "/projects/{project}/deployment", answer, ROUTE_BODY_OPTIONAL, NULL         },
    {"POST", "/deployment/webhook",            answer, ROUTE_BODY_REQUIRED, NULL         },
    {"GET",  "/a/{x}/b/{y}",                   answer, 0,                   NULL         },
};

/* Takes the next newline-terminated field of the input. */
static const char *field(char **cursor)
{
	char *start = *cursor, *nl = strchr(start, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = start + strlen(start);
	}
	return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena arena;
	static struct resp resp = {.headers = BUF_INIT(0), .body = BUF_INIT(0)};
	struct req req = {0};
	char *input = fuzz_cstring(data, size), *cursor = input;

	req.arena = &arena;
	req.method = field(&cursor);
	req.path = field(&cursor);
	req.query_string = field(&cursor);
	req.content_type = field(&cursor);
	req.body = cursor;
	req.body_len = strlen(cursor);
	req.request_id = "fuzz";
	resp_reset(&resp);

	route_dispatch(routes, sizeof(routes) / sizeof(routes[0]), &req, &resp);
	FUZZ_ASSERT(resp.status >= 200 && resp.status <= 599);
	json_t *body = json_loadb(resp.body.data, resp.body.len, 0, NULL);
	FUZZ_ASSERT(body != NULL);
	json_decref(body);

	arena_reset(&arena);
	free(input);
	return 0;
}
