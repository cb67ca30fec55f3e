/* Unit tests: syzlang parser, compiler (layouts, templates, len paths,
 * resources, consts), selection, the golden error cases of
 * tests/data/syzlang, and all of syzkaller's sys/linux (path of the
 * shared dir in argv[1]). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "syzlang/select.h"
#include "syzlang/target.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strmap.h"

static const char *shared_dir;

/* Compile @text (+ @consts); returns the target or NULL, and the first
 * error formatted into @first (if any). */
static struct syz_target *compile(const char *text, const char *consts,
				  char *first, size_t len)
{
	struct syz_source src = { "test.txt", text, consts };
	struct syz_load_opts o = { .sources = &src, .n_sources = 1 };
	struct syz_diags d = { 0 };
	struct syz_target *t = NULL;
	int r = syz_target_load(&o, &t, &d);

	if (first)
		first[0] = 0;
	for (size_t i = 0; i < d.n; i++) {
		if (!d.v[i].warning && first && !first[0])
			syz_diag_format(&d.v[i], first, len);
	}
	if (r)
		assert_null(t);
	syz_diags_free(&d);
	return t;
}

static struct syz_target *compile_ok(const char *text, const char *consts)
{
	char e[1024];
	struct syz_target *t = compile(text, consts, e, sizeof(e));

	if (!t)
		fail_msg("unexpected error: %s", e);
	return t;
}

/* Offsets of the named (non-pad) fields, as "name@off ...". */
static void layout_str(const struct syz_type *t, char *out, size_t len)
{
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; i < t->st.n_fields; i++) {
		const struct syz_field *f = &t->st.fields[i];
		if (!f->name[0])
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s@%llu",
				      n ? " " : "", f->name,
				      (unsigned long long)f->offset);
		if (f->type->i.bitfield_len)
			n += (size_t)snprintf(
				out + n, len - n, ":%llu+%llu",
				(unsigned long long)f->type->i.bitfield_off,
				(unsigned long long)f->type->i.bitfield_len);
	}
}

#define RES "resource fd[int32]: -1\nopen$x() fd\nclose(fd fd)\n"

static void test_layout_basic(void **state)
{
	char l[512];
	(void)state;
	struct syz_target *t = compile_ok(
		"s1 {\n\ta int8\n\tb int32\n\tc int16\n\td int64\n}\n"
		"s2 {\n\ta int8\n\tb int32\n} [packed]\n"
		"s3 {\n\ta int8\n} [align[8]]\n"
		"s4 {\n\ta int16\n} [size[12]]\n"
		"s5 {\n\ta int8\n\tb int64be\n\tc ptr[in, s1]\n\td s2\n}\n"
		"u1 [\n\ta int8\n\tb int64\n\tc array[int16, 3]\n]\n"
		"f(a ptr[in, s1], b ptr[in, s2], c ptr[in, s3], d ptr[in, s4], "
		"e ptr[in, s5], g ptr[in, u1])\n",
		NULL);
	const struct syz_type *s;

	s = syz_target_struct(t, "s1");
	assert_non_null(s);
	assert_int_equal(s->size, 24);
	assert_int_equal(s->align, 8);
	layout_str(s, l, sizeof(l));
	assert_string_equal(l, "a@0 b@4 c@8 d@16");
	/* explicit pads: a, pad3, b, c, pad6, d */
	assert_int_equal(s->st.n_fields, 6);
	assert_true(s->st.fields[1].type->const_.is_pad);
	assert_int_equal(s->st.fields[1].type->size, 3);
	s = syz_target_struct(t, "s2");
	assert_int_equal(s->size, 5);
	assert_int_equal(s->align, 1);
	s = syz_target_struct(t, "s3");
	assert_int_equal(s->size, 8);
	assert_int_equal(s->align, 8);
	s = syz_target_struct(t, "s4");
	assert_int_equal(s->size, 12);
	assert_int_equal(s->align, 2);
	s = syz_target_struct(t, "s5");
	layout_str(s, l, sizeof(l));
	assert_string_equal(l, "a@0 b@8 c@16 d@24");
	assert_int_equal(s->size, 32);
	assert_int_equal(s->st.fields[2].type->i.format, SYZ_FMT_BIG_ENDIAN);
	s = syz_target_struct(t, "u1");
	assert_int_equal(s->kind, SYZ_T_UNION);
	assert_int_equal(s->size, 8);
	assert_int_equal(s->align, 8);
	syz_target_free(t);
}

