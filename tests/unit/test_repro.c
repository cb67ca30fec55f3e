/*
 * Unit tests: the reproduction search (repro/repro.h) against a fake
 * machine that models the test module's bugs (tests/kbugs) over the
 * calls' names: a use-after-free needing four calls in order, a race
 * needing an async call in a threaded run (and luck), a bug behind
 * fail_nth 2, a bug needing two programs one after the other, and a
 * different bug. Singles, bisection, merging, minimization, option
 * simplification, reliability, machine failures, budgets.
 * argv: descriptions_dir kbugs_dir
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prog/prog.h"
#include "repro/log.h"
#include "repro/repro.h"
#include "syzlang/target.h"
#include "util/buf.h"

#include "kbugs_progs.h"

static char **args;
static struct syz_target *target;

#define T_UAF "KASAN: use-after-free Read in dfb_ioctl_poke"
#define T_RACE "KASAN: invalid-free in dfb_ioctl_release"
#define T_FAULT "KASAN: invalid-free in dfb_ioctl_create_pair"
#define T_PAIR "BUG: sequence of two programs"
#define T_OTHER "WARNING in dfb_ioctl_configure"

#define UAF_PROG OPEN CREATE BIND DESTROY POKE
/* What minimization leaves: POKE's argument does not matter. */
#define UAF_MIN                  \
	OPEN CREATE BIND DESTROY \
		"ioctl$DFB_POKE(r0, 0x4008df04, &(0x7f0000000100))\n"
#define RACE_PROG OPEN CREATE RELEASE " (async)\n" RELEASE "\n"
#define FAULT_PROG OPEN PAIR " (fail_nth: 2)\n"
/* Innocent: every call, never in a guilty order. */
#define INNOCENT OPEN CREATE POKE BIND RELEASE "\n" CONFIGURE

/* ---- the fake machine ---- */

struct fake {
	double clock; /* simulated seconds */
	bool booted;
	int infra_left; /* tests to fail as machine failures */
	uint64_t rng;
	int race_percent; /* chance a threaded racing run crashes */
	bool pair_bug; /* CREATE_PAIR then a later program's POKE */
	bool configure_bug; /* CONFIGURE crashes with T_OTHER */
	int c_builds; /* 0: the C program builds and runs like the prog */
	size_t tests, fresh;
};

static double fake_now(void *ctx)
{
	return ((struct fake *)ctx)->clock;
}

static uint32_t fake_rand(struct fake *f)
{
	f->rng = f->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(f->rng >> 33);
}

static int call_is(const struct prog_call *c, const char *name)
{
	return !strcmp(c->meta->name, name);
}

/* The call's fd is a result of an earlier call (an open that worked). */
static bool fd_ok(const struct prog_call *c)
{
	return c->meta->n_args > 0 && c->args[0]->kind == PROG_ARG_RESULT &&
	       c->args[0]->r.res;
}

/* The struct or int the call's third argument points to. */
static const struct prog_arg *pointee(const struct prog_call *c)
{
	const struct prog_arg *a = c->meta->n_args > 2 ? c->args[2] : NULL;

	return a && a->kind == PROG_ARG_POINTER && !a->p.special ? a->p.res :
								   NULL;
}

/* The handle a BIND/DESTROY/RELEASE names: CREATE's out field, or NULL. */
static const struct prog_arg *handle(const struct prog_call *c)
{
	const struct prog_arg *h = pointee(c);

	return h && h->kind == PROG_ARG_RESULT ? h->r.res : NULL;
}

/* CREATE's and CREATE_PAIR's size is valid (8..4096). */
static bool size_ok(const struct prog_call *c)
{
	const struct prog_arg *s = pointee(c);

	return s && s->kind == PROG_ARG_GROUP && s->g.n > 0 && s->g.inner[0] &&
	       s->g.inner[0]->c.val >= 8 && s->g.inner[0]->c.val <= 4096;
}

