/* drmfuzz report: parse a console log into a titled, symbolized report. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "report/report.h"
#include "report/symbolize.h"
#include "util/fileio.h"

#define MAX_LOG (1u << 30)

static const struct cli_opt report_parse_cmd_opts[] = {
	{ "vmlinux", 'v', "PATH", 0,
	  "symbolize frames with this kernel's DWARF" },
	{ "kernel-src", 's', "DIR", 0, "print source paths relative to DIR" },
	{ "json", 'j', NULL, 0, "print one JSON object instead" },
	CLI_OPT_END,
};

static const struct cli_cmd report_cmd = {
	.usage =
		"usage: drmfuzz report parse [--vmlinux PATH] [--kernel-src DIR] [--json] LOG",
	.about =
		"Finds the first kernel crash in a console log (LOG, or - for stdin)\n"
		"and prints TITLE:, TYPE:, CORRUPTED: Y|N, the alternative titles\n"
		"(ALT:), a blank line, then the report. Exit code: 0 a crash was\n"
		"found, 1 none, 2 error.",
	.opts = report_parse_cmd_opts,
};

static int read_stdin(char **data, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_LOG) {
				free(b);
				return -EFBIG;
			}
			char *nb = realloc(b, cap * 2 + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, stdin);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(stdin)) {
		free(b);
		return -EIO;
	}
	b[n] = 0;
	*data = b;
	*len = n;
	return 0;
}

static int print_json(const struct report *rep)
{
	json_t *o = json_object(), *alt = json_array();
	if (!o || !alt) {
		json_decref(o);
		json_decref(alt);
		return -ENOMEM;
	}
	for (size_t i = 0; i < rep->n_alt; i++)
		json_array_append_new(alt, json_string(rep->alt_titles[i]));
	json_object_set_new(o, "title", json_string(rep->title));
	json_object_set_new(o, "alt_titles", alt);
	json_object_set_new(o, "type",
			    json_string(report_type_name(rep->type)));
	json_object_set_new(o, "frame",
			    rep->frame ? json_string(rep->frame) : json_null());
	json_object_set_new(o, "corrupted", json_boolean(rep->corrupted));
	json_object_set_new(o, "corrupted_reason",
			    rep->corrupted_reason ?
				    json_string(rep->corrupted_reason) :
				    json_null());
	json_object_set_new(o, "panicked", json_boolean(rep->panicked));
	json_object_set_new(o, "start", json_integer((json_int_t)rep->start));
	json_object_set_new(o, "end", json_integer((json_int_t)rep->end));
	/* Console text may hold any bytes; JSON wants UTF-8. */
	json_t *text = json_stringn(rep->text, rep->text_len);
	if (!text) {
		char *clean = strdup(rep->text);
		for (char *p = clean; p && *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		text = json_string(clean ? clean : "");
		free(clean);
	}
	json_object_set_new(o, "report", text);
	char *s = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!s)
		return -ENOMEM;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int cmd_report_parse(int argc, char **argv)
{
	const char *vmlinux = NULL, *src = NULL;
	bool json = false;
	struct cli_parser p;
	int c, err;

	cli_start(&p, &report_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case 'v':
			vmlinux = optarg;
			break;
		case 's':
			src = optarg;
			break;
		case 'j':
			json = true;
			break;
		}
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (optind + 1 != argc) {
		fprintf(stderr,
			"drmfuzz report parse: expected one LOG file\n");
		cli_usage(stderr, &report_cmd);
		return 2;
	}
	const char *path = argv[optind];
	char *log;
	size_t len;
	err = !strcmp(path, "-") ? read_stdin(&log, &len) :
				   file_read_all(path, MAX_LOG, &log, &len);
	if (err) {
		fprintf(stderr, "drmfuzz report parse: %s: %s\n", path,
			strerror(-err));
		return 2;
	}
	struct symbolizer *sym = NULL;
	if (vmlinux) {
		err = symbolizer_new(vmlinux, src, &sym);
		if (err) {
			fprintf(stderr,
				"drmfuzz report parse: %s: %s (expected a vmlinux with DWARF, e.g. from 'drmfuzz kernel path')\n",
				vmlinux, strerror(-err));
			free(log);
			return 2;
		}
	}
	struct report *rep = NULL;
	int rc = report_parse(log, len, &rep);
	free(log);
	if (rc < 0) {
		fprintf(stderr, "drmfuzz report parse: %s\n", strerror(-rc));
		symbolizer_free(sym);
		return 2;
	}
	if (rc == 0) {
		if (json)
			printf("null\n");
		else
			fprintf(stderr,
				"drmfuzz report parse: no crash in %s\n", path);
		symbolizer_free(sym);
		return 1;
	}
	if (sym) {
		char *text;
		size_t tlen;
		err = symbolizer_text(sym, rep->text, rep->text_len, &text,
				      &tlen);
		if (!err) {
			free(rep->text);
			rep->text = text;
			rep->text_len = tlen;
		}
	}
	int ret = 0;
	if (json) {
		ret = print_json(rep) ? 2 : 0;
	} else {
		printf("TITLE: %s\n", rep->title);
		for (size_t i = 0; i < rep->n_alt; i++)
			printf("ALT: %s\n", rep->alt_titles[i]);
		printf("TYPE: %s\n", report_type_name(rep->type));
		printf("CORRUPTED: %s\n", rep->corrupted ? "Y" : "N");
		if (rep->corrupted)
			printf("CORRUPTED-REASON: %s\n", rep->corrupted_reason);
		printf("\n");
		fwrite(rep->text, 1, rep->text_len, stdout);
	}
	report_free(rep);
	symbolizer_free(sym);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_usage(argc < 2 ? stderr : stdout, &report_cmd);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "parse"))
		return cmd_report_parse(argc - 1, argv + 1);
	fprintf(stderr, "drmfuzz report: unknown subcommand '%s'\n", argv[1]);
	cli_usage(stderr, &report_cmd);
	return 2;
}
