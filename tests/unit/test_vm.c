/*
 * Unit tests: the VM layer with the fake backend (the real executor over
 * a socketpair, and scripted broken machines), the cpio writer and the
 * initramfs, QEMU's command line, the KVM probe's decision, /init.
 * argv[1]: the drmfuzz-executor to use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm/vm.h"

static const char *executor;
static char tmpdir[] = "/tmp/drmfuzz-test-vm-XXXXXX";
static struct buf errors;

static void sink(enum log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level <= LOG_LVL_WARN) {
		buf_puts(&errors, msg);
		buf_putc(&errors, '\n');
	}
}

static char *tmp(const char *name)
{
	char *p = path_join(tmpdir, name);

	assert_non_null(p);
	return p;
}

/* Start the fake backend on @argv; the console goes to tmpdir/@log. */
static struct vm *fake_silence(char *const *argv, const char *log,
			       double silence)
{
	char *path = tmp(log);
	struct vm_opts o = { .console_log = path,
			     .argv = argv,
			     .boot_silence_s = silence };
	struct vm *vm = NULL;

	assert_int_equal(vm_start(&vm_fake_ops, &o, &vm), 0);
	free(path);
	buf_reset(&errors);
	return vm;
}

static struct vm *fake(char *const *argv, const char *log)
{
	return fake_silence(argv, log, 0);
}

static void test_fake_executor(void **state)
{
	char *argv[] = { (char *)executor, "--stdio", NULL };
	struct wire_hello *h = calloc(1, sizeof(*h));
	struct vm *vm = fake(argv, "exec.log");
	struct buf reply = { 0 };
	uint16_t type;
	double rtt = 0;

	(void)state;
	assert_int_equal(vm_handshake(vm, 10000, h), 0);
	/* This host's kernel: whatever it offers, the release is there. */
	assert_true(strlen(h->release) > 0);
	assert_true(vm_boot_seconds(vm) > 0);
	assert_int_equal(vm_ping(vm, 10000, &rtt), 0);
	assert_true(rtt > 0);
	/* Unknown request types get an ERROR reply with the same id. */
	assert_int_equal(vm_request(vm, 77, "x", 1, 10000, &type, &reply), 0);
	assert_int_equal(type, WIRE_ERROR);
	buf_free(&reply);
	vm_free(vm);
	/* The executor's stderr (the console) reached the log. */
	{
		char *path = tmp("exec.log"), *text;
		size_t len;

		assert_int_equal(file_read_all(path, 0, &text, &len), 0);
		assert_non_null(strstr(text, "drmfuzz-executor: kernel"));
		free(text);
		free(path);
	}
	free(h);
}

/* A broken machine: @script runs under sh; expect @err and @needle. */
static void broken(const char *script, int timeout_ms, int err,
		   const char *needle)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct wire_hello *h = calloc(1, sizeof(*h));
	struct vm *vm = fake(argv, "broken.log");

	assert_int_equal(vm_handshake(vm, timeout_ms, h), err);
	if (!strstr(errors.data ? errors.data : "", needle) ||
	    !strstr(errors.data, "broken.log")) {
		print_error("error message: %s\n", errors.data);
		fail();
	}
	vm_free(vm);
	free(h);
}

/* A kernel that stops printing early in boot is given up on quickly. */
static void test_boot_hang(void **state)
{
	char *argv[] = {
		"/bin/sh", "-c",
		"echo 'Running RCU-tasks wait API self tests' >&2; sleep 30",
		NULL
	};
	struct wire_hello h;
	struct vm *vm;

	(void)state;
	vm = fake_silence(argv, "hang.log", 1.0);
	assert_int_equal(vm_handshake(vm, 20000, &h), -ETIME);
	assert_non_null(strstr(errors.data, "silent for 1 s"));
	assert_non_null(strstr(errors.data, "RCU-tasks"));
	vm_free(vm);
}

