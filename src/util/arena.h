/* Arena allocation: many small objects freed together. */
#ifndef DRMFUZZ_UTIL_ARENA_H
#define DRMFUZZ_UTIL_ARENA_H

#include <stddef.h>

/* Zero-initialise ({0}); arena_free() releases every allocation. */
struct arena {
	struct arena_chunk *head;
	size_t used; /* total bytes handed out */
};

/* Zeroed memory aligned to 16, or NULL on ENOMEM; lives until arena_free. */
void *arena_alloc(struct arena *a, size_t size);
/* Copies; NULL on ENOMEM. arena_strndup NUL-terminates. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t len);
void *arena_memdup(struct arena *a, const void *p, size_t size);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

#endif
