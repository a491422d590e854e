/*
 * A stand-in for the project service's database: the db_*.c functions of project.h, linked
 * into its unit tests (test_project_*) instead of the real ones, so the handlers run without
 * Postgres. Each call returns what the test put in fake_db and records what it was asked.
 */
#ifndef FAKE_PROJECT_DB_H
#define FAKE_PROJECT_DB_H

#include "project.h"

struct fake_project_db {
	enum err rc;      /* what every call returns */
	int calls;        /* calls since the last reset */
	const char *last; /* the last function called */

	/* What the calls hand back (when rc is ERR_OK). */
	bool found;
	struct project_page projects;
	struct project_row project;
	enum deployment_created created;
	struct deployment_row deployment;
	struct deployment_page deployments;
	struct deployment_transition transition;
	struct webhook_target target;
	struct deployment_row
	    remembered; /* what db_webhook_remembered finds, when found_remembered */
	bool found_remembered;
	struct user_stats stats;

	/* What the last call was asked. */
	int64_t id, offset, project_id;
	int64_t after[2];
	bool has_after;
	const char *url; /* a copy (the caller's is on its stack), or NULL */
	const char *meta, *key, *from, *to, *actor;
	char url_copy[PROJECT_URL_MAX];
	const bool *want;
	enum deployment_status status;
	enum transition_source source;
	const char *webhook_id;           /* of db_webhook_get and db_webhook_remembered */
	bool signed_delivery;             /* db_deployments_transition got a delivery ... */
	struct webhook_delivery delivery; /* ... this one */
};
extern struct fake_project_db fake_db;

/* Forgets everything: no calls, ERR_OK, nothing found. */
void fake_db_reset(void);

#endif
