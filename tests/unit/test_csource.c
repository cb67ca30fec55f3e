/*
 * C reproducers (src/csource): programs over drmfuzz's descriptions and
 * syzkaller's sys/linux, written out with several option sets, build
 * with gcc -O2 -static -pthread -Wall -Wextra -Werror; plain-syscall
 * programs run here and do what their program says (and a reproducer
 * with a wrong copyin offset is caught); random programs never break
 * the generator.
 *
 * argv: shared_dir descriptions_dir
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "csource/csource.h"
#include "exec_decode.h"
#include "syzlang/select.h"
#include "util/fileio.h"

static const char *shared_dir, *desc_dir;
static char tmp_dir[] = "/tmp/test_csource.XXXXXX";

static struct syz_target *load(const char *syzkaller, const char *dir)
{
	struct syz_load_opts o = { .syzkaller = syzkaller };
	struct syz_target *t = NULL;
	struct syz_diags d = { 0 };

	if (dir) {
		o.desc_dirs = &dir;
		o.n_desc_dirs = 1;
	}
	syz_target_load(&o, &t, &d);
	syz_diags_free(&d);
	return t;
}

static struct prog *parse(const struct syz_target *t, const char *text)
{
	struct prog_parse_opts po = { .strict = false };
	struct prog_diags d = { 0 };
	struct prog *p = NULL;

	if (prog_parse(t, text, strlen(text), &po, &p, &d))
		p = NULL;
	prog_diags_free(&d);
	return p;
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Write @c to the temp dir and build it (with @flags); 0 when gcc
 * succeeded. The binary is <tmp>/<name>. */
static int build(const char *c, const char *name, const char *flags)
{
	char path[512], cmd[2048];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.c", tmp_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(c, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "gcc -O2 -static -pthread -Wall -Wextra -Werror %s %s -o "
		 "%s/%s 2>%s/%s.err",
		 flags, path, tmp_dir, name, tmp_dir, name);
	rc = run(cmd);
	if (rc) {
		snprintf(cmd, sizeof(cmd), "head -c 3000 %s/%s.err", tmp_dir,
			 name);
		run(cmd);
	}
	return rc;
}

/* Generate with @o; the C (caller frees) or NULL with @err set. */
static char *gen(const struct prog *p, const struct csource_opts *o, char *err,
		 size_t cap)
{
	struct buf b = { 0 };

	if (csource_write(p, o, &b, err, cap)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The option sets programs are written out with. */
static struct csource_opts opt_set(int k, const struct prog *p)
{
	struct csource_opts o;

	csource_opts_default(&o);
	switch (k % 6) {
	case 1:
		o.threaded = true;
		break;
	case 2:
		o.collide = true;
		o.repeat = 3;
		break;
	case 3:
		o.procs = 2;
		o.sandbox = CSOURCE_SANDBOX_SETUID;
		break;
	case 4:
		o.threaded = true;
		o.fault_call = p->n_calls ? (int)(p->n_calls - 1) : -1;
		o.fault_nth = 2;
		break;
	case 5:
		o.repeat = 0;
		o.procs = 3;
		break;
	}
	return o;
}

static void check_builds(const struct prog *p, int k, const char *what)
{
	struct csource_opts o = opt_set(k, p);
	char err[512], *c = gen(p, &o, err, sizeof(err));

	if (!c)
		fail_msg("%s (options %d): %s", what, k % 6, err);
	if (build(c, "b", ""))
		fail_msg("%s (options %d): does not build", what, k % 6);
	free(c);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in @dir (caller frees each and the array). */
static size_t list_dir(const char *dir, char ***out)
{
	DIR *dp = opendir(dir);
	char **v = calloc(512, sizeof(*v));
	struct dirent *de;
	size_t n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)) && n < 512) {
		if (de->d_name[0] != '.')
			v[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(v, n, sizeof(*v), name_cmp);
	*out = v;
	return n;
}

/* Every seed, with every option set (one compile per pair). */
static void test_seeds(void **state)
{
	struct syz_target *t = load(NULL, desc_dir);
	char *dir = path_join(desc_dir, "seeds"), **names;
	size_t n = list_dir(dir, &names), built = 0;

	(void)state;
	assert_non_null(t);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]), *text, err[512], *c;
		int step = n > 6 ? 2 : 1;
		struct csource_opts o;
		size_t len;
		struct prog *p;

		assert_int_equal(file_read_all(path, 0, &text, &len), 0);
		p = parse(t, text);
		assert_non_null(p);
		/* The by-driver links are made when the program uses them. */
		csource_opts_default(&o);
		c = gen(p, &o, err, sizeof(err));
		assert_non_null(c);
		assert_int_equal(!!strstr(text, "/dev/dri/by-driver/"),
				 !!strstr(c, "\tdrm_nodes_setup();"));
		free(c);
		for (int k = 0; k < 6; k += step) {
			check_builds(p, (int)i + k, names[i]);
			built++;
		}
		prog_free(p);
		free(text);
		free(path);
		free(names[i]);
	}
	printf("seeds: %zu programs, %zu reproducers built\n", n, built);
	free(names);
	free(dir);
	syz_target_free(t);
}

