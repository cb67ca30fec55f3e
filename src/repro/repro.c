/* Reproduction: the search from a crash log to a reproducer (repro.h). */
#include "repro.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "prog/prog.h"
#include "syzlang/target.h"
#include "util/log.h"

#define DEFAULT_MAX_PROGS 100
#define DEFAULT_SINGLE_S 10
#define DEFAULT_MANY_S 20
#define DEFAULT_RELIABILITY 10
#define DEFAULT_INFRA_RETRIES 3
#define DEFAULT_BUDGET_S 3600.0
/* Singles tried before the log's programs are run together. */
#define MAX_SINGLES 8

void repro_outcome_clear(struct repro_outcome *o)
{
	free(o->title);
	for (size_t i = 0; i < o->n_alt; i++)
		free(o->alt_titles[i]);
	free(o->alt_titles);
	free(o->report);
	free(o->why);
	memset(o, 0, sizeof(*o));
}

void repro_result_free(struct repro_result *r)
{
	prog_free(r->prog);
	free(r->other_title);
	free(r->report);
	free(r->racing);
	free(r->csource);
	free(r->c_why);
	free(r->why);
	buf_free(&r->log);
	memset(r, 0, sizeof(*r));
}

char *repro_opts_syzkaller(const struct repro_opts *o)
{
	struct buf b = { 0 };

	buf_printf(&b,
		   "{Threaded:%s Collide:%s Repeat:%s RepeatTimes:%d Procs:%d "
		   "Slowdown:1 Sandbox:%s SandboxArg:0 Leak:false "
		   "NetInjection:false NetDevices:false NetReset:false "
		   "Cgroups:false BinfmtMisc:false CloseFDs:false "
		   "KCSAN:false DevlinkPCI:false NicVF:false USB:false "
		   "VhciInjection:false Wifi:false IEEE802154:false "
		   "Sysctl:false Swap:false UseTmpDir:false "
		   "HandleSegv:true Trace:false LegacyOptions:{Collide:false "
		   "Fault:%s FaultCall:0 FaultNth:0}}",
		   o->threaded ? "true" : "false",
		   o->collide ? "true" : "false",
		   o->repeat != 1 ? "true" : "false",
		   o->repeat > 1 ? o->repeat : 0, o->procs,
		   o->sandbox_setuid ? "setuid" : "none",
		   o->fault ? "true" : "false");
	return buf_detach(&b);
}

struct ctx {
	const struct repro_params *p;
	const struct repro_runner *r;
	struct repro_result *res;
	double t0;
	int err; /* -ENOMEM: stop everything */
};

static double now_default(void *unused)
{
	struct timespec ts;

	(void)unused;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(const struct ctx *c)
{
	return c->p->now ? c->p->now(c->p->now_ctx) : now_default(NULL);
}

static double elapsed(const struct ctx *c)
{
	return now(c) - c->t0;
}

static bool out_of_time(const struct ctx *c)
{
	double budget = c->p->budget_s > 0 ? c->p->budget_s : DEFAULT_BUDGET_S;

	return elapsed(c) >= budget;
}

static void note(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct ctx *c, const char *fmt, ...)
{
	size_t at = c->res->log.len;
	va_list ap;

	buf_printf(&c->res->log, "[%7.1fs] ", elapsed(c));
	va_start(ap, fmt);
	buf_vprintf(&c->res->log, fmt, ap);
	va_end(ap);
	if (c->res->log.data)
		log_info("repro: %s", c->res->log.data + at);
	buf_putc(&c->res->log, '\n');
}

/* Does @o's crash match the title we reproduce (either side's alts)? */
static bool title_matches(const struct repro_params *p,
			  const struct repro_outcome *o)
{
	if (!o->title)
		return false;
	if (!strcmp(o->title, p->title))
		return true;
	for (size_t i = 0; i < p->n_alt; i++)
		if (!strcmp(o->title, p->alt_titles[i]))
			return true;
	for (size_t i = 0; i < o->n_alt; i++)
		if (!strcmp(o->alt_titles[i], p->title))
			return true;
	return false;
}

enum verdict {
	V_CRASH, /* crashed with the title */
	V_NONE, /* no crash, or another title */
	V_STOP, /* out of time or machines: stop searching */
};

static int duration(const struct ctx *c, size_t n)
{
	if (n > 1)
		return c->p->many_s > 0 ? c->p->many_s : DEFAULT_MANY_S;
	return c->p->single_s > 0 ? c->p->single_s : DEFAULT_SINGLE_S;
}

/* The test runs calls at once (threads alone wait for each call, one
 * after the other): a miss is weak evidence. */
static bool racy(const struct repro_test *t)
{
	if (t->opts.collide)
		return true;
	for (size_t i = 1; i < t->n; i++)
		if (t->progs[i].proc != t->progs[0].proc)
			return true;
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->progs[i].p->n_calls; k++)
			if (t->progs[i].p->calls[k]->props.async)
				return true;
	return false;
}

