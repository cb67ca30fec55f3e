/*
 * Tests for src/report: titles, types and corruption flags on the real
 * console logs in ../shared/testdata/reports (every mismatch must be one
 * of tests/data/report_known_wrong.txt), title sanitization, frame
 * skipping, the streaming detector and hostile input.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"
#include "util/buf.h"
#include "util/fileio.h"

/* SHARED_DIR/testdata/reports, SHARED_DIR from argv[1]. */
static char *reports_dir;

struct expect {
	char title[512];
	char alt[8][512];
	int n_alt;
	char type[64];
	bool corrupted;
	const char *log;
	size_t log_len;
};

/* Header lines up to the first blank line, then the console log. */
static void parse_header(const char *data, size_t len, struct expect *e)
{
	memset(e, 0, sizeof(*e));
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		size_t l = end - pos;
		const char *s = data + pos;
		pos = end + 1;
		if (l == 0)
			break;
#define FIELD(name, dst)                                                    \
	if (l > strlen(name) && !strncmp(s, name, strlen(name))) {          \
		snprintf(dst, sizeof(dst), "%.*s", (int)(l - strlen(name)), \
			 s + strlen(name));                                 \
		continue;                                                   \
	}
		FIELD("TITLE: ", e->title);
		FIELD("TYPE: ", e->type);
		if (l > 5 && !strncmp(s, "ALT: ", 5) && e->n_alt < 8) {
			snprintf(e->alt[e->n_alt++], 512, "%.*s", (int)(l - 5),
				 s + 5);
			continue;
		}
		if (!strncmp(s, "CORRUPTED: Y", 12))
			e->corrupted = true;
#undef FIELD
	}
	e->log = data + (pos < len ? pos : len);
	e->log_len = pos < len ? len - pos : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return atoi(*(char *const *)a) - atoi(*(char *const *)b);
}

#define KNOWN_WRONG DRMFUZZ_SOURCE_ROOT "/tests/data/report_known_wrong.txt"

/* A line of KNOWN_WRONG: pointers into the file's text. */
struct known_wrong {
	const char *log, *what, *want, *got;
	bool seen;
};

/* Parse KNOWN_WRONG, which @text holds (modified in place). Returns the
 * number of entries; stops the test on a malformed line. */
static size_t parse_known_wrong(char *text, struct known_wrong *kw, size_t max)
{
	size_t n = 0;
	int lineno = 0;

	for (char *line = text, *next; line && *line; line = next) {
		char *f[5] = { 0 };
		int nf = 0;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!line[0] || line[0] == '#')
			continue;
		for (char *p = line; p && nf < 5; nf++) {
			f[nf] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (nf < 4 || n == max)
			fail_msg("%s:%d: want LOG<tab>WHAT<tab>WANT<tab>GOT"
				 "[<tab>WHY] (at most %zu lines)",
				 KNOWN_WRONG, lineno, max);
		kw[n++] = (struct known_wrong){ f[0], f[1], f[2], f[3], false };
	}
	return n;
}

/*
 * A mismatch between a log's header and report_parse(): fine when
 * KNOWN_WRONG lists it as it is. Returns 1 (and prints why) when not.
 */
static int mismatch(struct known_wrong *kw, size_t n_kw, const char *log,
		    const char *what, const char *want, const char *got)
{
	for (size_t i = 0; i < n_kw; i++) {
		if (strcmp(kw[i].log, log) || strcmp(kw[i].what, what))
			continue;
		kw[i].seen = true;
		if (!strcmp(kw[i].want, want) && !strcmp(kw[i].got, got))
			return 0;
		printf("%s %s: want '%s' got '%s'; %s says want '%s' got "
		       "'%s': update its line\n",
		       log, what, want, got, KNOWN_WRONG, kw[i].want,
		       kw[i].got);
		return 1;
	}
	printf("%s %s: want '%s' got '%s' (a new mismatch)\n", log, what, want,
	       got);
	return 1;
}