/* The title a program crashes with on its own, or NULL. */
static const char *prog_crash(struct fake *f, const struct prog *p,
			      const struct repro_opts *o)
{
	static const char *const uaf[] = { "ioctl$DFB_CREATE", "ioctl$DFB_BIND",
					   "ioctl$DFB_DESTROY",
					   "ioctl$DFB_POKE" };
	size_t step = 0;
	const struct prog_arg *async_release = NULL;

	for (size_t i = 0; i < p->n_calls; i++) {
		const struct prog_call *c = p->calls[i];

		if (!fd_ok(c))
			continue; /* EBADF */
		if (step < 4 && call_is(c, uaf[step]) &&
		    (step == 0 ? size_ok(c) : step == 3 || handle(c)))
			step++;
		if (step == 4)
			return T_UAF;
		if (call_is(c, "ioctl$DFB_CREATE_PAIR") && size_ok(c) &&
		    c->props.fail_nth == 2)
			return T_FAULT;
		if (call_is(c, "ioctl$DFB_CONFIGURE") && f->configure_bug)
			return T_OTHER;
		if (call_is(c, "ioctl$DFB_RELEASE") && handle(c)) {
			if (async_release == handle(c) && o->threaded &&
			    (int)(fake_rand(f) % 100) < f->race_percent)
				return T_RACE;
			if (c->props.async)
				async_release = handle(c);
		}
	}
	return NULL;
}

static void set_crash(struct fake *f, struct repro_outcome *o,
		      const char *title, double t)
{
	o->crashed = true;
	o->title = strdup(title);
	o->report = strdup("report of the fake crash\n");
	o->seconds = t;
	f->booted = false;
}

static int fake_run(void *ctx, const struct repro_test *t,
		    struct repro_outcome *o)
{
	struct fake *f = ctx;
	bool created_pair = false;

	f->tests++;
	if (t->fresh || !f->booted) {
		f->clock += 25; /* a boot */
		f->booted = true;
		f->fresh += t->fresh;
	}
	if (f->infra_left > 0) {
		f->infra_left--;
		f->booted = false;
		o->infra = true;
		o->why = strdup("boot failed");
		return 0;
	}
	/* Each test runs its programs once per second of its duration
	 * (repeat 0) or once. */
	for (int round = 0; round < (t->opts.repeat == 0 ? t->duration_s : 1);
	     round++) {
		for (size_t i = 0; i < t->n; i++) {
			const struct prog *p = t->progs[i].p;
			const char *title = prog_crash(f, p, &t->opts);

			for (size_t k = 0; k < p->n_calls && f->pair_bug; k++) {
				const struct prog_call *c = p->calls[k];

				if (!fd_ok(c))
					continue;
				if (call_is(c, "ioctl$DFB_CREATE_PAIR") &&
				    size_ok(c))
					created_pair = true;
				else if (created_pair &&
					 call_is(c, "ioctl$DFB_POKE"))
					title = T_PAIR;
			}
			if (title) {
				f->clock += round + 1;
				set_crash(f, o, title, round + 1);
				return 0;
			}
		}
	}
	f->clock += t->duration_s;
	o->seconds = t->duration_s;
	return 0;
}

static int fake_run_c(void *ctx, const char *csrc,
		      const struct repro_opts *opts, int duration_s,
		      struct repro_outcome *o)
{
	struct fake *f = ctx;

	assert_non_null(strstr(csrc, "fake C for"));
	if (f->c_builds) {
		o->why = strdup("error: something");
		return -ENOEXEC;
	}
	f->clock += 25;
	(void)opts;
	(void)duration_s;
	set_crash(f, o, csrc + strlen("fake C for "), 3);
	return 0;
}

