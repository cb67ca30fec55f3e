/* Unit tests: programs over a small inline description (resources, len
 * fields, unions, arrays, pointers): text round trips, errors, non-strict
 * fixes, generation, mutation, minimization, hints, exec encoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec_decode.h"
#include "prog/prog.h"

static const char desc[] =
	"resource fd_t[int32]: 0xffffffffffffffff\n"
	"resource fd_sub[fd_t]\n"
	"resource handle_t[int32]: 0\n"
	"openat$t(dir const[0xffffffffffffff9c, intptr], "
	"name ptr[in, string[\"/dev/t\"]], flags flags[oflags, int32], "
	"mode const[0]) fd_t\n"
	"openat$sub(dir const[0xffffffffffffff9c, intptr], "
	"name ptr[in, string[\"/dev/s\"]], flags flags[oflags, int32], "
	"mode const[0]) fd_sub\n"
	"ioctl$T_CREATE(fd fd_t, cmd const[0x1234], arg ptr[inout, create_arg])\n"
	"ioctl$T_MULTI(fd fd_t, cmd const[0x5678], arg ptr[in, multi_arg])\n"
	"ioctl$T_SUB(fd fd_sub, cmd const[0x9abc], arg ptr[in, int32])\n"
	"write$t(fd fd_t, h handle_t, buf ptr[in, array[int8]], "
	"len len[buf, intptr])\n"
	"syz_open_dev$t(dev ptr[in, string[\"/dev/t#\"]], id intptr, "
	"flags flags[oflags, int32]) fd_t\n"
	"close$t(fd fd_t)\n"
	"ioctl$T_COND(fd fd_t, cmd const[0x4321], arg ptr[in, cond_arg], "
	"len bytesize[arg, int32])\n"
	"cond_arg {\n"
	"\tkind\tint32\n"
	"\textra\tint64\t(if[value[kind] == 1])\n"
	"\ttail\tint32\n"
	"} [packed]\n"
	"ioctl$T_PKT(fd fd_t, cmd const[0x7777], arg ptr[in, cond_pkt], "
	"len bytesize[arg, int32])\n"
	"ioctl$T_CLEN(fd fd_t, cmd const[0x7778], arg ptr[in, cond_len])\n"
	"cond_len {\n"
	"\tkind\tint16\n"
	"\tn\tbytesize[x, int8]\n"
	"\to\toffsetof[y, int8]\n"
	"\tx\tint32\t(if[value[kind] == 1])\n"
	"\ty\tint8\n"
	"} [packed]\n"
	"ioctl$T_CSUM(fd fd_t, cmd const[0x9999], arg ptr[in, csum_pkt])\n"
	"ioctl$T_CSUM6(fd fd_t, cmd const[0x999a], arg ptr[in, "
	"ipv6_packet_t])\n"
	"ioctl$T_TCP(fd fd_t, cmd const[0x999b], arg ptr[in, tcp_packet])\n"
	"ipv4_header {\n"
	"\tihl\tint8\n"
	"\tcsum\tcsum[parent, inet, int16be]\n"
	"\tsrc_ip\tint32be\n"
	"\tdst_ip\tint32be\n"
	"} [packed]\n"
	"tcp_header {\n"
	"\tport\tint16be\n"
	"\tcsum\tcsum[tcp_packet, pseudo, 6, int16be]\n"
	"} [packed]\n"
	"tcp_packet {\n"
	"\thdr\ttcp_header\n"
	"\tpayload\tarray[int8]\n"
	"} [packed]\n"
	"csum_pkt {\n"
	"\tip\tipv4_header\n"
	"\ttcp\ttcp_packet\n"
	"} [packed]\n"
	"ipv6_packet_t {\n"
	"\tsrc_ip\tarray[int8, 16]\n"
	"\tdst_ip\tarray[int8, 16]\n"
	"\tudp\tudp_packet\n"
	"} [packed]\n"
	"udp_packet {\n"
	"\tcsum\tcsum[parent, pseudo, 17, int16be]\n"
	"\tpayload\tarray[int8]\n"
	"} [packed]\n"
	"cond_hdr {\n"
	"\tkind\tint8\n"
	"\tflags\tint8\n"
	"} [packed]\n"
	"cond_pkt {\n"
	"\thdr\tcond_hdr\n"
	"\ta\tint32\t(if[value[hdr:kind] == 1])\n"
	"\tb\tint16\t(if[value[hdr:flags] & 2 != 0])\n"
	"\tbody\tcond_u\n"
	"} [packed]\n"
	"cond_u [\n"
	"\tone\tint32\t(if[value[parent:parent:hdr:kind] == 1])\n"
	"\ttwo\tint64\t(if[value[cond_pkt:hdr:kind] == 2])\n"
	"\tany\tint8\n"
	"] [varlen]\n"
	"oflags = 1, 2, 4, 0x80000\n"
	"create_arg {\n"
	"\tsize\tint32\n"
	"\thandle\thandle_t\t(out)\n"
	"}\n"
	"elem {\n"
	"\ta\tint16\n"
	"\tb\tint64\n"
	"}\n"
	"u [\n"
	"\tx\tint32\n"
	"\ty\tarray[int8, 4]\n"
	"\tz\tptr[in, elem]\n"
	"]\n"
	"multi_arg {\n"
	"\tn\tlen[elems, int32]\n"
	"\tbytes\tbytesize[elems, int32]\n"
	"\telems\tptr[in, array[elem]]\n"
	"\topt\tu\n"
	"\th\thandle_t\n"
	"\ttail\tarray[int32, 0:3]\n"
	"}\n";

static const char consts[] = "__NR_openat = 257\n__NR_ioctl = 16\n"
			     "__NR_write = 1\n__NR_close = 3\n";

static struct syz_target *target;
static struct prog_choice *choice;

static int setup(void **state)
{
	struct syz_source src = { "test.txt", desc, consts };
	struct syz_load_opts o = { .sources = &src, .n_sources = 1 };
	struct syz_diags d = { 0 };
	char b[1024];
	(void)state;
	if (syz_target_load(&o, &target, &d)) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n",
				syz_diag_format(&d.v[i], b, sizeof(b)));
		syz_diags_free(&d);
		return -1;
	}
	syz_diags_free(&d);
	choice = prog_choice_new(target, NULL);
	return choice ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	prog_choice_free(choice);
	syz_target_free(target);
	return 0;
}

static struct prog *parse(const char *text, bool strict, struct prog_diags *d)
{
	struct prog_parse_opts po = { .strict = strict };
	struct prog *p = NULL;
	int rc = prog_parse(target, text, strlen(text), &po, &p, d);
	if (rc && d->n)
		fail_msg("parse failed: %d:%d: %s", d->v[0].line, d->v[0].col,
			 d->v[0].msg);
	assert_int_equal(rc, 0);
	return p;
}

static char *print_ok(const struct prog *p)
{
	char *s = prog_print(p);
	assert_non_null(s);
	return s;
}

/* Canonical text prints back byte for byte. */
static void check_roundtrip(const char *text)
{
	struct prog_diags d = { 0 };
	struct prog *p = parse(text, true, &d);
	char *s = print_ok(p);
	assert_string_equal(s, text);
	assert_int_equal(d.n, 0);
	free(s);
	prog_free(p);
}

