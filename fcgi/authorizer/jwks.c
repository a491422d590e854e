/*
 * JWKS documents (RFC 7517) into public keys. Each usable key gets exactly one algorithm, fixed
 * here by its type (RSA: RS256, EC P-256: ES256) and never by a token, so an RSA key can never
 * become an HMAC secret. Symmetric ("oct") keys are never loaded. No I/O: jwks fetches are in
 * keyring.c.
 */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jwt.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A base64url member of a JWK decoded into out (at most cap bytes); -1 when absent or bad. */
static long member_bytes(json_t *jwk, const char *name, unsigned char *out, size_t cap)
{
	json_t *v = json_object_get(jwk, name);
	if (!json_is_string(v))
		return -1;
	return jwt_b64url_decode(json_string_value(v), json_string_length(v), out, cap);
}

static EVP_PKEY *from_params(const char *type, const OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* 1: loaded; 0: not usable here (skipped); -1: malformed (err says why). */
static int rsa_key(json_t *jwk, EVP_PKEY **pkey, char *err, size_t errlen)
{
	unsigned char n[JWT_MAX_RSA_BITS / 8 + 1], e[8];
	long nlen = member_bytes(jwk, "n", n, sizeof(n));
	long elen = member_bytes(jwk, "e", e, sizeof(e));
	int rc = -1;

	if (nlen <= 0 || elen <= 0)
		return fail(err, errlen, "an RSA key needs base64url n and e");
	BIGNUM *bn_n = BN_bin2bn(n, (int)nlen, NULL), *bn_e = BN_bin2bn(e, (int)elen, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	int bits = bn_n ? BN_num_bits(bn_n) : 0;

	if (!bn_n || !bn_e || !bld) {
		rc = fail(err, errlen, "out of memory");
	} else if (bits < JWT_MIN_RSA_BITS || bits > JWT_MAX_RSA_BITS) {
		rc = 0; /* too weak, or more than we verify */
	} else if (!BN_is_odd(bn_e) || BN_is_one(bn_e)) {
		rc = fail(err, errlen, "an RSA key's e must be odd and above 1");
	} else if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1 ||
	           !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	           !(*pkey = from_params("RSA", params))) {
		rc = fail(err, errlen, "libcrypto refused an RSA key");
	} else {
		rc = 1;
	}
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return rc;
}

static int ec_key(json_t *jwk, EVP_PKEY **pkey, char *err, size_t errlen)
{
	unsigned char point[65];
	char group[] = "prime256v1";

	if (!json_is_string(json_object_get(jwk, "crv")))
		return fail(err, errlen, "an EC key needs crv");
	if (strcmp(json_string_value(json_object_get(jwk, "crv")), "P-256") != 0)
		return 0;
	/* The uncompressed point 04 || x || y; libcrypto refuses a point off the curve. */
	point[0] = 0x04;
	if (member_bytes(jwk, "x", point + 1, 32) != 32 ||
	    member_bytes(jwk, "y", point + 33, 32) != 32)
		return fail(err, errlen, "a P-256 key needs x and y of 32 bytes");
	OSSL_PARAM params[] = {
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
	    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
	    OSSL_PARAM_END,
	};
	if (!(*pkey = from_params("EC", params)))
		return fail(err, errlen, "a P-256 key is not a point of the curve");
	return 1;
}

/* Whether a JWK may verify signatures with alg, judged by its use, key_ops and alg members. */
static bool for_signatures(json_t *jwk, const char *alg)
{
	json_t *use = json_object_get(jwk, "use"), *ops = json_object_get(jwk, "key_ops");
	json_t *a = json_object_get(jwk, "alg"), *op;
	size_t i;
	bool verify = false;

	if (use && !(json_is_string(use) && strcmp(json_string_value(use), "sig") == 0))
		return false;
	if (a && !(json_is_string(a) && strcmp(json_string_value(a), alg) == 0))
		return false;
	if (!ops)
		return true;
	json_array_foreach(ops, i, op)
	{
		verify =
		    verify || (json_is_string(op) && strcmp(json_string_value(op), "verify") == 0);
	}
	return verify;
}

/* One JWK: 1 added to set, 0 skipped, -1 malformed. */
static int add_key(struct jwt_keyset *set, json_t *jwk, char *err, size_t errlen)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	json_t *kid = json_object_get(jwk, "kid");
	EVP_PKEY *pkey = NULL;
	enum jwt_alg alg;
	int rc;

	if (!json_is_object(jwk) || !kty)
		return fail(err, errlen, "each key must be an object with a kty");
	if (strcmp(kty, "RSA") == 0)
		alg = JWT_RS256;
	else if (strcmp(kty, "EC") == 0)
		alg = JWT_ES256;
	else
		return 0; /* oct (a shared secret), OKP, ...: never a verification key here */
	if (!for_signatures(jwk, alg == JWT_RS256 ? "RS256" : "ES256"))
		return 0;
	/* A key without a usable kid cannot be chosen; one already known keeps its first key. */
	size_t klen = json_string_length(kid);
	if (!json_is_string(kid) || klen == 0 || klen > JWT_MAX_KID ||
	    strlen(json_string_value(kid)) != klen || jwt_keyset_find(set, json_string_value(kid)))
		return 0;
	if (set->n == JWT_MAX_KEYS)
		return fail(err, errlen, "more than %d keys", JWT_MAX_KEYS);

	rc = alg == JWT_RS256 ? rsa_key(jwk, &pkey, err, errlen) : ec_key(jwk, &pkey, err, errlen);
	if (rc <= 0)
		return rc;
	struct jwt_key *k = &set->keys[set->n++];
	memcpy(k->kid, json_string_value(kid), klen + 1);
	k->alg = alg;
	k->pkey = pkey;
	return 1;
}

int jwt_keyset_add_jwks(struct jwt_keyset *set, const char *doc, size_t len, size_t *skipped,
                        char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *jwk;
	size_t i, before = set->n;
	int rc = 0;

	*skipped = 0;
	if (len > JWKS_MAX_BYTES)
		return fail(err, errlen, "the document is larger than %d bytes", JWKS_MAX_BYTES);
	json_t *root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, errlen, "not JSON: %s", jerr.text);
	json_t *keys = json_object_get(root, "keys");
	if (!json_is_object(root) || !json_is_array(keys)) {
		json_decref(root);
		return fail(err, errlen, "a JWKS is an object with a \"keys\" array");
	}
	json_array_foreach(keys, i, jwk)
	{
		rc = add_key(set, jwk, err, errlen);
		if (rc < 0)
			break;
		*skipped += rc == 0;
	}
	json_decref(root);
	if (rc < 0) {
		/* All or nothing: the keys this document added go again. */
		while (set->n > before)
			EVP_PKEY_free(set->keys[--set->n].pkey);
		return -1;
	}
	return 0;
}

const struct jwt_key *jwt_keyset_find(const struct jwt_keyset *set, const char *kid)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->keys[i].kid, kid) == 0)
			return &set->keys[i];
	return NULL;
}

void jwt_keyset_clear(struct jwt_keyset *set)
{
	for (size_t i = 0; i < set->n; i++)
		EVP_PKEY_free(set->keys[i].pkey);
	set->n = 0;
}
