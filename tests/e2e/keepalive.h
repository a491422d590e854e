/*
 * Requests on a kept-alive libcurl handle, for the suites that generate load (faults, soak):
 * one handle per thread, reused, so the load measures the stack, not TCP set-up. Header-only
 * (static inline) like deploy.h.
 */
#ifndef E2E_KEEPALIVE_H
#define E2E_KEEPALIVE_H

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "client.h"

static inline size_t keepalive_sink(char *data, size_t size, size_t n, void *b)
{
	return buf_append(b, data, size * n) ? 0 : size * n;
}

/*
 * Sends method path to svc on handle c with the given Authorization value (NULL: the
 * service's bearer token) and JSON body (NULL: none; a POST then sends an empty body). The
 * answer's body lands in out. Returns the status, or 0 when no answer came back.
 */
static inline long keepalive_request(CURL *c, enum service svc, const char *method,
                                     const char *path, const char *authorization, const char *json,
                                     struct buf *out)
{
	char url[512], auth[512];
	struct curl_slist *h = NULL;
	long status = 0;

	snprintf(url, sizeof(url), "%s%s", service_url(svc), path);
	if (authorization)
		snprintf(auth, sizeof(auth), "Authorization: %s", authorization);
	else
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", service_token(svc));
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, "Content-Type: application/json");
	buf_reset(out);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keepalive_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(json ? strlen(json) : 0));
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	buf_append(out, "", 0);
	return status;
}

#endif