static void test_roundtrip(void **state)
{
	(void)state;
	check_roundtrip("r0 = openat$t(0xffffffffffffff9c, "
			"&(0x7f0000000000)='/dev/t\\x00', 0x2, 0x0)\n"
			"ioctl$T_CREATE(r0, 0x1234, &(0x7f0000000040)="
			"{0x10, <r1=>0x0})\n"
			"write$t(r0, r1, &(0x7f0000000080)=\"0102ff\", 0x3)\n"
			"ioctl$T_MULTI(r0, 0x5678, &(0x7f00000000c0)={0x2, "
			"0x20, &(0x7f0000000100)=[{0x1, 0x2}, {0x3}], "
			"@z=&(0x7f0000000140)={0x5}, r1, [0x1, 0x2]})\n"
			"close$t(r0) (fail_nth: 3, async, rerun: 2)\n");
	check_roundtrip("# a comment\n#\nclose$t(0xffffffffffffffff)"
			" # tail\n# the end\n");
	check_roundtrip("ioctl$T_MULTI(0x0, 0x5678, &(0x7f0000000000)={"
			"0x0, 0x0, &(0x7f0000000040), @y=\"01020304\"})\n");
	check_roundtrip("write$t(0x0, 0x0, &(0x7f0000000000)='hello', "
			"0x5)\n");
	check_roundtrip("write$t(0x0, 0x0, 0x0, 0x0)\n");
	/* conditional fields: syzkaller's @value/@void form */
	check_roundtrip("ioctl$T_COND(0x0, 0x4321, &(0x7f0000000000)={0x1, "
			"@value=0x5, 0x7}, 0x10)\n");
	check_roundtrip("ioctl$T_COND(0x0, 0x4321, &(0x7f0000000000)={0x0, "
			"@void, 0x7}, 0x8)\n");
	check_roundtrip("r0 = openat$sub(0xffffffffffffff9c, "
			"&(0x7f0000000000)='/dev/s\\x00', 0x0, 0x0)\n"
			"ioctl$T_SUB(r0, 0x9abc, &(0x7f0000000040)=0x7)\n"
			"close$t(r0)\n");
}

/* AUTO, &AUTO and omitted values are filled in; lens computed. */
static void test_auto(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p;
	char *s;
	(void)state;
	p = parse("r0 = openat$t(AUTO, &AUTO='/dev/t\\x00', 0x0, AUTO)\n"
		  "ioctl$T_MULTI(r0, AUTO, &AUTO={AUTO, AUTO, "
		  "&AUTO=[{0x1}, {0x2}, {0x3}]})\n",
		  true, &d);
	s = print_ok(p);
	assert_string_equal(
		s, "r0 = openat$t(0xffffffffffffff9c, "
		   "&(0x7f0000000000)='/dev/t\\x00', 0x0, 0x0)\n"
		   "ioctl$T_MULTI(r0, 0x5678, &(0x7f0000000040)={0x3, 0x30, "
		   "&(0x7f0000000080)=[{0x1}, {0x2}, {0x3}]})\n");
	assert_int_equal(prog_validate(p, PROG_VALIDATE_SIZES, s, 1), 0);
	free(s);
	prog_free(p);
}

static void expect_error_n(const char *text, size_t len, int line, int col,
			   const char *want)
{
	struct prog_parse_opts po = { .strict = true };
	struct prog_diags d = { 0 };
	struct prog *p = (struct prog *)1;
	int rc = prog_parse(target, text, len, &po, &p, &d);
	assert_int_equal(rc, -EINVAL);
	assert_null(p);
	assert_true(d.n >= 1);
	if (!strstr(d.v[0].msg, want) || d.v[0].line != line ||
	    d.v[0].col != col)
		fail_msg("got %d:%d: %s; want %d:%d: ...%s...", d.v[0].line,
			 d.v[0].col, d.v[0].msg, line, col, want);
	prog_diags_free(&d);
}

static void expect_error(const char *text, int line, int col, const char *want)
{
	expect_error_n(text, strlen(text), line, col, want);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("close$t(0x0)\nnosuch$call(0x1)\n", 2, 1,
		     "unknown call 'nosuch$call'");
	expect_error("close$t(0x0\n", 1, 12, "expected ',' or ')'");
	expect_error("close$t(r5)\n", 1, 9, "r5 is not defined");
	expect_error("write$t(0x0, 0x0, &(0x7f0000000000)='ab\\q', 0x0)\n", 1,
		     40, "unknown escape");
	expect_error("close$t(0x0, 0x1)\n", 1, 14, "too many arguments");
	expect_error("close$t()\n", 1, 10, "takes 1 arguments, got 0");
	expect_error("close$t({0x1})\n", 1, 9, "expected a resource");
	expect_error("ioctl$T_MULTI(0x0, 0x5678, &(0x7f0000000000)={0x0, "
		     "0x0, 0x0, @nope})\n",
		     1, 62, "union u has no option 'nope'");
	expect_error("write$t(0x0, 0x0, &(0x7f0000000000)=\"0g\", 0x0)\n", 1,
		     39, "expected hex digits");
	expect_error("write$t(0x0, 0x0, &(0x1000)=\"\", 0x0)\n", 1, 19,
		     "outside the data area");
	expect_error("close$t(0xfffffffffffffffff)\n", 1, 9,
		     "number out of range");
	expect_error("close$t(0x0) (bogus: 1)\n", 1, 15,
		     "unknown call property 'bogus'");
	expect_error("close$t(0x0) junk\n", 1, 14, "expected end of line");
	expect_error("ioctl$T_COND(0x0, 0x4321, &(0x7f0000000000)={0x0, "
		     "@other, 0x7}, 0x8)\n",
		     1, 51, "expected @value or @void");
	expect_error_n("close$t(0x0)\0x", 14, 1, 1, "NUL byte");
}

