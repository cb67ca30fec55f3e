/* C reproducers from programs (csource.h): the generator. */
#include "csource/csource.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "exec_decode.h"
#include "runtime_tmpl.h"

#define MAX_RERUN 100 /* as executor/exec.c */
#define DATA_BASE ((uint64_t)EXEC_DATA_ADDR)
#define MAX_SECTIONS 64

/* Runtime sections (runtime.tmpl), split once. */
struct section {
	char name[32];
	char deps[8][32];
	int n_deps;
	const char *text; /* after the marker line, up to the next */
	size_t len;
};

/* What the program needs, found in a first walk of the encoding. */
struct needs {
	bool res, res_op, endian, bitfield, strint, csum, nonfailing, fault;
	bool async, drm_nodes, dri;
	bool pseudo[EXEC_PSEUDO_COUNT_];
	uint64_t n_calls, n_results;
};

struct gen {
	const struct prog *p;
	struct csource_opts o;
	struct buf *out;
	struct needs n;
	struct section sec[MAX_SECTIONS];
	int n_sec;
	bool want[MAX_SECTIONS];
	int err;
};

static void out(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void out(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!g->err && buf_vprintf(g->out, fmt, ap))
		g->err = -ENOMEM;
	va_end(ap);
}

static void split_sections(struct gen *g)
{
	const char *s = csource_runtime, *end = s + strlen(s);

	while ((s = strstr(s, "\n//@ ")) && g->n_sec < MAX_SECTIONS) {
		struct section *x = &g->sec[g->n_sec++];
		const char *eol = strchr(s + 1, '\n'), *q = s + 5;
		int k = 0;

		memset(x, 0, sizeof(*x));
		eol = eol ? eol : end;
		while (q < eol && *q != ':' && k < 31)
			x->name[k++] = *q++;
		for (q++; q < eol;) {
			while (q < eol && *q == ' ')
				q++;
			if (q >= eol || x->n_deps == 8)
				break;
			k = 0;
			while (q < eol && *q != ' ' && k < 31)
				x->deps[x->n_deps][k++] = *q++;
			x->n_deps++;
		}
		x->text = eol < end ? eol + 1 : end;
		s = strstr(eol, "\n//@ ");
		x->len = (size_t)((s ? s + 1 : end) - x->text);
		s = s ? s : end;
		if (s == end)
			break;
	}
}

static int section_find(const struct gen *g, const char *name)
{
	for (int i = 0; i < g->n_sec; i++) {
		if (!strcmp(g->sec[i].name, name))
			return i;
	}
	return -1;
}

static void want(struct gen *g, const char *name)
{
	int i = section_find(g, name);

	if (i < 0 || g->want[i])
		return;
	g->want[i] = true;
	for (int k = 0; k < g->sec[i].n_deps; k++)
		want(g, g->sec[i].deps[k]);
}

/* Calls whose effects on mappings may make data-area stores fault. */
static bool maps_call(uint64_t nr)
{
	switch (nr) {
	case SYS_mmap:
	case SYS_munmap:
	case SYS_mremap:
	case SYS_mprotect:
	case SYS_pkey_mprotect:
	case SYS_madvise:
	case SYS_remap_file_pages:
	case SYS_shmat:
	case SYS_shmdt:
	case SYS_mbind:
		return true;
	default:
		return false;
	}
}

static bool arg_runtime(const struct gen *g, const struct exec_arg *a)
{
	return a->kind == EXEC_ARG_RESULT || (g->o.procs > 1 && a->pid_stride);
}

static void scan_arg(struct gen *g, const struct exec_arg *a)
{
	struct needs *n = &g->n;

	if (a->kind == EXEC_ARG_RESULT) {
		n->res = true;
		if (a->op_div || a->op_add)
			n->res_op = true;
	}
	if (a->kind == EXEC_ARG_DATA && a->size) {
		if (memmem(a->data, a->size, "/dev/dri/by-driver/", 19))
			n->drm_nodes = true;
		if (memmem(a->data, a->size, "/dev/dri", 8) ||
		    memmem(a->data, a->size, "/dev/udmabuf", 12))
			n->dri = true;
	}
	if (a->kind == EXEC_ARG_CSUM)
		n->csum = true;
	if (a->kind == EXEC_ARG_CONST || a->kind == EXEC_ARG_RESULT) {
		if (a->format >= EXEC_FMT_STR_DEC && arg_runtime(g, a))
			n->strint = true;
		else if (a->bf_len)
			n->bitfield = true;
		else if (a->format == EXEC_FMT_BIG_ENDIAN && a->size > 1)
			n->endian = true;
	}
}

