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
#include "page.h"
#include "project.h"

json_t *deployment_to_json(const struct deployment_row *d)
{
	json_t *meta = json_from_db(d->meta);

	if (!meta)
		return NULL;
	/* clang-format off */
	return json_pack("{s:I, s:I, s:s, s:o, s:o, s:s, s:s}",
			 "id", (json_int_t)d->id,
			 "projectId", (json_int_t)d->project_id,
			 "status", d->status,
			 "deployedIn", d->has_deployed_in ? json_integer(d->deployed_in) : json_null(),
			 "meta", meta,
			 "createdAt", d->created_at,
			 "updatedAt", d->updated_at);
	/* clang-format on */
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

/* Answers a deployment with status, and Location when asked; frees res. */
static enum err reply_deployment(struct resp *resp, int status, bool location, PGresult *res,
                                 int col)
{
	struct deployment_row d;
	enum err rc;

	if (!db_deployment_row(res, 0, col, &d)) {
		db_result_free(res);
		return resp_error(resp, ERR_INTERNAL, "deployment row missing");
	}
	if (location)
		resp_header(resp, "Location", "/deployments/%" PRId64, d.id);
	rc = resp_json(resp, status, deployment_to_json(&d));
	db_result_free(res);
	return rc;
}

enum err deployments_create(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	const char *key;
	int64_t project_id = req->ids[0];
	PGresult *res;
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

	rc = db_deployments_create(&app->app.db, project_id, meta_text, key, &res);
	if (rc)
		return rc;
	if (!db_bool(res, 0, 0)) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "project %" PRId64 " does not exist",
		                  project_id);
	}
	bool created = db_bool(res, 0, 1), same = db_bool(res, 0, 2);
	int col = 3;
	if (db_isnull(res, 0, col)) {
		/*
		 * The key's first request committed while ours waited on the key: our statement's
		 * snapshot predates it, a new statement sees it.
		 */
		db_result_free(res);
		rc = db_deployments_by_key(&app->app.db, key, project_id, meta_text, &res);
		if (rc)
			return rc;
		if (db_ntuples(res) == 0) {
			db_result_free(res);
			return resp_error(resp, ERR_UNAVAILABLE,
			                  "the first request with this Idempotency-Key is not "
			                  "visible yet; try again");
		}
		created = false, same = db_bool(res, 0, 0), col = 1;
	}
	if (!same) {
		int64_t first = db_int64(res, 0, col);
		db_result_free(res);
		return resp_error(resp, ERR_CONFLICT,
		                  "Idempotency-Key was already used for deployment %" PRId64
		                  " with another project or other meta",
		                  first);
	}
	return reply_deployment(resp, created ? 201 : 200, true, res, col);
}

static enum err list(struct req *req, struct resp *resp, int64_t project_id, bool project_route,
                     const bool *want)
{
	struct project_app *app = req->app;
	struct page_cursor cursor;
	const char *from, *to;
	struct deployment_row d;
	PGresult *res;
	int64_t page;
	enum err rc;

	rc = page_parse(req, &page, resp);
	if (rc)
		return rc;
	rc = page_cursor_parse(req, 2, &cursor, resp);
	if (rc)
		return rc;
	rc = page_filter_window(req, &from, &to, resp);
	if (rc)
		return rc;
	rc = db_deployments_page(&app->app.db, project_id, want, from, to, page_offset(page),
	                         cursor.after ? cursor.keys : NULL, &res);
	if (rc)
		return rc;
	if (project_route && !db_bool(res, 0, 1)) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "project %" PRId64 " does not exist",
		                  project_id);
	}
	json_t *array = json_array();
	for (int i = 0; i < db_ntuples(res); i++)
		if (db_deployment_row(res, i, 2, &d))
			json_array_append_new(array, deployment_to_json(&d));
	size_t rows = json_array_size(array);
	page_list_headers(req, page, &cursor, rows,
	                  rows ? db_str(res, (int)rows - 1, DEPLOYMENT_CURSOR_COL) : NULL,
	                  db_page_total(res), resp);
	db_result_free(res);
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
		                  "status must be one or several of pending, building, deploying, "
		                  "done, failed, cancelled, separated by commas");
	return list(req, resp, found ? project_id : 0, false, status ? want : NULL);
}

enum err deployments_get(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	PGresult *res;
	enum err rc = db_deployments_get(&app->app.db, req->ids[0], &res);

	if (rc)
		return rc;
	if (db_ntuples(res) == 0) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist",
		                  req->ids[0]);
	}
	return reply_deployment(resp, 200, false, res, 0);
}

/* A body, when one is sent, is a JSON object (the dispatcher checks) and changes nothing. */
enum err deployments_cancel(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	int64_t id = req->ids[0];
	PGresult *res;
	enum err rc;

	rc = db_deployments_transition(&app->app.db, id, DEPLOYMENT_CANCELLED, TRANSITION_API, NULL,
	                               &res);
	if (rc)
		return rc;
	if (db_ntuples(res) == 0) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	}
	if (!db_bool(res, 0, 0)) {
		/* Only a finished deployment refuses cancellation; the row shows its status now. */
		rc = resp_error(resp, ERR_CONFLICT, "deployment %" PRId64 " is already %s", id,
		                db_str(res, 0, 3));
		db_result_free(res);
		return rc;
	}
	return reply_deployment(resp, 200, false, res, 1);
}
