/*
 * Conditional GETs: a strong ETag over every byte of an answer that can differ, and the 304 it
 * earns when If-None-Match names it (RFC 9110). Knows answers, not resources.
 */
#ifndef PANEL_ETAG_H
#define PANEL_ETAG_H

#include <stdbool.h>

struct req;
struct resp;

/*
 * Makes a GET answer conditional: a 200 gets a strong ETag derived from every byte that can
 * differ (its extra headers, such as Link and X-Total-Count, its media type and its body), and
 * becomes a 304 without a body when req's If-None-Match names that tag. Other answers are left
 * alone. Returns -1 (the answer unchanged) when the tag does not fit its headers.
 */
int etag_apply(const struct req *req, struct resp *resp);

/* True when an If-None-Match value ("*", or a list of tags, weak or not) names etag. */
bool etag_matches(const char *if_none_match, const char *etag);

#endif
