/*
 * The QEMU backend: x86_64 guest booting our kernel and initramfs, the
 * console on QEMU's stdout (a pipe to us), the executor's transport on a
 * virtio-serial port bridged to an abstract UNIX socket we listen on.
 * Also the KVM probe that decides between KVM and TCG: on some hosts
 * /dev/kvm exists and real-mode code runs, but a nested guest spins once
 * the kernel switches to long mode, so the probe boots the kernel itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm_impl.h"

#define QEMU_DEFAULT "qemu-system-x86_64"
#define PORT_NAME "drmfuzz"

/*
 * Fuzzing wants: the console on ttyS0 from the first message, any oops or
 * WARNING to panic (a crash is a crash), the panic to end QEMU (panic=-1
 * reboots at once and -no-reboot turns that into an exit), stable
 * addresses for symbolization, /dev/kmsg writable for our markers.
 * no5lvl: with 5-level paging (-cpu max has la57) the boot-time W+X check
 * walks KASAN's 2^57-byte shadow and takes minutes under TCG, tripping the
 * soft-lockup detector; 4-level paging cuts it to seconds.
 */
static const char base_cmdline[] =
	"console=ttyS0 earlyprintk=serial oops=panic panic_on_warn=1 "
	"panic=-1 nmi_watchdog=panic nokaslr no5lvl printk.devkmsg=on "
	"rdinit=/init";

/*
 * Under TCG the boot-time TSC sync check sees the vCPUs' TSCs apart and
 * marks the TSC unstable, so the clocksource becomes the HPET: every
 * clock read (the kernel's own, and clock_gettime, which then leaves the
 * vDSO) is an emulated MMIO access under QEMU's big lock. The vCPUs'
 * TSCs all come from the host's clock, so it is safe to trust them here;
 * measured with `drmfuzz exec --bench`, it doubles both the executor's
 * rate and the tight loop's. KVM guests use kvm-clock and need nothing.
 */
static const char tcg_cmdline[] = " tsc=reliable";

int vm_kernel_cmdline(const struct vm_opts *o, struct buf *out)
{
	int err = buf_puts(out, base_cmdline);

	if (!err && o->accel != VM_ACCEL_KVM)
		err = buf_puts(out, tcg_cmdline);
	if (!err && o->cmdline && *o->cmdline)
		err = buf_printf(out, " %s", o->cmdline);
	return err;
}

void vm_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

char **vm_qemu_argv(const struct vm_opts *o, const char *sock)
{
	VEC(char *) v = { 0 };
	struct buf b = { 0 };
	bool kvm = o->accel == VM_ACCEL_KVM;
	int err = 0;

#define ARG(s)                                     \
	do {                                       \
		char *dup_ = strdup(s);            \
		if (!dup_ || vec_push(&v, dup_)) { \
			free(dup_);                \
			err = -ENOMEM;             \
		}                                  \
	} while (0)
#define ARGF(...)                                \
	do {                                     \
		buf_reset(&b);                   \
		if (buf_printf(&b, __VA_ARGS__)) \
			err = -ENOMEM;           \
		else                             \
			ARG(b.data);             \
	} while (0)

	ARG(o->qemu ? o->qemu : QEMU_DEFAULT);
	ARG("-machine");
	ARG("q35");
	ARG("-accel");
	ARG(kvm ? "kvm" : "tcg,thread=multi");
	ARG("-cpu");
	ARG(kvm ? "host,migratable=off" : "max");
	ARG("-smp");
	ARGF("%d", o->cpu > 0 ? o->cpu : 2);
	ARG("-m");
	ARGF("%d", o->mem > 0 ? o->mem : 2048);
	ARG("-kernel");
	ARG(o->kernel);
	if (o->initrd) {
		ARG("-initrd");
		ARG(o->initrd);
	}
	ARG("-append");
	buf_reset(&b);
	if (vm_kernel_cmdline(o, &b))
		err = -ENOMEM;
	else
		ARG(b.data);
	/* No default devices (NIC, VGA, monitor): only what we ask for. */
	ARG("-nodefaults");
	ARG("-display");
	ARG("none");
	ARG("-no-reboot");
	ARG("-serial");
	ARG("stdio");
	ARG("-device");
	ARG("virtio-rng-pci");
	ARG("-device");
	ARG("virtio-gpu-pci");
	if (sock) {
		ARG("-device");
		ARG("virtio-serial-pci");
		ARG("-chardev");
		ARGF("socket,id=transport,path=%s,abstract=on,server=off",
		     sock);
		ARG("-device");
		ARG("virtserialport,chardev=transport,name=" PORT_NAME);
	}
	if (o->qemu_args) {
		char *copy = strdup(o->qemu_args), *save = NULL;

		if (!copy)
			err = -ENOMEM;
		for (char *t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t;
		     t = strtok_r(NULL, " \t\n", &save))
			ARG(t);
		free(copy);
	}
	if (!err && vec_push(&v, (char *)NULL))
		err = -ENOMEM;
#undef ARG
#undef ARGF
	buf_free(&b);
	if (err) {
		for (size_t i = 0; i < v.n; i++)
			free(v.v[i]);
		vec_free(&v);
		return NULL;
	}
	return v.v;
}

