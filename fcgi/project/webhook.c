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

enum err webhook_post(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	enum deployment_status to = DEPLOYMENT_PENDING;
	struct deployment_transition t;
	struct webhook_target target;
	char url[PROJECT_URL_MAX];
	const char *status, *credential;
	bool found, assign_url = false;
	int64_t id;
	enum err rc;

	rc = json_field_int64(req->json, "id", 1, INT64_MAX, JSON_REQUIRED, &id, &found, resp);
	if (rc)
		return rc;
	rc = json_field_string(req->json, "status", 32, JSON_REQUIRED, &status, resp);
	if (rc)
		return rc;
	if (!deployment_status_parse(status, &to))
		return resp_error(resp, ERR_BAD_REQUEST,
		                  "field 'status' must be one of " DEPLOYMENT_STATUS_NAMES);

	rc = db_webhook_get(&app->app.db, req->arena, id, &target, &found);
	if (rc)
		return rc;
	if (!found)
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	credential = auth_credential(req->authorization);
	if (!credential || !auth_secret_equal(credential, target.app_secret)) {
		resp_header(resp, "WWW-Authenticate", "Bearer realm=\"webhook\"");
		return resp_error(resp, ERR_UNAUTHORIZED,
		                  "the app secret of the deployment's project is required");
	}
	enum deployment_status from = target.deployment.status;
	/* Senders retry: the same status again changes nothing and writes no event. */
	if (from == to)
		return deployment_reply(resp, 200, false, &target.deployment);
	if (!transition_allowed(from, to))
		return refuse(resp, id, from, to);
	if (to == DEPLOYMENT_DONE && !target.project_url) {
		rc = project_url_new(target.project_name, app->public_url_domain, url);
		if (rc)
			return resp_error(resp, rc, "could not generate the project URL");
		assign_url = true;
	}

	rc = db_deployments_transition(&app->app.db, req->arena, id, to, TRANSITION_WEBHOOK,
	                               assign_url ? url : NULL, &t);
	if (rc)
		return rc;
	if (!t.found)
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	/* A concurrent delivery moved it first: the row shows where it is now. */
	if (!t.changed && t.to.status != to)
		return refuse(resp, id, t.to.status, to);
	return deployment_reply(resp, 200, false, &t.to);
}