/*
 * Run one test (again when its machine failed, and once more when it
 * runs calls at once and did not crash: a race may just not have fired).
 * @what names it in the log. On V_CRASH with @keep, the outcome's report
 * and time go to *keep.
 */
static enum verdict test(struct ctx *c, const struct repro_test *t,
			 const char *what, struct repro_outcome *keep)
{
	int retries = c->p->infra_retries > 0 ? c->p->infra_retries :
						DEFAULT_INFRA_RETRIES;
	int misses = t->fresh || !racy(t) ? 1 : 2;

	for (int attempt = 0;; attempt++) {
		struct repro_outcome o = { 0 };
		double t0;
		int err;

		if (c->err)
			return V_STOP;
		if (out_of_time(c)) {
			note(c, "%s: out of time", what);
			return V_STOP;
		}
		t0 = now(c);
		err = c->r->run(c->r->ctx, t, &o);
		c->res->tests++;
		if (err || o.infra) {
			c->res->infra++;
			note(c, "%s: the machine failed (%s); %s", what,
			     o.why ? o.why : strerror(err ? -err : EIO),
			     attempt < retries ? "again" : "giving up");
			repro_outcome_clear(&o);
			if (err == -ENOMEM) {
				c->err = err;
				return V_STOP;
			}
			if (attempt < retries)
				continue;
			return V_STOP;
		}
		if (o.crashed && title_matches(c->p, &o)) {
			note(c, "%s: crashed: %s (%.1f s)", what, o.title,
			     o.seconds);
			if (keep) {
				repro_outcome_clear(keep);
				*keep = o;
			} else {
				repro_outcome_clear(&o);
			}
			return V_CRASH;
		}
		if (o.crashed) {
			note(c, "%s: reproduced a different bug: %s", what,
			     o.title ? o.title : "(no title)");
			if (!c->res->other_title && o.title)
				c->res->other_title = strdup(o.title);
		} else {
			note(c, "%s: no crash in %.0f s%s", what, now(c) - t0,
			     misses > 1 ? " (calls run at once: again)" : "");
			if (--misses > 0) {
				repro_outcome_clear(&o);
				continue;
			}
		}
		repro_outcome_clear(&o);
		return V_NONE;
	}
}

static enum verdict test_one(struct ctx *c, const struct prog *p, int proc,
			     const struct repro_opts *o, const char *what,
			     struct repro_outcome *keep)
{
	struct repro_prog rp = { p, proc };
	struct repro_test t = { &rp, 1, *o, duration(c, 1), false };

	t.opts.repeat = 0;
	return test(c, &t, what, keep);
}

/* The options a log entry ran with (the log's, or drmfuzz's defaults). */
static struct repro_opts entry_opts(const struct repro_log_entry *e)
{
	struct repro_opts o = { .repeat = 1, .procs = 1 };

	if (e->has_opts)
		o = e->opts;
	for (size_t i = 0; i < e->p->n_calls; i++) {
		if (e->p->calls[i]->props.async)
			o.threaded = true;
		if (e->p->calls[i]->props.fail_nth)
			o.fault = true;
	}
	return o;
}