static void test_accuracy(void **state)
{
	(void)state;
	char *kw_text;
	size_t kw_len;
	assert_int_equal(file_read_all(KNOWN_WRONG, 0, &kw_text, &kw_len), 0);
	struct known_wrong kw[256];
	size_t n_kw = parse_known_wrong(kw_text, kw, 256);
	DIR *d = opendir(reports_dir);
	assert_non_null(d);
	char *names[4096];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 4096) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "LICENSE"))
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);

	size_t title_ok = 0, corrupt_ok = 0, type_ok = 0, type_total = 0;
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(reports_dir, names[i]);
		char *data;
		size_t len;
		assert_int_equal(file_read_all(path, 0, &data, &len), 0);
		struct expect e;
		parse_header(data, len, &e);
		struct report *rep = NULL;
		int rc = report_parse(e.log, e.log_len, &rep);
		assert_true(rc == 0 || rc == 1);
		const char *got = rep ? rep->title : "";
		bool tok = !strcmp(got, e.title);
		for (int a = 0; a < e.n_alt && rep; a++)
			tok |= !strcmp(got, e.alt[a]);
		/* no title: no crash in the log, so no report */
		const char *cwant = !e.title[0] ? "no report" :
				    e.corrupted ? "Y" :
						  "N";
		const char *cgot = !rep		  ? "no report" :
				   rep->corrupted ? "Y" :
						    "N";
		bool cok = !strcmp(cwant, cgot);
		title_ok += tok;
		corrupt_ok += cok;
		if (e.type[0] && rep) {
			const char *tgot = report_type_name(rep->type);
			type_total++;
			if (!strcmp(tgot, e.type))
				type_ok++;
			else
				bad += mismatch(kw, n_kw, names[i], "type",
						e.type, tgot);
		}
		if (!tok)
			bad += mismatch(kw, n_kw, names[i], "title", e.title,
					got);
		if (!cok)
			bad += mismatch(kw, n_kw, names[i], "corrupted", cwant,
					cgot);
		report_free(rep);
		free(data);
		free(path);
		free(names[i]);
	}
	for (size_t i = 0; i < n_kw; i++) {
		if (kw[i].seen)
			continue;
		printf("%s %s: right now (or no such log): remove its line "
		       "from %s\n",
		       kw[i].log, kw[i].what, KNOWN_WRONG);
		bad++;
	}
	free(kw_text);
	printf("report accuracy over %zu logs: titles %zu (%.1f%%), "
	       "corrupted flag %zu (%.1f%%), types %zu/%zu; %zu known wrong\n",
	       n, title_ok, 100.0 * (double)title_ok / (double)n, corrupt_ok,
	       100.0 * (double)corrupt_ok / (double)n, type_ok, type_total,
	       n_kw);
	assert_true(n >= 100);
	assert_int_equal(bad, 0);
}

static const char kasan_rb[] =
	"[   10.000000][ T100] "
	"==================================================================\n"
	"[   10.000001][ T100] BUG: KASAN: slab-use-after-free in "
	"rb_next+0x10/0x80\n"
	"[   10.000002][ T100] Read of size 8 at addr ffff888012345678 by "
	"task syz-executor.3/1234\n"
	"[   10.000003][  T200] unrelated: other task line\n"
	"[   10.000004][ T100] CPU: 0 PID: 1234 Comm: syz-executor.3 Not "
	"tainted 6.1.0 #1\n"
	"[   10.000005][ T100] Call Trace:\n"
	"[   10.000006][ T100]  <TASK>\n"
	"[   10.000007][ T100]  dump_stack_lvl+0x10/0x20\n"
	"[   10.000008][ T100]  print_report+0x10/0x20\n"
	"[   10.000009][ T100]  kasan_report+0x10/0x20\n"
	"[   10.000010][ T100]  rb_next+0x10/0x80\n"
	"[   10.000011][ T100]  ? drm_bogus+0x1/0x2\n"
	"[   10.000012][ T100]  drm_sched_rq_update_fifo_locked+0x10/0x80\n"
	"[   10.000013][ T100]  drm_sched_job_arm+0x10/0x80\n"
	"[   10.000014][ T100]  </TASK>\n";

