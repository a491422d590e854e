/*
 * libFuzzer target: query strings and the list parameters read from them (page, ids, times).
 * Properties: never crashes, and every decoded key and value is valid UTF-8 text.
 */
#include <string.h>

#include "fuzz.h"
#include "req.h"
#include "resp.h"
#include "page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena arena;
	struct req req = {0};
	struct resp resp = {0};
	char *qs = fuzz_cstring(data, size);
	struct page_query q;
	const char *dup;
	int64_t v;
	bool found;

	req.arena = &arena;
	req.path = "/deployments";
	if (parse_query(qs, &arena, &req.query, &dup) == QUERY_OK) {
		for (size_t i = 0; i < req.query.n; i++) {
			const char *k = req.query.params[i].key, *val = req.query.params[i].value;
			FUZZ_ASSERT(parse_utf8_text(k, strlen(k)) &&
			            parse_utf8_text(val, strlen(val)));
		}
		page_filter_id(&req, "projectId", &v, &found, &resp);
		if (!page_query_parse(&req, 2, &q, &resp)) {
			int64_t a, b;
			const int64_t last[] = {-1, 2};
			FUZZ_ASSERT(q.number >= 1 && q.number <= PAGE_MAX);
			FUZZ_ASSERT(!q.cursor.used || q.number == 1);
			FUZZ_ASSERT(!q.from || parse_rfc3339(q.from, &a) == 0);
			FUZZ_ASSERT(!q.to || parse_rfc3339(q.to, &b) == 0);
			page_headers(&req, &q, PAGE_SIZE, last, 100, &resp);
		}
		/* Links carry no raw control characters, whatever the query held. */
		for (size_t i = 0; i < resp.headers.len; i++)
			FUZZ_ASSERT((unsigned char)resp.headers.data[i] >= 0x20 ||
			            resp.headers.data[i] == '\r' || resp.headers.data[i] == '\n');
	}
	buf_free(&resp.headers);
	arena_reset(&arena);
	free(qs);
	return 0;
}
