/* drmfuzz run: fuzz until stopped (the manager). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config/config.h"
#include "manager/manager.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: drmfuzz run [-c CONFIG] [--duration SECONDS] [--status-every SECONDS]\n"
		"                   [--stats-csv FILE] [--no-feedback]\n\n"
		"Fuzz until Ctrl-C (or --duration). Without -c: the built-in default\n"
		"(QEMU, the cached kernel from 'drmfuzz kernel build', drmfuzz's DRM\n"
		"descriptions, ./workdir, status on http://127.0.0.1:56741/api/stats).\n"
		"The corpus and crashes live in the workdir and survive restarts.\n\n"
		"  -c, --config FILE    syzkaller manager config (JSON)\n"
		"  --duration S         stop after S seconds\n"
		"  --status-every S     status line period (default 10)\n"
		"  --stats-csv FILE     append the stats every period (benchmarks)\n"
		"  --no-feedback        generate only, keep no corpus (baseline)\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "status-every", required_argument, NULL, 's' },
		{ "stats-csv", required_argument, NULL, 'C' },
		{ "no-feedback", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct manager_opts o = { 0 };
	struct mgr_config *cfg = NULL;
	const char *path = NULL;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
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
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 2;
		}
	}
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
