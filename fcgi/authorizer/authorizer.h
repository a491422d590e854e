/*
 * The project service's FastCGI authorizer (lighttpd "mode" => "authorizer"), used when
 * PROJECT_AUTH is jwt or token,jwt: it answers 200 to let a request on to the project pool,
 * with "Variable-REMOTE_USER: <sub>" for the workers and the access log, or 401/403 to refuse
 * it, which lighttpd sends to the client as it is. Its parts: the keys (keyring.c: JWKS from a
 * file and/or a URL, refreshed at most once per interval across the pool), a cache of verified
 * tokens (cache.c) and the decision itself (gate.c). The verifier is jwt.h.
 */
#ifndef AUTHORIZER_H
#define AUTHORIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "jwt.h"

struct req;
struct resp;

/* ---- keyring.c ------------------------------------------------------------------------- */

/*
 * What every authorizer process of a stack shares, mapped from $PANEL_STATE_DIR/srv/jwks.state:
 * when the keys were last fetched and a generation that grows with each fetch. The fetched
 * document itself is published as $PANEL_STATE_DIR/srv/jwks.json, and the generation as the
 * size of $PANEL_STATE_DIR/srv/jwks.generation (one byte written at offset generation - 1, so
 * the size only grows), which lighttpd's auth.lua reads with a stat to forget the acceptances
 * it remembered under older keys.
 */
struct keyring_shared {
	int64_t last_fetch_ms; /* CLOCK_MONOTONIC; 0: never */
	uint64_t generation;
};

struct keyring {
	const char *file;     /* JWT_JWKS_FILE, or NULL */
	const char *url;      /* JWT_JWKS_URL, or NULL */
	int64_t interval_ms;  /* the least time between two fetches (JWT_JWKS_MIN_INTERVAL) */
	char published[1024]; /* where the fetched document is shared ("" when not shared) */
	struct keyring_shared *shared; /* mapped, or private to this process (see keyring_open) */
	bool shared_private;           /* no shared state: the interval holds per process */
	int generation_fd;             /* srv/jwks.generation, or -1 (not shared) */
	struct buf fetched;            /* the URL's document when it is not shared */
	uint64_t generation;           /* of the keys held */
	struct jwt_keyset keys;
	unsigned long fetches; /* made by this process, for logs and tests */
};

/*
 * Whether url may serve keys: https, or http to a loopback address (127.0.0.0/8, [::1],
 * localhost). Writes why not into err.
 */
bool keyring_url_allowed(const char *url, char *err, size_t errlen);

/*
 * Maps the shared state under state_dir (NULL or unusable: this process's own, with a warning:
 * then the interval holds per process only) and loads the keys: the file, and the URL's
 * document, fetched now unless another process of the pool has already fetched it (the first
 * to start fetches; the others wait up to 10 s for it and read what it published). Returns the
 * number of keys held; errors are logged.
 */
size_t keyring_open(struct keyring *kr, const char *state_dir);

/* Picks up keys another process fetched since (one atomic read when nothing changed). Returns
 * true when the keys were reloaded. */
bool keyring_sync(struct keyring *kr);

/*
 * A token named a kid we do not have: fetch the URL (and read the file) again, unless any
 * process of the pool did so less than the interval ago. Returns true when the keys were
 * reloaded (by this call or by another process since the last sync).
 */
bool keyring_refresh(struct keyring *kr);

void keyring_close(struct keyring *kr);

/* ---- cache.c --------------------------------------------------------------------------- */

/*
 * Verified tokens, by the SHA-256 of their compact form, until their exp (plus leeway): a busy
 * client pays for RSA once per token, not per request. Direct-mapped and fixed in size, so a
 * flood of distinct valid tokens evicts but never grows it. Refusals are never cached.
 */
enum { TOKEN_CACHE_SLOTS = 1024, TOKEN_DIGEST = 32 };

struct token_cache_entry {
	unsigned char digest[TOKEN_DIGEST];
	int64_t valid_until; /* Unix seconds; the entry is used while now < valid_until */
	unsigned perms;
	char sub[JWT_MAX_SUB + 1];
};

struct token_cache {
	struct token_cache_entry slots[TOKEN_CACHE_SLOTS];
	unsigned long hits, misses;
};

void token_cache_digest(const char *token, size_t len, unsigned char digest[TOKEN_DIGEST]);

/* The entry of digest while now < its valid_until, else NULL (borrowed). */
const struct token_cache_entry *
token_cache_get(struct token_cache *c, const unsigned char digest[TOKEN_DIGEST], int64_t now);

/* Remembers verified claims until valid_until (replacing what shared the slot). */
void token_cache_put(struct token_cache *c, const unsigned char digest[TOKEN_DIGEST],
                     const struct jwt_claims *claims, int64_t valid_until);

/* Forgets everything (the keys changed: a key that went may not keep its tokens valid). */
void token_cache_clear(struct token_cache *c);

/* ---- gate.c ---------------------------------------------------------------------------- */

struct authorizer {
	struct jwt_policy policy;
	bool
	    permissions; /* JWT_PERMISSIONS=1: reads need read:projects, writes write:deployments */
	struct keyring keyring;
	struct token_cache cache;
	int64_t (*now)(void); /* Unix seconds; time(NULL) but for tests */
};

/*
 * The authorizer's answer to one request (req->app is the struct authorizer). 200 when
 * auth.lua already let the request pass (PANEL_PASSED=1: an exemption, or the static token in
 * token,jwt mode); else the bearer JWT decides: 200 with Variable-REMOTE_USER, 401 with
 * WWW-Authenticate (error="invalid_token" when a bearer token was offered), or 403 when
 * permissions are required and missing.
 */
enum err authorizer_handle(struct req *req, struct resp *resp);

#endif
