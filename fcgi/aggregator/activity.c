/*
 * GET /projects/{id}/activity: one project's events, newest first. Also served on the project
 * port (lighttpd sends /projects/{id}/activity there to this pool), so it must stay read-only.
 * The aggregator knows events, not projects: a project without events is an empty list.
 */
#include "aggregator.h"
#include "page.h"
#include "req.h"

enum err activity_list(struct req *req, struct resp *resp)
{
	struct event_filter f = {.project_id = req->ids[0]};
	struct page_query q;
	enum err rc = page_query_parse(req, 1, &q, resp);

	if (rc)
		return rc;
	return events_page_answer(req, &f, &q, resp);
}
