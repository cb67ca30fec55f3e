/* Shared internals of the syzlang module. */
#ifndef DRMFUZZ_SYZLANG_INTERNAL_H
#define DRMFUZZ_SYZLANG_INTERNAL_H

#include "target.h"
#include "util/arena.h"

struct syz_target_priv {
	struct arena arena;
};

/* Append a diagnostic (copies @file and @msg). 0 or -ENOMEM. */
int syz_diags_add(struct syz_diags *d, const char *file, int line, int col,
		  bool warning, const char *msg);

#endif