/* The C function of a pseudo call, or NULL when it cannot be written
 * (syz_execute_func, and ids this drmfuzz does not know). */
static const char *pseudo_fn(uint64_t id, int *n_args)
{
	if (id == EXEC_PSEUDO_EXECUTE_FUNC || id > UINT32_MAX)
		return NULL;
	*n_args = id == EXEC_PSEUDO_OPEN_PROCFS || id == EXEC_PSEUDO_OPEN_PTS ?
			  2 :
			  3;
	return exec_pseudo_name((uint32_t)id);
}

static int scan(struct gen *g, const uint8_t *enc, size_t len, char *err,
		size_t cap)
{
	static struct exec_insn in;
	struct exec_decoder d;
	uint64_t call = 0;
	int rc, na;

	if (exec_decode_init(&d, enc, len)) {
		snprintf(err, cap, "%s", d.err);
		return -EINVAL;
	}
	g->n.n_calls = d.n_calls;
	g->n.n_results = d.n_results;
	while ((rc = exec_decode_next(&d, &in)) > 0) {
		if (in.op == EXEC_OP_COPYIN) {
			scan_arg(g, &in.arg);
		} else if (in.op == EXEC_OP_COPYOUT) {
			g->n.res = true;
		} else if (in.op == EXEC_OP_CALL) {
			const char *name = g->p->calls[call]->meta->name;

			call++;
			for (uint32_t i = 0; i < in.n_args; i++)
				scan_arg(g, &in.args[i]);
			if (in.has_copyout)
				g->n.res = true;
			if (in.fail_nth >= 0)
				g->n.fault = true;
			if (in.flags & EXEC_CALL_ASYNC)
				g->n.async = true;
			if (in.call_kind == EXEC_CALL_SYSCALL) {
				if (maps_call(in.nr))
					g->n.nonfailing = true;
				continue;
			}
			if (!pseudo_fn(in.nr, &na)) {
				snprintf(err, cap,
					 "call %" PRIu64 " (%s): pseudo call "
					 "%s cannot be written out as C",
					 call - 1, name,
					 exec_pseudo_name((uint32_t)in.nr));
				return -ENOTSUP;
			}
			g->n.pseudo[in.nr] = true;
			if (in.nr == EXEC_PSEUDO_OPEN_DEV ||
			    in.nr == EXEC_PSEUDO_OPEN_PROCFS)
				g->n.nonfailing = true;
		}
	}
	if (rc < 0) {
		snprintf(err, cap, "%s", d.err);
		return -EINVAL;
	}
	return 0;
}

/* ---- Values ---- */

static uint64_t size_mask(uint32_t size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* An integer value as a C expression (uint64_t). */
static void put_value(struct gen *g, const struct exec_arg *a)
{
	if (a->kind == EXEC_ARG_RESULT) {
		if (a->op_div || a->op_add)
			out(g,
			    "res_get_op(%" PRIu64 ", 0x%" PRIx64 ", 0x%" PRIx64
			    ", 0x%" PRIx64 ")",
			    a->index, a->op_div, a->op_add, a->value);
		else
			out(g, "res_get(%" PRIu64 ", 0x%" PRIx64 ")", a->index,
			    a->value);
		return;
	}
	uint64_t v = a->value + (a->addr ? DATA_BASE : 0);

	if (g->o.procs > 1 && a->pid_stride)
		out(g, "(0x%" PRIx64 "ul + procid * 0x%" PRIx64 "ul)", v,
		    a->pid_stride);
	else
		out(g, "0x%" PRIx64 "ul", v);
}

static void put_str_literal(struct gen *g, const uint8_t *p, size_t n,
			    const char *indent)
{
	size_t col = 0;

	out(g, "\"");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (col >= 64) {
			out(g, "\"\n%s\"", indent);
			col = 0;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' &&
		    c != '?') {
			out(g, "%c", c);
			col++;
		} else {
			out(g, "\\%03o", c);
			col += 4;
		}
	}
	out(g, "\"");
}