static void test_layout_bitfields_varlen(void **state)
{
	char l[512];
	(void)state;
	struct syz_target *t = compile_ok(
		"b1 {\n\ta int32:3\n\tb int32:29\n\tc int32:1\n\td int8\n"
		"\te int16:4\n\tf int16:12\n}\n"
		"v1 {\n\ta int32\n\tb array[int8]\n}\n"
		"v2 [\n\ta int32\n\tb array[int8]\n] [varlen]\n"
		"o1 {\n\ta int32\n\tb int64 (out_overlay)\n}\n"
		"f(a ptr[in, b1], b ptr[in, v1], c ptr[in, v2], d ptr[inout, o1])\n",
		NULL);
	const struct syz_type *s = syz_target_struct(t, "b1");

	layout_str(s, l, sizeof(l));
	/* a and b share a 32-bit unit, c starts a new one, e/f one 16-bit */
	assert_string_equal(l,
			    "a@0:0+3 b@0:3+29 c@4:0+1 d@8 e@10:0+4 f@10:4+12");
	assert_int_equal(s->size, 12);
	assert_true(s->st.fields[0].type->i.bitfield_middle);
	assert_int_equal(s->st.fields[0].type->size, 0);
	assert_int_equal(s->st.fields[1].type->size, 4);
	s = syz_target_struct(t, "v1");
	assert_true(s->varlen);
	assert_int_equal(s->size, 0);
	s = syz_target_struct(t, "v2");
	assert_true(s->varlen);
	s = syz_target_struct(t, "o1");
	assert_int_equal(s->size, 8);
	assert_int_equal(s->st.overlay_field, 1);
	syz_target_free(t);
}

static void test_templates_and_types(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"type nlattr[TYPE, PAYLOAD] {\n\tnla_len len[parent, int16]\n"
		"\tnla_type const[TYPE, int16]\n\tpayload PAYLOAD\n} [align[4]]\n"
		"type alias32 int32[0:100]\n"
		"type buf2[DIR] ptr[DIR, array[int8, 2:4]]\n"
		"fl = 1, 2, 4, FOO\n"
		"sf = \"a\", \"bb\"\n"
		"f(a ptr[in, nlattr[7, int64]], b alias32, c buf2[out], "
		"d flags[fl], e ptr[in, string[sf]], g ptr[in, optional[int32]], "
		"h ptr[in, stringnoz[\"abc\"]], i ptr[in, array[int32, 4]], "
		"j vma[2:3])\n",
		"FOO = 8\n");
	const struct syz_call *c = syz_target_call(t, "f");
	const struct syz_type *s = syz_target_struct(t, "nlattr[7, int64]");

	assert_non_null(c);
	assert_non_null(s);
	assert_int_equal(s->size, 16);
	assert_int_equal(s->st.fields[1].type->const_.value, 7);
	assert_int_equal(s->st.fields[0].type->kind, SYZ_T_LEN);
	assert_string_equal(s->st.fields[0].type->len.path[0], "parent");
	assert_int_equal(c->args[1].type->kind, SYZ_T_INT);
	assert_int_equal(c->args[1].type->int_.range_end, 100);
	assert_int_equal(c->args[2].type->ptr.elem_dir, SYZ_DIR_OUT);
	assert_int_equal(c->args[2].type->ptr.elem->buf.kind,
			 SYZ_BUF_BLOB_RANGE);
	assert_int_equal(c->args[3].type->flags.n_values, 4);
	assert_true(c->args[3].type->flags.bitmask);
	assert_int_equal(c->args[4].type->ptr.elem->buf.n_values, 2);
	assert_true(c->args[4].type->ptr.elem->varlen);
	assert_int_equal(c->args[5].type->ptr.elem->kind, SYZ_T_UNION);
	assert_true(c->args[5].type->ptr.elem->varlen);
	assert_int_equal(c->args[6].type->ptr.elem->size, 3);
	assert_int_equal(c->args[7].type->ptr.elem->size, 16);
	assert_int_equal(c->args[8].type->vma.range_end, 3);
	assert_int_equal(c->nr, 0); /* no __NR_f */
	assert_string_equal(c->disabled_reason,
			    "missing consts for amd64: __NR_f");
	syz_target_free(t);
}

