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
#include "service.h"

struct req;
struct resp;

/* The contract's limits on what POST /events accepts. */
enum { EVENT_NAME_MAX = 200 };

/*
 * An event as the API shows it, rendered by the database (see db_events.c: the payload keeps
 * its numbers exactly as stored); borrowed from the result.
 */
struct event_row {
	int64_t id;
	const char *json; /* {"id", "name", "payload", "createdAt"} */
};

/* What POST /events asks for, once checked; strings are borrowed from the request. */
struct event_input {
	const char *name;
	const char *event_id;        /* payload.eventId, a UUID; NULL when absent or null */
	const char *idempotency_key; /* the Idempotency-Key header; NULL when absent */
};

/* The filters of an event list. */
struct event_filter {
	const char *name;      /* NULL for any name */
	int64_t project_id;    /* 0 for any project */
	const char *from, *to; /* the window [from, to) of page_filter_window(); NULL: open */
};

/*
 * Checks the body and headers of POST /events: an object of exactly {name, payload}, name a
 * string of 1 to 200 characters, payload an object whose eventId, when present and not null,
 * is a UUID string, and a sane Idempotency-Key. 400 in resp otherwise. No database involved.
 */
enum err event_input_read(const struct req *req, struct event_input *in, struct resp *resp);

/* A UUID in its canonical text form: 8-4-4-4-12 hexadecimal digits, either case. */
bool event_uuid_valid(const char *s);

/* Answers one page of the events that match f, with Link and X-Total-Count. */
enum err events_page_answer(struct req *req, const struct event_filter *f, int64_t page,
                            struct resp *resp);

/* Handlers (see routes.c); the context at req->app is a plain struct app. */
enum err events_create(struct req *req, struct resp *resp);
enum err events_list(struct req *req, struct resp *resp);
enum err events_get(struct req *req, struct resp *resp);
enum err activity_list(struct req *req, struct resp *resp);

/* What the aggregator adds to GET /health and GET /metrics (health.c; see struct service). */
enum err aggregator_health(struct app *app, json_t **details);
enum err aggregator_metrics(struct app *app, struct buf *out);

/* Database (db_*.c). Results belong to the caller (db_result_free). */
/*
 * What /health and /metrics report of the outbox and the events (counters are since the schema
 * began).
 */
struct outbox_stats {
	int64_t depth;     /* rows waiting in event_queue */
	double oldest_age; /* seconds the oldest of them has waited, 0 when none */
	int64_t drained;   /* events ever moved from the queue into events */
	int64_t stored;    /* events ever stored, drained or posted */
	int64_t dead;      /* events parked in events_dead */
};
enum err db_outbox_stats(struct db *db, struct outbox_stats *out);

/*
 * Stores a new event; payload is taken from the request body (the JSON text body, whose
 * "payload" member Postgres extracts itself so numbers keep every digit). One row when it was
 * stored, none when its eventId or Idempotency-Key already belongs to an event.
 */
enum err db_events_insert(struct db *db, const struct event_input *in, const char *body,
                          PGresult **res);
/*
 * The events that already hold in's eventId or Idempotency-Key (zero to two rows); for each,
 * db_event_same() tells whether it has the same name and payload as the request.
 */
enum err db_events_existing(struct db *db, const struct event_input *in, const char *body,
                            PGresult **res);
bool db_event_same(const PGresult *res, int row);
/*
 * One row per event of the page, each with the total in column 0 (from the counters, or an
 * exact count when a time bound is given); one row of NULLs but the total past the end.
 */
enum err db_events_page(struct db *db, const struct event_filter *f, int64_t offset, int64_t after,
                        PGresult **res);
/* Zero or one row. */
enum err db_events_get(struct db *db, int64_t id, PGresult **res);
/* Reads a row of any of these results; false when it is the empty page's placeholder. */
bool db_event_row(const PGresult *res, int row, struct event_row *out);
int64_t db_events_total(const PGresult *res);

#endif
