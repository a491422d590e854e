/*
 * fcgi/aggregator/events.c and activity.c: what POST /events accepts (body shape, name,
 * payload, eventId, Idempotency-Key), and the handlers without Postgres (fake_aggregator_db.c
 * answers for the database): the event's JSON exactly as the database rendered it, each
 * outcome of a create and of a retry, and list pages whole or not at all.
 */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "fake_aggregator_db.h"

struct fixture {
	struct req req;
	struct resp resp;
	struct event_input in;
};

/* Reads body (JSON text) with the given Idempotency-Key header (NULL for none). */
static enum err read_input(struct fixture *f, const char *body, const char *key)
{
	json_error_t jerr;

	json_decref(f->req.json);
	memset(&f->req, 0, sizeof(f->req));
	resp_reset(&f->resp);
	f->req.json = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
	if (!f->req.json)
		fail_msg("test body does not parse: %s", jerr.text);
	f->req.idempotency_key = key;
	return event_input_read(&f->req, &f->in, &f->resp);
}

static void expect_refusal(struct fixture *f, const char *body, const char *key,
                           const char *message_part)
{
	if (read_input(f, body, key) != ERR_BAD_REQUEST)
		fail_msg("accepted %s (key %s)", body, key ? key : "none");
	if (!strstr(f->resp.message, message_part))
		fail_msg("message for %s is '%s', expected it to mention '%s'", body,
		         f->resp.message, message_part);
}

static void a_name_and_an_object_payload_are_an_event(void **state)
{
	(void)state;
	static struct fixture f;

	assert_int_equal(
	    read_input(&f, "{\"name\": \"deployment.created\", \"payload\": {}}", NULL), ERR_OK);
	assert_string_equal(f.in.name, "deployment.created");
	assert_null(f.in.event_id);
	assert_null(f.in.idempotency_key);

	assert_int_equal(
	    read_input(&f,
	               "{\"payload\": {\"eventId\": \"0F8FAD5B-D9CB-469F-A165-70867728950E\","
	               " \"projectId\": 3}, \"name\": \"x\"}",
	               "retry-1"),
	    ERR_OK);
	assert_string_equal(f.in.event_id, "0F8FAD5B-D9CB-469F-A165-70867728950E");
	assert_string_equal(f.in.idempotency_key, "retry-1");

	/* A null eventId is no eventId. */
	assert_int_equal(
	    read_input(&f, "{\"name\": \"x\", \"payload\": {\"eventId\": null}}", NULL), ERR_OK);
	assert_null(f.in.event_id);
	json_decref(f.req.json);
	f.req.json = NULL;
	buf_free(&f.resp.body);
	buf_free(&f.resp.headers);
}

static void bad_bodies_are_refused_naming_the_field(void **state)
{
	(void)state;
	static struct fixture f;

	expect_refusal(&f, "{\"payload\": {}}", NULL, "'name' is required");
	expect_refusal(&f, "{\"name\": null, \"payload\": {}}", NULL, "'name' is required");
	expect_refusal(&f, "{\"name\": \"\", \"payload\": {}}", NULL, "'name' must not be empty");
	expect_refusal(&f, "{\"name\": 7, \"payload\": {}}", NULL, "'name' must be a string");
	expect_refusal(&f, "{\"name\": \"x\"}", NULL, "'payload' is required");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": null}", NULL, "'payload' is required");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": [1]}", NULL, "JSON object");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": \"{}\"}", NULL, "JSON object");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": {}, \"extra\": 1}", NULL,
	               "unknown field 'extra'");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": {}, \"Name\": \"y\"}", NULL,
	               "unknown field 'Name'");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": {\"eventId\": 12}}", NULL, "UUID");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": {\"eventId\": \"not-a-uuid\"}}", NULL,
	               "UUID");

	/* 200 characters (not bytes) is the limit: 'é' is two bytes and one character. */
	struct buf name = BUF_INIT(0), body = BUF_INIT(0);
	for (int i = 0; i < EVENT_NAME_MAX; i++)
		buf_puts(&name, i % 2 ? "a" : "\xc3\xa9");
	buf_printf(&body, "{\"name\": \"%s\", \"payload\": {}}", name.data);
	assert_int_equal(read_input(&f, body.data, NULL), ERR_OK);
	buf_reset(&body);
	buf_printf(&body, "{\"name\": \"%sb\", \"payload\": {}}", name.data);
	expect_refusal(&f, body.data, NULL, "longer than 200 characters");
	buf_free(&name);
	buf_free(&body);
	json_decref(f.req.json);
	f.req.json = NULL;
	buf_free(&f.resp.body);
	buf_free(&f.resp.headers);
}

static void idempotency_keys_are_short_printable_ascii(void **state)
{
	(void)state;
	static struct fixture f;
	char key[REQ_IDEMPOTENCY_KEY_MAX + 2];

	memset(key, 'k', REQ_IDEMPOTENCY_KEY_MAX + 1);
	key[REQ_IDEMPOTENCY_KEY_MAX + 1] = '\0';

	expect_refusal(&f, "{\"name\": \"x\", \"payload\": {}}", "", "Idempotency-Key");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": {}}", "two words", "Idempotency-Key");
	expect_refusal(&f, "{\"name\": \"x\", \"payload\": {}}", key, "Idempotency-Key");
	json_decref(f.req.json);
	f.req.json = NULL;
	buf_free(&f.resp.body);
	buf_free(&f.resp.headers);
}

