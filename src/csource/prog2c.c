/*
 * Test driver for csource.h until the CLI has `drmfuzz prog2c`: writes the
 * C program for a program file to stdout.
 * Usage: csource_prog2c [-d DESC_DIR] [-s SYZKALLER] [-t] [-c] [-r N]
 *        [-p N] [-u] [-f CALL:NTH] PROG
 * (-t threaded, -c collide, -r repeat, -p procs, -u setuid sandbox).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csource/csource.h"
#include "util/fileio.h"

int main(int argc, char **argv)
{
	const char *desc = NULL, *syzkaller = NULL;
	struct csource_opts o;
	struct syz_load_opts lo = { 0 };
	struct syz_target *t = NULL;
	struct syz_diags dg = { 0 };
	struct prog_parse_opts po = { .strict = false };
	struct prog_diags pd = { 0 };
	struct prog *p = NULL;
	struct buf b = { 0 };
	char err[512], *text;
	size_t len;
	int c, rc = 1;

	csource_opts_default(&o);
	while ((c = getopt(argc, argv, "d:s:tcr:p:uf:")) != -1) {
		switch (c) {
		case 'd':
			desc = optarg;
			break;
		case 's':
			syzkaller = optarg;
			break;
		case 't':
			o.threaded = true;
			break;
		case 'c':
			o.collide = true;
			break;
		case 'r':
			o.repeat = atoi(optarg);
			break;
		case 'p':
			o.procs = atoi(optarg);
			break;
		case 'u':
			o.sandbox = CSOURCE_SANDBOX_SETUID;
			break;
		case 'f':
			if (sscanf(optarg, "%d:%d", &o.fault_call,
				   &o.fault_nth) != 2)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr,
			"usage: %s [-d DIR] [-s SYZKALLER] [-t] [-c] "
			"[-r N] [-p N] [-u] [-f CALL:NTH] PROG\n",
			argv[0]);
		return 2;
	}
	if (desc) {
		lo.desc_dirs = &desc;
		lo.n_desc_dirs = 1;
	}
	lo.syzkaller = syzkaller;
	if (syz_target_load(&lo, &t, &dg)) {
		fprintf(stderr, "cannot load the descriptions\n");
		goto out;
	}
	if (file_read_all(argv[optind], 0, &text, &len)) {
		fprintf(stderr, "%s: %s\n", argv[optind], strerror(errno));
		goto out;
	}
	if (prog_parse(t, text, len, &po, &p, &pd)) {
		fprintf(stderr, "%s:%d:%d: %s\n", argv[optind],
			pd.n ? pd.v[0].line : 0, pd.n ? pd.v[0].col : 0,
			pd.n ? pd.v[0].msg : "parse error");
		free(text);
		goto out;
	}
	free(text);
	if (csource_write(p, &o, &b, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	fwrite(b.data, 1, b.len, stdout);
	rc = 0;
out:
	buf_free(&b);
	prog_free(p);
	prog_diags_free(&pd);
	syz_diags_free(&dg);
	syz_target_free(t);
	return rc;
}
