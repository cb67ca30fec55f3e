/*
 * The syzlang loader: syz_target_load() reads the description
 * directories and sources, runs the compiler's phases and builds the
 * target; lookups in a loaded target.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"
#include "util/fileio.h"
#include "util/log.h"

/* Declarations every target has, compiled before the description files
 * (syzkaller's builtins). */
static const char builtin_text[] =
	"type bool8 int8[0:1]\n"
	"type bool16 int16[0:1]\n"
	"type bool32 int32[0:1]\n"
	"type bool64 int64[0:1]\n"
	"type boolptr intptr[0:1]\n"
	"type fileoff[BASE] BASE\n"
	"type filename string[filename]\n"
	"filename = \"\", \".\"\n"
	"type buffer[DIR] ptr[DIR, array[int8]]\n"
	"type optional[T] [\n\tval\tT\n\tvoid\tvoid\n] [varlen]\n"
	"ANYUNION [\n"
	"\tANYBLOB\tarray[int8]\n"
	"\tANYRES16\tANYRES16\n"
	"\tANYRES32\tANYRES32\n"
	"\tANYRES64\tANYRES64\n"
	"\tANYRESDEC\tfmt[dec, ANYRES64]\n"
	"\tANYRESHEX\tfmt[hex, ANYRES64]\n"
	"\tANYRESOCT\tfmt[oct, ANYRES64]\n"
	"] [varlen]\n"
	"ANYPTRS [\n"
	"\tANYPTR\tptr[in, array[ANYUNION]]\n"
	"\tANYPTR64\tptr64[in, array[ANYUNION]]\n"
	"]\n"
	"resource ANYRES16[int16]: -1, 0\n"
	"resource ANYRES32[int32]: -1, 0\n"
	"resource ANYRES64[int64]: -1, 0\n"
	"syz_builtin0(a ptr[in, ANYPTRS]) (disabled)\n"
	"syz_builtin1(a ptr[out, ANYUNION]) (disabled)\n";

static int cmp_call(const void *a, const void *b)
{
	const struct syz_call *x = *(struct syz_call *const *)a;
	const struct syz_call *y = *(struct syz_call *const *)b;

	return strcmp(x->name, y->name);
}

static int cmp_type(const void *a, const void *b)
{
	return strcmp((*(struct syz_type *const *)a)->name,
		      (*(struct syz_type *const *)b)->name);
}

static int cmp_const(const void *a, const void *b)
{
	return strcmp(((const struct syz_const *)a)->name,
		      ((const struct syz_const *)b)->name);
}

