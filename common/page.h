/*
 * Lists, the one helper every list handler uses: what a list request asks for (`page` or
 * `cursor`, and the time window `createdAfter`/`createdBefore`), and the Link (RFC 8288) and
 * X-Total-Count headers of its answer. Links are relative and keep every other query parameter.
 * Knows nothing of what is listed: only the path, the query, the rows and a total.
 */
#ifndef PANEL_PAGE_H
#define PANEL_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct req;
struct resp;

/*
 * The contract's page size: a plain number, so the SQL of the lists can spell it too
 * (DB_SQL_PAGE in db_query.h). PAGE_MAX is the largest page number.
 */
#define PAGE_SIZE 8
#define PAGE_MAX  INT64_C(1000000000)

/*
 * Keyset pagination, beside `page`: `cursor` names the last item of the page before, so every
 * page costs the same however deep it is. A cursor is opaque to clients (they take it from a
 * Link header); it holds the list's sort key of that item, one or two integers, as "k1" or
 * "k1.k2". An empty `cursor=` starts a walk at the first item.
 */
enum { PAGE_CURSOR_MAX_KEYS = 2 };
struct page_cursor {
	bool used;  /* the request has `cursor` (even empty) */
	bool after; /* it names an item: the list starts after keys */
	int nkeys;  /* how many keys the list's cursors have */
	int64_t keys[PAGE_CURSOR_MAX_KEYS];
};

/* What a list request asks for. */
struct page_query {
	int64_t number;            /* ?page= (1 to PAGE_MAX), 1 when absent or walking by cursor */
	int64_t offset;            /* rows before the page */
	struct page_cursor cursor; /* ?cursor= */
	/*
	 * createdAfter and createdBefore as the bounds [from, to) of a created_at column: UTC text
	 * with microseconds, which Postgres reads exactly (arena-owned; NULL when absent). The API
	 * shows times truncated to milliseconds and its bounds are exclusive at that precision, so
	 * a client passing back a createdAt it was shown never gets that item again: createdAfter
	 * A keeps created_at >= floor_ms(A) + 1 ms, createdBefore B keeps created_at < ceil_ms(B).
	 */
	const char *from, *to;
};

/*
 * Reads page, cursor (with cursor_keys keys, 1 or 2) and the window from req's query into *q;
 * 400 in resp naming the parameter when one is malformed, or when page and cursor are both
 * given. The route's table decides which of them a list accepts at all.
 */
enum err page_query_parse(const struct req *req, int cursor_keys, struct page_query *q,
                          struct resp *resp);

/* The keys the list starts after (the cursor's), or NULL to start at the offset. */
const int64_t *page_after(const struct page_query *q);

/*
 * A positive 64-bit id filter, such as projectId: 400 naming the parameter when malformed;
 * *found is false when it is absent.
 */
enum err page_filter_id(const struct req *req, const char *name, int64_t *id, bool *found,
                        struct resp *resp);

/*
 * Adds X-Total-Count and Link to a list answer of rows rows out of total, at req->path. By
 * page number: first and last always, prev and next where they exist. By cursor: first (an
 * empty cursor) always, and next, carrying last_key (the cursor keys of the page's last row),
 * when the page has all PAGE_SIZE rows; no prev or last, as a keyset walk only goes forward.
 * Every other query parameter is kept, in order. 400 in resp when a query is so long that its
 * links, which repeat it, cannot be sent (lighttpd takes 64 KiB of headers from a worker).
 */
enum err page_headers(const struct req *req, const struct page_query *q, size_t rows,
                      const int64_t *last_key, int64_t total, struct resp *resp);

#endif
