/*
 * The JWT verifier: strict base64url, the JOSE header, signature checks with libcrypto, then the
 * claims. Only the header is parsed before the signature is checked; the claims are parsed only
 * once they are known to come from the key's owner. No I/O and no state: keys, policy and the
 * time come in as parameters. JWKS parsing is in jwks.c.
 */
#include "jwt.h"

#include <jansson.h>
#include <math.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <string.h>
#include <strings.h>

static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

long jwt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > cap)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = ((acc << 6) | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* The bits of the last character that fill no byte must be zero: one spelling only. */
	if (bits && (acc & ((1u << bits) - 1)))
		return -1;
	return (long)n;
}

size_t jwt_b64url_encode(const unsigned char *data, size_t len, char *out, size_t cap)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		acc = ((acc << 8) | data[i]) & 0xffffff;
		bits += 8;
		while (bits >= 6 && n + 1 < cap) {
			bits -= 6;
			out[n++] = alphabet[(acc >> bits) & 63];
		}
	}
	if (bits && n + 1 < cap)
		out[n++] = alphabet[(acc << (6 - bits)) & 63];
	out[n] = '\0';
	return n;
}

const char *jwt_status_text(enum jwt_status st)
{
	switch (st) {
	case JWT_OK: return "valid";
	case JWT_MALFORMED: return "malformed";
	case JWT_UNSUPPORTED: return "unsupported algorithm or header";
	case JWT_UNKNOWN_KID: return "unknown key id";
	case JWT_ALG_MISMATCH: return "algorithm is not the key's";
	case JWT_BAD_SIGNATURE: return "bad signature";
	case JWT_BAD_CLAIMS: return "bad claims";
	case JWT_WRONG_ISSUER: return "wrong issuer";
	case JWT_WRONG_AUDIENCE: return "wrong audience";
	case JWT_EXPIRED: return "expired";
	case JWT_NOT_YET_VALID: return "not valid yet";
	}
	return "invalid";
}

/* Decodes one part and parses it as a JSON object with no repeated member. */
static json_t *part_object(const char *b64, size_t len, size_t max)
{
	unsigned char buf[JWT_MAX_CLAIMS > JWT_MAX_HEADER ? JWT_MAX_CLAIMS : JWT_MAX_HEADER];
	long n = jwt_b64url_decode(b64, len, buf, max < sizeof(buf) ? max : sizeof(buf));
	if (n <= 0)
		return NULL;
	json_t *obj = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	if (obj && !json_is_object(obj)) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* The JOSE header: alg and kid, and nothing that would make us trust the token's own say. */
static enum jwt_status check_header(json_t *h, enum jwt_alg *alg, struct jwt_claims *claims)
{
	/* Keys in the token (jwk, jku, x5u, x5c), extensions we do not know (crit), JWE and
	 * unencoded payloads: a verifier that honours any of them lets the token pick its key. */
	static const char *const refused[] = {"jwk", "jku", "x5u", "x5c", "crit",
	                                      "b64", "zip", "enc", "cty"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (json_object_get(h, refused[i]))
			return JWT_UNSUPPORTED;

	json_t *typ = json_object_get(h, "typ");
	if (typ) {
		const char *t = json_string_value(typ);
		if (!t || (strcasecmp(t, "JWT") != 0 && strcasecmp(t, "at+jwt") != 0 &&
		           strcasecmp(t, "application/at+jwt") != 0))
			return JWT_UNSUPPORTED;
	}

	const char *a = json_string_value(json_object_get(h, "alg"));
	if (!a)
		return JWT_MALFORMED;
	if (strcmp(a, "RS256") == 0)
		*alg = JWT_RS256;
	else if (strcmp(a, "ES256") == 0)
		*alg = JWT_ES256;
	else
		return JWT_UNSUPPORTED; /* none, HS256, PS256, RS512, ... */

	json_t *kid = json_object_get(h, "kid");
	size_t klen = json_string_length(kid);
	if (!json_is_string(kid) || klen == 0 || klen > JWT_MAX_KID ||
	    strlen(json_string_value(kid)) != klen)
		return JWT_MALFORMED;
	memcpy(claims->kid, json_string_value(kid), klen + 1);
	return JWT_OK;
}

/* ES256's JOSE signature is r || s, 32 bytes each; libcrypto verifies DER. */
static unsigned char *es256_der(const unsigned char *sig, int *der_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;

	*der_len = 0;
	/* r and s are in [1, n-1]; zero would be the "psychic signature" (CVE-2022-21449). */
	if (es && r && s && !BN_is_zero(r) && !BN_is_zero(s) && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL; /* owned by es now */
		*der_len = i2d_ECDSA_SIG(es, &der);
		if (*der_len <= 0) {
			OPENSSL_free(der);
			der = NULL;
		}
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return der;
}

static bool signature_ok(const struct jwt_key *key, const char *input, size_t input_len,
                         const unsigned char *sig, size_t sig_len)
{
	unsigned char *der = NULL;
	int der_len = 0;
	bool ok = false;

	if (key->alg == JWT_ES256) {
		if (sig_len != 64 || !(der = es256_der(sig, &der_len)))
			return false;
		sig = der;
		sig_len = (size_t)der_len;
	} else if ((int)sig_len != EVP_PKEY_get_size(key->pkey)) {
		return false;
	}

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	if (ctx && EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, key->pkey) == 1 &&
	    (key->alg != JWT_RS256 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1))
		ok = EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)input, input_len) ==
		     1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return ok;
}

