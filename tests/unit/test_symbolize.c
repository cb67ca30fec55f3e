/*
 * Tests for the libdw symbolizer against symbolize_fixture.c, compiled at
 * build time with -g -O2: file:line of frames, inline chains, relative
 * paths, module (.ko) frames, and report text rewriting.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/symbolize.h"
#include "util/fileio.h"

#if !defined(SYM_FIXTURE) || !defined(SYM_FIXTURE_SRC)
#error "SYM_FIXTURE and SYM_FIXTURE_SRC must be defined"
#endif

static int marker_line(const char *marker)
{
	char *data;
	size_t len;
	assert_int_equal(file_read_all(SYM_FIXTURE_SRC, 0, &data, &len), 0);
	int line = 1, found = 0;
	for (char *p = data; *p; p++) {
		if (*p == '\n')
			line++;
		else if (!strncmp(p, marker, strlen(marker))) {
			found = line;
			break;
		}
	}
	free(data);
	assert_true(found > 0);
	return found;
}

/* The offset in outer() of an address inside the inlined helper(). */
static uint64_t find_inline(struct symbolizer *s, const char *module)
{
	int lh = marker_line("LINE_HELPER"), lc = marker_line("LINE_CALL");
	for (uint64_t off = 0; off < 512; off++) {
		const struct symbolizer_frame *f;
		size_t n;
		if (symbolizer_func(s, module, "outer", off, 0, true, &f, &n))
			continue;
		if (n == 2 && f[0].inlined && !strcmp(f[0].func, "helper") &&
		    f[0].line == lh) {
			assert_string_equal(f[0].file, "symbolize_fixture.c");
			assert_false(f[1].inlined);
			assert_string_equal(f[1].func, "outer");
			assert_int_equal(f[1].line, lc);
			assert_string_equal(f[1].file, "symbolize_fixture.c");
			return off;
		}
	}
	fail_msg("no address of outer() maps into the inlined helper()");
	return 0;
}

static void test_inline_chain(void **state)
{
	(void)state;
	struct symbolizer *s;
	char src[4096];
	snprintf(src, sizeof(src), "%s", SYM_FIXTURE_SRC);
	*strrchr(src, '/') = 0;
	assert_int_equal(symbolizer_new(SYM_FIXTURE, src, &s), 0);
	uint64_t off = find_inline(s, NULL);

	/* A return address one past it, as in a call trace. */
	char text[512];
	int l = snprintf(text, sizeof(text),
			 "Call Trace:\n <TASK>\n outer+0x%llx/0x40\n"
			 " ? unknown_fn+0x1/0x2\n",
			 (unsigned long long)off + 1);
	char *out;
	size_t out_len;
	assert_int_equal(symbolizer_text(s, text, (size_t)l, &out, &out_len),
			 0);
	char want[512];
	snprintf(want, sizeof(want),
		 "Call Trace:\n <TASK>\n helper symbolize_fixture.c:%d "
		 "[inline]\n outer+0x%llx/0x40 symbolize_fixture.c:%d\n"
		 " ? unknown_fn+0x1/0x2\n",
		 marker_line("LINE_HELPER"), (unsigned long long)off + 1,
		 marker_line("LINE_CALL"));
	assert_string_equal(out, want);
	assert_int_equal(out_len, strlen(want));
	free(out);

	/* Module frames resolve from fixmod.ko beside the "vmlinux". */
	uint64_t moff = find_inline(s, "fixmod");
	l = snprintf(text, sizeof(text), " outer+0x%llx/0x40 [fixmod]\n",
		     (unsigned long long)moff + 1);
	assert_int_equal(symbolizer_text(s, text, (size_t)l, &out, &out_len),
			 0);
	assert_non_null(strstr(out, "helper symbolize_fixture.c:"));
	assert_non_null(strstr(out, " [fixmod]\n"));
	free(out);

	struct symbolizer_stats st;
	symbolizer_get_stats(s, &st);
	assert_true(st.lookups > 0);
	const struct symbolizer_frame *f;
	size_t n;
	assert_int_equal(symbolizer_func(s, NULL, "no_such_fn", 1, 2, false, &f,
					 &n),
			 -ENOENT);
	assert_int_equal(symbolizer_func(s, "no_such_module", "outer", 1, 2,
					 false, &f, &n),
			 -ENOENT);
	symbolizer_free(s);
	symbolizer_free(NULL);
}

static void test_bad_files(void **state)
{
	(void)state;
	struct symbolizer *s = (struct symbolizer *)1;
	assert_int_equal(symbolizer_new("/nonexistent/vmlinux", NULL, &s),
			 -ENOENT);
	assert_null(s);
	assert_true(symbolizer_new(SYM_FIXTURE_SRC, NULL, &s) < 0);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_chain),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