/* syzkaller's test programs: those the generator takes build; the rest
 * are refused with the pseudo call named. */
static void test_syzkaller(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	char *dir = path_join(shared_dir, "testdata/programs"), **names;
	struct syz_target *t = load(syzkaller, NULL);
	size_t n = list_dir(dir, &names), built = 0, refused = 0;

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]), *text, err[512], *c;
		struct csource_opts o;
		struct prog *p;
		size_t len;

		assert_int_equal(file_read_all(path, 0, &text, &len), 0);
		p = parse(t, text);
		free(text);
		free(path);
		if (!p) {
			free(names[i]);
			continue; /* calls absent from sys/linux */
		}
		csource_opts_default(&o);
		c = gen(p, &o, err, sizeof(err));
		if (!c) {
			assert_non_null(strstr(err, "pseudo call"));
			assert_non_null(strstr(err, "syz_"));
			refused++;
		} else {
			free(c);
			/* a third of them, to keep the test short */
			if (i % 3 == 0) {
				check_builds(p, (int)i, names[i]);
				built++;
			}
		}
		prog_free(p);
		free(names[i]);
	}
	printf("syzkaller: %zu programs, %zu built, %zu refused\n", n, built,
	       refused);
	assert_true(built >= 5);
	free(names);
	free(dir);
	free(syzkaller);
	syz_target_free(t);
}

/* Plain syscalls whose effects the reproducer's output shows: a memfd
 * written and read back, a pipe's fds copied out of memory into later
 * calls, an invalid close, getpid; the data read back goes to stdout. */
static const char host_prog[] =
	"r0 = memfd_create(&(0x7f0000000000)='csource\\x00', 0x0)\n"
	"write(r0, &(0x7f0000000100)=\"68656c6c6f20776f726c640a\", 0xc)\n"
	"lseek(r0, 0x0, 0x0)\n"
	"read(r0, &(0x7f0000000200)=\"\"/12, 0xc)\n"
	"write(0x1, &(0x7f0000000200), 0xc)\n"
	"close(0xffffffffffffffff)\n"
	"pipe(&(0x7f0000000300)={<r1=>0xffffffffffffffff, "
	"<r2=>0xffffffffffffffff})\n"
	"write(r2, &(0x7f0000000400)=\"7069706521\", 0x5)\n"
	"read(r1, &(0x7f0000000500)=\"\"/5, 0x5)\n"
	"write(0x1, &(0x7f0000000500), 0x5)\n"
	"getpid()\n";

static const char host_want_out[] = "hello world\npipe!";
static const char *const host_want_err[] = {
	"call 1: 12 (errno 0)", "call 3: 12 (errno 0)", "call 4: 12 (errno 0)",
	"call 5: -1 (errno 9)", "call 7: 5 (errno 0)",	"call 8: 5 (errno 0)",
	"call 9: 5 (errno 0)",
};

static struct prog *host_program(const struct syz_target *t)
{
	struct prog *p = parse(t, host_prog);

	assert_non_null(p);
	/* The writes to stdout print what was read: their count is not the
	 * (empty) buffer's length. */
	p->calls[4]->args[2]->c.val = 12;
	p->calls[9]->args[2]->c.val = 5;
	return p;
}

static char *slurp(const char *name)
{
	char *path = path_join(tmp_dir, name), *text = NULL;
	size_t len;

	if (file_read_all(path, 0, &text, &len))
		text = strdup("");
	free(path);
	return text;
}