/* A hung boot is booted again, its console kept beside the new one. */
static void test_boot_retry(void **state)
{
	char *log = tmp("retry.log"), *hung = NULL, *flag = tmp("retry.flag");
	struct buf script = { 0 };
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	struct vm_opts o = { .boot_silence_s = 1.0 };
	struct wire_hello *h = calloc(1, sizeof(*h));
	struct vm *vm = NULL;
	char *text = NULL;
	size_t len;

	(void)state;
	unlink(flag);
	buf_reset(&errors);
	/* First boot: hangs after the RCU line; second: the executor. */
	assert_int_equal(
		buf_printf(&script,
			   "if [ ! -e '%s' ]; then touch '%s'; "
			   "echo 'Running RCU-tasks wait API self tests' >&2; "
			   "sleep 30; fi; exec '%s' --stdio",
			   flag, flag, executor),
		0);
	argv[2] = script.data;
	o.argv = argv;
	o.console_log = log;
	assert_int_equal(vm_boot(&vm_fake_ops, &o, 20000, &vm, h), 0);
	assert_non_null(vm);
	assert_non_null(strstr(errors.data, "attempt 1 of"));
	assert_int_equal(asprintf(&hung, "%s.hung-1", log) > 0, 1);
	assert_int_equal(file_read_all(hung, 1 << 20, &text, &len), 0);
	assert_non_null(strstr(text, "RCU-tasks"));
	vm_free(vm);
	free(text);
	free(hung);
	free(h);
	free(log);
	free(flag);
	buf_free(&script);
}

static void test_fake_failures(void **state)
{
	(void)state;
	broken("echo booting >&2; echo '[ 1.0] Kernel panic - not syncing: "
	       "Attempted to kill init!' >&2; echo 'more lines' >&2; sleep 30",
	       20000, -EPIPE, "  | more lines");
	broken("echo 'drmfuzz-executor: FAIL: no port' >&2; exit 67", 20000,
	       -EPIPE, "FAIL: no port");
	broken("echo boom >&2; exit 3", 20000, -EPIPE, "exited with status 3");
	broken("echo quiet >&2; sleep 30", 1000, -ETIMEDOUT,
	       "no answer from the executor within 1 s");
	broken("printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 30", 20000, -EBADMSG,
	       "bad frame magic");
	/* Protocol version 2: "MDFZ" then 02 00. */
	broken("printf 'MDFZ\\002\\000\\001\\000\\000\\000\\000\\000\\000\\000"
	       "\\000\\000'; sleep 30",
	       20000, -EPROTONOSUPPORT, "protocol version 2");
	broken("echo silent >&2", 20000, -EPIPE, "silent");
	broken("echo alive >&2; exec 0<&- 1>&-; sleep 30", 20000, -EPIPE,
	       "the executor closed the connection");
}

static void test_cpio(void **state)
{
	struct buf a = { 0 };
	char *path = tmp("t.cpio"), *out = NULL;
	char *argv[] = { "cpio", "-itv", "-F", path, NULL };
	int code;

	(void)state;
	assert_int_equal(vm_cpio_add(&a, "bin", S_IFDIR | 0755, NULL, 0, 0), 0);
	assert_int_equal(vm_cpio_add(&a, "bin/x", S_IFREG | 0755, "abc", 3, 0),
			 0);
	assert_int_equal(vm_cpio_add(&a, "bin/y", S_IFLNK | 0777, "x", 1, 0),
			 0);
	assert_int_equal(vm_cpio_trailer(&a), 0);
	assert_int_equal(a.len % 4, 0);
	assert_memory_equal(a.data, "070701", 6);
	assert_int_equal(file_write_atomic(path, a.data, a.len), 0);
	assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "bin/x"));
	assert_non_null(strstr(out, "bin/y -> x"));
	assert_non_null(strstr(out, "drwxr-xr-x"));
	free(out);
	free(path);
	buf_free(&a);
}

static void test_initramfs(void **state)
{
	char *p1 = NULL, *p2 = NULL, *out = NULL, *text;
	char *cache = tmp("cache");
	int code;
	size_t len;

	(void)state;
	setenv("XDG_CACHE_HOME", cache, 1);
	assert_int_equal(vm_initramfs(executor, &p1), 0);
	assert_int_equal(strncmp(p1, cache, strlen(cache)), 0);
	/* Same inputs, same cached file. */
	assert_int_equal(vm_initramfs(executor, &p2), 0);
	assert_string_equal(p1, p2);
	{
		char *argv[] = { "cpio", "-itv", "-F", p1, NULL };

		assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
	}
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "bin/busybox"));
	assert_non_null(strstr(out, "bin/drmfuzz-executor"));
	assert_non_null(strstr(out, "dev/console"));
	/* busybox's applets are links made on the host. */
	assert_non_null(strstr(out, "bin/mount -> busybox"));
	assert_non_null(strstr(out, "bin/poweroff -> busybox"));
	assert_non_null(strstr(out, "-rwxr-xr-x"));
	assert_non_null(strstr(out, " init\n"));
	free(out);
	/* A dynamically linked executor cannot run in the guest. */
	buf_reset(&errors);
	free(p2);
	p2 = NULL;
	assert_int_equal(vm_initramfs("/bin/true", &p2), -ENOEXEC);
	assert_non_null(strstr(errors.data, "dynamically linked"));
	assert_int_equal(vm_initramfs("/nonexistent", &p2), -ENOENT);
	assert_int_equal(file_read_all(p1, 0, &text, &len), 0);
	assert_non_null(
		memmem(text, len, vm_init_script, strlen(vm_init_script)));
	free(text);
	free(p1);
	free(cache);
	unsetenv("XDG_CACHE_HOME");
}