bool vm_kvm_probe_verdict(const char *out, double elapsed, bool exited,
			  int exit_code, char *why, size_t cap)
{
	const char *line;
	char last[160] = "";

	if (out && strstr(out, VM_PROBE_DONE)) {
		snprintf(
			why, cap,
			"KVM probe: the kernel booted to init in %.1f s; using KVM",
			elapsed);
		return true;
	}
	/* The last non-empty output line says where it stopped. */
	line = out ? out + strlen(out) : NULL;
	while (line && line > out && (line[-1] == '\n' || line[-1] == '\r'))
		line--;
	if (line) {
		const char *end = line;

		while (line > out && line[-1] != '\n')
			line--;
		snprintf(last, sizeof(last), "%.*s", (int)(end - line), line);
		last[strcspn(last, "\r")] = 0;
	}
	if (exited)
		snprintf(
			why, cap,
			"KVM probe: QEMU exited with status %d%s%s; using TCG (slow)",
			exit_code, *last ? ": " : "", last);
	else
		snprintf(
			why, cap,
			"KVM probe timed out after %.0f s (%s%s%s); using TCG (slow)",
			elapsed,
			out && strstr(out, VM_PROBE_STARTED) ?
				"the kernel started but did not reach init" :
				"the kernel never started: nested KVM hangs?",
			*last ? "; last output: " : "", last);
	return false;
}

bool vm_kvm_probe(const struct vm_opts *o, char *why, size_t cap)
{
	struct spawn_opts so = SPAWN_OPTS_DEFAULT;
	struct vm_opts po = *o;
	struct buf out = { 0 };
	double t0 = vm_now(), elapsed;
	int pipefd[2], status = 0, err;
	bool exited, eof = false, ok;
	char **argv;
	pid_t pid;

	if (access("/dev/kvm", R_OK | W_OK)) {
		snprintf(why, cap, "/dev/kvm: %s; using TCG (slow)",
			 strerror(errno));
		return false;
	}
	po.accel = VM_ACCEL_KVM;
	po.initrd = NULL;
	po.cmdline = "rdinit=/nonexistent";
	po.mem = 512;
	argv = vm_qemu_argv(&po, NULL);
	if (!argv || pipe2(pipefd, O_CLOEXEC)) {
		vm_argv_free(argv);
		snprintf(why, cap, "KVM probe: %s; using TCG",
			 strerror(ENOMEM));
		return false;
	}
	so.stdout_fd = pipefd[1];
	so.stderr_fd = -3;
	so.new_pgrp = 1;
	so.die_with_parent = 1;
	err = spawn_start(argv, &so, &pid);
	close(pipefd[1]);
	vm_argv_free(argv);
	if (err) {
		close(pipefd[0]);
		snprintf(why, cap,
			 "KVM probe: cannot start QEMU: %s; using TCG",
			 strerror(-err));
		return false;
	}
	/* Until the kernel reaches init, QEMU exits, or a deadline passes. */
	for (;;) {
		struct pollfd p = { pipefd[0], POLLIN, 0 };
		bool started = out.data && strstr(out.data, VM_PROBE_STARTED);
		double limit = started ? VM_PROBE_BOOT_S : VM_PROBE_START_S;
		int ms = (int)((t0 + limit - vm_now()) * 1000);
		ssize_t n;

		if ((out.data && strstr(out.data, VM_PROBE_DONE)) || ms <= 0)
			break;
		if (poll(&p, 1, ms) <= 0)
			continue;
		if (buf_reserve(&out, 4096))
			break;
		n = read(pipefd[0], out.data + out.len, 4096);
		if (n <= 0) {
			eof = true;
			break;
		}
		out.len += (size_t)n;
		out.data[out.len] = 0;
	}
	elapsed = vm_now() - t0;
	close(pipefd[0]);
	/* At EOF QEMU is exiting: give it a moment to say how. */
	exited = spawn_wait(pid, eof ? 2000 : 0, &status) == 0;
	ok = vm_kvm_probe_verdict(out.data, elapsed, exited,
				  spawn_exit_code(status), why, cap);
	buf_free(&out);
	return ok;
}

