/*
 * The aggregator's events API end to end: POST /events and its refusals (each stores
 * nothing), idempotent creates by Idempotency-Key and by payload eventId, GET /events with its
 * filters, Link and X-Total-Count, GET /events/{id}, and the project activity feed on both
 * ports. Names and project ids are unique to each test, so other events never interfere.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"

static int64_t count_events(void)
{
	return sql_int("SELECT count(*) FROM events");
}

/* POST /events with {name, payload} (payload: JSON text) and an optional Idempotency-Key. */
static struct reply create(const char *name, const char *payload, const char *key)
{
	char body[8192], header[512];
	const char *extra[] = {NULL, NULL};

	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": %s}", name, payload);
	if (key) {
		snprintf(header, sizeof(header), "Idempotency-Key: %s", key);
		extra[0] = header;
	}
	return http(AGGREGATOR, "POST", "/events", AUTH_TOKEN, NULL, body, extra);
}

static int64_t json_id(const json_t *event)
{
	return json_integer_value(json_object_get(event, "id"));
}

/* Creates an event that must be new (201) and returns its id. */
static int64_t create_new(const char *name, const char *payload)
{
	struct reply r = create(name, payload, NULL);
	if (r.status != 201)
		fail_msg("POST /events: %ld %s", r.status, r.body);
	int64_t id = json_id(r.json);
	reply_free(&r);
	return id;
}

/* The ids of a list answer, in order. */
static size_t list_ids(const struct reply *r, int64_t *ids, size_t max)
{
	size_t i, n = 0;
	json_t *el;

	assert_true(json_is_array(r->json));
	json_array_foreach(r->json, i, el)
	{
		if (n < max)
			ids[n++] = json_id(el);
	}
	return n;
}

static void a_created_event_is_stored_and_readable(void **state)
{
	(void)state;
	const char *name = unique("created");
	char path[64];

	struct reply r = create(name,
	                        "{\"projectId\": 12, \"ratio\": 0.1, \"nested\": {\"a\": [1, "
	                        "true, null]}}",
	                        NULL);
	assert_int_equal(r.status, 201);
	int64_t id = json_id(r.json);
	assert_true(id > 0);
	snprintf(path, sizeof(path), "/events/%" PRId64, id);
	assert_string_equal(reply_header(&r, "Location"), path);
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), name);
	assert_true(json_is_object(json_object_get(r.json, "payload")));
	const char *created = json_string_value(json_object_get(r.json, "createdAt"));
	assert_non_null(created);
	/* RFC 3339 UTC with milliseconds: 2023-06-22T06:02:08.597Z */
	assert_int_equal(strlen(created), 24);
	assert_int_equal(created[23], 'Z');
	assert_int_equal(json_object_size(r.json), 4);

	/* Stored as sent: numbers keep their digits (0.1, not a double's 0.1000000000000000055). */
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE id = %" PRId64
	                         " AND name = '%s' "
	                         "AND payload->>'ratio' = '0.1' AND project_id = 12 "
	                         "AND payload->'nested' = '{\"a\": [1, true, null]}'",
	                         id, name),
	                 1);

	struct reply g = get(AGGREGATOR, path);
	assert_int_equal(g.status, 200);
	assert_true(json_equal(g.json, r.json));
	reply_free(&g);
	reply_free(&r);

	g = http(AGGREGATOR, "HEAD", path, AUTH_TOKEN, NULL, NULL, NULL);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.len, 0);
	reply_free(&g);
}

