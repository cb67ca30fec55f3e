/*
 * drmfuzz subcommands. Each parses its own arguments and calls a library;
 * it returns the process exit code (0 success, 1 "no"/failure, 2 usage or
 * error), and never calls exit().
 */
#ifndef DRMFUZZ_CLI_CMD_H
#define DRMFUZZ_CLI_CMD_H

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
};

int cmd_kernel(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_consts(int argc, char **argv);
int cmd_syscalls(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_vm(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_prog(int argc, char **argv);
int cmd_repro(int argc, char **argv);
int cmd_prog2c(int argc, char **argv);

#endif
