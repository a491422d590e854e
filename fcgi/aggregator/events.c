/*
 * POST /events, GET /events and GET /events/{id}, the checks of a new event, and the list
 * answer that activity.c shares. No SQL here (db_events.c) and no FastCGI (common/http.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregator.h"
#include "req.h"
#include "resp.h"
#include "json.h"
#include "page.h"

bool event_uuid_valid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = s[i];
		if (shape[i] == '-' ? c != '-'
		                    : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		                        (c >= 'A' && c <= 'F')))
			return false;
	}
	return s[sizeof(shape) - 1] == '\0';
}

enum err event_input_read(const struct req *req, struct event_input *in, struct resp *resp)
{
	const json_t *body = req->json, *payload, *event_id;
	const char *key;
	json_t *value;
	enum err rc;

	memset(in, 0, sizeof(*in));
	json_object_foreach((json_t *)body, key, value)
	{
		if (strcmp(key, "name") != 0 && strcmp(key, "payload") != 0)
			return resp_error(resp, ERR_BAD_REQUEST,
			                  "unknown field '%.64s' (an event is {name, payload})",
			                  key);
	}
	rc = json_field_string(body, "name", EVENT_NAME_MAX, JSON_REQUIRED, &in->name, resp);
	if (rc)
		return rc;
	payload = json_object_get(body, "payload");
	if (!payload || json_is_null(payload))
		return resp_error(resp, ERR_BAD_REQUEST, "field 'payload' is required");
	if (!json_is_object(payload))
		return resp_error(resp, ERR_BAD_REQUEST, "field 'payload' must be a JSON object");
	event_id = json_object_get(payload, "eventId");
	if (event_id && !json_is_null(event_id)) {
		if (!json_is_string(event_id) || !event_uuid_valid(json_string_value(event_id)))
			return resp_error(resp, ERR_BAD_REQUEST,
			                  "field 'payload.eventId' must be a UUID string");
		in->event_id = json_string_value(event_id);
	}
	return req_idempotency_key(req, &in->idempotency_key, resp);
}

/* Answers an event with status and, when asked, its Location. */
static enum err answer_event(struct resp *resp, int status, bool location,
                             const struct event_row *e)
{
	enum err rc = location ? resp_header(resp, "Location", "/events/%" PRId64, e->id) : ERR_OK;
	if (rc)
		return rc;
	return resp_text(resp, status, "application/json", e->json, strlen(e->json));
}

/* What the key of a retried create is called in a 409 message. */
static void describe_key(const struct event_input *in, char *out, size_t size)
{
	if (in->idempotency_key)
		snprintf(out, size, "Idempotency-Key '%.64s'", in->idempotency_key);
	else
		snprintf(out, size, "eventId %s", in->event_id);
}

/*
 * A create whose key is taken: the first event again when the request is the same, else 409.
 * Inserting first and reading only on a conflict keeps the common case one statement, and the
 * read is a new statement, so it sees a conflicting row that committed while we waited on it.
 */
static enum err answer_retry(struct app *app, struct req *req, const struct event_input *in,
                             struct resp *resp)
{
	struct event_row e;
	char what[128];
	bool same;
	size_t n;
	enum err rc = db_events_existing(&app->db, req->arena, in, req->body, &n, &same, &e);

	if (rc)
		return rc;
	describe_key(in, what, sizeof(what));
	if (n == 0)
		/* The conflicting insert rolled back after ours gave way: rare, and safe to retry. */
		return resp_error(resp, ERR_UNAVAILABLE,
		                  "a concurrent create with %s did not complete; try again", what);
	if (n > 1)
		return resp_error(resp, ERR_CONFLICT,
		                  "the Idempotency-Key and the eventId belong to two different "
		                  "events");
	if (!same)
		return resp_error(resp, ERR_CONFLICT,
		                  "%s already belongs to event %" PRId64
		                  " with another name or payload",
		                  what, e.id);
	return answer_event(resp, 200, true, &e);
}

enum err events_create(struct req *req, struct resp *resp)
{
	struct app *app = req->app;
	enum event_stored outcome;
	struct event_input in;
	struct event_row e;
	int64_t size;
	enum err rc = event_input_read(req, &in, resp);

	if (rc)
		return rc;
	rc = db_events_insert(&app->db, req->arena, &in, req->body, &outcome, &size, &e);
	if (rc == ERR_BAD_REQUEST)
		return resp_error(resp, rc,
		                  "the event cannot be stored: the database refuses a value of its "
		                  "payload");
	if (rc)
		return rc;
	if (outcome == EVENT_STORED)
		return answer_event(resp, 201, true, &e);
	if (outcome == EVENT_TOO_LARGE)
		return resp_error(resp, ERR_PAYLOAD_TOO_LARGE,
		                  "the payload is %" PRId64 " bytes as stored (numbers as Postgres "
		                  "writes them); at most %d are kept",
		                  size, EVENT_PAYLOAD_MAX);
	/* Nothing stored and no error: a unique key (eventId, Idempotency-Key) was taken. */
	if (!in.event_id && !in.idempotency_key)
		return resp_error(resp, ERR_INTERNAL, "internal error");
	return answer_retry(app, req, &in, resp);
}

enum err events_page_answer(struct req *req, const struct event_filter *f,
                            const struct page_query *q, struct resp *resp)
{
	struct app *app = req->app;
	const int64_t *after = page_after(q);
	struct event_page page;
	enum err rc = db_events_page(&app->db, req->arena, f, q->from, q->to, q->offset,
	                             after ? after[0] : 0, &page);

	if (rc)
		return rc;
	/* The rows are JSON already (see struct event_row): the list is their concatenation. */
	int failed = buf_puts(&resp->body, "[");
	for (size_t i = 0; i < page.n; i++)
		failed |=
		    buf_puts(&resp->body, i ? "," : "") | buf_puts(&resp->body, page.rows[i].json);
	failed |= buf_puts(&resp->body, "]");
	if (failed)
		return resp_error(resp, ERR_INTERNAL, "the page of events is too large to answer");
	int64_t last = page.n ? page.rows[page.n - 1].id : 0;
	rc = page_headers(req, q, page.n, &last, page.total, resp);
	if (rc)
		return rc;
	resp->status = 200;
	resp->content_type = "application/json";
	return ERR_OK;
}

enum err events_list(struct req *req, struct resp *resp)
{
	struct event_filter f = {0};
	struct page_query q;
	bool found;
	enum err rc;

	if ((rc = page_query_parse(req, 1, &q, resp)) ||
	    (rc = page_filter_id(req, "projectId", &f.project_id, &found, resp)))
		return rc;
	f.name = query_get(&req->query, "name");
	/* No event has an empty name; and '' means "every name" to the counters. */
	if (f.name && !*f.name)
		return resp_error(resp, ERR_BAD_REQUEST, "name must not be empty");
	return events_page_answer(req, &f, &q, resp);
}

enum err events_get(struct req *req, struct resp *resp)
{
	struct app *app = req->app;
	struct event_row e;
	bool found;
	enum err rc = db_events_get(&app->db, req->arena, req->ids[0], &e, &found);

	if (rc)
		return rc;
	if (!found)
		return resp_error(resp, ERR_NOT_FOUND, "event %" PRId64 " does not exist",
		                  req->ids[0]);
	return answer_event(resp, 200, false, &e);
}
