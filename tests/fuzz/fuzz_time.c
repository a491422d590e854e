/*
 * libFuzzer target: RFC 3339 parsing. Properties: never crashes, and whatever parses formats
 * back to a timestamp that parses to the same millisecond.
 */
#include "fuzz.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size), out[32];
	int64_t us, again;

	if (parse_rfc3339(s, &us) == 0) {
		format_rfc3339_ms(us, out);
		FUZZ_ASSERT(parse_rfc3339(out, &again) == 0);
		int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
		FUZZ_ASSERT(again == ms * 1000);
	}
	free(s);
	return 0;
}
