/*
 * The fake backend, for tests: a local process plays the machine. Its
 * stdin/stdout is the transport (a socketpair) and its stderr the
 * console: drmfuzz-executor --stdio exercises the real executor, a shell
 * one-liner plays a broken machine.
 */
#ifndef DRMFUZZ_VM_FAKE_H
#define DRMFUZZ_VM_FAKE_H

#include "vm.h"

/* vm_opts.config for vm_fake_ops. */
struct vm_fake_config {
	char *const *argv; /* the process (looked up in $PATH) */
};

extern const struct vm_ops vm_fake_ops;

#endif