/* Non-strict mode repairs and reports. */
static void test_non_strict(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p;
	char *s;
	(void)state;
	p = parse("write$t(0x0, 0x0, &(0x7f0000000000)=\"010203\", 0x9)\n"
		  "close$t()\n"
		  "close$t(0x1, 0x2)\n",
		  false, &d);
	s = print_ok(p);
	assert_string_equal(s,
			    "write$t(0x0, 0x0, &(0x7f0000000000)=\"010203\", "
			    "0x3)\n"
			    "close$t(0xffffffffffffffff)\n"
			    "close$t(0x1)\n");
	assert_int_equal(d.n, 3);
	assert_false(d.error);
	assert_non_null(strstr(d.v[0].msg, "fixed from 0x9 to 0x3"));
	assert_int_equal(d.v[0].line, 1);
	assert_non_null(strstr(d.v[1].msg, "takes 1 arguments"));
	assert_int_equal(d.v[1].line, 2);
	assert_non_null(strstr(d.v[2].msg, "too many arguments"));
	assert_int_equal(d.v[2].line, 3);
	free(s);
	prog_free(p);
	prog_diags_free(&d);
	/* strict keeps a written wrong length as it is */
	p = parse("write$t(0x0, 0x0, &(0x7f0000000000)=\"010203\", 0x9)\n",
		  true, &d);
	s = print_ok(p);
	assert_non_null(strstr(s, ", 0x9)"));
	assert_int_not_equal(prog_validate(p, PROG_VALIDATE_SIZES, s, 10), 0);
	free(s);
	prog_free(p);
}

/* A diag on @line (at @col unless 0) whose message contains @want. */
static bool has_diag(const struct prog_diags *d, int line, int col,
		     const char *want)
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].line == line && (!col || d->v[i].col == col) &&
		    strstr(d->v[i].msg, want))
			return true;
	}
	return false;
}

/* Byte arrays are blobs (syzkaller's form is data); the "[...]" form is
 * read in non-strict mode only, and reported. */
static void test_byte_array_blobs(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p;
	char *s;
	(void)state;
	p = parse("write$t(0x0, 0x0, &(0x7f0000000000)=[0x1, 0x2, 0x1ff], "
		  "0x0)\n"
		  "ioctl$T_MULTI(0x0, 0x5678, &(0x7f0000000040)={0x0, 0x0, "
		  "&(0x7f0000000080), @y=[0x61, 0x62]})\n"
		  "ioctl$T_MULTI(0x0, 0x5678, &(0x7f0000000040)={0x0, 0x0, "
		  "&(0x7f0000000080), @y=[0x1, 0x2, 0x3, 0x4, 0x5]})\n"
		  "write$t(0x0, 0x0, &(0x7f0000000000)=[], 0x0)\n"
		  "write$t(0x0, 0x0, &(0x7f0000000000)=[{0x1}], 0x0)\n",
		  false, &d);
	s = print_ok(p);
	assert_string_equal(
		s, "write$t(0x0, 0x0, &(0x7f0000000000)=\"0102ff\", 0x3)\n"
		   "ioctl$T_MULTI(0x0, 0x5678, &(0x7f0000000040)={0x0, 0x0, "
		   "&(0x7f0000000080), @y='ab\\x00'})\n"
		   "ioctl$T_MULTI(0x0, 0x5678, &(0x7f0000000040)={0x0, 0x0, "
		   "&(0x7f0000000080), @y=\"01020304\"})\n"
		   "write$t(0x0, 0x0, &(0x7f0000000000), 0x0)\n"
		   "write$t(0x0, 0x0, &(0x7f0000000000), 0x0)\n");
	/* each byte array reported where it starts, the lens fixed */
	assert_false(d.error);
	assert_true(has_diag(&d, 1, 37, "read as data, values truncated"));
	assert_true(has_diag(&d, 1, 0, "fixed from 0x0 to 0x3"));
	assert_true(has_diag(&d, 2, 79, "read as data"));
	assert_false(has_diag(&d, 2, 0, "truncated"));
	assert_true(has_diag(&d, 3, 79, "5 bytes for array of 4 bytes"));
	assert_true(has_diag(&d, 4, 37, "read as data"));
	assert_true(has_diag(&d, 5, 37, "replaced a value that is not data"));
	free(s);
	prog_diags_free(&d);
	prog_free(p);
	/* strictly, "[...]" is not data */
	expect_error("write$t(0x0, 0x0, &(0x7f0000000000)=[0x1], 0x1)\n", 1, 37,
		     "expected data");
	/* generated blobs print as data, never as "[...]" */
	{
		struct prog_rand r;
		const struct syz_call *w = syz_target_call(target, "write$t");
		bool *en = calloc(target->n_calls, sizeof(bool));
		struct prog_choice *ct;
		en[w->id] = true;
		ct = prog_choice_new(target, en);
		prog_rand_seed(&r, 3);
		for (int i = 0; i < 50; i++) {
			assert_int_equal(prog_generate(target, ct, &r, 3, &p),
					 0);
			s = print_ok(p);
			assert_null(strstr(s, "=[0x"));
			free(s);
			prog_free(p);
		}
		prog_choice_free(ct);
		free(en);
	}
}

/* Each generated/mutated program validates and round-trips. */
static void check_prog(const struct prog *p)
{
	char err[256];
	struct prog_diags d = { 0 };
	struct prog *q;
	char *s, *s2;
	uint8_t *enc;
	size_t len;
	if (prog_validate(p, PROG_VALIDATE_SIZES, err, sizeof(err)))
		fail_msg("invalid: %s\n%s", err, prog_print(p));
	s = print_ok(p);
	q = parse(s, true, &d);
	s2 = print_ok(q);
	assert_string_equal(s, s2);
	assert_int_equal(prog_encode(q, &enc, &len), 0);
	free(prog_exec_dump(enc, len, err, sizeof(err)));
	free(enc);
	free(s);
	free(s2);
	prog_free(q);
}

static void test_generate_mutate(void **state)
{
	struct prog_rand r;
	struct prog *corpus[4] = { 0 };
	size_t links = 0;
	(void)state;
	prog_rand_seed(&r, 42);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(
			prog_generate(target, choice, &r, 6, &corpus[i]), 0);
		check_prog(corpus[i]);
	}
	for (int i = 0; i < 2000; i++) {
		struct prog *p;
		assert_int_equal(prog_generate(target, choice, &r, 8, &p), 0);
		check_prog(p);
		for (int k = 0; k < 5; k++) {
			assert_int_equal(
				prog_mutate(p, choice, &r, 8, corpus, 4), 0);
			check_prog(p);
			assert_true(p->n_calls <= 8);
		}
		prog_link(p);
		for (size_t c = 0; c < p->n_calls; c++)
			links += p->calls[c]->ret && p->calls[c]->ret->used;
		prog_free(p);
	}
	/* resources flow from producers to consumers */
	assert_true(links > 100);
	for (int i = 0; i < 4; i++)
		prog_free(corpus[i]);
}

