/* Growable byte buffers and dynamic arrays. */
#ifndef DRMFUZZ_UTIL_BUF_H
#define DRMFUZZ_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * A byte buffer, always NUL-terminated once anything was appended
 * (data[len] == 0), so it doubles as a string builder.
 * Zero-initialise it ({0}); buf_free() releases it.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Make room for @extra more bytes (plus the terminating NUL). 0 or -ENOMEM. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void buf_reset(struct buf *b);
/* Give up ownership of the data (never NULL: "" for an empty buffer). */
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

/*
 * Dynamic arrays: declare as `VEC(int) v = {0};`, then vec_push(&v, x)
 * returns 0 or -ENOMEM. Elements live in v.v[0..v.n).
 */
#define VEC(type)           \
	struct {            \
		type *v;    \
		size_t n;   \
		size_t cap; \
	}

int vec_grow_(void **v, size_t *cap, size_t need, size_t elem);

#define vec_reserve(vec, need) \
	vec_grow_((void **)&(vec)->v, &(vec)->cap, (need), sizeof(*(vec)->v))
#define vec_push(vec, item)                 \
	(vec_reserve((vec), (vec)->n + 1) ? \
		 -12 /* ENOMEM */           \
		 :                          \
		 ((vec)->v[(vec)->n++] = (item), 0))
#define vec_free(vec)                      \
	do {                               \
		free((vec)->v);            \
		(vec)->v = NULL;           \
		(vec)->n = (vec)->cap = 0; \
	} while (0)
#define vec_foreach(vec, it) \
	for ((it) = (vec)->v; (it) && (it) < (vec)->v + (vec)->n; (it)++)

#endif