/* Run the binary; 1 when its output is what the program says. */
static int host_check(const char *bin, int times)
{
	char cmd[1024], *o, *e;
	int ok, rc;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && timeout 60 ./%s >%s.out 2>%s.stderr", tmp_dir, bin,
		 bin, bin);
	rc = run(cmd);
	snprintf(cmd, sizeof(cmd), "%s.out", bin);
	o = slurp(cmd);
	snprintf(cmd, sizeof(cmd), "%s.stderr", bin);
	e = slurp(cmd);
	ok = rc == 0;
	/* each run prints the data once */
	char *s = o;
	for (int i = 0; i < times; i++) {
		ok = ok && !strncmp(s, host_want_out, strlen(host_want_out));
		s += strlen(host_want_out);
	}
	ok = ok && !*s;
	for (size_t i = 0; i < sizeof(host_want_err) / sizeof(*host_want_err);
	     i++)
		ok = ok && strstr(e, host_want_err[i]);
	if (!ok)
		printf("%s: exit %d, stdout:\n%s\nstderr:\n%s\n", bin, rc, o,
		       e);
	free(o);
	free(e);
	return ok;
}

static void test_host_run(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct csource_opts o;
	char err[512], *c, *bad;
	struct prog *p;

	(void)state;
	assert_non_null(t);
	p = host_program(t);
	csource_opts_default(&o);
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(build(c, "host", "-DCSOURCE_VERBOSE"), 0);
	assert_true(host_check("host", 1));

	/* It needs nothing where it runs: an empty root (no /tmp, /proc or
	 * /dev) will do. */
	if (geteuid() == 0) {
		char cmd[1024];

		snprintf(
			cmd, sizeof(cmd),
			"cd %s && mkdir -p empty && cp host empty/ && "
			"timeout 60 chroot empty /host >empty.out 2>empty.err && "
			"cmp empty.out host.out",
			tmp_dir);
		assert_int_equal(run(cmd), 0);
	}

	/* The checks catch a store at the wrong offset. */
	bad = strdup(c);
	char *m = strstr(bad, "memcpy((void *)0x7f0000000100");
	assert_non_null(m);
	m[strlen("memcpy((void *)0x7f000000010")] = '1';
	assert_int_equal(build(bad, "bad", "-DCSOURCE_VERBOSE"), 0);
	assert_false(host_check("bad", 1));
	free(bad);
	free(c);

	/* Threaded, repeated three times in fresh children; and collide. */
	o.threaded = true;
	o.repeat = 3;
	o.call_timeout_ms = 1000;
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_non_null(strstr(c, "call_start("));
	assert_non_null(strstr(c, "loop();"));
	assert_int_equal(build(c, "thr", "-DCSOURCE_VERBOSE"), 0);
	assert_true(host_check("thr", 3));
	free(c);
	prog_free(p);
	syz_target_free(t);
	free(syzkaller);
}

/* An async read of a pipe is not waited for: the write after it runs
 * while it blocks and completes it. Reruns repeat the call. */
static void test_async_rerun(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct csource_opts o;
	char err[512], *c, *e, cmd[512];
	struct prog *p;

	(void)state;
	assert_non_null(t);
	p = parse(t, "pipe(&(0x7f0000000000)={<r0=>0xffffffffffffffff, "
		     "<r1=>0xffffffffffffffff})\n"
		     "read(r0, &(0x7f0000000100)=\"\"/8, 0x8) (async)\n"
		     "write(r1, &(0x7f0000000200)=\"6869\", 0x2)\n"
		     "getpid() (rerun: 3)\n");
	assert_non_null(p);
	assert_true(p->calls[1]->props.async);
	csource_opts_default(&o);
	o.call_timeout_ms = 5000;
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_non_null(strstr(c, "call_start(1, call_1"));
	assert_null(strstr(c, "call_wait(1);"));
	assert_non_null(strstr(c, "call_wait(2);"));
	assert_non_null(strstr(c, "for (int i = 0; i < 3; i++)"));
	assert_int_equal(build(c, "async", "-DCSOURCE_VERBOSE"), 0);
	free(c);
	/* Were the read waited for, the run would take the 5 s timeout. */
	snprintf(cmd, sizeof(cmd), "cd %s && timeout 4 ./async 2>async.stderr",
		 tmp_dir);
	assert_int_equal(run(cmd), 0);
	e = slurp("async.stderr");
	if (!strstr(e, "call 1: 2 (errno 0)") ||
	    !strstr(e, "call 2: 2 (errno 0)"))
		fail_msg("async read not completed by the write:\n%s", e);
	free(e);
	prog_free(p);
	syz_target_free(t);
	free(syzkaller);
}

