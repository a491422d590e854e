/*
 * Lists: page, cursor and window parameters, and the pagination headers. Knows nothing of what
 * is listed: only the path, the query, the rows and a total.
 */
#include "page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "req.h"
#include "resp.h"

static enum err page_number(const struct req *req, int64_t *page, struct resp *resp)
{
	const char *v = query_get(&req->query, "page");

	*page = 1;
	if (v && parse_int64(v, strlen(v), 1, PAGE_MAX, page))
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "page must be an integer from 1 to 1000000000");
	return ERR_OK;
}

static enum err page_cursor(const struct req *req, int nkeys, struct page_cursor *c,
                            struct resp *resp)
{
	const char *v = query_get(&req->query, "cursor");

	memset(c, 0, sizeof(*c));
	c->nkeys = nkeys;
	if (!v)
		return ERR_OK;
	if (query_get(&req->query, "page"))
		return resp_error(resp, ERR_BAD_REQUEST, "page and cursor cannot be used together");
	c->used = true;
	if (!*v)
		return ERR_OK;
	for (int k = 0; k < nkeys; k++) {
		size_t len = strcspn(v, ".");
		bool last = k == nkeys - 1;
		if ((last ? v[len] != '\0' : v[len] != '.') ||
		    parse_int64(v, len, INT64_MIN, INT64_MAX, &c->keys[k]))
			return resp_error(resp, ERR_BAD_REQUEST,
			                  "cursor must be a value taken from a Link header");
		v += len + !last;
	}
	c->after = true;
	return ERR_OK;
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

/* Rounds usec down to a whole millisecond (towards minus infinity). */
static int64_t floor_ms(int64_t usec)
{
	return usec >= 0 ? usec / 1000 * 1000 : -((-usec + 999) / 1000 * 1000);
}

/* One bound of a window as exact UTC text; after selects floor_ms + 1 ms, else ceil_ms. */
static const char *window_bound(struct arena *arena, int64_t usec, bool after)
{
	/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: an offset may step past them. */
	const int64_t min = INT64_C(-62135596800) * 1000000,
	              max = INT64_C(253402300799) * 1000000 + 999999;
	struct tm tm;

	usec = after ? floor_ms(usec) + 1000 : -floor_ms(-usec);
	usec = usec < min ? min : usec > max ? max : usec;
	int64_t secs = usec >= 0 ? usec / 1000000 : -((-usec + 999999) / 1000000);
	time_t t = (time_t)secs;
	gmtime_r(&t, &tm);
	char *out = arena_alloc(arena, 80);
	snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(usec - secs * 1000000));
	return out;
}

/* Reads one RFC 3339 parameter into a bound; *bound stays NULL when it is absent. */
static enum err window_param(const struct req *req, const char *name, bool after,
                             const char **bound, struct resp *resp)
{
	const char *v = query_get(&req->query, name);
	int64_t usec;

	*bound = NULL;
	if (!v)
		return ERR_OK;
	if (parse_rfc3339(v, &usec))
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "%s must be an RFC 3339 timestamp such as 2024-01-31T12:00:00Z",
		                  name);
	*bound = window_bound(req->arena, usec, after);
	return ERR_OK;
}

enum err page_query_parse(const struct req *req, int cursor_keys, struct page_query *q,
                          struct resp *resp)
{
	enum err rc;

	memset(q, 0, sizeof(*q));
	if ((rc = page_number(req, &q->number, resp)) ||
	    (rc = page_cursor(req, cursor_keys, &q->cursor, resp)) ||
	    (rc = window_param(req, "createdAfter", true, &q->from, resp)) ||
	    (rc = window_param(req, "createdBefore", false, &q->to, resp)))
		return rc;
	q->offset = (q->number - 1) * PAGE_SIZE;
	return ERR_OK;
}

const int64_t *page_after(const struct page_query *q)
{
	return q->cursor.after ? q->cursor.keys : NULL;
}

/* Starts a link: the path and every query parameter but page and cursor, each followed by &. */
static int link_start(struct buf *b, const struct req *req)
{
	int rc = (b->len ? buf_puts(b, ", ") : 0) | buf_printf(b, "<%s?", req->path);

	for (size_t i = 0; i < req->query.n; i++) {
		const struct query_param *p = &req->query.params[i];
		if (strcmp(p->key, "page") == 0 || strcmp(p->key, "cursor") == 0)
			continue;
		rc |= buf_put_urlencoded(b, p->key) | buf_puts(b, "=") |
		      buf_put_urlencoded(b, p->value) | buf_puts(b, "&");
	}
	return rc;
}

static int page_link(struct buf *b, const struct req *req, int64_t page, const char *rel)
{
	return link_start(b, req) | buf_printf(b, "page=%lld>; rel=\"%s\"", (long long)page, rel);
}

/* The links of a walk by page number. */
static int number_links(struct buf *b, const struct req *req, int64_t page, int64_t total)
{
	int64_t last = total > 0 ? (total + PAGE_SIZE - 1) / PAGE_SIZE : 1;
	int rc = page_link(b, req, 1, "first");

	if (page > 1)
		rc |= page_link(b, req, page - 1 < last ? page - 1 : last, "prev");
	if (page < last)
		rc |= page_link(b, req, page + 1, "next");
	return rc | page_link(b, req, last, "last");
}

/* The links of a walk by cursor: next carries the keys of the page's last row, when given. */
static int cursor_links(struct buf *b, const struct req *req, const struct page_cursor *c,
                        const int64_t *next)
{
	int rc = link_start(b, req) | buf_puts(b, "cursor=>; rel=\"first\"");

	if (!next)
		return rc;
	rc |= link_start(b, req) | buf_puts(b, "cursor=");
	for (int k = 0; k < c->nkeys; k++)
		rc |= buf_printf(b, "%s%lld", k ? "." : "", (long long)next[k]);
	return rc | buf_puts(b, ">; rel=\"next\"");
}

/* Room an answer keeps beside its Link: X-Total-Count, ETag and Cache-Control. */
enum { PAGE_LINK_MAX = RESP_HEADERS_MAX - 1024 };

enum err page_headers(const struct req *req, const struct page_query *q, size_t rows,
                      const int64_t *last_key, int64_t total, struct resp *resp)
{
	struct buf link = BUF_INIT(PAGE_LINK_MAX);
	int rc;

	if (!q->cursor.used)
		rc = number_links(&link, req, q->number, total);
	else /* A full page may have more after it; a shorter one ends the walk. */
		rc = cursor_links(&link, req, &q->cursor, rows == PAGE_SIZE ? last_key : NULL);
	if (rc) {
		buf_free(&link);
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "the query is too long to repeat in the answer's Link header (at "
		                  "most %d bytes); shorten its filters",
		                  PAGE_LINK_MAX);
	}
	rc = buf_printf(&resp->headers, "Link: %s\r\nX-Total-Count: %lld\r\n", link.data,
	                (long long)total);
	buf_free(&link);
	return rc ? resp_error(resp, ERR_INTERNAL, "the list's headers do not fit the answer")
	          : ERR_OK;
}
