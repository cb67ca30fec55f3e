/* drmfuzz repro: from a crash log or crash directory to a reproducer. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"
#include "config/config.h"
#include "crashdb/crashdb.h"
#include "csource/csource.h"
#include "manager/repro_vm.h"
#include "report/report.h"
#include "repro/log.h"
#include "repro/repro.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"

enum {
	OPT_TITLE = 256,
	OPT_KERNEL,
	OPT_ACCEL,
	OPT_BUDGET,
	OPT_RUNS,
	OPT_SINGLE,
	OPT_MAX_PROGS,
	OPT_OUT,
};

static const struct cli_opt repro_opts_table[] = {
	{ "config", 'c', "FILE", 0,
	  "manager config (descriptions, modules, kernel, VM);\n"
	  "default: the built-in one" },
	{ "title", 0, "TITLE", OPT_TITLE,
	  "the crash to reproduce (default: the log's report's\n"
	  "title, or the crash directory's description)" },
	{ "out", 'o', "DIR", OPT_OUT,
	  "where the results go (default: the crash directory,\n"
	  "or LOG.repro/ for a log file)" },
	{ "kernel", 0, "BZIMAGE", OPT_KERNEL, "boot this kernel instead" },
	{ "accel", 0, "auto|kvm|tcg", OPT_ACCEL, "QEMU accelerator" },
	{ "budget", 0, "SECONDS", OPT_BUDGET,
	  "time for the whole reproduction (default 3600)" },
	{ "runs", 0, "N", OPT_RUNS,
	  "fresh machines for the reliability figure (default 10)" },
	{ "single", 0, "SECONDS", OPT_SINGLE,
	  "how long one program repeats before it counts as\n"
	  "not crashing (default 5, x10 under TCG)" },
	{ "max-progs", 0, "N", OPT_MAX_PROGS,
	  "newest programs of the log to consider (default 100)" },
	CLI_OPT_END,
};

static const struct cli_cmd repro_cmd = {
	.usage =
		"usage: drmfuzz repro [-c CONFIG] [--title TITLE] [-o DIR] "
		"[--budget S]\n"
		"                     [--runs N] [--single S] [--max-progs N]\n"
		"                     [--kernel BZIMAGE] [--accel A] LOG|CRASHDIR",
	.about =
		"Boots VMs and turns a crash into a reproducer: finds the programs\n"
		"in the log (syzkaller's form: 'executing program P:'), tries single\n"
		"programs (the crashed task's proc first), then the newest programs\n"
		"together, bisected and merged; minimizes the program, simplifies how\n"
		"it runs, measures its reliability in fresh VMs and tries the C\n"
		"program. Only a crash with the same title counts; another bug is\n"
		"reported as such and never kept. CRASHDIR is a drmfuzz or syzkaller\n"
		"crash directory (description, logN, reportN).",
	.opts = repro_opts_table,
	.footer =
		"Results, syzkaller's names: repro.prog, repro.cprog, repro.log (what\n"
		"was tried), repro.report, repro.json (state, reliability, options,\n"
		"which calls race). Exit status 0 reproduced, 1 not, 2 on errors.",
};

struct input {
	char *title;
	char **alts;
	size_t n_alt;
	char *log; /* the crash log's text */
	size_t log_len;
	char *report; /* for the Comm hint */
	char *dir; /* a crash directory, or NULL */
	char *log_path;
};

static void input_free(struct input *in)
{
	free(in->title);
	for (size_t i = 0; i < in->n_alt; i++)
		free(in->alts[i]);
	free(in->alts);
	free(in->log);
	free(in->report);
	free(in->dir);
	free(in->log_path);
}

static char *read_text(const char *dir, const char *name)
{
	char *p = path_join(dir, name), *data = NULL;
	size_t len;

	if (p && file_read_all(p, 256u << 20, &data, &len))
		data = NULL;
	free(p);
	return data;
}

/* The newest logN of a crash directory (by mtime). */
static char *newest_log(const char *dir, int *slot)
{
	double best = -1;
	char *path = NULL;

	*slot = -1;
	for (int i = 0; i < CRASHDB_MAX_LOGS; i++) {
		char name[32], *p;
		struct stat st;

		snprintf(name, sizeof(name), "log%d", i);
		p = path_join(dir, name);
		if (p && !stat(p, &st) &&
		    st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9 > best) {
			best = st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
			free(path);
			path = p;
			*slot = i;
			continue;
		}
		free(p);
	}
	return path;
}

