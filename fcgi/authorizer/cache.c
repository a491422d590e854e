/*
 * The verified-token cache: a fixed array indexed by the token's SHA-256, one entry per slot.
 * Only what a successful verification produced goes in, and only until the token expires.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "authorizer.h"
#include "log.h"

/*
 * SHA-256 with the algorithm fetched once per process: OpenSSL 3's one-shot SHA256() fetches
 * it by name on every call (a lock and a lookup in the provider's name map), which was most of
 * what libcrypto cost a cache hit under load (perf of the pool behind lighttpd).
 */
void token_cache_digest(const char *token, size_t len, unsigned char digest[TOKEN_DIGEST])
{
	static EVP_MD *sha256;
	static EVP_MD_CTX *ctx;
	unsigned int n = 0;

	if (!ctx) {
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		ctx = EVP_MD_CTX_new();
		if (!sha256 || !ctx) {
			log_error("%s", "libcrypto has no SHA-256");
			abort();
		}
	}
	if (!EVP_DigestInit_ex2(ctx, sha256, NULL) || !EVP_DigestUpdate(ctx, token, len) ||
	    !EVP_DigestFinal_ex(ctx, digest, &n) || n != TOKEN_DIGEST) {
		log_error("%s", "SHA-256 failed");
		abort();
	}
}

static struct token_cache_entry *slot(struct token_cache *c,
                                      const unsigned char digest[TOKEN_DIGEST])
{
	return &c->slots[((size_t)digest[0] << 8 | digest[1]) % TOKEN_CACHE_SLOTS];
}

const struct token_cache_entry *
token_cache_get(struct token_cache *c, const unsigned char digest[TOKEN_DIGEST], int64_t now)
{
	struct token_cache_entry *e = slot(c, digest);

	if (e->valid_until == 0 || CRYPTO_memcmp(e->digest, digest, TOKEN_DIGEST) != 0) {
		c->misses++;
		return NULL;
	}
	if (now >= e->valid_until) {
		memset(e, 0, sizeof(*e));
		c->misses++;
		return NULL;
	}
	c->hits++;
	return e;
}

void token_cache_put(struct token_cache *c, const unsigned char digest[TOKEN_DIGEST],
                     const struct jwt_claims *claims, int64_t valid_until)
{
	struct token_cache_entry *e = slot(c, digest);

	memcpy(e->digest, digest, TOKEN_DIGEST);
	e->valid_until = valid_until;
	e->perms = claims->perms;
	memcpy(e->sub, claims->sub, sizeof(e->sub));
}

void token_cache_clear(struct token_cache *c)
{
	memset(c->slots, 0, sizeof(c->slots));
}
