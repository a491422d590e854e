/*
 * Pagination headers. Knows nothing of what is listed: only the path, the query and a total.
 */
#include "page.h"

#include <string.h>

#include "http.h"

enum err page_parse(const struct req *req, int64_t *page, struct resp *resp)
{
	const char *v = query_get(&req->query, "page");

	*page = 1;
	if (v && parse_int64(v, strlen(v), 1, PAGE_MAX, page))
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "page must be an integer from 1 to 1000000000");
	return ERR_OK;
}

int64_t page_offset(int64_t page)
{
	return (page - 1) * PAGE_SIZE;
}

enum err page_filter_id(const struct req *req, const char *name, int64_t *id, bool *found,
                        struct resp *resp)
{
	const char *v = query_get(&req->query, name);

	*found = v != NULL;
	if (v && parse_id(v, strlen(v), id))
		return resp_error(resp, ERR_BAD_REQUEST, "%s must be a positive integer", name);
	return ERR_OK;
}

enum err page_filter_time(const struct req *req, const char *name, const char **text, bool *found,
                          struct resp *resp)
{
	const char *v = query_get(&req->query, name);
	int64_t usec;

	*found = v != NULL;
	*text = v;
	if (v && parse_rfc3339(v, &usec))
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "%s must be an RFC 3339 timestamp such as 2024-01-31T12:00:00Z",
		                  name);
	return ERR_OK;
}

static void add_link(struct buf *b, const struct req *req, int64_t page, const char *rel)
{
	if (b->len)
		buf_puts(b, ", ");
	buf_printf(b, "<%s?", req->path);
	for (size_t i = 0; i < req->query.n; i++) {
		const struct query_param *p = &req->query.params[i];
		if (strcmp(p->key, "page") == 0)
			continue;
		buf_put_urlencoded(b, p->key);
		buf_puts(b, "=");
		buf_put_urlencoded(b, p->value);
		buf_puts(b, "&");
	}
	buf_printf(b, "page=%lld>; rel=\"%s\"", (long long)page, rel);
}

void page_headers(const struct req *req, int64_t page, int64_t total, struct resp *resp)
{
	struct buf link = BUF_INIT(0);
	int64_t last = total > 0 ? (total + PAGE_SIZE - 1) / PAGE_SIZE : 1;

	add_link(&link, req, 1, "first");
	if (page > 1)
		add_link(&link, req, page - 1 < last ? page - 1 : last, "prev");
	if (page < last)
		add_link(&link, req, page + 1, "next");
	add_link(&link, req, last, "last");
	buf_printf(&resp->headers, "Link: %s\r\nX-Total-Count: %lld\r\n", link.data,
	           (long long)total);
	buf_free(&link);
}