static void bad_bodies_store_nothing(void **state)
{
	(void)state;
	struct buf long_name = BUF_INIT(0);
	for (int i = 0; i < 201; i++)
		buf_puts(&long_name, "n");
	/* Malformed, not one object, no/empty/non-string name, no payload or not an object,
	 * unknown or repeated fields, an eventId that is not a UUID, no body at all. */
	const char *const bad_bodies[] = {
	    "{\"name\": \"x\", \"payload\": {}",
	    "{\"name\": \"x\", \"payload\": {}} trailing",
	    "[]",
	    "{\"payload\": {}}",
	    "{\"name\": \"\", \"payload\": {}}",
	    "{\"name\": null, \"payload\": {}}",
	    "{\"name\": 42, \"payload\": {}}",
	    "{\"name\": \"x\"}",
	    "{\"name\": \"x\", \"payload\": [1, 2]}",
	    "{\"name\": \"x\", \"payload\": \"{}\"}",
	    "{\"name\": \"x\", \"payload\": 7}",
	    "{\"name\": \"x\", \"payload\": {}, \"source\": \"api\"}",
	    "{\"name\": \"x\", \"payload\": {}, \"name\": \"y\"}",
	    "{\"name\": \"x\", \"payload\": {\"eventId\": \"nope\"}}",
	    "{\"name\": \"x\", \"payload\": {\"eventId\": 5}}",
	    NULL,
	};
	const char *const bad_types[] = {"text/plain", "application/x-www-form-urlencoded",
	                                 "application/json; charset=latin1"};
	int64_t before = count_events();

	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		struct reply r =
		    http(AGGREGATOR, "POST", "/events", AUTH_TOKEN, NULL, bad_bodies[i], NULL);
		if (r.status != 400)
			fail_msg("%s: expected 400, got %ld %s", bad_bodies[i], r.status, r.body);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		struct reply r = http(AGGREGATOR, "POST", "/events", AUTH_TOKEN, bad_types[i],
		                      "{\"name\": \"x\", \"payload\": {}}", NULL);
		assert_error(&r, 415, "UnsupportedMediaType");
		reply_free(&r);
	}
	struct reply r = create(long_name.data, "{}", NULL);
	assert_error(&r, 400, "BadRequest");
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "message")), "200"));
	reply_free(&r);

	/* Over 1 MiB: lighttpd answers 413 before any worker. */
	struct buf big = BUF_INIT(0);
	buf_puts(&big, "{\"name\": \"big\", \"payload\": {\"pad\": \"");
	while (big.len < 1024 * 1024 + 16)
		buf_puts(&big, "0123456789abcdef");
	buf_puts(&big, "\"}}");
	r = http(AGGREGATOR, "POST", "/events", AUTH_TOKEN, NULL, big.data, NULL);
	assert_int_equal(r.status, 413);
	reply_free(&r);
	assert_int_equal(count_events(), before);

	/*
	 * Just under lighttpd's limit the body reaches the worker, which keeps no payload over
	 * 64 KiB as stored: its own JSON 413 (lighttpd's has no X-Request-Id), nothing stored.
	 */
	buf_reset(&big);
	buf_puts(&big, "{\"name\": \"big\", \"payload\": {\"pad\": \"");
	while (big.len < 1000 * 1000)
		buf_puts(&big, "0123456789abcdef");
	buf_puts(&big, "\"}}");
	r = http(AGGREGATOR, "POST", "/events", AUTH_TOKEN, NULL, big.data, NULL);
	assert_error(&r, 413, "PayloadTooLarge");
	assert_non_null(reply_header(&r, "X-Request-Id"));
	reply_free(&r);
	/* Exactly 200 characters (multi-byte ones count once): stored. */
	buf_reset(&long_name);
	for (int i = 0; i < 200; i++)
		buf_puts(&long_name, "\xc3\xa9");
	r = create(long_name.data, "{}", NULL);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	assert_int_equal(count_events(), before + 1);
	buf_free(&big);
	buf_free(&long_name);
}

static void refused_idempotency_keys(void **state)
{
	(void)state;
	char key[300];
	int64_t before = count_events();

	memset(key, 'k', 256);
	key[256] = '\0';
	struct reply r = create(unique("key"), "{}", key);
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
	r = create(unique("key"), "{}", "two words");
	assert_error(&r, 400, "BadRequest");
	reply_free(&r);
	assert_int_equal(count_events(), before);

	key[255] = '\0';
	r = create(unique("key"), "{}", key);
	assert_int_equal(r.status, 201);
	reply_free(&r);
}

