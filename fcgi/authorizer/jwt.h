/*
 * JSON Web Tokens as OAuth access tokens (RFC 7519, RFC 7515, RFC 8725), verified with
 * libcrypto: strict base64url, the JOSE header, a JWKS (RFC 7517) turned into public keys,
 * RS256 and ES256 signatures, and the claims an API must check. Pure functions of their inputs
 * (the time is a parameter): no network, no files, no process state, so every attack on a
 * verifier is a unit test (tests/unit/test_authorizer_jwt.c) and a fuzz target.
 */
#ifndef AUTHORIZER_JWT_H
#define AUTHORIZER_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits: anything larger is refused before it is decoded or parsed. */
enum {
	JWT_MAX_TOKEN = 8192,    /* bytes of the compact form */
	JWT_MAX_HEADER = 1024,   /* decoded bytes of the JOSE header */
	JWT_MAX_CLAIMS = 6144,   /* decoded bytes of the claims (all 8 KiB of base64url holds) */
	JWT_MAX_SIGNATURE = 512, /* decoded bytes of a signature (RSA 4096) */
	JWT_MAX_KID = 128,       /* bytes of a key id */
	JWT_MAX_SUB = 255,       /* bytes of a subject */
	JWT_MAX_AUD = 16,        /* entries of an audience array */
	JWT_MAX_KEYS = 32,       /* keys kept from a JWKS */
	JWKS_MAX_BYTES = 65536,  /* bytes of a JWKS document */
	JWT_MIN_RSA_BITS = 2048,
	JWT_MAX_RSA_BITS = 4096,
};

/*
 * Decodes base64url without padding (RFC 7515 section 2): only A-Za-z0-9-_, a length that is
 * not 1 mod 4, and zero unused bits in the last character, so each byte string has exactly one
 * accepted spelling. Writes at most cap bytes into out. Returns the decoded length or -1.
 */
long jwt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap);

/* Appends the base64url form of data (no padding) to out, NUL-terminated; returns its length. */
size_t jwt_b64url_encode(const unsigned char *data, size_t len, char *out, size_t cap);

/* The signature algorithms a key may have. A key has exactly one; a token never chooses it. */
enum jwt_alg { JWT_RS256, JWT_ES256 };

struct evp_pkey_st;

struct jwt_key {
	char kid[JWT_MAX_KID + 1];
	enum jwt_alg alg;         /* fixed by the key: an RSA key is RS256, a P-256 key ES256 */
	struct evp_pkey_st *pkey; /* owned */
};

struct jwt_keyset {
	struct jwt_key keys[JWT_MAX_KEYS];
	size_t n;
};

/*
 * Adds the usable keys of a JWKS document ({"keys": [...]}) to set. A key is usable when it is
 * RSA (2048 to 4096 bits) or EC P-256, has a kid not already in set, no "use" but "sig", no
 * "key_ops" without "verify", and no "alg" but its own (RS256, ES256). Other keys are skipped
 * and counted in *skipped (a JWKS may hold encryption keys). A document that is not such JSON,
 * or a key that claims to be usable but is malformed, is an error: returns -1 with a message in
 * err and leaves set as it was. Returns 0.
 */
int jwt_keyset_add_jwks(struct jwt_keyset *set, const char *doc, size_t len, size_t *skipped,
                        char *err, size_t errlen);

/* The key named kid, or NULL (borrowed from set). */
const struct jwt_key *jwt_keyset_find(const struct jwt_keyset *set, const char *kid);

/* Frees the keys; the set stays usable (empty). */
void jwt_keyset_clear(struct jwt_keyset *set);

/* What the API checks beyond the signature. */
struct jwt_policy {
	const char *issuer;   /* iss must equal it exactly */
	const char *audience; /* must be aud, or one of the strings of aud */
	int64_t leeway;       /* seconds of clock skew allowed on exp, nbf and iat */
};

/* Permissions an access token may carry, from "permissions" or "scope". */
enum { JWT_PERM_READ = 1, JWT_PERM_WRITE = 2 };
#define JWT_PERM_READ_NAME  "read:projects"
#define JWT_PERM_WRITE_NAME "write:deployments"

/* A subject that would be mistaken for the static token's caller in logs and events. */
#define JWT_RESERVED_SUB "api-token"

struct jwt_claims {
	char sub[JWT_MAX_SUB + 1]; /* printable ASCII, no spaces */
	char kid[JWT_MAX_KID + 1]; /* the key that signed the token */
	int64_t exp;
	unsigned perms; /* JWT_PERM_* */
};

enum jwt_status {
	JWT_OK,
	JWT_MALFORMED,      /* not three base64url parts of JSON objects, or over a limit */
	JWT_UNSUPPORTED,    /* an alg other than RS256/ES256 (none, HS256...), crit, jku, jwk... */
	JWT_UNKNOWN_KID,    /* no key has the token's kid (the caller may refresh and retry) */
	JWT_ALG_MISMATCH,   /* the token's alg is not its key's */
	JWT_BAD_SIGNATURE,  /* the signature does not verify with the key */
	JWT_BAD_CLAIMS,     /* a claim missing or of the wrong shape, or an unusable sub */
	JWT_WRONG_ISSUER,   /* iss */
	JWT_WRONG_AUDIENCE, /* aud */
	JWT_EXPIRED,        /* exp + leeway is past */
	JWT_NOT_YET_VALID,  /* nbf or iat is later than now + leeway */
};

/* A short description of a status for logs ("expired", "bad signature"...); static. */
const char *jwt_status_text(enum jwt_status st);

/*
 * Verifies the compact token (len bytes, which may hold anything, NUL included) against keys
 * and policy at time now (Unix seconds). In order: the size and shape, the header (its alg must
 * be RS256 or ES256, its kid names a key of keys, and its alg must be that key's), the
 * signature over the first two parts as received, and only then the claims: iss, aud, exp
 * (required), nbf and iat (optional), sub (required), permissions. Fills claims on JWT_OK (and
 * claims->kid from JWT_UNKNOWN_KID on, so the caller may refresh its keys and try again).
 */
enum jwt_status jwt_verify(const char *token, size_t len, const struct jwt_keyset *keys,
                           const struct jwt_policy *policy, int64_t now, struct jwt_claims *claims);

#endif
