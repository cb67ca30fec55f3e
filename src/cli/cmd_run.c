/* drmfuzz run: fuzz until stopped (the manager). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "config/config.h"
#include "manager/manager.h"

static const struct cli_opt run_cmd_opts[] = {
	{ "config", 'c', "FILE", 0, "syzkaller manager config (JSON)" },
	{ "duration", 0, "S", 'd', "stop after S seconds" },
	{ "status-every", 0, "S", 's', "status line period (default 10)" },
	{ "stats-csv", 0, "FILE", 'C',
	  "append the stats every period (benchmarks)" },
	{ "no-feedback", 0, NULL, 'n',
	  "generate only, keep no corpus (baseline)" },
	CLI_OPT_END,
};

static const struct cli_cmd run_cmd = {
	.usage =
		"usage: drmfuzz run [-c CONFIG] [--duration SECONDS] [--status-every SECONDS]\n"
		"                   [--stats-csv FILE] [--no-feedback]",
	.about =
		"Fuzz until Ctrl-C (or --duration). Without -c: the built-in default\n"
		"(QEMU, the cached kernel from 'drmfuzz kernel build', drmfuzz's DRM\n"
		"descriptions, ./workdir, status on http://127.0.0.1:56741/api/stats).\n"
		"The corpus and crashes live in the workdir and survive restarts.",
	.opts = run_cmd_opts,
};

int cmd_run(int argc, char **argv)
{
	struct manager_opts o = { 0 };
	struct mgr_config *cfg = NULL;
	const char *path = NULL;
	struct cli_parser p;
	int c, err;

	cli_start(&p, &run_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			o.duration_s = atoi(optarg);
			break;
		case 's':
			o.status_every_s = atoi(optarg);
			break;
		case 'C':
			o.stats_csv = optarg;
			break;
		case 'n':
			o.no_feedback = true;
			break;
		}
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind != argc) {
		fprintf(stderr, "drmfuzz run: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (path)
		err = config_load(path, &cfg);
	else
		err = (cfg = config_default()) ? 0 : -1;
	if (err)
		return 2;
	o.cfg = cfg;
	err = manager_run(&o);
	config_free(cfg);
	return err ? 1 : 0;
}