static void test_len_paths(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"s1 {\n\ta ptr[in, s2]\n\tb ptr[in, s3]\n\tc array[int8]\n}\n"
		"s2 {\n\td array[int8]\n}\n"
		"s3 {\n\te len[s1:c, int32]\n\tf len[s1:a:d, int32]\n"
		"\tg len[i:j, int32]\n\th len[syscall:l, int32]\n"
		"\tp len[parent, int32]\n\ti ptr[in, s4]\n}\n"
		"s4 {\n\tj array[int8]\n}\n"
		"foo(k ptr[in, s1], l ptr[in, array[int8]], m len[l])\n",
		NULL);
	syz_target_free(t);
}

static void test_resources(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"resource fd[int32]: -1, AT_FDCWD\n"
		"resource fd_x[fd]: 7\n"
		"resource fd_y[fd_x]\n"
		"open(p ptr[in, string[\"x\"]]) fd\n"
		"open$x() fd_x\n"
		"get$y(f fd_x, o ptr[out, fd_y])\n"
		"use$y(f fd_y)\n"
		"close(f fd)\n",
		"AT_FDCWD = 0xffffff9c\n__NR_open = 2\n__NR_close = 3\n"
		"__NR_get = 4\n__NR_use = 5\n");
	const struct syz_resource *y = syz_target_resource(t, "fd_y");
	const struct syz_resource *x = syz_target_resource(t, "fd_x");

	assert_non_null(y);
	assert_int_equal(y->n_kind, 3);
	assert_string_equal(y->kind[0], "fd");
	assert_string_equal(y->kind[2], "fd_y");
	assert_int_equal(y->n_values, 3);
	assert_int_equal(y->values[0], 7);
	assert_int_equal(y->values[2], 0xffffff9c);
	assert_int_equal(y->base_size, 4);
	assert_true(syz_resource_compatible(x, y));
	assert_false(syz_resource_compatible(y, x));
	/* fd_x: open$x (precise), get$y (fd_y is an fd_x), open (imprecise) */
	size_t precise = 0, imprecise = 0;
	for (size_t i = 0; i < x->n_ctors; i++) {
		if (x->ctors[i].precise)
			precise++;
		else
			imprecise++;
	}
	assert_int_equal(precise, 2);
	assert_int_equal(imprecise, 1);
	const struct syz_call *g = syz_target_call(t, "get$y");
	assert_int_equal(g->nr, 4);
	assert_int_equal(g->n_inputs, 1);
	assert_ptr_equal(g->inputs[0], x);
	assert_int_equal(g->n_outputs, 1);
	assert_ptr_equal(g->outputs[0], y);
	assert_null(g->disabled_reason);
	syz_target_free(t);
}

