/*
 * The syscall model a config asks for: <syzkaller>/sys/linux (the
 * config's "syzkaller" checkout), drmfuzz's descriptions/ and the config's
 * "descriptions" dirs compiled into one target, and the calls its
 * enable_syscalls/disable_syscalls select. One place, so that `drmfuzz
 * run`, `exec`, `prog` and `syscalls` load the same calls the same way.
 */
#ifndef DRMFUZZ_TARGET_TARGET_H
#define DRMFUZZ_TARGET_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "syzlang/select.h"
#include "syzlang/target.h"

/* What a command line adds to the config; zero-initialise. */
struct target_opts {
	const char *syzkaller; /* replaces the config's when set */
	/* Loaded after the config's "descriptions". */
	const char *const *descriptions;
	size_t n_descriptions;
	/* Added before the config's enable_syscalls / disable_syscalls. */
	const char *const *enable;
	size_t n_enable;
	const char *const *disable;
	size_t n_disable;
	bool add_producers; /* also enable the creators of needed resources */
};

/*
 * Compile, in this order, <syzkaller>/sys/linux, drmfuzz's descriptions/,
 * the config's "descriptions" dirs and @o's. @cfg and @o may be NULL (no
 * config, no additions). Returns 0 and *out (syz_target_free), or -errno
 * after logging each error ("file:line:col: msg") and one line saying how
 * many there were; a syzkaller checkout without sys/linux is one error
 * naming it.
 */
int target_load(const struct mgr_config *cfg, const struct target_opts *o,
		struct syz_target **out);

/*
 * Select @t's calls with @o's and @cfg's patterns (either may be NULL).
 * Returns 0 and *out (syz_selection_free), or -errno after logging each
 * pattern that matches nothing.
 */
int target_select(const struct syz_target *t, const struct mgr_config *cfg,
		  const struct target_opts *o, struct syz_selection **out);

/* How many enable patterns @cfg and @o give together. */
size_t target_n_enable(const struct mgr_config *cfg,
		       const struct target_opts *o);

#endif
