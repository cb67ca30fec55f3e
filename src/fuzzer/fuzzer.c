/* The fuzzer core: corpus, signal, work queue. */
#include "fuzzer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hash.h"
#include "util/log.h"

enum job_kind {
	JOB_CANDIDATE, /* a saved program: run, triage what is new */
	JOB_TRIAGE, /* deflake, minimise, add to the corpus */
	JOB_SMASH, /* extra mutations of a new input */
	JOB_HINTS, /* comparison operands -> mutants */
};

struct job {
	enum job_kind kind;
	struct prog *p;
	int call; /* TRIAGE / HINTS */
	uint32_t *sig; /* TRIAGE: the new signal seen */
	size_t n_sig;
	bool minimized; /* TRIAGE: skip minimisation (candidates) */
	int attempts; /* runs cut short by a lost machine */
	bool from_candidate;
};

/* Queues by priority: lower index runs first. */
enum { Q_CANDIDATE, Q_TRIAGE, Q_SMASH, N_QUEUES };

struct fuzzer {
	struct fuzzer_opts o;
	pthread_mutex_t lock;
	struct prog_choice *ct;
	VEC(struct prog *) corpus;
	struct signal_set corpus_signal;
	struct signal_set hashes; /* of corpus program texts */
	struct signal_set max_signal;
	struct signal_set coverage;
	VEC(struct job *) q[N_QUEUES];
	uint64_t execs;
	size_t n_candidates;
	uint64_t rng_seed;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	prog_free(j->p);
	free(j->sig);
	free(j);
}

