/*
 * Authorization header parsing and constant-time comparison. No knowledge of which secret is
 * whose: callers fetch the expected secret themselves.
 */
#include "auth.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

const char *auth_credential(const char *header)
{
	if (!header)
		return NULL;
	header += strspn(header, " \t");
	if (strncasecmp(header, "Bearer", 6) == 0 && (header[6] == ' ' || header[6] == '\t'))
		header += 6 + strspn(header + 6, " \t");
	size_t len = strcspn(header, " \t");
	if (len == 0 || header[len + strspn(header + len, " \t")] != '\0')
		return NULL;
	if (header[len] != '\0')
		return NULL;
	return header;
}

bool auth_secret_equal(const char *presented, const char *expected)
{
	size_t plen = strlen(presented), elen = strlen(expected);
	/* Differences accumulate without branching; the loop runs over the secret's length. */
	volatile uint8_t diff = (uint8_t)(plen != elen);

	for (size_t i = 0; i < elen; i++) {
		uint8_t p = i < plen ? (uint8_t)presented[i] : 0;
		diff |= p ^ (uint8_t)expected[i];
	}
	return elen > 0 && diff == 0;
}