/* The pseudo calls, a result with op_div/op_add, a pid formatted as
 * text at run time, two procs, threaded: builds and runs. */
static void test_pseudo_ops(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct csource_opts o;
	char err[512], *c, *e, cmd[512];
	struct prog *p;

	(void)state;
	assert_non_null(t);
	p = parse(t,
		  "r0 = syz_open_procfs(0x0, &(0x7f0000000000)='status\\x00')\n"
		  "r1 = getpid()\n"
		  "write$cgroup_pid(0xffffffffffffffff, &(0x7f0000000100)=r1, "
		  "0x12)\n"
		  "close(r0/0x1+0x64)\n"
		  "r2 = syz_open_pts(0xffffffffffffffff, 0x0)\n"
		  "close(r2)\n"
		  "r3 = syz_init_net_socket$bt_hci(0x1f, 0x3, 0x1)\n"
		  "close(r3)\n"
		  "r4 = syz_open_dev$loop(&(0x7f0000000200)='/dev/loop#\\x00', "
		  "0x3e7, 0x0)\n"
		  "close(r4)\n");
	assert_non_null(p);
	csource_opts_default(&o);
	o.threaded = true;
	o.procs = 2;
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_non_null(strstr(c, "res_get_op(0, 0x1, 0x64, "));
	assert_non_null(strstr(c, "str_store(0x7f0000000100, 'x', res_get(1"));
	assert_non_null(strstr(c, "static long syz_open_dev("));
	assert_non_null(strstr(c, "static long syz_init_net_socket("));
	assert_int_equal(build(c, "pseudo", "-DCSOURCE_VERBOSE"), 0);
	free(c);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && timeout 60 ./pseudo 2>pseudo.stderr", tmp_dir);
	assert_int_equal(run(cmd), 0);
	e = slurp("pseudo.stderr");
	/* /proc/self/status opens (fd 3); fd 3 + 100 does not exist */
	if (!strstr(e, "call 0: 3 (errno 0)") ||
	    !strstr(e, "call 3: -1 (errno 9)") ||
	    !strstr(e, "call 4: -1 (errno 9)"))
		fail_msg("unexpected results:\n%s", e);
	free(e);
	prog_free(p);
	syz_target_free(t);
	free(syzkaller);
}

/* The setuid sandbox drops to nobody with group video (as root only);
 * two procs repeating twice run the program four times. */
static void test_sandbox_procs(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct csource_opts o;
	char err[512], *c, *e, cmd[512];
	struct prog *p;
	int n = 0;

	(void)state;
	assert_non_null(t);
	p = parse(t, "getuid()\ngetgid()\ngetpid()\n");
	assert_non_null(p);
	csource_opts_default(&o);
	o.procs = 2;
	o.repeat = 2;
	o.sandbox = CSOURCE_SANDBOX_SETUID;
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	/* root's setup first, then the sandbox, then the programs */
	assert_true(strstr(c, "\tprocs_fork();") <
		    strstr(c, "\tsandbox_setuid();"));
	assert_true(strstr(c, "\tsandbox_setuid();") < strstr(c, "\tloop();"));
	assert_int_equal(build(c, "sbx", "-DCSOURCE_VERBOSE"), 0);
	free(c);
	if (geteuid() != 0) {
		printf("sandbox: not root, not run\n");
	} else {
		snprintf(cmd, sizeof(cmd),
			 "cd %s && timeout 60 ./sbx 2>sbx.stderr", tmp_dir);
		assert_int_equal(run(cmd), 0);
		e = slurp("sbx.stderr");
		for (const char *s = e; (s = strstr(s, "call 0: 65534 ")); s++)
			n++;
		if (n != 4 || !strstr(e, "call 1: 65534 "))
			fail_msg("want 4 runs as nobody:\n%s", e);
		free(e);
	}
	prog_free(p);
	syz_target_free(t);
	free(syzkaller);
}

/* A program that blocks forever (read of an empty pipe), threaded and
 * repeated: each call is given up after the call timeout and each run
 * killed after the program timeout, so the reproducer ends. */