static void test_deterministic(void **state)
{
	struct prog_rand r1, r2;
	struct prog *a, *b;
	char *sa, *sb;
	(void)state;
	prog_rand_seed(&r1, 7);
	prog_rand_seed(&r2, 7);
	assert_int_equal(prog_generate(target, choice, &r1, 10, &a), 0);
	assert_int_equal(prog_generate(target, choice, &r2, 10, &b), 0);
	sa = print_ok(a);
	sb = print_ok(b);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	prog_free(a);
	prog_free(b);
}

static void test_enabled_only(void **state)
{
	bool *en = calloc(target->n_calls, sizeof(bool));
	const struct syz_call *c = syz_target_call(target, "close$t");
	struct prog_choice *ct;
	struct prog_rand r;
	(void)state;
	en[c->id] = true;
	ct = prog_choice_new(target, en);
	prog_rand_seed(&r, 1);
	for (int i = 0; i < 50; i++) {
		struct prog *p;
		assert_int_equal(prog_generate(target, ct, &r, 5, &p), 0);
		for (size_t k = 0; k < p->n_calls; k++)
			assert_ptr_equal(p->calls[k]->meta, c);
		prog_free(p);
	}
	prog_choice_free(ct);
	free(en);
}

static bool has_write(const struct prog *p, int idx, void *ctx)
{
	(void)ctx;
	if (idx < 0 || (size_t)idx >= p->n_calls)
		return false;
	/* the write must keep its fd from an openat */
	const struct prog_call *c = p->calls[idx];
	return !strcmp(c->meta->name, "write$t") && c->args[0]->r.res;
}

static void test_minimize(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p, *m;
	char *s;
	int idx = -1;
	(void)state;
	p = parse("r0 = openat$t(0xffffffffffffff9c, "
		  "&(0x7f0000000000)='/dev/t\\x00', 0x2, 0x0)\n"
		  "close$t(0x5)\n"
		  "ioctl$T_CREATE(r0, 0x1234, &(0x7f0000000040)={0x10})\n"
		  "write$t(r0, 0x7, &(0x7f0000000080)=\"0102ff\", 0x3) "
		  "(fail_nth: 2)\n"
		  "close$t(r0)\n",
		  true, &d);
	assert_int_equal(prog_minimize(p, 3, has_write, NULL, &m, &idx), 0);
	assert_int_equal(idx, 1);
	s = print_ok(m);
	assert_string_equal(s, "r0 = openat$t(0xffffffffffffff9c, "
			       "&(0x7f0000000000)='/dev/t\\x00', 0x0, 0x0)\n"
			       "write$t(r0, 0x0, &(0x7f0000000080), 0x0)\n");
	free(s);
	prog_free(m);
	prog_free(p);
}

/* The mutants prog_hints() reports, printed. */
struct hint_list {
	char *v[64];
	int n;
};

static int on_hint(const struct prog *m, void *ctx)
{
	struct hint_list *h = ctx;
	char err[256], *s = prog_print(m);
	if (prog_validate(m, PROG_VALIDATE_SIZES, err, sizeof(err)))
		fail_msg("invalid hint: %s\n%s", err, s);
	assert_true(h->n < 64);
	h->v[h->n++] = s;
	return 0;
}

static void hint_list_free(struct hint_list *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->v[i]);
	h->n = 0;
}

/* Hints for the last call of @text under one comparison. */
static void hints_of_cmp(const char *text, struct prog_cmp c,
			 struct hint_list *h)
{
	struct prog_diags d = { 0 };
	struct prog *p = parse(text, true, &d);
	int n;
	hint_list_free(h);
	n = prog_hints(p, p->n_calls - 1, &c, 1, on_hint, h);
	assert_int_equal(n, h->n);
	prog_free(p);
}

static void hints_of(const char *text, uint64_t op1, uint64_t op2,
		     struct hint_list *h)
{
	hints_of_cmp(text, (struct prog_cmp){ op1, op2, false }, h);
}

/* The only mutant is @text with @from replaced by @to. */
static void expect_hint(const char *text, uint64_t op1, uint64_t op2,
			const char *from, const char *to)
{
	struct hint_list h = { 0 };
	char want[1024];
	const char *at = strstr(text, from);
	assert_non_null(at);
	snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
	hints_of(text, op1, op2, &h);
	if (h.n != 1 || strcmp(h.v[0], want))
		fail_msg("%d hints for (0x%llx, 0x%llx), want 1:\n%s\ngot:\n%s",
			 h.n, (unsigned long long)op1, (unsigned long long)op2,
			 want, h.n ? h.v[0] : "");
	hint_list_free(&h);
}

static void expect_no_hint(const char *text, uint64_t op1, uint64_t op2)
{
	struct hint_list h = { 0 };
	hints_of(text, op1, op2, &h);
	if (h.n)
		fail_msg("unexpected hint for (0x%llx, 0x%llx):\n%s",
			 (unsigned long long)op1, (unsigned long long)op2,
			 h.v[0]);
}

#define DEV(id) \
	"syz_open_dev$t(&(0x7f0000000000)='/dev/t#\\x00', " id ", 0x0)\n"
#define WRITE(data)                                          \
	"write$t(0x0, 0x0, &(0x7f0000000000)=\"" data "\", " \
	"0x4)\n"

