/* The manager: VMs, the fuzzer core, crashes, persistence, status. */
#include "manager.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "config/config.h"
#include "crashdb/crashdb.h"
#include "fuzzer/fuzzer.h"
#include "machine.h"
#include "manager/executor_client.h"
#include "manager/stats.h"
#include "prog/prog.h"
#include "repro/log.h"
#include "report/report.h"
#include "report/symbolize.h"
#include "store/corpus.h"
#include "syzlang/select.h"
#include "syzlang/target.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/datadir.h"
#include "util/fileio.h"
#include "util/log.h"
#include "vm/qemu.h"
#include "vm/vm.h"
#include "web/web.h"

/* Programs a VM's crash log can show: the last ones sent, at most this
 * many and at most PROG_LOG_AGE_S old. */
#define PROG_LOG_MAX 4096
#define PROG_LOG_AGE_S 600

/* Consecutive boots that fail before the manager gives up. */
#define MAX_BOOT_FAILURES 3

static atomic_bool stop_requested;

void manager_request_stop(void)
{
	atomic_store(&stop_requested, true);
}

struct manager {
	const struct manager_opts *o;
	const struct mgr_config *cfg;
	struct syz_target *target;
	struct syz_selection *sel;
	struct corpus_db *db;
	struct crashdb *crashes;
	struct fuzzer *fuzzer;
	struct symbolizer *sym;
	struct stats stats;
	struct web_server *web;
	pthread_mutex_t lock; /* db, crashes, symbolizer */
	struct machine mach;
	char *workdir;
	struct executor_client_opts client_opts;
	atomic_bool fatal;
	char release[WIRE_RELEASE_MAX];
	bool cmps;
	struct repro_opts log_opts; /* how programs run, for the crash log */
};

struct instance;

/* A fuzzing thread with its own client of the executor, on one of the
 * executor's procs in the VM (FUZZ_THREADS_PER_PROC threads share each). */
struct fuzz_thread {
	struct instance *in;
	int executor_proc; /* the executor's proc its programs run in */
	pthread_t thread;
	struct executor_client *client;
	struct prog_rand r;
	int err; /* what stopped it */
};

struct instance {
	struct manager *m;
	int index;
	pthread_t thread;
	struct vm *vm;
	struct fuzz_thread *threads; /* cfg->procs * FUZZ_THREADS_PER_PROC */
	int n_threads;
	pthread_mutex_t lock; /* console, console_off, stream, first_err */
	struct report_stream *stream;
	struct repro_ring *sent; /* the programs sent since the boot */
	FILE *console;
	long console_off;
	atomic_bool stop; /* a thread saw the machine fail: all of them stop */
	int first_err; /* the error of the thread that saw it first */
	uint64_t seed;
	int boot_failures;
};

/* ---- persistence hooks ---- */

static void on_new_input(void *ctx, const char *text,
			 const struct signal_set *sig, bool from_candidate)
{
	struct manager *m = ctx;

	pthread_mutex_lock(&m->lock);
	if (corpus_db_put(m->db, text, sig, m->release) < 0)
		log_warn("corpus: could not save a new input");
	pthread_mutex_unlock(&m->lock);
	(void)from_candidate;
}

static void save_state(struct manager *m, const struct stats_snapshot *s)
{
	struct signal_set max = { 0 };

	if (fuzzer_get_max_signal(m->fuzzer, &max) == 0) {
		pthread_mutex_lock(&m->lock);
		corpus_db_save_max_signal(m->db, &max);
		corpus_db_set_stat(m->db, "uptime_s", s->uptime_s);
		corpus_db_set_stat(m->db, "execs", s->execs);
		pthread_mutex_unlock(&m->lock);
	}
	signal_free(&max);
}

/* ---- crashes ---- */

static void save_crash(struct manager *m, struct instance *in,
		       struct report *rep, const char *log, size_t len)
{
	struct crashdb_saved saved;
	char *sym = NULL;
	size_t sym_len;

