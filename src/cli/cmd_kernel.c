/* drmfuzz kernel build|path|module: the cached fuzzing kernel, and
 * out-of-tree modules built against it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "kernel/kbuild.h"
#include "kernel/kmod.h"
#include "util/log.h"

static const struct cli_opt kernel_build_cmd_opts[] = {
	{ "src", 's', "DIR", 0,
	  "your kernel tree (default: Debian's linux-source-6.1,\n"
	  "installed with apt-get when missing)" },
	{ "out", 'o', "DIR", 0, "put the result here instead of the cache" },
	{ "jobs", 'j', "N", 0, "parallel make jobs (default: number of CPUs)" },
	{ "fragment", 'f', "FILE", 0,
	  "extra config lines, applied last and verified too\n"
	  "(e.g. CONFIG_DRM_I915=y to fuzz a real driver)" },
	{ "force", 'F', NULL, 0, "rebuild even when cached" },
	{ "quiet", 'q', NULL, 0, "no progress lines" },
	CLI_OPT_END,
};

static const struct cli_cmd kernel_cmd = {
	.usage =
		"usage: drmfuzz kernel build [--src DIR] [--out DIR] [--jobs N]\n"
		"                            [--fragment FILE]... [--force] [--quiet]\n"
		"       drmfuzz kernel path\n"
		"       drmfuzz kernel module [--kernel-obj DIR] [--quiet] DIR",
	.about =
		"build: x86_64 defconfig + kvm_guest.config + drmfuzz's fragment\n"
		"(KCOV with comparisons, KASAN, lockdep, fault injection, vgem, vkms,\n"
		"virtio-gpu...), verified after olddefconfig, cached by source and\n"
		"fragment hash. Prints the result directory on stdout.",
	.opts = kernel_build_cmd_opts,
	.footer =
		"path: print the cached default kernel's directory (exit 1 if not built).\n\n"
		"module: build the out-of-tree module in DIR (a Kbuild and its sources)\n"
		"against the kernel's object tree (--kernel-obj, default: the cached\n"
		"default kernel's), cached by source and kernel; print each .ko built.\n"
		"A config's \"modules\" list does this at start and loads them at boot.",
};

static const struct cli_opt kernel_module_cmd_opts[] = {
	{ "kernel-obj", 'k', "DIR", 0,
	  "the kernel's object tree (its O= directory;\n"
	  "default: the cached default kernel's build/)" },
	{ "quiet", 'q', NULL, 0, "no progress lines" },
	CLI_OPT_END,
};

static const struct cli_cmd kernel_module_cmd = {
	.usage =
		"usage: drmfuzz kernel module [--kernel-obj DIR] [--quiet] DIR",
	.about =
		"Build the out-of-tree kernel module in DIR against the fuzzing\n"
		"kernel, cached; print the path of each .ko built.",
	.opts = kernel_module_cmd_opts,
};

static int cmd_kernel_module(int argc, char **argv)
{
	const char *obj = NULL;
	char *own = NULL;
	struct kmod_result r;
	struct cli_parser p;
	bool quiet = false;
	int c, err;

	cli_start(&p, &kernel_module_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		if (c == 'k')
			obj = optarg;
		else if (c == 'q')
			quiet = true;
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind + 1 != argc) {
		fprintf(stderr,
			"drmfuzz kernel module: expected one module directory\n");
		return 2;
	}
	if (!obj) {
		struct kbuild_result kr;

		if (kbuild_find_default(&kr)) {
			fprintf(stderr,
				"drmfuzz kernel module: no cached default kernel; run 'drmfuzz kernel build' or give --kernel-obj\n");
			return 1;
		}
		own = kr.objtree;
		kr.objtree = NULL;
		kbuild_result_free(&kr);
		if (!own)
			return 1;
		obj = own;
	}
	err = kmod_build(obj, argv[optind], quiet, &r);
	free(own);
	if (err)
		return 1;
	for (size_t i = 0; i < r.n_ko; i++)
		printf("%s\n", r.ko[i]);
	kmod_result_free(&r);
	return 0;
}

static int cmd_kernel_build(int argc, char **argv)
{
	const char *extra[32];
	struct kbuild_opts o = { .extra = extra };
	struct kbuild_result r;
	struct cli_parser p;
	unsigned long jobs;
	int c, err;

	cli_start(&p, &kernel_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case 's':
			o.src = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'j':
			if (cli_number(optarg, 1, 1024, &jobs)) {
				fprintf(stderr,
					"drmfuzz kernel build: --jobs: expected a number from 1 to 1024, got '%s'\n",
					optarg);
				return 2;
			}
			o.jobs = (int)jobs;
			break;
		case 'f':
			if (o.n_extra == sizeof(extra) / sizeof(extra[0])) {
				fprintf(stderr,
					"drmfuzz kernel build: too many --fragment\n");
				return 2;
			}
			extra[o.n_extra++] = optarg;
			break;
		case 'F':
			o.force = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		}
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind != argc) {
		fprintf(stderr,
			"drmfuzz kernel build: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	err = kbuild_run(&o, &r);
	if (err)
		return 1;
	printf("%s\n", r.dir);
	kbuild_result_free(&r);
	return 0;
}

int cmd_kernel(int argc, char **argv)
{
	struct kbuild_result r;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_usage(argc < 2 ? stderr : stdout, &kernel_cmd);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "build"))
		return cmd_kernel_build(argc - 1, argv + 1);
	if (!strcmp(argv[1], "module"))
		return cmd_kernel_module(argc - 1, argv + 1);
	if (!strcmp(argv[1], "path")) {
		if (kbuild_find_default(&r)) {
			fprintf(stderr,
				"drmfuzz: no cached default kernel; run 'drmfuzz kernel build'\n");
			return 1;
		}
		printf("%s\n", r.dir);
		kbuild_result_free(&r);
		return 0;
	}
	fprintf(stderr, "drmfuzz kernel: unknown subcommand '%s'\n\n", argv[1]);
	cli_usage(stderr, &kernel_cmd);
	return 2;
}