static void test_kasan_rb_skipped(void **state)
{
	(void)state;
	struct report *rep;
	assert_int_equal(report_parse(kasan_rb, strlen(kasan_rb), &rep), 1);
	assert_string_equal(rep->title, "KASAN: slab-use-after-free Read in "
					"drm_sched_rq_update_fifo_locked");
	assert_string_equal(report_type_name(rep->type),
			    "KASAN-USE-AFTER-FREE-READ");
	assert_false(rep->corrupted);
	assert_string_equal(rep->frame, "drm_sched_rq_update_fifo_locked");
	assert_int_equal(rep->n_alt, 1);
	assert_string_equal(rep->alt_titles[0],
			    "bad-access in drm_sched_rq_update_fifo_locked");
	/* Other tasks' lines and questionable frames are not in the text. */
	assert_null(strstr(rep->text, "unrelated"));
	assert_null(strstr(rep->text, "drm_bogus"));
	assert_non_null(strstr(rep->text, "Call Trace:"));
	assert_int_equal(rep->start, strchr(kasan_rb, '\n') + 1 - kasan_rb);
	report_free(rep);
}

static void test_warning_and_deadlock(void **state)
{
	(void)state;
	static const char warn[] =
		"[   5.1] ------------[ cut here ]------------\n"
		"[   5.2] WARNING: CPU: 1 PID: 77 at "
		"drivers/gpu/drm/drm_vblank.c:1303 "
		"drm_wait_one_vblank+0x2b7/0x2d0\n"
		"[   5.3] Modules linked in:\n"
		"[   5.4] RIP: 0010:drm_wait_one_vblank+0x2b7/0x2d0\n"
		"[   5.5] Call Trace:\n"
		"[   5.6]  drm_client_modeset_commit+0x10/0x20\n"
		"[   5.7]  drm_ioctl+0x10/0x20\n"
		"[   5.8]  __do_sys_ioctl+0x10/0x20\n";
	static const char dl[] =
		"[   7.0] ======================================================\n"
		"[   7.1] WARNING: possible circular locking dependency detected\n"
		"[   7.2] 6.1.0 #1 Not tainted\n"
		"[   7.3] syz-executor/99 is trying to acquire lock:\n"
		"[   7.4] ffff8880 (&obj->lock){+.+.}-{3:3}, at: "
		"mutex_lock_nested+0x1/0x2\n"
		"[   7.5] \n"
		"[   7.6] but task is already holding lock:\n"
		"[   7.7] ffff8881 (&dev->lock){+.+.}-{3:3}, at: "
		"drm_gem_object_release+0x1/0x2\n"
		"[   7.8] stack backtrace:\n"
		"[   7.9] Call Trace:\n"
		"[   8.0]  dump_stack_lvl+0x1/0x2\n"
		"[   8.1]  lock_acquire+0x1/0x2\n"
		"[   8.2]  drm_gem_object_release+0x1/0x2\n";
	struct report *rep;
	assert_int_equal(report_parse(warn, strlen(warn), &rep), 1);
	assert_string_equal(rep->title, "WARNING in drm_wait_one_vblank");
	assert_string_equal(report_type_name(rep->type), "WARNING");
	assert_false(rep->corrupted);
	report_free(rep);
	assert_int_equal(report_parse(dl, strlen(dl), &rep), 1);
	assert_string_equal(rep->title,
			    "possible deadlock in drm_gem_object_release");
	assert_string_equal(report_type_name(rep->type), "LOCKDEP");
	report_free(rep);
}

static void test_sanitize(void **state)
{
	(void)state;
	char *t = report_sanitize_title(
		"INFO: task syz-executor.3:1234 blocked for 143 seconds at "
		"ffffffff81234567 in\tfoo.c:12 bar+0x10/0x20  CPU#3 \x01");
	assert_non_null(t);
	assert_string_equal(t, "INFO: task syz-executor blocked for NUM "
			       "seconds at ADDR in foo.c:LINE bar CPU");
	free(t);
	char long_title[400];
	memset(long_title, 'a', sizeof(long_title) - 1);
	long_title[sizeof(long_title) - 1] = 0;
	t = report_sanitize_title(long_title);
	assert_int_equal(strlen(t), 120);
	free(t);
}

static void test_no_crash(void **state)
{
	(void)state;
	static const char boot[] =
		"[    0.000000] Linux version 6.1.0\n"
		"[    1.000000] INFO: lockdep is turned off.\n"
		"[    2.000000] WARNING: /etc/ssh/moduli does not exist, using "
		"fixed modulus\n"
		"[    3.000000] ODEBUG: object is on stack, but not annotated\n";
	struct report *rep = (struct report *)1;
	assert_int_equal(report_parse(boot, strlen(boot), &rep), 0);
	assert_null(rep);
	assert_false(report_contains_crash(boot, strlen(boot)));
	assert_int_equal(report_parse("", 0, &rep), 0);
	assert_true(report_contains_crash(kasan_rb, strlen(kasan_rb)));
}

