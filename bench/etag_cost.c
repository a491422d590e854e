/*
 * make bench: what a strong ETag costs. Renders a typical list answer (eight deployments with
 * their Link and X-Total-Count headers, as the service sends them) and times
 * etag_apply() on it: hashing headers and body, formatting the tag, comparing it with
 * If-None-Match. Prints one line bench/run puts in docs/BENCHMARKS.md.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "etag.h"
#include "req.h"
#include "resp.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(void)
{
	enum { ROUNDS = 200000 };
	struct resp resp = {.headers = BUF_INIT(0), .body = BUF_INIT(0)};
	struct req req = {.method = "GET", .if_none_match = "\"00000000000000000000000000000000\""};
	struct buf headers = BUF_INIT(0), body = BUF_INIT(0);

	buf_puts(&headers, "Link: </deployments?page=1>; rel=\"first\", </deployments?page=2>; "
	                   "rel=\"next\", </deployments?page=125000>; rel=\"last\"\r\n"
	                   "X-Total-Count: 1000000\r\n");
	buf_puts(&body, "[");
	for (int i = 0; i < 8; i++)
		buf_printf(
		    &body,
		    "%s{\"id\":%d,\"projectId\":7,\"status\":\"done\",\"deployedIn\":42,"
		    "\"meta\":{\"branch\":\"main\",\"commitSha\":\"9fceb02\",\"trigger\":\"git\"},"
		    "\"createdAt\":\"2026-11-30T03:04:47.340Z\","
		    "\"updatedAt\":\"2026-11-30T03:09:47.340Z\"}",
		    i ? "," : "", 999990 + i);
	buf_puts(&body, "]");

	/* The best of five runs, with and without the tag; the difference is its cost. */
	double best[2] = {1e18, 1e18};
	for (int run = 0; run < 10; run++) {
		int with_tag = run % 2;
		double t0 = now_ns();
		for (int i = 0; i < ROUNDS; i++) {
			resp.status = 200;
			buf_reset(&resp.headers);
			buf_append(&resp.headers, headers.data, headers.len);
			buf_reset(&resp.body);
			buf_append(&resp.body, body.data, body.len);
			if (with_tag)
				etag_apply(&req, &resp);
		}
		double per = (now_ns() - t0) / ROUNDS;
		best[with_tag] = per < best[with_tag] ? per : best[with_tag];
	}
	printf("ETAG body_bytes=%zu ns_per_answer=%.0f\n", body.len, best[1] - best[0]);
	buf_free(&resp.headers);
	buf_free(&resp.body);
	buf_free(&headers);
	buf_free(&body);
	return 0;
}
