/*
 * Internals shared by the syzlang compiler's files: the compiler's state
 * (struct comp) and the functions one phase calls in another. Results
 * go to the target's arena (c->a), scratch to c->ast.
 */
#ifndef DRMFUZZ_SYZLANG_COMPILE_INTERNAL_H
#define DRMFUZZ_SYZLANG_COMPILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "internal.h"
#include "util/buf.h"
#include "util/strmap.h"

#define ARCH "amd64"
#define PTR_SIZE 8
#define MAX_DEPTH 200
#define MAX_ARGS 9

struct cval {
	uint64_t value;
	bool missing; /* "???" for amd64 */
	bool used;
	const char *name;
};

/* A declaration: the node plus bookkeeping. */
struct decl {
	struct ast_node *n;
	bool used;
	bool builtin;
};

/* Where a resource's compilation is (cycles show as RES_IN_PROGRESS). */
enum res_mark {
	RES_NEW,
	RES_IN_PROGRESS,
	RES_DONE, /* compiled, or failed (r NULL) */
};

struct res_state {
	struct syz_resource *r;
	struct decl *d;
	enum res_mark state;
	bool input; /* some call takes it (or a descendant) as input */
	VEC(struct syz_resource_ctor) ctors;
	VEC(const struct syz_call *) consumers;
};

/* Where a struct or union is: its fields are compiled first (comp_struct),
 * its layout once every type exists (comp_finalize_struct). */
enum struct_phase {
	ST_FIELDS, /* fields being compiled */
	ST_FIELDS_DONE,
	ST_LAYOUT, /* being laid out: meeting it again is by-value recursion */
	ST_LAID_OUT,
};

struct struct_state {
	struct syz_type *t;
	enum struct_phase state;
	struct ast_node *n;
	bool varlen_attr;
	bool failed;
	int arr_mark; /* c->varlen_arrays when its layout started */
	const struct ast_pos *use;
};

struct type_vec {
	struct ast_type **v;
	size_t n;
	size_t cap;
};

struct field_vec {
	struct syz_field *v;
	size_t n;
	size_t cap;
};

struct env {
	const char *const *params;
	struct ast_type **args;
	size_t n;
};

struct comp {
	struct arena *a; /* results: the target's arena */
	struct arena ast; /* syntax trees, freed after compiling */
	struct syz_diags *diags;
	size_t n_errors;
	VEC(struct ast_file) files;
	struct strmap consts; /* name -> struct cval */
	struct strmap types; /* resource, struct, typedef -> struct decl */
	struct strmap flags; /* int and string flags -> struct decl */
	struct strmap callmap; /* call name -> struct decl */
	struct strmap instances; /* struct name -> struct struct_state */
	struct strmap resources; /* name -> struct res_state */
	struct strmap reported; /* path errors already reported */
	VEC(struct decl *) call_decls;
	VEC(struct syz_call *) calls;
	VEC(struct syz_type *) structs;
	VEC(struct syz_type *) arrays;
	/* per-declaration missing consts */
	struct buf missing;
	int depth;
	int varlen_arrays; /* varlen arrays being finalized (nesting) */
	const struct ast_node *cur_call;
};

/* Where a type is used. */
struct tctx {
	bool is_arg; /* syscall argument */
	bool is_ret;
	bool in_struct; /* struct/union field */
};

/* ---- compile.c: diagnostics and declarations ---- */

/* qsort that accepts an empty (NULL) array. */
void comp_sort(void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *));
/* A diagnostic at @pos (NULL: no position); errors count in c->n_errors. */
void comp_diag(struct comp *c, const struct ast_pos *pos, bool warning,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define err(c, pos, ...) comp_diag((c), (pos), false, __VA_ARGS__)
/* The parser's error callback; @ctx is the struct comp. */
void comp_parse_err_cb(void *ctx, const struct ast_pos *pos, bool warning,
		       const char *msg);
/* "resource", "struct", "union", "type", "flags", "syscall". */
const char *comp_decl_kind(const struct ast_node *n);
/* False if meta arches excludes amd64 (bad metas are reported). */
bool comp_file_for_arch(struct comp *c, const struct ast_file *f);
/* Declare every node of @f; 0 or -ENOMEM (errors are diagnostics). */
int comp_declare_file(struct comp *c, const struct ast_file *f, bool builtin);

/* ---- consts.c ---- */

/* Parse a .const file's @text into c->consts. 0 or -ENOMEM. */
int comp_load_consts(struct comp *c, const char *file, const char *text);
/* A const the descriptions may use without a .const file. */
int comp_add_builtin_const(struct comp *c, const char *name, uint64_t v);
/* Resolve an int-valued type arg (literal or const name). Missing consts
 * are recorded in c->missing and yield 0. */
bool comp_const_value(struct comp *c, const struct ast_type *t, uint64_t *v);

/* ---- types.c ---- */

/* Compile type expression @t used as @ctx; NULL after reporting why. */
struct syz_type *comp_type(struct comp *c, struct ast_type *t, struct tctx ctx);
/* @s names a builtin type (int32, ptr, ...). */
bool comp_is_builtin(const char *s);
/* A zeroed type of kind @k in the target's arena (align 1). */
struct syz_type *comp_new_type(struct comp *c, enum syz_type_kind k,
			       const char *name);
/* Parse an int base type name: int8..int64[be], intptr. */
bool comp_int_base(const char *s, uint64_t *size, bool *be);
bool comp_is_ident(const struct ast_type *t, const char *s);
/* Copy @t, replacing template parameters by their arguments. */
struct ast_type *comp_subst(struct comp *c, struct ast_type *t,
			    const struct env *env);
/* Copy of an if[...] expression with template parameters replaced. */
struct ast_expr *comp_subst_expr(struct comp *c, struct ast_expr *e,
				 const struct env *env);
/* len/bytesize/bitsize/offsetof path from a type arg. */
bool comp_path_of(struct comp *c, struct ast_type *a, const char *const **path,
		  size_t *n, struct syz_srcpos *pos);
bool comp_parse_dir(struct comp *c, struct ast_type *a, enum syz_dir *dir);

/* ---- layout.c ---- */

/* The struct or union @n (a template instance when @env is set) named
 * @name, compiled once; laid out later by comp_finalize_struct(). */
struct syz_type *comp_struct(struct comp *c, struct ast_node *n,
			     const char *name, struct env *env,
			     const struct ast_pos *use);
/* Sizes of arrays and structs once every type exists. */
bool comp_finalize_type(struct comp *c, struct syz_type *t,
			const struct ast_pos *pos);
bool comp_finalize_struct(struct comp *c, struct syz_type *t,
			  const struct ast_pos *pos);

/* ---- resources.c ---- */

/* Resource type reference: compiles the resource description lazily. */
struct syz_resource *comp_resource(struct comp *c, struct decl *d);
/* Compile syscall @d; NULL after reporting why. */
struct syz_call *comp_call(struct comp *c, struct decl *d);
/* Fill each resource's ctors and consumers, check that used resources
 * can be created and are taken, and set t->resources. 0 or -ENOMEM. */
int comp_link_resources(struct comp *c, struct syz_target *t);

/* ---- check.c ---- */

/* Collect @call's input/output resources and check its paths. */
void comp_analyze_call(struct comp *c, struct syz_call *call,
		       struct ast_node *n);
/* Mark the type aliases and templates @n names as used. */
void comp_mark_used_node(struct comp *c, const struct ast_node *n);
/* Report every declaration no syscall reaches. */
void comp_check_unused(struct comp *c);

#endif