static void test_hints(void **state)
{
	struct hint_list h = { 0 };
	(void)state;
	/* shrink: the kernel compared the low byte */
	expect_hint(DEV("0x1234"), 0x34, 0xab, "0x1234", "0x12ab");
	/* and either operand may be the program's */
	expect_hint(DEV("0x1234"), 0xab, 0x34, "0x1234", "0x12ab");
	/* expand: a negative int32 sign-extended */
	expect_hint(DEV("0xfffffffe"), 0xfffffffffffffffe, 0xfffffffffffffff0,
		    "0xfffffffe", "0xfffffff0");
	/* big-endian compare of the low 2 bytes */
	expect_hint(DEV("0x11223344"), 0x4433, 0x7788, "0x11223344",
		    "0x11228877");
	expect_hint(DEV("0x1234"), 0x1234, 0x5678, "0x1234", "0x5678");
	/* a compile-time constant (op1) is never replaced by the other side */
	hints_of_cmp(DEV("0x1234"), (struct prog_cmp){ 0x1234, 0x5678, true },
		     &h);
	assert_int_equal(h.n, 0);
	hints_of_cmp(DEV("0x1234"), (struct prog_cmp){ 0x5678, 0x1234, true },
		     &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.v[0], DEV("0x5678"));
	hint_list_free(&h);
	/* special ints are mutation's job; equal operands change nothing */
	expect_no_hint(DEV("0x1234"), 0x1234, 0x100);
	expect_no_hint(DEV("0x1234"), 0x1234, 0x1234);
	/* NULL against a kernel pointer cannot matter; a user value can */
	expect_no_hint(DEV("0x0"), 0x0, 0xffffffff81000000);
	hints_of(DEV("0x0"), 0x0, 0x12345678, &h);
	/* id and flags, each little- and big-endian (id 64-bit twice) */
	assert_int_equal(h.n, 5);
	assert_string_equal(h.v[0], DEV("0x12345678"));
	hint_list_free(&h);
	/* int32 field: a wider operand only as a sign extension */
	expect_no_hint("ioctl$T_CREATE(0x0, 0x1234, &(0x7f0000000000)="
		       "{0x11})\n",
		       0x11, 0x123456789);
	/* (and as the sign extension of its low 16 bits) */
	hints_of("ioctl$T_CREATE(0x0, 0x1234, &(0x7f0000000000)={0x11})\n",
		 0x11, 0xffffffffffff1234, &h);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.v[0], "ioctl$T_CREATE(0x0, 0x1234, "
				    "&(0x7f0000000000)={0xffff1234})\n");
	assert_string_equal(h.v[1], "ioctl$T_CREATE(0x0, 0x1234, "
				    "&(0x7f0000000000)={0x1234})\n");
	hint_list_free(&h);
	/* an ioctl command another description has is not tried; a new
	 * one is */
	expect_no_hint("ioctl$T_CREATE(0x0, 0x1234, &(0x7f0000000000)="
		       "{0x11})\n",
		       0x1234, 0x5678);
	expect_hint("ioctl$T_CREATE(0x0, 0x1234, &(0x7f0000000000)={0x11})\n",
		    0x1234, 0x2222, "0x1234", "0x2222");
	/* ints of 8 bits are not hinted */
	expect_no_hint("ioctl$T_CLEN(0x0, 0x7778, &(0x7f0000000000)={0x0, "
		       "0x0, 0x4, @void, 0x55})\n",
		       0x55, 0x66);
	/* data: a byte, 2 bytes little- and big-endian */
	expect_hint(WRITE("0102ff05"), 0x02, 0xee, "0102ff05", "01eeff05");
	expect_hint(WRITE("0102ff05"), 0x0201, 0x3412, "0102ff05", "1234ff05");
	expect_hint(WRITE("0102ff05"), 0x0102, 0xabcd, "0102ff05", "abcdff05");
	/* 3 bytes are left to mutation; fixed strings are not hinted */
	expect_no_hint("write$t(0x0, 0x0, &(0x7f0000000000)=\"0102ff\", "
		       "0x3)\n",
		       0x02, 0xee);
	expect_no_hint("openat$t(0xffffffffffffff9c, "
		       "&(0x7f0000000000)='/dev/t\\x00', 0x0, 0x0)\n",
		       0x642f, 0x1234);
	/* one mutant per distinct change: 0xaa at each of 4 zero bytes,
	 * however many windows reach it */
	hints_of(WRITE("00000000"), 0x0, 0xaa, &h);
	assert_int_equal(h.n, 4);
	assert_string_equal(h.v[0], WRITE("aa000000"));
	for (int i = 0; i < h.n; i++) {
		for (int k = 0; k < i; k++)
			assert_string_not_equal(h.v[i], h.v[k]);
	}
	hint_list_free(&h);
	/* flags compared against an unknown bit */
	expect_hint("openat$t(0xffffffffffffff9c, "
		    "&(0x7f0000000000)='/dev/t\\x00', 0x2, 0x0)\n",
		    0x2, 0x80000, "0x2, 0x0)", "0x80000, 0x0)");
}

/* ---- Conditional fields ---- */

#define PKT "ioctl$T_PKT(0x0, 0x7777, &(0x7f0000000000)="

/* Parse @text (non-strict when !strict) and print it. */
static char *reprint(const char *text, bool strict, struct prog_diags *d)
{
	struct prog *p = parse(text, strict, d);
	char *s = print_ok(p);
	char err[256];
	if (prog_validate(p, PROG_VALIDATE_SIZES, err, sizeof(err)))
		fail_msg("invalid: %s\n%s", err, s);
	prog_free(p);
	return s;
}

static void test_cond_text(void **state)
{
	struct prog_diags d = { 0 };
	char *s;
	(void)state;
	/* consistent programs round-trip; lens count present fields only */
	check_roundtrip(PKT "{{0x1, 0x2}, @value=0x5, @value=0x6, "
			    "@one=0x7}, 0xc)\n");
	check_roundtrip(PKT "{{0x2}, @void, @void, @two=0x7}, 0xa)\n");
	check_roundtrip(PKT "{{0x0, 0x6}, @void, @value=0x1, @any=0x3}, "
			    "0x5)\n");
	/* absent is the default (a trailing @void is omitted); present is
	 * not (a trailing @value stays) */
	check_roundtrip(PKT "{{0x0, 0x2}, @void, @value}, 0x5)\n");
	check_roundtrip("ioctl$T_PKT(0x0, 0x7777, &(0x7f0000000000), 0x3)\n");
	/* omitted fields follow their conditions silently, also strictly */
	s = reprint(PKT "{{0x1, 0x2}}, AUTO)\n", true, &d);
	assert_string_equal(s, PKT "{{0x1, 0x2}, @value, @value}, 0x9)\n");
	assert_int_equal(d.n, 0);
	free(s);
	/* written ones that disagree: errors in strict mode... */
	expect_error(PKT "{{0x0}, @value=0x5}, 0x0)\n", 1, 52,
		     "conditional field a of cond_pkt is @value but its "
		     "condition does not hold");
	expect_error(PKT "{{0x1}, @void}, 0x0)\n", 1, 52,
		     "is @void but its condition holds");
	expect_error(PKT "{{0x0}, @void, @void, @one=0x1}, 0x0)\n", 1, 66,
		     "union cond_u option one does not satisfy its condition");
	expect_error(PKT "{{0x1}, 0x5}, 0x0)\n", 1, 52,
		     "conditional field a written without @value=");
	/* ...fixed and reported in non-strict mode */
	s = reprint(PKT "{{0x0, 0x2}, @value=0x5, 0x3, @one=0x1}, 0x0)\n",
		    false, &d);
	assert_string_equal(s, PKT "{{0x0, 0x2}, @void, @value=0x3}, 0x5)\n");
	assert_true(has_diag(&d, 1, 57,
			     "is @value but its condition does "
			     "not hold"));
	assert_true(has_diag(&d, 1, 69, "written without @value="));
	assert_true(has_diag(&d, 1, 74, "option one does not satisfy"));
	assert_true(has_diag(&d, 1, 0, "fixed from 0x0 to 0x5"));
	prog_diags_free(&d);
	free(s);
	/* lens of an absent field are 0; offsets skip it */
	s = reprint("ioctl$T_CLEN(0x0, 0x7778, &(0x7f0000000000)={0x1, AUTO, "
		    "AUTO, @value=0x5})\n",
		    true, &d);
	assert_string_equal(s,
			    "ioctl$T_CLEN(0x0, 0x7778, "
			    "&(0x7f0000000000)={0x1, 0x4, 0x8, @value=0x5})\n");
	free(s);
	s = reprint("ioctl$T_CLEN(0x0, 0x7778, &(0x7f0000000000)={0x0, 0x4, "
		    "0x8})\n",
		    false, &d);
	assert_string_equal(s, "ioctl$T_CLEN(0x0, 0x7778, "
			       "&(0x7f0000000000)={0x0, 0x0, 0x4})\n");
	assert_true(has_diag(&d, 1, 0, "fixed from 0x4 to 0x0"));
	assert_true(has_diag(&d, 1, 0, "fixed from 0x8 to 0x4"));
	prog_diags_free(&d);
	free(s);
	/* a union whose condition cannot be evaluated stays as written */
	check_roundtrip("ioctl$T_MULTI(0x0, 0x5678, &(0x7f0000000000)={"
			"0x0, 0x0, &(0x7f0000000040), @x=0x1})\n");
}

