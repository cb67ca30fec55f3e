/* syzlang syntax trees (internal to the syzlang module). */
#ifndef DRMFUZZ_SYZLANG_AST_H
#define DRMFUZZ_SYZLANG_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"
#include "util/arena.h"

struct ast_pos {
	const char *file;
	int line, col;
};

struct ast_expr;

/*
 * A type expression: an identifier, an integer or a string, optionally
 * followed by [args] and by ":"-separated parts (ranges "0:10",
 * bitfields "int64:3", paths "s1:a:d").
 */
struct ast_type {
	struct ast_pos pos;
	enum { AT_IDENT, AT_INT, AT_STRING } kind;
	const char *ident;
	uint64_t value;
	bool is_char; /* 'a' */
	bool is_hex; /* 0x.. (keeps formatting in names) */
	const char *str; /* decoded; str_len bytes, may hold NULs */
	size_t str_len;
	struct ast_type **args;
	size_t n_args;
	struct ast_type **colon; /* parts after the first ':' */
	size_t n_colon;
	struct ast_expr *expr; /* if[...] argument */
};

struct ast_expr {
	struct ast_pos pos;
	enum syz_expr_op op;
	struct ast_type *value; /* VALUE: value[path] type; CONST: int/ident */
	struct ast_expr *left, *right;
};

struct ast_field {
	struct ast_pos pos;
	const char *name;
	struct ast_type *type;
	struct ast_type **attrs;
	size_t n_attrs;
};

enum ast_kind {
	AST_INCLUDE,
	AST_INCDIR,
	AST_DEFINE,
	AST_META,
	AST_RESOURCE,
	AST_CALL,
	AST_STRUCT,
	AST_INT_FLAGS,
	AST_STR_FLAGS,
	AST_TYPEDEF,
};

struct ast_node {
	enum ast_kind kind;
	struct ast_pos pos;
	const char *name;
	/* RESOURCE: base; CALL: ret; TYPEDEF: aliased type (or NULL when
	 * it defines a struct template). */
	struct ast_type *type;
	/* RESOURCE: special values; INT_FLAGS, STR_FLAGS: values; META: the
	 * directive; CALL, STRUCT: attributes; TYPEDEF: (none). */
	struct ast_type **vals;
	size_t n_vals;
	/* CALL: args; STRUCT: fields. */
	struct ast_field *fields;
	size_t n_fields;
	bool is_union;
	/* TYPEDEF: template parameters; struct template in .tmpl. */
	const char **params;
	size_t n_params;
	struct ast_node *tmpl;
	const char *text; /* INCLUDE/INCDIR/DEFINE: the rest */
	int file_idx; /* which input file */
};

struct ast_file {
	const char *name;
	struct ast_node **nodes;
	size_t n_nodes;
};

/* Report an error or warning at @pos; formats like printf. */
typedef void (*ast_err_fn)(void *ctx, const struct ast_pos *pos, bool warning,
			   const char *msg);

/*
 * Parse @len bytes of @text (need not be NUL-terminated). Nodes are
 * allocated in @a, names and strings in @strs (they outlive the trees);
 * errors are reported through @err (parsing recovers at
 * the next line). Returns the number of errors; *out is always set.
 */
int syz_parse(struct arena *a, struct arena *strs, const char *name,
	      const char *text, size_t len, ast_err_fn err, void *ctx,
	      struct ast_file *out);

#endif
