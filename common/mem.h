/*
 * Allocation that never returns NULL, and a per-request arena.
 * Out of memory is not recoverable in a FastCGI worker: it logs and aborts, and lighttpd
 * spawns a fresh worker. Everything a request allocates from its arena is released at once by
 * arena_reset() at the top of the next accept loop.
 */
#ifndef PANEL_MEM_H
#define PANEL_MEM_H

#include <stddef.h>

/* malloc/calloc/realloc/strdup that abort with a log line instead of returning NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

struct arena_block;

struct arena {
	struct arena_block *head; /* newest block first */
};

/* Returns memory owned by the arena, aligned for any type, valid until the next reset. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies n bytes of s and a NUL into the arena; the copy is owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Releases every allocation but keeps the first block for the next request. */
void arena_reset(struct arena *a);
/* Releases everything, the arena itself stays usable (empty). */
void arena_free(struct arena *a);

#endif
