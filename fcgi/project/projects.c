/*
 * GET /projects and GET /projects/{id}. The app secret is not even selected: it leaves the
 * database only to be compared by the webhook.
 */
#include <inttypes.h>

#include "req.h"
#include "resp.h"
#include "json.h"
#include "page.h"
#include "project.h"

json_t *project_to_json(const struct project_row *p)
{
	json_t *latest = json_null();

	if (p->latest_id)
		latest = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)p->latest_id, "status",
		                   p->latest_status, "createdAt", p->latest_created_at);
	return json_pack("{s:I, s:s, s:o, s:I, s:s, s:b, s:b, s:o}", "id", (json_int_t)p->id,
	                 "name", p->name, "url", json_string_or_null(p->url), "ownerId",
	                 (json_int_t)p->owner_id, "createdAt", p->created_at,
	                 "hasOngoingDeployment", p->has_ongoing, "hasLiveDeployment", p->has_live,
	                 "latestDeployment", latest);
}

enum err projects_list(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	struct page_cursor cursor;
	struct project_row p = {0};
	char next[DB_INT64_LEN];
	PGresult *res;
	int64_t page;
	enum err rc;

	if ((rc = page_parse(req, &page, resp)) ||
	    (rc = page_cursor_parse(req, 1, &cursor, resp)) ||
	    (rc = db_projects_page(&app->app.db, page_offset(page),
	                           cursor.after ? cursor.keys : NULL, &res)))
		return rc;
	json_t *list = json_array();
	for (int i = 0; i < db_ntuples(res); i++)
		if (db_project_row(res, i, &p))
			json_array_append_new(list, project_to_json(&p));
	page_list_headers(req, page, &cursor, json_array_size(list), db_param_int64(next, p.id),
	                  db_page_total(res), resp);
	db_result_free(res);
	return resp_json(resp, 200, list);
}

enum err projects_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	struct project_row p = {0};
	PGresult *res;
	enum err rc = db_projects_get(&app->app.db, req->ids[0], &res);

	if (rc)
		return rc;
	if (db_ntuples(res) == 0 || !db_project_row(res, 0, &p)) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "project %" PRId64 " does not exist",
		                  req->ids[0]);
	}
	rc = resp_json(resp, 200, project_to_json(&p));
	db_result_free(res);
	return rc;
}
