/*
 * Unit tests: the fuzzer core against a fake machine whose "coverage" is
 * derived from the program's argument values, so new values mean new
 * signal; plus flaky edges: one that never reproduces and, when asked,
 * one that is missing from one run in every three.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzzer/fuzzer.h"
#include "syzlang/target.h"

static const char desc[] =
	"resource fdx[int32]: -1\n"
	"openx(path ptr[in, string[\"/dev/x\"]], flags flags[oflags, int32]) fdx\n"
	"usex(fd fdx, cmd int32[0:64], arg ptr[in, sx])\n"
	"closex(fd fdx)\n"
	"sx {\n"
	"\ta\tint32\n"
	"\tb\tlen[c, int32]\n"
	"\tc\tarray[int8]\n"
	"}\n"
	"oflags = 1, 2, 4, 8\n";
static const char consts[] = "arches = amd64\n"
			     "__NR_openx = 1000\n"
			     "__NR_usex = 1001\n"
			     "__NR_closex = 1002\n";

/* Edge kinds by their top four bits; the stable edges have them clear. */
#define EDGE_KIND 0xf0000000u
#define FLAKY_BIT 0xf0000000u /* new on every run */
#define INTERMITTENT_BIT 0xe0000000u /* missing when execs % 3 == 0 */

struct fake {
	uint32_t sig[64][64];
	struct fuzz_call_result calls[64];
	uint64_t execs;
	int fail_after; /* -1: never */
	bool intermittent; /* give each call an INTERMITTENT_BIT edge */
};

struct walk_ctx {
	uint32_t *sig;
	size_t n;
	uint32_t id;
};

static int walk(struct prog_arg *a, void *arg)
{
	struct walk_ctx *w = arg;

	if (a->kind == PROG_ARG_CONST && w->n < 60)
		w->sig[w->n++] = (w->id << 16) | (uint32_t)(a->c.val & 0x3f);
	return 0;
}

static int fake_exec(void *ctx, const struct prog *p, unsigned flags,
		     struct fuzz_exec_result *res)
{
	struct fake *fk = ctx;

	(void)flags;
	if (fk->fail_after == 0)
		return -EPIPE;
	if (fk->fail_after > 0)
		fk->fail_after--;
	fk->execs++;
	res->calls = fk->calls;
	res->n_calls = p->n_calls < 64 ? p->n_calls : 64;
	for (size_t i = 0; i < res->n_calls; i++) {
		struct walk_ctx w = { fk->sig[i], 0,
				      (uint32_t)p->calls[i]->meta->id + 1 };

		w.sig[w.n++] = w.id << 16 | 0xffff;
		prog_call_walk(p->calls[i], walk, &w);
		if (fk->intermittent && fk->execs % 3) {
			/* new when the call's arguments are: it comes with
			 * real new signal, and 1 of any 3 runs in a row lacks
			 * it */
			uint32_t h = 2166136261u;

			for (size_t k = 0; k < w.n; k++)
				h = (h ^ w.sig[k]) * 16777619u;
			w.sig[w.n++] = INTERMITTENT_BIT | (h & ~EDGE_KIND);
		}
		/* an edge that is new on every run: must never be kept */
		w.sig[w.n++] = FLAKY_BIT | (uint32_t)(fk->execs & 0xfffffff);
		fk->calls[i] = (struct fuzz_call_result){
			.executed = true,
			.signal = w.sig,
			.n_signal = w.n,
			.pcs = NULL,
			.n_pcs = 0,
		};
	}
	return 0;
}

struct hook {
	int inputs;
	int from_candidate;
	char *last;
};

static void on_input(void *ctx, const char *text, const struct signal_set *sig,
		     bool from_candidate)
{
	struct hook *h = ctx;

	assert_true(sig->len > 0);
	h->inputs++;
	h->from_candidate += from_candidate;
	free(h->last);
	h->last = strdup(text);
}

static struct syz_target *load(void)
{
	struct syz_source src = { "fake.txt", desc, consts };
	struct syz_load_opts o = { .sources = &src, .n_sources = 1 };
	struct syz_target *t = NULL;

	assert_int_equal(syz_target_load(&o, &t, NULL), 0);
	return t;
}

/* Every edge of a corpus input must be a stable one. */
static void flaky_check(uint32_t e, uint8_t prio, void *ctx)
{
	(void)prio;
	(void)ctx;
	assert_int_equal(e & EDGE_KIND, 0);
}

