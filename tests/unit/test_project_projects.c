/*
 * fcgi/project/projects.c, without Postgres (fake_project_db.c answers for the database):
 * GET /projects renders every row of the page with its Link and X-Total-Count, or fails as a
 * whole; GET /projects/{id} is the project or 404.
 */
#include "call.h"
#include "fake_project_db.h"

static struct project_app app;
static struct call c;

static struct project_row project(int64_t id)
{
	return (struct project_row){.id = id,
	                            .name = "alpha",
	                            .owner_id = 3,
	                            .created_at = "2024-01-31T12:00:00.123Z",
	                            .has_live = true,
	                            .latest_id = 40 + id,
	                            .latest_status = DEPLOYMENT_DONE,
	                            .latest_created_at = "2024-02-01T00:00:00.000Z",
	                            .url = "https://alpha-0a1b2c3d.example.app"};
}

static void a_page_renders_every_row_with_its_headers(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.projects.total = 10;
	fake_db.projects.n = 2;
	fake_db.projects.rows[0] = project(9);
	fake_db.projects.rows[1] = project(10);
	fake_db.projects.rows[1].url = NULL;
	fake_db.projects.rows[1].latest_id = 0;

	assert_int_equal(call(&c, &app, projects_list, "GET", "/projects", "page=2", NULL, 0),
	                 ERR_OK);
	assert_int_equal(c.resp.status, 200);
	assert_int_equal(fake_db.offset, 8);
	assert_false(fake_db.has_after);
	assert_string_equal(
	    c.resp.body.data,
	    "[{\"id\":9,\"name\":\"alpha\",\"url\":\"https://alpha-0a1b2c3d.example."
	    "app\",\"ownerId\":3,\"createdAt\":\"2024-01-31T12:00:00.123Z\","
	    "\"hasOngoingDeployment\":false,\"hasLiveDeployment\":true,"
	    "\"latestDeployment\":{\"id\":49,\"status\":\"done\",\"createdAt\":"
	    "\"2024-02-01T00:00:00.000Z\"}},"
	    "{\"id\":10,\"name\":\"alpha\",\"url\":null,\"ownerId\":3,\"createdAt\":"
	    "\"2024-01-31T12:00:00.123Z\",\"hasOngoingDeployment\":false,"
	    "\"hasLiveDeployment\":true,\"latestDeployment\":null}]");
	assert_string_equal(call_header(&c, "X-Total-Count"), "10");
	assert_string_equal(call_header(&c, "Link"),
	                    "</projects?page=1>; rel=\"first\", </projects?page=1>; rel=\"prev\", "
	                    "</projects?page=2>; rel=\"last\"");
}

static void a_cursor_walk_starts_after_the_cursor_and_links_the_last_row(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.projects.total = 30;
	fake_db.projects.n = PAGE_SIZE;
	for (int i = 0; i < PAGE_SIZE; i++)
		fake_db.projects.rows[i] = project(6 + i);

	assert_int_equal(call(&c, &app, projects_list, "GET", "/projects", "cursor=5", NULL, 0),
	                 ERR_OK);
	assert_true(fake_db.has_after);
	assert_int_equal(fake_db.after[0], 5);
	assert_int_equal(fake_db.offset, 0);
	assert_string_equal(
	    call_header(&c, "Link"),
	    "</projects?cursor=>; rel=\"first\", </projects?cursor=13>; rel=\"next\"");
	json_t *list = call_json(&c);
	assert_int_equal(json_array_size(list), PAGE_SIZE);
	json_decref(list);
}

/* X-Total-Count counts every row, so a row that cannot be rendered fails the page. */
static void a_row_that_cannot_be_rendered_fails_the_whole_page(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.projects.total = 3;
	fake_db.projects.n = 3;
	for (int i = 0; i < 3; i++)
		fake_db.projects.rows[i] = project(1 + i);
	fake_db.projects.rows[1].name = "not UTF-8 \xff";

	assert_int_equal(call(&c, &app, projects_list, "GET", "/projects", NULL, NULL, 0),
	                 ERR_INTERNAL);
	assert_int_equal(c.resp.status, 0);
	assert_null(call_header(&c, "X-Total-Count"));
}

static void a_bad_page_or_cursor_never_reaches_the_database(void **state)
{
	(void)state;
	const char *bad[] = {"page=0", "cursor=x", "page=2&cursor=5"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_db_reset();
		assert_int_equal(call(&c, &app, projects_list, "GET", "/projects", bad[i], NULL, 0),
		                 ERR_BAD_REQUEST);
		assert_int_equal(fake_db.calls, 0);
	}
}

static void one_project_or_404(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.found = true;
	fake_db.project = project(7);
	assert_int_equal(call(&c, &app, projects_get, "GET", "/projects/7", NULL, NULL, 7), ERR_OK);
	assert_int_equal(fake_db.id, 7);
	json_t *p = call_json(&c);
	assert_int_equal(json_integer_value(json_object_get(p, "id")), 7);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(p, "latestDeployment"), "status")),
	    "done");
	json_decref(p);

	fake_db.found = false;
	assert_int_equal(call(&c, &app, projects_get, "GET", "/projects/8", NULL, NULL, 8),
	                 ERR_NOT_FOUND);
	assert_string_equal(c.resp.message, "project 8 does not exist");
}

static void database_failures_are_the_answer(void **state)
{
	(void)state;
	fake_db_reset();
	fake_db.rc = ERR_UNAVAILABLE;
	assert_int_equal(call(&c, &app, projects_list, "GET", "/projects", NULL, NULL, 0),
	                 ERR_UNAVAILABLE);
	assert_int_equal(call(&c, &app, projects_get, "GET", "/projects/1", NULL, NULL, 1),
	                 ERR_UNAVAILABLE);
	assert_int_equal(c.resp.status, 0);
	call_reset(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_page_renders_every_row_with_its_headers),
	    cmocka_unit_test(a_cursor_walk_starts_after_the_cursor_and_links_the_last_row),
	    cmocka_unit_test(a_row_that_cannot_be_rendered_fails_the_whole_page),
	    cmocka_unit_test(a_bad_page_or_cursor_never_reaches_the_database),
	    cmocka_unit_test(one_project_or_404),
	    cmocka_unit_test(database_failures_are_the_answer),
	};
	return cmocka_run_group_tests_name("project: projects", tests, NULL, NULL);
}