enum vm_accel vm_accel_resolve(const struct vm_opts *o)
{
	static int cached = -1; /* per process: -1 unknown, 0 TCG, 1 KVM */
	char why[512];

	if (o->accel != VM_ACCEL_AUTO)
		return o->accel;
	if (cached < 0) {
		cached = vm_kvm_probe(o, why, sizeof(why));
		if (cached)
			log_info("%s", why);
		else
			log_warn("%s", why);
	}
	return cached ? VM_ACCEL_KVM : VM_ACCEL_TCG;
}

/* Listen on a fresh abstract UNIX socket; its name goes into vm->sock. */
static int listen_abstract(struct vm *vm)
{
	static unsigned seq;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char name[80];
	socklen_t len;
	int fd;

	snprintf(name, sizeof(name), "drmfuzz-%d-%u-%ld", (int)getpid(), seq++,
		 (long)(vm_now() * 1000));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(a.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  strlen(name));
	if (bind(fd, (struct sockaddr *)&a, len) || listen(fd, 1)) {
		int err = -errno;

		close(fd);
		return err;
	}
	vm->sock = strdup(name);
	if (!vm->sock) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

static int qemu_start(struct vm *vm, const struct vm_opts *o)
{
	struct spawn_opts so = SPAWN_OPTS_DEFAULT;
	const char *qemu = o->qemu ? o->qemu : QEMU_DEFAULT;
	char *bin = path_which(qemu), **argv = NULL;
	int pipefd[2] = { -1, -1 }, lfd, err;

	if (!bin) {
		log_err("QEMU not found: '%s' is not in PATH. Install it (apt-get install qemu-system-x86) or set vm.qemu in the config",
			qemu);
		return -ENOENT;
	}
	free(bin);
	if (!path_exists(o->kernel)) {
		log_err("kernel %s does not exist: check --kernel or vm.kernel, or run 'drmfuzz kernel build'",
			o->kernel);
		return -ENOENT;
	}
	lfd = listen_abstract(vm);
	if (lfd < 0) {
		log_err("cannot listen for the VM's transport: %s",
			strerror(-lfd));
		return lfd;
	}
	vm->transport_fd = lfd;
	vm->transport_listening = true;
	argv = vm_qemu_argv(o, vm->sock);
	if (!argv)
		return -ENOMEM;
	if (log_get_level() >= LOG_LVL_DEBUG) {
		struct buf cmd = { 0 };

		for (char **a = argv; *a; a++)
			buf_printf(&cmd, "%s%s", a == argv ? "" : " ", *a);
		log_debug("%s", cmd.data);
		buf_free(&cmd);
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		err = -errno;
		goto out;
	}
	so.stdout_fd = pipefd[1];
	so.stderr_fd = -3; /* QEMU's own errors belong in the console log */
	so.new_pgrp = 1;
	so.die_with_parent = 1;
	err = spawn_start(argv, &so, &vm->pid);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		log_err("cannot start %s: %s", argv[0], strerror(-err));
		goto out;
	}
	vm->console_fd = pipefd[0];
	log_info("booting %s with %s (%s), console: %s", o->kernel, qemu,
		 vm_accel_name(o->accel), vm->log_path);
out:
	vm_argv_free(argv);
	return err;
}

const struct vm_ops vm_qemu_ops = {
	.name = "qemu",
	.start = qemu_start,
	.stop = NULL,
};
