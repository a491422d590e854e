/* common/signature.c: Standard Webhooks signatures, their headers and the tolerance window. */
#include <openssl/evp.h>
#include <string.h>

#include "signature.h"
#include "unit.h"

/*
 * The Standard Webhooks specification's published vector (its libraries' "sign" tests): secret
 * whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whose base64 part decodes to the HMAC key; our
 * keys are app secrets taken as their UTF-8 bytes, so this checks the HMAC layer.
 */
#define VECTOR_KEY_B64 "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VECTOR_ID      "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VECTOR_TS      "1614265330"
#define VECTOR_BODY    "{\"test\": 2432232314}"
#define VECTOR_SIG     "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
enum { VECTOR_NOW = 1614265330 };

static size_t vector_key(unsigned char key[32])
{
	unsigned char raw[33];
	int n = EVP_DecodeBlock(raw, (const unsigned char *)VECTOR_KEY_B64,
	                        (int)strlen(VECTOR_KEY_B64));
	assert_int_equal(n, 24); /* 32 base64 characters without padding: 24 bytes */
	memcpy(key, raw, 24);
	return 24;
}

static struct signature_delivery vector_delivery(const char *signature)
{
	return (struct signature_delivery){VECTOR_ID, VECTOR_TS, signature, VECTOR_BODY,
	                                   strlen(VECTOR_BODY)};
}

static void the_specs_vector(void **state)
{
	(void)state;
	unsigned char key[32];
	size_t key_len = vector_key(key);
	char sig[SIGNATURE_LEN + 1];

	assert_true(signature_compute(key, key_len, VECTOR_ID, VECTOR_TS, VECTOR_BODY,
	                              strlen(VECTOR_BODY), sig));
	assert_string_equal(sig, VECTOR_SIG);

	struct signature_delivery d = vector_delivery("v1," VECTOR_SIG);
	int64_t ts = 0;
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, &ts), SIGNATURE_OK);
	assert_int_equal(ts, 1614265330);
}

/* Over the raw body: one byte, or white space a JSON parser would not see, breaks it. */
static void the_raw_body_is_signed(void **state)
{
	(void)state;
	unsigned char key[32];
	size_t key_len = vector_key(key);
	struct signature_delivery d = vector_delivery("v1," VECTOR_SIG);
	const char *bodies[] = {"{\"test\": 2432232315}", "{\"test\":2432232314}",
	                        "{\"test\": 2432232314} ", "{\"test\": 2432232314}\n", ""};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		d.body = bodies[i];
		d.body_len = strlen(bodies[i]);
		assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL),
		                 SIGNATURE_NO_MATCH);
	}
	/* The id and the timestamp are signed too. */
	d = vector_delivery("v1," VECTOR_SIG);
	d.id = "msg_p5jXN8AQM9LWM0D4loKWxJeK";
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL), SIGNATURE_NO_MATCH);
	d = vector_delivery("v1," VECTOR_SIG);
	d.timestamp = "1614265331";
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL), SIGNATURE_NO_MATCH);
	/* Bytes after a NUL count: the length, not strlen, says where the body ends. */
	d = vector_delivery("v1," VECTOR_SIG);
	d.body = VECTOR_BODY "\0x";
	d.body_len = strlen(VECTOR_BODY) + 2;
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL), SIGNATURE_NO_MATCH);
}

/* Our keys: the app secret's UTF-8 bytes, compared with what openssl dgst -hmac computes. */
static void app_secrets_are_keys_as_bytes(void **state)
{
	(void)state;
	char sig[SIGNATURE_LEN + 1];
	/* printf '%s' 'msg_1.1700000000.{"id": 1, "status": "done"}' |
	 *   openssl dgst -sha256 -hmac 's3cret-é' -binary | base64 */
	assert_true(signature_compute("s3cret-\xc3\xa9", 9, "msg_1", "1700000000",
	                              "{\"id\": 1, \"status\": \"done\"}", 27, sig));
	assert_string_equal(sig, "IyGE7AjnWBEeclVGAf1piJfmNvw00o+AVdnoOIxNjEM=");
	/* An empty key signs nothing. */
	assert_false(signature_compute("", 0, "msg_1", "1700000000", "{}", 2, sig));
	struct signature_delivery d = {"msg_1", "1700000000", "v1,x", "{}", 2};
	assert_int_equal(signature_verify("", 0, &d, 1700000000, NULL), SIGNATURE_NO_MATCH);
}

