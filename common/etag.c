/*
 * ETags: XXH3-128 of an answer's headers, media type and body, and If-None-Match's weak
 * comparison. Nothing here decides which answers are cacheable beyond "a GET that is a 200".
 */
#include "etag.h"

#include <string.h>
#include <xxhash.h>

#include "req.h"
#include "resp.h"

bool etag_matches(const char *if_none_match, const char *etag)
{
	const char *p = if_none_match;
	size_t elen = strlen(etag);

	if (!p)
		return false;
	while (*p) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		/* If-None-Match compares weakly: W/"x" names "x". */
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return false;
		const char *end = strchr(p + 1, '"');
		if (!end)
			return false;
		if ((size_t)(end + 1 - p) == elen && memcmp(p, etag, elen) == 0)
			return true;
		p = end + 1;
	}
	return false;
}

int etag_apply(const struct req *req, struct resp *resp)
{
	static const char hex[] = "0123456789abcdef";
	XXH128_canonical_t canonical;
	char etag[2 * sizeof(canonical.digest) + 3];

	if (strcmp(req->method, "GET") != 0 || resp->status != 200)
		return 0;
	/* The headers and the media type seed the hash of the body: all three are covered. */
	const char *ctype = resp->content_type ? resp->content_type : "";
	XXH64_hash_t seed =
	    XXH3_64bits_withSeed(resp->headers.data ? resp->headers.data : "", resp->headers.len,
	                         XXH3_64bits(ctype, strlen(ctype)));
	XXH128_canonicalFromHash(
	    &canonical,
	    XXH3_128bits_withSeed(resp->body.data ? resp->body.data : "", resp->body.len, seed));
	etag[0] = '"';
	for (size_t i = 0; i < sizeof(canonical.digest); i++) {
		etag[1 + 2 * i] = hex[canonical.digest[i] >> 4];
		etag[2 + 2 * i] = hex[canonical.digest[i] & 15];
	}
	etag[sizeof(etag) - 2] = '"';
	etag[sizeof(etag) - 1] = '\0';

	if (buf_printf(&resp->headers, "ETag: %s\r\nCache-Control: no-cache\r\n", etag))
		return -1;
	if (etag_matches(req->if_none_match, etag)) {
		resp->status = 304;
		buf_reset(&resp->body);
	}
	return 0;
}
