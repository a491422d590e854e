/*
 * Standard Webhooks signatures: HMAC-SHA256 (libcrypto) over "<webhook-id>.<webhook-timestamp>.
 * <raw body>", the syntax of the three webhook-* headers, and the verification of a delivery.
 * Knows no project, no HTTP and no database (no libpq, no FastCGI here), so it is unit-tested
 * and fuzzed on its own; the caller supplies the key and the current time.
 */
#ifndef PANEL_SIGNATURE_H
#define PANEL_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	SIGNATURE_TOLERANCE = 300,           /* seconds a timestamp may be from now, either way */
	SIGNATURE_ID_MAX = 255,              /* characters of a webhook-id */
	SIGNATURE_TIMESTAMP_DIGITS_MAX = 12, /* digits of a webhook-timestamp */
	SIGNATURE_LEN = 44,                  /* base64 of the 32 bytes of an HMAC-SHA256 */
};

/* The outcome of a verification, in the order the checks are made. */
enum signature_result {
	SIGNATURE_OK,
	SIGNATURE_BAD_ID,         /* webhook-id: not 1-255 of 0x21-0x7e other than '.' */
	SIGNATURE_BAD_TIMESTAMP,  /* webhook-timestamp: not 1-12 decimal digits */
	SIGNATURE_OUTSIDE_WINDOW, /* more than SIGNATURE_TOLERANCE seconds from now */
	SIGNATURE_NO_MATCH,       /* no v1 entry matches (or the key is empty) */
	SIGNATURE_FAILED,         /* libcrypto failed: an internal error */
};

/* A message for a client, naming what failed and never the expected value (static string). */
const char *signature_result_message(enum signature_result r);

/*
 * A webhook-id we accept: 1 to SIGNATURE_ID_MAX printable ASCII characters (0x21-0x7e) other
 * than '.', which delimits the signed content (the spec asks receivers not to allow it).
 */
bool signature_id_valid(const char *id);

/* Reads a webhook-timestamp: 1 to SIGNATURE_TIMESTAMP_DIGITS_MAX decimal digits, nothing else. */
bool signature_timestamp_parse(const char *text, int64_t *out);

/* One space-separated entry of a webhook-signature value: "<version>,<value>". */
struct signature_entry {
	const char *version; /* borrowed from the header; not NUL-terminated */
	size_t version_len;
	const char *value; /* after the first comma; empty (value_len 0) when there is none */
	size_t value_len;
	bool has_comma;
};

/*
 * Reads the entry at *cursor (skipping spaces) into e and moves *cursor past it. Returns false
 * when only spaces are left. Entries never contain a space and are never empty.
 */
bool signature_entry_next(const char **cursor, struct signature_entry *e);

/*
 * The base64 HMAC-SHA256 under key (key_len bytes, at least one) of id "." timestamp "." body,
 * written NUL-terminated to out. Returns false when the key is empty or libcrypto fails.
 */
bool signature_compute(const void *key, size_t key_len, const char *id, const char *timestamp,
                       const void *body, size_t body_len, char out[SIGNATURE_LEN + 1]);

/*
 * Whether an entry of header with version "v1" equals expected. Every v1 entry is compared in
 * constant time (CRYPTO_memcmp), and all of them are compared; other versions are ignored.
 */
bool signature_header_matches(const char *header, const char expected[SIGNATURE_LEN + 1]);

/* What a signed delivery carries; every pointer is borrowed and may be NULL only where noted. */
struct signature_delivery {
	const char *id;        /* webhook-id */
	const char *timestamp; /* webhook-timestamp */
	const char *signature; /* webhook-signature */
	const void *body;      /* the raw body as received (NULL when body_len is 0) */
	size_t body_len;
};

/*
 * Verifies a delivery under key at time now (Unix seconds): the id, the timestamp's syntax and
 * window, then the signature. *timestamp (may be NULL) receives the parsed timestamp once it
 * is known.
 */
enum signature_result signature_verify(const void *key, size_t key_len,
                                       const struct signature_delivery *d, int64_t now,
                                       int64_t *timestamp);

#endif
