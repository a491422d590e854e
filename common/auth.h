/*
 * Credentials in Authorization headers, compared without leaking their content or length
 * through timing. The bearer tokens are checked by lighttpd (lighttpd/auth.lua); this is for
 * what the applications check themselves, such as the webhook's app secret.
 */
#ifndef PANEL_AUTH_H
#define PANEL_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The credential of an Authorization header value: the part after "Bearer " (scheme
 * case-insensitive, spaces or tabs after it), or the whole value when it has no scheme.
 * Returns NULL for a missing or empty credential, or one containing white space. Borrowed
 * from header.
 */
const char *auth_credential(const char *header);

/*
 * Compares a presented credential with the expected secret in time that depends only on the
 * secret's length, never on where they differ or on the presented length.
 */
bool auth_secret_equal(const char *presented, const char *expected);

#endif