static void test_executor_losses(void **state)
{
	(void)state;
	struct report *rep = report_new_lost_connection("tail", 4);
	assert_non_null(rep);
	assert_string_equal(rep->title, "lost connection to test machine");
	assert_string_equal(report_type_name(rep->type), "LOST_CONNECTION");
	assert_string_equal(rep->text, "tail");
	report_free(rep);
	rep = report_new_no_output(NULL, 0);
	assert_string_equal(rep->title, "no output from test machine");
	assert_string_equal(report_type_name(rep->type), "NO_OUTPUT");
	report_free(rep);
	report_free(NULL);
}

static void test_stream(void **state)
{
	(void)state;
	struct report_stream *s = report_stream_new(4096);
	assert_non_null(s);
	/* Lots of noise first: memory must stay bounded. */
	char noise[100];
	for (int i = 0; i < 2000; i++) {
		int l = snprintf(noise, sizeof(noise),
				 "[ %4d.000000] some noise line %d\n", i, i);
		assert_int_equal(report_stream_feed(s, noise, (size_t)l), 0);
	}
	size_t len;
	report_stream_data(s, &len);
	assert_true(len <= 3 * 4096);
	assert_false(report_stream_crashed(s));
	/* The oops arrives in small pieces, split mid-line. */
	for (size_t i = 0; i < sizeof(kasan_rb) - 1; i += 7) {
		size_t n = sizeof(kasan_rb) - 1 - i < 7 ?
				   sizeof(kasan_rb) - 1 - i :
				   7;
		assert_int_equal(report_stream_feed(s, kasan_rb + i, n), 0);
	}
	assert_true(report_stream_crashed(s));
	assert_false(report_stream_complete(s));
	static const char panic[] =
		"[   11.0][ T100] Kernel panic - not syncing: KASAN: panic\n";
	assert_int_equal(report_stream_feed(s, panic, strlen(panic)), 0);
	assert_true(report_stream_complete(s));
	struct report *rep;
	assert_int_equal(report_stream_parse(s, &rep), 1);
	assert_string_equal(rep->title, "KASAN: slab-use-after-free Read in "
					"drm_sched_rq_update_fifo_locked");
	report_free(rep);
	report_stream_reset(s);
	assert_false(report_stream_crashed(s));
	report_stream_free(s);
	report_stream_free(NULL);
}

static void test_hostile_input(void **state)
{
	(void)state;
	/* Binary noise with oops headers sprinkled in, and a huge line. */
	size_t len = 8u << 20;
	char *big = malloc(len);
	assert_non_null(big);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		big[i] = (char)x;
	}
	memset(big + (1u << 20), 'A', 3u << 20); /* no newline for 3 MiB */
	static const char *const hdr[] = { "BUG: KASAN: ", "WARNING: ",
					   "Call Trace:\n", "INFO: task ",
					   "general protection fault" };
	for (size_t i = 0; i < 64; i++) {
		const char *h = hdr[i % 5];
		memcpy(big + i * 4099 + 17, h, strlen(h));
		memcpy(big + (5u << 20) + i * 31, h, strlen(h));
	}
	struct report *rep = NULL;
	int rc = report_parse(big, len, &rep);
	assert_true(rc == 0 || rc == 1);
	report_free(rep);
	/* Truncated reports. */
	for (size_t cut = 0; cut < sizeof(kasan_rb); cut += 13) {
		rc = report_parse(kasan_rb, cut, &rep);
		assert_true(rc == 0 || rc == 1);
		if (rc == 1)
			assert_true(rep->title[0] != 0);
		report_free(rep);
	}
	free(big);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kasan_rb_skipped),
		cmocka_unit_test(test_warning_and_deadlock),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_no_crash),
		cmocka_unit_test(test_executor_losses),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_accuracy),
	};
	int r;
	if (argc < 2) {
		fprintf(stderr, "usage: %s SHARED_DIR\n", argv[0]);
		return 2;
	}
	reports_dir = path_join(argv[1], "testdata/reports");
	if (!reports_dir)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	free(reports_dir);
	return r;
}
