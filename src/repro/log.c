/* Reading and writing program logs (see log.h). */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/prog.h"
#include "util/buf.h"

#define HEADER "executing program "

void repro_log_free(struct repro_log *l)
{
	for (size_t i = 0; i < l->n; i++)
		prog_free(l->v[i].p);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The integer after @key in [s, s + n), or -1. */
static long int_after(const char *s, size_t n, const char *key)
{
	const char *p = memmem(s, n, key, strlen(key));
	long v = 0;
	int digits = 0;

	if (!p)
		return -1;
	for (p += strlen(key); p < s + n && *p >= '0' && *p <= '9'; p++) {
		if (v < 1000000000)
			v = v * 10 + (*p - '0');
		digits++;
	}
	return digits ? v : -1;
}

static void opts_default(struct repro_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->repeat = 1;
	o->procs = 1;
}

char *repro_opts_string(const struct repro_opts *o)
{
	struct buf b = { 0 };

	buf_printf(&b, "%s%srepeat=%d procs=%d sandbox=%s%s",
		   o->threaded ? "threaded " : "", o->collide ? "collide " : "",
		   o->repeat, o->procs, o->sandbox_setuid ? "setuid" : "none",
		   o->fault ? " fault" : "");
	return buf_detach(&b);
}

static int parse_num(const char *w, size_t n, const char *key, int lo, int hi,
		     int *out)
{
	size_t k = strlen(key);
	long v = 0;

	if (n <= k || memcmp(w, key, k))
		return 1;
	for (size_t i = k; i < n; i++) {
		if (w[i] < '0' || w[i] > '9' || v > hi)
			return -EINVAL;
		v = v * 10 + (w[i] - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int repro_opts_parse(const char *s, struct repro_opts *o, char *err, size_t cap)
{
	const char *p = s;

	while (*p) {
		size_t n;
		int r;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " ,\t");
		if (n == 8 && !memcmp(p, "threaded", 8))
			o->threaded = true;
		else if (n == 7 && !memcmp(p, "collide", 7))
			o->collide = true;
		else if (n == 5 && !memcmp(p, "fault", 5))
			o->fault = true;
		else if (n == 12 && !memcmp(p, "sandbox=none", 12))
			o->sandbox_setuid = false;
		else if (n == 14 && !memcmp(p, "sandbox=setuid", 14))
			o->sandbox_setuid = true;
		else if ((r = parse_num(p, n, "repeat=", 0, 1000000,
					&o->repeat)) != 1 &&
			 (r == 0 || r == -EINVAL)) {
			if (r)
				goto bad;
		} else if ((r = parse_num(p, n, "procs=", 1, 64, &o->procs)) !=
			   1) {
			if (r)
				goto bad;
		} else {
			goto bad;
		}
		p += n;
		continue;
bad:
		snprintf(
			err, cap,
			"'%.*s': expected threaded, collide, fault, repeat=N (0-1000000), procs=N (1-64), sandbox=none or sandbox=setuid",
			(int)n, p);
		return -EINVAL;
	}
	return 0;
}

int repro_log_format(struct buf *out, int proc, const struct repro_opts *opts,
		     const char *prog_text)
{
	size_t n = strlen(prog_text);
	int err;

	if (opts) {
		char *s = repro_opts_string(opts);

		if (!s)
			return -ENOMEM;
		err = buf_printf(out, HEADER "%d (%s):\n", proc, s);
		free(s);
	} else {
		err = buf_printf(out, HEADER "%d:\n", proc);
	}
	if (!err)
		err = buf_append(out, prog_text, n);
	if (!err && (n == 0 || prog_text[n - 1] != '\n'))
		err = buf_putc(out, '\n');
	return err;
}

/* The header's "(...)" suffix: syzkaller's fault-call/nth or our options. */
static void header_suffix(const char *line, size_t n, struct repro_log_entry *e,
			  long *fault_call, long *fault_nth)
{
	const char *open = memchr(line, '(', n), *close;
	char words[256], why[160];
	struct repro_opts o;

	*fault_call = -1;
	*fault_nth = -1;
	if (!open)
		return;
	close = memchr(open, ')', n - (size_t)(open - line));
	if (!close)
		return;
	*fault_call = int_after(open, (size_t)(close - open), "fault-call:");
	if (*fault_call >= 0) {
		*fault_nth =
			int_after(open, (size_t)(close - open), "fault-nth:");
		return;
	}
	if ((size_t)(close - open - 1) >= sizeof(words))
		return;
	memcpy(words, open + 1, (size_t)(close - open - 1));
	words[close - open - 1] = 0;
	opts_default(&o);
	if (!repro_opts_parse(words, &o, why, sizeof(why))) {
		e->opts = o;
		e->has_opts = true;
	}
}

static int push_entry(struct repro_log *l, struct repro_log_entry *e)
{
	if (!e->p || e->p->n_calls == 0) {
		prog_free(e->p);
		e->p = NULL;
		l->empty++;
		return 0;
	}
	if (vec_grow_((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v))) {
		prog_free(e->p);
		e->p = NULL;
		return -ENOMEM;
	}
	l->v[l->n++] = *e;
	e->p = NULL;
	return 0;
}

/*
 * Try @cur + @line as a program: 0 when it parsed (it replaces e->p), 1
 * when it did not (nothing changes), -ENOMEM.
 */
static int try_extend(const struct syz_target *t, struct buf *cur,
		      const char *line, size_t n, struct repro_log_entry *e)
{
	struct prog_parse_opts po = { .strict = false };
	struct prog_diags d = { 0 };
	struct prog *p = NULL;
	size_t old = cur->len;
	int err;

	err = buf_append(cur, line, n);
	if (err)
		return err;
	err = prog_parse(t, cur->data ? cur->data : "", cur->len, &po, &p, &d);
	prog_diags_free(&d);
	if (err == -ENOMEM)
		return err;
	if (err) {
		cur->len = old;
		if (cur->data)
			cur->data[old] = 0;
		return 1;
	}
	prog_free(e->p);
	e->p = p;
	return 0;
}

int repro_log_parse(const struct syz_target *t, const char *data, size_t len,
		    struct repro_log *out)
{
	struct repro_log_entry e = { 0 };
	struct buf cur = { 0 };
	bool in = false;
	size_t lineno = 0, pending = 0;
	long fault_call = -1, fault_nth = -1;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (size_t pos = 0; pos < len && !err;) {
		const char *line = data + pos, *nl;
		size_t n;
		long proc;

		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) + 1 : len - pos;
		lineno++;
		proc = int_after(line, n, HEADER);
		if (proc >= 0) {
			if (in) {
				e.end = pos;
				err = push_entry(out, &e);
			}
			out->headers++;
			memset(&e, 0, sizeof(e));
			opts_default(&e.opts);
			e.proc = (int)proc;
			e.start = pos;
			e.line = lineno;
			header_suffix(line, n, &e, &fault_call, &fault_nth);
			buf_reset(&cur);
			pending = 0;
			in = true;
		} else if (in) {
			size_t calls = e.p ? e.p->n_calls : 0;
			int r = try_extend(t, &cur, line, n, &e);

			if (r < 0) {
				err = r;
			} else if (r == 1) {
				pending++;
			} else {
				/* Lines that did not parse between two calls. */
				if (e.p->n_calls > calls) {
					if (calls)
						e.skipped += pending;
					pending = 0;
				}
				if (fault_call >= 0 &&
				    (size_t)fault_call < e.p->n_calls)
					e.p->calls[fault_call]->props.fail_nth =
						(int)fault_nth + 1;
			}
		}
		pos += n;
	}
	if (!err && in) {
		e.end = len;
		err = push_entry(out, &e);
	}
	prog_free(e.p);
	buf_free(&cur);
	if (err)
		repro_log_free(out);
	return err;
}

static int digits(const char *p, const char **end)
{
	long v = 0;
	const char *q = p;

	while (*q >= '0' && *q <= '9' && v < 100000)
		v = v * 10 + (*q++ - '0');
	*end = q;
	return q == p ? -1 : (int)v;
}

int repro_comm_proc(const char *report)
{
	static const char *const prefixes[] = { "drmfuzz-proc-",
						"syz-executor.", "syz-executor",
						"syz." };

	for (const char *c = report; c && (c = strstr(c, "Comm: ")); c++) {
		const char *name = c + 6, *end;

		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]);
		     i++) {
			size_t n = strlen(prefixes[i]);
			int v;

			if (strncmp(name, prefixes[i], n))
				continue;
			v = digits(name + n, &end);
			if (v >= 0 && (*end == ' ' || *end == '.' ||
				       *end == '\n' || *end == 0))
				return v;
		}
	}
	return -1;
}

