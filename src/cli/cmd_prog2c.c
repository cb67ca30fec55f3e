/* drmfuzz prog2c: a program as a standalone C reproducer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "config/config.h"
#include "csource/csource.h"
#include "prog/prog.h"
#include "repro/log.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"

enum {
	OPT_THREADED = 256,
	OPT_COLLIDE,
	OPT_REPEAT,
	OPT_PROCS,
	OPT_SANDBOX,
	OPT_CALL_TIMEOUT,
	OPT_PROG_TIMEOUT,
	OPT_FAULT_CALL,
	OPT_FAULT_NTH,
	OPT_SLOW,
};

static const struct cli_opt prog2c_opts[] = {
	{ "config", 'c', "FILE", 0,
	  "manager config (its syzkaller checkout, descriptions)" },
	{ "output", 'o', "FILE", 0, "write the C here (default: stdout)" },
	{ "threaded", 0, NULL, OPT_THREADED, "each call in its own thread" },
	{ "collide", 0, NULL, OPT_COLLIDE, "pairs of calls at once" },
	{ "repeat", 0, "N", OPT_REPEAT,
	  "run the program N times, each in a fresh child\n"
	  "(0: forever; default 1)" },
	{ "procs", 0, "N", OPT_PROCS, "copies at once (1-32, default 1)" },
	{ "sandbox", 0, "none|setuid", OPT_SANDBOX,
	  "drop to nobody as the executor does (default none)" },
	{ "call-timeout", 0, "MS", OPT_CALL_TIMEOUT,
	  "threaded: how long each call is waited for (50)" },
	{ "prog-timeout", 0, "MS", OPT_PROG_TIMEOUT,
	  "repeat: each run is killed after this (5000)" },
	{ "fault-call", 0, "N", OPT_FAULT_CALL,
	  "inject a fault in call N (0-based) only ..." },
	{ "fault-nth", 0, "N", OPT_FAULT_NTH,
	  "... failing its N-th allocation" },
	{ "slow", 0, NULL, OPT_SLOW,
	  "timeouts x10, for a machine under QEMU's TCG" },
	CLI_OPT_END,
};

static const struct cli_cmd prog2c_cmd = {
	.usage =
		"usage: drmfuzz prog2c [-c CONFIG] [-o FILE] [--threaded] "
		"[--collide]\n"
		"                      [--repeat N] [--procs N] "
		"[--sandbox none|setuid]\n"
		"                      [--fault-call N --fault-nth N] [--slow] "
		"PROG",
	.about =
		"Writes PROG (syzkaller's text format; a repro.prog's '# {...}'\n"
		"options line is a comment) as a standalone C program that does what\n"
		"the executor does with it: raw syscalls with a comment naming each\n"
		"call, the data area where the program expects it, results passed\n"
		"between calls, drmfuzz's pseudo-calls written out, and what the\n"
		"options ask for. It builds with gcc -O2 -static -pthread -Wall\n"
		"-Wextra -Werror and needs nothing of drmfuzz where it runs (it makes\n"
		"the /dev/dri/by-driver names and the fault-injection settings itself).",
	.opts = prog2c_opts,
};

static int number(const char *s, unsigned long lo, unsigned long hi, int *out)
{
	unsigned long v;

	if (cli_number(s, lo, hi, &v)) {
		fprintf(stderr,
			"drmfuzz prog2c: expected a number from %lu to %lu, got '%s'\n",
			lo, hi, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int cmd_prog2c(int argc, char **argv)
{
	const char *cfg_path = NULL, *output = NULL;
	struct csource_opts o;
	struct mgr_config *cfg = NULL;
	struct syz_target *t = NULL;
	struct prog_parse_opts po = { .strict = false };
	struct prog_diags d = { 0 };
	struct prog *p = NULL;
	struct buf out = { 0 };
	struct cli_parser cp;
	char err[512], *text = NULL;
	size_t len;
	bool slow = false;
	int c, rc = 2;

	csource_opts_default(&o);
	cli_start(&cp, &prog2c_cmd);
	while ((c = cli_next(&cp, argc, argv)) >= 0) {
		int bad = 0;

		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_THREADED:
			o.threaded = true;
			break;
		case OPT_COLLIDE:
			o.collide = true;
			break;
		case OPT_REPEAT:
			bad = number(optarg, 0, 1000000, &o.repeat);
			break;
		case OPT_PROCS:
			bad = number(optarg, 1, 32, &o.procs);
			break;
		case OPT_SANDBOX:
			if (!strcmp(optarg, "none")) {
				o.sandbox = CSOURCE_SANDBOX_NONE;
			} else if (!strcmp(optarg, "setuid")) {
				o.sandbox = CSOURCE_SANDBOX_SETUID;
			} else {
				fprintf(stderr,
					"drmfuzz prog2c: --sandbox: expected none or setuid, got '%s'\n",
					optarg);
				bad = -1;
			}
			break;
		case OPT_CALL_TIMEOUT:
			bad = number(optarg, 1, 600000, &o.call_timeout_ms);
			break;
		case OPT_PROG_TIMEOUT:
			bad = number(optarg, 1, 600000, &o.prog_timeout_ms);
			break;
		case OPT_FAULT_CALL:
			bad = number(optarg, 0, 1023, &o.fault_call);
			break;
		case OPT_FAULT_NTH:
			bad = number(optarg, 1, 1000000, &o.fault_nth);
			break;
		case OPT_SLOW:
			slow = true;
			break;
		}
		if (bad)
			return 2;
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind + 1 != argc) {
		fprintf(stderr, "drmfuzz prog2c: expected one program file\n");
		return 2;
	}
	if ((o.fault_call >= 0) != (o.fault_nth > 0)) {
		fprintf(stderr,
			"drmfuzz prog2c: --fault-call and --fault-nth go together\n");
		return 2;
	}
	if (slow) {
		o.call_timeout_ms *= 10;
		o.prog_timeout_ms *= 10;
	}
	if (cfg_path ? config_load(cfg_path, &cfg) : !(cfg = config_default()))
		goto out;
	if (target_load(cfg, NULL, &t))
		goto out;
	if (file_read_all(argv[optind], 64u << 20, &text, &len)) {
		log_err("prog2c: %s: cannot read it", argv[optind]);
		goto out;
	}
	if (prog_parse(t, text, len, &po, &p, &d)) {
		for (size_t i = 0; i < d.n; i++)
			log_err("prog2c: %s:%d:%d: %s", argv[optind],
				d.v[i].line, d.v[i].col, d.v[i].msg);
		goto out;
	}
	for (size_t i = 0; i < d.n; i++)
		log_warn("prog2c: %s:%d:%d: fixed: %s", argv[optind],
			 d.v[i].line, d.v[i].col, d.v[i].msg);
	if (csource_write(p, &o, &out, err, sizeof(err))) {
		log_err("prog2c: %s: %s", argv[optind], err);
		rc = 1;
		goto out;
	}
	if (output ? file_write_atomic(output, out.data, out.len) :
		     fwrite(out.data, 1, out.len, stdout) != out.len) {
		log_err("prog2c: cannot write %s", output ? output : "stdout");
		goto out;
	}
	rc = 0;
out:
	buf_free(&out);
	prog_diags_free(&d);
	prog_free(p);
	free(text);
	syz_target_free(t);
	config_free(cfg);
	return rc;
}