	pthread_mutex_lock(&m->lock);
	if (m->sym && rep->text &&
	    !symbolizer_text(m->sym, rep->text, rep->text_len, &sym,
			     &sym_len)) {
		free(rep->text);
		rep->text = sym;
		rep->text_len = sym_len;
	}
	if (!crashdb_save(m->crashes, rep, log, len, &saved)) {
		atomic_fetch_add(&m->stats.crashes, 1);
		if (saved.is_new)
			atomic_fetch_add(&m->stats.crash_types, 1);
		log_info("vm-%d: crash: %s%s%s (%llu so far) -> %s/crashes/%s",
			 in->index, rep->title, saved.is_new ? " [new]" : "",
			 saved.known ? " [known]" : "",
			 (unsigned long long)saved.count, m->workdir, saved.id);
	}
	pthread_mutex_unlock(&m->lock);
}

/* Read the console log's new bytes into the crash detector. */
static void console_poll(struct instance *in)
{
	if (!in->console && in->vm)
		in->console = fopen(vm_console_path(in->vm), "rb");
	if (!in->console)
		return;
	report_stream_feed_file(in->stream, in->console, &in->console_off);
}

/*
 * The machine stopped answering (@err) or its console shows a crash:
 * find out which, store it. @err is 0 when the console monitor stopped it.
 */
static void handle_loss(struct instance *in, int err)
{
	struct manager *m = in->m;
	struct report *rep = NULL;
	const char *data;
	size_t len;

	console_poll(in);
	data = report_stream_data(in->stream, &len);
	if (report_stream_crashed(in->stream))
		report_stream_parse(in->stream, &rep);
	if (!rep && err == -ETIMEDOUT)
		rep = report_new_no_output(data, len);
	else if (!rep && err)
		rep = report_new_lost_connection(data, len);
	if (rep) {
		struct buf log = { 0 };

		/* The console with the programs of the last minutes, in
		 * syzkaller's log form; the bare console if that fails. */
		/* The stream keeps the console's tail: where it starts. */
		uint64_t base = (uint64_t)in->console_off > len ?
					(uint64_t)in->console_off - len :
					0;

		if (repro_ring_merge(in->sent, data, len, base,
				     (double)time(NULL) - PROG_LOG_AGE_S,
				     &log) == 0 &&
		    log.data)
			save_crash(m, in, rep, log.data, log.len);
		else
			save_crash(m, in, rep, data, len);
		buf_free(&log);
		report_free(rep);
	}
}

/* Remember @p as sent to @ft's proc, where the console stands now. */
static void record_sent(struct instance *in, const struct fuzz_thread *ft,
			const struct prog *p)
{
	struct stat st;
	uint64_t off = 0;
	char *text = prog_print(p);

	if (!text)
		return;
	if (in->vm && !stat(vm_console_path(in->vm), &st))
		off = (uint64_t)st.st_size;
	repro_ring_add(in->sent, ft->executor_proc, &in->m->log_opts, text, off,
		       (double)time(NULL));
	free(text);
}

/* ---- instances ---- */

/* The console's crash detector says the machine crashed. */
static bool console_crashed(struct instance *in)
{
	bool crashed;

	pthread_mutex_lock(&in->lock);
	console_poll(in);
	crashed = report_stream_crashed(in->stream) &&
		  report_stream_complete(in->stream);
	pthread_mutex_unlock(&in->lock);
	return crashed;
}

/* The fuzzer's exec function for a fuzzing thread (@ctx). */
static int fuzz_thread_run(void *ctx, const struct prog *p, unsigned flags,
			   struct fuzz_exec_result *res)
{
	struct fuzz_thread *ft = ctx;
	struct instance *in = ft->in;
	int err;

	if (atomic_load(&stop_requested) || atomic_load(&in->stop))
		return -EINTR;
	record_sent(in, ft, p);
	err = executor_client_run(
		ft->client, p,
		(flags & FUZZ_EXEC_CMPS) ? EXECUTOR_CLIENT_CMPS : 0, res);
	if (err)
		return err;
	atomic_fetch_add(&in->m->stats.execs, 1);
	/* A crash that did not kill the machine (lockdep, a WARNING
	 * without panic_on_warn): stop and restart it. */
	if (console_crashed(in))
		return -ECANCELED;
	return 0;
}

