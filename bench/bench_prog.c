/*
 * Benchmark: programs generated and mutated per second (plus text and
 * exec-encoding round trips), against a baseline measured in the same
 * run: prog_clone of the same programs.
 * usage: bench_prog [SYZKALLER_DIR | DESCRIPTIONS_DIR] [SECONDS_PER_STEP]
 * With a syzkaller checkout its DRM calls are used, else every call of
 * the descriptions directory (default: drmfuzz's descriptions/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prog/prog.h"
#include "syzlang/select.h"
#include "util/datadir.h"
#include "util/fileio.h"

#define CORPUS 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct syz_target *t;
static struct prog_choice *ct;
static struct prog *corpus[CORPUS];
static struct prog_rand rnd;

static int op_clone(size_t i)
{
	struct prog *p = prog_clone(corpus[i % CORPUS]);
	prog_free(p);
	return p ? 0 : -1;
}

static int op_generate(size_t i)
{
	struct prog *p;
	(void)i;
	if (prog_generate(t, ct, &rnd, PROG_DEFAULT_NCALLS, &p))
		return -1;
	prog_free(p);
	return 0;
}

static int op_mutate(size_t i)
{
	struct prog *p = prog_clone(corpus[i % CORPUS]);
	int rc = p ? prog_mutate(p, ct, &rnd, PROG_DEFAULT_NCALLS, corpus,
				 CORPUS) :
		     -1;
	prog_free(p);
	return rc;
}

static int op_text(size_t i)
{
	struct prog_parse_opts po = { .strict = true };
	char *s = prog_print(corpus[i % CORPUS]);
	struct prog *q;
	int rc = s ? prog_parse(t, s, strlen(s), &po, &q, NULL) : -1;
	if (!rc)
		prog_free(q);
	free(s);
	return rc;
}

static int op_encode(size_t i)
{
	uint8_t *e;
	size_t n;
	int rc = prog_encode(corpus[i % CORPUS], &e, &n);
	free(e);
	return rc == -95 /* ENOTSUP */ ? 0 : rc;
}

/* Operations per second of @op over @secs seconds. */
static double rate(int (*op)(size_t), double secs)
{
	double t0 = now(), t1;
	size_t n = 0;
	do {
		for (int k = 0; k < 64; k++) {
			if (op(n++)) {
				fprintf(stderr, "operation failed\n");
				exit(1);
			}
		}
		t1 = now();
	} while (t1 - t0 < secs);
	return (double)n / (t1 - t0);
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 && argv[1][0] ? argv[1] : NULL;
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	char *own = datadir_path("descriptions");
	char *sys = arg ? path_join(arg, "sys/linux") : NULL;
	bool syzkaller = sys && path_is_dir(sys);
	const char *dir = arg && !syzkaller ? arg : own;
	struct syz_load_opts lo = { .syzkaller = syzkaller ? arg : NULL };
	static const char *const drm[] = { "ioctl$DRM_*", "openat$dri*",
					   "syz_open_dev$dri*" };
	struct syz_select_opts so = { .enable = drm,
				      .n_enable = 3,
				      .add_producers = true };
	struct syz_selection *sel = NULL;
	if (!syzkaller && dir) {
		lo.desc_dirs = &dir;
		lo.n_desc_dirs = 1;
	}
	if (syz_target_load(&lo, &t, NULL) ||
	    (syzkaller && syz_select(t, &so, &sel, NULL))) {
		fprintf(stderr, "cannot load the descriptions\n");
		return 1;
	}
	ct = prog_choice_new(t, sel ? sel->enabled : NULL);
	prog_rand_seed(&rnd, 1);
	for (int i = 0; i < CORPUS; i++) {
		if (prog_generate(t, ct, &rnd, PROG_DEFAULT_NCALLS, &corpus[i]))
			return 1;
		prog_choice_add_corpus(ct, corpus[i]);
	}
	printf("descriptions: %s, %zu enabled calls, %d calls/program\n",
	       syzkaller ? "syzkaller DRM" : dir, prog_choice_n_enabled(ct),
	       PROG_DEFAULT_NCALLS);
	double base = rate(op_clone, secs);
	double gen = rate(op_generate, secs);
	double mut = rate(op_mutate, secs);
	double txt = rate(op_text, secs);
	double enc = rate(op_encode, secs);
	printf("baseline prog_clone:   %10.0f /s\n", base);
	printf("generate:              %10.0f /s  (%.3f x clone)\n", gen,
	       gen / base);
	printf("clone+mutate:          %10.0f /s  (%.3f x clone)\n", mut,
	       mut / base);
	printf("print+parse:           %10.0f /s  (%.3f x clone)\n", txt,
	       txt / base);
	printf("exec encode:           %10.0f /s  (%.3f x clone)\n", enc,
	       enc / base);
	for (int i = 0; i < CORPUS; i++)
		prog_free(corpus[i]);
	prog_choice_free(ct);
	syz_selection_free(sel);
	syz_target_free(t);
	free(own);
	free(sys);
	return 0;
}
