/*
 * drmfuzz exec: boot one VM, run programs (syzkaller text, or exec-encoded
 * with --raw) in its executor and print what every call did (like
 * syz-execprog, to check a reproducer by hand); with --bench, measure
 * executions per second against the in-VM ceiling.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "opts.h"
#include "config/config.h"
#include "exec.h"
#include "ipc/ipc.h"
#include "manager/machine.h"
#include "prog/prog.h"
#include "syzlang/target.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "vm/qemu.h"
#include "vm/vm.h"

#define EXEC_CMD_MAX_PROGS 256

_Static_assert(WIRE_EXEC_PROC_DEPTH == 8, "--depth's help says 8");

static const struct cli_opt exec_cmd_opts[] = {
	{ "config", 'c', "FILE", 0,
	  "manager config (default: the built-in one)" },
	{ "raw", 0, NULL, 'R',
	  "the files are exec-encoded programs (include/exec.h);\n"
	  "without it, programs in syzkaller's text format over\n"
	  "descriptions/ (+ the config's syzkaller checkout),\n"
	  "parsed non-strictly: the fixes made are printed" },
	{ "threaded", 0, NULL, 'T', "each call in its own thread" },
	{ "collide", 0, NULL, 'C', "pairs of calls run concurrently" },
	{ "repeat", 0, "N", 'r', "run each program N times (default 1)" },
	{ "sandbox", 0, "S", 's',
	  "none (root) or setuid (nobody); default: the config's" },
	{ "cmps", 0, NULL, 'm', "collect comparison operands instead of PCs" },
	{ "nocover", 0, NULL, 'n', "no KCOV at all" },
	{ "call-timeout", 0, "MS", 'o',
	  "how long a threaded program waits for a call\n"
	  "(50; x10 under TCG)" },
	{ "timeout", 0, "MS", 't', "program timeout (5000; x10 under TCG)" },
	{ "kernel", 0, "BZIMAGE", 'k',
	  "kernel to boot (default: vm.kernel, else the\n"
	  "cached kernel of 'drmfuzz kernel build')" },
	{ "accel", 0, "A", 'a', "auto, kvm or tcg (default: vm.accel)" },
	{ "bench", 0, "SECONDS", 'b',
	  "run the programs round-robin for SECONDS, and the\n"
	  "ceiling (their calls in a tight loop in one process,\n"
	  "KCOV on) for as long, in 3 alternating rounds;\n"
	  "print exec/s, ceiling, ratio" },
	{ "depth", 0, "N", 'd',
	  "with --bench: requests in flight on the one proc\n"
	  "(1-8, default 8, as the fuzzer keeps: the next\n"
	  "programs are in the VM when one ends)" },
	CLI_OPT_END,
};

static const struct cli_cmd exec_cmd = {
	.usage =
		"usage: drmfuzz exec [-c CONFIG] [--threaded] [--collide] [--repeat N]\n"
		"                    [--sandbox none|setuid] [--cmps] [--nocover]\n"
		"                    [--call-timeout MS] [--timeout MS] [--kernel BZIMAGE]\n"
		"                    [--accel auto|kvm|tcg] [--bench SECONDS [--depth N]]\n"
		"                    [--raw] FILE...",
	.about =
		"Boots one VM, runs each program (--repeat N times) in drmfuzz-executor\n"
		"and prints per call: result, errno, KCOV PCs and comparisons. Exit\n"
		"status 0 when every program ran to its end, 1 when one crashed, timed\n"
		"out or failed, 2 on errors.",
	.opts = exec_cmd_opts,
};

static const char *errno_name(uint32_t e)
{
	static char buf[16];
	const char *n = e ? strerrorname_np((int)e) : NULL;

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "%u", e);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* @p: the program as text was parsed (call names), or NULL for --raw. */
static void print_result(const char *name, int run, const struct ipc_result *r,
			 const struct prog *p)
{
	printf("%s run %d: %s", name, run, ipc_status_name(r->status));
	if (r->status == WIRE_EXEC_CRASHED)
		printf(" (signal %u)", r->code);
	if (r->msg[0])
		printf(": %s", r->msg);
	printf("\n");
	for (uint32_t i = 0; i < r->n_calls; i++) {
		const struct ipc_call *c = &r->calls[i];

		if (p && c->index < p->n_calls)
			printf("  call %u %s: ", c->index,
			       p->calls[c->index]->meta->name);
		else
			printf("  call %u: ", c->index);
		if (c->flags & WIRE_CALL_FINISHED)
			printf("result %lld", (long long)c->ret);
		else
			printf("did not return");
		if (c->err)
			printf(" errno %s (%s)", errno_name(c->err),
			       strerror((int)c->err));
		printf(", %u PCs, %u comparisons%s%s%s\n", c->n_pcs, c->n_cmps,
		       c->flags & WIRE_CALL_BLOCKED ? ", blocked" : "",
		       c->flags & WIRE_CALL_COVER_OVERFLOW ?
			       ", cover overflow" :
			       "",
		       c->flags & WIRE_CALL_FAULT_INJECTED ?
			       ", fault injected" :
			       "");
	}
}

