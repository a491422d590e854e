/*
 * A growable byte string with a size cap. Used for response bodies, headers and anything
 * rendered; always NUL-terminated so data can be handed to C string functions.
 */
#ifndef PANEL_BUF_H
#define PANEL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;  /* appends that would pass this many bytes fail; 0 means no cap */
	bool failed; /* an append failed since the last reset: the content is incomplete */
};

#define BUF_INIT(max_bytes)                                                                        \
	{                                                                                          \
		NULL, 0, 0, (max_bytes), false                                                     \
	}

/*
 * Appends n bytes; returns 0, or -1 (buffer unchanged, failed set) when the cap would be
 * passed. A caller that ignores one failure can still see it in failed.
 */
int buf_append(struct buf *b, const void *data, size_t n);
/* Appends a C string; same return as buf_append. */
int buf_puts(struct buf *b, const char *s);
/* Appends formatted text; same return as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with every byte outside RFC 3986's unreserved set percent-encoded. */
int buf_put_urlencoded(struct buf *b, const char *s);
/* Appends the whole file at path; returns 0, or -1 (errno set; EFBIG past the cap). */
int buf_read_file(struct buf *b, const char *path);
/* Empties the buffer (failed cleared) and keeps its memory. */
void buf_reset(struct buf *b);
/* Releases the memory; the buffer stays usable (empty, same cap). */
void buf_free(struct buf *b);

#endif
