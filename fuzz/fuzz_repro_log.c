/* libFuzzer target: the program-log reader (repro/log.h) over a small
 * description; every entry it finds must print, and re-read from the log
 * form it writes, to the same programs. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/prog.h"
#include "repro/log.h"
#include "syzlang/target.h"
#include "util/buf.h"
#include "util/log.h"

static const char desc[] =
	"resource fd_t[int32]: 0xffffffffffffffff\n"
	"resource handle_t[int32]: 0\n"
	"openat$t(dir const[0xffffffffffffff9c, intptr], "
	"name ptr[in, string[\"/dev/t\"]], flags flags[oflags, int32], "
	"mode const[0]) fd_t\n"
	"ioctl$T_CREATE(fd fd_t, cmd const[0x1234], arg ptr[inout, create_arg])\n"
	"ioctl$T_USE(fd fd_t, cmd const[0x5678], arg ptr[in, handle_t])\n"
	"close$t(fd fd_t)\n"
	"oflags = 1, 2, 4, 0x80000\n"
	"create_arg {\n\tsize\tint32\n\thandle\thandle_t\t(out)\n}\n";
static const char consts[] = "__NR_openat = 257\n__NR_ioctl = 16\n"
			     "__NR_close = 3\n";

static struct syz_target *target;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct syz_source src = { "fuzz.txt", desc, consts };
	struct syz_load_opts o = { .sources = &src, .n_sources = 1 };
	(void)argc;
	(void)argv;
	log_set_level(LOG_LVL_ERROR);
	if (syz_target_load(&o, &target, NULL))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repro_log l, again;
	struct buf b = { 0 };

	if (repro_log_parse(target, (const char *)data, size, &l))
		return 0;
	for (size_t i = 0; i < l.n; i++) {
		char *text = prog_print(l.v[i].p);

		if (!text)
			abort();
		if (l.v[i].start > l.v[i].end || l.v[i].end > size)
			abort();
		if (repro_log_format(&b, l.v[i].proc,
				     l.v[i].has_opts ? &l.v[i].opts : NULL,
				     text))
			abort();
		free(text);
	}
	if (repro_log_parse(target, b.data ? b.data : "", b.len, &again))
		abort();
	if (again.n != l.n)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		char *x = prog_print(l.v[i].p), *y = prog_print(again.v[i].p);

		if (strcmp(x, y) || again.v[i].proc != l.v[i].proc)
			abort();
		free(x);
		free(y);
	}
	repro_log_free(&again);
	repro_log_free(&l);
	buf_free(&b);
	return 0;
}
