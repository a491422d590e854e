/* common/page.c: what a list request asks for (page, cursor, window, filters), Link and
 * X-Total-Count. */
#include <string.h>

#include "req.h"
#include "resp.h"
#include "page.h"
#include "unit.h"

struct fixture {
	struct arena arena;
	struct req req;
	struct resp resp;
};

static struct fixture *request(const char *path, const char *query)
{
	static struct fixture f;
	const char *dup;

	arena_free(&f.arena);
	buf_free(&f.resp.headers);
	buf_free(&f.resp.body);
	memset(&f, 0, sizeof(f));
	f.req.arena = &f.arena;
	f.req.path = path;
	f.req.query_string = query;
	assert_int_equal(parse_query(query, &f.arena, &f.req.query, &dup), QUERY_OK);
	return &f;
}

static void pages_are_bounded(void **state)
{
	(void)state;
	struct page_query q;
	struct fixture *f = request("/x", "");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	assert_int_equal(q.number, 1);
	assert_int_equal(q.offset, 0);
	assert_null(page_after(&q));
	f = request("/x", "page=1000000000");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	assert_int_equal(q.offset, INT64_C(7999999992));
	const char *bad[] = {"page=0", "page=-1",  "page=1000000001",          "page=x",
	                     "page=",  "page=1.5", "page=99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = request("/x", bad[i]);
		assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_BAD_REQUEST);
		assert_non_null(strstr(f->resp.message, "page must be"));
	}
}

/* The headers of page (as the query asks) of a list of total items. */
static const char *links(const char *query, int64_t total)
{
	struct fixture *f = request("/deployments", query);
	struct page_query q;
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	assert_int_equal(page_headers(&f->req, &q, 0, NULL, total, &f->resp), ERR_OK);
	return f->resp.headers.data;
}

static void links_keep_filters_and_exist_only_where_they_should(void **state)
{
	(void)state;
	assert_string_equal(links("", 0),
	                    "Link: </deployments?page=1>; rel=\"first\", "
	                    "</deployments?page=1>; rel=\"last\"\r\nX-Total-Count: 0\r\n");
	assert_string_equal(
	    links("status=done%2Cfailed&page=2&projectId=7", 17),
	    "Link: </deployments?status=done%2Cfailed&projectId=7&page=1>; "
	    "rel=\"first\", </deployments?status=done%2Cfailed&projectId=7&page=1>; "
	    "rel=\"prev\", </deployments?status=done%2Cfailed&projectId=7&page=3>; "
	    "rel=\"next\", </deployments?status=done%2Cfailed&projectId=7&page=3>; "
	    "rel=\"last\"\r\nX-Total-Count: 17\r\n");
	/* Exactly 16 items: two pages. */
	assert_null(strstr(links("page=2", 16), "rel=\"next\""));
	/* Past the end, prev points back at the last page. */
	assert_non_null(strstr(links("page=9", 16), "</deployments?page=2>; rel=\"prev\""));
	/* Values are re-encoded, so nothing a client sends can break the header. */
	assert_non_null(strstr(links("name=a%0D%0Ab%3E", 1), "name=a%0D%0Ab%3E&page=1"));
}

/* Links repeat the query; one too long for them all to be sent is the client's 400. */
static void a_query_too_long_for_its_links_is_400(void **state)
{
	(void)state;
	static char query[40000];
	struct page_query q;

	snprintf(query, sizeof(query), "page=2&name=");
	memset(query + strlen(query), '!', 21000); /* 63 KB as %21 in each of three links */
	struct fixture *f = request("/events", query);
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	assert_int_equal(page_headers(&f->req, &q, 0, NULL, 0, &f->resp), ERR_BAD_REQUEST);
	assert_non_null(strstr(f->resp.message, "too long to repeat in the answer's Link header"));
	assert_int_equal(f->resp.headers.len, 0);

	query[strlen("page=2&name=") + 5000] = '\0'; /* 45 KB of links: sent whole */
	f = request("/events", query);
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	assert_int_equal(page_headers(&f->req, &q, 0, NULL, 0, &f->resp), ERR_OK);
	assert_true(f->resp.headers.len > 3 * 3 * 5000);
}

static void filters_name_themselves_in_errors(void **state)
{
	(void)state;
	int64_t id;
	bool found;
	struct page_query q;
	struct fixture *f = request("/x", "projectId=12");
	assert_int_equal(page_filter_id(&f->req, "projectId", &id, &found, &f->resp), ERR_OK);
	assert_true(found);
	assert_int_equal(id, 12);

	f = request("/x", "projectId=0&createdBefore=tomorrow");
	assert_int_equal(page_filter_id(&f->req, "projectId", &id, &found, &f->resp),
	                 ERR_BAD_REQUEST);
	assert_non_null(strstr(f->resp.message, "projectId"));
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_BAD_REQUEST);
	assert_non_null(strstr(f->resp.message, "createdBefore"));
}

