/*
 * Programs: sequences of typed syscalls over a compiled target
 * (src/syzlang/target.h), with syzkaller's text format, generation,
 * mutation, minimization, comparison hints and the exec encoding
 * (include/exec.h).
 *
 * Ownership: a struct prog owns its calls, a call owns its args, an arg
 * owns its children (pointee, struct fields, union option). Result args
 * point at other result args (earlier in the program) without owning
 * them. Types and calls point into the target, which must outlive every
 * program made from it. Functions taking a struct prog_rand are
 * deterministic for a given seed.
 */
#ifndef DRMFUZZ_PROG_PROG_H
#define DRMFUZZ_PROG_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syzlang/target.h"

/* The text format places the data area at this address. */
#define PROG_ADDR_BASE 0x7f0000000000ull
/* Size of the data area pointers point into (= EXEC_DATA_SIZE). */
#define PROG_DATA_SIZE (16ull << 20)
#define PROG_MAX_CALLS 1024

enum prog_arg_kind {
	PROG_ARG_CONST, /* INT CONST FLAGS LEN PROC CSUM */
	PROG_ARG_RESULT, /* RESOURCE: a value or a link to a result */
	PROG_ARG_POINTER, /* PTR, VMA */
	PROG_ARG_DATA, /* BUFFER */
	PROG_ARG_GROUP, /* STRUCT, ARRAY */
	PROG_ARG_UNION,
};

struct prog_arg {
	enum prog_arg_kind kind;
	const struct syz_type *type;
	enum syz_dir dir;
	bool used; /* RESULT: referenced by a later arg (set by prog_link) */
	union {
		struct {
			uint64_t val;
		} c;
		struct {
			struct prog_arg *res; /* NULL: use val */
			uint64_t val, op_div, op_add;
		} r;
		struct {
			uint64_t addr; /* offset in the data area */
			uint64_t vma_size; /* VMA: bytes mapped */
			bool special; /* a raw value (e.g. NULL), addr unused */
			uint64_t special_val;
			struct prog_arg *res; /* pointee; NULL for VMA/special */
		} p;
		struct {
			uint8_t *data; /* NULL for out-direction buffers */
			uint64_t len;
			bool compressed; /* text "$base64": data is zlib */
		} d;
		struct {
			/* NULL: an absent conditional field (if[...]);
			 * present exactly when its condition holds */
			struct prog_arg **inner;
			size_t n;
		} g;
		struct {
			struct prog_arg *opt;
			size_t index; /* field index in the union type */
		} u;
	};
};

struct prog_props {
	int fail_nth; /* 0: none */
	bool async;
	int rerun; /* 0: none */
};

struct prog_call {
	const struct syz_call *meta;
	struct prog_arg **args; /* meta->n_args */
	struct prog_arg *ret; /* RESULT for meta->ret, else NULL */
	struct prog_props props;
	char *comment; /* "# ..." lines before the call, '\n'-joined */
	char *tail_comment; /* "# ..." after the call on its line */
};

struct prog {
	const struct syz_target *target;
	struct prog_call **calls;
	size_t n_calls;
	size_t cap_calls;
	char *comment; /* comment lines after the last call */
};

/* ---- Model ---- */

struct prog *prog_new(const struct syz_target *t);
void prog_free(struct prog *p);
void prog_call_free(struct prog_call *c);
void prog_arg_free(struct prog_arg *a);
/* Deep copy with result links remapped. NULL on ENOMEM. */
struct prog *prog_clone(const struct prog *p);
/* Append copies of @src's calls to @dst (the same target); links between
 * @src's calls are kept within the copies. 0, -EINVAL or -ENOMEM (then
 * @dst is as it was). */
int prog_append(struct prog *dst, const struct prog *src);
/* Append / insert / remove (removal unlinks uses of its results). */
int prog_insert_call(struct prog *p, size_t idx, struct prog_call *c);
void prog_remove_call(struct prog *p, size_t idx);
/* Recompute prog_arg.used. */
void prog_link(struct prog *p);

/* Bytes an arg occupies in memory. */
uint64_t prog_arg_size(const struct prog_arg *a);
/* The default arg of a type (what an omitted value means). */
struct prog_arg *prog_arg_default(const struct syz_type *t, enum syz_dir dir);
bool prog_arg_is_default(const struct prog_arg *a);
/* A call with every argument at its default (pointers allocated). */
struct prog_call *prog_call_default(struct prog *p, const struct syz_call *m);

/* Recompute every len/bytesize/offsetof in the call from the data. */
void prog_assign_sizes(struct prog_call *c);

/* Visit every arg of a call depth-first (parents first); a non-zero
 * return stops the walk and is returned. */
typedef int (*prog_visit_fn)(struct prog_arg *a, void *ctx);
int prog_call_walk(struct prog_call *c, prog_visit_fn fn, void *ctx);

/* Give pointee-owning pointers with addr PROG_ADDR_AUTO an address. */
#define PROG_ADDR_AUTO UINT64_MAX
void prog_alloc_addrs(struct prog *p);

/* ---- Validation ---- */

#define PROG_VALIDATE_SIZES 1u /* lens must match the data */

/* 0 or -EINVAL with a message ("call 2 (ioctl$X): arg 1: ...") in @err. */
int prog_validate(const struct prog *p, unsigned flags, char *err,
		  size_t err_len);