/* The union of what the entries ran with: enough for all of them. */
static struct repro_opts merged_opts(const struct repro_log_entry *const *v,
				     size_t n)
{
	struct repro_opts o = { .repeat = 0, .procs = 1 };

	for (size_t i = 0; i < n; i++) {
		struct repro_opts e = entry_opts(v[i]);

		o.threaded |= e.threaded;
		o.collide |= e.collide;
		o.fault |= e.fault;
		o.sandbox_setuid |= e.sandbox_setuid;
		if (e.procs > o.procs)
			o.procs = e.procs;
	}
	return o;
}

/* ---- finding the guilty programs ---- */

struct found {
	struct prog *p; /* one program (owned) */
	int proc;
	struct repro_opts opts;
};

static bool try_single(struct ctx *c, const struct repro_log_entry *e,
		       size_t idx, struct found *f)
{
	struct repro_opts o = entry_opts(e);
	char what[96];

	snprintf(what, sizeof(what),
		 "program %zu of the log (proc %d, line %zu)", idx + 1, e->proc,
		 e->line);
	if (test_one(c, e->p, e->proc, &o, what, NULL) != V_CRASH)
		return false;
	f->p = prog_clone(e->p);
	if (!f->p) {
		c->err = -ENOMEM;
		return false;
	}
	f->proc = e->proc;
	f->opts = o;
	return true;
}

/* Each proc's last program, newest first; the named proc's first. */
static bool singles(struct ctx *c, const struct repro_log *l, size_t first,
		    struct found *f)
{
	bool tried[64] = { 0 };
	size_t n = 0;
	int procs[MAX_SINGLES];
	size_t idx[MAX_SINGLES];

	if (c->p->comm_proc >= 0) {
		for (size_t i = l->n; i-- > first;) {
			if (l->v[i].proc == c->p->comm_proc) {
				procs[n] = l->v[i].proc;
				idx[n++] = i;
				break;
			}
		}
	}
	for (size_t i = l->n; i-- > first && n < MAX_SINGLES;) {
		int pr = l->v[i].proc;
		bool seen = false;

		for (size_t k = 0; k < n; k++)
			seen |= procs[k] == pr;
		if (seen || (pr >= 0 && pr < 64 && tried[pr]))
			continue;
		if (pr >= 0 && pr < 64)
			tried[pr] = true;
		procs[n] = pr;
		idx[n++] = i;
	}
	note(c, "trying %zu single programs: the last of each proc%s", n,
	     c->p->comm_proc >= 0 ? ", the crashed task's proc first" : "");
	for (size_t k = 0; k < n; k++)
		if (try_single(c, &l->v[idx[k]], idx[k], f))
			return true;
	return false;
}

/* Run the entries @v[0..n) together (each proc's in order). */
static enum verdict test_many(struct ctx *c,
			      const struct repro_log_entry *const *v, size_t n,
			      const char *what)
{
	struct repro_prog *rp = calloc(n ? n : 1, sizeof(*rp));
	struct repro_test t;
	enum verdict r;

	if (!rp) {
		c->err = -ENOMEM;
		return V_STOP;
	}
	for (size_t i = 0; i < n; i++) {
		rp[i].p = v[i]->p;
		rp[i].proc = v[i]->proc;
	}
	t.progs = rp;
	t.n = n;
	t.opts = merged_opts(v, n);
	t.duration_s = duration(c, n);
	t.fresh = false;
	r = test(c, &t, what, NULL);
	free(rp);
	return r;
}

/*
 * Delta debugging over the programs: drop chunks (halves, then quarters,
 * ...) as long as the rest still crashes. @v is rewritten in place; *n
 * becomes the number of guilty programs. V_CRASH when done.
 */
