/*
 * Unit tests: program logs. Finding programs among console lines, the
 * header's proc and options (ours and syzkaller's fault-call form),
 * logs with nothing to find, and a write/read round trip. The programs
 * are over drmfuzz's descriptions and the test module's (tests/kbugs).
 * argv: descriptions_dir kbugs_dir
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

#include "prog/prog.h"
#include "repro/log.h"
#include "syzlang/target.h"
#include "util/buf.h"

#include "kbugs_progs.h"

static char **args;
static struct syz_target *target;

static int setup(void **state)
{
	(void)state;
	return kbugs_target(args, &target);
}

static int teardown(void **state)
{
	(void)state;
	syz_target_free(target);
	return 0;
}

static void parse(const char *text, struct repro_log *l)
{
	assert_int_equal(repro_log_parse(target, text, strlen(text), l), 0);
}

static void test_interleaved(void **state)
{
	static const char log[] =
		"[   10.000001] drmfuzz: init done\n"
		"2026/12/08 10:00:00 executing program 1:\n" OPEN
		"[   10.100000] some console line\n" CREATE DESTROY "\n"
		"executing program 0:\n" OPEN
		"[   10.200000] BUG: KASAN: use-after-free in foo\n"
		"[   10.200001] Read of size 4\n";
	struct repro_log l;
	char *text;
	(void)state;

	parse(log, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.headers, 2);
	assert_int_equal(l.v[0].proc, 1);
	assert_int_equal(l.v[0].p->n_calls, 3);
	assert_int_equal(l.v[0].line, 2);
	assert_int_equal(l.v[0].skipped, 1); /* the console line between */
	assert_int_equal(l.v[1].proc, 0);
	assert_int_equal(l.v[1].p->n_calls, 1);
	assert_int_equal(l.v[1].skipped,
			 0); /* the splat follows, not between */
	assert_true(l.v[0].end == l.v[1].start);
	assert_int_equal(l.v[1].end, sizeof(log) - 1);
	text = prog_print(l.v[0].p);
	assert_string_equal(text, OPEN CREATE DESTROY);
	free(text);
	repro_log_free(&l);
}

static void test_fault_call(void **state)
{
	static const char log[] = "executing program 3 (fault-call:1 "
				  "fault-nth:4):\n" OPEN CREATE;
	struct repro_log l;
	(void)state;

	parse(log, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].proc, 3);
	assert_int_equal(l.v[0].p->calls[0]->props.fail_nth, 0);
	assert_int_equal(l.v[0].p->calls[1]->props.fail_nth, 5);
	repro_log_free(&l);
}

static void test_options(void **state)
{
	static const char log[] = "executing program 2 (threaded collide "
				  "repeat=0 procs=2 sandbox=setuid):\n" OPEN;
	struct repro_log l;
	(void)state;

	parse(log, &l);
	assert_int_equal(l.n, 1);
	assert_true(l.v[0].has_opts);
	assert_true(l.v[0].opts.threaded);
	assert_true(l.v[0].opts.collide);
	assert_int_equal(l.v[0].opts.repeat, 0);
	assert_int_equal(l.v[0].opts.procs, 2);
	assert_true(l.v[0].opts.sandbox_setuid);
	repro_log_free(&l);
}

static void test_nothing(void **state)
{
	static const char console[] = "[    0.000000] Linux version 6.1\n"
				      "[    1.000000] BUG: something\n";
	static const char bad[] = "executing program 0:\n"
				  "nosuchcall$x(0x1)\n"
				  "executing program 1:\n";
	struct repro_log l;
	(void)state;

	parse("", &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.headers, 0);
	repro_log_free(&l);
	parse(console, &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.headers, 0);
	repro_log_free(&l);
	parse(bad, &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.headers, 2);
	assert_int_equal(l.empty, 2);
	repro_log_free(&l);
}

static void test_round_trip(void **state)
{
	struct repro_opts o = { .threaded = true, .repeat = 5, .procs = 1 };
	struct buf b = { 0 };
	struct repro_log l;
	char *text;
	(void)state;

	assert_int_equal(repro_log_format(&b, 4, &o, OPEN CREATE DESTROY), 0);
	assert_int_equal(repro_log_format(&b, 0, NULL, OPEN), 0);
	assert_string_equal(b.data,
			    "executing program 4 (threaded repeat=5 "
			    "procs=1 sandbox=none):\n" OPEN CREATE DESTROY
			    "executing program 0:\n" OPEN);
	parse(b.data, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].proc, 4);
	assert_true(l.v[0].opts.threaded);
	assert_int_equal(l.v[0].opts.repeat, 5);
	assert_false(l.v[1].has_opts);
	text = prog_print(l.v[0].p);
	assert_string_equal(text, OPEN CREATE DESTROY);
	free(text);
	repro_log_free(&l);
	buf_free(&b);
}

