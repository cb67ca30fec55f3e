/* A hash map from strings to pointers (open addressing). */
#ifndef DRMFUZZ_UTIL_STRMAP_H
#define DRMFUZZ_UTIL_STRMAP_H

#include <stddef.h>

/*
 * Zero-initialise ({0}). Keys are not copied: they must outlive the map
 * (or their entry). Values are opaque; NULL values are allowed.
 */
struct strmap {
	struct strmap_entry *v;
	size_t n, cap;
};

struct strmap_entry {
	const char *key; /* NULL: empty slot */
	size_t hash;
	void *value;
};

/* The entry for @key, or NULL. */
struct strmap_entry *strmap_find(const struct strmap *m, const char *key);
void *strmap_get(const struct strmap *m, const char *key);
/*
 * Insert @key -> @value unless @key is present. Returns 0 (inserted),
 * 1 (present: *old, if non-NULL, gets the current value) or -ENOMEM.
 */
int strmap_add(struct strmap *m, const char *key, void *value, void **old);
/* Insert or replace. 0 or -ENOMEM. */
int strmap_set(struct strmap *m, const char *key, void *value);
void strmap_free(struct strmap *m);

#define strmap_foreach(m, e)                                      \
	for ((e) = (m)->v; (e) && (e) < (m)->v + (m)->cap; (e)++) \
		if ((e)->key)

#endif
