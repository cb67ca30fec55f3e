/* Unit tests for the .const extractor (src/consts). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "consts/consts.h"
#include "util/buf.h"
#include "util/log.h"

static int has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static const char *sample =
	"# A comment with FAKE_IN_COMMENT\n"
	"include <linux/dma-buf.h>\n"
	"include <linux/fcntl.h>\n"
	"define MY_END\tDMA_BUF_SYNC_END + 1  # trailing comment\n"
	"resource fd_x[int32]: -1\n"
	"ioctl$drmf_SYNC(fd fd_x, cmd const[DMA_BUF_IOCTL_SYNC], arg ptr[in, s])\n"
	"openat$x(fd const[AT_FDCWD], f ptr[in, string[\"/dev/NOT_A_CONST\"]])\n"
	"s {\n"
	"\tflags\tflags[fl, int64]\n"
	"\tv\tconst[MY_END, int32]\n"
	"\tw\tarray[int8, 0x1F]\n"
	"}\n"
	"type tmpl[N] {\n\tx\tconst[N, int32]\n}\n"
	"fl = DMA_BUF_SYNC_READ, NOT_IN_ANY_HEADER\n";

static void test_scan(void **state)
{
	struct consts_req r;

	(void)state;
	assert_int_equal(consts_scan(sample, "s.txt", &r), 0);
	assert_int_equal(r.n_includes, 2);
	assert_string_equal(r.includes[0], "linux/dma-buf.h");
	assert_int_equal(r.n_defs, 1);
	assert_string_equal(r.def_names[0], "MY_END");
	assert_string_equal(r.def_values[0], "DMA_BUF_SYNC_END + 1");
	assert_true(has(r.idents, r.n_idents, "__NR_ioctl"));
	assert_true(has(r.idents, r.n_idents, "__NR_openat"));
	assert_true(has(r.idents, r.n_idents, "DMA_BUF_IOCTL_SYNC"));
	assert_true(has(r.idents, r.n_idents, "MY_END"));
	assert_true(has(r.idents, r.n_idents, "AT_FDCWD"));
	assert_true(has(r.idents, r.n_idents, "N"));
	assert_false(has(r.idents, r.n_idents, "FAKE_IN_COMMENT"));
	assert_false(has(r.idents, r.n_idents, "NOT_A_CONST"));
	assert_false(has(r.idents, r.n_idents, "SYNC"));
	assert_false(has(r.idents, r.n_idents, "F"));
	assert_false(has(r.idents, r.n_idents, "__NR_resource"));
	for (size_t i = 1; i < r.n_idents; i++)
		assert_true(strcmp(r.idents[i - 1], r.idents[i]) < 0);
	consts_req_free(&r);
	consts_req_free(NULL);
}

static void quiet(enum log_level l, const char *m, void *c)
{
	(void)l;
	(void)m;
	(void)c;
}

static void test_scan_errors(void **state)
{
	struct consts_req r;

	(void)state;
	log_set_sink(quiet, NULL);
	assert_int_equal(consts_scan("include drm.h\n", "e.txt", &r), -EINVAL);
	assert_int_equal(consts_scan("define\n", "e.txt", &r), -EINVAL);
	assert_int_equal(consts_scan("define X\n", "e.txt", &r), -EINVAL);
	log_set_sink(NULL, NULL);
}

static uint64_t value_of(struct consts_value *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].value;
	fail_msg("%s has no value", name);
	return 0;
}

static void test_extract(void **state)
{
	struct consts_req r;
	struct consts_value *v;
	struct buf dropped = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(consts_scan(sample, "s.txt", &r), 0);
	assert_int_equal(consts_extract(&r, "/usr/include", &v, &n, &dropped),
			 0);
	/* _IOW('b', 0, struct dma_buf_sync): 8-byte argument. */
	assert_int_equal(value_of(v, n, "DMA_BUF_IOCTL_SYNC"), 0x40086200);
	assert_int_equal(value_of(v, n, "MY_END"), 5);
	assert_int_equal(value_of(v, n, "DMA_BUF_SYNC_READ"), 1);
	assert_int_equal(value_of(v, n, "__NR_ioctl"), 16);
	assert_int_equal(value_of(v, n, "__NR_openat"), 257);
	assert_true(value_of(v, n, "AT_FDCWD") == (uint64_t)-100);
	assert_non_null(strstr(dropped.data, "N\n"));
	assert_non_null(strstr(dropped.data, "NOT_IN_ANY_HEADER\n"));
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(v[i].name, "NOT_IN_ANY_HEADER");

	char *f = consts_format(v, n);

	assert_non_null(f);
	assert_int_equal(strncmp(f, "# Code generated", 16), 0);
	assert_non_null(strstr(f, "\narches = amd64\n"));
	assert_non_null(strstr(f, "\nAT_FDCWD = 18446744073709551516\n"));
	assert_non_null(strstr(f, "\nMY_END = 5\n"));
	free(f);
	consts_values_free(v, n);
	consts_values_free(NULL, 0);
	buf_free(&dropped);
	consts_req_free(&r);
}

static void test_missing_header(void **state)
{
	struct consts_req r;
	struct consts_value *v;
	size_t n;

	(void)state;
	log_set_sink(quiet, NULL);
	assert_int_equal(consts_scan("include <drmfuzz/no_such_header.h>\n"
				     "x {\n\tf\tconst[SOMETHING, int32]\n}\n",
				     "m.txt", &r),
			 0);
	assert_int_equal(consts_extract(&r, "/usr/include", &v, &n, NULL),
			 -ENOENT);
	consts_req_free(&r);
	log_set_sink(NULL, NULL);
}

static void test_bad_define(void **state)
{
	struct consts_req r;
	struct consts_value *v;
	size_t n;

	(void)state;
	log_set_sink(quiet, NULL);
	assert_int_equal(consts_scan("define BROKEN\t(1 +\n"
				     "x {\n\tf\tconst[BROKEN, int32]\n}\n",
				     "d.txt", &r),
			 0);
	assert_int_equal(consts_extract(&r, "/usr/include", &v, &n, NULL),
			 -EINVAL);
	consts_req_free(&r);
	log_set_sink(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_errors),
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_missing_header),
		cmocka_unit_test(test_bad_define),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
