/* The fake database of the aggregator's unit tests (see fake_aggregator_db.h). */
#include <string.h>

#include "fake_aggregator_db.h"

struct fake_aggregator_db fake_db;

void fake_db_reset(void)
{
	memset(&fake_db, 0, sizeof(fake_db));
}

static enum err called(const char *name)
{
	fake_db.calls++;
	fake_db.last = name;
	return fake_db.rc;
}

enum err db_outbox_stats(struct db *db, struct outbox_stats *out)
{
	(void)db;
	*out = fake_db.stats;
	return called("db_outbox_stats");
}

enum err db_outbox_health(struct db *db, struct outbox_health *out)
{
	(void)db;
	*out = fake_db.health;
	return called("db_outbox_health");
}

enum err db_events_insert(struct db *db, struct arena *a, const struct event_input *in,
                          const char *body, enum event_stored *outcome, int64_t *size,
                          struct event_row *out)
{
	(void)db, (void)a;
	fake_db.input = *in;
	fake_db.body = body;
	*outcome = fake_db.outcome;
	*size = fake_db.size;
	*out = fake_db.event;
	return called("db_events_insert");
}

enum err db_events_existing(struct db *db, struct arena *a, const struct event_input *in,
                            const char *body, size_t *n, bool *same, struct event_row *out)
{
	(void)db, (void)a;
	fake_db.input = *in;
	fake_db.body = body;
	*n = fake_db.existing;
	*same = fake_db.same;
	*out = fake_db.event;
	return called("db_events_existing");
}

enum err db_events_page(struct db *db, struct arena *a, const struct event_filter *f,
                        const char *from, const char *to, int64_t offset, int64_t after,
                        struct event_page *out)
{
	(void)db, (void)a;
	fake_db.filter = *f;
	fake_db.from = from;
	fake_db.to = to;
	fake_db.offset = offset;
	fake_db.after = after;
	*out = fake_db.events;
	return called("db_events_page");
}

enum err db_events_get(struct db *db, struct arena *a, int64_t id, struct event_row *out,
                       bool *found)
{
	(void)db, (void)a;
	fake_db.id = id;
	*out = fake_db.event;
	*found = fake_db.found;
	return called("db_events_get");
}