static void a_retry_with_the_same_key_returns_the_first_event(void **state)
{
	(void)state;
	const char *name = unique("retry"), *key = unique("key");
	const char *payload = "{\"projectId\": 5, \"step\": 1}";

	struct reply first = create(name, payload, key);
	assert_int_equal(first.status, 201);
	int64_t before = count_events();

	/* Same name, same payload (keys in another order, other spacing): the first event. */
	struct reply again = create(name, "{ \"step\" : 1, \"projectId\" : 5 }", key);
	assert_int_equal(again.status, 200);
	assert_string_equal(reply_header(&again, "Location"), reply_header(&first, "Location"));
	assert_true(json_equal(again.json, first.json));
	reply_free(&again);

	/* The same key with another payload or another name is a conflict naming the event. */
	again = create(name, "{\"projectId\": 5, \"step\": 2}", key);
	assert_error(&again, 409, "Conflict");
	char id[32];
	snprintf(id, sizeof(id), "%" PRId64, json_id(first.json));
	assert_non_null(strstr(json_string_value(json_object_get(again.json, "message")), id));
	reply_free(&again);
	again = create(unique("other"), payload, key);
	assert_error(&again, 409, "Conflict");
	reply_free(&again);
	assert_int_equal(count_events(), before);

	/* Another key is another event. */
	again = create(name, payload, unique("key"));
	assert_int_equal(again.status, 201);
	reply_free(&again);
	reply_free(&first);
}

static void a_payload_event_id_makes_a_create_idempotent(void **state)
{
	(void)state;
	const char *name = unique("by-event-id");
	char uuid[40], payload[256], other[256];

	json_t *rows = sql("SELECT gen_random_uuid()::text AS u");
	snprintf(uuid, sizeof(uuid), "%s",
	         json_string_value(json_object_get(json_array_get(rows, 0), "u")));
	json_decref(rows);
	snprintf(payload, sizeof(payload), "{\"eventId\": \"%s\", \"projectId\": 8}", uuid);
	snprintf(other, sizeof(other), "{\"eventId\": \"%s\", \"projectId\": 9}", uuid);

	struct reply first = create(name, payload, NULL);
	assert_int_equal(first.status, 201);
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE event_id = '%s'", uuid), 1);
	int64_t before = count_events();

	struct reply again = create(name, payload, NULL);
	assert_int_equal(again.status, 200);
	assert_string_equal(reply_header(&again, "Location"), reply_header(&first, "Location"));
	assert_true(json_equal(again.json, first.json));
	reply_free(&again);

	again = create(name, other, NULL);
	assert_error(&again, 409, "Conflict");
	reply_free(&again);
	assert_int_equal(count_events(), before);
	reply_free(&first);

	/* An event that came through the queue is found by its eventId too. */
	const char *queued = unique("queued");
	json_t *q = sql("INSERT INTO event_queue (event_id, name, payload) SELECT u, '%s', "
	                "jsonb_build_object('eventId', u, 'projectId', 3) FROM gen_random_uuid() u "
	                "RETURNING event_id::text AS u, payload::text AS p",
	                queued);
	char qpayload[256];
	snprintf(qpayload, sizeof(qpayload), "%s",
	         json_string_value(json_object_get(json_array_get(q, 0), "p")));
	json_decref(q);
	for (int i = 0;
	     i < 200 && sql_int("SELECT count(*) FROM events WHERE name = '%s'", queued) == 0; i++)
		usleep(50 * 1000);
	again = create(queued, qpayload, NULL);
	assert_int_equal(again.status, 200);
	reply_free(&again);
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE name = '%s'", queued), 1);
}

struct racer {
	const char *name, *key;
	long status;
	int64_t id;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct reply rep = create(r->name, "{\"race\": true}", r->key);
	r->status = rep.status;
	r->id = rep.json ? json_id(rep.json) : 0;
	reply_free(&rep);
	return NULL;
}

/* Concurrent retries of one create: exactly one 201, every other answer 200, one event. */
static void concurrent_retries_create_one_event(void **state)
{
	(void)state;
	enum { N = 8 };
	struct racer racers[N];
	pthread_t threads[N];
	char name[96], key[96];
	int created = 0;

	snprintf(name, sizeof(name), "%s", unique("race"));
	snprintf(key, sizeof(key), "%s", unique("race-key"));
	for (int i = 0; i < N; i++) {
		racers[i] = (struct racer){.name = name, .key = key};
		assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < N; i++) {
		if (racers[i].status == 201)
			created++;
		else
			assert_int_equal(racers[i].status, 200);
		assert_int_equal(racers[i].id, racers[0].id);
	}
	assert_int_equal(created, 1);
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE name = '%s'", name), 1);
}

