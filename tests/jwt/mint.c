/*
 * Keys, JWKS and signed tokens for the tests, with libcrypto. Independent of the verifier
 * (fcgi/authorizer/): base64url is written again here, so a bug there cannot hide behind the
 * same bug in the tokens the tests make.
 */
#include "mint.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what)
{
	fprintf(stderr, "mint: %s failed\n", what);
	abort();
}

/* base64url without padding, malloc'd. */
static char *b64url(const unsigned char *data, size_t len)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc(len / 3 * 4 + 5);
	size_t i = 0, n = 0;

	if (!out)
		die("malloc");
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
		out[n++] = abc[v >> 18];
		out[n++] = abc[(v >> 12) & 63];
		out[n++] = abc[(v >> 6) & 63];
		out[n++] = abc[v & 63];
	}
	if (len - i == 1) {
		out[n++] = abc[data[i] >> 2];
		out[n++] = abc[(data[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)data[i] << 8 | data[i + 1];
		out[n++] = abc[v >> 10];
		out[n++] = abc[(v >> 4) & 63];
		out[n++] = abc[(v & 15) << 2];
	}
	out[n] = '\0';
	return out;
}

void mint_key_new(struct mint_key *k, enum mint_type type, const char *kid)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->kid, sizeof(k->kid), "%s", kid);
	k->type = type;
	k->pkey = type == MINT_RSA ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	if (!k->pkey)
		die("key generation");
}

void mint_key_save(const struct mint_key *k, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f || PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f))
		die("writing a key");
}

void mint_key_load(struct mint_key *k, const char *path, const char *kid)
{
	FILE *f = fopen(path, "r");
	memset(k, 0, sizeof(*k));
	if (!f || !(k->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL)))
		die("reading a key");
	fclose(f);
	snprintf(k->kid, sizeof(k->kid), "%s", kid);
	k->type = EVP_PKEY_is_a(k->pkey, "RSA") ? MINT_RSA : MINT_EC;
}

void mint_key_free(struct mint_key *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

const char *mint_alg(const struct mint_key *k)
{
	return k->type == MINT_RSA ? "RS256" : "ES256";
}

static json_t *bn_member(const EVP_PKEY *pkey, const char *param, size_t width)
{
	BIGNUM *bn = NULL;
	unsigned char buf[512];

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		die("EVP_PKEY_get_bn_param");
	size_t n = width ? width : (size_t)BN_num_bytes(bn);
	if (BN_bn2binpad(bn, buf, (int)n) < 0)
		die("BN_bn2binpad");
	BN_free(bn);
	char *s = b64url(buf, n);
	json_t *v = json_string(s);
	free(s);
	return v;
}

json_t *mint_jwk(const struct mint_key *k)
{
	json_t *jwk = json_pack("{s:s, s:s, s:s}", "kid", k->kid, "use", "sig", "alg", mint_alg(k));
	if (k->type == MINT_RSA) {
		json_object_set_new(jwk, "kty", json_string("RSA"));
		json_object_set_new(jwk, "n", bn_member(k->pkey, OSSL_PKEY_PARAM_RSA_N, 0));
		json_object_set_new(jwk, "e", bn_member(k->pkey, OSSL_PKEY_PARAM_RSA_E, 0));
	} else {
		json_object_set_new(jwk, "kty", json_string("EC"));
		json_object_set_new(jwk, "crv", json_string("P-256"));
		json_object_set_new(jwk, "x", bn_member(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32));
		json_object_set_new(jwk, "y", bn_member(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
	}
	return jwk;
}

char *mint_jwks(const struct mint_key *const *keys, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, mint_jwk(keys[i]));
	json_t *doc = json_pack("{s:o}", "keys", list);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

char *mint_public_pem(const struct mint_key *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	if (!b || PEM_write_bio_PUBKEY(b, k->pkey) != 1)
		die("PEM_write_bio_PUBKEY");
	long n = BIO_get_mem_data(b, &data);
	char *out = strndup(data, (size_t)n);
	BIO_free(b);
	return out;
}

/* The JOSE form of an ECDSA signature: r || s, 32 bytes each. */
static size_t es256_raw(const unsigned char *der, size_t der_len, unsigned char out[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) != 32)
		die("ECDSA signature conversion");
	ECDSA_SIG_free(sig);
	return 64;
}

char *mint_jws(const char *header, const char *claims, const char *alg, const struct mint_key *key,
               const void *secret, size_t secret_len)
{
	char *h = b64url((const unsigned char *)header, strlen(header));
	char *c = b64url((const unsigned char *)claims, strlen(claims));
	size_t input_len = strlen(h) + 1 + strlen(c);
	char *input = malloc(input_len + 1);
	unsigned char sig[1024];
	size_t sig_len = 0;

	snprintf(input, input_len + 1, "%s.%s", h, c);
	if (strcmp(alg, "HS256") == 0) {
		unsigned int n = 0;
		if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)input,
		          input_len, sig, &n))
			die("HMAC");
		sig_len = n;
	} else if (strcmp(alg, "RS256") == 0 || strcmp(alg, "ES256") == 0) {
		unsigned char der[1024];
		size_t der_len = sizeof(der);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
		    EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)input, input_len) !=
		        1)
			die("signing");
		EVP_MD_CTX_free(ctx);
		if (key->type == MINT_EC) {
			sig_len = es256_raw(der, der_len, sig);
		} else {
			memcpy(sig, der, der_len);
			sig_len = der_len;
		}
	} /* "none": no signature */

	char *s = b64url(sig, sig_len);
	size_t total = input_len + 1 + strlen(s) + 1;
	char *token = malloc(total);
	snprintf(token, total, "%s.%s", input, s);
	free(h);
	free(c);
	free(s);
	free(input);
	return token;
}

char *mint_token(const struct mint_key *key, const json_t *claims)
{
	json_t *header =
	    json_pack("{s:s, s:s, s:s}", "alg", mint_alg(key), "typ", "JWT", "kid", key->kid);
	char *h = json_dumps(header, JSON_COMPACT);
	char *c = json_dumps(claims, JSON_COMPACT);
	char *token = mint_jws(h, c, mint_alg(key), key, NULL, 0);
	json_decref(header);
	free(h);
	free(c);
	return token;
}

char *mint_bearer(const char *token)
{
	size_t n = strlen("Bearer ") + strlen(token) + 1;
	char *h = malloc(n);
	if (!h)
		die("malloc");
	snprintf(h, n, "Bearer %s", token);
	return h;
}

json_t *mint_claims(const char *iss, const char *aud, const char *sub, int64_t now, int64_t ttl)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", iss, "aud", aud, "sub", sub, "iat",
	                 (json_int_t)now, "exp", (json_int_t)(now + ttl));
}
