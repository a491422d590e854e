/*
 * GET /projects and GET /projects/{id}. The app secret is not even selected: it leaves the
 * database only to be compared by the webhook.
 */
#include <inttypes.h>

#include "json.h"
#include "log.h"
#include "page.h"
#include "project.h"
#include "req.h"
#include "resp.h"

json_t *project_to_json(const struct project_row *p)
{
	json_t *latest = json_null();

	if (p->latest_id)
		latest = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)p->latest_id, "status",
		                   deployment_status_name(p->latest_status), "createdAt",
		                   p->latest_created_at);
	/* json_pack takes latest (o) even when it fails, and fails when latest is NULL. */
	json_t *project =
	    json_pack("{s:I, s:s, s:o, s:I, s:s, s:b, s:b, s:o}", "id", (json_int_t)p->id, "name",
	              p->name, "url", json_string_or_null(p->url), "ownerId",
	              (json_int_t)p->owner_id, "createdAt", p->created_at, "hasOngoingDeployment",
	              p->has_ongoing, "hasLiveDeployment", p->has_live, "latestDeployment", latest);
	if (!project)
		log_error("project %" PRId64 " cannot be rendered as JSON", p->id);
	return project;
}

enum err projects_list(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	struct project_page page;
	struct page_query q;
	enum err rc;

	if ((rc = page_query_parse(req, 1, &q, resp)) ||
	    (rc = db_projects_page(&app->app.db, req->arena, q.offset, page_after(&q), &page)))
		return rc;
	/* A row that cannot be rendered fails the page: X-Total-Count counts every row. */
	json_t *list = json_array();
	for (size_t i = 0; i < page.n; i++)
		list = json_array_add(list, project_to_json(&page.rows[i]));
	if (!list)
		return resp_error(resp, ERR_INTERNAL, "could not render the projects");
	int64_t last = page.n ? page.rows[page.n - 1].id : 0;
	rc = page_headers(req, &q, page.n, &last, page.total, resp);
	if (rc) {
		json_decref(list);
		return rc;
	}
	return resp_json(resp, 200, list);
}

enum err projects_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	struct project_row p;
	bool found;
	enum err rc = db_projects_get(&app->app.db, req->arena, req->ids[0], &p, &found);

	if (rc)
		return rc;
	if (!found)
		return resp_error(resp, ERR_NOT_FOUND, "project %" PRId64 " does not exist",
		                  req->ids[0]);
	return resp_json(resp, 200, project_to_json(&p));
}