static void get_one_event_refusals(void **state)
{
	(void)state;
	struct reply r = get(AGGREGATOR, "/events/9000000000000000000");
	assert_error(&r, 404, "NotFound");
	reply_free(&r);
	const char *bad[] = {"/events/0", "/events/-1", "/events/abc", "/events/1.5",
	                     "/events/99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = get(AGGREGATOR, bad[i]);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
	r = http(AGGREGATOR, "DELETE", "/events", AUTH_TOKEN, NULL, NULL, NULL);
	assert_error(&r, 405, "MethodNotAllowed");
	assert_non_null(strstr(reply_header(&r, "Allow"), "POST"));
	assert_non_null(strstr(reply_header(&r, "Allow"), "GET"));
	reply_free(&r);
	r = http(AGGREGATOR, "PUT", "/events/1", AUTH_TOKEN, NULL, "{}", NULL);
	assert_error(&r, 405, "MethodNotAllowed");
	reply_free(&r);
}

static void list_refusals(void **state)
{
	(void)state;
	const char *bad[] = {
	    "/events?page=0",
	    "/events?page=x",
	    "/events?projectId=0",
	    "/events?projectId=abc",
	    "/events?name=",
	    "/events?createdAfter=yesterday",
	    "/events?createdBefore=2024-02-30T00:00:00Z",
	    "/events?status=done",
	    "/events?name=a&name=b",
	    "/projects/0/activity",
	    "/projects/x/activity",
	    "/projects/1/activity?projectId=2",
	    "/projects/1/activity?name=x",
	    "/projects/1/activity?createdAfter=2024-01-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reply r = get(AGGREGATOR, bad[i]);
		if (r.status != 400)
			fail_msg("%s: expected 400, got %ld %s", bad[i], r.status, r.body);
		assert_error(&r, 400, "BadRequest");
		reply_free(&r);
	}
}

/* Ten events of one name: pages of 8, links that keep the filter, an exact total. */
static void lists_page_by_id_descending_with_links(void **state)
{
	(void)state;
	const char *name = unique("paged");
	int64_t ids[10], got[16];
	char path[256], want[512];

	for (int i = 0; i < 10; i++)
		ids[i] = create_new(name, "{}");

	snprintf(path, sizeof(path), "/events?name=%s", name);
	struct reply r = get(AGGREGATOR, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(list_ids(&r, got, 16), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(got[i], ids[9 - i]);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "10");
	snprintf(want, sizeof(want),
	         "</events?name=%s&page=1>; rel=\"first\", </events?name=%s&page=2>; rel=\"next\", "
	         "</events?name=%s&page=2>; rel=\"last\"",
	         name, name, name);
	assert_string_equal(reply_header(&r, "Link"), want);
	reply_free(&r);

	snprintf(path, sizeof(path), "/events?page=2&name=%s", name);
	r = get(AGGREGATOR, path);
	assert_int_equal(list_ids(&r, got, 16), 2);
	assert_int_equal(got[0], ids[1]);
	assert_int_equal(got[1], ids[0]);
	assert_non_null(strstr(reply_header(&r, "Link"), "rel=\"prev\""));
	assert_null(strstr(reply_header(&r, "Link"), "rel=\"next\""));
	reply_free(&r);

	snprintf(path, sizeof(path), "/events?name=%s&page=3", name);
	r = get(AGGREGATOR, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(list_ids(&r, got, 16), 0);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "10");
	reply_free(&r);

	r = get(AGGREGATOR, "/events?name=no-such-event-name-ever");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 0);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "0");
	reply_free(&r);

	/* Unfiltered, the total is every event. */
	int64_t total = count_events();
	r = get(AGGREGATOR, "/events");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 8);
	assert_int_equal(strtoll(reply_header(&r, "X-Total-Count"), NULL, 10), total);
	assert_int_equal(json_id(json_array_get(r.json, 0)), sql_int("SELECT max(id) FROM events"));
	reply_free(&r);
}