static void test_corpus_grows(void **state)
{
	struct syz_target *t = load();
	struct fake fk = { .fail_after = -1 };
	struct hook h = { 0 };
	struct fuzzer_opts o = { .target = t,
				 .on_new_input = on_input,
				 .hook_ctx = &h,
				 .smash = 5 };
	struct fuzzer_counts c;
	struct signal_set max = { 0 };
	struct prog_rand r;
	struct fuzzer *f;

	(void)state;
	prog_rand_seed(&r, 1);
	assert_int_equal(fuzzer_new(&o, &f), 0);
	for (int i = 0; i < 400; i++)
		assert_int_equal(fuzzer_step(f, &r, fake_exec, &fk), 0);
	fuzzer_counts(f, &c);
	assert_true(c.corpus > 3);
	assert_int_equal((int)c.corpus, h.inputs);
	assert_true(c.signal > 10);
	assert_true(c.execs >= 400);
	assert_int_equal(h.from_candidate, 0);
	/* flaky edges reach the max signal but never the corpus signal */
	assert_int_equal(fuzzer_get_max_signal(f, &max), 0);
	assert_true(max.len >= c.signal);
	{
		char **texts;
		size_t n;

		assert_int_equal(fuzzer_corpus_texts(f, &texts, &n), 0);
		assert_int_equal(n, c.corpus);
		/* no program is in the corpus twice */
		for (size_t i = 0; i < n; i++)
			for (size_t k = i + 1; k < n; k++)
				assert_string_not_equal(texts[i], texts[k]);
		for (size_t i = 0; i < n; i++)
			free(texts[i]);
		free(texts);
	}
	signal_free(&max);
	fuzzer_free(f);
	free(h.last);
	syz_target_free(t);
}

static void on_input_check(void *ctx, const char *text,
			   const struct signal_set *sig, bool from_candidate)
{
	(void)text;
	(void)from_candidate;
	(*(int *)ctx)++;
	signal_foreach(sig, flaky_check, NULL);
}

static void count_kinds(uint32_t e, uint8_t prio, void *ctx)
{
	size_t *n = ctx;

	(void)prio;
	n[0] += (e & EDGE_KIND) == FLAKY_BIT;
	n[1] += (e & EDGE_KIND) == INTERMITTENT_BIT;
}

/*
 * Deflaking: new signal enters the corpus only when each of the 3 re-runs
 * of triage shows it. The edge that never comes back and the one missing
 * from one run in three both reach the max signal (they were new and
 * triaged) but never an input's signal; an accepted signal seen in fewer
 * re-runs lets the intermittent one in.
 */
