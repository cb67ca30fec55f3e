/*
 * The fuzzer core: corpus, max signal, coverage, the choice table and the
 * work queue (triage, smash, hints, generate, mutate). It does not know
 * how programs run: each fuzzing thread calls fuzzer_step() with an exec
 * function that runs one program (in a VM, or a fake in tests). Here an
 * "exec" is one run of one program, what execs and exec/s count.
 *
 * Thread safety: every function may be called from several threads.
 */
#ifndef DRMFUZZ_FUZZER_FUZZER_H
#define DRMFUZZ_FUZZER_FUZZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prog/prog.h"
#include "signal/signal.h"

/* What one call of an executed program gave. */
struct fuzz_call_result {
	bool executed;
	int err; /* errno; 0 on success */
	const uint32_t *signal; /* edge hashes, deduplicated */
	size_t n_signal;
	const uint64_t *pcs; /* PCs hit (for coverage) */
	size_t n_pcs;
	const struct prog_cmp *cmps; /* when FUZZ_EXEC_CMPS was asked */
	size_t n_cmps;
};

/* One execution's results; owned by the exec function until its next call
 * on the same context. */
struct fuzz_exec_result {
	struct fuzz_call_result *calls;
	size_t n_calls;
};

#define FUZZ_EXEC_CMPS 1u /* collect comparison operands */

/*
 * Run @p once. Returns 0 and fills @res, or -errno when the program could
 * not be run (the machine is gone: the caller restarts it). A crash of the
 * kernel shows up later as such an error.
 */
typedef int (*fuzz_exec_fn)(void *ctx, const struct prog *p, unsigned flags,
			    struct fuzz_exec_result *res);

struct fuzzer_opts {
	const struct syz_target *target;
	const bool *enabled; /* one bool per target call */
	bool cmps; /* the machine supports comparison hints */
	unsigned smash; /* extra mutations of each new input; 0: 25 */
	unsigned triage_runs; /* runs to deflake new signal; 0: 3 */
	unsigned max_hints; /* hint mutants per call; 0: 256 */
	size_t ncalls; /* program length target; 0: 10 */
	bool no_feedback; /* baseline: generate only, keep no corpus */
	/*
	 * Called (with no fuzzer lock held) when a program enters the corpus,
	 * with its canonical text and signal; @from_candidate is true for
	 * programs reloaded from a saved corpus.
	 */
	void (*on_new_input)(void *ctx, const char *text,
			     const struct signal_set *signal,
			     bool from_candidate);
	void *hook_ctx;
};

struct fuzzer;

int fuzzer_new(const struct fuzzer_opts *opts, struct fuzzer **out);
void fuzzer_free(struct fuzzer *f);

/* Start from a saved max signal (copied). */
int fuzzer_set_max_signal(struct fuzzer *f, const struct signal_set *max);
/* A copy of the max signal (for saving). */
int fuzzer_get_max_signal(struct fuzzer *f, struct signal_set *out);

/*
 * Queue a saved corpus program for re-triage against this kernel; the
 * fuzzer takes ownership. Programs calling calls that are not enabled are
 * refused (returns -EPERM, @p is freed); so is everything in no_feedback
 * mode (-ECANCELED).
 */
int fuzzer_add_candidate(struct fuzzer *f, struct prog *p);

/*
 * Do one unit of work on the calling thread: a queued triage/smash/hints
 * job, else generate or mutate a program and run it. Returns 0, or the
 * exec function's error (the job is put back when it can be retried).
 */
int fuzzer_step(struct fuzzer *f, struct prog_rand *r, fuzz_exec_fn exec,
		void *ctx);

struct fuzzer_counts {
	uint64_t execs;
	size_t corpus;
	size_t signal; /* corpus signal */
	size_t max_signal;
	size_t coverage; /* distinct PCs */
	size_t queued; /* jobs waiting (candidates, triage, smash, hints) */
	size_t candidates;
};

void fuzzer_counts(struct fuzzer *f, struct fuzzer_counts *c);

/* Canonical texts of the in-memory corpus (caller frees each and the
 * array). */
int fuzzer_corpus_texts(struct fuzzer *f, char ***texts, size_t *n);

#endif
