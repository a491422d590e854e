/* The fake database of the project service's unit tests (see fake_project_db.h). */
#include <stdio.h>
#include <string.h>

#include "fake_project_db.h"

struct fake_project_db fake_db;

void fake_db_reset(void)
{
	memset(&fake_db, 0, sizeof(fake_db));
}

static enum err called(const char *name, int64_t id)
{
	fake_db.calls++;
	fake_db.last = name;
	fake_db.id = id;
	return fake_db.rc;
}

static void remember_after(const int64_t *after, int nkeys)
{
	fake_db.has_after = after != NULL;
	for (int k = 0; after && k < nkeys; k++)
		fake_db.after[k] = after[k];
}

enum err db_projects_page(struct db *db, struct arena *a, int64_t offset, const int64_t *after,
                          struct project_page *out)
{
	(void)db, (void)a;
	fake_db.offset = offset;
	remember_after(after, 1);
	*out = fake_db.projects;
	return called("db_projects_page", 0);
}

enum err db_projects_get(struct db *db, struct arena *a, int64_t id, struct project_row *out,
                         bool *found)
{
	(void)db, (void)a;
	*out = fake_db.project;
	*found = fake_db.found;
	return called("db_projects_get", id);
}

enum err db_deployments_create(struct db *db, struct arena *a, int64_t project_id, const char *meta,
                               const char *idempotency_key, const char *actor,
                               enum deployment_created *outcome, struct deployment_row *out)
{
	(void)db, (void)a;
	fake_db.meta = meta;
	fake_db.key = idempotency_key;
	fake_db.actor = actor;
	*outcome = fake_db.created;
	*out = fake_db.deployment;
	return called("db_deployments_create", project_id);
}

enum err db_deployments_page(struct db *db, struct arena *a, int64_t project_id,
                             const bool want[DEPLOYMENT_NSTATUSES], const char *from,
                             const char *to, int64_t offset, const int64_t *after,
                             struct deployment_page *out)
{
	(void)db, (void)a;
	fake_db.want = want;
	fake_db.from = from;
	fake_db.to = to;
	fake_db.offset = offset;
	remember_after(after, 2);
	*out = fake_db.deployments;
	return called("db_deployments_page", project_id);
}

enum err db_deployments_get(struct db *db, struct arena *a, int64_t id, struct deployment_row *out,
                            bool *found)
{
	(void)db, (void)a;
	*out = fake_db.deployment;
	*found = fake_db.found;
	return called("db_deployments_get", id);
}

enum err db_deployments_transition(struct db *db, struct arena *a, int64_t id,
                                   enum deployment_status to, enum transition_source source,
                                   const char *url, const char *actor,
                                   const struct webhook_delivery *delivery,
                                   struct deployment_transition *out)
{
	(void)db, (void)a;
	fake_db.actor = actor;
	fake_db.status = to;
	fake_db.source = source;
	fake_db.signed_delivery = delivery != NULL;
	if (delivery)
		fake_db.delivery = *delivery;
	snprintf(fake_db.url_copy, sizeof(fake_db.url_copy), "%s", url ? url : "");
	fake_db.url = url ? fake_db.url_copy : NULL;
	*out = fake_db.transition;
	return called("db_deployments_transition", id);
}

enum err db_webhook_get(struct db *db, struct arena *a, int64_t deployment_id,
                        const char *webhook_id, struct webhook_target *out, bool *found)
{
	(void)db, (void)a;
	fake_db.webhook_id = webhook_id;
	*out = fake_db.target;
	*found = fake_db.found;
	return called("db_webhook_get", deployment_id);
}

enum err db_webhook_remembered(struct db *db, struct arena *a, int64_t project_id,
                               const char *webhook_id, struct deployment_row *out, bool *found)
{
	(void)db, (void)a;
	fake_db.project_id = project_id;
	fake_db.webhook_id = webhook_id;
	*out = fake_db.remembered;
	*found = fake_db.found_remembered;
	return called("db_webhook_remembered", project_id);
}

enum err db_stats_user(struct db *db, int64_t user_id, struct user_stats *out, bool *found)
{
	(void)db;
	*out = fake_db.stats;
	*found = fake_db.found;
	return called("db_stats_user", user_id);
}
