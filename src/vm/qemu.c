/*
 * The QEMU backend (see qemu.h): its state, listening for the transport,
 * starting QEMU with the command line from qemu_cmdline.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm_impl.h"

/* vm->priv of a QEMU machine. */
struct qemu_vm {
	enum vm_accel accel; /* resolved: KVM or TCG */
	char *sock; /* the transport's abstract socket name */
};

enum vm_accel vm_accel_used(const struct vm *vm)
{
	const struct qemu_vm *q = vm->priv;

	return vm->ops == &vm_qemu_ops && q ? q->accel : VM_ACCEL_AUTO;
}

/* Listen on a fresh abstract UNIX socket; its name goes into q->sock. */
static int listen_abstract(struct qemu_vm *q)
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
	q->sock = strdup(name);
	if (!q->sock) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

/*
 * Resolve the accelerator before the boot clock starts (the KVM probe may
 * boot the kernel once); under TCG the boot's limits are longer.
 */
static int qemu_setup(struct vm *vm, const void *config)
{
	struct qemu_vm *q;

	if (!config)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	vm->priv = q;
	q->accel = vm_accel_resolve(config);
	if (q->accel == VM_ACCEL_TCG) {
		vm->boot_timeout_ms = VM_QEMU_TCG_SLOWDOWN * VM_BOOT_TIMEOUT_MS;
		vm->boot_silence = VM_QEMU_TCG_BOOT_SILENCE_S;
	}
	return 0;
}

static int qemu_start(struct vm *vm, const void *config)
{
	struct qemu_vm *q = vm->priv;
	struct vm_qemu_config c = *(const struct vm_qemu_config *)config;
	const struct vm_qemu_config *o = &c;
	struct spawn_opts so = SPAWN_OPTS_DEFAULT;
	const char *qemu = o->qemu ? o->qemu : VM_QEMU_DEFAULT;
	char *bin = path_which(qemu), **argv = NULL;
	int pipefd[2] = { -1, -1 }, lfd, err;

	c.accel = q->accel;
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
	lfd = listen_abstract(q);
	if (lfd < 0) {
		log_err("cannot listen for the VM's transport: %s",
			strerror(-lfd));
		return lfd;
	}
	vm->transport_fd = lfd;
	vm->transport_listening = true;
	argv = vm_qemu_argv(o, q->sock);
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

static void qemu_destroy(struct vm *vm)
{
	struct qemu_vm *q = vm->priv;

	if (q)
		free(q->sock);
	free(q);
	vm->priv = NULL;
}

const struct vm_ops vm_qemu_ops = {
	.name = "qemu",
	.setup = qemu_setup,
	.start = qemu_start,
	.destroy = qemu_destroy,
};
