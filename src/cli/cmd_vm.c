/* drmfuzz vm check: boot one VM, shake hands with the executor, report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "config/config.h"
#include "manager/machine.h"
#include "util/fileio.h"
#include "util/log.h"
#include "vm/qemu.h"
#include "vm/vm.h"

static const struct cli_opt vm_check_cmd_opts[] = {
	{ "config", 'c', "FILE", 0,
	  "manager config (default: the built-in one)" },
	{ "kernel", 0, "BZIMAGE", 'k',
	  "kernel to boot (default: vm.kernel, else the\n"
	  "cached kernel of 'drmfuzz kernel build')" },
	{ "accel", 0, "A", 'a',
	  "auto (probe KVM, fall back to TCG), kvm, tcg\n"
	  "(default: vm.accel)" },
	{ "timeout", 0, "SECONDS", 't',
	  "handshake limit (default: 30 under KVM, 300\n"
	  "under TCG)" },
	{ "log", 0, "FILE", 'l',
	  "console log (default: a new /tmp/drmfuzz-vm-*/console.log)" },
	CLI_OPT_END,
};

static const struct cli_cmd vm_check_cmd = {
	.usage =
		"usage: drmfuzz vm check [-c CONFIG] [--kernel BZIMAGE] [--accel auto|kvm|tcg]\n"
		"                        [--timeout SECONDS] [--log FILE]",
	.about =
		"Boots one QEMU VM with drmfuzz's initramfs (busybox-static, the\n"
		"executor, /init), waits for the executor's handshake and prints\n"
		"what the machine offers: kernel release, KCOV, KCOV comparisons,\n"
		"KASAN, fault injection, DRM nodes with their drivers.\n"
		"Exit status 0 only when it is usable for fuzzing (KCOV works and\n"
		"there is a DRM node), 1 when not, 2 when it did not boot.",
	.opts = vm_check_cmd_opts,
};

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

/* Print the report; returns the exit code. */
static int print_hello(struct vm *vm, const struct wire_hello *h, double rtt_us,
		       bool have_rtt)
{
	bool kcov = h->features & WIRE_FEAT_KCOV;
	uint32_t usable_nodes = 0;

	printf("accelerator:        %s\n", vm_accel_name(vm_accel_used(vm)));
	printf("boot to handshake:  %.1f s\n", vm_boot_seconds(vm));
	printf("kernel release:     %s\n", h->release);
	printf("KCOV:               %s\n", yes(kcov));
	printf("KCOV comparisons:   %s\n",
	       yes(h->features & WIRE_FEAT_KCOV_CMP));
	printf("KASAN:              %s\n", yes(h->features & WIRE_FEAT_KASAN));
	printf("fault injection:    %s\n",
	       yes(h->features & WIRE_FEAT_FAULT_INJECTION));
	printf("DRM nodes:%s\n", h->n_nodes ? "" : "          none");
	for (uint32_t i = 0; i < h->n_nodes; i++) {
		const struct wire_node *n = &h->nodes[i];

		if (n->err)
			printf("  %-20s (error: %s)\n", n->path,
			       strerror(n->err));
		else
			printf("  %-20s %s\n", n->path, n->driver);
		usable_nodes += !n->err;
	}
	if (have_rtt)
		printf("executor round trip: %.0f us\n", rtt_us);
	if (h->notes[0]) {
		printf("notes:\n");
		for (const char *p = h->notes; *p;) {
			size_t n = strcspn(p, "\n");

			printf("  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	printf("console log:        %s\n", vm_console_path(vm));
	if (kcov && usable_nodes) {
		printf("usable for fuzzing: yes\n");
		return 0;
	}
	printf("usable for fuzzing: no (%s%s%s)\n",
	       kcov ? "" : "KCOV does not work",
	       !kcov && !usable_nodes ? ", " : "",
	       usable_nodes ? "" : "no DRM node");
	return 1;
}

static int cmd_vm_check(int argc, char **argv)
{
	const char *cfg_path = NULL, *kernel = NULL, *accel = NULL;
	const char *log_path = NULL;
	struct mgr_config *cfg = NULL;
	struct machine mach = { 0 };
	char *tmpdir = NULL, *logf = NULL;
	struct wire_hello *hello = NULL;
	struct vm *vm = NULL;
	double rtt = 0;
	unsigned long timeout = 0;
	struct cli_parser p;
	int c, rc = 2;

	cli_start(&p, &vm_check_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'k':
			kernel = optarg;
			break;
		case 'a':
			accel = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 't':
			if (cli_number(optarg, 1, 86400, &timeout)) {
				fprintf(stderr,
					"drmfuzz vm check: --timeout: expected seconds from 1 to 86400, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		}
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind != argc) {
		cli_usage(stderr, &vm_check_cmd);
		return 2;
	}
	if (cfg_path) {
		if (config_load(cfg_path, &cfg))
			return 2;
	} else if (!(cfg = config_default())) {
		return 2;
	}
	if (machine_prepare(cfg, kernel, accel, &mach))
		goto out;
	if (!log_path) {
		char tmpl[] = "/tmp/drmfuzz-vm-XXXXXX";

		if (!mkdtemp(tmpl) || !(tmpdir = strdup(tmpl)) ||
		    !(logf = path_join(tmpdir, "console.log"))) {
			log_err("cannot create a directory for the console log: %s",
				strerror(errno));
			goto out;
		}
		log_path = logf;
	}
	mach.opts.console_log = log_path;
	hello = calloc(1, sizeof(*hello));
	if (!hello ||
	    vm_boot(&vm_qemu_ops, &mach.opts, (int)timeout * 1000, &vm, hello))
		goto out;
	rc = print_hello(
		vm, hello, rtt,
		!vm_ping(vm, 10000 * (int)machine_slowdown(vm_accel_used(vm)),
			 &rtt));
out:
	vm_free(vm);
	free(hello);
	free(tmpdir);
	free(logf);
	machine_free(&mach);
	config_free(cfg);
	return rc;
}

int cmd_vm(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_usage(argc < 2 ? stderr : stdout, &vm_check_cmd);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "check"))
		return cmd_vm_check(argc - 1, argv + 1);
	fprintf(stderr, "drmfuzz vm: unknown subcommand '%s'\n\n", argv[1]);
	cli_usage(stderr, &vm_check_cmd);
	return 2;
}
