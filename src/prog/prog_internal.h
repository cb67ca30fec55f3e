/* Helpers shared by the files of src/prog; not a public interface. */
#ifndef DRMFUZZ_PROG_INTERNAL_H
#define DRMFUZZ_PROG_INTERNAL_H

#include "prog.h"
#include "util/buf.h"

struct prog_argvec {
	struct prog_arg **v;
	size_t n, cap;
};

struct prog_arg *prog_arg_new(enum prog_arg_kind kind, const struct syz_type *t,
			      enum syz_dir dir);
struct prog_arg *prog_group_new(const struct syz_type *t, enum syz_dir dir,
				size_t n);
struct prog_arg *prog_union_new(const struct syz_type *t, enum syz_dir dir,
				size_t index, struct prog_arg *opt);
const struct syz_type *prog_child_type(const struct syz_type *t, size_t i,
				       enum syz_dir dir, enum syz_dir *cdir);
uint64_t prog_type_default_val(const struct syz_type *t);
struct prog_call *prog_call_new(const struct syz_call *m);

/* Result args a call defines (its ret and out-direction resources). */
int prog_call_results(struct prog_call *c, struct prog_argvec *out);
void prog_unlink_from(struct prog_call *c, struct prog_call *from);

/* Cloning with a map of result args (prog_clone_map_new) so links inside
 * the copied calls follow the copy; links to results outside the map are
 * kept as they are when @map is NULL, dropped otherwise. */
void *prog_clone_map_new(void);
void prog_clone_map_free(void *map);
struct prog_arg *prog_arg_clone_map(const struct prog_arg *a, void *map);
struct prog_call *prog_call_clone_map(const struct prog_call *c, void *map);

/* Number of len fields of @c that disagree with the data. */
size_t prog_check_sizes(struct prog_call *c);

uint64_t prog_alloc_range(uint64_t *next, uint64_t size, uint64_t align);
uint64_t prog_alloc_end(const struct prog *p);

/* ---- Generation (gen.c), shared with mutation ---- */

struct gen_state {
	struct prog *p;
	const struct prog_choice *ct;
	struct prog_rand *r;
	struct prog_argvec avail; /* results usable by new args */
	size_t pos; /* where new calls go */
	size_t n_new; /* calls inserted so far */
	int depth, create_depth;
	bool oom;
};

/* Results of calls before @pos become available. */
int prog_gen_state_init(struct gen_state *s, struct prog *p,
			const struct prog_choice *ct, struct prog_rand *r,
			size_t pos);
void prog_gen_state_free(struct gen_state *s);
/* Generate @m at s->pos (producers go before it); advances s->pos. */
int prog_gen_call(struct gen_state *s, const struct syz_call *m);
struct prog_arg *prog_gen_arg(struct gen_state *s, const struct syz_type *t,
			      enum syz_dir dir);
/* Make @c agree with its conditions, generating what must appear. */
int prog_gen_fix_conds(struct gen_state *s, struct prog_call *c);
int prog_gen_insert(struct prog *p, const struct prog_choice *ct,
		    struct prog_rand *r, size_t pos);
struct prog_arg *prog_gen_data(struct prog_rand *r, const struct syz_type *t,
			       enum syz_dir dir);
size_t prog_choice_ctors(const struct prog_choice *ct,
			 const struct syz_resource *res, int *out, size_t max);

uint64_t prog_special_int(struct prog_rand *r);
/* One of the integers generation and mutation try often. */
bool prog_is_special_int(uint64_t v);
uint64_t prog_rand_int(struct prog_rand *r);
uint64_t prog_rand_int_for(struct prog_rand *r, const struct syz_type *t,
			   uint64_t old);
uint64_t prog_rand_flags(struct prog_rand *r, const struct syz_type *t,
			 uint64_t old);
uint64_t prog_rand_buf_len(struct prog_rand *r);
uint64_t prog_rand_array_len(struct prog_rand *r, const struct syz_type *t);

/* syzkaller's non-precise compatibility (programs may pass a parent
 * kind where a child is expected): one kind chain is a prefix of the
 * other. Generation uses the precise syz_resource_compatible(). */
bool prog_resource_compatible_loose(const struct syz_resource *dst,
				    const struct syz_resource *src);

/* Free @old (a subtree of @p) after unlinking results defined in it. */
void prog_arg_drop(struct prog *p, struct prog_arg *old);

/* ---- Conditional fields (cond.c) ---- */

/*
 * How prog_fix_conds() changes a call whose conditional fields or union
 * options disagree with their conditions: @make builds the arg of a field
 * that must appear (or of the union option chosen among the @pick'ed
 * matching ones; NULL @pick: the first), @drop frees one that must go.
 * @stale (optional) is told of each place first (@field: SIZE_MAX for a
 * union; @holds: whether the condition holds) and may stop the fix by
 * returning false; @err then gives the error (also when @make fails).
 */
struct prog_cond_fixer {
	struct prog_arg *(*make)(void *ctx, const struct syz_type *t,
				 enum syz_dir dir);
	void (*drop)(void *ctx, struct prog_arg *a);
	size_t (*pick)(void *ctx, size_t n);
	bool (*stale)(void *ctx, struct prog_arg *parent, size_t field,
		      int holds);
	int (*err)(void *ctx);
	void *ctx;
};

/* Fix @c until it agrees with its conditions (bounded): 0 or @err. */
int prog_fix_conds(struct prog_call *c, const struct prog_cond_fixer *fx);
/* The same with defaults and the first matching option; drops unlink
 * results from @p. 0 or -ENOMEM. */
int prog_fix_conds_default(struct prog *p, struct prog_call *c);
/* Places of @c that disagree with their conditions (the first described
 * in @why). */
size_t prog_check_conds(struct prog_call *c, char *why, size_t why_len);
/* The option a union arg has by default: the last (unconditional) one of
 * a union with conditions, else the first (as syzkaller). */
size_t prog_union_default_index(const struct syz_type *t);
/* Is child @i of struct arg @a at its default? (An absent conditional
 * field is; a present one is not.) */
bool prog_field_is_default(const struct prog_arg *a, size_t i);

/* Integer helpers. */
static inline uint64_t prog_type_bits(const struct syz_type *t)
{
	if (t->i.bitfield_len)
		return t->i.bitfield_len;
	if (t->i.format >= SYZ_FMT_STR_DEC)
		return 64;
	return t->size >= 8 || t->size == 0 ? 64 : t->size * 8;
}

static inline uint64_t prog_truncate(const struct syz_type *t, uint64_t v)
{
	uint64_t bits = prog_type_bits(t);
	return bits >= 64 ? v : v & ((1ull << bits) - 1);
}

#endif
