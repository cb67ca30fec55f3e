/*
 * The report parser: finds the first oops in console output, collects the
 * lines that belong to it (same printk caller context), and builds the
 * title from the oops table (oops_table.c). Works line by line with POSIX
 * regexps under hard bounds on line length and report size, so any input
 * is parsed in time linear in its size.
 */
#include "report.h"

#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oops.h"
#include "util/buf.h"
#include "util/log.h"

#define MAX_LINE 4096 /* longer lines are cut for matching */
#define MAX_REPORT_BYTES (4u << 20)
#define MAX_REPORT_LINES 100000
#define MAX_FRAMES 512
#define MAX_ARGS 16
#define MAX_RESULTS 3
#define MAX_CTX 32

/* ---- compiled patterns ---- */

struct cpart {
	regex_t re;
	bool stack; /* "parse a stack trace here" */
	bool used;
	int group, group2;
};

struct cstack {
	struct cpart parts[OOPS_MAX_PARTS];
	struct cpart parts2[OOPS_MAX_PARTS];
	regex_t skip;
	bool has_skip;
};

struct cformat {
	regex_t title;
	regex_t steps[OOPS_MAX_STEPS];
	int n_steps;
	struct cstack *stack;
};

struct coops {
	struct cformat formats[OOPS_MAX_FORMATS];
	int n_formats;
	regex_t suppress[OOPS_MAX_SUPPRESS];
	int n_suppress;
};

static struct {
	struct coops *oopses;
	regex_t skip_frames;
	regex_t stall_anchors;
	regex_t stack_starts[16];
	int n_stack_starts;
	regex_t corrupted_line;
	regex_t corrupted_title;
	regex_t sanitize[8];
	int ok; /* 1 compiled, -1 failed */
} pat;

static pthread_once_t pat_once = PTHREAD_ONCE_INIT;

static int compile(regex_t *re, const char *src)
{
	int rc = regcomp(re, src, REG_EXTENDED);
	if (rc) {
		char msg[256];
		regerror(rc, re, msg, sizeof(msg));
		log_err("report: bad pattern '%s': %s", src, msg);
		return -EINVAL;
	}
	return 0;
}

/* Compile a NULL-terminated list into one alternation. */
static int compile_list(regex_t *re, const char *const *list, size_t n)
{
	struct buf b = { 0 };
	int err = 0;
	for (size_t i = 0; (n ? i < n : 1) && list[i]; i++)
		err = err   ?:
			      buf_printf(&b, "%s(%s)", b.len ? "|" : "",
					 list[i]);
	if (!err)
		err = compile(re, b.data ? b.data : "$^");
	buf_free(&b);
	return err;
}

static int compile_parts(struct cpart *out, const struct oops_part *in)
{
	for (int i = 0; i < OOPS_MAX_PARTS && in[i].re; i++) {
		out[i].used = true;
		out[i].group = in[i].group;
		out[i].group2 = in[i].group2;
		if (!strcmp(in[i].re, OOPS_STACK)) {
			out[i].stack = true;
			continue;
		}
		if (compile(&out[i].re, in[i].re))
			return -EINVAL;
	}
	return 0;
}

static void compile_all(void)
{
	static const char *const sanitize[] = {
		"syz-executor\\.?[0-9]+((/|:)[0-9]+)?",
		"syzkaller[0-9]+((/|:)[0-9]+)?",
		"([^a-zA-Z0])(0x)?[0-9a-f]{6,}",
		"([0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})",
		"(\\.[0-9A-Za-z_]+)(:[0-9]+)+",
		"([a-zA-Z][a-zA-Z0-9_.]+)\\+0x[0-9a-z]+/0x[0-9a-z]+",
		"CPU#[0-9]+",
		"([^0-9A-Za-z_])([0-9]+)([^0-9A-Za-z_]|$)",
	};
	int err = 0;

	pat.oopses = calloc(oops_table_len, sizeof(*pat.oopses));
	if (!pat.oopses)
		goto fail;
	for (size_t i = 0; i < oops_table_len && !err; i++) {
		const struct oops *o = &oops_table[i];
		struct coops *c = &pat.oopses[i];
		for (int j = 0; j < OOPS_MAX_SUPPRESS && o->suppress[j]; j++)
			err = err   ?:
				      compile(&c->suppress[c->n_suppress++],
					      o->suppress[j]);
		for (int j = 0; j < OOPS_MAX_FORMATS && o->formats[j].title;
		     j++) {
			const struct oops_format *f = &o->formats[j];
			struct cformat *cf = &c->formats[c->n_formats++];
			err = err ?: compile(&cf->title, f->title);
			for (int k = 0; k < OOPS_MAX_STEPS && f->report[k]; k++)
				err = err   ?:
					      compile(&cf->steps[cf->n_steps++],
						      f->report[k]);
			if (!f->stack)
				continue;
			cf->stack = calloc(1, sizeof(*cf->stack));
			if (!cf->stack) {
				err = -ENOMEM;
				break;
			}
			err = err   ?:
				      compile_parts(cf->stack->parts,
						    f->stack->parts);
			err = err   ?:
				      compile_parts(cf->stack->parts2,
						    f->stack->parts2);
			if (f->stack->skip[0]) {
				cf->stack->has_skip = true;
				err = err   ?:
					      compile_list(&cf->stack->skip,
							   f->stack->skip,
							   OOPS_MAX_SKIP);
			}
		}
	}
	err = err ?: compile_list(&pat.skip_frames, oops_skip_frames, 0);
	err = err ?: compile_list(&pat.stall_anchors, oops_stall_anchors, 0);
	for (int i = 0; !err && oops_stack_starts[i]; i++)
		err = compile(&pat.stack_starts[pat.n_stack_starts++],
			      oops_stack_starts[i]);
	err = err   ?:
		      compile(&pat.corrupted_line,
			      "^( \\[<?(0x)?[0-9a-f]+>?\\])? should_fail(slab)?"
			      "(\\.[a-z0-9.]+)?\\+0x");
	err = err ?: compile(&pat.corrupted_title, "\\[ *[0-9]+\\.[0-9]+\\]");
	for (int i = 0; i < 8 && !err; i++)
		err = compile(&pat.sanitize[i], sanitize[i]);
	if (err)
		goto fail;
	pat.ok = 1;
	return;
fail:
	log_err("report: cannot compile the oops table");
	pat.ok = -1;
}