/* A NumericDate (seconds, integer or not) as whole seconds; -1 when it is not one. */
static int numeric_date(json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return *out >= 0 && *out <= (1LL << 53) ? 0 : -1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!isfinite(d) || d < 0 || d > 9007199254740992.0)
			return -1;
		*out = (int64_t)d; /* d >= 0: truncation is floor */
		return 0;
	}
	return -1;
}

static bool string_is(json_t *v, const char *want)
{
	size_t n = strlen(want);
	return json_is_string(v) && json_string_length(v) == n &&
	       memcmp(json_string_value(v), want, n) == 0;
}

static unsigned perm_bit(const char *s, size_t n)
{
	if (n == strlen(JWT_PERM_READ_NAME) && memcmp(s, JWT_PERM_READ_NAME, n) == 0)
		return JWT_PERM_READ;
	if (n == strlen(JWT_PERM_WRITE_NAME) && memcmp(s, JWT_PERM_WRITE_NAME, n) == 0)
		return JWT_PERM_WRITE;
	return 0;
}

/* Auth0 RBAC puts permissions in "permissions"; OAuth scopes are one space-separated string. */
static enum jwt_status permissions(json_t *c, unsigned *perms)
{
	json_t *list = json_object_get(c, "permissions"), *scope = json_object_get(c, "scope");
	json_t *p;
	size_t i;

	*perms = 0;
	if (list && !json_is_array(list))
		return JWT_BAD_CLAIMS;
	json_array_foreach(list, i, p)
	{
		if (!json_is_string(p))
			return JWT_BAD_CLAIMS;
		*perms |= perm_bit(json_string_value(p), json_string_length(p));
	}
	if (scope && !json_is_string(scope))
		return JWT_BAD_CLAIMS;
	const char *s = json_string_value(scope);
	while (s && *s) {
		size_t n = strcspn(s, " ");
		*perms |= perm_bit(s, n);
		s += n + strspn(s + n, " ");
	}
	return JWT_OK;
}

static enum jwt_status check_audience(json_t *aud, const char *audience)
{
	json_t *a;
	size_t i;
	bool found = false;

	if (!aud)
		return JWT_WRONG_AUDIENCE;
	if (json_is_string(aud))
		return string_is(aud, audience) ? JWT_OK : JWT_WRONG_AUDIENCE;
	if (!json_is_array(aud) || json_array_size(aud) == 0 || json_array_size(aud) > JWT_MAX_AUD)
		return JWT_BAD_CLAIMS;
	json_array_foreach(aud, i, a)
	{
		if (!json_is_string(a))
			return JWT_BAD_CLAIMS;
		found = found || string_is(a, audience);
	}
	return found ? JWT_OK : JWT_WRONG_AUDIENCE;
}

