/* Option tables: getopt_long's arguments and --help from one table. */
#include "opts.h"

#include <stdlib.h>
#include <string.h>

static const struct cli_opt help_opt = { "help", 'h', NULL, 'h',
					 "print this help" };

static int opt_key(const struct cli_opt *o)
{
	return o->key ? o->key : o->short_name;
}

static size_t count(const struct cli_opt *opts)
{
	size_t n = 0;

	while (opts[n].name || opts[n].short_name)
		n++;
	return n;
}

/* "-c, --config FILE", "--kernel BZIMAGE" or "-n N" into @b. */
static int left_column(const struct cli_opt *o, char *b, size_t cap)
{
	int n = 0;

	if (o->short_name)
		n += snprintf(b + n, cap - (size_t)n, "-%c%s", o->short_name,
			      o->name ? ", " : "");
	if (o->name)
		n += snprintf(b + n, cap - (size_t)n, "--%s", o->name);
	if (o->arg)
		n += snprintf(b + n, cap - (size_t)n, " %s", o->arg);
	return n;
}

static void print_opt(FILE *f, const struct cli_opt *o, int width)
{
	const char *h = o->help ? o->help : "";
	char left[128];
	int n = left_column(o, left, sizeof(left));

	fprintf(f, "  %-*s", width, left);
	if (n > width) /* too wide: the help starts on the next line */
		fprintf(f, "\n  %-*s", width, "");
	for (;;) {
		size_t l = strcspn(h, "\n");

		fprintf(f, "  %.*s\n", (int)l, h);
		if (!h[l])
			break;
		h += l + 1;
		fprintf(f, "  %-*s", width, "");
	}
}

void cli_usage(FILE *f, const struct cli_cmd *c)
{
	size_t n = count(c->opts);
	int width = 0;
	char left[128];

	fprintf(f, "%s\n", c->usage);
	if (c->about)
		fprintf(f, "\n%s\n", c->about);
	for (size_t i = 0; i < n; i++) {
		int w = left_column(&c->opts[i], left, sizeof(left));

		if (w > width && w <= 24)
			width = w;
	}
	fprintf(f, "\n");
	if (c->opts_title)
		fprintf(f, "%s\n", c->opts_title);
	for (size_t i = 0; i < n; i++)
		print_opt(f, &c->opts[i], width);
	print_opt(f, &help_opt, width);
	if (c->footer)
		fprintf(f, "\n%s\n", c->footer);
}

void cli_start(struct cli_parser *p, const struct cli_cmd *c)
{
	size_t n = count(c->opts), k = 0, s = 0;

	memset(p, 0, sizeof(*p));
	p->cmd = c;
	if (n > CLI_MAX_OPTS) /* a table this big is a bug: drop the rest */
		n = CLI_MAX_OPTS;
	for (size_t i = 0; i <= n; i++) {
		const struct cli_opt *o = i < n ? &c->opts[i] : &help_opt;

		if (o->name)
			p->longopts[k++] =
				(struct option){ o->name,
						 o->arg ? required_argument :
							  no_argument,
						 NULL, opt_key(o) };
		if (o->short_name) {
			p->shortopts[s++] = o->short_name;
			if (o->arg)
				p->shortopts[s++] = ':';
		}
	}
	optind = 1;
}

int cli_next(struct cli_parser *p, int argc, char **argv)
{
	int c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL);

	if (c == -1)
		return CLI_END;
	if (c == 'h') {
		cli_usage(stdout, p->cmd);
		return CLI_HELP;
	}
	if (c == '?' || c == ':') {
		cli_usage(stderr, p->cmd);
		return CLI_BAD;
	}
	return c;
}

int cli_number(const char *s, unsigned long lo, unsigned long hi,
	       unsigned long *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