int fuzzer_new(const struct fuzzer_opts *opts, struct fuzzer **out)
{
	struct fuzzer *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->o = *opts;
	if (!f->o.smash)
		f->o.smash = 25;
	if (!f->o.triage_runs)
		f->o.triage_runs = 3;
	if (!f->o.max_hints)
		f->o.max_hints = 256;
	if (!f->o.ncalls)
		f->o.ncalls = PROG_DEFAULT_NCALLS;
	pthread_mutex_init(&f->lock, NULL);
	f->ct = prog_choice_new(opts->target, opts->enabled);
	if (!f->ct) {
		fuzzer_free(f);
		return -ENOMEM;
	}
	if (prog_choice_n_enabled(f->ct) == 0) {
		log_err("fuzzer: no syscall is enabled (see 'drmfuzz syscalls --why')");
		fuzzer_free(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

void fuzzer_free(struct fuzzer *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->corpus.n; i++)
		prog_free(f->corpus.v[i]);
	vec_free(&f->corpus);
	for (int q = 0; q < N_QUEUES; q++) {
		for (size_t i = 0; i < f->q[q].n; i++)
			job_free(f->q[q].v[i]);
		vec_free(&f->q[q]);
	}
	prog_choice_free(f->ct);
	signal_free(&f->corpus_signal);
	signal_free(&f->hashes);
	signal_free(&f->max_signal);
	signal_free(&f->coverage);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int fuzzer_set_max_signal(struct fuzzer *f, const struct signal_set *max)
{
	int r;

	pthread_mutex_lock(&f->lock);
	r = signal_merge(&f->max_signal, max);
	pthread_mutex_unlock(&f->lock);
	return r < 0 ? r : 0;
}

int fuzzer_get_max_signal(struct fuzzer *f, struct signal_set *out)
{
	int r;

	signal_clear(out);
	pthread_mutex_lock(&f->lock);
	r = signal_merge(out, &f->max_signal);
	pthread_mutex_unlock(&f->lock);
	return r < 0 ? r : 0;
}

void fuzzer_counts(struct fuzzer *f, struct fuzzer_counts *c)
{
	pthread_mutex_lock(&f->lock);
	c->execs = f->execs;
	c->corpus = f->corpus.n;
	c->signal = f->corpus_signal.len;
	c->max_signal = f->max_signal.len;
	c->coverage = f->coverage.len;
	c->queued = 0;
	for (int q = 0; q < N_QUEUES; q++)
		c->queued += f->q[q].n;
	c->candidates = f->n_candidates;
	pthread_mutex_unlock(&f->lock);
}

int fuzzer_corpus_texts(struct fuzzer *f, char ***texts, size_t *n)
{
	char **v;

	pthread_mutex_lock(&f->lock);
	v = calloc(f->corpus.n + 1, sizeof(*v));
	if (!v) {
		pthread_mutex_unlock(&f->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < f->corpus.n; i++)
		v[i] = prog_print(f->corpus.v[i]);
	*n = f->corpus.n;
	pthread_mutex_unlock(&f->lock);
	*texts = v;
	return 0;
}

/* Takes ownership of @j. Caller holds no lock. */
static void push_job(struct fuzzer *f, int q, struct job *j)
{
	pthread_mutex_lock(&f->lock);
	if (vec_push(&f->q[q], j)) {
		pthread_mutex_unlock(&f->lock);
		job_free(j);
		return;
	}
	if (j->kind == JOB_CANDIDATE)
		f->n_candidates++;
	pthread_mutex_unlock(&f->lock);
}

static struct job *pop_job(struct fuzzer *f)
{
	struct job *j = NULL;

	pthread_mutex_lock(&f->lock);
	for (int q = 0; q < N_QUEUES && !j; q++) {
		if (!f->q[q].n)
			continue;
		/* FIFO for candidates (keep their order), LIFO for the rest:
		 * fresh inputs are triaged while their signal is new. */
		if (q == Q_CANDIDATE) {
			j = f->q[q].v[0];
			memmove(f->q[q].v, f->q[q].v + 1,
				(f->q[q].n - 1) * sizeof(*f->q[q].v));
			f->q[q].n--;
		} else {
			j = f->q[q].v[--f->q[q].n];
		}
	}
	if (j && j->kind == JOB_CANDIDATE)
		f->n_candidates--;
	pthread_mutex_unlock(&f->lock);
	return j;
}

static bool prog_calls_enabled(struct fuzzer *f, const struct prog *p)
{
	for (size_t i = 0; i < p->n_calls; i++)
		if (!prog_choice_enabled(f->ct, p->calls[i]->meta->id))
			return false;
	return true;
}

int fuzzer_add_candidate(struct fuzzer *f, struct prog *p)
{
	struct job *j;

	if (!prog_calls_enabled(f, p)) {
		prog_free(p);
		return -EPERM;
	}
	if (f->o.no_feedback) {
		/* The baseline keeps no corpus: nothing to re-triage. */
		prog_free(p);
		return -ECANCELED;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		prog_free(p);
		return -ENOMEM;
	}
	j->kind = JOB_CANDIDATE;
	j->p = p;
	j->from_candidate = true;
	push_job(f, Q_CANDIDATE, j);
	return 0;
}

/* ---- running programs ---- */

/* Run @p, count it, merge coverage. */
static int run(struct fuzzer *f, const struct prog *p, unsigned flags,
	       fuzz_exec_fn exec, void *ctx, struct fuzz_exec_result *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	err = exec(ctx, p, flags, res);
	if (err)
		return err;
	pthread_mutex_lock(&f->lock);
	f->execs++;
	for (size_t c = 0; c < res->n_calls; c++)
		for (size_t i = 0; i < res->calls[c].n_pcs; i++)
			signal_add(&f->coverage, (uint32_t)res->calls[c].pcs[i],
				   0);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

/* Signal priority of a call: successful calls rank above failing ones. */
static uint8_t call_prio(const struct fuzz_call_result *c)
{
	return c->err == 0 ? 1 : 0;
}

/*
 * Queue triage for every call of @p that brought signal the max signal
 * lacks; that signal joins the max signal at once, so other fuzzing
 * threads do not triage the same edges again.
 */
static void check_new_signal(struct fuzzer *f, const struct prog *p,
			     const struct fuzz_exec_result *res,
			     bool from_candidate)
{
	struct signal_set diff = { 0 };

	for (size_t c = 0; c < res->n_calls && c < p->n_calls; c++) {
		const struct fuzz_call_result *cr = &res->calls[c];
		struct job *j;
		size_t k = 0;
		int n;

		if (!cr->executed || !cr->n_signal)
			continue;
		pthread_mutex_lock(&f->lock);
		n = signal_diff(&f->max_signal, cr->signal, cr->n_signal,
				call_prio(cr), &diff);
		if (n > 0)
			signal_merge(&f->max_signal, &diff);
		pthread_mutex_unlock(&f->lock);
		if (n <= 0)
			continue;
		j = calloc(1, sizeof(*j));
		if (!j)
			break;
		j->kind = JOB_TRIAGE;
		j->call = (int)c;
		j->p = prog_clone(p);
		j->sig = malloc((size_t)n * sizeof(*j->sig));
		j->minimized = from_candidate;
		j->from_candidate = from_candidate;
		if (!j->p || !j->sig) {
			job_free(j);
			break;
		}
		for (size_t i = 0; i < cr->n_signal && k < (size_t)n; i++)
			if (signal_get(&diff, cr->signal[i], NULL))
				j->sig[k++] = cr->signal[i];
		j->n_sig = k;
		push_job(f, Q_TRIAGE, j);
	}
	signal_free(&diff);
}

/* Run @p as a fresh program and look for new signal. */
static int run_and_check(struct fuzzer *f, const struct prog *p,
			 fuzz_exec_fn exec, void *ctx)
{
	struct fuzz_exec_result res;
	int err = run(f, p, 0, exec, ctx, &res);

	if (!err && !f->o.no_feedback)
		check_new_signal(f, p, &res, false);
	return err;
}

/* ---- triage ---- */

struct sig_list {
	uint32_t *v;
	size_t n;
};

/* Keep only the elements of @keep that call @c of @res also has. */
static void intersect(struct sig_list *keep, const struct fuzz_call_result *c)
{
	struct signal_set s = { 0 };
	size_t k = 0;

	for (size_t i = 0; i < c->n_signal; i++)
		signal_add(&s, c->signal[i], 0);
	for (size_t i = 0; i < keep->n; i++)
		if (signal_get(&s, keep->v[i], NULL))
			keep->v[k++] = keep->v[i];
	keep->n = k;
	signal_free(&s);
}

static bool has_all(const struct fuzz_call_result *c, const uint32_t *want,
		    size_t n)
{
	struct signal_set s = { 0 };
	bool ok = true;

	for (size_t i = 0; i < c->n_signal; i++)
		signal_add(&s, c->signal[i], 0);
	for (size_t i = 0; i < n && ok; i++)
		ok = signal_get(&s, want[i], NULL);
	signal_free(&s);
	return ok;
}

struct min_ctx {
	struct fuzzer *f;
	fuzz_exec_fn exec;
	void *ctx;
	const uint32_t *want;
	size_t n_want;
	int err;
};

/* Minimisation predicate: one of 3 runs still shows the stable signal. */
static bool min_pred(const struct prog *p, int call_idx, void *arg)
{
	struct min_ctx *m = arg;

	if (m->err || call_idx < 0)
		return false;
	for (int run_i = 0; run_i < 3; run_i++) {
		struct fuzz_exec_result res;
		int err = run(m->f, p, 0, m->exec, m->ctx, &res);

		if (err) {
			m->err = err;
			return false;
		}
		if ((size_t)call_idx < res.n_calls &&
		    res.calls[call_idx].executed &&
		    has_all(&res.calls[call_idx], m->want, m->n_want))
			return true;
	}
	return false;
}

/* Add a triaged program to the corpus and queue its follow-up jobs. */
static void add_to_corpus(struct fuzzer *f, struct prog *p,
			  const struct signal_set *sig, bool from_candidate)
{
	char *text = prog_print(p);
	struct job *smash = NULL;
	uint64_t th;
	int added = 0, dup;

	if (!text) {
		prog_free(p);
		return;
	}
	th = hash_xxh64(text, strlen(text), 0);
	pthread_mutex_lock(&f->lock);
	signal_merge(&f->corpus_signal, sig);
	signal_merge(&f->max_signal, sig);
	/* Triage of several calls often minimises to the same program:
	 * keep one copy; its signal is the union. */
	dup = signal_get(&f->hashes, (uint32_t)(th ^ (th >> 32)), NULL);
	if (!dup &&
	    signal_add(&f->hashes, (uint32_t)(th ^ (th >> 32)), 0) >= 0) {
		prog_choice_add_corpus(f->ct, p);
		added = vec_push(&f->corpus, p) == 0;
	}
	pthread_mutex_unlock(&f->lock);
	if (f->o.on_new_input && (added || dup))
		f->o.on_new_input(f->o.hook_ctx, text, sig, from_candidate);
	free(text);
	if (!added) {
		prog_free(p);
		return;
	}
	if (from_candidate)
		return;
	smash = calloc(1, sizeof(*smash));
	if (smash) {
		smash->kind = JOB_SMASH;
		smash->p = prog_clone(p);
		if (smash->p)
			push_job(f, Q_SMASH, smash);
		else
			job_free(smash);
	}
	if (!f->o.cmps)
		return;
	for (size_t c = 0; c < p->n_calls; c++) {
		struct job *h = calloc(1, sizeof(*h));

		if (!h)
			return;
		h->kind = JOB_HINTS;
		h->call = (int)c;
		h->p = prog_clone(p);
		if (h->p)
			push_job(f, Q_SMASH, h);
		else
			job_free(h);
	}
}

static int do_triage(struct fuzzer *f, struct job *j, fuzz_exec_fn exec,
		     void *ctx)
{
	struct sig_list stable = { j->sig, j->n_sig };
	struct sig_list all = { NULL, 0 }; /* the call's signal in every run */
	struct signal_set callsig = { 0 };
	struct prog *min = NULL;
	uint8_t prio = 0;
	int err = 0, idx = j->call;

	/* Deflake: the new signal must show up in every run. */
	for (unsigned i = 0; i < f->o.triage_runs && stable.n; i++) {
		struct fuzz_exec_result res;
		const struct fuzz_call_result *cr;

		err = run(f, j->p, 0, exec, ctx, &res);
		if (err) {
			j->n_sig = stable.n;
			free(all.v);
			return err;
		}
		if ((size_t)j->call >= res.n_calls ||
		    !res.calls[j->call].executed) {
			stable.n = 0;
			break;
		}
		cr = &res.calls[j->call];
		intersect(&stable, cr);
		if (i > 0) {
			intersect(&all, cr);
			continue;
		}
		prio = call_prio(cr);
		all.v = malloc((cr->n_signal + 1) * sizeof(*all.v));
		if (!all.v)
			return -ENOMEM;
		memcpy(all.v, cr->signal, cr->n_signal * sizeof(*all.v));
		all.n = cr->n_signal;
	}
	j->n_sig = stable.n;
	for (size_t k = 0; k < all.n; k++)
		signal_add(&callsig, all.v[k], prio);
	free(all.v);
	if (!stable.n) {
		signal_free(&callsig);
		return 0;
	}
	if (!j->minimized) {
		struct min_ctx m = { f, exec, ctx, stable.v, stable.n, 0 };

		err = prog_minimize(j->p, j->call, min_pred, &m, &min, &idx);
		if (m.err) {
			prog_free(min);
			signal_free(&callsig);
			return m.err;
		}
		if (err)
			min = NULL;
	}
	if (!min) {
		min = j->p;
		j->p = NULL;
	}
	/* The corpus keeps the call's signal; at least the stable part. */
	for (size_t k = 0; k < stable.n; k++)
		signal_add(&callsig, stable.v[k], 1);
	add_to_corpus(f, min, &callsig, j->from_candidate);
	signal_free(&callsig);
	(void)idx;
	return 0;
}

static int do_candidate(struct fuzzer *f, struct job *j, fuzz_exec_fn exec,
			void *ctx)
{
	struct fuzz_exec_result res;
	int err = run(f, j->p, 0, exec, ctx, &res);

	if (!err)
		check_new_signal(f, j->p, &res, true);
	return err;
}

static int mutate_and_run(struct fuzzer *f, struct prog *p, struct prog_rand *r,
			  fuzz_exec_fn exec, void *ctx)
{
	int err;

	pthread_mutex_lock(&f->lock);
	err = prog_mutate(p, f->ct, r, f->o.ncalls,
			  (struct prog *const *)f->corpus.v, f->corpus.n);
	pthread_mutex_unlock(&f->lock);
	if (err)
		return 0; /* a mutation that failed is no reason to stop */
	return run_and_check(f, p, exec, ctx);
}

static int do_smash(struct fuzzer *f, struct job *j, struct prog_rand *r,
		    fuzz_exec_fn exec, void *ctx)
{
	for (unsigned i = 0; i < f->o.smash; i++) {
		struct prog *p = prog_clone(j->p);
		int err;

		if (!p)
			return -ENOMEM;
		err = mutate_and_run(f, p, r, exec, ctx);
		prog_free(p);
		if (err)
			return err;
	}
	return 0;
}

struct hint_ctx {
	struct fuzzer *f;
	fuzz_exec_fn exec;
	void *ctx;
	unsigned left;
	int err;
};

static int hint_one(const struct prog *mutant, void *arg)
{
	struct hint_ctx *h = arg;

	if (!h->left--)
		return 1;
	h->err = run_and_check(h->f, mutant, h->exec, h->ctx);
	return h->err ? 1 : 0;
}

static int do_hints(struct fuzzer *f, struct job *j, fuzz_exec_fn exec,
		    void *ctx)
{
	struct fuzz_exec_result res;
	struct hint_ctx h = { f, exec, ctx, f->o.max_hints, 0 };
	struct prog_cmp *cmps;
	size_t n;
	int err;

	err = run(f, j->p, FUZZ_EXEC_CMPS, exec, ctx, &res);
	if (err)
		return err;
	if ((size_t)j->call >= res.n_calls || !res.calls[j->call].n_cmps)
		return 0;
	/* The next exec reuses the result memory: copy the operands. */
	n = res.calls[j->call].n_cmps;
	cmps = malloc(n * sizeof(*cmps));
	if (!cmps)
		return -ENOMEM;
	memcpy(cmps, res.calls[j->call].cmps, n * sizeof(*cmps));
	prog_hints(j->p, (size_t)j->call, cmps, n, hint_one, &h);
	free(cmps);
	return h.err;
}

/* Generate (1 in 100, or always with an empty corpus) or mutate. */
static int do_fuzz(struct fuzzer *f, struct prog_rand *r, fuzz_exec_fn exec,
		   void *ctx)
{
	struct prog *p = NULL;
	size_t n;
	int err;

	pthread_mutex_lock(&f->lock);
	n = f->corpus.n;
	if (n && !prog_rand_one_of(r, 100))
		p = prog_clone(f->corpus.v[prog_rand_n(r, n)]);
	pthread_mutex_unlock(&f->lock);
	if (p) {
		err = mutate_and_run(f, p, r, exec, ctx);
		prog_free(p);
		return err;
	}
	pthread_mutex_lock(&f->lock);
	err = prog_generate(f->o.target, f->ct, r, f->o.ncalls, &p);
	pthread_mutex_unlock(&f->lock);
	if (err)
		return 0;
	err = run_and_check(f, p, exec, ctx);
	prog_free(p);
	return err;
}

int fuzzer_step(struct fuzzer *f, struct prog_rand *r, fuzz_exec_fn exec,
		void *ctx)
{
	struct job *j = pop_job(f);
	int err = 0;

	if (!j)
		return do_fuzz(f, r, exec, ctx);
	switch (j->kind) {
	case JOB_CANDIDATE:
		err = do_candidate(f, j, exec, ctx);
		break;
	case JOB_TRIAGE:
		err = do_triage(f, j, exec, ctx);
		break;
	case JOB_SMASH:
		err = do_smash(f, j, r, exec, ctx);
		break;
	case JOB_HINTS:
		err = do_hints(f, j, exec, ctx);
		break;
	}
	/* A job cut short by a lost machine is retried once on another run
	 * (a program that kills the machine every time is not retried
	 * forever); smash and hints are best effort. */
	if (err && (j->kind == JOB_CANDIDATE || j->kind == JOB_TRIAGE) &&
	    ++j->attempts < 2) {
		push_job(f, j->kind == JOB_CANDIDATE ? Q_CANDIDATE : Q_TRIAGE,
			 j);
		return err;
	}
	job_free(j);
	return err;
}
