/* drmfuzz: the command-line entry point, a table of subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "version.h"

static const struct cmd commands[] = {
	{ "kernel", cmd_kernel,
	  "build a fuzzing kernel (KCOV, KASAN, lockdep, DRM)" },
	{ "consts", cmd_consts,
	  "regenerate description .const files from UAPI headers" },
	{ "syscalls", cmd_syscalls,
	  "compile the descriptions, list the enabled syscalls" },
	{ "report", cmd_report,
	  "parse a console log: crash title, type, symbolized report" },
	{ "vm", cmd_vm, "boot a VM and check what it offers for fuzzing" },
	{ "exec", cmd_exec,
	  "run programs in a VM and print what each call did" },
	{ "run", cmd_run,
	  "fuzz until stopped (the default config needs no file)" },
	{ "prog", cmd_prog,
	  "parse, generate, mutate, encode programs (syzkaller format)" },
	{ "prog2c", cmd_prog2c,
	  "write a program as a standalone C reproducer" },
	{ "repro", cmd_repro,
	  "turn a crash log into a minimal program and a C reproducer" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: drmfuzz [--help] [--version] COMMAND [ARGS...]\n\n"
		   "A coverage-guided Linux kernel fuzzer for DRM.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'drmfuzz COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("drmfuzz %s\n", DRMFUZZ_VERSION);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "drmfuzz: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
