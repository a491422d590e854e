/*
 * JWT access tokens end to end (PROJECT_AUTH=jwt and token,jwt), on nodes of their own
 * (tests/e2e/node) sharing the run's Postgres: real lighttpd, the real authorizer pool, keys and
 * tokens made here (tests/jwt/mint.c), and a JWKS served over HTTP on loopback by this process,
 * rotated mid-run, counting every fetch. Every refused token is shown never to reach a project
 * worker (workers log each request they answer, with its id), the way test_e2e_foundation
 * proves it for the static token.
 */
#include <arpa/inet.h>
#include <inttypes.h>
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
#include "keepalive.h"
#include "mint.h"

#define ISS "https://panel-test.eu.auth0.com/"
#define AUD "https://panel.test/api"

/* rsa1 and ec1 are published from the start, rsa2 after the rotation; evil never; gone for a
 * while (a_key_rotated_out_takes_its_remembered_tokens). */
static struct mint_key rsa1, ec1, rsa2, evil, gone;
static char main_url[256], jwt_url[256], both_url[256];
static int64_t project_id;

/* ---- a JWKS over HTTP on loopback, its document replaceable, its fetches counted ---------- */

static struct {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t lock;
	char *doc;
	int fetches;
} jwks = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void *jwks_serve(void *arg)
{
	(void)arg;
	char req[4096], head[256];
	for (;;) {
		int c = accept(jwks.fd, NULL, NULL);
		if (c < 0)
			return NULL;
		/* The request line and headers; what they say does not matter here. */
		struct pollfd p = {.fd = c, .events = POLLIN};
		size_t got = 0;
		while (got < sizeof(req) - 1 && poll(&p, 1, 2000) > 0) {
			ssize_t n = recv(c, req + got, sizeof(req) - 1 - got, 0);
			if (n <= 0)
				break;
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		pthread_mutex_lock(&jwks.lock);
		jwks.fetches++;
		size_t len = strlen(jwks.doc);
		int n = snprintf(head, sizeof(head),
		                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		                 len);
		if (send(c, head, (size_t)n, MSG_NOSIGNAL) < 0 ||
		    send(c, jwks.doc, len, MSG_NOSIGNAL) < 0)
			fprintf(stderr, "jwks server: send failed\n");
		pthread_mutex_unlock(&jwks.lock);
		close(c);
	}
}

static void jwks_publish(const struct mint_key *const *keys, size_t n)
{
	char *doc = mint_jwks(keys, n);
	pthread_mutex_lock(&jwks.lock);
	free(jwks.doc);
	jwks.doc = doc;
	pthread_mutex_unlock(&jwks.lock);
}

static int jwks_fetches(void)
{
	pthread_mutex_lock(&jwks.lock);
	int n = jwks.fetches;
	pthread_mutex_unlock(&jwks.lock);
	return n;
}

static void jwks_start(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	jwks.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(jwks.fd >= 0);
	assert_int_equal(bind(jwks.fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(jwks.fd, 64), 0);
	assert_int_equal(getsockname(jwks.fd, (struct sockaddr *)&addr, &len), 0);
	jwks.port = ntohs(addr.sin_port);
	assert_int_equal(pthread_create(&jwks.thread, NULL, jwks_serve, NULL), 0);
}

/* ---- nodes, tokens, logs ----------------------------------------------------------------- */

/* Starts a node (tests/e2e/node) with the given settings and writes its base URL into url. */
static void node_start(const char *name, const char *settings, char url[256])
{
	char portfile[] = "/tmp/e2e-jwt-port.XXXXXX";
	int fd = mkstemp(portfile);
	assert_true(fd >= 0);
	close(fd);
	if (shell("tests/e2e/node start %s %s >%s", name, settings, portfile) != 0)
		fail_msg("node %s did not start", name);
	FILE *f = fopen(portfile, "r");
	int port = 0;
	assert_int_equal(fscanf(f, "%d", &port), 1);
	fclose(f);
	unlink(portfile);
	snprintf(url, 256, "http://127.0.0.1:%d", port);
}

/* The project port every following request goes to (client.c reads it per request). */
static void target(const char *url)
{
	setenv("PANEL_TEST_PROJECT_URL", url, 1);
}

/* Records a token as a secret that tests/e2e/run must find in no log. */
static void keep_secret(const char *token)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/secrets", getenv("PANEL_STATE_DIR"));
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "%s\n", token);
	fclose(f);
}

/* "Bearer <token>" (malloc'd) of the given compact token, which is kept as a secret. */
static char *bearer_of(char *token)
{
	char *h = mint_bearer(token);
	keep_secret(token);
	free(token);
	return h;
}

/* A token of key over claims (consumed), as "Bearer ...". */
static char *bearer(const struct mint_key *key, json_t *claims)
{
	char *h = bearer_of(mint_token(key, claims));
	json_decref(claims);
	return h;
}

static json_t *claims_for(const char *sub)
{
	return mint_claims(ISS, AUD, sub, (int64_t)time(NULL), 600);
}

/* Whether the node's lighttpd.log has a line of service (project, authorizer) with needle. */
static bool node_log_has(const char *node, const char *service, const char *needle)
{
	return shell("grep -F '\"service\":\"%s\"' \"$PANEL_STATE_DIR/nodes/%s/log/lighttpd.log\" "
	             "| grep -qF -- '%s'",
	             service, node, needle) == 0;
}

struct access_line {
	const char *node, *rid, *actor;
};