/* ---- Text format ---- */

struct prog_parse_opts {
	bool strict; /* else fix what can be fixed and report it */
};

/* One problem: an error, or in non-strict mode a fix that was made. */
struct prog_diag {
	int line, col; /* 1-based */
	char *msg;
};

struct prog_diags {
	struct prog_diag *v;
	size_t n, cap;
	bool error;
};

void prog_diags_free(struct prog_diags *d);

/*
 * Parse a program in syzkaller's text format. On success *out is a
 * validated program (caller frees) and @diags lists the fixes made (non-
 * strict). On failure returns -EINVAL, *out is NULL and @diags holds the
 * error ("line:col: expected ..."). -ENOMEM on allocation failure.
 */
int prog_parse(const struct syz_target *t, const char *text, size_t len,
	       const struct prog_parse_opts *opts, struct prog **out,
	       struct prog_diags *diags);

/* The canonical text form, NUL-terminated (caller frees); NULL on ENOMEM. */
char *prog_print(const struct prog *p);

/* ---- Randomness ---- */

struct prog_rand {
	uint64_t s[4]; /* xoshiro256** */
};

void prog_rand_seed(struct prog_rand *r, uint64_t seed);
uint64_t prog_rand_u64(struct prog_rand *r);
/* Uniform in [0, n); n > 0. */
uint64_t prog_rand_n(struct prog_rand *r, uint64_t n);
/* True with probability 1/n. */
bool prog_rand_one_of(struct prog_rand *r, uint64_t n);

/* ---- Choice table ---- */

/*
 * Which call to generate next given one already in the program: static
 * priorities from shared resources/structs, optionally blended with the
 * corpus' co-occurrence; 5% of choices are uniform. Only enabled calls
 * (and not no_generate/disabled ones) are ever chosen.
 */
struct prog_choice;

/* @enabled: one bool per target call (NULL: every usable call). */
struct prog_choice *prog_choice_new(const struct syz_target *t,
				    const bool *enabled);
void prog_choice_free(struct prog_choice *ct);
/* Add a corpus program's co-occurrences (dynamic priorities). */
void prog_choice_add_corpus(struct prog_choice *ct, const struct prog *p);
bool prog_choice_enabled(const struct prog_choice *ct, int call_id);
size_t prog_choice_n_enabled(const struct prog_choice *ct);
/* A call id, related to @bias_call when >= 0; -1 if nothing is enabled. */
int prog_choice_pick(const struct prog_choice *ct, struct prog_rand *r,
		     int bias_call);

/* ---- Generation and mutation ---- */

#define PROG_DEFAULT_NCALLS 10

/* A new program of about @ncalls calls (resource producers included). */
int prog_generate(const struct syz_target *t, const struct prog_choice *ct,
		  struct prog_rand *r, size_t ncalls, struct prog **out);

/* Mutate @p in place: insert/remove/mutate args/splice/squash by
 * syzkaller's weights; @corpus (may be empty) feeds splicing. Keeps
 * lengths consistent and the program valid. */
int prog_mutate(struct prog *p, const struct prog_choice *ct,
		struct prog_rand *r, size_t ncalls, struct prog *const *corpus,
		size_t n_corpus);

/* ---- Minimization ---- */

/* Return true when the candidate still has the wanted property. */
typedef bool (*prog_pred_fn)(const struct prog *p, int call_idx, void *ctx);

/*
 * Shrink @p while @pred stays true: drop calls, then simplify args
 * (defaults, shorter buffers/arrays, fewer properties). @call_idx is the
 * call of interest (-1: none); it is tracked through removals and
 * returned in *out_idx. *out is a new program (caller frees).
 */
int prog_minimize(const struct prog *p, int call_idx, prog_pred_fn pred,
		  void *ctx, struct prog **out, int *out_idx);

/* ---- Comparison hints ---- */

struct prog_cmp {
	uint64_t op1, op2;
	/* op1 is a constant of the kernel's code (KCOV_CMP_CONST): a program
	 * value equal to op2 may become op1, never the other way round. */
	bool op1_const;
};

/* Called once per mutant; the mutant is only valid during the call.
 * Return non-zero to stop. */
typedef int (*prog_hint_fn)(const struct prog *mutant, void *ctx);

/*
 * For call @call_idx of @p and the comparisons KCOV saw while it ran,
 * produce every mutant that replaces an int arg or a data window equal to
 * one operand (shrunk, sign-extended or byte-swapped, as syzkaller) with
 * the other; comparisons and replacements that cannot matter are skipped
 * (hints.c says which). Returns the number of mutants, or -errno.
 */
int prog_hints(const struct prog *p, size_t call_idx,
	       const struct prog_cmp *cmps, size_t n_cmps, prog_hint_fn fn,
	       void *ctx);

/* ---- Exec encoding ---- */

/* Encode for the executor (include/exec.h). *out is malloc'ed. Returns 0,
 * -ENOTSUP (a pseudo call the executor lacks), -E2BIG, -ENOMEM. */
int prog_encode(const struct prog *p, uint8_t **out, size_t *out_len);

/* A readable listing of an encoded program (caller frees), or NULL with
 * the decoder's message in @err. */
char *prog_exec_dump(const uint8_t *buf, size_t len, char *err, size_t err_len);

#endif
