/*
 * The end-to-end helpers: libcurl for HTTP, libpq for SQL. Test-only code, so failures of the
 * infrastructure itself abort the test with a message rather than returning errors.
 */
#include "client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "e2e: %s is not set; run the suites through tests/e2e/run\n", name);
		abort();
	}
	return v;
}

const char *service_token(enum service svc)
{
	return env(svc == PROJECT ? "PROJECT_API_TOKEN" : "AGGREGATOR_API_TOKEN");
}

const char *service_url(enum service svc)
{
	return env(svc == PROJECT ? "PANEL_TEST_PROJECT_URL" : "PANEL_TEST_AGGREGATOR_URL");
}

static size_t collect(char *data, size_t size, size_t n, void *b)
{
	return buf_append(b, data, size * n) ? 0 : size * n;
}

/* Parses a raw header block into name → value; a new status line starts over. */
static json_t *parse_headers(const char *block)
{
	json_t *map = json_object();

	while (block && *block) {
		const char *eol = strstr(block, "\r\n");
		size_t len = eol ? (size_t)(eol - block) : strlen(block);
		const char *colon = memchr(block, ':', len);
		if (len >= 5 && strncmp(block, "HTTP/", 5) == 0) {
			json_object_clear(map);
		} else if (colon) {
			char name[128];
			size_t n = (size_t)(colon - block), i;
			for (i = 0; i < n && i + 1 < sizeof(name); i++)
				name[i] = (char)tolower((unsigned char)block[i]);
			name[i] = '\0';
			const char *v = colon + 1;
			while (*v == ' ')
				v++;
			json_object_set_new(map, name, json_stringn(v, (size_t)(block + len - v)));
		}
		block += len + (eol ? 2 : 0);
	}
	return map;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * One request to url; authorization is the whole Authorization value, or NULL for none. A
 * transport failure leaves r.status 0 and r.error set (its curl message).
 */
static struct reply perform(const char *url, const char *method, const char *authorization,
                            const char *content_type, const char *body, const char *const *extra)
{
	struct buf out = BUF_INIT(0), head = BUF_INIT(0), line = BUF_INIT(0);
	struct curl_slist *hdrs = NULL;
	struct reply r = {0};

	pthread_once(&curl_once, curl_init);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (authorization) {
		buf_printf(&line, "Authorization: %s", authorization);
		hdrs = curl_slist_append(hdrs, line.data);
	}
	if (body || strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		buf_reset(&line);
		buf_printf(&line, "Content-Type: %s",
		           content_type ? content_type : "application/json");
		hdrs = curl_slist_append(hdrs, body ? line.data : "Content-Type:");
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (; extra && *extra; extra++)
		hdrs = curl_slist_append(hdrs, *extra);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		r.error = curl_easy_strerror(rc);
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	buf_free(&line);

	buf_append(&out, "", 0);
	buf_append(&head, "", 0);
	r.body = out.data;
	r.len = out.len;
	r.headers = parse_headers(head.data);
	buf_free(&head);
	r.json = r.len ? json_loadb(r.body, r.len, JSON_DECODE_ANY, NULL) : NULL;
	return r;
}

struct reply http(enum service svc, const char *method, const char *path, const char *auth,
                  const char *content_type, const char *body, const char *const *extra)
{
	char url[16384], bearer[512]; /* lighttpd takes request lines up to 8 KiB */

	snprintf(url, sizeof(url), "%s%s", service_url(svc), path);
	snprintf(bearer, sizeof(bearer), "Bearer %s", service_token(svc));
	struct reply r =
	    perform(url, method, auth == AUTH_TOKEN ? bearer : auth, content_type, body, extra);
	if (r.error)
		fail_msg("%s %s: %s", method, url, r.error);
	return r;
}

struct reply http_to(const char *base, const char *method, const char *path,
                     const char *authorization, const char *body, const char *const *extra)
{
	char url[16384];

	snprintf(url, sizeof(url), "%s%s", base, path);
	return perform(url, method, authorization, NULL, body, extra);
}

struct reply get(enum service svc, const char *path)
{
	return http(svc, "GET", path, AUTH_TOKEN, NULL, NULL, NULL);
}

struct reply post(enum service svc, const char *path, const char *json_body)
{
	return http(svc, "POST", path, AUTH_TOKEN, NULL, json_body, NULL);
}

void reply_free(struct reply *r)
{
	free(r->body);
	json_decref(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

const char *reply_header(const struct reply *r, const char *name)
{
	char lower[128];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	return json_string_value(json_object_get(r->headers, lower));
}

void assert_error(struct reply *r, long status, const char *name)
{
	if (r->status != status)
		fail_msg("expected %ld %s, got %ld: %s", status, name, r->status, r->body);
	assert_non_null(r->json);
	assert_string_equal(json_string_value(json_object_get(r->json, "name")), name);
	const char *message = json_string_value(json_object_get(r->json, "message"));
	assert_non_null(message);
	assert_true(strlen(message) > 0);
}

/* This thread's connection (each thread has its own, so one can hold a lock another waits on). */
static __thread PGconn *thread_conn;

static PGconn *db(void)
{
	if (!thread_conn) {
		thread_conn = PQconnectdb(env("DATABASE_URL"));
		if (PQstatus(thread_conn) != CONNECTION_OK)
			fail_msg("database: %s", PQerrorMessage(thread_conn));
	}
	if (PQstatus(thread_conn) != CONNECTION_OK)
		PQreset(thread_conn);
	return thread_conn;
}

__attribute__((format(printf, 1, 0))) static PGresult *run_sql(const char *fmt, va_list ap)
{
	char query[16384];
	vsnprintf(query, sizeof(query), fmt, ap);
	PGconn *conn = db();
	PGresult *res = PQexec(conn, query);
	ExecStatusType st = PQresultStatus(res);
	/* The suites restart Postgres: a connection it dropped is opened again (db()), once. */
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && PQstatus(conn) == CONNECTION_BAD) {
		PQclear(res);
		res = PQexec(db(), query);
		st = PQresultStatus(res);
	}
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		fail_msg("SQL failed: %s\n%s", PQresultErrorMessage(res), query);
	return res;
}

void sql_close(void)
{
	PQfinish(thread_conn);
	thread_conn = NULL;
}

json_t *sql(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	PGresult *res = run_sql(fmt, ap);
	va_end(ap);

	json_t *rows = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = json_object();
		for (int c = 0; c < PQnfields(res); c++)
			json_object_set_new(row, PQfname(res, c),
			                    PQgetisnull(res, i, c)
			                        ? json_null()
			                        : json_string(PQgetvalue(res, i, c)));
		json_array_append_new(rows, row);
	}
	PQclear(res);
	return rows;
}

int64_t sql_int(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	PGresult *res = run_sql(fmt, ap);
	va_end(ap);
	if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
		fail_msg("SQL returned no value");
	int64_t v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

void sql_state(char state[6], const char *fmt, ...)
{
	char query[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(query, sizeof(query), fmt, ap);
	va_end(ap);
	PGresult *res = PQexec(db(), query);
	const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	snprintf(state, 6, "%s", s ? s : "");
	PQclear(res);
}

const char *unique(const char *prefix)
{
	static __thread char out[8][96];
	static __thread unsigned slot;
	static unsigned counter;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	char *s = out[slot++ % 8];
	snprintf(s, 96, "%s-%ld-%ld-%u", prefix, (long)getpid(), (long)(ts.tv_nsec % 1000000),
	         __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	return s;
}

void fixture_project(struct fixture_project *p)
{
	snprintf(p->name, sizeof(p->name), "%s", unique("fixture"));
	snprintf(p->secret, sizeof(p->secret), "s3cret-%s", unique("k"));
	p->owner_id =
	    sql_int("INSERT INTO users (email, username) VALUES ('%s@example.test', '%s') "
	            "RETURNING id",
	            p->name, p->name);
	p->id =
	    sql_int("INSERT INTO projects (name, owner_id, app_secret) VALUES ('%s', %lld, '%s') "
	            "RETURNING id",
	            p->name, (long long)p->owner_id, p->secret);
}

size_t seeded_project_ids(int64_t *ids, size_t max)
{
	char path[4096];
	json_error_t err;
	size_t i, n = 0;
	json_t *el;

	snprintf(path, sizeof(path), "%s/projects.json", env("PANEL_TEST_SEEDS"));
	json_t *all = json_load_file(path, 0, &err);
	if (!all)
		fail_msg("%s: %s", path, err.text);
	json_array_foreach(all, i, el)
	{
		if (n < max)
			ids[n++] = json_integer_value(json_object_get(el, "id"));
	}
	json_decref(all);
	return n;
}

bool wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
	for (int waited = 0;; waited += 50) {
		if (cond(arg))
			return true;
		if (waited >= timeout_ms)
			return false;
		usleep(50 * 1000);
	}
}

int shell(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