static bool access_line_written(void *arg)
{
	const struct access_line *a = arg;
	return shell("grep -F '\"requestId\":\"%s\"' \"$PANEL_STATE_DIR/nodes/%s/log/access.log\" "
	             "| grep -qF -- '\"actor\":\"%s\"'",
	             a->rid, a->node, a->actor) == 0;
}

/* lighttpd writes its access log in batches: the line is waited for. */
static bool access_log_has(const char *node, const char *rid, const char *actor)
{
	struct access_line a = {node, rid, actor};
	return wait_until(access_line_written, &a, 10000);
}

/* GET path with authorization and a fresh request id (copied into rid). */
static struct reply get_as(const char *path, const char *authorization, char rid[96],
                           const char *more)
{
	char h[160];
	snprintf(rid, 96, "%s", unique("jwt"));
	snprintf(h, sizeof(h), "X-Request-Id: %s", rid);
	const char *extra[] = {h, more, NULL};
	return http(PROJECT, "GET", path, authorization, NULL, NULL, extra);
}

static void assert_invalid_token(struct reply *r)
{
	assert_error(r, 401, "Unauthorized");
	assert_string_equal(reply_header(r, "WWW-Authenticate"),
	                    "Bearer realm=\"project\", error=\"invalid_token\"");
}

static int64_t actor_events(const char *actor)
{
	return sql_int("SELECT count(*) FROM (SELECT payload FROM event_queue UNION ALL "
	               "SELECT payload FROM events) e WHERE e.payload->>'actor' = '%s'",
	               actor);
}

/* ---- setup -------------------------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	char settings[1024], file[512];

	mint_key_new(&rsa1, MINT_RSA, "rsa-1");
	mint_key_new(&ec1, MINT_EC, "ec-1");
	mint_key_new(&rsa2, MINT_RSA, "rsa-2");
	mint_key_new(&evil, MINT_RSA, "rsa-1-evil");
	mint_key_new(&gone, MINT_RSA, "rsa-gone");
	const struct mint_key *published[] = {&rsa1, &ec1};
	jwks_publish(published, 2);
	jwks_start();

	/* A JWKS file for the token,jwt node: rsa1 and ec1, like the URL before rotation. */
	snprintf(file, sizeof(file), "%s/jwks.json", getenv("PANEL_STATE_DIR"));
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs(jwks.doc, f);
	fclose(f);

	snprintf(main_url, sizeof(main_url), "%s", service_url(PROJECT));
	snprintf(settings, sizeof(settings),
	         "PROJECT_AUTH=jwt JWT_ISSUER=%s JWT_AUDIENCE=%s "
	         "JWT_JWKS_URL=http://127.0.0.1:%d/.well-known/jwks.json JWT_JWKS_MIN_INTERVAL=2",
	         ISS, AUD, jwks.port);
	node_start("jwt", settings, jwt_url);
	snprintf(settings, sizeof(settings),
	         "PROJECT_AUTH=token,jwt JWT_ISSUER=%s JWT_AUDIENCE=%s JWT_JWKS_FILE=%s "
	         "JWT_PERMISSIONS=1",
	         ISS, AUD, file);
	node_start("both", settings, both_url);

	int64_t ids[8];
	assert_true(seeded_project_ids(ids, 8) > 0);
	project_id = ids[0];
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	target(main_url);
	shell("tests/e2e/node stop jwt >/dev/null; tests/e2e/node stop both >/dev/null");
	shutdown(jwks.fd, SHUT_RDWR);
	close(jwks.fd);
	pthread_join(jwks.thread, NULL);
	free(jwks.doc);
	mint_key_free(&rsa1);
	mint_key_free(&ec1);
	mint_key_free(&rsa2);
	mint_key_free(&evil);
	mint_key_free(&gone);
	return 0;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* The check before start fetched once; then one process fetched for the whole pool of two. */
static void the_pool_fetched_the_keys_once_at_start(void **state)
{
	(void)state;
	assert_int_equal(jwks_fetches(), 2);
}

static void valid_tokens_reach_the_workers_with_their_subject(void **state)
{
	(void)state;
	char path[64], rid[96];
	snprintf(path, sizeof(path), "/projects/%" PRId64, project_id);
	target(jwt_url);

	const struct mint_key *keys[] = {&rsa1, &ec1};
	for (size_t i = 0; i < 2; i++) {
		char *h = bearer(keys[i], claims_for(i ? "auth0|es256-user" : "auth0|rs256-user"));
		struct reply r = get_as(path, h, rid, NULL);
		assert_int_equal(r.status, 200);
		assert_int_equal(json_integer_value(json_object_get(r.json, "id")), project_id);
		reply_free(&r);
		/* The worker served it and logged who asked; so did the access log. */
		assert_true(node_log_has("jwt", "project", rid));
		const char *sub = i ? "auth0|es256-user" : "auth0|rs256-user";
		char actor[128];
		snprintf(actor, sizeof(actor), "\"actor\":\"%s\"", sub);
		assert_true(node_log_has("jwt", "project", actor));
		assert_true(access_log_has("jwt", rid, sub));
		free(h);
	}
}

/* Within the 30 s of leeway a token is still (or already) good; past it, it is not. */
static void leeway_edges(void **state)
{
	(void)state;
	char rid[96];
	int64_t now = (int64_t)time(NULL);
	target(jwt_url);
	struct {
		const char *claim;
		int64_t value;
		long status;
	} cases[] = {
	    {"exp", now - 15, 200},
            {"exp", now - 45, 401},
            {"nbf", now + 15, 200},
	    {"nbf", now + 45, 401},
            {"iat", now + 15, 200},
            {"iat", now + 45, 401},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *c = claims_for("auth0|leeway");
		json_object_set_new(c, cases[i].claim, json_integer(cases[i].value));
		char *h = bearer(&rsa1, c);
		struct reply r = get_as("/projects", h, rid, NULL);
		if (r.status != cases[i].status)
			fail_msg("%s %+" PRId64 " s: %ld", cases[i].claim, cases[i].value - now,
			         r.status);
		if (cases[i].status == 401) {
			assert_invalid_token(&r);
			assert_false(node_log_has("jwt", "project", rid));
		}
		reply_free(&r);
		free(h);
	}
}

