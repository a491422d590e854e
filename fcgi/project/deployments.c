/*
 * Deployments: creation (with its optional meta body and Idempotency-Key), the two lists, one
 * deployment, and cancellation. The rules of what a request may carry are pure functions here
 * (unit-tested); what the database must do atomically is in db_deployments.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"
#include "resp.h"
#include "json.h"
#include "log.h"
#include "page.h"
#include "project.h"

json_t *deployment_to_json(const struct deployment_row *d)
{
	json_t *meta = json_from_db(d->meta);
	/* clang-format off */
	json_t *out = json_pack("{s:I, s:I, s:s, s:o, s:o, s:s, s:s}",
				"id", (json_int_t)d->id,
				"projectId", (json_int_t)d->project_id,
				"status", deployment_status_name(d->status),
				"deployedIn", d->has_deployed_in ? json_integer(d->deployed_in) : json_null(),
				"meta", meta,
				"createdAt", d->created_at,
				"updatedAt", d->updated_at);
	/* clang-format on */
	if (!out)
		log_error("deployment %" PRId64 " cannot be rendered as JSON%s", d->id,
		          meta ? "" : " (its meta is not JSON)");
	return out;
}

enum err deployment_reply(struct resp *resp, int status, bool location,
                          const struct deployment_row *d)
{
	json_t *body = deployment_to_json(d);

	if (!body)
		return resp_error(resp, ERR_INTERNAL, "could not render deployment %" PRId64,
		                  d->id);
	enum err rc =
	    location ? resp_header(resp, "Location", "/deployments/%" PRId64, d->id) : ERR_OK;
	if (rc) {
		json_decref(body);
		return rc;
	}
	return resp_json(resp, status, body);
}

static const char *const meta_fields[] = {"commitSha", "branch", "commitMessage", "trigger"};
static const char *const triggers[] = {"api", "git", "manual", "rollback"};

static bool listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

enum err deployment_meta_from_body(const json_t *body, json_t **meta, struct resp *resp)
{
	const size_t nfields = sizeof(meta_fields) / sizeof(meta_fields[0]);
	const char *key, *value;
	json_t *v, *out;
	enum err rc;

	*meta = NULL;
	if (body) {
		/* A misspelt field must not be dropped silently. */
		json_object_foreach((json_t *)body, key, v)
		{
			if (!listed(meta_fields, nfields, key))
				return resp_error(
				    resp, ERR_BAD_REQUEST,
				    "unknown field '%.64s' (allowed: commitSha, branch, "
				    "commitMessage, trigger)",
				    key);
		}
	}
	out = json_object();
	for (size_t i = 0; body && i < nfields; i++) {
		rc = json_field_string(body, meta_fields[i], DEPLOYMENT_META_MAX, JSON_OPTIONAL,
		                       &value, resp);
		if (rc) {
			json_decref(out);
			return rc;
		}
		if (value)
			json_object_set_new(out, meta_fields[i], json_string(value));
	}
	value = json_string_value(json_object_get(out, "trigger"));
	if (!value) {
		json_object_set_new(out, "trigger", json_string("api"));
	} else if (!listed(triggers, sizeof(triggers) / sizeof(triggers[0]), value)) {
		json_decref(out);
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "field 'trigger' must be one of api, git, manual, rollback");
	}
	*meta = out;
	return ERR_OK;
}