static void test_opts_errors(void **state)
{
	struct repro_opts o = { 0 };
	char err[256];
	(void)state;

	assert_int_equal(repro_opts_parse("threaded procs=0", &o, err,
					  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'procs=0'"));
	assert_int_equal(repro_opts_parse("sandbox=android", &o, err,
					  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'sandbox=android'"));
	assert_int_equal(repro_opts_parse("repeat=x", &o, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		repro_opts_parse(" collide,fault ", &o, err, sizeof(err)), 0);
	assert_true(o.collide && o.fault);
}

static void test_ring(void **state)
{
	static const char console[] = "[ 1.0] boot\n"
				      "[ 2.0] half a li"
				      "ne\n"
				      "[ 3.0] BUG: crash\n";
	struct repro_ring *r = repro_ring_new(2);
	struct repro_opts o = { .collide = true, .repeat = 1, .procs = 1 };
	struct buf b = { 0 };
	(void)state;

	assert_non_null(r);
	/* The oldest of three is dropped; offsets snap to line starts. */
	assert_int_equal(repro_ring_add(r, 0, NULL, OPEN, 0, 100.0), 0);
	assert_int_equal(repro_ring_add(r, 1, NULL, OPEN, 12, 101.0), 0);
	assert_int_equal(repro_ring_add(r, 2, &o, OPEN CREATE, 20, 102.0), 0);
	assert_int_equal(repro_ring_count(r), 2);
	assert_int_equal(
		repro_ring_merge(r, console, sizeof(console) - 1, 0, 0, &b), 0);
	assert_string_equal(b.data,
			    "[ 1.0] boot\n"
			    "executing program 1:\n" OPEN "[ 2.0] half a line\n"
			    "executing program 2 (collide repeat=1 "
			    "procs=1 sandbox=none):\n" OPEN CREATE
			    "[ 3.0] BUG: crash\n");
	buf_reset(&b);
	/* Only what was sent since a time; a program past the end. */
	assert_int_equal(repro_ring_add(r, 3, NULL, OPEN, 1000, 103.0), 0);
	assert_int_equal(repro_ring_merge(r, console, sizeof(console) - 1, 0,
					  102.5, &b),
			 0);
	assert_string_equal(b.data, "[ 1.0] boot\n"
				    "[ 2.0] half a line\n"
				    "[ 3.0] BUG: crash\n"
				    "executing program 3:\n" OPEN);
	buf_reset(&b);
	/* A console kept from byte 12 on: offsets are shifted by it, and
	 * what was sent before it comes first. */
	repro_ring_reset(r);
	assert_int_equal(repro_ring_add(r, 0, NULL, OPEN, 5, 100.0), 0);
	assert_int_equal(repro_ring_add(r, 1, NULL, OPEN, 29, 101.0), 0);
	assert_int_equal(repro_ring_merge(r, console + 12, sizeof(console) - 13,
					  12, 0, &b),
			 0);
	assert_string_equal(b.data,
			    "executing program 0:\n" OPEN "[ 2.0] half a line\n"
			    "executing program 1:\n" OPEN
			    "[ 3.0] BUG: crash\n");
	buf_reset(&b);
	repro_ring_reset(r);
	assert_int_equal(repro_ring_count(r), 0);
	assert_int_equal(repro_ring_merge(r, "x", 1, 0, 0, &b), 0);
	assert_string_equal(b.data, "x");
	buf_free(&b);
	repro_ring_free(r);
	repro_ring_free(NULL);
}

static void test_comm(void **state)
{
	(void)state;
	assert_int_equal(repro_comm_proc("CPU: 1 PID: 99 Comm: drmfuzz-proc-3 "
					 "Not tainted 6.1.0\n"),
			 3);
	assert_int_equal(repro_comm_proc("x\nCPU: 0 PID: 1 Comm: "
					 "syz-executor.12 Not tainted\n"),
			 12);
	assert_int_equal(repro_comm_proc("Comm: syz-executor5 Not"), 5);
	assert_int_equal(repro_comm_proc("Comm: syz.2.1043 Not tainted"), 2);
	assert_int_equal(repro_comm_proc("Comm: kworker/0:1 Not tainted\n"
					 "Comm: drmfuzz-proc-1\n"),
			 1);
	assert_int_equal(repro_comm_proc("Comm: kworker/u4:2 Not tainted"), -1);
	assert_int_equal(repro_comm_proc("Comm: syz-fuzzer Not tainted"), -1);
	assert_int_equal(repro_comm_proc(""), -1);
	assert_int_equal(repro_comm_proc(NULL), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_fault_call),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_opts_errors),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_comm),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s DESCRIPTIONS_DIR KBUGS_DIR\n",
			argv[0]);
		return 2;
	}
	args = argv;
	return cmocka_run_group_tests(tests, setup, teardown);
}