/* ---- the ring of programs sent ---- */

struct ring_entry {
	int proc;
	bool has_opts;
	struct repro_opts opts;
	char *text;
	uint64_t off;
	double when;
};

struct repro_ring {
	pthread_mutex_t lock;
	struct ring_entry *v;
	size_t max, head, n; /* oldest at head */
};

struct repro_ring *repro_ring_new(size_t max)
{
	struct repro_ring *r = calloc(1, sizeof(*r));

	if (!r || !max)
		goto fail;
	r->v = calloc(max, sizeof(*r->v));
	if (!r->v)
		goto fail;
	r->max = max;
	pthread_mutex_init(&r->lock, NULL);
	return r;
fail:
	free(r);
	return NULL;
}

static void ring_clear(struct repro_ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[(r->head + i) % r->max].text);
	r->head = 0;
	r->n = 0;
}

void repro_ring_free(struct repro_ring *r)
{
	if (!r)
		return;
	ring_clear(r);
	pthread_mutex_destroy(&r->lock);
	free(r->v);
	free(r);
}

void repro_ring_reset(struct repro_ring *r)
{
	pthread_mutex_lock(&r->lock);
	ring_clear(r);
	pthread_mutex_unlock(&r->lock);
}

int repro_ring_add(struct repro_ring *r, int proc,
		   const struct repro_opts *opts, const char *prog_text,
		   uint64_t console_off, double when)
{
	char *copy = strdup(prog_text);
	struct ring_entry *e;

	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&r->lock);
	if (r->n == r->max) {
		free(r->v[r->head].text);
		r->head = (r->head + 1) % r->max;
		r->n--;
	}
	e = &r->v[(r->head + r->n) % r->max];
	r->n++;
	e->proc = proc;
	e->has_opts = opts != NULL;
	if (opts)
		e->opts = *opts;
	e->text = copy;
	e->off = console_off;
	e->when = when;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