/* Replaces the claims part of "Bearer h.c.s" with that of another token. */
static char *swap_claims(const char *authorization, const char *donor)
{
	const char *d1 = strchr(authorization, '.'), *d2 = strrchr(authorization, '.');
	const char *e1 = strchr(donor, '.'), *e2 = strrchr(donor, '.');
	struct buf out = BUF_INIT(0);
	buf_append(&out, authorization, (size_t)(d1 - authorization));
	buf_append(&out, e1, (size_t)(e2 - e1));
	buf_puts(&out, d2);
	return out.data;
}

/* Every classic forgery, each refused by the authorizer and never seen by a worker. */
static void forged_and_broken_tokens_never_reach_a_worker(void **state)
{
	(void)state;
	enum { N = 24 };
	char *auth[N], rid[96], rids[N][96];
	const char *what[N];
	size_t n = 0;
	json_t *c;
	target(jwt_url);

#define CASE(label, value) (what[n] = (label), auth[n++] = (value))
	c = claims_for("auth0|x");
	json_object_set_new(c, "exp", json_integer((int64_t)time(NULL) - 3600));
	CASE("expired", bearer(&rsa1, c));
	c = claims_for("auth0|x");
	json_object_set_new(c, "nbf", json_integer((int64_t)time(NULL) + 3600));
	CASE("not yet valid", bearer(&ec1, c));
	CASE("wrong iss", bearer(&rsa1, mint_claims("https://evil.example/", AUD, "auth0|x",
	                                            (int64_t)time(NULL), 600)));
	c = claims_for("auth0|x");
	json_object_del(c, "aud");
	CASE("no aud", bearer(&rsa1, c));
	CASE("wrong aud", bearer(&rsa1, mint_claims(ISS, "https://other.test/api", "auth0|x",
	                                            (int64_t)time(NULL), 600)));
	c = claims_for("auth0|x");
	json_object_set_new(c, "aud", json_pack("[s, s]", ISS "userinfo", "https://other"));
	CASE("aud array without ours", bearer(&rsa1, c));
	CASE("unknown kid", bearer(&evil, claims_for("auth0|x")));

	c = claims_for("auth0|x");
	char *claims = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	char *pem = mint_public_pem(&rsa1);
	CASE("alg none", bearer_of(mint_jws("{\"alg\":\"none\",\"kid\":\"rsa-1\"}", claims, "none",
	                                    NULL, NULL, 0)));
	CASE("alg none, signed", bearer_of(mint_jws("{\"alg\":\"none\",\"kid\":\"rsa-1\"}", claims,
	                                            "RS256", &rsa1, NULL, 0)));
	CASE("HS256 with the RSA public key",
	     bearer_of(mint_jws("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"rsa-1\"}", claims,
	                        "HS256", NULL, pem, strlen(pem))));
	CASE("alg swapped to the EC key's",
	     bearer_of(mint_jws("{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", claims, "ES256", &ec1,
	                        NULL, 0)));
	CASE("another key's signature", bearer_of(mint_jws("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}",
	                                                   claims, "RS256", &rsa2, NULL, 0)));
	CASE("key in the header",
	     bearer_of(mint_jws("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"jku\":\"http://127.0.0.1/"
	                        "k\"}",
	                        claims, "RS256", &rsa1, NULL, 0)));
	CASE("non-JSON header", bearer_of(mint_jws("not json", claims, "RS256", &rsa1, NULL, 0)));
	free(pem);
	free(claims);

	char *honest = bearer(&rsa1, claims_for("auth0|reader"));
	json_t *admin = claims_for("auth0|admin");
	char *donor = mint_token(&evil, admin);
	json_decref(admin);
	keep_secret(donor);
	CASE("tampered payload", swap_claims(honest, donor));
	free(donor);
	free(honest);
	CASE("malformed base64", strdup("Bearer eyJhbGciOiJSUzI1NiJ9.e+J9.c2ln"));
	CASE("missing parts", strdup("Bearer eyJhbGciOiJSUzI1NiJ9.e30"));
	CASE("empty parts", strdup("Bearer .."));
	CASE("not a JWT", strdup("Bearer hello"));
	char static_token[256];
	snprintf(static_token, sizeof(static_token), "Bearer %s", service_token(PROJECT));
	CASE("the static token in jwt mode", strdup(static_token));
#undef CASE

	for (size_t i = 0; i < n; i++) {
		struct reply r = get_as("/projects", auth[i], rid, NULL);
		if (r.status != 401)
			fail_msg("%s: %ld %s", what[i], r.status, r.body);
		assert_invalid_token(&r);
		reply_free(&r);
		snprintf(rids[i], sizeof(rids[i]), "%s", rid);
		free(auth[i]);
	}
	/* A control: an accepted request is seen by its worker, so the check below can see. */
	char *good = bearer(&rsa1, claims_for("auth0|control"));
	struct reply r = get_as("/projects", good, rid, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	free(good);
	assert_true(node_log_has("jwt", "project", rid));
	for (size_t i = 0; i < n; i++) {
		if (node_log_has("jwt", "project", rids[i]))
			fail_msg("%s reached a project worker", what[i]);
		assert_true(node_log_has("jwt", "authorizer", rids[i])); /* judged, and refused */
	}
}

/* Sends raw bytes to the current project port; returns the status of the answer (0: none). */
static long raw_status(const char *raw, size_t len)
{
	const char *url = service_url(PROJECT);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port =
	                               htons((uint16_t)strtol(strrchr(url, ':') + 1, NULL, 10))};
	char answer[64] = "";
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(send(fd, raw, len, MSG_NOSIGNAL), (ssize_t)len);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 10000) > 0 && recv(fd, answer, sizeof(answer) - 1, 0) > 12)
		answer[12] = '\0';
	close(fd);
	return strncmp(answer, "HTTP/1.1 ", 9) == 0 ? strtol(answer + 9, NULL, 10) : 0;
}