/* Bounds are exclusive at the milliseconds the API shows; the text is exact for Postgres. */
static void windows_are_exclusive_at_millisecond_precision(void **state)
{
	(void)state;
	struct page_query q;
	struct fixture *f = request("/x", "createdAfter=2024-01-01T00:00:00.123Z"
	                                  "&createdBefore=2024-01-01T02:00:00.1234%2B02:00");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	const char *from = q.from, *to = q.to;
	/* After .123: from .124 on (anything within .123 was shown as .123 itself). */
	assert_string_equal(from, "2024-01-01T00:00:00.124000Z");
	/* Before .1234: everything shown as .123 or less, i.e. up to .124 exclusive. */
	assert_string_equal(to, "2024-01-01T00:00:00.124000Z");

	f = request("/x", "createdAfter=1969-12-31T23:59:59.9995Z");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	from = q.from, to = q.to;
	assert_string_equal(from, "1970-01-01T00:00:00.000000Z");
	assert_null(to);

	/* Offsets may step outside 0001..9999; the bound is clamped, not an error. */
	f = request("/x", "createdBefore=9999-12-31T23:59:59.9999-05:00");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	to = q.to;
	assert_string_equal(to, "9999-12-31T23:59:59.999999Z");
}

static void cursors_hold_their_keys_and_refuse_anything_else(void **state)
{
	(void)state;
	struct page_query q;
	const struct page_cursor *c = &q.cursor;
	struct fixture *f = request("/x", "");
	assert_int_equal(page_query_parse(&f->req, 2, &q, &f->resp), ERR_OK);
	assert_false(c->used);
	f = request("/x", "cursor=");
	assert_int_equal(page_query_parse(&f->req, 2, &q, &f->resp), ERR_OK);
	assert_true(c->used);
	assert_false(c->after);
	f = request("/x", "cursor=-1700000000123456.42");
	assert_int_equal(page_query_parse(&f->req, 2, &q, &f->resp), ERR_OK);
	assert_true(c->after);
	assert_int_equal(c->keys[0], INT64_C(-1700000000123456));
	assert_int_equal(c->keys[1], 42);
	f = request("/x", "cursor=9223372036854775807");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_OK);
	assert_int_equal(c->keys[0], INT64_MAX);

	const char *bad2[] = {"cursor=12",
	                      "cursor=1.2.3",
	                      "cursor=1..2",
	                      "cursor=.2",
	                      "cursor=1.",
	                      "cursor=a.b",
	                      "cursor=1.99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad2) / sizeof(bad2[0]); i++) {
		f = request("/x", bad2[i]);
		assert_int_equal(page_query_parse(&f->req, 2, &q, &f->resp), ERR_BAD_REQUEST);
		assert_non_null(strstr(f->resp.message, "cursor"));
	}
	f = request("/x", "cursor=1.2");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_BAD_REQUEST);
	/* A walk is by page or by cursor, never both. */
	f = request("/x", "page=2&cursor=");
	assert_int_equal(page_query_parse(&f->req, 1, &q, &f->resp), ERR_BAD_REQUEST);
	assert_non_null(strstr(f->resp.message, "page and cursor"));
}

/* The headers of a cursor walk's page; next is the last row's keys, NULL for a short page. */
static const char *cursor_links(const char *query, const int64_t *next, int64_t total)
{
	struct fixture *f = request("/deployments", query);
	struct page_query q;
	assert_int_equal(page_query_parse(&f->req, 2, &q, &f->resp), ERR_OK);
	assert_int_equal(
	    page_headers(&f->req, &q, next ? PAGE_SIZE : PAGE_SIZE - 1, next, total, &f->resp),
	    ERR_OK);
	return f->resp.headers.data;
}

static void cursor_links_go_forward_and_keep_filters(void **state)
{
	(void)state;
	const int64_t next[] = {-7, 8};
	assert_string_equal(cursor_links("status=done%2Cfailed&cursor=5.6&projectId=7", next, 17),
	                    "Link: </deployments?status=done%2Cfailed&projectId=7&cursor=>; "
	                    "rel=\"first\", </deployments?status=done%2Cfailed&projectId=7&"
	                    "cursor=-7.8>; rel=\"next\"\r\nX-Total-Count: 17\r\n");
	/* The last page of a walk has no next. */
	assert_string_equal(cursor_links("cursor=", NULL, 3),
	                    "Link: </deployments?cursor=>; rel=\"first\"\r\nX-Total-Count: 3\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pages_are_bounded),
	    cmocka_unit_test(links_keep_filters_and_exist_only_where_they_should),
	    cmocka_unit_test(filters_name_themselves_in_errors),
	    cmocka_unit_test(a_query_too_long_for_its_links_is_400),
	    cmocka_unit_test(cursors_hold_their_keys_and_refuse_anything_else),
	    cmocka_unit_test(cursor_links_go_forward_and_keep_filters),
	    cmocka_unit_test(windows_are_exclusive_at_millisecond_precision),
	};
	return cmocka_run_group_tests_name("page", tests, NULL, NULL);
}
