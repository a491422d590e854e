/*
 * The aggregator service: its context, the rows its SQL returns, the JSON of its resources and
 * its handlers. Handlers live in one file per resource (events.c, activity.c, health.c); all
 * SQL lives in the db_*.c files. The drain worker (drain*.c, drain.h) is a separate program.
 */
#ifndef AGGREGATOR_H
#define AGGREGATOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "err.h"
#include "page.h"
#include "service.h"

struct arena;
struct req;
struct resp;

/*
 * The contract's limits on what POST /events accepts: the name's characters, and the bytes of
 * the payload as it is stored (as Postgres renders the jsonb, which may be far longer than the
 * request: 1e308 becomes 309 digits), so that no stored event can make a page fail.
 */
enum { EVENT_NAME_MAX = 200, EVENT_PAYLOAD_MAX = 64 * 1024 };

/*
 * An event as the API shows it, rendered by the database (see db_events.c: the payload keeps
 * its numbers exactly as stored); the text lives in the request's arena.
 */
struct event_row {
	int64_t id;
	const char *json; /* {"id", "name", "payload", "createdAt"} */
};

/* One page of a list of events, and the list's total. */
struct event_page {
	int64_t total;
	size_t n;
	struct event_row rows[PAGE_SIZE];
};

/* What POST /events asks for, once checked; strings are borrowed from the request. */
struct event_input {
	const char *name;
	const char *event_id;        /* payload.eventId, a UUID; NULL when absent or null */
	const char *idempotency_key; /* the Idempotency-Key header; NULL when absent */
};

/* The filters of an event list. */
struct event_filter {
	const char *name;   /* NULL for any name */
	int64_t project_id; /* 0 for any project */
};

/*
 * Checks the body and headers of POST /events: an object of exactly {name, payload}, name a
 * string of 1 to 200 characters, payload an object whose eventId, when present and not null,
 * is a UUID string, and a sane Idempotency-Key. 400 in resp otherwise. No database involved.
 */
enum err event_input_read(const struct req *req, struct event_input *in, struct resp *resp);

/* A UUID in its canonical text form: 8-4-4-4-12 hexadecimal digits, either case. */
bool event_uuid_valid(const char *s);

/*
 * Answers the page q asks for of the events that match f, with Link and X-Total-Count; for
 * GET /events and the activity feed.
 */
enum err events_page_answer(struct req *req, const struct event_filter *f,
                            const struct page_query *q, struct resp *resp);

/* Handlers (see routes.c); the context at req->app is a plain struct app. */
enum err events_create(struct req *req, struct resp *resp);
enum err events_list(struct req *req, struct resp *resp);
enum err events_get(struct req *req, struct resp *resp);
enum err activity_list(struct req *req, struct resp *resp);

/* What the aggregator adds to GET /health and GET /metrics (health.c; see struct service). */
enum err aggregator_health(struct app *app, json_t **details);
enum err aggregator_metrics(struct app *app, struct buf *out);

/*
 * The database (db_*.c). Each function returns ERR_OK or the outcome of the failure (logged);
 * text in what it fills is owned by the arena a.
 */
/*
 * What GET /health reports of the outbox, from facts that cost the same however long the queue
 * is (anyone may call it, without a token): rows counted up to OUTBOX_HEALTH_DEPTH_MAX, and how
 * long the first row in the queue has waited (0 when none).
 */
#define OUTBOX_HEALTH_DEPTH_MAX 1000
struct outbox_health {
	int64_t depth; /* OUTBOX_HEALTH_DEPTH_MAX means that many or more */
	double oldest_age;
};
enum err db_outbox_health(struct db *db, struct outbox_health *out);

/*
 * What /metrics (with the token) reports of the outbox and the events, exactly (counters are
 * since the schema began).
 */
struct outbox_stats {
	int64_t depth;     /* rows waiting in event_queue */
	double oldest_age; /* seconds the oldest of them has waited, 0 when none */
	int64_t drained;   /* events ever moved from the queue into events */
	int64_t stored;    /* events ever stored, drained or posted */
	int64_t dead;      /* events parked in events_dead */
	int64_t expired;   /* events removed by the retention (whole months, see panelctl) */
};
enum err db_outbox_stats(struct db *db, struct outbox_stats *out);

/*
 * Stores a new event; its payload is taken from body, the request's JSON text, whose "payload"
 * member Postgres extracts itself so numbers keep every digit. Nothing is written when the
 * payload as stored would be longer than EVENT_PAYLOAD_MAX bytes (*size says how long), or
 * when its eventId or Idempotency-Key already belongs to an event (a retry).
 */
enum event_stored { EVENT_STORED, EVENT_TOO_LARGE, EVENT_KEY_TAKEN };
enum err db_events_insert(struct db *db, struct arena *a, const struct event_input *in,
                          const char *body, enum event_stored *outcome, int64_t *size,
                          struct event_row *out);
/*
 * The events that already hold in's eventId or Idempotency-Key: *n of them (zero to two);
 * the first in *out, and *same when it has the request's name and payload.
 */
enum err db_events_existing(struct db *db, struct arena *a, const struct event_input *in,
                            const char *body, size_t *n, bool *same, struct event_row *out);
/*
 * A page of the events that match f, newest first: from (inclusive) and to (exclusive)
 * timestamps of the window, NULL when open; after 0, or a cursor's id: only older events. The
 * total comes from the counters, or an exact count under a window.
 */
enum err db_events_page(struct db *db, struct arena *a, const struct event_filter *f,
                        const char *from, const char *to, int64_t offset, int64_t after,
                        struct event_page *out);
/* One event; *found is false when it does not exist. */
enum err db_events_get(struct db *db, struct arena *a, int64_t id, struct event_row *out,
                       bool *found);

#endif