static void name_and_project_filters_combine(void **state)
{
	(void)state;
	struct fixture_project p;
	const char *a = unique("filter-a"), *b = unique("filter-b");
	char payload[64], path[256];
	int64_t got[16];

	fixture_project(&p);
	snprintf(payload, sizeof(payload), "{\"projectId\": %" PRId64 "}", p.id);
	int64_t a1 = create_new(a, payload);
	int64_t b1 = create_new(b, payload);
	create_new(a, "{\"projectId\": null}");
	create_new(a, "{\"projectId\": \"7\"}"); /* a string names no project */
	int64_t a2 = create_new(a, payload);

	snprintf(path, sizeof(path), "/events?projectId=%" PRId64, p.id);
	struct reply r = get(AGGREGATOR, path);
	assert_int_equal(list_ids(&r, got, 16), 3);
	assert_int_equal(got[0], a2);
	assert_int_equal(got[1], b1);
	assert_int_equal(got[2], a1);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "3");
	reply_free(&r);

	snprintf(path, sizeof(path), "/events?projectId=%" PRId64 "&name=%s", p.id, a);
	r = get(AGGREGATOR, path);
	assert_int_equal(list_ids(&r, got, 16), 2);
	assert_int_equal(got[0], a2);
	assert_int_equal(got[1], a1);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "2");
	reply_free(&r);

	snprintf(path, sizeof(path), "/events?name=%s", a);
	r = get(AGGREGATOR, path);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "4");
	reply_free(&r);
}

/* The creation time of an event as the API shows it (milliseconds). */
static void created_at_of(int64_t id, char out[40])
{
	char path[64];
	snprintf(path, sizeof(path), "/events/%" PRId64, id);
	struct reply r = get(AGGREGATOR, path);
	snprintf(out, 40, "%s", json_string_value(json_object_get(r.json, "createdAt")));
	reply_free(&r);
}

static void time_windows_are_exclusive_with_exact_totals(void **state)
{
	(void)state;
	const char *name = unique("window");
	char t1[40], t2[40], t3[40], path[512];
	int64_t got[16];

	/* Each in its own millisecond, the precision the API shows and filters at. */
	int64_t e1 = create_new(name, "{}");
	usleep(3000);
	int64_t e2 = create_new(name, "{}");
	usleep(3000);
	int64_t e3 = create_new(name, "{}");
	created_at_of(e1, t1);
	created_at_of(e2, t2);
	created_at_of(e3, t3);

	snprintf(path, sizeof(path), "/events?name=%s&createdAfter=%s", name, t2);
	struct reply r = get(AGGREGATOR, path);
	assert_int_equal(list_ids(&r, got, 16), 1);
	assert_int_equal(got[0], e3);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "1");
	assert_non_null(strstr(reply_header(&r, "Link"), "createdAfter="));
	reply_free(&r);

	snprintf(path, sizeof(path), "/events?name=%s&createdBefore=%s", name, t2);
	r = get(AGGREGATOR, path);
	assert_int_equal(list_ids(&r, got, 16), 1);
	assert_int_equal(got[0], e1);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "1");
	reply_free(&r);

	snprintf(path, sizeof(path), "/events?name=%s&createdAfter=%s&createdBefore=%s", name, t1,
	         t3);
	r = get(AGGREGATOR, path);
	assert_int_equal(list_ids(&r, got, 16), 1);
	assert_int_equal(got[0], e2);
	reply_free(&r);

	snprintf(path, sizeof(path), "/events?name=%s&createdAfter=%s&createdBefore=%s", name, t2,
	         t2);
	r = get(AGGREGATOR, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 0);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "0");
	reply_free(&r);

	/* Any offset is accepted: the same instant two hours east of UTC ('+' encoded). */
	char shifted[48];
	json_t *rows = sql("SELECT to_char(('%s'::timestamptz + interval '2 hours') AT TIME ZONE "
	                   "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') AS t",
	                   t2);
	snprintf(shifted, sizeof(shifted), "%s%%2B02:00",
	         json_string_value(json_object_get(json_array_get(rows, 0), "t")));
	json_decref(rows);
	snprintf(path, sizeof(path), "/events?name=%s&createdAfter=%s", name, shifted);
	r = get(AGGREGATOR, path);
	assert_int_equal(list_ids(&r, got, 16), 1);
	assert_int_equal(got[0], e3);
	reply_free(&r);
}

