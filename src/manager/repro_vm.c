/* Reproduction's machines (repro_vm.h). */
#include "repro_vm.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "executor_client.h"
#include "machine.h"
#include "prog/prog.h"
#include "report/report.h"
#include "report/symbolize.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"
#include "vm/vm.h"

/* Executor procs a test may use (the log's procs map onto them). */
#define MAX_PROCS 8

struct repro_vm {
	const struct mgr_config *cfg;
	const struct syz_target *t;
	struct machine mach;
	struct symbolizer *sym;
	char *dir; /* workdir/repro-vm */
	char *console_path;
	struct vm *vm;
	enum vm_accel accel;
	struct report_stream *stream;
	FILE *console;
	long console_off;
	pthread_mutex_t lock; /* console, stream */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned repro_vm_slowdown(const struct repro_vm *r)
{
	return machine_slowdown(r->accel);
}

int repro_vm_new(const struct mgr_config *cfg, const struct syz_target *t,
		 const char *workdir, const char *kernel, const char *accel,
		 struct repro_vm **out)
{
	struct repro_vm *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->cfg = cfg;
	r->t = t;
	r->accel = VM_ACCEL_AUTO;
	pthread_mutex_init(&r->lock, NULL);
	r->dir = path_join(workdir, "repro-vm");
	r->console_path = r->dir ? path_join(r->dir, "console.log") : NULL;
	r->stream = report_stream_new(0);
	if (!r->console_path || !r->stream) {
		repro_vm_free(r);
		return -ENOMEM;
	}
	err = dir_create(r->dir, 0755);
	if (err) {
		log_err("repro: cannot create %s: %s", r->dir, strerror(-err));
		repro_vm_free(r);
		return err;
	}
	err = machine_prepare(cfg, kernel, accel, &r->mach);
	if (err) {
		repro_vm_free(r);
		return err;
	}
	if (r->mach.vmlinux &&
	    symbolizer_new(r->mach.vmlinux, cfg->kernel_src, &r->sym))
		log_warn("repro: cannot symbolize reports with %s",
			 r->mach.vmlinux);
	*out = r;
	return 0;
}

static void shutdown_vm(struct repro_vm *r)
{
	if (r->console)
		fclose(r->console);
	r->console = NULL;
	vm_free(r->vm);
	r->vm = NULL;
}

void repro_vm_free(struct repro_vm *r)
{
	if (!r)
		return;
	shutdown_vm(r);
	symbolizer_free(r->sym);
	machine_free(&r->mach);
	report_stream_free(r->stream);
	pthread_mutex_destroy(&r->lock);
	free(r->console_path);
	free(r->dir);
	free(r);
}

static int boot(struct repro_vm *r, struct repro_outcome *o)
{
	struct vm_opts vo = r->mach.opts;
	struct wire_hello hello;
	int err;

	shutdown_vm(r);
	vo.console_log = r->console_path;
	err = vm_boot(&vm_qemu_ops, &vo, 0, &r->vm, &hello);
	if (err) {
		char why[160];

		snprintf(why, sizeof(why), "the machine did not boot: %s (%s)",
			 strerror(-err), r->console_path);
		o->infra = true;
		o->why = strdup(why);
		shutdown_vm(r);
		return err;
	}
	r->accel = vm_accel_used(r->vm);
	report_stream_reset(r->stream);
	r->console_off = 0;
	return 0;
}

/* Feed the console's new bytes to the crash detector. */
static void console_poll(struct repro_vm *r)
{
	pthread_mutex_lock(&r->lock);
	if (!r->console && r->vm)
		r->console = fopen(vm_console_path(r->vm), "rb");
	if (r->console)
		report_stream_feed_file(r->stream, r->console, &r->console_off);
	pthread_mutex_unlock(&r->lock);
}

static bool console_crashed(struct repro_vm *r)
{
	bool c;

	console_poll(r);
	pthread_mutex_lock(&r->lock);
	c = report_stream_crashed(r->stream);
	pthread_mutex_unlock(&r->lock);
	return c;
}

/* One executor proc's share of a test. */
struct proc_run {
	struct repro_vm *r;
	const struct repro_test *t;
	int proc; /* the log's proc */
	int executor_proc;
	double deadline;
	atomic_bool *stop;
	atomic_bool done;
	int err;
	pthread_t thread;
};

static void *proc_main(void *arg)
{
	struct proc_run *pr = arg;
	const struct repro_test *t = pr->t;
	struct executor_client_opts co = {
		.sandbox_setuid = t->opts.sandbox_setuid,
		.cover = false,
		.threaded = t->opts.threaded || t->opts.collide,
		.collide = t->opts.collide,
		.executor_proc = pr->executor_proc,
	};
	struct executor_client *c = NULL;
	struct fuzz_exec_result res;
	int rounds = t->opts.repeat > 0 ? t->opts.repeat : 0;

	pr->err = executor_client_new(pr->r->vm, pr->r->t, &co, &c);
	for (int round = 0; !pr->err && !atomic_load(pr->stop); round++) {
		if (rounds ? round >= rounds : now_s() >= pr->deadline)
			break;
		for (size_t i = 0; i < t->n && !pr->err; i++) {
			if (t->progs[i].proc != pr->proc)
				continue;
			if (atomic_load(pr->stop))
				break;
			pr->err =
				executor_client_run(c, t->progs[i].p, 0, &res);
		}
	}
	if (pr->err && !atomic_load(pr->stop)) {
		atomic_store(pr->stop, true);
		vm_cancel(pr->r->vm, pr->err);
	}
	executor_client_free(c);
	atomic_store(&pr->done, true);
	return NULL;
}

/* The machine crashed (or was lost: @err): its report into @o. */
static void collect(struct repro_vm *r, int err, double t_start,
		    struct repro_outcome *o)
{
	unsigned k = repro_vm_slowdown(r);
	double seen = now_s(), until = seen + 10.0 * k, quiet = seen;
	long off = -1;
	struct report *rep = NULL;
	const char *data;
	size_t len;