static int patterns(void)
{
	pthread_once(&pat_once, compile_all);
	return pat.ok == 1 ? 0 : -ENOMEM;
}

/* ---- small helpers ---- */

/*
 * Match @re against @len bytes at @s (cut at MAX_LINE). The bytes are
 * copied so regexec always sees a NUL-terminated string.
 */
static bool rx_match(const regex_t *re, const char *s, size_t len,
		     regmatch_t *m, size_t nm)
{
	char tmp[MAX_LINE + 1];
	regmatch_t one[1];
	if (!m) {
		m = one;
		nm = 1;
	}
	if (len > MAX_LINE)
		len = MAX_LINE;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)len;
	return regexec(re, tmp, nm, m, REG_STARTEND) == 0;
}

static bool contains(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

static size_t line_end(const char *s, size_t len, size_t pos)
{
	const char *nl = memchr(s + pos, '\n', len - pos);
	return nl ? (size_t)(nl - s) : len;
}

struct line {
	size_t off, len;
};

typedef VEC(struct line) line_vec;

struct text {
	const char *s;
	const struct line *v;
	size_t n;
};

/* ---- console prefixes and contexts ---- */

enum { CTX_NONE, CTX_CONSOLE, CTX_CALLER };

struct ctx {
	int kind;
	char id[MAX_CTX]; /* "[  T123]" for CTX_CALLER */
	size_t body; /* where the message starts */
};

static size_t skip_digits(const char *s, size_t len, size_t p)
{
	while (p < len && s[p] >= '0' && s[p] <= '9')
		p++;
	return p;
}

/* "<6>[  12.345678][  T123] " at @p. */
static bool ctx_at(const char *s, size_t len, size_t p, struct ctx *c)
{
	size_t q;
	if (p < len && s[p] == '<') {
		q = skip_digits(s, len, p + 1);
		if (q == p + 1 || q >= len || s[q] != '>')
			return false;
		p = q + 1;
	}
	if (p >= len || s[p] != '[')
		return false;
	p++;
	while (p < len && s[p] == ' ')
		p++;
	q = skip_digits(s, len, p);
	if (q == p || q >= len || s[q] != '.')
		return false;
	p = skip_digits(s, len, q + 1);
	if (p == q + 1 || p >= len || s[p] != ']')
		return false;
	p++;
	c->kind = CTX_CONSOLE;
	if (p < len && s[p] == '[') {
		size_t b = p;
		q = p + 1;
		while (q < len && s[q] == ' ')
			q++;
		if (q < len && (s[q] == 'C' || s[q] == 'T')) {
			size_t e = skip_digits(s, len, q + 1);
			if (e > q + 1 && e < len && s[e] == ']' &&
			    e + 1 - b < MAX_CTX) {
				c->kind = CTX_CALLER;
				memcpy(c->id, s + b, e + 1 - b);
				c->id[e + 1 - b] = 0;
				p = e + 1;
			}
		}
	}
	if (p >= len || s[p] != ' ') {
		c->kind = CTX_NONE;
		return false;
	}
	c->body = p + 1;
	return true;
}

static void line_ctx(const char *s, size_t len, struct ctx *c)
{
	static const char dropped[] = " printk messages dropped ** ";
	size_t p = 0;
	memset(c, 0, sizeof(*c));
	if (len > 3 && !memcmp(s, "** ", 3)) {
		size_t q = skip_digits(s, len, 3);
		if (q > 3 && len - q >= sizeof(dropped) - 1 &&
		    !memcmp(s + q, dropped, sizeof(dropped) - 1))
			p = q + sizeof(dropped) - 1;
	}
	if (ctx_at(s, len, p, c))
		return;
	/* "(.* login: )?": try after each " login: ", last one first. */
	for (size_t e = len; e > p;) {
		const char *hit = NULL;
		for (const char *x = s + p;
		     (x = memmem(x, (size_t)(s + e - x), " login: ", 8)); x++)
			hit = x;
		if (!hit)
			break;
		if (ctx_at(s, len, (size_t)(hit - s) + 8, c))
			return;
		e = (size_t)(hit - s) + 7;
	}
	memset(c, 0, sizeof(*c));
}

static bool ctx_equal(const struct ctx *a, const struct ctx *b)
{
	return a->kind == b->kind &&
	       (a->kind != CTX_CALLER || !strcmp(a->id, b->id));
}

/* The message without its console prefix; *questionable for " ? " frames. */
static void strip_prefix(const char *s, size_t len, const struct ctx *c,
			 size_t *start, size_t *slen, bool *questionable)
{
	*questionable = false;
	if (len && s[len - 1] == '\r')
		len--;
	*start = 0;
	*slen = len;
	if (c->kind == CTX_NONE)
		return;
	const char *b = memmem(s, len, "] ", 2);
	size_t p = b ? (size_t)(b - s) + 2 : c->body;
	if (p > len)
		p = len;
	s += p;
	len -= p;
	*start = p;
	*slen = len;
	if (contains(s, len, "<EOI>"))
		return;
	const char *q = memmem(s, len, " ? ", 3);
	if (q) {
		size_t d = (size_t)(q - s) + 2;
		*start += d;
		*slen = len - d;
		*questionable = true;
		return;
	}
	static const char unreliable[] = " (unreliable)";
	size_t ul = sizeof(unreliable) - 1;
	if (len >= ul && !memcmp(s + len - ul, unreliable, ul)) {
		*slen = len - ul;
		*questionable = true;
	}
}

/* ---- oops headers ---- */

static bool match_oops(size_t oi, const char *s, size_t len)
{
	const struct oops *o = &oops_table[oi];
	if (!memmem(s, len, o->header, strlen(o->header)))
		return false;
	const struct coops *c = &pat.oopses[oi];
	for (int i = 0; i < c->n_suppress; i++)
		if (rx_match(&c->suppress[i], s, len, NULL, 0))
			return false;
	return true;
}

static int find_oops(const char *s, size_t len)
{
	for (size_t i = 0; i < oops_table_len; i++)
		if (match_oops(i, s, len))
			return (int)i;
	return -1;
}

static size_t cap_line(size_t len)
{
	return len > MAX_LINE ? MAX_LINE : len;
}

/* ---- frames ---- */

/* "[<ffffffff81234567>]" at @p: returns the position after it or 0. */
static size_t skip_pc(const char *s, size_t len, size_t p)
{
	if (p >= len || s[p] != '[')
		return 0;
	size_t q = p + 1;
	if (q < len && s[q] == '<')
		q++;
	if (q + 1 < len && s[q] == '0' && s[q + 1] == 'x')
		q += 2;
	size_t h = q;
	while (q < len &&
	       ((s[q] >= '0' && s[q] <= '9') || (s[q] >= 'a' && s[q] <= 'f')))
		q++;
	if (q == h)
		return 0;
	if (q < len && s[q] == '>')
		q++;
	if (q >= len || s[q] != ']')
		return 0;
	return q + 1;
}

static size_t skip_ident(const char *s, size_t len, size_t p, bool dots)
{
	while (p < len &&
	       (s[p] == '_' || (s[p] >= 'a' && s[p] <= 'z') ||
		(s[p] >= 'A' && s[p] <= 'Z') || (s[p] >= '0' && s[p] <= '9') ||
		(dots && s[p] == '.')))
		p++;
	return p;
}

struct span {
	size_t off, len;
};

/*
 * Function names on a stack frame line: x86 "^ *([<pc>] ){0,2}func[.+]"
 * (one name) or arm "[<pc>] (func) from [<pc>] (caller+" (two names).
 * Returns how many were found.
 */
static int frame_line(const char *s, size_t len, struct span out[2])
{
	size_t p = 0, q;
	while (p < len && s[p] == ' ')
		p++;
	size_t first = p;
	/* arm */
	q = skip_pc(s, len, p);
	if (q && q + 1 < len && s[q] == ' ' && s[q + 1] == '(') {
		size_t b = q + 2, e = skip_ident(s, len, b, true);
		static const char from[] = ") from ";
		if (e > b && len - e >= sizeof(from) - 1 &&
		    !memcmp(s + e, from, sizeof(from) - 1)) {
			size_t r = skip_pc(s, len, e + sizeof(from) - 1);
			if (r && r + 1 < len && s[r] == ' ' &&
			    s[r + 1] == '(') {
				size_t b2 = r + 2,
				       e2 = skip_ident(s, len, b2, false);
				if (e2 > b2 && e2 < len &&
				    (s[e2] == '.' || s[e2] == '+')) {
					out[0] = (struct span){ b, e - b };
					out[1] = (struct span){ b2, e2 - b2 };
					return 2;
				}
			}
		}
	}
	p = first;
	for (int k = 0; k < 2; k++) {
		q = skip_pc(s, len, p);
		if (!q || q >= len || s[q] != ' ')
			break;
		p = q + 1;
	}
	size_t b = p;
	p = skip_ident(s, len, p, false);
	if (p == b || p >= len || (s[p] != '.' && s[p] != '+'))
		return 0;
	out[0] = (struct span){ b, p - b };
	return 1;
}

struct frames {
	char *v[MAX_FRAMES];
	size_t n;
};

static void frames_clear(struct frames *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	f->n = 0;
}

static bool skipped(const struct cstack *st, const char *name)
{
	size_t len = strlen(name);
	return rx_match(&pat.skip_frames, name, len, NULL, 0) ||
	       (st->has_skip && rx_match(&st->skip, name, len, NULL, 0));
}

/* Add one candidate frame unless it is skipped. Returns true if added. */
static bool add_frame(struct frames *f, const struct cstack *st, const char *s,
		      size_t len)
{
	char name[256];
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, s, len);
	name[len] = 0;
	if (skipped(st, name))
		return false;
	const char *n = name;
	for (int i = 0; oops_strip_prefixes[i]; i++) {
		size_t pl = strlen(oops_strip_prefixes[i]);
		if (!strncmp(n, oops_strip_prefixes[i], pl))
			n += pl;
	}
	if (f->n < MAX_FRAMES) {
		char *d = strdup(n);
		if (d)
			f->v[f->n++] = d;
	}
	return true;
}