/* "C program": names the title the program crashes with. */
static int fake_prog2c(void *ctx, const struct prog *p,
		       const struct repro_opts *o, struct buf *out, char *err,
		       size_t cap)
{
	struct fake f = { .race_percent = 100, .configure_bug = true };
	const char *title = prog_crash(&f, p, o);

	(void)ctx;
	if (!title) {
		snprintf(err, cap, "this fake writes C only for crashes");
		return -EINVAL;
	}
	return buf_printf(out, "fake C for %s", title);
}

/* ---- helpers ---- */

static int setup(void **state)
{
	(void)state;
	return kbugs_target(args, &target);
}

static int teardown(void **state)
{
	(void)state;
	syz_target_free(target);
	return 0;
}

/* A log: @n programs "P:TEXT" entries, NULL-terminated list. */
static void make_log(struct repro_log *l, const char *opts_words, ...)
{
	struct buf b = { 0 };
	struct repro_opts o = { .repeat = 1, .procs = 1 };
	char why[256];
	va_list ap;
	const char *text;

	if (opts_words)
		assert_int_equal(
			repro_opts_parse(opts_words, &o, why, sizeof(why)), 0);
	buf_puts(&b, "[    1.000000] drmfuzz: init done\n");
	va_start(ap, opts_words);
	while ((text = va_arg(ap, const char *))) {
		int proc = va_arg(ap, int);

		assert_int_equal(repro_log_format(&b, proc,
						  opts_words ? &o : NULL, text),
				 0);
		buf_puts(&b, "[    2.000000] some console line\n");
	}
	va_end(ap);
	assert_int_equal(repro_log_parse(target, b.data, b.len, l), 0);
	buf_free(&b);
}

static void params(struct repro_params *p, struct fake *f, const char *title)
{
	memset(p, 0, sizeof(*p));
	p->title = title;
	p->comm_proc = -1;
	p->now = fake_now;
	p->now_ctx = f;
	p->prog2c = fake_prog2c;
}

static void run(struct repro_log *l, struct repro_params *p, struct fake *f,
		struct repro_result *res)
{
	struct repro_runner r = { fake_run, fake_run_c, f };

	assert_int_equal(repro_run(l, p, &r, res), 0);
	if (getenv("TEST_REPRO_VERBOSE"))
		fprintf(stderr, "%s", res->log.data ? res->log.data : "");
}

static void assert_prog(const struct prog *p, const char *want)
{
	char *text = prog_print(p);

	assert_string_equal(text, want);
	free(text);
}

/* ---- tests ---- */

/* The guilty program is not the last of its proc: singles miss it, the
 * log's programs together crash, bisection finds it. */
static void test_uaf_bisection(void **state)
{
	struct fake f = { .rng = 1 };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, NULL, INNOCENT, 0, INNOCENT, 1, INNOCENT, 0, INNOCENT, 1,
		 INNOCENT, 0, INNOCENT, 1, INNOCENT, 0, INNOCENT, 1, INNOCENT,
		 0, INNOCENT, 1, UAF_PROG, 1, INNOCENT, 0, INNOCENT, 1,
		 INNOCENT, 0, INNOCENT, 1, INNOCENT, 0, INNOCENT, 1, INNOCENT,
		 0, INNOCENT, 1, INNOCENT, 0, INNOCENT, 1, NULL);
	assert_int_equal(l.n, 21);
	params(&p, &f, T_UAF);
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OK);
	assert_prog(res.prog, UAF_MIN);
	assert_non_null(strstr(res.log.data, "bisection: 1 guilty program"));
	assert_int_equal(res.runs, 10);
	assert_int_equal(res.crashes, 10);
	assert_true(res.median_s > 0);
	assert_null(res.racing);
	assert_non_null(res.csource);
	assert_string_equal(res.csource, "fake C for " T_UAF);
	assert_int_equal(f.fresh, 10);
	{
		char *prog = repro_result_prog(&res);
		char *json = repro_result_json(&res, T_UAF);

		assert_non_null(prog);
		assert_int_equal(strncmp(prog, "# {Threaded:false ", 18), 0);
		assert_non_null(strstr(prog, "}\n" UAF_MIN));
		assert_non_null(json);
		assert_non_null(strstr(json, "\"state\": \"reproduced\""));
		assert_non_null(strstr(json, "\"runs\": 10"));
		assert_non_null(strstr(json, "\"crashes\": 10"));
		assert_non_null(strstr(json, "\"racing\": null"));
		assert_non_null(strstr(json, "\"c_reproducer\": true"));
		free(prog);
		free(json);
	}
	repro_result_free(&res);
	repro_log_free(&l);
}