/* WIRE_BENCH for @ms: how many times @req's calls ran in a tight loop,
 * in how many microseconds (added to *@runs and *@us). */
static int ceiling(struct vm *vm, const struct wire_exec *req, uint32_t ms,
		   double *runs, double *us)
{
	struct buf p = { 0 }, reply = { 0 };
	struct wire_wr w;
	struct wire_rd r;
	uint16_t type = 0;
	uint64_t n, t;
	int err;

	err = buf_reserve(&p, req->prog_len + 64);
	if (err)
		return err;
	wire_wr_init(&w, p.data, req->prog_len + 64);
	wire_put_u32(&w, ms);
	wire_exec_encode(&w, req);
	err = w.err ?:
		      vm_request(vm, WIRE_BENCH, p.data, w.len,
				 (int)(ms + req->prog_timeout_ms) + 30000,
				 &type, &reply);
	if (!err && type != WIRE_BENCH_REPLY) {
		log_err("the executor refused the ceiling run (reply type %u)",
			type);
		err = -EINVAL;
	}
	if (!err) {
		wire_rd_init(&r, reply.data, reply.len);
		n = wire_get_u64(&r);
		t = wire_get_u64(&r);
		if (r.err || !t || !n) {
			err = -EBADMSG;
		} else {
			*runs += (double)n;
			*us += (double)t;
		}
	}
	buf_free(&p);
	buf_free(&reply);
	return err;
}

struct exec_cmd_args {
	const char *cfg_path, *kernel, *accel, *sandbox;
	int raw, repeat, bench, depth;
	struct wire_exec req;
};

static int boot(const struct exec_cmd_args *a, struct mgr_config *cfg,
		struct vm **vm, char **tmpdir)
{
	struct machine mach;
	struct wire_hello *hello = calloc(1, sizeof(*hello));
	char *logf = NULL;
	char tmpl[] = "/tmp/drmfuzz-exec-XXXXXX";
	int err;

	if (!hello)
		return -ENOMEM;
	err = machine_prepare(cfg, a->kernel, a->accel, &mach);
	if (err)
		goto out;
	if (!mkdtemp(tmpl) || !(*tmpdir = strdup(tmpl)) ||
	    !(logf = path_join(tmpl, "console.log"))) {
		log_err("cannot create a directory for the console log: %s",
			strerror(errno));
		err = -EIO;
		goto out;
	}
	mach.opts.console_log = logf;
	err = vm_boot(&vm_qemu_ops, &mach.opts, 0, vm, hello);
	if (!err)
		log_info("VM up (%s, %.1f s), console log %s",
			 vm_accel_name(vm_accel_used(*vm)),
			 vm_boot_seconds(*vm), logf);
	if (!err && (a->req.flags & WIRE_EXEC_COVER) &&
	    !(hello->features & WIRE_FEAT_KCOV)) {
		log_warn(
			"the kernel has no working KCOV: running without coverage");
	}
out:
	free(hello);
	free(logf);
	machine_free(&mach);
	return err;
}

