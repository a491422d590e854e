/*
 * fcgi/aggregator/events.c, the parts that need no database: what POST /events accepts
 * (body shape, name, payload, eventId, Idempotency-Key) and the event's JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "aggregator.h"
#include "req.h"
#include "resp.h"
#include "unit.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_name_and_an_object_payload_are_an_event),
	    cmocka_unit_test(bad_bodies_are_refused_naming_the_field),
	    cmocka_unit_test(idempotency_keys_are_short_printable_ascii),
	    cmocka_unit_test(uuids_take_the_canonical_form_only),
	};
	return cmocka_run_group_tests_name("aggregator events", tests, NULL, NULL);
}
