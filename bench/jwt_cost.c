/*
 * make bench: what a JWT costs the authorizer, per request, without the network. Times
 * jwt_verify() on an Auth0-shaped RS256 token and on an ES256 one (what every request would pay
 * without the cache, and what a new token pays once), and the cache's path for a token it
 * knows (SHA-256 of the token, one slot compared). Prints one line bench/run reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authorizer.h"
#include "mint.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The best of five runs of rounds verifications of token, in microseconds each. */
static double verify_us(const char *token, const struct jwt_keyset *keys,
                        const struct jwt_policy *policy, int64_t now, int rounds)
{
	struct jwt_claims claims;
	double best = 1e18;
	for (int run = 0; run < 5; run++) {
		double t0 = now_ns();
		for (int i = 0; i < rounds; i++)
			if (jwt_verify(token, strlen(token), keys, policy, now, &claims) != JWT_OK)
				abort();
		double per = (now_ns() - t0) / rounds / 1000;
		best = per < best ? per : best;
	}
	return best;
}

int main(void)
{
	static struct token_cache cache;
	const struct jwt_policy policy = {"https://tenant.eu.auth0.com/", "https://panel/api", 30};
	struct mint_key rsa, ec;
	struct jwt_keyset keys = {0};
	struct jwt_claims claims;
	unsigned char digest[TOKEN_DIGEST];
	char err[256];
	size_t skipped;
	int64_t now = (int64_t)time(NULL);

	mint_key_new(&rsa, MINT_RSA, "rsa");
	mint_key_new(&ec, MINT_EC, "ec");
	const struct mint_key *both[] = {&rsa, &ec};
	char *doc = mint_jwks(both, 2);
	if (jwt_keyset_add_jwks(&keys, doc, strlen(doc), &skipped, err, sizeof(err)))
		abort();
	/* The claims of an Auth0 access token with RBAC permissions. */
	json_t *c = mint_claims(policy.issuer, policy.audience, "auth0|64b7f0c2a1e3d5f6a7b8c9d0",
	                        now, 86400);
	json_object_set_new(
	    c, "aud", json_pack("[s, s]", policy.audience, "https://tenant.eu.auth0.com/userinfo"));
	json_object_set_new(c, "azp", json_string("x1Yz2AbCdEfGhIjKlMnOpQrStUvWx3Yz"));
	json_object_set_new(c, "scope", json_string("openid profile email"));
	json_object_set_new(c, "permissions",
	                    json_pack("[s, s]", "read:projects", "write:deployments"));
	char *rs256 = mint_token(&rsa, c), *es256 = mint_token(&ec, c);

	double rs_us = verify_us(rs256, &keys, &policy, now, 2000);
	double es_us = verify_us(es256, &keys, &policy, now, 1000);

	enum { HITS = 200000 };
	if (jwt_verify(rs256, strlen(rs256), &keys, &policy, now, &claims) != JWT_OK)
		abort();
	token_cache_digest(rs256, strlen(rs256), digest);
	token_cache_put(&cache, digest, &claims, claims.exp + policy.leeway);
	double best = 1e18;
	for (int run = 0; run < 5; run++) {
		double t0 = now_ns();
		for (int i = 0; i < HITS; i++) {
			token_cache_digest(rs256, strlen(rs256), digest);
			if (!token_cache_get(&cache, digest, now))
				abort();
		}
		double per = (now_ns() - t0) / HITS / 1000;
		best = per < best ? per : best;
	}
	printf("JWT token_bytes=%zu rs256_us=%.1f es256_us=%.1f cache_hit_us=%.2f\n", strlen(rs256),
	       rs_us, es_us, best);

	free(rs256);
	free(es256);
	free(doc);
	json_decref(c);
	jwt_keyset_clear(&keys);
	mint_key_free(&rsa);
	mint_key_free(&ec);
	return 0;
}
