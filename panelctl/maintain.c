/*
 * panelctl maintain: the events' monthly partitions and their retention, as the owner. The work
 * is one SQL function (events_maintain of the events_by_month migration): partitions
 * for this month and the next two, expired months dropped whole with their share of the
 * counters, in one transaction, one run at a time. This file says what it did; db_maintain.c
 * calls it.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "panelctl.h"

static long days_applied;
static int steps;

static void print_step(const char *action, const char *part, int64_t rows)
{
	steps++;
	if (strcmp(action, "dropped") == 0)
		printf("dropped %s (%lld rows past %ld days)\n", part, (long long)rows,
		       days_applied);
	else if (rows)
		printf("%s %s (%lld rows moved in from the default partition)\n", action, part,
		       (long long)rows);
	else
		printf("%s %s\n", action, part);
}

int maintain_run(struct db *db, const char *now, long retention_days)
{
	char errbuf[1024];

	days_applied = retention_days;
	steps = 0;
	if (db_maintain(db, now, retention_days, print_step, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "panelctl: maintenance failed, nothing changed: %s\n", errbuf);
		return 1;
	}
	if (steps == 0)
		printf("events are maintained (retention %ld days)\n", retention_days);
	return 0;
}
