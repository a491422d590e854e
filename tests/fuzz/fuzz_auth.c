/*
 * libFuzzer target: Authorization header handling. The first byte splits the input into the
 * header and the expected secret. Properties: never crashes; a credential is never empty and
 * holds no white space; equality agrees with strcmp.
 */
#include <string.h>

#include "auth.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t split = data[0] % (size);
	char *header = fuzz_cstring(data + 1, split ? split - 1 : 0);
	char *secret = fuzz_cstring(data + (split ? split : 1), size - (split ? split : 1));

	const char *cred = auth_credential(header);
	if (cred) {
		FUZZ_ASSERT(*cred != '\0');
		FUZZ_ASSERT(strpbrk(cred, " \t") == NULL);
		FUZZ_ASSERT(auth_secret_equal(cred, secret) ==
		            (strcmp(cred, secret) == 0 && *secret != '\0'));
	}
	FUZZ_ASSERT(auth_secret_equal(secret, secret) == (*secret != '\0'));
	free(header);
	free(secret);
	return 0;
}
