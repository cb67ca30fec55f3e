/* drmfuzz syscalls: compile the descriptions, print the enabled calls. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config/config.h"
#include "syzlang/select.h"
#include "syzlang/target.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/log.h"

static void syscalls_usage(FILE *f)
{
	fprintf(f,
		"usage: drmfuzz syscalls [-c CONFIG] [--descriptions DIR]...\n"
		"                        [--syzkaller DIR] [--enable PAT]...\n"
		"                        [--disable PAT]... [--add-producers] [--why]\n\n"
		"Compiles the syscall descriptions (drmfuzz's descriptions/, the\n"
		"config's \"descriptions\" dirs, and <syzkaller>/sys/linux when the\n"
		"config's \"syzkaller\" field is set) and prints the enabled syscalls\n"
		"one per line. Patterns are syzkaller's: NAME (also NAME$*) or PREFIX*.\n\n"
		"  -c, --config FILE   manager config (enable/disable_syscalls, ...)\n"
		"  --descriptions DIR  extra description directory (repeatable)\n"
		"  --syzkaller DIR     syzkaller checkout (overrides the config)\n"
		"  --enable PAT        added to enable_syscalls (repeatable)\n"
		"  --disable PAT       added to disable_syscalls (repeatable)\n"
		"  --add-producers     also enable the calls that create resources\n"
		"                      the enabled calls need\n"
		"  --why               also print disabled calls with the reason\n");
}

int cmd_syscalls(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "descriptions", required_argument, NULL, 'd' },
		{ "syzkaller", required_argument, NULL, 's' },
		{ "enable", required_argument, NULL, 'e' },
		{ "disable", required_argument, NULL, 'x' },
		{ "add-producers", no_argument, NULL, 'p' },
		{ "why", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	VEC(const char *) dirs = { 0 };
	VEC(const char *) en = { 0 };
	VEC(const char *) dis = { 0 };
	const char *cfg_path = NULL, *syzkaller = NULL;
	bool why = false, add = false;
	struct mgr_config *cfg = NULL;
	struct syz_target *t = NULL;
	struct syz_selection *sel = NULL;
	int c, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		int e = 0;
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'd':
			e = vec_push(&dirs, optarg);
			break;
		case 's':
			syzkaller = optarg;
			break;
		case 'e':
			e = vec_push(&en, optarg);
			break;
		case 'x':
			e = vec_push(&dis, optarg);
			break;
		case 'p':
			add = true;
			break;
		case 'w':
			why = true;
			break;
		case 'h':
			syscalls_usage(stdout);
			rc = 0;
			goto out;
		default:
			syscalls_usage(stderr);
			goto out;
		}
		if (e)
			goto out;
	}
	if (optind < argc) {
		fprintf(stderr, "drmfuzz syscalls: unexpected argument '%s'\n",
			argv[optind]);
		syscalls_usage(stderr);
		goto out;
	}
	if (cfg_path && config_load(cfg_path, &cfg))
		goto out;
	struct target_opts to = {
		.syzkaller = syzkaller,
		.descriptions = dirs.v,
		.n_descriptions = dirs.n,
		.enable = en.v,
		.n_enable = en.n,
		.disable = dis.v,
		.n_disable = dis.n,
		.add_producers = add,
	};
	if (target_load(cfg, &to, &t) || target_select(t, cfg, &to, &sel))
		goto out;
	size_t n_res = 0;
	for (size_t i = 0; i < t->n_calls; i++) {
		if (sel->enabled[i])
			printf("%s%s\n", t->calls[i]->name,
			       why && sel->added[i] ? "\t(added: creates a "
						      "needed resource)" :
						      "");
		else if (sel->reason[i] &&
			 !strncmp(sel->reason[i], "no enabled", 10))
			n_res++;
	}
	if (why) {
		for (size_t i = 0; i < t->n_calls; i++) {
			if (!sel->enabled[i] && target_n_enable(cfg, &to) &&
			    !strcmp(sel->reason[i],
				    "not matched by enable_syscalls"))
				continue;
			if (!sel->enabled[i])
				printf("disabled: %s: %s\n", t->calls[i]->name,
				       sel->reason[i]);
		}
	}
	fprintf(stderr, "%zu of %zu syscalls enabled\n", sel->n_enabled,
		t->n_calls);
	if (n_res && !add)
		fprintf(stderr,
			"warning: %zu matching syscall%s disabled because no "
			"enabled syscall creates a resource they need; --why "
			"says which, --add-producers enables the creators\n",
			n_res, n_res == 1 ? " is" : "s are");
	if (!sel->n_enabled)
		fprintf(stderr, "warning: no syscall is enabled\n");
	rc = sel->n_enabled ? 0 : 1;
out:
	syz_selection_free(sel);
	syz_target_free(t);
	config_free(cfg);
	vec_free(&dirs);
	vec_free(&en);
	vec_free(&dis);
	return rc;
}
