/*
 * Page-numbered lists: the `page` parameter, and the Link (RFC 8288) and X-Total-Count headers
 * that go with every list answer. Links are relative and keep every other query parameter.
 */
#ifndef PANEL_PAGE_H
#define PANEL_PAGE_H

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
 * Adds X-Total-Count and Link for page of a list of total items at req->path: first and last
 * always, prev and next where they exist. Every query parameter but `page` is kept, in order.
 */
void page_headers(const struct req *req, int64_t page, int64_t total, struct resp *resp);

#endif