size_t repro_ring_count(struct repro_ring *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* The first line start at or after @off in @s (len when none). */
static size_t line_start(const char *s, size_t len, uint64_t off)
{
	const char *nl;

	if (off == 0)
		return 0;
	if (off >= len)
		return len;
	if (s[off - 1] == '\n')
		return (size_t)off;
	nl = memchr(s + off, '\n', len - (size_t)off);
	return nl ? (size_t)(nl - s) + 1 : len;
}

int repro_ring_merge(struct repro_ring *r, const char *console, size_t len,
		     uint64_t base, double since, struct buf *out)
{
	size_t done = 0;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n && !err; i++) {
		const struct ring_entry *e = &r->v[(r->head + i) % r->max];
		size_t at;

		if (e->when < since)
			continue;
		at = e->off <= base ? 0 :
				      line_start(console, len, e->off - base);
		if (at > done) {
			err = buf_append(out, console + done, at - done);
			done = at;
		}
		if (!err && done && console[done - 1] != '\n')
			err = buf_putc(out, '\n');
		if (!err)
			err = repro_log_format(out, e->proc,
					       e->has_opts ? &e->opts : NULL,
					       e->text);
	}
	pthread_mutex_unlock(&r->lock);
	if (!err && done < len)
		err = buf_append(out, console + done, len - done);
	return err;
}