/* What lighttpd itself refuses (a header over 8 KiB, a NUL in a header) reaches nobody. */
static void oversized_and_nul_tokens_are_refused_by_lighttpd(void **state)
{
	(void)state;
	char rid[96], h[160];
	target(jwt_url);

	/* A 100 KiB token: lighttpd's header limit answers 431 before any FastCGI app. */
	json_t *c = claims_for("auth0|big");
	char *pad = malloc(100 * 1024 + 1);
	memset(pad, 'x', 100 * 1024);
	pad[100 * 1024] = '\0';
	json_object_set_new(c, "padding", json_string(pad));
	free(pad);
	char *big = bearer(&rsa1, c);
	struct reply r = get_as("/projects", big, rid, NULL);
	assert_int_equal(r.status, 431);
	reply_free(&r);
	free(big);
	assert_false(node_log_has("jwt", "project", rid));
	assert_false(node_log_has("jwt", "authorizer", rid));

	/* A NUL byte inside the token. */
	snprintf(rid, sizeof(rid), "%s", unique("nul"));
	int n = snprintf(h, sizeof(h),
	                 "GET /projects HTTP/1.1\r\nHost: t\r\nX-Request-Id: %s\r\n"
	                 "Authorization: Bearer eyJh",
	                 rid);
	struct buf raw = BUF_INIT(0);
	buf_append(&raw, h, (size_t)n);
	buf_append(&raw, "\0", 1);
	buf_puts(&raw, "bGciOiJub25lIn0.e30.x\r\nConnection: close\r\n\r\n");
	assert_int_equal(raw_status(raw.data, raw.len), 400);
	buf_free(&raw);
	assert_false(node_log_has("jwt", "project", rid));
	assert_false(node_log_has("jwt", "authorizer", rid));
}

/* An unknown kid is refused until the issuer publishes it; then the pool knows it. */
static void keys_rotate_without_a_restart(void **state)
{
	(void)state;
	char rid[96];
	target(jwt_url);
	char *h = bearer(&rsa2, claims_for("auth0|rotated"));
	struct reply r = get_as("/projects", h, rid, NULL);
	assert_invalid_token(&r);
	reply_free(&r);
	assert_false(node_log_has("jwt", "project", rid));

	const struct mint_key *rotated[] = {&rsa1, &ec1, &rsa2};
	jwks_publish(rotated, 3);
	sleep(3); /* JWT_JWKS_MIN_INTERVAL=2: the next unknown kid may fetch */
	int before = jwks_fetches();
	/* Several requests, so both processes of the pool answer: each knows the new key. */
	for (int i = 0; i < 8; i++) {
		r = get_as("/projects", h, rid, NULL);
		if (r.status != 200)
			fail_msg("after the rotation, request %d: %ld %s", i, r.status, r.body);
		reply_free(&r);
	}
	assert_int_equal(jwks_fetches(), before + 1);
	free(h);
}

struct flood {
	char *authorization[16];
	int refused;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;
	CURL *c = curl_easy_init();
	struct buf out = BUF_INIT(0);
	for (int i = 0; i < 16; i++)
		if (keepalive_request(c, PROJECT, "GET", "/projects", f->authorization[i], NULL,
		                      &out) == 401)
			f->refused++;
	buf_free(&out);
	curl_easy_cleanup(c);
	return NULL;
}