static void test_call_attrs_consts(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"f(a const[X]) (timeout[100], prog_timeout[X], ignore_return, "
		"breaks_returns, no_generate, no_minimize, remote_cover, "
		"snapshot)\n"
		"g$v(a const[Y]) (disabled)\n"
		"syz_z(a int32)\n",
		"# header\narches = 386, amd64\nX = 5\nY = ???, 386:1\n"
		"__NR_f = 386:1, amd64:42\n__NR_g = 7\n");
	const struct syz_call *f = syz_target_call(t, "f");
	const struct syz_call *g = syz_target_call(t, "g$v");
	const struct syz_call *z = syz_target_call(t, "syz_z");

	assert_int_equal(f->nr, 42);
	assert_int_equal(f->attrs.timeout, 100);
	assert_int_equal(f->attrs.prog_timeout, 5);
	assert_true(f->attrs.ignore_return && f->attrs.breaks_returns &&
		    f->attrs.no_generate && f->attrs.no_minimize &&
		    f->attrs.remote_cover && f->attrs.snapshot);
	assert_null(f->disabled_reason);
	assert_string_equal(g->call_name, "g");
	assert_string_equal(g->disabled_reason,
			    "marked disabled in descriptions");
	assert_true(z->pseudo);
	assert_null(z->disabled_reason);
	uint64_t v;
	assert_int_equal(syz_target_const(t, "X", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(syz_target_const(t, "Y", &v), -ENOENT);
	syz_target_free(t);
	/* missing const in a call: disabled with the reason */
	t = compile_ok("h(a const[NOPE], b flags[fl])\nfl = A, NOPE2\n",
		       "__NR_h = 1\nA = 1\n");
	const struct syz_call *h = syz_target_call(t, "h");
	assert_string_equal(h->disabled_reason,
			    "missing consts for amd64: NOPE");
	assert_int_equal(h->args[1].type->flags.n_values, 1);
	syz_target_free(t);
}

static const char sel_text[] =
	"resource fd[int32]\nresource fd_d[fd]\nresource h[int32]\n"
	"open(p ptr[in, string[\"x\"]]) fd\n"
	"open$d() fd_d\n"
	"ioctl$D_A(f fd_d, o ptr[out, h])\n"
	"ioctl$D_B(f fd_d, i h)\n"
	"ioctl$D_DUP(f fd_d) fd_d\n"
	"ioctl$OTHER(f fd)\n"
	"snap() (snapshot)\n";
static const char sel_consts[] = "__NR_open = 2\n__NR_ioctl = 16\n"
				 "__NR_snap = 9\n";

static struct syz_selection *sel(struct syz_target *t, const char *const *en,
				 size_t nen, const char *const *dis,
				 size_t ndis, bool add, int want)
{
	struct syz_select_opts o = { en, nen, dis, ndis, add, false };
	struct syz_selection *s = NULL;
	struct syz_diags d = { 0 };

	assert_int_equal(syz_select(t, &o, &s, &d), want);
	syz_diags_free(&d);
	return s;
}

static bool on(struct syz_target *t, struct syz_selection *s, const char *n)
{
	return s->enabled[syz_target_call(t, n)->id];
}

static const char *why(struct syz_target *t, struct syz_selection *s,
		       const char *n)
{
	return s->reason[syz_target_call(t, n)->id];
}

static void test_select(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(sel_text, sel_consts);
	struct syz_selection *s;

	assert_true(syz_pattern_match("ioctl", "ioctl$D_A"));
	assert_true(syz_pattern_match("ioctl$D_*", "ioctl$D_A"));
	assert_false(syz_pattern_match("ioctl$D", "ioctl$D_A"));
	/* everything: snapshot call excluded */
	s = sel(t, NULL, 0, NULL, 0, false, 0);
	assert_int_equal(s->n_enabled, 6);
	assert_false(on(t, s, "snap"));
	syz_selection_free(s);
	/* ioctl$D_* alone: nothing creates fd_d (D_DUP can't bootstrap) */
	const char *en1[] = { "ioctl$D_*" };
	s = sel(t, en1, 1, NULL, 0, false, 0);
	assert_int_equal(s->n_enabled, 0);
	assert_string_equal(why(t, s, "ioctl$D_A"),
			    "no enabled syscall creates resource fd_d; enable "
			    "one of: open$d");
	syz_selection_free(s);
	/* with the producer, and h produced by D_A */
	const char *en2[] = { "ioctl$D_*", "open$d" };
	const char *dis[] = { "ioctl$D_A" };
	s = sel(t, en2, 2, dis, 1, false, 0);
	assert_true(on(t, s, "ioctl$D_DUP"));
	assert_false(on(t, s, "ioctl$D_B"));
	assert_string_equal(why(t, s, "ioctl$D_A"),
			    "disabled by disable_syscalls 'ioctl$D_A'");
	assert_string_equal(why(t, s, "ioctl$D_B"),
			    "no enabled syscall creates resource h; enable "
			    "one of: ioctl$D_A");
	syz_selection_free(s);
	/* add_producers */
	s = sel(t, en1, 1, NULL, 0, true, 0);
	assert_int_equal(s->n_enabled, 4);
	assert_true(s->added[syz_target_call(t, "open$d")->id]);
	syz_selection_free(s);
	/* imprecise: a plain fd stands for fd_d */
	const char *en3[] = { "ioctl$D_B", "ioctl$D_A", "open" };
	s = sel(t, en3, 3, NULL, 0, false, 0);
	assert_true(on(t, s, "ioctl$D_B"));
	syz_selection_free(s);
	/* explicit snapshot call */
	const char *en4[] = { "snap" };
	s = sel(t, en4, 1, NULL, 0, false, 0);
	assert_true(on(t, s, "snap"));
	syz_selection_free(s);
	const char *bad[] = { "nosuch*" };
	assert_null(sel(t, bad, 1, NULL, 0, false, -EINVAL));
	syz_target_free(t);
}

/* Field directions: an (out) field under ptr[in] is an output (as in
 * syzkaller, the field's attribute wins); attribute misuse is an error. */
static void test_directions(void **state)
{
	(void)state;
	struct syz_target *t =
		compile_ok("resource r[int32]\ns {\n\ta int32\n\tb r (out)\n}\n"
			   "f(a ptr[in, s])\ng(a r)\n",
			   NULL);
	const struct syz_call *f = syz_target_call(t, "f");
	assert_int_equal(f->n_outputs, 1);
	assert_int_equal(f->n_inputs, 0);
	syz_target_free(t);
}

/* Declarations must be reachable from a syscall; resources must be both
 * created and consumed. */
static void test_unused(void **state)
{
	(void)state;
	struct syz_target *t =
		compile_ok("resource r[int32]\nresource r2[r]\n"
			   "type t8 int8\nfl = 1, 2\nfl2 = fl, 4\n"
			   "s {\n\ta t8\n\tb flags[fl2, int32]\n}\n"
			   "f(a ptr[in, s]) r2\ng(a r2)\n",
			   NULL);
	syz_target_free(t);
}

/* Int ranges, alignments and consts must fit their base type. */
static void test_int_values(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"s {\n\ta const[-1, int8]\n\tb const[0xff, int8]\n"
		"\tc int16:8[-127:127]\n\td int8[0:-1, 2]\n}\n"
		"f(a ptr[in, s], b int8[-100:100], c const[0xffffffffffff])\n",
		NULL);
	syz_target_free(t);
}

