/*
 * The QEMU backend: x86_64 guest booting our kernel and initramfs, the
 * console on QEMU's stdout (a pipe to us), the executor's transport on a
 * virtio-serial port bridged to an abstract UNIX socket we listen on.
 * Also the KVM probe that decides between KVM and TCG.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm_impl.h"

#define QEMU_DEFAULT "qemu-system-x86_64"
#define PORT_NAME "drmfuzz"
#define PROBE_TIMEOUT_MS 4000

/*
 * Fuzzing wants: the console on ttyS0 from the first message, any oops or
 * WARNING to panic (a crash is a crash), the panic to end QEMU (panic=-1
 * reboots at once and -no-reboot turns that into an exit), stable
 * addresses for symbolization, /dev/kmsg writable for our markers.
 */
static const char base_cmdline[] =
	"console=ttyS0 earlyprintk=serial oops=panic panic_on_warn=1 "
	"panic=-1 nmi_watchdog=panic nokaslr printk.devkmsg=on rdinit=/init";

int vm_kernel_cmdline(const struct vm_opts *o, struct buf *out)
{
	int err = buf_puts(out, base_cmdline);

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

#define ARG(s)                                             \
	do {                                               \
		char *dup_ = strdup(s);                    \
		if (!dup_ || vec_push(&v, dup_)) {         \
			free(dup_);                        \
			err = -ENOMEM;                     \
		}                                          \
	} while (0)
#define ARGF(...)                                          \
	do {                                               \
		buf_reset(&b);                             \
		if (buf_printf(&b, __VA_ARGS__))           \
			err = -ENOMEM;                     \
		else                                       \
			ARG(b.data);                       \
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
	ARG("-initrd");
	ARG(o->initrd);
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
	ARG("-device");
	ARG("virtio-serial-pci");
	ARG("-chardev");
	ARGF("socket,id=transport,path=%s,abstract=on,server=off", sock);
	ARG("-device");
	ARG("virtserialport,chardev=transport,name=" PORT_NAME);
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

void vm_probe_bios(unsigned char img[VM_PROBE_BIOS_SIZE])
{
	/*
	 * At the reset vector (F000:FFF0, the image's last 16 bytes):
	 *   mov dx, 0x3f8; mov al, 'K'; out dx, al   -- serial port
	 *   mov dx, 0xf4;  out dx, al                -- isa-debug-exit
	 *   hlt
	 * QEMU then exits with status ('K' << 1) | 1 = 151.
	 */
	static const unsigned char code[] = { 0xba, 0xf8, 0x03, 0xb0,
					      'K',  0xee, 0xba, 0xf4,
					      0x00, 0xee, 0xf4 };

	memset(img, 0xf4, VM_PROBE_BIOS_SIZE); /* hlt */
	memcpy(img + VM_PROBE_BIOS_SIZE - 16, code, sizeof(code));
}

bool vm_kvm_probe_verdict(int err, int exit_code, const char *out,
			  int timeout_ms, char *why, size_t cap)
{
	bool printed = out && strchr(out, 'K');

	if (err == -ETIMEDOUT) {
		snprintf(why, cap,
			 "KVM probe timed out after %d s (%s); using TCG (slow)",
			 timeout_ms / 1000,
			 printed ? "the guest ran but did not exit" :
				   "the guest never ran: nested KVM hangs?");
		return false;
	}
	if (err) {
		snprintf(why, cap, "KVM probe could not start QEMU: %s; using TCG",
			 strerror(-err));
		return false;
	}
	if (exit_code == (('K' << 1) | 1) && printed) {
		snprintf(why, cap, "KVM probe ran a guest: using KVM");
		return true;
	}
	{
		char first[160] = "";

		if (out) {
			snprintf(first, sizeof(first), "%s", out);
			first[strcspn(first, "\n")] = 0;
		}
		snprintf(why, cap,
			 "KVM probe failed (QEMU exit status %d%s%s); using TCG (slow)",
			 exit_code, *first ? ": " : "", first);
	}
	return false;
}

bool vm_kvm_probe(const char *qemu, int timeout_ms, char *why, size_t cap)
{
	static unsigned char img[VM_PROBE_BIOS_SIZE];
	char path[] = "/tmp/drmfuzz-probe-XXXXXX";
	char *out = NULL;
	int fd, code = 0, err;
	bool ok;

	if (access("/dev/kvm", R_OK | W_OK)) {
		snprintf(why, cap, "/dev/kvm: %s; using TCG (slow)",
			 strerror(errno));
		return false;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(why, cap, "KVM probe: mkstemp: %s; using TCG",
			 strerror(errno));
		return false;
	}
	vm_probe_bios(img);
	err = fd_write_all(fd, img, sizeof(img));
	close(fd);
	if (!err) {
		char *argv[] = { (char *)(qemu ? qemu : QEMU_DEFAULT),
				 "-machine",
				 "pc",
				 "-accel",
				 "kvm",
				 "-nodefaults",
				 "-display",
				 "none",
				 "-bios",
				 path,
				 "-serial",
				 "stdio",
				 "-device",
				 "isa-debug-exit,iobase=0xf4,iosize=0x04",
				 NULL };

		err = spawn_capture(argv, timeout_ms, &out, &code);
	}
	unlink(path);
	ok = vm_kvm_probe_verdict(err, code, out, timeout_ms, why, cap);
	free(out);
	return ok;
}

enum vm_accel vm_accel_resolve(enum vm_accel want, const char *qemu)
{
	static int cached = -1; /* per process: -1 unknown, 0 TCG, 1 KVM */
	char why[256];

	if (want != VM_ACCEL_AUTO)
		return want;
	if (cached < 0) {
		double t0 = vm_now();

		cached = vm_kvm_probe(qemu, PROBE_TIMEOUT_MS, why, sizeof(why));
		if (cached)
			log_info("%s (%.1f s)", why, vm_now() - t0);
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
		log_err("kernel %s does not exist: run 'drmfuzz kernel build' or fix vm.kernel",
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
