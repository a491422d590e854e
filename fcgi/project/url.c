/*
 * The URL a project gets when its first deployment goes live: a DNS label derived from its
 * name plus 32 random bits from the kernel's CSPRNG. Generated here, applied by the webhook's
 * SQL only when the project has no URL yet. No I/O but getrandom(2).
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <sys/random.h>

#include "log.h"
#include "project.h"

void project_url_label(const char *name, char out[PROJECT_URL_LABEL_MAX + 1])
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p && n < PROJECT_URL_LABEL_MAX;
	     p++) {
		unsigned char c = *p;
		if ((c & 0xc0) == 0x80) /* a continuation byte: its character is already written */
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			c = '-';
		if (c == '-' && n == 0)
			continue;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, PROJECT_URL_LABEL_MAX + 1, "app");
}

/* Fills buf with n bytes from getrandom(2), retrying interruptions and short reads. */
static int random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

enum err project_url_new(const char *name, const char *domain, char out[PROJECT_URL_MAX])
{
	static const char hex[] = "0123456789abcdef";
	char label[PROJECT_URL_LABEL_MAX + 1], suffix[9];
	unsigned char raw[4];

	if (random_bytes(raw, sizeof(raw))) {
		log_error("getrandom failed: %s", strerror(errno));
		return ERR_INTERNAL;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		suffix[2 * i] = hex[raw[i] >> 4];
		suffix[2 * i + 1] = hex[raw[i] & 15];
	}
	suffix[8] = '\0';
	project_url_label(name, label);
	int len = snprintf(out, PROJECT_URL_MAX, "https://%s-%s.%s", label, suffix, domain);
	if (len < 0 || len >= PROJECT_URL_MAX) {
		log_error("project URL for domain %.64s does not fit %d bytes", domain,
		          PROJECT_URL_MAX);
		return ERR_INTERNAL;
	}
	return ERR_OK;
}