/* Template parameters are substituted inside if[...] conditions. */
static void test_template_conditions(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"type tc[K, F] {\n\tk int32\n\tv int32 (if[value[F] == K])\n}\n"
		"f(a ptr[in, tc[7, k]], b ptr[in, tc[C1, k]])\n",
		"C1 = 9\n");
	const struct syz_type *s = syz_target_struct(t, "tc[7, k]");
	assert_non_null(s);
	const struct syz_expr *e = s->st.fields[1].cond;
	assert_non_null(e);
	assert_int_equal(e->op, SYZ_EXPR_EQ);
	assert_int_equal(e->right->value, 7);
	assert_string_equal(e->left->path[0], "k");
	s = syz_target_struct(t, "tc[C1, k]");
	assert_non_null(s);
	assert_int_equal(s->st.fields[1].cond->right->value, 9);
	syz_target_free(t);
}

/* String literals: no escapes (as syzkaller), printable ASCII only. */
static void test_string_literals(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"s {\n\ta string[\"ab\\n\"]\n\tb stringnoz[`00ff`]\n}\n"
		"f(a ptr[in, s])\n",
		NULL);
	const struct syz_type *s = syz_target_struct(t, "s");
	assert_non_null(s);
	const struct syz_type *a = s->st.fields[0].type;
	assert_int_equal(a->buf.n_values, 1);
	assert_int_equal(a->buf.value_lens[0], 4);
	assert_memory_equal(a->buf.values[0], "ab\\n", 4);
	const struct syz_type *b = s->st.fields[1].type;
	assert_int_equal(b->buf.value_lens[0], 2);
	assert_memory_equal(b->buf.values[0], "\x00\xff", 2);
	syz_target_free(t);
}

/* ---- golden cases (tests/data/syzlang/README.md) ---- */

/* One case of a golden file: its sources and the diagnostics it must
 * give, each formatted as syz_diag_format() does. */
struct golden_case {
	const char *file;
	int line; /* of its "===" line */
	const char *desc;
	struct buf text, consts;
	bool has_consts;
	VEC(char *) want;
	size_t want_errors;
};

static void golden_case_reset(struct golden_case *c)
{
	for (size_t i = 0; i < c->want.n; i++)
		free(c->want.v[i]);
	vec_free(&c->want);
	buf_free(&c->text);
	buf_free(&c->consts);
	c->has_consts = false;
	c->want_errors = 0;
}

/* Drop the blank lines at the end of @b. */
static void trim_blank_lines(struct buf *b)
{
	while (b->len >= 2 && b->data[b->len - 1] == '\n' &&
	       b->data[b->len - 2] == '\n')
		b->data[--b->len] = 0;
}

/* Take the "### COL: message" markers off @l (line @ln of its part) into
 * c->want. False, after saying why, on a malformed marker. */