static void add_match(struct frames *f, const struct cstack *st,
		      const struct cpart *part, const char *s,
		      const regmatch_t *m, size_t nm)
{
	int groups[2] = { part->group, part->group2 };
	for (int i = 0; i < 2; i++) {
		int g = groups[i];
		if (g <= 0 || (size_t)g >= nm || m[g].rm_so < 0)
			continue;
		if (add_frame(f, st, s + m[g].rm_so,
			      (size_t)(m[g].rm_eo - m[g].rm_so)))
			return;
	}
}

static bool is_stack_start(const char *s, size_t len)
{
	for (int i = 0; i < pat.n_stack_starts; i++)
		if (rx_match(&pat.stack_starts[i], s, len, NULL, 0))
			return true;
	return false;
}

static const char *extract_stall(struct frames *f)
{
	if (!f->n)
		return NULL;
	const char *prev = f->v[0];
	for (size_t i = 0; i < f->n; i++) {
		const char *fr = f->v[i];
		if (rx_match(&pat.stall_anchors, fr, strlen(fr), NULL, 0)) {
			if (strstr(fr, "smp_call_function"))
				return "smp_call_function";
			return prev;
		}
		prev = fr;
	}
	return NULL;
}

static const char *extract_hang(struct frames *f)
{
	static const char *const sync[] = { "synchronize_rcu",
					    "synchronize_srcu",
					    "synchronize_net",
					    "synchronize_sched" };
	static const char *const skip[] = {
		"sched",	  "_lock",	 "_slowlock",
		"down",		  "rwsem",	 "completion",
		"kthread",	  "wait",	 "synchronize",
		"context_switch", "__switch_to", "cancel_delayed_work",
		"rcu_barrier",
	};
	for (size_t i = 0; i < f->n; i++) {
		if (strstr(f->v[i], "rtnl_lock"))
			return f->v[i];
		for (size_t k = 0; k < 4; k++)
			if (strstr(f->v[i], sync[k]))
				return "synchronize_rcu";
	}
	for (size_t i = 0; i < f->n; i++) {
		size_t k;
		for (k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
			if (strstr(f->v[i], skip[k]))
				break;
		if (k == sizeof(skip) / sizeof(skip[0]))
			return f->v[i];
	}
	return NULL;
}

static const char *extract_key(const struct oops_stack *def, struct frames *f)
{
	switch (def->extractor) {
	case OOPS_EXTRACT_STALL:
		return extract_stall(f);
	case OOPS_EXTRACT_HANG:
		return extract_hang(f);
	default:
		return f->n ? f->v[0] : NULL;
	}
}

/*
 * Walk @parts over lines [first, n) of @t (the first line from column
 * @col). Fills results[] (owned strings, "corrupted" when no frame).
 */
static bool stack_impl(const struct text *t, size_t first, size_t col,
		       const struct oops_stack *def, const struct cstack *st,
		       const struct cpart *parts, char **results,
		       size_t *n_results)
{
	struct frames *f = calloc(1, sizeof(*f));
	size_t cur = first, nparts = 0, n_stacks = 0;
	bool ok = true;
	regmatch_t m[16];

	if (!f)
		return false;
	while (nparts < OOPS_MAX_PARTS && parts[nparts].used)
		nparts++;
	for (size_t pi = 0;; pi++) {
		if (pi == nparts || (parts[pi].stack && n_stacks > 0)) {
			const char *key = extract_key(def, f);
			if (!key) {
				key = "corrupted";
				ok = false;
			}
			if (*n_results < MAX_RESULTS)
				results[(*n_results)++] = strdup(key);
			frames_clear(f);
		}
		if (pi == nparts)
			break;
		const struct cpart *part = &parts[pi];
		if (part->stack)
			n_stacks++;
		while (cur < t->n) {
			size_t c = cur == first ? col : 0;
			const char *s = t->s + t->v[cur].off + c;
			size_t len = t->v[cur].len > c ? t->v[cur].len - c : 0;
			cur++;
			if (rx_match(&pat.corrupted_line, s, len, NULL, 0)) {
				ok = false;
				break;
			}
			if (!part->stack) {
				if (!rx_match(&part->re, s, len, m, 16))
					continue;
				add_match(f, st, part, s, m, 16);
				break;
			}
			if (is_stack_start(s, len))
				break;
			const struct cpart *next = &parts[pi + 1];
			if (pi + 1 < nparts && !next->stack &&
			    rx_match(&next->re, s, len, m, 16)) {
				add_match(f, st, next, s, m, 16);
				pi++;
				break;
			}
			struct span fs[2];
			int nf = frame_line(s, len, fs);
			for (int k = 0; k < nf; k++)
				if (add_frame(f, st, s + fs[k].off, fs[k].len))
					break;
		}
	}
	frames_clear(f);
	free(f);
	return ok;
}

static bool extract_stack(const struct text *t, size_t first, size_t col,
			  const struct oops_stack *def, const struct cstack *st,
			  char **results, size_t *n_results)
{
	bool ok = stack_impl(t, first, col, def, st, st->parts, results,
			     n_results);
	if (ok || !st->parts2[0].used)
		return ok;
	for (size_t i = 0; i < *n_results; i++)
		free(results[i]);
	*n_results = 0;
	return stack_impl(t, first, col, def, st, st->parts2, results,
			  n_results);
}

/* ---- titles ---- */

struct desc {
	char *title;
	char *alt[2];
	const char *corrupted;
	const struct oops_format *format;
};

static void desc_free(struct desc *d)
{
	free(d->title);
	free(d->alt[0]);
	free(d->alt[1]);
	memset(d, 0, sizeof(*d));
}

static char *expand(const char *fmt, char **args, size_t n_args, char **results,
		    size_t n_results)
{
	struct buf b = { 0 };
	int err = buf_puts(&b, "");
	for (const char *p = fmt; *p && !err; p++) {
		if (*p != '%') {
			err = buf_putc(&b, *p);
			continue;
		}
		bool frame = p[1] == 'f';
		const char *d = p + 1 + frame;
		if (*d < '1' || *d > '9') {
			err = buf_putc(&b, *p);
			continue;
		}
		size_t i = (size_t)(*d - '1');
		const char *v = frame ? (i < n_results ? results[i] : "") :
					(i < n_args ? args[i] : "");
		err = buf_puts(&b, v ? v : "");
		p = d;
	}
	if (err) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* First line in [from, n) where @re matches, within @gap lines (0: any). */
static long find_line(const struct text *t, const regex_t *re, size_t from,
		      size_t gap, regmatch_t *m, size_t nm)
{
	for (size_t i = from; i < t->n; i++) {
		if (gap && i - from >= gap)
			break;
		if (rx_match(re, t->s + t->v[i].off, t->v[i].len, m, nm))
			return (long)i;
	}
	return -1;
}

/* Match the report steps of @cf; collect captures into args. */
static long match_steps(const struct text *t, const struct cformat *cf,
			const struct oops_format *f, char **args,
			size_t *n_args)
{
	regmatch_t m[16];
	size_t from = 0;
	for (int attempt = 0; attempt < 8; attempt++) {
		long first = find_line(t, &cf->steps[0], from, 0, m, 16);
		if (first < 0)
			return -1;
		size_t na = 0;
		long line = first;
		bool ok = true;
		for (int k = 0; k < cf->n_steps && ok; k++) {
			if (k > 0) {
				line = find_line(t, &cf->steps[k],
						 (size_t)line + 1,
						 (size_t)f->step_gap, m, 16);
				if (line < 0) {
					ok = false;
					break;
				}
			}
			const char *s = t->s + t->v[line].off;
			for (size_t g = 1; g <= cf->steps[k].re_nsub && g < 16;
			     g++) {
				if (na >= MAX_ARGS)
					break;
				args[na++] =
					m[g].rm_so < 0 ?
						strdup("") :
						strndup(s + m[g].rm_so,
							(size_t)(m[g].rm_eo -
								 m[g].rm_so));
			}
		}
		if (ok) {
			*n_args = na;
			return first;
		}
		for (size_t i = 0; i < na; i++)
			free(args[i]);
		if (!f->step_gap)
			return -1;
		from = (size_t)first + 1;
	}
	return -1;
}

static void describe(const struct text *t, size_t oi, struct desc *d)
{
	const struct oops *o = &oops_table[oi];
	const struct coops *co = &pat.oopses[oi];
	size_t hl = strlen(o->header);
	size_t best = (size_t)-1;
	bool matched_title = false;
	regmatch_t m[16];

	memset(d, 0, sizeof(*d));
	for (int fi = 0; fi < co->n_formats; fi++) {
		const struct oops_format *f = &o->formats[fi];
		const struct cformat *cf = &co->formats[fi];
		size_t pos = (size_t)-1, tline = 0, tcol = 0;
		for (size_t i = 0; i < t->n; i++) {
			const char *s = t->s + t->v[i].off;
			if (t->v[i].off > best)
				break;
			if (!memmem(s, t->v[i].len, o->header, hl))
				continue;
			if (rx_match(&cf->title, s, t->v[i].len, m, 16)) {
				pos = t->v[i].off + (size_t)m[0].rm_so;
				tline = i;
				tcol = (size_t)m[0].rm_so;
				break;
			}
		}
		if (pos == (size_t)-1 || pos > best)
			continue;
		if (pos == best && d->title)
			continue;
		if (pos < best) {
			desc_free(d);
			best = pos;
		}
		matched_title = true;

		char *args[MAX_ARGS];
		size_t n_args = 0;
		size_t sline = tline, scol = tcol;
		if (cf->n_steps) {
			long l = match_steps(t, cf, f, args, &n_args);
			if (l < 0)
				continue;
			sline = (size_t)l;
			scol = 0;
		} else {
			const char *s = t->s + t->v[tline].off;
			for (size_t g = 1; g <= cf->title.re_nsub && g < 16 &&
					   n_args < MAX_ARGS;
			     g++)
				args[n_args++] =
					m[g].rm_so < 0 ?
						strdup("") :
						strndup(s + m[g].rm_so,
							(size_t)(m[g].rm_eo -
								 m[g].rm_so));
		}
		char *results[MAX_RESULTS];
		size_t n_results = 0;
		const char *corrupted = NULL;
		if (f->stack && !extract_stack(t, sline, scol, f->stack,
					       cf->stack, results, &n_results))
			corrupted = "extracted no frames";
		desc_free(d);
		d->title = expand(f->fmt, args, n_args, results, n_results);
		for (int a = 0; a < 2 && f->alt[a]; a++)
			d->alt[a] = expand(f->alt[a], args, n_args, results,
					   n_results);
		d->corrupted = corrupted;
		d->format = f;
		for (size_t i = 0; i < n_args; i++)
			free(args[i]);
		for (size_t i = 0; i < n_results; i++)
			free(results[i]);
	}
	if (!d->title) {
		if (matched_title)
			d->corrupted = "matched title but not report regexp";
		for (size_t i = 0; i < t->n; i++) {
			const char *s = t->s + t->v[i].off;
			const char *h = memmem(s, t->v[i].len, o->header, hl);
			if (h) {
				d->title = strndup(h, t->v[i].len -
							      (size_t)(h - s));
				break;
			}
		}
	}
	if (!d->corrupted && d->format && d->format->corrupted)
		d->corrupted = "report format is marked as corrupted";
}

/* syzkaller's corruption rules for a report whose title was found. */
static const char *check_corrupted(const char *title, const struct text *t,
				   const struct oops_format *f)
{
	if (rx_match(&pat.corrupted_title, title, strlen(title), NULL, 0))
		return "title matches corrupted regexp";
	if (!f || f->no_stack_trace)
		return NULL;
	bool has_stack = false;
	for (int k = 0; k < pat.n_stack_starts; k++) {
		long at = find_line(t, &pat.stack_starts[k], 0, 0, NULL, 0);
		if (at < 0)
			continue;
		if (t->n - (size_t)at + 1 < 4)
			return "call trace is missed";
		bool corrupted = true;
		for (size_t i = (size_t)at + 1;
		     i < t->n && i <= (size_t)at + 15; i++) {
			const char *s = t->s + t->v[i].off;
			size_t len = t->v[i].len;
			struct span fs[2];
			if (is_stack_start(s, len))
				break;
			if (contains(s, len, "(stack is not available)") ||
			    frame_line(s, len, fs)) {
				corrupted = false;
				has_stack = true;
				break;
			}
		}
		if (corrupted)
			return "no frames in a stack trace";
	}
	return has_stack ? NULL : "no stack trace in report";
}

/* ---- sanitizing ---- */

static char *replace_all(const regex_t *re, const char *s, const char *tmpl)
{
	struct buf b = { 0 };
	size_t len = strlen(s), p = 0;
	regmatch_t m[10];
	int err = buf_puts(&b, "");
	while (!err && p <= len) {
		m[0].rm_so = (regoff_t)p;
		m[0].rm_eo = (regoff_t)len;
		if (regexec(re, s, 10, m, REG_STARTEND | (p ? REG_NOTBOL : 0)))
			break;
		err = buf_append(&b, s + p, (size_t)m[0].rm_so - p);
		for (const char *x = tmpl; *x && !err; x++) {
			if (*x == '$' && x[1] >= '0' && x[1] <= '9') {
				int g = x[1] - '0';
				if (m[g].rm_so >= 0)
					err = buf_append(&b, s + m[g].rm_so,
							 (size_t)(m[g].rm_eo -
								  m[g].rm_so));
				x++;
			} else {
				err = buf_putc(&b, *x);
			}
		}
		if (m[0].rm_eo == m[0].rm_so) {
			if ((size_t)m[0].rm_eo < len)
				err = err ?: buf_putc(&b, s[m[0].rm_eo]);
			p = (size_t)m[0].rm_eo + 1;
		} else {
			p = (size_t)m[0].rm_eo;
		}
	}
	if (!err && p < len)
		err = buf_append(&b, s + p, len - p);
	if (err) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

char *report_sanitize_title(const char *title)
{
	static const char *const tmpl[] = { "syz-executor", "syzkaller",
					    "$1ADDR",	    "IP",
					    "$1:LINE",	    "$1",
					    "CPU",	    "$1NUM$3" };
	if (patterns())
		return NULL;
	char *cur = strndup(title, 1024);
	for (int i = 0; i < 8 && cur; i++) {
		for (int iter = 0; iter < 32 && cur; iter++) {
			char *next =
				replace_all(&pat.sanitize[i], cur, tmpl[i]);
			bool same = next && !strcmp(next, cur);
			free(cur);
			cur = next;
			if (same)
				break;
		}
	}
	if (!cur)
		return NULL;
	char *out = malloc(strlen(cur) + 1);
	if (!out) {
		free(cur);
		return NULL;
	}
	size_t n = 0;
	char prev = ' ';
	for (size_t i = 0; cur[i] && i < 120; i++) {
		unsigned char ch = (unsigned char)cur[i];
		if (ch == '\t')
			ch = ' ';
		else if (ch < 0x20 || ch >= 0x7f)
			continue;
		if (ch == ' ' && prev == ' ')
			continue;
		out[n++] = (char)ch;
		prev = (char)ch;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
	free(cur);
	return out;
}

/* ---- types ---- */

static const char *const type_names[] = {
	[REPORT_TYPE_UNKNOWN] = "UNKNOWN",
	[REPORT_TYPE_KASAN_READ] = "KASAN-READ",
	[REPORT_TYPE_KASAN_WRITE] = "KASAN-WRITE",
	[REPORT_TYPE_KASAN_UAF_READ] = "KASAN-USE-AFTER-FREE-READ",
	[REPORT_TYPE_KASAN_UAF_WRITE] = "KASAN-USE-AFTER-FREE-WRITE",
	[REPORT_TYPE_KASAN_NULL_READ] = "KASAN-NULL-POINTER-DEREFERENCE-READ",
	[REPORT_TYPE_KASAN_NULL_WRITE] = "KASAN-NULL-POINTER-DEREFERENCE-WRITE",
	[REPORT_TYPE_KASAN_INVALID_FREE] = "KASAN-INVALID-FREE",
	[REPORT_TYPE_KFENCE_READ] = "KFENCE-READ",
	[REPORT_TYPE_KFENCE_WRITE] = "KFENCE-WRITE",
	[REPORT_TYPE_KFENCE_UAF_READ] = "KFENCE-USE-AFTER-FREE-READ",
	[REPORT_TYPE_KFENCE_UAF_WRITE] = "KFENCE-USE-AFTER-FREE-WRITE",
	[REPORT_TYPE_KFENCE_INVALID_FREE] = "KFENCE-INVALID-FREE",
	[REPORT_TYPE_KFENCE_CORRUPTION] = "KFENCE-MEMORY-CORRUPTION",
	[REPORT_TYPE_KMSAN_UNINIT] = "KMSAN-UNINIT-VALUE",
	[REPORT_TYPE_KMSAN_INFOLEAK] = "KMSAN-INFO-LEAK",
	[REPORT_TYPE_KCSAN_RACE] = "DATARACE",
	[REPORT_TYPE_UBSAN] = "UBSAN",
	[REPORT_TYPE_MEMORY_SAFETY] = "MEMORY_SAFETY_BUG",
	[REPORT_TYPE_NULL_DEREF] = "NULL-POINTER-DEREFERENCE",
	[REPORT_TYPE_LOCKDEP] = "LOCKDEP",
	[REPORT_TYPE_ATOMIC_SLEEP] = "ATOMIC_SLEEP",
	[REPORT_TYPE_HANG] = "HANG",
	[REPORT_TYPE_LEAK] = "LEAK",
	[REPORT_TYPE_WARNING] = "WARNING",
	[REPORT_TYPE_REFCOUNT_WARNING] = "REFCOUNT_WARNING",
	[REPORT_TYPE_BUG] = "BUG",
	[REPORT_TYPE_DOS] = "DoS",
	[REPORT_TYPE_REBOOT] = "REBOOT",
	[REPORT_TYPE_LOST_CONNECTION] = "LOST_CONNECTION",
	[REPORT_TYPE_NO_OUTPUT] = "NO_OUTPUT",
};

const char *report_type_name(enum report_type type)
{
	if ((size_t)type >= sizeof(type_names) / sizeof(type_names[0]) ||
	    !type_names[type])
		return "UNKNOWN";
	return type_names[type];
}

static enum report_type title_type(const char *title)
{
	for (const struct oops_type_rule *r = oops_type_rules; r->prefix; r++) {
		if (strncmp(title, r->prefix, strlen(r->prefix)))
			continue;
		if (r->type == REPORT_TYPE_KASAN_READ &&
		    strstr(title, " Write"))
			return REPORT_TYPE_KASAN_WRITE;
		if (r->type == REPORT_TYPE_KFENCE_READ &&
		    strstr(title, " write"))
			return REPORT_TYPE_KFENCE_WRITE;
		return r->type;
	}
	return REPORT_TYPE_UNKNOWN;
}

/* ".* in (func)": the function a title names. */
static char *title_frame(const char *title)
{
	const char *in = NULL;
	for (const char *p = title; (p = strstr(p, " in ")); p++)
		in = p;
	if (!in)
		return NULL;
	in += 4;
	size_t n = 0;
	while (in[n] == '_' || (in[n] >= 'a' && in[n] <= 'z') ||
	       (in[n] >= 'A' && in[n] <= 'Z') || (in[n] >= '0' && in[n] <= '9'))
		n++;
	return n ? strndup(in, n) : NULL;
}

/* ---- the parser ---- */

void report_free(struct report *rep)
{
	if (!rep)
		return;
	free(rep->title);
	for (size_t i = 0; i < rep->n_alt; i++)
		free(rep->alt_titles[i]);
	free(rep->frame);
	free(rep->text);
	free(rep);
}

bool report_contains_crash(const char *log, size_t len)
{
	if (patterns() || !log)
		return false;
	for (size_t pos = 0; pos < len;) {
		size_t next = line_end(log, len, pos);
		if (find_oops(log + pos, cap_line(next - pos)) >= 0)
			return true;
		pos = next + 1;
	}
	return false;
}

struct collected {
	struct buf text; /* stripped lines */
	line_vec lines;
	size_t report_end; /* lines used for the title */
	struct buf prefix;
	size_t end_pos;
};

static int push_line(struct buf *b, line_vec *v, const char *s, size_t len)
{
	struct line l = { b->len, len };
	int err = buf_reserve(b, len + 1);
	if (err)
		return err;
	for (size_t i = 0; i < len; i++)
		b->data[b->len++] = s[i] ? s[i] : ' ';
	b->data[b->len++] = '\n';
	b->data[b->len] = 0;
	return v ? vec_push(v, l) : 0;
}

static size_t min_lines(const char *oops_line, size_t len)
{
	return contains(oops_line, len, "BUG: KMSAN:") ? 16 : 22;
}

/* Prefix: up to 5 (50 with caller ids) earlier lines of the same context. */
static int collect_prefix(const char *log, size_t start, const struct ctx *c,
			  struct buf *out)
{
	size_t max = c->kind == CTX_CALLER && strchr(c->id, 'T') ? 50 : 5;
	size_t offs[50], lens[50], n = 0, pos = start;
	for (int scanned = 0; pos > 0 && n < max && scanned < 1000; scanned++) {
		size_t e = pos - 1; /* the '\n' ending the previous line */
		size_t b = e;
		while (b > 0 && log[b - 1] != '\n')
			b--;
		pos = b;
		size_t len = cap_line(e - b);
		struct ctx c1;
		size_t so, sl;
		bool q;
		line_ctx(log + b, len, &c1);
		strip_prefix(log + b, len, &c1, &so, &sl, &q);
		if (ctx_equal(&c1, c) && sl && !q) {
			offs[n] = b + so;
			lens[n] = sl;
			n++;
		}
	}
	while (n--) {
		int err = push_line(out, NULL, log + offs[n], lens[n]);
		if (err)
			return err;
	}
	return 0;
}

static int collect(const char *log, size_t len, size_t start,
		   const struct ctx *c, struct collected *out)
{
	size_t second = 0, text_lines = 0, n_lines = 0;
	bool skip_text = false, cpu_traceback = false;
	size_t oops_end = line_end(log, len, start);
	const char *oops_line = log + start;
	size_t oops_len = cap_line(oops_end - start);
	int err = collect_prefix(log, start, c, &out->prefix);

	out->end_pos = oops_end;
	for (size_t pos = start; pos < len && !err; n_lines++) {
		size_t next = line_end(log, len, pos);
		const char *s = log + pos;
		size_t l = cap_line(next - pos);
		bool is_oops = pos == start;
		size_t cur = pos;
		pos = next + 1;
		if (out->text.len > MAX_REPORT_BYTES ||
		    n_lines > MAX_REPORT_LINES)
			break;

		struct ctx c1;
		size_t so, sl;
		bool q;
		line_ctx(s, l, &c1);
		strip_prefix(s, l, &c1, &so, &sl, &q);
		if (find_oops(s, l) >= 0) {
			out->end_pos = next;
			if (!is_oops && !second) {
				int k;
				for (k = 0; oops_second_ignores[k]; k++)
					if (contains(s, l,
						     oops_second_ignores[k]))
						break;
				if (!oops_second_ignores[k])
					second = cur;
			}
		} else if (!is_oops && !second) {
			for (int k = 0; oops_info_with_stack[k]; k++)
				if (contains(s, l, oops_info_with_stack[k]))
					second = cur;
		}
		if (!is_oops &&
		    (q || (!ctx_equal(&c1, c) &&
			   (!cpu_traceback || c1.kind != CTX_CALLER ||
			    !strchr(c1.id, 'C')))))
			continue;
		text_lines++;
		bool skip_line = skip_text;
		if (contains(s, l,
			     "Disabling lock debugging due to kernel taint"))
			skip_line = true;
		else if (contains(s, l, "Sending NMI from CPU"))
			cpu_traceback = true;
		else if ((contains(s, l, "Kernel panic - not syncing") ||
			  contains(s, l,
				   "WARNING: possible circular locking "
				   "dependency detected")) &&
			 text_lines > min_lines(oops_line, oops_len))
			skip_text = skip_line = true;
		if (!is_oops && skip_line)
			continue;
		err = push_line(&out->text, &out->lines, s + so, sl);
		if (!second || c->kind == CTX_CALLER)
			out->report_end = out->lines.n;
	}
	return err;
}

static struct report *report_alloc(void)
{
	return calloc(1, sizeof(struct report));
}

static int finish(struct report *rep, struct desc *d, const char *log,
		  size_t len)
{
	rep->title = report_sanitize_title(d->title ? d->title : "");
	if (!rep->title)
		return -ENOMEM;
	for (int a = 0; a < 2 && d->alt[a]; a++) {
		char *t = report_sanitize_title(d->alt[a]);
		if (!t)
			return -ENOMEM;
		rep->alt_titles[rep->n_alt++] = t;
	}
	rep->type = title_type(rep->title);
	rep->frame = title_frame(rep->title);
	rep->panicked = contains(log, len, "Kernel panic - not syncing");
	if (contains(log, len, "serialport: VM disconnected.") &&
	    !rep->corrupted) {
		rep->corrupted = true;
		rep->corrupted_reason = "console disconnected";
	}
	return 0;
}

int report_parse(const char *log, size_t len, struct report **out)
{
	struct collected col = { 0 };
	struct desc d = { 0 };
	struct report *rep = NULL;
	size_t start = 0;
	int oi = -1, err;

	*out = NULL;
	err = patterns();
	if (err)
		return err;
	if (!log)
		return 0;
	for (size_t pos = 0; pos < len;) {
		size_t next = line_end(log, len, pos);
		oi = find_oops(log + pos, cap_line(next - pos));
		if (oi >= 0) {
			start = pos;
			break;
		}
		pos = next + 1;
	}
	if (oi < 0)
		return 0;

	struct ctx c;
	line_ctx(log + start, cap_line(line_end(log, len, start) - start), &c);
	err = collect(log, len, start, &c, &col);
	if (err)
		goto out;
	struct text t = { col.text.data, col.lines.v, col.report_end };
	describe(&t, (size_t)oi, &d);
	bool raw = false;
	if (!d.title) {
		/* Fall back to the raw lines of the oops. */
		desc_free(&d);
		buf_reset(&col.text);
		col.lines.n = 0;
		for (size_t pos = start; pos < col.end_pos && !err;) {
			size_t next = line_end(log, len, pos);
			err = push_line(&col.text, &col.lines, log + pos,
					cap_line(next - pos));
			pos = next + 1;
		}
		if (err)
			goto out;
		t = (struct text){ col.text.data, col.lines.v, col.lines.n };
		describe(&t, (size_t)oi, &d);
		raw = true;
	}
	err = -ENOMEM;
	rep = report_alloc();
	if (!rep)
		goto out;
	rep->start = start;
	rep->end = col.end_pos;
	rep->corrupted_reason = d.corrupted;
	rep->corrupted = d.corrupted != NULL;
	err = finish(rep, &d, log, len);
	if (err)
		goto out;
	if (!rep->corrupted) {
		struct text full = { col.text.data, col.lines.v, col.lines.n };
		rep->corrupted_reason =
			check_corrupted(rep->title, &full, d.format);
		rep->corrupted = rep->corrupted_reason != NULL;
	}
	struct buf text = { 0 };
	err = buf_puts(&text, "");
	if (!raw && col.prefix.len)
		err = err ?: buf_append(&text, col.prefix.data, col.prefix.len);
	if (col.text.len)
		err = err ?: buf_append(&text, col.text.data, col.text.len);
	if (err) {
		buf_free(&text);
		goto out;
	}
	rep->text_len = text.len;
	rep->text = buf_detach(&text);
	*out = rep;
	rep = NULL;
	err = 1;
out:
	report_free(rep);
	desc_free(&d);
	buf_free(&col.text);
	buf_free(&col.prefix);
	vec_free(&col.lines);
	return err;
}

static struct report *report_new_fixed(const char *title, enum report_type type,
				       const char *log, size_t len)
{
	struct report *rep = report_alloc();
	if (!rep)
		return NULL;
	rep->title = strdup(title);
	rep->type = type;
	rep->text = malloc(len + 1);
	if (!rep->title || !rep->text) {
		report_free(rep);
		return NULL;
	}
	if (len)
		memcpy(rep->text, log, len);
	rep->text[len] = 0;
	rep->text_len = len;
	rep->start = rep->end = len;
	return rep;
}

struct report *report_new_lost_connection(const char *log, size_t len)
{
	return report_new_fixed("lost connection to test machine",
				REPORT_TYPE_LOST_CONNECTION, log,
				log ? len : 0);
}

struct report *report_new_no_output(const char *log, size_t len)
{
	return report_new_fixed("no output from test machine",
				REPORT_TYPE_NO_OUTPUT, log, log ? len : 0);
}
