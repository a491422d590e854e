/*
 * fcgi/authorizer/jwt.c and jwks.c: the verifier against every classic JWT attack, with keys
 * and tokens made here (tests/jwt/mint.c) and the time fixed, so each case is exact: the
 * leeway edges to the second, and the reason each forged token is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "mint.h"
#include "unit.h"

#define ISS "https://tenant.example.auth0.com/"
#define AUD "https://panel.example/api"
#define NOW ((int64_t)1900000000)

/* rsa1, ec1 and rsa2 are in the JWKS; evil and ec2 are not. */
static struct mint_key rsa1, ec1, rsa2, evil, ec2;
static struct jwt_keyset keys;
static const struct jwt_policy policy = {ISS, AUD, 30};

static int setup(void **state)
{
	(void)state;
	mint_key_new(&rsa1, MINT_RSA, "rsa-1");
	mint_key_new(&ec1, MINT_EC, "ec-1");
	mint_key_new(&rsa2, MINT_RSA, "rsa-2");
	mint_key_new(&evil, MINT_RSA, "evil");
	mint_key_new(&ec2, MINT_EC, "ec-2");
	const struct mint_key *published[] = {&rsa1, &ec1, &rsa2};
	char *doc = mint_jwks(published, 3), err[256];
	size_t skipped;
	assert_int_equal(jwt_keyset_add_jwks(&keys, doc, strlen(doc), &skipped, err, sizeof(err)),
	                 0);
	assert_int_equal(keys.n, 3);
	free(doc);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jwt_keyset_clear(&keys);
	mint_key_free(&rsa1);
	mint_key_free(&ec1);
	mint_key_free(&rsa2);
	mint_key_free(&evil);
	mint_key_free(&ec2);
	return 0;
}

static enum jwt_status verify_at(const char *token, int64_t now, struct jwt_claims *claims)
{
	return jwt_verify(token, strlen(token), &keys, &policy, now, claims);
}

static enum jwt_status verify(const char *token)
{
	struct jwt_claims claims;
	return verify_at(token, NOW, &claims);
}

/* Signs claims (consumed) with key as an issuer would and verifies the result at NOW. */
static enum jwt_status signed_claims(const struct mint_key *key, json_t *claims)
{
	char *token = mint_token(key, claims);
	enum jwt_status st = verify(token);
	free(token);
	json_decref(claims);
	return st;
}

static json_t *good(void)
{
	return mint_claims(ISS, AUD, "auth0|alice", NOW, 3600);
}

/* The usual claims with name set to value (consumed), signed with key and verified at NOW. */
static enum jwt_status with_claim(const struct mint_key *key, const char *name, json_t *value)
{
	json_t *c = good();
	json_object_set_new(c, name, value);
	return signed_claims(key, c);
}

/* The usual claims without name, signed with rsa-1 and verified at NOW. */
static enum jwt_status without_claim(const char *name)
{
	json_t *c = good();
	json_object_del(c, name);
	return signed_claims(&rsa1, c);
}

/* A token with this header text, the usual claims, signed with alg (and key or secret). */
static enum jwt_status with_header_alg(const char *header, const char *alg,
                                       const struct mint_key *key, const void *secret, size_t n)
{
	json_t *c = good();
	char *claims = json_dumps(c, JSON_COMPACT);
	char *token = mint_jws(header, claims, alg, key, secret, n);
	enum jwt_status st = verify(token);
	free(token);
	free(claims);
	json_decref(c);
	return st;
}

/* The same signed by key with the key's own algorithm, whatever the header says. */
static enum jwt_status with_header(const char *header, const struct mint_key *key)
{
	return with_header_alg(header, mint_alg(key), key, NULL, 0);
}

static void valid_rs256_and_es256(void **state)
{
	(void)state;
	struct jwt_claims claims;
	json_t *c = good();
	json_object_set_new(c, "permissions", json_pack("[s]", "read:projects"));
	char *token = mint_token(&rsa1, c);
	assert_int_equal(verify_at(token, NOW, &claims), JWT_OK);
	assert_string_equal(claims.sub, "auth0|alice");
	assert_string_equal(claims.kid, "rsa-1");
	assert_int_equal(claims.exp, NOW + 3600);
	assert_int_equal(claims.perms, JWT_PERM_READ);
	free(token);

	token = mint_token(&ec1, c);
	assert_int_equal(verify_at(token, NOW, &claims), JWT_OK);
	assert_string_equal(claims.kid, "ec-1");
	free(token);
	json_decref(c);

	/* The second RSA key of the set is as good as the first. */
	assert_int_equal(signed_claims(&rsa2, good()), JWT_OK);
}