static void uuids_take_the_canonical_form_only(void **state)
{
	(void)state;
	assert_true(event_uuid_valid("123e4567-e89b-12d3-a456-426614174000"));
	assert_true(event_uuid_valid("123E4567-E89B-12D3-A456-426614174000"));
	assert_true(event_uuid_valid("00000000-0000-0000-0000-000000000000"));
	assert_false(event_uuid_valid(""));
	assert_false(event_uuid_valid("123e4567e89b12d3a456426614174000"));
	assert_false(event_uuid_valid("{123e4567-e89b-12d3-a456-426614174000}"));
	assert_false(event_uuid_valid("123e4567-e89b-12d3-a456-42661417400"));
	assert_false(event_uuid_valid("123e4567-e89b-12d3-a456-4266141740000"));
	assert_false(event_uuid_valid("123e4567-e89b-12d3-a456_426614174000"));
	assert_false(event_uuid_valid("g23e4567-e89b-12d3-a456-426614174000"));
	assert_false(event_uuid_valid(" 123e4567-e89b-12d3-a456-426614174000"));
}

static struct app app;
static struct call c;

/* The JSON Postgres renders for an event (db_events.c), with its numbers as they were sent. */
static const char event_json[] =
    "{\"id\" : 31, \"name\" : \"deploy\", \"payload\" : {\"n\": 0.1, \"big\": "
    "9007199254740993}, \"createdAt\" : \"2024-01-31T12:00:00.123Z\"}";

static enum err post_event(const char *body)
{
	return call(&c, &app, events_create, "POST", "/events", NULL, body, 0);
}

/* The event is answered byte for byte as the database rendered it: no double in between. */
static void a_new_event_is_201_with_its_json_as_stored(void **state)
{
	(void)state;
	const char *body = "{\"name\": \"deploy\", \"payload\": {\"n\": 0.1, \"big\": "
	                   "9007199254740993}}";
	fake_db_reset();
	fake_db.outcome = EVENT_STORED;
	fake_db.event = (struct event_row){.id = 31, .json = event_json};
	assert_int_equal(post_event(body), ERR_OK);
	assert_int_equal(c.resp.status, 201);
	assert_string_equal(c.resp.content_type, "application/json");
	assert_string_equal(c.resp.body.data, event_json);
	assert_string_equal(call_header(&c, "Location"), "/events/31");
	/* The body goes to the database as sent, so Postgres reads the payload's digits. */
	assert_ptr_equal(fake_db.body, c.req.body);
	assert_string_equal(fake_db.input.name, "deploy");

	/* GET /events/31 is the same text; an unknown id is 404. */
	fake_db.found = true;
	assert_int_equal(call(&c, &app, events_get, "GET", "/events/31", NULL, NULL, 31), ERR_OK);
	assert_int_equal(fake_db.id, 31);
	assert_string_equal(c.resp.body.data, event_json);
	assert_null(call_header(&c, "Location"));
	fake_db.found = false;
	assert_int_equal(call(&c, &app, events_get, "GET", "/events/32", NULL, NULL, 32),
	                 ERR_NOT_FOUND);
	assert_string_equal(c.resp.message, "event 32 does not exist");
}

/* A create whose key is taken: the first event again, or 409 naming it, or 503 to retry. */
static void a_retry_is_the_first_event_or_a_conflict(void **state)
{
	(void)state;
	const char *body = "{\"name\": \"deploy\", \"payload\": {\"eventId\": "
	                   "\"0f8fad5b-d9cb-469f-a165-70867728950e\"}}";
	fake_db_reset();
	fake_db.outcome = EVENT_KEY_TAKEN;
	fake_db.event = (struct event_row){.id = 31, .json = event_json};
	fake_db.existing = 1;
	fake_db.same = true;
	assert_int_equal(post_event(body), ERR_OK);
	assert_string_equal(fake_db.last, "db_events_existing");
	assert_int_equal(c.resp.status, 200);
	assert_string_equal(c.resp.body.data, event_json);
	assert_string_equal(call_header(&c, "Location"), "/events/31");

	fake_db.same = false;
	assert_int_equal(post_event(body), ERR_CONFLICT);
	assert_string_equal(c.resp.message,
	                    "eventId 0f8fad5b-d9cb-469f-a165-70867728950e already belongs to event "
	                    "31 with another name or payload");
	fake_db.existing = 2;
	assert_int_equal(post_event(body), ERR_CONFLICT);
	assert_non_null(strstr(c.resp.message, "two different events"));
	fake_db.existing = 0;
	assert_int_equal(post_event(body), ERR_UNAVAILABLE);

	/* Without a key, an insert that stores nothing cannot be a retry. */
	fake_db_reset();
	fake_db.outcome = EVENT_KEY_TAKEN;
	assert_int_equal(post_event("{\"name\": \"x\", \"payload\": {}}"), ERR_INTERNAL);
	assert_int_equal(fake_db.calls, 1);
	/* A value the database refuses is the client's (400), with nothing stored. */
	fake_db.rc = ERR_BAD_REQUEST;
	assert_int_equal(post_event("{\"name\": \"x\", \"payload\": {}}"), ERR_BAD_REQUEST);
	assert_non_null(strstr(c.resp.message, "refuses a value of its payload"));
}

