/*
 * bin/project-authorizer: the JWT gate in front of the project pool (PROJECT_AUTH=jwt or
 * token,jwt), spawned by lighttpd like the worker pools. Configuration, the keys, then the
 * accept loop. `project-authorizer --check` validates the configuration and loads the keys
 * once (publishing them for the pool), so scripts/stack refuses to start with a clear message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authorizer.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "route.h"

static int64_t now_seconds(void)
{
	return (int64_t)time(NULL);
}

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	return -1;
}

/* A host name: letters, digits, dots and hyphens only (it becomes part of two URLs). */
static bool host_name(const char *s)
{
	return *s &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
	           strlen(s);
}

/* Everything from the environment; returns 0, or -1 after saying what is wrong. */
static int configure(struct authorizer *a)
{
	static char issuer[512], url[600];
	const char *mode = config_str("PROJECT_AUTH", "token");
	const char *domain = config_str("AUTH0_DOMAIN", NULL);
	char why[256];

	if (strcmp(mode, "jwt") != 0 && strcmp(mode, "token,jwt") != 0)
		return bad("PROJECT_AUTH is \"%s\"; the authorizer serves jwt and token,jwt", mode);
	/* AUTH0_DOMAIN=TENANT.eu.auth0.com is the short form of the issuer and the JWKS URL. */
	if (domain) {
		if (!host_name(domain) || strlen(domain) > 255)
			return bad("AUTH0_DOMAIN must be a host name such as TENANT.eu.auth0.com, "
			           "not \"%s\"",
			           domain);
		snprintf(issuer, sizeof(issuer), "https://%s/", domain);
		snprintf(url, sizeof(url), "https://%s/.well-known/jwks.json", domain);
	}
	a->policy.issuer = config_str("JWT_ISSUER", domain ? issuer : NULL);
	a->policy.audience = config_str("JWT_AUDIENCE", NULL);
	a->policy.leeway = config_long("JWT_LEEWAY", 30, 0, 300);
	a->permissions = config_long("JWT_PERMISSIONS", 0, 0, 1) == 1;
	a->keyring.file = config_str("JWT_JWKS_FILE", NULL);
	a->keyring.url = config_str("JWT_JWKS_URL", domain ? url : NULL);
	a->keyring.interval_ms = 1000 * config_long("JWT_JWKS_MIN_INTERVAL", 60, 1, 86400);
	a->now = now_seconds;

	if (!a->policy.issuer)
		return bad("%s", "JWT_ISSUER (or AUTH0_DOMAIN) must be set");
	if (!a->policy.audience)
		return bad("%s", "JWT_AUDIENCE must be set (the identifier of the API)");
	if (!a->keyring.file && !a->keyring.url)
		return bad("%s", "JWT_JWKS_FILE or JWT_JWKS_URL (or AUTH0_DOMAIN) must be set");
	if (a->keyring.url && !keyring_url_allowed(a->keyring.url, why, sizeof(why)))
		return bad("%s", why);
	return 0;
}

/* The table holds one row: metrics count the authorizer's answers under it. */
static const struct route authorizer_routes[] = {
    {"*", "*", authorizer_handle, 0, NULL},
};

int main(int argc, char **argv)
{
	static struct authorizer a;
	bool check = argc > 1 && strcmp(argv[1], "--check") == 0;

	log_init("authorizer");
	if (configure(&a))
		return 1;
	/* A check fetches on its own: the pool it precedes starts with a clean state. */
	size_t n = keyring_open(&a.keyring, check ? NULL : config_str("PANEL_STATE_DIR", NULL));
	if (check) {
		if (n == 0) {
			log_error("no usable signing key in %s%s%s",
			          a.keyring.file ? a.keyring.file : "",
			          a.keyring.file && a.keyring.url ? " or " : "",
			          a.keyring.url ? a.keyring.url : "");
			keyring_close(&a.keyring);
			return 1;
		}
		keyring_close(&a.keyring);
		return 0;
	}
	if (n == 0)
		log_warn(
		    "no usable signing key yet: every token is refused until a refresh finds one");
	if (!config_str("PANEL_STATE_DIR", NULL))
		log_warn("PANEL_STATE_DIR is not set: each process fetches keys on its own");

	int rc = http_serve_authorizer("authorizer", authorizer_routes, &a);
	keyring_close(&a.keyring);
	return rc;
}