/* Valid while now < exp + leeway: the last second in, the first second out. */
static void exp_and_its_leeway_edges(void **state)
{
	(void)state;
	assert_int_equal(with_claim(&rsa1, "exp", json_integer(NOW - 30 + 1)), JWT_OK);
	assert_int_equal(with_claim(&rsa1, "exp", json_integer(NOW - 30)), JWT_EXPIRED);
	assert_int_equal(with_claim(&ec1, "exp", json_integer(NOW - 3600)), JWT_EXPIRED);

	/* exp is required, and a NumericDate. */
	assert_int_equal(without_claim("exp"), JWT_BAD_CLAIMS);
	assert_int_equal(with_claim(&rsa1, "exp", json_string("1900003600")), JWT_BAD_CLAIMS);
	assert_int_equal(with_claim(&rsa1, "exp", json_real(1e300)), JWT_BAD_CLAIMS);
	assert_int_equal(with_claim(&rsa1, "exp", json_integer(-1)), JWT_BAD_CLAIMS);
	/* A fractional NumericDate counts by its whole seconds. */
	assert_int_equal(with_claim(&rsa1, "exp", json_real((double)(NOW - 30) + 0.9)),
	                 JWT_EXPIRED);
}

static void nbf_and_iat_in_the_future(void **state)
{
	(void)state;
	assert_int_equal(with_claim(&rsa1, "nbf", json_integer(NOW + 30)), JWT_OK);
	assert_int_equal(with_claim(&rsa1, "nbf", json_integer(NOW + 31)), JWT_NOT_YET_VALID);
	assert_int_equal(with_claim(&rsa1, "iat", json_integer(NOW + 30)), JWT_OK);
	assert_int_equal(with_claim(&ec1, "iat", json_integer(NOW + 31)), JWT_NOT_YET_VALID);
	assert_int_equal(with_claim(&rsa1, "nbf", json_string("soon")), JWT_BAD_CLAIMS);
}

static void leeway_zero_is_exact(void **state)
{
	(void)state;
	const struct jwt_policy strict = {ISS, AUD, 0};
	struct jwt_claims claims;
	json_t *c = mint_claims(ISS, AUD, "auth0|alice", NOW - 100, 100); /* exp == NOW */
	char *token = mint_token(&rsa1, c);
	assert_int_equal(jwt_verify(token, strlen(token), &keys, &strict, NOW, &claims),
	                 JWT_EXPIRED);
	assert_int_equal(jwt_verify(token, strlen(token), &keys, &strict, NOW - 1, &claims),
	                 JWT_OK);
	free(token);
	json_decref(c);
}

static void issuer_is_exact(void **state)
{
	(void)state;
	assert_int_equal(
	    signed_claims(&rsa1, mint_claims("https://evil.example/", AUD, "a", NOW, 60)),
	    JWT_WRONG_ISSUER);
	/* Without its trailing slash, or with more, it is another issuer. */
	assert_int_equal(signed_claims(&rsa1, mint_claims("https://tenant.example.auth0.com", AUD,
	                                                  "a", NOW, 60)),
	                 JWT_WRONG_ISSUER);
	assert_int_equal(signed_claims(&rsa1, mint_claims(ISS "x", AUD, "a", NOW, 60)),
	                 JWT_WRONG_ISSUER);
	assert_int_equal(without_claim("iss"), JWT_BAD_CLAIMS);
	assert_int_equal(with_claim(&rsa1, "iss", json_pack("[s]", ISS)), JWT_WRONG_ISSUER);
}