static int load_dir(const char *dir, struct input *in)
{
	char name[32], *desc = read_text(dir, "description"), *meta;
	size_t len;
	int slot, err;

	in->dir = strdup(dir);
	in->log_path = newest_log(dir, &slot);
	if (!in->log_path) {
		log_err("repro: %s: no log0..log%d: not a crash directory", dir,
			CRASHDB_MAX_LOGS - 1);
		free(desc);
		return -ENOENT;
	}
	err = file_read_all(in->log_path, 256u << 20, &in->log, &in->log_len);
	if (err) {
		log_err("repro: %s: %s", in->log_path, strerror(-err));
		free(desc);
		return err;
	}
	snprintf(name, sizeof(name), "report%d", slot);
	in->report = read_text(dir, name);
	if (desc) {
		len = strcspn(desc, "\n");
		desc[len] = 0;
		if (!in->title && len)
			in->title = strdup(desc);
		free(desc);
	}
	meta = read_text(dir, "meta.json");
	if (meta) {
		json_t *m = json_loads(meta, 0, NULL);
		json_t *alts = json_object_get(m, "alt_titles");

		in->alts = calloc(json_array_size(alts) + 1, sizeof(*in->alts));
		for (size_t i = 0; in->alts && i < json_array_size(alts); i++) {
			const char *a =
				json_string_value(json_array_get(alts, i));

			if (a && (in->alts[in->n_alt] = strdup(a)))
				in->n_alt++;
		}
		json_decref(m);
		free(meta);
	}
	return 0;
}

static int load_log(const char *path, struct input *in)
{
	struct report *rep = NULL;
	int err;

	in->log_path = strdup(path);
	err = file_read_all(path, 256u << 20, &in->log, &in->log_len);
	if (err) {
		log_err("repro: %s: cannot read: %s", path, strerror(-err));
		return err;
	}
	if (report_parse(in->log, in->log_len, &rep) == 0 && rep) {
		if (!in->title)
			in->title = strdup(rep->title);
		in->alts = calloc(rep->n_alt + 1, sizeof(*in->alts));
		for (size_t i = 0; in->alts && i < rep->n_alt; i++)
			if ((in->alts[in->n_alt] = strdup(rep->alt_titles[i])))
				in->n_alt++;
		if (rep->text)
			in->report = strndup(rep->text, rep->text_len);
		report_free(rep);
	}
	return 0;
}

/* repro's C writer: csource with the machine's timeouts. */
static int write_c(void *ctx, const struct prog *p, const struct repro_opts *ro,
		   struct buf *out, char *err, size_t cap)
{
	struct repro_vm *vm = ctx;
	struct csource_opts o;
	int k = (int)repro_vm_slowdown(vm);

	csource_opts_default(&o);
	o.threaded = ro->threaded;
	o.collide = ro->collide;
	o.repeat = ro->repeat;
	o.procs = ro->procs;
	o.sandbox = ro->sandbox_setuid ? CSOURCE_SANDBOX_SETUID :
					 CSOURCE_SANDBOX_NONE;
	o.call_timeout_ms *= k;
	o.prog_timeout_ms *= k;
	return csource_write(p, &o, out, err, cap);
}

static int write_results(const char *dir, const struct repro_result *res,
			 const char *title)
{
	char *prog = repro_result_prog(res), *json;
	struct crashdb_repro cr = {
		.state = repro_state_name(res->state),
		.prog = prog,
		.cprog = res->csource,
		.log = res->log.data,
		.report = res->report,
	};
	int err;

	json = repro_result_json(res, title);
	cr.json = json;
	err = crashdb_save_repro(dir, &cr);
	free(prog);
	free(json);
	return err;
}