/* Numbers in a payload come back as they were stored, not through a double. */
static void payload_numbers_come_back_as_sent(void **state)
{
	(void)state;
	const char *name = unique("numbers");
	char body[256], path[64];
	snprintf(body, sizeof(body),
	         "{\"name\": \"%s\", \"payload\": {\"a\": 0.1, \"pi\": 3.14159265358979323846, "
	         "\"big\": 9007199254740993}}",
	         name);
	struct reply r = post(AGGREGATOR, "/events", body);
	assert_int_equal(r.status, 201);
	const char *want[] = {"\"a\": 0.1,", "\"pi\": 3.14159265358979323846", "9007199254740993"};
	for (size_t i = 0; i < 3; i++)
		if (!strstr(r.body, want[i]))
			fail_msg("%s not in %s", want[i], r.body);
	snprintf(path, sizeof(path), "/events?name=%s", name);
	reply_free(&r);
	r = get(AGGREGATOR, path);
	for (size_t i = 0; i < 3; i++)
		if (!strstr(r.body, want[i]))
			fail_msg("%s not in the list %s", want[i], r.body);
	reply_free(&r);
}

/* Every positive 64-bit project id ties an event to its project, the 19-digit ones too. */
/* POST /events with a body of any size (text), and an optional Idempotency-Key. */
static struct reply post_raw(const char *body, const char *key)
{
	char header[512];
	const char *extra[] = {NULL, NULL};

	if (key) {
		snprintf(header, sizeof(header), "Idempotency-Key: %s", key);
		extra[0] = header;
	}
	return http(AGGREGATOR, "POST", "/events", AUTH_TOKEN, NULL, body, extra);
}

/*
 * The contract's 64 KiB is the payload as stored, as Postgres renders the jsonb: a body under
 * lighttpd's 1 MiB of 1e308 numbers would be some 50 MiB that way. 413, and nothing stored,
 * keyed or not.
 */
static void a_payload_too_large_as_stored_is_413_and_stores_nothing(void **state)
{
	(void)state;
	const char *name = unique("too.large");
	struct buf body = BUF_INIT(0);
	int64_t before = count_events();

	buf_printf(&body, "{\"name\": \"%s\", \"payload\": {\"n\": [1e308", name);
	while (body.len < 1024 * 1024 - 64)
		buf_puts(&body, ",1e308");
	buf_puts(&body, "]}}");
	for (int keyed = 0; keyed < 2; keyed++) {
		struct reply r = post_raw(body.data, keyed ? unique("too.large.key") : NULL);
		assert_error(&r, 413, "PayloadTooLarge");
		assert_non_null(strstr(json_string_value(json_object_get(r.json, "message")),
		                       "at most 65536 are kept"));
		reply_free(&r);
	}
	assert_int_equal(sql_int("SELECT count(*) FROM events WHERE name = '%s'", name), 0);
	assert_int_equal(count_events(), before);

	/* At the limit exactly: {"s": "..."} is stored as 9 bytes more than the string. */
	for (int over = 0; over < 2; over++) {
		buf_reset(&body);
		buf_printf(&body, "{\"name\": \"%s\", \"payload\": {\"s\": \"", name);
		for (int i = 0; i < 65536 - 9 + over; i++)
			buf_puts(&body, "a");
		buf_puts(&body, "\"}}");
		struct reply r = post_raw(body.data, NULL);
		assert_int_equal(r.status, over ? 413 : 201);
		reply_free(&r);
	}
	assert_int_equal(sql_int("SELECT max(octet_length(payload::text)) FROM events "
	                         "WHERE name = '%s'",
	                         name),
	                 65536);
	buf_free(&body);
}