static void test_corpus_signal_not_flaky(void **state)
{
	struct syz_target *t = load();
	struct fake fk = { .fail_after = -1, .intermittent = true };
	int inputs = 0;
	struct fuzzer_opts o = { .target = t,
				 .on_new_input = on_input_check,
				 .hook_ctx = &inputs,
				 .triage_runs = 3 };
	struct signal_set max = { 0 };
	size_t kinds[2] = { 0, 0 };
	struct prog_rand r;
	struct fuzzer *f;

	(void)state;
	prog_rand_seed(&r, 3);
	assert_int_equal(fuzzer_new(&o, &f), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(fuzzer_step(f, &r, fake_exec, &fk), 0);
	assert_true(inputs > 0);
	assert_int_equal(fuzzer_get_max_signal(f, &max), 0);
	signal_foreach(&max, count_kinds, kinds);
	assert_true(kinds[0] > 0);
	assert_true(kinds[1] > 0);
	signal_free(&max);
	fuzzer_free(f);
	syz_target_free(t);
}

/* A saved corpus is re-triaged: candidates come back without minimising. */
static void test_candidates(void **state)
{
	struct syz_target *t = load();
	struct fake fk = { .fail_after = -1 };
	struct hook h = { 0 }, h2 = { 0 };
	struct fuzzer_opts o = { .target = t,
				 .on_new_input = on_input,
				 .hook_ctx = &h,
				 .smash = 2 };
	struct fuzzer_counts c, c2;
	struct prog_rand r;
	struct fuzzer *f, *f2;
	char **texts;
	size_t n;

	(void)state;
	prog_rand_seed(&r, 11);
	assert_int_equal(fuzzer_new(&o, &f), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(fuzzer_step(f, &r, fake_exec, &fk), 0);
	fuzzer_counts(f, &c);
	assert_int_equal(fuzzer_corpus_texts(f, &texts, &n), 0);

	o.hook_ctx = &h2;
	assert_int_equal(fuzzer_new(&o, &f2), 0);
	for (size_t i = 0; i < n; i++) {
		struct prog *p = NULL;
		struct prog_diags d = { 0 };
		struct prog_parse_opts po = { .strict = true };

		assert_int_equal(prog_parse(t, texts[i], strlen(texts[i]), &po,
					    &p, &d),
				 0);
		prog_diags_free(&d);
		assert_int_equal(fuzzer_add_candidate(f2, p), 0);
		free(texts[i]);
	}
	free(texts);
	fuzzer_counts(f2, &c2);
	assert_int_equal(c2.candidates, n);
	/* run until the candidates and their triage are done */
	for (int i = 0; i < 2000; i++) {
		fuzzer_counts(f2, &c2);
		if (!c2.queued)
			break;
		assert_int_equal(fuzzer_step(f2, &r, fake_exec, &fk), 0);
	}
	fuzzer_counts(f2, &c2);
	assert_int_equal(c2.candidates, 0);
	assert_true(h2.inputs > 0);
	assert_int_equal(h2.inputs, h2.from_candidate);
	/* the reloaded corpus covers the signal of the old one */
	assert_true(c2.signal >= c.signal * 9 / 10);
	free(h.last);
	free(h2.last);
	fuzzer_free(f);
	fuzzer_free(f2);
	syz_target_free(t);
}

/* A lost machine: the error comes back, the job is retried later. */
static void test_exec_error(void **state)
{
	struct syz_target *t = load();
	struct fake fk = { .fail_after = 5 };
	struct fuzzer_opts o = { .target = t };
	struct prog_rand r;
	struct fuzzer *f;
	int errors = 0;

	(void)state;
	prog_rand_seed(&r, 5);
	assert_int_equal(fuzzer_new(&o, &f), 0);
	for (int i = 0; i < 20; i++) {
		int err = fuzzer_step(f, &r, fake_exec, &fk);

		if (err) {
			assert_int_equal(err, -EPIPE);
			errors++;
			fk.fail_after = 3; /* "restarted" machine */
		}
	}
	assert_true(errors > 0);
	fuzzer_free(f);
	syz_target_free(t);
}

/* The baseline mode keeps no corpus and re-triages nothing. */
static void test_no_feedback(void **state)
{
	struct syz_target *t = load();
	struct fake fk = { .fail_after = -1 };
	struct hook h = { 0 };
	struct fuzzer_opts o = { .target = t,
				 .on_new_input = on_input,
				 .hook_ctx = &h,
				 .no_feedback = true };
	struct fuzzer_counts c;
	struct prog_rand r;
	struct fuzzer *f;
	struct prog *p = NULL;

	(void)state;
	prog_rand_seed(&r, 2);
	assert_int_equal(fuzzer_new(&o, &f), 0);
	{
		struct prog_choice *ct = prog_choice_new(t, NULL);

		assert_non_null(ct);
		assert_int_equal(prog_generate(t, ct, &r, 3, &p), 0);
		prog_choice_free(ct);
	}
	assert_int_equal(fuzzer_add_candidate(f, p), -ECANCELED);
	for (int i = 0; i < 200; i++)
		assert_int_equal(fuzzer_step(f, &r, fake_exec, &fk), 0);
	fuzzer_counts(f, &c);
	assert_int_equal(c.corpus, 0);
	assert_int_equal(c.queued, 0);
	assert_int_equal(h.inputs, 0);
	assert_true(c.execs >= 200);
	fuzzer_free(f);
	syz_target_free(t);
}

/* Several workers (a VM's procs) call fuzzer_step at once. */
struct step_arg {
	struct fuzzer *f;
	struct fake fk;
	struct prog_rand r;
	int err;
};

static void *steps(void *p)
{
	struct step_arg *a = p;

	for (int i = 0; i < 250 && !a->err; i++)
		a->err = fuzzer_step(a->f, &a->r, fake_exec, &a->fk);
	return NULL;
}

static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_input_locked(void *ctx, const char *text,
			    const struct signal_set *sig, bool from_candidate)
{
	pthread_mutex_lock(&hook_lock);
	on_input(ctx, text, sig, from_candidate);
	pthread_mutex_unlock(&hook_lock);
}

static void test_concurrent_steps(void **state)
{
	struct syz_target *t = load();
	struct hook h = { 0 };
	struct fuzzer_opts o = { .target = t,
				 .on_new_input = on_input_locked,
				 .hook_ctx = &h,
				 .smash = 5 };
	struct step_arg *a = calloc(4, sizeof(*a));
	struct fuzzer_counts c;
	pthread_t th[4];
	uint64_t execs = 0;
	struct fuzzer *f;
	char **texts;
	size_t n;

	(void)state;
	assert_int_equal(fuzzer_new(&o, &f), 0);
	for (int i = 0; i < 4; i++) {
		a[i].f = f;
		a[i].fk.fail_after = -1;
		prog_rand_seed(&a[i].r, 100 + (uint64_t)i);
		assert_int_equal(pthread_create(&th[i], NULL, steps, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].err, 0);
		execs += a[i].fk.execs;
	}
	fuzzer_counts(f, &c);
	/* Every run counted once; the corpus grew, each program once. */
	assert_int_equal(c.execs, execs);
	assert_true(c.corpus > 3);
	assert_true(h.inputs >= (int)c.corpus);
	assert_int_equal(fuzzer_corpus_texts(f, &texts, &n), 0);
	assert_int_equal(n, c.corpus);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			assert_string_not_equal(texts[i], texts[k]);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(a);
	free(h.last);
	fuzzer_free(f);
	syz_target_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_grows),
		cmocka_unit_test(test_corpus_signal_not_flaky),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_exec_error),
		cmocka_unit_test(test_no_feedback),
		cmocka_unit_test(test_concurrent_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
