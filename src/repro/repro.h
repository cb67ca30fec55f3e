/*
 * Reproduction: from the programs of a crash log to one minimal program
 * that crashes the kernel with the crash's title, the simplest way of
 * running it that still does, how reliably it does, and a C program.
 * The machines are behind a runner (a real VM pool, or a fake in tests).
 */
#ifndef DRMFUZZ_REPRO_REPRO_H
#define DRMFUZZ_REPRO_REPRO_H

#include <stdbool.h>
#include <stddef.h>

#include "repro/log.h"
#include "util/buf.h"

struct prog;

/* A program to run and the proc that runs it. */
struct repro_prog {
	const struct prog *p;
	int proc;
};

/*
 * One test: run @progs (programs of one proc one after the other, in
 * order; procs at once) as @opts say. With opts.repeat == 0 they are run
 * again and again until a crash or @duration_s. @fresh: in a machine
 * booted for this test (reliability runs).
 */
struct repro_test {
	const struct repro_prog *progs;
	size_t n;
	struct repro_opts opts;
	int duration_s;
	bool fresh;
};

struct repro_outcome {
	bool crashed;
	char *title; /* the crash's title */
	char **alt_titles;
	size_t n_alt;
	char *report; /* its report (symbolized where possible) */
	double seconds; /* from the start of the test to the crash or end */
	/* The machine failed for reasons not the test's (boot failure, lost
	 * connection without a kernel report): retried, never counted. */
	bool infra;
	char *why; /* for infra: what happened */
};

void repro_outcome_clear(struct repro_outcome *o);

struct repro_runner {
	/* Run @t; 0 with @o filled, or -errno (treated like infra). */
	int (*run)(void *ctx, const struct repro_test *t,
		   struct repro_outcome *o);
	/*
	 * Build and run the C program @csrc with @opts (repeat as in a
	 * test) for at most @duration_s. 0 with @o filled; -ENOEXEC when
	 * it does not build (@o->why says why); -errno. NULL: no C runs.
	 */
	int (*run_c)(void *ctx, const char *csrc, const struct repro_opts *opts,
		     int duration_s, struct repro_outcome *o);
	void *ctx;
};

/* Writes the C program of @p run with @opts; 0 or -errno, @err why. */
typedef int (*repro_prog2c_fn)(void *ctx, const struct prog *p,
			       const struct repro_opts *opts, struct buf *out,
			       char *err, size_t cap);

struct repro_params {
	const char *title; /* the crash to reproduce */
	const char *const *alt_titles;
	size_t n_alt;
	int comm_proc; /* the proc the report's task names; -1: unknown */
	size_t max_progs; /* newest log programs considered (0: 100) */
	int single_s; /* a single program repeats this long (0: 10) */
	int many_s; /* several programs at once repeat this long (0: 20) */
	int reliability_runs; /* fresh machines for the figure (0: 10) */
	int infra_retries; /* a test whose machine failed, again (0: 3) */
	double budget_s; /* the whole reproduction (0: 3600) */
	repro_prog2c_fn prog2c; /* NULL: no C program */
	void *prog2c_ctx;
	/* Seconds since some fixed point; NULL: CLOCK_MONOTONIC. Tests
	 * give a fake clock. */
	double (*now)(void *ctx);
	void *now_ctx;
};

enum repro_state {
	REPRO_OK, /* a program crashes with the title */
	REPRO_OTHER, /* only other crashes came out (other_title) */
	REPRO_NONE, /* nothing crashed the machine as the log did */
	REPRO_GAVE_UP, /* the budget or the machines ran out */
};

struct repro_result {
	enum repro_state state;
	struct prog *prog; /* the reproducer (REPRO_OK), owned */
	struct repro_opts opts; /* how it runs */
	char *other_title; /* the first other title seen, if any */
	char *report; /* the reproduced crash's report */
	int runs, crashes; /* reliability: fresh machines, of them crashed */
	double median_s; /* median seconds to the crash, over those */
	char *racing; /* which calls race, or NULL */
	char *csource; /* the C program, when it crashed too */
	char *c_why; /* why there is none, else NULL */
	char *why; /* for other states: what was tried and why it failed */
	size_t tests; /* tests run */
	size_t infra; /* tests whose machine failed (retried) */
	double seconds; /* the whole reproduction */
	struct buf log; /* what was tried, one line each, with times */
};

void repro_result_free(struct repro_result *r);

/*
 * Reproduce the crash @p->title from the programs @log found in its log.
 * Single programs first (the last of the proc @p->comm_proc names, then
 * the last of each proc, newest first), then the newest programs at
 * once, bisected to the guilty ones and merged into one program; then
 * minimized (calls, then arguments), the options simplified (collide,
 * threaded, procs, sandbox, repeat: each step kept only if it still
 * crashes with the title), the reliability measured in fresh machines,
 * and the C program tried. A test counts only when its crash has the
 * title (or one of the alternative titles on either side). Returns 0
 * with @res filled (whatever the state), or -errno (-ENOMEM, -EINVAL:
 * nothing to try, @res->why says why).
 */
int repro_run(const struct repro_log *log, const struct repro_params *p,
	      const struct repro_runner *r, struct repro_result *res);

/* The options as syzkaller's repro.prog header writes them. */
char *repro_opts_syzkaller(const struct repro_opts *o);

/* repro.prog: syzkaller's "# {options}" line, then the program (caller
 * frees); NULL when there is no program or on ENOMEM. */
char *repro_result_prog(const struct repro_result *r);

/*
 * repro.json (caller frees): title, state, why, reliability (runs,
 * crashes, median seconds to the crash), options (ours and syzkaller's
 * form), which calls race, fault injection, whether a C program
 * crashed (and why not), tests run and machine failures, seconds.
 */
char *repro_result_json(const struct repro_result *r, const char *title);

/* "reproduced", "not reproduced", "other bug", "gave up". */
const char *repro_state_name(enum repro_state s);

#endif
