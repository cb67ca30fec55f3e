/*
 * drmfuzz-executor: pseudo-syscalls with syzkaller's semantics (programs
 * and reproducers behave as under syz-executor). String arguments point
 * into memory the program controls and are read without trusting them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "executor.h"

struct strcopy {
	const char *src;
	char *dst;
	size_t cap;
};

static void strcopy_fn(void *ctx)
{
	struct strcopy *c = ctx;

	strncpy(c->dst, c->src, c->cap - 1);
	c->dst[c->cap - 1] = 0;
}

/* Copy a program's string; 0, or -1 with EFAULT. */
static int copy_str(uint64_t addr, char *dst, size_t cap)
{
	struct strcopy c = { (const char *)(uintptr_t)addr, dst, cap };

	dst[0] = 0;
	if (!nonfailing(strcopy_fn, &c)) {
		errno = EFAULT;
		return -1;
	}
	return 0;
}

/*
 * syz_open_dev(dev, id, flags): each '#' in the path becomes the next
 * decimal digit of id, least significant first (so "renderD#" with id 128
 * is renderD8: use openat for /dev/dri/renderD128, as syzkaller's
 * descriptions do). dev 0xc / 0xb: /dev/char|block/major:minor.
 */
static long open_dev(const uint64_t *a)
{
	char path[1024];
	uint64_t id = a[1];
	char *hash;

	if (a[0] == 0xc || a[0] == 0xb) {
		snprintf(path, sizeof(path), "/dev/%s/%d:%d",
			 a[0] == 0xc ? "char" : "block", (uint8_t)a[1],
			 (uint8_t)a[2]);
		return open(path, O_RDWR);
	}
	if (copy_str(a[0], path, sizeof(path)))
		return -1;
	while ((hash = strchr(path, '#'))) {
		*hash = (char)('0' + id % 10);
		id /= 10;
	}
	return open(path, (int)a[2], 0);
}

/* syz_open_procfs(pid, file): pid 0 self, -1 thread-self, else a task. */
static long open_procfs(const uint64_t *a)
{
	char file[128], path[256];
	int fd;

	if (copy_str(a[1], file, sizeof(file)))
		return -1;
	if (a[0] == 0)
		snprintf(path, sizeof(path), "/proc/self/%s", file);
	else if ((int64_t)a[0] == -1)
		snprintf(path, sizeof(path), "/proc/thread-self/%s", file);
	else
		snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)a[0],
			 file);
	fd = open(path, O_RDWR);
	if (fd < 0)
		fd = open(path, O_RDONLY);
	return fd;
}

/* syz_open_pts(fd, flags): the slave of a /dev/ptmx fd. */
static long open_pts(const uint64_t *a)
{
	char path[64];
	int n;

	if (ioctl((int)a[0], TIOCGPTN, &n))
		return -1;
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	return open(path, (int)a[1], 0);
}

long pseudo_call(uint32_t id, const uint64_t *a)
{
	switch (id) {
	case EXEC_PSEUDO_OPEN_DEV:
		return open_dev(a);
	case EXEC_PSEUDO_OPEN_PROCFS:
		return open_procfs(a);
	case EXEC_PSEUDO_OPEN_PTS:
		return open_pts(a);
	case EXEC_PSEUDO_INIT_NET_SOCKET:
		/* No network namespaces here: the socket is already in the
		 * initial one. */
		return socket((int)a[0], (int)a[1], (int)a[2]);
	default:
		/* syz_execute_func runs arbitrary code: refused. */
		errno = ENOSYS;
		return -1;
	}
}