	/* The crash was seen now: the time to it excludes the wait below. */
	o->seconds = seen - t_start;
	/* The rest of the report: until it is complete, the console has
	 * been quiet for 2 s (a panic prints nothing after its end), or
	 * for at most 10 s (x the slowdown). */
	for (;;) {
		bool done;

		console_poll(r);
		pthread_mutex_lock(&r->lock);
		done = report_stream_crashed(r->stream) &&
		       report_stream_complete(r->stream);
		if (r->console_off != off) {
			off = r->console_off;
			quiet = now_s();
		}
		pthread_mutex_unlock(&r->lock);
		if (done || now_s() >= until || now_s() - quiet >= 2.0)
			break;
		/* Nobody else reads the console now: copy it into the log. */
		if (!r->vm || !vm_console_wait(r->vm, 100))
			usleep(100000);
	}
	pthread_mutex_lock(&r->lock);
	data = report_stream_data(r->stream, &len);
	if (report_stream_crashed(r->stream))
		report_stream_parse(r->stream, &rep);
	if (!rep && err == -ETIMEDOUT)
		rep = report_new_no_output(data, len);
	else if (!rep && err)
		rep = report_new_lost_connection(data, len);
	pthread_mutex_unlock(&r->lock);
	if (!rep)
		return;
	if (r->sym && rep->text) {
		char *sym = NULL;
		size_t sym_len;

		if (!symbolizer_text(r->sym, rep->text, rep->text_len, &sym,
				     &sym_len)) {
			free(rep->text);
			rep->text = sym;
			rep->text_len = sym_len;
		}
	}
	o->crashed = true;
	o->title = strdup(rep->title);
	o->report = rep->text ? strndup(rep->text, rep->text_len) : NULL;
	o->alt_titles =
		calloc(rep->n_alt ? rep->n_alt : 1, sizeof(*o->alt_titles));
	for (size_t i = 0; o->alt_titles && i < rep->n_alt; i++)
		if ((o->alt_titles[o->n_alt] = strdup(rep->alt_titles[i])))
			o->n_alt++;
	report_free(rep);
}

static int run_test(void *ctx, const struct repro_test *t,
		    struct repro_outcome *o)
{
	struct repro_vm *r = ctx;
	struct proc_run runs[MAX_PROCS];
	atomic_bool stop = false;
	int n_runs = 0, err = 0;
	double t_start;

	memset(o, 0, sizeof(*o));
	if ((t->fresh || !r->vm) && boot(r, o))
		return 0;
	/* The log's procs, in order of appearance, onto executor procs. */
	for (size_t i = 0; i < t->n; i++) {
		bool seen = false;

		for (int k = 0; k < n_runs; k++)
			seen |= runs[k].proc == t->progs[i].proc;
		if (seen)
			continue;
		if (n_runs == MAX_PROCS)
			break;
		runs[n_runs] = (struct proc_run){ .r = r,
						  .t = t,
						  .proc = t->progs[i].proc,
						  .executor_proc = n_runs,
						  .stop = &stop };
		n_runs++;
	}
	t_start = now_s();
	for (int k = 0; k < n_runs; k++)
		runs[k].deadline = t_start + t->duration_s;
	for (int k = 0; k < n_runs; k++) {
		if (pthread_create(&runs[k].thread, NULL, proc_main,
				   &runs[k])) {
			/* The others see stop and end; this one never ran. */
			atomic_store(&stop, true);
			vm_cancel(r->vm, -EAGAIN);
			runs[k].err = -EAGAIN;
			for (int i = 0; i < k; i++)
				pthread_join(runs[i].thread, NULL);
			shutdown_vm(r);
			o->infra = true;
			o->why = strdup("cannot start a thread");
			return 0;
		}
	}
	/* Watch the console while they run: a crash stops them at once. */
	for (;;) {
		bool running = false;

		for (int k = 0; k < n_runs; k++)
			running |= !atomic_load(&runs[k].done);
		if (!running)
			break;
		usleep(100000);
		if (!atomic_load(&stop) && console_crashed(r)) {
			atomic_store(&stop, true);
			vm_cancel(r->vm, -ECANCELED);
		}
	}
	for (int k = 0; k < n_runs; k++)
		pthread_join(runs[k].thread, NULL);
	for (int k = 0; k < n_runs && !err; k++)
		if (runs[k].err && runs[k].err != -ECANCELED)
			err = runs[k].err;
	if (console_crashed(r) || err) {
		if (err && !console_crashed(r))
			usleep(2000000); /* the kernel may still be printing */
		collect(r, err, t_start, o);
		shutdown_vm(r);
		return 0;
	}
	o->seconds = now_s() - t_start;
	return 0;
}

/* Build @csrc into @bin; -ENOEXEC with the compiler's words in o->why. */
static int build_c(struct repro_vm *r, const char *csrc, char **bin,
		   struct repro_outcome *o)
{
	char *src = path_join(r->dir, "repro.c");
	char *out = NULL;
	int code = 0, err;

