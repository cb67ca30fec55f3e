/*
 * Coverage signal: KCOV edges hashed into 32-bit elements, kept in an
 * open-addressing hash set. Each element carries a priority (higher is
 * better: e.g. a call that succeeded beats one that failed), as syzkaller's
 * signal does.
 */
#ifndef DRMFUZZ_SIGNAL_SIGNAL_H
#define DRMFUZZ_SIGNAL_SIGNAL_H

#include <stddef.h>
#include <stdint.h>

struct signal_set {
	uint32_t *keys; /* 0 marks an empty slot; element 0 is kept aside */
	uint8_t *prios;
	size_t cap; /* power of two */
	size_t len;
	int has_zero;
	uint8_t zero_prio;
};

/* Zero-initialise a set ({0}) before use; signal_free() releases it. */
void signal_free(struct signal_set *s);
void signal_clear(struct signal_set *s);

/*
 * Add @elem with @prio; keeps the higher priority when present.
 * Returns 1 when the set changed (new element or raised priority),
 * 0 when not, -ENOMEM.
 */
int signal_add(struct signal_set *s, uint32_t elem, uint8_t prio);
/* 1 and *prio when present, else 0. @prio may be NULL. */
int signal_get(const struct signal_set *s, uint32_t elem, uint8_t *prio);

/*
 * Edges from a sequence of kernel PCs, as syzkaller hashes them:
 * elem = pc ^ (hash(prev_pc & 0xfff) & 0xfff), on 32-bit truncated PCs.
 * Appends deduplicated elements to @out (caller provides room for @n).
 * Returns the number written.
 */
size_t signal_from_pcs(const uint64_t *pcs, size_t n, uint32_t *out);

/*
 * Elements of @elems (with priority @prio) that @max does not have, or has
 * at a lower priority, appended to @diff (cleared first). Returns the count
 * or -ENOMEM.
 */
int signal_diff(const struct signal_set *max, const uint32_t *elems, size_t n,
		uint8_t prio, struct signal_set *diff);

/* Merge @src into @dst. Returns the number of changed elements or -ENOMEM. */
int signal_merge(struct signal_set *dst, const struct signal_set *src);

/*
 * Serialise to a little-endian blob of (u32 elem, u8 prio) records; the
 * blob is malloc'd (caller frees). Parse rejects malformed blobs (-EINVAL).
 */
int signal_serialize(const struct signal_set *s, uint8_t **blob, size_t *len);
int signal_deserialize(struct signal_set *s, const uint8_t *blob, size_t len);

/* Iterate: calls @fn for every element. */
void signal_foreach(const struct signal_set *s,
		    void (*fn)(uint32_t elem, uint8_t prio, void *ctx),
		    void *ctx);

#endif
