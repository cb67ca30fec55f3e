/*
 * What every command that boots a fuzzing VM needs from a manager config:
 * the kernel (an explicit path, the config's vm.kernel, or the cached
 * default build), its vmlinux for symbolization, the initramfs around this
 * drmfuzz's executor, and QEMU options; and how long to wait for it under
 * each accelerator. One place, so that `drmfuzz vm check`, `drmfuzz exec`
 * and `drmfuzz run` boot the same machine and wait for it alike.
 */
#ifndef DRMFUZZ_MANAGER_MACHINE_H
#define DRMFUZZ_MANAGER_MACHINE_H

#include <stdint.h>

#include "config/config.h"
#include "vm/qemu.h"
#include "vm/vm.h"

struct machine {
	char *kernel; /* bzImage */
	char *vmlinux; /* NULL when unknown (vm.kernel without kernel_obj) */
	char *initrd;
	char *objtree; /* the kernel's object tree (modules build in it) */
	char **modules; /* the .ko files the machine loads at boot */
	size_t n_modules;
	struct vm_qemu_config qemu; /* opts.config */
	struct vm_opts opts; /* points into this struct and the config */
};

/*
 * Fill @m from @cfg. @kernel and @accel override the config's vm.kernel
 * and vm.accel (NULL: use the config). The config's "modules" go into
 * the initramfs: .ko files as they are, directories built against the
 * kernel's object tree first (kernel_obj, or the cached kernel's; kmod.h).
 * opts.console_log is left for the caller. Returns 0, or -errno after logging one error saying what to do.
 * @cfg must outlive @m. Free with machine_free (also after a failure).
 */
int machine_prepare(const struct mgr_config *cfg, const char *kernel,
		    const char *accel, struct machine *m);
void machine_free(struct machine *m);

/* How many times slower a machine runs under @accel than with KVM: 10
 * under TCG (and for an accelerator not yet resolved), else 1. */
unsigned machine_slowdown(enum vm_accel accel);

/* The executor's limits: syzkaller's 50 ms a call (how long a threaded
 * program waits for one) and 5 s a program, times machine_slowdown(). */
struct machine_timeouts {
	uint32_t call_ms;
	uint32_t prog_ms;
};

struct machine_timeouts machine_timeouts(enum vm_accel accel);

#endif