static int add_text(struct comp *c, const char *name, const char *text,
		    size_t len)
{
	struct ast_file f;
	char *nm = arena_strdup(c->a, name);

	if (!nm)
		return -ENOMEM;
	syz_parse(&c->ast, c->a, nm, text, len, comp_parse_err_cb, c, &f);
	return vec_push(&c->files, f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All *.txt of @dir (sorted), with their .const files. */
static int add_dir(struct comp *c, const char *dir)
{
	DIR *d = opendir(dir);
	VEC(char *) names = { 0 };
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		char msg[512];
		snprintf(msg, sizeof(msg),
			 "can't open description directory: %s",
			 strerror(errno));
		syz_diags_add(c->diags, dir, 0, 0, false, msg);
		c->n_errors++;
		return r;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		if ((l > 4 && !strcmp(de->d_name + l - 4, ".txt")) ||
		    (l > 12 && !strcmp(de->d_name + l - 12, "_amd64.const")) ||
		    (l > 10 && !strcmp(de->d_name + l - 10, ".txt.const"))) {
			char *s = strdup(de->d_name);
			if (!s || vec_push(&names, s)) {
				free(s);
				r = -ENOMEM;
				break;
			}
		}
	}
	closedir(d);
	comp_sort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n && !r; i++) {
		char *path = path_join(dir, names.v[i]);
		char *data = NULL;
		size_t len;
		if (!path) {
			r = -ENOMEM;
			break;
		}
		r = file_read_all(path, 64 << 20, &data, &len);
		if (r) {
			char msg[512];
			snprintf(msg, sizeof(msg), "can't read: %s",
				 strerror(-r));
			syz_diags_add(c->diags, path, 0, 0, false, msg);
			c->n_errors++;
		} else if (strstr(names.v[i], ".const")) {
			char *nm = arena_strdup(c->a, path);
			r = nm ? comp_load_consts(c, nm, data) : -ENOMEM;
		} else {
			r = add_text(c, path, data, len);
		}
		free(data);
		free(path);
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	vec_free(&names);
	return r;
}

static const struct syz_type *const *finish_structs(struct comp *c, size_t *n)
{
	comp_sort(c->structs.v, c->structs.n, sizeof(*c->structs.v), cmp_type);
	*n = c->structs.n;
	return arena_memdup(c->a, c->structs.v,
			    c->structs.n * sizeof(*c->structs.v));
}

static void comp_free(struct comp *c)
{
	struct strmap_entry *e;

	strmap_foreach(&c->resources, e) {
		struct res_state *rs = e->value;
		vec_free(&rs->ctors);
		vec_free(&rs->consumers);
		free(rs);
	}
	strmap_free(&c->resources);
	strmap_free(&c->consts);
	strmap_free(&c->types);
	strmap_free(&c->flags);
	strmap_free(&c->callmap);
	strmap_free(&c->instances);
	strmap_free(&c->reported);
	vec_free(&c->call_decls);
	vec_free(&c->calls);
	vec_free(&c->structs);
	vec_free(&c->arrays);
	vec_free(&c->files);
	buf_free(&c->missing);
	arena_free(&c->ast);
}

int syz_target_load(const struct syz_load_opts *opts, struct syz_target **out,
		    struct syz_diags *diags)
{
	struct syz_diags own = { 0 };
	struct comp c = { .diags = diags ? diags : &own };
	struct syz_target *t = NULL;
	struct syz_target_priv *priv = NULL;
	int r = 0;

	*out = NULL;
	if (opts->arch && strcmp(opts->arch, ARCH)) {
		syz_diags_add(c.diags, opts->arch, 0, 0, false,
			      "unsupported arch (only amd64)");
		r = -EINVAL;
		goto done;
	}
	priv = calloc(1, sizeof(*priv));
	if (!priv) {
		r = -ENOMEM;
		goto done;
	}
	c.a = &priv->arena;
	t = arena_alloc(c.a, sizeof(*t));
	if (!t) {
		r = -ENOMEM;
		goto done;
	}
	t->priv = priv;
	priv = NULL; /* owned by t from here */
	t->os = "linux";
	t->arch = ARCH;
	t->ptr_size = PTR_SIZE;
	t->page_size = 4096;
	r = comp_add_builtin_const(&c, "PTR_SIZE", PTR_SIZE);
	if (r)
		goto done;
	r = add_text(&c, "builtins", builtin_text, sizeof(builtin_text) - 1);
	if (r)
		goto done;
	if (opts->syzkaller) {
		char *dir = path_join(opts->syzkaller, "sys/linux");
		if (!dir) {
			r = -ENOMEM;
			goto done;
		}
		r = add_dir(&c, dir);
		free(dir);
		if (r)
			goto done;
	}
	for (size_t i = 0; i < opts->n_desc_dirs && !r; i++)
		r = add_dir(&c, opts->desc_dirs[i]);
	for (size_t i = 0; i < opts->n_sources && !r; i++) {
		const struct syz_source *s = &opts->sources[i];
		r = add_text(&c, s->name, s->text, strlen(s->text));
		if (!r && s->consts)
			r = comp_load_consts(&c, s->name, s->consts);
	}
	if (r)
		goto done;
	for (size_t i = 0; i < c.files.n && !r; i++)
		r = comp_declare_file(&c, &c.files.v[i], i == 0);
	if (r)
		goto done;
	if (c.n_errors)
		goto failed;
	for (size_t i = 0; i < c.files.n; i++) {
		if (!comp_file_for_arch(&c, &c.files.v[i]))
			continue;
		for (size_t j = 0; j < c.files.v[i].n_nodes; j++)
			comp_mark_used_node(&c, c.files.v[i].nodes[j]);
	}
	/* resources are compiled even when unused by calls */
	{
		struct strmap_entry *e;
		VEC(struct decl *) res = { 0 };
		strmap_foreach(&c.types, e) {
			struct decl *d = e->value;
			if (d->n->kind == AST_RESOURCE && vec_push(&res, d)) {
				r = -ENOMEM;
				break;
			}
		}
		for (size_t i = 0; i < res.n; i++)
			comp_resource(&c, res.v[i]);
		vec_free(&res);
		if (r)
			goto done;
	}
	for (size_t i = 0; i < c.call_decls.n; i++) {
		c.cur_call = c.call_decls.v[i]->n;
		struct syz_call *call = comp_call(&c, c.call_decls.v[i]);
		if (call && vec_push(&c.calls, call)) {
			r = -ENOMEM;
			goto done;
		}
	}
	comp_check_unused(&c);
	for (size_t i = 0; i < c.structs.n; i++) {
		struct struct_state *st =
			strmap_get(&c.instances, c.structs.v[i]->name);
		if (!st->failed)
			comp_finalize_struct(&c, c.structs.v[i], st->use);
	}
	for (size_t i = 0; i < c.arrays.n; i++)
		comp_finalize_type(&c, c.arrays.v[i], NULL);
	if (c.n_errors)
		goto failed;
	comp_sort(c.calls.v, c.calls.n, sizeof(*c.calls.v), cmp_call);
	for (size_t i = 0; i < c.calls.n; i++) {
		struct syz_call *call = c.calls.v[i];
		call->id = (int)i;
		struct decl *d = strmap_get(&c.callmap, call->name);
		comp_analyze_call(&c, call, d->n);
	}
	t->calls = arena_memdup(c.a, c.calls.v, c.calls.n * sizeof(*c.calls.v));
	t->n_calls = c.calls.n;
	r = comp_link_resources(&c, t);
	if (r)
		goto done;
	t->structs = finish_structs(&c, &t->n_structs);
	{
		VEC(struct syz_const) cv = { 0 };
		struct strmap_entry *e;
		strmap_foreach(&c.consts, e) {
			struct cval *x = e->value;
			struct syz_const k = { arena_strdup(c.a, x->name),
					       x->value };
			if (x->used && !x->missing && vec_push(&cv, k)) {
				r = -ENOMEM;
				break;
			}
		}
		comp_sort(cv.v, cv.n, sizeof(*cv.v), cmp_const);
		t->consts = arena_memdup(c.a, cv.v, cv.n * sizeof(*cv.v));
		t->n_consts = cv.n;
		vec_free(&cv);
		if (r)
			goto done;
	}
	if (c.n_errors)
		goto failed;
	*out = t;
	t = NULL;
	priv = NULL;
	goto done;
failed:
	r = -EINVAL;
done:
	if (t)
		syz_target_free(t);
	else if (priv) {
		arena_free(&priv->arena);
		free(priv);
	}
	comp_free(&c);
	if (!diags) {
		char b[1200];
		for (size_t i = 0; i < own.n; i++) {
			if (own.v[i].warning)
				log_debug("%s", syz_diag_format(&own.v[i], b,
								sizeof(b)));
			else
				log_err("%s", syz_diag_format(&own.v[i], b,
							      sizeof(b)));
		}
		syz_diags_free(&own);
	}
	return r;
}

void syz_target_free(struct syz_target *t)
{
	if (!t)
		return;
	struct syz_target_priv *p = t->priv;
	arena_free(&p->arena);
	free(p);
}

/*
 * Index of @name in an array sorted by name, or -1. The array holds
 * @n elements of @size bytes: structs, or pointers to structs when @ptrs;
 * a struct's name is the string pointer at offset @off.
 */
static long sorted_find(const void *base, size_t n, size_t size, bool ptrs,
			size_t off, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		const char *e = (const char *)base + m * size;
		int d;

		if (ptrs)
			e = *(const char *const *)e;
		d = strcmp(*(const char *const *)(e + off), name);
		if (!d)
			return (long)m;
		if (d < 0)
			lo = m + 1;
		else
			hi = m;
	}
	return -1;
}

