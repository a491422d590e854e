/* fcgi/project/url.c: the DNS label of a project name and the generated URL. */
#include <regex.h>
#include <string.h>

#include "project.h"
#include "unit.h"

static const char *label(const char *name)
{
	static char out[PROJECT_URL_LABEL_MAX + 1];
	project_url_label(name, out);
	return out;
}

static void label_is_lowercase_with_everything_else_a_hyphen(void **state)
{
	(void)state;
	assert_string_equal(label("amber-brave-01"), "amber-brave-01");
	assert_string_equal(label("My Project"), "my-project");
	assert_string_equal(label("ABC_xyz.9"), "abc-xyz-9");
	assert_string_equal(label("a/b\\c:d@e!f"), "a-b-c-d-e-f");
	/* A DNS label cannot begin with a hyphen. */
	assert_string_equal(label("--x--"), "x--");
	assert_string_equal(label("_Private Site"), "private-site");
	assert_string_equal(label("!!!"), "app");
	assert_string_equal(label(""), "app");
	/* A character is a code point: two-, three- and four-byte ones each give one hyphen. */
	assert_string_equal(label("caf\xc3\xa9"), "caf-");
	assert_string_equal(label("5\xe2\x82\xac"
	                          "5"),
	                    "5-5");
	assert_string_equal(label("x\xf0\x9f\x9a\x80y"), "x-y");
}

static void label_is_cut_so_the_whole_dns_label_fits_63(void **state)
{
	(void)state;
	char name[201];

	memset(name, 'A', 200);
	name[200] = '\0';
	assert_int_equal(strlen(label(name)), 54);
	assert_int_equal(strspn(label(name), "a"), 54);
	memset(name, 'b', 54);
	name[54] = '\0';
	assert_string_equal(label(name), name);
	/* Multi-byte characters count once each. */
	char wide[1 + 2 * 60 + 1] = "x";
	for (int i = 0; i < 60; i++)
		memcpy(wide + 1 + 2 * i, "\xc3\xa9", 3);
	assert_int_equal(strlen(label(wide)), 54);
	assert_int_equal(strspn(label(wide) + 1, "-"), 53);
}

static void assert_url(const char *url, const char *want_label, const char *domain)
{
	char pattern[512];
	regex_t re;

	snprintf(pattern, sizeof(pattern), "^https://%s-[0-9a-f]{8}\\.%s$", want_label, domain);
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, url, 0, NULL, 0) != 0)
		fail_msg("%s does not match %s", url, pattern);
	regfree(&re);
}

static void url_is_label_dash_eight_hex_dot_domain(void **state)
{
	(void)state;
	char url[PROJECT_URL_MAX], name[301];

	assert_int_equal(project_url_new("Shop Front", "example.app", url), ERR_OK);
	assert_url(url, "shop-front", "example\\.app");

	memset(name, 'z', 300);
	name[300] = '\0';
	assert_int_equal(project_url_new(name, "test.example", url), ERR_OK);
	const char *host = url + strlen("https://");
	assert_int_equal(strcspn(host, "."), 63);
	char want[55];
	memset(want, 'z', 54);
	want[54] = '\0';
	assert_url(url, want, "test\\.example");
}

static void url_suffix_comes_from_a_random_source(void **state)
{
	(void)state;
	char first[PROJECT_URL_MAX], url[PROJECT_URL_MAX];
	bool seen[8][16] = {{false}};

	assert_int_equal(project_url_new("p", "d.test", first), ERR_OK);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(project_url_new("p", "d.test", url), ERR_OK);
		assert_string_not_equal(url, first);
		for (int c = 0; c < 8; c++) {
			char h = url[strlen("https://p-") + c];
			seen[c][h <= '9' ? h - '0' : h - 'a' + 10] = true;
		}
	}
	/* Every position of the suffix varies: it is not a counter or a fixed pattern. */
	for (int c = 0; c < 8; c++) {
		int distinct = 0;
		for (int v = 0; v < 16; v++)
			distinct += seen[c][v];
		assert_true(distinct >= 4);
	}
}

static void url_that_cannot_fit_is_an_error(void **state)
{
	(void)state;
	char url[PROJECT_URL_MAX], domain[PROJECT_URL_MAX];

	memset(domain, 'd', sizeof(domain) - 1);
	domain[sizeof(domain) - 1] = '\0';
	assert_int_equal(project_url_new("p", domain, url), ERR_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(label_is_lowercase_with_everything_else_a_hyphen),
	    cmocka_unit_test(label_is_cut_so_the_whole_dns_label_fits_63),
	    cmocka_unit_test(url_is_label_dash_eight_hex_dot_domain),
	    cmocka_unit_test(url_suffix_comes_from_a_random_source),
	    cmocka_unit_test(url_that_cannot_fit_is_an_error),
	};
	return cmocka_run_group_tests_name("project: url", tests, NULL, NULL);
}
