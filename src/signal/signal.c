/* Coverage signal: an open-addressing hash set of 32-bit edge hashes. */
#include "signal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline size_t slot_of(uint32_t k, size_t mask)
{
	/* Fibonacci hashing spreads the low-entropy PC bits. */
	return (size_t)((k * 2654435761u) ^ (k >> 16)) & mask;
}

void signal_free(struct signal_set *s)
{
	free(s->keys);
	free(s->prios);
	memset(s, 0, sizeof(*s));
}

void signal_clear(struct signal_set *s)
{
	if (s->keys)
		memset(s->keys, 0, s->cap * sizeof(*s->keys));
	s->len = 0;
	s->has_zero = 0;
	s->zero_prio = 0;
}

static int grow(struct signal_set *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1024;
	uint32_t *keys = calloc(ncap, sizeof(*keys));
	uint8_t *prios = calloc(ncap, 1);

	if (!keys || !prios) {
		free(keys);
		free(prios);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->keys[i])
			continue;
		j = slot_of(s->keys[i], ncap - 1);
		while (keys[j])
			j = (j + 1) & (ncap - 1);
		keys[j] = s->keys[i];
		prios[j] = s->prios[i];
	}
	free(s->keys);
	free(s->prios);
	s->keys = keys;
	s->prios = prios;
	s->cap = ncap;
	return 0;
}

int signal_add(struct signal_set *s, uint32_t elem, uint8_t prio)
{
	size_t i;

	if (elem == 0) {
		if (s->has_zero && s->zero_prio >= prio)
			return 0;
		if (!s->has_zero)
			s->len++;
		s->has_zero = 1;
		s->zero_prio = prio;
		return 1;
	}
	if ((s->len + 1) * 4 >= s->cap * 3 && grow(s))
		return -ENOMEM;
	i = slot_of(elem, s->cap - 1);
	while (s->keys[i] && s->keys[i] != elem)
		i = (i + 1) & (s->cap - 1);
	if (s->keys[i] == elem) {
		if (s->prios[i] >= prio)
			return 0;
		s->prios[i] = prio;
		return 1;
	}
	s->keys[i] = elem;
	s->prios[i] = prio;
	s->len++;
	return 1;
}

int signal_get(const struct signal_set *s, uint32_t elem, uint8_t *prio)
{
	size_t i;

	if (elem == 0) {
		if (s->has_zero && prio)
			*prio = s->zero_prio;
		return s->has_zero;
	}
	if (!s->cap)
		return 0;
	i = slot_of(elem, s->cap - 1);
	while (s->keys[i]) {
		if (s->keys[i] == elem) {
			if (prio)
				*prio = s->prios[i];
			return 1;
		}
		i = (i + 1) & (s->cap - 1);
	}
	return 0;
}

static uint32_t hash32(uint32_t a)
{
	a = (a ^ 61) ^ (a >> 16);
	a = a + (a << 3);
	a = a ^ (a >> 4);
	a = a * 0x27d4eb2d;
	a = a ^ (a >> 15);
	return a;
}

size_t signal_from_pcs(const uint64_t *pcs, size_t n, uint32_t *out)
{
	struct signal_set seen = { 0 };
	uint32_t prev = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t pc = (uint32_t)pcs[i];
		uint32_t e = pc ^ (hash32(prev & 0xfff) & 0xfff);

		prev = pc;
		if (signal_add(&seen, e, 0) == 1)
			out[k++] = e;
	}
	signal_free(&seen);
	return k;
}

int signal_diff(const struct signal_set *max, const uint32_t *elems, size_t n,
		uint8_t prio, struct signal_set *diff)
{
	int count = 0;

	signal_clear(diff);
	for (size_t i = 0; i < n; i++) {
		uint8_t have;
		int r;

		if (signal_get(max, elems[i], &have) && have >= prio)
			continue;
		r = signal_add(diff, elems[i], prio);
		if (r < 0)
			return r;
		count += r;
	}
	return count;
}

struct merge_ctx {
	struct signal_set *dst;
	int changed;
	int err;
};

static void merge_one(uint32_t e, uint8_t p, void *ctx)
{
	struct merge_ctx *m = ctx;
	int r = signal_add(m->dst, e, p);

	if (r < 0)
		m->err = r;
	else
		m->changed += r;
}

int signal_merge(struct signal_set *dst, const struct signal_set *src)
{
	struct merge_ctx m = { .dst = dst };

	signal_foreach(src, merge_one, &m);
	return m.err ? m.err : m.changed;
}

void signal_foreach(const struct signal_set *s,
		    void (*fn)(uint32_t elem, uint8_t prio, void *ctx),
		    void *ctx)
{
	if (s->has_zero)
		fn(0, s->zero_prio, ctx);
	for (size_t i = 0; i < s->cap; i++)
		if (s->keys[i])
			fn(s->keys[i], s->prios[i], ctx);
}

struct ser_ctx {
	uint8_t *p;
};

static void ser_one(uint32_t e, uint8_t prio, void *ctx)
{
	struct ser_ctx *c = ctx;

	c->p[0] = (uint8_t)e;
	c->p[1] = (uint8_t)(e >> 8);
	c->p[2] = (uint8_t)(e >> 16);
	c->p[3] = (uint8_t)(e >> 24);
	c->p[4] = prio;
	c->p += 5;
}

int signal_serialize(const struct signal_set *s, uint8_t **blob, size_t *len)
{
	struct ser_ctx c;

	*len = s->len * 5;
	*blob = malloc(*len ? *len : 1);
	if (!*blob)
		return -ENOMEM;
	c.p = *blob;
	signal_foreach(s, ser_one, &c);
	return 0;
}

int signal_deserialize(struct signal_set *s, const uint8_t *blob, size_t len)
{
	if (len % 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 5) {
		uint32_t e = (uint32_t)blob[i] | (uint32_t)blob[i + 1] << 8 |
			     (uint32_t)blob[i + 2] << 16 |
			     (uint32_t)blob[i + 3] << 24;

		if (signal_add(s, e, blob[i + 4]) < 0)
			return -ENOMEM;
	}
	return 0;
}
