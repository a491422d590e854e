/*
 * A stand-in for the aggregator's database: the db_*.c functions of aggregator.h, linked into
 * its unit tests (test_aggregator_*) instead of the real ones, so the handlers run without
 * Postgres. Each call returns what the test put in fake_db and records what it was asked.
 */
#ifndef FAKE_AGGREGATOR_DB_H
#define FAKE_AGGREGATOR_DB_H

#include "aggregator.h"

struct fake_aggregator_db {
	enum err rc;      /* what every call returns */
	int calls;        /* calls since the last reset */
	const char *last; /* the last function called */

	/* What the calls hand back (when rc is ERR_OK). */
	bool found, same;
	enum event_stored outcome; /* of an insert */
	int64_t size;              /* of the payload inserted */
	size_t existing;           /* events holding the keys */
	struct event_row event;
	struct event_page events;
	struct outbox_stats stats;
	struct outbox_health health;

	/* What the last call was asked. */
	int64_t id, offset, after;
	struct event_filter filter;
	const char *from, *to, *body;
	struct event_input input;
};
extern struct fake_aggregator_db fake_db;

/* Forgets everything: no calls, ERR_OK, nothing found. */
void fake_db_reset(void);

#endif
