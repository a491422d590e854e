/*
 * POST /deployment/webhook: the build system reports a deployment's status. Authenticated by
 * the project's app secret in Authorization or by a Standard Webhooks signature made with it,
 * as WEBHOOK_AUTH allows (lighttpd lets this path through without the bearer token), and
 * checked in the contract's order: body, deployment, authentication, transition. A signed
 * delivery whose webhook-id the project remembers is answered as the first one was. The
 * transition rules are transitions.c; the signature is common/signature.c; the atomic change
 * is db_deployments_transition().
 */
#include <inttypes.h>
#include <string.h>

#include "auth.h"
#include "req.h"
#include "resp.h"
#include "json.h"
#include "project.h"
#include "signature.h"

const char *const webhook_auth_names[3] = {"secret", "signed", "either"};

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

/* Every 401 of the webhook: the challenge and what failed, never the expected value. */
static enum err unauthorized(struct resp *resp, const char *message)
{
	enum err rc = resp_header(resp, "WWW-Authenticate", "Bearer realm=\"webhook\"");
	return rc ? rc : resp_error(resp, ERR_UNAUTHORIZED, "%s", message);
}

/* Whether the delivery is judged as signed: always in signed mode, never in secret mode. */
static bool judged_signed(const struct req *req, enum webhook_auth mode)
{
	if (mode == WEBHOOK_AUTH_EITHER)
		return req->webhook_id || req->webhook_timestamp || req->webhook_signature;
	return mode == WEBHOOK_AUTH_SIGNED;
}

static enum err check_secret(const struct req *req, const char *secret, enum webhook_auth mode,
                             struct resp *resp)
{
	const char *credential = auth_credential(req->authorization);
	if (credential && auth_secret_equal(credential, secret))
		return ERR_OK;
	return unauthorized(resp, mode == WEBHOOK_AUTH_EITHER
	                              ? "a webhook signature or the app secret of the "
	                                "deployment's project is required"
	                              : "the app secret of the deployment's project is required");
}

/* Checks a signed delivery against the project's secret; fills *delivery when it passes. */
static enum err check_signature(const struct req *req, const char *secret, int64_t now,
                                struct webhook_delivery *delivery, struct resp *resp)
{
	const char *names[] = {"webhook-id", "webhook-timestamp", "webhook-signature"};
	const char *values[] = {req->webhook_id, req->webhook_timestamp, req->webhook_signature};
	char missing[128] = "";
	int nmissing = 0;

	for (int i = 0; i < 3; i++)
		if (!values[i])
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
			         "%s%s", nmissing++ ? ", " : "", names[i]);
	if (nmissing) {
		char message[256];
		snprintf(message, sizeof(message), "a signed delivery is required; missing %s: %s",
		         nmissing > 1 ? "headers" : "header", missing);
		return unauthorized(resp, message);
	}

	struct signature_delivery d = {req->webhook_id, req->webhook_timestamp,
	                               req->webhook_signature, req->body, req->body_len};
	enum signature_result r =
	    signature_verify(secret, strlen(secret), &d, now, &delivery->timestamp);
	if (r == SIGNATURE_FAILED)
		return resp_error(resp, ERR_INTERNAL, "%s", signature_result_message(r));
	if (r != SIGNATURE_OK)
		return unauthorized(resp, signature_result_message(r));
	delivery->id = req->webhook_id;
	return ERR_OK;
}

enum err webhook_post(struct req *req, struct resp *resp)
{
	struct project_app *app = req->app;
	enum deployment_status to = DEPLOYMENT_PENDING;
	struct webhook_delivery delivery = {0};
	struct deployment_transition t;
	struct webhook_target target;
	struct deployment_row first;
	char url[PROJECT_URL_MAX];
	const char *status;
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

	bool is_signed = judged_signed(req, app->webhook_auth);
	const char *webhook_id =
	    is_signed && signature_id_valid(req->webhook_id) ? req->webhook_id : NULL;
	rc = db_webhook_get(&app->app.db, req->arena, id, webhook_id, &target, &found);
	if (rc)
		return rc;
	if (!found)
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	rc = is_signed ? check_signature(req, target.app_secret, target.now, &delivery, resp)
	               : check_secret(req, target.app_secret, app->webhook_auth, resp);
	if (rc)
		return rc;
	/* A delivery the project remembers: the answer of the first one, nothing changes. */
	if (is_signed && target.remembered)
		return deployment_reply(resp, 200, false, &target.first);
	enum deployment_status from = target.deployment.status;
	/*
	 * Senders retry: the same status again changes nothing and writes no event. A signed
	 * delivery still goes through the transition statement, which remembers its id.
	 */
	if (from == to && !is_signed)
		return deployment_reply(resp, 200, false, &target.deployment);
	if (from != to && !transition_allowed(from, to))
		return refuse(resp, id, from, to);
	if (to == DEPLOYMENT_DONE && from != to && !target.project_url) {
		rc = project_url_new(target.project_name, app->public_url_domain, url);
		if (rc)
			return resp_error(resp, rc, "could not generate the project URL");
		assign_url = true;
	}

	/* The webhook's sender is no caller: its events name no actor. */
	rc = db_deployments_transition(&app->app.db, req->arena, id, to, TRANSITION_WEBHOOK,
	                               assign_url ? url : NULL, NULL, is_signed ? &delivery : NULL,
	                               &t);
	if (rc)
		return rc;
	if (!t.found)
		return resp_error(resp, ERR_NOT_FOUND, "deployment %" PRId64 " does not exist", id);
	/*
	 * Nothing changed and the delivery was not remembered: a copy of it may have been accepted
	 * first (it waited for that copy's row lock or id), whose answer is its answer.
	 */
	if (is_signed && !t.changed && !t.remembered) {
		rc = db_webhook_remembered(&app->app.db, req->arena, target.deployment.project_id,
		                           delivery.id, &first, &found);
		if (rc)
			return rc;
		if (found)
			return deployment_reply(resp, 200, false, &first);
	}
	/* A concurrent delivery moved it first: the row shows where it is now. */
	if (!t.changed && t.to.status != to)
		return refuse(resp, id, t.to.status, to);
	return deployment_reply(resp, 200, false, &t.to);
}