/* Parse @path (non-strict, fixes printed) and encode it into @enc. */
static int text_load(const struct syz_target *t, const char *path,
		     struct prog **out, struct buf *enc)
{
	struct prog_parse_opts po = { .strict = false };
	struct prog_diags d = { 0 };
	uint8_t *code = NULL;
	size_t len, code_len = 0;
	char *text;
	int err = file_read_all(path, EXEC_MAX_SIZE, &text, &len);

	if (err) {
		log_err("%s: cannot read: %s", path, strerror(-err));
		return err;
	}
	err = prog_parse(t, text, len, &po, out, &d);
	for (size_t i = 0; i < d.n; i++) {
		if (err)
			log_err("%s:%d:%d: %s", path, d.v[i].line, d.v[i].col,
				d.v[i].msg);
		else
			log_warn("%s:%d:%d: fixed: %s", path, d.v[i].line,
				 d.v[i].col, d.v[i].msg);
	}
	prog_diags_free(&d);
	free(text);
	if (err)
		return err;
	err = prog_encode(*out, &code, &code_len);
	if (err) {
		log_err("%s: cannot encode for the executor: %s", path,
			err == -ENOTSUP ? "a pseudo call the executor lacks" :
			err == -E2BIG	? "too big" :
					  strerror(-err));
		return err;
	}
	buf_reset(enc);
	err = buf_append(enc, code, code_len);
	free(code);
	return err;
}

static int run_all(struct vm *vm, struct exec_cmd_args *a, struct buf *progs,
		   struct prog **parsed, char **names, int n)
{
	char why[300];
	int rc = 0;

	for (int i = 0; i < n; i++) {
		for (int k = 0; k < a->repeat; k++) {
			struct ipc_result *r = NULL;
			int err;

			a->req.prog = (const uint8_t *)progs[i].data;
			a->req.prog_len = progs[i].len;
			err = ipc_exec(vm, &a->req, 30000, &r, why,
				       sizeof(why));
			if (err == -EINVAL) {
				log_err("%s: refused: %s", names[i], why);
				return 2;
			}
			if (err) {
				log_err("%s: the VM stopped answering: %s",
					names[i], strerror(-err));
				return 2;
			}
			print_result(names[i], k + 1, r, parsed[i]);
			if (r->status != WIRE_EXEC_OK)
				rc = 1;
			ipc_result_free(r);
		}
	}
	return rc;
}

struct bench_thread {
	struct vm *vm;
	struct wire_exec req;
	struct buf *progs;
	char **names;
	int n;
	double seconds, t0;
	uint64_t *next; /* programs handed out, all threads */
	int err;
	char why[300];
	const char *name; /* of the failed program */
};

/* One stream of requests: the next program of the mix, until time. */
static void *bench_thread(void *p)
{
	struct bench_thread *t = p;

	while (now_s() - t->t0 < t->seconds) {
		uint64_t k = __atomic_fetch_add(t->next, 1, __ATOMIC_RELAXED);
		struct buf *b = &t->progs[k % (uint64_t)t->n];
		struct ipc_result *r = NULL;

		t->req.prog = (const uint8_t *)b->data;
		t->req.prog_len = b->len;
		t->err = ipc_exec(t->vm, &t->req, 30000, &r, t->why,
				  sizeof(t->why));
		if (t->err) {
			t->name = t->names[k % (uint64_t)t->n];
			__atomic_fetch_sub(t->next, 1, __ATOMIC_RELAXED);
			break;
		}
		ipc_result_free(r);
	}
	return NULL;
}