static void any_v1_entry_may_match(void **state)
{
	(void)state;
	unsigned char key[32];
	size_t key_len = vector_key(key);
	const char *accepted[] = {
	    "v1," VECTOR_SIG,
	    "v1," VECTOR_SIG " v1," VECTOR_SIG,
	    "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1," VECTOR_SIG,
	    "v1," VECTOR_SIG " v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+"
	    "m7TBAg== v1," VECTOR_SIG,
	    "v2,whatever v1,short  v1," VECTOR_SIG "   ",
	    "  v1," VECTOR_SIG,
	};
	const char *refused[] = {
	    "",
	    "   ",
	    VECTOR_SIG,
	    "v1" VECTOR_SIG,
	    "v2," VECTOR_SIG,
	    "V1," VECTOR_SIG,
	    "v1a," VECTOR_SIG,
	    "v1,," VECTOR_SIG,
	    "v1, " VECTOR_SIG,
	    "v1," VECTOR_SIG "x",
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=",
	    "v1,G0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,BBBB v2," VECTOR_SIG,
	    "v1\t" VECTOR_SIG,
	};

	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		struct signature_delivery d = vector_delivery(accepted[i]);
		if (signature_verify(key, key_len, &d, VECTOR_NOW, NULL) != SIGNATURE_OK)
			fail_msg("refused: '%s'", accepted[i]);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct signature_delivery d = vector_delivery(refused[i]);
		if (signature_verify(key, key_len, &d, VECTOR_NOW, NULL) != SIGNATURE_NO_MATCH)
			fail_msg("accepted: '%s'", refused[i]);
	}
	struct signature_delivery d = vector_delivery(NULL);
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL), SIGNATURE_NO_MATCH);
}

/* Five minutes either way, inclusive; one second more is refused, before the signature. */
static void the_tolerance_window(void **state)
{
	(void)state;
	unsigned char key[32];
	size_t key_len = vector_key(key);
	struct signature_delivery d = vector_delivery("v1," VECTOR_SIG);
	const struct {
		int64_t now;
		enum signature_result want;
	} cases[] = {
	    {VECTOR_NOW + 299, SIGNATURE_OK            },
	    {VECTOR_NOW + 300, SIGNATURE_OK            },
	    {VECTOR_NOW + 301, SIGNATURE_OUTSIDE_WINDOW},
	    {VECTOR_NOW - 299, SIGNATURE_OK            },
	    {VECTOR_NOW - 300, SIGNATURE_OK            },
	    {VECTOR_NOW - 301, SIGNATURE_OUTSIDE_WINDOW},
	    {0,	        SIGNATURE_OUTSIDE_WINDOW},
	    {INT64_MAX / 2,    SIGNATURE_OUTSIDE_WINDOW},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(signature_verify(key, key_len, &d, cases[i].now, NULL),
		                 cases[i].want);
	/* The window is judged before the signature: a stale one never reaches the HMAC. */
	d = vector_delivery("v1,nope");
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW + 301, NULL),
	                 SIGNATURE_OUTSIDE_WINDOW);
}

static void timestamps_are_digits_only(void **state)
{
	(void)state;
	int64_t ts = -1;
	const char *bad[] = {"",
	                     "hello",
	                     "-5",
	                     "+5",
	                     " 1614265330",
	                     "1e9",
	                     "1614265330 ",
	                     "16142.6",
	                     "0x10",
	                     "1614265330.5",
	                     "1234567890123",
	                     "９"};

	assert_true(signature_timestamp_parse("0", &ts));
	assert_int_equal(ts, 0);
	assert_true(signature_timestamp_parse("000001614265330", &ts) == false);
	assert_true(signature_timestamp_parse("999999999999", &ts));
	assert_int_equal(ts, 999999999999);
	assert_true(signature_timestamp_parse("01614265330", &ts));
	assert_int_equal(ts, 1614265330);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (signature_timestamp_parse(bad[i], &ts))
			fail_msg("accepted '%s'", bad[i]);
	assert_false(signature_timestamp_parse(NULL, &ts));

	unsigned char key[32];
	size_t key_len = vector_key(key);
	struct signature_delivery d = vector_delivery("v1," VECTOR_SIG);
	d.timestamp = "1614265330.0";
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL),
	                 SIGNATURE_BAD_TIMESTAMP);
	d.timestamp = NULL;
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL),
	                 SIGNATURE_BAD_TIMESTAMP);
}