static const char *int_type(uint32_t size)
{
	return size == 1 ? "uint8_t" :
	       size == 2 ? "uint16_t" :
	       size == 4 ? "uint32_t" :
			   "uint64_t";
}

/* One store of the program's data (a copyin) as a statement. */
static void put_copyin(struct gen *g, const struct exec_insn *in,
		       const char *ind)
{
	const struct exec_arg *a = &in->arg;
	uint64_t addr = DATA_BASE + in->addr;
	bool nf = g->n.nonfailing;

	switch (a->kind) {
	case EXEC_ARG_DATA:
		if (!a->size)
			return;
		out(g, "%s%smemcpy((void *)0x%" PRIx64 ", ", ind,
		    nf ? "NONFAILING(" : "", addr);
		put_str_literal(g, a->data, a->size, "\t\t");
		out(g, ", %u)%s;\n", a->size, nf ? ")" : "");
		return;
	case EXEC_ARG_CSUM:
		out(g, "%s{\n%s\tstatic const struct csum_chunk c[] = {\n", ind,
		    ind);
		for (uint32_t i = 0; i < a->n_chunks; i++) {
			const struct exec_chunk *c = &a->chunks[i];

			out(g, "%s\t\t{ %u, 0x%" PRIx64 ", %" PRIu64 " },\n",
			    ind, c->kind,
			    c->kind == EXEC_CHUNK_DATA ? DATA_BASE + c->a :
							 c->a,
			    c->b);
		}
		out(g,
		    "%s\t};\n%s\t%scsum_store(0x%" PRIx64 ", c, %u)%s;\n%s}\n",
		    ind, ind, nf ? "NONFAILING(" : "", addr, a->n_chunks,
		    nf ? ")" : "", ind);
		return;
	}
	out(g, "%s%s", ind, nf ? "NONFAILING(" : "");
	if (a->format >= EXEC_FMT_STR_DEC) {
		char fmt = a->format == EXEC_FMT_STR_DEC ? 'd' :
			   a->format == EXEC_FMT_STR_HEX ? 'x' :
							   'o';
		if (arg_runtime(g, a)) {
			out(g, "str_store(0x%" PRIx64 ", '%c', ", addr, fmt);
			put_value(g, a);
			out(g, ")");
		} else {
			char tmp[32];
			uint64_t v = a->value + (a->addr ? DATA_BASE : 0);

			snprintf(tmp, sizeof(tmp),
				 fmt == 'd' ? "%020llu" :
				 fmt == 'x' ? "0x%016llx" :
					      "%023llo",
				 (unsigned long long)v);
			out(g, "memcpy((void *)0x%" PRIx64 ", ", addr);
			put_str_literal(g, (const uint8_t *)tmp, a->size, "");
			out(g, ", %u)", a->size);
		}
	} else if (a->bf_len) {
		out(g, "bf_store(0x%" PRIx64 ", %u, %d, %u, %u, ", addr,
		    a->size, a->format == EXEC_FMT_BIG_ENDIAN, a->bf_off,
		    a->bf_len);
		put_value(g, a);
		out(g, ")");
	} else {
		bool be = a->format == EXEC_FMT_BIG_ENDIAN && a->size > 1;

		out(g, "*(%s *)0x%" PRIx64 " = ", int_type(a->size), addr);
		if (be)
			out(g, "htobe%u(", a->size * 8);
		if (arg_runtime(g, a)) {
			put_value(g, a);
		} else {
			uint64_t v = a->value + (a->addr ? DATA_BASE : 0);

			out(g, "0x%" PRIx64, v & size_mask(a->size));
		}
		if (be)
			out(g, ")");
	}
	out(g, "%s;\n", nf ? ")" : "");
}

/* ---- Calls ---- */