static void test_terminates(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct csource_opts o;
	char err[512], *c, cmd[512];
	struct prog *p;

	(void)state;
	assert_non_null(t);
	p = parse(t, "pipe(&(0x7f0000000000)={<r0=>0xffffffffffffffff, "
		     "<r1=>0xffffffffffffffff})\n"
		     "read(r0, &(0x7f0000000100)=\"\"/8, 0x8)\n"
		     "getpid()\n");
	assert_non_null(p);
	csource_opts_default(&o);
	o.threaded = true;
	o.call_timeout_ms = 100;
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(build(c, "block1", ""), 0);
	free(c);
	snprintf(cmd, sizeof(cmd), "timeout 20 %s/block1", tmp_dir);
	assert_int_equal(run(cmd), 0);

	/* Not threaded: the read blocks the run, which is killed. */
	o.threaded = false;
	o.repeat = 2;
	o.prog_timeout_ms = 300;
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(build(c, "block2", ""), 0);
	free(c);
	snprintf(cmd, sizeof(cmd), "timeout 20 %s/block2", tmp_dir);
	assert_int_equal(run(cmd), 0);
	prog_free(p);
	syz_target_free(t);
	free(syzkaller);
}

/* Refusals and bad options say what is wrong. */
static void test_errors(void **state)
{
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct csource_opts o;
	char err[512], *c;
	struct prog *p;

	(void)state;
	assert_non_null(t);
	p = parse(t, "syz_execute_func(&(0x7f0000000000)=\"c3\")\n");
	assert_non_null(p);
	csource_opts_default(&o);
	c = gen(p, &o, err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "syz_execute_func"));
	prog_free(p);
	p = parse(t, "getpid()\n");
	o.procs = 0;
	assert_null(gen(p, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "procs"));
	csource_opts_default(&o);
	o.fault_call = 3;
	assert_null(gen(p, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "fault call"));
	/* Fault injection: debugfs set up, the call armed and checked. */
	csource_opts_default(&o);
	o.fault_call = 0;
	o.fault_nth = 4;
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_non_null(strstr(c, "\tfault_setup();"));
	assert_non_null(strstr(c, "fault_fd = fault_arm(4);"));
	assert_non_null(strstr(c, "fault_fired(fault_fd)"));
	free(c);
	/* A simple program's C has none of the runtime it does not use. */
	csource_opts_default(&o);
	c = gen(p, &o, err, sizeof(err));
	assert_non_null(c);
	assert_null(strstr(c, "pthread_create"));
	assert_null(strstr(c, "fault_arm"));
	assert_null(strstr(c, "loop("));
	assert_null(strstr(c, "res_get"));
	free(c);
	prog_free(p);
	syz_target_free(t);
	free(syzkaller);
}

/* Random programs over parts of sys/linux with checksummed packets,
 * bitfields, big-endian fields, pseudo calls and mapping changes: the
 * first program showing each runtime helper builds (with options that
 * vary), and each helper is seen. */
static void test_features(void **state)
{
	static const char *const pat[] = {
		"write$tun",	  "openat$tun",
		"syz_open_dev$*", "syz_open_procfs",
		"syz_open_pts",	  "syz_init_net_socket$*",
		"mmap",		  "munmap",
		"mremap",	  "ioctl$DRM_IOCTL_VERSION",
	};
	static const char *const feats[] = {
		"csum_store(",	    "bf_store(",     "htobe",
		"NONFAILING(",	    "syz_open_dev(", "res_get(",
		"syz_open_procfs(", "syz_open_pts(",
	};
	enum { N_FEATS = sizeof(feats) / sizeof(*feats) };
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct syz_select_opts so = { .enable = pat,
				      .n_enable = sizeof(pat) / sizeof(*pat),
				      .add_producers = true };
	struct syz_selection *sel = NULL;
	bool seen[N_FEATS] = { 0 };
	struct prog_choice *ct;
	struct prog_rand r;
	size_t built = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(syz_select(t, &so, &sel, NULL), 0);
	ct = prog_choice_new(t, sel->enabled);
	assert_non_null(ct);
	prog_rand_seed(&r, 7);
	for (int i = 0; i < 300; i++) {
		struct csource_opts o;
		char err[512], *c;
		struct prog *p;
		bool fresh = false;

		assert_int_equal(prog_generate(t, ct, &r, 6, &p), 0);
		o = opt_set(i, p);
		c = gen(p, &o, err, sizeof(err));
		if (!c) {
			assert_non_null(strstr(err, "pseudo call"));
			prog_free(p);
			continue;
		}
		for (int k = 0; k < N_FEATS; k++) {
			if (!seen[k] && strstr(c, feats[k]))
				seen[k] = fresh = true;
		}
		if (fresh) {
			if (build(c, "feat", ""))
				fail_msg("program %d does not build", i);
			built++;
		}
		free(c);
		prog_free(p);
	}
	for (int k = 0; k < N_FEATS; k++) {
		if (!seen[k])
			fail_msg("no program used %s", feats[k]);
	}
	printf("features: %zu reproducers built\n", built);
	prog_choice_free(ct);
	syz_selection_free(sel);
	syz_target_free(t);
	free(syzkaller);
}

