/*
 * drmfuzz-executor: sandboxes, entered by each worker before it runs
 * its first program (docs/sandbox.md). KCOV fds are already open by then.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "executor.h"

#define NOBODY 65534
#define VIDEO_GID 44 /* owns /dev/dri/card* in our guest */

static int sandbox_setuid(char *err, size_t cap)
{
	gid_t groups[1] = { VIDEO_GID };

	if (setgroups(1, groups)) {
		snprintf(err, cap, "setgroups: %s", strerror(errno));
		return -errno;
	}
	if (setresgid(NOBODY, NOBODY, NOBODY)) {
		snprintf(err, cap, "setresgid: %s", strerror(errno));
		return -errno;
	}
	if (setresuid(NOBODY, NOBODY, NOBODY)) {
		snprintf(err, cap, "setresuid: %s", strerror(errno));
		return -errno;
	}
	/* Changing uid clears "dumpable", which makes /proc/self files root-owned:
	 * fail-nth (fault injection) would no longer be writable. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)) {
		snprintf(err, cap, "PR_SET_DUMPABLE: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int sandbox_enter(uint32_t sandbox, char *err, size_t cap)
{
	switch (sandbox) {
	case WIRE_SANDBOX_NONE:
		return 0;
	case WIRE_SANDBOX_SETUID:
		return sandbox_setuid(err, cap);
	default:
		snprintf(err, cap, "unknown sandbox %u", sandbox);
		return -EINVAL;
	}
}