/* The call expression, arguments from @a[] (threaded) or inline. */
static void put_call_expr(struct gen *g, const struct exec_insn *in,
			  const struct prog_call *c, bool from_array)
{
	int n = (int)in->n_args;

	if (in->call_kind == EXEC_CALL_PSEUDO) {
		const char *fn = pseudo_fn(in->nr, &n);

		out(g, "%s(", fn ? fn : "?");
	} else {
		out(g, "syscall(__NR_%s", c->meta->call_name);
		if (n)
			out(g, ", ");
	}
	for (int i = 0; i < n; i++) {
		if (i)
			out(g, ", ");
		if (from_array)
			out(g, "a[%d]", i);
		else if ((uint32_t)i < in->n_args)
			put_value(g, &in->args[i]);
		else
			out(g, "0");
	}
	out(g, ")");
}

/* The statements of call @idx: fault, call, reruns, results. */
static void put_call_body(struct gen *g, const struct exec_insn *in,
			  const struct exec_decoder *co, uint64_t idx,
			  bool from_array, const char *ind)
{
	const struct prog_call *c = g->p->calls[idx];
	uint64_t rerun = in->rerun > MAX_RERUN ? MAX_RERUN : in->rerun;
	struct exec_decoder d = *co;
	struct exec_insn *x = calloc(1, sizeof(*x));
	bool any = in->has_copyout;

	if (!x) {
		g->err = -ENOMEM;
		return;
	}
	if (in->fail_nth >= 0)
		out(g, "%sfault_fd = fault_arm(%" PRId64 ");\n", ind,
		    in->fail_nth);
	out(g, "%sret = ", ind);
	put_call_expr(g, in, c, from_array);
	out(g, ";\n%sTRACE(%" PRIu64 ", ret);\n", ind, idx);
	if (in->fail_nth >= 0)
		out(g,
		    "%sif (fault_fired(fault_fd))\n%s\tfprintf(stderr, \"call "
		    "%" PRIu64 ": fault injected\\n\");\n",
		    ind, ind, idx);
	if (rerun) {
		out(g, "%sfor (int i = 0; i < %" PRIu64 "; i++)\n%s\t", ind,
		    rerun, ind);
		put_call_expr(g, in, c, from_array);
		out(g, ";\n");
	}
	struct exec_decoder save = d;

	while (exec_decode_next(&d, x) > 0 && x->op == EXEC_OP_COPYOUT)
		any = true;
	d = save;
	if (any) {
		out(g, "%sif (ret != -1) {\n", ind);
		if (in->has_copyout)
			out(g, "%s\tres_put(%" PRIu64 ", ret);\n", ind,
			    in->copyout);
		while (exec_decode_next(&d, x) > 0 &&
		       x->op == EXEC_OP_COPYOUT) {
			bool nf = g->n.nonfailing;

			out(g,
			    "%s\t%sres_put(%" PRIu64 ", *(%s *)0x%" PRIx64
			    ")%s;\n",
			    ind, nf ? "NONFAILING(" : "", x->index,
			    int_type((uint32_t)x->size), DATA_BASE + x->addr,
			    nf ? ")" : "");
		}
		out(g, "%s}\n", ind);
	}
	free(x);
}

static bool threaded(const struct gen *g)
{
	return g->o.threaded || g->o.collide || g->n.async;
}

/* Walk the encoding: threaded, the per-call functions (@funcs) or
 * execute_one's copyins and dispatch; else execute_one inline. */
