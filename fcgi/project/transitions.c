/*
 * Deployment statuses and the one table of which status may follow which. The webhook and the
 * cancel route both go through it, and the guarded UPDATE receives its allowed-from set, so
 * C and the database cannot disagree. No I/O and no SQL here.
 */
#include <string.h>

#include "project.h"

/* From the one list of statuses in project.h. */
#define NAME_ROW(e, name) [DEPLOYMENT_##e] = name,
static const char *const status_names[DEPLOYMENT_NSTATUSES] = {DEPLOYMENT_STATUSES(NAME_ROW, )};
#define UNFINISHED_ROW(e, name) [DEPLOYMENT_##e] = true,
static const bool unfinished[DEPLOYMENT_NSTATUSES] = {DEPLOYMENT_UNFINISHED(UNFINISHED_ROW, )};

/*
 * allowed[from][to]: the pipeline only moves forward (steps may be skipped), every unfinished
 * status may fail or be cancelled, and the final ones go nowhere. The diagonal is empty: the
 * same status again is a no-op, not a transition.
 */
static const bool allowed[DEPLOYMENT_NSTATUSES][DEPLOYMENT_NSTATUSES] = {
  /* from \ to:            pending building deploying done failed cancelled */
    [DEPLOYMENT_PENDING] = {0, 1, 1, 1, 1, 1},
      [DEPLOYMENT_BUILDING] = {0, 0, 1, 1, 1, 1},
    [DEPLOYMENT_DEPLOYING] = {0, 0, 0, 1, 1, 1},
      [DEPLOYMENT_DONE] = {0, 0, 0, 0, 0, 0},
    [DEPLOYMENT_FAILED] = {0, 0, 0, 0, 0, 0},
      [DEPLOYMENT_CANCELLED] = {0, 0, 0, 0, 0, 0},
};

const char *deployment_status_name(enum deployment_status s)
{
	return (unsigned)s < DEPLOYMENT_NSTATUSES ? status_names[s] : "unknown";
}

bool deployment_status_parse(const char *name, enum deployment_status *out)
{
	for (int s = 0; s < DEPLOYMENT_NSTATUSES; s++)
		if (strcmp(name, status_names[s]) == 0) {
			*out = (enum deployment_status)s;
			return true;
		}
	return false;
}

bool deployment_status_final(enum deployment_status s)
{
	return (unsigned)s < DEPLOYMENT_NSTATUSES && !unfinished[s];
}

bool transition_allowed(enum deployment_status from, enum deployment_status to)
{
	if ((unsigned)from >= DEPLOYMENT_NSTATUSES || (unsigned)to >= DEPLOYMENT_NSTATUSES)
		return false;
	return allowed[from][to];
}

size_t transition_sources(enum deployment_status to,
                          enum deployment_status out[DEPLOYMENT_NSTATUSES])
{
	size_t n = 0;
	for (int from = 0; from < DEPLOYMENT_NSTATUSES; from++)
		if (transition_allowed((enum deployment_status)from, to))
			out[n++] = (enum deployment_status)from;
	return n;
}

bool deployment_status_list_parse(const char *text, bool want[DEPLOYMENT_NSTATUSES])
{
	char name[16];

	memset(want, 0, DEPLOYMENT_NSTATUSES * sizeof(want[0]));
	for (;;) {
		size_t len = strcspn(text, ",");
		enum deployment_status s;
		if (len == 0 || len >= sizeof(name))
			return false;
		memcpy(name, text, len);
		name[len] = '\0';
		if (!deployment_status_parse(name, &s))
			return false;
		want[s] = true;
		if (text[len] == '\0')
			return true;
		text += len + 1;
	}
}