/* The executor's stream for @seconds: programs run (added to *@runs). */
static int bench_stream(struct vm *vm, struct exec_cmd_args *a,
			struct buf *progs, char **names, int n, double seconds,
			uint64_t *runs)
{
	struct bench_thread t[WIRE_EXEC_PROC_DEPTH];
	pthread_t th[WIRE_EXEC_PROC_DEPTH];
	int started = 0, rc = 0;

	for (int i = 0; i < a->depth; i++) {
		t[i] = (struct bench_thread){ .vm = vm,
					      .req = a->req,
					      .progs = progs,
					      .names = names,
					      .n = n,
					      .seconds = seconds,
					      .t0 = now_s(),
					      .next = runs };
		if (pthread_create(&th[i], NULL, bench_thread, &t[i])) {
			log_err("cannot start a bench thread");
			rc = 2;
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < started; i++) {
		if (t[i].err) {
			log_err("%s: %s", t[i].name,
				t[i].err == -EINVAL ? t[i].why :
						      strerror(-t[i].err));
			rc = 2;
		}
	}
	return rc;
}

/*
 * The executor's rate against the ceiling's, in BENCH_ROUNDS rounds of
 * both (the host's load drifts: each round measures both under about the
 * same load); the totals give the rates, the rounds the spread.
 */
#define BENCH_ROUNDS 3

static int bench(struct vm *vm, struct exec_cmd_args *a, struct buf *progs,
		 char **names, int n)
{
	double c_runs[EXEC_CMD_MAX_PROGS] = { 0 },
	       c_us[EXEC_CMD_MAX_PROGS] = { 0 };
	double slice = (double)a->bench / BENCH_ROUNDS, dt = 0, rate, ceil_rate,
	       sum_inv = 0, lo = 1e9, hi = 0;
	uint32_t ms = (uint32_t)(slice * 1000 / n > 1 ? slice * 1000 / n : 1);
	uint64_t runs = 0;

	for (int round = 0; round < BENCH_ROUNDS; round++) {
		uint64_t before = runs;
		double t0 = now_s(), d, inv = 0;
		int rc = bench_stream(vm, a, progs, names, n, slice, &runs);

		if (rc)
			return rc;
		d = now_s() - t0;
		dt += d;
		for (int i = 0; i < n; i++) {
			double r_i = 0, us_i = 0;

			a->req.prog = (const uint8_t *)progs[i].data;
			a->req.prog_len = progs[i].len;
			if (ceiling(vm, &a->req, ms, &r_i, &us_i)) {
				log_err("%s: the ceiling run failed", names[i]);
				return 2;
			}
			c_runs[i] += r_i;
			c_us[i] += us_i;
			inv += us_i / 1e6 / r_i;
		}
		/* This round's ratio: its exec/s over its mix ceiling. */
		rate = (double)(runs - before) / d / ((double)n / inv);
		printf("round %d:   %.1f exec/s, ceiling %.1f runs/s, ratio "
		       "%.2f\n",
		       round + 1, (double)(runs - before) / d, (double)n / inv,
		       rate);
		lo = rate < lo ? rate : lo;
		hi = rate > hi ? rate : hi;
	}
	for (int i = 0; i < n; i++) {
		double r_i = c_runs[i] * 1e6 / c_us[i];

		printf("ceiling %-30s %10.1f runs/s\n", names[i], r_i);
		sum_inv += 1.0 / r_i;
	}
	/* The mix in a tight loop: one run of each program per round. */
	ceil_rate = (double)n / sum_inv;
	rate = (double)runs / dt;
	printf("executor:  %.1f exec/s (%llu programs in %.1f s, %d in flight, "
	       "%s%s%s)\n",
	       rate, (unsigned long long)runs, dt, a->depth,
	       a->req.flags & WIRE_EXEC_COVER ? "cover" :
	       a->req.flags & WIRE_EXEC_CMPS  ? "comparisons" :
						"no cover",
	       a->req.flags & WIRE_EXEC_THREADED ? ", threaded" : "",
	       a->req.sandbox ? ", setuid" : "");
	printf("ceiling:   %.1f runs/s\n", ceil_rate);
	printf("ratio:     %.2f (%d rounds: %.2f-%.2f)\n", rate / ceil_rate,
	       BENCH_ROUNDS, lo, hi);
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	struct exec_cmd_args a = { 0 };
	struct mgr_config *cfg = NULL;
	struct buf progs[EXEC_CMD_MAX_PROGS] = { { 0 } };
	struct prog *parsed[EXEC_CMD_MAX_PROGS] = { 0 };
	struct syz_target *target = NULL;
	struct vm *vm = NULL;
	char *tmpdir = NULL;
	struct machine_timeouts to;
	uint32_t prog_to = 0, call_to = 0;
	struct cli_parser p;
	unsigned long v;
	int c, n = 0, rc = 2, cover = 1, cmps = 0;

	a.repeat = 1;
	a.depth = WIRE_EXEC_PROC_DEPTH;
	cli_start(&p, &exec_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case 'c':
			a.cfg_path = optarg;
			break;
		case 'T':
			a.req.flags |= WIRE_EXEC_THREADED;
			break;
		case 'C':
			a.req.flags |= WIRE_EXEC_THREADED | WIRE_EXEC_COLLIDE;
			break;
		case 'r':
			if (cli_number(optarg, 1, 1000000, &v))
				goto bad;
			a.repeat = (int)v;
			break;
		case 's':
			a.sandbox = optarg;
			break;
		case 'm':
			cmps = 1;
			break;
		case 'n':
			cover = 0;
			break;
		case 'o':
			if (cli_number(optarg, 1, WIRE_EXEC_MAX_TIMEOUT_MS, &v))
				goto bad;
			call_to = (uint32_t)v;
			break;
		case 't':
			if (cli_number(optarg, 1, WIRE_EXEC_MAX_TIMEOUT_MS, &v))
				goto bad;
			prog_to = (uint32_t)v;
			break;
		case 'k':
			a.kernel = optarg;
			break;
		case 'a':
			a.accel = optarg;
			break;
		case 'b':
			if (cli_number(optarg, 1, 3600, &v))
				goto bad;
			a.bench = (int)v;
			break;
		case 'd':
			if (cli_number(optarg, 1, WIRE_EXEC_PROC_DEPTH, &v))
				goto bad;
			a.depth = (int)v;
			break;
		case 'R':
			a.raw = 1;
			break;
		}
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind == argc) {
		cli_usage(stderr, &exec_cmd);
		return 2;
	}
	if (argc - optind > EXEC_CMD_MAX_PROGS) {
		log_err("at most %d programs", EXEC_CMD_MAX_PROGS);
		return 2;
	}
	if (a.cfg_path ? config_load(a.cfg_path, &cfg) :
			 !(cfg = config_default()))
		return 2;
	if (!a.sandbox)
		a.sandbox = cfg->sandbox ? cfg->sandbox : "none";
	if (!strcmp(a.sandbox, "none")) {
		a.req.sandbox = WIRE_SANDBOX_NONE;
	} else if (!strcmp(a.sandbox, "setuid")) {
		a.req.sandbox = WIRE_SANDBOX_SETUID;
	} else {
		log_err("sandbox '%s': expected none or setuid", a.sandbox);
		goto out;
	}
	if (cover)
		a.req.flags |= cmps ? WIRE_EXEC_CMPS : WIRE_EXEC_COVER;
	if (!a.raw && target_load(cfg, NULL, &target))
		goto out;
	for (int i = optind; i < argc; i++, n++) {
		int e;

		if (!a.raw) {
			if (text_load(target, argv[i], &parsed[n], &progs[n]))
				goto out;
			continue;
		}
		e = file_read_all(argv[i], EXEC_MAX_SIZE, &progs[n].data,
				  &progs[n].len);
		if (e) {
			log_err("%s: cannot read: %s", argv[i], strerror(-e));
			goto out;
		}
	}
	if (boot(&a, cfg, &vm, &tmpdir))
		goto out;
	to = machine_timeouts(vm_accel_used(vm));
	a.req.prog_timeout_ms = prog_to ? prog_to : to.prog_ms;
	a.req.call_timeout_ms = call_to ? call_to : to.call_ms;
	if (a.req.call_timeout_ms > a.req.prog_timeout_ms)
		a.req.call_timeout_ms = a.req.prog_timeout_ms;
	rc = a.bench ? bench(vm, &a, progs, argv + optind, n) :
		       run_all(vm, &a, progs, parsed, argv + optind, n);
out:
	vm_free(vm);
	for (int i = 0; i <= n && i < EXEC_CMD_MAX_PROGS; i++) {
		buf_free(&progs[i]);
		prog_free(parsed[i]);
	}
	syz_target_free(target);
	free(tmpdir);
	config_free(cfg);
	return rc;
bad:
	fprintf(stderr, "drmfuzz exec: bad option value '%s'\n", optarg);
	cli_usage(stderr, &exec_cmd);
	return 2;
}
