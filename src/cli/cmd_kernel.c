/* drmfuzz kernel build: build or find the cached fuzzing kernel. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "kernel/kbuild.h"
#include "util/log.h"

static void kernel_usage(FILE *f)
{
	fprintf(f,
		"usage: drmfuzz kernel build [--src DIR] [--out DIR] [--jobs N]\n"
		"                            [--fragment FILE]... [--force] [--quiet]\n"
		"       drmfuzz kernel path\n\n"
		"build: x86_64 defconfig + kvm_guest.config + drmfuzz's fragment\n"
		"(KCOV with comparisons, KASAN, lockdep, fault injection, vgem, vkms,\n"
		"virtio-gpu...), verified after olddefconfig, cached by source and\n"
		"fragment hash. Prints the result directory on stdout.\n\n"
		"  --src DIR        your kernel tree (default: Debian's linux-source-6.1,\n"
		"                   installed with apt-get when missing)\n"
		"  --out DIR        put the result here instead of the cache\n"
		"  --jobs N         parallel make jobs (default: number of CPUs)\n"
		"  --fragment FILE  extra config lines, applied last and verified too\n"
		"                   (e.g. CONFIG_DRM_I915=y to fuzz a real driver)\n"
		"  --force          rebuild even when cached\n"
		"  --quiet          no progress lines\n\n"
		"path: print the cached default kernel's directory (exit 1 if not built).\n");
}

static int kernel_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "fragment", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *extra[32];
	struct kbuild_opts o = { .extra = extra };
	struct kbuild_result r;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:j:f:Fqh", longopts, NULL)) !=
	       -1) {
		char *end;

		switch (c) {
		case 's':
			o.src = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'j':
			o.jobs = (int)strtol(optarg, &end, 10);
			if (*end || o.jobs < 1 || o.jobs > 1024) {
				fprintf(stderr,
					"drmfuzz kernel build: --jobs: expected a number from 1 to 1024, got '%s'\n",
					optarg);
				return 2;
			}
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
		case 'h':
			kernel_usage(stdout);
			return 0;
		default:
			kernel_usage(stderr);
			return 2;
		}
	}
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
		kernel_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "build"))
		return kernel_build(argc - 1, argv + 1);
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
	kernel_usage(stderr);
	return 2;
}