static void test_init_script(void **state)
{
	char *path = tmp("init.sh"), *out = NULL;
	char *argv[] = { "busybox", "sh", "-n", path, NULL };
	int code;

	(void)state;
	assert_int_equal(strncmp(vm_init_script, "#!/bin/busybox sh\n", 18), 0);
	assert_non_null(strstr(vm_init_script, "mount -t debugfs"));
	assert_non_null(strstr(vm_init_script, "mount -t devtmpfs"));
	/* Node modes and names are the executor's (one process per node
	 * here costs seconds under TCG): exec_drm and exec_seeds check them. */
	assert_null(strstr(vm_init_script, "chmod"));
	assert_non_null(strstr(vm_init_script,
			       "/bin/drmfuzz-executor --port drmfuzz\n"));
	/* The marker vm.c watches for when the executor ends. */
	assert_non_null(strstr(vm_init_script, "drmfuzz: executor exited"));
	/* It parses. */
	assert_int_equal(file_write_atomic(path, vm_init_script,
					   strlen(vm_init_script)),
			 0);
	assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
	assert_int_equal(code, 0);
	free(out);
	free(path);
}

static int argv_find(char **argv, const char *a, const char *b)
{
	for (int i = 0; argv[i]; i++)
		if (!strcmp(argv[i], a) &&
		    (!b || (argv[i + 1] && !strcmp(argv[i + 1], b))))
			return i;
	return -1;
}

static void test_qemu_argv(void **state)
{
	struct vm_opts o = { .kernel = "/k/bzImage",
			     .initrd = "/i.cpio",
			     .qemu = "/opt/qemu",
			     .cmdline = "panic_on_warn=0",
			     .qemu_args = " -s  -S ",
			     .cpu = 4,
			     .mem = 4096,
			     .accel = VM_ACCEL_TCG };
	char **a = vm_qemu_argv(&o, "sockname");
	int i;

	(void)state;
	assert_non_null(a);
	assert_string_equal(a[0], "/opt/qemu");
	assert_true(argv_find(a, "-accel", "tcg,thread=multi") > 0);
	assert_true(argv_find(a, "-cpu", "max") > 0);
	assert_true(argv_find(a, "-smp", "4") > 0);
	assert_true(argv_find(a, "-m", "4096") > 0);
	assert_true(argv_find(a, "-kernel", "/k/bzImage") > 0);
	assert_true(argv_find(a, "-initrd", "/i.cpio") > 0);
	assert_true(argv_find(a, "-no-reboot", NULL) > 0);
	assert_true(argv_find(a, "-serial", "stdio") > 0);
	assert_true(argv_find(a, "-device", "virtio-gpu-pci") > 0);
	assert_true(
		argv_find(
			a, "-chardev",
			"socket,id=transport,path=sockname,abstract=on,server=off") >
		0);
	assert_true(argv_find(a, "-device",
			      "virtserialport,chardev=transport,name=drmfuzz") >
		    0);
	i = argv_find(a, "-append", NULL);
	assert_true(i > 0);
	assert_non_null(strstr(a[i + 1], "console=ttyS0"));
	assert_non_null(strstr(a[i + 1], "rdinit=/init"));
	/* The user's additions come last, so they win. */
	assert_non_null(strstr(a[i + 1], "panic_on_warn=1"));
	assert_true(strstr(a[i + 1], " panic_on_warn=0") >
		    strstr(a[i + 1], "panic_on_warn=1"));
	/* Extra arguments are split on spaces, at the end. */
	for (i = 0; a[i]; i++)
		;
	assert_string_equal(a[i - 2], "-s");
	assert_string_equal(a[i - 1], "-S");
	vm_argv_free(a);

	o.accel = VM_ACCEL_KVM;
	o.initrd = NULL;
	o.qemu = NULL;
	o.qemu_args = NULL;
	a = vm_qemu_argv(&o, NULL);
	assert_string_equal(a[0], "qemu-system-x86_64");
	assert_true(argv_find(a, "-accel", "kvm") > 0);
	assert_int_equal(argv_find(a, "-initrd", NULL), -1);
	assert_int_equal(argv_find(a, "-chardev", NULL), -1);
	vm_argv_free(a);
}