static void audience_string_or_array(void **state)
{
	(void)state;
	assert_int_equal(without_claim("aud"), JWT_WRONG_AUDIENCE);
	assert_int_equal(
	    signed_claims(&rsa1, mint_claims(ISS, "https://other.example/api", "a", NOW, 60)),
	    JWT_WRONG_AUDIENCE);
	assert_int_equal(signed_claims(&rsa1, mint_claims(ISS, AUD "/", "a", NOW, 60)),
	                 JWT_WRONG_AUDIENCE);
	/* Auth0 sends an array when the token is also for its userinfo endpoint. */
	assert_int_equal(with_claim(&rsa1, "aud", json_pack("[s, s]", ISS "userinfo", AUD)),
	                 JWT_OK);
	assert_int_equal(
	    with_claim(&ec1, "aud", json_pack("[s, s]", ISS "userinfo", "https://other")),
	    JWT_WRONG_AUDIENCE);
	assert_int_equal(with_claim(&rsa1, "aud", json_array()), JWT_BAD_CLAIMS);
	assert_int_equal(with_claim(&rsa1, "aud", json_pack("[s, i]", AUD, 1)), JWT_BAD_CLAIMS);
	assert_int_equal(with_claim(&rsa1, "aud", json_pack("{s:s}", "aud", AUD)), JWT_BAD_CLAIMS);
}

static void unknown_or_missing_kid(void **state)
{
	(void)state;
	struct jwt_claims claims;
	json_t *c = good();
	char *token = mint_token(&evil, c);
	assert_int_equal(verify_at(token, NOW, &claims), JWT_UNKNOWN_KID);
	assert_string_equal(claims.kid, "evil"); /* so the caller can refresh its keys */
	free(token);
	json_decref(c);
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", &rsa1), JWT_MALFORMED);
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":\"\"}", &rsa1), JWT_MALFORMED);
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":7}", &rsa1), JWT_MALFORMED);
}

/* alg "none" is refused for what it says, not only for its empty signature. */
static void alg_none(void **state)
{
	(void)state;
	assert_int_equal(
	    with_header_alg("{\"alg\":\"none\",\"kid\":\"rsa-1\"}", "none", NULL, NULL, 0),
	    JWT_MALFORMED);
	/* Same header with a real signature of rsa-1 on it: refused because of alg. */
	json_t *c = good();
	char *claims = json_dumps(c, JSON_COMPACT);
	const char *spellings[] = {"none", "None", "NONE", "nOnE", ""};
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		char header[128];
		snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"rsa-1\"}",
		         spellings[i]);
		char *token = mint_jws(header, claims, "RS256", &rsa1, NULL, 0);
		assert_int_equal(verify(token), JWT_UNSUPPORTED);
		free(token);
	}
	free(claims);
	json_decref(c);
}

/* The classic confusion: HS256 with the RSA public key (PEM, or its modulus) as the secret. */
static void hs256_with_the_public_key_as_secret(void **state)
{
	(void)state;
	char *pem = mint_public_pem(&rsa1);
	assert_int_equal(with_header_alg("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"rsa-1\"}",
	                                 "HS256", NULL, pem, strlen(pem)),
	                 JWT_UNSUPPORTED);
	json_t *jwk = mint_jwk(&rsa1);
	const char *n = json_string_value(json_object_get(jwk, "n"));
	assert_int_equal(
	    with_header_alg("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}", "HS256", NULL, n, strlen(n)),
	    JWT_UNSUPPORTED);
	assert_int_equal(with_header_alg("{\"alg\":\"HS512\",\"kid\":\"ec-1\"}", "HS256", NULL, pem,
	                                 strlen(pem)),
	                 JWT_UNSUPPORTED);
	json_decref(jwk);
	free(pem);
}

/* A token cannot choose another algorithm for a key: the key's own is the only one. */
static void alg_swapped_to_another_keys(void **state)
{
	(void)state;
	/* ES256 signed by ec-1, naming the RSA key. */
	assert_int_equal(with_header("{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", &ec1),
	                 JWT_ALG_MISMATCH);
	/* RS256 signed by rsa-1, naming the EC key. */
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":\"ec-1\"}", &rsa1),
	                 JWT_ALG_MISMATCH);
	/* Algorithms we never verify, whatever the key. */
	assert_int_equal(with_header("{\"alg\":\"PS256\",\"kid\":\"rsa-1\"}", &rsa1),
	                 JWT_UNSUPPORTED);
	assert_int_equal(with_header("{\"alg\":\"RS512\",\"kid\":\"rsa-1\"}", &rsa1),
	                 JWT_UNSUPPORTED);
	assert_int_equal(with_header("{\"alg\":\"ES384\",\"kid\":\"ec-1\"}", &ec1),
	                 JWT_UNSUPPORTED);
}

