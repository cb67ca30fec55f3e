/*
 * QEMU's accelerator: KVM or TCG, and the KVM probe that chooses between
 * them. On some hosts /dev/kvm exists and real-mode code runs, but a
 * nested guest spins once the kernel switches to long mode, so the probe
 * boots the kernel itself.
 */
#ifndef DRMFUZZ_VM_ACCEL_H
#define DRMFUZZ_VM_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

struct vm_qemu_config;

enum vm_accel {
	VM_ACCEL_AUTO, /* probe KVM, fall back to TCG */
	VM_ACCEL_KVM,
	VM_ACCEL_TCG,
};

/* "auto" | "kvm" | "tcg" (NULL: auto). 0 or -EINVAL. */
int vm_accel_parse(const char *s, enum vm_accel *out);
const char *vm_accel_name(enum vm_accel a);

/*
 * KVM probe: does QEMU with -accel kvm really run @o's kernel? Boots it
 * with no initramfs and no root (it panics once booted) and watches the
 * console: it must print VM_PROBE_STARTED within VM_PROBE_START_S seconds
 * and VM_PROBE_DONE within VM_PROBE_BOOT_S. Returns true when it did; *why gets a one-line
 * explanation either way.
 */
#define VM_PROBE_STARTED "Linux version"
#define VM_PROBE_DONE "Unable to mount root fs"
#define VM_PROBE_START_S 4.0
#define VM_PROBE_BOOT_S 15.0
bool vm_kvm_probe(const struct vm_qemu_config *o, char *why, size_t cap);

/*
 * The decision from one probe run: console output, seconds it ran, and
 * whether QEMU exited by itself (with @exit_code) or was stopped. Pure,
 * for tests.
 */
bool vm_kvm_probe_verdict(const char *out, double elapsed, bool exited,
			  int exit_code, char *why, size_t cap);

/*
 * o->accel AUTO -> KVM or TCG, probing once per process (later calls
 * reuse the answer); logs the reason.
 */
enum vm_accel vm_accel_resolve(const struct vm_qemu_config *o);

#endif