/*
 * A fuzzing thread's loop. The first thread to fail stops its siblings: the
 * machine is given up on (their requests fail at once) and its error is
 * the one the instance handles.
 */
static void *fuzz_thread_main(void *arg)
{
	struct fuzz_thread *ft = arg;
	struct instance *in = ft->in;
	int err = 0;

	while (!atomic_load(&stop_requested) && !atomic_load(&in->stop)) {
		err = fuzzer_step(in->m->fuzzer, &ft->r, fuzz_thread_run, ft);
		if (err)
			break;
	}
	ft->err = err;
	if (err && err != -EINTR) {
		pthread_mutex_lock(&in->lock);
		if (!atomic_load(&in->stop)) {
			in->first_err = err;
			atomic_store(&in->stop, true);
			vm_cancel(in->vm, err);
		}
		pthread_mutex_unlock(&in->lock);
	}
	return NULL;
}

static int inst_boot(struct instance *in)
{
	struct manager *m = in->m;
	struct vm_opts vo = m->mach.opts;
	struct wire_hello hello;
	struct buf log = { 0 };
	int err;

	buf_printf(&log, "%s/vm-%d", m->workdir, in->index);
	dir_create(log.data, 0755);
	buf_puts(&log, "/console.log");
	vo.console_log = log.data;
	err = vm_boot(&vm_qemu_ops, &vo, 0, &in->vm, &hello);
	buf_free(&log);
	if (err)
		return err;
	if (!(hello.features & WIRE_FEAT_KCOV))
		log_warn(
			"vm-%d: KCOV does not work in this kernel: fuzzing blind (%s)",
			in->index, hello.notes);
	m->cmps = hello.features & WIRE_FEAT_KCOV_CMP;
	snprintf(m->release, sizeof(m->release), "%s", hello.release);
	report_stream_reset(in->stream);
	repro_ring_reset(in->sent);
	in->console_off = 0;
	for (int i = 0; i < in->n_threads; i++) {
		struct executor_client_opts co = m->client_opts;

		co.executor_proc = in->threads[i].executor_proc;
		co.queued_ahead = FUZZ_THREADS_PER_PROC - 1;
		err = executor_client_new(in->vm, m->target, &co,
					  &in->threads[i].client);
		if (err)
			return err;
	}
	return 0;
}

static void inst_shutdown(struct instance *in)
{
	for (int i = 0; i < in->n_threads; i++) {
		executor_client_free(in->threads[i].client);
		in->threads[i].client = NULL;
	}
	if (in->console)
		fclose(in->console);
	in->console = NULL;
	vm_free(in->vm);
	in->vm = NULL;
}

/* Fuzz on the booted machine with all threads until one of them stops;
 * returns that thread's error (or -EINTR on a requested stop). */