static enum verdict bisect(struct ctx *c, const struct repro_log_entry **v,
			   size_t *n)
{
	const struct repro_log_entry **keep = calloc(*n, sizeof(*keep));
	size_t chunks = 2;
	char what[96];

	if (!keep) {
		c->err = -ENOMEM;
		return V_STOP;
	}
	while (*n > 1) {
		size_t size = (*n + chunks - 1) / chunks;
		bool removed = false;

		for (size_t start = 0; start < *n;) {
			size_t end = start + size < *n ? start + size : *n;
			size_t m = 0;
			enum verdict r;

			for (size_t i = 0; i < *n; i++)
				if (i < start || i >= end)
					keep[m++] = v[i];
			if (m == 0) {
				start = end;
				continue;
			}
			snprintf(what, sizeof(what),
				 "%zu of %zu programs (without %zu-%zu)", m, *n,
				 start + 1, end);
			r = test_many(c, keep, m, what);
			if (r == V_STOP) {
				free(keep);
				return V_STOP;
			}
			if (r == V_CRASH) {
				memcpy(v, keep, m * sizeof(*v));
				*n = m;
				removed = true;
				size = (*n + chunks - 1) / chunks;
				continue; /* same start: the next chunk moved in */
			}
			start = end;
		}
		if (!removed) {
			if (size == 1)
				break;
			chunks = chunks * 2 < *n ? chunks * 2 : *n;
		} else if (chunks > 2) {
			chunks /= 2;
		}
	}
	free(keep);
	return V_CRASH;
}

/* Several guilty programs: one program of them all, if it crashes. */
static bool merge(struct ctx *c, const struct repro_log_entry *const *v,
		  size_t n, struct found *f)
{
	struct prog *p = prog_new(v[0]->p->target);
	struct repro_opts o = merged_opts(v, n);
	char what[96];

	if (!p) {
		c->err = -ENOMEM;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (prog_append(p, v[i]->p)) {
			prog_free(p);
			c->err = -ENOMEM;
			return false;
		}
	}
	o.procs = 1;
	snprintf(what, sizeof(what), "the %zu guilty programs merged into one",
		 n);
	if (test_one(c, p, v[n - 1]->proc, &o, what, NULL) == V_CRASH) {
		f->p = p;
		f->proc = v[n - 1]->proc;
		f->opts = o;
		return true;
	}
	/* The last program alone with the others' concurrency may still
	 * race; otherwise the programs only crash together. */
	prog_free(p);
	return false;
}

static bool many(struct ctx *c, const struct repro_log *l, size_t first,
		 struct found *f)
{
	size_t n = l->n - first;
	const struct repro_log_entry **v = calloc(n ? n : 1, sizeof(*v));
	char what[96];
	bool ok = false;

