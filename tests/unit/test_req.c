/* common/req.c: what handlers ask of a request (its Idempotency-Key). */
#include <string.h>

#include "req.h"
#include "resp.h"
#include "unit.h"

static enum err key_check(const char *key)
{
	struct req req = {.idempotency_key = key};
	struct resp resp = {0};
	const char *out;
	enum err rc = req_idempotency_key(&req, &out, &resp);
	if (!rc)
		assert_ptr_equal(out, key);
	return rc;
}

static void idempotency_keys_are_1_to_255_visible_ascii(void **state)
{
	(void)state;
	char key[300];

	assert_int_equal(key_check(NULL), ERR_OK);
	assert_int_equal(key_check("0b1c7e5e-3f0a-4ad6-9a7e-0c6c2b8a4f11"), ERR_OK);
	for (int c = 0x21; c <= 0x7e; c++) {
		key[0] = (char)c, key[1] = '\0';
		assert_int_equal(key_check(key), ERR_OK);
	}
	memset(key, 'k', 255);
	key[255] = '\0';
	assert_int_equal(key_check(key), ERR_OK);
	key[255] = 'k', key[256] = '\0';
	assert_int_equal(key_check(key), ERR_BAD_REQUEST);
	const char *bad[] = {"", " ", "a b", "a\tb", "\x7f", "caf\xc3\xa9", "\x1f", "key\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(key_check(bad[i]), ERR_BAD_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(idempotency_keys_are_1_to_255_visible_ascii),
	};
	return cmocka_run_group_tests_name("req", tests, NULL, NULL);
}
