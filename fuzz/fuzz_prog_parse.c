/* libFuzzer target: the program text parser (strict and non-strict) over
 * a small description with every argument kind (conditional fields and
 * checksums too); whatever parses must
 * print, re-parse to the same text, and encode to a decodable program. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_decode.h"
#include "prog/prog.h"
#include "util/log.h"

static const char desc[] =
	"resource fd_t[int32]: 0xffffffffffffffff\n"
	"resource fd_sub[fd_t]\n"
	"resource handle_t[int32]: 0\n"
	"openat$t(dir const[0xffffffffffffff9c, intptr], "
	"name ptr[in, string[\"/dev/t\"]], flags flags[oflags, int32], "
	"mode const[0]) fd_t\n"
	"openat$sub(dir const[0xffffffffffffff9c, intptr], "
	"name ptr[in, filename], flags flags[oflags, int32], "
	"mode const[0]) fd_sub\n"
	"ioctl$T_CREATE(fd fd_t, cmd const[0x1234], arg ptr[inout, create_arg])\n"
	"ioctl$T_MULTI(fd fd_t, cmd const[0x5678], arg ptr[in, multi_arg])\n"
	"ioctl$T_SUB(fd fd_sub, cmd const[0x9abc], arg ptr[in, bits])\n"
	"write$t(fd fd_t, h handle_t, buf ptr[in, array[int8]], "
	"len len[buf, intptr])\n"
	"mmap$t(addr vma, len len[addr], prot int32, fl int32, fd fd_t, "
	"off int64)\n"
	"syz_open_dev$t(dev ptr[in, string[\"/dev/t#\"]], id proc[0, 4, intptr], "
	"flags flags[oflags, int32]) fd_t\n"
	"close$t(fd fd_t)\n"
	"oflags = 1, 2, 4, 0x80000\n"
	"create_arg {\n\tsize\tint32\n\thandle\thandle_t\t(out)\n}\n"
	"elem {\n\ta\tint16be\n\tb\tint64\n\ts\tfmt[hex, int32]\n}\n"
	"bits {\n\tx\tint16:3\n\ty\tint16:5\n\tz\tint16:8\n}\n"
	"u [\n\tx\tint32\n\ty\tarray[int8, 4]\n\tz\tptr[in, elem]\n"
	"\tv\tptr[out, array[int32, 2]]\n]\n"
	"multi_arg {\n\tn\tlen[elems, int32]\n\tbytes\tbytesize[elems, int32]\n"
	"\telems\tptr[in, array[elem]]\n\topt\tu\n\th\thandle_t\n"
	"\tp\tptr[in, multi_arg, opt]\n\ttail\tarray[int32, 0:3]\n}\n"
	"ioctl$T_PKT(fd fd_t, cmd const[0x7777], arg ptr[in, pkt], "
	"len bytesize[arg, int32])\n"
	"hdr {\n\tkind\tint8\n\tflags\tint8\n} [packed]\n"
	"pkt {\n\th\thdr\n\ta\tint32\t(if[value[h:kind] == 1])\n"
	"\tn\tlen[b, int8]\n"
	"\tb\tarray[int16]\t(if[value[h:flags] & 2 != 0])\n"
	"\tbody\tpu\n\tip\tipv4_header\n\ttcp\ttcp_packet\n} [packed]\n"
	"pu [\n\tone\tint32\t(if[value[parent:parent:h:kind] == 1])\n"
	"\ttwo\tpkt_in\t(if[value[pkt:h:kind] == 2])\n\tany\tint8\n"
	"] [varlen]\n"
	"pkt_in {\n\tx\tint8\n\ty\tint64\t(if[value[x] != 0])\n} [packed]\n"
	"ipv4_header {\n\tihl\tint8\n\tcsum\tcsum[parent, inet, int16be]\n"
	"\tsrc_ip\tint32be\n\tdst_ip\tint32be\n} [packed]\n"
	"tcp_header {\n\tport\tint16be\n"
	"\tcsum\tcsum[tcp_packet, pseudo, 6, int16be]\n} [packed]\n"
	"tcp_packet {\n\thdr\ttcp_header\n\tpayload\tarray[int8]\n"
	"} [packed]\n";

static const char consts[] = "__NR_openat = 257\n__NR_ioctl = 16\n"
			     "__NR_write = 1\n__NR_close = 3\n__NR_mmap = 9\n";

static struct syz_target *target;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct prog *p)
{
	struct prog_parse_opts strict = { .strict = true };
	struct prog_diags d = { 0 };
	struct prog *q = NULL;
	char *s1 = prog_print(p), *s2 = NULL, err[256];
	uint8_t *enc;
	size_t len;
	if (!s1)
		return;
	if (prog_parse(target, s1, strlen(s1), &strict, &q, &d)) {
		fprintf(stderr, "re-parse failed: %d:%d: %s\n%s\n",
			d.n ? d.v[0].line : 0, d.n ? d.v[0].col : 0,
			d.n ? d.v[0].msg : "", s1);
		abort();
	}
	s2 = prog_print(q);
	if (s2 && strcmp(s1, s2)) {
		fprintf(stderr, "not canonical:\n%s---\n%s", s1, s2);
		abort();
	}
	if (!prog_encode(q, &enc, &len)) {
		char *dump = prog_exec_dump(enc, len, err, sizeof(err));
		if (!dump) {
			fprintf(stderr, "encoded program rejected: %s\n", err);
			abort();
		}
		free(dump);
		free(enc);
	}
	free(s1);
	free(s2);
	prog_free(q);
	prog_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!target) {
		struct syz_source src = { "fuzz.txt", desc, consts };
		struct syz_load_opts o = { .sources = &src, .n_sources = 1 };
		log_set_level(LOG_LVL_ERROR);
		if (syz_target_load(&o, &target, NULL))
			abort();
	}
	for (int strict = 0; strict < 2; strict++) {
		struct prog_parse_opts po = { .strict = strict };
		struct prog_diags d = { 0 };
		struct prog *p = NULL;
		if (!prog_parse(target, (const char *)data, size, &po, &p, &d))
			roundtrip(p);
		prog_free(p);
		prog_diags_free(&d);
	}
	return 0;
}