/*
 * An event stored before the limit (put in by hand here) that renders to more than an answer
 * may hold: its page and the event itself are a clean 500, never a truncated 200.
 */
static void an_answer_too_large_to_send_is_a_clean_500(void **state)
{
	(void)state;
	const char *name = unique("huge");
	char path[64];

	json_decref(sql("INSERT INTO events (name, payload) "
	                "SELECT '%s', jsonb_build_object('n', jsonb_agg(1e308::numeric)) "
	                "FROM generate_series(1, 60000)",
	                name));
	int64_t id = sql_int("SELECT id FROM events WHERE name = '%s'", name);
	snprintf(path, sizeof(path), "/events/%" PRId64, id);
	char list[128];
	snprintf(list, sizeof(list), "/events?name=%s", name);
	const char *paths[] = {path, list};
	for (size_t i = 0; i < 2; i++) {
		struct reply r = get(AGGREGATOR, paths[i]);
		assert_error(&r, 500, "InternalServerError");
		assert_null(reply_header(&r, "X-Total-Count"));
		reply_free(&r);
	}
	/* The event goes, and its counters with it, so every other list stays exact. */
	json_decref(sql("DELETE FROM events WHERE id = %" PRId64 "; "
	                "INSERT INTO event_counts (project_id, name, shard, n) "
	                "VALUES (0, '', 0, -1), (0, '%s', 0, -1) "
	                "ON CONFLICT (project_id, name, shard) DO UPDATE "
	                "SET n = event_counts.n + excluded.n",
	                id, name));
}

/* GET /events?page=2&name= and n bytes of '!', which a Link repeats as %21. */
static struct reply list_named_bangs(size_t n)
{
	struct buf path = BUF_INIT(0);
	buf_puts(&path, "/events?page=2&name=");
	for (size_t i = 0; i < n; i++)
		buf_puts(&path, "!");
	struct reply r = get(AGGREGATOR, path.data);
	buf_free(&path);
	return r;
}

/*
 * A list's Link repeats its query in each link, and lighttpd takes at most 64 KiB of headers
 * from a worker: a long query gets its links whole, one too long for them a clear 400, never
 * an answer without Link or lighttpd's 502.
 */
static void long_queries_get_whole_links_or_a_clear_400(void **state)
{
	(void)state;
	struct reply r = list_named_bangs(4000); /* first, prev, last: 3 x 12 KB */
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "[]");
	const char *link = reply_header(&r, "Link");
	assert_non_null(link);
	assert_true(strlen(link) > 3 * 3 * 4000);
	assert_non_null(strstr(link, "&page=1>; rel=\"first\""));
	assert_non_null(strstr(link, "&page=1>; rel=\"prev\""));
	assert_non_null(strstr(link, "&page=1>; rel=\"last\""));
	reply_free(&r);

	r = list_named_bangs(7880); /* near lighttpd's 8 KiB of request headers */
	assert_error(&r, 400, "BadRequest");
	assert_non_null(strstr(json_string_value(json_object_get(r.json, "message")),
	                       "too long to repeat in the answer's Link header"));
	reply_free(&r);
}

static void the_largest_project_ids_have_feeds(void **state)
{
	(void)state;
	const char *name = unique("bigid");
	char body[256];
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"payload\": {\"projectId\": %s}}", name,
	         "9223372036854775806");
	struct reply r = post(AGGREGATOR, "/events", body);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	r = get(AGGREGATOR, "/projects/9223372036854775806/activity");
	assert_int_equal(r.status, 200);
	assert_true(json_array_size(r.json) >= 1);
	assert_non_null(strstr(r.body, name));
	reply_free(&r);
}