static void test_probe_verdict(void **state)
{
	char why[512];

	(void)state;
	assert_true(vm_kvm_probe_verdict("[ 0.0] Linux version 6.1\n"
					 "[ 1.2] Kernel panic - not syncing: "
					 "VFS: Unable to mount root fs on x\n",
					 1.3, true, 0, why, sizeof(why)));
	assert_non_null(strstr(why, "using KVM"));
	/* Nested KVM: the kernel never prints anything. */
	assert_false(
		vm_kvm_probe_verdict("Probing EDD (edd=off to disable)... ok\n",
				     4.0, false, 137, why, sizeof(why)));
	assert_non_null(strstr(why, "KVM probe timed out after 4 s"));
	assert_non_null(strstr(why, "never started"));
	assert_non_null(strstr(why, "using TCG (slow)"));
	assert_non_null(strstr(why, "Probing EDD"));
	/* Started but stuck. */
	assert_false(vm_kvm_probe_verdict("Linux version 6.1\nstuck\n", 15.0,
					  false, 137, why, sizeof(why)));
	assert_non_null(strstr(why, "did not reach init"));
	/* QEMU itself fails. */
	assert_false(vm_kvm_probe_verdict("qemu: failed to set MSR 0x10a\n",
					  0.1, true, 134, why, sizeof(why)));
	assert_non_null(strstr(why, "exited with status 134"));
	assert_non_null(strstr(why, "MSR 0x10a"));
	assert_false(
		vm_kvm_probe_verdict(NULL, 0.1, true, 1, why, sizeof(why)));
}

static void test_accel(void **state)
{
	struct vm_opts o = { .accel = VM_ACCEL_TCG };
	enum vm_accel a;

	(void)state;
	assert_int_equal(vm_accel_parse(NULL, &a), 0);
	assert_int_equal(a, VM_ACCEL_AUTO);
	assert_int_equal(vm_accel_parse("kvm", &a), 0);
	assert_int_equal(a, VM_ACCEL_KVM);
	assert_int_equal(vm_accel_parse("tcg", &a), 0);
	assert_int_equal(a, VM_ACCEL_TCG);
	assert_int_equal(vm_accel_parse("hvf", &a), -EINVAL);
	/* An explicit choice is taken without probing. */
	assert_int_equal(vm_accel_resolve(&o), VM_ACCEL_TCG);
	o.accel = VM_ACCEL_KVM;
	assert_int_equal(vm_accel_resolve(&o), VM_ACCEL_KVM);
}

static void test_qemu_missing(void **state)
{
	struct vm_opts o = { .kernel = "/k",
			     .initrd = "/i",
			     .qemu = "/nonexistent/qemu",
			     .accel = VM_ACCEL_TCG };
	struct vm *vm = NULL;
	char *log = tmp("q.log");

	(void)state;
	o.console_log = log;
	buf_reset(&errors);
	assert_int_equal(vm_start(&vm_qemu_ops, &o, &vm), -ENOENT);
	assert_null(vm);
	assert_non_null(strstr(errors.data, "QEMU not found"));
	assert_non_null(strstr(errors.data, "apt-get install qemu-system-x86"));
	/* Exactly one message. */
	assert_int_equal(strchr(errors.data, '\n') - errors.data + 1,
			 (long)errors.len);
	free(log);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_executor),
		cmocka_unit_test(test_fake_failures),
		cmocka_unit_test(test_boot_hang),
		cmocka_unit_test(test_boot_retry),
		cmocka_unit_test(test_cpio),
		cmocka_unit_test(test_initramfs),
		cmocka_unit_test(test_init_script),
		cmocka_unit_test(test_qemu_argv),
		cmocka_unit_test(test_probe_verdict),
		cmocka_unit_test(test_accel),
		cmocka_unit_test(test_qemu_missing),
	};
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_vm DRMFUZZ-EXECUTOR\n");
		return 2;
	}
	executor = argv[1];
	if (!mkdtemp(tmpdir))
		return 2;
	log_set_sink(sink, NULL);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	log_set_sink(NULL, NULL);
	dir_remove_tree(tmpdir);
	buf_free(&errors);
	return rc;
}
