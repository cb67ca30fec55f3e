/* drmfuzz syscalls: compile the descriptions, print the enabled calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "config/config.h"
#include "syzlang/select.h"
#include "syzlang/target.h"
#include "target/target.h"
#include "util/buf.h"
#include "util/log.h"

static const struct cli_opt syscalls_cmd_opts[] = {
	{ "config", 'c', "FILE", 0,
	  "manager config (enable/disable_syscalls, ...)" },
	{ "descriptions", 0, "DIR", 'd',
	  "extra description directory (repeatable)" },
	{ "syzkaller", 0, "DIR", 's',
	  "syzkaller checkout (overrides the config)" },
	{ "enable", 0, "PAT", 'e', "added to enable_syscalls (repeatable)" },
	{ "disable", 0, "PAT", 'x', "added to disable_syscalls (repeatable)" },
	{ "add-producers", 0, NULL, 'p',
	  "also enable the calls that create resources\n"
	  "the enabled calls need" },
	{ "why", 0, NULL, 'w', "also print disabled calls with the reason" },
	CLI_OPT_END,
};

static const struct cli_cmd syscalls_cmd = {
	.usage =
		"usage: drmfuzz syscalls [-c CONFIG] [--descriptions DIR]...\n"
		"                        [--syzkaller DIR] [--enable PAT]...\n"
		"                        [--disable PAT]... [--add-producers] [--why]",
	.about =
		"Compiles the syscall descriptions (drmfuzz's descriptions/, the\n"
		"config's \"descriptions\" dirs, and <syzkaller>/sys/linux when the\n"
		"config's \"syzkaller\" field is set) and prints the enabled syscalls\n"
		"one per line. Patterns are syzkaller's: NAME (also NAME$*) or PREFIX*.",
	.opts = syscalls_cmd_opts,
};

int cmd_syscalls(int argc, char **argv)
{
	VEC(const char *) dirs = { 0 };
	VEC(const char *) en = { 0 };
	VEC(const char *) dis = { 0 };
	const char *cfg_path = NULL, *syzkaller = NULL;
	bool why = false, add = false;
	struct mgr_config *cfg = NULL;
	struct syz_target *t = NULL;
	struct syz_selection *sel = NULL;
	struct cli_parser p;
	int c, rc = 2;

	cli_start(&p, &syscalls_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
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
		}
		if (e)
			goto out;
	}
	if (c != CLI_END) {
		rc = c == CLI_HELP ? 0 : 2;
		goto out;
	}
	if (optind < argc) {
		fprintf(stderr, "drmfuzz syscalls: unexpected argument '%s'\n",
			argv[optind]);
		cli_usage(stderr, &syscalls_cmd);
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