/* The exec encoding: an absent field takes no space. */
static void test_cond_encode(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p;
	uint8_t *enc;
	size_t len;
	char err[256], *dump;
	(void)state;
	p = parse(PKT "{{0x0, 0x2}, @void, @value=0x1234, @any=0x9}, 0x5)\n",
		  true, &d);
	assert_int_equal(prog_encode(p, &enc, &len), 0);
	dump = prog_exec_dump(enc, len, err, sizeof(err));
	assert_non_null(dump);
	assert_non_null(strstr(dump, "  copyin  data+0x0 = const[1] 0x0\n"
				     "  copyin  data+0x1 = const[1] 0x2\n"
				     "  copyin  data+0x2 = const[2] 0x1234\n"
				     "  copyin  data+0x4 = const[1] 0x9\n"
				     "call nr 16("));
	assert_non_null(strstr(dump, "const[8] 0x5)"));
	free(dump);
	free(enc);
	prog_free(p);
}

/* Breaking a condition by hand is caught by validation. */
static void test_cond_validate(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p;
	char err[256];
	(void)state;
	p = parse(PKT "{{0x1, 0x2}, @value=0x5, @value=0x6, @one=0x7}, "
		      "0xc)\n",
		  true, &d);
	assert_int_equal(prog_validate(p, PROG_VALIDATE_SIZES, err, 256), 0);
	/* hdr.kind = 2: a must go, the union may not be @one */
	p->calls[0]->args[2]->p.res->g.inner[0]->g.inner[0]->c.val = 2;
	assert_int_equal(prog_validate(p, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "conditional field a of cond_pkt does "
				    "not agree with its condition"));
	prog_free(p);
}

/* Generation and mutation keep conditions; both states show up. */
static void test_cond_gen_mutate(void **state)
{
	const struct syz_call *m = syz_target_call(target, "ioctl$T_PKT");
	bool *en = calloc(target->n_calls, sizeof(bool));
	struct prog_choice *ct;
	struct prog_rand r;
	int seen_a = 0, seen_no_a = 0, seen_one = 0, seen_two = 0, seen_any = 0;
	(void)state;
	en[m->id] = true;
	ct = prog_choice_new(target, en);
	prog_rand_seed(&r, 11);
	for (int i = 0; i < 300; i++) {
		struct prog *p;
		assert_int_equal(prog_generate(target, ct, &r, 3, &p), 0);
		check_prog(p);
		for (int k = 0; k < 10; k++) {
			assert_int_equal(prog_mutate(p, ct, &r, 3, NULL, 0), 0);
			check_prog(p);
		}
		for (size_t c = 0; c < p->n_calls; c++) {
			struct prog_arg *a = p->calls[c]->args[2];
			struct prog_arg *pkt = a->p.special ? NULL : a->p.res;
			if (!pkt)
				continue;
			seen_a += pkt->g.inner[1] != NULL;
			seen_no_a += pkt->g.inner[1] == NULL;
			seen_one += pkt->g.inner[3]->u.index == 0;
			seen_two += pkt->g.inner[3]->u.index == 1;
			seen_any += pkt->g.inner[3]->u.index == 2;
		}
		prog_free(p);
	}
	assert_true(seen_a > 10 && seen_no_a > 10);
	assert_true(seen_one > 5 && seen_two > 5 && seen_any > 10);
	prog_choice_free(ct);
	free(en);
}

static bool has_pkt(const struct prog *p, int idx, void *ctx)
{
	(void)ctx;
	(void)idx;
	return p->n_calls == 1;
}

/* Minimization and hints change values conditions read. */
static void test_cond_minimize_hints(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p, *m;
	char *s;
	int idx;
	(void)state;
	p = parse(PKT "{{0x1, 0x2}, @value=0x5, @value=0x6, @one=0x7}, "
		      "0xc)\n",
		  true, &d);
	assert_int_equal(prog_minimize(p, 0, has_pkt, NULL, &m, &idx), 0);
	s = print_ok(m);
	assert_string_equal(s, "ioctl$T_PKT(0xffffffffffffffff, 0x7777, "
			       "&(0x7f0000000000), 0x3)\n");
	free(s);
	prog_free(m);
	prog_free(p);
	/* kind 1 -> 0x1003: x goes, the lens follow */
	expect_hint("ioctl$T_CLEN(0x0, 0x7778, &(0x7f0000000000)={0x1, 0x4, "
		    "0x8, @value=0x5})\n",
		    0x1, 0x1003, "{0x1, 0x4, 0x8, @value=0x5}",
		    "{0x1003, 0x0, 0x4}");
}

