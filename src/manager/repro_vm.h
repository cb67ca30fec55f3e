/*
 * Reproduction's machines: the runner of repro.h on QEMU VMs booted as a
 * manager config says (the same kernel, modules and options as fuzzing).
 * One machine at a time; it is kept between tests that did not crash it
 * and booted again after a crash or for a test that asks for a fresh one.
 */
#ifndef DRMFUZZ_MANAGER_REPRO_VM_H
#define DRMFUZZ_MANAGER_REPRO_VM_H

#include "config/config.h"
#include "repro/repro.h"
#include "syzlang/target.h"

struct repro_vm;

/*
 * Prepare the machine for @cfg (kernel, modules, initramfs); console logs
 * go to @workdir/repro-vm/. @kernel and @accel override the config's
 * (NULL: the config's). 0 and *out, or -errno after logging why.
 */
int repro_vm_new(const struct mgr_config *cfg, const struct syz_target *t,
		 const char *workdir, const char *kernel, const char *accel,
		 struct repro_vm **out);
void repro_vm_free(struct repro_vm *r);

/* The runner to give repro_run (valid while @r lives). */
void repro_vm_runner(struct repro_vm *r, struct repro_runner *out);

/* How many times slower than KVM the machines run (after the first boot:
 * the accelerator is known then; before, the worst case). */
unsigned repro_vm_slowdown(const struct repro_vm *r);

#endif
