/* Resolving a config into a bootable machine (see machine.h). */
#include "machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kbuild.h"
#include "util/fileio.h"
#include "util/log.h"
#include "vm/initramfs.h"

static int resolve_kernel(const struct mgr_config *cfg, const char *kernel,
			  struct machine *m)
{
	struct kbuild_result kr = { 0 };

	if (!kernel)
		kernel = cfg->vm.kernel;
	if (kernel) {
		m->kernel = strdup(kernel);
		if (cfg->kernel_obj)
			m->vmlinux = path_join(cfg->kernel_obj, "vmlinux");
	} else if (kbuild_find_default(&kr) == 0) {
		m->kernel = strdup(kr.bzimage);
		m->vmlinux = cfg->kernel_obj ?
				     path_join(cfg->kernel_obj, "vmlinux") :
				     strdup(kr.vmlinux);
		kbuild_result_free(&kr);
	} else {
		log_err("no fuzzing kernel built yet: run 'drmfuzz kernel build' (or set vm.kernel in the config)");
		return -ENOENT;
	}
	if (!m->kernel)
		return -ENOMEM;
	if (!path_exists(m->kernel)) {
		log_err("kernel %s does not exist", m->kernel);
		return -ENOENT;
	}
	return 0;
}

int machine_prepare(const struct mgr_config *cfg, const char *kernel,
		    const char *accel, struct machine *m)
{
	char *executor;
	int err;

	memset(m, 0, sizeof(*m));
	if (!accel)
		accel = cfg->vm.accel;
	if (vm_accel_parse(accel, &m->qemu.accel)) {
		log_err("accelerator '%s': expected auto, kvm or tcg", accel);
		return -EINVAL;
	}
	err = resolve_kernel(cfg, kernel, m);
	if (err)
		return err;
	executor = vm_find_executor();
	if (!executor) {
		log_err("drmfuzz-executor not found next to drmfuzz: rebuild (ninja -C build) or reinstall drmfuzz");
		return -ENOENT;
	}
	err = vm_initramfs(executor, &m->initrd);
	free(executor);
	if (err)
		return err;
	m->qemu.kernel = m->kernel;
	m->qemu.initrd = m->initrd;
	m->qemu.qemu = cfg->vm.qemu;
	m->qemu.qemu_args = cfg->vm.qemu_args;
	m->qemu.cmdline = cfg->vm.cmdline;
	m->qemu.cpu = cfg->vm.cpu;
	m->qemu.mem = cfg->vm.mem;
	m->opts.config = &m->qemu;
	return 0;
}

void machine_free(struct machine *m)
{
	free(m->kernel);
	free(m->vmlinux);
	free(m->initrd);
	memset(m, 0, sizeof(*m));
}

unsigned machine_slowdown(enum vm_accel accel)
{
	return accel == VM_ACCEL_KVM ? 1 : 10;
}

struct machine_timeouts machine_timeouts(enum vm_accel accel)
{
	unsigned k = machine_slowdown(accel);

	return (struct machine_timeouts){ .call_ms = 50 * k,
					  .prog_ms = 5000 * k };
}
