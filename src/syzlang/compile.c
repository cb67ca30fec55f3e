/*
 * The syzlang compiler's core: diagnostics, and the declarations of all
 * description files (names, redeclarations, meta directives).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"

/* qsort that accepts an empty (NULL) array. */
void comp_sort(void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* ---- diagnostics ---- */

int syz_diags_add(struct syz_diags *d, const char *file, int line, int col,
		  bool warning, const char *msg)
{
	struct syz_diag x = { .line = line, .col = col, .warning = warning };

	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		struct syz_diag *nv = realloc(d->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		d->v = nv;
		d->cap = nc;
	}
	x.file = strdup(file ? file : "");
	x.msg = strdup(msg);
	if (!x.file || !x.msg) {
		free(x.file);
		free(x.msg);
		return -ENOMEM;
	}
	d->v[d->n++] = x;
	if (!warning)
		d->n_errors++;
	return 0;
}

void syz_diags_free(struct syz_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *syz_diag_format(const struct syz_diag *d, char *buf, size_t len)
{
	if (d->line > 0)
		snprintf(buf, len, "%s:%d:%d: %s%s", d->file, d->line, d->col,
			 d->warning ? "warning: " : "", d->msg);
	else
		snprintf(buf, len, "%s: %s%s", d->file,
			 d->warning ? "warning: " : "", d->msg);
	return buf;
}

void comp_diag(struct comp *c, const struct ast_pos *pos, bool warning,
	       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!warning)
		c->n_errors++;
	if (!warning && c->n_errors > 1000)
		return;
	if (syz_diags_add(c->diags, pos ? pos->file : "", pos ? pos->line : 0,
			  pos ? pos->col : 0, warning, msg))
		c->n_errors++;
}

void comp_parse_err_cb(void *ctx, const struct ast_pos *pos, bool warning,
		       const char *msg)
{
	comp_diag(ctx, pos, warning, "%s", msg);
}

static char *pos_str(struct comp *c, const struct ast_pos *p)
{
	return arena_printf(&c->ast, "%s:%d:%d", p->file, p->line, p->col);
}

/* ---- declarations ---- */

const char *comp_decl_kind(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_RESOURCE:
		return "resource";
	case AST_STRUCT:
		return n->is_union ? "union" : "struct";
	case AST_TYPEDEF:
		return "type";
	case AST_INT_FLAGS:
	case AST_STR_FLAGS:
		return "flags";
	case AST_CALL:
		return "syscall";
	default:
		return "declaration";
	}
}

static int declare(struct comp *c, struct strmap *m, struct ast_node *n,
		   bool builtin)
{
	struct decl *d = arena_alloc(&c->ast, sizeof(*d));
	void *old = NULL;
	int r;

	if (!d)
		return -ENOMEM;
	d->n = n;
	d->builtin = builtin;
	if (!builtin && n->kind != AST_CALL && comp_is_builtin(n->name)) {
		err(c, &n->pos, "%s name %s conflicts with a builtin type",
		    comp_decl_kind(n), n->name);
		return 0;
	}
	if (!strcmp(n->name, "opt") || !strcmp(n->name, "in") ||
	    !strcmp(n->name, "out") || !strcmp(n->name, "inout")) {
		err(c, &n->pos, "%s uses reserved name %s", comp_decl_kind(n),
		    n->name);
		return 0;
	}
	r = strmap_add(m, n->name, d, &old);
	if (r < 0)
		return r;
	if (r == 1) {
		struct decl *o = old;
		if (o->builtin)
			err(c, &n->pos, "%s %s conflicts with a builtin %s",
			    comp_decl_kind(n), n->name, comp_decl_kind(o->n));
		else
			err(c, &n->pos,
			    "%s %s redeclared, previously declared as %s at %s",
			    comp_decl_kind(n), n->name, comp_decl_kind(o->n),
			    pos_str(c, &o->n->pos));
		return 0;
	}
	if (n->kind == AST_CALL && vec_push(&c->call_decls, d))
		return -ENOMEM;
	return 0;
}

bool comp_file_for_arch(struct comp *c, const struct ast_file *f)
{
	for (size_t i = 0; i < f->n_nodes; i++) {
		struct ast_node *n = f->nodes[i];
		if (n->kind != AST_META)
			continue;
		struct ast_type *t = n->vals[0];
		if (t->kind != AT_IDENT) {
			err(c, &t->pos, "bad meta directive");
			continue;
		}
		if ((!strcmp(t->ident, "noextract") ||
		     !strcmp(t->ident, "automatic")) &&
		    !t->n_args)
			continue;
		if (!strcmp(t->ident, "arches")) {
			bool ok = false;
			for (size_t j = 0; j < t->n_args; j++) {
				if (t->args[j]->kind != AT_STRING) {
					err(c, &t->args[j]->pos,
					    "meta arches takes strings");
					continue;
				}
				if (!strcmp(t->args[j]->str, ARCH))
					ok = true;
			}
			if (!ok)
				return false;
			continue;
		}
		err(c, &t->pos,
		    "unknown meta %s (expected noextract, automatic or arches)",
		    t->ident);
	}
	return true;
}

int comp_declare_file(struct comp *c, const struct ast_file *f, bool builtin)
{
	int r = 0;

	if (!comp_file_for_arch(c, f))
		return 0;
	for (size_t i = 0; i < f->n_nodes && !r; i++) {
		struct ast_node *n = f->nodes[i];
		switch (n->kind) {
		case AST_RESOURCE:
		case AST_STRUCT:
		case AST_TYPEDEF:
			r = declare(c, &c->types, n, builtin);
			break;
		case AST_INT_FLAGS:
		case AST_STR_FLAGS:
			/* "_ = A, B" only marks consts for extraction */
			if (strcmp(n->name, "_"))
				r = declare(c, &c->flags, n, builtin);
			break;
		case AST_CALL:
			r = declare(c, &c->callmap, n, builtin);
			break;
		default:
			break;
		}
	}
	return r;
}
