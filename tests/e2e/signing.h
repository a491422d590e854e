/*
 * Signed webhook deliveries for the suites that test them (Standard Webhooks). Signatures are
 * made here with libcrypto's one-shot HMAC() over one buffer, independently of the service's
 * common/signature.c, so a test never checks the verifier against itself. Header-only (static
 * inline) so that only the suites that include it get it.
 */
#ifndef E2E_SIGNING_H
#define E2E_SIGNING_H

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

/* "v1,<base64 HMAC-SHA256 of id.ts.body under secret>" into out. */
static inline void sign_entry(char out[64], const char *secret, const char *id, const char *ts,
                              const char *body)
{
	size_t n = strlen(id) + strlen(ts) + strlen(body) + 3;
	char *content = malloc(n);
	unsigned char mac[32];
	unsigned int mac_len = 0;

	snprintf(content, n, "%s.%s.%s", id, ts, body);
	assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret),
	                     (const unsigned char *)content, strlen(content), mac, &mac_len));
	assert_int_equal(mac_len, 32);
	memcpy(out, "v1,", 3);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)out + 3, mac, 32), 44);
	free(content);
}

/* A webhook-timestamp offset seconds from now (by this machine's clock, which is the stack's). */
static inline const char *timestamp_from_now(char out[24], int64_t offset)
{
	snprintf(out, 24, "%" PRId64, (int64_t)time(NULL) + offset);
	return out;
}

/* Signs body with secret under webhook-id id as of now: the timestamp into ts, the entry into sig. */
static inline void sign_now(char ts[24], char sig[64], const char *secret, const char *id,
                            const char *body)
{
	timestamp_from_now(ts, 0);
	sign_entry(sig, secret, id, ts, body);
}

/*
 * POST /deployment/webhook with body and the given header values; NULL leaves a header out
 * (authorization: the Authorization value, or NULL for none).
 */
static inline struct reply webhook_raw(const char *authorization, const char *id, const char *ts,
                                       const char *signature, const char *body)
{
	const char *names[] = {"webhook-id", "webhook-timestamp", "webhook-signature"};
	const char *values[] = {id, ts, signature};
	const char *extra[4];
	char h[3][1024];
	int n = 0;

	for (int i = 0; i < 3; i++) {
		if (!values[i])
			continue;
		snprintf(h[n], sizeof(h[n]), "%s: %s", names[i], values[i]);
		extra[n] = h[n];
		n++;
	}
	extra[n] = NULL;
	return http(PROJECT, "POST", "/deployment/webhook", authorization, NULL, body, extra);
}

/* The body {"id": <deployment>, "status": "<status>"} into out. */
static inline const char *status_body(char out[128], int64_t deployment, const char *status)
{
	snprintf(out, 128, "{\"id\": %" PRId64 ", \"status\": \"%s\"}", deployment, status);
	return out;
}

/* Signs body with secret, as of now, under webhook-id id, and delivers it (no Authorization). */
static inline struct reply webhook_signed(const char *secret, const char *id, const char *body)
{
	char ts[24], sig[64];
	sign_now(ts, sig, secret, id, body);
	return webhook_raw(NULL, id, ts, sig, body);
}

/* Asserts a 401 of the webhook: its challenge, and a message containing what. */
static inline void assert_webhook_401(struct reply *r, const char *what)
{
	if (r->status != 401)
		fail_msg("expected 401 (%s), got %ld %s", what, r->status, r->body);
	assert_error(r, 401, "Unauthorized");
	assert_string_equal(reply_header(r, "WWW-Authenticate"), "Bearer realm=\"webhook\"");
	const char *message = json_string_value(json_object_get(r->json, "message"));
	if (!message || !strstr(message, what))
		fail_msg("message '%s' does not say '%s'", message ? message : "", what);
}

#endif
