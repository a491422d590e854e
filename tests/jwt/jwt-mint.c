/*
 * A command line over tests/jwt/mint.c, for make bench and for trying PROJECT_AUTH=jwt locally
 * without an identity provider (README, "Auth0"). Test tooling: it signs whatever it is given.
 *
 *   jwt-mint key rsa|ec FILE.pem                 a new private key
 *   jwt-mint jwks FILE.pem KID [FILE.pem KID]... the JWKS of their public keys
 *   jwt-mint token FILE.pem KID CLAIMS_JSON      a token signed as an issuer signs it
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mint.h"

static int usage(void)
{
	fputs("usage: jwt-mint key rsa|ec FILE.pem\n"
	      "       jwt-mint jwks FILE.pem KID [FILE.pem KID]...\n"
	      "       jwt-mint token FILE.pem KID CLAIMS_JSON\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct mint_key keys[16];
	const struct mint_key *list[16];

	if (argc == 4 && strcmp(argv[1], "key") == 0) {
		if (strcmp(argv[2], "rsa") != 0 && strcmp(argv[2], "ec") != 0)
			return usage();
		mint_key_new(&keys[0], strcmp(argv[2], "rsa") == 0 ? MINT_RSA : MINT_EC, "");
		mint_key_save(&keys[0], argv[3]);
		mint_key_free(&keys[0]);
		return 0;
	}
	if (argc >= 4 && argc % 2 == 0 && argc <= 34 && strcmp(argv[1], "jwks") == 0) {
		size_t n = 0;
		for (int i = 2; i + 1 < argc; i += 2, n++) {
			mint_key_load(&keys[n], argv[i], argv[i + 1]);
			list[n] = &keys[n];
		}
		char *doc = mint_jwks(list, n);
		puts(doc);
		free(doc);
		for (size_t i = 0; i < n; i++)
			mint_key_free(&keys[i]);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "token") == 0) {
		json_error_t err;
		json_t *claims = json_loads(argv[4], JSON_REJECT_DUPLICATES, &err);
		if (!json_is_object(claims)) {
			fprintf(stderr, "jwt-mint: the claims must be a JSON object: %s\n",
			        err.text);
			return 2;
		}
		mint_key_load(&keys[0], argv[2], argv[3]);
		char *token = mint_token(&keys[0], claims);
		puts(token);
		free(token);
		json_decref(claims);
		mint_key_free(&keys[0]);
		return 0;
	}
	return usage();
}