static int inst_fuzz(struct instance *in)
{
	int started = 0, err;

	atomic_store(&in->stop, false);
	in->first_err = 0;
	for (; started < in->n_threads; started++) {
		struct fuzz_thread *ft = &in->threads[started];

		ft->err = 0;
		if (pthread_create(&ft->thread, NULL, fuzz_thread_main, ft)) {
			log_err("vm-%d: cannot start fuzzing thread %d",
				in->index, started);
			pthread_mutex_lock(&in->lock);
			if (!atomic_load(&in->stop)) {
				in->first_err = -EAGAIN;
				atomic_store(&in->stop, true);
				vm_cancel(in->vm, -EAGAIN);
			}
			pthread_mutex_unlock(&in->lock);
			break;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(in->threads[i].thread, NULL);
	err = in->first_err;
	return err ? err : -EINTR;
}

static void *inst_main(void *arg)
{
	struct instance *in = arg;
	struct manager *m = in->m;

	while (!atomic_load(&stop_requested) && !atomic_load(&m->fatal)) {
		int err = inst_boot(in);

		if (err) {
			handle_loss(in, 0);
			inst_shutdown(in);
			if (++in->boot_failures >= MAX_BOOT_FAILURES) {
				log_err("vm-%d: %d boots in a row failed; stopping (see the errors above)",
					in->index, in->boot_failures);
				atomic_store(&m->fatal, true);
				break;
			}
			continue;
		}
		in->boot_failures = 0;
		atomic_fetch_add(&m->stats.vms, 1);
		err = inst_fuzz(in);
		atomic_fetch_sub(&m->stats.vms, 1);
		if (!atomic_load(&stop_requested)) {
			handle_loss(in, err == -ECANCELED ? 0 : err);
			atomic_fetch_add(&m->stats.vm_restarts, 1);
		}
		inst_shutdown(in);
	}
	return NULL;
}

/* ---- start-up ---- */

static int load_target(struct manager *m)
{
	size_t n_missing = 0;
	int err;

	err = target_load(m->cfg, NULL, &m->target);
	if (err)
		return err;
	err = target_select(m->target, m->cfg, NULL, &m->sel);
	if (err)
		return err;
	for (size_t i = 0; i < m->sel->n_calls; i++)
		if (!m->sel->enabled[i] && m->sel->reason[i] &&
		    strstr(m->sel->reason[i], "creates"))
			n_missing++;
	if (n_missing)
		log_warn(
			"%zu calls are disabled because no enabled call creates a resource they need; 'drmfuzz syscalls -c CONFIG --why' lists them",
			n_missing);
	log_info("%zu of %zu syscalls enabled", m->sel->n_enabled,
		 m->target->n_calls);
	if (!m->sel->n_enabled) {
		log_err("no syscall is enabled: check enable_syscalls/disable_syscalls with 'drmfuzz syscalls -c CONFIG --why'");
		return -EINVAL;
	}
	return 0;
}

struct load_ctx {
	struct manager *m;
	size_t loaded, skipped, broken;
};

static int load_one(const struct corpus_entry *e, void *arg)
{
	struct load_ctx *l = arg;
	struct prog_parse_opts po = { .strict = false };
	struct prog_diags d = { 0 };
	struct prog *p = NULL;

	if (prog_parse(l->m->target, e->prog, strlen(e->prog), &po, &p, &d)) {
		l->broken++;
	} else {
		int r = fuzzer_add_candidate(l->m->fuzzer, p);

		if (r == -EPERM)
			l->skipped++; /* kept in the database for later runs */
		else if (!r)
			l->loaded++;
	}
	prog_diags_free(&d);
	return 0;
}

/* Seed programs shipped with the descriptions start a new corpus. */
static void load_seeds(struct load_ctx *l)
{
	char *dir = datadir_path("descriptions/seeds");
	struct dirent *de;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		free(dir);
		return;
	}
	while ((de = readdir(d))) {
		struct corpus_entry e = { 0 };
		char *path, *text;
		size_t len;

		if (!strstr(de->d_name, ".prog"))
			continue;
		path = path_join(dir, de->d_name);
		if (path && !file_read_all(path, 1 << 20, &text, &len)) {
			e.prog = text;
			load_one(&e, l);
			free(text);
		}
		free(path);
	}
	closedir(d);
	free(dir);
}

static int load_corpus(struct manager *m)
{
	struct load_ctx l = { .m = m };
	int err;

	/*
	 * The saved max signal is not restored: the corpus is re-triaged
	 * against this kernel, and its signal must look new to do that.
	 */
	err = corpus_db_open(m->workdir, &m->db);
	if (err)
		return err;
	err = corpus_db_foreach(m->db, load_one, &l);
	if (err < 0)
		return err;
	if (!l.loaded && !l.skipped && !l.broken)
		load_seeds(&l);
	log_info(
		"corpus: %zu programs to re-triage, %zu kept but skipped (calls not enabled), %zu unparsable",
		l.loaded, l.skipped, l.broken);
	return 0;
}

static int prepare_machine(struct manager *m)
{
	return machine_prepare(m->cfg, NULL, NULL, &m->mach);
}

/* ---- status ---- */

static int api_stats(void *ctx, const char *query, struct buf *out)
{
	struct manager *m = ctx;
	struct stats_snapshot s;

	(void)query;
	stats_snapshot(&m->stats, &s);
	stats_format_json(&s, out);
	return 200;
}

static void refresh_stats(struct manager *m)
{
	struct fuzzer_counts c;

	fuzzer_counts(m->fuzzer, &c);
	atomic_store(&m->stats.corpus, (int64_t)c.corpus);
	atomic_store(&m->stats.signal, (int64_t)c.signal);
	atomic_store(&m->stats.coverage, (int64_t)c.coverage);
	atomic_store(&m->stats.triage_queue, (int64_t)c.queued);
}

static void csv_row(struct manager *m, const struct stats_snapshot *s)
{
	FILE *f;

	if (!m->o->stats_csv)
		return;
	f = fopen(m->o->stats_csv, "a");
	if (!f)
		return;
	if (ftell(f) == 0)
		fprintf(f,
			"uptime_s,execs,exec_per_s,corpus,signal,coverage,crashes\n");
	fprintf(f, "%lld,%lld,%.2f,%lld,%lld,%lld,%lld\n",
		(long long)s->uptime_s, (long long)s->execs, s->exec_per_s,
		(long long)s->corpus, (long long)s->signal,
		(long long)s->coverage, (long long)s->crashes);
	fclose(f);
}

static void on_signal(int sig)
{
	(void)sig;
	manager_request_stop();
}

int manager_run(const struct manager_opts *o)
{
	struct manager m = { .o = o, .cfg = o->cfg };
	struct instance *inst = NULL;
	struct web_route routes[] = {
		{ "/api/stats", "application/json", api_stats, &m },
	};
	struct fuzzer_opts fo = { 0 };
	int err, every = o->status_every_s > 0 ? o->status_every_s : 10;
	time_t t0 = time(NULL), last = 0;

	pthread_mutex_init(&m.lock, NULL);
	atomic_store(&stop_requested, false);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	m.workdir = strdup(o->cfg->workdir);
	if (!strcmp(o->cfg->type, "isolated")) {
		log_err("%s: type \"isolated\" (fuzzing over SSH) is not supported yet; use \"qemu\"",
			o->cfg->path ? o->cfg->path : "config");
		err = -ENOTSUP;
		goto out;
	}
	err = dir_create(m.workdir, 0755);
	if (err) {
		log_err("%s: cannot create the workdir: %s", m.workdir,
			strerror(-err));
		goto out;
	}
	err = load_target(&m);
	if (!err)
		err = prepare_machine(&m);
	if (err)
		goto out;
	m.client_opts.sandbox_setuid = !strcmp(o->cfg->sandbox, "setuid");
	m.client_opts.cover = o->cfg->cover;
	/* Each call in a thread of its own: a call that blocks does not
	 * hold up the program. */
	m.client_opts.threaded = true;
	m.log_opts = (struct repro_opts){
		.threaded = m.client_opts.threaded,
		.collide = m.client_opts.collide,
		.repeat = 1,
		.procs = o->cfg->procs > 0 ? o->cfg->procs : 1,
		.sandbox_setuid = m.client_opts.sandbox_setuid,
	};
	fo.target = m.target;
	fo.enabled = m.sel->enabled;
	fo.cmps = true;
	fo.no_feedback = o->no_feedback;
	fo.on_new_input = on_new_input;
	fo.hook_ctx = &m;
	err = fuzzer_new(&fo, &m.fuzzer);
	if (err)
		goto out;
	err = load_corpus(&m);
	if (err)
		goto out;
	err = crashdb_open(m.workdir, &m.crashes);
	if (err)
		goto out;
	if (o->cfg->known_bugs &&
	    crashdb_load_known(m.crashes, o->cfg->known_bugs) < 0)
		log_warn("%s: cannot read the known-bugs file",
			 o->cfg->known_bugs);
	if (m.mach.vmlinux &&
	    symbolizer_new(m.mach.vmlinux, o->cfg->kernel_src, &m.sym))
		log_warn("%s: cannot symbolize reports with it",
			 m.mach.vmlinux);
	stats_init(&m.stats, corpus_db_get_stat(m.db, "uptime_s", 0),
		   corpus_db_get_stat(m.db, "execs", 0));
	if (o->cfg->http && o->cfg->http[0] &&
	    web_start(o->cfg->http, routes, 1, &m.web) == 0)
		log_info("status: http://%s/api/stats", o->cfg->http);
	inst = calloc((size_t)o->cfg->vm.count, sizeof(*inst));
	if (!inst) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < o->cfg->vm.count; i++) {
		inst[i].m = &m;
		inst[i].index = i;
		inst[i].seed = (uint64_t)time(NULL) * 1000003u + (uint64_t)i;
		inst[i].stream = report_stream_new(0);
		inst[i].sent = repro_ring_new(PROG_LOG_MAX);
		pthread_mutex_init(&inst[i].lock, NULL);
		if (!inst[i].stream || !inst[i].sent) {
			err = -ENOMEM;
			goto out;
		}
		inst[i].n_threads = (o->cfg->procs > 0 ? o->cfg->procs : 1) *
				    FUZZ_THREADS_PER_PROC;
		inst[i].threads = calloc((size_t)inst[i].n_threads,
					 sizeof(*inst[i].threads));
		if (!inst[i].threads) {
			err = -ENOMEM;
			goto out;
		}
		for (int k = 0; k < inst[i].n_threads; k++) {
			inst[i].threads[k].in = &inst[i];
			inst[i].threads[k].executor_proc =
				k / FUZZ_THREADS_PER_PROC;
			prog_rand_seed(&inst[i].threads[k].r,
				       inst[i].seed * 31u + (uint64_t)k);
		}
	}
	for (int i = 0; i < o->cfg->vm.count; i++)
		pthread_create(&inst[i].thread, NULL, inst_main, &inst[i]);
	while (!atomic_load(&stop_requested) && !atomic_load(&m.fatal)) {
		struct stats_snapshot s;
		struct buf line = { 0 };

		usleep(200000);
		if (o->duration_s && time(NULL) - t0 >= o->duration_s)
			break;
		if (time(NULL) - last < every)
			continue;
		last = time(NULL);
		refresh_stats(&m);
		stats_snapshot(&m.stats, &s);
		stats_format_line(&s, &line);
		log_info("%s", line.data);
		buf_free(&line);
		csv_row(&m, &s);
		save_state(&m, &s);
	}
	log_info("stopping: saving the corpus and stats");
	manager_request_stop();
	for (int i = 0; i < o->cfg->vm.count; i++)
		pthread_join(inst[i].thread, NULL);
	{
		struct stats_snapshot s;

		refresh_stats(&m);
		stats_snapshot(&m.stats, &s);
		csv_row(&m, &s);
		save_state(&m, &s);
	}
	if (atomic_load(&m.fatal))
		err = -EIO;
out:
	for (int i = 0; inst && i < o->cfg->vm.count; i++) {
		report_stream_free(inst[i].stream);
		repro_ring_free(inst[i].sent);
		free(inst[i].threads);
		if (inst[i].m)
			pthread_mutex_destroy(&inst[i].lock);
	}
	free(inst);
	web_stop(m.web);
	fuzzer_free(m.fuzzer);
	symbolizer_free(m.sym);
	crashdb_close(m.crashes);
	corpus_db_close(m.db);
	syz_selection_free(m.sel);
	syz_target_free(m.target);
	machine_free(&m.mach);
	free(m.workdir);
	pthread_mutex_destroy(&m.lock);
	return err;
}
