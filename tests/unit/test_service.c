/*
 * common/service.c: the routes every service shares, with a service whose hooks say what its
 * database would (no database involved).
 */
#include <string.h>

#include "req.h"
#include "resp.h"
#include "service.h"
#include "unit.h"

static enum err health_rc;

static enum err health(struct app *app, json_t **details)
{
	(void)app;
	if (health_rc)
		return health_rc;
	*details = json_pack("{s:{s:i}}", "queue", "depth", 3);
	return ERR_OK;
}

static enum err metrics(struct app *app, struct buf *out)
{
	(void)app;
	if (health_rc)
		return health_rc;
	buf_puts(out, "own_series 1\n");
	return ERR_OK;
}

static const struct service svc = {.name = "unit", .health = health, .metrics = metrics};

struct fixture {
	struct app app;
	struct req req;
	struct resp resp;
};

static struct fixture *fixture(void)
{
	static struct fixture f;

	resp_free(&f.resp);
	buf_free(&f.app.openapi);
	memset(&f, 0, sizeof(f));
	f.app.service = &svc;
	f.req.app = &f.app;
	f.req.method = "GET";
	return &f;
}

static void health_adds_the_services_facts(void **state)
{
	(void)state;
	struct fixture *f = fixture();

	health_rc = ERR_OK;
	assert_int_equal(service_health(&f->req, &f->resp), ERR_OK);
	assert_int_equal(f->resp.status, 200);
	assert_string_equal(f->resp.body.data,
	                    "{\"status\":\"ok\",\"database\":\"ok\",\"queue\":{\"depth\":3}}");
}

static void health_is_503_when_the_database_fails(void **state)
{
	(void)state;
	const enum err failures[] = {ERR_UNAVAILABLE, ERR_INTERNAL};

	for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
		struct fixture *f = fixture();
		health_rc = failures[i];
		assert_int_equal(service_health(&f->req, &f->resp), ERR_OK);
		assert_int_equal(f->resp.status, 503);
		assert_non_null(strstr(f->resp.body.data,
		                       "\"status\":\"unavailable\",\"database\":\"down\","
		                       "\"name\":\"ServiceUnavailable\""));
	}
}

static void openapi_serves_the_document_as_yaml(void **state)
{
	(void)state;
	struct fixture *f = fixture();

	buf_puts(&f->app.openapi, "openapi: 3.1.0\n");
	assert_int_equal(service_openapi(&f->req, &f->resp), ERR_OK);
	assert_int_equal(f->resp.status, 200);
	assert_string_equal(f->resp.content_type, "application/yaml");
	assert_string_equal(f->resp.body.data, "openapi: 3.1.0\n");
}

static void metrics_end_with_the_services_series(void **state)
{
	(void)state;
	struct fixture *f = fixture();

	health_rc = ERR_OK;
	assert_int_equal(service_metrics(&f->req, &f->resp), ERR_OK);
	assert_int_equal(f->resp.status, 200);
	assert_non_null(strstr(f->resp.body.data, "# TYPE panel_http_requests_total counter\n"));
	size_t len = strlen(f->resp.body.data);
	assert_string_equal(f->resp.body.data + len - strlen("own_series 1\n"), "own_series 1\n");

	/* When the service's own figures cannot be read, the answer is that error. */
	f = fixture();
	health_rc = ERR_UNAVAILABLE;
	assert_int_equal(service_metrics(&f->req, &f->resp), ERR_UNAVAILABLE);
	assert_int_equal(f->resp.status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(health_adds_the_services_facts),
	    cmocka_unit_test(health_is_503_when_the_database_fails),
	    cmocka_unit_test(openapi_serves_the_document_as_yaml),
	    cmocka_unit_test(metrics_end_with_the_services_series),
	};
	return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