/* The task named in the report is tried first; innocent calls around
 * the guilty ones are minimized away; options are simplified. */
static void test_comm_minimize_simplify(void **state)
{
	struct fake f = { .rng = 1 };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, "threaded collide procs=2 sandbox=setuid", INNOCENT, 0,
		 OPEN CREATE CONFIGURE BIND CONFIGURE DESTROY POKE CONFIGURE, 3,
		 INNOCENT, 1, NULL);
	params(&p, &f, T_UAF);
	p.comm_proc = 3;
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OK);
	/* The first test was proc 3's program. */
	assert_non_null(strstr(res.log.data, "(proc 3, line"));
	assert_true(strstr(res.log.data, "(proc 3, line") <
		    strstr(res.log.data, "): crashed"));
	assert_prog(res.prog, UAF_MIN);
	assert_false(res.opts.collide);
	assert_false(res.opts.threaded);
	assert_false(res.opts.sandbox_setuid);
	assert_int_equal(res.opts.procs, 1);
	repro_result_free(&res);
	repro_log_free(&l);
}

/* A race: the async call keeps the threaded mode; reliability counts
 * the runs that crashed; the result says which calls race. */
static void test_race(void **state)
{
	struct fake f = { .rng = 7, .race_percent = 15 };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, "threaded", INNOCENT, 0, RACE_PROG, 0, INNOCENT, 1, NULL);
	params(&p, &f, T_RACE);
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OK);
	assert_true(res.opts.threaded);
	assert_true(res.prog->calls[2]->props.async);
	assert_non_null(res.racing);
	assert_non_null(strstr(res.racing,
			       "ioctl$DFB_RELEASE (call 3, async) with "
			       "ioctl$DFB_RELEASE (call 4)"));
	assert_int_equal(res.runs, 10);
	assert_true(res.crashes >= 1 && res.crashes <= 10);
	repro_result_free(&res);
	repro_log_free(&l);
}

/* Fault injection: fail_nth survives minimization and is reported. */
static void test_fault(void **state)
{
	struct fake f = { .rng = 1 };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, NULL, FAULT_PROG, 0, INNOCENT, 0, NULL);
	params(&p, &f, T_FAULT);
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OK);
	assert_prog(res.prog, FAULT_PROG);
	assert_true(res.opts.fault);
	repro_result_free(&res);
	repro_log_free(&l);
}

/* Two programs are needed, one after the other: merged into one. */
static void test_two_programs(void **state)
{
	struct fake f = { .rng = 1, .pair_bug = true };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, NULL, OPEN CREATE, 0, OPEN PAIR "\n", 0, OPEN CREATE, 1,
		 OPEN BIND, 0, OPEN POKE, 0, OPEN CREATE, 1, NULL);
	params(&p, &f, T_PAIR);
	p.prog2c = NULL;
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OK);
	assert_non_null(strstr(res.log.data, "bisection: 2 guilty programs"));
	assert_non_null(strstr(res.log.data, "merged into one: crashed"));
	assert_int_equal(res.prog->n_calls, 4);
	assert_true(call_is(res.prog->calls[1], "ioctl$DFB_CREATE_PAIR"));
	assert_true(call_is(res.prog->calls[3], "ioctl$DFB_POKE"));
	assert_null(res.csource);
	assert_non_null(res.c_why);
	repro_result_free(&res);
	repro_log_free(&l);
}