int cmd_repro(int argc, char **argv)
{
	const char *cfg_path = NULL, *title = NULL, *out = NULL;
	const char *kernel = NULL, *accel = NULL;
	struct repro_params p = { .comm_proc = -1 };
	struct mgr_config *cfg = NULL;
	struct syz_target *t = NULL;
	struct repro_vm *vm = NULL;
	struct repro_runner runner;
	struct repro_log log = { 0 };
	struct repro_result res = { 0 };
	struct input in = { 0 };
	struct cli_parser cp;
	unsigned long v;
	char *outdir = NULL;
	int c, rc = 2, err;

	cli_start(&cp, &repro_cmd);
	while ((c = cli_next(&cp, argc, argv)) >= 0) {
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_KERNEL:
			kernel = optarg;
			break;
		case OPT_ACCEL:
			accel = optarg;
			break;
		case OPT_BUDGET:
		case OPT_RUNS:
		case OPT_SINGLE:
		case OPT_MAX_PROGS:
			if (cli_number(optarg, 1, 1000000, &v)) {
				fprintf(stderr,
					"drmfuzz repro: expected a number from 1 to 1000000, got '%s'\n",
					optarg);
				return 2;
			}
			if (c == OPT_BUDGET)
				p.budget_s = (double)v;
			else if (c == OPT_RUNS)
				p.reliability_runs = (int)v;
			else if (c == OPT_SINGLE)
				p.single_s = (int)v;
			else
				p.max_progs = v;
			break;
		}
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind + 1 != argc) {
		fprintf(stderr,
			"drmfuzz repro: expected one crash log or crash directory\n");
		return 2;
	}
	if (title)
		in.title = strdup(title);
	err = path_is_dir(argv[optind]) ? load_dir(argv[optind], &in) :
					  load_log(argv[optind], &in);
	if (err)
		goto out;
	if (!in.title) {
		log_err("repro: %s: no crash report in the log: say which crash with --title",
			argv[optind]);
		goto out;
	}
	if (cfg_path ? config_load(cfg_path, &cfg) : !(cfg = config_default()))
		goto out;
	if (target_load(cfg, NULL, &t))
		goto out;
	if (repro_log_parse(t, in.log, in.log_len, &log)) {
		log_err("repro: out of memory");
		goto out;
	}
	log_info("repro: %s: %zu programs (%zu 'executing program' lines)",
		 in.log_path, log.n, log.headers);
	if (!log.n) {
		log_err("repro: %s: %s", in.log_path,
			log.headers ?
				"none of its programs parses with these descriptions (is the config's syzkaller checkout or descriptions missing?)" :
				"no programs in it ('executing program' lines)");
		rc = 2;
		goto out;
	}
	outdir = out ? strdup(out) : in.dir ? strdup(in.dir) : NULL;
	if (!outdir) {
		struct buf b = { 0 };

		buf_printf(&b, "%s.repro", in.log_path);
		outdir = buf_detach(&b);
	}
	if (!outdir || dir_create(outdir, 0755)) {
		log_err("repro: cannot create %s", outdir ? outdir : "?");
		goto out;
	}
	if (repro_vm_new(cfg, t, outdir, kernel, accel, &vm))
		goto out;
	repro_vm_runner(vm, &runner);
	p.title = in.title;
	p.alt_titles = (const char *const *)in.alts;
	p.n_alt = in.n_alt;
	p.comm_proc = repro_comm_proc(in.report);
	p.prog2c = write_c;
	p.prog2c_ctx = vm;
	if (p.single_s == 0)
		p.single_s = 5 * (int)repro_vm_slowdown(vm);
	if (p.many_s == 0)
		p.many_s = 2 * p.single_s;
	if (p.comm_proc >= 0)
		log_info("repro: reproducing \"%s\" (the report names proc %d)",
			 in.title, p.comm_proc);
	else
		log_info("repro: reproducing \"%s\"", in.title);
	err = repro_run(&log, &p, &runner, &res);
	if (err == -ENOMEM) {
		log_err("repro: out of memory");
		goto out;
	}
	if (write_results(outdir, &res, in.title))
		log_err("repro: cannot write the results into %s", outdir);
	switch (res.state) {
	case REPRO_OK:
		printf("reproduced: %s\n"
		       "reliability: %d of %d fresh VMs crashed, median %.1f s\n"
		       "options: %s%s%s%s\n",
		       in.title, res.crashes, res.runs, res.median_s,
		       res.opts.threaded ? "threaded " : "",
		       res.opts.collide ? "collide " : "",
		       res.opts.sandbox_setuid ? "sandbox=setuid" :
						 "sandbox=none",
		       res.opts.fault ? " fault-injection" : "");
		if (res.racing)
			printf("racing: %s\n", res.racing);
		printf("C reproducer: %s\n", res.csource ? "yes" :
					     res.c_why	 ? res.c_why :
							   "no");
		printf("results: %s/repro.prog\n", outdir);
		rc = 0;
		break;
	case REPRO_OTHER:
		printf("not reproduced: reproduced a different bug: %s\n",
		       res.other_title);
		rc = 1;
		break;
	default:
		printf("not reproduced: %s\n", res.why ? res.why : "?");
		printf("what was tried: %s/repro.log\n", outdir);
		rc = 1;
		break;
	}
out:
	repro_result_free(&res);
	repro_log_free(&log);
	repro_vm_free(vm);
	syz_target_free(t);
	config_free(cfg);
	input_free(&in);
	free(outdir);
	return rc;
}
