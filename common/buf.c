/*
 * Growable, capped byte strings. Knows nothing about HTTP or JSON.
 */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static int buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (b->max && b->len + extra > b->max) {
		b->failed = true;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
	if (buf_reserve(b, n))
		return -1;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return -1;
	}
	if ((size_t)n < sizeof(small))
		return buf_append(b, small, (size_t)n);

	if (buf_reserve(b, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int buf_put_urlencoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		                 (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		                 c == '~';
		char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
		if (unreserved ? buf_append(b, s, 1) : buf_append(b, enc, 3))
			return -1;
	}
	return 0;
}

int buf_read_file(struct buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t got;
	int rc = 0;

	if (!f)
		return -1;
	errno = 0;
	while (!rc && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = buf_append(b, chunk, got);
	if (!rc && ferror(f))
		rc = -1;
	fclose(f);
	if (rc && !errno)
		errno = EFBIG;
	return rc ? -1 : buf_append(b, "", 0);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
