/*
 * Page-numbered lists: the `page` parameter, and the Link (RFC 8288) and X-Total-Count headers
 * that go with every list answer. Links are relative and keep every other query parameter.
 */
#ifndef PANEL_PAGE_H
#define PANEL_PAGE_H

#include <stdbool.h>
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
/* An RFC 3339 timestamp, such as createdAfter; *text is the value as sent (borrowed). */
enum err page_filter_time(const struct req *req, const char *name, const char **text, bool *found,
                          struct resp *resp);

/*
 * Adds X-Total-Count and Link for page of a list of total items at req->path: first and last
 * always, prev and next where they exist. Every query parameter but `page` is kept, in order.
 */
void page_headers(const struct req *req, int64_t page, int64_t total, struct resp *resp);

#endif