/* Too large as stored: 413 naming both sizes, and no retry is looked for (nothing stored). */
static void a_payload_too_large_as_stored_is_413(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.outcome = EVENT_TOO_LARGE;
	fake_db.size = 53000123;
	assert_int_equal(post_event("{\"name\": \"x\", \"payload\": {\"eventId\": "
	                            "\"0f8fad5b-d9cb-469f-a165-70867728950e\", \"n\": [1e308]}}"),
	                 ERR_PAYLOAD_TOO_LARGE);
	assert_string_equal(c.resp.message,
	                    "the payload is 53000123 bytes as stored (numbers as Postgres writes "
	                    "them); at most 65536 are kept");
	assert_int_equal(fake_db.calls, 1);
}

static void a_page_is_the_events_as_stored_with_its_headers(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.events.total = 20;
	fake_db.events.n = PAGE_SIZE;
	for (int i = 0; i < PAGE_SIZE; i++)
		fake_db.events.rows[i] = (struct event_row){.id = 40 - i, .json = "{\"id\" : 1}"};
	assert_int_equal(call(&c, &app, events_list, "GET", "/events",
	                      "name=deploy&projectId=4&cursor=41", NULL, 0),
	                 ERR_OK);
	assert_string_equal(fake_db.filter.name, "deploy");
	assert_int_equal(fake_db.filter.project_id, 4);
	assert_int_equal(fake_db.after, 41);
	assert_int_equal(c.resp.status, 200);
	assert_string_equal(c.resp.body.data, "[{\"id\" : 1},{\"id\" : 1},{\"id\" : 1},"
	                                      "{\"id\" : 1},{\"id\" : 1},{\"id\" : 1},"
	                                      "{\"id\" : 1},{\"id\" : 1}]");
	assert_string_equal(call_header(&c, "X-Total-Count"), "20");
	assert_string_equal(call_header(&c, "Link"),
	                    "</events?name=deploy&projectId=4&cursor=>; rel=\"first\", "
	                    "</events?name=deploy&projectId=4&cursor=33>; rel=\"next\"");

	/* The activity feed is the same list for one project, with its window. */
	fake_db.events.n = 0;
	assert_int_equal(call(&c, &app, activity_list, "GET", "/projects/9/activity",
	                      "createdAfter=2024-01-01T00:00:00Z", NULL, 9),
	                 ERR_OK);
	assert_int_equal(fake_db.filter.project_id, 9);
	assert_null(fake_db.filter.name);
	assert_string_equal(fake_db.from, "2024-01-01T00:00:00.001000Z");
	assert_null(fake_db.to);
	assert_string_equal(c.resp.body.data, "[]");

	assert_int_equal(call(&c, &app, events_list, "GET", "/events", "name=", NULL, 0),
	                 ERR_BAD_REQUEST);
}

/* A page that does not fit the answer is a clean 500, never a truncated 200. */
static void a_page_too_large_to_answer_is_an_error_not_a_broken_list(void **state)
{
	(void)state;
	static char big[RESP_BODY_MAX / 4];
	memset(big, 'x', sizeof(big) - 1);
	big[0] = '"', big[sizeof(big) - 2] = '"';
	fake_db_reset();
	fake_db.events.total = 5;
	fake_db.events.n = 5;
	for (int i = 0; i < 5; i++)
		fake_db.events.rows[i] = (struct event_row){.id = 5 - i, .json = big};
	assert_int_equal(call(&c, &app, events_list, "GET", "/events", NULL, NULL, 0),
	                 ERR_INTERNAL);
	assert_int_equal(c.resp.status, 0);
	assert_null(call_header(&c, "X-Total-Count"));
	call_reset(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_new_event_is_201_with_its_json_as_stored),
	    cmocka_unit_test(a_retry_is_the_first_event_or_a_conflict),
	    cmocka_unit_test(a_payload_too_large_as_stored_is_413),
	    cmocka_unit_test(a_page_is_the_events_as_stored_with_its_headers),
	    cmocka_unit_test(a_page_too_large_to_answer_is_an_error_not_a_broken_list),
	    cmocka_unit_test(a_name_and_an_object_payload_are_an_event),
	    cmocka_unit_test(bad_bodies_are_refused_naming_the_field),
	    cmocka_unit_test(idempotency_keys_are_short_printable_ascii),
	    cmocka_unit_test(uuids_take_the_canonical_form_only),
	};
	return cmocka_run_group_tests_name("aggregator events", tests, NULL, NULL);
}