	if (!v) {
		c->err = -ENOMEM;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = &l->v[first + i];
	snprintf(what, sizeof(what), "the last %zu programs of the log at once",
		 n);
	if (test_many(c, v, n, what) != V_CRASH) {
		free(v);
		return false;
	}
	if (bisect(c, v, &n) != V_CRASH) {
		free(v);
		return false;
	}
	note(c, "bisection: %zu guilty program%s", n, n == 1 ? "" : "s");
	if (n == 1) {
		f->p = prog_clone(v[0]->p);
		f->proc = v[0]->proc;
		f->opts = merged_opts(v, 1);
		ok = f->p != NULL;
		if (!ok)
			c->err = -ENOMEM;
	} else {
		ok = merge(c, v, n, f);
		if (!ok && !c->err)
			note(c,
			     "the guilty programs crash only when run together; no single program does");
	}
	free(v);
	return ok;
}

/* ---- minimizing the program and its options ---- */

struct min_ctx {
	struct ctx *c;
	struct found *f;
	size_t tries;
};

static bool still_crashes(const struct prog *p, int call_idx, void *arg)
{
	struct min_ctx *m = arg;
	struct repro_opts o = m->f->opts;
	char what[64];

	(void)call_idx;
	if (m->c->err || out_of_time(m->c))
		return false;
	for (size_t i = 0; i < p->n_calls; i++) {
		if (p->calls[i]->props.async)
			o.threaded = true;
	}
	snprintf(what, sizeof(what), "minimizing, candidate %zu (%zu calls)",
		 ++m->tries, p->n_calls);
	return test_one(m->c, p, m->f->proc, &o, what, NULL) == V_CRASH;
}

static void minimize(struct ctx *c, struct found *f)
{
	struct min_ctx m = { c, f, 0 };
	struct prog *out = NULL;
	int idx = -1;
	size_t before = f->p->n_calls;

	if (prog_minimize(f->p, -1, still_crashes, &m, &out, &idx)) {
		c->err = -ENOMEM;
		return;
	}
	prog_free(f->p);
	f->p = out;
	note(c, "minimized: %zu calls -> %zu, %zu candidates tried", before,
	     f->p->n_calls, m.tries);
}

static bool has_prop(const struct prog *p, bool async)
{
	for (size_t i = 0; i < p->n_calls; i++)
		if (async ? p->calls[i]->props.async :
			    p->calls[i]->props.fail_nth != 0)
			return true;
	return false;
}

/* Simplify how the program runs, one step at a time. */
static void simplify(struct ctx *c, struct found *f)
{
	static const char *const steps[] = { "collide off", "threaded off",
					     "one proc", "sandbox none" };

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct repro_opts o = f->opts;
		char what[64];

		switch (s) {
		case 0:
			if (!o.collide)
				continue;
			o.collide = false;
			break;
		case 1:
			if (!o.threaded || has_prop(f->p, true))
				continue;
			o.threaded = false;
			break;
		case 2:
			if (o.procs <= 1)
				continue;
			o.procs = 1;
			break;
		case 3:
			if (!o.sandbox_setuid)
				continue;
			o.sandbox_setuid = false;
			break;
		}
		snprintf(what, sizeof(what), "simplifying: %s", steps[s]);
		if (test_one(c, f->p, f->proc, &o, what, NULL) == V_CRASH)
			f->opts = o;
	}
	f->opts.fault = has_prop(f->p, false);
}

/* Fresh machines, each running the reproducer until it crashes. */
static void reliability(struct ctx *c, struct found *f)
{
	int runs = c->p->reliability_runs > 0 ? c->p->reliability_runs :
						DEFAULT_RELIABILITY;
	double *times = calloc((size_t)runs, sizeof(*times));
	struct repro_prog rp = { f->p, f->proc };
	int crashed = 0, ran = 0;

	if (!times) {
		c->err = -ENOMEM;
		return;
	}
	for (int i = 0; i < runs && !c->err; i++) {
		struct repro_test t = { &rp, 1, f->opts, duration(c, 1), true };
		struct repro_outcome o = { 0 };
		char what[64];
		enum verdict v;

		t.opts.repeat = 0;
		snprintf(what, sizeof(what), "reliability run %d of %d", i + 1,
			 runs);
		v = test(c, &t, what, &o);
		if (v == V_STOP) {
			repro_outcome_clear(&o);
			break;
		}
		ran++;
		if (v == V_CRASH) {
			times[crashed++] = o.seconds;
			if (!c->res->report && o.report)
				c->res->report = strdup(o.report);
		}
		repro_outcome_clear(&o);
	}
	/* Median over the crashing runs. */
	for (int i = 1; i < crashed; i++)
		for (int k = i; k > 0 && times[k - 1] > times[k]; k--) {
			double tmp = times[k];

			times[k] = times[k - 1];
			times[k - 1] = tmp;
		}
	c->res->runs = ran;
	c->res->crashes = crashed;
	c->res->median_s =
		!crashed    ? 0 :
		crashed % 2 ? times[crashed / 2] :
			      (times[crashed / 2 - 1] + times[crashed / 2]) / 2;
	note(c, "reliability: %d of %d fresh machines crashed, median %.1f s",
	     crashed, ran, c->res->median_s);
	free(times);
}

/* Which calls race: each async call and the next call using its results
 * or resources (or the next call at all). */
