/*
 * Lookup tables generated from ERR_LIST and ERR_OTHER_STATUSES. Nothing here knows about
 * requests.
 */
#include "err.h"

#include <stdbool.h>
#include <stdlib.h>

static const struct {
	int status;
	const char *name;
} err_table[] = {
#define ERR_ROW(e, status, name, reason) {status, name},
    ERR_LIST(ERR_ROW)
#undef ERR_ROW
};

/* Every status a worker answers, with its reason phrase. */
static struct status {
	int status;
	const char *reason;
} statuses[ERR_NSTATUSES] = {
#define OUTCOME_ROW(e, status, name, reason) {status, reason},
#define OTHER_ROW(status, reason)            {status, reason},
    ERR_LIST(OUTCOME_ROW) ERR_OTHER_STATUSES(OTHER_ROW)
#undef OUTCOME_ROW
#undef OTHER_ROW
};

int err_status(enum err e)
{
	return err_table[e].status;
}

const char *err_name(enum err e)
{
	return err_table[e].name;
}

const char *err_default_message(enum err e)
{
	switch (e) {
	case ERR_UNAVAILABLE: return "the database is unavailable; try again shortly";
	case ERR_INTERNAL: return "internal error";
	case ERR_CONFLICT: return "the request conflicts with the current state of the resource";
	default: return "request refused";
	}
}

const char *err_reason(int status)
{
	for (size_t i = 0; i < ERR_NSTATUSES; i++)
		if (statuses[i].status == status)
			return statuses[i].reason;
	return "Unknown";
}

static int by_status(const void *a, const void *b)
{
	return ((const struct status *)a)->status - ((const struct status *)b)->status;
}

int err_status_at(size_t i)
{
	static bool sorted;

	if (!sorted) {
		qsort(statuses, ERR_NSTATUSES, sizeof(statuses[0]), by_status);
		sorted = true;
	}
	return i < ERR_NSTATUSES ? statuses[i].status : 0;
}