static bool golden_markers(struct golden_case *c, char *l, int ln, int at)
{
	char *m = strstr(l, "###");
	char *e = m;

	if (!m)
		return true;
	while (e > l && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	while (m) {
		char *p = m + 3, *end;
		char *next = strstr(p, "###");
		if (next)
			*next = 0;
		long col = strtol(p, &end, 10);
		if (end == p || col <= 0 || *end != ':' || end[1] != ' ') {
			print_error("%s:%d: marker needs '### COL: message'\n",
				    c->file, at);
			return false;
		}
		char *msg = end + 2;
		size_t n = strlen(msg);
		while (n && (msg[n - 1] == ' ' || msg[n - 1] == '\t'))
			msg[--n] = 0;
		char *w = NULL;
		assert_true(asprintf(&w, "test.txt:%d:%ld: %s", ln, col, msg) >
			    0);
		assert_int_equal(vec_push(&c->want, w), 0);
		if (strncmp(msg, "warning: ", 9))
			c->want_errors++;
		m = next;
	}
	*e = 0;
	return true;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compile case @c; returns the number of mismatches, each printed. */
static int golden_run(struct golden_case *c)
{
	trim_blank_lines(&c->text);
	trim_blank_lines(&c->consts);
	struct syz_source src = {
		"test.txt", c->text.data ? c->text.data : "",
		c->has_consts ? (c->consts.data ? c->consts.data : "") : NULL
	};
	struct syz_load_opts o = { .sources = &src, .n_sources = 1 };
	struct syz_diags d = { 0 };
	struct syz_target *t = NULL;
	int r = syz_target_load(&o, &t, &d);
	VEC(char *) got = { 0 };
	int bad = 0;
	char b[1200];

	for (size_t i = 0; i < d.n; i++) {
		char *s = strdup(syz_diag_format(&d.v[i], b, sizeof(b)));
		assert_non_null(s);
		assert_int_equal(vec_push(&got, s), 0);
	}
	if (got.n > 1)
		qsort(got.v, got.n, sizeof(*got.v), cmp_strp);
	if (c->want.n > 1)
		qsort(c->want.v, c->want.n, sizeof(*c->want.v), cmp_strp);
	/* both sorted: walk them together */
	for (size_t i = 0, j = 0; i < c->want.n || j < got.n;) {
		int k = i == c->want.n ? 1 :
			j == got.n     ? -1 :
					 strcmp(c->want.v[i], got.v[j]);
		if (k == 0) {
			i++, j++;
			continue;
		}
		print_error("%s:%d: %s: %s %s\n", c->file, c->line, c->desc,
			    k < 0 ? "missing" : "unexpected",
			    k < 0 ? c->want.v[i++] : got.v[j++]);
		bad++;
	}
	if (c->want_errors ? r != -EINVAL || t : r != 0 || !t) {
		print_error("%s:%d: %s: load returned %d, want %s\n", c->file,
			    c->line, c->desc, r,
			    c->want_errors ? "-EINVAL" : "0");
		bad++;
	}
	syz_target_free(t);
	syz_diags_free(&d);
	for (size_t i = 0; i < got.n; i++)
		free(got.v[i]);
	vec_free(&got);
	return bad;
}

/* Run every case of golden file @path; counts cases into *n_cases and
 * returns the number of mismatches. */
static int golden_file(const char *path, const char *name, size_t *n_cases)
{
	struct golden_case c = { .file = name };
	char *data = NULL;
	size_t len;
	int bad = 0, ln = 0, part_ln = 0;
	bool in_case = false;

	assert_int_equal(file_read_all(path, 0, &data, &len), 0);
	for (char *l = data, *e; l && l < data + len; l = e) {
		e = strchr(l, '\n');
		if (e)
			*e++ = 0;
		ln++;
		if (!strncmp(l, "=== ", 4)) {
			if (in_case)
				bad += golden_run(&c);
			golden_case_reset(&c);
			c.line = ln;
			c.desc = l + 4;
			in_case = true;
			part_ln = 0;
			(*n_cases)++;
			continue;
		}
		if (!in_case)
			continue; /* comments before the first case */
		if (!strcmp(l, "--- consts") && !c.has_consts) {
			c.has_consts = true;
			part_ln = 0;
			continue;
		}
		struct buf *b = c.has_consts ? &c.consts : &c.text;
		if (!golden_markers(&c, l, ++part_ln, ln)) {
			bad++;
			continue;
		}
		assert_int_equal(buf_puts(b, l), 0);
		assert_int_equal(buf_putc(b, '\n'), 0);
	}
	if (in_case) {
		bad += golden_run(&c);
	} else {
		print_error("%s: no cases\n", name);
		bad++;
	}
	golden_case_reset(&c);
	free(data);
	return bad;
}

/* Every *.txt golden file: each case gives exactly its marked
 * diagnostics. */
static void test_golden(void **state)
{
	(void)state;
	DIR *d = opendir(SYZLANG_TESTDATA);
	VEC(char *) names = { 0 };
	struct dirent *de;
	size_t n_cases = 0;
	int bad = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".txt"))
			assert_int_equal(vec_push(&names, strdup(de->d_name)),
					 0);
	}
	closedir(d);
	assert_true(names.n > 0);
	qsort(names.v, names.n, sizeof(*names.v), cmp_strp);
	for (size_t i = 0; i < names.n; i++) {
		char *p = path_join(SYZLANG_TESTDATA, names.v[i]);
		assert_non_null(p);
		bad += golden_file(p, names.v[i], &n_cases);
		free(p);
		free(names.v[i]);
	}
	vec_free(&names);
	print_message("%zu golden cases, %d mismatch%s\n", n_cases, bad,
		      bad == 1 ? "" : "es");
	assert_int_equal(bad, 0);
}

