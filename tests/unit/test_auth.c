/* common/auth.c: Authorization credentials and their constant-time comparison. */
#include <string.h>

#include "auth.h"
#include "unit.h"

static void credentials_bare_or_bearer(void **state)
{
	(void)state;
	assert_string_equal(auth_credential("s3cret"), "s3cret");
	assert_string_equal(auth_credential("Bearer s3cret"), "s3cret");
	assert_string_equal(auth_credential("bearer \t s3cret"), "s3cret");
	assert_string_equal(auth_credential("BEARER s3cret"), "s3cret");
	/* "Bearer" glued to the secret is a bare secret that happens to start so. */
	assert_string_equal(auth_credential("Bearers3cret"), "Bearers3cret");
	assert_null(auth_credential(NULL));
	assert_null(auth_credential(""));
	assert_null(auth_credential("Bearer "));
	assert_null(auth_credential("Bearer a b"));
	assert_null(auth_credential("Basic a b"));
}

static void equality_is_exact(void **state)
{
	(void)state;
	assert_true(auth_secret_equal("abc", "abc"));
	assert_false(auth_secret_equal("abd", "abc"));
	assert_false(auth_secret_equal("ab", "abc"));
	assert_false(auth_secret_equal("abcd", "abc"));
	assert_false(auth_secret_equal("", "abc"));
	assert_false(auth_secret_equal("", ""));
	assert_false(auth_secret_equal("ABC", "abc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(credentials_bare_or_bearer),
	    cmocka_unit_test(equality_is_exact),
	};
	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
