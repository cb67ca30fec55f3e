/* KVM or TCG, and the KVM probe (see accel.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"
#include "qemu.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm_impl.h"

int vm_accel_parse(const char *s, enum vm_accel *out)
{
	if (!s || !strcmp(s, "auto"))
		*out = VM_ACCEL_AUTO;
	else if (!strcmp(s, "kvm"))
		*out = VM_ACCEL_KVM;
	else if (!strcmp(s, "tcg"))
		*out = VM_ACCEL_TCG;
	else
		return -EINVAL;
	return 0;
}

const char *vm_accel_name(enum vm_accel a)
{
	return a == VM_ACCEL_KVM ? "kvm" : a == VM_ACCEL_TCG ? "tcg" : "auto";
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

bool vm_kvm_probe(const struct vm_qemu_config *o, char *why, size_t cap)
{
	struct spawn_opts so = SPAWN_OPTS_DEFAULT;
	struct vm_qemu_config po = *o;
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

enum vm_accel vm_accel_resolve(const struct vm_qemu_config *o)
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