/* Look up @key in an array of pointers to @type sorted by ->name. */
#define FIND_PTR(arr, n, type, key)                                         \
	sorted_find((arr), (n), sizeof(*(arr)), true, offsetof(type, name), \
		    (key))

const struct syz_call *syz_target_call(const struct syz_target *t,
				       const char *name)
{
	long i = FIND_PTR(t->calls, t->n_calls, struct syz_call, name);

	return i < 0 ? NULL : t->calls[i];
}

const struct syz_resource *syz_target_resource(const struct syz_target *t,
					       const char *name)
{
	long i = FIND_PTR(t->resources, t->n_resources, struct syz_resource,
			  name);

	return i < 0 ? NULL : t->resources[i];
}

const struct syz_type *syz_target_struct(const struct syz_target *t,
					 const char *name)
{
	long i = FIND_PTR(t->structs, t->n_structs, struct syz_type, name);

	return i < 0 ? NULL : t->structs[i];
}

int syz_target_const(const struct syz_target *t, const char *name,
		     uint64_t *value)
{
	long i = sorted_find(t->consts, t->n_consts, sizeof(*t->consts), false,
			     offsetof(struct syz_const, name), name);

	if (i < 0)
		return -ENOENT;
	*value = t->consts[i].value;
	return 0;
}
