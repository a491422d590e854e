/*
 * Standard Webhooks signatures over libcrypto's HMAC (EVP_MAC). Parsing is done in place on
 * the header strings; nothing here allocates but libcrypto's MAC context.
 */
#include "signature.h"

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <string.h>

const char *signature_result_message(enum signature_result r)
{
	switch (r) {
	case SIGNATURE_OK: return "signature verified";
	case SIGNATURE_BAD_ID:
		return "webhook-id must be 1 to 255 printable ASCII characters other than '.'";
	case SIGNATURE_BAD_TIMESTAMP: return "webhook-timestamp must be Unix seconds (digits only)";
	case SIGNATURE_OUTSIDE_WINDOW:
		return "timestamp outside the tolerance window (5 minutes either way)";
	case SIGNATURE_NO_MATCH: return "no signature matches";
	case SIGNATURE_FAILED: break;
	}
	return "the signature could not be checked";
}

bool signature_id_valid(const char *id)
{
	size_t n = 0;

	if (!id)
		return false;
	for (; id[n]; n++)
		if (n == SIGNATURE_ID_MAX || (unsigned char)id[n] < 0x21 ||
		    (unsigned char)id[n] > 0x7e || id[n] == '.')
			return false;
	return n > 0;
}

bool signature_timestamp_parse(const char *text, int64_t *out)
{
	int64_t v = 0;
	size_t n = 0;

	if (!text)
		return false;
	for (; text[n]; n++) {
		if (n == SIGNATURE_TIMESTAMP_DIGITS_MAX || text[n] < '0' || text[n] > '9')
			return false;
		v = v * 10 + (text[n] - '0');
	}
	if (n == 0)
		return false;
	*out = v;
	return true;
}

bool signature_entry_next(const char **cursor, struct signature_entry *e)
{
	const char *p = *cursor + strspn(*cursor, " ");
	size_t len = strcspn(p, " ");

	if (len == 0) {
		*cursor = p;
		return false;
	}
	const char *comma = memchr(p, ',', len);
	e->version = p;
	e->has_comma = comma != NULL;
	e->version_len = comma ? (size_t)(comma - p) : len;
	e->value = comma ? comma + 1 : p + len;
	e->value_len = comma ? len - e->version_len - 1 : 0;
	*cursor = p + len;
	return true;
}

/* HMAC is fetched once per process: fetching is the costly part of libcrypto's MAC setup. */
static EVP_MAC *hmac(void)
{
	static EVP_MAC *mac;
	if (!mac)
		mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	return mac;
}

bool signature_compute(const void *key, size_t key_len, const char *id, const char *timestamp,
                       const void *body, size_t body_len, char out[SIGNATURE_LEN + 1])
{
	static char digest[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
	                       OSSL_PARAM_construct_end()};
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0;
	EVP_MAC_CTX *ctx;
	bool ok;

	out[0] = '\0';
	if (key_len == 0 || !hmac() || !(ctx = EVP_MAC_CTX_new(hmac())))
		return false;
	ok = EVP_MAC_init(ctx, key, key_len, params) &&
	     EVP_MAC_update(ctx, (const unsigned char *)id, strlen(id)) &&
	     EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
	     EVP_MAC_update(ctx, (const unsigned char *)timestamp, strlen(timestamp)) &&
	     EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
	     (body_len == 0 || EVP_MAC_update(ctx, body, body_len)) &&
	     EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) && mac_len == 32;
	EVP_MAC_CTX_free(ctx);
	if (ok)
		ok = EVP_EncodeBlock((unsigned char *)out, mac, 32) == SIGNATURE_LEN;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!ok)
		out[0] = '\0';
	return ok;
}

bool signature_header_matches(const char *header, const char expected[SIGNATURE_LEN + 1])
{
	struct signature_entry e;
	bool matched = false;

	if (!header)
		return false;
	while (signature_entry_next(&header, &e)) {
		/* Only the length of an entry, which is public, decides whether it is compared. */
		if (e.version_len != 2 || memcmp(e.version, "v1", 2) != 0 ||
		    e.value_len != SIGNATURE_LEN)
			continue;
		matched |= CRYPTO_memcmp(e.value, expected, SIGNATURE_LEN) == 0;
	}
	return matched;
}

enum signature_result signature_verify(const void *key, size_t key_len,
                                       const struct signature_delivery *d, int64_t now,
                                       int64_t *timestamp)
{
	char expected[SIGNATURE_LEN + 1];
	int64_t ts;

	if (!signature_id_valid(d->id))
		return SIGNATURE_BAD_ID;
	if (!signature_timestamp_parse(d->timestamp, &ts))
		return SIGNATURE_BAD_TIMESTAMP;
	if (timestamp)
		*timestamp = ts;
	if (ts < now - SIGNATURE_TOLERANCE || ts > now + SIGNATURE_TOLERANCE)
		return SIGNATURE_OUTSIDE_WINDOW;
	if (key_len == 0)
		return SIGNATURE_NO_MATCH;
	if (!signature_compute(key, key_len, d->id, d->timestamp, d->body, d->body_len, expected))
		return SIGNATURE_FAILED;
	bool ok = signature_header_matches(d->signature, expected);
	OPENSSL_cleanse(expected, sizeof(expected));
	return ok ? SIGNATURE_OK : SIGNATURE_NO_MATCH;
}
