/* The fake backend (see fake.h): struct vm_fake_config's process. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "util/spawn.h"
#include "fake.h"
#include "vm_impl.h"

static int fake_start(struct vm *vm, const void *config)
{
	const struct vm_fake_config *o = config;
	struct spawn_opts so = SPAWN_OPTS_DEFAULT;
	int sp[2], con[2], err;

	if (!o || !o->argv || !o->argv[0])
		return -EINVAL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
		return -errno;
	if (pipe2(con, O_CLOEXEC)) {
		err = -errno;
		close(sp[0]);
		close(sp[1]);
		return err;
	}
	so.stdin_fd = sp[1];
	so.stdout_fd = sp[1];
	so.stderr_fd = con[1];
	so.new_pgrp = 1;
	so.die_with_parent = 1;
	err = spawn_start(o->argv, &so, &vm->pid);
	close(sp[1]);
	close(con[1]);
	if (err) {
		close(sp[0]);
		close(con[0]);
		log_err("cannot start %s: %s", o->argv[0], strerror(-err));
		return err;
	}
	vm->transport_fd = sp[0];
	vm->console_fd = con[0];
	return 0;
}

const struct vm_ops vm_fake_ops = {
	.name = "fake",
	.start = fake_start,
};
