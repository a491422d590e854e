/*
 * fcgi/authorizer/gate.c, keyring.c and cache.c: the authorizer's answers to requests built as
 * lighttpd passes them, the cache of verified tokens, refreshes on an unknown kid and their
 * interval, shared by the processes of a pool (two authorizers on one state directory stand for
 * two processes). No network: keys come from a JWKS file (the URL is the e2e suite's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authorizer.h"
#include "http.h"
#include "mint.h"
#include "resp.h"
#include "unit.h"
#include "victim.h"

#define ISS "https://tenant.example.auth0.com/"
#define AUD "https://panel.example/api"

static struct mint_key k1, k2, k3; /* k3 is in no JWKS */
static char dir[64], jwks_path[128];
static int64_t clock_now = 1900000000;
static struct authorizer one, two;

static int64_t fake_now(void)
{
	return clock_now;
}

static void write_jwks(const struct mint_key *const *keys, size_t n)
{
	char *doc = mint_jwks(keys, n);
	FILE *f = fopen(jwks_path, "w");
	assert_non_null(f);
	fputs(doc, f);
	fclose(f);
	free(doc);
}

/* An authorizer on the JWKS file, sharing its state under dir/<state>. */
static void open_authorizer(struct authorizer *a, bool permissions, const char *state,
                            int64_t interval_ms)
{
	char path[128];
	memset(a, 0, sizeof(*a));
	a->policy = (struct jwt_policy){ISS, AUD, 30};
	a->permissions = permissions;
	a->keyring.file = jwks_path;
	a->keyring.interval_ms = interval_ms;
	a->now = fake_now;
	snprintf(path, sizeof(path), "%s/%s", dir, state);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/srv", dir, state);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, state);
	keyring_open(&a->keyring, path);
}

/* A state directory no other authorizer of this test uses. */
static const char *unique_state(void)
{
	static char name[32];
	static int n;
	snprintf(name, sizeof(name), "solo-%d", ++n);
	return name;
}

