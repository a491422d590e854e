/*
 * GET /projects/{id}/activity: one project's events, newest first. Also served on the project
 * port (lighttpd sends /projects/{id}/activity there to this pool), so it must stay read-only.
 * The aggregator knows events, not projects: a project without events is an empty list.
 */
#include "aggregator.h"
#include "req.h"
#include "resp.h"
#include "page.h"

enum err activity_list(struct req *req, struct resp *resp)
{
	struct event_filter f = {.project_id = req->ids[0]};
	int64_t page;
	enum err rc;

	if ((rc = page_parse(req, &page, resp)) ||
	    (rc = page_filter_window(req, &f.from, &f.to, resp)))
		return rc;
	return events_page_answer(req, &f, page, resp);
}
