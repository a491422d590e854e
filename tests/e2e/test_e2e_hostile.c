/*
 * Hostile HTTP: what lighttpd refuses before any worker (oversized headers, bodies shorter
 * than their Content-Length, malformed requests), slow clients that must not tie up workers,
 * and bodies and paths built to break parsers or SQL. Every answer that comes from an
 * application is a clean 4xx JSON error, and nothing changes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"

static int service_port(enum service svc)
{
	return (int)strtol(strrchr(service_url(svc), ':') + 1, NULL, 10);
}

static int connect_to(enum service svc)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(service_port(svc))};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* Sends raw bytes, optionally half-closes, and reads the answer until EOF or timeout. */
static char *exchange(enum service svc, const char *raw, size_t len, bool half_close,
                      int timeout_ms)
{
	struct buf out = BUF_INIT(0);
	char chunk[4096];
	int fd = connect_to(svc);

	for (size_t sent = 0; sent < len;) {
		ssize_t n = send(fd, raw + sent, len - sent, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	if (half_close)
		shutdown(fd, SHUT_WR);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
		if (n <= 0)
			break;
		buf_append(&out, chunk, (size_t)n);
	}
	close(fd);
	buf_append(&out, "", 0);
	return out.data;
}

static bool log_has(const char *needle)
{
	return shell("grep -qF -- '%s' \"$PANEL_STATE_DIR\"/log/lighttpd.log", needle) == 0;
}

/* lighttpd answers what it cannot parse as HTTP/1.0 or 1.1, with its own (HTML) body. */
static bool lighttpd_refused(const char *answer, int status)
{
	char want[16];
	snprintf(want, sizeof(want), " %d ", status);
	return strncmp(answer, "HTTP/1.", 7) == 0 && strncmp(answer + 8, want, strlen(want)) == 0;
}

static void oversized_headers_are_refused_by_lighttpd(void **state)
{
	(void)state;
	struct buf req = BUF_INIT(0);
	const char *rid = unique("bigheader");

	buf_printf(&req,
	           "GET /projects HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\n"
	           "Authorization: Bearer %s\r\nX-Filler: ",
	           rid, service_token(PROJECT));
	for (int i = 0; i < 20000; i++)
		buf_puts(&req, "a");
	buf_puts(&req, "\r\nConnection: close\r\n\r\n");
	char *answer = exchange(PROJECT, req.data, req.len, false, 5000);
	assert_true(lighttpd_refused(answer, 431));
	free(answer);
	buf_free(&req);
	assert_false(log_has(rid));
}

static void malformed_requests_are_refused_by_lighttpd(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		int status;
	} bad[] = {
	    {"GARBAGE\r\n\r\n",	                        400},
	    {"GET /projects HTTP/9.9\r\nHost: x\r\n\r\n",      505},
	    {"GET /projects\x01 HTTP/1.1\r\nHost: x\r\n\r\n",  400},
	    {"GET /projects/1%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
	     "chunked\r\n\r\n0\r\n\r\n",          400},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *answer = exchange(AGGREGATOR, bad[i].raw, strlen(bad[i].raw), true, 5000);
		if (!lighttpd_refused(answer, bad[i].status))
			fail_msg("%zu: expected %d, got %.40s", i, bad[i].status, answer);
		free(answer);
	}
}

static int64_t event_count(void)
{
	return sql_int("SELECT count(*) FROM events");
}

/* The body never arrives whole: lighttpd waits for it and gives up; no worker sees it. */
static void a_body_shorter_than_its_length_never_reaches_the_app(void **state)
{
	(void)state;
	char req[1024];
	const char *rid = unique("short");
	int64_t before = event_count();
	int n = snprintf(req, sizeof(req),
	                 "POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
	                 "X-Request-Id: %s\r\nContent-Type: application/json\r\n"
	                 "Content-Length: 200\r\n\r\n{\"name\": \"short\", \"payload\": {}}",
	                 service_token(AGGREGATOR), rid);
	char *answer = exchange(AGGREGATOR, req, (size_t)n, true, 5000);
	assert_null(strstr(answer, "201 Created"));
	free(answer);
	assert_int_equal(event_count(), before);
	assert_false(log_has(rid));
}