/* ---- The data area, checked against the executor's semantics ---- */

/* What executor/exec.c stores for a copyin (results all unset). */
static void ref_copyin(uint8_t *mem, const struct exec_insn *in)
{
	const struct exec_arg *a = &in->arg;
	uint8_t *p = mem + in->addr;
	uint64_t v = a->value, old = 0, mask, acc = 0;
	char tmp[32];

	if (a->kind == EXEC_ARG_DATA) {
		memcpy(p, a->data, a->size);
		return;
	}
	if (a->kind == EXEC_ARG_CSUM) {
		for (uint32_t i = 0; i < a->n_chunks; i++) {
			const struct exec_chunk *c = &a->chunks[i];
			const uint8_t *q = c->kind == EXEC_CHUNK_DATA ?
						   mem + c->a :
						   (const uint8_t *)&c->a;
			for (uint64_t k = 0; k + 1 < c->b; k += 2)
				acc += (uint64_t)(q[k] | q[k + 1] << 8);
			if (c->b % 2)
				acc += q[c->b - 1];
		}
		while (acc >> 16)
			acc = (acc & 0xffff) + (acc >> 16);
		p[0] = (uint8_t)~acc;
		p[1] = (uint8_t)(~acc >> 8);
		return;
	}
	if (a->kind == EXEC_ARG_CONST && a->addr)
		v += EXEC_DATA_ADDR;
	if (a->format >= EXEC_FMT_STR_DEC) {
		snprintf(tmp, sizeof(tmp),
			 a->format == EXEC_FMT_STR_DEC ? "%020llu" :
			 a->format == EXEC_FMT_STR_HEX ? "0x%016llx" :
							 "%023llo",
			 (unsigned long long)v);
		memcpy(p, tmp, a->size);
		return;
	}
	if (a->bf_len) {
		memcpy(&old, p, a->size);
		if (a->format == EXEC_FMT_BIG_ENDIAN)
			old = exec_bswap(old, a->size);
		mask = a->bf_len >= 64 ? ~0ull :
					 ((1ull << a->bf_len) - 1) << a->bf_off;
		v = (old & ~mask) | ((v << a->bf_off) & mask);
	}
	if (a->format == EXEC_FMT_BIG_ENDIAN)
		v = exec_bswap(v, a->size);
	memcpy(p, &v, a->size);
}

/* The data area after the program's copyins (calls fail, so nothing
 * is copied out); *size its length. Caller frees. */
static uint8_t *ref_data(const struct prog *p, size_t *size)
{
	static struct exec_insn in;
	struct exec_decoder d;
	uint8_t *enc, *mem;
	size_t len;

	assert_int_equal(prog_encode(p, &enc, &len), 0);
	assert_int_equal(exec_decode_init(&d, enc, len), 0);
	mem = calloc(1, d.data_size + 1);
	while (exec_decode_next(&d, &in) > 0) {
		if (in.op == EXEC_OP_COPYIN)
			ref_copyin(mem, &in);
	}
	*size = d.data_size;
	free(enc);
	return mem;
}

/* Packets (checksums, bitfields, big-endian fields) written to an
 * invalid fd: the reproducer's data area, dumped after it ran, is the
 * executor's byte for byte. */
