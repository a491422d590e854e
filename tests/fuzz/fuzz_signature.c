/*
 * libFuzzer target: the webhook-* header parsers (common/signature.c). The input is a header
 * value. Properties: never crashes; entries are never empty, hold no space and, put back
 * together, are the header without its spaces; a header matches exactly when one of its
 * space-separated tokens is "v1," followed by the expected signature; a timestamp parses
 * exactly when it is 1 to 12 digits, to its decimal value; an id is valid exactly when it is
 * 1 to 255 characters of 0x21-0x7e other than '.'.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "signature.h"

#define EXPECTED "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

/* The reference: strtok over spaces, an exact comparison of each token. */
static bool reference_matches(const char *header)
{
	char *copy = strdup(header), *save = NULL;
	bool found = false;
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		found |= strcmp(t, "v1," EXPECTED) == 0;
	free(copy);
	return found;
}

static void check_entries(const char *header)
{
	size_t n = strlen(header), joined = 0;
	char *rest = malloc(n + 1);
	const char *cursor = header;
	struct signature_entry e;

	for (size_t i = 0; i < n; i++)
		if (header[i] != ' ')
			rest[joined++] = header[i];
	rest[joined] = '\0';
	joined = 0;
	while (signature_entry_next(&cursor, &e)) {
		size_t len = e.version_len + (e.has_comma ? 1 + e.value_len : 0);
		FUZZ_ASSERT(len > 0);
		FUZZ_ASSERT(memchr(e.version, ' ', len) == NULL);
		FUZZ_ASSERT(e.has_comma == (memchr(e.version, ',', len) != NULL));
		FUZZ_ASSERT(!e.has_comma || e.value == e.version + e.version_len + 1);
		FUZZ_ASSERT(memcmp(rest + joined, e.version, len) == 0);
		joined += len;
	}
	FUZZ_ASSERT(rest[joined] == '\0');
	FUZZ_ASSERT(*cursor == '\0');
	free(rest);
}

static void check_timestamp(const char *text)
{
	size_t n = strlen(text);
	bool digits =
	    n >= 1 && n <= SIGNATURE_TIMESTAMP_DIGITS_MAX && strspn(text, "0123456789") == n;
	int64_t ts = -1;

	FUZZ_ASSERT(signature_timestamp_parse(text, &ts) == digits);
	if (digits)
		FUZZ_ASSERT(ts == strtoll(text, NULL, 10));
}

static void check_id(const char *id)
{
	size_t n = strlen(id);
	bool ok = n >= 1 && n <= SIGNATURE_ID_MAX;
	for (size_t i = 0; i < n; i++)
		ok &= (unsigned char)id[i] >= 0x21 && (unsigned char)id[i] <= 0x7e && id[i] != '.';
	FUZZ_ASSERT(signature_id_valid(id) == ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = fuzz_cstring(data, size);

	check_entries(header);
	FUZZ_ASSERT(signature_header_matches(header, EXPECTED) == reference_matches(header));
	check_timestamp(header);
	check_id(header);

	/* The whole verification on hostile headers: it decides, never crashes. */
	struct signature_delivery d = {header, header, header, data, size};
	enum signature_result r = signature_verify("k", 1, &d, 1700000000, NULL);
	FUZZ_ASSERT(r != SIGNATURE_OK && r != SIGNATURE_FAILED);
	free(header);
	return 0;
}