struct trickle {
	enum service svc;
	int fds[100];
	int n;
	volatile int stop;
};

/* Opens connections that send a request a byte at a time, slowly, and never finish it. */
static void *trickle_run(void *arg)
{
	struct trickle *t = arg;
	char req[512];
	int len = snprintf(req, sizeof(req),
	                   "POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
	                   "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
	                   service_token(t->svc));
	for (int i = 0; i < t->n; i++)
		t->fds[i] = connect_to(t->svc);
	for (int pos = 0; !t->stop; pos = (pos + 1) % len) {
		for (int i = 0; i < t->n; i++)
			send(t->fds[i], req + pos, 1, MSG_NOSIGNAL);
		usleep(200 * 1000);
	}
	for (int i = 0; i < t->n; i++)
		close(t->fds[i]);
	return NULL;
}

/* 200 trickling clients (more than all workers together) leave the API answering. */
static void slow_clients_tie_up_no_worker(void **state)
{
	(void)state;
	struct trickle t[2] = {
	    {.svc = AGGREGATOR, .n = 100},
            {.svc = PROJECT,    .n = 100}
        };
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, trickle_run, &t[i]);
	sleep(2);
	for (int i = 0; i < 20; i++) {
		struct reply r = get(AGGREGATOR, "/events");
		assert_int_equal(r.status, 200);
		reply_free(&r);
		r = get(PROJECT, "/projects");
		assert_int_equal(r.status, 200);
		reply_free(&r);
	}
	for (int i = 0; i < 2; i++) {
		t[i].stop = 1;
		pthread_join(th[i], NULL);
	}
}

/* Bodies built to break parsers: each a clean 400, and nothing stored. */
static void hostile_bodies_are_400_and_store_nothing(void **state)
{
	(void)state;
	struct buf deep = BUF_INIT(0);
	buf_puts(&deep, "{\"name\": \"deep\", \"payload\": ");
	for (int i = 0; i < 5000; i++)
		buf_puts(&deep, "{\"a\": ");
	buf_puts(&deep, "1");
	for (int i = 0; i < 5000; i++)
		buf_puts(&deep, "}");
	buf_puts(&deep, "}");

	const char *bodies[] = {
	    deep.data,
	    "{\"name\": \"bad-utf8-\xff\xfe\", \"payload\": {}}",
	    "{\"name\": \"nul\\u0000inside\", \"payload\": {}}",
	    "{\"name\": \"huge\", \"payload\": {\"n\": 1e999}}",
	    "{\"name\": \"huge\", \"payload\": {\"n\": 123456789012345678901234567890}}",
	    "{\"name\": \"dup\", \"name\": \"dup\", \"payload\": {}}",
	    "{\"name\": \"lone-surrogate\", \"payload\": {\"s\": \"\\ud800\"}}",
	    "",
	    "null",
	    "[]",
	    "{\"name\": \"trailing\", \"payload\": {}} garbage",
	};
	int64_t before = event_count();
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct reply r =
		    http(AGGREGATOR, "POST", "/events", AUTH_TOKEN, NULL, bodies[i], NULL);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	assert_int_equal(event_count(), before);
	buf_free(&deep);
}

/* SQL in strings is data: stored and returned exactly as sent. */
static void injection_strings_round_trip_exactly(void **state)
{
	(void)state;
	const char *name = "x'); DROP TABLE events; --";
	const char *value = "' OR '1'='1' /* \\\" $1 %s %n \\u2603";
	char body[512];
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": {\"q\": \"%s\"}}", name,
	         value);

	struct reply r = post(AGGREGATOR, "/events", body);
	assert_int_equal(r.status, 201);
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), name);
	json_t *sent = json_loads(body, 0, NULL);
	assert_true(
	    json_equal(json_object_get(r.json, "payload"), json_object_get(sent, "payload")));
	char path[64];
	snprintf(path, sizeof(path), "/events/%lld",
	         (long long)json_integer_value(json_object_get(r.json, "id")));
	reply_free(&r);

	r = get(AGGREGATOR, path);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), name);
	assert_true(
	    json_equal(json_object_get(r.json, "payload"), json_object_get(sent, "payload")));
	reply_free(&r);
	json_decref(sent);
	assert_true(sql_int("SELECT count(*) FROM events") > 0);
}

