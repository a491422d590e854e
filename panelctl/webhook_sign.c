/*
 * panelctl webhook-sign: signs a webhook body as a build system would (Standard Webhooks, with
 * the project's app secret as the key) and prints the three headers, for operators and tests.
 * Needs no database.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "panelctl.h"
#include "signature.h"

int webhook_sign(const char *secret, const char *id, const char *timestamp, const char *body)
{
	char now[24], signature[SIGNATURE_LEN + 1];
	int64_t ts;

	if (!*secret) {
		fprintf(stderr, "panelctl: the secret must not be empty\n");
		return 1;
	}
	if (!signature_id_valid(id)) {
		fprintf(stderr, "panelctl: --id: %s\n", signature_result_message(SIGNATURE_BAD_ID));
		return 1;
	}
	if (!timestamp) {
		snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
		timestamp = now;
	} else if (!signature_timestamp_parse(timestamp, &ts)) {
		fprintf(stderr, "panelctl: --timestamp: %s\n",
		        signature_result_message(SIGNATURE_BAD_TIMESTAMP));
		return 1;
	}
	if (!signature_compute(secret, strlen(secret), id, timestamp, body, strlen(body),
	                       signature)) {
		fprintf(stderr, "panelctl: %s\n", signature_result_message(SIGNATURE_FAILED));
		return 1;
	}
	printf("webhook-id: %s\nwebhook-timestamp: %s\nwebhook-signature: v1,%s\n", id, timestamp,
	       signature);
	return 0;
}