static int setup(void **state)
{
	(void)state;
	mint_key_new(&k1, MINT_RSA, "k1");
	mint_key_new(&k2, MINT_EC, "k2");
	mint_key_new(&k3, MINT_RSA, "k3");
	snprintf(dir, sizeof(dir), "/tmp/test-authorizer.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	mint_key_free(&k1);
	mint_key_free(&k2);
	mint_key_free(&k3);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Only k1 published, a fresh authorizer with its own state. */
static int each(void **state)
{
	(void)state;
	const struct mint_key *keys[] = {&k1};
	write_jwks(keys, 1);
	clock_now = 1900000000;
	open_authorizer(&one, false, unique_state(), 60000);
	return 0;
}

static int each_done(void **state)
{
	(void)state;
	keyring_close(&one.keyring);
	return 0;
}

struct answer {
	int status;
	char headers[1024];
	char body[512];
};

/* What the authorizer answers to method with Authorization auth and one more variable. */
static struct answer ask(struct authorizer *a, const char *method, const char *auth,
                         const char *extra)
{
	struct arena arena = {0};
	struct resp resp = RESP_INIT;
	struct req req;
	char m[32], h[4096];
	struct answer out = {0};

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(h, sizeof(h), "HTTP_AUTHORIZATION=%s", auth ? auth : "");
	const char *env[] = {m, "REQUEST_URI=/projects", auth ? h : "HTTP_X=1", extra, NULL};
	http_req_from_env(&req, env, &arena);
	req.app = a;
	enum err rc = authorizer_handle(&req, &resp);
	if (rc)
		resp_render_error(&resp, rc);
	out.status = resp.status;
	snprintf(out.headers, sizeof(out.headers), "%s",
	         resp.headers.data ? resp.headers.data : "");
	snprintf(out.body, sizeof(out.body), "%s", resp.body.data ? resp.body.data : "");
	resp_free(&resp);
	arena_free(&arena);
	return out;
}

/* "Bearer <token>" of key over the usual claims plus permissions (NULL: none). */
static char *bearer(const struct mint_key *key, const char *sub, const char *perms)
{
	json_t *c = mint_claims(ISS, AUD, sub, clock_now, 600);
	if (perms)
		json_object_set_new(c, "scope", json_string(perms));
	char *token = mint_token(key, c);
	char *h = mint_bearer(token);
	free(token);
	json_decref(c);
	return h;
}

/* The headers of a 200 for sub: the caller, and what auth.lua may remember of it. */
static const char *passed(const char *sub, int64_t valid_until, const char *perms,
                          unsigned long long keys)
{
	static char h[512];
	snprintf(h, sizeof(h),
	         "Variable-REMOTE_USER: %s\r\nVariable-PANEL_JWT_UNTIL: %lld\r\n"
	         "Variable-PANEL_JWT_PERMS: %s\r\nVariable-PANEL_JWT_KEYS: %llu\r\n",
	         sub, (long long)valid_until, perms, keys);
	return h;
}

/* The size of dir/<state>/srv/jwks.generation, which auth.lua reads as the generation. */
static long long generation_file_size(const char *state)
{
	char path[160];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s/srv/jwks.generation", dir, state);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void assert_refused(const struct answer *a, bool offered)
{
	assert_int_equal(a->status, 401);
	assert_non_null(strstr(a->body, "\"name\":\"Unauthorized\""));
	assert_non_null(strstr(a->headers, offered
	                                       ? "WWW-Authenticate: Bearer realm=\"project\", "
	                                         "error=\"invalid_token\"\r\n"
	                                       : "WWW-Authenticate: Bearer realm=\"project\"\r\n"));
	assert_null(strstr(a->headers, "Variable-"));
}

/* PANEL_PASSED comes only from auth.lua: a client's "Panel-Passed" header is HTTP_PANEL_PASSED. */
static void only_the_gate_can_pass_a_request(void **state)
{
	(void)state;
	struct answer a = ask(&one, "GET", NULL, "PANEL_PASSED=1");
	assert_int_equal(a.status, 200);
	assert_null(strstr(a.headers, "Variable-"));
	a = ask(&one, "POST", "Bearer dev-project-token", "PANEL_PASSED=1");
	assert_int_equal(a.status, 200);

	a = ask(&one, "GET", NULL, "HTTP_PANEL_PASSED=1");
	assert_refused(&a, false);
	a = ask(&one, "GET", NULL, "PANEL_PASSEDX=1");
	assert_refused(&a, false);
	a = ask(&one, "GET", NULL, "PANEL_PASSED=10");
	assert_refused(&a, false);
	/* A REMOTE_USER a client made up (HTTP_REMOTE_USER) lets nothing through either. */
	a = ask(&one, "GET", NULL, "HTTP_REMOTE_USER=auth0|admin");
	assert_refused(&a, false);
}

static void without_a_bearer_token_no_error_code(void **state)
{
	(void)state;
	const char *none[] = {NULL, "Basic YWxpY2U6cHc=", "Bearer", "Bearer  \t ", "Bearerx.y.z"};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		struct answer a = ask(&one, "GET", none[i], NULL);
		assert_refused(&a, false);
		assert_non_null(strstr(a.body, "a bearer token is required"));
	}
}

static void a_valid_token_passes_with_its_subject(void **state)
{
	(void)state;
	char *h = bearer(&k1, "auth0|alice", NULL);
	struct answer a = ask(&one, "GET", h, NULL);
	assert_int_equal(a.status, 200);
	/* Valid until exp (600 s) plus leeway (30 s); without JWT_PERMISSIONS every permission
	 * counts; the keys of the pool's first fetch. */
	assert_string_equal(a.headers, passed("auth0|alice", clock_now + 630, "rw", 1));
	a = ask(&one, "HEAD", h, NULL);
	assert_int_equal(a.status, 200);
	/* The scheme is case-insensitive, like the static token's. */
	h[0] = 'b';
	h[3] = 'R';
	a = ask(&one, "POST", h, NULL);
	assert_int_equal(a.status, 200);
	free(h);
}

static void refused_tokens_are_401_invalid_token(void **state)
{
	(void)state;
	char *h = bearer(&k1, "auth0|alice", NULL);
	h[strlen(h) - 3] ^= 1; /* a signature that no longer verifies */
	struct answer a = ask(&one, "GET", h, NULL);
	assert_refused(&a, true);
	assert_non_null(strstr(a.body, "the bearer token is invalid"));
	free(h);

	clock_now -= 3600; /* issued an hour ago, for ten minutes */
	h = bearer(&k1, "auth0|alice", NULL);
	clock_now += 3600;
	a = ask(&one, "GET", h, NULL);
	assert_refused(&a, true);
	assert_non_null(strstr(a.body, "the bearer token has expired"));
	free(h);

	a = ask(&one, "GET", "Bearer not-a-jwt", NULL);
	assert_refused(&a, true);
	/* The static token is not a JWT: in jwt mode it is just an invalid token. */
	a = ask(&one, "GET", "Bearer dev-project-token", NULL);
	assert_refused(&a, true);
}

static void permissions_decide_403(void **state)
{
	(void)state;
	keyring_close(&one.keyring);
	open_authorizer(&one, true, unique_state(), 60000);
	char *none = bearer(&k1, "auth0|nobody", NULL);
	char *reader = bearer(&k1, "auth0|reader", "openid read:projects");
	char *writer = bearer(&k1, "auth0|writer", "write:deployments");

	struct answer a = ask(&one, "GET", none, NULL);
	assert_int_equal(a.status, 403);
	assert_non_null(strstr(a.body, "\"name\":\"Forbidden\""));
	assert_non_null(strstr(a.body, "read:projects"));
	assert_non_null(strstr(a.headers, "WWW-Authenticate: Bearer realm=\"project\", "
	                                  "error=\"insufficient_scope\", scope=\"read:projects\""));
	assert_null(strstr(a.headers, "Variable-"));

	a = ask(&one, "GET", reader, NULL);
	assert_int_equal(a.status, 200);
	/* With JWT_PERMISSIONS, only the token's own: a remembered reader is not a writer. */
	assert_string_equal(a.headers, passed("auth0|reader", clock_now + 630, "r", 1));
	assert_int_equal(ask(&one, "HEAD", reader, NULL).status, 200);
	a = ask(&one, "POST", reader, NULL);
	assert_int_equal(a.status, 403);
	assert_non_null(strstr(a.headers, "scope=\"write:deployments\""));
	a = ask(&one, "POST", writer, NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.headers, passed("auth0|writer", clock_now + 630, "w", 1));
	assert_int_equal(ask(&one, "DELETE", writer, NULL).status, 200);
	assert_int_equal(ask(&one, "GET", writer, NULL).status, 403);
	/* A refused token is 401 before any permission is looked at. */
	a = ask(&one, "GET", "Bearer a.b.c", NULL);
	assert_refused(&a, true);
	free(none);
	free(reader);
	free(writer);
}

static void verified_tokens_are_cached_until_they_expire(void **state)
{
	(void)state;
	char *h = bearer(&k1, "auth0|alice", "read:projects");
	assert_int_equal(ask(&one, "GET", h, NULL).status, 200);
	assert_int_equal(one.cache.hits, 0);
	struct answer a = ask(&one, "GET", h, NULL);
	assert_int_equal(a.status, 200);
	/* A hit says the same as the verification did: auth.lua may remember it from either. */
	assert_string_equal(a.headers, passed("auth0|alice", clock_now + 630, "rw", 1));
	assert_int_equal(one.cache.hits, 1);

	/* exp is 600 s away, plus 30 s of leeway: the last second in, then out. */
	clock_now += 629;
	assert_int_equal(ask(&one, "GET", h, NULL).status, 200);
	assert_int_equal(one.cache.hits, 2);
	clock_now += 1;
	a = ask(&one, "GET", h, NULL);
	assert_refused(&a, true);
	assert_int_equal(one.cache.hits, 2);
	free(h);
}

/*
 * The cache's key is the SHA-256 of the whole token (FIPS 180-2's "abc" vector), the same on
 * every call of the one digest context the process keeps: a key of part of the token would let
 * a forged token share a verified one's entry.
 */
static void the_cache_key_is_the_sha256_of_the_whole_token(void **state)
{
	static const unsigned char abc[TOKEN_DIGEST] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	unsigned char d1[TOKEN_DIGEST], d2[TOKEN_DIGEST];
	(void)state;
	for (int i = 0; i < 2; i++) {
		token_cache_digest("abc", 3, d1);
		assert_memory_equal(d1, abc, TOKEN_DIGEST);
	}
	token_cache_digest("abd", 3, d2);
	assert_memory_not_equal(d1, d2, TOKEN_DIGEST);
}

/* The kid is unknown; the JWKS gains it; once the interval has passed the token is accepted. */
static void refusals_are_not_cached_and_keys_rotate(void **state)
{
	(void)state;
	keyring_close(&one.keyring);
	open_authorizer(&one, false, unique_state(), 100);
	usleep(150 * 1000); /* the fetch at start was the last one */
	char *h = bearer(&k2, "auth0|bob", NULL);
	struct answer a = ask(&one, "GET", h, NULL);
	assert_refused(&a, true);

	const struct mint_key *both[] = {&k1, &k2};
	write_jwks(both, 2);
	/* Within the interval the JWKS is not read again: still refused. */
	a = ask(&one, "GET", h, NULL);
	assert_refused(&a, true);
	usleep(150 * 1000);
	a = ask(&one, "GET", h, NULL);
	assert_int_equal(a.status, 200);
	/* Under the third generation of keys: the start, the refused refresh, this one. */
	assert_string_equal(a.headers, passed("auth0|bob", clock_now + 630, "rw", 3));
	free(h);
}

/* A flood of bogus kids within the interval makes no refresh at all (the start was one). */
static void unknown_kids_refresh_at_most_once_per_interval(void **state)
{
	(void)state;
	int64_t last = one.keyring.shared->last_fetch_ms;
	uint64_t generation = one.keyring.shared->generation;
	char *h = bearer(&k3, "auth0|mallory", NULL);
	for (int i = 0; i < 50; i++) {
		struct answer a = ask(&one, "GET", h, NULL);
		assert_refused(&a, true);
	}
	assert_int_equal(one.keyring.shared->last_fetch_ms, last);
	assert_int_equal(one.keyring.shared->generation, generation);
	free(h);
}

/* Two processes of a pool: one refresh is seen by both, and counts for both. */
static void one_refresh_serves_the_pool(void **state)
{
	(void)state;
	keyring_close(&one.keyring);
	open_authorizer(&one, false, "pool", 200);
	open_authorizer(&two, false, "pool", 200);
	assert_int_equal(one.keyring.generation, 1); /* the first to start read the keys */
	assert_int_equal(two.keyring.generation, 1);
	assert_int_equal(generation_file_size("pool"), 1); /* published for auth.lua */

	const struct mint_key *both[] = {&k1, &k2};
	write_jwks(both, 2);
	usleep(250 * 1000);
	char *h = bearer(&k2, "auth0|bob", NULL);
	assert_int_equal(ask(&one, "GET", h, NULL).status, 200);
	assert_int_equal(one.keyring.shared->generation, 2);
	assert_int_equal(generation_file_size("pool"), 2);
	int64_t last = two.keyring.shared->last_fetch_ms;

	/* The other process knows k2 now without a refresh of its own... */
	assert_int_equal(ask(&two, "GET", h, NULL).status, 200);
	assert_int_equal(two.keyring.generation, 2);
	assert_int_equal(two.keyring.shared->last_fetch_ms, last);
	/* ...and may not refresh for another unknown kid within the interval. */
	char *bogus = bearer(&k3, "auth0|mallory", NULL);
	struct answer a = ask(&two, "GET", bogus, NULL);
	assert_refused(&a, true);
	assert_int_equal(two.keyring.shared->generation, 2);
	free(bogus);
	free(h);
	keyring_close(&two.keyring);
}

/* A key that leaves the JWKS takes its cached tokens with it. */
static void keys_that_go_take_their_cached_tokens(void **state)
{
	(void)state;
	keyring_close(&one.keyring);
	open_authorizer(&one, false, "flush", 100);
	open_authorizer(&two, false, "flush", 100);
	char *h = bearer(&k1, "auth0|alice", NULL);
	assert_int_equal(ask(&one, "GET", h, NULL).status, 200);
	assert_int_equal(ask(&one, "GET", h, NULL).status, 200);
	assert_int_equal(one.cache.hits, 1);

	const struct mint_key *rotated[] = {&k2};
	write_jwks(rotated, 1);
	usleep(150 * 1000);
	char *other = bearer(&k2, "auth0|bob", NULL);
	assert_int_equal(ask(&two, "GET", other, NULL).status, 200); /* two refreshed */
	struct answer a = ask(&one, "GET", h, NULL);
	assert_refused(&a, true);
	assert_int_equal(one.cache.hits, 1);
	free(other);
	free(h);
	keyring_close(&two.keyring);
}

/*
 * An authorizer of its own state directory, where srv/<file> is a link planted to a victim:
 * what it answers a valid token. The link is never followed: its target keeps every byte.
 */
static struct answer with_a_link_planted_as(const char *file)
{
	static const char content[] = "victim\n";
	const char *name = unique_state();
	char victim[128], path[128];
	struct authorizer solo;

	snprintf(victim, sizeof(victim), "%s/victim-%s", dir, file);
	victim_write(victim, content);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/srv", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/srv/%s", dir, name, file);
	assert_int_equal(symlink(victim, path), 0);

	open_authorizer(&solo, false, name, 60000);
	char *h = bearer(&k1, "auth0|alice", NULL);
	struct answer a = ask(&solo, "GET", h, NULL);
	free(h);
	keyring_close(&solo.keyring);
	assert_victim_intact(victim, content, path);
	return a;
}

/*
 * A link planted where the pool's shared state goes (srv/jwks.state): the authorizer works on
 * its own (keys read, tokens verified), and, with no shared generation, offers nothing for
 * auth.lua to remember.
 */
static void a_planted_link_is_never_followed(void **state)
{
	(void)state;
	struct answer a = with_a_link_planted_as("jwks.state");
	assert_int_equal(a.status, 200);
	assert_string_equal(a.headers, "Variable-REMOTE_USER: auth0|alice\r\n");
}

/* The same for srv/jwks.generation: tokens verified, nothing offered to remember. */
static void a_link_planted_as_the_generation_is_never_followed(void **state)
{
	(void)state;
	struct answer a = with_a_link_planted_as("jwks.generation");
	assert_int_equal(a.status, 200);
	assert_string_equal(a.headers, "Variable-REMOTE_USER: auth0|alice\r\n");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, each, each_done)
	const struct CMUnitTest tests[] = {
	    T(only_the_gate_can_pass_a_request),
	    T(without_a_bearer_token_no_error_code),
	    T(a_valid_token_passes_with_its_subject),
	    T(refused_tokens_are_401_invalid_token),
	    T(permissions_decide_403),
	    T(verified_tokens_are_cached_until_they_expire),
	    T(the_cache_key_is_the_sha256_of_the_whole_token),
	    T(refusals_are_not_cached_and_keys_rotate),
	    T(unknown_kids_refresh_at_most_once_per_interval),
	    T(one_refresh_serves_the_pool),
	    T(keys_that_go_take_their_cached_tokens),
	    T(a_planted_link_is_never_followed),
	    T(a_link_planted_as_the_generation_is_never_followed),
	};
#undef T
	return cmocka_run_group_tests_name("authorizer: gate", tests, setup, teardown);
}