static void signature_of_another_key(void **state)
{
	(void)state;
	/* Another key of the set, a key of nobody's, and the same for EC: all with kid rsa-1/ec-1. */
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", &rsa2),
	                 JWT_BAD_SIGNATURE);
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", &evil),
	                 JWT_BAD_SIGNATURE);
	assert_int_equal(with_header("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", &ec2),
	                 JWT_BAD_SIGNATURE);
}

/* The attacker's own key in the header (jwk, jku, x5u, x5c) or an extension (crit). */
static void keys_in_the_token_are_refused(void **state)
{
	(void)state;
	json_t *jwk = mint_jwk(&evil);
	json_object_set_new(jwk, "kid", json_string("rsa-1"));
	json_t *h = json_pack("{s:s, s:s, s:O}", "alg", "RS256", "kid", "rsa-1", "jwk", jwk);
	char *header = json_dumps(h, JSON_COMPACT);
	assert_int_equal(with_header(header, &evil), JWT_UNSUPPORTED);
	free(header);
	json_decref(h);
	json_decref(jwk);
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"jku\":\"https://evil/"
	                             "jwks.json\"}",
	                             &rsa1),
	                 JWT_UNSUPPORTED);
	assert_int_equal(
	    with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"x5u\":\"https://e/\"}", &rsa1),
	    JWT_UNSUPPORTED);
	assert_int_equal(
	    with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"x5c\":[\"MII\"]}", &rsa1),
	    JWT_UNSUPPORTED);
	assert_int_equal(
	    with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"crit\":[\"exp\"]}", &rsa1),
	    JWT_UNSUPPORTED);
	assert_int_equal(
	    with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"JWE\"}", &rsa1),
	    JWT_UNSUPPORTED);
	/* The access-token type of RFC 9068 is fine, and so are unknown harmless members. */
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":\"at+jwt\","
	                             "\"x5t\":\"abc\"}",
	                             &rsa1),
	                 JWT_OK);
}

/* Swaps the claims part of token for the base64url of other claims, keeping the signature. */
static char *with_claims_part(const char *token, const char *claims_part)
{
	const char *d1 = strchr(token, '.'), *d2 = strrchr(token, '.');
	size_t n = (size_t)(d1 - token) + 1 + strlen(claims_part) + strlen(d2) + 1;
	char *out = malloc(n);
	snprintf(out, n, "%.*s.%s%s", (int)(d1 - token), token, claims_part, d2);
	return out;
}

static void tampered_payload_keeps_no_signature(void **state)
{
	(void)state;
	json_t *c = good();
	char *token = mint_token(&rsa1, c);
	json_object_set_new(c, "sub", json_string("auth0|mallory"));
	json_object_set_new(c, "permissions", json_pack("[s]", "write:deployments"));
	char *forged = mint_token(&evil, c); /* only its claims part is used */
	const char *d1 = strchr(forged, '.');
	char part[2048];
	snprintf(part, sizeof(part), "%.*s", (int)(strrchr(forged, '.') - d1 - 1), d1 + 1);
	char *tampered = with_claims_part(token, part);
	assert_int_equal(verify(tampered), JWT_BAD_SIGNATURE);
	free(tampered);

	/* One flipped bit of the signature, the header re-encoded: both refused. */
	tampered = strdup(token);
	char *last = tampered + strlen(tampered) - 2;
	*last = *last == 'A' ? 'B' : 'A';
	assert_int_equal(verify(tampered), JWT_BAD_SIGNATURE);
	free(tampered);
	json_t *h = json_pack("{s:s, s:s, s:s}", "kid", "rsa-1", "alg", "RS256", "typ", "JWT");
	char *header = json_dumps(h, JSON_COMPACT);
	char *resigned = mint_jws(header, "{}", "none", NULL, NULL, 0);
	d1 = strchr(resigned, '.');
	tampered = malloc(strlen(token) + 64);
	snprintf(tampered, strlen(token) + 64, "%.*s%s", (int)(d1 - resigned), resigned,
	         strchr(token, '.'));
	assert_int_equal(verify(tampered), JWT_BAD_SIGNATURE);
	free(tampered);
	free(resigned);
	free(header);
	json_decref(h);
	free(forged);
	free(token);
	json_decref(c);
}

