/* A hash map from strings to pointers: linear probing, power-of-2 size. */
#include "strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

static struct strmap_entry *slot(const struct strmap *m, const char *key,
				 size_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_entry *e = &m->v[i];

		if (!e->key || (e->hash == h && !strcmp(e->key, key)))
			return e;
	}
}

struct strmap_entry *strmap_find(const struct strmap *m, const char *key)
{
	struct strmap_entry *e;

	if (!m->cap)
		return NULL;
	e = slot(m, key, str_hash(key));
	return e->key ? e : NULL;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_entry *e = strmap_find(m, key);

	return e ? e->value : NULL;
}

static int grow(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct strmap old = *m;

	m->v = calloc(ncap, sizeof(*m->v));
	if (!m->v) {
		*m = old;
		return -ENOMEM;
	}
	m->cap = ncap;
	for (size_t i = 0; i < old.cap; i++) {
		if (old.v[i].key)
			*slot(m, old.v[i].key, old.v[i].hash) = old.v[i];
	}
	free(old.v);
	return 0;
}

static int put(struct strmap *m, const char *key, void *value, void **old,
	       int replace)
{
	size_t h = str_hash(key);
	struct strmap_entry *e;

	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return -ENOMEM;
	e = slot(m, key, h);
	if (e->key) {
		if (old)
			*old = e->value;
		if (replace)
			e->value = value;
		return 1;
	}
	e->key = key;
	e->hash = h;
	e->value = value;
	m->n++;
	return 0;
}

int strmap_add(struct strmap *m, const char *key, void *value, void **old)
{
	return put(m, key, value, old, 0);
}

int strmap_set(struct strmap *m, const char *key, void *value)
{
	int r = put(m, key, value, NULL, 1);

	return r < 0 ? r : 0;
}

void strmap_free(struct strmap *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}