static char *racing(const struct found *f)
{
	struct buf b = { 0 };
	const struct prog *p = f->p;

	for (size_t i = 0; i < p->n_calls; i++) {
		if (!p->calls[i]->props.async)
			continue;
		if (b.len)
			buf_puts(&b, "; ");
		buf_printf(&b, "%s (call %zu, async)", p->calls[i]->meta->name,
			   i + 1);
		if (i + 1 < p->n_calls)
			buf_printf(&b, " with %s (call %zu)",
				   p->calls[i + 1]->meta->name, i + 2);
	}
	if (!b.len && f->opts.collide)
		buf_puts(&b, "pairs of calls run at once (collide)");
	if (!b.len && f->opts.procs > 1)
		buf_printf(&b, "%d procs at once", f->opts.procs);
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void try_c(struct ctx *c, struct found *f)
{
	struct buf src = { 0 };
	struct repro_outcome o = { 0 };
	struct repro_opts opts = f->opts;
	char err[512] = "";
	int rc;

	if (!c->p->prog2c || !c->r->run_c) {
		c->res->c_why = strdup("no C reproducer: not available here");
		return;
	}
	opts.repeat = 0;
	if (c->p->prog2c(c->p->prog2c_ctx, f->p, &opts, &src, err,
			 sizeof(err))) {
		note(c, "C program: cannot write it: %s", err);
		buf_free(&src);
		c->res->c_why = strdup(err[0] ? err : "cannot write it");
		return;
	}
	if (out_of_time(c)) {
		c->res->c_why = strdup("out of time before the C program ran");
		buf_free(&src);
		return;
	}
	rc = c->r->run_c(c->r->ctx, src.data, &opts, duration(c, 1), &o);
	c->res->tests++;
	if (rc == -ENOEXEC) {
		note(c, "C program: does not build: %s", o.why ? o.why : "?");
		c->res->c_why = strdup(o.why ? o.why : "does not build");
	} else if (rc || o.infra) {
		note(c, "C program: the machine failed (%s)",
		     o.why ? o.why : strerror(rc ? -rc : EIO));
		c->res->c_why = strdup("the machine failed while it ran");
	} else if (o.crashed && title_matches(c->p, &o)) {
		note(c, "C program: crashed: %s (%.1f s)", o.title, o.seconds);
		c->res->csource = buf_detach(&src);
	} else {
		note(c, "C program: %s",
		     o.crashed ? "crashed differently" : "no crash");
		c->res->c_why = strdup(o.crashed ?
					       "it crashes with another title" :
					       "it does not crash");
	}
	repro_outcome_clear(&o);
	buf_free(&src);
}

int repro_run(const struct repro_log *log, const struct repro_params *p,
	      const struct repro_runner *r, struct repro_result *res)
{
	struct ctx c = { p, r, res, 0, 0 };
	struct found f = { 0 };
	size_t max = p->max_progs ? p->max_progs : DEFAULT_MAX_PROGS;
	size_t first = log->n > max ? log->n - max : 0;
	bool ok;

	memset(res, 0, sizeof(*res));
	c.t0 = now(&c);
	if (!log->n) {
		res->state = REPRO_NONE;
		res->why = strdup(
			log->headers ?
				"the log's programs do not parse with these descriptions" :
				"the log has no programs ('executing program' lines)");
		return -EINVAL;
	}
	note(&c, "reproducing \"%s\" from %zu programs (%zu considered)",
	     p->title, log->n, log->n - first);
	ok = singles(&c, log, first, &f);
	if (!ok && !c.err && !out_of_time(&c))
		ok = many(&c, log, first, &f);
	if (c.err)
		goto out;
	if (!ok) {
		res->state = out_of_time(&c) || res->infra > 0 ? REPRO_GAVE_UP :
			     res->other_title		       ? REPRO_OTHER :
								 REPRO_NONE;
		res->why = strdup(
			res->state == REPRO_OTHER ?
				"no program crashed with this title; another bug came out instead" :
			res->state == REPRO_GAVE_UP ?
				"gave up: out of time or machines before a program crashed" :
				"no program or set of programs from the log crashed the kernel");
		goto out;
	}
	minimize(&c, &f);
	if (c.err)
		goto out;
	simplify(&c, &f);
	reliability(&c, &f);
	if (c.err)
		goto out;
	if (!res->crashes) {
		res->state = REPRO_NONE;
		res->why = strdup(
			"the reproducer crashed while it was searched for, but in none of the fresh machines");
		goto out;
	}
	res->racing = racing(&f);
	try_c(&c, &f);
	res->state = REPRO_OK;
	res->opts = f.opts;
	res->prog = f.p;
	f.p = NULL;
out:
	prog_free(f.p);
	res->seconds = elapsed(&c);
	if (c.err)
		return c.err;
	return 0;
}

const char *repro_state_name(enum repro_state s)
{
	switch (s) {
	case REPRO_OK:
		return "reproduced";
	case REPRO_OTHER:
		return "other bug";
	case REPRO_NONE:
		return "not reproduced";
	case REPRO_GAVE_UP:
		return "gave up";
	}
	return "?";
}

char *repro_result_prog(const struct repro_result *r)
{
	struct buf b = { 0 };
	char *opts, *text;

	if (!r->prog)
		return NULL;
	opts = repro_opts_syzkaller(&r->opts);
	text = prog_print(r->prog);
	if (opts && text)
		buf_printf(&b, "# %s\n%s", opts, text);
	free(opts);
	free(text);
	return buf_detach(&b);
}

char *repro_result_json(const struct repro_result *r, const char *title)
{
	json_t *o = json_object(), *opts = json_object();
	char *syz = repro_opts_syzkaller(&r->opts), *s = NULL;

	if (!o || !opts || !syz)
		goto out;
	json_object_set_new(o, "title", json_string(title));
	json_object_set_new(o, "state",
			    json_string(repro_state_name(r->state)));
	if (r->why)
		json_object_set_new(o, "why", json_string(r->why));
	if (r->other_title)
		json_object_set_new(o, "other_title",
				    json_string(r->other_title));
	if (r->state == REPRO_OK) {
		json_object_set_new(
			o, "reliability",
			json_pack("{s:i, s:i, s:f, s:f}", "runs", r->runs,
				  "crashes", r->crashes, "ratio",
				  r->runs ? (double)r->crashes / r->runs : 0.0,
				  "median_seconds", r->median_s));
		json_object_set_new(opts, "threaded",
				    json_boolean(r->opts.threaded));
		json_object_set_new(opts, "collide",
				    json_boolean(r->opts.collide));
		json_object_set_new(opts, "repeat",
				    json_integer(r->opts.repeat));
		json_object_set_new(opts, "procs", json_integer(r->opts.procs));
		json_object_set_new(opts, "sandbox",
				    json_string(r->opts.sandbox_setuid ?
							"setuid" :
							"none"));
		json_object_set_new(opts, "fault_injection",
				    json_boolean(r->opts.fault));
		json_object_set_new(opts, "syzkaller", json_string(syz));
		json_object_set_new(o, "options", opts);
		opts = NULL;
		json_object_set_new(o, "racing",
				    r->racing ? json_string(r->racing) :
						json_null());
		json_object_set_new(o, "c_reproducer",
				    json_boolean(r->csource != NULL));
		if (r->c_why)
			json_object_set_new(o, "c_why", json_string(r->c_why));
		if (r->prog)
			json_object_set_new(
				o, "calls",
				json_integer((json_int_t)r->prog->n_calls));
	}
	json_object_set_new(o, "tests", json_integer((json_int_t)r->tests));
	json_object_set_new(o, "machine_failures",
			    json_integer((json_int_t)r->infra));
	json_object_set_new(o, "seconds", json_real(r->seconds));
	s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
out:
	json_decref(o);
	json_decref(opts);
	free(syz);
	return s;
}