/* ECDSA edge cases: r = s = 0 ("psychic signatures"), and a DER signature where JOSE is raw. */
static void es256_signature_shapes(void **state)
{
	(void)state;
	json_t *c = good();
	char *token = mint_token(&ec1, c);
	char *zero = strdup(token);
	char *sig = strrchr(zero, '.') + 1;
	memset(sig, 'A', 86); /* 64 zero bytes */
	sig[86] = '\0';
	assert_int_equal(verify(zero), JWT_BAD_SIGNATURE);
	free(zero);
	/* 65 bytes, 63 bytes. */
	char *longer = malloc(strlen(token) + 8);
	snprintf(longer, strlen(token) + 8, "%sAAA", token);
	assert_int_equal(verify(longer), JWT_MALFORMED); /* 89 characters: no such length */
	free(longer);
	char *shorter = strdup(token);
	shorter[strlen(shorter) - 2] = '\0';
	assert_int_equal(verify(shorter), JWT_BAD_SIGNATURE);
	free(shorter);
	/* An RSA signature one byte short. */
	free(token);
	token = mint_token(&rsa1, c);
	char *cut = strdup(token);
	cut[strlen(cut) - 2] = '\0';
	assert_int_equal(verify(cut), JWT_BAD_SIGNATURE);
	free(cut);
	free(token);
	json_decref(c);
}

static void malformed_shapes(void **state)
{
	(void)state;
	json_t *c = good();
	char *token = mint_token(&rsa1, c);
	const char *bad[] = {"", ".", "..", "...", "a", "a.b", "a..c", ".b.c", "a.b.", "a.b.c.d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(verify(bad[i]), JWT_MALFORMED);

	/* A fourth part, or a part that is standard base64 or padded. */
	char *more = malloc(strlen(token) + 8);
	snprintf(more, strlen(token) + 8, "%s.abc", token);
	assert_int_equal(verify(more), JWT_MALFORMED);
	snprintf(more, strlen(token) + 8, "%s=", token);
	assert_int_equal(verify(more), JWT_MALFORMED);
	snprintf(more, strlen(token) + 8, "%s", token);
	more[3] = '+';
	assert_int_equal(verify(more), JWT_MALFORMED);
	snprintf(more, strlen(token) + 8, "%s", token);
	more[strlen(more) - 5] = '/';
	assert_int_equal(verify(more), JWT_MALFORMED);
	free(more);

	/* Header not JSON, not an object, with a repeated member; a token with a NUL inside. */
	assert_int_equal(with_header("hello", &rsa1), JWT_MALFORMED);
	assert_int_equal(with_header("[\"RS256\"]", &rsa1), JWT_MALFORMED);
	assert_int_equal(
	    with_header("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"alg\":\"none\"}", &rsa1),
	    JWT_MALFORMED);
	assert_int_equal(with_header("{\"alg\":\"RS256\",\"kid\":\"rsa\\u0000-1\"}", &rsa1),
	                 JWT_MALFORMED);
	struct jwt_claims claims;
	char *nul = strdup(token);
	size_t len = strlen(nul);
	nul[len / 2] = '\0';
	assert_int_equal(jwt_verify(nul, len, &keys, &policy, NOW, &claims), JWT_MALFORMED);
	free(nul);
	free(token);
	json_decref(c);
}

static void oversized_tokens(void **state)
{
	(void)state;
	/* 100 KiB of claims, properly signed: refused on size before anything is decoded. */
	json_t *c = good();
	char *pad = malloc(100 * 1024 + 1);
	memset(pad, 'x', 100 * 1024);
	pad[100 * 1024] = '\0';
	json_object_set_new(c, "padding", json_string(pad));
	assert_int_equal(signed_claims(&rsa1, c), JWT_MALFORMED);
	/* Over the token limit although each part is within its own: refused on the total. */
	c = good();
	pad[JWT_MAX_CLAIMS - 300] = '\0';
	json_object_set_new(c, "padding", json_string(pad));
	char *token = mint_token(&rsa1, c);
	size_t over = strlen(token) - JWT_MAX_TOKEN;
	assert_true(strlen(token) > JWT_MAX_TOKEN);
	assert_int_equal(verify(token), JWT_MALFORMED);
	free(token);
	/* Just under the limit, the same shape passes. */
	pad[JWT_MAX_CLAIMS - 300 - over * 3 / 4 - 4] = '\0';
	json_object_set_new(c, "padding", json_string(pad));
	token = mint_token(&rsa1, c);
	assert_true(strlen(token) <= JWT_MAX_TOKEN);
	assert_int_equal(verify(token), JWT_OK);
	free(token);
	json_decref(c);

	/* A header over 1 KiB (in a token well under 8 KiB) is refused. */
	char header[1200];
	pad[1100] = '\0';
	snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"x5t\":\"%s\"}",
	         pad);
	assert_int_equal(with_header(header, &rsa1), JWT_MALFORMED);
	free(pad);
}