/* sub goes into logs, a FastCGI header and events: printable ASCII without spaces only. */
static enum jwt_status check_subject(json_t *sub, char out[JWT_MAX_SUB + 1])
{
	size_t n = json_string_length(sub);
	const char *s = json_string_value(sub);

	if (!s || n == 0 || n > JWT_MAX_SUB || strcmp(s, JWT_RESERVED_SUB) == 0)
		return JWT_BAD_CLAIMS;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return JWT_BAD_CLAIMS;
	memcpy(out, s, n + 1);
	return JWT_OK;
}

static enum jwt_status check_claims(json_t *c, const struct jwt_policy *policy, int64_t now,
                                    struct jwt_claims *claims)
{
	int64_t exp, nbf = 0, iat = 0;
	json_t *v;
	enum jwt_status st;

	if (!string_is(json_object_get(c, "iss"), policy->issuer))
		return json_object_get(c, "iss") ? JWT_WRONG_ISSUER : JWT_BAD_CLAIMS;
	st = check_audience(json_object_get(c, "aud"), policy->audience);
	if (st)
		return st;
	if (numeric_date(json_object_get(c, "exp"), &exp))
		return JWT_BAD_CLAIMS;
	if ((v = json_object_get(c, "nbf")) && numeric_date(v, &nbf))
		return JWT_BAD_CLAIMS;
	if ((v = json_object_get(c, "iat")) && numeric_date(v, &iat))
		return JWT_BAD_CLAIMS;
	/* Valid while now < exp + leeway; nbf and iat may be up to leeway ahead of now. */
	if (now >= exp + policy->leeway)
		return JWT_EXPIRED;
	if (json_object_get(c, "nbf") && nbf > now + policy->leeway)
		return JWT_NOT_YET_VALID;
	if (json_object_get(c, "iat") && iat > now + policy->leeway)
		return JWT_NOT_YET_VALID;
	st = check_subject(json_object_get(c, "sub"), claims->sub);
	if (st)
		return st;
	claims->exp = exp;
	return permissions(c, &claims->perms);
}

enum jwt_status jwt_verify(const char *token, size_t len, const struct jwt_keyset *keys,
                           const struct jwt_policy *policy, int64_t now, struct jwt_claims *claims)
{
	unsigned char sig[JWT_MAX_SIGNATURE];
	enum jwt_alg alg;
	enum jwt_status st;

	memset(claims, 0, sizeof(*claims));
	if (!token || len == 0 || len > JWT_MAX_TOKEN)
		return JWT_MALFORMED;
	/* Exactly three non-empty parts: header.claims.signature. */
	const char *dot1 = memchr(token, '.', len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return JWT_MALFORMED;
	size_t hlen = (size_t)(dot1 - token), clen = (size_t)(dot2 - dot1 - 1);
	size_t slen = len - (size_t)(dot2 + 1 - token);
	if (hlen == 0 || clen == 0 || slen == 0)
		return JWT_MALFORMED;

	json_t *header = part_object(token, hlen, JWT_MAX_HEADER);
	if (!header)
		return JWT_MALFORMED;
	st = check_header(header, &alg, claims);
	json_decref(header);
	if (st)
		return st;

	/* The key decides the algorithm: a token cannot make an RSA key an HMAC secret. */
	const struct jwt_key *key = jwt_keyset_find(keys, claims->kid);
	if (!key)
		return JWT_UNKNOWN_KID;
	if (key->alg != alg)
		return JWT_ALG_MISMATCH;

	long n = jwt_b64url_decode(dot2 + 1, slen, sig, sizeof(sig));
	if (n <= 0)
		return JWT_MALFORMED;
	if (!signature_ok(key, token, (size_t)(dot2 - token), sig, (size_t)n))
		return JWT_BAD_SIGNATURE;

	json_t *c = part_object(dot1 + 1, clen, JWT_MAX_CLAIMS);
	if (!c)
		return JWT_MALFORMED;
	st = check_claims(c, policy, now, claims);
	json_decref(c);
	return st;
}