static int put_program(struct gen *g, const uint8_t *enc, size_t len,
		       bool funcs)
{
	static struct exec_insn in;
	struct exec_decoder d;
	uint64_t idx = 0;
	int64_t pair = -1;
	bool thr = threaded(g), named = false;

	exec_decode_init(&d, enc, len);
	if (!funcs) {
		out(g, "static void execute_one(void)\n{\n");
		if (!thr && g->n.n_calls)
			out(g, "\tlong ret;\n%s\n",
			    g->n.fault ? "\tint fault_fd;\n" : "");
	}
	while (exec_decode_next(&d, &in) > 0 && !g->err) {
		const struct prog_call *c;

		if (in.op == EXEC_OP_COPYOUT || idx >= g->p->n_calls)
			continue;
		c = g->p->calls[idx];
		/* Each call's name above its copyins. */
		if (!funcs && !named)
			out(g, "%s\t/* %" PRIu64 ": %s */\n", idx ? "\n" : "",
			    idx, c->meta->name);
		named = true;
		if (in.op == EXEC_OP_COPYIN) {
			if (!funcs)
				put_copyin(g, &in, "\t");
			continue;
		}
		named = false;
		if (funcs) {
			out(g,
			    "/* %" PRIu64 ": %s */\nstatic void call_%" PRIu64
			    "(const uint64_t *a)\n{\n\tlong ret;\n%s\n",
			    idx, c->meta->name, idx,
			    in.fail_nth >= 0 ? "\tint fault_fd;\n" : "");
			if (!in.n_args && in.call_kind == EXEC_CALL_SYSCALL)
				out(g, "\t(void)a;\n");
			put_call_body(g, &in, &d, idx, true, "\t");
			out(g, "}\n\n");
			idx++;
			continue;
		}
		if (!thr) {
			put_call_body(g, &in, &d, idx, false, "\t");
			idx++;
			continue;
		}
		out(g,
		    "\tcall_start(%" PRIu64 ", call_%" PRIu64
		    ", (const uint64_t[9]){ ",
		    idx, idx);
		for (uint32_t i = 0; i < in.n_args; i++) {
			if (i)
				out(g, ", ");
			put_value(g, &in.args[i]);
		}
		out(g, "%s });\n", in.n_args ? "" : "0");
		if (!(in.flags & EXEC_CALL_ASYNC)) {
			if (g->o.collide && pair < 0) {
				pair = (int64_t)idx;
			} else {
				out(g, "\tcall_wait(%" PRIu64 ");\n", idx);
				if (pair >= 0)
					out(g, "\tcall_wait(%" PRId64 ");\n",
					    pair);
				pair = -1;
			}
		}
		idx++;
	}
	if (!funcs) {
		if (pair >= 0)
			out(g, "\tcall_wait(%" PRId64 ");\n", pair);
		if (thr)
			out(g, "\tcalls_wait_all();\n");
		out(g, "}\n\n");
	}
	return g->err;
}

static void put_header(struct gen *g)
{
	char *text = prog_print(g->p);
	const char *s;

	out(g,
	    "/*\n * Generated by drmfuzz prog2c (%s%s%s, repeat %d, "
	    "procs %d, sandbox %s) from:\n *\n",
	    threaded(g) ? "threaded" : "not threaded",
	    g->o.collide ? ", collide" : "", g->n.fault ? ", fault" : "",
	    g->o.repeat, g->o.procs,
	    g->o.sandbox == CSOURCE_SANDBOX_SETUID ? "setuid" : "none");
	for (s = text ? text : ""; *s;) {
		const char *eol = strchr(s, '\n');
		size_t n = eol ? (size_t)(eol - s) : strlen(s);

		out(g, " * ");
		for (size_t i = 0; i < n; i++) {
			/* Nothing may end or nest the comment. */
			if (s[i] == '*' && i + 1 < n && s[i + 1] == '/')
				out(g, "* ");
			else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*')
				out(g, "/ ");
			else
				out(g, "%c", s[i]);
		}
		out(g, "\n");
		s += n + (eol ? 1 : 0);
	}
	out(g, " *\n * Build: gcc -O2 -static -pthread -o repro repro.c; with "
	       "-DCSOURCE_VERBOSE\n * it prints each call's result.\n */\n"
	       "#define _GNU_SOURCE\n");
	free(text);
}

static void put_includes(struct gen *g)
{
	const char *seen[128];
	int n_seen = 0;

	for (int i = 0; i < g->n_sec; i++) {
		const struct section *x = &g->sec[i];
		const char *s = x->text, *end = x->text + x->len;

		if (!g->want[i])
			continue;
		while (s < end) {
			const char *eol = memchr(s, '\n', (size_t)(end - s));
			size_t n = eol ? (size_t)(eol - s) : (size_t)(end - s);
			bool dup = false;

			if (n > 9 && !strncmp(s, "#include ", 9)) {
				for (int k = 0; k < n_seen && !dup; k++)
					dup = !strncmp(seen[k], s, n) &&
					      seen[k][n] == '\n';
				if (!dup && n_seen < 128) {
					seen[n_seen++] = s;
					out(g, "%.*s\n", (int)n, s);
				}
			}
			s += n + 1;
		}
	}
}