static void the_activity_feed_lists_only_its_projects_events(void **state)
{
	(void)state;
	struct fixture_project a, b, empty;
	char pa[64], pb[64], path[128];
	int64_t got[16], mine[3];

	fixture_project(&a);
	fixture_project(&b);
	fixture_project(&empty);
	snprintf(pa, sizeof(pa), "{\"projectId\": %" PRId64 "}", a.id);
	snprintf(pb, sizeof(pb), "{\"projectId\": %" PRId64 "}", b.id);
	mine[0] = create_new(unique("feed"), pa);
	create_new(unique("feed"), pb);
	/* In a later millisecond than mine[0]: the window below is exclusive at milliseconds. */
	usleep(3000);
	mine[1] = create_new(unique("feed"), pa);
	create_new(unique("feed"), "{}");
	mine[2] = create_new(unique("feed"), pa);

	snprintf(path, sizeof(path), "/projects/%" PRId64 "/activity", a.id);
	struct reply r = get(AGGREGATOR, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(list_ids(&r, got, 16), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(got[i], mine[2 - i]);
		json_t *payload = json_object_get(json_array_get(r.json, (size_t)i), "payload");
		assert_int_equal(json_integer_value(json_object_get(payload, "projectId")), a.id);
	}
	assert_string_equal(reply_header(&r, "X-Total-Count"), "3");

	/* The same answer on the project port, with the project's token. */
	struct reply p = get(PROJECT, path);
	assert_int_equal(p.status, 200);
	assert_true(json_equal(p.json, r.json));
	assert_string_equal(reply_header(&p, "X-Total-Count"), "3");
	assert_string_equal(reply_header(&p, "Link"), reply_header(&r, "Link"));
	reply_free(&p);
	reply_free(&r);

	/* ... and only with it: the aggregator's token is wrong there. */
	char header[256];
	snprintf(header, sizeof(header), "Bearer %s", service_token(AGGREGATOR));
	p = http(PROJECT, "GET", path, header, NULL, NULL, NULL);
	assert_error(&p, 401, "Unauthorized");
	reply_free(&p);
	p = http(PROJECT, "POST", path, AUTH_TOKEN, NULL, "{}", NULL);
	assert_error(&p, 405, "MethodNotAllowed");
	reply_free(&p);
	p = get(PROJECT, "/projects/abc/activity");
	assert_error(&p, 400, "BadRequest");
	reply_free(&p);

	snprintf(path, sizeof(path), "/projects/%" PRId64 "/activity?page=2", a.id);
	r = get(PROJECT, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 0);
	reply_free(&r);

	/* A project without events, or one the aggregator never heard of: an empty feed. */
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/activity", empty.id);
	r = get(AGGREGATOR, path);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 0);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "0");
	reply_free(&r);
	r = get(PROJECT, "/projects/9223372036854775807/activity");
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(r.json), 0);
	reply_free(&r);

	/* Time windows apply to the feed too. */
	char t[40];
	created_at_of(mine[1], t);
	snprintf(path, sizeof(path), "/projects/%" PRId64 "/activity?createdBefore=%s", a.id, t);
	r = get(PROJECT, path);
	assert_int_equal(list_ids(&r, got, 16), 1);
	assert_int_equal(got[0], mine[0]);
	assert_string_equal(reply_header(&r, "X-Total-Count"), "1");
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_created_event_is_stored_and_readable),
	    cmocka_unit_test(bad_bodies_store_nothing),
	    cmocka_unit_test(refused_idempotency_keys),
	    cmocka_unit_test(a_retry_with_the_same_key_returns_the_first_event),
	    cmocka_unit_test(a_payload_event_id_makes_a_create_idempotent),
	    cmocka_unit_test(concurrent_retries_create_one_event),
	    cmocka_unit_test(get_one_event_refusals),
	    cmocka_unit_test(list_refusals),
	    cmocka_unit_test(lists_page_by_id_descending_with_links),
	    cmocka_unit_test(name_and_project_filters_combine),
	    cmocka_unit_test(time_windows_are_exclusive_with_exact_totals),
	    cmocka_unit_test(payload_numbers_come_back_as_sent),
	    cmocka_unit_test(a_payload_too_large_as_stored_is_413_and_stores_nothing),
	    cmocka_unit_test(an_answer_too_large_to_send_is_a_clean_500),
	    cmocka_unit_test(long_queries_get_whole_links_or_a_clear_400),
	    cmocka_unit_test(the_largest_project_ids_have_feeds),
	    cmocka_unit_test(the_activity_feed_lists_only_its_projects_events),
	};
	return cmocka_run_group_tests_name("e2e: events", tests, NULL, NULL);
}