/* Re-encode decoded instructions: must give the same bytes. */
static void put(uint8_t *b, size_t *n, uint64_t v)
{
	do {
		b[(*n)++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void put_arg(uint8_t *b, size_t *n, const struct exec_arg *a)
{
	uint64_t meta;
	put(b, n, a->kind);
	if (a->kind == EXEC_ARG_DATA) {
		put(b, n, a->size);
		memcpy(b + *n, a->data, a->size);
		*n += a->size;
		return;
	}
	if (a->kind == EXEC_ARG_CSUM) {
		put(b, n, a->size);
		put(b, n, a->csum_kind);
		put(b, n, a->n_chunks);
		for (uint32_t i = 0; i < a->n_chunks; i++) {
			put(b, n, a->chunks[i].kind);
			put(b, n, a->chunks[i].a);
			put(b, n, a->chunks[i].b);
		}
		return;
	}
	meta = EXEC_META(a->format >= EXEC_FMT_STR_DEC ? 8 : a->size, a->format,
			 a->bf_off, a->bf_len) |
	       (a->addr ? EXEC_META_ADDR : 0) |
	       (a->pid_stride ? EXEC_META_PID : 0);
	put(b, n, meta);
	if (a->kind == EXEC_ARG_CONST) {
		put(b, n, a->value);
		if (a->pid_stride)
			put(b, n, a->pid_stride);
		return;
	}
	put(b, n, a->index);
	put(b, n, a->op_div);
	put(b, n, a->op_add);
	put(b, n, a->value);
}

static void reencode_check(const uint8_t *enc, size_t len)
{
	struct exec_decoder d;
	struct exec_insn in;
	uint8_t *b = calloc(1, len + 64);
	size_t n = 0;
	int rc;
	assert_int_equal(exec_decode_init(&d, enc, len), 0);
	put(b, &n, EXEC_MAGIC);
	put(b, &n, EXEC_VERSION);
	put(b, &n, d.n_calls);
	put(b, &n, d.n_results);
	put(b, &n, d.data_size);
	while ((rc = exec_decode_next(&d, &in)) > 0) {
		put(b, &n, in.op);
		if (in.op == EXEC_OP_COPYIN) {
			put(b, &n, in.addr);
			put_arg(b, &n, &in.arg);
		} else if (in.op == EXEC_OP_COPYOUT) {
			put(b, &n, in.index);
			put(b, &n, in.addr);
			put(b, &n, in.size);
		} else {
			put(b, &n, in.call_kind);
			put(b, &n, in.nr);
			put(b, &n, in.has_copyout ? in.copyout + 1 : 0);
			put(b, &n,
			    in.fail_nth >= 0 ? (uint64_t)in.fail_nth + 1 : 0);
			put(b, &n, in.flags);
			put(b, &n, in.rerun);
			put(b, &n, in.n_args);
			for (uint32_t i = 0; i < in.n_args; i++)
				put_arg(b, &n, &in.args[i]);
		}
	}
	if (rc < 0)
		fail_msg("%s", d.err);
	put(b, &n, EXEC_OP_END);
	assert_int_equal(n, len);
	assert_memory_equal(b, enc, len);
	free(b);
}

static void test_encode(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p;
	uint8_t *enc;
	size_t len;
	char err[256], *dump;
	(void)state;
	p = parse("r0 = syz_open_dev$t(&(0x7f0000000000)='/dev/t#\\x00', "
		  "0x1, 0x2)\n"
		  "ioctl$T_CREATE(r0, 0x1234, &(0x7f0000000040)="
		  "{0x10, <r1=>0x0})\n"
		  "write$t(r0, r1, &(0x7f0000000080)=\"0102ff\", 0x3) "
		  "(fail_nth: 4)\n",
		  true, &d);
	assert_int_equal(prog_encode(p, &enc, &len), 0);
	dump = prog_exec_dump(enc, len, err, sizeof(err));
	assert_non_null(dump);
	assert_string_equal(
		dump,
		"exec v1: 3 calls, 2 results, data 4096 bytes, 132 bytes "
		"encoded\n"
		"  copyin  data+0x0 = data[8] 2f6465762f742300\n"
		"call syz_open_dev(const[8,data+] 0x0, const[8] 0x1, "
		"const[8] 0x2) -> r0\n"
		"  copyin  data+0x40 = const[4] 0x10\n"
		"call nr 16(result[8] r0 default 0xffffffffffffffff, "
		"const[8] 0x1234, const[8,data+] 0x40)\n"
		"  copyout r1 = data+0x44 [4]\n"
		"  copyin  data+0x80 = data[3] 0102ff\n"
		"call nr 1(result[8] r0 default 0xffffffffffffffff, "
		"result[8] r1 default 0x0, const[8,data+] 0x80, const[8] 0x3)"
		" fail_nth 4\n"
		"end\n");
	free(dump);
	reencode_check(enc, len);
	/* every truncation and many corruptions are rejected, never read
	 * out of bounds (ASan checks the latter) */
	for (size_t i = 0; i < len; i++) {
		struct exec_decoder dd;
		struct exec_insn in;
		uint8_t *cut = malloc(i ? i : 1);
		memcpy(cut, enc, i);
		int rc = exec_decode_init(&dd, cut, i);
		while (rc >= 0 && (rc = exec_decode_next(&dd, &in)) > 0)
			;
		assert_int_equal(rc, -1);
		assert_true(dd.err[0] != 0);
		free(cut);
	}
	for (size_t i = 0; i < len; i++) {
		struct exec_decoder dd;
		struct exec_insn in;
		uint8_t *bad = malloc(len);
		memcpy(bad, enc, len);
		bad[i] ^= 0xa5;
		int rc = exec_decode_init(&dd, bad, len);
		while (rc >= 0 && (rc = exec_decode_next(&dd, &in)) > 0)
			;
		free(bad);
	}
	free(enc);
	prog_free(p);
}

/* RFC 1071 over network-order words (a trailing odd byte is the high
 * half of a word), chunk by chunk: the sum the kernel checks. */
static uint32_t rfc1071_add(uint32_t acc, const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i += 2)
		acc += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return acc;
}

/* Run the copyins of @enc on @mem as an executor would (integers,
 * data, checksums computed with RFC 1071 here). */
static void apply_copyins(const uint8_t *enc, size_t len, uint8_t *mem,
			  size_t mem_len)
{
	struct exec_decoder d;
	struct exec_insn in;
	int rc;
	assert_int_equal(exec_decode_init(&d, enc, len), 0);
	while ((rc = exec_decode_next(&d, &in)) > 0) {
		const struct exec_arg *a = &in.arg;
		uint8_t *p = mem + in.addr;
		if (in.op != EXEC_OP_COPYIN)
			continue;
		assert_true(in.addr + a->size <= mem_len);
		if (a->kind == EXEC_ARG_DATA) {
			memcpy(p, a->data, a->size);
		} else if (a->kind == EXEC_ARG_CONST) {
			assert_int_equal(a->bf_len, 0);
			for (uint32_t i = 0; i < a->size; i++) {
				uint32_t sh = a->format == EXEC_FMT_BIG_ENDIAN ?
						      a->size - 1 - i :
						      i;
				p[i] = (uint8_t)(a->value >> (8 * sh));
			}
		} else if (a->kind == EXEC_ARG_CSUM) {
			uint32_t acc = 0;
			for (uint32_t i = 0; i < a->n_chunks; i++) {
				const struct exec_chunk *c = &a->chunks[i];
				uint8_t v[8];
				if (c->kind == EXEC_CHUNK_DATA) {
					acc = rfc1071_add(acc, mem + c->a,
							  c->b);
					continue;
				}
				for (uint64_t k = 0; k < c->b; k++)
					v[k] = (uint8_t)(c->a >> (8 * k));
				acc = rfc1071_add(acc, v, c->b);
			}
			while (acc >> 16)
				acc = (acc & 0xffff) + (acc >> 16);
			p[0] = (uint8_t)(~acc >> 8);
			p[1] = (uint8_t)~acc;
		}
	}
	assert_int_equal(rc, 0);
}

/* Checksums: the field is written 0, then a CSUM copyin (last address
 * first) sums what syzkaller sums. */
static void test_csum_encode(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p;
	uint8_t *enc;
	size_t len;
	char err[256], *dump;
	(void)state;
	p = parse("ioctl$T_CSUM(0x0, 0x9999, &(0x7f0000000000)={{0x45, 0x0, "
		  "0x7f000001, 0x7f000002}, {{0x50}, \"0102030405\"}})\n"
		  "ioctl$T_CSUM6(0x0, 0x999a, &(0x7f0000000100)={\"fe80\", "
		  "\"ff02\", {0x0, \"aabbcc\"}})\n"
		  "ioctl$T_TCP(0x0, 0x999b, &(0x7f0000000200)={{0x50}})\n",
		  true, &d);
	assert_int_equal(prog_encode(p, &enc, &len), 0);
	dump = prog_exec_dump(enc, len, err, sizeof(err));
	assert_non_null(dump);
	assert_non_null(strstr(
		dump, "  copyin  data+0x1 = const[2] 0x0 fmt 1\n"
		      "  copyin  data+0x3 = const[4] 0x7f000001 fmt 1\n"));
	assert_non_null(strstr(dump,
			       "  copyin  data+0xf = data[5] 0102030405\n"
			       "  copyin  data+0xd = csum inet[data+0x3/4, "
			       "data+0x7/4, 0x600/2, 0x900/2, data+0xb/9]\n"
			       "  copyin  data+0x1 = csum inet[data+0x0/11]\n"
			       "call nr 16("));
	assert_non_null(
		strstr(dump, "  copyin  data+0x120 = const[2] 0x0 fmt 1\n"
			     "  copyin  data+0x122 = data[3] aabbcc\n"
			     "  copyin  data+0x120 = csum inet[data+0x100/16, "
			     "data+0x110/16, 0x5000000/4, 0x11000000/4, "
			     "data+0x120/5]\n"
			     "call nr 16("));
	/* no IP header in the call: the pseudo checksum stays 0 */
	assert_non_null(strstr(dump, "  copyin  data+0x202 = const[2] 0x0 "
				     "fmt 1\ncall nr 16("));
	free(dump);
	reencode_check(enc, len);
	/* the sums of the packets laid out, worked out by hand */
	{
		uint8_t *mem = calloc(1, 4096);
		apply_copyins(enc, len, mem, 4096);
		assert_int_equal(mem[0x1], 0xb7); /* IPv4 header */
		assert_int_equal(mem[0x2], 0x01);
		assert_int_equal(mem[0xd], 0xf8); /* TCP, IPv4 pseudo header */
		assert_int_equal(mem[0xe], 0x96);
		assert_int_equal(mem[0x120], 0x8b); /* UDP, IPv6 pseudo */
		assert_int_equal(mem[0x121], 0xa9);
		free(mem);
	}
	free(enc);
	prog_free(p);
}

static void test_decoder_rejects(void **state)
{
	static const uint8_t bad_magic[] = { 1, 2, 3 };
	static const uint8_t big[] = { 0xc4, 0x8c, 0xe1, 0x8a, 0x03, 1,	   0,
				       0,    0x80, 0x80, 0x80, 0x80, 0x7f, 0 };
	static const uint8_t oob[] = {
		0xc4,		0x8c, 0xe1, 0x8a,	0x03, 1, 0, 0,
		0x80,		0x20, /* 4096 bytes */
		EXEC_OP_COPYIN, 0xfe, 0x1f, /* 4094 */
		EXEC_ARG_CONST, 4,    1,    EXEC_OP_END
	};
	struct exec_decoder d;
	struct exec_insn in;
	(void)state;
	assert_int_equal(exec_decode_init(&d, bad_magic, sizeof(bad_magic)),
			 -1);
	assert_non_null(strstr(d.err, "magic"));
	assert_int_equal(exec_decode_init(&d, big, sizeof(big)), -1);
	assert_non_null(strstr(d.err, "data size"));
	assert_int_equal(exec_decode_init(&d, oob, sizeof(oob)), 0);
	assert_int_equal(exec_decode_next(&d, &in), -1);
	assert_non_null(strstr(d.err, "outside the data area"));
}

static void test_clone_remove(void **state)
{
	struct prog_diags d = { 0 };
	struct prog *p, *q;
	char *s;
	(void)state;
	p = parse("r0 = openat$t(0xffffffffffffff9c, "
		  "&(0x7f0000000000)='/dev/t\\x00', 0x2, 0x0)\n"
		  "ioctl$T_CREATE(r0, 0x1234, &(0x7f0000000040)="
		  "{0x10, <r1=>0x0})\n"
		  "write$t(r0, r1, &(0x7f0000000080)=\"01\", 0x1)\n",
		  true, &d);
	q = prog_clone(p);
	prog_remove_call(p, 0);
	s = print_ok(p);
	assert_string_equal(s, "ioctl$T_CREATE(0xffffffffffffffff, 0x1234, "
			       "&(0x7f0000000040)={0x10, <r0=>0x0})\n"
			       "write$t(0xffffffffffffffff, r0, "
			       "&(0x7f0000000080)=\"01\", 0x1)\n");
	free(s);
	prog_free(p);
	/* the clone is independent and keeps its links */
	assert_int_equal(prog_validate(q, PROG_VALIDATE_SIZES, NULL, 0), 0);
	assert_ptr_equal(q->calls[2]->args[0]->r.res, q->calls[0]->ret);
	prog_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_non_strict),
		cmocka_unit_test(test_byte_array_blobs),
		cmocka_unit_test(test_generate_mutate),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_enabled_only),
		cmocka_unit_test(test_minimize),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_cond_text),
		cmocka_unit_test(test_cond_encode),
		cmocka_unit_test(test_cond_validate),
		cmocka_unit_test(test_cond_gen_mutate),
		cmocka_unit_test(test_cond_minimize_hints),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_csum_encode),
		cmocka_unit_test(test_decoder_rejects),
		cmocka_unit_test(test_clone_remove),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
