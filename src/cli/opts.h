/*
 * A command's options as one table: each option's long name, short name,
 * argument and help text side by side, from which both getopt_long()'s
 * arguments and the --help text are made, so that they cannot disagree.
 */
#ifndef DRMFUZZ_CLI_OPTS_H
#define DRMFUZZ_CLI_OPTS_H

#include <getopt.h>
#include <stdio.h>

#define CLI_MAX_OPTS 32

struct cli_opt {
	const char *name; /* --name, or NULL: only -X */
	char short_name; /* also -X, or 0: only --name */
	const char *arg; /* the argument's name in the help; NULL: none */
	int key; /* what cli_next() returns for it; 0: short_name */
	const char *help; /* lines, '\n' between them */
};

/* The end of a table of struct cli_opt. */
#define CLI_OPT_END \
	{           \
		0   \
	}

struct cli_cmd {
	const char *usage; /* "usage: drmfuzz x ..." lines */
	const char *about; /* paragraphs after the usage, or NULL */
	const char *opts_title; /* a line before the options, or NULL */
	const struct cli_opt *opts; /* ends with CLI_OPT_END */
	const char *footer; /* a paragraph after the options, or NULL */
};

/* The usage, about, options (two columns, -h/--help last) and footer,
 * each separated by a blank line. */
void cli_usage(FILE *f, const struct cli_cmd *c);

enum {
	CLI_END = -1, /* no more options: optind is the first operand */
	CLI_HELP = -2, /* -h or --help: the usage went to stdout */
	CLI_BAD = -3, /* unknown option or missing argument: getopt's
		       * message and the usage went to stderr */
};

struct cli_parser {
	const struct cli_cmd *cmd;
	struct option longopts[CLI_MAX_OPTS + 2];
	char shortopts[3 * CLI_MAX_OPTS + 4];
};

/* Get ready to parse a command line against @c (resets getopt). */
void cli_start(struct cli_parser *p, const struct cli_cmd *c);

/*
 * The next option of argv (argv[0] is the command's name): its key, with
 * its argument in optarg; or CLI_END, CLI_HELP or CLI_BAD.
 */
int cli_next(struct cli_parser *p, int argc, char **argv);

/* @s as a decimal number from @lo to @hi into *@out; 0, or -1 when it is
 * not one. */
int cli_number(const char *s, unsigned long lo, unsigned long hi,
	       unsigned long *out);

#endif
