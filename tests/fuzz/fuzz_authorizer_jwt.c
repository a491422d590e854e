/*
 * libFuzzer target: the JWT verifier and the JWKS parser (fcgi/authorizer/jwt.c, jwks.c).
 * The first byte picks what the rest is:
 *   0: a compact token, verified against keys made at start (rsa-1, ec-1). Property: never
 *      accepted, since nobody outside this process holds the private keys.
 *   1: a header and claims text (split at the first newline) that this target signs with ec-1
 *      itself, so the claims checks are reached. Property: an accepted token has a usable sub
 *      and an exp, whatever the claims held.
 *   2: a JWKS document. Property: parsing adds at most JWT_MAX_KEYS keys, each with a kid.
 *   3: base64url. Property: what decodes encodes back to the same text (one spelling only).
 * Properties common to all: no crash, no leak, no undefined behaviour.
 */
#include <string.h>

#include "fuzz.h"
#include "jwt.h"
#include "mint.h"

static struct mint_key rsa1, ec1;
static struct jwt_keyset keys;
static const struct jwt_policy policy = {"https://issuer.example/", "https://api.example", 30};
#define NOW ((int64_t)1900000000)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256];
	size_t skipped;
	mint_key_new(&rsa1, MINT_RSA, "rsa-1");
	mint_key_new(&ec1, MINT_EC, "ec-1");
	const struct mint_key *both[] = {&rsa1, &ec1};
	char *doc = mint_jwks(both, 2);
	if (jwt_keyset_add_jwks(&keys, doc, strlen(doc), &skipped, err, sizeof(err)) || keys.n != 2)
		abort();
	free(doc);
	return 0;
}

static void check_claims(const struct jwt_claims *c)
{
	size_t n = strlen(c->sub);
	FUZZ_ASSERT(n > 0 && n <= JWT_MAX_SUB);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(c->sub[i] > 0x20 && c->sub[i] < 0x7f);
	FUZZ_ASSERT(strcmp(c->sub, JWT_RESERVED_SUB) != 0);
	FUZZ_ASSERT(NOW < c->exp + policy.leeway);
	FUZZ_ASSERT((c->perms & ~(unsigned)(JWT_PERM_READ | JWT_PERM_WRITE)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_claims claims;
	if (size < 1)
		return 0;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	switch (data[0] % 4) {
	case 0: FUZZ_ASSERT(jwt_verify(in, len, &keys, &policy, NOW, &claims) != JWT_OK); break;
	case 1: {
		const char *nl = memchr(in, '\n', len);
		if (!nl)
			break;
		char *header = fuzz_cstring((const uint8_t *)in, (size_t)(nl - in));
		char *body = fuzz_cstring((const uint8_t *)nl + 1, len - (size_t)(nl - in) - 1);
		char *token = mint_jws(header, body, "ES256", &ec1, NULL, 0);
		if (jwt_verify(token, strlen(token), &keys, &policy, NOW, &claims) == JWT_OK)
			check_claims(&claims);
		free(token);
		free(header);
		free(body);
		break;
	}
	case 2: {
		struct jwt_keyset set = {0};
		char err[256] = "";
		size_t skipped;
		if (jwt_keyset_add_jwks(&set, in, len, &skipped, err, sizeof(err)) == 0) {
			FUZZ_ASSERT(set.n <= JWT_MAX_KEYS);
			for (size_t i = 0; i < set.n; i++)
				FUZZ_ASSERT(set.keys[i].kid[0] && set.keys[i].pkey);
		} else {
			FUZZ_ASSERT(set.n == 0 && err[0]);
		}
		jwt_keyset_clear(&set);
		break;
	}
	default: {
		unsigned char out[4096];
		char back[8192];
		long n = jwt_b64url_decode(in, len, out, sizeof(out));
		if (n >= 0) {
			FUZZ_ASSERT(jwt_b64url_encode(out, (size_t)n, back, sizeof(back)) == len);
			FUZZ_ASSERT(memcmp(back, in, len) == 0);
		}
		break;
	}
	}
	return 0;
}
