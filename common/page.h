/*
 * Page-numbered lists: the `page` parameter, and the Link (RFC 8288) and X-Total-Count headers
 * that go with every list answer. Links are relative and keep every other query parameter.
 */
#ifndef PANEL_PAGE_H
#define PANEL_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct req;
struct resp;

enum { PAGE_SIZE = 8 };
#define PAGE_MAX INT64_C(1000000000)

/* Reads ?page= (1 to 10^9, default 1) into *page; 400 in resp otherwise. */
enum err page_parse(const struct req *req, int64_t *page, struct resp *resp);

/* Rows to skip for a page. */
int64_t page_offset(int64_t page);

/*
 * List filters from the query string. Each answers 400 naming the parameter when its value is
 * malformed, and leaves *found false when the parameter is absent.
 */
/* A positive 64-bit id, such as projectId. */
enum err page_filter_id(const struct req *req, const char *name, int64_t *id, bool *found,
                        struct resp *resp);
/*
 * createdAfter and createdBefore as the bounds [from, to) of a created_at column: UTC text with
 * microseconds, which Postgres reads exactly (arena-owned; NULL when absent). The API shows
 * times truncated to milliseconds and its bounds are exclusive at that precision, so a client
 * passing back a createdAt it was shown never gets that item again: createdAfter A keeps
 * created_at >= floor_ms(A) + 1 ms, createdBefore B keeps created_at < ceil_ms(B).
 */
enum err page_filter_window(const struct req *req, const char **from, const char **to,
                            struct resp *resp);

/*
 * Keyset pagination, beside `page`: `cursor` names the last item of the page before, so every
 * page costs the same however deep it is. A cursor is opaque to clients (they take it from a
 * Link header); it holds nkeys integers, the sort key of that item, as "k1" or "k1.k2".
 * An empty `cursor=` starts a walk at the first item.
 */
enum { PAGE_CURSOR_MAX_KEYS = 2 };
struct page_cursor {
	bool used;  /* the request has `cursor` (even empty) */
	bool after; /* it names an item: the list starts after keys */
	int64_t keys[PAGE_CURSOR_MAX_KEYS];
};

/*
 * Reads ?cursor= with nkeys keys (1 or 2) into *c; 400 in resp when it is malformed or sent
 * together with `page`.
 */
enum err page_cursor_parse(const struct req *req, int nkeys, struct page_cursor *c,
                           struct resp *resp);

/*
 * Adds X-Total-Count and Link to a list answer of total items at req->path, for the way the
 * request walked the list. By page number: first and last always, prev and next where they
 * exist. By cursor (c->used): first (an empty cursor) always, and next, carrying last_key (the
 * cursor of the page's last row), when the page has all PAGE_SIZE rows; no prev or last, as a
 * keyset walk only goes forward. Every other query parameter is kept, in order.
 */
void page_list_headers(const struct req *req, int64_t page, const struct page_cursor *c,
                       size_t rows, const char *last_key, int64_t total, struct resp *resp);

#endif
