/* Resolving a config into a bootable machine (see machine.h). */
#include "machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kbuild.h"
#include "kernel/kmod.h"
#include "util/buf.h"
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
		if (cfg->kernel_obj) {
			m->vmlinux = path_join(cfg->kernel_obj, "vmlinux");
			m->objtree = strdup(cfg->kernel_obj);
		}
	} else if (kbuild_find_default(&kr) == 0) {
		m->kernel = strdup(kr.bzimage);
		m->vmlinux = cfg->kernel_obj ?
				     path_join(cfg->kernel_obj, "vmlinux") :
				     strdup(kr.vmlinux);
		m->objtree = cfg->kernel_obj ? strdup(cfg->kernel_obj) :
					       strdup(kr.objtree);
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

static int push_module(struct machine *m, size_t *cap, char *ko)
{
	if (!ko || vec_grow_((void **)&m->modules, cap, m->n_modules + 1,
			     sizeof(*m->modules))) {
		free(ko);
		return -ENOMEM;
	}
	m->modules[m->n_modules++] = ko;
	return 0;
}

/* The config's modules as .ko files, building directories first. */
static int resolve_modules(const struct mgr_config *cfg, struct machine *m)
{
	size_t cap = 0;
	int err = 0;

	for (size_t i = 0; i < cfg->modules.n && !err; i++) {
		const char *mod = cfg->modules.v[i];
		struct kmod_result r;

		if (!path_is_dir(mod)) {
			if (!path_exists(mod)) {
				log_err("modules: %s does not exist (expected a .ko file or a module source directory)",
					mod);
				return -ENOENT;
			}
			err = push_module(m, &cap, strdup(mod));
			continue;
		}
		if (!m->objtree) {
			log_err("modules: building %s needs the kernel's object tree: set kernel_obj in the config",
				mod);
			return -EINVAL;
		}
		err = kmod_build(m->objtree, mod, false, &r);
		if (err)
			return err;
		for (size_t k = 0; !err && k < r.n_ko; k++) {
			err = push_module(m, &cap, r.ko[k]);
			r.ko[k] = NULL;
		}
		kmod_result_free(&r);
	}
	return err;
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
	if (!err)
		err = resolve_modules(cfg, m);
	if (err)
		return err;
	executor = vm_find_executor();
	if (!executor) {
		log_err("drmfuzz-executor not found next to drmfuzz: rebuild (ninja -C build) or reinstall drmfuzz");
		return -ENOENT;
	}
	err = vm_initramfs_modules(executor, (const char *const *)m->modules,
				   m->n_modules, &m->initrd);
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
	free(m->objtree);
	for (size_t i = 0; i < m->n_modules; i++)
		free(m->modules[i]);
	free(m->modules);
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
