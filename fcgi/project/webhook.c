/*
 * POST /deployment/webhook: the build system reports a deployment's status. Authenticated by
 * the project's app secret (lighttpd lets this path through without the bearer token), checked
 * in the contract's order: body, deployment, secret, transition. The transition rules are
 * transitions.c; the atomic change is db_deployments_transition().
 */
#include <inttypes.h>

#include "auth.h"
#include "req.h"
#include "resp.h"
#include "json.h"
#include "project.h"

/* The 409 of a refused transition, naming the status the deployment is in. */
static enum err refuse(struct resp *resp, int64_t id, enum deployment_status current,
                       enum deployment_status wanted)
{
	if (deployment_status_final(current))
		return resp_error(resp, ERR_CONFLICT, "deployment %" PRId64 " is already %s", id,
		                  deployment_status_name(current));
	return resp_error(resp, ERR_CONFLICT,
	                  "deployment %" PRId64 " is already %s and cannot go back to %s", id,
	                  deployment_status_name(current), deployment_status_name(wanted));
}

/* The deployment at column col of the first row, as a 200 answer; frees res. */
static enum err reply(struct resp *resp, PGresult *res, int col)
{
	struct deployment_row d;
	enum err rc;

	if (!db_deployment_row(res, 0, col, &d)) {
		db_result_free(res);
		return resp_error(resp, ERR_INTERNAL, "deployment row missing");
	}
	rc = resp_json(resp, 200, deployment_to_json(&d));
	db_result_free(res);
	return rc;
}

/* The status column of the first row, which the database only ever holds valid. */
static enum err row_status(const PGresult *res, int col, enum deployment_status *out,
                           struct resp *resp)
{
	const char *s = db_str(res, 0, col);
	if (!s || !deployment_status_parse(s, out))
		return resp_error(resp, ERR_INTERNAL, "unexpected deployment status");
	return ERR_OK;
}

enum err webhook_post(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	enum deployment_status to = DEPLOYMENT_PENDING, from = DEPLOYMENT_PENDING;
	char url[PROJECT_URL_MAX];
	const char *status, *credential;
	bool found, assign_url = false;
	PGresult *res;
	int64_t id;
	enum err rc;

	rc = json_field_int64(req->json, "id", 1, INT64_MAX, JSON_REQUIRED, &id, &found, resp);
	if (rc)
		return rc;
	rc = json_field_string(req->json, "status", 32, JSON_REQUIRED, &status, resp);
	if (rc)
		return rc;
	if (!deployment_status_parse(status, &to))
		return resp_error(
		    resp, ERR_BAD_REQUEST,
		    "field 'status' must be one of pending, building, deploying, done, "
		    "failed, cancelled");

	rc = db_webhook_get(&app->app.db, id, &res);
	if (rc)
		return rc;
	if (db_ntuples(res) == 0) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	}
	credential = auth_credential(req->authorization);
	if (!credential || !auth_secret_equal(credential, db_str(res, 0, 0))) {
		db_result_free(res);
		resp_header(resp, "WWW-Authenticate", "Bearer realm=\"webhook\"");
		return resp_error(resp, ERR_UNAUTHORIZED,
		                  "the app secret of the deployment's project is required");
	}
	rc = row_status(res, 5, &from, resp);
	if (rc) {
		db_result_free(res);
		return rc;
	}
	/* Senders retry: the same status again changes nothing and writes no event. */
	if (from == to)
		return reply(resp, res, 3);
	if (!transition_allowed(from, to)) {
		db_result_free(res);
		return refuse(resp, id, from, to);
	}
	if (to == DEPLOYMENT_DONE && db_isnull(res, 0, 2)) {
		rc = project_url_new(db_str(res, 0, 1), app->public_url_domain, url);
		if (rc) {
			db_result_free(res);
			return resp_error(resp, rc, "could not generate the project URL");
		}
		assign_url = true;
	}
	db_result_free(res);

	rc = db_deployments_transition(&app->app.db, id, to, TRANSITION_WEBHOOK,
	                               assign_url ? url : NULL, &res);
	if (rc)
		return rc;
	if (db_ntuples(res) == 0) {
		db_result_free(res);
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	}
	if (!db_bool(res, 0, 0)) {
		/* A concurrent delivery moved it first: the row shows where it is now. */
		rc = row_status(res, 3, &from, resp);
		if (!rc && from == to)
			return reply(resp, res, 1);
		db_result_free(res);
		return rc ? rc : refuse(resp, id, from, to);
	}
	return reply(resp, res, 1);
}