static void put_sections(struct gen *g)
{
	for (int i = 0; i < g->n_sec; i++) {
		const struct section *x = &g->sec[i];
		const char *s = x->text, *end = x->text + x->len;

		if (!g->want[i])
			continue;
		/* Skip the section's includes and the blank line after. */
		while (s < end && !strncmp(s, "#include ", 9))
			s = strchr(s, '\n') + 1;
		while (s < end && *s == '\n')
			s++;
		if (s < end)
			out(g, "%.*s", (int)(end - s), s);
	}
}

/* Syscalls newer than the oldest headers we expect get a fallback. */
static void put_nr_guards(struct gen *g)
{
	const char *done[EXEC_MAX_CALLS];
	size_t n = 0;

	for (size_t i = 0; i < g->p->n_calls; i++) {
		const struct syz_call *m = g->p->calls[i]->meta;
		bool dup = false;

		if (m->pseudo || m->nr < 424)
			continue;
		for (size_t k = 0; k < n && !dup; k++)
			dup = !strcmp(done[k], m->call_name);
		if (dup)
			continue;
		done[n++] = m->call_name;
		out(g, "#ifndef __NR_%s\n#define __NR_%s %" PRIu64 "\n#endif\n",
		    m->call_name, m->call_name, m->nr);
	}
}

static void put_main(struct gen *g)
{
	out(g, "int main(void)\n{\n\tdata_map();\n");
	if (g->n.nonfailing)
		out(g, "\tnonfailing_install();\n");
	if (g->n.fault)
		out(g, "\tfault_setup();\n");
	if (section_find(g, "drm_nodes") >= 0 &&
	    g->want[section_find(g, "drm_nodes")])
		out(g, "\tdrm_nodes_setup();\n");
	if (g->o.procs > 1)
		out(g, "\tprocs_fork();\n");
	if (g->o.sandbox == CSOURCE_SANDBOX_SETUID)
		out(g, "\tsandbox_setuid();\n");
	out(g, "\tworker_setup();\n");
	out(g, "\t%s();\n", g->o.repeat == 1 ? "execute_one" : "loop");
	if (g->o.procs > 1)
		out(g, "\tprocs_wait();\n");
	out(g, "\treturn 0;\n}\n");
}

void csource_opts_default(struct csource_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->repeat = 1;
	o->procs = 1;
	o->sandbox = CSOURCE_SANDBOX_NONE;
	o->call_timeout_ms = 50;
	o->prog_timeout_ms = 5000;
	o->fault_call = -1;
}

static int check_opts(const struct prog *p, const struct csource_opts *o,
		      char *err, size_t cap)
{
	if (o->repeat < 0 || o->procs < 1 || o->procs > 32 ||
	    o->call_timeout_ms <= 0 || o->prog_timeout_ms <= 0) {
		snprintf(err, cap,
			 "bad options: repeat %d (>= 0), procs %d (1..32), "
			 "timeouts %d/%d ms (> 0)",
			 o->repeat, o->procs, o->call_timeout_ms,
			 o->prog_timeout_ms);
		return -EINVAL;
	}
	if (o->sandbox != CSOURCE_SANDBOX_NONE &&
	    o->sandbox != CSOURCE_SANDBOX_SETUID) {
		snprintf(err, cap, "unknown sandbox %d", (int)o->sandbox);
		return -EINVAL;
	}
	if (o->fault_call >= 0 &&
	    ((size_t)o->fault_call >= p->n_calls || o->fault_nth < 0)) {
		snprintf(err, cap,
			 "fault call %d (the program has %zu calls), nth %d",
			 o->fault_call, p->n_calls, o->fault_nth);
		return -EINVAL;
	}
	return 0;
}