enum err deployments_create(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	int64_t project_id = req->ids[0];
	enum deployment_created outcome;
	struct deployment_row d;
	const char *key;
	json_t *meta;
	enum err rc;

	rc = req_idempotency_key(req, &key, resp);
	if (rc)
		return rc;
	rc = deployment_meta_from_body(req->json, &meta, resp);
	if (rc)
		return rc;
	/* Sorted keys: the text is compared as jsonb anyway, but logs read the same. */
	char *text = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(meta);
	if (!text)
		return resp_error(resp, ERR_INTERNAL, "could not render meta");
	char *meta_text = arena_strndup(req->arena, text, strlen(text));
	free(text);

	rc = db_deployments_create(&app->app.db, req->arena, project_id, meta_text, key, req->actor,
	                           &outcome, &d);
	if (rc)
		return rc;
	switch (outcome) {
	case DEPLOYMENT_NO_PROJECT:
		return resp_error(resp, ERR_NOT_FOUND, "project %" PRId64 " does not exist",
		                  project_id);
	case DEPLOYMENT_NEW: return deployment_reply(resp, 201, true, &d);
	case DEPLOYMENT_REPEAT: return deployment_reply(resp, 200, true, &d);
	case DEPLOYMENT_KEY_TAKEN:
		return resp_error(resp, ERR_CONFLICT,
		                  "Idempotency-Key was already used for deployment %" PRId64
		                  " with another project or other meta",
		                  d.id);
	case DEPLOYMENT_KEY_UNSEEN:
		return resp_error(resp, ERR_UNAVAILABLE,
		                  "the first request with this Idempotency-Key is not visible yet; "
		                  "try again");
	}
	return resp_error(resp, ERR_INTERNAL, "unexpected creation outcome");
}

/* Answers a page of deployments: project_id 0 for all, want NULL for every status. */
static enum err list(struct req *req, struct resp *resp, int64_t project_id, bool project_route,
                     const bool *want)
{
	struct project_app *app = req->app;
	struct deployment_page page;
	struct page_query q;
	enum err rc;

	if ((rc = page_query_parse(req, 2, &q, resp)) ||
	    (rc = db_deployments_page(&app->app.db, req->arena, project_id, want, q.from, q.to,
	                              q.offset, page_after(&q), &page)))
		return rc;
	if (project_route && !page.project_found)
		return resp_error(resp, ERR_NOT_FOUND, "project %" PRId64 " does not exist",
		                  project_id);
	/* A row that cannot be rendered fails the page: X-Total-Count counts every row. */
	json_t *array = json_array();
	for (size_t i = 0; i < page.n; i++)
		array = json_array_add(array, deployment_to_json(&page.rows[i]));
	if (!array)
		return resp_error(resp, ERR_INTERNAL, "could not render the deployments");
	rc = page_headers(req, &q, page.n, page.last_key, page.total, resp);
	if (rc) {
		json_decref(array);
		return rc;
	}
	return resp_json(resp, 200, array);
}

enum err deployments_list_project(struct req *req, struct resp *resp)
{
	return list(req, resp, req->ids[0], true, NULL);
}

enum err deployments_list(struct req *req, struct resp *resp)
{
	bool want[DEPLOYMENT_NSTATUSES], found;
	int64_t project_id = 0;
	enum err rc;

	rc = page_filter_id(req, "projectId", &project_id, &found, resp);
	if (rc)
		return rc;
	const char *status = query_get(&req->query, "status");
	if (status && !deployment_status_list_parse(status, want))
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "status must be one or several of " DEPLOYMENT_STATUS_NAMES
		                  ", separated by commas");
	return list(req, resp, found ? project_id : 0, false, status ? want : NULL);
}

enum err deployments_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	struct deployment_row d;
	bool found;
	enum err rc = db_deployments_get(&app->app.db, req->arena, req->ids[0], &d, &found);

	if (rc)
		return rc;
	if (!found)
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist",
		                  req->ids[0]);
	return deployment_reply(resp, 200, false, &d);
}

/* A body, when one is sent, is a JSON object (the dispatcher checks) and changes nothing. */
enum err deployments_cancel(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	struct deployment_transition t;
	int64_t id = req->ids[0];
	enum err rc = db_deployments_transition(&app->app.db, req->arena, id, DEPLOYMENT_CANCELLED,
	                                        TRANSITION_API, NULL, req->actor, NULL, &t);

	if (rc)
		return rc;
	if (!t.found)
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	/* Only a finished deployment refuses cancellation; the row shows its status now. */
	if (!t.changed)
		return resp_error(resp, ERR_CONFLICT, "deployment %" PRId64 " is already %s", id,
		                  deployment_status_name(t.to.status));
	return deployment_reply(resp, 200, false, &t.to);
}
