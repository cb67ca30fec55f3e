/* drmfuzz consts: regenerate or check the .const files of descriptions. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "consts/consts.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"

static const struct cli_opt consts_cmd_opts[] = {
	{ "src", 's', "DIR", 0,
	  "a kernel tree: its headers are installed into a\n"
	  "temporary directory (make headers_install)" },
	{ "headers", 'H', "DIR", 0,
	  "installed UAPI headers (e.g. /usr/include)" },
	{ "out", 'o', "DIR", 0, "write the .const files here instead" },
	{ "check", 'c', NULL, 0,
	  "write nothing; exit 1 when a .const file differs" },
	{ "verbose", 'v', NULL, 0,
	  "list the identifiers the headers do not define" },
	CLI_OPT_END,
};

static const struct cli_cmd consts_cmd = {
	.usage =
		"usage: drmfuzz consts (--src KERNEL_TREE | --headers DIR) [--check]\n"
		"                      [--out DIR] [--verbose] FILE.txt...",
	.about =
		"Write FILE.txt.const (syzkaller's format, amd64) next to each\n"
		"description file, with the values of the constants it uses, taken\n"
		"from Linux UAPI headers by compiling a generated C program.",
	.opts = consts_cmd_opts,
};

static int consts_one(const char *txt, const char *incdir, const char *outdir,
		      bool check, bool verbose)
{
	struct consts_req req;
	struct consts_value *vals = NULL;
	struct buf dropped = { 0 };
	char *text = NULL, *fmt = NULL, *old = NULL, *dst = NULL;
	size_t len, n = 0;
	int err, rc = 2;

	err = file_read_all(txt, 16 << 20, &text, &len);
	if (err) {
		log_err("%s: %s", txt, strerror(-err));
		return 2;
	}
	err = consts_scan(text, txt, &req);
	if (err)
		goto out_text;
	err = consts_extract(&req, incdir, &vals, &n, &dropped);
	if (err)
		goto out_req;
	if (verbose && dropped.len)
		log_info("%s: not defined by the headers:\n%s", txt,
			 dropped.data);
	fmt = consts_format(vals, n);
	if (outdir) {
		const char *base = strrchr(txt, '/');
		char name[4096];

		snprintf(name, sizeof(name), "%s.const", base ? base + 1 : txt);
		dst = path_join(outdir, name);
	} else if (asprintf(&dst, "%s.const", txt) < 0) {
		dst = NULL;
	}
	if (!fmt || !dst)
		goto out_vals;
	if (check) {
		size_t ol;

		if (file_read_all(dst, 16 << 20, &old, &ol) ||
		    strcmp(old, fmt)) {
			log_err("%s is out of date: run `drmfuzz consts` on %s",
				dst, txt);
			rc = 1;
			goto out_vals;
		}
		rc = 0;
		goto out_vals;
	}
	err = file_write_atomic(dst, fmt, strlen(fmt));
	if (err) {
		log_err("%s: %s", dst, strerror(-err));
		goto out_vals;
	}
	log_info("%s: %zu constants", dst, n);
	rc = 0;
out_vals:
	consts_values_free(vals, n);
out_req:
	consts_req_free(&req);
out_text:
	free(text);
	free(fmt);
	free(old);
	free(dst);
	buf_free(&dropped);
	return rc;
}

int cmd_consts(int argc, char **argv)
{
	const char *src = NULL, *headers = NULL, *outdir = NULL;
	bool check = false, verbose = false;
	char tmp[] = "/tmp/drmfuzz-headers-XXXXXX";
	char *incdir = NULL;
	struct cli_parser p;
	int c, rc = 0;

	cli_start(&p, &consts_cmd);
	while ((c = cli_next(&p, argc, argv)) >= 0) {
		switch (c) {
		case 's':
			src = optarg;
			break;
		case 'H':
			headers = optarg;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'v':
			verbose = true;
			break;
		}
	}
	if (c != CLI_END)
		return c == CLI_HELP ? 0 : 2;
	if (!src == !headers || optind == argc) {
		fprintf(stderr, "drmfuzz consts: give one of --src or "
				"--headers, and description files\n\n");
		cli_usage(stderr, &consts_cmd);
		return 2;
	}
	if (src) {
		if (!mkdtemp(tmp)) {
			log_err("consts: mkdtemp: %s", strerror(errno));
			return 2;
		}
		log_info("installing the UAPI headers of %s", src);
		if (consts_headers_install(src, tmp)) {
			rc = 2;
			goto out;
		}
		incdir = path_join(tmp, "include");
	} else {
		incdir = strdup(headers);
	}
	if (!incdir) {
		rc = 2;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		int r = consts_one(argv[i], incdir, outdir, check, verbose);

		if (r > rc)
			rc = r;
	}
out:
	free(incdir);
	if (src)
		dir_remove_tree(tmp);
	return rc;
}