/* Garbage never crashes the parser/compiler. */
static void test_garbage(void **state)
{
	static const char *const pieces[] = {
		"f(",	     "a",    "int32",  "[",	"]",	"{",   "}",
		"\n",	     "ptr",  "in",     ",",	":",	"s",   "type ",
		"resource ", "len",  "parent", "\"x\"", "`ab`", "0x1", "-1",
		"(",	     ")",    "if",     "value", "==",	"opt", "array",
		"T",	     "#c\n", "\t",     "=",	"'a'",	"\0",
	};
	char buf[512];
	unsigned seed = 1;

	(void)state;
	for (int it = 0; it < 3000; it++) {
		size_t n = 0;
		int k = 1 + (int)(rand_r(&seed) % 40);
		for (int i = 0; i < k; i++) {
			const char *p =
				pieces[rand_r(&seed) %
				       (sizeof(pieces) / sizeof(*pieces))];
			size_t l = strlen(p);
			if (n + l + 2 >= sizeof(buf))
				break;
			memcpy(buf + n, p, l);
			n += l;
			buf[n++] = ' ';
		}
		buf[n] = 0;
		struct syz_target *t = compile(buf, NULL, NULL, 0);
		syz_target_free(t);
	}
}

static void test_sys_linux(void **state)
{
	(void)state;
	char *sk = NULL;
	assert_true(asprintf(&sk, "%s/syzkaller", shared_dir) > 0);
	struct syz_load_opts o = { .syzkaller = sk };
	struct syz_diags d = { 0 };
	struct syz_target *t = NULL;
	int r = syz_target_load(&o, &t, &d);
	char b[1200];
	for (size_t i = 0; i < d.n && i < 20; i++)
		if (!d.v[i].warning)
			print_error("%s\n",
				    syz_diag_format(&d.v[i], b, sizeof(b)));
	size_t n_errors = d.n_errors;
	syz_diags_free(&d);
	free(sk);
	/* nothing is left to free when this fails (t is NULL) */
	if (r)
		fail_msg("syzkaller's sys/linux does not load: %s (%zu "
			 "error%s above)",
			 strerror(-r), n_errors, n_errors == 1 ? "" : "s");
	assert_int_equal(n_errors, 0);
	assert_true(t->n_calls > 8000);
	const struct syz_call *c =
		syz_target_call(t, "ioctl$DRM_IOCTL_VERSION");
	assert_non_null(c);
	assert_int_equal(c->nr, 16);
	assert_string_equal(c->call_name, "ioctl");
	assert_int_equal(c->n_args, 3);
	assert_int_equal(c->args[0].type->kind, SYZ_T_RESOURCE);
	assert_string_equal(c->args[0].type->res.desc->name, "fd_dri");
	assert_int_equal(c->args[1].type->kind, SYZ_T_CONST);
	assert_int_equal(c->args[1].type->const_.value, 0xc0406400);
	assert_int_equal(c->args[2].type->ptr.elem_dir, SYZ_DIR_INOUT);
	const struct syz_type *v = c->args[2].type->ptr.elem;
	assert_string_equal(v->name, "drm_version");
	assert_int_equal(v->size, 64); /* sizeof(struct drm_version) */
	const struct syz_resource *fd = syz_target_resource(t, "fd_dri");
	assert_non_null(fd);
	assert_string_equal(fd->kind[0], "fd");
	bool open_dev = false;
	for (size_t i = 0; i < fd->n_ctors; i++)
		if (!strcmp(fd->ctors[i].call->name, "syz_open_dev$dri") &&
		    fd->ctors[i].precise)
			open_dev = true;
	assert_true(open_dev);
	assert_true(syz_target_call(t, "syz_open_dev$dri")->pseudo);
	/* mmap is there with its number */
	assert_int_equal(syz_target_call(t, "mmap")->nr, 9);
	syz_target_free(t);
}