/* Claims are strict JSON too: a repeated sub could be read one way here and another elsewhere. */
static void claims_are_strict(void **state)
{
	(void)state;
	char *token = mint_jws("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}",
	                       "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":1900003600,"
	                       "\"sub\":\"auth0|alice\",\"sub\":\"auth0|admin\"}",
	                       "RS256", &rsa1, NULL, 0);
	assert_int_equal(verify(token), JWT_MALFORMED);
	free(token);
	token =
	    mint_jws("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", "[1,2,3]", "RS256", &rsa1, NULL, 0);
	assert_int_equal(verify(token), JWT_MALFORMED);
	free(token);
	token =
	    mint_jws("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", "not json", "RS256", &rsa1, NULL, 0);
	assert_int_equal(verify(token), JWT_MALFORMED);
	free(token);
}

/* sub goes into logs, events and a FastCGI header line. */
static void subject_rules(void **state)
{
	(void)state;
	assert_int_equal(without_claim("sub"), JWT_BAD_CLAIMS);
	const char *bad[] = {"", "api-token", "auth0|a b", "auth0|a\r\nVariable-X: y",
	                     "caf\xc3\xa9"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(signed_claims(&rsa1, mint_claims(ISS, AUD, bad[i], NOW, 60)),
		                 JWT_BAD_CLAIMS);
	char longest[JWT_MAX_SUB + 2];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[JWT_MAX_SUB] = '\0';
	assert_int_equal(signed_claims(&rsa1, mint_claims(ISS, AUD, longest, NOW, 60)), JWT_OK);
	longest[JWT_MAX_SUB] = 'a';
	longest[JWT_MAX_SUB + 1] = '\0';
	assert_int_equal(signed_claims(&rsa1, mint_claims(ISS, AUD, longest, NOW, 60)),
	                 JWT_BAD_CLAIMS);
	assert_int_equal(with_claim(&rsa1, "sub", json_integer(42)), JWT_BAD_CLAIMS);
}

static unsigned perms_of(json_t *c)
{
	struct jwt_claims claims;
	char *token = mint_token(&rsa1, c);
	enum jwt_status st = verify_at(token, NOW, &claims);
	free(token);
	json_decref(c);
	return st == JWT_OK ? claims.perms : 99;
}

static void permissions_and_scope(void **state)
{
	(void)state;
	json_t *c = good();
	assert_int_equal(perms_of(json_incref(c)), 0);
	json_object_set_new(c, "permissions", json_pack("[s, s]", "write:deployments", "other"));
	assert_int_equal(perms_of(json_incref(c)), JWT_PERM_WRITE);
	json_object_del(c, "permissions");
	json_object_set_new(c, "scope", json_string("openid  read:projects write:deployments"));
	assert_int_equal(perms_of(json_incref(c)), JWT_PERM_READ | JWT_PERM_WRITE);
	/* Only whole names count. */
	json_object_set_new(c, "scope", json_string("read:projectsX xread:projects read:project"));
	assert_int_equal(perms_of(json_incref(c)), 0);
	json_object_set_new(c, "scope", json_pack("[s]", "read:projects"));
	assert_int_equal(perms_of(json_incref(c)), 99);
	json_object_del(c, "scope");
	json_object_set_new(c, "permissions", json_string("read:projects"));
	assert_int_equal(perms_of(json_incref(c)), 99);
	json_object_set_new(c, "permissions", json_pack("[i]", 1));
	assert_int_equal(perms_of(c), 99);
}

static void base64url_is_strict(void **state)
{
	(void)state;
	unsigned char out[16];
	assert_int_equal(jwt_b64url_decode("", 0, out, sizeof(out)), 0);
	assert_int_equal(jwt_b64url_decode("QQ", 2, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'A');
	assert_int_equal(jwt_b64url_decode("QUI", 3, out, sizeof(out)), 2);
	assert_int_equal(jwt_b64url_decode("QUJD", 4, out, sizeof(out)), 3);
	assert_int_equal(jwt_b64url_decode("-_", 2, out, sizeof(out)), -1); /* bits left over */
	assert_int_equal(jwt_b64url_decode("-w", 2, out, sizeof(out)), 1);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(jwt_b64url_decode("QR", 2, out, sizeof(out)), -1); /* non-canonical */
	assert_int_equal(jwt_b64url_decode("Q", 1, out, sizeof(out)), -1);
	assert_int_equal(jwt_b64url_decode("QQ==", 4, out, sizeof(out)), -1);
	assert_int_equal(jwt_b64url_decode("+w", 2, out, sizeof(out)), -1);
	assert_int_equal(jwt_b64url_decode("QUJD", 4, out, 2), -1); /* does not fit */
	char text[32];
	unsigned char all[3] = {0xfb, 0xff, 0x00};
	assert_int_equal(jwt_b64url_encode(all, 3, text, sizeof(text)), 4);
	assert_string_equal(text, "-_8A");
}

/* What a JWKS may hold, and what is never loaded. */
static void jwks_keeps_only_signing_keys(void **state)
{
	(void)state;
	struct jwt_keyset set = {0};
	char err[256];
	size_t skipped;

	/* An HMAC secret in a JWKS ("oct") is never a key here; nor are enc keys or other algs. */
	json_t *rsa = mint_jwk(&rsa1), *ec = mint_jwk(&ec1);
	json_t *enc = json_deep_copy(rsa), *ps = json_deep_copy(rsa), *p384 = json_deep_copy(ec);
	json_object_set_new(enc, "kid", json_string("enc"));
	json_object_set_new(enc, "use", json_string("enc"));
	json_object_set_new(ps, "kid", json_string("ps"));
	json_object_set_new(ps, "alg", json_string("PS256"));
	json_object_set_new(p384, "kid", json_string("p384"));
	json_object_set_new(p384, "crv", json_string("P-384"));
	json_t *oct = json_pack("{s:s, s:s, s:s}", "kty", "oct", "kid", "hmac", "k", "c2VjcmV0");
	json_t *nokid = json_deep_copy(ec);
	json_object_del(nokid, "kid");
	json_t *verify_only = json_deep_copy(ec);
	json_object_set_new(verify_only, "kid", json_string("ops"));
	json_object_set_new(verify_only, "key_ops", json_pack("[s]", "verify"));
	json_object_del(verify_only, "use");
	json_t *dup = json_deep_copy(ec);
	json_object_set_new(dup, "kid", json_string("rsa-1")); /* the first key keeps the kid */
	json_t *doc = json_pack("{s:[O, O, o, o, o, o, o, o, o]}", "keys", rsa, ec, enc, ps, p384,
	                        oct, nokid, verify_only, dup);
	char *text = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(jwt_keyset_add_jwks(&set, text, strlen(text), &skipped, err, sizeof(err)),
	                 0);
	assert_int_equal(set.n, 3);
	assert_int_equal(skipped, 6);
	assert_non_null(jwt_keyset_find(&set, "rsa-1"));
	assert_int_equal(jwt_keyset_find(&set, "rsa-1")->alg, JWT_RS256);
	assert_int_equal(jwt_keyset_find(&set, "ec-1")->alg, JWT_ES256);
	assert_non_null(jwt_keyset_find(&set, "ops"));
	assert_null(jwt_keyset_find(&set, "hmac"));
	assert_null(jwt_keyset_find(&set, "enc"));
	free(text);
	json_decref(doc);
	jwt_keyset_clear(&set);
	json_decref(rsa);
	json_decref(ec);
}

static void jwks_refuses_bad_documents_whole(void **state)
{
	(void)state;
	struct jwt_keyset set = {0};
	char err[256];
	size_t skipped;
	static const char short_ec[] = "{\"keys\": [{\"kty\": \"EC\", \"kid\": \"a\", \"crv\": "
	                               "\"P-256\", \"x\": \"AA\", \"y\": \"AA\"}]}";
	const char *bad[] = {
	    "",
	    "[]",
	    "{}",
	    "{\"keys\": {}}",
	    "{\"keys\": [1]}",
	    "{\"keys\": [{}]}",
	    "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"a\", \"n\": \"!!\", \"e\": \"AQAB\"}]}",
	    short_ec,
	    "{\"keys\": [], \"keys\": []}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    jwt_keyset_add_jwks(&set, bad[i], strlen(bad[i]), &skipped, err, sizeof(err)),
		    -1);

	/* A P-256 "key" that is not a point of the curve. */
	json_t *ec = mint_jwk(&ec1);
	json_object_set_new(ec, "y", json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	/* A good key first: the document fails whole, and the set keeps nothing of it. */
	json_t *doc = json_pack("{s:[o, o]}", "keys", mint_jwk(&rsa1), ec);
	char *text = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(jwt_keyset_add_jwks(&set, text, strlen(text), &skipped, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "curve"));
	assert_int_equal(set.n, 0);
	free(text);
	json_decref(doc);

	/* An RSA key under 2048 bits is skipped, not used. */
	json_t *weak = mint_jwk(&rsa1);
	json_object_set_new(weak, "n", json_string("AQAB"));
	doc = json_pack("{s:[o]}", "keys", weak);
	text = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(jwt_keyset_add_jwks(&set, text, strlen(text), &skipped, err, sizeof(err)),
	                 0);
	assert_int_equal(set.n, 0);
	assert_int_equal(skipped, 1);
	free(text);
	json_decref(doc);

	/* More than 64 KiB. */
	char *big = malloc(JWKS_MAX_BYTES + 2);
	memset(big, ' ', JWKS_MAX_BYTES + 1);
	big[JWKS_MAX_BYTES + 1] = '\0';
	memcpy(big, "{\"keys\":[]}", 11);
	assert_int_equal(jwt_keyset_add_jwks(&set, big, strlen(big), &skipped, err, sizeof(err)),
	                 -1);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_rs256_and_es256),
	    cmocka_unit_test(exp_and_its_leeway_edges),
	    cmocka_unit_test(nbf_and_iat_in_the_future),
	    cmocka_unit_test(leeway_zero_is_exact),
	    cmocka_unit_test(issuer_is_exact),
	    cmocka_unit_test(audience_string_or_array),
	    cmocka_unit_test(unknown_or_missing_kid),
	    cmocka_unit_test(alg_none),
	    cmocka_unit_test(hs256_with_the_public_key_as_secret),
	    cmocka_unit_test(alg_swapped_to_another_keys),
	    cmocka_unit_test(signature_of_another_key),
	    cmocka_unit_test(keys_in_the_token_are_refused),
	    cmocka_unit_test(tampered_payload_keeps_no_signature),
	    cmocka_unit_test(es256_signature_shapes),
	    cmocka_unit_test(malformed_shapes),
	    cmocka_unit_test(oversized_tokens),
	    cmocka_unit_test(claims_are_strict),
	    cmocka_unit_test(subject_rules),
	    cmocka_unit_test(permissions_and_scope),
	    cmocka_unit_test(base64url_is_strict),
	    cmocka_unit_test(jwks_keeps_only_signing_keys),
	    cmocka_unit_test(jwks_refuses_bad_documents_whole),
	};
	return cmocka_run_group_tests_name("authorizer: jwt", tests, setup, teardown);
}