/* Which runtime sections the program needs. */
static void pick_sections(struct gen *g)
{
	static const char *const pseudo_sec[EXEC_PSEUDO_COUNT_] = {
		[EXEC_PSEUDO_OPEN_DEV] = "syz_open_dev",
		[EXEC_PSEUDO_OPEN_PROCFS] = "syz_open_procfs",
		[EXEC_PSEUDO_OPEN_PTS] = "syz_open_pts",
		[EXEC_PSEUDO_INIT_NET_SOCKET] = "syz_init_net_socket",
	};
	const struct needs *n = &g->n;

	want(g, "base");
	want(g, "data");
	want(g, "trace");
	want(g, "worker");
	if (n->res)
		want(g, "res");
	if (n->res_op)
		want(g, "res_op");
	if (n->endian)
		want(g, "endian");
	if (n->bitfield)
		want(g, "bitfield");
	if (n->strint)
		want(g, "strint");
	if (n->csum)
		want(g, "csum");
	if (n->nonfailing)
		want(g, "nonfailing");
	if (n->fault)
		want(g, "fault");
	if (threaded(g))
		want(g, "threads");
	if (g->o.repeat != 1)
		want(g, "loop");
	if (g->o.procs > 1)
		want(g, "procs");
	if (g->o.sandbox == CSOURCE_SANDBOX_SETUID)
		want(g, "setuid");
	if (n->drm_nodes || (n->dri && g->o.sandbox == CSOURCE_SANDBOX_SETUID))
		want(g, "drm_nodes");
	for (int i = 0; i < EXEC_PSEUDO_COUNT_; i++) {
		if (n->pseudo[i] && pseudo_sec[i])
			want(g, pseudo_sec[i]);
	}
}

int csource_write(const struct prog *p, const struct csource_opts *o,
		  struct buf *buf, char *err, size_t cap)
{
	struct gen *g = calloc(1, sizeof(*g));
	struct buf text = { 0 };
	struct prog *q = NULL;
	uint8_t *enc = NULL;
	size_t len = 0;
	int rc;

	if (!g)
		return -ENOMEM;
	err[0] = 0;
	g->o = *o;
	g->out = &text; /* appended to @buf only when complete */
	rc = check_opts(p, o, err, cap);
	if (!rc && o->fault_call >= 0) {
		/* Only the chosen call injects a fault. */
		q = prog_clone(p);
		if (!q) {
			rc = -ENOMEM;
		} else {
			for (size_t i = 0; i < q->n_calls; i++)
				q->calls[i]->props.fail_nth = 0;
			q->calls[o->fault_call]->props.fail_nth = o->fault_nth;
			p = q;
		}
	}
	g->p = p;
	if (!rc) {
		rc = prog_encode(p, &enc, &len);
		if (rc == -ENOTSUP) {
			for (size_t i = 0; i < p->n_calls; i++) {
				const struct syz_call *m = p->calls[i]->meta;

				if (m->pseudo &&
				    !exec_pseudo_lookup(m->call_name)) {
					snprintf(err, cap,
						 "call %zu (%s): pseudo call "
						 "%s is not supported",
						 i, m->name, m->call_name);
					break;
				}
			}
		} else if (rc) {
			snprintf(err, cap, "encode: %s", strerror(-rc));
		}
	}
	if (!rc)
		rc = scan(g, enc, len, err, cap);
	if (!rc) {
		split_sections(g);
		pick_sections(g);
		put_header(g);
		put_includes(g);
		out(g,
		    "\n#define DATA_ADDR 0x%llxul\n#define DATA_SIZE 0x%xul\n",
		    EXEC_DATA_ADDR, EXEC_DATA_SIZE);
		if (g->n.res)
			out(g, "#define NRES %" PRIu64 "\n", g->n.n_results);
		if (threaded(g))
			out(g,
			    "#define NCALLS %" PRIu64
			    "\n#define CALL_TIMEOUT_MS %d\n",
			    g->n.n_calls, o->call_timeout_ms);
		if (o->repeat != 1)
			out(g,
			    "#define REPEAT %d\n#define PROG_TIMEOUT_MS %d\n",
			    o->repeat, o->prog_timeout_ms);
		if (o->procs > 1)
			out(g, "#define PROCS %d\n", o->procs);
		put_nr_guards(g);
		out(g, "\n");
		put_sections(g);
		if (threaded(g))
			put_program(g, enc, len, true);
		put_program(g, enc, len, false);
		put_main(g);
		rc = g->err;
		if (!rc && buf_append(buf, text.data, text.len))
			rc = -ENOMEM;
		if (rc)
			snprintf(err, cap, "%s", strerror(-rc));
	}
	buf_free(&text);
	free(enc);
	prog_free(q);
	free(g);
	return rc;
}
