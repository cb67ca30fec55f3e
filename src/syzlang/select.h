/*
 * Syscall selection with syzkaller's semantics: enable_syscalls /
 * disable_syscalls patterns, then transitive disabling of calls whose
 * input resources no enabled call can create. Every disabled call gets a
 * printable reason.
 */
#ifndef DRMFUZZ_SYZLANG_SELECT_H
#define DRMFUZZ_SYZLANG_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "target.h"

struct syz_select_opts {
	/* Patterns: an exact name ("openat"; also matches its "openat$..."
	 * variants), or a prefix ending in '*' ("ioctl$DRM_*"). No enable
	 * patterns: every call is enabled. */
	const char *const *enable;
	size_t n_enable;
	const char *const *disable;
	size_t n_disable;
	/* Enable the producers of resources that enabled calls need but
	 * nothing enabled creates (precise ctors, repeatedly). */
	bool add_producers;
	/* Snapshot mode: calls with the snapshot attribute are allowed. */
	bool snapshot;
};

struct syz_selection {
	size_t n_calls; /* == target->n_calls */
	bool *enabled; /* by call id */
	/* by call id: NULL when enabled, else why it is not */
	const char **reason;
	/* by call id: enabled only because add_producers needed it */
	bool *added;
	size_t n_enabled;
	void *priv;
};

/*
 * Select calls of @t. A pattern that matches no call is an error
 * ("enable_syscalls: 'X' matches no syscall") reported in @diags (or the
 * log) with -EINVAL. Returns 0 and *out (syz_selection_free), -EINVAL or
 * -ENOMEM.
 */
int syz_select(const struct syz_target *t, const struct syz_select_opts *opts,
	       struct syz_selection **out, struct syz_diags *diags);
void syz_selection_free(struct syz_selection *s);

/* syzkaller's MatchSyscall. */
bool syz_pattern_match(const char *pattern, const char *name);

#endif