static void count_log(enum log_level level, const char *msg, void *ctx)
{
	(void)msg;
	if (level == LOG_LVL_ERROR)
		(*(int *)ctx)++;
}

/* A missing description directory: one error naming it, and nothing
 * left allocated (the sanitizer build checks for leaks). */
static void test_missing_dir(void **state)
{
	(void)state;
	const char *dirs[] = { "/nonexistent/descriptions" };
	struct syz_load_opts o = { .desc_dirs = dirs, .n_desc_dirs = 1 };
	struct syz_diags d = { 0 };
	struct syz_target *t = NULL;
	char b[1200] = "";
	int r = syz_target_load(&o, &t, &d);
	size_t n = d.n, n_errors = d.n_errors;

	if (n)
		syz_diag_format(&d.v[0], b, sizeof(b));
	syz_diags_free(&d);
	assert_int_equal(r, -ENOENT);
	assert_null(t);
	assert_int_equal(n, 1);
	assert_int_equal(n_errors, 1);
	assert_string_equal(b, "/nonexistent/descriptions: can't open "
			       "description directory: No such file or "
			       "directory");
	/* a checkout without sys/linux, the error going to the log */
	int logged = 0;
	o = (struct syz_load_opts){ .syzkaller = "/nonexistent/syzkaller" };
	log_set_sink(count_log, &logged);
	r = syz_target_load(&o, &t, NULL);
	log_set_sink(NULL, NULL);
	assert_int_equal(r, -ENOENT);
	assert_null(t);
	assert_int_equal(logged, 1);
}

/* Arrays of plain 1-byte ints are buffers, as syzkaller's compiler makes
 * them: any int8 (big-endian, typedef'd) but not ranges or flags. */
static void test_byte_arrays(void **state)
{
	(void)state;
	struct syz_target *t = compile_ok(
		"type u8 int8\n"
		"fl = 1, 2\n"
		"s {\n\ta array[int8]\n\tb array[int8, 4]\n"
		"\tc array[int8, 2:6]\n\td array[int8be, 3]\n"
		"\te array[u8, 2]\n\tf array[int8[0:1], 2]\n"
		"\tg array[flags[fl, int8], 2]\n\th array[int16, 2]\n"
		"\ti array[const[1, int8], 2]\n} [packed]\n"
		"f(a ptr[in, s])\n",
		NULL);
	const struct syz_type *s = syz_target_struct(t, "s");
	const struct syz_field *f;

	assert_non_null(s);
	f = s->st.fields;
	assert_int_equal(f[0].type->kind, SYZ_T_BUFFER);
	assert_int_equal(f[0].type->buf.kind, SYZ_BUF_BLOB_RAND);
	assert_true(f[0].type->varlen);
	assert_int_equal(f[1].type->kind, SYZ_T_BUFFER);
	assert_int_equal(f[1].type->buf.kind, SYZ_BUF_BLOB_RANGE);
	assert_false(f[1].type->varlen);
	assert_int_equal(f[1].type->size, 4);
	assert_int_equal(f[2].type->kind, SYZ_T_BUFFER);
	assert_int_equal(f[2].type->buf.range_begin, 2);
	assert_int_equal(f[2].type->buf.range_end, 6);
	assert_true(f[2].type->varlen);
	assert_int_equal(f[3].type->kind, SYZ_T_BUFFER);
	assert_int_equal(f[3].type->size, 3);
	assert_int_equal(f[4].type->kind, SYZ_T_BUFFER);
	assert_int_equal(f[4].type->size, 2);
	assert_int_equal(f[5].type->kind, SYZ_T_ARRAY);
	assert_int_equal(f[6].type->kind, SYZ_T_ARRAY);
	assert_int_equal(f[7].type->kind, SYZ_T_ARRAY);
	assert_int_equal(f[8].type->kind, SYZ_T_ARRAY);
	syz_target_free(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_basic),
		cmocka_unit_test(test_layout_bitfields_varlen),
		cmocka_unit_test(test_templates_and_types),
		cmocka_unit_test(test_len_paths),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_call_attrs_consts),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_unused),
		cmocka_unit_test(test_int_values),
		cmocka_unit_test(test_template_conditions),
		cmocka_unit_test(test_string_literals),
		cmocka_unit_test(test_byte_arrays),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_sys_linux),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s SHARED_DIR\n", argv[0]);
		return 2;
	}
	shared_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
