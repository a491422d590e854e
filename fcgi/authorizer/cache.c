/*
 * The verified-token cache: a fixed array indexed by the token's SHA-256, one entry per slot.
 * Only what a successful verification produced goes in, and only until the token expires.
 */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include "authorizer.h"

void token_cache_digest(const char *token, size_t len, unsigned char digest[TOKEN_DIGEST])
{
	SHA256((const unsigned char *)token, len, digest);
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