static void ids_are_bounded_printable_and_without_dots(void **state)
{
	(void)state;
	char longest[SIGNATURE_ID_MAX + 2];

	assert_true(signature_id_valid("msg_p5jXN8AQM9LWM0D4loKWxJek"));
	assert_true(signature_id_valid("x"));
	assert_true(signature_id_valid("a-b_c:d/e~!"));
	memset(longest, 'a', SIGNATURE_ID_MAX);
	longest[SIGNATURE_ID_MAX] = '\0';
	assert_true(signature_id_valid(longest));
	longest[SIGNATURE_ID_MAX] = 'a';
	longest[SIGNATURE_ID_MAX + 1] = '\0';
	assert_false(signature_id_valid(longest));
	const char *bad[] = {"", "msg.1", ".", "msg 1", "msg\t1", "msg\x7f", "\xc3\xa9"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (signature_id_valid(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
	assert_false(signature_id_valid(NULL));

	unsigned char key[32];
	size_t key_len = vector_key(key);
	struct signature_delivery d = vector_delivery("v1," VECTOR_SIG);
	d.id = "msg.p5jXN8AQM9LWM0D4loKWxJek";
	assert_int_equal(signature_verify(key, key_len, &d, VECTOR_NOW, NULL), SIGNATURE_BAD_ID);
}

static void entries_split_on_spaces_and_the_first_comma(void **state)
{
	(void)state;
	const char *h = "  v1,abc=  v1a,x,y novalue v2, ";
	struct signature_entry e;

	assert_true(signature_entry_next(&h, &e));
	assert_int_equal(e.version_len, 2);
	assert_memory_equal(e.version, "v1", 2);
	assert_int_equal(e.value_len, 4);
	assert_memory_equal(e.value, "abc=", 4);
	assert_true(signature_entry_next(&h, &e));
	assert_memory_equal(e.version, "v1a", 3);
	assert_int_equal(e.value_len, 3);
	assert_memory_equal(e.value, "x,y", 3);
	assert_true(signature_entry_next(&h, &e));
	assert_false(e.has_comma);
	assert_int_equal(e.version_len, 7);
	assert_int_equal(e.value_len, 0);
	assert_true(signature_entry_next(&h, &e));
	assert_true(e.has_comma);
	assert_int_equal(e.version_len, 2);
	assert_int_equal(e.value_len, 0);
	assert_false(signature_entry_next(&h, &e));
	assert_false(signature_entry_next(&h, &e));
}

static void messages_name_the_part_that_failed(void **state)
{
	(void)state;
	assert_non_null(strstr(signature_result_message(SIGNATURE_OUTSIDE_WINDOW),
	                       "timestamp outside the tolerance window"));
	assert_string_equal(signature_result_message(SIGNATURE_NO_MATCH), "no signature matches");
	assert_non_null(
	    strstr(signature_result_message(SIGNATURE_BAD_TIMESTAMP), "webhook-timestamp"));
	assert_non_null(strstr(signature_result_message(SIGNATURE_BAD_ID), "webhook-id"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_specs_vector),
	    cmocka_unit_test(the_raw_body_is_signed),
	    cmocka_unit_test(app_secrets_are_keys_as_bytes),
	    cmocka_unit_test(any_v1_entry_may_match),
	    cmocka_unit_test(the_tolerance_window),
	    cmocka_unit_test(timestamps_are_digits_only),
	    cmocka_unit_test(ids_are_bounded_printable_and_without_dots),
	    cmocka_unit_test(entries_split_on_spaces_and_the_first_comma),
	    cmocka_unit_test(messages_name_the_part_that_failed),
	};
	return cmocka_run_group_tests_name("signature", tests, NULL, NULL);
}