	*bin = path_join(r->dir, "repro.bin");
	if (!src || !*bin) {
		free(src);
		return -ENOMEM;
	}
	err = file_write_atomic(src, csrc, strlen(csrc));
	if (!err) {
		char *argv[] = { "gcc",	  "-O2",     "-static", "-pthread",
				 "-Wall", "-Wextra", "-Werror", "-o",
				 *bin,	  src,	     NULL };

		err = spawn_capture(argv, 300000, &out, &code);
	}
	free(src);
	if (!err && code) {
		size_t n = out ? strlen(out) : 0;

		o->why = strndup(out ? out : "", n > 2000 ? 2000 : n);
		err = -ENOEXEC;
	} else if (err) {
		o->why = strdup(err == -ENOENT ? "gcc is not installed" :
						 strerror(-err));
		err = -ENOEXEC;
	}
	free(out);
	return err;
}

/* The console shows @what (a line /init writes). */
static bool console_says(struct repro_vm *r, const char *what)
{
	const char *data;
	size_t len;
	bool yes;

	console_poll(r);
	pthread_mutex_lock(&r->lock);
	data = report_stream_data(r->stream, &len);
	yes = memmem(data, len, what, strlen(what)) != NULL;
	pthread_mutex_unlock(&r->lock);
	return yes;
}

/*
 * Run a C reproducer in a fresh machine whose /init runs it instead of
 * the executor, until it crashes the kernel, exits, or @duration_s.
 */
static int run_c(void *ctx, const char *csrc, const struct repro_opts *opts,
		 int duration_s, struct repro_outcome *o)
{
	struct repro_vm *r = ctx;
	struct vm_qemu_config q = r->mach.qemu;
	struct vm_opts vo = r->mach.opts;
	char *bin = NULL, *initrd = NULL, *log = NULL;
	double t_boot, t_start = 0, boot_limit;
	int err;

	(void)opts;
	memset(o, 0, sizeof(*o));
	err = build_c(r, csrc, &bin, o);
	if (err) {
		free(bin);
		return err;
	}
	err = vm_initramfs_c(bin, (const char *const *)r->mach.modules,
			     r->mach.n_modules, &initrd);
	free(bin);
	if (err) {
		o->infra = true;
		o->why = strdup("cannot make the reproducer's initramfs");
		return 0;
	}
	shutdown_vm(r);
	q.initrd = initrd;
	vo.config = &q;
	log = path_join(r->dir, "console-c.log");
	vo.console_log = log;
	err = log ? vm_start(&vm_qemu_ops, &vo, &r->vm) : -ENOMEM;
	if (err) {
		o->infra = true;
		o->why = strdup("the machine did not start");
		goto out;
	}
	r->accel = vm_accel_used(r->vm);
	report_stream_reset(r->stream);
	r->console_off = 0;
	t_boot = now_s();
	boot_limit = t_boot + 30.0 * repro_vm_slowdown(r);
	for (;;) {
		if (!vm_console_wait(r->vm, 200))
			usleep(200000); /* the console closed: read what is left */
		if (console_crashed(r)) {
			collect(r, 0, t_start ? t_start : now_s(), o);
			break;
		}
		if (!t_start &&
		    console_says(r, "drmfuzz: init done, starting the C"))
			t_start = now_s();
		if (!t_start && now_s() > boot_limit) {
			o->infra = true;
			o->why = strdup(
				"the machine did not reach /init in time");
			break;
		}
		if (t_start &&
		    (now_s() - t_start >= duration_s ||
		     console_says(r, "drmfuzz: the C reproducer exited"))) {
			o->seconds = now_s() - t_start;
			break;
		}
	}
	shutdown_vm(r);
out:
	free(initrd);
	free(log);
	return 0;
}

void repro_vm_runner(struct repro_vm *r, struct repro_runner *out)
{
	memset(out, 0, sizeof(*out));
	out->run = run_test;
	out->run_c = run_c;
	out->ctx = r;
}