/* Only another bug comes out: said, and never taken as a reproducer. */
static void test_other_bug(void **state)
{
	struct fake f = { .rng = 1, .configure_bug = true };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, NULL, OPEN CONFIGURE, 0, OPEN CREATE, 1, NULL);
	params(&p, &f, T_UAF);
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OTHER);
	assert_null(res.prog);
	assert_string_equal(res.other_title, T_OTHER);
	assert_non_null(
		strstr(res.log.data, "reproduced a different bug: " T_OTHER));
	assert_non_null(res.why);
	repro_result_free(&res);
	repro_log_free(&l);
}

/* Alternative titles count on either side. */
static void test_alt_title(void **state)
{
	static const char *const alts[] = { T_UAF };
	struct fake f = { .rng = 1 };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, NULL, UAF_PROG, 0, NULL);
	params(&p, &f, "KASAN: slab-use-after-free Read in dfb_ioctl_poke");
	p.alt_titles = alts;
	p.n_alt = 1;
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OK);
	repro_result_free(&res);
	repro_log_free(&l);
}

/* Machines that fail are retried and not counted as results. */
static void test_infra(void **state)
{
	struct fake f = { .rng = 1, .infra_left = 2 };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	make_log(&l, NULL, UAF_PROG, 0, NULL);
	params(&p, &f, T_UAF);
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_OK);
	assert_int_equal(res.infra, 2);
	assert_int_equal(res.crashes, 10);
	repro_result_free(&res);
	/* Machines that never come up: give up, saying so. */
	memset(&f, 0, sizeof(f));
	f.infra_left = 1000;
	params(&p, &f, T_UAF);
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_GAVE_UP);
	assert_non_null(strstr(res.log.data, "giving up"));
	assert_true(res.tests <= 8);
	repro_result_free(&res);
	repro_log_free(&l);
}

static void test_nothing(void **state)
{
	struct fake f = { .rng = 1 };
	struct repro_runner r = { fake_run, NULL, &f };
	struct repro_log l;
	struct repro_params p;
	struct repro_result res;
	(void)state;

	/* No programs in the log. */
	assert_int_equal(repro_log_parse(target, "[ 1.0] boot\n", 12, &l), 0);
	params(&p, &f, T_UAF);
	assert_int_equal(repro_run(&l, &p, &r, &res), -EINVAL);
	assert_non_null(strstr(res.why, "no programs"));
	repro_result_free(&res);
	repro_log_free(&l);
	/* Programs that do not crash. */
	make_log(&l, NULL, INNOCENT, 0, INNOCENT, 1, NULL);
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_NONE);
	assert_non_null(res.why);
	repro_result_free(&res);
	/* The budget runs out. */
	memset(&f, 0, sizeof(f));
	params(&p, &f, T_UAF);
	p.budget_s = 30;
	run(&l, &p, &f, &res);
	assert_int_equal(res.state, REPRO_GAVE_UP);
	assert_non_null(strstr(res.log.data, "out of time"));
	repro_result_free(&res);
	repro_log_free(&l);
}

static void test_syzkaller_opts(void **state)
{
	struct repro_opts o = { .threaded = true, .repeat = 0, .procs = 2 };
	char *s = repro_opts_syzkaller(&o);
	(void)state;

	assert_non_null(strstr(s, "{Threaded:true Collide:false Repeat:true "
				  "RepeatTimes:0 Procs:2 "));
	assert_non_null(strstr(s, "Sandbox:none"));
	free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uaf_bisection),
		cmocka_unit_test(test_comm_minimize_simplify),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_two_programs),
		cmocka_unit_test(test_other_bug),
		cmocka_unit_test(test_alt_title),
		cmocka_unit_test(test_infra),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_syzkaller_opts),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s DESCRIPTIONS_DIR KBUGS_DIR\n",
			argv[0]);
		return 2;
	}
	args = argv;
	return cmocka_run_group_tests(tests, setup, teardown);
}
