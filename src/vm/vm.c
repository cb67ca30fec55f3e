/*
 * A machine's life, whatever the backend: start it with its console log,
 * boot it again when the boot hangs early, stop and free it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "vm_impl.h"

double vm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double vm_boot_seconds(const struct vm *vm)
{
	return vm->boot_seconds;
}

const char *vm_console_path(const struct vm *vm)
{
	return vm->log_path;
}

int vm_start(const struct vm_ops *ops, const struct vm_opts *o, struct vm **out)
{
	struct vm *vm;
	int err;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->ops = ops;
	vm->console_fd = vm->transport_fd = vm->log_fd = -1;
	vm->next_id = 1;
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&vm->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_init(&vm->mu, NULL);
	pthread_mutex_init(&vm->wmu, NULL);
	vm->log_path = strdup(o->console_log);
	if (!vm->log_path) {
		err = -ENOMEM;
		goto fail;
	}
	vm->log_fd = open(o->console_log,
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (vm->log_fd < 0) {
		err = -errno;
		log_err("cannot create the console log %s: %s", o->console_log,
			strerror(errno));
		goto fail;
	}
	vm->boot_timeout_ms = VM_BOOT_TIMEOUT_MS;
	vm->boot_silence = VM_BOOT_SILENCE_S;
	err = ops->setup ? ops->setup(vm, o->config) : 0;
	if (err)
		goto fail;
	if (o->boot_silence_s > 0)
		vm->boot_silence = o->boot_silence_s;
	vm->t_start = vm_now();
	err = ops->start(vm, o->config);
	if (err)
		goto fail;
	*out = vm;
	return 0;
fail:
	vm_free(vm);
	return err;
}

void vm_reap(struct vm *vm, bool block)
{
	int st;

	if (vm->exited || vm->pid <= 0)
		return;
	if (waitpid(vm->pid, &st, block ? 0 : WNOHANG) == vm->pid) {
		vm->exited = true;
		vm->exit_status = st;
	}
}

const char *vm_how_exited(struct vm *vm, char *b, size_t cap)
{
	if (!vm->exited)
		snprintf(b, cap, "closed its console");
	else if (WIFEXITED(vm->exit_status))
		snprintf(b, cap, "exited with status %d",
			 WEXITSTATUS(vm->exit_status));
	else if (WIFSIGNALED(vm->exit_status))
		snprintf(b, cap, "was killed by signal %d",
			 WTERMSIG(vm->exit_status));
	else
		snprintf(b, cap, "ended");
	return b;
}

int vm_boot(const struct vm_ops *ops, const struct vm_opts *o, int timeout_ms,
	    struct vm **out, struct wire_hello *hello)
{
	int err = 0;

	for (int attempt = 1; attempt <= VM_BOOT_ATTEMPTS; attempt++) {
		struct vm *vm = NULL;

		err = vm_start(ops, o, &vm);
		if (err)
			return err;
		err = vm_handshake(vm, timeout_ms, hello);
		if (!err) {
			*out = vm;
			return 0;
		}
		vm_free(vm);
		if (err != -ETIME)
			return err;
		if (attempt < VM_BOOT_ATTEMPTS) {
			struct buf kept = { 0 };

			/* Keep the hung boot's console for a look later. */
			if (buf_printf(&kept, "%s.hung-%d", o->console_log,
				       attempt) == 0 &&
			    rename(o->console_log, kept.data) == 0)
				log_warn(
					"VM boot hung early (attempt %d of %d, console kept in %s); booting again",
					attempt, VM_BOOT_ATTEMPTS, kept.data);
			else
				log_warn(
					"VM boot hung early (attempt %d of %d); booting again",
					attempt, VM_BOOT_ATTEMPTS);
			buf_free(&kept);
		}
	}
	return err;
}

static void transport_close(struct vm *vm)
{
	if (vm->transport_fd >= 0)
		close(vm->transport_fd);
	vm->transport_fd = -1;
}

void vm_free(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->ops->stop)
		vm->ops->stop(vm);
	if (vm->pid > 0 && !vm->exited) {
		vm_reap(vm, false);
		if (!vm->exited) {
			kill(-vm->pid, SIGKILL);
			kill(vm->pid, SIGKILL);
			vm_reap(vm, true);
		}
	}
	/* Whatever the console still holds belongs in the log. */
	while (vm->console_fd >= 0) {
		struct pollfd p = { vm->console_fd, POLLIN, 0 };

		if (poll(&p, 1, 200) <= 0)
			break;
		vm_console_read(vm);
	}
	if (vm->console_fd >= 0)
		close(vm->console_fd);
	transport_close(vm);
	if (vm->log_fd >= 0)
		close(vm->log_fd);
	if (vm->ops->destroy)
		vm->ops->destroy(vm);
	buf_free(&vm->tail);
	buf_free(&vm->rx);
	free(vm->log_path);
	pthread_cond_destroy(&vm->cv);
	pthread_mutex_destroy(&vm->mu);
	pthread_mutex_destroy(&vm->wmu);
	free(vm);
}