/* Traversal and encodings never reach a file or a wrong handler: a JSON 4xx or the gate. */
static void traversal_and_encoded_paths(void **state)
{
	(void)state;
	const char *paths[] = {
	    "/projects/..%2f..%2fetc%2fpasswd",
	    "/projects/%2e%2e/%2e%2e/etc/passwd",
	    "/projects/1;drop",
	    "/deployments/-1",
	    "/deployments/99999999999999999999",
	    "/projects?page=-1",
	    "/projects?page=99999999999999999999",
	    "/events?projectId=1%27%20OR%201=1",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		enum service svc = strncmp(paths[i], "/events", 7) == 0 ? AGGREGATOR : PROJECT;
		struct reply r = get(svc, paths[i]);
		if (r.status != 400 && r.status != 404)
			fail_msg("%s: %ld %s", paths[i], r.status, r.body);
		assert_non_null(r.json);
		assert_non_null(json_object_get(r.json, "name"));
		reply_free(&r);
	}
	/* Outside /admin/, lighttpd's normalisation lands on a gated path, never a file. */
	const char *escapes[] = {"/admin/../lighttpd.conf", "/admin/%2e%2e/%2e%2e/etc/passwd",
	                         "/admin/..%2f..%2fWRITEUP.md"};
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		struct reply r = http(PROJECT, "GET", escapes[i], AUTH_NONE, NULL, NULL, NULL);
		assert_true(r.status == 401 || r.status == 404 || r.status == 400);
		assert_null(strstr(r.body, "root:"));
		assert_null(strstr(r.body, "server.modules"));
		reply_free(&r);
	}
}

/* Any spelling of a path is that path, for lighttpd's gate and for the workers alike. */
static void encodings_of_a_path_are_that_path(void **state)
{
	(void)state;
	struct reply r = http(PROJECT, "GET", "/%68ealth", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
	reply_free(&r);

	r = http(PROJECT, "POST", "/deployment/./%77ebhook", AUTH_NONE, NULL, "{}", NULL);
	assert_error(&r, 400, "BadRequest"); /* the webhook's own answer to an empty body */
	reply_free(&r);

	int64_t ids[1];
	char encoded[128], plain[64];
	assert_int_equal(seeded_project_ids(ids, 1), 1);
	snprintf(plain, sizeof(plain), "/projects/%lld", (long long)ids[0]);
	snprintf(encoded, sizeof(encoded), "/projects/x/..//%%%02x%s", plain[10], plain + 11);
	struct reply a = get(PROJECT, plain), b = get(PROJECT, encoded);
	assert_int_equal(a.status, 200);
	assert_int_equal(b.status, 200);
	assert_true(json_equal(a.json, b.json));
	reply_free(&a);
	reply_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(oversized_headers_are_refused_by_lighttpd),
	    cmocka_unit_test(malformed_requests_are_refused_by_lighttpd),
	    cmocka_unit_test(a_body_shorter_than_its_length_never_reaches_the_app),
	    cmocka_unit_test(slow_clients_tie_up_no_worker),
	    cmocka_unit_test(hostile_bodies_are_400_and_store_nothing),
	    cmocka_unit_test(injection_strings_round_trip_exactly),
	    cmocka_unit_test(traversal_and_encoded_paths),
	    cmocka_unit_test(encodings_of_a_path_are_that_path),
	};
	return cmocka_run_group_tests_name("e2e: hostile input", tests, NULL, NULL);
}
