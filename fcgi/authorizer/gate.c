/*
 * The authorizer's decision for one request, from what lighttpd passes an authorizer: the
 * method, the Authorization header, and PANEL_PASSED, which only auth.lua can set (a client's
 * headers reach a FastCGI app as HTTP_* variables, never under another name). Answers 200 to let
 * the request on, 401 or 403 to refuse it; lighttpd sends a refusal to the client as it is.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authorizer.h"
#include "http.h"
#include "log.h"
#include "resp.h"

/* The token of "Authorization: Bearer <token>" (scheme case-insensitive), else NULL. */
static const char *bearer_token(const char *header, size_t *len)
{
	if (!header || strncasecmp(header, "Bearer", 6) != 0 ||
	    (header[6] != ' ' && header[6] != '\t'))
		return NULL;
	header += 6 + strspn(header + 6, " \t");
	*len = strlen(header);
	while (*len && (header[*len - 1] == ' ' || header[*len - 1] == '\t'))
		(*len)--;
	return *len ? header : NULL;
}

static enum err refuse(struct resp *resp, bool offered, const char *message)
{
	resp_header(resp, "WWW-Authenticate", "Bearer realm=\"project\"%s",
	            offered ? ", error=\"invalid_token\"" : "");
	return resp_error(resp, ERR_UNAUTHORIZED, "%s", message);
}

static const char *refusal_message(enum jwt_status st)
{
	switch (st) {
	case JWT_EXPIRED: return "the bearer token has expired";
	case JWT_NOT_YET_VALID: return "the bearer token is not valid yet";
	/* Anything else says no more: the client learns nothing about keys or signatures. */
	default: return "the bearer token is invalid";
	}
}

/* Verifies a token the cache does not know, refreshing the keys once for an unknown kid. */
static enum jwt_status verify(struct authorizer *a, const char *token, size_t len,
                              struct jwt_claims *claims)
{
	int64_t now = a->now();
	enum jwt_status st = jwt_verify(token, len, &a->keyring.keys, &a->policy, now, claims);

	if (st == JWT_UNKNOWN_KID && keyring_refresh(&a->keyring)) {
		token_cache_clear(&a->cache);
		st = jwt_verify(token, len, &a->keyring.keys, &a->policy, now, claims);
	}
	return st;
}

/*
 * What auth.lua may remember of this acceptance, so that the same Authorization header skips
 * this hop until then (lighttpd/auth.lua): the end of the token's validity (exp + leeway, the
 * same as this process's cache), the permissions that count (every one when JWT_PERMISSIONS is
 * off) and the generation of the keys that accepted it, which the pool publishes as the size
 * of srv/jwks.generation. Without a shared generation (no usable state directory) nothing is
 * offered, and auth.lua remembers nothing.
 */
static void remembered_as(const struct authorizer *a, struct resp *resp, unsigned perms,
                          int64_t valid_until)
{
	if (a->keyring.generation_fd < 0)
		return;
	if (!a->permissions)
		perms = JWT_PERM_READ | JWT_PERM_WRITE;
	resp_header(resp, "Variable-PANEL_JWT_UNTIL", "%lld", (long long)valid_until);
	resp_header(resp, "Variable-PANEL_JWT_PERMS", "%s%s%s", perms & JWT_PERM_READ ? "r" : "",
	            perms & JWT_PERM_WRITE ? "w" : "", perms ? "" : "-");
	resp_header(resp, "Variable-PANEL_JWT_KEYS", "%llu",
	            (unsigned long long)a->keyring.generation);
}

enum err authorizer_handle(struct req *req, struct resp *resp)
{
	struct authorizer *a = req->app;
	const char *passed = http_req_param(req, "PANEL_PASSED");
	unsigned char digest[TOKEN_DIGEST];
	struct jwt_claims claims;
	const char *actor;
	unsigned perms;
	int64_t valid_until;
	size_t len = 0;

	/* auth.lua let it through already: an exemption, or the static token (token,jwt). */
	if (passed && strcmp(passed, "1") == 0) {
		resp->status = 200;
		return ERR_OK;
	}
	const char *token = bearer_token(req->authorization, &len);
	if (!token)
		return refuse(resp, false, "a bearer token is required");

	if (keyring_sync(&a->keyring))
		token_cache_clear(&a->cache);
	token_cache_digest(token, len, digest);
	const struct token_cache_entry *hit = token_cache_get(&a->cache, digest, a->now());
	if (hit) {
		actor = hit->sub;
		perms = hit->perms;
		valid_until = hit->valid_until;
	} else {
		enum jwt_status st = verify(a, token, len, &claims);
		if (st) {
			log_info("bearer token refused: %s (kid \"%s\")", jwt_status_text(st),
			         claims.kid);
			return refuse(resp, true, refusal_message(st));
		}
		valid_until = claims.exp + a->policy.leeway;
		token_cache_put(&a->cache, digest, &claims, valid_until);
		actor = claims.sub;
		perms = claims.perms;
	}

	if (a->permissions) {
		bool read = strcmp(req->method, "GET") == 0; /* HEAD is reported as GET */
		unsigned need = read ? JWT_PERM_READ : JWT_PERM_WRITE;
		const char *name = read ? JWT_PERM_READ_NAME : JWT_PERM_WRITE_NAME;
		if (!(perms & need)) {
			log_info("%s lacks %s", actor, name);
			resp_header(resp, "WWW-Authenticate",
			            "Bearer realm=\"project\", error=\"insufficient_scope\", "
			            "scope=\"%s\"",
			            name);
			return resp_error(resp, ERR_FORBIDDEN, "the token lacks the permission %s",
			                  name);
		}
	}
	/* lighttpd turns Variable-* of a 200 into the responder's environment (REMOTE_USER). */
	resp_header(resp, "Variable-REMOTE_USER", "%s", actor);
	remembered_as(a, resp, perms, valid_until);
	resp->status = 200;
	return ERR_OK;
}