static void test_data_matches(void **state)
{
	static const char *const pat[] = { "write$tun" };
	char *syzkaller = path_join(shared_dir, "syzkaller");
	struct syz_target *t = load(syzkaller, NULL);
	struct syz_select_opts so = { .enable = pat,
				      .n_enable = 1,
				      .add_producers = true };
	struct syz_selection *sel = NULL;
	struct prog_choice *ct;
	struct prog_rand r;
	char path[512], cmd[2048];
	int checked = 0;
	FILE *f;

	(void)state;
	assert_non_null(t);
	snprintf(path, sizeof(path), "%s/dump_main.c", tmp_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#include <stdlib.h>\n#include <unistd.h>\n"
		   "int repro_main(void);\n"
		   "int main(int argc, char **argv)\n{\n"
		   "\tsize_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;\n"
		   "\trepro_main();\n"
		   "\treturn write(1, (void *)0x7f0000000000ul, n) != "
		   "(ssize_t)n;\n}\n");
	fclose(f);
	assert_int_equal(syz_select(t, &so, &sel, NULL), 0);
	ct = prog_choice_new(t, sel->enabled);
	prog_rand_seed(&r, 3);
	for (int i = 0; i < 40 && checked < 6; i++) {
		struct csource_opts o;
		char err[512], *c, *got;
		struct prog *p;
		uint8_t *want;
		size_t size, k, n_got;

		assert_int_equal(prog_generate(t, ct, &r, 4, &p), 0);
		for (k = p->n_calls; k-- > 0;) {
			if (strcmp(p->calls[k]->meta->name, "write$tun"))
				prog_remove_call(p, k);
		}
		if (!p->n_calls) {
			prog_free(p);
			continue;
		}
		want = ref_data(p, &size);
		csource_opts_default(&o);
		c = gen(p, &o, err, sizeof(err));
		assert_non_null(c);
		snprintf(path, sizeof(path), "%s/dump.c", tmp_dir);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(c, f);
		fclose(f);
		snprintf(
			cmd, sizeof(cmd),
			"cd %s && gcc -O2 -Wall -Wextra -Werror -c dump.c "
			"-Dmain=repro_main -o dump.o && gcc -O2 -c dump_main.c "
			"-o dump_main.o && gcc -static -pthread dump.o "
			"dump_main.o -o dump && ./dump %zu > dump.bin",
			tmp_dir, size);
		assert_int_equal(run(cmd), 0);
		got = slurp("dump.bin");
		snprintf(path, sizeof(path), "%s/dump.bin", tmp_dir);
		{
			struct stat st;
			assert_int_equal(stat(path, &st), 0);
			n_got = (size_t)st.st_size;
		}
		assert_int_equal(n_got, size);
		for (k = 0; k < size; k++) {
			if ((uint8_t)got[k] != want[k])
				fail_msg(
					"program %d: data byte 0x%zx is 0x%02x, "
					"the executor writes 0x%02x",
					i, k, (uint8_t)got[k], want[k]);
		}
		checked++;
		free(got);
		free(want);
		free(c);
		prog_free(p);
	}
	printf("data: %d packet programs match byte for byte\n", checked);
	assert_true(checked >= 3);
	prog_choice_free(ct);
	syz_selection_free(sel);
	syz_target_free(t);
	free(syzkaller);
}

/* Random programs over drmfuzz's descriptions: every one is written
 * out; a sample of them builds. */
static void test_property(void **state)
{
	struct syz_target *t = load(NULL, desc_dir);
	struct prog_choice *ct;
	struct prog_rand r;
	size_t built = 0;

	(void)state;
	assert_non_null(t);
	ct = prog_choice_new(t, NULL);
	assert_non_null(ct);
	prog_rand_seed(&r, 16);
	for (int i = 0; i < 300; i++) {
		struct csource_opts o;
		char err[512], *c;
		struct prog *p;

		assert_int_equal(prog_generate(t, ct, &r, 10, &p), 0);
		if (i % 3 == 0)
			assert_int_equal(prog_mutate(p, ct, &r, 10, NULL, 0),
					 0);
		o = opt_set(i, p);
		c = gen(p, &o, err, sizeof(err));
		if (!c)
			fail_msg("program %d: %s", i, err);
		if (i % 15 == 0) {
			if (build(c, "rand", ""))
				fail_msg("program %d does not build", i);
			built++;
		}
		free(c);
		prog_free(p);
	}
	printf("property: 300 programs written, %zu built\n", built);
	prog_choice_free(ct);
	syz_target_free(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_host_run),
		cmocka_unit_test(test_terminates),
		cmocka_unit_test(test_sandbox_procs),
		cmocka_unit_test(test_async_rerun),
		cmocka_unit_test(test_pseudo_ops),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_syzkaller),
		cmocka_unit_test(test_data_matches),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_property),
	};
	char cmd[256];
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s shared_dir descriptions_dir\n",
			argv[0]);
		return 2;
	}
	shared_dir = argv[1];
	desc_dir = argv[2];
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_dir);
	run(cmd);
	return rc;
}
