/*
 * Test-only token minting: RSA and P-256 keys made with libcrypto, their JWKS, and tokens
 * signed with any header, any claims and any algorithm (RS256, ES256, HS256 with any secret,
 * none), so the tests can forge every classic attack on a verifier. Used by the unit tests, the
 * end-to-end suites, the fuzzer's seeds, make bench and tests/jwt/jwt-mint.c. Failures abort:
 * this is test infrastructure.
 */
#ifndef TESTS_MINT_H
#define TESTS_MINT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum mint_type { MINT_RSA, MINT_EC };

struct mint_key {
	char kid[64];
	enum mint_type type;
	struct evp_pkey_st *pkey; /* the private key; owned */
};

/* A new key: RSA 2048 bits or P-256. */
void mint_key_new(struct mint_key *k, enum mint_type type, const char *kid);
/* The key in a PEM file (PKCS#8 private key), written or read; the kid is given. */
void mint_key_save(const struct mint_key *k, const char *path);
void mint_key_load(struct mint_key *k, const char *path, const char *kid);
void mint_key_free(struct mint_key *k);

/* The public JWK of a key: kty, kid, use "sig", alg, and n/e or crv/x/y. New reference. */
json_t *mint_jwk(const struct mint_key *k);
/* A JWKS document of n keys, as text (malloc'd). */
char *mint_jwks(const struct mint_key *const *keys, size_t n);
/* The public key as PEM text (malloc'd): what the HS256 confusion attack uses as the secret. */
char *mint_public_pem(const struct mint_key *k);

/* The JOSE algorithm of a key: "RS256" or "ES256". */
const char *mint_alg(const struct mint_key *k);

/*
 * Signs base64url(header) "." base64url(claims) with alg: "RS256" or "ES256" with key, "HS256"
 * with secret (secret_len bytes), "none" with nothing (an empty signature). The texts are used
 * byte for byte. Returns the compact token (malloc'd).
 */
char *mint_jws(const char *header, const char *claims, const char *alg, const struct mint_key *key,
               const void *secret, size_t secret_len);

/* A token as an issuer signs it: {"alg": <key's>, "typ": "JWT", "kid": <kid>} over claims. */
char *mint_token(const struct mint_key *key, const json_t *claims);

/* "Bearer <token>": the Authorization value that carries token (malloc'd). */
char *mint_bearer(const char *token);

/* The usual claims: iss, aud (a string), sub, iat = now, exp = now + ttl. New reference. */
json_t *mint_claims(const char *iss, const char *aud, const char *sub, int64_t now, int64_t ttl);

#endif
