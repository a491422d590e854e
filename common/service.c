/*
 * The context of a service's worker and the three routes every service shares. What differs
 * between services comes in through struct service; nothing here names either of them.
 */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "req.h"
#include "resp.h"

/* Reads docs/<name> under $PANEL_ROOT into doc; warns when it cannot. */
static void document_load(struct buf *doc, const char *name)
{
	char path[4096];

	*doc = (struct buf)BUF_INIT(4 * 1024 * 1024);
	snprintf(path, sizeof(path), "%s/docs/%s", config_str("PANEL_ROOT", "."), name);
	if (buf_read_file(doc, path))
		log_warn("cannot read %s; /openapi.yaml will be empty", path);
}

struct app *service_start(const struct service *svc)
{
	static char app_name[64];
	struct app *app = xcalloc(1, svc->app_size ? svc->app_size : sizeof(struct app));

	log_init(svc->name);
	json_init();
	snprintf(app_name, sizeof(app_name), "%s-fcgi", svc->name);
	app->service = svc;
	app->db.url = config_service_database_url(svc->db_url_env, svc->db_role);
	app->db.role = svc->db_role;
	app->db.app_name = app_name;
	document_load(&app->openapi, svc->openapi);
	if (svc->init)
		svc->init(app);
	db_connect(&app->db);
	return app;
}

void service_free(struct app *app)
{
	db_close(&app->db);
	buf_free(&app->openapi);
	free(app);
}

enum err service_health(struct req *req, struct resp *resp)
{
	struct app *app = req->app;
	json_t *details = NULL;
	enum err rc =
	    app->service->health ? app->service->health(app, &details) : db_ping(&app->db);

	if (rc) {
		json_decref(details);
		return resp_json(resp, 503,
		                 json_pack("{s:s, s:s, s:s, s:s}", "status", "unavailable",
		                           "database", "down", "name", err_name(ERR_UNAVAILABLE),
		                           "message", err_default_message(ERR_UNAVAILABLE)));
	}
	json_t *body = json_pack("{s:s, s:s}", "status", "ok", "database", "ok");
	if (body && details && json_object_update(body, details)) {
		json_decref(body);
		body = NULL;
	}
	json_decref(details);
	return resp_json(resp, 200, body);
}

enum err service_openapi(struct req *req, struct resp *resp)
{
	const struct app *app = req->app;
	return resp_text(resp, 200, "application/yaml", app->openapi.data ? app->openapi.data : "",
	                 app->openapi.len);
}

enum err service_metrics(struct req *req, struct resp *resp)
{
	struct app *app = req->app;
	enum err rc = ERR_OK;

	metrics_render(&resp->body);
	if (app->service->metrics)
		rc = app->service->metrics(app, &resp->body);
	if (rc)
		return rc;
	resp->content_type = METRICS_CONTENT_TYPE;
	resp->status = 200;
	return ERR_OK;
}