/* 64 tokens with made-up kids from 4 clients: the issuer is asked at most once an interval. */
static void bogus_kids_cannot_hammer_the_issuer(void **state)
{
	(void)state;
	struct flood floods[4] = {0};
	pthread_t threads[4];
	struct timespec t0, t1;
	target(jwt_url);

	for (size_t t = 0; t < 4; t++)
		for (size_t i = 0; i < 16; i++) {
			struct mint_key bogus = evil;
			snprintf(bogus.kid, sizeof(bogus.kid), "bogus-%zu-%zu", t, i);
			floods[t].authorization[i] = bearer(&bogus, claims_for("auth0|flood"));
		}
	sleep(3); /* past the interval of the last fetch */
	int before = jwks_fetches();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t t = 0; t < 4; t++)
		assert_int_equal(pthread_create(&threads[t], NULL, flood_thread, &floods[t]), 0);
	for (size_t t = 0; t < 4; t++)
		pthread_join(threads[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int fetched = jwks_fetches() - before;
	for (size_t t = 0; t < 4; t++) {
		assert_int_equal(floods[t].refused, 16);
		for (size_t i = 0; i < 16; i++)
			free(floods[t].authorization[i]);
	}
	/* One fetch per started interval of 2 s, for the pool of two processes together. */
	if (fetched < 1 || fetched > 1 + (int)(elapsed / 2))
		fail_msg("%d fetches in %.2f s", fetched, elapsed);
}

/* The contract's exemptions stay exempt; everything else on the port needs a token. */
static void exemptions_stay_exempt(void **state)
{
	(void)state;
	char path[96], rid[96];
	target(jwt_url);
	struct reply r = http(PROJECT, "GET", "/health", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	r = http(PROJECT, "HEAD", "/openapi.yaml", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	r = http(PROJECT, "POST", "/deployment/webhook", AUTH_NONE, NULL, "{}", NULL);
	assert_error(&r, 400, "BadRequest"); /* the webhook itself answered */
	reply_free(&r);
	r = http(PROJECT, "GET", "/admin/", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "<html"));
	reply_free(&r);
	r = http(PROJECT, "GET", "/admin", AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 301);
	reply_free(&r);

	const char *guarded[][2] = {
	    {"POST",   "/admin/"            },
            {"POST",   "/admin"             },
	    {"DELETE", "/no/such/path"      },
            {"GET",    "/deployment/webhook"},
	    {"POST",   "/health"            },
            {"GET",    "/metrics"           },
	};
	for (size_t i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++) {
		r = http(PROJECT, guarded[i][0], guarded[i][1], AUTH_NONE, NULL, NULL, NULL);
		if (r.status != 401)
			fail_msg("%s %s: %ld", guarded[i][0], guarded[i][1], r.status);
		assert_string_equal(reply_header(&r, "WWW-Authenticate"),
		                    "Bearer realm=\"project\"");
		reply_free(&r);
	}
	/* The activity feed (the aggregator's pool on this port) is behind the gate too. */
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/activity", project_id);
	r = http(PROJECT, "GET", path, AUTH_NONE, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	reply_free(&r);
	char *h = bearer(&ec1, claims_for("auth0|feed-reader"));
	r = get_as(path, h, rid, NULL);
	assert_int_equal(r.status, 200);
	assert_true(json_is_array(r.json));
	reply_free(&r);
	free(h);
}

/* No header a client sends can pass the gate or name the caller. */
static void a_client_cannot_forge_what_the_authorizer_passes_on(void **state)
{
	(void)state;
	char path[96], rid[96];
	target(jwt_url);
	const char *forged[] = {"Panel-Passed: 1", "Remote-User: auth0|admin",
	                        "Variable-REMOTE_USER: auth0|admin", "PANEL_PASSED: 1"};
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		struct reply r = get_as("/projects", AUTH_NONE, rid, forged[i]);
		if (r.status != 401)
			fail_msg("%s: %ld", forged[i], r.status);
		reply_free(&r);
		assert_false(node_log_has("jwt", "project", rid));
	}

	/* With a real token, a Remote-User header changes nothing about who acted. */
	char *h = bearer(&rsa1, claims_for("auth0|honest"));
	int64_t before = actor_events("auth0|admin");
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", project_id);
	snprintf(rid, sizeof(rid), "%s", unique("forge"));
	char hid[160];
	snprintf(hid, sizeof(hid), "X-Request-Id: %s", rid);
	const char *extra[] = {"Remote-User: auth0|admin", hid, NULL};
	struct reply r = http(PROJECT, "POST", path, h, NULL, NULL, extra);
	assert_int_equal(r.status, 201);
	int64_t id = json_integer_value(json_object_get(r.json, "id"));
	reply_free(&r);
	assert_int_equal(actor_events("auth0|admin"), before);
	assert_int_equal(sql_int("SELECT count(*) FROM (SELECT payload FROM event_queue UNION ALL "
	                         "SELECT payload FROM events) e WHERE e.payload->>'deploymentId' = "
	                         "'%" PRId64 "' AND e.payload->>'actor' = 'auth0|honest'",
	                         id),
	                 1);
	assert_true(access_log_has("jwt", rid, "auth0|honest"));
	free(h);
}

/* The worker, not the authorizer, answers conditional GETs; bodies reach the worker whole. */
static void etags_and_bodies_pass_the_authorizer(void **state)
{
	(void)state;
	char path[96], rid[96], inm[160], etag[96];
	target(jwt_url);
	char *h = bearer(&rsa1, claims_for("auth0|etag"));
	snprintf(path, sizeof(path), "/projects/%" PRId64, project_id);
	struct reply r = get_as(path, h, rid, NULL);
	assert_int_equal(r.status, 200);
	snprintf(etag, sizeof(etag), "%s", reply_header(&r, "ETag"));
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	reply_free(&r);
	/* Both 304s are the worker's (its ETag, its log line), not an authorizer's own 304. */
	const char *conditions[] = {inm, "If-None-Match: *"};
	for (size_t i = 0; i < 2; i++) {
		r = get_as(path, h, rid, conditions[i]);
		assert_int_equal(r.status, 304);
		assert_string_equal(reply_header(&r, "ETag"), etag);
		reply_free(&r);
		assert_true(node_log_has("jwt", "project", rid));
	}

	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", project_id);
	r = http(PROJECT, "POST", path, h, NULL,
	         "{\"commitSha\": \"abc123\", \"branch\": \"main\", \"trigger\": \"git\"}", NULL);
	assert_int_equal(r.status, 201);
	json_t *meta = json_object_get(r.json, "meta");
	assert_string_equal(json_string_value(json_object_get(meta, "commitSha")), "abc123");
	reply_free(&r);
	free(h);
}

/* token,jwt with JWT_PERMISSIONS=1: either credential; a JWT's permissions decide. */
static void token_and_jwt_mode_with_permissions(void **state)
{
	(void)state;
	char get_path[96], post_path[96], rid[96], static_token[256];
	target(both_url);
	snprintf(get_path, sizeof(get_path), "/projects/%" PRId64, project_id);
	snprintf(post_path, sizeof(post_path), "/projects/%" PRId64 "/deployment", project_id);
	snprintf(static_token, sizeof(static_token), "Bearer %s", service_token(PROJECT));

	/* The static token: everything, as "api-token". */
	int64_t by_token = actor_events("api-token");
	struct reply r = get_as(get_path, static_token, rid, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	assert_true(access_log_has("both", rid, "api-token"));
	r = http(PROJECT, "POST", post_path, static_token, NULL, NULL, NULL);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_int_equal(actor_events("api-token"), by_token + 1);
	r = get_as(get_path, "Bearer not-the-token", rid, NULL);
	assert_invalid_token(&r);
	reply_free(&r);

	json_t *c = claims_for("auth0|nobody");
	char *nobody = bearer(&rsa1, c);
	c = claims_for("auth0|reader");
	json_object_set_new(c, "permissions", json_pack("[s]", "read:projects"));
	char *reader = bearer(&rsa1, c);
	c = claims_for("auth0|writer");
	json_object_set_new(c, "scope", json_string("openid write:deployments"));
	char *writer = bearer(&ec1, c);

	r = get_as(get_path, nobody, rid, NULL);
	assert_error(&r, 403, "Forbidden");
	assert_string_equal(reply_header(&r, "WWW-Authenticate"),
	                    "Bearer realm=\"project\", error=\"insufficient_scope\", "
	                    "scope=\"read:projects\"");
	reply_free(&r);
	assert_false(node_log_has("both", "project", rid));
	r = get_as(get_path, reader, rid, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	/* A reader cannot deploy: 403, and nothing was written. */
	int64_t deployments = sql_int("SELECT count(*) FROM deployments");
	snprintf(rid, sizeof(rid), "%s", unique("reader-post"));
	char hid[160];
	snprintf(hid, sizeof(hid), "X-Request-Id: %s", rid);
	const char *extra[] = {hid, NULL};
	r = http(PROJECT, "POST", post_path, reader, NULL, NULL, extra);
	assert_error(&r, 403, "Forbidden");
	assert_non_null(strstr(reply_header(&r, "WWW-Authenticate"), "write:deployments"));
	reply_free(&r);
	assert_int_equal(sql_int("SELECT count(*) FROM deployments"), deployments);
	assert_false(node_log_has("both", "project", rid));

	int64_t by_writer = actor_events("auth0|writer");
	r = http(PROJECT, "POST", post_path, writer, NULL, NULL, NULL);
	assert_int_equal(r.status, 201);
	int64_t deployment = json_integer_value(json_object_get(r.json, "id"));
	reply_free(&r);
	assert_int_equal(actor_events("auth0|writer"), by_writer + 1);
	r = get_as(get_path, writer, rid, NULL);
	assert_error(&r, 403, "Forbidden");
	reply_free(&r);

	/* A cancel by the writer carries the writer; the webhook's change carries no actor. */
	char cancel[96];
	snprintf(cancel, sizeof(cancel), "/deployments/%" PRId64 "/cancel", deployment);
	r = http(PROJECT, "POST", cancel, writer, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	assert_int_equal(actor_events("auth0|writer"), by_writer + 2);
	free(nobody);
	free(reader);
	free(writer);
}

/* Each request on a kept-alive connection is judged on its own. */
static void a_kept_alive_connection_passes_nothing_on(void **state)
{
	(void)state;
	char static_token[256];
	struct buf out = BUF_INIT(0);
	target(both_url);
	snprintf(static_token, sizeof(static_token), "Bearer %s", service_token(PROJECT));
	CURL *c = curl_easy_init();
	long connections = 0;
	assert_int_equal(
	    keepalive_request(c, PROJECT, "GET", "/projects", static_token, NULL, &out), 200);
	assert_int_equal(keepalive_request(c, PROJECT, "GET", "/projects", "Bearer x", NULL, &out),
	                 401);
	assert_int_equal(keepalive_request(c, PROJECT, "GET", "/projects", "", NULL, &out), 401);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connections);
	assert_int_equal(connections, 0); /* the last request reused the connection */
	buf_free(&out);
	curl_easy_cleanup(c);
}

/* ---- what lighttpd remembers of the authorizer's acceptances (auth.lua) -------------------- */

/* Whether the node's authorizer judged the request rid (it logs each one at LOG_LEVEL=debug). */
static bool judged(const char *node, const char *rid)
{
	return node_log_has(node, "authorizer", rid);
}

/* GET path with authorization: its status; rid gets the request's id. */
static long get_status(const char *path, const char *authorization, char rid[96], const char *more)
{
	struct reply r = get_as(path, authorization, rid, more);
	long status = r.status;
	reply_free(&r);
	return status;
}

/*
 * The authorizer judges a token once; the same Authorization header then goes straight to the
 * pool, with the caller the authorizer named. Exemptions and the static token never meet it.
 */
static void a_remembered_token_skips_the_authorizer(void **state)
{
	(void)state;
	char path[64], rid[96], static_token[256];
	snprintf(path, sizeof(path), "/projects/%" PRId64, project_id);
	target(jwt_url);
	char *h = bearer(&rsa1, claims_for("auth0|again"));
	assert_int_equal(get_status(path, h, rid, NULL), 200);
	assert_true(judged("jwt", rid));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(get_status(path, h, rid, NULL), 200);
		assert_false(judged("jwt", rid));
		assert_true(node_log_has("jwt", "project", rid));
		assert_true(access_log_has("jwt", rid, "auth0|again"));
	}
	assert_true(node_log_has("jwt", "project", "\"actor\":\"auth0|again\""));
	/* The same token with one byte more is another header: judged again (and refused). */
	size_t len = strlen(h);
	char *longer = malloc(len + 2);
	memcpy(longer, h, len);
	memcpy(longer + len, "A", 2);
	assert_int_equal(get_status(path, longer, rid, NULL), 401);
	assert_true(judged("jwt", rid));
	assert_false(node_log_has("jwt", "project", rid));
	free(longer);
	free(h);

	/* An exemption, and the static token of token,jwt mode. */
	assert_int_equal(get_status("/health", AUTH_NONE, rid, NULL), 200);
	assert_false(judged("jwt", rid));
	assert_true(node_log_has("jwt", "project", rid));
	assert_int_equal(get_status("/admin/", AUTH_NONE, rid, NULL), 200);
	assert_false(judged("jwt", rid));
	target(both_url);
	snprintf(static_token, sizeof(static_token), "Bearer %s", service_token(PROJECT));
	assert_int_equal(get_status(path, static_token, rid, NULL), 200);
	assert_false(judged("both", rid));
	assert_true(access_log_has("both", rid, "api-token"));
}

/*
 * JWT_PERMISSIONS=1: a remembered reader is still no writer (the authorizer answers 403, and
 * nothing is written), whatever headers the client adds to look like what the authorizer says.
 */
static void permissions_hold_on_a_remembered_token(void **state)
{
	(void)state;
	char get_path[96], post_path[96], rid[96], hid[160];
	target(both_url);
	snprintf(get_path, sizeof(get_path), "/projects/%" PRId64, project_id);
	snprintf(post_path, sizeof(post_path), "/projects/%" PRId64 "/deployment", project_id);
	json_t *c = claims_for("auth0|remembered-reader");
	json_object_set_new(c, "permissions", json_pack("[s]", "read:projects"));
	char *reader = bearer(&rsa1, c);
	const char *posing = "Panel-Jwt-Perms: rw";

	assert_int_equal(get_status(get_path, reader, rid, posing), 200);
	assert_true(judged("both", rid));
	assert_int_equal(get_status(get_path, reader, rid, posing), 200);
	assert_false(judged("both", rid));

	int64_t deployments = sql_int("SELECT count(*) FROM deployments");
	snprintf(rid, sizeof(rid), "%s", unique("remembered-post"));
	snprintf(hid, sizeof(hid), "X-Request-Id: %s", rid);
	const char *extra[] = {hid, posing, "Variable-PANEL_JWT_PERMS: rw", NULL};
	struct reply r = http(PROJECT, "POST", post_path, reader, NULL, NULL, extra);
	assert_error(&r, 403, "Forbidden");
	reply_free(&r);
	assert_true(judged("both", rid));
	assert_false(node_log_has("both", "project", rid));
	assert_int_equal(sql_int("SELECT count(*) FROM deployments"), deployments);
	free(reader);
}

/* A remembered token is good until its exp plus leeway (30 s here), and not a second more. */
static void a_remembered_token_expires(void **state)
{
	(void)state;
	char rid[96];
	target(jwt_url);
	/* exp 20 s ago: valid for about 10 s more, thanks to the leeway. */
	int64_t exp = (int64_t)time(NULL) - 20;
	json_t *c = claims_for("auth0|short-lived");
	json_object_set_new(c, "exp", json_integer(exp));
	char *h = bearer(&ec1, c);
	assert_int_equal(get_status("/projects", h, rid, NULL), 200);
	assert_true(judged("jwt", rid));
	assert_int_equal(get_status("/projects", h, rid, NULL), 200);
	assert_false(judged("jwt", rid));

	while ((int64_t)time(NULL) < exp + 30)
		usleep(200 * 1000);
	struct reply r = get_as("/projects", h, rid, NULL);
	assert_invalid_token(&r);
	assert_non_null(strstr(r.body, "expired"));
	reply_free(&r);
	assert_true(judged("jwt", rid));
	assert_false(node_log_has("jwt", "project", rid));
	free(h);
}

/*
 * A key leaves the JWKS: once the pool has fetched the new document (here on an unknown kid),
 * the tokens lighttpd remembered under the old keys go to the authorizer again, which refuses
 * them.
 */
static void a_key_rotated_out_takes_its_remembered_tokens(void **state)
{
	(void)state;
	char rid[96];
	target(jwt_url);
	const struct mint_key *with[] = {&rsa1, &ec1, &rsa2, &gone};
	jwks_publish(with, 4);
	sleep(3); /* JWT_JWKS_MIN_INTERVAL=2: the unknown kid below fetches */
	char *h = bearer(&gone, claims_for("auth0|soon-gone"));
	assert_int_equal(get_status("/projects", h, rid, NULL), 200);
	assert_true(judged("jwt", rid));
	assert_int_equal(get_status("/projects", h, rid, NULL), 200);
	assert_false(judged("jwt", rid));

	const struct mint_key *without[] = {&rsa1, &ec1, &rsa2};
	jwks_publish(without, 3);
	sleep(3);
	int before = jwks_fetches();
	struct mint_key bogus = evil;
	snprintf(bogus.kid, sizeof(bogus.kid), "after-rotation");
	char *other = bearer(&bogus, claims_for("auth0|x"));
	struct reply r = get_as("/projects", other, rid, NULL);
	assert_invalid_token(&r);
	reply_free(&r);
	assert_int_equal(jwks_fetches(), before + 1); /* the pool has the new keys */

	r = get_as("/projects", h, rid, NULL);
	assert_invalid_token(&r);
	reply_free(&r);
	assert_true(judged("jwt", rid));
	assert_false(node_log_has("jwt", "project", rid));
	free(other);
	free(h);
}

/*
 * What tells lighttpd to skip the authorizer is the request's scheme, which only auth.lua can
 * set: whatever a client sends to look like it, with no token, an invalid one or an expired
 * one, the authorizer judges the request and no worker sees it.
 */
static void no_client_can_skip_the_authorizer(void **state)
{
	(void)state;
	char rid[96], raw[1024];
	target(jwt_url);
	json_t *c = claims_for("auth0|late");
	json_object_set_new(c, "exp", json_integer((int64_t)time(NULL) - 3600));
	char *expired = bearer(&rsa1, c);
	const char *tokens[] = {AUTH_NONE, "Bearer not-a-jwt", expired};
	const char *posing[] = {"X-Forwarded-Proto: panel-passed", "Forwarded: proto=panel-passed",
	                        "Panel-Passed: 1", "X-Scheme: panel-passed"};
	for (size_t t = 0; t < 3; t++)
		for (size_t i = 0; i < 4; i++) {
			long status = get_status("/projects", tokens[t], rid, posing[i]);
			if (status != 401)
				fail_msg("%s with token %zu: %ld", posing[i], t, status);
			assert_true(judged("jwt", rid));
			assert_false(node_log_has("jwt", "project", rid));
		}
	/* The scheme in an absolute request target: lighttpd takes none but http(s). */
	for (size_t t = 0; t < 3; t++) {
		snprintf(rid, sizeof(rid), "%s", unique("absolute"));
		int n = snprintf(raw, sizeof(raw),
		                 "GET panel-passed://t/projects HTTP/1.1\r\nHost: t\r\n"
		                 "X-Request-Id: %s\r\n%s%s%sConnection: close\r\n\r\n",
		                 rid, tokens[t] ? "Authorization: " : "",
		                 tokens[t] ? tokens[t] : "", tokens[t] ? "\r\n" : "");
		long status = raw_status(raw, (size_t)n);
		if (status != 400 && status != 401)
			fail_msg("absolute target with token %zu: %ld", t, status);
		assert_false(node_log_has("jwt", "project", rid));
	}
	free(expired);
}

/*
 * Token mode (the main stack): a creation names "api-token"; the webhook's change names no
 * actor (null, the field present), since its sender is no caller.
 */
static void events_name_their_actor_and_the_webhook_none(void **state)
{
	(void)state;
	struct fixture_project p;
	char path[96], body[96], auth[96];
	target(main_url);
	fixture_project(&p);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/deployment", p.id);
	struct reply r = post(PROJECT, path, NULL);
	assert_int_equal(r.status, 201);
	int64_t id = json_integer_value(json_object_get(r.json, "id"));
	reply_free(&r);
	snprintf(body, sizeof(body), "{\"id\": %" PRId64 ", \"status\": \"building\"}", id);
	snprintf(auth, sizeof(auth), "Bearer %s", p.secret);
	r = http(PROJECT, "POST", "/deployment/webhook", auth, NULL, body, NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	json_t *rows = sql("SELECT e.name, e.payload->'actor' AS actor, e.payload ? 'actor' AS has "
	                   "FROM (SELECT name, payload FROM event_queue UNION ALL "
	                   "SELECT name, payload FROM events) e "
	                   "WHERE e.payload->>'deploymentId' = '%" PRId64 "' ORDER BY e.name",
	                   id);
	assert_int_equal(json_array_size(rows), 2);
	json_t *created = json_array_get(rows, 0), *changed = json_array_get(rows, 1);
	assert_string_equal(json_string_value(json_object_get(created, "name")),
	                    "deployment.created");
	assert_string_equal(json_string_value(json_object_get(created, "actor")), "\"api-token\"");
	assert_string_equal(json_string_value(json_object_get(changed, "name")),
	                    "deployment.status_changed");
	assert_string_equal(json_string_value(json_object_get(changed, "actor")), "null");
	assert_string_equal(json_string_value(json_object_get(changed, "has")), "t");
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_pool_fetched_the_keys_once_at_start),
	    cmocka_unit_test(valid_tokens_reach_the_workers_with_their_subject),
	    cmocka_unit_test(leeway_edges),
	    cmocka_unit_test(forged_and_broken_tokens_never_reach_a_worker),
	    cmocka_unit_test(oversized_and_nul_tokens_are_refused_by_lighttpd),
	    cmocka_unit_test(keys_rotate_without_a_restart),
	    cmocka_unit_test(bogus_kids_cannot_hammer_the_issuer),
	    cmocka_unit_test(exemptions_stay_exempt),
	    cmocka_unit_test(a_client_cannot_forge_what_the_authorizer_passes_on),
	    cmocka_unit_test(etags_and_bodies_pass_the_authorizer),
	    cmocka_unit_test(token_and_jwt_mode_with_permissions),
	    cmocka_unit_test(a_kept_alive_connection_passes_nothing_on),
	    cmocka_unit_test(a_remembered_token_skips_the_authorizer),
	    cmocka_unit_test(permissions_hold_on_a_remembered_token),
	    cmocka_unit_test(a_remembered_token_expires),
	    cmocka_unit_test(a_key_rotated_out_takes_its_remembered_tokens),
	    cmocka_unit_test(no_client_can_skip_the_authorizer),
	    cmocka_unit_test(events_name_their_actor_and_the_webhook_none),
	};
	return cmocka_run_group_tests_name("e2e: jwt", tests, setup, teardown);
}
